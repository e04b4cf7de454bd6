//! (being written)
/// Options.
#[derive(Debug, Default)]
pub struct LevelizeOptions {}
/// Policy.
#[derive(Debug, Default)]
pub enum UndrivenPolicy {
    /// X.
    #[default]
    TieX,
}
