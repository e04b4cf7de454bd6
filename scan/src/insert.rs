//! Scan insertion: clock domains, chain counts, balancing and stitching.
//!
//! Every flip-flop (and latch) gets a two-input multiplexer in front of its data pin,
//! `D' = scan_enable ? previous : D`, where `previous` is the Q net of the cell before it in its
//! chain, or the chain's `scan_in_K` port for the first cell. `scan_out_K` is driven by a buffer
//! from the Q of the last cell. With `scan_enable` at 0 the multiplexers pass `D` through, so the
//! design computes exactly what it did before.
//!
//! Flip-flops are grouped into domains by (clock, clock edge, latch or not), in order of first
//! appearance, where the clock is traced back through buffers and inverters to its root (a clock
//! tree is one clock, and the root, normally a port, names the chain's clock). Chains do not mix
//! domains, because shifting across clock edges or domains needs lock-up latches, which are out
//! of scope; [`ScanOptions::mix_clocks`] lets flip-flops of every clock and edge share chains
//! anyway (latches still apart), for designs whose clocks are pulsed together during shift, and
//! the report notes it. Within a domain the chain lengths differ by at most one. With `ChainLimit::Chains(n)` the `n` chains are shared among the domains so that the
//! longest chain is as short as possible (each domain gets at least one chain, so there may be
//! more than `n` chains); with `ChainLimit::MaxLength(l)` each domain gets as few chains as keep
//! every chain at most `l` long.
//!
//! Library scan flip-flops (`FlopInfo::scan` set, as Liberty `test_cell`s are read) are
//! recognised and their own multiplexer is reused when [`ScanOptions::library`] describes their
//! scan pins: the primitives of the cell's decomposition that read its scan-in pin read the
//! previous cell's Q instead (through an inverter for `test_scan_in_inverted`), and those that
//! read its scan-enable pin read `scan_enable` (inverted for `test_scan_enable_inverted`); the
//! instance's pin record follows. What the pins were connected to before is left in place,
//! unread. A scan flip-flop whose scan-in or scan-enable pin shares its net with another pin of
//! the cell, or whose cell the library does not describe, gets a multiplexer like a plain
//! flip-flop.
//!
//! With [`ScanOptions::library`], a plain library flip-flop becomes the library's scan
//! flip-flop of the same behaviour ([`netlist::Library::scan_equivalent`]: sky130 `dfxtp_1` ->
//! `sdfxtp_1`, `dfrtp_1` -> `sdfrtp_1`, NanGate `DFF_X1` -> `SDFF_X1`; same drive strength
//! preferred, `dont_use` cells skipped): the instance's cell type and pins change, its D pin
//! keeps its net, its scan-in pin reads the previous cell's Q (or `scan_in_K`) and its scan
//! enable `scan_enable`, and the scan cell's next-state logic joins the instance's primitives
//! ([`netlist::liberty::LibCell::replace_flip_flop`]), so the netlist is what reading the written cells
//! back builds. A library flip-flop with no matching scan cell gets the multiplexer in front of
//! its data *pin* (the instance's D pin reads the multiplexer), so it stays an instance of its
//! cell in [`netlist::verilog_writer::write_verilog_cells`]; only when its next state is logic
//! inside the cell (an enable flip-flop) does the multiplexer go in front of the flip-flop
//! primitive, and the writer then writes that instance as primitives. The report counts reused,
//! swapped and multiplexed flip-flops and names the cells that had no scan equivalent. Without
//! a library every flip-flop gets a multiplexer primitive in front of its data input, as
//! described at the top.

use netlist::{CellId, CellKind, GateKind, Library, NetId, Netlist, ScanChain, ScanChains};

use crate::error::ScanError;
use crate::order::power::{ShiftPatterns, Transitions};
use crate::order::{self, OrderMethod, PowerContext};
use rustc_hash::FxHashMap;

/// How many chains to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainLimit {
    /// This many chains in all (at least one per clock domain).
    Chains(usize),
    /// As few chains as keep each at most this long.
    MaxLength(usize),
}

