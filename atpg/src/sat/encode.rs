//! The Tseitin encoder of gates, written against [`ClauseSink`].
//!
//! A signal is a pair of literals, [`Rails`]: `one` holds where the value is 1 and `zero` where
//! it is 0. A signal no X source can reach is two-valued, `zero == !one`, and is encoded by plain
//! Tseitin clauses over `one` (buffers and inverters cost nothing: they reuse the literal). A
//! signal an X source reaches is dual-rail: two variables, never both true, neither meaning X,
//! defined by the same rules as the three-valued simulator ([`crate::sim::value`]): AND is the
//! AND of the ones and the OR of the zeros, XOR is chained pairwise, a multiplexer keeps the
//! consensus term. Constants are the literal [`Encoder::truth`] (a variable fixed to true) or its
//! complement; `ConstX` is the pair (false, false).

use std::ops::Not;

use netlist::GateKind;

use super::{ClauseSink, Lit};

/// A signal as a pair of literals: `one` is true where it is 1, `zero` where it is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rails {
    /// True where the signal is 1.
    pub one: Lit,
    /// True where the signal is 0.
    pub zero: Lit,
}

impl Rails {
    /// A two-valued signal given by one literal.
    #[inline]
    pub fn binary(lit: Lit) -> Rails {
        Rails { one: lit, zero: !lit }
    }

    /// Whether the signal can never be X.
    #[inline]
    pub fn is_binary(self) -> bool {
        self.zero == !self.one
    }

    /// The rail that is true where the signal has the known value `value`.
    #[inline]
    pub fn is(self, value: bool) -> Lit {
        if value {
            self.one
        } else {
            self.zero
        }
    }
}

impl Not for Rails {
    type Output = Rails;
    /// The complement: the rails swapped.
    #[inline]
    fn not(self) -> Rails {
        Rails { one: self.zero, zero: self.one }
    }
}

/// A sink that adds `guard` to every clause: the clauses hold only where `!guard` is false, i.e.
/// where the guard's variable is assumed. Used for the per-fault faulty copies.
#[derive(Debug)]
pub struct Guarded<'s, S: ClauseSink> {
    /// Where the clauses go.
    pub sink: &'s mut S,
    /// The literal added to every clause (the complement of the activation literal).
    pub guard: Lit,
    buffer: Vec<Lit>,
}

impl<'s, S: ClauseSink> Guarded<'s, S> {
    /// Clauses into `sink`, each extended by `guard`.
    pub fn new(sink: &'s mut S, guard: Lit) -> Self {
        Guarded { sink, guard, buffer: Vec::new() }
    }
}

impl<S: ClauseSink> ClauseSink for Guarded<'_, S> {
    fn new_var(&mut self) -> super::Var {
        self.sink.new_var()
    }

    fn add_clause(&mut self, lits: &[Lit]) {
        self.buffer.clear();
        self.buffer.extend_from_slice(lits);
        self.buffer.push(self.guard);
        self.sink.add_clause(&self.buffer);
    }
}

/// Gate encoding over a sink, with the constant-true literal it needs.
#[derive(Debug, Clone, Copy)]
pub struct Encoder {
    /// A literal fixed to true (by a unit clause added in [`Encoder::new`]).
    pub truth: Lit,
}

impl Encoder {
    /// Creates the constant-true variable in `sink`.
    pub fn new(sink: &mut impl ClauseSink) -> Encoder {
        let truth = sink.new_var().positive();
        sink.add_clause(&[truth]);
        Encoder { truth }
    }

    /// The constant `value` as a literal.
    #[inline]
    pub fn constant(self, value: bool) -> Lit {
        if value {
            self.truth
        } else {
            !self.truth
        }
    }

    /// The signal of a gate of `kind` reading `inputs`, adding whatever variables and clauses its
    /// definition needs. `Input` nodes get a fresh free variable.
    pub fn gate(self, sink: &mut impl ClauseSink, kind: GateKind, inputs: &[Rails]) -> Rails {
        match kind {
            GateKind::Input => Rails::binary(sink.new_var().positive()),
            GateKind::Const0 => Rails::binary(self.constant(false)),
            GateKind::Const1 => Rails::binary(self.constant(true)),
            GateKind::ConstX => Rails { one: self.constant(false), zero: self.constant(false) },
            GateKind::Buf => inputs[0],
            GateKind::Not => inputs[0].not(),
            GateKind::And => self.and(sink, inputs),
            GateKind::Nand => self.and(sink, inputs).not(),
            GateKind::Or => self.or(sink, inputs),
            GateKind::Nor => self.or(sink, inputs).not(),
            GateKind::Xor => self.xor(sink, inputs),
            GateKind::Xnor => self.xor(sink, inputs).not(),
            GateKind::Mux => self.mux(sink, inputs[0], inputs[1], inputs[2]),
        }
    }

