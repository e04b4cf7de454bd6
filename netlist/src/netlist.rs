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

use std::num::NonZeroU32;

use compact_str::CompactString;
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
    pub(crate) fn new(index: u32) -> Self {
        InstanceId(index)
    }
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
    /// Instance name (for `.bench` gates, the name of the output net). A name of up to 24
    /// bytes is kept in the cell itself: a million cells then cost no allocation for names.
    pub name: CompactString,
    /// What the cell is.
    pub kind: CellKind,
    /// Where it was defined.
    pub pos: SourcePos,
    /// The standard-cell instance this primitive was decomposed from, if any.
    pub instance: Option<InstanceId>,
}

/// A net of the netlist. Its name lives in the netlist's name arena: see
/// [`Netlist::net_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Net {
    /// Where the name starts in the arena (a `u64` split in two, so that a net node stays 12
    /// bytes).
    name: NameRef,
    /// Created by decomposition or expression lowering, not named in the source.
    pub internal: bool,
}

/// The offset of a name in [`NameArena`]; `[u32; 2]` rather than `u64` for 4-byte alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NameRef([u32; 2]);

impl NameRef {
    fn new(offset: usize) -> Self {
        let offset = offset as u64;
        NameRef([offset as u32, (offset >> 32) as u32])
    }
    fn offset(self) -> usize {
        (self.0[0] as u64 | (self.0[1] as u64) << 32) as usize
    }
}

/// Every net name, one after the other in one buffer, each preceded by its length. One buffer
/// instead of a `String` per net saves an allocation (and its 24-byte header and allocator
/// rounding) per net, and keeps the names the hash table compares in one place.
///
/// The length is written in 6-bit groups as ASCII bytes (`0x40 | group` while more groups
/// follow, then the last group below `0x40`), so the buffer stays a valid `String` and slicing
/// it needs no UTF-8 check; names shorter than 64 bytes take one length byte.
#[derive(Debug, Clone, Default)]
struct NameArena {
    text: String,
}

impl NameArena {
    fn push(&mut self, name: &str) -> NameRef {
        let at = NameRef::new(self.text.len());
        let mut shift = 0;
        while name.len() >> shift >= 0x40 {
            shift += 6;
        }
        while shift > 0 {
            self.text.push(char::from(0x40 | ((name.len() >> shift) & 0x3f) as u8));
            shift -= 6;
        }
        self.text.push(char::from((name.len() & 0x3f) as u8));
        self.text.push_str(name);
        at
    }

    /// The length of the name at `at` and where its text starts.
    #[inline]
    fn span(&self, name: NameRef) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let mut at = name.offset();
        let mut len = 0usize;
        loop {
            let byte = bytes[at];
            at += 1;
            len = len << 6 | (byte & 0x3f) as usize;
            if byte < 0x40 {
                return (at, len);
            }
        }
    }

    #[inline]
    fn get(&self, name: NameRef) -> &str {
        let (at, len) = self.span(name);
        &self.text[at..at + len]
    }

    /// Whether the name at `name` equals `text`.
    #[inline]
    fn equals(&self, name: NameRef, text: &str) -> bool {
        let (at, len) = self.span(name);
        len == text.len() && &self.text.as_bytes()[at..at + len] == text.as_bytes()
    }
}

/// An entry of the name table: the net and its name, or where the name is when it is long, so
/// that a probe compares names without visiting the graph (and, for short names, without
/// visiting the arena either: on large netlists each of those visits is a cache miss).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameEntry {
    net: NetId,
    key: NameKey,
}

/// A name as the name table holds it, in 12 bytes: names of up to [`NameKey::INLINE`] bytes
/// (nearly all netlist names) are stored in place, zero-padded, with their length in the last
/// byte; longer names store their [`NameRef`] in the first eight bytes and [`NameKey::LONG`] in
/// the last. Two short names are equal exactly when their keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NameKey([u8; 12]);

impl NameKey {
    /// The longest name stored in place.
    const INLINE: usize = 11;
    /// The last byte of the key of a name kept in the arena only.
    const LONG: u8 = 0xff;

