//! Sharded runs (`atpg run --shard I/N`) and `atpg merge`, with the real binary in temporary
//! directories: merged shards account for every fault exactly as one run does, and bad shard
//! sets are refused with a clear message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn atpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atpg")).args(args).output().expect("the atpg binary runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ok(output: &Output) {
    assert!(output.status.success(), "atpg failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written"))
        .expect("report is JSON")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Runs `count` shards of `design` in `dir` (with `extra` arguments); returns the shard report
/// paths.
fn run_shards(design: &Path, count: u32, dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let text = dir.join(format!("shard{i}.txt"));
            let report = dir.join(format!("shard{i}.json"));
            let shard = format!("{i}/{count}");
            let mut args = vec![
                "run",
                s(design),
                "--shard",
                &shard,
                "--text",
                s(&text),
                "--report",
                s(&report),
            ];
            args.extend_from_slice(extra);
            ok(&atpg(&args));
            report
        })
        .collect()
}

/// One run and a merge of four shards of `design` account for every collapsed and uncollapsed
/// fault the same way; the merged patterns grade as the merge reports.
fn check_merge_matches_one_run(design: &Path) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let single = dir.path().join("single.json");
    ok(&atpg(&["run", s(design), "--report", s(&single)]));
    let single = read_json(&single);

    let reports = run_shards(design, 4, dir.path(), &[]);
    // The shards split the collapsed list: their totals add up to it.
    let shard_total: u64 =
        reports.iter().map(|r| read_json(r)["faults"]["total"].as_u64().unwrap()).sum();
    assert_eq!(shard_total, single["faults"]["total"].as_u64().unwrap());
    let shard_untestable: u64 = reports
        .iter()
        .map(|r| read_json(r)["untestable_faults"].as_array().unwrap().len() as u64)
        .sum();
    assert_eq!(shard_untestable, single["faults"]["untestable"].as_u64().unwrap());

    let merged_report = dir.path().join("merged.json");
    let merged_text = dir.path().join("merged.txt");
    let stil = dir.path().join("merged.stil");
    let mut args = vec!["merge", s(design)];
    // Reports in reverse order: the merge does not care.
    args.extend(reports.iter().rev().map(|r| s(r)));
    args.extend(["--report", s(&merged_report), "--text", s(&merged_text), "-o", s(&stil)]);
    ok(&atpg(&args));
    let merged = read_json(&merged_report);
    for key in ["faults", "faults_uncollapsed"] {
        for class in ["total", "detected", "untestable", "aborted", "undetected"] {
            assert_eq!(
                merged[key][class],
                single[key][class],
                "{key}.{class} of {}",
                design.display()
            );
        }
    }
    assert_eq!(merged["fault_coverage"], single["fault_coverage"]);
    assert_eq!(merged["test_coverage"], single["test_coverage"]);
    assert_eq!(merged["shards"], 4);
    assert!(std::fs::metadata(&stil).expect("STIL written").len() > 0);

    // The merged pattern file, graded independently, detects what the merge says.
    let fsim = atpg(&["fsim", s(design), s(&merged_text), "--json"]);
    ok(&fsim);
    let fsim: serde_json::Value = serde_json::from_slice(&fsim.stdout).expect("JSON");
    assert_eq!(fsim["faults"]["detected"], merged["faults"]["detected"]);
    assert_eq!(fsim["response_mismatches"], 0);
    assert_eq!(fsim["patterns"], merged["patterns"]);
}

