//! SAT sweeping (fraiging) for the faults a plain miter cannot settle within its conflict limit.
//!
//! Some untestable faults are hard monolithic miters for any CDCL solver (the multiplier c6288
//! is the classic case): the faulty cone and the good circuit are equal, but proving the outputs
//! equal in one query means rediscovering every internal equivalence at once. Equivalence
//! checkers avoid that by proving the internal equivalences one by one, in topological order,
//! each with a small solver call, and merging what they prove so later nodes meet structurally.
//! This module does that for one fault at a time:
//!
//! 1. The good circuit is built once as an and-inverter graph (`sweep/aig.rs`: structural hashing,
//!    constant folding) and simulated on random 64-bit words, giving each node a signature.
//! 2. Per fault, the faulty copy of the fault's fanout cone is built into the same graph, the
//!    site replaced by the stuck constant (the whole node for a stem, only the injected reads for a
//!    branch, as [`crate::fault::Injection`] says). Structural hashing shares every node the fault
//!    does not change with the good copy, and constant folding ends the cone where the constant
//!    dies.
//! 3. Every new faulty AND node is simulated; if an older node has the same signature (up to
//!    complement; candidates are bucketed by their random words, which never change, and
//!    confirmed on the counterexample words), their equality is checked by an incremental, conflict-bounded solver call. A
//!    proof merges the node into the older one (the hash table then points its fanin pair at
//!    the representative, so later nodes hash together). A counterexample becomes a simulation
//!    pattern: written into a counterexample word and re-simulated over the whole graph, it
//!    refines every signature, and the node looks for a new candidate.
//! 4. Per observed output, the detection literal (good known and faulty the opposite known
//!    value) is built the same way. If all fold to constant false, the fault is untestable. If a
//!    signature bit of one is set, that simulation pattern is a test. Otherwise one final solver
//!    call on the disjunction decides (its model is a test, UNSAT proves untestability), within
//!    [`SweepOptions::final_conflict_limit`].
//!
//! Before step 3 the miter is built once with hashing alone: where it already folds to false,
//! or a signature (random, or a counterexample of an earlier fault) already shows a test, no
//! solver is called at all.
//!
//! Every test is turned into a [`Cube`] (the inputs of the detecting output's fanin cone set, the
//! others X) and re-simulated by the project's [`FaultSimulator`]; a cube it does not confirm is
//! a bug and comes back as [`SatError::SimulationMismatch`].
//!
//! Three-valued semantics: like the encoder ([`super::encode`]), a signal an X source (`ConstX`)
//! reaches is two graph literals, `one` and `zero` (neither true: X), with the simulator's gate
//! rules; an X source is the pair (false, false). A detection literal asks for a known good value
//! and the opposite known faulty value, exactly the simulator's detection rule, so answers are
//! exact with X sources too (no verdict is given up because of them).
//!
//! Reuse across faults: a [`Sweeper`] keeps the good graph, its signatures (including the
//! counterexamples of earlier faults, which stay valid patterns) and one incremental solver whose
//! good-circuit clauses and learnt clauses carry over; each fault's nodes are appended after a
//! mark and removed afterwards, and its clauses are guarded by an activation literal that is
//! switched off for good when the fault is done (as in [`super::generator`]). The solver is
//! rebuilt once dead per-fault variables outnumber the good circuit's several times over.
//!
//! The graph holds the whole good circuit and every fault's nodes are simulated, but the solver
//! only ever sees the transitive fanin of the nodes it is asked about: in effect, the fanin cones
//! of the fault's observed outputs.
//!
//! Measured on c6288's 34 hard collapsed faults (all untestable; the ones 1,024 random patterns
//! leave and the generator at 1,000 conflicts calls untestable), test profile, two shared cores:
//! the plain miter (good circuit, faulty cone, "some output differs", fresh CaDiCaL, no limit)
//! takes 8 to 18 s per fault on average over two runs, 40 to 115 s at worst; the project's
//! generator, whose miter adds activation and D-chain clauses, 8 to 16 ms per fault when fresh;
//! one [`Sweeper`] for all of them 0.15 ms per fault, a fresh one per fault 1.4 ms (building the
//! good graph included). All 34 fold to constant false, with 12 solver calls in all
//! (`tests/sweep.rs`, `c6288_plain_miter_versus_generator_versus_sweeper`).
//!
//! Budgets: each equivalence check is bounded by [`SweepOptions::pair_conflict_limit`] and a fault
//! gets at most [`SweepOptions::pair_check_budget`] such calls; past it, the rest of its cone is
//! only hashed. Backends that cannot bound conflicts (varisat) run every call to the end.

mod aig;

use netlist::{Circuit, GateKind, NodeId};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use self::aig::{Aig, AigLit, U64Map};
use super::generator::{Cube, SatError};
use super::{CadicalBackend, Lit, SatBackend, SolveResult, Var};
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::Logic;
use crate::sim::FaultSimulator;

