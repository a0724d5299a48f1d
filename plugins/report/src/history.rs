//! The period's history, read from the host's book-wide `changes` (kehu-git
//! events: `[{"commit": {"date", "timestamp", "author", "kind", "subject",
//! "trailers": [[key, value], ...]}, "customers": [{"id", "old_id"?,
//! "status", "fields": [{"field", "old", "new"}]}]}]`), flattened to one
//! record per customer and commit, oldest first.

use std::collections::BTreeMap;

use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde_json::Value;

use crate::period::Period;

/// One customer's change in one commit.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The commit's day.
    pub day: Date,
    /// The commit's author.
    pub author: String,
    /// The commit's kind (`contact`, `regrade`, `edit` ...).
    pub kind: String,
    /// Why: the `Kehu-Reason` trailer, else the subject line.
    pub why: String,
    /// The `Kehu-Contact` trailer (the channel of a recorded contact).
    pub contact_trailer: Option<String>,
    /// The customer id after the change.
    pub id: String,
    /// For a file renamed in this commit (kehu-git pairs a delete and an
    /// add of similar content): the id before.
    pub old_id: Option<String>,
    /// The file was added in this commit.
    pub added: bool,
    /// The file was removed in this commit.
    pub removed: bool,
    /// Field changes: (field, old, new); a missing side is `Null`.
    pub fields: Vec<(String, Value, Value)>,
}

impl Change {
    /// The (old, new) of `field`, if this change touched it.
    pub fn field(&self, name: &str) -> Option<(&Value, &Value)> {
        self.fields
            .iter()
            .find(|(f, _, _)| f == name)
            .map(|(_, old, new)| (old, new))
    }

    /// Whether this change records a contact: a `contact` commit, or a new
    /// `contact.last` day.
    pub fn is_contact(&self) -> bool {
        self.kind == "contact"
            || self
                .field("contact.last")
                .is_some_and(|(_, new)| !new.is_null())
    }
}

fn bad(what: &str) -> PluginError {
    PluginError::Host(format!("unreadable history from the host: {what}"))
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn trailer(commit: &Value, key: &str) -> Option<String> {
    commit
        .get("trailers")?
        .as_array()?
        .iter()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            let k = pair.first()?.as_str()?;
            let v = pair.get(1)?.as_str()?;
            k.eq_ignore_ascii_case(key).then(|| v.trim().to_owned())
        })
        .next_back()
}

/// Reads the events (newest or oldest first) and keeps the changes dated
/// inside `window`, oldest first (by day, then commit time, then the
/// host's order).
pub fn read(events: &Value, window: &Period) -> Result<Vec<Change>, PluginError> {
    let events = match events {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => match map.get("events") {
            Some(Value::Array(items)) => items.as_slice(),
            _ => return Err(bad("expected a list of events")),
        },
        _ => return Err(bad("expected a list of events")),
    };
    let mut keyed: Vec<((Date, i64, usize), Change)> = Vec::new();
    for (order, event) in events.iter().enumerate() {
        let commit = event
            .get("commit")
            .ok_or_else(|| bad("event without commit"))?;
        let day: Date = commit
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| bad("commit without a date"))?;
        if !window.contains(day) {
            continue;
        }
        let timestamp = commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        let why = trailer(commit, "Kehu-Reason")
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| text(commit.get("subject")));
        let Some(Value::Array(customers)) = event.get("customers") else {
            continue;
        };
        for customer in customers {
            let id = customer
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("customer change without id"))?;
            let status = customer.get("status").and_then(Value::as_str);
            let fields = match customer.get("fields") {
                Some(Value::Array(f)) => f
                    .iter()
                    .filter_map(|f| {
                        let name = f.get("field")?.as_str()?.to_owned();
                        let old = f.get("old").cloned().unwrap_or(Value::Null);
                        let new = f.get("new").cloned().unwrap_or(Value::Null);
                        Some((name, old, new))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // A newest-first list puts the older of two same-second commits
            // later: order by the reversed position within a second.
            keyed.push((
                (day, timestamp, usize::MAX - order),
                Change {
                    day,
                    author: text(commit.get("author")),
                    kind: text(commit.get("kind")),
                    why: why.clone(),
                    contact_trailer: trailer(commit, "Kehu-Contact"),
                    id: id.to_owned(),
                    old_id: customer
                        .get("old_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    added: status == Some("added"),
                    removed: status == Some("removed"),
                    fields,
                },
            ));
        }
    }
    keyed.sort_by_key(|(key, _)| *key);
    Ok(keyed.into_iter().map(|(_, c)| c).collect())
}

#[cfg(test)]
impl Change {
    /// A hand-edit of customer `id` on 2026-11-17 with no fields, for tests.
    pub fn blank(id: &str) -> Change {
        Change {
            day: "2026-11-17".parse().unwrap(),
            author: String::new(),
            kind: "edit".into(),
            why: String::new(),
            contact_trailer: None,
            id: id.into(),
            old_id: None,
            added: false,
            removed: false,
            fields: Vec::new(),
        }
    }
}

/// Where the customers renamed in a run of changes ended up: an id before
/// a rename maps to the id at the end of the run (a chain `a → b → c` maps
/// both `a` and `b` to `c`). kehu-git pairs a plain-git rename (a delete and
/// an add of similar content) into one change with `old_id`, so a renamed
/// file is one customer, not one lost and one new.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Renames {
    to_end: BTreeMap<String, String>,
}

