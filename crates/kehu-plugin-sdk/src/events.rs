//! The answer of the `changes` host call ([`crate::Context::changes`]), read
//! once into typed views that borrow the JSON.
//!
//! The host sends one event per commit that touched customer files: the
//! commit (`date`, `timestamp`, `subject`, `kind`, `trailers` …) and, per
//! customer, the field changes. Every plugin that reads history needs the
//! same first steps (find the list, date each commit, order the commits);
//! [`read_events`] does them, and the views below name the parts a plugin
//! reads, so a malformed answer is one error message everywhere.

use kehu_core::Date;
use serde_json::Value;

use crate::PluginError;

/// `null`, for a field change without an `old` or `new` side.
static NULL: Value = Value::Null;

/// One commit of the history and what it changed.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// The commit as the host sent it (`id`, `subject`, `trailers` …).
    pub commit: &'a Value,
    /// Its day (the author date in the author's time zone).
    pub day: Date,
    /// Its time, seconds since the epoch (0 when the host gave none).
    pub timestamp: i64,
    /// Its place in the host's list (which is newest first): ties of
    /// `timestamp` are broken by it.
    pub order: usize,
    /// The customers it changed (see [`Event::changes`]).
    pub customers: &'a [Value],
}

/// How one customer's file changed in an [`Event`].
#[derive(Clone, Copy, Debug)]
pub struct CustomerChange<'a> {
    /// The customer id after the change.
    pub id: &'a str,
    /// For a rename, the id before.
    pub old_id: Option<&'a str>,
    /// `added`, `removed`, `modified` or `renamed`.
    pub status: Option<&'a str>,
    /// The field changes, as the host sent them (see
    /// [`CustomerChange::fields`]).
    pub raw_fields: &'a [Value],
}

/// One field's change: dotted name, value before and after (`null` where
/// the key did not exist).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldChange<'a> {
    /// The dotted field, e.g. `grade.tier`.
    pub field: &'a str,
    /// The value before.
    pub old: &'a Value,
    /// The value after.
    pub new: &'a Value,
}

/// The error for an answer that is not what the host promises.
fn bad(what: &str) -> PluginError {
    PluginError::Host(format!("unreadable history from the host: {what}"))
}

/// Reads the events of a `changes` answer (a list, or an object holding it
/// under `events`), in the host's order, each dated. Keep or drop them by
/// [`Event::day`], then order them with [`oldest_first`] or
/// [`newest_first`].
pub fn read_events(answer: &Value) -> Result<Vec<Event<'_>>, PluginError> {
    let items = match answer {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => match map.get("events") {
            Some(Value::Array(items)) => items.as_slice(),
            _ => return Err(bad("expected a list of events")),
        },
        _ => return Err(bad("expected a list of events")),
    };
    items
        .iter()
        .enumerate()
        .map(|(order, event)| {
            let commit = event
                .get("commit")
                .ok_or_else(|| bad("event without commit"))?;
            let day = commit
                .get("date")
                .and_then(Value::as_str)
                .and_then(|text| text.get(..10).unwrap_or(text).parse().ok())
                .ok_or_else(|| bad("commit without a date"))?;
            let customers = match event.get("customers") {
                Some(Value::Array(customers)) => customers.as_slice(),
                _ => &[],
            };
            Ok(Event {
                commit,
                day,
                timestamp: commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
                order,
                customers,
            })
        })
        .collect()
}

/// Orders events oldest first: by day, then time; within one second the
/// later place in the host's newest-first list is the older commit.
pub fn oldest_first(events: &mut [Event<'_>]) {
    events.sort_by(|a, b| {
        (a.day, a.timestamp)
            .cmp(&(b.day, b.timestamp))
            .then(b.order.cmp(&a.order))
    });
}

/// Orders events newest first: the exact reverse of [`oldest_first`].
pub fn newest_first(events: &mut [Event<'_>]) {
    events.sort_by(|a, b| {
        (b.day, b.timestamp)
            .cmp(&(a.day, a.timestamp))
            .then(a.order.cmp(&b.order))
    });
}

impl<'a> Event<'a> {
    /// The value of the commit's trailer `key` (compared without case), the
    /// first when it repeats.
    pub fn trailer(&self, key: &str) -> Option<&'a str> {
        self.commit
            .get("trailers")?
            .as_array()?
            .iter()
            .filter_map(|pair| {
                let pair = pair.as_array()?;
                Some((pair.first()?.as_str()?, pair.get(1)?.as_str()?))
            })
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The commit's subject line (empty when missing).
    pub fn subject(&self) -> &'a str {
        self.commit
            .get("subject")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The kind of change the host saw (`contact`, `import`, `regrade` …).
    pub fn kind(&self) -> Option<&'a str> {
        self.commit.get("kind").and_then(Value::as_str)
    }

    /// The customers the commit changed; an entry without an id is an error.
    pub fn changes(&self) -> impl Iterator<Item = Result<CustomerChange<'a>, PluginError>> + 'a {
        self.customers.iter().map(|customer| {
            let id = customer
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("customer change without id"))?;
            Ok(CustomerChange {
                id,
                old_id: customer.get("old_id").and_then(Value::as_str),
                status: customer.get("status").and_then(Value::as_str),
                raw_fields: match customer.get("fields") {
                    Some(Value::Array(fields)) => fields.as_slice(),
                    _ => &[],
                },
            })
        })
    }
}

