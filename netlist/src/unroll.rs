//! Two time frames of a full-scan circuit as one combinational [`Circuit`], for transition-delay
//! faults.
//!
//! A transition test applies two vectors in consecutive clock cycles: frame 1 sets up the initial
//! value at a fault site, frame 2 launches the transition and, at the capture edge, the primary
//! outputs and the flip-flops observe it. Unrolled, both frames are plain combinational logic
//! over one set of inputs, and a transition fault becomes a stuck-at fault in frame 2 with a
//! condition on the same net in frame 1; everything that works on combinational circuits
//! (fault simulation, SAT test generation) works on the unrolled circuit.
//!
//! Inputs of the unrolled circuit, in this order ([`TwoFrame`] gives the ranges):
//! 1. frame 1's primary inputs;
//! 2. frame 1's state: the scan load, one value per flip-flop in [`Circuit::scan_cells`] order;
//! 3. with [`TwoFrameOptions::pi_change`], frame 2's primary inputs (otherwise frame 2 holds
//!    frame 1's primary inputs, through buffers);
//! 4. for launch-on-shift, the value on each chain's scan-in port during the launching shift.
//!
//! Frame 2's state is built from frame 1 by buffers: for launch-on-capture each flip-flop holds
//! what it captured in frame 1 (its data input's frame-1 value); for launch-on-shift each holds
//! its predecessor's frame-1 value along its scan chain, and a chain's first cell holds the
//! scan-in value. The outputs are frame 2's: the primary outputs, then each flip-flop's data
//! input (what the capture edge stores), in the original circuit's order; the unrolled circuit
//! has no flip-flops of its own.
//!
//! Every node of the original circuit has a frame-1 copy ([`TwoFrame::frame1`]) and a frame-2
//! copy ([`TwoFrame::frame2`]) of the same gate function and fanin order, so gate pins map one to
//! one. Frame-2 copies keep the original names; frame-1 copies are named `name@1`.

use std::ops::Range;

use crate::circuit::{Adjacency, Circuit, NameTable, NodeId};
use crate::gate::GateKind;

/// `node_instances` entry of a node that no standard-cell instance drives.
const NO_INSTANCE: u32 = u32::MAX;

/// How frame 2's state follows from frame 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Launch {
    /// Launch-on-capture (broadside): frame 2's state is what frame 1 captured.
    #[default]
    Loc,
    /// Launch-on-shift (skewed load): frame 2's state is frame 1's shifted one cell along the
    /// scan chains.
    Los,
}

impl Launch {
    /// `loc` or `los`, as pattern files and reports write it.
    pub fn short_name(self) -> &'static str {
        match self {
            Launch::Loc => "loc",
            Launch::Los => "los",
        }
    }
}

impl std::fmt::Display for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.short_name())
    }
}

/// Settings of [`Circuit::two_frame`].
#[derive(Debug, Clone, Copy)]
pub struct TwoFrameOptions<'a> {
    /// The launch mode.
    pub launch: Launch,
    /// Whether frame 2 applies new primary-input values (otherwise they are held).
    pub pi_change: bool,
    /// The scan chains, each a list of indices into [`Circuit::scan_cells`] from scan-in to
    /// scan-out (as [`crate::ScanChains::validate`] resolves them). Launch-on-shift needs every
    /// flip-flop in exactly one chain; launch-on-capture ignores them.
    pub chains: &'a [Vec<usize>],
}

/// Errors of [`Circuit::two_frame`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnrollError {
    /// Launch-on-shift needs the chains to hold every flip-flop exactly once.
    #[error(
        "launch-on-shift needs every flip-flop in exactly one scan chain: flip-flop {cell} is in \
         {count}"
    )]
    ChainCoverage {
        /// The flip-flop's name.
        cell: String,
        /// How many chains list it.
        count: usize,
    },
    /// Launch-on-shift on a circuit without flip-flops.
    #[error("launch-on-shift needs flip-flops in scan chains; the circuit has none")]
    NoScanCells,
    /// A chain names a flip-flop index the circuit does not have.
    #[error("scan chain {chain} names flip-flop index {index}, but the circuit has {cells}")]
    UnknownCell {
        /// The chain's position.
        chain: usize,
        /// The index given.
        index: usize,
        /// Number of flip-flops.
        cells: usize,
    },
}

