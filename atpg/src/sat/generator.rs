//! Per-fault test generation: the good circuit encoded once, a guarded faulty cone per fault.
//!
//! For a fault, the miter is built from:
//! - a fresh activation variable `act`; every clause of the fault is guarded by `!act`, so it
//!   binds only while `act` is assumed, and after the fault the unit clause `!act` switches all of
//!   them off for good (the solver then drops them as satisfied);
//! - a faulty copy of the fault's transitive fanout cone only (fresh variables); gates outside the
//!   cone are shared with the good circuit;
//! - activation: the good value of the faulted net is known and differs from the stuck value;
//! - difference: one `d` literal per cone node, `d` implying that the good and faulty values are
//!   known and opposite; the difference clause asks some reachable output entry (primary or
//!   pseudo) to differ; D-chain clauses ask that a differing cone node have a differing fanout
//!   (or be observed), starting from the fault site, which prunes the search to sensitised paths.
//!
//! The D-chain is sound in three-valued logic too: the simulator's gates are monotone, so a gate
//! whose good and faulty outputs are known and opposite has an input that is known and opposite.
//!
//! Because the good circuit stays and only guarded clauses come and go, clauses the solver learns
//! about the good circuit carry over from fault to fault. Switched-off copies still cost: a model
//! assigns every variable, so each call pays for all finished faults' variables. The solver is
//! therefore rebuilt (good circuit only) once those exceed [`DEFAULT_REBUILD_RATIO`] times the
//! good circuit's variables; on c432 that made the whole fault list about 7x faster than one
//! solver for every fault.

use netlist::{Circuit, NodeId};

use super::encode::{encode_circuit, Encoder, Guarded, Rails};
use super::{CadicalBackend, ClauseSink, Lit, SatBackend, SolveResult};
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::{Logic, PatternSet};
use crate::sim::FaultSimulator;

/// A test cube: one value per circuit input (primary, then pseudo), X where the test does not
/// care.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cube {
    values: Vec<Logic>,
}

impl Cube {
    /// A cube of the given input values (one per circuit input, in input order).
    pub(crate) fn from_values(values: Vec<Logic>) -> Cube {
        Cube { values }
    }

    /// The value of every input, in [`netlist::Circuit::inputs`] order.
    pub fn values(&self) -> &[Logic] {
        &self.values
    }

    /// The number of inputs the test cares about.
    pub fn care_count(&self) -> usize {
        self.values.iter().filter(|&&v| v != Logic::X).count()
    }

    /// The cube as one pattern of a [`PatternSet`].
    pub fn to_patterns(&self) -> PatternSet {
        let mut set = PatternSet::new(self.values.len());
        set.push(&self.values);
        set
    }
}

impl std::fmt::Display for Cube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.values.iter().try_for_each(|v| write!(f, "{}", v.to_char()))
    }
}

/// What test generation found for one fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    /// A cube that detects the fault (checked by three-valued simulation with its X inputs).
    Detected(Cube),
    /// No input vector detects the fault (proven: no path to an output, or UNSAT).
    Untestable,
    /// The conflict limit ran out first.
    Aborted,
}

/// Errors of test generation. A simulation mismatch is a bug in the encoder or the solver, not
/// a property of the input, and is reported rather than believed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SatError {
    /// The fault is not in the universe the generator was built with.
    #[error("fault {0} is not in the fault universe")]
    UnknownFault(u32),
    /// The solver's answer does not detect the fault in simulation.
    #[error(
        "bug: the SAT test {cube} for fault {fault} does not detect it in three-valued simulation"
    )]
    SimulationMismatch {
        /// The fault's name.
        fault: String,
        /// The cube that failed.
        cube: String,
    },
}

/// Counters of the work done, over all faults so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct GeneratorStats {
    /// Solver calls.
    pub sat_calls: u64,
    /// Faults detected.
    pub detected: u64,
    /// Faults proven untestable by the solver (UNSAT).
    pub untestable_by_sat: u64,
    /// Faults untestable without search: no path from the site to any output.
    pub untestable_structural: u64,
    /// Faults aborted at the conflict limit.
    pub aborted: u64,
    /// Variables created in the solver.
    pub variables: u64,
    /// Clauses added to the solver.
    pub clauses: u64,
    /// Times the solver was rebuilt to shed the variables of finished faults.
    pub rebuilds: u64,
}

