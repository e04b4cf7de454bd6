//! Fault accounting shared by every report the project writes (the JSON key names are part of
//! the interface: `total`, `detected`, `undetected`, `fault_coverage`).

use crate::flow::{Compaction, FaultStatus, Fill};
use crate::patterns::PatternId;

/// Counts of a fault list after grading.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaultCounts {
    /// Faults in the list.
    pub total: usize,
    /// Faults some pattern detects.
    pub detected: usize,
    /// Faults no pattern detects.
    pub undetected: usize,
    /// `detected / total`, in percent (0 for an empty list).
    pub fault_coverage: f64,
}

impl FaultCounts {
    /// Counts from per-fault first detections.
    pub fn from_detections<'a>(
        detections: impl IntoIterator<Item = &'a Option<PatternId>>,
    ) -> Self {
        let (mut total, mut detected) = (0, 0);
        for d in detections {
            total += 1;
            detected += usize::from(d.is_some());
        }
        FaultCounts {
            total,
            detected,
            undetected: total - detected,
            fault_coverage: percent(detected, total),
        }
    }
}

/// `part / whole` in percent, 0 when `whole` is 0.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Cumulative coverage after each of `patterns` patterns, in percent of `detections.len()`.
pub fn coverage_curve(detections: &[Option<PatternId>], patterns: usize) -> Vec<f64> {
    let mut new_per_pattern = vec![0usize; patterns];
    for p in detections.iter().flatten() {
        new_per_pattern[p.index()] += 1;
    }
    let mut detected = 0;
    new_per_pattern
        .into_iter()
        .map(|n| {
            detected += n;
            percent(detected, detections.len())
        })
        .collect()
}

/// Fault classes after a run: every fault is exactly one of detected, untestable, aborted or
/// undetected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FaultClassCounts {
    /// Faults in the list.
    pub total: usize,
    /// Detected by some pattern.
    pub detected: usize,
    /// Proven untestable.
    pub untestable: usize,
    /// Test generation gave up (conflict limit).
    pub aborted: usize,
    /// Neither detected nor classified.
    pub undetected: usize,
}

impl FaultClassCounts {
    /// Counts of a list of statuses.
    pub fn from_statuses<'a>(statuses: impl IntoIterator<Item = &'a FaultStatus>) -> Self {
        let mut counts = FaultClassCounts::default();
        for s in statuses {
            counts.total += 1;
            match s {
                FaultStatus::Detected(_) => counts.detected += 1,
                FaultStatus::Untestable => counts.untestable += 1,
                FaultStatus::Aborted => counts.aborted += 1,
                FaultStatus::Undetected => counts.undetected += 1,
            }
        }
        counts
    }
}

/// Wall-clock seconds per phase of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PhaseSeconds {
    /// The whole run (netlist reading excluded).
    pub total: f64,
    /// Random patterns.
    pub random: f64,
    /// SAT test generation with dynamic compaction.
    pub deterministic: f64,
    /// The second pass over aborted faults.
    pub retry: f64,
    /// Static compaction.
    pub compaction: f64,
    /// Good-machine responses and the self-check's fault simulation.
    pub final_simulation: f64,
    /// Features and predictions of the ranker (`--ranker`); part of `total`, in no other phase.
    pub ranking: f64,
}

/// The JSON report of `atpg run`. Coverage figures are percentages of the collapsed list:
/// fault coverage = detected / total, test coverage = detected / (total - untestable), ATPG
/// efficiency = (detected + untestable) / total.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunReport {
    /// The design's name.
    pub design: String,
    /// The fault model (`stuck-at`).
    pub model: &'static str,
    /// The collapsed fault list (equivalence classes).
    pub faults: FaultClassCounts,
    /// Every fault of the universe, each counted with its class.
    pub faults_uncollapsed: FaultClassCounts,
    /// Detected / total, percent.
    pub fault_coverage: f64,
    /// Detected / (total - untestable), percent.
    pub test_coverage: f64,
    /// (Detected + untestable) / total, percent.
    pub atpg_efficiency: f64,
    /// Final pattern count.
    pub patterns: usize,
    /// Pattern count before static compaction.
    pub patterns_before_compaction: usize,
    /// Random patterns kept by the random phase (before static compaction).
    pub patterns_random: usize,
    /// Time per phase.
    pub seconds: PhaseSeconds,
    /// SAT solver calls (targets and dynamic-compaction attempts).
    pub sat_calls: u64,
    /// SAT conflicts over all calls.
    pub sat_conflicts: u64,
    /// Dynamic-compaction attempts (secondary faults tried in a pattern).
    pub compaction_calls: u64,
    /// Dynamic-compaction attempts that fitted the fault into the pattern.
    pub compaction_hits: u64,
    /// Faults both SAT passes aborted that SAT sweeping then decided.
    pub swept_faults: usize,
    /// The seed of random patterns and fill.
    pub seed: u64,
    /// Conflict limit per fault of the first pass.
    pub abort_limit: u32,
    /// Compaction effort.
    pub compaction: Compaction,
    /// Fill of unspecified inputs.
    pub fill: Fill,
    /// The SAT backend.
    pub sat_backend: &'static str,
    /// The ranker that ordered the deterministic phase (`none`, `scoap`, `model`).
    pub ranker: &'static str,
    /// The time limit of test generation in seconds, if the run had one.
    pub time_limit: Option<f64>,
}
