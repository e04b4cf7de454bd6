//! The stuck-at ATPG flow (`atpg::flow`), held to exhaustive simulation: on circuits small
//! enough to enumerate every input vector, no fault the flow calls untestable is detected by any
//! vector, every fault it calls detected is detected by the final pattern it names, nothing is
//! aborted, and the results do not depend on the thread count.

use atpg::fault::FaultId;
use atpg::flow::{self, Compaction, Fill, FlowOptions, FlowResult, Silent};
use atpg::patterns::{Logic, PatternSet};
use atpg::sim::{FaultSimulator, GoodSimulator};
use netlist::Circuit;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

mod common;
use common::random_circuit;

/// Every input vector of `circuit`.
fn all_vectors(circuit: &Circuit) -> PatternSet {
    let n = circuit.num_inputs();
    let mut patterns = PatternSet::new(n);
    for v in 0u32..1 << n {
        patterns.push_with(|i| if v >> i & 1 == 1 { Logic::One } else { Logic::Zero });
    }
    patterns
}

/// Checks a flow result against exhaustive simulation and against re-simulation of its own
/// patterns.
fn check_exhaustively(circuit: &Circuit, result: &FlowResult) -> Result<(), TestCaseError> {
    let faults: Vec<FaultId> = result.collapsed.faults().to_vec();
    let simulator = FaultSimulator::new(circuit, &result.universe);
    let exhaustive = simulator.run(&all_vectors(circuit), &faults);
    let graded = simulator.run(&result.patterns, &faults);
    for (k, status) in result.status.iter().enumerate() {
        let name = result.universe.fault_name(circuit, faults[k]);
        let testable = exhaustive.first_detection[k].is_some();
        match status {
            flow::FaultStatus::Detected(p) => {
                prop_assert_eq!(graded.first_detection[k], Some(*p), "fault {}", name);
            }
            flow::FaultStatus::Untestable => {
                prop_assert!(!testable, "fault {} called untestable is detectable", name);
            }
            other => prop_assert!(false, "fault {} left {:?}", name, other),
        }
        prop_assert_eq!(testable, graded.first_detection[k].is_some(), "fault {}", name);
    }
    prop_assert_eq!(&result.responses, &GoodSimulator::new(circuit).simulate(&result.patterns));
    prop_assert!((0..result.patterns.num_blocks()).all(|b| !result.patterns.block_has_unknown(b)));
    let r = &result.report;
    prop_assert_eq!(r.faults.aborted + r.faults.undetected, 0);
    prop_assert_eq!(r.faults.detected + r.faults.untestable, r.faults.total);
    prop_assert_eq!(r.patterns, result.patterns.len());
    Ok(())
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool").install(f)
}

