//! Parallel-pattern single-fault propagation (PPSFP) fault simulation.
//!
//! Patterns are simulated [`WIDTH`] 64-pattern words at a time (a "group"). For each group: one
//! good-machine pass over the whole circuit; then, for each fault still to simulate, only the
//! fault's fanout cone is re-simulated, event driven: a gate is evaluated only when one of its
//! inputs differs from the good machine, and the difference stops spreading wherever a gate's
//! faulty value equals its good value. Each thread keeps a copy of the good values as its faulty
//! machine, changes it only at the nodes the fault reaches, and restores those afterwards, so a
//! fault costs time in proportion to the gates it reaches.
//!
//! A pattern is followed only while it can still change the result: until an output detects it,
//! and with fault dropping only while it could be some fault's first detection (a difference
//! that lies only in other patterns is not recorded, so it spreads no further). Patterns are
//! independent bit lanes, so the values of the patterns still followed stay exact.
//!
//! Fanout-free regions (two-valued groups): a node read by exactly one gate pin and not observed
//! reaches the rest of the circuit only through that gate, so a fault inside a fanout-free region
//! can change the rest of the circuit only by flipping the region's root. Where it flips the root
//! is found by tracing the single path up to it (a gate passes a flip on one input exactly where
//! flipping that input flips its output, computed from good values); where a flip of the root is
//! seen at an output is found by one event-driven propagation per region, flipping the root only
//! where some fault of the region flips it, and stopping as soon as all of those patterns are
//! seen. A fault is detected exactly where both hold. This is exact in two-valued logic (a single
//! path carries a single flip) and replaces one cone simulation per fault by one per region;
//! three-valued groups, and faults injected at several reads at once, take the plain per-fault
//! propagation.
//!
//! Faults are split into fixed chunks (a region's faults side by side) that rayon spreads over
//! threads. Each fault's result depends only on the fault and the patterns, and fault dropping
//! happens between groups, so the result is identical for any number of threads.
//!
//! Groups with no unknown input (in circuits without undriven nets) run two-valued; others run
//! three-valued.

use std::sync::Mutex;

use netlist::Circuit;
use rayon::prelude::*;

use super::events::Events;
use super::good::simulate_block;
use super::graph::{SimGraph, NO_NODE};
use super::value::{CodedEval, Mask, SimValue, TwoValued, Wide, Wide3, Word3};
use crate::fault::{FaultId, FaultUniverse, Injection, Read};
use crate::patterns::{PatternId, PatternSet};

/// 64-pattern words simulated together. Measured: on c7552 and s38584.1, four words per event
/// cost little more than one (the time goes to fetching a gate's fanins and fanouts, not to the
/// arithmetic), so throughput per pattern is about three times that of single words.
pub const WIDTH: usize = 4;

/// Two-valued values of a group.
type Two = Wide<WIDTH>;
/// Three-valued values of a group.
type Three = Wide3<WIDTH>;
/// Pattern sets of a group.
type Patterns = Wide<WIDTH>;

/// Faults per unit of parallel work: small enough to balance load, large enough that taking a
/// thread's scratch space is negligible.
const CHUNK: usize = 64;

/// Groups with at most this many faults to simulate run on the calling thread.
const SERIAL_BELOW: usize = 4 * CHUNK;

/// Faults whose detection masks are held at once (a multiple of [`CHUNK`], so batches split no
/// chunk): 2 MB of masks rather than 32 bytes for every fault of a ten-million-gate design.
const BATCH: usize = 1024 * CHUNK;

