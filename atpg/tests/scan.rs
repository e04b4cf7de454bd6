//! `atpg scan`, run for real in temporary directories: the scan-inserted netlist and its chain
//! file go through `atpg run --scan-chains`, and placement ordering beats nearest neighbour on the
//! placed designs of `../shared/benchmarks/placed` (skipped with a notice when absent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn atpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atpg")).args(args).output().expect("the atpg binary runs")
}

fn ok(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "atpg failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("written")).expect("JSON")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

#[test]
fn scan_inserted_netlist_runs_with_its_chain_file() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let design = dir.join("iscas89/s298.bench");
    let tmp = tempfile::tempdir().expect("temporary directory");
    let out = tmp.path().join("s298_scan.v");
    let chains = tmp.path().join("chains.json");
    let report = tmp.path().join("report.json");
    ok(atpg(&[
        "scan",
        s(&design),
        "--chains",
        "3",
        "--order",
        "netlist",
        "-o",
        s(&out),
        "--chains-out",
        s(&chains),
        "--report",
        s(&report),
    ]));
    let report = read_json(&report);
    assert_eq!(report["flip_flops"], 14);
    let lengths: Vec<u64> = report["chains"]
        .as_array()
        .expect("chains")
        .iter()
        .map(|c| c["length"].as_u64().expect("length"))
        .collect();
    assert_eq!(lengths, [5, 5, 4]);

    let stil = tmp.path().join("p.stil");
    let run_report = tmp.path().join("run.json");
    ok(atpg(&[
        "run",
        s(&out),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&stil),
        "--report",
        s(&run_report),
    ]));
    let stil = std::fs::read_to_string(&stil).expect("STIL written");
    for port in ["scan_in_3", "scan_out_3", "scan_enable"] {
        assert!(stil.contains(port), "STIL names {port}");
    }
    // The full-scan view of the original and the scan-inserted netlist: every testable fault is
    // detected in both.
    let original_report = tmp.path().join("original.json");
    ok(atpg(&["run", s(&design), "--report", s(&original_report)]));
    let (a, b) = (read_json(&original_report), read_json(&run_report));
    assert_eq!(a["test_coverage"], b["test_coverage"], "{a}\n{b}");
}

