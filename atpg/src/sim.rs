//! Simulation: good-machine and parallel-pattern single-fault propagation (PPSFP).
//!
//! - [`value`]: signal values for 64 patterns per word (two-valued `u64`, three-valued
//!   [`Word3`], and wide groups of several words) and gate evaluation;
//! - [`good`]: good-machine simulation of pattern sets, one forward pass over the levelized
//!   circuit per group of [`ppsfp::WIDTH`] 64-pattern words;
//! - [`ppsfp`]: the fault simulator: per fault, only its fanout cone is re-simulated, event
//!   driven, stopping where the difference dies; fault dropping; rayon across fault chunks with
//!   results independent of the thread count;
//! - [`serial`]: a deliberately naive serial fault simulator, the reference the tests hold PPSFP to.
//!
//! Semantics shared by all of them: three-valued (0/1/X) logic where any input or undriven net can
//! be unknown, and a fault is detected by a pattern only at an output where the good value is
//! known and the faulty value is the opposite known value.

mod events;
pub mod good;
mod graph;
pub mod ppsfp;
pub mod serial;
pub mod value;

pub use good::GoodSimulator;
pub use ppsfp::{DetectionMatrix, FaultSimResult, FaultSimulator, GroupDone, SimStats};
pub use value::{SimValue, Word3};
