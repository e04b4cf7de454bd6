//! From the generic syntax tree to library cells: what the attributes mean.
//!
//! Only what test generation needs is read: per `cell`, its pins (`pin`, simple `bus` and
//! `bundle` groups, `pg_pin` names), `function` and `three_state`, the `ff` / `latch` group,
//! `statetable` (recorded), `test_cell` and pin `signal_type` / `nextstate_type` (scan roles),
//! `clock_gating_integrated_cell` with the `clock_gate_*_pin` roles, `area` and `dont_use`.
//! Timing and power groups are skipped.
//!
//! Errors with a position ([`ParseError`]) are for malformed text: an unparsable function, an
//! unknown pin direction, a cell without a name, a cell defined twice. Cells that are well
//! formed but beyond the model become [`super::LibCellKind::Unsupported`] instead.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::ParseError;
use crate::expr::Expr;
use crate::netlist::PinDirection;

use super::cell::{ClockGating, LibCell, LibCellKind, LibPin, ScanPins, StateElement, StateKind};
use super::function::parse_function;
use super::syntax::{offset_in, Group, Statement, Value};

/// The source text and file name, for positions in errors.
pub(crate) struct Source<'t> {
    pub text: &'t str,
    pub file: &'t str,
}

impl Source<'_> {
    /// An error at `part`, a slice of the text.
    fn error(&self, part: &str, message: impl Into<String>) -> ParseError {
        ParseError::at_offset(self.file, self.text, offset_in(self.text, part), message)
    }

    /// Parses a function attribute, reporting syntax errors at the exact character.
    fn function(&self, value: Value<'_>, attribute: &str) -> Result<Expr<String>, ParseError> {
        let text = value.text();
        parse_function(text).map_err(|e| {
            let offset = offset_in(self.text, text) + e.offset;
            ParseError::at_offset(
                self.file,
                self.text,
                offset,
                format!("in `{attribute}`: {}", e.message),
            )
        })
    }
}

/// The cells of every `library` group in `statements`, in source order, and the first
/// library's name.
pub(crate) fn extract_library(
    source: &Source<'_>,
    statements: &[Statement<'_>],
) -> Result<(String, Vec<LibCell>), ParseError> {
    let mut name = None;
    let mut cells: Vec<LibCell> = Vec::new();
    let mut seen: FxHashMap<&str, &str> = FxHashMap::default();
    for statement in statements {
        let Statement::Group(library) = statement else { continue };
        if library.name != "library" {
            continue;
        }
        name.get_or_insert_with(|| {
            library.args.first().map_or_else(String::new, |a| a.text().to_string())
        });
        let bus_types = bus_types(library);
        for group in library.groups().filter(|g| g.name == "cell") {
            let cell_name = group
                .args
                .first()
                .ok_or_else(|| {
                    source.error(group.name, "expected the cell name: `cell (NAME) { ... }`")
                })?
                .text();
            if let Some(first) = seen.insert(cell_name, group.name) {
                let pos =
                    crate::error::SourcePos::of_offset(source.text, offset_in(source.text, first));
                return Err(source.error(
                    group.name,
                    format!("cell `{cell_name}` is defined twice (first at {pos})"),
                ));
            }
            let mut cell = read_cell(source, group, cell_name, &bus_types)?;
            super::model::finish(&mut cell);
            cells.push(cell);
        }
    }
    match name {
        Some(name) => Ok((name, cells)),
        None => Err(ParseError::at_offset(
            source.file,
            source.text,
            0,
            "expected a `library (NAME) { ... }` group",
        )),
    }
}

/// `type (NAME) { bit_from : 3; bit_to : 0; }` groups: the bit ranges bus pins use.
fn bus_types<'a>(library: &Group<'a>) -> FxHashMap<&'a str, (i64, i64)> {
    let mut types = FxHashMap::default();
    for group in library.groups().filter(|g| g.name == "type") {
        let number = |attr: &str| group.simple(attr).and_then(|v| v.text().parse::<i64>().ok());
        let (Some(name), Some(from)) = (group.args.first(), number("bit_from")) else { continue };
        let to = number("bit_to")
            .or_else(|| from.checked_add(number("bit_width")?)?.checked_sub(1))
            .unwrap_or(from);
        types.insert(name.text(), (from, to));
    }
    types
}