    fn and(self, sink: &mut impl ClauseSink, inputs: &[Rails]) -> Rails {
        let ones: Vec<Lit> = inputs.iter().map(|r| r.one).collect();
        let one = self.and_lits(sink, &ones);
        if inputs.iter().all(|r| r.is_binary()) {
            return Rails::binary(one);
        }
        let zeros: Vec<Lit> = inputs.iter().map(|r| r.zero).collect();
        let zero = self.or_lits(sink, &zeros);
        Rails { one, zero }
    }

    fn or(self, sink: &mut impl ClauseSink, inputs: &[Rails]) -> Rails {
        let inverted: Vec<Rails> = inputs.iter().map(|r| r.not()).collect();
        self.and(sink, &inverted).not()
    }

    fn xor(self, sink: &mut impl ClauseSink, inputs: &[Rails]) -> Rails {
        let mut acc = Rails::binary(self.constant(false));
        for (i, &input) in inputs.iter().enumerate() {
            acc = if i == 0 { input } else { self.xor2(sink, acc, input) };
        }
        acc
    }

    fn xor2(self, sink: &mut impl ClauseSink, a: Rails, b: Rails) -> Rails {
        if a.is_binary() && b.is_binary() {
            let (x, y) = (a.one, b.one);
            let out = sink.new_var().positive();
            sink.add_clause(&[!out, x, y]);
            sink.add_clause(&[!out, !x, !y]);
            sink.add_clause(&[out, !x, y]);
            sink.add_clause(&[out, x, !y]);
            return Rails::binary(out);
        }
        let one = self.or_of_ands(sink, &[&[a.one, b.zero], &[a.zero, b.one]]);
        let zero = self.or_of_ands(sink, &[&[a.one, b.one], &[a.zero, b.zero]]);
        Rails { one, zero }
    }

    fn mux(self, sink: &mut impl ClauseSink, select: Rails, when_0: Rails, when_1: Rails) -> Rails {
        if select.is_binary() && when_0.is_binary() && when_1.is_binary() {
            let (s, a, b) = (select.one, when_0.one, when_1.one);
            let out = sink.new_var().positive();
            sink.add_clause(&[s, !a, out]);
            sink.add_clause(&[s, a, !out]);
            sink.add_clause(&[!s, !b, out]);
            sink.add_clause(&[!s, b, !out]);
            // Redundant, but they let propagation fix the output when both data inputs agree.
            sink.add_clause(&[!a, !b, out]);
            sink.add_clause(&[a, b, !out]);
            return Rails::binary(out);
        }
        let one = self.or_of_ands(
            sink,
            &[&[select.zero, when_0.one], &[select.one, when_1.one], &[when_0.one, when_1.one]],
        );
        let zero = self.or_of_ands(
            sink,
            &[&[select.zero, when_0.zero], &[select.one, when_1.zero], &[when_0.zero, when_1.zero]],
        );
        Rails { one, zero }
    }

    /// A literal equivalent to the conjunction of `lits` (true for none, the literal for one).
    pub fn and_lits(self, sink: &mut impl ClauseSink, lits: &[Lit]) -> Lit {
        match lits {
            [] => self.truth,
            [single] => *single,
            _ => {
                let out = sink.new_var().positive();
                let mut long = Vec::with_capacity(lits.len() + 1);
                long.push(out);
                for &l in lits {
                    sink.add_clause(&[!out, l]);
                    long.push(!l);
                }
                sink.add_clause(&long);
                out
            }
        }
    }

    /// A literal equivalent to the disjunction of `lits` (false for none).
    pub fn or_lits(self, sink: &mut impl ClauseSink, lits: &[Lit]) -> Lit {
        let inverted: Vec<Lit> = lits.iter().map(|&l| !l).collect();
        !self.and_lits(sink, &inverted)
    }

    fn or_of_ands(self, sink: &mut impl ClauseSink, terms: &[&[Lit]]) -> Lit {
        let ands: Vec<Lit> = terms.iter().map(|t| self.and_lits(sink, t)).collect();
        self.or_lits(sink, &ands)
    }
}

/// Encodes the whole good circuit into `sink`: the constant-true variable first, then one signal
/// per node in node order (inputs are fresh free variables). Returns the encoder and the signal of
/// every node, indexed by node.
pub fn encode_circuit(
    sink: &mut impl ClauseSink,
    circuit: &netlist::Circuit,
) -> (Encoder, Vec<Rails>) {
    let encoder = Encoder::new(sink);
    let mut signals: Vec<Rails> = Vec::with_capacity(circuit.num_nodes());
    let mut inputs = Vec::new();
    for node in circuit.nodes() {
        inputs.clear();
        inputs.extend(circuit.fanin(node).iter().map(|f| signals[f.index()]));
        let signal = encoder.gate(sink, circuit.kind(node), &inputs);
        signals.push(signal);
    }
    (encoder, signals)
}
