//! The module grammar: source file, module header, port lists, declarations, `assign`, gate
//! primitives, module and cell instances. Expressions are in [`super::expression`].
//!
//! Module items are dispatched on their first token (a keyword or an identifier) rather than
//! tried one after another with `alt`: every item kind starts with a distinct token, so this
//! costs one comparison per item and errors point at the token that started the item.
//!
//! Behavioural code (`always`, `initial`, `function`, `task`) is not elaborated: the parser
//! recognises the one flip-flop idiom `always @(posedge CK) Q <= D;`, records where any other
//! behavioural or transistor-level construct is, and skips it, so that a flip-flop model
//! written behaviourally or at switch level (as in the ISCAS-89 files) can be mapped to a
//! flip-flop, and anything else is reported only if the module is actually used.

use std::rc::Rc;

use nom::branch::alt;
use nom::combinator::{cut, opt};
use nom::multi::separated_list1;
use nom::sequence::{delimited, separated_pair};
use rustc_hash::{FxHashMap, FxHashSet};

use super::ast::{
    AlwaysFlop, Assign, Connections, Decl, DeclKind, Direction, Expr, GateInstance, Instance, Item,
    Module, Name, NetKind, Param, ParamOverrides, Primitive, Range, SourceFile, Spot,
};
use super::expression::{expected_any, expression, primary};
use super::lexer::{Kw, Tok, Token};
use super::tokens::{at, fail, fatal, identifier, kw, tok, Input, PResult, SyntaxError};
use crate::error::SourcePos;

/// Parses a whole token stream. `file` is the index of the file, recorded in each module.
pub(super) fn source_file(mut i: Input<'_>, file: usize) -> Result<SourceFile<'_>, SyntaxError> {
    let mut out = SourceFile::default();
    loop {
        match i.peek().kind {
            Tok::Eof => return Ok(out),
            Tok::Kw(Kw::Module | Kw::Macromodule) => {
                let (rest, m) =
                    module(i, file, &mut out.warnings).map_err(|e| into_syntax_error(e, i))?;
                out.modules.push(m);
                i = rest;
            }
            Tok::Kw(Kw::Primitive) => {
                let (rest, name) =
                    cut(identifier)(i.skip(1)).map_err(|e| into_syntax_error(e, i))?;
                out.udps.push(name);
                i = skip_until(rest, &[Kw::Endprimitive], "`endprimitive`")
                    .map_err(|e| into_syntax_error(e, rest))?
                    .skip(1);
            }
            Tok::Semi => i = i.skip(1),
            _ => return Err(SyntaxError::expected(i, "`module`")),
        }
    }
}

/// The error inside a nom error (`at` is where parsing of the failed construct began).
fn into_syntax_error(e: nom::Err<SyntaxError>, at: Input<'_>) -> SyntaxError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Token input is always complete; nom only reports Incomplete for streaming parsers.
        nom::Err::Incomplete(_) => SyntaxError::message(at, "unexpected end of input"),
    }
}

/// `module name [#(params)] [(ports)] ; items endmodule`
fn module<'a>(
    i: Input<'a>,
    file: usize,
    warnings: &mut Vec<(SourcePos, String)>,
) -> PResult<'a, Module<'a>> {
    let i = i.skip(1);
    let (i, name) = cut(identifier)(i)?;
    let mut m = Module {
        name,
        file,
        ports: Vec::new(),
        decls: Vec::new(),
        wires: Vec::new(),
        params: Vec::new(),
        items: Vec::new(),
        assigns: Vec::new(),
        instances: Vec::new(),
        terminals: Vec::new(),
        terminal_exprs: Vec::new(),
        gate_names: Vec::new(),
        text: i.source_text(),
        behavioural: None,
        switch_level: None,
        always_flops: Vec::new(),
        process_count: 0,
        other_process: None,
    };
    let mut i = i;
    if at(&i, Tok::Hash) {
        i = parameter_port_list(i.skip(1), &mut m)?;
    }
    if at(&i, Tok::LParen) {
        i = port_list(i, &mut m)?;
    }
    let (mut i, _) = cut(tok(Tok::Semi))(i)?;
    loop {
        match i.peek().kind {
            Tok::Kw(Kw::Endmodule) => {
                finish_module(i, &mut m)?;
                return Ok((i.skip(1), m));
            }
            Tok::Eof => return Err(nom::Err::Failure(SyntaxError::expected(i, "`endmodule`"))),
            _ => {
                if !simple_item(&mut i, &mut m) {
                    i = module_item(i, &mut m, warnings)?;
                }
            }
        }
    }
}

