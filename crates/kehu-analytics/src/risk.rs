//! Churn risk in 0..1 from weighted signals, with reasons (issue 9, item 3).
//!
//! Each signal is a number in 0..1 (1 = strongest sign of churn):
//!
//! | signal | value |
//! | --- | --- |
//! | `alive` | 1 − P(alive) from BG/NBD |
//! | `gap` | days since the last order against the customer's typical gap g (days between its orders, [`typical_gap_days`]): `clamp((days − g) / (2g), 0, 1)` — 0 up to one gap, 1 at three gaps or more |
//! | `downgrade` | 1 when the tier or pipeline grade fell in the last 90 days (from history), else 0 |
//! | `overdue` | 1 when the follow-up is overdue (the agenda's computation), else 0 |
//! | `satisfaction` | drop between the previous and the latest survey, two points = 1: `clamp((previous − latest) / 2, 0, 1)` |
//! | `revenue` | relative fall of revenue_12m since the previous figure: `clamp((previous − latest) / previous, 0, 1)` |
//!
//! The risk is the weighted mean of the signals a customer has:
//! `Σ wᵢ sᵢ / Σ wᵢ` over the available signals (weights from kehu.toml
//! `[churn] weights`). A signal that cannot be computed (no orders, no
//! survey history) is left out and the remaining weights are renormalised,
//! so a missing figure neither raises nor lowers the risk. No signal at all
//! gives risk 0 with the reason "no signal". Bands: `high` at or above
//! `[churn] high`, `medium` at or above `[churn] medium`, else `low`.

use std::fmt;

use kehu_core::Metrics;
use kehu_core::expr::format_number;
use serde::Serialize;

/// The weights of the six signals (kehu.toml `[churn] weights`).
pub use kehu_core::config::ChurnWeights;

/// What is known about one customer for its risk; `None` = not available.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskInputs {
    /// P(alive) from the fitted BG/NBD model.
    pub p_alive: Option<f64>,
    /// Days from the last order to the as-of date.
    pub days_since_order: Option<i64>,
    /// The customer's typical days between orders.
    pub typical_gap_days: Option<f64>,
    /// A fall of tier or pipeline grade in the last 90 days, described
    /// ("tier key → ordinary on 2026-10-01"); `Some(None)` = checked, none.
    pub downgrade: Option<Option<String>>,
    /// Whether the follow-up is overdue, if the agenda was computed.
    pub overdue: Option<bool>,
    /// (previous, latest) satisfaction survey scores.
    pub satisfaction: Option<(f64, f64)>,
    /// (previous, latest) revenue_12m figures.
    pub revenue_12m: Option<(f64, f64)>,
}

/// One signal's value and share of the score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// `alive`, `gap`, `downgrade`, `overdue`, `satisfaction` or `revenue`.
    pub name: &'static str,
    /// The signal in 0..1.
    pub value: f64,
    /// Its weight after renormalisation over the available signals.
    pub weight: f64,
    /// `value × weight`: what it adds to the risk.
    pub contribution: f64,
    /// The signal in words.
    pub reason: Reason,
}

