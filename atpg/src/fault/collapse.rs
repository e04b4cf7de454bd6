//! Fault collapsing: equivalence classes, dominance, and the map back to every uncollapsed fault.
//!
//! Equivalence is found cell by cell. A "cell" here is a primitive gate of the netlist, or a
//! standard-cell instance with exactly one output pin and no state. For each input pin and stuck
//! value, the cell is evaluated three-valued with that pin forced and every other input X; if the
//! output comes out a known constant `w`, the pin fault and the output stuck-at-`w` fault give
//! the same faulty circuit and are equivalent. On primitive gates this is exactly the textbook
//! rule set (an input stuck at the controlling value of AND/NAND/OR/NOR is equivalent to the
//! output stuck at the controlled value; both faults of a buffer or inverter input are equivalent
//! to output faults); on cells it is the same rule applied to the cell's function. A pin fault on
//! a net with a single sink is that net's stem fault, which is how fanout-free chains collapse
//! into one class. Requiring the output to be known with the other inputs X (not merely constant
//! over 0/1) keeps equivalent faults equivalent under three-valued simulation too, so simulating
//! one fault per class gives the exact result for every member.
//!
//! Dominance (optional): output stuck-at-`u` dominates an input pin fault when every input
//! pattern that changes the cell's output under the pin fault changes it to `u`; every test for
//! the pin fault then detects the output fault, which is dropped from the list (the AND gate's
//! output stuck-at-1, for instance). Checked on the cell's two-valued truth table, for cells with
//! at most six distinct input nets. A dropped class is detected whenever the class it dominates
//! is; that relation is kept so results can be mapped back.
//!
//! Representatives: the stem fault of each class if it has one (stems are injected by forcing a
//! node, the cheapest injection), else its lowest fault id.

use netlist::{Circuit, GateKind, InstanceId, NodeId, PinDirection};

use super::site::SiteKind;
use super::{FaultId, FaultKind, FaultUniverse, SiteId};
use crate::sim::value::{eval_gate, SimValue, Word3};

/// How far to collapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollapseMode {
    /// Every fault of the universe.
    None,
    /// One fault per equivalence class.
    #[default]
    Equivalence,
    /// Equivalence, then dominated classes' dominating faults dropped.
    Dominance,
    /// Equivalence of transition faults (fault `2s` slow-to-rise, `2s + 1` slow-to-fall, see
    /// [`FaultUniverse::two_frame`]): only through cells whose output is a function of one
    /// input net (buffers and inverters), plus the single-sink rule. A slow-to-rise fault on an
    /// AND input needs that input at 0 in frame 1, while the output's needs only some input at
    /// 0: the stuck-at rules for controlling values do not carry over.
    Transition,
}

impl std::fmt::Display for CollapseMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CollapseMode::None => "none",
            CollapseMode::Equivalence => "equivalence",
            CollapseMode::Dominance => "dominance",
            CollapseMode::Transition => "transition",
        })
    }
}

/// A collapsed fault list and its relation to the uncollapsed universe.
#[derive(Debug, Clone)]
pub struct CollapsedFaults {
    mode: CollapseMode,
    /// Per uncollapsed fault, its equivalence class.
    class_of: Vec<u32>,
    /// Per class, its representative.
    representatives: Vec<FaultId>,
    /// Per class, the class it was dropped for by dominance (`u32::MAX`: kept).
    dropped_for: Vec<u32>,
    /// The collapsed list: representatives of the kept classes, in fault id order.
    list: Vec<FaultId>,
}

/// One single-output cell as collapsing sees it.
struct CellView {
    /// The primitive gates to evaluate, in topological order; the last drives the output.
    gates: Vec<NodeId>,
    output: NodeId,
    /// Distinct input nets.
    inputs: Vec<NodeId>,
    /// The input pins: the site standing for each, and what forcing it means.
    pins: Vec<(SiteId, Forcing)>,
}