/// Settings of [`Sweeper`] and [`sweep_fault`]. The same settings and seed give the same
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    /// Seed of the random simulation words.
    pub seed: u64,
    /// 64-pattern words of random simulation behind each signature (at least 1).
    pub random_words: usize,
    /// Words that collect counterexample patterns, 64 each; once all are full the oldest
    /// patterns are overwritten (at least 1).
    pub counterexample_words: usize,
    /// Conflict limit of each equivalence check between two nodes.
    pub pair_conflict_limit: u32,
    /// Equivalence-check solver calls per fault; past it the rest of the fault's cone is only
    /// hashed, not swept.
    pub pair_check_budget: usize,
    /// Conflict limit of the final call on the swept miter (`None`: no limit).
    pub final_conflict_limit: Option<u32>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            seed: 1,
            random_words: 8,
            counterexample_words: 16,
            pair_conflict_limit: 500,
            pair_check_budget: 20_000,
            final_conflict_limit: Some(100_000),
        }
    }
}

/// What sweeping found for one fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepOutcome {
    /// A cube that detects the fault (confirmed by three-valued fault simulation).
    Detected(Cube),
    /// No input vector detects the fault: the swept miter folded to constant false, or the final
    /// call proved it unsatisfiable.
    Untestable,
    /// The budgets ran out first.
    Unknown,
}

/// Counters of the work done, over all faults so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepStats {
    /// Faults swept.
    pub faults: u64,
    /// Faults detected.
    pub detected: u64,
    /// Of those, detected by a simulation pattern (random or counterexample) without the final
    /// call.
    pub detected_by_simulation: u64,
    /// Faults proven untestable.
    pub untestable: u64,
    /// Of those, untestable because every detection literal folded to false (no final call).
    pub untestable_by_merging: u64,
    /// Faults left unknown.
    pub unknown: u64,
    /// Solver calls, equivalence checks and final calls.
    pub sat_calls: u64,
    /// Node pairs proven equal and merged.
    pub pairs_proven: u64,
    /// Node pairs refuted by a counterexample.
    pub pairs_refuted: u64,
    /// Node pairs whose check ran out of conflicts (or budget).
    pub pairs_undecided: u64,
    /// AND nodes of the good circuit's graph.
    pub good_nodes: u64,
    /// AND nodes of faulty cones and detection literals left after merging.
    pub fault_nodes: u64,
    /// Times the solver was rebuilt to shed the variables of finished faults.
    pub rebuilds: u64,
}

/// A signal of the circuit in the graph: `one` holds where it is 1, `zero` where it is 0
/// (`zero == !one` for a signal no X source reaches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signal {
    one: AigLit,
    zero: AigLit,
}

impl Signal {
    const X: Signal = Signal { one: AigLit::FALSE, zero: AigLit::FALSE };

    fn binary(lit: AigLit) -> Signal {
        Signal { one: lit, zero: !lit }
    }

    fn constant(value: bool) -> Signal {
        Signal::binary(if value { AigLit::TRUE } else { AigLit::FALSE })
    }

    fn is_binary(self) -> bool {
        self.zero == !self.one
    }

    fn not(self) -> Signal {
        Signal { one: self.zero, zero: self.one }
    }
}

/// The answer of one equivalence check.
enum Check {
    Equal,
    /// A counterexample was found and added as a simulation pattern.
    Refuted,
    Undecided,
}

/// Refinement rounds per node: each round is a refuted candidate, after which the refined
/// signatures may point at another.
const MAX_ROUNDS_PER_NODE: usize = 16;

/// The solver is rebuilt once the variables of finished faults exceed this many times the good
/// circuit's encoded variables (as [`super::generator::DEFAULT_REBUILD_RATIO`] does for the
/// plain generator: a model assigns every variable, so dead ones cost every later call).
const REBUILD_RATIO: u64 = 4;

const NO_VAR: u32 = u32::MAX;

