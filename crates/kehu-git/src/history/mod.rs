//! Reading the book's past from git, fast.
//!
//! Every query walks the commits once (never once per customer). For each
//! commit it compares the `customers/` tree id (and the `kehu.toml` blob id)
//! with the parent's and skips the commit when they are equal; otherwise it
//! merge-joins the two trees, descending only into sub-trees that differ (or,
//! for one customer, only along that customer's path, as `git log -- path`
//! does), and parses only the blobs that changed. Field changes come from
//! diffing the parsed old and new file, so hand edits made with plain git
//! show up exactly like kehu's own commits.

mod blame;
mod contact_answers;
mod contact_digest;
mod contacts;
mod customer;
mod fields;
mod filter;
mod graph;
mod index;
mod log;
mod merges;
mod objects;
mod pack;
mod quick;
mod records;
mod snapshot;
mod spill;
mod treediff;
mod walk;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use git2::Oid;

pub use blame::FieldBlame;
pub use contacts::ContactLog;
pub use fields::{Fields, diff_fields, flatten};
pub use filter::{CONTACT_FIELD, ChangeFilter, is_contact};
pub use log::LogQuery;
pub use records::{CommitInfo, CustomerChange, Event, FieldChange, Kind, Status};
pub use snapshot::Snapshot;

use crate::book::Book;
use crate::error::GitError;
use objects::Objects;
use treediff::Delta;

/// A semantic diff of the book between two revisions.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BookDiff {
    /// The older revision's commit id.
    pub from: String,
    /// The newer revision's commit id.
    pub to: String,
    /// Customers added, removed, renamed or changed, by path.
    pub customers: Vec<CustomerChange>,
    /// Whether `kehu.toml` differs.
    pub rules_changed: bool,
}

/// The history reader of one book, for one command: it keeps small caches
/// (parsed blobs, recently read trees) for the length of a query or two.
pub struct History<'b> {
    objects: Objects<'b>,
    parsed: RefCell<HashMap<Oid, Rc<Result<Fields, String>>>>,
    /// Parsed blobs kept at most (see [`PARSED_CACHE`]).
    parsed_max: usize,
    /// The derived history index, when this reader keeps one.
    index: Option<index::Index>,
}

/// Parsed blobs kept at most; beyond this the cache starts over. A walk
/// meets a blob again within a few commits (the old side of one change is
/// the new side of the one before), so a small cache does; each index
/// builder thread keeps one.
const PARSED_CACHE: usize = 1024;

/// Parsed blobs an index builder's thread keeps at most.
const BUILD_PARSED_CACHE: usize = 64;

/// Similar enough to call a delete + add a rename.
const RENAME_SIMILARITY: f64 = 0.5;

/// Beyond this many adds × deletes in one commit only exact renames are paired.
const RENAME_PAIRS_MAX: usize = 10_000;

impl Book {
    /// The history reader for this book: every query walks git.
    pub fn history(&self) -> History<'_> {
        Book::history_over(&self.repo, &self.prefix)
    }

    /// The history reader that keeps the derived history index in
    /// `.git/kehu/` (see `history/index.rs`): book-wide queries (`log`,
    /// `last_contacts`) read the index, adding the commits it lacks, so
    /// only the first query diffs the history's commits.
    /// The answers are those of [`Book::history`].
    pub fn indexed_history(&self) -> History<'_> {
        History {
            index: Some(index::Index::new(self.repo.path(), &self.prefix)),
            ..self.history()
        }
    }

    /// A history reader for building the index: small caches, blobs read
    /// once (see [`objects::Objects::blobs_once`]), few parsed blobs kept
    /// (a book of many customers seldom meets a blob again soon).
    pub(crate) fn history_for_build<'r>(
        repo: &'r git2::Repository,
        prefix: &str,
        cache: usize,
    ) -> History<'r> {
        let history = History {
            parsed_max: BUILD_PARSED_CACHE,
            ..Book::history_with_cache(repo, prefix, cache)
        };
        history.objects.blobs_once();
        history
    }

    /// A history reader over another handle on this book's repository,
    /// for a worker thread (a handle must not be shared between threads).
    pub(crate) fn history_over<'r>(repo: &'r git2::Repository, prefix: &str) -> History<'r> {
        Book::history_with_cache(repo, prefix, pack::CACHE_BYTES)
    }

    /// Like [`Book::history_over`], keeping at most `cache` bytes of objects
    /// read from the packs (the index builder's threads keep less).
    pub(crate) fn history_with_cache<'r>(
        repo: &'r git2::Repository,
        prefix: &str,
        cache: usize,
    ) -> History<'r> {
        History {
            objects: Objects::new(repo, prefix, cache),
            parsed: RefCell::new(HashMap::new()),
            parsed_max: PARSED_CACHE,
            index: None,
        }
    }
}

