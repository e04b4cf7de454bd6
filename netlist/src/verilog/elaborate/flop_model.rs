//! Flip-flop models: user modules that describe a D flip-flop (behaviourally, at switch level,
//! or just by being called `dff`) are mapped to one flip-flop cell instead of being elaborated.
//!
//! The ISCAS-89 Verilog files define `module dff (CK,Q,D)` either as
//! `always @(posedge CK) Q <= D;` or as a transistor-level latch pair, and four of them use
//! `dff` without defining it (one of those with only Q and D connected); all map to the same
//! flip-flop.
//!
//! Pins come from the `always` block when there is one (its clock, target and value);
//! otherwise by name: data `D`/`DATA`, output `Q`, clock `CK`/`CLK`/`C`/`CP`/`CLOCK` (any case),
//! and optionally an inverted output `QN`/`QB`/`Q_N`, driven through an inverter. Supply pins
//! (`VDD`, `GND`, `VSS`, ...) are ignored. Any other pin makes the module unrecognisable.

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};

use super::super::ast::{Connections, DeclKind, Direction, Expr as Ast, Instance, Module};
use super::signals::Scope;
use super::Elaborator;
use crate::error::{ParseError, SourcePos};
use crate::gate::GateKind;
use crate::netlist::{FlopInfo, NetId};

/// What a pin of a flip-flop model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FlopRole {
    /// Data input.
    Data,
    /// True output.
    Q,
    /// Inverted output.
    QN,
    /// Clock.
    Clock,
    /// A supply pin, not connected to anything.
    Ignored,
}

/// A recognised flip-flop model.
#[derive(Debug, Clone)]
pub(super) struct FlopModel<'a> {
    /// The ports in port-list order with their roles.
    pub ports: Vec<(&'a str, FlopRole)>,
    /// Captures on the falling edge.
    pub negedge: bool,
}

/// The ISCAS-89 `dff` used by files that do not define it: `dff (CK, Q, D)`, or `dff (Q, D)`
/// when an instance has two positional connections (s1196.v has no clock).
pub(super) fn iscas_dff(positional_connections: Option<usize>) -> FlopModel<'static> {
    let ports = match positional_connections {
        Some(2) => vec![("Q", FlopRole::Q), ("D", FlopRole::Data)],
        _ => vec![("CK", FlopRole::Clock), ("Q", FlopRole::Q), ("D", FlopRole::Data)],
    };
    FlopModel { ports, negedge: false }
}

/// Whether a module should be mapped to a flip-flop if its pins allow: it is called `dff`, or
/// it contains behavioural or transistor-level code that could not be elaborated anyway.
pub(super) fn is_flop_candidate(m: &Module<'_>) -> bool {
    m.name.text.eq_ignore_ascii_case("dff") || m.behavioural.is_some() || m.switch_level.is_some()
}

/// Why a module that looks like a flip-flop cannot be mapped, or its model.
pub(super) fn recognise<'a>(m: &Module<'a>) -> Result<FlopModel<'a>, String> {
    let mut directions: FxHashMap<&str, (Direction, bool)> = FxHashMap::default();
    for d in &m.decls {
        if let DeclKind::Port(dir) = d.kind {
            directions.entry(d.name.text).or_insert((dir, d.range.is_some()));
        }
    }
    let direction = |name: &str| directions.get(name).copied();
    let from_always = match m.always_flops[..] {
        [flop] if m.other_process.is_none() && m.items.is_empty() => Some(flop),
        [] if m.process_count == 0 => None,
        _ => {
            return Err(match m.other_process {
                Some((pos, what)) => {
                    format!("its {what} at {pos} is not a plain `always @(posedge CK) Q <= D;`")
                }
                None if m.always_flops.len() > 1 => "it has several `always` blocks".to_string(),
                None => "it has logic besides its `always` block".to_string(),
            })
        }
    };
    let mut ports = Vec::with_capacity(m.ports.len());
    for port in &m.ports {
        let name = port.text;
        let Some((dir, vector)) = direction(name) else {
            return Err(format!("port `{name}` has no direction"));
        };
        if vector {
            return Err(format!("port `{name}` is a vector"));
        }
        let lower = name.to_ascii_lowercase();
        let role = match (dir, from_always) {
            (Direction::Input, Some(f)) if f.clock.text == name => FlopRole::Clock,
            (Direction::Input, Some(f)) if f.d.text == name => FlopRole::Data,
            (Direction::Output, Some(f)) if f.q.text == name => FlopRole::Q,
            (Direction::Input, None) if matches!(lower.as_str(), "d" | "data") => FlopRole::Data,
            (Direction::Input, None)
                if matches!(lower.as_str(), "ck" | "clk" | "c" | "cp" | "clock") =>
            {
                FlopRole::Clock
            }
            (Direction::Output, None) if lower == "q" => FlopRole::Q,
            (Direction::Output, _)
                if matches!(lower.as_str(), "qn" | "qb" | "qbar" | "q_n" | "nq") =>
            {
                FlopRole::QN
            }
            (Direction::Input | Direction::Inout, _)
                if matches!(
                    lower.as_str(),
                    "vdd" | "vss" | "gnd" | "vcc" | "vpwr" | "vgnd" | "vpb" | "vnb"
                ) =>
            {
                FlopRole::Ignored
            }
            _ => return Err(format!("port `{name}` is not a D, Q, QN, clock or supply pin")),
        };
        if ports.iter().any(|&(_, r)| r == role && role != FlopRole::Ignored) {
            return Err(format!("port `{name}` duplicates another pin's role"));
        }
        ports.push((name, role));
    }
    for (role, what) in
        [(FlopRole::Data, "data (D)"), (FlopRole::Q, "output (Q)"), (FlopRole::Clock, "clock (CK)")]
    {
        if !ports.iter().any(|&(_, r)| r == role) {
            if let Some(f) = from_always {
                return Err(format!(
                    "its `always` block uses `{}`, `{}` and `{}`, which are not all ports",
                    f.clock.text, f.q.text, f.d.text
                ));
            }
            return Err(format!("no {what} pin found"));
        }
    }
    Ok(FlopModel { ports, negedge: from_always.is_some_and(|f| f.negedge) })
}

