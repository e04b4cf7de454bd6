//! Liberty reader and cell decomposition, against the three benchmark libraries: the full vendor
//! sky130 library (gzip), and the NanGate45 and GSCLib function libraries. Each library's cell
//! table (`*_cells.tsv`, written independently from the same source) is the reference for cell
//! names, pins and functions; every combinational cell's decomposition is simulated against
//! its Liberty function for all input combinations.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use netlist::expr::Expr;
use netlist::liberty::{parse_function, read_liberty, LibCell, LibCellKind, Library};
use netlist::{CellKind, GateKind, NetId, Netlist, NetlistError, PinDirection, SourcePos};

const CELLS: &str = "../../shared/benchmarks/cells";

/// The benchmark folder, or `None` (with a notice) when it is not there.
fn cells_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(CELLS);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {CELLS} not found; skipping this test");
        None
    }
}

struct Bench {
    library: Library,
    table: Vec<TableCell>,
    netlists: Vec<PathBuf>,
}

/// One line of a `*_cells.tsv` file.
#[derive(Debug)]
struct TableCell {
    name: String,
    inputs: Vec<String>,
    /// Output pin and its function, when the table gives one.
    outputs: Vec<(String, Option<String>)>,
    sequential: String,
}

fn read_table(path: &Path) -> Vec<TableCell> {
    let text = std::fs::read_to_string(path).unwrap();
    let list = |field: &str| -> Vec<String> {
        if field == "-" {
            Vec::new()
        } else {
            field.split(',').map(str::to_string).collect()
        }
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert!(fields.len() >= 5, "bad table line: {line}");
            // `Q=IQ [three_state=!OE]`: the bracket is a note, not part of the function.
            let outputs = list(fields[3].split(" [").next().unwrap())
                .into_iter()
                .map(|o| match o.split_once('=') {
                    Some((pin, f)) => (pin.to_string(), Some(f.to_string())),
                    None => (o, None),
                })
                .collect();
            TableCell {
                name: fields[0].to_string(),
                inputs: list(fields[2]),
                outputs,
                sequential: fields[4].to_string(),
            }
        })
        .collect()
}

fn load(folder: &str, lib: &str, table: &str) -> Option<Bench> {
    let dir = cells_dir()?.join(folder);
    let library = read_liberty(&dir.join(lib)).unwrap();
    let table = read_table(&dir.join(table));
    let mut netlists: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .collect();
    netlists.sort();
    Some(Bench { library, table, netlists })
}

fn sky130() -> Option<Bench> {
    load("sky130hd", "sky130hd_tt.lib.gz", "sky130_fd_sc_hd_cells.tsv")
}
fn nangate45() -> Option<Bench> {
    load("nangate45", "nangate45_functions.lib", "nangate45_cells.tsv")
}
fn gsclib() -> Option<Bench> {
    load("iwls05_gsclib", "gsclib_functions.lib", "gsclib_cells.tsv")
}

/// Every assignment of the variables of `a` and `b` gives the same value.
fn same_function(a: &Expr<String>, b: &Expr<String>) -> bool {
    let mut vars: Vec<String> = a.vars().into_iter().chain(b.vars()).cloned().collect();
    vars.sort();
    vars.dedup();
    assert!(vars.len() <= 16);
    (0..1u32 << vars.len()).all(|row| {
        let mut value = |v: &String| row >> vars.iter().position(|x| x == v).unwrap() & 1 == 1;
        a.eval(&mut value) == b.eval(&mut value)
    })
}

/// A fresh netlist with one instance of `cell`: inputs are primary inputs and outputs primary
/// outputs, each on a net named after the pin.
fn alone(cell: &LibCell) -> (Netlist, Vec<(String, NetId)>) {
    let mut netlist = Netlist::new(cell.name());
    let mut connections = Vec::new();
    for pin in cell.pins() {
        let net = netlist.net(&pin.name);
        if pin.direction == PinDirection::Output {
            netlist.add_output(net);
        } else {
            netlist.add_input(net);
        }
        connections.push((pin.name.clone(), net));
    }
    let borrowed: Vec<(&str, NetId)> = connections.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    cell.instantiate(&mut netlist, "u0", &borrowed, SourcePos { line: 7, column: 3 })
        .unwrap_or_else(|e| panic!("{}: {e}", cell.name()));
    (netlist, connections)
}

