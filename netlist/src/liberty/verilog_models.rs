//! Verilog behavioural models of library cells, written from their Liberty descriptions, so
//! that a standard-cell netlist can be simulated without the vendor's simulation library.
//!
//! One module per cell, named after the cell, with the cell's signal pins as ports in library
//! order (the order positional connections use), then its power and ground pins as unused
//! inputs, so that connections to them are accepted. What the body holds:
//! - each output pin is an `assign` of its `function` as written in the library (not the
//!   rewritten form the decomposition uses); a `three_state` output is `1'bz` while its
//!   `three_state` condition holds;
//! - an `ff (IQ, IQN)` group is a `reg` named after its state variable (`IQ`), updated in one
//!   `always` block on the rising edge of `clocked_on` (an expression, so `!CLK_N` is a falling
//!   edge of `CLK_N`) to `next_state`, and on the rising edge of `clear` (to 0) or `preset` (to
//!   1), `clear` and `preset` together giving `clear_preset_var1` (`L`, `H`, `N`, `T`, `X`);
//! - a `latch (IQ, IQN)` group is the same `reg`, written in an `always @*` block while
//!   `enable` holds;
//! - the inverted state variable (`IQN`, sky130's `IQ_N`) is a `wire`, always the complement
//!   of the state: a testbench that deposits a value into the state register by hierarchical
//!   reference (`dut.u1.IQ = 1'b1`) sets both;
//! - an integrated clock gate is modelled as the combinational gate the decomposition uses
//!   (`clock & (enable | test)`, or `clock | !(enable | test)` for negative-edge styles),
//!   without its latch;
//! - bus pins (`D[0]` ... `D[3]`) become one vector port `D[3:0]`.
//!
//! Cells the library loads as [`LibCellKind::Unsupported`] (a `statetable`, multi-bit state,
//! ...) have no model: asking for one is a [`ModelError`] naming the cell and the reason.
//!
//! The state variable and the helper nets (`atpg_clock`, `atpg_clear`, `atpg_preset`,
//! `atpg_enable`) share the module's name space with the pins; a cell with a pin of one of
//! those names is an error rather than a silently wrong model.

use std::fmt::Write;

use rustc_hash::FxHashSet;

use crate::expr::Expr;
use crate::netlist::PinDirection;
use crate::verilog_writer::verilog_identifier;

use super::cell::{LibCell, LibCellKind, StateKind};
use super::Library;

/// A cell for which no Verilog model can be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write a Verilog model of cell `{cell}`: {reason}")]
pub struct ModelError {
    /// The cell's name.
    pub cell: String,
    /// Why.
    pub reason: String,
}

/// Helper net names used inside models.
const CLOCK: &str = "atpg_clock";
const CLEAR: &str = "atpg_clear";
const PRESET: &str = "atpg_preset";

/// Writes Verilog models of the named cells of `library`, each once, in the order first named.
///
/// ```
/// use netlist::liberty::{write_verilog_models, Library};
/// let lib = Library::parse(
///     r#"library (demo) {
///          cell (NAND2) {
///            pin (A) { direction : input; }
///            pin (B) { direction : input; }
///            pin (Y) { direction : output; function : "!(A & B)"; }
///          }
///        }"#,
///     "demo.lib",
/// )
/// .unwrap();
/// let text = write_verilog_models(&lib, ["NAND2"]).unwrap();
/// assert!(text.contains("module NAND2 (A, B, Y);"));
/// assert!(text.contains("assign Y = ~(A & B);"));
/// ```
pub fn write_verilog_models<'n>(
    library: &Library,
    cells: impl IntoIterator<Item = &'n str>,
) -> Result<String, ModelError> {
    let mut out = String::new();
    let mut done = FxHashSet::default();
    for name in cells {
        if !done.insert(name) {
            continue;
        }
        let cell = library.cell(name).ok_or_else(|| ModelError {
            cell: name.to_string(),
            reason: "it is not in the library".to_string(),
        })?;
        write_model(cell, &mut out)
            .map_err(|reason| ModelError { cell: name.to_string(), reason })?;
    }
    Ok(out)
}

/// A module port: a scalar pin or a bus of pins `base[i]`.
struct Port {
    /// The port name as written in the module header.
    name: String,
    /// `[left:right]` of a bus.
    range: Option<(i64, i64)>,
    direction: PinDirection,
}

