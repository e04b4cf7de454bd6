//! Transition-delay faults: slow-to-rise and slow-to-fall, under launch-on-capture or
//! launch-on-shift.
//!
//! The sites are those of the stuck-at universe ([`FaultUniverse::new`]: stems and branches).
//! A slow-to-rise fault at a site is detected by a pattern whose frame 1 sets the site to 0 and
//! whose frame 2 detects the site stuck-at-0 at the observed outputs (the primary outputs and
//! the flip-flops capturing after frame 2); slow-to-fall likewise with 1. Fault `2s` of site `s`
//! is slow-to-rise, `2s + 1` slow-to-fall, so fault ids, site names and the collapsed list's
//! order line up with stuck-at.
//!
//! The machinery is the stuck-at one, run on the two-frame unrolling of the circuit
//! ([`netlist::unroll`]): [`Transition::target`] lays the universe over the frame-2 copy of
//! every site, with the frame-1 copy as the site's activation node
//! ([`FaultUniverse::two_frame`]). Fault simulation then masks each detection with the frame-1
//! condition, the SAT miter adds it as a clause (the frame-1 logic is encoded only as far as the
//! fault's frame-2 instance and the condition reach), and the flow ([`crate::flow::run_with`])
//! runs unchanged: random patterns, SAT with dynamic compaction, second pass, static compaction,
//! self-check. UNSAT proves a fault untestable under the launch mode used (and, for
//! launch-on-shift, the chain order).
//!
//! Collapsing is [`CollapseMode::Transition`]: through buffers and inverters only.

use std::time::Instant;

use netlist::{Circuit, Launch, TwoFrame, TwoFrameOptions, UnrollError};

use crate::fault::{CollapseMode, CollapsedFaults, FaultId, FaultKind, FaultUniverse};
use crate::flow::Target;
use crate::patterns::text::TransitionFields;
use crate::patterns::{PatternId, PatternSet};

/// A circuit's transition faults for one launch mode.
#[derive(Debug, Clone)]
pub struct Transition {
    frames: TwoFrame,
    universe: FaultUniverse,
    collapsed: CollapsedFaults,
    chains: Vec<Vec<usize>>,
}

impl Transition {
    /// The transition faults of `circuit` under `launch`. `chains` (indices into
    /// [`Circuit::scan_cells`], scan-in first; see [`netlist::ScanChains::validate`]) define the
    /// shift of launch-on-shift; `pi_change` lets frame 2 apply new primary-input values.
    pub fn new(
        circuit: &Circuit,
        launch: Launch,
        pi_change: bool,
        chains: &[Vec<usize>],
    ) -> Result<Transition, UnrollError> {
        let frames = circuit.two_frame(&TwoFrameOptions { launch, pi_change, chains })?;
        let universe = FaultUniverse::new(circuit);
        let collapsed = CollapsedFaults::new(circuit, &universe, CollapseMode::Transition);
        let chains = if launch == Launch::Los { chains.to_vec() } else { Vec::new() };
        Ok(Transition { frames, universe, collapsed, chains })
    }

    /// The two-frame circuit the faults are targeted on.
    pub fn frames(&self) -> &TwoFrame {
        &self.frames
    }

    /// The unrolled circuit ([`TwoFrame::circuit`]).
    pub fn circuit(&self) -> &Circuit {
        self.frames.circuit()
    }

    /// The universe on the original circuit (for site names and kinds).
    pub fn universe(&self) -> &FaultUniverse {
        &self.universe
    }

    /// The collapsed transition-fault list.
    pub fn collapsed(&self) -> &CollapsedFaults {
        &self.collapsed
    }

    /// The universe laid over the unrolled circuit, for simulation and test generation on it.
    pub fn unrolled_universe(&self, circuit: &Circuit) -> FaultUniverse {
        self.universe.two_frame(circuit, &self.frames)
    }

    /// What [`crate::flow::run_with`] needs to run on [`Transition::circuit`]; `circuit` is the
    /// original circuit and `started` when the run started.
    pub fn target(&self, circuit: &Circuit, started: Instant) -> Target {
        Target {
            universe: self.unrolled_universe(circuit),
            collapsed: self.collapsed.clone(),
            model: "transition",
            started,
        }
    }

    /// Splits vectors of the unrolled circuit into a text pattern file's fields: frame 1's
    /// inputs, and the transition fields (frame 2's primary inputs, held or new, then the
    /// scan-in bits of launch-on-shift).
    pub fn split(&self, vectors: &PatternSet) -> (PatternSet, TransitionFields) {
        let f = &self.frames;
        let frame1: Vec<usize> = f.frame1_primary_inputs().chain(f.frame1_state()).collect();
        let held =
            if f.pi_change() { f.frame2_primary_inputs() } else { f.frame1_primary_inputs() };
        let frame2: Vec<usize> = held.chain(f.scan_in_values()).collect();
        let pick = |columns: &[usize]| {
            let mut set = PatternSet::new(columns.len());
            for p in 0..vectors.len() {
                set.push_with(|i| vectors.get(PatternId(p as u32), columns[i]));
            }
            set
        };
        let fields = TransitionFields {
            launch: f.launch(),
            chains: self.chains.clone(),
            frame2: pick(&frame2),
        };
        (pick(&frame1), fields)
    }
}

/// `str` (slow-to-rise) or `stf` (slow-to-fall): the transition fault of a stuck-at fault id.
pub fn short_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::StuckAt0 => "str",
        FaultKind::StuckAt1 => "stf",
    }
}

/// A transition fault's name: its site's name and `str` or `stf`.
pub fn fault_name(universe: &FaultUniverse, circuit: &Circuit, fault: FaultId) -> String {
    format!("{} {}", universe.site_name(circuit, fault.site()), short_name(fault.kind()))
}

/// The vectors of an unrolled circuit built with new frame-2 primary inputs
/// (`pi_change: true`) from a transition pattern file's fields: frame 1's inputs followed by the
/// frame-2 field, which is exactly that circuit's input order.
pub fn join(frame1: &PatternSet, fields: &TransitionFields) -> PatternSet {
    let width = frame1.width() + fields.frame2.width();
    let mut set = PatternSet::new(width);
    for p in 0..frame1.len() {
        let id = PatternId(p as u32);
        set.push_with(|i| {
            if i < frame1.width() {
                frame1.get(id, i)
            } else {
                fields.frame2.get(id, i - frame1.width())
            }
        });
    }
    set
}
