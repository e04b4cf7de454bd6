//! Decomposing one cell instance into primitive gates and a flop of a [`Netlist`].
//!
//! The fault model needs the decomposition to keep the cell's pins visible: every output pin's
//! net is driven by exactly one primitive (a gate, or the flop for the output that *is* the
//! state), and every input pin net is read directly by the primitives that use it (a pin used
//! twice, as a scan flop's enable is, is read twice; no buffer is put in between). Internal
//! nets are named `<instance>/<pin or state>_n<k>`.

use crate::error::SourcePos;
use crate::expr::Expr;
use crate::netlist::{
    CellInstance, FlopInfo, InstanceId, InstancePin, NetId, Netlist, PinDirection,
};

use super::cell::{LibCell, LibCellKind};
use super::model::{Control, Signal};

pub(crate) fn instantiate(
    cell: &LibCell,
    netlist: &mut Netlist,
    instance: &str,
    connections: &[(&str, NetId)],
    pos: SourcePos,
) -> Result<InstanceId, String> {
    let Some(model) = &cell.model else {
        let reason = cell.unsupported.as_deref().unwrap_or("it is not modelled");
        return Err(format!(
            "instance `{instance}`: cell `{}` cannot be decomposed: {reason}",
            cell.name
        ));
    };

    // Check everything before touching the netlist, so an error leaves it unchanged.
    let mut nets: Vec<Option<NetId>> = vec![None; cell.pins.len()];
    for &(pin, net) in connections {
        match cell.pin_position(pin) {
            Some(i) => match nets[i] {
                Some(previous) if previous != net => {
                    return Err(format!("instance `{instance}`: pin `{pin}` is connected twice"));
                }
                _ => nets[i] = Some(net),
            },
            None if cell.power_pins.iter().any(|p| p == pin) => {}
            None => {
                return Err(format!(
                    "instance `{instance}`: cell `{}` has no pin `{pin}` (its pins are {})",
                    cell.name,
                    cell.pin_names().join(", ")
                ));
            }
        }
    }
    if let Some(p) = cell
        .pins
        .iter()
        .zip(&nets)
        .find(|(p, n)| p.direction != PinDirection::Output && n.is_none())
    {
        return Err(format!(
            "instance `{instance}`: input pin `{}` of cell `{}` is not connected",
            p.0.name, cell.name
        ));
    }

    let nets: Vec<NetId> = cell
        .pins
        .iter()
        .zip(nets)
        .map(|(p, net)| {
            net.unwrap_or_else(|| netlist.add_internal_net(&format!("{instance}/{}", p.name)))
        })
        .collect();
    let id = netlist.add_instance(CellInstance {
        name: instance.to_string(),
        cell_type: cell.name.clone(),
        pins: cell
            .pins
            .iter()
            .zip(&nets)
            .map(|(p, &net)| InstancePin { name: p.name.clone(), direction: p.direction, net })
            .collect(),
        pos,
    });

    let mut created = Vec::new();
    let state_name = cell.state.as_ref().map_or("IQ", |s| s.state.as_str());
    let q_net = model.state.as_ref().map(|state| match state.q_pin {
        Some(q) => nets[q],
        None => netlist.add_internal_net(&format!("{instance}/{state_name}")),
    });
    let to_net = |s: &Signal| -> Result<NetId, String> {
        match *s {
            Signal::Pin(i) => Ok(nets[i]),
            Signal::State => {
                q_net.ok_or_else(|| format!("cell `{}` has no state variable", cell.name))
            }
        }
    };
    // The model was bound against this cell's pins, so every signal maps; the error arm only
    // guards against a model/cell mismatch.
    let bind = |e: &Expr<Signal>| e.try_map(&mut |s| to_net(s));

    for (pin, function) in &model.outputs {
        let expr = bind(function)?;
        let hint = format!("{instance}/{}", cell.pins[*pin].name);
        netlist.lower_expr(&expr, Some(nets[*pin]), &hint, &mut created);
    }

    let mut warnings = Vec::new();
    if let (Some(state), Some(q)) = (&model.state, q_net) {
        let next_state = bind(&state.next_state)?;
        let d = netlist.lower_expr(
            &next_state,
            None,
            &format!("{instance}/{state_name}_next"),
            &mut created,
        );
        let what = if state.is_latch { "latch enable" } else { "clock" };
        let (clock, clock_inverted) = match state.clock {
            Control::Pin { index, inverted } => (Some(nets[index]), inverted),
            Control::Absent => (None, false),
            Control::Complex => {
                warnings
                    .push(format!("its {what} is not a single pin; the {what} is not recorded"));
                (None, false)
            }
        };
        let mut control = |c: Control, what: &str| match c {
            Control::Pin { index, inverted } => (Some(nets[index]), inverted),
            Control::Absent => (None, false),
            Control::Complex => {
                warnings.push(format!(
                    "its asynchronous {what} is not a single pin; it is not recorded"
                ));
                (None, false)
            }
        };
        let (clear, clear_active_low) = control(state.clear, "clear");
        let (preset, preset_active_low) = control(state.preset, "preset");
        let scan = model.scan.map(|(si, se)| (nets[si], nets[se]));
        let info = FlopInfo {
            clock,
            clock_inverted,
            clear,
            preset,
            clear_active_low,
            preset_active_low,
            is_latch: state.is_latch,
            scan,
        };
        created.push(netlist.add_flop(instance, d, q, info));
        if state.is_latch {
            warnings.push("latch modelled as a state element (full-scan view)".to_string());
        }
    }
    match cell.kind {
        LibCellKind::ClockGating => warnings.push(
            "integrated clock gate modelled as combinational logic (gated clock = clock AND (enable OR test enable)); its latch is not modelled"
                .to_string(),
        ),
        _ if cell.pins.iter().any(|p| p.direction == PinDirection::Output && p.three_state.is_some()) => warnings.push(
            "three-state output modelled as always enabled (its enable is ignored); bus resolution is not modelled"
                .to_string(),
        ),
        _ => {}
    }
    if cell.pins.iter().any(|p| p.direction == PinDirection::Inout) {
        warnings.push("inout pins modelled as inputs".to_string());
    }
    for warning in warnings {
        netlist.warn(Some(pos), format!("instance `{instance}` (cell `{}`): {warning}", cell.name));
    }
    for cell_id in created {
        netlist.set_cell_instance(cell_id, id);
        netlist.set_cell_pos(cell_id, pos);
    }
    Ok(id)
}
