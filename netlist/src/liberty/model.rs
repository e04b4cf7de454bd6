//! A cell's logic bound to its pins and rewritten for few gates, computed once per library cell
//! so that instantiating a cell a million times only maps pins to nets.
//!
//! This is also where a cell's [`LibCellKind`] is decided, and where anything the decomposition
//! cannot model (a `statetable`, a function naming an unknown signal, outputs defined in a loop)
//! becomes [`LibCellKind::Unsupported`] with a reason rather than an error: a vendor library
//! full of exotic cells must still load, and only instantiating such a cell fails.

use crate::expr::Expr;
use crate::netlist::PinDirection;

use super::cell::{LibCell, LibCellKind, LibPin, StateElement, StateKind};
use super::simplify::to_gate_form;

/// A signal inside a cell: one of its pins, or the state variable (`IQ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Signal {
    /// The pin with this index in [`LibCell::pins`].
    Pin(usize),
    /// The state variable; its complement (`IQN`) is written `!IQ`.
    State,
}

/// A flop control (clock, clear, preset) as the netlist can record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Not given.
    Absent,
    /// One input pin, possibly inverted (`!RESET_B`, `!CLK_N`).
    Pin {
        /// Index in [`LibCell::pins`].
        index: usize,
        /// Active low / falling edge.
        inverted: bool,
    },
    /// An expression of several signals: not recordable in [`crate::FlopInfo`].
    Complex,
}

/// The state element of a cell, ready to instantiate.
#[derive(Debug, Clone)]
pub(crate) struct StateModel {
    /// The D input logic (includes the scan multiplexer of a scan flop).
    pub next_state: Expr<Signal>,
    /// Clock (latch enable).
    pub clock: Control,
    /// Asynchronous clear.
    pub clear: Control,
    /// Asynchronous preset.
    pub preset: Control,
    /// Latch rather than flip-flop.
    pub is_latch: bool,
    /// The output pin whose function is exactly the state: its net is the flop's Q.
    pub q_pin: Option<usize>,
}

/// What [`LibCell::instantiate`] builds.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Output pins (except [`StateModel::q_pin`]) and their gate-form functions.
    pub outputs: Vec<(usize, Expr<Signal>)>,
    /// The flip-flop or latch.
    pub state: Option<StateModel>,
    /// `(scan_in, scan_enable)` pin indices of a scan flop.
    pub scan: Option<(usize, usize)>,
}

impl Model {
    /// The model's functions with names, for [`LibCell::decomposed_functions`].
    pub(crate) fn describe<'c>(&self, cell: &'c LibCell) -> Vec<(&'c str, Expr<String>)> {
        let state_name = cell.state.as_ref().map_or("IQ", |s| s.state.as_str());
        let name = |s: &Signal| -> Result<String, ()> {
            Ok(match *s {
                Signal::Pin(i) => cell.pins.get(i).map_or_else(String::new, |p| p.name.clone()),
                Signal::State => state_name.to_string(),
            })
        };
        let mut out = Vec::new();
        if let Some(state) = &self.state {
            if let Ok(e) = state.next_state.try_map(&mut |s| name(s)) {
                out.push((state_name, e));
            }
            if let Some(q) = state.q_pin.and_then(|q| cell.pins.get(q)) {
                out.push((q.name.as_str(), Expr::Var(state_name.to_string())));
            }
        }
        for (pin, expr) in &self.outputs {
            if let (Some(p), Ok(e)) = (cell.pins.get(*pin), expr.try_map(&mut |s| name(s))) {
                out.push((p.name.as_str(), e));
            }
        }
        out
    }
}

/// Decides the cell's kind and builds its model; an unmodellable cell becomes
/// [`LibCellKind::Unsupported`] with the reason.
pub(crate) fn finish(cell: &mut LibCell) {
    cell.pin_index = cell.pins.iter().enumerate().map(|(i, p)| (p.name.clone(), i)).collect();
    let result = match cell.unsupported.clone() {
        Some(reason) => Err(reason),
        None => build(cell),
    };
    match result {
        Ok((kind, model)) => {
            cell.kind = kind;
            cell.model = Some(model);
        }
        Err(reason) => {
            cell.kind = LibCellKind::Unsupported;
            cell.unsupported = Some(reason);
            cell.model = None;
        }
    }
}

