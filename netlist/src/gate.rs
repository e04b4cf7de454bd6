//! The primitive gate functions every netlist is reduced to.

use std::fmt;

/// Exhaustive truth-table words: bit `r` of word `k` is bit `k` of row `r`, so six variables
/// set to these words enumerate all 64 rows of a six-input truth table in one evaluation.
pub const TRUTH_TABLE_WORDS: [u64; 6] = [
    0xAAAA_AAAA_AAAA_AAAA,
    0xCCCC_CCCC_CCCC_CCCC,
    0xF0F0_F0F0_F0F0_F0F0,
    0xFF00_FF00_FF00_FF00,
    0xFFFF_0000_FFFF_0000,
    0xFFFF_FFFF_0000_0000,
];

/// A primitive logic function. Every cell of every input format is decomposed into these.
///
/// `And` .. `Xnor` take any number of inputs (at least one); `Xor`/`Xnor` are parity functions.
/// `Mux` takes exactly three inputs in the order `[select, when_0, when_1]`.
/// `Input` marks circuit inputs (primary and pseudo) in the compiled [`crate::Circuit`].
/// `ConstX` is an unknown value: what an undriven net is tied to under [`crate::UndrivenPolicy::TieX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[repr(u8)]
pub enum GateKind {
    /// A primary or pseudo-primary input of the compiled circuit.
    Input,
    /// Constant 0.
    Const0,
    /// Constant 1.
    Const1,
    /// Constant unknown (X).
    ConstX,
    /// Buffer.
    Buf,
    /// Inverter.
    Not,
    /// AND.
    And,
    /// NAND.
    Nand,
    /// OR.
    Or,
    /// NOR.
    Nor,
    /// Parity (XOR).
    Xor,
    /// Inverted parity (XNOR).
    Xnor,
    /// Two-way multiplexer, inputs `[select, when_0, when_1]`.
    Mux,
}

impl GateKind {
    /// All kinds, in declaration order.
    pub const ALL: [GateKind; 13] = [
        GateKind::Input,
        GateKind::Const0,
        GateKind::Const1,
        GateKind::ConstX,
        GateKind::Buf,
        GateKind::Not,
        GateKind::And,
        GateKind::Nand,
        GateKind::Or,
        GateKind::Nor,
        GateKind::Xor,
        GateKind::Xnor,
        GateKind::Mux,
    ];

    /// The allowed number of inputs: `(min, max)`.
    pub fn arity(self) -> (usize, usize) {
        match self {
            GateKind::Input | GateKind::Const0 | GateKind::Const1 | GateKind::ConstX => (0, 0),
            GateKind::Buf | GateKind::Not => (1, 1),
            GateKind::Mux => (3, 3),
            _ => (1, usize::MAX),
        }
    }

    /// Whether the output is the complement of the non-inverting counterpart.
    pub fn is_inverting(self) -> bool {
        matches!(self, GateKind::Not | GateKind::Nand | GateKind::Nor | GateKind::Xnor)
    }

    /// The ISCAS `.bench` / upper-case name (`AND`, `BUFF`, ...).
    pub fn bench_name(self) -> &'static str {
        match self {
            GateKind::Input => "INPUT",
            GateKind::Const0 => "CONST0",
            GateKind::Const1 => "CONST1",
            GateKind::ConstX => "CONSTX",
            GateKind::Buf => "BUFF",
            GateKind::Not => "NOT",
            GateKind::And => "AND",
            GateKind::Nand => "NAND",
            GateKind::Or => "OR",
            GateKind::Nor => "NOR",
            GateKind::Xor => "XOR",
            GateKind::Xnor => "XNOR",
            GateKind::Mux => "MUX",
        }
    }

    /// Evaluates the gate on 64 patterns at once, one pattern per bit.
    ///
    /// Two-valued: `ConstX` evaluates to 0 here; three-valued simulation lives in `atpg::sim`.
    #[inline]
    pub fn eval_words(self, inputs: impl IntoIterator<Item = u64>) -> u64 {
        let mut it = inputs.into_iter();
        match self {
            GateKind::Input | GateKind::Const0 | GateKind::ConstX => 0,
            GateKind::Const1 => !0,
            GateKind::Buf => it.next().unwrap_or(0),
            GateKind::Not => !it.next().unwrap_or(0),
            GateKind::And => it.fold(!0, |a, b| a & b),
            GateKind::Nand => !it.fold(!0, |a, b| a & b),
            GateKind::Or => it.fold(0, |a, b| a | b),
            GateKind::Nor => !it.fold(0, |a, b| a | b),
            GateKind::Xor => it.fold(0, |a, b| a ^ b),
            GateKind::Xnor => !it.fold(0, |a, b| a ^ b),
            GateKind::Mux => {
                let s = it.next().unwrap_or(0);
                let a = it.next().unwrap_or(0);
                let b = it.next().unwrap_or(0);
                (s & b) | (!s & a)
            }
        }
    }
}

impl fmt::Display for GateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bench_name())
    }
}
