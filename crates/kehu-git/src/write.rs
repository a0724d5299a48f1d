//! The commit writer: the host's one way to change the book.
//!
//! A commit writes a set of whole files (new bytes for paths relative to the
//! book root), stages exactly those files, and commits them with a message of
//! subject, body and `Kehu-*` trailers. It holds `index.lock` throughout, as
//! git does, and undoes everything it did when any step fails: the files get
//! their old bytes back and the index file is never replaced, so the
//! repository is exactly as before. Hooks are never run (a cloned book must
//! not be able to run code on the machine of whoever edits it).
//!
//! Crash safety: the steps run in an order where a kill at any point leaves
//! something [`Book::recover`] can finish or undo exactly —
//! 1. take `index.lock` (it names this process);
//! 2. write the blobs, trees and the commit object (unreachable so far);
//! 3. write the journal (`.git/kehu-write.journal`, flushed): the branch's
//!    old and new commit and each file's old and new blob;
//! 4. replace the work-tree files, each atomically (temporary file + rename);
//! 5. move the branch (compare-and-swap from the old commit);
//! 6. install the new index; remove the journal; release the lock.
//!
//! A kill before 3 leaves only unreachable objects and a stale lock (taken
//! over by the next kehu); between 3 and 5 the branch still points at the old
//! commit and recovery puts the old bytes back; after 5 it stages the new
//! ones. See docs/safety.md, "Crash safety".

use std::fs;
use std::path::{Path, PathBuf};

use git2::{FileMode, IndexEntry, IndexTime, ObjectType, Oid};
use kehu_core::edit::write_atomic;

use crate::book::Book;
use crate::error::{Context, GitError};
use crate::identity::signatures;
use crate::lock::{IndexLock, LOCK_PATIENCE, Owner};
use crate::message::{self, Message};

mod journal;
mod recover;

use journal::{Journal, JournalFile};

/// One commit kehu makes: the files it writes and what the message says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitRequest {
    /// New contents, by path relative to the book root (`customers/ac/acme.toml`).
    pub files: Vec<(String, Vec<u8>)>,
    /// The subject line, e.g. `contact: acme by call`.
    pub subject: String,
    /// Free text between subject and trailers (the contact note, a summary).
    pub body: String,
    /// `Kehu-Command`: the command that made the change (`contact`, `grade` …).
    pub command: Option<String>,
    /// One `Kehu-Customer` trailer each, in order, duplicates dropped.
    pub customers: Vec<String>,
    /// `Kehu-Contact`: the channel of a recorded contact.
    pub contact: Option<String>,
    /// `Kehu-Reason`: why (a hand regrade's reason).
    pub reason: Option<String>,
    /// Further trailers, written after the ones above.
    pub trailers: Vec<(String, String)>,
    /// `--author "Name <email>"`; default: `GIT_AUTHOR_NAME`/`EMAIL`, then git config.
    pub author: Option<String>,
    /// A fixed author and committer date in a form git accepts
    /// (`2026-11-18T10:00:00+01:00`, `@1763460000 +0000`); default:
    /// `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE`, then now. For reproducible
    /// histories such as `kehu demo`'s.
    pub date: Option<String>,
    /// The contents each file's new bytes were made from, by path (`None`:
    /// the file did not exist). The commit is refused with
    /// [`GitError::Changed`] when a listed file no longer has them — another
    /// writer committed it since it was read — so no change is lost. Files
    /// not listed are only required to be clean.
    pub based_on: Vec<(String, Option<Vec<u8>>)>,
}

/// From this many changed files on, a commit's new objects are written as
/// one pack instead of loose files (git's `transfer.unpackLimit` is 100 too).
const PACK_THRESHOLD: usize = 100;

/// What a successful commit produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// The new commit's id (hex).
    pub id: String,
    /// The branch created by [`Book::commit_on_branch`], if that was the call.
    pub branch: Option<String>,
    /// The files that changed, relative to the book root (unchanged ones are left out).
    pub files: Vec<String>,
}

/// A file to stage: its path in git, blob, mode and work-tree file.
struct Staged<'a> {
    git_path: &'a str,
    id: Oid,
    mode: u32,
    disk_path: PathBuf,
}

/// A file to write, resolved against the repository.
struct Planned {
    book_path: String,
    git_path: String,
    disk_path: PathBuf,
    bytes: Vec<u8>,
    old: Option<Vec<u8>>,
    mode: i32,
}

