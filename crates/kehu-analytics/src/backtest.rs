//! How good a churn score was: compare scores given at a past date with
//! what happened afterwards (issue 9, item 4).
//!
//! Each customer contributes a pair (risk score in 0..1, churned or not).
//!
//! - **Classification at a threshold**: a customer is *predicted* to churn
//!   when its score is at or above the threshold. Precision = TP / (TP + FP),
//!   recall = TP / (TP + FN), F1 = their harmonic mean; each is `None` when
//!   its denominator is zero.
//! - **ROC AUC**: the probability that a random churner scores above a
//!   random non-churner, ties counting one half; computed from ranks
//!   (Mann–Whitney U, tied scores get their average rank) in O(n log n).
//!   `None` when everyone churned or nobody did.
//! - **Calibration**: ten bins of the risk scale, [0, 0.1), [0.1, 0.2), …,
//!   [0.9, 1.0] (a score of 1 falls in the last), each with its count, mean
//!   predicted risk and observed churn rate. A calibrated score has the two
//!   close in every bin.

use serde::Serialize;

/// Counts and rates at one threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Confusion {
    /// The threshold: predicted churn when score ≥ threshold.
    pub threshold: f64,
    /// Predicted churn, churned.
    pub true_positives: usize,
    /// Predicted churn, stayed.
    pub false_positives: usize,
    /// Predicted to stay, churned.
    pub false_negatives: usize,
    /// Predicted to stay, stayed.
    pub true_negatives: usize,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / (TP + FN).
    pub recall: Option<f64>,
    /// 2PR / (P + R).
    pub f1: Option<f64>,
}

/// One bin of the calibration table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub from: f64,
    /// Upper edge (exclusive, except 1.0 for the last bin).
    pub to: f64,
    /// Customers whose score falls in the bin.
    pub count: usize,
    /// Their mean score; `None` for an empty bin.
    pub mean_predicted: Option<f64>,
    /// The share of them that churned; `None` for an empty bin.
    pub observed_rate: Option<f64>,
}

/// The whole backtest summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backtest {
    /// Customers scored.
    pub customers: usize,
    /// Of which churned.
    pub churned: usize,
    /// Classification at the threshold.
    pub confusion: Confusion,
    /// ROC AUC.
    pub roc_auc: Option<f64>,
    /// Ten bins of the risk scale.
    pub calibration: Vec<CalibrationBin>,
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Classification counts and rates at `threshold`.
pub fn confusion(pairs: &[(f64, bool)], threshold: f64) -> Confusion {
    let (mut tp, mut fp, mut fneg, mut tn) = (0, 0, 0, 0);
    for &(score, churned) in pairs {
        match (score >= threshold, churned) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => tn += 1,
        }
    }
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    Confusion {
        threshold,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        true_negatives: tn,
        precision,
        recall,
        f1,
    }
}

/// ROC AUC from ranks; `None` without both churners and stayers.
pub fn roc_auc(pairs: &[(f64, bool)]) -> Option<f64> {
    let positives = pairs.iter().filter(|p| p.1).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the (1-based, tie-averaged) ranks of the churners.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0.total_cmp(&sorted[i].0).is_eq() {
            j += 1;
        }
        let average_rank = (i + 1 + j) as f64 / 2.0;
        let churners = sorted[i..j].iter().filter(|p| p.1).count();
        rank_sum += average_rank * churners as f64;
        i = j;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// The calibration table over ten bins of the risk scale.
pub fn calibration(pairs: &[(f64, bool)]) -> Vec<CalibrationBin> {
    let mut sums = [(0usize, 0.0f64, 0usize); 10];
    for &(score, churned) in pairs {
        let bin = ((score.clamp(0.0, 1.0) * 10.0).floor() as usize).min(9);
        sums[bin].0 += 1;
        sums[bin].1 += score;
        sums[bin].2 += usize::from(churned);
    }
    sums.iter()
        .enumerate()
        .map(|(k, &(count, total, churned))| CalibrationBin {
            from: k as f64 / 10.0,
            to: (k + 1) as f64 / 10.0,
            count,
            mean_predicted: (count > 0).then(|| total / count as f64),
            observed_rate: ratio(churned, count),
        })
        .collect()
}

/// Everything at once.
pub fn backtest(pairs: &[(f64, bool)], threshold: f64) -> Backtest {
    Backtest {
        customers: pairs.len(),
        churned: pairs.iter().filter(|p| p.1).count(),
        confusion: confusion(pairs, threshold),
        roc_auc: roc_auc(pairs),
        calibration: calibration(pairs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_counts_and_rates() {
        let pairs = [
            (0.9, true),
            (0.7, false),
            (0.6, true),
            (0.2, true),
            (0.1, false),
        ];
        let c = confusion(&pairs, 0.6);
        assert_eq!(
            (
                c.true_positives,
                c.false_positives,
                c.false_negatives,
                c.true_negatives
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(c.precision, Some(2.0 / 3.0));
        assert_eq!(c.recall, Some(2.0 / 3.0));
        assert!((c.f1.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let none = confusion(&[(0.1, false)], 0.5);
        assert_eq!((none.precision, none.recall, none.f1), (None, None, None));
    }

    #[test]
    fn auc_matches_pair_counting() {
        let pairs = [
            (0.9, true),
            (0.8, false),
            (0.8, true),
            (0.5, false),
            (0.5, true),
            (0.3, false),
            (0.1, false),
        ];
        // Brute force: over churner × stayer pairs, 1 if churner higher, ½ if tied.
        let mut wins = 0.0;
        let mut total = 0.0;
        for a in pairs.iter().filter(|p| p.1) {
            for b in pairs.iter().filter(|p| !p.1) {
                total += 1.0;
                wins += if a.0 > b.0 {
                    1.0
                } else if a.0 == b.0 {
                    0.5
                } else {
                    0.0
                };
            }
        }
        assert!((roc_auc(&pairs).unwrap() - wins / total).abs() < 1e-12);
        assert_eq!(roc_auc(&[(0.5, true)]), None);
        assert_eq!(roc_auc(&[(0.9, true), (0.1, false)]), Some(1.0));
    }

    #[test]
    fn calibration_bins() {
        let pairs = [
            (0.05, false),
            (0.15, true),
            (0.95, true),
            (1.0, false),
            (0.91, true),
        ];
        let t = calibration(&pairs);
        assert_eq!(t.len(), 10);
        assert_eq!(t[0].count, 1);
        assert_eq!(t[0].observed_rate, Some(0.0));
        assert_eq!(t[5].count, 0);
        assert_eq!(t[5].mean_predicted, None);
        assert_eq!(t[9].count, 3);
        assert!((t[9].observed_rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let b = backtest(&pairs, 0.5);
        assert_eq!((b.customers, b.churned), (5, 3));
    }
}
