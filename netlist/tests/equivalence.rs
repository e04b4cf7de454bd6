//! The ISCAS `.bench` and Verilog versions of each circuit compute the same functions: 10,000
//! random patterns through both compiled circuits, outputs compared by name.
//!
//! ISCAS-85 Verilog names nets `N<bench name>`; c2670.v and c7552.v have extra buffers, which
//! change internal nets but not port functions. ISCAS-89 Verilog adds a clock port (a clock of the
//! circuit, not a pattern input) and, in the switch-level files, `GND`/`VDD` ports that feed
//! nothing. Flip-flops are matched by the name of their Q net. c2670.v splits each net that is
//! both an input and an output in the `.bench` into `N<x>_I`, a buffer, and `N<x>_O`. The
//! Verilog files spell `.` in names as `_`, and s953.v doubles every `I` in names
//! (`FullIHS1` is `FullIIHS1`).

use netlist::{Circuit, ReadOptions};
use rand::{Rng, SeedableRng};

const PATTERNS: usize = 10_000;

fn words() -> usize {
    PATTERNS.div_ceil(64)
}

/// The name a `.bench` net has in the Verilog file (s420.1 `P.0` is `P_0` in s420.v).
fn verilog_name(bench_name: &str, prefix: &str) -> String {
    format!("{prefix}{}", bench_name.replace('.', "_"))
}

/// Simulates both circuits on the same random stimulus and compares every primary output and
/// every flip-flop's next state.
fn assert_equivalent(bench: &Circuit, verilog: &Circuit, prefix: &str, label: &str) {
    let vmap = verilog.name_map();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
    // Stimulus per Verilog input; bench inputs take the value of their namesake.
    let stimulus: Vec<Vec<u64>> =
        (0..verilog.num_inputs()).map(|_| (0..words()).map(|_| rng.gen()).collect()).collect();
    let bench_inputs: Vec<usize> = bench
        .inputs()
        .map(|n| {
            let name = verilog_name(bench.node_name(n), prefix);
            let node = vmap
                .get(name.as_str())
                .or_else(|| vmap.get(format!("{name}_I").as_str()))
                .or_else(|| vmap.get(name.replace('I', "II").as_str()))
                .unwrap_or_else(|| panic!("{label}: input `{name}` missing in Verilog"));
            assert!(
                node.index() < verilog.num_inputs(),
                "{label}: `{name}` is not an input in Verilog"
            );
            node.index()
        })
        .collect();
    // Outputs: primary by name, pseudo by the flip-flop's Q name.
    // Primary outputs by name (the files may declare them in different orders).
    let verilog_po: std::collections::HashMap<&str, usize> = verilog.outputs()
        [..verilog.num_primary_outputs()]
        .iter()
        .enumerate()
        .map(|(k, &n)| (verilog.node_name(n), k))
        .collect();
    let po_pairs: Vec<(usize, usize, String)> = bench.outputs()[..bench.num_primary_outputs()]
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let name = verilog_name(bench.node_name(n), prefix);
            let j = verilog_po
                .get(name.as_str())
                .or_else(|| verilog_po.get(format!("{name}_O").as_str()))
                .or_else(|| verilog_po.get(name.replace('I', "II").as_str()))
                .unwrap_or_else(|| panic!("{label}: output `{name}` missing in Verilog"));
            (k, *j, name)
        })
        .collect();
    assert_eq!(po_pairs.len(), verilog.num_primary_outputs(), "{label}: output counts differ");
    let verilog_flop_by_q: std::collections::HashMap<String, usize> = verilog
        .scan_cells()
        .iter()
        .enumerate()
        .map(|(i, c)| (verilog.node_name(c.q).to_string(), i))
        .collect();
    let flop_pairs: Vec<(usize, usize)> = bench
        .scan_cells()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = verilog_name(bench.node_name(c.q), prefix);
            let j = *verilog_flop_by_q
                .get(&name)
                .or_else(|| verilog_flop_by_q.get(&name.replace('I', "II")))
                .unwrap_or_else(|| panic!("{label}: flip-flop `{name}` missing in Verilog"));
            (i, j)
        })
        .collect();
    assert_eq!(flop_pairs.len(), verilog.scan_cells().len(), "{label}: flip-flop counts differ");

    for w in 0..words() {
        let v_in: Vec<u64> = stimulus.iter().map(|s| s[w]).collect();
        let b_in: Vec<u64> = bench_inputs.iter().map(|&i| v_in[i]).collect();
        let b_out = bench.output_values(&bench.simulate(&b_in));
        let v_out = verilog.output_values(&verilog.simulate(&v_in));
        let (bpo, vpo) = (bench.num_primary_outputs(), verilog.num_primary_outputs());
        for (k, j, name) in &po_pairs {
            assert_eq!(b_out[*k], v_out[*j], "{label}: output `{name}` differs in word {w}");
        }
        for &(i, j) in &flop_pairs {
            assert_eq!(
                b_out[bpo + i],
                v_out[vpo + j],
                "{label}: next state of flip-flop {i} differs in word {w}"
            );
        }
    }
}

fn check_suite(folder: &str, prefix: &str) {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let mut compared = 0;
    let mut entries: Vec<_> =
        std::fs::read_dir(dir.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for bench_path in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "bench")) {
        let stem = bench_path.file_stem().unwrap().to_str().unwrap();
        // For these circuits the Verilog file is the `.1` variant (s420.v is s420.1.bench); the
        // plain s9234, s13207, ... have a different I/O split and no Verilog twin.
        let v_stem = stem.strip_suffix(".1").unwrap_or(stem);
        let twin_is_dotted =
            matches!(v_stem, "s420" | "s838" | "s9234" | "s13207" | "s15850" | "s38584");
        let verilog_path = dir.join(folder).join("verilog").join(format!("{v_stem}.v"));
        if !verilog_path.exists() || twin_is_dotted != (stem != v_stem) {
            continue;
        }
        let bench = netlist::read_netlist(&bench_path, &ReadOptions::default())
            .unwrap()
            .levelize()
            .unwrap();
        let verilog = netlist::read_netlist(&verilog_path, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .levelize()
            .unwrap();
        assert_equivalent(&bench, &verilog, prefix, stem);
        compared += 1;
    }
    eprintln!("{folder}: {compared} circuits equivalent");
    assert!(compared >= 10, "only {compared} pairs compared in {folder}");
}

#[test]
fn iscas85_bench_and_verilog_are_equivalent() {
    check_suite("iscas85", "N");
}

#[test]
fn iscas89_bench_and_verilog_are_equivalent() {
    check_suite("iscas89", "");
}

#[test]
fn a_changed_gate_is_caught() {
    // The comparison must be able to fail: flip one gate of c17 and expect a difference.
    let good = "INPUT(1)\nINPUT(2)\nOUTPUT(3)\n3 = NAND(1, 2)\n";
    let bad = "module m (N1, N2, N3); input N1, N2; output N3; nor g (N3, N1, N2); endmodule\n";
    let bench = netlist::bench::parse_bench(good, "g.bench").unwrap().levelize().unwrap();
    let verilog = netlist::verilog::parse_verilog(bad, "b.v", &Default::default())
        .unwrap()
        .levelize()
        .unwrap();
    let result = std::panic::catch_unwind(|| assert_equivalent(&bench, &verilog, "N", "mutant"));
    assert!(result.is_err());
}
