//! The lexer: Verilog text to tokens, one at a time, as the parser asks for them.
//!
//! A hand-written byte loop rather than nom: it runs once over every byte of multi-megabyte
//! netlists, and doing comments, attributes and compiler directives here keeps the nom grammar
//! free of white-space handling. Tokens borrow nothing: they hold byte offsets into the text and
//! the line and column of their first character, tracked incrementally in the [`Cursor`] so a
//! position costs nothing extra (computing one from an offset later would be O(file size) per
//! lookup).
//!
//! Skipped here: white space, `//` and `/* */` comments, `(* attribute *)` instances and compiler
//! directives (`` `timescale `` and friends). Conditional compilation (`` `ifdef ``) is not
//! evaluated; both branches are read and a warning says so. Macro uses are an error.
//!
//! The end of the text is an [`Tok::Eof`] token, which parsers never consume, so a parser can
//! always look at the "current" token; a lexical error is a [`Tok::Error`] token, which none
//! accepts.

use std::cell::{Cell, RefCell};

use crate::error::{ParseError, SourcePos};

/// Keywords the grammar looks at. Everything else that looks like a word is [`Tok::Ident`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kw {
    Module,
    Macromodule,
    Endmodule,
    Primitive,
    Endprimitive,
    Input,
    Output,
    Inout,
    Wire,
    Tri,
    Tri0,
    Tri1,
    Triand,
    Trior,
    Trireg,
    Wand,
    Wor,
    Uwire,
    Supply0,
    Supply1,
    Reg,
    Logic,
    Integer,
    Real,
    Realtime,
    Time,
    Event,
    Genvar,
    Signed,
    Unsigned,
    Vectored,
    Scalared,
    Parameter,
    Localparam,
    Defparam,
    Specparam,
    Assign,
    Always,
    AlwaysFf,
    AlwaysComb,
    AlwaysLatch,
    Initial,
    Function,
    Endfunction,
    Task,
    Endtask,
    Generate,
    Endgenerate,
    Specify,
    Endspecify,
    Begin,
    End,
    Fork,
    Join,
    If,
    Else,
    Case,
    Casex,
    Casez,
    Endcase,
    For,
    While,
    Repeat,
    Forever,
    Wait,
    Posedge,
    Negedge,
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
    Nmos,
    Pmos,
    Cmos,
    Rnmos,
    Rpmos,
    Rcmos,
    Tran,
    Tranif0,
    Tranif1,
    Rtran,
    Rtranif0,
    Rtranif1,
    Pullup,
    Pulldown,
}

impl Kw {
    /// Classifies a simple identifier.
    #[inline]
    fn from_word(word: &str) -> Option<Kw> {
        // Every keyword starts with two lower-case letters and has 2 to 12 characters; most
        // netlist names (`n123`, `_05_`, `G12`) fail this at once, inlined where names are read.
        let b = word.as_bytes();
        if b.len() < 2 || b.len() > 12 || !b[0].is_ascii_lowercase() || !b[1].is_ascii_lowercase() {
            return None;
        }
        Kw::keyword(word)
    }

