//! Structural checks on a [`Netlist`]: what would make it wrong to compile or to test.

use petgraph::algo::tarjan_scc;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeFiltered};
use petgraph::Direction;

use crate::netlist::{CellId, CellKind, NetId, Netlist, Node};

/// What [`Netlist::check`] found. Empty vectors mean the netlist is clean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Nets that are read but driven by nothing, in net order.
    pub undriven: Vec<NetId>,
    /// Nets with two or more drivers, in net order.
    pub multiply_driven: Vec<NetId>,
    /// Combinational loops, each as the nets around the loop in order.
    pub loops: Vec<Vec<NetId>>,
    /// Gates with a number of inputs their kind does not allow.
    pub bad_arity: Vec<CellId>,
    /// Nets driven but read by nothing and not outputs (harmless; their stem faults are untestable).
    pub unread: Vec<NetId>,
}

impl CheckReport {
    /// Whether nothing prevents levelizing (undriven and unread nets have a policy).
    pub fn is_compilable(&self) -> bool {
        self.multiply_driven.is_empty() && self.loops.is_empty() && self.bad_arity.is_empty()
    }
}

impl Netlist {
    /// Runs every structural check. Never panics; linear time apart from loop extraction.
    pub fn check(&self) -> CheckReport {
        let mut report = CheckReport::default();
        let control = self.control_nets();
        for net in self.nets() {
            let drivers = self.graph.neighbors_directed(net.node(), Direction::Incoming).count();
            let sinks = self.graph.neighbors_directed(net.node(), Direction::Outgoing).count();
            match drivers {
                0 if sinks > 0 => report.undriven.push(net),
                0 | 1 => {}
                _ => report.multiply_driven.push(net),
            }
            if drivers > 0 && sinks == 0 && !control.contains(&net) {
                report.unread.push(net);
            }
        }
        for cell in self.gates() {
            if let CellKind::Gate(kind) = self.cell(cell).kind {
                let n = self.graph.neighbors_directed(cell.node(), Direction::Incoming).count();
                let (min, max) = kind.arity();
                if n < min || n > max {
                    report.bad_arity.push(cell);
                }
            }
        }
        report.loops = self.combinational_loops();
        report
    }

    /// The nets used as a clock, set or reset of some flip-flop.
    pub(crate) fn control_nets(&self) -> rustc_hash::FxHashSet<NetId> {
        self.flops()
            .iter()
            .filter_map(|&f| match &self.cell(f).kind {
                CellKind::Flop(info) => Some([info.clock, info.clear, info.preset]),
                _ => None,
            })
            .flatten()
            .flatten()
            .collect()
    }

    /// Every combinational loop (a strongly connected component of the graph with flip-flops
    /// removed), each given as one cycle of nets through it.
    pub fn combinational_loops(&self) -> Vec<Vec<NetId>> {
        // Tarjan's algorithm over the whole graph returns every node as its own component, a
        // `Vec` each: at 10 million gates that alone took over a gigabyte. Peel off first what
        // cannot be on a loop (nodes no loop reaches, then nodes that reach no loop), in linear
        // time and four bytes per node, and run Tarjan only on what is left: nothing, usually.
        let alive = self.nodes_between_loops();
        if !alive.iter().any(|&a| a) {
            return Vec::new();
        }
        let combinational = NodeFiltered::from_fn(&self.graph, |n| alive[n.index()]);
        let mut loops: Vec<Vec<NetId>> = tarjan_scc(&combinational)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let members: rustc_hash::FxHashSet<_> = component.iter().copied().collect();
                // Every member has a successor inside its component, so walking successors from
                // any member must revisit one: the walk from the first revisit is a cycle.
                let start = *component.iter().min().expect("components are non-empty");
                let mut order = vec![start];
                let mut seen = rustc_hash::FxHashMap::default();
                seen.insert(start, 0usize);
                let mut current = start;
                loop {
                    let next = self
                        .graph
                        .neighbors_directed(current, Direction::Outgoing)
                        .filter(|n| members.contains(n))
                        .min()
                        .expect(
                            "every node of a strongly connected component has a successor in it",
                        );
                    if let Some(&first) = seen.get(&next) {
                        order.drain(..first);
                        break;
                    }
                    seen.insert(next, order.len());
                    order.push(next);
                    current = next;
                }
                let mut nets: Vec<NetId> = order
                    .into_iter()
                    .filter(|&n| matches!(self.graph[n], Node::Net(_)))
                    .map(NetId::from_node)
                    .collect();
                // Start each reported loop at its smallest net so reports are deterministic.
                if let Some(pos) = nets.iter().enumerate().min_by_key(|(_, n)| **n).map(|(i, _)| i)
                {
                    nets.rotate_left(pos);
                }
                nets
            })
            .collect();
        loops.sort();
        loops
    }

    /// Marks the nodes of the combinational graph (flip-flops removed) that lie on a cycle or on
    /// a path between cycles: what remains after repeatedly removing nodes with no incoming
    /// edge, then nodes with no outgoing edge.
    fn nodes_between_loops(&self) -> Vec<bool> {
        const GONE: u32 = u32::MAX;
        let bound = self.index_bound();
        let mut degree = vec![0u32; bound];
        for n in self.graph.node_indices() {
            if self.is_flop_node(n) {
                degree[n.index()] = GONE;
            }
        }
        for e in (&self.graph).edge_references() {
            let (from, to) = (e.source().index(), e.target().index());
            if degree[from] != GONE && degree[to] != GONE {
                degree[to] += 1;
            }
        }
        let mut stack: Vec<u32> = Vec::new();
        // Round one removes nodes without incoming edges, walking to their successors; round two
        // removes, among the survivors, nodes without outgoing edges, walking to predecessors.
        for walk in [Direction::Outgoing, Direction::Incoming] {
            if walk == Direction::Incoming {
                if degree.iter().all(|&d| d == GONE) {
                    break; // no loop: nothing survived round one
                }
                for d in degree.iter_mut().filter(|d| **d != GONE) {
                    *d = 0;
                }
                for e in (&self.graph).edge_references() {
                    let (from, to) = (e.source().index(), e.target().index());
                    if degree[from] != GONE && degree[to] != GONE {
                        degree[from] += 1;
                    }
                }
            }
            stack.extend(degree.iter().enumerate().filter(|(_, &d)| d == 0).map(|(n, _)| n as u32));
            while let Some(n) = stack.pop() {
                degree[n as usize] = GONE;
                for next in self.graph.neighbors_directed(NodeIndex::new(n as usize), walk) {
                    let d = &mut degree[next.index()];
                    if *d != GONE {
                        *d -= 1;
                        if *d == 0 {
                            stack.push(next.index() as u32);
                        }
                    }
                }
            }
        }
        degree.into_iter().map(|d| d != GONE).collect()
    }
}