/// Proves hard faults untestable, or finds tests for them, by SAT sweeping (see the module
/// documentation). Built once per circuit; [`Sweeper::sweep_fault`] per fault.
///
/// ```
/// # use atpg::fault::FaultUniverse;
/// # use atpg::sat::sweep::{SweepOptions, SweepOutcome, Sweeper};
/// // y = a OR (a AND b): the AND's output stuck-at-0 is redundant.
/// let text = "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nm = AND(a, b)\ny = OR(a, m)\n";
/// let circuit = netlist::bench::parse_bench(text, "redundant.bench")
///     .expect("parses")
///     .levelize()
///     .expect("levelizes");
/// let universe = FaultUniverse::new(&circuit);
/// let m = universe.stem_site(circuit.find_node("m").expect("m exists")).expect("a stem");
/// let [m_sa0, m_sa1] = FaultUniverse::site_faults(m);
/// let mut sweeper = Sweeper::new(&circuit, &universe, SweepOptions::default());
/// assert_eq!(sweeper.sweep_fault(m_sa0).expect("no mismatch"), SweepOutcome::Untestable);
/// assert!(matches!(sweeper.sweep_fault(m_sa1).expect("no mismatch"), SweepOutcome::Detected(_)));
/// ```
pub struct Sweeper<'a, B: SatBackend = CadicalBackend> {
    circuit: &'a Circuit,
    universe: &'a FaultUniverse,
    options: SweepOptions,
    simulator: FaultSimulator<'a>,
    aig: Aig,
    /// Graph nodes of the good circuit: every later node belongs to the current fault.
    good_len: usize,
    /// Per circuit node, its good signal.
    good: Vec<Signal>,
    /// Signatures, word-major: `sims[w][node]`. Every bit of every word is one consistent
    /// simulation of the whole graph (random input bits, some overwritten by counterexamples).
    sims: Vec<Vec<u64>>,
    /// Counterexample patterns written so far (their slot cycles through the counterexample
    /// words).
    counterexamples: u64,
    rng: ChaCha8Rng,
    /// Candidate classes: the hash of a node's random words (normalised to a 0 in the first bit)
    /// to every node with that hash, oldest first. Random words never change (counterexamples go
    /// to words of their own), so refinements never invalidate the table; a candidate is
    /// confirmed on all words, counterexample words included.
    classes: U64Map<Vec<u32>>,
    /// Hashes whose class got a node of the current fault, to remove it again.
    class_log: Vec<u64>,
    solver: B,
    /// Per graph node its solver variable (`NO_VAR`: not encoded yet). Node 0's variable is
    /// fixed false by a unit clause.
    var_of: Vec<u32>,
    /// The current fault's activation literal: its clauses hold only while it is assumed.
    activation: Lit,
    /// Variables of good nodes in the solver, and of finished faults since the last rebuild.
    good_vars: u64,
    dead_vars: u64,
    /// Whether new AND nodes are swept (only while building a fault's cone), and the calls left.
    sweeping: bool,
    budget_left: usize,
    /// Per circuit node, the fault (epoch) it was last put in the cone for, and its faulty
    /// signal then.
    stamp: Vec<u32>,
    epoch: u32,
    faulty: Vec<Signal>,
    cone: Vec<NodeId>,
    scratch: Vec<Signal>,
    support: Vec<bool>,
    stats: SweepStats,
}

impl<B: SatBackend> std::fmt::Debug for Sweeper<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweeper")
            .field("backend", &self.solver.name())
            .field("options", &self.options)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Sweeps one fault with a sweeper of its own: builds and simulates the good circuit's graph,
/// then runs [`Sweeper::sweep_fault`]. For several faults of one circuit, keep a [`Sweeper`].
pub fn sweep_fault(
    circuit: &Circuit,
    universe: &FaultUniverse,
    fault: FaultId,
    options: &SweepOptions,
) -> Result<SweepOutcome, SatError> {
    Sweeper::new(circuit, universe, options.clone()).sweep_fault(fault)
}

impl<'a> Sweeper<'a, CadicalBackend> {
    /// A sweeper on CaDiCaL (which honours the conflict limits) with the good circuit built and
    /// simulated.
    pub fn new(circuit: &'a Circuit, universe: &'a FaultUniverse, options: SweepOptions) -> Self {
        Sweeper::with_backend(circuit, universe, options, CadicalBackend::new())
    }
}

impl<'a, B: SatBackend> Sweeper<'a, B> {
    /// A sweeper on `backend` (which should be empty), with the good circuit built and simulated.
    pub fn with_backend(
        circuit: &'a Circuit,
        universe: &'a FaultUniverse,
        mut options: SweepOptions,
        backend: B,
    ) -> Self {
        options.random_words = options.random_words.max(1);
        options.counterexample_words = options.counterexample_words.max(1);
        let n = circuit.num_nodes();
        let mut sweeper = Sweeper {
            circuit,
            universe,
            simulator: FaultSimulator::new(circuit, universe).with_threads(1),
            aig: Aig::new(circuit.num_inputs()),
            good_len: 0,
            good: Vec::with_capacity(n),
            sims: Vec::new(),
            counterexamples: 0,
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            classes: U64Map::default(),
            class_log: Vec::new(),
            solver: backend,
            var_of: Vec::new(),
            activation: Lit(0),
            good_vars: 0,
            dead_vars: 0,
            sweeping: false,
            budget_left: 0,
            stamp: vec![0; n],
            epoch: 0,
            faulty: vec![Signal::X; n],
            cone: Vec::new(),
            scratch: Vec::new(),
            support: vec![false; n],
            stats: SweepStats::default(),
            options,
        };
        for _ in 0..sweeper.options.random_words {
            sweeper.push_random_word();
        }
        for node in 0..sweeper.aig.len() {
            sweeper.add_to_class(node);
        }
        for node in circuit.nodes() {
            let signal = match circuit.kind(node) {
                GateKind::Input => Signal::binary(sweeper.aig.input(node.index())),
                kind => {
                    let mut inputs = std::mem::take(&mut sweeper.scratch);
                    inputs.clear();
                    inputs.extend(circuit.fanin(node).iter().map(|f| sweeper.good[f.index()]));
                    let signal = sweeper.gate(kind, &inputs);
                    sweeper.scratch = inputs;
                    signal
                }
            };
            sweeper.good.push(signal);
        }
        sweeper.good_len = sweeper.aig.len();
        sweeper.stats.good_nodes = (sweeper.good_len - circuit.num_inputs() - 1) as u64;
        sweeper.reset_solver();
        sweeper
    }

