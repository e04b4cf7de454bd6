//! Liberty (`.lib`, `.lib.gz`) standard-cell libraries: cell functions, flip-flops and latches,
//! scan pins; and the decomposition of a cell instance into primitive gates.
//!
//! PLACEHOLDER: the public API below is the contract the Verilog reader uses; the implementation
//! is being written.

use crate::error::{ParseError, SourcePos};
use crate::netlist::{InstanceId, NetId, Netlist};

/// A parsed Liberty library.
#[derive(Debug, Clone, Default)]
pub struct Library {}

/// One cell of a [`Library`].
#[derive(Debug, Clone)]
pub struct LibCell {}

impl Library {
    /// Parses Liberty text; `file` names it in error messages.
    pub fn parse(_text: &str, _file: &str) -> Result<Library, ParseError> {
        Ok(Library {})
    }

    /// Looks a cell up by name.
    pub fn cell(&self, _name: &str) -> Option<&LibCell> {
        None
    }
}

impl LibCell {
    /// Pin names in library order (for positional connections).
    pub fn pin_names(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Decomposes one instance of this cell into primitive gates and flops of `netlist`.
    /// `connections` maps pin names to nets; returns the recorded instance.
    pub fn instantiate(
        &self,
        _netlist: &mut Netlist,
        _instance_name: &str,
        _connections: &[(&str, NetId)],
        _pos: SourcePos,
    ) -> Result<InstanceId, String> {
        Err("not implemented".into())
    }
}
