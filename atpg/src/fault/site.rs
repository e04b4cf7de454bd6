//! Fault sites: a net (stem) or one sink of a net (branch), and what a fault there forces.
//!
//! Sites are defined on the netlist as written: for standard-cell designs a site is a cell pin,
//! while the compiled [`netlist::Circuit`] simulates the primitive gates the cells decompose into.
//! An [`Injection`] says how a site maps onto the compiled circuit: either a whole node is forced
//! (a stem whose every reader sees the fault) or a set of reads is (a branch: one gate input pin,
//! every internal read of one cell input pin, or one output entry).

use netlist::{InstanceId, NodeId};

/// A fault site of a [`super::FaultUniverse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SiteId(pub u32);

impl SiteId {
    /// The site's index in its universe.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What kind of place a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteKind {
    /// The net itself, as driven (a primary input, a gate or cell output, a flip-flop output).
    Stem,
    /// Input pin `pin` of a primitive gate (a gate written in the netlist, not inside a cell).
    GateInput {
        /// The gate, by the node it drives.
        gate: NodeId,
        /// The pin position.
        pin: u32,
    },
    /// An input pin of a standard-cell instance.
    CellInput {
        /// The instance.
        instance: InstanceId,
        /// The pin's position in [`netlist::circuit::CircuitInstance::pins`].
        pin: u32,
    },
    /// A primary output declaration.
    PrimaryOutput {
        /// Its position among the primary outputs.
        output: u32,
    },
    /// The data pin of a flip-flop written as a primitive (not inside a cell).
    FlopData {
        /// The flip-flop's position in [`netlist::Circuit::scan_cells`].
        flop: u32,
    },
}

impl SiteKind {
    /// The category reports count sites by: `stem`, `gate_input`, `cell_input`,
    /// `primary_output` or `flop_data`.
    pub fn category(self) -> &'static str {
        match self {
            SiteKind::Stem => "stem",
            SiteKind::GateInput { .. } => "gate_input",
            SiteKind::CellInput { .. } => "cell_input",
            SiteKind::PrimaryOutput { .. } => "primary_output",
            SiteKind::FlopData { .. } => "flop_data",
        }
    }

    /// Whether the site is a stem (the net) rather than a branch (one sink of it).
    pub fn is_stem(self) -> bool {
        matches!(self, SiteKind::Stem)
    }

    /// Every category, in report order.
    pub const CATEGORIES: [&'static str; 5] =
        ["stem", "gate_input", "cell_input", "primary_output", "flop_data"];
}

/// One place where a faulty value is seen instead of the good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// Gate `gate` reads its input `pin` as the faulty value.
    Pin {
        /// The reading gate, by the node it drives.
        gate: NodeId,
        /// The pin position.
        pin: u32,
    },
    /// Output entry `index` of [`netlist::Circuit::outputs`] observes the faulty value.
    Output(u32),
}

/// What a fault at a site forces in the compiled circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection<'a> {
    /// The node's value itself: every reader and every output entry of the node sees the fault.
    Node(NodeId),
    /// Only these reads see the fault; the node keeps its good value for everyone else.
    Reads(&'a [Read]),
}

/// A fault site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// The net the site is on (a stem is the net; a branch is one of its sinks).
    pub net: NodeId,
    /// What kind of place it is.
    pub kind: SiteKind,
    /// Where the injection's reads are in the universe's read table, or `u32::MAX` for a node.
    pub(crate) reads_start: u32,
    pub(crate) reads_end: u32,
}
