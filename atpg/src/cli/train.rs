//! `atpg train`: trains the fault-testability ranker on a list of netlists.
//!
//! Each netlist is run through the ordinary flow (`atpg run` defaults, no ranker) to label its
//! collapsed faults (proven untestable; missed by the random phase), its features are computed,
//! and two classifiers of the `--kind` asked for (gradient-boosted trees by default, or logistic
//! regression) are trained on at most `--max-faults-per-circuit` faults of each circuit. The
//! model file (`-o`) names its kind, features, training circuits and command.
//! `--evaluate` also runs leave-one-circuit-out: for each circuit family (an ISCAS-89 `.1`
//! variant goes with its original) a model is trained on the other families and scored on the
//! held-out circuits against SCOAP alone and a random order (ROC AUC, precision and recall);
//! `--fold-models DIR` keeps each of those models as `DIR/<family>.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use atpg::flow::{self, FlowOptions, Silent};
use atpg::rank::dataset::{self, compare, random_scores, CircuitData, Comparison, HeldOut};
use atpg::rank::gbt::GbtParams;
use atpg::rank::logistic::LogisticParams;
use atpg::rank::{Model, ModelKind, TrainParams};
use clap::{Args, ValueEnum};
use netlist::ReadOptions;
use serde::Serialize;

use super::output::write_atomically;

/// Train the fault-testability ranker on netlists and write the model file.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Netlists to train on (ISCAS `.bench` or structural Verilog).
    #[arg(required = true)]
    netlists: Vec<PathBuf>,
    /// The model file to write.
    #[arg(short = 'o', long = "output", value_name = "MODEL.json")]
    output: PathBuf,
    /// Also evaluate leave-one-circuit-out and write the results (JSON) here.
    #[arg(long, value_name = "EVAL.json")]
    evaluate: Option<PathBuf>,
    /// With `--evaluate`: write each held-out family's model to `DIR/<family>.json`.
    #[arg(long, value_name = "DIR", requires = "evaluate")]
    fold_models: Option<PathBuf>,
    /// Faults sampled per circuit for training (0: all of them).
    #[arg(long, default_value_t = 2000)]
    max_faults_per_circuit: usize,
    /// The model type: gradient-boosted trees or logistic regression.
    #[arg(long, value_enum, default_value_t = KindArg::Gbt)]
    kind: KindArg,
    /// Number of trees per ensemble (`--kind gbt`).
    #[arg(long, default_value_t = GbtParams::default().trees)]
    trees: usize,
    /// Depth of each tree (`--kind gbt`).
    #[arg(long, default_value_t = GbtParams::default().depth)]
    depth: usize,
    /// Shrinkage of each tree (`--kind gbt`).
    #[arg(long, default_value_t = GbtParams::default().learning_rate)]
    learning_rate: f64,
    /// L2 penalty on the weights (`--kind logistic`).
    #[arg(long, default_value_t = LogisticParams::default().l2)]
    l2: f64,
    /// Seed of the labelling runs and of the fault sample.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    /// Gradient-boosted trees.
    Gbt,
    /// L2-regularised logistic regression.
    Logistic,
}

/// What `--evaluate` writes.
#[derive(Debug, Serialize)]
struct Evaluation {
    kind: ModelKind,
    params: TrainParams,
    max_faults_per_circuit: usize,
    /// Every held-out circuit.
    circuits: Vec<HeldOut>,
    /// All held-out faults together.
    pooled: Pooled,
    seconds_labelling: f64,
    seconds_training: f64,
}

#[derive(Debug, Serialize)]
struct Pooled {
    faults: usize,
    untestable: Comparison,
    random_resistant: Comparison,
}

/// Runs `atpg train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    super::on_threads(args.threads, || train(args))
}

/// Reads one netlist and labels its faults with a default run.
fn label(path: &Path, seed: u64) -> Result<CircuitData> {
    let netlist = netlist::read_netlist(path, &ReadOptions::default())?;
    let circuit = netlist.levelize()?;
    let options = FlowOptions { seed, ..FlowOptions::default() };
    let result = flow::run(&circuit, &options, &Silent)
        .with_context(|| format!("labelling the faults of {}", path.display()))?;
    CircuitData::from_run(&circuit, &result).context("the flow returned no labels")
}

