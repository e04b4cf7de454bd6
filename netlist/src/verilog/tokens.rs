//! The parser input (a position in the lexed text), the syntax error type, and the one-token
//! parsers the grammar is built from.
//!
//! Errors remember where the token they happened at starts; when `alt` has to choose,
//! the error that got furthest wins, and errors at the same token merge their "expected" lists.
//! That gives "expected `,` or `)`, found identifier `a`" without allocating on the happy path
//! (alternatives that fail during normal parsing build small fixed-size errors).

use nom::error::{ErrorKind, ParseError as NomParseError};
use nom::{IResult, InputLength};

use super::ast::Name;
use super::lexer::{Cursor, Kw, Source, Tok, Token};
use crate::error::{ParseError, SourcePos};

/// Deepest nesting of parentheses, concatenations, selects and conditionals inside one
/// expression, and most prefix operators on one operand. Real netlists stay far below; the
/// limit keeps hostile input from overflowing the stack (a level costs a few kilobytes of
/// stack in an optimised build, several times that in a debug build).
pub(super) const MAX_NESTING: u32 = 64;

/// The parser input: a position in the text (the current token, already lexed, and the cursor
/// after it) and the expression nesting depth there. Moving on lexes the next token; nothing
/// else is stored (see [`Source`]).
#[derive(Clone, Copy)]
pub(super) struct Input<'a> {
    source: &'a Source<'a>,
    /// The current token.
    tok: Token,
    /// Where the token after it starts being lexed.
    after: Cursor,
    /// Current expression nesting depth.
    pub depth: u32,
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input").field("tok", &self.tok).field("depth", &self.depth).finish()
    }
}

impl InputLength for Input<'_> {
    fn input_len(&self) -> usize {
        // Shrinks as parsing moves on, which is what nom's loop checks need.
        self.source.text.len() - self.tok.start as usize
    }
}

impl<'a> Input<'a> {
    /// The input at the start of `source`.
    pub(super) fn new(source: &'a Source<'a>) -> Self {
        let mut tok = Token { kind: Tok::Eof, start: 0, end: 0, line: 1, column: 1 };
        let mut after = source.start();
        source.next_token(&mut tok, &mut after);
        Input { source, tok, after, depth: 0 }
    }

    /// The current token.
    pub(super) fn peek(&self) -> Token {
        self.tok
    }

    /// The kind of the token `ahead` tokens further on (`Eof` past the end).
    pub(super) fn peek_kind(&self, ahead: usize) -> Tok {
        self.skip(ahead).tok.kind
    }

    /// The input after `n` tokens, never moving past the end-of-file token or a lexical error.
    pub(super) fn skip(self, n: usize) -> Self {
        let mut i = self;
        for _ in 0..n {
            i.advance();
        }
        i
    }

    /// The whole text.
    pub(super) fn source_text(&self) -> &'a str {
        self.source.text
    }

    /// Moves to the next token (not past the end of the file or a lexical error) and returns
    /// it: [`Input::skip`] in place, for loops that read token by token.
    pub(super) fn advance(&mut self) -> Token {
        if !matches!(self.tok.kind, Tok::Eof | Tok::Error) {
            self.source.next_token(&mut self.tok, &mut self.after);
        }
        self.tok
    }

    /// Reads the list of plain names `name sep name ... close` that starts right after the
    /// current token straight from the bytes (see [`Source::plain_names`]) and moves past
    /// `close`; `false`, with the input unmoved (names may have been passed already), when the
    /// list is not that simple.
    pub(super) fn plain_names_after(
        &mut self,
        sep: u8,
        close: u8,
        name: impl FnMut(Token),
    ) -> bool {
        match self.source.plain_names(self.after, sep, close, name) {
            Some(after) => self.resume(after),
            None => false,
        }
    }

    /// Reads the rest of a gate statement after the current token (its keyword),
    /// `[name] (a, b, ...);` with plain names and blanks only, straight from the bytes (see
    /// [`Source::plain_gate_head`]), passing the terminals to `terminal`, and moves past `;`:
    /// the instance name, if written. `None`, with the input unmoved (terminals may have been
    /// passed already), when the statement is not that simple.
    pub(super) fn plain_gate_after(
        &mut self,
        terminal: impl FnMut(Token),
    ) -> Option<Option<Token>> {
        let (name, open) = self.source.plain_gate_head(self.after)?;
        let close = self.source.plain_names(open, b',', b')', terminal)?;
        let after = self.source.plain_byte(close, b';')?;
        self.resume(after);
        Some(name)
    }

    /// Moves to the token after `cursor`; `true`.
    fn resume(&mut self, cursor: Cursor) -> bool {
        self.after = cursor;
        self.source.next_token(&mut self.tok, &mut self.after);
        true
    }

    /// Moves back to `tok`, a token read before from this input (so lexing it again has no
    /// effect but this).
    pub(super) fn back_to(&mut self, tok: Token) {
        self.after = tok.cursor();
        self.source.next_token(&mut self.tok, &mut self.after);
    }

    /// A token's text.
    pub(super) fn text(&self, tok: &Token) -> &'a str {
        tok.text(self.source.text)
    }

    /// The input one nesting level deeper, or an error when that is too deep.
    pub(super) fn nest(self) -> Result<Self, nom::Err<SyntaxError>> {
        if self.depth >= MAX_NESTING {
            return Err(nom::Err::Failure(SyntaxError::message(
                self,
                format!("expression nested more than {MAX_NESTING} levels deep"),
            )));
        }
        Ok(Input { depth: self.depth + 1, ..self })
    }

    /// The same position at nesting level `depth` (to leave a nested construct).
    pub(super) fn at_depth(self, depth: u32) -> Self {
        Input { depth, ..self }
    }
}

