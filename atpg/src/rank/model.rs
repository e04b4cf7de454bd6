//! The model file: a versioned JSON document with the feature list, the circuits it was trained
//! on, the command that made it, and two classifiers of one [`ModelKind`]: ensembles of [`Gbt`]
//! trees (the default) or [`Logistic`] regressions.
//!
//! ```json
//! { "format": "atpg-ranker", "version": 2, "kind": "gbt", "features": ["stuck_value", ...],
//!   "training_circuits": ["c17", ...], "command": "atpg train ...", "params": {...},
//!   "untestable": { "base": -3.1, "trees": [[...]] },
//!   "random_resistant": { "base": -1.2, "trees": [[...]] } }
//! ```
//!
//! A logistic model has `"kind": "logistic"`, its [`LogisticParams`] as `params`, and
//! `{ "mean", "scale", "weights", "bias" }` for each classifier. Version 1 files (written before
//! the logistic kind existed, without `kind`) are read as tree ensembles.
//!
//! A model is only used with the feature list it names: a file from another version of the
//! features is refused with a message rather than silently misread.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{FeatureMatrix, FEATURE_NAMES, NUM_FEATURES};
use super::gbt::{Gbt, GbtParams};
use super::logistic::{Logistic, LogisticParams};

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "atpg-ranker";
/// The version of the model file this build writes. It also reads version 1 (tree ensembles
/// only, no `kind` field).
pub const MODEL_VERSION: u32 = 2;

/// The type of classifier a model holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Gradient-boosted trees ([`Gbt`]): the default, chosen by measurement (RANKER.md).
    #[default]
    Gbt,
    /// L2-regularised logistic regression on log-scaled, standardised features ([`Logistic`]).
    Logistic,
}

impl ModelKind {
    /// The name used on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Gbt => "gbt",
            ModelKind::Logistic => "logistic",
        }
    }
}

/// Training settings of either kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TrainParams {
    /// Tree-ensemble settings.
    Gbt(GbtParams),
    /// Logistic-regression settings.
    Logistic(LogisticParams),
}

impl TrainParams {
    /// The kind these settings train.
    pub fn kind(&self) -> ModelKind {
        match self {
            TrainParams::Gbt(_) => ModelKind::Gbt,
            TrainParams::Logistic(_) => ModelKind::Logistic,
        }
    }
}

/// One binary classifier over the feature rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Classifier {
    /// Gradient-boosted trees.
    Gbt(Gbt),
    /// Logistic regression.
    Logistic(Logistic),
}

impl Classifier {
    /// Trains a classifier of the kind `params` names on `rows` (row-major, `features` values
    /// per sample) with labels `labels`.
    pub fn train(
        params: &TrainParams,
        rows: &[f32],
        features: usize,
        labels: &[bool],
    ) -> Classifier {
        match params {
            TrainParams::Gbt(p) => Classifier::Gbt(Gbt::train(rows, features, labels, p)),
            TrainParams::Logistic(p) => {
                Classifier::Logistic(Logistic::train(rows, features, labels, p))
            }
        }
    }

    /// The classifier's kind.
    pub fn kind(&self) -> ModelKind {
        match self {
            Classifier::Gbt(_) => ModelKind::Gbt,
            Classifier::Logistic(_) => ModelKind::Logistic,
        }
    }

    /// Probability of the label for one feature row.
    pub fn predict(&self, row: &[f32]) -> f64 {
        match self {
            Classifier::Gbt(m) => m.predict(row),
            Classifier::Logistic(m) => m.predict(row),
        }
    }

    /// Checks the classifier against the number of features.
    pub fn validate(&self, features: usize) -> Result<(), String> {
        match self {
            Classifier::Gbt(m) => m.validate(features),
            Classifier::Logistic(m) => m.validate(features),
        }
    }
}

/// The model shipped in the repository (`atpg/models/default.json`).
const DEFAULT_MODEL: &str = include_str!("../../models/default.json");

