//! The expression grammar: operators by precedence, primaries, selects, concatenations and
//! literals.
//!
//! Binary operators are parsed by precedence climbing into flat [`Expr::Chain`]s;
//! unary prefixes are collected in a loop too. Only parentheses, concatenations, selects and
//! `?:` recurse, and they count nesting depth in [`Input::depth`], so no input can overflow
//! the stack.

use nom::combinator::cut;
use nom::multi::separated_list1;
use nom::sequence::terminated;

use super::ast::{BinaryOp, Expr, Name, PartSelect, UnaryOp};
use super::lexer::Tok;
use super::number;
use super::tokens::{at, fail, fatal, identifier, tok, Input, PResult, SyntaxError, MAX_NESTING};

/// A full expression (including `?:`).
pub(super) fn expression(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    // Fast path for the commonest expression in a netlist, a lone name before a separator.
    let t = i.peek();
    if t.is_name() {
        let next = i.skip(1);
        if matches!(
            next.peek().kind,
            Tok::Comma | Tok::RParen | Tok::Semi | Tok::RBrace | Tok::Colon | Tok::RBracket
        ) {
            return Ok((next, Expr::Ident(Name { text: i.text(&t), pos: t.pos() })));
        }
    }
    let (i, cond) = binary(i, 0)?;
    if !at(&i, Tok::Question) {
        return Ok((i, cond));
    }
    let pos = i.peek().pos();
    let depth = i.depth;
    let inner = i.skip(1).nest()?;
    let (inner, then) = cut(expression)(inner)?;
    let (inner, _) = cut(tok(Tok::Colon))(inner)?;
    let (inner, otherwise) = cut(expression)(inner)?;
    Ok((inner.at_depth(depth), Expr::Cond(Box::new([cond, then, otherwise]), pos)))
}

/// A binary operator and its precedence (higher binds tighter), as in IEEE 1364 table 5-4.
fn binary_operator(t: Tok) -> Option<(BinaryOp, u8)> {
    Some(match t {
        Tok::PipePipe => (BinaryOp::LogicalOr, 0),
        Tok::AmpAmp => (BinaryOp::LogicalAnd, 1),
        Tok::Pipe => (BinaryOp::Or, 2),
        Tok::Caret => (BinaryOp::Xor, 3),
        Tok::TildeCaret => (BinaryOp::Xnor, 3),
        Tok::Amp => (BinaryOp::And, 4),
        Tok::EqEq => (BinaryOp::Eq, 5),
        Tok::BangEq => (BinaryOp::Neq, 5),
        Tok::EqEqEq => (BinaryOp::CaseEq, 5),
        Tok::BangEqEq => (BinaryOp::CaseNeq, 5),
        Tok::Lt => (BinaryOp::Lt, 6),
        Tok::LtEq => (BinaryOp::Le, 6),
        Tok::Gt => (BinaryOp::Gt, 6),
        Tok::GtEq => (BinaryOp::Ge, 6),
        Tok::Shl | Tok::AShl => (BinaryOp::Shl, 7),
        Tok::Shr | Tok::AShr => (BinaryOp::Shr, 7),
        Tok::Plus => (BinaryOp::Add, 8),
        Tok::Minus => (BinaryOp::Sub, 8),
        Tok::Star => (BinaryOp::Mul, 9),
        Tok::Slash => (BinaryOp::Div, 9),
        Tok::Percent => (BinaryOp::Mod, 9),
        Tok::Power => (BinaryOp::Pow, 10),
        _ => return None,
    })
}

/// Operators of precedence `min` and above, by precedence climbing: operators of one
/// precedence form one left-to-right [`Expr::Chain`]; a tighter operator after an operand
/// makes that operand a sub-chain. Recursion depth is bounded by the number of precedence
/// levels, and an operand followed by no operator costs one call.
fn binary(i: Input<'_>, min: u8) -> PResult<'_, Expr<'_>> {
    let (mut i, mut lhs) = unary(i)?;
    while let Some((first_op, precedence)) =
        binary_operator(i.peek().kind).filter(|&(_, p)| p >= min)
    {
        let mut operands = vec![(first_op, i.peek().pos(), lhs)];
        while let Some((op, _)) = binary_operator(i.peek().kind).filter(|&(_, p)| p == precedence) {
            let pos = i.peek().pos();
            let (after, operand) = cut(|i| binary(i, precedence + 1))(i.skip(1))?;
            operands.push((op, pos, operand));
            i = after;
        }
        lhs = Expr::Chain(operands);
    }
    Ok((i, lhs))
}

fn unary_operator(t: Tok) -> Option<UnaryOp> {
    Some(match t {
        Tok::Tilde => UnaryOp::Not,
        Tok::Bang => UnaryOp::LogicalNot,
        Tok::Amp => UnaryOp::ReduceAnd,
        Tok::TildeAmp => UnaryOp::ReduceNand,
        Tok::Pipe => UnaryOp::ReduceOr,
        Tok::TildePipe => UnaryOp::ReduceNor,
        Tok::Caret => UnaryOp::ReduceXor,
        Tok::TildeCaret => UnaryOp::ReduceXnor,
        Tok::Minus => UnaryOp::Minus,
        Tok::Plus => UnaryOp::Plus,
        _ => return None,
    })
}