/// Counters of the work a fault simulation did. Evaluations count 64-pattern words: a gate
/// evaluated on a group of four words counts four.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SimStats {
    /// 64-pattern blocks simulated.
    pub blocks: u64,
    /// Blocks that needed three-valued simulation.
    pub three_valued_blocks: u64,
    /// Gate evaluations of the good machine (gates times blocks).
    pub good_gate_evaluations: u64,
    /// Gate evaluations in event-driven cone simulation (of single faults, or of a flipped
    /// fanout-free-region root).
    pub cone_gate_evaluations: u64,
    /// Gate evaluations spent tracing paths inside fanout-free regions (two per gate passed).
    pub path_gate_evaluations: u64,
    /// Event-driven cone simulations (per fault, or per region shared by its faults), each on a
    /// group of [`WIDTH`] words.
    pub cone_simulations: u64,
    /// Fault-block pairs simulated (faults dropped earlier are not counted).
    pub fault_blocks: u64,
}

/// The outcome of a fault simulation, per fault in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSimResult {
    /// The first pattern that detects each fault, if any.
    pub first_detection: Vec<Option<PatternId>>,
    /// Without fault dropping, how many patterns detect each fault; with dropping, `None`.
    pub detection_counts: Option<Vec<u32>>,
    /// The work done.
    pub stats: SimStats,
}

/// One bit per fault and pattern: which patterns detect which fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectionMatrix {
    blocks: usize,
    patterns: usize,
    /// Fault-major: block `b` of fault `f` is `bits[f * blocks + b]`.
    bits: Vec<u64>,
}

impl DetectionMatrix {
    /// Number of patterns.
    pub fn num_patterns(&self) -> usize {
        self.patterns
    }

    /// Number of faults.
    pub fn num_faults(&self) -> usize {
        self.bits.len().checked_div(self.blocks).unwrap_or(0)
    }

    /// Whether pattern `pattern` detects fault `fault` (indices into the lists simulated).
    pub fn detects(&self, fault: usize, pattern: PatternId) -> bool {
        let p = pattern.index();
        self.bits[fault * self.blocks + p / 64] >> (p % 64) & 1 == 1
    }

    /// The patterns that detect fault `fault`, in order.
    pub fn detecting(&self, fault: usize) -> impl Iterator<Item = PatternId> + '_ {
        let row = &self.bits[fault * self.blocks..(fault + 1) * self.blocks];
        row.iter().enumerate().flat_map(|(b, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros();
                    word &= word - 1;
                    PatternId((b * 64) as u32 + bit)
                })
            })
        })
    }
}

/// A fault simulator for one circuit and fault universe.
#[derive(Debug)]
pub struct FaultSimulator<'u> {
    graph: SimGraph,
    universe: &'u FaultUniverse,
    dropping: bool,
    threads: Option<usize>,
    progress: Option<Progress<'u>>,
}

/// What a fault simulation reports after each group of patterns (see
/// [`FaultSimulator::with_progress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupDone {
    /// Patterns simulated so far.
    pub patterns_done: usize,
    /// Patterns in the set.
    pub patterns: usize,
    /// Faults still to simulate against the next group (all of them without dropping).
    pub faults_left: usize,
    /// Faults in the run.
    pub faults: usize,
}

/// A progress callback (a newtype, for `Debug`).
#[derive(Clone, Copy)]
struct Progress<'u>(&'u (dyn Fn(GroupDone) + Sync));

impl std::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// How a fault is simulated in two-valued groups.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// A node forced: traced from the node to its region's root.
    Node(u32),
    /// One gate input forced: traced from the gate to its region's root.
    Pin { gate: u32, pin: u32 },
    /// One output entry forced: seen there and nowhere else.
    Output(u32),
    /// Anything else (several reads at once): per-fault cone simulation.
    Cone,
}

impl Plan {
    /// The root of the fanout-free region a traced fault is in.
    fn root(self, graph: &SimGraph) -> Option<u32> {
        match self {
            Plan::Node(n) => Some(graph.ffr_root[n as usize]),
            Plan::Pin { gate, .. } => Some(graph.ffr_root[gate as usize]),
            Plan::Output(_) | Plan::Cone => None,
        }
    }
}

