//! The model file: a versioned JSON document with the feature list, the circuits it was trained
//! on, the command that made it, and two ensembles of [`Gbt`] trees.
//!
//! ```json
//! { "format": "atpg-ranker", "version": 1, "features": ["stuck_value", ...],
//!   "training_circuits": ["c17", ...], "command": "atpg train ...", "params": {...},
//!   "untestable": { "base": -3.1, "trees": [[...]] },
//!   "random_resistant": { "base": -1.2, "trees": [[...]] } }
//! ```
//!
//! A model is only used with the feature list it names: a file from another version of the
//! features is refused with a message rather than silently misread.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{FeatureMatrix, FEATURE_NAMES, NUM_FEATURES};
use super::gbt::{Gbt, GbtParams};

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "atpg-ranker";
/// The version of the model file this build reads and writes.
pub const MODEL_VERSION: u32 = 1;

/// The model shipped in the repository (`atpg/models/default.json`).
const DEFAULT_MODEL: &str = include_str!("../../models/default.json");

/// A trained ranker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`] when written.
    pub version: u32,
    /// The feature names, in column order ([`FEATURE_NAMES`]).
    pub features: Vec<String>,
    /// The designs the training set came from.
    pub training_circuits: Vec<String>,
    /// The command that trained it.
    pub command: String,
    /// Training settings.
    pub params: GbtParams,
    /// Faults sampled per circuit for training (0: all).
    pub max_faults_per_circuit: usize,
    /// Predicts "proven untestable".
    pub untestable: Gbt,
    /// Predicts "not detected by the random phase" (untestable or random-resistant): the
    /// difficulty.
    pub random_resistant: Gbt,
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
    /// A model from its two ensembles, with the current feature list.
    pub fn new(
        untestable: Gbt,
        random_resistant: Gbt,
        params: GbtParams,
        max_faults_per_circuit: usize,
        training_circuits: Vec<String>,
        command: String,
    ) -> Model {
        Model {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
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
        if model.version != MODEL_VERSION {
            return Err(incompatible(format!(
                "model file version {} is not supported (this build reads version {MODEL_VERSION}); retrain with `atpg train`",
                model.version
            )));
        }
        if model.features != FEATURE_NAMES {
            return Err(incompatible(format!(
                "the model was trained on other features ({} named, this build computes {}); retrain with `atpg train`",
                model.features.len(),
                NUM_FEATURES
            )));
        }
        for (name, gbt) in
            [("untestable", &model.untestable), ("random_resistant", &model.random_resistant)]
        {
            gbt.validate(NUM_FEATURES).map_err(|e| incompatible(format!("{name}: {e}")))?;
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
