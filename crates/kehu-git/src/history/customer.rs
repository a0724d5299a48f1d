//! One customer's timeline: a single walk over the commits that can matter,
//! newest first, following the customer's path (and its renames).
//!
//! The walk starts at the given revision and only ever queues the parents of
//! commits in which the customer's file existed, so it stops where the
//! customer was created instead of walking to the root. At a merge it does
//! what `git log -- path` does: when the file equals the file in one parent,
//! the change came from that parent's line and only that line is followed;
//! when it differs from every parent (both lines changed the file), every
//! parent is followed and the merge reports only what the merge itself
//! decided: a field whose value came from another parent's line (that line
//! changed it since the merge base) is reported on that line, by its own
//! commit, with its author and reason; a conflict resolution is the merge's.

use std::collections::BinaryHeap;
use std::ops::ControlFlow;

use git2::Oid;

use super::objects::BookIds;
use super::pack::{FastMap, FastSet};
use super::treediff::{self, Delta};
use super::{CustomerChange, Event, History, canonical_path};
use crate::error::GitError;

impl<'b> History<'b> {
    /// The path (below `customers/`) of a customer at a commit: the canonical
    /// place, else any file under `customers/` whose stem is the id.
    pub(crate) fn locate(&self, ids: &BookIds, id: &str) -> Result<Option<String>, GitError> {
        let canonical = canonical_path(id);
        let Some(tree) = ids.customers else {
            return Ok(None);
        };
        let parts: Vec<&str> = canonical.split('/').collect();
        if self.objects.blob_at(tree, &parts)?.is_some() {
            return Ok(Some(canonical));
        }
        let mut files = Vec::new();
        treediff::list_files(&self.objects, tree, "", &mut files)?;
        let wanted = format!("{id}.toml");
        Ok(files
            .into_iter()
            .map(|(path, _)| path)
            .find(|path| path.rsplit('/').next() == Some(wanted.as_str())))
    }