/// Per-thread state: the faulty machine, the event queue and the region memo.
struct Scratch {
    events: Events,
    faulty2: Vec<Two>,
    faulty3: Vec<Three>,
    /// The group (and representation) `faulty2`/`faulty3` currently mirror the good values of.
    synced: Option<(usize, bool)>,
    /// Stamp of the path memo: an entry of `path` is valid when its stamp equals this.
    stamp: u32,
    /// Per node of the current region, by [`SimGraph::ffr_position`]: where flipping it flips
    /// the region's root.
    path: Vec<(Patterns, u32)>,
    chain: Vec<u32>,
    /// Per fault of the current region run: where it flips the root.
    flips: Vec<Patterns>,
    /// 64-pattern words that hold patterns in the current group (for the counters).
    words: u64,
    stats: SimStats,
}

impl Scratch {
    fn new(graph: &SimGraph) -> Scratch {
        Scratch {
            events: Events::new(graph.num_nodes()),
            faulty2: Vec::new(),
            faulty3: Vec::new(),
            synced: None,
            stamp: 0,
            path: vec![(Patterns::NONE, 0); graph.ffr_max_size],
            chain: Vec::new(),
            flips: Vec::new(),
            words: 0,
            stats: SimStats::default(),
        }
    }

    /// Empties the path memo (for another region, or another group).
    fn forget_paths(&mut self) {
        if self.stamp == u32::MAX {
            self.path.fill((Patterns::NONE, 0));
            self.stamp = 0;
        }
        self.stamp += 1;
    }
}

/// A group representation and how the simulator treats it.
trait Lanes: CodedEval<Mask = Patterns> {
    const THREE_VALUED: bool;
    fn faulty(scratch: &mut Scratch) -> &mut Vec<Self>;
    /// Simulates a chunk of faults in one group: `masks[i]` gets the detecting patterns of
    /// `faults[i]` (indices into the run's fault list).
    fn simulate_chunk(
        sim: &FaultSimulator<'_>,
        scratch: &mut Scratch,
        good: &[Self],
        ctx: &Group<'_>,
        faults: &[u32],
        masks: &mut [Patterns],
    );
}

impl Lanes for Two {
    const THREE_VALUED: bool = false;
    fn faulty(s: &mut Scratch) -> &mut Vec<Two> {
        &mut s.faulty2
    }
    fn simulate_chunk(
        sim: &FaultSimulator<'_>,
        scratch: &mut Scratch,
        good: &[Two],
        ctx: &Group<'_>,
        faults: &[u32],
        masks: &mut [Patterns],
    ) {
        sim.simulate_chunk_by_region(scratch, good, ctx, faults, masks);
    }
}

impl Lanes for Three {
    const THREE_VALUED: bool = true;
    fn faulty(s: &mut Scratch) -> &mut Vec<Three> {
        &mut s.faulty3
    }
    fn simulate_chunk(
        sim: &FaultSimulator<'_>,
        scratch: &mut Scratch,
        good: &[Three],
        ctx: &Group<'_>,
        faults: &[u32],
        masks: &mut [Patterns],
    ) {
        for (&f, mask) in faults.iter().zip(masks) {
            *mask = sim.simulate_cone(scratch, good, ctx, ctx.faults[f as usize]);
        }
    }
}

/// Where a cone simulation starts.
#[derive(Clone, Copy)]
enum Start<'a, V> {
    /// A node takes a value.
    Node(usize, V),
    /// Reads take a value.
    Reads(&'a [Read], V),
}

