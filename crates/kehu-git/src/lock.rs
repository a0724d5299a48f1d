//! The index lock, taken the way git takes it: by creating `index.lock`
//! exclusively. Held for the whole commit so no other git process changes
//! the index (or sees a half-done state) meanwhile.
//!
//! kehu's lock file names its owner (`kehu pid=1234 host=build-7`), written
//! before the file appears under its name (a temporary file hard-linked to
//! `index.lock`, which fails when the lock exists). So a lock left behind by
//! a kehu process that was killed is recognised: same host, process gone.
//! Such a stale lock is taken over (renamed away, atomically, so two
//! processes cannot both take it); any other lock is waited for, then
//! refused with a message naming the file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::GitError;

/// How long to wait for another process's lock before giving up: long
/// enough for a few other kehu commits in a row (eight concurrent writers of
/// a small book), short enough that a held lock is reported promptly.
pub(crate) const LOCK_PATIENCE: Duration = Duration::from_millis(5_000);

/// Who holds a lock, as its file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// The kehu process id.
    pub(crate) pid: u32,
    /// The host it ran on.
    pub(crate) host: String,
}

impl Owner {
    /// This process.
    pub(crate) fn me() -> Owner {
        Owner {
            pid: std::process::id(),
            host: hostname(),
        }
    }

    /// The lock file's text.
    fn render(&self) -> String {
        format!("kehu pid={} host={}\n", self.pid, self.host)
    }

    /// Reads the owner from a lock file's text; `None` for a lock git or
    /// another tool made (git's lock files are empty or hold index data).
    fn parse(text: &[u8]) -> Option<Owner> {
        let text = std::str::from_utf8(text).ok()?;
        let rest = text.strip_suffix('\n')?.strip_prefix("kehu pid=")?;
        let (pid, host) = rest.split_once(" host=")?;
        Some(Owner {
            pid: pid.parse().ok()?,
            host: host.to_owned(),
        })
    }

    /// Whether the owner is provably gone: it ran on this host and no
    /// process has its id. Where that cannot be known (no `/proc`), a lock is
    /// never called stale.
    pub(crate) fn is_dead(&self) -> bool {
        let proc_root = Path::new("/proc");
        self.host == hostname()
            && proc_root.join("self").exists()
            && !proc_root.join(self.pid.to_string()).exists()
    }
}

/// The name of a temporary file this process writes in place of `name`
/// (`.NAME.tmp-PID@HOST`): a later run can tell a killed writer's leftover
/// from a file another live process is still writing.
pub(crate) fn temp_name(name: &str) -> String {
    let me = Owner::me();
    format!(".{name}.tmp-{}@{}", me.pid, me.host)
}

