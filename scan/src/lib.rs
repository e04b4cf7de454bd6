//! Scan insertion, chain balancing and chain ordering.
//!
//! Structure, in the order the work flows:
//! - [`insert`]: groups the flip-flops of a [`netlist::Netlist`] into clock domains, decides
//!   how many chains each domain gets (balanced to within one cell), asks [`order`] for the cell
//!   order, then stitches the chains: a multiplexer in front of every flip-flop's data input
//!   (`D' = scan_enable ? previous Q (or scan_in_K) : D`), or, given a Liberty library, the
//!   library's scan flip-flop in place of a plain one (and a library scan flip-flop's own
//!   multiplexer), and new ports `scan_enable`, `scan_in_K`, `scan_out_K`. The result is a new netlist and a [`netlist::ScanChains`].
//! - [`order`]: the order of cells along chains: netlist order, netlist proximity (flip-flops
//!   that feed each other kept together), or placement (Manhattan wirelength minimised by
//!   nearest neighbour, then 2-opt and Or-opt until no move gains), or shift power (fewest
//!   weighted transitions while shifting a given pattern set, [`ShiftPatterns`]).
//! - [`def`]: reads cell positions from a DEF file (`UNITS`, `COMPONENTS`).
//!
//! Invariants: everything is deterministic (same input, same chains); the scan-inserted netlist
//! with scan enable at 0 computes exactly what the original does (the tests simulate both);
//! this crate does no I/O except [`def::read_def`]. Lock-up latches between clock domains are out
//! of scope: flip-flops on different clocks, clock edges or latches never share a chain.

pub mod def;
pub mod error;
pub mod insert;
pub mod order;

pub use def::{read_def, Placement};
pub use error::ScanError;
pub use insert::{insert_scan, ChainLimit, ChainReport, Inserted, ScanOptions, ScanReport};
pub use order::power::{ShiftPatterns, Transitions};
pub use order::OrderMethod;
