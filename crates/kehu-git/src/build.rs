//! Writing commits straight into the object database, without the work tree
//! or the index: how `kehu demo` lays down a year of history in a second,
//! and how tests build histories with merges and renames exactly as they
//! want them. The work tree is brought up to date once, at the end, with
//! [`Book::checkout_head`].

use git2::{FileMode, Oid, Signature, Time};

use crate::book::Book;
use crate::error::{Context, GitError};

/// One commit to write: its parents, the file changes against the first
/// parent's tree, the message and who made it when.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawCommit {
    /// Parent commit ids (hex), first parent first; none for a root commit.
    pub parents: Vec<String>,
    /// New contents by path relative to the book root.
    pub upserts: Vec<(String, Vec<u8>)>,
    /// Paths relative to the book root to delete (a rename is a removal
    /// and an upsert in one commit).
    pub removals: Vec<String>,
    /// The whole message (see [`crate::Message::render`]).
    pub message: String,
    /// Author and committer name.
    pub name: String,
    /// Author and committer email.
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Offset from UTC in minutes.
    pub offset_minutes: i32,
}

impl Book {
    /// Writes `commit` and returns its id; no ref moves (see
    /// [`Book::set_branch`]). A merge's tree is its first parent's tree with
    /// the listed changes applied: the caller states what the merge brought.
    pub fn write_raw_commit(&self, commit: &RawCommit) -> Result<String, GitError> {
        let parents = commit
            .parents
            .iter()
            .map(|id| {
                let oid = Oid::from_str(id).context("reading a parent id")?;
                self.repo
                    .find_commit(oid)
                    .context("reading a parent commit")
            })
            .collect::<Result<Vec<_>, GitError>>()?;
        let base = match parents.first() {
            Some(first) => first.tree().context("reading the parent's tree")?,
            None => {
                let id = self
                    .repo
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .context("writing an empty tree")?;
                self.repo.find_tree(id).context("reading an empty tree")?
            }
        };
        let mut update = git2::build::TreeUpdateBuilder::new();
        for path in &commit.removals {
            update.remove(self.git_path(path)?);
        }
        for (path, bytes) in &commit.upserts {
            let blob = self.repo.blob(bytes).context("writing a blob")?;
            update.upsert(self.git_path(path)?, blob, FileMode::Blob);
        }
        let tree_id = update
            .create_updated(&self.repo, &base)
            .context("writing the new tree")?;
        let tree = self
            .repo
            .find_tree(tree_id)
            .context("reading the new tree")?;
        let when = Time::new(commit.time, commit.offset_minutes);
        let signature =
            Signature::new(&commit.name, &commit.email, &when).context("making the signature")?;
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = self
            .repo
            .commit(
                None,
                &signature,
                &signature,
                &commit.message,
                &tree,
                &parent_refs,
            )
            .context("writing the commit")?;
        Ok(id.to_string())
    }

    /// Points branch `name` at `commit` (creating or moving it).
    pub fn set_branch(&self, name: &str, commit: &str) -> Result<(), GitError> {
        let oid = Oid::from_str(commit).context("reading a commit id")?;
        let target = self.repo.find_commit(oid).context("reading the commit")?;
        self.repo
            .branch(name, &target, true)
            .context("moving the branch")?;
        Ok(())
    }

    /// Makes `branch` the checked-out branch and writes its tree to the work
    /// tree and the index, overwriting what is there: only for a repository
    /// kehu itself just built (`kehu demo`).
    pub fn checkout_head(&self, branch: &str) -> Result<(), GitError> {
        self.repo
            .set_head(&format!("refs/heads/{branch}"))
            .context("setting HEAD")?;
        let mut options = git2::build::CheckoutBuilder::new();
        options.force();
        self.repo
            .checkout_head(Some(&mut options))
            .context("checking out HEAD")?;
        Ok(())
    }
}
