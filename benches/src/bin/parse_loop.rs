//! Parses one netlist file several times and prints the time of each parse (and the netlist's
//! memory per cell): a target for `perf record` that spends its time in the parser rather than
//! in generating the input.
//!
//! `cargo run --release -p benches --bin parse_loop -- FILE [TIMES]`; the format follows the
//! extension (`.bench`, otherwise Verilog). `parse_loop --write GATES bench|verilog` prints the
//! netlist of the parse bench (`benches/parse.rs`) instead, to make such a file.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, gates, format] = args.as_slice() {
        if flag == "--write" {
            return write(gates, format);
        }
    }
    let (file, times) = match args.as_slice() {
        [file] => (file, 3),
        [file, times] => match times.parse::<usize>() {
            Ok(times) => (file, times),
            Err(_) => {
                eprintln!("error: TIMES must be a number, got `{times}`");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("usage: parse_loop FILE [TIMES]");
            return ExitCode::FAILURE;
        }
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for _ in 0..times {
        let start = Instant::now();
        let parsed = if file.ends_with(".bench") {
            netlist::bench::parse_bench(&text, file)
        } else {
            netlist::verilog::parse_verilog(&text, file, &Default::default())
        };
        match parsed {
            Ok(netlist) => eprintln!(
                "{} cells in {:.3} s ({:.1} netlist bytes per cell)",
                netlist.cell_count(),
                start.elapsed().as_secs_f64(),
                netlist.memory_bytes() as f64 / netlist.cell_count().max(1) as f64
            ),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// Prints the parse bench's netlist of `gates` gates in `format`.
fn write(gates: &str, format: &str) -> ExitCode {
    let Ok(gates) = gates.parse::<usize>() else {
        eprintln!("error: GATES must be a number, got `{gates}`");
        return ExitCode::FAILURE;
    };
    let netlist = netlist::generate::random_netlist(
        benches::PARSE_BENCH_SEED,
        &benches::parse_bench_spec(gates),
    );
    let text = match format {
        "bench" => match netlist::bench::write_bench(&netlist) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        "verilog" => netlist::verilog_writer::write_verilog(&netlist),
        other => {
            eprintln!("error: unknown format `{other}`: expected bench or verilog");
            return ExitCode::FAILURE;
        }
    };
    print!("{text}");
    ExitCode::SUCCESS
}
