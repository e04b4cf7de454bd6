//! One library cell as the Liberty file describes it: pins, functions, state element, scan and
//! clock-gating roles, and the kind that decides how it is decomposed.

use rustc_hash::FxHashMap;

use crate::error::SourcePos;
use crate::expr::Expr;
use crate::netlist::{InstanceId, NetId, Netlist, PinDirection};

use super::model::Model;

/// What a cell is, which decides how [`LibCell::instantiate`] decomposes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LibCellKind {
    /// Outputs are Boolean functions of the inputs (including tie cells and cells with no
    /// outputs, such as fillers and diodes). Each output becomes a small tree of primitive
    /// gates (one gate for NAND, NOR, XOR, MUX, BUF, NOT, ...).
    Combinational,
    /// An edge-triggered flip-flop (`ff` group). Becomes one flop cell whose data input is the
    /// `next_state` logic (a scan flop's multiplexer included) and whose output is the net of
    /// the first output pin whose function is the state (`IQ`); other `IQ` outputs are buffers
    /// of it, `IQN` outputs inverters. Clock, clear and preset pins go into
    /// [`crate::FlopInfo`].
    FlipFlop,
    /// A level-sensitive latch (`latch` group): decomposed like a flip-flop with
    /// `is_latch` set and the enable as clock, with a warning (full-scan view).
    Latch,
    /// Combinational with at least one `three_state` output: each output is its data function,
    /// its enable is ignored, with a warning (bus resolution is not modelled).
    ThreeState,
    /// An integrated clock gate (`clock_gating_integrated_cell`): the gated clock becomes
    /// `clock & (enable | test)` (`clock | !(enable | test)` for negative-edge styles), the
    /// latch is ignored, with a warning.
    ClockGating,
    /// Something the decomposition cannot model (a `statetable` other than a clock gate,
    /// multi-bit state, a function naming an unknown signal, ...);
    /// [`LibCell::unsupported_reason`] says what, and [`LibCell::instantiate`] fails with it.
    Unsupported,
}

/// A (non-power) pin of a library cell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LibPin {
    /// The pin name (bus bits are named `BUS[i]`).
    pub name: String,
    /// Its direction.
    pub direction: PinDirection,
    /// The `function` of an output pin, over pin names and state variables.
    pub function: Option<Expr<String>>,
    /// The `three_state` (output disable) condition, if the output is three-state.
    pub three_state: Option<Expr<String>>,
    /// Marked `clock : true`.
    pub is_clock: bool,
}

/// Which flavour of state element a cell has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum StateKind {
    /// `ff`: captures `next_state` on the `clocked_on` edge.
    FlipFlop,
    /// `latch`: transparent while `enable` is true.
    Latch,
}

/// The `ff (IQ, IQN) { ... }` or `latch (IQ, IQN) { ... }` group of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateElement {
    /// Flip-flop or latch.
    pub kind: StateKind,
    /// The state variable (`IQ`), which output functions refer to.
    pub state: String,
    /// The inverted state variable (`IQN`, sky130 writes `IQ_N`).
    pub inverted_state: String,
    /// `next_state` of a flip-flop, `data_in` of a latch.
    pub next_state: Expr<String>,
    /// `clocked_on` of a flip-flop, `enable` of a latch.
    pub clock: Expr<String>,
    /// Asynchronous `clear` condition (active when true: `!RESET_B` for an active-low reset).
    pub clear: Option<Expr<String>>,
    /// Asynchronous `preset` condition (active when true).
    pub preset: Option<Expr<String>>,
    /// `clear_preset_var1`: the value of the state when clear and preset are both active.
    pub clear_preset_var1: Option<String>,
    /// `clear_preset_var2`: the value of the inverted state in that case.
    pub clear_preset_var2: Option<String>,
}

/// The scan pins of a scan flip-flop, from `signal_type` (on pins or in the `test_cell` group)
/// or `nextstate_type` attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanPins {
    /// The scan data input (`test_scan_in`, or `nextstate_type : scan_in`).
    pub scan_in: String,
    /// Whether the scan input is inverted (`test_scan_in_inverted`).
    pub scan_in_inverted: bool,
    /// The scan enable (`test_scan_enable`, or `nextstate_type : scan_enable`).
    pub scan_enable: String,
    /// Whether scan mode is selected by a 0 (`test_scan_enable_inverted`).
    pub scan_enable_inverted: bool,
    /// The scan output (`test_scan_out`), when the library names one.
    pub scan_out: Option<String>,
}

/// The roles of an integrated clock gate's pins.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClockGating {
    /// The `clock_gating_integrated_cell` value (`latch_posedge`, `latch_posedge_precontrol`, ...).
    pub style: String,
    /// `clock_gate_clock_pin`.
    pub clock: String,
    /// `clock_gate_enable_pin`.
    pub enable: String,
    /// `clock_gate_test_pin` (scan enable that forces the clock on), if any.
    pub test: Option<String>,
    /// `clock_gate_out_pin`.
    pub output: String,
}