impl<'u> FaultSimulator<'u> {
    /// A simulator for the faults of `universe`, which was built from `circuit`. Fault dropping
    /// is on.
    pub fn new(circuit: &Circuit, universe: &'u FaultUniverse) -> FaultSimulator<'u> {
        FaultSimulator {
            graph: SimGraph::new(circuit),
            universe,
            dropping: true,
            threads: None,
            progress: None,
        }
    }

    /// Whether to stop simulating a fault once a pattern detects it (default: yes). Without
    /// dropping every fault meets every pattern and the result counts detections.
    pub fn with_dropping(mut self, dropping: bool) -> Self {
        self.dropping = dropping;
        self
    }

    /// Calls `progress` after each group of [`WIDTH`] 64-pattern blocks, on the calling thread
    /// (for a progress line on long runs; it sees the work, not the result).
    pub fn with_progress(mut self, progress: &'u (dyn Fn(GroupDone) + Sync)) -> Self {
        self.progress = Some(Progress(progress));
        self
    }

    /// Runs on a pool of its own with this many threads (at least 1), rather than on the current
    /// rayon pool. The result does not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    fn plan(&self, fault: FaultId) -> Plan {
        match self.universe.injection(fault.site()) {
            Injection::Node(n) => Plan::Node(self.graph.index(n) as u32),
            Injection::Reads([Read::Pin { gate, pin }]) => {
                Plan::Pin { gate: self.graph.index(*gate) as u32, pin: *pin }
            }
            Injection::Reads([Read::Output(j)]) => Plan::Output(*j),
            Injection::Reads(_) => Plan::Cone,
        }
    }

    /// Fault-simulates `faults` against every vector of `patterns` (one signal per circuit
    /// input), on the current rayon thread pool unless [`FaultSimulator::with_threads`] says
    /// otherwise.
    pub fn run(&self, patterns: &PatternSet, faults: &[FaultId]) -> FaultSimResult {
        self.on_pool(|| self.run_here(patterns, faults, self.dropping, None))
    }

    /// Which patterns detect which fault: every fault meets every pattern (no dropping), and
    /// the answer is one bit per fault and pattern. This is what set-cover compaction needs.
    pub fn detection_matrix(&self, patterns: &PatternSet, faults: &[FaultId]) -> DetectionMatrix {
        let blocks = patterns.num_blocks();
        let mut matrix = DetectionMatrix { blocks, patterns: patterns.len(), bits: Vec::new() };
        matrix.bits.resize(faults.len() * blocks, 0);
        self.on_pool(|| self.run_here(patterns, faults, false, Some(&mut matrix)));
        matrix
    }

