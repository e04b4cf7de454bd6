//! SAT-based test generation for stuck-at faults.
//!
//! Structure, in the order the data flows:
//! - this file: variables and literals ([`Var`], [`Lit`], ABC style: `2 * var + complement`),
//!   the [`ClauseSink`] every encoder writes to and the [`SatBackend`] trait a solver implements;
//! - [`cnf`]: [`Cnf`], a plain clause list (a sink for tests and DIMACS dumps);
//! - [`cone`]: the fanout cone of a fault, shared by the miter and the justifier;
//! - [`encode`]: the one Tseitin encoder of gates, two-valued where the inputs are known and
//!   dual-rail three-valued where an X source can reach (see below);
//! - [`varisat_backend`] and [`cadical_backend`]: the two solvers behind [`SatBackend`];
//! - [`generator`]: [`TestGenerator`], which encodes the good circuit cone by cone and, per fault, a
//!   guarded faulty copy of the fault's fanout cone, solves under assumptions and re-simulates
//!   every answer;
//! - [`justify`]: shrinks a model to the inputs the test needs (backward justification);
//! - [`sweep`]: SAT sweeping (structural hashing and proven node merging between the good and
//!   faulty circuits) for faults the generator gives up on.
//!
//! Unknown values: a `ConstX` node (an X source, e.g. an undriven net) is not a free variable.
//! Nodes an X source reaches are encoded in dual rail (`one`, `zero`; neither set = X) with the
//! same gate rules as the three-valued simulator, so a fault is called detected only where the
//! simulator, with every cared-for input known, sees a known good value and the opposite known
//! faulty value. A SAT answer therefore never relies on the value of an X, and every answer is
//! still re-simulated before it is believed.

pub mod cadical_backend;
pub mod cnf;
pub mod cone;
pub mod encode;
pub mod generator;
pub mod justify;
pub mod sweep;
pub mod varisat_backend;

pub use cadical_backend::CadicalBackend;
pub use cnf::Cnf;
pub use generator::{Cube, GeneratorStats, SatError, TestGenerator, TestOutcome};
pub use sweep::{sweep_fault, SweepOptions, SweepOutcome, SweepStats, Sweeper};
pub use varisat_backend::VarisatBackend;

use std::ops::Not;

/// A propositional variable, numbered from 0 in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

impl Var {
    /// The variable's index (its number).
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The literal of this variable with the given polarity (`true`: the variable itself).
    #[inline]
    pub fn lit(self, positive: bool) -> Lit {
        Lit(self.0 * 2 + u32::from(!positive))
    }

    /// The positive literal.
    #[inline]
    pub fn positive(self) -> Lit {
        self.lit(true)
    }
}

/// A literal: `2 * var + complement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lit(pub u32);

impl Lit {
    /// The literal's variable.
    #[inline]
    pub fn var(self) -> Var {
        Var(self.0 >> 1)
    }

    /// Whether the literal is the complement of its variable.
    #[inline]
    pub fn is_negative(self) -> bool {
        self.0 & 1 == 1
    }

    /// The literal in DIMACS numbering (variables from 1, negative for complements).
    #[inline]
    pub fn to_dimacs(self) -> i64 {
        let v = i64::from(self.var().0) + 1;
        if self.is_negative() {
            -v
        } else {
            v
        }
    }
}

impl Not for Lit {
    type Output = Lit;
    #[inline]
    fn not(self) -> Lit {
        Lit(self.0 ^ 1)
    }
}

/// Something clauses can be written to: a clause list or a live solver.
///
/// One encoder is written against this trait, so the CNF a test dumps is the CNF a solver gets.
pub trait ClauseSink {
    /// A fresh variable.
    fn new_var(&mut self) -> Var;
    /// Adds the disjunction of `lits` (the empty clause makes the formula unsatisfiable).
    fn add_clause(&mut self, lits: &[Lit]);
}

/// The answer of one [`SatBackend::solve`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveResult {
    /// Satisfiable under the assumptions; [`SatBackend::value`] reads the model.
    Sat,
    /// Unsatisfiable under the assumptions.
    Unsat,
    /// The conflict budget ran out (or the solver gave up) before an answer.
    Unknown,
}

/// An incremental SAT solver: clauses added stay, learnt clauses carry over between calls, and
/// each call solves under its own assumptions.
pub trait SatBackend: ClauseSink {
    /// A short name for reports (`varisat`, `cadical`).
    fn name(&self) -> &'static str;

    /// Solves the clauses added so far with `assumptions` held true. `conflict_limit`, where the
    /// backend supports it, bounds the conflicts of this call; past it the answer is
    /// [`SolveResult::Unknown`].
    fn solve(&mut self, assumptions: &[Lit], conflict_limit: Option<u32>) -> SolveResult;

    /// Drops every variable and clause (learnt ones too), keeping the configuration: the solver
    /// is as new.
    fn reset(&mut self);

    /// Whether this backend honours the conflict limit of [`SatBackend::solve`].
    fn supports_conflict_limit(&self) -> bool;

    /// Conflicts met by every call since the solver was made or last [`SatBackend::reset`], for
    /// reports; 0 where the backend does not say.
    fn conflicts(&mut self) -> u64 {
        0
    }

    /// Stops every later call soon after `deadline` (a wall-clock time limit); such a call
    /// answers [`SolveResult::Unknown`]. Backends that cannot interrupt a call ignore it.
    fn set_deadline(&mut self, _deadline: Option<std::time::Instant>) {}

    /// The value of `lit` in the model of the last call, which must have answered
    /// [`SolveResult::Sat`]. A variable the model leaves free reads as false.
    fn value(&self, lit: Lit) -> bool;
}
