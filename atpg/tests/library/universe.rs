//! The uncollapsed fault universe: the counting rule, pinned on small circuits and on every
//! benchmark listed in TESTABLE.md.

use atpg::fault::{FaultUniverse, SiteKind};

use super::common::{bench, benchmark, read, read_cells, C17};

fn categories(universe: &FaultUniverse) -> [usize; 5] {
    universe.sites_by_category()
}

#[test]
fn c17_has_34_faults_22_stems_and_12_branches() {
    let circuit = bench(C17);
    let universe = FaultUniverse::new(&circuit);
    assert_eq!(universe.len(), 34);
    // 11 nets; nets 3, 11 and 16 have two sinks each.
    assert_eq!(categories(&universe), [11, 6, 0, 0, 0]);
    let names: Vec<String> = (0..universe.num_sites() as u32)
        .map(|s| universe.site_name(&circuit, atpg::fault::SiteId(s)))
        .collect();
    assert!(names.contains(&"3->10/in1".to_string()), "{names:?}");
    assert!(names.contains(&"16->23/in0".to_string()), "{names:?}");
}

#[test]
fn sinks_count_pins_flop_data_and_output_declarations() {
    // `a` feeds both pins of g1 (two sinks) and nothing else; `g1` feeds a flop and is declared
    // an output twice (three sinks); `q` feeds nothing; `u` is read once.
    let circuit = bench(
        "INPUT(a)\nINPUT(u)\nOUTPUT(g1)\nOUTPUT(g1)\nq = DFF(g1)\ng1 = AND(a, a)\ng2 = NOT(u)\n",
    );
    let universe = FaultUniverse::new(&circuit);
    // Nets a, u, q, g1, g2: 5 stems; branches: a x2, g1 x3.
    assert_eq!(categories(&universe), [5, 2, 0, 2, 1]);
    assert_eq!(universe.len(), 2 * 10);
    let g1 = circuit.find_node("g1").unwrap();
    assert_eq!(universe.sink_count(g1), 3);
    let a = circuit.find_node("a").unwrap();
    assert_eq!(universe.sink_count(a), 2);
    assert_eq!(universe.sink_count(circuit.find_node("u").unwrap()), 1);
}

#[test]
fn published_universe_sizes_of_c432_and_c7552() {
    for (file, faults) in [("iscas85/c432.bench", 864), ("iscas85/c7552.bench", 15104)] {
        let Some(path) = benchmark(file) else { return };
        let circuit = read(&path).levelize().unwrap();
        assert_eq!(FaultUniverse::new(&circuit).len(), faults, "{file}");
    }
}

/// Rows `| name.bench | faults | ...` of the first (stuck-at) table of TESTABLE.md.
fn testable_rows(text: &str) -> Vec<(String, usize, usize)> {
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") && !rows.is_empty() {
            break; // the next table is about transition faults
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(name), Some(total), Some(testable)) = (cells.get(1), cells.get(2), cells.get(3))
        else {
            continue;
        };
        if let (true, Ok(total), Ok(testable)) =
            (name.ends_with(".bench"), total.parse(), testable.parse())
        {
            rows.push((name.to_string(), total, testable));
        }
    }
    rows
}

#[test]
fn universe_matches_every_row_of_testable_md() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let text = std::fs::read_to_string(dir.join("TESTABLE.md")).unwrap();
    let rows = testable_rows(&text);
    assert_eq!(rows.len(), 56, "TESTABLE.md's stuck-at table");
    for (name, total, _) in rows {
        let folder = ["iscas85", "iscas89", "itc99"]
            .iter()
            .map(|f| dir.join(f).join(&name))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name} is in no benchmark folder"));
        let circuit = read(&folder).levelize().unwrap();
        assert_eq!(FaultUniverse::new(&circuit).len(), total, "{name}");
    }
}

/// A hand-written standard-cell netlist: the sites are cell pins, not decomposed nets.
#[test]
fn cell_netlists_put_sites_on_cell_pins() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("cells.lib");
    std::fs::write(
        &lib,
        r#"library(test) {
  cell(XOR2) { pin(A) { direction: input; } pin(B) { direction: input; }
    pin(Y) { direction: output; function: "(A&!B)|(!A&B)"; } }
  cell(INV) { pin(A) { direction: input; } pin(Y) { direction: output; function: "!A"; } }
  cell(DFF) { ff(IQ, IQN) { next_state: "D"; clocked_on: "CK"; }
    pin(D) { direction: input; } pin(CK) { direction: input; clock: true; }
    pin(Q) { direction: output; function: "IQ"; } pin(QN) { direction: output; function: "IQN"; } }
}
"#,
    )
    .unwrap();
    let v = dir.path().join("top.v");
    std::fs::write(
        &v,
        "module top(input a, b, clk, output y, z);\n\
         wire n1, q, qn;\n\
         XOR2 u1 (.A(a), .B(b), .Y(n1));\n\
         INV u2 (.A(n1), .Y(y));\n\
         DFF r1 (.D(n1), .CK(clk), .Q(q), .QN(qn));\n\
         XOR2 u3 (.A(q), .B(qn), .Y(z));\n\
         endmodule\n",
    )
    .unwrap();
    let netlist = read_cells(&v, &lib);
    let circuit = netlist.levelize().unwrap();
    let universe = FaultUniverse::new(&circuit);
    // Nets (stems): a, b, n1, y, q, qn, z = 7 (clk is a clock: no site; nets inside XOR2 none).
    // Sinks: a 1 (u1/A, read twice inside), b 1, n1 2 (u2/A, r1/D), q 1, qn 1, y 1 (PO), z 1.
    assert_eq!(categories(&universe), [7, 0, 2, 0, 0], "{:?}", names(&universe, &circuit));
    let names = names(&universe, &circuit);
    assert!(
        names.contains(&"u2/A".to_string()) && names.contains(&"r1/D".to_string()),
        "{names:?}"
    );
    assert!(universe.sites().iter().all(|s| s.kind != SiteKind::GateInput { gate: s.net, pin: 0 }));
}

fn names(universe: &FaultUniverse, circuit: &netlist::Circuit) -> Vec<String> {
    (0..universe.num_sites() as u32)
        .map(|s| universe.site_name(circuit, atpg::fault::SiteId(s)))
        .collect()
}