    /// The keyword `word` is, if any.
    fn keyword(word: &str) -> Option<Kw> {
        Some(match word {
            "module" => Kw::Module,
            "macromodule" => Kw::Macromodule,
            "endmodule" => Kw::Endmodule,
            "primitive" => Kw::Primitive,
            "endprimitive" => Kw::Endprimitive,
            "input" => Kw::Input,
            "output" => Kw::Output,
            "inout" => Kw::Inout,
            "wire" => Kw::Wire,
            "tri" => Kw::Tri,
            "tri0" => Kw::Tri0,
            "tri1" => Kw::Tri1,
            "triand" => Kw::Triand,
            "trior" => Kw::Trior,
            "trireg" => Kw::Trireg,
            "wand" => Kw::Wand,
            "wor" => Kw::Wor,
            "uwire" => Kw::Uwire,
            "supply0" => Kw::Supply0,
            "supply1" => Kw::Supply1,
            "reg" => Kw::Reg,
            "logic" => Kw::Logic,
            "integer" => Kw::Integer,
            "real" => Kw::Real,
            "realtime" => Kw::Realtime,
            "time" => Kw::Time,
            "event" => Kw::Event,
            "genvar" => Kw::Genvar,
            "signed" => Kw::Signed,
            "unsigned" => Kw::Unsigned,
            "vectored" => Kw::Vectored,
            "scalared" => Kw::Scalared,
            "parameter" => Kw::Parameter,
            "localparam" => Kw::Localparam,
            "defparam" => Kw::Defparam,
            "specparam" => Kw::Specparam,
            "assign" => Kw::Assign,
            "always" => Kw::Always,
            "always_ff" => Kw::AlwaysFf,
            "always_comb" => Kw::AlwaysComb,
            "always_latch" => Kw::AlwaysLatch,
            "initial" => Kw::Initial,
            "function" => Kw::Function,
            "endfunction" => Kw::Endfunction,
            "task" => Kw::Task,
            "endtask" => Kw::Endtask,
            "generate" => Kw::Generate,
            "endgenerate" => Kw::Endgenerate,
            "specify" => Kw::Specify,
            "endspecify" => Kw::Endspecify,
            "begin" => Kw::Begin,
            "end" => Kw::End,
            "fork" => Kw::Fork,
            "join" => Kw::Join,
            "if" => Kw::If,
            "else" => Kw::Else,
            "case" => Kw::Case,
            "casex" => Kw::Casex,
            "casez" => Kw::Casez,
            "endcase" => Kw::Endcase,
            "for" => Kw::For,
            "while" => Kw::While,
            "repeat" => Kw::Repeat,
            "forever" => Kw::Forever,
            "wait" => Kw::Wait,
            "posedge" => Kw::Posedge,
            "negedge" => Kw::Negedge,
            "and" => Kw::And,
            "nand" => Kw::Nand,
            "or" => Kw::Or,
            "nor" => Kw::Nor,
            "xor" => Kw::Xor,
            "xnor" => Kw::Xnor,
            "not" => Kw::Not,
            "buf" => Kw::Buf,
            "bufif0" => Kw::Bufif0,
            "bufif1" => Kw::Bufif1,
            "notif0" => Kw::Notif0,
            "notif1" => Kw::Notif1,
            "nmos" => Kw::Nmos,
            "pmos" => Kw::Pmos,
            "cmos" => Kw::Cmos,
            "rnmos" => Kw::Rnmos,
            "rpmos" => Kw::Rpmos,
            "rcmos" => Kw::Rcmos,
            "tran" => Kw::Tran,
            "tranif0" => Kw::Tranif0,
            "tranif1" => Kw::Tranif1,
            "rtran" => Kw::Rtran,
            "rtranif0" => Kw::Rtranif0,
            "rtranif1" => Kw::Rtranif1,
            "pullup" => Kw::Pullup,
            "pulldown" => Kw::Pulldown,
            _ => return None,
        })
    }
}

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    /// A simple identifier that is not a keyword.
    Ident,
    /// An escaped identifier; its text excludes the backslash and the terminating white space.
    Escaped,
    /// A system name such as `$display`.
    System,
    /// An unsigned decimal integer (digits and `_`).
    Number,
    /// The based part of a constant: `'b0101`, `'hF`, `'sd3` (white space removed).
    Based,
    /// A real number (`1.5`, `2e-3`); only delays use them.
    Real,
    /// A string literal, quotes included.
    Str,
    Kw(Kw),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Colon,
    Dot,
    Hash,
    At,
    Question,
    Eq,
    Tilde,
    Amp,
    Pipe,
    Caret,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Lt,
    Gt,
    TildeAmp,
    TildePipe,
    /// `~^` or `^~`.
    TildeCaret,
    AmpAmp,
    PipePipe,
    EqEq,
    BangEq,
    EqEqEq,
    BangEqEq,
    LtEq,
    GtEq,
    Shl,
    Shr,
    AShl,
    AShr,
    Power,
    PlusColon,
    MinusColon,
    Arrow,
    /// Where the text cannot be lexed; the error is kept by the [`Source`]. No parser accepts
    /// it and the cursor never moves past it.
    Error,
    Eof,
}

impl Tok {
    /// How the token is written, for "expected ..." messages.
    pub(super) fn spelling(self) -> &'static str {
        match self {
            Tok::Ident | Tok::Escaped => "an identifier",
            Tok::System => "a system name",
            Tok::Number => "a number",
            Tok::Based => "a based number",
            Tok::Real => "a real number",
            Tok::Str => "a string",
            Tok::Kw(kw) => kw_spelling(kw),
            Tok::LParen => "`(`",
            Tok::RParen => "`)`",
            Tok::LBracket => "`[`",
            Tok::RBracket => "`]`",
            Tok::LBrace => "`{`",
            Tok::RBrace => "`}`",
            Tok::Comma => "`,`",
            Tok::Semi => "`;`",
            Tok::Colon => "`:`",
            Tok::Dot => "`.`",
            Tok::Hash => "`#`",
            Tok::At => "`@`",
            Tok::Question => "`?`",
            Tok::Eq => "`=`",
            Tok::Tilde => "`~`",
            Tok::Amp => "`&`",
            Tok::Pipe => "`|`",
            Tok::Caret => "`^`",
            Tok::Bang => "`!`",
            Tok::Plus => "`+`",
            Tok::Minus => "`-`",
            Tok::Star => "`*`",
            Tok::Slash => "`/`",
            Tok::Percent => "`%`",
            Tok::Lt => "`<`",
            Tok::Gt => "`>`",
            Tok::TildeAmp => "`~&`",
            Tok::TildePipe => "`~|`",
            Tok::TildeCaret => "`~^`",
            Tok::AmpAmp => "`&&`",
            Tok::PipePipe => "`||`",
            Tok::EqEq => "`==`",
            Tok::BangEq => "`!=`",
            Tok::EqEqEq => "`===`",
            Tok::BangEqEq => "`!==`",
            Tok::LtEq => "`<=`",
            Tok::GtEq => "`>=`",
            Tok::Shl => "`<<`",
            Tok::Shr => "`>>`",
            Tok::AShl => "`<<<`",
            Tok::AShr => "`>>>`",
            Tok::Power => "`**`",
            Tok::PlusColon => "`+:`",
            Tok::MinusColon => "`-:`",
            Tok::Arrow => "`->`",
            Tok::Error => "invalid text",
            Tok::Eof => "end of file",
        }
    }
}

