//! `atpg run`: generates stuck-at or transition test patterns for a design.
//!
//! Runs the flow of `atpg::flow` (random patterns, SAT-based test generation with dynamic
//! compaction, a second pass for aborted faults, fill, static compaction, self-check) and writes
//! the patterns (`-o`: STIL; `--text`: the text format), the JSON report (`--report`) and a
//! summary on stdout. The output is the same for a given `--seed` whatever `--threads` says. A progress bar
//! is drawn on stderr when it is a terminal; otherwise (a batch job's log) a plain progress line
//! is written every `--progress-interval` seconds, so a run shorter than that prints none.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;
use atpg::flow::{
    self, AbortReason, Backend, Compaction, Fill, FlowOptions, FlowResult, Phase, Progress,
};
use atpg::patterns::stil::{write_stil, StilOptions};
use atpg::patterns::text::{write_patterns, write_transition_patterns};
use atpg::report::RunReport;
use atpg::transition::Transition;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::output::{aborted_faults, print_json, write_atomically, AbortedFault};
use super::{scan_chains, DesignArgs, LaunchArg, ModelArg};

/// Generate stuck-at or transition test patterns: every fault detected or proven untestable.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Write the patterns as STIL (IEEE 1450) to this file.
    #[arg(short = 'o', long = "output", value_name = "OUT.stil")]
    stil: Option<PathBuf>,
    /// Scan chains (a JSON chain file, as `atpg scan` writes) for the STIL scan structures;
    /// default: one chain through every flip-flop in netlist order.
    #[arg(long, value_name = "CHAINS.json")]
    scan_chains: Option<PathBuf>,
    /// Write the patterns in the text format to this file.
    #[arg(long, value_name = "OUT.txt")]
    text: Option<PathBuf>,
    /// Write the JSON report to this file.
    #[arg(long, value_name = "OUT.json")]
    report: Option<PathBuf>,
    /// Print the JSON report on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Seed of random patterns and random fill.
    #[arg(long, default_value_t = FlowOptions::default().seed)]
    seed: u64,
    /// Worker threads for fault simulation (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// When stderr is not a terminal: seconds between plain progress lines (0: none).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    progress_interval: f64,
    /// SAT conflicts per fault before it is set aside for the second pass.
    #[arg(long, default_value_t = FlowOptions::default().abort_limit)]
    abort_limit: u32,
    /// SAT conflicts per fault in the second pass over aborted faults (0: no second pass).
    #[arg(long, default_value_t = FlowOptions::default().retry_limit)]
    retry_limit: u32,
    /// Wall-clock seconds for test generation, counted from the start of the run. When they are
    /// spent, the faults not yet decided are reported aborted (reason `time-limit`, named in the
    /// report's `aborted_faults`) and the run finishes with the patterns it has
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Compaction effort.
    #[arg(long, value_enum, default_value_t = CompactArg::Fast)]
    compact: CompactArg,
    /// How unspecified inputs are filled.
    #[arg(long, value_enum, default_value_t = FillArg::Random)]
    fill: FillArg,
    /// Secondary faults tried per pattern in dynamic compaction (default: 32 with
    /// `--compact fast`; with `--compact max`, 1024 tries that fail).
    #[arg(long, value_name = "N")]
    compaction_attempts: Option<usize>,
    /// The SAT solver: CaDiCaL (conflict limits) or varisat (pure Rust, no conflict limit).
    #[arg(long, value_enum, default_value_t = BackendArg::Cadical)]
    sat_backend: BackendArg,
    /// At most this many random patterns before test generation (0: none).
    #[arg(long, default_value_t = FlowOptions::default().random_patterns)]
    random_patterns: usize,
    /// Target only shard I of N of the collapsed fault list (fault k when k mod N = I; needs
    /// --text and --report); `atpg merge` joins the shards.
    #[arg(long, value_name = "I/N")]
    shard: Option<atpg::shard::Shard>,
    /// The fault model.
    #[arg(long, value_enum, default_value_t = ModelArg::StuckAt)]
    model: ModelArg,
    /// Transition faults: how frame 2 is launched. Launch-on-shift shifts along the chains of
    /// `--scan-chains` (default: one chain in netlist order).
    #[arg(long, value_enum, default_value_t = LaunchArg::Loc)]
    launch: LaunchArg,
    /// Transition faults: frame 2 applies new primary-input values (default: held from frame 1).
    #[arg(long)]
    pi_change: bool,
    /// Order and budget of the deterministic phase: `none` (list order), `scoap` (SCOAP
    /// testability, hardest first) or `model` (the learned ranker; see `atpg rank`).
    #[arg(long, value_enum, default_value_t = RankerArg::None)]
    ranker: RankerArg,
    /// Ranker model file for `--ranker model` (default: the model shipped with this build).
    #[arg(long, value_name = "MODEL.json")]
    ranker_model: Option<PathBuf>,
}

