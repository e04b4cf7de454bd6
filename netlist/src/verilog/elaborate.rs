//! Elaboration: the parsed modules to one flat [`Netlist`].
//!
//! The top module is elaborated first (its ports become the netlist's ports), then every
//! instance recursively, depth first in source order: a child's ports are bound to the parent's
//! nets, its local nets are named `path/name`, and its cells `path/instance`. Cell types are
//! resolved in this order: a module defined in the sources (a flip-flop model is mapped to one
//! flip-flop; an empty stub defers to the library), a cell of the Liberty library, a Yosys
//! internal cell (`$_AND_` ...), and the ISCAS-89 `dff` when no module of that name exists.
//!
//! Invariants: elaboration never panics on any parse tree; every problem is a [`ParseError`]
//! at the position of the construct, in the file the construct is in; hierarchy depth is
//! bounded (recursion is reported, not followed).

mod declarations;
mod flop_model;
mod library_cell;
mod signals;
mod values;
mod yosys;

use std::rc::Rc;

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};

use self::flop_model::{FlopModel, FlopNets};
use self::signals::{Scope, Signal, VectorNets};
use self::values::{is_single_gate, normalize, Bit};
use super::ast::{
    Assign, Connections, DeclKind, Direction, Expr as Ast, GateInstance, Instance, ItemRef, Module,
    Name, NetKind, Primitive, SourceFile, Terminals,
};
use super::VerilogOptions;
use crate::error::{ParseError, SourcePos};
use crate::expr::Expr;
use crate::gate::GateKind;
use crate::liberty::Library;
use crate::netlist::{CellId, NetId, Netlist};

/// Errors of elaboration are parse errors: they point into the source.
pub(super) type ElabError = ParseError;

/// Deepest module hierarchy followed (real designs stay well below; each level costs stack).
const MAX_HIERARCHY_DEPTH: usize = 100;

/// How a module is used when instantiated.
#[derive(Debug)]
enum ModuleKind<'a> {
    /// Elaborated item by item.
    Structural,
    /// Mapped to one flip-flop.
    Flop(FlopModel<'a>),
    /// No logic at all: a black box or a cell stub.
    Stub { has_outputs: bool },
    /// Behavioural or transistor-level code that is not a flip-flop: an error when used.
    Unsupported { pos: SourcePos, message: String },
}

/// Counts of constructs reported once at the end rather than at every occurrence.
#[derive(Debug, Default)]
struct Notes {
    three_state: Option<(SourcePos, usize)>,
    high_impedance: Option<(SourcePos, usize)>,
    builtin_dff: Option<SourcePos>,
}

/// The elaboration state.
pub(super) struct Elaborator<'a, 'o> {
    file_names: &'o [&'o str],
    modules: Vec<&'o Module<'a>>,
    by_name: FxHashMap<&'a str, usize>,
    udps: FxHashSet<&'a str>,
    library: Option<&'o Library>,
    netlist: Netlist,
    const_nets: [Option<NetId>; 3],
    pin_names: FxHashMap<&'a str, Rc<[&'o str]>>,
    kinds: Vec<Option<Rc<ModuleKind<'a>>>>,
    stack: Vec<usize>,
    notes: Notes,
    created: Vec<CellId>,
    name_buf: String,
    /// Reused for the input nets of each gate.
    gate_inputs: Vec<NetId>,
}

/// Elaborates parsed files (`file_names[k]` names `files[k]`) into a netlist.
pub(super) fn elaborate<'a>(
    file_names: &[&str],
    files: &[SourceFile<'a>],
    warnings: Vec<(usize, SourcePos, String)>,
    options: &VerilogOptions<'_>,
) -> Result<Netlist, ParseError> {
    let mut e = Elaborator {
        file_names,
        modules: Vec::new(),
        by_name: FxHashMap::default(),
        udps: FxHashSet::default(),
        library: options.library,
        netlist: Netlist::new(""),
        const_nets: [None; 3],
        pin_names: FxHashMap::default(),
        kinds: Vec::new(),
        stack: Vec::new(),
        notes: Notes::default(),
        created: Vec::new(),
        name_buf: String::new(),
        gate_inputs: Vec::new(),
    };
    for (file, warning_pos, message) in warnings {
        let message = if file_names.len() > 1 {
            format!("{}: {message}", e.file_name(file))
        } else {
            message
        };
        e.netlist.warn(Some(warning_pos), message);
    }
    for f in files {
        for m in &f.modules {
            if let Some(&first) = e.by_name.get(m.name.text) {
                let first = e.modules[first];
                return Err(e.error(
                    m.file,
                    m.name.pos,
                    format!(
                        "module `{}` is defined twice (first at {}:{})",
                        m.name.text,
                        e.file_name(first.file),
                        first.name.pos
                    ),
                ));
            }
            e.by_name.insert(m.name.text, e.modules.len());
            e.modules.push(m);
        }
        e.udps.extend(f.udps.iter().map(|n| n.text));
    }
    e.kinds = vec![None; e.modules.len()];
    let top = e.choose_top(options.top)?;
    e.elaborate_top(top)?;
    e.report_notes();
    Ok(e.netlist)
}

