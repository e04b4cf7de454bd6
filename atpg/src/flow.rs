//! The ATPG flow: from a circuit to a compact, fully graded pattern set.
//!
//! [`run`] targets the stuck-at faults of a circuit; [`run_with`] targets any fault list laid
//! over the circuit it is given, such as the transition faults of a two-frame unrolled circuit
//! ([`crate::transition`]). Phases, in order:
//! 1. **Random patterns.** Groups of 256 random vectors are fault-simulated with fault dropping
//!    against the collapsed fault list; the vectors that detect a new fault are kept. The phase
//!    ends when a group detects fewer than [`FlowOptions::random_min_detections`] new faults (the
//!    coverage curve has flattened) or after [`FlowOptions::random_patterns`] vectors.
//! 2. **Deterministic patterns.** Each fault still undetected is given to the SAT engine
//!    ([`TestGenerator`], conflict limit [`FlowOptions::abort_limit`]). A test cube found is
//!    grown by dynamic compaction ([`Compaction`]): further undetected faults are tried in list
//!    order, each solved under the cube's care bits as assumptions
//!    ([`TestGenerator::extend`]), and every fault that fits adds its care bits; with
//!    [`Compaction::Max`], the faults that did not fit are then tried jointly
//!    ([`TestGenerator::extend_joint`]: a new test for all the pattern's faults at once). The cube is
//!    then filled ([`Fill`]) and fault-simulated against every undetected fault, which drops all
//!    the faults the pattern detects, not only those it was built for. UNSAT proves a fault
//!    untestable.
//! 3. **Second pass.** Faults that ran out of conflicts are tried again on a fresh solver with
//!    [`FlowOptions::retry_limit`]; what still runs out goes to SAT sweeping
//!    ([`crate::sat::sweep`]), and what that cannot decide is reported as aborted
//!    ([`AbortReason::ConflictLimit`]). With a time limit ([`FlowOptions::time_limit`]), test
//!    generation stops when it is spent: the random vectors phase 2 set aside are brought back
//!    for the faults still open, and what they do not detect is reported as aborted
//!    ([`AbortReason::TimeLimit`]).
//! 4. **Static compaction** ([`compact`]): reverse-order fault simulation. [`Compaction::Max`]
//!    also runs the deterministic phase a second time in a shuffled fault order (a second pool
//!    of patterns), then compacts the first pool alone and both pools together by set cover over
//!    the full detection matrix and essential-fault reduction ([`reduce`]), keeping the smaller.
//! 5. **Self-check.** The final patterns are simulated again from scratch: their expected
//!    responses come from the good machine, and fault simulation of every collapsed fault must
//!    find every fault the flow called detected, and none it proved untestable. A disagreement is
//!    a bug and fails the run ([`FlowError::SelfCheck`]).
//!
//! Results are deterministic for a given seed: random vectors and random fill are drawn from the
//! seed (the fill of pattern `k` from the seed and `k` alone), the SAT engine is deterministic,
//! and fault simulation gives the same answer on any number of threads. (A time limit, when it
//! cuts test generation short, makes the result depend on the machine's speed.)

pub mod compact;
pub mod fill;
mod ranked;
pub mod reduce;

use std::time::{Duration, Instant};

use netlist::{Circuit, GateKind, NodeId};
use rand::seq::SliceRandom;
use rand::SeedableRng;

pub use fill::Fill;

use crate::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse};
use crate::patterns::{Logic, PatternId, PatternSet};
use crate::rank::{FaultLabel, Ranker, Ranking};
use crate::report::{percent, FaultClassCounts, PhaseSeconds, RunReport};
use crate::sat::{
    CadicalBackend, Cube, GeneratorStats, SatBackend, SatError, SweepOptions, SweepOutcome,
    Sweeper, TestGenerator, TestOutcome, VarisatBackend,
};
use crate::sim::value::{eval_gate, SimValue, Word3};
use crate::sim::{FaultSimulator, GoodSimulator};

/// How hard to work at a small pattern set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compaction {
    /// One pattern per targeted fault; no static compaction.
    None,
    /// Dynamic compaction with a modest budget per pattern, then reverse-order fault simulation.
    #[default]
    Fast,
    /// A large dynamic-compaction budget, reverse-order fault simulation, then a set cover over
    /// the full detection matrix.
    Max,
}

impl Compaction {
    /// Secondary faults tried per pattern in dynamic compaction (with `Max`, failed tries).
    fn attempts_per_pattern(self) -> usize {
        match self {
            Compaction::None => 0,
            Compaction::Fast => 32,
            Compaction::Max => 1024,
        }
    }

    /// Joint solver calls per pattern ([`TestGenerator::extend_joint`]), after the secondary
    /// faults that fit under the cube's care bits.
    fn joint_attempts_per_pattern(self) -> usize {
        match self {
            Compaction::None | Compaction::Fast => 0,
            Compaction::Max => 64,
        }
    }

    /// Conflict limit of each secondary fault's solver call.
    fn extend_conflict_limit(self) -> u32 {
        match self {
            Compaction::None => 0,
            Compaction::Fast => 300,
            Compaction::Max => 1000,
        }
    }
}

impl std::fmt::Display for Compaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compaction::None => "none",
            Compaction::Fast => "fast",
            Compaction::Max => "max",
        })
    }
}

/// The SAT solver behind test generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// CaDiCaL (the default): honours the conflict limit, so a hard fault costs a bounded
    /// effort before the second pass.
    #[default]
    Cadical,
    /// varisat (pure Rust): no conflict limit, so no fault is ever aborted but a hard one can
    /// take as long as it takes.
    Varisat,
}

/// Settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowOptions {
    /// Seed of the random vectors and the random fill.
    pub seed: u64,
    /// Conflict limit per fault in the deterministic phase.
    pub abort_limit: u32,
    /// Conflict limit of the second pass over aborted faults (0: no second pass).
    pub retry_limit: u32,
    /// Dynamic and static compaction effort.
    pub compaction: Compaction,
    /// How unspecified inputs are filled.
    pub fill: Fill,
    /// At most this many random vectors are simulated (0: no random phase).
    pub random_patterns: usize,
    /// The random phase ends at the first group of 256 vectors that detects fewer new faults.
    pub random_min_detections: usize,
    /// The SAT solver.
    pub backend: Backend,
    /// Secondary faults tried per pattern in dynamic compaction, or with [`Compaction::Max`]
    /// tried in vain (`None`: what [`FlowOptions::compaction`] implies: 0, 32 or 1024).
    pub compaction_attempts: Option<usize>,
    /// Target only this shard of the collapsed list ([`crate::shard`]); `None`: every fault.
    pub shard: Option<crate::shard::Shard>,
    /// How the deterministic phase orders and budgets the faults random patterns missed
    /// ([`Ranker`]; see `flow/ranked.rs`).
    pub ranker: Ranker,
    /// Wall-clock budget of test generation, counted from the start of the run (`None`: no
    /// limit). When it is spent, the random phase (after its current group of vectors) and
    /// solver calls stop, the faults not yet decided are aborted
    /// ([`AbortReason::TimeLimit`]) and the run finishes as usual: static compaction, fill and
    /// self-check still run, so the run takes longer than the limit by their time. Only the
    /// CaDiCaL backend can stop a solver call part way.
    pub time_limit: Option<Duration>,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            seed: 1,
            abort_limit: 1_000,
            retry_limit: 100_000,
            compaction: Compaction::Fast,
            fill: Fill::Random,
            random_patterns: 16_384,
            random_min_detections: 16,
            compaction_attempts: None,
            backend: Backend::Cadical,
            shard: None,
            ranker: Ranker::None,
            time_limit: None,
        }
    }
}

/// Why test generation gave up on a fault ([`FaultStatus::Aborted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbortReason {
    /// Both passes ran out of conflicts ([`FlowOptions::abort_limit`], then
    /// [`FlowOptions::retry_limit`]; the first alone when there is no second pass), and SAT
    /// sweeping did not decide the fault.
    ConflictLimit,
    /// The time limit ([`FlowOptions::time_limit`]) ended test generation before the fault was
    /// decided.
    TimeLimit,
}

/// What the flow concluded about one fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultStatus {
    /// The final pattern with this index detects it.
    Detected(PatternId),
    /// Proven untestable: no input vector detects it.
    Untestable,
    /// Test generation gave up on it ([`AbortReason`] says why).
    Aborted,
    /// Not targeted (only before the deterministic phase has run).
    Undetected,
}

/// The phases [`Progress`] hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Random patterns.
    Random,
    /// SAT test generation with dynamic compaction.
    Deterministic,
    /// The second pass over aborted faults.
    Retry,
    /// Static compaction and the final simulation.
    Compaction,
}