/// The two-frame unrolling of a full-scan circuit (see the module documentation).
#[derive(Debug, Clone)]
pub struct TwoFrame {
    circuit: Circuit,
    frame1: Vec<NodeId>,
    frame2: Vec<NodeId>,
    launch: Launch,
    pi_change: bool,
    num_primary_inputs: usize,
    num_cells: usize,
    num_chains: usize,
    /// Per original node, whether it holds the same value in both frames.
    invariant: Vec<bool>,
}

impl TwoFrame {
    /// The unrolled, combinational circuit.
    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    /// The frame-1 copy of an original node.
    #[inline]
    pub fn frame1(&self, node: NodeId) -> NodeId {
        self.frame1[node.index()]
    }

    /// The frame-2 copy of an original node.
    #[inline]
    pub fn frame2(&self, node: NodeId) -> NodeId {
        self.frame2[node.index()]
    }

    /// Whether an original node holds the same value in both frames whatever the inputs: its
    /// fanin reaches no flip-flop, and (without [`TwoFrame::pi_change`]) primary inputs are
    /// held. Both transition faults of such a net are untestable: the initial value frame 1
    /// needs is the value frame 2 must not have.
    #[inline]
    pub fn frame_invariant(&self, node: NodeId) -> bool {
        self.invariant[node.index()]
    }

    /// The launch mode.
    pub fn launch(&self) -> Launch {
        self.launch
    }

    /// Whether frame 2 has primary inputs of its own.
    pub fn pi_change(&self) -> bool {
        self.pi_change
    }

    /// Unrolled inputs holding frame 1's primary inputs.
    pub fn frame1_primary_inputs(&self) -> Range<usize> {
        0..self.num_primary_inputs
    }

    /// Unrolled inputs holding frame 1's state (the scan load).
    pub fn frame1_state(&self) -> Range<usize> {
        self.num_primary_inputs..self.num_primary_inputs + self.num_cells
    }

    /// Unrolled inputs holding frame 2's primary inputs (empty unless
    /// [`TwoFrame::pi_change`]).
    pub fn frame2_primary_inputs(&self) -> Range<usize> {
        let start = self.num_primary_inputs + self.num_cells;
        start..start + if self.pi_change { self.num_primary_inputs } else { 0 }
    }

    /// Unrolled inputs holding each chain's scan-in value during the launching shift (empty
    /// unless launch-on-shift).
    pub fn scan_in_values(&self) -> Range<usize> {
        let start = self.frame2_primary_inputs().end;
        start..start + self.num_chains
    }
}