/// A sink that counts what passes through to the solver.
struct Counting<'s, S> {
    sink: &'s mut S,
    variables: u64,
    clauses: u64,
}

impl<S: ClauseSink> ClauseSink for Counting<'_, S> {
    fn new_var(&mut self) -> super::Var {
        self.variables += 1;
        self.sink.new_var()
    }
    fn add_clause(&mut self, lits: &[Lit]) {
        self.clauses += 1;
        self.sink.add_clause(lits);
    }
}

/// The literals of one fault's miter.
#[derive(Debug, Clone)]
pub struct FaultMiter {
    /// Assume this to switch the fault's clauses on; its complement switches them off.
    pub activation: Lit,
    /// Per reachable output entry (index into [`netlist::Circuit::outputs`]), a literal that
    /// implies the fault is seen there.
    pub output_differs: Vec<(u32, Lit)>,
}

/// Builds fault miters; keeps the scratch space between faults.
#[derive(Debug)]
pub struct MiterBuilder {
    /// Per node, the output entries that observe it (CSR).
    observer_start: Vec<u32>,
    observers: Vec<u32>,
    /// Per node, the fault (epoch) it was last put in the cone for.
    stamp: Vec<u32>,
    epoch: u32,
    faulty: Vec<Rails>,
    differs: Vec<Lit>,
    cone: Vec<NodeId>,
    inputs: Vec<Rails>,
    clause: Vec<Lit>,
}

