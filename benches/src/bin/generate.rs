//! Writes generated circuits, for examples and for large-design tests.
//!
//! `cargo run -p benches --bin generate -- KIND SIZE FORMAT` where KIND is `adder`, `multiplier`
//! or `random` (SIZE = gates, with a tenth as many inputs and outputs and a hundredth as many
//! flip-flops), and FORMAT is `bench` or `verilog`. The text goes to stdout.

use std::io::Write;
use std::process::ExitCode;

use netlist::generate::{array_multiplier, random_netlist, ripple_adder, RandomSpec};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, size, format] = args.as_slice() else {
        eprintln!("usage: generate adder|multiplier|random SIZE bench|verilog");
        return ExitCode::FAILURE;
    };
    let Ok(size) = size.parse::<usize>() else {
        eprintln!("error: SIZE must be a number, got `{size}`");
        return ExitCode::FAILURE;
    };
    let netlist = match kind.as_str() {
        "adder" => ripple_adder(size),
        "multiplier" => array_multiplier(size),
        "random" => random_netlist(
            1,
            &RandomSpec {
                inputs: (size / 10).max(1),
                outputs: (size / 10).max(1),
                flops: size / 100,
                gates: size,
                max_fanin: 4,
                extended_kinds: false,
                odd_names: false,
            },
        ),
        other => {
            eprintln!("error: unknown kind `{other}`");
            return ExitCode::FAILURE;
        }
    };
    let text = match format.as_str() {
        "bench" => match netlist::bench::write_bench(&netlist) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        "verilog" => netlist::verilog_writer::write_verilog(&netlist),
        other => {
            eprintln!("error: unknown format `{other}`");
            return ExitCode::FAILURE;
        }
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
