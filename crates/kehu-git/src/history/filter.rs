//! Asking the history for less: only some fields, only contacts. A narrow
//! question lets the reader skip the field diffs nobody reads, and lets the
//! history index answer without touching git.

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
///   `contact.last` changed, plus renames.
///
/// With either set, an event left without customers is dropped (a commit
/// that only changed `kehu.toml` included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only these fields; `None`: every field.
    pub fields: Option<BTreeSet<String>>,
    /// Only contacts.
    pub contacts: bool,
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
            contacts: false,
        }
    }

    /// The same filter restricted to contacts.
    pub fn contacts(mut self) -> ChangeFilter {
        self.contacts = true;
        self
    }

    /// Whether this filter keeps everything.
    pub fn is_everything(&self) -> bool {
        self.fields.is_none() && !self.contacts
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
        if self.is_everything() {
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
        let contact = is_contact(&event.commit);
        event.customers = std::mem::take(&mut event.customers)
            .into_iter()
            .filter_map(|c| self.customer(contact, c))
            .collect();
        (!event.customers.is_empty()).then_some(event)
    }
}
