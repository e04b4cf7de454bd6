//! The project's plain text pattern format: one pattern per line.
//!
//! ```text
//! # c17, 2 patterns
//! design: c17
//! inputs: 1 2 3 6 7
//! outputs: 22 23
//! 01X10 1X
//! 11111 10
//! ```
//!
//! Precisely:
//! - The file is UTF-8 text, split into lines at `\n` (a `\r` before it is ignored). Leading and
//!   trailing blanks (spaces and tabs) on a line are ignored.
//! - Empty lines, and lines whose first non-blank character is `#`, are comments, anywhere.
//! - A line whose first blank-separated word contains `:` is a header line `key: value`. All
//!   header lines come before the first pattern. Two keys are required, each exactly once:
//!   - `inputs:` the names of the circuit inputs, separated by blanks: the primary inputs in
//!     netlist order (ports that feed only clock, set or reset pins are not inputs), then the
//!     output net of every flip-flop in netlist order (the full-scan view);
//!   - `outputs:` the names of the primary outputs in netlist order, then the data-input net of
//!     every flip-flop in netlist order. A net may appear more than once.
//!
//!   Names are the netlist's own net names and must match this order exactly, so that a
//!   pattern's values need no further mapping. Other keys (for example `design:`) are allowed and
//!   kept as written.
//! - Every other line is a pattern: two blank-separated fields, the input values (one character
//!   per name of `inputs:`, in that order) and the expected output values (one per name of
//!   `outputs:`). Values are `0`, `1` and `X` (or `x`), unknown; an `X` in the expected outputs
//!   means "not compared". A field for an empty list is written `-`.
//!
//! Transition patterns (two frames, see [`netlist::unroll`]) add header lines and a field:
//!
//! ```text
//! launch: los
//! chain: q1 q2 q3
//! inputs: a b q1 q2 q3
//! outputs: y d1 d2 d3
//! 01101 101 1X01
//! ```
//!
//! - `launch: loc` (launch-on-capture) or `launch: los` (launch-on-shift), at most once; its
//!   presence makes the file a transition pattern file.
//! - For `los`, one `chain:` line per scan chain: the outputs of its flip-flops (names from the
//!   `inputs:` list) from scan-in to scan-out; together the chains hold every flip-flop once.
//! - Each pattern line has three fields: frame 1's inputs (as `inputs:` lists them: primary
//!   inputs and the scan load), frame 2's primary inputs (equal to frame 1's when they are
//!   held), followed for `los` by one scan-in bit per chain in `chain:` order, and the expected
//!   outputs after frame 2 (primary outputs and captured flip-flop data, as `outputs:` lists).
//!
//! Every problem is reported as a [`ParseError`] naming the file, line and column.

use std::path::Path;

use netlist::{Circuit, Launch, NodeId, ParseError, SourcePos};

use super::{Logic, PatternSet};

/// Errors from reading a pattern file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not a valid pattern file for the circuit.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// A parsed pattern file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternFile {
    /// Input vectors, one signal per circuit input (primary, then pseudo).
    pub inputs: PatternSet,
    /// Expected responses, one signal per circuit output (primary, then pseudo); X = not compared.
    pub expected: PatternSet,
    /// The header lines other than `inputs:` and `outputs:`, as `(key, value)` in file order.
    pub header: Vec<(String, String)>,
    /// The line number of each pattern, for messages about it.
    pub lines: Vec<u32>,
    /// For transition pattern files (a `launch:` header), the launch mode, chains and frame-2
    /// values.
    pub transition: Option<TransitionFields>,
}

/// What a transition pattern file adds to a stuck-at one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionFields {
    /// The launch mode of the `launch:` line.
    pub launch: Launch,
    /// For launch-on-shift, each chain's flip-flops as indices into
    /// [`netlist::Circuit::scan_cells`], scan-in first (from the `chain:` lines).
    pub chains: Vec<Vec<usize>>,
    /// Per pattern, frame 2's primary inputs, then (launch-on-shift) one scan-in bit per chain.
    pub frame2: PatternSet,
}

