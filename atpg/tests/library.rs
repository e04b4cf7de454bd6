//! Library-level tests of the `atpg` crate: fault universe, collapsing, simulation, patterns.

mod library {
    mod collapse;
    pub mod common;
    mod fault_sim;
    mod pattern_text;
    mod universe;
}