impl Kw {
    /// The keyword as written.
    pub(super) fn text(self) -> &'static str {
        kw_spelling(self).trim_matches('`')
    }
}

/// The keyword as written, in backquotes.
fn kw_spelling(kw: Kw) -> &'static str {
    match kw {
        Kw::Module => "`module`",
        Kw::Macromodule => "`macromodule`",
        Kw::Endmodule => "`endmodule`",
        Kw::Primitive => "`primitive`",
        Kw::Endprimitive => "`endprimitive`",
        Kw::Input => "`input`",
        Kw::Output => "`output`",
        Kw::Inout => "`inout`",
        Kw::Wire => "`wire`",
        Kw::Tri => "`tri`",
        Kw::Tri0 => "`tri0`",
        Kw::Tri1 => "`tri1`",
        Kw::Triand => "`triand`",
        Kw::Trior => "`trior`",
        Kw::Trireg => "`trireg`",
        Kw::Wand => "`wand`",
        Kw::Wor => "`wor`",
        Kw::Uwire => "`uwire`",
        Kw::Supply0 => "`supply0`",
        Kw::Supply1 => "`supply1`",
        Kw::Reg => "`reg`",
        Kw::Logic => "`logic`",
        Kw::Integer => "`integer`",
        Kw::Real => "`real`",
        Kw::Realtime => "`realtime`",
        Kw::Time => "`time`",
        Kw::Event => "`event`",
        Kw::Genvar => "`genvar`",
        Kw::Signed => "`signed`",
        Kw::Unsigned => "`unsigned`",
        Kw::Vectored => "`vectored`",
        Kw::Scalared => "`scalared`",
        Kw::Parameter => "`parameter`",
        Kw::Localparam => "`localparam`",
        Kw::Defparam => "`defparam`",
        Kw::Specparam => "`specparam`",
        Kw::Assign => "`assign`",
        Kw::Always => "`always`",
        Kw::AlwaysFf => "`always_ff`",
        Kw::AlwaysComb => "`always_comb`",
        Kw::AlwaysLatch => "`always_latch`",
        Kw::Initial => "`initial`",
        Kw::Function => "`function`",
        Kw::Endfunction => "`endfunction`",
        Kw::Task => "`task`",
        Kw::Endtask => "`endtask`",
        Kw::Generate => "`generate`",
        Kw::Endgenerate => "`endgenerate`",
        Kw::Specify => "`specify`",
        Kw::Endspecify => "`endspecify`",
        Kw::Begin => "`begin`",
        Kw::End => "`end`",
        Kw::Fork => "`fork`",
        Kw::Join => "`join`",
        Kw::If => "`if`",
        Kw::Else => "`else`",
        Kw::Case => "`case`",
        Kw::Casex => "`casex`",
        Kw::Casez => "`casez`",
        Kw::Endcase => "`endcase`",
        Kw::For => "`for`",
        Kw::While => "`while`",
        Kw::Repeat => "`repeat`",
        Kw::Forever => "`forever`",
        Kw::Wait => "`wait`",
        Kw::Posedge => "`posedge`",
        Kw::Negedge => "`negedge`",
        Kw::And => "`and`",
        Kw::Nand => "`nand`",
        Kw::Or => "`or`",
        Kw::Nor => "`nor`",
        Kw::Xor => "`xor`",
        Kw::Xnor => "`xnor`",
        Kw::Not => "`not`",
        Kw::Buf => "`buf`",
        Kw::Bufif0 => "`bufif0`",
        Kw::Bufif1 => "`bufif1`",
        Kw::Notif0 => "`notif0`",
        Kw::Notif1 => "`notif1`",
        Kw::Nmos => "`nmos`",
        Kw::Pmos => "`pmos`",
        Kw::Cmos => "`cmos`",
        Kw::Rnmos => "`rnmos`",
        Kw::Rpmos => "`rpmos`",
        Kw::Rcmos => "`rcmos`",
        Kw::Tran => "`tran`",
        Kw::Tranif0 => "`tranif0`",
        Kw::Tranif1 => "`tranif1`",
        Kw::Rtran => "`rtran`",
        Kw::Rtranif0 => "`rtranif0`",
        Kw::Rtranif1 => "`rtranif1`",
        Kw::Pullup => "`pullup`",
        Kw::Pulldown => "`pulldown`",
    }
}

