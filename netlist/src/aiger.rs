//! AIGER reader and writer: and-inverter graphs, ASCII (`.aag`) and binary (`.aig`).
//!
//! The format (Biere, "The AIGER And-Inverter Graph Format", version 1.9) in the part this
//! reader accepts:
//! - A header `aag M I L O A` or `aig M I L O A`: the maximum variable index, then the numbers of
//!   inputs, latches, outputs and AND gates. The 1.9 extension `B C J F` (bad states,
//!   invariant constraints, justice, fairness) may follow; bad-state properties are read as
//!   further outputs, the others must be 0.
//! - A literal is `2 * variable + complement`; literal 0 is false and 1 is true.
//! - ASCII: one line per input (its literal), per latch (`literal next [reset]`), per output
//!   (a literal), per bad state, per AND gate (`lhs rhs0 rhs1`), in that order; each variable is
//!   defined at most once, in any order.
//! - Binary: inputs are variables `1..=I` and latches `I+1..=I+L`, both implicit; latch and output
//!   lines are ASCII as above without the latch's own literal; AND gate `k` defines variable
//!   `I+L+k+1` and is stored as two unsigned LEB128 numbers, `lhs - rhs0` and `rhs0 - rhs1`
//!   (`lhs > rhs0 >= rhs1`).
//! - Then, in both, an optional symbol table (`i3 name`, `l0 name`, `o1 name`, `b0 name`) and an
//!   optional comment section after a line `c`.
//!
//! In the [`Netlist`] an input is a primary input, a latch a flip-flop (its reset value is not
//! modelled: in the full-scan view a flip-flop's state is loaded by the scan chain), an AND gate an
//! `AND` of two nets. A variable read complemented gets one shared `NOT` gate, and an output
//! gets a net of its own, named by the symbol table, driven by a buffer from its literal, so that
//! output ports keep their names whatever literal they observe. Unnamed signals are called
//! `i<k>`, `l<k>`, `o<k>` and `n<variable>` (made unique against the symbol names).
//!
//! Errors are [`ParseError`]s: line and column, and for the binary part also the byte offset.
//! As a guard against absurd headers, `M` may be at most 16 times the file's size in bytes
//! (plus 1,024): binary inputs take no bytes, so a few bytes could otherwise declare billions.
//! No input makes the reader panic (fuzz target `aiger`).

use crate::error::{ParseError, SourcePos};
use crate::gate::GateKind;
use crate::netlist::{FlopInfo, NetId, Netlist};

/// A latch: its variable's literal, the next-state literal, and the reset literal (0, 1, or the
/// latch's own literal for an unknown initial value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latch {
    /// The latch's literal (even).
    pub lit: u32,
    /// The literal of its next state.
    pub next: u32,
    /// Its reset value: 0, 1, or `lit` (uninitialised).
    pub reset: u32,
}

/// An AND gate: `lhs = rhs0 & rhs1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct And {
    /// The defined literal (even).
    pub lhs: u32,
    /// First input literal.
    pub rhs0: u32,
    /// Second input literal.
    pub rhs1: u32,
}

/// A parsed AIGER file, before it becomes a [`Netlist`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aig {
    /// The maximum variable index `M`.
    pub max_var: u32,
    /// Input literals.
    pub inputs: Vec<u32>,
    /// Latches.
    pub latches: Vec<Latch>,
    /// Output literals (bad-state properties of AIGER 1.9 appended).
    pub outputs: Vec<u32>,
    /// AND gates.
    pub ands: Vec<And>,
    /// Symbol names of inputs, latches and outputs (`None`: unnamed).
    pub input_names: Vec<Option<String>>,
    /// Latch names.
    pub latch_names: Vec<Option<String>>,
    /// Output names.
    pub output_names: Vec<Option<String>>,
    /// The comment section (after the `c` line), as written.
    pub comments: Vec<String>,
}

/// Whether `bytes` start like an AIGER file.
pub fn looks_like_aiger(bytes: &[u8]) -> bool {
    bytes.starts_with(b"aag ") || bytes.starts_with(b"aig ")
}

/// A cursor over the bytes of an AIGER file that knows its line and column.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    file: &'a str,
}

