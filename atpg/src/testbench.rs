//! Self-checking Verilog testbenches: a pattern file replayed on the design in a Verilog
//! simulator (Icarus Verilog, or any IEEE 1364-2001 simulator), with every response compared.
//!
//! [`write_testbench`] takes the netlist, its compiled [`Circuit`] and a parsed pattern file
//! (the text format of [`crate::patterns::text`]); how the patterns were made does not matter.
//! The testbench instantiates the design's top module by its port names (as `atpg_dut`) and,
//! for each pattern, in this order:
//! 1. applies the primary-input values to the input ports;
//! 2. deposits the pseudo-input values (the state of the full-scan view) straight into each
//!    flip-flop's state register by hierarchical reference, `atpg_dut.u1.DFF_3.Q = 1'b1;`
//!    (direct access: scan chains, if the netlist has any, are not used);
//! 3. waits 10 time units and compares every primary output with its expected value;
//! 4. pulses the clock ports once (rest level, active level for 10 units, rest level for 10
//!    units): every flip-flop captures its D input at the same simulation time;
//! 5. compares every flip-flop's state register with the expected pseudo-output value (the
//!    value of its D input before the pulse, which is what it captured).
//!
//! Comparisons use `!==`, so an `x` or `z` where the pattern expects 0 or 1 is a failure; an
//! expected `X` is not compared. Each failure prints one line,
//! `FAIL pattern 3 (p.txt:9): output 'y': expected 1, got 0` (patterns numbered from 1 in file
//! order, with the line of the pattern file), and at the end the testbench prints exactly
//! `N passed, M failed` (N + M = number of patterns; a pattern fails if any of its compared
//! bits does) and calls `$finish`.
//!
//! Clocks and asynchronous controls. Each flip-flop's clock net is traced back through buffers
//! and inverters to an input port; that port rests at the level that makes the flip-flop's
//! active edge the pulse's first edge (0 for a rising-edge flip-flop clocked through an even
//! number of inverters). Asynchronous clear and preset nets are traced the same way and their
//! ports held inactive throughout: the polarity comes from the cell's Liberty `clear`/`preset`
//! expression (`!RESET_B` rests at 1), else from the netlist (Yosys `$_DFF_PN0_` cells, as the
//! writer also writes them for an embedded netlist; active high when nothing says). A port that is both a pattern input and a clock or
//! control (it also feeds buffers) is driven by the testbench, not by the pattern, with a
//! warning. A flip-flop whose clock cannot be traced to a port (gated or derived clocks) still
//! gets its state deposited, but its captured state is not compared (warning). Latches are
//! pulsed like flip-flops, which is exact when their data input does not depend on a latch
//! of the same phase.
//!
//! Where the design comes from ([`DesignSource`]):
//! - [`DesignSource::External`]: the user's Verilog file is compiled alongside,
//!   `iverilog -o sim tb.v design.v`. Flip-flop instance paths (`u1/u2/DFF_3`) become
//!   hierarchical references (`atpg_dut.u1.u2.DFF_3`, escaped where needed); the state
//!   register is the Liberty state variable (`IQ`) inside a standard cell, whose model
//!   [`netlist::liberty::write_verilog_models`] writes into the testbench (or into
//!   [`Testbench::models`]), and [`TestbenchOptions::state_register`] (default `Q`, as in the
//!   ISCAS-89 `dff` and Yosys' `simcells.v`) inside any other flip-flop module. Vector ports
//!   are rebuilt from their bits (`a[3]` ... `a[0]` is `a[3:0]`). Limitation: an escaped name
//!   containing `/` in a flat netlist (`\u1/q_reg `) is read as a hierarchy path.
//! - [`DesignSource::Embedded`]: the netlist is written by [`netlist::verilog_writer`] into the
//!   testbench file itself, with models of its two flip-flop cells, so the file simulates on its
//!   own (`iverilog -o sim tb.v`). Needed for `.bench` designs, and for Verilog designs whose
//!   own cell models a simulator cannot run (the switch-level `dff` of several ISCAS-89 files
//!   uses `trireg`, which Icarus Verilog does not support). Flip-flops without a clock (every
//!   `.bench` DFF) get the testbench's own capture clock forced onto their clock pin.
//!
//! Inputs that are not ports (undriven nets made inputs by `--undriven input`) are forced to
//! their pattern values by hierarchical reference.
//!
//! Scan mode ([`TestbenchOptions::scan`], for a scan-inserted netlist and its chain file): no
//! state is deposited; only ports are driven and observed, as on a tester.
//! 1. Chain test: with every scan enable at 1, a random stream (seeded by
//!    [`TestbenchOptions::seed`]) of twice the longest chain's length plus two bits is shifted
//!    into every scan-in, one clock pulse per bit; each scan-out must repeat its stream after
//!    chain-length shifts (`FAIL chain test: ...` per wrong bit, then
//!    `chain test: C chains, S shifts, M mismatches`).
//! 2. The first pattern's state is shifted in: scan enable 1, as many shifts as the longest
//!    chain has cells (a shorter chain gets 0s first), the bit of the cell nearest the scan-out
//!    first, set up 10 units before each pulse.
//! 3. Per pattern: apply the primary inputs (scan enable and scan-ins included, at the
//!    pattern's values), compare the primary outputs, pulse the clocks once (capture), then
//!    shift again: the captured state comes out of the scan-outs and is compared bit by bit
//!    (before each pulse, the scan-out shows the cell nearest it) while the next pattern's
//!    state goes in. A wrong unloaded bit is reported against the flip-flop that captured it.

use std::collections::HashMap;
use std::fmt::Write;

use netlist::verilog_writer::{flop_models, instance_names, verilog_identifier, write_verilog};
use netlist::{CellId, CellKind, Circuit, GateKind, Library, NetId, Netlist, NodeId, ScanChains};

