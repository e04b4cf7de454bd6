//! `atpg testbench`: generated testbenches simulated with Icarus Verilog (`iverilog` + `vvp`).
//!
//! Patterns are random vectors with expected responses from the good-machine simulator, and the
//! patterns `atpg run` generates, written in the text format; the testbench (made by the real
//! `atpg` binary) must then report every pattern passed, and exactly one failure when one
//! expected bit of the file is flipped.
//!
//! Tests on `../shared/benchmarks` skip with a notice when it is absent. Tests that simulate
//! skip with a notice when `iverilog` or `vvp` is missing, unless `ATPG_REQUIRE_TOOLS` is set,
//! in which case they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use atpg::patterns::text::{parse_patterns, write_patterns};
use atpg::patterns::PatternSet;
use atpg::sim::GoodSimulator;
use atpg::testbench::{write_testbench, DesignSource, TestbenchOptions};
use netlist::{Circuit, Library, Netlist};

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn check_ran(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// A design to replay patterns on.
struct Design {
    file: PathBuf,
    liberty: Option<PathBuf>,
    /// `--embed-netlist` (implied for `.bench`).
    embed: bool,
}

impl Design {
    fn verilog(file: PathBuf) -> Design {
        Design { file, liberty: None, embed: false }
    }

    fn read(&self) -> (Netlist, Circuit) {
        let library: Option<Library> = self
            .liberty
            .as_ref()
            .map(|l| netlist::liberty::read_liberty(l).expect("liberty reads"));
        let options = netlist::ReadOptions { library: library.as_ref(), ..Default::default() };
        let netlist = netlist::read_netlist(&self.file, &options).expect("design reads");
        let circuit = netlist.levelize().expect("design levelizes");
        (netlist, circuit)
    }
}

/// A temporary directory with a random pattern file for the design.
struct Bench {
    dir: tempfile::TempDir,
    patterns: PathBuf,
    circuit: Circuit,
    count: usize,
}

fn random_patterns(design: &Design, count: usize, seed: u64) -> Bench {
    let (_, circuit) = design.read();
    let inputs = PatternSet::random(circuit.num_inputs(), count, seed);
    let expected = GoodSimulator::new(&circuit).simulate(&inputs);
    let header = [("design".to_string(), circuit.name().to_string())];
    let dir = tempfile::tempdir().expect("temporary directory");
    let patterns = dir.path().join("patterns.txt");
    std::fs::write(&patterns, write_patterns(&circuit, &inputs, Some(&expected), &header))
        .expect("pattern file written");
    Bench { dir, patterns, circuit, count }
}

/// A temporary directory with the patterns `atpg run` generates for the design (the testbench's
/// real job: replaying ATPG patterns).
fn atpg_patterns(design: &Design) -> Bench {
    let (_, circuit) = design.read();
    let dir = tempfile::tempdir().expect("temporary directory");
    let patterns = dir.path().join("patterns.txt");
    let mut args: Vec<String> = vec![
        "run".into(),
        design.file.display().to_string(),
        "--text".into(),
        patterns.display().to_string(),
    ];
    if let Some(lib) = &design.liberty {
        args.extend(["--liberty".into(), lib.display().to_string()]);
    }
    let run = Command::new(env!("CARGO_BIN_EXE_atpg")).args(&args).output().expect("atpg runs");
    check_ran("atpg run", &run);
    let text = std::fs::read_to_string(&patterns).expect("patterns written");
    let count = parse_patterns(&text, &patterns.display().to_string(), &circuit)
        .expect("atpg run writes a valid pattern file")
        .inputs
        .len();
    Bench { dir, patterns, circuit, count }
}

/// Runs `atpg testbench`, compiles with iverilog and simulates; returns vvp's output.
fn simulate(design: &Design, bench: &Bench, patterns: &Path) -> String {
    let tb = bench.dir.path().join("tb.v");
    let mut args: Vec<String> = vec![
        "testbench".into(),
        design.file.display().to_string(),
        patterns.display().to_string(),
        "-o".into(),
        tb.display().to_string(),
    ];
    if let Some(lib) = &design.liberty {
        args.extend(["--liberty".into(), lib.display().to_string()]);
    }
    if design.embed {
        args.push("--embed-netlist".into());
    }
    let made = Command::new(env!("CARGO_BIN_EXE_atpg")).args(&args).output().expect("atpg runs");
    check_ran("atpg testbench", &made);
    let sim = bench.dir.path().join("sim");
    let mut compile = Command::new("iverilog");
    compile.arg("-o").arg(&sim).arg(&tb);
    let embedded = design.embed || design.file.extension().is_some_and(|e| e == "bench");
    if !embedded {
        compile.arg(&design.file);
    }
    check_ran("iverilog", &compile.output().expect("iverilog runs"));
    let run = Command::new("vvp").arg("-n").arg(&sim).output().expect("vvp runs");
    check_ran("vvp", &run);
    text(&run.stdout)
}

/// The summary line `N passed, M failed`, parsed.
fn summary(output: &str) -> (usize, usize) {
    let line = output
        .lines()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line in the simulation output:\n{output}"));
    let numbers: Vec<usize> =
        line.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    assert_eq!(numbers.len(), 2, "summary `{line}`");
    (numbers[0], numbers[1])
}

/// Flips expected value `output` of pattern `pattern` in a pattern file (which must be 0 or 1).
fn corrupt(patterns: &Path, pattern: usize, output: usize, into: &Path) {
    let text = std::fs::read_to_string(patterns).unwrap();
    let mut seen = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let is_pattern = !line.contains(':') && !line.starts_with('#') && !line.is_empty();
            if !is_pattern {
                return line.to_string();
            }
            seen += 1;
            if seen - 1 != pattern {
                return line.to_string();
            }
            let (inputs, outputs) = line.split_once(' ').expect("two fields");
            let mut outputs: Vec<char> = outputs.chars().collect();
            outputs[output] = match outputs[output] {
                '0' => '1',
                '1' => '0',
                other => panic!("expected value {other} cannot be flipped"),
            };
            format!("{inputs} {}", outputs.into_iter().collect::<String>())
        })
        .collect();
    std::fs::write(into, lines.join("\n") + "\n").unwrap();
}

