//! L2-regularised logistic regression, the linear alternative to [`super::gbt`]: `atpg train
//! --kind logistic` trains it so that the choice of model type rests on a measurement
//! (`scripts/rank_eval.py` compares both, leave one circuit out, in RANKER.md).
//!
//! Many features are counts or SCOAP values spread over orders of magnitude, which a linear
//! model cannot use raw; each value is therefore mapped through `sign(x) * ln(1 + |x|)` and then
//! standardised with the training set's mean and deviation, both stored in the model so that
//! prediction applies the same transform. Training is Newton's method (iteratively reweighted
//! least squares, with step halving when a full step would raise the objective) on the
//! penalised log-likelihood: a few dozen features make the Hessian a small
//! dense matrix, solved by Cholesky; the penalty keeps it positive definite, so every step is
//! defined, and the result is deterministic.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Samples per parallel chunk of a Newton step.
const CHUNK: usize = 4096;

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// L2 penalty on the weights (not the bias), in units of the per-sample log-likelihood
    /// (the objective is the mean log loss plus `l2 / 2 * |w|^2`).
    pub l2: f64,
    /// Most Newton steps.
    pub iterations: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams { l2: 1e-4, iterations: 50 }
    }
}

/// A trained model: `sigmoid(bias + sum_k weights[k] * z_k)` where
/// `z_k = (slog(x_k) - mean[k]) / scale[k]` and `slog(x) = sign(x) * ln(1 + |x|)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Mean of each transformed feature over the training set.
    pub mean: Vec<f64>,
    /// Standard deviation of each transformed feature (1 where the feature is constant).
    pub scale: Vec<f64>,
    /// Weight of each standardised feature.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
}

/// Logistic function.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The signed logarithm every feature goes through.
fn slog(x: f32) -> f64 {
    let x = f64::from(x);
    x.signum() * x.abs().ln_1p()
}

impl Logistic {
    /// Log-odds of the label for one feature row.
    pub fn margin(&self, row: &[f32]) -> f64 {
        let mut sum = self.bias;
        for (k, &w) in self.weights.iter().enumerate() {
            let x = row.get(k).copied().unwrap_or(0.0);
            sum += w * (slog(x) - self.mean[k]) / self.scale[k];
        }
        sum
    }

    /// Probability of the label for one feature row.
    pub fn predict(&self, row: &[f32]) -> f64 {
        sigmoid(self.margin(row))
    }

    /// Checks that the model has `features` finite coefficients and positive scales.
    pub fn validate(&self, features: usize) -> Result<(), String> {
        for (name, v) in [("mean", &self.mean), ("scale", &self.scale), ("weights", &self.weights)]
        {
            if v.len() != features {
                return Err(format!("{name} has {} values, expected {features}", v.len()));
            }
            if let Some(k) = v.iter().position(|x| !x.is_finite()) {
                return Err(format!("{name}[{k}] is not finite"));
            }
        }
        if let Some(k) = self.scale.iter().position(|&s| s <= 0.0) {
            return Err(format!("scale[{k}] is not positive"));
        }
        if !self.bias.is_finite() {
            return Err("bias is not finite".into());
        }
        Ok(())
    }

