//! The syntax tree the parser builds and the elaborator flattens.
//!
//! Names borrow from the source text (no allocation per identifier). Binary operators of one
//! precedence level form a flat chain rather than a left-leaning tree, so a million-term
//! `a & b & c ...` neither overflows the stack when walked nor when dropped. Allocations are
//! kept few: they dominate parsing time on large netlists.

use std::borrow::Cow;

use super::lexer::{Kw, Token};
use crate::error::SourcePos;

/// An identifier and where it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Name<'a> {
    /// The identifier (escaped identifiers without the backslash).
    pub text: &'a str,
    /// Its position.
    pub pos: SourcePos,
}

/// One source file's modules.
#[derive(Debug, Default)]
pub(super) struct SourceFile<'a> {
    /// Modules in file order.
    pub modules: Vec<Module<'a>>,
    /// User-defined primitives (`primitive ... endprimitive`), which are skipped.
    pub udps: Vec<Name<'a>>,
    /// Non-fatal notes about skipped constructs.
    pub warnings: Vec<(SourcePos, String)>,
}

/// Port direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// `input`
    Input,
    /// `output`
    Output,
    /// `inout`
    Inout,
}

/// The kind of a net (or variable) declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NetKind {
    /// `wire`, `tri`, `wand`, ... : an ordinary net.
    Wire,
    /// `supply0`: tied to 0.
    Supply0,
    /// `supply1`: tied to 1.
    Supply1,
    /// `reg` (or `logic`, `integer`): a variable, i.e. behavioural code.
    Reg,
    /// `trireg`: a charge-storage net, i.e. switch-level code.
    Trireg,
}

/// What a declaration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeclKind {
    /// A port direction (`input a;`, or an ANSI port).
    Port(Direction),
    /// A net or variable.
    Net(NetKind),
}

/// A declared range `[msb:lsb]`, as constant expressions.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Range<'a> {
    /// The left (first written) bound.
    pub msb: Expr<'a>,
    /// The right bound.
    pub lsb: Expr<'a>,
}

/// One declared name.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Decl<'a> {
    /// The name.
    pub name: Name<'a>,
    /// What it declares.
    pub kind: DeclKind,
    /// The vector range, if any. Shared by all names of one declaration statement.
    pub range: Option<std::rc::Rc<Range<'a>>>,
}

/// A parameter (`parameter W = 8;` or `#(parameter W = 8)`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Param<'a> {
    /// The name.
    pub name: Name<'a>,
    /// The default value.
    pub value: Expr<'a>,
    /// `localparam`: cannot be overridden.
    pub local: bool,
}

/// Verilog gate primitives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Primitive {
    And,
    Nand,
    Or,
    Nor,
    Xor,
    Xnor,
    Not,
    Buf,
    Bufif0,
    Bufif1,
    Notif0,
    Notif1,
    /// A transistor-level primitive (`nmos`, `tran`, `pullup`, ...): the keyword.
    Switch(Kw),
}

/// A gate primitive instance: `and g1 (y, a, b);`. 32 bytes: a large netlist is mostly these.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GateInstance<'a> {
    /// The primitive.
    pub kind: Primitive,
    /// The instance name (see [`GateInstance::name`]): packed like a terminal, or
    /// [`GateInstance::UNNAMED`], or [`GateInstance::LISTED`] with the index of the name in
    /// [`Module::gate_names`].
    name: PackedName,
    /// For unnamed instances: `N` of the generated name `prim_N`, unique in the module.
    pub generated_index: u32,
    /// Where the instance starts.
    pub pos: SourcePos,
    /// The terminals in order (outputs first): this range of [`Module::terminals`] (one
    /// shared vector rather than a small allocation per gate).
    pub terminals: std::ops::Range<u32>,
    /// Names borrow from the text.
    text: std::marker::PhantomData<&'a str>,
}

impl<'a> GateInstance<'a> {
    const UNNAMED: u32 = PackedName::marker(1);
    const LISTED: u32 = PackedName::marker(2);

    /// The instance of `kind` at `pos` with these `terminals`, named by the name token `name`
    /// (if written) of `m`.
    pub(super) fn new(
        kind: Primitive,
        name: Option<&Token>,
        pos: SourcePos,
        terminals: std::ops::Range<u32>,
        m: &mut Module<'a>,
    ) -> Self {
        let name = match name {
            None => PackedName { start: 0, packed: Self::UNNAMED },
            Some(tok) => PackedName::new(tok, pos.line).unwrap_or_else(|| {
                // Fewer names than bytes in the file, which is under 4 GiB.
                let index = m.gate_names.len() as u32;
                m.gate_names.push(Name { text: tok.text(m.text), pos: tok.pos() });
                PackedName { start: index, packed: Self::LISTED }
            }),
        };
        let text = std::marker::PhantomData;
        GateInstance { kind, name, generated_index: 0, pos, terminals, text }
    }