    /// Stops solver calls soon after `deadline` ([`SatBackend::set_deadline`]); a fault whose
    /// calls are cut short is [`SweepOutcome::Unknown`].
    pub fn with_deadline(mut self, deadline: Option<std::time::Instant>) -> Self {
        self.solver.set_deadline(deadline);
        self
    }

    /// The counters so far.
    pub fn stats(&self) -> SweepStats {
        self.stats
    }

    /// The options in use.
    pub fn options(&self) -> &SweepOptions {
        &self.options
    }

    /// Sweeps `fault`: [`SweepOutcome::Untestable`] when proven, a re-simulated cube when found,
    /// [`SweepOutcome::Unknown`] when the budgets ran out. A cube that does not detect its fault
    /// in simulation is a bug and comes back as [`SatError::SimulationMismatch`].
    ///
    /// Faults with an activation condition (transition faults,
    /// [`FaultUniverse::activation`]) are not swept: the answer is always
    /// [`SweepOutcome::Unknown`].
    pub fn sweep_fault(&mut self, fault: FaultId) -> Result<SweepOutcome, SatError> {
        if fault.site().index() >= self.universe.num_sites() {
            return Err(SatError::UnknownFault(fault.0));
        }
        if self.universe.activation(fault.site()).is_some() {
            return Ok(SweepOutcome::Unknown);
        }
        self.stats.faults += 1;
        self.aig.set_mark();
        self.activation = self.solver.new_var().positive();
        self.dead_vars += 1;
        self.budget_left = self.options.pair_check_budget;
        let result = self.sweep_marked(fault);
        self.sweeping = false;

        // Switch the fault's clauses off for good and drop its nodes.
        self.solver.add_clause(&[!self.activation]);
        self.stats.fault_nodes += (self.aig.len() - self.good_len) as u64;
        self.drop_fault_nodes();
        if self.dead_vars > REBUILD_RATIO * self.good_vars.max(1024) {
            self.reset_solver();
            self.stats.rebuilds += 1;
        }
        match &result {
            Ok(SweepOutcome::Detected(_)) => self.stats.detected += 1,
            Ok(SweepOutcome::Untestable) => self.stats.untestable += 1,
            Ok(SweepOutcome::Unknown) => self.stats.unknown += 1,
            Err(_) => {}
        }
        result
    }

    /// Drops every node of the current fault (graph, signatures, solver variables, classes).
    fn drop_fault_nodes(&mut self) {
        self.aig.truncate_to_mark();
        for word in &mut self.sims {
            word.truncate(self.good_len);
        }
        self.var_of.truncate(self.good_len);
        let good_len = self.good_len as u32;
        for hash in self.class_log.drain(..) {
            if let Some(class) = self.classes.get_mut(&hash) {
                // Nodes join their class in creation order, so the fault's are at the end.
                while class.last().is_some_and(|&n| n >= good_len) {
                    class.pop();
                }
            }
        }
    }

    /// The work of [`Sweeper::sweep_fault`] between the mark and the clean-up.
    fn sweep_marked(&mut self, fault: FaultId) -> Result<SweepOutcome, SatError> {
        // First hashing and simulation alone: no solver call when the signatures already show a
        // test (the counterexamples of earlier faults often do) or the miter folds to false.
        let detections = self.build_miter(fault, false);
        if let Some(outcome) = self.settle_without_solver(fault, &detections) {
            return outcome;
        }
        self.drop_fault_nodes();
        self.aig.set_mark();
        let detections = self.build_miter(fault, true);
        if let Some(outcome) = self.settle_without_solver(fault, &detections) {
            return outcome;
        }
        self.final_call(fault, &detections)
    }

    /// The outcome when the detection literals decide it by themselves: none left (untestable)
    /// or one set by a simulated pattern (a test).
    fn settle_without_solver(
        &mut self,
        fault: FaultId,
        detections: &[(u32, AigLit)],
    ) -> Option<Result<SweepOutcome, SatError>> {
        if detections.is_empty() {
            self.stats.untestable_by_merging += 1;
            return Some(Ok(SweepOutcome::Untestable));
        }
        let found = self.find_detection(detections)?;
        self.stats.detected_by_simulation += 1;
        Some(self.confirm(fault, found).map(SweepOutcome::Detected))
    }