/// Options for [`insert_scan`].
#[derive(Debug, Clone)]
pub struct ScanOptions<'a> {
    /// Number or length of chains.
    pub limit: ChainLimit,
    /// How cells are ordered along the chains.
    pub order: OrderMethod<'a>,
    /// Name of the scan enable port.
    pub scan_enable: String,
    /// Scan-in ports are this prefix followed by the chain number (from 1).
    pub scan_in_prefix: String,
    /// Scan-out ports are this prefix followed by the chain number (from 1).
    pub scan_out_prefix: String,
    /// A pattern set to order by ([`OrderMethod::Power`]) and, with any method, to count the
    /// weighted shift transitions of, before and after ordering.
    pub patterns: Option<&'a ShiftPatterns>,
    /// Seed of the orderings that make choices ([`OrderMethod::Power`]'s start cells).
    pub seed: u64,
    /// The cell library, to reuse the multiplexer of library scan flip-flops.
    pub library: Option<&'a Library>,
    /// Let flip-flops of different clocks and clock edges share chains (latches still get
    /// their own). No lock-up latches are inserted, so shifting across domains is then safe
    /// only when the clocks are pulsed together during shift with their skew under control;
    /// the report says so.
    pub mix_clocks: bool,
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        ScanOptions {
            limit: ChainLimit::Chains(1),
            order: OrderMethod::None,
            scan_enable: "scan_enable".to_string(),
            scan_in_prefix: "scan_in_".to_string(),
            scan_out_prefix: "scan_out_".to_string(),
            patterns: None,
            seed: 0,
            library: None,
            mix_clocks: false,
        }
    }
}

/// Per-chain figures of the ordering report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChainReport {
    /// Chain name.
    pub name: String,
    /// Clock net of the chain's domain.
    pub clock: Option<String>,
    /// Number of cells.
    pub length: usize,
    /// Manhattan wirelength between cell origins in microns, in the final order (placement
    /// ordering only).
    pub wirelength_um: Option<f64>,
    /// Weighted transitions while shifting the patterns in and the responses out, in the final
    /// order (when patterns are given).
    pub shift_transitions: Option<Transitions>,
}

/// What scan insertion did: chains, and for placement ordering the wirelength of the final
/// order against netlist order and plain nearest neighbour with the same number of chains.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScanReport {
    /// The ordering method.
    pub order: String,
    /// Number of clock domains (clock, edge, latch or flip-flop).
    pub domains: usize,
    /// Per chain.
    pub chains: Vec<ChainReport>,
    /// Total wirelength (µm) with the cells of each domain in netlist order, cut into the same
    /// number of chains (placement ordering only).
    pub wirelength_netlist_order_um: Option<f64>,
    /// Total wirelength (µm) of nearest neighbour from the cell nearest the origin, cut into the
    /// same number of chains (placement ordering only).
    pub wirelength_nearest_neighbour_um: Option<f64>,
    /// Total wirelength (µm) of the final order (placement ordering only).
    pub wirelength_final_um: Option<f64>,
    /// Number of patterns the shift transitions are counted over (when patterns are given).
    pub shift_patterns: Option<usize>,
    /// Weighted shift transitions with the cells of each domain in netlist order, cut into the
    /// same number of chains (when patterns are given).
    pub shift_transitions_netlist_order: Option<Transitions>,
    /// Weighted shift transitions of the final order (when patterns are given).
    pub shift_transitions_final: Option<Transitions>,
    /// Library scan flip-flops found.
    pub library_scan_cells: usize,
    /// Library scan flip-flops whose own multiplexer was reused (the others got a multiplexer
    /// in front of their data input, like plain flip-flops).
    pub library_scan_cells_reused: usize,
    /// Plain library flip-flops replaced by the library's scan flip-flop of the same behaviour
    /// (given [`ScanOptions::library`]).
    pub library_scan_cells_swapped: usize,
    /// Flip-flops that got a multiplexer primitive in front of their data input (all plain
    /// flip-flops without a library; with one, those without a matching scan flip-flop and
    /// library scan flip-flops that could not be reused).
    pub multiplexed_flops: usize,
    /// Notes on choices made (more chains than asked, and the like).
    pub notes: Vec<String>,
}

