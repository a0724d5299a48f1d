//! The last contact per customer, read from the book-wide history in one
//! pass (kehu-git's events: `[{"commit": {"date", "timestamp", "kind",
//! "trailers", ...}, "customers": [{"id", "old_id"?, "fields": [{"field",
//! "old", "new"}]}]}]`), and compared with `[contact].last`.
//!
//! A *contact commit* is one of kind `contact` (`Kehu-Command: contact`) or
//! one carrying a `Kehu-Contact` trailer. Its day is the `contact.last` it
//! wrote when it wrote one, else the commit date. Renames are followed:
//! a contact recorded under an old id counts for the new one.

use std::collections::HashMap;

use kehu_core::Date;
use kehu_plugin_sdk::events::{Event, oldest_first, read_events};
use kehu_plugin_sdk::{ChangeFilter, Context, LastContacts, PluginError};
use serde_json::Value;

/// The contacts of `since..=until` from the host: its `last_contacts`
/// answer (one record per customer), or on a host without it the contact
/// changes (`changes` with a contacts filter) read by [`Contacts::read`].
pub fn from_host(ctx: &Context<'_>, since: Date, until: Date) -> Result<Contacts, PluginError> {
    match ctx.last_contacts(Some(since), Some(until)) {
        Ok(answer) => Ok(Contacts::from_answer(answer)),
        Err(_) => {
            let filter = ChangeFilter::fields([CONTACT_FIELD]).contacts();
            let events = ctx.changes_filtered(Some(since), Some(until), &filter)?;
            Contacts::read(&events, since, until)
        }
    }
}

/// The field a contact writes.
const CONTACT_FIELD: &str = "contact.last";

/// What the history says about one customer's contacts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Logged {
    /// The latest contact commit's contact day.
    pub contact: Option<Date>,
    /// The latest value any commit wrote to `contact.last`, and whether
    /// that commit was bookkeeping (kind `import`, `regrade` or `assign`:
    /// a tool that copies the field, not a person editing it by hand).
    pub field_set: Option<(Option<Date>, bool)>,
}

/// Contacts logged in the history, by customer id: sorted by id and looked
/// up by binary search (the host's answer comes sorted, and a hundred
/// thousand lookups cost less than hashing as many keys into a map).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contacts {
    by_id: Vec<(String, Logged)>,
}

fn is_contact(event: &Event<'_>) -> bool {
    event.kind() == Some("contact") || event.trailer("Kehu-Contact").is_some()
}

fn as_day(value: &Value) -> Option<Date> {
    value
        .as_str()
        .and_then(|text| text.get(..10).unwrap_or(text).parse().ok())
}

impl Contacts {
    /// Reads events (in any order; sorted by commit time here), keeping the
    /// commits dated `since..=until`.
    pub fn read(events: &Value, since: Date, until: Date) -> Result<Contacts, PluginError> {
        let mut events = read_events(events)?;
        events.retain(|event| (since..=until).contains(&event.day));
        oldest_first(&mut events);
        let mut by_id: HashMap<String, Logged> = HashMap::new();
        for event in &events {
            let contact = is_contact(event);
            let bookkeeping =
                !contact && matches!(event.kind(), Some("import" | "regrade" | "assign"));
            for change in event.changes() {
                let change = change?;
                if let Some(old) = change.renamed_from()
                    && let Some(logged) = by_id.remove(old)
                {
                    by_id.insert(change.id.to_owned(), logged);
                }
                let written = change
                    .fields()
                    .find(|f| f.field == CONTACT_FIELD)
                    .map(|f| as_day(f.new));
                if !contact && written.is_none() {
                    continue;
                }
                let logged = by_id.entry(change.id.to_owned()).or_default();
                if let Some(value) = written {
                    logged.field_set = Some((value, bookkeeping));
                }
                if contact {
                    let on = written.flatten().unwrap_or(event.day);
                    logged.contact = Some(logged.contact.map_or(on, |d| d.max(on)));
                }
            }
        }
        Ok(Contacts::sorted(by_id.into_iter().collect()))
    }

    /// The host's `last_contacts` answer.
    pub fn from_answer(answer: LastContacts) -> Contacts {
        let by_id = answer
            .customers
            .into_iter()
            .map(|c| {
                let logged = Logged {
                    contact: c.contact,
                    field_set: c.field.map(|w| (w.value, w.bookkeeping)),
                };
                (c.id, logged)
            })
            .collect();
        Contacts::sorted(by_id)
    }