/// What a signal saw, put in words when it is shown ([`fmt::Display`]):
/// a book is scored whole, but only the customers listed are read, so
/// scoring formats no text.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// "P(alive) 0.2".
    Alive(f64),
    /// "90 d since the last order, typical gap 30 d".
    Gap {
        /// Days since the last order.
        days: i64,
        /// The typical gap in days.
        gap: f64,
    },
    /// "downgraded: …" or "no downgrade in 90 d".
    Downgrade(Option<String>),
    /// "follow-up overdue" or "follow-up not overdue".
    Overdue(bool),
    /// "satisfaction 4.5 → 3.5".
    Satisfaction(f64, f64),
    /// "revenue_12m 200 → 50".
    Revenue(f64, f64),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Alive(p) => write!(f, "P(alive) {}", format_number(*p)),
            Reason::Gap { days, gap } => write!(
                f,
                "{days} d since the last order, typical gap {} d",
                format_number(gap.round())
            ),
            Reason::Downgrade(Some(what)) => write!(f, "downgraded: {what}"),
            Reason::Downgrade(None) => f.write_str("no downgrade in 90 d"),
            Reason::Overdue(true) => f.write_str("follow-up overdue"),
            Reason::Overdue(false) => f.write_str("follow-up not overdue"),
            Reason::Satisfaction(prev, now) => write!(
                f,
                "satisfaction {} → {}",
                format_number(*prev),
                format_number(*now)
            ),
            Reason::Revenue(prev, now) => write!(
                f,
                "revenue_12m {} → {}",
                format_number(*prev),
                format_number(*now)
            ),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A risk band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskBand {
    /// Below the medium threshold.
    Low,
    /// At or above medium, below high.
    Medium,
    /// At or above high.
    High,
}

impl RiskBand {
    /// `high`, `medium` or `low`, as stored in `[grade] risk`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskBand::Low => "low",
            RiskBand::Medium => "medium",
            RiskBand::High => "high",
        }
    }
}

/// A customer's risk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Risk {
    /// The score in 0..1.
    pub score: f64,
    /// Its band.
    pub band: RiskBand,
    /// Every available signal, largest contribution first (ties by name).
    pub signals: Vec<Signal>,
}

impl Risk {
    /// The contributing signals in words, largest first, each with its
    /// contribution ("P(alive) 0.2 (+0.40); …"); "no sign of churn" when
    /// none adds to the risk, "no signal" when there is none.
    pub fn reason(&self) -> String {
        if self.signals.is_empty() {
            return "no signal".to_string();
        }
        let words: Vec<String> = self
            .signals
            .iter()
            .filter(|s| s.contribution > 0.0)
            .map(|s| format!("{} (+{:.2})", s.reason, s.contribution))
            .collect();
        if words.is_empty() {
            "no sign of churn".to_string()
        } else {
            words.join("; ")
        }
    }
}

