//! Signal values for many patterns at once, and gate evaluation over them.
//!
//! Representations share one evaluator through [`SimValue`]: a plain `u64` (two-valued, one
//! pattern per bit), [`Word3`] (three-valued, two words per signal), and their wide forms
//! [`Wide`] and [`Wide3`] (several 64-pattern words side by side). The fault simulator picks a
//! two-valued one for patterns where nothing can be unknown, because it does half the work; all
//! give the same answer on known values, which the tests check. Wide words exist because event
//! driven simulation is bound by memory latency: one visit to a gate serves 64 times as many
//! patterns as words it carries, for little more than the cost of one.

use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Not};

use netlist::GateKind;

/// Three-valued (0/1/X) values of one signal for 64 patterns, one pattern per bit position.
///
/// Bit `i` of `ones` set means pattern `i` has value 1, bit `i` of `zeros` set means 0, neither
/// means X. Both set never happens (every operation keeps the two words disjoint). This dual-rail
/// form makes AND, OR and NOT one or two word operations and XOR four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Word3 {
    /// Patterns whose value is 1.
    pub ones: u64,
    /// Patterns whose value is 0.
    pub zeros: u64,
}

impl Word3 {
    /// Every pattern unknown.
    pub const X: Word3 = Word3 { ones: 0, zeros: 0 };

    /// A fully known word from two-valued bits.
    #[inline]
    pub fn known(bits: u64) -> Word3 {
        Word3 { ones: bits, zeros: !bits }
    }

    /// Patterns whose value is known (0 or 1).
    #[inline]
    pub fn known_mask(self) -> u64 {
        self.ones | self.zeros
    }
}

/// A set of patterns, one bit per pattern: what detection tests return.
pub trait Mask:
    Copy
    + Eq
    + Send
    + Sync
    + std::fmt::Debug
    + BitAnd<Output = Self>
    + BitOr<Output = Self>
    + BitXor<Output = Self>
    + Not<Output = Self>
    + BitAndAssign
    + BitOrAssign
    + 'static
{
    /// No pattern.
    const NONE: Self;
    /// Number of 64-pattern words.
    const WORDS: usize;
    /// Word `i` (patterns `64 * i ..`).
    fn word(self, i: usize) -> u64;
    /// The mask whose word `i` is `word(i)`.
    fn from_words(word: impl Fn(usize) -> u64) -> Self;

    /// The patterns before the first pattern of the set (every pattern when it is empty).
    #[inline]
    fn before_first(self) -> Self {
        let Some(first) = (0..Self::WORDS).find(|&i| self.word(i) != 0) else {
            return !Self::NONE;
        };
        let word = self.word(first);
        Self::from_words(|i| match i.cmp(&first) {
            std::cmp::Ordering::Less => !0,
            std::cmp::Ordering::Equal => (word & word.wrapping_neg()) - 1,
            std::cmp::Ordering::Greater => 0,
        })
    }
}

impl Mask for u64 {
    const NONE: Self = 0;
    const WORDS: usize = 1;
    #[inline(always)]
    fn word(self, _: usize) -> u64 {
        self
    }
    #[inline(always)]
    fn from_words(word: impl Fn(usize) -> u64) -> Self {
        word(0)
    }
}

/// What the simulators need from a signal value: constants, gate operators and the detection
/// test. Implemented by `u64` and [`Wide`] (two-valued), [`Word3`] and [`Wide3`] (three-valued).
pub trait SimValue: Copy + PartialEq + Send + Sync + std::fmt::Debug + 'static {
    /// The pattern sets of this width.
    type Mask: Mask;
    /// All patterns 0.
    const ZERO: Self;
    /// All patterns 1.
    const ONE: Self;
    /// All patterns unknown. Two-valued words have no X and use 0, as
    /// [`netlist::Circuit::simulate`] does; the fault simulator only uses them when no X can occur.
    const UNKNOWN: Self;
    /// Complement.
    fn not(self) -> Self;
    /// Conjunction.
    fn and(self, other: Self) -> Self;
    /// Disjunction.
    fn or(self, other: Self) -> Self;
    /// Exclusive or.
    fn xor(self, other: Self) -> Self;
    /// `select ? when_1 : when_0`, as precise as the representation allows (a three-valued
    /// multiplexer with an unknown select still yields a known value when both data inputs agree).
    fn mux(select: Self, when_0: Self, when_1: Self) -> Self;
    /// The patterns in which `good` is known and `faulty` is the opposite known value: the only
    /// patterns that count as detecting a fault.
    fn detects(good: Self, faulty: Self) -> Self::Mask;
    /// The patterns in which `a` and `b` differ at all (0, 1 or X).
    fn differs(a: Self, b: Self) -> Self::Mask;
    /// The value from input words, word `i` covering patterns `64 * i ..`.
    fn from_inputs(word: impl Fn(usize) -> Word3) -> Self;

    /// The constant word for a stuck-at value.
    #[inline]
    fn constant(value: bool) -> Self {
        if value {
            Self::ONE
        } else {
            Self::ZERO
        }
    }
}