impl Book {
    /// The full message a request would commit, `Kehu-Rules` included: what
    /// `--dry-run` shows.
    pub fn render_message(&self, request: &CommitRequest) -> Result<String, GitError> {
        let rules = match self.head_commit()? {
            Some(head) => {
                let tree = head.tree().context("reading HEAD's tree")?;
                self.blob_in_tree(&tree, &format!("{}kehu.toml", self.prefix))?
                    .map(|(id, _)| id.to_string())
            }
            None => None,
        };
        let mut trailers = Vec::new();
        let mut push = |key: &str, value: &str| {
            if !value.trim().is_empty() {
                trailers.push((key.to_owned(), value.to_owned()));
            }
        };
        if let Some(command) = &request.command {
            push(message::COMMAND, command);
        }
        let mut seen = std::collections::HashSet::new();
        for customer in &request.customers {
            if seen.insert(customer.as_str()) {
                push(message::CUSTOMER, customer);
            }
        }
        if let Some(contact) = &request.contact {
            push(message::CONTACT, contact);
        }
        if let Some(reason) = &request.reason {
            push(message::REASON, reason);
        }
        for (key, value) in &request.trailers {
            push(key, value);
        }
        if let Some(rules) = rules {
            push(message::RULES, &rules);
        }
        Ok(Message {
            subject: request.subject.clone(),
            body: request.body.clone(),
            trailers,
        }
        .render())
    }

    /// Refuses, without changing anything, when the book cannot take a commit
    /// of these files now: an operation in progress, or a file with
    /// uncommitted (staged, unstaged or untracked) changes.
    pub fn check_writable<S: AsRef<str>>(&self, paths: &[S]) -> Result<(), GitError> {
        self.ensure_idle()?;
        let mut head_tree = match self.head_commit()? {
            Some(c) => Some(self.tree_paths(c.tree().context("reading HEAD's tree")?)),
            None => None,
        };
        let mut index = self.repo.index().context("reading the index")?;
        index.read(true).context("reading the index")?;
        for path in paths {
            let git_path = self.git_path(path.as_ref())?;
            self.check_clean(path.as_ref(), &git_path, head_tree.as_mut(), &index)?;
        }
        Ok(())
    }

    /// One file is clean when HEAD, the index and the work tree agree on it
    /// (all three lacking it counts as clean).
    fn check_clean(
        &self,
        book_path: &str,
        git_path: &str,
        head_tree: Option<&mut crate::book::TreePaths<'_>>,
        index: &git2::Index,
    ) -> Result<(), GitError> {
        let dirty = |detail: &str| GitError::Dirty {
            path: book_path.to_owned(),
            detail: detail.to_owned(),
        };
        // A symbolic link on the way (an untracked `customers/ac` linking
        // elsewhere) would make the write land outside the book.
        let parts: Vec<&str> = book_path.split('/').collect();
        for depth in 1..parts.len() {
            let link = parts[..depth].join("/");
            if fs::symlink_metadata(self.root().join(&link))
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                return Err(GitError::SymlinkOnPath {
                    path: book_path.to_owned(),
                    link,
                });
            }
        }
        let in_head = match head_tree {
            Some(tree) => tree.blob(git_path)?.map(|(id, _)| id),
            None => None,
        };
        let path = Path::new(git_path);
        if (1..=3).any(|stage| index.get_path(path, stage).is_some()) {
            return Err(dirty("unmerged"));
        }
        let in_index = index.get_path(path, 0).map(|e| e.id);
        if in_head != in_index {
            return Err(dirty("staged changes"));
        }
        let disk = self.root().join(book_path);
        let on_disk = match fs::symlink_metadata(&disk) {
            Ok(meta) if meta.is_file() => {
                let bytes = fs::read(&disk).map_err(|e| GitError::io(&disk, e))?;
                Some(Oid::hash_object(ObjectType::Blob, &bytes).context("hashing a file")?)
            }
            Ok(_) => return Err(dirty("not a regular file")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(GitError::io(&disk, e)),
        };
        match (in_index, on_disk) {
            (a, b) if a == b => Ok(()),
            (None, Some(_)) => Err(dirty("untracked")),
            (Some(_), None) => Err(dirty("deleted in the work tree")),
            _ => {
                // Content filters (core.autocrlf …) can make raw bytes differ
                // from the blob of a clean file; ask git before refusing.
                let status = self.repo.status_file(path).context("reading file status")?;
                if status.is_empty() {
                    Ok(())
                } else {
                    Err(dirty("unstaged changes"))
                }
            }
        }
    }

