//! Transition-delay faults: the two-frame fault simulator against a naive serial two-frame
//! simulation, and every untestable verdict of the flow against exhaustive enumeration.

mod common;

use std::time::Instant;

use atpg::fault::{FaultId, FaultUniverse};
use atpg::flow::{self, FaultStatus, FlowOptions, Silent};
use atpg::patterns::{Logic, PatternId, PatternSet};
use atpg::sim::serial::serial_detections;
use atpg::sim::FaultSimulator;
use atpg::transition::Transition;
use netlist::{Circuit, Launch};
use proptest::prelude::*;

/// One transition test, written the way the pattern file does: frame 1's inputs, frame 2's
/// primary inputs, and (launch-on-shift) one scan-in bit per chain.
struct TwoFrameVector {
    frame1: Vec<bool>,
    frame2_pis: Vec<bool>,
    scan_in: Vec<bool>,
}

/// Naive two-frame simulation, sharing nothing with the unrolled circuit: frame 1 is simulated
/// by the netlist crate's own simulator, frame 2's state is built from it by the launch rule,
/// and frame 2 is fault-simulated by the serial reference simulator. Per fault, whether the
/// vector detects it: the site holds the initial value in frame 1 and frame 2 detects the
/// stuck-at fault.
fn naive_detections(
    circuit: &Circuit,
    universe: &FaultUniverse,
    launch: Launch,
    chains: &[Vec<usize>],
    vector: &TwoFrameVector,
    faults: &[FaultId],
) -> Vec<bool> {
    let words: Vec<u64> = vector.frame1.iter().map(|&b| u64::from(b)).collect();
    let frame1 = circuit.simulate(&words);
    let cells = circuit.scan_cells();
    let mut state: Vec<bool> = match launch {
        Launch::Loc => cells.iter().map(|c| frame1[c.d.index()] & 1 == 1).collect(),
        Launch::Los => vec![false; cells.len()],
    };
    if launch == Launch::Los {
        for (c, chain) in chains.iter().enumerate() {
            for (k, &cell) in chain.iter().enumerate() {
                state[cell] = if k == 0 {
                    vector.scan_in[c]
                } else {
                    frame1[cells[chain[k - 1]].q.index()] & 1 == 1
                };
            }
        }
    }
    let mut frame2 = PatternSet::new(circuit.num_inputs());
    let bit = |b: bool| if b { Logic::One } else { Logic::Zero };
    frame2.push_with(|i| {
        if i < circuit.num_primary_inputs() {
            bit(vector.frame2_pis[i])
        } else {
            bit(state[i - circuit.num_primary_inputs()])
        }
    });
    let detected = serial_detections(circuit, universe, &frame2, faults);
    faults
        .iter()
        .zip(&detected)
        .map(|(f, masks)| {
            let initial = frame1[universe.site(f.site()).net.index()] & 1 == 1;
            masks[0] & 1 == 1 && initial == f.kind().stuck_value()
        })
        .collect()
}

/// The vector of the unrolled circuit for a two-frame vector (frame-2 primary inputs as inputs
/// of their own when `pi_change`).
fn unrolled_vector(t: &Transition, v: &TwoFrameVector) -> Vec<Logic> {
    let bit = |b: bool| if b { Logic::One } else { Logic::Zero };
    let mut values: Vec<Logic> = v.frame1.iter().map(|&b| bit(b)).collect();
    if t.frames().pi_change() {
        values.extend(v.frame2_pis.iter().map(|&b| bit(b)));
    }
    values.extend(v.scan_in.iter().map(|&b| bit(b)));
    assert_eq!(values.len(), t.circuit().num_inputs());
    values
}

/// Chains for launch-on-shift: the flip-flops in a seeded order, cut into `count` chains.
fn chains_of(circuit: &Circuit, seed: u64, count: usize) -> Vec<Vec<usize>> {
    let n = circuit.scan_cells().len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        order.swap(i, (s % (i as u64 + 1)) as usize);
    }
    let count = count.clamp(1, n.max(1));
    let per = n.div_ceil(count).max(1);
    order.chunks(per).map(<[usize]>::to_vec).collect()
}

