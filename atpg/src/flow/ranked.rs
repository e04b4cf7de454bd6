//! The ranker's hooks in the flow ([`FlowOptions::ranker`]): the order of the faults random
//! patterns missed, a cheap proof attempt for faults predicted untestable, and per-fault
//! conflict budgets.
//!
//! Only the faults the random phase missed are reordered: for the others the random phase has
//! measured what a prediction would guess (how late random vectors detect them), and
//! [`State::hard_first`] already orders them by it.

use super::{FaultStatus, FlowError, Phase, Progress, State};
use crate::fault::{CollapsedFaults, FaultUniverse};
use crate::rank::rank_faults;
use crate::sat::{SatBackend, TestGenerator, TestOutcome};

/// Faults whose predicted probability of being untestable is at least this get a cheap proof
/// attempt before the deterministic phase.
pub(super) const PROOF_THRESHOLD: f32 = 0.5;
/// Conflict limit of the cheap proof attempt.
pub(super) const PROOF_CONFLICTS: u32 = 100;

impl State<'_, '_> {
    /// Computes the ranking [`FlowOptions::ranker`] asks for and returns `order` with the
    /// faults random patterns missed (its leading part) sorted hardest first; ties keep list
    /// order.
    pub(super) fn ranked_order(
        &mut self,
        universe: &FaultUniverse,
        collapsed: &CollapsedFaults,
        order: Vec<usize>,
    ) -> Vec<usize> {
        self.ranking = rank_faults(&self.options.ranker, self.circuit, universe, collapsed);
        let Some(ranking) = &self.ranking else {
            return order;
        };
        let (mut missed, caught): (Vec<usize>, Vec<usize>) =
            order.into_iter().partition(|&f| self.labels[f].random_detection.is_none());
        missed.sort_by(|&a, &b| ranking.difficulty[b].total_cmp(&ranking.difficulty[a]));
        missed.extend(caught);
        missed
    }

    /// With a model: tries every open fault of `order` predicted untestable with
    /// [`PROOF_CONFLICTS`] conflicts first, most likely first. A proof settles the fault before
    /// dynamic compaction spends attempts on it; a test is grown and committed like any other;
    /// a fault that runs out stays open for the ordinary pass.
    pub(super) fn prove_predicted_untestable<B: SatBackend>(
        &mut self,
        generator: &mut TestGenerator<'_, B>,
        order: &[usize],
        progress: &dyn Progress,
    ) -> Result<(), FlowError> {
        let Some(untestable) = self.ranking.as_ref().and_then(|r| r.untestable.clone()) else {
            return Ok(());
        };
        let mut likely: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&f| {
                untestable[f] >= PROOF_THRESHOLD && self.status[f] == FaultStatus::Undetected
            })
            .collect();
        likely.sort_by(|&a, &b| untestable[b].total_cmp(&untestable[a]));
        progress.start(Phase::Deterministic, likely.len() as u64);
        let mut good = Vec::new();
        for (k, &target) in likely.iter().enumerate() {
            if k % 16 == 0 {
                progress.update(k as u64, self.detected);
            }
            if self.status[target] != FaultStatus::Undetected {
                continue;
            }
            if self.out_of_time() {
                break;
            }
            let before = generator.stats().sat_conflicts;
            let outcome =
                generator.generate_with_limit(self.faults[target], Some(PROOF_CONFLICTS))?;
            self.labels[target].sat_calls += 1;
            self.labels[target].sat_conflicts += generator.stats().sat_conflicts - before;
            match outcome {
                TestOutcome::Untestable => self.status[target] = FaultStatus::Untestable,
                TestOutcome::Aborted => {}
                TestOutcome::Detected(cube) => {
                    let cube = self.grow(generator, cube, target, order, &mut good)?;
                    self.commit(cube, target)?;
                }
            }
        }
        progress.finish();
        Ok(())
    }

    /// The conflict limit for `target` in `phase`: `None` keeps the generator's own limit.
    /// With a model, in the first pass, a fault predicted untestable gets four times
    /// [`FlowOptions::abort_limit`], so that a hard proof finishes on the warm solver instead of
    /// waiting for the second pass on a fresh one.
    pub(super) fn conflict_budget(&self, target: usize, phase: Phase) -> Option<u32> {
        let untestable = self.ranking.as_ref()?.untestable.as_ref()?;
        if phase != Phase::Deterministic {
            return None;
        }
        let limit = self.options.abort_limit;
        Some(if untestable[target] >= PROOF_THRESHOLD { limit.saturating_mul(4) } else { limit })
    }
}
