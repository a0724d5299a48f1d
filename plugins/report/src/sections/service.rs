//! Service KPIs: satisfaction against its target and complaints opened,
//! resolved and open (with their age), per tier and per owner. Complaints
//! are read from the year up to the period's end ([`crate::read`]), each
//! dated on its contact's day; the pairing and the figures are
//! kehu-analytics' [`complaints`](kehu_analytics::complaints).

use kehu_analytics::complaints::{ComplaintEvent, KpiTargets, ServiceKpis, complaints, kpis};

use super::Snapshot;
use crate::period::Period;

/// The service KPIs of the book at the end of `period`.
pub fn service(end: &Snapshot<'_>, events: &[ComplaintEvent], period: &Period) -> ServiceKpis {
    let t = &end.config.targets;
    let targets = KpiTargets {
        satisfied_share: t.satisfied_share,
        satisfied_score: t.satisfied_score,
        complaints_per_customer: t.complaints_per_customer,
    };
    let tiers: Vec<&str> = end.config.tiers.iter().map(|t| t.name.as_str()).collect();
    kpis(
        end.customers,
        &complaints(events),
        period.since,
        period.until,
        targets,
        &tiers,
    )
}
