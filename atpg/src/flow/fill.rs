//! Filling the unspecified bits of a test cube.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::patterns::Logic;

/// How the inputs a test cube leaves unspecified get their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fill {
    /// Random values from the run's seed (the default: detects the most faults by chance).
    #[default]
    Random,
    /// Every unspecified input 0.
    Zero,
    /// Every unspecified input 1.
    One,
    /// Each unspecified input repeats the nearest specified input before it in input order (the
    /// first specified input for leading ones; 0 when nothing is specified): few transitions
    /// along a scan chain, hence low shift power.
    Adjacent,
}

impl std::fmt::Display for Fill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fill::Random => "random",
            Fill::Zero => "0",
            Fill::One => "1",
            Fill::Adjacent => "adjacent",
        })
    }
}

/// Fills the X values of `cube` in place. `seed` and `index` (the pattern's number) pick the
/// random values, so a pattern's fill does not depend on anything else in the run.
pub fn fill(cube: &mut [Logic], mode: Fill, seed: u64, index: u64) {
    match mode {
        Fill::Zero | Fill::One => {
            let value = if mode == Fill::One { Logic::One } else { Logic::Zero };
            cube.iter_mut().filter(|v| **v == Logic::X).for_each(|v| *v = value);
        }
        Fill::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(index);
            for v in cube.iter_mut() {
                let bit: bool = rng.gen();
                if *v == Logic::X {
                    *v = if bit { Logic::One } else { Logic::Zero };
                }
            }
        }
        Fill::Adjacent => {
            let first = cube.iter().copied().find(|&v| v != Logic::X).unwrap_or(Logic::Zero);
            let mut last = first;
            for v in cube.iter_mut() {
                if *v == Logic::X {
                    *v = last;
                } else {
                    last = *v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Logic::{One as I, Zero as O, X};

    #[test]
    fn constant_and_adjacent_fills() {
        let cube = [X, I, X, X, O, X];
        let mut zero = cube;
        fill(&mut zero, Fill::Zero, 0, 0);
        assert_eq!(zero, [O, I, O, O, O, O]);
        let mut one = cube;
        fill(&mut one, Fill::One, 0, 0);
        assert_eq!(one, [I, I, I, I, O, I]);
        let mut adjacent = cube;
        fill(&mut adjacent, Fill::Adjacent, 0, 0);
        assert_eq!(adjacent, [I, I, I, I, O, O]);
        let mut empty = [X, X];
        fill(&mut empty, Fill::Adjacent, 0, 0);
        assert_eq!(empty, [O, O]);
    }

    #[test]
    fn random_fill_keeps_care_bits_and_depends_on_seed_and_index_only() {
        let cube: Vec<Logic> = (0..200).map(|i| if i % 3 == 0 { I } else { X }).collect();
        let filled = |seed, index| {
            let mut c = cube.clone();
            fill(&mut c, Fill::Random, seed, index);
            c
        };
        let a = filled(7, 3);
        assert!(a.iter().all(|&v| v != X));
        assert!(a.iter().step_by(3).all(|&v| v == I));
        assert_eq!(a, filled(7, 3));
        assert_ne!(a, filled(7, 4));
        assert_ne!(a, filled(8, 3));
        assert!(a.contains(&O));
    }
}
