//! Good-machine simulation of pattern sets.

use netlist::Circuit;

use super::graph::SimGraph;
use super::ppsfp::WIDTH;
use super::value::{CodedEval, SimValue, Wide, Wide3, Word3};
use crate::patterns::PatternSet;

/// Simulates one block: `values` gets the value of every node, inputs first.
#[inline]
pub(crate) fn simulate_block<V: CodedEval>(
    graph: &SimGraph,
    input: impl Fn(usize) -> V,
    values: &mut [V],
) {
    for (i, v) in values[..graph.num_inputs].iter_mut().enumerate() {
        *v = input(i);
    }
    for node in graph.num_inputs..graph.num_nodes() {
        values[node] = graph.eval_on(node, values);
    }
}

/// Good-machine simulator: responses of a circuit to pattern sets.
#[derive(Debug, Clone)]
pub struct GoodSimulator {
    graph: SimGraph,
}

impl GoodSimulator {
    /// Prepares `circuit` for simulation.
    pub fn new(circuit: &Circuit) -> GoodSimulator {
        GoodSimulator { graph: SimGraph::new(circuit) }
    }

    /// The output values (primary, then pseudo) for every input vector of `inputs`, which must
    /// have one signal per circuit input. Groups of patterns without unknowns run two-valued.
    pub fn simulate(&self, inputs: &PatternSet) -> PatternSet {
        assert_eq!(inputs.width(), self.graph.num_inputs, "one signal per circuit input");
        let mut responses = PatternSet::new(self.graph.outputs.len());
        let mut values2 = vec![Wide::<WIDTH>::ZERO; self.graph.num_nodes()];
        let mut values3 = vec![Wide3::<WIDTH>::UNKNOWN; self.graph.num_nodes()];
        let mut row = vec![Word3::X; self.graph.outputs.len()];
        for group in 0..inputs.num_blocks().div_ceil(WIDTH) {
            let first = group * WIDTH;
            let blocks = (first..inputs.num_blocks().min(first + WIDTH)).len();
            let input = |i: usize, w: usize| {
                if w < blocks {
                    inputs.block(first + w)[i]
                } else {
                    Word3::X
                }
            };
            let unknown = (first..first + blocks).any(|b| inputs.block_has_unknown(b));
            let three = self.graph.has_unknown_constants || unknown;
            if three {
                simulate_block(&self.graph, |i| Wide3::from_inputs(|w| input(i, w)), &mut values3);
            } else {
                simulate_block(&self.graph, |i| Wide::from_inputs(|w| input(i, w)), &mut values2);
            }
            for w in 0..blocks {
                for (word, &o) in row.iter_mut().zip(&self.graph.outputs) {
                    *word = if three {
                        values3[o as usize].0[w]
                    } else {
                        Word3::known(values2[o as usize].0[w])
                    };
                }
                responses.push_block(&row, (inputs.len() - (first + w) * 64).min(64));
            }
        }
        responses
    }

    /// Number of gates evaluated per 64-pattern block (every non-input node).
    pub fn gates_per_block(&self) -> usize {
        self.graph.num_nodes() - self.graph.num_inputs
    }
}
