//! Scan insertion is proven by simulation: with scan enable at 0 the scan-inserted netlist
//! computes what the original does; with scan enable at 1 every chain shifts a random stream
//! from its scan-in to its scan-out in chain-length cycles. Chains are balanced, cover every
//! flip-flop once and come out the same on every run.
//!
//! Tests on `../shared/benchmarks` skip with a notice when it is absent.

use netlist::generate::{random_netlist, RandomSpec};
use netlist::{Circuit, Netlist};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scan::{insert_scan, ChainLimit, Inserted, OrderMethod, Placement, ScanOptions, ShiftPatterns};

/// Simulates the original and the scan-inserted circuit on the same random inputs and states,
/// scan enable 0 and random scan-in values, and compares every output and next state.
fn assert_equivalent(original: &Netlist, inserted: &Inserted, seed: u64) {
    let before = original.levelize().expect("original levelizes");
    let after = inserted.netlist.levelize().expect("scan-inserted netlist levelizes");
    let chains = inserted.chains.chains.len();
    assert_eq!(after.num_primary_inputs(), before.num_primary_inputs() + 1 + chains);
    assert_eq!(after.num_primary_outputs(), before.num_primary_outputs() + chains);
    let names = |c: &Circuit| c.scan_cells().iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&before), names(&after), "flip-flops keep their order");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..8 {
        let primary: Vec<u64> = (0..before.num_primary_inputs()).map(|_| rng.gen()).collect();
        let state: Vec<u64> = (0..before.scan_cells().len()).map(|_| rng.gen()).collect();
        let mut inputs_before = primary.clone();
        inputs_before.extend(&state);
        let mut inputs_after = Vec::new();
        for node in after.inputs().take(after.num_primary_inputs()) {
            let name = after.node_name(node);
            let word = match before.inputs().position(|n| before.node_name(n) == name) {
                Some(i) => primary[i],
                None if name == "scan_enable" => 0,
                None => rng.gen(),
            };
            inputs_after.push(word);
        }
        inputs_after.extend(&state);
        let out_before = before.output_values(&before.simulate(&inputs_before));
        let out_after = after.output_values(&after.simulate(&inputs_after));
        let po = before.num_primary_outputs();
        assert_eq!(out_before[..po], out_after[..po], "primary outputs");
        assert_eq!(out_before[po..], out_after[po + chains..], "next states");
    }
}

/// Shifts random streams through every chain with scan enable at 1, cycle by cycle, and checks
/// that each scan-out repeats its scan-in after chain-length cycles and that the chain holds the
/// stream after loading.
fn assert_shifts(inserted: &Inserted, seed: u64) {
    let circuit = inserted.netlist.levelize().expect("levelizes");
    let resolved =
        inserted.chains.validate(&circuit).expect("the chain file describes the netlist");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pi = circuit.num_primary_inputs();
    let input_index = |name: &str| {
        circuit.inputs().position(|n| circuit.node_name(n) == name).expect("port is an input")
    };
    let enable = input_index("scan_enable");
    let scan_in: Vec<usize> =
        inserted.chains.chains.iter().map(|c| input_index(&c.scan_in)).collect();
    let scan_out: Vec<usize> = inserted
        .chains
        .chains
        .iter()
        .map(|c| {
            (0..circuit.num_primary_outputs())
                .find(|&o| circuit.node_name(circuit.outputs()[o]) == c.scan_out)
                .expect("port is an output")
        })
        .collect();
    let longest = resolved.iter().map(Vec::len).max().unwrap_or(0);
    let cycles = 2 * longest + 2;
    let mut state: Vec<u64> = (0..circuit.scan_cells().len()).map(|_| rng.gen()).collect();
    let mut shifted_in: Vec<Vec<u64>> = vec![Vec::new(); resolved.len()];
    let mut shifted_out: Vec<Vec<u64>> = vec![Vec::new(); resolved.len()];
    for cycle in 0..cycles {
        let mut inputs: Vec<u64> = (0..pi).map(|_| rng.gen()).collect();
        inputs[enable] = u64::MAX;
        for (k, &i) in scan_in.iter().enumerate() {
            shifted_in[k].push(inputs[i]);
        }
        inputs.extend(&state);
        let outputs = circuit.output_values(&circuit.simulate(&inputs));
        for (k, &o) in scan_out.iter().enumerate() {
            shifted_out[k].push(outputs[o]);
        }
        state = outputs[circuit.num_primary_outputs()..].to_vec();
        for (k, cells) in resolved.iter().enumerate() {
            if cycle + 1 == cells.len() {
                // Loaded: cell i holds the value shifted in i cells before the last.
                for (i, &cell) in cells.iter().enumerate() {
                    assert_eq!(
                        state[cell],
                        shifted_in[k][cells.len() - 1 - i],
                        "chain {k} cell {i}"
                    );
                }
            }
        }
    }
    for (k, cells) in resolved.iter().enumerate() {
        for t in 0..cycles - cells.len() {
            assert_eq!(shifted_out[k][t + cells.len()], shifted_in[k][t], "chain {k} cycle {t}");
        }
    }
}