impl<'b> History<'b> {
    /// Parses a blob into fields, once per blob id.
    fn fields(&self, id: Oid) -> Result<Rc<Result<Fields, String>>, GitError> {
        if let Some(hit) = self.parsed.borrow().get(&id) {
            return Ok(Rc::clone(hit));
        }
        let bytes = self.objects.blob(id)?;
        let parsed = Rc::new(flatten(&bytes));
        let mut cache = self.parsed.borrow_mut();
        if cache.len() >= self.parsed_max {
            cache.clear();
        }
        cache.insert(id, Rc::clone(&parsed));
        Ok(parsed)
    }

    /// The field changes between two blobs, limited to `want` when given:
    /// the changed lines alone when both files are flat enough
    /// ([`quick::diff`]), else both files parsed whole. Also says whether a
    /// side did not parse.
    fn field_changes(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        want: Option<&BTreeSet<String>>,
    ) -> Result<(Vec<FieldChange>, bool), GitError> {
        if old == new {
            return Ok((Vec::new(), false));
        }
        // An added or removed file is parsed once, whole: the line scan
        // would parse each of its values on its own.
        if old.is_some() && new.is_some() {
            let old_bytes = old.map(|id| self.objects.blob(id)).transpose()?;
            let new_bytes = new.map(|id| self.objects.blob(id)).transpose()?;
            if let Some(changes) = quick::diff(old_bytes.as_deref(), new_bytes.as_deref(), want) {
                return Ok((changes, false));
            }
        }
        let mut unparsable = false;
        let old_fields = match old {
            Some(id) => Some(self.fields(id)?),
            None => None,
        };
        let new_fields = match new {
            Some(id) => Some(self.fields(id)?),
            None => None,
        };
        let empty = Fields::new();
        let a = parsed_or_empty(&old_fields, &empty, &mut unparsable);
        let b = parsed_or_empty(&new_fields, &empty, &mut unparsable);
        let mut changes = diff_fields(a, b);
        if let Some(want) = want {
            changes.retain(|c| want.contains(&c.field));
        }
        Ok((changes, unparsable))
    }

    /// The change of one customer file between two blobs, with the field
    /// changes in `want` (all when `None`).
    fn change(
        &self,
        path: &str,
        old: Option<Oid>,
        new: Option<Oid>,
        renamed_from: Option<&str>,
        want: Option<&BTreeSet<String>>,
    ) -> Result<CustomerChange, GitError> {
        let (fields, unparsable) = self.field_changes(old, new, want)?;
        let status = match (old, new, renamed_from) {
            (_, _, Some(_)) => Status::Renamed,
            (None, _, _) => Status::Added,
            (_, None, _) => Status::Removed,
            _ => Status::Modified,
        };
        Ok(CustomerChange {
            id: customer_id(path),
            path: format!("customers/{path}"),
            status,
            old_id: renamed_from.map(customer_id),
            old_path: renamed_from.map(|p| format!("customers/{p}")),
            fields,
            unparsable,
        })
    }

    /// Turns a commit's deltas into customer changes, pairing deletes and
    /// adds of the same or similar content as renames.
    fn changes(
        &self,
        deltas: Vec<Delta>,
        want: Option<&BTreeSet<String>>,
    ) -> Result<Vec<CustomerChange>, GitError> {
        let mut out = Vec::with_capacity(deltas.len());
        self.changes_each(&deltas, want, |change| {
            out.push(change);
            Ok(())
        })?;
        Ok(out)
    }

    /// Like [`History::changes`], handing each change to `visit` as it is
    /// made, so a commit that touches the whole book (its first commit, a
    /// bulk import) never has every change in memory at once.
    fn changes_each(
        &self,
        deltas: &[Delta],
        want: Option<&BTreeSet<String>>,
        mut visit: impl FnMut(CustomerChange) -> Result<(), GitError>,
    ) -> Result<(), GitError> {
        let (mut adds, mut dels): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
        for (i, d) in deltas.iter().enumerate() {
            match (d.old, d.new) {
                (None, Some(_)) => adds.push(i),
                (Some(_), None) => dels.push(i),
                _ => {}
            }
        }
        let pairs = self.pair_renames(deltas, &adds, &dels)?;
        let mut renamed_from: HashMap<usize, usize> = HashMap::new();
        let mut consumed = vec![false; deltas.len()];
        for (add, del) in pairs {
            renamed_from.insert(add, del);
            consumed[del] = true;
        }
        for (i, d) in deltas.iter().enumerate() {
            if consumed[i] {
                continue;
            }
            match renamed_from.get(&i) {
                Some(&del) => {
                    let old = &deltas[del];
                    visit(self.change(&d.path, old.old, d.new, Some(&old.path), want)?)?;
                }
                None => visit(self.change(&d.path, d.old, d.new, None, want)?)?,
            }
        }
        Ok(())
    }

