//! Sharding: one run split over many machines, and the merge that joins the shards again.
//!
//! **Which faults a shard owns.** Shard `I` of `N` ([`Shard`]) owns the faults of the collapsed
//! list ([`CollapsedFaults::faults`], equivalence collapsing, in its fixed order) whose index `k`
//! has `k mod N == I`. The assignment needs no seed and no communication, is the same on every
//! machine for the same netlist, and interleaves the list, so that each shard gets a similar mix
//! of easy and hard faults (the list follows the circuit's structure, and contiguous blocks would
//! give one shard all the faults of one hard block).
//!
//! A sharded run ([`crate::flow::FlowOptions::shard`]) targets, grades and reports only its own
//! faults; its patterns also detect faults of other shards, which the merge counts.
//!
//! **Merging** ([`merge`]): the patterns of every shard are pooled and graded against the whole
//! collapsed list; the faults the shards proved untestable are unioned (a pattern detecting one of
//! them is a bug and fails the merge); any fault neither detected nor proven (for example one a
//! shard aborted) is targeted again by the SAT engine; the pool is compacted again (reverse-order
//! fault simulation, then set cover over the full detection matrix), and the result is
//! self-checked by grading the final patterns from scratch, as [`crate::flow::run`] does.
//!
//! [`design_hash`] fingerprints a compiled circuit and its collapsed fault list so that the merge
//! can refuse shard results computed on another netlist.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use netlist::Circuit;

use crate::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse};
use crate::flow::{
    accounting, compact, fill, self_check, AbortReason, FaultStatus, FlowError, FlowOptions,
    FlowResult,
};
use crate::patterns::PatternSet;
use crate::report::{percent, PhaseSeconds, RunReport};
use crate::sat::{CadicalBackend, TestGenerator, TestOutcome};
use crate::sim::{FaultSimulator, GoodSimulator};

/// Shard `index` of `count`: the collapsed faults whose list index is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u32,
    /// How many shards in all (at least 1).
    pub count: u32,
}

impl Shard {
    /// Shard `index` of `count`, or `None` unless `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// Whether the fault at position `k` of the collapsed list belongs to this shard.
    pub fn contains(self, k: usize) -> bool {
        k % self.count as usize == self.index as usize
    }