/// Chains cover every flip-flop once and, within a clock domain, differ by at most one cell.
fn assert_balanced(inserted: &Inserted) {
    let circuit = inserted.netlist.levelize().expect("levelizes");
    inserted.chains.validate(&circuit).expect("every flip-flop in exactly one chain");
    let mut by_clock: std::collections::BTreeMap<Option<String>, Vec<usize>> = Default::default();
    for chain in &inserted.chains.chains {
        by_clock.entry(chain.clock.clone()).or_default().push(chain.cells.len());
    }
    for lengths in by_clock.values() {
        let (min, max) = (lengths.iter().min(), lengths.iter().max());
        assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "lengths {lengths:?}");
    }
}

fn options(limit: ChainLimit, order: OrderMethod<'_>) -> ScanOptions<'_> {
    ScanOptions { limit, order, ..ScanOptions::default() }
}

fn check_all(netlist: &Netlist, seed: u64) {
    for limit in [ChainLimit::Chains(1), ChainLimit::Chains(3), ChainLimit::MaxLength(4)] {
        for order in [OrderMethod::None, OrderMethod::Netlist] {
            let inserted = insert_scan(netlist, &options(limit, order)).expect("inserts");
            assert_equivalent(netlist, &inserted, seed);
            assert_shifts(&inserted, seed);
            assert_balanced(&inserted);
            let again = insert_scan(netlist, &options(limit, order)).expect("inserts");
            assert_eq!(again.chains, inserted.chains, "deterministic");
        }
    }
}

#[test]
fn iscas89_circuits_are_equivalent_and_shift() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    for name in ["s27", "s298", "s1423"] {
        let path = dir.join(format!("iscas89/{name}.bench"));
        let netlist = netlist::read_netlist(&path, &Default::default()).expect("reads");
        check_all(&netlist, 7);
    }
}

#[test]
fn max_length_gives_chains_no_longer_than_asked() {
    let netlist = random_netlist(3, &RandomSpec { flops: 23, gates: 80, ..RandomSpec::default() });
    let inserted =
        insert_scan(&netlist, &options(ChainLimit::MaxLength(5), OrderMethod::None)).expect("ok");
    let lengths: Vec<usize> = inserted.chains.chains.iter().map(|c| c.cells.len()).collect();
    assert_eq!(lengths, [5, 5, 5, 4, 4]);
    assert_eq!(inserted.chains.chains[0].scan_in, "scan_in_1");
    assert_eq!(inserted.chains.chains[4].scan_out, "scan_out_5");
}

#[test]
fn taken_port_names_are_an_error() {
    let mut netlist = random_netlist(4, &RandomSpec { flops: 3, ..RandomSpec::default() });
    let taken = netlist.net("scan_in_1");
    netlist.add_input(taken);
    let error = insert_scan(&netlist, &ScanOptions::default()).expect_err("name taken");
    assert!(error.to_string().contains("`scan_in_1`"), "{error}");
}

#[test]
fn combinational_netlists_get_no_chains() {
    let netlist = random_netlist(5, &RandomSpec::default());
    let inserted = insert_scan(&netlist, &ScanOptions::default()).expect("ok");
    assert!(inserted.chains.chains.is_empty());
    assert_eq!(inserted.netlist.inputs().len(), netlist.inputs().len());
}

