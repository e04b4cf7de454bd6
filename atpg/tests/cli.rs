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

#[test]
fn faults_counts_the_readme_example_in_every_collapse_mode() {
    let example = repo().join("examples/full_adder.bench");
    let file = example.to_str().unwrap();
    // 9 nets; a, b and p have two sinks each, carry three (XOR, AND, BUFF): 9 branches.
    let report = json(&atpg(&["faults", file, "--json"]));
    assert_eq!(report["total"], 36);
    assert_eq!(report["sites"], 18);
    assert_eq!(report["collapse"], "equivalence");
    // Through AND g, AND t, OR carry_next and BUFF carry_out: 8 faults fold into others.
    assert_eq!(report["collapsed"], 28);
    assert_eq!(report["by_site"]["stem"]["total"], 18);
    assert_eq!(report["by_site"]["gate_input"]["total"], 18);
    assert_eq!(report["by_site"]["primary_output"]["total"], 0);
    assert!(report.get("faults").is_none());
    let none = json(&atpg(&["faults", file, "--json", "--collapse", "none"]));
    assert_eq!(none["collapsed"], 36);
    let dominance = json(&atpg(&["faults", file, "--json", "--collapse", "dominance"]));
    assert!(dominance["collapsed"].as_u64().unwrap() < 28, "{dominance}");
    let listed = json(&atpg(&["faults", file, "--json", "--list"]));
    let names = listed["faults"].as_array().unwrap();
    assert_eq!(names.len(), 28);
    assert!(names.contains(&serde_json::json!("carry->t/in1 sa1")), "{names:?}");
    let text = atpg(&["faults", file]);
    assert!(stdout(&text).contains("faults     36 uncollapsed"), "{}", stdout(&text));
}

#[test]
fn faults_pins_the_published_universe_sizes() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    for (file, total) in
        [("iscas85/c17.bench", 34), ("iscas85/c432.bench", 864), ("iscas85/c7552.bench", 15104)]
    {
        let path = dir.join(file);
        let report = json(&atpg(&["faults", path.to_str().unwrap(), "--json"]));
        assert_eq!(report["total"], total, "{file}");
    }
}

/// Writes c17's 32 exhaustive patterns with their simulated responses.
fn c17_patterns(dir: &Path) -> (PathBuf, PathBuf, String) {
    let bench = dir.join("c17.bench");
    std::fs::write(
        &bench,
        "INPUT(1)\nINPUT(2)\nINPUT(3)\nINPUT(6)\nINPUT(7)\nOUTPUT(22)\nOUTPUT(23)\n\
         10 = NAND(1, 3)\n11 = NAND(3, 6)\n16 = NAND(2, 11)\n19 = NAND(11, 7)\n\
         22 = NAND(10, 16)\n23 = NAND(16, 19)\n",
    )
    .unwrap();
    let circuit = netlist::read_netlist(&bench, &Default::default()).unwrap().levelize().unwrap();
    let mut inputs = atpg::patterns::PatternSet::new(5);
    for p in 0..32u32 {
        inputs.push_with(|i| {
            if p >> i & 1 == 1 {
                atpg::patterns::Logic::One
            } else {
                atpg::patterns::Logic::Zero
            }
        });
    }
    let responses = atpg::sim::GoodSimulator::new(&circuit).simulate(&inputs);
    let text = atpg::patterns::text::write_patterns(&circuit, &inputs, Some(&responses), &[]);
    let patterns = dir.join("c17.pat");
    std::fs::write(&patterns, &text).unwrap();
    (bench, patterns, text)
}

