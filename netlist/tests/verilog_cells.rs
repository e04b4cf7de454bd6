//! The cell-preserving Verilog writer: a standard-cell netlist written by
//! `write_verilog_cells` and read back with the same Liberty library has the same instances and
//! computes the same functions (random simulation of every primary output and next state), on
//! library netlists of `../shared/benchmarks` (skipped with a notice when absent) and on random
//! mixes of library cells and primitives generated here.

use netlist::liberty::read_liberty;
use netlist::verilog::{parse_verilog, VerilogOptions};
use netlist::verilog_writer::write_verilog_cells;
use netlist::{Circuit, Library, Netlist, ReadOptions};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Both circuits on the same random inputs and states: the same port and flip-flop names in
/// the same order, the same outputs and next states.
fn assert_same_function(a: &Circuit, b: &Circuit, seed: u64) {
    let names = |c: &Circuit, nodes: Vec<netlist::NodeId>| -> Vec<String> {
        nodes.into_iter().map(|n| c.node_name(n).to_string()).collect()
    };
    let inputs = |c: &Circuit| names(c, c.inputs().take(c.num_primary_inputs()).collect());
    let outputs = |c: &Circuit| names(c, c.outputs()[..c.num_primary_outputs()].to_vec());
    let cells = |c: &Circuit| c.scan_cells().iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(inputs(a), inputs(b), "primary inputs");
    assert_eq!(outputs(a), outputs(b), "primary outputs");
    assert_eq!(cells(a), cells(b), "flip-flops");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..16 {
        let words: Vec<u64> = (0..a.num_inputs()).map(|_| rng.gen()).collect();
        assert_eq!(
            a.output_values(&a.simulate(&words)),
            b.output_values(&b.simulate(&words)),
            "outputs and next states"
        );
    }
}

/// Writes `netlist` with its cells, reads it back with `library`, and checks instances and
/// function; returns the written text.
fn round_trip(netlist: &Netlist, library: &Library, seed: u64) -> String {
    let text = write_verilog_cells(netlist);
    let options = VerilogOptions { library: Some(library), ..Default::default() };
    let back = parse_verilog(&text, "written.v", &options)
        .unwrap_or_else(|e| panic!("the written netlist reads back: {e}\n{text}"));
    let types = |n: &Netlist| -> Vec<(String, String)> {
        n.instances().iter().map(|i| (i.name.clone(), i.cell_type.clone())).collect()
    };
    let (mut a, mut b) = (types(netlist), types(&back));
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same instances");
    assert_eq!(netlist.gate_count(), back.gate_count(), "the same decomposition");
    assert_same_function(
        &netlist.levelize().expect("levelizes"),
        &back.levelize().expect("the written netlist levelizes"),
        seed,
    );
    text
}

#[test]
fn library_netlists_keep_their_cells() {
    let Some(dir) = netlist::testdata::benchmarks() else {
        eprintln!("notice: ../shared/benchmarks absent; skipping the library netlists");
        return;
    };
    for (design, lib) in [
        ("cells/sky130hd/gcd_sky130hd.v", "cells/sky130hd/sky130hd_tt.lib.gz"),
        ("cells/nangate45/gcd_nangate45.v", "cells/nangate45/nangate45_functions.lib"),
        ("cells/iwls05_gsclib/s1196.v", "cells/iwls05_gsclib/gsclib_functions.lib"),
        ("cells/iwls05_gsclib/s5378.v", "cells/iwls05_gsclib/gsclib_functions.lib"),
    ] {
        let library = read_liberty(&dir.join(lib)).expect("library reads");
        let options = ReadOptions { library: Some(&library), ..Default::default() };
        let netlist = netlist::read_netlist(&dir.join(design), &options).expect("design reads");
        let text = round_trip(&netlist, &library, 7);
        // No primitive of a cell is written: the cells are instances.
        let first = &netlist.instances()[0];
        let instance_lines =
            text.lines().filter(|l| l.trim_start().starts_with(&first.cell_type)).count();
        assert!(instance_lines > 0, "{design}");
        let primitives: Vec<&str> = text
            .lines()
            .filter(|l| {
                let word = l.split_whitespace().next().unwrap_or("");
                // (`buf` is an `assign` of the source.)
                ["and", "nand", "or", "nor", "xor", "xnor", "not"].contains(&word)
                    || l.contains("$_DFF")
            })
            .collect();
        assert!(primitives.is_empty(), "{design}: {primitives:?}");
    }
}