impl SimValue for u64 {
    type Mask = u64;
    const ZERO: Self = 0;
    const ONE: Self = !0;
    const UNKNOWN: Self = 0;
    #[inline]
    fn not(self) -> Self {
        !self
    }
    #[inline]
    fn and(self, other: Self) -> Self {
        self & other
    }
    #[inline]
    fn or(self, other: Self) -> Self {
        self | other
    }
    #[inline]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline]
    fn mux(select: Self, when_0: Self, when_1: Self) -> Self {
        (select & when_1) | (!select & when_0)
    }
    #[inline]
    fn detects(good: Self, faulty: Self) -> u64 {
        good ^ faulty
    }
    #[inline]
    fn differs(a: Self, b: Self) -> u64 {
        a ^ b
    }
    #[inline]
    fn from_inputs(word: impl Fn(usize) -> Word3) -> Self {
        word(0).ones
    }
}

impl SimValue for Word3 {
    type Mask = u64;
    const ZERO: Self = Word3 { ones: 0, zeros: !0 };
    const ONE: Self = Word3 { ones: !0, zeros: 0 };
    const UNKNOWN: Self = Word3::X;
    #[inline]
    fn not(self) -> Self {
        Word3 { ones: self.zeros, zeros: self.ones }
    }
    #[inline]
    fn and(self, other: Self) -> Self {
        Word3 { ones: self.ones & other.ones, zeros: self.zeros | other.zeros }
    }
    #[inline]
    fn or(self, other: Self) -> Self {
        Word3 { ones: self.ones | other.ones, zeros: self.zeros & other.zeros }
    }
    #[inline]
    fn xor(self, other: Self) -> Self {
        Word3 {
            ones: (self.ones & other.zeros) | (self.zeros & other.ones),
            zeros: (self.ones & other.ones) | (self.zeros & other.zeros),
        }
    }
    #[inline]
    fn mux(select: Self, when_0: Self, when_1: Self) -> Self {
        // The last term is the consensus: equal data inputs decide even when the select is X.
        Word3 {
            ones: (select.zeros & when_0.ones)
                | (select.ones & when_1.ones)
                | (when_0.ones & when_1.ones),
            zeros: (select.zeros & when_0.zeros)
                | (select.ones & when_1.zeros)
                | (when_0.zeros & when_1.zeros),
        }
    }
    #[inline]
    fn detects(good: Self, faulty: Self) -> u64 {
        (good.ones & faulty.zeros) | (good.zeros & faulty.ones)
    }
    #[inline]
    fn differs(a: Self, b: Self) -> u64 {
        (a.ones ^ b.ones) | (a.zeros ^ b.zeros)
    }
    #[inline]
    fn from_inputs(word: impl Fn(usize) -> Word3) -> Self {
        word(0)
    }
}

/// `W` two-valued words side by side: `64 * W` patterns. Also the pattern set ([`Mask`]) of
/// that width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Wide<const W: usize>(pub [u64; W]);

impl<const W: usize> Wide<W> {
    #[inline(always)]
    fn map(self, f: impl Fn(u64) -> u64) -> Self {
        Wide(std::array::from_fn(|i| f(self.0[i])))
    }

    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(u64, u64) -> u64) -> Self {
        Wide(std::array::from_fn(|i| f(self.0[i], other.0[i])))
    }
}

macro_rules! wide_operator {
    ($trait:ident, $method:ident, $op:tt, $assign_trait:ident, $assign:ident) => {
        impl<const W: usize> $trait for Wide<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: Self) -> Self {
                self.zip(other, |a, b| a $op b)
            }
        }
        impl<const W: usize> $assign_trait for Wide<W> {
            #[inline(always)]
            fn $assign(&mut self, other: Self) {
                *self = self.zip(other, |a, b| a $op b);
            }
        }
    };
}
wide_operator!(BitAnd, bitand, &, BitAndAssign, bitand_assign);
wide_operator!(BitOr, bitor, |, BitOrAssign, bitor_assign);
wide_operator!(BitXor, bitxor, ^, BitXorAssign, bitxor_assign);

impl<const W: usize> Not for Wide<W> {
    type Output = Self;
    #[inline(always)]
    fn not(self) -> Self {
        self.map(|a| !a)
    }
}

