//! Rewriting a cell function into a small network of primitive gates.
//!
//! Libraries write the same function in different shapes: NanGate's NAND2 is `!(A1 & A2)`, sky130's
//! is `(!A) | (!B)`, and sky130 writes every AOI/OAI as a flat sum of products
//! (`a21oi` = `(!A1&!B1) | (!A2&!B1)`). Lowered literally, that would put inverters and extra
//! gates (and so fault sites) into the model that the cell does not have. The rewrite here:
//! 1. folds constants and double negations, flattens nested AND/OR, drops repeated terms;
//! 2. recognises parity functions (sky130 `xor2`, `xnor3`, full-adder sums) by truth table;
//! 3. factors sums of products algebraically (common cube first, then the most frequent
//!    factor) and their duals, and turns `x&P | !x&Q` into a multiplexer;
//! 4. moves inversions outwards with De Morgan (`!a & !b` = `!(a | b)`), so that
//!    [`crate::Netlist::lower_expr`] folds them into NAND/NOR/XNOR.
//!
//! So `(!A) | (!B)` becomes one NAND, `a21oi` a NOR of B1 and an AND, scan-flop next states a
//! MUX. Every result is checked against the original by truth table (up to 16 inputs); should a
//! rewrite ever disagree, the original expression is used, so the rewrite can only cost gates,
//! never correctness.

use crate::expr::Expr;

/// Largest support for which the result is verified by truth table (2^16 rows, 1024 words).
const MAX_VERIFIED_SUPPORT: usize = 16;
/// Largest support for which parity is recognised by truth table.
const MAX_PARITY_SUPPORT: usize = 6;
/// Expressions larger than this are lowered as written: factoring is quadratic in size, and real
/// cell functions stay below a hundred nodes (sky130 `a222oi` written out has about forty).
const MAX_NODES: usize = 400;

/// A gate-friendly equivalent of `expr` (or `expr` itself when it cannot be verified).
pub(crate) fn to_gate_form<V: Clone + PartialEq>(expr: &Expr<V>) -> Expr<V> {
    if node_count(expr) > MAX_NODES {
        return expr.clone();
    }
    let support = support(expr);
    if support.len() > MAX_VERIFIED_SUPPORT {
        return expr.clone();
    }
    let rewritten = push_inversions_out(simplify(expr.clone()));
    let same_support = rewritten.vars().into_iter().all(|v| support.contains(v));
    if same_support && truth_table(&rewritten, &support) == truth_table(expr, &support) {
        rewritten
    } else {
        expr.clone()
    }
}