/// A tiny library: a NAND, an inverter, a D flip-flop with an active-low clear and inverted
/// output, and a cell with no outputs.
const TINY_LIB: &str = r#"
library (tiny) {
  cell (NAND2) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "!(A & B)"; }
  }
  cell (INV) {
    pin (A) { direction : input; }
    pin (Y) { direction : output; function : "!A"; }
  }
  cell (DFFR) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; clear : "!RN"; }
    pin (D) { direction : input; }
    pin (CK) { direction : input; clock : true; }
    pin (RN) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
  cell (FILL) { area : 1; }
}
"#;

/// A random netlist of library cells and primitives: `cells` picks for each of `n` items a
/// NAND, an inverter, a flip-flop, a filler or a primitive XOR, each reading earlier signals.
fn random_mixed(library: &Library, seed: u64, n: usize) -> Netlist {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut netlist = Netlist::new("mixed");
    let mut signals = Vec::new();
    for name in ["a", "b", "c"] {
        let net = netlist.net(name);
        netlist.add_input(net);
        signals.push(net);
    }
    let (clk, rn) = (netlist.net("clk"), netlist.net("rn"));
    netlist.add_input(clk);
    netlist.add_input(rn);
    let pos = netlist::SourcePos::default();
    for k in 0..n {
        let pick = |rng: &mut ChaCha8Rng| signals[rng.gen_range(0..signals.len())];
        let (x, y) = (pick(&mut rng), pick(&mut rng));
        let out = netlist.net(&format!("n{k}"));
        let name = format!("u{k}");
        let cell = |c: &str| library.cell(c).expect("tiny cell");
        match rng.gen_range(0..5) {
            0 => {
                cell("NAND2")
                    .instantiate(&mut netlist, &name, &[("A", x), ("B", y), ("Y", out)], pos)
                    .expect("instantiates");
            }
            1 => {
                cell("INV")
                    .instantiate(&mut netlist, &name, &[("A", x), ("Y", out)], pos)
                    .expect("instantiates");
            }
            2 => {
                // Q or QN unconnected at random.
                let mut pins = vec![("D", x), ("CK", clk), ("RN", rn)];
                pins.push(if rng.gen() { ("Q", out) } else { ("QN", out) });
                if rng.gen() {
                    let other = netlist.net(&format!("m{k}"));
                    pins.push(if pins[3].0 == "Q" { ("QN", other) } else { ("Q", other) });
                    signals.push(other);
                }
                cell("DFFR").instantiate(&mut netlist, &name, &pins, pos).expect("instantiates");
            }
            3 => {
                cell("FILL").instantiate(&mut netlist, &name, &[], pos).expect("instantiates");
                continue;
            }
            _ => {
                netlist.add_gate(name, netlist::GateKind::Xor, &[x, y], out);
            }
        }
        signals.push(out);
    }
    // Ports that are both input and output are written once, as inputs (as `write_verilog`
    // does), so outputs are picked among the cells' nets.
    for &net in signals[3..].iter().rev().take(3) {
        netlist.add_output(net);
    }
    netlist
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_cell_netlists_round_trip(seed in any::<u64>(), n in 1usize..40) {
        let library = Library::parse(TINY_LIB, "tiny.lib").expect("tiny library");
        let netlist = random_mixed(&library, seed, n);
        round_trip(&netlist, &library, seed);
    }
}