/// Checks instance names for duplicates and names unnamed gate primitives `prim_N`.
///
/// Duplicates are found by sorting name hashes rather than by inserting names into a hash
/// set: on a million instances the random accesses of a hash set cost several times more
/// than a sort of compact keys. A key is one `u64`: the item's index in its low bits (as
/// few as the module needs) under the high bits of the name's hash, so that sorting keys
/// sorts by hash, then by source order.
fn finish_module<'a>(i: Input<'a>, m: &mut Module<'a>) -> Result<(), nom::Err<SyntaxError>> {
    use std::hash::BuildHasher;
    // Taken out while the items are renamed, and put back.
    let instances = std::mem::take(&mut m.instances);
    let gate_names = std::mem::take(&mut m.gate_names);
    let text = m.text;
    let name_of = |item: &Item<'a>| match item {
        Item::Gate(g) => g.name_in(text, &gate_names),
        Item::Instance(k) => Some(instances[*k as usize].name),
        Item::Assign(_) => None,
    };
    let hasher = rustc_hash::FxBuildHasher;
    let index_bits = usize::BITS - m.items.len().leading_zeros();
    let index_mask = (1u64 << index_bits) - 1;
    let mut keyed: Vec<u64> = Vec::with_capacity(m.items.len());
    let mut unnamed = false;
    for (k, item) in m.items.iter().enumerate() {
        match (name_of(item), item) {
            (Some(name), _) => {
                keyed.push(hasher.hash_one(name.text) & !index_mask | k as u64);
            }
            (None, Item::Gate(_)) => unnamed = true,
            _ => {}
        }
    }
    // Sorting leaves each run of equal hash bits in source order.
    keyed.sort_unstable();
    // The first duplicate in source order is reported.
    let mut duplicate: Option<(Name<'a>, Name<'a>)> = None;
    let same_hash = |a: &u64, b: &u64| (a ^ b) & !index_mask == 0;
    for run in keyed.chunk_by(same_hash).filter(|run| run.len() > 1) {
        // Distinct names of the run: almost always one (a true duplicate), more only when
        // hashes collide, so a set is built only if a run holds many different names.
        let mut firsts: Vec<Name<'a>> = Vec::new();
        let mut many: FxHashMap<&str, Name<'a>> = FxHashMap::default();
        for &key in run {
            let Some(name) = name_of(&m.items[(key & index_mask) as usize]) else { continue };
            let first = firsts
                .iter()
                .find(|f| f.text == name.text)
                .or_else(|| many.get(name.text))
                .copied();
            if let Some(first) = first {
                if duplicate.is_none_or(|(_, recorded)| recorded.pos > name.pos) {
                    duplicate = Some((first, name));
                }
                // Later members of the run come later in the source.
                break;
            }
            if firsts.len() < 16 {
                firsts.push(name);
            } else {
                many.insert(name.text, name);
            }
        }
    }
    if let Some((first, later)) = duplicate {
        return Err(nom::Err::Failure(SyntaxError::message_at(
            i,
            later.pos,
            format!(
                "duplicate instance name `{}` in module `{}` (first defined at {})",
                later.text, m.name.text, first.pos
            ),
        )));
    }
    if unnamed {
        let taken: FxHashSet<&str> = m
            .items
            .iter()
            .filter_map(name_of)
            .map(|n| n.text)
            .filter(|t| t.starts_with("prim_"))
            .collect();
        let mut next = 0u32;
        let unnamed = m.items.iter_mut().filter_map(|item| match item {
            Item::Gate(g) if g.is_unnamed() => Some(g),
            _ => None,
        });
        for g in unnamed {
            while taken.contains(format!("prim_{next}").as_str()) {
                next += 1;
            }
            g.generated_index = next;
            next += 1;
        }
    }
    m.instances = instances;
    m.gate_names = gate_names;
    Ok(())
}

// ----- header ---------------------------------------------------------------------------------

/// `#( [parameter] name = value, ... )` after the module name.
fn parameter_port_list<'a>(
    i: Input<'a>,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let (mut i, _) = cut(tok(Tok::LParen))(i)?;
    if at(&i, Tok::RParen) {
        return Ok(i.skip(1));
    }
    let mut local = false;
    loop {
        match i.peek().kind {
            Tok::Kw(Kw::Parameter) => {
                local = false;
                i = i.skip(1);
            }
            Tok::Kw(Kw::Localparam) => {
                local = true;
                i = i.skip(1);
            }
            _ => {}
        }
        i = skip_parameter_type(i)?;
        let (rest, (name, value)) = cut(separated_pair(identifier, tok(Tok::Eq), expression))(i)?;
        m.params.push(Param { name, value, local });
        match rest.peek().kind {
            Tok::Comma => i = rest.skip(1),
            Tok::RParen => return Ok(rest.skip(1)),
            _ => return Err(nom::Err::Failure(expected_any(rest, &["`,`", "`)`"]))),
        }
    }
}

/// Skips `integer`, `signed`, a range and the like between `parameter` and the name.
fn skip_parameter_type(mut i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    loop {
        match i.peek().kind {
            Tok::Kw(
                Kw::Integer | Kw::Real | Kw::Realtime | Kw::Time | Kw::Signed | Kw::Unsigned,
            ) => i = i.skip(1),
            Tok::LBracket => i = range(i)?.0,
            _ => return Ok(i),
        }
    }
}

/// The port list: ANSI (`(input a, output [3:0] y)`) or a list of names (`(a, y)`).
fn port_list<'a>(i: Input<'a>, m: &mut Module<'a>) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let i = i.skip(1);
    match i.peek().kind {
        Tok::RParen => Ok(i.skip(1)),
        Tok::Kw(Kw::Input | Kw::Output | Kw::Inout) => ansi_ports(i, m),
        _ => {
            let (i, names) = cut(separated_list1(tok(Tok::Comma), port_name))(i)?;
            m.ports = names;
            match i.peek().kind {
                Tok::RParen => Ok(i.skip(1)),
                _ => Err(nom::Err::Failure(expected_any(i, &["`,`", "`)`"]))),
            }
        }
    }
}

/// One name of a non-ANSI port list.
fn port_name(i: Input<'_>) -> PResult<'_, Name<'_>> {
    match i.peek().kind {
        Tok::Dot | Tok::LBrace => {
            fatal(i, "explicit port expressions (`.name(...)`, `{...}`) are not supported")
        }
        _ => {
            let (rest, name) = identifier(i)?;
            if at(&rest, Tok::LBracket) {
                return fatal(
                    rest,
                    "port expressions with selects are not supported in a port list",
                );
            }
            Ok((rest, name))
        }
    }
}

