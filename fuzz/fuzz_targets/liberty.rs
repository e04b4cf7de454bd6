//! Liberty reader: never panics, and every cell it accepts either decomposes into a netlist that
//! compiles or is refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(library) = netlist::Library::parse(text, "fuzz.lib") else { return };
    for cell in library.cells() {
        let mut netlist = netlist::Netlist::new("fuzz");
        let connections: Vec<(String, netlist::NetId)> = cell
            .pin_names()
            .iter()
            .map(|p| (p.to_string(), netlist.net(&format!("net_{p}"))))
            .collect();
        let connections: Vec<(&str, netlist::NetId)> =
            connections.iter().map(|(p, n)| (p.as_str(), *n)).collect();
        if cell.instantiate(&mut netlist, "u0", &connections, Default::default()).is_ok() {
            let _ = netlist.check();
            let _ = netlist.levelize();
        }
    }
});
