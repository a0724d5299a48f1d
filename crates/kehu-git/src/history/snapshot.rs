//! Time travel: the commit at the end of a day, and the book's files as they
//! were committed there, read from git objects (the work tree is untouched).

use chrono::{DateTime, FixedOffset, Offset};
use kehu_core::Date;
use serde::Serialize;

use super::{History, treediff};
use crate::error::{Context, GitError};

/// The book's files at one commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The commit read (hex).
    pub commit: String,
    /// Every file under `customers/` and `kehu.toml`, as (path relative to the
    /// book root, bytes), sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
}

impl<'b> History<'b> {
    /// The last commit of day `day` on the first-parent line of `rev`
    /// (default `HEAD`): the first commit, walking back, whose committer
    /// date in the committer's own time zone is on or before `day`. `None`
    /// when the book did not exist yet.
    pub fn commit_at_end_of(
        &self,
        day: Date,
        rev: Option<&str>,
    ) -> Result<Option<String>, GitError> {
        let mut current = Some(match rev {
            Some(rev) => self.objects.resolve(rev)?,
            None => self.objects.head()?,
        });
        while let Some(oid) = current {
            let commit = self.objects.commit(oid)?;
            let time = commit.time();
            let offset = FixedOffset::east_opt(time.offset_minutes() * 60)
                .unwrap_or_else(|| chrono::Utc.fix());
            let local = DateTime::from_timestamp(time.seconds(), 0)
                .unwrap_or_default()
                .with_timezone(&offset)
                .date_naive();
            if local <= day.0 {
                return Ok(Some(oid.to_string()));
            }
            current = commit.parent_ids().next();
        }
        Ok(None)
    }

    /// Every customer file and `kehu.toml` at a revision.
    pub fn snapshot(&self, rev: &str) -> Result<Snapshot, GitError> {
        let oid = self.objects.resolve(rev)?;
        let ids = self.objects.book_ids_by_id(oid)?;
        let mut listed = Vec::new();
        if let Some(tree) = ids.customers {
            treediff::list_files(&self.objects, tree, "", &mut listed)?;
        }
        let mut files = Vec::with_capacity(listed.len() + 1);
        if let Some(rules) = ids.rules {
            files.push(("kehu.toml".to_owned(), self.objects.blob(rules)?));
        }
        files.extend(read_blobs(self.objects.repo, listed, PARALLEL_FROM)?);
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Snapshot {
            commit: oid.to_string(),
            files,
        })
    }
}

/// Below this many files one thread reads them all.
const PARALLEL_FROM: usize = 4096;

/// Reads the blobs of `listed` as `customers/<path>` files, in parallel for
/// big books: each thread opens its own handle on the repository (a
/// repository handle must not be shared between threads).
fn read_blobs(
    repo: &git2::Repository,
    listed: Vec<(String, git2::Oid)>,
    parallel_from: usize,
) -> Result<Vec<(String, Vec<u8>)>, GitError> {
    let read_chunk = |repo: &git2::Repository, chunk: &[(String, git2::Oid)]| {
        let odb = repo.odb().context("opening the object database")?;
        chunk
            .iter()
            .map(|(path, id)| {
                let object = odb.read(*id).context("reading a blob")?;
                Ok((format!("customers/{path}"), object.data().to_vec()))
            })
            .collect::<Result<Vec<_>, GitError>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if listed.len() < parallel_from || threads < 2 {
        return read_chunk(repo, &listed);
    }
    let git_dir = repo.path().to_path_buf();
    let size = listed.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = listed
            .chunks(size)
            .map(|chunk| {
                let git_dir = &git_dir;
                scope.spawn(move || {
                    let repo = git2::Repository::open(git_dir).context("opening the repository")?;
                    read_chunk(&repo, chunk)
                })
            })
            .collect();
        let mut out = Vec::with_capacity(listed.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part?),
                Err(_) => {
                    return Err(GitError::backend(
                        "reading blobs",
                        "a reader thread panicked",
                    ));
                }
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{new_book, open};

    #[test]
    fn parallel_and_serial_reads_agree() {
        let dir = new_book();
        let book = open(dir.path());
        let history = book.history();
        let ids = history
            .objects
            .book_ids_by_id(history.objects.head().unwrap())
            .unwrap();
        let mut listed = Vec::new();
        treediff::list_files(&history.objects, ids.customers.unwrap(), "", &mut listed).unwrap();
        let serial = read_blobs(&book.repo, listed.clone(), usize::MAX).unwrap();
        let parallel = read_blobs(&book.repo, listed, 0).unwrap();
        assert_eq!(serial.len(), 2);
        assert_eq!(serial, parallel);
    }
}
