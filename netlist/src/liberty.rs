//! Liberty (`.lib`, `.lib.gz`) standard-cell libraries: cell functions, flip-flops and latches,
//! scan pins; and the decomposition of a cell instance into primitive gates.
//!
//! Data flow, one file per step:
//! - `liberty/syntax.rs`: the generic Liberty syntax (groups, simple and complex attributes,
//!   comments, line continuations) into a tree that borrows from the text;
//! - `liberty/function.rs`: Liberty Boolean expressions into [`Expr`];
//! - `liberty/extract.rs`: the meaning of the attributes: cells, pins, `ff`/`latch`, scan and
//!   clock-gating roles;
//! - `liberty/model.rs` with `liberty/simplify.rs`: once per cell, its kind and its logic bound
//!   to pins and rewritten for few primitive gates (`(!A) | (!B)` is one NAND);
//! - `liberty/instantiate.rs`: [`LibCell::instantiate`], which puts one instance into a
//!   [`crate::Netlist`];
//! - `liberty/scan_swap.rs`: [`Library::scan_equivalent`] and [`LibCell::replace_flip_flop`],
//!   the scan flip-flop that replaces a plain one during scan insertion;
//! - `liberty/verilog_models.rs`: [`write_verilog_models`], Verilog behavioural models of the
//!   cells written from their Liberty functions, for simulating cell netlists.
//!
//! What each kind of cell becomes is listed at [`LibCellKind`] and in [`LibCell::instantiate`].
//! Invariants: no I/O except [`read_liberty`]; no panics on any input (nesting depths are
//! bounded, non-UTF-8 input is an error); malformed text is a [`ParseError`] with file, line and
//! column, while well-formed cells that cannot be modelled are loaded as
//! [`LibCellKind::Unsupported`] and only fail when instantiated.

mod cell;
mod extract;
mod function;
mod instantiate;
mod model;
mod scan_swap;
mod simplify;
mod syntax;
mod verilog_models;

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{NetlistError, ParseError, SourcePos};

pub use cell::{ClockGating, LibCell, LibCellKind, LibPin, ScanPins, StateElement, StateKind};
pub use function::{parse_function, FunctionError};
pub use verilog_models::{write_verilog_models, ModelError};

#[cfg(doc)]
use crate::expr::Expr;

/// A parsed Liberty library.
#[derive(Debug, Clone, Default)]
pub struct Library {
    name: String,
    cells: Vec<LibCell>,
    by_name: FxHashMap<String, usize>,
}

impl Library {
    /// Parses Liberty text; `file` names it in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Library, ParseError> {
        let statements = syntax::parse_statements(text).map_err(|e| {
            let mut message = e.message.into_owned();
            if let Some(open) = e.unclosed {
                let opened = SourcePos::of_offset(text, syntax::offset_in(text, open));
                message.push_str(&format!(" (opened at {opened})"));
            }
            ParseError::at(file, SourcePos::of_suffix(text, e.at), message)
        })?;
        let source = extract::Source { text, file };
        let (name, cells) = extract::extract_library(&source, &statements)?;
        let by_name = cells.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        Ok(Library { name, cells, by_name })
    }

    /// The library name (the argument of the first `library` group).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Looks a cell up by name.
    pub fn cell(&self, name: &str) -> Option<&LibCell> {
        self.by_name.get(name).and_then(|&i| self.cells.get(i))
    }

    /// All cells, in library order (then in the order libraries were merged).
    pub fn cells(&self) -> impl Iterator<Item = &LibCell> + '_ {
        self.cells.iter()
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the library has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Adds the cells of `other`. A cell this library already has is kept (the first library
    /// read wins, as in most tools); the names of the cells skipped that way are returned so
    /// the caller can report them.
    pub fn merge(&mut self, other: Library) -> Vec<String> {
        if self.name.is_empty() {
            self.name = other.name;
        }
        let mut skipped = Vec::new();
        for cell in other.cells {
            if self.by_name.contains_key(&cell.name) {
                skipped.push(cell.name);
            } else {
                self.by_name.insert(cell.name.clone(), self.cells.len());
                self.cells.push(cell);
            }
        }
        skipped
    }
}

/// Reads a Liberty file, gzip-compressed or not (recognised by its magic bytes `1f 8b`, not
/// by its name).
///
/// I/O and decompression problems are [`NetlistError::Io`] naming the path; malformed text,
/// including bytes that are not UTF-8, is [`NetlistError::Parse`] with line and column.
pub fn read_liberty(path: &Path) -> Result<Library, NetlistError> {
    let file = path.display().to_string();
    let io = |source| NetlistError::Io { path: file.clone(), source };
    let raw = std::fs::read(path).map_err(io)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 6);
        flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut out).map_err(io)?;
        out
    } else {
        raw
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let byte = bytes.get(valid).copied().unwrap_or(0);
        ParseError::at(
            &file,
            SourcePos::of_offset(prefix, valid),
            format!("invalid UTF-8 (byte 0x{byte:02x}): expected ASCII or UTF-8 text"),
        )
    })?;
    Ok(Library::parse(&text, &file)?)
}
