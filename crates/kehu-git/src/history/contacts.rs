//! The last contacts per customer over a window: what the agenda needs from
//! the history, reduced here so that a host sends one small record per
//! customer instead of every contact commit.
//!
//! A *contact commit* is one [`is_contact`] says is (`Kehu-Command: contact`
//! or a `Kehu-Contact` trailer). Its contact day is the `contact.last` it
//! wrote when it wrote one, else its author date. Any other commit that
//! writes `contact.last` is remembered as the field's latest write, marked
//! *bookkeeping* when it is an import, regrade or assign commit (a tool
//! copying the field, not a person). Renames are followed: what was
//! recorded under an old id counts for the new one.

use std::collections::HashMap;
use std::ops::ControlFlow;

use kehu_core::Date;
use serde::Serialize;

use super::filter::{CONTACT_FIELD, ChangeFilter};
use super::{History, Kind, LogQuery};
use crate::error::GitError;

/// What a window of history says about one customer's contacts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ContactLog {
    /// The customer id (after any rename in the window).
    pub id: String,
    /// The latest contact day among the window's contact commits.
    pub contact: Option<Date>,
    /// The latest value any commit wrote to `contact.last` (`None` inside:
    /// removed, or not a day) and whether that commit was bookkeeping.
    pub field: Option<(Option<Date>, bool)>,
}

/// One customer's part of a commit, as the reduction needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Touch {
    pub id: String,
    pub old_id: Option<String>,
    /// `Some(value)` when the commit wrote `contact.last`.
    pub written: Option<Option<Date>>,
}

/// One commit (or one chunk of a commit's customers), as the reduction
/// needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    pub day: Date,
    pub timestamp: i64,
    pub contact: bool,
    pub bookkeeping: bool,
    pub touches: Vec<Touch>,
}

impl Mark {
    /// The mark of a commit (or one chunk of its customers) made on `day`
    /// at `timestamp`, of `kind`, changing `customers` (as a contacts
    /// query keeps them).
    pub(super) fn of(
        (day, timestamp): (Date, i64),
        contact: bool,
        kind: Kind,
        customers: Vec<super::CustomerChange>,
    ) -> Mark {
        Mark {
            day,
            timestamp,
            contact,
            bookkeeping: is_bookkeeping(contact, kind),
            touches: customers
                .into_iter()
                .map(|c| Touch {
                    written: written(&c),
                    id: c.id,
                    old_id: c.old_id,
                })
                .collect(),
        }
    }
}

/// The filter of a `last_contacts` query.
pub(super) fn contacts_filter() -> ChangeFilter {
    ChangeFilter::fields([CONTACT_FIELD]).contacts()
}

/// Whether a commit of `kind` that is not a contact commit writes
/// `contact.last` as bookkeeping (a tool copying the field).
fn is_bookkeeping(contact: bool, kind: Kind) -> bool {
    !contact && matches!(kind, Kind::Import | Kind::Regrade | Kind::Assign)
}

/// The customer's `contact.last` write, if the change made one.
fn written(change: &super::CustomerChange) -> Option<Option<Date>> {
    change.field(CONTACT_FIELD).map(|f| as_day(f.new.as_ref()))
}

/// A `contact.last` value as a day (`2026-11-18`, or a datetime's day).
fn as_day(value: Option<&serde_json::Value>) -> Option<Date> {
    let text = value?.as_str()?;
    text.get(..10).unwrap_or(text).parse().ok()
}

impl<'b> History<'b> {
    /// Per customer, the latest contact and the latest write of
    /// `contact.last` in the window of `query` (its filter is replaced by a
    /// contacts filter), sorted by id.
    pub fn last_contacts(&self, query: &LogQuery) -> Result<Vec<ContactLog>, GitError> {
        let query = LogQuery {
            filter: contacts_filter(),
            ..query.clone()
        };
        let marks = match self.digested_marks(&query) {
            Some(marks) => marks,
            None => self.found_marks(&query)?,
        };
        Ok(reduce(marks))
    }

    /// The marks of a contacts `query`, newest first, from the index's
    /// JSON or from git.
    pub(super) fn found_marks(&self, query: &LogQuery) -> Result<Vec<Mark>, GitError> {
        let mut marks = Vec::new();
        self.found_each(query, |found| {
            marks.push(Mark::of(
                (found.day, found.at),
                found.contact,
                found.kind,
                found.customers,
            ));
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(marks)
    }
}

/// Folds the commits (newest first, as the walk finds them) oldest first.
pub(super) fn reduce(marks: Vec<Mark>) -> Vec<ContactLog> {
    let mut marks: Vec<(usize, Mark)> = marks.into_iter().enumerate().collect();
    // Oldest first; within one second, the later in walk order is older.
    marks.sort_by(|(i, a), (j, b)| {
        (a.day, a.timestamp)
            .cmp(&(b.day, b.timestamp))
            .then(j.cmp(i))
    });
    let mut by_id: HashMap<String, ContactLog> = HashMap::new();
    for (_, mark) in marks {
        for touch in mark.touches {
            if let Some(old) = touch.old_id.as_deref()
                && old != touch.id
                && let Some(mut log) = by_id.remove(old)
            {
                log.id.clone_from(&touch.id);
                by_id.insert(touch.id.clone(), log);
            }
            if !mark.contact && touch.written.is_none() {
                continue;
            }
            let log = by_id.entry(touch.id).or_insert_with_key(|id| ContactLog {
                id: id.clone(),
                ..ContactLog::default()
            });
            if let Some(value) = touch.written {
                log.field = Some((value, mark.bookkeeping));
            }
            if mark.contact {
                let on = touch.written.flatten().unwrap_or(mark.day);
                log.contact = Some(log.contact.map_or(on, |d| d.max(on)));
            }
        }
    }
    // A map by hash and one sort at the end: a hundred thousand customers
    // cost less than keeping a tree in order all along.
    let mut logs: Vec<ContactLog> = by_id.into_values().collect();
    logs.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    logs
}