    /// The instance name, if written; `m` is the module the instance is in.
    pub(super) fn name(&self, m: &Module<'a>) -> Option<Name<'a>> {
        self.name_in(m.text, &m.gate_names)
    }

    /// [`GateInstance::name`] from the module's text and [`Module::gate_names`].
    pub(super) fn name_in(&self, text: &'a str, gate_names: &[Name<'a>]) -> Option<Name<'a>> {
        match self.name.packed {
            Self::UNNAMED => None,
            Self::LISTED => gate_names.get(self.name.start as usize).copied(),
            _ => Some(self.name.name(text, self.pos.line)),
        }
    }

    /// Whether the instance has no name (see [`GateInstance::generated_index`]).
    pub(super) fn is_unnamed(&self) -> bool {
        self.name.packed == Self::UNNAMED
    }

    /// The terminals in order (outputs first).
    pub(super) fn terminals_of<'m>(&self, module: &'m Module<'a>) -> Terminals<'m, 'a> {
        let all = &module.terminals;
        let range = self.terminals.start as usize..self.terminals.end as usize;
        Terminals { module, terminals: all.get(range).unwrap_or(&[]), line: self.pos.line }
    }
}

/// A plain name in 8 bytes, for the names a large netlist has several of per gate: its offset
/// in the text, and packed in one `u32` its length, its line as lines below a line the owner
/// knows (its gate's) and its column. Names whose position does not fit (1023 bytes or longer,
/// 64 or more lines below, column above 65535) are kept another way by the owner; so are
/// `packed` values with the longest length ([`PackedName::marker`]), which no name has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedName {
    /// Byte offset of the name (or what the owner keeps here instead).
    start: u32,
    /// Length (the low [`PackedName::LEN_BITS`] bits), lines below (the next
    /// [`PackedName::BELOW_BITS`]) and column (the high 16 bits).
    packed: u32,
}

impl PackedName {
    const LEN_BITS: u32 = 10;
    const BELOW_BITS: u32 = 6;
    const LEN_MASK: u32 = (1 << Self::LEN_BITS) - 1;

    /// Marker `k` (below 2^22): a `packed` value that is no name.
    const fn marker(k: u32) -> u32 {
        Self::LEN_MASK | k << Self::LEN_BITS
    }

    /// The name token `tok`, below line `line`, if its position fits.
    fn new(tok: &Token, line: u32) -> Option<Self> {
        let len = tok.end - tok.start;
        let below = tok.line.checked_sub(line)?;
        let fits = len < Self::LEN_MASK
            && below < 1 << Self::BELOW_BITS
            && tok.column <= u32::from(u16::MAX);
        let packed = len | below << Self::LEN_BITS | tok.column << 16;
        fits.then_some(PackedName { start: tok.start, packed })
    }

    /// Whether this is a name rather than a marker.
    fn is_name(&self) -> bool {
        self.packed & Self::LEN_MASK != Self::LEN_MASK
    }

    /// The name in `text`, below line `line`.
    fn name<'a>(&self, text: &'a str, line: u32) -> Name<'a> {
        let len = self.packed & Self::LEN_MASK;
        let below = self.packed >> Self::LEN_BITS & ((1 << Self::BELOW_BITS) - 1);
        let range = self.start as usize..(self.start + len) as usize;
        Name {
            text: text.get(range).unwrap_or(""),
            pos: SourcePos { line: line + below, column: self.packed >> 16 },
        }
    }
}

/// A gate terminal. Nearly all are plain names, so those are kept in 8 bytes rather than as an
/// [`Expr`]: a [`PackedName`] below the gate's line ([`GateInstance::pos`]). Anything else, and
/// names whose position does not fit, is an index into [`Module::terminal_exprs`] (see
/// [`Module::push_name_terminal`]). On a million-gate netlist this saves over a hundred
/// megabytes, which the reader would otherwise spend much of its time asking the system for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Terminal(PackedName);

impl Terminal {
    /// A terminal that is expression `index` of [`Module::terminal_exprs`].
    fn expr(index: u32) -> Self {
        Terminal(PackedName { start: index, packed: PackedName::marker(1) })
    }

    fn is_name(&self) -> bool {
        self.0.is_name()
    }
}

