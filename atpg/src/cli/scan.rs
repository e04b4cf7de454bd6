//! `atpg scan`: inserts scan chains and writes the scan-inserted netlist and its chain file.
//!
//! Every flip-flop gets a multiplexer in front of its data pin; given `--liberty`, plain library
//! flip-flops are replaced by the library's scan flip-flop of the same behaviour (sky130
//! `dfxtp_1` -> `sdfxtp_1`; a multiplexer in front of the cell's D pin when the library has
//! none) and library scan flip-flops reuse their own multiplexer. Chains are balanced to within
//! one cell per clock domain and ordered by placement (`--def`), netlist proximity, shift power
//! (`--order power --patterns P`, with P a text pattern file of the design from `atpg run
//! --text`) or netlist order (see the `scan` crate). With `--patterns`, the weighted shift
//! transitions are reported before (netlist order) and after ordering, whatever the order. The
//! netlist is written as structural Verilog (`-o`; with `--liberty`, standard cells stay
//! instances of their library cells and only the added multiplexers and buffers are
//! primitives, so read it back with the same Liberty file), the chains as a
//! JSON chain file (`--chains-out`) that `atpg run --scan-chains` reads, and the ordering report
//! as JSON (`--report`). Before anything is written, the written Verilog is read back and the
//! chain file is checked against it, so the two always agree. Files are written atomically.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use atpg::patterns::text::read_patterns;
use atpg::patterns::{Logic, PatternId};
use clap::Args;
use netlist::verilog::{parse_verilog, VerilogOptions};
use netlist::verilog_writer::{
    cell_instance_names, instance_names, write_verilog, write_verilog_cells,
};
use scan::{insert_scan, ChainLimit, OrderMethod, ScanOptions, ShiftPatterns};
use serde::Serialize;
use std::collections::HashMap;

use super::output::write_atomically;
use super::DesignArgs;

/// Insert scan chains: a multiplexer or a library scan flip-flop per flip-flop, balanced and
/// ordered chains.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Placed DEF of the design (`.def` or `.def.gz`): cell positions for `--order placement`.
    #[arg(long, value_name = "PLACED.def")]
    def: Option<PathBuf>,
    /// Number of chains (at least one per clock domain).
    #[arg(long, value_name = "N", conflicts_with = "max_length")]
    chains: Option<usize>,
    /// Longest chain allowed; as few chains as that allows.
    #[arg(long, value_name = "L")]
    max_length: Option<usize>,
    /// Cell order along the chains (default: `placement` with `--def`, else `none`).
    #[arg(long, value_enum)]
    order: Option<OrderArg>,
    /// Write the scan-inserted netlist (structural Verilog) to this file.
    #[arg(short = 'o', long = "output", value_name = "OUT.v")]
    output: PathBuf,
    /// Patterns of the design (text format, as `atpg run --text` writes): what `--order power`
    /// orders by; with any order, the shift transitions are reported.
    #[arg(long, value_name = "P")]
    patterns: Option<PathBuf>,
    /// Seed of `--order power` (its start cells); the same seed gives the same chains.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Let flip-flops of different clocks and clock edges share chains (by default each clock
    /// domain gets its own). No lock-up latches are inserted: shifting across domains then
    /// needs the clocks pulsed together during shift, with their skew under control.
    #[arg(long)]
    mix_clocks: bool,
    /// Write the chain file (JSON) to this file.
    #[arg(long, value_name = "CHAINS.json")]
    chains_out: PathBuf,
    /// Write the ordering report (JSON) to this file.
    #[arg(long, value_name = "R.json")]
    report: Option<PathBuf>,
}

/// `--order` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OrderArg {
    /// Shortest Manhattan wirelength between cell origins (needs `--def`).
    Placement,
    /// Flip-flops connected through logic kept together.
    Netlist,
    /// Fewest weighted transitions while shifting the `--patterns` in and out.
    Power,
    /// Netlist order.
    None,
}

/// The JSON report: the inputs and the `scan` crate's report.
#[derive(Debug, Serialize)]
struct Report<'a> {
    design: String,
    flip_flops: usize,
    #[serde(flatten)]
    scan: &'a scan::ScanReport,
}

