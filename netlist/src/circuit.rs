//! The compiled circuit: a flat, levelized, read-only structure of arrays.
//!
//! Node order: primary inputs, then pseudo inputs (flip-flop outputs, one per flip-flop in
//! netlist order), then every other node in topological order sorted by level. Each node is the
//! output of one gate; its fanins are other nodes. Outputs are a separate list: primary outputs,
//! then pseudo outputs (the node feeding each flip-flop's data input, in the same order as the
//! pseudo inputs). This is the full-scan view: every flip-flop is controllable and observable.
//!
//! Standard cells are decomposed into primitive gates, but fault sites stay on cell pins: each
//! node records the cell instance it was decomposed from ([`Circuit::node_instance`]) and each
//! instance its pins' nodes ([`Circuit::instances`]).
//!
//! Memory per node is a handful of `u32`s plus its name (see [`Circuit::memory_bytes`]).

use rustc_hash::FxHashMap;

use crate::gate::GateKind;
use crate::netlist::{InstanceId, PinDirection};

/// A node (gate output) of a [`Circuit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The node's position in the topological order.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A flip-flop in the full-scan view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanCell {
    /// Instance name of the flip-flop.
    pub name: String,
    /// The pseudo input: the node holding the flip-flop's output.
    pub q: NodeId,
    /// The pseudo output: the node feeding the flip-flop's data input.
    pub d: NodeId,
    /// Name of the clock net, if the netlist gives one.
    pub clock: Option<String>,
    /// Captures on the falling edge.
    pub clock_inverted: bool,
}

/// A standard-cell instance as the compiled circuit sees it: its pins bound to nodes.
///
/// Fault sites of standard-cell designs are cell pins, while simulation works on the primitive
/// gates the cells decompose into; this table (with [`Circuit::node_instance`]) connects the two.
/// Instance `i` here is instance `i` of [`crate::Netlist::instances`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitInstance {
    /// Hierarchical instance name.
    pub name: String,
    /// Library cell name.
    pub cell_type: String,
    /// The pins, in library order.
    pub pins: Vec<CircuitPin>,
}

/// One pin of a [`CircuitInstance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitPin {
    /// Pin name in the library.
    pub name: String,
    /// Pin direction.
    pub direction: PinDirection,
    /// The node of the connected net; `None` when the net has no node (it only feeds clock,
    /// set or reset pins, or is neither driven nor read in the full-scan view).
    pub node: Option<NodeId>,
}

/// Compressed-sparse-row adjacency: the neighbours of node `i` are
/// `targets[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Adjacency {
    pub(crate) offsets: Vec<u32>,
    pub(crate) targets: Vec<NodeId>,
}

impl Adjacency {
    #[inline]
    fn of(&self, node: NodeId) -> &[NodeId] {
        let i = node.index();
        &self.targets[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    fn bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.targets.capacity() * 4
    }

    /// The reverse relation (fanouts from fanins), each list in increasing node order.
    pub(crate) fn transpose(&self, nodes: usize) -> Adjacency {
        let mut counts = vec![0u32; nodes + 1];
        for t in &self.targets {
            counts[t.index() + 1] += 1;
        }
        for i in 0..nodes {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut targets = vec![NodeId(0); self.targets.len()];
        for n in 0..nodes {
            for &t in self.of(NodeId(n as u32)) {
                let slot = &mut fill[t.index()];
                targets[*slot as usize] = NodeId(n as u32);
                *slot += 1;
            }
        }
        Adjacency { offsets: counts, targets }
    }
}

/// Names of nodes, stored in one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameTable {
    pub(crate) text: String,
    pub(crate) ends: Vec<u32>,
}

impl NameTable {
    pub(crate) fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len() as u32);
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// A levelized, full-scan circuit compiled from a [`crate::Netlist`] by [`crate::Netlist::levelize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circuit {
    pub(crate) name: String,
    pub(crate) kinds: Vec<GateKind>,
    pub(crate) levels: Vec<u32>,
    pub(crate) fanin: Adjacency,
    pub(crate) fanout: Adjacency,
    pub(crate) names: NameTable,
    pub(crate) num_primary_inputs: usize,
    pub(crate) outputs: Vec<NodeId>,
    pub(crate) num_primary_outputs: usize,
    pub(crate) scan_cells: Vec<ScanCell>,
    pub(crate) clocks: Vec<String>,
    /// Per node, the index into `instance_ids` of the standard-cell instance whose decomposition
    /// drives it (`u32::MAX`: none). Four bytes per node rather than an `Option<InstanceId>`'s
    /// eight; the ids themselves can only be minted by the netlist, hence the second table.
    pub(crate) node_instances: Vec<u32>,
    /// The id of instance `i`, for every instance that decomposed into at least one node.
    pub(crate) instance_ids: Vec<Option<InstanceId>>,
    pub(crate) instances: Vec<CircuitInstance>,
}

impl Circuit {
    /// The design name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of nodes (inputs, pseudo inputs and gates).
    pub fn num_nodes(&self) -> usize {
        self.kinds.len()
    }