    /// Writes the files, stages exactly them and commits on the current
    /// branch (or makes the first commit of an unborn one). Any failure after
    /// a file was written restores every file and leaves the index untouched.
    pub fn commit(&self, request: &CommitRequest) -> Result<Committed, GitError> {
        let (author, committer) = signatures(
            &self.repo,
            &|var| self.env_var(var),
            request.author.as_deref(),
            request.date.as_deref(),
        )?;
        let lock = IndexLock::acquire(self.git_dir(), LOCK_PATIENCE)?;
        // A journal left by a killed writer: the work tree may be half
        // changed, and the caller built this request from it.
        if let Some(summary) = self.recover_locked()? {
            return Err(GitError::Interrupted { summary });
        }
        self.ensure_idle()?;
        let head = self.head_commit()?;
        let head_tree = match &head {
            Some(c) => Some(c.tree().context("reading HEAD's tree")?),
            None => None,
        };
        let mut head_paths = head_tree.clone().map(|tree| self.tree_paths(tree));
        let index_path = self.git_dir().join("index");
        let mut index = self.repo.index().context("reading the index")?;
        index.read(true).context("reading the index")?;
        let bases: std::collections::HashMap<&str, Option<&[u8]>> = request
            .based_on
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_deref()))
            .collect();

        let mut planned = Vec::new();
        for (book_path, bytes) in last_per_path(&request.files) {
            let git_path = self.git_path(book_path)?;
            self.check_clean(book_path, &git_path, head_paths.as_mut(), &index)?;
            let disk_path = self.root().join(book_path);
            let old = match fs::read(&disk_path) {
                Ok(old) => Some(old),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(GitError::io(&disk_path, e)),
            };
            if old.as_deref() == Some(bytes.as_slice()) {
                continue;
            }
            if let Some(base) = bases.get(book_path.as_str())
                && *base != old.as_deref()
            {
                return Err(GitError::Changed {
                    path: book_path.clone(),
                });
            }
            let mode = index
                .get_path(Path::new(&git_path), 0)
                .map_or(0o100644, |e| e.mode as i32);
            planned.push(Planned {
                book_path: book_path.clone(),
                git_path,
                disk_path,
                bytes: bytes.clone(),
                old,
                mode,
            });
        }
        if planned.is_empty() {
            return Err(GitError::NothingToCommit);
        }

        let message = self.render_message(request)?;
        let tree_id = self.updated_tree(head_tree.as_ref(), &planned)?;
        let tree = self
            .repo
            .find_tree(tree_id)
            .context("reading the new tree")?;
        let parents: Vec<&git2::Commit<'_>> = head.iter().collect();
        let id = self
            .repo
            .commit(None, &author, &committer, &message, &tree, &parents)
            .context("committing")?;
        let reference = self.head_reference()?;
        let old_head = head.as_ref().map(git2::Commit::id);
        let journal = Journal {
            owner: Owner::me(),
            reference: reference.clone(),
            old: old_head,
            new: id,
            files: planned
                .iter()
                .map(|p| {
                    Ok(JournalFile {
                        git_path: p.git_path.clone(),
                        old: match &p.old {
                            Some(old) => Some(
                                Oid::hash_object(ObjectType::Blob, old)
                                    .context("hashing a file")?,
                            ),
                            None => None,
                        },
                        new: Oid::hash_object(ObjectType::Blob, &p.bytes)
                            .context("hashing a file")?,
                        mode: p.mode as u32,
                    })
                })
                .collect::<Result<_, GitError>>()?,
        };
        journal.write(self.git_dir())?;

        // From here on the work tree changes: undo on any error.
        let mut written: Vec<&Planned> = Vec::new();
        let mut created_dirs: Vec<PathBuf> = Vec::new();
        let mut moved = false;
        let outcome = (|| -> Result<(), GitError> {
            for plan in &planned {
                if let Some(parent) = plan.disk_path.parent() {
                    create_dirs(parent, &mut created_dirs)?;
                }
                written.push(plan);
                replace_file(&plan.disk_path, &plan.bytes)
                    .map_err(|e| GitError::io(&plan.disk_path, e))?;
            }
            let staged: Vec<Staged<'_>> = journal
                .files
                .iter()
                .zip(&planned)
                .map(|(file, plan)| Staged {
                    git_path: &plan.git_path,
                    id: file.new,
                    mode: file.mode,
                    disk_path: plan.disk_path.clone(),
                })
                .collect();
            let new_index = self.staged_index(&index_path, &staged)?;
            if let Err(e) = self.move_head(&reference, old_head, id, &request.subject) {
                let _ = fs::remove_file(&new_index);
                return Err(e);
            }
            moved = true;
            if let Err(e) = lock.install(&new_index, &index_path) {
                let _ = fs::remove_file(&new_index);
                return Err(e);
            }
            Ok(())
        })();
        if let Err(e) = outcome {
            if moved {
                self.undo_head(old_head);
            }
            restore(&written, &created_dirs);
            let _ = Journal::remove(self.git_dir());
            return Err(e);
        }
        // The commit is complete once the journal is gone; a failure to
        // remove it only means the next write re-checks (and finds nothing
        // to do but stage what is already staged).
        let _ = Journal::remove(self.git_dir());
        drop(lock);
        Ok(Committed {
            id: id.to_string(),
            branch: None,
            files: planned.iter().map(|p| p.book_path.clone()).collect(),
        })
    }

    /// The reference a commit on the current branch moves: the branch HEAD
    /// names (born or not), or `HEAD` itself when detached.
    fn head_reference(&self) -> Result<String, GitError> {
        let head = self.repo.find_reference("HEAD").context("reading HEAD")?;
        Ok(head.symbolic_target().unwrap_or("HEAD").to_owned())
    }

    /// Moves `reference` from `old` to `new`, failing if it no longer points
    /// at `old` (another tool committed meanwhile without taking the index
    /// lock). The reflog says `commit: SUBJECT`, as git's does.
    fn move_head(
        &self,
        reference: &str,
        old: Option<Oid>,
        new: Oid,
        subject: &str,
    ) -> Result<(), GitError> {
        let kind = if old.is_some() {
            "commit"
        } else {
            "commit (initial)"
        };
        let log = format!("{kind}: {}", subject.lines().next().unwrap_or(""));
        let result = if reference == "HEAD" {
            self.repo.set_head_detached(new).map(|_| ())
        } else {
            match old {
                Some(old) => self
                    .repo
                    .reference_matching(reference, new, true, old, &log)
                    .map(|_| ()),
                None => self.repo.reference(reference, new, false, &log).map(|_| ()),
            }
        };
        result.map_err(|e| GitError::backend(format!("moving {reference}"), e.message()))
    }

    /// Commits the files on a new branch `name` made from HEAD, without
    /// touching the work tree, the index or the current branch: the review
    /// path (`--branch`). Build the new bytes from [`Book::head_file`].
    pub fn commit_on_branch(
        &self,
        name: &str,
        request: &CommitRequest,
    ) -> Result<Committed, GitError> {
        if !git2::Branch::name_is_valid(name).unwrap_or(false) {
            return Err(GitError::BadBranchName {
                name: name.to_owned(),
            });
        }
        let (author, committer) = signatures(
            &self.repo,
            &|var| self.env_var(var),
            request.author.as_deref(),
            request.date.as_deref(),
        )?;
        let refname = format!("refs/heads/{name}");
        if self.repo.find_reference(&refname).is_ok() {
            return Err(GitError::BranchExists {
                name: name.to_owned(),
            });
        }
        let head = self.head_commit()?.ok_or(GitError::NoCommits)?;
        let head_tree = head.tree().context("reading HEAD's tree")?;
        let mut head_paths = self.tree_paths(head_tree.clone());
        let mut planned = Vec::new();
        for (book_path, bytes) in last_per_path(&request.files) {
            let git_path = self.git_path(book_path)?;
            let current = head_paths.blob(&git_path)?;
            if current.is_some_and(|(id, _)| {
                Oid::hash_object(ObjectType::Blob, bytes).is_ok_and(|new| new == id)
            }) {
                continue;
            }
            planned.push(Planned {
                book_path: book_path.clone(),
                disk_path: self.root().join(book_path),
                git_path,
                bytes: bytes.clone(),
                old: None,
                mode: current.map_or(0o100644, |(_, mode)| mode),
            });
        }
        if planned.is_empty() {
            return Err(GitError::NothingToCommit);
        }
        let message = self.render_message(request)?;
        let tree_id = self.updated_tree(Some(&head_tree), &planned)?;
        let tree = self
            .repo
            .find_tree(tree_id)
            .context("reading the new tree")?;
        let id = self
            .repo
            .commit(None, &author, &committer, &message, &tree, &[&head])
            .context("committing")?;
        let reflog = format!("kehu: {}", request.subject);
        self.repo
            .reference(&refname, id, false, &reflog)
            .map_err(|e| {
                if e.code() == git2::ErrorCode::Exists {
                    GitError::BranchExists {
                        name: name.to_owned(),
                    }
                } else {
                    GitError::backend("creating the branch", e.message())
                }
            })?;
        Ok(Committed {
            id: id.to_string(),
            branch: Some(name.to_owned()),
            files: planned.iter().map(|p| p.book_path.clone()).collect(),
        })
    }

    /// Writes the blobs and the tree of `base` with the planned files replaced.
    ///
    /// Up to [`PACK_THRESHOLD`] files the objects are written loose, as git
    /// does. Above it (an import creating thousands of customers) they are
    /// built in memory and written as one pack: a loose object costs a file
    /// creation, a link and an unlink each, which on a busy file system takes
    /// longer than everything else in the commit.
    fn updated_tree(
        &self,
        base: Option<&git2::Tree<'_>>,
        planned: &[Planned],
    ) -> Result<Oid, GitError> {
        if planned.len() < PACK_THRESHOLD {
            return build_tree(&self.repo, base.map(git2::Tree::id), planned).map(|(tree, _)| tree);
        }
        // A second handle whose object writes go to memory first: the
        // mempack backend stays attached to a repository for its lifetime,
        // and `self.repo` must keep writing to disk.
        let bulk = git2::Repository::open(self.repo.path())
            .context("opening the repository for a bulk write")?;
        let odb = bulk.odb().context("opening the object database")?;
        let _mempack = odb
            .add_new_mempack_backend(1000)
            .context("preparing an in-memory pack")?;
        let (tree, blobs) = build_tree(&bulk, base.map(git2::Tree::id), planned)?;
        // The new objects: the blobs, and the trees on the path to each
        // changed file (the root included); nothing else changed.
        let root = bulk.find_tree(tree).context("reading the new tree")?;
        let mut dirs = std::collections::BTreeSet::new();
        for plan in planned {
            let mut path = plan.git_path.as_str();
            while let Some((dir, _)) = path.rsplit_once('/') {
                if !dirs.insert(dir) {
                    break;
                }
                path = dir;
            }
        }
        let mut builder = bulk.packbuilder().context("preparing a pack")?;
        builder.set_threads(1);
        builder
            .insert_object(tree, None)
            .context("packing a tree")?;
        for dir in dirs {
            let entry = root
                .get_path(Path::new(dir))
                .context("reading a new tree")?;
            builder
                .insert_object(entry.id(), None)
                .context("packing a tree")?;
        }
        for blob in blobs {
            builder
                .insert_object(blob, None)
                .context("packing a blob")?;
        }
        let mut pack = git2::Buf::new();
        builder
            .write_buf(&mut pack)
            .context("packing the new objects")?;
        let target = self.repo.odb().context("opening the object database")?;
        let mut writer = target.packwriter().context("writing a pack")?;
        std::io::Write::write_all(&mut writer, &pack)
            .map_err(|e| GitError::io(self.git_dir().join("objects/pack"), e))?;
        writer.commit().context("writing a pack")?;
        Ok(tree)
    }

    /// Writes a copy of the index with the planned files staged (with the
    /// stat data of the freshly written files) and returns its path.
    fn staged_index(&self, index_path: &Path, staged: &[Staged<'_>]) -> Result<PathBuf, GitError> {
        let tmp = self
            .git_dir()
            .join(format!("index.kehu-{}", std::process::id()));
        match fs::copy(index_path, &tmp) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = fs::remove_file(&tmp);
            }
            Err(e) => return Err(GitError::io(index_path, e)),
        }
        let result = (|| {
            let mut index = git2::Index::open(&tmp).context("opening a copy of the index")?;
            for file in staged {
                let meta =
                    fs::metadata(&file.disk_path).map_err(|e| GitError::io(&file.disk_path, e))?;
                index
                    .add(&index_entry(file.git_path, file.id, file.mode, &meta))
                    .context("staging a file")?;
            }
            index.write().context("writing the index")
        })();
        match result {
            Ok(()) => Ok(tmp),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Moves the current branch (or detached HEAD) back after a failed step.
    fn undo_head(&self, old: Option<Oid>) {
        let Ok(head) = self.repo.find_reference("HEAD") else {
            return;
        };
        let target = head.symbolic_target().map(str::to_owned);
        match (target, old) {
            (Some(branch), Some(old)) => {
                let _ = self
                    .repo
                    .reference(&branch, old, true, "kehu: undo failed commit");
            }
            (Some(branch), None) => {
                if let Ok(mut r) = self.repo.find_reference(&branch) {
                    let _ = r.delete();
                }
            }
            (None, Some(old)) => {
                let _ = self.repo.set_head_detached(old);
            }
            (None, None) => {}
        }
    }
}

