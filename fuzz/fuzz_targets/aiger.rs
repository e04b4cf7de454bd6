//! AIGER reader: never panics on any bytes; whatever parses survives a write -> parse round trip
//! unchanged (ASCII always, binary when the graph is in binary order), and becomes a netlist
//! that checks and compiles or fails cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netlist::aiger::parse_aiger;

fuzz_target!(|data: &[u8]| {
    let Ok(aig) = parse_aiger(data, "fuzz.aag") else { return };
    let ascii = aig.write_ascii();
    let back = parse_aiger(&ascii, "fuzz.aag").expect("written ASCII AIGER parses");
    assert_eq!(back, aig, "ASCII round trip");
    if let Some(binary) = aig.write_binary() {
        let back = parse_aiger(&binary, "fuzz.aig").expect("written binary AIGER parses");
        assert_eq!(back, aig, "binary round trip");
    }
    // Small graphs only: the netlist of a huge M is slow, not wrong.
    if aig.max_var < 10_000 {
        let netlist = aig.to_netlist("fuzz");
        let _ = netlist.check();
        let _ = netlist.levelize();
    }
});