/// Progress reports of a long run (the CLI draws a progress bar from them).
pub trait Progress: Sync {
    /// A phase starts with `total` steps (faults or vectors).
    fn start(&self, _phase: Phase, _total: u64) {}
    /// `done` steps of the current phase are done; `detected` collapsed faults are detected.
    fn update(&self, _done: u64, _detected: u64) {}
    /// The current phase is over.
    fn finish(&self) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The SAT engine found a bug in itself (an answer that simulation does not confirm).
    #[error(transparent)]
    Sat(#[from] SatError),
    /// The self-check disagreed with what the flow concluded: a bug.
    #[error("bug: self-check failed: {0}")]
    SelfCheck(String),
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct FlowResult {
    /// The uncollapsed fault universe.
    pub universe: FaultUniverse,
    /// The collapsed fault list (equivalence classes) the flow targeted.
    pub collapsed: CollapsedFaults,
    /// Per entry of [`CollapsedFaults::faults`] (with [`FlowOptions::shard`], per entry of the
    /// shard's part of it, [`crate::shard::Shard::select`]), what the flow concluded.
    pub status: Vec<FaultStatus>,
    /// The final, filled input vectors (primary inputs, then pseudo inputs).
    pub patterns: PatternSet,
    /// The good machine's response to each vector (primary outputs, then pseudo outputs).
    pub responses: PatternSet,
    /// The numbers of the run.
    pub report: RunReport,
    /// Per entry of [`CollapsedFaults::faults`], what the run measured about the fault (the
    /// ranker's training labels); `None` when a flow variant does not collect them.
    pub labels: Option<Vec<FaultLabel>>,
    /// Per entry of `status`, why test generation gave up on it: `Some` exactly where the
    /// status is [`FaultStatus::Aborted`].
    pub abort_reasons: Vec<Option<AbortReason>>,
}

/// Runs the whole stuck-at flow on `circuit` (on the current rayon thread pool).
pub fn run(
    circuit: &Circuit,
    options: &FlowOptions,
    progress: &dyn Progress,
) -> Result<FlowResult, FlowError> {
    let started = Instant::now();
    let universe = FaultUniverse::new(circuit);
    let collapsed = CollapsedFaults::new(circuit, &universe, CollapseMode::Equivalence);
    run_with(circuit, Target { universe, collapsed, model: "stuck-at", started }, options, progress)
}

/// The faults a run targets: a universe over the circuit the flow works on, its collapsed list,
/// and the model name the report gives.
#[derive(Debug, Clone)]
pub struct Target {
    /// The uncollapsed universe, built from (or laid over, as
    /// [`FaultUniverse::two_frame`] does) the circuit given to [`run_with`].
    pub universe: FaultUniverse,
    /// Its collapsed list.
    pub collapsed: CollapsedFaults,
    /// The fault model's name in the report (`stuck-at`, `transition`).
    pub model: &'static str,
    /// When the run started, for the report's total time (building the target counts).
    pub started: Instant,
}

/// Runs the flow on `circuit` for the faults of `target`. Faults with an activation condition
/// ([`FaultUniverse::activation`], the transition faults of a two-frame circuit) are handled by
/// every phase: simulation and the solver require the condition, and SAT sweeping leaves them to
/// the second pass.
pub fn run_with(
    circuit: &Circuit,
    target: Target,
    options: &FlowOptions,
    progress: &dyn Progress,
) -> Result<FlowResult, FlowError> {
    let Target { universe, collapsed, model, started } = target;
    let faults = match options.shard {
        Some(shard) => shard.select(collapsed.faults()),
        None => collapsed.faults().to_vec(),
    };
    let simulator = FaultSimulator::new(circuit, &universe);
    let mut state = State {
        circuit,
        faults: &faults,
        simulator: &simulator,
        options,
        status: vec![FaultStatus::Undetected; faults.len()],
        patterns: PatternSet::new(circuit.num_inputs()),
        detected: 0,
        random_patterns: 0,
        swept: 0,
        cubes: Vec::new(),
        open: (0..faults.len()).collect(),
        marks: vec![false; circuit.num_nodes()],
        is_output: {
            let mut is_output = vec![false; circuit.num_nodes()];
            circuit.outputs().iter().for_each(|o| is_output[o.index()] = true);
            is_output
        },
        labels: vec![FaultLabel::default(); faults.len()],
        ranking: None,
        // A limit beyond what the clock can count is no limit.
        deadline: options.time_limit.and_then(|limit| started.checked_add(limit)),
        abort_reasons: vec![None; faults.len()],
        set_aside: None,
    };
    let mut seconds = PhaseSeconds::default();

    let t = Instant::now();
    state.random_phase(progress);
    seconds.random = t.elapsed().as_secs_f64();

    let order = match options.compaction {
        Compaction::None => (0..faults.len()).collect(),
        Compaction::Fast | Compaction::Max => state.hard_first(),
    };
    let t = Instant::now();
    let order = state.ranked_order(&universe, &collapsed, order);
    seconds.ranking = t.elapsed().as_secs_f64();
    let generate =
        |state: &mut State<'_, '_>, order: &[usize], seconds: &mut PhaseSeconds| match options
            .backend
        {
            Backend::Cadical => {
                state.test_generation(&universe, order, seconds, progress, CadicalBackend::new)
            }
            Backend::Varisat => {
                state.test_generation(&universe, order, seconds, progress, VarisatBackend::new)
            }
        };
    let (mut stats, backend) = generate(&mut state, &order, &mut seconds)?;
    let first_pool = state.patterns.len();
    if options.compaction == Compaction::Max && !state.out_of_time() {
        // A second pool of patterns from another fault order, for set cover to choose from.
        let mut second = order.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed);
        second.shuffle(&mut rng);
        let first_status = state.status.clone();
        state.reopen_detected();
        let mut more_seconds = PhaseSeconds::default();
        let (more, _) = generate(&mut state, &second, &mut more_seconds)?;
        state.keep_detections(&first_status);
        seconds.deterministic += more_seconds.deterministic;
        seconds.retry += more_seconds.retry;
        stats.sat_calls += more.sat_calls;
        stats.sat_conflicts += more.sat_conflicts;
        stats.extend_calls += more.extend_calls;
        stats.extended += more.extended;
    }
    if state.out_of_time() {
        state.bring_back_random();
        state.give_up_open();
    }

    let t = Instant::now();
    progress.start(Phase::Compaction, 1);
    let before_compaction = state.patterns.len();
    let detected: Vec<FaultId> = faults
        .iter()
        .zip(&state.status)
        .filter(|(_, s)| matches!(s, FaultStatus::Detected(_)))
        .map(|(&f, _)| f)
        .collect();
    let mut patterns =
        state.static_compaction(&universe, &detected, &state.patterns, &state.cubes)?;
    if first_pool < state.patterns.len() {
        // Max: the first pool compacted alone, and both pools together; the smaller wins.
        let first: Vec<usize> = (0..first_pool).collect();
        let alone = state.static_compaction(
            &universe,
            &detected,
            &compact::select(&state.patterns, &first),
            &state.cubes[..first_pool],
        )?;
        // (A fault the first pool aborted may have been detected by the second.)
        let complete = simulator.run(&alone, &detected).first_detection.iter().all(Option::is_some);
        if complete && alone.len() <= patterns.len() {
            patterns = alone;
        }
    }
    progress.finish();
    seconds.compaction = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let responses = GoodSimulator::new(circuit).simulate(&patterns);
    let status = self_check(circuit, &universe, &faults, &state.status, &simulator, &patterns)?;
    seconds.final_simulation = t.elapsed().as_secs_f64();
    seconds.total = started.elapsed().as_secs_f64();

    let abort_reasons = status
        .iter()
        .zip(&state.abort_reasons)
        .map(|(&s, &reason)| {
            // Every abort records its reason; the default only guards against a path that
            // forgot to.
            (s == FaultStatus::Aborted).then(|| reason.unwrap_or(AbortReason::ConflictLimit))
        })
        .collect();
    let (counts, uncollapsed) = accounting(&collapsed, &faults, &status);
    let report = RunReport {
        design: circuit.name().to_string(),
        model,
        fault_coverage: percent(counts.detected, counts.total),
        test_coverage: percent(counts.detected, counts.total - counts.untestable),
        atpg_efficiency: percent(counts.detected + counts.untestable, counts.total),
        faults: counts,
        faults_uncollapsed: uncollapsed,
        patterns: patterns.len(),
        patterns_before_compaction: before_compaction,
        patterns_random: state.random_patterns,
        seconds,
        sat_calls: stats.sat_calls,
        sat_conflicts: stats.sat_conflicts,
        compaction_calls: stats.extend_calls,
        compaction_hits: stats.extended,
        swept_faults: state.swept,
        seed: options.seed,
        abort_limit: options.abort_limit,
        compaction: options.compaction,
        fill: options.fill,
        sat_backend: backend,
        ranker: options.ranker.name(),
        time_limit: options.time_limit.map(|limit| limit.as_secs_f64()),
    };
    let labels = Some(state.labels);
    Ok(FlowResult {
        universe,
        collapsed,
        status,
        patterns,
        responses,
        report,
        labels,
        abort_reasons,
    })
}

/// The flow's working state: the statuses and the patterns so far.
struct State<'a, 'u> {
    circuit: &'a Circuit,
    faults: &'a [FaultId],
    simulator: &'a FaultSimulator<'u>,
    options: &'a FlowOptions,
    status: Vec<FaultStatus>,
    patterns: PatternSet,
    detected: u64,
    random_patterns: usize,
    /// Faults SAT sweeping decided.
    swept: usize,
    /// Per pattern, the test cube it was filled from (all inputs specified for random ones).
    cubes: Vec<Cube>,
    /// Faults that were open at the last commit (a superset of the open faults).
    open: Vec<usize>,
    /// Scratch of [`x_path`]: per node, whether the search has reached it.
    marks: Vec<bool>,
    /// Per node, whether some output entry observes it.
    is_output: Vec<bool>,
    /// Per fault, what the run measured (the ranker's labels).
    labels: Vec<FaultLabel>,
    /// Per fault, the ranker's prediction ([`FlowOptions::ranker`]).
    ranking: Option<Ranking>,
    /// When test generation must stop ([`FlowOptions::time_limit`]).
    deadline: Option<Instant>,
    /// Per fault, why it was last aborted.
    abort_reasons: Vec<Option<AbortReason>>,
    /// The random phase's vectors, set aside by [`State::hard_first`] and brought back by
    /// [`State::bring_back_random`] if the time limit cuts test generation short.
    set_aside: Option<PatternSet>,
}

/// Joint dynamic compaction's work per pattern, in fault miters switched on over all its
/// solver calls: a pattern holding `k` faults gets at most `JOINT_WORK / k` joint calls. With a
/// pattern's miters all switched on, each call costs about `k` single-fault calls.
const JOINT_WORK: usize = 4096;

/// Random vectors per group of the random phase.
const RANDOM_GROUP: usize = 256;

impl State<'_, '_> {
    /// Whether the time limit is spent.
    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// After a pass that reopened the detected faults ([`State::reopen_detected`]): a fault it
    /// left undecided that `before` had detected is detected again, by the same pattern.
    fn keep_detections(&mut self, before: &[FaultStatus]) {
        for (status, &old) in self.status.iter_mut().zip(before) {
            if matches!(old, FaultStatus::Detected(_))
                && matches!(*status, FaultStatus::Undetected | FaultStatus::Aborted)
            {
                *status = old;
                self.detected += 1;
            }
        }
    }

