//! Helpers shared by the test binaries: small circuits, the exhaustive reference every verdict
//! is held to, and whether the Verilog simulator is there. Each test binary uses a part of them.
#![allow(dead_code)]

use atpg::fault::FaultUniverse;
use atpg::patterns::{Logic, PatternSet};
use atpg::sim::serial::serial_detections;
use netlist::generate::{random_netlist, RandomSpec};
use netlist::{Circuit, GateKind};

pub fn bench(text: &str) -> Circuit {
    netlist::bench::parse_bench(text, "test.bench")
        .expect("test netlist parses")
        .levelize()
        .expect("levelizes")
}

/// A random circuit with at most `inputs + flops` inputs; with `undriven`, X sources (an
/// undriven net read by a few gates) that outputs can see.
pub fn random_circuit(
    seed: u64,
    inputs: usize,
    gates: usize,
    flops: usize,
    undriven: bool,
) -> Circuit {
    let spec = RandomSpec {
        inputs,
        outputs: 3,
        flops,
        gates,
        max_fanin: 4,
        extended_kinds: true,
        odd_names: false,
    };
    let mut netlist = random_netlist(seed, &spec);
    if undriven {
        let floating = netlist.net("floating");
        let a = netlist.find_net("pi0").expect("pi0 exists");
        let b = netlist.find_net(&format!("pi{}", inputs - 1)).expect("last input exists");
        for (name, kind, fanin) in [
            ("x_or", GateKind::Or, vec![a, floating]),
            ("x_xor", GateKind::Xor, vec![floating, b]),
            ("x_mux", GateKind::Mux, vec![floating, a, b]),
        ] {
            let out = netlist.net(name);
            netlist.add_gate(name, kind, &fanin, out);
            netlist.add_output(out);
        }
        // An X that reconverges: XOR of two X-tainted signals is X to the simulator.
        let x_or = netlist.find_net("x_or").expect("added above");
        let x_mux = netlist.find_net("x_mux").expect("added above");
        let out = netlist.net("x_reconverge");
        netlist.add_gate("x_reconverge", GateKind::Xnor, &[x_or, x_mux], out);
        netlist.add_output(out);
    }
    netlist.levelize().expect("random netlists levelize")
}

/// Per fault, whether some fully specified input vector detects it (three-valued simulation,
/// undriven nets X), by the serial reference simulator over all `2^n` vectors.
pub fn exhaustively_detectable(circuit: &Circuit, universe: &FaultUniverse) -> Vec<bool> {
    let n = circuit.num_inputs();
    assert!(n <= 12, "exhaustive check limited to 12 inputs, got {n}");
    let mut patterns = PatternSet::new(n);
    for v in 0u32..1 << n {
        patterns.push_with(|i| if v >> i & 1 == 1 { Logic::One } else { Logic::Zero });
    }
    let faults: Vec<_> = universe.faults().collect();
    serial_detections(circuit, universe, &patterns, &faults)
        .iter()
        .map(|blocks| blocks.iter().any(|&m| m != 0))
        .collect()
}

/// Whether `iverilog` and `vvp` can be run; when not, a notice that `what` is skipped (or, with
/// `ATPG_REQUIRE_TOOLS` set, a failure).
pub fn simulator_available(what: &str) -> bool {
    let runs = |tool: &str| std::process::Command::new(tool).arg("-V").output().is_ok();
    if runs("iverilog") && runs("vvp") {
        return true;
    }
    assert!(
        std::env::var_os("ATPG_REQUIRE_TOOLS").is_none(),
        "ATPG_REQUIRE_TOOLS is set but iverilog/vvp cannot be run (install them: apt-get install iverilog)"
    );
    eprintln!("notice: iverilog/vvp not installed; skipping {what}");
    false
}