    /// The key of `name` if it is short enough to be stored in place.
    #[inline]
    fn inline(name: &str) -> Option<NameKey> {
        let bytes = name.as_bytes();
        (bytes.len() <= Self::INLINE).then(|| {
            let mut key = [0u8; 12];
            key[..bytes.len()].copy_from_slice(bytes);
            key[Self::INLINE] = bytes.len() as u8;
            NameKey(key)
        })
    }

    /// The key of a long name stored in the arena at `name`.
    fn long(name: NameRef) -> NameKey {
        let mut key = [0u8; 12];
        key[..8].copy_from_slice(&(name.offset() as u64).to_le_bytes());
        key[Self::INLINE] = Self::LONG;
        NameKey(key)
    }

    /// The name: in place, or in `arena`.
    #[inline]
    fn name<'n>(&'n self, arena: &'n NameArena) -> &'n str {
        match self.0[Self::INLINE] {
            Self::LONG => arena.get(self.arena_ref()),
            len => std::str::from_utf8(&self.0[..usize::from(len)])
                .expect("in-place keys hold a whole name, copied from a `str`"),
        }
    }

    /// Where a long name is in the arena.
    fn arena_ref(&self) -> NameRef {
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&self.0[..8]);
        NameRef::new(u64::from_le_bytes(offset) as usize)
    }

    /// Whether this key is the name `text`, whose in-place key (if short) is `inline`.
    #[inline]
    fn matches(&self, text: &str, inline: Option<NameKey>, arena: &NameArena) -> bool {
        match inline {
            Some(key) => *self == key,
            None => self.0[Self::INLINE] == Self::LONG && arena.equals(self.arena_ref(), text),
        }
    }
}

/// Net ids by name: open addressing with linear probing over 16-byte [`NameEntry`] slots.
///
/// A slot holds the name's key next to its net, so a probe that finds its name (the common
/// case: most names are read more often than they are defined) reads one cache line. hashbrown
/// keeps its control bytes apart from its slots, which costs a second, dependent cache miss per
/// look-up on large netlists, and name look-ups are most of the time spent reading them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameTable {
    /// A power of two of slots, or none; a free slot holds [`NameTable::FREE`]. Kept at most
    /// three quarters full, so that probes stay short.
    slots: Vec<NameEntry>,
    /// Occupied slots.
    len: usize,
}

impl NameTable {
    /// The net of a free slot (`u32::MAX` is petgraph's end marker, never a node index).
    const FREE: NetId = NetId(u32::MAX);

    fn hash(name: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(name)
    }

    /// The first slot to probe for `hash`; the table must have slots.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        // Fold the high half in: FxHash's best-mixed bits are its high ones.
        ((hash >> 32) ^ hash) as usize & (self.slots.len() - 1)
    }

    fn len(&self) -> usize {
        self.len
    }

    fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// Makes room for `additional` more names without regrowing.
    fn reserve(&mut self, additional: usize, arena: &NameArena) {
        let needed = self.len.saturating_add(additional);
        if needed.saturating_mul(4) <= self.slots.len().saturating_mul(3) {
            return;
        }
        let mut slots = self.slots.len().max(16);
        while needed.saturating_mul(4) > slots.saturating_mul(3) {
            slots *= 2;
        }
        let free = NameEntry { net: Self::FREE, key: NameKey([0; 12]) };
        let old = std::mem::replace(&mut self.slots, vec![free; slots]);
        for entry in old.into_iter().filter(|e| e.net != Self::FREE) {
            let mut at = self.home(Self::hash(entry.key.name(arena)));
            while self.slots[at].net != Self::FREE {
                at = (at + 1) & (slots - 1);
            }
            self.slots[at] = entry;
        }
    }

    /// The net called `name` (whose hash is `hash` and in-place key `inline`), or the free slot
    /// where it would go. The table must have slots.
    #[inline]
    fn probe(
        &self,
        hash: u64,
        name: &str,
        inline: Option<NameKey>,
        arena: &NameArena,
    ) -> Result<NetId, usize> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            let entry = &self.slots[at];
            if entry.net == Self::FREE {
                return Err(at);
            }
            if entry.key.matches(name, inline, arena) {
                return Ok(entry.net);
            }
            at = (at + 1) & mask;
        }
    }

    /// Reads the slots where probes for names of these `hashes` start, so that the probes soon
    /// after find them in the cache: readers look the names of a batch of statements up
    /// together (see [`Netlist::prefetch_nets`]), and the cache misses of the batch then overlap
    /// instead of following one another. The slots are computed first and then read in a
    /// tight loop, so that many reads are in flight at once (plain reads: the crate has no
    /// `unsafe` for prefetch instructions).
    fn prefetch(&self, hashes: &[u64]) {
        const CHUNK: usize = 64;
        if self.slots.is_empty() {
            return;
        }
        for chunk in hashes.chunks(CHUNK) {
            let mut homes = [0usize; CHUNK];
            for (home, &hash) in homes.iter_mut().zip(chunk) {
                *home = self.home(hash);
            }
            let mut touched = 0u32;
            for &home in &homes[..chunk.len()] {
                touched ^= self.slots[home].net.0;
            }
            std::hint::black_box(touched);
        }
    }
}

