//! The order of cells along scan chains, and how a clock domain is cut into chains.
//!
//! Every method produces one order of a domain's flip-flops; the domain's chains are consecutive
//! pieces of it whose lengths differ by at most one.
//!
//! - [`OrderMethod::None`]: netlist order.
//! - [`OrderMethod::Netlist`]: netlist proximity. Two flip-flops are neighbours when one's Q
//!   reaches the other's D through combinational logic (searched backwards from each D over at
//!   most [`CONE_LIMIT`] nets, so huge cones cost a bounded amount). The order is a depth-first
//!   walk of that neighbour graph from the first unvisited flip-flop in netlist order, taking
//!   neighbours in netlist order: shift registers come out in shift order and flip-flops that
//!   share logic end up close together. A simple, linear-time stand-in for clustering by cones.
//! - [`OrderMethod::Placement`]: minimises Manhattan wirelength between cell origins. The domain
//!   is ordered by nearest neighbour from the cell nearest the origin (what OpenROAD does), then
//!   improved by 2-opt and Or-opt ([`tour`]) and cut into chains, each of which is improved again.
//!   Cutting the plain nearest-neighbour order into chains and improving each is computed too and
//!   kept if shorter, so the result is never longer than nearest neighbour. The new scan ports
//!   have no placement, so the port-to-cell wires are not counted.
//! - [`OrderMethod::Power`]: few weighted transitions while shifting a given pattern set in and
//!   its responses out ([`power`]).

pub mod power;
pub mod tour;

use netlist::{CellId, CellKind, Netlist};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::def::Placement;
use crate::error::ScanError;
use crate::insert::split_balanced;
use tour::Point;

/// Nets searched backwards from each flip-flop's D for [`OrderMethod::Netlist`].
pub const CONE_LIMIT: usize = 256;

/// How cells are ordered along the chains.
#[derive(Debug, Clone, Copy)]
pub enum OrderMethod<'a> {
    /// Netlist order.
    None,
    /// Netlist proximity: flip-flops connected through logic kept together.
    Netlist,
    /// Placement: shortest Manhattan wirelength between cell origins.
    Placement(&'a Placement),
    /// Shift power: fewest weighted transitions for the patterns of
    /// [`crate::ScanOptions::patterns`].
    Power,
}

impl OrderMethod<'_> {
    /// The method's name as the CLI spells it.
    pub fn name(&self) -> &'static str {
        match self {
            OrderMethod::None => "none",
            OrderMethod::Netlist => "netlist",
            OrderMethod::Placement(_) => "placement",
            OrderMethod::Power => "power",
        }
    }
}

/// Total wirelengths in microns of the three orders (placement ordering only).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct WirelengthTotals {
    pub(crate) netlist_order: Option<f64>,
    pub(crate) nearest_neighbour: Option<f64>,
    pub(crate) final_order: Option<f64>,
}

impl WirelengthTotals {
    pub(crate) fn add(&mut self, other: &WirelengthTotals) {
        let sum = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        self.netlist_order = sum(self.netlist_order, other.netlist_order);
        self.nearest_neighbour = sum(self.nearest_neighbour, other.nearest_neighbour);
        self.final_order = sum(self.final_order, other.final_order);
    }
}

/// A domain cut into ordered chains.
pub(crate) struct DomainOrder {
    pub(crate) chains: Vec<Vec<CellId>>,
    /// Per chain, its wirelength in microns (placement ordering only).
    pub(crate) wirelengths: Vec<Option<f64>>,
    pub(crate) totals: WirelengthTotals,
}

/// The pattern set of shift-power ordering, with each flip-flop's number in it.
pub(crate) struct PowerContext<'a> {
    pub(crate) patterns: &'a power::ShiftPatterns,
    pub(crate) index: &'a FxHashMap<CellId, usize>,
    pub(crate) seed: u64,
}

/// Orders the flip-flops `flops` (one domain, in netlist order) and cuts them into `chains`
/// chains.
pub(crate) fn order_domain(
    netlist: &Netlist,
    flops: &[CellId],
    chains: usize,
    method: &OrderMethod<'_>,
    power: Option<&PowerContext<'_>>,
) -> Result<DomainOrder, ScanError> {
    let plain = |order: Vec<CellId>| DomainOrder {
        chains: split_balanced(&order, chains),
        wirelengths: vec![None; chains],
        totals: WirelengthTotals::default(),
    };
    match method {
        OrderMethod::None => Ok(plain(flops.to_vec())),
        OrderMethod::Netlist => Ok(plain(proximity_order(netlist, flops))),
        OrderMethod::Placement(placement) => placement_order(netlist, flops, chains, placement),
        OrderMethod::Power => {
            let context = power.ok_or(ScanError::NoPatterns)?;
            let numbers: Vec<usize> = flops.iter().map(|f| context.index[f]).collect();
            let chains = power::power_order(context.patterns, &numbers, chains, context.seed);
            let cell_of: FxHashMap<usize, CellId> =
                flops.iter().zip(&numbers).map(|(&f, &i)| (i, f)).collect();
            let chains: Vec<Vec<CellId>> =
                chains.into_iter().map(|c| c.into_iter().map(|i| cell_of[&i]).collect()).collect();
            Ok(DomainOrder {
                wirelengths: vec![None; chains.len()],
                chains,
                totals: WirelengthTotals::default(),
            })
        }
    }
}

