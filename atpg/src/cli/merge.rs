//! `atpg merge`: joins the results of a sharded `atpg run` (`--shard I/N`).
//!
//! Each shard writes its patterns in the text format (`--text`) and a JSON report (`--report`)
//! that adds to the report of `atpg run`: `shard` (`index`, `count`), `design_hash` (a
//! fingerprint of the compiled netlist and its collapsed fault list), `collapsed_faults` (the
//! size of the whole collapsed list), and, by fault name, `untestable_faults` (as every report
//! of `atpg run` lists `aborted_faults`). `atpg merge DESIGN SHARD_REPORT.json...` checks that
//! the reports are of this design (name, collapsed list size and hash) and cover shards `0..N-1`
//! exactly once, reads each shard's patterns (the report's `text_file`, as given to `atpg run`,
//! relative to the working directory, or else the file of that name next to the report), then
//! runs `atpg::shard::merge`: the pooled patterns graded against the whole list, the untestable
//! faults unioned, any fault left open targeted again, compaction (reverse order and set cover),
//! self-check. It writes STIL, text and the JSON report as `atpg run` does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use atpg::fault::FaultId;
use atpg::flow::{FaultStatus, FlowOptions, FlowResult};
use atpg::patterns::stil::{write_stil, StilOptions};
use atpg::patterns::text::{read_patterns, write_patterns};
use atpg::patterns::PatternSet;
use atpg::shard::{collapsed_list, design_hash, merge, Shard, ShardResults};
use clap::Args;
use netlist::Circuit;
use serde::{Deserialize, Serialize};

use super::output::{aborted_faults, print_json, write_atomically, AbortedFault};
use super::DesignArgs;

/// Join the results of a sharded `atpg run --shard I/N` into one compact pattern set.
#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// The JSON reports of the shards (`atpg run --shard I/N --text ... --report ...`), one per
    /// shard, in any order.
    #[arg(required = true, value_name = "SHARD_REPORT.json")]
    shard_reports: Vec<PathBuf>,
    /// Write the merged patterns as STIL (IEEE 1450) to this file.
    #[arg(short = 'o', long = "output", value_name = "OUT.stil")]
    stil: Option<PathBuf>,
    /// Scan chains (a JSON chain file) for the STIL scan structures.
    #[arg(long, value_name = "CHAINS.json")]
    scan_chains: Option<PathBuf>,
    /// Write the merged patterns in the text format to this file.
    #[arg(long, value_name = "OUT.txt")]
    text: Option<PathBuf>,
    /// Write the JSON report to this file.
    #[arg(long, value_name = "OUT.json")]
    report: Option<PathBuf>,
    /// Print the JSON report on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Seed of the fill of any pattern the merge generates.
    #[arg(long, default_value_t = FlowOptions::default().seed)]
    seed: u64,
    /// SAT conflicts per fault the merge targets again (faults no shard decided).
    #[arg(long, default_value_t = FlowOptions::default().retry_limit)]
    retry_limit: u32,
    /// Worker threads for fault simulation (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

/// The part of a shard's report the merge reads (`atpg run --shard` writes more).
#[derive(Debug, Deserialize)]
struct ShardReport {
    design: String,
    design_hash: String,
    collapsed_faults: usize,
    shard: Shard,
    text_file: Option<String>,
    untestable_faults: Vec<String>,
    aborted_faults: Vec<NamedFault>,
}

/// An entry of a report's `aborted_faults` (which says more: the reason and the conflicts).
#[derive(Debug, Deserialize)]
struct NamedFault {
    fault: String,
}

/// Adds the shard's fields to the JSON report of `atpg run --shard` (`report`: the report as
/// `atpg run` would write it) and returns the text to write.
pub fn shard_report(
    mut report: serde_json::Value,
    shard: Shard,
    circuit: &Circuit,
    result: &FlowResult,
) -> Result<String> {
    let faults = shard.select(result.collapsed.faults());
    let names = |wanted: FaultStatus| -> Vec<String> {
        faults
            .iter()
            .zip(&result.status)
            .filter(|&(_, &s)| s == wanted)
            .map(|(&f, _)| result.universe.fault_name(circuit, f))
            .collect()
    };
    let extra = serde_json::json!({
        "shard": shard,
        "shard_assignment": "collapsed fault k belongs to shard k mod count",
        "design_hash": design_hash(circuit, &result.collapsed),
        "collapsed_faults": result.collapsed.len(),
        "untestable_faults": names(FaultStatus::Untestable),
    });
    let (Some(object), serde_json::Value::Object(extra)) = (report.as_object_mut(), extra) else {
        bail!("internal: the run report is not a JSON object");
    };
    object.extend(extra);
    Ok(serde_json::to_string_pretty(&report)? + "\n")
}