/// What forcing one input pin of a [`CellView`] means.
#[derive(Clone, Copy)]
enum Forcing {
    /// One read of a primitive gate.
    Read { gate: NodeId, pin: usize },
    /// Every read of the net inside the cell (a cell pin).
    Net(NodeId),
}

impl CellView {
    /// The output value with the inputs set by `input` and optionally one pin forced. `values` is
    /// scratch space indexed by node.
    fn evaluate<V: SimValue>(
        &self,
        circuit: &Circuit,
        values: &mut [V],
        input: impl Fn(usize) -> V,
        forced: Option<(Forcing, V)>,
    ) -> V {
        for (k, net) in self.inputs.iter().enumerate() {
            values[net.index()] = input(k);
        }
        if let Some((Forcing::Net(net), v)) = forced {
            values[net.index()] = v;
        }
        for &g in &self.gates {
            let fanin = circuit.fanin(g);
            let v = eval_gate(circuit.kind(g), fanin.len(), |pin| match forced {
                Some((Forcing::Read { gate, pin: p }, v)) if gate == g && p == pin => v,
                _ => values[fanin[pin].index()],
            });
            values[g.index()] = v;
        }
        values[self.output.index()]
    }
}

/// Truth-table words of the first six variables.
const VARIABLES: [u64; 6] = netlist::gate::TRUTH_TABLE_WORDS;

/// Calls `visit` with every single-output cell of the circuit: primitive gates, then eligible
/// standard cells. One view is refilled for each (millions of gates, no allocation per gate).
fn visit_cells(circuit: &Circuit, universe: &FaultUniverse, mut visit: impl FnMut(&CellView)) {
    let mut view =
        CellView { gates: Vec::new(), output: NodeId(0), inputs: Vec::new(), pins: Vec::new() };
    let mut instance_gates: Vec<Vec<NodeId>> = vec![Vec::new(); circuit.instances().len()];
    let mut ids: Vec<Option<InstanceId>> = vec![None; circuit.instances().len()];
    for node in circuit.nodes().skip(circuit.num_inputs()) {
        if let Some(i) = circuit.node_instance(node) {
            ids[i.index()] = Some(i);
            instance_gates[i.index()].push(node);
            continue;
        }
        if matches!(circuit.kind(node), GateKind::Const0 | GateKind::Const1 | GateKind::ConstX) {
            continue;
        }
        match universe.stem_site(node).map(|s| universe.injection(s)) {
            Some(super::Injection::Node(_)) => {}
            _ => continue,
        }
        let fanin = circuit.fanin(node);
        view.gates.clear();
        view.gates.push(node);
        view.output = node;
        view.inputs.clear();
        view.inputs.extend_from_slice(fanin);
        view.inputs.sort_unstable();
        view.inputs.dedup();
        view.pins.clear();
        for pin in 0..fanin.len() {
            if let Some(site) = universe.gate_input_site(node, pin as u32) {
                view.pins.push((site, Forcing::Read { gate: node, pin }));
            }
        }
        visit(&view);
    }
    let mut stateful: Vec<bool> = vec![false; circuit.instances().len()];
    for cell in circuit.scan_cells() {
        if let Some(i) = circuit.node_instance(cell.q) {
            stateful[i.index()] = true;
        }
    }
    for (i, gates) in instance_gates.into_iter().enumerate() {
        let Some(id) = ids[i] else { continue };
        let instance = circuit.instance(id);
        if stateful[i] {
            continue;
        }
        let mut outputs = instance.pins.iter().filter(|p| p.direction == PinDirection::Output);
        let (Some(output_pin), None) = (outputs.next(), outputs.next()) else { continue };
        let Some(output) = output_pin.node else { continue };
        if circuit.node_instance(output) != Some(id) || gates.last() != Some(&output) {
            continue;
        }
        match universe.stem_site(output).map(|s| universe.injection(s)) {
            Some(super::Injection::Node(_)) => {}
            _ => continue,
        }
        view.inputs.clear();
        view.inputs.extend(
            instance
                .pins
                .iter()
                .filter(|p| p.direction != PinDirection::Output)
                .filter_map(|p| p.node),
        );
        view.inputs.sort_unstable();
        view.inputs.dedup();
        // Every read must be of a pin net or of the cell's own gates.
        let inputs = &view.inputs;
        let closed = gates.iter().all(|&g| {
            circuit
                .fanin(g)
                .iter()
                .all(|f| inputs.binary_search(f).is_ok() || gates.binary_search(f).is_ok())
        });
        if !closed {
            continue;
        }
        view.pins.clear();
        for (p, pin) in instance.pins.iter().enumerate() {
            if pin.direction == PinDirection::Output {
                continue;
            }
            if let (Some(site), Some(net)) = (universe.cell_input_site(id, p as u32), pin.node) {
                view.pins.push((site, Forcing::Net(net)));
            }
        }
        view.gates = gates;
        view.output = output;
        visit(&view);
    }
}