    /// All nodes in topological order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeId> + DoubleEndedIterator {
        (0..self.kinds.len() as u32).map(NodeId)
    }

    /// The gate function of a node (`Input` for primary and pseudo inputs).
    #[inline]
    pub fn kind(&self, node: NodeId) -> GateKind {
        self.kinds[node.index()]
    }

    /// Gate functions of all nodes, indexed by [`NodeId::index`].
    pub fn kinds(&self) -> &[GateKind] {
        &self.kinds
    }

    /// The nodes a node reads, in pin order.
    #[inline]
    pub fn fanin(&self, node: NodeId) -> &[NodeId] {
        self.fanin.of(node)
    }

    /// The gates reading a node, in increasing node order, one entry per reading pin.
    /// Primary and pseudo outputs are not gates: see [`Circuit::outputs`].
    #[inline]
    pub fn fanout(&self, node: NodeId) -> &[NodeId] {
        self.fanout.of(node)
    }

    /// Logic level: 0 for inputs and constants, else one more than the deepest fanin.
    #[inline]
    pub fn level(&self, node: NodeId) -> u32 {
        self.levels[node.index()]
    }

    /// Number of levels (the deepest level plus one; 0 for an empty circuit).
    pub fn num_levels(&self) -> u32 {
        self.levels.iter().max().map_or(0, |&l| l + 1)
    }

    /// The name of the net a node drives.
    pub fn node_name(&self, node: NodeId) -> &str {
        self.names.get(node.index())
    }

    /// Looks a node up by the name of the net it drives (linear time; build a map for many).
    pub fn find_node(&self, name: &str) -> Option<NodeId> {
        self.nodes().find(|&n| self.node_name(n) == name)
    }

    /// A map from net name to node, for many look-ups.
    pub fn name_map(&self) -> FxHashMap<&str, NodeId> {
        self.nodes().map(|n| (self.node_name(n), n)).collect()
    }

    /// Primary inputs then pseudo inputs: the controllable nodes, `0..num_inputs()`.
    pub fn inputs(&self) -> impl ExactSizeIterator<Item = NodeId> {
        (0..self.num_inputs() as u32).map(NodeId)
    }

    /// Number of primary and pseudo inputs.
    pub fn num_inputs(&self) -> usize {
        self.num_primary_inputs + self.scan_cells.len()
    }

    /// Number of primary inputs (clock-only inputs excluded, see [`Circuit::clocks`]).
    pub fn num_primary_inputs(&self) -> usize {
        self.num_primary_inputs
    }

    /// Primary outputs then pseudo outputs: the observable nodes (a node may appear twice).
    pub fn outputs(&self) -> &[NodeId] {
        &self.outputs
    }

    /// Number of primary outputs.
    pub fn num_primary_outputs(&self) -> usize {
        self.num_primary_outputs
    }

    /// Flip-flops in netlist order; flip-flop `i` is pseudo input `num_primary_inputs() + i`
    /// and pseudo output `num_primary_outputs() + i`.
    pub fn scan_cells(&self) -> &[ScanCell] {
        &self.scan_cells
    }

    /// Input ports that feed only flip-flop clock, set or reset pins. They are not pattern inputs:
    /// the test procedure drives them.
    pub fn clocks(&self) -> &[String] {
        &self.clocks
    }

    /// The standard-cell instance whose decomposition drives `node`: for a gate node, the
    /// instance its gate was decomposed from; for a pseudo input, the instance of its flip-flop.
    /// `None` for primary inputs, undriven nets and primitives written as such in the netlist.
    #[inline]
    pub fn node_instance(&self, node: NodeId) -> Option<InstanceId> {
        match self.node_instances[node.index()] {
            u32::MAX => None,
            i => self.instance_ids[i as usize],
        }
    }

    /// Standard-cell instances, in netlist order (empty for netlists of primitive gates).
    pub fn instances(&self) -> &[CircuitInstance] {
        &self.instances
    }

    /// One standard-cell instance.
    pub fn instance(&self, id: InstanceId) -> &CircuitInstance {
        &self.instances[id.index()]
    }

    /// Number of nodes that are gates (not inputs).
    pub fn num_gates(&self) -> usize {
        self.kinds.len() - self.num_inputs()
    }

    /// Bytes of heap memory held by the compiled arrays.
    pub fn memory_bytes(&self) -> usize {
        self.kinds.capacity()
            + self.levels.capacity() * 4
            + self.fanin.bytes()
            + self.fanout.bytes()
            + self.names.text.capacity()
            + self.names.ends.capacity() * 4
            + self.outputs.capacity() * 4
            + self
                .scan_cells
                .iter()
                .map(|c| c.name.capacity() + std::mem::size_of::<ScanCell>())
                .sum::<usize>()
            + self.node_instances.capacity() * 4
            + self.instance_ids.capacity() * std::mem::size_of::<Option<InstanceId>>()
            + self
                .instances
                .iter()
                .map(|i| {
                    std::mem::size_of::<CircuitInstance>()
                        + i.name.capacity()
                        + i.cell_type.capacity()
                        + i.pins
                            .iter()
                            .map(|p| std::mem::size_of::<CircuitPin>() + p.name.capacity())
                            .sum::<usize>()
                })
                .sum::<usize>()
    }

    /// Two-valued good-machine simulation of 64 patterns at once.
    ///
    /// `inputs[i]` holds the values of input `i` (primary, then pseudo) for the 64 patterns, one
    /// per bit. Returns the value word of every node. Unknown constants simulate as 0; three-valued
    /// simulation lives in the `atpg` crate.
    pub fn simulate(&self, inputs: &[u64]) -> Vec<u64> {
        assert_eq!(inputs.len(), self.num_inputs(), "one input word per primary and pseudo input");
        let mut values = vec![0u64; self.num_nodes()];
        values[..inputs.len()].copy_from_slice(inputs);
        for node in self.num_inputs()..self.num_nodes() {
            let id = NodeId(node as u32);
            let v = self.kinds[node].eval_words(self.fanin(id).iter().map(|f| values[f.index()]));
            values[node] = v;
        }
        values
    }

    /// The output words (primary then pseudo) of a simulation result from [`Circuit::simulate`].
    pub fn output_values(&self, values: &[u64]) -> Vec<u64> {
        self.outputs.iter().map(|o| values[o.index()]).collect()
    }
}
