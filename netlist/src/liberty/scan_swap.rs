//! Swapping a plain library flip-flop for the library's scan flip-flop of the same behaviour
//! (sky130 `dfxtp_1` -> `sdfxtp_1`, NanGate `DFFR_X1` -> `SDFFR_X1`), for scan insertion.
//!
//! A scan cell *matches* a plain flip-flop when, with its scan enable inactive, it is the same
//! flip-flop: the same input pins besides the scan pins (by name), the same output pins in the
//! same order with the same decomposed functions (so the primitives of the outputs can stay as
//! they are), the same clock, clear and preset pins with the same polarity, the same
//! `clear_preset_var`s, and a `next_state` equal to the plain cell's for every value of every
//! pin and of the state. This is what a Liberty `test_cell` says in other words: the test cell
//! is the scan cell's non-scan function. Only plain flip-flops whose next state is one input
//! pin (a D flip-flop with or without asynchronous controls) are swapped: their decomposition
//! has no next-state gates, so the swap adds the scan cell's next-state logic and removes
//! nothing, and the netlist stays exactly what reading the swapped cell would build.

use crate::expr::Expr;
use crate::gate::GateKind;
use crate::netlist::{CellId, CellKind, FlopInfo, InstancePin, NetId, Netlist};

use super::cell::{LibCell, LibCellKind};
use super::model::{Control, Signal};
use super::Library;

/// A control as `(pin name, inverted)`, `None` when absent; `Err` when not a single pin.
fn control_name(cell: &LibCell, control: Control) -> Result<Option<(&str, bool)>, ()> {
    match control {
        Control::Absent => Ok(None),
        Control::Pin { index, inverted } => {
            Ok(Some((cell.pins.get(index).ok_or(())?.name.as_str(), inverted)))
        }
        Control::Complex => Err(()),
    }
}

/// A cell's outputs as [`output_functions`] describes them.
type Outputs = (Vec<(String, Expr<String>)>, Option<String>);

/// The decomposed output functions with pin names (the state written `IQ`), in pin order, and
/// the name of the pin that is the state itself.
fn output_functions(cell: &LibCell) -> Option<Outputs> {
    let model = cell.model.as_ref()?;
    let name = |s: &Signal| -> Result<String, ()> {
        match *s {
            Signal::Pin(i) => cell.pins.get(i).map(|p| p.name.clone()).ok_or(()),
            Signal::State => Ok("IQ".to_string()),
        }
    };
    let outputs = model
        .outputs
        .iter()
        .map(|(pin, e)| {
            Some((cell.pins.get(*pin)?.name.clone(), e.try_map(&mut |s| name(s)).ok()?))
        })
        .collect::<Option<Vec<_>>>()?;
    let q_pin = model.state.as_ref()?.q_pin.and_then(|q| cell.pins.get(q)).map(|p| p.name.clone());
    Some((outputs, q_pin))
}

/// The data pin of a plain D flip-flop: the input pin its next state is, if it is one.
fn data_pin(cell: &LibCell) -> Option<&str> {
    let state = cell.model.as_ref()?.state.as_ref()?;
    match state.next_state {
        Expr::Var(Signal::Pin(i)) => Some(cell.pins.get(i)?.name.as_str()),
        _ => None,
    }
}

/// Whether `scan` behaves as `plain` with its scan enable inactive (see the module docs).
fn matches(plain: &LibCell, scan: &LibCell) -> bool {
    let (Some(pm), Some(sm)) = (&plain.model, &scan.model) else { return false };
    let (Some(ps), Some(ss), Some(pins)) = (&pm.state, &sm.state, &scan.scan) else {
        return false;
    };
    let Some(data) = data_pin(plain) else { return false };
    if ps.is_latch || ss.is_latch {
        return false;
    }
    let mut plain_inputs = plain.input_names();
    let mut scan_inputs: Vec<&str> = scan
        .input_names()
        .into_iter()
        .filter(|p| *p != pins.scan_in && *p != pins.scan_enable)
        .collect();
    plain_inputs.sort_unstable();
    scan_inputs.sort_unstable();
    if plain_inputs != scan_inputs || plain.output_names() != scan.output_names() {
        return false;
    }
    for (a, b) in [(ps.clock, ss.clock), (ps.clear, ss.clear), (ps.preset, ss.preset)] {
        match (control_name(plain, a), control_name(scan, b)) {
            (Ok(a), Ok(b)) if a == b => {}
            _ => return false,
        }
    }
    let (Some(pe), Some(se)) = (&plain.state, &scan.state) else { return false };
    if (&pe.clear_preset_var1, &pe.clear_preset_var2)
        != (&se.clear_preset_var1, &se.clear_preset_var2)
    {
        return false;
    }
    match (output_functions(plain), output_functions(scan)) {
        (Some(a), Some(b)) if a == b => {}
        _ => return false,
    }
    // The next state with the scan enable inactive is the data pin, for every value of every
    // input pin and of the state (at most a few hundred evaluations).
    let Some(enable) = scan.pin_position(&pins.scan_enable) else { return false };
    let Some(d) = scan.pin_position(data) else { return false };
    let variables: Vec<usize> = (0..scan.pins.len()).filter(|&i| i != enable).collect();
    if variables.len() > 16 {
        return false;
    }
    (0u32..1 << (variables.len() + 1)).all(|bits| {
        let value = |s: &Signal| match *s {
            Signal::State => bits & 1 == 1,
            Signal::Pin(i) if i == enable => pins.scan_enable_inverted,
            Signal::Pin(i) => {
                let k = variables.iter().position(|&v| v == i).unwrap_or(0);
                bits >> (k + 1) & 1 == 1
            }
        };
        ss.next_state.eval(&mut |s| value(s)) == value(&Signal::Pin(d))
    })
}

