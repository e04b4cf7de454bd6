//! Tests of the structural Verilog reader: the shared benchmark suites (ISCAS-85/89, EPFL,
//! Yosys, standard-cell netlists with their Liberty libraries), one small source per feature,
//! and error reporting (positions, and no panic on any input).

use std::collections::HashMap;
use std::path::Path;

use netlist::liberty::{read_liberty, Library};
use netlist::testdata::benchmarks;
use netlist::verilog::{parse_verilog, parse_verilog_sources, VerilogOptions};
use netlist::{CellKind, GateKind, NetId, Netlist, ParseError};

mod common;

// ----- helpers -----------------------------------------------------------------------------------

fn parse(text: &str) -> Netlist {
    parse_verilog(text, "test.v", &VerilogOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(text: &str) -> ParseError {
    match parse_verilog(text, "test.v", &VerilogOptions::default()) {
        Ok(n) => panic!("expected an error, got a netlist with {} gates", n.gate_count()),
        Err(e) => e,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_file(path: &Path, library: Option<&Library>) -> Netlist {
    let text = read(path);
    let options = VerilogOptions { top: None, library };
    parse_verilog(&text, &path.display().to_string(), &options).unwrap_or_else(|e| panic!("{e}"))
}

fn net(n: &Netlist, name: &str) -> NetId {
    n.find_net(name).unwrap_or_else(|| panic!("no net `{name}`"))
}

fn port_names(n: &Netlist, cells: &[netlist::CellId]) -> Vec<String> {
    cells.iter().map(|&c| n.cell(c).name.to_string()).collect()
}

fn gates_of(n: &Netlist, kind: GateKind) -> usize {
    n.gates().filter(|&c| n.cell(c).kind == CellKind::Gate(kind)).count()
}

/// The value of `net` over 64 patterns, given the words of the primary inputs and flip-flop
/// outputs by net name.
fn eval(
    n: &Netlist,
    net: NetId,
    given: &HashMap<&str, u64>,
    memo: &mut HashMap<NetId, u64>,
) -> u64 {
    if let Some(&v) = memo.get(&net) {
        return v;
    }
    let name = n.net_name(net);
    let value = if let Some(&v) = given.get(name) {
        v
    } else {
        let drivers = n.net_drivers(net);
        assert_eq!(drivers.len(), 1, "net `{name}` has {} drivers", drivers.len());
        let cell = n.cell(drivers[0]);
        match &cell.kind {
            CellKind::Gate(kind) => {
                let inputs: Vec<u64> = n
                    .cell_inputs(drivers[0])
                    .into_iter()
                    .map(|i| eval(n, i, given, memo))
                    .collect();
                kind.eval_words(inputs)
            }
            other => panic!("net `{name}` is driven by {other:?} but has no given value"),
        }
    };
    memo.insert(net, value);
    value
}

/// Standard exhaustive patterns: input `k` of up to 6 toggles every `2^k` patterns.
const PATTERN: [u64; 6] = netlist::gate::TRUTH_TABLE_WORDS;

/// Evaluates `outputs` with the named inputs set to the exhaustive patterns, in order.
fn truth(n: &Netlist, inputs: &[&str], outputs: &[&str]) -> Vec<u64> {
    let given: HashMap<&str, u64> = inputs.iter().zip(PATTERN).map(|(&i, p)| (i, p)).collect();
    let mut memo = HashMap::new();
    outputs.iter().map(|o| eval(n, net(n, o), &given, &mut memo)).collect()
}

// ----- shared benchmarks -------------------------------------------------------------------------

/// (file, PIs, POs, flip-flops, gate primitives, switch-level `dff`), from PROVENANCE.md.
const ISCAS_VERILOG: &[(&str, usize, usize, usize, usize, bool)] = &[
    ("c17.v", 5, 2, 0, 6, false),
    ("c432.v", 36, 7, 0, 160, false),
    ("c499.v", 41, 32, 0, 202, false),
    ("c880.v", 60, 26, 0, 383, false),
    ("c1355.v", 41, 32, 0, 546, false),
    ("c1908.v", 33, 25, 0, 880, false),
    ("c2670.v", 233, 140, 0, 1269, false),
    ("c3540.v", 50, 22, 0, 1669, false),
    ("c5315.v", 178, 123, 0, 2307, false),
    ("c6288.v", 32, 32, 0, 2416, false),
    ("c7552.v", 207, 108, 0, 3513, false),
    ("s27.v", 5, 1, 3, 10, false),
    ("s298.v", 6, 6, 14, 122, true),
    ("s344.v", 12, 11, 15, 163, true),
    ("s349.v", 12, 11, 15, 164, true),
    ("s382.v", 4, 6, 21, 158, false),
    ("s386.v", 10, 7, 6, 162, true),
    ("s400.v", 6, 6, 21, 166, true),
    ("s420.v", 19, 1, 16, 218, false),
    ("s444.v", 6, 6, 21, 184, true),
    ("s510.v", 22, 7, 6, 214, true),
    ("s526.v", 6, 6, 21, 196, true),
    ("s641.v", 36, 24, 19, 379, false),
    ("s713.v", 36, 23, 19, 393, false),
    ("s820.v", 21, 19, 5, 289, false),
    ("s832.v", 21, 19, 5, 287, false),
    ("s838.v", 37, 1, 32, 449, true),
    ("s953.v", 19, 23, 29, 395, false),
    ("s1196.v", 14, 14, 18, 529, false),
    ("s1238.v", 15, 14, 18, 508, false),
    ("s1423.v", 18, 5, 74, 657, false),
    ("s1488.v", 9, 19, 6, 653, false),
    ("s5378.v", 36, 49, 179, 2779, false),
    ("s9234.v", 37, 39, 211, 5597, false),
    ("s13207.v", 63, 152, 638, 7951, false),
    ("s15850.v", 78, 150, 534, 9772, false),
    ("s35932.v", 36, 320, 1728, 16065, false),
    ("s38417.v", 29, 106, 1636, 22179, false),
    ("s38584.v", 39, 304, 1426, 19253, false),
];

#[test]
fn iscas_verilog_counts_match_provenance() {
    let Some(b) = benchmarks() else { return };
    for &(file, pis, pos, flops, gates, switch_level) in ISCAS_VERILOG {
        let suite = if file.starts_with('c') { "iscas85" } else { "iscas89" };
        let n = parse_file(&b.join(suite).join("verilog").join(file), None);
        // PROVENANCE counts the 3 NOTs inside a switch-level `dff` module, which is mapped to a
        // flip-flop rather than elaborated.
        let expected_gates = if switch_level { gates - 3 } else { gates };
        assert_eq!(n.flops().len(), flops, "{file}: flip-flops");
        assert_eq!(n.gate_count(), expected_gates, "{file}: gates");
        assert_eq!(n.inputs().len(), pis, "{file}: inputs");
        assert_eq!(n.outputs().len(), pos, "{file}: outputs");
        for &f in n.flops() {
            let CellKind::Flop(info) = &n.cell(f).kind else { unreachable!() };
            if file != "s1196.v" {
                assert_eq!(
                    info.clock.map(|c| n.net_name(c)),
                    Some("CK"),
                    "{file}: clock of {}",
                    n.cell(f).name
                );
            }
        }
    }
}

#[test]
fn iscas89_flops_match_bench_connectivity() {
    // s27: G5 = DFF(G10), G6 = DFF(G11), G7 = DFF(G13) in s27.bench.
    let Some(b) = benchmarks() else { return };
    let n = parse_file(&b.join("iscas89/verilog/s27.v"), None);
    let mut pairs: Vec<(String, String)> = n
        .flops()
        .iter()
        .map(|&f| {
            let d = n.cell_inputs(f)[0];
            let q = n.cell_output(f).expect("a flop drives Q");
            (n.net_name(q).to_string(), n.net_name(d).to_string())
        })
        .collect();
    pairs.sort();
    let expected = [("G5", "G10"), ("G6", "G11"), ("G7", "G13")];
    assert_eq!(pairs, expected.map(|(q, d)| (q.to_string(), d.to_string())));
    assert_eq!(port_names(&n, n.inputs()), ["CK", "G0", "G1", "G2", "G3"]);
}

/// (circuit, PIs, POs) from PROVENANCE.md; `hyp.v` is not in the collection.
const EPFL: &[(&str, usize, usize)] = &[
    ("adder", 256, 129),
    ("bar", 135, 128),
    ("div", 128, 128),
    ("log2", 32, 32),
    ("max", 512, 130),
    ("multiplier", 128, 128),
    ("sin", 24, 25),
    ("sqrt", 128, 64),
    ("square", 64, 128),
];

#[test]
fn epfl_port_counts_match_provenance() {
    let Some(b) = benchmarks() else { return };
    for &(name, pis, pos) in EPFL {
        let path = b.join("epfl/arithmetic").join(format!("{name}.v"));
        let n = parse_file(&path, None);
        assert_eq!(n.inputs().len(), pis, "{name}: inputs");
        assert_eq!(n.outputs().len(), pos, "{name}: outputs");
        assert_eq!(n.flops().len(), 0, "{name}");
        assert!(n.gate_count() > 0, "{name}");
    }
}

#[test]
fn epfl_adder_adds() {
    let Some(b) = benchmarks() else { return };
    let n = parse_file(&b.join("epfl/arithmetic/adder.v"), None);
    // 2-bit check on the low bits with all higher inputs 0: f = a + b.
    let mut given: HashMap<&str, u64> = HashMap::new();
    let names: Vec<String> =
        (0..128).flat_map(|i| [format!("a[{i}]"), format!("b[{i}]")]).collect();
    for name in &names {
        given.insert(name, 0);
    }
    given.insert("a[0]", PATTERN[0]);
    given.insert("a[1]", PATTERN[1]);
    given.insert("b[0]", PATTERN[2]);
    given.insert("b[1]", PATTERN[3]);
    let mut memo = HashMap::new();
    let f: Vec<u64> =
        ["f[0]", "f[1]", "f[2]"].iter().map(|o| eval(&n, net(&n, o), &given, &mut memo)).collect();
    for p in 0..16 {
        let (a, b) = (p & 3, p >> 2);
        let sum = (0..3).map(|k| ((f[k] >> p) & 1) << k).sum::<u64>();
        assert_eq!(sum, (a + b) as u64, "pattern {p}");
    }
}

#[test]
fn yosys_generic_netlists_parse() {
    let Some(b) = benchmarks() else { return };
    // (file, top, cell instances, flip-flops) from PROVENANCE.md. Every instance of these
    // files is one primitive ($_AND_/$_OR_/$_NOT_/$_XOR_ or $_DFF_PP0_).
    let expected = [
        ("16-bit-mult-gates.v", "multiplier", 687, 0),
        ("c17.v", "c17", 8, 0),
        ("c432.v", "c432", 189, 0),
        ("c6288.v", "c6288", 1835, 0),
        ("c880.v", "c880", 311, 0),
        ("crc-32-gates.v", "crc32", 711, 0),
        ("s27.v", "s27_bench", 14, 3),
        ("s386.v", "s386_bench", 148, 6),
    ];
    let mut seen = 0;
    for entry in std::fs::read_dir(b.join("yosys")).expect("yosys folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "v") {
            seen += 1;
            let n = parse_file(&path, None);
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
            if let Some(&(_, top, cells, flops)) = expected.iter().find(|e| e.0 == file) {
                assert_eq!(n.name(), top, "{file}");
                assert_eq!(n.flops().len(), flops, "{file}: flip-flops");
                // `assign`s add buffers and constants; count the cells' gates.
                let cell_gates: usize = [GateKind::And, GateKind::Or, GateKind::Xor, GateKind::Not]
                    .iter()
                    .map(|&k| gates_of(&n, k))
                    .sum();
                assert_eq!(cell_gates + n.flops().len(), cells, "{file}: cells");
            }
        }
    }
    assert_eq!(seen, expected.len());
}

#[test]
fn yosys_s27_flops_have_reset() {
    let Some(b) = benchmarks() else { return };
    let n = parse_file(&b.join("yosys/s27.v"), None);
    for &f in n.flops() {
        let CellKind::Flop(info) = &n.cell(f).kind else { unreachable!() };
        assert_eq!(info.clock.map(|c| n.net_name(c)), Some("blif_clk_net"));
        assert_eq!(info.clear.map(|c| n.net_name(c)), Some("blif_reset_net"));
        assert!(!info.clock_inverted);
    }
}

fn library(path: &Path) -> Library {
    read_liberty(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks flip-flops (latches apart) and cell instances.
fn check_flops(n: &Netlist, file: &str, flops: usize, instances: usize) {
    let latches = n
        .flops()
        .iter()
        .filter(|&&f| matches!(&n.cell(f).kind, CellKind::Flop(i) if i.is_latch))
        .count();
    assert_eq!(n.flops().len() - latches, flops, "{file}: flip-flops");
    assert_eq!(n.instances().len(), instances, "{file}: cell instances");
}

#[test]
fn sky130_netlists_parse_with_the_vendor_library() {
    let Some(b) = benchmarks() else { return };
    let lib = library(&b.join("cells/sky130hd/sky130hd_tt.lib.gz"));
    for (file, top, instances, flops) in [
        ("gcd_sky130hd.v", "gcd", 249, 35),
        ("aes_sky130hd.v", "aes_cipher_top", 17209, 530),
        ("ibex_sky130hd.v", "ibex_core", 15695, 1931),
    ] {
        let n = parse_file(&b.join("cells/sky130hd").join(file), Some(&lib));
        assert_eq!(n.name(), top);
        check_flops(&n, file, flops, instances);
    }
}

#[test]
fn nangate45_netlists_parse_with_the_function_library() {
    let Some(b) = benchmarks() else { return };
    let lib = library(&b.join("cells/nangate45/nangate45_functions.lib"));
    for (file, top, instances, flops) in
        [("gcd_nangate45.v", "gcd", 362, 35), ("aes_nangate45.v", "aes_cipher_top", 16758, 530)]
    {
        let n = parse_file(&b.join("cells/nangate45").join(file), Some(&lib));
        assert_eq!(n.name(), top);
        check_flops(&n, file, flops, instances);
    }
}

#[test]
fn placed_netlists_parse() {
    let Some(b) = benchmarks() else { return };
    let nangate = library(&b.join("cells/nangate45/nangate45_functions.lib"));
    let n = parse_file(&b.join("placed/aes_cipher_top/aes_cipher_top.v"), Some(&nangate));
    assert_eq!(n.flops().len(), 530);

    // ibex_core.v.gz is gzip-compressed.
    let raw = std::fs::read(b.join("placed/ibex_core/ibex_core.v.gz")).expect("ibex_core.v.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut text)
        .expect("gzip");
    let options = VerilogOptions { top: None, library: Some(&nangate) };
    let n = parse_verilog(&text, "ibex_core.v", &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.flops().len(), 3748);
    assert_eq!(n.instances().len(), 29301);

    // dual_spm: the top module and its leaf module are two files; sky130 cells.
    let sky130 = library(&b.join("cells/sky130hd/sky130hd_tt.lib.gz"));
    let top = read(&b.join("placed/dual_spm/dual_spm.v"));
    let leaf = read(&b.join("placed/dual_spm/spm.v"));
    let options = VerilogOptions { top: None, library: Some(&sky130) };
    let n = parse_verilog_sources(&[("dual_spm.v", &top), ("spm.v", &leaf)], &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.name(), "dual_spm");
    assert_eq!(n.flops().len(), 128);
    assert_eq!(n.instances().len(), 630);
    // Hierarchical instance names match the DEF's component names.
    assert!(n
        .instances()
        .iter()
        .all(|i| i.name.starts_with("spm_inst_0/") || i.name.starts_with("spm_inst_1/")));
}

#[test]
fn iwls05_gsclib_netlists_parse() {
    let Some(b) = benchmarks() else { return };
    let lib = library(&b.join("cells/iwls05_gsclib/gsclib_functions.lib"));
    for (file, top, instances, flops) in [
        ("s1196.v", "s1196", 483, 18),
        ("s1423.v", "s1423", 607, 74),
        ("s27.v", "s27", 19, 3),
        ("s298.v", "s298", 141, 14),
        ("s38584.v", "s38584", 6724, 1178),
        ("s386.v", "s386", 167, 6),
        ("s5378.v", "s5378", 1294, 163),
        ("s9234_1.v", "s9234_1", 974, 145),
    ] {
        let n = parse_file(&b.join("cells/iwls05_gsclib").join(file), Some(&lib));
        assert_eq!(n.name(), top);
        check_flops(&n, file, flops, instances);
    }
    // With the port-only stubs of cell_stubs.v in the same read, the library still defines
    // the cells and the stubs are not candidates for the top module.
    let stubs = read(&b.join("cells/iwls05_gsclib/cell_stubs.v"));
    let s27 = read(&b.join("cells/iwls05_gsclib/s27.v"));
    let options = VerilogOptions { top: None, library: Some(&lib) };
    let n = parse_verilog_sources(&[("cell_stubs.v", &stubs), ("s27.v", &s27)], &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.name(), "s27");
    assert_eq!(n.flops().len(), 3);
}

#[test]
fn every_prefix_of_a_real_file_is_an_error_or_a_netlist() {
    let Some(b) = benchmarks() else { return };
    for file in ["iscas89/verilog/s27.v", "iscas89/verilog/s298.v", "yosys/s27.v"] {
        let text = read(&b.join(file));
        for end in (0..text.len()).filter(|&e| text.is_char_boundary(e)) {
            let prefix = &text[..end];
            // Must not panic; a prefix that stops before `endmodule` must be an error.
            let result = parse_verilog(prefix, file, &VerilogOptions::default());
            if !prefix.contains("endmodule") {
                assert!(result.is_err(), "{file}: prefix of {end} bytes");
            }
        }
    }
}

// ----- features ----------------------------------------------------------------------------------

#[test]
fn ansi_ports_vectors_and_port_order() {
    let n = parse(
        "module m(input [3:0] a, input b, output [0:1] y, output z);
           assign y = {a[3] & b, a[0]};
           assign z = |a;
         endmodule",
    );
    assert_eq!(n.name(), "m");
    // Bits in declaration order, each vector from its left index.
    assert_eq!(port_names(&n, n.inputs()), ["a[3]", "a[2]", "a[1]", "a[0]", "b"]);
    assert_eq!(port_names(&n, n.outputs()), ["y[0]", "y[1]", "z"]);
    // y = [0:1], so y[0] is the most significant bit: y[0] = a[3] & b, y[1] = a[0].
    let t = truth(&n, &["a[3]", "a[2]", "a[1]", "a[0]", "b"], &["y[0]", "y[1]", "z"]);
    assert_eq!(t[0], PATTERN[0] & PATTERN[4]);
    assert_eq!(t[1], PATTERN[3]);
    assert_eq!(t[2], PATTERN[0] | PATTERN[1] | PATTERN[2] | PATTERN[3]);
}

#[test]
fn negative_and_ascending_ranges() {
    let n = parse("module m(input [1:-2] a, input [0:2] b, output y, z); assign y = a[-2]; assign z = b[2]; endmodule");
    assert_eq!(
        port_names(&n, n.inputs()),
        ["a[1]", "a[0]", "a[-1]", "a[-2]", "b[0]", "b[1]", "b[2]"]
    );
    assert_eq!(truth(&n, &["a[-2]", "b[2]"], &["y", "z"]), [PATTERN[0], PATTERN[1]]);
}

#[test]
fn non_ansi_ports_follow_declaration_order() {
    let n = parse(
        "module m(y, b, a);
           output y;
           input a, b;
           wire w;
           nand g1 (w, a, b);
           not (y, w);
         endmodule",
    );
    assert_eq!(port_names(&n, n.inputs()), ["a", "b"]);
    assert_eq!(port_names(&n, n.outputs()), ["y"]);
    assert_eq!(truth(&n, &["a", "b"], &["y"]), [PATTERN[0] & PATTERN[1]]);
    // The unnamed `not` gets a generated name.
    assert!(n.gates().any(|g| n.cell(g).name == "prim_0"));
}

#[test]
fn escaped_identifiers_and_vector_bits_are_the_same_net() {
    let n = parse(
        r"module m(\a[0] , \a[1] , \y.z );
           input \a[0] , \a[1] ;
           output \y.z ;
           wire [1:0] a;
           assign \y.z  = a[0] ^ \a[1] ;
         endmodule",
    );
    assert_eq!(port_names(&n, n.inputs()), ["a[0]", "a[1]"]);
    assert_eq!(port_names(&n, n.outputs()), ["y.z"]);
    assert_eq!(truth(&n, &["a[0]", "a[1]"], &["y.z"]), [PATTERN[0] ^ PATTERN[1]]);
}

#[test]
fn part_selects_concatenation_and_constants() {
    let n = parse(
        "module m(input [7:0] a, output [7:0] y, output [3:0] z, output [1:0] k);
           assign y = {a[3:0], a[7:4]};
           assign z = {2'b01, a[1 +: 2]};
           assign k = 2'bx1;
         endmodule",
    );
    let names: Vec<String> = (0..8).map(|i| format!("a[{i}]")).collect();
    let given: HashMap<&str, u64> =
        names.iter().enumerate().map(|(i, s)| (s.as_str(), 1u64 << i)).collect();
    let mut memo = HashMap::new();
    let mut value = |name: &str| eval(&n, net(&n, name), &given, &mut memo);
    for i in 0..4 {
        assert_eq!(value(&format!("y[{}]", i + 4)), 1 << i, "y[{}]", i + 4);
        assert_eq!(value(&format!("y[{i}]")), 1 << (i + 4), "y[{i}]");
    }
    assert_eq!(value("z[0]"), 1 << 1);
    assert_eq!(value("z[1]"), 1 << 2);
    assert_eq!(value("z[2]"), !0);
    assert_eq!(value("z[3]"), 0);
    assert_eq!(value("k[0]"), !0);
    // Constants drive constant gates.
    assert_eq!(gates_of(&n, GateKind::ConstX), 1);
    assert!(gates_of(&n, GateKind::Const0) >= 1 && gates_of(&n, GateKind::Const1) >= 1);
}

#[test]
fn unsized_and_sized_literals() {
    let n = parse(
        "module m(output [3:0] a, output [3:0] b, output c, output [7:0] d);
           assign a = 0;
           assign b = 'b1;
           assign c = 1'b1;
           assign d = 8'hA5;
         endmodule",
    );
    let mut memo = HashMap::new();
    let given = HashMap::new();
    let mut value = |name: &str| eval(&n, net(&n, name), &given, &mut memo);
    assert_eq!((0..4).map(|i| value(&format!("a[{i}]"))).collect::<Vec<_>>(), [0, 0, 0, 0]);
    assert_eq!((0..4).map(|i| value(&format!("b[{i}]"))).collect::<Vec<_>>(), [!0, 0, 0, 0]);
    assert_eq!(value("c"), !0);
    let d: u64 = (0..8).map(|i| (value(&format!("d[{i}]")) & 1) << i).sum();
    assert_eq!(d, 0xA5);
    // Unsized literals adapt silently.
    assert!(n.diagnostics().is_empty(), "{:?}", n.diagnostics());
}

#[test]
fn operators_of_assign() {
    let n = parse(
        "module m(input a, b, c, output [9:0] y);
           assign y[0] = ~a;
           assign y[1] = a ~^ b;
           assign y[2] = a ^~ b;
           assign y[3] = (a | b) & c;
           assign y[4] = a ? b : c;
           assign y[5] = !a;
           assign y[6] = a & ~b, y[7] = ~a & ~b;
           assign y[8] = a && (b || c);
           assign y[9] = a == b;
         endmodule",
    );
    let outputs: Vec<String> = (0..10).map(|i| format!("y[{i}]")).collect();
    let refs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let t = truth(&n, &["a", "b", "c"], &refs);
    let (a, b, c) = (PATTERN[0], PATTERN[1], PATTERN[2]);
    assert_eq!(
        t,
        [
            !a,
            !(a ^ b),
            !(a ^ b),
            (a | b) & c,
            (a & b) | (!a & c),
            !a,
            a & !b,
            !a & !b,
            a & (b | c),
            !(a ^ b)
        ]
    );
    // `~a & ~b` is one NOR.
    let y7 = n.net_drivers(net(&n, "y[7]"))[0];
    assert_eq!(n.cell(y7).kind, CellKind::Gate(GateKind::Nor));
}

#[test]
fn vector_operators_are_bitwise_and_width_mismatches_warn() {
    let n = parse(
        "module m(input [3:0] a, input [1:0] b, output [3:0] y, output [1:0] z);
           assign y = a & b;
           assign z = a;
         endmodule",
    );
    // b is zero-extended: y = {0, 0, a[1] & b[1], a[0] & b[0]}.
    let t = truth(
        &n,
        &["a[0]", "a[1]", "b[0]", "b[1]"],
        &["y[0]", "y[1]", "y[2]", "y[3]", "z[0]", "z[1]"],
    );
    assert_eq!(t, [PATTERN[0] & PATTERN[2], PATTERN[1] & PATTERN[3], 0, 0, PATTERN[0], PATTERN[1]]);
    let messages: Vec<&str> = n.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("operands of `&` are 4 and 2 bits")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("high bits are dropped")), "{messages:?}");
}

#[test]
fn gate_primitives_delays_and_multiple_instances() {
    let n = parse(
        "module m(a, b, c, y1, y2, y3, y4);
           input a, b, c;
           output y1, y2, y3, y4;
           and #1 g1 (y1, a, b, c), g2 (y2, a, b);
           nor #(1, 2) (y3, a, b);
           buf (strong0, strong1) b1 (y4, w1, c);
           xnor (w2, w1, a);
         endmodule",
    );
    assert_eq!(n.gate_count(), 6);
    // The multi-output buf is two buffers.
    assert_eq!(gates_of(&n, GateKind::Buf), 2);
    let names: Vec<String> = n.gates().map(|g| n.cell(g).name.to_string()).collect();
    assert_eq!(names, ["g1", "g2", "prim_0", "b1[0]", "b1[1]", "prim_1"]);
    let t = truth(&n, &["a", "b", "c"], &["y1", "y2", "y3", "y4", "w1"]);
    let (a, b, c) = (PATTERN[0], PATTERN[1], PATTERN[2]);
    assert_eq!(t, [a & b & c, a & b, !(a | b), c, c]);
}

#[test]
fn three_state_primitives_are_buffers_with_a_warning() {
    let n = parse(
        "module m(input a, en, output y, z);
           bufif1 t1 (y, a, en);
           notif0 t2 (z, a, en);
         endmodule",
    );
    assert_eq!(gates_of(&n, GateKind::Buf), 1);
    assert_eq!(gates_of(&n, GateKind::Not), 1);
    assert!(n.diagnostics().iter().any(|d| d.message.contains("three-state")));
}

#[test]
fn attributes_comments_and_directives_are_skipped() {
    let n = parse(
        "`timescale 1ns / 1ps
         `celldefine
         // a comment
         (* keep = 1, src = \"x.v:1\" *)
         module /* inline */ m(input a, output y);
           (* keep *) wire w;
           not (* inner *) g (y, a); // trailing
           specify (a => y) = 1; endspecify
         endmodule
         `endcelldefine",
    );
    assert_eq!(n.gate_count(), 1);
    assert!(n.diagnostics().iter().any(|d| d.message.contains("specify")));
}

#[test]
fn named_positional_and_empty_connections() {
    let n = parse(
        "module leaf(input a, input b, output y, output z);
           and (y, a, b);
           or (z, a, b);
         endmodule
         module top(input p, q, output r, s, t);
           leaf u1 (.a(p), .b(q), .y(r), .z());
           leaf u2 (p, q, , s);
           leaf u3 (.y(t), .b(q), .a(p));
         endmodule",
    );
    assert_eq!(n.name(), "top");
    let t = truth(&n, &["p", "q"], &["r", "s", "t"]);
    assert_eq!(t, [PATTERN[0] & PATTERN[1], PATTERN[0] | PATTERN[1], PATTERN[0] & PATTERN[1]]);
    // Unconnected outputs keep a net of their own inside the instance.
    assert!(n.find_net("u1/z").is_some());
}

#[test]
fn hierarchy_is_flattened_with_path_names() {
    let n = parse(
        "module top(input a, b, output y);
           wire m;
           mid u1 (.x(a), .y(b), .o(m));
           assign y = ~m;
         endmodule
         module mid(input x, y, output o);
           wire t;
           leaf u2 (.i(x), .j(y), .o(t));
           buf b0 (o, t);
         endmodule
         module leaf(input i, j, output o);
           wire n1;
           nand g (n1, i, j);
           not g2 (o, n1);
         endmodule",
    );
    let cells: Vec<String> = n.gates().map(|g| n.cell(g).name.to_string()).collect();
    assert!(cells.contains(&"u1/u2/g".to_string()), "{cells:?}");
    assert!(cells.contains(&"u1/b0".to_string()), "{cells:?}");
    assert!(n.find_net("u1/u2/n1").is_some());
    assert!(n.find_net("u1/t").is_some());
    // Ports alias the parent's nets: no net `u1/x`.
    assert!(n.find_net("u1/x").is_none());
    assert_eq!(truth(&n, &["a", "b"], &["y"]), [!(PATTERN[0] & PATTERN[1])]);
}

#[test]
fn port_width_mismatch_warns_and_adjusts() {
    let n = parse(
        "module leaf(input [3:0] i, output [3:0] o);
           assign o = ~i;
         endmodule
         module top(input [1:0] a, output [5:0] y);
           leaf u (.i(a), .o(y));
         endmodule",
    );
    let messages: Vec<&str> = n.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("port `i` of instance `u`") && m.contains("zero-extended")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("port `o` of instance `u`") && m.contains("not driven")),
        "{messages:?}"
    );
    // i[3:2] are zero, so o[3:2] = 1.
    let t = truth(&n, &["a[0]", "a[1]"], &["y[0]", "y[1]", "y[2]", "y[3]"]);
    assert_eq!(t, [!PATTERN[0], !PATTERN[1], !0, !0]);
    assert!(n.net_drivers(net(&n, "y[4]")).is_empty());
}

#[test]
fn parameters_size_vectors_and_can_be_overridden() {
    let n = parse(
        "module inv #(parameter W = 2) (input [W-1:0] i, output [W-1:0] o);
           assign o = ~i;
         endmodule
         module top(input [3:0] a, output [3:0] y);
           localparam HALF = 2;
           inv #(.W(HALF)) lo (.i(a[HALF-1:0]), .o(y[1:0]));
           inv #(2) hi (a[3:2], y[3:2]);
         endmodule",
    );
    assert!(n.diagnostics().is_empty(), "{:?}", n.diagnostics());
    assert_eq!(gates_of(&n, GateKind::Not), 4);
}

#[test]
fn supply_nets_are_constants() {
    let n = parse(
        "module m(input a, output y, z);
           supply0 gnd;
           supply1 vdd;
           and (y, a, vdd);
           or (z, a, gnd);
         endmodule",
    );
    assert_eq!(truth(&n, &["a"], &["y", "z"]), [PATTERN[0], PATTERN[0]]);
}

#[test]
fn yosys_internal_cells() {
    let n = parse(
        r"module top(input a, b, s, clk, rst, en, output [9:0] y);
           \$_MUX_ m (.A(a), .B(b), .S(s), .Y(y[0]));
           \$_ANDNOT_ an (.A(a), .B(b), .Y(y[1]));
           \$_ORNOT_ on (.A(a), .B(b), .Y(y[2]));
           \$_NMUX_ nm (a, b, s, y[3]);
           \$_AOI3_ aoi (.A(a), .B(b), .C(s), .Y(y[4]));
           \$_OAI4_ oai (.A(a), .B(b), .C(s), .D(en), .Y(y[5]));
           \$_XNOR_ xn (.A(a), .B(b), .Y(y[6]));
           \$_DFF_PP0_ f0 (.C(clk), .D(a), .R(rst), .Q(y[7]));
           \$_DFF_N_ f1 (.C(clk), .D(b), .Q(y[8]));
           \$_DFFE_PP_ f2 (.C(clk), .D(a), .E(en), .Q(y[9]));
         endmodule",
    );
    let outs: Vec<String> = (0..7).map(|i| format!("y[{i}]")).collect();
    let refs: Vec<&str> = outs.iter().map(String::as_str).collect();
    let t = truth(&n, &["a", "b", "s", "en"], &refs);
    let (a, b, s, en) = (PATTERN[0], PATTERN[1], PATTERN[2], PATTERN[3]);
    // $_MUX_: Y = S ? B : A.
    assert_eq!(t[0], (s & b) | (!s & a));
    assert_eq!(t[1], a & !b);
    assert_eq!(t[2], a | !b);
    assert_eq!(t[3], !((s & b) | (!s & a)));
    assert_eq!(t[4], !((a & b) | s));
    assert_eq!(t[5], !((a | b) & (s | en)));
    assert_eq!(t[6], !(a ^ b));
    assert_eq!(n.flops().len(), 3);
    let info = |q: &str| {
        let f = n.net_drivers(net(&n, q))[0];
        match &n.cell(f).kind {
            CellKind::Flop(info) => (**info).clone(),
            other => panic!("{q} is driven by {other:?}"),
        }
    };
    let f0 = info("y[7]");
    assert_eq!(f0.clock, Some(net(&n, "clk")));
    assert_eq!(f0.clear, Some(net(&n, "rst")));
    assert!(!f0.clock_inverted);
    assert!(info("y[8]").clock_inverted);
    // The enable flop's D is a MUX [E, Q, D].
    let f2 = n.net_drivers(net(&n, "y[9]"))[0];
    let d = n.cell_inputs(f2)[0];
    let mux = n.net_drivers(d)[0];
    assert_eq!(n.cell(mux).kind, CellKind::Gate(GateKind::Mux));
    assert_eq!(n.cell_inputs(mux), [net(&n, "en"), net(&n, "y[9]"), net(&n, "a")]);
}

#[test]
fn yosys_sync_reset_flop_muxes_its_input() {
    let n = parse(
        r"module top(input d, c, r, e, output q1, q2);
           \$_SDFF_PN1_ f1 (.D(d), .C(c), .R(r), .Q(q1));
           \$_SDFFE_PP0P_ f2 (.D(d), .C(c), .R(r), .E(e), .Q(q2));
         endmodule",
    );
    assert_eq!(n.flops().len(), 2);
    // Evaluate the D input functions with Q as a free variable.
    let d_of = |q: &str| n.cell_inputs(n.net_drivers(net(&n, q))[0])[0];
    let (d, r, e, q2) = (PATTERN[0], PATTERN[1], PATTERN[2], PATTERN[3]);
    let given: HashMap<&str, u64> =
        [("d", d), ("r", r), ("e", e), ("q2", q2), ("q1", 0)].into_iter().collect();
    let mut memo = HashMap::new();
    // Active-low reset to 1: D' = r ? d : 1.
    assert_eq!(eval(&n, d_of("q1"), &given, &mut memo), (r & d) | !r);
    // Reset over enable: D' = r ? 0 : (e ? d : q).
    assert_eq!(eval(&n, d_of("q2"), &given, &mut memo), !r & ((e & d) | (!e & q2)));
}

#[test]
fn more_yosys_flops_and_latches() {
    let n = parse(
        r"module top(input c, d, r, s, e, output q0, q1, q2);
           \$_DFF_PP1_ f0 (.C(c), .D(d), .R(r), .Q(q0));
           \$_DFFSR_NPP_ f1 (.C(c), .S(s), .R(r), .D(d), .Q(q1));
           \$_DLATCH_N_ l (.E(e), .D(d), .Q(q2));
         endmodule",
    );
    let info = |q: &str| match &n.cell(n.net_drivers(net(&n, q))[0]).kind {
        CellKind::Flop(info) => (**info).clone(),
        other => panic!("{q} is driven by {other:?}"),
    };
    assert_eq!(info("q0").preset, Some(net(&n, "r")));
    let f1 = info("q1");
    assert_eq!((f1.preset, f1.clear), (Some(net(&n, "s")), Some(net(&n, "r"))));
    assert!(f1.clock_inverted);
    let l = info("q2");
    assert!(l.is_latch && l.clock_inverted);
    assert_eq!(l.clock, Some(net(&n, "e")));
    let e =
        parse_err(r"module top(input a, output y); \$_MUX4_ m (a, a, a, a, a, a, y); endmodule");
    assert!(e.message.contains("unsupported Yosys internal cell"), "{e}");
}

#[test]
fn implicit_nets_declaration_assignments_and_inout() {
    let n = parse(
        r"module top(input a, b, inout p, output y);
           wire w = a & b;
           and (x1, w, p);         // x1 is an implicit net
           or \module  (y, x1, a); // an escaped keyword is a name
         endmodule",
    );
    assert_eq!(port_names(&n, n.inputs()), ["a", "b", "p"]);
    assert!(n.diagnostics().iter().any(|d| d.message.contains("inout port `p`")));
    assert!(n.gates().any(|g| n.cell(g).name == "module"));
    let t = truth(&n, &["a", "b", "p"], &["y"]);
    assert_eq!(t, [(PATTERN[0] & PATTERN[1] & PATTERN[2]) | PATTERN[0]]);
}

const BEHAVIOURAL_DFF: &str = "module dff (CK, Q, D);
  input CK, D;
  output Q;
  reg Q;
  always @ (posedge CK)
    Q <= D;
endmodule
";

const SWITCH_LEVEL_DFF: &str = "module dff (CK,Q,D);
input CK,D;
output Q;
  wire NM,NCK;
  trireg NQ,M;
  nmos N7 (M,D,NCK);
  not P3 (NM,M);
  nmos N9 (NQ,NM,CK);
  not P5 (Q,NQ);
  not P1 (NCK,CK);
endmodule
";

#[test]
fn user_flip_flop_modules_are_mapped() {
    let top = "module t(CK, a, y); input CK, a; output y; wire q; dff F (CK, q, a); not (y, q); endmodule\n";
    for model in [BEHAVIOURAL_DFF, SWITCH_LEVEL_DFF] {
        let n = parse(&format!("{model}{top}"));
        assert_eq!(n.name(), "t");
        assert_eq!(n.flops().len(), 1);
        assert_eq!(n.gate_count(), 1, "the model's own gates are not elaborated");
        let f = n.flops()[0];
        assert_eq!(n.cell(f).name, "F");
        assert_eq!(n.cell_inputs(f), [net(&n, "a")]);
        assert_eq!(n.cell_output(f), Some(net(&n, "q")));
        let CellKind::Flop(info) = &n.cell(f).kind else { unreachable!() };
        assert_eq!(info.clock, Some(net(&n, "CK")));
    }
    // A behavioural flop with other names and a falling edge, connected by name.
    let n = parse(
        "module regbit(input clock, input data, output reg out);
           always @(negedge clock) begin out <= data; end
         endmodule
         module t(input c, d, output q);
           regbit r (.clock(c), .data(d), .out(q));
         endmodule",
    );
    let CellKind::Flop(info) = &n.cell(n.flops()[0]).kind else { unreachable!() };
    assert!(info.clock_inverted);
    // An undefined `dff` is the ISCAS-89 one, with (CK, Q, D) or (Q, D) connections.
    let n = parse(
        "module t(CK, a, y); input CK, a; output y; dff F1 (CK, y, a); dff F2 (w, a); endmodule",
    );
    assert_eq!(n.flops().len(), 2);
    assert!(n.diagnostics().iter().any(|d| d.message.contains("ISCAS-89")));
}

#[test]
fn multiple_sources_and_explicit_top() {
    let leaf = "module leaf(input a, output y); not (y, a); endmodule\n";
    let top = "module top(input a, output y); leaf u (a, y); endmodule\n";
    let n = parse_verilog_sources(&[("top.v", top), ("leaf.v", leaf)], &VerilogOptions::default())
        .expect("parses");
    assert_eq!(n.name(), "top");
    let n = parse_verilog_sources(
        &[("top.v", top), ("leaf.v", leaf)],
        &VerilogOptions { top: Some("leaf"), library: None },
    )
    .expect("parses");
    assert_eq!(n.name(), "leaf");
    // An error in the second file names it.
    let e = parse_verilog_sources(
        &[("top.v", top), ("leaf.v", "module leaf(input a, output y); foo u (a, y); endmodule")],
        &VerilogOptions::default(),
    )
    .expect_err("unknown cell");
    assert_eq!(e.file, "leaf.v");
}

#[test]
fn library_cells_are_instantiated() {
    let lib = Library::parse(
        r#"library (tiny) {
          cell (NAND2) { pin (A) { direction : input; } pin (B) { direction : input; }
                         pin (Y) { direction : output; function : "!(A & B)"; } }
          cell (DFFX) { ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; }
                        pin (D) { direction : input; } pin (CK) { direction : input; clock : true; }
                        pin (Q) { direction : output; function : "IQ"; } }
        }"#,
        "tiny.lib",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let text = "module top(input a, b, clk, output q);
                  wire w;
                  NAND2 g1 (.A(a), .B(b), .Y(w));
                  DFFX r (w, clk, q);
                endmodule";
    let options = VerilogOptions { top: None, library: Some(&lib) };
    let n = parse_verilog(text, "top.v", &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.instances().len(), 2);
    assert_eq!(n.flops().len(), 1);
    assert_eq!(n.instances()[0].name, "g1");
    // Errors from the library name the instance and its position.
    let bad = "module top(input a, output y);\n  NAND2 g1 (.A(a), .C(a), .Y(y));\nendmodule";
    let e = parse_verilog(bad, "top.v", &options).expect_err("no pin C");
    assert_eq!((e.pos.line, e.pos.column), (2, 21));
    assert!(e.message.contains("no pin `C`"), "{}", e.message);
    let bad = "module top(input a, output y);\n  NAND2 g1 (a, a, y, y);\nendmodule";
    assert!(parse_verilog(bad, "top.v", &options)
        .expect_err("too many")
        .message
        .contains("too many"));
}

// ----- errors ------------------------------------------------------------------------------------

#[test]
fn unknown_module_is_an_error_with_position() {
    let e = parse_err(
        "module top(input a, output y);\n  wire w;\n  FOO u1 (.A(a), .Y(y));\nendmodule\n",
    );
    assert_eq!(e.file, "test.v");
    assert_eq!((e.pos.line, e.pos.column), (3, 3));
    assert!(e.message.contains("unknown module or cell `FOO`"), "{}", e.message);
    assert!(e.message.contains("--liberty"), "{}", e.message);
}

#[test]
fn syntax_errors_have_exact_positions() {
    let e = parse_err("module m(a, y);\ninput a;\noutput y;\nand g1 (y a);\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (4, 11), "{e}");
    assert_eq!(e.message, "expected `,` or `)`, found identifier `a`");
    let e = parse_err("module m(input a, output y)\n  assign y = a;\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (2, 3), "{e}");
    assert_eq!(e.message, "expected `;`, found keyword `assign`");
    let e = parse_err("module m(input a, output y);\n  assign y = a &;\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (2, 17), "{e}");
    assert!(e.message.starts_with("expected an expression, found `;`"), "{e}");
    let e = parse_err("module m(input a, output y);\n  assign y = 4'q1;\nendmodule\n");
    assert_eq!(e.pos.line, 2, "{e}");
    // An escaped identifier holds printable characters only (what the writer can write back).
    let e = parse_err("module m(input a, output y);\n  buf \\g\u{0}1 (y, a);\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (2, 9), "{e}");
    assert!(e.message.contains("control character U+0000"), "{e}");
    let e = parse_err("module m(input \\a\u{2003}b , output y);\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (1, 18), "{e}");
    assert!(e.message.contains("white-space character U+2003"), "{e}");
    let e = parse_err("module m; /* never closed\n endmodule");
    assert_eq!((e.pos.line, e.pos.column), (1, 11), "{e}");
    assert!(e.message.contains("unterminated"), "{e}");
    // Columns count characters, not bytes.
    let e = parse_err("module m; // é\n  wire é;\nendmodule");
    assert_eq!((e.pos.line, e.pos.column), (2, 8), "{e}");
}

#[test]
fn truncated_empty_and_garbage_input_are_errors() {
    let e = parse_err("module m(input a, output y);\n  and g1 (y, a");
    assert_eq!(e.pos.line, 2);
    assert!(e.message.contains("end of file"), "{e}");
    let e = parse_err("");
    assert!(e.message.contains("no module"), "{e}");
    let e = parse_err("   // only a comment\n");
    assert!(e.message.contains("no module"), "{e}");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let text = String::from_utf8_lossy(&garbage);
    assert!(parse_verilog(&text, "garbage.v", &VerilogOptions::default()).is_err());
    assert!(parse_verilog("\0\u{1}\u{2}", "nul.v", &VerilogOptions::default()).is_err());
}

#[test]
fn structural_errors() {
    let cases: &[(&str, &str, (u32, u32))] = &[
        ("module a; endmodule\nmodule a; endmodule\n", "defined twice", (2, 8)),
        ("module m(input x, output y);\n  not g (y, x);\n  buf g (y, x);\nendmodule", "duplicate instance name `g`", (3, 7)),
        ("module m(input [3:0] x, output y);\n  wire [1:0] x;\nendmodule", "conflicting widths", (2, 14)),
        ("module m(input [3:0] x, output y);\n  wire y, x;\nendmodule", "widths: 1 bit here", (2, 11)),
        ("module m(input [3:0] x, output y);\n  wire y, x = 1'b0;\nendmodule", "widths: 1 bit here", (2, 11)),
        ("module m(input x, output y);\n  output x;\nendmodule", "conflicting directions", (2, 10)),
        // Positions inside name lists read straight from the bytes, over tabs and lines.
        ("module m(input a, output y);\n  wire [1:0] v;\n  and g (y,\ta,\n\t v);\nendmodule", "`v` is 2 bits", (4, 3)),
        ("module m(input [3:0] x, output y);\n  wire y,\n   \t x;\nendmodule", "widths: 1 bit here", (3, 6)),
        ("module m(input [3:0] x, output y);\n  assign y = x[4];\nendmodule", "out of range", (2, 16)),
        ("module m(input x, output y);\n  assign y = q[1];\nendmodule", "not declared", (2, 14)),
        ("module m(input x, output y);\n  assign y = x[0:1];\nendmodule", "1-bit net", (2, 14)),
        ("module m(input x, output y);\n  wire [3:0] w;\n  assign y = w[0:3];\nendmodule", "reversed", (3, 16)),
        (
            "module l(input a, output b); buf (b, a); endmodule\nmodule m(input x, output y);\n  l u (x, y, x);\nendmodule",
            "too many connections",
            (3, 5),
        ),
        (
            "module l(input a, output b); buf (b, a); endmodule\nmodule m(input x, output y);\n  l u (.a(x), .c(y));\nendmodule",
            "has no port `c`",
            (3, 16),
        ),
        (
            "module l(input a, output b); buf (b, a); endmodule\nmodule m(input x, output y);\n  l u (.a(x), .a(y));\nendmodule",
            "connected twice",
            (3, 16),
        ),
        ("module m(x, y);\n  input x;\nendmodule", "no input/output/inout declaration", (1, 13)),
        ("module m(x);\n  input x;\n  output z;\nendmodule", "not in the port list", (3, 10)),
        (
            "module a(input i, output o); b u (i, o); endmodule\nmodule b(input i, output o); a u (i, o); endmodule\nmodule top(input i, output o); a u (i, o); endmodule",
            "recursive instantiation",
            (2, 30),
        ),
        ("module m(input a, output y);\n  nmos n (y, a, a);\nendmodule", "transistor-level", (2, 3)),
        ("module m(input a, output y);\n  assign y = a + a;\nendmodule", "operator `+` is not supported", (2, 16)),
        ("module m(input a, output y);\n  assign y = a;\nendmodule\nmodule n(input a, output y);\n  assign y = a;\nendmodule", "pass --top", (1, 8)),
        ("module m(input a, output y);\n  assign y = a;\nendmodule", "not found", (1, 1)),
        ("module m(input [3:0] a, output y);\n  and (y, a, a);\nendmodule", "must be 1 bit wide", (2, 11)),
        ("module m(input a, output y);\n  assign {y, 1'b0} = a;\nendmodule", "expected a net", (2, 14)),
    ];
    for &(text, message, (line, column)) in cases {
        let options = VerilogOptions {
            top: if message == "not found" { Some("nope") } else { None },
            library: None,
        };
        let e = match parse_verilog(text, "test.v", &options) {
            Ok(_) => panic!("expected an error containing {message:?} for:\n{text}"),
            Err(e) => e,
        };
        assert!(e.message.contains(message), "expected {message:?}, got {e}\n{text}");
        assert_eq!((e.pos.line, e.pos.column), (line, column), "{e}\n{text}");
    }
}

#[test]
fn behavioural_code_is_rejected_with_its_position() {
    let e = parse_err(
        "module counter(input clk, output reg [1:0] q);\n  always @(posedge clk)\n    q <= q + 1;\nendmodule\nmodule top(input c, output [1:0] y);\n  counter u (c, y);\nendmodule",
    );
    assert!(e.message.contains("behavioural code is not supported"), "{e}");
    // At the `always` block that is not a flip-flop.
    assert_eq!((e.pos.line, e.pos.column), (2, 3), "{e}");
    let e = parse_err("module m(input a, output y);\n  initial begin\n    if (a) $display(\"x\"); else y = 1;\n  end\nendmodule");
    assert!(e.message.contains("behavioural code is not supported"), "{e}");
    assert_eq!((e.pos.line, e.pos.column), (2, 3), "{e}");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    // Run on a small stack: recursion must be bounded.
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let deep = format!(
                "module m(input a, output y); assign y = {}a{}; endmodule",
                "(".repeat(100_000),
                ")".repeat(100_000)
            );
            assert!(parse_verilog(&deep, "deep.v", &VerilogOptions::default()).is_err());
            let braces = format!(
                "module m(input a, output y); assign y = {}a{}; endmodule",
                "{".repeat(100_000),
                "}".repeat(100_000)
            );
            assert!(parse_verilog(&braces, "deep.v", &VerilogOptions::default()).is_err());
            let conds = format!(
                "module m(input a, output y); assign y = {}a; endmodule",
                "a ? a : ".repeat(100_000)
            );
            assert!(parse_verilog(&conds, "deep.v", &VerilogOptions::default()).is_err());
            // Long flat chains and prefix runs are fine.
            let chain = format!(
                "module m(input a, output y); assign y = a{}; endmodule",
                " & a".repeat(100_000)
            );
            let n = parse_verilog(&chain, "chain.v", &VerilogOptions::default())
                .expect("a long chain parses");
            assert_eq!(n.gate_count(), 1);
            let nots = format!(
                "module m(input a, output y); assign y = {}a; endmodule",
                "~".repeat(100_001)
            );
            assert!(parse_verilog(&nots, "nots.v", &VerilogOptions::default()).is_err());
            let nots =
                format!("module m(input a, output y); assign y = {}a; endmodule", "~".repeat(31));
            let n = parse_verilog(&nots, "nots.v", &VerilogOptions::default())
                .expect("a few inversions parse");
            assert_eq!(n.gate_count(), 1);
            let hierarchy: String = (0..1000)
                .map(|k| {
                    format!("module m{k}(input a, output y); m{} u (a, y); endmodule\n", k + 1)
                })
                .collect();
            assert!(parse_verilog(&hierarchy, "deep.v", &VerilogOptions::default()).is_err());
        })
        .expect("spawn");
    handle.join().expect("no stack overflow");
}

#[test]
fn random_token_soup_never_panics() {
    let words = [
        "module",
        "endmodule",
        "input",
        "output",
        "wire",
        "assign",
        "and",
        "not",
        "buf",
        "dff",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        ":",
        ".",
        "#",
        "=",
        "~",
        "&",
        "|",
        "^",
        "?",
        "1'b0",
        "4'hF",
        "'b1",
        "0",
        "3",
        "a",
        "b",
        "y",
        r"\x[0] ",
        "(*",
        "*)",
        "//",
        "/*",
        "*/",
        "`define",
        "\"s\"",
        "always",
        "@",
        "posedge",
        "<=",
        "begin",
        "end",
        "if",
        "else",
        "$_AND_",
        r"\$_DFF_P_ ",
        "supply0",
        "parameter",
        "+:",
        "-:",
        "\n",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..3000 {
        let len = 1 + round % 60;
        let mut text = String::new();
        for _ in 0..len {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            text.push_str(words[(state >> 33) as usize % words.len()]);
            text.push(' ');
        }
        let _ = parse_verilog(&text, "soup.v", &VerilogOptions::default());
        let with_module = format!("module m(input a, b, output y); {text} endmodule");
        let _ = parse_verilog(&with_module, "soup.v", &VerilogOptions::default());
    }
}

// ----- throughput --------------------------------------------------------------------------------

/// A flat netlist of `gates` two-input primitives over 1000 inputs, wired pseudo-randomly to
/// earlier nets, with 100 outputs. With `local`, 90% of the inputs come from the 256 most
/// recent nets, as in synthesised netlists; otherwise from anywhere (the worst case for
/// caches: every name lookup misses).
fn synthetic_netlist(gates: usize, local: bool) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(gates * 40);
    let inputs = 1000;
    text.push_str("module synthetic(");
    for i in 0..inputs {
        let _ = write!(text, "i{i}, ");
    }
    for o in 0..100 {
        let _ = write!(text, "{}o{o}", if o == 0 { "" } else { ", " });
    }
    text.push_str(");\n");
    for i in 0..inputs {
        let _ = writeln!(text, "  input i{i};");
    }
    for o in 0..100 {
        let _ = writeln!(text, "  output o{o};");
    }
    for chunk in (0..gates).collect::<Vec<_>>().chunks(16) {
        let names: Vec<String> = chunk.iter().map(|k| format!("n{k}")).collect();
        let _ = writeln!(text, "  wire {};", names.join(", "));
    }
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut pick = |k: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut r = (state >> 33) as usize % (k + inputs);
        if local && !(state >> 20).is_multiple_of(10) {
            r = (k + inputs).saturating_sub(1 + (state >> 40) as usize % 256);
        }
        if r < inputs {
            format!("i{r}")
        } else {
            format!("n{}", r - inputs)
        }
    };
    let kinds = ["and", "nand", "or", "nor", "xor", "xnor"];
    for k in 0..gates {
        let (a, b) = (pick(k), pick(k));
        let _ = writeln!(text, "  {} g{k} (n{k}, {a}, {b});", kinds[k % kinds.len()]);
    }
    for o in 0..100 {
        let _ = writeln!(text, "  buf go{o} (o{o}, n{});", gates - 1 - o);
    }
    text.push_str("endmodule\n");
    text
}

/// Prints parse throughput; run with
/// `cargo test --release -p netlist --test verilog -- --ignored --nocapture throughput`.
#[test]
#[ignore = "measurement, not a check"]
fn throughput() {
    let gates = 1_000_000;
    for (round, local) in [(0, true), (1, true), (2, false)] {
        let text = synthetic_netlist(gates, local);
        let start = std::time::Instant::now();
        let n = parse_verilog(&text, "synthetic.v", &VerilogOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(n.gate_count(), gates + 100);
        // The floor: building the same netlist through the Netlist API from names alone.
        let replay: Vec<(String, GateKind, Vec<String>, String)> = n
            .gates()
            .map(|g| {
                let CellKind::Gate(kind) = n.cell(g).kind else { unreachable!() };
                let inputs = n.cell_inputs(g).iter().map(|&i| n.net_name(i).to_string()).collect();
                let output =
                    n.cell_output(g).map(|o| n.net_name(o).to_string()).unwrap_or_default();
                (n.cell(g).name.to_string(), kind, inputs, output)
            })
            .collect();
        drop(n);
        let start = std::time::Instant::now();
        let mut floor = Netlist::new("floor");
        for (name, kind, inputs, output) in &replay {
            let ins: Vec<NetId> = inputs.iter().map(|i| floor.net(i)).collect();
            let out = floor.net(output);
            floor.add_gate(name.clone(), *kind, &ins, out);
        }
        let floor_seconds = start.elapsed().as_secs_f64();
        let wiring = if local { "local" } else { "random" };
        println!(
            "round {round} ({wiring} wiring): {gates} gates, {:.1} MB in {seconds:.3} s: \
             {:.2} M gates/s, {:.1} MB/s",
            text.len() as f64 / 1e6,
            (gates + 100) as f64 / seconds / 1e6,
            text.len() as f64 / seconds / 1e6
        );
        println!(
            "  (building the same netlist through the Netlist API alone: {floor_seconds:.3} s)"
        );
    }
    if let Some(b) = benchmarks() {
        for name in ["div", "log2", "multiplier"] {
            let text = read(&b.join("epfl/arithmetic").join(format!("{name}.v")));
            let start = std::time::Instant::now();
            let n = parse_verilog(&text, name, &VerilogOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let seconds = start.elapsed().as_secs_f64();
            println!(
                "{name}.v: {:.1} MB, {} gates in {seconds:.3} s ({:.2} M gates/s)",
                text.len() as f64 / 1e6,
                n.gate_count(),
                n.gate_count() as f64 / seconds / 1e6
            );
        }
    }
}

#[test]
fn gate_statements_with_several_instances_keep_each_terminal_list() {
    // Terminal lists of different lengths, named and unnamed, several per statement and
    // across statements (the parser keeps all terminals of a module in one vector).
    let n = parse(
        "module m(a, b, c, y1, y2, z, w, v);\n  input a, b, c;\n  output y1, y2, z, w, v;\n  \
         buf g1 (y1, y2, a), (z, b);\n  and (w, a, b, c), g3 (v, ~a, c);\nendmodule\n",
    );
    let [pa, pb, pc] = [PATTERN[0], PATTERN[1], PATTERN[2]];
    let out = truth(&n, &["a", "b", "c"], &["y1", "y2", "z", "w", "v"]);
    let mask = 0xff;
    let expected = [pa, pa, pb, pa & pb & pc, !pa & pc];
    for (got, want) in out.iter().zip(expected) {
        assert_eq!(got & mask, want & mask);
    }
    assert_eq!(gates_of(&n, GateKind::And), 2);
    let e = parse_err("module m(a, y);\ninput a;\noutput y;\nand g1 (y, a, );\nendmodule\n");
    assert_eq!((e.pos.line, e.pos.column), (4, 13), "{e}");
    assert_eq!(e.message, "expected `,` or `)`, found `,`");
}

/// Every cell of `n` as text (name, kind, line, input and output net names), sorted.
fn describe(n: &Netlist) -> Vec<String> {
    let mut cells: Vec<String> = n
        .cells()
        .map(|c| {
            let cell = n.cell(c);
            let inputs: Vec<&str> = n.cell_inputs(c).iter().map(|&i| n.net_name(i)).collect();
            let output = n.cell_output(c).map(|o| n.net_name(o).to_string());
            format!("{} {:?} {} {inputs:?} -> {output:?}", cell.name, cell.kind, cell.pos.line)
        })
        .collect();
    cells.sort();
    cells
}

#[test]
fn plain_gate_statements_read_like_the_general_grammar() {
    // The reader takes a short cut for `kind [name] (a, b, ...);` with plain names; wrapping
    // every terminal in parentheses sends each statement down the general path instead (the
    // random netlists of `tests/bench.rs` check the same).
    let body = "module m(input a, b, c, \\esc[1] , output y, z, w, v);
           wire n1, n2;
           nand g1 (n1, a, b);
           nor (n2, n1, c, \\esc[1] );
           xor g3 (y, n1, n2), g4 (z, n2, a);
           buf b1 (w, w2, n2);
           and g5 (v_in, a, b
             ) ;
           not (v, n1);
           wire n3, /* the byte-level reader stops here */ n4;
           wire \\n5 , n6;
           and g6 (n3, a, // and here
             b);
           or g7 (n4,\tn3,
             \\n5 );
           xnor g8(n6,n3,n4);
         endmodule";
    let plain = parse(body);
    let wrapped = common::general_grammar_only(body);
    assert_ne!(wrapped, body);
    let general = parse(&wrapped);
    assert_eq!(describe(&plain), describe(&general));
    // `b1` is two buffers, one per output.
    assert_eq!(plain.gate_count(), 11);
}

#[test]
fn directives_are_noted_once_when_the_reader_reads_a_statement_again() {
    // The short cut for plain gate statements reads past the `ifdef before it sees the `,` of
    // a second instance and leaves the statement to the general grammar, which reads the
    // directive again.
    let n = parse(
        "module m(input a, b, output y, z);
           and g1 (y, a, b)
         `ifdef FOO
           , g2 (z, a, b);
         `endif
         endmodule",
    );
    assert_eq!(n.gate_count(), 2);
    let notes: Vec<&str> = n
        .diagnostics()
        .iter()
        .map(|d| d.message.as_str())
        .filter(|m| m.contains("conditional compilation"))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[test]
fn reading_a_net_the_reader_generated_is_an_error_in_any_look_ahead_batch() {
    // `(a & b) | c` needs an intermediate net, named after the target `y`. A gate reading that
    // name is an error, whether it comes in the same batch of 64 items the reader looks ahead
    // over as the `assign` (the name is then not a net yet when the batch is looked up) or in
    // a later one (it is, and the look-ahead's net must not be taken for the gate's).
    let made = parse("module m(input a, b, c, output y);\n  assign y = (a & b) | c;\nendmodule\n");
    let generated: Vec<String> = made
        .nets()
        .map(|n| made.net_name(n).to_string())
        .filter(|n| n.starts_with("y_n"))
        .collect();
    assert_eq!(generated.len(), 1, "{generated:?}");
    for filler in [0, 100] {
        let mut text = String::from("module m(input a, b, c, output y, z);\n");
        text.push_str("  assign y = (a & b) | c;\n");
        for k in 0..filler {
            text.push_str(&format!("  buf f{k} (w{k}, a);\n"));
        }
        text.push_str(&format!("  and g (z, a, {});\nendmodule\n", generated[0]));
        let e = parse_verilog(&text, "gen.v", &VerilogOptions::default()).unwrap_err();
        assert!(e.message.contains("collides with a net the reader generated"), "{e}");
        assert_eq!((e.pos.line, e.pos.column), (filler + 3, 16), "{e}");
    }
}

#[test]
fn gate_terminals_naming_vectors_read_their_bits_in_any_look_ahead_batch() {
    // The reader looks a batch of gates ahead and takes a name that is no net yet, and no
    // port, vector or special net, as the net of that name. Vectors declared in the module
    // body are not nets before their first use: a terminal naming one must still read its bit
    // (a one-bit vector, or `\w[1] `), or be an error when the vector is wider.
    for filler in [0, 100] {
        let mut text = String::from("module m(input a, output y, z);\n  wire [0:0] v;\n");
        text.push_str("  wire [1:0] w;\n");
        for k in 0..filler {
            text.push_str(&format!("  buf f{k} (x{k}, a);\n"));
        }
        text.push_str("  buf g1 (v, a);\n  buf g2 (\\w[1] , v);\n  and g3 (y, v, \\w[1] );\n");
        text.push_str("  buf g4 (z, w[1]);\nendmodule\n");
        let n = parse(&text);
        for bit in ["v[0]", "w[1]"] {
            assert_eq!(n.driver_count(net(&n, bit)), 1, "{bit}");
        }
        assert_eq!(n.find_net("v"), None);
        assert_eq!(n.find_net("w"), None);
        let wide = text.replace("buf g4 (z, w[1])", "buf g4 (z, w)");
        let e = parse_err(&wide);
        assert!(e.message.contains("must be 1 bit wide"), "{e}");
        assert_eq!((e.pos.line, e.pos.column), (filler + 7, 14), "{e}");
    }
}

#[test]
fn the_first_duplicate_instance_name_in_source_order_is_reported() {
    // Many instances, so that the duplicate check's sort keys hold many index bits; two
    // names come twice, and the later second occurrence comes first in the file.
    let mut text = String::from("module m(input a, output y);\n");
    for k in 0..3000 {
        let name = match k {
            2000 => "g1999".to_string(),
            2500 => "g17".to_string(),
            _ => format!("g{k}"),
        };
        text.push_str(&format!("  buf {name} (w{k}, a);\n"));
    }
    text.push_str("  buf out (y, a);\nendmodule\n");
    let e = parse_err(&text);
    assert!(e.message.contains("duplicate instance name `g1999`"), "{e}");
    assert!(e.message.contains("first defined at 2001:7"), "{e}");
    assert_eq!((e.pos.line, e.pos.column), (2002, 7), "{e}");
    let fixed = text.replace("buf g1999 (w2000", "buf g2000 (w2000");
    let e = parse_err(&fixed);
    assert!(e.message.contains("duplicate instance name `g17`"), "{e}");
    assert_eq!((e.pos.line, e.pos.column), (2502, 7), "{e}");
}

#[test]
fn plain_wire_declarations_conflict_and_are_named_in_errors_in_source_order() {
    // `wire b;` is kept apart from other declarations (`wire a = 1'b0;` declares a plain wire
    // too): the first conflict with a vector in the file is reported, whichever list it is in.
    let vectors = "module m(input [1:0] a, b, output y);\n";
    for (body, line) in [("  wire a = 1'b0;\n  wire b;\n", 2), ("  wire b;\n  wire a = 1'b0;\n", 2)]
    {
        let e = parse_err(&format!("{vectors}{body}  buf (y, a[0]);\nendmodule\n"));
        assert!(e.message.contains("conflicting widths: 1 bit here"), "{e}");
        assert_eq!((e.pos.line, e.pos.column), (line, 8), "{e}");
    }
    // Indexing a declared plain wire names it as such.
    let e = parse_err(
        "module m(input a, output y);\n  wire w, v;\n  buf (w, a);\n  buf (y, v[0]);\nendmodule\n",
    );
    assert!(e.message.contains("`v` is a 1-bit net, not a vector"), "{e}");
    let e = parse_err("module m(input a, output y);\n  buf (y, v[0]);\nendmodule\n");
    assert!(e.message.contains("`v` is not declared"), "{e}");
}

#[test]
fn gate_terminals_keep_their_positions_however_far_from_the_gate() {
    // A gate terminal's position is kept relative to the gate's line, in a few bits; names
    // whose position or length does not fit them are kept another way. Either way an error
    // at the terminal names its line and column, and the gate reads the same nets.
    let long = format!("n{}", "x".repeat(1500));
    let cases: Vec<(String, String, (usize, usize))> = vec![
        // (gate statement text, the name in it that is a 2-bit vector, position of that name)
        ("  and g (y, a,\n     v);\n".into(), "v".into(), (3, 6)),
        (format!("  and g (y, a,{}v);\n", "\n".repeat(70)), "v".into(), (72, 1)),
        (format!("  and g (y,{}a, v);\n", " ".repeat(70_000)), "v".into(), (2, 70_015)),
        (format!("  and g (y, a, {long});\n"), long.clone(), (2, 16)),
        (format!("  and g (y, a, \\{long} );\n"), long.clone(), (2, 16)),
    ];
    for (gate, vector, (line, column)) in cases {
        let head = format!("module m(input a, input [1:0] {vector}, output y);\n");
        let text = format!("{head}{gate}endmodule\n");
        let e = parse_err(&text);
        assert!(e.message.contains("must be 1 bit wide"), "{e}");
        assert_eq!((e.pos.line as usize, e.pos.column as usize), (line, column), "{gate:.60}");
        // With a one-bit input of that name, the gate reads it.
        let n =
            parse(&text.replacen(&format!("input [1:0] {vector}"), &format!("input {vector}"), 1));
        let g = n.cells().find(|&c| n.cell(c).name == "g").expect("gate g");
        let read: Vec<&str> = n.cell_inputs(g).iter().map(|&net| n.net_name(net)).collect();
        assert_eq!(read, ["a", vector.as_str()], "{gate:.60}");
    }
}

#[test]
fn gate_instance_names_keep_their_text_and_positions_however_far_from_the_gate() {
    // Instance names are packed like terminals; long ones and those far below the keyword
    // are kept another way. A duplicate names both places exactly, and cells keep the names.
    let long = format!("g{}", "y".repeat(1500));
    let cases: Vec<(String, String, (usize, usize))> = vec![
        // (first gate, its name, the name's position; the duplicate follows on the next line)
        ("  buf g (w0, a);\n".into(), "g".into(), (2, 7)),
        (format!("  buf{}g (w0, a);\n", "\n".repeat(70)), "g".into(), (72, 1)),
        (format!("  buf{}g (w0, a);\n", " ".repeat(70_000)), "g".into(), (2, 70_006)),
        (format!("  buf {long} (w0, a);\n"), long.clone(), (2, 7)),
        (format!("  buf \\{long}  (w0, a);\n"), long.clone(), (2, 7)),
    ];
    for (gate, name, (line, column)) in cases {
        let head = "module m(input a, output y);\n";
        let text = format!("{head}{gate}  buf {name} (w1, a);\n  buf (y, a);\nendmodule\n");
        let text = text.replace(&format!("buf {name} (w1"), &format!("buf \\{name} (w1"));
        let e = parse_err(&text);
        assert!(e.message.contains("duplicate instance name"), "{e:.80}");
        assert!(e.message.ends_with(&format!("(first defined at {line}:{column})")), "{e:.80}");
        let n = parse(&text.replace(" (w1, a)", "_2 (w1, a)"));
        let names: Vec<String> = n.cells().map(|c| n.cell(c).name.to_string()).collect();
        for expected in [name.clone(), format!("{name}_2"), "prim_0".to_string()] {
            assert!(names.contains(&expected), "{expected:.60}");
        }
    }
}
