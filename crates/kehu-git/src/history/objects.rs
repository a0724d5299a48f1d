//! The reader's view of the object store: the few questions history asks of
//! git, answered through git2 in one place so the backend can change.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use git2::{Commit, ObjectType, Oid, Repository};

use super::records::CommitInfo;
use super::treediff::FlatTree;
use crate::error::{Context, GitError};

/// What a commit holds of the book: the `customers/` tree and `kehu.toml` blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BookIds {
    /// The `customers/` tree, if the commit has one.
    pub customers: Option<Oid>,
    /// The `kehu.toml` blob, if the commit has one.
    pub rules: Option<Oid>,
    /// Committer time (seconds), for ordering the walk.
    pub time: i64,
}

/// The repository plus the book prefix, with a memo of each commit's book ids
/// (a commit is usually asked about twice: as a child and as a parent).
pub(crate) struct Objects<'r> {
    pub repo: &'r Repository,
    prefix: Vec<String>,
    ids: RefCell<HashMap<Oid, BookIds>>,
    /// A few recently read trees: consecutive commits share most of them.
    flat: RefCell<Vec<(Oid, Rc<FlatTree>)>>,
}

const TREE_CACHE: usize = 16;

impl<'r> Objects<'r> {
    pub(crate) fn new(repo: &'r Repository, prefix: &str) -> Objects<'r> {
        Objects {
            repo,
            prefix: prefix
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            ids: RefCell::new(HashMap::new()),
            flat: RefCell::new(Vec::with_capacity(TREE_CACHE)),
        }
    }

    /// Resolves a revision (`HEAD`, a branch, `HEAD~3`, an id) to a commit.
    pub(crate) fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|_| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })
    }

    /// HEAD's commit, or [`GitError::NoCommits`].
    pub(crate) fn head(&self) -> Result<Oid, GitError> {
        match self.repo.head() {
            Ok(head) => head
                .peel_to_commit()
                .map(|c| c.id())
                .context("reading HEAD"),
            Err(_) => Err(GitError::NoCommits),
        }
    }

    pub(crate) fn commit(&self, id: Oid) -> Result<Commit<'r>, GitError> {
        self.repo.find_commit(id).context("reading a commit")
    }

    /// A tree flattened for diffing, from the small cache when recent.
    pub(crate) fn flat_tree(&self, id: Oid) -> Result<Rc<FlatTree>, GitError> {
        if let Some((_, hit)) = self.flat.borrow().iter().find(|(k, _)| *k == id) {
            return Ok(Rc::clone(hit));
        }
        let odb = self.repo.odb().context("opening the object database")?;
        let object = odb.read(id).context("reading a tree")?;
        if object.kind() != ObjectType::Tree {
            return Err(GitError::backend(
                "reading a tree",
                format!("{id} is a {}", object.kind()),
            ));
        }
        let flat = Rc::new(FlatTree::from_raw(object.data()));
        let mut cache = self.flat.borrow_mut();
        if cache.len() >= TREE_CACHE {
            cache.remove(0);
        }
        cache.push((id, Rc::clone(&flat)));
        Ok(flat)
    }

    pub(crate) fn blob(&self, id: Oid) -> Result<Vec<u8>, GitError> {
        Ok(self
            .repo
            .find_blob(id)
            .context("reading a blob")?
            .content()
            .to_vec())
    }

    /// The book ids of a commit (memoised).
    pub(crate) fn book_ids(&self, commit: &Commit<'r>) -> Result<BookIds, GitError> {
        if let Some(ids) = self.ids.borrow().get(&commit.id()) {
            return Ok(*ids);
        }
        let mut ids = self.book_ids_of_tree(commit.tree_id())?;
        ids.time = commit.time().seconds();
        self.ids.borrow_mut().insert(commit.id(), ids);
        Ok(ids)
    }

    /// The book ids of a commit given by id (memoised; loads the commit only
    /// when needed).
    pub(crate) fn book_ids_by_id(&self, id: Oid) -> Result<BookIds, GitError> {
        if let Some(ids) = self.ids.borrow().get(&id) {
            return Ok(*ids);
        }
        let commit = self.commit(id)?;
        self.book_ids(&commit)
    }

    /// Forgets memoised ids (to bound memory on long walks).
    pub(crate) fn forget(&self, id: Oid) {
        self.ids.borrow_mut().remove(&id);
    }

    fn book_ids_of_tree(&self, root: Oid) -> Result<BookIds, GitError> {
        let mut tree = self.flat_tree(root)?;
        for part in &self.prefix {
            match tree.find(part.as_bytes(), true) {
                Some(id) => tree = self.flat_tree(id)?,
                None => {
                    return Ok(BookIds {
                        customers: None,
                        rules: None,
                        time: 0,
                    });
                }
            }
        }
        let customers = tree.find(b"customers", true);
        let rules = tree.find(b"kehu.toml", false);
        Ok(BookIds {
            customers,
            rules,
            time: 0,
        })
    }

    /// The record of a commit.
    pub(crate) fn info(&self, commit: &Commit<'r>) -> CommitInfo {
        let author = commit.author();
        let when = author.when();
        CommitInfo::new(
            commit.id().to_string(),
            commit.parent_ids().map(|p| p.to_string()).collect(),
            String::from_utf8_lossy(author.name_bytes()).into_owned(),
            String::from_utf8_lossy(author.email_bytes()).into_owned(),
            when.seconds(),
            when.offset_minutes(),
            commit.time().seconds(),
            &String::from_utf8_lossy(commit.message_raw_bytes()),
        )
    }

    /// The blob at `path` (components under `customers/`) in a customers tree,
    /// for two trees at once, descending only while they differ. Returns the
    /// two blob ids (equal when the path is unchanged).
    pub(crate) fn path_pair(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        path: &[&str],
    ) -> Result<(Option<Oid>, Option<Oid>), GitError> {
        let (mut old, mut new) = (old, new);
        for (depth, part) in path.iter().enumerate() {
            if old == new {
                // Same subtree: the blob is the same, look it up once.
                let id = match old {
                    Some(tree) => self.blob_at(tree, &path[depth..])?,
                    None => None,
                };
                return Ok((id, id));
            }
            let last = depth + 1 == path.len();
            let want = if last {
                ObjectType::Blob
            } else {
                ObjectType::Tree
            };
            old = self.child(old, part, want)?;
            new = self.child(new, part, want)?;
        }
        Ok((old, new))
    }

    fn child(
        &self,
        tree: Option<Oid>,
        name: &str,
        kind: ObjectType,
    ) -> Result<Option<Oid>, GitError> {
        let Some(tree) = tree else { return Ok(None) };
        Ok(self
            .flat_tree(tree)?
            .find(name.as_bytes(), kind == ObjectType::Tree))
    }

    /// The blob at `path` below a tree.
    pub(crate) fn blob_at(&self, tree: Oid, path: &[&str]) -> Result<Option<Oid>, GitError> {
        let mut current = Some(tree);
        for (depth, part) in path.iter().enumerate() {
            let kind = if depth + 1 == path.len() {
                ObjectType::Blob
            } else {
                ObjectType::Tree
            };
            current = self.child(current, part, kind)?;
            if current.is_none() {
                return Ok(None);
            }
        }
        Ok(current)
    }
}
