//! The one place a command that writes repairs what a killed kehu write
//! left behind, before it reads the book.

use std::path::Path;

use kehu_git::GitError;

use super::Mode;

/// Makes the book whole before a command that writes (in `mode`) reads it.
///
/// A kehu killed mid-write leaves a stale `index.lock` and maybe its write
/// journal, with work-tree files half changed. A command that planned its
/// change from such a tree could find nothing to do, or the wrong thing, so
/// every writing command calls this first (the commit itself checks again
/// under the lock, for a writer killed meanwhile):
///
/// - a commit or `--branch` rolls the interrupted write back or forward
///   ([`kehu_git::Book::recover`]), says so on stderr, and goes on: the book
///   it then reads is the repaired one;
/// - `--dry-run` writes nothing, repairs included, and so refuses while a
///   journal is pending (its plan would describe a half-written tree); a
///   stale lock alone changes no file and does not stop it.
///
/// A directory that is not a git repository has nothing to repair (the
/// write then says what is wrong with it).
pub fn recover_before_writing(root: &Path, mode: &Mode) -> anyhow::Result<()> {
    let Ok(repo) = kehu_git::Book::open(root) else {
        return Ok(());
    };
    match mode {
        Mode::DryRun => match repo.interrupted_write() {
            Some(note) => anyhow::bail!(
                "{note}\n(--dry-run writes nothing, not even that repair, and would plan from \
                 the half-written files)"
            ),
            None => Ok(()),
        },
        Mode::Commit | Mode::Branch(_) => match repo.recover() {
            Ok(None) => Ok(()),
            Ok(Some(note)) | Err(GitError::Interrupted { summary: note }) => {
                eprintln!("kehu: {note}");
                Ok(())
            }
            Err(e) => Err(e.into()),
        },
    }
}