    /// Builds the faulty cone of `fault` and one detection literal per observed output entry
    /// (good known, faulty the opposite known value), sweeping new nodes when `sweep`. Returns
    /// the literals that did not fold to false.
    fn build_miter(&mut self, fault: FaultId, sweep: bool) -> Vec<(u32, AigLit)> {
        self.sweeping = sweep;
        let observed = self.build_faulty_cone(fault);
        let outputs = self.circuit.outputs();
        let mut detections: Vec<(u32, AigLit)> = Vec::with_capacity(observed.len());
        for (j, faulty) in observed {
            let good = self.good[outputs[j as usize].index()];
            let rises = self.and(good.zero, faulty.one);
            let falls = self.and(good.one, faulty.zero);
            let detected = self.or(rises, falls);
            if detected != AigLit::FALSE {
                detections.push((j, detected));
            }
        }
        self.sweeping = false;
        detections
    }

    /// The final solver call on the swept miter: a model is a test, UNSAT proves the fault
    /// untestable.
    fn final_call(
        &mut self,
        fault: FaultId,
        detections: &[(u32, AigLit)],
    ) -> Result<SweepOutcome, SatError> {
        // Some observed output detects.
        let mut clause = vec![!self.activation];
        for &(_, d) in detections {
            let lit = self.sat_lit(d);
            clause.push(lit);
        }
        self.solver.add_clause(&clause);
        self.stats.sat_calls += 1;
        match self.solver.solve(&[self.activation], self.options.final_conflict_limit) {
            SolveResult::Unsat => Ok(SweepOutcome::Untestable),
            SolveResult::Unknown => Ok(SweepOutcome::Unknown),
            SolveResult::Sat => {
                let (w, bit) = self.add_model_pattern();
                match self.find_detection(detections) {
                    Some(found) => self.confirm(fault, found).map(SweepOutcome::Detected),
                    None => {
                        // The model does not detect in the graph's own simulation: a bug.
                        let values = (0..self.circuit.num_inputs())
                            .map(|i| logic(self.sims[w][self.aig.input(i).node()] >> bit & 1))
                            .collect();
                        Err(SatError::SimulationMismatch {
                            fault: self.universe.fault_name(self.circuit, fault),
                            cube: Cube::from_values(values).to_string(),
                        })
                    }
                }
            }
        }
    }

