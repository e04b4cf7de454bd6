//! Tests of SAT sweeping (`atpg::sat::sweep`): every verdict against exhaustive simulation on
//! small random circuits, and the hard faults of c6288 against TESTABLE.md.

use std::time::{Duration, Instant};

use atpg::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse, Injection, Read};
use atpg::patterns::PatternSet;
use atpg::sat::encode::{encode_circuit, Rails};
use atpg::sat::{
    sweep_fault, CadicalBackend, ClauseSink, SatBackend, SolveResult, SweepOptions, SweepOutcome,
    Sweeper, TestGenerator, TestOutcome, VarisatBackend,
};
use atpg::sim::serial::serial_detections;
use atpg::sim::FaultSimulator;
use netlist::{Circuit, GateKind, NodeId};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

mod common;
use common::{bench, exhaustively_detectable, random_circuit};

/// Sweeps every fault of `circuit` with one sweeper and holds each verdict to exhaustive
/// simulation; detected cubes are re-simulated by the serial reference simulator too. Returns
/// (detected, untestable, unknown).
fn check_exhaustively(circuit: &Circuit, options: &SweepOptions) -> (usize, usize, usize) {
    let universe = FaultUniverse::new(circuit);
    let truth = exhaustively_detectable(circuit, &universe);
    let mut sweeper = Sweeper::new(circuit, &universe, options.clone());
    let mut counts = (0, 0, 0);
    for fault in universe.faults() {
        let outcome = sweeper.sweep_fault(fault).expect("no simulation mismatch");
        check_verdict(circuit, &universe, &truth, fault, &outcome);
        match outcome {
            SweepOutcome::Detected(_) => counts.0 += 1,
            SweepOutcome::Untestable => counts.1 += 1,
            SweepOutcome::Unknown => counts.2 += 1,
        }
    }
    counts
}

fn check_verdict(
    circuit: &Circuit,
    universe: &FaultUniverse,
    truth: &[bool],
    fault: FaultId,
    outcome: &SweepOutcome,
) {
    let name = universe.fault_name(circuit, fault);
    match outcome {
        SweepOutcome::Detected(cube) => {
            assert!(truth[fault.index()], "{name}: sweeping found {cube}, exhaustive found none");
            let hits = serial_detections(circuit, universe, &cube.to_patterns(), &[fault]);
            assert_ne!(hits[0][0], 0, "{name}: cube {cube} does not detect in serial sim");
        }
        SweepOutcome::Untestable => {
            assert!(!truth[fault.index()], "{name}: called untestable, but a vector detects it")
        }
        SweepOutcome::Unknown => {}
    }
}

#[test]
fn redundant_and_is_proven_untestable_and_the_rest_detected() {
    // y = a OR (a AND b): the AND's output stuck-at-0 (and its equivalents) cannot be seen.
    let circuit = bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\nm = AND(a, b)\ny = OR(a, m)\n");
    let (detected, untestable, unknown) = check_exhaustively(&circuit, &SweepOptions::default());
    assert!(untestable >= 1);
    assert!(detected >= 1);
    assert_eq!(unknown, 0);
}

#[test]
fn c17_every_fault_detected() {
    let circuit = bench(netlist::testdata::C17_BENCH);
    let faults = FaultUniverse::new(&circuit).len();
    assert_eq!(check_exhaustively(&circuit, &SweepOptions::default()), (faults, 0, 0));
}

#[test]
fn unknown_fault_is_an_error() {
    let circuit = bench(netlist::testdata::C17_BENCH);
    let universe = FaultUniverse::new(&circuit);
    let outside = FaultId(universe.len() as u32 + 4);
    assert!(sweep_fault(&circuit, &universe, outside, &SweepOptions::default()).is_err());
}

#[test]
fn x_sources_are_never_relied_on() {
    // Undriven nets are X to the simulator; sweeping must neither detect through them nor call a
    // fault untestable that a known vector detects.
    let mut untestable = 0;
    for seed in 0..30 {
        let circuit = random_circuit(seed, 6, 25, seed as usize % 2, true);
        let (_, u, unknown) = check_exhaustively(&circuit, &SweepOptions::default());
        assert_eq!(unknown, 0, "seed {seed}");
        untestable += u;
    }
    assert!(untestable > 0, "the undriven net's own faults are never detectable");
}

