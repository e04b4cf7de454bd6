//! (being written)
/// Format.
#[derive(Debug)]
pub enum Format {}
/// Options.
#[derive(Debug)]
pub struct ReadOptions {}
/// Reads.
pub fn read_netlist() {}
