//! Static compaction: dropping patterns whose faults other patterns detect.
//!
//! - [`reverse_order`]: fault-simulate the patterns last to first with fault dropping and keep
//!   those that detect a fault no later pattern detects. Patterns made late (by test generation
//!   for the hard faults, with many care bits and many faults each) tend to cover the easy
//!   faults of the early ones, which then go.
//! - [`set_cover`]: with the full detection matrix (every fault against every pattern), take the
//!   patterns that are the only detector of some fault, then greedily the pattern detecting most
//!   faults still uncovered, then drop any chosen pattern whose faults all have another chosen
//!   detector.
//!
//! Both return the indices of the patterns kept, in their original order; both keep every fault
//! detected that was detected before.

use std::collections::BinaryHeap;

use crate::fault::FaultId;
use crate::patterns::{PatternId, PatternSet};
use crate::sim::FaultSimulator;

/// The vectors of `patterns` at `keep`, in that order.
pub fn select(patterns: &PatternSet, keep: &[usize]) -> PatternSet {
    let mut out = PatternSet::new(patterns.width());
    for &p in keep {
        let id = PatternId(p as u32);
        out.push_with(|i| patterns.get(id, i));
    }
    out
}

/// Reverse-order fault simulation over `faults` (which should all be detected by `patterns`):
/// the indices of the patterns to keep, ascending.
pub fn reverse_order(
    simulator: &FaultSimulator<'_>,
    patterns: &PatternSet,
    faults: &[FaultId],
) -> Vec<usize> {
    let n = patterns.len();
    let reversed: Vec<usize> = (0..n).rev().collect();
    let result = simulator.run(&select(patterns, &reversed), faults);
    let mut keep = vec![false; n];
    for p in result.first_detection.iter().flatten() {
        keep[n - 1 - p.index()] = true;
    }
    (0..n).filter(|&p| keep[p]).collect()
}

/// Set-cover compaction over the full detection matrix of `faults`: the indices of the
/// patterns to keep, ascending.
pub fn set_cover(
    simulator: &FaultSimulator<'_>,
    patterns: &PatternSet,
    faults: &[FaultId],
) -> Vec<usize> {
    let matrix = simulator.detection_matrix(patterns, faults);
    let n = patterns.len();
    let detectors: Vec<Vec<u32>> =
        (0..faults.len()).map(|f| matrix.detecting(f).map(|p| p.0).collect()).collect();
    let mut covers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (f, ds) in detectors.iter().enumerate() {
        for &p in ds {
            covers[p as usize].push(f as u32);
        }
    }
    let mut chosen = vec![false; n];
    let mut covered = vec![false; faults.len()];
    let mut order = Vec::new();
    let mut take = |p: usize, chosen: &mut Vec<bool>, covered: &mut Vec<bool>| {
        if !chosen[p] {
            chosen[p] = true;
            order.push(p);
            for &f in &covers[p] {
                covered[f as usize] = true;
            }
        }
    };
    // Essential patterns: the only detector of some fault.
    for ds in &detectors {
        if let [only] = ds[..] {
            take(only as usize, &mut chosen, &mut covered);
        }
    }
    // Greedy, with lazily updated gains: a popped gain that is stale is pushed back corrected.
    let mut heap: BinaryHeap<(usize, std::cmp::Reverse<usize>)> =
        (0..n).filter(|&p| !chosen[p]).map(|p| (covers[p].len(), std::cmp::Reverse(p))).collect();
    while let Some((gain, std::cmp::Reverse(p))) = heap.pop() {
        if gain == 0 {
            break;
        }
        let actual = covers[p].iter().filter(|&&f| !covered[f as usize]).count();
        if actual < gain {
            heap.push((actual, std::cmp::Reverse(p)));
            continue;
        }
        take(p, &mut chosen, &mut covered);
    }
    // Redundancy: a chosen pattern all of whose faults have another chosen detector goes, the
    // last chosen first.
    let mut count = vec![0u32; faults.len()];
    for &p in &order {
        for &f in &covers[p] {
            count[f as usize] += 1;
        }
    }
    for &p in order.iter().rev() {
        if covers[p].iter().all(|&f| count[f as usize] > 1) {
            chosen[p] = false;
            for &f in &covers[p] {
                count[f as usize] -= 1;
            }
        }
    }
    (0..n).filter(|&p| chosen[p]).collect()
}
