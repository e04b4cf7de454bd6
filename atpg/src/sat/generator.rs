//! Per-fault test generation: the good circuit encoded cone by cone, a guarded faulty cone per
//! fault.
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
//! The good circuit is encoded lazily, cone by cone: a fault's instance is the good fanin cone
//! of its fanout cone, and only the part of it not yet in the solver is added. The good clauses
//! stay, only guarded clauses come and go, so clauses the solver learns about the good circuit
//! carry over from fault to fault. What is in the solver still costs every call (a model assigns
//! every variable, switched-off faulty copies included), so the solver is rebuilt empty when it
//! holds more than [`DEFAULT_REBUILD_RATIO`] times the variables a fault typically needs (a running
//! average, so that a small instance after large ones does not throw the solver away). On a
//! small circuit, where most cones span most of it, that is like encoding the whole circuit
//! once; on a large one with many outputs (s38584.1) each call stays the size of its own cone,
//! which made the whole flow about 3x faster there than encoding the whole circuit up front.

use netlist::{Circuit, NodeId};

use super::cone::FaultCone;
use super::encode::{Encoder, Guarded, Rails};
use super::justify::Justifier;
use super::{CadicalBackend, ClauseSink, Lit, SatBackend, SolveResult};
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::{Logic, PatternSet};

/// A test cube: one value per circuit input (primary, then pseudo), X where the test does not
/// care.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cube {
    values: Vec<Logic>,
}

impl Cube {
    /// The value of every input, in [`netlist::Circuit::inputs`] order.
    pub fn values(&self) -> &[Logic] {
        &self.values
    }

    /// A cube from one value per circuit input (primary, then pseudo).
    pub fn from_values(values: Vec<Logic>) -> Cube {
        Cube { values }
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

/// What one solver call for a fault found.
enum Attempt {
    /// No output is reachable from the site, or (transition faults) the site holds the same
    /// value in both frames: untestable without search.
    Structural,
    /// No test (under the assumptions given).
    Unsat,
    /// The conflict limit ran out.
    Unknown,
    /// A justified, re-simulated cube.
    Detected(Cube),
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
    /// Conflicts over all solver calls (where the backend counts them; see
    /// [`SatBackend::conflicts`]).
    pub sat_conflicts: u64,
    /// Calls of [`TestGenerator::extend`] (dynamic compaction).
    pub extend_calls: u64,
    /// Calls of [`TestGenerator::extend`] that found a test.
    pub extended: u64,
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
    faulty: Vec<Rails>,
    differs: Vec<Lit>,
    cone: FaultCone,
    /// Output entries reachable from the site.
    reachable: usize,
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
            faulty: vec![dummy; n],
            differs: vec![dummy.one; n],
            cone: FaultCone::new(circuit),
            reachable: 0,
            inputs: Vec::new(),
            clause: Vec::new(),
        }
    }

    fn observers(&self, node: NodeId) -> &[u32] {
        let i = node.index();
        &self.observers[self.observer_start[i] as usize..self.observer_start[i + 1] as usize]
    }

    /// Finds the cone of `fault` (the faulted node or reading gates, then everything they
    /// reach); `false` when no output is reachable from the site, so the fault is untestable.
    /// [`MiterBuilder::cone`] then lists the cone, and [`MiterBuilder::encode_prepared`] encodes
    /// its miter.
    pub fn prepare(&mut self, circuit: &Circuit, universe: &FaultUniverse, fault: FaultId) -> bool {
        self.cone.find(circuit, universe.injection(fault.site()));
        self.reachable = self.cone.output_reads().len()
            + self.cone.nodes().iter().map(|&v| self.observers(v).len()).sum::<usize>();
        self.reachable > 0
    }

    /// The cone found by the last [`MiterBuilder::prepare`], in topological order.
    pub fn cone(&self) -> &[NodeId] {
        self.cone.nodes()
    }

    /// Encodes the miter of `fault` into `sink`, over the good circuit's `good` signals: calls
    /// [`MiterBuilder::prepare`], then [`MiterBuilder::encode_prepared`]. `None` when no output
    /// is reachable from the site: the fault is untestable and nothing was added.
    pub fn encode(
        &mut self,
        sink: &mut impl ClauseSink,
        circuit: &Circuit,
        universe: &FaultUniverse,
        encoder: Encoder,
        good: &[Rails],
        fault: FaultId,
    ) -> Option<FaultMiter> {
        if !self.prepare(circuit, universe, fault) {
            return None;
        }
        Some(self.encode_prepared(sink, circuit, universe, encoder, good, fault))
    }

