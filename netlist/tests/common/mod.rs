//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub use netlist::testdata::{benchmarks, provenance_bench_rows};