use crate::patterns::text::PatternFile;
use crate::patterns::{Logic, PatternId, PatternSet};

/// Where the simulator finds the design's Verilog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DesignSource {
    /// The user's netlist file, compiled alongside the testbench.
    #[default]
    External,
    /// Written into the testbench by [`netlist::verilog_writer`].
    Embedded,
}

/// Where the Verilog models of standard cells go (external designs with Liberty cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelPlacement {
    /// In the testbench file, before the testbench module.
    #[default]
    Inline,
    /// In [`Testbench::models`], for a file of their own.
    Separate,
}

/// How to write a testbench.
#[derive(Debug, Clone)]
pub struct TestbenchOptions<'a> {
    /// Where the design's Verilog comes from.
    pub design: DesignSource,
    /// The cell library of a standard-cell design: cell models and reset polarities.
    pub library: Option<&'a Library>,
    /// Where the cell models go.
    pub models: ModelPlacement,
    /// The register holding the state inside a flip-flop module that is not a Liberty cell.
    pub state_register: String,
    /// The pattern file's name, for the failure messages.
    pub patterns_name: String,
    /// The testbench module's name.
    pub module_name: String,
    /// Load and unload the state through these scan chains instead of depositing it (see
    /// [`write_testbench`]'s module documentation, "Scan mode").
    pub scan: Option<&'a ScanChains>,
    /// Seed of the random bit streams of the chain test (scan mode).
    pub seed: u64,
}

impl Default for TestbenchOptions<'_> {
    fn default() -> Self {
        TestbenchOptions {
            design: DesignSource::External,
            library: None,
            models: ModelPlacement::Inline,
            state_register: "Q".to_string(),
            patterns_name: "patterns".to_string(),
            module_name: "atpg_testbench".to_string(),
            scan: None,
            seed: 1,
        }
    }
}

/// A written testbench.
#[derive(Debug, Clone)]
pub struct Testbench {
    /// The testbench file: the testbench module, plus the embedded design and the inline cell
    /// models when there are any.
    pub verilog: String,
    /// Cell models, with [`ModelPlacement::Separate`] (and when the design has cells).
    pub models: Option<String>,
    /// What the testbench cannot check, or checks under an assumption; also written as comments
    /// at the top of the file.
    pub warnings: Vec<String>,
    /// Number of patterns replayed.
    pub patterns: usize,
    /// Number of flip-flops whose captured state is compared.
    pub compared_flops: usize,
    /// Scan mode: the number of chains and the longest chain's length.
    pub chains: Option<(usize, usize)>,
}

/// Why a testbench cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestbenchError {
    /// The pattern file does not fit the circuit.
    #[error(
        "the pattern file has {found} {what} values per pattern but the circuit has {expected}"
    )]
    PatternWidth {
        /// `input` or `output`.
        what: &'static str,
        /// Values per pattern in the file.
        found: usize,
        /// Values the circuit needs.
        expected: usize,
    },
    /// The netlist and the circuit were not compiled from each other.
    #[error("the circuit was not compiled from this netlist: {0}")]
    Mismatch(String),
    /// A cell model cannot be written.
    #[error(transparent)]
    Model(#[from] netlist::liberty::ModelError),
    /// The design needs something the testbench cannot do (the message says what).
    #[error("{0}")]
    Unsupported(String),
    /// Scan mode: the chains do not fit the design (the message says why).
    #[error("scan chains: {0}")]
    Chains(String),
}

/// Writes a self-checking testbench that replays `patterns` on the design; see the module
/// documentation for what it does and what it needs.
pub fn write_testbench(
    netlist: &Netlist,
    circuit: &Circuit,
    patterns: &PatternFile,
    options: &TestbenchOptions<'_>,
) -> Result<Testbench, TestbenchError> {
    Writer::new(netlist, circuit, patterns, options)?.write()
}

/// A top-level port of the design as the testbench declares it.
struct Port {
    /// The Verilog identifier (escaped if needed).
    name: String,
    /// `[left:right]` of a vector port.
    range: Option<(i64, i64)>,
    input: bool,
}

/// What drives an input port.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PortRole {
    /// Pattern input `k`.
    Pattern(usize),
    /// A clock with its rest level.
    Clock(bool),
    /// Held at a level (asynchronous control, or a port nothing else drives).
    Hold(bool),
}

/// A flip-flop: where its state lives and whether its capture is compared.
struct Flop {
    /// Instance name in the netlist, for messages.
    name: String,
    /// The D net's name, for messages.
    d_net: String,
    /// Hierarchical reference to the state register.
    register: String,
    compared: bool,
}

/// Scan mode: one chain with its ports as the testbench refers to them.
struct ChainPlan {
    name: String,
    scan_in: String,
    scan_out: String,
    /// The scan-out port's net name, for messages.
    scan_out_name: String,
    /// Flip-flop numbers (netlist order) from scan-in to scan-out.
    cells: Vec<usize>,
}

/// Scan mode: the chains and the scan enable port.
struct ScanPlan {
    chains: Vec<ChainPlan>,
    /// References to the scan enable ports (one per distinct name).
    enables: Vec<String>,
    /// Random bits of the chain test, per chain.
    streams: Vec<Vec<bool>>,
}

impl ScanPlan {
    fn longest(&self) -> usize {
        self.chains.iter().map(|c| c.cells.len()).max().unwrap_or(0)
    }
}

struct Writer<'a> {
    netlist: &'a Netlist,
    circuit: &'a Circuit,
    patterns: &'a PatternFile,
    options: &'a TestbenchOptions<'a>,
    /// Prefix of every testbench-owned name, chosen not to clash with a port.
    prefix: String,
    /// The design instance.
    dut: String,
    warnings: Vec<String>,
}