impl<'a, 'o> Elaborator<'a, 'o> {
    /// The name of file `file`.
    fn file_name(&self, file: usize) -> &'o str {
        self.file_names.get(file).copied().unwrap_or("<input>")
    }

    /// An error in file `file`.
    pub(super) fn error(
        &self,
        file: usize,
        pos: SourcePos,
        message: impl Into<String>,
    ) -> ParseError {
        ParseError::at(self.file_name(file), pos, message)
    }

    // ----- top level --------------------------------------------------------------------------

    /// The requested top module, or the one module nobody instantiates.
    fn choose_top(&mut self, requested: Option<&str>) -> Result<usize, ParseError> {
        let start = SourcePos { line: 1, column: 1 };
        if let Some(name) = requested {
            return match self.by_name.get(name) {
                Some(&m) => Ok(m),
                None => {
                    let mut names: Vec<&str> = self.modules.iter().map(|m| m.name.text).collect();
                    names.sort_unstable();
                    Err(self.error(
                        0,
                        start,
                        format!("top module `{name}` not found; modules are: {}", names.join(", ")),
                    ))
                }
            };
        }
        if self.modules.is_empty() {
            return Err(self.error(0, start, "no module definition found"));
        }
        let mut instantiated = vec![false; self.modules.len()];
        for m in &self.modules {
            for inst in &m.instances {
                if let Some(&child) = self.by_name.get(inst.cell.text) {
                    if child != self.by_name[m.name.text] {
                        instantiated[child] = true;
                    }
                }
            }
        }
        let mut candidates: Vec<usize> =
            (0..self.modules.len()).filter(|&m| !instantiated[m]).collect();
        if candidates.len() > 1 {
            // Flip-flop models and empty stubs are libraries, not designs.
            let designs: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&c| {
                    let m = self.modules[c];
                    !flop_model::is_flop_candidate(m) && !m.items.is_empty()
                })
                .collect();
            if !designs.is_empty() {
                candidates = designs;
            }
        }
        match candidates[..] {
            [one] => Ok(one),
            [] => {
                let m = self.modules[0];
                Err(self.error(
                    m.file,
                    m.name.pos,
                    concat!(
                        "every module is instantiated by another (recursive hierarchy); ",
                        "pass --top to choose the top module"
                    ),
                ))
            }
            _ => {
                let names: Vec<&str> =
                    candidates.iter().map(|&c| self.modules[c].name.text).collect();
                let m = self.modules[candidates[0]];
                Err(self.error(
                    m.file,
                    m.name.pos,
                    format!(
                        concat!(
                            "several modules are not instantiated by any other: {}; ",
                            "pass --top to choose the top module"
                        ),
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    fn elaborate_top(&mut self, top: usize) -> Result<(), ParseError> {
        let m = self.modules[top];
        self.netlist.set_name(m.name.text);
        // Size the netlist for a flat top module up front (a declaration is about one net, an
        // item or a port one cell, a terminal, connection or port one pin), so that large
        // designs do not regrow and rehash it. Only a hint: hierarchy, vectors and expressions
        // make more, which still fits, just without the head start.
        let ports = m.decls.iter().filter(|d| matches!(d.kind, DeclKind::Port(_))).count();
        let pins: usize = m
            .items()
            .map(|item| match item {
                ItemRef::Gate(g) => g.terminals.len(),
                ItemRef::Instance(i) => match &i.connections {
                    Connections::Positional(c) => c.iter().flatten().count(),
                    Connections::Named(c) => c.iter().filter(|(_, e)| e.is_some()).count(),
                },
                ItemRef::Assign(_) => 2,
            })
            .sum();
        self.netlist.reserve(m.decls.len() + m.wires.len(), m.items.len() + ports);
        self.netlist.reserve_pins(pins + ports);
        let params = self.parameters(top, &[], m.file)?;
        let special = self.declarations(top, &params)?;
        self.check_ports(top, &special)?;
        let mut scope = Scope { module: top, file: m.file, prefix: String::new(), params, special };
        // Ports in declaration order, each vector from its left (first written) index.
        let mut seen = FxHashSet::default();
        for decl in &m.decls {
            let DeclKind::Port(dir) = decl.kind else { continue };
            if !seen.insert(decl.name.text) {
                continue;
            }
            let signal = self.signal(&mut scope, decl.name)?;
            if dir == Direction::Inout {
                self.netlist.warn(
                    Some(decl.name.pos),
                    format!(
                        "inout port `{}` of the top module is treated as an input",
                        decl.name.text
                    ),
                );
            }
            for &net in signal.bits().iter().rev() {
                let cell = match dir {
                    Direction::Input | Direction::Inout => self.netlist.add_input(net),
                    Direction::Output => self.netlist.add_output(net),
                };
                self.netlist.set_cell_pos(cell, decl.name.pos);
            }
        }
        match &*self.kind(top) {
            ModuleKind::Flop(model) => {
                let mut nets = FlopNets::default();
                for &(port, role) in &model.ports {
                    let net = self.scalar(
                        &mut scope,
                        Name { text: port, pos: m.name.pos },
                        "a flip-flop pin",
                    )?;
                    nets.set(role, net);
                }
                self.make_flop(m.name.text.into(), m.name.pos, nets, model.negedge);
                Ok(())
            }
            ModuleKind::Unsupported { pos, message } => {
                Err(self.error(m.file, *pos, message.clone()))
            }
            ModuleKind::Structural | ModuleKind::Stub { .. } => {
                self.stack.push(top);
                self.body(&mut scope)?;
                self.stack.pop();
                Ok(())
            }
        }
    }

    fn report_notes(&mut self) {
        if let Some((pos, n)) = self.notes.three_state {
            self.netlist.warn(
                Some(pos),
                format!(
                    concat!(
                        "{n} three-state primitive(s) (bufif/notif/$_TBUF_) modelled as plain ",
                        "buffers or inverters of their data input: three-state behaviour is not ",
                        "modelled"
                    ),
                    n = n
                ),
            );
        }
        if let Some((pos, n)) = self.notes.high_impedance {
            self.netlist.warn(
                Some(pos),
                format!("{n} literal(s) with z bits: high impedance is modelled as X"),
            );
        }
    }

    fn note_three_state(&mut self, pos: SourcePos) {
        let entry = self.notes.three_state.get_or_insert((pos, 0));
        entry.1 += 1;
    }

    pub(super) fn note_high_impedance(&mut self, pos: SourcePos) {
        let entry = self.notes.high_impedance.get_or_insert((pos, 0));
        entry.1 += 1;
    }

    // ----- modules ----------------------------------------------------------------------------

    fn kind(&mut self, module: usize) -> Rc<ModuleKind<'a>> {
        if let Some(Some(k)) = self.kinds.get(module) {
            return k.clone();
        }
        let m = self.modules[module];
        let kind = if flop_model::is_flop_candidate(m) {
            match flop_model::recognise(m) {
                Ok(model) => ModuleKind::Flop(model),
                // Point at the construct that could not be mapped, if there is one.
                Err(why) => match (m.other_process.or(m.behavioural), m.switch_level) {
                    (Some((pos, what)), _) => ModuleKind::Unsupported {
                        pos,
                        message: format!(
                            concat!(
                                "behavioural code is not supported: {what} in module `{}`, ",
                                "which is not recognisable as a D flip-flop ({why})"
                            ),
                            m.name.text,
                            what = what,
                            why = why
                        ),
                    },
                    (None, Some((pos, what))) => ModuleKind::Unsupported {
                        pos,
                        message: format!(
                            concat!(
                                "transistor-level code is not supported: {what} in module `{}`, ",
                                "which is not recognisable as a D flip-flop ({why})"
                            ),
                            m.name.text,
                            what = what,
                            why = why
                        ),
                    },
                    (None, None) => ModuleKind::Structural,
                },
            }
        } else if m.items.is_empty() {
            let has_outputs = m
                .decls
                .iter()
                .any(|d| matches!(d.kind, DeclKind::Port(Direction::Output | Direction::Inout)));
            ModuleKind::Stub { has_outputs }
        } else {
            ModuleKind::Structural
        };
        let kind = Rc::new(kind);
        if let Some(slot) = self.kinds.get_mut(module) {
            *slot = Some(kind.clone());
        }
        kind
    }

    /// Elaborates the items of the module of `scope`.
    fn body(&mut self, scope: &mut Scope<'a>) -> Result<(), ParseError> {
        let m = self.modules[scope.module];
        let mut supplied = FxHashSet::default();
        for decl in &m.decls {
            let kind = match decl.kind {
                DeclKind::Net(NetKind::Supply0) => GateKind::Const0,
                DeclKind::Net(NetKind::Supply1) => GateKind::Const1,
                _ => continue,
            };
            if !supplied.insert(decl.name.text) {
                continue;
            }
            let signal = self.signal(scope, decl.name)?;
            for &net in signal.bits() {
                let name = self.netlist.net_name(net).to_string();
                let cell = self.netlist.add_gate(name, kind, &[], net);
                self.netlist.set_cell_pos(cell, decl.name.pos);
            }
        }
        // Names are looked up a batch of items ahead (see `Netlist::prefetch_nets`), so that
        // the cache misses of a batch overlap. Only in the top module, whose local names are
        // the net names; the items are then elaborated one by one, in order, as before, gates
        // taking the nets the look-ahead found.
        const LOOK_AHEAD: usize = 64;
        let top = scope.prefix.is_empty();
        let mut names: Vec<&str> = Vec::new();
        let mut found: Vec<Option<NetId>> = Vec::new();
        let mut ahead: Vec<Ahead> = Vec::new();
        // The special names (ports, vectors, special nets) that are not nets of their own
        // name: a name found as no net in the look-ahead is special only if it is one of these.
        let pending: FxHashSet<&str> = match top {
            true => (scope.special.keys().copied())
                .filter(|name| self.own_net(self.netlist.find_net(name)).is_none())
                .collect(),
            false => FxHashSet::default(),
        };
        // Where the names of each item of the batch start in `names`, and where the last end.
        let mut starts = [0usize; LOOK_AHEAD + 1];
        for (k, item) in m.items.iter().enumerate() {
            let in_batch = k % LOOK_AHEAD;
            if in_batch == 0 && top {
                names.clear();
                let batch = &m.items[k..m.items.len().min(k + LOOK_AHEAD)];
                for (b, item) in batch.iter().enumerate() {
                    starts[b] = names.len();
                    item_names(m.item(item), m, &mut names);
                }
                starts[batch.len()] = names.len();
                self.netlist.prefetch_nets(&names, &mut found);
                ahead.clear();
                ahead.extend(names.iter().zip(&found).map(|(name, &net)| match net {
                    Some(net) => Ahead::Net(net),
                    // `signal` reads `\base[i] ` as a bit of vector `base`.
                    None if name.ends_with(']') || pending.contains(name) => Ahead::Unknown,
                    None => Ahead::Plain,
                }));
            }
            match m.item(item) {
                ItemRef::Assign(a) => self.assign(scope, a)?,
                ItemRef::Gate(g) => {
                    let t = g.terminals_of(m);
                    // The names of a gate whose terminals are all plain are its terminals.
                    let known = if top && t.all_plain() {
                        &ahead[starts[in_batch]..starts[in_batch + 1]]
                    } else {
                        &[]
                    };
                    self.gate(scope, g, t, known)?
                }
                ItemRef::Instance(inst) => self.instance(scope, inst)?,
            }
        }
        Ok(())
    }

    // ----- nets of values ---------------------------------------------------------------------

    /// The shared net driven by a constant gate of `kind` (`Const0`, `Const1` or `ConstX`).
    fn const_net(&mut self, kind: GateKind) -> NetId {
        let (slot, hint) = match kind {
            GateKind::Const0 => (0, "const0"),
            GateKind::Const1 => (1, "const1"),
            _ => (2, "constx"),
        };
        if let Some(net) = self.const_nets[slot] {
            return net;
        }
        let net = self.netlist.add_internal_net(hint);
        let name = self.netlist.net_name(net).to_string();
        self.netlist.add_gate(name, kind, &[], net);
        self.const_nets[slot] = Some(net);
        net
    }

    /// A net carrying `bit`: the variable itself, a shared constant net, or new gates.
    fn net_of(&mut self, bit: Bit, hint: &str, pos: SourcePos) -> NetId {
        match bit {
            Expr::Var(net) => net,
            Expr::Const(false) => self.const_net(GateKind::Const0),
            Expr::Const(true) => self.const_net(GateKind::Const1),
            Expr::Unknown => self.const_net(GateKind::ConstX),
            other => {
                let e = normalize(other);
                let mut created = std::mem::take(&mut self.created);
                created.clear();
                let net = self.netlist.lower_expr(&e, None, hint, &mut created);
                for &c in &created {
                    self.netlist.set_cell_pos(c, pos);
                }
                self.created = created;
                net
            }
        }
    }

    /// The one net an input terminal or one-bit input pin reads.
    fn input_net(
        &mut self,
        scope: &mut Scope<'a>,
        e: &Ast<'a>,
        what: &str,
        hint: &str,
    ) -> Result<NetId, ParseError> {
        match e {
            Ast::Ident(name) if !scope.params.contains_key(name.text) => {
                self.scalar(scope, *name, what)
            }
            Ast::Bit(name, index) => self.select_bit(scope, *name, index),
            other => {
                if let Some(bit) = self.rvalue_bit(scope, other)? {
                    return Ok(self.net_of(bit, hint, other.pos()));
                }
                let v = self.rvalue(scope, other)?;
                if v.sized && v.bits.len() != 1 {
                    return Err(self.error(
                        scope.file,
                        other.pos(),
                        format!("{what} must be 1 bit wide, but this is {} bits", v.bits.len()),
                    ));
                }
                let bit = v.bits.into_iter().next().unwrap_or(Expr::Const(false));
                Ok(self.net_of(bit, hint, other.pos()))
            }
        }
    }

    // ----- items ------------------------------------------------------------------------------

    fn assign(&mut self, scope: &mut Scope<'a>, a: &Assign<'a>) -> Result<(), ParseError> {
        // Fast path: a one-bit target and a one-bit value, with no per-bit vectors.
        if let Some(net) = self.lvalue_bit(scope, &a.lhs)? {
            if let Some(bit) = self.rvalue_bit(scope, &a.rhs)? {
                self.lower_into(net, bit, a.pos);
                return Ok(());
            }
        }
        let lhs = self.lvalue(scope, &a.lhs)?;
        let rhs = self.rvalue(scope, &a.rhs)?;
        let rhs = self.fit(rhs, lhs.len(), a.pos, || match &a.lhs {
            Ast::Ident(name) => format!("assignment target `{}`", name.text),
            _ => "the assignment target".to_string(),
        });
        for (&net, bit) in lhs.iter().zip(rhs) {
            self.lower_into(net, bit, a.pos);
        }
        Ok(())
    }

    /// The one net a simple one-bit target names, or `None` for the general path.
    fn lvalue_bit(
        &mut self,
        scope: &mut Scope<'a>,
        e: &Ast<'a>,
    ) -> Result<Option<NetId>, ParseError> {
        match e {
            Ast::Ident(name) => self.scalar_net(scope, *name),
            Ast::Bit(name, index) => Ok(Some(self.select_bit(scope, *name, index)?)),
            _ => Ok(None),
        }
    }

    /// Gates computing `bit` into `net`.
    fn lower_into(&mut self, net: NetId, bit: Bit, pos: SourcePos) {
        let e = normalize(bit);
        // Only intermediate nets use the hint; skip building it when there are none.
        let hint =
            if is_single_gate(&e) { String::new() } else { self.netlist.net_name(net).to_string() };
        let mut created = std::mem::take(&mut self.created);
        created.clear();
        self.netlist.lower_expr(&e, Some(net), &hint, &mut created);
        for &c in &created {
            self.netlist.set_cell_pos(c, pos);
        }
        self.created = created;
    }

    /// The cell name of instance `local` in `scope` (kept in place, without an allocation,
    /// when short).
    fn instance_name(&self, scope: &Scope<'a>, local: &str) -> CompactString {
        let mut s = CompactString::with_capacity(scope.prefix.len() + local.len());
        s.push_str(&scope.prefix);
        s.push_str(local);
        s
    }

    /// A gate primitive. `known[k]`, if given, is what the look-ahead learned about terminal
    /// `k`, a plain name, in the top module (see [`Elaborator::ahead`]).
    fn gate(
        &mut self,
        scope: &mut Scope<'a>,
        g: &GateInstance<'a>,
        t: Terminals<'_, 'a>,
        known: &[Ahead],
    ) -> Result<(), ParseError> {
        let name = match g.name(self.modules[scope.module]) {
            Some(n) => self.instance_name(scope, n.text),
            None => compact_str::format_compact!("{}prim_{}", scope.prefix, g.generated_index),
        };
        let kind = match g.kind {
            Primitive::And => GateKind::And,
            Primitive::Nand => GateKind::Nand,
            Primitive::Or => GateKind::Or,
            Primitive::Nor => GateKind::Nor,
            Primitive::Xor => GateKind::Xor,
            Primitive::Xnor => GateKind::Xnor,
            Primitive::Buf | Primitive::Bufif0 | Primitive::Bufif1 => GateKind::Buf,
            Primitive::Not | Primitive::Notif0 | Primitive::Notif1 => GateKind::Not,
            Primitive::Switch(kw) => {
                let what = kw.text();
                return Err(self.error(
                    scope.file,
                    g.pos,
                    format!(
                        "transistor-level primitive `{what}` is not supported {}",
                        "outside a flip-flop model"
                    ),
                ));
            }
        };
        match g.kind {
            Primitive::Bufif0 | Primitive::Bufif1 | Primitive::Notif0 | Primitive::Notif1 => {
                if t.len() != 3 {
                    return Err(self.error(
                        scope.file,
                        g.pos,
                        format!(
                            "a three-state gate has 3 terminals (output, data, control), not {}",
                            t.len()
                        ),
                    ));
                }
                self.note_three_state(g.pos);
                let out = self.lvalue_scalar(scope, &t.get(0), "a gate output")?;
                let input = self.input_net(scope, &t.get(1), "a gate input", &name)?;
                // The control input is still read, so undeclared names in it are caught.
                self.input_net(scope, &t.get(2), "a gate input", &name)?;
                let cell = self.netlist.add_gate(name, kind, &[input], out);
                self.netlist.set_cell_pos(cell, g.pos);
            }
            Primitive::Buf | Primitive::Not => {
                if t.len() < 2 {
                    return Err(self.error(
                        scope.file,
                        g.pos,
                        "a `buf` or `not` needs at least one output and an input",
                    ));
                }
                let outputs = t.len() - 1;
                let input = self.gate_input(scope, t, known, outputs, &name)?;
                for k in 0..outputs {
                    let out = self.gate_output(scope, t, known, k)?;
                    let cell_name = if outputs == 1 {
                        name.clone()
                    } else {
                        compact_str::format_compact!("{name}[{k}]")
                    };
                    let cell = self.netlist.add_gate(cell_name, kind, &[input], out);
                    self.netlist.set_cell_pos(cell, g.pos);
                }
            }
            _ => {
                if t.len() < 2 {
                    return Err(self.error(
                        scope.file,
                        g.pos,
                        "a gate needs an output and at least one input",
                    ));
                }
                let out = self.gate_output(scope, t, known, 0)?;
                let mut inputs = std::mem::take(&mut self.gate_inputs);
                inputs.clear();
                for k in 1..t.len() {
                    inputs.push(self.gate_input(scope, t, known, k, &name)?);
                }
                let cell = self.netlist.add_gate(name, kind, &inputs, out);
                self.gate_inputs = inputs;
                self.netlist.set_cell_pos(cell, g.pos);
            }
        }
        Ok(())
    }

    /// The net gate terminal `k` drives: the one the look-ahead tells (`known[k]`, if given;
    /// see [`Elaborator::ahead`]), else the one the general path finds.
    fn gate_output(
        &mut self,
        scope: &mut Scope<'a>,
        t: Terminals<'_, 'a>,
        known: &[Ahead],
        k: usize,
    ) -> Result<NetId, ParseError> {
        match self.ahead(scope, t, known, k)? {
            Some(net) => Ok(net),
            None => self.lvalue_scalar(scope, &t.get(k), "a gate output"),
        }
    }

    /// The net gate terminal `k` reads, like [`Elaborator::gate_output`]; a name may also be a
    /// parameter, so the look-ahead is used only in a module without parameters.
    fn gate_input(
        &mut self,
        scope: &mut Scope<'a>,
        t: Terminals<'_, 'a>,
        known: &[Ahead],
        k: usize,
        gate: &str,
    ) -> Result<NetId, ParseError> {
        if scope.params.is_empty() {
            if let Some(net) = self.ahead(scope, t, known, k)? {
                return Ok(net);
            }
        }
        self.input_net(scope, &t.get(k), "a gate input", gate)
    }

    /// The net of gate terminal `k` as the look-ahead's `known[k]` tells it, without the
    /// general path, or `None` when the look-ahead cannot tell (the terminal is then read as
    /// an expression). A net never loses its name, so a net found before the batch is the net
    /// now; a name with no net then and no special meaning is the net of that name, which
    /// [`Elaborator::signal`] would look up or make after finding the name in no table.
    fn ahead(
        &mut self,
        scope: &Scope<'_>,
        t: Terminals<'_, 'a>,
        known: &[Ahead],
        k: usize,
    ) -> Result<Option<NetId>, ParseError> {
        Ok(match known.get(k) {
            Some(&Ahead::Net(net)) => self.own_net(Some(net)),
            Some(Ahead::Plain) => match t.plain_name(k) {
                Some(name) => Some(self.named_net("", name.text, name.pos, scope.file)?),
                None => None,
            },
            Some(Ahead::Unknown) | None => None,
        })
    }

    /// A module, cell or flip-flop instance.
    fn instance(&mut self, scope: &mut Scope<'a>, inst: &Instance<'a>) -> Result<(), ParseError> {
        let cell = inst.cell.text;
        if let Some(&child) = self.by_name.get(cell) {
            let kind = self.kind(child);
            return match &*kind {
                ModuleKind::Stub { .. } if self.library_cell(cell).is_some() => {
                    self.library_instance(scope, inst)
                }
                ModuleKind::Stub { has_outputs: true } => Err(self.error(
                    scope.file,
                    inst.cell.pos,
                    format!(
                        concat!(
                            "module `{cell}` is empty (a black box or cell stub), so its outputs ",
                            "would be undriven; pass --liberty with a library that defines `{cell}`"
                        ),
                        cell = cell
                    ),
                )),
                ModuleKind::Flop(model) => self.flop_instance(scope, inst, model),
                ModuleKind::Unsupported { pos, message } => {
                    let m = self.modules[child];
                    Err(self.error(
                        m.file,
                        *pos,
                        format!("{message} (instantiated as `{}`)", inst.name.text),
                    ))
                }
                ModuleKind::Structural | ModuleKind::Stub { .. } => {
                    self.module_instance(scope, inst, child)
                }
            };
        }
        if self.library_cell(cell).is_some() {
            return self.library_instance(scope, inst);
        }
        if cell.starts_with("$_") {
            return match yosys::lookup(cell) {
                Some(internal) => self.internal_cell(scope, inst, internal),
                None => Err(self.error(
                    scope.file,
                    inst.cell.pos,
                    format!("unsupported Yosys internal cell `{cell}`"),
                )),
            };
        }
        if cell.eq_ignore_ascii_case("dff") {
            let positional = match &inst.connections {
                Connections::Positional(list) => Some(list.len()),
                Connections::Named(_) => None,
            };
            let model = flop_model::iscas_dff(positional);
            if self.notes.builtin_dff.is_none() {
                self.notes.builtin_dff = Some(inst.cell.pos);
                let ports: Vec<&str> = model.ports.iter().map(|(p, _)| *p).collect();
                self.netlist.warn(
                    Some(inst.cell.pos),
                    format!(
                        concat!(
                            "module `{cell}` is not defined; ",
                            "assuming the ISCAS-89 D flip-flop `{cell} ({})`"
                        ),
                        ports.join(", "),
                        cell = cell
                    ),
                );
            }
            return self.flop_instance(scope, inst, &model);
        }
        if self.udps.contains(cell) {
            return Err(self.error(
                scope.file,
                inst.cell.pos,
                format!("user-defined primitive `{cell}` is not supported"),
            ));
        }
        let hint = if self.library.is_some() {
            "not in the Liberty library"
        } else {
            "pass --liberty with its library"
        };
        Err(self.error(
            scope.file,
            inst.cell.pos,
            format!(
                "unknown module or cell `{cell}` (instance `{}`): no module of that name; {hint}",
                inst.name.text
            ),
        ))
    }

    /// A hierarchical instance of a user module.
    fn module_instance(
        &mut self,
        scope: &mut Scope<'a>,
        inst: &Instance<'a>,
        child: usize,
    ) -> Result<(), ParseError> {
        let cm = self.modules[child];
        if self.stack.contains(&child) {
            let mut path: Vec<&str> =
                self.stack.iter().map(|&m| self.modules[m].name.text).collect();
            path.push(cm.name.text);
            return Err(self.error(
                scope.file,
                inst.cell.pos,
                format!(
                    "recursive instantiation of module `{}`: {}",
                    cm.name.text,
                    path.join(" -> ")
                ),
            ));
        }
        if self.stack.len() >= MAX_HIERARCHY_DEPTH {
            return Err(self.error(
                scope.file,
                inst.cell.pos,
                format!("module hierarchy deeper than {MAX_HIERARCHY_DEPTH} levels"),
            ));
        }
        let overrides = self.override_values(scope, inst.params.as_deref())?;
        let params = self.parameters(child, &overrides, scope.file)?;
        let special = self.declarations(child, &params)?;
        self.check_ports(child, &special)?;
        let prefix = format!("{}{}/", scope.prefix, inst.name.text);
        let mut child_scope = Scope { module: child, file: cm.file, prefix, params, special };
        for (port, e) in self.pair_connections(scope, inst, &cm.ports, &cm.name)? {
            if let Some(e) = e {
                self.bind_port(scope, &mut child_scope, inst, port, e)?;
            }
        }
        self.stack.push(child);
        self.body(&mut child_scope)?;
        self.stack.pop();
        Ok(())
    }

    /// Connections paired with port names (positional ones in port order), checking counts,
    /// unknown ports and ports connected twice.
    fn pair_connections<'i>(
        &self,
        scope: &Scope<'a>,
        inst: &'i Instance<'a>,
        ports: &[Name<'a>],
        module: &Name<'a>,
    ) -> Result<Vec<(Name<'a>, Option<&'i Ast<'a>>)>, ParseError> {
        match &inst.connections {
            Connections::Positional(list) => {
                if list.len() > ports.len() {
                    return Err(self.error(
                        scope.file,
                        inst.name.pos,
                        format!(
                            "too many connections for `{}`: {} given, module `{}` has {} ports",
                            inst.name.text,
                            list.len(),
                            module.text,
                            ports.len()
                        ),
                    ));
                }
                Ok(ports.iter().zip(list).map(|(p, e)| (*p, e.as_ref())).collect())
            }
            Connections::Named(list) => {
                let mut seen: FxHashSet<&str> = FxHashSet::default();
                let mut out = Vec::with_capacity(list.len());
                // Modules with many ports are looked up through a table.
                let table: FxHashMap<&str, Name<'a>> = if ports.len() > 16 && list.len() > 16 {
                    ports.iter().map(|p| (p.text, *p)).collect()
                } else {
                    FxHashMap::default()
                };
                for (pin, e) in list {
                    let port = if table.is_empty() {
                        ports.iter().find(|p| p.text == pin.text).copied()
                    } else {
                        table.get(pin.text).copied()
                    };
                    let Some(port) = port else {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("module `{}` has no port `{}`", module.text, pin.text),
                        ));
                    };
                    if !seen.insert(pin.text) {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("port `{}` is connected twice", pin.text),
                        ));
                    }
                    out.push((port, e.as_ref()));
                }
                Ok(out)
            }
        }
    }

    /// Binds a child port to the parent's nets: the child's name for the port becomes an
    /// alias of those nets. Widths are adjusted (with a warning): an input takes the low bits
    /// of its value, zero-extended; an output drives the low bits of its connection, and its
    /// surplus bits stay unconnected child nets.
    fn bind_port(
        &mut self,
        parent: &mut Scope<'a>,
        child: &mut Scope<'a>,
        inst: &Instance<'a>,
        port: Name<'a>,
        e: &Ast<'a>,
    ) -> Result<(), ParseError> {
        let Some(info) = child.decl(port.text).copied() else { return Ok(()) };
        let width = info.width();
        let hint = self.instance_name(parent, inst.name.text);
        let describe = || {
            format!(
                "port `{}` of instance `{}` (module `{}`)",
                port.text, inst.name.text, inst.cell.text
            )
        };
        let nets: Vec<Option<NetId>> = match info.direction {
            Some(Direction::Input) => {
                let v = self.rvalue(parent, e)?;
                let bits = self.fit(v, width, e.pos(), describe);
                bits.into_iter().map(|b| Some(self.net_of(b, &hint, e.pos()))).collect()
            }
            _ => {
                let connected = self.lvalue(parent, e)?;
                if connected.len() != width {
                    let message = if connected.len() > width {
                        format!(
                            concat!(
                                "{} is {} bits but is connected to {} bits; ",
                                "the high bits of the connection are not driven by it"
                            ),
                            describe(),
                            width,
                            connected.len()
                        )
                    } else {
                        format!(
                            concat!(
                                "{} is {} bits but is connected to {} bits; ",
                                "the high bits of the port are left unconnected"
                            ),
                            describe(),
                            width,
                            connected.len()
                        )
                    };
                    self.netlist.warn(Some(e.pos()), message);
                }
                (0..width).map(|k| connected.get(k).copied()).collect()
            }
        };
        let signal = match info.range {
            None => match nets.first().copied().flatten() {
                Some(n) => Signal::Scalar(n),
                None => Signal::Scalar(self.named_net(
                    &child.prefix,
                    port.text,
                    port.pos,
                    child.file,
                )?),
            },
            Some((msb, lsb)) => {
                let step = if msb >= lsb { 1 } else { -1 };
                let mut bits = Vec::with_capacity(width);
                for (k, n) in nets.into_iter().enumerate() {
                    bits.push(match n {
                        Some(n) => n,
                        None => {
                            let local = format!("{}[{}]", port.text, lsb + k as i64 * step);
                            self.named_net(&child.prefix, &local, port.pos, child.file)?
                        }
                    });
                }
                Signal::Vector(Rc::new(VectorNets { msb, lsb, bits }))
            }
        };
        if let Some(special) = child.special.get_mut(port.text) {
            special.signal = Some(signal);
        }
        Ok(())
    }
}

