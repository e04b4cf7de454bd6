//! A naive serial fault simulator: the reference PPSFP is tested against.
//!
//! For every fault and every block of patterns it re-simulates the whole circuit three-valued with
//! the fault injected, straight from the [`Circuit`]'s accessors, sharing nothing with the fast
//! simulator but the gate evaluator (itself tested against the netlist crate's). It is slow on
//! purpose: simple enough to be obviously right.

use netlist::Circuit;

use super::value::{eval_gate, SimValue, Word3};
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::PatternSet;

/// Per fault, per block of 64 patterns, the patterns that detect it.
pub fn serial_detections(
    circuit: &Circuit,
    universe: &FaultUniverse,
    patterns: &PatternSet,
    faults: &[FaultId],
) -> Vec<Vec<u64>> {
    let mut result = vec![Vec::with_capacity(patterns.num_blocks()); faults.len()];
    for b in 0..patterns.num_blocks() {
        let block = patterns.block(b);
        let good = simulate(circuit, universe, block, None);
        for (f, &fault) in faults.iter().enumerate() {
            let faulty = simulate(circuit, universe, block, Some(fault));
            let mask = good.iter().zip(&faulty).fold(0, |m, (&g, &v)| m | Word3::detects(g, v));
            result[f].push(mask & patterns.valid_mask(b));
        }
    }
    result
}

/// The output values (primary, then pseudo) with `fault` injected, if any.
fn simulate(
    circuit: &Circuit,
    universe: &FaultUniverse,
    inputs: &[Word3],
    fault: Option<FaultId>,
) -> Vec<Word3> {
    let stuck = |f: FaultId| Word3::constant(f.kind().stuck_value());
    let injection = fault.map(|f| (universe.injection(f.site()), stuck(f)));
    let mut values = vec![Word3::X; circuit.num_nodes()];
    for node in circuit.nodes() {
        let fanin = circuit.fanin(node);
        let mut value = if node.index() < circuit.num_inputs() {
            inputs[node.index()]
        } else {
            eval_gate(circuit.kind(node), fanin.len(), |pin| {
                if let Some((Injection::Reads(reads), v)) = injection {
                    if reads.contains(&Read::Pin { gate: node, pin: pin as u32 }) {
                        return v;
                    }
                }
                values[fanin[pin].index()]
            })
        };
        if let Some((Injection::Node(n), v)) = injection {
            if n == node {
                value = v;
            }
        }
        values[node.index()] = value;
    }
    circuit
        .outputs()
        .iter()
        .enumerate()
        .map(|(j, o)| match injection {
            Some((Injection::Reads(reads), v)) if reads.contains(&Read::Output(j as u32)) => v,
            _ => values[o.index()],
        })
        .collect()
}
