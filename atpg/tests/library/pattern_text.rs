//! The text pattern format: round trips, and errors that name the line and column.

use atpg::patterns::text::{parse_patterns, write_patterns};
use atpg::patterns::{Logic, PatternId, PatternSet};

use super::common::{bench, C17};

const S27ISH: &str = "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nq = DFF(d)\nd = NAND(a, q)\ny = NOT(b)\n";

fn error(text: &str) -> String {
    let circuit = bench(S27ISH);
    parse_patterns(text, "p.txt", &circuit).expect_err("the file is bad").to_string()
}

#[test]
fn written_patterns_read_back_identically() {
    let circuit = bench(C17);
    let mut inputs = PatternSet::new(5);
    let mut expected = PatternSet::new(2);
    for p in 0..70u32 {
        inputs.push_with(|i| match (p + i as u32) % 3 {
            0 => Logic::Zero,
            1 => Logic::One,
            _ => Logic::X,
        });
        expected.push_with(|j| if (p >> j) & 1 == 1 { Logic::One } else { Logic::X });
    }
    let header = vec![("design".to_string(), "c17".to_string())];
    let text = write_patterns(&circuit, &inputs, Some(&expected), &header);
    assert!(text.starts_with("design: c17\ninputs: 1 2 3 6 7\noutputs: 22 23\n"), "{text}");
    let file = parse_patterns(&text, "c17.txt", &circuit).unwrap();
    assert_eq!(file.inputs, inputs);
    assert_eq!(file.expected, expected);
    assert_eq!(file.header, header);
    assert_eq!(file.lines[0], 4);
    assert_eq!(file.inputs.get(PatternId(2), 0), Logic::X);
}

#[test]
fn comments_blank_lines_crlf_and_extra_keys_are_accepted() {
    let circuit = bench(S27ISH);
    let text = "# generated\r\n\r\nformat: text 1\r\n  inputs:  a\tb q \r\noutputs: y d\r\n# the patterns\r\n01x 1X\r\n  110   00  \r\n";
    let file = parse_patterns(text, "p.txt", &circuit).unwrap();
    assert_eq!(file.inputs.len(), 2);
    assert_eq!(file.header, vec![("format".to_string(), "text 1".to_string())]);
    assert_eq!(file.lines, vec![7, 8]);
    assert_eq!(file.inputs.get(PatternId(0), 2), Logic::X);
    assert_eq!(file.expected.get(PatternId(0), 1), Logic::X);
    assert_eq!(file.expected.get(PatternId(1), 1), Logic::Zero);
}

#[test]
fn bad_files_name_line_and_column() {
    let head = "inputs: a b q\noutputs: y d\n";
    // Unknown value characters.
    assert_eq!(
        error(&format!("{head}0z1 10\n")),
        "p.txt:3:2: unknown value `z` in the input values: expected 0, 1 or X"
    );
    assert_eq!(
        error(&format!("{head}011 1-\n")),
        "p.txt:3:6: unknown value `-` in the output values: expected 0, 1 or X"
    );
    // Wrong widths.
    assert_eq!(error(&format!("{head}01 10\n")), "p.txt:3:1: expected 3 input values, found 2");
    assert_eq!(
        error(&format!("# c\n{head}\n011 101\n")),
        "p.txt:5:5: expected 2 output values, found 3"
    );
    assert_eq!(
        error(&format!("{head}011\n")),
        "p.txt:3:4: expected two fields, 3 input values then 2 expected output values"
    );
    assert!(error(&format!("{head}011 10 1\n")).starts_with("p.txt:3:8: unexpected third field"));
    // Missing or misplaced headers.
    assert!(error("011 10\n")
        .starts_with("p.txt:1:1: missing header: a pattern before the `inputs:` line"));
    assert!(error("inputs: a b q\n011 10\n")
        .starts_with("p.txt:2:1: missing header: a pattern before the `outputs:` line"));
    assert!(error("# nothing\n").starts_with("p.txt:1:1: missing header: no `inputs:` line"));
    assert!(error(&format!("{head}011 10\nsource: late\n"))
        .starts_with("p.txt:4:1: header line `source:` after the first pattern (line 3)"));
    assert!(error(&format!("{head}inputs: a b q\n"))
        .starts_with("p.txt:3:1: second `inputs:` line (the first is line 1)"));
    // Names that are not the netlist's, or out of order, or missing.
    assert_eq!(
        error("inputs: a c q\n"),
        "p.txt:1:11: `c` is not a primary input or flip-flop output of the netlist"
    );
    assert!(error("inputs: a q b\n")
        .starts_with("p.txt:1:11: `q` is input 3 of the netlist but is listed as name 2"));
    assert_eq!(
        error("inputs: a b\n"),
        "p.txt:1:12: `inputs:` lists 2 names but the netlist has 3: missing `q`"
    );
    assert_eq!(
        error("inputs: a b q\noutputs: y q\n"),
        "p.txt:2:12: `q` is not a primary output or flip-flop data net of the netlist"
    );
}

