//! Tests of the STIL writer (`atpg::patterns::stil`) against an independent reader: the Semi-ATE
//! STIL parser, run through `.ci/check_stil.py`, checks syntax and semantics of what we write;
//! a small reader here checks that every value of every pattern is where the documented shift
//! order puts it.
//!
//! Without `python3` or the parser the Semi-ATE checks print a notice and pass, unless
//! `ATPG_REQUIRE_TOOLS` is set (CI sets it), when they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use atpg::patterns::stil::{write_stil, StilOptions};
use atpg::patterns::text::TransitionFields;
use atpg::patterns::{Logic, PatternId, PatternSet};
use atpg::sim::GoodSimulator;
use atpg::transition::Transition;
use netlist::chains::{ScanChain, ScanChains};
use netlist::testdata::C17_BENCH;
use netlist::{Circuit, Launch};

fn bench(text: &str) -> Circuit {
    netlist::bench::parse_bench(text, "test.bench")
        .expect("test netlist parses")
        .levelize()
        .expect("levelizes")
}

/// A full-scan circuit written for these tests, with names STIL must quote or change: brackets,
/// slashes, dots, braces, a double quote, a backslash and a single quote; an output declared
/// twice; an output that is also an input; a flip-flop output that is a primary output.
const ODD_NAMES: &str = r#"
INPUT(a[0])
INPUT(a[1])
INPUT(en/x)
INPUT(it's)
OUTPUT(z)
OUTPUT(z)
OUTPUT(q"2)
OUTPUT(b\c)
OUTPUT(a[1])
q"2 = DFF(n1)
u1/q = DFF(n2)
r.3 = DFF(n3)
s{4} = DFF(n4)
q5 = DFF(n5)
n1 = AND(a[0], u1/q)
n2 = XOR(q"2, en/x)
n3 = NOR(r.3, a[1], s{4})
n4 = NAND(n1, n3)
n5 = OR(q5, it's)
z = XNOR(n4, q5)
b\c = NOT(r.3)
"#;

/// A scan-inserted circuit: the scan ports are ports of the netlist (scan-in and scan enable
/// primary inputs, scan-out a primary output), and each flip-flop's data input is a scan
/// multiplexer `MUX(se, functional, previous cell)`.
const SCAN_INSERTED: &str = "
INPUT(a)
INPUT(b)
INPUT(scan_in_1)
INPUT(scan_enable)
OUTPUT(y)
OUTPUT(scan_out_1)
f1 = DFF(m1)
f2 = DFF(m2)
f3 = DFF(m3)
d1 = AND(a, f3)
d2 = XOR(f1, b)
d3 = NOR(f2, a)
m1 = MUX(scan_enable, d1, scan_in_1)
m2 = MUX(scan_enable, d2, f1)
m3 = MUX(scan_enable, d3, f2)
scan_out_1 = BUF(f3)
y = OR(f1, f2)
";

/// `count` random input vectors and the good circuit's responses to them.
fn random_patterns(circuit: &Circuit, count: usize, seed: u64) -> (PatternSet, PatternSet) {
    let inputs = PatternSet::random(circuit.num_inputs(), count, seed);
    let expected = GoodSimulator::new(circuit).simulate(&inputs);
    (inputs, expected)
}

fn options(chains: Option<&ScanChains>) -> StilOptions<'_> {
    StilOptions {
        design: "test",
        chains,
        annotations: vec![
            "stuck-at faults: 120 total, 118 detected, coverage 98.33%".to_string(),
            "a \"quoted\" * starred line".to_string(),
        ],
        date: None,
        transition: None,
    }
}

fn transition_options<'a>(
    chains: Option<&'a ScanChains>,
    fields: &'a TransitionFields,
) -> StilOptions<'a> {
    StilOptions { transition: Some(fields), ..options(chains) }
}

/// `count` random transition patterns: frame-1 inputs, the expected responses after frame 2
/// (from the two-frame circuit's good machine) and the frame-2 fields.
fn transition_patterns(
    circuit: &Circuit,
    launch: Launch,
    chains: Option<&ScanChains>,
    count: usize,
    seed: u64,
) -> (PatternSet, PatternSet, TransitionFields) {
    let default = ScanChains::one_chain(circuit);
    let resolved = chains.unwrap_or(&default).validate(circuit).expect("valid chains");
    let t = Transition::new(circuit, launch, true, &resolved).expect("unrolls");
    let vectors = PatternSet::random(t.circuit().num_inputs(), count, seed);
    let expected = GoodSimulator::new(t.circuit()).simulate(&vectors);
    let (frame1, fields) = t.split(&vectors);
    (frame1, expected, fields)
}

/// Two chains of unequal length over `ODD_NAMES`'s five flip-flops, in an order of our own.
fn odd_chains() -> ScanChains {
    let chain = |name: &str, port: usize, cells: &[&str]| ScanChain {
        name: name.to_string(),
        scan_in: format!("si[{port}]"),
        scan_out: format!("so[{port}]"),
        scan_enable: "se".to_string(),
        clock: Some("clk".to_string()),
        cells: cells.iter().map(|c| c.to_string()).collect(),
    };
    ScanChains {
        chains: vec![
            chain("long", 0, &["s{4}", "q\"2", "q5"]),
            chain("short/chain", 1, &["r.3", "u1/q"]),
        ],
    }
}

/// Why the Semi-ATE checks cannot run; fails under `ATPG_REQUIRE_TOOLS`, else prints a notice.
fn tool_missing(why: &str) {
    if std::env::var_os("ATPG_REQUIRE_TOOLS").is_some() {
        panic!("ATPG_REQUIRE_TOOLS is set but {why}");
    }
    eprintln!("notice: {why}; skipping the Semi-ATE STIL checks");
}

/// The outcome of `.ci/check_stil.py` on `files`: `Some((passed, output))`, or `None` when the
/// checker cannot run.
fn semi_ate(files: &[PathBuf]) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/check_stil.py");
    let output = match Command::new("python3").arg(&script).args(files).output() {
        Ok(output) => output,
        Err(error) => {
            tool_missing(&format!("python3 cannot be run ({error})"));
            return None;
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    match output.status.code() {
        Some(3) => {
            tool_missing(&format!("the Semi-ATE STIL parser is not installed: {}", text.trim()));
            None
        }
        Some(0) => Some((true, text)),
        Some(1) => Some((false, text)),
        _ => panic!("check_stil.py failed unexpectedly ({}): {text}", output.status),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temporary file writes");
    path
}

/// The STIL files the Semi-ATE parser must accept, as `(file name, text)`.
fn stil_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut add = |name: &str, circuit: &Circuit, chains: Option<&ScanChains>, count: usize| {
        let (inputs, expected) = random_patterns(circuit, count, 7);
        let stil = write_stil(circuit, &inputs, &expected, &options(chains))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        files.push((name.to_string(), stil));
    };
    add("c17.stil", &bench(C17_BENCH), None, 20);
    let odd = bench(ODD_NAMES);
    add("odd_one_chain.stil", &odd, None, 12);
    add("odd_two_chains.stil", &odd, Some(&odd_chains()), 12);
    add("odd_no_patterns.stil", &odd, None, 0);
    add("scan_inserted.stil", &bench(SCAN_INSERTED), None, 10);
    if let Some(dir) = netlist::testdata::benchmarks() {
        let s27 = dir.join("iscas89/s27.bench");
        let netlist = netlist::read_netlist(&s27, &Default::default()).expect("s27 reads");
        add("s27.stil", &netlist.levelize().expect("s27 levelizes"), None, 30);
        // A standard-cell design with clock and reset ports and bus-bit names.
        let library =
            netlist::liberty::read_liberty(&dir.join("cells/sky130hd/sky130hd_tt.lib.gz"))
                .expect("liberty reads");
        let read = netlist::ReadOptions { library: Some(&library), ..Default::default() };
        let gcd = netlist::read_netlist(&dir.join("cells/sky130hd/gcd_sky130hd.v"), &read)
            .expect("gcd reads");
        add("gcd.stil", &gcd.levelize().expect("gcd levelizes"), None, 70);
    }
    // Transition patterns: a launch procedure per pattern, for each launch mode, with and
    // without flip-flops.
    let odd = bench(ODD_NAMES);
    let chains = odd_chains();
    for (name, launch, chains) in [
        ("odd_loc.stil", Launch::Loc, None),
        ("odd_los.stil", Launch::Los, Some(&chains)),
        ("odd_los_one_chain.stil", Launch::Los, None),
    ] {
        let (inputs, expected, fields) = transition_patterns(&odd, launch, chains, 6, 11);
        let stil = write_stil(&odd, &inputs, &expected, &transition_options(chains, &fields))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        files.push((name.to_string(), stil));
    }
    let c17 = bench(C17_BENCH);
    let (inputs, expected, fields) = transition_patterns(&c17, Launch::Loc, None, 5, 12);
    let stil = write_stil(&c17, &inputs, &expected, &transition_options(None, &fields))
        .expect("c17 transition STIL writes");
    files.push(("c17_transition.stil".to_string(), stil));
    files
}

#[test]
fn semi_ate_accepts_what_we_write() {
    let dir = tempfile::tempdir().expect("temporary directory");
    if let Some(keep) = std::env::var_os("STIL_KEEP") {
        for (name, text) in stil_files() {
            write(Path::new(&keep), &name, &text);
        }
    }
    let paths: Vec<PathBuf> =
        stil_files().iter().map(|(name, text)| write(dir.path(), name, text)).collect();
    let Some((passed, output)) = semi_ate(&paths) else { return };
    assert!(passed, "the Semi-ATE parser rejects our STIL:\n{output}");
    assert_eq!(output.matches(": ok").count(), paths.len(), "{output}");
}

#[test]
fn semi_ate_rejects_broken_stil() {
    // The checker must be able to fail: each of these breaks one rule of a valid file.
    let circuit = bench(ODD_NAMES);
    let (inputs, expected) = random_patterns(&circuit, 4, 1);
    let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
    let breaks = [
        ("unclosed_block.stil", stil.replacen("Signals {", "Signals {{", 1)),
        ("undefined_group.stil", stil.replacen("\"_po\" = \\r", "\"_pq\" = \\r", 1)),
        ("undefined_procedure.stil", stil.replacen("Call \"capture\"", "Call \"captur\"", 1)),
        ("group_width.stil", stil.replacen("\"_pi\" = \\r4 #", "\"_pi\" = \\r3 #", 1)),
        ("undefined_wfc.stil", stil.replacen(" P { '0ns' D; '50ns' U; '80ns' D; }", "", 1)),
    ];
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut paths = Vec::new();
    for (name, broken) in breaks {
        assert_ne!(broken, stil, "{name}: the replacement must change the file");
        paths.push(write(dir.path(), name, &broken));
    }
    // One run for all files: building the parser takes seconds, each parse milliseconds.
    let Some((passed, output)) = semi_ate(&paths) else { return };
    assert!(!passed, "{output}");
    for path in &paths {
        let verdict = format!("{}: ", path.display());
        let line = output.lines().find(|l| l.starts_with(&verdict));
        assert!(
            line.is_some_and(|l| !l.ends_with(": ok")),
            "{} was not rejected:\n{output}",
            path.display()
        );
    }
}

/// What a STIL file says about one `Call`: the procedure and its `(signal, data)` arguments.
type Call = (String, Vec<(String, String)>);

/// The `Call`s of the pattern block, data with white space removed.
fn calls(stil: &str) -> Vec<Call> {
    let pattern = &stil[stil.find("Pattern \"_pattern_\"").expect("a pattern block")..];
    pattern
        .split("Call \"")
        .skip(1)
        .map(|call| {
            let (name, rest) = call.split_once('"').expect("closing quote");
            let mut arguments = Vec::new();
            if rest.trim_start().starts_with('{') {
                let body = &rest[rest.find('{').expect("{") + 1..rest.find('}').expect("}")];
                for item in body.split(';').filter(|s| !s.trim().is_empty()) {
                    let (signal, data) = item.split_once(" = ").expect("signal = data");
                    let data = data.chars().filter(|c| !c.is_whitespace()).collect();
                    arguments.push((signal.trim().trim_matches('"').to_string(), data));
                }
            }
            (name.to_string(), arguments)
        })
        .collect()
}

fn argument<'a>(call: &'a Call, signal: &str) -> &'a str {
    match call.1.iter().find(|(s, _)| s == signal) {
        Some((_, data)) => data,
        None => panic!("`{signal}` is not an argument of {call:?}"),
    }
}

