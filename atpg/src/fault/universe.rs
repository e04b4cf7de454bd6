//! The uncollapsed stuck-at fault universe of a circuit.
//!
//! The rule, fixed so that counts compare across tools:
//! - A net is driven by a primary input, a gate or cell output, or a flip-flop output (a net that
//!   is read but driven by nothing, tied to X, counts too: its faults are simply undetectable).
//! - Its sinks are each gate input pin it feeds (the same net on two pins of one gate is two
//!   sinks), each flip-flop data pin, and each primary output declaration.
//! - Every net has a stuck-at-0 and a stuck-at-1 fault (the stem); a net with two or more sinks
//!   also has both faults on every sink (the branches).
//!
//! Standard-cell designs: the sites are the cell pins. A cell output pin's net is a stem; a cell
//! input pin is a sink; nets inside a cell's decomposition have no sites. A cell input pin that
//! no primitive of its decomposition reads as data (a clock, set or reset pin, or a pin the
//! function ignores) is not a sink: in the full-scan view nothing can observe a fault there. Clock
//! ports ([`netlist::Circuit::clocks`]) are not nets of the full-scan view and have no sites.
//!
//! A cell input pin is injected at every primitive input that reads it. The decomposition keeps no
//! record of which pin an internal read came from, so when two input pins of one instance are tied
//! to the same net the reads cannot be told apart: each of those pins' faults is injected at all of
//! that net's reads inside the instance (counts are unaffected; [`FaultUniverse::shared_cell_pins`]
//! says how many such pins there are).
//!
//! Order: sites follow node order; a net's stem comes first, then its branches (gate and cell
//! input pins in reader order, then output entries).

use std::collections::HashMap;

use netlist::{Circuit, InstanceId, NodeId, PinDirection, TwoFrame};

use super::site::{Injection, Read, Site, SiteKind};
use super::{FaultId, FaultKind, SiteId};

const NONE: u32 = u32::MAX;

/// The uncollapsed stuck-at faults of a circuit: two per site.
#[derive(Debug, Clone)]
pub struct FaultUniverse {
    sites: Vec<Site>,
    reads: Vec<Read>,
    /// Per node, its stem site (`NONE` for nets inside a cell).
    stem_site: Vec<u32>,
    /// Per node, its number of sinks.
    sink_count: Vec<u32>,
    /// Per gate input pin (indexed like the circuit's flattened fanin lists), the site standing
    /// for it: its branch, or the net's stem when it is the net's only sink.
    pin_site: Vec<u32>,
    pin_offsets: Vec<u32>,
    /// The same for cell input pins that are sinks, by `(instance, pin)`.
    cell_pin_site: HashMap<(u32, u32), u32>,
    /// Instance input pins that share a net with another input pin of the same instance.
    shared_cell_pins: usize,
    /// Per site, the node whose good value must equal a fault's stuck value for the fault to
    /// count as detected (empty: no such condition). See [`FaultUniverse::two_frame`].
    activation: Vec<NodeId>,
    /// Per site of a two-frame universe, whether its net holds the same value in both frames
    /// ([`TwoFrame::frame_invariant`]).
    invariant: Vec<bool>,
}

/// A sink found while scanning the circuit, before it becomes a site.
struct Sink {
    net: u32,
    kind: SiteKind,
    reads: SinkReads,
}

/// The reads of a [`Sink`]: one, or a cell pin's group (by index, so sinks stay small).
enum SinkReads {
    One(Read),
    Group(usize),
}

impl Sink {
    fn reads<'a>(&'a self, groups: &'a [Vec<Read>]) -> &'a [Read] {
        match &self.reads {
            SinkReads::One(read) => std::slice::from_ref(read),
            SinkReads::Group(g) => &groups[*g],
        }
    }
}

