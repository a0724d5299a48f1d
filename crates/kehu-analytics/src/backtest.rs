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
//! - **Calibration**: the customers in ten deciles of predicted risk (sorted
//!   by score, lowest first, each decile a tenth of them; tied scores stay in
//!   one decile, the lower), each with its count, score range, mean
//!   predicted risk and observed churn rate. A calibrated score has the two
//!   close in every decile. With fewer than ten customers some deciles are
//!   empty.

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

/// One decile of the calibration table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// The decile, 1 (lowest predicted risk) to 10.
    pub decile: u8,
    /// The lowest score in the decile; `None` when it is empty.
    pub from: Option<f64>,
    /// The highest score in the decile; `None` when it is empty.
    pub to: Option<f64>,
    /// Customers in the decile.
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
    /// Ten deciles of predicted risk.
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

/// The calibration table over ten deciles of predicted risk.
pub fn calibration(pairs: &[(f64, bool)]) -> Vec<CalibrationBin> {
    let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = sorted.len();
    // (count, sum of scores, churned, lowest, highest) per decile.
    let mut sums = [(0usize, 0.0f64, 0usize, f64::INFINITY, f64::NEG_INFINITY); 10];
    let mut tie_start = 0;
    for (rank, &(score, churned)) in sorted.iter().enumerate() {
        if rank > 0 && sorted[rank - 1].0.total_cmp(&score).is_ne() {
            tie_start = rank;
        }
        let decile = (tie_start * 10 / n).min(9);
        let d = &mut sums[decile];
        d.0 += 1;
        d.1 += score;
        d.2 += usize::from(churned);
        d.3 = d.3.min(score);
        d.4 = d.4.max(score);
    }
    sums.iter()
        .zip(1u8..)
        .map(
            |(&(count, total, churned, low, high), decile)| CalibrationBin {
                decile,
                from: (count > 0).then_some(low),
                to: (count > 0).then_some(high),
                count,
                mean_predicted: (count > 0).then(|| total / count as f64),
                observed_rate: ratio(churned, count),
            },
        )
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
    fn calibration_deciles() {
        let pairs = [
            (0.05, false),
            (0.15, true),
            (0.95, true),
            (1.0, false),
            (0.91, true),
        ];
        // Five customers: ranks 0..4 fall in deciles 1, 3, 5, 7, 9.
        let t = calibration(&pairs);
        assert_eq!(t.len(), 10);
        let counts: Vec<usize> = t.iter().map(|d| d.count).collect();
        assert_eq!(counts, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
        assert_eq!(
            (t[0].decile, t[0].from, t[0].to),
            (1, Some(0.05), Some(0.05))
        );
        assert_eq!(t[0].observed_rate, Some(0.0));
        assert_eq!((t[1].from, t[1].mean_predicted), (None, None));
        assert_eq!((t[8].decile, t[8].observed_rate), (9, Some(0.0)));
        // A thousand customers: a hundred per decile, the riskiest churn.
        let many: Vec<(f64, bool)> = (0..1000)
            .map(|i| (f64::from(i) / 1000.0, i >= 900))
            .collect();
        let t = calibration(&many);
        assert!(t.iter().all(|d| d.count == 100));
        assert_eq!(t[9].observed_rate, Some(1.0));
        assert_eq!(t[8].observed_rate, Some(0.0));
        assert_eq!((t[9].from, t[9].to), (Some(0.9), Some(0.999)));
        // Ties stay together, in the lower decile.
        let tied = calibration(&[(0.5, true); 20]);
        assert_eq!(tied[0].count, 20);
        let b = backtest(&pairs, 0.5);
        assert_eq!((b.customers, b.churned), (5, 3));
    }
}
