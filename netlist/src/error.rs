//! Errors and diagnostics.
//!
//! Every parser reports problems as a [`ParseError`] that names the file, the line and the column
//! (both 1-based) and says what was expected. Structural problems found after parsing (loops,
//! several drivers) are [`NetlistError`]s; problems that have a stated default policy (an undriven
//! net, a three-state cell) are [`Diagnostic`] warnings kept on the netlist.

use std::fmt;

/// A position in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, serde::Serialize)]
pub struct SourcePos {
    /// Line number, starting at 1 (0 when unknown).
    pub line: u32,
    /// Column number in characters, starting at 1 (0 when unknown).
    pub column: u32,
}

impl SourcePos {
    /// The position of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Count characters, not bytes, so columns match what an editor shows. Invalid UTF-8
        // cannot occur: `text` is a `str`, but `offset` may split a character, so be lenient.
        let column =
            String::from_utf8_lossy(&text.as_bytes()[line_start..offset]).chars().count() + 1;
        SourcePos { line: line as u32, column: column as u32 }
    }

    /// The position of `rest`, a suffix of `text` (as nom leaves it after a failed parse).
    pub fn of_suffix(text: &str, rest: &str) -> Self {
        Self::of_offset(text, text.len().saturating_sub(rest.len()))
    }
}

impl fmt::Display for SourcePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A syntax or semantic error in an input file, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{pos}: {message}")]
pub struct ParseError {
    /// The file name as given by the caller (or `<input>` for in-memory text).
    pub file: String,
    /// Where the problem is.
    pub pos: SourcePos,
    /// What was found and what was expected.
    pub message: String,
}

impl ParseError {
    /// An error at byte `offset` of `text`.
    pub fn at_offset(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            file: file.to_string(),
            pos: SourcePos::of_offset(text, offset),
            message: message.into(),
        }
    }

    /// An error at a known position.
    pub fn at(file: &str, pos: SourcePos, message: impl Into<String>) -> Self {
        ParseError { file: file.to_string(), pos, message: message.into() }
    }
}

/// A problem that is not fatal: the netlist was built using the stated policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Where it was found, if it has a place in the source.
    pub pos: Option<SourcePos>,
    /// The message, including the policy applied.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{}: warning: {}", pos, self.message),
            None => write!(f, "warning: {}", self.message),
        }
    }
}

/// Any error produced by reading or compiling a netlist.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetlistError {
    /// The input text is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A net has more than one driver; the netlist cannot be compiled.
    #[error("net `{net}` has {count} drivers: {drivers}")]
    MultipleDrivers {
        /// The net's name.
        net: String,
        /// How many drivers it has.
        count: usize,
        /// The drivers (cell names with source lines).
        drivers: String,
    },
    /// Combinational logic forms a cycle.
    #[error("combinational loop through nets: {}", .nets.join(" -> "))]
    CombinationalLoop {
        /// Names of the nets on the loop, in order.
        nets: Vec<String>,
    },
    /// A netlist is too large for the 32-bit ids used throughout.
    #[error("netlist too large: {0}")]
    TooLarge(String),
    /// Something else is wrong with the netlist's structure.
    #[error("{0}")]
    Invalid(String),
}