#[test]
fn fsim_grades_exhaustive_c17_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let (bench, patterns, text) = c17_patterns(dir.path());
    let report_path = dir.path().join("report.json");
    let out = atpg(&[
        "fsim",
        bench.to_str().unwrap(),
        patterns.to_str().unwrap(),
        "--json",
        "--report",
        report_path.to_str().unwrap(),
    ]);
    let report = json(&out);
    assert_eq!(report["patterns"], 32);
    assert_eq!(
        report["faults"],
        serde_json::json!({"total": 22, "detected": 22, "undetected": 0, "fault_coverage": 100.0})
    );
    assert_eq!(
        report["faults_uncollapsed"],
        serde_json::json!({"total": 34, "detected": 34, "undetected": 0, "fault_coverage": 100.0})
    );
    assert_eq!(report["response_mismatches"], 0);
    let curve = report["coverage_curve"].as_array().unwrap();
    assert_eq!(curve.len(), 32);
    assert!(curve.windows(2).all(|w| w[0].as_f64() <= w[1].as_f64()));
    assert_eq!(curve[31], 100.0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(written["faults"], report["faults"]);
    assert_eq!(written["coverage_curve"], report["coverage_curve"]);

    // One wrong expected bit (pattern on line 7, output 23) and a don't-care.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let flip = |c: char| if c == '0' { '1' } else { '0' };
    let last = lines[6].pop().unwrap();
    lines[6].push(flip(last));
    lines[7].replace_range(6..7, "X");
    std::fs::write(&patterns, lines.join("\n")).unwrap();
    let out = atpg(&["fsim", bench.to_str().unwrap(), patterns.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("mismatches   1 expected output bits differ"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("c17.pat:7: output `23`"), "{}", stderr(&out));
    assert!(stdout(&out).contains("34 faults, 34 detected, 0 undetected, 100.00% fault coverage"));
}

#[test]
fn fsim_grades_seeded_random_patterns_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (bench, patterns, _) = c17_patterns(dir.path());
    let bench = bench.to_str().unwrap();
    let run =
        |seed: &str| json(&atpg(&["fsim", bench, "--random", "64", "--seed", seed, "--json"]));
    let report = run("3");
    assert_eq!(report["patterns"], 64);
    assert_eq!(report["patterns_file"], "random");
    assert_eq!(report["response_mismatches"], 0);
    assert_eq!(report["faults_uncollapsed"]["total"], 34);
    assert!(report["faults"]["detected"].as_u64().unwrap() > 0);
    assert_eq!(report["coverage_curve"], run("3")["coverage_curve"], "same seed, same result");
    let phases = report["phase_seconds"].as_object().unwrap();
    for phase in ["read", "patterns", "universe", "collapse", "fault_simulation", "report"] {
        assert!(phases[phase].as_f64().unwrap() >= 0.0, "{phase}");
    }
    // A pattern file or --random, not both and not neither.
    let out = atpg(&["fsim", bench, patterns.to_str().unwrap(), "--random", "8"]);
    assert!(!out.status.success());
    assert!(!atpg(&["fsim", bench]).status.success());
}

#[test]
fn fsim_results_do_not_depend_on_the_thread_count() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let c880 = dir.join("iscas85/c880.bench");
    let circuit = netlist::read_netlist(&c880, &Default::default()).unwrap().levelize().unwrap();
    let inputs = atpg::patterns::PatternSet::random(circuit.num_inputs(), 300, 4);
    let temp = tempfile::tempdir().unwrap();
    let patterns = temp.path().join("random.pat");
    std::fs::write(&patterns, atpg::patterns::text::write_patterns(&circuit, &inputs, None, &[]))
        .unwrap();
    let run = |threads: &str| {
        let mut report = json(&atpg(&[
            "fsim",
            c880.to_str().unwrap(),
            patterns.to_str().unwrap(),
            "--json",
            "--threads",
            threads,
        ]));
        let fields = report.as_object_mut().unwrap();
        fields.remove("seconds");
        fields.remove("phase_seconds");
        report
    };
    let one = run("1");
    assert_eq!(one["patterns"], 300);
    assert!(one["faults"]["detected"].as_u64().unwrap() > 0);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}