    /// Encodes the miter of `fault`, whose cone the last [`MiterBuilder::prepare`] found, into
    /// `sink`. `good` must hold the good signal of every cone node and of every fanin of one,
    /// and of the site's activation node if it has one ([`FaultUniverse::activation`]).
    pub fn encode_prepared(
        &mut self,
        sink: &mut impl ClauseSink,
        circuit: &Circuit,
        universe: &FaultUniverse,
        encoder: Encoder,
        good: &[Rails],
        fault: FaultId,
    ) -> FaultMiter {
        let site = universe.site(fault.site());
        let stuck = fault.kind().stuck_value();
        let injection = universe.injection(fault.site());
        let stuck_signal = Rails::binary(encoder.constant(stuck));

        let cone = std::mem::take(&mut self.cone);
        let output_reads = cone.output_reads();
        let reachable = self.reachable;
        let activation = sink.new_var().positive();
        let mut sink = Guarded::new(sink, !activation);
        let mut output_differs = Vec::with_capacity(reachable);

        // Faulty values and difference literals, in topological order.
        for &node in cone.nodes() {
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
                        } else if cone.contains(f) {
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
        for &j in output_reads {
            let d = sink.new_var().positive();
            add_differs(&mut sink, d, good[site.net.index()], stuck_signal);
            output_differs.push((j, d));
        }

        // D-chain: a differing node that no output observes has a differing reader.
        for &node in cone.nodes() {
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
        if let Some(initial) = universe.activation(fault.site()) {
            // A transition fault: frame 1 holds the stuck value at the site.
            sink.add_clause(&[good[initial.index()].is(stuck)]);
        }
        self.clause.clear();
        self.clause.extend(output_differs.iter().map(|&(_, d)| d));
        sink.add_clause(&self.clause);

        self.cone = cone;
        FaultMiter { activation, output_differs }
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
    solver: B,
    encoder: Encoder,
    good: LazyGood,
    miters: MiterBuilder,
    justifier: Justifier,
    assumptions: Vec<Lit>,
    conflict_limit: Option<u32>,
    stats: GeneratorStats,
    /// Variables of finished faults since the solver was last built.
    dead_vars: u64,
    rebuild_ratio: u64,
    /// A running average of the nodes in a fault's instance.
    typical_instance: f64,
    /// Faults whose miters stay switched on ([`TestGenerator::hold`]).
    held: Vec<Held>,
}

/// A fault whose miter stays switched on until [`TestGenerator::release`].
#[derive(Debug)]
struct Held {
    fault: FaultId,
    activation: Lit,
    /// The fault's instance (see [`Justifier::detects`]), to justify it again.
    instance: Vec<NodeId>,
    /// Variables of its miter, dead once it is released.
    vars: u64,
}

/// The good circuit, encoded into the solver cone by cone as faults need it.
#[derive(Debug)]
struct LazyGood {
    /// Per node, its signal, valid where `encoded`.
    rails: Vec<Rails>,
    encoded: Vec<bool>,
    /// Per node, the search (epoch) that last visited it.
    stamp: Vec<u32>,
    epoch: u32,
    stack: Vec<NodeId>,
    /// The fanin cone of the last search, and the part of it not encoded yet.
    instance: Vec<NodeId>,
    missing: Vec<NodeId>,
    /// Variables the good encoding has in the current solver.
    vars: u64,
}

impl LazyGood {
    fn new(circuit: &Circuit) -> LazyGood {
        let n = circuit.num_nodes();
        LazyGood {
            rails: vec![Rails::binary(Lit(0)); n],
            encoded: vec![false; n],
            stamp: vec![0; n],
            epoch: 0,
            stack: Vec::new(),
            instance: Vec::new(),
            missing: Vec::new(),
            vars: 0,
        }
    }

    /// Collects the fanin cone of `roots` into `instance` and its unencoded part into `missing`
    /// (both in topological order).
    fn search(&mut self, circuit: &Circuit, roots: impl Iterator<Item = NodeId>) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = u32::MAX);
            self.epoch = 1;
        }
        self.instance.clear();
        for root in roots {
            if self.stamp[root.index()] != self.epoch {
                self.stamp[root.index()] = self.epoch;
                self.stack.push(root);
            }
        }
        while let Some(node) = self.stack.pop() {
            self.instance.push(node);
            for &f in circuit.fanin(node) {
                if self.stamp[f.index()] != self.epoch {
                    self.stamp[f.index()] = self.epoch;
                    self.stack.push(f);
                }
            }
        }
        self.instance.sort_unstable();
        self.missing.clear();
        self.missing.extend(self.instance.iter().filter(|n| !self.encoded[n.index()]));
    }

