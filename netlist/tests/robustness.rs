//! Mutated netlists never make a reader panic, and every error points inside the file.

use netlist::bench::parse_bench;
use netlist::verilog::parse_verilog;
use netlist::{Library, ParseError};
use proptest::prelude::*;

/// Source texts to mutate: the shared benchmarks when present, our own examples always.
fn corpus(kind: &str) -> Vec<(String, String)> {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = match kind {
        "bench" => vec![repo.join("examples/full_adder.bench")],
        "verilog" => vec![repo.join("fuzz/seeds/verilog/small.v")],
        _ => vec![repo.join("fuzz/seeds/liberty/small.lib")],
    };
    if let Some(dir) = netlist::testdata::benchmarks() {
        files.extend(match kind {
            "bench" => vec![
                dir.join("iscas85/c17.bench"),
                dir.join("iscas89/s27.bench"),
                dir.join("itc99/b01.bench"),
            ],
            "verilog" => vec![
                dir.join("iscas85/verilog/c17.v"),
                dir.join("iscas89/verilog/s27.v"),
                dir.join("iscas89/verilog/s298.v"),
                dir.join("yosys/s27.v"),
            ],
            _ => vec![dir.join("cells/iwls05_gsclib/gsclib_functions.lib")],
        });
    }
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, char),
    DuplicateLine(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "(",
                ")",
                ",",
                ";",
                "=",
                "\\",
                "[",
                "]",
                "{",
                "}",
                "\"",
                "/*",
                "//",
                "\n",
                " ",
                "endmodule",
                "module m(",
                "1'b",
                "#",
                "INPUT(",
                "assign",
                "é",
                "\0"
            ])
        )
            .prop_map(|(a, s)| Mutation::Insert(a, s.to_string())),
        (any::<usize>(), any::<char>()).prop_map(|(a, c)| Mutation::Replace(a, c)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        match m {
            Mutation::Truncate(a) => text.truncate(boundary(&text, *a)),
            Mutation::Delete(a, n) => {
                let start = boundary(&text, *a);
                let end = boundary(&text, (start + n).min(text.len()));
                text.replace_range(start..end.max(start), "");
            }
            Mutation::Insert(a, s) => text.insert_str(boundary(&text, *a), s),
            Mutation::Replace(a, c) => {
                let start = boundary(&text, *a);
                if let Some(old) = text[start..].chars().next() {
                    text.replace_range(start..start + old.len_utf8(), &c.to_string());
                }
            }
            Mutation::DuplicateLine(a) => {
                let lines: Vec<&str> = text.split('\n').collect();
                let i = a % lines.len();
                let mut out: Vec<&str> = lines.clone();
                out.insert(i, lines[i]);
                text = out.join("\n");
            }
        }
    }
    text
}

fn assert_points_inside(error: &ParseError, text: &str) {
    let lines = text.split('\n').count() as u32;
    assert!(error.pos.line >= 1 && error.pos.line <= lines, "{error} (file has {lines} lines)");
    assert!(error.pos.column >= 1, "{error}");
    assert!(!error.message.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_bench_files_never_panic(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus("bench");
        let (name, text) = &corpus[index % corpus.len()];
        let mutated = apply(text, &mutations);
        match parse_bench(&mutated, name) {
            Ok(netlist) => { let _ = netlist.check(); let _ = netlist.levelize(); }
            Err(e) => assert_points_inside(&e, &mutated),
        }
    }

    #[test]
    fn mutated_verilog_files_never_panic(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus("verilog");
        let (name, text) = &corpus[index % corpus.len()];
        let mutated = apply(text, &mutations);
        match parse_verilog(&mutated, name, &Default::default()) {
            Ok(netlist) => { let _ = netlist.check(); let _ = netlist.levelize(); }
            Err(e) => assert_points_inside(&e, &mutated),
        }
    }

    #[test]
    fn mutated_liberty_files_never_panic(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus("liberty");
        let (name, text) = &corpus[index % corpus.len()];
        let mutated = apply(text, &mutations);
        if let Err(e) = Library::parse(&mutated, name) {
            assert_points_inside(&e, &mutated);
        }
    }
}
