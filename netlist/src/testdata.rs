//! Locating the shared benchmark netlists for tests and benchmarks (feature `generators`).
//!
//! The benchmarks live outside the repository, at `../shared/benchmarks` from its root. A fresh
//! clone has none: callers skip, with a printed notice, when [`benchmarks`] returns `None`.

use std::path::{Path, PathBuf};

/// ISCAS-85 c17 (six NAND gates), the textbook example circuit, for small exact tests that must
/// run without the shared benchmarks.
pub const C17_BENCH: &str = "\
# c17
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

/// The shared benchmark folder, or `None` (after printing a notice) when it is absent.
pub fn benchmarks() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/benchmarks");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} is absent; skipping the tests on shared benchmarks", dir.display());
        None
    }
}

/// One row of a PROVENANCE.md table for a `.bench` file.
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// The netlist file.
    pub path: PathBuf,
    /// Published primary inputs.
    pub inputs: usize,
    /// Published primary outputs.
    pub outputs: usize,
    /// Published flip-flops.
    pub flops: usize,
    /// Published gates (every non-DFF assignment, NOT and BUFF included).
    pub gates: usize,
}

/// The `.bench` rows of `PROVENANCE.md`: `| shared/benchmarks/X.bench | PIs | POs | DFFs | gates | ...`.
pub fn provenance_bench_rows(benchmarks: &Path) -> std::io::Result<Vec<BenchRow>> {
    let text = std::fs::read_to_string(benchmarks.join("PROVENANCE.md"))?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let file = cells.get(1)?.strip_prefix("shared/benchmarks/")?;
            if !file.ends_with(".bench") {
                return None;
            }
            let number = |i: usize| cells.get(i)?.parse::<usize>().ok();
            Some(BenchRow {
                path: benchmarks.join(file),
                inputs: number(2)?,
                outputs: number(3)?,
                flops: number(4)?,
                gates: number(5)?,
            })
        })
        .collect())
}
