//! Reading the host's `changes` answer event by event into a
//! [`TrailsBuilder`], with the same reading as [`Trails::read`]: an event
//! outside the window is skipped, a commit without a timestamp counts as 0,
//! a customer without field changes is a rename or nothing. Any answer this
//! strict reading refuses (another shape, a field of another type) gives
//! `None`, and the caller reads it the lenient way, with its errors.

use std::borrow::Cow;
use std::fmt;

use kehu_core::Date;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use super::{Trails, TrailsBuilder};

#[derive(Deserialize)]
struct Commit<'a> {
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct Field<'a> {
    #[serde(borrow)]
    field: Cow<'a, str>,
    #[serde(default)]
    old: Value,
    #[serde(default)]
    new: Value,
}

#[derive(Deserialize)]
struct Customer<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow)]
    old_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    fields: Option<Vec<Field<'a>>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    commit: Commit<'a>,
    #[serde(default, borrow)]
    customers: Option<Vec<Customer<'a>>>,
}

/// Folds the events of the window into the builder as they are read.
struct Events {
    since: Date,
    until: Date,
    builder: TrailsBuilder,
    /// A commit date that is not a day: the lenient reading reports it.
    undated: bool,
}

impl<'de> Visitor<'de> for &mut Events {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut order = 0;
        while let Some(event) = seq.next_element::<Event<'de>>()? {
            let Ok(day) = event.commit.date.parse::<Date>() else {
                self.undated = true;
                return Ok(());
            };
            let position = order;
            order += 1;
            if day < self.since || day > self.until {
                continue;
            }
            let timestamp = event.commit.timestamp.unwrap_or(0);
            for customer in event.customers.iter().flatten() {
                self.builder.push(
                    (day, timestamp, position),
                    &customer.id,
                    customer.old_id.as_deref(),
                    customer
                        .fields
                        .iter()
                        .flatten()
                        .map(|f| (f.field.as_ref(), &f.old, &f.new)),
                );
            }
        }
        Ok(())
    }
}

/// The trails of `bytes`, or `None` when the strict reading refuses them.
pub(super) fn read(bytes: &[u8], since: Date, until: Date) -> Option<Trails> {
    let mut events = Events {
        since,
        until,
        builder: TrailsBuilder::default(),
        undated: false,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.deserialize_seq(&mut events).ok()?;
    de.end().ok()?;
    (!events.undated).then(|| events.builder.finish())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// The streamed reading gives what the lenient one gives.
    #[test]
    fn streamed_trails_are_the_lenient_ones() {
        let events = json!([
            {"commit": {"date": "2026-11-10", "timestamp": 40, "subject": "x"},
             "customers": [{"id": "new-id", "fields": [
                 {"field": "grade.pipeline", "old": "C", "new": "B"},
                 {"field": "metrics.revenue_12m", "old": 10.5, "new": 3}]}]},
            {"commit": {"date": "2026-11-05"},
             "customers": [{"id": "new-id", "old_id": "old-id", "fields": null}]},
            {"commit": {"date": "2026-11-01", "timestamp": 30},
             "customers": [{"id": "old-id", "fields": [
                 {"field": "grade.pipeline", "old": "A", "new": "C"},
                 {"field": "grade.tier", "new": "key"}]},
                 {"id": "other", "fields": [{"field": "metrics.satisfaction", "old": 4.5, "new": 3.9}]}]},
            {"commit": {"date": "2026-11-01", "timestamp": 30}, "customers": null},
            {"commit": {"date": "2026-06-01", "timestamp": 20},
             "customers": [{"id": "solo", "fields": [{"field": "grade.pipeline", "old": "A", "new": "E"}]}]},
        ]);
        let bytes = serde_json::to_vec(&events).unwrap();
        let (since, until) = (day("2026-08-20"), day("2026-11-18"));
        let streamed = read(&bytes, since, until).unwrap();
        assert_eq!(streamed, Trails::read(&events, since, until).unwrap());
        assert!(streamed.get("new-id").is_some() && streamed.get("solo").is_none());
        assert_eq!(Trails::read_slice(&bytes, since, until).unwrap(), streamed);
    }

    /// What the strict reading refuses is read the lenient way, errors
    /// included.
    #[test]
    fn other_shapes_are_read_leniently() {
        let (since, until) = (day("2026-08-20"), day("2026-11-18"));
        let wrapped = json!({"events": [
            {"commit": {"date": "2026-11-10", "timestamp": 1.5},
             "customers": [{"id": "a", "fields": [{"field": "grade.tier", "old": "key", "new": "small"}]}]}
        ]});
        let bytes = serde_json::to_vec(&wrapped).unwrap();
        assert!(read(&bytes, since, until).is_none());
        assert_eq!(
            Trails::read_slice(&bytes, since, until).unwrap(),
            Trails::read(&wrapped, since, until).unwrap()
        );
        let undated = json!([{"commit": {"date": "soon"}, "customers": []}]);
        let bytes = serde_json::to_vec(&undated).unwrap();
        assert_eq!(
            Trails::read_slice(&bytes, since, until),
            Trails::read(&undated, since, until)
        );
        assert!(Trails::read_slice(b"not json", since, until).is_err());
    }
}