/// Shards whose time limit is spent before test generation (and with no random phase) decide
/// nothing: each report names every fault of its shard as aborted for the time limit, and the
/// merge targets them all again, ending with the accounting of one run.
#[test]
fn merge_decides_what_time_limited_shards_aborted() {
    let design = repo().join("examples/mult8.bench");
    let dir = tempfile::tempdir().expect("temporary directory");
    let single = dir.path().join("single.json");
    ok(&atpg(&["run", s(&design), "--report", s(&single)]));
    let single = read_json(&single);

    let limits = ["--time-limit", "1e-9", "--random-patterns", "0"];
    let reports = run_shards(&design, 2, dir.path(), &limits);
    for report in &reports {
        let report = read_json(report);
        let aborted = report["aborted_faults"].as_array().expect("a list");
        assert_eq!(aborted.len() as u64, report["faults"]["total"].as_u64().unwrap());
        for entry in aborted {
            assert_eq!(entry["reason"], "time-limit", "{entry}");
            assert!(entry["fault"].as_str().is_some_and(|n| !n.is_empty()), "{entry}");
        }
    }
    let merged = dir.path().join("merged.json");
    let mut args = vec!["merge", s(&design)];
    args.extend(reports.iter().map(|r| s(r)));
    args.extend(["--report", s(&merged)]);
    ok(&atpg(&args));
    let merged = read_json(&merged);
    assert_eq!(merged["aborted_in_shards"], single["faults"]["total"]);
    assert_eq!(merged["aborted_faults"].as_array().map(Vec::len), Some(0));
    for key in ["faults", "faults_uncollapsed"] {
        for class in ["total", "detected", "untestable", "aborted", "undetected"] {
            assert_eq!(merged[key][class], single[key][class], "{key}.{class}");
        }
    }
}

#[test]
fn merged_shards_match_one_run_on_the_examples() {
    check_merge_matches_one_run(&repo().join("examples/mult8.bench"));
    check_merge_matches_one_run(&repo().join("examples/full_adder.bench"));
}

#[test]
fn merged_shards_match_one_run_on_c7552_and_s38584_1() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    check_merge_matches_one_run(&dir.join("iscas85/c7552.bench"));
    check_merge_matches_one_run(&dir.join("iscas89/s38584.1.bench"));
}

#[test]
fn merge_refuses_incomplete_duplicate_and_foreign_shards() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let design = repo().join("examples/mult8.bench");
    let reports = run_shards(&design, 3, dir.path(), &[]);
    let merge = |reports: &[&Path], design: &Path| {
        let mut args = vec!["merge", s(design)];
        args.extend(reports.iter().map(|r| s(r)));
        let out = atpg(&args);
        assert!(!out.status.success(), "merge of {reports:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = merge(&[&reports[0], &reports[2]], &design);
    assert!(err.contains("missing shard reports: 1/3"), "{err}");
    let err = merge(&[&reports[0], &reports[1], &reports[1], &reports[2]], &design);
    assert!(err.contains("shard 1/3 is given twice"), "{err}");
    let other = repo().join("examples/full_adder.bench");
    let err = merge(&[&reports[0], &reports[1], &reports[2]], &other);
    assert!(err.contains("is for design `mult8`"), "{err}");

    // The same design name with another netlist: the hash tells them apart.
    let changed = dir.path().join("mult8.bench");
    let text = std::fs::read_to_string(&design).expect("example readable");
    std::fs::write(&changed, text.replacen("AND(", "OR(", 1)).expect("written");
    let err = merge(&[&reports[0], &reports[1], &reports[2]], &changed);
    assert!(err.contains("another netlist"), "{err}");

    // A shard whose report names a fault the design does not have.
    let bad = dir.path().join("bad.json");
    let mut json = read_json(&reports[1]);
    json["untestable_faults"] = serde_json::json!(["no_such_net sa0"]);
    std::fs::write(&bad, json.to_string()).expect("written");
    let err = merge(&[&reports[0], &bad, &reports[2]], &design);
    assert!(err.contains("`no_such_net sa0` is not in the collapsed fault list"), "{err}");

    // --shard without the outputs the merge needs, and malformed shard specs.
    for shard in ["3/3", "1", "x/2"] {
        let out = atpg(&["run", s(&design), "--shard", shard]);
        assert!(!out.status.success(), "--shard {shard} accepted");
    }
    let out = atpg(&["run", s(&design), "--shard", "0/2"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shard needs --text and --report"));
}