    /// Encodes the nodes `search` found missing.
    fn encode_missing(&mut self, sink: &mut impl ClauseSink, circuit: &Circuit, encoder: Encoder) {
        let mut inputs = Vec::new();
        let mut counting = Counting { sink, variables: 0, clauses: 0 };
        for &node in &self.missing {
            inputs.clear();
            inputs.extend(circuit.fanin(node).iter().map(|f| self.rails[f.index()]));
            self.rails[node.index()] = encoder.gate(&mut counting, circuit.kind(node), &inputs);
            self.encoded[node.index()] = true;
        }
        self.vars += counting.variables;
        self.missing.clear();
    }

    /// Forgets every encoding (the solver was reset); the last search's instance is missing
    /// again.
    fn clear(&mut self) {
        self.encoded.iter_mut().for_each(|e| *e = false);
        self.vars = 0;
        self.missing.clear();
        self.missing.extend_from_slice(&self.instance);
    }
}

/// By default the solver is rebuilt empty once it holds this many times as many variables as the
/// current fault's instance needs. Measured on c432 (see the tests): switched-off faulty copies
/// cost every later call, because a model assigns every variable, and that outweighs the learnt
/// clauses a rebuild loses.
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
    /// A generator on the default backend (CaDiCaL, which honours the conflict limit), with no
    /// conflict limit.
    pub fn new(circuit: &'a Circuit, universe: &'a FaultUniverse) -> Self {
        TestGenerator::with_backend(circuit, universe, CadicalBackend::new())
    }
}

impl<'a, B: SatBackend> TestGenerator<'a, B> {
    /// A generator on `backend` (which should be empty).
    pub fn with_backend(circuit: &'a Circuit, universe: &'a FaultUniverse, mut backend: B) -> Self {
        let mut counting = Counting { sink: &mut backend, variables: 0, clauses: 0 };
        let encoder = Encoder::new(&mut counting);
        let stats = GeneratorStats {
            variables: counting.variables,
            clauses: counting.clauses,
            ..Default::default()
        };
        TestGenerator {
            circuit,
            universe,
            solver: backend,
            encoder,
            good: LazyGood::new(circuit),
            miters: MiterBuilder::new(circuit),
            justifier: Justifier::new(circuit),
            assumptions: Vec::new(),
            conflict_limit: None,
            stats,
            dead_vars: 0,
            rebuild_ratio: DEFAULT_REBUILD_RATIO,
            typical_instance: 0.0,
            held: Vec::new(),
        }
    }

    /// Rebuilds the solver (empty, learnt clauses dropped) once it holds more than `ratio` times
    /// the variables the current fault's instance needs; `0` never rebuilds.
    pub fn with_rebuild_ratio(mut self, ratio: u64) -> Self {
        self.rebuild_ratio = ratio;
        self
    }

    /// Starts the solver afresh, empty.
    fn rebuild(&mut self) {
        self.solver.reset();
        let mut counting = Counting { sink: &mut self.solver, variables: 0, clauses: 0 };
        self.encoder = Encoder::new(&mut counting);
        self.stats.variables += counting.variables;
        self.stats.clauses += counting.clauses;
        self.good.clear();
        self.dead_vars = 0;
        self.stats.rebuilds += 1;
    }

    /// Bounds the conflicts of each fault's solver call (`None`: no bound). Backends without a
    /// conflict budget (varisat) ignore it.
    pub fn with_conflict_limit(mut self, limit: Option<u32>) -> Self {
        self.conflict_limit = limit;
        self
    }

