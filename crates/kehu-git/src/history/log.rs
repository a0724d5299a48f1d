//! The book-wide change log over a date window: one walk over every commit
//! reachable from the start, newest first by committer time (what `git log`
//! visits, merged branches included).
//!
//! Each change is credited to the commit that made it: an ordinary commit
//! reports its diff against its parent; a merge reports only what it decided
//! itself (see [`super::merges`]), since the merged branch's commits are
//! walked and report their own changes. Nothing is counted twice.
//!
//! Assumption (documented for `kehu log --since`): committer dates do not go
//! backwards by more than the widest time zone (14 hours) from a commit to
//! its parents, as they do not for commits made in the normal way. The walk
//! therefore stops at the first commit committed before the window, which
//! keeps its cost in proportion to the commits inside the window rather than
//! to the whole history.
//!
//! With the history index ([`super::index`]) the walk reads the index's
//! entries instead of diffing trees; the answer is the same.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use git2::Oid;
use kehu_core::Date;

use super::index::{self, Trouble};
use super::objects::BookIds;
use super::treediff;
use super::walk::Walk;
use super::{ChangeFilter, CommitInfo, CustomerChange, Event, History, Status, is_contact};
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

/// Customer changes per event at most: a commit that changed more (the
/// book's first commit, a bulk import) is handed out as several events of
/// the same commit, so memory stays bounded by this, not by the book.
pub(crate) const CHUNK: usize = 1024;

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
    pub(crate) fn cutoff(&self) -> Option<i64> {
        self.since.map(|d| {
            d.0.and_hms_opt(0, 0, 0)
                .map_or(i64::MIN, |t| t.and_utc().timestamp() - ZONE_SLACK)
        })
    }

    pub(crate) fn in_window(&self, day: Date) -> bool {
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
        index.ensure(self, self.objects.head()?, query.cutoff())?;
        let narrow = index::Narrow::of(query);
        index.read_narrowed(start, query.cutoff(), &narrow, |entry, customers| {
            let Some(change) = &entry.b else {
                return Ok(ControlFlow::Continue(()));
            };
            if !query.in_window(change.day) {
                return Ok(ControlFlow::Continue(()));
            }
            // A trailer filter looks at the record's text first: most
            // commits are left out without decoding it.
            if query.filter.trailers.is_some()
                && !(query.filter.may_keep_json(change.info.get())
                    && query.filter.keeps_commit(&change.info()?))
            {
                return Ok(ControlFlow::Continue(()));
            }
            let mut rules = change.rules;
            let mut any = false;
            loop {
                let (chunk, done) = customers.take(&query.filter, change.contact, CHUNK)?;
                let lone_rules = !any && done && rules && query.filter.is_everything();
                if !chunk.is_empty() || lone_rules {
                    any = true;
                    *visited = true;
                    let found = Found {
                        info: Info::Indexed(change),
                        day: change.day,
                        at: change.at,
                        kind: change.kind,
                        contact: change.contact,
                        customers: chunk,
                        rules,
                    };
                    rules = false;
                    if visit(found).map_err(Trouble::Git)?.is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                if done {
                    return Ok(ControlFlow::Continue(()));
                }
            }
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
        let mut walk = Walk::new(&self.objects, start)?;
        while let Some((oid, ids)) = walk.next(&self.objects, &|_, _| false)? {
            if cutoff.is_some_and(|cut| ids.time < cut) {
                break;
            }
            let change = self.commit_change(oid, &ids, want.as_ref(), |info| {
                query.in_window(info.date) && query.filter.keeps_commit(info)
            })?;
            let Some((info, customers, rules)) = change else {
                continue;
            };
            let contact = is_contact(&info);
            let Some(mut customers) = query.narrow(contact, customers, rules) else {
                continue;
            };
            // A commit that touched much of the book goes out in pieces, as
            // the index hands it out.
            let mut rules = rules;
            loop {
                let rest = if customers.len() > CHUNK {
                    customers.split_off(CHUNK)
                } else {
                    Vec::new()
                };
                let found = Found {
                    day: info.date,
                    at: info.timestamp,
                    kind: info.kind,
                    contact,
                    info: Info::Read(Box::new(info.clone())),
                    customers,
                    rules,
                };
                rules = false;
                if visit(found)?.is_break() {
                    return Ok(());
                }
                if rest.is_empty() {
                    break;
                }
                customers = rest;
            }
        }
        Ok(())
    }

    /// What one commit changed in the book, when it changed anything and
    /// `read` accepts its record: the customer changes (fields in `want`,
    /// all for `None`) against its first parent and whether `kehu.toml`
    /// changed. A merge keeps only what it decided itself (see
    /// [`super::merges`]); what it brought from another line is reported
    /// by that line's commits.
    pub(crate) fn commit_change(
        &self,
        oid: Oid,
        ids: &BookIds,
        want: Option<&BTreeSet<String>>,
        read: impl FnOnce(&CommitInfo) -> bool,
    ) -> Result<Option<(CommitInfo, Vec<CustomerChange>, bool)>, GitError> {
        let mut head = None;
        let mut customers = Vec::new();
        self.commit_change_each(
            oid,
            ids,
            want,
            read,
            |info, rules| {
                head = Some((info, rules));
                Ok(())
            },
            |change| {
                customers.push(change);
                Ok(())
            },
        )?;
        Ok(head.map(|(info, rules)| (info, customers, rules)))
    }

    /// [`History::commit_change`] streamed: `head` gets the commit's record
    /// and whether `kehu.toml` changed, then `each` every customer change.
    pub(crate) fn commit_change_each(
        &self,
        oid: Oid,
        ids: &BookIds,
        want: Option<&BTreeSet<String>>,
        read: impl FnOnce(&CommitInfo) -> bool,
        head: impl FnOnce(CommitInfo, bool) -> Result<(), GitError>,
        mut each: impl FnMut(CustomerChange) -> Result<(), GitError>,
    ) -> Result<(), GitError> {
        let mut parents = Vec::with_capacity(ids.parents.len());
        for parent in ids.parents.iter() {
            parents.push((*parent, self.objects.book_ids_by_id(*parent)?));
        }
        let (old_customers, old_rules) = parents
            .first()
            .map_or((None, None), |(_, p)| (p.customers, p.rules));
        if old_customers == ids.customers && old_rules == ids.rules {
            return Ok(());
        }
        let info = self.objects.info_of(oid)?;
        if !read(&info) {
            return Ok(());
        }
        let mut rules = old_rules != ids.rules;
        let sides = if parents.len() > 1 {
            rules &= parents.iter().skip(1).all(|(_, p)| p.rules != ids.rules);
            Some(self.other_sides(&parents)?)
        } else {
            None
        };
        head(info, rules)?;
        let mut deltas = Vec::new();
        treediff::diff_trees(&self.objects, old_customers, ids.customers, "", &mut deltas)?;
        self.changes_each(&deltas, want, |mut change| {
            if let Some(sides) = &sides {
                let below = change
                    .path
                    .strip_prefix("customers/")
                    .unwrap_or(&change.path)
                    .to_owned();
                let parts: Vec<&str> = below.split('/').collect();
                let new = match (ids.customers, change.status == Status::Removed) {
                    (Some(tree), false) => self.objects.blob_at(tree, &parts)?,
                    _ => None,
                };
                if !self.keep_merge_own(&mut change, sides, &parts, new)? {
                    return Ok(());
                }
            }
            each(change)
        })
    }
}