fn train(args: &TrainArgs) -> Result<()> {
    let params = match args.kind {
        KindArg::Gbt => {
            anyhow::ensure!(
                args.trees > 0 && args.depth > 0,
                "--trees and --depth must be at least 1"
            );
            anyhow::ensure!(
                args.learning_rate > 0.0 && args.learning_rate <= 1.0,
                "--learning-rate must be in (0, 1]"
            );
            TrainParams::Gbt(GbtParams {
                trees: args.trees,
                depth: args.depth,
                learning_rate: args.learning_rate,
                ..GbtParams::default()
            })
        }
        KindArg::Logistic => {
            anyhow::ensure!(args.l2.is_finite() && args.l2 > 0.0, "--l2 must be a positive number");
            TrainParams::Logistic(LogisticParams { l2: args.l2, ..LogisticParams::default() })
        }
    };
    let t = Instant::now();
    let mut data = Vec::new();
    for path in &args.netlists {
        let start = Instant::now();
        let d = label(path, args.seed)?;
        eprintln!(
            "labelled {} ({} faults, {} untestable, {} missed by random patterns) in {:.2} s",
            d.name,
            d.len(),
            d.untestable.iter().filter(|&&u| u).count(),
            d.random_resistant.iter().filter(|&&u| u).count(),
            start.elapsed().as_secs_f64()
        );
        data.push(d);
    }
    let seconds_labelling = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let command = std::iter::once("atpg".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let all: Vec<&CircuitData> = data.iter().collect();
    let (untestable, resistant) =
        dataset::train(&all, &params, args.max_faults_per_circuit, args.seed);
    let names = data.iter().map(|d| d.name.clone()).collect();
    let model =
        Model::new(untestable, resistant, params, args.max_faults_per_circuit, names, command);
    write_atomically(&args.output, model.to_json().as_bytes())?;
    eprintln!("wrote {} in {:.2} s", args.output.display(), t.elapsed().as_secs_f64());

    if let Some(path) = &args.evaluate {
        let t = Instant::now();
        if let Some(dir) = &args.fold_models {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the folder {}", dir.display()))?;
        }
        let mut families: Vec<&str> = Vec::new();
        for d in &data {
            if !families.contains(&dataset::family(&d.name)) {
                families.push(dataset::family(&d.name));
            }
        }
        let mut circuits = Vec::new();
        let mut pool: [Vec<f32>; 4] = Default::default();
        let mut pool_labels: [Vec<bool>; 2] = Default::default();
        let mut pool_random = Vec::new();
        for family in families {
            let (held, rest): (Vec<&CircuitData>, Vec<&CircuitData>) =
                data.iter().partition(|d| dataset::family(&d.name) == family);
            let (u, r) = dataset::train(&rest, &params, args.max_faults_per_circuit, args.seed);
            if let Some(dir) = &args.fold_models {
                let names = rest.iter().map(|d| d.name.clone()).collect();
                let fold = Model::new(
                    u.clone(),
                    r.clone(),
                    params,
                    args.max_faults_per_circuit,
                    names,
                    format!("{} (fold without {family})", model.command),
                );
                write_atomically(&dir.join(format!("{family}.json")), fold.to_json().as_bytes())?;
            }
            for d in held {
                let result = dataset::evaluate(&u, &r, d, args.seed);
                eprintln!(
                    "held out {}: AUC untestable {} (SCOAP {}), random-resistant {} (SCOAP {})",
                    d.name,
                    show(result.untestable.model.auc),
                    show(result.untestable.scoap.auc),
                    show(result.random_resistant.model.auc),
                    show(result.random_resistant.scoap.auc),
                );
                for i in 0..d.len() {
                    let row = d.features.row(i);
                    pool[0].push(u.predict(row) as f32);
                    pool[1].push(r.predict(row) as f32);
                }
                pool[2].extend(d.features.scoap());
                pool_random.extend(random_scores(d.len(), args.seed));
                pool_labels[0].extend(&d.untestable);
                pool_labels[1].extend(&d.random_resistant);
                circuits.push(result);
            }
        }
        let pooled = Pooled {
            faults: pool_labels[0].len(),
            untestable: compare(&pool[0], &pool[2], &pool_random, &pool_labels[0]),
            random_resistant: compare(&pool[1], &pool[2], &pool_random, &pool_labels[1]),
        };
        let evaluation = Evaluation {
            kind: params.kind(),
            params,
            max_faults_per_circuit: args.max_faults_per_circuit,
            circuits,
            pooled,
            seconds_labelling,
            seconds_training: t.elapsed().as_secs_f64(),
        };
        let text = serde_json::to_string_pretty(&evaluation)? + "\n";
        write_atomically(path, text.as_bytes())?;
        eprintln!(
            "pooled AUC untestable {} (SCOAP {}), random-resistant {} (SCOAP {}); wrote {}",
            show(evaluation.pooled.untestable.model.auc),
            show(evaluation.pooled.untestable.scoap.auc),
            show(evaluation.pooled.random_resistant.model.auc),
            show(evaluation.pooled.random_resistant.scoap.auc),
            path.display()
        );
    }
    Ok(())
}

fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{x:.3}"))
}