#[test]
fn placement_order_is_never_longer_than_nearest_neighbour() {
    let netlist =
        random_netlist(6, &RandomSpec { flops: 200, gates: 300, ..RandomSpec::default() });
    let mut placement = Placement::new(1000.0);
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for &flop in netlist.flops() {
        placement.insert(
            netlist.cell(flop).name.to_string(),
            (rng.gen_range(0..100_000), rng.gen_range(0..100_000)),
        );
    }
    for chains in [1, 4, 16] {
        let opts = options(ChainLimit::Chains(chains), OrderMethod::Placement(&placement));
        let inserted = insert_scan(&netlist, &opts).expect("inserts");
        let report = &inserted.report;
        let (netlist_order, nearest, last) = (
            report.wirelength_netlist_order_um.expect("placement figures"),
            report.wirelength_nearest_neighbour_um.expect("placement figures"),
            report.wirelength_final_um.expect("placement figures"),
        );
        assert!(last <= nearest && nearest < netlist_order, "{report:?}");
        let sum: f64 = report.chains.iter().filter_map(|c| c.wirelength_um).sum();
        assert!((sum - last).abs() < 1e-6);
        assert_equivalent(&netlist, &inserted, 1);
        assert_shifts(&inserted, 1);
        assert_balanced(&inserted);
        let again = insert_scan(&netlist, &opts).expect("inserts");
        assert_eq!(again.chains, inserted.chains, "deterministic");
    }
    let mut partial = Placement::new(1000.0);
    partial.insert("nothing", (0, 0));
    let error =
        insert_scan(&netlist, &options(ChainLimit::Chains(1), OrderMethod::Placement(&partial)))
            .expect_err("unplaced flip-flops");
    assert!(error.to_string().contains("200 flip-flops have no position"), "{error}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_netlists_are_equivalent_and_shift(
        seed in any::<u64>(),
        flops in 1usize..24,
        gates in 5usize..80,
        chains in 1usize..6,
        proximity in any::<bool>(),
    ) {
        let spec = RandomSpec { flops, gates, extended_kinds: true, ..RandomSpec::default() };
        let netlist = random_netlist(seed, &spec);
        let order = if proximity { OrderMethod::Netlist } else { OrderMethod::None };
        let inserted = insert_scan(&netlist, &options(ChainLimit::Chains(chains), order)).expect("inserts");
        assert_equivalent(&netlist, &inserted, seed);
        assert_shifts(&inserted, seed);
        assert_balanced(&inserted);
    }
}

/// Flip-flops on two clocks, one clock through a buffer and an inverter, and both edges.
fn two_clock_netlist() -> Netlist {
    let mut netlist = Netlist::new("clocks");
    let a = netlist.net("a");
    netlist.add_input(a);
    let (clk1, clk2) = (netlist.net("clk1"), netlist.net("clk2"));
    netlist.add_input(clk1);
    netlist.add_input(clk2);
    let buffered = netlist.net("clk1_buf");
    netlist.add_gate("cb", netlist::GateKind::Buf, &[clk1], buffered);
    let inverted = netlist.net("clk1_inv");
    netlist.add_gate("ci", netlist::GateKind::Not, &[clk1], inverted);
    // (clock net, falling edge): clk1 rising (directly and through the buffer), clk1 falling
    // (through the inverter and directly on the falling edge), clk2 rising.
    let flops = [
        (clk1, false),
        (buffered, false),
        (inverted, false),
        (clk1, true),
        (clk2, false),
        (clk1, false),
        (clk2, false),
    ];
    let mut previous = a;
    for (i, &(clock, clock_inverted)) in flops.iter().enumerate() {
        let q = netlist.net(&format!("q{i}"));
        let d = netlist.net(&format!("d{i}"));
        netlist.add_gate(format!("g{i}"), netlist::GateKind::Xor, &[previous, a], d);
        let info = netlist::FlopInfo { clock: Some(clock), clock_inverted, ..Default::default() };
        netlist.add_flop(format!("ff{i}"), d, q, info);
        netlist.add_output(q);
        previous = q;
    }
    netlist
}

