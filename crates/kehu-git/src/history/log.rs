//! The book-wide change log over a date window: one first-parent walk.
//!
//! Assumption (documented for `kehu log --since`): along the first-parent
//! line, committer dates do not go backwards by more than the widest time
//! zone (14 hours), as they do not for commits made in the normal way. The
//! walk therefore stops at the first commit committed before the window,
//! which keeps its cost in proportion to the commits inside the window rather
//! than to the whole history. A merge is reported once, with its changes
//! against its first parent (the side branch's commits are not walked), so
//! nothing is counted twice.
//!
//! With the history index ([`super::index`]) the walk reads the index's
//! entries instead of diffing trees; the answer is the same.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use git2::Oid;
use kehu_core::Date;

use super::index::{self, Entry, Trouble};
use super::treediff;
use super::{ChangeFilter, CommitInfo, CustomerChange, Event, History, is_contact};
use crate::error::GitError;

/// Which commits `log` reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Start from this revision (default `HEAD`).
    pub rev: Option<String>,
    /// Only commits authored on or after this day (author's local date).
    pub since: Option<Date>,
    /// Only commits authored on or before this day.
    pub until: Option<Date>,
    /// Which changes to report (default: all); a narrow filter skips the
    /// field diffs it leaves out.
    pub filter: ChangeFilter,
}

/// Seconds of slack for time zones when cutting the walk at `since`.
const ZONE_SLACK: i64 = 14 * 3600;

/// A commit's full record: read by the walk, or still raw in the index.
pub(crate) enum Info<'a> {
    /// Read from git.
    Read(Box<CommitInfo>),
    /// In an index entry, parsed on demand.
    Indexed(&'a index::ChangeRef<'a>),
}

/// A commit of the window that changed the book, before its full record is
/// decoded: what filters and reductions need.
pub(crate) struct Found<'a> {
    /// Its full record.
    pub info: Info<'a>,
    /// The author's day and time, kind and contact flag.
    pub day: Date,
    pub at: i64,
    pub kind: super::Kind,
    pub contact: bool,
    /// The customers changed (narrowed by the query's filter).
    pub customers: Vec<CustomerChange>,
    /// Whether `kehu.toml` changed.
    pub rules: bool,
}

impl LogQuery {
    /// The committer time before which the walk stops.
    fn cutoff(&self) -> Option<i64> {
        self.since.map(|d| {
            d.0.and_hms_opt(0, 0, 0)
                .map_or(i64::MIN, |t| t.and_utc().timestamp() - ZONE_SLACK)
        })
    }

    fn in_window(&self, day: Date) -> bool {
        !(self.since.is_some_and(|since| day < since)
            || self.until.is_some_and(|until| day > until))
    }

    /// Narrows a commit's customers; `None` when the commit is left out.
    fn narrow(
        &self,
        contact: bool,
        customers: Vec<CustomerChange>,
        rules: bool,
    ) -> Option<Vec<CustomerChange>> {
        if customers.is_empty() && !rules {
            return None;
        }
        if self.filter.is_everything() {
            return Some(customers);
        }
        let kept: Vec<CustomerChange> = customers
            .into_iter()
            .filter_map(|c| self.filter.customer(contact, c))
            .collect();
        (!kept.is_empty()).then_some(kept)
    }
}