impl MiterBuilder {
    /// Scratch space for `circuit`.
    pub fn new(circuit: &Circuit) -> MiterBuilder {
        let n = circuit.num_nodes();
        let mut count = vec![0u32; n + 1];
        for o in circuit.outputs() {
            count[o.index() + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut observers = vec![0u32; circuit.outputs().len()];
        for (j, o) in circuit.outputs().iter().enumerate() {
            observers[fill[o.index()] as usize] = j as u32;
            fill[o.index()] += 1;
        }
        let dummy = Rails::binary(Lit(0));
        MiterBuilder {
            observer_start: count,
            observers,
            stamp: vec![0; n],
            epoch: 0,
            faulty: vec![dummy; n],
            differs: vec![dummy.one; n],
            cone: Vec::new(),
            inputs: Vec::new(),
            clause: Vec::new(),
        }
    }

    fn observers(&self, node: NodeId) -> &[u32] {
        let i = node.index();
        &self.observers[self.observer_start[i] as usize..self.observer_start[i + 1] as usize]
    }

    fn in_cone(&self, node: NodeId) -> bool {
        self.stamp[node.index()] == self.epoch
    }

    /// Encodes the miter of `fault` into `sink`, over the good circuit's `good` signals (as
    /// [`encode_circuit`] returned them). `None` when no output is reachable from the site: the
    /// fault is untestable and nothing was added.
    pub fn encode(
        &mut self,
        sink: &mut impl ClauseSink,
        circuit: &Circuit,
        universe: &FaultUniverse,
        encoder: Encoder,
        good: &[Rails],
        fault: FaultId,
    ) -> Option<FaultMiter> {
        let site = universe.site(fault.site());
        let stuck = fault.kind().stuck_value();
        let injection = universe.injection(fault.site());
        let stuck_signal = Rails::binary(encoder.constant(stuck));

        // The cone: the faulted node (for a stem), then everything its fault reaches.
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = u32::MAX);
            self.epoch = 1;
        }
        self.cone.clear();
        let mut output_reads: Vec<u32> = Vec::new();
        match injection {
            Injection::Node(n) => {
                self.stamp[n.index()] = self.epoch;
                self.cone.push(n);
            }
            Injection::Reads(reads) => {
                for read in reads {
                    match *read {
                        Read::Pin { gate, .. } => {
                            if !self.in_cone(gate) {
                                self.stamp[gate.index()] = self.epoch;
                                self.cone.push(gate);
                            }
                        }
                        Read::Output(j) => output_reads.push(j),
                    }
                }
            }
        }
        let mut next = 0;
        while next < self.cone.len() {
            let node = self.cone[next];
            next += 1;
            for &reader in circuit.fanout(node) {
                if !self.in_cone(reader) {
                    self.stamp[reader.index()] = self.epoch;
                    self.cone.push(reader);
                }
            }
        }
        let reachable =
            output_reads.len() + self.cone.iter().map(|&v| self.observers(v).len()).sum::<usize>();
        if reachable == 0 {
            return None;
        }
        // Node ids are topological, so sorting puts every fanin before its reader.
        self.cone.sort_unstable();

        let activation = sink.new_var().positive();
        let mut sink = Guarded::new(sink, !activation);
        let mut output_differs = Vec::with_capacity(reachable);

        // Faulty values and difference literals, in topological order.
        let cone = std::mem::take(&mut self.cone);
        for &node in &cone {
            let faulty = match injection {
                Injection::Node(n) if n == node => stuck_signal,
                _ => {
                    self.inputs.clear();
                    for (pin, &f) in circuit.fanin(node).iter().enumerate() {
                        let read = Read::Pin { gate: node, pin: pin as u32 };
                        let forced =
                            matches!(injection, Injection::Reads(reads) if reads.contains(&read));
                        self.inputs.push(if forced {
                            stuck_signal
                        } else if self.in_cone(f) {
                            self.faulty[f.index()]
                        } else {
                            good[f.index()]
                        });
                    }
                    encoder.gate(&mut sink, circuit.kind(node), &self.inputs)
                }
            };
            self.faulty[node.index()] = faulty;
            let d = sink.new_var().positive();
            add_differs(&mut sink, d, good[node.index()], faulty);
            self.differs[node.index()] = d;
            for &j in self.observers(node) {
                output_differs.push((j, d));
            }
        }
        for &j in &output_reads {
            let d = sink.new_var().positive();
            add_differs(&mut sink, d, good[site.net.index()], stuck_signal);
            output_differs.push((j, d));
        }

        // D-chain: a differing node that no output observes has a differing reader.
        for &node in &cone {
            if !self.observers(node).is_empty() {
                continue;
            }
            self.clause.clear();
            self.clause.push(!self.differs[node.index()]);
            self.clause.extend(circuit.fanout(node).iter().map(|r| self.differs[r.index()]));
            sink.add_clause(&self.clause);
        }
        // The chain starts at the site.
        self.clause.clear();
        match injection {
            Injection::Node(n) => self.clause.push(self.differs[n.index()]),
            Injection::Reads(reads) => {
                for read in reads {
                    if let Read::Pin { gate, .. } = *read {
                        self.clause.push(self.differs[gate.index()]);
                    }
                }
                self.clause.extend(
                    output_differs
                        .iter()
                        .filter(|(j, _)| output_reads.contains(j))
                        .map(|&(_, d)| d),
                );
            }
        }
        sink.add_clause(&self.clause);
        // Activation, and the difference over the reachable outputs.
        sink.add_clause(&[good[site.net.index()].is(!stuck)]);
        self.clause.clear();
        self.clause.extend(output_differs.iter().map(|&(_, d)| d));
        sink.add_clause(&self.clause);

        self.cone = cone;
        Some(FaultMiter { activation, output_differs })
    }
}

/// `d` implies that `good` and `faulty` are known and opposite.
fn add_differs(sink: &mut impl ClauseSink, d: Lit, good: Rails, faulty: Rails) {
    if good.is_binary() && faulty.is_binary() {
        sink.add_clause(&[!d, good.one, faulty.one]);
        sink.add_clause(&[!d, !good.one, !faulty.one]);
        return;
    }
    let rises = sink.new_var().positive();
    let falls = sink.new_var().positive();
    sink.add_clause(&[!d, rises, falls]);
    sink.add_clause(&[!rises, good.zero]);
    sink.add_clause(&[!rises, faulty.one]);
    sink.add_clause(&[!falls, good.one]);
    sink.add_clause(&[!falls, faulty.zero]);
}