/// `--ranker` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RankerArg {
    /// No prediction.
    None,
    /// SCOAP testability.
    Scoap,
    /// The learned model.
    Model,
}

impl RankerArg {
    /// The flow's ranker, reading the model file for `model`.
    fn resolve(self, model: Option<&std::path::Path>) -> Result<atpg::rank::Ranker> {
        use atpg::rank::{Model, Ranker};
        anyhow::ensure!(
            model.is_none() || self == RankerArg::Model,
            "--ranker-model is only used with --ranker model"
        );
        Ok(match self {
            RankerArg::None => Ranker::None,
            RankerArg::Scoap => Ranker::Scoap,
            RankerArg::Model => Ranker::Model(std::sync::Arc::new(match model {
                Some(path) => Model::read(path)?,
                None => Model::shipped()?,
            })),
        })
    }
}

/// `--compact` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CompactArg {
    /// No dynamic or static compaction.
    None,
    /// Dynamic compaction with a modest budget, reverse-order static compaction.
    Fast,
    /// Large dynamic-compaction budget, reverse order, then set cover.
    Max,
}

/// `--sat-backend` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BackendArg {
    /// CaDiCaL.
    Cadical,
    /// varisat.
    Varisat,
}

/// `--fill` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FillArg {
    /// Random values from the seed.
    Random,
    /// Zeros.
    #[value(name = "0")]
    Zero,
    /// Ones.
    #[value(name = "1")]
    One,
    /// The nearest specified value before it in input order.
    Adjacent,
}

/// What `--json` and `--report` write: the flow's report and where the outputs went.
#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    stil_file: Option<String>,
    text_file: Option<String>,
    #[serde(flatten)]
    run: &'a RunReport,
    /// Transition faults: the launch mode and whether frame 2 has new primary inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    launch: Option<netlist::Launch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pi_change: Option<bool>,
    seconds_reading: f64,
    /// Every aborted collapsed fault (of the shard, with `--shard`).
    aborted_faults: Vec<AbortedFault>,
}

/// Runs `atpg run`.
pub fn run(args: &RunArgs) -> Result<()> {
    super::on_threads(args.threads, || generate(args))
}