/// The result of [`insert_scan`].
#[derive(Debug, Clone)]
pub struct Inserted {
    /// The scan-inserted netlist.
    pub netlist: Netlist,
    /// The chains, cells named by flip-flop cell name from scan-in to scan-out.
    pub chains: ScanChains,
    /// The ordering report.
    pub report: ScanReport,
}

/// A clock domain: flip-flops that may share a chain.
struct Domain {
    clock: Option<NetId>,
    flops: Vec<CellId>,
}

/// Groups flip-flops by (clock root, edge, latch), in order of first appearance; with `mix`,
/// by latch or not alone (a group keeps a clock only if all its cells share one root and edge).
fn domains(netlist: &Netlist, mix: bool) -> Vec<Domain> {
    let mut keys: Vec<(Option<NetId>, bool, bool)> = Vec::new();
    let mut domains: Vec<Domain> = Vec::new();
    for &flop in netlist.flops() {
        let CellKind::Flop(info) = &netlist.cell(flop).kind else {
            unreachable!("Netlist::flops lists flip-flop cells only")
        };
        let (clock, inverted) = match info.clock {
            Some(net) => {
                let (root, through_inverters) = clock_root(netlist, net);
                (Some(root), info.clock_inverted ^ through_inverters)
            }
            None => (None, info.clock_inverted),
        };
        let key = (clock, inverted, info.is_latch);
        match keys.iter().position(|k| if mix { k.2 == key.2 } else { *k == key }) {
            Some(i) => {
                if mix && (keys[i].0, keys[i].1) != (clock, inverted) {
                    // Several clocks or edges share the domain: it names none.
                    keys[i].0 = None;
                    domains[i].clock = None;
                }
                domains[i].flops.push(flop)
            }
            None => {
                keys.push(key);
                domains.push(Domain { clock, flops: vec![flop] });
            }
        }
    }
    domains
}

/// The net a clock comes from through buffers and inverters (a clock tree), and whether an odd
/// number of inverters lies on the way.
fn clock_root(netlist: &Netlist, mut net: NetId) -> (NetId, bool) {
    let mut inverted = false;
    // A loop of buffers would never end; clock trees are far shallower than this.
    for _ in 0..10_000 {
        let Some(driver) = netlist.net_driver(net) else { break };
        let step = match netlist.cell(driver).kind {
            CellKind::Gate(GateKind::Buf) => false,
            CellKind::Gate(GateKind::Not) => true,
            _ => break,
        };
        let inputs = netlist.cell_inputs(driver);
        let [input] = inputs[..] else { break };
        net = input;
        inverted ^= step;
    }
    (net, inverted)
}

/// The clock a chain file names for a chain: the domain's root clock when it feeds nothing but
/// clock pins (a clock port in the full-scan view), else the clock net all the chain's cells
/// share, else none (pattern writers then take each cell's own clock net). A root that feeds a
/// clock tree of buffers is a data input of the full-scan view, and the STIL writer rightly
/// refuses a port that is both.
fn chain_clock(netlist: &Netlist, root: Option<NetId>, cells: &[CellId]) -> Option<String> {
    let root = root?;
    if netlist.sink_count(root) == 0 {
        return Some(netlist.net_name(root).to_string());
    }
    let clock_of = |cell: CellId| match &netlist.cell(cell).kind {
        CellKind::Flop(info) => info.clock,
        _ => None,
    };
    let first = clock_of(*cells.first()?)?;
    cells.iter().all(|&c| clock_of(c) == Some(first)).then(|| netlist.net_name(first).to_string())
}

