//! Structural Verilog writer.
//!
//! Writes one flat module: gate primitives (`and`, `nand`, ..., `buf`, `not`), `assign` for
//! constants and multiplexers, and Yosys cells for flip-flops (an unknown clock is left
//! unconnected): `$_DFF_P_` / `$_DFF_N_`, with an asynchronous clear `$_DFF_{C}{R}0_`, with a
//! preset `$_DFF_{C}{R}1_`, with both `$_DFFSR_{C}{S}{R}_` (`P`/`N` the clock edge and each
//! control's active level, as in Yosys' `simcells.v`). Names that are not plain Verilog identifiers are escaped (`\1 `).
//! [`write_verilog`] writes standard-cell instances as their primitive decomposition; the reader
//! in [`crate::verilog`] reads all of this back into the same structure.
//! [`write_verilog_cells`] keeps the cells instead: each standard-cell instance is written as
//! an instance of its library cell (read it back with the same Liberty file), and only the
//! primitives that belong to no instance are written as above.
//!
//! To simulate a written netlist, compile it with [`flop_models`] (or Yosys' `simcells.v`),
//! which define the flip-flop cells it uses; [`instance_names`] gives the name each flip-flop and
//! gate is written under, for hierarchical references from a testbench.

use std::fmt::Write;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::gate::GateKind;
use crate::netlist::{CellId, CellKind, FlopInfo, NetId, Netlist};

const KEYWORDS: &[&str] = &[
    "always",
    "and",
    "assign",
    "begin",
    "buf",
    "bufif0",
    "bufif1",
    "case",
    "casex",
    "casez",
    "cmos",
    "deassign",
    "default",
    "defparam",
    "disable",
    "edge",
    "else",
    "end",
    "endcase",
    "endfunction",
    "endmodule",
    "endprimitive",
    "endspecify",
    "endtable",
    "endtask",
    "event",
    "for",
    "force",
    "forever",
    "fork",
    "function",
    "highz0",
    "highz1",
    "if",
    "ifnone",
    "initial",
    "inout",
    "input",
    "integer",
    "join",
    "large",
    "macromodule",
    "medium",
    "module",
    "nand",
    "negedge",
    "nmos",
    "nor",
    "not",
    "notif0",
    "notif1",
    "or",
    "output",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "rcmos",
    "real",
    "realtime",
    "reg",
    "release",
    "repeat",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "scalared",
    "small",
    "specify",
    "specparam",
    "strong0",
    "strong1",
    "supply0",
    "supply1",
    "table",
    "task",
    "time",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "vectored",
    "wait",
    "wand",
    "weak0",
    "weak1",
    "while",
    "wire",
    "wor",
    "xnor",
    "xor",
];

/// Verilog models of the plain flip-flop cells [`write_verilog`] uses (`$_DFF_P_`, `$_DFF_N_`,
/// with the ports of Yosys' `simcells.v`); flip-flops with an asynchronous clear or preset need
/// [`flop_models`]. The state is the register `Q`.
pub const FLOP_MODELS: &str = "\
module \\$_DFF_P_ (C, D, Q);
  input C, D;
  output reg Q;
  always @(posedge C) Q <= D;
endmodule
module \\$_DFF_N_ (C, D, Q);
  input C, D;
  output reg Q;
  always @(negedge C) Q <= D;
endmodule
";

