//! `atpg stats`: reads a netlist, checks it, compiles it and prints its size.
//!
//! Counts: `inputs` and `outputs` are the declared ports, `flops` the state elements, `gates`
//! the primitive combinational gates after parsing (for `.bench` every non-DFF assignment, NOT and
//! BUFF included; for cell netlists the gates the cells decompose into), `cells` the standard-cell
//! instances, `nets` the named and internal nets, `levels` the logic depth of the compiled
//! full-scan circuit. Warnings state the policy applied (undriven nets, latches, three-state
//! cells). Structural errors (several drivers, combinational loops) fail the command.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::Args;
use netlist::{CellKind, Netlist};
use serde::Serialize;

use super::output::print_json;
use super::DesignArgs;

/// Print netlist statistics.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// What `atpg stats --json` prints.
#[derive(Debug, Serialize)]
struct Stats {
    design: String,
    file: String,
    inputs: usize,
    outputs: usize,
    flops: usize,
    latches: usize,
    gates: usize,
    cells: usize,
    nets: usize,
    levels: u32,
    clocks: Vec<String>,
    pattern_inputs: usize,
    pattern_outputs: usize,
    gate_kinds: BTreeMap<String, usize>,
    cell_types: BTreeMap<String, usize>,
    undriven_nets: Vec<String>,
    undriven_policy: String,
    unread_nets: usize,
    warnings: Vec<String>,
    circuit_bytes: usize,
}

/// Counts the netlist, then compiles it with [`Netlist::into_circuit`]: everything taken from
/// the netlist is taken first, so that it is freed before the circuit is built (at 10 million
/// gates the two together would not fit in 3 GB).
fn collect(netlist: Netlist, args: &StatsArgs) -> Result<Stats> {
    let report = netlist.check();
    let options = args.design.levelize_options();
    let mut gate_kinds = BTreeMap::new();
    let mut latches = 0;
    for cell in netlist.cells() {
        match &netlist.cell(cell).kind {
            CellKind::Gate(kind) => {
                *gate_kinds.entry(kind.bench_name().to_string()).or_insert(0) += 1
            }
            CellKind::Flop(info) if info.is_latch => latches += 1,
            _ => {}
        }
    }
    let mut cell_types = BTreeMap::new();
    for instance in netlist.instances() {
        *cell_types.entry(instance.cell_type.clone()).or_insert(0) += 1;
    }
    // Diagnostics with a position are prefixed with the file, as compilers do: `file:line:col:`.
    let file = args.design.file.display();
    let mut warnings: Vec<String> = netlist
        .diagnostics()
        .iter()
        .map(|d| if d.pos.is_some() { format!("{file}:{d}") } else { d.to_string() })
        .collect();
    if !report.undriven.is_empty() {
        let names: Vec<&str> =
            report.undriven.iter().take(10).map(|&n| netlist.net_name(n)).collect();
        warnings.push(format!(
            "warning: {} undriven net(s) {}: {}{}",
            report.undriven.len(),
            options.undriven,
            names.join(", "),
            if report.undriven.len() > names.len() { ", ..." } else { "" }
        ));
    }
    let stats = Stats {
        design: netlist.name().to_string(),
        file: args.design.file.display().to_string(),
        inputs: netlist.inputs().len(),
        outputs: netlist.outputs().len(),
        flops: netlist.flops().len(),
        latches,
        gates: gate_kinds.values().sum(),
        cells: netlist.instances().len(),
        nets: netlist.net_count(),
        levels: 0,
        clocks: Vec::new(),
        pattern_inputs: 0,
        pattern_outputs: 0,
        gate_kinds,
        cell_types,
        undriven_nets: report.undriven.iter().map(|&n| netlist.net_name(n).to_string()).collect(),
        undriven_policy: options.undriven.to_string(),
        unread_nets: report.unread.len(),
        warnings,
        circuit_bytes: 0,
    };
    let circuit = netlist.into_circuit(&options)?;
    Ok(Stats {
        levels: circuit.num_levels().saturating_sub(1),
        clocks: circuit.clocks().to_vec(),
        pattern_inputs: circuit.num_inputs(),
        pattern_outputs: circuit.outputs().len(),
        circuit_bytes: circuit.memory_bytes(),
        ..stats
    })
}

/// Runs `atpg stats`.
pub fn run(args: &StatsArgs) -> Result<()> {
    let netlist = args.design.read()?;
    let stats = collect(netlist, args)?;
    if args.json {
        return print_json(&stats);
    }
    for w in &stats.warnings {
        eprintln!("{w}");
    }
    println!("design   {} ({})", stats.design, stats.file);
    println!("inputs   {}", stats.inputs);
    println!("outputs  {}", stats.outputs);
    println!(
        "flops    {}{}",
        stats.flops,
        if stats.latches > 0 { format!(" ({} latches)", stats.latches) } else { String::new() }
    );
    println!("gates    {}", stats.gates);
    if stats.cells > 0 {
        println!("cells    {} ({} types)", stats.cells, stats.cell_types.len());
    }
    println!("nets     {}", stats.nets);
    println!("levels   {}", stats.levels);
    if !stats.clocks.is_empty() {
        println!("clocks   {}", stats.clocks.join(", "));
    }
    let kinds: Vec<String> = stats.gate_kinds.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("kinds    {}", kinds.join(", "));
    Ok(())
}