#[test]
fn placement_order_needs_a_def_file() {
    let design = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/full_adder.bench");
    let tmp = tempfile::tempdir().expect("temporary directory");
    let output = atpg(&[
        "scan",
        s(&design),
        "--order",
        "placement",
        "-o",
        s(&tmp.path().join("o.v")),
        "--chains-out",
        s(&tmp.path().join("c.json")),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--def"));
}

fn placed(
    design: &str,
    verilog: &str,
    def: &str,
    liberty: &str,
) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let dir = netlist::testdata::benchmarks()?;
    Some((
        dir.join("placed").join(design).join(verilog),
        dir.join("placed").join(design).join(def),
        dir.join("cells").join(liberty),
    ))
}

#[test]
fn placement_order_beats_nearest_neighbour_on_aes() {
    let Some((verilog, def, liberty)) = placed(
        "aes_cipher_top",
        "aes_cipher_top.v",
        "aes_cipher_top.def",
        "nangate45/nangate45_functions.lib",
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temporary directory");
    for chains in ["1", "4", "16"] {
        let report = tmp.path().join(format!("r{chains}.json"));
        let chain_file = tmp.path().join(format!("c{chains}.json"));
        ok(atpg(&[
            "scan",
            s(&verilog),
            "--liberty",
            s(&liberty),
            "--def",
            s(&def),
            "--chains",
            chains,
            "-o",
            s(&tmp.path().join("o.v")),
            "--chains-out",
            s(&chain_file),
            "--report",
            s(&report),
        ]));
        let report = read_json(&report);
        let nearest = report["wirelength_nearest_neighbour_um"].as_f64().expect("figure");
        let last = report["wirelength_final_um"].as_f64().expect("figure");
        let netlist_order = report["wirelength_netlist_order_um"].as_f64().expect("figure");
        eprintln!("aes_cipher_top, {chains} chains: netlist order {netlist_order:.1} um, nearest neighbour {nearest:.1} um, final {last:.1} um");
        assert!(last <= nearest);
        if chains == "1" {
            assert!(last <= 0.88 * nearest, "at least 12% shorter than nearest neighbour");
        }
        // Same input, same chains.
        let again = tmp.path().join("again.json");
        ok(atpg(&[
            "scan",
            s(&verilog),
            "--liberty",
            s(&liberty),
            "--def",
            s(&def),
            "--chains",
            chains,
            "-o",
            s(&tmp.path().join("o2.v")),
            "--chains-out",
            s(&again),
        ]));
        assert_eq!(
            std::fs::read(&again).expect("written"),
            std::fs::read(&chain_file).expect("written")
        );
    }
}

/// A sky130 design with a clock tree: the chain file must not name the clock port (it feeds
/// clock buffers, so it is a data input of the full-scan view) and `atpg run` takes it.
#[test]
fn dual_spm_scan_chains_run_through_atpg() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let placed = dir.join("placed/dual_spm");
    let tmp = tempfile::tempdir().expect("temporary directory");
    let mut verilog = std::fs::read(placed.join("spm.v")).expect("spm.v");
    verilog.extend(std::fs::read(placed.join("dual_spm.v")).expect("dual_spm.v"));
    let design = tmp.path().join("dual_spm_all.v");
    std::fs::write(&design, verilog).expect("written");
    let liberty = dir.join("cells/sky130hd/sky130hd_tt.lib.gz");
    let (out, chains, report) =
        (tmp.path().join("o.v"), tmp.path().join("c.json"), tmp.path().join("r.json"));
    ok(atpg(&[
        "scan",
        s(&design),
        "--top",
        "dual_spm",
        "--liberty",
        s(&liberty),
        "--def",
        s(&placed.join("dual_spm.def")),
        "--chains",
        "4",
        "-o",
        s(&out),
        "--chains-out",
        s(&chains),
        "--report",
        s(&report),
    ]));
    let report = read_json(&report);
    assert_eq!((report["flip_flops"].as_u64(), report["domains"].as_u64()), (Some(128), Some(1)));
    assert!(
        report["wirelength_final_um"].as_f64()
            <= report["wirelength_nearest_neighbour_um"].as_f64()
    );
    let stil = tmp.path().join("p.stil");
    // The scan-inserted netlist keeps its sky130 cells: read it with the library.
    ok(atpg(&[
        "run",
        s(&out),
        "--liberty",
        s(&liberty),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&stil),
    ]));
    assert!(std::fs::read_to_string(&stil).expect("written").contains("scan_in_4"));
}

/// A sequential circuit generated here, so the scan flow is tested without `../shared`.
fn generated_design(dir: &Path) -> PathBuf {
    let spec = netlist::generate::RandomSpec {
        inputs: 6,
        outputs: 4,
        flops: 21,
        gates: 150,
        ..Default::default()
    };
    let netlist = netlist::generate::random_netlist(27, &spec);
    let path = dir.join("generated.bench");
    std::fs::write(&path, netlist::bench::write_bench(&netlist).expect("writes as .bench"))
        .expect("written");
    path
}

