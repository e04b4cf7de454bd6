//! Test cube minimisation by backward justification.
//!
//! A SAT model assigns every input, but a test needs far fewer: the inputs that keep the fault
//! effect on one path to an output, and the side inputs of that path at the values the path
//! needs. Fewer care bits leave more room for dynamic compaction (more faults per pattern) and for
//! the fill.
//!
//! Given a fully specified vector that detects a fault, [`Justifier::justify`] simulates the good
//! machine and the faulty machine (the fault's fanout cone only) three-valued, and from each of
//! the (up to four) lowest-level outputs where the fault is seen walks back in reverse
//! topological order, keeping the walk that needs the fewest new care bits. A node whose value is required in one machine asks, of its gate:
//! - AND/NAND with some input at 0 (OR/NOR with some input at 1): one such controlling input;
//!   an input the base cube already fixes is preferred, then one already required in the same
//!   machine, then the one cheapest to control (SCOAP CC0/CC1);
//! - a multiplexer with a known select: the select and the selected data input; with an unknown
//!   select (its output known by consensus): both data inputs;
//! - any other gate (XOR, XNOR, non-controlled AND/OR, buffers, inverters): every input;
//! - constants and the stuck value itself: nothing.
//!
//! In the faulty machine a gate input that reads the fault is the stuck constant (nothing to
//! require), a fanin inside the cone is required in the faulty machine, and any other fanin is
//! the good value (required in the good machine). The inputs required in the good machine form
//! the cube. Three-valued simulation is monotone and every required node keeps its value once
//! its justification is fixed, so the cube detects the fault in three-valued simulation with
//! every other input X; callers still re-simulate it.

use std::collections::BinaryHeap;

use netlist::{Circuit, GateKind, NodeId};

use super::cone::FaultCone;
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::Logic;
use crate::sim::value::{eval_gate, SimValue, Word3};

/// Observing outputs tried per justification (the lowest-level ones).
const OBSERVATIONS_TRIED: usize = 4;

/// Required in the good machine.
const GOOD: u8 = 1;
/// Required in the faulty machine.
const FAULTY: u8 = 2;

/// Scratch space for justifying cubes of one circuit.
#[derive(Debug)]
pub struct Justifier {
    good: Vec<Word3>,
    faulty: Vec<Word3>,
    cone: FaultCone,
    need: Vec<u8>,
    queue: BinaryHeap<u32>,
    touched: Vec<u32>,
    /// Good values under the cube being extended ([`Justifier::set_base`]); nodes known there
    /// need no justification, since the extended cube keeps every care bit of the base.
    base: Vec<Word3>,
    use_base: bool,
    /// SCOAP combinational controllability of every node, `[CC0, CC1]`: how many input
    /// assignments it roughly takes to set it to 0 or 1. Among controlling inputs, the cheapest
    /// to keep is chosen.
    controllability: Vec<[u32; 2]>,
}

/// SCOAP CC0/CC1 (Goldstein 1979) of every node, in one pass in topological order; sums
/// saturate. For XOR-type gates with more than two inputs the usual pairwise rule is applied
/// in a chain.
pub(crate) fn scoap_controllability(circuit: &Circuit) -> Vec<[u32; 2]> {
    const NEVER: u32 = u32::MAX / 4;
    let mut cc: Vec<[u32; 2]> = Vec::with_capacity(circuit.num_nodes());
    for node in circuit.nodes() {
        let ins: Vec<[u32; 2]> = circuit.fanin(node).iter().map(|f| cc[f.index()]).collect();
        let sum = |v: usize| ins.iter().fold(0u32, |a, c| a.saturating_add(c[v])).min(NEVER);
        let min = |v: usize| ins.iter().map(|c| c[v]).min().unwrap_or(NEVER);
        let xor = || {
            ins.iter().skip(1).fold(ins.first().copied().unwrap_or([0, NEVER]), |a, b| {
                [
                    (a[0].saturating_add(b[0])).min(a[1].saturating_add(b[1])).min(NEVER),
                    (a[0].saturating_add(b[1])).min(a[1].saturating_add(b[0])).min(NEVER),
                ]
            })
        };
        let [c0, c1] = match circuit.kind(node) {
            GateKind::Input => [1, 1],
            GateKind::Const0 => [0, NEVER],
            GateKind::Const1 => [NEVER, 0],
            GateKind::ConstX => [NEVER, NEVER],
            GateKind::Buf => ins[0],
            GateKind::Not => [ins[0][1], ins[0][0]],
            GateKind::And => [min(0), sum(1)],
            GateKind::Nand => [sum(1), min(0)],
            GateKind::Or => [sum(0), min(1)],
            GateKind::Nor => [min(1), sum(0)],
            GateKind::Xor => xor(),
            GateKind::Xnor => {
                let [a, b] = xor();
                [b, a]
            }
            GateKind::Mux => {
                let pick = |v: usize| {
                    (ins[1][0].saturating_add(ins[0][0]).saturating_add(ins[2][v].min(ins[1][v])))
                        .min(ins[0][1].saturating_add(ins[2][v]))
                        .min(ins[0][0].saturating_add(ins[1][v]))
                        .min(NEVER)
                };
                [pick(0), pick(1)]
            }
        };
        let step = |c: u32| if c >= NEVER { NEVER } else { c + 1 };
        cc.push(match circuit.kind(node) {
            GateKind::Input | GateKind::Const0 | GateKind::Const1 | GateKind::ConstX => [c0, c1],
            _ => [step(c0), step(c1)],
        });
    }
    cc
}