#[test]
fn clock_domains_get_their_own_chains() {
    let netlist = two_clock_netlist();
    let inserted = insert_scan(&netlist, &ScanOptions::default()).expect("inserts");
    let chains: Vec<(Option<&str>, Vec<&str>)> = inserted
        .chains
        .chains
        .iter()
        .map(|c| (c.clock.as_deref(), c.cells.iter().map(String::as_str).collect()))
        .collect();
    // clk1 feeds a buffer and an inverter, so it is a data input of the full-scan view and the
    // chain file names no clock for chains whose cells sit on different clock nets.
    assert_eq!(
        chains,
        [
            (None, vec!["ff0", "ff1", "ff5"]),
            (None, vec!["ff2", "ff3"]),
            (Some("clk2"), vec!["ff4", "ff6"]),
        ],
        "the buffered clock is clk1; the inverted one and the falling edge share a domain"
    );
    assert!(inserted.report.notes.iter().any(|n| n.contains("3 chains instead of 1")));
    assert_equivalent(&netlist, &inserted, 3);
    assert_shifts(&inserted, 3);
    // Four chains: the largest domain gets the extra one.
    let inserted =
        insert_scan(&netlist, &options(ChainLimit::Chains(4), OrderMethod::None)).expect("inserts");
    let lengths: Vec<usize> = inserted.chains.chains.iter().map(|c| c.cells.len()).collect();
    assert_eq!(lengths, [2, 1, 2, 2]);
    assert_balanced(&inserted);
}

