//! Structural comparison of two netlists, for round-trip tests and equivalence checks.

use crate::netlist::{CellKind, Netlist};

/// A canonical description of a netlist's logic, independent of cell names and creation order:
/// ports in order, flip-flops in order as `(q, d)`, and gates sorted by output net as
/// `(output, kind, inputs)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    /// Primary input net names, in order.
    pub inputs: Vec<String>,
    /// Primary output net names, in order.
    pub outputs: Vec<String>,
    /// `(q, d)` net names per flip-flop, in order.
    pub flops: Vec<(String, String)>,
    /// `(output, kind, inputs)` per gate, sorted.
    pub gates: Vec<(String, String, Vec<String>)>,
}

impl Netlist {
    /// The netlist's [`Structure`].
    pub fn structure(&self) -> Structure {
        let name = |c| self.cell(c).name.to_string();
        let mut gates = Vec::new();
        let mut flops = Vec::new();
        for cell in self.cells() {
            let inputs: Vec<String> =
                self.cell_inputs(cell).into_iter().map(|n| self.net_name(n).to_string()).collect();
            let output =
                self.cell_output(cell).map(|n| self.net_name(n).to_string()).unwrap_or_default();
            match self.cell(cell).kind {
                CellKind::Gate(kind) => gates.push((output, kind.bench_name().to_string(), inputs)),
                CellKind::Flop(_) => {
                    flops.push((output, inputs.into_iter().next().unwrap_or_default()))
                }
                _ => {}
            }
        }
        gates.sort();
        Structure {
            inputs: self.inputs().iter().map(|&c| name(c)).collect(),
            outputs: self.outputs().iter().map(|&c| name(c)).collect(),
            flops,
            gates,
        }
    }

    /// `None` when both netlists have the same [`Structure`], else the first difference.
    pub fn structural_difference(&self, other: &Netlist) -> Option<String> {
        let (a, b) = (self.structure(), other.structure());
        if a.inputs != b.inputs {
            return Some(format!("inputs differ: {:?} vs {:?}", a.inputs, b.inputs));
        }
        if a.outputs != b.outputs {
            return Some(format!("outputs differ: {:?} vs {:?}", a.outputs, b.outputs));
        }
        if a.flops != b.flops {
            return Some(format!("flip-flops differ: {:?} vs {:?}", a.flops, b.flops));
        }
        if a.gates.len() != b.gates.len() {
            return Some(format!("{} gates vs {}", a.gates.len(), b.gates.len()));
        }
        a.gates
            .iter()
            .zip(&b.gates)
            .find(|(x, y)| x != y)
            .map(|(x, y)| format!("gate {x:?} vs {y:?}"))
    }
}
