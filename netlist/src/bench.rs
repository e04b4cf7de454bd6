//! ISCAS `.bench` netlists: reader and writer.
//!
//! ```text
//! # comment
//! INPUT(a)
//! OUTPUT(y)
//! q = DFF(d)
//! y = NAND(a, q)
//! ```
//! Gate names: AND, NAND, OR, NOR, XOR, XNOR, NOT, BUF, BUFF, DFF (any case). Signals may be used
//! before they are defined. As extensions (written by [`write_bench`] when a netlist needs them,
//! so that any netlist round-trips) the reader also takes `MUX(select, when_0, when_1)` and the
//! constants `CONST0()`, `CONST1()` and `CONSTX()`.

use nom::bytes::complete::take_while1;
use nom::character::complete::{char, space0};
use nom::IResult;
use rustc_hash::FxHashMap;

use crate::error::{ParseError, SourcePos};
use crate::gate::GateKind;
use crate::netlist::{CellKind, FlopInfo, NetId, Netlist};

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | ',' | '=' | '#')
}

/// A signal or gate name. Scans bytes while they are ASCII (nearly always) and falls back to
/// decoding characters at the first non-ASCII byte, so both accept exactly [`is_name_char`].
fn name(input: &str) -> IResult<&str, &str> {
    let bytes = input.as_bytes();
    let mut end = 0;
    while let Some(&b) = bytes.get(end) {
        match b {
            0x80.. => return take_while1(is_name_char)(input),
            // The ASCII characters `char::is_whitespace` accepts: tab to carriage return, space.
            b'\t'..=b'\r' | b' ' | b'(' | b')' | b',' | b'=' | b'#' => break,
            _ => end += 1,
        }
    }
    if end == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::TakeWhile1,
        )));
    }
    Ok((&input[end..], &input[..end]))
}

/// A bench statement, borrowed from the line.
enum Statement<'a> {
    Input(&'a str),
    Output(&'a str),
    Assign { output: &'a str, function: &'a str, function_at: &'a str },
}

/// A statement parsed ahead of being applied (see [`BenchReader::lines`]).
struct Parsed<'a> {
    line_number: u32,
    /// The line, without its newline.
    line: &'a str,
    statement: Statement<'a>,
    /// Where the gate's arguments are in the batch's argument list.
    args: std::ops::Range<usize>,
    /// Where the statement's names (the signal it declares or defines, then the arguments)
    /// are in the batch's name list.
    names: std::ops::Range<usize>,
}

/// Parses one line (without its newline); a gate's arguments go to `args` (cleared first).
/// `Ok(None)` for blank and comment lines. On error returns the unparsed rest of the line and what
/// was expected.
fn statement<'a>(
    line: &'a str,
    args: &mut Vec<&'a str>,
) -> Result<Option<Statement<'a>>, (&'a str, String)> {
    args.clear();
    let (rest, _) = space0::<_, ()>(line).expect("space0 cannot fail");
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let (after_name, first) = name(rest).map_err(|_| {
        (rest, "expected INPUT(...), OUTPUT(...) or `signal = GATE(...)`".to_string())
    })?;
    let (after_space, _) = space0::<_, ()>(after_name).expect("space0 cannot fail");
    let statement = if after_space.starts_with('(') {
        let (after, signal) = parenthesised_name(after_space)?;
        let statement = if first.eq_ignore_ascii_case("INPUT") {
            Statement::Input(signal)
        } else if first.eq_ignore_ascii_case("OUTPUT") {
            Statement::Output(signal)
        } else {
            return Err((rest, format!("unknown declaration `{first}`: expected INPUT or OUTPUT")));
        };
        return end_of_line(after).map(|()| Some(statement));
    } else {
        let (after_eq, _) = char::<_, ()>('=')(after_space)
            .map_err(|_| (after_space, format!("expected `=` or `(` after `{first}`")))?;
        let (function_at, _) = space0::<_, ()>(after_eq).expect("space0 cannot fail");
        let (after_fn, function) = name(function_at)
            .map_err(|_| (function_at, "expected a gate name such as AND or DFF".to_string()))?;
        let (after_fn, _) = space0::<_, ()>(after_fn).expect("space0 cannot fail");
        let (mut rest, _) = char::<_, ()>('(')(after_fn)
            .map_err(|_| (after_fn, format!("expected `(` after `{function}`")))?;
        loop {
            let (r, _) = space0::<_, ()>(rest).expect("space0 cannot fail");
            if args.is_empty() {
                if let Ok((r, _)) = char::<_, ()>(')')(r) {
                    rest = r;
                    break;
                }
            }
            let (r, arg) = name(r).map_err(|_| (r, "expected a signal name".to_string()))?;
            args.push(arg);
            let (r, _) = space0::<_, ()>(r).expect("space0 cannot fail");
            if let Ok((r, _)) = char::<_, ()>(',')(r) {
                rest = r;
            } else if let Ok((r, _)) = char::<_, ()>(')')(r) {
                rest = r;
                break;
            } else {
                return Err((r, "expected `,` or `)`".to_string()));
            }
        }
        end_of_line(rest)?;
        Statement::Assign { output: first, function, function_at }
    };
    Ok(Some(statement))
}