    /// Pairs added with deleted files: first identical blobs, then (when the
    /// numbers are small) the most similar pairs above [`RENAME_SIMILARITY`].
    fn pair_renames(
        &self,
        deltas: &[Delta],
        adds: &[usize],
        dels: &[usize],
    ) -> Result<Vec<(usize, usize)>, GitError> {
        let mut pairs = Vec::new();
        if adds.is_empty() || dels.is_empty() {
            return Ok(pairs);
        }
        let mut free_dels: Vec<usize> = dels.to_vec();
        let mut free_adds = Vec::new();
        for &a in adds {
            let id = deltas[a].new;
            match free_dels.iter().position(|&d| deltas[d].old == id) {
                Some(pos) => pairs.push((a, free_dels.remove(pos))),
                None => free_adds.push(a),
            }
        }
        if free_adds.is_empty()
            || free_dels.is_empty()
            || free_adds.len() * free_dels.len() > RENAME_PAIRS_MAX
        {
            return Ok(pairs);
        }
        let mut scored = Vec::new();
        for &a in &free_adds {
            let Some(new) = deltas[a].new else { continue };
            let new = self.fields(new)?;
            let Ok(new) = new.as_ref() else { continue };
            for &d in &free_dels {
                let Some(old) = deltas[d].old else { continue };
                let old = self.fields(old)?;
                let Ok(old) = old.as_ref() else { continue };
                let score = fields::similarity(old, new);
                if score >= RENAME_SIMILARITY {
                    scored.push((score, a, d));
                }
            }
        }
        scored.sort_by(|x, y| y.0.total_cmp(&x.0));
        let mut used_a = std::collections::HashSet::new();
        let mut used_d = std::collections::HashSet::new();
        for (_, a, d) in scored {
            if used_a.contains(&a) || used_d.contains(&d) {
                continue;
            }
            used_a.insert(a);
            used_d.insert(d);
            pairs.push((a, d));
        }
        Ok(pairs)
    }

    /// The semantic diff of the book from one revision to another.
    pub fn diff(&self, from: &str, to: &str) -> Result<BookDiff, GitError> {
        let a = self.objects.resolve(from)?;
        let b = self.objects.resolve(to)?;
        let ids_a = self.objects.book_ids_by_id(a)?;
        let ids_b = self.objects.book_ids_by_id(b)?;
        let mut deltas = Vec::new();
        treediff::diff_trees(
            &self.objects,
            ids_a.customers,
            ids_b.customers,
            "",
            &mut deltas,
        )?;
        Ok(BookDiff {
            from: a.to_string(),
            to: b.to_string(),
            customers: self.changes(deltas, None)?,
            rules_changed: ids_a.rules != ids_b.rules,
        })
    }

    /// The record of one commit (`HEAD`, a branch, an id …).
    pub fn commit(&self, rev: &str) -> Result<CommitInfo, GitError> {
        let id = self.objects.resolve(rev)?;
        self.objects.info_of(id)
    }

    fn event(
        &self,
        commit: Oid,
        customers: Vec<CustomerChange>,
        rules_changed: bool,
    ) -> Result<Event, GitError> {
        Ok(Event {
            commit: Arc::new(self.objects.info_of(commit)?),
            customers,
            rules_changed,
        })
    }
}

/// The parsed fields of one side of a change; no file and an unparsable
/// file both give no fields (the latter also sets `unparsable`).
fn parsed_or_empty<'a>(
    parsed: &'a Option<Rc<Result<Fields, String>>>,
    empty: &'a Fields,
    unparsable: &mut bool,
) -> &'a Fields {
    match parsed.as_deref() {
        Some(Ok(fields)) => fields,
        Some(Err(_)) => {
            *unparsable = true;
            empty
        }
        None => empty,
    }
}

/// The customer id a path stands for: its file stem.
fn customer_id(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name).to_owned()
}

/// The canonical path of a customer below `customers/`: `ac/acme.toml`.
pub(crate) fn canonical_path(id: &str) -> String {
    let fan: String = id.chars().take(2).collect();
    format!("{fan}/{id}.toml")
}

#[cfg(test)]
mod index_tests;
#[cfg(test)]
mod tests;