impl<'a> Cursor<'a> {
    fn error_at(&self, offset: usize, message: impl Into<String>) -> ParseError {
        let offset = offset.min(self.bytes.len());
        let before = &self.bytes[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        ParseError::at(
            self.file,
            SourcePos { line: line as u32, column: (offset - start + 1) as u32 },
            format!("{} (byte {offset})", message.into()),
        )
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.at, message)
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    /// An unsigned decimal number.
    fn number(&mut self, what: &str) -> Result<u32, ParseError> {
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&b) = self.bytes.get(self.at) {
            if !b.is_ascii_digit() {
                break;
            }
            value = value * 10 + u64::from(b - b'0');
            if value > u64::from(u32::MAX / 2) {
                return Err(self.error_at(start, format!("{what} is too large")));
            }
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error(format!("expected {what} (an unsigned decimal number)")));
        }
        Ok(value as u32)
    }

    fn space(&mut self, what: &str) -> Result<(), ParseError> {
        if self.bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected a space before {what}")))
        }
    }

    fn newline(&mut self) -> Result<(), ParseError> {
        if self.bytes.get(self.at) == Some(&b'\r') {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'\n') => {
                self.at += 1;
                Ok(())
            }
            None => Err(self.error("unexpected end of file: expected a line break")),
            Some(_) => Err(self.error("expected the end of the line")),
        }
    }

    /// The rest of the line (without the line break), as text.
    fn rest_of_line(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
            self.at += 1;
        }
        let line = &self.bytes[start..self.at];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if self.at < self.bytes.len() {
            self.at += 1;
        }
        String::from_utf8(line.to_vec())
            .map_err(|e| self.error_at(start + e.utf8_error().valid_up_to(), "invalid UTF-8"))
    }

    /// One unsigned LEB128 number of the binary AND section.
    fn leb128(&mut self) -> Result<u32, ParseError> {
        let start = self.at;
        let mut value: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&b) = self.bytes.get(self.at) else {
                return Err(self.error("unexpected end of file in the binary AND gates"));
            };
            self.at += 1;
            value |= u64::from(b & 0x7f) << shift;
            if value > u64::from(u32::MAX) {
                return Err(self.error_at(start, "binary delta is too large"));
            }
            if b & 0x80 == 0 {
                return Ok(value as u32);
            }
            shift += 7;
            if shift > 35 {
                return Err(self.error_at(start, "binary delta is too long"));
            }
        }
    }
}

