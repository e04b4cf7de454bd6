//! Right-hand sides: expressions to one [`Expr<NetId>`] per bit, and constant expressions
//! (ranges, indices, parameters) to integers.
//!
//! Width policy (as Verilog's, plus warnings): operands of bitwise operators are zero-extended
//! to the wider one, and a value is truncated (high bits dropped) or zero-extended to the width
//! of whatever it is assigned or connected to. Every such adjustment is reported with
//! [`crate::Netlist::warn`], except for unsized literals (`0`, `'b1`), which adapt silently as
//! they are meant to.
//!
//! The per-bit expressions are kept small while they are built: chains of one operator are
//! flattened (`a & b & c` is one three-input AND), constants fold, inversions move out of
//! parity functions, and an AND or OR whose operands are all inverted becomes a NOR or NAND
//! (`~a & ~b`, the EPFL idiom, is one gate rather than three).

use super::super::ast::{BinaryOp, Expr as Ast, LiteralBit, UnaryOp};
use super::signals::{Scope, MAX_VECTOR_WIDTH};
use super::{ElabError, Elaborator};
use crate::error::SourcePos;
use crate::expr::Expr;
use crate::netlist::NetId;

/// One bit of a value.
pub(super) type Bit = Expr<NetId>;

/// A value: bits, least significant first, and whether its width is meaningful.
#[derive(Debug, Clone)]
pub(super) struct Bits {
    /// The bits.
    pub bits: Vec<Bit>,
    /// False for unsized literals, which adapt to their context without warnings.
    pub sized: bool,
}

impl Bits {
    fn sized(bits: Vec<Bit>) -> Self {
        Bits { bits, sized: true }
    }

    fn one(bit: Bit) -> Self {
        Bits { bits: vec![bit], sized: true }
    }
}