    /// Sorts `by_id` unless it is already in order; of two records of one
    /// id, the last one counts (as a map would keep it).
    fn sorted(mut by_id: Vec<(String, Logged)>) -> Contacts {
        if !by_id.windows(2).all(|w| w[0].0 < w[1].0) {
            by_id.reverse();
            by_id.sort_by(|a, b| a.0.cmp(&b.0));
            by_id.dedup_by(|later, first| later.0 == first.0);
        }
        Contacts { by_id }
    }

    /// What the history says about each of `ids`, in their order: walked
    /// side by side with the contacts while `ids` are ascending (a book's
    /// customers are), looked up one by one after any that is not.
    pub fn of_each<'a>(&self, ids: impl Iterator<Item = &'a str>) -> Vec<Logged> {
        let mut out = Vec::with_capacity(ids.size_hint().0);
        let mut rest = self.by_id.as_slice();
        let mut previous: Option<&str> = None;
        let mut ascending = true;
        for id in ids {
            ascending &= previous.is_none_or(|p| p < id);
            previous = Some(id);
            if !ascending {
                out.push(self.get(id));
                continue;
            }
            while let Some(((key, _), tail)) = rest.split_first()
                && key.as_str() < id
            {
                rest = tail;
            }
            out.push(match rest.first() {
                Some((key, logged)) if key == id => *logged,
                _ => Logged::default(),
            });
        }
        out
    }

    /// What the history says about `id`.
    pub fn get(&self, id: &str) -> Logged {
        self.by_id
            .binary_search_by(|(key, _)| key.as_str().cmp(id))
            .map_or_else(|_| Logged::default(), |at| self.by_id[at].1)
    }
}

/// A customer's last contact and, when the file and the history disagree,
/// why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastContact {
    /// The latest of `[contact].last` and the latest contact commit.
    pub day: Option<Date>,
    /// `[contact].last` in the file.
    pub field: Option<Date>,
    /// The latest contact commit in the window read.
    pub logged: Option<Date>,
    /// The disagreement in words, if any.
    pub note: Option<String>,
}

/// Combines the file's `[contact].last` with the history read since `since`
/// (`None`: no history was read). A file date before `since` cannot be
/// checked against the history and is taken as it is.
pub fn last_contact(field: Option<Date>, logged: Logged, since: Option<Date>) -> LastContact {
    let day = match (field, logged.contact) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let note = match (field, logged.contact) {
        (f, Some(h)) if f.is_none_or(|f| f < h) => Some(match f {
            Some(f) => format!(
                "a contact commit on {h} did not update [contact].last (still {f}): a commit without the field"
            ),
            None => {
                format!("a contact commit on {h} but no [contact].last: a commit without the field")
            }
        }),
        (Some(f), h) if since.is_some_and(|s| f >= s) && h.is_none_or(|h| h < f) => {
            match logged.field_set {
                // An import or regrade commit wrote it: bookkeeping, not a hand edit.
                Some((Some(v), true)) if v == f => None,
                _ => Some(match h {
                    Some(h) => format!(
                        "[contact].last {f} is later than the last contact commit ({h}): a hand edit without a commit"
                    ),
                    None => format!(
                        "[contact].last {f} has no contact commit: a hand edit without a commit"
                    ),
                }),
            }
        }
        _ => None,
    };
    LastContact {
        day,
        field,
        logged: logged.contact,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(day: &str) -> Logged {
        Logged {
            contact: Some(day.parse().unwrap()),
            field_set: None,
        }
    }

    #[test]
    fn each_id_finds_its_contacts_in_any_order() {
        let unsorted = vec![
            ("d".to_owned(), logged("2026-01-04")),
            ("b".to_owned(), logged("2026-01-02")),
            ("b".to_owned(), logged("2026-01-12")),
            ("f".to_owned(), logged("2026-01-06")),
        ];
        let contacts = Contacts::sorted(unsorted);
        // Of two records of one id, the later counts, as in a map.
        assert_eq!(contacts.get("b"), logged("2026-01-12"));
        let none = Logged::default();
        let ascending = ["a", "b", "c", "d", "e", "f", "g"];
        let expected = [
            none,
            logged("2026-01-12"),
            none,
            logged("2026-01-04"),
            none,
            logged("2026-01-06"),
            none,
        ];
        assert_eq!(contacts.of_each(ascending.into_iter()), expected);
        let shuffled = ["f", "a", "d", "b", "g"];
        let looked_up: Vec<Logged> = shuffled.iter().map(|id| contacts.get(id)).collect();
        assert_eq!(contacts.of_each(shuffled.into_iter()), looked_up);
        assert_eq!(Contacts::default().of_each(["a"].into_iter()), [none]);
    }
}