/// Union-find over fault ids.
struct Classes {
    parent: Vec<u32>,
}

impl Classes {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.parent[high as usize] = low;
        }
    }
}

impl CollapsedFaults {
    /// Collapses the faults of `universe` (built from `circuit`).
    pub fn new(circuit: &Circuit, universe: &FaultUniverse, mode: CollapseMode) -> CollapsedFaults {
        let total = universe.len();
        let mut classes = Classes { parent: (0..total as u32).collect() };
        let mut dominance: Vec<(FaultId, FaultId)> = Vec::new();
        if mode != CollapseMode::None {
            let mut scratch3 = vec![Word3::X; circuit.num_nodes()];
            let mut scratch2 = vec![0u64; circuit.num_nodes()];
            visit_cells(circuit, universe, |view| {
                let output_site =
                    universe.stem_site(view.output).expect("cell views have an output stem");
                let truth = (view.inputs.len() <= VARIABLES.len()
                    && !view.gates.iter().any(|&g| circuit.kind(g) == GateKind::ConstX))
                .then(|| view.evaluate(circuit, &mut scratch2, |k| VARIABLES[k], None));
                // Transition faults: only a single-input function passes a transition on as one.
                if mode == CollapseMode::Transition && view.inputs.len() != 1 {
                    return;
                }
                for &(site, forcing) in &view.pins {
                    for kind in [FaultKind::StuckAt0, FaultKind::StuckAt1] {
                        let stuck = kind.stuck_value();
                        let pin_fault = FaultId::new(site, kind);
                        let out = view.evaluate(
                            circuit,
                            &mut scratch3,
                            |_| Word3::X,
                            Some((forcing, Word3::constant(stuck))),
                        );
                        let constant = if out == Word3::ONE {
                            Some(true)
                        } else if out == Word3::ZERO {
                            Some(false)
                        } else {
                            None
                        };
                        if let Some(w) = constant {
                            let out_fault = FaultId::new(output_site, stuck_kind(w));
                            classes.union(pin_fault.0, out_fault.0);
                            continue;
                        }
                        let Some(good) = truth else { continue };
                        let faulty = view.evaluate(
                            circuit,
                            &mut scratch2,
                            |k| VARIABLES[k],
                            Some((forcing, u64::constant(stuck))),
                        );
                        let diff = good ^ faulty;
                        if diff == 0 {
                            continue;
                        }
                        let dominating = if faulty & diff == diff {
                            FaultKind::StuckAt1
                        } else if faulty & diff == 0 {
                            FaultKind::StuckAt0
                        } else {
                            continue;
                        };
                        dominance.push((FaultId::new(output_site, dominating), pin_fault));
                    }
                }
            });
        }
        // Classes, numbered in order of their lowest fault id.
        let mut class_of = vec![0u32; total];
        let mut representatives: Vec<FaultId> = Vec::new();
        for f in 0..total as u32 {
            // Union keeps the lowest id as the root, so a class's root comes first.
            let root = classes.find(f);
            let class = if root == f {
                representatives.push(FaultId(f));
                representatives.len() as u32 - 1
            } else {
                class_of[root as usize]
            };
            class_of[f as usize] = class;
            let current = representatives[class as usize];
            let is_stem = |id: FaultId| universe.site(id.site()).kind == SiteKind::Stem;
            if !is_stem(current) && is_stem(FaultId(f)) {
                representatives[class as usize] = FaultId(f);
            }
        }
        let mut dropped_for = vec![u32::MAX; representatives.len()];
        if mode == CollapseMode::Dominance {
            for (dominating, dominated) in dominance {
                let a = class_of[dominating.index()];
                let b = class_of[dominated.index()];
                if a == b || dropped_for[a as usize] != u32::MAX {
                    continue;
                }
                // Follow what `b` was dropped for; dropping `a` must not close a cycle.
                let mut c = b;
                while c != a && dropped_for[c as usize] != u32::MAX {
                    c = dropped_for[c as usize];
                }
                if c != a {
                    dropped_for[a as usize] = b;
                }
            }
        }
        let mut list: Vec<FaultId> = representatives
            .iter()
            .enumerate()
            .filter(|&(c, _)| dropped_for[c] == u32::MAX)
            .map(|(_, &r)| r)
            .collect();
        list.sort_unstable();
        CollapsedFaults { mode, class_of, representatives, dropped_for, list }
    }

