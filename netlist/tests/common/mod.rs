//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared benchmark folder (`../shared/benchmarks` from the repository root), or `None`
/// with a printed notice when this checkout has none (a fresh clone outside the workplace).
pub fn benchmarks() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/benchmarks");
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
    pub path: PathBuf,
    pub inputs: usize,
    pub outputs: usize,
    pub flops: usize,
    pub gates: usize,
}

/// The `.bench` rows of PROVENANCE.md (`| shared/benchmarks/....bench | PIs | POs | DFFs | gates | ...`).
pub fn provenance_bench_rows(benchmarks: &std::path::Path) -> Vec<BenchRow> {
    let text = std::fs::read_to_string(benchmarks.join("PROVENANCE.md")).expect("PROVENANCE.md is readable");
    text.lines()
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
        .collect()
}
