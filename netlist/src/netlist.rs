//! The editable netlist graph.
//!
//! Nets and cells are both nodes of one petgraph `StableDiGraph`: an edge runs from a net to each
//! cell that reads it (weighted with the input pin position) and from a cell to the net it drives.
//! That makes "who drives this net", "who reads it", undriven and multiply driven nets, and loops
//! plain graph questions, and keeps ids stable while scan insertion edits the graph.
//!
//! Invariants:
//! - petgraph's indices never leave this module: callers see [`NetId`] and [`CellId`].
//! - Node indices grow in insertion order and are never reused, so iterating cells gives the
//!   source order ("netlist order") that pattern files and reports rely on.
//! - Parsers add nets and cells in any order (a signal may be used before it is defined); all
//!   consistency checks happen in [`Netlist::check`] and [`Netlist::levelize`].

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::error::{Diagnostic, SourcePos};
use crate::gate::GateKind;

/// A net (wire) of a [`Netlist`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetId(u32);

/// A cell (port, gate or flip-flop) of a [`Netlist`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(u32);

/// A standard-cell instance that was decomposed into primitive cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(u32);

impl NetId {
    pub(crate) fn from_node(n: NodeIndex<u32>) -> Self {
        NetId(n.index() as u32)
    }
    pub(crate) fn node(self) -> NodeIndex<u32> {
        NodeIndex::new(self.0 as usize)
    }
    /// The raw index, for dense per-net tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl CellId {
    pub(crate) fn node(self) -> NodeIndex<u32> {
        NodeIndex::new(self.0 as usize)
    }
    /// The raw index, for dense per-cell tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl InstanceId {
    /// The raw index into [`Netlist::instances`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a cell is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellKind {
    /// A primary input port; drives the net of the same name.
    Input,
    /// A primary output port; reads the net of the same name.
    Output,
    /// A primitive combinational gate.
    Gate(GateKind),
    /// A state element: input pin 0 is the data input, the output is Q. (Boxed: flip-flops are
    /// few, and gates should not pay for their size.)
    Flop(Box<FlopInfo>),
}

/// The non-data connections of a state element. They are not graph edges: in the full-scan view
/// clocks, sets and resets are controlled by the test procedure, not by the pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlopInfo {
    /// Clock (or latch enable) net, when known.
    pub clock: Option<NetId>,
    /// Whether the flop captures on the falling edge (or the latch is transparent low).
    pub clock_inverted: bool,
    /// Asynchronous clear (reset) net.
    pub clear: Option<NetId>,
    /// Asynchronous preset (set) net.
    pub preset: Option<NetId>,
    /// The clear is active when its net is 0 (`!RESET_B`); active high otherwise.
    pub clear_active_low: bool,
    /// The preset is active when its net is 0 (`!SET_B`); active high otherwise.
    pub preset_active_low: bool,
    /// A level-sensitive latch rather than an edge-triggered flip-flop.
    pub is_latch: bool,
    /// Library scan flip-flop: `(scan_in, scan_enable)` when the cell has them. The data input
    /// (pin 0) then already includes the scan multiplexer.
    pub scan: Option<(NetId, NetId)>,
}

/// A cell of the netlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Instance name (for `.bench` gates, the name of the output net).
    pub name: String,
    /// What the cell is.
    pub kind: CellKind,
    /// Where it was defined.
    pub pos: SourcePos,
    /// The standard-cell instance this primitive was decomposed from, if any.
    pub instance: Option<InstanceId>,
}

/// A net of the netlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Net {
    /// Hierarchical name (instance path joined with `/`).
    pub name: String,
    /// Created by decomposition or expression lowering, not named in the source.
    pub internal: bool,
}

/// Pin direction of a standard-cell instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PinDirection {
    /// An input pin.
    Input,
    /// An output pin.
    Output,
    /// A bidirectional pin (modelled as an input and reported).
    Inout,
}

/// One pin of a standard-cell instance and the net connected to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancePin {
    /// Pin name in the library.
    pub name: String,
    /// Pin direction.
    pub direction: PinDirection,
    /// The connected net.
    pub net: NetId,
}

/// A standard-cell instance as written in the netlist. Its logic is in the primitive cells whose
/// [`Cell::instance`] points here; fault sites for standard-cell designs are these pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellInstance {
    /// Hierarchical instance name.
    pub name: String,
    /// Library cell name (for example `sky130_fd_sc_hd__nand2_1`).
    pub cell_type: String,
    /// The pins, in library order.
    pub pins: Vec<InstancePin>,
    /// Where it was defined.
    pub pos: SourcePos,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Net(Net),
    Cell(Cell),
}