    /// Trains on `rows` (row-major, `features` values per sample) with labels `labels`.
    pub fn train(
        rows: &[f32],
        features: usize,
        labels: &[bool],
        params: &LogisticParams,
    ) -> Logistic {
        let n = labels.len();
        assert_eq!(rows.len(), n * features, "one row of features per label");
        // Standardised design matrix, built once.
        let mut mean = vec![0.0f64; features];
        let mut scale = vec![0.0f64; features];
        for i in 0..n {
            for k in 0..features {
                mean[k] += slog(rows[i * features + k]);
            }
        }
        let count = n.max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= count);
        for i in 0..n {
            for k in 0..features {
                let d = slog(rows[i * features + k]) - mean[k];
                scale[k] += d * d;
            }
        }
        for s in &mut scale {
            *s = (*s / count).sqrt();
            if !s.is_normal() || *s < 1e-9 {
                *s = 1.0;
            }
        }
        // Column `features` of each row is the constant 1 of the bias.
        let dim = features + 1;
        let z: Vec<f64> = (0..n)
            .flat_map(|i| {
                let (mean, scale) = (&mean, &scale);
                (0..features)
                    .map(move |k| (slog(rows[i * features + k]) - mean[k]) / scale[k])
                    .chain(std::iter::once(1.0))
            })
            .collect();
        let positive = labels.iter().filter(|&&l| l).count() as f64;
        let rate = ((positive + 0.5) / (n as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
        let mut beta = vec![0.0f64; dim];
        beta[features] = (rate / (1.0 - rate)).ln();
        let penalty = params.l2.max(1e-9);
        for _ in 0..params.iterations {
            // Gradient and Hessian (lower triangle) of the mean loss, summed over fixed chunks of
            // samples in parallel and then in chunk order, so the result does not depend on the
            // number of threads.
            let partial: Vec<(Vec<f64>, Vec<f64>)> = z
                .par_chunks(dim * CHUNK)
                .zip(labels.par_chunks(CHUNK))
                .map(|(zs, ls)| {
                    let mut grad = vec![0.0f64; dim];
                    let mut hess = vec![0.0f64; dim * dim];
                    for (zi, &label) in zs.chunks_exact(dim).zip(ls) {
                        let p = sigmoid(zi.iter().zip(&beta).map(|(a, b)| a * b).sum());
                        let r = p - f64::from(u8::from(label));
                        let w = (p * (1.0 - p)).max(1e-12);
                        for a in 0..dim {
                            grad[a] += r * zi[a];
                            let wa = w * zi[a];
                            for b in 0..=a {
                                hess[a * dim + b] += wa * zi[b];
                            }
                        }
                    }
                    (grad, hess)
                })
                .collect();
            let mut grad = vec![0.0f64; dim];
            let mut hess = vec![0.0f64; dim * dim];
            for (g, h) in &partial {
                grad.iter_mut().zip(g).for_each(|(a, b)| *a += b / count);
                hess.iter_mut().zip(h).for_each(|(a, b)| *a += b / count);
            }
            for k in 0..features {
                grad[k] += penalty * beta[k];
                hess[k * dim + k] += penalty;
            }
            // The bias is not penalised; a tiny ridge keeps a constant label's Hessian definite.
            hess[features * dim + features] += 1e-9;
            let Some(step) = cholesky_solve(&mut hess, &grad, dim) else { break };
            let step = damped(&z, labels, &beta, step, penalty, features);
            let mut largest = 0.0f64;
            for (b, s) in beta.iter_mut().zip(&step) {
                *b -= s;
                largest = largest.max(s.abs());
            }
            if largest < 1e-8 {
                break;
            }
        }
        let bias = beta.pop().expect("dim is features + 1");
        Logistic { mean, scale, weights: beta, bias }
    }
}

/// The training objective at `beta` (weights, then the bias): the mean log loss over the
/// standardised rows `z` (each ending in the bias column) plus `penalty / 2 * |weights|^2`,
/// summed over the same fixed chunks as the Newton step.
fn objective(z: &[f64], labels: &[bool], beta: &[f64], penalty: f64, features: usize) -> f64 {
    let dim = features + 1;
    let partial: Vec<f64> = z
        .par_chunks(dim * CHUNK)
        .zip(labels.par_chunks(CHUNK))
        .map(|(zs, ls)| {
            zs.chunks_exact(dim)
                .zip(ls)
                .map(|(zi, &label)| {
                    let m: f64 = zi.iter().zip(beta).map(|(a, b)| a * b).sum();
                    // log(1 + e^m) - y m, without overflow.
                    m.max(0.0) + (-m.abs()).exp().ln_1p() - if label { m } else { 0.0 }
                })
                .sum()
        })
        .collect();
    let loss = partial.iter().sum::<f64>() / labels.len().max(1) as f64;
    loss + penalty / 2.0 * beta[..features].iter().map(|w| w * w).sum::<f64>()
}

/// `step` (to be subtracted from `beta`), halved until it does not raise the objective: Newton
/// steps are taken whole unless they would (possible far from the optimum on nearly separable
/// data). A step still raising it after 30 halvings becomes zero, which ends the training.
fn damped(
    z: &[f64],
    labels: &[bool],
    beta: &[f64],
    mut step: Vec<f64>,
    penalty: f64,
    features: usize,
) -> Vec<f64> {
    let current = objective(z, labels, beta, penalty, features);
    for _ in 0..=30 {
        let tried: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - s).collect();
        if objective(z, labels, &tried, penalty, features) <= current {
            return step;
        }
        step.iter_mut().for_each(|s| *s *= 0.5);
    }
    vec![0.0; step.len()]
}