/// One token: kind, byte span and the position of its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    /// What it is.
    pub kind: Tok,
    /// Byte offset of the token's text (for escaped identifiers, after the backslash).
    pub start: u32,
    /// Byte offset just past the token's text.
    pub end: u32,
    /// 1-based line of the token's first character.
    pub line: u32,
    /// 1-based column (in characters) of the token's first character.
    pub column: u32,
}

impl Token {
    /// The cursor at the start of this token, for an identifier (an escaped identifier's span
    /// leaves out its backslash).
    pub(super) fn cursor(&self) -> Cursor {
        Cursor { offset: self.start, line: self.line, column: self.column }
    }

    /// Whether it is a name, plain or escaped.
    pub(super) fn is_name(&self) -> bool {
        matches!(self.kind, Tok::Ident | Tok::Escaped)
    }

    /// Where the token is.
    pub(super) fn pos(&self) -> SourcePos {
        SourcePos { line: self.line, column: self.column }
    }

    /// The token's text.
    pub(super) fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// Where lexing resumes: a byte offset and the line and column of that byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    offset: u32,
    line: u32,
    column: u32,
}

/// One source text, lexed on demand: the parser asks for the token after a [`Cursor`], which
/// moves past it, so no token array is ever built (on a million-gate netlist that array was a
/// quarter of a gigabyte, and writing it cost more than lexing).
///
/// Every parser position over the text shares this: what lexing noticed on the way (skipped
/// directives) and the lexical error it stopped at, if any. Lexing is deterministic, so a
/// position the parser backtracks to lexes to the same tokens again.
pub(super) struct Source<'a> {
    /// The text.
    pub text: &'a str,
    file: &'a str,
    /// Non-fatal notes (conditional compilation not evaluated, `include not followed), in
    /// text order.
    notes: RefCell<Vec<(SourcePos, String)>>,
    /// One past the offset of the last directive noted: lexing a directive again after
    /// backtracking notes nothing.
    noted_to: Cell<u32>,
    /// The first lexical error, once lexing has reached it. The cursor never moves past it
    /// (see [`Tok::Error`]), so there is at most one.
    error: RefCell<Option<ParseError>>,
}

impl<'a> Source<'a> {
    /// A source for `text`; `file` names it in errors.
    pub(super) fn new(text: &'a str, file: &'a str) -> Result<Self, ParseError> {
        if u32::try_from(text.len()).is_err() {
            return Err(ParseError::at(
                file,
                SourcePos { line: 1, column: 1 },
                "file too large (over 4 GiB)",
            ));
        }
        Ok(Source {
            text,
            file,
            notes: RefCell::new(Vec::new()),
            noted_to: Cell::new(0),
            error: RefCell::new(None),
        })
    }

    /// The cursor at the start of the text.
    pub(super) fn start(&self) -> Cursor {
        Cursor { offset: 0, line: 1, column: 1 }
    }

    /// Reads the token at or after `cursor` (white space, comments, attributes and directives
    /// skipped) into `tok` and moves `cursor` just past it. At the end of the text the token is
    /// [`Tok::Eof`]; at a lexical error, a [`Tok::Error`] token at the error, and the error is
    /// kept (see [`Source::take_error`]). Neither moves the cursor.
    ///
    /// Both are written in place: returning them as a value made the caller copy them back
    /// with wide loads right after the narrow stores that wrote them, a stall per token.
    pub(super) fn next_token(&self, tok: &mut Token, cursor: &mut Cursor) {
        let mut lexer = Lexer {
            source: self,
            bytes: self.text.as_bytes(),
            offset: cursor.offset as usize,
            line: cursor.line,
            column: cursor.column,
        };
        match lexer.token() {
            Ok(token) => {
                *tok = token;
                *cursor =
                    Cursor { offset: lexer.offset as u32, line: lexer.line, column: lexer.column };
            }
            Err(Failed) => {
                *tok = Token {
                    kind: Tok::Error,
                    start: lexer.offset as u32,
                    end: lexer.offset as u32,
                    line: lexer.line,
                    column: lexer.column,
                };
            }
        }
    }

