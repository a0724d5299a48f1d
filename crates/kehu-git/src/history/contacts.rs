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
//!
//! With a history index, the commits come from its digest
//! ([`super::contact_digest`]) and the answer is kept for the next run
//! that asks the same ([`super::contact_answers`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;

use kehu_core::Date;
use serde::Serialize;

use super::contact_answers;
use super::filter::{CONTACT_FIELD, ChangeFilter};
use super::log::CHUNK;
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

/// The marks of a contacts query as the reduction reads them: per commit
/// (or chunk of one, as the walk hands them out), newest first, its day,
/// time and flags, and its customers with their ids interned. A year of
/// history names the same customers over and over: each id is kept once,
/// not once per commit.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Marks {
    /// One per commit or chunk, in walk order; each ends its customers.
    heads: Vec<Head>,
    /// The customers of every head, one after the other.
    touched: Vec<Touched>,
    /// The customer ids, each with its number.
    ids: HashMap<Box<str>, usize, BuildHasherDefault<TextHasher>>,
}

/// A commit (or a chunk of one) of [`Marks`].
#[derive(Clone, Copy, Debug, PartialEq)]
struct Head {
    day: Date,
    timestamp: i64,
    contact: bool,
    bookkeeping: bool,
    /// Where its customers end in [`Marks::touched`].
    end: usize,
}

/// A customer of a head, by id number.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Touched {
    id: usize,
    old_id: Option<usize>,
    written: Option<Option<Date>>,
}

impl Marks {
    /// Begins the next commit (or chunk of one) of the walk: made on `day`
    /// at `timestamp`, a contact commit or not, bookkeeping or not
    /// ([`is_bookkeeping`]). It is kept once a customer is added to it.
    pub(super) fn begin(
        &mut self,
        (day, timestamp): (Date, i64),
        contact: bool,
        bookkeeping: bool,
    ) -> Commit<'_> {
        Commit {
            head: Head {
                day,
                timestamp,
                contact,
                bookkeeping,
                end: 0,
            },
            open: CHUNK,
            marks: self,
        }
    }

    /// Whether no commit is held.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// The commits and chunks held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.heads.len()
    }
}

/// The commit [`Marks::begin`] began, taking its customers.
pub(super) struct Commit<'m> {
    marks: &'m mut Marks,
    head: Head,
    /// Customers in its last chunk ([`CHUNK`] before the first).
    open: usize,
}

impl Commit<'_> {
    /// The number of customer `id`, numbered in the order first seen.
    pub(super) fn id(&mut self, id: &str) -> usize {
        let ids = &mut self.marks.ids;
        if let Some(&n) = ids.get(id) {
            return n;
        }
        let n = ids.len();
        ids.insert(id.into(), n);
        n
    }

    /// Adds a customer: its id, its id before a rename (numbered by
    /// [`Commit::id`], the id first), and its write of `contact.last` if it
    /// made one. Past [`CHUNK`] customers the commit goes on in a new
    /// chunk, as the index hands a large commit out.
    pub(super) fn touch(
        &mut self,
        id: usize,
        old_id: Option<usize>,
        written: Option<Option<Date>>,
    ) {
        if self.open == CHUNK {
            self.marks.heads.push(self.head);
            self.open = 0;
        }
        self.marks.touched.push(Touched {
            id,
            old_id,
            written,
        });
        self.open += 1;
        if let Some(last) = self.marks.heads.last_mut() {
            last.end = self.marks.touched.len();
        }
    }
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
        let indexed = self.indexed(&query);
        if let Some(at) = &indexed
            && let Some(logs) = contact_answers::recall(at, &query)
        {
            return Ok(logs);
        }
        let marks = match indexed
            .as_ref()
            .and_then(|at| self.digested_marks(&query, at))
        {
            Some(marks) => marks,
            None => self.found_marks(&query)?,
        };
        let logs = reduce(marks);
        if let Some(at) = &indexed {
            contact_answers::keep(at, &query, &logs);
        }
        Ok(logs)
    }

    /// The marks of a contacts `query`, newest first, from the index's
    /// JSON or from git.
    pub(super) fn found_marks(&self, query: &LogQuery) -> Result<Marks, GitError> {
        let mut marks = Marks::default();
        self.found_each(query, |found| {
            let mut commit = marks.begin(
                (found.day, found.at),
                found.contact,
                is_bookkeeping(found.contact, found.kind),
            );
            for customer in &found.customers {
                let id = commit.id(&customer.id);
                let old_id = customer.old_id.as_deref().map(|old| commit.id(old));
                commit.touch(id, old_id, written(customer));
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(marks)
    }
}

/// Hashes customer ids: cheap, as a lookup is made per customer change
/// read; the ids come from the book, not from an adversary. Each word of
/// eight bytes is added and the sum multiplied by an odd constant with
/// well-spread bits; the result is rotated so that its best-mixed high
/// bits pick the bucket.
#[derive(Default)]
struct TextHasher(u64);

impl TextHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn add(&mut self, word: u64) {
        self.0 = self.0.wrapping_add(word).wrapping_mul(Self::K);
    }
}

impl Hasher for TextHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// What the reduction knows of one customer so far.
#[derive(Clone, Copy, Default)]
struct Known {
    contact: Option<Date>,
    field: Option<(Option<Date>, bool)>,
}

/// Folds the commits (newest first, as the walk finds them) oldest first.
pub(super) fn reduce(marks: Marks) -> Vec<ContactLog> {
    let Marks {
        heads,
        touched,
        ids,
        ..
    } = marks;
    // Oldest first; within one second, the later in walk order is older.
    // The walk finds the commits mostly newest first: taken backwards they
    // are mostly in order already, which a stable sort passes over in one
    // go, and it keeps the later in walk order first among equals.
    let mut order: Vec<usize> = (0..heads.len()).rev().collect();
    order.sort_by_key(|&i| (heads[i].day, heads[i].timestamp));
    // By id number: a rename moves what is known to the new id's place.
    let mut known: Vec<Option<Known>> = vec![None; ids.len()];
    for i in order {
        let head = heads[i];
        let start = i.checked_sub(1).map_or(0, |before| heads[before].end);
        for touch in &touched[start..head.end] {
            if let Some(old) = touch.old_id
                && old != touch.id
                && let Some(moved) = known[old].take()
            {
                known[touch.id] = Some(moved);
            }
            if !head.contact && touch.written.is_none() {
                continue;
            }
            let log = known[touch.id].get_or_insert_default();
            if let Some(value) = touch.written {
                log.field = Some((value, head.bookkeeping));
            }
            if head.contact {
                let on = touch.written.flatten().unwrap_or(head.day);
                log.contact = Some(log.contact.map_or(on, |d| d.max(on)));
            }
        }
    }
    let mut names: Vec<Option<Box<str>>> = vec![None; known.len()];
    for (name, n) in ids {
        names[n] = Some(name);
    }
    let mut logs: Vec<ContactLog> = known
        .into_iter()
        .zip(names)
        .filter_map(|(known, name)| {
            let known = known?;
            Some(ContactLog {
                id: name?.into(),
                contact: known.contact,
                field: known.field,
            })
        })
        .collect();
    logs.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    logs
}