fn force(value: Logic) -> char {
    match value {
        Logic::Zero | Logic::X => '0',
        Logic::One => '1',
    }
}

fn compare(value: Logic) -> char {
    match value {
        Logic::Zero => 'L',
        Logic::One => 'H',
        Logic::X => 'X',
    }
}

/// Re-reads every value from the STIL and checks it against the patterns: `_pi` and `_po`
/// against the primary inputs and outputs, and each load and unload string against the chain,
/// read from the scan-out end back (see the module documentation of `atpg::patterns::stil`).
fn check_values(
    circuit: &Circuit,
    chains: &ScanChains,
    scan_ports: &[(&str, &str)],
    inputs: &PatternSet,
    expected: &PatternSet,
    stil: &str,
) {
    let cells = chains.validate(circuit).expect("valid chains");
    let length = cells.iter().map(Vec::len).max().unwrap_or(0);
    let calls = calls(stil);
    let count = inputs.len();
    assert_eq!(calls.len(), 2 * count + 1, "load_unload and capture per pattern, one unload");
    let (npi, npo) = (circuit.num_primary_inputs(), circuit.num_primary_outputs());
    // One `_po` value per distinct output net.
    let mut distinct = Vec::new();
    for &node in &circuit.outputs()[..npo] {
        if !distinct.contains(&node) {
            distinct.push(node);
        }
    }
    for p in 0..count {
        let id = PatternId(p as u32);
        let (load, capture) = (&calls[2 * p], &calls[2 * p + 1]);
        assert_eq!((load.0.as_str(), capture.0.as_str()), ("load_unload", "capture"));
        let pis: String = (0..npi).map(|i| force(inputs.get(id, i))).collect();
        assert_eq!(argument(capture, "_pi"), pis, "pattern {p}: _pi");
        let pos: String = distinct
            .iter()
            .map(|&node| {
                let entry = circuit.outputs().iter().position(|&o| o == node).expect("output");
                compare(expected.get(id, entry))
            })
            .collect();
        assert_eq!(argument(capture, "_po"), pos, "pattern {p}: _po");
        for (chain, &(scan_in, _)) in cells.iter().zip(scan_ports) {
            let data = argument(load, scan_in);
            assert_eq!(data.len(), length, "pattern {p}: every load shifts {length} times");
            // Cell i of the chain (0 next to scan-in) is loaded by character length - 1 - i.
            for (i, &cell) in chain.iter().enumerate() {
                let character = data.as_bytes()[length - 1 - i] as char;
                assert_eq!(character, force(inputs.get(id, npi + cell)), "pattern {p} cell {i}");
            }
            assert!(data[..length - chain.len()].bytes().all(|c| c == b'0'), "padding: {data}");
        }
    }
    for p in 0..count {
        let unload = &calls[2 * p + 2];
        for (chain, &(_, scan_out)) in cells.iter().zip(scan_ports) {
            let data = argument(unload, scan_out);
            assert_eq!(data.len(), length);
            // Cell i of the chain is strobed in cycle len - 1 - i: the last cell first.
            for (i, &cell) in chain.iter().enumerate() {
                let character = data.as_bytes()[chain.len() - 1 - i] as char;
                let value = expected.get(PatternId(p as u32), npo + cell);
                assert_eq!(character, compare(value), "unload of pattern {p}, cell {i}");
            }
            assert!(data[chain.len()..].bytes().all(|c| c == b'X'), "padding: {data}");
        }
    }
    for (_, scan_out) in scan_ports {
        assert!(argument(&calls[0], scan_out).bytes().all(|c| c == b'X'), "first unload");
    }
}