fn generate(args: &RunArgs) -> Result<()> {
    let start = Instant::now();
    anyhow::ensure!(
        args.shard.is_none() || (args.text.is_some() && args.report.is_some()),
        "--shard needs --text and --report: `atpg merge` reads them"
    );
    anyhow::ensure!(
        args.shard.is_none() || matches!(args.model, ModelArg::StuckAt),
        "--shard works with --model stuck-at only (`atpg merge` grades stuck-at faults)"
    );
    let netlist = args.design.read()?;
    let circuit = netlist.levelize_with(&args.design.levelize_options())?;
    let (chains, resolved) = scan_chains(&circuit, args.scan_chains.as_deref())?;
    let transition = match args.model {
        ModelArg::StuckAt => None,
        ModelArg::Transition => {
            Some(Transition::new(&circuit, args.launch.into(), args.pi_change, &resolved)?)
        }
    };
    let seconds_reading = start.elapsed().as_secs_f64();
    let options = FlowOptions {
        seed: args.seed,
        abort_limit: args.abort_limit,
        retry_limit: args.retry_limit,
        compaction: match args.compact {
            CompactArg::None => Compaction::None,
            CompactArg::Fast => Compaction::Fast,
            CompactArg::Max => Compaction::Max,
        },
        fill: match args.fill {
            FillArg::Random => Fill::Random,
            FillArg::Zero => Fill::Zero,
            FillArg::One => Fill::One,
            FillArg::Adjacent => Fill::Adjacent,
        },
        random_patterns: args.random_patterns,
        compaction_attempts: args.compaction_attempts,
        backend: match args.sat_backend {
            BackendArg::Cadical => Backend::Cadical,
            BackendArg::Varisat => Backend::Varisat,
        },
        shard: args.shard,
        ranker: args.ranker.resolve(args.ranker_model.as_deref())?,
        time_limit: args
            .time_limit
            .map(|seconds| match Duration::try_from_secs_f64(seconds) {
                Ok(limit) if !limit.is_zero() => Ok(limit),
                _ => Err(anyhow::anyhow!("--time-limit must be a number of seconds, more than 0")),
            })
            .transpose()?,
        ..FlowOptions::default()
    };
    anyhow::ensure!(
        args.progress_interval.is_finite() && args.progress_interval >= 0.0,
        "--progress-interval must be a number of seconds, at least 0"
    );
    let bar = Bar::new(Duration::from_secs_f64(args.progress_interval));
    let result = match &transition {
        None => flow::run(&circuit, &options, &bar)?,
        Some(t) => flow::run_with(t.circuit(), t.target(&circuit, Instant::now()), &options, &bar)?,
    };
    bar.clear();

    // Transition patterns: frame 1's inputs, and frame 2's fields.
    let split = transition.as_ref().map(|t| t.split(&result.patterns));
    let inputs = split.as_ref().map_or(&result.patterns, |(frame1, _)| frame1);
    let fields = split.as_ref().map(|(_, fields)| fields);
    if let Some(path) = &args.stil {
        let options = StilOptions {
            design: circuit.name(),
            chains: args.scan_chains.as_ref().map(|_| &chains),
            annotations: header(&result).into_iter().map(|(k, v)| format!("{k}: {v}")).collect(),
            date: None,
            transition: fields,
        };
        let text = write_stil(&circuit, inputs, &result.responses, &options)?;
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.text {
        let header = header(&result);
        let responses = Some(&result.responses);
        let text = match fields {
            None => write_patterns(&circuit, inputs, responses, &header),
            Some(fields) => write_transition_patterns(&circuit, inputs, fields, responses, &header),
        };
        write_atomically(path, text.as_bytes())?;
    }
    let report = Report {
        file: args.design.file.display().to_string(),
        stil_file: args.stil.as_ref().map(|p| p.display().to_string()),
        text_file: args.text.as_ref().map(|p| p.display().to_string()),
        run: &result.report,
        launch: transition.as_ref().map(|t| t.frames().launch()),
        pi_change: transition.as_ref().map(|t| t.frames().pi_change()),
        seconds_reading,
        aborted_faults: aborted_faults(
            transition.as_ref().map_or(&circuit, |t| t.circuit()),
            &result,
            args.shard,
        ),
    };
    if let Some(path) = &args.report {
        let text = match args.shard {
            Some(shard) => super::merge::shard_report(
                serde_json::to_value(&report)?,
                shard,
                &circuit,
                &result,
            )?,
            None => serde_json::to_string_pretty(&report)? + "\n",
        };
        write_atomically(path, text.as_bytes())?;
    }
    if args.json {
        return print_json(&report);
    }
    let r = &result.report;
    let line = |c: &atpg::report::FaultClassCounts| {
        format!(
            "{} faults: {} detected, {} untestable, {} aborted, {} undetected",
            c.total, c.detected, c.untestable, c.aborted, c.undetected
        )
    };
    println!("design       {} ({})", r.design, report.file);
    println!("collapsed    {}", line(&r.faults));
    println!("uncollapsed  {}", line(&r.faults_uncollapsed));
    if !report.aborted_faults.is_empty() {
        let by_time =
            report.aborted_faults.iter().filter(|a| a.reason == AbortReason::TimeLimit).count();
        println!(
            "aborted      {} at the time limit, {} at the conflict limit (named in the report)",
            by_time,
            report.aborted_faults.len() - by_time
        );
    }
    println!(
        "coverage     {:.2}% fault, {:.2}% test, {:.2}% ATPG efficiency",
        r.fault_coverage, r.test_coverage, r.atpg_efficiency
    );
    println!(
        "patterns     {} ({} before compaction, {} random)",
        r.patterns, r.patterns_before_compaction, r.patterns_random
    );
    println!(
        "sat          {} calls, {} conflicts ({}, abort limit {})",
        r.sat_calls, r.sat_conflicts, r.sat_backend, r.abort_limit
    );
    println!("seconds      {:.2} ({:.2} reading)", r.seconds.total, seconds_reading);
    Ok(())
}

/// The header lines of the pattern file: the design and the fault summary.
fn header(result: &FlowResult) -> Vec<(String, String)> {
    let r = &result.report;
    let f = &r.faults;
    vec![
        ("design".into(), r.design.clone()),
        ("generator".into(), format!("atpg {} run --seed {}", env!("CARGO_PKG_VERSION"), r.seed)),
        (
            "faults".into(),
            format!(
                "{} collapsed: {} detected, {} untestable, {} aborted, {} undetected",
                f.total, f.detected, f.untestable, f.aborted, f.undetected
            ),
        ),
        (
            "coverage".into(),
            format!("{:.2}% fault, {:.2}% test", r.fault_coverage, r.test_coverage),
        ),
    ]
}

/// Progress on stderr: a bar when stderr is a terminal, else a plain line every `interval`
/// (for batch logs; a zero interval writes none).
struct Bar {
    bar: Mutex<ProgressBar>,
    log: Option<Mutex<Log>>,
}

/// The plain-line progress of a run whose stderr is not a terminal.
struct Log {
    interval: Duration,
    started: Instant,
    last: Instant,
    phase: &'static str,
    total: u64,
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Random => "random",
        Phase::Deterministic => "sat",
        Phase::Retry => "retry",
        Phase::Compaction => "compact",
    }
}

