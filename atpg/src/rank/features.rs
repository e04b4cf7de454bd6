//! Features of each fault, computed from the [`Circuit`] in time linear in its size.
//!
//! Per node, in one forward and one backward pass over the levelized arrays: SCOAP CC0/CC1
//! (the justifier's `scoap_controllability`) and CO, COP signal and observation
//! probabilities, the shortest distance to an output, the fanout-free region, and two 64-bit
//! masks (inputs hashed into 64 buckets propagated forward, outputs propagated backward) whose
//! popcounts estimate the fanin support and the number of reachable outputs and whose overlaps
//! between the fanins (fanouts) of a gate indicate reconvergence. Every quantity saturates, so
//! no input makes a feature infinite or NaN.

use netlist::{Circuit, GateKind, NodeId};

use crate::fault::{CollapsedFaults, FaultId, FaultUniverse, Injection, Read};

/// The names of the features, in the order of [`FeatureMatrix`] columns. A model file stores
/// this list; a model is used only with the list it was trained on.
pub const FEATURE_NAMES: [&str; 40] = [
    "stuck_value",
    "site_stem",
    "site_output",
    "cc_activate",
    "cc_hold",
    "co",
    "scoap",
    "cop_activate",
    "cop_observe",
    "cop_detect",
    "level_fraction",
    "level",
    "distance_to_output",
    "sinks",
    "ffr_size",
    "fanin_support",
    "fanin_tree",
    "reachable_outputs",
    "driver_input",
    "driver_and",
    "driver_or",
    "driver_xor",
    "driver_inverter",
    "driver_mux",
    "driver_fanin",
    "driver_reconvergence",
    "stem_reconvergence",
    "reader_and",
    "reader_or",
    "reader_xor",
    "reader_inverter",
    "reader_mux",
    "stuck_at_controlling",
    "class_size",
    "circuit_nodes",
    "circuit_depth",
    "site_cc_rank",
    "site_co_rank",
    "side_inputs_cc",
    "po_distance_fraction",
];

/// Number of features per fault.
pub const NUM_FEATURES: usize = FEATURE_NAMES.len();

/// Features of a list of faults: one row of [`NUM_FEATURES`] values per fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    values: Vec<f32>,
}

impl FeatureMatrix {
    /// Number of rows (faults).
    pub fn len(&self) -> usize {
        self.values.len() / NUM_FEATURES
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The features of fault `row`.
    pub fn row(&self, row: usize) -> &[f32] {
        &self.values[row * NUM_FEATURES..(row + 1) * NUM_FEATURES]
    }

    /// One column (feature) across all rows.
    pub fn column(&self, feature: usize) -> impl Iterator<Item = f32> + '_ {
        self.values.chunks_exact(NUM_FEATURES).map(move |r| r[feature])
    }

    /// Every row, concatenated.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The SCOAP testability of each row (`scoap` column: log2 of 1 + CC of the activating
    /// value + CO): the classic difficulty measure, the baseline a model must beat.
    pub fn scoap(&self) -> Vec<f32> {
        let col = FEATURE_NAMES.iter().position(|&n| n == "scoap").expect("scoap is a feature");
        self.column(col).collect()
    }
}

/// Saturation of SCOAP values (the engine's own saturation is `u32::MAX / 4`).
const CAP: u32 = 1 << 24;

/// Per-node measures every fault's features are read from.
struct NodeMeasures {
    cc: Vec<[u32; 2]>,
    co: Vec<u32>,
    p1: Vec<f64>,
    obs: Vec<f64>,
    distance_to_output: Vec<u32>,
    ffr_size: Vec<u32>,
    in_mask: Vec<u64>,
    out_mask: Vec<u64>,
    tree: Vec<f64>,
    is_output: Vec<bool>,
}

/// 64-bit mask of one hash bucket for item `i`.
fn bucket(i: usize, salt: u64) -> u64 {
    let h = (i as u64 ^ salt).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    1u64 << (h >> 58)
}

/// Linear-counting estimate of how many distinct items a 64-bucket mask holds.
fn estimate(mask: u64) -> f32 {
    let zeros = mask.count_zeros();
    if zeros == 0 {
        // Saturated: report the estimate for one empty bucket.
        (64.0 * (64.0f64).ln()) as f32
    } else {
        (64.0 * (64.0 / f64::from(zeros)).ln()) as f32
    }
}

fn log2p(x: f64) -> f32 {
    (1.0 + x.max(0.0)).log2() as f32
}

