//! Complaints read from one customer's git history, for `kehu contact
//! --resolved` (which must name an open complaint). The pairing of
//! complaints and resolutions is kehu-analytics' [`complaints`].

use kehu_analytics::complaints::{Complaint, ComplaintEvent, ComplaintKind, complaints};
use kehu_core::Date;
use kehu_git::{Event, History, message};

/// The complaint events of one commit about `customer`, dated on the
/// contact's day (the new `contact.last`), else the commit's day.
pub fn events_of(event: &Event, customer: &str) -> Vec<ComplaintEvent> {
    let commit = &event.commit;
    let date = event
        .customers
        .iter()
        .find(|c| c.id == customer)
        .and_then(|c| c.field("contact.last"))
        .and_then(|f| f.new.as_ref())
        .and_then(|v| v.as_str())
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or(commit.date);
    let event = |kind| ComplaintEvent {
        commit: commit.id.clone(),
        date,
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
        events.extend(events_of(event, customer));
    }
    Ok(complaints(&events))
}