/// The distinct variables of `expr`, in order of first appearance.
pub(crate) fn support<V: Clone + PartialEq>(expr: &Expr<V>) -> Vec<V> {
    let mut out: Vec<V> = Vec::new();
    for v in expr.vars() {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn node_count<V>(expr: &Expr<V>) -> usize {
    match expr {
        Expr::Const(_) | Expr::Unknown | Expr::Var(_) => 1,
        Expr::Not(e) => 1 + node_count(e),
        Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => 1 + t.iter().map(node_count).sum::<usize>(),
        Expr::Mux(m) => 1 + m.iter().map(node_count).sum::<usize>(),
    }
}

/// The truth table of `expr` over `support` (variable `k` is bit `k` of the row number), 64
/// rows per word; rows beyond `2^support.len()` are zero.
pub(crate) fn truth_table<V: PartialEq>(expr: &Expr<V>, support: &[V]) -> Vec<u64> {
    let n = support.len();
    let blocks = if n <= 6 { 1 } else { 1usize << (n - 6) };
    let mask = if n >= 6 { !0 } else { (1u64 << (1u32 << n)) - 1 };
    (0..blocks).map(|block| eval_words(expr, support, block) & mask).collect()
}

/// The value of variable `k` in the 64 rows of `block`.
fn var_word(k: usize, block: usize) -> u64 {
    const PATTERNS: [u64; 6] = crate::gate::TRUTH_TABLE_WORDS;
    match PATTERNS.get(k) {
        Some(&p) => p,
        None if (block >> (k - 6)) & 1 == 1 => !0,
        None => 0,
    }
}

fn eval_words<V: PartialEq>(expr: &Expr<V>, support: &[V], block: usize) -> u64 {
    match expr {
        Expr::Const(true) => !0,
        Expr::Const(false) | Expr::Unknown => 0,
        Expr::Var(v) => support.iter().position(|s| s == v).map_or(0, |k| var_word(k, block)),
        Expr::Not(e) => !eval_words(e, support, block),
        Expr::And(t) => t.iter().fold(!0, |acc, e| acc & eval_words(e, support, block)),
        Expr::Or(t) => t.iter().fold(0, |acc, e| acc | eval_words(e, support, block)),
        Expr::Xor(t) => t.iter().fold(0, |acc, e| acc ^ eval_words(e, support, block)),
        Expr::Mux(m) => {
            let s = eval_words(&m[0], support, block);
            (s & eval_words(&m[2], support, block)) | (!s & eval_words(&m[1], support, block))
        }
    }
}

/// AND or OR: the two operators that factoring and De Morgan swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
}

impl Op {
    fn dual(self) -> Op {
        match self {
            Op::And => Op::Or,
            Op::Or => Op::And,
        }
    }

    /// The element that decides the result (`0` for AND) and the one that drops out.
    fn absorbing(self) -> bool {
        self == Op::Or
    }

    /// The terms of `expr` under this operator: its children if it is one, else itself.
    fn terms<V>(self, expr: Expr<V>) -> Vec<Expr<V>> {
        match (self, expr) {
            (Op::And, Expr::And(t)) | (Op::Or, Expr::Or(t)) => t,
            (_, other) => vec![other],
        }
    }

    /// `op(terms)`, flattened, with constants folded and repeats dropped; `x op !x` folds too.
    fn make<V: Clone + PartialEq>(self, terms: Vec<Expr<V>>) -> Expr<V> {
        let mut out: Vec<Expr<V>> = Vec::with_capacity(terms.len());
        for term in terms.into_iter().flat_map(|t| self.terms(t)) {
            match term {
                Expr::Const(b) if b == self.absorbing() => return Expr::Const(b),
                Expr::Const(_) => {}
                t if out.contains(&t) => {}
                t => {
                    if out.contains(&t.clone().not()) {
                        return Expr::Const(self.absorbing());
                    }
                    out.push(t);
                }
            }
        }
        match out.len() {
            0 => Expr::Const(!self.absorbing()),
            1 => out.pop().unwrap_or(Expr::Const(!self.absorbing())),
            _ => match self {
                Op::And => Expr::And(out),
                Op::Or => Expr::Or(out),
            },
        }
    }
}

/// Steps 1 to 3 of the module description, bottom-up.
fn simplify<V: Clone + PartialEq>(expr: Expr<V>) -> Expr<V> {
    match expr {
        Expr::Not(inner) => simplify(*inner).not(),
        Expr::And(t) => combine(Op::And, t.into_iter().map(simplify).collect()),
        Expr::Or(t) => combine(Op::Or, t.into_iter().map(simplify).collect()),
        Expr::Xor(t) => make_xor(t.into_iter().map(simplify).collect()),
        Expr::Mux(m) => {
            let [s, a, b] = *m;
            let (s, a, b) = (simplify(s), simplify(a), simplify(b));
            match s {
                _ if a == b => a,
                Expr::Const(true) => b,
                Expr::Const(false) => a,
                s => Expr::Mux(Box::new([s, a, b])),
            }
        }
        other => other,
    }
}

/// AND or OR of already simplified terms: parity check, then factoring.
fn combine<V: Clone + PartialEq>(op: Op, terms: Vec<Expr<V>>) -> Expr<V> {
    let made = op.make(terms);
    let terms = match made {
        Expr::And(t) if op == Op::And => t,
        Expr::Or(t) if op == Op::Or => t,
        other => return other,
    };
    let node = match op {
        Op::And => Expr::And(terms),
        Op::Or => Expr::Or(terms),
    };
    if let Some(parity) = as_parity(&node) {
        return parity;
    }
    let terms = op.terms(node);
    let inner = op.dual();
    factor(op, terms.into_iter().map(|t| inner.terms(t)).collect())
}

/// XOR of simplified terms: nested XORs flattened, constants folded into the polarity, pairs of
/// equal terms cancelled.
fn make_xor<V: Clone + PartialEq>(terms: Vec<Expr<V>>) -> Expr<V> {
    let mut inverted = false;
    let mut out: Vec<Expr<V>> = Vec::new();
    let mut pending = terms;
    while let Some(term) = pending.pop() {
        match term {
            Expr::Xor(t) => pending.extend(t),
            Expr::Const(b) => inverted ^= b,
            t => match out.iter().position(|o| *o == t) {
                Some(i) => {
                    out.remove(i);
                }
                None => out.push(t),
            },
        }
    }
    out.reverse();
    let base = match out.len() {
        0 => Expr::Const(false),
        1 => out.pop().unwrap_or(Expr::Const(false)),
        _ => Expr::Xor(out),
    };
    if inverted {
        base.not()
    } else {
        base
    }
}

/// `Xor(support)` or its complement when `node` computes parity of its (small) support.
fn as_parity<V: Clone + PartialEq>(node: &Expr<V>) -> Option<Expr<V>> {
    let support = support(node);
    if support.len() < 2 || support.len() > MAX_PARITY_SUPPORT {
        return None;
    }
    let table = truth_table(node, &support);
    let parity =
        truth_table(&Expr::Xor(support.iter().cloned().map(Expr::Var).collect()), &support);
    let xor = || Expr::Xor(support.iter().cloned().map(Expr::Var).collect());
    if table == parity {
        Some(xor())
    } else if table.iter().zip(&parity).all(|(t, p)| *t == !*p & mask(support.len())) {
        Some(Expr::Not(Box::new(xor())))
    } else {
        None
    }
}

fn mask(n: usize) -> u64 {
    if n >= 6 {
        !0
    } else {
        (1u64 << (1u32 << n)) - 1
    }
}

/// Factors `outer(inner(list) for list in lists)`: the common cube first, then the factor in
/// most terms, then the multiplexer pattern.
fn factor<V: Clone + PartialEq>(outer: Op, mut lists: Vec<Vec<Expr<V>>>) -> Expr<V> {
    let inner = outer.dual();
    let rebuild =
        |lists: Vec<Vec<Expr<V>>>| outer.make(lists.into_iter().map(|l| inner.make(l)).collect());
    if lists.len() < 2 {
        return rebuild(lists);
    }
    let common: Vec<Expr<V>> =
        lists[0].iter().filter(|f| lists[1..].iter().all(|l| l.contains(f))).cloned().collect();
    if !common.is_empty() {
        let rests: Vec<Vec<Expr<V>>> = lists
            .into_iter()
            .map(|l| l.into_iter().filter(|f| !common.contains(f)).collect())
            .collect();
        // `c | c&r` is `c`: a term that is all common factor absorbs the others.
        if rests.iter().any(Vec::is_empty) {
            return inner.make(common);
        }
        let mut all = common;
        all.push(factor(outer, rests));
        return inner.make(all);
    }
    let mut best: Option<(usize, &Expr<V>)> = None;
    for f in lists.iter().flatten() {
        let count = lists.iter().filter(|l| l.contains(f)).count();
        best = match best {
            Some((c, _)) if c >= count => best,
            _ => Some((count, f)),
        };
    }
    if let Some((count, f)) = best.filter(|(count, _)| *count >= 2).map(|(c, f)| (c, f.clone())) {
        debug_assert!(count >= 2);
        let (with, without): (Vec<_>, Vec<_>) = lists.drain(..).partition(|l| l.contains(&f));
        let rests: Vec<Vec<Expr<V>>> =
            with.into_iter().map(|l| l.into_iter().filter(|g| *g != f).collect()).collect();
        let merged = if rests.iter().any(Vec::is_empty) {
            f
        } else {
            inner.make(vec![f, factor(outer, rests)])
        };
        let mut next = vec![inner.terms(merged)];
        next.extend(without);
        return factor(outer, next);
    }
    if outer == Op::Or && lists.len() == 2 {
        if let Some(mux) = as_mux(&lists[0], &lists[1]) {
            return mux;
        }
    }
    rebuild(lists)
}

/// `x&R1 | !x&R2` as a multiplexer on `x` (with `x` a plain signal, not inverted).
fn as_mux<V: Clone + PartialEq>(first: &[Expr<V>], second: &[Expr<V>]) -> Option<Expr<V>> {
    for (i, x) in first.iter().enumerate() {
        let complement = x.clone().not();
        let Some(j) = second.iter().position(|y| *y == complement) else { continue };
        if first.len() < 2 || second.len() < 2 {
            return None;
        }
        let rest = |list: &[Expr<V>], skip: usize| {
            Op::And.make(
                list.iter()
                    .enumerate()
                    .filter(|&(k, _)| k != skip)
                    .map(|(_, e)| e.clone())
                    .collect(),
            )
        };
        let (with_x, with_complement) = (rest(first, i), rest(second, j));
        return Some(match x {
            Expr::Not(select) => Expr::Mux(Box::new([(**select).clone(), with_x, with_complement])),
            select => Expr::Mux(Box::new([select.clone(), with_complement, with_x])),
        });
    }
    None
}

/// Step 4: De Morgan bottom-up, so inversions end up on gate outputs (NAND, NOR, XNOR).
fn push_inversions_out<V: Clone + PartialEq>(expr: Expr<V>) -> Expr<V> {
    match expr {
        Expr::Not(inner) => push_inversions_out(*inner).not(),
        Expr::And(t) => de_morgan(Op::And, t.into_iter().map(push_inversions_out).collect()),
        Expr::Or(t) => de_morgan(Op::Or, t.into_iter().map(push_inversions_out).collect()),
        Expr::Xor(t) => {
            let mut inverted = false;
            let mut terms = Vec::with_capacity(t.len());
            for term in t.into_iter().map(push_inversions_out) {
                match term {
                    Expr::Not(inner) => {
                        inverted = !inverted;
                        terms.push(*inner);
                    }
                    Expr::Xor(inner) => terms.extend(inner),
                    other => terms.push(other),
                }
            }
            let xor = Expr::Xor(terms);
            if inverted {
                xor.not()
            } else {
                xor
            }
        }
        Expr::Mux(m) => {
            let [s, a, b] = (*m).map(push_inversions_out);
            let (s, a, b) = match s {
                Expr::Not(s) => (*s, b, a),
                s => (s, a, b),
            };
            match (a, b) {
                (Expr::Not(a), Expr::Not(b)) => Expr::Mux(Box::new([s, *a, *b])).not(),
                (a, b) => Expr::Mux(Box::new([s, a, b])),
            }
        }
        other => other,
    }
}

/// `op` over `terms` with two or more inverted terms grouped: `!a & !b & c` = `!(a | b) & c`.
fn de_morgan<V: Clone + PartialEq>(op: Op, terms: Vec<Expr<V>>) -> Expr<V> {
    let terms: Vec<Expr<V>> = terms.into_iter().flat_map(|t| op.terms(t)).collect();
    let inverted = terms.iter().filter(|t| matches!(t, Expr::Not(_))).count();
    if inverted < 2 {
        return op.make(terms);
    }
    let mut grouped = Vec::with_capacity(inverted);
    let mut rest = Vec::with_capacity(terms.len() - inverted + 1);
    let mut slot = None;
    for term in terms {
        match term {
            Expr::Not(inner) => {
                slot.get_or_insert(rest.len());
                grouped.push(*inner);
            }
            other => rest.push(other),
        }
    }
    let group = op.dual().make(grouped).not();
    rest.insert(slot.unwrap_or(0), group);
    op.make(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::liberty::function::parse_function;

    fn gate_form(text: &str) -> Expr<String> {
        let expr = parse_function(text).unwrap();
        let out = to_gate_form(&expr);
        let support = support(&expr);
        assert_eq!(truth_table(&out, &support), truth_table(&expr, &support), "{text}");
        out
    }

    /// Number of gates `lower_expr` makes for an output: one per operator node, where a NOT
    /// directly over AND/OR/XOR merges into NAND/NOR/XNOR, and a bare variable is one buffer.
    fn gates(expr: &Expr<String>) -> usize {
        fn inner(e: &Expr<String>) -> usize {
            match e {
                Expr::Var(_) => 0,
                Expr::Const(_) | Expr::Unknown => 1,
                Expr::Not(x) => match &**x {
                    Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => {
                        1 + t.iter().map(inner).sum::<usize>()
                    }
                    other => 1 + inner(other),
                },
                Expr::And(t) | Expr::Or(t) | Expr::Xor(t) => 1 + t.iter().map(inner).sum::<usize>(),
                Expr::Mux(m) => 1 + m.iter().map(inner).sum::<usize>(),
            }
        }
        inner(expr).max(1)
    }

    #[test]
    fn simple_functions_become_one_gate() {
        for f in [
            "(!A) | (!B)",
            "!(A1 & A2)",
            "(!A&!B&!C)",
            "(A&!B) | (!A&B)",
            "(!A&!B) | (A&B)",
            "(A)",
            "(!A)",
        ] {
            assert_eq!(gates(&gate_form(f)), 1, "{f} -> {:?}", gate_form(f));
        }
        assert_eq!(
            gate_form("(!A&!B&!CIN) | (A&B&!CIN) | (A&!B&CIN) | (!A&B&CIN)"),
            Expr::Not(Box::new(Expr::Xor(vec![
                Expr::Var("A".into()),
                Expr::Var("B".into()),
                Expr::Var("CIN".into())
            ])))
        );
    }

    #[test]
    fn and_or_invert_functions_become_small_trees() {
        // sky130 a21oi, a2111oi, a22oi, a222oi, o21ai, o22ai: the minimal AOI/OAI structure.
        assert_eq!(gates(&gate_form("(!A1&!B1) | (!A2&!B1)")), 2);
        assert_eq!(gates(&gate_form("(!A1&!B1&!C1&!D1) | (!A2&!B1&!C1&!D1)")), 2);
        assert_eq!(gates(&gate_form("(!A1&!B1) | (!A1&!B2) | (!A2&!B1) | (!A2&!B2)")), 3);
        assert_eq!(
            gates(&gate_form(
                "(!A1&!B1&!C1) | (!A1&!B1&!C2) | (!A1&!B2&!C1) | (!A2&!B1&!C1) | (!A1&!B2&!C2) | (!A2&!B1&!C2) | (!A2&!B2&!C1) | (!A2&!B2&!C2)"
            )),
            4
        );
        assert_eq!(gates(&gate_form("(!A1&!A2) | (!B1)")), 2);
        assert_eq!(gates(&gate_form("(!B1&!B2) | (!A1&!A2)")), 3);
        assert_eq!(gates(&gate_form("!(!(!(((A1 & A2) | (B1 & B2)) | (C1 & C2))))")), 4);
    }

    #[test]
    fn multiplexers_are_recognised() {
        let v = |s: &str| Expr::Var(s.to_string());
        assert_eq!(
            gate_form("(D&!SCE) | (SCD&SCE)"),
            Expr::Mux(Box::new([v("SCE"), v("D"), v("SCD")]))
        );
        assert_eq!(
            gate_form("((SE * SI) + (D * !SE))"),
            Expr::Mux(Box::new([v("SE"), v("D"), v("SI")]))
        );
        assert_eq!(gates(&gate_form("(!A0&!S) | (!A1&S)")), 2);
        assert_eq!(gates(&gate_form("(A0&!S0&!S1) | (A1&S0&!S1) | (A2&!S0&S1) | (A3&S0&S1)")), 3);
        assert_eq!(gates(&gate_form("(D&DE&!SCE) | (IQ&!DE&!SCE) | (SCD&SCE)")), 2);
    }

    #[test]
    fn constants_and_degenerate_cases() {
        assert_eq!(gate_form("A | !A"), Expr::Const(true));
        assert_eq!(gate_form("A & 0"), Expr::Const(false));
        assert_eq!(gate_form("A | (A & B)"), Expr::Var("A".into()));
        assert_eq!(gate_form("A ^ A ^ B"), Expr::Var("B".into()));
        assert_eq!(gate_form("1"), Expr::Const(true));
    }
}