/// A plain name as its span of the module's text and its position: 16 bytes rather than the
/// 24 of a [`Name`], for the names a netlist has one of per net (see [`Module::wires`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spot {
    /// Byte offset of the name.
    start: u32,
    /// Length of the name in bytes.
    len: u32,
    line: u32,
    column: u32,
}

impl Spot {
    /// The name that is the identifier token `tok`.
    pub(super) fn of(tok: &Token) -> Self {
        Spot { start: tok.start, len: tok.end - tok.start, line: tok.line, column: tok.column }
    }

    /// The name, in `text`, the text of the module it was read in.
    pub(super) fn name<'a>(&self, text: &'a str) -> Name<'a> {
        let range = self.start as usize..(self.start + self.len) as usize;
        Name {
            text: text.get(range).unwrap_or(""),
            pos: SourcePos { line: self.line, column: self.column },
        }
    }
}

/// The terminals of one gate instance (see [`GateInstance::terminals_of`]).
#[derive(Clone, Copy)]
pub(super) struct Terminals<'m, 'a> {
    module: &'m Module<'a>,
    terminals: &'m [Terminal],
    /// The line the gate starts on.
    line: u32,
}

impl<'m, 'a> Terminals<'m, 'a> {
    /// Number of terminals.
    pub(super) fn len(&self) -> usize {
        self.terminals.len()
    }

    /// Whether every terminal is a plain name.
    pub(super) fn all_plain(&self) -> bool {
        self.terminals.iter().all(Terminal::is_name)
    }

    /// Terminal `k` (`k < len()`) as an expression: a plain name costs no allocation.
    pub(super) fn get(&self, k: usize) -> Cow<'m, Expr<'a>> {
        let t = self.terminals[k];
        if !t.is_name() {
            return Cow::Borrowed(&self.module.terminal_exprs[t.0.start as usize]);
        }
        Cow::Owned(Expr::Ident(self.name(t)))
    }

    /// The name of terminal `k`, if it is a plain name.
    pub(super) fn plain_name(&self, k: usize) -> Option<Name<'a>> {
        let t = self.terminals[k];
        t.is_name().then(|| self.name(t))
    }

    fn name(&self, t: Terminal) -> Name<'a> {
        t.0.name(self.module.text, self.line)
    }
}

/// Port connections of a module or cell instance.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Connections<'a> {
    /// `(a, , b)`: by position; `None` is an empty position.
    Positional(Vec<Option<Expr<'a>>>),
    /// `(.A(a), .B())`: by name; `None` is an explicitly unconnected port.
    Named(Vec<(Name<'a>, Option<Expr<'a>>)>),
}

/// Parameter overrides `#(...)` of an instance.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ParamOverrides<'a> {
    /// `#(8, 4)`.
    Positional(Vec<Expr<'a>>),
    /// `#(.W(8))`.
    Named(Vec<(Name<'a>, Expr<'a>)>),
}

/// A module or cell instance: `NAND2X1 g1 (.A(a), .B(b), .Y(y));`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Instance<'a> {
    /// The module or cell name.
    pub cell: Name<'a>,
    /// The instance name.
    pub name: Name<'a>,
    /// Parameter overrides, if written.
    pub params: Option<std::rc::Rc<ParamOverrides<'a>>>,
    /// The connections.
    pub connections: Connections<'a>,
}

/// A continuous assignment `assign lhs = rhs;` (or a net declaration assignment).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Assign<'a> {
    /// The target.
    pub lhs: Expr<'a>,
    /// The value.
    pub rhs: Expr<'a>,
    /// Position of the target.
    pub pos: SourcePos,
}

/// A module item that makes logic. Assignments and instances are kept in their own vectors
/// of the module, so that an item is the size of a gate primitive (32 bytes rather than 120).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Item<'a> {
    /// `assign`: this index of [`Module::assigns`].
    Assign(u32),
    /// A gate primitive.
    Gate(GateInstance<'a>),
    /// A module or cell instance: this index of [`Module::instances`].
    Instance(u32),
}

// A million-gate netlist is a million items: keep them small.
const _: () = assert!(std::mem::size_of::<Item<'static>>() <= 32);

/// `always @(posedge CK) Q <= D;`, the one behavioural form the reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AlwaysFlop<'a> {
    /// The clock.
    pub clock: Name<'a>,
    /// `negedge` rather than `posedge`.
    pub negedge: bool,
    /// The register.
    pub q: Name<'a>,
    /// The value captured.
    pub d: Name<'a>,
}