/// Splits `a[3]` into `("a", 3)`.
fn bus_bit(name: &str) -> Option<(&str, i64)> {
    let open = name.find('[')?;
    let index = name[open + 1..].strip_suffix(']')?.parse().ok()?;
    if open == 0 {
        return None;
    }
    Some((&name[..open], index))
}

/// A flat netlist name (`u1/u2/x`) as a hierarchical reference below `root`.
fn hierarchical(root: &str, path: &str) -> String {
    let mut out = root.to_string();
    for part in path.split('/') {
        out.push('.');
        out.push_str(&verilog_identifier(part));
    }
    out
}

/// Text for a Verilog string literal (names may hold `"`, `\` or `%`).
fn string_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn level(value: bool) -> &'static str {
    if value {
        "1'b1"
    } else {
        "1'b0"
    }
}

/// Signals `range` of one vector as a Verilog literal (`x` for X); `1'b0` when empty.
fn literal(set: &PatternSet, pattern: PatternId, range: std::ops::Range<usize>) -> String {
    if range.is_empty() {
        return "1'b0".to_string();
    }
    let mut out = format!("{}'b", range.len());
    for i in range {
        out.push(match set.get(pattern, i) {
            Logic::Zero => '0',
            Logic::One => '1',
            Logic::X => 'x',
        });
    }
    out
}

/// A small deterministic generator (SplitMix64) for the chain test's bit streams.
fn split_mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Traces a clock or control net back through buffers and inverters to the input port that
/// drives it: the port's position in `ports` (input port nets) and whether the path inverts.
fn trace_to_port(
    netlist: &Netlist,
    ports: &HashMap<NetId, usize>,
    start: NetId,
) -> Result<(usize, bool), String> {
    let mut net = start;
    let mut inverted = false;
    // A chain of buffers longer than the netlist can only be a loop.
    for _ in 0..=netlist.index_bound() {
        let name = netlist.net_name(net);
        let Some(driver) = netlist.net_driver(net) else {
            return Err(format!("net `{name}` has no driver"));
        };
        let cell = netlist.cell(driver);
        match &cell.kind {
            CellKind::Input => {
                return ports.get(&net).map(|&port| (port, inverted)).ok_or_else(|| {
                    format!("net `{name}` is driven by an input that is not a port")
                })
            }
            CellKind::Gate(kind @ (GateKind::Buf | GateKind::Not)) => {
                inverted ^= *kind == GateKind::Not;
                match netlist.cell_inputs(driver).first() {
                    Some(&input) => net = input,
                    None => return Err(format!("net `{name}` is driven by a gate with no input")),
                }
            }
            CellKind::Gate(kind) => {
                return Err(format!("net `{name}` is driven by {kind} gate `{}`", cell.name))
            }
            CellKind::Flop(_) => {
                return Err(format!("net `{name}` is driven by flip-flop `{}`", cell.name))
            }
            CellKind::Output => return Err(format!("net `{name}` is driven by an output port")),
        }
    }
    Err(format!("net `{}` is on a loop of buffers", netlist.net_name(start)))
}

impl<'a> Writer<'a> {
    fn new(
        netlist: &'a Netlist,
        circuit: &'a Circuit,
        patterns: &'a PatternFile,
        options: &'a TestbenchOptions<'a>,
    ) -> Result<Self, TestbenchError> {
        let widths = [
            ("input", patterns.inputs.width(), circuit.num_inputs()),
            ("output", patterns.expected.width(), circuit.outputs().len()),
        ];
        for (what, found, expected) in widths {
            if found != expected {
                return Err(TestbenchError::PatternWidth { what, found, expected });
            }
        }
        if patterns.expected.len() != patterns.inputs.len() {
            return Err(TestbenchError::Mismatch(format!(
                "{} input vectors but {} expected responses",
                patterns.inputs.len(),
                patterns.expected.len()
            )));
        }
        if netlist.flops().len() != circuit.scan_cells().len()
            || netlist.outputs().len() != circuit.num_primary_outputs()
        {
            return Err(TestbenchError::Mismatch(format!(
                "the netlist has {} flip-flops and {} outputs, the circuit {} and {}",
                netlist.flops().len(),
                netlist.outputs().len(),
                circuit.scan_cells().len(),
                circuit.num_primary_outputs()
            )));
        }
        // Testbench-owned names start with a prefix no top-level port starts with.
        let mut prefix = "atpg_".to_string();
        let ports: Vec<&str> = netlist
            .inputs()
            .iter()
            .chain(netlist.outputs())
            .map(|&c| netlist.cell(c).name.as_str())
            .collect();
        while ports.iter().any(|p| p.starts_with(&prefix)) {
            prefix.insert(0, 'x');
        }
        let dut = format!("{prefix}dut");
        Ok(Writer { netlist, circuit, patterns, options, prefix, dut, warnings: Vec::new() })
    }

    fn embedded(&self) -> bool {
        self.options.design == DesignSource::Embedded
    }