fn build(cell: &LibCell) -> Result<(LibCellKind, Model), String> {
    let kind = if cell.clock_gating.is_some() {
        LibCellKind::ClockGating
    } else if cell.has_statetable {
        return Err("its behaviour is given by a `statetable` group, which is not modelled".into());
    } else if let Some(state) = &cell.state {
        match state.kind {
            StateKind::FlipFlop => LibCellKind::FlipFlop,
            StateKind::Latch => LibCellKind::Latch,
        }
    } else if cell
        .pins
        .iter()
        .any(|p| p.direction == PinDirection::Output && p.three_state.is_some())
    {
        LibCellKind::ThreeState
    } else {
        LibCellKind::Combinational
    };
    let binder = Binder { cell, state: cell.state.as_ref() };

    let mut outputs = Vec::new();
    for (index, pin) in cell.pins.iter().enumerate() {
        if pin.direction != PinDirection::Output {
            continue;
        }
        let function = match (&cell.clock_gating, &pin.function) {
            (Some(gating), _) if gating.output == pin.name => clock_gate_function(cell)?,
            (_, Some(f)) => binder.bind(f, &format!("the function of pin `{}`", pin.name))?,
            (_, None) => return Err(format!("output pin `{}` has no `function`", pin.name)),
        };
        outputs.push((index, to_gate_form(&function)));
    }
    check_output_loops(&cell.pins, &outputs)?;

    let state = match &cell.state {
        None => None,
        Some(s) => {
            let (next_name, clock_name) = match s.kind {
                StateKind::FlipFlop => ("next_state", "clocked_on"),
                StateKind::Latch => ("data_in", "enable"),
            };
            let next_state = to_gate_form(&binder.bind(&s.next_state, &format!("`{next_name}`"))?);
            let control = |e: Option<&Expr<String>>, what: &str| -> Result<Control, String> {
                match e {
                    None => Ok(Control::Absent),
                    Some(e) => Ok(as_control(&binder.bind(e, &format!("`{what}`"))?, &cell.pins)),
                }
            };
            let q_pin = outputs.iter().position(|(_, e)| *e == Expr::Var(Signal::State));
            let q_pin = q_pin.map(|k| outputs.remove(k).0);
            Some(StateModel {
                next_state,
                clock: control(Some(&s.clock), clock_name)?,
                clear: control(s.clear.as_ref(), "clear")?,
                preset: control(s.preset.as_ref(), "preset")?,
                is_latch: s.kind == StateKind::Latch,
                q_pin,
            })
        }
    };
    let index_of = |name: &str| cell.pins.iter().position(|p| p.name == name);
    let scan =
        cell.scan.as_ref().and_then(|s| Some((index_of(&s.scan_in)?, index_of(&s.scan_enable)?)));
    Ok((kind, Model { outputs, state, scan }))
}

/// Maps the names in a cell's functions to pins and the state variable.
struct Binder<'c> {
    cell: &'c LibCell,
    state: Option<&'c StateElement>,
}

