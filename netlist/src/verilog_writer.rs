//! Structural Verilog writer.
//!
//! Writes one flat module: gate primitives (`and`, `nand`, ..., `buf`, `not`), `assign` for
//! constants and multiplexers, and Yosys `$_DFF_P_` / `$_DFF_N_` cells for flip-flops (an unknown
//! clock is left unconnected). Names that are not plain Verilog identifiers are escaped (`\1 `).
//! Standard-cell instances are written as their primitive decomposition. The reader in
//! [`crate::verilog`] reads all of this back into the same structure.
//!
//! To simulate a written netlist, compile it with [`FLOP_MODELS`] (or Yosys' `simcells.v`),
//! which define the two flip-flop cells; [`instance_names`] gives the name each flip-flop and
//! gate is written under, for hierarchical references from a testbench.

use std::fmt::Write;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::gate::GateKind;
use crate::netlist::{CellId, CellKind, Netlist};

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

/// Verilog models of the flip-flop cells [`write_verilog`] uses (`$_DFF_P_`, `$_DFF_N_`, with
/// the ports of Yosys' `simcells.v`). The state is the register `Q`.
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
        let named = match &data.kind {
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
        };
        if !named {
            continue;
        }
        let mut name = data.name.clone();
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
    let id = |name: &str| verilog_identifier(name);
    let mut out = String::new();
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
    for net in netlist.nets() {
        let name = netlist.net_name(net);
        if !declared.contains(name) {
            let _ = writeln!(out, "  wire {};", id(name));
        }
    }
    let names: FxHashMap<CellId, String> = instance_names(netlist).into_iter().collect();
    let instance_name = |cell: CellId| names.get(&cell).map_or_else(String::new, |n| id(n));
    for cell in netlist.cells() {
        let data = netlist.cell(cell);
        let Some(output) = netlist.cell_output(cell) else { continue };
        let inputs = netlist.cell_inputs(cell);
        let o = id(netlist.net_name(output));
        let args: Vec<String> = inputs.iter().map(|&n| id(netlist.net_name(n))).collect();
        match &data.kind {
            CellKind::Input | CellKind::Output => {}
            CellKind::Flop(info) => {
                let cell_type = if info.clock_inverted { "\\$_DFF_N_ " } else { "\\$_DFF_P_ " };
                let clock = info.clock.map(|c| id(netlist.net_name(c))).unwrap_or_default();
                let name = instance_name(cell);
                let _ =
                    writeln!(out, "  {cell_type} {name} (.C({clock}), .D({}), .Q({o}));", args[0]);
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
                        continue;
                    }
                    GateKind::Mux => {
                        let _ = writeln!(
                            out,
                            "  assign {o} = {} ? {} : {};",
                            args[0], args[2], args[1]
                        );
                        continue;
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
                let name = instance_name(cell);
                let _ = writeln!(out, "  {primitive} {name} ({o}, {});", args.join(", "));
            }
        }
    }
    out.push_str("endmodule\n");
    out
}