    /// Reads a list of plain identifiers, `name sep name ... close`, straight from the bytes at
    /// `from`: one pass over the list without dispatching on every token, for the name lists
    /// of gate terminals and wire declarations a large netlist is made of. Only blanks (space,
    /// tab, carriage return, line feed) may stand around the names. Each name is passed to
    /// `name` as the [`Tok::Ident`] token the lexer would have made; the result is the cursor
    /// after `close`.
    ///
    /// `None` for anything else (comments, attributes, directives, escaped or system names,
    /// keywords, other characters, the end of the text), after passing the names before it:
    /// the caller then drops those and reads the list token by token.
    pub(super) fn plain_names(
        &self,
        from: Cursor,
        sep: u8,
        close: u8,
        mut name: impl FnMut(Token),
    ) -> Option<Cursor> {
        let mut bytes = PlainBytes::new(self.text, from);
        loop {
            name(bytes.name()?);
            match bytes.byte()? {
                b if b == close => return Some(bytes.cursor()),
                b if b == sep => {}
                _ => return None,
            }
        }
    }

    /// Reads what follows a gate primitive's keyword up to its terminal list, `[name] (`,
    /// straight from the bytes at `from` like [`Source::plain_names`]: the instance name, if
    /// written, and the cursor after `(`. `None` for anything else (strengths, delays, escaped
    /// names, comments, ...).
    pub(super) fn plain_gate_head(&self, from: Cursor) -> Option<(Option<Token>, Cursor)> {
        let mut bytes = PlainBytes::new(self.text, from);
        let name = match bytes.peek_byte()? {
            b'(' => None,
            _ => Some(bytes.name()?),
        };
        (bytes.byte()? == b'(').then(|| (name, bytes.cursor()))
    }

    /// The cursor after the byte `byte` at `from`, after blanks, if that is what is there.
    pub(super) fn plain_byte(&self, from: Cursor, byte: u8) -> Option<Cursor> {
        let mut bytes = PlainBytes::new(self.text, from);
        (bytes.byte()? == byte).then(|| bytes.cursor())
    }

    /// The lexical error lexing reached, if any.
    pub(super) fn take_error(&self) -> Option<ParseError> {
        self.error.borrow_mut().take()
    }

    /// The notes about skipped text, in text order.
    pub(super) fn take_notes(&self) -> Vec<(SourcePos, String)> {
        self.notes.take()
    }

    /// Notes the directive at `offset`, unless it was noted before.
    fn note(&self, offset: usize, pos: SourcePos, message: String) {
        if offset as u32 >= self.noted_to.get() {
            self.notes.borrow_mut().push((pos, message));
            self.noted_to.set(offset as u32 + 1);
        }
    }
}

/// A position in the text for the byte-level readers of [`Source::plain_names`]: only blanks
/// (space, tab, carriage return, line feed) and plain identifiers, with the line and column
/// kept as the lexer keeps them.
struct PlainBytes<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    line: u32,
    column: u32,
}

impl<'a> PlainBytes<'a> {
    #[inline]
    fn new(text: &'a str, from: Cursor) -> Self {
        let (at, line, column) = (from.offset as usize, from.line, from.column);
        PlainBytes { bytes: text.as_bytes(), text, at, line, column }
    }

    #[inline]
    fn cursor(&self) -> Cursor {
        Cursor { offset: self.at as u32, line: self.line, column: self.column }
    }

    #[inline]
    fn skip_blanks(&mut self) {
        loop {
            match self.bytes.get(self.at) {
                Some(b' ' | b'\t' | b'\r') => self.column += 1,
                Some(b'\n') => {
                    self.line += 1;
                    self.column = 1;
                }
                _ => return,
            }
            self.at += 1;
        }
    }

    /// The byte after blanks, not moving past it; `None` at the end of the text.
    #[inline]
    fn peek_byte(&mut self) -> Option<u8> {
        self.skip_blanks();
        self.bytes.get(self.at).copied()
    }

    /// The byte after blanks, moving past it (which must then be a one-column character, as
    /// the punctuation callers look for is); `None` at the end of the text.
    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let b = self.peek_byte()?;
        self.at += 1;
        self.column += 1;
        Some(b)
    }

    /// The plain identifier after blanks as the lexer's token, moving past it; `None` when
    /// something else is there, a keyword included.
    #[inline]
    fn name(&mut self) -> Option<Token> {
        if !is_ident_start(self.peek_byte()?) {
            return None;
        }
        let start = self.at;
        let end = self.bytes[start + 1..]
            .iter()
            .position(|&b| !is_ident_char(b))
            .map_or(self.bytes.len(), |p| start + 1 + p);
        // Identifier bytes are ASCII, so both ends are character boundaries.
        if Kw::from_word(&self.text[start..end]).is_some() {
            return None;
        }
        let (line, column) = (self.line, self.column);
        self.column += (end - start) as u32;
        self.at = end;
        Some(Token { kind: Tok::Ident, start: start as u32, end: end as u32, line, column })
    }
}