    /// At the time limit: the random vectors [`State::hard_first`] set aside are simulated
    /// against the faults still open and kept where they detect one, so that a run cut short
    /// detects at least what its random phase did.
    fn bring_back_random(&mut self) {
        let Some(vectors) = self.set_aside.take() else {
            return;
        };
        let open = self.open_faults();
        if open.is_empty() || vectors.is_empty() {
            return;
        }
        let list: Vec<FaultId> = open.iter().map(|&f| self.faults[f]).collect();
        let result = self.simulator.run(&vectors, &list);
        let kept = self.keep_random(&vectors, &result.first_detection);
        for (&f, d) in open.iter().zip(&result.first_detection) {
            if let Some(p) = d {
                self.status[f] = FaultStatus::Detected(kept[p.index()].expect("kept above"));
                self.detected += 1;
            }
        }
    }

    /// Appends the random `vectors` that first detect some fault of `first_detection` to the
    /// patterns, in order, each with its (fully specified) cube; returns each vector's new id.
    fn keep_random(
        &mut self,
        vectors: &PatternSet,
        first_detection: &[Option<PatternId>],
    ) -> Vec<Option<PatternId>> {
        let mut useful = vec![false; vectors.len()];
        for p in first_detection.iter().flatten() {
            useful[p.index()] = true;
        }
        let width = vectors.width();
        let mut kept = vec![None; vectors.len()];
        for (p, slot) in kept.iter_mut().enumerate() {
            if useful[p] {
                let id = PatternId(p as u32);
                *slot = Some(self.patterns.push_with(|i| vectors.get(id, i)));
                self.cubes
                    .push(Cube::from_values((0..width).map(|i| vectors.get(id, i)).collect()));
                self.random_patterns += 1;
            }
        }
        kept
    }