/// A trained ranker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`] when written.
    pub version: u32,
    /// The classifier type (absent in version 1 files, which hold tree ensembles).
    #[serde(default)]
    pub kind: ModelKind,
    /// The feature names, in column order ([`FEATURE_NAMES`]).
    pub features: Vec<String>,
    /// The designs the training set came from.
    pub training_circuits: Vec<String>,
    /// The command that trained it.
    pub command: String,
    /// Training settings.
    pub params: TrainParams,
    /// Faults sampled per circuit for training (0: all).
    pub max_faults_per_circuit: usize,
    /// Predicts "proven untestable".
    pub untestable: Classifier,
    /// Predicts "not detected by the random phase" (untestable or random-resistant): the
    /// difficulty.
    pub random_resistant: Classifier,
}

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file cannot be read.
    #[error("cannot read model file {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a model document.
    #[error("{file}:{line}:{column}: not a valid model file: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// Line of the problem (1-based).
        line: usize,
        /// Column of the problem (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document is well formed but cannot be used by this build.
    #[error("{file}: {message}")]
    Incompatible {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Per fault, what a [`Model`] predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Probability that random patterns miss the fault.
    pub difficulty: Vec<f32>,
    /// Probability that the fault is untestable.
    pub untestable: Vec<f32>,
}

impl Model {
    /// A model from its two classifiers (of the kind `params` trains), with the current feature
    /// list.
    pub fn new(
        untestable: Classifier,
        random_resistant: Classifier,
        params: TrainParams,
        max_faults_per_circuit: usize,
        training_circuits: Vec<String>,
        command: String,
    ) -> Model {
        Model {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            kind: params.kind(),
            features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
            training_circuits,
            command,
            params,
            max_faults_per_circuit,
            untestable,
            random_resistant,
        }
    }

    /// The model shipped with this build.
    pub fn shipped() -> Result<Model, ModelError> {
        Model::from_json(DEFAULT_MODEL, "atpg/models/default.json")
    }

    /// Reads a model file.
    pub fn read(path: &Path) -> Result<Model, ModelError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ModelError::Io { file: file.clone(), source })?;
        Model::from_json(&text, &file)
    }

    /// Parses and checks a model document; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Model, ModelError> {
        let model: Model = serde_json::from_str(text).map_err(|e| ModelError::Syntax {
            file: file.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let incompatible =
            |message: String| ModelError::Incompatible { file: file.into(), message };
        if model.format != MODEL_FORMAT {
            return Err(incompatible(format!(
                "format is `{}`, expected `{MODEL_FORMAT}`",
                model.format
            )));
        }
        if !(1..=MODEL_VERSION).contains(&model.version) {
            return Err(incompatible(format!(
                "model file version {} is not supported (this build reads versions 1 to {MODEL_VERSION}); retrain with `atpg train`",
                model.version
            )));
        }
        if model.version == 1 && model.kind != ModelKind::Gbt {
            return Err(incompatible("version 1 model files hold tree ensembles only".into()));
        }
        for (what, kind) in [
            ("params", model.params.kind()),
            ("untestable", model.untestable.kind()),
            ("random_resistant", model.random_resistant.kind()),
        ] {
            if kind != model.kind {
                return Err(incompatible(format!(
                    "`{what}` is for a {} model but the file's kind is `{}`",
                    kind.name(),
                    model.kind.name()
                )));
            }
        }
        if model.features != FEATURE_NAMES {
            return Err(incompatible(format!(
                "the model was trained on other features ({} named, this build computes {}); retrain with `atpg train`",
                model.features.len(),
                NUM_FEATURES
            )));
        }
        for (name, classifier) in
            [("untestable", &model.untestable), ("random_resistant", &model.random_resistant)]
        {
            classifier.validate(NUM_FEATURES).map_err(|e| incompatible(format!("{name}: {e}")))?;
        }
        Ok(model)
    }

    /// The document as compact JSON (one line, newline-terminated).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a model serialises (all numbers finite)") + "\n"
    }

    /// Predictions for every row of `features`.
    pub fn score(&self, features: &FeatureMatrix) -> Scores {
        use rayon::prelude::*;
        let (difficulty, untestable) = (0..features.len())
            .into_par_iter()
            .map(|r| {
                let row = features.row(r);
                (self.random_resistant.predict(row) as f32, self.untestable.predict(row) as f32)
            })
            .unzip();
        Scores { difficulty, untestable }
    }
}
