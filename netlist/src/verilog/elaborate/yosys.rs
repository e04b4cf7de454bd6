//! Yosys internal cells (`\$_AND_`, `\$_MUX_`, `\$_DFF_PP0_`, ...), as `write_verilog -noexpr`
//! leaves them, mapped to primitive gates and flip-flops.
//!
//! Names follow Yosys' `simcells.v`: `$_DFF_{C}{R}{V}_` has clock polarity C, reset polarity R
//! and reset value V (`P`/`N`, `0`/`1`); `E` is an enable polarity. Positional connections use
//! the port orders of `simcells.v`. Enables and synchronous resets become multiplexers in front
//! of the flip-flop's D input (`D' = E ? D : Q`), so the flip-flop itself stays a plain D
//! flip-flop. Asynchronous resets go to [`crate::FlopInfo`]'s `clear` (value 0) or `preset`
//! (value 1), with their polarity.

use compact_str::CompactString;

use super::super::ast::{Connections, Expr as Ast, Instance};
use super::signals::Scope;
use super::Elaborator;
use crate::error::{ParseError, SourcePos};
use crate::gate::GateKind;
use crate::netlist::{FlopInfo, NetId};

/// What an internal cell computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CellFunction {
    /// One gate over `A` (and `B`), optionally with `B` inverted first (`ANDNOT`, `ORNOT`).
    Gate { kind: GateKind, two_inputs: bool, invert_b: bool },
    /// `Y = S ? B : A`, optionally inverted.
    Mux { inverted: bool },
    /// `AOI3`/`OAI3`/`AOI4`/`OAI4`.
    AndOrInvert { aoi: bool, four: bool },
    /// Three-state buffer `Y = E ? A : z`, modelled as a buffer.
    TriBuffer,
    /// A flip-flop or latch.
    Flop(FlopSpec),
}

/// A sequential cell's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FlopSpec {
    /// A latch (`$_DLATCH_`): the "clock" is the enable `E`.
    pub latch: bool,
    /// Clock (or latch enable) active low.
    pub clock_negative: bool,
    /// Asynchronous reset pin `R` with this reset value.
    pub async_reset: Option<bool>,
    /// Asynchronous set `S` and reset `R` pins (`$_DFFSR_`).
    pub set_reset: bool,
    /// The asynchronous reset `R` is active low.
    pub reset_negative: bool,
    /// The asynchronous set `S` is active low.
    pub set_negative: bool,
    /// Enable pin `E`, `true` when active low.
    pub enable_negative: Option<bool>,
    /// Synchronous reset pin `R`: (active low, reset value).
    pub sync_reset: Option<(bool, bool)>,
    /// For synchronous reset with enable: reset wins over a disabled clock (`$_SDFFE_`) rather
    /// than acting only when enabled (`$_SDFFCE_`).
    pub reset_over_enable: bool,
}

/// A recognised internal cell: its function and its pins in positional order.
#[derive(Debug, Clone, Copy)]
pub(super) struct InternalCell {
    /// What it computes.
    pub function: CellFunction,
    /// Pin names in `simcells.v` order.
    pub pins: &'static [&'static str],
}

impl InternalCell {
    /// Whether `pin` is an output.
    pub(super) fn is_output(pin: &str) -> bool {
        matches!(pin, "Y" | "Q")
    }
}

