//! Circuit generators shared by tests, fuzz targets and benchmarks (feature `generators`).
//!
//! Everything is deterministic for a given seed.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::gate::GateKind;
use crate::netlist::{FlopInfo, NetId, Netlist};

/// Shape of a random netlist.
#[derive(Debug, Clone, Copy)]
pub struct RandomSpec {
    /// Primary inputs (at least 1).
    pub inputs: usize,
    /// Primary outputs (at least 1).
    pub outputs: usize,
    /// Flip-flops.
    pub flops: usize,
    /// Combinational gates.
    pub gates: usize,
    /// Largest fanin of AND/OR-type gates (at least 2).
    pub max_fanin: usize,
    /// Include multiplexers and constants, beyond the `.bench` gate set.
    pub extended_kinds: bool,
    /// Name nets in styles that need escaping in Verilog (`12`, `a[3]`, `x.y`).
    pub odd_names: bool,
}

impl Default for RandomSpec {
    fn default() -> Self {
        RandomSpec {
            inputs: 8,
            outputs: 4,
            flops: 0,
            gates: 50,
            max_fanin: 4,
            extended_kinds: false,
            odd_names: false,
        }
    }
}

fn net_name(rng: &mut ChaCha8Rng, prefix: &str, index: usize, odd: bool) -> String {
    if !odd {
        return format!("{prefix}{index}");
    }
    match rng.gen_range(0..4) {
        0 => format!("{index}{prefix}"),
        1 => format!("{prefix}[{index}]"),
        2 => format!("{prefix}.{index}"),
        _ => format!("{prefix}_{index}"),
    }
}

/// A random netlist with the given shape: gates read earlier nets (so it is acyclic through the
/// combinational part), flip-flops feed back from anywhere.
pub fn random_netlist(seed: u64, spec: &RandomSpec) -> Netlist {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut netlist = Netlist::new(format!("random_{seed}"));
    let mut sources: Vec<NetId> = Vec::new();
    for i in 0..spec.inputs.max(1) {
        let name = net_name(&mut rng, "pi", i, spec.odd_names);
        let net = netlist.net(&name);
        netlist.add_input(net);
        sources.push(net);
    }
    let mut flop_q = Vec::new();
    for i in 0..spec.flops {
        let name = net_name(&mut rng, "q", i, spec.odd_names);
        let net = netlist.net(&name);
        flop_q.push(net);
        sources.push(net);
    }
    let mut kinds = vec![
        GateKind::And,
        GateKind::Nand,
        GateKind::Or,
        GateKind::Nor,
        GateKind::Xor,
        GateKind::Xnor,
        GateKind::Not,
        GateKind::Buf,
    ];
    if spec.extended_kinds {
        kinds.extend([GateKind::Mux, GateKind::Const0, GateKind::Const1]);
    }
    let mut gate_outputs = Vec::new();
    for g in 0..spec.gates {
        let kind = *kinds.choose(&mut rng).expect("kinds is non-empty");
        let (min, max) = kind.arity();
        let count =
            if max == usize::MAX { rng.gen_range(min.max(2)..=spec.max_fanin.max(2)) } else { min };
        // Prefer recent nets so the circuit gets depth, but reach back anywhere.
        let inputs: Vec<NetId> = (0..count)
            .map(|_| {
                let n = sources.len();
                if rng.gen_bool(0.6) {
                    sources[n - 1 - rng.gen_range(0..n.min(16))]
                } else {
                    sources[rng.gen_range(0..n)]
                }
            })
            .collect();
        let name = net_name(&mut rng, "n", g, spec.odd_names);
        let out = netlist.net(&name);
        netlist.add_gate(name, kind, &inputs, out);
        sources.push(out);
        gate_outputs.push(out);
    }
    for (i, &q) in flop_q.iter().enumerate() {
        let d = sources[rng.gen_range(0..sources.len())];
        let name = format!("ff{i}");
        netlist.add_flop(name, d, q, FlopInfo::default());
    }
    // Outputs: distinct nets, drawn from the most recent gates (or, without gates, from the
    // flip-flop outputs) so that most logic is observable. Never a primary input: a net that is
    // both an input and an output port cannot be written as Verilog ports.
    let pool: &[NetId] = if gate_outputs.is_empty() { &flop_q } else { &gate_outputs };
    let mut candidates: Vec<NetId> =
        pool.iter().rev().take(spec.outputs.max(1) * 3).copied().collect();
    candidates.shuffle(&mut rng);
    candidates.truncate(spec.outputs.max(1));
    for net in candidates {
        netlist.add_output(net);
    }
    netlist
}

