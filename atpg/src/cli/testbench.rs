//! `atpg testbench`: writes a self-checking Verilog testbench that replays a pattern file.
//!
//! For each pattern the testbench applies the primary inputs, deposits the flip-flop states by
//! hierarchical reference, compares the primary outputs, pulses the clocks once and compares
//! the captured states; it prints one `FAIL pattern ...` line per wrong bit and ends with
//! `N passed, M failed`. See `atpg::testbench` for the details.
//!
//! A Verilog design is compiled alongside the testbench (`iverilog -o sim tb.v design.v`);
//! its standard cells, with `--liberty`, get Verilog models written from their Liberty
//! functions into the testbench, or into `--models FILE`. A `.bench` design, or any design
//! with `--embed-netlist`, is written into the testbench itself (`iverilog -o sim tb.v`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use atpg::patterns::text::read_patterns;
use atpg::testbench::{write_testbench, DesignSource, ModelPlacement, TestbenchOptions};
use clap::Args;
use netlist::Format;

use super::output::write_atomically;
use super::DesignArgs;

/// Write a self-checking Verilog testbench that replays a pattern file on the design.
#[derive(Debug, Args)]
pub struct TestbenchArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// The pattern file (text format: `inputs:` and `outputs:` header lines, then one pattern
    /// per line).
    patterns: PathBuf,
    /// The testbench file to write.
    #[arg(short, long, value_name = "FILE.v")]
    output: PathBuf,
    /// Write the standard-cell models (from the Liberty functions) to this file instead of
    /// into the testbench.
    #[arg(long, value_name = "FILE.v")]
    models: Option<PathBuf>,
    /// Write the netlist itself into the testbench (always done for `.bench` designs), so that
    /// the testbench simulates without the design file.
    #[arg(long)]
    embed_netlist: bool,
    /// The state register inside flip-flop modules that are not Liberty cells.
    #[arg(long, value_name = "NAME", default_value = "Q")]
    state_register: String,
}

/// Runs `atpg testbench`.
pub fn run(args: &TestbenchArgs) -> Result<()> {
    // The library is read once: the testbench needs its cells too, and sky130's takes a while.
    let library = args.design.read_library()?;
    let netlist = args.design.read_with(library.as_ref())?;
    for diagnostic in netlist.diagnostics() {
        eprintln!("{}: {diagnostic}", args.design.file.display());
    }
    let circuit = netlist.levelize_with(&args.design.levelize_options())?;
    let patterns = read_patterns(&args.patterns, &circuit)?;
    anyhow::ensure!(
        patterns.transition.is_none(),
        "{} holds transition patterns (a `launch:` header): the testbench replays stuck-at patterns only",
        args.patterns.display()
    );
    let format = args.design.format.or_else(|| Format::from_path(&args.design.file));
    let embedded = args.embed_netlist || format == Some(Format::Bench);
    let options = TestbenchOptions {
        design: if embedded { DesignSource::Embedded } else { DesignSource::External },
        library: library.as_ref(),
        models: if args.models.is_some() {
            ModelPlacement::Separate
        } else {
            ModelPlacement::Inline
        },
        state_register: args.state_register.clone(),
        patterns_name: args.patterns.display().to_string(),
        ..TestbenchOptions::default()
    };
    let testbench = write_testbench(&netlist, &circuit, &patterns, &options)
        .with_context(|| format!("writing a testbench for {}", args.design.file.display()))?;
    for warning in &testbench.warnings {
        eprintln!("warning: {warning}");
    }
    write_atomically(&args.output, testbench.verilog.as_bytes())?;
    let mut sources = vec![args.output.display().to_string()];
    if let (Some(path), Some(models)) = (&args.models, &testbench.models) {
        write_atomically(path, models.as_bytes())?;
        sources.push(path.display().to_string());
    }
    if !embedded {
        sources.push(args.design.file.display().to_string());
    }
    println!(
        "wrote {}: {} patterns, {} of {} flip-flops compared after capture",
        args.output.display(),
        testbench.patterns,
        testbench.compared_flops,
        circuit.scan_cells().len()
    );
    println!("run it with: iverilog -o sim {} && vvp sim", sources.join(" "));
    Ok(())
}