fn direction(t: Tok) -> Option<Direction> {
    match t {
        Tok::Kw(Kw::Input) => Some(Direction::Input),
        Tok::Kw(Kw::Output) => Some(Direction::Output),
        Tok::Kw(Kw::Inout) => Some(Direction::Inout),
        _ => None,
    }
}

/// The net kind keywords and what they mean here.
fn net_kind(t: Tok) -> Option<(NetKind, &'static str)> {
    Some(match t {
        Tok::Kw(
            Kw::Wire | Kw::Tri | Kw::Tri0 | Kw::Tri1 | Kw::Triand | Kw::Trior | Kw::Wand | Kw::Wor,
        )
        | Tok::Kw(Kw::Uwire | Kw::Logic) => (NetKind::Wire, "wire"),
        Tok::Kw(Kw::Supply0) => (NetKind::Supply0, "supply0"),
        Tok::Kw(Kw::Supply1) => (NetKind::Supply1, "supply1"),
        Tok::Kw(Kw::Reg) => (NetKind::Reg, "`reg` declaration"),
        Tok::Kw(Kw::Trireg) => (NetKind::Trireg, "`trireg` net"),
        _ => return None,
    })
}

/// Records what a net kind says about the module's style.
fn note_net_kind(m: &mut Module<'_>, kind: NetKind, what: &'static str, pos: SourcePos) {
    match kind {
        NetKind::Reg => {
            m.behavioural.get_or_insert((pos, what));
        }
        NetKind::Trireg => {
            m.switch_level.get_or_insert((pos, what));
        }
        _ => {}
    }
}

/// The ANSI port list after `(`: `input [3:0] a, b, output reg y)`.
fn ansi_ports<'a>(
    mut i: Input<'a>,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut current: Option<(Direction, Option<NetKind>, Option<Rc<Range<'a>>>)> = None;
    loop {
        if let Some(dir) = direction(i.peek().kind) {
            i = i.skip(1);
            let mut kind = None;
            if let Some((k, what)) = net_kind(i.peek().kind) {
                note_net_kind(m, k, what, i.peek().pos());
                kind = Some(k);
                i = i.skip(1);
            }
            while matches!(i.peek().kind, Tok::Kw(Kw::Signed | Kw::Unsigned)) {
                i = i.skip(1);
            }
            let mut r = None;
            if at(&i, Tok::LBracket) {
                let (rest, parsed) = range(i)?;
                r = Some(Rc::new(parsed));
                i = rest;
            }
            current = Some((dir, kind, r));
        }
        let Some((dir, kind, r)) = current.clone() else {
            return Err(nom::Err::Failure(SyntaxError::expected(i, "a port direction")));
        };
        let (rest, name) = cut(identifier)(i)?;
        if at(&rest, Tok::LBracket) {
            return fatal(rest, format!("array port `{}` is not supported", name.text))
                .map(|(i, ())| i);
        }
        m.ports.push(name);
        m.decls.push(Decl { name, kind: DeclKind::Port(dir), range: r.clone() });
        if let Some(k) = kind {
            m.decls.push(Decl { name, kind: DeclKind::Net(k), range: r });
        }
        match rest.peek().kind {
            Tok::Comma => i = rest.skip(1),
            Tok::RParen => return Ok(rest.skip(1)),
            _ => return Err(nom::Err::Failure(expected_any(rest, &["`,`", "`)`"]))),
        }
    }
}

/// `[msb:lsb]`
fn range(i: Input<'_>) -> PResult<'_, Range<'_>> {
    let (i, (msb, lsb)) = delimited(
        tok(Tok::LBracket),
        cut(separated_pair(expression, tok(Tok::Colon), expression)),
        cut(tok(Tok::RBracket)),
    )(i)?;
    Ok((i, Range { msb, lsb }))
}

// ----- module items -----------------------------------------------------------------------------

/// The statements most of a large netlist is, `wire a, b;` and `and g (y, a, b);` with plain
/// names, read in place: whether it read one. If not, nothing was added to the module and `i`
/// is where it was, for [`module_item`] to read the item with the general grammar.
///
/// The input is moved along rather than copied: a copy of the input right after the lexer
/// wrote its token stalls the processor (its wide loads cannot take the data of the narrow
/// stores still in flight), and a netlist item used to take ten of them.
fn simple_item<'a>(i: &mut Input<'a>, m: &mut Module<'a>) -> bool {
    let keyword = i.peek();
    let Tok::Kw(k) = keyword.kind else { return false };
    let read = if let Some((kind, what)) = net_kind(keyword.kind) {
        note_net_kind(m, kind, what, keyword.pos());
        simple_net_declaration(i, kind, m)
    } else if let Some(p) = primitive(k).filter(|p| !matches!(p, Primitive::Switch(_))) {
        simple_gate(i, p, keyword.pos(), m)
    } else {
        return false;
    };
    if !read {
        i.back_to(keyword);
    }
    read
}

/// One module item; returns the input after it.
fn module_item<'a>(
    i: Input<'a>,
    m: &mut Module<'a>,
    warnings: &mut Vec<(SourcePos, String)>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let t = i.peek();
    match t.kind {
        Tok::Ident | Tok::Escaped => module_instantiation(i, m),
        Tok::Kw(Kw::Assign) => continuous_assign(i.skip(1), m),
        Tok::Kw(k) => {
            if let Some(dir) = direction(t.kind) {
                return port_declaration(i.skip(1), dir, m);
            }
            if let Some((kind, what)) = net_kind(t.kind) {
                note_net_kind(m, kind, what, t.pos());
                return net_declaration(i.skip(1), kind, m);
            }
            if let Some(p) = primitive(k) {
                if let Primitive::Switch(kw) = p {
                    m.switch_level.get_or_insert((t.pos(), kw.text()));
                }
                return gate_instantiation(i.skip(1), p, t.pos(), m);
            }
            keyword_item(i, k, m, warnings)
        }
        Tok::Semi => Ok(i.skip(1)),
        _ => Err(nom::Err::Failure(SyntaxError::expected(
            i,
            "a declaration, `assign`, a gate or module instance, or `endmodule`",
        ))),
    }
}

