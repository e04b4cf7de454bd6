//! Gate-level netlists for test generation.
//!
//! Structure, following the data flow of `DESIGN.md`:
//! - readers: [`bench`](mod@bench) (ISCAS `.bench`), [`verilog`] (structural Verilog, hierarchy flattened),
//!   [`liberty`] (standard-cell functions, used by the Verilog reader to decompose cells),
//!   [`aiger`] (AIGER and-inverter graphs, binary and ASCII);
//! - [`Netlist`]: the editable graph of nets and cells (petgraph inside, typed ids outside),
//!   with [`Netlist::check`] for undriven, multiply driven and looping nets;
//! - [`Circuit`]: the compiled, levelized, read-only structure-of-arrays view that simulation and
//!   SAT work on, made by [`Netlist::levelize`], with flip-flops cut into pseudo inputs and outputs
//!   (the full-scan view);
//! - [`ScanChains`]: which flip-flops form which scan chain, read from a JSON chain file or
//!   defaulted to one chain ([`ScanChains::one_chain`]);
//! - writers: [`bench::write_bench`] and [`verilog_writer::write_verilog`].
//!
//! Invariants: this crate does no I/O outside the `read_*` and `write_*_file` functions, never
//! panics on user input (every problem is a [`ParseError`] with file, line and column, or a
//! [`NetlistError`]), and keeps the source order of ports and flip-flops everywhere.

pub mod aiger;
pub mod bench;
pub mod chains;
pub mod check;
pub mod circuit;
pub mod compare;
pub mod error;
pub mod expr;
pub mod gate;
#[cfg(feature = "generators")]
pub mod generate;
pub mod levelize;
pub mod liberty;
pub mod netlist;
pub mod read;
#[cfg(feature = "generators")]
pub mod testdata;
pub mod unroll;
pub mod verilog;
pub mod verilog_writer;

pub use chains::{ChainError, ScanChain, ScanChains};
pub use check::CheckReport;
pub use circuit::{Circuit, NodeId, ScanCell};
/// The string type of cell names ([`Cell::name`]): names of up to 24 bytes are kept in place.
pub use compact_str::CompactString;
pub use error::{Diagnostic, NetlistError, ParseError, SourcePos};
pub use expr::Expr;
pub use gate::GateKind;
pub use levelize::{LevelizeOptions, UndrivenPolicy};
pub use liberty::Library;
pub use netlist::{
    Cell, CellId, CellInstance, CellKind, FlopInfo, InstanceId, InstancePin, Net, NetId, Netlist,
    PinDirection,
};
pub use read::{read_netlist, Format, ReadOptions};
pub use unroll::{Launch, TwoFrame, TwoFrameOptions, UnrollError};