/// Days between a customer's orders: (last − first) / (orders − 1). `None`
/// with fewer than two orders or missing dates.
pub fn typical_gap_days(metrics: &Metrics) -> Option<f64> {
    let orders = metrics.orders_total?;
    let span = metrics.first_order?.days_until(metrics.last_order?);
    (orders >= 2 && span > 0).then(|| span as f64 / (orders - 1) as f64)
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// Scores one customer. `high` and `medium` are the band thresholds.
pub fn risk(inputs: &RiskInputs, weights: &ChurnWeights, high: f64, medium: f64) -> Risk {
    let mut signals: Vec<Signal> = Vec::with_capacity(6);
    let mut push = |name: &'static str, weight: f64, value: f64, reason: Reason| {
        signals.push(Signal {
            name,
            value,
            weight,
            contribution: 0.0,
            reason,
        });
    };
    if let Some(p) = inputs.p_alive {
        push("alive", weights.alive, clamp01(1.0 - p), Reason::Alive(p));
    }
    if let (Some(days), Some(gap)) = (
        inputs.days_since_order,
        inputs.typical_gap_days.filter(|g| *g > 0.0),
    ) {
        push(
            "gap",
            weights.gap,
            clamp01((days as f64 - gap) / (2.0 * gap)),
            Reason::Gap { days, gap },
        );
    }
    if let Some(down) = &inputs.downgrade {
        let v = if down.is_some() { 1.0 } else { 0.0 };
        push(
            "downgrade",
            weights.downgrade,
            v,
            Reason::Downgrade(down.clone()),
        );
    }
    if let Some(overdue) = inputs.overdue {
        push(
            "overdue",
            weights.overdue,
            f64::from(u8::from(overdue)),
            Reason::Overdue(overdue),
        );
    }
    if let Some((prev, now)) = inputs.satisfaction {
        push(
            "satisfaction",
            weights.satisfaction,
            clamp01((prev - now) / 2.0),
            Reason::Satisfaction(prev, now),
        );
    }
    if let Some((prev, now)) = inputs.revenue_12m.filter(|(prev, _)| *prev > 0.0) {
        push(
            "revenue",
            weights.revenue,
            clamp01((prev - now) / prev),
            Reason::Revenue(prev, now),
        );
    }
    let total_weight: f64 = signals.iter().map(|s| s.weight.max(0.0)).sum();
    for s in &mut signals {
        s.weight = if total_weight > 0.0 {
            s.weight.max(0.0) / total_weight
        } else {
            0.0
        };
        s.contribution = s.value * s.weight;
    }
    signals.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then(a.name.cmp(b.name))
    });
    let score = clamp01(signals.iter().map(|s| s.contribution).sum());
    let band = if score >= high {
        RiskBand::High
    } else if score >= medium {
        RiskBand::Medium
    } else {
        RiskBand::Low
    };
    Risk {
        score,
        band,
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::Date;

    #[test]
    fn weighted_mean_over_available_signals() {
        let w = ChurnWeights::default();
        let inputs = RiskInputs {
            p_alive: Some(0.2),
            days_since_order: Some(90),
            typical_gap_days: Some(30.0),
            overdue: Some(true),
            ..RiskInputs::default()
        };
        let r = risk(&inputs, &w, 0.6, 0.3);
        // alive 0.8 × 0.35, gap 1 × 0.25, overdue 1 × 0.10, over weight 0.70
        let want = (0.8 * 0.35 + 0.25 + 0.10) / 0.70;
        assert!((r.score - want).abs() < 1e-12);
        assert_eq!(r.band, RiskBand::High);
        assert_eq!(r.signals[0].name, "alive");
        assert!(
            r.reason().starts_with(
                "P(alive) 0.2 (+0.40); 90 d since the last order, typical gap 30 d (+0.36)"
            ),
            "{}",
            r.reason()
        );
    }

    #[test]
    fn quiet_customers_are_low_and_nothing_is_no_signal() {
        let w = ChurnWeights::default();
        let inputs = RiskInputs {
            p_alive: Some(1.0),
            days_since_order: Some(10),
            typical_gap_days: Some(30.0),
            downgrade: Some(None),
            satisfaction: Some((4.0, 4.5)),
            revenue_12m: Some((100.0, 120.0)),
            ..RiskInputs::default()
        };
        let r = risk(&inputs, &w, 0.6, 0.3);
        assert_eq!((r.score, r.band), (0.0, RiskBand::Low));
        assert_eq!(r.reason(), "no sign of churn");
        let r = risk(&RiskInputs::default(), &w, 0.6, 0.3);
        assert_eq!((r.score, r.reason().as_str()), (0.0, "no signal"));
    }

    #[test]
    fn falling_figures_and_downgrades() {
        let w = ChurnWeights::default();
        let inputs = RiskInputs {
            downgrade: Some(Some("tier key → ordinary".into())),
            satisfaction: Some((4.5, 3.5)),
            revenue_12m: Some((200.0, 50.0)),
            ..RiskInputs::default()
        };
        let r = risk(&inputs, &w, 0.6, 0.3);
        let total = 0.15 + 0.075 + 0.075;
        let want = (0.15 + 0.5 * 0.075 + 0.75 * 0.075) / total;
        assert!((r.score - want).abs() < 1e-12);
        assert_eq!(r.band, RiskBand::High);
    }

    #[test]
    fn typical_gap_from_metrics() {
        let m = Metrics {
            orders_total: Some(5),
            first_order: Date::from_ymd(2026, 1, 1),
            last_order: Date::from_ymd(2026, 1, 41 - 10),
            ..Metrics::default()
        };
        assert_eq!(typical_gap_days(&m), Some(7.5));
        let one = Metrics {
            orders_total: Some(1),
            ..m
        };
        assert_eq!(typical_gap_days(&one), None);
    }
}