/// Items that start with other keywords: parameters, behavioural code, skipped blocks.
fn keyword_item<'a>(
    i: Input<'a>,
    k: Kw,
    m: &mut Module<'a>,
    warnings: &mut Vec<(SourcePos, String)>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let pos = i.peek().pos();
    match k {
        Kw::Parameter | Kw::Localparam => parameter_declaration(i.skip(1), k == Kw::Localparam, m),
        Kw::Defparam => {
            warnings.push((pos, "`defparam` is ignored".into()));
            Ok(skip_past_semicolon(i.skip(1))?)
        }
        Kw::Specparam => Ok(skip_past_semicolon(i.skip(1))?),
        Kw::Specify => {
            warnings.push((pos, "`specify` block skipped (timing is not modelled)".into()));
            Ok(skip_until(i.skip(1), &[Kw::Endspecify], "`endspecify`")?.skip(1))
        }
        Kw::Integer | Kw::Real | Kw::Realtime | Kw::Time | Kw::Event | Kw::Genvar => {
            m.behavioural.get_or_insert((pos, "variable declaration"));
            m.other_process.get_or_insert((pos, "variable declaration"));
            Ok(skip_past_semicolon(i.skip(1))?)
        }
        Kw::Function | Kw::Task => {
            let what = if k == Kw::Function { "`function`" } else { "`task`" };
            m.behavioural.get_or_insert((pos, what));
            m.other_process.get_or_insert((pos, what));
            let end = if k == Kw::Function { Kw::Endfunction } else { Kw::Endtask };
            Ok(skip_until(
                i.skip(1),
                &[end],
                if k == Kw::Function { "`endfunction`" } else { "`endtask`" },
            )?
            .skip(1))
        }
        Kw::Always | Kw::AlwaysFf | Kw::AlwaysComb | Kw::AlwaysLatch | Kw::Initial => {
            let what = if k == Kw::Initial { "`initial` block" } else { "`always` block" };
            m.behavioural.get_or_insert((pos, what));
            m.process_count += 1;
            if matches!(k, Kw::Always | Kw::AlwaysFf) {
                if let Ok((rest, flop)) = always_flop(i.skip(1)) {
                    m.always_flops.push(flop);
                    return Ok(rest);
                }
            }
            m.other_process.get_or_insert((pos, what));
            skip_statement(i.skip(1))
        }
        Kw::Generate => fatal(i, "`generate` blocks are not supported; flatten the design first")
            .map(|(i, ())| i),
        _ => Err(nom::Err::Failure(SyntaxError::expected(
            i,
            "a declaration, `assign`, a gate or module instance, or `endmodule`",
        ))),
    }
}

/// `input [3:0] a, b;` (after the direction keyword).
fn port_declaration<'a>(
    i: Input<'a>,
    dir: Direction,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = i;
    let mut kind = None;
    if let Some((k, what)) = net_kind(i.peek().kind) {
        note_net_kind(m, k, what, i.peek().pos());
        kind = Some(k);
        i = i.skip(1);
    }
    while matches!(i.peek().kind, Tok::Kw(Kw::Signed | Kw::Unsigned | Kw::Vectored | Kw::Scalared))
    {
        i = i.skip(1);
    }
    let mut r = None;
    if at(&i, Tok::LBracket) {
        let (rest, parsed) = range(i)?;
        r = Some(Rc::new(parsed));
        i = rest;
    }
    loop {
        let (rest, name) = cut(identifier)(i)?;
        m.decls.push(Decl { name, kind: DeclKind::Port(dir), range: r.clone() });
        if let Some(k) = kind {
            m.decls.push(Decl { name, kind: DeclKind::Net(k), range: r.clone() });
        }
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// `wire a, b;` with plain names only (`i` at the net kind keyword), read like [`simple_gate`]:
/// netlists declare a wire per net. Names of kind `wire` go to [`Module::wires`], others to
/// [`Module::decls`]. Whether it was that; if not, nothing was added (and `i` moved on), and
/// [`net_declaration`] reads the statement.
fn simple_net_declaration<'a>(i: &mut Input<'a>, kind: NetKind, m: &mut Module<'a>) -> bool {
    let (first_decl, first_wire) = (m.decls.len(), m.wires.len());
    let text = i.source_text();
    // Straight from the bytes; failing that, token by token.
    if i.plain_names_after(b',', b';', |t| declare_plain(m, kind, text, &t)) {
        return true;
    }
    // Names passed already are declared again.
    m.decls.truncate(first_decl);
    m.wires.truncate(first_wire);
    let mut t = i.advance();
    while t.is_name() {
        declare_plain(m, kind, text, &t);
        match i.advance().kind {
            Tok::Comma => t = i.advance(),
            Tok::Semi => {
                i.advance();
                return true;
            }
            _ => break,
        }
    }
    m.decls.truncate(first_decl);
    m.wires.truncate(first_wire);
    false
}

/// Declares the one-bit net `t` (a name token of `text`) of kind `kind`.
fn declare_plain<'a>(m: &mut Module<'a>, kind: NetKind, text: &'a str, t: &Token) {
    match kind {
        NetKind::Wire => m.wires.push(Spot::of(t)),
        _ => m.decls.push(Decl {
            name: Name { text: t.text(text), pos: t.pos() },
            kind: DeclKind::Net(kind),
            range: None,
        }),
    }
}

