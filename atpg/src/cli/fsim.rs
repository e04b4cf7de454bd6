//! `atpg fsim`: grades a pattern file by fault simulation.
//!
//! Reads the netlist and a text pattern file (see `atpg::patterns::text`), simulates the good
//! machine to compare the expected outputs in the file (`response_mismatches` counts expected 0/1
//! bits that simulation does not reproduce), then fault-simulates every equivalence class with
//! fault dropping. Reports `faults` (the collapsed list of `--collapse`, default equivalence) and
//! `faults_uncollapsed` (every fault of the universe), each with `total`, `detected`,
//! `undetected` and `fault_coverage` (percent); `patterns`; and `coverage_curve`, the collapsed
//! fault coverage after each pattern; `simulation`, the simulator's work counters; and
//! `phase_seconds`, the wall-clock time of each phase (read, patterns, response check, fault
//! universe, collapsing, fault simulation, report). A fault counts as detected only where the
//! good value is known and the faulty value is the opposite known value.
//!
//! `--random N` grades N random patterns (seeded by `--seed`) instead of a file: stuck-at faults,
//! no response check (`patterns_file` in the report reads `random`). It grades a design too big
//! for ATPG, or gives the random-pattern coverage of one.
//!
//! A transition pattern file (a `launch:` header) is graded for transition faults (`model`
//! and `launch` in the report) on the two-frame circuit of its launch mode and chains; its
//! `--collapse equivalence` is transition equivalence (through buffers and inverters).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use atpg::fault::{CollapseMode, CollapsedFaults, FaultUniverse};
use atpg::patterns::text::read_patterns;
use atpg::patterns::{PatternId, PatternSet};
use atpg::report::{coverage_curve, FaultCounts};
use atpg::sim::{FaultSimulator, GoodSimulator, GroupDone, SimStats};
use atpg::transition::{self, Transition};
use clap::Args;
use serde::Serialize;

use super::output::{print_json, write_atomically};
use super::{CollapseArg, DesignArgs};

/// Grade a pattern file: fault coverage, response check, coverage curve.
#[derive(Debug, Args)]
pub struct FsimArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// The pattern file (text format: `inputs:` and `outputs:` header lines, then one pattern
    /// per line). Not with `--random`.
    #[arg(required_unless_present = "random", conflicts_with = "random")]
    patterns: Option<PathBuf>,
    /// Grade this many random patterns instead of a pattern file (stuck-at faults).
    #[arg(long, value_name = "N")]
    random: Option<usize>,
    /// Seed of the `--random` patterns.
    #[arg(long, default_value_t = 1, requires = "random")]
    seed: u64,
    /// Which collapsed list `faults` reports on.
    #[arg(long, value_enum, default_value_t = CollapseArg::Equivalence)]
    collapse: CollapseArg,
    /// Write the JSON report to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Print the JSON report on stdout instead of text.
    #[arg(long)]
    json: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Print a line on stderr as each phase, and each group of 256 patterns of the fault
    /// simulation, ends (for long runs on large designs).
    #[arg(long)]
    progress: bool,
}

/// The JSON report of `atpg fsim`.
#[derive(Debug, Serialize)]
struct FsimReport {
    design: String,
    file: String,
    patterns_file: String,
    patterns: usize,
    model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    launch: Option<netlist::Launch>,
    collapse: CollapseMode,
    faults: FaultCounts,
    faults_uncollapsed: FaultCounts,
    response_mismatches: u64,
    coverage_curve: Vec<f64>,
    simulation: SimStats,
    /// Wall-clock seconds of each phase, in order.
    phase_seconds: PhaseSeconds,
    seconds: f64,
}

/// Where the time of `atpg fsim` goes (seconds of wall clock per phase).
#[derive(Debug, Default, Serialize)]
struct PhaseSeconds {
    /// Reading the netlist and compiling it into the levelized circuit.
    read: f64,
    /// Reading or generating the patterns.
    patterns: f64,
    /// Good-machine simulation against the file's expected responses.
    response_check: f64,
    /// Building the uncollapsed fault universe.
    universe: f64,
    /// Collapsing.
    collapse: f64,
    /// Fault simulation (with the simulator's own set-up).
    fault_simulation: f64,
    /// Counting and the coverage curve.
    report: f64,
}

/// Times the phases of a run, and with `--progress` prints each as it ends.
struct Phases {
    start: Instant,
    lap: Instant,
    print: bool,
}

impl Phases {
    /// Seconds since the last lap (or the start), printed under `name` with `--progress`.
    fn lap(&mut self, name: &str) -> f64 {
        let now = Instant::now();
        let seconds = (now - self.lap).as_secs_f64();
        self.lap = now;
        if self.print {
            eprintln!(
                "fsim: {name} done in {seconds:.1} s ({:.1} s in all)",
                (now - self.start).as_secs_f64()
            );
        }
        seconds
    }
}

/// One expected output bit the simulation does not reproduce, for the text output.
struct Mismatch {
    line: u32,
    output: usize,
    expected: char,
    simulated: char,
}

/// Runs `atpg fsim`.
pub fn run(args: &FsimArgs) -> Result<()> {
    super::on_threads(args.threads, || grade(args))
}

