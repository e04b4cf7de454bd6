//! Tests of SAT-based test generation (`atpg::sat`): the encoder against simulation, and every
//! verdict against exhaustive simulation over all input vectors.

use std::time::{Duration, Instant};

use atpg::fault::{FaultId, FaultUniverse};
use atpg::patterns::{Logic, PatternSet};
use atpg::sat::encode::encode_circuit;
use atpg::sat::{
    CadicalBackend, ClauseSink, Cnf, SatBackend, SolveResult, TestGenerator, TestOutcome,
    VarisatBackend,
};
use atpg::sim::serial::serial_detections;
use netlist::Circuit;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

mod common;
use common::{bench, exhaustively_detectable, random_circuit};

use netlist::testdata::C17_BENCH as C17;

/// Runs test generation on every fault and holds each verdict to exhaustive simulation; a
/// detected fault's cube is re-simulated independently too. Returns (detected, untestable).
fn check_exhaustively<B: SatBackend>(circuit: &Circuit, backend: B) -> (usize, usize) {
    check_exhaustively_with(circuit, backend, atpg::sat::generator::DEFAULT_REBUILD_RATIO)
}

/// [`check_exhaustively`] with a given solver rebuild ratio (`0`: one solver for all faults).
fn check_exhaustively_with<B: SatBackend>(
    circuit: &Circuit,
    backend: B,
    rebuild_ratio: u64,
) -> (usize, usize) {
    let universe = FaultUniverse::new(circuit);
    let truth = exhaustively_detectable(circuit, &universe);
    let mut generator =
        TestGenerator::with_backend(circuit, &universe, backend).with_rebuild_ratio(rebuild_ratio);
    let (mut detected, mut untestable) = (0, 0);
    for fault in universe.faults() {
        let name = universe.fault_name(circuit, fault);
        match generator.generate(fault).expect("no simulation mismatch") {
            TestOutcome::Detected(cube) => {
                assert!(truth[fault.index()], "{name}: SAT found {cube}, exhaustive found none");
                let hits = serial_detections(circuit, &universe, &cube.to_patterns(), &[fault]);
                assert_ne!(hits[0][0], 0, "{name}: cube {cube} does not detect in serial sim");
                detected += 1;
            }
            TestOutcome::Untestable => {
                assert!(
                    !truth[fault.index()],
                    "{name}: called untestable, but a vector detects it"
                );
                untestable += 1;
            }
            TestOutcome::Aborted => panic!("{name}: aborted without a conflict limit"),
        }
    }
    (detected, untestable)
}

#[test]
fn c17_every_fault_detected_on_both_backends() {
    let circuit = bench(C17);
    let faults = FaultUniverse::new(&circuit).len();
    assert_eq!(check_exhaustively(&circuit, CadicalBackend::new()), (faults, 0));
    assert_eq!(check_exhaustively(&circuit, VarisatBackend::new()), (faults, 0));
}

#[test]
fn untestable_redundant_fault_is_proven() {
    // y = a OR (a AND b): the AND is redundant, so its output stuck-at-0 is untestable.
    let circuit = bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\nm = AND(a, b)\ny = OR(a, m)\n");
    let (detected, untestable) = check_exhaustively(&circuit, CadicalBackend::new());
    assert!(untestable >= 1, "the redundant fault is untestable");
    assert!(detected >= 1);
}

#[test]
fn random_circuits_match_exhaustive_simulation() {
    for seed in 0..40 {
        let circuit = random_circuit(
            seed,
            6 + (seed as usize % 4),
            20 + seed as usize,
            seed as usize % 3,
            false,
        );
        // Alternate between one solver for every fault and frequent rebuilds.
        let ratio = [0, 1, 4][seed as usize % 3];
        check_exhaustively_with(&circuit, CadicalBackend::new(), ratio);
        if seed % 4 == 0 {
            check_exhaustively_with(&circuit, VarisatBackend::new(), ratio);
        }
    }
}