impl<'a> Elaborator<'a, '_> {
    /// The value of `e`, one expression per bit.
    pub(super) fn rvalue(&mut self, scope: &mut Scope<'a>, e: &Ast<'a>) -> Result<Bits, ElabError> {
        match e {
            Ast::Ident(name) => {
                if !scope.params.is_empty() && !scope.special.contains_key(name.text) {
                    if let Some(&value) = scope.params.get(name.text) {
                        return Ok(Bits { bits: integer_bits(value), sized: false });
                    }
                }
                let signal = self.signal(scope, *name)?;
                Ok(Bits::sized(signal.bits().iter().map(|&n| Expr::Var(n)).collect()))
            }
            Ast::Bit(name, index) => {
                Ok(Bits::one(Expr::Var(self.select_bit(scope, *name, index)?)))
            }
            Ast::Part(name, kind, bounds) => Ok(Bits::sized(
                self.select_part(scope, *name, *kind, bounds)?.into_iter().map(Expr::Var).collect(),
            )),
            Ast::Literal(lit, pos) => {
                let bits = lit
                    .bits
                    .iter()
                    .map(|b| match b {
                        LiteralBit::Zero => Expr::Const(false),
                        LiteralBit::One => Expr::Const(true),
                        LiteralBit::X => Expr::Unknown,
                        LiteralBit::Z => Expr::Unknown,
                    })
                    .collect();
                if lit.bits.contains(&LiteralBit::Z) {
                    self.note_high_impedance(*pos);
                }
                Ok(Bits { bits, sized: lit.sized })
            }
            Ast::Unary(op, pos, inner) => {
                let v = self.rvalue(scope, inner)?;
                self.unary(scope, *op, *pos, v)
            }
            Ast::Inverted(name) => {
                let v = self.rvalue(scope, &Ast::Ident(*name))?;
                self.unary(scope, UnaryOp::Not, name.pos, v)
            }
            Ast::Chain(operands) => {
                let Some(((_, _, first), rest)) = operands.split_first() else {
                    return Err(self.error(
                        scope.file,
                        SourcePos::default(),
                        "empty operator chain",
                    ));
                };
                let mut acc = self.rvalue(scope, first)?;
                for (op, pos, operand) in rest {
                    let rhs = self.rvalue(scope, operand)?;
                    acc = self.binary(scope, *op, *pos, acc, rhs)?;
                }
                Ok(acc)
            }
            Ast::Cond(parts, pos) => {
                let [c, t, f] = &**parts;
                let c = self.rvalue(scope, c)?;
                let t = self.rvalue(scope, t)?;
                let f = self.rvalue(scope, f)?;
                Ok(self.conditional(*pos, c, t, f))
            }
            Ast::Concat(parts, _) => {
                let mut bits = Vec::new();
                for part in parts.iter().rev() {
                    bits.extend(self.rvalue(scope, part)?.bits);
                }
                Ok(Bits::sized(bits))
            }
            Ast::Replicate(count, parts, pos) => {
                let n = self.constant(scope, count)?;
                let mut unit = Vec::new();
                for part in parts.iter().rev() {
                    unit.extend(self.rvalue(scope, part)?.bits);
                }
                if n < 0 || (n as u128) * (unit.len() as u128) > MAX_VECTOR_WIDTH as u128 {
                    return Err(self.error(
                        scope.file,
                        *pos,
                        format!("replication count {n} is out of range"),
                    ));
                }
                let mut bits = Vec::with_capacity(n as usize * unit.len());
                for _ in 0..n {
                    bits.extend(unit.iter().cloned());
                }
                Ok(Bits::sized(bits))
            }
            Ast::Str(pos) => Err(self.error(
                scope.file,
                *pos,
                "strings are not supported in a netlist expression",
            )),
        }
    }

    /// The value of `e` if it is one bit computed from one-bit operands, without building
    /// per-bit vectors (the common case of netlist `assign`s); `None` when the general path is
    /// needed (vectors, unsized literals, parameters, other operators).
    pub(super) fn rvalue_bit(
        &mut self,
        scope: &mut Scope<'a>,
        e: &Ast<'a>,
    ) -> Result<Option<Bit>, ElabError> {
        Ok(match e {
            Ast::Ident(name) => self.scalar_net(scope, *name)?.map(Expr::Var),
            Ast::Inverted(name) => self.scalar_net(scope, *name)?.map(|n| Expr::Var(n).not()),
            Ast::Bit(name, index) => Some(Expr::Var(self.select_bit(scope, *name, index)?)),
            Ast::Literal(lit, _) if lit.sized && lit.bits.len() == 1 => match lit.bits[0] {
                LiteralBit::Zero => Some(Expr::Const(false)),
                LiteralBit::One => Some(Expr::Const(true)),
                _ => None,
            },
            Ast::Unary(UnaryOp::Not | UnaryOp::LogicalNot, _, inner) => {
                self.rvalue_bit(scope, inner)?.map(Expr::not)
            }
            Ast::Chain(operands) => {
                let Some(((_, _, first), rest)) = operands.split_first() else { return Ok(None) };
                let Some(mut acc) = self.rvalue_bit(scope, first)? else { return Ok(None) };
                for (op, _, operand) in rest {
                    let f: fn(Bit, Bit) -> Bit = match op {
                        BinaryOp::And | BinaryOp::LogicalAnd => and2,
                        BinaryOp::Or | BinaryOp::LogicalOr => or2,
                        BinaryOp::Xor => xor2,
                        BinaryOp::Xnor => |p, q| xor2(p, q).not(),
                        _ => return Ok(None),
                    };
                    let Some(b) = self.rvalue_bit(scope, operand)? else { return Ok(None) };
                    acc = f(acc, b);
                }
                Some(acc)
            }
            Ast::Cond(parts, _) => {
                let [c, t, f] = &**parts;
                let (Some(c), Some(t), Some(f)) = (
                    self.rvalue_bit(scope, c)?,
                    self.rvalue_bit(scope, t)?,
                    self.rvalue_bit(scope, f)?,
                ) else {
                    return Ok(None);
                };
                Some(match c {
                    Expr::Const(true) => t,
                    Expr::Const(false) => f,
                    c => mux(c, f, t),
                })
            }
            _ => None,
        })
    }

    /// `bits` adjusted to `width`, warning (with `what` naming the target) unless unsized.
    pub(super) fn fit(
        &mut self,
        mut v: Bits,
        width: usize,
        pos: SourcePos,
        what: impl FnOnce() -> String,
    ) -> Vec<Bit> {
        if v.bits.len() != width && v.sized {
            let message = if v.bits.len() > width {
                format!(
                    "{} is {width} bits but its value is {} bits; the high bits are dropped",
                    what(),
                    v.bits.len()
                )
            } else {
                format!(
                    "{} is {width} bits but its value is {} bits; zero-extended",
                    what(),
                    v.bits.len()
                )
            };
            self.netlist.warn(Some(pos), message);
        }
        v.bits.resize(width, Expr::Const(false));
        v.bits
    }

    fn unary(
        &mut self,
        scope: &Scope<'a>,
        op: UnaryOp,
        pos: SourcePos,
        v: Bits,
    ) -> Result<Bits, ElabError> {
        Ok(match op {
            UnaryOp::Plus => v,
            UnaryOp::Not => {
                Bits { bits: v.bits.into_iter().map(Expr::not).collect(), sized: v.sized }
            }
            UnaryOp::LogicalNot => Bits::one(reduce(v.bits, or2).not()),
            UnaryOp::ReduceAnd => Bits::one(reduce(v.bits, and2)),
            UnaryOp::ReduceNand => Bits::one(reduce(v.bits, and2).not()),
            UnaryOp::ReduceOr => Bits::one(reduce(v.bits, or2)),
            UnaryOp::ReduceNor => Bits::one(reduce(v.bits, or2).not()),
            UnaryOp::ReduceXor => Bits::one(reduce(v.bits, xor2)),
            UnaryOp::ReduceXnor => Bits::one(reduce(v.bits, xor2).not()),
            UnaryOp::Minus => {
                return Err(self.error(
                    scope.file,
                    pos,
                    "arithmetic negation is not supported in a netlist expression",
                ))
            }
        })
    }

    /// Both operands at the same width (the wider one), with a warning if both were sized.
    fn align(&mut self, pos: SourcePos, op: &str, a: Bits, b: Bits) -> (Vec<Bit>, Vec<Bit>, bool) {
        let width = a.bits.len().max(b.bits.len());
        if a.sized && b.sized && a.bits.len() != b.bits.len() {
            self.netlist.warn(
                Some(pos),
                format!(
                    "operands of `{}` are {} and {} bits wide; the narrower one is zero-extended",
                    op,
                    a.bits.len(),
                    b.bits.len()
                ),
            );
        }
        let sized = a.sized || b.sized;
        let (mut x, mut y) = (a.bits, b.bits);
        x.resize(width, Expr::Const(false));
        y.resize(width, Expr::Const(false));
        (x, y, sized)
    }

    fn binary(
        &mut self,
        scope: &Scope<'a>,
        op: BinaryOp,
        pos: SourcePos,
        a: Bits,
        b: Bits,
    ) -> Result<Bits, ElabError> {
        let bitwise = |f: fn(Bit, Bit) -> Bit, x: Vec<Bit>, y: Vec<Bit>, sized| Bits {
            bits: x.into_iter().zip(y).map(|(p, q)| f(p, q)).collect(),
            sized,
        };
        Ok(match op {
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor | BinaryOp::Xnor => {
                let (x, y, sized) = self.align(pos, op.spelling(), a, b);
                match op {
                    BinaryOp::And => bitwise(and2, x, y, sized),
                    BinaryOp::Or => bitwise(or2, x, y, sized),
                    BinaryOp::Xor => bitwise(xor2, x, y, sized),
                    _ => bitwise(|p, q| xor2(p, q).not(), x, y, sized),
                }
            }
            BinaryOp::LogicalAnd => Bits::one(and2(reduce(a.bits, or2), reduce(b.bits, or2))),
            BinaryOp::LogicalOr => Bits::one(or2(reduce(a.bits, or2), reduce(b.bits, or2))),
            BinaryOp::Eq | BinaryOp::Neq | BinaryOp::CaseEq | BinaryOp::CaseNeq => {
                let (x, y, _) = self.align(pos, op.spelling(), a, b);
                let equal =
                    reduce(x.into_iter().zip(y).map(|(p, q)| xor2(p, q).not()).collect(), and2);
                Bits::one(if matches!(op, BinaryOp::Eq | BinaryOp::CaseEq) {
                    equal
                } else {
                    equal.not()
                })
            }
            _ => {
                return Err(self.error(
                    scope.file,
                    pos,
                    format!(
                        "operator `{}` is not supported in a netlist expression",
                        op.spelling()
                    ),
                ))
            }
        })
    }

    fn conditional(&mut self, pos: SourcePos, c: Bits, t: Bits, f: Bits) -> Bits {
        let select = reduce(c.bits, or2);
        let (t, f, sized) = self.align(pos, "?:", t, f);
        let bits = match select {
            Expr::Const(true) => t,
            Expr::Const(false) => f,
            select => t
                .into_iter()
                .zip(f)
                // Equal constant bits (zero extension) need no multiplexer; equal nets keep
                // theirs, as written.
                .map(|(x, y)| {
                    if x == y && matches!(x, Expr::Const(_) | Expr::Unknown) {
                        x
                    } else {
                        mux(select.clone(), y, x)
                    }
                })
                .collect(),
        };
        Bits { bits, sized }
    }

    /// A constant expression (range bound, index, parameter value, replication count).
    pub(super) fn constant(&mut self, scope: &Scope<'a>, e: &Ast<'a>) -> Result<i64, ElabError> {
        constant_value(e, &|name| scope.params.get(name).copied())
            .map_err(|(pos, m)| self.error(scope.file, pos, m))
    }
}

