//! The `.bench` reader and writer, levelizing, and the compiled circuit.

mod common;

use netlist::bench::{parse_bench, write_bench};
use netlist::generate::{random_netlist, RandomSpec};
use netlist::{GateKind, LevelizeOptions, NetlistError, UndrivenPolicy};
use proptest::prelude::*;

use netlist::testdata::C17_BENCH as C17;

#[test]
fn c17_compiles_to_levelized_arrays() {
    let netlist = parse_bench(C17, "c17.bench").unwrap();
    assert_eq!(netlist.name(), "c17");
    assert_eq!((netlist.inputs().len(), netlist.outputs().len(), netlist.gate_count()), (5, 2, 6));
    let circuit = netlist.levelize().unwrap();
    assert_eq!(circuit.num_nodes(), 11);
    assert_eq!(circuit.num_levels(), 4);
    let names: Vec<&str> = circuit.inputs().map(|n| circuit.node_name(n)).collect();
    assert_eq!(names, ["1", "2", "3", "6", "7"]);
    // Topological and sorted by level.
    for node in circuit.nodes() {
        for &f in circuit.fanin(node) {
            assert!(f < node && circuit.level(f) < circuit.level(node));
        }
    }
    for w in circuit.nodes().collect::<Vec<_>>().windows(2) {
        assert!(circuit.level(w[0]) <= circuit.level(w[1]));
    }
    let n11 = circuit.find_node("11").unwrap();
    let readers: Vec<&str> = circuit.fanout(n11).iter().map(|&n| circuit.node_name(n)).collect();
    assert_eq!(readers, ["16", "19"]);
    let outputs: Vec<&str> = circuit.outputs().iter().map(|&n| circuit.node_name(n)).collect();
    assert_eq!(outputs, ["22", "23"]);
}

#[test]
fn c17_simulation_matches_its_equations() {
    let circuit = parse_bench(C17, "c17.bench").unwrap().levelize().unwrap();
    // All 32 input combinations, one per bit.
    let inputs: Vec<u64> =
        (0..5).map(|i| (0..32u64).filter(|p| p >> i & 1 == 1).fold(0, |w, p| w | 1 << p)).collect();
    let values = circuit.simulate(&inputs);
    let out = circuit.output_values(&values);
    for p in 0..32 {
        let bit = |i: usize| inputs[i] >> p & 1 == 1;
        let (n1, n2, n3, n6, n7) = (bit(0), bit(1), bit(2), bit(3), bit(4));
        let nand = |a: bool, b: bool| !(a && b);
        let (g10, g11) = (nand(n1, n3), nand(n3, n6));
        let (g16, g19) = (nand(n2, g11), nand(g11, n7));
        assert_eq!(out[0] >> p & 1 == 1, nand(g10, g16));
        assert_eq!(out[1] >> p & 1 == 1, nand(g16, g19));
    }
}

#[test]
fn flip_flops_become_pseudo_inputs_and_outputs() {
    let text = "INPUT(a)\nOUTPUT(y)\nq = DFF(d)\nd = AND(a, q)\ny = NOT(q)\n";
    let circuit = parse_bench(text, "t.bench").unwrap().levelize().unwrap();
    assert_eq!(circuit.num_inputs(), 2);
    assert_eq!(circuit.num_primary_inputs(), 1);
    assert_eq!(circuit.node_name(netlist::NodeId(1)), "q");
    let outputs: Vec<&str> = circuit.outputs().iter().map(|&n| circuit.node_name(n)).collect();
    assert_eq!(outputs, ["y", "d"]);
    assert_eq!(circuit.scan_cells()[0].name, "q");
}

fn error_of(text: &str) -> String {
    parse_bench(text, "bad.bench").unwrap_err().to_string()
}

#[test]
fn errors_name_file_line_and_column() {
    assert_eq!(error_of("INPUT(a)\ny = FOO(a)\n"), "bad.bench:2:5: unknown gate `FOO`: expected AND, NAND, OR, NOR, XOR, XNOR, NOT, BUF, BUFF, DFF, MUX or CONST0/1/X");
    assert_eq!(error_of("INPUT(a)\n  y = AND(a b)\n"), "bad.bench:2:13: expected `,` or `)`");
    assert_eq!(error_of("INPUT(a\n"), "bad.bench:1:8: expected `)`");
    assert_eq!(
        error_of("INPUT(a)\ny = NOT(a, a)\n"),
        "bad.bench:2:5: `NOT` takes 1 input(s), found 2"
    );
    assert_eq!(
        error_of("INPUT(a)\ny = NOT(a)\ny = BUFF(a)\n"),
        "bad.bench:3:1: `y` is already defined on line 2"
    );
    assert_eq!(error_of("INPUT(a)\nINPUT(a)\n"), "bad.bench:2:7: `a` is already defined on line 1");
    assert_eq!(
        error_of("WIRE(a)\n"),
        "bad.bench:1:1: unknown declaration `WIRE`: expected INPUT or OUTPUT"
    );
    assert_eq!(error_of("y = AND(a, b) extra\n"), "bad.bench:1:15: expected end of line");
    assert_eq!(error_of("y = AND(a, b"), "bad.bench:1:13: expected `,` or `)`");
}

