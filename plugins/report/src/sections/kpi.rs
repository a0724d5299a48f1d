//! Headline figures and the Pareto curve.

use std::collections::BTreeSet;

use kehu_analytics::cents;
use serde::Serialize;
use serde_json::Value;

use super::start::Start;
use super::{Period, Snapshot, money, revenue_cents, share};
use crate::history::Change;

/// The stage of a customer who buys (DESIGN §3's funnel end).
pub const ACTIVE_STAGE: &str = "won";

/// Headline figures.
#[derive(Clone, Debug, Serialize)]
pub struct Kpis {
    /// Customers in the book at the end.
    pub customers: usize,
    /// Sum of revenue_12m at the end.
    pub revenue: f64,
    /// How many customers are the top 20% (rounded up).
    pub top20_customers: usize,
    /// Their share of revenue; `None` when revenue is zero.
    pub top20_share: Option<f64>,
    /// Mean satisfaction over customers with a survey score.
    pub satisfaction: Option<f64>,
    /// Customers with a survey score.
    pub satisfaction_customers: usize,
    /// Contacts recorded in the period.
    pub contacts: usize,
    /// Customers at the start (`None` without history).
    pub customers_start: Option<usize>,
    /// Active (stage `won`) at the start and still active at the end.
    pub retention: Option<Retention>,
    /// Sum of revenue_12m at the start.
    pub revenue_start: Option<f64>,
    /// Revenue booked in the period: the rise of every customer's
    /// revenue_total in the period's commits (`None` without history).
    pub revenue_period: Option<f64>,
    /// The same over the previous period of the same length.
    pub revenue_previous: Option<f64>,
    /// revenue_period / revenue_previous − 1; `None` when nothing was
    /// booked in the previous period.
    pub revenue_growth: Option<f64>,
}

/// Customers active at the start and still active at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Retention {
    /// Active (stage `won`) at the start.
    pub active_start: usize,
    /// Of those, still in the book (under a new id if renamed) and `won` at the end.
    pub retained: usize,
    /// retained / active_start; `None` when nobody was active.
    pub rate: Option<f64>,
}

/// A point of the Pareto curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParetoPoint {
    /// Share of customers, best first.
    pub customers: f64,
    /// Share of revenue they hold.
    pub revenue: f64,
}

/// Revenues in cents, largest first (ties: the book's id order).
fn ranked(snapshot: &Snapshot<'_>) -> Vec<i64> {
    let mut revenues: Vec<i64> = snapshot.customers.iter().map(revenue_cents).collect();
    revenues.sort_by(|a, b| b.cmp(a));
    revenues
}

/// The top ⌈20%⌉ of customers by revenue and their share of it.
fn top20(revenues: &[i64], total: i64) -> (usize, Option<f64>) {
    let n = revenues.len().div_ceil(5);
    let top: i64 = revenues.iter().take(n).sum();
    (n, share(top, total))
}

/// The Pareto curve at every 5% of customers (21 points, 0% and 100% included).
pub fn pareto(snapshot: &Snapshot<'_>) -> Vec<ParetoPoint> {
    let revenues = ranked(snapshot);
    let total: i64 = revenues.iter().sum();
    let n = revenues.len();
    let mut cumulative = Vec::with_capacity(n + 1);
    cumulative.push(0i64);
    for r in &revenues {
        cumulative.push(cumulative.last().copied().unwrap_or(0) + r);
    }
    (0..=20)
        .map(|step| {
            let k = (n * step).div_ceil(20);
            ParetoPoint {
                customers: step as f64 / 20.0,
                revenue: share(cumulative[k], total).unwrap_or(0.0),
            }
        })
        .collect()
}

/// Revenue booked by `change`, in cents: a rise (or correction) of the
/// `metrics.revenue_total` of a customer already in the book (a total
/// recorded for the first time counts from zero). A file added with a total
/// brings past revenue, and a removed file's total is not a loss: neither
/// counts.
pub fn booked(change: &Change) -> i64 {
    if change.added || change.removed {
        return 0;
    }
    change
        .field("metrics.revenue_total")
        .and_then(|(old, new)| booked_delta(old, new))
        .unwrap_or(0)
}

/// What one change of `metrics.revenue_total` books, in cents: new − old
/// (a first total counts from zero); `None` when the total was removed.
pub fn booked_delta(old: &Value, new: &Value) -> Option<i64> {
    let new = new.as_f64()?;
    Some(cents(Some(new)) - cents(old.as_f64()))
}

/// The headline figures; `contacts` is counted from the period's history;
/// `history` is the period's changes and the revenue booked (cents) in the
/// previous period.
pub fn kpis(
    end: &Snapshot<'_>,
    start: Option<&Start>,
    history: Option<(&Period, i64)>,
    contacts: usize,
) -> Kpis {
    let revenues = ranked(end);
    let total: i64 = revenues.iter().sum();
    let (top20_customers, top20_share) = top20(&revenues, total);
    let scores: Vec<f64> = end
        .customers
        .iter()
        .filter_map(|c| c.metrics.satisfaction)
        .filter(|s| s.is_finite())
        .collect();
    let satisfaction =
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    // A customer no change touched is the same at both ends: active at
    // the start, still active.
    let retention = start.map(|s| {
        let touched: BTreeSet<&str> = s
            .active_touched
            .iter()
            .map(|id| history.map_or(id.as_str(), |(p, _)| p.renames.resolve(id)))
            .collect();
        let retained_touched = touched
            .iter()
            .filter(|id| end.find(id).is_some_and(|c| c.stage == ACTIVE_STAGE))
            .count();
        let active_start = s.active_untouched + touched.len();
        let retained = s.active_untouched + retained_touched;
        Retention {
            active_start,
            retained,
            rate: share(retained as i64, active_start as i64),
        }
    });
    let start_total: Option<i64> = start.map(|s| s.revenue);
    let period = history.map(|(p, _)| p.booked);
    let previous = history.map(|(_, previous)| previous);
    Kpis {
        customers: end.customers.len(),
        revenue: money(total),
        top20_customers,
        top20_share,
        satisfaction,
        satisfaction_customers: scores.len(),
        contacts,
        customers_start: start.map(|s| s.customers),
        retention,
        revenue_start: start_total.map(money),
        revenue_period: period.map(money),
        revenue_previous: previous.map(money),
        revenue_growth: period
            .zip(previous)
            .and_then(|(now, before)| share(now - before, before)),
    }
}
