//! The fanout cone of a fault: every node whose value the fault can change.

use netlist::{Circuit, NodeId};

use crate::fault::{Injection, Read};

/// Scratch space for finding fault cones in one circuit, reused from fault to fault.
#[derive(Debug, Clone, Default)]
pub struct FaultCone {
    /// Per node, the search (epoch) that last put it in the cone.
    stamp: Vec<u32>,
    epoch: u32,
    nodes: Vec<NodeId>,
    output_reads: Vec<u32>,
}

impl FaultCone {
    /// Scratch space for `circuit`.
    pub fn new(circuit: &Circuit) -> FaultCone {
        FaultCone {
            stamp: vec![0; circuit.num_nodes()],
            epoch: 0,
            nodes: Vec::new(),
            output_reads: Vec::new(),
        }
    }

    /// Finds the cone of a fault injected as `injection`: the faulted node (a stem) or the gates
    /// reading the faulted pin (a branch), then everything they reach, in topological order.
    pub fn find(&mut self, circuit: &Circuit, injection: Injection<'_>) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = u32::MAX);
            self.epoch = 1;
        }
        self.nodes.clear();
        self.output_reads.clear();
        match injection {
            Injection::Node(n) => self.add(n),
            Injection::Reads(reads) => {
                for read in reads {
                    match *read {
                        Read::Pin { gate, .. } => self.add(gate),
                        Read::Output(j) => self.output_reads.push(j),
                    }
                }
            }
        }
        let mut next = 0;
        while next < self.nodes.len() {
            let node = self.nodes[next];
            next += 1;
            for &reader in circuit.fanout(node) {
                self.add(reader);
            }
        }
        // Node ids are topological, so sorting puts every fanin before its reader.
        self.nodes.sort_unstable();
    }

    fn add(&mut self, node: NodeId) {
        if !self.contains(node) {
            self.stamp[node.index()] = self.epoch;
            self.nodes.push(node);
        }
    }

    /// Whether `node` is in the cone of the last [`FaultCone::find`].
    #[inline]
    pub fn contains(&self, node: NodeId) -> bool {
        self.stamp[node.index()] == self.epoch
    }

    /// The cone's nodes, in topological order.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The output entries the fault's site is read by directly (primary-output branch faults).
    pub fn output_reads(&self) -> &[u32] {
        &self.output_reads
    }
}
