//! The history-based signals, read from field changes (kehu-git's events:
//! `[{"commit": {"date", "timestamp", ...}, "customers": [{"id", "old_id"?,
//! "fields": [{"field", "old", "new"}]}]}]`), either the book-wide
//! `changes` over a window (one call for the whole book) or one customer's
//! timeline (`--explain`).
//!
//! The window is the last [`DEFAULT_HISTORY_DAYS`] days (`--history-days`).
//! For each customer and field the reader keeps the value at the start of
//! the window (the `old` side of the first change inside it, or its `new`
//! side when the field or the customer appeared in the window) and the
//! latest value, so a signal is the net movement over the window:
//!
//! - **downgrade**: the tier ended lower in kehu.toml's order than it
//!   started, or the pipeline grade ended later in A..E (A closes soonest);
//! - **satisfaction** and **revenue_12m**: the first and the latest figure.
//!   A customer whose figure did not change in the window has a flat trend
//!   (its current figure twice), not a missing one.
//!
//! Renames are followed: changes recorded under an old id count for the new.
//!
//! The host is asked for these fields only; with its history index (in
//! `.git/kehu/`) a warm run reads no git objects for the window at all, and
//! the first run over a window diffs each of its commits once.

use std::collections::HashMap;

use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde_json::Value;

/// The history window of issue 9 ("a downgrade in the last 90 days"), also
/// used for the satisfaction and revenue trends.
pub const DEFAULT_HISTORY_DAYS: u32 = 90;

/// The fields the signals read.
pub const FIELDS: [&str; 4] = [
    "grade.tier",
    "grade.pipeline",
    "metrics.satisfaction",
    "metrics.revenue_12m",
];

/// A field's first and latest value in the window, and the day of the
/// latest change.
#[derive(Clone, Debug, PartialEq)]
pub struct Movement {
    /// The value when the window opened (or when it first appeared).
    pub first: Value,
    /// The latest value.
    pub last: Value,
    /// The day of the latest change.
    pub on: Date,
}

/// What the history says about one customer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trail {
    tier: Option<Movement>,
    pipeline: Option<Movement>,
    satisfaction: Option<Movement>,
    revenue: Option<Movement>,
}

/// The history read for the whole book (or one customer) up to a day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trails {
    by_id: HashMap<String, Trail>,
}

/// The window of changes to ask the host for, both ends inclusive: the
/// `days` days up to and including `as_of`.
pub fn window(as_of: Date, days: u32) -> (Date, Date) {
    (days_before(as_of, i64::from(days) - 1), as_of)
}

/// `days` days before `day` (the same day if that leaves the calendar).
pub fn days_before(day: Date, days: i64) -> Date {
    shift(day, -days)
}

/// `day` moved by `days` days (the same day if that leaves the calendar).
pub fn shift(day: Date, days: i64) -> Date {
    day.0
        .checked_add_signed(chrono::TimeDelta::days(days))
        .map_or(day, Date)
}

struct Change<'a> {
    day: Date,
    timestamp: i64,
    order: usize,
    id: &'a str,
    old_id: Option<&'a str>,
    fields: &'a [Value],
}

fn bad(what: &str) -> PluginError {
    PluginError::Host(format!("unreadable history from the host: {what}"))
}

impl Trails {
    /// Reads events (newest first or oldest first; they are sorted by commit
    /// time here) and keeps the changes dated `since..=until`.
    pub fn read(events: &Value, since: Date, until: Date) -> Result<Trails, PluginError> {
        let events = match events {
            Value::Array(items) => items.as_slice(),
            Value::Object(map) => match map.get("events") {
                Some(Value::Array(items)) => items.as_slice(),
                _ => return Err(bad("expected a list of events")),
            },
            _ => return Err(bad("expected a list of events")),
        };
        let mut changes: Vec<Change<'_>> = Vec::new();
        for (order, event) in events.iter().enumerate() {
            let commit = event
                .get("commit")
                .ok_or_else(|| bad("event without commit"))?;
            let day: Date = commit
                .get("date")
                .and_then(Value::as_str)
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| bad("commit without a date"))?;
            if day < since || day > until {
                continue;
            }
            let timestamp = commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
            let Some(Value::Array(customers)) = event.get("customers") else {
                continue;
            };
            for customer in customers {
                let id = customer
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("customer change without id"))?;
                let fields = match customer.get("fields") {
                    Some(Value::Array(f)) => f.as_slice(),
                    _ => &[],
                };
                changes.push(Change {
                    day,
                    timestamp,
                    order,
                    id,
                    old_id: customer.get("old_id").and_then(Value::as_str),
                    fields,
                });
            }
        }
        // Oldest first; within one second, the later position in a
        // newest-first list is the older commit.
        changes.sort_by(|a, b| {
            (a.day, a.timestamp)
                .cmp(&(b.day, b.timestamp))
                .then(b.order.cmp(&a.order))
        });
        let mut by_id: HashMap<String, Trail> = HashMap::new();
        for change in changes {
            if let Some(old) = change.old_id
                && old != change.id
                && let Some(trail) = by_id.remove(old)
            {
                by_id.insert(change.id.to_owned(), trail);
            }
            for field in change.fields {
                let Some(name) = field.get("field").and_then(Value::as_str) else {
                    continue;
                };
                if !FIELDS.contains(&name) {
                    continue;
                }
                let old = field.get("old").cloned().unwrap_or(Value::Null);
                let new = field.get("new").cloned().unwrap_or(Value::Null);
                let trail = by_id.entry(change.id.to_owned()).or_default();
                let slot = match name {
                    "grade.tier" => &mut trail.tier,
                    "grade.pipeline" => &mut trail.pipeline,
                    "metrics.satisfaction" => &mut trail.satisfaction,
                    _ => &mut trail.revenue,
                };
                match slot {
                    Some(m) => {
                        m.last = new;
                        m.on = change.day;
                    }
                    None => {
                        let first = if old.is_null() { new.clone() } else { old };
                        *slot = Some(Movement {
                            first,
                            last: new,
                            on: change.day,
                        });
                    }
                }
            }
        }
        Ok(Trails { by_id })
    }

    /// The customer's trail (empty when nothing changed in the window).
    pub fn get(&self, id: &str) -> Option<&Trail> {
        self.by_id.get(id)
    }
}