impl Binder<'_> {
    fn bind(&self, expr: &Expr<String>, what: &str) -> Result<Expr<Signal>, String> {
        Ok(match expr {
            Expr::Const(b) => Expr::Const(*b),
            Expr::Unknown => Expr::Unknown,
            Expr::Var(name) => {
                if let Some(index) = self.cell.pin_position(name) {
                    Expr::Var(Signal::Pin(index))
                } else if self.state.is_some_and(|s| s.state == *name) {
                    Expr::Var(Signal::State)
                } else if self.state.is_some_and(|s| s.inverted_state == *name) {
                    Expr::Var(Signal::State).not()
                } else {
                    return Err(format!(
                        "{what} refers to `{name}`, which is neither a pin nor a state variable of the cell"
                    ));
                }
            }
            Expr::Not(e) => self.bind(e, what)?.not(),
            Expr::And(t) => {
                Expr::And(t.iter().map(|e| self.bind(e, what)).collect::<Result<_, _>>()?)
            }
            Expr::Or(t) => {
                Expr::Or(t.iter().map(|e| self.bind(e, what)).collect::<Result<_, _>>()?)
            }
            Expr::Xor(t) => {
                Expr::Xor(t.iter().map(|e| self.bind(e, what)).collect::<Result<_, _>>()?)
            }
            Expr::Mux(m) => {
                let [s, a, b] = &**m;
                Expr::Mux(Box::new([self.bind(s, what)?, self.bind(a, what)?, self.bind(b, what)?]))
            }
        })
    }
}

/// A single input pin, possibly inverted, or [`Control::Complex`].
fn as_control(expr: &Expr<Signal>, pins: &[LibPin]) -> Control {
    let is_input = |i: usize| pins.get(i).is_some_and(|p| p.direction != PinDirection::Output);
    match expr {
        Expr::Var(Signal::Pin(i)) if is_input(*i) => Control::Pin { index: *i, inverted: false },
        Expr::Not(inner) => match **inner {
            Expr::Var(Signal::Pin(i)) if is_input(i) => Control::Pin { index: i, inverted: true },
            _ => Control::Complex,
        },
        _ => Control::Complex,
    }
}

/// The combinational view of an integrated clock gate: the clock passes while the enable (or
/// the test enable) is on. The latch that holds the enable stable while the clock is high is
/// not modelled; in the full-scan view the enable is settled before the capture edge.
fn clock_gate_function(cell: &LibCell) -> Result<Expr<Signal>, String> {
    let Some(gating) = &cell.clock_gating else {
        return Err("not a clock-gating cell".into());
    };
    let pin = |name: &str| {
        cell.pin_position(name)
            .map(|i| Expr::Var(Signal::Pin(i)))
            .ok_or_else(|| format!("clock-gating pin `{name}` is not a pin of the cell"))
    };
    let enable = match &gating.test {
        Some(test) => Expr::Or(vec![pin(&gating.enable)?, pin(test)?]),
        None => pin(&gating.enable)?,
    };
    let clock = pin(&gating.clock)?;
    // A negative-edge gate holds its output high while disabled.
    Ok(if gating.style.contains("negedge") {
        Expr::Or(vec![clock, enable.not()])
    } else {
        Expr::And(vec![clock, enable])
    })
}

/// Outputs may read other outputs; reject definitions that go round in a loop.
fn check_output_loops(pins: &[LibPin], outputs: &[(usize, Expr<Signal>)]) -> Result<(), String> {
    let reads = |expr: &Expr<Signal>| -> Vec<usize> {
        expr.vars()
            .into_iter()
            .filter_map(|s| match *s {
                Signal::Pin(i) if outputs.iter().any(|(o, _)| *o == i) => Some(i),
                _ => None,
            })
            .collect()
    };
    let mut pending: Vec<(usize, Vec<usize>)> =
        outputs.iter().map(|(o, e)| (*o, reads(e))).collect();
    // Peel off outputs whose inputs are all settled; whatever remains is on or behind a loop.
    loop {
        let before = pending.len();
        let settled: Vec<usize> = pending
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !pending.iter().any(|(o, _)| o == d)))
            .map(|(o, _)| *o)
            .collect();
        pending.retain(|(o, _)| !settled.contains(o));
        if pending.is_empty() {
            return Ok(());
        }
        if pending.len() == before {
            let names: Vec<&str> =
                pending.iter().filter_map(|(o, _)| pins.get(*o).map(|p| p.name.as_str())).collect();
            return Err(format!("output functions form a loop through pins {}", names.join(", ")));
        }
    }
}
