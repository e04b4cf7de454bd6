//! Helpers shared by the integration tests.
// Each test binary uses part of this module.
#![allow(dead_code, unused_imports)]

pub use netlist::testdata::{benchmarks, provenance_bench_rows};

/// Verilog `text` rewritten so that the reader's short cuts for plain statements do not apply
/// and every statement goes through its general grammar, meaning the same: every gate terminal
/// that is a plain name is written `(name )`, and every `wire` declaration gets a strength.
pub fn general_grammar_only(text: &str) -> String {
    const GATES: [&str; 12] = [
        "and", "nand", "or", "nor", "xor", "xnor", "not", "buf", "bufif0", "bufif1", "notif0",
        "notif1",
    ];
    text.lines()
        .map(|line| {
            let word = line.trim_start().split([' ', '(']).next().unwrap_or("");
            if word == "wire" {
                return line.replacen("wire", "wire (strong0, strong1)", 1);
            }
            if !GATES.contains(&word) {
                return line.to_string();
            }
            // Inside the outermost parentheses, each `,`- or `)`-ended terminal is wrapped.
            let mut out = String::new();
            let mut depth = 0;
            let mut term = String::new();
            for ch in line.chars() {
                match ch {
                    '(' => {
                        depth += 1;
                        out.push(ch);
                    }
                    ',' | ')' if depth == 1 => {
                        let t = term.trim();
                        if !t.is_empty() {
                            // The blank ends an escaped identifier before the `)`.
                            out.push_str(&format!(" ({t} )"));
                        }
                        term.clear();
                        if ch == ')' {
                            depth -= 1;
                        }
                        out.push(ch);
                    }
                    _ if depth == 1 => term.push(ch),
                    _ => out.push(ch),
                }
            }
            out.push_str(&term);
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}
