//! Gradient-boosted decision trees for a binary label (logistic loss, Newton leaves), written
//! out here rather than pulled in: the model is a few hundred small trees over a few dozen
//! features, and the crates that train such models bring BLAS or a C++ build with them.
//!
//! Training bins every feature into at most [`GbtParams::bins`] quantile bins, grows each tree
//! level by level from gradient/hessian histograms (one pass over the samples per level), and
//! stores the split as a plain threshold on the feature value, so prediction needs no bins.
//! Training is deterministic: no sampling, ties broken by feature and bin order.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GbtParams {
    /// Number of trees.
    pub trees: usize,
    /// Depth of each tree (number of split levels).
    pub depth: usize,
    /// Shrinkage applied to every leaf.
    pub learning_rate: f64,
    /// L2 regularisation of leaf values.
    pub lambda: f64,
    /// Smallest hessian sum a child may have.
    pub min_child_weight: f64,
    /// Quantile bins per feature (at most 255).
    pub bins: usize,
}

impl Default for GbtParams {
    fn default() -> Self {
        GbtParams {
            trees: 40,
            depth: 4,
            learning_rate: 0.2,
            lambda: 1.0,
            min_child_weight: 2.0,
            bins: 32,
        }
    }
}

/// One node of a tree: a split (`x[feature] <= threshold` goes left) or a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// An inner node.
    Split {
        /// Feature index.
        feature: u32,
        /// Values at most this go to `left`.
        threshold: f32,
        /// Index of the left child in the tree's node list.
        left: u32,
        /// Index of the right child.
        right: u32,
    },
    /// A leaf: its contribution to the log-odds (shrinkage applied).
    Leaf {
        /// The value.
        value: f64,
    },
}

/// A trained ensemble: `sigmoid(base + sum of the leaves reached)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gbt {
    /// Log-odds of the training label rate.
    pub base: f64,
    /// Trees, each a node list with the root first.
    pub trees: Vec<Vec<Node>>,
}