impl Renames {
    /// The renames in `changes` (oldest first).
    pub fn of(changes: &[Change]) -> Renames {
        let mut to_end: BTreeMap<String, String> = BTreeMap::new();
        // Newest first, so the end of every later rename is already known.
        for change in changes.iter().rev() {
            let Some(old) = change.old_id.as_ref().filter(|old| **old != change.id) else {
                continue;
            };
            let end = to_end
                .get(&change.id)
                .cloned()
                .unwrap_or_else(|| change.id.clone());
            to_end.insert(old.clone(), end);
        }
        Renames { to_end }
    }

    /// The id `id` has at the end of the run (itself when never renamed).
    pub fn resolve<'a>(&'a self, id: &'a str) -> &'a str {
        self.to_end.get(id).map_or(id, String::as_str)
    }

    /// Whether nothing was renamed.
    pub fn is_empty(&self) -> bool {
        self.to_end.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_period_oldest_first() {
        let events = json!([
            {"commit": {"date": "2026-11-20", "timestamp": 30, "author": "Bo", "kind": "regrade",
                        "subject": "grade: acme", "trailers": [["Kehu-Reason", "Renewal signed"]]},
             "customers": [{"id": "acme", "status": "modified",
                            "fields": [{"field": "grade.tier", "old": "key", "new": "strategic"}]}]},
            {"commit": {"date": "2026-11-17", "timestamp": 20, "author": "Ann", "kind": "contact",
                        "subject": "contact: acme by call", "trailers": [["Kehu-Contact", "call"]]},
             "customers": [{"id": "acme", "status": "modified",
                            "fields": [{"field": "contact.last", "old": "2026-11-01", "new": "2026-11-17"}]}]},
            {"commit": {"date": "2026-11-01", "timestamp": 10, "author": "Ann", "kind": "edit",
                        "subject": "old", "trailers": []},
             "customers": [{"id": "acme", "fields": []}]}
        ]);
        let period = Period {
            label: "w".into(),
            since: "2026-11-16".parse().unwrap(),
            until: "2026-11-22".parse().unwrap(),
        };
        let changes = read(&events, &period).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].author, "Ann");
        assert!(changes[0].is_contact());
        assert_eq!(changes[0].contact_trailer.as_deref(), Some("call"));
        assert_eq!(changes[1].why, "Renewal signed");
        assert!(!changes[1].is_contact());
        assert_eq!(
            changes[1].field("grade.tier"),
            Some((&json!("key"), &json!("strategic")))
        );
        assert!(read(&json!("x"), &period).is_err());
    }

    #[test]
    fn renames_follow_chains() {
        let change = |id: &str, old: Option<&str>| Change {
            old_id: old.map(Into::into),
            ..Change::blank(id)
        };
        let renames = Renames::of(&[
            change("b", Some("a")),
            change("b", None),
            change("c", Some("b")),
            change("y", Some("x")),
        ]);
        assert_eq!(renames.resolve("a"), "c");
        assert_eq!(renames.resolve("b"), "c");
        assert_eq!(renames.resolve("x"), "y");
        assert_eq!(renames.resolve("z"), "z");
        assert!(Renames::of(&[change("a", None)]).is_empty());
    }
}
