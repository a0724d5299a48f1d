//! Service KPIs: satisfaction against its target and complaints opened,
//! resolved and open (with their age), per tier and per owner. Complaints
//! are read from the whole history up to the period's end (a complaint
//! opened long ago may still be open), each dated on its contact's day;
//! the pairing and the figures are
//! kehu-analytics' [`complaints`](kehu_analytics::complaints).

use kehu_analytics::complaints::{
    ComplaintEvent, ComplaintKind, KpiTargets, ServiceKpis, complaints, kpis,
};
use kehu_core::Date;
use serde_json::Value;

use super::Snapshot;
use crate::period::Period;

/// The complaint trailers of the host's `changes` events, oldest first.
pub fn events(history: &Value) -> Vec<ComplaintEvent> {
    let list = kehu_analytics::lifecycle::event_list(history);
    let mut keyed: Vec<((Date, i64, usize), ComplaintEvent)> = Vec::new();
    for (order, event) in list.iter().enumerate() {
        let Some(commit) = event.get("commit") else {
            continue;
        };
        let (Some(id), Some(day)) = (
            commit.get("id").and_then(Value::as_str),
            commit
                .get("date")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<Date>().ok()),
        ) else {
            continue;
        };
        let timestamp = commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        let trailers: Vec<(&str, &str)> = commit
            .get("trailers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|pair| Some((pair.get(0)?.as_str()?, pair.get(1)?.as_str()?)))
            .collect();
        // Each customer with the contact's day (its new `contact.last`).
        let customers: Vec<(&str, Date)> = event
            .get("customers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c.get("id")?.as_str()?, contact_day(c).unwrap_or(day))))
            .collect();
        for (key, value) in trailers {
            let kind = if key.eq_ignore_ascii_case("Kehu-Complaint") {
                ComplaintKind::Opened(value.trim().to_owned())
            } else if key.eq_ignore_ascii_case("Kehu-Resolved") {
                ComplaintKind::Resolved(value.trim().to_owned())
            } else {
                continue;
            };
            for (customer, date) in &customers {
                keyed.push((
                    (*date, timestamp, usize::MAX - order),
                    ComplaintEvent {
                        commit: id.to_owned(),
                        date: *date,
                        customer: (*customer).to_owned(),
                        kind: kind.clone(),
                    },
                ));
            }
        }
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, e)| e).collect()
}

/// The new `contact.last` of a customer change, if it set one.
fn contact_day(change: &Value) -> Option<Date> {
    change
        .get("fields")?
        .as_array()?
        .iter()
        .find(|f| f.get("field").and_then(Value::as_str) == Some("contact.last"))?
        .get("new")?
        .as_str()?
        .parse()
        .ok()
}

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
