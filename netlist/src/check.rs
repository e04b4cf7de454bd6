//! (being written)
/// Result of structural checks.
#[derive(Debug, Default)]
pub struct CheckReport {}