/// Value of `net` on 64 patterns, given the values of the free nets (inputs and flop outputs),
/// by walking the primitive gates that drive it.
fn eval_net(netlist: &Netlist, net: NetId, values: &mut HashMap<NetId, u64>) -> u64 {
    if let Some(&v) = values.get(&net) {
        return v;
    }
    let drivers = netlist.net_drivers(net);
    assert_eq!(drivers.len(), 1, "net {} has {} drivers", netlist.net_name(net), drivers.len());
    let CellKind::Gate(kind) = netlist.cell(drivers[0]).kind else {
        panic!("net {} is driven by {:?}", netlist.net_name(net), netlist.cell(drivers[0]).kind);
    };
    let inputs: Vec<u64> =
        netlist.cell_inputs(drivers[0]).into_iter().map(|n| eval_net(netlist, n, values)).collect();
    let (min, max) = kind.arity();
    assert!(inputs.len() >= min && inputs.len() <= max, "{kind} with {} inputs", inputs.len());
    let v = kind.eval_words(inputs);
    values.insert(net, v);
    v
}

/// The expected value of an output pin, given the value of each named input.
type Expected<'a> = dyn Fn(&str, &dyn Fn(&str) -> bool) -> bool + 'a;

/// Checks the decomposition of `cell` against `expected(pin, values)` for every input row.
/// `free` lists the nets whose value is chosen (by name) in each row.
fn check_outputs(
    cell: &LibCell,
    netlist: &Netlist,
    free: &[(String, NetId)],
    expected: &Expected<'_>,
) {
    let rows = 1usize << free.len();
    for row in 0..rows {
        let value_of = |name: &str| -> bool {
            let k = free
                .iter()
                .position(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{}: no {name}", cell.name()));
            row >> k & 1 == 1
        };
        let mut values: HashMap<NetId, u64> =
            free.iter().map(|(n, net)| (*net, if value_of(n) { !0 } else { 0 })).collect();
        for pin in cell.pins().iter().filter(|p| p.direction == PinDirection::Output) {
            let net = netlist.find_net(&pin.name).unwrap();
            let got = eval_net(netlist, net, &mut values) & 1 == 1;
            assert_eq!(
                got,
                expected(&pin.name, &value_of),
                "{} pin {} row {row:b}",
                cell.name(),
                pin.name
            );
        }
    }
}

/// The Liberty value of output `pin` of a combinational cell (outputs may read outputs).
fn function_value(cell: &LibCell, pin: &str, value: &dyn Fn(&str) -> bool) -> bool {
    let p = cell.pin(pin).unwrap();
    let f =
        p.function.as_ref().unwrap_or_else(|| panic!("{} pin {pin} has no function", cell.name()));
    f.eval(&mut |v: &String| match cell.pin(v) {
        Some(q) if q.direction == PinDirection::Output => function_value(cell, v, value),
        _ => value(v),
    })
}

/// Structural rules of the decomposition that the fault model relies on.
fn check_structure(cell: &LibCell, netlist: &Netlist) {
    let instance = &netlist.instances()[0];
    assert_eq!(instance.cell_type, cell.name());
    assert_eq!(instance.pins.len(), cell.pins().len());
    for cell_id in netlist.cells() {
        let c = netlist.cell(cell_id);
        if !matches!(c.kind, CellKind::Input | CellKind::Output) {
            assert!(c.instance.is_some(), "{}: primitive {} not tagged", cell.name(), c.name);
            assert_eq!(c.pos, SourcePos { line: 7, column: 3 });
        }
    }
    for pin in &instance.pins {
        let drivers: Vec<_> = netlist
            .net_drivers(pin.net)
            .into_iter()
            .filter(|&d| !matches!(netlist.cell(d).kind, CellKind::Input))
            .collect();
        if pin.direction == PinDirection::Output {
            assert_eq!(
                drivers.len(),
                1,
                "{} output {} has {} drivers",
                cell.name(),
                pin.name,
                drivers.len()
            );
        } else {
            assert!(
                drivers.is_empty(),
                "{} input {} is driven inside the cell",
                cell.name(),
                pin.name
            );
        }
    }
}

fn check_combinational(cell: &LibCell) {
    let (netlist, connections) = alone(cell);
    check_structure(cell, &netlist);
    let free: Vec<(String, NetId)> = connections
        .iter()
        .filter(|(p, _)| cell.pin_direction(p) != Some(PinDirection::Output))
        .cloned()
        .collect();
    match cell.kind() {
        LibCellKind::ClockGating => {
            let gating = cell.clock_gating().unwrap();
            check_outputs(cell, &netlist, &free, &|pin, v| {
                assert_eq!(pin, gating.output);
                let enable = v(&gating.enable) || gating.test.as_deref().is_some_and(v);
                v(&gating.clock) && enable
            });
            assert!(netlist.diagnostics()[0].message.contains("clock gate"));
        }
        _ => check_outputs(cell, &netlist, &free, &|pin, v| function_value(cell, pin, v)),
    }
    // Every input the function reads is read by some gate of the decomposition.
    for pin in cell.pins().iter().filter(|p| p.direction == PinDirection::Output) {
        for var in pin.function.iter().flat_map(|f| f.vars()) {
            let net = netlist.find_net(var).unwrap();
            assert!(!netlist.net_sinks(net).is_empty(), "{}: pin {var} is not read", cell.name());
        }
    }
}

/// Flip-flops and latches: the flop's data input computes `next_state` (with the state as a
/// free variable), `IQ` outputs follow the flop, `IQN` outputs its complement.
fn check_sequential(cell: &LibCell) {
    let (netlist, connections) = alone(cell);
    check_structure(cell, &netlist);
    let state = cell.state().unwrap();
    assert_eq!(netlist.flops().len(), 1, "{}", cell.name());
    let flop = netlist.flops()[0];
    let CellKind::Flop(info) = &netlist.cell(flop).kind else { panic!("not a flop") };
    let q = netlist.cell_output(flop).unwrap();
    let d = netlist.cell_inputs(flop)[0];
    let mut free: Vec<(String, NetId)> = connections
        .iter()
        .filter(|(p, _)| cell.pin_direction(p) != Some(PinDirection::Output))
        .cloned()
        .collect();
    free.push((state.state.clone(), q));
    let state_value = |v: &dyn Fn(&str) -> bool, name: &str| -> bool {
        if name == state.inverted_state {
            !v(&state.state)
        } else {
            v(name)
        }
    };
    for row in 0..1usize << free.len() {
        let v = |name: &str| row >> free.iter().position(|(n, _)| n == name).unwrap() & 1 == 1;
        let mut values: HashMap<NetId, u64> =
            free.iter().map(|(n, net)| (*net, if v(n) { !0 } else { 0 })).collect();
        let want = state.next_state.eval(&mut |name: &String| state_value(&v, name));
        assert_eq!(
            eval_net(&netlist, d, &mut values) & 1 == 1,
            want,
            "{} next state row {row:b}",
            cell.name()
        );
        for pin in cell.pins().iter().filter(|p| p.direction == PinDirection::Output) {
            let net = netlist.find_net(&pin.name).unwrap();
            let got = eval_net(&netlist, net, &mut values) & 1 == 1;
            let want =
                pin.function.as_ref().unwrap().eval(&mut |name: &String| state_value(&v, name));
            assert_eq!(got, want, "{} pin {} row {row:b}", cell.name(), pin.name);
        }
    }
    // Controls: a single (possibly inverted) pin is recorded.
    let net_of = |e: &Expr<String>| -> (Option<NetId>, bool) {
        match e {
            Expr::Var(p) => (netlist.find_net(p), false),
            Expr::Not(inner) => match &**inner {
                Expr::Var(p) => (netlist.find_net(p), true),
                _ => (None, false),
            },
            _ => (None, false),
        }
    };
    assert_eq!((info.clock, info.clock_inverted), net_of(&state.clock), "{}", cell.name());
    assert_eq!(info.clear, state.clear.as_ref().and_then(|e| net_of(e).0), "{}", cell.name());
    assert_eq!(info.preset, state.preset.as_ref().and_then(|e| net_of(e).0), "{}", cell.name());
    assert_eq!(info.is_latch, cell.kind() == LibCellKind::Latch);
    match cell.scan_pins() {
        Some(scan) => {
            let si = netlist.find_net(&scan.scan_in).unwrap();
            let se = netlist.find_net(&scan.scan_enable).unwrap();
            assert_eq!(info.scan, Some((si, se)), "{}", cell.name());
        }
        None => assert_eq!(info.scan, None, "{}", cell.name()),
    }
    if info.is_latch {
        assert!(netlist
            .diagnostics()
            .iter()
            .any(|d| d.message.contains("latch modelled as a state element")));
    }
}

/// The table's sequential column, `ff(IQ,IQN){next_state=D; clocked_on=CK; ...}`.
fn check_sequential_against_table(cell: &LibCell, column: &str) {
    let Some(state) = cell.state() else {
        assert!(
            !column.starts_with("ff(") && !column.starts_with("latch("),
            "{}: {column}",
            cell.name()
        );
        return;
    };
    let (head, body) = column.split_once('{').unwrap();
    let vars = head.split_once('(').unwrap().1.trim_end_matches(')');
    assert_eq!(vars, format!("{},{}", state.state, state.inverted_state), "{}", cell.name());
    for item in body.split('}').next().unwrap().split(';') {
        let Some((key, value)) = item.trim().split_once('=') else { continue };
        let ours = match key {
            "next_state" | "data_in" => Some(&state.next_state),
            "clocked_on" | "enable" => Some(&state.clock),
            "clear" => state.clear.as_ref(),
            "preset" => state.preset.as_ref(),
            "clear_preset_var1" => {
                assert_eq!(state.clear_preset_var1.as_deref(), Some(value));
                continue;
            }
            "clear_preset_var2" => {
                assert_eq!(state.clear_preset_var2.as_deref(), Some(value));
                continue;
            }
            other => panic!("{}: unknown key {other}", cell.name()),
        };
        let theirs = parse_function(value).unwrap();
        assert!(same_function(ours.unwrap(), &theirs), "{} {key}", cell.name());
    }
}

/// Cell names, pins and functions agree with the table; every cell is checked by simulation.
/// `table_cells` lines are in the table, `library_cells` cells in the library; the table's extra
/// cells must be physical-only ones (no outputs), which a function library may leave out.
fn check_library(bench: &Bench, table_cells: usize, library_cells: usize) {
    let library = &bench.library;
    assert_eq!(bench.table.len(), table_cells);
    assert_eq!(library.len(), library_cells);
    let names: BTreeSet<&str> = library.cells().map(|c| c.name()).collect();
    let table: BTreeSet<&str> = bench.table.iter().map(|t| t.name.as_str()).collect();
    assert!(names.is_subset(&table));

    for entry in &bench.table {
        let Some(cell) = library.cell(&entry.name) else {
            assert!(entry.outputs.is_empty(), "{} is missing from the library", entry.name);
            continue;
        };
        let inputs: BTreeSet<&str> = cell.input_names().into_iter().collect();
        assert_eq!(inputs, entry.inputs.iter().map(String::as_str).collect(), "{}", entry.name);
        let outputs: BTreeSet<&str> = cell.output_names().into_iter().collect();
        assert_eq!(
            outputs,
            entry.outputs.iter().map(|(p, _)| p.as_str()).collect(),
            "{}",
            entry.name
        );
        for (pin, function) in &entry.outputs {
            let ours = cell.pin(pin).unwrap().function.as_ref();
            match function {
                Some(f) => assert!(
                    same_function(ours.unwrap(), &parse_function(f).unwrap()),
                    "{} {pin}",
                    entry.name
                ),
                None => assert!(ours.is_none(), "{} {pin}", entry.name),
            }
        }
        check_sequential_against_table(cell, &entry.sequential);
    }

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for cell in library.cells() {
        *kinds.entry(format!("{:?}", cell.kind())).or_default() += 1;
        match cell.kind() {
            LibCellKind::Combinational | LibCellKind::ThreeState | LibCellKind::ClockGating => {
                check_combinational(cell)
            }
            LibCellKind::FlipFlop | LibCellKind::Latch => check_sequential(cell),
            LibCellKind::Unsupported => {
                panic!("{} unsupported: {:?}", cell.name(), cell.unsupported_reason())
            }
        }
    }
    eprintln!("{}: {kinds:?}", library.name());

    // Every cell the benchmark netlists use is in the library and instantiates.
    let mut used = BTreeSet::new();
    for path in &bench.netlists {
        let text = std::fs::read_to_string(path).unwrap();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if names.contains(word) {
                used.insert(word.to_string());
            }
        }
    }
    assert!(!used.is_empty());
    for name in &used {
        let _ = alone(library.cell(name).unwrap());
    }
    eprintln!("{}: {} cells used by {} netlists", library.name(), used.len(), bench.netlists.len());
}