#[test]
fn x_sources_are_never_relied_on() {
    let mut untestable = 0;
    for seed in 0..30 {
        let circuit = random_circuit(seed, 6, 25, seed as usize % 2, true);
        untestable += check_exhaustively(&circuit, CadicalBackend::new()).1;
        if seed % 5 == 0 {
            check_exhaustively(&circuit, VarisatBackend::new());
        }
    }
    // The undriven net's own faults are never detectable.
    assert!(untestable > 0);
}

#[test]
fn good_circuit_encoding_matches_simulation() {
    for seed in 0..20 {
        let circuit = random_circuit(seed, 7, 40, 2, false);
        let n = circuit.num_inputs();
        let words: Vec<u64> = (0..n)
            .map(|i| 0x9E37_79B9_7F4A_7C15u64.rotate_left(i as u32 * 7 + seed as u32))
            .collect();
        let values = circuit.simulate(&words);
        let mut solver = CadicalBackend::new();
        let (_, signals) = encode_circuit(&mut solver, &circuit);
        for bit in 0..8 {
            let assumptions: Vec<_> = (0..n)
                .map(|i| if words[i] >> bit & 1 == 1 { signals[i].one } else { !signals[i].one })
                .collect();
            assert_eq!(solver.solve(&assumptions, None), SolveResult::Sat);
            for node in circuit.nodes() {
                let expected = values[node.index()] >> bit & 1 == 1;
                assert!(
                    solver.value(signals[node.index()].is(expected)),
                    "seed {seed} node {node:?}"
                );
            }
        }
    }
}

#[test]
fn cnf_dump_of_an_and_gate() {
    let circuit = bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = AND(a, b)\n");
    let mut cnf = Cnf::new();
    encode_circuit(&mut cnf, &circuit);
    // Variable 1 is the constant true, 2 and 3 the inputs, 4 the AND.
    assert_eq!(cnf.to_dimacs(), "p cnf 4 4\n1 0\n-4 2 0\n-4 3 0\n4 -2 -3 0\n");
    assert_eq!(cnf.num_vars(), 4);
    let _ = cnf.new_var();
    assert!(cnf.is_satisfied_by(&[true, true, true, true, false]));
    assert!(!cnf.is_satisfied_by(&[true, true, true, false, false]));
}

#[test]
fn conflict_limit_is_honoured_by_cadical() {
    // A limit of zero conflicts still lets easy faults through; nothing may be misreported.
    let circuit = random_circuit(3, 8, 60, 0, false);
    let universe = FaultUniverse::new(&circuit);
    let truth = exhaustively_detectable(&circuit, &universe);
    let mut generator = TestGenerator::new(&circuit, &universe).with_conflict_limit(Some(0));
    for fault in universe.faults() {
        match generator.generate(fault).expect("no simulation mismatch") {
            TestOutcome::Detected(_) => assert!(truth[fault.index()]),
            TestOutcome::Untestable => assert!(!truth[fault.index()]),
            TestOutcome::Aborted => {}
        }
    }
}

#[test]
fn unknown_fault_is_an_error() {
    let circuit = bench(C17);
    let universe = FaultUniverse::new(&circuit);
    let mut generator = TestGenerator::new(&circuit, &universe);
    let outside = atpg::fault::FaultId(universe.len() as u32 + 4);
    assert!(generator.generate(outside).is_err());
}

/// Times test generation over every fault of `circuit`; returns (detected, untestable, time).
fn run_all<B: SatBackend>(
    circuit: &Circuit,
    universe: &FaultUniverse,
    backend: B,
) -> (usize, usize, Duration) {
    let start = Instant::now();
    let mut generator = TestGenerator::with_backend(circuit, universe, backend);
    let (mut detected, mut untestable) = (0, 0);
    for fault in universe.faults() {
        match generator.generate(fault).expect("no simulation mismatch") {
            TestOutcome::Detected(_) => detected += 1,
            TestOutcome::Untestable => untestable += 1,
            TestOutcome::Aborted => panic!("aborted without a conflict limit"),
        }
    }
    (detected, untestable, start.elapsed())
}

