//! The AIGER reader: the examples of the format's definition simulate to their truth tables,
//! binary and ASCII round trips are exact, every EPFL arithmetic `.aig` computes the same
//! functions as its `.v` (random simulation, outputs by name), and malformed files give errors
//! with a position.

use netlist::aiger::{parse_aiger, Aig};
use netlist::{read_netlist, Circuit, ReadOptions};
use rand::{Rng, SeedableRng};

fn circuit(text: &str) -> Circuit {
    let aig = parse_aiger(text.as_bytes(), "test.aag").expect("parses");
    aig.to_netlist("test").levelize().expect("levelizes")
}

/// Output values (bit 0 of each output word) for input values `bits` (input k = bit k).
fn eval(circuit: &Circuit, bits: u32) -> Vec<bool> {
    let inputs: Vec<u64> = (0..circuit.num_inputs()).map(|k| u64::from(bits >> k & 1)).collect();
    let values = circuit.simulate(&inputs);
    circuit.output_values(&values).iter().map(|w| w & 1 == 1).collect()
}

#[test]
fn half_adder_of_the_format_definition() {
    // From "The AIGER And-Inverter Graph (AIG) Format Version 20071012", section "half adder".
    let text = "aag 7 2 0 2 3\n2\n4\n6\n12\n6 13 15\n12 2 4\n14 3 5\ni0 x\ni1 y\no0 s\no1 c\nc\nhalf adder\n";
    let c = circuit(text);
    assert_eq!(c.num_inputs(), 2);
    let names: Vec<&str> = c.outputs().iter().map(|&o| c.node_name(o)).collect();
    assert_eq!(names, ["s", "c"]);
    for bits in 0..4 {
        let (x, y) = (bits & 1 == 1, bits & 2 == 2);
        assert_eq!(eval(&c, bits), [x ^ y, x && y], "x={x} y={y}");
    }
    let aig = parse_aiger(text.as_bytes(), "t.aag").unwrap();
    assert_eq!(aig.comments, ["half adder"]);
}

#[test]
fn toggle_flip_flop_and_constant_outputs() {
    // A latch whose next state is its own complement; outputs: the latch, its complement, and
    // the constants false and true.
    let c = circuit("aag 1 0 1 4 0\n2 3\n2\n3\n0\n1\nl0 q\n");
    assert_eq!(c.scan_cells().len(), 1);
    assert_eq!(c.num_inputs(), 1, "the latch is the only (pseudo) input");
    // Outputs: 4 primary, then the flip-flop's data input.
    assert_eq!(eval(&c, 0), [false, true, false, true, true]);
    assert_eq!(eval(&c, 1), [true, false, false, true, false]);
    assert_eq!(c.node_name(c.inputs().next().unwrap()), "q");
}

#[test]
fn binary_and_ascii_round_trips_are_exact() {
    let aig = parse_aiger(
        b"aag 7 2 0 2 3\n2\n4\n6\n12\n6 13 15\n12 2 4\n14 3 5\ni0 x\ni1 y\no0 s\no1 c\n",
        "t.aag",
    )
    .unwrap();
    assert!(!aig.is_binary_order(), "AND 6 reads 13 and 15, greater literals");
    assert!(aig.write_binary().is_none());
    assert_eq!(parse_aiger(&aig.write_ascii(), "t.aag").unwrap(), aig);

    // The same adder in binary order: the binary encoding of the format definition.
    let ordered = parse_aiger(
        b"aag 5 2 0 2 3\n2\n4\n10\n6\n6 4 2\n8 5 3\n10 9 7\ni0 x\ni1 y\no0 s\no1 c\n",
        "t.aag",
    )
    .unwrap();
    assert!(ordered.is_binary_order());
    let binary = ordered.write_binary().unwrap();
    assert!(binary.starts_with(b"aig 5 2 0 2 3\n10\n6\n\x02\x02\x03\x02\x01\x02"));
    assert_eq!(parse_aiger(&binary, "t.aig").unwrap(), ordered);
}