#[test]
fn fsim_rejects_bad_pattern_files_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (bench, patterns, _) = c17_patterns(dir.path());
    let cases = [
        (
            "inputs: 1 2 3 6 7\noutputs: 22 23\n0101 10\n",
            "c17.pat:3:1: expected 5 input values, found 4",
        ),
        ("inputs: 1 2 3 6 7\noutputs: 22 23\n01012 10\n", "c17.pat:3:5: unknown value `2`"),
        ("01010 10\n", "c17.pat:1:1: missing header"),
        ("inputs: 1 2 3 6 8\n", "c17.pat:1:17: `8` is not a primary input or flip-flop output"),
    ];
    for (text, message) in cases {
        std::fs::write(&patterns, text).unwrap();
        let out = atpg(&["fsim", bench.to_str().unwrap(), patterns.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    let out =
        atpg(&["fsim", bench.to_str().unwrap(), dir.path().join("none.pat").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("none.pat"), "{}", stderr(&out));
}

#[test]
fn fsim_grades_the_readme_example_patterns() {
    let netlist = repo().join("examples/full_adder.bench");
    let patterns = repo().join("examples/full_adder.patterns");
    let report =
        json(&atpg(&["fsim", netlist.to_str().unwrap(), patterns.to_str().unwrap(), "--json"]));
    assert_eq!(report["patterns"], 8);
    assert_eq!(report["faults_uncollapsed"]["total"], 36);
    assert_eq!(report["faults_uncollapsed"]["detected"], 36);
    assert_eq!(report["response_mismatches"], 0);

    // A wrong expected bit is reported as a mismatch.
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("wrong.patterns");
    let text = std::fs::read_to_string(&patterns).unwrap().replace("111 111", "111 110");
    std::fs::write(&edited, text).unwrap();
    let report =
        json(&atpg(&["fsim", netlist.to_str().unwrap(), edited.to_str().unwrap(), "--json"]));
    assert_eq!(report["response_mismatches"], 1);
}

/// Whether an external tool's absence may be skipped (CI sets `ATPG_REQUIRE_TOOLS`: it may not).
fn skip_missing_tool(why: &str) {
    assert!(
        std::env::var_os("ATPG_REQUIRE_TOOLS").is_none(),
        "ATPG_REQUIRE_TOOLS is set but {why}"
    );
    eprintln!("notice: {why}; check skipped");
}

/// Runs the Semi-ATE STIL parser (`.ci/check_stil.py`) on `file`: true when it accepts it, false
/// when it rejects it, `None` when the parser is not installed.
fn semi_ate_accepts(file: &Path) -> Option<bool> {
    let script = repo().join(".ci/check_stil.py");
    let output = match Command::new("python3").arg(&script).arg(file).output() {
        Ok(output) => output,
        Err(_) => {
            skip_missing_tool("python3 is not installed");
            return None;
        }
    };
    match output.status.code() {
        Some(0) => Some(true),
        Some(1) => {
            eprintln!("{}{}", stdout(&output), stderr(&output));
            Some(false)
        }
        _ => {
            skip_missing_tool("the Semi-ATE STIL parser is not installed");
            None
        }
    }
}

/// `atpg run` with every output, then `atpg fsim` on the text patterns it wrote: the same
/// counts as the run's report, and no response mismatch. Returns the run's report.
fn run_and_regrade(design: &Path, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let name = design.file_stem().unwrap().to_str().unwrap();
    let stil = dir.join(format!("{name}.stil"));
    let text = dir.join(format!("{name}.txt"));
    let report = dir.join(format!("{name}.json"));
    let mut args = vec![
        "run",
        design.to_str().unwrap(),
        "-o",
        stil.to_str().unwrap(),
        "--text",
        text.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = atpg(&args);
    assert!(output.status.success(), "atpg run failed: {}", stderr(&output));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let graded = json(&atpg(&["fsim", design.to_str().unwrap(), text.to_str().unwrap(), "--json"]));
    assert_eq!(graded["response_mismatches"], 0, "{}", design.display());
    assert_eq!(graded["patterns"], run["patterns"], "{}", design.display());
    for list in ["faults", "faults_uncollapsed"] {
        assert_eq!(graded[list]["total"], run[list]["total"], "{list} of {}", design.display());
        assert_eq!(
            graded[list]["detected"],
            run[list]["detected"],
            "{list} of {}",
            design.display()
        );
    }
    assert_eq!(run["faults"]["aborted"], 0, "{}", design.display());
    assert_eq!(run["atpg_efficiency"], 100.0, "{}", design.display());
    if let Some(accepted) = semi_ate_accepts(&stil) {
        assert!(accepted, "Semi-ATE rejects the STIL of {}", design.display());
    }
    run
}

#[test]
fn run_on_the_readme_example_is_regraded_by_fsim() {
    let dir = tempfile::tempdir().unwrap();
    for example in ["examples/mult8.bench", "examples/full_adder.bench"] {
        let run = run_and_regrade(&repo().join(example), dir.path(), &[]);
        assert_eq!(run["faults"]["undetected"], 0);
        assert!(run["patterns"].as_u64().unwrap() > 0);
        for key in ["fault_coverage", "test_coverage", "sat_calls", "sat_conflicts", "seconds"] {
            assert!(!run[key].is_null(), "report has {key}");
        }
    }
}

#[test]
fn run_detects_exactly_the_testable_faults_of_benchmarks() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let table = std::fs::read_to_string(dir.join("TESTABLE.md")).unwrap();
    // The stuck-at table is the first one; later sections are other fault models.
    let stuck_at = table.split("\n## ").next().unwrap();
    let expected = |name: &str| -> (u64, u64) {
        let row = stuck_at
            .lines()
            .find(|l| l.starts_with(&format!("| {name}.bench |")))
            .unwrap_or_else(|| panic!("{name} in TESTABLE.md"));
        let cells: Vec<u64> =
            row.split('|').filter_map(|c| c.trim().replace(',', "").parse().ok()).collect();
        (cells[1], cells[2])
    };
    let tmp = tempfile::tempdir().unwrap();
    for (sub, name) in [
        ("iscas85", "c432"),
        ("iscas85", "c880"),
        ("iscas85", "c1908"),
        ("iscas89", "s27"),
        ("iscas89", "s298"),
        ("iscas89", "s1423"),
        ("iscas89", "s5378"),
        ("itc99", "b04_C"),
    ] {
        let run = run_and_regrade(&dir.join(sub).join(format!("{name}.bench")), tmp.path(), &[]);
        let u = &run["faults_uncollapsed"];
        assert_eq!(
            (u["detected"].as_u64().unwrap(), u["untestable"].as_u64().unwrap()),
            expected(name),
            "{name}"
        );
    }
}

#[test]
fn run_output_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let design = repo().join("examples/mult8.bench");
    let files: Vec<String> = ["1", "2"]
        .iter()
        .map(|threads| {
            let text = dir.path().join(format!("t{threads}.txt"));
            let out = atpg(&[
                "run",
                design.to_str().unwrap(),
                "--threads",
                threads,
                "--seed",
                "7",
                "--text",
                text.to_str().unwrap(),
            ]);
            assert!(out.status.success(), "{}", stderr(&out));
            std::fs::read_to_string(text).unwrap()
        })
        .collect();
    assert_eq!(files[0], files[1]);
}

#[test]
fn run_fails_cleanly_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.bench");
    std::fs::write(&bad, "INPUT(a)\nOUTPUT(y)\ny = FROB(a)\n").unwrap();
    let stil = dir.path().join("out.stil");
    let out = atpg(&["run", bad.to_str().unwrap(), "-o", stil.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.bench:3:"), "{}", stderr(&out));
    assert!(!stil.exists(), "no output file on failure");
    let missing = atpg(&["run", dir.path().join("nope.bench").to_str().unwrap()]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("nope.bench"), "{}", stderr(&missing));
}

/// A spent time limit ends the run with what the random phase found: the faults it did not
/// detect are named in the report as aborted for the time limit, the summary says so, and the
/// pattern file still grades as reported. Limits that are not a positive number are refused.
#[test]
fn run_with_a_spent_time_limit_names_its_aborted_faults() {
    let dir = tempfile::tempdir().unwrap();
    let design = repo().join("examples/mult8.bench");
    let text = dir.path().join("cut.txt");
    let report = dir.path().join("cut.json");
    let out = atpg(&[
        "run",
        design.to_str().unwrap(),
        "--time-limit",
        "1e-9",
        "--random-patterns",
        "256",
        "--text",
        text.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let aborted = run["aborted_faults"].as_array().expect("a list");
    assert!(!aborted.is_empty(), "256 random vectors detected every fault of mult8");
    assert_eq!(aborted.len() as u64, run["faults"]["aborted"].as_u64().unwrap());
    assert!(aborted.iter().all(|a| a["reason"] == "time-limit" && a["fault"].is_string()));
    assert_eq!(run["time_limit"], 1e-9);
    assert_eq!(run["sat_calls"], 0);
    assert!(
        stdout(&out).contains(&format!("aborted      {} at the time limit", aborted.len())),
        "{}",
        stdout(&out)
    );
    let graded = json(&atpg(&["fsim", design.to_str().unwrap(), text.to_str().unwrap(), "--json"]));
    assert_eq!(graded["faults"]["detected"], run["faults"]["detected"]);
    assert_eq!(graded["response_mismatches"], 0);

    for bad in ["0", "-1", "NaN", "inf", "1e300"] {
        let out = atpg(&["run", design.to_str().unwrap(), &format!("--time-limit={bad}")]);
        assert!(!out.status.success(), "--time-limit {bad} accepted");
        assert!(stderr(&out).contains("--time-limit"), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn faults_lists_transition_faults_collapsed_through_buffers_only() {
    let example = repo().join("examples/full_adder.bench");
    let report = json(&atpg(&[
        "faults",
        example.to_str().unwrap(),
        "--model",
        "transition",
        "--list",
        "--json",
    ]));
    assert_eq!(report["model"], "transition");
    assert_eq!(report["total"], 36, "the stuck-at sites, two faults each");
    // Only `carry_out = BUFF(carry)` collapses: the branch carry->carry_out into its output.
    assert_eq!(report["collapsed"], 34);
    let names: Vec<&str> =
        report["faults"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(names.contains(&"a->g/in0 str") && names.contains(&"carry_next stf"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("carry->carry_out")), "{names:?}");
    let dominance = atpg(&[
        "faults",
        example.to_str().unwrap(),
        "--model",
        "transition",
        "--collapse",
        "dominance",
    ]);
    assert!(!dominance.status.success());
    assert!(stderr(&dominance).contains("dominance"), "{}", stderr(&dominance));
}

#[test]
fn transition_runs_are_regraded_by_fsim_in_both_launch_modes() {
    let dir = tempfile::tempdir().unwrap();
    for example in ["examples/full_adder.bench", "examples/mult8.bench"] {
        for launch in ["loc", "los"] {
            if launch == "los" && example.contains("mult8") {
                continue;
            }
            for pi_change in [false, true] {
                let mut extra = vec!["--model", "transition", "--launch", launch];
                if pi_change {
                    extra.push("--pi-change");
                }
                let run = run_and_regrade(&repo().join(example), dir.path(), &extra);
                assert_eq!(run["model"], "transition", "{example} {launch}");
                assert_eq!(run["launch"], launch, "{example} {launch}");
                assert_eq!(run["pi_change"], pi_change, "{example} {launch}");
                let text = std::fs::read_to_string(dir.path().join(format!(
                    "{}.txt",
                    Path::new(example).file_stem().unwrap().to_str().unwrap()
                )))
                .unwrap();
                assert!(text.contains(&format!("launch: {launch}\n")), "{text}");
            }
        }
    }
    // mult8 is combinational: with its inputs held, no transition can be launched.
    let held = run_and_regrade(
        &repo().join("examples/mult8.bench"),
        dir.path(),
        &["--model", "transition", "--launch", "loc"],
    );
    assert_eq!(held["faults"]["detected"], 0);
    // ... and there is nothing to shift.
    let stil = dir.path().join("los.stil");
    let mult8 = repo().join("examples/mult8.bench");
    let out = atpg(&[
        "run",
        mult8.to_str().unwrap(),
        "--model",
        "transition",
        "--launch",
        "los",
        "-o",
        stil.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("launch-on-shift needs flip-flops"), "{}", stderr(&out));
    assert!(!stil.exists());
}

#[test]
fn run_detects_exactly_the_loc_testable_transition_faults_of_benchmarks() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let table = std::fs::read_to_string(dir.join("TESTABLE.md")).unwrap();
    let loc = table
        .split("\n## ")
        .find(|s| s.starts_with("Transition faults, launch-on-capture"))
        .expect("TESTABLE.md has the launch-on-capture table");
    let tmp = tempfile::tempdir().unwrap();
    for (sub, name) in
        [("iscas89", "s27"), ("iscas89", "s298"), ("iscas89", "s1423"), ("itc99", "b04")]
    {
        let row = loc
            .lines()
            .find(|l| l.starts_with(&format!("| {name}.bench |")))
            .unwrap_or_else(|| panic!("{name} in the LOC table"));
        let cells: Vec<u64> =
            row.split('|').filter_map(|c| c.trim().replace(',', "").parse().ok()).collect();
        let run = run_and_regrade(
            &dir.join(sub).join(format!("{name}.bench")),
            tmp.path(),
            &["--model", "transition", "--launch", "loc"],
        );
        let u = &run["faults_uncollapsed"];
        assert_eq!(u["total"].as_u64().unwrap(), cells[0], "{name}");
        assert_eq!(
            (u["detected"].as_u64().unwrap(), u["untestable"].as_u64().unwrap()),
            (cells[1], cells[2]),
            "{name}"
        );
    }
}

#[test]
fn transition_pattern_files_with_errors_are_rejected_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let example = repo().join("examples/full_adder.bench");
    let header = "inputs: a b carry\noutputs: sum carry_out carry_next\n";
    for (name, text, wanted) in [
        ("mode.txt", format!("launch: lox\n{header}"), "p:1:9: unknown launch mode `lox`"),
        ("fields.txt", format!("launch: loc\n{header}011 110\n"), "p:4:8: expected three fields"),
        ("width.txt", format!("launch: loc\n{header}011 1 110\n"), "p:4:5: expected 2 frame-2"),
        (
            "chain.txt",
            format!("launch: loc\nchain: carry\n{header}"),
            "p:2:1: `chain:` lines belong",
        ),
        (
            "cell.txt",
            format!("launch: los\nchain: sum\n{header}"),
            "p:2:8: `sum` is not the output",
        ),
        (
            "cover.txt",
            format!("launch: los\n{header}011 110 000\n"),
            "every flip-flop in a `chain:`",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = atpg(&["fsim", example.to_str().unwrap(), path.to_str().unwrap()]);
        assert!(!out.status.success(), "{name} accepted");
        let wanted = wanted.replacen("p:", &format!("{name}:"), 1);
        assert!(stderr(&out).contains(&wanted), "{name}: {}", stderr(&out));
    }
    // A transition file is no stuck-at testbench input.
    let good = dir.path().join("good.txt");
    std::fs::write(&good, format!("launch: loc\n{header}011 01 110\n")).unwrap();
    let graded = atpg(&["fsim", example.to_str().unwrap(), good.to_str().unwrap(), "--json"]);
    assert_eq!(json(&graded)["model"], "transition");
    let tb = dir.path().join("tb.v");
    let out = atpg(&[
        "testbench",
        example.to_str().unwrap(),
        good.to_str().unwrap(),
        "-o",
        tb.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("transition patterns"), "{}", stderr(&out));
    assert!(!tb.exists());
}

#[test]
fn launch_on_shift_follows_the_chain_file() {
    let dir = tempfile::tempdir().unwrap();
    let design = dir.path().join("three.bench");
    std::fs::write(
        &design,
        "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nq1 = DFF(d1)\nq2 = DFF(d2)\nq3 = DFF(d3)\n\
         d1 = XOR(a, q3)\nd2 = AND(q1, b)\nd3 = OR(q2, a)\ny = NAND(q1, q3)\n",
    )
    .unwrap();
    let chains = dir.path().join("chains.json");
    let chain = |name: &str, k: u32, cells: &[&str]| {
        format!(
            r#"{{"name": "{name}", "scan_in": "si{k}", "scan_out": "so{k}", "scan_enable": "se", "clock": "clk", "cells": {cells:?}}}"#
        )
    };
    let json = format!(
        r#"{{"chains": [{}, {}]}}"#,
        chain("c1", 1, &["q3", "q1"]),
        chain("c2", 2, &["q2"])
    );
    std::fs::write(&chains, json).unwrap();
    let extra =
        ["--model", "transition", "--launch", "los", "--scan-chains", chains.to_str().unwrap()];
    let run = run_and_regrade(&design, dir.path(), &extra);
    assert_eq!(run["launch"], "los");
    let text = std::fs::read_to_string(dir.path().join("three.txt")).unwrap();
    assert!(text.contains("chain: q3 q1\nchain: q2\n"), "{text}");
    let stil = std::fs::read_to_string(dir.path().join("three.stil")).unwrap();
    assert!(stil.contains("Call \"launch_shift\""), "{stil}");
    // Without the file, one chain q1 q2 q3 shifts differently over the same fault list.
    let default =
        run_and_regrade(&design, dir.path(), &["--model", "transition", "--launch", "los"]);
    assert_eq!(default["faults"]["total"], run["faults"]["total"]);
}

#[test]
fn batch_runs_log_progress_lines_at_the_interval_asked() {
    // stderr is a pipe here, as in a batch job: no bar, plain lines instead.
    let mult8 = repo().join("examples/mult8.bench");
    let mult8 = mult8.to_str().unwrap();
    let out = atpg(&["run", mult8, "--progress-interval", "0.000001"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> =
        stderr(&out).lines().filter(|l| l.starts_with("atpg: ")).map(String::from).collect();
    assert!(!lines.is_empty(), "{}", stderr(&out));
    assert!(
        lines.iter().any(|l| l.contains(" sat ") && l.ends_with("faults detected")),
        "{lines:?}"
    );
    // The default interval (30 s) is longer than this run: nothing but the summary on stdout.
    let quiet = atpg(&["run", mult8]);
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("faults detected"), "{}", stderr(&quiet));
    let off = atpg(&["run", mult8, "--progress-interval", "0"]);
    assert!(!stderr(&off).contains("faults detected"), "{}", stderr(&off));
    let bad = atpg(&["run", mult8, "--progress-interval=-1"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--progress-interval"), "{}", stderr(&bad));
}
