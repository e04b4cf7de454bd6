//! `atpg scan`, run for real in temporary directories: the scan-inserted netlist and its chain
//! file go through `atpg run --scan-chains`, and placement ordering beats nearest neighbour on the
//! placed designs of `../shared/benchmarks/placed` (skipped with a notice when absent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    ok(atpg(&["run", s(&out), "--scan-chains", s(&chains), "-o", s(&stil)]));
    assert!(std::fs::read_to_string(&stil).expect("written").contains("scan_in_4"));
}