/// The depth-first proximity order of [`OrderMethod::Netlist`].
fn proximity_order(netlist: &Netlist, flops: &[CellId]) -> Vec<CellId> {
    let index_of: FxHashMap<CellId, usize> =
        flops.iter().enumerate().map(|(i, &f)| (f, i)).collect();
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); flops.len()];
    let mut stack = Vec::new();
    let mut seen = FxHashSet::default();
    let mut inputs = Vec::new();
    for (i, &flop) in flops.iter().enumerate() {
        stack.clear();
        seen.clear();
        netlist.cell_inputs_into(flop, &mut inputs);
        stack.extend(inputs.iter().take(1).copied());
        while let Some(net) = stack.pop() {
            if !seen.insert(net) || seen.len() > CONE_LIMIT {
                continue;
            }
            let Some(driver) = netlist.net_driver(net) else { continue };
            match &netlist.cell(driver).kind {
                CellKind::Flop(_) => {
                    if let Some(&j) = index_of.get(&driver) {
                        if j != i {
                            neighbours[i].push(j);
                            neighbours[j].push(i);
                        }
                    }
                }
                CellKind::Gate(_) => {
                    netlist.cell_inputs_into(driver, &mut inputs);
                    stack.extend(inputs.iter().copied());
                }
                CellKind::Input | CellKind::Output => {}
            }
        }
    }
    for list in &mut neighbours {
        list.sort_unstable();
        list.dedup();
    }
    let mut visited = vec![false; flops.len()];
    let mut order = Vec::with_capacity(flops.len());
    let mut next_in_list = vec![0usize; flops.len()];
    for root in 0..flops.len() {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        order.push(flops[root]);
        let mut path = vec![root];
        while let Some(&top) = path.last() {
            let list = &neighbours[top];
            while next_in_list[top] < list.len() && visited[list[next_in_list[top]]] {
                next_in_list[top] += 1;
            }
            match list.get(next_in_list[top]) {
                Some(&next) => {
                    visited[next] = true;
                    order.push(flops[next]);
                    path.push(next);
                }
                None => {
                    path.pop();
                }
            }
        }
    }
    order
}

/// The placement order of [`OrderMethod::Placement`].
fn placement_order(
    netlist: &Netlist,
    flops: &[CellId],
    chains: usize,
    placement: &Placement,
) -> Result<DomainOrder, ScanError> {
    let mut points: Vec<Point> = Vec::with_capacity(flops.len());
    let mut missing = Vec::new();
    for &flop in flops {
        match placement.position(&netlist.cell(flop).name) {
            Some(p) => points.push(p),
            None => missing.push(flop),
        }
    }
    if let Some(&first) = missing.first() {
        return Err(ScanError::Unplaced {
            missing: missing.len(),
            example: netlist.cell(first).name.to_string(),
        });
    }
    let microns = |dbu: i64| dbu as f64 / placement.units_per_micron();
    let ids: Vec<u32> = (0..flops.len() as u32).collect();
    let total =
        |pieces: &[Vec<u32>]| pieces.iter().map(|c| tour::path_length(&points, c)).sum::<i64>();

    let netlist_order = split_balanced(&ids, chains);
    let nearest = tour::nearest_neighbour(&points, &ids);
    let nearest_chains = split_balanced(&nearest, chains);

    // Candidate 1: improve the whole domain, cut it, improve each chain.
    let mut whole = nearest.clone();
    tour::improve(&points, &mut whole);
    let mut cut = split_balanced(&whole, chains);
    if chains > 1 {
        for chain in &mut cut {
            tour::improve(&points, chain);
        }
    }
    // Candidate 2 (only differs with several chains): improve each nearest-neighbour chain.
    let mut best = cut;
    if chains > 1 {
        let mut each = nearest_chains.clone();
        for chain in &mut each {
            tour::improve(&points, chain);
        }
        if total(&each) < total(&best) {
            best = each;
        }
    }
    let totals = WirelengthTotals {
        netlist_order: Some(microns(total(&netlist_order))),
        nearest_neighbour: Some(microns(total(&nearest_chains))),
        final_order: Some(microns(total(&best))),
    };
    Ok(DomainOrder {
        wirelengths: best.iter().map(|c| Some(microns(tour::path_length(&points, c)))).collect(),
        chains: best
            .into_iter()
            .map(|c| c.into_iter().map(|i| flops[i as usize]).collect())
            .collect(),
        totals,
    })
}