impl FaultUniverse {
    /// Builds the universe of `circuit` (see the module documentation for the rule).
    pub fn new(circuit: &Circuit) -> FaultUniverse {
        let n = circuit.num_nodes();
        let num_po = circuit.num_primary_outputs();
        let instance_of = |node: NodeId| circuit.node_instance(node).map(|i| i.index() as u32);
        let input_pin_of = |instance: u32, node: NodeId| {
            circuit.instances()[instance as usize]
                .pins
                .iter()
                .any(|p| p.direction != PinDirection::Output && p.node == Some(node))
        };
        let mut has_internal_reads = vec![false; n];
        let mut sinks: Vec<Sink> = Vec::new();
        // Reads of cell input pin nets, gathered per (instance, net) into `groups`.
        let mut cell_reads: HashMap<(u32, u32), usize> = HashMap::new();
        let mut groups: Vec<Vec<Read>> = Vec::new();
        let mut group_of = |key: (u32, u32), groups: &mut Vec<Vec<Read>>| {
            *cell_reads.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            })
        };

        let mut pin_offsets = Vec::with_capacity(n + 1);
        pin_offsets.push(0u32);
        for gate in circuit.nodes() {
            let fanin = circuit.fanin(gate);
            let owner = instance_of(gate);
            for (pin, &net) in fanin.iter().enumerate() {
                let read = Read::Pin { gate, pin: pin as u32 };
                match owner {
                    Some(i) if input_pin_of(i, net) => {
                        let g = group_of((i, net.0), &mut groups);
                        groups[g].push(read);
                    }
                    Some(i) if instance_of(net) == Some(i) => {
                        has_internal_reads[net.index()] = true
                    }
                    // A primitive of the netlist (or, defensively, a cell reading a net that is
                    // neither its pin nor its own): an ordinary gate input pin.
                    _ => sinks.push(Sink {
                        net: net.0,
                        kind: SiteKind::GateInput { gate, pin: pin as u32 },
                        reads: SinkReads::One(read),
                    }),
                }
            }
            pin_offsets.push(pin_offsets.last().copied().unwrap_or(0) + fanin.len() as u32);
        }
        let mut output_sinks = Vec::new();
        for (j, &net) in circuit.outputs().iter().enumerate() {
            let read = Read::Output(j as u32);
            if j < num_po {
                output_sinks.push(Sink {
                    net: net.0,
                    kind: SiteKind::PrimaryOutput { output: j as u32 },
                    reads: SinkReads::One(read),
                });
                continue;
            }
            let flop = j - num_po;
            match instance_of(circuit.scan_cells()[flop].q) {
                Some(i) if input_pin_of(i, net) => {
                    let g = group_of((i, net.0), &mut groups);
                    groups[g].push(read);
                }
                Some(i) if instance_of(net) == Some(i) => has_internal_reads[net.index()] = true,
                _ => output_sinks.push(Sink {
                    net: net.0,
                    kind: SiteKind::FlopData { flop: flop as u32 },
                    reads: SinkReads::One(read),
                }),
            }
        }
        let mut shared_cell_pins = 0;
        for (i, instance) in circuit.instances().iter().enumerate() {
            for (p, pin) in instance.pins.iter().enumerate() {
                let (PinDirection::Input | PinDirection::Inout, Some(net)) =
                    (pin.direction, pin.node)
                else {
                    continue;
                };
                let Some(&group) = cell_reads.get(&(i as u32, net.0)) else { continue };
                let reads = &groups[group];
                let sharing = instance
                    .pins
                    .iter()
                    .filter(|q| q.direction != PinDirection::Output && q.node == Some(net))
                    .count();
                if sharing > 1 {
                    shared_cell_pins += 1;
                }
                sinks.push(Sink {
                    net: net.0,
                    kind: SiteKind::CellInput {
                        instance: circuit
                            .node_instance(match reads[0] {
                                Read::Pin { gate, .. } => gate,
                                Read::Output(j) => circuit.scan_cells()[j as usize - num_po].q,
                            })
                            .expect("cell reads are made by the instance's own primitives"),
                        pin: p as u32,
                    },
                    reads: SinkReads::Group(group),
                });
            }
        }
        sinks.extend(output_sinks);
        sinks.sort_by_key(|s| s.net);

        let visible = |node: NodeId| match instance_of(node) {
            None => true,
            Some(i) => circuit.instances()[i as usize]
                .pins
                .iter()
                .any(|p| p.direction == PinDirection::Output && p.node == Some(node)),
        };
        let mut universe = FaultUniverse {
            sites: Vec::new(),
            reads: Vec::new(),
            stem_site: vec![NONE; n],
            sink_count: vec![0; n],
            pin_site: vec![NONE; *pin_offsets.last().unwrap_or(&0) as usize],
            pin_offsets,
            cell_pin_site: HashMap::new(),
            shared_cell_pins,
            activation: Vec::new(),
            invariant: Vec::new(),
        };
        let mut next = 0;
        for node in circuit.nodes() {
            let start = next;
            while next < sinks.len() && sinks[next].net == node.0 {
                next += 1;
            }
            let node_sinks = &sinks[start..next];
            if !visible(node) {
                continue;
            }
            universe.sink_count[node.index()] = node_sinks.len() as u32;
            universe.stem_site[node.index()] = universe.sites.len() as u32;
            if has_internal_reads[node.index()] {
                // A cell output pin that its own cell reads back (Q feeding QN): the pin's fault
                // is seen outside the cell only.
                let reads: Vec<Read> =
                    node_sinks.iter().flat_map(|s| s.reads(&groups).iter().copied()).collect();
                universe.push_site(node, SiteKind::Stem, Some(&reads));
            } else {
                universe.push_site(node, SiteKind::Stem, None);
            }
            let stem = universe.stem_site[node.index()];
            for sink in node_sinks {
                // A net's only sink has no site of its own: a fault there is the stem fault.
                let site = if node_sinks.len() < 2 { stem } else { universe.sites.len() as u32 };
                match sink.kind {
                    SiteKind::GateInput { gate, pin } => {
                        let at = universe.pin_offsets[gate.index()] + pin;
                        universe.pin_site[at as usize] = site;
                    }
                    SiteKind::CellInput { instance, pin } => {
                        universe.cell_pin_site.insert((instance.index() as u32, pin), site);
                    }
                    _ => {}
                }
                if node_sinks.len() >= 2 {
                    universe.push_site(node, sink.kind, Some(sink.reads(&groups)));
                }
            }
        }
        universe
    }

    fn push_site(&mut self, net: NodeId, kind: SiteKind, reads: Option<&[Read]>) {
        let (reads_start, reads_end) = match reads {
            None => (NONE, NONE),
            Some(reads) => {
                let start = self.reads.len() as u32;
                self.reads.extend_from_slice(reads);
                (start, self.reads.len() as u32)
            }
        };
        self.sites.push(Site { net, kind, reads_start, reads_end });
    }

    /// The transition-fault universe of `circuit` (the circuit this universe was built from),
    /// laid over its two-frame unrolling `frames` (made by [`Circuit::two_frame`]).
    ///
    /// Sites, ids and names stay those of this universe; each site is moved onto its frame-2
    /// copy, and its frame-1 copy becomes the site's activation node
    /// ([`FaultUniverse::activation`]). Fault `2s` (stuck-at-0 in frame 2, with the frame-1 value
    /// 0) is the slow-to-rise fault of site `s`, fault `2s + 1` the slow-to-fall one: a
    /// transition fault is detected when frame 1 sets the initial value and frame 2 detects the
    /// corresponding stuck-at fault. A flip-flop data-pin site becomes a branch on the unrolled
    /// circuit's output for that flip-flop (the unrolled circuit has no flip-flops).
    pub fn two_frame(&self, circuit: &Circuit, frames: &TwoFrame) -> FaultUniverse {
        let unrolled = frames.circuit();
        let n = unrolled.num_nodes();
        let num_po = circuit.num_primary_outputs();
        let map_read = |read: &Read| match *read {
            Read::Pin { gate, pin } => Read::Pin { gate: frames.frame2(gate), pin },
            Read::Output(j) => Read::Output(j),
        };
        let sites = self
            .sites
            .iter()
            .map(|s| Site {
                net: frames.frame2(s.net),
                kind: match s.kind {
                    SiteKind::GateInput { gate, pin } => {
                        SiteKind::GateInput { gate: frames.frame2(gate), pin }
                    }
                    SiteKind::FlopData { flop } => {
                        SiteKind::PrimaryOutput { output: (num_po + flop as usize) as u32 }
                    }
                    other => other,
                },
                ..*s
            })
            .collect();
        let mut stem_site = vec![NONE; n];
        let mut sink_count = vec![0; n];
        for (node, (&stem, &sinks)) in self.stem_site.iter().zip(&self.sink_count).enumerate() {
            let copy = frames.frame2(NodeId(node as u32)).index();
            stem_site[copy] = stem;
            sink_count[copy] = sinks;
        }
        let mut pin_offsets = Vec::with_capacity(n + 1);
        pin_offsets.push(0u32);
        for node in unrolled.nodes() {
            pin_offsets.push(pin_offsets[node.index()] + unrolled.fanin(node).len() as u32);
        }
        let mut pin_site = vec![NONE; *pin_offsets.last().unwrap_or(&0) as usize];
        for node in 0..self.stem_site.len() {
            let (from, to) = (self.pin_offsets[node], self.pin_offsets[node + 1]);
            let copy = pin_offsets[frames.frame2(NodeId(node as u32)).index()];
            for (k, at) in (from..to).enumerate() {
                pin_site[copy as usize + k] = self.pin_site[at as usize];
            }
        }
        FaultUniverse {
            sites,
            reads: self.reads.iter().map(map_read).collect(),
            stem_site,
            sink_count,
            pin_site,
            pin_offsets,
            cell_pin_site: self.cell_pin_site.clone(),
            shared_cell_pins: self.shared_cell_pins,
            activation: self.sites.iter().map(|s| frames.frame1(s.net)).collect(),
            invariant: self.sites.iter().map(|s| frames.frame_invariant(s.net)).collect(),
        }
    }

    /// The node whose good value must equal a fault's stuck value for a fault at `site` to be
    /// detected (the site's frame-1 copy in a [`FaultUniverse::two_frame`] universe); `None` in a
    /// stuck-at universe.
    #[inline]
    pub fn activation(&self, site: SiteId) -> Option<NodeId> {
        self.activation.get(site.index()).copied()
    }

    /// Whether a two-frame universe's site holds the same value in both frames, so that the
    /// activation condition and the fault's excitation exclude each other: both its faults are
    /// untestable. Always `false` in a stuck-at universe.
    #[inline]
    pub fn frame_invariant(&self, site: SiteId) -> bool {
        self.invariant.get(site.index()).copied().unwrap_or(false)
    }

    /// Whether faults carry an activation condition ([`FaultUniverse::activation`]).
    pub fn has_activation(&self) -> bool {
        !self.activation.is_empty()
    }

    /// Number of faults (twice the number of sites).
    pub fn len(&self) -> usize {
        self.sites.len() * 2
    }

    /// Whether there are no faults.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// Every fault, in id order.
    pub fn faults(&self) -> impl ExactSizeIterator<Item = FaultId> {
        (0..self.len() as u32).map(FaultId)
    }

    /// Number of sites.
    pub fn num_sites(&self) -> usize {
        self.sites.len()
    }

    /// All sites, in id order.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// One site.
    pub fn site(&self, site: SiteId) -> &Site {
        &self.sites[site.index()]
    }

    /// What a fault at `site` forces in the compiled circuit.
    pub fn injection(&self, site: SiteId) -> Injection<'_> {
        let s = &self.sites[site.index()];
        if s.reads_start == NONE {
            Injection::Node(s.net)
        } else {
            Injection::Reads(&self.reads[s.reads_start as usize..s.reads_end as usize])
        }
    }

    /// The stem site of a net, if it has one (nets inside a cell do not).
    pub fn stem_site(&self, net: NodeId) -> Option<SiteId> {
        match self.stem_site[net.index()] {
            NONE => None,
            s => Some(SiteId(s)),
        }
    }

    /// The number of sinks of a net, as the universe rule counts them.
    pub fn sink_count(&self, net: NodeId) -> usize {
        self.sink_count[net.index()] as usize
    }

    /// The site standing for input `pin` of primitive gate `gate`: its branch site when the net
    /// has several sinks, else the net's stem (a fault on the only sink is the stem fault).
    pub fn gate_input_site(&self, gate: NodeId, pin: u32) -> Option<SiteId> {
        let at = self.pin_offsets.get(gate.index())? + pin;
        match *self.pin_site.get(at as usize)? {
            NONE => None,
            s => Some(SiteId(s)),
        }
    }

    /// The site standing for input `pin` of cell `instance`, as [`FaultUniverse::gate_input_site`]
    /// does for gates; `None` for pins that are not sinks (clock, set, reset and unused pins).
    pub fn cell_input_site(&self, instance: InstanceId, pin: u32) -> Option<SiteId> {
        self.cell_pin_site.get(&(instance.index() as u32, pin)).map(|&s| SiteId(s))
    }

    /// Number of cell input pins tied to the same net as another input pin of their instance; their
    /// faults are injected at every read of that net inside the instance.
    pub fn shared_cell_pins(&self) -> usize {
        self.shared_cell_pins
    }

    /// Number of sites in each [`SiteKind::category`], in [`SiteKind::CATEGORIES`] order.
    pub fn sites_by_category(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for s in &self.sites {
            let c = SiteKind::CATEGORIES
                .iter()
                .position(|&c| c == s.kind.category())
                .expect("every category is listed");
            counts[c] += 1;
        }
        counts
    }

    /// A readable name for a site: the net for a stem; `net->gate/inK` for a gate input pin (the
    /// gate named by the net it drives); `instance/PIN` for a cell pin; `net->PO[k]` for the k-th
    /// primary output declaration; `net->flop/D` for a flip-flop data pin.
    pub fn site_name(&self, circuit: &Circuit, site: SiteId) -> String {
        let s = self.site(site);
        let net = circuit.node_name(s.net);
        match s.kind {
            SiteKind::Stem => net.to_string(),
            SiteKind::GateInput { gate, pin } => {
                format!("{net}->{}/in{pin}", circuit.node_name(gate))
            }
            SiteKind::CellInput { instance, pin } => {
                let i = circuit.instance(instance);
                format!("{}/{}", i.name, i.pins[pin as usize].name)
            }
            SiteKind::PrimaryOutput { output } => format!("{net}->PO[{output}]"),
            SiteKind::FlopData { flop } => {
                format!("{net}->{}/D", circuit.scan_cells()[flop as usize].name)
            }
        }
    }

    /// A readable name for a fault: its site's name and `sa0` or `sa1`.
    pub fn fault_name(&self, circuit: &Circuit, fault: FaultId) -> String {
        format!("{} {}", self.site_name(circuit, fault.site()), fault.kind().short_name())
    }

    /// The faults of a site.
    pub fn site_faults(site: SiteId) -> [FaultId; 2] {
        [FaultId::new(site, FaultKind::StuckAt0), FaultId::new(site, FaultKind::StuckAt1)]
    }
}