    /// Runs `work` on the simulator's own pool, if it has one.
    fn on_pool<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        if let Some(threads) = self.threads {
            // A pool that cannot start (no threads available) leaves the current pool to do the
            // work: same result, only slower.
            if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                return pool.install(work);
            }
        }
        work()
    }

    fn run_here(
        &self,
        patterns: &PatternSet,
        faults: &[FaultId],
        dropping: bool,
        mut matrix: Option<&mut DetectionMatrix>,
    ) -> FaultSimResult {
        assert_eq!(patterns.width(), self.graph.num_inputs, "one signal per circuit input");
        let threads = rayon::current_num_threads().max(1);
        let scratch: Vec<Mutex<Scratch>> =
            (0..threads).map(|_| Mutex::new(Scratch::new(&self.graph))).collect();
        let plans: Vec<Plan> = faults.iter().map(|&f| self.plan(f)).collect();
        let mut first = vec![u32::MAX; faults.len()];
        // Detection counts only without dropping (the only case that reports them).
        let mut counts = vec![0u32; if dropping { 0 } else { faults.len() }];
        // Faults of one region side by side, so its root is simulated once per group.
        let mut active: Vec<u32> = (0..faults.len() as u32).collect();
        active.sort_by_key(|&f| {
            let plan = plans[f as usize];
            let region = match plan {
                Plan::Output(j) => self.graph.outputs[j as usize],
                Plan::Cone => {
                    self.graph.index(self.universe.site(faults[f as usize].site()).net) as u32
                }
                _ => plan.root(&self.graph).unwrap_or(NO_NODE),
            };
            (region, f)
        });
        let mut masks: Vec<Patterns> = Vec::new();
        let mut stats = SimStats::default();
        let gates = (self.graph.num_nodes() - self.graph.num_inputs) as u64;
        let mut good2 = Vec::new();
        let mut good3 = Vec::new();
        for group in 0..patterns.num_blocks().div_ceil(WIDTH) {
            if active.is_empty() {
                break;
            }
            let blocks = (group * WIDTH..patterns.num_blocks().min((group + 1) * WIDTH)).len();
            stats.blocks += blocks as u64;
            stats.good_gate_evaluations += gates * blocks as u64;
            stats.fault_blocks += (active.len() * blocks) as u64;
            let valid = Patterns::from_words(|w| {
                if w < blocks {
                    patterns.valid_mask(group * WIDTH + w)
                } else {
                    0
                }
            });
            let ctx = Group {
                first_only: dropping && matrix.is_none() && !self.universe.has_activation(),
                group,
                words: blocks as u64,
                valid,
                patterns,
                faults,
                plans: &plans,
                active: &active,
                scratch: &scratch,
            };
            let record = |batch: &[u32], masks: &[Patterns]| {
                for (&f, &mask) in batch.iter().zip(masks) {
                    let mask = mask & valid;
                    let f = f as usize;
                    for w in 0..WIDTH {
                        let word = mask.word(w);
                        if word == 0 {
                            continue;
                        }
                        if let Some(matrix) = matrix.as_deref_mut() {
                            matrix.bits[f * matrix.blocks + group * WIDTH + w] = word;
                        }
                        if first[f] == u32::MAX {
                            first[f] = ((group * WIDTH + w) * 64) as u32 + word.trailing_zeros();
                        }
                        if !dropping {
                            counts[f] += word.count_ones();
                        }
                    }
                }
            };
            let unknown = (0..blocks).any(|w| patterns.block_has_unknown(group * WIDTH + w));
            if self.graph.has_unknown_constants || unknown {
                stats.three_valued_blocks += blocks as u64;
                self.simulate_group::<Three>(&ctx, &mut good3, &mut masks, record);
            } else {
                self.simulate_group::<Two>(&ctx, &mut good2, &mut masks, record);
            }
            if dropping {
                active.retain(|&f| first[f as usize] == u32::MAX);
            }
            if let Some(Progress(progress)) = self.progress {
                progress(GroupDone {
                    patterns_done: patterns.len().min((group + 1) * WIDTH * 64),
                    patterns: patterns.len(),
                    faults_left: active.len(),
                    faults: faults.len(),
                });
            }
        }
        for s in scratch {
            let s = s.into_inner().unwrap_or_else(|p| p.into_inner()).stats;
            stats.cone_gate_evaluations += s.cone_gate_evaluations;
            stats.path_gate_evaluations += s.path_gate_evaluations;
            stats.cone_simulations += s.cone_simulations;
        }
        FaultSimResult {
            first_detection: first
                .into_iter()
                .map(|p| (p != u32::MAX).then_some(PatternId(p)))
                .collect(),
            detection_counts: (!dropping).then_some(counts),
            stats,
        }
    }

    /// Good machine, then every active fault, for one group, in batches of [`BATCH`] faults:
    /// `record(batch, masks)` gets each batch of `ctx.active` with the detecting patterns of each
    /// of its faults (`masks` is the scratch space for them).
    fn simulate_group<V: Lanes>(
        &self,
        ctx: &Group<'_>,
        good: &mut Vec<V>,
        masks: &mut Vec<Patterns>,
        mut record: impl FnMut(&[u32], &[Patterns]),
    ) {
        let first_block = ctx.group * WIDTH;
        let blocks = ctx.words as usize;
        good.resize(self.graph.num_nodes(), V::ZERO);
        simulate_block(
            &self.graph,
            |i| {
                V::from_inputs(|w| {
                    if w < blocks {
                        ctx.patterns.block(first_block + w)[i]
                    } else {
                        Word3::X
                    }
                })
            },
            good,
        );
        let good: &[V] = good;
        let key = (ctx.group, V::THREE_VALUED);
        let chunk = |(faults, masks): (&[u32], &mut [Patterns])| {
            let slot = rayon::current_thread_index().unwrap_or(0) % ctx.scratch.len();
            let mut guard = ctx.scratch[slot].lock().unwrap_or_else(|p| p.into_inner());
            let scratch = &mut *guard;
            if scratch.synced != Some(key) {
                scratch.synced = Some(key);
                let faulty = V::faulty(scratch);
                faulty.clear();
                faulty.extend_from_slice(good);
            }
            scratch.words = ctx.words;
            V::simulate_chunk(self, scratch, good, ctx, faults, masks);
            if self.universe.has_activation() {
                // Transition faults: only where frame 1 set the initial value.
                for (&f, mask) in faults.iter().zip(masks.iter_mut()) {
                    let fault = ctx.faults[f as usize];
                    if let Some(node) = self.universe.activation(fault.site()) {
                        let other = V::constant(!fault.kind().stuck_value());
                        *mask &= V::detects(good[self.graph.index(node)], other);
                    }
                }
            }
        };
        for batch in ctx.active.chunks(BATCH) {
            masks.clear();
            masks.resize(batch.len(), Patterns::NONE);
            if batch.len() <= SERIAL_BELOW {
                // Late in a run with dropping only a few hard faults remain; waking other
                // threads for them costs more than it saves.
                batch.chunks(CHUNK).zip(masks.chunks_mut(CHUNK)).for_each(chunk);
            } else {
                batch.par_chunks(CHUNK).zip(masks.par_chunks_mut(CHUNK)).for_each(chunk);
            }
            record(batch, masks);
        }
    }

    /// One fault by its own cone simulation, on the group's patterns.
    fn simulate_cone<V: Lanes>(
        &self,
        scratch: &mut Scratch,
        good: &[V],
        ctx: &Group<'_>,
        fault: FaultId,
    ) -> Patterns {
        let stuck = V::constant(fault.kind().stuck_value());
        let start = match self.universe.injection(fault.site()) {
            Injection::Node(n) => Start::Node(self.graph.index(n), stuck),
            Injection::Reads(reads) => Start::Reads(reads, stuck),
        };
        let wanted = if ctx.first_only {
            Wanted::First(std::slice::from_ref(&ctx.valid))
        } else {
            Wanted::All(ctx.valid)
        };
        self.propagate(scratch, good, start, wanted)
    }

    /// Two-valued simulation of a chunk through the fanout-free regions: for each run of faults
    /// in one region, trace where each flips the root, then simulate the root's cone once,
    /// flipped only where some fault of the run flips it.
    fn simulate_chunk_by_region(
        &self,
        scratch: &mut Scratch,
        good: &[Two],
        ctx: &Group<'_>,
        faults: &[u32],
        masks: &mut [Patterns],
    ) {
        let mut i = 0;
        while i < faults.len() {
            let fault = ctx.faults[faults[i] as usize];
            let plan = ctx.plans[faults[i] as usize];
            let Some(root) = plan.root(&self.graph) else {
                masks[i] = match plan {
                    Plan::Output(j) => {
                        let stuck = Two::constant(fault.kind().stuck_value());
                        Two::detects(good[self.graph.outputs[j as usize] as usize], stuck)
                    }
                    _ => self.simulate_cone(scratch, good, ctx, fault),
                };
                i += 1;
                continue;
            };
            scratch.forget_paths();
            let mut flips = std::mem::take(&mut scratch.flips);
            flips.clear();
            let mut union = Patterns::NONE;
            let mut end = i;
            while end < faults.len() {
                let f = faults[end] as usize;
                let plan = ctx.plans[f];
                if plan.root(&self.graph) != Some(root) {
                    break;
                }
                let flip = self.trace(scratch, good, ctx.faults[f], plan) & ctx.valid;
                union |= flip;
                flips.push(flip);
                end += 1;
            }
            let observed = if union == Patterns::NONE {
                Patterns::NONE
            } else {
                let root = root as usize;
                let wanted =
                    if ctx.first_only { Wanted::First(&flips) } else { Wanted::All(union) };
                self.propagate(scratch, good, Start::Node(root, good[root].flip(union)), wanted)
            };
            for (mask, &flip) in masks[i..end].iter_mut().zip(&flips) {
                *mask = flip & observed;
            }
            scratch.flips = flips;
            i = end;
        }
    }

    /// Where a fault inside a fanout-free region flips the region's root (two-valued).
    fn trace(&self, scratch: &mut Scratch, good: &[Two], fault: FaultId, plan: Plan) -> Patterns {
        let stuck = Two::constant(fault.kind().stuck_value());
        match plan {
            Plan::Node(n) => {
                let activated = Two::detects(good[n as usize], stuck);
                if activated == Patterns::NONE {
                    return activated;
                }
                activated & self.path_to_root(scratch, good, n as usize)
            }
            Plan::Pin { gate, pin } => {
                let (g, pin) = (gate as usize, pin as usize);
                let activated = Two::detects(good[self.graph.fanin(g)[pin] as usize], stuck);
                if activated == Patterns::NONE {
                    return activated;
                }
                let through = activated & self.sensitivity(scratch, good, g, pin);
                if through == Patterns::NONE {
                    return through;
                }
                through & self.path_to_root(scratch, good, g)
            }
            Plan::Output(_) | Plan::Cone => unreachable!("only region faults are traced"),
        }
    }

    /// Where flipping input `pin` of `gate` flips its output (two-valued good values).
    #[inline]
    fn sensitivity(
        &self,
        scratch: &mut Scratch,
        good: &[Two],
        gate: usize,
        pin: usize,
    ) -> Patterns {
        let fanin = self.graph.fanin(gate);
        let with = |value: Two| {
            self.graph.eval(gate, |p| if p == pin { value } else { good[fanin[p] as usize] })
        };
        scratch.stats.path_gate_evaluations += 2 * scratch.words;
        Two::detects(with(Two::ZERO), with(Two::ONE))
    }

    /// Where flipping `node` flips the root of its fanout-free region, memoised per region run.
    fn path_to_root(&self, scratch: &mut Scratch, good: &[Two], node: usize) -> Patterns {
        let mut chain = std::mem::take(&mut scratch.chain);
        chain.clear();
        let position = |n: usize| self.graph.ffr_position[n] as usize;
        let mut at = node;
        let mut value = loop {
            let (memo, stamp) = scratch.path[position(at)];
            if stamp == scratch.stamp {
                break memo;
            }
            let (parent, _) = self.graph.ffr_parent[at];
            if parent == NO_NODE {
                scratch.path[position(at)] = (!Patterns::NONE, scratch.stamp);
                break !Patterns::NONE;
            }
            chain.push(at as u32);
            at = parent as usize;
        };
        for &c in chain.iter().rev() {
            let (parent, pin) = self.graph.ffr_parent[c as usize];
            if value != Patterns::NONE {
                value &= self.sensitivity(scratch, good, parent as usize, pin as usize);
            }
            scratch.path[position(c as usize)] = (value, scratch.stamp);
        }
        scratch.chain = chain;
        value
    }

    /// Event-driven simulation of the fanout cone of `start` on the thread's faulty machine;
    /// returns the patterns in which an output sees a known value opposite to the good one, exact
    /// as far as `wanted` says (other patterns' bits mean nothing). A pattern is followed only
    /// while `wanted` still needs it, and the simulation stops once nothing more could be learnt.
    /// The faulty machine equals `good` before and after.
    fn propagate<V: Lanes>(
        &self,
        scratch: &mut Scratch,
        good: &[V],
        start: Start<'_, V>,
        wanted: Wanted<'_>,
    ) -> Patterns {
        let graph = &self.graph;
        let mut faulty = std::mem::take(V::faulty(scratch));
        let events = &mut scratch.events;
        events.start();
        let mut detected = Patterns::NONE;
        // The patterns still worth following (wanted, and not yet detected). A difference only in
        // other patterns is not recorded, so it spreads no further; patterns are independent
        // lanes, so the faulty values of the live patterns stay exact. Without this, a
        // difference seen at an output long ago keeps flowing through every gate downstream.
        let mut live = wanted.live(Patterns::NONE);
        let stuck = match start {
            Start::Node(n, value) => {
                if V::differs(good[n], value) & live != Patterns::NONE {
                    faulty[n] = value;
                    events.touched.push(n as u32);
                    if graph.nodes[n].observed {
                        detected |= V::detects(good[n], value);
                        live = wanted.live(detected);
                    }
                    for &g in graph.fanout(n) {
                        events.schedule(g);
                    }
                }
                value
            }
            Start::Reads(reads, value) => {
                for read in reads {
                    match *read {
                        Read::Pin { gate, pin } => {
                            let g = graph.index(gate);
                            // Reading the stuck value changes nothing where the good value
                            // already is the stuck value.
                            if good[graph.fanin(g)[pin as usize] as usize] == value {
                                continue;
                            }
                            events.force(g as u32, pin);
                            events.schedule(g as u32);
                        }
                        Read::Output(j) => {
                            detected |= V::detects(good[graph.outputs[j as usize] as usize], value);
                            live = wanted.live(detected);
                        }
                    }
                }
                value
            }
        };
        let mut evaluated = 0u64;
        let any_forced = !events.forced.is_empty();
        while let Some(g) = events.pop() {
            if live == Patterns::NONE {
                // Nothing more could be learnt.
                events.clear();
                break;
            }
            let value = if any_forced {
                let fanin = graph.fanin(g);
                let events = &*events;
                graph.eval(g, |p| {
                    if events.is_forced(g, p) {
                        stuck
                    } else {
                        faulty[fanin[p] as usize]
                    }
                })
            } else {
                graph.eval_on(g, &faulty)
            };
            evaluated += 1;
            if V::differs(value, good[g]) & live != Patterns::NONE {
                faulty[g] = value;
                events.touched.push(g as u32);
                if graph.nodes[g].observed {
                    detected |= V::detects(good[g], value);
                    live = wanted.live(detected);
                }
                for &h in graph.fanout(g) {
                    events.schedule(h);
                }
            }
        }
        for &t in &events.touched {
            faulty[t as usize] = good[t as usize];
        }
        scratch.stats.cone_gate_evaluations += evaluated * scratch.words;
        scratch.stats.cone_simulations += 1;
        *V::faulty(scratch) = faulty;
        detected
    }
}