#[test]
fn starved_budgets_stay_correct() {
    // No conflicts per pair and a handful of checks per fault: sweeping merges little, and the
    // final call (unbounded) must still give exact answers.
    let options = SweepOptions {
        pair_conflict_limit: 0,
        pair_check_budget: 3,
        counterexample_words: 1,
        random_words: 1,
        final_conflict_limit: None,
        ..SweepOptions::default()
    };
    for seed in 0..20 {
        let circuit = random_circuit(seed, 8, 40 + seed as usize, seed as usize % 3, seed % 2 == 0);
        let (_, _, unknown) = check_exhaustively(&circuit, &options);
        assert_eq!(unknown, 0, "seed {seed}: the final call has no limit");
    }
}

#[test]
fn varisat_backend_agrees() {
    for seed in 0..10 {
        let circuit = random_circuit(seed, 7, 30, 1, seed % 3 == 0);
        let universe = FaultUniverse::new(&circuit);
        let truth = exhaustively_detectable(&circuit, &universe);
        let mut sweeper = Sweeper::with_backend(
            &circuit,
            &universe,
            SweepOptions::default(),
            VarisatBackend::new(),
        );
        for fault in universe.faults() {
            let outcome = sweeper.sweep_fault(fault).expect("no simulation mismatch");
            assert_ne!(outcome, SweepOutcome::Unknown);
            check_verdict(&circuit, &universe, &truth, fault, &outcome);
        }
    }
}

#[test]
fn final_call_alone_decides_without_sweeping() {
    // No equivalence checks at all and one word of random patterns: verdicts come from hashing,
    // simulation and the final call, whose models and UNSAT proofs must be right on their own.
    let options = SweepOptions {
        pair_check_budget: 0,
        random_words: 1,
        final_conflict_limit: None,
        ..SweepOptions::default()
    };
    let mut by_final_call = (0, 0);
    for seed in 0..20 {
        let circuit = random_circuit(seed, 10, 60, seed as usize % 3, seed % 4 == 0);
        let universe = FaultUniverse::new(&circuit);
        let truth = exhaustively_detectable(&circuit, &universe);
        let mut sweeper = Sweeper::new(&circuit, &universe, options.clone());
        for fault in universe.faults() {
            let outcome = sweeper.sweep_fault(fault).expect("no simulation mismatch");
            assert_ne!(outcome, SweepOutcome::Unknown);
            check_verdict(&circuit, &universe, &truth, fault, &outcome);
        }
        let stats = sweeper.stats();
        assert_eq!(stats.pairs_proven + stats.pairs_refuted, 0);
        by_final_call.0 += stats.detected - stats.detected_by_simulation;
        by_final_call.1 += stats.untestable - stats.untestable_by_merging;
    }
    assert!(by_final_call.0 > 0, "some tests come from the final call's model");
    assert!(by_final_call.1 > 0, "some untestable faults are proven by the final call");
}

#[test]
fn sweeping_merges_and_refines_on_random_circuits() {
    // The statistics show every path was taken: proofs merged, counterexamples refined.
    let mut totals = (0, 0, 0);
    for seed in 0..20 {
        let circuit = random_circuit(seed, 10, 80, 1, false);
        let universe = FaultUniverse::new(&circuit);
        let truth = exhaustively_detectable(&circuit, &universe);
        let options = SweepOptions { random_words: 1, ..SweepOptions::default() };
        let mut sweeper = Sweeper::new(&circuit, &universe, options);
        for fault in universe.faults() {
            let outcome = sweeper.sweep_fault(fault).expect("no simulation mismatch");
            check_verdict(&circuit, &universe, &truth, fault, &outcome);
        }
        let stats = sweeper.stats();
        totals.0 += stats.pairs_proven;
        totals.1 += stats.pairs_refuted;
        totals.2 += stats.untestable_by_merging;
    }
    assert!(totals.0 > 0 && totals.1 > 0 && totals.2 > 0, "{totals:?}");
}