    /// Stops solver calls soon after `deadline` ([`SatBackend::set_deadline`]): a call cut
    /// short answers as if its conflict limit had run out.
    pub fn with_deadline(mut self, deadline: Option<std::time::Instant>) -> Self {
        self.solver.set_deadline(deadline);
        self
    }

    /// The fault universe the generator works on.
    pub fn universe(&self) -> &'a FaultUniverse {
        self.universe
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.solver.name()
    }

    /// The counters so far.
    pub fn stats(&self) -> GeneratorStats {
        self.stats
    }

    /// Generates a test for `fault`. A detected fault's cube holds only the inputs the test needs
    /// ([`Justifier`]) and is re-simulated first; a cube that does not detect its fault is a bug
    /// and comes back as [`SatError::SimulationMismatch`].
    pub fn generate(&mut self, fault: FaultId) -> Result<TestOutcome, SatError> {
        self.generate_with_limit(fault, self.conflict_limit)
    }

    /// [`TestGenerator::generate`] with this call's own conflict limit instead of the one the
    /// generator was built with (`None`: no bound).
    pub fn generate_with_limit(
        &mut self,
        fault: FaultId,
        limit: Option<u32>,
    ) -> Result<TestOutcome, SatError> {
        match self.attempt(fault, None, limit)? {
            Attempt::Structural => {
                self.stats.untestable_structural += 1;
                Ok(TestOutcome::Untestable)
            }
            Attempt::Unsat => {
                self.stats.untestable_by_sat += 1;
                Ok(TestOutcome::Untestable)
            }
            Attempt::Unknown => {
                self.stats.aborted += 1;
                Ok(TestOutcome::Aborted)
            }
            Attempt::Detected(cube) => {
                self.stats.detected += 1;
                Ok(TestOutcome::Detected(cube))
            }
        }
    }

    /// A test for `fault` that keeps every care bit of `base`: `base` with more inputs
    /// specified, so that it detects `fault` as well as whatever `base` detected (three-valued
    /// simulation is monotone). `None` when the solver finds none within `conflict_limit`, which
    /// proves nothing about the fault on its own. This is the step of dynamic compaction.
    pub fn extend(
        &mut self,
        fault: FaultId,
        base: &Cube,
        conflict_limit: Option<u32>,
    ) -> Result<Option<Cube>, SatError> {
        self.stats.extend_calls += 1;
        match self.attempt(fault, Some(base), conflict_limit)? {
            Attempt::Detected(cube) => {
                self.stats.extended += 1;
                Ok(Some(cube))
            }
            _ => Ok(None),
        }
    }

    /// Switches on the miters of `faults` and keeps them on, held, until
    /// [`TestGenerator::release`]: from now on [`TestGenerator::extend_joint`] looks for tests
    /// that detect every held fault. `false` (and nothing held) when one of them has no path to
    /// an output. The solver is not rebuilt while faults are held.
    pub fn hold(&mut self, faults: &[FaultId]) -> Result<bool, SatError> {
        self.release();
        self.maybe_rebuild(0.0);
        for &fault in faults {
            if !self.encode_held(fault)? {
                self.release();
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Switches off, for good, the miters of the held faults.
    pub fn release(&mut self) {
        for held in std::mem::take(&mut self.held) {
            self.switch_off(held.activation, held.vars);
        }
    }

    /// Switches a miter off for good (the unit clause `!activation`); its `vars` are dead.
    fn switch_off(&mut self, activation: Lit, vars: u64) {
        self.solver.add_clause(&[!activation]);
        self.stats.clauses += 1;
        self.dead_vars += vars;
    }

    /// The held faults, in the order they were added.
    pub fn held(&self) -> impl Iterator<Item = FaultId> + '_ {
        self.held.iter().map(|h| h.fault)
    }

    /// Encodes the miter of `fault` and holds it; `false` (nothing added) when no output is
    /// reachable from its site.
    fn encode_held(&mut self, fault: FaultId) -> Result<bool, SatError> {
        if !self.find_instance(fault)? {
            return Ok(false);
        }
        let (miter, vars) = self.encode_instance(fault);
        let instance = self.good.instance.clone();
        self.held.push(Held { fault, activation: miter.activation, instance, vars });
        Ok(true)
    }

    /// Finds the cone of `fault` and its instance: the good fanin cone of the cone (and of the
    /// site, which a primary-output branch reads directly, and of a transition fault's
    /// activation node). `false` when the fault is untestable without search (no output
    /// reachable, or a transition site that holds the same value in both frames).
    fn find_instance(&mut self, fault: FaultId) -> Result<bool, SatError> {
        if fault.site().index() >= self.universe.num_sites() {
            return Err(SatError::UnknownFault(fault.0));
        }
        if self.universe.frame_invariant(fault.site())
            || !self.miters.prepare(self.circuit, self.universe, fault)
        {
            return Ok(false);
        }
        let site = self.universe.site(fault.site()).net;
        let initial = self.universe.activation(fault.site());
        self.good
            .search(self.circuit, self.miters.cone().iter().copied().chain([site]).chain(initial));
        Ok(true)
    }

    /// A test for `fault` and for every held fault at once ([`TestGenerator::hold`]), with no
    /// care bit kept from any cube: the solver may move every input. The cube comes back
    /// justified for each of those faults and re-simulated for each, and `fault` is held too.
    /// `None` (and `fault` not held) when the solver finds none within `conflict_limit`, which
    /// proves nothing about `fault` alone, or when no output is reachable from its site.
    ///
    /// This is the step of joint dynamic compaction: where a cube's care bits block a fault
    /// ([`TestGenerator::extend`] fails), another test for the faults already in the pattern
    /// often leaves room for it.
    pub fn extend_joint(
        &mut self,
        fault: FaultId,
        conflict_limit: Option<u32>,
    ) -> Result<Option<Cube>, SatError> {
        self.stats.extend_calls += 1;
        if !self.encode_held(fault)? {
            return Ok(None);
        }
        self.assumptions.clear();
        self.assumptions.extend(self.held.iter().map(|h| h.activation));
        self.stats.sat_calls += 1;
        let before = self.solver.conflicts();
        let result = self.solver.solve(&self.assumptions, conflict_limit);
        self.stats.sat_conflicts += self.solver.conflicts().saturating_sub(before);
        if result != SolveResult::Sat {
            let held = self.held.pop().expect("held above");
            self.switch_off(held.activation, held.vars);
            return Ok(None);
        }
        let vector = self.model_vector(None);
        // Each fault's own justification (the new one first), preferring the care bits of
        // those before it.
        let mut values = vec![Logic::X; vector.len()];
        let order = std::iter::once(self.held.len() - 1).chain(0..self.held.len() - 1);
        for (k, h) in order.enumerate() {
            let held = &self.held[h];
            let instance = Some(&held.instance[..]);
            self.justifier.set_base(self.circuit, (k > 0).then_some(&values[..]), instance);
            let Some(more) =
                self.justifier.justify(self.circuit, self.universe, held.fault, &vector, instance)
            else {
                return Err(self.mismatch(held.fault, &vector));
            };
            for (v, m) in values.iter_mut().zip(more) {
                if m != Logic::X {
                    *v = m;
                }
            }
        }
        for held in &self.held {
            let instance = Some(&held.instance[..]);
            if !self.justifier.detects(self.circuit, self.universe, held.fault, &values, instance) {
                return Err(self.mismatch(held.fault, &values));
            }
        }
        self.stats.extended += 1;
        Ok(Some(Cube { values }))
    }

    /// The solver's model on the circuit inputs; inputs it does not hold take `base`'s known
    /// value, else 0 (they matter to no fault of the call).
    fn model_vector(&self, base: Option<&Cube>) -> Vec<Logic> {
        (0..self.circuit.num_inputs())
            .map(|i| {
                if self.good.encoded[i] {
                    if self.solver.value(self.good.rails[i].one) {
                        Logic::One
                    } else {
                        Logic::Zero
                    }
                } else {
                    match base.map(|b| b.values[i]) {
                        Some(Logic::One) => Logic::One,
                        _ => Logic::Zero,
                    }
                }
            })
            .collect()
    }

    /// The error for a cube that does not detect `fault` in simulation.
    fn mismatch(&self, fault: FaultId, cube: &[Logic]) -> SatError {
        SatError::SimulationMismatch {
            fault: self.universe.fault_name(self.circuit, fault),
            cube: Cube { values: cube.to_vec() }.to_string(),
        }
    }

    /// Encodes what the solver lacks of the last search's good instance, then the miter of
    /// `fault`, whose cone the last [`MiterBuilder::prepare`] found. Returns the miter and how
    /// many variables it has (dead once it is switched off).
    fn encode_instance(&mut self, fault: FaultId) -> (FaultMiter, u64) {
        let mut counting = Counting { sink: &mut self.solver, variables: 0, clauses: 0 };
        let good_before = self.good.vars;
        self.good.encode_missing(&mut counting, self.circuit, self.encoder);
        let good_added = self.good.vars - good_before;
        let miter = self.miters.encode_prepared(
            &mut counting,
            self.circuit,
            self.universe,
            self.encoder,
            &self.good.rails,
            fault,
        );
        self.stats.variables += counting.variables;
        self.stats.clauses += counting.clauses;
        (miter, counting.variables - good_added)
    }

    /// Rebuilds the solver empty when it holds more than the rebuild ratio times the variables
    /// of an instance of `wanted` nodes or of a typical one, whichever is larger (see
    /// [`DEFAULT_REBUILD_RATIO`]). Held miters live in the solver: never while faults are held.
    fn maybe_rebuild(&mut self, wanted: f64) {
        let vars = (self.good.vars + self.dead_vars) as f64;
        if self.rebuild_ratio > 0
            && self.held.is_empty()
            && vars > self.rebuild_ratio as f64 * self.typical_instance.max(wanted).max(64.0)
        {
            self.rebuild();
        }
    }

    /// One solver call for `fault` under the care bits of `base`, the answer justified, merged
    /// with `base` and re-simulated.
    fn attempt(
        &mut self,
        fault: FaultId,
        base: Option<&Cube>,
        conflict_limit: Option<u32>,
    ) -> Result<Attempt, SatError> {
        if !self.find_instance(fault)? {
            return Ok(Attempt::Structural);
        }
        // A running average of instance sizes, so that one small instance after large ones
        // does not throw the solver away.
        let wanted = self.good.instance.len() as f64;
        self.typical_instance = if self.typical_instance == 0.0 {
            wanted
        } else {
            0.95 * self.typical_instance + 0.05 * wanted
        };
        self.maybe_rebuild(wanted);
        let (miter, miter_vars) = self.encode_instance(fault);
        self.assumptions.clear();
        self.assumptions.push(miter.activation);
        if let Some(base) = base {
            for (i, &v) in base.values.iter().enumerate() {
                // Inputs outside the instance cannot matter to this fault.
                if v != Logic::X && self.good.encoded[i] {
                    self.assumptions.push(self.good.rails[i].is(v == Logic::One));
                }
            }
        }
        self.stats.sat_calls += 1;
        let before = self.solver.conflicts();
        let result = self.solver.solve(&self.assumptions, conflict_limit);
        self.stats.sat_conflicts += self.solver.conflicts().saturating_sub(before);
        // Read the model before the next clause invalidates it.
        let vector = (result == SolveResult::Sat).then(|| self.model_vector(base));
        self.switch_off(miter.activation, miter_vars);
        match (result, vector) {
            (SolveResult::Unsat, _) => Ok(Attempt::Unsat),
            (SolveResult::Sat, Some(vector)) => {
                let instance = Some(&self.good.instance[..]);
                self.justifier.set_base(self.circuit, base.map(|b| &b.values[..]), instance);
                let Some(mut values) =
                    self.justifier.justify(self.circuit, self.universe, fault, &vector, instance)
                else {
                    return Err(self.mismatch(fault, &vector));
                };
                if let Some(base) = base {
                    for (v, &b) in values.iter_mut().zip(&base.values) {
                        if b != Logic::X {
                            *v = b;
                        }
                    }
                }
                if !self.justifier.detects(self.circuit, self.universe, fault, &values, instance) {
                    return Err(self.mismatch(fault, &values));
                }
                Ok(Attempt::Detected(Cube { values }))
            }
            _ => Ok(Attempt::Unknown),
        }
    }
}