#[test]
fn mixed_clocks_share_balanced_chains_when_asked() {
    let netlist = two_clock_netlist();
    let mixed = ScanOptions { mix_clocks: true, ..ScanOptions::default() };
    let inserted = insert_scan(&netlist, &mixed).expect("inserts");
    let chains: Vec<Vec<&str>> = inserted
        .chains
        .chains
        .iter()
        .map(|c| c.cells.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(chains, [vec!["ff0", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6"]]);
    assert_eq!(inserted.chains.chains[0].clock, None, "several clocks: the chain names none");
    assert!(
        inserted.report.notes.iter().any(|n| n.contains("3 clock domains")),
        "{:?}",
        inserted.report.notes
    );
    assert_equivalent(&netlist, &inserted, 5);
    assert_shifts(&inserted, 5);
    let two = ScanOptions { mix_clocks: true, ..options(ChainLimit::Chains(2), OrderMethod::None) };
    let inserted = insert_scan(&netlist, &two).expect("inserts");
    let lengths: Vec<usize> = inserted.chains.chains.iter().map(|c| c.cells.len()).collect();
    assert_eq!(lengths, [4, 3], "two chains across all domains, balanced");
    assert_equivalent(&netlist, &inserted, 6);
    assert_shifts(&inserted, 6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn placement_order_on_random_netlists(
        seed in any::<u64>(),
        flops in 1usize..120,
        chains in 1usize..9,
    ) {
        let spec = RandomSpec { flops, gates: 40, ..RandomSpec::default() };
        let netlist = random_netlist(seed, &spec);
        let mut placement = Placement::new(1000.0);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for &flop in netlist.flops() {
            let position = (rng.gen_range(0..50_000), rng.gen_range(0..50) * 2720);
            placement.insert(netlist.cell(flop).name.to_string(), position);
        }
        let opts = options(ChainLimit::Chains(chains), OrderMethod::Placement(&placement));
        let inserted = insert_scan(&netlist, &opts).expect("inserts");
        let report = &inserted.report;
        prop_assert!(report.wirelength_final_um <= report.wirelength_nearest_neighbour_um);
        assert_equivalent(&netlist, &inserted, seed);
        assert_shifts(&inserted, seed);
        assert_balanced(&inserted);
    }
}

/// Random load vectors (runs of equal bits, as low-power fill makes them) and the responses the
/// circuit captures for them, as the shift-power ordering sees a pattern set.
fn simulated_patterns(netlist: &Netlist, count: usize, seed: u64) -> ShiftPatterns {
    let circuit = netlist.levelize().expect("levelizes");
    let flops = circuit.scan_cells().len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut set = ShiftPatterns::new(flops);
    for _ in 0..count {
        let mut value: bool = rng.gen();
        let load: Vec<bool> = (0..flops)
            .map(|_| {
                if rng.gen_ratio(1, 4) {
                    value = !value;
                }
                value
            })
            .collect();
        let mut inputs: Vec<u64> =
            (0..circuit.num_primary_inputs()).map(|_| u64::from(rng.gen::<bool>())).collect();
        inputs.extend(load.iter().map(|&b| u64::from(b)));
        let outputs = circuit.output_values(&circuit.simulate(&inputs));
        let unload: Vec<Option<bool>> =
            outputs[circuit.num_primary_outputs()..].iter().map(|&w| Some(w & 1 == 1)).collect();
        let load: Vec<Option<bool>> = load.into_iter().map(Some).collect();
        set.push(&load, &unload).expect("one value per flip-flop");
    }
    set
}

#[test]
fn power_order_cuts_shift_transitions() {
    let netlist =
        random_netlist(11, &RandomSpec { flops: 80, gates: 200, ..RandomSpec::default() });
    let patterns = simulated_patterns(&netlist, 64, 11);
    for chains in [1, 3] {
        let opts = ScanOptions {
            limit: ChainLimit::Chains(chains),
            order: OrderMethod::Power,
            patterns: Some(&patterns),
            seed: 5,
            ..ScanOptions::default()
        };
        let inserted = insert_scan(&netlist, &opts).expect("inserts");
        let report = &inserted.report;
        let before = report.shift_transitions_netlist_order.expect("patterns given").total();
        let after = report.shift_transitions_final.expect("patterns given").total();
        eprintln!("{chains} chains: weighted shift transitions {before} -> {after}");
        assert!(after * 10 < before * 9, "at least 10% fewer: {before} -> {after}");
        let per_chain: u64 =
            report.chains.iter().map(|c| c.shift_transitions.expect("counted").total()).sum();
        assert_eq!(per_chain, after);
        assert_eq!(report.shift_patterns, Some(64));
        assert_equivalent(&netlist, &inserted, 2);
        assert_shifts(&inserted, 2);
        assert_balanced(&inserted);
        let again = insert_scan(&netlist, &opts).expect("inserts");
        assert_eq!(again.chains, inserted.chains, "deterministic for a seed");
        // Netlist order with the same patterns reports the same "before" and no gain.
        let plain = ScanOptions { order: OrderMethod::None, ..opts.clone() };
        let plain = insert_scan(&netlist, &plain).expect("inserts");
        assert_eq!(plain.report.shift_transitions_final, report.shift_transitions_netlist_order);
    }
    let error = insert_scan(&netlist, &options(ChainLimit::Chains(1), OrderMethod::Power))
        .expect_err("no patterns");
    assert!(error.to_string().contains("pattern"), "{error}");
}

/// Library scan flip-flops (sky130 `sdfxtp`, whose `test_cell` marks `SCD`/`SCE`) are stitched
/// through their own multiplexer; plain ones (`dfxtp`) become the library's scan flip-flop
/// (`sdfxtp`), whose multiplexer is one more gate. Functional mode had the scan
/// enable tied to 0, so with `scan_enable` at 0 the design computes what it did, and the chain
/// shifts.
#[test]
fn library_scan_flip_flops_reuse_their_multiplexer() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let library = netlist::liberty::read_liberty(&dir.join("cells/sky130hd/sky130hd_tt.lib.gz"))
        .expect("sky130 reads");
    let verilog = "
module lib_scan (clk, a, b, si_old, y);
  input clk, a, b, si_old;
  output y;
  wire q1, q2, q3, n1, n2;
  sky130_fd_sc_hd__sdfxtp_1 f1 (.CLK(clk), .D(n1), .SCD(si_old), .SCE(1'b0), .Q(q1));
  sky130_fd_sc_hd__dfxtp_1 f2 (.CLK(clk), .D(n2), .Q(q2));
  sky130_fd_sc_hd__sdfxtp_1 f3 (.CLK(clk), .D(q2), .SCD(q1), .SCE(1'b0), .Q(q3));
  sky130_fd_sc_hd__xor2_1 g1 (.A(a), .B(q3), .X(n1));
  sky130_fd_sc_hd__nand2_1 g2 (.A(b), .B(q1), .Y(n2));
  sky130_fd_sc_hd__buf_1 g3 (.A(q3), .X(y));
endmodule
";
    let netlist = read_cells(verilog, "lib_scan.v", &library);
    let plain = netlist.gate_count();
    for chains in [1, 2] {
        let opts = ScanOptions {
            limit: ChainLimit::Chains(chains),
            library: Some(&library),
            ..ScanOptions::default()
        };
        let inserted = insert_scan(&netlist, &opts).expect("inserts");
        assert_eq!(inserted.report.library_scan_cells, 2);
        assert_eq!(inserted.report.library_scan_cells_reused, 2);
        assert_eq!(inserted.report.library_scan_cells_swapped, 1);
        assert_eq!(inserted.report.multiplexed_flops, 0);
        let f2 = inserted.netlist.instances().iter().find(|i| i.name == "f2").expect("f2");
        assert_eq!(f2.cell_type, "sky130_fd_sc_hd__sdfxtp_1");
        // One multiplexer (f2's scan cell's) and one buffer per scan-out.
        assert_eq!(inserted.netlist.gate_count(), plain + 1 + chains);
        assert_equivalent(&netlist, &inserted, 9);
        assert_shifts(&inserted, 9);
        // The instance's pin record names the new connections.
        let f3 = inserted.netlist.instances().iter().find(|i| i.name == "f3").expect("f3");
        let scan_enable = inserted.netlist.find_net("scan_enable").expect("port");
        assert!(f3.pins.iter().any(|p| p.name == "SCE" && p.net == scan_enable));
    }
    // Without the library the cells are not recognised as reusable: three multiplexers.
    let inserted = insert_scan(&netlist, &ScanOptions::default()).expect("inserts");
    assert_eq!(inserted.report.library_scan_cells_reused, 0);
    assert_eq!(inserted.netlist.gate_count(), plain + 3 + 1);
    assert_equivalent(&netlist, &inserted, 9);
    assert_shifts(&inserted, 9);
}

/// Writes the scan-inserted netlist with its cells, reads it back with the library, and
/// returns it with the same chains: the netlist a user gets from `atpg scan --liberty`.
/// A cell netlist in Verilog source, read with `library`.
fn read_cells(verilog: &str, file: &str, library: &netlist::Library) -> Netlist {
    let options = netlist::verilog::VerilogOptions { library: Some(library), ..Default::default() };
    netlist::verilog::parse_verilog(verilog, file, &options).expect("design reads")
}

fn reread(inserted: &Inserted, library: &netlist::Library) -> Inserted {
    let text = netlist::verilog_writer::write_verilog_cells(&inserted.netlist);
    let netlist = read_cells(&text, "scan.v", library);
    assert_eq!(netlist.gate_count(), inserted.netlist.gate_count(), "the same decomposition");
    assert_eq!(netlist.instances().len(), inserted.netlist.instances().len());
    Inserted { netlist, chains: inserted.chains.clone(), report: inserted.report.clone() }
}

/// On library netlists, every plain flip-flop becomes the library's scan flip-flop (sky130
/// `dfxtp_1` -> `sdfxtp_1`, NanGate `DFF_X1` -> `SDFF_X1`, IWLS05 `DFFSRX1` -> `SDFFSRX1`);
/// the netlist written with its cells and read back computes what the original does with
/// `scan_enable` at 0 and shifts with it at 1, as does the netlist in memory.
#[test]
fn library_flip_flops_become_scan_flip_flops() {
    let Some(dir) = netlist::testdata::benchmarks() else {
        eprintln!("notice: ../shared/benchmarks absent; skipping the library scan swap");
        return;
    };
    for (design, lib, scan_prefix) in [
        (
            "cells/sky130hd/gcd_sky130hd.v",
            "cells/sky130hd/sky130hd_tt.lib.gz",
            "sky130_fd_sc_hd__sdf",
        ),
        ("cells/nangate45/gcd_nangate45.v", "cells/nangate45/nangate45_functions.lib", "SDFF"),
        ("cells/iwls05_gsclib/s1196.v", "cells/iwls05_gsclib/gsclib_functions.lib", "SDFF"),
    ] {
        let library = netlist::liberty::read_liberty(&dir.join(lib)).expect("library reads");
        let read = netlist::ReadOptions { library: Some(&library), ..Default::default() };
        let original = netlist::read_netlist(&dir.join(design), &read).expect("design reads");
        let flops = original.flops().len();
        for chains in [1, 3] {
            let opts = ScanOptions {
                limit: ChainLimit::Chains(chains),
                library: Some(&library),
                ..ScanOptions::default()
            };
            let inserted = insert_scan(&original, &opts).expect("inserts");
            assert_eq!(inserted.report.library_scan_cells_swapped, flops, "{design}");
            assert_eq!(inserted.report.multiplexed_flops, 0, "{design}");
            assert_equivalent(&original, &inserted, 3);
            assert_shifts(&inserted, 3);
            let back = reread(&inserted, &library);
            for &flop in back.netlist.flops() {
                let instance = back.netlist.cell(flop).instance.expect("a cell");
                let cell_type = &back.netlist.instances()[instance.index()].cell_type;
                assert!(cell_type.starts_with(scan_prefix), "{design}: {cell_type}");
            }
            assert_equivalent(&original, &back, 4);
            assert_shifts(&back, 4);
        }
    }
}

/// A library without scan flip-flops: each flip-flop gets a multiplexer in front of its data
/// pin, stays an instance of its cell in the written netlist, and the report says so.
#[test]
fn flip_flops_without_a_scan_cell_get_a_multiplexer_in_front_of_their_pin() {
    let library = netlist::Library::parse(
        r#"library (noscan) {
  cell (DFFR) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; clear : "!RN"; }
    pin (D) { direction : input; }
    pin (CK) { direction : input; clock : true; }
    pin (RN) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
  cell (NAND2) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "!(A & B)"; }
  }
}"#,
        "noscan.lib",
    )
    .expect("library reads");
    let verilog = "
module noscan (clk, rn, a, y);
  input clk, rn, a;
  output y;
  wire q1, q2, n1, n2;
  DFFR f1 (.CK(clk), .RN(rn), .D(n1), .Q(q1));
  DFFR f2 (.CK(clk), .RN(rn), .D(n2), .QN(q2));
  NAND2 g1 (.A(a), .B(q2), .Y(n1));
  NAND2 g2 (.A(q1), .B(q1), .Y(n2));
  NAND2 g3 (.A(q1), .B(q2), .Y(y));
endmodule
";
    let original = read_cells(verilog, "noscan.v", &library);
    let opts = ScanOptions { library: Some(&library), ..ScanOptions::default() };
    let inserted = insert_scan(&original, &opts).expect("inserts");
    assert_eq!(inserted.report.library_scan_cells_swapped, 0);
    assert_eq!(inserted.report.multiplexed_flops, 2);
    assert!(
        inserted.report.notes.iter().any(|n| n.contains("2 instances of `DFFR`")),
        "{:?}",
        inserted.report.notes
    );
    let text = netlist::verilog_writer::write_verilog_cells(&inserted.netlist);
    assert_eq!(text.matches("DFFR ").count(), 2, "{text}");
    assert!(!text.contains("$_DFF"), "{text}");
    assert_equivalent(&original, &inserted, 5);
    assert_shifts(&inserted, 5);
    let back = reread(&inserted, &library);
    assert_equivalent(&original, &back, 6);
    assert_shifts(&back, 6);
}

/// A small library: a NAND, a D flip-flop with an active-low clear and both outputs, a plain D
/// flip-flop, the scan version of the first (with its scan enable inverted, to exercise the
/// inverters) and no scan version of the second.
const SMALL_LIB: &str = r#"
library (small) {
  cell (NAND2) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "!(A & B)"; }
  }
  cell (DFFR_X1) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; clear : "!RN"; }
    pin (D) { direction : input; }
    pin (CK) { direction : input; clock : true; }
    pin (RN) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
  cell (DFF_X1) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; }
    pin (D) { direction : input; }
    pin (CK) { direction : input; clock : true; }
    pin (Q) { direction : output; function : "IQ"; }
  }
  cell (SDFFR_X2) {
    area : 2;
    ff (IQ, IQN) { next_state : "(D & SEN) | (SI & !SEN)"; clocked_on : "CK"; clear : "!RN"; }
    pin (D) { direction : input; }
    pin (SI) { direction : input; signal_type : test_scan_in; }
    pin (SEN) { direction : input; signal_type : test_scan_enable_inverted; }
    pin (CK) { direction : input; clock : true; }
    pin (RN) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
}
"#;