/// `wire [3:0] a, b = c;` (after the net kind keyword).
fn net_declaration<'a>(
    i: Input<'a>,
    kind: NetKind,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = i;
    if at(&i, Tok::LParen) {
        // Drive or charge strength.
        i = skip_balanced(i)?;
    }
    while matches!(i.peek().kind, Tok::Kw(Kw::Signed | Kw::Unsigned | Kw::Vectored | Kw::Scalared))
    {
        i = i.skip(1);
    }
    let mut r = None;
    if at(&i, Tok::LBracket) {
        let (rest, parsed) = range(i)?;
        r = Some(Rc::new(parsed));
        i = rest;
    }
    if at(&i, Tok::Hash) {
        i = skip_delay(i.skip(1))?;
    }
    loop {
        let (rest, name) = cut(identifier)(i)?;
        let mut rest = rest;
        if at(&rest, Tok::LBracket) {
            if kind == NetKind::Reg {
                // A memory: behavioural by definition.
                while at(&rest, Tok::LBracket) {
                    rest = range(rest)?.0;
                }
            } else {
                return fatal(rest, format!("net array `{}` is not supported", name.text))
                    .map(|(i, ())| i);
            }
        }
        m.decls.push(Decl { name, kind: DeclKind::Net(kind), range: r.clone() });
        if at(&rest, Tok::Eq) {
            let (after, rhs) = cut(expression)(rest.skip(1))?;
            push_assign(m, Assign { lhs: Expr::Ident(name), rhs, pos: name.pos });
            rest = after;
        }
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// `parameter [range] A = 1, B = 2;` (after the keyword).
fn parameter_declaration<'a>(
    i: Input<'a>,
    local: bool,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = skip_parameter_type(i)?;
    loop {
        let (rest, (name, value)) = cut(separated_pair(identifier, tok(Tok::Eq), expression))(i)?;
        m.params.push(Param { name, value, local });
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// `assign [strength] [delay] a = b, c = d;` (after `assign`).
fn continuous_assign<'a>(
    i: Input<'a>,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = i;
    if at(&i, Tok::LParen) {
        i = skip_balanced(i)?;
    }
    if at(&i, Tok::Hash) {
        i = skip_delay(i.skip(1))?;
    }
    loop {
        let pos = i.peek().pos();
        let (rest, lhs) = cut(primary)(i)?;
        let (rest, _) = cut(tok(Tok::Eq))(rest)?;
        let (rest, rhs) = cut(expression)(rest)?;
        push_assign(m, Assign { lhs, rhs, pos });
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// Adds an `assign` item.
fn push_assign<'a>(m: &mut Module<'a>, assign: Assign<'a>) {
    m.items.push(Item::Assign(m.assigns.len() as u32));
    m.assigns.push(assign);
}

/// The primitive a gate keyword names.
fn primitive(k: Kw) -> Option<Primitive> {
    Some(match k {
        Kw::And => Primitive::And,
        Kw::Nand => Primitive::Nand,
        Kw::Or => Primitive::Or,
        Kw::Nor => Primitive::Nor,
        Kw::Xor => Primitive::Xor,
        Kw::Xnor => Primitive::Xnor,
        Kw::Not => Primitive::Not,
        Kw::Buf => Primitive::Buf,
        Kw::Bufif0 => Primitive::Bufif0,
        Kw::Bufif1 => Primitive::Bufif1,
        Kw::Notif0 => Primitive::Notif0,
        Kw::Notif1 => Primitive::Notif1,
        Kw::Nmos
        | Kw::Pmos
        | Kw::Cmos
        | Kw::Rnmos
        | Kw::Rpmos
        | Kw::Rcmos
        | Kw::Tran
        | Kw::Tranif0
        | Kw::Tranif1
        | Kw::Rtran
        | Kw::Rtranif0
        | Kw::Rtranif1
        | Kw::Pullup
        | Kw::Pulldown => Primitive::Switch(k),
        _ => return None,
    })
}

/// Whether `(` starts a strength specification rather than a terminal list.
fn is_strength(i: &Input<'_>) -> bool {
    if !at(i, Tok::LParen) {
        return false;
    }
    let t = i.skip(1).peek();
    match t.kind {
        Tok::Kw(Kw::Supply0 | Kw::Supply1) => true,
        Tok::Ident => matches!(
            i.text(&t),
            "strong0" | "strong1" | "pull0" | "pull1" | "weak0" | "weak1" | "highz0" | "highz1"
        ),
        _ => false,
    }
}

/// The commonest gate statement, `and [name] (y, a, b);` with plain names only (`i` at the
/// keyword, which is at `pos`), read without nom's machinery: the statement that makes up most
/// of a large netlist. Straight from the bytes when it holds nothing but names, punctuation
/// and blanks, else token by token. Whether it was that; if not, nothing was added to the
/// module (and `i` moved on), for any other shape (strengths, delays, selects or expressions,
/// several instances, errors), which [`gate_instantiation`] then reads, producing the same
/// item this would have.
fn simple_gate<'a>(i: &mut Input<'a>, kind: Primitive, pos: SourcePos, m: &mut Module<'a>) -> bool {
    let (first, first_expr) = (m.terminals.len(), m.terminal_exprs.len());
    let name_terminal = |m: &mut Module<'a>, t: &Token| m.push_name_terminal(t, pos.line);
    let (name, parsed) = match i.plain_gate_after(|t| name_terminal(m, &t)) {
        Some(name) => (name, true),
        None => {
            m.terminals.truncate(first);
            m.terminal_exprs.truncate(first_expr);
            let mut t = i.advance();
            let name = t.is_name().then_some(t);
            if name.is_some() {
                t = i.advance();
            }
            // The terminals straight from the bytes; failing that, token by token.
            let parsed = if t.kind != Tok::LParen {
                false
            } else if i.plain_names_after(b',', b')', |t| name_terminal(m, &t)) {
                i.peek().kind == Tok::Semi
            } else {
                m.terminals.truncate(first);
                m.terminal_exprs.truncate(first_expr);
                terminals_token_by_token(i, pos.line, m)
            };
            if parsed {
                // Past the `;`.
                i.advance();
            }
            (name, parsed)
        }
    };
    let range = (u32::try_from(first), u32::try_from(m.terminals.len()));
    let (true, Ok(start), Ok(end)) = (parsed, range.0, range.1) else {
        m.terminals.truncate(first);
        m.terminal_exprs.truncate(first_expr);
        return false;
    };
    let gate = GateInstance::new(kind, name.as_ref(), pos, start..end, m);
    m.items.push(Item::Gate(gate));
    true
}

/// The plain-name terminals after `(` up to `)` of a gate that starts on line `line`, token by
/// token, for [`simple_gate`]: whether they are followed by `;`, with `i` there.
fn terminals_token_by_token<'a>(i: &mut Input<'a>, line: u32, m: &mut Module<'a>) -> bool {
    loop {
        let t = i.advance();
        if !t.is_name() {
            return false;
        }
        m.push_name_terminal(&t, line);
        match i.advance().kind {
            Tok::Comma => {}
            Tok::RParen => return i.advance().kind == Tok::Semi,
            _ => return false,
        }
    }
}