/// Removes the temporary files in `dir` (named by [`temp_name`]) whose
/// writer is provably gone: a kill in the middle of a write would otherwise
/// leave them behind for good (hundreds of megabytes for an index segment).
pub(crate) fn sweep_dead_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let owner = name
            .to_str()
            .filter(|n| n.starts_with('.'))
            .and_then(|n| n.rsplit_once(".tmp-"))
            .and_then(|(_, owner)| owner.split_once('@'))
            .and_then(|(pid, host)| {
                Some(Owner {
                    pid: pid.parse().ok()?,
                    host: host.to_owned(),
                })
            });
        if owner.is_some_and(|o| o.is_dead()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The machine's name, for telling a lock from this host from one made over
/// a shared file system.
fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// A held `index.lock`; removed on drop.
#[derive(Debug)]
pub(crate) struct IndexLock {
    path: PathBuf,
    held: bool,
    /// The owner of a stale lock this one replaced, if any.
    pub(crate) took_over: Option<Owner>,
}

impl IndexLock {
    /// Creates `<git_dir>/index.lock`, retrying for up to `patience` while
    /// another process holds it, and taking over a lock left by a kehu
    /// process that no longer runs.
    pub(crate) fn acquire(git_dir: &Path, patience: Duration) -> Result<IndexLock, GitError> {
        let path = git_dir.join("index.lock");
        let me = Owner::me();
        let staged = git_dir.join(format!("index.lock.kehu-{}", me.pid));
        fs::write(&staged, me.render()).map_err(|e| GitError::io(&staged, e))?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        let mut took_over = None;
        let outcome = loop {
            match fs::hard_link(&staged, &path) {
                Ok(()) => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if let Some(owner) = take_over_stale(git_dir, &path, &me) {
                        took_over = Some(owner);
                        continue;
                    }
                    if started.elapsed() >= patience {
                        break Err(locked(&path));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(e) => break Err(GitError::io(&path, e)),
            }
        };
        let _ = fs::remove_file(&staged);
        outcome.map(|()| IndexLock {
            path,
            held: true,
            took_over,
        })
    }

    /// Installs `new_index` as the index (renaming it over `index`); the
    /// lock stays held until dropped.
    pub(crate) fn install(&self, new_index: &Path, index: &Path) -> Result<(), GitError> {
        fs::rename(new_index, index).map_err(|e| GitError::io(index, e))
    }

    fn release(&mut self) {
        if self.held {
            let _ = fs::remove_file(&self.path);
            self.held = false;
        }
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        self.release();
    }
}

/// The owner of `<git_dir>/index.lock` when it is a kehu lock whose process
/// no longer runs (see [`Owner::is_dead`]).
pub(crate) fn stale_owner(git_dir: &Path) -> Option<Owner> {
    let owner = Owner::parse(&fs::read(git_dir.join("index.lock")).ok()?)?;
    owner.is_dead().then_some(owner)
}

/// Moves a stale kehu lock out of the way and returns its owner; `None`
/// when the lock is not provably stale (or another process took it first).
fn take_over_stale(git_dir: &Path, path: &Path, me: &Owner) -> Option<Owner> {
    let owner = stale_owner(git_dir)?;
    let aside = git_dir.join(format!("index.lock.stale-{}", me.pid));
    fs::rename(path, &aside).ok()?;
    // Between the read and the rename another process may have taken the
    // stale lock over and made a live one: put a live one back.
    let moved = fs::read(&aside).ok().and_then(|t| Owner::parse(&t));
    if moved.as_ref() != Some(&owner) && !moved.as_ref().is_some_and(Owner::is_dead) {
        let _ = fs::hard_link(&aside, path);
        let _ = fs::remove_file(&aside);
        return None;
    }
    let _ = fs::remove_file(&aside);
    Some(owner)
}

/// The refusal for a lock still held after waiting: names the holder and
/// the fix.
fn locked(path: &Path) -> GitError {
    let holder = match fs::read(path).ok().as_deref().and_then(Owner::parse) {
        Some(owner) => format!("kehu process {} on host `{}`", owner.pid, owner.host),
        None => "another git process".to_owned(),
    };
    GitError::Locked {
        path: path.to_path_buf(),
        holder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_temporary_files_of_dead_writers_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let me = Owner::me();
        let dead = format!(".seg-000002.tmp-4294967295@{}", me.host);
        let names = [
            dead.as_str(),
            &temp_name("seg-000003"),
            ".seg-000004.tmp-4294967295@another-host",
            ".seg-000005.tmp-77",
            "seg-000001.jsonl",
        ];
        for name in names {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        sweep_dead_temps(dir.path());
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected: Vec<String> = names[1..].iter().map(|n| n.to_string()).collect();
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn a_lock_names_its_owner_and_parses_back() {
        let me = Owner::me();
        assert_eq!(Owner::parse(me.render().as_bytes()), Some(me.clone()));
        assert!(!me.is_dead(), "this process runs");
        assert_eq!(Owner::parse(b""), None, "git's empty lock is not kehu's");
    }

    #[test]
    fn a_stale_kehu_lock_is_taken_over_and_a_foreign_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("index.lock");
        // A pid above the kernel's maximum cannot be running.
        let dead = Owner {
            pid: 4_000_000_000,
            host: hostname(),
        };
        fs::write(&lock, dead.render()).unwrap();
        let held = IndexLock::acquire(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(held.took_over, Some(dead));
        assert_eq!(
            Owner::parse(&fs::read(&lock).unwrap()),
            Some(Owner::me()),
            "the lock is now this process's"
        );
        drop(held);
        assert!(!lock.exists());

        fs::write(&lock, b"").unwrap();
        let err = IndexLock::acquire(dir.path(), Duration::from_millis(50)).unwrap_err();
        assert!(matches!(err, GitError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("another git process"), "{err}");
        assert!(lock.exists(), "a foreign lock is left alone");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging file left behind");
    }
}