/// Parses an AIGER file (ASCII or binary, told apart by its header).
pub fn parse_aiger(bytes: &[u8], file: &str) -> Result<Aig, ParseError> {
    let mut c = Cursor { bytes, at: 0, file };
    let binary = if bytes.starts_with(b"aag") {
        false
    } else if bytes.starts_with(b"aig") {
        true
    } else {
        return Err(c.error("expected the AIGER header `aag M I L O A` or `aig M I L O A`"));
    };
    c.at = 3;
    let mut header = [0u32; 9];
    let names = ["M", "I", "L", "O", "A", "B", "C", "J", "F"];
    let mut count = 0;
    while count < 9 && c.bytes.get(c.at) == Some(&b' ') {
        c.at += 1;
        header[count] = c.number(&format!("header field {}", names[count]))?;
        count += 1;
    }
    if count < 5 {
        return Err(c.error(format!("expected header field {} (`M I L O A`)", names[count])));
    }
    c.newline()?;
    let [m, i, l, o, a, b, cc, j, f] = header;
    for (value, name) in
        [(cc, "C (invariant constraints)"), (j, "J (justice)"), (f, "F (fairness)")]
    {
        if value != 0 {
            return Err(c.error_at(0, format!("header field {name} is {value}: not supported")));
        }
    }
    // Binary inputs and latches take no bytes, so a tiny file could declare billions of them;
    // no real file comes near this bound, and it keeps memory linear in the file's size.
    let limit = 16 * bytes.len() as u64 + 1024;
    if u64::from(m) > limit {
        return Err(c.error_at(
            0,
            format!("M = {m} variables is implausibly many for a file of {} bytes (at most 16 per byte)", bytes.len()),
        ));
    }
    let defined = u64::from(i) + u64::from(l) + u64::from(a);
    if defined > u64::from(m) {
        return Err(c.error_at(0, format!("I + L + A = {defined} exceeds M = {m}")));
    }
    if binary && defined != u64::from(m) {
        return Err(
            c.error_at(0, format!("a binary file needs M = I + L + A, got M = {m} and {defined}"))
        );
    }
    // Counts come from the file: cap preallocation by what the file could hold.
    let cap = |n: u32| (n as usize).min(bytes.len());
    let max_lit = 2 * m + 1;
    let mut aig = Aig { max_var: m, ..Aig::default() };
    let literal = |c: &mut Cursor<'_>, what: &str| -> Result<u32, ParseError> {
        let start = c.at;
        let lit = c.number(what)?;
        if lit > max_lit {
            return Err(c.error_at(start, format!("{what} {lit} exceeds 2M + 1 = {max_lit}")));
        }
        Ok(lit)
    };
    let mut defined_at: Vec<u8> = vec![0; m as usize + 1];
    let define = |defined_at: &mut Vec<u8>, c: &Cursor<'_>, start: usize, lit: u32, what: &str| {
        if lit < 2 || lit & 1 == 1 {
            return Err(c.error_at(
                start,
                format!("{what} must be an even literal of at least 2, got {lit}"),
            ));
        }
        let v = (lit / 2) as usize;
        if defined_at[v] != 0 {
            return Err(c.error_at(start, format!("variable {v} (literal {lit}) is defined twice")));
        }
        defined_at[v] = 1;
        Ok(())
    };

    aig.inputs.reserve(cap(i));
    for k in 0..i {
        if binary {
            aig.inputs.push(2 * (k + 1));
            defined_at[(k + 1) as usize] = 1;
        } else {
            let start = c.at;
            let lit = literal(&mut c, "input literal")?;
            define(&mut defined_at, &c, start, lit, "an input literal")?;
            c.newline()?;
            aig.inputs.push(lit);
        }
    }
    for k in 0..l {
        let lit = if binary {
            let lit = 2 * (i + k + 1);
            defined_at[(i + k + 1) as usize] = 1;
            lit
        } else {
            let start = c.at;
            let lit = literal(&mut c, "latch literal")?;
            define(&mut defined_at, &c, start, lit, "a latch literal")?;
            c.space("the latch's next state")?;
            lit
        };
        let next = literal(&mut c, "latch next-state literal")?;
        let mut reset = 0;
        if c.bytes.get(c.at) == Some(&b' ') {
            c.at += 1;
            let start = c.at;
            reset = literal(&mut c, "latch reset literal")?;
            if reset > 1 && reset != lit {
                return Err(c.error_at(
                    start,
                    format!("latch reset must be 0, 1 or the latch's literal {lit}, got {reset}"),
                ));
            }
        }
        c.newline()?;
        aig.latches.push(Latch { lit, next, reset });
    }
    for _ in 0..u64::from(o) + u64::from(b) {
        let lit = literal(&mut c, "output literal")?;
        c.newline()?;
        aig.outputs.push(lit);
    }
    aig.ands.reserve(cap(a));
    for k in 0..a {
        if binary {
            let start = c.at;
            let lhs = 2 * (i + l + k + 1);
            let d0 = c.leb128()?;
            let d1 = c.leb128()?;
            if d0 == 0 || d0 > lhs || d1 > lhs - d0 {
                return Err(c.error_at(start, format!("AND gate {k} (literal {lhs}): deltas {d0} and {d1} do not give inputs below it")));
            }
            let rhs0 = lhs - d0;
            aig.ands.push(And { lhs, rhs0, rhs1: rhs0 - d1 });
            defined_at[(lhs / 2) as usize] = 1;
        } else {
            let start = c.at;
            let lhs = literal(&mut c, "AND gate literal")?;
            define(&mut defined_at, &c, start, lhs, "an AND gate literal")?;
            c.space("the AND gate's first input")?;
            let rhs0 = literal(&mut c, "AND gate input literal")?;
            c.space("the AND gate's second input")?;
            let rhs1 = literal(&mut c, "AND gate input literal")?;
            c.newline()?;
            aig.ands.push(And { lhs, rhs0, rhs1 });
        }
    }

    // Symbols and comments.
    aig.input_names = vec![None; aig.inputs.len()];
    aig.latch_names = vec![None; aig.latches.len()];
    aig.output_names = vec![None; aig.outputs.len()];
    while !c.at_end() {
        let start = c.at;
        let kind = c.bytes[c.at];
        if kind == b'c' && matches!(c.bytes.get(c.at + 1), None | Some(b'\n' | b'\r')) {
            c.rest_of_line()?;
            while !c.at_end() {
                aig.comments.push(c.rest_of_line()?);
            }
            break;
        }
        let (names, what) = match kind {
            b'i' => (&mut aig.input_names, "input"),
            b'l' => (&mut aig.latch_names, "latch"),
            b'o' => (&mut aig.output_names, "output"),
            b'b' => (&mut aig.output_names, "bad state"),
            _ => {
                return Err(c.error(
                    "expected a symbol (`i<k> name`, `l<k> name`, `o<k> name`, `b<k> name`) or the comment line `c`",
                ))
            }
        };
        c.at += 1;
        let position = c.number(&format!("{what} position"))?;
        let index = if kind == b'b' { o as usize + position as usize } else { position as usize };
        let limit = if kind == b'b' { o as usize + b as usize } else { names.len() };
        if index >= limit || index >= names.len() {
            return Err(c.error_at(
                start,
                format!(
                    "{what} symbol {position}: there are only {} {what}s",
                    if kind == b'b' { b as usize } else { names.len() }
                ),
            ));
        }
        c.space("the symbol name")?;
        let name_start = c.at;
        let name = c.rest_of_line()?;
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(c.error_at(name_start, "expected a symbol name (printable, not empty)"));
        }
        if names[index].is_some() {
            return Err(c.error_at(start, format!("{what} {position} is named twice")));
        }
        names[index] = Some(name);
    }

    // Every literal read must be defined (variable 0 is the constant).
    let used = aig
        .latches
        .iter()
        .map(|l| l.next)
        .chain(aig.outputs.iter().copied())
        .chain(aig.ands.iter().flat_map(|a| [a.rhs0, a.rhs1]));
    for lit in used {
        let v = (lit / 2) as usize;
        if v != 0 && defined_at[v] == 0 {
            return Err(
                c.error_at(0, format!("literal {lit} is used but variable {v} is never defined"))
            );
        }
    }
    Ok(aig)
}

