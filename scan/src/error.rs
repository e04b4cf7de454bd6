//! Errors of scan insertion and of the DEF reader.

use netlist::ParseError;

/// Why scan insertion could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A DEF file is malformed (with file, line and column).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A port name scan insertion needs is already a net of the design.
    #[error("the design already has a net named `{0}`; scan insertion needs it for a new port")]
    NameTaken(String),
    /// `--chains 0` or `--max-length 0`.
    #[error("{0} must be at least 1")]
    ZeroLimit(&'static str),
    /// Placement ordering was asked for, but flip-flops have no position.
    #[error("{missing} flip-flops have no position in the placement, for example `{example}`")]
    Unplaced {
        /// How many flip-flops are missing.
        missing: usize,
        /// The first one, in netlist order.
        example: String,
    },
    /// Shift-power ordering was asked for without patterns.
    #[error("shift-power ordering needs a pattern set")]
    NoPatterns,
    /// A pattern does not have one value per flip-flop.
    #[error("a pattern has {found} flip-flop values but the design has {expected} flip-flops")]
    PatternWidth {
        /// Values in the pattern.
        found: usize,
        /// Flip-flops in the design.
        expected: usize,
    },
}
