//! What a merge decided itself. Against its first parent a merge shows
//! everything the merged branch brought; those changes were made (and are
//! reported) by the branch's own commits. A field whose merged value is the
//! value another parent's line set since the merge base is theirs; what is
//! left (a conflict resolved another way, an edit made in the merge) is the
//! merge's own.

use git2::Oid;

use super::objects::BookIds;
use super::{CustomerChange, History, Status};
use crate::error::GitError;

/// Another parent of a merge, as the filter needs it.
pub(crate) struct OtherSide {
    /// That parent's `customers/` tree.
    tree: Option<Oid>,
    /// The `customers/` tree at the merge base of the first parent and
    /// this one (`None` when they share no history).
    base: Option<Oid>,
}

impl History<'_> {
    /// The merge's parents after the first, with their merge bases.
    pub(crate) fn other_sides(
        &self,
        parents: &[(Oid, BookIds)],
    ) -> Result<Vec<OtherSide>, GitError> {
        let Some((first, _)) = parents.first() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(parents.len().saturating_sub(1));
        for (other, ids) in parents.iter().skip(1) {
            let base = match self.objects.repo.merge_base(*first, *other) {
                Ok(base) => self.objects.book_ids_by_id(base)?.customers,
                Err(_) => None,
            };
            out.push(OtherSide {
                tree: ids.customers,
                base,
            });
        }
        Ok(out)
    }

    /// Narrows `change` (a merge's change of one file against its first
    /// parent; the file is `new` in the merge, at `parts` below
    /// `customers/`) to what the merge decided itself. Returns whether
    /// anything is left to report.
    pub(crate) fn keep_merge_own(
        &self,
        change: &mut CustomerChange,
        sides: &[OtherSide],
        parts: &[&str],
        new: Option<Oid>,
    ) -> Result<bool, GitError> {
        let path = parts.join("/");
        let mut taken = false;
        for side in sides {
            let other = self.blob_in(side.tree, parts)?;
            let base = self.blob_in(side.base, parts)?;
            taken |= other == new;
            if other == base {
                continue; // that line did not touch the file
            }
            let theirs = self.change(&path, base, other, None, None)?;
            change.fields.retain(|mine| {
                theirs
                    .field(&mine.field)
                    .is_none_or(|line| line.new != mine.new)
            });
        }
        // A file added, removed or renamed as another line had it is that
        // line's doing; a field-less modification is nothing.
        let file_event = change.status != Status::Modified;
        Ok(!change.fields.is_empty() || change.unparsable || (file_event && !taken))
    }

    fn blob_in(&self, tree: Option<Oid>, parts: &[&str]) -> Result<Option<Oid>, GitError> {
        match tree {
            Some(tree) => self.objects.blob_at(tree, parts),
            None => Ok(None),
        }
    }
}
