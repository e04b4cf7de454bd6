//! The lexer: Verilog text to a flat token array.
//!
//! A hand-written byte loop rather than nom: it runs once over every byte of multi-megabyte
//! netlists, and doing comments, attributes and compiler directives here keeps the nom grammar
//! free of white-space handling. Tokens borrow nothing: they hold byte offsets into the text and
//! the line and column of their first character, tracked incrementally so a position costs
//! nothing extra (computing one from an offset later would be O(file size) per lookup).
//!
//! Skipped here: white space, `//` and `/* */` comments, `(* attribute *)` instances and compiler
//! directives (`` `timescale `` and friends). Conditional compilation (`` `ifdef ``) is not
//! evaluated; both branches are read and a warning says so. Macro uses are an error.
//!
//! The token array always ends with one [`Tok::Eof`] token, which parsers never consume, so a
//! parser can always look at the "current" token.

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
    fn from_word(word: &str) -> Option<Kw> {
        // Every keyword starts with two lower-case letters and has 2 to 12 characters; most
        // netlist names (`n123`, `_05_`, `G12`) fail this at once.
        let b = word.as_bytes();
        if b.len() < 2 || b.len() > 12 || !b[0].is_ascii_lowercase() || !b[1].is_ascii_lowercase() {
            return None;
        }
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
            Tok::Eof => "end of file",
        }
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
    /// Where the token is.
    pub(super) fn pos(&self) -> SourcePos {
        SourcePos { line: self.line, column: self.column }
    }

    /// The token's text.
    pub(super) fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// The output of [`lex`]: tokens (ending with [`Tok::Eof`]) and warnings about skipped text.
pub(super) struct Lexed {
    /// The tokens.
    pub tokens: Vec<Token>,
    /// Non-fatal notes (conditional compilation not evaluated, `include not followed).
    pub warnings: Vec<(SourcePos, String)>,
}

/// Splits `src` into tokens.
pub(super) fn lex(src: &str, file: &str) -> Result<Lexed, ParseError> {
    if u32::try_from(src.len()).is_err() {
        return Err(ParseError::at(
            file,
            SourcePos { line: 1, column: 1 },
            "file too large (over 4 GiB)",
        ));
    }
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        file,
        offset: 0,
        line: 1,
        column: 1,
        // Netlists have about one token per 3 to 6 bytes; reserving generously avoids copying
        // the array when it grows (pages that are never touched cost nothing).
        tokens: Vec::with_capacity((src.len() / 3).min(1 << 24) + 16),
        warnings: Vec::new(),
    };
    lexer.run()?;
    let eof = Token {
        kind: Tok::Eof,
        start: src.len() as u32,
        end: src.len() as u32,
        line: lexer.line,
        column: lexer.column,
    };
    lexer.tokens.push(eof);
    Ok(Lexed { tokens: lexer.tokens, warnings: lexer.warnings })
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    file: &'a str,
    offset: usize,
    line: u32,
    column: u32,
    tokens: Vec<Token>,
    warnings: Vec<(SourcePos, String)>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

impl<'a> Lexer<'a> {
    fn pos(&self) -> SourcePos {
        SourcePos { line: self.line, column: self.column }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.file, self.pos(), message)
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

    fn push(&mut self, kind: Tok, start: usize, end: usize, pos: SourcePos) {
        self.tokens.push(Token {
            kind,
            start: start as u32,
            end: end as u32,
            line: pos.line,
            column: pos.column,
        });
    }

    /// Index of the first byte at or after `from` for which `stop` holds (or the end).
    fn scan(&self, from: usize, stop: impl Fn(u8) -> bool) -> usize {
        self.bytes[from.min(self.bytes.len())..]
            .iter()
            .position(|&b| stop(b))
            .map_or(self.bytes.len(), |p| from + p)
    }

    fn run(&mut self) -> Result<(), ParseError> {
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
                b'/' if self.peek(1) == b'*' => match self.src[start + 2..].find("*/") {
                    Some(p) => self.advance_to(start + 2 + p + 2),
                    None => return Err(self.error("unterminated `/*` comment")),
                },
                b'(' if self.peek(1) == b'*' && self.peek(2) != b')' => {
                    // An attribute instance `(* ... *)`: attributes carry no logic.
                    match self.src[start + 2..].find("*)") {
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
                    self.push(Tok::Escaped, start + 1, end, pos);
                    self.advance_to(end);
                }
                b'$' => {
                    let end = self.scan(start + 1, |b| !is_ident_char(b));
                    self.push(Tok::System, start, end, pos);
                    self.bump(end - start);
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
                    self.push(Tok::Str, start, i + 1, pos);
                    self.advance_to(i + 1);
                }
                b'\'' => self.based_number(start, pos)?,
                b'0'..=b'9' => self.number(start, pos),
                _ if is_ident_start(b) => {
                    let end = self.scan(start + 1, |b| !is_ident_char(b));
                    let word = &self.src[start..end];
                    let kind = Kw::from_word(word).map_or(Tok::Ident, Tok::Kw);
                    self.push(kind, start, end, pos);
                    self.bump(end - start);
                }
                _ => {
                    let (kind, len) = self.operator()?;
                    self.push(kind, start, start + len, pos);
                    self.bump(len);
                }
            }
        }
        Ok(())
    }

    fn operator(&self) -> Result<(Tok, usize), ParseError> {
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
                let c = self.src[self.offset..].chars().next().unwrap_or('\u{fffd}');
                return Err(self.error(format!("unexpected character {c:?}")));
            }
        })
    }

    /// Decimal digits, or a real number (`1.5`, `1e3`).
    fn number(&mut self, start: usize, pos: SourcePos) {
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
        self.push(kind, start, end, pos);
        self.bump(end - start);
    }

    /// `'[s]<base> digits`; white space is allowed between the base and the digits.
    fn based_number(&mut self, start: usize, pos: SourcePos) -> Result<(), ParseError> {
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
        self.push(Tok::Based, start, end, pos);
        self.advance_to(end);
        Ok(())
    }

    /// A compiler directive: skipped, with a warning when skipping changes what is read.
    fn directive(&mut self) -> Result<(), ParseError> {
        let start = self.offset;
        let pos = self.pos();
        let name_end = self.scan(start + 1, |b| !is_ident_char(b));
        let name = &self.src[start + 1..name_end];
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
                self.warnings.push((pos, conditional()));
                self.bump(name_end - start);
            }
            // One word argument.
            "ifdef" | "ifndef" | "elsif" | "undef" | "default_nettype" | "unconnected_drive" => {
                if matches!(name, "ifdef" | "ifndef" | "elsif") {
                    self.warnings.push((pos, conditional()));
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
                self.warnings.push((pos, message.into()));
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