/// Number of primitive gates (not flops or ports) an instance of `name` becomes.
fn gate_count(library: &Library, name: &str) -> usize {
    alone(library.cell(name).unwrap()).0.gate_count()
}

#[test]
fn sky130_full_vendor_library() {
    let Some(bench) = sky130() else { return };
    let count = bench.table.len();
    assert_eq!(count, 428);
    check_library(&bench, count, count);
    let lib = &bench.library;
    assert_eq!(lib.name(), "sky130_fd_sc_hd__tt_025C_1v80");

    // Simple functions are single gates, AOI/OAI small trees, scan flops a MUX.
    let one_gate =
        ["nand2_1", "nor3_1", "and4_1", "or2_0", "inv_1", "buf_1", "xor2_1", "xnor3_1", "mux2_1"];
    for name in one_gate {
        assert_eq!(gate_count(lib, &format!("sky130_fd_sc_hd__{name}")), 1, "{name}");
    }
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__a21oi_1"), 2);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__o21ai_0"), 2);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__a2111oi_0"), 2);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__a222oi_1"), 4);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__mux2i_1"), 2);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__mux4_2"), 3);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__conb_1"), 2);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__dfxtp_1"), 0);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__dfxbp_1"), 1);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__sdfxtp_1"), 1);
    assert_eq!(gate_count(lib, "sky130_fd_sc_hd__decap_3"), 0);

    let sdff = lib.cell("sky130_fd_sc_hd__sdfxtp_1").unwrap();
    assert!(sdff.is_scan_flop());
    let scan = sdff.scan_pins().unwrap();
    assert_eq!((scan.scan_in.as_str(), scan.scan_enable.as_str()), ("SCD", "SCE"));
    assert_eq!(scan.scan_out.as_deref(), Some("Q"));
    assert!(!lib.cell("sky130_fd_sc_hd__dfxtp_1").unwrap().is_scan_flop());
    assert_eq!(lib.cell("sky130_fd_sc_hd__dlclkp_1").unwrap().kind(), LibCellKind::ClockGating);
    assert!(lib.cell("sky130_fd_sc_hd__dlclkp_1").unwrap().has_statetable());
    assert_eq!(lib.cell("sky130_fd_sc_hd__ebufn_1").unwrap().kind(), LibCellKind::ThreeState);
    assert_eq!(lib.cell("sky130_fd_sc_hd__dlxtp_1").unwrap().kind(), LibCellKind::Latch);
    assert_eq!(
        lib.cell("sky130_fd_sc_hd__nand2_1").unwrap().power_pins(),
        ["VGND", "VNB", "VPB", "VPWR"]
    );
    assert_eq!(lib.cell("sky130_fd_sc_hd__nand2_1").unwrap().area(), Some(3.7536));
}