/// SAT-based test generation for the faults of one circuit and fault universe.
///
/// ```
/// # use atpg::fault::FaultUniverse;
/// # use atpg::sat::{TestGenerator, TestOutcome};
/// let circuit = netlist::bench::parse_bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = AND(a, b)\n", "and.bench")
///     .expect("parses")
///     .levelize()
///     .expect("levelizes");
/// let universe = FaultUniverse::new(&circuit);
/// let mut generator = TestGenerator::new(&circuit, &universe).with_conflict_limit(Some(1000));
/// for fault in universe.faults() {
///     let outcome = generator.generate(fault).expect("no simulation mismatch");
///     assert!(matches!(outcome, TestOutcome::Detected(_)));
/// }
/// ```
pub struct TestGenerator<'a, B: SatBackend = CadicalBackend> {
    circuit: &'a Circuit,
    universe: &'a FaultUniverse,
    simulator: FaultSimulator<'a>,
    solver: B,
    encoder: Encoder,
    good: Vec<Rails>,
    miters: MiterBuilder,
    support_stamp: Vec<bool>,
    conflict_limit: Option<u32>,
    stats: GeneratorStats,
    /// Variables of the good circuit's encoding.
    good_vars: u64,
    /// Variables of finished faults since the solver was last built.
    dead_vars: u64,
    rebuild_ratio: u64,
}

/// By default the solver is rebuilt once finished faults have left this many times as many
/// variables as the good circuit has. Measured on c432 (see the tests): switched-off faulty
/// copies cost every later call, because a model assigns every variable, and that outweighs the
/// learnt clauses a rebuild loses.
pub const DEFAULT_REBUILD_RATIO: u64 = 4;

impl<B: SatBackend> std::fmt::Debug for TestGenerator<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestGenerator")
            .field("backend", &self.solver.name())
            .field("conflict_limit", &self.conflict_limit)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<'a> TestGenerator<'a, CadicalBackend> {
    /// A generator on the default backend (CaDiCaL, which honours the conflict limit), with the
    /// good circuit encoded and no conflict limit.
    pub fn new(circuit: &'a Circuit, universe: &'a FaultUniverse) -> Self {
        TestGenerator::with_backend(circuit, universe, CadicalBackend::new())
    }
}

impl<'a, B: SatBackend> TestGenerator<'a, B> {
    /// A generator on `backend` (which should be empty), with the good circuit encoded into it.
    pub fn with_backend(circuit: &'a Circuit, universe: &'a FaultUniverse, mut backend: B) -> Self {
        let mut counting = Counting { sink: &mut backend, variables: 0, clauses: 0 };
        let (encoder, good) = encode_circuit(&mut counting, circuit);
        let good_vars = counting.variables;
        let stats = GeneratorStats {
            variables: counting.variables,
            clauses: counting.clauses,
            ..Default::default()
        };
        TestGenerator {
            circuit,
            universe,
            simulator: FaultSimulator::new(circuit, universe).with_threads(1),
            solver: backend,
            encoder,
            good,
            miters: MiterBuilder::new(circuit),
            support_stamp: vec![false; circuit.num_nodes()],
            conflict_limit: None,
            stats,
            good_vars,
            dead_vars: 0,
            rebuild_ratio: DEFAULT_REBUILD_RATIO,
        }
    }

    /// Rebuilds the solver (good circuit only, learnt clauses dropped) once the variables of
    /// finished faults exceed `ratio` times the good circuit's; `0` never rebuilds.
    pub fn with_rebuild_ratio(mut self, ratio: u64) -> Self {
        self.rebuild_ratio = ratio;
        self
    }

    /// Starts the solver afresh with the good circuit alone.
    fn rebuild(&mut self) {
        self.solver.reset();
        let mut counting = Counting { sink: &mut self.solver, variables: 0, clauses: 0 };
        let (encoder, good) = encode_circuit(&mut counting, self.circuit);
        self.stats.variables += counting.variables;
        self.stats.clauses += counting.clauses;
        self.encoder = encoder;
        self.good = good;
        self.dead_vars = 0;
        self.stats.rebuilds += 1;
    }