#[test]
fn every_value_is_where_the_shift_order_puts_it() {
    let circuit = bench(ODD_NAMES);
    let (inputs, expected) = random_patterns(&circuit, 9, 3);
    let chains = odd_chains();
    let stil = write_stil(&circuit, &inputs, &expected, &options(Some(&chains))).expect("writes");
    let ports = [("si[0]", "so[0]"), ("si[1]", "so[1]")];
    check_values(&circuit, &chains, &ports, &inputs, &expected, &stil);

    let default = ScanChains::one_chain(&circuit);
    let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
    check_values(&circuit, &default, &[("scan_in_1", "scan_out_1")], &inputs, &expected, &stil);

    let circuit = bench(SCAN_INSERTED);
    let (inputs, expected) = random_patterns(&circuit, 9, 4);
    let default = ScanChains::one_chain(&circuit);
    let stil = write_stil(&circuit, &inputs, &expected, &options(None)).expect("writes");
    check_values(&circuit, &default, &[("scan_in_1", "scan_out_1")], &inputs, &expected, &stil);
}

#[test]
fn names_are_quoted_and_unwritable_characters_replaced() {
    let circuit = bench(ODD_NAMES);
    let (inputs, expected) = random_patterns(&circuit, 2, 5);
    let stil =
        write_stil(&circuit, &inputs, &expected, &options(Some(&odd_chains()))).expect("writes");
    let signals = &stil[stil.find("Signals {").expect("Signals")..];
    let signals = &signals[..signals.find("\n}").expect("end of Signals")];
    let lines: Vec<&str> = signals.lines().skip(1).map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "\"a[0]\" In;",
            "\"a[1]\" In;",
            "\"en/x\" In;",
            "\"it_s\" In;",
            "\"si[0]\" In { ScanIn; }",
            "\"se\" In;",
            "\"clk\" In;",
            "\"si[1]\" In { ScanIn; }",
            "\"z\" Out;",
            "\"q_2\" Out;",
            "\"b_c\" Out;",
            "\"a[1]_1\" Out;",
            "\"so[0]\" Out { ScanOut; }",
            "\"so[1]\" Out { ScanOut; }",
        ]
    );
    for renamed in [
        "Ann {* renamed: it_s is netlist name it's *}",
        "Ann {* renamed: q_2 is netlist name q\\x222 *}",
        "Ann {* renamed: b_c is netlist name b\\\\c *}",
        "Ann {* renamed: a[1]_1 is netlist name a[1] *}",
    ] {
        assert!(stil.contains(renamed), "missing `{renamed}` in\n{stil}");
    }
    assert!(stil.contains("Ann {* a 'quoted' ? starred line *}"), "{stil}");
    assert!(stil.contains("ScanCells\n         \"s{4}\" \"q_2\" \"q5\"\n      ;"), "{stil}");
    assert!(stil.contains("ScanChain \"short/chain\""), "{stil}");
}