/// Runs the testbench of `patterns` on the scan-inserted netlist `scan_v` with `chains` in
/// iverilog; returns vvp's output.
fn simulate_scan(dir: &Path, scan_v: &Path, patterns: &Path, chains: &Path) -> String {
    let tb = dir.join("tb.v");
    ok(atpg(&[
        "testbench",
        s(scan_v),
        s(patterns),
        "--scan-chains",
        s(chains),
        "--embed-netlist",
        "-o",
        s(&tb),
    ]));
    let sim = dir.join("sim");
    let compile = Command::new("iverilog").arg("-o").arg(&sim).arg(&tb).output().expect("runs");
    assert!(compile.status.success(), "iverilog: {}", String::from_utf8_lossy(&compile.stderr));
    let run = Command::new("vvp").arg("-n").arg(&sim).output().expect("vvp runs");
    assert!(run.status.success(), "vvp: {}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// `(passed, failed)` from the testbench's last line, and the chain test's mismatches.
fn scan_summary(output: &str) -> ((usize, usize), usize) {
    let numbers = |line: &str| -> Vec<usize> {
        line.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect()
    };
    let chain = output
        .lines()
        .find(|l| l.starts_with("chain test: "))
        .unwrap_or_else(|| panic!("no chain test line:\n{output}"));
    let summary = output
        .lines()
        .find(|l| l.ends_with(" failed") && !l.starts_with("chain test"))
        .unwrap_or_else(|| panic!("no summary line:\n{output}"));
    let (c, p) = (numbers(chain), numbers(summary));
    ((p[0], p[1]), c[2])
}

/// Flips the expected value of flip-flop `flop` (counted after the primary outputs) in the
/// first pattern where it is 0 or 1, from pattern `from` on; returns that pattern's number.
fn flip_captured(
    patterns: &Path,
    primary_outputs: usize,
    flop: usize,
    from: usize,
    into: &Path,
) -> usize {
    let text = std::fs::read_to_string(patterns).expect("written");
    let mut seen = 0;
    let mut flipped = None;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let is_pattern = !line.contains(':') && !line.starts_with('#') && !line.is_empty();
            if !is_pattern {
                return line.to_string();
            }
            seen += 1;
            let (inputs, outputs) = line.split_once(' ').expect("two fields");
            let mut outputs: Vec<char> = outputs.chars().collect();
            let bit = &mut outputs[primary_outputs + flop];
            if flipped.is_none() && seen > from && *bit != 'X' {
                *bit = if *bit == '0' { '1' } else { '0' };
                flipped = Some(seen);
            }
            format!("{inputs} {}", outputs.into_iter().collect::<String>())
        })
        .collect();
    std::fs::write(into, lines.join("\n") + "\n").expect("written");
    flipped.expect("a pattern with a known value")
}

/// The issue's must-show on one design: `atpg scan`, then ATPG on the scan-inserted netlist with
/// its chain file gives the test coverage of the original's full-scan view, and the patterns
/// load and unload through the chains in iverilog (every pattern passes; a flipped captured
/// bit fails exactly its pattern, unloaded through the chain; a chain file with two cells
/// swapped fails).
fn scan_flow(design: &Path, scan_args: &[&str]) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path();
    let (scan_v, chains) = (dir.join("scan.v"), dir.join("chains.json"));
    let mut args = vec!["scan", s(design), "-o", s(&scan_v), "--chains-out", s(&chains)];
    args.extend_from_slice(scan_args);
    ok(atpg(&args));
    let (patterns, run_report, original) =
        (dir.join("p.txt"), dir.join("run.json"), dir.join("original.json"));
    ok(atpg(&[
        "run",
        s(&scan_v),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&dir.join("p.stil")),
        "--text",
        s(&patterns),
        "--report",
        s(&run_report),
    ]));
    ok(atpg(&["run", s(design), "--report", s(&original)]));
    let (a, b) = (read_json(&original), read_json(&run_report));
    eprintln!(
        "{}: test coverage {} (original, full-scan view) and {} (scan-inserted, {} patterns)",
        design.display(),
        a["test_coverage"],
        b["test_coverage"],
        b["patterns"]
    );
    assert_eq!(a["test_coverage"], b["test_coverage"], "{a}\n{b}");
    assert_eq!(b["faults"]["aborted"], 0);

    if !common::simulator_available("the scan testbench simulations") {
        return;
    }
    let count = b["patterns"].as_u64().expect("pattern count") as usize;
    let output = simulate_scan(dir, &scan_v, &patterns, &chains);
    assert_eq!(scan_summary(&output), ((count, 0), 0), "{output}");
    assert!(!output.contains("FAIL"), "{output}");

    // One captured bit flipped: that pattern fails on the unload, naming the flip-flop.
    let netlist = netlist::read_netlist(&scan_v, &Default::default()).expect("reads");
    let circuit = netlist.levelize().expect("levelizes");
    let flop = circuit.scan_cells().len() / 2;
    let wrong = dir.join("wrong.txt");
    let pattern =
        flip_captured(&patterns, circuit.num_primary_outputs(), flop, 1.min(count - 1), &wrong);
    let output = simulate_scan(dir, &scan_v, &wrong, &chains);
    assert_eq!(scan_summary(&output), ((count - 1, 1), 0), "{output}");
    let fails: Vec<&str> = output.lines().filter(|l| l.starts_with("FAIL")).collect();
    let name = &circuit.scan_cells()[flop].name;
    assert!(
        fails.len() == 1
            && fails[0].starts_with(&format!("FAIL pattern {pattern} ("))
            && fails[0].contains(&format!("flip-flop '{name}'"))
            && fails[0].contains("shifted out of 'scan_out_"),
        "{output}"
    );

    // The chain file with two cells of the first chain swapped: loads go to the wrong cells.
    let mut file = read_json(&chains);
    let cells = file["chains"][0]["cells"].as_array_mut().expect("cells");
    if cells.len() >= 2 {
        cells.swap(0, 1);
        let swapped = dir.join("swapped.json");
        std::fs::write(&swapped, file.to_string()).expect("written");
        let output = simulate_scan(dir, &scan_v, &patterns, &swapped);
        let ((_, failed), _) = scan_summary(&output);
        assert!(failed > 0, "a wrong chain order must fail:\n{output}");
    }
    // Two chains' scan-outs swapped: the chain test sees the other chain's stream.
    let mut file = read_json(&chains);
    if let Some([first, second, ..]) = file["chains"].as_array_mut().map(Vec::as_mut_slice) {
        let out = first["scan_out"].take();
        first["scan_out"] = second["scan_out"].take();
        second["scan_out"] = out;
        let swapped = dir.join("swapped_outs.json");
        std::fs::write(&swapped, file.to_string()).expect("written");
        let output = simulate_scan(dir, &scan_v, &patterns, &swapped);
        let (_, mismatches) = scan_summary(&output);
        assert!(mismatches > 0, "the chain test must see crossed scan-outs:\n{output}");
    }
}

