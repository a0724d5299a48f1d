//! Creating the repository a new book lives in.

use std::path::Path;

use git2::Repository;

use crate::book::Book;
use crate::error::{Context, GitError};

impl Book {
    /// Opens the repository holding `dir`, or creates one there (`git init`)
    /// when `dir` is in no work tree yet. The directory must exist.
    pub fn init(dir: &Path) -> Result<Book, GitError> {
        match Book::open(dir) {
            Ok(book) => Ok(book),
            Err(GitError::NotARepository { .. }) => {
                Repository::init(dir).context("creating the git repository")?;
                Book::open(dir)
            }
            Err(other) => Err(other),
        }
    }
}