/// `and [strength] [#delay] [name] (y, a, b), [name] (...);` (after the keyword).
fn gate_instantiation<'a>(
    i: Input<'a>,
    kind: Primitive,
    pos: SourcePos,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = i;
    if is_strength(&i) {
        i = skip_balanced(i)?;
    }
    if at(&i, Tok::Hash) {
        i = skip_delay(i.skip(1))?;
    }
    let mut first = true;
    loop {
        // The first instance is placed at the keyword, later ones where they start.
        let inst_pos = if first { pos } else { i.peek().pos() };
        first = false;
        let name_token = i.peek();
        let (rest, name) = opt(identifier)(i)?;
        if at(&rest, Tok::LBracket) {
            return fatal(rest, "arrays of instances are not supported").map(|(i, ())| i);
        }
        let first_terminal = m.terminals.len();
        let (rest, ()) = cut(delimited(
            tok(Tok::LParen),
            |i| terminal_list(i, inst_pos.line, m),
            |i: Input<'a>| match i.peek().kind {
                Tok::RParen => Ok((i.skip(1), ())),
                _ => Err(nom::Err::Error(expected_any(i, &["`,`", "`)`"]))),
            },
        ))(rest)?;
        let (Ok(start), Ok(end)) =
            (u32::try_from(first_terminal), u32::try_from(m.terminals.len()))
        else {
            return fatal(rest, "too many gate terminals in one module").map(|(i, ())| i);
        };
        let name = name.map(|_| name_token);
        let gate = GateInstance::new(kind, name.as_ref(), inst_pos, start..end, m);
        m.items.push(Item::Gate(gate));
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// `expr, expr, ...` appended to the module's terminals: nom's
/// `separated_list1(tok(Tok::Comma), expression)` (same results and errors, step for step)
/// without a vector per gate, keeping plain names compact (see [`Terminal`]).
fn terminal_list<'a>(
    mut i: Input<'a>,
    line: u32,
    m: &mut Module<'a>,
) -> Result<(Input<'a>, ()), nom::Err<SyntaxError>> {
    i = terminal(i, line, m)?;
    loop {
        let after_comma = match tok(Tok::Comma)(i) {
            Err(nom::Err::Error(_)) => return Ok((i, ())),
            Err(e) => return Err(e),
            Ok((after_comma, _)) => after_comma,
        };
        match terminal(after_comma, line, m) {
            Err(nom::Err::Error(_)) => return Ok((i, ())),
            Err(e) => return Err(e),
            Ok(rest) => i = rest,
        }
    }
}

/// One terminal of a gate that starts on line `line`, appended to the module's terminals.
fn terminal<'a>(
    i: Input<'a>,
    line: u32,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let t = i.peek();
    if t.is_name() {
        let next = i.skip(1);
        if matches!(next.peek().kind, Tok::Comma | Tok::RParen) {
            m.push_name_terminal(&t, line);
            return Ok(next);
        }
    }
    let (rest, e) = expression(i)?;
    m.push_expr_terminal(e);
    Ok(rest)
}

/// `CELL [#(...)] name (connections), name (...);`
fn module_instantiation<'a>(
    i: Input<'a>,
    m: &mut Module<'a>,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let (mut i, cell) = identifier(i)?;
    let mut params = None;
    if at(&i, Tok::Hash) {
        let (rest, p) = parameter_overrides(i.skip(1))?;
        params = Some(Rc::new(p));
        i = rest;
    }
    loop {
        let (rest, name) = match identifier(i) {
            Ok(ok) => ok,
            Err(_) => return Err(nom::Err::Failure(SyntaxError::expected(i, "an instance name"))),
        };
        if at(&rest, Tok::LBracket) {
            return fatal(rest, "arrays of instances are not supported").map(|(i, ())| i);
        }
        let (rest, connections) = cut(port_connections)(rest)?;
        // A file under 4 GiB cannot hold 2^32 instances (nor assignments, below).
        m.items.push(Item::Instance(m.instances.len() as u32));
        m.instances.push(Instance { cell, name, params: params.clone(), connections });
        match list_step(rest)? {
            ListStep::Next(next) => i = next,
            ListStep::End(after) => return Ok(after),
        }
    }
}