/// Chains per domain for the given limit; never more chains than cells in a domain.
pub(crate) fn chains_per_domain(
    sizes: &[usize],
    limit: ChainLimit,
) -> Result<Vec<usize>, ScanError> {
    match limit {
        ChainLimit::Chains(0) => Err(ScanError::ZeroLimit("the number of chains")),
        ChainLimit::MaxLength(0) => Err(ScanError::ZeroLimit("the maximum chain length")),
        ChainLimit::MaxLength(l) => Ok(sizes.iter().map(|&s| s.div_ceil(l)).collect()),
        ChainLimit::Chains(n) => {
            let mut counts = vec![1usize; sizes.len()];
            let mut total = sizes.len();
            while total < n {
                // Give one more chain to the domain whose longest chain is longest.
                let best = (0..sizes.len())
                    .filter(|&d| counts[d] < sizes[d])
                    .max_by_key(|&d| (sizes[d].div_ceil(counts[d]), std::cmp::Reverse(d)));
                let Some(d) = best else { break };
                counts[d] += 1;
                total += 1;
            }
            Ok(counts)
        }
    }
}

/// Cuts `cells` into `k` consecutive pieces whose lengths differ by at most one (longer first).
pub(crate) fn split_balanced<T: Clone>(cells: &[T], k: usize) -> Vec<Vec<T>> {
    let k = k.max(1);
    let base = cells.len() / k;
    let extra = cells.len() % k;
    let mut pieces = Vec::with_capacity(k);
    let mut start = 0;
    for i in 0..k {
        let len = base + usize::from(i < extra);
        pieces.push(cells[start..start + len].to_vec());
        start += len;
    }
    pieces
}