/// Every pattern passes; then one flipped primary-output bit and, with flip-flops, one flipped
/// captured-state bit each make exactly one pattern fail, with a message naming the signal.
fn replay(design: Design, count: usize, seed: u64) {
    if !common::simulator_available("the simulation of generated testbenches") {
        return;
    }
    check_replay(&design, random_patterns(&design, count, seed));
    check_replay(&design, atpg_patterns(&design));
}

fn check_replay(design: &Design, bench: Bench) {
    let count = bench.count;
    let output = simulate(design, &bench, &bench.patterns);
    assert_eq!(summary(&output), (bench.count, 0), "{}:\n{output}", design.file.display());
    assert!(!output.contains("FAIL"), "{output}");

    let circuit = &bench.circuit;
    let first = 3.min(count - 1);
    let mut flips = vec![(first, 0usize, circuit.node_name(circuit.outputs()[0]).to_string())];
    if let Some(cell) = circuit.scan_cells().first() {
        flips.push((count.saturating_sub(2), circuit.num_primary_outputs(), cell.name.clone()));
    }
    for (pattern, bit, name) in flips {
        let wrong = bench.dir.path().join("wrong.txt");
        corrupt(&bench.patterns, pattern, bit, &wrong);
        let output = simulate(design, &bench, &wrong);
        assert_eq!(summary(&output), (bench.count - 1, 1), "{output}");
        let fails: Vec<&str> = output.lines().filter(|l| l.starts_with("FAIL")).collect();
        assert_eq!(fails.len(), 1, "{output}");
        assert!(
            fails[0].starts_with(&format!("FAIL pattern {} (", pattern + 1))
                && fails[0].contains(&format!("'{name}'")),
            "{name}: {}",
            fails[0]
        );
    }
}

fn shared(relative: &str) -> Option<PathBuf> {
    Some(netlist::testdata::benchmarks()?.join(relative))
}

#[test]
fn full_adder_example_passes_and_catches_a_flipped_bit() {
    replay(
        Design { file: repo().join("examples/full_adder.bench"), liberty: None, embed: false },
        64,
        1,
    );
}

#[test]
fn mult8_example_passes_and_catches_a_flipped_bit() {
    replay(
        Design { file: repo().join("examples/mult8.bench"), liberty: None, embed: false },
        100,
        2,
    );
}

/// A hand-written hierarchical sequential design: a behavioural flip-flop module (the ISCAS-89
/// `dff`), a submodule with vector ports instantiated twice, escaped instance names.
const HIERARCHICAL: &str = r"
module dff (CK, Q, D);
  input CK, D;
  output Q;
  reg Q;
  always @(posedge CK) Q <= D;
endmodule

module stage (CK, a, q);
  input CK;
  input [1:0] a;
  output [1:0] q;
  wire [1:0] n;
  xor x0 (n[0], a[0], q[1]);
  and a1 (n[1], a[1], q[0]);
  dff \r[0] (CK, q[0], n[0]);
  dff r1 (CK, q[1], n[1]);
endmodule

module top (clk, in, out, z);
  input clk;
  input [3:0] in;
  output [1:0] out;
  output z;
  wire [1:0] s;
  stage u1 (.CK(clk), .a(in[1:0]), .q(s));
  stage \u2.x (.CK(clk), .a({in[3], s[0]}), .q(out));
  nor g (z, s[1], out[0], in[2]);
endmodule
";

