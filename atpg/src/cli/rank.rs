//! `atpg rank`: the ranker's prediction for every collapsed fault of a design.
//!
//! Per fault: `difficulty` (the model's probability that random patterns miss it),
//! `untestable` (its probability that the fault is untestable) and `scoap` (log2 of 1 + the
//! SCOAP controllability of the activating value + the site's observability). Sorted by
//! `--sort` (default: difficulty, hardest first); `--first N` keeps the first N.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use atpg::fault::{CollapseMode, CollapsedFaults, FaultUniverse};
use atpg::rank::{fault_features, Model};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use super::DesignArgs;

/// Predict, per collapsed fault, how hard it is and whether it is untestable.
#[derive(Debug, Args)]
pub struct RankArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Model file (default: the model shipped with this build, `atpg/models/default.json`).
    #[arg(long, value_name = "MODEL.json")]
    model: Option<PathBuf>,
    /// Order of the list.
    #[arg(long, value_enum, default_value_t = SortArg::Difficulty)]
    sort: SortArg,
    /// Only the first N faults of the sorted list.
    #[arg(long, value_name = "N")]
    first: Option<usize>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// `--sort` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SortArg {
    /// Predicted difficulty, highest first.
    Difficulty,
    /// Predicted probability of being untestable, highest first.
    Untestable,
    /// SCOAP testability, highest first.
    Scoap,
    /// Collapsed-list order.
    List,
}

#[derive(Debug, Serialize)]
struct Entry {
    fault: String,
    difficulty: f32,
    untestable: f32,
    scoap: f32,
}

#[derive(Debug, Serialize)]
struct RankReport {
    design: String,
    file: String,
    model: String,
    faults: usize,
    predicted_untestable: usize,
    seconds_features: f64,
    seconds_prediction: f64,
    ranking: Vec<Entry>,
}

/// Runs `atpg rank`.
pub fn run(args: &RankArgs) -> Result<()> {
    let model = match &args.model {
        Some(path) => Model::read(path)?,
        None => Model::shipped()?,
    };
    let netlist = args.design.read()?;
    let circuit = netlist.levelize_with(&args.design.levelize_options())?;
    let t = Instant::now();
    let universe = FaultUniverse::new(&circuit);
    let collapsed = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
    let features = fault_features(&circuit, &universe, &collapsed);
    let seconds_features = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let scores = model.score(&features);
    let seconds_prediction = t.elapsed().as_secs_f64();
    let scoap = features.scoap();
    let mut entries: Vec<Entry> = collapsed
        .faults()
        .iter()
        .enumerate()
        .map(|(k, &f)| Entry {
            fault: universe.fault_name(&circuit, f),
            difficulty: scores.difficulty[k],
            untestable: scores.untestable[k],
            scoap: scoap[k],
        })
        .collect();
    let predicted_untestable = entries.iter().filter(|e| e.untestable >= 0.5).count();
    match args.sort {
        SortArg::Difficulty => entries.sort_by(|a, b| b.difficulty.total_cmp(&a.difficulty)),
        SortArg::Untestable => entries.sort_by(|a, b| b.untestable.total_cmp(&a.untestable)),
        SortArg::Scoap => entries.sort_by(|a, b| b.scoap.total_cmp(&a.scoap)),
        SortArg::List => {}
    }
    if let Some(first) = args.first {
        entries.truncate(first);
    }
    let report = RankReport {
        design: circuit.name().to_string(),
        file: args.design.file.display().to_string(),
        model: args.model.as_ref().map_or("shipped".into(), |p| p.display().to_string()),
        faults: collapsed.len(),
        predicted_untestable,
        seconds_features,
        seconds_prediction,
        ranking: entries,
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "# {}: {} collapsed faults, {} predicted untestable; features {:.3} s, prediction {:.3} s",
        report.design,
        report.faults,
        report.predicted_untestable,
        report.seconds_features,
        report.seconds_prediction
    );
    println!("# difficulty untestable scoap fault");
    for e in &report.ranking {
        println!("{:.4} {:.4} {:.2} {}", e.difficulty, e.untestable, e.scoap, e.fault);
    }
    Ok(())
}