/// Recognises a cell name such as `$_DFFE_PN0P_`.
pub(super) fn lookup(name: &str) -> Option<InternalCell> {
    let inner = name.strip_prefix("$_")?.strip_suffix('_')?;
    let (base, params) = match inner.split_once('_') {
        Some((b, p)) => (b, p),
        None => (inner, ""),
    };
    let gate = |kind, two_inputs, invert_b| {
        let pins: &'static [&'static str] = if two_inputs { &["A", "B", "Y"] } else { &["A", "Y"] };
        Some(InternalCell { function: CellFunction::Gate { kind, two_inputs, invert_b }, pins })
    };
    if params.is_empty() {
        return match base {
            "AND" => gate(GateKind::And, true, false),
            "NAND" => gate(GateKind::Nand, true, false),
            "OR" => gate(GateKind::Or, true, false),
            "NOR" => gate(GateKind::Nor, true, false),
            "XOR" => gate(GateKind::Xor, true, false),
            "XNOR" => gate(GateKind::Xnor, true, false),
            "ANDNOT" => gate(GateKind::And, true, true),
            "ORNOT" => gate(GateKind::Or, true, true),
            "NOT" => gate(GateKind::Not, false, false),
            "BUF" => gate(GateKind::Buf, false, false),
            "MUX" => Some(InternalCell {
                function: CellFunction::Mux { inverted: false },
                pins: &["A", "B", "S", "Y"],
            }),
            "NMUX" => Some(InternalCell {
                function: CellFunction::Mux { inverted: true },
                pins: &["A", "B", "S", "Y"],
            }),
            "AOI3" => Some(InternalCell {
                function: CellFunction::AndOrInvert { aoi: true, four: false },
                pins: &["A", "B", "C", "Y"],
            }),
            "OAI3" => Some(InternalCell {
                function: CellFunction::AndOrInvert { aoi: false, four: false },
                pins: &["A", "B", "C", "Y"],
            }),
            "AOI4" => Some(InternalCell {
                function: CellFunction::AndOrInvert { aoi: true, four: true },
                pins: &["A", "B", "C", "D", "Y"],
            }),
            "OAI4" => Some(InternalCell {
                function: CellFunction::AndOrInvert { aoi: false, four: true },
                pins: &["A", "B", "C", "D", "Y"],
            }),
            "TBUF" => {
                Some(InternalCell { function: CellFunction::TriBuffer, pins: &["A", "E", "Y"] })
            }
            _ => None,
        };
    }
    let p: Vec<char> = params.chars().collect();
    let polarity = |c: char| match c {
        'P' => Some(false),
        'N' => Some(true),
        _ => None,
    };
    let value = |c: char| match c {
        '0' => Some(false),
        '1' => Some(true),
        _ => None,
    };
    let plain = FlopSpec {
        latch: false,
        clock_negative: false,
        async_reset: None,
        set_reset: false,
        reset_negative: false,
        set_negative: false,
        enable_negative: None,
        sync_reset: None,
        reset_over_enable: true,
    };
    let (spec, pins): (FlopSpec, &'static [&'static str]) = match (base, p.len()) {
        ("DFF", 1) => (FlopSpec { clock_negative: polarity(p[0])?, ..plain }, &["D", "C", "Q"]),
        ("DFF", 3) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                async_reset: Some(value(p[2])?),
                reset_negative: polarity(p[1])?,
                ..plain
            },
            &["D", "C", "R", "Q"],
        ),
        ("DFFE", 2) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                enable_negative: Some(polarity(p[1])?),
                ..plain
            },
            &["D", "C", "E", "Q"],
        ),
        ("DFFE", 4) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                async_reset: Some(value(p[2])?),
                reset_negative: polarity(p[1])?,
                enable_negative: Some(polarity(p[3])?),
                ..plain
            },
            &["D", "C", "R", "E", "Q"],
        ),
        ("SDFF", 3) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                sync_reset: Some((polarity(p[1])?, value(p[2])?)),
                ..plain
            },
            &["D", "C", "R", "Q"],
        ),
        ("SDFFE" | "SDFFCE", 4) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                sync_reset: Some((polarity(p[1])?, value(p[2])?)),
                enable_negative: Some(polarity(p[3])?),
                reset_over_enable: base == "SDFFE",
                ..plain
            },
            &["D", "C", "R", "E", "Q"],
        ),
        ("DFFSR", 3) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                set_reset: true,
                set_negative: polarity(p[1])?,
                reset_negative: polarity(p[2])?,
                ..plain
            },
            &["C", "S", "R", "D", "Q"],
        ),
        ("DFFSRE", 4) => (
            FlopSpec {
                clock_negative: polarity(p[0])?,
                set_reset: true,
                set_negative: polarity(p[1])?,
                reset_negative: polarity(p[2])?,
                enable_negative: Some(polarity(p[3])?),
                ..plain
            },
            &["C", "S", "R", "E", "D", "Q"],
        ),
        ("DLATCH", 1) => {
            (FlopSpec { latch: true, clock_negative: polarity(p[0])?, ..plain }, &["E", "D", "Q"])
        }
        ("DLATCH", 3) => (
            FlopSpec {
                latch: true,
                clock_negative: polarity(p[0])?,
                async_reset: Some(value(p[2])?),
                reset_negative: polarity(p[1])?,
                ..plain
            },
            &["E", "R", "D", "Q"],
        ),
        ("DLATCHSR", 3) => (
            FlopSpec {
                latch: true,
                clock_negative: polarity(p[0])?,
                set_reset: true,
                set_negative: polarity(p[1])?,
                reset_negative: polarity(p[2])?,
                ..plain
            },
            &["E", "S", "R", "D", "Q"],
        ),
        _ => return None,
    };
    Some(InternalCell { function: CellFunction::Flop(spec), pins })
}

