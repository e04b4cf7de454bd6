//! STIL (IEEE 1450-1999) test programs: the patterns of a [`PatternSet`] as a tester reads them.
//!
//! # What is written
//!
//! The blocks, in order: `STIL 1.0;`, `Header` (title, date, source and one `Ann` per caller
//! annotation, such as the fault summary), `Signals`, `SignalGroups` (`_pi`, the primary inputs
//! in netlist order, and `_po`, the primary outputs), `Timing` (one waveform table), then for a
//! design with flip-flops `ScanStructures`, and always `PatternBurst`, `PatternExec`, then for a
//! design with flip-flops `Procedures` (`load_unload`, `capture`) and `MacroDefs` (`test_setup`),
//! and last the `Pattern` block.
//!
//! Timing (waveform table `_default_WFT_`, period 100 ns): inputs are forced at 0 ns (`0`, `1`);
//! outputs are strobed at 40 ns (`L`, `H`, and `X`, not compared, for an X expected value);
//! clocks pulse high from 50 ns to 80 ns (`P`, and `0` for off). So within one cycle the inputs
//! settle, the outputs are compared, then the clock captures — on its rising edge or, for
//! flip-flops that capture on the falling edge, at 80 ns, still after the strobe.
//!
//! An X input value is written as `0`. A tester has to drive something, and the expected values
//! come from three-valued simulation, so an output expected to be 0 or 1 is so whatever an X
//! input is driven to. (STIL's `N`, force unknown, would keep the X, but testers cannot drive an
//! unknown level and some readers, the Semi-ATE parser among them, reject `N` on an input.)
//!
//! A combinational design (no flip-flops) gets one `V { "_pi" = ...; "_po" = ...; }` per pattern.
//!
//! A design with flip-flops is tested through its scan chains, given by
//! [`StilOptions::chains`] or by default [`ScanChains::one_chain`] (all flip-flops in netlist
//! order). Each pattern is
//!
//! ```text
//! Call "load_unload" { "scan_in_1" = <load>; "scan_out_1" = <unload of the previous pattern>; }
//! Call "capture" { "_pi" = <primary inputs>; "_po" = <expected primary outputs>; }
//! ```
//!
//! and a last `load_unload` unloads what the last pattern captured (loading zeros). The first
//! unload expects nothing (all `X`). `load_unload` sets every scan enable to 1 and shifts: each
//! cycle forces one value on every scan-in, strobes one on every scan-out and pulses the clocks.
//! `capture` forces the primary inputs, strobes the primary outputs and pulses the clocks once,
//! with scan enable 0 (unless the scan enable is itself a primary input: then the pattern's own
//! value for it is applied, and since the circuit simulated to get the expected values includes
//! the scan multiplexers, the expected values stay right for either value).
//!
//! # Transition patterns
//!
//! With [`StilOptions::transition`], each pattern tests transition faults over two functional
//! clock cycles; `inputs` then holds frame 1's values (primary inputs and scan load) and
//! `expected` what is observed after frame 2. Launch-on-capture adds a procedure `launch`
//! (frame 1's primary inputs, one clock pulse, scan enable 0, nothing strobed):
//!
//! ```text
//! Call "load_unload" { ... }
//! Call "launch" { "_pi" = <frame-1 primary inputs>; }
//! Call "capture" { "_pi" = <frame-2 primary inputs>; "_po" = <expected>; }
//! ```
//!
//! Launch-on-shift adds `launch_shift`, the last shift cycle as the launch (frame 1's primary
//! inputs, one bit on every scan-in, one clock pulse with scan enable 1, nothing strobed), so
//! the scan enable must fall at speed before `capture`:
//!
//! ```text
//! Call "load_unload" { ... }
//! Call "launch_shift" { "_pi" = <frame-1 primary inputs>; "scan_in_1" = <bit>; ... }
//! Call "capture" { "_pi" = <frame-2 primary inputs>; "_po" = <expected>; }
//! ```
//!
//! The unload after `capture` compares what frame 2 captured. A combinational design gets two
//! vectors per pattern: frame 1's inputs, then frame 2's inputs with the expected outputs.
//! Cycle timing stays that of the single waveform table; running the launch and capture cycles
//! at speed is the tester program's business.
//!
//! # Shift order
//!
//! A chain's cells are listed from scan-in to scan-out (the chain file's `cells`, and `ScanCells`
//! here, in the same order): cell 0 is loaded from the scan-in port, the last cell drives the
//! scan-out port. STIL consumes the data of a `Shift` parameter one character per shift cycle,
//! first character first. The value forced in the first cycle travels furthest: after all `n`
//! shifts it sits in the last cell, next to scan-out; the last character shifted stays in cell
//! 0. Likewise the first value strobed on scan-out, before any shift, is the last cell's. So
//! **both the load and the unload string list the cells from the scan-out end back to the
//! scan-in end**: character `k` belongs to cell `n - 1 - k` of the chain — the reverse of the
//! `ScanCells` order.
//!
//! Chains of different lengths shift together for as many cycles as the longest chain has cells
//! (`L`). A shorter chain's load is padded in front with `0`s (they are shifted through and out
//! before the real data arrives) and its unload is padded at the end with `X`s (after its own
//! cells, it shifts out what is being loaded), so every string has exactly `L` characters and
//! the file means the same to every reader.
//!
//! # Signals and their names
//!
//! The signals are the primary inputs (the input vector's first
//! [`Circuit::num_primary_inputs`] values), the primary outputs (one signal per distinct net:
//! a net declared as an output twice is one signal, and its expected values must agree), the
//! ports of [`Circuit::clocks`], and each chain's scan-in, scan-out, scan-enable and clock ports.
//! A chain port that is also a primary input or output (as after scan insertion, where the ports
//! exist in the netlist) is the same signal, not a second one. Netlists without scan ports (an
//! ISCAS-89 `.bench` file has none, nor clock nets) get the port names of the chains declared as
//! extra signals, and a clock named `CK` when neither the chain file nor the netlist names one.
//! Clock-only ports that clock no scan cell (asynchronous sets and resets) are declared but not
//! driven: their inactive level is not known here (an `Ann` in `Signals` lists them).
//!
//! Every name is written in double quotes, so names that are not STIL identifiers (`22`,
//! `a[3]`, `u1/q`) need no change; inside quotes `[3]` is part of the name, not a bus index. A
//! few characters cannot be written inside a quoted name portably — the double quote, the
//! backslash, the single quote (which delimits signal expressions), white space, control and
//! non-ASCII characters — and become `_`; a name that then clashes with another (or an output
//! net that is also an input, which one STIL signal cannot be) gets a suffix `_1`, `_2`, ...
//! Each renamed signal is listed in a header `Ann` with its netlist name. Annotation text is kept
//! to printable ASCII without `*` and `"` (`"` becomes `'`, the rest `?`), which every reader,
//! strict ones included, accepts.
//!
//! The writer returns the text; callers write it to a file (atomically, see `ARCHITECTURE.md`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use netlist::chains::{ChainError, ScanChains};
use netlist::{Circuit, Launch, NodeId};

use super::text::TransitionFields;
use super::{Logic, PatternId, PatternSet};

/// The waveform table every vector uses.
const WAVEFORM_TABLE: &str = "_default_WFT_";
/// Scan data and long vectors are broken into lines of this many characters.
const DATA_LINE: usize = 100;