/// The files of a request with a path given twice kept once (the last
/// contents win), in first-mention order.
fn last_per_path(files: &[(String, Vec<u8>)]) -> Vec<(&String, &Vec<u8>)> {
    // A map from path to slot: a linear search per file made a commit of
    // 20,000 files spend seconds comparing paths.
    let mut slots: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(files.len());
    let mut out: Vec<(&String, &Vec<u8>)> = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        match slots.get(path.as_str()) {
            Some(&slot) => out[slot].1 = bytes,
            None => {
                slots.insert(path.as_str(), out.len());
                out.push((path, bytes));
            }
        }
    }
    out
}

/// Writes the blobs of `planned` and the tree of `base` (by id; the empty
/// tree when `None`) with them replaced, into `repo`'s object database;
/// returns the new tree's id and the blobs' ids.
fn build_tree(
    repo: &git2::Repository,
    base: Option<Oid>,
    planned: &[Planned],
) -> Result<(Oid, Vec<Oid>), GitError> {
    let base = match base {
        Some(id) => id,
        None => repo
            .treebuilder(None)
            .and_then(|b| b.write())
            .context("writing an empty tree")?,
    };
    let base = repo.find_tree(base).context("reading the base tree")?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    let mut blobs = Vec::with_capacity(planned.len());
    for plan in planned {
        let blob = repo.blob(&plan.bytes).context("writing a blob")?;
        blobs.push(blob);
        let mode = if plan.mode == 0o100755 {
            FileMode::BlobExecutable
        } else {
            FileMode::Blob
        };
        update.upsert(plan.git_path.as_str(), blob, mode);
    }
    let tree = update
        .create_updated(repo, &base)
        .context("writing the new tree")?;
    Ok((tree, blobs))
}