impl Bar {
    fn new(interval: Duration) -> Bar {
        use std::io::IsTerminal;
        let log = (!std::io::stderr().is_terminal() && !interval.is_zero()).then(|| {
            let now = Instant::now();
            Mutex::new(Log { interval, started: now, last: now, phase: "start", total: 0 })
        });
        Bar { bar: Mutex::new(ProgressBar::hidden()), log }
    }

    fn clear(&self) {
        self.bar.lock().unwrap_or_else(|p| p.into_inner()).finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, phase: Phase, total: u64) {
        if let Some(log) = &self.log {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            log.phase = phase_name(phase);
            log.total = total;
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(phase_name(phase));
        bar.enable_steady_tick(Duration::from_millis(200));
        *self.bar.lock().unwrap_or_else(|p| p.into_inner()) = bar;
    }

    fn update(&self, done: u64, detected: u64) {
        if let Some(log) = &self.log {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if now.duration_since(log.last) >= log.interval {
                log.last = now;
                eprintln!(
                    "atpg: {:.0} s: {} {done}/{} ({:.1}%), {detected} faults detected",
                    now.duration_since(log.started).as_secs_f64(),
                    log.phase,
                    log.total,
                    100.0 * done as f64 / log.total.max(1) as f64,
                );
            }
        }
        let bar = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        bar.set_position(done);
        bar.set_message(format!("{detected} detected"));
    }

    fn finish(&self) {
        self.bar.lock().unwrap_or_else(|p| p.into_inner()).finish_and_clear();
    }
}
