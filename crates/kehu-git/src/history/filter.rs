//! Asking the history for less: only some fields, only contacts, only
//! commits with some trailers. A narrow question lets the reader skip the
//! field diffs nobody reads, and lets the history index answer without
//! touching git.

use std::collections::BTreeSet;

use super::records::{CommitInfo, CustomerChange, Event, Kind};
use crate::message;

/// The field a contact writes (`[contact].last`).
pub const CONTACT_FIELD: &str = "contact.last";

/// What a history query keeps. The default keeps every change.
///
/// - `fields`: only these dotted fields are reported; a customer change
///   touching none of them is left out, unless it is a rename (kept with no
///   fields, so a reader can follow the id);
/// - `contacts`: only every customer of a contact commit (see
///   [`is_contact`]) and, from other commits, the customers whose
///   `contact.last` changed, plus renames;
/// - `trailers`: only commits carrying at least one of these trailer keys
///   (compared case-insensitively), with their customers narrowed by the
///   other two. A commit without them is skipped before its diff is read,
///   so asking for a rare trailer over a long window costs the walk only.
///
/// With any set, an event left without customers is dropped (a commit
/// that only changed `kehu.toml` included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only these fields; `None`: every field.
    pub fields: Option<BTreeSet<String>>,
    /// Only contacts.
    pub contacts: bool,
    /// Only commits with one of these trailer keys; `None`: every commit.
    pub trailers: Option<BTreeSet<String>>,
}

/// Whether a commit records a contact: `Kehu-Command: contact` or a
/// `Kehu-Contact` trailer.
pub fn is_contact(commit: &CommitInfo) -> bool {
    commit.kind == Kind::Contact || commit.trailer(message::CONTACT).is_some()
}

impl ChangeFilter {
    /// Only these fields.
    pub fn fields<I, S>(fields: I) -> ChangeFilter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ChangeFilter {
            fields: Some(fields.into_iter().map(Into::into).collect()),
            ..ChangeFilter::default()
        }
    }

    /// The same filter restricted to contacts.
    pub fn contacts(mut self) -> ChangeFilter {
        self.contacts = true;
        self
    }

    /// Whether this filter keeps everything.
    pub fn is_everything(&self) -> bool {
        self.fields.is_none() && !self.contacts && self.trailers.is_none()
    }

    /// Whether the filter narrows a commit's customers (by fields or to
    /// contacts).
    fn narrows_customers(&self) -> bool {
        self.fields.is_some() || self.contacts
    }

    /// Whether the filter keeps a commit with this record (its trailers).
    pub fn keeps_commit(&self, commit: &CommitInfo) -> bool {
        self.trailers.as_ref().is_none_or(|keys| {
            commit
                .trailers
                .iter()
                .any(|(key, _)| keys.iter().any(|k| k.eq_ignore_ascii_case(key)))
        })
    }

    /// Whether a commit whose record serializes to `json` may be kept: a
    /// test on the text, without decoding it, that is never false for a
    /// commit [`ChangeFilter::keeps_commit`] keeps (a key that appears
    /// nowhere in the text is no trailer of it).
    pub(crate) fn may_keep_json(&self, json: &str) -> bool {
        self.trailers.as_ref().is_none_or(|keys| {
            keys.iter()
                .any(|key| contains_ignore_ascii_case(json.as_bytes(), key.as_bytes()))
        })
    }

    /// The fields whose changes the filter must see to decide (`None`:
    /// all): its own, and `contact.last` for a contacts filter.
    pub(crate) fn needed(&self) -> Option<BTreeSet<String>> {
        let mut needed = self.fields.clone()?;
        if self.contacts {
            needed.insert(CONTACT_FIELD.to_owned());
        }
        Some(needed)
    }

    /// Whether the filter reports `field`.
    fn reports(&self, field: &str) -> bool {
        self.fields.as_ref().is_none_or(|set| set.contains(field))
    }

    /// Narrows one customer change of a commit; `None` when it is left out.
    pub(crate) fn customer(
        &self,
        contact_commit: bool,
        mut change: CustomerChange,
    ) -> Option<CustomerChange> {
        if !self.narrows_customers() {
            return Some(change);
        }
        let renamed = change.old_id.is_some();
        let touches_contact = change.fields.iter().any(|f| f.field == CONTACT_FIELD);
        change.fields.retain(|f| self.reports(&f.field));
        let keep = renamed
            || if self.contacts {
                contact_commit || touches_contact
            } else {
                !change.fields.is_empty()
            };
        keep.then_some(change)
    }

    /// Narrows an event; `None` when nothing is left of it.
    pub fn apply(&self, mut event: Event) -> Option<Event> {
        if self.is_everything() {
            return Some(event);
        }
        if !self.keeps_commit(&event.commit) {
            return None;
        }
        let contact = is_contact(&event.commit);
        event.customers = std::mem::take(&mut event.customers)
            .into_iter()
            .filter_map(|c| self.customer(contact, c))
            .collect();
        (!event.customers.is_empty()).then_some(event)
    }
}

/// Whether `text` contains `needle`, ASCII letters compared without case.
fn contains_ignore_ascii_case(text: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while let Some(at) = text[from..].iter().position(|&b| b == lower || b == upper) {
        let start = from + at + 1;
        if text
            .get(start..start + rest.len())
            .is_some_and(|next| next.eq_ignore_ascii_case(rest))
        {
            return true;
        }
        from = start;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_key_in_any_case() {
        assert!(contains_ignore_ascii_case(
            b"[[\"KEHU-complaint\",\"x\"]]",
            b"Kehu-Complaint"
        ));
        assert!(contains_ignore_ascii_case(b"kehu-reason", b"Kehu-Reason"));
        assert!(!contains_ignore_ascii_case(b"Kehu-Reaso", b"Kehu-Reason"));
        assert!(!contains_ignore_ascii_case(b"", b"k"));
        assert!(contains_ignore_ascii_case(b"abc", b""));
    }
}
