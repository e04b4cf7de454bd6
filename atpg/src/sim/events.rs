//! The event queue of fault simulation: the gates waiting to be re-evaluated, as a hierarchical
//! bitmap over node indices.
//!
//! Nodes are numbered in topological order, so taking the lowest queued node each time evaluates
//! a gate once, after everything it reads. A bitmap (one bit per node) rather than per-level lists
//! keeps the queue and its "already queued" marks small; fault simulation is bound by memory
//! latency, and the per-node arrays are large enough already.
//!
//! The bitmap has summary levels above it: bit `i` of level `k + 1` is set when word `i` of
//! level `k` is non-zero, up to a top level of one word. Finding the lowest queued node is one
//! word per level, however far apart the queued nodes are. A flat bitmap scanned word by word
//! costs a scan over the gap between consecutive events instead, and on a circuit of ten million
//! nodes, where a fault's events jump across the whole numbering, that gap is up to 150,000
//! words per cone simulation. Circuits of up to 4,096 nodes have two levels, up to 262,144 three.

/// Per-thread scratch of the event-driven propagation.
#[derive(Debug, Default)]
pub(crate) struct Events {
    /// `levels[0]`: bit `n % 64` of word `n / 64` is set when node `n` is queued. Each further
    /// level summarises the one below (a bit per word, set when the word is non-zero); the last
    /// has one word.
    levels: Vec<Vec<u64>>,
    /// Nodes whose faulty value differs from the good one, to restore afterwards.
    pub(crate) touched: Vec<u32>,
    /// The forced reads of the current fault: `(gate, pin)`.
    pub(crate) forced: Vec<(u32, u32)>,
}

impl Events {
    pub(crate) fn new(nodes: usize) -> Events {
        let mut levels = vec![vec![0u64; nodes.div_ceil(64).max(1)]];
        while levels.last().map_or(0, Vec::len) > 1 {
            let below = levels.last().map_or(0, Vec::len);
            levels.push(vec![0; below.div_ceil(64)]);
        }
        Events { levels, touched: Vec::new(), forced: Vec::new() }
    }

    /// Starts a new cone simulation: nothing forced, nothing touched (the queue is always left
    /// empty by [`Events::pop`] and [`Events::clear`]).
    #[inline]
    pub(crate) fn start(&mut self) {
        self.touched.clear();
        self.forced.clear();
    }

    /// Queues `gate` (idempotent).
    #[inline(always)]
    pub(crate) fn schedule(&mut self, gate: u32) {
        let mut index = gate as usize;
        for level in &mut self.levels {
            let word = &mut level[index / 64];
            let was_empty = *word == 0;
            *word |= 1 << (index % 64);
            if !was_empty {
                // The levels above already mark this word.
                return;
            }
            index /= 64;
        }
    }

    /// Removes and returns the lowest queued node.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<usize> {
        let top = self.levels.last()?;
        if top[0] == 0 {
            return None;
        }
        let mut index = 0;
        for level in self.levels.iter().rev() {
            index = index * 64 + level[index].trailing_zeros() as usize;
        }
        let node = index;
        for level in &mut self.levels {
            let word = &mut level[index / 64];
            *word &= !(1 << (index % 64));
            if *word != 0 {
                break;
            }
            index /= 64;
        }
        Some(node)
    }

    /// Empties the queue (when a simulation stops early).
    pub(crate) fn clear(&mut self) {
        while self.pop().is_some() {}
    }

    /// Records that the fault forces input `pin` of `gate`.
    #[inline]
    pub(crate) fn force(&mut self, gate: u32, pin: u32) {
        self.forced.push((gate, pin));
    }

    /// Whether the current fault forces input `pin` of `gate`.
    #[inline]
    pub(crate) fn is_forced(&self, gate: usize, pin: usize) -> bool {
        self.forced.iter().any(|&(g, p)| g as usize == gate && p as usize == pin)
    }
}

#[cfg(test)]
mod tests {
    use super::Events;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is scheduled comes out once each, lowest first, on every size of queue (one
        /// to four levels), and the queue is empty afterwards.
        #[test]
        fn pops_every_scheduled_node_once_in_increasing_order(
            nodes in prop_oneof![1usize..100, 100usize..5_000, 5_000usize..300_000],
            picks in proptest::collection::vec(any::<u32>(), 0..200),
            rounds in 1usize..3,
        ) {
            let mut events = Events::new(nodes);
            for round in 0..rounds {
                let mut expected: Vec<usize> =
                    picks.iter().map(|&p| (p as usize + round) % nodes).collect();
                for &n in &expected {
                    events.schedule(n as u32);
                }
                expected.sort_unstable();
                expected.dedup();
                let popped: Vec<usize> = std::iter::from_fn(|| events.pop()).collect();
                prop_assert_eq!(popped, expected);
            }
        }

        /// Scheduling while popping (as propagation does, always above the node popped) keeps
        /// the order; `clear` empties a partly popped queue.
        #[test]
        fn interleaved_scheduling_and_clear(
            nodes in 1usize..300_000,
            picks in proptest::collection::vec(any::<u32>(), 1..100),
        ) {
            let mut events = Events::new(nodes);
            for &p in &picks {
                events.schedule(p % nodes as u32);
            }
            let mut last = None;
            let mut count = 0;
            while let Some(n) = events.pop() {
                prop_assert!(last.is_none_or(|l| l < n));
                last = Some(n);
                count += 1;
                if count == 3 && n + 1 < nodes {
                    events.schedule((n + 1 + n * 7 % (nodes - n - 1)) as u32);
                }
                if count == 10 {
                    events.clear();
                }
            }
            prop_assert_eq!(events.pop(), None);
        }
    }

    /// The four-level shape of a ten-million-node circuit, at its far ends.
    #[test]
    fn far_apart_nodes_of_a_large_queue() {
        let nodes = 10_000_000;
        let mut events = Events::new(nodes);
        assert_eq!(events.levels.len(), 4);
        for n in [nodes - 1, 0, 4_095, 4_096, 262_143, 262_144] {
            events.schedule(n as u32);
        }
        let popped: Vec<usize> = std::iter::from_fn(|| events.pop()).collect();
        assert_eq!(popped, vec![0, 4_095, 4_096, 262_143, 262_144, nodes - 1]);
        assert!(events.levels.iter().all(|level| level.iter().all(|&w| w == 0)));
    }
}
