//! Essential-fault reduction: removing a pattern by moving its essential faults into others.
//!
//! After set-cover compaction every pattern left is the only detector of some faults (its
//! essential faults). A pattern can still go if each of its essential faults fits into the test
//! cube of another pattern: the solver extends that cube under its care bits
//! ([`TestGenerator::extend`]), and the other pattern takes the new care bits while keeping its
//! filled values everywhere else. With `joint`, where no host's care bits take a fault, a few
//! hosts are tried with a new test for the host's own essential faults, those already moved
//! into it and the fault, all at once ([`TestGenerator::extend_joint`]).
//! The change is accepted only if fault simulation of the whole
//! new set detects every fault the old set detected; otherwise it is undone. Patterns with the
//! fewest essential faults are tried first.

use crate::fault::FaultId;
use crate::patterns::{Logic, PatternSet};
use crate::sat::{Cube, SatBackend, SatError, TestGenerator};
use crate::sim::FaultSimulator;

/// At most this many essential faults are moved out of one pattern.
const MAX_ESSENTIAL: usize = 8;
/// At most this many other patterns are tried for one essential fault.
const MAX_HOSTS: usize = 24;
/// With `joint`, at most this many of them are also tried jointly, when no host's care bits
/// take the fault.
const JOINT_HOSTS: usize = 8;

/// Removes what patterns it can from `patterns` (filled vectors) with their `cubes` (the care
/// bits each was built from), keeping every fault of `faults` (all detected by `patterns`)
/// detected. Returns how many patterns went.
pub fn essential_fault_reduction<B: SatBackend>(
    generator: &mut TestGenerator<'_, B>,
    simulator: &FaultSimulator<'_>,
    faults: &[FaultId],
    patterns: &mut Vec<Vec<Logic>>,
    cubes: &mut Vec<Cube>,
    conflict_limit: Option<u32>,
    joint: bool,
) -> Result<usize, SatError> {
    let n = patterns.len();
    if n < 2 {
        return Ok(0);
    }
    let set = to_set(patterns, &vec![false; n]);
    let matrix = simulator.detection_matrix(&set, faults);
    let detectors: Vec<Vec<u32>> =
        (0..faults.len()).map(|f| matrix.detecting(f).map(|p| p.0).collect()).collect();
    let mut removed = vec![false; n];
    let essential_of = |p: usize, removed: &[bool]| -> Vec<usize> {
        (0..faults.len())
            .filter(|&f| {
                let mut alive = detectors[f].iter().filter(|&&q| !removed[q as usize]);
                alive.next() == Some(&(p as u32)) && alive.next().is_none()
            })
            .collect()
    };
    let mut order: Vec<(usize, usize)> =
        (0..n).map(|p| (essential_of(p, &removed).len(), p)).collect();
    order.sort_unstable();
    let mut gone = 0;
    for (_, p) in order {
        let essential = essential_of(p, &removed);
        if essential.len() > MAX_ESSENTIAL {
            continue;
        }
        // Hosts: the other patterns, fewest care bits first.
        let mut hosts: Vec<usize> = (0..n).filter(|&q| q != p && !removed[q]).collect();
        hosts.sort_by_key(|&q| (cubes[q].care_count(), q));
        let mut changed: Vec<(usize, Cube)> = Vec::new();
        let mut placed_all = true;
        // Per host, the essential faults of `p` moved into it so far.
        let mut moved: Vec<(usize, usize)> = Vec::new();
        for &f in &essential {
            let mut placed = false;
            for &q in hosts.iter().take(MAX_HOSTS) {
                let current = changed
                    .iter()
                    .rev()
                    .find(|(h, _)| *h == q)
                    .map_or(&cubes[q], |(_, c)| c)
                    .clone();
                if let Some(grown) = generator.extend(faults[f], &current, conflict_limit)? {
                    changed.push((q, grown));
                    moved.push((q, f));
                    placed = true;
                    break;
                }
            }
            // Joint: a new test for a host's own essential faults, those moved into it, and `f`.
            let joint_hosts = if joint && !placed { JOINT_HOSTS } else { 0 };
            for &q in hosts.iter().take(joint_hosts) {
                let mut held: Vec<FaultId> =
                    essential_of(q, &removed).iter().map(|&e| faults[e]).collect();
                held.extend(moved.iter().filter(|(h, _)| *h == q).map(|&(_, m)| faults[m]));
                if !generator.hold(&held)? {
                    continue;
                }
                let cube = generator.extend_joint(faults[f], conflict_limit)?;
                generator.release();
                if let Some(cube) = cube {
                    changed.push((q, cube));
                    moved.push((q, f));
                    placed = true;
                    break;
                }
            }
            if !placed {
                placed_all = false;
                break;
            }
        }
        if !placed_all {
            continue;
        }
        // Tentatively apply: the hosts take the new care bits, p goes; keep it if every fault
        // is still detected.
        let saved: Vec<(usize, Vec<Logic>, Cube)> =
            changed.iter().map(|(q, _)| (*q, patterns[*q].clone(), cubes[*q].clone())).collect();
        for (q, cube) in &changed {
            for (v, &c) in patterns[*q].iter_mut().zip(cube.values()) {
                if c != Logic::X {
                    *v = c;
                }
            }
            cubes[*q] = cube.clone();
        }
        removed[p] = true;
        let result = simulator.run(&to_set(patterns, &removed), faults);
        if result.first_detection.iter().all(Option::is_some) {
            gone += 1;
        } else {
            removed[p] = false;
            for (q, pattern, cube) in saved.into_iter().rev() {
                patterns[q] = pattern;
                cubes[q] = cube;
            }
        }
    }
    let mut k = 0;
    patterns.retain(|_| {
        k += 1;
        !removed[k - 1]
    });
    let mut k = 0;
    cubes.retain(|_| {
        k += 1;
        !removed[k - 1]
    });
    Ok(gone)
}

/// The vectors not `removed`, as a pattern set.
fn to_set(patterns: &[Vec<Logic>], removed: &[bool]) -> PatternSet {
    let width = patterns.first().map_or(0, Vec::len);
    let mut set = PatternSet::new(width);
    for (p, values) in patterns.iter().enumerate() {
        if !removed[p] {
            set.push(values);
        }
    }
    set
}