/// Evaluates a constant expression with `param` giving parameter values.
pub(super) fn constant_value<'a>(
    e: &Ast<'a>,
    param: &dyn Fn(&str) -> Option<i64>,
) -> Result<i64, (SourcePos, String)> {
    let overflow = |pos| (pos, "constant expression overflows".to_string());
    match e {
        Ast::Literal(lit, pos) => {
            lit.value().ok_or((*pos, "constant contains x or z bits, or is too wide".into()))
        }
        Ast::Ident(name) => param(name.text).ok_or((
            name.pos,
            format!("`{}` is not a parameter; a constant is expected here", name.text),
        )),
        Ast::Unary(op, pos, inner) => {
            let v = constant_value(inner, param)?;
            Ok(match op {
                UnaryOp::Plus => v,
                UnaryOp::Minus => v.checked_neg().ok_or_else(|| overflow(*pos))?,
                UnaryOp::Not => !v,
                UnaryOp::LogicalNot => (v == 0) as i64,
                _ => {
                    return Err((
                        *pos,
                        "reduction operators are not supported in constant expressions".into(),
                    ))
                }
            })
        }
        Ast::Inverted(name) => param(name.text).map(|v| !v).ok_or((
            name.pos,
            format!("`{}` is not a parameter; a constant is expected here", name.text),
        )),
        Ast::Chain(operands) => {
            let Some(((_, _, first), rest)) = operands.split_first() else {
                return Err((SourcePos::default(), "empty operator chain".into()));
            };
            let mut acc = constant_value(first, param)?;
            for (op, pos, operand) in rest {
                let v = constant_value(operand, param)?;
                acc = match op {
                    BinaryOp::Add => acc.checked_add(v),
                    BinaryOp::Sub => acc.checked_sub(v),
                    BinaryOp::Mul => acc.checked_mul(v),
                    BinaryOp::Div => acc.checked_div(v),
                    BinaryOp::Mod => acc.checked_rem(v),
                    BinaryOp::Pow => u32::try_from(v).ok().and_then(|v| acc.checked_pow(v)),
                    BinaryOp::Shl => u32::try_from(v).ok().and_then(|v| acc.checked_shl(v)),
                    BinaryOp::Shr => u32::try_from(v).ok().and_then(|v| acc.checked_shr(v)),
                    BinaryOp::And => Some(acc & v),
                    BinaryOp::Or => Some(acc | v),
                    BinaryOp::Xor => Some(acc ^ v),
                    BinaryOp::Xnor => Some(!(acc ^ v)),
                    BinaryOp::LogicalAnd => Some((acc != 0 && v != 0) as i64),
                    BinaryOp::LogicalOr => Some((acc != 0 || v != 0) as i64),
                    BinaryOp::Eq | BinaryOp::CaseEq => Some((acc == v) as i64),
                    BinaryOp::Neq | BinaryOp::CaseNeq => Some((acc != v) as i64),
                    BinaryOp::Lt => Some((acc < v) as i64),
                    BinaryOp::Le => Some((acc <= v) as i64),
                    BinaryOp::Gt => Some((acc > v) as i64),
                    BinaryOp::Ge => Some((acc >= v) as i64),
                }
                .ok_or_else(|| overflow(*pos))?;
            }
            Ok(acc)
        }
        Ast::Cond(parts, _) => {
            let [c, t, f] = &**parts;
            if constant_value(c, param)? != 0 {
                constant_value(t, param)
            } else {
                constant_value(f, param)
            }
        }
        other => Err((other.pos(), "a constant expression is expected here".into())),
    }
}