#[test]
fn hierarchical_verilog_with_vectors_and_escaped_names_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("top.v");
    std::fs::write(&file, HIERARCHICAL).unwrap();
    replay(Design::verilog(file), 64, 3);
}

#[test]
fn the_testbench_deposits_and_compares_by_hierarchical_reference() {
    let netlist =
        netlist::verilog::parse_verilog(HIERARCHICAL, "top.v", &Default::default()).unwrap();
    let circuit = netlist.levelize().unwrap();
    let inputs = PatternSet::random(circuit.num_inputs(), 5, 4);
    let expected = GoodSimulator::new(&circuit).simulate(&inputs);
    let file =
        parse_patterns(&write_patterns(&circuit, &inputs, Some(&expected), &[]), "p.txt", &circuit)
            .unwrap();
    let options = TestbenchOptions { patterns_name: "p.txt".into(), ..Default::default() };
    let tb = write_testbench(&netlist, &circuit, &file, &options).unwrap();
    assert!(tb.warnings.is_empty(), "{:?}", tb.warnings);
    assert_eq!((tb.patterns, tb.compared_flops, tb.models), (5, 4, None));
    let v = &tb.verilog;
    for line in [
        "  reg [3:0] in;",
        "  wire [1:0] out;",
        "  top atpg_dut (",
        "      in[3] = v[0];",
        "      in[0] = v[3];",
        "      atpg_dut.u1.\\r[0] .Q = s[0];",
        "      atpg_dut.\\u2.x .r1.Q = s[3];",
        "      clk = 1'b1;",
        "  endtask",
        "      $display(\"%0d passed, %0d failed\", atpg_passed, atpg_failed);",
        "      $finish;",
    ] {
        assert!(v.contains(&format!("{line}\n")), "missing `{line}` in\n{v}");
    }
    assert!(v.contains("if (e[2] !== 1'bx && z !== e[2]) begin"), "{v}");
    assert!(v.contains("FAIL pattern %0d (p.txt:%0d): output 'z'"), "{v}");

    // The same design embedded: one flat module, flip-flops under the writer's names.
    let options = TestbenchOptions { design: DesignSource::Embedded, ..Default::default() };
    let tb = write_testbench(&netlist, &circuit, &file, &options).unwrap();
    assert!(tb.verilog.contains("module \\$_DFF_P_ (C, D, Q);"), "{}", tb.verilog);
    assert!(tb.verilog.contains("      atpg_dut.\\u2.x/r1 .Q = s[3];\n"), "{}", tb.verilog);
    assert!(tb.verilog.contains("  reg \\in[3] ;\n"), "{}", tb.verilog);
}

/// A tiny cell library: a flip-flop with an active-low clear, a falling-edge flip-flop, gates.
const TINY_LIB: &str = r#"library (tiny) {
  cell (NAND2) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "!(A B)"; }
  }
  cell (XOR2) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "A ^ B"; }
  }
  cell (DFFR) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; clear : "!RN"; }
    pin (CK) { direction : input; clock : true; }
    pin (D) { direction : input; }
    pin (RN) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
  cell (DFFN) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "!CKN"; }
    pin (CKN) { direction : input; clock : true; }
    pin (D) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
  }
}
"#;

/// Cells of [`TINY_LIB`]: `f1` captures on the rising edge of `clk` with `rn` its active-low
/// clear, `f2` on the falling edge of `CLOCK2`: `clk2`, or `clk` in the second variant.
const TINY_CELLS: &str = "
module cells (clk, clk2, rn, a, b, y, z);
  input clk, clk2, rn, a, b;
  output y, z;
  wire q1, q1n, q2, n1;
  NAND2 g1 (.A(a), .B(q2), .Y(n1));
  XOR2 g2 (.A(n1), .B(q1n), .Y(y));
  DFFR f1 (.CK(clk), .D(y), .RN(rn), .Q(q1), .QN(q1n));
  DFFN f2 (.CKN(CLOCK2), .D(b), .Q(q2));
  NAND2 g3 (.A(q1), .B(b), .Y(z));
endmodule
";

fn tiny_cells(dir: &Path, clock2: &str) -> Design {
    let liberty = dir.join("tiny.lib");
    std::fs::write(&liberty, TINY_LIB).unwrap();
    let file = dir.join("cells.v");
    std::fs::write(&file, TINY_CELLS.replace("CLOCK2", clock2)).unwrap();
    Design { file, liberty: Some(liberty), embed: false }
}

