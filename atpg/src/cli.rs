//! Command-line interface: argument definitions shared by the subcommands and dispatch.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use netlist::{Format, Library, Netlist, ReadOptions};

mod faults;
mod fsim;
mod merge;
mod output;
mod rank;
mod run;
mod scan;
mod stats;
mod testbench;
mod train;

/// ATPG compiler: turns gate-level netlists into manufacturing test patterns.
#[derive(Debug, Parser)]
#[command(name = "atpg", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Stats(stats::StatsArgs),
    Faults(faults::FaultsArgs),
    Fsim(fsim::FsimArgs),
    Run(run::RunArgs),
    Merge(merge::MergeArgs),
    Testbench(testbench::TestbenchArgs),
    Scan(scan::ScanArgs),
    Train(train::TrainArgs),
    Rank(rank::RankArgs),
}

/// How to read the design: shared by every subcommand that takes a netlist.
#[derive(Debug, Args)]
pub struct DesignArgs {
    /// Netlist file: ISCAS `.bench` or structural Verilog (`.v`), optionally gzipped.
    pub file: PathBuf,
    /// Top module of a Verilog design (default: the module no other module instantiates).
    #[arg(long)]
    pub top: Option<String>,
    /// Liberty file(s) describing the standard cells (`.lib` or `.lib.gz`); repeatable.
    #[arg(long)]
    pub liberty: Vec<PathBuf>,
    /// Input format, overriding the file extension.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Policy for nets that are read but never driven.
    #[arg(long, value_enum, default_value_t = UndrivenArg::TieX)]
    pub undriven: UndrivenArg,
}

/// `--undriven` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UndrivenArg {
    /// Tie undriven nets to an unknown value X.
    TieX,
    /// Treat undriven nets as extra primary inputs.
    Input,
}

impl From<UndrivenArg> for netlist::UndrivenPolicy {
    fn from(value: UndrivenArg) -> Self {
        match value {
            UndrivenArg::TieX => netlist::UndrivenPolicy::TieX,
            UndrivenArg::Input => netlist::UndrivenPolicy::Input,
        }
    }
}

/// `--collapse` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CollapseArg {
    /// Every fault of the universe.
    None,
    /// One fault per structural equivalence class.
    Equivalence,
    /// Equivalence, then faults dominating another fault dropped.
    Dominance,
}

impl From<CollapseArg> for atpg::fault::CollapseMode {
    fn from(value: CollapseArg) -> Self {
        match value {
            CollapseArg::None => atpg::fault::CollapseMode::None,
            CollapseArg::Equivalence => atpg::fault::CollapseMode::Equivalence,
            CollapseArg::Dominance => atpg::fault::CollapseMode::Dominance,
        }
    }
}

/// `--model` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// Stuck-at-0 and stuck-at-1.
    StuckAt,
    /// Slow-to-rise and slow-to-fall (two frames, see `--launch`).
    Transition,
}

/// `--launch` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LaunchArg {
    /// Launch-on-capture (broadside): frame 2's state is what frame 1 captured.
    Loc,
    /// Launch-on-shift (skewed load): frame 2's state is frame 1's shifted one cell along the
    /// scan chains.
    Los,
}

impl From<LaunchArg> for netlist::Launch {
    fn from(value: LaunchArg) -> Self {
        match value {
            LaunchArg::Loc => netlist::Launch::Loc,
            LaunchArg::Los => netlist::Launch::Los,
        }
    }
}

/// The scan chains of `circuit`: read from a chain file and checked against the circuit, or one
/// chain in netlist order when there is none. Returns the chains and, per chain, its cells as
/// indices into [`netlist::Circuit::scan_cells`].
pub fn scan_chains(
    circuit: &netlist::Circuit,
    path: Option<&std::path::Path>,
) -> Result<(netlist::ScanChains, Vec<Vec<usize>>)> {
    let chains = match path {
        Some(path) => netlist::ScanChains::read_chain_file(path)?,
        None => netlist::ScanChains::one_chain(circuit),
    };
    let resolved = chains.validate(circuit).with_context(|| match path {
        Some(path) => format!("checking the scan chains of {}", path.display()),
        None => "checking the default scan chain".to_string(),
    })?;
    Ok((chains, resolved))
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

impl DesignArgs {
    /// Reads the Liberty files, then the netlist.
    pub fn read(&self) -> Result<Netlist> {
        let library = self.read_library()?;
        self.read_with(library.as_ref())
    }

    /// Reads the `--liberty` files, merged: the first definition of a cell wins (a warning names
    /// each later one).
    pub fn read_library(&self) -> Result<Option<Library>> {
        let mut library: Option<Library> = None;
        for path in &self.liberty {
            let lib = netlist::liberty::read_liberty(path)
                .with_context(|| format!("reading Liberty file {}", path.display()))?;
            match &mut library {
                Some(existing) => {
                    for clash in existing.merge(lib) {
                        eprintln!("warning: cell `{clash}` of {} is already defined by an earlier --liberty file; the first definition is used", path.display());
                    }
                }
                None => library = Some(lib),
            }
        }
        Ok(library)
    }

    /// Reads the netlist with the cells of `library`.
    pub fn read_with(&self, library: Option<&Library>) -> Result<Netlist> {
        let options = ReadOptions { format: self.format, top: self.top.as_deref(), library };
        Ok(netlist::read_netlist(&self.file, &options)?)
    }

    /// The levelize options the flags ask for.
    pub fn levelize_options(&self) -> netlist::LevelizeOptions {
        netlist::LevelizeOptions { undriven: self.undriven.into() }
    }
}

/// Runs `work` on a rayon pool of `--threads` workers (default: one per core).
pub fn on_threads(threads: Option<usize>, work: impl FnOnce() -> Result<()> + Send) -> Result<()> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        anyhow::ensure!(threads > 0, "--threads must be at least 1");
        pool = pool.num_threads(threads);
    }
    let pool = pool.build().context("starting the worker threads")?;
    pool.install(work)
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Stats(args) => stats::run(&args),
        Command::Faults(args) => faults::run(&args),
        Command::Fsim(args) => fsim::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Testbench(args) => testbench::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Rank(args) => rank::run(&args),
    }
}
