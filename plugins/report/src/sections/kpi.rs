//! Headline figures and the Pareto curve.

use std::collections::BTreeSet;

use super::{Snapshot, money, revenue_cents, share};
use crate::model::{Kpis, ParetoPoint, Retention};

/// The stage of a customer who buys (DESIGN §3's funnel end).
pub const ACTIVE_STAGE: &str = "won";

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

fn active<'a>(snapshot: &Snapshot<'a>) -> BTreeSet<&'a str> {
    snapshot
        .customers
        .iter()
        .filter(|c| c.stage == ACTIVE_STAGE)
        .map(|c| c.id.as_str())
        .collect()
}

/// The headline figures; `contacts` is counted from the period's history.
pub fn kpis(end: &Snapshot<'_>, start: Option<&Snapshot<'_>>, contacts: usize) -> Kpis {
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
    let retention = start.map(|s| {
        let before = active(s);
        let after = active(end);
        let retained = before.intersection(&after).count();
        Retention {
            active_start: before.len(),
            retained,
            rate: share(retained as i64, before.len() as i64),
        }
    });
    let start_total: Option<i64> = start.map(|s| s.customers.iter().map(revenue_cents).sum());
    Kpis {
        customers: end.customers.len(),
        revenue: money(total),
        top20_customers,
        top20_share,
        satisfaction,
        satisfaction_customers: scores.len(),
        contacts,
        customers_start: start.map(|s| s.customers.len()),
        retention,
        revenue_start: start_total.map(money),
        revenue_growth: start_total.and_then(|s| share(total - s, s)),
    }
}