/// Inserts scan chains into a copy of `netlist`.
///
/// Fails when a port name it needs is taken, when the limit is zero, or when placement ordering
/// is asked for and a flip-flop has no position. A netlist without flip-flops comes back
/// unchanged with no chains.
pub fn insert_scan(netlist: &Netlist, options: &ScanOptions<'_>) -> Result<Inserted, ScanError> {
    let domains = domains(netlist, options.mix_clocks);
    let sizes: Vec<usize> = domains.iter().map(|d| d.flops.len()).collect();
    let counts = chains_per_domain(&sizes, options.limit)?;
    let mut notes = Vec::new();
    if options.mix_clocks {
        let separate = self::domains(netlist, false).len();
        if separate > domains.len() {
            notes.push(format!(
                "{separate} clock domains (clock and edge) share chains on request: no lock-up \
                 latches were inserted, so shifting across domains needs their clocks pulsed \
                 together with the skew under control"
            ));
        }
    }
    let total: usize = counts.iter().sum();
    if let ChainLimit::Chains(n) = options.limit {
        if total > n {
            notes.push(format!(
                "{total} chains instead of {n}: each of the {} clock domains needs its own chain",
                domains.len()
            ));
        } else if total < n && !domains.is_empty() {
            notes.push(format!("{total} chains instead of {n}: no chain can be empty"));
        }
    }
    let needed: Vec<String> = std::iter::once(options.scan_enable.clone())
        .chain((1..=total).flat_map(|k| {
            [format!("{}{k}", options.scan_in_prefix), format!("{}{k}", options.scan_out_prefix)]
        }))
        .collect();
    if total > 0 {
        if let Some(taken) = needed.iter().find(|n| netlist.find_net(n).is_some()) {
            return Err(ScanError::NameTaken(taken.clone()));
        }
    }

    let flop_index: FxHashMap<CellId, usize> =
        netlist.flops().iter().enumerate().map(|(i, &f)| (f, i)).collect();
    if let Some(patterns) = options.patterns {
        if patterns.num_flops() != netlist.flops().len() {
            return Err(ScanError::PatternWidth {
                found: patterns.num_flops(),
                expected: netlist.flops().len(),
            });
        }
    }
    let power = options.patterns.map(|patterns| PowerContext {
        patterns,
        index: &flop_index,
        seed: options.seed,
    });
    let transitions = |cells: &[CellId]| -> Option<Transitions> {
        let numbers: Vec<usize> = cells.iter().map(|c| flop_index[c]).collect();
        options.patterns.map(|p| p.weighted_transitions(&numbers))
    };
    let mut transitions_netlist_order = Transitions::default();

    // Order and split each domain.
    let mut planned: Vec<(Option<NetId>, Vec<CellId>)> = Vec::new();
    let mut wirelength = order::WirelengthTotals::default();
    let mut chain_wirelengths: Vec<Option<f64>> = Vec::new();
    for (domain, &k) in domains.iter().zip(&counts) {
        let ordered =
            order::order_domain(netlist, &domain.flops, k, &options.order, power.as_ref())?;
        for chain in split_balanced(&domain.flops, k) {
            transitions_netlist_order =
                transitions_netlist_order + transitions(&chain).unwrap_or_default();
        }
        wirelength.add(&ordered.totals);
        for (chain, length) in ordered.chains.into_iter().zip(ordered.wirelengths) {
            planned.push((domain.clock, chain));
            chain_wirelengths.push(length);
        }
    }

    let mut scanned = netlist.clone();
    let mut chains = ScanChains::default();
    let mut reports: Vec<ChainReport> = Vec::new();
    let library_scan_cells = netlist
        .flops()
        .iter()
        .filter(|&&f| matches!(&netlist.cell(f).kind, CellKind::Flop(i) if i.scan.is_some()))
        .count();
    let mut reused = 0;
    let (mut swapped, mut multiplexed) = (0, 0);
    let mut equivalents: FxHashMap<String, Option<String>> = FxHashMap::default();
    let mut unswapped: std::collections::BTreeMap<String, usize> = Default::default();
    if !planned.is_empty() {
        let enable = scanned.net(&options.scan_enable);
        scanned.add_input(enable);
        for (k, ((clock, cells), length)) in planned.iter().zip(chain_wirelengths).enumerate() {
            let number = k + 1;
            let scan_in = format!("{}{number}", options.scan_in_prefix);
            let scan_out = format!("{}{number}", options.scan_out_prefix);
            let mut previous = scanned.net(&scan_in);
            scanned.add_input(previous);
            for &flop in cells {
                if let Some(q) =
                    reuse_scan_cell(&mut scanned, flop, enable, previous, options.library)
                {
                    reused += 1;
                    previous = q;
                    continue;
                }
                if let Some(library) = options.library {
                    if let Some(q) = swap_for_scan_cell(
                        &mut scanned,
                        flop,
                        enable,
                        previous,
                        library,
                        &mut equivalents,
                    ) {
                        swapped += 1;
                        previous = q;
                        continue;
                    }
                    if let Some(cell_type) = cell_type(&scanned, flop) {
                        *unswapped.entry(cell_type).or_insert(0) += 1;
                    }
                    multiplexed += 1;
                    if let Some(q) = stitch_instance_pin(&mut scanned, flop, enable, previous) {
                        previous = q;
                        continue;
                    }
                } else {
                    multiplexed += 1;
                }
                previous = stitch_cell(&mut scanned, flop, enable, previous);
            }
            let out = scanned.net(&scan_out);
            scanned.add_gate(format!("{scan_out}_buf"), GateKind::Buf, &[previous], out);
            scanned.add_output(out);
            let clock = chain_clock(netlist, *clock, cells);
            chains.chains.push(ScanChain {
                name: format!("chain{number}"),
                scan_in,
                scan_out,
                scan_enable: options.scan_enable.clone(),
                clock: clock.clone(),
                cells: cells.iter().map(|&c| netlist.cell(c).name.to_string()).collect(),
            });
            reports.push(ChainReport {
                name: format!("chain{number}"),
                clock,
                length: cells.len(),
                wirelength_um: length,
                shift_transitions: transitions(cells),
            });
        }
    }
    for (cell_type, count) in &unswapped {
        notes.push(format!(
            "{count} instances of `{cell_type}` got a multiplexer in front of their data pin: the library has no scan flip-flop that matches the cell"
        ));
    }
    let shift_transitions_final =
        options.patterns.map(|_| reports.iter().filter_map(|r| r.shift_transitions).sum());
    let report = ScanReport {
        order: options.order.name().to_string(),
        domains: domains.len(),
        chains: reports,
        wirelength_netlist_order_um: wirelength.netlist_order,
        wirelength_nearest_neighbour_um: wirelength.nearest_neighbour,
        wirelength_final_um: wirelength.final_order,
        shift_patterns: options.patterns.map(ShiftPatterns::len),
        shift_transitions_netlist_order: options.patterns.map(|_| transitions_netlist_order),
        shift_transitions_final,
        library_scan_cells,
        library_scan_cells_reused: reused,
        library_scan_cells_swapped: swapped,
        multiplexed_flops: multiplexed,
        notes,
    };
    Ok(Inserted { netlist: scanned, chains, report })
}