    /// The top-level ports and, per port net name, how the testbench refers to it.
    fn ports(&self) -> (Vec<Port>, HashMap<String, String>) {
        let netlist = self.netlist;
        let mut ports: Vec<Port> = Vec::new();
        let mut reference: HashMap<String, String> = HashMap::default();
        let mut bus_of: HashMap<String, usize> = HashMap::default();
        let cells = netlist.inputs().iter().map(|&c| (c, true));
        for (cell, input) in cells.chain(netlist.outputs().iter().map(|&c| (c, false))) {
            let name = netlist.cell(cell).name.as_str();
            if reference.contains_key(name) {
                continue;
            }
            // A written netlist has one scalar port per bit; a user's file has vectors.
            let bit = if self.embedded() { None } else { bus_bit(name) };
            if let Some((base, index)) = bit {
                let extends = bus_of.get(base).and_then(|&p| {
                    let port = &ports[p];
                    let (left, right) = port.range?;
                    let step = if right >= left { 1 } else { -1 };
                    let continues = port.input == input
                        && (right == left || (index - right) == step)
                        && (index - right).abs() == 1;
                    continues.then_some(p)
                });
                match extends {
                    Some(p) => {
                        if let Some((_, right)) = &mut ports[p].range {
                            *right = index;
                        }
                        let port_name = ports[p].name.clone();
                        reference.insert(name.to_string(), format!("{port_name}[{index}]"));
                        continue;
                    }
                    None if !bus_of.contains_key(base) => {
                        bus_of.insert(base.to_string(), ports.len());
                        let port_name = verilog_identifier(base);
                        reference.insert(name.to_string(), format!("{port_name}[{index}]"));
                        ports.push(Port { name: port_name, range: Some((index, index)), input });
                        continue;
                    }
                    // A second run of the same base: not a vector after all; keep it scalar.
                    None => {}
                }
            }
            let port_name = verilog_identifier(name);
            reference.insert(name.to_string(), port_name.clone());
            ports.push(Port { name: port_name, range: None, input });
        }
        (ports, reference)
    }

    /// The hierarchical reference to a flip-flop's state register: under the writer's instance
    /// name (`written`) in an embedded design, under its instance path otherwise.
    fn register_of(
        &self,
        flop: CellId,
        written: &HashMap<CellId, String>,
    ) -> Result<String, TestbenchError> {
        let netlist = self.netlist;
        let cell = netlist.cell(flop);
        if self.embedded() {
            let name = written.get(&flop).ok_or_else(|| {
                TestbenchError::Mismatch(format!(
                    "flip-flop `{}` has no written instance",
                    cell.name
                ))
            })?;
            return Ok(format!("{}.{}.Q", self.dut, verilog_identifier(name)));
        }
        match cell.instance {
            Some(id) => {
                let instance = &netlist.instances()[id.index()];
                let state = self
                    .options
                    .library
                    .and_then(|l| l.cell(&instance.cell_type))
                    .and_then(|c| c.state())
                    .ok_or_else(|| {
                        TestbenchError::Unsupported(format!(
                            "flip-flop `{}` is an instance of cell `{}`, whose state variable is unknown without its Liberty file",
                            instance.name, instance.cell_type
                        ))
                    })?;
                Ok(format!(
                    "{}.{}",
                    hierarchical(&self.dut, &instance.name),
                    verilog_identifier(&state.state)
                ))
            }
            None => Ok(format!(
                "{}.{}",
                hierarchical(&self.dut, &cell.name),
                verilog_identifier(&self.options.state_register)
            )),
        }
    }

    /// The level at which an asynchronous control pin is inactive, if the library says.
    fn inactive_level(&self, flop: CellId, net: NetId, clear: bool) -> Option<bool> {
        let netlist = self.netlist;
        let instance = &netlist.instances()[netlist.cell(flop).instance?.index()];
        let state = self.options.library?.cell(&instance.cell_type)?.state()?;
        let expr = if clear { state.clear.as_ref()? } else { state.preset.as_ref()? };
        let pin = instance.pins.iter().find(|p| p.net == net)?;
        let active = |v: bool| expr.eval(&mut |name: &String| *name == pin.name && v);
        match (active(false), active(true)) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
    }