/// Writes `text` as one line. The reader drops one `\r` before each line end (CRLF files), so
/// text that itself ends in `\r` gets one more, and reads back unchanged.
fn push_line(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    if text.ends_with('\r') {
        out.push(b'\r');
    }
    out.push(b'\n');
}

impl Aig {
    /// Whether the binary format can hold this graph as it is: inputs `2, 4, ...`, then
    /// latches, then AND gates in order, each reading smaller literals (`rhs0 >= rhs1`).
    pub fn is_binary_order(&self) -> bool {
        let (i, l) = (self.inputs.len() as u32, self.latches.len() as u32);
        self.max_var as usize == self.inputs.len() + self.latches.len() + self.ands.len()
            && self.inputs.iter().enumerate().all(|(k, &lit)| lit == 2 * (k as u32 + 1))
            && self.latches.iter().enumerate().all(|(k, x)| x.lit == 2 * (i + k as u32 + 1))
            && self.ands.iter().enumerate().all(|(k, a)| {
                a.lhs == 2 * (i + l + k as u32 + 1) && a.lhs > a.rhs0 && a.rhs0 >= a.rhs1
            })
    }

    fn header(&self, magic: &str) -> String {
        format!(
            "{magic} {} {} {} {} {}\n",
            self.max_var,
            self.inputs.len(),
            self.latches.len(),
            self.outputs.len(),
            self.ands.len()
        )
    }

    fn latch_line(latch: &Latch, binary: bool) -> String {
        let mut line = if binary { String::new() } else { format!("{} ", latch.lit) };
        line += &latch.next.to_string();
        if latch.reset != 0 {
            line += &format!(" {}", latch.reset);
        }
        line + "\n"
    }

