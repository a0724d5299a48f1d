//! The history the report reads, streamed from the host's `changes`
//! answers (kehu-git events: `[{"commit": {"id", "date", "timestamp",
//! "author", "kind", "subject", "trailers": [[key, value], ...]},
//! "customers": [{"id", "old_id"?, "status", "fields": [{"field", "old",
//! "new"}]}]}]`): each event is deserialized on its own into borrowed
//! [`RawEvent`]s ([`each_event`]) and only what the report keeps is
//! copied, so memory follows what the report needs, not the answer's size.
//! The period's changes are flattened to one [`Change`] per customer and
//! commit, oldest first.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::Value;

/// A commit as the host sends it.
#[derive(Debug, Deserialize)]
pub struct RawCommit<'a> {
    /// The commit id (hex).
    #[serde(default, borrow)]
    pub id: Cow<'a, str>,
    /// The author's day.
    pub date: Date,
    /// Author time, seconds since the epoch.
    #[serde(default)]
    pub timestamp: i64,
    /// The author.
    #[serde(default, borrow)]
    pub author: Cow<'a, str>,
    /// The kind (`contact`, `regrade`, `edit` ...).
    #[serde(default, borrow)]
    pub kind: Cow<'a, str>,
    /// The subject line.
    #[serde(default, borrow)]
    pub subject: Cow<'a, str>,
    /// Trailers in order.
    #[serde(default)]
    pub trailers: Vec<(String, String)>,
}

impl RawCommit<'_> {
    /// The last value of trailer `key` (case-insensitive), trimmed.
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
    }
}

/// One field change as the host sends it; a missing side is `Null`.
#[derive(Debug, Deserialize)]
pub struct RawField<'a> {
    /// The dotted field, e.g. `grade.tier`.
    #[serde(borrow)]
    pub field: Cow<'a, str>,
    /// The value before.
    #[serde(default)]
    pub old: Value,
    /// The value after.
    #[serde(default)]
    pub new: Value,
}

/// One customer's change in a commit as the host sends it.
#[derive(Debug, Deserialize)]
pub struct RawCustomer<'a> {
    /// The id after the change.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The id before a rename.
    #[serde(default, borrow)]
    pub old_id: Option<Cow<'a, str>>,
    /// `added`, `modified`, `removed` ...
    #[serde(default, borrow)]
    pub status: Option<Cow<'a, str>>,
    /// The field changes.
    #[serde(default, borrow)]
    pub fields: Vec<RawField<'a>>,
}

impl RawCustomer<'_> {
    /// The change of `field`, if any.
    pub fn field(&self, name: &str) -> Option<&RawField<'_>> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// One event of the host's answer.
#[derive(Debug, Deserialize)]
pub struct RawEvent<'a> {
    /// The commit.
    #[serde(borrow)]
    pub commit: RawCommit<'a>,
    /// The customers it changed.
    #[serde(default, borrow)]
    pub customers: Vec<RawCustomer<'a>>,
}

fn bad(what: impl fmt::Display) -> PluginError {
    PluginError::Host(format!("unreadable history from the host: {what}"))
}

/// Hands each event of a `changes` answer (a JSON list) to `visit` with its
/// position in the list, one at a time, never holding the whole list.
pub fn each_event<'de>(
    bytes: &'de [u8],
    visit: impl FnMut(usize, RawEvent<'de>),
) -> Result<(), PluginError> {
    struct Events<F>(F);
    impl<'de, F: FnMut(usize, RawEvent<'de>)> Visitor<'de> for Events<F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of events")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            let mut order = 0;
            while let Some(event) = seq.next_element::<RawEvent<'de>>()? {
                (self.0)(order, event);
                order += 1;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.deserialize_seq(Events(visit)).map_err(bad)?;
    de.end().map_err(bad)
}

/// Sorts by the key and drops it: oldest first by day, then commit time,
/// then (for two commits in one second of a newest-first list) the later
/// position.
pub fn oldest_first<T>(mut keyed: Vec<(Key, T)>) -> Vec<T> {
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, t)| t).collect()
}

/// The sort key of [`oldest_first`].
pub type Key = (Date, i64, usize);

/// The key of an event at `order` in the host's list.
pub fn key(commit: &RawCommit<'_>, order: usize) -> Key {
    (commit.date, commit.timestamp, usize::MAX - order)
}

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
    /// The customer `customer`'s change in the event's `commit`.
    pub fn of(commit: &RawCommit<'_>, customer: RawCustomer<'_>) -> Change {
        let why = commit
            .trailer("Kehu-Reason")
            .filter(|r| !r.is_empty())
            .unwrap_or(&commit.subject)
            .to_owned();
        let status = customer.status.as_deref();
        Change {
            day: commit.date,
            author: commit.author.clone().into_owned(),
            kind: commit.kind.clone().into_owned(),
            why,
            contact_trailer: commit.trailer("Kehu-Contact").map(str::to_owned),
            added: status == Some("added"),
            removed: status == Some("removed"),
            id: customer.id.into_owned(),
            old_id: customer.old_id.map(Cow::into_owned),
            fields: customer
                .fields
                .into_iter()
                .map(|f| (f.field.into_owned(), f.old, f.new))
                .collect(),
        }
    }

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

#[cfg(test)]
impl Change {
    /// The changes of `events` (JSON) dated in `period`, oldest first.
    pub fn in_period(events: &Value, period: &crate::period::Period) -> Vec<Change> {
        let bytes = serde_json::to_vec(events).unwrap();
        let mut keyed = Vec::new();
        each_event(&bytes, |order, event| {
            if period.contains(event.commit.date) {
                for customer in event.customers {
                    keyed.push((
                        key(&event.commit, order),
                        Change::of(&event.commit, customer),
                    ));
                }
            }
        })
        .unwrap();
        oldest_first(keyed)
    }

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
    /// Notes the rename `change` makes, if any. Changes come newest first,
    /// so the end of every later rename is already known.
    pub fn note(&mut self, change: &Change) {
        let Some(old) = change.old_id.as_ref().filter(|old| **old != change.id) else {
            return;
        };
        let end = self.resolve(&change.id).to_owned();
        self.to_end.insert(old.clone(), end);
    }

    /// The renames in `changes` (oldest first).
    #[cfg(test)]
    pub fn of(changes: &[Change]) -> Renames {
        let mut renames = Renames::default();
        for change in changes.iter().rev() {
            renames.note(change);
        }
        renames
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
        let period = crate::period::Period {
            label: "w".into(),
            since: "2026-11-16".parse().unwrap(),
            until: "2026-11-22".parse().unwrap(),
        };
        let changes = Change::in_period(&events, &period);
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
        assert!(each_event(b"\"x\"", |_, _| {}).is_err());
        assert!(each_event(b"[{}]", |_, _| {}).is_err());
        assert!(each_event(b"[] trailing", |_, _| {}).is_err());
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