    /// At the time limit: every fault test generation has not reached is aborted.
    fn give_up_open(&mut self) {
        for (status, reason) in self.status.iter_mut().zip(&mut self.abort_reasons) {
            if *status == FaultStatus::Undetected {
                *status = FaultStatus::Aborted;
                *reason = Some(AbortReason::TimeLimit);
            }
        }
    }

    /// Fault indices not yet detected or proven untestable.
    fn open_faults(&self) -> Vec<usize> {
        (0..self.faults.len())
            .filter(|&f| matches!(self.status[f], FaultStatus::Undetected | FaultStatus::Aborted))
            .collect()
    }

    fn random_phase(&mut self, progress: &dyn Progress) {
        let width = self.circuit.num_inputs();
        let groups = self.options.random_patterns.div_ceil(RANDOM_GROUP);
        progress.start(Phase::Random, (groups * RANDOM_GROUP) as u64);
        for group in 0..groups {
            let open = self.open_faults();
            if open.is_empty() {
                break;
            }
            let seed = self.options.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ group as u64;
            let vectors = PatternSet::random(width, RANDOM_GROUP, seed);
            let list: Vec<FaultId> = open.iter().map(|&f| self.faults[f]).collect();
            let result = self.simulator.run(&vectors, &list);
            let first = self.keep_random(&vectors, &result.first_detection);
            let mut new = 0;
            for (&f, d) in open.iter().zip(&result.first_detection) {
                if let Some(p) = d {
                    self.status[f] = FaultStatus::Detected(first[p.index()].expect("kept above"));
                    self.labels[f].random_detection =
                        Some((group * RANDOM_GROUP + p.index()) as u32);
                    new += 1;
                }
            }
            self.detected += new as u64;
            progress.update(((group + 1) * RANDOM_GROUP) as u64, self.detected);
            if new < self.options.random_min_detections || self.out_of_time() {
                break;
            }
        }
        progress.finish();
    }

    /// Static compaction of the patterns so far ([`compact`]; with [`Compaction::Max`] also
    /// [`reduce`]), keeping every fault of `detected` detected.
    fn static_compaction(
        &self,
        universe: &FaultUniverse,
        detected: &[FaultId],
        pool: &PatternSet,
        cubes: &[Cube],
    ) -> Result<PatternSet, FlowError> {
        let keep = match self.options.compaction {
            Compaction::None => (0..pool.len()).collect(),
            Compaction::Fast => compact::reverse_order(self.simulator, pool, detected),
            Compaction::Max => {
                let first = compact::reverse_order(self.simulator, pool, detected);
                let reduced = compact::select(pool, &first);
                let cover = compact::set_cover(self.simulator, &reduced, detected);
                cover.iter().map(|&k| first[k]).collect()
            }
        };
        let mut patterns = compact::select(pool, &keep);
        if self.options.compaction == Compaction::Max {
            let mut vectors: Vec<Vec<Logic>> = (0..patterns.len())
                .map(|p| {
                    (0..patterns.width()).map(|i| patterns.get(PatternId(p as u32), i)).collect()
                })
                .collect();
            let mut cubes: Vec<Cube> = keep.iter().map(|&k| cubes[k].clone()).collect();
            let mut generator = TestGenerator::new(self.circuit, universe);
            // Each round works from a fresh detection matrix; stop when a round removes nothing.
            for _ in 0..4 {
                let removed = reduce::essential_fault_reduction(
                    &mut generator,
                    self.simulator,
                    detected,
                    &mut vectors,
                    &mut cubes,
                    Some(self.options.compaction.extend_conflict_limit()),
                    self.options.compaction.joint_attempts_per_pattern() > 0,
                )?;
                if removed == 0 {
                    break;
                }
            }
            patterns = PatternSet::new(self.circuit.num_inputs());
            for v in &vectors {
                patterns.push(v);
            }
        }
        Ok(patterns)
    }

    /// The deterministic phase over `order`, then the second pass over the faults that ran out
    /// of conflicts, each on a fresh solver from `backend`.
    fn test_generation<B: SatBackend>(
        &mut self,
        universe: &FaultUniverse,
        order: &[usize],
        seconds: &mut PhaseSeconds,
        progress: &dyn Progress,
        backend: impl Fn() -> B,
    ) -> Result<(GeneratorStats, &'static str), FlowError> {
        let t = Instant::now();
        let mut generator = TestGenerator::with_backend(self.circuit, universe, backend())
            .with_conflict_limit(Some(self.options.abort_limit))
            .with_deadline(self.deadline);
        self.prove_predicted_untestable(&mut generator, order, progress)?;
        let aborted =
            self.deterministic_phase(&mut generator, order, Phase::Deterministic, progress)?;
        let mut stats = generator.stats();
        seconds.deterministic = t.elapsed().as_secs_f64();

        let t = Instant::now();
        if !aborted.is_empty() && self.options.retry_limit > 0 && self.out_of_time() {
            // No time for the second pass these faults were waiting for.
            for &f in &aborted {
                if self.status[f] == FaultStatus::Aborted {
                    self.abort_reasons[f] = Some(AbortReason::TimeLimit);
                }
            }
        } else if !aborted.is_empty() && self.options.retry_limit > 0 {
            let mut retry = TestGenerator::with_backend(self.circuit, universe, backend())
                .with_conflict_limit(Some(self.options.retry_limit))
                .with_deadline(self.deadline);
            for &f in &aborted {
                if self.status[f] == FaultStatus::Aborted {
                    self.status[f] = FaultStatus::Undetected;
                }
            }
            let still = self.deterministic_phase(&mut retry, &aborted, Phase::Retry, progress)?;
            let more = retry.stats();
            stats.sat_calls += more.sat_calls;
            stats.sat_conflicts += more.sat_conflicts;
            stats.extend_calls += more.extend_calls;
            stats.extended += more.extended;
            self.swept += self.sweep(universe, &still)?;
        }
        seconds.retry = t.elapsed().as_secs_f64();
        Ok((stats, generator.backend_name()))
    }