/// Stitches a library scan flip-flop through its own multiplexer (see the module documentation);
/// returns its Q net, or `None` (changing nothing) when it cannot be reused.
fn reuse_scan_cell(
    netlist: &mut Netlist,
    flop: CellId,
    enable: NetId,
    previous: NetId,
    library: Option<&Library>,
) -> Option<NetId> {
    let cell = netlist.cell(flop);
    let CellKind::Flop(info) = &cell.kind else { return None };
    let (scan_in, scan_enable) = info.scan?;
    let instance_id = cell.instance?;
    let instance = &netlist.instances()[instance_id.index()];
    let pins = library?.cell(&instance.cell_type)?.scan_pins()?.clone();
    // Each scan pin must have a net of its own, or rewiring it would rewire another pin too.
    let sharing = |net: NetId| instance.pins.iter().filter(|p| p.net == net).count() > 1;
    if scan_in == scan_enable || sharing(scan_in) || sharing(scan_enable) {
        return None;
    }
    let name = cell.name.clone();
    let pos = cell.pos;
    let q = netlist.cell_output(flop)?;
    let source = |netlist: &mut Netlist, net: NetId, inverted: bool, what: &str| {
        if !inverted {
            return net;
        }
        let out = netlist.add_internal_net(&format!("{name}/{what}_n"));
        let gate = netlist.add_gate(format!("{name}/{what}_inv"), GateKind::Not, &[net], out);
        netlist.set_cell_pos(gate, pos);
        out
    };
    let new_in = source(netlist, previous, pins.scan_in_inverted, "scan_in");
    let new_enable = source(netlist, enable, pins.scan_enable_inverted, "scan_enable");
    for (old, new, pin) in
        [(scan_in, new_in, &pins.scan_in), (scan_enable, new_enable, &pins.scan_enable)]
    {
        for (reader, input) in netlist.net_sinks(old) {
            if netlist.cell(reader).instance == Some(instance_id) {
                netlist.reconnect_input(reader, input, new);
            }
        }
        netlist.reconnect_instance_pin(instance_id, pin, new);
    }
    Some(q)
}

/// The library cell `flop` is an instance of, if any.
fn cell_type(netlist: &Netlist, flop: CellId) -> Option<String> {
    let instance = netlist.cell(flop).instance?;
    Some(netlist.instances()[instance.index()].cell_type.clone())
}

/// Replaces the library flip-flop `flop` by the library's scan flip-flop of the same behaviour
/// (its scan-in pin on `previous`, its scan enable on `enable`); returns its Q net, or `None` (changing nothing) when `flop` is no instance of a
/// cell with a scan equivalent. `equivalents` caches the scan cell per cell type.
fn swap_for_scan_cell(
    netlist: &mut Netlist,
    flop: CellId,
    enable: NetId,
    previous: NetId,
    library: &Library,
    equivalents: &mut FxHashMap<String, Option<String>>,
) -> Option<NetId> {
    let cell = netlist.cell(flop);
    let CellKind::Flop(info) = &cell.kind else { return None };
    if info.scan.is_some() {
        return None;
    }
    let cell_type = cell_type(netlist, flop)?;
    let scan_name = equivalents
        .entry(cell_type)
        .or_insert_with_key(|t| {
            let plain = library.cell(t)?;
            library.scan_equivalent(plain).map(|c| c.name().to_string())
        })
        .clone()?;
    let scan_cell = library.cell(&scan_name)?;
    let q = netlist.cell_output(flop)?;
    scan_cell.replace_flip_flop(netlist, flop, previous, enable).ok()?;
    Some(q)
}