/// The drive-strength suffix of a cell name: what follows the last `_` (`1` of sky130's
/// `dfxtp_1`, `X1` of NanGate's `DFF_X1`).
fn drive_suffix(name: &str) -> &str {
    name.rsplit_once('_').map_or("", |(_, s)| s)
}

impl Library {
    /// The scan flip-flop that can replace instances of the plain flip-flop `plain`: a cell
    /// with scan pins, not `dont_use`, that behaves as `plain` while its scan enable is inactive
    /// (see `liberty/scan_swap.rs`). Among several, the one with the same drive-strength suffix
    /// (`_1`, `_X1`) is preferred, then the smallest area, then library order. `None` when
    /// `plain` is not a plain D flip-flop or no cell matches.
    pub fn scan_equivalent(&self, plain: &LibCell) -> Option<&LibCell> {
        if plain.kind != LibCellKind::FlipFlop || plain.scan.is_some() {
            return None;
        }
        let suffix = drive_suffix(&plain.name);
        self.cells.iter().filter(|c| c.is_scan_flop() && !c.dont_use && matches(plain, c)).min_by(
            |a, b| {
                let key = |c: &LibCell| (drive_suffix(&c.name) != suffix, c.area.is_none());
                key(a).cmp(&key(b)).then(
                    a.area
                        .unwrap_or(0.0)
                        .partial_cmp(&b.area.unwrap_or(0.0))
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
            },
        )
    }
}

impl LibCell {
    /// Turns the standard-cell instance that flip-flop `flop` belongs to into an instance of
    /// this scan cell, which must be [`Library::scan_equivalent`] of its cell: the scan-in pin
    /// is connected to `scan_in` and the scan-enable pin to `scan_enable` (each through a new
    /// inverter primitive, of no instance, when the library marks the pin inverted, so that
    /// `scan_enable` at 1 always shifts and the chain carries `scan_in` uninverted), the other
    /// pins stay on their nets. The flip-flop reads the scan cell's next-state logic (added as primitives of
    /// the instance) and its record gains the scan pins; the instance's cell type and pin
    /// record become this cell's. The result is what reading the instance as this cell builds.
    ///
    /// Fails, changing nothing, when `flop` is not a flip-flop of an instance or this cell's
    /// pins do not fit the instance.
    pub fn replace_flip_flop(
        &self,
        netlist: &mut Netlist,
        flop: CellId,
        scan_in: NetId,
        scan_enable: NetId,
    ) -> Result<(), String> {
        let cell = netlist.cell(flop);
        let name = cell.name.clone();
        let pos = cell.pos;
        let (CellKind::Flop(_), Some(instance_id)) = (&cell.kind, cell.instance) else {
            return Err(format!("`{name}` is not a flip-flop of a standard-cell instance"));
        };
        let (Some(model), Some(pins)) = (&self.model, &self.scan) else {
            return Err(format!("cell `{}` is not a modelled scan flip-flop", self.name));
        };
        let Some(state) = &model.state else {
            return Err(format!("cell `{}` has no flip-flop", self.name));
        };
        let instance = &netlist.instances()[instance_id.index()];
        let mut nets = Vec::with_capacity(self.pins.len());
        for pin in &self.pins {
            let net = if pin.name == pins.scan_in {
                scan_in
            } else if pin.name == pins.scan_enable {
                scan_enable
            } else {
                match instance.pins.iter().find(|p| p.name == pin.name) {
                    Some(p) => p.net,
                    None => {
                        return Err(format!(
                            "instance `{}` has no pin `{}` for cell `{}`",
                            instance.name, pin.name, self.name
                        ))
                    }
                }
            };
            nets.push(net);
        }
        let q = netlist.cell_output(flop);
        if let Some(p) = state.q_pin {
            if Some(nets[p]) != q {
                return Err(format!(
                    "instance `{}`: pin `{}` of cell `{}` is not the flip-flop's output",
                    instance.name, self.pins[p].name, self.name
                ));
            }
        }
        let pin_net = |c: Control| match c {
            Control::Pin { index, inverted } => Ok((Some(nets[index]), inverted)),
            Control::Absent => Ok((None, false)),
            Control::Complex => {
                Err(format!("cell `{}` has a control that is not a pin", self.name))
            }
        };
        let (clock, clock_inverted) = pin_net(state.clock)?;
        let (clear, clear_active_low) = pin_net(state.clear)?;
        let (preset, preset_active_low) = pin_net(state.preset)?;
        let (Some(q), Some((si, se))) = (q, model.scan) else {
            return Err(format!("cell `{}` has no scan pins", self.name));
        };

        // Inverters for inverted scan pins, now that nothing can fail.
        for (index, inverted, what) in
            [(si, pins.scan_in_inverted, "scan_in"), (se, pins.scan_enable_inverted, "scan_enable")]
        {
            if inverted {
                let out = netlist.add_internal_net(&format!("{name}/{what}_n"));
                let gate = netlist.add_gate(
                    format!("{name}/{what}_inv"),
                    GateKind::Not,
                    &[nets[index]],
                    out,
                );
                netlist.set_cell_pos(gate, pos);
                nets[index] = out;
            }
        }
        let record: Vec<InstancePin> = self
            .pins
            .iter()
            .zip(&nets)
            .map(|(p, &net)| InstancePin { name: p.name.clone(), direction: p.direction, net })
            .collect();
        let next_state = state
            .next_state
            .try_map(&mut |s| match *s {
                Signal::Pin(i) => Ok::<NetId, ()>(nets[i]),
                Signal::State => Ok(q),
            })
            .expect("every signal of a cell's model is one of its pins or its state");
        let state_name = self.state.as_ref().map_or("IQ", |s| s.state.as_str());
        let mut created = Vec::new();
        let d = netlist.lower_expr(
            &next_state,
            None,
            &format!("{name}/{state_name}_next"),
            &mut created,
        );
        for cell in created {
            netlist.set_cell_instance(cell, instance_id);
            netlist.set_cell_pos(cell, pos);
        }
        netlist.reconnect_input(flop, 0, d);
        netlist.set_flop_info(
            flop,
            FlopInfo {
                clock,
                clock_inverted,
                clear,
                preset,
                clear_active_low,
                preset_active_low,
                is_latch: false,
                scan: Some((nets[si], nets[se])),
            },
        );
        netlist.set_instance_cell(instance_id, self.name.clone(), record);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::liberty::read_liberty;

    #[test]
    fn sky130_and_nangate_flip_flops_have_scan_equivalents() {
        let Some(dir) = crate::testdata::benchmarks() else { return };
        let sky130 =
            read_liberty(&dir.join("cells/sky130hd/sky130hd_tt.lib.gz")).expect("sky130 reads");
        let equivalent = |lib: &crate::Library, name: &str| {
            let cell = lib.cell(name).expect("the cell exists");
            lib.scan_equivalent(cell).map(|c| c.name().to_string())
        };
        let hd = |s: &str| format!("sky130_fd_sc_hd__{s}");
        for (plain, scan) in [
            ("dfxtp_1", Some("sdfxtp_1")),
            ("dfxtp_4", Some("sdfxtp_4")),
            ("dfrtp_1", Some("sdfrtp_1")),
            ("dfrtn_1", Some("sdfrtn_1")),
            ("dfstp_2", Some("sdfstp_2")),
            ("dfxbp_1", Some("sdfxbp_1")),
            ("dfbbp_1", Some("sdfbbp_1")),
            // Its next state is not one pin (an enable flip-flop): not swapped.
            ("edfxtp_1", None),
            // Already a scan cell.
            ("sdfxtp_1", None),
            ("nand2_1", None),
        ] {
            assert_eq!(equivalent(&sky130, &hd(plain)), scan.map(hd), "{plain}");
        }
        let nangate = read_liberty(&dir.join("cells/nangate45/nangate45_functions.lib"))
            .expect("NanGate reads");
        for (plain, scan) in [
            ("DFF_X1", Some("SDFF_X1")),
            ("DFF_X2", Some("SDFF_X2")),
            ("DFFR_X1", Some("SDFFR_X1")),
            ("DFFS_X2", Some("SDFFS_X2")),
            ("DFFRS_X1", Some("SDFFRS_X1")),
            ("DLH_X1", None),
        ] {
            assert_eq!(equivalent(&nangate, plain).as_deref(), scan, "{plain}");
        }
    }
}
