//! Liberty's generic syntax, independent of what the attributes mean.
//!
//! A Liberty file is a tree of statements:
//! - groups `name (args) { statements }`,
//! - simple attributes `name : value ;` (the `;` may be left out at the end of a line or before
//!   `}`),
//! - complex attributes `name (args) ;` (`define (...)`, `values (...)`, ...),
//!
//! with `/* */` and `//` comments and `\` + newline line continuations anywhere blanks may go.
//! The tree borrows every name and value from the source text, so parsing the 12.8 MB sky130
//! library allocates little beyond the statement vectors; a slice's position in the file is
//! recovered from its address ([`offset_in`]) only when a message needs it.

use std::borrow::Cow;

use nom::bytes::complete::take_while1;
use nom::IResult;

/// How deeply groups may nest. Real libraries use five or six levels (library, cell, pin, timing,
/// table); the limit keeps recursion bounded on hostile input.
const MAX_GROUP_DEPTH: usize = 64;

/// An attribute value or group argument as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A `"quoted string"`, without its quotes (escapes left as written).
    Quoted(&'a str),
    /// An unquoted word, number or expression, trimmed.
    Bare(&'a str),
}

impl<'a> Value<'a> {
    /// The text, without quotes.
    pub(crate) fn text(self) -> &'a str {
        match self {
            Value::Quoted(s) | Value::Bare(s) => s,
        }
    }
}

/// A group: `name (args) { body }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group<'a> {
    /// The group kind (`library`, `cell`, `pin`, ...), a slice of the source.
    pub name: &'a str,
    /// The arguments in parentheses.
    pub args: Vec<Value<'a>>,
    /// The statements inside the braces, in source order.
    pub body: Vec<Statement<'a>>,
}

/// One statement of a group body (or of the file's top level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Statement<'a> {
    /// `name : value ;`
    Simple {
        /// The attribute name, a slice of the source.
        name: &'a str,
        /// Its value.
        value: Value<'a>,
    },
    /// `name (args) ;`
    Complex {
        /// The attribute name, a slice of the source.
        name: &'a str,
        /// Its arguments.
        args: Vec<Value<'a>>,
    },
    /// A nested group.
    Group(Group<'a>),
}

impl<'a> Group<'a> {
    /// The value of the last simple attribute called `name` (Liberty lets a later one win).
    pub(crate) fn simple(&self, name: &str) -> Option<Value<'a>> {
        self.body.iter().rev().find_map(|s| match s {
            Statement::Simple { name: n, value } if *n == name => Some(*value),
            _ => None,
        })
    }

    /// The nested groups, in order.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &Group<'a>> {
        self.body.iter().filter_map(|s| match s {
            Statement::Group(g) => Some(g),
            _ => None,
        })
    }
}

/// A syntax error: where (a suffix of the text) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError<'a> {
    /// The text from the point of failure on.
    pub at: &'a str,
    /// What was expected there.
    pub message: Cow<'static, str>,
    /// For an unclosed group, its name (a slice of the source, to report where it opened).
    pub unclosed: Option<&'a str>,
}

impl<'a> nom::error::ParseError<&'a str> for SyntaxError<'a> {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        SyntaxError { at: input, message: Cow::Borrowed("unexpected input"), unclosed: None }
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type Parsed<'a, T> = IResult<&'a str, T, SyntaxError<'a>>;

fn fail<'a, T>(at: &'a str, message: impl Into<Cow<'static, str>>) -> Parsed<'a, T> {
    Err(nom::Err::Failure(SyntaxError { at, message: message.into(), unclosed: None }))
}

/// The byte offset of `part`, a slice of `text`, within `text`.
pub(crate) fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize).min(text.len())
}

