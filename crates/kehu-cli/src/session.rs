//! Opening the book for a command: from the working tree, or from git as of
//! a past day; and the checks every writing command shares.

use anyhow::{Context as _, bail};
use kehu_core::{Book, Entry, LoadOptions};

use crate::context::Context;

/// Loads the book a read command works on.
///
/// Without `--as-of`, or with `--as-of` today or later, that is the working
/// tree. With a past `--as-of` it is the book as committed at the end of that
/// day on the current branch, read from git objects: the working tree is not
/// touched, so the answer is the same on every clone.
pub fn load_for_reading(context: &mut Context) -> anyhow::Result<Book> {
    let root = context.book_root()?;
    let options = LoadOptions {
        as_of: context.as_of,
    };
    if context.reads_the_past() {
        let repo = kehu_git::Book::open(&root)?;
        let history = repo.history();
        let Some(commit) = history.commit_at_end_of(context.as_of, None)? else {
            bail!("the book has no commit on or before {}", context.as_of);
        };
        let snapshot = history.snapshot(&commit)?;
        let entries = snapshot.files.into_iter().map(Entry::from).collect();
        return kehu_core::load_entries(entries, &options)
            .with_context(|| format!("reading the book at commit {}", short(&commit)));
    }
    kehu_core::load_book(&root, &options)
        .with_context(|| format!("reading the book at {}", root.display()))
}

/// Loads the working tree for a command that writes, refusing when the files
/// it is about to touch have errors (a file that fails validation is never
/// rewritten: a person must fix it first).
pub fn load_for_writing(context: &mut Context) -> anyhow::Result<Book> {
    if context.reads_the_past() {
        bail!(
            "--as-of {} reads the past; commands that write work on today's book",
            context.as_of
        );
    }
    let root = context.book_root()?;
    let options = LoadOptions {
        as_of: context.as_of,
    };
    kehu_core::load_book(&root, &options)
        .with_context(|| format!("reading the book at {}", root.display()))
}

/// The first 10 hex digits of a commit id, as `git log --oneline` shows.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}
