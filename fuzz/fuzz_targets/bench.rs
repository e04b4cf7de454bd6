//! `.bench` reader: never panics; whatever parses compiles or fails cleanly, and survives a
//! write -> parse round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(netlist) = netlist::bench::parse_bench(text, "fuzz.bench") else { return };
    let _ = netlist.check();
    let _ = netlist.levelize();
    let written = netlist::bench::write_bench(&netlist).expect("parsed names are writable");
    let back = netlist::bench::parse_bench(&written, "fuzz.bench").expect("written .bench parses");
    assert_eq!(netlist.structural_difference(&back), None, "{written}");
});
