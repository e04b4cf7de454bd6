//! Structural Verilog reader (the IEEE 1364 subset gate-level netlists use), with the module
//! hierarchy flattened into one [`Netlist`].
//!
//! Pipeline (private submodules): `lexer` (bytes to tokens on demand; comments, attributes and
//! compiler directives dropped) → `parser` and `expression` (nom parsers over positions in the
//! lexed text, building the borrowed syntax tree of `ast`) → `elaborate` (top module, hierarchy, cells, nets).
//!
//! What is understood:
//! - several modules per file (or per call, see [`parse_verilog_sources`]); the top module is
//!   [`VerilogOptions::top`] or the one module no other module instantiates;
//! - ANSI and non-ANSI port lists; `input`/`output`/`inout`/`wire`/`tri`/`supply0`/`supply1`
//!   declarations with ranges in either direction; parameters (`parameter`, `#(...)` headers and
//!   instance overrides) as far as ranges and indices need them;
//! - bit and part selects, concatenations and replications, sized and unsized literals;
//! - gate primitives `and nand or nor xor xnor not buf` (named or not, with delays and strengths
//!   skipped, several per statement, `buf`/`not` with several outputs), and `bufif0/1`,
//!   `notif0/1` as plain buffers/inverters with a warning (three-state is not modelled);
//! - `assign` with `~ & | ^ ~^ ! && || == != ?:`, reductions and parentheses;
//! - module instances with named, positional and empty connections; Liberty cells (through
//!   [`crate::liberty::LibCell::instantiate`]); Yosys internal cells (`$_AND_`, `$_MUX_`,
//!   `$_DFF_PP0_`, `$_DFFE_PP_`, `$_SDFF_...`, `$_DLATCH_...`);
//! - flip-flop models: a module called `dff`, or written as `always @(posedge CK) Q <= D;`, or at
//!   switch level, becomes one flip-flop (see `elaborate/flop_model.rs`).
//!
//! Naming: nets and cells of instance `u2` inside `u1` are `u1/u2/name`. Bit `i` of vector `a`
//! is the net `a[i]`, the same net the escaped identifier `\a[i] ` names. Unnamed gate
//! primitives are called `prim_N` (unique in their module); the outputs of a `buf` or `not`
//! with several outputs are the cells `name[0]`, `name[1]`, ... Top-level ports become input
//! and output cells bit by bit, in declaration order, each vector from the left index of its
//! declared range (`input [3:0] a` gives `a[3]`, `a[2]`, `a[1]`, `a[0]`); an `inout` top port
//! is treated as an input, with a warning.
//!
//! Cell types resolve in this order: a module defined in the sources (an empty stub module
//! defers to the library), a Liberty cell, a Yosys internal cell, and the ISCAS-89 `dff` (CK, Q,
//! D) when nothing of that name is defined.
//!
//! Implicit nets: an undeclared name is a one-bit wire, as Verilog says; an undeclared name
//! with a select is an error.
//!
//! Widths (see `elaborate/values.rs`): operands of bitwise operators are zero-extended to the
//! wider one; values are truncated or zero-extended to what they are assigned to, and an input
//! port takes the low bits of its connection, zero-extended. An output port drives the low bits
//! of its connection; surplus connection bits stay undriven and surplus port bits stay
//! unconnected nets of the instance. Each adjustment is a warning on the netlist, except for
//! unsized literals (`0`, `'b1`), which adapt silently.
//!
//! Expressions become primitive gates through [`Netlist::lower_expr`]: chains of one operator
//! are one gate (`a & b & c` is a 3-input AND), and an AND or OR of inverted operands is a NOR
//! or NAND (`~a & ~b`, the AIG idiom of the EPFL files, is one gate).
//!
//! Not supported (reported as errors with their position when they are used): behavioural code
//! other than a flip-flop model, `generate`, arrays of instances or nets, memories, arithmetic
//! and relational operators, hierarchical references, macros; `` `ifdef `` is not evaluated
//! (every branch is read, with a warning).

mod ast;
mod elaborate;
mod expression;
mod lexer;
mod number;
mod parser;
mod tokens;

use crate::error::ParseError;
use crate::liberty::Library;
use crate::netlist::Netlist;

/// Options for reading Verilog.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerilogOptions<'a> {
    /// The top module; by default the one module no other module instantiates.
    pub top: Option<&'a str>,
    /// Standard cells to recognise.
    pub library: Option<&'a Library>,
}

/// Parses structural Verilog text; `file` names it in error messages.
///
/// The netlist is named after the top module. Problems with a default policy (width
/// mismatches, three-state primitives, skipped `specify` blocks) are warnings in
/// [`Netlist::diagnostics`]; everything else is a [`ParseError`] with file, line and column.
///
/// ```
/// use netlist::verilog::{parse_verilog, VerilogOptions};
/// let text = "module top(input a, b, output y); nand g1 (y, a, b); endmodule";
/// let netlist = parse_verilog(text, "top.v", &VerilogOptions::default()).unwrap();
/// assert_eq!(netlist.name(), "top");
/// assert_eq!(netlist.gate_count(), 1);
/// ```
pub fn parse_verilog(
    text: &str,
    file: &str,
    options: &VerilogOptions<'_>,
) -> Result<Netlist, ParseError> {
    parse_verilog_sources(&[(file, text)], options)
}

/// Parses several Verilog sources as one design, given as `(file name, text)` pairs: a module
/// defined in one file may be instantiated in another. Errors name the file they are in.
pub fn parse_verilog_sources(
    sources: &[(&str, &str)],
    options: &VerilogOptions<'_>,
) -> Result<Netlist, ParseError> {
    // The syntax trees borrow from the sources, so these outlive the parsing loop.
    let texts = sources
        .iter()
        .map(|&(file, text)| lexer::Source::new(text, file))
        .collect::<Result<Vec<_>, _>>()?;
    let mut parsed = Vec::with_capacity(sources.len());
    let mut warnings = Vec::new();
    for (k, (&(file, text), source)) in sources.iter().zip(&texts).enumerate() {
        let input = tokens::Input::new(source);
        // A lexical error stops the parser where it is, so it is the error to report.
        let parsed_file = parser::source_file(input, k)
            .map_err(|e| source.take_error().unwrap_or_else(|| e.into_parse_error(file, text)))?;
        warnings.extend(
            source
                .take_notes()
                .into_iter()
                .chain(parsed_file.warnings.iter().cloned())
                .map(|(pos, m)| (k, pos, m)),
        );
        parsed.push(parsed_file);
    }
    let file_names: Vec<&str> = sources.iter().map(|&(file, _)| file).collect();
    elaborate::elaborate(&file_names, &parsed, warnings, options)
}