fn parenthesised_name(input: &str) -> Result<(&str, &str), (&str, String)> {
    let (r, _) = char::<_, ()>('(')(input).map_err(|_| (input, "expected `(`".to_string()))?;
    let (r, _) = space0::<_, ()>(r).expect("space0 cannot fail");
    let (r, signal) = name(r).map_err(|_| (r, "expected a signal name".to_string()))?;
    let (r, _) = space0::<_, ()>(r).expect("space0 cannot fail");
    let (r, _) = char::<_, ()>(')')(r).map_err(|_| (r, "expected `)`".to_string()))?;
    Ok((r, signal))
}

fn end_of_line(input: &str) -> Result<(), (&str, String)> {
    let (r, _) = space0::<_, ()>(input).expect("space0 cannot fail");
    if r.is_empty() || r.starts_with('#') {
        Ok(())
    } else {
        Err((r, "expected end of line".to_string()))
    }
}

fn gate_kind(function: &str) -> Option<Option<GateKind>> {
    // Outer None: unknown name. Inner None: a flip-flop. Upper-cased on the stack: this runs
    // once per gate, and no gate name is longer than six letters.
    let mut upper = [0u8; 8];
    let upper = match function.as_bytes() {
        bytes if bytes.len() <= upper.len() => {
            upper[..bytes.len()].copy_from_slice(bytes);
            upper[..bytes.len()].make_ascii_uppercase();
            &upper[..bytes.len()]
        }
        _ => return None,
    };
    Some(Some(match std::str::from_utf8(upper).unwrap_or("") {
        "AND" => GateKind::And,
        "NAND" => GateKind::Nand,
        "OR" => GateKind::Or,
        "NOR" => GateKind::Nor,
        "XOR" => GateKind::Xor,
        "XNOR" => GateKind::Xnor,
        "NOT" | "INV" => GateKind::Not,
        "BUF" | "BUFF" => GateKind::Buf,
        "MUX" => GateKind::Mux,
        "CONST0" => GateKind::Const0,
        "CONST1" => GateKind::Const1,
        "CONSTX" => GateKind::ConstX,
        "DFF" => return Some(None),
        _ => return None,
    }))
}

/// Parses `.bench` text. `file` names the source in error messages; the netlist is named after
/// the file stem.
pub fn parse_bench(text: &str, file: &str) -> Result<Netlist, ParseError> {
    // Nearly every line defines one net and one cell; a gate has one edge per input (one more
    // than its commas) and one for its output.
    let (mut lines, mut commas) = (1, 0);
    for b in text.bytes() {
        lines += usize::from(b == b'\n');
        commas += usize::from(b == b',');
    }
    let mut reader = BenchReader::new(file);
    reader.reserve(lines, 2 * lines + commas);
    reader.lines(text)?;
    Ok(reader.finish())
}

/// A `.bench` reader fed with text in pieces of whole lines, so that a file need not be held in
/// memory at once (see [`crate::read::read_netlist`]). [`parse_bench`] is one call of
/// [`BenchReader::lines`] on the whole text.
pub struct BenchReader<'f> {
    file: &'f str,
    netlist: Netlist,
    /// Lines read so far.
    line_count: u32,
    /// The line each output net was first declared on, to warn about repeats.
    outputs_seen: FxHashMap<NetId, u32>,
    /// Scratch: a gate's input nets.
    inputs: Vec<NetId>,
}

impl<'f> BenchReader<'f> {
    /// A reader for the file called `file` (in messages; the netlist is named after its stem).
    pub fn new(file: &'f str) -> Self {
        let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("top");
        BenchReader {
            file,
            netlist: Netlist::new(stem.trim_end_matches(".bench")),
            line_count: 0,
            outputs_seen: FxHashMap::default(),
            inputs: Vec::new(),
        }
    }

    /// Makes room for about `lines` statements with `pins` connections in all.
    pub fn reserve(&mut self, lines: usize, pins: usize) {
        self.netlist.reserve(lines, lines);
        self.netlist.reserve_pins(pins);
    }