/// A random netlist of the small library's cells: `n` NANDs and flip-flops reading earlier
/// signals, outputs left unconnected at random.
fn random_cell_netlist(library: &netlist::Library, seed: u64, n: usize) -> Netlist {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut netlist = Netlist::new("cells");
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
        let cell = |c: &str| library.cell(c).expect("small cell");
        let pins: Vec<(&str, netlist::NetId)> = match rng.gen_range(0..3) {
            0 => vec![("A", x), ("B", y), ("Y", out)],
            1 => vec![("D", x), ("CK", clk), ("RN", rn), (if rng.gen() { "Q" } else { "QN" }, out)],
            _ => vec![("D", x), ("CK", clk), ("Q", out)],
        };
        let cell_name = match pins.len() {
            3 if pins[0].0 == "A" => "NAND2",
            3 => "DFF_X1",
            _ => "DFFR_X1",
        };
        cell(cell_name).instantiate(&mut netlist, &name, &pins, pos).expect("instantiates");
        signals.push(out);
    }
    for &net in signals[3..].iter().rev().take(3) {
        netlist.add_output(net);
    }
    netlist
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// With a library, random cell netlists come out of scan insertion with every `DFFR_X1`
    /// swapped for `SDFFR_X2` (inverted scan enable) and every `DFF_X1` multiplexed at its D
    /// pin; written with their cells and read back, they compute what the original does and
    /// shift, as the netlist in memory does.
    #[test]
    fn random_cell_netlists_swap_and_shift(seed in any::<u64>(), n in 1usize..40, chains in 1usize..4) {
        let library = netlist::Library::parse(SMALL_LIB, "small.lib").expect("small library");
        let original = random_cell_netlist(&library, seed, n);
        // Netlists without flip-flops get no chains (`combinational_netlists_get_no_chains`).
        prop_assume!(!original.flops().is_empty());
        let count = |cell: &str| {
            original.instances().iter().filter(|i| i.cell_type == cell).count()
        };
        let opts = ScanOptions {
            limit: ChainLimit::Chains(chains),
            library: Some(&library),
            ..ScanOptions::default()
        };
        let inserted = insert_scan(&original, &opts).expect("inserts");
        prop_assert_eq!(inserted.report.library_scan_cells_swapped, count("DFFR_X1"));
        prop_assert_eq!(inserted.report.multiplexed_flops, count("DFF_X1"));
        assert_equivalent(&original, &inserted, seed);
        assert_shifts(&inserted, seed);
        let back = reread(&inserted, &library);
        let text = netlist::verilog_writer::write_verilog_cells(&inserted.netlist);
        prop_assert!(!text.contains("$_DFF"), "{}", text);
        assert_equivalent(&original, &back, seed);
        assert_shifts(&back, seed);
    }
}