    /// The faults of `list` (the collapsed list) this shard owns, in list order.
    pub fn select(self, list: &[FaultId]) -> Vec<FaultId> {
        list.iter().enumerate().filter(|&(k, _)| self.contains(k)).map(|(_, &f)| f).collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N` (`0 <= I < N`).
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (shard I of N, from 0), got `{s}`"))?;
        let parse = |t: &str, what: &str| {
            t.trim().parse::<u32>().map_err(|e| format!("bad {what} `{t}` in shard `{s}`: {e}"))
        };
        let (index, count) = (parse(i, "index")?, parse(n, "count")?);
        Shard::new(index, count).ok_or_else(|| {
            format!("shard index must be below the shard count (0 <= I < N), got `{s}`")
        })
    }
}

/// A fingerprint of `circuit` and its collapsed fault list (64-bit FNV-1a over node names, gate
/// kinds, fanins, outputs and fault ids), as 16 hex digits. Stable across runs and machines for
/// the same netlist and the same version of the program.
pub fn design_hash(circuit: &Circuit, collapsed: &CollapsedFaults) -> String {
    let mut hash = Fnv::default();
    hash.write(circuit.name().as_bytes());
    hash.write_u64(circuit.num_nodes() as u64);
    hash.write_u64(circuit.num_inputs() as u64);
    for node in circuit.nodes() {
        hash.write(circuit.node_name(node).as_bytes());
        hash.write(&[0xff, circuit.kind(node) as u8]);
        for &f in circuit.fanin(node) {
            hash.write_u64(f.index() as u64);
        }
    }
    for &o in circuit.outputs() {
        hash.write_u64(o.index() as u64);
    }
    for &f in collapsed.faults() {
        hash.write_u64(u64::from(f.0));
    }
    format!("{:016x}", hash.0)
}

/// 64-bit FNV-1a: tiny, and defined by its constants, unlike `std`'s unspecified hasher.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.write(&value.to_le_bytes());
    }
}

/// The fault universe of `circuit` and the collapsed list every run and shard targets.
pub fn collapsed_list(circuit: &Circuit) -> (FaultUniverse, CollapsedFaults) {
    let universe = FaultUniverse::new(circuit);
    let collapsed = CollapsedFaults::new(circuit, &universe, CollapseMode::Equivalence);
    (universe, collapsed)
}

/// What the shards contribute to [`merge`].
#[derive(Debug, Clone)]
pub struct ShardResults {
    /// Every shard's patterns, concatenated (filled vectors, one signal per circuit input).
    pub patterns: PatternSet,
    /// The faults some shard proved untestable.
    pub untestable: Vec<FaultId>,
    /// The faults some shard aborted (targeted again by the merge).
    pub aborted: Vec<FaultId>,
}

/// Joins shard results into one compact, self-checked pattern set for the whole collapsed list
/// (see the module documentation). `options` gives the seed and fill of any pattern the merge
/// has to generate, and the conflict limits of that test generation.
///
/// `universe` and `collapsed` must be those of `circuit` (the equivalence-collapsed list, as
/// [`collapsed_list`] builds it): the fault ids of `shards` refer to them.
pub fn merge(
    circuit: &Circuit,
    universe: FaultUniverse,
    collapsed: CollapsedFaults,
    shards: &ShardResults,
    options: &FlowOptions,
) -> Result<FlowResult, FlowError> {
    let started = Instant::now();
    let mut seconds = PhaseSeconds::default();
    let faults = collapsed.faults().to_vec();
    let simulator = FaultSimulator::new(circuit, &universe);
    let position: std::collections::HashMap<FaultId, usize> =
        faults.iter().enumerate().map(|(k, &f)| (f, k)).collect();

    // Grade the pooled patterns against every fault.
    let t = Instant::now();
    let mut pool = shards.patterns.clone();
    let graded = simulator.run(&pool, &faults);
    let mut status: Vec<FaultStatus> = graded
        .first_detection
        .iter()
        .map(|d| d.map_or(FaultStatus::Undetected, FaultStatus::Detected))
        .collect();
    for &f in &shards.untestable {
        let k = *position.get(&f).ok_or_else(|| {
            FlowError::SelfCheck(format!("fault {} is not in the collapsed list", f.0))
        })?;
        if let FaultStatus::Detected(p) = status[k] {
            return Err(FlowError::SelfCheck(format!(
                "fault {} was proven untestable by a shard but pattern {} of the pooled shard patterns detects it",
                universe.fault_name(circuit, f),
                p.0
            )));
        }
        status[k] = FaultStatus::Untestable;
    }
    seconds.random = t.elapsed().as_secs_f64();

    // Target what no shard decided: faults a shard aborted (or, with shards from an
    // inconsistent run, missed).
    let t = Instant::now();
    let mut generator = TestGenerator::with_backend(circuit, &universe, CadicalBackend::new())
        .with_conflict_limit(Some(options.abort_limit.max(options.retry_limit)));
    for k in 0..faults.len() {
        if status[k] != FaultStatus::Undetected {
            continue;
        }
        match generator.generate(faults[k])? {
            TestOutcome::Untestable => status[k] = FaultStatus::Untestable,
            TestOutcome::Aborted => status[k] = FaultStatus::Aborted,
            TestOutcome::Detected(cube) => {
                let mut values = cube.values().to_vec();
                fill::fill(&mut values, options.fill, options.seed, pool.len() as u64);
                let mut one = PatternSet::new(values.len());
                one.push(&values);
                let open: Vec<usize> =
                    (k..faults.len()).filter(|&j| status[j] == FaultStatus::Undetected).collect();
                let list: Vec<FaultId> = open.iter().map(|&j| faults[j]).collect();
                let result = simulator.run(&one, &list);
                let id = pool.push(&values);
                for (&j, d) in open.iter().zip(&result.first_detection) {
                    if d.is_some() {
                        status[j] = FaultStatus::Detected(id);
                    }
                }
                if status[k] != FaultStatus::Detected(id) {
                    return Err(FlowError::SelfCheck(format!(
                        "the filled pattern for fault {} does not detect it",
                        universe.fault_name(circuit, faults[k])
                    )));
                }
            }
        }
    }
    let stats = generator.stats();
    let backend = generator.backend_name();
    drop(generator);
    seconds.deterministic = t.elapsed().as_secs_f64();

    // Compact the pool again: reverse order, then set cover over the detection matrix.
    let t = Instant::now();
    let detected: Vec<FaultId> = faults
        .iter()
        .zip(&status)
        .filter(|(_, s)| matches!(s, FaultStatus::Detected(_)))
        .map(|(&f, _)| f)
        .collect();
    let first = compact::reverse_order(&simulator, &pool, &detected);
    let reduced = compact::select(&pool, &first);
    let cover = compact::set_cover(&simulator, &reduced, &detected);
    let patterns = compact::select(&reduced, &cover);
    seconds.compaction = t.elapsed().as_secs_f64();

    // Self-check: grade the final patterns from scratch.
    let t = Instant::now();
    let responses = GoodSimulator::new(circuit).simulate(&patterns);
    let status = self_check(circuit, &universe, &faults, &status, &simulator, &patterns)?;
    drop(simulator);
    seconds.final_simulation = t.elapsed().as_secs_f64();
    seconds.total = started.elapsed().as_secs_f64();

    let (counts, uncollapsed) = accounting(&collapsed, &faults, &status);
    let report = RunReport {
        design: circuit.name().to_string(),
        model: "stuck-at",
        fault_coverage: percent(counts.detected, counts.total),
        test_coverage: percent(counts.detected, counts.total - counts.untestable),
        atpg_efficiency: percent(counts.detected + counts.untestable, counts.total),
        faults: counts,
        faults_uncollapsed: uncollapsed,
        patterns: patterns.len(),
        patterns_before_compaction: pool.len(),
        patterns_random: 0,
        seconds,
        sat_calls: stats.sat_calls,
        sat_conflicts: stats.sat_conflicts,
        compaction_calls: 0,
        compaction_hits: 0,
        swept_faults: 0,
        seed: options.seed,
        abort_limit: options.abort_limit,
        compaction: crate::flow::Compaction::Max,
        fill: options.fill,
        sat_backend: backend,
        ranker: "none",
        time_limit: None,
    };
    // The merge's own SAT calls have no time limit: what it aborted ran out of conflicts.
    let abort_reasons = status
        .iter()
        .map(|&s| (s == FaultStatus::Aborted).then_some(AbortReason::ConflictLimit))
        .collect();
    Ok(FlowResult {
        universe,
        collapsed,
        status,
        patterns,
        responses,
        report,
        labels: None,
        abort_reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_shard_specs() {
        assert_eq!("3/4".parse::<Shard>(), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(" 0 / 1 ".trim().parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        for bad in ["4/4", "1/0", "1", "a/2", "-1/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn shards_partition_the_list() {
        let list: Vec<FaultId> = (0..103).map(FaultId).collect();
        let mut seen = vec![0; list.len()];
        for i in 0..4 {
            for f in Shard::new(i, 4).expect("valid").select(&list) {
                seen[f.index()] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
    }
}