/// `#(8, 4)`, `#(.W(8))` or `#8` (after `#`).
fn parameter_overrides(i: Input<'_>) -> PResult<'_, ParamOverrides<'_>> {
    match i.peek().kind {
        Tok::Number | Tok::Based | Tok::Ident | Tok::Escaped => {
            let (rest, e) = primary(i)?;
            return Ok((rest, ParamOverrides::Positional(vec![e])));
        }
        Tok::LParen => {}
        _ => return fail(i, "`(`"),
    }
    let i = i.skip(1);
    if at(&i, Tok::RParen) {
        return Ok((i.skip(1), ParamOverrides::Positional(Vec::new())));
    }
    if at(&i, Tok::Dot) {
        let named = |i| {
            let (i, _) = tok(Tok::Dot)(i)?;
            let (i, name) = cut(identifier)(i)?;
            let (i, value) = cut(delimited(tok(Tok::LParen), expression, tok(Tok::RParen)))(i)?;
            Ok((i, (name, value)))
        };
        let (i, list) = cut(separated_list1(tok(Tok::Comma), named))(i)?;
        let (i, _) = close(i)?;
        return Ok((i, ParamOverrides::Named(list)));
    }
    let (i, list) = cut(separated_list1(tok(Tok::Comma), expression))(i)?;
    let (i, _) = close(i)?;
    Ok((i, ParamOverrides::Positional(list)))
}

/// The `)` closing a comma-separated list.
fn close(i: Input<'_>) -> PResult<'_, ()> {
    match i.peek().kind {
        Tok::RParen => Ok((i.skip(1), ())),
        _ => Err(nom::Err::Failure(expected_any(i, &["`,`", "`)`"]))),
    }
}

/// `(a, , b)` or `(.A(a), .B())`.
fn port_connections(i: Input<'_>) -> PResult<'_, Connections<'_>> {
    let (i, _) = tok(Tok::LParen)(i)?;
    if at(&i, Tok::RParen) {
        return Ok((i.skip(1), Connections::Positional(Vec::new())));
    }
    if at(&i, Tok::Dot) {
        let mut list = Vec::new();
        let mut i = i;
        loop {
            let (rest, _) = cut(tok(Tok::Dot))(i)?;
            if at(&rest, Tok::Star) {
                return fatal(rest, "`.*` connections are not supported");
            }
            let (rest, name) = cut(identifier)(rest)?;
            if !at(&rest, Tok::LParen) {
                return fatal(
                    rest,
                    format!(
                        "implicit connection `.{}` is not supported; write `.{0}({0})`",
                        name.text
                    ),
                );
            }
            let rest = rest.skip(1);
            let (rest, value) = if at(&rest, Tok::RParen) {
                (rest, None)
            } else {
                cut(expression)(rest).map(|(r, e)| (r, Some(e)))?
            };
            let (rest, _) = cut(tok(Tok::RParen))(rest)?;
            list.push((name, value));
            match rest.peek().kind {
                Tok::Comma => i = rest.skip(1),
                Tok::RParen => return Ok((rest.skip(1), Connections::Named(list))),
                _ => return Err(nom::Err::Failure(expected_any(rest, &["`,`", "`)`"]))),
            }
        }
    }
    let mut list = Vec::new();
    let mut i = i;
    loop {
        if matches!(i.peek().kind, Tok::Comma | Tok::RParen) {
            list.push(None);
        } else {
            let (rest, e) = cut(expression)(i)?;
            list.push(Some(e));
            i = rest;
        }
        match i.peek().kind {
            Tok::Comma => i = i.skip(1),
            Tok::RParen => return Ok((i.skip(1), Connections::Positional(list))),
            _ => return Err(nom::Err::Failure(expected_any(i, &["`,`", "`)`"]))),
        }
    }
}

// ----- behavioural code ------------------------------------------------------------------

/// `@(posedge CK) Q <= D;` or the same wrapped in `begin ... end` (after `always`).
fn always_flop(i: Input<'_>) -> PResult<'_, AlwaysFlop<'_>> {
    let (i, _) = tok(Tok::At)(i)?;
    let (i, _) = tok(Tok::LParen)(i)?;
    let (i, edge) = alt((kw(Kw::Posedge), kw(Kw::Negedge)))(i)?;
    let (i, clock) = identifier(i)?;
    let (i, _) = tok(Tok::RParen)(i)?;
    let (i, begin) = opt(kw(Kw::Begin))(i)?;
    let (i, q) = identifier(i)?;
    let (mut i, _) = tok(Tok::LtEq)(i)?;
    if at(&i, Tok::Hash) {
        i = skip_delay(i.skip(1))?;
    }
    let (i, d) = identifier(i)?;
    let (mut i, _) = tok(Tok::Semi)(i)?;
    if begin.is_some() {
        i = kw(Kw::End)(i)?.0;
    }
    Ok((i, AlwaysFlop { clock, negedge: edge.kind == Tok::Kw(Kw::Negedge), q, d }))
}

/// Skips one procedural statement without building anything. Iterative: nested `if`s are a
/// counter and blocks are skipped by counting their keywords, so nesting depth costs nothing.
fn skip_statement(i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    let mut i = i;
    let mut pending_ifs = 0usize;
    loop {
        match i.peek().kind {
            Tok::Kw(Kw::Begin | Kw::Fork) => {
                i = skip_block(i, &[Kw::Begin, Kw::Fork], &[Kw::End, Kw::Join], "`end`")?;
            }
            Tok::Kw(Kw::Case | Kw::Casex | Kw::Casez) => {
                i = skip_block(i, &[Kw::Case, Kw::Casex, Kw::Casez], &[Kw::Endcase], "`endcase`")?;
            }
            Tok::Kw(Kw::If) => {
                i = skip_balanced(i.skip(1))?;
                pending_ifs += 1;
                continue;
            }
            Tok::Kw(Kw::For | Kw::While | Kw::Repeat | Kw::Wait) => {
                i = skip_balanced(i.skip(1))?;
                continue;
            }
            Tok::Kw(Kw::Forever) => {
                i = i.skip(1);
                continue;
            }
            Tok::At => {
                i = skip_event(i.skip(1))?;
                continue;
            }
            Tok::Hash => {
                i = skip_delay(i.skip(1))?;
                continue;
            }
            _ => i = skip_past_semicolon(i)?,
        }
        // One statement is complete; it completes the innermost pending `if` unless an `else`
        // follows, whose statement then completes it.
        loop {
            if pending_ifs == 0 {
                return Ok(i);
            }
            pending_ifs -= 1;
            if at(&i, Tok::Kw(Kw::Else)) {
                i = i.skip(1);
                break;
            }
        }
    }
}

/// Skips a block from its opening keyword to the matching closing keyword, inclusive.
fn skip_block<'a>(
    i: Input<'a>,
    open: &[Kw],
    close: &[Kw],
    what: &'static str,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut depth = 0usize;
    let mut i = i;
    loop {
        match i.peek().kind {
            Tok::Kw(k) if open.contains(&k) => depth += 1,
            Tok::Kw(k) if close.contains(&k) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(i.skip(1));
                }
            }
            Tok::Kw(Kw::Endmodule) | Tok::Eof | Tok::Error => {
                return Err(nom::Err::Failure(SyntaxError::expected(i, what)))
            }
            _ => {}
        }
        i = i.skip(1);
    }
}

