//! Follow-ups overdue at the end of the period (the agenda's computation:
//! kehu-analytics' `Policy::cadence_for` and `cadence::follow_up`) and the
//! customers most at risk (`kehu churn`'s scoring, kehu-analytics' `churn`).

use std::collections::BTreeMap;

use kehu_analytics::Policy;
use kehu_analytics::cadence::{FollowUpStatus, follow_up};
use kehu_analytics::churn::{Fitted, Scored, Settings, score_each};
use kehu_analytics::trails::Trails;
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
    c.owner.as_deref().unwrap_or(NONE).to_owned()
}

fn policy(snapshot: &Snapshot<'_>) -> Result<Policy, PluginError> {
    Policy::from_config(snapshot.config).map_err(|e| PluginError::Data(format!("kehu.toml: {e}")))
}

/// The follow-ups overdue at the end of the period: how many, per owner,
/// and the `top` longest overdue. A large book has tens of thousands (the
/// 100,000-customer bench book 65,000): listed whole they made a 17 MB
/// report, past what a CI job summary takes, so the full list is left to
/// `kehu agenda --overdue`.
#[derive(Clone, Debug, Serialize)]
pub struct Followups {
    /// Overdue follow-ups in all.
    pub total: usize,
    /// Overdue follow-ups per owner (`(none)`), in owner order.
    pub by_owner: Vec<OwnerCount>,
    /// The `top` longest overdue: never contacted first, then the longest
    /// since the last contact, ties by id.
    pub listed: Vec<Overdue>,
}

/// Overdue follow-ups of one owner.
#[derive(Clone, Debug, Serialize)]
pub struct OwnerCount {
    /// The owner (`(none)` without one).
    pub owner: String,
    /// Their overdue follow-ups.
    pub count: usize,
}

/// Follow-ups overdue on `until` ([`Followups`]). Lost and churned
/// customers are left out. Only the listed ones are worded, so memory
/// follows `top`, not the book.
pub fn overdue(end: &Snapshot<'_>, until: Date, top: usize) -> Result<Followups, PluginError> {
    let policy = policy(end)?;
    // (days since the last contact, never contacted = the most, index).
    let mut found: Vec<(std::cmp::Reverse<i64>, usize)> = Vec::new();
    let mut by_owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, c) in end.customers.iter().enumerate() {
        if c.stage == "lost" || c.stage == "churned" {
            continue;
        }
        let Some(choice) = policy.cadence_of(c) else {
            continue;
        };
        let state = follow_up(choice.cadence, c.contact.last, until);
        if state.status != FollowUpStatus::Overdue {
            continue;
        }
        *by_owner
            .entry(c.owner.as_deref().unwrap_or(NONE))
            .or_insert(0) += 1;
        found.push((
            std::cmp::Reverse(state.days_since.unwrap_or(i64::MAX)),
            index,
        ));
    }
    let total = found.len();
    let customers = end.customers;
    let order = |a: &(std::cmp::Reverse<i64>, usize), b: &(std::cmp::Reverse<i64>, usize)| {
        a.0.cmp(&b.0)
            .then_with(|| customers[a.1].id.cmp(&customers[b.1].id))
    };
    if top < found.len() {
        if top > 0 {
            found.select_nth_unstable_by(top - 1, order);
        }
        found.truncate(top);
    }
    found.sort_unstable_by(order);
    let listed = found
        .into_iter()
        .filter_map(|(_, index)| {
            let c = &customers[index];
            let choice = policy.cadence_of(c)?;
            let state = follow_up(choice.cadence, c.contact.last, until);
            Some(Overdue {
                customer: c.id.clone(),
                name: c.name.clone(),
                owner: owner(c),
                last_contact: c.contact.last,
                days_since: state.days_since,
                cadence: choice.to_string(),
            })
        })
        .collect();
    let by_owner = by_owner
        .into_iter()
        .map(|(owner, count)| OwnerCount {
            owner: owner.to_owned(),
            count,
        })
        .collect();
    Ok(Followups {
        total,
        by_owner,
        listed,
    })
}

/// The `top` customers most at risk on `until`, highest first, ties by id:
/// `kehu churn`'s scoring (kehu-analytics' [`score_each`]: the BG/NBD fit
/// over the book, the order gap, the overdue follow-up and, with `trails`,
/// the downgrade, satisfaction and revenue signals of the 90 days up to
/// `until`), so the list is `kehu churn --top N` as of `until` with the
/// same horizon. Customers without orders are not scored. `fitted` is
/// [`fit_book`](kehu_analytics::churn::fit_book) of the same customers as
/// of `until`. Only the best `top` are kept while scoring, so memory does
/// not grow with the book.
pub fn at_risk(
    end: &Snapshot<'_>,
    until: Date,
    trails: Option<&Trails>,
    top: usize,
    fitted: Fitted,
) -> Result<Vec<AtRisk>, PluginError> {
    let settings = Settings {
        as_of: until,
        horizon_days: end.config.churn.horizon_days.max(1),
        churn: end.config.churn.clone(),
    };
    let customers = end.customers;
    // `by_risk`'s order: the higher score first, then the smaller id.
    let first = |a: &Scored, b: &Scored| {
        b.risk
            .score
            .total_cmp(&a.risk.score)
            .then_with(|| customers[a.index].id.cmp(&customers[b.index].id))
    };
    let mut best: Vec<Scored> = Vec::with_capacity(top + 1);
    let (_fit, _unscored) = score_each(customers, end.config, trails, &settings, fitted, |one| {
        let at = best.partition_point(|kept| first(kept, &one).is_lt());
        if at < top {
            best.insert(at, one);
            best.truncate(top);
        }
    })
    .map_err(|e| PluginError::Data(format!("kehu.toml: {e}")))?;
    Ok(best
        .into_iter()
        .map(|s| {
            let c = &customers[s.index];
            AtRisk {
                customer: c.id.clone(),
                name: c.name.clone(),
                owner: owner(c),
                score: s.risk.score,
                band: s.risk.band.as_str(),
                reason: s.risk.reason(),
            }
        })
        .collect())
}