    fn write(mut self) -> Result<Testbench, TestbenchError> {
        let netlist = self.netlist;
        let circuit = self.circuit;
        let (ports, port_reference) = self.ports();
        let input_ports = netlist.inputs();
        let port_index: HashMap<NetId, usize> = input_ports
            .iter()
            .enumerate()
            .filter_map(|(k, &c)| Some((netlist.cell_output(c)?, k)))
            .collect();
        let mut roles: Vec<Option<PortRole>> = vec![None; input_ports.len()];
        let mut role_owner: Vec<String> = vec![String::new(); input_ports.len()];

        // Pattern inputs: ports, or undriven nets forced by reference.
        let num_pi = circuit.num_primary_inputs();
        let mut forced_inputs: Vec<(usize, String)> = Vec::new();
        for k in 0..num_pi {
            let name = circuit.node_name(NodeId(k as u32));
            match netlist.find_net(name).and_then(|n| port_index.get(&n)) {
                Some(&p) => roles[p] = Some(PortRole::Pattern(k)),
                None if self.embedded() => {
                    forced_inputs.push((k, format!("{}.{}", self.dut, verilog_identifier(name))))
                }
                None => forced_inputs.push((k, hierarchical(&self.dut, name))),
            }
        }

        // Flip-flops: state registers, clocks, asynchronous controls.
        let written: HashMap<CellId, String> = if self.embedded() {
            instance_names(netlist).into_iter().collect()
        } else {
            Default::default()
        };
        let mut flops = Vec::with_capacity(netlist.flops().len());
        let mut forced_clocks: Vec<(String, bool)> = Vec::new();
        for (i, &flop) in netlist.flops().iter().enumerate() {
            let cell = netlist.cell(flop);
            if circuit.scan_cells()[i].name != cell.name {
                return Err(TestbenchError::Mismatch(format!(
                    "flip-flop {i} is `{}` in the netlist but `{}` in the circuit",
                    cell.name,
                    circuit.scan_cells()[i].name
                )));
            }
            let CellKind::Flop(info) = &cell.kind else {
                return Err(TestbenchError::Mismatch(format!(
                    "`{}` is not a flip-flop",
                    cell.name
                )));
            };
            let register = self.register_of(flop, &written)?;
            let d_net = netlist
                .cell_inputs(flop)
                .first()
                .map_or_else(String::new, |&n| netlist.net_name(n).to_string());
            let mut compared = true;
            match info.clock {
                Some(clock) => match trace_to_port(netlist, &port_index, clock) {
                    Ok((port, inverted)) => {
                        let rest = inverted ^ info.clock_inverted;
                        self.assign_role(
                            &mut roles,
                            &mut role_owner,
                            port,
                            PortRole::Clock(rest),
                            &cell.name,
                            "clock",
                        )?;
                    }
                    Err(why) => {
                        compared = false;
                        self.warnings.push(format!(
                            "flip-flop `{}`: its clock cannot be pulsed from a port ({why}); its state is deposited but its capture is not compared",
                            cell.name
                        ));
                    }
                },
                None if self.embedded() => {
                    // The writer leaves the clock pin open; the testbench drives it.
                    forced_clocks.push((
                        register.strip_suffix(".Q").unwrap_or(&register).to_string() + ".C",
                        info.clock_inverted,
                    ));
                }
                None => {
                    compared = false;
                    self.warnings.push(format!(
                        "flip-flop `{}` has no clock in the netlist; its state is deposited but its capture is not compared",
                        cell.name
                    ));
                }
            }
            // The writer keeps asynchronous controls too (Yosys `$_DFF_PN0_`-style cells), so
            // embedded netlists need them held inactive as well.
            for (net, clear) in [(info.clear, true), (info.preset, false)] {
                let Some(net) = net else { continue };
                let what = if clear { "clear" } else { "preset" };
                // The Liberty cell's expression when there is one, else the polarity the
                // netlist recorded (Yosys cells, or the cell's decomposition).
                let recorded = if clear { info.clear_active_low } else { info.preset_active_low };
                let inactive = self.inactive_level(flop, net, clear).unwrap_or(recorded);
                match trace_to_port(netlist, &port_index, net) {
                    Ok((port, inverted)) => {
                        self.assign_role(
                            &mut roles,
                            &mut role_owner,
                            port,
                            PortRole::Hold(inactive ^ inverted),
                            &cell.name,
                            what,
                        )?;
                    }
                    Err(why) => self.warnings.push(format!(
                        "flip-flop `{}`: its asynchronous {what} cannot be held inactive from a port ({why})",
                        cell.name
                    )),
                }
            }
            flops.push(Flop { name: cell.name.to_string(), d_net, register, compared });
        }
        let roles: Vec<PortRole> = roles
            .into_iter()
            .enumerate()
            .map(|(k, role)| {
                role.unwrap_or_else(|| {
                    if !self.embedded() {
                        self.warnings.push(format!(
                            "input port `{}` is neither a pattern input nor a clock or control the testbench recognises; held at 0",
                            netlist.cell(input_ports[k]).name
                        ));
                    }
                    PortRole::Hold(false)
                })
            })
            .collect();

        let scan = match self.options.scan {
            Some(chains) => Some(self.scan_plan(chains, &port_reference, &port_index, &roles)?),
            None => None,
        };
        let models = self.models()?;
        let mut text = String::new();
        self.header(&mut text, &flops, scan.as_ref());
        if self.embedded() {
            text.push_str(&write_verilog(netlist));
            text.push('\n');
            text.push_str(&flop_models(netlist));
            text.push('\n');
        }
        let separate_models = match (models, self.options.models) {
            (Some(m), ModelPlacement::Inline) => {
                text.push_str(&m);
                None
            }
            (m, _) => m,
        };
        self.module(
            &mut text,
            &ports,
            &port_reference,
            &roles,
            &forced_inputs,
            &forced_clocks,
            &flops,
            scan.as_ref(),
        );
        Ok(Testbench {
            verilog: text,
            models: separate_models,
            warnings: self.warnings,
            patterns: self.patterns.inputs.len(),
            compared_flops: flops.iter().filter(|f| f.compared).count(),
            chains: scan.as_ref().map(|s| (s.chains.len(), s.longest())),
        })
    }

    /// Scan mode: resolves the chains against the circuit and their ports against the design's.
    fn scan_plan(
        &self,
        chains: &ScanChains,
        reference: &HashMap<String, String>,
        port_index: &HashMap<NetId, usize>,
        roles: &[PortRole],
    ) -> Result<ScanPlan, TestbenchError> {
        let netlist = self.netlist;
        let cells =
            chains.validate(self.circuit).map_err(|e| TestbenchError::Chains(e.to_string()))?;
        let input_port = |name: &str, what: &str| -> Result<String, TestbenchError> {
            let port =
                netlist.find_net(name).and_then(|n| port_index.get(&n)).ok_or_else(|| {
                    TestbenchError::Chains(format!("the {what} `{name}` is not an input port"))
                })?;
            if !matches!(roles[*port], PortRole::Pattern(_)) {
                return Err(TestbenchError::Chains(format!(
                    "the {what} `{name}` is also a clock or asynchronous control"
                )));
            }
            Ok(reference[name].clone())
        };
        let mut plan = ScanPlan { chains: Vec::new(), enables: Vec::new(), streams: Vec::new() };
        let mut state = self.options.seed;
        for (chain, cells) in chains.chains.iter().zip(cells) {
            let enable = input_port(&chain.scan_enable, "scan enable")?;
            if !plan.enables.contains(&enable) {
                plan.enables.push(enable);
            }
            let scan_in = input_port(&chain.scan_in, "scan-in")?;
            let is_output =
                netlist.outputs().iter().any(|&c| netlist.cell(c).name == chain.scan_out);
            if !is_output {
                return Err(TestbenchError::Chains(format!(
                    "the scan-out `{}` is not an output port",
                    chain.scan_out
                )));
            }
            plan.chains.push(ChainPlan {
                name: chain.name.clone(),
                scan_in,
                scan_out: reference[&chain.scan_out].clone(),
                scan_out_name: chain.scan_out.clone(),
                cells,
            });
        }
        let length = 2 * plan.longest() + 2;
        for _ in &plan.chains {
            plan.streams.push((0..length).map(|_| split_mix(&mut state) & 1 == 1).collect());
        }
        Ok(plan)
    }