#[test]
fn transition_patterns_launch_then_capture() {
    let circuit = bench(ODD_NAMES);
    let chains = odd_chains();
    let npi = circuit.num_primary_inputs();
    for launch in [Launch::Loc, Launch::Los] {
        let (inputs, expected, fields) = transition_patterns(&circuit, launch, Some(&chains), 7, 9);
        let stil =
            write_stil(&circuit, &inputs, &expected, &transition_options(Some(&chains), &fields))
                .expect("writes");
        let calls = calls(&stil);
        let launch_name = if launch == Launch::Loc { "launch" } else { "launch_shift" };
        assert_eq!(calls.len(), 3 * inputs.len() + 1, "load_unload, launch, capture per pattern");
        for p in 0..inputs.len() {
            let id = PatternId(p as u32);
            let names: Vec<&str> = calls[3 * p..3 * p + 3].iter().map(|c| c.0.as_str()).collect();
            assert_eq!(names, ["load_unload", launch_name, "capture"], "pattern {p}");
            let frame1: String = (0..npi).map(|i| force(inputs.get(id, i))).collect();
            let frame2: String = (0..npi).map(|i| force(fields.frame2.get(id, i))).collect();
            assert_eq!(argument(&calls[3 * p + 1], "_pi"), frame1, "pattern {p}: launch _pi");
            assert_eq!(argument(&calls[3 * p + 2], "_pi"), frame2, "pattern {p}: capture _pi");
            if launch == Launch::Los {
                for (c, port) in ["si[0]", "si[1]"].iter().enumerate() {
                    let bit = force(fields.frame2.get(id, npi + c)).to_string();
                    assert_eq!(argument(&calls[3 * p + 1], port), bit, "pattern {p}: scan-in bit");
                }
            }
        }
        let procedure = format!("\"{launch_name}\" {{");
        assert!(stil.contains(&procedure), "{stil}");
    }
    // Patterns made for other chains than the STIL file's are refused.
    let (inputs, expected, fields) = transition_patterns(&circuit, Launch::Los, None, 2, 1);
    let error =
        write_stil(&circuit, &inputs, &expected, &transition_options(Some(&chains), &fields))
            .expect_err("chains differ");
    assert!(error.to_string().contains("other scan chains"), "{error}");
}
