//! Scan insertion, chain balancing and chain ordering.
//!
//! This crate depends on `netlist` only; pattern data comes in as bit matrices.
//! Scan insertion itself is tracked in its own issue and not implemented yet.