/// What the look-ahead of [`Elaborator::body`] learned about a name of the top module.
#[derive(Debug, Clone, Copy)]
enum Ahead {
    /// The net of that name (possibly one the reader generated: see [`Elaborator::own_net`]).
    Net(NetId),
    /// No net had the name, and it is no port, vector, special net or bit of a vector: its
    /// net is the net of that name, made on first use.
    Plain,
    /// A name of a port, vector or special net that is not yet a net: the general path.
    Unknown,
}

/// The plain names an item reads or drives (identifiers, possibly inverted, as whole
/// terminals, connections or operands), for [`Netlist::prefetch_nets`]. Other names are
/// found when the item is elaborated, just without the look-ahead.
fn item_names<'a>(item: ItemRef<'_, 'a>, m: &Module<'a>, names: &mut Vec<&'a str>) {
    fn expression<'a>(e: &Ast<'a>, names: &mut Vec<&'a str>) {
        match e {
            Ast::Ident(name) | Ast::Inverted(name) => names.push(name.text),
            Ast::Chain(operands) => operands.iter().for_each(|(_, _, e)| expression(e, names)),
            Ast::Unary(_, _, e) => expression(e, names),
            _ => {}
        }
    }
    match item {
        ItemRef::Assign(a) => {
            expression(&a.lhs, names);
            expression(&a.rhs, names);
        }
        ItemRef::Gate(g) => {
            let terminals = g.terminals_of(m);
            for k in 0..terminals.len() {
                match terminals.plain_name(k) {
                    Some(name) => names.push(name.text),
                    None => expression(&terminals.get(k), names),
                }
            }
        }
        ItemRef::Instance(i) => match &i.connections {
            Connections::Positional(c) => c.iter().flatten().for_each(|e| expression(e, names)),
            Connections::Named(c) => {
                c.iter().filter_map(|(_, e)| e.as_ref()).for_each(|e| expression(e, names))
            }
        },
    }
}
