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

impl Book {
    /// Defines the merge driver `name` in this repository's own config
    /// (`.git/config`: `merge.<name>.name` and `merge.<name>.driver`). Opt-in
    /// and local to one clone: a config is never cloned, so a book someone
    /// else wrote can never make git run a program here.
    pub fn set_merge_driver(
        &self,
        name: &str,
        description: &str,
        command: &str,
    ) -> Result<(), GitError> {
        let mut config = self
            .repo
            .config()
            .and_then(|c| c.open_level(git2::ConfigLevel::Local))
            .context("opening the repository's config")?;
        config
            .set_str(&format!("merge.{name}.name"), description)
            .context("setting the merge driver's name")?;
        config
            .set_str(&format!("merge.{name}.driver"), command)
            .context("setting the merge driver")?;
        Ok(())
    }
}
