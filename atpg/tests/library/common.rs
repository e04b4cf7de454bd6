//! Helpers shared by the library tests.

use std::path::PathBuf;

use netlist::{Circuit, Netlist};

/// Parses `.bench` text and compiles it.
pub fn bench(text: &str) -> Circuit {
    netlist::bench::parse_bench(text, "test.bench")
        .expect("test netlist parses")
        .levelize()
        .expect("levelizes")
}

/// A shared benchmark file, or `None` (with a notice) when the benchmarks are absent.
pub fn benchmark(relative: &str) -> Option<PathBuf> {
    Some(netlist::testdata::benchmarks()?.join(relative))
}

/// Reads and compiles a netlist file.
pub fn read(path: &std::path::Path) -> Netlist {
    netlist::read_netlist(path, &Default::default()).expect("benchmark reads")
}

/// Reads a standard-cell Verilog netlist with its Liberty file.
pub fn read_cells(verilog: &std::path::Path, liberty: &std::path::Path) -> Netlist {
    let library = netlist::liberty::read_liberty(liberty).expect("liberty reads");
    let options = netlist::ReadOptions { library: Some(&library), ..Default::default() };
    netlist::read_netlist(verilog, &options).expect("cell netlist reads")
}

/// ISCAS-85 c17.
pub use netlist::testdata::C17_BENCH as C17;

/// `count` random patterns over `width` inputs, each value X with probability `x_percent`%.
pub fn random_patterns(
    width: usize,
    count: usize,
    x_percent: u32,
    seed: u64,
) -> atpg::patterns::PatternSet {
    use atpg::patterns::{Logic, PatternSet};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut set = PatternSet::new(width);
    for _ in 0..count {
        set.push_with(|_| {
            if rng.gen_range(0..100) < x_percent {
                Logic::X
            } else if rng.gen() {
                Logic::One
            } else {
                Logic::Zero
            }
        });
    }
    set
}