/// Runs `atpg scan`.
pub fn run(args: &ScanArgs) -> Result<()> {
    let library = args.design.read_library()?;
    let netlist = args.design.read_with(library.as_ref())?;
    let placement = match &args.def {
        Some(path) => Some(
            scan::read_def(path).with_context(|| format!("reading DEF file {}", path.display()))?,
        ),
        None => None,
    };
    let order_arg = args.order.unwrap_or(if placement.is_some() {
        OrderArg::Placement
    } else {
        OrderArg::None
    });
    let order = match (order_arg, &placement) {
        (OrderArg::Placement, Some(p)) => OrderMethod::Placement(p),
        (OrderArg::Placement, None) => bail!("--order placement needs --def PLACED.def"),
        (OrderArg::Netlist, _) => OrderMethod::Netlist,
        (OrderArg::Power, _) if args.patterns.is_none() => {
            bail!("--order power needs --patterns P (a pattern file from atpg run --text)")
        }
        (OrderArg::Power, _) => OrderMethod::Power,
        (OrderArg::None, _) => OrderMethod::None,
    };
    let limit = match (args.chains, args.max_length) {
        (_, Some(l)) => ChainLimit::MaxLength(l),
        (Some(n), None) => ChainLimit::Chains(n),
        (None, None) => ChainLimit::Chains(1),
    };
    let patterns = match &args.patterns {
        Some(path) => Some(shift_patterns(&args.design, &netlist, path)?),
        None => None,
    };
    let options = ScanOptions {
        limit,
        order,
        patterns: patterns.as_ref(),
        seed: args.seed,
        library: library.as_ref(),
        mix_clocks: args.mix_clocks,
        ..ScanOptions::default()
    };
    let mut inserted = insert_scan(&netlist, &options)?;

    // Chain files name flip-flops as the written Verilog does (a flip-flop named like a net is
    // written under another name).
    // With a library the netlist is written with its standard cells kept (the scan flip-flops
    // included); without one, as primitives.
    let keep_cells = library.is_some();
    let names = if keep_cells {
        cell_instance_names(&inserted.netlist)
    } else {
        instance_names(&inserted.netlist)
    };
    let written: HashMap<String, String> = names
        .into_iter()
        .map(|(cell, name)| (inserted.netlist.cell(cell).name.to_string(), name))
        .collect();
    for chain in &mut inserted.chains.chains {
        for cell in &mut chain.cells {
            if let Some(name) = written.get(cell.as_str()) {
                cell.clone_from(name);
            }
        }
    }
    let verilog = if keep_cells {
        write_verilog_cells(&inserted.netlist)
    } else {
        write_verilog(&inserted.netlist)
    };

    // Self-check: the written netlist reads back (into the same primitives) and the chain file
    // describes it.
    let out_name = args.output.display().to_string();
    let read_options = VerilogOptions { library: library.as_ref(), ..VerilogOptions::default() };
    let reread = parse_verilog(&verilog, &out_name, &read_options)
        .context("reading back the scan-inserted netlist (a bug)")?;
    if reread.gate_count() != inserted.netlist.gate_count() {
        bail!(
            "the written scan-inserted netlist reads back with {} gates instead of {} (a bug)",
            reread.gate_count(),
            inserted.netlist.gate_count()
        );
    }
    let reread = reread.levelize().context("compiling the scan-inserted netlist (a bug)")?;
    inserted
        .chains
        .validate(&reread)
        .context("the chain file does not describe the written netlist (a bug)")?;

    write_atomically(&args.output, verilog.as_bytes())?;
    write_atomically(&args.chains_out, inserted.chains.to_json().as_bytes())?;
    let report = Report {
        design: netlist.name().to_string(),
        flip_flops: netlist.flops().len(),
        scan: &inserted.report,
    };
    if let Some(path) = &args.report {
        let mut text = serde_json::to_string_pretty(&report)?;
        text.push('\n');
        write_atomically(path, text.as_bytes())?;
    }

    let r = &inserted.report;
    println!(
        "{}: {} flip-flops, {} clock domains, {} chains (order: {})",
        report.design,
        report.flip_flops,
        r.domains,
        r.chains.len(),
        r.order
    );
    for chain in &r.chains {
        let clock = chain.clock.as_deref().unwrap_or("-");
        let mut line = format!("  {}: {} cells, clock {clock}", chain.name, chain.length);
        if let Some(w) = chain.wirelength_um {
            line.push_str(&format!(", {w:.1} um"));
        }
        if let Some(t) = chain.shift_transitions {
            line.push_str(&format!(", {} shift transitions", t.total()));
        }
        println!("{line}");
    }
    if let (Some(a), Some(b), Some(c)) =
        (r.wirelength_netlist_order_um, r.wirelength_nearest_neighbour_um, r.wirelength_final_um)
    {
        println!(
            "wirelength: netlist order {a:.1} um, nearest neighbour {b:.1} um, final {c:.1} um ({:+.1}% against nearest neighbour)",
            if b > 0.0 { (c - b) / b * 100.0 } else { 0.0 }
        );
    }
    if let (Some(n), Some(before), Some(after)) =
        (r.shift_patterns, r.shift_transitions_netlist_order, r.shift_transitions_final)
    {
        let (b, a) = (before.total(), after.total());
        println!(
            "shift transitions ({n} patterns, weighted, load + unload): netlist order {b} ({} + {}), final {a} ({} + {}) ({:+.1}%)",
            before.load,
            before.unload,
            after.load,
            after.unload,
            if b > 0 { (a as f64 - b as f64) / b as f64 * 100.0 } else { 0.0 }
        );
    }
    if r.library_scan_cells > 0 {
        println!(
            "library scan flip-flops: {} found, {} stitched through their own multiplexer",
            r.library_scan_cells, r.library_scan_cells_reused
        );
    }
    if library.is_some() {
        println!(
            "plain flip-flops: {} replaced by library scan flip-flops, {} given a multiplexer",
            r.library_scan_cells_swapped, r.multiplexed_flops
        );
    }
    for note in &r.notes {
        println!("note: {note}");
    }
    Ok(())
}

/// Reads a pattern file of the design (its full-scan view) and keeps each pattern's flip-flop
/// values: the pseudo inputs are what shifts in, the pseudo outputs what shifts out.
fn shift_patterns(
    design: &super::DesignArgs,
    netlist: &netlist::Netlist,
    path: &std::path::Path,
) -> Result<ShiftPatterns> {
    let circuit = netlist
        .levelize_with(&design.levelize_options())
        .with_context(|| format!("compiling {}", design.file.display()))?;
    let file = read_patterns(path, &circuit)?;
    let (pi, po) = (circuit.num_primary_inputs(), circuit.num_primary_outputs());
    let flops = circuit.scan_cells().len();
    let value = |v: Logic| match v {
        Logic::Zero => Some(false),
        Logic::One => Some(true),
        Logic::X => None,
    };
    let mut set = ShiftPatterns::new(flops);
    for p in 0..file.inputs.len() {
        let id = PatternId(p as u32);
        let load: Vec<Option<bool>> =
            (0..flops).map(|f| value(file.inputs.get(id, pi + f))).collect();
        let unload: Vec<Option<bool>> =
            (0..flops).map(|f| value(file.expected.get(id, po + f))).collect();
        set.push(&load, &unload)?;
    }
    Ok(set)
}
