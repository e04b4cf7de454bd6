//! Structural Verilog reader. PLACEHOLDER: being written.

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
pub fn parse_verilog(_text: &str, _file: &str, _options: &VerilogOptions<'_>) -> Result<Netlist, ParseError> {
    Err(ParseError::at(_file, Default::default(), "Verilog reader not implemented"))
}
