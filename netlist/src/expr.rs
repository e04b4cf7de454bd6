//! Boolean expressions: Liberty `function` strings and Verilog `assign` right-hand sides both
//! parse into [`Expr`], and [`Netlist::lower_expr`] turns one into primitive gates.

use crate::gate::GateKind;
use crate::netlist::{CellId, NetId, Netlist};

/// A Boolean expression over variables of type `V` (pin names, or nets once bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr<V = String> {
    /// A constant.
    Const(bool),
    /// An unknown constant (`1'bx`).
    Unknown,
    /// A variable.
    Var(V),
    /// Complement.
    Not(Box<Expr<V>>),
    /// Conjunction of two or more terms.
    And(Vec<Expr<V>>),
    /// Disjunction of two or more terms.
    Or(Vec<Expr<V>>),
    /// Parity of two or more terms.
    Xor(Vec<Expr<V>>),
    /// `select ? when_1 : when_0`, fields in the order `[select, when_0, when_1]`.
    Mux(Box<[Expr<V>; 3]>),
}

impl<V> Expr<V> {
    /// The complement, folding double negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        match self {
            Expr::Not(inner) => *inner,
            Expr::Const(b) => Expr::Const(!b),
            other => Expr::Not(Box::new(other)),
        }
    }

    /// Maps every variable, failing on the first error (an unknown pin name, say).
    pub fn try_map<W, E>(&self, f: &mut impl FnMut(&V) -> Result<W, E>) -> Result<Expr<W>, E> {
        Ok(match self {
            Expr::Const(b) => Expr::Const(*b),
            Expr::Unknown => Expr::Unknown,
            Expr::Var(v) => Expr::Var(f(v)?),
            Expr::Not(e) => Expr::Not(Box::new(e.try_map(f)?)),
            Expr::And(t) => Expr::And(t.iter().map(|e| e.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Or(t) => Expr::Or(t.iter().map(|e| e.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Xor(t) => Expr::Xor(t.iter().map(|e| e.try_map(f)).collect::<Result<_, _>>()?),
            Expr::Mux(m) => {
                let [s, a, b] = &**m;
                Expr::Mux(Box::new([s.try_map(f)?, a.try_map(f)?, b.try_map(f)?]))
            }
        })
    }

    /// Every variable, in order of appearance (with repeats).
    pub fn vars(&self) -> Vec<&V> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars<'a>(&'a self, out: &mut Vec<&'a V>) {
        match self {
            Expr::Const(_) | Expr::Unknown => {}
            Expr::Var(v) => out.push(v),
            Expr::Not(e) => e.collect_vars(out),
            Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => t.iter().for_each(|e| e.collect_vars(out)),
            Expr::Mux(m) => m.iter().for_each(|e| e.collect_vars(out)),
        }
    }

    /// Evaluates the expression with `value` giving each variable's value.
    pub fn eval(&self, value: &mut impl FnMut(&V) -> bool) -> bool {
        match self {
            Expr::Const(b) => *b,
            Expr::Unknown => false,
            Expr::Var(v) => value(v),
            Expr::Not(e) => !e.eval(value),
            Expr::And(t) => t.iter().all(|e| e.eval(value)),
            Expr::Or(t) => t.iter().any(|e| e.eval(value)),
            Expr::Xor(t) => t.iter().fold(false, |acc, e| acc ^ e.eval(value)),
            Expr::Mux(m) => {
                if m[0].eval(value) {
                    m[2].eval(value)
                } else {
                    m[1].eval(value)
                }
            }
        }
    }
}

impl Netlist {
    /// Builds gates computing `expr` and returns the net holding its value.
    ///
    /// With `output` given, the top gate drives that net (a plain variable or constant becomes a
    /// buffer or constant gate on it, so every named net keeps exactly one driver). Intermediate
    /// nets are internal nets named after `hint`; gates are named after the net they drive.
    /// Inverted tops fold into the inverting gate kinds (`!(a & b)` is one NAND).
    /// Returns the cells created, so a caller can tag them (with a standard-cell instance, say).
    pub fn lower_expr(
        &mut self,
        expr: &Expr<NetId>,
        output: Option<NetId>,
        hint: &str,
        created: &mut Vec<CellId>,
    ) -> NetId {
        let (kind, operands): (GateKind, Vec<&Expr<NetId>>) = match expr {
            Expr::Var(net) => match output {
                None => return *net,
                Some(_) => (GateKind::Buf, vec![expr]),
            },
            Expr::Const(false) => (GateKind::Const0, vec![]),
            Expr::Const(true) => (GateKind::Const1, vec![]),
            Expr::Unknown => (GateKind::ConstX, vec![]),
            Expr::Not(inner) => match &**inner {
                Expr::And(t) => (GateKind::Nand, t.iter().collect()),
                Expr::Or(t) => (GateKind::Nor, t.iter().collect()),
                Expr::Xor(t) => (GateKind::Xnor, t.iter().collect()),
                other => (GateKind::Not, vec![other]),
            },
            Expr::And(t) => (GateKind::And, t.iter().collect()),
            Expr::Or(t) => (GateKind::Or, t.iter().collect()),
            Expr::Xor(t) => (GateKind::Xor, t.iter().collect()),
            Expr::Mux(m) => (GateKind::Mux, m.iter().collect()),
        };
        let inputs: Vec<NetId> = operands
            .into_iter()
            .map(|e| match e {
                // A variable operand is read directly, never buffered.
                Expr::Var(net) => *net,
                _ => self.lower_expr(e, None, hint, created),
            })
            .collect();
        let out = match output {
            Some(net) => net,
            None => self.add_internal_net(hint),
        };
        let name = self.net_name(out).to_string();
        created.push(self.add_gate(name, kind, &inputs, out));
        out
    }
}
