//! Shift-power ordering: cells ordered so that shifting a pattern set in and its responses out
//! toggles the chain as little as possible.
//!
//! The measure is the weighted transition metric (Sankaralingam, Oh and McCluskey, VTS 2000).
//! Number the cells of a chain of length `L` from 1 at the scan-in to `L` at the scan-out. A load
//! vector enters cell `L`'s bit first; a transition between the bits of cells `i` and `i + 1`
//! enters the chain when cell `i`'s bit does and then passes through cells `1..=i`, toggling each:
//! weight `i`. A captured response leaves through the scan-out, cell `L` first; a transition
//! between cells `i` and `i + 1` passes through cells `i + 1..=L` before it leaves: weight
//! `L - i`. Summed over the patterns and chains, load and unload together, this is exactly the
//! number of cell toggles while the responses of one pattern shift out as the next pattern
//! shifts in, except for the one seam per pattern between the last response bit and the first
//! load bit. An `X` (unspecified) value never counts as a transition.
//!
//! Ordering, deterministic for a seed:
//! 1. the distance between two cells is the number of load and unload vectors in which they
//!    differ (the transitions they cause when adjacent, unweighted);
//! 2. a nearest-neighbour path over that distance from a start cell, improved by 2-opt;
//! 3. cut into balanced chains; each chain is then improved by 2-opt on the exact weighted
//!    measure (a reversal's gain is computed in constant time from prefix sums) and by moving
//!    single cells;
//! 4. steps 2–3 are repeated from [`RESTARTS`] start cells (the first flip-flop in netlist order,
//!    then cells chosen by the seed) and the best result is kept; netlist order cut into the
//!    same chains is a candidate too, so the result is never worse than netlist order.
//!
//! The cost is `O(n² · P / 64)` for `n` cells and `P` patterns for nearest neighbour, and `O(n · min(n, W) · P / 64)` per improvement pass (segments of at
//! most [`WINDOW`] cells are reversed), with fewer passes on large domains so that each 2-opt
//! search tries at most [`MOVE_BUDGET`] moves; domains of more than [`LARGE`] cells get one start
//! cell. On s38417 (1,636 flip-flops, 176 ATPG patterns, one chain) it takes about 9 s of CPU;
//! on 1,636 cells with 128 uncorrelated random patterns (the worst case: many improving moves)
//! 19 s. Large domains (thousands of cells) take minutes.

use crate::error::ScanError;
use crate::insert::split_balanced;

/// Nearest-neighbour start cells tried (the first one is always the first cell of the domain).
pub const RESTARTS: usize = 4;

/// Domains with more cells than this get one start cell, and their distances are computed on
/// the fly rather than kept in a matrix.
pub const LARGE: usize = 2048;

/// Improvement passes over a chain (each pass tries every move once); the search stops earlier
/// when a pass gains nothing.
const MAX_PASSES: usize = 50;

/// 2-opt reverses segments of at most this many cells, so a pass over `n` cells tries at most
/// `n · WINDOW` moves (every move while `n` is at most this).
pub const WINDOW: usize = 1000;

/// Moves tried per 2-opt search, summed over its passes: bounds the time on large domains
/// (fewer passes there), deterministically.
pub const MOVE_BUDGET: usize = 100_000_000;

/// Passes allowed for a 2-opt search over `n` cells.
fn passes(n: usize) -> usize {
    (MOVE_BUDGET / (n * WINDOW.min(n)).max(1)).clamp(1, MAX_PASSES)
}

/// The scan load and unload values of a pattern set, per flip-flop.
///
/// Flip-flops are numbered as [`netlist::Netlist::flops`] lists them (the pseudo inputs and
/// outputs of the full-scan view, in order). A pattern's load value of a flip-flop is the
/// state it must hold before capture; its unload value is the state captured (what shifts
/// out). `None` is unknown or not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftPatterns {
    flops: usize,
    patterns: usize,
    /// Per flip-flop, bit `p` = load value in pattern `p`.
    load: Vec<Vec<u64>>,
    /// Per flip-flop, bit `p` = the load value is known.
    load_known: Vec<Vec<u64>>,
    unload: Vec<Vec<u64>>,
    unload_known: Vec<Vec<u64>>,
}

impl ShiftPatterns {
    /// An empty pattern set for `flops` flip-flops.
    pub fn new(flops: usize) -> ShiftPatterns {
        ShiftPatterns {
            flops,
            patterns: 0,
            load: vec![Vec::new(); flops],
            load_known: vec![Vec::new(); flops],
            unload: vec![Vec::new(); flops],
            unload_known: vec![Vec::new(); flops],
        }
    }

    /// Number of flip-flops.
    pub fn num_flops(&self) -> usize {
        self.flops
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns == 0
    }