#[test]
fn errors_come_in_file_order_across_read_ahead_batches() {
    // The reader parses statements some lines ahead of building them: a redefinition must
    // still be reported before a syntax error on a later line, and a name defined and then used
    // within one batch, or across batches, must be the same net.
    let mut text = String::from("INPUT(a)\n");
    for k in 0..200 {
        text.push_str(&format!(
            "n{k} = NOT({})\n",
            if k == 0 { "a".into() } else { format!("n{}", k - 1) }
        ));
    }
    let netlist = parse_bench(&format!("{text}OUTPUT(n199)\n"), "ok.bench").unwrap();
    assert_eq!(netlist.gate_count(), 200);
    assert_eq!(netlist.levelize().unwrap().num_levels(), 201);
    for redefined in [3, 63, 64, 65, 150] {
        let bad = format!("{text}n{redefined} = BUFF(a)\ny = AND(a b)\n");
        assert_eq!(
            error_of(&bad),
            format!("bad.bench:202:1: `n{redefined}` is already defined on line {}", redefined + 2)
        );
    }
    assert_eq!(
        error_of(&format!("{text}y = AND(a b)\nn5 = BUFF(a)\n")),
        "bad.bench:202:11: expected `,` or `)`"
    );
}

#[test]
fn binary_and_empty_files_are_rejected() {
    let dir = tempfile_dir();
    let binary = dir.join("junk.bench");
    std::fs::write(&binary, [0u8, 159, 146, 150, 10, 1, 2]).unwrap();
    let err = netlist::read_netlist(&binary, &Default::default()).unwrap_err().to_string();
    assert!(err.contains("junk.bench:1:2: not a text file"), "{err}");
    let empty = dir.join("empty.bench");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let err = netlist::read_netlist(&empty, &Default::default()).unwrap_err().to_string();
    assert!(err.contains("empty.bench:2:1: the netlist is empty"), "{err}");
    let missing = dir.join("missing.bench");
    assert!(matches!(
        netlist::read_netlist(&missing, &Default::default()),
        Err(NetlistError::Io { .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "netlist-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn combinational_loops_are_named() {
    let text = "INPUT(a)\nOUTPUT(y)\nx = AND(a, z)\nz = NOT(x)\ny = BUFF(z)\n";
    let netlist = parse_bench(text, "loop.bench").unwrap();
    let report = netlist.check();
    assert_eq!(report.loops.len(), 1);
    let err = netlist.levelize().unwrap_err();
    assert_eq!(err.to_string(), "combinational loop through nets: x -> z");
    // Through a flip-flop it is not a loop.
    let text = "INPUT(a)\nOUTPUT(y)\nx = AND(a, z)\nz = DFF(x)\ny = BUFF(z)\n";
    assert!(parse_bench(text, "ok.bench").unwrap().levelize().is_ok());
}

#[test]
fn multiple_drivers_are_an_error() {
    let mut netlist = parse_bench("INPUT(a)\nOUTPUT(y)\ny = NOT(a)\n", "m.bench").unwrap();
    let (a, y) = (netlist.find_net("a").unwrap(), netlist.find_net("y").unwrap());
    netlist.add_gate("second", GateKind::Buf, &[a], y);
    assert_eq!(netlist.check().multiply_driven, vec![y]);
    let err = netlist.levelize().unwrap_err().to_string();
    assert!(err.starts_with("net `y` has 2 drivers: `y` (line 3), `second`"), "{err}");
}

#[test]
fn undriven_nets_follow_the_policy() {
    let netlist = parse_bench("INPUT(a)\nOUTPUT(y)\ny = AND(a, ghost)\n", "u.bench").unwrap();
    assert_eq!(netlist.check().undriven.len(), 1);
    let tied = netlist.levelize().unwrap();
    assert_eq!(tied.num_inputs(), 1);
    assert_eq!(tied.kind(tied.find_node("ghost").unwrap()), GateKind::ConstX);
    let as_input =
        netlist.levelize_with(&LevelizeOptions { undriven: UndrivenPolicy::Input }).unwrap();
    assert_eq!(as_input.num_inputs(), 2);
    assert_eq!(as_input.node_name(netlist::NodeId(1)), "ghost");
}

#[test]
fn every_shared_bench_matches_provenance_counts() {
    let Some(dir) = common::benchmarks() else { return };
    let rows = common::provenance_bench_rows(&dir).unwrap();
    assert!(rows.len() >= 60, "PROVENANCE.md lists {} .bench files", rows.len());
    for row in rows {
        let netlist = netlist::read_netlist(&row.path, &Default::default()).unwrap();
        let counts = (
            netlist.inputs().len(),
            netlist.outputs().len(),
            netlist.flops().len(),
            netlist.gate_count(),
        );
        assert_eq!(
            counts,
            (row.inputs, row.outputs, row.flops, row.gates),
            "{}",
            row.path.display()
        );
        // Undriven nets (s400's `Phi1H`) become X constants, which are nodes of the circuit.
        let circuit = netlist.levelize().unwrap();
        assert_eq!(
            circuit.num_gates(),
            row.gates + netlist.check().undriven.len(),
            "{}",
            row.path.display()
        );
    }
}

fn spec() -> impl Strategy<Value = (u64, RandomSpec)> {
    (any::<u64>(), 1usize..12, 1usize..6, 0usize..6, 0usize..80, any::<bool>(), any::<bool>())
        .prop_map(|(seed, inputs, outputs, flops, gates, extended_kinds, odd_names)| {
            (
                seed,
                RandomSpec {
                    inputs,
                    outputs,
                    flops,
                    gates,
                    max_fanin: 5,
                    extended_kinds,
                    odd_names,
                },
            )
        })
}

proptest! {
    #[test]
    fn bench_write_then_parse_is_identity((seed, spec) in spec()) {
        let original = random_netlist(seed, &spec);
        let text = write_bench(&original).unwrap();
        let back = parse_bench(&text, "roundtrip.bench").unwrap();
        prop_assert_eq!(original.structural_difference(&back), None);
    }

    #[test]
    fn verilog_write_then_parse_is_identity((seed, spec) in spec()) {
        let original = random_netlist(seed, &spec);
        let text = netlist::verilog_writer::write_verilog(&original);
        let back = netlist::verilog::parse_verilog(&text, "roundtrip.v", &Default::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(original.structural_difference(&back), None, "{}", text);
        prop_assert_eq!(back.name(), original.name());
    }

    #[test]
    fn verilog_short_cuts_read_like_the_general_grammar((seed, spec) in spec()) {
        let original = random_netlist(seed, &spec);
        let text = netlist::verilog_writer::write_verilog(&original);
        let general = common::general_grammar_only(&text);
        prop_assert_ne!(&general, &text);
        let read = |text: &str| {
            netlist::verilog::parse_verilog(text, "short_cuts.v", &Default::default())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))
        };
        let (short, long) = (read(&text)?, read(&general)?);
        prop_assert_eq!(short.structural_difference(&long), None, "{}", general);
        prop_assert_eq!(original.structural_difference(&long), None, "{}", general);
    }

    #[test]
    fn levelized_simulation_matches_naive_netlist_evaluation((seed, spec) in spec(), stimulus in any::<u64>()) {
        let netlist = random_netlist(seed, &spec);
        let circuit = netlist.levelize().unwrap();
        let inputs: Vec<u64> = (0..circuit.num_inputs() as u64).map(|i| stimulus.rotate_left(i as u32 * 7) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let values = circuit.simulate(&inputs);
        // Naive: evaluate the netlist graph by recursion from each output.
        let mut memo = std::collections::HashMap::new();
        for (k, &node) in circuit.outputs().iter().enumerate() {
            let net = netlist.find_net(circuit.node_name(node)).unwrap();
            let expected = naive_value(&netlist, &circuit, &inputs, net, &mut memo);
            prop_assert_eq!(values[node.index()], expected, "output {}", k);
        }
    }
}

fn naive_value(
    netlist: &netlist::Netlist,
    circuit: &netlist::Circuit,
    inputs: &[u64],
    net: netlist::NetId,
    memo: &mut std::collections::HashMap<netlist::NetId, u64>,
) -> u64 {
    if let Some(&v) = memo.get(&net) {
        return v;
    }
    let driver = netlist.net_drivers(net)[0];
    let value = match netlist.cell(driver).kind {
        netlist::CellKind::Gate(kind) => {
            let ins: Vec<u64> = netlist
                .cell_inputs(driver)
                .into_iter()
                .map(|n| naive_value(netlist, circuit, inputs, n, memo))
                .collect();
            kind.eval_words(ins)
        }
        // Inputs and flip-flop outputs take their stimulus by position in the circuit.
        _ => inputs[circuit.find_node(netlist.net_name(net)).unwrap().index()],
    };
    memo.insert(net, value);
    value
}
