//! Contacts made in the period, by owner and channel.

use std::collections::BTreeMap;

use serde::Serialize;

use kehu_core::Customer;

use super::{NONE, scalar};
use crate::history::Change;

/// Contacts by one owner over one channel.
#[derive(Clone, Debug, Serialize)]
pub struct ContactCount {
    /// The customer's owner at the end (`(none)` without one).
    pub owner: String,
    /// The channel (`(unknown)` when none was recorded).
    pub channel: String,
    /// Contacts.
    pub count: usize,
}

/// Each customer's owner and recorded contact channel at the end of the
/// period, by its place in the end book: what [`Tally`] counts a contact
/// under, taken before the book is undone ([`crate::rewind::Rewinder`]).
/// A few bytes a customer: owners and channels are few, each kept once.
#[derive(Debug, Default)]
pub struct EndContacts {
    /// Each owner and channel name once.
    names: Vec<String>,
    /// Per customer: its owner's and its channel's index in `names`.
    of: Vec<(Option<u32>, Option<u32>)>,
}

impl EndContacts {
    /// Takes the owners and channels of `book` (the end book).
    pub fn of(book: &[Customer]) -> EndContacts {
        fn intern<'b>(
            name: Option<&'b str>,
            index: &mut BTreeMap<&'b str, u32>,
            names: &mut Vec<String>,
        ) -> Option<u32> {
            let name = name?;
            Some(*index.entry(name).or_insert_with(|| {
                names.push(name.to_owned());
                u32::try_from(names.len() - 1).unwrap_or(u32::MAX)
            }))
        }
        let mut index = BTreeMap::new();
        let mut names = Vec::new();
        let mut of = Vec::with_capacity(book.len());
        for c in book {
            let owner = intern(c.owner.as_deref(), &mut index, &mut names);
            let channel = intern(c.contact.channel.as_deref(), &mut index, &mut names);
            of.push((owner, channel));
        }
        EndContacts { names, of }
    }

    /// The owner and channel of the customer at `place` in the end book.
    pub fn at(&self, place: usize) -> (Option<&str>, Option<&str>) {
        let name = |i: Option<u32>| Some(self.names.get(usize::try_from(i?).ok()?)?.as_str());
        let (owner, channel) = self.of.get(place).copied().unwrap_or_default();
        (name(owner), name(channel))
    }
}

/// Contacts in the period by the customer's owner (at the end) and channel
/// (the commit's `Kehu-Contact`, else the recorded `contact.channel`),
/// counted one change at a time.
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<(String, String), usize>,
    total: usize,
}

impl Tally {
    /// Counts `change` if it records a contact; `end` is its customer's
    /// owner and recorded channel at the end of the period (`None` when it
    /// left the book).
    pub fn add(&mut self, change: &Change, end: Option<(Option<&str>, Option<&str>)>) {
        if !change.is_contact() {
            return;
        }
        let (owner, recorded) = end.unwrap_or_default();
        let owner = owner.unwrap_or(NONE).to_owned();
        let channel = change
            .contact_trailer
            .clone()
            .or_else(|| {
                change
                    .field("contact.channel")
                    .and_then(|(_, new)| scalar(new))
            })
            .or_else(|| recorded.map(str::to_owned))
            .unwrap_or_else(|| "(unknown)".to_owned());
        *self.counts.entry((owner, channel)).or_insert(0) += 1;
        self.total += 1;
    }

    /// The total and the rows, by owner and channel.
    pub fn rows(&self) -> (usize, Vec<ContactCount>) {
        let rows = self
            .counts
            .iter()
            .map(|((owner, channel), count)| ContactCount {
                owner: owner.clone(),
                channel: channel.clone(),
                count: *count,
            })
            .collect();
        (self.total, rows)
    }
}