#[test]
fn nangate45_functions_library() {
    let Some(bench) = nangate45() else { return };
    // The function library leaves out the seven filler and antenna cells of the table.
    check_library(&bench, 134, 127);
    let lib = &bench.library;
    let sdff = lib.cell("SDFF_X1").unwrap();
    assert!(sdff.is_scan_flop());
    assert_eq!(sdff.scan_pins().unwrap().scan_in, "SI");
    assert_eq!(sdff.scan_pins().unwrap().scan_enable, "SE");
    assert_eq!(gate_count(lib, "SDFF_X1"), 2, "MUX for the scan path, NOT for QN");
    assert_eq!(gate_count(lib, "AOI21_X1"), 2);
    assert_eq!(gate_count(lib, "NAND2_X1"), 1);
    assert_eq!(gate_count(lib, "OAI222_X1"), 4);
    let gate = lib.cell("CLKGATETST_X1").unwrap();
    assert_eq!(gate.kind(), LibCellKind::ClockGating);
    assert_eq!(gate.clock_gating().unwrap().test.as_deref(), Some("SE"));
    // TLAT: a latch with a three-state output; both are reported.
    let tlat = lib.cell("TLAT_X1").unwrap();
    assert_eq!(tlat.kind(), LibCellKind::Latch);
    let (netlist, _) = alone(tlat);
    let messages: Vec<&str> = netlist.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("latch")), "{messages:?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("three-state") && m.contains("`u0`") && m.contains("TLAT_X1")));
    assert!(lib.cell("FILLCELL_X1").is_none());
}

