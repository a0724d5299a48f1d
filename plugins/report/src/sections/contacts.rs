//! Contacts made in the period, by owner and channel.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{NONE, Period, Snapshot, scalar};

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
/// (the commit's `Kehu-Contact`, else the recorded `contact.channel`), and
/// their total.
pub fn contacts(period: &Period<'_>, end: &Snapshot<'_>) -> (usize, Vec<ContactCount>) {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut total = 0;
    for change in period.changes.iter().filter(|c| c.is_contact()) {
        let customer = end.find(period.renames.resolve(&change.id));
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
        *counts.entry((owner, channel)).or_insert(0) += 1;
        total += 1;
    }
    let rows = counts
        .into_iter()
        .map(|((owner, channel), count)| ContactCount {
            owner,
            channel,
            count,
        })
        .collect();
    (total, rows)
}