/// Reads a pattern file for `circuit`.
pub fn read_patterns(path: &Path, circuit: &Circuit) -> Result<PatternFile, PatternError> {
    let file = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|source| PatternError::Io { path: file.clone(), source })?;
    let text = netlist::read::decode_text(bytes, &file)?;
    Ok(parse_patterns(&text, &file, circuit)?)
}

/// Which header a name list is for.
#[derive(Clone, Copy)]
enum Side {
    Inputs,
    Outputs,
}

impl Side {
    fn key(self) -> &'static str {
        match self {
            Side::Inputs => "inputs",
            Side::Outputs => "outputs",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Side::Inputs => "primary input or flip-flop output",
            Side::Outputs => "primary output or flip-flop data net",
        }
    }

    fn order(self) -> &'static str {
        match self {
            Side::Inputs => "primary inputs in netlist order, then flip-flop outputs",
            Side::Outputs => "primary outputs in netlist order, then flip-flop data nets",
        }
    }
}

/// The names a header must list, in order.
fn expected_names(circuit: &Circuit, side: Side) -> Vec<&str> {
    match side {
        Side::Inputs => circuit.inputs().map(|n| circuit.node_name(n)).collect(),
        Side::Outputs => circuit.outputs().iter().map(|&n| circuit.node_name(n)).collect(),
    }
}

/// Blank-separated words of `line` with their byte offsets.
fn words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    line.split([' ', '\t'])
        .scan(0usize, |offset, word| {
            let start = *offset;
            *offset += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, w)| !w.is_empty())
}

struct LineCursor<'a> {
    file: &'a str,
    line: &'a str,
    number: u32,
}

impl LineCursor<'_> {
    fn error(&self, byte: usize, message: impl Into<String>) -> ParseError {
        let column = self.line[..byte.min(self.line.len())].chars().count() as u32 + 1;
        ParseError::at(self.file, SourcePos { line: self.number, column }, message)
    }
}

/// Checks a header's names against the circuit's, exactly and in order.
fn check_names(
    cursor: &LineCursor<'_>,
    value_start: usize,
    side: Side,
    expected: &[&str],
) -> Result<(), ParseError> {
    let found: Vec<(usize, &str)> =
        words(&cursor.line[value_start..]).map(|(o, w)| (o + value_start, w)).collect();
    for (position, &(offset, name)) in found.iter().enumerate() {
        if expected.get(position) == Some(&name) {
            continue;
        }
        let message = match expected.iter().position(|&e| e == name) {
            None => format!("`{name}` is not a {} of the netlist", side.what()),
            Some(at) => format!(
                "`{name}` is {} {} of the netlist but is listed as name {}: list the {}{}",
                side.key().trim_end_matches('s'),
                at + 1,
                position + 1,
                side.order(),
                match expected.get(position) {
                    Some(e) => format!(" (expected `{e}` here)"),
                    None => format!(" ({} names in all)", expected.len()),
                }
            ),
        };
        return Err(cursor.error(offset, message));
    }
    if found.len() < expected.len() {
        let missing: Vec<String> =
            expected[found.len()..].iter().take(5).map(|n| format!("`{n}`")).collect();
        return Err(cursor.error(
            cursor.line.len(),
            format!(
                "`{}:` lists {} names but the netlist has {}: missing {}{}",
                side.key(),
                found.len(),
                expected.len(),
                missing.join(", "),
                if expected.len() - found.len() > missing.len() { ", ..." } else { "" }
            ),
        ));
    }
    Ok(())
}

/// Parses one field of values into `values`, checking characters and width.
fn parse_field(
    cursor: &LineCursor<'_>,
    offset: usize,
    field: &str,
    width: usize,
    what: &str,
    values: &mut Vec<Logic>,
) -> Result<(), ParseError> {
    values.clear();
    if field == "-" && width == 0 {
        return Ok(());
    }
    for (i, c) in field.char_indices() {
        match Logic::from_char(c) {
            Some(v) => values.push(v),
            None => {
                return Err(cursor.error(
                    offset + i,
                    format!("unknown value `{c}` in the {what} values: expected 0, 1 or X"),
                ))
            }
        }
    }
    if values.len() != width {
        return Err(
            cursor.error(offset, format!("expected {width} {what} values, found {}", values.len()))
        );
    }
    Ok(())
}

