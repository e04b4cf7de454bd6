//! The event queue of fault simulation: the gates waiting to be re-evaluated, as a bitmap over
//! node indices.
//!
//! Nodes are numbered in topological order, so taking the lowest queued node each time evaluates
//! a gate once, after everything it reads. A bitmap (one bit per node) rather than per-level lists
//! keeps the queue and its "already queued" marks in a few kilobytes that stay in the first-level
//! cache; fault simulation is bound by memory latency, and the per-node arrays are large enough
//! already.

/// Per-thread scratch of the event-driven propagation.
#[derive(Debug, Default)]
pub(crate) struct Events {
    /// Bit `n % 64` of word `n / 64`: node `n` is queued.
    queued: Vec<u64>,
    /// Every queued bit lies in words `first..=last` (empty when `first > last`).
    first: usize,
    last: usize,
    /// Nodes whose faulty value differs from the good one, to restore afterwards.
    pub(crate) touched: Vec<u32>,
    /// The forced reads of the current fault: `(gate, pin)`.
    pub(crate) forced: Vec<(u32, u32)>,
}

impl Events {
    pub(crate) fn new(nodes: usize) -> Events {
        Events {
            queued: vec![0; nodes.div_ceil(64)],
            first: usize::MAX,
            last: 0,
            touched: Vec::new(),
            forced: Vec::new(),
        }
    }

    /// Starts a new cone simulation: nothing forced, nothing touched (the queue is always left
    /// empty by [`Events::pop`]).
    #[inline]
    pub(crate) fn start(&mut self) {
        self.touched.clear();
        self.forced.clear();
        self.first = usize::MAX;
        self.last = 0;
    }

    /// Queues `gate` (idempotent).
    #[inline(always)]
    pub(crate) fn schedule(&mut self, gate: u32) {
        let word = gate as usize / 64;
        self.queued[word] |= 1 << (gate % 64);
        self.first = self.first.min(word);
        self.last = self.last.max(word);
    }

    /// Removes and returns the lowest queued node.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<usize> {
        while self.first <= self.last {
            let bits = self.queued[self.first];
            if bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                self.queued[self.first] = bits & (bits - 1);
                return Some(self.first * 64 + bit);
            }
            self.first += 1;
        }
        None
    }

    /// Empties the queue (when a simulation stops early).
    pub(crate) fn clear(&mut self) {
        if self.first <= self.last {
            self.queued[self.first..=self.last].fill(0);
        }
        self.first = usize::MAX;
        self.last = 0;
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