/// A parse result over tokens.
pub(super) type PResult<'a, O> = IResult<Input<'a>, O, SyntaxError>;

/// A syntax error: where, what was expected there, or a specific message. Kept small: every
/// parse result carries room for one, and parse results sit on the stack of every recursion.
#[derive(Debug, Clone)]
pub(super) struct SyntaxError {
    /// The token the error is at (one that starts later got further).
    at: Token,
    expected: [&'static str; 3],
    expected_count: u8,
    message: Option<Box<str>>,
}

impl SyntaxError {
    fn new(input: Input<'_>) -> Self {
        SyntaxError { at: input.peek(), expected: [""; 3], expected_count: 0, message: None }
    }

    /// "expected `what`" at the current token.
    pub(super) fn expected(input: Input<'_>, what: &'static str) -> Self {
        let mut e = SyntaxError::new(input);
        e.expected[0] = what;
        e.expected_count = 1;
        e
    }

    /// A specific message at the current token.
    pub(super) fn message(input: Input<'_>, message: impl Into<String>) -> Self {
        let mut e = SyntaxError::new(input);
        e.message = Some(message.into().into_boxed_str());
        e
    }

    /// A specific message at a given position (for checks made after parsing a construct).
    pub(super) fn message_at(input: Input<'_>, pos: SourcePos, message: impl Into<String>) -> Self {
        let mut e = SyntaxError::message(input, message);
        e.at.line = pos.line;
        e.at.column = pos.column;
        e
    }

    /// Converts to the crate's error type.
    pub(super) fn into_parse_error(self, file: &str, src: &str) -> ParseError {
        let pos = self.at.pos();
        if let Some(message) = self.message {
            return ParseError::at(file, pos, message);
        }
        // Long escaped identifiers or strings are cut in messages.
        let (start, end) =
            (self.at.start as usize, self.at.end.min(self.at.start.saturating_add(60)) as usize);
        let text =
            src.get(start..end).or_else(|| src.get(start..self.at.end as usize)).unwrap_or("");
        let found = describe_found(self.at, text);
        let expected = &self.expected[..self.expected_count as usize];
        let message = match expected {
            [] => format!("unexpected {found}"),
            [one] => format!("expected {one}, found {found}"),
            [init @ .., last] => format!("expected {} or {last}, found {found}", init.join(", ")),
        };
        ParseError::at(file, pos, message)
    }
}

/// "identifier `foo`", "`;`", "end of file".
fn describe_found(tok: Token, text: &str) -> String {
    match tok.kind {
        Tok::Ident | Tok::Escaped => format!("identifier `{text}`"),
        Tok::Kw(_) => format!("keyword `{text}`"),
        Tok::Number | Tok::Based | Tok::Real => format!("number `{text}`"),
        Tok::System => format!("system name `{text}`"),
        Tok::Str => format!("string {text}"),
        Tok::Eof => "end of file".to_string(),
        other => other.spelling().to_string(),
    }
}

impl<'a> NomParseError<Input<'a>> for SyntaxError {
    fn from_error_kind(input: Input<'a>, _kind: ErrorKind) -> Self {
        SyntaxError::new(input)
    }

    fn append(_input: Input<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // The alternative that got further explains the problem best; at the same token,
        // list everything that would have been accepted.
        if self.at.start != other.at.start {
            return if self.at.start > other.at.start { self } else { other };
        }
        if self.message.is_some() {
            return self;
        }
        if other.message.is_some() {
            return other;
        }
        let mut merged = other;
        for &e in &self.expected[..self.expected_count as usize] {
            let n = merged.expected_count as usize;
            if n < merged.expected.len() && !merged.expected[..n].contains(&e) {
                merged.expected[n] = e;
                merged.expected_count += 1;
            }
        }
        merged
    }
}

/// A recoverable "expected" error.
pub(super) fn fail<'a, O>(input: Input<'a>, what: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Error(SyntaxError::expected(input, what)))
}

/// A fatal error with a specific message at the current token.
pub(super) fn fatal<'a, O>(input: Input<'a>, message: impl Into<String>) -> PResult<'a, O> {
    Err(nom::Err::Failure(SyntaxError::message(input, message)))
}

/// One token of kind `kind`.
pub(super) fn tok<'a>(kind: Tok) -> impl Fn(Input<'a>) -> PResult<'a, Token> {
    move |i: Input<'a>| {
        let t = i.peek();
        if t.kind == kind && kind != Tok::Eof {
            Ok((i.skip(1), t))
        } else {
            fail(i, kind.spelling())
        }
    }
}

/// The keyword `kw`.
pub(super) fn kw<'a>(kw: Kw) -> impl Fn(Input<'a>) -> PResult<'a, Token> {
    tok(Tok::Kw(kw))
}

/// A simple or escaped identifier.
pub(super) fn identifier(i: Input<'_>) -> PResult<'_, Name<'_>> {
    let t = i.peek();
    match t.kind {
        Tok::Ident | Tok::Escaped => Ok((i.skip(1), Name { text: i.text(&t), pos: t.pos() })),
        _ => fail(i, "an identifier"),
    }
}

/// Whether the current token is `kind`.
pub(super) fn at(i: &Input<'_>, kind: Tok) -> bool {
    i.peek().kind == kind
}