#[test]
fn cell_pin_faults_of_s27_match_exhaustive_simulation() {
    // Cell input pins are injected at every primitive read inside the cell's decomposition.
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let library =
        netlist::liberty::read_liberty(&dir.join("cells/iwls05_gsclib/gsclib_functions.lib"))
            .expect("liberty reads");
    let options = netlist::ReadOptions { library: Some(&library), ..Default::default() };
    let circuit = netlist::read_netlist(&dir.join("cells/iwls05_gsclib/s27.v"), &options)
        .expect("cell netlist reads")
        .levelize()
        .expect("levelizes");
    let (_, _, unknown) = check_exhaustively(&circuit, &SweepOptions::default());
    assert_eq!(unknown, 0);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Untestable exactly when no vector detects, detected (with a cube that detects) exactly
    /// when one does; tight per-pair limits may leave pairs unmerged but never change a verdict.
    #[test]
    fn verdicts_match_exhaustive_simulation(
        seed in 0u64..1_000_000,
        inputs in 1usize..10,
        gates in 1usize..80,
        flops in 0usize..3,
        undriven in any::<bool>(),
        pair_conflict_limit in prop_oneof![Just(0u32), Just(10), Just(500)],
        random_words in 1usize..4,
    ) {
        let circuit = random_circuit(seed, inputs, gates, flops, undriven);
        let options = SweepOptions {
            seed,
            random_words,
            pair_conflict_limit,
            final_conflict_limit: None,
            ..SweepOptions::default()
        };
        let (_, _, unknown) = check_exhaustively(&circuit, &options);
        prop_assert_eq!(unknown, 0);
    }
}

/// The c6288 row of TESTABLE.md: (uncollapsed faults, testable).
fn testable_row(dir: &std::path::Path, name: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(dir.join("TESTABLE.md")).expect("TESTABLE.md reads");
    text.lines()
        .find_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.get(1) != Some(&name) {
                return None;
            }
            Some((cells.get(2)?.parse().ok()?, cells.get(3)?.parse().ok()?))
        })
        .unwrap_or_else(|| panic!("TESTABLE.md has a row for {name}"))
}

/// c6288 read and compiled, with its universe and equivalence-collapsed faults.
fn c6288() -> Option<(std::path::PathBuf, Circuit)> {
    let dir = netlist::testdata::benchmarks()?;
    let circuit = netlist::read_netlist(&dir.join("iscas85/c6288.bench"), &Default::default())
        .expect("c6288 reads")
        .levelize()
        .expect("c6288 levelizes");
    Some((dir, circuit))
}

/// The collapsed faults of c6288 that 1,024 random patterns leave, and of those the ones the
/// generator with `limit` conflicts aborts or calls untestable, with the classes it detects.
fn hard_faults(
    circuit: &Circuit,
    universe: &FaultUniverse,
    collapsed: &CollapsedFaults,
    limit: Option<u32>,
) -> (Vec<bool>, Vec<FaultId>, Duration) {
    let patterns = PatternSet::random(circuit.num_inputs(), 1024, 1);
    let result = FaultSimulator::new(circuit, universe).run(&patterns, collapsed.faults());
    let mut detected_class = vec![false; collapsed.num_classes()];
    let mut left = Vec::new();
    for (&fault, first) in collapsed.faults().iter().zip(&result.first_detection) {
        if first.is_some() {
            detected_class[collapsed.class_of(fault)] = true;
        } else {
            left.push(fault);
        }
    }
    let start = Instant::now();
    let mut generator = TestGenerator::new(circuit, universe).with_conflict_limit(limit);
    let mut hard = Vec::new();
    for fault in left {
        match generator.generate(fault).expect("no simulation mismatch") {
            TestOutcome::Detected(_) => detected_class[collapsed.class_of(fault)] = true,
            TestOutcome::Untestable | TestOutcome::Aborted => hard.push(fault),
        }
    }
    (detected_class, hard, start.elapsed())
}

