//! The fault-testability ranker: features per fault, labels from our own ATPG runs, a small
//! learned model, and the rankings the flow can order and budget its deterministic phase by.
//!
//! - [`features`]: per-fault features computed from the [`Circuit`] in linear time (SCOAP,
//!   COP, levels, fanout, fanout-free regions, cone estimates, gate types, reconvergence);
//! - [`gbt`]: gradient-boosted trees (logistic loss), trained and evaluated here: the default
//!   model type;
//! - [`logistic`]: L2-regularised logistic regression, the linear alternative the default was
//!   measured against (`atpg train --kind logistic`; RANKER.md compares the two);
//! - [`model`]: the versioned model file (feature list, training circuits, two classifiers: one
//!   for "proven untestable", one for "not detected by the random phase");
//! - [`dataset`]: labels from [`crate::flow::run`] ([`FaultLabel`]), the training set of a list
//!   of circuits, training, and leave-one-circuit-out evaluation;
//! - [`metrics`]: ROC AUC and precision/recall.
//!
//! [`Ranker`] is the flow's choice ([`crate::flow::FlowOptions::ranker`]); [`Ranking`] holds
//! what it predicts for each collapsed fault.

pub mod dataset;
pub mod features;
pub mod gbt;
pub mod logistic;
pub mod metrics;
pub mod model;

use std::sync::Arc;

use netlist::Circuit;

pub use dataset::FaultLabel;
pub use features::{fault_features, FeatureMatrix, FEATURE_NAMES, NUM_FEATURES};
pub use model::{Classifier, Model, ModelError, ModelKind, TrainParams};

use crate::fault::{CollapsedFaults, FaultUniverse};

/// How the deterministic phase orders and budgets the faults random patterns missed.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Ranker {
    /// No prediction: the faults random patterns missed are targeted in list order.
    #[default]
    None,
    /// SCOAP testability (CC of the activating value plus CO), hardest first.
    Scoap,
    /// A trained [`Model`]: predicted difficulty first, a cheap proof attempt for faults
    /// predicted untestable, and conflict budgets from the prediction.
    Model(Arc<Model>),
}

impl Ranker {
    /// The name used on the command line and in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Ranker::None => "none",
            Ranker::Scoap => "scoap",
            Ranker::Model(_) => "model",
        }
    }
}

/// Per collapsed fault (in [`CollapsedFaults::faults`] order), what a ranker predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Higher is harder: the model's probability that random patterns miss the fault, or the
    /// SCOAP testability (log scale) for [`Ranker::Scoap`].
    pub difficulty: Vec<f32>,
    /// The model's probability that the fault is untestable (`None` without a model).
    pub untestable: Option<Vec<f32>>,
}

/// What `ranker` predicts for every fault of `collapsed` (`None` for [`Ranker::None`]).
pub fn rank_faults(
    ranker: &Ranker,
    circuit: &Circuit,
    universe: &FaultUniverse,
    collapsed: &CollapsedFaults,
) -> Option<Ranking> {
    match ranker {
        Ranker::None => None,
        Ranker::Scoap => {
            let features = fault_features(circuit, universe, collapsed);
            Some(Ranking { difficulty: features.scoap(), untestable: None })
        }
        Ranker::Model(model) => {
            let features = fault_features(circuit, universe, collapsed);
            let scores = model.score(&features);
            Some(Ranking { difficulty: scores.difficulty, untestable: Some(scores.untestable) })
        }
    }
}
