//! (being written)
/// Node of a compiled circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);
/// Compiled circuit.
#[derive(Debug)]
pub struct Circuit {}
