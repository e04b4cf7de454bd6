//! The simulators' private copy of a [`Circuit`]'s structure, laid out for the inner loops.
//!
//! Fault simulation is bound by memory latency more than by arithmetic: every event touches a
//! node's fanin range, kind and fanouts. So the per-node facts live together in one 12-byte
//! [`NodeInfo`] (a range ends where the next node's starts), one cache line serving them all.
//!
//! Numbering: the simulators number nodes their own way. Inputs keep their places (`0..inputs`),
//! and the other nodes follow in depth-first post-order from the outputs, which is a topological
//! order too, but one that puts a gate next to the gates that feed it and keeps the gates of a
//! fanout-free region together. The circuit's level order scatters a gate's neighbours across the whole
//! array, and on circuits of tens of thousands of gates that costs a cache miss per access.
//! [`SimGraph::index`] maps a circuit node to its simulation index.
//!
//! It also adds what only simulation needs: which nodes are observed at an output, and the
//! fanout-free regions (see [`SimGraph::ffr_parent`]).

use netlist::{Circuit, GateKind, NodeId};

use super::value::{gate_code, CodedEval};

/// Marks "no node" in `u32` node fields.
pub(crate) const NO_NODE: u32 = u32::MAX;

/// Everything the inner loops need about one node. There is one more than there are nodes: the
/// last only ends the ranges.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeInfo {
    fanin_start: u32,
    fanout_start: u32,
    pub(crate) kind: GateKind,
    /// [`gate_code`] of `kind`.
    pub(crate) code: u8,
    /// The node is a primary or pseudo output (possibly several times).
    pub(crate) observed: bool,
}

/// Flattened structure of a circuit for simulation.
#[derive(Debug, Clone)]
pub(crate) struct SimGraph {
    pub(crate) nodes: Vec<NodeInfo>,
    fanin: Vec<u32>,
    /// Gates reading each node, each listed once (a gate reading a node on two pins needs only
    /// one evaluation).
    fanout: Vec<u32>,
    /// Per node: `(gate, pin)`, the only place it is read, when it is read exactly once (by one
    /// pin of one gate) and is not an output; `(NO_NODE, 0)` otherwise. A node with a parent is
    /// inside a fanout-free region, whose faults reach the rest of the circuit only through its
    /// root, the first node up the parent chain without a parent.
    pub(crate) ffr_parent: Vec<(u32, u32)>,
    /// Per node, the root of its fanout-free region (itself for a root).
    pub(crate) ffr_root: Vec<u32>,
    /// Per node, its position among the nodes of its fanout-free region (which are contiguous,
    /// ending with the root).
    pub(crate) ffr_position: Vec<u32>,
    /// The largest number of nodes in one fanout-free region.
    pub(crate) ffr_max_size: usize,
    /// Per circuit node, its simulation index.
    index: Vec<u32>,
    /// The node of each output entry, primary then pseudo.
    pub(crate) outputs: Vec<u32>,
    pub(crate) num_inputs: usize,
    /// The circuit has `ConstX` nodes, so even fully specified patterns can meet unknowns.
    pub(crate) has_unknown_constants: bool,
}