/// An integer as 32 (or more) unsized bits.
fn integer_bits(value: i64) -> Vec<Bit> {
    let width = if (0..1 << 32).contains(&value) { 32 } else { 64 };
    (0..width).map(|k| Expr::Const(value >> k & 1 == 1)).collect()
}

/// Folds `bits` with `f`; an empty list reduces to 0.
fn reduce(bits: Vec<Bit>, f: fn(Bit, Bit) -> Bit) -> Bit {
    let mut it = bits.into_iter();
    let first = it.next().unwrap_or(Expr::Const(false));
    it.fold(first, f)
}

/// `a & b`, flattened and folded.
pub(super) fn and2(a: Bit, b: Bit) -> Bit {
    match (a, b) {
        (Expr::Const(false), _) | (_, Expr::Const(false)) => Expr::Const(false),
        (Expr::Const(true), x) | (x, Expr::Const(true)) => x,
        (Expr::And(mut t), Expr::And(u)) => {
            t.extend(u);
            Expr::And(t)
        }
        (Expr::And(mut t), x) => {
            t.push(x);
            Expr::And(t)
        }
        (x, y) => Expr::And(vec![x, y]),
    }
}

/// `a | b`, flattened and folded.
pub(super) fn or2(a: Bit, b: Bit) -> Bit {
    match (a, b) {
        (Expr::Const(true), _) | (_, Expr::Const(true)) => Expr::Const(true),
        (Expr::Const(false), x) | (x, Expr::Const(false)) => x,
        (Expr::Or(mut t), Expr::Or(u)) => {
            t.extend(u);
            Expr::Or(t)
        }
        (Expr::Or(mut t), x) => {
            t.push(x);
            Expr::Or(t)
        }
        (x, y) => Expr::Or(vec![x, y]),
    }
}