    fn symbols_and_comments(&self, out: &mut Vec<u8>) {
        for (prefix, names) in
            [("i", &self.input_names), ("l", &self.latch_names), ("o", &self.output_names)]
        {
            for (k, name) in names.iter().enumerate() {
                if let Some(name) = name {
                    push_line(out, &format!("{prefix}{k} {name}"));
                }
            }
        }
        if !self.comments.is_empty() {
            out.extend_from_slice(b"c\n");
            for line in &self.comments {
                push_line(out, line);
            }
        }
    }

    /// The graph as an ASCII AIGER file (`.aag`). Bad-state properties are written as outputs.
    pub fn write_ascii(&self) -> Vec<u8> {
        let mut out = self.header("aag").into_bytes();
        for lit in &self.inputs {
            out.extend_from_slice(format!("{lit}\n").as_bytes());
        }
        for latch in &self.latches {
            out.extend_from_slice(Self::latch_line(latch, false).as_bytes());
        }
        for lit in &self.outputs {
            out.extend_from_slice(format!("{lit}\n").as_bytes());
        }
        for a in &self.ands {
            out.extend_from_slice(format!("{} {} {}\n", a.lhs, a.rhs0, a.rhs1).as_bytes());
        }
        self.symbols_and_comments(&mut out);
        out
    }

    /// The graph as a binary AIGER file (`.aig`), or `None` unless [`Aig::is_binary_order`].
    pub fn write_binary(&self) -> Option<Vec<u8>> {
        if !self.is_binary_order() {
            return None;
        }
        let mut out = self.header("aig").into_bytes();
        for latch in &self.latches {
            out.extend_from_slice(Self::latch_line(latch, true).as_bytes());
        }
        for lit in &self.outputs {
            out.extend_from_slice(format!("{lit}\n").as_bytes());
        }
        for a in &self.ands {
            for mut delta in [a.lhs - a.rhs0, a.rhs0 - a.rhs1] {
                while delta >= 0x80 {
                    out.push((delta & 0x7f) as u8 | 0x80);
                    delta >>= 7;
                }
                out.push(delta as u8);
            }
        }
        self.symbols_and_comments(&mut out);
        Some(out)
    }

