//! Recovery from a kehu write that was killed part-way.
//!
//! The writer's order (see `write.rs`) keeps every step undoable: the new
//! objects and the commit object first (unreachable until the branch moves),
//! then the journal, the work-tree files (each replaced atomically), the
//! branch, the index, and last the journal's removal and the lock's release.
//! What a leftover journal means follows from where the branch points:
//!
//! - at the old commit: the commit never happened; put back the old bytes of
//!   every journalled file (the index was not touched) — *roll back*;
//! - at the new commit: the commit happened; write the new bytes of any file
//!   not yet written and stage them all — *roll forward*;
//! - anywhere else: someone moved the branch since; kehu refuses and says
//!   what to restore by hand.
//!
//! A file that is neither its old nor its new content was edited by hand
//! after the crash: kehu leaves everything as it is and names it.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid};

use super::journal::Journal;
use super::{Staged, replace_file};
use crate::book::Book;
use crate::error::{Context, GitError};
use crate::lock::{IndexLock, LOCK_PATIENCE, Owner};

/// Which way an interrupted write is completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Back,
    Forward,
}

impl Book {
    /// Repairs what a killed kehu write left behind, before a new write:
    /// a stale `index.lock` of a kehu process that no longer runs is removed
    /// (returned as a note to show the user), and a leftover write journal is
    /// rolled back or forward, which ends in [`GitError::Interrupted`] (the
    /// caller read the book before the repair, so it must start again) or
    /// [`GitError::Unrecoverable`] naming what to fix by hand.
    pub fn recover(&self) -> Result<Option<String>, GitError> {
        let git_dir = self.git_dir();
        let has_journal = super::journal::path(git_dir).exists();
        let stale_lock = crate::lock::stale_owner(git_dir).is_some();
        if !has_journal && !stale_lock {
            return Ok(None);
        }
        let lock = IndexLock::acquire(git_dir, LOCK_PATIENCE)?;
        if let Some(summary) = self.recover_locked()? {
            return Err(GitError::Interrupted { summary });
        }
        Ok(lock.took_over.as_ref().map(|owner| {
            format!(
                "removed {} left by kehu process {} (no longer running)",
                git_dir.join("index.lock").display(),
                owner.pid
            )
        }))
    }

    /// What a killed kehu write left behind, without repairing anything:
    /// for `kehu check` and other readers to name it and its fix. `None`
    /// when there is nothing (a write in progress in a live process is not
    /// reported).
    pub fn pending_recovery(&self) -> Option<String> {
        if let Some(note) = self.interrupted_write() {
            return Some(note);
        }
        let git_dir = self.git_dir();
        let owner = crate::lock::stale_owner(git_dir)?;
        let lock = git_dir.join("index.lock");
        Some(format!(
            "{} was left by kehu process {}, which no longer runs (git refuses to commit while \
             it exists); the next kehu write removes it, or remove it yourself: `rm {}`",
            lock.display(),
            owner.pid,
            lock.display()
        ))
    }