/// What to write besides the patterns.
#[derive(Debug, Clone, Default)]
pub struct StilOptions<'a> {
    /// The design name, for the title.
    pub design: &'a str,
    /// The scan chains; `None` for the default, [`ScanChains::one_chain`]. Checked against the
    /// circuit with [`ScanChains::validate`].
    pub chains: Option<&'a ScanChains>,
    /// Lines for the header, one `Ann {* ... *}` each (for example the fault summary).
    pub annotations: Vec<String>,
    /// The header's date; `None` for the current time (UTC), formatted by [`stil_date`].
    pub date: Option<String>,
    /// Transition patterns: the launch mode and frame 2's values (see "Transition patterns"
    /// in the module documentation); `None` for stuck-at patterns.
    pub transition: Option<&'a TransitionFields>,
}

/// Why patterns cannot be written as STIL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StilError {
    /// The scan chains do not describe the circuit.
    #[error(transparent)]
    Chains(#[from] ChainError),
    /// The input vectors do not have one value per circuit input.
    #[error("the input vectors have {found} values each, but the circuit has {expected} inputs (primary and pseudo)")]
    InputWidth {
        /// The circuit's inputs.
        expected: usize,
        /// The vectors' width.
        found: usize,
    },
    /// The expected responses do not have one value per circuit output.
    #[error("the expected responses have {found} values each, but the circuit has {expected} outputs (primary and pseudo)")]
    OutputWidth {
        /// The circuit's outputs.
        expected: usize,
        /// The responses' width.
        found: usize,
    },
    /// There are not as many responses as input vectors.
    #[error("{inputs} input vectors but {expected} expected responses")]
    PatternCounts {
        /// Input vectors.
        inputs: usize,
        /// Expected responses.
        expected: usize,
    },
    /// A net listed twice among the primary outputs is expected to be both 0 and 1.
    #[error("pattern {}: output `{signal}` is listed twice with different expected values", .pattern.0)]
    ConflictingExpected {
        /// The pattern.
        pattern: PatternId,
        /// The output's net.
        signal: String,
    },
    /// One port would have two roles that exclude each other (a scan clock that is also a data
    /// input, a scan-in port that is a primary output, ...).
    #[error("port `{port}` cannot be both {first} and {second}")]
    PortConflict {
        /// The port.
        port: String,
        /// Its first role.
        first: &'static str,
        /// The role it was asked to take as well.
        second: &'static str,
    },
    /// The circuit has no inputs, outputs or flip-flops: there is nothing to test.
    #[error("the circuit has no inputs, outputs or flip-flops: nothing to test")]
    NothingToTest,
    /// Transition patterns whose frame-2 values do not fit the circuit and chains.
    #[error("transition patterns: {0}")]
    Transition(String),
}

/// Writes `inputs` with `expected` responses as a STIL program for `circuit`.
///
/// `inputs` has one value per circuit input ([`Circuit::inputs`]: primary inputs, then one
/// pseudo input per flip-flop); `expected` one value per [`Circuit::outputs`] entry (primary
/// outputs, then one pseudo output per flip-flop), X where nothing is to be compared. The layout
/// is described in the [module documentation](self).
pub fn write_stil(
    circuit: &Circuit,
    inputs: &PatternSet,
    expected: &PatternSet,
    options: &StilOptions<'_>,
) -> Result<String, StilError> {
    if inputs.width() != circuit.num_inputs() {
        return Err(StilError::InputWidth {
            expected: circuit.num_inputs(),
            found: inputs.width(),
        });
    }
    if expected.width() != circuit.outputs().len() {
        return Err(StilError::OutputWidth {
            expected: circuit.outputs().len(),
            found: expected.width(),
        });
    }
    if inputs.len() != expected.len() {
        return Err(StilError::PatternCounts { inputs: inputs.len(), expected: expected.len() });
    }
    let chains = match options.chains {
        Some(chains) => Cow::Borrowed(chains),
        None => Cow::Owned(ScanChains::one_chain(circuit)),
    };
    let cells = chains.validate(circuit)?;
    if let Some(t) = options.transition {
        check_transition(circuit, t, &cells, inputs.len())?;
    }
    let design = Design::new(circuit, &chains, cells)?;
    if design.signals.is_empty() {
        return Err(StilError::NothingToTest);
    }
    let mut writer = Writer {
        design: &design,
        circuit,
        inputs,
        expected,
        transition: options.transition,
        out: String::new(),
    };
    writer.write(options)?;
    Ok(writer.out)
}

/// Checks transition fields against the circuit, its chains and the pattern count.
fn check_transition(
    circuit: &Circuit,
    t: &TransitionFields,
    chains: &[Vec<usize>],
    patterns: usize,
) -> Result<(), StilError> {
    let los = t.launch == Launch::Los;
    if los && circuit.scan_cells().is_empty() {
        return Err(StilError::Transition(
            "launch-on-shift needs flip-flops in scan chains; the circuit has none".into(),
        ));
    }
    if los && t.chains != chains {
        return Err(StilError::Transition(
            "the patterns were made for launch-on-shift along other scan chains than the STIL              file's"
                .into(),
        ));
    }
    let width = circuit.num_primary_inputs() + if los { chains.len() } else { 0 };
    if t.frame2.width() != width || t.frame2.len() != patterns {
        return Err(StilError::Transition(format!(
            "frame 2 holds {} vectors of {} values; expected {patterns} of {width}",
            t.frame2.len(),
            t.frame2.width()
        )));
    }
    Ok(())
}

/// The current time as a STIL header date, see [`stil_date`].
fn now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    stil_date(seconds)
}

/// A time (seconds since 1970, UTC) in the form STIL headers use, that of C's `asctime`:
/// `Thu Feb 29 12:34:56 2024`.
pub fn stil_date(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let time = unix_seconds % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, for non-negative days).
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // March = 0
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} {}",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[month as usize - 1],
        day,
        time / 3600,
        time / 60 % 60,
        time % 60,
        year
    )
}

/// What a signal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A primary input: a member of `_pi`.
    PrimaryInput,
    /// A primary output: a member of `_po`.
    PrimaryOutput,
    /// A port of [`Circuit::clocks`] that clocks no scan cell: declared, not driven.
    Held,
    /// Pulsed to shift and capture.
    Clock,
    /// A chain's scan-in port (not a primary input).
    ScanIn,
    /// A chain's scan-out port (not a primary output).
    ScanOut,
    /// A scan enable port (not a primary input).
    ScanEnable,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::PrimaryInput => "a primary input",
            Role::PrimaryOutput => "a primary output",
            Role::Held => "a clock, set or reset input",
            Role::Clock => "a scan clock",
            Role::ScanIn => "a scan-in port",
            Role::ScanOut => "a scan-out port",
            Role::ScanEnable => "a scan enable",
        }
    }

    fn is_input(self) -> bool {
        !matches!(self, Role::PrimaryOutput | Role::ScanOut)
    }
}

/// One STIL signal.
#[derive(Debug)]
struct Signal {
    /// The quoted-name text (without quotes).
    name: String,
    role: Role,
    /// For a primary input or output, the scan role it also has, if any.
    also: Option<Role>,
}

/// Characters written as they are inside a quoted STIL name.
fn name_char_ok(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '\'')
}

/// Characters written as they are in annotation text.
fn annotation_char_ok(c: char) -> bool {
    (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '*')
}

/// Annotation text that every STIL reader accepts: see the module documentation.
fn annotation_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\t' => ' ',
            c if annotation_char_ok(c) => c,
            _ => '?',
        })
        .collect()
}