/// Every two-frame vector of a circuit (for small ones).
fn all_vectors(circuit: &Circuit, t: &Transition, chains: usize) -> Vec<TwoFrameVector> {
    let pis = circuit.num_primary_inputs();
    let frame1 = circuit.num_inputs();
    let frame2 = if t.frames().pi_change() { pis } else { 0 };
    let bits = frame1 + frame2 + chains;
    assert!(bits <= 14, "exhaustive enumeration limited to 14 bits, got {bits}");
    (0u32..1 << bits)
        .map(|v| {
            let b = |i: usize| v >> i & 1 == 1;
            let frame1: Vec<bool> = (0..frame1).map(b).collect();
            let frame2_pis = if frame2 > 0 {
                (0..pis).map(|i| b(frame1.len() + i)).collect()
            } else {
                frame1[..pis].to_vec()
            };
            let scan_in = (0..chains).map(|c| b(frame1.len() + frame2 + c)).collect();
            TwoFrameVector { frame1, frame2_pis, scan_in }
        })
        .collect()
}

/// Runs the flow for transition faults and checks every verdict against exhaustive naive
/// simulation: detected faults are detectable, untestable ones are detected by no vector, and
/// nothing is aborted.
fn check_verdicts(circuit: &Circuit, launch: Launch, pi_change: bool, chains: &[Vec<usize>]) {
    let t = Transition::new(circuit, launch, pi_change, chains).expect("unrolls");
    let result = flow::run_with(
        t.circuit(),
        t.target(circuit, Instant::now()),
        &FlowOptions::default(),
        &Silent,
    )
    .expect("flow runs");
    let faults = t.collapsed().faults();
    let vectors = all_vectors(circuit, &t, if launch == Launch::Los { chains.len() } else { 0 });
    let mut detectable = vec![false; faults.len()];
    for v in &vectors {
        let found = naive_detections(circuit, t.universe(), launch, chains, v, faults);
        for (d, f) in detectable.iter_mut().zip(found) {
            *d |= f;
        }
    }
    for ((&fault, status), &can) in faults.iter().zip(&result.status).zip(&detectable) {
        let name = atpg::transition::fault_name(t.universe(), circuit, fault);
        match status {
            FaultStatus::Detected(_) => assert!(can, "{name}: detected, but no vector detects it"),
            FaultStatus::Untestable => {
                assert!(!can, "{name}: proven untestable under {launch}, but a vector detects it")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Every final pattern, replayed naively, detects what the flow says it does.
    let (frame1, fields) = t.split(&result.patterns);
    for p in 0..result.patterns.len() {
        let id = PatternId(p as u32);
        let bit = |set: &PatternSet, i: usize| set.get(id, i) == Logic::One;
        let pis = circuit.num_primary_inputs();
        let vector = TwoFrameVector {
            frame1: (0..frame1.width()).map(|i| bit(&frame1, i)).collect(),
            frame2_pis: (0..pis).map(|i| bit(&fields.frame2, i)).collect(),
            scan_in: (pis..fields.frame2.width()).map(|i| bit(&fields.frame2, i)).collect(),
        };
        let found = naive_detections(circuit, t.universe(), launch, chains, &vector, faults);
        for ((&fault, status), found) in faults.iter().zip(&result.status).zip(found) {
            if *status == FaultStatus::Detected(id) {
                assert!(found, "pattern {p} does not detect {fault:?} as the flow claims");
            }
        }
    }
}

#[test]
fn verdicts_on_small_random_sequential_circuits_are_exact() {
    for seed in 0..12u64 {
        let circuit = common::random_circuit(seed, 3, 24, 4, false);
        let chains = chains_of(&circuit, seed, 1 + seed as usize % 2);
        for (launch, pi_change) in
            [(Launch::Loc, false), (Launch::Loc, true), (Launch::Los, false), (Launch::Los, true)]
        {
            check_verdicts(&circuit, launch, pi_change, &chains);
        }
    }
}

#[test]
fn verdicts_on_s27_and_s298_are_exact() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let s27 = netlist::read_netlist(&dir.join("iscas89/s27.bench"), &Default::default())
        .expect("s27 parses")
        .levelize()
        .expect("levelizes");
    let chain = vec![(0..s27.scan_cells().len()).collect::<Vec<_>>()];
    for (launch, pi_change) in
        [(Launch::Loc, false), (Launch::Loc, true), (Launch::Los, false), (Launch::Los, true)]
    {
        check_verdicts(&s27, launch, pi_change, &chain);
    }
    // s298: 3 inputs and 14 flip-flops, too many for the naive enumeration of every fault;
    // the verdicts are checked by the two-frame fault simulator (itself checked against the
    // naive one below) over all 2^17 (LOC) and 2^18 (LOS) vectors.
    let s298 = netlist::read_netlist(&dir.join("iscas89/s298.bench"), &Default::default())
        .expect("s298 parses")
        .levelize()
        .expect("levelizes");
    let chain = vec![(0..s298.scan_cells().len()).collect::<Vec<_>>()];
    for launch in [Launch::Loc, Launch::Los] {
        let t = Transition::new(&s298, launch, false, &chain).expect("unrolls");
        let result = flow::run_with(
            t.circuit(),
            t.target(&s298, Instant::now()),
            &FlowOptions::default(),
            &Silent,
        )
        .expect("flow runs");
        let n = t.circuit().num_inputs();
        let mut all = PatternSet::new(n);
        for v in 0u32..1 << n {
            all.push_with(|i| if v >> i & 1 == 1 { Logic::One } else { Logic::Zero });
        }
        let universe = t.unrolled_universe(&s298);
        let found = FaultSimulator::new(t.circuit(), &universe).run(&all, t.collapsed().faults());
        let mut untestable = 0;
        for ((&fault, status), first) in
            t.collapsed().faults().iter().zip(&result.status).zip(&found.first_detection)
        {
            let name = atpg::transition::fault_name(t.universe(), &s298, fault);
            match status {
                FaultStatus::Untestable => {
                    untestable += 1;
                    assert!(
                        first.is_none(),
                        "{name}: proven untestable under {launch}, but detectable"
                    )
                }
                FaultStatus::Detected(_) => assert!(first.is_some(), "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        println!(
            "s298 {launch}: {untestable} untestable of {}, all confirmed",
            result.status.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The bit-parallel two-frame fault simulator (PPSFP on the unrolled circuit, activation
    /// masked) equals naive serial two-frame simulation, fault by fault and pattern by pattern.
    #[test]
    fn two_frame_ppsfp_equals_naive_serial_simulation(
        seed in 0u64..1_000_000,
        los in any::<bool>(),
        pi_change in any::<bool>(),
        chain_count in 1usize..3,
        pattern_seed in any::<u64>(),
    ) {
        let circuit = common::random_circuit(seed, 4, 40, 5, false);
        let launch = if los { Launch::Los } else { Launch::Loc };
        let chains = chains_of(&circuit, seed, chain_count);
        let t = Transition::new(&circuit, launch, pi_change, &chains).expect("unrolls");
        let width = t.circuit().num_inputs();
        let random = PatternSet::random(width, 70, pattern_seed);
        let universe = t.unrolled_universe(&circuit);
        let faults: Vec<FaultId> = t.universe().faults().collect();
        let matrix =
            FaultSimulator::new(t.circuit(), &universe).detection_matrix(&random, &faults);
        let pis = circuit.num_primary_inputs();
        let frames = t.frames();
        for p in 0..random.len() {
            let id = PatternId(p as u32);
            let bit = |i: usize| random.get(id, i) == Logic::One;
            let frame1: Vec<bool> = (0..circuit.num_inputs()).map(bit).collect();
            let frame2_pis = if pi_change {
                frames.frame2_primary_inputs().map(bit).collect()
            } else {
                frame1[..pis].to_vec()
            };
            let scan_in = frames.scan_in_values().map(bit).collect();
            let vector = TwoFrameVector { frame1, frame2_pis, scan_in };
            prop_assert_eq!(unrolled_vector(&t, &vector), (0..width).map(|i| random.get(id, i)).collect::<Vec<_>>());
            let naive = naive_detections(&circuit, t.universe(), launch, &chains, &vector, &faults);
            for (f, &expected) in naive.iter().enumerate() {
                prop_assert_eq!(
                    matrix.detects(f, id),
                    expected,
                    "fault {} pattern {}",
                    atpg::transition::fault_name(t.universe(), &circuit, faults[f]),
                    p
                );
            }
        }
    }
}