    /// Builds the faulty copy of `fault`'s fanout cone (sweeping each new node while
    /// `self.sweeping`) and returns the faulty signal of every output entry that observes the
    /// fault.
    fn build_faulty_cone(&mut self, fault: FaultId) -> Vec<(u32, Signal)> {
        let circuit = self.circuit;
        let universe = self.universe;
        let injection = universe.injection(fault.site());
        let stuck = Signal::constant(fault.kind().stuck_value());

        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = u32::MAX);
            self.epoch = 1;
        }
        let epoch = self.epoch;
        let mut cone = std::mem::take(&mut self.cone);
        cone.clear();
        let mut observed = Vec::new();
        match injection {
            Injection::Node(n) => {
                self.stamp[n.index()] = epoch;
                cone.push(n);
            }
            Injection::Reads(reads) => {
                for read in reads {
                    match *read {
                        Read::Pin { gate, .. } => {
                            if self.stamp[gate.index()] != epoch {
                                self.stamp[gate.index()] = epoch;
                                cone.push(gate);
                            }
                        }
                        Read::Output(j) => observed.push((j, stuck)),
                    }
                }
            }
        }
        let mut next = 0;
        while next < cone.len() {
            let node = cone[next];
            next += 1;
            for &reader in circuit.fanout(node) {
                if self.stamp[reader.index()] != epoch {
                    self.stamp[reader.index()] = epoch;
                    cone.push(reader);
                }
            }
        }
        // Node ids are topological, so sorting puts every fanin before its reader.
        cone.sort_unstable();

        let mut inputs = std::mem::take(&mut self.scratch);
        for &node in &cone {
            let signal = match injection {
                Injection::Node(n) if n == node => stuck,
                _ => {
                    inputs.clear();
                    for (pin, &f) in circuit.fanin(node).iter().enumerate() {
                        let read = Read::Pin { gate: node, pin: pin as u32 };
                        let forced =
                            matches!(injection, Injection::Reads(reads) if reads.contains(&read));
                        inputs.push(if forced {
                            stuck
                        } else if self.stamp[f.index()] == epoch {
                            self.faulty[f.index()]
                        } else {
                            self.good[f.index()]
                        });
                    }
                    self.gate(circuit.kind(node), &inputs)
                }
            };
            self.faulty[node.index()] = signal;
        }
        self.scratch = inputs;
        for (j, &o) in circuit.outputs().iter().enumerate() {
            if self.stamp[o.index()] == epoch {
                observed.push((j as u32, self.faulty[o.index()]));
            }
        }
        self.cone = cone;
        observed
    }

    /// The signal of a gate of `kind` over `inputs` (not for `Input` nodes), with the simulator's
    /// three-valued rules where a signal is dual-rail.
    fn gate(&mut self, kind: GateKind, inputs: &[Signal]) -> Signal {
        match kind {
            // Inputs are built by the caller; a stray one is as unknown as the simulator says.
            GateKind::Input | GateKind::ConstX => Signal::X,
            GateKind::Const0 => Signal::constant(false),
            GateKind::Const1 => Signal::constant(true),
            GateKind::Buf => inputs[0],
            GateKind::Not => inputs[0].not(),
            GateKind::And => self.and_signals(inputs, false),
            GateKind::Nand => self.and_signals(inputs, false).not(),
            GateKind::Or => self.and_signals(inputs, true).not(),
            GateKind::Nor => self.and_signals(inputs, true),
            GateKind::Xor | GateKind::Xnor => {
                let mut acc = inputs[0];
                for &input in &inputs[1..] {
                    acc = self.xor_signals(acc, input);
                }
                if kind == GateKind::Xnor {
                    acc.not()
                } else {
                    acc
                }
            }
            GateKind::Mux => self.mux_signals(inputs[0], inputs[1], inputs[2]),
        }
    }

    /// The AND of `inputs`, each complemented when `invert`: ones ANDed, zeros ORed.
    fn and_signals(&mut self, inputs: &[Signal], invert: bool) -> Signal {
        let rail = |s: Signal| if invert { s.not() } else { s };
        let mut one = AigLit::TRUE;
        for &s in inputs {
            one = self.and(one, rail(s).one);
        }
        if inputs.iter().all(|&s| s.is_binary()) {
            return Signal::binary(one);
        }
        let mut not_zero = AigLit::TRUE;
        for &s in inputs {
            not_zero = self.and(not_zero, !rail(s).zero);
        }
        Signal { one, zero: !not_zero }
    }

    fn xor_signals(&mut self, a: Signal, b: Signal) -> Signal {
        if a.is_binary() && b.is_binary() {
            let one = self.xor(a.one, b.one);
            return Signal::binary(one);
        }
        let (t1, t2) = (self.and(a.one, b.zero), self.and(a.zero, b.one));
        let one = self.or(t1, t2);
        let (t3, t4) = (self.and(a.one, b.one), self.and(a.zero, b.zero));
        let zero = self.or(t3, t4);
        Signal { one, zero }
    }

    fn mux_signals(&mut self, select: Signal, when_0: Signal, when_1: Signal) -> Signal {
        if select.is_binary() && when_0.is_binary() && when_1.is_binary() {
            let (t0, t1) = (self.and(!select.one, when_0.one), self.and(select.one, when_1.one));
            let one = self.or(t0, t1);
            return Signal::binary(one);
        }
        // The consensus term: equal data inputs decide even when the select is X.
        let one = self.mux_rail(select, when_0, when_1, true);
        let zero = self.mux_rail(select, when_0, when_1, false);
        Signal { one, zero }
    }

    /// One rail of a dual-rail multiplexer: where the output is known to be `value`.
    fn mux_rail(&mut self, select: Signal, when_0: Signal, when_1: Signal, value: bool) -> AigLit {
        let rail = |s: Signal| if value { s.one } else { s.zero };
        let t0 = self.and(select.zero, rail(when_0));
        let t1 = self.and(select.one, rail(when_1));
        let t2 = self.and(rail(when_0), rail(when_1));
        let t01 = self.or(t0, t1);
        self.or(t01, t2)
    }

    fn or(&mut self, a: AigLit, b: AigLit) -> AigLit {
        !self.and(!a, !b)
    }

    fn xor(&mut self, a: AigLit, b: AigLit) -> AigLit {
        let (t0, t1) = (self.and(a, !b), self.and(!a, b));
        self.or(t0, t1)
    }

    /// The AND of two literals: folded, hashed, and (while sweeping) merged into an older node
    /// proven equal.
    fn and(&mut self, a: AigLit, b: AigLit) -> AigLit {
        let (a, b) = match Aig::fold(a, b) {
            Ok(lit) => return lit,
            Err(pair) => pair,
        };
        if let Some(lit) = self.aig.lookup(a, b) {
            return lit;
        }
        let node = self.aig.push_and(a, b);
        for w in 0..self.sims.len() {
            let value = self.value(a, w) & self.value(b, w);
            self.sims[w].push(value);
        }
        if self.sweeping && self.budget_left > 0 {
            if let Some(representative) = self.sweep_node(node) {
                self.aig.pop();
                for word in &mut self.sims {
                    word.pop();
                }
                self.var_of.truncate(node);
                self.aig.insert(a, b, representative);
                return representative;
            }
        }
        self.aig.insert(a, b, AigLit::of(node));
        self.add_to_class(node);
        AigLit::of(node)
    }

    /// Looks for an older node equal to `node` (the newest): candidates by signature, each
    /// checked by the solver, refuted ones refining the signatures. The representative literal
    /// when one is proven.
    fn sweep_node(&mut self, node: usize) -> Option<AigLit> {
        for _ in 0..MAX_ROUNDS_PER_NODE {
            let candidate = self.candidate(node)?;
            match self.check_equal(AigLit::of(node), candidate) {
                Check::Equal => {
                    self.stats.pairs_proven += 1;
                    return Some(candidate);
                }
                Check::Refuted => self.stats.pairs_refuted += 1,
                Check::Undecided => {
                    self.stats.pairs_undecided += 1;
                    return None;
                }
            }
        }
        None
    }

    /// The oldest node whose signature equals `node`'s up to complement, as a literal equal to
    /// `node` on every simulated pattern.
    fn candidate(&self, node: usize) -> Option<AigLit> {
        let class = self.classes.get(&self.class_hash(node))?;
        let phase = self.phase(node);
        class.iter().map(|&n| n as usize).take_while(|&other| other < node).find_map(|other| {
            let flip = phase != self.phase(other);
            let mask = if flip { !0 } else { 0 };
            // All words: the random ones (a hash match may be a collision) and the
            // counterexamples.
            let equal = self.sims.iter().all(|word| word[node] ^ mask == word[other]);
            equal.then(|| AigLit::of(other).flip_if(flip))
        })
    }

    /// Adds `node` (the newest) to its class.
    fn add_to_class(&mut self, node: usize) {
        let hash = self.class_hash(node);
        self.classes.entry(hash).or_default().push(node as u32);
        if node >= self.good_len && self.good_len > 0 {
            self.class_log.push(hash);
        }
    }

    /// Whether the node's first simulated bit is 1: signatures are normalised to a 0 there.
    fn phase(&self, node: usize) -> bool {
        self.sims[0][node] & 1 == 1
    }

    /// The hash of the node's normalised random words.
    fn class_hash(&self, node: usize) -> u64 {
        let mask = if self.phase(node) { !0 } else { 0 };
        self.sims[..self.options.random_words].iter().fold(0x51_7C_C1_B7_27_22_0A_95, |h, word| {
            (h.rotate_left(23) ^ (word[node] ^ mask)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        })
    }

    /// Checks `x == y` by at most two conflict-bounded calls (one when `y` is a constant).
    fn check_equal(&mut self, x: AigLit, y: AigLit) -> Check {
        let lx = self.sat_lit(x);
        let ly = self.sat_lit(y);
        // Each direction: the assumptions under which x and y differ.
        let directions: &[[Lit; 2]] = if y == AigLit::FALSE {
            &[[lx, lx]]
        } else if y == AigLit::TRUE {
            &[[!lx, !lx]]
        } else {
            &[[lx, !ly], [!lx, ly]]
        };
        for &[p, q] in directions {
            if self.budget_left == 0 {
                return Check::Undecided;
            }
            self.budget_left -= 1;
            self.stats.sat_calls += 1;
            let limit = Some(self.options.pair_conflict_limit);
            match self.solver.solve(&[self.activation, p, q], limit) {
                SolveResult::Sat => {
                    self.add_model_pattern();
                    return Check::Refuted;
                }
                SolveResult::Unknown => return Check::Undecided,
                // Keep the lemma: it holds wherever the fault's definitions do.
                SolveResult::Unsat => self.solver.add_clause(&[!self.activation, !p, !q]),
            }
        }
        Check::Equal
    }

    /// The value words of a literal.
    #[inline]
    fn value(&self, lit: AigLit, w: usize) -> u64 {
        self.sims[w][lit.node()] ^ (0u64.wrapping_sub(u64::from(lit.is_complement())))
    }

    /// Appends one word of random input bits, simulated over the whole graph.
    fn push_random_word(&mut self) {
        let mut word = vec![0u64; self.aig.len()];
        for i in 0..self.aig.num_inputs() {
            word[self.aig.input(i).node()] = self.rng.next_u64();
        }
        self.sims.push(word);
        self.resimulate(self.sims.len() - 1);
    }

    /// Re-simulates word `w` from its input bits.
    fn resimulate(&mut self, w: usize) {
        let first = self.aig.num_inputs() + 1;
        for node in first..self.aig.len() {
            let [a, b] = self.aig.fanins(node);
            let value = self.value(a, w) & self.value(b, w);
            self.sims[w][node] = value;
        }
    }

    /// Writes the solver's model of the inputs into the next counterexample slot (inputs the
    /// solver never saw keep their random bit: no encoded node depends on them) and re-simulates
    /// that word. Returns the slot's word and bit.
    fn add_model_pattern(&mut self) -> (usize, u32) {
        let slot = self.counterexamples;
        self.counterexamples += 1;
        let w =
            self.options.random_words + (slot / 64) as usize % self.options.counterexample_words;
        let bit = (slot % 64) as u32;
        while self.sims.len() <= w {
            self.push_random_word();
        }
        for i in 0..self.aig.num_inputs() {
            let node = self.aig.input(i).node();
            let Some(&var) = self.var_of.get(node) else { continue };
            if var == NO_VAR {
                continue;
            }
            let word = &mut self.sims[w][node];
            if self.solver.value(Var(var).positive()) {
                *word |= 1 << bit;
            } else {
                *word &= !(1 << bit);
            }
        }
        self.resimulate(w);
        (w, bit)
    }

    /// The first simulated pattern under which a detection literal holds: (output entry, word,
    /// bit).
    fn find_detection(&self, detections: &[(u32, AigLit)]) -> Option<(u32, usize, u32)> {
        (0..self.sims.len()).find_map(|w| {
            detections.iter().find_map(|&(j, d)| {
                let bits = self.value(d, w);
                (bits != 0).then(|| (j, w, bits.trailing_zeros()))
            })
        })
    }

    /// The cube of a detecting pattern: the inputs of the detecting output's fanin cone as
    /// simulated, the rest X; re-simulated before it is returned.
    fn confirm(
        &mut self,
        fault: FaultId,
        (j, w, bit): (u32, usize, u32),
    ) -> Result<Cube, SatError> {
        let circuit = self.circuit;
        let mut values = vec![Logic::X; circuit.num_inputs()];
        let root = circuit.outputs()[j as usize];
        let mut stack = vec![root];
        let mut visited = vec![root];
        self.support[root.index()] = true;
        while let Some(node) = stack.pop() {
            if node.index() < circuit.num_inputs() {
                let input = self.aig.input(node.index()).node();
                values[node.index()] = logic(self.sims[w][input] >> bit & 1);
            }
            for &f in circuit.fanin(node) {
                if !self.support[f.index()] {
                    self.support[f.index()] = true;
                    stack.push(f);
                    visited.push(f);
                }
            }
        }
        for node in visited {
            self.support[node.index()] = false;
        }
        let cube = Cube::from_values(values);
        let detections = self.simulator.run(&cube.to_patterns(), &[fault]);
        if detections.first_detection.first().copied().flatten().is_none() {
            return Err(SatError::SimulationMismatch {
                fault: self.universe.fault_name(self.circuit, fault),
                cube: cube.to_string(),
            });
        }
        Ok(cube)
    }

    /// The solver literal of a graph literal, encoding the node's transitive fanin on first use
    /// (good nodes for good, the fault's nodes guarded by its activation literal).
    fn sat_lit(&mut self, lit: AigLit) -> Lit {
        if self.var_of.len() < self.aig.len() {
            self.var_of.resize(self.aig.len(), NO_VAR);
        }
        let root = lit.node();
        let mut stack = vec![root];
        while let Some(&node) = stack.last() {
            if self.var_of[node] != NO_VAR {
                stack.pop();
                continue;
            }
            if !self.aig.is_and(node) {
                // Inputs (node 0, the constant, was fixed when the solver was built).
                self.var_of[node] = self.solver.new_var().0;
                self.good_vars += 1;
                stack.pop();
                continue;
            }
            let [a, b] = self.aig.fanins(node);
            let pending = stack.len();
            for f in [a, b] {
                if self.var_of[f.node()] == NO_VAR {
                    stack.push(f.node());
                }
            }
            if stack.len() > pending {
                continue;
            }
            stack.pop();
            let out = self.solver.new_var();
            self.var_of[node] = out.0;
            let (la, lb, lo) = (self.encoded(a), self.encoded(b), out.positive());
            if node < self.good_len {
                self.good_vars += 1;
                self.solver.add_clause(&[!lo, la]);
                self.solver.add_clause(&[!lo, lb]);
                self.solver.add_clause(&[lo, !la, !lb]);
            } else {
                self.dead_vars += 1;
                let guard = !self.activation;
                self.solver.add_clause(&[!lo, la, guard]);
                self.solver.add_clause(&[!lo, lb, guard]);
                self.solver.add_clause(&[lo, !la, !lb, guard]);
            }
        }
        self.encoded(lit)
    }

    /// The solver literal of an already encoded graph literal.
    fn encoded(&self, lit: AigLit) -> Lit {
        Var(self.var_of[lit.node()]).lit(!lit.is_complement())
    }

    /// Starts the solver afresh: nothing encoded but the constant.
    fn reset_solver(&mut self) {
        self.solver.reset();
        self.var_of.clear();
        self.var_of.resize(self.aig.len(), NO_VAR);
        let falsity = self.solver.new_var();
        self.solver.add_clause(&[!falsity.positive()]);
        self.var_of[0] = falsity.0;
        self.good_vars = 1;
        self.dead_vars = 0;
    }
}

fn logic(bit: u64) -> Logic {
    if bit & 1 == 1 {
        Logic::One
    } else {
        Logic::Zero
    }
}