fn options(compaction: Compaction, fill: Fill, seed: u64) -> FlowOptions {
    FlowOptions {
        seed,
        compaction,
        fill,
        // Few random vectors, so that test generation does most of the work on small circuits.
        random_patterns: 64,
        ..FlowOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn verdicts_match_exhaustive_simulation(
        seed in any::<u64>(),
        inputs in 2usize..8,
        flops in 0usize..4,
        gates in 4usize..60,
        undriven in any::<bool>(),
        compaction in prop_oneof![Just(Compaction::None), Just(Compaction::Fast), Just(Compaction::Max)],
        fill in prop_oneof![Just(Fill::Random), Just(Fill::Zero), Just(Fill::One), Just(Fill::Adjacent)],
    ) {
        let circuit = random_circuit(seed, inputs, gates, flops, undriven);
        let options = options(compaction, fill, seed);
        let result = flow::run(&circuit, &options, &Silent).expect("flow runs");
        check_exhaustively(&circuit, &result)?;
        // Same seed, other thread count: the same patterns.
        let again = on_threads(2, || flow::run(&circuit, &options, &Silent).expect("flow runs"));
        prop_assert_eq!(&again.patterns, &result.patterns);
        prop_assert_eq!(&again.status, &result.status);
    }
}

/// Larger circuits, still enumerable: 16 to 18 inputs (a quarter million vectors).
#[test]
fn verdicts_on_larger_circuits_match_exhaustive_simulation() {
    for (seed, inputs, flops, gates) in [(11, 14, 2, 300), (12, 16, 2, 400), (13, 12, 6, 500)] {
        let circuit = random_circuit(seed, inputs, gates, flops, false);
        assert!(circuit.num_inputs() >= 16, "{} inputs", circuit.num_inputs());
        let result = flow::run(&circuit, &FlowOptions::default(), &Silent).expect("flow runs");
        check_exhaustively(&circuit, &result).expect("verdicts hold");
    }
}

/// Untestable faults must be found: a redundant circuit, `y = a | (a & b)`, has faults no
/// vector detects, and the flow proves them rather than aborting.
#[test]
fn redundant_faults_are_proven_untestable() {
    let circuit = netlist::bench::parse_bench(
        "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nt = AND(a, b)\ny = OR(a, t)\n",
        "redundant.bench",
    )
    .expect("parses")
    .levelize()
    .expect("levelizes");
    let result = flow::run(&circuit, &FlowOptions::default(), &Silent).expect("flow runs");
    assert!(result.report.faults.untestable > 0, "{:?}", result.report.faults);
    check_exhaustively(&circuit, &result).expect("verdicts hold");
}

/// Compaction effort orders pattern counts: `max` is never worse than `none` on a multiplier.
#[test]
fn compaction_reduces_patterns_on_a_multiplier() {
    let circuit = netlist::generate::array_multiplier(6).levelize().expect("levelizes");
    let count = |compaction| {
        let options = FlowOptions { compaction, ..FlowOptions::default() };
        let result = flow::run(&circuit, &options, &Silent).expect("flow runs");
        assert_eq!(result.report.faults.aborted, 0);
        result.patterns.len()
    };
    let (none, fast, max) =
        (count(Compaction::None), count(Compaction::Fast), count(Compaction::Max));
    assert!(max <= fast && fast < none, "none {none}, fast {fast}, max {max}");
}

/// With conflict limits too small for the solver, aborted faults go to SAT sweeping, and the
/// verdicts are still exact.
#[test]
fn starved_conflict_limits_fall_back_to_sweeping() {
    let mut swept = 0;
    for seed in 0..12 {
        let circuit = random_circuit(seed, 7, 80, 2, seed % 3 == 0);
        let options = FlowOptions {
            abort_limit: 1,
            retry_limit: 1,
            random_patterns: 0,
            ..FlowOptions::default()
        };
        let result = flow::run(&circuit, &options, &Silent).expect("flow runs");
        check_exhaustively(&circuit, &result).expect("verdicts hold");
        swept += result.report.swept_faults;
    }
    assert!(swept > 0, "conflict limits of 1 left nothing for sweeping");
}

/// A time limit that is already spent when test generation starts: the solver is never asked,
/// the random vectors set aside for the hard-first order are brought back, and every fault they
/// do not detect is aborted for the time limit. Detections are still exact, and nothing the
/// random phase detected is lost.
#[test]
fn spent_time_limit_aborts_what_test_generation_did_not_reach() {
    use atpg::flow::{AbortReason, FaultStatus};
    use std::time::Duration;
    let mut aborted = 0;
    for seed in 0..6 {
        let circuit = random_circuit(seed, 10, 200, 2, false);
        let faults = |result: &FlowResult| result.collapsed.faults().to_vec();
        for compaction in [Compaction::None, Compaction::Fast, Compaction::Max] {
            let options = FlowOptions {
                time_limit: Some(Duration::from_nanos(1)),
                ..options(compaction, Fill::Random, seed)
            };
            let result = flow::run(&circuit, &options, &Silent).expect("flow runs");
            let list = faults(&result);
            let simulator = FaultSimulator::new(&circuit, &result.universe);
            let graded = simulator.run(&result.patterns, &list);
            let labels = result.labels.as_ref().expect("the flow keeps labels");
            for (k, &status) in result.status.iter().enumerate() {
                let name = result.universe.fault_name(&circuit, list[k]);
                match status {
                    FaultStatus::Detected(p) => {
                        assert_eq!(graded.first_detection[k], Some(p), "{name}");
                    }
                    FaultStatus::Aborted => {
                        assert_eq!(result.abort_reasons[k], Some(AbortReason::TimeLimit), "{name}");
                        assert_eq!(graded.first_detection[k], None, "{name}");
                        assert!(labels[k].random_detection.is_none(), "{name}: random lost");
                        aborted += 1;
                    }
                    other => panic!("{name}: {other:?} without any solver call"),
                }
                if status != FaultStatus::Aborted {
                    assert_eq!(result.abort_reasons[k], None, "{name}");
                }
            }
            assert_eq!(result.report.faults.aborted + result.report.faults.detected, list.len());
            assert_eq!(result.report.sat_calls, 0);
            assert_eq!(result.responses, GoodSimulator::new(&circuit).simulate(&result.patterns));
        }
    }
    assert!(aborted > 0, "64 random vectors detected every fault: the test shows nothing");
}

/// A time limit that is never reached changes nothing.
#[test]
fn unreached_time_limit_changes_nothing() {
    for (seed, compaction) in [(3, Compaction::Fast), (4, Compaction::Max), (5, Compaction::None)] {
        let circuit = random_circuit(seed, 9, 150, 2, seed % 2 == 0);
        let plain = options(compaction, Fill::Random, seed);
        let limited = FlowOptions {
            time_limit: Some(std::time::Duration::from_secs(24 * 3600)),
            ..plain.clone()
        };
        let a = flow::run(&circuit, &plain, &Silent).expect("flow runs");
        let b = flow::run(&circuit, &limited, &Silent).expect("flow runs");
        assert_eq!(a.patterns, b.patterns);
        assert_eq!(a.status, b.status);
        check_exhaustively(&circuit, &b).expect("verdicts hold");
    }
}