    /// The last resort for faults both passes aborted: SAT sweeping ([`Sweeper`]), which proves
    /// equal the good and faulty nodes that are, so a hard untestable fault's miter collapses.
    /// What it cannot decide stays aborted.
    /// Returns how many faults it decided.
    fn sweep(&mut self, universe: &FaultUniverse, faults: &[usize]) -> Result<usize, FlowError> {
        let open: Vec<usize> =
            faults.iter().copied().filter(|&f| self.status[f] == FaultStatus::Aborted).collect();
        if open.is_empty() {
            return Ok(0);
        }
        let mut decided = 0;
        let mut sweeper = Sweeper::new(self.circuit, universe, SweepOptions::default())
            .with_deadline(self.deadline);
        for f in open {
            if self.out_of_time() {
                break;
            }
            if self.status[f] != FaultStatus::Aborted {
                continue;
            }
            match sweeper.sweep_fault(self.faults[f])? {
                SweepOutcome::Untestable => self.status[f] = FaultStatus::Untestable,
                SweepOutcome::Detected(cube) => self.commit(cube, f)?,
                SweepOutcome::Unknown => continue,
            }
            decided += 1;
        }
        Ok(decided)
    }

    /// Marks every detected fault open again (untestable ones stay proven), keeping the
    /// patterns: the next deterministic pass adds a second pool of patterns.
    fn reopen_detected(&mut self) {
        for status in &mut self.status {
            if matches!(status, FaultStatus::Detected(_)) {
                *status = FaultStatus::Undetected;
            }
        }
        self.open = (0..self.faults.len()).collect();
        self.detected = 0;
    }

    /// Turns the random phase into a fault order, hardest first, and forgets its patterns: the
    /// faults random patterns missed come first (in list order), then the others, those the
    /// random sequence detected late before those it detected early. Random vectors detect few
    /// faults each, while a compacted deterministic pattern with random fill detects most easy
    /// faults by the way, so targeting the hard faults first and the easy ones last gives far
    /// fewer patterns (c880: 59 patterns with the random ones kept, 32 without) and leaves few
    /// easy faults for the solver.
    fn hard_first(&mut self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.faults.len());
        let mut easy = Vec::new();
        for (f, status) in self.status.iter_mut().enumerate() {
            match *status {
                FaultStatus::Detected(p) => {
                    easy.push((std::cmp::Reverse(p), f));
                    *status = FaultStatus::Undetected;
                }
                _ => order.push(f),
            }
        }
        easy.sort_unstable();
        order.extend(easy.into_iter().map(|(_, f)| f));
        let random =
            std::mem::replace(&mut self.patterns, PatternSet::new(self.circuit.num_inputs()));
        self.set_aside = Some(random);
        self.cubes.clear();
        self.detected = 0;
        self.random_patterns = 0;
        order
    }

    /// Targets the faults of `order` that are still undetected; returns those that ran out of
    /// conflicts.
    fn deterministic_phase<B: SatBackend>(
        &mut self,
        generator: &mut TestGenerator<'_, B>,
        order: &[usize],
        phase: Phase,
        progress: &dyn Progress,
    ) -> Result<Vec<usize>, FlowError> {
        progress.start(phase, order.len() as u64);
        let mut aborted = Vec::new();
        let mut good = Vec::new();
        for (k, &target) in order.iter().enumerate() {
            if k % 16 == 0 {
                progress.update(k as u64, self.detected);
            }
            if self.status[target] != FaultStatus::Undetected {
                continue;
            }
            if self.out_of_time() {
                break;
            }
            let before = generator.stats().sat_conflicts;
            let outcome = match self.conflict_budget(target, phase) {
                Some(limit) => generator.generate_with_limit(self.faults[target], Some(limit))?,
                None => generator.generate(self.faults[target])?,
            };
            self.labels[target].sat_calls += 1;
            self.labels[target].sat_conflicts += generator.stats().sat_conflicts - before;
            match outcome {
                TestOutcome::Untestable => self.status[target] = FaultStatus::Untestable,
                TestOutcome::Aborted => {
                    self.status[target] = FaultStatus::Aborted;
                    self.abort_reasons[target] = Some(if self.out_of_time() {
                        AbortReason::TimeLimit
                    } else {
                        AbortReason::ConflictLimit
                    });
                    self.labels[target].aborted_once |= phase == Phase::Deterministic;
                    aborted.push(target);
                }
                TestOutcome::Detected(cube) => {
                    let cube = self.grow(generator, cube, target, &order[k + 1..], &mut good)?;
                    self.commit(cube, target)?;
                }
            }
        }
        progress.finish();
        Ok(aborted)
    }