/// Creates missing directories, remembering them (deepest last) for undo.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), GitError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    fs::create_dir(dir).map_err(|e| GitError::io(dir, e))?;
    created.push(dir.to_path_buf());
    Ok(())
}

/// Replaces a work-tree file atomically — a temporary file in the same
/// directory, renamed over the target, permissions kept — so a reader sees
/// the old file or the new one, never half of it.
///
/// Unlike [`write_atomic`] it does not flush the file to disk: like
/// `git checkout`, the writer leaves work-tree durability to the OS. The
/// commit's objects and index are not flushed either (libgit2's default), so
/// a flush per file would buy no crash consistency while costing a journal
/// commit each (about 10 ms here: minutes for an import creating 20,000
/// customers).
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = dir.join(format!(".{name}.kehu-tmp-{}-{n}", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Puts the old bytes back (or removes new files and their new directories).
fn restore(written: &[&Planned], created_dirs: &[PathBuf]) {
    for plan in written.iter().rev() {
        match &plan.old {
            Some(old) => {
                let _ = write_atomic(&plan.disk_path, old);
            }
            None => {
                let _ = fs::remove_file(&plan.disk_path);
            }
        }
    }
    for dir in created_dirs.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

/// An index entry for a freshly written file, with its stat data so git sees
/// it as clean without re-reading it.
fn index_entry(git_path: &str, id: Oid, mode: u32, meta: &fs::Metadata) -> IndexEntry {
    #[cfg(unix)]
    let (ctime, mtime, dev, ino, uid, gid) = {
        use std::os::unix::fs::MetadataExt;
        (
            IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
            IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
            meta.dev() as u32,
            meta.ino() as u32,
            meta.uid(),
            meta.gid(),
        )
    };
    #[cfg(not(unix))]
    let (ctime, mtime, dev, ino, uid, gid) = {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(IndexTime::new(0, 0), |d| {
                IndexTime::new(d.as_secs() as i32, d.subsec_nanos())
            });
        (mtime, mtime, 0, 0, 0, 0)
    };
    let path = git_path.as_bytes().to_vec();
    IndexEntry {
        ctime,
        mtime,
        dev,
        ino,
        mode,
        uid,
        gid,
        file_size: meta.len() as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path,
    }
}

#[cfg(test)]
mod tests;