impl<const W: usize> Mask for Wide<W> {
    const NONE: Self = Wide([0; W]);
    const WORDS: usize = W;
    #[inline(always)]
    fn word(self, i: usize) -> u64 {
        self.0[i]
    }
    #[inline(always)]
    fn from_words(word: impl Fn(usize) -> u64) -> Self {
        Wide(std::array::from_fn(word))
    }
}

impl<const W: usize> SimValue for Wide<W> {
    type Mask = Self;
    const ZERO: Self = Wide([0; W]);
    const ONE: Self = Wide([!0; W]);
    const UNKNOWN: Self = Wide([0; W]);
    #[inline(always)]
    fn not(self) -> Self {
        !self
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        self & other
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        self | other
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline(always)]
    fn mux(select: Self, when_0: Self, when_1: Self) -> Self {
        (select & when_1) | (!select & when_0)
    }
    #[inline(always)]
    fn detects(good: Self, faulty: Self) -> Self {
        good ^ faulty
    }
    #[inline(always)]
    fn differs(a: Self, b: Self) -> Self {
        a ^ b
    }
    #[inline(always)]
    fn from_inputs(word: impl Fn(usize) -> Word3) -> Self {
        Wide(std::array::from_fn(|i| word(i).ones))
    }
}

/// `W` three-valued words side by side: `64 * W` patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Wide3<const W: usize>(pub [Word3; W]);

impl<const W: usize> Wide3<W> {
    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(Word3, Word3) -> Word3) -> Self {
        Wide3(std::array::from_fn(|i| f(self.0[i], other.0[i])))
    }
}

impl<const W: usize> SimValue for Wide3<W> {
    type Mask = Wide<W>;
    const ZERO: Self = Wide3([Word3::ZERO; W]);
    const ONE: Self = Wide3([Word3::ONE; W]);
    const UNKNOWN: Self = Wide3([Word3::X; W]);
    #[inline(always)]
    fn not(self) -> Self {
        Wide3(self.0.map(Word3::not))
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        self.zip(other, Word3::and)
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        self.zip(other, Word3::or)
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self.zip(other, Word3::xor)
    }
    #[inline(always)]
    fn mux(select: Self, when_0: Self, when_1: Self) -> Self {
        Wide3(std::array::from_fn(|i| Word3::mux(select.0[i], when_0.0[i], when_1.0[i])))
    }
    #[inline(always)]
    fn detects(good: Self, faulty: Self) -> Wide<W> {
        Wide(std::array::from_fn(|i| Word3::detects(good.0[i], faulty.0[i])))
    }
    #[inline(always)]
    fn differs(a: Self, b: Self) -> Wide<W> {
        Wide(std::array::from_fn(|i| Word3::differs(a.0[i], b.0[i])))
    }
    #[inline(always)]
    fn from_inputs(word: impl Fn(usize) -> Word3) -> Self {
        Wide3(std::array::from_fn(word))
    }
}

/// Two-valued representations, where a value is its own pattern set.
pub(crate) trait TwoValued: SimValue<Mask = Self> {
    /// The value with the patterns of `flips` complemented.
    #[inline(always)]
    fn flip(self, flips: Self) -> Self {
        Self::detects(self, flips)
    }
}

impl TwoValued for u64 {}
impl<const W: usize> TwoValued for Wide<W> {}

/// Evaluates a gate of `kind` with `arity` inputs, input `pin` being `input(pin)`.
///
/// `Input` nodes are never evaluated (their values are given); asking for one yields
/// [`SimValue::UNKNOWN`].
#[inline(always)]
pub fn eval_gate<V: SimValue>(kind: GateKind, arity: usize, input: impl Fn(usize) -> V) -> V {
    // Written out per kind (no operator passed as a function pointer) so every loop inlines.
    match kind {
        GateKind::Input | GateKind::ConstX => V::UNKNOWN,
        GateKind::Const0 => V::ZERO,
        GateKind::Const1 => V::ONE,
        GateKind::Buf => input(0),
        GateKind::Not => input(0).not(),
        GateKind::And | GateKind::Nand => {
            let mut acc = V::ONE;
            for pin in 0..arity {
                acc = acc.and(input(pin));
            }
            if kind == GateKind::Nand {
                acc.not()
            } else {
                acc
            }
        }
        GateKind::Or | GateKind::Nor => {
            let mut acc = V::ZERO;
            for pin in 0..arity {
                acc = acc.or(input(pin));
            }
            if kind == GateKind::Nor {
                acc.not()
            } else {
                acc
            }
        }
        GateKind::Xor | GateKind::Xnor => {
            let mut acc = V::ZERO;
            for pin in 0..arity {
                acc = acc.xor(input(pin));
            }
            if kind == GateKind::Xnor {
                acc.not()
            } else {
                acc
            }
        }
        GateKind::Mux => V::mux(input(0), input(1), input(2)),
    }
}