/// An n-bit ripple-carry adder: inputs `a0..`, `b0..`, `cin`; outputs `s0..`, `cout`.
pub fn ripple_adder(bits: usize) -> Netlist {
    let mut netlist = Netlist::new(format!("adder{bits}"));
    let a: Vec<NetId> = (0..bits).map(|i| netlist.net(&format!("a{i}"))).collect();
    let b: Vec<NetId> = (0..bits).map(|i| netlist.net(&format!("b{i}"))).collect();
    for &n in a.iter().chain(&b) {
        netlist.add_input(n);
    }
    let mut carry = netlist.net("cin");
    netlist.add_input(carry);
    for i in 0..bits {
        let (s, c) = full_adder(&mut netlist, a[i], b[i], carry, &format!("fa{i}"));
        let out = netlist.net(&format!("s{i}"));
        netlist.add_gate(format!("s{i}"), GateKind::Buf, &[s], out);
        netlist.add_output(out);
        carry = c;
    }
    let cout = netlist.net("cout");
    netlist.add_gate("cout", GateKind::Buf, &[carry], cout);
    netlist.add_output(cout);
    netlist
}

fn full_adder(netlist: &mut Netlist, a: NetId, b: NetId, c: NetId, prefix: &str) -> (NetId, NetId) {
    let gate = |netlist: &mut Netlist, kind, inputs: &[NetId], suffix: &str| {
        let out = netlist.net(&format!("{prefix}_{suffix}"));
        netlist.add_gate(format!("{prefix}_{suffix}"), kind, inputs, out);
        out
    };
    let p = gate(netlist, GateKind::Xor, &[a, b], "p");
    let s = gate(netlist, GateKind::Xor, &[p, c], "s");
    let g = gate(netlist, GateKind::And, &[a, b], "g");
    let t = gate(netlist, GateKind::And, &[p, c], "t");
    let co = gate(netlist, GateKind::Or, &[g, t], "co");
    (s, co)
}

/// An n x n-bit unsigned array multiplier: inputs `a0..`, `b0..`; outputs `p0..p{2n-1}`.
pub fn array_multiplier(bits: usize) -> Netlist {
    let mut netlist = Netlist::new(format!("mult{bits}"));
    let a: Vec<NetId> = (0..bits).map(|i| netlist.net(&format!("a{i}"))).collect();
    let b: Vec<NetId> = (0..bits).map(|i| netlist.net(&format!("b{i}"))).collect();
    for &n in a.iter().chain(&b) {
        netlist.add_input(n);
    }
    let zero = netlist.net("zero");
    netlist.add_gate("zero", GateKind::Const0, &[], zero);
    // Row-by-row carry-save accumulation of partial products.
    let mut sum: Vec<NetId> = vec![zero; 2 * bits];
    for j in 0..bits {
        let mut carry = zero;
        for i in 0..bits {
            let pp = netlist.net(&format!("pp{i}_{j}"));
            netlist.add_gate(format!("pp{i}_{j}"), GateKind::And, &[a[i], b[j]], pp);
            let (s, c) = full_adder(&mut netlist, sum[i + j], pp, carry, &format!("fa{i}_{j}"));
            sum[i + j] = s;
            carry = c;
        }
        sum[j + bits] = carry;
    }
    for (k, &s) in sum.iter().enumerate() {
        let out = netlist.net(&format!("p{k}"));
        netlist.add_gate(format!("p{k}"), GateKind::Buf, &[s], out);
        netlist.add_output(out);
    }
    netlist
}
