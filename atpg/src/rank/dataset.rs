//! Labels from our own engine, the training set of a list of circuits, training, and
//! leave-one-circuit-out evaluation.
//!
//! A circuit's labels come from one ordinary run of [`crate::flow::run`] with no ranker: per
//! collapsed fault, whether the random phase detected it (and with which vector), the SAT calls
//! and conflicts spent on it as a target, whether it ran out of conflicts in the first pass, and
//! its final status. Two labels are learned: "untestable" (proven) and "random-resistant" (not
//! detected by the random phase, untestable faults included).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use super::features::{fault_features, FeatureMatrix, NUM_FEATURES};
use super::metrics::{precision_recall_top, roc_auc};
use super::model::{Classifier, TrainParams};
use crate::flow::{FaultStatus, FlowResult};

/// What the flow measured about one collapsed fault (see [`crate::flow::FlowResult::labels`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FaultLabel {
    /// The random-phase vector (counting every simulated vector from 0) that first detected
    /// the fault, if one did.
    pub random_detection: Option<u32>,
    /// SAT calls with the fault as the target (first pass, cheap proofs and second pass).
    pub sat_calls: u32,
    /// Conflicts those calls spent.
    pub sat_conflicts: u64,
    /// Whether the first pass ran out of conflicts on it.
    pub aborted_once: bool,
}

/// The training data of one circuit.
#[derive(Debug, Clone)]
pub struct CircuitData {
    /// The design's name.
    pub name: String,
    /// Features of each collapsed fault.
    pub features: FeatureMatrix,
    /// Proven untestable.
    pub untestable: Vec<bool>,
    /// Not detected by the random phase.
    pub random_resistant: Vec<bool>,
    /// SAT conflicts spent on the fault as a target.
    pub sat_conflicts: Vec<u64>,
}

impl CircuitData {
    /// Features and labels of a finished run (which must carry labels).
    pub fn from_run(circuit: &netlist::Circuit, result: &FlowResult) -> Option<CircuitData> {
        let labels = result.labels.as_ref()?;
        let features = fault_features(circuit, &result.universe, &result.collapsed);
        Some(CircuitData {
            name: circuit.name().to_string(),
            features,
            untestable: result.status.iter().map(|s| *s == FaultStatus::Untestable).collect(),
            random_resistant: labels.iter().map(|l| l.random_detection.is_none()).collect(),
            sat_conflicts: labels.iter().map(|l| l.sat_conflicts).collect(),
        })
    }

    /// Number of faults.
    pub fn len(&self) -> usize {
        self.untestable.len()
    }

    /// Whether the circuit has no faults.
    pub fn is_empty(&self) -> bool {
        self.untestable.is_empty()
    }
}

/// The family of a design name: ISCAS-89 `.1` variants (the same logic with another flip-flop
/// order) belong with their original, so that leave-one-out never tests on a twin it trained on.
pub fn family(name: &str) -> &str {
    name.strip_suffix(".1").unwrap_or(name)
}

/// Trains both classifiers (of the kind `params` names) on `data`, sampling at most `max_per_circuit` faults of each circuit
/// (0: all; the sample is drawn from `seed`) so that the largest circuits do not drown the rest.
pub fn train(
    data: &[&CircuitData],
    params: &TrainParams,
    max_per_circuit: usize,
    seed: u64,
) -> (Classifier, Classifier) {
    let mut rows = Vec::new();
    let mut untestable = Vec::new();
    let mut resistant = Vec::new();
    for (k, d) in data.iter().enumerate() {
        let mut picks: Vec<usize> = (0..d.len()).collect();
        if max_per_circuit > 0 && picks.len() > max_per_circuit {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ (k as u64) << 32);
            picks.shuffle(&mut rng);
            picks.truncate(max_per_circuit);
            picks.sort_unstable();
        }
        for i in picks {
            rows.extend_from_slice(d.features.row(i));
            untestable.push(d.untestable[i]);
            resistant.push(d.random_resistant[i]);
        }
    }
    let u = Classifier::train(params, &rows, NUM_FEATURES, &untestable);
    let r = Classifier::train(params, &rows, NUM_FEATURES, &resistant);
    (u, r)
}

/// Quality of one score for one label on one held-out circuit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Quality {
    /// ROC AUC (`None` when the label is constant on the circuit).
    pub auc: Option<f64>,
    /// Precision of the faults called positive.
    pub precision: Option<f64>,
    /// Recall of the faults called positive.
    pub recall: Option<f64>,
}

/// The three scores compared on one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// Faults with the label.
    pub positives: usize,
    /// Faults the model calls positive (probability at least 0.5); the baselines call the same
    /// number of their top-scored faults positive.
    pub flagged: usize,
    /// The model.
    pub model: Quality,
    /// SCOAP testability alone.
    pub scoap: Quality,
    /// A random order (seeded).
    pub random: Quality,
}

/// The evaluation of one held-out circuit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldOut {
    /// The design.
    pub circuit: String,
    /// Its collapsed faults.
    pub faults: usize,
    /// "Proven untestable".
    pub untestable: Comparison,
    /// "Not detected by random patterns".
    pub random_resistant: Comparison,
}

/// Scores of the three rankers on `labels`, the model's with its 0.5 threshold.
pub fn compare(model: &[f32], scoap: &[f32], random: &[f32], labels: &[bool]) -> Comparison {
    let flagged = model.iter().filter(|&&p| p >= 0.5).count();
    let quality = |scores: &[f32]| {
        let (precision, recall) = precision_recall_top(scores, labels, flagged);
        Quality { auc: roc_auc(scores, labels), precision, recall }
    };
    Comparison {
        positives: labels.iter().filter(|&&l| l).count(),
        flagged,
        model: quality(model),
        scoap: quality(scoap),
        random: quality(random),
    }
}

/// Pseudo-random scores in `[0, 1)`, a fixed function of `seed` and the index.
pub fn random_scores(n: usize, seed: u64) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let h = (i ^ seed.rotate_left(17)).wrapping_add(0x9e37_79b9_7f4a_7c15);
            let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((h ^ (h >> 31)) >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// Evaluates classifiers trained without `held` on `held`.
pub fn evaluate(
    untestable: &Classifier,
    resistant: &Classifier,
    held: &CircuitData,
    seed: u64,
) -> HeldOut {
    let n = held.len();
    let mut pu = Vec::with_capacity(n);
    let mut pr = Vec::with_capacity(n);
    for i in 0..n {
        let row = held.features.row(i);
        pu.push(untestable.predict(row) as f32);
        pr.push(resistant.predict(row) as f32);
    }
    let scoap = held.features.scoap();
    let random = random_scores(n, seed);
    HeldOut {
        circuit: held.name.clone(),
        faults: n,
        untestable: compare(&pu, &scoap, &random, &held.untestable),
        random_resistant: compare(&pr, &scoap, &random, &held.random_resistant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_join_iscas89_twins() {
        assert_eq!(family("s9234.1"), "s9234");
        assert_eq!(family("s9234"), "s9234");
        assert_eq!(family("b01_C"), "b01_C");
    }

    #[test]
    fn random_scores_are_spread_and_fixed() {
        let a = random_scores(1000, 3);
        assert_eq!(a, random_scores(1000, 3));
        let mean = a.iter().sum::<f32>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }
}