#[test]
fn epfl_aig_files_round_trip_and_match_their_verilog() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let dir = dir.join("epfl/arithmetic");
    let mut checked = 0;
    for name in ["adder", "bar", "max", "sin", "square", "multiplier"] {
        let aig_path = dir.join(format!("{name}.aig"));
        let bytes = std::fs::read(&aig_path).unwrap();
        let aig: Aig = parse_aiger(&bytes, name).unwrap();
        assert_eq!(aig.write_binary().as_deref(), Some(&bytes[..]), "{name}: binary round trip");
        assert_eq!(parse_aiger(&aig.write_ascii(), name).unwrap(), aig, "{name}: ASCII");

        let from_aig =
            read_netlist(&aig_path, &ReadOptions::default()).unwrap().levelize().unwrap();
        let from_v = read_netlist(&dir.join(format!("{name}.v")), &ReadOptions::default())
            .unwrap()
            .levelize()
            .unwrap();
        assert_equivalent(&from_aig, &from_v, name);
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// 4,096 random patterns through both circuits, inputs and outputs matched by name.
fn assert_equivalent(a: &Circuit, b: &Circuit, label: &str) {
    assert_eq!(a.num_inputs(), b.num_inputs(), "{label}: inputs");
    assert_eq!(a.outputs().len(), b.outputs().len(), "{label}: outputs");
    let b_names = b.name_map();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..64 {
        let stimulus: Vec<u64> = (0..a.num_inputs()).map(|_| rng.gen()).collect();
        let mut b_inputs = vec![0u64; b.num_inputs()];
        for (k, node) in a.inputs().enumerate() {
            let name = a.node_name(node);
            let other = b_names.get(name).unwrap_or_else(|| panic!("{label}: no input {name}"));
            b_inputs[other.index()] = stimulus[k];
        }
        let (va, vb) = (a.simulate(&stimulus), b.simulate(&b_inputs));
        for &o in a.outputs() {
            let name = a.node_name(o);
            let other = b_names.get(name).unwrap_or_else(|| panic!("{label}: no output {name}"));
            assert_eq!(va[o.index()], vb[other.index()], "{label}: output {name} differs");
        }
    }
}

#[test]
fn malformed_files_are_errors_with_positions() {
    let cases: &[(&[u8], &str)] = &[
        (b"aag 1 1 0 0\n", "1:12: expected header field A"),
        (b"aag 1 1 0 0 0\n3\n", "2:1: an input literal must be an even literal"),
        (b"aag 1 1 0 1 0\n2\n4\n", "3:1: output literal 4 exceeds 2M + 1 = 3"),
        (b"aag 2 1 0 1 0\n2\n4\n", "literal 4 is used but variable 2 is never defined"),
        (b"aag 2 1 0 0 1\n2\n2 2 2\n", "3:1: variable 1 (literal 2) is defined twice"),
        (b"aig 2 1 0 0 1\n", "unexpected end of file in the binary AND gates (byte 14)"),
        (b"aig 2 1 0 0 1\n\x05\x00", "2:1: AND gate 0 (literal 4): deltas 5 and 0"),
        (b"aig 3 1 0 0 1\n\x02\x00", "a binary file needs M = I + L + A"),
        (b"aag 1 1 0 0 0\n2\nx0 name\n", "3:1: expected a symbol"),
        (b"aag 1 1 0 0 0\n2\ni1 name\n", "3:1: input symbol 1: there are only 1 inputs"),
        (b"aag 1 0 0 0 0 0 1\n", "header field C (invariant constraints) is 1: not supported"),
        (b"aag 99999999 0 0 0 0\n", "implausibly many"),
        (b"blif\n", "1:1: expected the AIGER header"),
    ];
    for (bytes, expected) in cases {
        let err = parse_aiger(bytes, "bad.aag").expect_err(expected).to_string();
        assert!(err.starts_with("bad.aag:"), "{err}");
        assert!(err.contains(expected), "expected `{expected}` in `{err}`");
    }
}

#[test]
fn read_netlist_takes_aiger_by_extension_and_rejects_empty_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("and.aag");
    std::fs::write(&path, "aag 3 2 0 1 1\n2\n4\n6\n6 2 4\n").unwrap();
    let netlist = read_netlist(&path, &ReadOptions::default()).unwrap();
    assert_eq!(netlist.name(), "and");
    let c = netlist.levelize().unwrap();
    assert_eq!((0..4).map(|b| eval(&c, b)[0]).collect::<Vec<_>>(), [false, false, false, true]);
    let empty = dir.path().join("empty.aig");
    std::fs::write(&empty, "aig 0 0 0 0 0\n").unwrap();
    let err = read_netlist(&empty, &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("the netlist is empty"), "{err}");
}

#[test]
fn comments_ending_in_carriage_returns_round_trip() {
    // Found by the aiger fuzz target: the reader drops one `\r` before a line end (CRLF), so
    // the writer must keep a trailing `\r` of the text itself.
    let text = b"aag 2 2 0 1 0\n2\n4\n2\ni0 x\r\no0 y\nc\n\r\r\r\nplain\r\n";
    let aig = parse_aiger(text, "cr.aag").expect("parses");
    assert_eq!(aig.input_names[0].as_deref(), Some("x"));
    assert_eq!(aig.comments, ["\r\r", "plain"]);
    let back = parse_aiger(&aig.write_ascii(), "cr.aag").expect("written file parses");
    assert_eq!(back, aig);
}