#[test]
fn c6288_hard_faults_are_all_resolved() {
    let Some((dir, circuit)) = c6288() else { return };
    let universe = FaultUniverse::new(&circuit);
    let collapsed = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
    let (total, testable) = testable_row(&dir, "c6288.bench");
    assert_eq!(universe.len(), total);

    let (mut detected_class, hard, generator_time) =
        hard_faults(&circuit, &universe, &collapsed, Some(1000));
    assert!(!hard.is_empty(), "c6288 has untestable faults");

    let start = Instant::now();
    let mut sweeper = Sweeper::new(&circuit, &universe, SweepOptions::default());
    let build_time = start.elapsed();
    let mut untestable = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for &fault in &hard {
        let started = Instant::now();
        let outcome = sweeper.sweep_fault(fault).expect("no simulation mismatch");
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, universe.fault_name(&circuit, fault));
        }
        match outcome {
            SweepOutcome::Detected(_) => detected_class[collapsed.class_of(fault)] = true,
            SweepOutcome::Untestable => untestable.push(fault),
            SweepOutcome::Unknown => {
                panic!("{}: unresolved", universe.fault_name(&circuit, fault))
            }
        }
    }
    let sweep_time = start.elapsed();

    let detected = collapsed.expand(&detected_class).iter().filter(|&&d| d).count();
    assert_eq!(detected, testable, "testable faults of c6288 (TESTABLE.md)");
    // Untestable verdicts survive more random patterns too.
    let patterns = PatternSet::random(circuit.num_inputs(), 4096, 99);
    let result = FaultSimulator::new(&circuit, &universe).run(&patterns, &untestable);
    assert!(result.first_detection.iter().all(Option::is_none));

    eprintln!(
        "c6288: {} hard collapsed faults (generator, 1000 conflicts: {:.2} s); sweeper: build {:.1} ms, \
         {} untestable, total {:.3} s, {:.1} ms/fault, slowest {:.1} ms ({}); {:?}",
        hard.len(),
        generator_time.as_secs_f64(),
        build_time.as_secs_f64() * 1e3,
        untestable.len(),
        sweep_time.as_secs_f64(),
        sweep_time.as_secs_f64() * 1e3 / hard.len() as f64,
        slowest.0.as_secs_f64() * 1e3,
        slowest.1,
        sweeper.stats(),
    );
}

/// Each ISCAS-85 circuit: 1,024 random patterns, the generator at 100 conflicts, then the
/// sweeper on every fault the generator aborted or called untestable. Nothing stays unresolved
/// and the testable counts are TESTABLE.md's.
#[test]
fn iscas85_generator_then_sweeper_matches_testable_md() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let mut swept = 0;
    let start = Instant::now();
    for name in
        ["c432", "c499", "c880", "c1355", "c1908", "c2670", "c3540", "c5315", "c6288", "c7552"]
    {
        let file = format!("{name}.bench");
        let circuit = netlist::read_netlist(&dir.join("iscas85").join(&file), &Default::default())
            .expect("benchmark reads")
            .levelize()
            .expect("benchmark levelizes");
        let universe = FaultUniverse::new(&circuit);
        let collapsed = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
        let (mut detected_class, hard, _) = hard_faults(&circuit, &universe, &collapsed, Some(100));
        let mut sweeper = Sweeper::new(&circuit, &universe, SweepOptions::default());
        for &fault in &hard {
            match sweeper.sweep_fault(fault).expect("no simulation mismatch") {
                SweepOutcome::Detected(_) => detected_class[collapsed.class_of(fault)] = true,
                SweepOutcome::Untestable => {}
                SweepOutcome::Unknown => {
                    panic!("{file}: {} unresolved", universe.fault_name(&circuit, fault))
                }
            }
        }
        swept += hard.len();
        let detected = collapsed.expand(&detected_class).iter().filter(|&&d| d).count();
        assert_eq!((universe.len(), detected), testable_row(&dir, &file), "{file}");
    }
    eprintln!("ISCAS-85: {swept} faults swept; whole flow {:.2} s", start.elapsed().as_secs_f64());
}