/// `a ^ b`, flattened and folded, with inversions moved outside.
pub(super) fn xor2(a: Bit, b: Bit) -> Bit {
    let (a, ia) = strip_not(a);
    let (b, ib) = strip_not(b);
    let mut invert = ia ^ ib;
    let core = match (a, b) {
        (Expr::Const(x), Expr::Const(y)) => Expr::Const(x ^ y),
        (Expr::Const(c), x) | (x, Expr::Const(c)) => {
            invert ^= c;
            x
        }
        (Expr::Xor(mut t), Expr::Xor(u)) => {
            t.extend(u);
            Expr::Xor(t)
        }
        (Expr::Xor(mut t), x) => {
            t.push(x);
            Expr::Xor(t)
        }
        (x, y) => Expr::Xor(vec![x, y]),
    };
    if invert {
        core.not()
    } else {
        core
    }
}

/// `select ? when_1 : when_0`.
pub(super) fn mux(select: Bit, when_0: Bit, when_1: Bit) -> Bit {
    Expr::Mux(Box::new([select, when_0, when_1]))
}

fn strip_not(e: Bit) -> (Bit, bool) {
    match e {
        Expr::Not(inner) => (*inner, true),
        other => (other, false),
    }
}

/// Rewrites ANDs and ORs whose operands are all inverted as NOR and NAND (De Morgan), so
/// `~a & ~b` lowers to one gate.
pub(super) fn normalize(e: Bit) -> Bit {
    match e {
        Expr::And(terms) => de_morgan(terms, Expr::And, Expr::Or),
        Expr::Or(terms) => de_morgan(terms, Expr::Or, Expr::And),
        Expr::Xor(terms) => Expr::Xor(terms.into_iter().map(normalize).collect()),
        Expr::Not(inner) => normalize(*inner).not(),
        Expr::Mux(m) => {
            let [s, a, b] = *m;
            mux(normalize(s), normalize(a), normalize(b))
        }
        other => other,
    }
}

fn de_morgan(terms: Vec<Bit>, same: fn(Vec<Bit>) -> Bit, dual: fn(Vec<Bit>) -> Bit) -> Bit {
    let terms: Vec<Bit> = terms.into_iter().map(normalize).collect();
    if terms.len() >= 2 && terms.iter().all(|t| matches!(t, Expr::Not(_))) {
        dual(terms.into_iter().map(|t| strip_not(t).0).collect()).not()
    } else {
        same(terms)
    }
}

/// Whether lowering `e` makes exactly one gate (so no intermediate net needs a name).
pub(super) fn is_single_gate(e: &Bit) -> bool {
    let leaf = |t: &Bit| matches!(t, Expr::Var(_));
    match e {
        Expr::Var(_) | Expr::Const(_) | Expr::Unknown => true,
        Expr::Not(inner) => match &**inner {
            Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => t.iter().all(leaf),
            other => leaf(other),
        },
        Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => t.iter().all(leaf),
        Expr::Mux(m) => m.iter().all(leaf),
    }
}
