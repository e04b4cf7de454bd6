//! Ranking metrics: ROC AUC and precision/recall of the top-scored faults.

/// ROC AUC of `scores` for `labels` (higher score = more likely positive): the probability
/// that a random positive scores above a random negative, ties counting half. `None` when
/// either class is empty.
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    assert_eq!(scores.len(), labels.len(), "one score per label");
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Mann-Whitney U with average ranks over ties.
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Precision and recall when the `count` highest-scored items are called positive (ties at
/// the cut broken by index). Precision is `None` when `count` is 0, recall when there are no
/// positives.
pub fn precision_recall_top(
    scores: &[f32],
    labels: &[bool],
    count: usize,
) -> (Option<f64>, Option<f64>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let count = count.min(order.len());
    let hits = order[..count].iter().filter(|&&k| labels[k]).count() as f64;
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    ((count > 0).then(|| hits / count as f64), (positives > 0.0).then(|| hits / positives))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_reversed_and_tied_scores() {
        let labels = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &labels), Some(0.5));
        // One positive above one of two negatives: 0.5 + ... by hand: pairs (p,n) won = 3 of 4.
        assert_eq!(roc_auc(&[0.1, 0.6, 0.5, 0.9], &labels), Some(0.75));
        assert_eq!(roc_auc(&[0.1, 0.2], &[false, false]), None);
    }

    #[test]
    fn precision_recall_of_the_top() {
        let labels = [true, false, true, false];
        let scores = [0.9, 0.8, 0.1, 0.0];
        assert_eq!(precision_recall_top(&scores, &labels, 1), (Some(1.0), Some(0.5)));
        assert_eq!(precision_recall_top(&scores, &labels, 2), (Some(0.5), Some(0.5)));
        assert_eq!(precision_recall_top(&scores, &labels, 0), (None, Some(0.0)));
    }
}