    /// Records what drives an input port, rejecting contradictory needs.
    fn assign_role(
        &mut self,
        roles: &mut [Option<PortRole>],
        owners: &mut [String],
        port: usize,
        role: PortRole,
        flop: &str,
        what: &str,
    ) -> Result<(), TestbenchError> {
        let port_name = &self.netlist.cell(self.netlist.inputs()[port]).name;
        let describe = |r: PortRole| match r {
            PortRole::Clock(rest) => format!("a clock resting at {}", u8::from(rest)),
            PortRole::Hold(level) => format!("a control held at {}", u8::from(level)),
            PortRole::Pattern(_) => "a pattern input".to_string(),
        };
        match roles[port] {
            Some(PortRole::Pattern(_)) => {
                self.warnings.push(format!(
                    "input port `{port_name}` is a pattern input but is also the {what} of flip-flop `{flop}`: the testbench drives it as {} and ignores its pattern values",
                    describe(role)
                ));
            }
            Some(existing) if existing != role => {
                return Err(TestbenchError::Unsupported(format!(
                    "input port `{port_name}` would have to be {} for {} and {} for the {what} of `{flop}`; one capture pulse cannot serve both",
                    describe(existing),
                    owners[port],
                    describe(role)
                )));
            }
            _ => {}
        }
        roles[port] = Some(role);
        owners[port] = format!("the {what} of `{flop}`");
        Ok(())
    }

    /// The cell models an external standard-cell design needs.
    fn models(&self) -> Result<Option<String>, TestbenchError> {
        if self.embedded() || self.netlist.instances().is_empty() {
            return Ok(None);
        }
        let Some(library) = self.options.library else {
            return Err(TestbenchError::Unsupported(
                "the design has standard cells but no Liberty library was given for their models"
                    .to_string(),
            ));
        };
        let cells = self.netlist.instances().iter().map(|i| i.cell_type.as_str());
        let text = netlist::liberty::write_verilog_models(library, cells)?;
        Ok(Some(text))
    }

