//! Collapsing: textbook counts, and soundness checked by simulation (equivalent faults have the
//! same detecting patterns; a fault dropped for dominance is detected wherever its witness is).

use atpg::fault::{CollapseMode, CollapsedFaults, FaultId, FaultUniverse};
use atpg::sim::serial::serial_detections;
use netlist::generate::{random_netlist, RandomSpec};
use proptest::prelude::*;

use super::common::{bench, benchmark, random_patterns, read, C17};

#[test]
fn c17_collapses_to_22_equivalence_classes() {
    let circuit = bench(C17);
    let universe = FaultUniverse::new(&circuit);
    let none = CollapsedFaults::new(&circuit, &universe, CollapseMode::None);
    assert_eq!((none.total(), none.len()), (34, 34));
    let eq = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
    assert_eq!((eq.total(), eq.len(), eq.num_classes()), (34, 22, 22));
    // Each NAND's output stuck-at-0 is dominated away (its input stuck-at-1 faults detect it).
    let dom = CollapsedFaults::new(&circuit, &universe, CollapseMode::Dominance);
    assert_eq!((dom.len(), dom.num_classes()), (16, 22));
}

#[test]
fn textbook_rules_on_single_gates() {
    // AND with three inputs: 4 nets, 8 faults; inputs sa0 == output sa0: 5 classes.
    let and = bench("INPUT(a)\nINPUT(b)\nINPUT(c)\nOUTPUT(y)\ny = AND(a, b, c)\n");
    let u = FaultUniverse::new(&and);
    assert_eq!(CollapsedFaults::new(&and, &u, CollapseMode::Equivalence).len(), 5);
    // Dominance drops the output sa1: 4 (the classic n + 1 for an n-input AND).
    assert_eq!(CollapsedFaults::new(&and, &u, CollapseMode::Dominance).len(), 4);
    // A chain of inverters and buffers is one pair of classes.
    let chain = bench("INPUT(a)\nOUTPUT(y)\nb = NOT(a)\nc = BUFF(b)\ny = NOT(c)\n");
    let u = FaultUniverse::new(&chain);
    assert_eq!(u.len(), 8);
    assert_eq!(CollapsedFaults::new(&chain, &u, CollapseMode::Equivalence).len(), 2);
    // XOR and MUX have no equivalences; fanout stems do not collapse into their branches.
    let xor = bench("INPUT(a)\nINPUT(b)\nOUTPUT(y)\nOUTPUT(z)\ny = XOR(a, b)\nz = NOT(a)\n");
    let u = FaultUniverse::new(&xor);
    // Nets a, b, y, z (8 faults) + branches of a (4): NOT(a) input faults are branch faults,
    // equivalent to z's faults: 12 - 2 = 10.
    assert_eq!(u.len(), 12);
    assert_eq!(CollapsedFaults::new(&xor, &u, CollapseMode::Equivalence).len(), 10);
}

#[test]
fn representatives_are_stems_where_possible_and_expand_maps_back() {
    let circuit = bench(C17);
    let universe = FaultUniverse::new(&circuit);
    let eq = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
    for &rep in eq.class_representatives() {
        let class = eq.class_of(rep);
        let members: Vec<FaultId> =
            universe.faults().filter(|&f| eq.class_of(f) == class).collect();
        let has_stem = members.iter().any(|f| universe.site(f.site()).kind.is_stem());
        assert_eq!(universe.site(rep.site()).kind.is_stem(), has_stem);
        assert_eq!(eq.representative(members[0]), rep);
    }
    let per_class: Vec<usize> = (0..eq.num_classes()).collect();
    let expanded = eq.expand(&per_class);
    assert_eq!(expanded.len(), 34);
    assert!(universe.faults().all(|f| expanded[f.index()] == eq.class_of(f)));
}

#[test]
fn published_collapsed_counts() {
    // Structural equivalence collapsing of the ISCAS-85 circuits, as reported for tools that
    // collapse through gates, inverters/buffers and fanout-free chains.
    for (file, total, collapsed) in
        [("iscas85/c432.bench", 864, 524), ("iscas85/c7552.bench", 15104, 7550)]
    {
        let Some(path) = benchmark(file) else { return };
        let circuit = read(&path).levelize().unwrap();
        let universe = FaultUniverse::new(&circuit);
        let eq = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
        assert_eq!((eq.total(), eq.len()), (total, collapsed), "{file}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every member of an equivalence class has exactly the detecting patterns of its
    /// representative, also with unknown inputs; a class dropped for dominance is detected by
    /// every two-valued pattern that detects its witness.
    #[test]
    fn collapsing_is_sound_under_simulation(seed in 0u64..1_000_000, gates in 1usize..40, flops in 0usize..3, x in prop_oneof![Just(0u32), Just(20u32)]) {
        let spec = RandomSpec { inputs: 5, outputs: 3, flops, gates, max_fanin: 3, extended_kinds: true, odd_names: false };
        let circuit = random_netlist(seed, &spec).levelize().unwrap();
        let universe = FaultUniverse::new(&circuit);
        let all: Vec<FaultId> = universe.faults().collect();
        let patterns = random_patterns(circuit.num_inputs(), 100, x, seed);
        let detections = serial_detections(&circuit, &universe, &patterns, &all);
        let dom = CollapsedFaults::new(&circuit, &universe, CollapseMode::Dominance);
        for &f in &all {
            let rep = dom.representative(f);
            prop_assert_eq!(&detections[f.index()], &detections[rep.index()], "{} vs {}", universe.fault_name(&circuit, f), universe.fault_name(&circuit, rep));
        }
        if x == 0 {
            for class in 0..dom.num_classes() {
                let Some(witness) = dom.dropped_for(class) else { continue };
                let a = dom.class_representatives()[class];
                let b = dom.class_representatives()[witness];
                for (da, db) in detections[a.index()].iter().zip(&detections[b.index()]) {
                    prop_assert_eq!(db & !da, 0, "{} dropped for {}", universe.fault_name(&circuit, a), universe.fault_name(&circuit, b));
                }
            }
        }
    }
}

/// On standard-cell designs, equivalence found through the cells' functions holds under
/// simulation too (with some unknown inputs), and it does collapse cell pins.
#[test]
fn cell_level_equivalence_is_sound() {
    let designs = [
        ("cells/sky130hd/gcd_sky130hd.v", "cells/sky130hd/sky130hd_tt.lib.gz"),
        ("cells/nangate45/gcd_nangate45.v", "cells/nangate45/nangate45_functions.lib"),
    ];
    for (verilog, liberty) in designs {
        let (Some(v), Some(lib)) = (benchmark(verilog), benchmark(liberty)) else { return };
        let circuit = super::common::read_cells(&v, &lib).levelize().unwrap();
        let universe = FaultUniverse::new(&circuit);
        let all: Vec<FaultId> = universe.faults().collect();
        let eq = CollapsedFaults::new(&circuit, &universe, CollapseMode::Equivalence);
        assert!(
            eq.len() * 10 < universe.len() * 9,
            "{verilog}: {} of {}",
            eq.len(),
            universe.len()
        );
        let patterns = random_patterns(circuit.num_inputs(), 192, 3, 8);
        let detections = serial_detections(&circuit, &universe, &patterns, &all);
        for &f in &all {
            let rep = eq.representative(f);
            assert_eq!(
                detections[f.index()],
                detections[rep.index()],
                "{verilog}: {} vs {}",
                universe.fault_name(&circuit, f),
                universe.fault_name(&circuit, rep)
            );
        }
    }
}