/// A gate-level netlist: named nets, ports, gates, flip-flops and standard-cell instances.
#[derive(Debug, Clone, Default)]
pub struct Netlist {
    name: String,
    pub(crate) graph: StableDiGraph<Node, u32, u32>,
    /// Net ids hashed by name; the names themselves live only in the graph's net nodes.
    net_by_name: hashbrown::HashTable<NetId>,
    inputs: Vec<CellId>,
    outputs: Vec<CellId>,
    flops: Vec<CellId>,
    instances: Vec<CellInstance>,
    diagnostics: Vec<Diagnostic>,
    next_internal: u64,
}

impl Netlist {
    /// An empty netlist for the design `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Netlist { name: name.into(), ..Default::default() }
    }

    /// Makes room for `nets` more nets and `cells` more cells (with about three pins each), so
    /// that readers that can estimate a design's size avoid regrowing the graph and name table.
    pub fn reserve(&mut self, nets: usize, cells: usize) {
        self.graph.reserve_nodes(nets + cells);
        self.graph.reserve_edges(cells * 3);
        let graph = &self.graph;
        self.net_by_name.reserve(nets, |id| match &graph[id.node()] {
            Node::Net(net) => Self::hash_name(&net.name),
            Node::Cell(_) => unreachable!("the name table holds net ids only"),
        });
    }

    /// The design (top module) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the design.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    // ----- building -------------------------------------------------------------------------

    /// The net called `name`, created if it does not exist yet.
    pub fn net(&mut self, name: &str) -> NetId {
        if let Some(id) = self.find_net(name) {
            return id;
        }
        self.insert_net(name.to_string(), false)
    }

    fn hash_name(name: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(name)
    }

    fn insert_net(&mut self, name: String, internal: bool) -> NetId {
        let hash = Self::hash_name(&name);
        let id = NetId(self.graph.add_node(Node::Net(Net { name, internal })).index() as u32);
        let graph = &self.graph;
        let name_of = |id: &NetId| match &graph[id.node()] {
            Node::Net(net) => Self::hash_name(&net.name),
            Node::Cell(_) => unreachable!("the name table holds net ids only"),
        };
        self.net_by_name.insert_unique(hash, id, name_of);
        id
    }

    /// A new net with a generated name that starts with `hint` and is unique in the netlist.
    pub fn add_internal_net(&mut self, hint: &str) -> NetId {
        loop {
            let name = format!("{hint}_n{}", self.next_internal);
            self.next_internal += 1;
            if self.find_net(&name).is_none() {
                return self.insert_net(name, true);
            }
        }
    }

    fn add_cell(&mut self, cell: Cell) -> CellId {
        CellId(self.graph.add_node(Node::Cell(cell)).index() as u32)
    }

    fn connect_input(&mut self, net: NetId, cell: CellId, pin: u32) {
        self.graph.add_edge(net.node(), cell.node(), pin);
    }

    fn connect_output(&mut self, cell: CellId, net: NetId) {
        self.graph.add_edge(cell.node(), net.node(), 0);
    }

    /// Declares `net` a primary input. The port cell takes the net's name.
    pub fn add_input(&mut self, net: NetId) -> CellId {
        let name = self.net_name(net).to_string();
        let cell = self.add_cell(Cell {
            name,
            kind: CellKind::Input,
            pos: SourcePos::default(),
            instance: None,
        });
        self.connect_output(cell, net);
        self.inputs.push(cell);
        cell
    }

    /// Declares `net` a primary output. The port cell takes the net's name.
    pub fn add_output(&mut self, net: NetId) -> CellId {
        let name = self.net_name(net).to_string();
        let cell = self.add_cell(Cell {
            name,
            kind: CellKind::Output,
            pos: SourcePos::default(),
            instance: None,
        });
        self.connect_input(net, cell, 0);
        self.outputs.push(cell);
        cell
    }

    /// Adds a primitive gate reading `inputs` (in pin order) and driving `output`.
    ///
    /// The arity is not checked here (parsers report it with a position); [`Netlist::check`] and
    /// [`Netlist::levelize`] reject gates with a wrong number of inputs.
    pub fn add_gate(
        &mut self,
        name: impl Into<String>,
        kind: GateKind,
        inputs: &[NetId],
        output: NetId,
    ) -> CellId {
        let cell = self.add_cell(Cell {
            name: name.into(),
            kind: CellKind::Gate(kind),
            pos: SourcePos::default(),
            instance: None,
        });
        for (pin, &net) in inputs.iter().enumerate() {
            self.connect_input(net, cell, pin as u32);
        }
        self.connect_output(cell, output);
        cell
    }

    /// Adds a flip-flop (or latch) with data input `d` and output `q`.
    pub fn add_flop(
        &mut self,
        name: impl Into<String>,
        d: NetId,
        q: NetId,
        info: FlopInfo,
    ) -> CellId {
        let cell = self.add_cell(Cell {
            name: name.into(),
            kind: CellKind::Flop(Box::new(info)),
            pos: SourcePos::default(),
            instance: None,
        });
        self.connect_input(d, cell, 0);
        self.connect_output(cell, q);
        self.flops.push(cell);
        cell
    }

    /// Moves input pin `pin` of `cell` from the net it reads to `net` (scan insertion puts a
    /// multiplexer in front of a flip-flop's data input this way). Returns the net the pin read
    /// before, or `None` (and changes nothing) when the cell has no such pin.
    pub fn reconnect_input(&mut self, cell: CellId, pin: u32, net: NetId) -> Option<NetId> {
        let edge = self
            .graph
            .edges_directed(cell.node(), Direction::Incoming)
            .find(|e| *e.weight() == pin)
            .map(|e| (e.id(), e.source()))?;
        self.graph.remove_edge(edge.0);
        self.connect_input(net, cell, pin);
        Some(NetId::from_node(edge.1))
    }

    /// Connects pin `pin` of standard-cell instance `instance` to `net` in the instance's
    /// record (what fault sites and messages name); the primitives reading the pin are
    /// reconnected separately with [`Netlist::reconnect_input`]. Returns the net it was on, or
    /// `None` (and changes nothing) when there is no such instance or pin.
    pub fn reconnect_instance_pin(
        &mut self,
        instance: InstanceId,
        pin: &str,
        net: NetId,
    ) -> Option<NetId> {
        let pin =
            self.instances.get_mut(instance.index())?.pins.iter_mut().find(|p| p.name == pin)?;
        Some(std::mem::replace(&mut pin.net, net))
    }

    /// Replaces the non-data connections of flip-flop `cell` (scan insertion swapping a
    /// library flip-flop for its scan version); does nothing for other cells.
    pub(crate) fn set_flop_info(&mut self, cell: CellId, info: FlopInfo) {
        if let Some(Node::Cell(Cell { kind: CellKind::Flop(old), .. })) =
            self.graph.node_weight_mut(cell.node())
        {
            **old = info;
        }
    }

    /// Changes the library cell of standard-cell instance `instance` and its pin record (scan
    /// insertion swapping a flip-flop for its scan version; the primitives are updated by the
    /// caller). Does nothing when there is no such instance.
    pub(crate) fn set_instance_cell(
        &mut self,
        instance: InstanceId,
        cell_type: String,
        pins: Vec<InstancePin>,
    ) {
        if let Some(record) = self.instances.get_mut(instance.index()) {
            record.cell_type = cell_type;
            record.pins = pins;
        }
    }

    /// Records where `cell` was defined, for messages.
    pub fn set_cell_pos(&mut self, cell: CellId, pos: SourcePos) {
        if let Some(Node::Cell(c)) = self.graph.node_weight_mut(cell.node()) {
            c.pos = pos;
        }
    }

    /// Records a standard-cell instance; returns its id for [`Netlist::set_cell_instance`].
    pub fn add_instance(&mut self, instance: CellInstance) -> InstanceId {
        self.instances.push(instance);
        InstanceId(self.instances.len() as u32 - 1)
    }

    /// Marks `cell` as part of the decomposition of `instance`.
    pub fn set_cell_instance(&mut self, cell: CellId, instance: InstanceId) {
        if let Some(Node::Cell(c)) = self.graph.node_weight_mut(cell.node()) {
            c.instance = Some(instance);
        }
    }

    /// Records a non-fatal problem and the policy applied to it.
    pub fn warn(&mut self, pos: Option<SourcePos>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { pos, message: message.into() });
    }

    // ----- queries --------------------------------------------------------------------------

    /// Looks a net up by name.
    pub fn find_net(&self, name: &str) -> Option<NetId> {
        self.net_by_name.find(Self::hash_name(name), |&id| self.net_name(id) == name).copied()
    }

    /// The net's data.
    pub fn net_data(&self, net: NetId) -> &Net {
        match &self.graph[net.node()] {
            Node::Net(n) => n,
            Node::Cell(_) => unreachable!(
                "NetId always refers to a net node: ids are created only by insert_net"
            ),
        }
    }

    /// The net's name.
    pub fn net_name(&self, net: NetId) -> &str {
        &self.net_data(net).name
    }

    /// The cell's data.
    pub fn cell(&self, cell: CellId) -> &Cell {
        match &self.graph[cell.node()] {
            Node::Cell(c) => c,
            Node::Net(_) => unreachable!(
                "CellId always refers to a cell node: ids are created only by add_cell"
            ),
        }
    }

    /// All nets, in creation order.
    pub fn nets(&self) -> impl Iterator<Item = NetId> + '_ {
        self.graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], Node::Net(_)))
            .map(|n| NetId(n.index() as u32))
    }

    /// All cells (ports, gates, flops), in creation order.
    pub fn cells(&self) -> impl Iterator<Item = CellId> + '_ {
        self.graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], Node::Cell(_)))
            .map(|n| CellId(n.index() as u32))
    }

    /// The primitive gates, in creation order.
    pub fn gates(&self) -> impl Iterator<Item = CellId> + '_ {
        self.cells().filter(|&c| matches!(self.cell(c).kind, CellKind::Gate(_)))
    }

    /// Number of nets.
    pub fn net_count(&self) -> usize {
        self.net_by_name.len()
    }

    /// Number of primitive gates.
    pub fn gate_count(&self) -> usize {
        self.gates().count()
    }

    /// Primary input ports, in declaration order.
    pub fn inputs(&self) -> &[CellId] {
        &self.inputs
    }

    /// Primary output ports, in declaration order.
    pub fn outputs(&self) -> &[CellId] {
        &self.outputs
    }

    /// Flip-flops and latches, in netlist order.
    pub fn flops(&self) -> &[CellId] {
        &self.flops
    }

    /// Standard-cell instances, in netlist order.
    pub fn instances(&self) -> &[CellInstance] {
        &self.instances
    }

    /// Warnings collected while building the netlist.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The nets a cell reads, in pin order.
    pub fn cell_inputs(&self, cell: CellId) -> Vec<NetId> {
        let mut nets = Vec::new();
        self.cell_inputs_into(cell, &mut nets);
        nets
    }

    /// [`Netlist::cell_inputs`] into a caller's buffer (cleared first), for hot loops.
    pub fn cell_inputs_into(&self, cell: CellId, nets: &mut Vec<NetId>) {
        nets.clear();
        // petgraph lists edges newest first; pins are numbered, so place each by its number.
        for e in self.graph.edges_directed(cell.node(), Direction::Incoming) {
            let pin = *e.weight() as usize;
            if nets.len() <= pin {
                nets.resize(pin + 1, NetId(u32::MAX));
            }
            nets[pin] = NetId(e.source().index() as u32);
        }
        // A pin can only be missing if a caller connected pins sparsely; drop the holes.
        nets.retain(|n| n.0 != u32::MAX);
    }

    /// The (first) cell driving a net, if any, without allocating.
    pub fn net_driver(&self, net: NetId) -> Option<CellId> {
        self.graph
            .neighbors_directed(net.node(), Direction::Incoming)
            .map(|n| CellId(n.index() as u32))
            .min()
    }

    /// Number of cells driving a net.
    pub fn driver_count(&self, net: NetId) -> usize {
        self.graph.neighbors_directed(net.node(), Direction::Incoming).count()
    }

    /// Number of pins reading a net.
    pub fn sink_count(&self, net: NetId) -> usize {
        self.graph.neighbors_directed(net.node(), Direction::Outgoing).count()
    }

    /// The net a cell drives (`None` for output ports).
    pub fn cell_output(&self, cell: CellId) -> Option<NetId> {
        self.graph
            .neighbors_directed(cell.node(), Direction::Outgoing)
            .next()
            .map(|n| NetId(n.index() as u32))
    }

    /// The cells driving a net (normally exactly one).
    pub fn net_drivers(&self, net: NetId) -> Vec<CellId> {
        let mut d: Vec<CellId> = self
            .graph
            .neighbors_directed(net.node(), Direction::Incoming)
            .map(|n| CellId(n.index() as u32))
            .collect();
        d.sort_unstable();
        d
    }

    /// The cells reading a net with the pin each reads it on, in cell order.
    pub fn net_sinks(&self, net: NetId) -> Vec<(CellId, u32)> {
        let mut s: Vec<(CellId, u32)> = self
            .graph
            .edges_directed(net.node(), Direction::Outgoing)
            .map(|e| (CellId(e.target().index() as u32), *e.weight()))
            .collect();
        s.sort_unstable();
        s
    }

    /// One more than the largest net or cell index, for dense tables indexed by
    /// [`NetId::index`] or [`CellId::index`].
    pub fn index_bound(&self) -> usize {
        self.graph.node_indices().next_back().map_or(0, |n| n.index() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_input_moves_one_pin() {
        let mut netlist = Netlist::new("t");
        let (a, b, c, y) = (netlist.net("a"), netlist.net("b"), netlist.net("c"), netlist.net("y"));
        let gate = netlist.add_gate("g", GateKind::And, &[a, b], y);
        assert_eq!(netlist.reconnect_input(gate, 1, c), Some(b));
        assert_eq!(netlist.cell_inputs(gate), [a, c]);
        assert_eq!(netlist.sink_count(b), 0);
        assert_eq!(netlist.net_sinks(c), [(gate, 1)]);
        assert_eq!(netlist.reconnect_input(gate, 5, b), None, "no such pin");
        assert_eq!(netlist.cell_inputs(gate), [a, c]);
    }
}