#[test]
fn c432_testable_fault_count_and_backend_timing() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let path = dir.join("iscas85/c432.bench");
    let circuit = netlist::read_netlist(&path, &Default::default())
        .expect("c432 reads")
        .levelize()
        .expect("c432 levelizes");
    let universe = FaultUniverse::new(&circuit);
    assert_eq!(universe.len(), 864);
    let (detected_c, untestable_c, time_c) = run_all(&circuit, &universe, CadicalBackend::new());
    let (detected_v, untestable_v, time_v) = run_all(&circuit, &universe, VarisatBackend::new());
    assert_eq!((detected_c, untestable_c), (854, 10));
    assert_eq!((detected_v, untestable_v), (854, 10));
    let per_fault = |t: Duration| t.as_secs_f64() * 1e6 / universe.len() as f64;
    eprintln!(
        "c432, {} faults: cadical {:.1} ms ({:.0} us/fault), varisat {:.1} ms ({:.0} us/fault), varisat/cadical {:.2}",
        universe.len(),
        time_c.as_secs_f64() * 1e3,
        per_fault(time_c),
        time_v.as_secs_f64() * 1e3,
        per_fault(time_v),
        time_v.as_secs_f64() / time_c.as_secs_f64(),
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Detected exactly when some vector detects; untestable exactly when none does.
    #[test]
    fn verdicts_match_exhaustive_simulation(
        seed in 0u64..1_000_000,
        inputs in 1usize..9,
        gates in 1usize..60,
        flops in 0usize..4,
        undriven in any::<bool>(),
        varisat in any::<bool>(),
    ) {
        let circuit = random_circuit(seed, inputs, gates, flops, undriven);
        if varisat {
            check_exhaustively(&circuit, VarisatBackend::new());
        } else {
            check_exhaustively(&circuit, CadicalBackend::new());
        }
    }
}

/// Reads a standard-cell Verilog netlist with its Liberty file and compiles it.
fn read_cells(verilog: &std::path::Path, liberty: &std::path::Path) -> Circuit {
    let library = netlist::liberty::read_liberty(liberty).expect("liberty reads");
    let options = netlist::ReadOptions { library: Some(&library), ..Default::default() };
    netlist::read_netlist(verilog, &options)
        .expect("cell netlist reads")
        .levelize()
        .expect("cell netlist levelizes")
}

#[test]
fn cell_pin_faults_of_s27_match_exhaustive_simulation() {
    // Cell input pins are injected at every primitive read inside the cell's decomposition.
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let circuit = read_cells(
        &dir.join("cells/iwls05_gsclib/s27.v"),
        &dir.join("cells/iwls05_gsclib/gsclib_functions.lib"),
    );
    check_exhaustively(&circuit, CadicalBackend::new());
    check_exhaustively(&circuit, VarisatBackend::new());
}

#[test]
fn cell_netlist_verdicts_agree_with_random_simulation() {
    // gcd on sky130: too many inputs for exhaustion; every untestable verdict must survive
    // 2,048 random patterns (detections are re-simulated by the generator itself).
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let circuit = read_cells(
        &dir.join("cells/sky130hd/gcd_sky130hd.v"),
        &dir.join("cells/sky130hd/sky130hd_tt.lib.gz"),
    );
    let universe = FaultUniverse::new(&circuit);
    let mut generator = TestGenerator::new(&circuit, &universe);
    let mut untestable = Vec::new();
    for fault in universe.faults() {
        match generator.generate(fault).expect("no simulation mismatch") {
            TestOutcome::Detected(_) => {}
            TestOutcome::Untestable => untestable.push(fault),
            TestOutcome::Aborted => panic!("aborted without a conflict limit"),
        }
    }
    let patterns = PatternSet::random(circuit.num_inputs(), 2048, 5);
    let result = atpg::sim::FaultSimulator::new(&circuit, &universe).run(&patterns, &untestable);
    for (fault, first) in untestable.iter().zip(&result.first_detection) {
        assert!(
            first.is_none(),
            "{} called untestable but detected",
            universe.fault_name(&circuit, *fault)
        );
    }
    eprintln!(
        "gcd_sky130hd: {} faults, {} untestable, {:?}",
        universe.len(),
        untestable.len(),
        generator.stats()
    );
}

