//! Liberty Boolean expressions (`function`, `three_state`, `next_state`, `clocked_on`, ...).
//!
//! Operators, tightest first, as the Liberty Reference Manual states them ("inversion performed
//! first, then XOR, then AND, then OR", which OpenSTA's grammar also encodes):
//! - `!` prefix and `'` postfix: NOT;
//! - `^`: XOR;
//! - `&`, `*` and plain juxtaposition (`A B`, `A(B+C)`): AND;
//! - `|` and `+`: OR;
//!
//! plus parentheses and the constants `0` and `1`. Pin names may carry bus subscripts (`D[3]`).
//! So `A ^ B & C` is `(A ^ B) & C` and `A + B C` is `A + (B & C)`.

use std::fmt;

use nom::bytes::complete::take_while1;
use nom::IResult;

use crate::expr::Expr;

/// How deeply parentheses and prefix `!` may nest. Real cell functions stay below ten; the limit
/// keeps recursion (and so the stack) bounded on hostile input.
const MAX_NESTING: usize = 64;

/// A syntax error in a Liberty function string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// Byte offset of the problem within the function string.
    pub offset: usize,
    /// What was expected there.
    pub message: &'static str,
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for FunctionError {}

/// The error nom threads through the parser: where it happened and what was expected.
#[derive(Debug)]
struct Failure<'a> {
    at: &'a str,
    message: &'static str,
}

impl<'a> nom::error::ParseError<&'a str> for Failure<'a> {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        Failure { at: input, message: "expected a pin name, `0`, `1`, `!` or `(`" }
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type Parsed<'a, T> = IResult<&'a str, T, Failure<'a>>;

fn fail<'a, T>(at: &'a str, message: &'static str) -> Parsed<'a, T> {
    Err(nom::Err::Failure(Failure { at, message }))
}

/// Parses a Liberty function string (without its surrounding quotes).
///
/// A trailing `;` is accepted, as OpenSTA does. Variables are the pin (or state variable)
/// names as written.
pub fn parse_function(text: &str) -> Result<Expr<String>, FunctionError> {
    let offset_of = |rest: &str| text.len() - rest.len();
    match or_expr(text, 0) {
        Ok((rest, expr)) => {
            let rest = skip_space(rest);
            let rest = skip_space(rest.strip_prefix(';').unwrap_or(rest));
            if rest.is_empty() {
                Ok(expr)
            } else {
                Err(FunctionError {
                    offset: offset_of(rest),
                    message: "expected an operator (`!`, `'`, `^`, `&`, `*`, `|`, `+`) or the end of the expression",
                })
            }
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            Err(FunctionError { offset: offset_of(e.at), message: e.message })
        }
        // Only streaming parsers report `Incomplete`; every parser here is a complete one.
        Err(nom::Err::Incomplete(_)) => {
            Err(FunctionError { offset: text.len(), message: "unexpected end of the expression" })
        }
    }
}

/// Skips blanks, including Liberty's backslash-newline line continuations.
fn skip_space(mut input: &str) -> &str {
    loop {
        let trimmed = input.trim_start();
        if let Some(rest) = trimmed.strip_prefix('\\') {
            let rest = rest.strip_prefix('\r').unwrap_or(rest);
            if let Some(rest) = rest.strip_prefix('\n') {
                input = rest;
                continue;
            }
        }
        return trimmed;
    }
}

fn or_expr(input: &str, depth: usize) -> Parsed<'_, Expr<String>> {
    let (mut input, first) = and_expr(input, depth)?;
    let mut terms = vec![first];
    loop {
        let rest = skip_space(input);
        match rest.as_bytes().first() {
            Some(b'|' | b'+') => {
                let (rest, term) = and_expr(&rest[1..], depth)?;
                terms.push(term);
                input = rest;
            }
            _ => break,
        }
    }
    Ok((input, collect(terms, Expr::Or)))
}

/// Whether `c` can start an operand, which makes juxtaposition an AND.
fn starts_operand(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'(' || c == b'!'
}

fn and_expr(input: &str, depth: usize) -> Parsed<'_, Expr<String>> {
    let (mut input, first) = xor_expr(input, depth)?;
    let mut terms = vec![first];
    loop {
        let rest = skip_space(input);
        let operand = match rest.as_bytes().first() {
            Some(b'&' | b'*') => &rest[1..],
            Some(&c) if starts_operand(c) => rest,
            _ => break,
        };
        let (rest, term) = xor_expr(operand, depth)?;
        terms.push(term);
        input = rest;
    }
    Ok((input, collect(terms, Expr::And)))
}

fn xor_expr(input: &str, depth: usize) -> Parsed<'_, Expr<String>> {
    let (mut input, first) = unary(input, depth)?;
    let mut terms = vec![first];
    loop {
        let rest = skip_space(input);
        match rest.strip_prefix('^') {
            Some(operand) => {
                let (rest, term) = unary(operand, depth)?;
                terms.push(term);
                input = rest;
            }
            None => break,
        }
    }
    Ok((input, collect(terms, Expr::Xor)))
}

fn unary(input: &str, depth: usize) -> Parsed<'_, Expr<String>> {
    let input = skip_space(input);
    if let Some(rest) = input.strip_prefix('!') {
        if depth >= MAX_NESTING {
            return fail(input, "expression nested too deeply");
        }
        let (rest, inner) = unary(rest, depth + 1)?;
        return Ok((rest, Expr::Not(Box::new(inner))));
    }
    let (mut input, mut expr) = primary(input, depth)?;
    // Postfix complement binds as tightly as prefix `!`; `A''` is `A`.
    loop {
        let rest = skip_space(input);
        match rest.strip_prefix('\'') {
            Some(rest) => {
                // Folding double negation keeps `A''''...` from building a deep tree.
                expr = expr.not();
                input = rest;
            }
            None => return Ok((input, expr)),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']' | '.' | ':')
}