impl SimGraph {
    pub(crate) fn new(circuit: &Circuit) -> SimGraph {
        let n = circuit.num_nodes();
        let order = simulation_order(circuit);
        let mut index = vec![0u32; n];
        for (i, node) in order.iter().enumerate() {
            index[node.index()] = i as u32;
        }
        let mut nodes = Vec::with_capacity(n + 1);
        let mut fanin = Vec::new();
        let mut fanout = Vec::new();
        let mut observed = vec![false; n];
        for o in circuit.outputs() {
            observed[index[o.index()] as usize] = true;
        }
        for (i, &node) in order.iter().enumerate() {
            let fanin_start = fanin.len() as u32;
            fanin.extend(circuit.fanin(node).iter().map(|f| index[f.index()]));
            let fanout_start = fanout.len() as u32;
            let before = fanout.len();
            fanout.extend(circuit.fanout(node).iter().map(|g| index[g.index()]));
            // A gate reading the node on two pins is listed twice; one evaluation is enough.
            fanout[before..].sort_unstable();
            let mut unique = before;
            for k in before..fanout.len() {
                if k == before || fanout[k] != fanout[unique - 1] {
                    fanout[unique] = fanout[k];
                    unique += 1;
                }
            }
            fanout.truncate(unique);
            let kind = circuit.kind(node);
            nodes.push(NodeInfo {
                fanin_start,
                fanout_start,
                kind,
                code: gate_code(kind),
                observed: observed[i],
            });
        }
        nodes.push(NodeInfo {
            fanin_start: fanin.len() as u32,
            fanout_start: fanout.len() as u32,
            kind: GateKind::Input,
            code: gate_code(GateKind::Input),
            observed: false,
        });
        let mut reads = vec![0u32; n];
        let mut ffr_parent = vec![(NO_NODE, 0); n];
        for g in 0..n {
            let range = nodes[g].fanin_start as usize..nodes[g + 1].fanin_start as usize;
            for (pin, &f) in fanin[range].iter().enumerate() {
                reads[f as usize] += 1;
                ffr_parent[f as usize] = (g as u32, pin as u32);
            }
        }
        for (node, parent) in ffr_parent.iter_mut().enumerate() {
            if reads[node] != 1 || observed[node] {
                *parent = (NO_NODE, 0);
            }
        }
        // Parents come later in topological order, so one backward pass finds every root; the
        // region's size so far numbers its nodes.
        let mut ffr_root: Vec<u32> = (0..n as u32).collect();
        let mut ffr_position = vec![0u32; n];
        let mut region_size = vec![0u32; n];
        for node in (0..n).rev() {
            let (parent, _) = ffr_parent[node];
            if parent != NO_NODE {
                ffr_root[node] = ffr_root[parent as usize];
            }
            let root = ffr_root[node] as usize;
            ffr_position[node] = region_size[root];
            region_size[root] += 1;
        }
        SimGraph {
            nodes,
            fanin,
            fanout,
            ffr_parent,
            ffr_root,
            ffr_position,
            ffr_max_size: region_size.iter().copied().max().unwrap_or(0) as usize,
            outputs: circuit.outputs().iter().map(|o| index[o.index()]).collect(),
            num_inputs: circuit.num_inputs(),
            has_unknown_constants: circuit.kinds().contains(&GateKind::ConstX),
            index,
        }
    }

    /// The simulation index of a circuit node.
    #[inline(always)]
    pub(crate) fn index(&self, node: NodeId) -> usize {
        self.index[node.index()] as usize
    }

    #[inline(always)]
    pub(crate) fn num_nodes(&self) -> usize {
        self.nodes.len() - 1
    }

    #[inline(always)]
    pub(crate) fn fanin(&self, node: usize) -> &[u32] {
        &self.fanin
            [self.nodes[node].fanin_start as usize..self.nodes[node + 1].fanin_start as usize]
    }

    #[inline(always)]
    pub(crate) fn fanout(&self, node: usize) -> &[u32] {
        &self.fanout
            [self.nodes[node].fanout_start as usize..self.nodes[node + 1].fanout_start as usize]
    }

    /// Evaluates gate `node`, reading input `pin` as `input(pin)`.
    #[inline(always)]
    pub(crate) fn eval<V: CodedEval>(&self, node: usize, input: impl Fn(usize) -> V) -> V {
        let info = &self.nodes[node];
        let arity = (self.nodes[node + 1].fanin_start - info.fanin_start) as usize;
        V::eval_coded(info.kind, info.code, arity, input)
    }

    /// Evaluates gate `node` on `values`.
    #[inline(always)]
    pub(crate) fn eval_on<V: CodedEval>(&self, node: usize, values: &[V]) -> V {
        let info = &self.nodes[node];
        let fanin = self.fanin(node);
        V::eval_coded(info.kind, info.code, fanin.len(), |p| values[fanin[p] as usize])
    }
}

/// Inputs in place, then every other node in depth-first post-order from the outputs (fanins in
/// pin order), then the nodes no output depends on, the same way.
fn simulation_order(circuit: &Circuit) -> Vec<NodeId> {
    let n = circuit.num_nodes();
    let mut placed = vec![false; n];
    let mut order: Vec<NodeId> = circuit.inputs().collect();
    for node in circuit.inputs() {
        placed[node.index()] = true;
    }
    let mut stack: Vec<(NodeId, usize)> = Vec::new();
    let starts = circuit.outputs().iter().copied().chain(circuit.nodes().rev());
    for start in starts {
        if placed[start.index()] {
            continue;
        }
        placed[start.index()] = true;
        stack.push((start, 0));
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let fanin = circuit.fanin(node);
            if let Some(&f) = fanin.get(*next) {
                *next += 1;
                if !placed[f.index()] {
                    // Mark on entry: the circuit is acyclic, so nothing reaches `f` again
                    // while it is on the stack.
                    placed[f.index()] = true;
                    stack.push((f, 0));
                }
            } else {
                stack.pop();
                order.push(node);
            }
        }
    }
    order
}