    /// Adds one pattern: the load and unload value of every flip-flop.
    pub fn push(
        &mut self,
        load: &[Option<bool>],
        unload: &[Option<bool>],
    ) -> Result<(), ScanError> {
        for values in [load, unload] {
            if values.len() != self.flops {
                return Err(ScanError::PatternWidth { found: values.len(), expected: self.flops });
            }
        }
        let (word, bit) = (self.patterns / 64, 1u64 << (self.patterns % 64));
        if bit == 1 {
            for column in
                [&mut self.load, &mut self.load_known, &mut self.unload, &mut self.unload_known]
            {
                column.iter_mut().for_each(|c| c.push(0));
            }
        }
        for f in 0..self.flops {
            for (value, bits, known) in [
                (load[f], &mut self.load[f], &mut self.load_known[f]),
                (unload[f], &mut self.unload[f], &mut self.unload_known[f]),
            ] {
                if let Some(v) = value {
                    known[word] |= bit;
                    if v {
                        bits[word] |= bit;
                    }
                }
            }
        }
        self.patterns += 1;
        Ok(())
    }

    /// Patterns in which flip-flops `a` and `b` have different known values: (load, unload).
    pub fn differences(&self, a: usize, b: usize) -> (u64, u64) {
        let count = |bits: &[Vec<u64>], known: &[Vec<u64>]| -> u64 {
            bits[a]
                .iter()
                .zip(&bits[b])
                .zip(known[a].iter().zip(&known[b]))
                .map(|((x, y), (kx, ky))| u64::from(((x ^ y) & kx & ky).count_ones()))
                .sum()
        };
        (count(&self.load, &self.load_known), count(&self.unload, &self.unload_known))
    }

    /// The weighted transitions of one chain, flip-flops listed from scan-in to scan-out: the
    /// load and unload parts (see the module documentation).
    pub fn weighted_transitions(&self, chain: &[usize]) -> Transitions {
        let length = chain.len() as u64;
        let mut total = Transitions::default();
        for (i, pair) in chain.windows(2).enumerate() {
            let (load, unload) = self.differences(pair[0], pair[1]);
            let position = i as u64 + 1;
            total.load += load * position;
            total.unload += unload * (length - position);
        }
        total
    }
}

/// Weighted transitions during shift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Transitions {
    /// While loading the patterns.
    pub load: u64,
    /// While unloading the responses.
    pub unload: u64,
}

impl Transitions {
    /// Load and unload together.
    pub fn total(&self) -> u64 {
        self.load + self.unload
    }
}

impl std::ops::Add for Transitions {
    type Output = Transitions;
    fn add(self, other: Transitions) -> Transitions {
        Transitions { load: self.load + other.load, unload: self.unload + other.unload }
    }
}

impl std::iter::Sum for Transitions {
    fn sum<I: Iterator<Item = Transitions>>(iter: I) -> Transitions {
        iter.fold(Transitions::default(), |a, b| a + b)
    }
}

/// A small deterministic generator (SplitMix64), so the seed alone fixes the start cells.
fn split_mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Orders `cells` (flip-flop numbers of one domain, netlist order) into `chains` balanced chains
/// with few weighted transitions.
pub fn power_order(
    patterns: &ShiftPatterns,
    cells: &[usize],
    chains: usize,
    seed: u64,
) -> Vec<Vec<usize>> {
    let n = cells.len();
    let cost = |pieces: &[Vec<usize>]| {
        pieces.iter().map(|c| patterns.weighted_transitions(c).total()).sum::<u64>()
    };
    let mut best = split_balanced(cells, chains);
    let mut best_cost = cost(&best);
    if n < 2 || patterns.is_empty() {
        return best;
    }
    // Distances between cells, computed once (the matrix is n² words; fall back to computing
    // them on the fly for large domains).
    let matrix: Option<Vec<u32>> = (n <= LARGE).then(|| {
        let mut m = vec![0u32; n * n];
        for a in 0..n {
            for b in a + 1..n {
                let (l, u) = patterns.differences(cells[a], cells[b]);
                let d = (l + u) as u32;
                m[a * n + b] = d;
                m[b * n + a] = d;
            }
        }
        m
    });
    let distance = |a: usize, b: usize| -> u64 {
        match &matrix {
            Some(m) => u64::from(m[a * n + b]),
            None => {
                let (l, u) = patterns.differences(cells[a], cells[b]);
                l + u
            }
        }
    };
    let mut state = seed;
    let mut starts = vec![0usize];
    // Large domains get one start: each costs a full nearest neighbour and 2-opt.
    let restarts = if n > LARGE { 1 } else { RESTARTS.min(n) };
    for _ in 1..restarts {
        let candidate = (split_mix(&mut state) % n as u64) as usize;
        if !starts.contains(&candidate) {
            starts.push(candidate);
        }
    }
    for start in starts {
        let mut path = nearest_neighbour(n, start, &distance);
        two_opt_path(&mut path, &distance);
        let pieces: Vec<Vec<usize>> = split_balanced(&path, chains)
            .into_iter()
            .map(|piece| {
                let mut chain: Vec<usize> = piece.into_iter().map(|i| cells[i]).collect();
                improve_weighted(patterns, &mut chain);
                chain
            })
            .collect();
        let c = cost(&pieces);
        if c < best_cost {
            best = pieces;
            best_cost = c;
        }
    }
    best
}