    /// The collapsing mode.
    pub fn mode(&self) -> CollapseMode {
        self.mode
    }

    /// The collapsed fault list, in fault id order: what ATPG works on.
    pub fn faults(&self) -> &[FaultId] {
        &self.list
    }

    /// Number of faults in the collapsed list.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the collapsed list is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Number of uncollapsed faults.
    pub fn total(&self) -> usize {
        self.class_of.len()
    }

    /// Number of equivalence classes (with [`CollapseMode::None`], every fault is its own class).
    pub fn num_classes(&self) -> usize {
        self.representatives.len()
    }

    /// The representative of every equivalence class, in class order: simulating these gives the
    /// exact result for every uncollapsed fault, dropped dominating classes included.
    pub fn class_representatives(&self) -> &[FaultId] {
        &self.representatives
    }

    /// The equivalence class of a fault (an index into [`CollapsedFaults::class_representatives`]).
    pub fn class_of(&self, fault: FaultId) -> usize {
        self.class_of[fault.index()] as usize
    }

    /// The representative of a fault's equivalence class.
    pub fn representative(&self, fault: FaultId) -> FaultId {
        self.representatives[self.class_of(fault)]
    }

    /// For a class dropped by dominance, the class whose detection implies its detection.
    pub fn dropped_for(&self, class: usize) -> Option<usize> {
        match self.dropped_for[class] {
            u32::MAX => None,
            c => Some(c as usize),
        }
    }

    /// Whether a class is in the collapsed list (not dropped by dominance).
    pub fn is_listed(&self, class: usize) -> bool {
        self.dropped_for[class] == u32::MAX
    }

    /// Maps per-class results (indexed like [`CollapsedFaults::class_representatives`]) to every
    /// uncollapsed fault.
    pub fn expand<T: Clone>(&self, per_class: &[T]) -> Vec<T> {
        self.expanded(per_class).cloned().collect()
    }

    /// [`CollapsedFaults::expand`] without the copy: every uncollapsed fault's result, by
    /// reference, in fault id order (for counting over tens of millions of faults).
    pub fn expanded<'a, T>(&'a self, per_class: &'a [T]) -> impl ExactSizeIterator<Item = &'a T> {
        assert_eq!(per_class.len(), self.representatives.len(), "one result per class");
        self.class_of.iter().map(|&c| &per_class[c as usize])
    }
}

fn stuck_kind(value: bool) -> FaultKind {
    if value {
        FaultKind::StuckAt1
    } else {
        FaultKind::StuckAt0
    }
}