impl<'a> CustomerChange<'a> {
    /// The field changes that name their field.
    pub fn fields(&self) -> impl Iterator<Item = FieldChange<'a>> + 'a {
        self.raw_fields.iter().filter_map(|change| {
            Some(FieldChange {
                field: change.get("field")?.as_str()?,
                old: change.get("old").unwrap_or(&NULL),
                new: change.get("new").unwrap_or(&NULL),
            })
        })
    }

    /// The id before the change when the file was renamed from another id.
    pub fn renamed_from(&self) -> Option<&'a str> {
        self.old_id.filter(|old| *old != self.id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer() -> Value {
        json!({"events": [
            {"commit": {"date": "2026-11-18", "timestamp": 20, "subject": "b",
                        "trailers": [["Kehu-Reason", "renewal"]], "kind": "regrade"},
             "customers": [{"id": "acme", "status": "modified",
                            "fields": [{"field": "grade.tier", "old": "key", "new": "strategic"},
                                       {"old": 1}]}]},
            {"commit": {"date": "2026-11-18T09:00:00+08:00", "timestamp": 20, "subject": "a"},
             "customers": [{"id": "cyan-labs", "old_id": "cyan", "status": "renamed",
                            "fields": [{"field": "region", "new": "west"}]}]},
            {"commit": {"date": "2026-11-17", "subject": "c"}}
        ]})
    }

    #[test]
    fn events_are_dated_ordered_and_read_through_views() {
        let answer = answer();
        let mut events = read_events(&answer).unwrap();
        assert_eq!(events.len(), 3);
        oldest_first(&mut events);
        let subjects: Vec<&str> = events.iter().map(Event::subject).collect();
        assert_eq!(
            subjects,
            ["c", "a", "b"],
            "same second: the later place is older"
        );
        newest_first(&mut events);
        let subjects: Vec<&str> = events.iter().map(Event::subject).collect();
        assert_eq!(subjects, ["b", "a", "c"]);

        let regrade = events[0];
        assert_eq!(regrade.day, "2026-11-18".parse().unwrap());
        assert_eq!(regrade.trailer("kehu-reason"), Some("renewal"));
        assert_eq!(regrade.kind(), Some("regrade"));
        let change = regrade.changes().next().unwrap().unwrap();
        assert_eq!((change.id, change.status), ("acme", Some("modified")));
        let fields: Vec<FieldChange<'_>> = change.fields().collect();
        assert_eq!(fields.len(), 1, "a change without a field name is skipped");
        assert_eq!(fields[0].field, "grade.tier");
        assert_eq!(fields[0].new, &json!("strategic"));

        let renamed = events[1].changes().next().unwrap().unwrap();
        assert_eq!(renamed.renamed_from(), Some("cyan"));
        assert_eq!(renamed.fields().next().unwrap().old, &Value::Null);
        assert_eq!(events[2].timestamp, 0);
        assert_eq!(events[2].changes().count(), 0);
    }

    #[test]
    fn a_malformed_answer_is_a_host_error() {
        for bad in [
            json!("events"),
            json!({"events": 3}),
            json!([{"customers": []}]),
            json!([{"commit": {"date": "soon"}}]),
        ] {
            let error = read_events(&bad).unwrap_err();
            assert!(matches!(error, PluginError::Host(_)), "{bad}: {error}");
        }
        let answer = json!([{"commit": {"date": "2026-11-18"}, "customers": [{"fields": []}]}]);
        let events = read_events(&answer).unwrap();
        assert!(events[0].changes().next().unwrap().is_err());
        assert_eq!(read_events(&json!([])).unwrap().len(), 0);
    }
}