impl<'a> Elaborator<'a, '_> {
    /// An instance of a flip-flop model (a `dff` module or the built-in ISCAS-89 one).
    pub(super) fn flop_instance(
        &mut self,
        scope: &mut Scope<'a>,
        inst: &Instance<'a>,
        model: &FlopModel<'_>,
    ) -> Result<(), ParseError> {
        let name = self.instance_name(scope, inst.name.text);
        let mut pairs: Vec<(FlopRole, &Ast<'a>)> = Vec::with_capacity(model.ports.len());
        match &inst.connections {
            Connections::Positional(list) => {
                if list.len() > model.ports.len() {
                    return Err(self.error(
                        scope.file,
                        inst.name.pos,
                        format!(
                            "too many connections for `{}`: {} given, flip-flop `{}` has {} ports",
                            inst.name.text,
                            list.len(),
                            inst.cell.text,
                            model.ports.len()
                        ),
                    ));
                }
                pairs.extend(
                    model
                        .ports
                        .iter()
                        .zip(list)
                        .filter_map(|(&(_, role), e)| e.as_ref().map(|e| (role, e))),
                );
            }
            Connections::Named(list) => {
                let mut seen: FxHashSet<&str> = FxHashSet::default();
                for (pin, e) in list {
                    let Some(&(_, role)) = model.ports.iter().find(|(p, _)| *p == pin.text) else {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("flip-flop `{}` has no port `{}`", inst.cell.text, pin.text),
                        ));
                    };
                    if !seen.insert(pin.text) {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("port `{}` is connected twice", pin.text),
                        ));
                    }
                    if let Some(e) = e {
                        pairs.push((role, e));
                    }
                }
            }
        }
        let mut nets = FlopNets::default();
        for (role, e) in pairs {
            let net = match role {
                FlopRole::Data | FlopRole::Clock => {
                    self.input_net(scope, e, "a flip-flop pin", &name)?
                }
                FlopRole::Q | FlopRole::QN => self.lvalue_scalar(scope, e, "a flip-flop output")?,
                FlopRole::Ignored => continue,
            };
            nets.set(role, net);
        }
        self.make_flop(name, inst.name.pos, nets, model.negedge);
        Ok(())
    }

    /// Adds a D flip-flop (plus an inverter for a QN output).
    pub(super) fn make_flop(
        &mut self,
        name: CompactString,
        pos: SourcePos,
        nets: FlopNets,
        negedge: bool,
    ) {
        let d = match nets.d {
            Some(d) => d,
            None => {
                self.netlist.warn(
                    Some(pos),
                    format!("flip-flop `{name}` has no data input connected; it captures X"),
                );
                self.const_net(GateKind::ConstX)
            }
        };
        let q = match nets.q {
            Some(q) => q,
            None => self.netlist.add_internal_net(&format!("{name}/Q")),
        };
        let qn = nets.qn;
        let info = FlopInfo { clock: nets.clock, clock_inverted: negedge, ..FlopInfo::default() };
        let cell = self.netlist.add_flop(name.clone(), d, q, info);
        self.netlist.set_cell_pos(cell, pos);
        if let Some(qn) = qn {
            let inv = self.netlist.add_gate(format!("{name}/QN"), GateKind::Not, &[q], qn);
            self.netlist.set_cell_pos(inv, pos);
        }
    }
}

/// The nets connected to a flip-flop model's pins.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FlopNets {
    d: Option<NetId>,
    q: Option<NetId>,
    qn: Option<NetId>,
    clock: Option<NetId>,
}

impl FlopNets {
    /// Records the net on the pin of `role`.
    pub(super) fn set(&mut self, role: FlopRole, net: NetId) {
        match role {
            FlopRole::Data => self.d = Some(net),
            FlopRole::Q => self.q = Some(net),
            FlopRole::QN => self.qn = Some(net),
            FlopRole::Clock => self.clock = Some(net),
            FlopRole::Ignored => {}
        }
    }
}