#[test]
fn gsclib_functions_library() {
    let Some(bench) = gsclib() else { return };
    check_library(&bench, 28, 28);
    let lib = &bench.library;
    let sdff = lib.cell("SDFFSRX1").unwrap();
    assert!(sdff.is_scan_flop());
    assert_eq!(sdff.pin_names(), ["RN", "SN", "CK", "D", "SE", "SI", "Q", "QN"]);
    assert_eq!(gate_count(lib, "ADDHX1"), 2);
    assert_eq!(gate_count(lib, "OAI33X1"), 3);
}

/// `read_liberty` on the gzipped vendor file reads the same library as `Library::parse` on its
/// text. The times are printed for information (`--nocapture`); speed is measured by benches,
/// not asserted here.
#[test]
fn sky130_reads_the_same_gzipped_or_plain() {
    use std::io::Read;
    let Some(dir) = cells_dir() else { return };
    let path = dir.join("sky130hd/sky130hd_tt.lib.gz");
    let start = Instant::now();
    let library = read_liberty(&path).unwrap();
    let total = start.elapsed();
    assert_eq!(library.len(), 428);

    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let start = Instant::now();
    let again = Library::parse(&text, "sky130.lib").unwrap();
    let parse = start.elapsed();
    assert_eq!(again.name(), library.name());
    assert_eq!(again.len(), library.len());
    for (a, b) in library.cells().zip(again.cells()) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "cell {}", a.name());
    }
    eprintln!(
        "sky130 ({} bytes): read_liberty (gunzip + parse) {total:?}, Library::parse {parse:?}",
        text.len()
    );
}

