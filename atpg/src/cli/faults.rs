//! `atpg faults`: builds the stuck-at (or, with `--model transition`, transition) fault universe
//! of a netlist and collapses it.
//!
//! The universe: stuck-at-0 and stuck-at-1 on every net (stem) and, where a net has two or more
//! sinks (gate or cell input pins, flip-flop data pins, primary output declarations), on every
//! sink (branch). Standard-cell designs have their sites on cell pins. `total` counts the
//! uncollapsed faults, `collapsed` the list after `--collapse` (default: equivalence), and
//! `by_site` both counts per site kind (`stem`, `gate_input`, `cell_input`, `primary_output`,
//! `flop_data`; a collapsed fault is counted under its representative's kind).

use std::collections::BTreeMap;

use anyhow::Result;
use atpg::fault::{CollapseMode, CollapsedFaults, FaultUniverse, SiteKind};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use super::{CollapseArg, DesignArgs, ModelArg};

/// Count (and optionally list) the stuck-at or transition faults of a netlist.
#[derive(Debug, Args)]
pub struct FaultsArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// How far to collapse the fault list.
    #[arg(long, value_enum, default_value_t = CollapseArg::Equivalence)]
    collapse: CollapseArg,
    /// The fault model: transition faults (slow-to-rise `str`, slow-to-fall `stf`) sit on the
    /// stuck-at sites and collapse only through buffers and inverters.
    #[arg(long, value_enum, default_value_t = ModelArg::StuckAt)]
    model: ModelArg,
    /// Also list every fault of the collapsed list (by site name and `sa0`/`sa1`, or `str`/`stf`).
    #[arg(long)]
    list: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Uncollapsed and collapsed counts of one kind of site.
#[derive(Debug, Default, Serialize)]
struct KindCounts {
    total: usize,
    collapsed: usize,
}

/// What `atpg faults --json` prints.
#[derive(Debug, Serialize)]
struct FaultsReport {
    design: String,
    file: String,
    model: &'static str,
    collapse: CollapseMode,
    total: usize,
    collapsed: usize,
    sites: usize,
    by_site: BTreeMap<&'static str, KindCounts>,
    /// Cell input pins tied to the same net as another input pin of their cell.
    shared_cell_pins: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    faults: Option<Vec<String>>,
}

/// Runs `atpg faults`.
pub fn run(args: &FaultsArgs) -> Result<()> {
    let netlist = args.design.read()?;
    let circuit = netlist.levelize_with(&args.design.levelize_options())?;
    let universe = FaultUniverse::new(&circuit);
    let transition = args.model == ModelArg::Transition;
    let mode = match (args.collapse, transition) {
        (CollapseArg::Dominance, true) => {
            anyhow::bail!("--collapse dominance is for stuck-at faults; transition faults take none or equivalence")
        }
        (CollapseArg::Equivalence, true) => CollapseMode::Transition,
        (other, _) => other.into(),
    };
    let collapsed = CollapsedFaults::new(&circuit, &universe, mode);
    let mut by_site: BTreeMap<&'static str, KindCounts> =
        SiteKind::CATEGORIES.iter().map(|&c| (c, KindCounts::default())).collect();
    for site in universe.sites() {
        by_site.entry(site.kind.category()).or_default().total += 2;
    }
    for &f in collapsed.faults() {
        by_site.entry(universe.site(f.site()).kind.category()).or_default().collapsed += 1;
    }
    let report = FaultsReport {
        design: circuit.name().to_string(),
        file: args.design.file.display().to_string(),
        model: if transition { "transition" } else { "stuck-at" },
        collapse: mode,
        total: universe.len(),
        collapsed: collapsed.len(),
        sites: universe.num_sites(),
        by_site,
        shared_cell_pins: universe.shared_cell_pins(),
        faults: args.list.then(|| {
            let name = |f| match transition {
                true => atpg::transition::fault_name(&universe, &circuit, f),
                false => universe.fault_name(&circuit, f),
            };
            collapsed.faults().iter().map(|&f| name(f)).collect()
        }),
    };
    if args.json {
        return print_json(&report);
    }
    if report.shared_cell_pins > 0 {
        eprintln!(
            "warning: {} cell input pin(s) share a net with another input pin of their cell; their faults are injected at every read of that net inside the cell",
            report.shared_cell_pins
        );
    }
    println!("design     {} ({})", report.design, report.file);
    println!("sites      {}", report.sites);
    println!("faults     {} uncollapsed", report.total);
    println!("collapsed  {} ({})", report.collapsed, report.collapse);
    println!("  {:<15} {:>8} {:>8}", "site kind", "faults", "collapsed");
    for (kind, counts) in &report.by_site {
        if counts.total > 0 {
            println!("  {kind:<15} {:>8} {:>8}", counts.total, counts.collapsed);
        }
    }
    for name in report.faults.iter().flatten() {
        println!("{name}");
    }
    Ok(())
}