/// The pin number on a net-to-cell edge, stored plus one so that petgraph's `Option` around
/// edge weights costs no space (a 20-byte edge rather than 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pin(NonZeroU32);

impl Pin {
    fn new(pin: u32) -> Self {
        Pin(NonZeroU32::new(pin.saturating_add(1)).expect("pin + 1 saturates at u32::MAX > 0"))
    }
    pub(crate) fn get(self) -> u32 {
        self.0.get() - 1
    }
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

/// A graph node: a net (12 bytes, inline) or an index into [`Netlist::cells`]'s storage, so
/// that nets, which are about half of all nodes, do not pay for the size of a [`Cell`].
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Net(Net),
    Cell(u32),
}

/// A gate-level netlist: named nets, ports, gates, flip-flops and standard-cell instances.
#[derive(Debug, Clone, Default)]
pub struct Netlist {
    name: String,
    pub(crate) graph: StableDiGraph<Node, Pin, u32>,
    /// Cell data, in creation order; `Node::Cell(i)` is `cell_data[i]`.
    pub(crate) cell_data: Vec<Cell>,
    /// The node of each cell, in creation order (the order of [`Netlist::cells`]).
    pub(crate) cell_nodes: Vec<CellId>,
    /// Net names.
    names: NameArena,
    /// Net ids hashed by name.
    pub(crate) net_by_name: NameTable,
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
        self.cell_data.reserve(cells);
        self.cell_nodes.reserve(cells);
        self.net_by_name.reserve(nets, &self.names);
    }

    /// Makes room for `pins` connections in total (inputs and outputs of cells), when a reader
    /// can count them better than [`Netlist::reserve`] guesses.
    pub fn reserve_pins(&mut self, pins: usize) {
        self.graph.reserve_exact_edges(pins.saturating_sub(self.graph.edge_count()));
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
        self.net_or_insert(name, false).0
    }

    /// The net called `name` and `false`, or a new net of that name (marked `internal` or not)
    /// and `true`: one probe of the name table either way.
    fn net_or_insert(&mut self, name: &str, internal: bool) -> (NetId, bool) {
        self.net_by_name.reserve(1, &self.names);
        let hash = NameTable::hash(name);
        let inline = NameKey::inline(name);
        match self.net_by_name.probe(hash, name, inline, &self.names) {
            Ok(net) => (net, false),
            Err(slot) => {
                let at = self.names.push(name);
                let node = self.graph.add_node(Node::Net(Net { name: at, internal }));
                let net = NetId(node.index() as u32);
                self.net_by_name.slots[slot] =
                    NameEntry { net, key: inline.unwrap_or(NameKey::long(at)) };
                self.net_by_name.len += 1;
                (net, true)
            }
        }
    }

    /// Hints that `names` will be looked up and connected soon: reads the name table's slots
    /// for them (see [`NameTable::prefetch`]), then the graph nodes of those already known,
    /// which connecting a pin to them updates. Readers call this for a batch of statements
    /// before building them, so that the batch's cache misses overlap.
    ///
    /// `found[k]` is set to the net called `names[k]`, if it exists now: a net never loses its
    /// name, so a reader can take it instead of looking the name up a second time.
    pub(crate) fn prefetch_nets(&self, names: &[&str], found: &mut Vec<Option<NetId>>) {
        const CHUNK: usize = 64;
        found.clear();
        if self.net_by_name.len() == 0 {
            found.resize(names.len(), None);
            return;
        }
        for chunk in names.chunks(CHUNK) {
            // Each name is hashed once, for the slot reads and for the probes after them.
            let mut hashes = [0u64; CHUNK];
            for (hash, name) in hashes.iter_mut().zip(chunk) {
                *hash = NameTable::hash(name);
            }
            let hashes = &hashes[..chunk.len()];
            self.net_by_name.prefetch(hashes);
            let mut nodes = [NodeIndex::end(); CHUNK];
            let mut count = 0;
            for (name, &hash) in chunk.iter().zip(hashes) {
                let inline = NameKey::inline(name);
                let net = self.net_by_name.probe(hash, name, inline, &self.names).ok();
                found.push(net);
                if let Some(net) = net {
                    nodes[count] = net.node();
                    count += 1;
                }
            }
            let mut touched = 0u32;
            for &node in &nodes[..count] {
                touched ^= u32::from(matches!(self.graph.node_weight(node), Some(Node::Net(_))));
            }
            std::hint::black_box(touched);
        }
    }

    /// A new net with a generated name that starts with `hint` and is unique in the netlist.
    pub fn add_internal_net(&mut self, hint: &str) -> NetId {
        loop {
            let name = format!("{hint}_n{}", self.next_internal);
            self.next_internal += 1;
            if let (net, true) = self.net_or_insert(&name, true) {
                return net;
            }
        }
    }

    fn add_cell(&mut self, cell: Cell) -> CellId {
        let index = self.cell_data.len() as u32;
        self.cell_data.push(cell);
        let id = CellId(self.graph.add_node(Node::Cell(index)).index() as u32);
        self.cell_nodes.push(id);
        id
    }

    fn connect_input(&mut self, net: NetId, cell: CellId, pin: u32) {
        self.graph.add_edge(net.node(), cell.node(), Pin::new(pin));
    }

    fn connect_output(&mut self, cell: CellId, net: NetId) {
        self.graph.add_edge(cell.node(), net.node(), Pin::new(0));
    }

    /// Whether graph node `node` is a flip-flop (or latch) cell.
    pub(crate) fn is_flop_node(&self, node: NodeIndex<u32>) -> bool {
        matches!(
            self.graph.node_weight(node),
            Some(Node::Cell(i)) if matches!(self.cell_data[*i as usize].kind, CellKind::Flop(_))
        )
    }

    fn cell_mut(&mut self, cell: CellId) -> Option<&mut Cell> {
        match self.graph.node_weight(cell.node())? {
            Node::Cell(i) => self.cell_data.get_mut(*i as usize),
            Node::Net(_) => None,
        }
    }

    /// Declares `net` a primary input. The port cell takes the net's name.
    pub fn add_input(&mut self, net: NetId) -> CellId {
        let name = self.net_name(net).into();
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
        let name = self.net_name(net).into();
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
        name: impl Into<CompactString>,
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
        name: impl Into<CompactString>,
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
            .find(|e| e.weight().get() == pin)
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
        if let Some(Cell { kind: CellKind::Flop(old), .. }) = self.cell_mut(cell) {
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
        if let Some(c) = self.cell_mut(cell) {
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
        if let Some(c) = self.cell_mut(cell) {
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
        if self.net_by_name.len() == 0 {
            return None;
        }
        let inline = NameKey::inline(name);
        self.net_by_name.probe(NameTable::hash(name), name, inline, &self.names).ok()
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
        self.names.get(self.net_data(net).name)
    }

    /// The cell's data.
    pub fn cell(&self, cell: CellId) -> &Cell {
        match &self.graph[cell.node()] {
            Node::Cell(c) => &self.cell_data[*c as usize],
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
    pub fn cells(&self) -> impl ExactSizeIterator<Item = CellId> + '_ {
        self.cell_nodes.iter().copied()
    }

    /// Number of cells (ports, gates, flops).
    pub fn cell_count(&self) -> usize {
        self.cell_nodes.len()
    }

    /// The primitive gates, in creation order.
    pub fn gates(&self) -> impl Iterator<Item = CellId> + '_ {
        self.cell_nodes
            .iter()
            .zip(&self.cell_data)
            .filter(|(_, cell)| matches!(cell.kind, CellKind::Gate(_)))
            .map(|(&id, _)| id)
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
            let pin = e.weight().get() as usize;
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
            .map(|e| (CellId(e.target().index() as u32), e.weight().get()))
            .collect();
        s.sort_unstable();
        s
    }

    /// Bytes of heap memory the netlist holds (allocated capacity, so an estimate of what it
    /// costs rather than of what it uses).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let (nodes, edges) = self.graph.capacity();
        // petgraph keeps each weight in an `Option` next to two edge links (nodes) or two
        // links and two endpoints (edges).
        let graph =
            nodes * (size_of::<Option<Node>>() + 8) + edges * (size_of::<Option<Pin>>() + 16);
        let cells = self.cell_data.capacity() * size_of::<Cell>()
            + self
                .cell_data
                .iter()
                .map(|c| {
                    // Short names are kept in the `Cell` itself.
                    let heap = if c.name.is_heap_allocated() { c.name.capacity() } else { 0 };
                    heap + match c.kind {
                        CellKind::Flop(_) => size_of::<FlopInfo>(),
                        _ => 0,
                    }
                })
                .sum::<usize>()
            + self.cell_nodes.capacity() * size_of::<CellId>();
        let names =
            self.names.text.capacity() + self.net_by_name.capacity() * size_of::<NameEntry>();
        let ports = (self.inputs.capacity() + self.outputs.capacity() + self.flops.capacity())
            * size_of::<CellId>();
        let instances = self
            .instances
            .iter()
            .map(|i| {
                size_of::<CellInstance>()
                    + i.name.capacity()
                    + i.cell_type.capacity()
                    + i.pins
                        .iter()
                        .map(|p| size_of::<InstancePin>() + p.name.capacity())
                        .sum::<usize>()
            })
            .sum::<usize>();
        graph + cells + names + ports + instances
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
    fn names_short_and_long_find_their_nets() {
        // Around the in-place limit of the name table's keys, and a name that is the zero
        // padding of a shorter one.
        let long = "x".repeat(300);
        let names =
            ["", "a", "a\0", "abcdefghijk", "abcdefghijkl", "abcdefghijklm", "é", long.as_str()];
        let mut netlist = Netlist::new("t");
        let nets: Vec<NetId> = names.iter().map(|n| netlist.net(n)).collect();
        for (name, &net) in names.iter().zip(&nets) {
            assert_eq!(netlist.find_net(name), Some(net), "{name:?}");
            assert_eq!(netlist.net(name), net, "{name:?}");
            assert_eq!(netlist.net_name(net), *name);
        }
        assert_eq!(netlist.net_count(), names.len());
        assert_eq!(netlist.find_net("abcdefghij"), None);
        assert_eq!(netlist.find_net(&"x".repeat(299)), None);
        // Growing the table rehashes both kinds of key.
        netlist.reserve(10_000, 0);
        for (name, &net) in names.iter().zip(&nets) {
            assert_eq!(netlist.find_net(name), Some(net), "{name:?}");
        }
    }

    #[test]
    fn internal_nets_skip_names_in_use() {
        let mut netlist = Netlist::new("t");
        let taken = netlist.net("h_n0");
        let internal = netlist.add_internal_net("h");
        assert_ne!(internal, taken);
        assert_eq!(netlist.net_name(internal), "h_n1");
        assert!(netlist.net_data(internal).internal);
        assert!(!netlist.net_data(taken).internal);
    }

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