    /// Dynamic compaction: adds the undetected faults of `candidates` that the solver can fit
    /// into `cube` (made for `target`) without changing its care bits. Then, with a joint budget
    /// ([`Compaction::Max`]), the faults that did not fit are tried jointly
    /// ([`TestGenerator::extend_joint`]): the solver looks for one new test for every fault of
    /// the pattern and the candidate, free to move every input, which often leaves room where
    /// the care bits of the cube so far blocked it; and the cheap search runs once more on the
    /// new cube. (Held miters slow every solver call, so the cheap search does not run while
    /// the pattern's faults are held.)
    fn grow<B: SatBackend>(
        &mut self,
        generator: &mut TestGenerator<'_, B>,
        cube: Cube,
        target: usize,
        candidates: &[usize],
        good: &mut Vec<Word3>,
    ) -> Result<Cube, FlowError> {
        let mut growth = Growth {
            cube,
            pattern: vec![self.faults[target]],
            in_pattern: vec![false; candidates.len()],
            tried: 0,
        };
        self.fit_under_care_bits(generator, &mut growth, candidates, good)?;
        // Each joint call solves for every fault of the pattern: budget the work, not the calls.
        let mut joint_budget = self
            .options
            .compaction
            .joint_attempts_per_pattern()
            .min(JOINT_WORK / growth.pattern.len());
        if joint_budget == 0 || !generator.hold(&growth.pattern)? {
            return Ok(growth.cube);
        }
        let limit = Some(self.options.compaction.extend_conflict_limit());
        let mut fitted = false;
        for (k, &c) in candidates.iter().enumerate() {
            if joint_budget == 0 {
                break;
            }
            if self.status[c] != FaultStatus::Undetected || growth.in_pattern[k] {
                continue;
            }
            if self.out_of_time() {
                break;
            }
            joint_budget -= 1;
            if let Some(joint) = generator.extend_joint(self.faults[c], limit)? {
                growth.cube = joint;
                growth.pattern.push(self.faults[c]);
                growth.in_pattern[k] = true;
                fitted = true;
            }
        }
        generator.release();
        if fitted {
            self.fit_under_care_bits(generator, &mut growth, candidates, good)?;
        }
        Ok(growth.cube)
    }

    /// The cheap step of [`State::grow`]: each undetected candidate not in the pattern yet
    /// whose effect still has an X-path under the cube is solved under the cube's care bits
    /// ([`TestGenerator::extend`]), up to the pattern's budget of attempts (with
    /// [`Compaction::Max`], of failed attempts).
    fn fit_under_care_bits<B: SatBackend>(
        &mut self,
        generator: &mut TestGenerator<'_, B>,
        growth: &mut Growth,
        candidates: &[usize],
        good: &mut Vec<Word3>,
    ) -> Result<(), FlowError> {
        let budget = self
            .options
            .compaction_attempts
            .unwrap_or_else(|| self.options.compaction.attempts_per_pattern());
        // With `max`, only the attempts that fail count: a pattern takes every fault it can.
        let failures_only = self.options.compaction == Compaction::Max;
        let limit = Some(self.options.compaction.extend_conflict_limit());
        let width = self.circuit.num_inputs();
        let universe = generator.universe();
        simulate_cube(self.circuit, &growth.cube, good);
        for (k, &c) in candidates.iter().enumerate() {
            if growth.tried >= budget || growth.cube.care_count() == width {
                break;
            }
            if self.status[c] != FaultStatus::Undetected || growth.in_pattern[k] {
                continue;
            }
            let fault = self.faults[c];
            // A fault whose site the cube already holds at the stuck value cannot be activated.
            let site = universe.site(fault.site()).net;
            let stuck = Word3::constant(fault.kind().stuck_value());
            if good[site.index()] == stuck {
                continue;
            }
            // Nor a transition fault whose initial value it holds at the other value.
            if universe.activation(fault.site()).is_some_and(|a| good[a.index()] == stuck.not()) {
                continue;
            }
            if !x_path(self.circuit, universe, fault, good, &mut self.marks, &self.is_output) {
                continue;
            }
            if self.out_of_time() {
                break;
            }
            match generator.extend(fault, &growth.cube, limit)? {
                Some(grown) => {
                    growth.cube = grown;
                    growth.pattern.push(fault);
                    growth.in_pattern[k] = true;
                    simulate_cube(self.circuit, &growth.cube, good);
                    growth.tried += usize::from(!failures_only);
                }
                None => growth.tried += 1,
            }
        }
        Ok(())
    }

    /// Fills `cube`, appends it to the patterns and drops every open fault it detects; the
    /// fault it was made for must be one of them.
    fn commit(&mut self, cube: Cube, target: usize) -> Result<(), FlowError> {
        let mut values = cube.values().to_vec();
        fill::fill(&mut values, self.options.fill, self.options.seed, self.patterns.len() as u64);
        let mut one = PatternSet::new(values.len());
        one.push(&values);
        self.open
            .retain(|&f| matches!(self.status[f], FaultStatus::Undetected | FaultStatus::Aborted));
        let list: Vec<FaultId> = self.open.iter().map(|&f| self.faults[f]).collect();
        let result = self.simulator.run(&one, &list);
        let id = self.patterns.push(&values);
        self.cubes.push(cube);
        for (&f, d) in self.open.iter().zip(&result.first_detection) {
            if d.is_some() {
                self.status[f] = FaultStatus::Detected(id);
                self.detected += 1;
            }
        }
        if self.status[target] != FaultStatus::Detected(id) {
            return Err(FlowError::SelfCheck(format!(
                "the filled pattern for fault {} does not detect it",
                self.faults[target].0
            )));
        }
        Ok(())
    }
}