impl<'b> History<'b> {
    /// The book's changes in a window, newest first, one event per commit
    /// that changed a customer file or `kehu.toml`.
    pub fn log(&self, query: &LogQuery) -> Result<Vec<Event>, GitError> {
        let mut out = Vec::new();
        self.log_each(query, |event| {
            out.push(event);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// Like [`History::log`], handing each event to `visit` as it is found
    /// (until `visit` breaks), so a long log streams in constant memory.
    pub fn log_each(
        &self,
        query: &LogQuery,
        mut visit: impl FnMut(Event) -> ControlFlow<()>,
    ) -> Result<(), GitError> {
        self.found_each(query, |found| {
            let info = match found.info {
                Info::Read(info) => *info,
                Info::Indexed(raw) => raw.info().map_err(|trouble| {
                    GitError::backend("reading the history index", trouble.to_string())
                })?,
            };
            Ok(visit(Event {
                commit: Arc::new(info),
                customers: found.customers,
                rules_changed: found.rules,
            }))
        })
    }

    /// The commits of the window that changed the book, narrowed by the
    /// query's filter, newest first: from the index when there is one
    /// (the full commit records are then not read), else by walking git.
    pub(crate) fn found_each(
        &self,
        query: &LogQuery,
        mut visit: impl FnMut(Found<'_>) -> Result<ControlFlow<()>, GitError>,
    ) -> Result<(), GitError> {
        let start = match &query.rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        };
        if let Some(index) = &self.index {
            let mut visited = false;
            match self.found_indexed(index, start, query, &mut visited, &mut visit) {
                Ok(()) => return Ok(()),
                Err(Trouble::Git(error)) => return Err(error),
                Err(trouble) => {
                    if matches!(trouble, Trouble::Corrupt(_)) {
                        index.discard();
                    }
                    if visited {
                        return Err(GitError::backend(
                            "reading the history index",
                            format!("{trouble}; it was removed, run the command again"),
                        ));
                    }
                }
            }
        }
        self.found_cold(start, query, visit)
    }

    fn found_indexed(
        &self,
        index: &index::Index,
        start: Oid,
        query: &LogQuery,
        visited: &mut bool,
        visit: &mut impl FnMut(Found<'_>) -> Result<ControlFlow<()>, GitError>,
    ) -> Result<(), Trouble> {
        let cutoff = query.cutoff();
        index.ensure(self, self.objects.head()?, cutoff)?;
        index.read(start, |entry| {
            if cutoff.is_some_and(|cut| entry.t < cut) {
                return Ok(ControlFlow::Break(()));
            }
            let Some(change) = &entry.b else {
                return Ok(ControlFlow::Continue(()));
            };
            if !query.in_window(change.day) {
                return Ok(ControlFlow::Continue(()));
            }
            let customers = change.customers(&query.filter)?;
            if customers.is_empty() && (!change.rules || !query.filter.is_everything()) {
                return Ok(ControlFlow::Continue(()));
            }
            *visited = true;
            visit(Found {
                info: Info::Indexed(change),
                day: change.day,
                at: change.at,
                kind: change.kind,
                contact: change.contact,
                customers,
                rules: change.rules,
            })
            .map_err(Trouble::Git)
        })
    }

    fn found_cold(
        &self,
        start: Oid,
        query: &LogQuery,
        mut visit: impl FnMut(Found<'_>) -> Result<ControlFlow<()>, GitError>,
    ) -> Result<(), GitError> {
        let cutoff = query.cutoff();
        let want = query.filter.needed();
        let mut current = Some(start);
        while let Some(oid) = current {
            let step = self.step(oid, want.as_ref(), |info| query.in_window(info.date))?;
            if cutoff.is_some_and(|cut| step.time < cut) {
                break;
            }
            current = step.parent;
            let Some((info, customers, rules)) = step.change else {
                continue;
            };
            let contact = is_contact(&info);
            let Some(customers) = query.narrow(contact, customers, rules) else {
                continue;
            };
            let found = Found {
                day: info.date,
                at: info.timestamp,
                kind: info.kind,
                contact,
                info: Info::Read(Box::new(info)),
                customers,
                rules,
            };
            if visit(found)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// One commit of the first-parent walk: its time and first parent and,
    /// when it changed the book and `read` accepts its record, the customer
    /// changes (fields in `want`, all for `None`) and whether `kehu.toml`
    /// changed.
    fn step(
        &self,
        oid: Oid,
        want: Option<&BTreeSet<String>>,
        read: impl FnOnce(&CommitInfo) -> bool,
    ) -> Result<Step, GitError> {
        let ids = self.objects.book_ids_by_id(oid)?;
        let parent = ids.parents.first().copied();
        let parent_ids = match parent {
            Some(p) => Some(self.objects.book_ids_by_id(p)?),
            None => None,
        };
        self.objects.forget(oid);
        let mut step = Step {
            time: ids.time,
            parent,
            change: None,
        };
        let (old_customers, old_rules) =
            parent_ids.map_or((None, None), |p| (p.customers, p.rules));
        if old_customers == ids.customers && old_rules == ids.rules {
            return Ok(step);
        }
        let info = self.objects.info(&self.objects.commit(oid)?);
        if !read(&info) {
            return Ok(step);
        }
        let mut deltas = Vec::new();
        treediff::diff_trees(&self.objects, old_customers, ids.customers, "", &mut deltas)?;
        let customers = self.changes(deltas, want)?;
        step.change = Some((info, customers, old_rules != ids.rules));
        Ok(step)
    }

    /// The index entry of a commit: every field of every change.
    pub(crate) fn index_entry(&self, oid: Oid) -> Result<Entry, GitError> {
        let step = self.step(oid, None, |_| true)?;
        Ok(Entry {
            c: oid.to_string(),
            p: step.parent.map(|p| p.to_string()),
            t: step.time,
            b: step.change.map(|(info, customers, rules)| index::Change {
                day: info.date,
                at: info.timestamp,
                kind: info.kind,
                contact: is_contact(&info),
                rules,
                customers,
                info,
            }),
        })
    }
}

/// See [`History::step`].
struct Step {
    time: i64,
    parent: Option<Oid>,
    change: Option<(CommitInfo, Vec<CustomerChange>, bool)>,
}