/// Logistic function.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Gbt {
    /// Log-odds of the label for one feature row.
    pub fn margin(&self, row: &[f32]) -> f64 {
        let mut sum = self.base;
        for tree in &self.trees {
            let mut at = 0usize;
            loop {
                match tree.get(at) {
                    Some(Node::Split { feature, threshold, left, right }) => {
                        let x = row.get(*feature as usize).copied().unwrap_or(0.0);
                        at = if x <= *threshold { *left } else { *right } as usize;
                    }
                    Some(Node::Leaf { value }) => {
                        sum += value;
                        break;
                    }
                    None => break,
                }
            }
        }
        sum
    }

    /// Probability of the label for one feature row.
    pub fn predict(&self, row: &[f32]) -> f64 {
        sigmoid(self.margin(row))
    }

    /// Checks that every split names a feature below `features` and every child index is
    /// inside its tree and after its parent (so prediction terminates).
    pub fn validate(&self, features: usize) -> Result<(), String> {
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.is_empty() {
                return Err(format!("tree {t} has no nodes"));
            }
            for (k, node) in tree.iter().enumerate() {
                if let Node::Split { feature, left, right, threshold } = node {
                    if *feature as usize >= features {
                        return Err(format!("tree {t} node {k}: feature {feature} out of range"));
                    }
                    if threshold.is_nan() {
                        return Err(format!("tree {t} node {k}: threshold is not a number"));
                    }
                    for child in [*left, *right] {
                        if child as usize <= k || child as usize >= tree.len() {
                            return Err(format!("tree {t} node {k}: child {child} out of range"));
                        }
                    }
                }
            }
        }
        if !self.base.is_finite() {
            return Err("base is not finite".into());
        }
        Ok(())
    }

    /// Trains on `rows` (row-major, `features` values per sample) with labels `labels`.
    pub fn train(rows: &[f32], features: usize, labels: &[bool], params: &GbtParams) -> Gbt {
        let n = labels.len();
        assert_eq!(rows.len(), n * features, "one row of features per label");
        let positive = labels.iter().filter(|&&l| l).count() as f64;
        // Clamped so that a label that never (or always) occurs still gives a finite base.
        let rate = ((positive + 0.5) / (n as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
        let base = (rate / (1.0 - rate)).ln();
        let mut gbt = Gbt { base, trees: Vec::with_capacity(params.trees) };
        if n == 0 {
            return gbt;
        }
        let bins = params.bins.clamp(2, 255);
        // Per feature: thresholds (upper edges of bins) and the bin of every sample.
        let (edges, binned): (Vec<Vec<f32>>, Vec<Vec<u8>>) = (0..features)
            .into_par_iter()
            .map(|f| {
                let mut column: Vec<f32> = (0..n).map(|i| rows[i * features + f]).collect();
                let values = column.clone();
                column.sort_unstable_by(f32::total_cmp);
                let mut edges: Vec<f32> =
                    (1..bins).map(|b| column[(b * n / bins).min(n - 1)]).collect();
                edges.dedup();
                // The top edge would send nothing right; drop it.
                if edges.last() == column.last() {
                    edges.pop();
                }
                let bin: Vec<u8> =
                    values.iter().map(|x| edges.partition_point(|e| e < x) as u8).collect();
                (edges, bin)
            })
            .unzip();
        let mut margin = vec![base; n];
        let mut grad = vec![0.0f64; n];
        let mut hess = vec![0.0f64; n];
        let mut node_of = vec![0u32; n];
        for _ in 0..params.trees {
            for i in 0..n {
                let p = sigmoid(margin[i]);
                grad[i] = p - f64::from(u8::from(labels[i]));
                hess[i] = (p * (1.0 - p)).max(1e-12);
            }
            node_of.iter_mut().for_each(|x| *x = 0);
            let tree = grow_tree(&edges, &binned, &grad, &hess, &mut node_of, params, bins);
            for i in 0..n {
                if let Node::Leaf { value } = tree[node_of[i] as usize] {
                    margin[i] += value;
                }
            }
            gbt.trees.push(tree);
        }
        gbt
    }
}

/// Grows one tree; on return `node_of[i]` is the leaf sample `i` fell into.
fn grow_tree(
    edges: &[Vec<f32>],
    binned: &[Vec<u8>],
    grad: &[f64],
    hess: &[f64],
    node_of: &mut [u32],
    params: &GbtParams,
    bins: usize,
) -> Vec<Node> {
    let (g_all, h_all) = (grad.iter().sum::<f64>(), hess.iter().sum::<f64>());
    let mut tree = vec![Node::Leaf { value: 0.0 }];
    // (node index, gradient sum, hessian sum) of the nodes still to split.
    let mut frontier: Vec<(u32, f64, f64)> = vec![(0, g_all, h_all)];
    let leaf =
        |g: f64, h: f64| Node::Leaf { value: -params.learning_rate * g / (h + params.lambda) };
    for _ in 0..params.depth {
        if frontier.is_empty() {
            break;
        }
        // Slot of each frontier node in the histograms.
        let mut slot = vec![u32::MAX; tree.len()];
        for (s, &(node, _, _)) in frontier.iter().enumerate() {
            slot[node as usize] = s as u32;
        }
        let width = bins;
        // Per sample: its frontier slot, and where its gradients go (one pass per feature).
        let sample_slot: Vec<u32> = node_of.iter().map(|&at| slot[at as usize]).collect();
        let histograms: Vec<Vec<(f64, f64)>> = binned
            .par_iter()
            .map(|bin| {
                let mut h = vec![(0.0, 0.0); frontier.len() * width];
                for ((&s, &b), (&g, &hs)) in
                    sample_slot.iter().zip(bin.iter()).zip(grad.iter().zip(hess.iter()))
                {
                    if s != u32::MAX {
                        let e = &mut h[s as usize * width + b as usize];
                        e.0 += g;
                        e.1 += hs;
                    }
                }
                h
            })
            .collect();
        let mut next = Vec::new();
        // Per frontier node: the chosen split (feature, bin) or none.
        let mut chosen: Vec<Option<(usize, usize)>> = vec![None; frontier.len()];
        for (s, &(node, g, h)) in frontier.iter().enumerate() {
            let parent = g * g / (h + params.lambda);
            let mut best: Option<(f64, usize, usize, f64, f64)> = None;
            for (f, hist) in histograms.iter().enumerate() {
                let (mut gl, mut hl) = (0.0, 0.0);
                for b in 0..edges[f].len() {
                    let e = hist[s * width + b];
                    gl += e.0;
                    hl += e.1;
                    let (gr, hr) = (g - gl, h - hl);
                    if hl < params.min_child_weight || hr < params.min_child_weight {
                        continue;
                    }
                    let gain =
                        gl * gl / (hl + params.lambda) + gr * gr / (hr + params.lambda) - parent;
                    if gain > 1e-9 && best.is_none_or(|b| gain > b.0) {
                        best = Some((gain, f, b, gl, hl));
                    }
                }
            }
            match best {
                Some((_, f, b, gl, hl)) => {
                    let left = tree.len() as u32;
                    tree.push(leaf(gl, hl));
                    tree.push(leaf(g - gl, h - hl));
                    tree[node as usize] = Node::Split {
                        feature: f as u32,
                        threshold: edges[f][b],
                        left,
                        right: left + 1,
                    };
                    next.push((left, gl, hl));
                    next.push((left + 1, g - gl, h - hl));
                    chosen[s] = Some((f, b));
                }
                None => tree[node as usize] = leaf(g, h),
            }
        }
        for (i, at) in node_of.iter_mut().enumerate() {
            let s = slot[*at as usize];
            if s == u32::MAX {
                continue;
            }
            if let (Some((f, b)), Node::Split { left, right, .. }) =
                (chosen[s as usize], &tree[*at as usize])
            {
                *at = if (binned[f][i] as usize) <= b { *left } else { *right };
            }
        }
        frontier = next;
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_threshold_and_an_interaction() {
        // Label: x0 > 0.5 xor x1 > 0.5 (needs depth 2), x2 is noise.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        for _ in 0..4000 {
            let (a, b, c) = (next(), next(), next());
            rows.extend([a, b, c]);
            labels.push((a > 0.5) != (b > 0.5));
        }
        let gbt = Gbt::train(&rows, 3, &labels, &GbtParams { trees: 30, ..GbtParams::default() });
        gbt.validate(3).expect("a trained model is valid");
        let correct = (0..labels.len())
            .filter(|&i| (gbt.predict(&rows[i * 3..i * 3 + 3]) > 0.5) == labels[i])
            .count();
        assert!(correct > 3900, "{correct} of 4000 right");
        // Round trip through JSON keeps the trees and every prediction (serde_json's default
        // float parsing may differ from the written value in the last bit).
        let text = serde_json::to_string(&gbt).expect("serialises");
        let back: Gbt = serde_json::from_str(&text).expect("parses");
        assert_eq!(back.trees.len(), gbt.trees.len());
        for i in 0..labels.len() {
            let row = &rows[i * 3..i * 3 + 3];
            assert!((back.predict(row) - gbt.predict(row)).abs() < 1e-12);
        }
    }

    #[test]
    fn constant_labels_give_a_finite_model() {
        let rows = vec![1.0f32; 10];
        let gbt = Gbt::train(&rows, 1, &[false; 10], &GbtParams::default());
        gbt.validate(1).expect("valid");
        assert!(gbt.predict(&[1.0]) < 0.1);
    }

    #[test]
    fn validate_rejects_cycles_and_bad_features() {
        let looped = Gbt {
            base: 0.0,
            trees: vec![vec![Node::Split { feature: 0, threshold: 0.0, left: 0, right: 0 }]],
        };
        assert!(looped.validate(1).is_err());
        let far = Gbt {
            base: 0.0,
            trees: vec![vec![
                Node::Split { feature: 7, threshold: 0.0, left: 1, right: 2 },
                Node::Leaf { value: 0.0 },
                Node::Leaf { value: 0.0 },
            ]],
        };
        assert!(far.validate(1).is_err());
    }
}