    /// A customer's changes, newest first, from `rev` (default `HEAD`).
    pub fn customer(&self, id: &str, rev: Option<&str>) -> Result<Vec<Event>, GitError> {
        let mut out = Vec::new();
        self.customer_each(id, rev, |event| {
            out.push(event);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// Like [`History::customer`], handing each event to `visit` as it is
    /// found, newest first, until `visit` breaks (e.g. after `--limit`).
    pub fn customer_each(
        &self,
        id: &str,
        rev: Option<&str>,
        mut visit: impl FnMut(Event) -> ControlFlow<()>,
    ) -> Result<(), GitError> {
        let start = match rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        };
        let start_ids = self.objects.book_ids_by_id(start)?;
        let located = self.locate(&start_ids, id)?;
        // A customer removed before `rev` is searched for along the way.
        let absent_at_start = located.is_none();
        let path = located.unwrap_or_else(|| canonical_path(id));

        // Newest first by committer time; `seq` keeps the order stable.
        let mut queue: BinaryHeap<(i64, u64, Oid)> = BinaryHeap::new();
        let mut pending: FastMap<Oid, String> = FastMap::default();
        let mut seen: FastSet<Oid> = FastSet::default();
        let mut seq: u64 = u64::MAX;
        queue.push((start_ids.time, seq, start));
        pending.insert(start, path);

        while let Some((_, _, oid)) = queue.pop() {
            if !seen.insert(oid) {
                continue;
            }
            let Some(path) = pending.remove(&oid) else {
                continue;
            };
            let ids = self.objects.book_ids_by_id(oid)?;
            let parts: Vec<&str> = path.split('/').collect();
            let mut parents = Vec::with_capacity(ids.parents.len());
            for p in ids.parents.iter() {
                parents.push((*p, self.objects.book_ids_by_id(*p)?));
            }

            // The file here and in each parent, descending only where trees differ.
            let mut here = None;
            let mut before = Vec::with_capacity(parents.len());
            for (_, pids) in &parents {
                let (old, new) = self
                    .objects
                    .path_pair(pids.customers, ids.customers, &parts)?;
                here = new;
                before.push(old);
            }
            if parents.is_empty() {
                here = match ids.customers {
                    Some(tree) => self.objects.blob_at(tree, &parts)?,
                    None => None,
                };
            }

            let mut follow: Vec<(Oid, String)> = Vec::new();
            let mut change: Option<CustomerChange> = None;
            if let Some(same) = before.iter().position(|old| *old == here) {
                // Unchanged against some parent: follow that line only.
                if here.is_some() || absent_at_start {
                    follow.push((parents[same].0, path.clone()));
                }
            } else {
                let old = before.first().copied().flatten();
                match (old, here) {
                    (None, Some(new)) => {
                        // Added here: a rename if a file of the same or
                        // similar content left in the same commit.
                        let first = parents.first().and_then(|(_, ids)| ids.customers);
                        match self.rename_source(first, ids.customers, &path, new)? {
                            Some((old_path, old_blob)) => {
                                change = Some(self.change(
                                    &path,
                                    Some(old_blob),
                                    Some(new),
                                    Some(&old_path),
                                    None,
                                )?);
                                if let Some((p, _)) = parents.first() {
                                    follow.push((*p, old_path));
                                }
                            }
                            None => {
                                change = Some(self.change(&path, None, Some(new), None, None)?)
                            }
                        }
                    }
                    (None, None) => {
                        // A root commit without the file: nothing to report.
                    }
                    (old, new) => {
                        let mut merged = self.change(&path, old, new, None, None)?;
                        let mut keep = true;
                        if parents.len() > 1 && new.is_some() {
                            let sides = self.other_sides(&parents)?;
                            keep = self.keep_merge_own(&mut merged, &sides, &parts, new)?;
                        }
                        if keep && (!merged.fields.is_empty() || merged.unparsable) {
                            change = Some(merged);
                        }
                        for (p, _) in &parents {
                            follow.push((*p, path.clone()));
                        }
                    }
                }
            }
            self.objects.forget(oid);
            for (parent, parent_path) in follow {
                if seen.contains(&parent) {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = pending.entry(parent) {
                    slot.insert(parent_path);
                    seq = seq.wrapping_sub(1);
                    let time = self.objects.book_ids_by_id(parent)?.time;
                    queue.push((time, seq, parent));
                }
            }
            if let Some(change) = change {
                let rules_changed = parents
                    .first()
                    .map_or(ids.rules.is_some(), |(_, p)| p.rules != ids.rules);
                if visit(self.event(oid, vec![change], rules_changed)?).is_break() {
                    return Ok(());
                }
            }
            if pending.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// For a file added at `path` in a commit, the file that left in the same
    /// commit with the same blob, or else the most similar one.
    fn rename_source(
        &self,
        old_tree: Option<Oid>,
        new_tree: Option<Oid>,
        path: &str,
        new_blob: Oid,
    ) -> Result<Option<(String, Oid)>, GitError> {
        if old_tree.is_none() {
            return Ok(None);
        }
        let mut deltas: Vec<Delta> = Vec::new();
        treediff::diff_trees(&self.objects, old_tree, new_tree, "", &mut deltas)?;
        let adds = deltas
            .iter()
            .enumerate()
            .filter(|(_, d)| d.old.is_none() && d.new.is_some())
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        let dels = deltas
            .iter()
            .enumerate()
            .filter(|(_, d)| d.new.is_none() && d.old.is_some())
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        let pairs = self.pair_renames(&deltas, &adds, &dels)?;
        for (a, d) in pairs {
            if deltas[a].path == path
                && deltas[a].new == Some(new_blob)
                && let Some(old) = deltas[d].old
            {
                return Ok(Some((deltas[d].path.clone(), old)));
            }
        }
        Ok(None)
    }
}