#[test]
fn generated_circuit_loads_and_unloads_through_its_chains() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let design = generated_design(tmp.path());
    scan_flow(&design, &["--chains", "3", "--order", "netlist"]);
}

#[test]
fn iscas89_circuits_load_and_unload_through_their_chains() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    for (name, chains) in [("s27", "1"), ("s298", "3"), ("s1196", "4")] {
        scan_flow(&dir.join(format!("iscas89/{name}.bench")), &["--chains", chains]);
    }
}

/// `--order power`: fewer weighted shift transitions than netlist order for the design's own
/// ATPG patterns, the same chains for the same seed, and the chains still work end to end.
#[test]
fn power_order_cuts_shift_transitions_of_atpg_patterns() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path();
    let design = generated_design(dir);
    let patterns = dir.join("p.txt");
    ok(atpg(&["run", s(&design), "--text", s(&patterns), "-o", s(&dir.join("p.stil"))]));
    let run = |seed: &str, chains: &Path, report: &Path| {
        ok(atpg(&[
            "scan",
            s(&design),
            "--order",
            "power",
            "--patterns",
            s(&patterns),
            "--seed",
            seed,
            "--chains",
            "2",
            "-o",
            s(&dir.join("o.v")),
            "--chains-out",
            s(chains),
            "--report",
            s(report),
        ]))
    };
    let (chains, report) = (dir.join("c.json"), dir.join("r.json"));
    let stdout = run("3", &chains, &report);
    assert!(stdout.contains("shift transitions"), "{stdout}");
    let report = read_json(&report);
    let total = |v: &serde_json::Value| {
        v["load"].as_u64().expect("load") + v["unload"].as_u64().expect("unload")
    };
    let before = total(&report["shift_transitions_netlist_order"]);
    let after = total(&report["shift_transitions_final"]);
    eprintln!("generated circuit, 2 chains: weighted shift transitions {before} -> {after}");
    assert!(after < before, "{report}");
    assert_eq!(report["order"], "power");
    let again = dir.join("c2.json");
    run("3", &again, &dir.join("r2.json"));
    assert_eq!(std::fs::read(&again).expect("written"), std::fs::read(&chains).expect("written"));

    // Power ordering without patterns is refused.
    let output = atpg(&[
        "scan",
        s(&design),
        "--order",
        "power",
        "-o",
        s(&dir.join("x.v")),
        "--chains-out",
        s(&dir.join("x.json")),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--patterns"));

    scan_flow(&design, &["--order", "power", "--patterns", s(&patterns), "--chains", "2"]);
}

/// Flip-flops with asynchronous clears and presets of both polarities (Yosys cells): the
/// scan-inserted Verilog keeps them, and the chain testbench holds them inactive (an active-low
/// clear held at 0 would clear the chain and fail every pattern).
const RESETS: &str = r"
module resets (clk, rst_n, set, a, b, y);
  input clk, rst_n, set, a, b;
  output y;
  wire q0, q1, q2, q3, d0, d1, d2, d3;
  \$_DFF_PN0_ r0 (.C(clk), .R(rst_n), .D(d0), .Q(q0));
  \$_DFF_PP1_ r1 (.C(clk), .R(set), .D(d1), .Q(q1));
  \$_DFFSR_PNP_ r2 (.C(clk), .S(rst_n), .R(set), .D(d2), .Q(q2));
  \$_DFF_P_ r3 (.C(clk), .D(d3), .Q(q3));
  assign d0 = a ^ q3;
  assign d1 = q0 & b;
  assign d2 = q1 | a;
  assign d3 = ~(q2 ^ q0);
  assign y = q3 & q1;
endmodule
";

#[test]
fn asynchronous_controls_survive_scan_insertion() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let design = tmp.path().join("resets.v");
    std::fs::write(&design, RESETS).expect("written");
    let out = tmp.path().join("scan.v");
    ok(atpg(&["scan", s(&design), "-o", s(&out), "--chains-out", s(&tmp.path().join("c.json"))]));
    let written = std::fs::read_to_string(&out).expect("written");
    for cell in [
        r"\$_DFF_PN0_  r0 (.C(clk), .R(rst_n),",
        r"\$_DFF_PP1_  r1 (.C(clk), .R(set),",
        r"\$_DFFSR_PNP_  r2 (.C(clk), .S(rst_n), .R(set),",
    ] {
        assert!(written.contains(cell), "{cell}:\n{written}");
    }
    scan_flow(&design, &["--chains", "2"]);
}