/// Splits `D[3]` into `("D", 3)`.
fn bus_bit(name: &str) -> Option<(&str, i64)> {
    let open = name.find('[')?;
    let index = name[open + 1..].strip_suffix(']')?.parse().ok()?;
    Some((&name[..open], index))
}

/// The ports of a cell: bus bits gathered into one vector port when they form a contiguous
/// range with one direction, every other pin a scalar.
fn ports(cell: &LibCell) -> Vec<Port> {
    let mut ports: Vec<Port> = Vec::new();
    let mut buses: Vec<(String, Vec<i64>, PinDirection)> = Vec::new();
    for pin in cell.pins() {
        if let Some((base, index)) = bus_bit(&pin.name) {
            match buses.iter_mut().find(|(b, ..)| b == base) {
                Some((_, indices, _)) => indices.push(index),
                None => {
                    buses.push((base.to_string(), vec![index], pin.direction));
                    ports.push(Port {
                        name: base.to_string(),
                        range: None,
                        direction: pin.direction,
                    });
                }
            }
        } else {
            ports.push(Port { name: pin.name.clone(), range: None, direction: pin.direction });
        }
    }
    for (base, indices, direction) in buses {
        let (first, last) = (indices[0], indices[indices.len() - 1]);
        let contiguous = indices.windows(2).all(|w| (w[1] - w[0]).abs() == 1)
            && (first - last).unsigned_abs() as usize + 1 == indices.len();
        let same_direction = cell
            .pins()
            .iter()
            .filter(|p| bus_bit(&p.name).is_some_and(|(b, _)| b == base))
            .all(|p| p.direction == direction);
        if let Some(port) = ports.iter_mut().find(|p| p.name == base && p.range.is_none()) {
            if contiguous && same_direction {
                port.range = Some((first, last));
            }
        }
    }
    ports
}

/// How a signal name in a function is written in the model.
fn signal(name: &str, buses: &FxHashSet<&str>) -> String {
    match bus_bit(name) {
        Some((base, index)) if buses.contains(base) => {
            format!("{}[{index}]", verilog_identifier(base))
        }
        _ => verilog_identifier(name),
    }
}

/// A Liberty expression as a Verilog expression over one-bit values.
fn expression(expr: &Expr<String>, name: &dyn Fn(&str) -> String) -> String {
    let join = |terms: &[Expr<String>], op: &str| {
        let parts: Vec<String> = terms.iter().map(|t| expression(t, name)).collect();
        format!("({})", parts.join(op))
    };
    match expr {
        Expr::Const(false) => "1'b0".to_string(),
        Expr::Const(true) => "1'b1".to_string(),
        Expr::Unknown => "1'bx".to_string(),
        Expr::Var(v) => name(v),
        Expr::Not(e) => format!("~{}", expression(e, name)),
        Expr::And(t) => join(t, " & "),
        Expr::Or(t) => join(t, " | "),
        Expr::Xor(t) => join(t, " ^ "),
        Expr::Mux(m) => {
            let [s, a, b] = &**m;
            format!("({} ? {} : {})", expression(s, name), expression(b, name), expression(a, name))
        }
    }
}