/// The Yosys cell a flip-flop is written as, with its control connections (`.R(..)`, `.S(..)`)
/// by net.
fn flop_cell(info: &FlopInfo) -> (String, Vec<(&'static str, NetId)>) {
    let level = |negative: bool| if negative { 'N' } else { 'P' };
    let c = level(info.clock_inverted);
    match (info.clear, info.preset) {
        (None, None) => (format!("$_DFF_{c}_"), Vec::new()),
        (Some(r), None) => (format!("$_DFF_{c}{}0_", level(info.clear_active_low)), vec![("R", r)]),
        (None, Some(s)) => {
            (format!("$_DFF_{c}{}1_", level(info.preset_active_low)), vec![("R", s)])
        }
        (Some(r), Some(s)) => (
            format!(
                "$_DFFSR_{c}{}{}_",
                level(info.preset_active_low),
                level(info.clear_active_low)
            ),
            vec![("S", s), ("R", r)],
        ),
    }
}

/// A Verilog model of one Yosys flip-flop cell [`write_verilog`] uses (`$_DFF_P_`,
/// `$_DFF_PN0_`, `$_DFFSR_PNN_`, ...), with the ports and behaviour of Yosys' `simcells.v`
/// (clear wins over preset); `None` for any other name.
pub fn flop_model(cell: &str) -> Option<String> {
    let params: Vec<char> = cell.strip_prefix("$_")?.strip_suffix('_')?.chars().collect();
    let edge = |c: char| match c {
        'P' => Some(("posedge", "1")),
        'N' => Some(("negedge", "0")),
        _ => None,
    };
    let name = verilog_identifier(cell);
    let body = match params.as_slice() {
        ['D', 'F', 'F', '_', c] => {
            let (clock, _) = edge(*c)?;
            format!("(C, D, Q);\n  input C, D;\n  output reg Q;\n  always @({clock} C) Q <= D;\n")
        }
        ['D', 'F', 'F', '_', c, r, v @ ('0' | '1')] => {
            let (clock, _) = edge(*c)?;
            let (reset, active) = edge(*r)?;
            format!(
                "(C, R, D, Q);\n  input C, R, D;\n  output reg Q;\n  always @({clock} C, {reset} R)\n    if (R == 1'b{active}) Q <= 1'b{v};\n    else Q <= D;\n"
            )
        }
        ['D', 'F', 'F', 'S', 'R', '_', c, s, r] => {
            let (clock, _) = edge(*c)?;
            let (set, set_active) = edge(*s)?;
            let (reset, reset_active) = edge(*r)?;
            format!(
                "(C, S, R, D, Q);\n  input C, S, R, D;\n  output reg Q;\n  always @({clock} C, {set} S, {reset} R)\n    if (R == 1'b{reset_active}) Q <= 1'b0;\n    else if (S == 1'b{set_active}) Q <= 1'b1;\n    else Q <= D;\n"
            )
        }
        _ => return None,
    };
    Some(format!("module {name}{body}endmodule\n"))
}

/// The Verilog models of the flip-flop cells a written `netlist` uses (see [`flop_model`]), each
/// once; the state is the register `Q`.
pub fn flop_models(netlist: &Netlist) -> String {
    let mut cells: Vec<String> = Vec::new();
    for &flop in netlist.flops() {
        if let CellKind::Flop(info) = &netlist.cell(flop).kind {
            let (cell, _) = flop_cell(info);
            if !cells.contains(&cell) {
                cells.push(cell);
            }
        }
    }
    cells.iter().filter_map(|c| flop_model(c)).collect()
}

/// A name as a Verilog identifier: plain when it is one, escaped otherwise.
pub fn verilog_identifier(name: &str) -> String {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !KEYWORDS.contains(&name);
    if plain {
        name.to_string()
    } else {
        // An escaped identifier runs to the next white space, which terminates it.
        let printable: String = name
            .chars()
            .map(|c| if c.is_whitespace() || c.is_control() { '_' } else { c })
            .collect();
        format!("\\{printable} ")
    }
}

/// The instance name [`write_verilog`] gives each gate primitive and flip-flop it writes, as
/// `(cell, name)` in cell order; names are not escaped (pass them through
/// [`verilog_identifier`]). Constants and multiplexers are written as `assign` and have none.
///
/// Instance and net names share a module's name space in Verilog, so a cell named like a net
/// (every `.bench` gate is named after its output) gets `_i` appended until the name is free.
/// Testbenches use this to refer to the flip-flops of a written netlist by hierarchical name.
pub fn instance_names(netlist: &Netlist) -> Vec<(CellId, String)> {
    let net_names: FxHashSet<&str> = netlist.nets().map(|n| netlist.net_name(n)).collect();
    let mut taken: FxHashSet<String> = FxHashSet::default();
    let mut names = Vec::new();
    for cell in netlist.cells() {
        let data = netlist.cell(cell);
        if netlist.cell_output(cell).is_none() {
            continue;
        }
        if !is_named_primitive(&data.kind) {
            continue;
        }
        let mut name = data.name.to_string();
        while net_names.contains(name.as_str()) || taken.contains(&name) {
            name.push_str("_i");
        }
        taken.insert(name.clone());
        names.push((cell, name));
    }
    names
}

/// Writes the netlist as one flat structural Verilog module.
pub fn write_verilog(netlist: &Netlist) -> String {
    let mut out = String::new();
    let ports = write_header(netlist, &mut out);
    let id = |name: &str| verilog_identifier(name);
    for net in netlist.nets() {
        let name = netlist.net_name(net);
        if !ports.contains(name) {
            let _ = writeln!(out, "  wire {};", id(name));
        }
    }
    let names: FxHashMap<CellId, String> = instance_names(netlist).into_iter().collect();
    for cell in netlist.cells() {
        let net = |n: NetId| verilog_identifier(netlist.net_name(n));
        write_primitive(netlist, cell, names.get(&cell).map(String::as_str), &net, &mut out);
    }
    out.push_str("endmodule\n");
    out
}

/// The standard-cell instances of `netlist` that [`write_verilog_cells`] writes as instances of
/// their library cell, by [`crate::InstanceId`] index, and each instance's primitives.
///
/// An instance is written as its cell when its decomposition is intact, that is, when the cell
/// read back from its pins builds the same logic: every net its primitives read is one of its
/// pins or driven by one of them, every net they drive that is not a pin is read only by them,
/// its flip-flop's clock and controls are pins, each output pin is driven by one of its
/// primitives and no input pin is. Scan insertion keeps instances intact (a multiplexer goes in
/// front of a pin); an edit inside a decomposition (a multiplexer between a cell's next-state
/// logic and its flip-flop) makes the instance's primitives be written instead.
fn intact_instances(netlist: &Netlist) -> (Vec<bool>, Vec<Vec<CellId>>) {
    let instances = netlist.instances();
    let mut members: Vec<Vec<CellId>> = vec![Vec::new(); instances.len()];
    for cell in netlist.cells() {
        if let Some(i) = netlist.cell(cell).instance {
            if let Some(list) = members.get_mut(i.index()) {
                list.push(cell);
            }
        }
    }
    let intact = instances
        .iter()
        .zip(&members)
        .enumerate()
        .map(|(i, (instance, cells))| {
            let mine = |cell: Option<CellId>| {
                cell.is_some_and(|c| netlist.cell(c).instance.is_some_and(|k| k.index() == i))
            };
            let pins: FxHashSet<NetId> = instance.pins.iter().map(|p| p.net).collect();
            let pins_fit = instance.pins.iter().all(|p| {
                let driven = mine(netlist.net_driver(p.net)) && netlist.driver_count(p.net) == 1;
                driven == (p.direction == crate::netlist::PinDirection::Output)
            });
            pins_fit
                && cells.iter().all(|&cell| {
                    let inputs_fit = netlist
                        .cell_inputs(cell)
                        .iter()
                        .all(|&n| pins.contains(&n) || mine(netlist.net_driver(n)));
                    let output_fits = netlist.cell_output(cell).is_none_or(|n| {
                        pins.contains(&n)
                            || netlist.net_sinks(n).iter().all(|&(c, _)| mine(Some(c)))
                    });
                    let controls_fit = match &netlist.cell(cell).kind {
                        CellKind::Flop(info) => [info.clock, info.clear, info.preset]
                            .into_iter()
                            .flatten()
                            .all(|n| pins.contains(&n)),
                        _ => true,
                    };
                    inputs_fit && output_fits && controls_fit
                })
        })
        .collect();
    (intact, members)
}

/// The names [`write_verilog_cells`] writes cells under, as `(cell, name)` in cell order, not
/// escaped: every primitive it writes (named as [`instance_names`] does, avoiding the names of
/// the instances it writes) and every flip-flop of an instance it writes as its library cell,
/// under the instance's name (the name reading the file back gives the flip-flop). Chain files
/// and testbenches name flip-flops this way.
pub fn cell_instance_names(netlist: &Netlist) -> Vec<(CellId, String)> {
    let (intact, _) = intact_instances(netlist);
    let in_intact = |cell: CellId| {
        netlist.cell(cell).instance.is_some_and(|i| intact.get(i.index()).copied() == Some(true))
    };
    let mut taken: FxHashSet<String> =
        netlist.nets().map(|n| netlist.net_name(n).to_string()).collect();
    for (instance, _) in netlist.instances().iter().zip(&intact).filter(|(_, &ok)| ok) {
        taken.insert(instance.name.clone());
    }
    let mut names = Vec::new();
    for cell in netlist.cells() {
        let data = netlist.cell(cell);
        if in_intact(cell) {
            if let (CellKind::Flop(_), Some(i)) = (&data.kind, data.instance) {
                names.push((cell, netlist.instances()[i.index()].name.clone()));
            }
            continue;
        }
        if netlist.cell_output(cell).is_none() || !is_named_primitive(&data.kind) {
            continue;
        }
        let mut name = data.name.to_string();
        while taken.contains(&name) {
            name.push_str("_i");
        }
        taken.insert(name.clone());
        names.push((cell, name));
    }
    names
}

/// Whether a primitive of this kind is written as a named instance (constants and
/// multiplexers are `assign`s, ports are declarations).
fn is_named_primitive(kind: &CellKind) -> bool {
    match kind {
        CellKind::Input | CellKind::Output => false,
        CellKind::Flop(_) => true,
        CellKind::Gate(kind) => !matches!(
            kind,
            GateKind::Const0
                | GateKind::Const1
                | GateKind::ConstX
                | GateKind::Input
                | GateKind::Mux
        ),
    }
}

/// Writes the netlist as one flat structural Verilog module that keeps its standard cells:
/// every instance of a library cell is written as an instance of that cell with named pin
/// connections (`sky130_fd_sc_hd__sdfxtp_1 _42_ (.CLK(clk), .D(n1), ...);`), and only the
/// primitives that belong to no instance (the multiplexers and buffers scan insertion adds, the
/// gates of a mixed netlist) are written as [`write_verilog`] writes them. Read the file back
/// with the same Liberty library. An output pin whose net only the cell itself uses is left
/// unconnected (`.Q()`), as reading leaves it; an instance whose decomposition was edited inside
/// is written as its primitives (see [`cell_instance_names`] for the names; a simulator then
/// needs [`flop_models`] for its flip-flop). Runs of ports named `base[i]` with consecutive
/// indices are written as one vector port, as the design had them.
///
/// The nets declared are the ones written connections use, so the internal nets of the cells'
/// decompositions do not appear.
pub fn write_verilog_cells(netlist: &Netlist) -> String {
    let (intact, members) = intact_instances(netlist);
    let mut out = String::new();
    let (ports, bits) = write_header_with_buses(netlist, &mut out);
    let net_ref = |n: NetId| {
        let name = netlist.net_name(n);
        bits.get(name).cloned().unwrap_or_else(|| verilog_identifier(name))
    };
    let names: FxHashMap<CellId, String> = cell_instance_names(netlist).into_iter().collect();
    let instances = netlist.instances();
    let mine = |net: NetId, i: usize| {
        netlist
            .net_sinks(net)
            .iter()
            .all(|&(c, _)| netlist.cell(c).instance.is_some_and(|k| k.index() == i))
    };
    // The body first, to know which nets it uses.
    let mut body = String::new();
    let mut used: FxHashSet<NetId> = FxHashSet::default();
    let write_instance = |i: usize, body: &mut String, used: &mut FxHashSet<NetId>| {
        let instance = &instances[i];
        let pins: Vec<String> = instance
            .pins
            .iter()
            .map(|p| {
                let unconnected = p.direction == crate::netlist::PinDirection::Output
                    && netlist.net_data(p.net).internal
                    && mine(p.net, i);
                if unconnected {
                    format!(".{}()", verilog_identifier(&p.name))
                } else {
                    used.insert(p.net);
                    format!(".{}({})", verilog_identifier(&p.name), net_ref(p.net))
                }
            })
            .collect();
        let _ = writeln!(
            body,
            "  {} {} ({});",
            verilog_identifier(&instance.cell_type),
            verilog_identifier(&instance.name),
            pins.join(", ")
        );
    };
    for cell in netlist.cells() {
        let data = netlist.cell(cell);
        if let Some(i) = data.instance.map(|i| i.index()).filter(|&i| intact.get(i) == Some(&true))
        {
            // An instance goes where its flip-flop is (so flip-flops keep their order when the
            // file is read back), else where its first primitive is.
            let anchor = members[i]
                .iter()
                .copied()
                .find(|&c| matches!(netlist.cell(c).kind, CellKind::Flop(_)))
                .or_else(|| members[i].first().copied());
            if anchor == Some(cell) {
                write_instance(i, &mut body, &mut used);
            }
            continue;
        }
        if netlist.cell_output(cell).is_some() {
            used.extend(netlist.cell_output(cell));
            used.extend(netlist.cell_inputs(cell));
            if let CellKind::Flop(info) = &data.kind {
                used.extend([info.clock, info.clear, info.preset].into_iter().flatten());
            }
        }
        write_primitive(netlist, cell, names.get(&cell).map(String::as_str), &net_ref, &mut body);
    }
    // Instances without primitives (fillers, tap cells, diodes) last.
    for i in 0..instances.len() {
        if intact[i] && members[i].is_empty() {
            write_instance(i, &mut body, &mut used);
        }
    }
    for net in netlist.nets() {
        let name = netlist.net_name(net);
        if used.contains(&net) && !ports.contains(name) {
            let _ = writeln!(out, "  wire {};", verilog_identifier(name));
        }
    }
    out.push_str(&body);
    out.push_str("endmodule\n");
    out
}

/// `base` and `index` of a bus bit name `base[index]`.
fn bus_bit(name: &str) -> Option<(&str, i64)> {
    let open = name.find('[')?;
    let index = name[open + 1..].strip_suffix(']')?.parse().ok()?;
    (open > 0).then(|| (&name[..open], index))
}

/// Like [`write_header`], but runs of ports named `base[i]` with consecutive indices and the
/// same direction become one vector port `base` (as the design had them, and as testbenches
/// of an external netlist connect them); returns the port names and, for each such bit, how
/// the module refers to it (`base[i]`, where `\base[i] ` would be another signal).
fn write_header_with_buses<'n>(
    netlist: &'n Netlist,
    out: &mut String,
) -> (FxHashSet<&'n str>, FxHashMap<&'n str, String>) {
    struct Port {
        name: String,
        range: Option<(i64, i64)>,
        input: bool,
    }
    let mut ports: Vec<Port> = Vec::new();
    let mut names: FxHashSet<&str> = FxHashSet::default();
    let mut bits: FxHashMap<&str, String> = FxHashMap::default();
    let mut bus_of: FxHashMap<&str, usize> = FxHashMap::default();
    let cells = netlist.inputs().iter().map(|&c| (c, true));
    for (cell, input) in cells.chain(netlist.outputs().iter().map(|&c| (c, false))) {
        let name = netlist.cell(cell).name.as_str();
        if !names.insert(name) {
            continue;
        }
        // A base that is itself a net stays scalar bits.
        let bit = bus_bit(name).filter(|(base, _)| netlist.find_net(base).is_none());
        if let Some((base, index)) = bit {
            let extends = bus_of.get(base).copied().filter(|&p| {
                let port = &ports[p];
                port.range.is_some_and(|(left, right)| {
                    let step = if right >= left { 1 } else { -1 };
                    port.input == input
                        && (right == left || index - right == step)
                        && (index - right).abs() == 1
                })
            });
            match extends {
                Some(p) => {
                    if let Some((_, right)) = &mut ports[p].range {
                        *right = index;
                    }
                    bits.insert(name, format!("{}[{index}]", ports[p].name));
                    continue;
                }
                None if !bus_of.contains_key(base) => {
                    bus_of.insert(base, ports.len());
                    let port_name = verilog_identifier(base);
                    bits.insert(name, format!("{port_name}[{index}]"));
                    ports.push(Port { name: port_name, range: Some((index, index)), input });
                    continue;
                }
                None => {}
            }
        }
        ports.push(Port { name: verilog_identifier(name), range: None, input });
    }
    let _ = writeln!(out, "// {} written by the atpg toolkit", netlist.name());
    let list: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(out, "module {} ({});", verilog_identifier(netlist.name()), list.join(", "));
    for input in [true, false] {
        for port in ports.iter().filter(|p| p.input == input) {
            let direction = if input { "input" } else { "output" };
            match port.range {
                Some((left, right)) => {
                    let _ = writeln!(out, "  {direction} [{left}:{right}] {};", port.name);
                }
                None => {
                    let _ = writeln!(out, "  {direction} {};", port.name);
                }
            }
        }
    }
    (names, bits)
}

