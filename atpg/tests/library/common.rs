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
pub const C17: &str = "\
INPUT(1)
INPUT(2)
INPUT(3)
INPUT(6)
INPUT(7)
OUTPUT(22)
OUTPUT(23)
10 = NAND(1, 3)
11 = NAND(3, 6)
16 = NAND(2, 11)
19 = NAND(11, 7)
22 = NAND(10, 16)
23 = NAND(16, 19)
";