/// Parses pattern text for `circuit`; `file` names it in error messages.
pub fn parse_patterns(
    text: &str,
    file: &str,
    circuit: &Circuit,
) -> Result<PatternFile, ParseError> {
    let input_names = expected_names(circuit, Side::Inputs);
    let output_names = expected_names(circuit, Side::Outputs);
    let mut inputs = PatternSet::new(input_names.len());
    let mut expected = PatternSet::new(output_names.len());
    let mut header = Vec::new();
    let mut lines = Vec::new();
    let (mut seen_inputs, mut seen_outputs) = (None::<u32>, None::<u32>);
    let mut first_pattern_line = None::<u32>;
    let mut in_values = Vec::with_capacity(input_names.len());
    let mut out_values = Vec::with_capacity(output_names.len());
    let mut launch: Option<(Launch, u32)> = None;
    let mut chain_lines: Vec<(u32, Vec<usize>)> = Vec::new();
    let mut frame2 = PatternSet::new(0);
    let mut frame2_values = Vec::new();
    let mut frame2_width = None::<usize>;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let cursor = LineCursor { file, line, number: index as u32 + 1 };
        let Some((first_offset, first_word)) = words(line).next() else { continue };
        if first_word.starts_with('#') {
            continue;
        }
        if let Some(colon) = first_word.find(':') {
            let key = &first_word[..colon];
            if let Some(pattern_line) = first_pattern_line {
                return Err(cursor.error(
                    first_offset,
                    format!("header line `{key}:` after the first pattern (line {pattern_line}): header lines come first"),
                ));
            }
            let value_start = first_offset + colon + 1;
            let side = match key {
                "inputs" => Side::Inputs,
                "outputs" => Side::Outputs,
                "launch" => {
                    if let Some((_, previous)) = launch {
                        return Err(cursor.error(
                            first_offset,
                            format!("second `launch:` line (the first is line {previous})"),
                        ));
                    }
                    let value = line[value_start..].trim();
                    let mode = match value {
                        "loc" => Launch::Loc,
                        "los" => Launch::Los,
                        _ => {
                            let at = value_start + line[value_start..].find(value).unwrap_or(0);
                            return Err(cursor.error(
                                at,
                                format!("unknown launch mode `{value}`: expected loc or los"),
                            ));
                        }
                    };
                    launch = Some((mode, cursor.number));
                    continue;
                }
                "chain" => {
                    chain_lines.push((cursor.number, chain_cells(&cursor, value_start, circuit)?));
                    continue;
                }
                _ => {
                    header.push((key.to_string(), line[value_start..].trim().to_string()));
                    continue;
                }
            };
            let seen = match side {
                Side::Inputs => &mut seen_inputs,
                Side::Outputs => &mut seen_outputs,
            };
            if let Some(previous) = *seen {
                return Err(cursor.error(
                    first_offset,
                    format!("second `{key}:` line (the first is line {previous})"),
                ));
            }
            *seen = Some(cursor.number);
            let names = match side {
                Side::Inputs => &input_names,
                Side::Outputs => &output_names,
            };
            check_names(&cursor, value_start, side, names)?;
            continue;
        }
        // A pattern line.
        for (side, seen) in [(Side::Inputs, seen_inputs), (Side::Outputs, seen_outputs)] {
            if seen.is_none() {
                return Err(cursor.error(
                    first_offset,
                    format!(
                        "missing header: a pattern before the `{}:` line (the {})",
                        side.key(),
                        side.order()
                    ),
                ));
            }
        }
        if first_pattern_line.is_none() {
            if let Some((mode, _)) = launch {
                frame2_width = Some(
                    circuit.num_primary_inputs()
                        + if mode == Launch::Los { chain_lines.len() } else { 0 },
                );
                frame2 = PatternSet::new(frame2_width.unwrap_or(0));
                check_chains(file, circuit, mode, launch.map_or(1, |l| l.1), &chain_lines)?;
            } else if let Some((number, _)) = chain_lines.first() {
                let at = SourcePos { line: *number, column: 1 };
                return Err(ParseError::at(file, at, "`chain:` line without a `launch: los` line"));
            }
        }
        first_pattern_line.get_or_insert(cursor.number);
        let fields: Vec<(usize, &str)> = words(line).collect();
        let layout = match frame2_width {
            Some(w) => format!(
                "three fields, {} frame-1 input values, {w} frame-2 input values, then {} expected output values",
                input_names.len(),
                output_names.len()
            ),
            None => format!(
                "two fields, {} input values then {} expected output values",
                input_names.len(),
                output_names.len()
            ),
        };
        let wanted = if frame2_width.is_some() { 3 } else { 2 };
        if fields.len() < wanted {
            return Err(cursor.error(line.len(), format!("expected {layout}")));
        }
        if let Some(&(extra, _)) = fields.get(wanted) {
            let message = match frame2_width {
                None => "unexpected third field: a pattern line holds the input values, a blank, then the expected output values".to_string(),
                Some(_) => format!("unexpected fourth field: expected {layout}"),
            };
            return Err(cursor.error(extra, message));
        }
        let (in_offset, in_field) = fields[0];
        let (out_offset, out_field) = fields[wanted - 1];
        if let Some(width) = frame2_width {
            let (offset, field) = fields[1];
            parse_field(&cursor, offset, field, width, "frame-2 input", &mut frame2_values)?;
            frame2.push(&frame2_values);
        }
        parse_field(&cursor, in_offset, in_field, input_names.len(), "input", &mut in_values)?;
        parse_field(&cursor, out_offset, out_field, output_names.len(), "output", &mut out_values)?;
        inputs.push(&in_values);
        expected.push(&out_values);
        lines.push(cursor.number);
    }
    for (side, seen) in [(Side::Inputs, seen_inputs), (Side::Outputs, seen_outputs)] {
        if seen.is_none() {
            return Err(ParseError::at(
                file,
                SourcePos { line: text.lines().count().max(1) as u32, column: 1 },
                format!(
                    "missing header: no `{}:` line (the {}) in the file",
                    side.key(),
                    side.order()
                ),
            ));
        }
    }
    if first_pattern_line.is_none() {
        if let Some((mode, number)) = launch {
            frame2 = PatternSet::new(
                circuit.num_primary_inputs()
                    + if mode == Launch::Los { chain_lines.len() } else { 0 },
            );
            check_chains(file, circuit, mode, number, &chain_lines)?;
        }
    }
    let transition = launch.map(|(launch, _)| TransitionFields {
        launch,
        chains: chain_lines.into_iter().map(|(_, cells)| cells).collect(),
        frame2,
    });
    Ok(PatternFile { inputs, expected, header, lines, transition })
}