impl Circuit {
    /// Unrolls the circuit into two time frames (see [`crate::unroll`]).
    pub fn two_frame(&self, options: &TwoFrameOptions<'_>) -> Result<TwoFrame, UnrollError> {
        let num_pi = self.num_primary_inputs;
        let num_cells = self.scan_cells.len();
        let los = options.launch == Launch::Los;
        // Launch-on-shift: each cell's predecessor (`None`: first in its chain, whose scan-in
        // value is input `scan_in + chain`).
        let mut shifted_from: Vec<Result<usize, usize>> = vec![Err(usize::MAX); num_cells];
        if los && num_cells == 0 {
            return Err(UnrollError::NoScanCells);
        }
        if los {
            let mut count = vec![0usize; num_cells];
            for (c, chain) in options.chains.iter().enumerate() {
                for (k, &cell) in chain.iter().enumerate() {
                    if cell >= num_cells {
                        return Err(UnrollError::UnknownCell {
                            chain: c,
                            index: cell,
                            cells: num_cells,
                        });
                    }
                    count[cell] += 1;
                    shifted_from[cell] = if k == 0 { Err(c) } else { Ok(chain[k - 1]) };
                }
            }
            if let Some(cell) = count.iter().position(|&n| n != 1) {
                return Err(UnrollError::ChainCoverage {
                    cell: self.scan_cells[cell].name.clone(),
                    count: count[cell],
                });
            }
        }
        let num_chains = if los { options.chains.len() } else { 0 };
        let num_inputs =
            num_pi + num_cells + if options.pi_change { num_pi } else { 0 } + num_chains;

        // Nodes in construction order: the inputs, frame 1's gates, frame 2's buffered inputs,
        // frame 2's gates. Sorted by level below.
        let n = self.num_nodes();
        let gates = n - self.num_inputs();
        let total = num_inputs + gates + self.num_inputs() + gates;
        let mut kinds: Vec<GateKind> = Vec::with_capacity(total);
        let mut fanin: Vec<Vec<u32>> = Vec::with_capacity(total);
        let mut names: Vec<String> = Vec::with_capacity(total);
        let mut instance: Vec<u32> = Vec::with_capacity(total);
        let mut frame1 = vec![0u32; n];
        let mut frame2 = vec![0u32; n];
        let mut push = |kind, inputs: Vec<u32>, name: String, inst: u32| {
            kinds.push(kind);
            fanin.push(inputs);
            names.push(name);
            instance.push(inst);
            kinds.len() as u32 - 1
        };
        for (i, slot) in frame1.iter_mut().enumerate().take(self.num_inputs()) {
            let node = NodeId(i as u32);
            let inst = self.node_instances[i];
            *slot = push(GateKind::Input, Vec::new(), self.frame1_name(node), inst);
        }
        if options.pi_change {
            for (i, slot) in frame2.iter_mut().enumerate().take(num_pi) {
                let name = self.node_name(NodeId(i as u32)).to_string();
                *slot = push(GateKind::Input, Vec::new(), name, NO_INSTANCE);
            }
        }
        let mut scan_in = Vec::with_capacity(num_chains);
        for c in 0..num_chains {
            let name = format!("scan_in@{}", c + 1);
            scan_in.push(push(GateKind::Input, Vec::new(), name, NO_INSTANCE));
        }
        for node in self.nodes().skip(self.num_inputs()) {
            let inputs = self.fanin(node).iter().map(|f| frame1[f.index()]).collect();
            frame1[node.index()] = push(
                self.kind(node),
                inputs,
                self.frame1_name(node),
                self.node_instances[node.index()],
            );
        }
        if !options.pi_change {
            for (i, slot) in frame2.iter_mut().enumerate().take(num_pi) {
                let node = NodeId(i as u32);
                let name = self.node_name(node).to_string();
                *slot = push(GateKind::Buf, vec![frame1[i]], name, NO_INSTANCE);
            }
        }
        for (k, cell) in self.scan_cells.iter().enumerate() {
            let source = match (los, shifted_from[k]) {
                (false, _) => frame1[cell.d.index()],
                (true, Ok(previous)) => frame1[self.scan_cells[previous].q.index()],
                (true, Err(chain)) => scan_in[chain],
            };
            frame2[cell.q.index()] = push(
                GateKind::Buf,
                vec![source],
                self.node_name(cell.q).to_string(),
                self.node_instances[cell.q.index()],
            );
        }
        for node in self.nodes().skip(self.num_inputs()) {
            let inputs = self.fanin(node).iter().map(|f| frame2[f.index()]).collect();
            frame2[node.index()] = push(
                self.kind(node),
                inputs,
                self.node_name(node).to_string(),
                self.node_instances[node.index()],
            );
        }

        // Levels, then the final order: inputs first, then by level (construction order within
        // a level, which keeps frame 1 before frame 2).
        let mut level = vec![0u32; kinds.len()];
        for i in num_inputs..kinds.len() {
            level[i] = fanin[i].iter().map(|&f| level[f as usize] + 1).max().unwrap_or(0);
        }
        let mut order: Vec<u32> = (num_inputs as u32..kinds.len() as u32).collect();
        order.sort_by_key(|&i| level[i as usize]);
        let mut position = vec![0u32; kinds.len()];
        for (p, i) in (0..num_inputs as u32).chain(order.iter().copied()).enumerate() {
            position[i as usize] = p as u32;
        }
        let sequence: Vec<u32> = (0..num_inputs as u32).chain(order).collect();
        let mut adjacency =
            Adjacency { offsets: Vec::with_capacity(kinds.len() + 1), targets: Vec::new() };
        adjacency.offsets.push(0);
        let mut table = NameTable::default();
        let mut new_kinds = Vec::with_capacity(kinds.len());
        let mut levels = Vec::with_capacity(kinds.len());
        let mut node_instances = Vec::with_capacity(kinds.len());
        for &i in &sequence {
            let i = i as usize;
            adjacency.targets.extend(fanin[i].iter().map(|&f| NodeId(position[f as usize])));
            adjacency.offsets.push(adjacency.targets.len() as u32);
            table.push(&names[i]);
            new_kinds.push(kinds[i]);
            levels.push(level[i]);
            node_instances.push(instance[i]);
        }
        let fanout = adjacency.transpose(new_kinds.len());
        let map =
            |copies: Vec<u32>| copies.into_iter().map(|i| NodeId(position[i as usize])).collect();
        let frame1: Vec<NodeId> = map(frame1);
        let frame2: Vec<NodeId> = map(frame2);
        let outputs: Vec<NodeId> = self.outputs.iter().map(|o| frame2[o.index()]).collect();
        let instances = self
            .instances
            .iter()
            .map(|i| {
                let mut i = i.clone();
                for pin in &mut i.pins {
                    pin.node = pin.node.map(|n| frame2[n.index()]);
                }
                i
            })
            .collect();
        let circuit = Circuit {
            name: self.name.clone(),
            kinds: new_kinds,
            levels,
            fanin: adjacency,
            fanout,
            names: table,
            num_primary_inputs: num_inputs,
            num_primary_outputs: outputs.len(),
            outputs,
            scan_cells: Vec::new(),
            clocks: self.clocks.clone(),
            node_instances,
            instance_ids: self.instance_ids.clone(),
            instances,
        };
        let mut invariant = vec![false; n];
        for node in self.nodes() {
            invariant[node.index()] = if node.index() < num_pi {
                !options.pi_change
            } else if node.index() < self.num_inputs() {
                false
            } else {
                self.fanin(node).iter().all(|f| invariant[f.index()])
            };
        }
        Ok(TwoFrame {
            circuit,
            invariant,
            frame1,
            frame2,
            launch: options.launch,
            pi_change: options.pi_change,
            num_primary_inputs: num_pi,
            num_cells,
            num_chains,
        })
    }