/// Solves `A x = b` for symmetric positive definite `A` given by its lower triangle (row-major,
/// `dim` x `dim`, overwritten by its Cholesky factor). `None` if `A` is not positive definite.
fn cholesky_solve(a: &mut [f64], b: &[f64], dim: usize) -> Option<Vec<f64>> {
    for j in 0..dim {
        let mut d = a[j * dim + j];
        for k in 0..j {
            d -= a[j * dim + k] * a[j * dim + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * dim + j] = d;
        for i in j + 1..dim {
            let mut s = a[i * dim + j];
            for k in 0..j {
                s -= a[i * dim + k] * a[j * dim + k];
            }
            a[i * dim + j] = s / d;
        }
    }
    // L y = b, then L^T x = y.
    let mut y = b.to_vec();
    for i in 0..dim {
        for k in 0..i {
            y[i] -= a[i * dim + k] * y[k];
        }
        y[i] /= a[i * dim + i];
    }
    for i in (0..dim).rev() {
        for k in i + 1..dim {
            y[i] -= a[k * dim + i] * y[k];
        }
        y[i] /= a[i * dim + i];
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(state: &mut u64) -> f32 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*state >> 40) as f32 / (1u64 << 24) as f32
    }

    #[test]
    fn recovers_a_linear_rule_on_wide_ranging_features() {
        // Label: a noisy rule, linear in the model's transformed space, over a count spread
        // across six decades (the shape of SCOAP features), a second informative feature in
        // [0, 1], and a noise feature. (A rule linear in the raw second feature would be
        // mis-specified, and logistic regression shrinks the other weights when it is.)
        let mut state = 99u64;
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..5000 {
            let count = 10f32.powf(6.0 * lcg(&mut state));
            let b = lcg(&mut state);
            let noise = lcg(&mut state);
            let logit = 1.5 * (count.ln_1p() - 7.0) - 6.0 * (b.ln_1p() - 0.4);
            labels.push(f64::from(lcg(&mut state)) < sigmoid(f64::from(logit)));
            rows.extend([count, b, noise]);
        }
        // A near-separable label makes the loss flat, so even a small penalty shrinks the
        // weights visibly: fit almost unpenalised to check the estimate, then check shrinkage.
        let params = LogisticParams { l2: 1e-7, ..LogisticParams::default() };
        let model = Logistic::train(&rows, 3, &labels, &params);
        model.validate(3).expect("a trained model is valid");
        // Coefficients in original units: the count's weight per unit of ln(1 + x).
        let w_count = model.weights[0] / model.scale[0];
        assert!((w_count - 1.5).abs() < 0.2, "count weight {w_count}");
        assert!(model.weights[1] < 0.0, "second feature pushes the label down");
        assert!(model.weights[2].abs() < 0.1, "noise weight {}", model.weights[2]);
        let scores: Vec<f32> =
            (0..labels.len()).map(|i| model.predict(&rows[i * 3..i * 3 + 3]) as f32).collect();
        let auc = super::super::metrics::roc_auc(&scores, &labels).expect("both classes");
        assert!(auc > 0.9, "{auc}");
        let strong = LogisticParams { l2: 0.1, ..params };
        let shrunk = Logistic::train(&rows, 3, &labels, &strong);
        assert!(shrunk.weights[0].abs() < 0.8 * model.weights[0].abs(), "{shrunk:?}");
        let text = serde_json::to_string(&model).expect("serialises");
        let back: Logistic = serde_json::from_str(&text).expect("parses");
        for i in 0..100 {
            let row = &rows[i * 3..i * 3 + 3];
            assert!((back.predict(row) - model.predict(row)).abs() < 1e-12);
        }
    }

    #[test]
    fn overshooting_steps_are_halved_until_the_objective_falls() {
        // One feature column plus the bias column; labels follow the feature's sign.
        let z: Vec<f64> = [-2.0, -1.0, 1.0, 2.0].iter().flat_map(|&x| [x, 1.0]).collect();
        let labels = [false, false, true, true];
        let beta = [0.0, 0.0];
        let before = objective(&z, &labels, &beta, 0.1, 1);
        // A step in the wrong direction, far too long: halving brings it down to nothing.
        let step = damped(&z, &labels, &beta, vec![50.0, 0.0], 0.1, 1);
        let after: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - s).collect();
        assert!(objective(&z, &labels, &after, 0.1, 1) <= before);
        assert_eq!(step, [0.0, 0.0], "no halving of a wrong-way step helps: none is taken");
        // A good but too long step is halved until it helps.
        let long = damped(&z, &labels, &beta, vec![-400.0, 0.0], 0.1, 1);
        assert!(long[0] < 0.0 && long[0] > -400.0, "{long:?}");
        let after: Vec<f64> = beta.iter().zip(&long).map(|(b, s)| b - s).collect();
        assert!(objective(&z, &labels, &after, 0.1, 1) <= before);
        // A good step is taken whole.
        assert_eq!(damped(&z, &labels, &beta, vec![-1.0, 0.0], 0.1, 1), [-1.0, 0.0]);
    }

    #[test]
    fn separable_labels_train_to_a_finite_perfect_ranking() {
        // Label: x > 100, exactly, with almost no penalty: the likelihood has no maximum, so
        // the weights grow with every step; the model must stay finite and rank perfectly.
        let mut state = 7u64;
        let rows: Vec<f32> = (0..2000).map(|_| 10f32.powf(4.0 * lcg(&mut state))).collect();
        let labels: Vec<bool> = rows.iter().map(|&x| x > 100.0).collect();
        let params = LogisticParams { l2: 1e-9, iterations: 50 };
        let model = Logistic::train(&rows, 1, &labels, &params);
        model.validate(1).expect("finite");
        let scores: Vec<f32> = rows.iter().map(|x| model.predict(&[*x]) as f32).collect();
        let auc = super::super::metrics::roc_auc(&scores, &labels).expect("both classes");
        assert_eq!(auc, 1.0);
    }

    #[test]
    fn constant_labels_and_constant_features_stay_finite() {
        let rows = vec![3.0f32; 20];
        let model = Logistic::train(&rows, 2, &[true; 10], &LogisticParams::default());
        model.validate(2).expect("valid");
        assert!(model.predict(&[3.0, 3.0]) > 0.9);
        let empty = Logistic::train(&[], 2, &[], &LogisticParams::default());
        empty.validate(2).expect("valid");
    }

    #[test]
    fn validate_rejects_bad_shapes_and_values() {
        let good = Logistic { mean: vec![0.0], scale: vec![1.0], weights: vec![0.5], bias: 0.0 };
        good.validate(1).expect("valid");
        assert!(good.validate(2).is_err());
        let zero = Logistic { scale: vec![0.0], ..good.clone() };
        assert!(zero.validate(1).is_err());
        let nan = Logistic { weights: vec![f64::NAN], ..good };
        assert!(nan.validate(1).is_err());
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        // A = [[4, 2], [2, 3]], b = [2, 1] -> x = [0.5, 0].
        let mut a = vec![4.0, 0.0, 2.0, 3.0];
        let x = cholesky_solve(&mut a, &[2.0, 1.0], 2).expect("positive definite");
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
        let mut singular = vec![1.0, 0.0, 1.0, 1.0];
        assert!(cholesky_solve(&mut singular, &[1.0, 1.0], 2).is_none());
    }
}
