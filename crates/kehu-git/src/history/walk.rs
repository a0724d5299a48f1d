//! The walk over every commit reachable from a start, newest first by
//! committer time, each commit once: what `git log` (without
//! `--first-parent`) visits. A merged branch's commits are visited as
//! themselves, so a change made on a branch is credited to the commit that
//! made it.

use std::collections::BinaryHeap;

use git2::Oid;

use super::objects::{BookIds, Objects};
use super::pack::FastSet;
use crate::error::GitError;

/// Which commits (with their committer time) a walk leaves out, with
/// everything only they lead to.
pub(crate) type Skip<'a> = dyn Fn(&Oid, i64) -> bool + 'a;

/// The walk's state: the commits found but not yet visited.
pub(crate) struct Walk {
    /// By committer time, then by the order found (`seq` counts down, so
    /// among equal times the first found comes first).
    queue: BinaryHeap<(i64, u64, Oid)>,
    /// Every commit ever queued.
    seen: FastSet<Oid>,
    seq: u64,
}

impl Walk {
    /// A walk from `start`.
    pub(crate) fn new(objects: &Objects<'_>, start: Oid) -> Result<Walk, GitError> {
        let mut walk = Walk {
            queue: BinaryHeap::new(),
            seen: FastSet::default(),
            seq: u64::MAX,
        };
        walk.push(objects, start, &|_, _| false)?;
        Ok(walk)
    }

    fn push(&mut self, objects: &Objects<'_>, id: Oid, skip: &Skip<'_>) -> Result<(), GitError> {
        if self.seen.insert(id) {
            let time = objects.book_ids_by_id(id)?.time;
            if skip(&id, time) {
                objects.forget(id);
            } else {
                self.queue.push((time, self.seq, id));
                self.seq = self.seq.wrapping_sub(1);
            }
        }
        Ok(())
    }

    /// The next commit, newest first, with its book ids; its parents are
    /// queued unless `skip` (given a parent and its committer time) says
    /// they are not wanted: already known, or older than a cutoff.
    pub(crate) fn next(
        &mut self,
        objects: &Objects<'_>,
        skip: &Skip<'_>,
    ) -> Result<Option<(Oid, BookIds)>, GitError> {
        let Some((_, _, id)) = self.queue.pop() else {
            return Ok(None);
        };
        let ids = objects.book_ids_by_id(id)?;
        objects.forget(id);
        for parent in ids.parents.iter() {
            self.push(objects, *parent, skip)?;
        }
        Ok(Some((id, ids)))
    }
}
