//! The CaDiCaL backend, through the `cadical` crate (CaDiCaL's C++ compiled by the crate's build).
//!
//! The conflict limit is CaDiCaL's `conflicts` limit, which holds for the next solve call only;
//! when it runs out the call answers [`SolveResult::Unknown`].
//!
//! Conflicts are counted through CaDiCaL's learner callback: CaDiCaL derives one learnt clause
//! per conflict, and the callback sees each of them (the crate exposes no statistics otherwise).
//! A deadline ([`SatBackend::set_deadline`]) is checked in CaDiCaL's termination callback, so a
//! long call stops soon after it passes.

use std::time::Instant;

use super::{ClauseSink, Lit, SatBackend, SolveResult, Var};

/// Counts the clauses CaDiCaL learns (one per conflict) and stops the search at the deadline.
#[derive(Debug, Default)]
struct ConflictCounter {
    learnt: u64,
    deadline: Option<Instant>,
    /// Termination checks since the clock was last read.
    polls: u32,
}

/// CaDiCaL asks whether to terminate very often; the clock is read on every this many asks.
const POLLS_PER_CLOCK_READ: u32 = 64;

impl cadical::Callbacks for ConflictCounter {
    fn terminate(&mut self) -> bool {
        let Some(deadline) = self.deadline else {
            return false;
        };
        self.polls += 1;
        if self.polls < POLLS_PER_CLOCK_READ {
            return false;
        }
        self.polls = 0;
        Instant::now() >= deadline
    }

    fn max_length(&self) -> i32 {
        i32::MAX
    }

    fn learn(&mut self, _clause: &[i32]) {
        self.learnt += 1;
    }
}

/// A CaDiCaL solver behind [`SatBackend`].
pub struct CadicalBackend {
    solver: cadical::Solver<ConflictCounter>,
    /// The named configuration, kept for [`SatBackend::reset`].
    config: Option<String>,
    /// Kept for [`SatBackend::reset`].
    deadline: Option<Instant>,
    num_vars: u32,
    scratch: Vec<i32>,
}

impl std::fmt::Debug for CadicalBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CadicalBackend").field("num_vars", &self.num_vars).finish_non_exhaustive()
    }
}

impl Default for CadicalBackend {
    fn default() -> Self {
        CadicalBackend::new()
    }
}

impl CadicalBackend {
    /// An empty solver with CaDiCaL's default configuration.
    pub fn new() -> CadicalBackend {
        let mut solver = cadical::Solver::new();
        solver.set_callbacks(Some(ConflictCounter::default()));
        CadicalBackend { solver, config: None, deadline: None, num_vars: 0, scratch: Vec::new() }
    }

    /// An empty solver with one of CaDiCaL's named configurations (`default`, `plain`: no
    /// preprocessing or inprocessing, `sat`, `unsat`); `None` for an unknown name.
    pub fn with_config(config: &str) -> Option<CadicalBackend> {
        let mut solver = cadical::Solver::with_config(config).ok()?;
        solver.set_callbacks(Some(ConflictCounter::default()));
        Some(CadicalBackend {
            solver,
            config: Some(config.to_string()),
            deadline: None,
            num_vars: 0,
            scratch: Vec::new(),
        })
    }
}

fn to_cadical(lit: Lit) -> i32 {
    // Variables are created one by one by `new_var`; i32 overflow would need 2^31 variables,
    // far beyond memory for any circuit this tool loads.
    let v = lit.var().0 as i32 + 1;
    if lit.is_negative() {
        -v
    } else {
        v
    }
}

impl ClauseSink for CadicalBackend {
    fn new_var(&mut self) -> Var {
        self.num_vars += 1;
        Var(self.num_vars - 1)
    }

    fn add_clause(&mut self, lits: &[Lit]) {
        self.scratch.clear();
        self.scratch.extend(lits.iter().map(|&l| to_cadical(l)));
        self.solver.add_clause(self.scratch.iter().copied());
    }
}

impl SatBackend for CadicalBackend {
    fn name(&self) -> &'static str {
        "cadical"
    }

    fn solve(&mut self, assumptions: &[Lit], conflict_limit: Option<u32>) -> SolveResult {
        if let Some(limit) = conflict_limit {
            let limit = i32::try_from(limit).unwrap_or(i32::MAX);
            // "conflicts" is one of CaDiCaL's documented limits, so this cannot fail.
            self.solver.set_limit("conflicts", limit).expect("CaDiCaL knows the conflicts limit");
        }
        match self.solver.solve_with(assumptions.iter().map(|&l| to_cadical(l))) {
            Some(true) => SolveResult::Sat,
            Some(false) => SolveResult::Unsat,
            None => SolveResult::Unknown,
        }
    }

    fn reset(&mut self) {
        let deadline = self.deadline;
        // The configuration was accepted once, so it is accepted again.
        *self = match &self.config {
            Some(config) => CadicalBackend::with_config(config).unwrap_or_default(),
            None => CadicalBackend::new(),
        };
        self.set_deadline(deadline);
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        if let Some(counter) = self.solver.get_callbacks() {
            counter.deadline = deadline;
        }
    }

    fn supports_conflict_limit(&self) -> bool {
        true
    }

    fn conflicts(&mut self) -> u64 {
        self.solver.get_callbacks().map_or(0, |c| c.learnt)
    }

    fn value(&self, lit: Lit) -> bool {
        let dimacs = to_cadical(lit);
        // CaDiCaL only knows variables that occur in some clause; the others are free.
        if dimacs.abs() > self.solver.max_variable() {
            return lit.is_negative();
        }
        self.solver.value(dimacs).unwrap_or(false)
    }
}