/// Cost of holding the side inputs of `gate` (all fanin pins but `pin`) at values that let a
/// change on `pin` through, in SCOAP units; and the COP probability that they do.
fn side_inputs(
    circuit: &Circuit,
    cc: &[[u32; 2]],
    p1: &[f64],
    gate: NodeId,
    pin: usize,
) -> (u32, f64) {
    let fanin = circuit.fanin(gate);
    let others = fanin.iter().enumerate().filter(|&(q, _)| q != pin).map(|(_, &f)| f.index());
    match circuit.kind(gate) {
        GateKind::And | GateKind::Nand => (
            others.clone().fold(0u32, |a, f| a.saturating_add(cc[f][1])).min(CAP),
            others.map(|f| p1[f]).product(),
        ),
        GateKind::Or | GateKind::Nor => (
            others.clone().fold(0u32, |a, f| a.saturating_add(cc[f][0])).min(CAP),
            others.map(|f| 1.0 - p1[f]).product(),
        ),
        GateKind::Xor | GateKind::Xnor => {
            (others.fold(0u32, |a, f| a.saturating_add(cc[f][0].min(cc[f][1]))).min(CAP), 1.0)
        }
        GateKind::Mux => {
            let (s, d0, d1) = (fanin[0].index(), fanin[1].index(), fanin[2].index());
            match pin {
                0 => (
                    cc[d0][0]
                        .saturating_add(cc[d1][1])
                        .min(cc[d0][1].saturating_add(cc[d1][0]))
                        .min(CAP),
                    p1[d0] * (1.0 - p1[d1]) + p1[d1] * (1.0 - p1[d0]),
                ),
                1 => (cc[s][0], 1.0 - p1[s]),
                _ => (cc[s][1], p1[s]),
            }
        }
        _ => (0, 1.0),
    }
}

impl NodeMeasures {
    fn new(circuit: &Circuit) -> NodeMeasures {
        let n = circuit.num_nodes();
        let cc: Vec<[u32; 2]> = crate::sat::justify::scoap_controllability(circuit)
            .into_iter()
            .map(|[a, b]| [a.min(CAP), b.min(CAP)])
            .collect();
        let mut is_output = vec![false; n];
        for o in circuit.outputs() {
            is_output[o.index()] = true;
        }
        // Forward: COP probabilities, input masks, tree sizes.
        let mut p1 = vec![0.5f64; n];
        let mut in_mask = vec![0u64; n];
        let mut tree = vec![1.0f64; n];
        for (i, node) in circuit.nodes().enumerate() {
            let fanin = circuit.fanin(node);
            let ps = || fanin.iter().map(|f| p1[f.index()]);
            p1[i] = match circuit.kind(node) {
                GateKind::Input => 0.5,
                GateKind::Const0 => 0.0,
                GateKind::Const1 => 1.0,
                GateKind::ConstX => 0.5,
                GateKind::Buf => p1[fanin[0].index()],
                GateKind::Not => 1.0 - p1[fanin[0].index()],
                GateKind::And => ps().product(),
                GateKind::Nand => 1.0 - ps().product::<f64>(),
                GateKind::Or => 1.0 - ps().map(|p| 1.0 - p).product::<f64>(),
                GateKind::Nor => ps().map(|p| 1.0 - p).product(),
                GateKind::Xor => ps().fold(0.0, |a, b| a * (1.0 - b) + b * (1.0 - a)),
                GateKind::Xnor => 1.0 - ps().fold(0.0, |a, b| a * (1.0 - b) + b * (1.0 - a)),
                GateKind::Mux => {
                    let s = p1[fanin[0].index()];
                    (1.0 - s) * p1[fanin[1].index()] + s * p1[fanin[2].index()]
                }
            };
            if circuit.kind(node) == GateKind::Input {
                in_mask[i] = bucket(i, 0);
            } else {
                in_mask[i] = fanin.iter().fold(0, |m, f| m | in_mask[f.index()]);
                tree[i] = (1.0 + fanin.iter().map(|f| tree[f.index()]).sum::<f64>()).min(1e12);
            }
        }
        // Backward: SCOAP CO, COP observability, distance to an output, output masks, FFRs.
        let mut co = vec![CAP; n];
        let mut obs = vec![0.0f64; n];
        let mut distance_to_output = vec![CAP; n];
        let mut out_mask = vec![0u64; n];
        let mut ffr_root: Vec<u32> = (0..n as u32).collect();
        for (k, o) in circuit.outputs().iter().enumerate() {
            out_mask[o.index()] |= bucket(k, 0x5bd1_e995);
        }
        for node in circuit.nodes().rev() {
            let i = node.index();
            let mut best = if is_output[i] { 0 } else { CAP };
            let mut miss = if is_output[i] { 0.0 } else { 1.0 };
            let mut distance = if is_output[i] { 0 } else { CAP };
            let mut mask = out_mask[i];
            for &reader in circuit.fanout(node) {
                let r = reader.index();
                for (pin, _) in circuit.fanin(reader).iter().enumerate().filter(|(_, &f)| f == node)
                {
                    let (cost, pass) = side_inputs(circuit, &cc, &p1, reader, pin);
                    best = best.min(co[r].saturating_add(cost).saturating_add(1).min(CAP));
                    miss *= 1.0 - obs[r] * pass;
                }
                distance = distance.min(distance_to_output[r].saturating_add(1));
                mask |= out_mask[r];
            }
            co[i] = best;
            obs[i] = 1.0 - miss;
            distance_to_output[i] = distance;
            out_mask[i] = mask;
            let fanout = circuit.fanout(node);
            if fanout.len() == 1 && !is_output[i] {
                ffr_root[i] = ffr_root[fanout[0].index()];
            }
        }
        let mut ffr_count = vec![0u32; n];
        for &r in &ffr_root {
            ffr_count[r as usize] += 1;
        }
        let ffr_size = ffr_root.iter().map(|&r| ffr_count[r as usize]).collect();
        NodeMeasures {
            cc,
            co,
            p1,
            obs,
            distance_to_output,
            ffr_size,
            in_mask,
            out_mask,
            tree,
            is_output,
        }
    }
}