fn grade(args: &FsimArgs) -> Result<()> {
    let start = Instant::now();
    let mut clock = Phases { start, lap: start, print: args.progress };
    let mut phases = PhaseSeconds::default();
    // Nothing below needs the netlist: compile it into the circuit, freeing it on the way (at
    // 10 million gates it is most of the memory).
    let circuit = args.design.read()?.into_circuit(&args.design.levelize_options())?;
    phases.read = clock.lap("read");
    let (file, random) = match (&args.patterns, args.random) {
        (Some(path), _) => (Some(read_patterns(path, &circuit)?), None),
        (None, Some(count)) => {
            (None, Some(PatternSet::random(circuit.num_inputs(), count, args.seed)))
        }
        (None, None) => anyhow::bail!("give a pattern file or --random N"),
    };
    phases.patterns = clock.lap("patterns");
    let transition_fields = file.as_ref().and_then(|f| f.transition.as_ref());
    // Transition patterns are simulated on the two-frame circuit, frame 2's primary inputs as
    // inputs of their own (the file gives them, held or not).
    let transition = match transition_fields {
        None => None,
        Some(fields) => Some(Transition::new(&circuit, fields.launch, true, &fields.chains)?),
    };
    let joined = match (&file, transition_fields) {
        (Some(file), Some(fields)) => Some(transition::join(&file.inputs, fields)),
        _ => None,
    };
    let Some(patterns) = joined.as_ref().or(random.as_ref()).or(file.as_ref().map(|f| &f.inputs))
    else {
        anyhow::bail!("give a pattern file or --random N");
    };
    let sim_circuit = transition.as_ref().map_or(&circuit, Transition::circuit);

    // Expected responses (a pattern file's; random patterns have none to check).
    let mut response_mismatches = 0u64;
    let mut examples = Vec::new();
    if let Some(file) = &file {
        let responses = GoodSimulator::new(sim_circuit).simulate(patterns);
        for b in 0..patterns.num_blocks() {
            for (j, (expected, got)) in
                file.expected.block(b).iter().zip(responses.block(b)).enumerate()
            {
                let wrong = (expected.ones & !got.ones) | (expected.zeros & !got.zeros);
                response_mismatches += u64::from(wrong.count_ones());
                let mut bits = wrong;
                while bits != 0 && examples.len() < 10 {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let p = PatternId((b * 64 + bit) as u32);
                    examples.push(Mismatch {
                        line: file.lines[p.index()],
                        output: j,
                        expected: file.expected.get(p, j).to_char(),
                        simulated: responses.get(p, j).to_char(),
                    });
                }
            }
        }
    }

    phases.response_check = clock.lap("response check");

    // Faults: every equivalence class, so the uncollapsed account is exact in every mode.
    let universe = FaultUniverse::new(&circuit);
    phases.universe = clock.lap("fault universe");
    let mode = match (args.collapse, &transition) {
        (CollapseArg::Dominance, Some(_)) => {
            anyhow::bail!("--collapse dominance is for stuck-at faults; transition patterns take none or equivalence")
        }
        (CollapseArg::Equivalence, Some(_)) => CollapseMode::Transition,
        (other, _) => other.into(),
    };
    let collapsed = CollapsedFaults::new(&circuit, &universe, mode);
    phases.collapse = clock.lap("collapsing");
    let unrolled = transition.as_ref().map(|t| t.unrolled_universe(&circuit));
    let group_done = |g: GroupDone| {
        eprintln!(
            "fsim: {} of {} patterns simulated, {} of {} faults left, {:.1} s",
            g.patterns_done,
            g.patterns,
            g.faults_left,
            g.faults,
            start.elapsed().as_secs_f64()
        );
    };
    let mut simulator = FaultSimulator::new(sim_circuit, unrolled.as_ref().unwrap_or(&universe));
    if args.progress {
        simulator = simulator.with_progress(&group_done);
    }
    let result = simulator.run(patterns, collapsed.class_representatives());
    phases.fault_simulation = clock.lap("fault simulation");
    let per_class = &result.first_detection;
    let listed: Vec<Option<PatternId>> = (0..collapsed.num_classes())
        .filter(|&c| collapsed.is_listed(c))
        .map(|c| per_class[c])
        .collect();
    let faults = FaultCounts::from_detections(&listed);
    let faults_uncollapsed = FaultCounts::from_detections(collapsed.expanded(per_class));
    let coverage_curve = coverage_curve(&listed, patterns.len());
    phases.report = clock.lap("report");
    let report = FsimReport {
        design: circuit.name().to_string(),
        file: args.design.file.display().to_string(),
        patterns_file: match &args.patterns {
            Some(path) => path.display().to_string(),
            None => "random".to_string(),
        },
        patterns: patterns.len(),
        model: if transition.is_some() { "transition" } else { "stuck-at" },
        launch: transition_fields.map(|t| t.launch),
        collapse: mode,
        faults,
        faults_uncollapsed,
        response_mismatches,
        coverage_curve,
        simulation: result.stats,
        phase_seconds: phases,
        seconds: start.elapsed().as_secs_f64(),
    };
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(&report)? + "\n";
        write_atomically(path, text.as_bytes())?;
    }
    if args.json {
        return print_json(&report);
    }
    let outputs = circuit.outputs();
    for m in &examples {
        eprintln!(
            "mismatch: {}:{}: output `{}`: expected {}, simulated {}",
            report.patterns_file,
            m.line,
            circuit.node_name(outputs[m.output]),
            m.expected,
            m.simulated
        );
    }
    let line = |c: &FaultCounts| {
        format!(
            "{} faults, {} detected, {} undetected, {:.2}% fault coverage",
            c.total, c.detected, c.undetected, c.fault_coverage
        )
    };
    println!("design       {} ({})", report.design, report.file);
    println!("patterns     {} ({})", report.patterns, report.patterns_file);
    println!("collapsed    {} ({})", line(&report.faults), report.collapse);
    println!("uncollapsed  {}", line(&report.faults_uncollapsed));
    println!(
        "mismatches   {} expected output bits differ from simulation",
        report.response_mismatches
    );
    Ok(())
}