impl<'a> Elaborator<'a, '_> {
    /// An instance of a Yosys internal cell.
    pub(super) fn internal_cell(
        &mut self,
        scope: &mut Scope<'a>,
        inst: &Instance<'a>,
        cell: InternalCell,
    ) -> Result<(), ParseError> {
        let name = self.instance_name(scope, inst.name.text);
        let pos = inst.name.pos;
        let mut nets: [Option<NetId>; 8] = [None; 8];
        let index = |pin: &str| cell.pins.iter().position(|p| *p == pin);
        let mut pairs: Vec<(usize, &Ast<'a>)> = Vec::with_capacity(cell.pins.len());
        match &inst.connections {
            Connections::Positional(list) => {
                if list.len() > cell.pins.len() {
                    return Err(self.error(
                        scope.file,
                        pos,
                        format!(
                            "too many connections for `{}`: {} given, `{}` has {} pins",
                            inst.name.text,
                            list.len(),
                            inst.cell.text,
                            cell.pins.len()
                        ),
                    ));
                }
                pairs.extend(
                    list.iter().enumerate().filter_map(|(k, e)| e.as_ref().map(|e| (k, e))),
                );
            }
            Connections::Named(list) => {
                for (pin, e) in list {
                    let Some(k) = index(pin.text) else {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!(
                                "`{}` has no pin `{}` (pins: {})",
                                inst.cell.text,
                                pin.text,
                                cell.pins.join(", ")
                            ),
                        ));
                    };
                    if pairs.iter().any(|&(j, _)| j == k) {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("pin `{}` is connected twice", pin.text),
                        ));
                    }
                    if let Some(e) = e {
                        pairs.push((k, e));
                    }
                }
            }
        }
        for (k, e) in pairs {
            let pin = cell.pins[k];
            nets[k] = Some(if InternalCell::is_output(pin) {
                self.lvalue_scalar(scope, e, "a cell output")?
            } else {
                self.input_net(scope, e, "a cell input", &name)?
            });
        }
        let pins = CellPins { cell, nets, pos };
        match cell.function {
            CellFunction::Gate { kind, two_inputs, invert_b } => {
                let a = self.cell_pin(&pins, &name, "A");
                let y = self.cell_pin(&pins, &name, "Y");
                if !two_inputs {
                    self.positioned_gate(name, kind, &[a], y, pos);
                } else {
                    let mut b = self.cell_pin(&pins, &name, "B");
                    if invert_b {
                        let nb = self.netlist.add_internal_net(&format!("{name}/B_n"));
                        self.positioned_gate(format!("{name}/inv_b"), GateKind::Not, &[b], nb, pos);
                        b = nb;
                    }
                    self.positioned_gate(name, kind, &[a, b], y, pos);
                }
            }
            CellFunction::Mux { inverted } => {
                let a = self.cell_pin(&pins, &name, "A");
                let b = self.cell_pin(&pins, &name, "B");
                let s = self.cell_pin(&pins, &name, "S");
                let y = self.cell_pin(&pins, &name, "Y");
                if inverted {
                    let m = self.netlist.add_internal_net(&format!("{name}/mux"));
                    self.positioned_gate(format!("{name}/mux"), GateKind::Mux, &[s, a, b], m, pos);
                    self.positioned_gate(name, GateKind::Not, &[m], y, pos);
                } else {
                    self.positioned_gate(name, GateKind::Mux, &[s, a, b], y, pos);
                }
            }
            CellFunction::AndOrInvert { aoi, four } => {
                let (inner, outer) = if aoi {
                    (GateKind::And, GateKind::Nor)
                } else {
                    (GateKind::Or, GateKind::Nand)
                };
                let a = self.cell_pin(&pins, &name, "A");
                let b = self.cell_pin(&pins, &name, "B");
                let c = self.cell_pin(&pins, &name, "C");
                let y = self.cell_pin(&pins, &name, "Y");
                let t1 = self.netlist.add_internal_net(&format!("{name}/t1"));
                self.positioned_gate(format!("{name}/t1"), inner, &[a, b], t1, pos);
                let second = if four {
                    let d = self.cell_pin(&pins, &name, "D");
                    let t2 = self.netlist.add_internal_net(&format!("{name}/t2"));
                    self.positioned_gate(format!("{name}/t2"), inner, &[c, d], t2, pos);
                    t2
                } else {
                    c
                };
                self.positioned_gate(name, outer, &[t1, second], y, pos);
            }
            CellFunction::TriBuffer => {
                self.note_three_state(pos);
                let a = self.cell_pin(&pins, &name, "A");
                let y = self.cell_pin(&pins, &name, "Y");
                self.positioned_gate(name, GateKind::Buf, &[a], y, pos);
            }
            CellFunction::Flop(spec) => self.internal_flop(name, &pins, spec),
        }
        Ok(())
    }

    /// The net on pin `p` of an internal cell, if connected.
    pub(super) fn connected_pin(pins: &CellPins, p: &str) -> Option<NetId> {
        pins.cell.pins.iter().position(|q| *q == p).and_then(|k| pins.nets[k])
    }

    /// The net on pin `p` of an internal cell: unconnected outputs get a new net, unconnected
    /// inputs read X (with a warning).
    pub(super) fn cell_pin(&mut self, pins: &CellPins, name: &str, p: &str) -> NetId {
        match pins.cell.pins.iter().position(|q| *q == p).and_then(|k| pins.nets[k]) {
            Some(n) => n,
            None if InternalCell::is_output(p) => {
                self.netlist.add_internal_net(&format!("{name}/{p}"))
            }
            None => {
                self.netlist.warn(
                    Some(pins.pos),
                    format!("pin `{p}` of `{name}` is not connected; it reads X"),
                );
                self.const_net(GateKind::ConstX)
            }
        }
    }

    pub(super) fn positioned_gate(
        &mut self,
        name: impl Into<CompactString>,
        kind: GateKind,
        inputs: &[NetId],
        out: NetId,
        pos: SourcePos,
    ) {
        let c = self.netlist.add_gate(name, kind, inputs, out);
        self.netlist.set_cell_pos(c, pos);
    }

    /// A Yosys flip-flop or latch: enables and synchronous resets become multiplexers in
    /// front of D (Mux inputs are `[select, when_0, when_1]`).
    pub(super) fn internal_flop(&mut self, name: CompactString, pins: &CellPins, spec: FlopSpec) {
        let pos = pins.pos;
        let q = self.cell_pin(pins, &name, "Q");
        let mut d = self.cell_pin(pins, &name, "D");
        // Unconnected clock, set and reset pins stay unknown rather than reading X: they are
        // not data (the netlist writer leaves a missing clock unconnected).
        let clock = Self::connected_pin(pins, if spec.latch { "E" } else { "C" });
        let enable = |elab: &mut Self, d: NetId| -> NetId {
            let Some(negative) = spec.enable_negative else { return d };
            let e = elab.cell_pin(pins, &name, "E");
            let out = elab.netlist.add_internal_net(&format!("{name}/D_en"));
            // Hold Q while disabled.
            let inputs = if negative { [e, d, q] } else { [e, q, d] };
            elab.positioned_gate(format!("{name}/enable_mux"), GateKind::Mux, &inputs, out, pos);
            out
        };
        let reset = |elab: &mut Self, d: NetId| -> NetId {
            let Some((negative, value)) = spec.sync_reset else { return d };
            let r = elab.cell_pin(pins, &name, "R");
            let v = elab.const_net(if value { GateKind::Const1 } else { GateKind::Const0 });
            let out = elab.netlist.add_internal_net(&format!("{name}/D_rst"));
            let inputs = if negative { [r, v, d] } else { [r, d, v] };
            elab.positioned_gate(format!("{name}/reset_mux"), GateKind::Mux, &inputs, out, pos);
            out
        };
        d = if spec.reset_over_enable {
            let e = enable(self, d);
            reset(self, e)
        } else {
            let r = reset(self, d);
            enable(self, r)
        };
        let mut info = FlopInfo {
            clock,
            clock_inverted: spec.clock_negative,
            is_latch: spec.latch,
            ..FlopInfo::default()
        };
        match spec.async_reset {
            Some(false) => {
                info.clear = Self::connected_pin(pins, "R");
                info.clear_active_low = spec.reset_negative;
            }
            Some(true) => {
                info.preset = Self::connected_pin(pins, "R");
                info.preset_active_low = spec.reset_negative;
            }
            None => {}
        }
        if spec.set_reset {
            info.preset = Self::connected_pin(pins, "S");
            info.clear = Self::connected_pin(pins, "R");
            info.preset_active_low = spec.set_negative;
            info.clear_active_low = spec.reset_negative;
        }
        let cell = self.netlist.add_flop(name, d, q, info);
        self.netlist.set_cell_pos(cell, pos);
    }
}

/// The connections of one internal cell instance, by pin position.
pub(super) struct CellPins {
    cell: InternalCell,
    nets: [Option<NetId>; 8],
    pos: SourcePos,
}