/// The flip-flops a `chain:` line lists, by their outputs' names.
fn chain_cells(
    cursor: &LineCursor<'_>,
    value_start: usize,
    circuit: &Circuit,
) -> Result<Vec<usize>, ParseError> {
    let mut cells = Vec::new();
    for (offset, name) in words(&cursor.line[value_start..]) {
        let Some(k) = circuit.scan_cells().iter().position(|c| circuit.node_name(c.q) == name)
        else {
            return Err(cursor.error(
                value_start + offset,
                format!("`{name}` is not the output of a flip-flop of the netlist"),
            ));
        };
        cells.push(k);
    }
    if cells.is_empty() {
        return Err(cursor.error(cursor.line.len(), "empty `chain:` line"));
    }
    Ok(cells)
}

/// Checks the `chain:` lines against the launch mode: launch-on-shift needs every flip-flop in
/// exactly one chain, launch-on-capture no chains.
fn check_chains(
    file: &str,
    circuit: &Circuit,
    launch: Launch,
    launch_line: u32,
    chains: &[(u32, Vec<usize>)],
) -> Result<(), ParseError> {
    let at = |line: u32| SourcePos { line, column: 1 };
    if launch == Launch::Loc {
        return match chains.first() {
            Some((line, _)) => Err(ParseError::at(
                file,
                at(*line),
                "`chain:` lines belong to launch-on-shift files (`launch: los`)",
            )),
            None => Ok(()),
        };
    }
    let mut owner: Vec<Option<u32>> = vec![None; circuit.scan_cells().len()];
    for (line, cells) in chains {
        for &k in cells {
            if let Some(first) = owner[k] {
                return Err(ParseError::at(
                    file,
                    at(*line),
                    format!(
                        "flip-flop output `{}` is in two chains (first on line {first})",
                        circuit.node_name(circuit.scan_cells()[k].q)
                    ),
                ));
            }
            owner[k] = Some(*line);
        }
    }
    if let Some(k) = owner.iter().position(Option::is_none) {
        return Err(ParseError::at(
            file,
            at(launch_line),
            format!(
                "launch-on-shift needs every flip-flop in a `chain:` line: `{}` is in none",
                circuit.node_name(circuit.scan_cells()[k].q)
            ),
        ));
    }
    Ok(())
}