    /// The write journal of a killed kehu, named with its fix; `None` when
    /// there is none (or its writer still runs). Unlike a stale lock alone,
    /// it means work-tree files may be half changed: what is read from the
    /// work tree now is neither the old book nor the new one.
    pub fn interrupted_write(&self) -> Option<String> {
        let git_dir = self.git_dir();
        let journal_path = super::journal::path(git_dir);
        match Journal::read(git_dir) {
            Ok(Some(journal)) if journal.owner.is_dead() => Some(format!(
                "{} records a write by kehu process {} that was interrupted ({} file(s) \
                     may be half changed); run any kehu write (e.g. the same command again): \
                     it first rolls the write back, or finishes it if the commit was made",
                journal_path.display(),
                journal.owner.pid,
                journal.files.len()
            )),
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Completes or undoes a journalled write; the caller holds the index
    /// lock. Returns what was done, `None` when there was no journal.
    pub(crate) fn recover_locked(&self) -> Result<Option<String>, GitError> {
        let git_dir = self.git_dir();
        let Some(journal) = Journal::read(git_dir)? else {
            return Ok(None);
        };
        let journal_path = super::journal::path(git_dir);
        let refuse = |detail: String| GitError::Unrecoverable {
            journal: journal_path.clone(),
            detail,
        };
        if journal.owner != Owner::me() && !journal.owner.is_dead() {
            return Err(refuse(format!(
                "kehu process {} that wrote it still runs; wait for it, or stop it and run \
                 kehu again",
                journal.owner.pid
            )));
        }
        self.remove_stale_ref_lock(&journal);
        let current = self.reference_target(&journal.reference);
        let direction = if current == Some(journal.new) {
            Direction::Forward
        } else if current == journal.old {
            Direction::Back
        } else {
            return Err(refuse(format!(
                "{} moved to {} since (it was {}, the interrupted commit is {}); check the \
                 listed files with `git status`, restore them (`git checkout -- FILE`), then \
                 remove the journal (`rm {}`)",
                journal.reference,
                current.map_or_else(|| "nothing".to_owned(), |id| id.to_string()),
                journal
                    .old
                    .map_or_else(|| "unborn".to_owned(), |id| id.to_string()),
                journal.new,
                journal_path.display()
            )));
        };
        let workdir = self
            .repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| GitError::Bare {
                path: git_dir.to_path_buf(),
            })?;
        // Decide for every file before changing any.
        let mut to_write = Vec::new();
        for file in &journal.files {
            let disk = workdir.join(&file.git_path);
            let on_disk = disk_blob(&disk)?;
            let (wanted, other) = match direction {
                Direction::Back => (file.old, Some(file.new)),
                Direction::Forward => (Some(file.new), file.old),
            };
            if on_disk == wanted {
                continue;
            }
            if on_disk != other {
                return Err(refuse(format!(
                    "{} was changed by hand since; restore it (`git checkout -- {}`) or move \
                     your edit away, then run kehu again",
                    file.git_path, file.git_path
                )));
            }
            to_write.push((disk, wanted));
        }
        remove_leftovers(git_dir, &workdir, &journal);
        for (disk, wanted) in &to_write {
            self.put(disk, *wanted, &workdir)?;
        }
        if direction == Direction::Forward {
            self.restage(&journal, &workdir)?;
        }
        Journal::remove(git_dir)?;
        let subject = self
            .repo
            .find_commit(journal.new)
            .ok()
            .and_then(|c| c.summary().map(str::to_owned))
            .unwrap_or_default();
        let short = &journal.new.to_string()[..10];
        Ok(Some(match direction {
            Direction::Back => format!(
                "kehu process {} was interrupted before committing `{subject}`: rolled back \
                 {} file(s) to {}",
                journal.owner.pid,
                journal.files.len(),
                journal.reference
            ),
            Direction::Forward => format!(
                "kehu process {} was interrupted after committing {short} `{subject}`: \
                 finished writing {} file(s) and staged them",
                journal.owner.pid,
                journal.files.len()
            ),
        }))
    }

    /// Where a journalled reference points now.
    fn reference_target(&self, reference: &str) -> Option<Oid> {
        if reference == "HEAD" {
            return self.repo.head().ok().and_then(|h| h.target());
        }
        self.repo.refname_to_id(reference).ok()
    }

    /// Removes the lock of the journalled reference (`<git dir>/<ref>.lock`)
    /// that the dead writer made while moving it, and no other: the lock
    /// must be no older than the journal (written before the branch moves)
    /// and hold what git writes there for the interrupted commit, whole or
    /// cut short by the kill (`<new id>\n`, a prefix of it, or nothing). A
    /// lock with other content is another process's and stays; git then
    /// names it when the next write fails.
    fn remove_stale_ref_lock(&self, journal: &Journal) {
        let git_dir = self.git_dir();
        let lock = git_dir.join(format!("{}.lock", journal.reference));
        let Ok(text) = fs::read(&lock) else {
            return;
        };
        let expected = format!("{}\n", journal.new);
        if !expected.as_bytes().starts_with(&text) {
            return;
        }
        let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified());
        if let (Ok(made), Ok(journalled)) =
            (modified(&lock), modified(&super::journal::path(git_dir)))
            && made < journalled
        {
            return;
        }
        let _ = fs::remove_file(&lock);
    }

    /// Gives a file the blob `wanted` (removing it, and parent directories
    /// left empty, when `None`).
    fn put(&self, disk: &Path, wanted: Option<Oid>, workdir: &Path) -> Result<(), GitError> {
        match wanted {
            Some(id) => {
                let blob = self
                    .repo
                    .find_blob(id)
                    .context("reading a journalled blob")?;
                if let Some(parent) = disk.parent() {
                    fs::create_dir_all(parent).map_err(|e| GitError::io(parent, e))?;
                }
                replace_file(disk, blob.content()).map_err(|e| GitError::io(disk, e))
            }
            None => {
                match fs::remove_file(disk) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(GitError::io(disk, e)),
                }
                let mut dir = disk.parent();
                while let Some(d) = dir {
                    if d == workdir || fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
                Ok(())
            }
        }
    }

    /// Stages the journalled files' new blobs (the branch already has them).
    fn restage(&self, journal: &Journal, workdir: &Path) -> Result<(), GitError> {
        let index_path = self.git_dir().join("index");
        let staged: Vec<Staged<'_>> = journal
            .files
            .iter()
            .map(|f| Staged {
                git_path: &f.git_path,
                id: f.new,
                mode: f.mode,
                disk_path: workdir.join(&f.git_path),
            })
            .collect();
        let new_index = self.staged_index(&index_path, &staged)?;
        fs::rename(&new_index, &index_path).map_err(|e| GitError::io(&index_path, e))
    }
}

/// The blob id of a work-tree file; `None` when it does not exist.
fn disk_blob(path: &Path) -> Result<Option<Oid>, GitError> {
    match fs::read(path) {
        Ok(bytes) => Oid::hash_object(ObjectType::Blob, &bytes)
            .map(Some)
            .context("hashing a file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(GitError::io(path, e)),
    }
}

/// Removes the temporary files the killed process may have left: its
/// half-written work-tree files and its copy of the index.
fn remove_leftovers(git_dir: &Path, workdir: &Path, journal: &Journal) {
    let pid = journal.owner.pid;
    let _ = fs::remove_file(git_dir.join(format!("index.kehu-{pid}")));
    let mut dirs: Vec<PathBuf> = journal
        .files
        .iter()
        .filter_map(|f| workdir.join(&f.git_path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    let marker = format!(".kehu-tmp-{pid}-");
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(&marker) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
#[path = "recover_tests.rs"]
mod tests;