    /// Bounds the conflicts of each fault's solver call (`None`: no bound). Backends without a
    /// conflict budget (varisat) ignore it.
    pub fn with_conflict_limit(mut self, limit: Option<u32>) -> Self {
        self.conflict_limit = limit;
        self
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.solver.name()
    }

    /// The counters so far.
    pub fn stats(&self) -> GeneratorStats {
        self.stats
    }

    /// Generates a test for `fault`. A detected fault's cube is re-simulated first; a cube that
    /// does not detect its fault is a bug and comes back as [`SatError::SimulationMismatch`].
    pub fn generate(&mut self, fault: FaultId) -> Result<TestOutcome, SatError> {
        if fault.site().index() >= self.universe.num_sites() {
            return Err(SatError::UnknownFault(fault.0));
        }
        let mut counting = Counting { sink: &mut self.solver, variables: 0, clauses: 0 };
        let miter = self.miters.encode(
            &mut counting,
            self.circuit,
            self.universe,
            self.encoder,
            &self.good,
            fault,
        );
        let (variables, clauses) = (counting.variables, counting.clauses);
        self.stats.variables += variables;
        self.stats.clauses += clauses;
        let Some(miter) = miter else {
            self.stats.untestable_structural += 1;
            return Ok(TestOutcome::Untestable);
        };
        self.stats.sat_calls += 1;
        let result = self.solver.solve(&[miter.activation], self.conflict_limit);
        // Read the model before the next clause invalidates it.
        let cube = match result {
            SolveResult::Sat => Some(self.cube_from_model(&miter)),
            _ => None,
        };
        self.solver.add_clause(&[!miter.activation]);
        self.stats.clauses += 1;
        self.dead_vars += variables;
        if self.rebuild_ratio > 0 && self.dead_vars > self.rebuild_ratio * self.good_vars.max(64) {
            self.rebuild();
        }
        match (result, cube) {
            (SolveResult::Unsat, _) => {
                self.stats.untestable_by_sat += 1;
                Ok(TestOutcome::Untestable)
            }
            (SolveResult::Unknown, _) | (SolveResult::Sat, None) => {
                self.stats.aborted += 1;
                Ok(TestOutcome::Aborted)
            }
            (SolveResult::Sat, Some(cube)) => {
                let detections = self.simulator.run(&cube.to_patterns(), &[fault]);
                if detections.first_detection.first().copied().flatten().is_none() {
                    return Err(SatError::SimulationMismatch {
                        fault: self.universe.fault_name(self.circuit, fault),
                        cube: cube.to_string(),
                    });
                }
                self.stats.detected += 1;
                Ok(TestOutcome::Detected(cube))
            }
        }
    }

    /// The model's values on the inputs that one detecting output depends on; X elsewhere.
    fn cube_from_model(&mut self, miter: &FaultMiter) -> Cube {
        let circuit = self.circuit;
        let mut values = vec![Logic::X; circuit.num_inputs()];
        // The difference clause makes some output literal true; its fanin cone holds the site, so
        // the inputs of that cone decide both the good and the faulty value there.
        let observed = miter
            .output_differs
            .iter()
            .find(|&&(_, d)| self.solver.value(d))
            .or(miter.output_differs.first());
        let Some(&(entry, _)) = observed else {
            return Cube { values };
        };
        let root = circuit.outputs()[entry as usize];
        let mut stack = vec![root];
        let mut visited = vec![root];
        self.support_stamp[root.index()] = true;
        while let Some(node) = stack.pop() {
            if node.index() < circuit.num_inputs() {
                values[node.index()] = if self.solver.value(self.good[node.index()].one) {
                    Logic::One
                } else {
                    Logic::Zero
                };
            }
            for &f in circuit.fanin(node) {
                if !self.support_stamp[f.index()] {
                    self.support_stamp[f.index()] = true;
                    stack.push(f);
                    visited.push(f);
                }
            }
        }
        for node in visited {
            self.support_stamp[node.index()] = false;
        }
        Cube { values }
    }
}