#[test]
fn empty_vectors_are_written_as_a_dash() {
    // No inputs at all: a constant circuit.
    let circuit = bench("OUTPUT(y)\ny = CONST1()\n");
    let mut inputs = PatternSet::new(0);
    inputs.push(&[]);
    let text = write_patterns(&circuit, &inputs, None, &[]);
    assert_eq!(text, "inputs: \noutputs: y\n- X\n");
    let file = parse_patterns(&text, "c.txt", &circuit).unwrap();
    assert_eq!(file.inputs.len(), 1);
}

/// Two flip-flops, so that launch-on-shift files can have one or two chains.
const TWO_FLOPS: &str = "INPUT(a)\nINPUT(b)\nOUTPUT(y)\nq = DFF(d)\nr = DFF(e)\n\
                         d = NAND(a, q)\ne = XOR(r, b)\ny = NOR(q, r)\n";

fn logic(v: u8) -> Logic {
    match v % 3 {
        0 => Logic::Zero,
        1 => Logic::One,
        _ => Logic::X,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Transition pattern files survive write -> parse unchanged: launch mode, chains, every
    /// field of every pattern.
    #[test]
    fn transition_patterns_read_back_identically(
        los in proptest::prelude::any::<bool>(),
        split in proptest::prelude::any::<bool>(),
        values in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
    ) {
        use atpg::patterns::text::{write_transition_patterns, TransitionFields};
        use netlist::Launch;
        let circuit = bench(TWO_FLOPS);
        let chains: Vec<Vec<usize>> = match (los, split) {
            (false, _) => Vec::new(),
            (true, false) => vec![vec![1, 0]],
            (true, true) => vec![vec![0], vec![1]],
        };
        let width2 = 2 + chains.len();
        let row = 4 + width2 + 3;
        let (mut inputs, mut frame2, mut expected) =
            (PatternSet::new(4), PatternSet::new(width2), PatternSet::new(3));
        for chunk in values.chunks_exact(row) {
            inputs.push_with(|i| logic(chunk[i]));
            frame2.push_with(|i| logic(chunk[4 + i]));
            expected.push_with(|j| logic(chunk[4 + width2 + j]));
        }
        let launch = if los { Launch::Los } else { Launch::Loc };
        let fields = TransitionFields { launch, chains, frame2 };
        let text = write_transition_patterns(&circuit, &inputs, &fields, Some(&expected), &[]);
        let file = parse_patterns(&text, "t.txt", &circuit).map_err(|e| {
            proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}"))
        })?;
        proptest::prop_assert_eq!(file.inputs, inputs);
        proptest::prop_assert_eq!(file.expected, expected);
        proptest::prop_assert_eq!(file.transition, Some(fields));
    }

    /// Any edit of a valid transition file either parses or fails with an error; never a panic.
    #[test]
    fn mutated_transition_files_never_panic(
        position in 0usize..200,
        byte in proptest::prelude::any::<u8>(),
        delete in proptest::prelude::any::<bool>(),
    ) {
        let circuit = bench(TWO_FLOPS);
        let mut text = b"launch: los\nchain: q r\ninputs: a b q r\noutputs: y d e\n\
                         0110 011 1X0\n1001 100 0X1\n"
            .to_vec();
        let at = position % text.len();
        if delete {
            text.remove(at);
        } else {
            text[at] = byte;
        }
        if let Ok(text) = std::str::from_utf8(&text) {
            let _ = parse_patterns(text, "m.txt", &circuit);
        }
    }
}