/// A gate function as the branch-free two-valued evaluator sees it: AND or XOR of the (possibly
/// inverted) inputs, possibly inverted. Bits: [`INVERT_INPUTS`], [`INVERT_OUTPUT`], [`XOR`];
/// [`SPECIAL`] marks what does not fit (multiplexers, constants, inputs).
///
/// Why: in a levelized circuit gate kinds follow no pattern, so a `match` on the kind mispredicts
/// about every other gate; for two-valued words this form evaluates any AND/OR/XOR-type gate with
/// the same instructions.
pub(crate) fn gate_code(kind: GateKind) -> u8 {
    match kind {
        GateKind::Buf | GateKind::And => 0,
        GateKind::Not | GateKind::Nand => INVERT_OUTPUT,
        GateKind::Or => INVERT_INPUTS | INVERT_OUTPUT,
        GateKind::Nor => INVERT_INPUTS,
        GateKind::Xor => XOR,
        GateKind::Xnor => XOR | INVERT_OUTPUT,
        GateKind::Input
        | GateKind::Const0
        | GateKind::Const1
        | GateKind::ConstX
        | GateKind::Mux => SPECIAL,
    }
}

/// [`gate_code`] bit: complement every input (OR and NOR are ANDs of complemented inputs).
pub(crate) const INVERT_INPUTS: u8 = 1;
/// [`gate_code`] bit: complement the result.
pub(crate) const INVERT_OUTPUT: u8 = 2;
/// [`gate_code`] bit: parity rather than conjunction.
pub(crate) const XOR: u8 = 4;
/// [`gate_code`] bit: evaluate by kind.
pub(crate) const SPECIAL: u8 = 8;

/// Gate evaluation by [`gate_code`] where the representation has a faster form than
/// [`eval_gate`].
pub(crate) trait CodedEval: SimValue {
    /// Evaluates a gate of `kind` (with `code == gate_code(kind)`).
    fn eval_coded(kind: GateKind, code: u8, arity: usize, input: impl Fn(usize) -> Self) -> Self;
}

impl CodedEval for u64 {
    #[inline(always)]
    fn eval_coded(kind: GateKind, code: u8, arity: usize, input: impl Fn(usize) -> u64) -> u64 {
        if code & SPECIAL != 0 {
            return eval_gate(kind, arity, input);
        }
        let invert_inputs = 0u64.wrapping_sub(u64::from(code & INVERT_INPUTS));
        let mut and = !0u64;
        let mut xor = 0u64;
        for pin in 0..arity {
            let x = input(pin) ^ invert_inputs;
            and &= x;
            xor ^= x;
        }
        let select = 0u64.wrapping_sub(u64::from((code & XOR) >> 2));
        let invert_output = 0u64.wrapping_sub(u64::from((code & INVERT_OUTPUT) >> 1));
        ((and & !select) | (xor & select)) ^ invert_output
    }
}

impl<const W: usize> CodedEval for Wide<W> {
    #[inline(always)]
    fn eval_coded(kind: GateKind, code: u8, arity: usize, input: impl Fn(usize) -> Self) -> Self {
        if code & SPECIAL != 0 {
            return eval_gate(kind, arity, input);
        }
        let invert_inputs = 0u64.wrapping_sub(u64::from(code & INVERT_INPUTS));
        let mut and = [!0u64; W];
        let mut xor = [0u64; W];
        for pin in 0..arity {
            let x = input(pin);
            for w in 0..W {
                let x = x.0[w] ^ invert_inputs;
                and[w] &= x;
                xor[w] ^= x;
            }
        }
        let select = 0u64.wrapping_sub(u64::from((code & XOR) >> 2));
        let invert_output = 0u64.wrapping_sub(u64::from((code & INVERT_OUTPUT) >> 1));
        Wide(std::array::from_fn(|w| ((and[w] & !select) | (xor[w] & select)) ^ invert_output))
    }
}

impl<const W: usize> CodedEval for Wide3<W> {
    #[inline(always)]
    fn eval_coded(kind: GateKind, _code: u8, arity: usize, input: impl Fn(usize) -> Self) -> Self {
        eval_gate(kind, arity, input)
    }
}