/// Writes the comment line, the module header and the port declarations; returns the port
/// names.
fn write_header<'n>(netlist: &'n Netlist, out: &mut String) -> FxHashSet<&'n str> {
    let id = |name: &str| verilog_identifier(name);
    let _ = writeln!(out, "// {} written by the atpg toolkit", netlist.name());
    let mut ports: Vec<String> = Vec::new();
    let mut port_nets = FxHashSet::default();
    for &p in netlist.inputs().iter().chain(netlist.outputs()) {
        let name = &netlist.cell(p).name;
        if port_nets.insert(name.as_str()) {
            ports.push(id(name));
        }
    }
    let _ = writeln!(out, "module {} ({});", id(netlist.name()), ports.join(", "));
    let mut declared = FxHashSet::default();
    for &p in netlist.inputs() {
        let name = &netlist.cell(p).name;
        if declared.insert(name.as_str()) {
            let _ = writeln!(out, "  input {};", id(name));
        }
    }
    for &p in netlist.outputs() {
        let name = &netlist.cell(p).name;
        if declared.insert(name.as_str()) {
            let _ = writeln!(out, "  output {};", id(name));
        }
    }
    declared
}

/// Writes one primitive cell (gate, constant, multiplexer or flip-flop; ports write nothing)
/// under the instance name `name`.
fn write_primitive(
    netlist: &Netlist,
    cell: CellId,
    name: Option<&str>,
    net: &dyn Fn(NetId) -> String,
    out: &mut String,
) {
    let id = |name: &str| verilog_identifier(name);
    let data = netlist.cell(cell);
    let Some(output) = netlist.cell_output(cell) else { return };
    let inputs = netlist.cell_inputs(cell);
    let o = net(output);
    let args: Vec<String> = inputs.iter().map(|&n| net(n)).collect();
    let name = name.map(id).unwrap_or_default();
    match &data.kind {
        CellKind::Input | CellKind::Output => {}
        CellKind::Flop(info) => {
            let (cell_type, controls) = flop_cell(info);
            let clock = info.clock.map(net).unwrap_or_default();
            let controls: String =
                controls.iter().map(|(pin, n)| format!(".{pin}({}), ", net(*n))).collect();
            let _ = writeln!(
                out,
                "  {} {name} (.C({clock}), {controls}.D({}), .Q({o}));",
                id(&cell_type),
                args[0]
            );
        }
        CellKind::Gate(kind) => {
            let primitive = match kind {
                GateKind::Const0 | GateKind::Const1 | GateKind::ConstX | GateKind::Input => {
                    let value = match kind {
                        GateKind::Const0 => "1'b0",
                        GateKind::Const1 => "1'b1",
                        _ => "1'bx",
                    };
                    let _ = writeln!(out, "  assign {o} = {value};");
                    return;
                }
                GateKind::Mux => {
                    let _ =
                        writeln!(out, "  assign {o} = {} ? {} : {};", args[0], args[2], args[1]);
                    return;
                }
                GateKind::Buf => "buf",
                GateKind::Not => "not",
                GateKind::And => "and",
                GateKind::Nand => "nand",
                GateKind::Or => "or",
                GateKind::Nor => "nor",
                GateKind::Xor => "xor",
                GateKind::Xnor => "xnor",
            };
            let _ = writeln!(out, "  {primitive} {name} ({o}, {});", args.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{parse_verilog, VerilogOptions};

    /// Flip-flops with every combination of asynchronous clear and preset and their polarities.
    fn controlled_flops() -> Netlist {
        let mut netlist = Netlist::new("controls");
        let net = |n: &mut Netlist, name: &str| {
            let net = n.net(name);
            n.add_input(net);
            net
        };
        let (clk, d, rst, rst_n, set, set_n) = (
            net(&mut netlist, "clk"),
            net(&mut netlist, "d"),
            net(&mut netlist, "rst"),
            net(&mut netlist, "rst_n"),
            net(&mut netlist, "set"),
            net(&mut netlist, "set_n"),
        );
        let cases = [
            (None, None, false, false, false),
            (Some(rst), None, false, false, false),
            (Some(rst_n), None, true, false, true),
            (None, Some(set), false, false, false),
            (None, Some(set_n), false, true, true),
            (Some(rst_n), Some(set), true, false, false),
            (Some(rst), Some(set_n), false, true, true),
        ];
        for (i, (clear, preset, clear_active_low, preset_active_low, falling)) in
            cases.into_iter().enumerate()
        {
            let q = netlist.net(&format!("q{i}"));
            let info = FlopInfo {
                clock: Some(clk),
                clock_inverted: falling,
                clear,
                preset,
                clear_active_low,
                preset_active_low,
                ..FlopInfo::default()
            };
            netlist.add_flop(format!("ff{i}"), d, q, info);
            netlist.add_output(q);
        }
        netlist
    }

    /// Each flip-flop's Q, clock, clear, preset and polarities, as text.
    fn flop_infos(netlist: &Netlist) -> Vec<String> {
        netlist
            .flops()
            .iter()
            .map(|&f| {
                let CellKind::Flop(info) = &netlist.cell(f).kind else { unreachable!() };
                let name = |n: Option<NetId>| n.map(|n| netlist.net_name(n).to_string());
                let fields = (
                    netlist.net_name(netlist.cell_output(f).expect("Q")).to_string(),
                    name(info.clock).unwrap_or_default(),
                    name(info.clear),
                    name(info.preset),
                    info.clear_active_low,
                    info.preset_active_low,
                    info.clock_inverted,
                );
                format!("{fields:?}")
            })
            .collect()
    }

    #[test]
    fn asynchronous_clear_and_preset_survive_writing() {
        let netlist = controlled_flops();
        let text = write_verilog(&netlist);
        assert!(text.contains("\\$_DFF_NN0_  ff2 (.C(clk), .R(rst_n), .D(d), .Q(q2));"), "{text}");
        assert!(
            text.contains("\\$_DFFSR_NNP_  ff6 (.C(clk), .S(set_n), .R(rst), .D(d), .Q(q6));"),
            "{text}"
        );
        let back =
            parse_verilog(&text, "controls.v", &VerilogOptions::default()).expect("reads back");
        assert_eq!(flop_infos(&back), flop_infos(&netlist));
        // Every cell the netlist uses has a model, each written once.
        let models = flop_models(&netlist);
        for cell in [
            "$_DFF_P_",
            "$_DFF_PP0_",
            "$_DFF_NN0_",
            "$_DFF_PP1_",
            "$_DFF_NN1_",
            "$_DFFSR_PPN_",
            "$_DFFSR_NNP_",
        ] {
            assert_eq!(
                models.matches(&format!("module \\{cell} (")).count(),
                1,
                "{cell}:\n{models}"
            );
        }
        assert!(models.contains("always @(negedge C, negedge S, posedge R)"), "{models}");
        assert_eq!(flop_model("$_DFF_X_"), None);
    }
}