/// A pattern under dynamic compaction ([`State::grow`]).
struct Growth {
    /// The cube so far.
    cube: Cube,
    /// The faults it was made for: the target, then those fitted into it.
    pattern: Vec<FaultId>,
    /// Per candidate, whether it is in `pattern`.
    in_pattern: Vec<bool>,
    /// Candidates tried under the care bits so far.
    tried: usize,
}

/// Three-valued good values of every node for `cube`.
fn simulate_cube(circuit: &Circuit, cube: &Cube, values: &mut Vec<Word3>) {
    values.clear();
    values.extend(cube.values().iter().map(|v| match v {
        Logic::Zero => Word3::ZERO,
        Logic::One => Word3::ONE,
        Logic::X => Word3::X,
    }));
    for node in circuit.nodes().skip(circuit.num_inputs()) {
        let fanin = circuit.fanin(node);
        let value = eval_gate(circuit.kind(node), fanin.len(), |p| values[fanin[p].index()]);
        values.push(value);
    }
}

/// Whether the fault effect of `fault` could still reach an output under the good values `good`
/// of a cube: a path from the site along which no gate has a side input at a known controlling
/// value (an X-path). Without one, no extension of the cube detects the fault, and the solver
/// need not be asked.
fn x_path(
    circuit: &Circuit,
    universe: &FaultUniverse,
    fault: FaultId,
    good: &[Word3],
    marks: &mut [bool],
    is_output: &[bool],
) -> bool {
    use crate::fault::{Injection, Read};
    let mut stack: Vec<(NodeId, Option<NodeId>)> = Vec::new();
    match universe.injection(fault.site()) {
        Injection::Node(n) => stack.push((n, None)),
        Injection::Reads(reads) => {
            for read in reads {
                match *read {
                    Read::Output(_) => return true,
                    Read::Pin { gate, .. } => {
                        let from = universe.site(fault.site()).net;
                        stack.push((gate, Some(from)));
                    }
                }
            }
        }
    }
    let mut visited = Vec::new();
    let mut found = false;
    while let Some((node, from)) = stack.pop() {
        if marks[node.index()] {
            continue;
        }
        if let Some(from) = from {
            if blocks(circuit, node, from, good) {
                continue;
            }
        }
        marks[node.index()] = true;
        visited.push(node);
        if is_output[node.index()] {
            found = true;
            break;
        }
        for &reader in circuit.fanout(node) {
            if !marks[reader.index()] {
                stack.push((reader, Some(node)));
            }
        }
    }
    for node in visited {
        marks[node.index()] = false;
    }
    found
}

/// Whether gate `gate` stops a fault effect arriving on its input `from`: another input holds
/// the gate's controlling value, or a multiplexer's known select picks another data input.
fn blocks(circuit: &Circuit, gate: NodeId, from: NodeId, good: &[Word3]) -> bool {
    let fanin = circuit.fanin(gate);
    let side_at = |value: Word3| fanin.iter().any(|&f| f != from && good[f.index()] == value);
    match circuit.kind(gate) {
        GateKind::And | GateKind::Nand => side_at(Word3::ZERO),
        GateKind::Or | GateKind::Nor => side_at(Word3::ONE),
        GateKind::Mux => {
            let select = good[fanin[0].index()];
            if fanin[0] == from {
                // Through the select: equal known data inputs hide it.
                let (d0, d1) = (good[fanin[1].index()], good[fanin[2].index()]);
                d0 == d1 && d0 != Word3::X
            } else if select == Word3::ZERO {
                fanin[1] != from
            } else if select == Word3::ONE {
                fanin[2] != from
            } else {
                false
            }
        }
        _ => false,
    }
}

/// The fault counts of a report: of the collapsed list `faults` with `status`, and of the
/// uncollapsed faults of the classes it lists (a shard counts its own classes only).
pub(crate) fn accounting(
    collapsed: &CollapsedFaults,
    faults: &[FaultId],
    status: &[FaultStatus],
) -> (FaultClassCounts, FaultClassCounts) {
    let mut per_class = vec![None; collapsed.num_classes()];
    for (&f, &s) in faults.iter().zip(status) {
        per_class[collapsed.class_of(f)] = Some(s);
    }
    let uncollapsed =
        FaultClassCounts::from_statuses(collapsed.expand(&per_class).iter().flatten());
    (FaultClassCounts::from_statuses(status), uncollapsed)
}

/// Grades `patterns` from scratch against every fault and checks the result against what the
/// flow concluded; returns the final statuses (detections numbered in `patterns`).
pub(crate) fn self_check(
    circuit: &Circuit,
    universe: &FaultUniverse,
    faults: &[FaultId],
    claimed: &[FaultStatus],
    simulator: &FaultSimulator<'_>,
    patterns: &PatternSet,
) -> Result<Vec<FaultStatus>, FlowError> {
    let result = simulator.run(patterns, faults);
    let mut status = Vec::with_capacity(faults.len());
    for ((&fault, &claim), &found) in faults.iter().zip(claimed).zip(&result.first_detection) {
        let name = || universe.fault_name(circuit, fault);
        status.push(match (claim, found) {
            (FaultStatus::Untestable, Some(p)) => {
                return Err(FlowError::SelfCheck(format!(
                    "fault {} was proven untestable but pattern {} detects it",
                    name(),
                    p.0
                )))
            }
            (FaultStatus::Detected(_), None) => {
                return Err(FlowError::SelfCheck(format!(
                    "fault {} was detected before compaction but no final pattern detects it",
                    name()
                )))
            }
            (_, Some(p)) => FaultStatus::Detected(p),
            (other, None) => other,
        });
    }
    Ok(status)
}