/// One cell of a [`super::Library`].
#[derive(Debug, Clone)]
pub struct LibCell {
    pub(crate) name: String,
    pub(crate) area: Option<f64>,
    pub(crate) dont_use: bool,
    pub(crate) pins: Vec<LibPin>,
    /// Pin name to index in `pins` (filled by `model::finish`).
    pub(crate) pin_index: FxHashMap<String, usize>,
    pub(crate) power_pins: Vec<String>,
    pub(crate) state: Option<StateElement>,
    pub(crate) scan: Option<ScanPins>,
    pub(crate) clock_gating: Option<ClockGating>,
    pub(crate) has_statetable: bool,
    pub(crate) kind: LibCellKind,
    /// Why the cell cannot be modelled (set together with `kind == Unsupported`).
    pub(crate) unsupported: Option<String>,
    /// The decomposition, computed once when the library is read.
    pub(crate) model: Option<Model>,
}

impl LibCell {
    /// The cell name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the cell is.
    pub fn kind(&self) -> LibCellKind {
        self.kind
    }

    /// Why the cell cannot be decomposed, for [`LibCellKind::Unsupported`] cells.
    pub fn unsupported_reason(&self) -> Option<&str> {
        self.unsupported.as_deref()
    }

    /// The `area` attribute, if given.
    pub fn area(&self) -> Option<f64> {
        self.area
    }

    /// Whether the cell is marked `dont_use`.
    pub fn dont_use(&self) -> bool {
        self.dont_use
    }

    /// The signal pins (no power pins), in library order.
    pub fn pins(&self) -> &[LibPin] {
        &self.pins
    }

    /// Looks a signal pin up by name.
    pub fn pin(&self, name: &str) -> Option<&LibPin> {
        self.pins.get(self.pin_position(name)?)
    }

    /// The index of pin `name` in [`LibCell::pins`].
    pub(crate) fn pin_position(&self, name: &str) -> Option<usize> {
        self.pin_index.get(name).copied()
    }

    /// Pin names in library order (for positional connections). Power and ground pins
    /// (`pg_pin`) and internal nodes are not included.
    pub fn pin_names(&self) -> Vec<&str> {
        self.pins.iter().map(|p| p.name.as_str()).collect()
    }

    /// The direction of pin `name`, if the cell has such a signal pin.
    pub fn pin_direction(&self, name: &str) -> Option<PinDirection> {
        self.pin(name).map(|p| p.direction)
    }

    /// Names of the input (and inout) pins, in library order.
    pub fn input_names(&self) -> Vec<&str> {
        self.pins
            .iter()
            .filter(|p| p.direction != PinDirection::Output)
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Names of the output pins, in library order.
    pub fn output_names(&self) -> Vec<&str> {
        self.pins
            .iter()
            .filter(|p| p.direction == PinDirection::Output)
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Power and ground pins (`pg_pin`). Connections to them are accepted and ignored.
    pub fn power_pins(&self) -> &[String] {
        &self.power_pins
    }

    /// The flip-flop or latch, if the cell has one.
    pub fn state(&self) -> Option<&StateElement> {
        self.state.as_ref()
    }

    /// The scan pins, when the library marks the cell's scan input and scan enable.
    pub fn scan_pins(&self) -> Option<&ScanPins> {
        self.scan.as_ref()
    }

    /// Whether this is a scan flip-flop: a flip-flop with identified scan-in and scan-enable
    /// pins (its `next_state` already contains the scan multiplexer).
    pub fn is_scan_flop(&self) -> bool {
        self.kind == LibCellKind::FlipFlop && self.scan.is_some()
    }

    /// The clock-gating roles, for integrated clock-gating cells.
    pub fn clock_gating(&self) -> Option<&ClockGating> {
        self.clock_gating.as_ref()
    }

    /// Whether the cell has a `statetable` group (recorded; not modelled except for clock gates).
    pub fn has_statetable(&self) -> bool {
        self.has_statetable
    }

    /// The function each output is decomposed into, after rewriting for few gates (see
    /// `liberty/simplify.rs`), over pin names and the state variable. `None` for unsupported
    /// cells. Useful to see what [`LibCell::instantiate`] builds.
    pub fn decomposed_functions(&self) -> Option<Vec<(&str, Expr<String>)>> {
        let model = self.model.as_ref()?;
        Some(model.describe(self))
    }

    /// Decomposes one instance of this cell into primitive gates and flops of `netlist`.
    /// `connections` maps pin names to nets; returns the recorded instance.
    ///
    /// - Every output pin's net is driven by exactly one primitive (a gate, or the flop itself
    ///   for the output that is the state `IQ`); input pin nets are read directly by the gates.
    /// - An unconnected output pin gets an internal net `<instance>/<pin>`, so its logic (and
    ///   its fault sites) still exist; an unconnected input pin is an error.
    /// - Connections to power pins are ignored; a pin the cell does not have is an error.
    /// - Latches, three-state outputs, clock gates and clocks or resets that are not a single
    ///   pin add a warning to the netlist (see [`Netlist::diagnostics`]).
    ///
    /// Nothing is added to `netlist` when an error is returned.
    pub fn instantiate(
        &self,
        netlist: &mut Netlist,
        instance_name: &str,
        connections: &[(&str, NetId)],
        pos: SourcePos,
    ) -> Result<InstanceId, String> {
        super::instantiate::instantiate(self, netlist, instance_name, connections, pos)
    }
}