#[test]
fn truncated_vendor_file_reports_the_end() {
    let Some(dir) = cells_dir() else { return };
    let full =
        read_liberty(&dir.join("nangate45/nangate45_functions.lib")).map(|l| l.len()).unwrap();
    assert_eq!(full, 127);
    let text = std::fs::read_to_string(dir.join("nangate45/nangate45_functions.lib")).unwrap();
    let cut = text[..text.len() / 2].rfind('\n').unwrap() + 1;
    let err = Library::parse(&text[..cut], "half.lib").unwrap_err();
    let lines = text[..cut].matches('\n').count() as u32;
    assert_eq!(err.pos, SourcePos { line: lines + 1, column: 1 }, "{err}");
    // The innermost open group is the one reported, with where it opened.
    assert!(err.message.contains("expected `}` closing group `cell` (opened at "), "{err}");
    assert_eq!(err.file, "half.lib");
}

const SMALL: &str = r#"library (small) {
  cell (NAND2) {
    area : 1.0;
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "!(A & B)"; }
  }
  cell (HA) {
    pin (A) { direction : input; }
    pin (B) { direction : input; }
    pin (S) { direction : output; function : "A ^ B"; }
    pin (C) { direction : output; function : "A B" }
    pin (CN) { direction : output; function : "C'"; }
  }
  cell (ST) {
    pin (A) { direction : input; }
    pin (Y) { direction : output; }
    statetable ("A", "IQ") { table : "L : - : L, H : - : H"; }
  }
  cell (DFF) {
    ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; }
    pin (D) { direction : input; }
    pin (CK) { direction : input; clock : true; }
    pin (Q) { direction : output; function : "IQ"; }
    pin (Q2) { direction : output; function : "IQ"; }
    pin (QN) { direction : output; function : "IQN"; }
  }
}
"#;

fn small() -> Library {
    Library::parse(SMALL, "small.lib").unwrap()
}

fn connect<'a>(netlist: &mut Netlist, pins: &[&'a str]) -> Vec<(&'a str, NetId)> {
    pins.iter().map(|&p| (p, netlist.net(&format!("n_{p}")))).collect()
}

#[test]
fn connection_errors_name_the_pin() {
    let lib = small();
    let nand = lib.cell("NAND2").unwrap();
    let mut netlist = Netlist::new("t");
    let conns = connect(&mut netlist, &["A", "B", "Y", "Z"]);
    let err = nand.instantiate(&mut netlist, "u1", &conns, SourcePos::default()).unwrap_err();
    assert!(err.contains("no pin `Z`") && err.contains("u1"), "{err}");
    let conns = connect(&mut netlist, &["A", "Y"]);
    let err = nand.instantiate(&mut netlist, "u1", &conns, SourcePos::default()).unwrap_err();
    assert!(err.contains("input pin `B`") && err.contains("not connected"), "{err}");
    // Nothing was added by the failed calls.
    assert!(netlist.instances().is_empty());
    assert_eq!(netlist.gate_count(), 0);

    let st = lib.cell("ST").unwrap();
    assert_eq!(st.kind(), LibCellKind::Unsupported);
    let conns = connect(&mut netlist, &["A", "Y"]);
    let err = st.instantiate(&mut netlist, "u2", &conns, SourcePos::default()).unwrap_err();
    assert!(err.contains("`ST`") && err.contains("statetable"), "{err}");
}

