//! Stuck-at faults: the fault universe of a circuit, its sites, and collapsing.
//!
//! - [`site`]: where a fault sits: a net (stem) or one sink of a net (branch), and what a fault
//!   there forces in the compiled circuit;
//! - [`universe`]: the uncollapsed universe, built from a [`netlist::Circuit`] by one fixed rule
//!   so counts compare across tools;
//! - [`collapse`]: equivalence (and optionally dominance) collapsing, and the map from every
//!   uncollapsed fault to the collapsed fault that stands for it.
//!
//! Ids: a site has a [`SiteId`]; its two faults are `FaultId(2 * site)` (stuck-at-0) and
//! `FaultId(2 * site + 1)` (stuck-at-1), so fault ids follow site order.

pub mod collapse;
pub mod site;
pub mod universe;

pub use collapse::{CollapseMode, CollapsedFaults};
pub use site::{Injection, Read, SiteId, SiteKind};
pub use universe::FaultUniverse;

/// A fault of a [`FaultUniverse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct FaultId(pub u32);

impl FaultId {
    /// The fault's index in its universe.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The fault at `site` with `kind`.
    #[inline]
    pub fn new(site: SiteId, kind: FaultKind) -> FaultId {
        FaultId(site.0 * 2 + kind.stuck_value() as u32)
    }

    /// The site the fault sits on.
    #[inline]
    pub fn site(self) -> SiteId {
        SiteId(self.0 / 2)
    }

    /// The fault model and value.
    #[inline]
    pub fn kind(self) -> FaultKind {
        if self.0 & 1 == 0 {
            FaultKind::StuckAt0
        } else {
            FaultKind::StuckAt1
        }
    }
}

/// The fault model and polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum FaultKind {
    /// The site is stuck at logic 0.
    StuckAt0,
    /// The site is stuck at logic 1.
    StuckAt1,
}

impl FaultKind {
    /// The value the site is stuck at.
    #[inline]
    pub fn stuck_value(self) -> bool {
        matches!(self, FaultKind::StuckAt1)
    }

    /// `sa0` or `sa1`, as fault lists write it.
    pub fn short_name(self) -> &'static str {
        match self {
            FaultKind::StuckAt0 => "sa0",
            FaultKind::StuckAt1 => "sa1",
        }
    }
}

/// A fault: a site and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    /// Where the fault is.
    pub site: SiteId,
    /// What it does.
    pub kind: FaultKind,
}

impl From<FaultId> for Fault {
    fn from(id: FaultId) -> Fault {
        Fault { site: id.site(), kind: id.kind() }
    }
}

impl From<Fault> for FaultId {
    fn from(fault: Fault) -> FaultId {
        FaultId::new(fault.site, fault.kind)
    }
}
