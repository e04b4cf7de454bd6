//! Test generation, compaction and ranking, on generated circuits (always) and on c7552 and
//! s38584.1 from the shared benchmarks (skipped, with a notice, when they are absent):
//!
//! - `sat_per_fault/<design>`: one incremental [`TestGenerator`] (the good circuit encoded once)
//!   generating a test for, or proving untestable, each of a fixed sample of collapsed faults,
//!   as the flow's deterministic phase does; throughput in faults per second.
//! - `compaction/<design>`: reverse-order fault simulation and set cover over the full
//!   detection matrix, on the uncompacted pattern set of a `--compact none` run; throughput in
//!   patterns per second.
//! - `ranking/<design>`: per-fault features and the shipped model's predictions for every
//!   collapsed fault; throughput in faults per second.
//! - `flow/<design>` (generated designs only, where a run takes well under a second): the whole
//!   default flow.
//!
//! `ATPG_BENCH_FAULTS` changes the size of the SAT sample (default 200).
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::time::Duration;

use atpg::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse};
use atpg::flow::{self, compact, Compaction, FaultStatus, FlowOptions, Silent};
use atpg::patterns::PatternSet;
use atpg::rank::{fault_features, Model};
use atpg::sat::TestGenerator;
use atpg::sim::FaultSimulator;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netlist::generate::{array_multiplier, random_netlist, ripple_adder, RandomSpec};
use netlist::Circuit;

fn sat_sample() -> usize {
    std::env::var("ATPG_BENCH_FAULTS").ok().and_then(|s| s.parse().ok()).unwrap_or(200)
}

struct Design {
    name: String,
    circuit: Circuit,
    /// Small enough to run the whole flow inside a criterion loop.
    small: bool,
}

fn designs() -> Vec<Design> {
    let random = RandomSpec {
        inputs: 64,
        outputs: 32,
        flops: 64,
        gates: 4000,
        max_fanin: 4,
        extended_kinds: false,
        odd_names: false,
    };
    let mut designs: Vec<Design> = [
        ("mult8", array_multiplier(8), true),
        ("adder64", ripple_adder(64), true),
        ("random4k", random_netlist(3, &random), false),
    ]
    .into_iter()
    .map(|(name, netlist, small)| Design {
        name: name.to_string(),
        circuit: netlist.levelize().expect("generated netlists are acyclic"),
        small,
    })
    .collect();
    match netlist::testdata::benchmarks() {
        Some(dir) => {
            for (name, file) in
                [("c7552", "iscas85/c7552.bench"), ("s38584.1", "iscas89/s38584.1.bench")]
            {
                let netlist = netlist::read_netlist(&dir.join(file), &Default::default())
                    .expect("the shared benchmark reads");
                let circuit = netlist.levelize().expect("the shared benchmark levelizes");
                designs.push(Design { name: name.to_string(), circuit, small: false });
            }
        }
        None => eprintln!("../shared/benchmarks not found: benchmarking generated circuits only"),
    }
    designs
}

/// Every `step`-th collapsed fault, up to `count` of them: a sample spread over the circuit.
fn fault_sample(faults: &[FaultId], count: usize) -> Vec<FaultId> {
    let step = (faults.len() / count.max(1)).max(1);
    faults.iter().step_by(step).take(count).copied().collect()
}

fn sat_per_fault(c: &mut Criterion, designs: &[Design]) {
    let mut group = c.benchmark_group("sat_per_fault");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for design in designs {
        let universe = FaultUniverse::new(&design.circuit);
        let collapsed = CollapsedFaults::new(&design.circuit, &universe, CollapseMode::Equivalence);
        let sample = fault_sample(collapsed.class_representatives(), sat_sample());
        group.throughput(Throughput::Elements(sample.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(&design.name), |b| {
            b.iter(|| {
                let mut generator = TestGenerator::new(&design.circuit, &universe)
                    .with_conflict_limit(Some(FlowOptions::default().abort_limit));
                for &fault in &sample {
                    generator.generate(fault).expect("the solver answers");
                }
            })
        });
    }
    group.finish();
}

fn compaction(c: &mut Criterion, designs: &[Design]) {
    let mut group = c.benchmark_group("compaction");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for design in designs {
        let options = FlowOptions { compaction: Compaction::None, ..FlowOptions::default() };
        let result = flow::run(&design.circuit, &options, &Silent).expect("the flow runs");
        let detected: Vec<FaultId> = result
            .collapsed
            .faults()
            .iter()
            .zip(&result.status)
            .filter(|(_, s)| matches!(s, FaultStatus::Detected(_)))
            .map(|(&f, _)| f)
            .collect();
        let simulator = FaultSimulator::new(&design.circuit, &result.universe);
        let patterns: &PatternSet = &result.patterns;
        group.throughput(Throughput::Elements(patterns.len() as u64));
        group.bench_function(BenchmarkId::new("reverse_order", &design.name), |b| {
            b.iter(|| compact::reverse_order(&simulator, patterns, &detected))
        });
        group.bench_function(BenchmarkId::new("set_cover", &design.name), |b| {
            b.iter(|| compact::set_cover(&simulator, patterns, &detected))
        });
    }
    group.finish();
}

fn ranking(c: &mut Criterion, designs: &[Design]) {
    let model = Model::shipped().expect("the shipped model loads");
    let mut group = c.benchmark_group("ranking");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    for design in designs {
        let universe = FaultUniverse::new(&design.circuit);
        let collapsed = CollapsedFaults::new(&design.circuit, &universe, CollapseMode::Equivalence);
        group.throughput(Throughput::Elements(collapsed.faults().len() as u64));
        group.bench_function(BenchmarkId::from_parameter(&design.name), |b| {
            b.iter(|| model.score(&fault_features(&design.circuit, &universe, &collapsed)))
        });
    }
    group.finish();
}

fn whole_flow(c: &mut Criterion, designs: &[Design]) {
    let mut group = c.benchmark_group("flow");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for design in designs.iter().filter(|d| d.small) {
        group.bench_function(BenchmarkId::from_parameter(&design.name), |b| {
            b.iter(|| flow::run(&design.circuit, &FlowOptions::default(), &Silent).expect("runs"))
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let designs = designs();
    sat_per_fault(c, &designs);
    compaction(c, &designs);
    ranking(c, &designs);
    whole_flow(c, &designs);
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
