//! Parsing and levelizing a generated 1,000,000-gate netlist, in `.bench` and Verilog.
//!
//! Throughput is reported in gates per second; the compiled `Circuit`'s memory per gate and the
//! `Netlist`'s (read from each format) are printed once. Set `PARSE_BENCH_GATES` to change the
//! size.
//!
//! Last measured (BENCHMARKS.md, 10-million-gate section; a loaded 2-core machine, so compare
//! ratios): with short names kept in the name table, `.bench` 2.76 s -> 1.93 s and Verilog
//! 6.26 s -> 4.45 s while levelize (unchanged) went 1.44 s -> 1.90 s with the load; netlist 223
//! bytes per gate from `.bench`, 239 from Verilog; circuit 52.6 bytes per gate. Then, with the
//! one-line name table probes and names looked up a batch ahead (load average about 3):
//! `.bench` 852 ms (1.17M gates/s), Verilog 2.32 s (432k gates/s), levelize 1.05 s; netlist
//! 225.7 bytes per gate from `.bench`, 227.1 from Verilog; circuit 52.6. Then, with the Verilog
//! reader lexing on demand into a compact syntax tree, and the parsed netlist dropped outside
//! the timing (load 1 to 1.5): `.bench` 962 ms (1.04M gates/s), Verilog 1.61 s (623k gates/s),
//! levelize 1.08 s. Then, with a smaller syntax tree, plain gate statements read from the bytes
//! and new nets made without a second look-up (load about 1): `.bench` 899 ms (1.11M gates/s),
//! Verilog 1.19 s (837k gates/s), levelize 1.01 s. The same code on an unshared machine
//! (2026-12-07): `.bench` 521-599 ms (1.67-1.92M gates/s), Verilog 754-782 ms
//! (1.28-1.33M gates/s), levelize 424-442 ms; circuit 52.7 bytes per gate.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::time::Duration;

use benches::{parse_bench_spec, PARSE_BENCH_SEED};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use netlist::generate::random_netlist;

fn gates() -> usize {
    std::env::var("PARSE_BENCH_GATES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000)
}

fn parse(c: &mut Criterion) {
    let gates = gates();
    let netlist = random_netlist(PARSE_BENCH_SEED, &parse_bench_spec(gates));
    let bench_text = netlist::bench::write_bench(&netlist).expect("generated names are plain");
    let verilog_text = netlist::verilog_writer::write_verilog(&netlist);
    let circuit = netlist.levelize().expect("generated netlists are acyclic");
    eprintln!(
        "circuit: {} nodes, {} bytes, {:.1} bytes per gate",
        circuit.num_nodes(),
        circuit.memory_bytes(),
        circuit.memory_bytes() as f64 / gates as f64
    );
    for (format, parsed) in [
        ("bench", netlist::bench::parse_bench(&bench_text, "gen.bench").expect("parses")),
        (
            "verilog",
            netlist::verilog::parse_verilog(&verilog_text, "gen.v", &Default::default())
                .expect("parses"),
        ),
    ] {
        eprintln!(
            "netlist read from {format}: {} bytes, {:.1} bytes per gate",
            parsed.memory_bytes(),
            parsed.memory_bytes() as f64 / gates as f64
        );
    }

    let mut group = c.benchmark_group("parse_1m");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(gates as u64));
    // The parsed netlist (about 220 MB) is dropped outside the timing: freeing it is not
    // part of reading a design, and it costs about a tenth of a parse.
    let per_run = BatchSize::PerIteration;
    group.bench_function("bench", |b| {
        b.iter_batched(
            || (),
            |()| netlist::bench::parse_bench(&bench_text, "gen.bench").expect("parses"),
            per_run,
        )
    });
    group.bench_function("verilog", |b| {
        b.iter_batched(
            || (),
            |()| {
                netlist::verilog::parse_verilog(&verilog_text, "gen.v", &Default::default())
                    .expect("parses")
            },
            per_run,
        )
    });
    group.bench_function("levelize", |b| {
        b.iter_batched(|| (), |()| netlist.levelize().expect("acyclic"), per_run)
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = parse
}
criterion_main!(benches);
