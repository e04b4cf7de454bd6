//! Fault simulation throughput: 10,000 random patterns on c7552 and on full-scan s38584.1, with
//! and without fault dropping, on 1 and 2 threads, next to a plain good-machine simulation.
//!
//! Criterion reports each run's time and its throughput in gate-pattern evaluations per second
//! (every gate evaluation works on a 64-pattern word: good-machine gates, fault-cone gates and
//! fanout-free-region path gates, times 64). A summary table follows on stderr with, per
//! configuration: nanoseconds per 64-bit gate evaluation, that cost relative to the good-machine
//! simulation's, and the speed-up of 2 threads over 1. Skips, with a notice, when the shared
//! benchmarks are absent. `FAULT_SIM_BENCH_PATTERNS` changes the number of patterns.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::time::{Duration, Instant};

use atpg::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse};
use atpg::patterns::PatternSet;
use atpg::sim::{FaultSimResult, FaultSimulator, GoodSimulator};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netlist::Circuit;

fn patterns() -> usize {
    std::env::var("FAULT_SIM_BENCH_PATTERNS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

struct Design {
    name: &'static str,
    circuit: Circuit,
    universe: FaultUniverse,
    faults: Vec<FaultId>,
    patterns: PatternSet,
}

fn designs() -> Vec<Design> {
    let Some(dir) = netlist::testdata::benchmarks() else { return Vec::new() };
    [("c7552", "iscas85/c7552.bench"), ("s38584.1", "iscas89/s38584.1.bench")]
        .into_iter()
        .map(|(name, file)| {
            let netlist = netlist::read_netlist(&dir.join(file), &Default::default())
                .expect("the shared benchmark reads");
            let circuit = netlist.levelize().expect("the shared benchmark levelizes");
            let universe = FaultUniverse::new(&circuit);
            let collapsed = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
            let faults = collapsed.class_representatives().to_vec();
            let patterns = PatternSet::random(circuit.num_inputs(), patterns(), 1);
            Design { name, circuit, universe, faults, patterns }
        })
        .collect()
}

fn fault_sim(design: &Design, dropping: bool, threads: usize) -> FaultSimResult {
    FaultSimulator::new(&design.circuit, &design.universe)
        .with_dropping(dropping)
        .with_threads(threads)
        .run(&design.patterns, &design.faults)
}

/// 64-bit gate evaluations of one run.
fn word_evaluations(result: &FaultSimResult) -> u64 {
    let s = result.stats;
    s.good_gate_evaluations + s.cone_gate_evaluations + s.path_gate_evaluations
}

fn bench(c: &mut Criterion) {
    let designs = designs();
    for design in &designs {
        let good = GoodSimulator::new(&design.circuit);
        let good_words = (good.gates_per_block() * design.patterns.num_blocks()) as u64;
        let mut group = c.benchmark_group(format!("fault_sim/{}", design.name));
        group.sample_size(10).measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Elements(good_words * 64));
        group.bench_function("good_machine", |b| b.iter(|| good.simulate(&design.patterns)));
        for dropping in [true, false] {
            let words = word_evaluations(&fault_sim(design, dropping, 1));
            group.throughput(Throughput::Elements(words * 64));
            for threads in [1, 2] {
                let label =
                    format!("{}/{threads}_threads", if dropping { "drop" } else { "no_drop" });
                group.bench_function(label, |b| b.iter(|| fault_sim(design, dropping, threads)));
            }
        }
        group.finish();
    }
    summary(&designs);
}

/// The best of `runs` wall-clock times.
fn best_time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The figures the issue asks for, as ratios (the machine is shared, so absolute times drift).
fn summary(designs: &[Design]) {
    if designs.is_empty() {
        return;
    }
    eprintln!(
        "\n{:<9} {:<8} {:>3} {:>9} {:>10} {:>12} {:>9} {:>8} {:>9}",
        "circuit",
        "mode",
        "thr",
        "seconds",
        "ns/word",
        "gate-pat/s",
        "vs good",
        "2t/1t",
        "detected"
    );
    for design in designs {
        let good = GoodSimulator::new(&design.circuit);
        let good_words = (good.gates_per_block() * design.patterns.num_blocks()) as f64;
        let good_time = best_time(30, || good.simulate(&design.patterns));
        let good_ns = good_time * 1e9 / good_words;
        eprintln!(
            "{:<9} {:<8} {:>3} {:>9.4} {:>10.2} {:>12.3e} {:>9} {:>8} {:>9}",
            design.name,
            "good",
            1,
            good_time,
            good_ns,
            good_words * 64.0 / good_time,
            "1.00",
            "",
            ""
        );
        for dropping in [true, false] {
            let result = fault_sim(design, dropping, 1);
            let words = word_evaluations(&result) as f64;
            let detected = result.first_detection.iter().filter(|d| d.is_some()).count();
            let runs = if dropping { 10 } else { 3 };
            let times: Vec<f64> = [1, 2]
                .iter()
                .map(|&t| best_time(runs, || fault_sim(design, dropping, t)))
                .collect();
            for (threads, &time) in [1, 2].iter().zip(&times) {
                // Per core: the 2-thread rate is divided by 2.
                let ns = time * 1e9 * *threads as f64 / words;
                eprintln!(
                    "{:<9} {:<8} {:>3} {:>9.4} {:>10.2} {:>12.3e} {:>9.2} {:>8} {:>9}",
                    design.name,
                    if dropping { "drop" } else { "no-drop" },
                    threads,
                    time,
                    ns,
                    words * 64.0 / time / *threads as f64,
                    ns / good_ns,
                    if *threads == 2 {
                        format!("{:.2}x", times[0] / times[1])
                    } else {
                        String::new()
                    },
                    format!("{detected}/{}", result.first_detection.len()),
                );
            }
        }
    }
    eprintln!("ns/word and gate-pat/s are per core; `vs good` is ns/word over the good machine's.");
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
