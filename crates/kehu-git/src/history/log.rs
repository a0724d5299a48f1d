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

use std::ops::ControlFlow;

use kehu_core::Date;

use super::treediff;
use super::{Event, History};
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
}

/// Seconds of slack for time zones when cutting the walk at `since`.
const ZONE_SLACK: i64 = 14 * 3600;

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
        let mut current = Some(match &query.rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        });
        let cutoff = query.since.map(|d| {
            d.0.and_hms_opt(0, 0, 0)
                .map_or(i64::MIN, |t| t.and_utc().timestamp() - ZONE_SLACK)
        });
        while let Some(oid) = current {
            let ids = self.objects.book_ids_by_id(oid)?;
            if cutoff.is_some_and(|cut| ids.time < cut) {
                break;
            }
            let parent = ids.parents.first().copied();
            current = parent;
            let parent_ids = match parent {
                Some(p) => Some(self.objects.book_ids_by_id(p)?),
                None => None,
            };
            self.objects.forget(oid);
            let (old_customers, old_rules) =
                parent_ids.map_or((None, None), |p| (p.customers, p.rules));
            if old_customers == ids.customers && old_rules == ids.rules {
                continue;
            }
            let commit = self.objects.commit(oid)?;
            let info = self.objects.info(&commit);
            if query.since.is_some_and(|since| info.date < since)
                || query.until.is_some_and(|until| info.date > until)
            {
                continue;
            }
            let mut deltas = Vec::new();
            treediff::diff_trees(&self.objects, old_customers, ids.customers, "", &mut deltas)?;
            let customers = self.changes(deltas)?;
            let rules_changed = old_rules != ids.rules;
            if customers.is_empty() && !rules_changed {
                continue;
            }
            let event = Event {
                commit: std::sync::Arc::new(info),
                customers,
                rules_changed,
            };
            if visit(event).is_break() {
                break;
            }
        }
        Ok(())
    }
}
