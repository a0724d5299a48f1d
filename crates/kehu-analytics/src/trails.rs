//! The history signals of churn risk (issue 9): a tier or pipeline
//! downgrade, satisfaction falling and revenue_12m falling, read from field
//! changes over a window of days. Shared by `kehu churn` and `kehu report`
//! (its at-risk list), so both score the same customers the same way.
//!
//! Changes come as kehu-git's events in JSON (`[{"commit": {"date",
//! "timestamp", ...}, "customers": [{"id", "old_id"?, "fields": [{"field",
//! "old", "new"}]}]}]`, [`Trails::read`]), or one at a time from a reader
//! of its own ([`TrailsBuilder`]).
//!
//! The window is the last [`DEFAULT_HISTORY_DAYS`] days. For each customer
//! and field the reader keeps the value at the start of the window (the
//! `old` side of the first change inside it, or its `new` side when the
//! field or the customer appeared in the window) and the latest value, so a
//! signal is the net movement over the window:
//!
//! - **downgrade**: the tier ended lower in kehu.toml's order than it
//!   started, or the pipeline grade ended later in A..E (A closes soonest);
//! - **satisfaction** and **revenue_12m**: the first and the latest figure.
//!   A customer whose figure did not change in the window has a flat trend
//!   (its current figure twice), not a missing one.
//!
//! Renames are followed: changes recorded under an old id count for the new.

mod stream;

use std::collections::HashMap;

use kehu_core::Date;
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

/// What the history says about one customer. A movement is boxed: most
/// customers move in one field of the four, and a book's trails are held
/// for every customer that changed in the window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trail {
    tier: Option<Box<Movement>>,
    pipeline: Option<Box<Movement>>,
    satisfaction: Option<Box<Movement>>,
    revenue: Option<Box<Movement>>,
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

/// One customer's change in one commit, as [`TrailsBuilder`] keeps it:
/// only the signals' fields, by slot, in a slice of their exact length (a
/// 90-day window of a large book holds about 100,000 changes, most with
/// one field: a `Vec`'s first growth would reserve four).
struct Change {
    day: Date,
    timestamp: i64,
    order: usize,
    id: String,
    old_id: Option<String>,
    fields: Box<[(Slot, Value, Value)]>,
}

/// Which movement of a [`Trail`] a field feeds.
#[derive(Clone, Copy)]
enum Slot {
    Tier,
    Pipeline,
    Satisfaction,
    Revenue,
}

impl Slot {
    fn of(field: &str) -> Option<Slot> {
        match field {
            "grade.tier" => Some(Slot::Tier),
            "grade.pipeline" => Some(Slot::Pipeline),
            "metrics.satisfaction" => Some(Slot::Satisfaction),
            "metrics.revenue_12m" => Some(Slot::Revenue),
            _ => None,
        }
    }
}

/// The history could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unreadable history from the host: {0}")]
pub struct TrailsError(pub String);

fn bad(what: &str) -> TrailsError {
    TrailsError(what.to_owned())
}

/// Collects changes one at a time, in any order, for [`Trails`]: what a
/// reader that streams the host's answer feeds, keeping only the signals'
/// fields.
#[derive(Default)]
pub struct TrailsBuilder {
    changes: Vec<Change>,
}

impl TrailsBuilder {
    /// Adds one customer's change in one commit: its day, commit time,
    /// position in the host's list (a newest-first list puts the older of
    /// two same-second commits later), id, id before a rename, and field
    /// changes as (field, old, new) with `Null` for a missing side.
    pub fn push<'v>(
        &mut self,
        (day, timestamp, order): (Date, i64, usize),
        id: &str,
        old_id: Option<&str>,
        fields: impl IntoIterator<Item = (&'v str, &'v Value, &'v Value)>,
    ) {
        let fields: Box<[(Slot, Value, Value)]> = fields
            .into_iter()
            .filter_map(|(name, old, new)| Some((Slot::of(name)?, old.clone(), new.clone())))
            .collect::<Vec<_>>()
            .into_boxed_slice();
        let renamed = old_id.is_some_and(|old| old != id);
        if fields.is_empty() && !renamed {
            return;
        }
        self.changes.push(Change {
            day,
            timestamp,
            order,
            id: id.to_owned(),
            old_id: old_id.map(str::to_owned),
            fields,
        });
    }