/// Parses a whole file into its top-level statements.
pub(crate) fn parse_statements(text: &str) -> Result<Vec<Statement<'_>>, SyntaxError<'_>> {
    let mut statements = Vec::new();
    let mut input = text;
    loop {
        input = match trivia(input) {
            Ok((rest, ())) => rest,
            Err(e) => return Err(into_error(e, input)),
        };
        if input.is_empty() {
            return Ok(statements);
        }
        if let Some(rest) = input.strip_prefix(';') {
            input = rest;
            continue;
        }
        if input.starts_with('}') {
            return Err(SyntaxError {
                at: input,
                message: Cow::Borrowed("unexpected `}` with no group open"),
                unclosed: None,
            });
        }
        match statement(input, 0) {
            Ok((rest, s)) => {
                statements.push(s);
                input = rest;
            }
            Err(e) => return Err(into_error(e, input)),
        }
    }
}

fn into_error<'a>(e: nom::Err<SyntaxError<'a>>, input: &'a str) -> SyntaxError<'a> {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Every parser here is a complete one; `Incomplete` cannot occur, but map it sensibly.
        nom::Err::Incomplete(_) => SyntaxError {
            at: &input[input.len()..],
            message: Cow::Borrowed("unexpected end of file"),
            unclosed: None,
        },
    }
}

/// Skips blanks, comments and line continuations.
fn trivia(input: &str) -> Parsed<'_, ()> {
    let bytes = input.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => i += 1,
            b'\\' => match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(b'\n'), _) => i += 2,
                (Some(b'\r'), Some(b'\n')) => i += 3,
                _ => break,
            },
            b'/' => match bytes.get(i + 1) {
                Some(b'*') => match input[i + 2..].find("*/") {
                    Some(end) => i += 2 + end + 2,
                    None => return fail(&input[i..], "unterminated comment: expected `*/`"),
                },
                Some(b'/') => match input[i..].find('\n') {
                    Some(end) => i += end + 1,
                    None => i = bytes.len(),
                },
                _ => break,
            },
            _ => break,
        }
    }
    Ok((&input[i..], ()))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

fn statement(input: &str, depth: usize) -> Parsed<'_, Statement<'_>> {
    let (rest, name) =
        take_while1(is_name_char)(input).or_else(|_: nom::Err<SyntaxError<'_>>| {
            fail(input, "expected an attribute or group name")
        })?;
    let (rest, ()) = trivia(rest)?;
    if let Some(rest) = rest.strip_prefix(':') {
        let (rest, ()) = trivia(rest)?;
        let (rest, value) = if rest.starts_with('"') {
            let (rest, s) = quoted(rest)?;
            (rest, Value::Quoted(s))
        } else {
            let (rest, s) = bare_value(rest);
            if s.is_empty() {
                return fail(rest, format!("expected a value for attribute `{name}`"));
            }
            (rest, Value::Bare(s))
        };
        let (rest, ()) = trivia(rest)?;
        let rest = rest.strip_prefix(';').unwrap_or(rest);
        Ok((rest, Statement::Simple { name, value }))
    } else if let Some(rest) = rest.strip_prefix('(') {
        let (rest, args) = arguments(rest)?;
        let (rest, ()) = trivia(rest)?;
        if let Some(body) = rest.strip_prefix('{') {
            if depth >= MAX_GROUP_DEPTH {
                return fail(input, "groups nested too deeply");
            }
            let (rest, body) = group_body(body, name, depth + 1)?;
            Ok((rest, Statement::Group(Group { name, args, body })))
        } else {
            let rest = rest.strip_prefix(';').unwrap_or(rest);
            Ok((rest, Statement::Complex { name, args }))
        }
    } else {
        fail(rest, format!("expected `:` or `(` after `{name}`"))
    }
}

/// The statements of a group up to and including its closing `}`.
fn group_body<'a>(
    mut input: &'a str,
    name: &'a str,
    depth: usize,
) -> Parsed<'a, Vec<Statement<'a>>> {
    let mut body = Vec::new();
    loop {
        let (rest, ()) = trivia(input)?;
        if let Some(rest) = rest.strip_prefix('}') {
            // Some writers put `;` after a group's brace.
            let (after, ()) = trivia(rest)?;
            return Ok((after.strip_prefix(';').unwrap_or(rest), body));
        }
        if let Some(rest) = rest.strip_prefix(';') {
            input = rest;
            continue;
        }
        if rest.is_empty() {
            return Err(nom::Err::Failure(SyntaxError {
                at: rest,
                message: Cow::Owned(format!("expected `}}` closing group `{name}`")),
                unclosed: Some(name),
            }));
        }
        let (rest, s) = statement(rest, depth)?;
        body.push(s);
        input = rest;
    }
}