/// A three-valued value as a word with every lane equal.
fn word(value: Logic) -> Word3 {
    match value {
        Logic::Zero => Word3::ZERO,
        Logic::One => Word3::ONE,
        Logic::X => Word3::X,
    }
}

fn logic(value: Word3) -> Logic {
    if value == Word3::ONE {
        Logic::One
    } else if value == Word3::ZERO {
        Logic::Zero
    } else {
        Logic::X
    }
}

impl Justifier {
    /// Scratch space for `circuit`.
    pub fn new(circuit: &Circuit) -> Justifier {
        let n = circuit.num_nodes();
        Justifier {
            good: vec![Word3::X; n],
            faulty: vec![Word3::X; n],
            cone: FaultCone::new(circuit),
            need: vec![0; n],
            queue: BinaryHeap::new(),
            touched: Vec::new(),
            base: vec![Word3::X; n],
            use_base: false,
            controllability: scoap_controllability(circuit),
        }
    }

    fn in_cone(&self, node: NodeId) -> bool {
        self.cone.contains(node)
    }

    /// The good value of every node of `instance` (in topological order, closed under fanin;
    /// `None`: the whole circuit) for `vector` (one value per circuit input).
    fn simulate_good(&mut self, circuit: &Circuit, vector: &[Logic], instance: Option<&[NodeId]>) {
        let inputs = circuit.num_inputs();
        let mut eval = |node: NodeId| {
            self.good[node.index()] = if node.index() < inputs {
                word(vector[node.index()])
            } else {
                let fanin = circuit.fanin(node);
                eval_gate(circuit.kind(node), fanin.len(), |p| self.good[fanin[p].index()])
            };
        };
        match instance {
            Some(nodes) => nodes.iter().for_each(|&n| eval(n)),
            None => circuit.nodes().for_each(eval),
        }
    }