/// A module definition.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Module<'a> {
    /// The module name.
    pub name: Name<'a>,
    /// Index of the source file it came from.
    pub file: usize,
    /// The port list in header order (empty for `module m;`).
    pub ports: Vec<Name<'a>>,
    /// Declarations in source order (ANSI port declarations first), but for [`Module::wires`].
    pub decls: Vec<Decl<'a>>,
    /// The names of `wire a, b;` statements, the plain one-bit wires netlists declare one of
    /// per net, in source order: each is a [`Decl`] of kind `Net(Wire)` without a range, kept
    /// in 16 bytes rather than 40 (see [`Module::wire_names`]).
    pub wires: Vec<Spot>,
    /// Parameters in source order.
    pub params: Vec<Param<'a>>,
    /// Logic-making items in source order.
    pub items: Vec<Item<'a>>,
    /// The assignments [`Item::Assign`] refers to.
    pub assigns: Vec<Assign<'a>>,
    /// The instances [`Item::Instance`] refers to.
    pub instances: Vec<Instance<'a>>,
    /// The terminals of all gate instances, in source order (see
    /// [`GateInstance::terminals`]).
    pub terminals: Vec<Terminal>,
    /// The terminals that are not plain names.
    pub terminal_exprs: Vec<Expr<'a>>,
    /// The names of gate instances that cannot be kept in 8 bytes (see [`PackedName`]).
    pub gate_names: Vec<Name<'a>>,
    /// The whole text of the file the module is in (terminals hold spans of it).
    pub text: &'a str,
    /// The first behavioural construct (`always`, `initial`, `reg`, ...) and what it was.
    pub behavioural: Option<(SourcePos, &'static str)>,
    /// The first transistor-level construct (`nmos`, `trireg`, ...) and what it was.
    pub switch_level: Option<(SourcePos, &'static str)>,
    /// The `always` blocks that are plain flip-flops.
    pub always_flops: Vec<AlwaysFlop<'a>>,
    /// Number of `always`/`initial` blocks, recognised or not.
    pub process_count: usize,
    /// The first behavioural construct that is not a plain flip-flop `always` block or a
    /// `reg` declaration (another `always`, `initial`, `function`, `integer`, ...).
    pub other_process: Option<(SourcePos, &'static str)>,
}

/// An item with its assignment or instance looked up (see [`Module::items`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum ItemRef<'m, 'a> {
    /// `assign`.
    Assign(&'m Assign<'a>),
    /// A gate primitive.
    Gate(&'m GateInstance<'a>),
    /// A module or cell instance.
    Instance(&'m Instance<'a>),
}

impl<'a> Module<'a> {
    /// `item` (one of [`Module::items`]) with its assignment or instance looked up.
    pub(super) fn item<'m>(&'m self, item: &'m Item<'a>) -> ItemRef<'m, 'a> {
        match item {
            Item::Assign(k) => ItemRef::Assign(&self.assigns[*k as usize]),
            Item::Gate(g) => ItemRef::Gate(g),
            Item::Instance(k) => ItemRef::Instance(&self.instances[*k as usize]),
        }
    }

    /// The items in source order, looked up.
    pub(super) fn items(&self) -> impl Iterator<Item = ItemRef<'_, 'a>> + '_ {
        self.items.iter().map(|item| self.item(item))
    }

    /// Appends the terminal that is the name token `tok` of a gate that starts on line `line`
    /// (see [`Terminal`]).
    pub(super) fn push_name_terminal(&mut self, tok: &Token, line: u32) {
        match PackedName::new(tok, line) {
            Some(name) => self.terminals.push(Terminal(name)),
            None => {
                let name = Name { text: tok.text(self.text), pos: tok.pos() };
                self.push_expr_terminal(Expr::Ident(name));
            }
        }
    }

    /// Appends the terminal that is expression `e`.
    pub(super) fn push_expr_terminal(&mut self, e: Expr<'a>) {
        // Fewer expressions than bytes in the file, which is under 4 GiB.
        self.terminals.push(Terminal::expr(self.terminal_exprs.len() as u32));
        self.terminal_exprs.push(e);
    }

    /// The names of [`Module::wires`], in source order.
    pub(super) fn wire_names(&self) -> impl Iterator<Item = Name<'a>> + '_ {
        self.wires.iter().map(|w| w.name(self.text))
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnaryOp {
    /// `~` bitwise complement.
    Not,
    /// `!` logical not.
    LogicalNot,
    /// `&` reduction.
    ReduceAnd,
    /// `~&` reduction.
    ReduceNand,
    /// `|` reduction.
    ReduceOr,
    /// `~|` reduction.
    ReduceNor,
    /// `^` reduction.
    ReduceXor,
    /// `~^` reduction.
    ReduceXnor,
    /// `-` negation (constant expressions only).
    Minus,
    /// `+` (no effect).
    Plus,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinaryOp {
    And,
    Or,
    Xor,
    Xnor,
    LogicalAnd,
    LogicalOr,
    Eq,
    Neq,
    CaseEq,
    CaseNeq,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl BinaryOp {
    /// How the operator is written.
    pub(super) fn spelling(self) -> &'static str {
        match self {
            BinaryOp::And => "&",
            BinaryOp::Or => "|",
            BinaryOp::Xor => "^",
            BinaryOp::Xnor => "~^",
            BinaryOp::LogicalAnd => "&&",
            BinaryOp::LogicalOr => "||",
            BinaryOp::Eq => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::CaseEq => "===",
            BinaryOp::CaseNeq => "!==",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "**",
        }
    }
}

/// How a part select is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartSelect {
    /// `[msb:lsb]`
    Range,
    /// `[base +: width]`
    Up,
    /// `[base -: width]`
    Down,
}

/// One bit of a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LiteralBit {
    /// 0
    Zero,
    /// 1
    One,
    /// x (unknown)
    X,
    /// z (high impedance)
    Z,
}