/// What every chunk of one group shares.
struct Group<'a> {
    group: usize,
    /// 64-pattern words of the group that hold patterns.
    words: u64,
    /// The patterns of the group that exist (the last group may be partly empty).
    valid: Patterns,
    patterns: &'a PatternSet,
    faults: &'a [FaultId],
    plans: &'a [Plan],
    active: &'a [u32],
    scratch: &'a [Mutex<Scratch>],
    /// Only each fault's first detecting pattern matters (fault dropping, no activation
    /// condition): see [`Wanted::First`].
    first_only: bool,
}

/// Which detections a cone simulation must find.
#[derive(Clone, Copy)]
enum Wanted<'a> {
    /// Every pattern of the set.
    All(Patterns),
    /// Each fault's first detecting pattern: the start is flipped in `flips[k]` by fault `k`
    /// (the start's value is the union's), and only the lowest pattern of `flips[k]` in the
    /// result is exact. A pattern is followed only while it could still be some fault's first
    /// detection, so a cone simulation ends once every fault's first detection is known.
    First(&'a [Patterns]),
}

impl Wanted<'_> {
    /// The patterns still worth following after `detected`.
    #[inline]
    fn live(self, detected: Patterns) -> Patterns {
        match self {
            Wanted::All(wanted) => wanted & !detected,
            Wanted::First(flips) => {
                let mut needed = Patterns::NONE;
                for &flip in flips {
                    needed |= flip & (flip & detected).before_first();
                }
                needed & !detected
            }
        }
    }
}