#[test]
fn cell_netlist_with_a_clear_and_both_clock_edges_passes() {
    let dir = tempfile::tempdir().unwrap();
    let design = tiny_cells(dir.path(), "clk2");
    let (netlist, circuit) = design.read();
    assert_eq!(circuit.clocks(), ["clk", "clk2", "rn"]);
    let library = netlist::liberty::read_liberty(design.liberty.as_ref().unwrap()).unwrap();
    let inputs = PatternSet::random(circuit.num_inputs(), 4, 6);
    let file =
        parse_patterns(&write_patterns(&circuit, &inputs, None, &[]), "p", &circuit).unwrap();
    let options = TestbenchOptions { library: Some(&library), ..Default::default() };
    let tb = write_testbench(&netlist, &circuit, &file, &options).unwrap();
    assert!(tb.warnings.is_empty(), "{:?}", tb.warnings);
    for line in [
        "module DFFR (CK, D, RN, Q, QN);",
        "      atpg_dut.f1.IQ = s[0];",
        "      clk = 1'b1;",
        "      clk2 = 1'b0;",
        "      rn = 1'b1;",
    ] {
        assert!(tb.verilog.contains(&format!("{line}\n")), "missing `{line}` in\n{}", tb.verilog);
    }
    replay(design, 64, 7);
}

#[test]
fn one_clock_for_both_edges_is_refused_naming_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let design = tiny_cells(dir.path(), "clk");
    let (netlist, circuit) = design.read();
    let library = netlist::liberty::read_liberty(design.liberty.as_ref().unwrap()).unwrap();
    let inputs = PatternSet::random(circuit.num_inputs(), 4, 6);
    let file =
        parse_patterns(&write_patterns(&circuit, &inputs, None, &[]), "p", &circuit).unwrap();
    let options = TestbenchOptions { library: Some(&library), ..Default::default() };
    let error = write_testbench(&netlist, &circuit, &file, &options).unwrap_err().to_string();
    assert_eq!(
        error,
        "input port `clk` would have to be a clock resting at 0 for the clock of `f1` and a clock resting at 1 for the clock of `f2`; one capture pulse cannot serve both"
    );
}

#[test]
fn pattern_files_for_another_circuit_are_rejected() {
    let netlist = netlist::bench::parse_bench(netlist::testdata::C17_BENCH, "c17.bench").unwrap();
    let circuit = netlist.levelize().unwrap();
    let other = netlist::bench::parse_bench("INPUT(a)\nOUTPUT(y)\ny = NOT(a)\n", "not.bench")
        .unwrap()
        .levelize()
        .unwrap();
    let inputs = PatternSet::random(1, 3, 5);
    let file =
        parse_patterns(&write_patterns(&other, &inputs, None, &[]), "p.txt", &other).unwrap();
    let error = write_testbench(&netlist, &circuit, &file, &TestbenchOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(error, "the pattern file has 1 input values per pattern but the circuit has 5");
}

#[test]
fn a_bad_pattern_file_fails_with_its_position_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = dir.path().join("bad.txt");
    std::fs::write(&patterns, "inputs: a b carry\noutputs: sum carry_out carry_next\n0z0 000\n")
        .unwrap();
    let tb = dir.path().join("tb.v");
    let example = repo().join("examples/full_adder.bench");
    let output = Command::new(env!("CARGO_BIN_EXE_atpg"))
        .args(["testbench", example.to_str().unwrap(), patterns.to_str().unwrap(), "-o"])
        .arg(&tb)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&format!("{}:3:2: unknown value `z`", patterns.display())), "{stderr}");
    assert!(!tb.exists());
}

#[test]
fn iscas85_verilog_netlists_pass() {
    for (name, count) in [("c17", 64), ("c432", 150), ("c880", 150)] {
        let Some(file) = shared(&format!("iscas85/verilog/{name}.v")) else { return };
        replay(Design::verilog(file), count, 10);
    }
}

#[test]
fn iscas89_verilog_netlists_pass() {
    for (name, count) in [("s27", 64), ("s1423", 150)] {
        let Some(file) = shared(&format!("iscas89/verilog/{name}.v")) else { return };
        replay(Design::verilog(file), count, 11);
    }
}

/// s298.v models its `dff` at switch level with `trireg` nets, which Icarus Verilog does not
/// simulate: its testbench embeds the netlist as read (the flip-flops become behavioural).
#[test]
fn iscas89_switch_level_netlist_passes_embedded() {
    let Some(file) = shared("iscas89/verilog/s298.v") else { return };
    replay(Design { file, liberty: None, embed: true }, 150, 12);
}

#[test]
fn iscas89_bench_netlist_passes_through_the_verilog_writer() {
    let Some(file) = shared("iscas89/s382.bench") else { return };
    replay(Design { file, liberty: None, embed: false }, 150, 13);
}

#[test]
fn sky130_netlist_passes_with_cell_models_from_liberty() {
    let Some(dir) = shared("cells/sky130hd") else { return };
    let design = Design {
        file: dir.join("gcd_sky130hd.v"),
        liberty: Some(dir.join("sky130hd_tt.lib.gz")),
        embed: false,
    };
    replay(design, 100, 14);
}