fn write_model(cell: &LibCell, out: &mut String) -> Result<(), String> {
    if cell.kind() == LibCellKind::Unsupported {
        return Err(cell.unsupported_reason().unwrap_or("it is not modelled").to_string());
    }
    let ports = ports(cell);
    let buses: FxHashSet<&str> =
        ports.iter().filter(|p| p.range.is_some()).map(|p| p.name.as_str()).collect();
    let state = cell.state();
    let mut reserved: Vec<&str> = vec![CLOCK, CLEAR, PRESET];
    if let Some(s) = state {
        reserved.push(&s.state);
        reserved.push(&s.inverted_state);
    }
    let pin_names: FxHashSet<&str> = ports
        .iter()
        .map(|p| p.name.as_str())
        .chain(cell.power_pins().iter().map(String::as_str))
        .collect();
    if let Some(clash) = reserved.iter().find(|r| pin_names.contains(**r)) {
        return Err(format!("a pin is called `{clash}`, a name the model needs for itself"));
    }
    let known: FxHashSet<&str> = cell.pins().iter().map(|p| p.name.as_str()).collect();
    let name = |v: &str| -> String {
        match state {
            Some(s) if v == s.inverted_state => verilog_identifier(&s.inverted_state),
            _ => signal(v, &buses),
        }
    };
    // Every variable must be a pin or the state; the library reader already checked this for
    // modelled cells, but a model that silently reads an undeclared net would be worse.
    let check = |e: &Expr<String>, what: &str| -> Result<(), String> {
        for v in e.vars() {
            let is_state = state.is_some_and(|s| *v == s.state || *v == s.inverted_state);
            if !known.contains(v.as_str()) && !is_state {
                return Err(format!("{what} refers to `{v}`, which is not a pin of the cell"));
            }
        }
        Ok(())
    };

    let kind = match cell.kind() {
        LibCellKind::Combinational => "combinational",
        LibCellKind::FlipFlop => "flip-flop",
        LibCellKind::Latch => "latch",
        LibCellKind::ThreeState => "three-state",
        LibCellKind::ClockGating => "integrated clock gate (latch not modelled)",
        LibCellKind::Unsupported => "unsupported",
    };
    let _ = writeln!(out, "// {}: {kind}, from its Liberty description", cell.name());
    let header: Vec<String> = ports
        .iter()
        .map(|p| verilog_identifier(&p.name))
        .chain(cell.power_pins().iter().map(|p| verilog_identifier(p)))
        .collect();
    let _ = writeln!(out, "module {} ({});", verilog_identifier(cell.name()), header.join(", "));
    for port in &ports {
        let direction = match port.direction {
            PinDirection::Input => "input",
            PinDirection::Output => "output",
            PinDirection::Inout => "inout",
        };
        let range = port.range.map(|(l, r)| format!(" [{l}:{r}]")).unwrap_or_default();
        let _ = writeln!(out, "  {direction}{range} {};", verilog_identifier(&port.name));
    }
    for power in cell.power_pins() {
        let _ = writeln!(out, "  input {};", verilog_identifier(power));
    }

    if let Some(s) = state {
        let q = verilog_identifier(&s.state);
        let _ = writeln!(out, "  reg {q};");
        let _ = writeln!(out, "  wire {} = ~{q};", verilog_identifier(&s.inverted_state));
        let (next_attr, clock_attr) = match s.kind {
            StateKind::FlipFlop => ("next_state", "clocked_on"),
            StateKind::Latch => ("data_in", "enable"),
        };
        check(&s.next_state, &format!("`{next_attr}`"))?;
        check(&s.clock, &format!("`{clock_attr}`"))?;
        let _ = writeln!(out, "  wire {CLOCK} = {};", expression(&s.clock, &name));
        let mut controls = Vec::new();
        for (net, expr, what) in [(CLEAR, &s.clear, "clear"), (PRESET, &s.preset, "preset")] {
            if let Some(e) = expr {
                check(e, &format!("`{what}`"))?;
                let _ = writeln!(out, "  wire {net} = {};", expression(e, &name));
                controls.push(net);
            }
        }
        let next = expression(&s.next_state, &name);
        let both = match s.clear_preset_var1.as_deref() {
            Some("H") => "1'b1".to_string(),
            Some("N") => q.clone(),
            Some("T") => format!("~{q}"),
            Some("X") => "1'bx".to_string(),
            _ => "1'b0".to_string(),
        };
        let (assign, header) = match s.kind {
            StateKind::FlipFlop => {
                let mut events = vec![format!("posedge {CLOCK}")];
                events.extend(controls.iter().map(|c| format!("posedge {c}")));
                ("<=", format!("always @({})", events.join(" or ")))
            }
            StateKind::Latch => ("=", "always @*".to_string()),
        };
        let _ = writeln!(out, "  {header}");
        let mut branches: Vec<(String, String)> = Vec::new();
        match (s.clear.is_some(), s.preset.is_some()) {
            (true, true) => {
                branches.push((format!("{CLEAR} && {PRESET}"), both));
                branches.push((CLEAR.to_string(), "1'b0".to_string()));
                branches.push((PRESET.to_string(), "1'b1".to_string()));
            }
            (true, false) => branches.push((CLEAR.to_string(), "1'b0".to_string())),
            (false, true) => branches.push((PRESET.to_string(), "1'b1".to_string())),
            (false, false) => {}
        }
        match s.kind {
            // The edge of the clock is what triggered the block when no control is active.
            StateKind::FlipFlop => branches.push((String::new(), next)),
            StateKind::Latch => branches.push((CLOCK.to_string(), next)),
        }
        for (k, (condition, value)) in branches.iter().enumerate() {
            let keyword = match (k, condition.is_empty()) {
                (0, true) => String::new(),
                (0, false) => format!("if ({condition}) "),
                (_, true) => "else ".to_string(),
                (_, false) => format!("else if ({condition}) "),
            };
            let _ = writeln!(out, "    {keyword}{q} {assign} {value};");
        }
    }

    for pin in cell.pins().iter().filter(|p| p.direction == PinDirection::Output) {
        let target = signal(&pin.name, &buses);
        let function = match (cell.clock_gating(), &pin.function) {
            (Some(gating), _) if gating.output == pin.name => {
                let mut enable = name(&gating.enable);
                if let Some(test) = &gating.test {
                    enable = format!("({enable} | {})", name(test));
                }
                let clock = name(&gating.clock);
                if gating.style.contains("negedge") {
                    format!("({clock} | ~{enable})")
                } else {
                    format!("({clock} & {enable})")
                }
            }
            (_, Some(f)) => {
                check(f, &format!("the function of pin `{}`", pin.name))?;
                expression(f, &name)
            }
            (_, None) => return Err(format!("output pin `{}` has no `function`", pin.name)),
        };
        let value = match &pin.three_state {
            Some(disable) => {
                check(disable, &format!("the `three_state` of pin `{}`", pin.name))?;
                format!("{} ? 1'bz : {function}", expression(disable, &name))
            }
            None => function,
        };
        let _ = writeln!(out, "  assign {target} = {value};");
    }
    out.push_str("endmodule\n\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = r#"library (demo) {
      cell (DFFR) {
        pg_pin (VDD) { }
        ff (IQ, IQN) {
          next_state : "D";
          clocked_on : "CK";
          clear : "!RN";
        }
        pin (CK) { direction : input; clock : true; }
        pin (D) { direction : input; }
        pin (RN) { direction : input; }
        pin (Q) { direction : output; function : "IQ"; }
        pin (QN) { direction : output; function : "IQN"; }
      }
      cell (LATCH) {
        latch (IQ, IQN) { data_in : "D"; enable : "G"; }
        pin (D) { direction : input; }
        pin (G) { direction : input; }
        pin (Q) { direction : output; function : "IQ"; }
      }
      cell (TBUF) {
        pin (A) { direction : input; }
        pin (OE) { direction : input; }
        pin (Z) { direction : output; function : "A"; three_state : "!OE"; }
      }
      cell (ODD) {
        statetable ("A", "IQ") { table : "H : - : H"; }
        pin (A) { direction : input; }
        pin (Y) { direction : output; function : "IQ"; }
      }
    }"#;

    fn models(cells: &[&str]) -> Result<String, ModelError> {
        let lib = Library::parse(LIB, "demo.lib").unwrap();
        write_verilog_models(&lib, cells.iter().copied())
    }

    #[test]
    fn flip_flop_with_clear() {
        let text = models(&["DFFR", "DFFR"]).unwrap();
        assert_eq!(text.matches("module DFFR").count(), 1, "{text}");
        for line in [
            "module DFFR (CK, D, RN, Q, QN, VDD);",
            "  reg IQ;",
            "  wire IQN = ~IQ;",
            "  wire atpg_clock = CK;",
            "  wire atpg_clear = ~RN;",
            "  always @(posedge atpg_clock or posedge atpg_clear)",
            "    if (atpg_clear) IQ <= 1'b0;",
            "    else IQ <= D;",
            "  assign Q = IQ;",
            "  assign QN = IQN;",
        ] {
            assert!(text.contains(&format!("{line}\n")), "missing `{line}` in\n{text}");
        }
    }

    #[test]
    fn latch_and_three_state() {
        let text = models(&["LATCH", "TBUF"]).unwrap();
        assert!(text.contains("  always @*\n    if (atpg_clock) IQ = D;\n"), "{text}");
        assert!(text.contains("  assign Z = ~OE ? 1'bz : A;\n"), "{text}");
    }

    #[test]
    fn unsupported_and_unknown_cells_are_errors_naming_the_cell() {
        let error = models(&["ODD"]).unwrap_err();
        assert_eq!(error.cell, "ODD");
        assert!(error.reason.contains("statetable"), "{error}");
        let error = models(&["NOPE"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot write a Verilog model of cell `NOPE`: it is not in the library"
        );
    }
}