    /// Lines read so far.
    pub fn line_count(&self) -> u32 {
        self.line_count
    }

    /// Reads `text` as the next lines of the file: every `\n` ends a line, and the text after
    /// the last one is a line too (give the text before a newline, without it, when more lines
    /// follow).
    pub fn lines(&mut self, text: &str) -> Result<(), ParseError> {
        // Statements are parsed a batch at a time and the name table is asked to fetch their
        // names' slots before any is looked up: on large netlists each look-up is a cache miss,
        // and this way a batch's misses overlap rather than follow one another. The statements
        // are then applied one by one, in file order, exactly as if read one at a time.
        const BATCH: usize = 64;
        let file = self.file;
        let mut lines = text.split('\n');
        let mut args: Vec<&str> = Vec::new();
        let mut batch: Vec<Parsed<'_>> = Vec::with_capacity(BATCH);
        let mut batch_args: Vec<&str> = Vec::new();
        let mut batch_names: Vec<&str> = Vec::new();
        let mut batch_nets: Vec<Option<NetId>> = Vec::new();
        loop {
            batch.clear();
            batch_args.clear();
            batch_names.clear();
            let mut syntax_error = None;
            let mut line_count = self.line_count;
            for raw_line in lines.by_ref() {
                line_count = line_count.saturating_add(1);
                let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
                match statement(line, &mut args) {
                    Ok(Some(statement)) => {
                        let first_name = batch_names.len();
                        match statement {
                            Statement::Input(signal) | Statement::Output(signal) => {
                                batch_names.push(signal)
                            }
                            Statement::Assign { output, .. } => {
                                batch_names.push(output);
                                batch_names.extend_from_slice(&args);
                            }
                        }
                        let first_arg = batch_args.len();
                        batch_args.extend_from_slice(&args);
                        batch.push(Parsed {
                            line_number: line_count,
                            line,
                            statement,
                            args: first_arg..batch_args.len(),
                            names: first_name..batch_names.len(),
                        });
                        if batch.len() == BATCH {
                            break;
                        }
                    }
                    Ok(None) => {}
                    Err((rest, message)) => {
                        let column = line[..line.len() - rest.len()].chars().count() as u32 + 1;
                        let pos = SourcePos { line: line_count, column };
                        syntax_error = Some((line_count, ParseError::at(file, pos, message)));
                        break;
                    }
                }
            }
            let batch_done = batch.is_empty() && syntax_error.is_none();
            self.netlist.prefetch_nets(&batch_names, &mut batch_nets);
            for parsed in batch.drain(..) {
                self.line_count = parsed.line_number;
                self.apply(
                    parsed.line_number,
                    parsed.line,
                    parsed.statement,
                    &batch_args[parsed.args],
                    &batch_nets[parsed.names],
                )?;
            }
            if let Some((line_number, error)) = syntax_error {
                self.line_count = line_number;
                return Err(error);
            }
            self.line_count = line_count;
            if batch_done {
                return Ok(());
            }
        }
    }

