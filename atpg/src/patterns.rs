//! Test patterns: three-valued input vectors packed 64 to a word, and their file formats.
//!
//! A [`PatternSet`] holds one value per signal per pattern in the layout the simulators use:
//! patterns in blocks of 64, each block a row of [`Word3`]s, one per signal. The same type holds
//! input vectors (one signal per circuit input) and responses (one per circuit output).
//!
//! Formats: [`text`] (the project's plain text format) and [`stil`] (IEEE 1450 test programs).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::sim::Word3;

pub mod stil;
pub mod text;

/// A pattern's position in its [`PatternSet`] (and in the file it came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PatternId(pub u32);

impl PatternId {
    /// The pattern's index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One three-valued logic value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Logic {
    /// Logic 0.
    Zero,
    /// Logic 1.
    One,
    /// Unknown (or don't care, in an expected response).
    X,
}

impl Logic {
    /// The character used in pattern files: `0`, `1` or `X`.
    pub fn to_char(self) -> char {
        match self {
            Logic::Zero => '0',
            Logic::One => '1',
            Logic::X => 'X',
        }
    }

    /// Parses `0`, `1`, `X` or `x`.
    pub fn from_char(c: char) -> Option<Logic> {
        match c {
            '0' => Some(Logic::Zero),
            '1' => Some(Logic::One),
            'X' | 'x' => Some(Logic::X),
            _ => None,
        }
    }
}

/// Three-valued vectors of a fixed width, packed for simulation.
///
/// Pattern `p` lives in bit `p % 64` of block `p / 64`; bits past the last pattern are X.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSet {
    width: usize,
    len: usize,
    /// Block-major: signal `i` of block `b` is `words[b * width + i]`.
    words: Vec<Word3>,
}

impl PatternSet {
    /// An empty set of vectors with `width` signals each.
    pub fn new(width: usize) -> PatternSet {
        PatternSet { width, len: 0, words: Vec::new() }
    }

    /// `count` fully specified random vectors, the same for the same seed.
    pub fn random(width: usize, count: usize, seed: u64) -> PatternSet {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blocks = count.div_ceil(64);
        let mut words = Vec::with_capacity(blocks * width);
        for b in 0..blocks {
            let valid = block_mask(count, b);
            for _ in 0..width {
                let bits = rng.next_u64() & valid;
                words.push(Word3 { ones: bits, zeros: !bits & valid });
            }
        }
        PatternSet { width, len: count, words }
    }

    /// Signals per vector.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of 64-pattern blocks.
    pub fn num_blocks(&self) -> usize {
        self.len.div_ceil(64)
    }

    /// The words of block `b`, one per signal.
    pub fn block(&self, b: usize) -> &[Word3] {
        &self.words[b * self.width..(b + 1) * self.width]
    }

    /// The bits of block `b` that hold patterns.
    pub fn valid_mask(&self, b: usize) -> u64 {
        block_mask(self.len, b)
    }

    /// Whether any pattern of block `b` has an unknown value.
    pub fn block_has_unknown(&self, b: usize) -> bool {
        let valid = self.valid_mask(b);
        self.block(b).iter().any(|w| w.known_mask() & valid != valid)
    }

    /// Appends a vector whose signal `i` is `value(i)`.
    pub fn push_with(&mut self, mut value: impl FnMut(usize) -> Logic) -> PatternId {
        let id = PatternId(self.len as u32);
        let bit = self.len % 64;
        if bit == 0 {
            self.words.resize(self.words.len() + self.width, Word3::X);
        }
        let start = (self.len / 64) * self.width;
        for (i, word) in self.words[start..start + self.width].iter_mut().enumerate() {
            match value(i) {
                Logic::Zero => word.zeros |= 1 << bit,
                Logic::One => word.ones |= 1 << bit,
                Logic::X => {}
            }
        }
        self.len += 1;
        id
    }

    /// Appends a vector; `values` must have [`PatternSet::width`] entries.
    pub fn push(&mut self, values: &[Logic]) -> PatternId {
        assert_eq!(values.len(), self.width, "a vector has one value per signal");
        self.push_with(|i| values[i])
    }

    /// Appends a whole block of 64 vectors given as words (bits past `count` are ignored).
    /// The set's length must be a multiple of 64.
    pub fn push_block(&mut self, words: &[Word3], count: usize) {
        assert_eq!(self.len % 64, 0, "blocks are appended at block boundaries");
        assert_eq!(words.len(), self.width, "a block has one word per signal");
        let valid = block_mask(count.min(64), 0);
        self.words
            .extend(words.iter().map(|w| Word3 { ones: w.ones & valid, zeros: w.zeros & valid }));
        self.len += count.min(64);
    }

    /// Signal `signal` of vector `pattern`.
    pub fn get(&self, pattern: PatternId, signal: usize) -> Logic {
        let p = pattern.index();
        let word = self.words[(p / 64) * self.width + signal];
        let bit = p % 64;
        if word.ones >> bit & 1 == 1 {
            Logic::One
        } else if word.zeros >> bit & 1 == 1 {
            Logic::Zero
        } else {
            Logic::X
        }
    }

    /// One vector as a string of `0`, `1` and `X`.
    pub fn vector_string(&self, pattern: PatternId) -> String {
        (0..self.width).map(|i| self.get(pattern, i).to_char()).collect()
    }
}

/// The bits of block `b` that hold one of `len` patterns.
fn block_mask(len: usize, b: usize) -> u64 {
    let start = b * 64;
    if len >= start + 64 {
        !0
    } else if len <= start {
        0
    } else {
        (1u64 << (len - start)) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_across_block_boundaries() {
        let mut set = PatternSet::new(3);
        let rows: Vec<[Logic; 3]> = (0..130)
            .map(|p| {
                let pick = |k: usize| match (p * 7 + k * 5) % 3 {
                    0 => Logic::Zero,
                    1 => Logic::One,
                    _ => Logic::X,
                };
                [pick(0), pick(1), pick(2)]
            })
            .collect();
        for row in &rows {
            set.push(row);
        }
        assert_eq!(set.len(), 130);
        assert_eq!(set.num_blocks(), 3);
        assert_eq!(set.valid_mask(2), 0b11);
        for (p, row) in rows.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                assert_eq!(set.get(PatternId(p as u32), i), v, "pattern {p} signal {i}");
            }
        }
        assert!(set.block_has_unknown(0));
    }

    #[test]
    fn random_sets_are_known_and_reproducible() {
        let a = PatternSet::random(5, 100, 1);
        assert_eq!(a, PatternSet::random(5, 100, 1));
        assert_ne!(a, PatternSet::random(5, 100, 2));
        assert!((0..a.num_blocks()).all(|b| !a.block_has_unknown(b)));
        assert_eq!(a.block(1)[0].known_mask(), (1 << 36) - 1);
    }
}