    fn header(&self, out: &mut String, flops: &[Flop], scan: Option<&ScanPlan>) {
        let design = self.netlist.name();
        let _ = writeln!(
            out,
            "// Self-checking testbench for `{design}`, written by the atpg toolkit."
        );
        let _ = writeln!(
            out,
            "// {} patterns from {}; {} primary inputs, {} primary outputs, {} flip-flops ({} compared after capture).",
            self.patterns.inputs.len(),
            self.options.patterns_name,
            self.circuit.num_primary_inputs(),
            self.circuit.num_primary_outputs(),
            flops.len(),
            flops.iter().filter(|f| f.compared).count()
        );
        match scan {
            None => out.push_str(
                "// Per pattern: apply the primary inputs, deposit the flip-flop states by hierarchical\n\
                 // reference, wait, compare the primary outputs, pulse the clocks once, compare the\n\
                 // captured states. Expected X is not compared; an x or z response where 0 or 1 is\n\
                 // expected fails. Ends with `N passed, M failed` and $finish.\n",
            ),
            Some(plan) => {
                let _ = writeln!(
                    out,
                    "// Scan mode: {} chains, the longest {} cells. First a chain test: with scan enable 1,\n\
                     // a random stream is shifted through every chain and must come out after chain-length\n\
                     // shifts. Then per pattern: shift the state in through the scan-ins (scan enable 1, one\n\
                     // clock pulse per shift, as many shifts as the longest chain), apply the primary inputs,\n\
                     // compare the primary outputs, pulse the clocks once (capture), and shift the captured\n\
                     // state out through the scan-outs, comparing every bit, while the next pattern shifts in.\n\
                     // Expected X is not compared; an x or z response where 0 or 1 is expected fails.\n\
                     // Ends with `N passed, M failed` and $finish.",
                    plan.chains.len(),
                    plan.longest()
                );
            }
        }
        match self.options.design {
            DesignSource::External => {
                out.push_str("// Run: iverilog -o sim <this file> <design .v files> && vvp sim\n");
            }
            DesignSource::Embedded => {
                out.push_str("// The design is embedded below. Run: iverilog -o sim <this file> && vvp sim\n");
            }
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "// warning: {}", warning.replace('\n', " "));
        }
        out.push('\n');
    }

    #[allow(clippy::too_many_arguments)]
    fn module(
        &self,
        out: &mut String,
        ports: &[Port],
        reference: &HashMap<String, String>,
        roles: &[PortRole],
        forced_inputs: &[(usize, String)],
        forced_clocks: &[(String, bool)],
        flops: &[Flop],
        scan: Option<&ScanPlan>,
    ) {
        let netlist = self.netlist;
        let p = &self.prefix;
        let n = self.patterns.inputs.len();
        let num_pi = self.circuit.num_primary_inputs();
        let num_po = self.circuit.num_primary_outputs();
        let num_ff = flops.len();
        let width = |w: usize| w.max(1);
        let mut module_name = self.options.module_name.clone();
        if module_name == netlist.name() {
            module_name.push_str("_tb");
        }
        let _ = writeln!(out, "module {};", verilog_identifier(&module_name));
        for port in ports {
            let kind = if port.input { "reg" } else { "wire" };
            let range = port.range.map(|(l, r)| format!(" [{l}:{r}]")).unwrap_or_default();
            let _ = writeln!(out, "  {kind}{range} {};", port.name);
        }
        let connections: Vec<String> =
            ports.iter().map(|port| format!(".{}({})", port.name, port.name)).collect();
        let _ = writeln!(
            out,
            "  {} {} (\n    {}\n  );",
            verilog_identifier(netlist.name()),
            self.dut,
            connections.join(",\n    ")
        );
        let depth = n.max(1);
        let _ = writeln!(out, "  reg [0:{}] {p}inputs [0:{}];", width(num_pi) - 1, depth - 1);
        let _ = writeln!(out, "  reg [0:{}] {p}state [0:{}];", width(num_ff) - 1, depth - 1);
        let _ = writeln!(out, "  reg [0:{}] {p}outputs [0:{}];", width(num_po) - 1, depth - 1);
        let _ = writeln!(out, "  reg [0:{}] {p}captured [0:{}];", width(num_ff) - 1, depth - 1);
        let _ = writeln!(out, "  integer {p}line [0:{}];", depth - 1);
        let _ = writeln!(out, "  integer {p}pattern, {p}passed, {p}failed;");
        let _ = writeln!(out, "  reg {p}bad;");
        let _ = writeln!(out, "  reg {p}clock_rise, {p}clock_fall;");
        for (k, _) in forced_inputs {
            let _ = writeln!(out, "  reg {p}extra_{k};");
        }

        // Pattern data.
        let _ = writeln!(out, "\n  task {p}load;\n    begin");
        let file = &self.patterns;
        for t in 0..n {
            let id = PatternId(t as u32);
            let ni = file.inputs.width();
            let no = file.expected.width();
            let _ = writeln!(
                out,
                "      {p}inputs[{t}] = {}; {p}state[{t}] = {}; {p}outputs[{t}] = {}; {p}captured[{t}] = {}; {p}line[{t}] = {};",
                literal(&file.inputs, id, 0..num_pi),
                literal(&file.inputs, id, num_pi..ni),
                literal(&file.expected, id, 0..num_po),
                literal(&file.expected, id, num_po..no),
                file.lines.get(t).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(out, "    end\n  endtask");

        // Apply: inputs and state.
        let _ = writeln!(
            out,
            "\n  task {p}apply;\n    input [0:{}] v;\n    input [0:{}] s;\n    begin",
            width(num_pi) - 1,
            width(num_ff) - 1
        );
        for (k, &cell) in netlist.inputs().iter().enumerate() {
            if let PortRole::Pattern(i) = roles[k] {
                let name = netlist.cell(cell).name.as_str();
                let _ = writeln!(out, "      {} = v[{i}];", reference[name]);
            }
        }
        for (k, _) in forced_inputs {
            let _ = writeln!(out, "      {p}extra_{k} = v[{k}];");
        }
        if scan.is_none() {
            for (i, flop) in flops.iter().enumerate() {
                let _ = writeln!(out, "      {} = s[{i}];", flop.register);
            }
        }
        let _ = writeln!(out, "    end\n  endtask");

        // Compare primary outputs.
        let where_ = format!("FAIL pattern %0d ({}:%0d)", string_text(&self.options.patterns_name));
        let position = format!("{p}pattern + 1, {p}line[{p}pattern]");
        let _ = writeln!(
            out,
            "\n  task {p}check_outputs;\n    input [0:{}] e;\n    begin",
            width(num_po) - 1
        );
        for (k, &cell) in netlist.outputs().iter().enumerate() {
            let name = netlist.cell(cell).name.as_str();
            let signal = &reference[name];
            let _ = writeln!(
                out,
                "      if (e[{k}] !== 1'bx && {signal} !== e[{k}]) begin\n        {p}bad = 1'b1;\n        $display(\"{where_}: output '{}': expected %b, got %b\", {position}, e[{k}], {signal});\n      end",
                string_text(name)
            );
        }
        let _ = writeln!(out, "    end\n  endtask");

        // Compare captured states.
        let _ = writeln!(
            out,
            "\n  task {p}check_state;\n    input [0:{}] e;\n    begin",
            width(num_ff) - 1
        );
        for (i, flop) in flops.iter().enumerate().filter(|(_, f)| f.compared) {
            let _ = writeln!(
                out,
                "      if (e[{i}] !== 1'bx && {reg} !== e[{i}]) begin\n        {p}bad = 1'b1;\n        $display(\"{where_}: flip-flop '{}' (D net '{}'): expected %b, got %b\", {position}, e[{i}], {reg});\n      end",
                string_text(&flop.name),
                string_text(&flop.d_net),
                reg = flop.register
            );
        }
        let _ = writeln!(out, "    end\n  endtask");

        // Clocks to a level: rest (`false`) or active (`true`).
        let clock_lines = |active: bool| {
            let mut lines = String::new();
            for (k, &cell) in netlist.inputs().iter().enumerate() {
                if let PortRole::Clock(rest) = roles[k] {
                    let name = netlist.cell(cell).name.as_str();
                    let _ =
                        writeln!(lines, "      {} = {};", reference[name], level(rest ^ active));
                }
            }
            let _ = writeln!(lines, "      {p}clock_rise = {};", level(active));
            let _ = writeln!(lines, "      {p}clock_fall = {};", level(!active));
            lines
        };
        let _ = writeln!(
            out,
            "\n  task {p}capture;\n    begin\n{}      #10;\n{}      #10;\n    end\n  endtask",
            clock_lines(true),
            clock_lines(false)
        );

        if let Some(plan) = scan {
            self.scan_tasks(out, plan, flops, &where_, &position);
        }

        // The run.
        let _ = writeln!(
            out,
            "\n  initial begin\n      {p}load;\n      {p}passed = 0;\n      {p}failed = 0;"
        );
        out.push_str(&clock_lines(false));
        for (k, &cell) in netlist.inputs().iter().enumerate() {
            if let PortRole::Hold(value) = roles[k] {
                let name = netlist.cell(cell).name.as_str();
                let _ = writeln!(out, "      {} = {};", reference[name], level(value));
            }
        }
        for (reference, inverted) in forced_clocks {
            let clock = if *inverted { "clock_fall" } else { "clock_rise" };
            let _ = writeln!(out, "      force {reference} = {p}{clock};");
        }
        for (k, reference) in forced_inputs {
            let _ = writeln!(out, "      force {reference} = {p}extra_{k};");
        }
        // With scan chains: the chain test, the first load, and after each capture an unload
        // through the chains that loads the next pattern; without, the captured state is read
        // by hierarchical reference.
        let _ = writeln!(out, "      #10;");
        let after_capture = if scan.is_some() {
            let _ = writeln!(out, "      {p}chain_test;\n      {p}pattern = 0;");
            if n > 0 {
                let _ = writeln!(out, "      {p}shift({p}state[0], {p}captured[0], 1'b0);");
            }
            format!(
                "{p}shift(({p}pattern + 1 < {n}) ? {p}state[{p}pattern + 1] : {p}state[{p}pattern], {p}captured[{p}pattern], 1'b1);"
            )
        } else {
            format!("{p}check_state({p}captured[{p}pattern]);")
        };
        let _ = writeln!(
            out,
            "      for ({p}pattern = 0; {p}pattern < {n}; {p}pattern = {p}pattern + 1) begin
        {p}bad = 1'b0;
        {p}apply({p}inputs[{p}pattern], {p}state[{p}pattern]);
        #10;
        {p}check_outputs({p}outputs[{p}pattern]);
        {p}capture;
        {after_capture}
        if ({p}bad) {p}failed = {p}failed + 1;
        else {p}passed = {p}passed + 1;
      end
      $display(\"%0d passed, %0d failed\", {p}passed, {p}failed);
      $finish;
  end
endmodule"
        );
    }

    /// Scan mode: the shift task (load one state while unloading and comparing another) and the
    /// chain test.
    fn scan_tasks(
        &self,
        out: &mut String,
        plan: &ScanPlan,
        flops: &[Flop],
        where_: &str,
        position: &str,
    ) {
        let p = &self.prefix;
        let num_ff = flops.len().max(1);
        let longest = plan.longest();
        let enables: String = plan.enables.iter().map(|e| format!("      {e} = 1'b1;\n")).collect();
        let _ = writeln!(
            out,
            "\n  task {p}shift;\n    input [0:{}] s;\n    input [0:{}] e;\n    input check;\n    begin\n{}",
            num_ff - 1,
            num_ff - 1,
            enables.trim_end()
        );
        for t in 0..longest {
            for chain in &plan.chains {
                let length = chain.cells.len();
                let value = match (t + length).checked_sub(longest) {
                    Some(pos) => format!("s[{}]", chain.cells[length - 1 - pos]),
                    None => "1'b0".to_string(),
                };
                let _ = writeln!(out, "      {} = {value};", chain.scan_in);
            }
            let _ = writeln!(out, "      #10;");
            let mut checks = String::new();
            for chain in &plan.chains {
                let Some(&i) = chain.cells.len().checked_sub(1 + t).map(|k| &chain.cells[k]) else {
                    continue;
                };
                if !flops[i].compared {
                    continue;
                }
                let _ = writeln!(
                    checks,
                    "        if (e[{i}] !== 1'bx && {out_port} !== e[{i}]) begin\n          {p}bad = 1'b1;\n          $display(\"{where_}: flip-flop '{}' (D net '{}'), shifted out of '{}' (chain '{}', shift {}): expected %b, got %b\", {position}, e[{i}], {out_port});\n        end",
                    string_text(&flops[i].name),
                    string_text(&flops[i].d_net),
                    string_text(&chain.scan_out_name),
                    string_text(&chain.name),
                    t + 1,
                    out_port = chain.scan_out
                );
            }
            if !checks.is_empty() {
                let _ = write!(out, "      if (check) begin\n{checks}      end\n");
            }
            let _ = writeln!(out, "      {p}capture;");
        }
        let _ = writeln!(out, "    end\n  endtask");

        // The chain test.
        let length = 2 * longest + 2;
        let _ = writeln!(out, "\n  integer {p}shift_count, {p}chain_mismatches;");
        for (k, stream) in plan.streams.iter().enumerate() {
            let bits: String = stream.iter().map(|&b| if b { '1' } else { '0' }).collect();
            let _ = writeln!(out, "  reg [0:{}] {p}stream_{k};", length - 1);
            let _ = writeln!(out, "  initial {p}stream_{k} = {length}'b{bits};");
        }
        let _ = writeln!(
            out,
            "\n  task {p}chain_test;\n    begin\n{enables}      {p}chain_mismatches = 0;\n      for ({p}shift_count = 0; {p}shift_count < {length}; {p}shift_count = {p}shift_count + 1) begin"
        );
        for (k, chain) in plan.chains.iter().enumerate() {
            let _ = writeln!(out, "        {} = {p}stream_{k}[{p}shift_count];", chain.scan_in);
        }
        let _ = writeln!(out, "        #10;");
        for (k, chain) in plan.chains.iter().enumerate() {
            let l = chain.cells.len();
            let _ = writeln!(
                out,
                "        if ({p}shift_count >= {l} && {o} !== {p}stream_{k}[{p}shift_count - {l}]) begin\n          {p}chain_mismatches = {p}chain_mismatches + 1;\n          $display(\"FAIL chain test: chain '{}' ({l} cells), '{}' at shift %0d: expected %b, got %b\", {p}shift_count + 1, {p}stream_{k}[{p}shift_count - {l}], {o});\n        end",
                string_text(&chain.name),
                string_text(&chain.scan_out_name),
                o = chain.scan_out
            );
        }
        let _ = writeln!(
            out,
            "        {p}capture;\n      end\n      $display(\"chain test: {} chains, {length} shifts, %0d mismatches\", {p}chain_mismatches);\n    end\n  endtask",
            plan.chains.len()
        );
    }
}