    /// The graph as a [`Netlist`] called `name` (see the module documentation).
    pub fn to_netlist(&self, name: &str) -> Netlist {
        let mut netlist = Netlist::new(name);
        // (`max_var` bounds every literal of a parsed graph; a hand-built one may exceed it.)
        let all = self.inputs.iter().chain(&self.outputs).copied();
        let all = all.chain(self.latches.iter().flat_map(|l| [l.lit, l.next]));
        let all = all.chain(self.ands.iter().flat_map(|a| [a.lhs, a.rhs0, a.rhs1]));
        let m = all.map(|lit| (lit / 2) as usize).max().unwrap_or(0).max(self.max_var as usize);
        let mut var_net: Vec<Option<NetId>> = vec![None; m + 1];
        // Named signals first, so that generated names step around them.
        let unique = |netlist: &mut Netlist, wanted: &str| -> NetId {
            if netlist.find_net(wanted).is_none() {
                return netlist.net(wanted);
            }
            let mut k = 1;
            loop {
                let candidate = format!("{wanted}_{k}");
                if netlist.find_net(&candidate).is_none() {
                    return netlist.net(&candidate);
                }
                k += 1;
            }
        };
        let mut reserved: Vec<NetId> = Vec::new();
        for names in [&self.input_names, &self.latch_names, &self.output_names] {
            for name in names.iter().flatten() {
                if netlist.find_net(name).is_none() {
                    reserved.push(netlist.net(name));
                }
            }
        }
        let net_name = |netlist: &Netlist, id: NetId| netlist.net_name(id).to_string();
        let named = |names: &[Option<String>], k: usize, fallback: String| {
            names.get(k).cloned().flatten().unwrap_or(fallback)
        };
        // Inputs and latch outputs take their symbol names (first use of a name wins).
        let mut taken = std::collections::HashSet::new();
        for (k, &lit) in self.inputs.iter().enumerate() {
            let want = named(&self.input_names, k, format!("i{k}"));
            let net = if taken.insert(want.clone())
                && self.input_names.get(k).is_some_and(Option::is_some)
            {
                netlist.net(&want)
            } else {
                unique(&mut netlist, &want)
            };
            var_net[(lit / 2) as usize] = Some(net);
            netlist.add_input(net);
        }
        for (k, latch) in self.latches.iter().enumerate() {
            let want = named(&self.latch_names, k, format!("l{k}"));
            let net = if taken.insert(want.clone())
                && self.latch_names.get(k).is_some_and(Option::is_some)
            {
                netlist.net(&want)
            } else {
                unique(&mut netlist, &want)
            };
            var_net[(latch.lit / 2) as usize] = Some(net);
        }
        for and in &self.ands {
            let net = unique(&mut netlist, &format!("n{}", and.lhs / 2));
            var_net[(and.lhs / 2) as usize] = Some(net);
        }
        // parse_aiger rejects undefined variables; in a hand-built graph they are undriven nets.
        let read = self.latches.iter().map(|l| l.next).chain(self.outputs.iter().copied());
        for lit in read.chain(self.ands.iter().flat_map(|a| [a.rhs0, a.rhs1])) {
            let v = (lit / 2) as usize;
            if v != 0 && var_net[v].is_none() {
                var_net[v] = Some(unique(&mut netlist, &format!("n{v}")));
            }
        }
        // Literals to nets: constants and shared inverters made on first use.
        let mut constant: [Option<NetId>; 2] = [None, None];
        let mut inverted: Vec<Option<NetId>> = vec![None; m + 1];
        let mut lit_net = |netlist: &mut Netlist, lit: u32| -> NetId {
            let v = (lit / 2) as usize;
            if v == 0 {
                let value = (lit & 1) as usize;
                return *constant[value].get_or_insert_with(|| {
                    let net =
                        unique(netlist, if value == 1 { "aiger_true" } else { "aiger_false" });
                    let kind = if value == 1 { GateKind::Const1 } else { GateKind::Const0 };
                    netlist.add_gate(net_name(netlist, net), kind, &[], net);
                    net
                });
            }
            let plain = var_net[v].expect("every variable read has a net (made above)");
            if lit & 1 == 0 {
                return plain;
            }
            *inverted[v].get_or_insert_with(|| {
                let name = format!("{}_not", net_name(netlist, plain));
                let net = unique(netlist, &name);
                netlist.add_gate(net_name(netlist, net), GateKind::Not, &[plain], net);
                net
            })
        };
        for and in &self.ands {
            let out = var_net[(and.lhs / 2) as usize].expect("every AND gate's net is made above");
            let a = lit_net(&mut netlist, and.rhs0);
            let b = lit_net(&mut netlist, and.rhs1);
            netlist.add_gate(net_name(&netlist, out), GateKind::And, &[a, b], out);
        }
        for latch in &self.latches {
            let q = var_net[(latch.lit / 2) as usize].expect("every latch's net is made above");
            let d = lit_net(&mut netlist, latch.next);
            netlist.add_flop(format!("{}_reg", net_name(&netlist, q)), d, q, FlopInfo::default());
        }
        // Each output gets its own net, named by the symbol table.
        for (k, &lit) in self.outputs.iter().enumerate() {
            let source = lit_net(&mut netlist, lit);
            let want = named(&self.output_names, k, format!("o{k}"));
            let net = match netlist.find_net(&want) {
                Some(id)
                    if reserved.contains(&id)
                        && netlist.driver_count(id) == 0
                        && !taken.contains(&want) =>
                {
                    taken.insert(want.clone());
                    id
                }
                _ => unique(&mut netlist, &want),
            };
            netlist.add_gate(net_name(&netlist, net), GateKind::Buf, &[source], net);
            netlist.add_output(net);
        }
        netlist
    }
}

/// Reads AIGER bytes into a [`Netlist`] named after the file (its stem).
pub fn parse_aiger_netlist(bytes: &[u8], file: &str) -> Result<Netlist, ParseError> {
    let aig = parse_aiger(bytes, file)?;
    let stem = std::path::Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or(file);
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    let stem = stem.strip_suffix(".aig").or_else(|| stem.strip_suffix(".aag")).unwrap_or(stem);
    Ok(aig.to_netlist(stem))
}