/// Prefix operators (collected in a loop, applied innermost first) and a primary.
fn unary(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    let mut i = i;
    let mut ops = Vec::new();
    while let Some(op) = unary_operator(i.peek().kind) {
        if ops.len() as u32 >= MAX_NESTING {
            return fatal(i, format!("more than {MAX_NESTING} prefix operators on one operand"));
        }
        ops.push((op, i.peek().pos()));
        i = i.skip(1);
    }
    let (i, mut e) = if ops.is_empty() { primary(i)? } else { cut(primary)(i)? };
    for (op, pos) in ops.into_iter().rev() {
        e = match (op, e) {
            (UnaryOp::Not, Expr::Ident(name)) => Expr::Inverted(name),
            (op, e) => Expr::Unary(op, pos, Box::new(e)),
        };
    }
    Ok((i, e))
}

/// A name with an optional select, a literal, a parenthesised expression or a concatenation.
pub(super) fn primary(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    let t = i.peek();
    match t.kind {
        Tok::Ident | Tok::Escaped => selectable(i),
        Tok::Number | Tok::Based => literal(i),
        Tok::LParen => {
            let depth = i.depth;
            let inner = i.skip(1).nest()?;
            let (inner, e) = cut(terminated(expression, tok(Tok::RParen)))(inner)?;
            Ok((inner.at_depth(depth), e))
        }
        Tok::LBrace => concatenation(i),
        Tok::Str => Ok((i.skip(1), Expr::Str(t.pos()))),
        Tok::Real => fatal(i, "real numbers are not supported in a netlist"),
        Tok::System => {
            fatal(i, format!("system function `{}` is not supported in a netlist", i.text(&t)))
        }
        _ => fail(i, "an expression"),
    }
}

/// A literal: `12`, `'b1`, `4'hF`, `4 'hF`.
fn literal(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    let t = i.peek();
    let next = i.skip(1);
    let (rest, decoded) = match (t.kind, next.peek().kind) {
        (Tok::Number, Tok::Based) => {
            let based = next.peek();
            (next.skip(1), number::decode_based(Some(i.text(&t)), i.text(&based)))
        }
        (Tok::Number, _) => (next, number::decode_decimal(i.text(&t))),
        _ => (next, number::decode_based(None, i.text(&t))),
    };
    match decoded {
        Ok(lit) => Ok((rest, Expr::Literal(lit, t.pos()))),
        Err(message) => fatal(i, message),
    }
}

/// A name, optionally with `[bit]`, `[msb:lsb]`, `[base+:width]` or `[base-:width]`.
fn selectable(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    let (i, name) = identifier(i)?;
    match i.peek().kind {
        Tok::LBracket => {}
        Tok::Dot => {
            return fatal(i, format!("hierarchical reference `{}.…` is not supported", name.text))
        }
        Tok::LParen => {
            return fatal(
                i,
                format!("function call `{}(…)` is not supported in a netlist", name.text),
            )
        }
        _ => return Ok((i, Expr::Ident(name))),
    }
    let depth = i.depth;
    let inner = i.skip(1).nest()?;
    let (inner, first) = cut(expression)(inner)?;
    let kind = match inner.peek().kind {
        Tok::RBracket => None,
        Tok::Colon => Some(PartSelect::Range),
        Tok::PlusColon => Some(PartSelect::Up),
        Tok::MinusColon => Some(PartSelect::Down),
        _ => return Err(nom::Err::Failure(expected_any(inner, &["`]`", "`:`", "`+:`", "`-:`"]))),
    };
    let (inner, e) = match kind {
        None => (inner.skip(1), Expr::Bit(name, Box::new(first))),
        Some(kind) => {
            let (inner, second) = cut(expression)(inner.skip(1))?;
            let (inner, _) = cut(tok(Tok::RBracket))(inner)?;
            (inner, Expr::Part(name, kind, Box::new((first, second))))
        }
    };
    if at(&inner, Tok::LBracket) {
        return fatal(
            inner,
            format!("multi-dimensional select on `{}` is not supported", name.text),
        );
    }
    Ok((inner.at_depth(depth), e))
}

/// `{a, b}` or `{n{a, b}}`.
fn concatenation(i: Input<'_>) -> PResult<'_, Expr<'_>> {
    let pos = i.peek().pos();
    let depth = i.depth;
    let inner = i.skip(1).nest()?;
    let (inner, first) = cut(expression)(inner)?;
    if at(&inner, Tok::LBrace) {
        // Replication: the first expression was the count.
        let inner = inner.skip(1).nest()?;
        let (inner, parts) = cut(separated_list1(tok(Tok::Comma), expression))(inner)?;
        let (inner, _) = cut(tok(Tok::RBrace))(inner)?;
        let (inner, _) = cut(tok(Tok::RBrace))(inner)?;
        return Ok((inner.at_depth(depth), Expr::Replicate(Box::new(first), parts, pos)));
    }
    let mut parts = vec![first];
    let mut inner = inner;
    loop {
        match inner.peek().kind {
            Tok::Comma => {
                let (rest, e) = cut(expression)(inner.skip(1))?;
                parts.push(e);
                inner = rest;
            }
            Tok::RBrace => return Ok((inner.skip(1).at_depth(depth), Expr::Concat(parts, pos))),
            _ => return Err(nom::Err::Failure(expected_any(inner, &["`,`", "`}`"]))),
        }
    }
}

/// An error listing several acceptable tokens.
pub(super) fn expected_any(i: Input<'_>, what: &[&'static str]) -> SyntaxError {
    use nom::error::ParseError as _;
    let mut e = SyntaxError::expected(i, what.first().copied().unwrap_or("something else"));
    for w in what.iter().skip(1) {
        e = SyntaxError::expected(i, w).or(e);
    }
    e
}