#[test]
fn outputs_may_read_outputs_and_unconnected_outputs_get_internal_nets() {
    let lib = small();
    let ha = lib.cell("HA").unwrap();
    let mut netlist = Netlist::new("t");
    let conns = connect(&mut netlist, &["A", "B", "S", "CN"]);
    let id = ha.instantiate(&mut netlist, "ha", &conns, SourcePos::default()).unwrap();
    let instance = &netlist.instances()[id.index()];
    let carry = instance.pins.iter().find(|p| p.name == "C").unwrap().net;
    assert!(netlist.net_data(carry).internal);
    assert!(netlist.net_name(carry).starts_with("ha/C"));
    // XOR, AND, and CN = NOT of C's net.
    assert_eq!(netlist.gate_count(), 3);
    let cn = netlist.find_net("n_CN").unwrap();
    let driver = netlist.net_drivers(cn)[0];
    assert_eq!(netlist.cell(driver).kind, CellKind::Gate(GateKind::Not));
    assert_eq!(netlist.cell_inputs(driver), vec![carry]);
}

#[test]
fn flop_outputs_share_one_state_net() {
    let lib = small();
    let dff = lib.cell("DFF").unwrap();
    assert_eq!(dff.kind(), LibCellKind::FlipFlop);
    assert_eq!(dff.pin_names(), ["D", "CK", "Q", "Q2", "QN"]);
    let mut netlist = Netlist::new("t");
    let conns = connect(&mut netlist, &["D", "CK", "Q", "Q2", "QN"]);
    dff.instantiate(&mut netlist, "r", &conns, SourcePos::default()).unwrap();
    let flop = netlist.flops()[0];
    let q = netlist.find_net("n_Q").unwrap();
    assert_eq!(netlist.cell_output(flop), Some(q), "Q is the flop's own net");
    assert_eq!(
        netlist.cell_inputs(flop),
        vec![netlist.find_net("n_D").unwrap()],
        "D read directly"
    );
    for (pin, kind) in [("n_Q2", GateKind::Buf), ("n_QN", GateKind::Not)] {
        let driver = netlist.net_drivers(netlist.find_net(pin).unwrap())[0];
        assert_eq!(netlist.cell(driver).kind, CellKind::Gate(kind));
        assert_eq!(netlist.cell_inputs(driver), vec![q]);
    }
}

#[test]
fn syntax_errors_have_line_and_column() {
    let cases: [(&str, u32, u32, &str); 6] = [
        ("library (x) {\n  cell (A) {\n    area 1.0;\n  }\n}\n", 3, 10, "expected `:` or `(` after `area`"),
        (
            "library (x) {\n  cell (A) {\n    pin (Y) { direction : output; function : \"A & \"; }\n  }\n}\n",
            3,
            51,
            "in `function`: expected a pin name",
        ),
        ("library (x) {\n  cell (A) {\n    pin (Y) { direction : sideways; }\n  }\n}\n", 3, 27, "pin direction"),
        ("library (x) {\n  /* never closed\n}\n", 2, 3, "unterminated comment"),
        ("library (x) {\n  cell (A) {\n    pin (Y) { direction : output; ", 3, 35, "closing group `pin`"),
        ("library (x) {\n  cell (A) { }\n  cell (A) { }\n}\n", 3, 3, "defined twice (first at 2:3)"),
    ];
    for (text, line, column, message) in cases {
        let err = Library::parse(text, "bad.lib").unwrap_err();
        assert_eq!(err.pos, SourcePos { line, column }, "{err}");
        assert!(err.message.contains(message), "{err}");
        assert!(err.to_string().starts_with(&format!("bad.lib:{line}:{column}: ")), "{err}");
    }
    assert!(Library::parse("", "empty.lib").unwrap_err().message.contains("library"));
}