    /// Applies one parsed statement of line `line_number` (whose text is `line`) to the netlist.
    /// `known[k]` is the net of the statement's `k`-th name if the look-ahead found it (see
    /// [`Netlist::prefetch_nets`]): the signal it declares or defines, then the arguments.
    fn apply(
        &mut self,
        line_number: u32,
        line: &str,
        statement: Statement<'_>,
        args: &[&str],
        known: &[Option<NetId>],
    ) -> Result<(), ParseError> {
        let file = self.file;
        let error_at = |rest: &str, message: String| {
            let column = line[..line.len() - rest.len()].chars().count() as u32 + 1;
            ParseError::at(file, SourcePos { line: line_number, column }, message)
        };
        let pos_of = |s: &str| SourcePos {
            line: line_number,
            column: line[..line.len() - s.len()].chars().count() as u32 + 1,
        };
        // The `k`-th name's net: the one found by the look-ahead, or looked up (made) now.
        fn net_of(netlist: &mut Netlist, known: &[Option<NetId>], k: usize, name: &str) -> NetId {
            match known.get(k) {
                Some(&Some(net)) => net,
                _ => netlist.net(name),
            }
        }
        match statement {
            Statement::Input(signal) => {
                let net = net_of(&mut self.netlist, known, 0, signal);
                if let Some(first) = self.netlist.net_driver(net) {
                    return Err(error_at(
                        &line[line.find(signal).unwrap_or(0)..],
                        format!(
                            "`{signal}` is already defined on line {}",
                            self.netlist.cell(first).pos.line
                        ),
                    ));
                }
                let cell = self.netlist.add_input(net);
                self.netlist.set_cell_pos(cell, SourcePos { line: line_number, column: 1 });
            }
            Statement::Output(signal) => {
                // A repeated OUTPUT is a second observation point of the same net (ITC'99 b05
                // has ten); it counts as its own primary output, as the published figures do.
                let net = net_of(&mut self.netlist, known, 0, signal);
                if let Some(first) = self.outputs_seen.insert(net, line_number) {
                    self.netlist.warn(
                        Some(SourcePos { line: line_number, column: 1 }),
                        format!("`{signal}` is already declared an output on line {first}; it is observed twice"),
                    );
                }
                let cell = self.netlist.add_output(net);
                self.netlist.set_cell_pos(cell, SourcePos { line: line_number, column: 1 });
            }
            Statement::Assign { output, function, function_at } => {
                let kind = gate_kind(function).ok_or_else(|| {
                    error_at(
                        function_at,
                        format!(
                            "unknown gate `{function}`: expected AND, NAND, OR, NOR, XOR, XNOR, NOT, BUF, BUFF, DFF, MUX or CONST0/1/X"
                        ),
                    )
                })?;
                let (min, max) = kind.map_or((1, 1), GateKind::arity);
                if args.len() < min || args.len() > max {
                    let expected =
                        if min == max { format!("{min}") } else { format!("at least {min}") };
                    return Err(error_at(
                        function_at,
                        format!("`{function}` takes {expected} input(s), found {}", args.len()),
                    ));
                }
                let out = net_of(&mut self.netlist, known, 0, output);
                if let Some(first) = self.netlist.net_driver(out) {
                    return Err(error_at(
                        line.trim_start(),
                        format!(
                            "`{output}` is already defined on line {}",
                            self.netlist.cell(first).pos.line
                        ),
                    ));
                }
                self.inputs.clear();
                for (k, a) in args.iter().enumerate() {
                    self.inputs.push(net_of(&mut self.netlist, known, k + 1, a));
                }
                let cell = match kind {
                    Some(kind) => self.netlist.add_gate(output, kind, &self.inputs, out),
                    None => self.netlist.add_flop(output, self.inputs[0], out, FlopInfo::default()),
                };
                self.netlist.set_cell_pos(cell, pos_of(line.trim_start()));
            }
        }
        Ok(())
    }

    /// The netlist read.
    pub fn finish(self) -> Netlist {
        self.netlist
    }
}

/// Why a netlist cannot be written as `.bench`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write `{name}` in .bench: {reason}")]
pub struct WriteBenchError {
    /// The offending net name.
    pub name: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Writes the netlist as `.bench` text: standard-cell instances appear as their primitive gates,
/// flip-flops as `DFF` (clock, set and reset connections are not representable and are dropped).
pub fn write_bench(netlist: &Netlist) -> Result<String, WriteBenchError> {
    use std::fmt::Write;
    let mut out = String::new();
    let check = |name: &str| -> Result<(), WriteBenchError> {
        if name.is_empty() || !name.chars().all(is_name_char) {
            return Err(WriteBenchError {
                name: name.to_string(),
                reason: "names may not be empty or contain whitespace, `(`, `)`, `,`, `=` or `#`"
                    .into(),
            });
        }
        Ok(())
    };
    let _ = writeln!(out, "# {}", netlist.name());
    let _ = writeln!(
        out,
        "# {} inputs, {} outputs, {} D-type flipflops, {} gates",
        netlist.inputs().len(),
        netlist.outputs().len(),
        netlist.flops().len(),
        netlist.gate_count()
    );
    out.push('\n');
    for &port in netlist.inputs() {
        let name = &netlist.cell(port).name;
        check(name)?;
        let _ = writeln!(out, "INPUT({name})");
    }
    out.push('\n');
    for &port in netlist.outputs() {
        let name = &netlist.cell(port).name;
        check(name)?;
        let _ = writeln!(out, "OUTPUT({name})");
    }
    out.push('\n');
    for cell in netlist.cells() {
        let function = match netlist.cell(cell).kind {
            CellKind::Input | CellKind::Output => continue,
            CellKind::Flop(_) => "DFF",
            CellKind::Gate(kind) => kind.bench_name(),
        };
        let Some(output) = netlist.cell_output(cell) else { continue };
        let output = netlist.net_name(output);
        check(output)?;
        let inputs = netlist.cell_inputs(cell);
        let mut args = Vec::with_capacity(inputs.len());
        for net in inputs {
            let name = netlist.net_name(net);
            check(name)?;
            args.push(name);
        }
        let _ = writeln!(out, "{output} = {function}({})", args.join(", "));
    }
    Ok(out)
}
