//! Follow-ups overdue at the end of the period (the agenda's computation:
//! kehu-analytics' `Policy::cadence_for` and `cadence::follow_up`) and the
//! customers most at risk (kehu-analytics' BG/NBD fit and `risk`).

use kehu_analytics::Policy;
use kehu_analytics::bgnbd::{self, Observation};
use kehu_analytics::cadence::{FollowUpStatus, follow_up};
use kehu_analytics::risk::{RiskInputs, risk, typical_gap_days};
use kehu_core::{Customer, Date};
use kehu_plugin_sdk::PluginError;
use serde::Serialize;

use super::{NONE, Snapshot};

/// A follow-up overdue at the end of the period.
#[derive(Clone, Debug, Serialize)]
pub struct Overdue {
    /// Customer id.
    pub customer: String,
    /// Customer name.
    pub name: String,
    /// Owner (`(none)`).
    pub owner: String,
    /// The last contact, if any.
    pub last_contact: Option<Date>,
    /// Days since it, at the end of the period.
    pub days_since: Option<i64>,
    /// The cadence that applies, in words.
    pub cadence: String,
}

/// A customer at risk.
#[derive(Clone, Debug, Serialize)]
pub struct AtRisk {
    /// Customer id.
    pub customer: String,
    /// Customer name.
    pub name: String,
    /// Owner (`(none)`).
    pub owner: String,
    /// Risk score in 0..1.
    pub score: f64,
    /// `high`, `medium` or `low`.
    pub band: &'static str,
    /// The contributing signals in words.
    pub reason: String,
}

fn owner(c: &Customer) -> String {
    c.owner.clone().unwrap_or_else(|| NONE.to_owned())
}

fn policy(snapshot: &Snapshot<'_>) -> Result<Policy, PluginError> {
    Policy::from_config(snapshot.config).map_err(|e| PluginError::Data(format!("kehu.toml: {e}")))
}

/// Whether a customer's follow-up is overdue on `day`, with its cadence in words.
fn overdue_state(policy: &Policy, c: &Customer, day: Date) -> Option<(bool, String, Option<i64>)> {
    let choice = policy.cadence_of(c)?;
    let state = follow_up(choice.cadence, c.contact.last, day);
    Some((
        state.status == FollowUpStatus::Overdue,
        choice.to_string(),
        state.days_since,
    ))
}

/// Follow-ups overdue on `until`: never contacted first, then the longest
/// since the last contact, ties by id. Lost and churned customers are left out.
pub fn overdue(end: &Snapshot<'_>, until: Date) -> Result<Vec<Overdue>, PluginError> {
    let policy = policy(end)?;
    let mut rows: Vec<Overdue> = end
        .customers
        .iter()
        .filter(|c| c.stage != "lost" && c.stage != "churned")
        .filter_map(|c| {
            let (late, cadence, days_since) = overdue_state(&policy, c, until)?;
            late.then(|| Overdue {
                customer: c.id.clone(),
                name: c.name.clone(),
                owner: owner(c),
                last_contact: c.contact.last,
                days_since,
                cadence,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &Overdue| std::cmp::Reverse(r.days_since.unwrap_or(i64::MAX));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.customer.cmp(&b.customer))
    });
    Ok(rows)
}

/// The `top` customers most at risk on `until`, highest first, ties by id.
/// Signals: P(alive) from a BG/NBD fit over the book, the order gap and the
/// overdue follow-up (the history-based signals of `kehu churn` are not
/// read here). Customers without orders are not scored.
pub fn at_risk(end: &Snapshot<'_>, until: Date, top: usize) -> Result<Vec<AtRisk>, PluginError> {
    let policy = policy(end)?;
    let observed: Vec<(&Customer, Observation)> = end
        .customers
        .iter()
        .filter_map(|c| Observation::from_metrics(&c.metrics, until).map(|o| (c, o)))
        .collect();
    let observations: Vec<Observation> = observed.iter().map(|(_, o)| *o).collect();
    let fit = bgnbd::fit(&observations).ok();
    let churn = &end.config.churn;
    let mut rows: Vec<AtRisk> = observed
        .iter()
        .map(|(c, obs)| {
            let inputs = RiskInputs {
                p_alive: fit.as_ref().map(|f| f.params.p_alive(obs)),
                days_since_order: c.metrics.last_order.map(|last| last.days_until(until)),
                typical_gap_days: typical_gap_days(&c.metrics),
                overdue: overdue_state(&policy, c, until).map(|s| s.0),
                ..RiskInputs::default()
            };
            let r = risk(&inputs, &churn.weights, churn.high, churn.medium);
            AtRisk {
                customer: c.id.clone(),
                name: c.name.clone(),
                owner: owner(c),
                score: r.score,
                band: r.band.as_str(),
                reason: r.reason,
            }
        })
        .filter(|r| r.score > 0.0)
        .collect();
    rows.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.customer.cmp(&b.customer))
    });
    rows.truncate(top);
    Ok(rows)
}