/// A flip-flop whose next state is logic inside its cell (sky130 `edfxtp`, an enable
/// flip-flop) has no scan equivalent and no D pin to put the multiplexer in front of: the
/// multiplexer goes in front of the flip-flop primitive, and the cell writer writes that one
/// instance as its primitives, so the written netlist still computes what the original does
/// and shifts.
#[test]
fn enable_flip_flops_are_multiplexed_inside_and_written_as_primitives() {
    let Some(dir) = netlist::testdata::benchmarks() else { return };
    let library = netlist::liberty::read_liberty(&dir.join("cells/sky130hd/sky130hd_tt.lib.gz"))
        .expect("sky130 reads");
    let verilog = "
module enable_ff (clk, a, de, y);
  input clk, a, de;
  output y;
  wire q1, q2, n1;
  sky130_fd_sc_hd__edfxtp_1 f1 (.CLK(clk), .D(n1), .DE(de), .Q(q1));
  sky130_fd_sc_hd__dfxtp_1 f2 (.CLK(clk), .D(q1), .Q(q2));
  sky130_fd_sc_hd__nand2_1 g1 (.A(a), .B(q2), .Y(n1));
  sky130_fd_sc_hd__buf_1 g2 (.A(q2), .X(y));
endmodule
";
    let original = read_cells(verilog, "enable_ff.v", &library);
    let opts = ScanOptions { library: Some(&library), ..ScanOptions::default() };
    let inserted = insert_scan(&original, &opts).expect("inserts");
    assert_eq!(inserted.report.library_scan_cells_swapped, 1);
    assert_eq!(inserted.report.multiplexed_flops, 1);
    assert!(
        inserted.report.notes.iter().any(|n| n.contains("`sky130_fd_sc_hd__edfxtp_1`")),
        "{:?}",
        inserted.report.notes
    );
    assert_equivalent(&original, &inserted, 8);
    assert_shifts(&inserted, 8);
    let text = netlist::verilog_writer::write_verilog_cells(&inserted.netlist);
    assert!(!text.contains("edfxtp"), "{text}");
    assert!(text.contains("sky130_fd_sc_hd__sdfxtp_1 f2 ("), "{text}");
    let back = read_cells(&text, "scan.v", &library);
    assert_eq!(back.gate_count(), inserted.netlist.gate_count());
    let back = Inserted {
        netlist: back,
        chains: inserted.chains.clone(),
        report: inserted.report.clone(),
    };
    assert_equivalent(&original, &back, 9);
    assert_shifts(&back, 9);
}