/// A lexical error, kept in the [`Source`] (a token result stays small: it is returned once per
/// token).
struct Failed;

struct Lexer<'s, 'a> {
    source: &'s Source<'a>,
    bytes: &'a [u8],
    offset: usize,
    line: u32,
    column: u32,
}

/// Byte classes, looked up rather than computed: the lexer asks for every byte of the text.
const IDENT_START: u8 = 1;
const IDENT_CHAR: u8 = 2;
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() || c == b'_' {
            class[b] |= IDENT_START | IDENT_CHAR;
        }
        if c.is_ascii_digit() || c == b'$' {
            class[b] |= IDENT_CHAR;
        }
        b += 1;
    }
    class
};

fn is_ident_start(b: u8) -> bool {
    CLASS[b as usize] & IDENT_START != 0
}

fn is_ident_char(b: u8) -> bool {
    CLASS[b as usize] & IDENT_CHAR != 0
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

impl<'a> Lexer<'_, 'a> {
    fn src(&self) -> &'a str {
        self.source.text
    }

    fn pos(&self) -> SourcePos {
        SourcePos { line: self.line, column: self.column }
    }

    /// Keeps the error `message` at the current position in the source.
    #[cold]
    fn error(&self, message: impl Into<String>) -> Failed {
        let error = ParseError::at(self.source.file, self.pos(), message);
        self.source.error.borrow_mut().get_or_insert(error);
        Failed
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.offset + ahead).copied().unwrap_or(0)
    }

    /// Moves to byte `to`, keeping line and column up to date.
    fn advance_to(&mut self, to: usize) {
        let to = to.min(self.bytes.len());
        for &b in &self.bytes[self.offset..to] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xc0 != 0x80 {
                // Count characters, not bytes: skip UTF-8 continuation bytes.
                self.column += 1;
            }
        }
        self.offset = to;
    }

    /// Moves over `n` bytes that contain no newline and no multi-byte characters.
    fn bump(&mut self, n: usize) {
        self.offset += n;
        self.column += n as u32;
    }

    /// The token `kind` spanning `start..end`, which starts at `pos`.
    fn token_at(kind: Tok, start: usize, end: usize, pos: SourcePos) -> Token {
        Token { kind, start: start as u32, end: end as u32, line: pos.line, column: pos.column }
    }

    /// Index of the first byte at or after `from` for which `stop` holds (or the end).
    fn scan(&self, from: usize, stop: impl Fn(u8) -> bool) -> usize {
        self.bytes[from.min(self.bytes.len())..]
            .iter()
            .position(|&b| stop(b))
            .map_or(self.bytes.len(), |p| from + p)
    }

    /// Skips what carries no tokens, then reads one token and moves past it.
    fn token(&mut self) -> Result<Token, Failed> {
        while self.offset < self.bytes.len() {
            let b = self.bytes[self.offset];
            let start = self.offset;
            let pos = self.pos();
            match b {
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                    let end = self.scan(start + 1, |b| !matches!(b, b' ' | b'\t' | b'\r'));
                    self.bump(end - start);
                }
                b'\n' => {
                    self.offset += 1;
                    self.line += 1;
                    self.column = 1;
                }
                b'/' if self.peek(1) == b'/' => {
                    let end = self.scan(start, |b| b == b'\n');
                    self.advance_to(end);
                }
                b'/' if self.peek(1) == b'*' => match self.src()[start + 2..].find("*/") {
                    Some(p) => self.advance_to(start + 2 + p + 2),
                    None => return Err(self.error("unterminated `/*` comment")),
                },
                b'(' if self.peek(1) == b'*' && self.peek(2) != b')' => {
                    // An attribute instance `(* ... *)`: attributes carry no logic.
                    match self.src()[start + 2..].find("*)") {
                        Some(p) => self.advance_to(start + 2 + p + 2),
                        None => return Err(self.error("unterminated `(*` attribute")),
                    }
                }
                b'`' => self.directive()?,
                b'\\' => {
                    let end = self.scan(start + 1, is_space);
                    if end == start + 1 {
                        return Err(
                            self.error("empty escaped identifier: `\\` must be followed by a name")
                        );
                    }
                    // Only printable characters: a control character or non-ASCII white
                    // space could not be written back (IEEE 1364 allows printable ASCII).
                    let text = &self.src()[start + 1..end];
                    if let Some((at, c)) =
                        text.char_indices().find(|(_, c)| c.is_control() || c.is_whitespace())
                    {
                        self.advance_to(start + 1 + at);
                        return Err(self.error(format!(
                            "escaped identifier contains the {} character U+{:04X}; only \
                             printable characters are allowed",
                            if c.is_control() { "control" } else { "white-space" },
                            u32::from(c)
                        )));
                    }
                    self.advance_to(end);
                    return Ok(Self::token_at(Tok::Escaped, start + 1, end, pos));
                }
                b'$' => {
                    let end = self.scan(start + 1, |b| !is_ident_char(b));
                    self.bump(end - start);
                    return Ok(Self::token_at(Tok::System, start, end, pos));
                }
                b'"' => {
                    let mut i = start + 1;
                    loop {
                        match self.bytes.get(i) {
                            None | Some(b'\n') => return Err(self.error("unterminated string")),
                            Some(b'\\') => i += 2,
                            Some(b'"') => break,
                            Some(_) => i += 1,
                        }
                    }
                    self.advance_to(i + 1);
                    return Ok(Self::token_at(Tok::Str, start, i + 1, pos));
                }
                b'\'' => return self.based_number(start, pos),
                b'0'..=b'9' => return Ok(self.number(start, pos)),
                _ if is_ident_start(b) => {
                    let end = self.scan(start + 1, |b| !is_ident_char(b));
                    let word = &self.src()[start..end];
                    let kind = Kw::from_word(word).map_or(Tok::Ident, Tok::Kw);
                    self.bump(end - start);
                    return Ok(Self::token_at(kind, start, end, pos));
                }
                _ => {
                    let (kind, len) = self.operator()?;
                    self.bump(len);
                    return Ok(Self::token_at(kind, start, start + len, pos));
                }
            }
        }
        let end = self.bytes.len();
        Ok(Self::token_at(Tok::Eof, end, end, self.pos()))
    }

    fn operator(&self) -> Result<(Tok, usize), Failed> {
        let (b0, b1, b2) = (self.peek(0), self.peek(1), self.peek(2));
        Ok(match (b0, b1, b2) {
            (b'=', b'=', b'=') => (Tok::EqEqEq, 3),
            (b'!', b'=', b'=') => (Tok::BangEqEq, 3),
            (b'<', b'<', b'<') => (Tok::AShl, 3),
            (b'>', b'>', b'>') => (Tok::AShr, 3),
            (b'~', b'&', _) => (Tok::TildeAmp, 2),
            (b'~', b'|', _) => (Tok::TildePipe, 2),
            (b'~', b'^', _) | (b'^', b'~', _) => (Tok::TildeCaret, 2),
            (b'&', b'&', _) => (Tok::AmpAmp, 2),
            (b'|', b'|', _) => (Tok::PipePipe, 2),
            (b'=', b'=', _) => (Tok::EqEq, 2),
            (b'!', b'=', _) => (Tok::BangEq, 2),
            (b'<', b'=', _) => (Tok::LtEq, 2),
            (b'>', b'=', _) => (Tok::GtEq, 2),
            (b'<', b'<', _) => (Tok::Shl, 2),
            (b'>', b'>', _) => (Tok::Shr, 2),
            (b'*', b'*', _) => (Tok::Power, 2),
            (b'+', b':', _) => (Tok::PlusColon, 2),
            (b'-', b':', _) => (Tok::MinusColon, 2),
            (b'-', b'>', _) => (Tok::Arrow, 2),
            (b'(', ..) => (Tok::LParen, 1),
            (b')', ..) => (Tok::RParen, 1),
            (b'[', ..) => (Tok::LBracket, 1),
            (b']', ..) => (Tok::RBracket, 1),
            (b'{', ..) => (Tok::LBrace, 1),
            (b'}', ..) => (Tok::RBrace, 1),
            (b',', ..) => (Tok::Comma, 1),
            (b';', ..) => (Tok::Semi, 1),
            (b':', ..) => (Tok::Colon, 1),
            (b'.', ..) => (Tok::Dot, 1),
            (b'#', ..) => (Tok::Hash, 1),
            (b'@', ..) => (Tok::At, 1),
            (b'?', ..) => (Tok::Question, 1),
            (b'=', ..) => (Tok::Eq, 1),
            (b'~', ..) => (Tok::Tilde, 1),
            (b'&', ..) => (Tok::Amp, 1),
            (b'|', ..) => (Tok::Pipe, 1),
            (b'^', ..) => (Tok::Caret, 1),
            (b'!', ..) => (Tok::Bang, 1),
            (b'+', ..) => (Tok::Plus, 1),
            (b'-', ..) => (Tok::Minus, 1),
            (b'*', ..) => (Tok::Star, 1),
            (b'/', ..) => (Tok::Slash, 1),
            (b'%', ..) => (Tok::Percent, 1),
            (b'<', ..) => (Tok::Lt, 1),
            (b'>', ..) => (Tok::Gt, 1),
            _ => {
                let c = self.src()[self.offset..].chars().next().unwrap_or('\u{fffd}');
                return Err(self.error(format!("unexpected character {c:?}")));
            }
        })
    }

    /// Decimal digits, or a real number (`1.5`, `1e3`).
    fn number(&mut self, start: usize, pos: SourcePos) -> Token {
        let mut end = self.scan(start, |b| !(b.is_ascii_digit() || b == b'_'));
        let mut kind = Tok::Number;
        if self.bytes.get(end) == Some(&b'.')
            && self.bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
        {
            end = self.scan(end + 1, |b| !(b.is_ascii_digit() || b == b'_'));
            kind = Tok::Real;
        }
        if matches!(self.bytes.get(end), Some(b'e' | b'E')) {
            let mut e = end + 1;
            if matches!(self.bytes.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            if self.bytes.get(e).is_some_and(u8::is_ascii_digit) {
                end = self.scan(e, |b| !(b.is_ascii_digit() || b == b'_'));
                kind = Tok::Real;
            }
        }
        self.bump(end - start);
        Self::token_at(kind, start, end, pos)
    }

    /// `'[s]<base> digits`; white space is allowed between the base and the digits.
    fn based_number(&mut self, start: usize, pos: SourcePos) -> Result<Token, Failed> {
        let mut i = start + 1;
        if matches!(self.bytes.get(i), Some(b's' | b'S')) {
            i += 1;
        }
        if !matches!(self.bytes.get(i), Some(b'b' | b'B' | b'o' | b'O' | b'd' | b'D' | b'h' | b'H'))
        {
            return Err(self.error("expected a base (`b`, `o`, `d` or `h`) after `'`"));
        }
        i += 1;
        let digits = self.scan(i, |b| !matches!(b, b' ' | b'\t'));
        let end = self.scan(digits, |b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'?'));
        if end == digits {
            return Err(self.error("expected digits after the base of a number"));
        }
        // The span keeps any blanks between base and digits (`4'b 0101`); the number decoder
        // skips them.
        self.advance_to(end);
        Ok(Self::token_at(Tok::Based, start, end, pos))
    }

    /// A compiler directive: skipped, with a warning when skipping changes what is read.
    fn directive(&mut self) -> Result<(), Failed> {
        let start = self.offset;
        let pos = self.pos();
        let name_end = self.scan(start + 1, |b| !is_ident_char(b));
        let name = &self.src()[start + 1..name_end];
        let line_end = self.scan(start, |b| b == b'\n');
        let conditional =
            || format!("`{name}: conditional compilation is not evaluated; every branch is read");
        match name {
            // No arguments.
            "celldefine"
            | "endcelldefine"
            | "resetall"
            | "nounconnected_drive"
            | "end_keywords"
            | "protect"
            | "endprotect"
            | "accelerate"
            | "noaccelerate"
            | "enable_portfaults"
            | "disable_portfaults"
            | "suppress_faults"
            | "nosuppress_faults"
            | "delay_mode_distributed"
            | "delay_mode_path"
            | "delay_mode_unit"
            | "delay_mode_zero" => self.bump(name_end - start),
            "else" | "endif" => {
                self.source.note(start, pos, conditional());
                self.bump(name_end - start);
            }
            // One word argument.
            "ifdef" | "ifndef" | "elsif" | "undef" | "default_nettype" | "unconnected_drive" => {
                if matches!(name, "ifdef" | "ifndef" | "elsif") {
                    self.source.note(start, pos, conditional());
                }
                let arg_start = self.scan(name_end, |b| !matches!(b, b' ' | b'\t'));
                let arg_end = self.scan(arg_start, |b| !is_ident_char(b));
                self.advance_to(arg_end);
            }
            // The rest of the line.
            "timescale"
            | "line"
            | "pragma"
            | "begin_keywords"
            | "default_decay_time"
            | "default_trireg_strength" => self.advance_to(line_end),
            "include" => {
                let message = "`include is not followed; pass every file to the reader instead";
                self.source.note(start, pos, message.into());
                self.advance_to(line_end);
            }
            "define" => {
                // A macro definition may continue over lines ending in a backslash.
                let mut end = line_end;
                while end < self.bytes.len() && self.bytes[..end].trim_ascii_end().ends_with(b"\\")
                {
                    end = self.scan(end + 1, |b| b == b'\n');
                }
                self.advance_to(end);
            }
            "" => return Err(self.error("expected a compiler directive name after '`'")),
            _ => {
                return Err(self.error(format!(
                    "macro `{name} is not supported (the reader has no preprocessor); {}",
                    "expand macros first"
                )))
            }
        }
        Ok(())
    }
}
