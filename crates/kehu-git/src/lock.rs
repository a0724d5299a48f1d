//! The index lock, taken the way git takes it: by creating `index.lock`
//! exclusively. Held for the whole commit so no other git process changes
//! the index (or sees a half-done state) meanwhile.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::GitError;

/// How long to wait for another process's lock before giving up.
pub(crate) const LOCK_PATIENCE: Duration = Duration::from_millis(2000);

/// A held `index.lock`; removed on drop unless consumed by [`IndexLock::commit`].
#[derive(Debug)]
pub(crate) struct IndexLock {
    path: PathBuf,
    held: bool,
}

impl IndexLock {
    /// Creates `<git_dir>/index.lock`, retrying for up to `patience` while
    /// another process holds it.
    pub(crate) fn acquire(git_dir: &Path, patience: Duration) -> Result<IndexLock, GitError> {
        let path = git_dir.join("index.lock");
        let started = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(IndexLock { path, held: true }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if started.elapsed() >= patience {
                        return Err(GitError::Locked { path });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(GitError::io(&path, e)),
            }
        }
    }

    /// Installs `new_index` as the index and releases the lock, by renaming
    /// the new file over `index` and removing the lock file.
    pub(crate) fn commit(mut self, new_index: &Path, index: &Path) -> Result<(), GitError> {
        fs::rename(new_index, index).map_err(|e| GitError::io(index, e))?;
        self.release();
        Ok(())
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