fn primary(input: &str, depth: usize) -> Parsed<'_, Expr<String>> {
    if let Some(rest) = input.strip_prefix('(') {
        if depth >= MAX_NESTING {
            return fail(input, "expression nested too deeply");
        }
        let (rest, inner) = or_expr(rest, depth + 1)?;
        let rest = skip_space(rest);
        return match rest.strip_prefix(')') {
            Some(rest) => Ok((rest, inner)),
            None => fail(rest, "expected `)` or an operator"),
        };
    }
    let (rest, token) = take_while1(is_name_char)(input).map_err(|_: nom::Err<Failure<'_>>| {
        nom::Err::Failure(Failure {
            at: input,
            message: "expected a pin name, `0`, `1`, `!` or `(`",
        })
    })?;
    if token.starts_with(|c: char| c.is_ascii_digit()) {
        return match token {
            "0" => Ok((rest, Expr::Const(false))),
            "1" => Ok((rest, Expr::Const(true))),
            _ => fail(
                input,
                "expected a pin name or the constant `0` or `1` (names cannot start with a digit)",
            ),
        };
    }
    Ok((rest, Expr::Var(token.to_string())))
}

/// One term stays itself; several become `make(terms)`.
fn collect(
    mut terms: Vec<Expr<String>>,
    make: fn(Vec<Expr<String>>) -> Expr<String>,
) -> Expr<String> {
    if terms.len() == 1 {
        terms.pop().unwrap_or(Expr::Const(false))
    } else {
        make(terms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str) -> Expr<String> {
        Expr::Var(name.to_string())
    }
    fn not(e: Expr<String>) -> Expr<String> {
        Expr::Not(Box::new(e))
    }

    #[test]
    fn precedence_is_not_then_xor_then_and_then_or() {
        assert_eq!(
            parse_function("A | B & C").unwrap(),
            Expr::Or(vec![v("A"), Expr::And(vec![v("B"), v("C")])])
        );
        assert_eq!(
            parse_function("A ^ B & C").unwrap(),
            Expr::And(vec![Expr::Xor(vec![v("A"), v("B")]), v("C")])
        );
        assert_eq!(
            parse_function("A + B ^ C").unwrap(),
            Expr::Or(vec![v("A"), Expr::Xor(vec![v("B"), v("C")])])
        );
        assert_eq!(parse_function("!A ^ B").unwrap(), Expr::Xor(vec![not(v("A")), v("B")]));
    }

    #[test]
    fn juxtaposition_is_and() {
        assert_eq!(parse_function("A B").unwrap(), Expr::And(vec![v("A"), v("B")]));
        assert_eq!(
            parse_function("A B + C").unwrap(),
            Expr::Or(vec![Expr::And(vec![v("A"), v("B")]), v("C")])
        );
        assert_eq!(
            parse_function("A(B+C)").unwrap(),
            Expr::And(vec![v("A"), Expr::Or(vec![v("B"), v("C")])])
        );
        assert_eq!(parse_function("A !B").unwrap(), Expr::And(vec![v("A"), not(v("B"))]));
    }

    #[test]
    fn postfix_and_prefix_complement() {
        assert_eq!(parse_function("A'").unwrap(), not(v("A")));
        assert_eq!(parse_function("(TE')").unwrap(), not(v("TE")));
        assert_eq!(parse_function("A' B").unwrap(), Expr::And(vec![not(v("A")), v("B")]));
        assert_eq!(parse_function("(A+B)'").unwrap(), not(Expr::Or(vec![v("A"), v("B")])));
        assert_eq!(parse_function("!!A").unwrap(), not(not(v("A"))));
        assert_eq!(parse_function("A''").unwrap(), v("A"));
        assert_eq!(parse_function(&format!("A{}", "'".repeat(10_001))).unwrap(), not(v("A")));
    }

    #[test]
    fn operator_spellings_and_constants() {
        let sop = parse_function("(A1 * A2) + (B1 & B2) | C").unwrap();
        assert_eq!(
            sop,
            Expr::Or(vec![
                Expr::And(vec![v("A1"), v("A2")]),
                Expr::And(vec![v("B1"), v("B2")]),
                v("C")
            ])
        );
        assert_eq!(parse_function(" 0 ").unwrap(), Expr::Const(false));
        assert_eq!(parse_function("1").unwrap(), Expr::Const(true));
        assert_eq!(parse_function("D[3] & EN;").unwrap(), Expr::And(vec![v("D[3]"), v("EN")]));
        assert_eq!(parse_function("A &\\\n B").unwrap(), Expr::And(vec![v("A"), v("B")]));
    }

    #[test]
    fn errors_have_offsets() {
        assert_eq!(parse_function("").unwrap_err().offset, 0);
        assert_eq!(parse_function("(A & B").unwrap_err().offset, 6);
        assert_eq!(parse_function("A & ").unwrap_err().offset, 4);
        assert_eq!(parse_function("A ) B").unwrap_err().offset, 2);
        assert_eq!(parse_function("A & 2B").unwrap_err().offset, 4);
        assert_eq!(parse_function("A # B").unwrap_err().offset, 2);
        let deep = "(".repeat(10_000);
        assert!(parse_function(&deep).is_err());
        let nots = "!".repeat(10_000) + "A";
        assert!(parse_function(&nots).is_err());
    }
}
