//! The and-inverter graph SAT sweeping works on: one flat arena of two-input AND nodes appended in
//! topological order, literals as `2 * node + complement`, and a structural hash table so that a
//! node is never built twice.
//!
//! Node 0 is the constant false, nodes `1..=num_inputs` are the inputs, every later node is an
//! AND of two earlier literals. Trivial ANDs (a constant, equal or complementary fanins) are
//! folded before they become nodes, which is how constants propagate.
//!
//! The arena grows per fault and shrinks back afterwards: [`Aig::set_mark`] remembers the size
//! and starts logging hash-table insertions, [`Aig::truncate_to_mark`] drops every node and entry
//! added since. The hash table maps a fanin pair to a literal rather than a node, so that a pair
//! proven equal to an older node can point at it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A literal of an [`Aig`]: `2 * node + complement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct AigLit(pub(crate) u32);

impl AigLit {
    /// Constant false (node 0).
    pub(crate) const FALSE: AigLit = AigLit(0);
    /// Constant true.
    pub(crate) const TRUE: AigLit = AigLit(1);

    /// The positive literal of `node`.
    #[inline]
    pub(crate) fn of(node: usize) -> AigLit {
        AigLit(node as u32 * 2)
    }

    /// The node.
    #[inline]
    pub(crate) fn node(self) -> usize {
        (self.0 >> 1) as usize
    }

    /// Whether the literal complements its node.
    #[inline]
    pub(crate) fn is_complement(self) -> bool {
        self.0 & 1 == 1
    }

    /// The literal complemented when `flip`.
    #[inline]
    pub(crate) fn flip_if(self, flip: bool) -> AigLit {
        AigLit(self.0 ^ u32::from(flip))
    }
}

impl std::ops::Not for AigLit {
    type Output = AigLit;
    #[inline]
    fn not(self) -> AigLit {
        AigLit(self.0 ^ 1)
    }
}

/// A multiplicative hasher for keys that are already well spread `u64`s (fanin pairs,
/// signature hashes): SipHash would cost more than the rest of a lookup.
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A hash map keyed by `u64` with [`MixHasher`].
pub(crate) type U64Map<V> = HashMap<u64, V, BuildHasherDefault<MixHasher>>;

/// An and-inverter graph with structural hashing (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Aig {
    /// Per node its two fanins; `[FALSE, FALSE]` for the constant and the inputs.
    fanins: Vec<[AigLit; 2]>,
    num_inputs: usize,
    /// Normalised fanin pair (smaller literal first) to the literal standing for their AND.
    strash: U64Map<AigLit>,
    /// Keys inserted since the mark, when one is set.
    log: Vec<u64>,
    mark: Option<usize>,
}

fn key(a: AigLit, b: AigLit) -> u64 {
    u64::from(a.0) << 32 | u64::from(b.0)
}

impl Aig {
    /// The constant and `num_inputs` inputs.
    pub(crate) fn new(num_inputs: usize) -> Aig {
        Aig {
            fanins: vec![[AigLit::FALSE; 2]; num_inputs + 1],
            num_inputs,
            strash: U64Map::default(),
            log: Vec::new(),
            mark: None,
        }
    }

    /// The positive literal of input `i` (from 0).
    #[inline]
    pub(crate) fn input(&self, i: usize) -> AigLit {
        debug_assert!(i < self.num_inputs);
        AigLit::of(i + 1)
    }

    /// Number of inputs.
    pub(crate) fn num_inputs(&self) -> usize {
        self.num_inputs
    }

    /// Number of nodes (constant and inputs included).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.fanins.len()
    }

    /// Whether `node` is an AND node (not the constant or an input).
    #[inline]
    pub(crate) fn is_and(&self, node: usize) -> bool {
        node > self.num_inputs
    }

    /// The fanins of an AND node.
    #[inline]
    pub(crate) fn fanins(&self, node: usize) -> [AigLit; 2] {
        self.fanins[node]
    }

    /// Folds trivial ANDs: `Ok(literal)` when the AND is a constant or one of its fanins,
    /// else `Err` with the fanins ordered, ready for [`Aig::lookup`] and [`Aig::push_and`].
    #[inline]
    pub(crate) fn fold(a: AigLit, b: AigLit) -> Result<AigLit, (AigLit, AigLit)> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if a == AigLit::FALSE || a == !b {
            Ok(AigLit::FALSE)
        } else if a == AigLit::TRUE || a == b {
            Ok(b)
        } else {
            Err((a, b))
        }
    }

    /// The literal a folded pair already stands for.
    #[inline]
    pub(crate) fn lookup(&self, a: AigLit, b: AigLit) -> Option<AigLit> {
        self.strash.get(&key(a, b)).copied()
    }

    /// Appends an AND node of a folded pair without hashing it; returns the node.
    pub(crate) fn push_and(&mut self, a: AigLit, b: AigLit) -> usize {
        debug_assert!(a.node() < self.len() && b.node() < self.len());
        self.fanins.push([a, b]);
        self.fanins.len() - 1
    }

    /// Removes the last node, which must not be in the hash table.
    pub(crate) fn pop(&mut self) {
        debug_assert!(self.fanins.len() > self.num_inputs + 1);
        self.fanins.pop();
    }

    /// Records that the folded pair `(a, b)` stands for `lit`.
    pub(crate) fn insert(&mut self, a: AigLit, b: AigLit, lit: AigLit) {
        let k = key(a, b);
        if self.strash.insert(k, lit).is_none() && self.mark.is_some() {
            self.log.push(k);
        }
    }

    /// The AND of two literals, hashed (no sweeping).
    #[cfg(test)]
    pub(crate) fn and(&mut self, a: AigLit, b: AigLit) -> AigLit {
        match Aig::fold(a, b) {
            Ok(lit) => lit,
            Err((a, b)) => {
                if let Some(lit) = self.lookup(a, b) {
                    return lit;
                }
                let node = self.push_and(a, b);
                self.insert(a, b, AigLit::of(node));
                AigLit::of(node)
            }
        }
    }

    /// Remembers the current size; later nodes and hash entries go at [`Aig::truncate_to_mark`].
    pub(crate) fn set_mark(&mut self) {
        debug_assert!(self.mark.is_none(), "one mark at a time");
        self.mark = Some(self.len());
    }

    /// Drops every node and hash entry added since [`Aig::set_mark`], and the mark.
    pub(crate) fn truncate_to_mark(&mut self) {
        let Some(mark) = self.mark.take() else { return };
        for k in self.log.drain(..) {
            self.strash.remove(&k);
        }
        self.fanins.truncate(mark);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_hashing() {
        let mut aig = Aig::new(2);
        let (a, b) = (aig.input(0), aig.input(1));
        assert_eq!(aig.and(a, AigLit::FALSE), AigLit::FALSE);
        assert_eq!(aig.and(AigLit::TRUE, b), b);
        assert_eq!(aig.and(a, !a), AigLit::FALSE);
        assert_eq!(aig.and(a, a), a);
        let x = aig.and(a, b);
        assert_eq!(aig.and(b, a), x);
        assert_eq!(aig.len(), 4);
        aig.set_mark();
        let y = aig.and(!a, b);
        assert_ne!(x, y);
        assert_eq!(aig.len(), 5);
        aig.truncate_to_mark();
        assert_eq!(aig.len(), 4);
        assert_eq!(aig.lookup(!a, b), None);
        assert_eq!(aig.lookup(a, b), Some(x));
    }
}