/// A parenthesised argument list after its `(`, up to and including the `)`.
fn arguments(mut input: &str) -> Parsed<'_, Vec<Value<'_>>> {
    let mut args = Vec::new();
    loop {
        let (rest, ()) = trivia(input)?;
        if let Some(rest) = rest.strip_prefix(')') {
            return Ok((rest, args));
        }
        let (rest, value) = if rest.starts_with('"') {
            let (rest, s) = quoted(rest)?;
            (rest, Value::Quoted(s))
        } else {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ',' | '(' | ')' | '"' | '{' | '}' | ';')
                })
                .unwrap_or(rest.len());
            if end == 0 {
                return fail(rest, "expected an argument, `,` or `)`");
            }
            (&rest[end..], Value::Bare(&rest[..end]))
        };
        args.push(value);
        let (rest, ()) = trivia(rest)?;
        input = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// A `"quoted string"`; returns its contents. A backslash escapes the next character.
fn quoted(input: &str) -> Parsed<'_, &str> {
    let bytes = input.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            // `"` is ASCII, so `i` is a character boundary here.
            b'"' => return Ok((&input[i + 1..], &input[1..i])),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    fail(input, "unterminated string: expected a closing `\"`")
}

/// An unquoted simple-attribute value: up to `;`, the end of the line, a brace or a comment.
fn bare_value(input: &str) -> (&str, &str) {
    let bytes = input.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b';' | b'\n' | b'\r' | b'{' | b'}' => break,
            b'/' if matches!(bytes.get(i + 1), Some(b'*' | b'/')) => break,
            _ => i += 1,
        }
    }
    // Stopped at an ASCII byte or the end, so `i` is a character boundary.
    (&input[i..], input[..i].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_attributes() {
        let text = "library (lib) {\n  /* c */ time_unit : \"1ns\" ;\n  area : 1.5\n  define(a, b, c);\n  cell (X) { pin (A) { direction : input; } }\n}\n";
        let top = parse_statements(text).unwrap();
        assert_eq!(top.len(), 1);
        let Statement::Group(lib) = &top[0] else { panic!("expected a group") };
        assert_eq!(lib.name, "library");
        assert_eq!(lib.args, vec![Value::Bare("lib")]);
        assert_eq!(lib.simple("time_unit"), Some(Value::Quoted("1ns")));
        assert_eq!(lib.simple("area"), Some(Value::Bare("1.5")));
        assert!(
            matches!(&lib.body[2], Statement::Complex { name: "define", args } if args.len() == 3)
        );
        let cell = lib.groups().next().unwrap();
        assert_eq!(cell.name, "cell");
        assert_eq!(cell.groups().next().unwrap().simple("direction"), Some(Value::Bare("input")));
    }

    #[test]
    fn continuations_and_comments() {
        let text = "values (\"1, 2\", \\\n \"3, 4\"); // end\n x : y }";
        let err = parse_statements(text).unwrap_err();
        assert!(err.message.contains("no group open"), "{}", err.message);
        let ok = parse_statements("values (\"1, 2\", \\\r\n \"3, 4\"); // end\n x : y").unwrap();
        assert_eq!(ok.len(), 2);
        assert!(matches!(&ok[0], Statement::Complex { args, .. } if args.len() == 2));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let text = "library (l) {\n  cell (X) {\n";
        let err = parse_statements(text).unwrap_err();
        assert_eq!(err.at, "");
        assert_eq!(err.unclosed.map(|n| offset_in(text, n)), Some(16));
        let text = "a : \"abc";
        assert_eq!(offset_in(text, parse_statements(text).unwrap_err().at), 4);
        let text = "a b;";
        assert_eq!(offset_in(text, parse_statements(text).unwrap_err().at), 2);
        let deep = "g () {".repeat(1000);
        assert!(parse_statements(&deep).unwrap_err().message.contains("too deeply"));
    }
}