/// Kind group of a gate: input, and-type, or-type, xor-type, inverter/buffer, mux, constant.
fn kind_group(kind: GateKind) -> usize {
    match kind {
        GateKind::Input => 0,
        GateKind::And | GateKind::Nand => 1,
        GateKind::Or | GateKind::Nor => 2,
        GateKind::Xor | GateKind::Xnor => 3,
        GateKind::Buf | GateKind::Not => 4,
        GateKind::Mux => 5,
        GateKind::Const0 | GateKind::Const1 | GateKind::ConstX => 6,
    }
}

/// Overlap of the masks of a set of nodes: bits set in more than one of them.
fn overlap(masks: impl Iterator<Item = u64>) -> f32 {
    let (mut any, mut twice) = (0u64, 0u64);
    for m in masks {
        twice |= any & m;
        any |= m;
    }
    twice.count_ones() as f32
}

/// Fraction of values in `values` strictly below each value (a rank in `[0, 1)`).
fn ranks(values: &[u32]) -> Vec<f32> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = values.len().max(1) as f32;
    values.iter().map(|v| sorted.partition_point(|x| x < v) as f32 / n).collect()
}

/// The features of every fault of `collapsed` (rows in [`CollapsedFaults::faults`] order).
pub fn fault_features(
    circuit: &Circuit,
    universe: &FaultUniverse,
    collapsed: &CollapsedFaults,
) -> FeatureMatrix {
    features_of(circuit, universe, collapsed, collapsed.faults())
}