/// The plain miter of one fault, solved by a fresh CaDiCaL without a conflict limit: the good
/// circuit, a faulty copy of the fault's fanout cone, and one clause asking some observed output
/// to differ (no activation clause, no D-chain). For circuits without X sources. Returns whether
/// it is unsatisfiable (the fault untestable).
fn plain_miter_is_unsat(circuit: &Circuit, universe: &FaultUniverse, fault: FaultId) -> bool {
    let mut solver = CadicalBackend::new();
    let (encoder, good) = encode_circuit(&mut solver, circuit);
    let stuck = Rails::binary(encoder.constant(fault.kind().stuck_value()));
    let injection = universe.injection(fault.site());
    let mut faulty: Vec<Option<Rails>> = vec![None; circuit.num_nodes()];
    let mut observed: Vec<(NodeId, Rails)> = Vec::new();
    let forced = |gate: NodeId, pin: usize| match injection {
        Injection::Reads(reads) => reads.contains(&Read::Pin { gate, pin: pin as u32 }),
        Injection::Node(_) => false,
    };
    if let Injection::Reads(reads) = injection {
        for read in reads {
            if let Read::Output(j) = *read {
                observed.push((circuit.outputs()[j as usize], stuck));
            }
        }
    }
    for node in circuit.nodes() {
        if injection == Injection::Node(node) {
            faulty[node.index()] = Some(stuck);
            continue;
        }
        let fanin = circuit.fanin(node);
        let touched =
            (0..fanin.len()).any(|p| forced(node, p) || faulty[fanin[p].index()].is_some());
        if touched {
            let inputs: Vec<Rails> = (0..fanin.len())
                .map(|p| {
                    let f = fanin[p].index();
                    if forced(node, p) {
                        stuck
                    } else {
                        faulty[f].unwrap_or(good[f])
                    }
                })
                .collect();
            faulty[node.index()] = Some(encoder.gate(&mut solver, circuit.kind(node), &inputs));
        }
    }
    for &o in circuit.outputs() {
        if let Some(f) = faulty[o.index()] {
            observed.push((o, f));
        }
    }
    let mut differs = Vec::new();
    for (o, f) in observed {
        let x = encoder.gate(&mut solver, GateKind::Xor, &[good[o.index()], f]);
        assert!(x.is_binary(), "plain miters are for circuits without X sources");
        differs.push(x.one);
    }
    solver.add_clause(&differs);
    solver.solve(&[], None) == SolveResult::Unsat
}

/// The measurement behind the module: on c6288's hard faults, the plain miter (fresh CaDiCaL,
/// no limit), the project's generator (fresh per fault, no limit), one sweeper for all faults,
/// and a fresh sweeper per fault. Ignored by default (the plain miters take seconds each); run
/// with `cargo test -p atpg --test sweep -- --ignored --nocapture`.
#[test]
#[ignore = "measurement: the plain miters take seconds per fault"]
fn c6288_plain_miter_versus_generator_versus_sweeper() {
    let Some((_, circuit)) = c6288() else { return };
    let universe = FaultUniverse::new(&circuit);
    let collapsed = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
    let (_, hard, _) = hard_faults(&circuit, &universe, &collapsed, Some(1000));
    let per_fault = |t: Duration| t.as_secs_f64() * 1e3 / hard.len() as f64;

    let mut plain = Duration::ZERO;
    let mut slowest = Duration::ZERO;
    for &fault in &hard {
        let start = Instant::now();
        assert!(plain_miter_is_unsat(&circuit, &universe, fault));
        slowest = slowest.max(start.elapsed());
        plain += start.elapsed();
    }
    let start = Instant::now();
    for &fault in &hard {
        let outcome = TestGenerator::new(&circuit, &universe).generate(fault).expect("no mismatch");
        assert_eq!(outcome, TestOutcome::Untestable);
    }
    let generator = start.elapsed();
    let start = Instant::now();
    let mut sweeper = Sweeper::new(&circuit, &universe, SweepOptions::default());
    for &fault in &hard {
        assert_eq!(sweeper.sweep_fault(fault).expect("no mismatch"), SweepOutcome::Untestable);
    }
    let swept = start.elapsed();
    let start = Instant::now();
    for &fault in &hard {
        let outcome =
            sweep_fault(&circuit, &universe, fault, &SweepOptions::default()).expect("no mismatch");
        assert_eq!(outcome, SweepOutcome::Untestable);
    }
    let fresh = start.elapsed();
    eprintln!(
        "c6288, {} hard faults (all untestable), ms per fault: plain miter {:.1} (slowest {:.1}), \
         generator {:.2}, one sweeper {:.3}, fresh sweeper per fault {:.3}; totals (s): {:.3}, \
         {:.3}, {:.4}, {:.4}",
        hard.len(),
        per_fault(plain),
        slowest.as_secs_f64() * 1e3,
        per_fault(generator),
        per_fault(swept),
        per_fault(fresh),
        plain.as_secs_f64(),
        generator.as_secs_f64(),
        swept.as_secs_f64(),
        fresh.as_secs_f64(),
    );
}