/// Puts the scan multiplexer in front of the data *pin* of the standard-cell instance `flop`
/// belongs to (the pin its data input reads, when no other pin of the instance shares the
/// net): the instance then reads the multiplexer's output there and is still an instance of
/// its cell. Returns the flip-flop's Q net, or `None` (changing nothing) when the data input is
/// not such a pin (the next state is logic inside the cell).
fn stitch_instance_pin(
    netlist: &mut Netlist,
    flop: CellId,
    enable: NetId,
    previous: NetId,
) -> Option<NetId> {
    let cell = netlist.cell(flop);
    let instance_id = cell.instance?;
    let (name, pos) = (cell.name.clone(), cell.pos);
    let d = *netlist.cell_inputs(flop).first()?;
    let q = netlist.cell_output(flop)?;
    let instance = &netlist.instances()[instance_id.index()];
    let on_d: Vec<&netlist::InstancePin> = instance.pins.iter().filter(|p| p.net == d).collect();
    let [pin] = on_d[..] else { return None };
    if pin.direction == netlist::PinDirection::Output {
        return None;
    }
    let pin = pin.name.clone();
    let muxed = netlist.add_internal_net(&format!("{name}/scan_d"));
    let mux =
        netlist.add_gate(format!("{name}/scan_mux"), GateKind::Mux, &[enable, d, previous], muxed);
    netlist.set_cell_pos(mux, pos);
    for (reader, input) in netlist.net_sinks(d) {
        if netlist.cell(reader).instance == Some(instance_id) {
            netlist.reconnect_input(reader, input, muxed);
        }
    }
    netlist.reconnect_instance_pin(instance_id, &pin, muxed);
    Some(q)
}

/// Puts the scan multiplexer in front of `flop`'s data pin, selecting `previous` when `enable`
/// is 1; returns the flip-flop's Q net (the next cell's `previous`).
fn stitch_cell(netlist: &mut Netlist, flop: CellId, enable: NetId, previous: NetId) -> NetId {
    let name = netlist.cell(flop).name.to_string();
    let pos = netlist.cell(flop).pos;
    let d = netlist.cell_inputs(flop)[0];
    let q = netlist.cell_output(flop).expect("flip-flops always drive their Q net");
    let muxed = netlist.add_internal_net(&format!("{name}/scan_d"));
    let mux =
        netlist.add_gate(format!("{name}/scan_mux"), GateKind::Mux, &[enable, d, previous], muxed);
    // The multiplexer belongs to no library instance (it is written as a primitive); it takes
    // the flip-flop's source position for messages.
    netlist.set_cell_pos(mux, pos);
    netlist.reconnect_input(flop, 0, muxed).expect("flip-flops always have a data pin");
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_shared_to_minimise_the_longest() {
        assert_eq!(chains_per_domain(&[10, 2], ChainLimit::Chains(4)).ok(), Some(vec![3, 1]));
        assert_eq!(chains_per_domain(&[5], ChainLimit::Chains(9)).ok(), Some(vec![5]));
        assert_eq!(chains_per_domain(&[5, 5, 5], ChainLimit::Chains(1)).ok(), Some(vec![1, 1, 1]));
        assert_eq!(chains_per_domain(&[10, 3], ChainLimit::MaxLength(4)).ok(), Some(vec![3, 1]));
        assert!(chains_per_domain(&[1], ChainLimit::Chains(0)).is_err());
        assert!(chains_per_domain(&[1], ChainLimit::MaxLength(0)).is_err());
    }

    #[test]
    fn split_is_balanced_within_one() {
        let cells: Vec<u32> = (0..10).collect();
        let pieces = split_balanced(&cells, 3);
        let lengths: Vec<usize> = pieces.iter().map(Vec::len).collect();
        assert_eq!(lengths, [4, 3, 3]);
        assert_eq!(pieces.concat(), cells);
    }
}
