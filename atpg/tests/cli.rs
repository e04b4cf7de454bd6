//! The `atpg` binary, run for real in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn atpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atpg")).args(args).output().expect("the atpg binary runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "atpg failed: {}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn stats_on_the_readme_example() {
    let example = repo().join("examples/full_adder.bench");
    let stats = json(&atpg(&["stats", example.to_str().unwrap(), "--json"]));
    assert_eq!(stats["inputs"], 2);
    assert_eq!(stats["outputs"], 2);
    assert_eq!(stats["flops"], 1);
    assert_eq!(stats["gates"], 6);
    assert_eq!(stats["nets"], 9);
    assert_eq!(stats["levels"], 3);
    assert_eq!(stats["cells"], 0);
    let text = atpg(&["stats", example.to_str().unwrap()]);
    assert!(text.status.success());
    assert!(stdout(&text).contains("gates    6"), "{}", stdout(&text));
}

#[test]
fn stats_json_matches_published_counts_for_every_bench() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let rows = netlist::testdata::provenance_bench_rows(&dir).unwrap();
    assert!(rows.len() >= 60);
    for row in rows {
        let stats = json(&atpg(&["stats", row.path.to_str().unwrap(), "--json"]));
        let counts = (&stats["inputs"], &stats["outputs"], &stats["flops"], &stats["gates"]);
        let expected = (
            &serde_json::json!(row.inputs),
            &serde_json::json!(row.outputs),
            &serde_json::json!(row.flops),
            &serde_json::json!(row.gates),
        );
        assert_eq!(counts, expected, "{}", row.path.display());
    }
}

#[test]
fn undriven_nets_are_reported_with_the_policy() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let s400 = dir.join("iscas89/s400.bench");
    let stats = json(&atpg(&["stats", s400.to_str().unwrap(), "--json"]));
    assert_eq!(stats["undriven_nets"], serde_json::json!(["Phi1H"]));
    assert_eq!(stats["undriven_policy"], "tied to X");
    let text = atpg(&["stats", s400.to_str().unwrap(), "--undriven", "input"]);
    assert!(
        stderr(&text).contains("1 undriven net(s) treated as primary inputs: Phi1H"),
        "{}",
        stderr(&text)
    );
}

#[test]
fn bad_input_fails_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.bench");
    std::fs::write(&bad, "INPUT(a)\nOUTPUT(y)\ny = FROB(a)\n").unwrap();
    let out = atpg(&["stats", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.bench:3:5: unknown gate `FROB`"), "{}", stderr(&out));

    let looped = dir.path().join("loop.bench");
    std::fs::write(&looped, "INPUT(a)\nOUTPUT(y)\ny = AND(a, z)\nz = NOT(y)\n").unwrap();
    let out = atpg(&["stats", looped.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("combinational loop through nets: y -> z"), "{}", stderr(&out));

    let unknown = dir.path().join("design.edif");
    std::fs::write(&unknown, "(edif)").unwrap();
    let out = atpg(&["stats", unknown.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--format"), "{}", stderr(&out));
    // --format overrides the extension.
    std::fs::write(&unknown, "INPUT(a)\nOUTPUT(a)\n").unwrap();
    let stats = json(&atpg(&["stats", unknown.to_str().unwrap(), "--format", "bench", "--json"]));
    assert_eq!(stats["inputs"], 1);

    let out = atpg(&["stats", dir.path().join("missing.bench").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("missing.bench"), "{}", stderr(&out));
}