/// A number: `4'b10x1`, `'hF`, `12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Literal {
    /// Bits, least significant first; `bits.len()` is the width.
    pub bits: Vec<LiteralBit>,
    /// Whether a width was written. Unsized literals adapt to their context without warnings.
    pub sized: bool,
    /// The value as an integer, if every bit is 0 or 1 and it fits (computed once: indices
    /// of bit selects are literals evaluated for every use).
    value: Option<i64>,
}

impl Literal {
    /// A literal of `bits` (least significant first).
    pub(super) fn new(bits: Vec<LiteralBit>, sized: bool) -> Self {
        let mut value: Option<i64> = Some(0);
        for (i, b) in bits.iter().enumerate() {
            match b {
                LiteralBit::Zero => {}
                LiteralBit::One if i < 63 => value = value.map(|v| v | 1 << i),
                _ => {
                    value = None;
                    break;
                }
            }
        }
        Literal { bits, sized, value }
    }

    /// The value as an integer, if every bit is 0 or 1 and it fits.
    pub(super) fn value(&self) -> Option<i64> {
        self.value
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr<'a> {
    /// A net, port or parameter name.
    Ident(Name<'a>),
    /// `name[index]`.
    Bit(Name<'a>, Box<Expr<'a>>),
    /// `name[a:b]`, `name[a+:b]`, `name[a-:b]`.
    Part(Name<'a>, PartSelect, Box<(Expr<'a>, Expr<'a>)>),
    /// A number.
    Literal(Literal, SourcePos),
    /// A unary operator.
    Unary(UnaryOp, SourcePos, Box<Expr<'a>>),
    /// `~name`: kept unboxed because AIG-style netlists (`assign n = a & ~b;`) are made of
    /// little else.
    Inverted(Name<'a>),
    /// Operands of operators of one precedence level, applied left to right: each operand with
    /// the operator before it. There is none before the first operand, whose entry repeats the
    /// operator and position of the second. (One allocation per chain.)
    Chain(Vec<(BinaryOp, SourcePos, Expr<'a>)>),
    /// `cond ? then : else`, in that order.
    Cond(Box<[Expr<'a>; 3]>, SourcePos),
    /// `{a, b, c}`, most significant part first.
    Concat(Vec<Expr<'a>>, SourcePos),
    /// `{n{a, b}}`.
    Replicate(Box<Expr<'a>>, Vec<Expr<'a>>, SourcePos),
    /// A string literal (only meaningful in attributes, which are skipped).
    Str(SourcePos),
}

impl Expr<'_> {
    /// Where the expression starts (roughly: the position of its first token).
    pub(super) fn pos(&self) -> SourcePos {
        match self {
            Expr::Ident(n) | Expr::Inverted(n) | Expr::Bit(n, _) | Expr::Part(n, _, _) => n.pos,
            Expr::Literal(_, p)
            | Expr::Unary(_, p, _)
            | Expr::Concat(_, p)
            | Expr::Replicate(_, _, p) => *p,
            Expr::Str(p) => *p,
            Expr::Chain(operands) => operands.first().map_or(SourcePos::default(), |o| o.2.pos()),
            Expr::Cond(parts, _) => parts[0].pos(),
        }
    }
}