/// Joint dynamic compaction (`hold`, `extend_joint`), held to exhaustive simulation: every cube
/// it returns detects every held fault in serial simulation, and where it finds none (no
/// conflict limit, so the solver proved it), no input vector detects all of those faults at
/// once. Also counts the faults that fit jointly where extending the cube under its care bits
/// failed, so that the test cannot pass without exercising what joint solving adds.
#[test]
fn joint_extension_matches_exhaustive_simulation() {
    let mut joint_only = 0;
    for seed in 0..40 {
        let circuit = random_circuit(seed, 7, 40, 1, false);
        let universe = FaultUniverse::new(&circuit);
        let n = circuit.num_inputs();
        let mut vectors = PatternSet::new(n);
        for v in 0u32..1 << n {
            vectors.push_with(|i| if v >> i & 1 == 1 { Logic::One } else { Logic::Zero });
        }
        let faults: Vec<FaultId> = universe.faults().collect();
        // Per fault, the vectors that detect it (one bit per vector).
        let detecting = serial_detections(&circuit, &universe, &vectors, &faults);
        let mut generator = TestGenerator::new(&circuit, &universe);
        let Some(TestOutcome::Detected(mut cube)) = faults
            .iter()
            .map(|&f| generator.generate(f).expect("no mismatch"))
            .find(|o| matches!(o, TestOutcome::Detected(_)))
        else {
            continue;
        };
        let target = faults
            .iter()
            .copied()
            .find(|&f| serial_detections(&circuit, &universe, &cube.to_patterns(), &[f])[0][0] != 0)
            .expect("the cube detects some fault");
        let mut pattern = vec![target];
        assert!(generator.hold(&pattern).expect("holds"));
        for &fault in faults.iter().skip(seed as usize % 7).step_by(3) {
            if pattern.contains(&fault) {
                continue;
            }
            let fits_under_care_bits = {
                let mut other = TestGenerator::new(&circuit, &universe);
                other.extend(fault, &cube, None).expect("no mismatch").is_some()
            };
            let mut with = pattern.clone();
            with.push(fault);
            let together: Vec<u64> = (0..vectors.num_blocks())
                .map(|b| {
                    with.iter().fold(!0u64, |m, f| {
                        m & detecting[faults.iter().position(|g| g == f).unwrap()][b]
                    })
                })
                .collect();
            let exists = together.iter().any(|&m| m != 0);
            match generator.extend_joint(fault, None).expect("no mismatch") {
                Some(joint) => {
                    assert!(
                        exists,
                        "seed {seed}: joint cube {joint} for faults no vector detects together"
                    );
                    let hits = serial_detections(&circuit, &universe, &joint.to_patterns(), &with);
                    for (f, h) in with.iter().zip(&hits) {
                        assert_ne!(
                            h[0],
                            0,
                            "seed {seed}: joint cube {joint} misses {}",
                            universe.fault_name(&circuit, *f)
                        );
                    }
                    joint_only += usize::from(!fits_under_care_bits);
                    pattern = with;
                    cube = joint;
                }
                None => assert!(
                    !exists,
                    "seed {seed}: no joint test found, but a vector detects all of {with:?}"
                ),
            }
            assert_eq!(generator.held().collect::<Vec<_>>(), pattern);
        }
        generator.release();
        assert_eq!(generator.held().count(), 0);
    }
    assert!(joint_only > 0, "no fault fitted jointly that did not fit under the care bits");
}
