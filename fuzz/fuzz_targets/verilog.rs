//! Verilog reader: never panics; whatever parses compiles or fails cleanly, and what the writer
//! makes of it reads back with the same structure.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(netlist) = netlist::verilog::parse_verilog(text, "fuzz.v", &Default::default()) else {
        return;
    };
    let _ = netlist.check();
    let _ = netlist.levelize();
    // A net that is both an input and an output port, or an output declared twice, cannot be
    // written as distinct Verilog ports: skip the round trip for those.
    let inputs: Vec<&str> =
        netlist.inputs().iter().map(|&c| netlist.cell(c).name.as_str()).collect();
    let mut outputs: Vec<&str> =
        netlist.outputs().iter().map(|&c| netlist.cell(c).name.as_str()).collect();
    if outputs.iter().any(|o| inputs.contains(o)) {
        return;
    }
    outputs.sort_unstable();
    if outputs.windows(2).any(|w| w[0] == w[1]) {
        return;
    }
    let written = netlist::verilog_writer::write_verilog(&netlist);
    let back = netlist::verilog::parse_verilog(&written, "fuzz.v", &Default::default())
        .expect("written Verilog parses");
    assert_eq!(netlist.structural_difference(&back), None, "{written}");
});