/// A chain file whose scan enable is not a port of the design: a clear error, a non-zero exit
/// and no testbench written.
#[test]
fn scan_testbench_rejects_chains_that_do_not_fit() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path();
    let design = generated_design(dir);
    let (scan_v, chains, patterns) = (dir.join("s.v"), dir.join("c.json"), dir.join("p.txt"));
    ok(atpg(&["scan", s(&design), "-o", s(&scan_v), "--chains-out", s(&chains)]));
    ok(atpg(&[
        "run",
        s(&scan_v),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&dir.join("p.stil")),
        "--text",
        s(&patterns),
    ]));
    let mut file = read_json(&chains);
    file["chains"][0]["scan_enable"] = "pi0".into();
    file["chains"][0]["scan_in"] = "no_such_port".into();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, file.to_string()).expect("written");
    let tb = dir.join("tb.v");
    let output = atpg(&[
        "testbench",
        s(&scan_v),
        s(&patterns),
        "--scan-chains",
        s(&bad),
        "--embed-netlist",
        "-o",
        s(&tb),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no_such_port"), "{stderr}");
    assert!(!tb.exists());
}

/// `atpg scan --liberty` on a library netlist: every plain flip-flop becomes the library's
/// scan flip-flop (`scan_prefix`), the netlist is written with its cells, `atpg run` on it with
/// the library and the chain file detects every testable fault with no aborts and gives the
/// original's test coverage, and, in
/// iverilog with the Liberty-derived cell models, the testbench's chain test shifts through
/// every chain and every pattern loads, captures and unloads through the chains (0 failed).
fn library_scan_flow(design: &Path, liberty: &Path, scan_prefix: &str) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path();
    let (scan_v, chains, report) =
        (dir.join("scan.v"), dir.join("chains.json"), dir.join("report.json"));
    let stdout = ok(atpg(&[
        "scan",
        s(design),
        "--liberty",
        s(liberty),
        "--chains",
        "3",
        "--order",
        "netlist",
        "-o",
        s(&scan_v),
        "--chains-out",
        s(&chains),
        "--report",
        s(&report),
    ]));
    let report = read_json(&report);
    let flops = report["flip_flops"].as_u64().expect("flip-flop count");
    assert!(flops > 0);
    assert_eq!(report["library_scan_cells_swapped"].as_u64(), Some(flops), "{stdout}");
    assert_eq!(report["multiplexed_flops"].as_u64(), Some(0), "{stdout}");
    // The cells are kept: one scan flip-flop instance per flip-flop, no flip-flop primitive.
    let written = std::fs::read_to_string(&scan_v).expect("written");
    let scan_cells =
        written.lines().filter(|l| l.trim_start().starts_with(scan_prefix)).count() as u64;
    assert_eq!(scan_cells, flops, "{written}");
    assert!(!written.contains("$_DFF"));

    let (patterns, run_report) = (dir.join("p.txt"), dir.join("run.json"));
    ok(atpg(&[
        "run",
        s(&scan_v),
        "--liberty",
        s(liberty),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&dir.join("p.stil")),
        "--text",
        s(&patterns),
        "--report",
        s(&run_report),
    ]));
    let run = read_json(&run_report);
    assert_eq!(run["faults"]["aborted"], 0, "{run}");
    assert_eq!(run["faults"]["undetected"], 0, "{run}");
    // The same test coverage and untestable faults as the original's full-scan view (the scan
    // cells' scan pins add faults, all detected).
    let original = dir.join("original.json");
    ok(atpg(&["run", s(design), "--liberty", s(liberty), "--report", s(&original)]));
    let original = read_json(&original);
    assert_eq!(original["test_coverage"], run["test_coverage"], "{original}\n{run}");
    assert_eq!(original["faults"]["untestable"], run["faults"]["untestable"], "{original}\n{run}");

    if !common::simulator_available("the scan testbench simulations") {
        return;
    }
    let tb = dir.join("tb.v");
    ok(atpg(&[
        "testbench",
        s(&scan_v),
        s(&patterns),
        "--liberty",
        s(liberty),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&tb),
    ]));
    let sim = dir.join("sim");
    let compile =
        Command::new("iverilog").arg("-o").arg(&sim).arg(&tb).arg(&scan_v).output().expect("runs");
    assert!(compile.status.success(), "iverilog: {}", String::from_utf8_lossy(&compile.stderr));
    let output = Command::new("vvp").arg("-n").arg(&sim).output().expect("vvp runs");
    assert!(output.status.success(), "vvp: {}", String::from_utf8_lossy(&output.stderr));
    let output = String::from_utf8_lossy(&output.stdout).into_owned();
    let count = run["patterns"].as_u64().expect("pattern count") as usize;
    assert_eq!(scan_summary(&output), ((count, 0), 0), "{output}");
    assert!(!output.contains("FAIL"), "{output}");

    // One captured bit flipped: exactly that pattern fails (the check has teeth).
    let library = netlist::liberty::read_liberty(liberty).expect("library reads");
    let options = netlist::ReadOptions { library: Some(&library), ..Default::default() };
    let circuit =
        netlist::read_netlist(&scan_v, &options).expect("reads").levelize().expect("levelizes");
    let wrong = dir.join("wrong.txt");
    let flop = circuit.scan_cells().len() / 2;
    flip_captured(&patterns, circuit.num_primary_outputs(), flop, 0, &wrong);
    ok(atpg(&[
        "testbench",
        s(&scan_v),
        s(&wrong),
        "--liberty",
        s(liberty),
        "--scan-chains",
        s(&chains),
        "-o",
        s(&tb),
    ]));
    let compile =
        Command::new("iverilog").arg("-o").arg(&sim).arg(&tb).arg(&scan_v).output().expect("runs");
    assert!(compile.status.success(), "iverilog: {}", String::from_utf8_lossy(&compile.stderr));
    let output = Command::new("vvp").arg("-n").arg(&sim).output().expect("vvp runs");
    let output = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(scan_summary(&output), ((count - 1, 1), 0), "{output}");
}

#[test]
fn sky130_flip_flops_become_scan_cells_and_shift_in_iverilog() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let cells = dir.join("cells/sky130hd");
    library_scan_flow(
        &cells.join("gcd_sky130hd.v"),
        &cells.join("sky130hd_tt.lib.gz"),
        "sky130_fd_sc_hd__sdfxtp_1 ",
    );
}

/// NanGate45's function-only Liberty file has no `test_cell` groups, but marks the scan pins
/// of `SDFF*` with `signal_type`, which is enough.
#[test]
fn nangate45_flip_flops_become_scan_cells_and_shift_in_iverilog() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let cells = dir.join("cells/nangate45");
    library_scan_flow(
        &cells.join("gcd_nangate45.v"),
        &cells.join("nangate45_functions.lib"),
        "SDFF_X1 ",
    );
}