fn is_true(value: Value<'_>) -> bool {
    value.text().eq_ignore_ascii_case("true")
}

/// The attributes of one `pin` (or `bus` / `bundle`) group that matter here.
#[derive(Debug, Clone, Default)]
struct PinAttributes {
    /// `None` for `internal` pins, which are not signal pins.
    direction: Option<Option<PinDirection>>,
    function: Option<Expr<String>>,
    three_state: Option<Expr<String>>,
    is_clock: bool,
    scan_role: Option<ScanRole>,
    gate_role: Option<GateRole>,
}

impl PinAttributes {
    /// `self` with whatever `more` sets on top.
    fn overlay(&self, more: &PinAttributes) -> PinAttributes {
        PinAttributes {
            direction: more.direction.or(self.direction),
            function: more.function.clone().or_else(|| self.function.clone()),
            three_state: more.three_state.clone().or_else(|| self.three_state.clone()),
            is_clock: more.is_clock || self.is_clock,
            scan_role: more.scan_role.or(self.scan_role),
            gate_role: more.gate_role.or(self.gate_role),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanRole {
    In { inverted: bool },
    Enable { inverted: bool },
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GateRole {
    Clock,
    Enable,
    Test,
    Out,
}

fn scan_role(value: &str) -> Option<ScanRole> {
    match value {
        "test_scan_in" | "scan_in" => Some(ScanRole::In { inverted: false }),
        "test_scan_in_inverted" => Some(ScanRole::In { inverted: true }),
        "test_scan_enable" | "scan_enable" => Some(ScanRole::Enable { inverted: false }),
        "test_scan_enable_inverted" => Some(ScanRole::Enable { inverted: true }),
        "test_scan_out" | "test_scan_out_inverted" => Some(ScanRole::Out),
        _ => None,
    }
}

fn pin_attributes(source: &Source<'_>, group: &Group<'_>) -> Result<PinAttributes, ParseError> {
    let mut attrs = PinAttributes::default();
    for statement in &group.body {
        let Statement::Simple { name, value } = statement else { continue };
        match *name {
            "direction" => {
                attrs.direction =
                    Some(match value.text() {
                        "input" => Some(PinDirection::Input),
                        "output" => Some(PinDirection::Output),
                        "inout" => Some(PinDirection::Inout),
                        "internal" => None,
                        _ => return Err(source.error(
                            value.text(),
                            "expected a pin direction: `input`, `output`, `inout` or `internal`",
                        )),
                    })
            }
            "function" => attrs.function = Some(source.function(*value, name)?),
            "three_state" => attrs.three_state = Some(source.function(*value, name)?),
            "clock" => attrs.is_clock = is_true(*value),
            "signal_type" | "nextstate_type" => {
                if let Some(role) = scan_role(value.text()) {
                    attrs.scan_role = Some(role);
                }
            }
            "clock_gate_clock_pin" if is_true(*value) => attrs.gate_role = Some(GateRole::Clock),
            "clock_gate_enable_pin" if is_true(*value) => attrs.gate_role = Some(GateRole::Enable),
            "clock_gate_test_pin" if is_true(*value) => attrs.gate_role = Some(GateRole::Test),
            "clock_gate_out_pin" if is_true(*value) => attrs.gate_role = Some(GateRole::Out),
            _ => {}
        }
    }
    Ok(attrs)
}

/// A cell while its groups are read.
struct CellBuilder {
    cell: LibCell,
    /// Every pin name seen, internal ones included, to reject duplicates.
    names: FxHashSet<String>,
    roles: Vec<(String, Option<ScanRole>, Option<GateRole>)>,
    gating_style: Option<String>,
}

impl CellBuilder {
    fn problem(&mut self, reason: impl Into<String>) {
        self.cell.unsupported.get_or_insert_with(|| reason.into());
    }

    fn add_pin(
        &mut self,
        source: &Source<'_>,
        at: &str,
        name: &str,
        attrs: &PinAttributes,
    ) -> Result<(), ParseError> {
        if !self.names.insert(name.to_string()) {
            return Err(source
                .error(at, format!("pin `{name}` is defined twice in cell `{}`", self.cell.name)));
        }
        self.roles.push((name.to_string(), attrs.scan_role, attrs.gate_role));
        let direction = match attrs.direction {
            Some(Some(d)) => d,
            // Internal nodes (sky130's clock-gate latch `M0`) are not connectable pins.
            Some(None) => return Ok(()),
            None => {
                self.problem(format!("pin `{name}` has no `direction`"));
                PinDirection::Input
            }
        };
        self.cell.pins.push(LibPin {
            name: name.to_string(),
            direction,
            function: attrs.function.clone(),
            three_state: attrs.three_state.clone(),
            is_clock: attrs.is_clock,
        });
        Ok(())
    }
}

fn read_cell(
    source: &Source<'_>,
    group: &Group<'_>,
    name: &str,
    bus_types: &FxHashMap<&str, (i64, i64)>,
) -> Result<LibCell, ParseError> {
    let mut b = CellBuilder {
        cell: LibCell {
            name: name.to_string(),
            area: None,
            dont_use: false,
            pins: Vec::new(),
            pin_index: FxHashMap::default(),
            power_pins: Vec::new(),
            state: None,
            scan: None,
            clock_gating: None,
            has_statetable: false,
            kind: LibCellKind::Unsupported,
            unsupported: None,
            model: None,
        },
        names: FxHashSet::default(),
        roles: Vec::new(),
        gating_style: None,
    };
    let mut test_roles: Vec<(String, ScanRole)> = Vec::new();
    for statement in &group.body {
        match statement {
            Statement::Simple { name: "area", value } => b.cell.area = value.text().parse().ok(),
            Statement::Simple { name: "dont_use", value } => b.cell.dont_use = is_true(*value),
            Statement::Simple { name: "clock_gating_integrated_cell", value } => {
                b.gating_style = Some(value.text().to_string());
            }
            Statement::Group(g) => match g.name {
                "pin" => {
                    let attrs = pin_attributes(source, g)?;
                    for pin in &g.args {
                        b.add_pin(source, pin.text(), pin.text(), &attrs)?;
                    }
                }
                "pg_pin" => b.cell.power_pins.extend(g.args.iter().map(|a| a.text().to_string())),
                "bus" => read_bus(source, g, bus_types, &mut b)?,
                "bundle" => read_bundle(source, g, &mut b)?,
                "ff" | "latch" => {
                    if b.cell.state.is_some() {
                        b.problem("it has more than one `ff`/`latch` group");
                    } else {
                        b.cell.state = read_state(source, g, &mut b)?;
                    }
                }
                "ff_bank" | "latch_bank" => {
                    b.problem(format!("multi-bit state elements (`{}`) are not modelled", g.name));
                }
                "statetable" => b.cell.has_statetable = true,
                "test_cell" => {
                    for pin in g.groups().filter(|p| p.name == "pin") {
                        if let Some(role) = pin_attributes(source, pin)?.scan_role {
                            test_roles
                                .extend(pin.args.iter().map(|a| (a.text().to_string(), role)));
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    let CellBuilder { mut cell, roles, gating_style, .. } = b;

    // Scan roles: the test_cell's view first (that is where sky130 and most vendors put them),
    // then the pins' own attributes.
    let role_of = |wanted: fn(ScanRole) -> bool| {
        test_roles
            .iter()
            .map(|(n, r)| (n.as_str(), *r))
            .chain(roles.iter().filter_map(|(n, r, _)| Some((n.as_str(), (*r)?))))
            .find(|(_, r)| wanted(*r))
    };
    let scan_in = role_of(|r| matches!(r, ScanRole::In { .. }));
    let scan_enable = role_of(|r| matches!(r, ScanRole::Enable { .. }));
    let scan_out = role_of(|r| r == ScanRole::Out);
    if let (Some((si, si_role)), Some((se, se_role))) = (scan_in, scan_enable) {
        cell.scan = Some(ScanPins {
            scan_in: si.to_string(),
            scan_in_inverted: si_role == ScanRole::In { inverted: true },
            scan_enable: se.to_string(),
            scan_enable_inverted: se_role == ScanRole::Enable { inverted: true },
            scan_out: scan_out.map(|(n, _)| n.to_string()),
        });
    }

    if let Some(style) = gating_style {
        let role = |wanted: GateRole| {
            roles.iter().find(|(_, _, r)| *r == Some(wanted)).map(|(n, ..)| n.clone())
        };
        let outputs: Vec<&LibPin> =
            cell.pins.iter().filter(|p| p.direction == PinDirection::Output).collect();
        let output = role(GateRole::Out).or_else(|| match outputs.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        });
        let clock = role(GateRole::Clock)
            .or_else(|| cell.pins.iter().find(|p| p.is_clock).map(|p| p.name.clone()));
        match (clock, role(GateRole::Enable), output) {
            (Some(clock), Some(enable), Some(output)) => {
                cell.clock_gating =
                    Some(ClockGating { style, clock, enable, test: role(GateRole::Test), output });
            }
            _ => {
                cell.unsupported.get_or_insert_with(|| {
                    "a clock-gating cell whose clock, enable and output pins are not all marked"
                        .into()
                });
            }
        }
    }
    Ok(cell)
}

/// Bit indices `from..=to` in the order written (`[3:0]` counts down).
fn bit_range(from: i64, to: i64) -> Vec<i64> {
    // A library is not going to have buses wider than this; the cap keeps hostile input cheap.
    const MAX_BITS: u64 = 4096;
    if from.abs_diff(to) >= MAX_BITS {
        return Vec::new();
    }
    if from <= to {
        (from..=to).collect()
    } else {
        (to..=from).rev().collect()
    }
}

/// A `bus (D) { bus_type : T; ... pin (D[0]) { ... } }` group, expanded into one pin per bit.
fn read_bus(
    source: &Source<'_>,
    group: &Group<'_>,
    bus_types: &FxHashMap<&str, (i64, i64)>,
    b: &mut CellBuilder,
) -> Result<(), ParseError> {
    let Some(name) = group.args.first().map(|a| a.text()) else {
        return Err(source.error(group.name, "expected the bus name: `bus (NAME) { ... }`"));
    };
    let attrs = pin_attributes(source, group)?;
    if attrs.function.is_some() {
        b.problem(format!("bus `{name}` has a bus-wide function, which is not modelled"));
    }
    let Some(&(from, to)) = group.simple("bus_type").and_then(|t| bus_types.get(t.text())) else {
        b.problem(format!(
            "the `bus_type` of bus `{name}` is missing or not defined in the library"
        ));
        return Ok(());
    };
    let bits: Vec<String> =
        bit_range(from, to).into_iter().map(|i| format!("{name}[{i}]")).collect();
    let mut per_bit: Vec<PinAttributes> = vec![attrs.clone(); bits.len()];
    for pin in group.groups().filter(|g| g.name == "pin") {
        let more = pin_attributes(source, pin)?;
        for arg in &pin.args {
            for bit in member_bits(arg.text(), name) {
                if let Some(k) = bits.iter().position(|b| *b == bit) {
                    per_bit[k] = per_bit[k].overlay(&more);
                }
            }
        }
    }
    for (bit, attrs) in bits.iter().zip(&per_bit) {
        b.add_pin(source, group.name, bit, attrs)?;
    }
    Ok(())
}

/// The bit names a nested bus pin group names: `D[2]`, `D[3:0]`, or a bare index.
fn member_bits(arg: &str, bus: &str) -> Vec<String> {
    let inner = arg.strip_prefix(bus).unwrap_or(arg);
    let inner = inner.trim().trim_start_matches('[').trim_end_matches(']');
    let parse = |s: &str| s.trim().parse::<i64>().ok();
    match inner.split_once(':') {
        Some((a, z)) => match (parse(a), parse(z)) {
            (Some(a), Some(z)) => {
                bit_range(a, z).into_iter().map(|i| format!("{bus}[{i}]")).collect()
            }
            _ => Vec::new(),
        },
        None => parse(inner).map(|i| vec![format!("{bus}[{i}]")]).unwrap_or_default(),
    }
}

/// A `bundle (Q) { members (Q0, Q1); ... }` group: one pin per member.
fn read_bundle(
    source: &Source<'_>,
    group: &Group<'_>,
    b: &mut CellBuilder,
) -> Result<(), ParseError> {
    let name = group.args.first().map_or("", |a| a.text());
    let attrs = pin_attributes(source, group)?;
    let members: Vec<&str> = group
        .body
        .iter()
        .find_map(|s| match s {
            Statement::Complex { name: "members", args } => {
                Some(args.iter().map(|a| a.text()).collect())
            }
            _ => None,
        })
        .unwrap_or_default();
    if members.is_empty() {
        b.problem(format!("bundle `{name}` has no `members`"));
        return Ok(());
    }
    if attrs.function.is_some() && members.len() > 1 {
        b.problem(format!("bundle `{name}` has a bundle-wide function, which is not modelled"));
    }
    let mut per_member: Vec<PinAttributes> = vec![attrs; members.len()];
    for pin in group.groups().filter(|g| g.name == "pin") {
        let more = pin_attributes(source, pin)?;
        for arg in &pin.args {
            if let Some(k) = members.iter().position(|m| *m == arg.text()) {
                per_member[k] = per_member[k].overlay(&more);
            }
        }
    }
    for (member, attrs) in members.iter().zip(&per_member) {
        b.add_pin(source, member, member, attrs)?;
    }
    Ok(())
}

/// An `ff (IQ, IQN) { ... }` or `latch (IQ, IQN) { ... }` group.
fn read_state(
    source: &Source<'_>,
    group: &Group<'_>,
    b: &mut CellBuilder,
) -> Result<Option<StateElement>, ParseError> {
    let kind = if group.name == "ff" { StateKind::FlipFlop } else { StateKind::Latch };
    let (next_attr, clock_attr, also) = match kind {
        StateKind::FlipFlop => ("next_state", "clocked_on", ["clocked_on_also", ""]),
        StateKind::Latch => ("data_in", "enable", ["enable_also", "data_in_also"]),
    };
    let (Some(state), Some(inverted)) = (group.args.first(), group.args.get(1)) else {
        return Err(
            source.error(group.name, format!("expected `{} (STATE, INVERTED_STATE)`", group.name))
        );
    };
    let function = |attr: &str| group.simple(attr).map(|v| source.function(v, attr)).transpose();
    let next_state = function(next_attr)?;
    let clock = function(clock_attr)?;
    let clear = function("clear")?;
    let preset = function("preset")?;
    if let Some(attr) = also.iter().find(|a| !a.is_empty() && group.simple(a).is_some()) {
        b.problem(format!("master-slave state elements (`{attr}`) are not modelled"));
    }
    let (Some(next_state), Some(clock)) = (next_state, clock) else {
        b.problem(format!("its `{}` group lacks `{next_attr}` or `{clock_attr}`", group.name));
        return Ok(None);
    };
    Ok(Some(StateElement {
        kind,
        state: state.text().to_string(),
        inverted_state: inverted.text().to_string(),
        next_state,
        clock,
        clear,
        preset,
        clear_preset_var1: group.simple("clear_preset_var1").map(|v| v.text().to_string()),
        clear_preset_var2: group.simple("clear_preset_var2").map(|v| v.text().to_string()),
    }))
}