    fn frame1_name(&self, node: NodeId) -> String {
        format!("{}@1", self.node_name(node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit() -> Circuit {
        crate::bench::parse_bench(
            "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nq1 = DFF(d1)\nq2 = DFF(q1)\n\
             p = AND(a, b)\nd1 = XOR(p, q2)\ny = OR(q1, p)\n",
            "t.bench",
        )
        .expect("parses")
        .levelize()
        .expect("levelizes")
    }

    #[test]
    fn frames_are_wired_by_the_launch_rule() {
        let c = circuit();
        let node = |name: &str| c.find_node(name).expect("node");
        let chains = [vec![0, 1]];
        for launch in [Launch::Loc, Launch::Los] {
            for pi_change in [false, true] {
                let options = TwoFrameOptions { launch, pi_change, chains: &chains };
                let t = c.two_frame(&options).expect("unrolls");
                let u = t.circuit();
                assert_eq!(
                    u.num_inputs(),
                    4 + if pi_change { 2 } else { 0 } + t.scan_in_values().len()
                );
                assert!(u.scan_cells().is_empty());
                assert_eq!(u.outputs().len(), c.outputs().len());
                // Frame 2's flip-flop outputs are buffers of what the launch rule picks.
                let q1 = u.fanin(t.frame2(node("q1")));
                let q2 = u.fanin(t.frame2(node("q2")));
                match launch {
                    Launch::Loc => {
                        assert_eq!(q1, [t.frame1(node("d1"))]);
                        assert_eq!(q2, [t.frame1(node("q1"))], "q2's data input is q1");
                    }
                    Launch::Los => {
                        assert_eq!(q1, [NodeId(t.scan_in_values().start as u32)]);
                        assert_eq!(q2, [t.frame1(node("q1"))]);
                    }
                }
                assert_eq!(t.frame_invariant(node("p")), !pi_change, "p reads inputs only");
                assert!(!t.frame_invariant(node("d1")) && !t.frame_invariant(node("q1")));
                assert_eq!(u.node_name(t.frame2(node("y"))), "y");
                assert_eq!(u.node_name(t.frame1(node("y"))), "y@1");
                // Levels increase along every edge.
                for n in u.nodes() {
                    assert!(u.fanin(n).iter().all(|f| u.level(*f) < u.level(n)));
                }
            }
        }
        let uncovered =
            TwoFrameOptions { launch: Launch::Los, pi_change: false, chains: &[vec![1]] };
        assert!(matches!(c.two_frame(&uncovered), Err(UnrollError::ChainCoverage { .. })));
    }
}