#[test]
fn liberty_syntax_variants() {
    let text = r#"
/* header */ library ("v") {
  define (my_attr, cell, string);
  type (bus4) { base_type : array; data_type : bit; bit_width : 4; bit_from : 3; bit_to : 0; }
  cell ("BUSBUF") {
    my_attr : "x";
    bus (A) { bus_type : bus4; direction : input; }
    bus (Y) {
      bus_type : bus4;
      direction : output;
      pin (Y[3:2]) { function : "A[3] + A[2]" }
      pin (Y[1]) { function : "A[1]'" }
      pin (Y[0]) { function : "A[0] \
                               A[1]" }
    }
  }
  cell (BUNDLE) {
    bundle (D) { members (D0, D1); direction : input; }
    pin (Z) { direction : output; function : "D0 * D1" }
  }
  cell (TIE) { pin (HI) { direction : output; function : "1" } pin (LO) { direction : output ; function : 0 } }
}
"#;
    let lib = Library::parse(text, "v.lib").unwrap();
    assert_eq!(lib.name(), "v");
    let busbuf = lib.cell("BUSBUF").unwrap();
    assert_eq!(
        busbuf.pin_names(),
        ["A[3]", "A[2]", "A[1]", "A[0]", "Y[3]", "Y[2]", "Y[1]", "Y[0]"]
    );
    check_combinational(busbuf);
    assert_eq!(lib.cell("BUNDLE").unwrap().pin_names(), ["D0", "D1", "Z"]);
    check_combinational(lib.cell("BUNDLE").unwrap());
    check_combinational(lib.cell("TIE").unwrap());

    let mut merged = small();
    let skipped = merged.merge(lib.clone());
    assert!(skipped.is_empty());
    assert_eq!(merged.len(), 7);
    assert_eq!(merged.merge(lib), ["BUSBUF", "BUNDLE", "TIE"]);
    assert_eq!(merged.cells().map(|c| c.name()).collect::<Vec<_>>()[..2], ["NAND2", "HA"]);
}

#[test]
fn read_errors_carry_the_path() {
    let dir = std::env::temp_dir().join(format!("liberty-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let missing = dir.join("missing.lib");
    match read_liberty(&missing) {
        Err(NetlistError::Io { path, .. }) => assert!(path.ends_with("missing.lib")),
        other => panic!("{other:?}"),
    }
    let latin1 = dir.join("latin1.lib");
    std::fs::write(&latin1, b"library (x) {\n  /* \xa9 2005 */\n}\n").unwrap();
    match read_liberty(&latin1) {
        Err(NetlistError::Parse(e)) => {
            assert_eq!(e.pos, SourcePos { line: 2, column: 6 });
            assert!(e.message.contains("UTF-8"), "{e}");
            assert!(e.file.ends_with("latin1.lib"));
        }
        other => panic!("{other:?}"),
    }
    let bad_gz = dir.join("bad.lib.gz");
    std::fs::write(&bad_gz, [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
    match read_liberty(&bad_gz) {
        Err(NetlistError::Io { path, .. }) => assert!(path.ends_with("bad.lib.gz")),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_input_does_not_panic() {
    let inputs = [
        "library (x) { cell (A) { pin (Y) { direction : output; function : \"".to_string(),
        format!("library (x) {{ cell (A) {{ pin (Y) {{ direction : output; function : \"{}A\"; }} }} }}", "(".repeat(5000)),
        format!("library (x) {{ {} }}", "g () {".repeat(5000)),
        "library (x) { cell () { } }".to_string(),
        "library (x) { cell (A) { ff (IQ) { } } }".to_string(),
        "library (x) { cell (A) { bus (D) { bus_type : nope; direction : input; } } }".to_string(),
        "}}}}".to_string(),
        "library (x) { cell (A) { pin (Y) { direction : output; function : \"Y\"; } } }".to_string(),
        "library (x) { cell (A) { pin (Y) { direction : output; function : \"Q\"; } } }".to_string(),
    ];
    for text in &inputs {
        if let Ok(lib) = Library::parse(text, "h.lib") {
            for cell in lib.cells() {
                let mut netlist = Netlist::new("h");
                let conns = connect(&mut netlist, &cell.pin_names());
                let _ = cell.instantiate(&mut netlist, "u", &conns, SourcePos::default());
            }
        }
    }
    let lib = Library::parse(&inputs[7], "h.lib").unwrap();
    assert!(lib.cell("A").unwrap().unsupported_reason().unwrap().contains("loop"));
    let lib = Library::parse(&inputs[8], "h.lib").unwrap();
    assert!(lib.cell("A").unwrap().unsupported_reason().unwrap().contains("`Q`"));
}