    /// The fault's cone and the faulty values in it; returns the output entries the fault reads
    /// directly.
    fn simulate_faulty<'u>(
        &mut self,
        circuit: &Circuit,
        injection: Injection<'u>,
        stuck: Word3,
    ) -> Vec<u32> {
        self.cone.find(circuit, injection);
        for i in 0..self.cone.nodes().len() {
            let node = self.cone.nodes()[i];
            let value = match injection {
                Injection::Node(n) if n == node => stuck,
                _ => {
                    let fanin = circuit.fanin(node);
                    eval_gate(circuit.kind(node), fanin.len(), |p| {
                        self.faulty_input(injection, stuck, node, p as u32, fanin[p])
                    })
                }
            };
            self.faulty[node.index()] = value;
        }
        self.cone.output_reads().to_vec()
    }

    /// What pin `pin` of `gate` (reading `fanin`) sees in the faulty machine.
    fn faulty_input(
        &self,
        injection: Injection<'_>,
        stuck: Word3,
        gate: NodeId,
        pin: u32,
        fanin: NodeId,
    ) -> Word3 {
        if is_forced(injection, gate, pin) {
            stuck
        } else if self.in_cone(fanin) {
            self.faulty[fanin.index()]
        } else {
            self.good[fanin.index()]
        }
    }

    fn require(&mut self, node: NodeId, machine: u8) {
        let need = &mut self.need[node.index()];
        if *need == 0 {
            self.queue.push(node.0);
            self.touched.push(node.0);
        }
        *need |= machine;
    }

    /// Sets the cube the next [`Justifier::justify`] extends (`None`: none). Nodes whose good
    /// value `base` already fixes cost nothing to keep, so justification prefers them and stops
    /// there: the extension adds as few care bits as it can. `instance` as for
    /// [`Justifier::detects`].
    pub fn set_base(
        &mut self,
        circuit: &Circuit,
        base: Option<&[Logic]>,
        instance: Option<&[NodeId]>,
    ) {
        self.use_base = base.is_some();
        if let Some(base) = base {
            self.simulate_good(circuit, base, instance);
            std::mem::swap(&mut self.good, &mut self.base);
        }
    }

    /// Whether `node`'s good value `value` is already fixed by the base cube.
    fn fixed(&self, node: NodeId, value: Word3) -> bool {
        self.use_base && value != Word3::X && self.base[node.index()] == value
    }

    /// Whether `cube` (one value per circuit input, X allowed) detects `fault` in three-valued
    /// simulation: some output where the good value is known and the faulty value is the
    /// opposite known value. A plain scalar simulation, independent of the bit-parallel fault
    /// simulator and of the solver, used to check every SAT answer.
    ///
    /// `instance`, when given, lists the nodes to simulate: the fanin cone of the fault's fanout
    /// cone (and of its site), in topological order. Nothing outside it can matter.
    pub fn detects(
        &mut self,
        circuit: &Circuit,
        universe: &FaultUniverse,
        fault: FaultId,
        cube: &[Logic],
        instance: Option<&[NodeId]>,
    ) -> bool {
        let injection = universe.injection(fault.site());
        let stuck = Word3::constant(fault.kind().stuck_value());
        self.simulate_good(circuit, cube, instance);
        if universe.activation(fault.site()).is_some_and(|a| self.good[a.index()] != stuck) {
            return false;
        }
        let output_reads = self.simulate_faulty(circuit, injection, stuck);
        circuit.outputs().iter().enumerate().any(|(j, &o)| {
            let faulty = if output_reads.contains(&(j as u32)) {
                stuck
            } else if self.in_cone(o) {
                self.faulty[o.index()]
            } else {
                return false;
            };
            Word3::detects(self.good[o.index()], faulty) != 0
        })
    }

    /// The inputs of `vector` (one value per circuit input, every one known) that suffice to
    /// detect `fault`, the others X; `None` when `vector` does not detect it. `instance` as for
    /// [`Justifier::detects`].
    pub fn justify(
        &mut self,
        circuit: &Circuit,
        universe: &FaultUniverse,
        fault: FaultId,
        vector: &[Logic],
        instance: Option<&[NodeId]>,
    ) -> Option<Vec<Logic>> {
        let injection = universe.injection(fault.site());
        let stuck = Word3::constant(fault.kind().stuck_value());
        self.simulate_good(circuit, vector, instance);
        let initial = universe.activation(fault.site());
        if initial.is_some_and(|a| self.good[a.index()] != stuck) {
            return None;
        }
        let output_reads = self.simulate_faulty(circuit, injection, stuck);

        // The outputs where the fault is seen, lowest level first; the few lowest are tried and
        // the one needing the fewest new care bits wins.
        let mut seen: Vec<(u32, usize)> = Vec::new();
        for (j, &o) in circuit.outputs().iter().enumerate() {
            let faulty = if output_reads.contains(&(j as u32)) {
                stuck
            } else if self.in_cone(o) {
                self.faulty[o.index()]
            } else {
                continue;
            };
            if Word3::detects(self.good[o.index()], faulty) != 0 {
                seen.push((circuit.level(o), j));
            }
        }
        seen.sort_unstable();
        let mut best: Option<(usize, Vec<Logic>)> = None;
        for &(_, j) in seen.iter().take(OBSERVATIONS_TRIED) {
            let cube = self.walk(circuit, injection, stuck, &output_reads, j, initial);
            let cost = cube
                .iter()
                .enumerate()
                .filter(|&(i, &v)| v != Logic::X && !self.fixed(NodeId(i as u32), word(v)))
                .count();
            if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                best = Some((cost, cube));
            }
        }
        best.map(|(_, cube)| cube)
    }

    /// The backward walk from output entry `j`: the inputs that keep the fault seen there (and
    /// keep `initial`, a transition fault's activation node, at its value).
    fn walk(
        &mut self,
        circuit: &Circuit,
        injection: Injection<'_>,
        stuck: Word3,
        output_reads: &[u32],
        j: usize,
        initial: Option<NodeId>,
    ) -> Vec<Logic> {
        let observed = circuit.outputs()[j];
        self.require(observed, GOOD);
        if let Some(initial) = initial {
            // A transition fault's frame-1 value is part of the test.
            self.require(initial, GOOD);
        }
        if !output_reads.contains(&(j as u32)) {
            self.require(observed, FAULTY);
        }

        let mut cube = vec![Logic::X; circuit.num_inputs()];
        let mut chosen = Vec::new();
        while let Some(index) = self.queue.pop() {
            let node = NodeId(index);
            let need = self.need[node.index()];
            if node.index() < circuit.num_inputs() {
                if need & GOOD != 0 {
                    cube[node.index()] = logic(self.good[node.index()]);
                }
                // An input required in the faulty machine is the faulted input itself (its
                // faulty value is the stuck constant), which needs nothing.
                continue;
            }
            let fanin = circuit.fanin(node);
            if need & GOOD != 0 && !self.fixed(node, self.good[node.index()]) {
                chosen.clear();
                self.choose(circuit, node, GOOD, |p| self.good[fanin[p].index()], &mut chosen);
                for &p in &chosen {
                    self.require(fanin[p], GOOD);
                }
            }
            let stuck_node = matches!(injection, Injection::Node(n) if n == node);
            if need & FAULTY != 0 && !stuck_node {
                chosen.clear();
                self.choose(
                    circuit,
                    node,
                    FAULTY,
                    |p| self.faulty_input(injection, stuck, node, p as u32, fanin[p]),
                    &mut chosen,
                );
                for &p in &chosen {
                    if is_forced(injection, node, p as u32) {
                        continue;
                    }
                    let f = fanin[p];
                    let machine = if self.in_cone(f) { FAULTY } else { GOOD };
                    self.require(f, machine);
                }
            }
        }
        for &t in &self.touched {
            self.need[t as usize] = 0;
        }
        self.touched.clear();
        cube
    }

    /// The pins of `node` whose values keep its output value in `machine`, given its input
    /// values `value(pin)`.
    fn choose(
        &self,
        circuit: &Circuit,
        node: NodeId,
        machine: u8,
        value: impl Fn(usize) -> Word3,
        chosen: &mut Vec<usize>,
    ) {
        let fanin = circuit.fanin(node);
        let controlling = match circuit.kind(node) {
            GateKind::And | GateKind::Nand => Some(Word3::ZERO),
            GateKind::Or | GateKind::Nor => Some(Word3::ONE),
            GateKind::Mux => {
                let select = value(0);
                if select == Word3::ONE {
                    chosen.extend([0, 2]);
                } else if select == Word3::ZERO {
                    chosen.extend([0, 1]);
                } else {
                    chosen.extend([1, 2]);
                }
                return;
            }
            GateKind::Const0 | GateKind::Const1 | GateKind::ConstX | GateKind::Input => {
                return;
            }
            _ => None,
        };
        if let Some(c) = controlling {
            // Prefer a controlling input already required in this machine, then the lowest.
            let mut best: Option<(bool, bool, u32, usize)> = None;
            for (p, &f) in fanin.iter().enumerate() {
                if value(p) != c {
                    continue;
                }
                // Outside the fault's cone both machines share the good value.
                let wanted = if machine == FAULTY && !self.in_cone(f) { GOOD } else { machine };
                let required = self.need[f.index()] & wanted != 0;
                let free = wanted == GOOD && self.fixed(f, c);
                let cost = self.controllability[f.index()][usize::from(c == Word3::ONE)];
                let key = (!free, !required, cost, p);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            if let Some((_, _, _, p)) = best {
                chosen.push(p);
                return;
            }
        }
        chosen.extend(0..fanin.len());
    }
}

fn is_forced(injection: Injection<'_>, gate: NodeId, pin: u32) -> bool {
    matches!(injection, Injection::Reads(reads) if reads.contains(&Read::Pin { gate, pin }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoap_controllability_of_textbook_gates() {
        let circuit = netlist::bench::parse_bench(
            "INPUT(a)\nINPUT(b)\nINPUT(c)\nOUTPUT(y)\nOUTPUT(z)\nOUTPUT(x)\n\
             y = AND(a, b)\nz = NOR(y, c)\nx = XOR(a, b)\n",
            "scoap.bench",
        )
        .expect("parses")
        .levelize()
        .expect("levelizes");
        let cc = scoap_controllability(&circuit);
        let of = |name: &str| cc[circuit.find_node(name).expect("node").index()];
        assert_eq!(of("a"), [1, 1]);
        assert_eq!(of("y"), [2, 3]);
        // NOR: 0 when either input is 1 (y=1 costs 3, c=1 costs 1), 1 when both are 0.
        assert_eq!(of("z"), [2, 4]);
        assert_eq!(of("x"), [3, 3]);
    }
}