/// The features of `faults` (members of `collapsed`'s universe).
pub fn features_of(
    circuit: &Circuit,
    universe: &FaultUniverse,
    collapsed: &CollapsedFaults,
    faults: &[FaultId],
) -> FeatureMatrix {
    let m = NodeMeasures::new(circuit);
    let mut class_size = vec![0u32; collapsed.num_classes()];
    for f in universe.faults() {
        class_size[collapsed.class_of(f)] += 1;
    }
    let depth = f64::from(circuit.num_levels().max(1));
    let circuit_nodes = log2p(circuit.num_nodes() as f64);
    // Per fault: SCOAP of the activating value and the site's observability, for the ranks.
    struct Site {
        co: u32,
        side_cc: u32,
        reader: Option<NodeId>,
        pin_pass: f64,
        output: bool,
    }
    let site_of = |fault: FaultId| -> Site {
        let site = universe.site(fault.site());
        match universe.injection(fault.site()) {
            Injection::Node(node) => Site {
                co: m.co[node.index()],
                side_cc: 0,
                reader: None,
                pin_pass: m.obs[node.index()],
                output: false,
            },
            Injection::Reads(reads) => {
                let mut s =
                    Site { co: CAP, side_cc: 0, reader: None, pin_pass: 0.0, output: false };
                let mut miss = 1.0;
                for read in reads {
                    match *read {
                        Read::Output(_) => {
                            s.co = 0;
                            s.output = true;
                            miss = 0.0;
                        }
                        Read::Pin { gate, pin } => {
                            let (cost, pass) =
                                side_inputs(circuit, &m.cc, &m.p1, gate, pin as usize);
                            let co = m.co[gate.index()].saturating_add(cost).saturating_add(1);
                            if co < s.co {
                                s.co = co.min(CAP);
                                s.side_cc = cost;
                            }
                            s.reader.get_or_insert(gate);
                            miss *= 1.0 - m.obs[gate.index()] * pass;
                        }
                    }
                }
                let _ = site;
                s.pin_pass = 1.0 - miss;
                s
            }
        }
    };
    let sites: Vec<Site> = faults.iter().map(|&f| site_of(f)).collect();
    let activate: Vec<u32> = faults
        .iter()
        .map(|&f| {
            let net = universe.site(f.site()).net.index();
            m.cc[net][usize::from(!f.kind().stuck_value())]
        })
        .collect();
    let cc_rank = ranks(&activate);
    let co_rank = ranks(&sites.iter().map(|s| s.co).collect::<Vec<_>>());

    let mut values = Vec::with_capacity(faults.len() * NUM_FEATURES);
    for (k, &fault) in faults.iter().enumerate() {
        let site = universe.site(fault.site());
        let net = site.net;
        let i = net.index();
        let v = fault.kind().stuck_value();
        let s = &sites[k];
        let cc_act = m.cc[i][usize::from(!v)];
        let cc_hold = m.cc[i][usize::from(v)];
        let p_act = if v { 1.0 - m.p1[i] } else { m.p1[i] };
        let driver = circuit.kind(net);
        let mut driver_onehot = [0.0f32; 6];
        if let Some(slot) = driver_onehot.get_mut(kind_group(driver)) {
            *slot = 1.0;
        }
        let mut reader_onehot = [0.0f32; 5];
        let mut controlling = 0.0;
        if let Some(reader) = s.reader {
            let kind = circuit.kind(reader);
            if let Some(slot) =
                kind_group(kind).checked_sub(1).and_then(|g| reader_onehot.get_mut(g))
            {
                *slot = 1.0;
            }
            controlling = match kind {
                GateKind::And | GateKind::Nand => f32::from(!v),
                GateKind::Or | GateKind::Nor => f32::from(v),
                _ => 0.0,
            };
        }
        let fanin = circuit.fanin(net);
        let distance = m.distance_to_output[i].min(CAP);
        let row = [
            f32::from(v),
            f32::from(site.kind.is_stem()),
            f32::from(s.output || m.is_output[i] && site.kind.is_stem()),
            log2p(f64::from(cc_act)),
            log2p(f64::from(cc_hold)),
            log2p(f64::from(s.co)),
            log2p(f64::from(cc_act) + f64::from(s.co)),
            p_act as f32,
            s.pin_pass as f32,
            (p_act * s.pin_pass).max(1e-30).log10() as f32,
            (f64::from(circuit.level(net)) / depth) as f32,
            circuit.level(net) as f32,
            distance as f32,
            universe.sink_count(net) as f32,
            log2p(f64::from(m.ffr_size[i])),
            estimate(m.in_mask[i]),
            log2p(m.tree[i]),
            estimate(m.out_mask[i]),
            driver_onehot[0],
            driver_onehot[1],
            driver_onehot[2],
            driver_onehot[3],
            driver_onehot[4],
            driver_onehot[5],
            fanin.len() as f32,
            overlap(fanin.iter().map(|f| m.in_mask[f.index()])),
            overlap(circuit.fanout(net).iter().map(|r| m.out_mask[r.index()])),
            reader_onehot[0],
            reader_onehot[1],
            reader_onehot[2],
            reader_onehot[3],
            reader_onehot[4],
            controlling,
            class_size[collapsed.class_of(fault)] as f32,
            circuit_nodes,
            depth as f32,
            cc_rank[k],
            co_rank[k],
            log2p(f64::from(s.side_cc)),
            (f64::from(distance) / depth).min(1.0) as f32,
        ];
        debug_assert_eq!(row.len(), NUM_FEATURES);
        values.extend(row.iter().map(|x| if x.is_finite() { *x } else { 0.0 }));
    }
    FeatureMatrix { values }
}
