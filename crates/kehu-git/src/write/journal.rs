//! The write journal: what a commit in progress is about to do, written
//! (flushed, atomically) before the first work-tree file changes and removed
//! after the index is installed. A kehu killed in between leaves it behind,
//! and it says exactly how to finish or undo the write (see `recover.rs`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use git2::Oid;

use crate::error::GitError;
use crate::lock::Owner;

/// The journal's file name in the git directory.
const FILE: &str = "kehu-write.journal";
/// Its first line: the format and its version.
const HEADER: &str = "kehu write journal 1";

/// One file of an interrupted write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JournalFile {
    /// The path in git (from the work-tree root).
    pub(crate) git_path: String,
    /// The blob HEAD had, `None` for a new file.
    pub(crate) old: Option<Oid>,
    /// The blob being written.
    pub(crate) new: Oid,
    /// The index mode (`0o100644` …).
    pub(crate) mode: u32,
}

/// A commit in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Journal {
    /// The writing process.
    pub(crate) owner: Owner,
    /// The reference the commit moves: a branch (`refs/heads/main`) or `HEAD`
    /// when detached. The writer locks it (`<git dir>/<ref>.lock`) only after
    /// the journal is on disk, so recovery knows the one ref lock a killed
    /// writer can have left, and removes exactly that.
    pub(crate) reference: String,
    /// Where it pointed before (`None`: an unborn branch).
    pub(crate) old: Option<Oid>,
    /// The new commit (already in the object database).
    pub(crate) new: Oid,
    /// The files written.
    pub(crate) files: Vec<JournalFile>,
}

/// Where the journal lives.
pub(crate) fn path(git_dir: &Path) -> PathBuf {
    git_dir.join(FILE)
}

impl Journal {
    /// Writes the journal, flushed to disk, replacing any old one.
    pub(crate) fn write(&self, git_dir: &Path) -> Result<(), GitError> {
        let target = path(git_dir);
        kehu_core::edit::write_atomic(&target, self.render().as_bytes())
            .map_err(|e| GitError::io(&target, e.source))
    }

    /// Reads the journal; `Ok(None)` when there is none.
    pub(crate) fn read(git_dir: &Path) -> Result<Option<Journal>, GitError> {
        let target = path(git_dir);
        let text = match fs::read_to_string(&target) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(GitError::io(&target, e)),
        };
        Journal::parse(&text)
            .map(Some)
            .ok_or_else(|| GitError::Unrecoverable {
                journal: target.clone(),
                detail: format!(
                    "it is not a journal kehu can read; check `git status`, restore what \
                     you need, then remove it (`rm {}`)",
                    target.display()
                ),
            })
    }

    /// Removes the journal (the write is complete or undone).
    pub(crate) fn remove(git_dir: &Path) -> Result<(), GitError> {
        let target = path(git_dir);
        match fs::remove_file(&target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(GitError::io(&target, e)),
        }
    }

    fn render(&self) -> String {
        let oid = |id: Option<Oid>| id.map_or_else(|| "-".to_owned(), |id| id.to_string());
        let mut out = format!(
            "{HEADER}\npid {}\nhost {}\nref {}\nold {}\nnew {}\n",
            self.owner.pid,
            self.owner.host,
            self.reference,
            oid(self.old),
            self.new
        );
        for file in &self.files {
            let _ = writeln!(
                out,
                "file {} {} {:o} {}",
                oid(file.old),
                file.new,
                file.mode,
                file.git_path
            );
        }
        out
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_owned)
        };
        let pid = field("pid")?.parse().ok()?;
        let host = field("host")?;
        let reference = field("ref")?;
        let old = parse_oid(&field("old")?)?;
        let new = Oid::from_str(&field("new")?).ok()?;
        let mut files = Vec::new();
        for line in lines {
            let mut parts = line.strip_prefix("file ")?.splitn(4, ' ');
            let old = parse_oid(parts.next()?)?;
            let new = Oid::from_str(parts.next()?).ok()?;
            let mode = u32::from_str_radix(parts.next()?, 8).ok()?;
            let git_path = parts.next()?.to_owned();
            files.push(JournalFile {
                git_path,
                old,
                new,
                mode,
            });
        }
        Some(Journal {
            owner: Owner { pid, host },
            reference,
            old,
            new,
            files,
        })
    }
}

/// `-` or a hex id.
fn parse_oid(text: &str) -> Option<Option<Oid>> {
    if text == "-" {
        Some(None)
    } else {
        Oid::from_str(text).ok().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let id = |n: u8| Oid::from_bytes(&[n; 20]).unwrap();
        let journal = Journal {
            owner: Owner::me(),
            reference: "refs/heads/main".into(),
            old: Some(id(1)),
            new: id(2),
            files: vec![
                JournalFile {
                    git_path: "customers/ac/acme.toml".into(),
                    old: Some(id(3)),
                    new: id(4),
                    mode: 0o100644,
                },
                JournalFile {
                    git_path: "book/customers/ne/new one.toml".into(),
                    old: None,
                    new: id(5),
                    mode: 0o100755,
                },
            ],
        };
        assert_eq!(Journal::read(dir.path()).unwrap(), None);
        journal.write(dir.path()).unwrap();
        assert_eq!(Journal::read(dir.path()).unwrap(), Some(journal));
        fs::write(path(dir.path()), "kehu write journal 1\npid x\n").unwrap();
        let err = Journal::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("rm "), "{err}");
        Journal::remove(dir.path()).unwrap();
        Journal::remove(dir.path()).unwrap();
    }
}