/// What `--json` and `--report` write.
#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    stil_file: Option<String>,
    text_file: Option<String>,
    shard_reports: Vec<String>,
    shards: u32,
    design_hash: String,
    untestable_from_shards: usize,
    aborted_in_shards: usize,
    #[serde(flatten)]
    run: &'a atpg::report::RunReport,
    seconds_reading: f64,
    /// Every aborted collapsed fault.
    aborted_faults: Vec<AbortedFault>,
}

/// Runs `atpg merge`.
pub fn run(args: &MergeArgs) -> Result<()> {
    super::on_threads(args.threads, || merge_shards(args))
}

fn merge_shards(args: &MergeArgs) -> Result<()> {
    let start = Instant::now();
    let netlist = args.design.read()?;
    let circuit = netlist.levelize_with(&args.design.levelize_options())?;
    let chains = match &args.scan_chains {
        Some(path) => {
            let chains = netlist::ScanChains::read_chain_file(path)?;
            chains
                .validate(&circuit)
                .with_context(|| format!("checking the scan chains of {}", path.display()))?;
            Some(chains)
        }
        None => None,
    };
    let (universe, collapsed) = collapsed_list(&circuit);
    let hash = design_hash(&circuit, &collapsed);

    // Read and validate the shard reports.
    let mut reports = Vec::new();
    for path in &args.shard_reports {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading shard report {}", path.display()))?;
        let report: ShardReport = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a shard report of `atpg run --shard I/N --report` (JSON with shard, design_hash, untestable_faults, ...)",
                path.display()
            )
        })?;
        ensure!(
            report.design == circuit.name(),
            "{}: the shard report is for design `{}`, not `{}`",
            path.display(),
            report.design,
            circuit.name()
        );
        ensure!(
            report.collapsed_faults == collapsed.len() && report.design_hash == hash,
            "{}: the shard report is for another netlist of design `{}` ({} collapsed faults, hash {}; this one: {}, hash {})",
            path.display(),
            report.design,
            report.collapsed_faults,
            report.design_hash,
            collapsed.len(),
            hash
        );
        reports.push((path.clone(), report));
    }
    let count = reports[0].1.shard.count;
    let mut seen: Vec<Option<&Path>> = vec![None; count as usize];
    for (path, report) in &reports {
        ensure!(
            report.shard.count == count,
            "{} is shard {} but {} is shard {}: every shard must be of the same count",
            path.display(),
            report.shard,
            reports[0].0.display(),
            reports[0].1.shard
        );
        if let Some(other) = seen[report.shard.index as usize] {
            bail!(
                "shard {} is given twice: {} and {}",
                report.shard,
                other.display(),
                path.display()
            );
        }
        seen[report.shard.index as usize] = Some(path);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| format!("{i}/{count}"))
        .collect();
    ensure!(missing.is_empty(), "missing shard reports: {}", missing.join(", "));

    // Fault names to the collapsed list.
    let mut by_name: HashMap<String, FaultId> = HashMap::with_capacity(collapsed.len());
    for &f in collapsed.faults() {
        by_name.insert(universe.fault_name(&circuit, f), f);
    }
    let mut shards = ShardResults {
        patterns: PatternSet::new(circuit.num_inputs()),
        untestable: Vec::new(),
        aborted: Vec::new(),
    };
    for (path, report) in &reports {
        let find = |name: &String| {
            by_name.get(name).copied().with_context(|| {
                format!("{}: fault `{name}` is not in the collapsed fault list", path.display())
            })
        };
        for name in &report.untestable_faults {
            shards.untestable.push(find(name)?);
        }
        for aborted in &report.aborted_faults {
            shards.aborted.push(find(&aborted.fault)?);
        }
        let text_file = report.text_file.as_deref().with_context(|| {
            format!("{}: the shard wrote no pattern file (run it with --text)", path.display())
        })?;
        let patterns_path = locate(path, text_file);
        let file = read_patterns(&patterns_path, &circuit)
            .with_context(|| format!("reading the patterns of shard {}", report.shard))?;
        for p in 0..file.inputs.len() {
            let id = atpg::patterns::PatternId(p as u32);
            shards.patterns.push_with(|i| file.inputs.get(id, i));
        }
    }
    let seconds_reading = start.elapsed().as_secs_f64();

    let options =
        FlowOptions { seed: args.seed, retry_limit: args.retry_limit, ..FlowOptions::default() };
    let (from_shards, aborted_in_shards) = (shards.untestable.len(), shards.aborted.len());
    let result = merge(&circuit, universe, collapsed, &shards, &options)?;

    let r = &result.report;
    let header = vec![
        ("design".to_string(), r.design.clone()),
        (
            "generator".to_string(),
            format!("atpg {} merge of {count} shards", env!("CARGO_PKG_VERSION")),
        ),
        (
            "faults".to_string(),
            format!(
                "{} collapsed: {} detected, {} untestable, {} aborted, {} undetected",
                r.faults.total,
                r.faults.detected,
                r.faults.untestable,
                r.faults.aborted,
                r.faults.undetected
            ),
        ),
        (
            "coverage".to_string(),
            format!("{:.2}% fault, {:.2}% test", r.fault_coverage, r.test_coverage),
        ),
    ];
    if let Some(path) = &args.stil {
        let options = StilOptions {
            design: circuit.name(),
            chains: chains.as_ref(),
            annotations: header.iter().map(|(k, v)| format!("{k}: {v}")).collect(),
            date: None,
            transition: None,
        };
        let text = write_stil(&circuit, &result.patterns, &result.responses, &options)?;
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.text {
        let text = write_patterns(&circuit, &result.patterns, Some(&result.responses), &header);
        write_atomically(path, text.as_bytes())?;
    }
    let report = Report {
        file: args.design.file.display().to_string(),
        stil_file: args.stil.as_ref().map(|p| p.display().to_string()),
        text_file: args.text.as_ref().map(|p| p.display().to_string()),
        shard_reports: args.shard_reports.iter().map(|p| p.display().to_string()).collect(),
        shards: count,
        design_hash: hash,
        untestable_from_shards: from_shards,
        aborted_in_shards,
        run: &result.report,
        seconds_reading,
        aborted_faults: aborted_faults(&circuit, &result, None),
    };
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(&report)? + "\n";
        write_atomically(path, text.as_bytes())?;
    }
    if args.json {
        return print_json(&report);
    }
    let line = |c: &atpg::report::FaultClassCounts| {
        format!(
            "{} faults: {} detected, {} untestable, {} aborted, {} undetected",
            c.total, c.detected, c.untestable, c.aborted, c.undetected
        )
    };
    println!("design       {} ({}), {count} shards", r.design, report.file);
    println!("collapsed    {}", line(&r.faults));
    println!("uncollapsed  {}", line(&r.faults_uncollapsed));
    println!(
        "coverage     {:.2}% fault, {:.2}% test, {:.2}% ATPG efficiency",
        r.fault_coverage, r.test_coverage, r.atpg_efficiency
    );
    println!("patterns     {} ({} from the shards)", r.patterns, r.patterns_before_compaction);
    println!("seconds      {:.2} ({:.2} reading)", r.seconds.total, seconds_reading);
    Ok(())
}

/// The pattern file a shard report names: as written (relative to the working directory), or
/// else the file of that name in the report's directory (the shard ran elsewhere).
fn locate(report: &Path, text_file: &str) -> PathBuf {
    let given = PathBuf::from(text_file);
    if given.is_file() {
        return given;
    }
    let dir = report.parent().unwrap_or(Path::new("."));
    match given.file_name() {
        Some(name) if dir.join(name).is_file() => dir.join(name),
        _ => given,
    }
}
