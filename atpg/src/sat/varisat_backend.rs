//! The pure-Rust backend: varisat 0.2.
//!
//! varisat has no conflict budget and no interrupt in its public API (`solve` runs to the end),
//! so the conflict limit passed to [`SatBackend::solve`] is ignored and this backend never
//! answers [`SolveResult::Unknown`] except when the solver itself reports an error.

use varisat::ExtendFormula;

use super::{ClauseSink, Lit, SatBackend, SolveResult, Var};

/// A varisat solver behind [`SatBackend`].
pub struct VarisatBackend {
    solver: varisat::Solver<'static>,
    num_vars: u32,
    /// The last model, one value per variable.
    model: Vec<bool>,
    scratch: Vec<varisat::Lit>,
}

impl std::fmt::Debug for VarisatBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VarisatBackend").field("num_vars", &self.num_vars).finish_non_exhaustive()
    }
}

impl Default for VarisatBackend {
    fn default() -> Self {
        VarisatBackend::new()
    }
}

impl VarisatBackend {
    /// An empty solver.
    pub fn new() -> VarisatBackend {
        VarisatBackend {
            solver: varisat::Solver::new(),
            num_vars: 0,
            model: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

fn to_varisat(lit: Lit) -> varisat::Lit {
    varisat::Lit::from_index(lit.var().index(), !lit.is_negative())
}

impl ClauseSink for VarisatBackend {
    fn new_var(&mut self) -> Var {
        self.num_vars += 1;
        Var(self.num_vars - 1)
    }

    fn add_clause(&mut self, lits: &[Lit]) {
        self.scratch.clear();
        self.scratch.extend(lits.iter().map(|&l| to_varisat(l)));
        self.solver.add_clause(&self.scratch);
    }
}

impl SatBackend for VarisatBackend {
    fn name(&self) -> &'static str {
        "varisat"
    }

    fn solve(&mut self, assumptions: &[Lit], _conflict_limit: Option<u32>) -> SolveResult {
        self.scratch.clear();
        self.scratch.extend(assumptions.iter().map(|&l| to_varisat(l)));
        self.solver.assume(&self.scratch);
        match self.solver.solve() {
            Ok(true) => {
                self.model.clear();
                self.model.resize(self.num_vars as usize, false);
                for lit in self.solver.model().unwrap_or_default() {
                    if let Some(v) = self.model.get_mut(lit.index()) {
                        *v = lit.is_positive();
                    }
                }
                SolveResult::Sat
            }
            Ok(false) => SolveResult::Unsat,
            Err(_) => SolveResult::Unknown,
        }
    }

    fn reset(&mut self) {
        *self = VarisatBackend::new();
    }

    fn supports_conflict_limit(&self) -> bool {
        false
    }

    fn value(&self, lit: Lit) -> bool {
        self.model.get(lit.var().index()).copied().unwrap_or(false) != lit.is_negative()
    }
}