/// Writes patterns in the text format. `expected`, when given, must have as many vectors as
/// `inputs`; without it every expected value is written as X. `header` lines come first.
pub fn write_patterns(
    circuit: &Circuit,
    inputs: &PatternSet,
    expected: Option<&PatternSet>,
    header: &[(String, String)],
) -> String {
    write_file(circuit, inputs, None, expected, header)
}

/// Writes transition patterns in the text format (see the module documentation): `inputs`
/// holds frame 1's inputs, `transition` the launch mode, the chains and frame 2's fields.
pub fn write_transition_patterns(
    circuit: &Circuit,
    inputs: &PatternSet,
    transition: &TransitionFields,
    expected: Option<&PatternSet>,
    header: &[(String, String)],
) -> String {
    write_file(circuit, inputs, Some(transition), expected, header)
}

fn write_file(
    circuit: &Circuit,
    inputs: &PatternSet,
    transition: Option<&TransitionFields>,
    expected: Option<&PatternSet>,
    header: &[(String, String)],
) -> String {
    let mut text = String::new();
    for (key, value) in header {
        text.push_str(&format!("{key}: {value}\n"));
    }
    let list = |nodes: &mut dyn Iterator<Item = NodeId>| {
        nodes.map(|n| circuit.node_name(n)).collect::<Vec<_>>().join(" ")
    };
    if let Some(t) = transition {
        text.push_str(&format!("launch: {}\n", t.launch));
        if t.launch == Launch::Los {
            for chain in &t.chains {
                let cells = &mut chain.iter().map(|&k| circuit.scan_cells()[k].q);
                text.push_str(&format!("chain: {}\n", list(cells)));
            }
        }
    }
    text.push_str(&format!("inputs: {}\n", list(&mut circuit.inputs())));
    text.push_str(&format!("outputs: {}\n", list(&mut circuit.outputs().iter().copied())));
    let width_out = circuit.outputs().len();
    for p in 0..inputs.len() {
        let id = super::PatternId(p as u32);
        let ins = inputs.vector_string(id);
        text.push_str(if ins.is_empty() { "-" } else { &ins });
        text.push(' ');
        if let Some(t) = transition {
            let second = t.frame2.vector_string(id);
            text.push_str(if second.is_empty() { "-" } else { &second });
            text.push(' ');
        }
        let outs = match expected {
            Some(e) => e.vector_string(id),
            None => "X".repeat(width_out),
        };
        text.push_str(if outs.is_empty() { "-" } else { &outs });
        text.push('\n');
    }
    text
}
