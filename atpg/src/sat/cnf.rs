//! A plain clause list: the [`ClauseSink`] tests dump and count.

use std::fmt::Write as _;

use super::{ClauseSink, Lit, Var};

/// A CNF formula held in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cnf {
    num_vars: u32,
    clauses: Vec<Vec<Lit>>,
}

impl Cnf {
    /// An empty formula.
    pub fn new() -> Cnf {
        Cnf::default()
    }

    /// Variables created so far.
    pub fn num_vars(&self) -> usize {
        self.num_vars as usize
    }

    /// The clauses, in the order they were added.
    pub fn clauses(&self) -> &[Vec<Lit>] {
        &self.clauses
    }

    /// Whether the assignment `values` (one per variable) satisfies every clause.
    pub fn is_satisfied_by(&self, values: &[bool]) -> bool {
        self.clauses.iter().all(|clause| {
            clause
                .iter()
                .any(|&l| values.get(l.var().index()).copied().unwrap_or(false) != l.is_negative())
        })
    }

    /// The formula in DIMACS text.
    pub fn to_dimacs(&self) -> String {
        let mut text = format!("p cnf {} {}\n", self.num_vars, self.clauses.len());
        for clause in &self.clauses {
            for lit in clause {
                let _ = write!(text, "{} ", lit.to_dimacs());
            }
            text.push_str("0\n");
        }
        text
    }
}

impl ClauseSink for Cnf {
    fn new_var(&mut self) -> Var {
        self.num_vars += 1;
        Var(self.num_vars - 1)
    }

    fn add_clause(&mut self, lits: &[Lit]) {
        self.clauses.push(lits.to_vec());
    }
}