/// Skips tokens up to (not including) the next keyword in `until`.
fn skip_until<'a>(
    i: Input<'a>,
    until: &[Kw],
    what: &'static str,
) -> Result<Input<'a>, nom::Err<SyntaxError>> {
    let mut i = i;
    loop {
        match i.peek().kind {
            Tok::Kw(k) if until.contains(&k) => return Ok(i),
            Tok::Eof | Tok::Error => return Err(nom::Err::Failure(SyntaxError::expected(i, what))),
            _ => i = i.skip(1),
        }
    }
}

/// Skips to just past the next `;` outside brackets.
fn skip_past_semicolon(i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    let mut depth = 0usize;
    let mut i = i;
    loop {
        match i.peek().kind {
            Tok::LParen | Tok::LBracket | Tok::LBrace => depth += 1,
            Tok::RParen | Tok::RBracket | Tok::RBrace => depth = depth.saturating_sub(1),
            Tok::Semi if depth == 0 => return Ok(i.skip(1)),
            Tok::Kw(Kw::Endmodule) | Tok::Eof | Tok::Error => {
                return Err(nom::Err::Failure(SyntaxError::expected(i, "`;`")))
            }
            _ => {}
        }
        i = i.skip(1);
    }
}

/// Skips a parenthesised group starting at `(`, inclusive.
fn skip_balanced(i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    if !at(&i, Tok::LParen) {
        return Err(nom::Err::Failure(SyntaxError::expected(i, "`(`")));
    }
    let mut depth = 0usize;
    let mut i = i;
    loop {
        match i.peek().kind {
            Tok::LParen => depth += 1,
            Tok::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i.skip(1));
                }
            }
            Tok::Kw(Kw::Endmodule) | Tok::Eof | Tok::Error => {
                return Err(nom::Err::Failure(SyntaxError::expected(i, "`)`")))
            }
            _ => {}
        }
        i = i.skip(1);
    }
}

/// A delay value after `#`: a number, a name or a parenthesised list.
fn skip_delay(i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    match i.peek().kind {
        Tok::Number if i.peek_kind(1) == Tok::Based => Ok(i.skip(2)),
        Tok::Number | Tok::Real | Tok::Based | Tok::Ident | Tok::Escaped => Ok(i.skip(1)),
        Tok::LParen => skip_balanced(i),
        _ => Err(nom::Err::Failure(SyntaxError::expected(i, "a delay value"))),
    }
}

/// An event control after `@`: `*`, a name, or a parenthesised list.
fn skip_event(i: Input<'_>) -> Result<Input<'_>, nom::Err<SyntaxError>> {
    match i.peek().kind {
        Tok::Star | Tok::Ident | Tok::Escaped => Ok(i.skip(1)),
        Tok::LParen => skip_balanced(i),
        _ => Err(nom::Err::Failure(SyntaxError::expected(i, "an event control"))),
    }
}

/// Where a `,`-separated list ended by `;` goes after one item.
enum ListStep<'a> {
    /// A `,` followed: the next item starts here.
    Next(Input<'a>),
    /// The `;` followed: the statement is over; parsing resumes here.
    End(Input<'a>),
}

/// Reads the `,` or `;` after an item of a declaration-style list.
fn list_step(rest: Input<'_>) -> Result<ListStep<'_>, nom::Err<SyntaxError>> {
    match rest.peek().kind {
        Tok::Comma => Ok(ListStep::Next(rest.skip(1))),
        Tok::Semi => Ok(ListStep::End(rest.skip(1))),
        _ => Err(nom::Err::Failure(expected_any(rest, &["`,`", "`;`"]))),
    }
}