    /// The trails, from the changes oldest first.
    pub fn finish(mut self) -> Trails {
        // Within one second, the later position in a newest-first list is
        // the older commit.
        self.changes.sort_by(|a, b| {
            (a.day, a.timestamp)
                .cmp(&(b.day, b.timestamp))
                .then(b.order.cmp(&a.order))
        });
        let mut by_id: HashMap<String, Trail> = HashMap::new();
        for change in self.changes {
            if let Some(old) = change.old_id.as_deref()
                && old != change.id
                && let Some(trail) = by_id.remove(old)
            {
                by_id.insert(change.id.clone(), trail);
            }
            for (slot, old, new) in change.fields {
                let trail = by_id.entry(change.id.clone()).or_default();
                let slot = match slot {
                    Slot::Tier => &mut trail.tier,
                    Slot::Pipeline => &mut trail.pipeline,
                    Slot::Satisfaction => &mut trail.satisfaction,
                    Slot::Revenue => &mut trail.revenue,
                };
                match slot {
                    Some(m) => {
                        m.last = new;
                        m.on = change.day;
                    }
                    None => {
                        let first = if old.is_null() { new.clone() } else { old };
                        *slot = Some(Box::new(Movement {
                            first,
                            last: new,
                            on: change.day,
                        }));
                    }
                }
            }
        }
        Trails { by_id }
    }
}

impl Trails {
    /// Reads kehu-git's events in JSON (newest first or oldest first) and
    /// keeps the changes dated `since..=until`.
    pub fn read(events: &Value, since: Date, until: Date) -> Result<Trails, TrailsError> {
        let events = match events {
            Value::Array(items) => items.as_slice(),
            Value::Object(map) => match map.get("events") {
                Some(Value::Array(items)) => items.as_slice(),
                _ => return Err(bad("expected a list of events")),
            },
            _ => return Err(bad("expected a list of events")),
        };
        let mut builder = TrailsBuilder::default();
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
                builder.push(
                    (day, timestamp, order),
                    id,
                    customer.get("old_id").and_then(Value::as_str),
                    fields.iter().filter_map(|f| {
                        Some((
                            f.get("field")?.as_str()?,
                            f.get("old").unwrap_or(&Value::Null),
                            f.get("new").unwrap_or(&Value::Null),
                        ))
                    }),
                );
            }
        }
        Ok(builder.finish())
    }

    /// [`Trails::read`] straight from the host's bytes (a JSON list of
    /// events): each event is deserialized on its own into borrowed parts
    /// and only the signals' fields are kept, so a long window costs its
    /// answer and the trails, never a `serde_json::Value` of every event.
    /// An answer of another shape is read by [`Trails::read`], with its
    /// errors.
    pub fn read_slice(bytes: &[u8], since: Date, until: Date) -> Result<Trails, TrailsError> {
        match stream::read(bytes, since, until) {
            Some(trails) => Ok(trails),
            None => {
                let events: Value = serde_json::from_slice(bytes)
                    .map_err(|e| TrailsError(format!("invalid JSON: {e}")))?;
                Trails::read(&events, since, until)
            }
        }
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
            let Some(m) = movement.as_deref() else {
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

    fn pair(movement: Option<&Movement>) -> Option<(f64, f64)> {
        let m = movement?;
        Some((m.first.as_f64()?, m.last.as_f64()?))
    }
}

/// (first, latest) of a figure: from the trail when it moved in the window,
/// else flat at the current figure; `None` without a current figure.
pub fn figure_trend(
    trail: Option<&Trail>,
    pick: fn(&Trail) -> Option<&Movement>,
    current: Option<f64>,
) -> Option<(f64, f64)> {
    let current = current?;
    match trail.and_then(|t| Trail::pair(pick(t))) {
        Some((first, _)) => Some((first, current)),
        None => Some((current, current)),
    }
}

/// The satisfaction movement of a trail.
pub fn satisfaction(trail: &Trail) -> Option<&Movement> {
    trail.satisfaction.as_deref()
}

/// The revenue_12m movement of a trail.
pub fn revenue(trail: &Trail) -> Option<&Movement> {
    trail.revenue.as_deref()
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