impl CodedEval for Word3 {
    #[inline(always)]
    fn eval_coded(
        kind: GateKind,
        _code: u8,
        arity: usize,
        input: impl Fn(usize) -> Word3,
    ) -> Word3 {
        eval_gate(kind, arity, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_first_is_every_pattern_below_the_lowest() {
        assert_eq!(0u64.before_first(), !0);
        assert_eq!(1u64.before_first(), 0);
        assert_eq!(0b1011_0000u64.before_first(), 0b1111);
        assert_eq!((1u64 << 63).before_first(), !0 >> 1);
        assert_eq!(Wide([0, 0, 0, 0]).before_first(), Wide([!0; 4]));
        assert_eq!(Wide([0, 0b100, 1, 0]).before_first(), Wide([!0, 0b11, 0, 0]));
        assert_eq!(Wide([0, 0, 0, 1 << 5]).before_first(), Wide([!0, !0, !0, 0b11111]));
        assert_eq!(Wide([1, !0, !0, !0]).before_first(), Wide([0; 4]));
    }

    /// Three-valued scalar for the reference: `None` is X.
    fn scalar(w: Word3, bit: u32) -> Option<bool> {
        if w.ones >> bit & 1 == 1 {
            Some(true)
        } else if w.zeros >> bit & 1 == 1 {
            Some(false)
        } else {
            None
        }
    }

    fn kinds_with_arity() -> Vec<(GateKind, usize)> {
        let mut out = vec![(GateKind::Buf, 1), (GateKind::Not, 1), (GateKind::Mux, 3)];
        for kind in [
            GateKind::And,
            GateKind::Nand,
            GateKind::Or,
            GateKind::Nor,
            GateKind::Xor,
            GateKind::Xnor,
        ] {
            for arity in 1..=3 {
                out.push((kind, arity));
            }
        }
        out
    }

    /// Every gate's three-valued result is the exact ternary extension of its two-valued function
    /// (known exactly when all completions of the X inputs agree), and the two-valued evaluator
    /// agrees with the netlist crate's independent one.
    #[test]
    fn three_valued_gates_are_exact_ternary_extensions() {
        for (kind, arity) in kinds_with_arity() {
            // Enumerate every assignment of {0, 1, X} to the inputs, one per lane.
            let lanes = 3usize.pow(arity as u32);
            let mut inputs = vec![Word3::X; arity];
            for lane in 0..lanes {
                let mut code = lane;
                for input in inputs.iter_mut() {
                    match code % 3 {
                        0 => input.zeros |= 1 << lane,
                        1 => input.ones |= 1 << lane,
                        _ => {}
                    }
                    code /= 3;
                }
            }
            let result = eval_gate(kind, arity, |p| inputs[p]);
            assert_eq!(result.ones & result.zeros, 0, "{kind}: 0 and 1 at once");
            for lane in 0..lanes as u32 {
                let values: Vec<Option<bool>> = inputs.iter().map(|&w| scalar(w, lane)).collect();
                let unknown: Vec<usize> = (0..arity).filter(|&i| values[i].is_none()).collect();
                let mut outcomes = Vec::new();
                for completion in 0..1u64 << unknown.len() {
                    let words: Vec<u64> = (0..arity)
                        .map(|i| match values[i] {
                            Some(v) => u64::from(v),
                            None => {
                                let k = unknown.iter().position(|&u| u == i).unwrap();
                                completion >> k & 1
                            }
                        })
                        .collect();
                    let two = eval_gate::<u64>(kind, arity, |p| words[p].wrapping_neg()) & 1;
                    let coded =
                        u64::eval_coded(kind, gate_code(kind), arity, |p| words[p].wrapping_neg())
                            & 1;
                    assert_eq!(two, coded, "{kind}/{arity}: coded evaluation disagrees");
                    let reference = kind.eval_words(words.iter().map(|w| w.wrapping_neg())) & 1;
                    assert_eq!(two, reference, "{kind}/{arity}: two-valued disagrees");
                    outcomes.push(two == 1);
                }
                let exact = if outcomes.iter().all(|&o| o) {
                    Some(true)
                } else if outcomes.iter().all(|&o| !o) {
                    Some(false)
                } else {
                    None
                };
                assert_eq!(scalar(result, lane), exact, "{kind}/{arity} on {values:?}");
            }
        }
    }

    #[test]
    fn detection_needs_known_opposite_values() {
        let good = Word3 { ones: 0b0011, zeros: 0b0100 }; // 1 1 0 X
        let faulty = Word3 { ones: 0b0100, zeros: 0b1001 }; // 0 X 1 0
        assert_eq!(Word3::detects(good, faulty), 0b0101);
        assert_eq!(u64::detects(0b1100, 0b1010), 0b0110);
    }
}
