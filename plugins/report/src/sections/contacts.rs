//! Contacts made in the period, by owner and channel.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{NONE, Snapshot, scalar};
use crate::history::{Change, Renames};

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

/// Contacts in the period by the customer's owner (at the end) and channel
/// (the commit's `Kehu-Contact`, else the recorded `contact.channel`),
/// counted one change at a time.
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<(String, String), usize>,
    total: usize,
}

impl Tally {
    /// Counts `change` if it records a contact; `renames` knows every
    /// rename newer than it.
    pub fn add(&mut self, change: &Change, renames: &Renames, end: &Snapshot<'_>) {
        if !change.is_contact() {
            return;
        }
        let customer = end.find(renames.resolve(&change.id));
        let owner = customer
            .and_then(|c| c.owner.clone())
            .unwrap_or_else(|| NONE.to_owned());
        let channel = change
            .contact_trailer
            .clone()
            .or_else(|| {
                change
                    .field("contact.channel")
                    .and_then(|(_, new)| scalar(new))
            })
            .or_else(|| customer.and_then(|c| c.contact.channel.clone()))
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
