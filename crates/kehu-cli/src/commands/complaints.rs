//! Complaints read from one customer's git history, for `kehu contact
//! --resolved` (which must name an open complaint). The pairing of
//! complaints and resolutions is kehu-analytics' [`complaints`].

use kehu_analytics::complaints::{Complaint, ComplaintEvent, ComplaintKind, complaints};
use kehu_git::{CommitInfo, History, message};

/// The complaint events of one commit about `customer`.
pub fn events_of(commit: &CommitInfo, customer: &str) -> Vec<ComplaintEvent> {
    let event = |kind| ComplaintEvent {
        commit: commit.id.clone(),
        date: commit.date,
        customer: customer.to_owned(),
        kind,
    };
    let mut out = Vec::new();
    for text in commit.trailer_values(message::COMPLAINT) {
        out.push(event(ComplaintKind::Opened(text.trim().to_owned())));
    }
    for reference in commit.trailer_values(message::RESOLVED) {
        out.push(event(ComplaintKind::Resolved(reference.trim().to_owned())));
    }
    out
}

/// Every complaint of `customer` up to HEAD, oldest first.
pub fn of_customer(history: &History<'_>, customer: &str) -> anyhow::Result<Vec<Complaint>> {
    let mut events = Vec::new();
    for event in history.customer(customer, None)?.iter().rev() {
        events.extend(events_of(&event.commit, customer));
    }
    Ok(complaints(&events))
}