fn rank_of(value: &Value, order: &[String]) -> Option<usize> {
    let text = value.as_str()?;
    order.iter().position(|t| t == text)
}

const PIPELINE: [&str; 5] = ["A", "B", "C", "D", "E"];

impl Trail {
    /// A fall of tier (in `tiers`, best first) or pipeline grade over the
    /// window, in words; `None` when neither fell.
    pub fn downgrade(&self, tiers: &[String]) -> Option<String> {
        let pipeline: Vec<String> = PIPELINE.iter().map(|g| (*g).to_owned()).collect();
        let mut words = Vec::new();
        for (label, movement, order) in [
            ("tier", &self.tier, tiers),
            ("pipeline", &self.pipeline, pipeline.as_slice()),
        ] {
            let Some(m) = movement.as_ref() else {
                continue;
            };
            if let (Some(from), Some(to)) = (rank_of(&m.first, order), rank_of(&m.last, order))
                && to > from
            {
                words.push(format!(
                    "{label} {} → {} on {}",
                    order[from], order[to], m.on
                ));
            }
        }
        (!words.is_empty()).then(|| words.join(", "))
    }

    fn pair(movement: &Option<Movement>) -> Option<(f64, f64)> {
        let m = movement.as_ref()?;
        Some((m.first.as_f64()?, m.last.as_f64()?))
    }
}

/// (first, latest) of a figure: from the trail when it moved in the window,
/// else flat at the current figure; `None` without a current figure.
pub fn figure_trend(
    trail: Option<&Trail>,
    pick: fn(&Trail) -> &Option<Movement>,
    current: Option<f64>,
) -> Option<(f64, f64)> {
    let current = current?;
    match trail.and_then(|t| Trail::pair(pick(t))) {
        Some((first, _)) => Some((first, current)),
        None => Some((current, current)),
    }
}

/// The satisfaction movement of a trail.
pub fn satisfaction(trail: &Trail) -> &Option<Movement> {
    &trail.satisfaction
}

/// The revenue_12m movement of a trail.
pub fn revenue(trail: &Trail) -> &Option<Movement> {
    &trail.revenue
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn event(date: &str, ts: i64, id: &str, fields: Value) -> Value {
        json!({"commit": {"date": date, "timestamp": ts}, "customers": [{"id": id, "fields": fields}]})
    }

    #[test]
    fn net_movement_in_the_window_newest_first() {
        let events = json!([
            event(
                "2026-11-01",
                30,
                "acme",
                json!([{"field": "grade.tier", "old": "key", "new": "ordinary"},
                                                    {"field": "metrics.satisfaction", "old": 4.0, "new": 3.0}])
            ),
            event(
                "2026-10-01",
                20,
                "acme",
                json!([{"field": "grade.tier", "old": "strategic", "new": "key"},
                                                    {"field": "metrics.revenue_12m", "old": 1000, "new": 600.0}])
            ),
            event(
                "2025-01-01",
                10,
                "acme",
                json!([{"field": "metrics.satisfaction", "old": 5.0, "new": 4.0}])
            ),
        ]);
        let as_of = day("2026-11-18");
        let (since, until) = window(as_of, 365);
        assert_eq!(since, day("2025-11-19"));
        let trails = Trails::read(&events, since, until).unwrap();
        let t = trails.get("acme").unwrap();
        let tiers: Vec<String> = ["strategic", "key", "ordinary", "small"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            t.downgrade(&tiers).as_deref(),
            Some("tier strategic → ordinary on 2026-11-01")
        );
        // The 2025 survey is outside the year.
        assert_eq!(
            figure_trend(Some(t), satisfaction, Some(3.0)),
            Some((4.0, 3.0))
        );
        assert_eq!(
            figure_trend(Some(t), revenue, Some(600.0)),
            Some((1000.0, 600.0))
        );
        assert_eq!(figure_trend(None, revenue, Some(5.0)), Some((5.0, 5.0)));
        assert_eq!(figure_trend(None, revenue, None), None);
    }

    #[test]
    fn upgrades_renames_and_old_downgrades() {
        let events = json!([
            event("2026-11-10", 40, "new-id", json!([{"field": "grade.pipeline", "old": "C", "new": "B"}])),
            {"commit": {"date": "2026-11-05", "timestamp": 35},
             "customers": [{"id": "new-id", "old_id": "old-id", "fields": []}]},
            event("2026-11-01", 30, "old-id", json!([{"field": "grade.pipeline", "old": "A", "new": "C"}])),
            event("2026-06-01", 20, "solo", json!([{"field": "grade.pipeline", "old": "A", "new": "E"}])),
        ]);
        let as_of = day("2026-11-18");
        let (since, until) = window(as_of, DEFAULT_HISTORY_DAYS);
        let trails = Trails::read(&events, since, until).unwrap();
        let t = trails.get("new-id").unwrap();
        assert_eq!(
            t.downgrade(&[]).as_deref(),
            Some("pipeline A → B on 2026-11-10")
        );
        assert!(trails.get("old-id").is_none());
        // Fell in June: outside the 90 days.
        assert!(trails.get("solo").is_none());
        assert!(Trails::read(&json!({"x": 1}), since, until).is_err());
    }
}