/// A netlist name for an annotation, with unwritable characters as `\xHH` or `\u{HHHH}`.
fn describe_name(name: &str) -> String {
    let mut text = String::new();
    for c in name.chars() {
        match c {
            '\\' => text.push_str("\\\\"),
            c if annotation_char_ok(c) && c != ' ' => text.push(c),
            c if c.is_ascii() => {
                let _ = write!(text, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(text, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    text
}

/// Unique STIL names in one name space, remembering which differ from the netlist's.
#[derive(Debug, Default)]
struct Namer {
    taken: HashSet<String>,
    /// `(STIL name, netlist name)` for every name that had to change.
    renamed: Vec<(String, String)>,
}

impl Namer {
    /// A STIL name for `original`: the same text when it is writable and still free.
    fn name(&mut self, original: &str) -> String {
        let mut clean: String =
            original.chars().map(|c| if name_char_ok(c) { c } else { '_' }).collect();
        if clean.is_empty() {
            clean.push('_');
        }
        let mut name = clean.clone();
        let mut suffix = 0;
        while self.taken.contains(&name) {
            suffix += 1;
            name = format!("{clean}_{suffix}");
        }
        self.taken.insert(name.clone());
        if name != original {
            self.renamed.push((name.clone(), original.to_string()));
        }
        name
    }
}

/// One chain, resolved to signals and cells.
#[derive(Debug)]
struct Chain {
    name: String,
    /// Indices into `Circuit::scan_cells`, scan-in first.
    cells: Vec<usize>,
    /// STIL names of the cells, same order.
    cell_names: Vec<String>,
    scan_in: usize,
    scan_out: usize,
    scan_enable: usize,
    clocks: Vec<usize>,
}

/// The signals, groups and chains of the STIL program.
#[derive(Debug)]
struct Design {
    signals: Vec<Signal>,
    /// Primary input `i` is signal `i`.
    num_primary_inputs: usize,
    /// The signals of `_po`, in order.
    primary_outputs: Vec<usize>,
    /// For each primary output entry of `Circuit::outputs`, its position in `primary_outputs`.
    output_slot: Vec<usize>,
    chains: Vec<Chain>,
    /// Every clock, in order of first use.
    clocks: Vec<usize>,
    /// Every scan enable, in order of first use.
    scan_enables: Vec<usize>,
    pi_group: Option<String>,
    po_group: Option<String>,
    /// Renamed signals and chains, `(STIL name, netlist name)`.
    renamed: Vec<(String, String)>,
}

/// Builds a [`Design`]: assigns every port a signal and a role.
struct DesignBuilder {
    signals: Vec<Signal>,
    /// Netlist port name -> signal, for the ports chains may refer to.
    by_port: HashMap<String, usize>,
    names: Namer,
}

impl DesignBuilder {
    fn add(&mut self, port: &str, role: Role) -> usize {
        let name = self.names.name(port);
        self.signals.push(Signal { name, role, also: None });
        let index = self.signals.len() - 1;
        self.by_port.entry(port.to_string()).or_insert(index);
        index
    }

    /// The signal for a chain port of the given role, declaring it when the netlist has no such
    /// port.
    fn port(&mut self, port: &str, role: Role) -> Result<usize, StilError> {
        let Some(&index) = self.by_port.get(port) else { return Ok(self.add(port, role)) };
        let signal = &mut self.signals[index];
        let compatible = match (signal.role, role) {
            (a, b) if a == b => true,
            (Role::Held, Role::Clock) => {
                signal.role = Role::Clock;
                true
            }
            (Role::PrimaryInput, Role::ScanIn | Role::ScanEnable)
            | (Role::PrimaryOutput, Role::ScanOut) => match signal.also {
                None => {
                    signal.also = Some(role);
                    true
                }
                Some(also) => also == role,
            },
            _ => false,
        };
        if compatible {
            Ok(index)
        } else {
            let first = signal.also.unwrap_or(signal.role).describe();
            Err(StilError::PortConflict { port: port.to_string(), first, second: role.describe() })
        }
    }

    /// The clock to pulse for a chain that names none: `CK`, or the first of `CK_1`, `CK_2`, ...
    /// that is not some other kind of port.
    fn default_clock(&mut self) -> usize {
        let mut name = "CK".to_string();
        let mut suffix = 0;
        loop {
            match self.by_port.get(&name) {
                Some(&i) if matches!(self.signals[i].role, Role::Clock | Role::Held) => {
                    self.signals[i].role = Role::Clock;
                    return i;
                }
                Some(_) => {
                    suffix += 1;
                    name = format!("CK_{suffix}");
                }
                None => return self.add(&name, Role::Clock),
            }
        }
    }
}

impl Design {
    fn new(
        circuit: &Circuit,
        chains: &ScanChains,
        cells: Vec<Vec<usize>>,
    ) -> Result<Design, StilError> {
        let mut builder =
            DesignBuilder { signals: Vec::new(), by_port: HashMap::new(), names: Namer::default() };
        let num_primary_inputs = circuit.num_primary_inputs();
        for node in circuit.inputs().take(num_primary_inputs) {
            builder.add(circuit.node_name(node), Role::PrimaryInput);
        }
        for clock in circuit.clocks() {
            builder.add(clock, Role::Held);
        }
        // One signal per distinct primary output net.
        let mut primary_outputs = Vec::new();
        let mut output_slot = Vec::new();
        let mut slot_of_node: HashMap<NodeId, usize> = HashMap::new();
        for &node in &circuit.outputs()[..circuit.num_primary_outputs()] {
            let slot = *slot_of_node.entry(node).or_insert_with(|| {
                primary_outputs.push(builder.add(circuit.node_name(node), Role::PrimaryOutput));
                primary_outputs.len() - 1
            });
            output_slot.push(slot);
        }
        let mut chain_names = Namer::default();
        let mut cell_names = Namer::default();
        let mut resolved = Vec::with_capacity(chains.chains.len());
        let (mut all_clocks, mut scan_enables) = (Vec::new(), Vec::new());
        for (chain, cells) in chains.chains.iter().zip(cells) {
            let scan_in = builder.port(&chain.scan_in, Role::ScanIn)?;
            let scan_out = builder.port(&chain.scan_out, Role::ScanOut)?;
            let scan_enable = builder.port(&chain.scan_enable, Role::ScanEnable)?;
            let mut clock_ports: Vec<&str> = chain.clock.iter().map(String::as_str).collect();
            for &cell in &cells {
                if let Some(clock) = &circuit.scan_cells()[cell].clock {
                    if !clock_ports.contains(&clock.as_str()) {
                        clock_ports.push(clock);
                    }
                }
            }
            let mut clocks = Vec::with_capacity(clock_ports.len().max(1));
            for port in clock_ports {
                clocks.push(builder.port(port, Role::Clock)?);
            }
            if clocks.is_empty() {
                clocks.push(builder.default_clock());
            }
            for &clock in &clocks {
                if !all_clocks.contains(&clock) {
                    all_clocks.push(clock);
                }
            }
            if !scan_enables.contains(&scan_enable) {
                scan_enables.push(scan_enable);
            }
            resolved.push(Chain {
                name: chain_names.name(&chain.name),
                cell_names: chain.cells.iter().map(|c| cell_names.name(c)).collect(),
                cells,
                scan_in,
                scan_out,
                scan_enable,
                clocks,
            });
        }
        let mut names = builder.names;
        let pi_group = (num_primary_inputs > 0).then(|| names.name("_pi"));
        let po_group = (!primary_outputs.is_empty()).then(|| names.name("_po"));
        // Group names are ours: a changed one is no rename of a netlist name worth listing.
        names.renamed.retain(|(_, original)| original != "_pi" && original != "_po");
        let mut renamed = names.renamed;
        renamed.extend(chain_names.renamed);
        Ok(Design {
            signals: builder.signals,
            num_primary_inputs,
            primary_outputs,
            output_slot,
            chains: resolved,
            clocks: all_clocks,
            scan_enables,
            pi_group,
            po_group,
            renamed,
        })
    }

    /// The longest chain's length: the shift cycles of one load.
    fn shift_length(&self) -> usize {
        self.chains.iter().map(|c| c.cells.len()).max().unwrap_or(0)
    }
}

/// The character that forces an input value: X as 0 (see the module documentation).
fn force(value: Logic) -> char {
    match value {
        Logic::Zero | Logic::X => '0',
        Logic::One => '1',
    }
}

/// The character that compares an output value (X: not compared).
fn compare(value: Logic) -> char {
    match value {
        Logic::Zero => 'L',
        Logic::One => 'H',
        Logic::X => 'X',
    }
}

/// A `\rN #` (or `#`) parameter reference for a group of `width` signals.
fn parameters(width: usize) -> String {
    if width == 1 {
        "#".to_string()
    } else {
        format!("\\r{width} #")
    }
}

struct Writer<'a> {
    design: &'a Design,
    circuit: &'a Circuit,
    inputs: &'a PatternSet,
    expected: &'a PatternSet,
    transition: Option<&'a TransitionFields>,
    out: String,
}

impl Writer<'_> {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("   ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn quoted(&self, signal: usize) -> String {
        format!("\"{}\"", self.design.signals[signal].name)
    }

    fn write(&mut self, options: &StilOptions<'_>) -> Result<(), StilError> {
        self.header(options);
        self.signals();
        self.signal_groups();
        self.timing();
        let scan = !self.design.chains.is_empty();
        if scan {
            self.scan_structures();
        }
        self.line(0, "PatternBurst \"_burst_\" {");
        self.line(1, "PatList { \"_pattern_\"; }");
        self.line(0, "}");
        self.line(0, "");
        self.line(0, "PatternExec {");
        self.line(1, "PatternBurst \"_burst_\";");
        self.line(0, "}");
        self.line(0, "");
        if scan {
            self.procedures();
            self.macros();
            self.scan_patterns()
        } else {
            self.combinational_patterns()
        }
    }

    fn header(&mut self, options: &StilOptions<'_>) {
        self.line(0, "STIL 1.0;");
        self.line(0, "");
        self.line(0, "Header {");
        let design = annotation_text(options.design);
        self.line(1, &format!("Title \"{design} test patterns\";"));
        let date = options.date.clone().unwrap_or_else(now);
        self.line(1, &format!("Date \"{}\";", annotation_text(&date)));
        let source = format!(
            "netlist {}, patterns by atpg {}",
            self.circuit.name(),
            env!("CARGO_PKG_VERSION")
        );
        self.line(1, &format!("Source \"{}\";", annotation_text(&source)));
        for annotation in &options.annotations {
            for text in annotation.lines() {
                self.line(1, &format!("Ann {{* {} *}}", annotation_text(text)));
            }
        }
        if !self.design.chains.is_empty() {
            self.line(
                1,
                "Ann {* scan data: the first character is shifted first and ends in the cell next to scan-out, so strings list the ScanCells in reverse *}",
            );
        }
        for (stil, original) in &self.design.renamed {
            let text = format!("renamed: {} is netlist name {}", stil, describe_name(original));
            self.line(1, &format!("Ann {{* {} *}}", annotation_text(&text)));
        }
        self.line(0, "}");
        self.line(0, "");
    }

    fn signals(&mut self) {
        self.line(0, "Signals {");
        // Inputs first, then outputs, each in the order they were declared.
        for input in [true, false] {
            for (i, signal) in self.design.signals.iter().enumerate() {
                if signal.role.is_input() != input {
                    continue;
                }
                let direction = if input { "In" } else { "Out" };
                let attribute = match signal.also.unwrap_or(signal.role) {
                    Role::ScanIn => " { ScanIn; }",
                    Role::ScanOut => " { ScanOut; }",
                    _ => ";",
                };
                let text = format!("{} {direction}{attribute}", self.quoted(i));
                self.line(1, &text);
            }
        }
        let held: Vec<String> = (0..self.design.signals.len())
            .filter(|&i| self.design.signals[i].role == Role::Held)
            .map(|i| self.design.signals[i].name.clone())
            .collect();
        if !held.is_empty() {
            let text = format!(
                "not driven by these patterns (hold at the inactive level): {}",
                held.join(" ")
            );
            self.line(1, &format!("Ann {{* {} *}}", annotation_text(&text)));
        }
        self.line(0, "}");
        self.line(0, "");
    }

    fn signal_groups(&mut self) {
        let design = self.design;
        if design.pi_group.is_none() && design.po_group.is_none() {
            return;
        }
        self.line(0, "SignalGroups {");
        let pis: Vec<usize> = (0..design.num_primary_inputs).collect();
        for (group, members) in
            [(&design.pi_group, &pis), (&design.po_group, &design.primary_outputs)]
        {
            if let Some(group) = group {
                let lines: Vec<String> = members
                    .chunks(8)
                    .map(|chunk| {
                        chunk.iter().map(|&s| self.quoted(s)).collect::<Vec<_>>().join(" + ")
                    })
                    .collect();
                self.line(1, &format!("\"{group}\" = '{}';", lines.join("\n      + ")));
            }
        }
        self.line(0, "}");
        self.line(0, "");
    }

    fn timing(&mut self) {
        let design = self.design;
        self.line(0, "Timing {");
        self.line(1, &format!("WaveformTable \"{WAVEFORM_TABLE}\" {{"));
        self.line(2, "Period '100ns';");
        self.line(2, "Waveforms {");
        const FORCE: &str = "{ 01 { '0ns' D/U; } }";
        const CLOCK: &str = "{ 0 { '0ns' D; } P { '0ns' D; '50ns' U; '80ns' D; } }";
        const STROBE: &str = "{ LHX { '0ns' X; '40ns' L/H/X; } }";
        if let Some(group) = &design.pi_group {
            self.line(3, &format!("\"{group}\" {FORCE}"));
        }
        for (i, signal) in design.signals.iter().enumerate() {
            let waveform = match signal.role {
                Role::ScanIn | Role::ScanEnable => FORCE,
                Role::Clock => CLOCK,
                _ => continue,
            };
            self.line(3, &format!("{} {waveform}", self.quoted(i)));
        }
        if let Some(group) = &design.po_group {
            self.line(3, &format!("\"{group}\" {STROBE}"));
        }
        for (i, signal) in design.signals.iter().enumerate() {
            if signal.role == Role::ScanOut {
                self.line(3, &format!("{} {STROBE}", self.quoted(i)));
            }
        }
        self.line(2, "}");
        self.line(1, "}");
        self.line(0, "}");
        self.line(0, "");
    }

    fn scan_structures(&mut self) {
        let design = self.design;
        self.line(0, "ScanStructures {");
        for chain in &design.chains {
            self.line(1, &format!("ScanChain \"{}\" {{", chain.name));
            self.line(2, &format!("ScanLength {};", chain.cells.len()));
            self.line(2, &format!("ScanIn {};", self.quoted(chain.scan_in)));
            self.line(2, &format!("ScanOut {};", self.quoted(chain.scan_out)));
            let clocks: Vec<String> = chain.clocks.iter().map(|&c| self.quoted(c)).collect();
            self.line(2, &format!("ScanMasterClock {};", clocks.join(" ")));
            // IEEE 1450-1999 has no ScanEnable statement (1450.1 adds one), so it is noted here;
            // the procedures drive it.
            let text = format!("scan enable {}", design.signals[chain.scan_enable].name);
            self.line(2, &format!("Ann {{* {} *}}", annotation_text(&text)));
            self.line(2, "ScanCells");
            for names in chain.cell_names.chunks(8) {
                let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                self.line(3, &list.join(" "));
            }
            self.line(2, ";");
            self.line(1, "}");
        }
        self.line(0, "}");
        self.line(0, "");
    }

    /// `"a" = 0; "b" = 0;` for every signal of `signals`.
    fn assign_all(&self, signals: &[usize], value: char) -> String {
        signals.iter().map(|&s| format!("{} = {value}; ", self.quoted(s))).collect()
    }

    fn procedures(&mut self) {
        let design = self.design;
        self.line(0, "Procedures {");
        self.line(1, "\"load_unload\" {");
        self.line(2, &format!("W \"{WAVEFORM_TABLE}\";"));
        let setup = format!(
            "{}{}",
            self.assign_all(&design.clocks, '0'),
            self.assign_all(&design.scan_enables, '1')
        );
        self.line(2, &format!("V {{ {setup}}}"));
        let mut shift = String::new();
        for chain in &design.chains {
            let _ = write!(
                shift,
                "{} = #; {} = #; ",
                self.quoted(chain.scan_in),
                self.quoted(chain.scan_out)
            );
        }
        shift.push_str(&self.assign_all(&design.clocks, 'P'));
        self.line(2, &format!("Shift {{ V {{ {shift}}} }}"));
        self.line(1, "}");
        self.line(1, "\"capture\" {");
        self.line(2, &format!("W \"{WAVEFORM_TABLE}\";"));
        let mut capture = String::new();
        if let Some(group) = &design.pi_group {
            let _ = write!(capture, "\"{group}\" = {}; ", parameters(design.num_primary_inputs));
        }
        if let Some(group) = &design.po_group {
            let _ = write!(capture, "\"{group}\" = {}; ", parameters(design.primary_outputs.len()));
        }
        capture.push_str(&self.assign_all(&design.clocks, 'P'));
        // A scan enable that is a primary input gets the pattern's value through `_pi`.
        let enables: Vec<usize> = design
            .scan_enables
            .iter()
            .copied()
            .filter(|&s| design.signals[s].role == Role::ScanEnable)
            .collect();
        capture.push_str(&self.assign_all(&enables, '0'));
        self.line(2, &format!("V {{ {capture}}}"));
        self.line(1, "}");
        if let Some(launch) = self.transition.map(|t| t.launch) {
            // Launch-on-capture: frame 1's primary inputs, one functional clock pulse, nothing
            // strobed. Launch-on-shift: the last shift, so also one more scan-in bit per chain,
            // with scan enable still 1.
            let name = match launch {
                Launch::Loc => "launch",
                Launch::Los => "launch_shift",
            };
            self.line(1, &format!("\"{name}\" {{"));
            self.line(2, &format!("W \"{WAVEFORM_TABLE}\";"));
            let mut body = String::new();
            if let Some(group) = &design.pi_group {
                let _ = write!(body, "\"{group}\" = {}; ", parameters(design.num_primary_inputs));
            }
            if launch == Launch::Los {
                for chain in &design.chains {
                    let _ = write!(body, "{} = #; ", self.quoted(chain.scan_in));
                }
            }
            body.push_str(&self.assign_all(&design.clocks, 'P'));
            match launch {
                Launch::Loc => body.push_str(&self.assign_all(&enables, '0')),
                Launch::Los => body.push_str(&self.assign_all(&design.scan_enables, '1')),
            }
            self.line(2, &format!("V {{ {body}}}"));
            self.line(1, "}");
        }
        self.line(0, "}");
        self.line(0, "");
    }

    fn macros(&mut self) {
        let design = self.design;
        self.line(0, "MacroDefs {");
        self.line(1, "\"test_setup\" {");
        self.line(2, &format!("W \"{WAVEFORM_TABLE}\";"));
        let setup = format!(
            "{}{}",
            self.assign_all(&design.clocks, '0'),
            self.assign_all(&design.scan_enables, '0')
        );
        self.line(2, &format!("V {{ {setup}}}"));
        self.line(1, "}");
        self.line(0, "}");
        self.line(0, "");
    }

    /// Writes `"name" = data;`, breaking long data over lines.
    fn assignment(&mut self, indent: usize, name: &str, data: &str) {
        if data.len() <= DATA_LINE {
            self.line(indent, &format!("{name} = {data};"));
            return;
        }
        self.line(indent, &format!("{name} ="));
        let chunks: Vec<&str> = data
            .as_bytes()
            .chunks(DATA_LINE)
            .map(|c| std::str::from_utf8(c).expect("data characters are ASCII"))
            .collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let end = if i + 1 == chunks.len() { ";" } else { "" };
            self.line(indent + 1, &format!("{chunk}{end}"));
        }
    }

    /// The primary input values of pattern `p`.
    fn primary_inputs(&self, p: PatternId) -> String {
        (0..self.design.num_primary_inputs).map(|i| force(self.inputs.get(p, i))).collect()
    }

    /// The expected primary output values of pattern `p`, one per `_po` signal.
    fn primary_outputs(&self, p: PatternId) -> Result<String, StilError> {
        let mut values = vec![Logic::X; self.design.primary_outputs.len()];
        for (entry, &slot) in self.design.output_slot.iter().enumerate() {
            let value = self.expected.get(p, entry);
            match (values[slot], value) {
                (_, Logic::X) => {}
                (Logic::X, known) => values[slot] = known,
                (a, b) if a == b => {}
                _ => {
                    let node = self.circuit.outputs()[entry];
                    return Err(StilError::ConflictingExpected {
                        pattern: p,
                        signal: self.circuit.node_name(node).to_string(),
                    });
                }
            }
        }
        Ok(values.into_iter().map(compare).collect())
    }

    /// The scan-in string of `chain` for pattern `p` (see "Shift order" in the module docs).
    fn load(&self, chain: &Chain, p: Option<PatternId>) -> String {
        let length = self.design.shift_length();
        let pad = length - chain.cells.len();
        let first_pseudo = self.circuit.num_primary_inputs();
        let mut text = "0".repeat(pad);
        text.extend(chain.cells.iter().rev().map(|&cell| match p {
            Some(p) => force(self.inputs.get(p, first_pseudo + cell)),
            None => '0',
        }));
        text
    }

    /// The scan-out string of `chain`: what pattern `p` captured (see "Shift order").
    fn unload(&self, chain: &Chain, p: Option<PatternId>) -> String {
        let length = self.design.shift_length();
        let first_pseudo = self.circuit.num_primary_outputs();
        let mut text: String = chain
            .cells
            .iter()
            .rev()
            .map(|&cell| match p {
                Some(p) => compare(self.expected.get(p, first_pseudo + cell)),
                None => 'X',
            })
            .collect();
        text.push_str(&"X".repeat(length - chain.cells.len()));
        text
    }

    fn load_unload(&mut self, load: Option<PatternId>, unload: Option<PatternId>) {
        self.line(1, "Call \"load_unload\" {");
        let design = self.design;
        for chain in &design.chains {
            let data = self.load(chain, load);
            self.assignment(2, &self.quoted(chain.scan_in), &data);
            let data = self.unload(chain, unload);
            self.assignment(2, &self.quoted(chain.scan_out), &data);
        }
        self.line(1, "}");
    }

    fn scan_patterns(&mut self) -> Result<(), StilError> {
        self.line(0, "Pattern \"_pattern_\" {");
        self.line(1, &format!("W \"{WAVEFORM_TABLE}\";"));
        self.line(1, "Macro \"test_setup\";");
        let count = self.inputs.len();
        for p in (0..count).map(|p| PatternId(p as u32)) {
            self.line(1, &format!("Ann {{* pattern {} *}}", p.0));
            let previous = p.0.checked_sub(1).map(PatternId);
            self.load_unload(Some(p), previous);
            self.launch(p);
            let pis = match self.transition {
                Some(t) => self.frame2_primary_inputs(t, p),
                None => self.primary_inputs(p),
            };
            let pos = self.primary_outputs(p)?;
            if pis.is_empty() && pos.is_empty() {
                self.line(1, "Call \"capture\";");
                continue;
            }
            self.line(1, "Call \"capture\" {");
            let design = self.design;
            if let Some(group) = &design.pi_group {
                self.assignment(2, &format!("\"{group}\""), &pis);
            }
            if let Some(group) = &design.po_group {
                self.assignment(2, &format!("\"{group}\""), &pos);
            }
            self.line(1, "}");
        }
        if count > 0 {
            self.line(1, &format!("Ann {{* unload of pattern {} *}}", count - 1));
            self.load_unload(None, Some(PatternId(count as u32 - 1)));
        }
        self.line(0, "}");
        Ok(())
    }

    /// Frame 2's primary input values of transition pattern `p`.
    fn frame2_primary_inputs(&self, t: &TransitionFields, p: PatternId) -> String {
        (0..self.design.num_primary_inputs).map(|i| force(t.frame2.get(p, i))).collect()
    }

    /// The launch of transition pattern `p` (nothing for stuck-at patterns).
    fn launch(&mut self, p: PatternId) {
        let Some(t) = self.transition else { return };
        let design = self.design;
        let pis = self.primary_inputs(p);
        match t.launch {
            Launch::Loc => self.line(1, "Call \"launch\" {"),
            Launch::Los => self.line(1, "Call \"launch_shift\" {"),
        }
        if let Some(group) = &design.pi_group {
            self.assignment(2, &format!("\"{group}\""), &pis);
        }
        if t.launch == Launch::Los {
            for (c, chain) in design.chains.iter().enumerate() {
                let bit = force(t.frame2.get(p, design.num_primary_inputs + c)).to_string();
                self.assignment(2, &self.quoted(chain.scan_in), &bit);
            }
        }
        self.line(1, "}");
    }

    fn combinational_patterns(&mut self) -> Result<(), StilError> {
        self.line(0, "Pattern \"_pattern_\" {");
        self.line(1, &format!("W \"{WAVEFORM_TABLE}\";"));
        let design = self.design;
        for p in (0..self.inputs.len()).map(|p| PatternId(p as u32)) {
            self.line(1, &format!("Ann {{* pattern {} *}}", p.0));
            if let (Some(t), Some(group)) = (self.transition, &design.pi_group) {
                // Frame 1 sets the initial values; the next vector launches and is compared.
                let pis = self.primary_inputs(p);
                self.line(1, "V {");
                self.assignment(2, &format!("\"{group}\""), &pis);
                self.line(1, "}");
                let pis = self.frame2_primary_inputs(t, p);
                self.line(1, "V {");
                self.assignment(2, &format!("\"{group}\""), &pis);
                if let Some(group) = &design.po_group {
                    let pos = self.primary_outputs(p)?;
                    self.assignment(2, &format!("\"{group}\""), &pos);
                }
                self.line(1, "}");
                continue;
            }
            self.line(1, "V {");
            if let Some(group) = &design.pi_group {
                let pis = self.primary_inputs(p);
                self.assignment(2, &format!("\"{group}\""), &pis);
            }
            if let Some(group) = &design.po_group {
                let pos = self.primary_outputs(p)?;
                self.assignment(2, &format!("\"{group}\""), &pos);
            }
            self.line(1, "}");
        }
        self.line(0, "}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use netlist::chains::ScanChain;

    use super::*;

    fn bench(text: &str) -> Circuit {
        netlist::bench::parse_bench(text, "test.bench")
            .expect("test netlist parses")
            .levelize()
            .expect("levelizes")
    }

    fn options(chains: Option<&ScanChains>) -> StilOptions<'_> {
        StilOptions {
            design: "test",
            chains,
            annotations: vec!["2 patterns".to_string()],
            date: Some("Thu Feb 29 12:34:56 2024".to_string()),
            transition: None,
        }
    }

    /// A set of `width`-wide vectors written as strings of `0`, `1` and `X`.
    fn vectors(width: usize, rows: &[&str]) -> PatternSet {
        let mut set = PatternSet::new(width);
        for row in rows {
            let values: Vec<Logic> =
                row.chars().map(|c| Logic::from_char(c).expect("0, 1 or X")).collect();
            set.push(&values);
        }
        set
    }

    /// Four flip-flops `q1`..`q4` (named after their outputs) and one primary input and output.
    const FOUR_FLOPS: &str = "\
INPUT(a)
OUTPUT(z)
q1 = DFF(n1)
q2 = DFF(n2)
q3 = DFF(n3)
q4 = DFF(n4)
n1 = AND(a, q4)
n2 = NOT(q1)
n3 = OR(q2, a)
n4 = XOR(q3, q1)
z = NAND(q2, q4)
";

    fn chain(name: &str, port: usize, cells: &[&str]) -> ScanChain {
        ScanChain {
            name: name.to_string(),
            scan_in: format!("si{port}"),
            scan_out: format!("so{port}"),
            scan_enable: "se".to_string(),
            clock: None,
            cells: cells.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// The `Call`s of the pattern block: procedure name and `(signal, data)` assignments, data
    /// with white space removed.
    fn calls(stil: &str) -> Vec<(String, Vec<(String, String)>)> {
        let pattern = &stil[stil.find("Pattern \"_pattern_\"").expect("a pattern block")..];
        let mut calls = Vec::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("Call \"") {
            rest = &rest[start + 6..];
            let name_end = rest.find('"').expect("closing quote");
            let name = rest[..name_end].to_string();
            rest = &rest[name_end + 1..];
            let statement_end = rest.find(['}', ';']).expect("a call ends");
            let mut assignments = Vec::new();
            if rest[..statement_end].trim_start().starts_with('{') {
                let body_end = rest.find('}').expect("closing brace");
                let body = &rest[rest.find('{').expect("opening brace") + 1..body_end];
                for item in body.split(';').filter(|s| !s.trim().is_empty()) {
                    let (signal, data) = item.split_once('=').expect("signal = data");
                    let data: String = data.chars().filter(|c| !c.is_whitespace()).collect();
                    assignments.push((signal.trim().trim_matches('"').to_string(), data));
                }
                rest = &rest[body_end..];
            }
            calls.push((name, assignments));
        }
        calls
    }

    /// The data assigned to `signal` in a call.
    fn data<'a>(call: &'a (String, Vec<(String, String)>), signal: &str) -> &'a str {
        &call.1.iter().find(|(s, _)| s == signal).expect("signal assigned").1
    }

    /// `ScanCells` of the chain named `chain`, in file order.
    fn scan_cells(stil: &str, chain: &str) -> Vec<String> {
        let block = &stil[stil.find(&format!("ScanChain \"{chain}\"")).expect("the chain")..];
        let list = &block[block.find("ScanCells").expect("ScanCells") + 9..];
        let list = &list[..list.find(';').expect("ScanCells ends")];
        list.split_whitespace().map(|n| n.trim_matches('"').to_string()).collect()
    }

    #[test]
    fn combinational_stil_is_one_vector_per_pattern() {
        let circuit = bench(netlist::testdata::C17_BENCH);
        let inputs = vectors(5, &["01X10", "11111"]);
        let expected = vectors(2, &["1X", "10"]);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        let golden = r#"STIL 1.0;

Header {
   Title "test test patterns";
   Date "Thu Feb 29 12:34:56 2024";
   Source "netlist test, patterns by atpg VERSION";
   Ann {* 2 patterns *}
}

Signals {
   "1" In;
   "2" In;
   "3" In;
   "6" In;
   "7" In;
   "22" Out;
   "23" Out;
}

SignalGroups {
   "_pi" = '"1" + "2" + "3" + "6" + "7"';
   "_po" = '"22" + "23"';
}

Timing {
   WaveformTable "_default_WFT_" {
      Period '100ns';
      Waveforms {
         "_pi" { 01 { '0ns' D/U; } }
         "_po" { LHX { '0ns' X; '40ns' L/H/X; } }
      }
   }
}

PatternBurst "_burst_" {
   PatList { "_pattern_"; }
}

PatternExec {
   PatternBurst "_burst_";
}

Pattern "_pattern_" {
   W "_default_WFT_";
   Ann {* pattern 0 *}
   V {
      "_pi" = 01010;
      "_po" = HX;
   }
   Ann {* pattern 1 *}
   V {
      "_pi" = 11111;
      "_po" = HL;
   }
}
"#;
        assert_eq!(stil, golden.replace("VERSION", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn load_and_unload_strings_list_the_cells_from_scan_out_back() {
        let circuit = bench(FOUR_FLOPS);
        // Inputs: a, then q1..q4 (netlist order); outputs: z, then d of q1..q4.
        let inputs = vectors(5, &["01001", "1XX10"]);
        let expected = vectors(5, &["110X1", "0X1X0"]);
        let chains = ScanChains { chains: vec![chain("c", 1, &["q3", "q1", "q4", "q2"])] };
        let stil =
            write_stil(&circuit, &inputs, &expected, &options(Some(&chains))).expect("writes");
        let cells = scan_cells(&stil, "c");
        assert_eq!(cells, ["q3", "q1", "q4", "q2"], "ScanCells run from scan-in to scan-out");
        let calls = calls(&stil);
        let names: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["load_unload", "capture", "load_unload", "capture", "load_unload"]);
        // The load string lists the cells in reverse ScanCells order: its first character is
        // shifted first and ends in q2, next to scan-out.
        let value_in = |pattern: usize, cell: &str| {
            let flop = circuit.scan_cells().iter().position(|c| c.name == cell).expect("flop");
            force(inputs.get(PatternId(pattern as u32), 1 + flop))
        };
        let value_out = |pattern: usize, cell: &str| {
            let flop = circuit.scan_cells().iter().position(|c| c.name == cell).expect("flop");
            compare(expected.get(PatternId(pattern as u32), 1 + flop))
        };
        for pattern in 0..2 {
            let load = data(&calls[2 * pattern], "si1");
            let from_scan_out: String = cells.iter().rev().map(|c| value_in(pattern, c)).collect();
            assert_eq!(load, from_scan_out, "load of pattern {pattern}");
        }
        // By hand, for pattern 0 (q1..q4 = 1 0 0 1): q2 q4 q1 q3 = 0 1 1 0.
        assert_eq!(data(&calls[0], "si1"), "0110");
        assert_eq!(data(&calls[2], "si1"), "0001", "X loads as 0");
        // Unloads: nothing expected before the first capture; then what each pattern captured,
        // in the same order; the last call loads zeros.
        assert_eq!(data(&calls[0], "so1"), "XXXX");
        for pattern in 0..2 {
            let unload = data(&calls[2 * pattern + 2], "so1");
            let from_scan_out: String = cells.iter().rev().map(|c| value_out(pattern, c)).collect();
            assert_eq!(unload, from_scan_out, "unload of pattern {pattern}");
        }
        // Pattern 0 captures d(q1..q4) = 1 0 X 1: q2 q4 q1 q3 = L H H X.
        assert_eq!(data(&calls[2], "so1"), "LHHX");
        assert_eq!(data(&calls[4], "si1"), "0000");
        assert_eq!(data(&calls[1], "_pi"), "0");
        assert_eq!(data(&calls[1], "_po"), "H");
        assert_eq!(data(&calls[3], "_po"), "L");
    }

    #[test]
    fn long_groups_and_data_are_broken_over_lines() {
        let names: Vec<String> = (0..130).map(|i| format!("i{i}")).collect();
        let text: String = names.iter().map(|n| format!("INPUT({n})\n")).collect::<String>()
            + "OUTPUT(y)\ny = XOR("
            + &names.join(", ")
            + ")\n";
        let circuit = bench(&text);
        let inputs = vectors(130, &[&"01".repeat(65)]);
        let expected = vectors(1, &["1"]);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        assert!(stil.contains("\"i7\"\n      + \"i8\" + "), "{stil}");
        assert!(
            stil.contains(&format!(
                "\"_pi\" =\n         {}\n         {};",
                "01".repeat(50),
                "01".repeat(15)
            )),
            "{stil}"
        );
        assert!(stil.lines().all(|l| l.len() < 140), "no line is longer than a group of 8 names");
    }

    #[test]
    fn unequal_chains_are_padded_to_the_longest() {
        let circuit = bench(FOUR_FLOPS);
        let inputs = vectors(5, &["01101"]);
        let expected = vectors(5, &["10110"]);
        let chains =
            ScanChains { chains: vec![chain("a", 1, &["q1", "q2", "q3"]), chain("b", 2, &["q4"])] };
        let stil =
            write_stil(&circuit, &inputs, &expected, &options(Some(&chains))).expect("writes");
        let calls = calls(&stil);
        // q1 q2 q3 = 1 1 0, listed from scan-out: 0 1 1. q4 = 1 after two zeros of padding
        // that are shifted through and out before it.
        assert_eq!(data(&calls[0], "si1"), "011");
        assert_eq!(data(&calls[0], "si2"), "001");
        // Captured q1 q2 q3 = 0 1 1 -> H H L from scan-out; q4 = 0, then nothing to compare.
        assert_eq!(data(&calls[2], "so1"), "HHL");
        assert_eq!(data(&calls[2], "so2"), "LXX");
        assert!(
            stil.contains(
                "Shift { V { \"si1\" = #; \"so1\" = #; \"si2\" = #; \"so2\" = #; \"CK\" = P; } }"
            ),
            "{stil}"
        );
    }

    #[test]
    fn scan_ports_of_the_netlist_are_not_declared_twice() {
        // After scan insertion the chain's ports are netlist ports: the scan-in and scan enable
        // are primary inputs, the scan-out a primary output.
        let circuit = bench(
            "INPUT(a)\nINPUT(scan_in_1)\nINPUT(scan_enable)\nOUTPUT(scan_out_1)\n\
             f1 = DFF(m1)\nf2 = DFF(m2)\nm1 = MUX(scan_enable, a, scan_in_1)\n\
             m2 = MUX(scan_enable, f1, f1)\nscan_out_1 = BUF(f2)\n",
        );
        let inputs = vectors(5, &["01101"]);
        let expected = crate::sim::GoodSimulator::new(&circuit).simulate(&inputs);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        for signal in ["scan_in_1", "scan_enable", "scan_out_1"] {
            let declared = stil
                .lines()
                .filter(|l| {
                    l.trim_start().starts_with(&format!("\"{signal}\" In"))
                        || l.trim_start().starts_with(&format!("\"{signal}\" Out"))
                })
                .count();
            assert_eq!(declared, 1, "{signal} is declared once:\n{stil}");
        }
        assert!(stil.contains("\"scan_in_1\" In { ScanIn; }"), "{stil}");
        assert!(stil.contains("\"scan_out_1\" Out { ScanOut; }"), "{stil}");
        // The scan enable is a pattern input: capture applies the pattern's value, not 0.
        assert!(stil.contains("V { \"_pi\" = \\r3 #; \"_po\" = #; \"CK\" = P; }"), "{stil}");
        assert!(stil.contains("V { \"CK\" = 0; \"scan_enable\" = 1; }"), "{stil}");
        // Only the default clock has a waveform of its own; the ports are in the groups.
        assert!(!stil.contains("\"scan_enable\" { 01"), "{stil}");
    }

    #[test]
    fn a_net_declared_twice_as_output_is_one_signal() {
        let circuit = bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\nOUTPUT(y)\ny = AND(a, b)\n");
        assert_eq!(circuit.outputs().len(), 2);
        let inputs = vectors(2, &["11", "01"]);
        let expected = vectors(2, &["1X", "X0"]);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        assert_eq!(stil.matches("\"y\" Out;").count(), 1);
        assert!(stil.contains("\"_po\" = '\"y\"';"), "{stil}");
        assert!(stil.contains("\"_po\" = H;") && stil.contains("\"_po\" = L;"), "{stil}");

        let conflicting = vectors(2, &["10", "00"]);
        let error =
            write_stil(&circuit, &inputs, &conflicting, &options(None)).expect_err("0 and 1");
        assert_eq!(
            error.to_string(),
            "pattern 0: output `y` is listed twice with different expected values"
        );
    }

    #[test]
    fn names_that_clash_after_quoting_get_a_suffix() {
        let circuit =
            bench("INPUT(a\"b)\nINPUT(a_b)\nINPUT(a_b_1)\nOUTPUT(y)\ny = AND(a\"b, a_b, a_b_1)\n");
        let inputs = vectors(3, &["111"]);
        let expected = vectors(1, &["1"]);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        assert!(stil.contains("\"_pi\" = '\"a_b\" + \"a_b_1\" + \"a_b_1_1\"';"), "{stil}");
        assert!(stil.contains("Ann {* renamed: a_b is netlist name a\\x22b *}"), "{stil}");
        assert!(stil.contains("Ann {* renamed: a_b_1 is netlist name a_b *}"), "{stil}");
        assert!(stil.contains("Ann {* renamed: a_b_1_1 is netlist name a_b_1 *}"), "{stil}");
    }

    #[test]
    fn the_default_clock_avoids_netlist_names() {
        let circuit = bench("INPUT(CK)\nOUTPUT(q)\nq = DFF(d)\nd = NOT(CK)\n");
        let inputs = vectors(2, &["10"]);
        let expected = vectors(2, &["01"]);
        let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
        assert!(stil.contains("ScanMasterClock \"CK_1\";"), "{stil}");
        assert!(stil.contains("\"CK_1\" In;"), "{stil}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let circuit = bench(FOUR_FLOPS);
        let good_in = vectors(5, &["01001"]);
        let good_out = vectors(5, &["110X1"]);
        let error = |inputs: &PatternSet, expected: &PatternSet, chains: Option<&ScanChains>| {
            write_stil(&circuit, inputs, expected, &options(chains))
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            error(&vectors(4, &["0100"]), &good_out, None),
            "the input vectors have 4 values each, but the circuit has 5 inputs (primary and pseudo)"
        );
        assert_eq!(
            error(&good_in, &vectors(6, &["110X11"]), None),
            "the expected responses have 6 values each, but the circuit has 5 outputs (primary and pseudo)"
        );
        assert_eq!(
            error(&good_in, &vectors(5, &["110X1", "110X1"]), None),
            "1 input vectors but 2 expected responses"
        );
        let missing = ScanChains { chains: vec![chain("c", 1, &["q1", "q2", "q3"])] };
        assert_eq!(
            error(&good_in, &good_out, Some(&missing)),
            "flip-flop `q4` is in no scan chain (1 flip-flops in all are missing)"
        );
        let with = |edit: &dyn Fn(&mut ScanChain)| {
            let mut c = chain("c", 1, &["q1", "q2", "q3", "q4"]);
            edit(&mut c);
            ScanChains { chains: vec![c] }
        };
        assert_eq!(
            error(&good_in, &good_out, Some(&with(&|c| c.clock = Some("a".to_string())))),
            "port `a` cannot be both a primary input and a scan clock"
        );
        assert_eq!(
            error(&good_in, &good_out, Some(&with(&|c| c.scan_in = "z".to_string()))),
            "port `z` cannot be both a primary output and a scan-in port"
        );
        assert_eq!(
            error(&good_in, &good_out, Some(&with(&|c| c.scan_enable = "si1".to_string()))),
            "port `si1` cannot be both a scan-in port and a scan enable"
        );
        assert_eq!(
            error(&good_in, &good_out, Some(&with(&|c| c.scan_out = "a".to_string()))),
            "port `a` cannot be both a primary input and a scan-out port"
        );
        let empty = netlist::Netlist::new("empty").levelize().expect("an empty netlist levelizes");
        let none = PatternSet::new(0);
        assert_eq!(
            write_stil(&empty, &none, &none, &options(None)).expect_err("empty").to_string(),
            "the circuit has no inputs, outputs or flip-flops: nothing to test"
        );
    }

    #[test]
    fn no_patterns_is_setup_only() {
        let circuit = bench(FOUR_FLOPS);
        let none = PatternSet::new(5);
        let stil = write_stil(&circuit, &none, &none, &options(None)).expect("writes");
        assert!(calls(&stil).is_empty());
        assert!(
            stil.ends_with(
                "Pattern \"_pattern_\" {\n   W \"_default_WFT_\";\n   Macro \"test_setup\";\n}\n"
            ),
            "{stil}"
        );
    }

    #[test]
    fn dates_read_like_asctime() {
        assert_eq!(stil_date(0), "Thu Jan 01 00:00:00 1970");
        assert_eq!(stil_date(1_709_210_096), "Thu Feb 29 12:34:56 2024");
        assert_eq!(stil_date(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(stil_date(4_102_444_799), "Thu Dec 31 23:59:59 2099");
        let now = now();
        assert_eq!(now.len(), 24, "{now}");
    }
}