/// Nearest neighbour over indices `0..n` from `start`; ties go to the lower index.
fn nearest_neighbour(
    n: usize,
    start: usize,
    distance: &impl Fn(usize, usize) -> u64,
) -> Vec<usize> {
    let mut visited = vec![false; n];
    let mut path = Vec::with_capacity(n);
    let mut current = start;
    visited[start] = true;
    path.push(start);
    for _ in 1..n {
        let mut next = usize::MAX;
        let mut next_distance = u64::MAX;
        for (j, &seen) in visited.iter().enumerate() {
            if !seen {
                let d = distance(current, j);
                if d < next_distance {
                    next = j;
                    next_distance = d;
                }
            }
        }
        visited[next] = true;
        path.push(next);
        current = next;
    }
    path
}

/// 2-opt on an open path (reversing `path[i..=j]`), first improvement, bounded passes.
fn two_opt_path(path: &mut [usize], distance: &impl Fn(usize, usize) -> u64) {
    let n = path.len();
    for _ in 0..passes(n) {
        let mut improved = false;
        for i in 0..n {
            for j in i + 1..n.min(i + WINDOW) {
                // Edges (i-1, i) and (j, j+1) become (i-1, j) and (i, j+1).
                let mut before = 0;
                let mut after = 0;
                if i > 0 {
                    before += distance(path[i - 1], path[i]);
                    after += distance(path[i - 1], path[j]);
                }
                if j + 1 < n {
                    before += distance(path[j], path[j + 1]);
                    after += distance(path[i], path[j + 1]);
                }
                if after < before {
                    path[i..=j].reverse();
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Improves one chain on the exact weighted measure: 2-opt reversals (the whole chain reversed
/// included) and single-cell moves by one place, until a pass gains nothing.
fn improve_weighted(patterns: &ShiftPatterns, chain: &mut [usize]) {
    let length = chain.len();
    if length < 2 {
        return;
    }
    let weight = |position: usize| (position as i64 + 1, (length - 1 - position) as i64);
    // The weighted cost of the pair at `position` (cells `position` and `position + 1`).
    let pair_cost = |a: usize, b: usize, position: usize| -> i64 {
        let (load, unload) = patterns.differences(a, b);
        let (wl, wu) = weight(position);
        load as i64 * wl + unload as i64 * wu
    };
    for _ in 0..passes(length) {
        let mut improved = false;
        // Per pair position, load minus unload differences, and prefix sums of it and of
        // position times it: a reversal of `[a..=b]` moves the pair at `i` (a <= i < b) to
        // `a + b - 1 - i`, changing the cost by (load - unload) * (a + b - 1 - 2i).
        let mut prefix = vec![0i64; length];
        let mut prefix_weighted = vec![0i64; length];
        let refresh = |chain: &[usize], prefix: &mut [i64], prefix_weighted: &mut [i64]| {
            for i in 0..length - 1 {
                let (load, unload) = patterns.differences(chain[i], chain[i + 1]);
                let d = load as i64 - unload as i64;
                prefix[i + 1] = prefix[i] + d;
                prefix_weighted[i + 1] = prefix_weighted[i] + d * i as i64;
            }
        };
        refresh(chain, &mut prefix, &mut prefix_weighted);
        for a in 0..length {
            for b in a + 1..length.min(a + WINDOW) {
                // Inner pairs i in a..b.
                let sum_d = prefix[b] - prefix[a];
                let sum_id = prefix_weighted[b] - prefix_weighted[a];
                let mut delta = (a + b) as i64 - 1;
                delta = delta * sum_d - 2 * sum_id;
                if a > 0 {
                    delta += pair_cost(chain[a - 1], chain[b], a - 1)
                        - pair_cost(chain[a - 1], chain[a], a - 1);
                }
                if b + 1 < length {
                    delta +=
                        pair_cost(chain[a], chain[b + 1], b) - pair_cost(chain[b], chain[b + 1], b);
                }
                if delta < 0 {
                    chain[a..=b].reverse();
                    refresh(chain, &mut prefix, &mut prefix_weighted);
                    improved = true;
                }
            }
        }
        // Swaps of neighbours (an Or-opt move of one cell by one place).
        for i in 0..length - 1 {
            let cost_around = |chain: &[usize]| {
                let mut c = pair_cost(chain[i], chain[i + 1], i);
                if i > 0 {
                    c += pair_cost(chain[i - 1], chain[i], i - 1);
                }
                if i + 2 < length {
                    c += pair_cost(chain[i + 1], chain[i + 2], i + 1);
                }
                c
            };
            let before = cost_around(chain);
            chain.swap(i, i + 1);
            if cost_around(chain) < before {
                improved = true;
            } else {
                chain.swap(i, i + 1);
            }
        }
        if !improved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(rows: &[(&str, &str)]) -> ShiftPatterns {
        let bits = |s: &str| -> Vec<Option<bool>> {
            s.chars()
                .map(|c| match c {
                    '0' => Some(false),
                    '1' => Some(true),
                    _ => None,
                })
                .collect()
        };
        let mut set = ShiftPatterns::new(rows[0].0.len());
        for (load, unload) in rows {
            set.push(&bits(load), &bits(unload)).expect("widths match");
        }
        set
    }

    #[test]
    fn weights_follow_the_distance_travelled() {
        // One chain of four cells, 0 at the scan-in. Load 0011: the transition between cells 1
        // and 2 (positions 2 and 3 from the scan-in) travels through two cells while loading.
        let set = patterns(&[("0011", "XXXX")]);
        assert_eq!(set.weighted_transitions(&[0, 1, 2, 3]), Transitions { load: 2, unload: 0 });
        // Unload 1000: the transition between positions 1 and 2 passes three cells on its way
        // out.
        let set = patterns(&[("XXXX", "1000")]);
        assert_eq!(set.weighted_transitions(&[0, 1, 2, 3]), Transitions { load: 0, unload: 3 });
        // Exhaustive check against counting toggles cell by cell while shifting.
        for value in 0..256u32 {
            let load: Vec<bool> = (0..4).map(|i| value >> i & 1 == 1).collect();
            let unload: Vec<bool> = (4..8).map(|i| value >> i & 1 == 1).collect();
            let as_str =
                |v: &[bool]| v.iter().map(|&b| if b { '1' } else { '0' }).collect::<String>();
            let set = patterns(&[(&as_str(&load), &as_str(&unload))]);
            let measured = set.weighted_transitions(&[0, 1, 2, 3]).total();
            // Shift: cell 0 gets the scan-in bit; the load stream is cell 3's bit first.
            let mut cells = unload.clone();
            let mut toggles = 0;
            for t in 0..4 {
                let incoming = load[3 - t];
                let mut next = vec![incoming];
                next.extend_from_slice(&cells[..3]);
                toggles += cells.iter().zip(&next).filter(|(a, b)| a != b).count() as u64;
                cells = next;
            }
            assert_eq!(cells, load, "loaded");
            // The seam: cell 0's response against the first load bit, seen by every cell.
            let seam = 4 * u64::from(unload[0] != load[3]);
            assert_eq!(measured + seam, toggles, "load {load:?} unload {unload:?}");
        }
    }

    #[test]
    fn unknown_values_never_count() {
        let set = patterns(&[("0X1", "X1X")]);
        assert_eq!(set.weighted_transitions(&[0, 1, 2]).total(), 0);
        assert_eq!(set.differences(0, 2), (1, 0));
    }

    #[test]
    fn width_is_checked() {
        let mut set = ShiftPatterns::new(2);
        assert!(set.push(&[None], &[None, None]).is_err());
    }

    #[test]
    fn ordering_groups_equal_cells_and_is_deterministic() {
        // Cells alternate between two behaviours; the best order puts equal cells together.
        let rows: Vec<(String, String)> = (0..40)
            .map(|p| {
                let load: String =
                    (0..12).map(|c| if (c % 2 == 0) ^ (p % 3 == 0) { '1' } else { '0' }).collect();
                let unload: String =
                    (0..12).map(|c| if (c % 2 == 1) ^ (p % 5 == 0) { '1' } else { '0' }).collect();
                (load, unload)
            })
            .collect();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let set = patterns(&rows);
        let cells: Vec<usize> = (0..12).collect();
        let before = set.weighted_transitions(&cells).total();
        let chains = power_order(&set, &cells, 1, 7);
        let after = set.weighted_transitions(&chains[0]).total();
        assert!(after < before / 5, "before {before}, after {after}");
        assert_eq!(chains, power_order(&set, &cells, 1, 7));
        let mut sorted = chains[0].clone();
        sorted.sort_unstable();
        assert_eq!(sorted, cells);
        let two = power_order(&set, &cells, 2, 7);
        assert_eq!(two.iter().map(Vec::len).collect::<Vec<_>>(), [6, 6]);
    }
}
