//! Benchmarks live in `benches/`; this library holds what they share with the helper binaries.

use netlist::generate::RandomSpec;

/// The random netlist of the parse bench (`benches/parse.rs`): `gates` gates with fan-in up to
/// four, a hundredth as many inputs and outputs and a fiftieth as many flip-flops.
pub fn parse_bench_spec(gates: usize) -> RandomSpec {
    RandomSpec {
        inputs: gates / 100,
        outputs: gates / 100,
        flops: gates / 50,
        gates,
        max_fanin: 4,
        extended_kinds: false,
        odd_names: false,
    }
}

/// The seed of the parse bench's netlist.
pub const PARSE_BENCH_SEED: u64 = 7;
