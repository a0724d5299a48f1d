//! Opening the book for a command: from the working tree, or from git as of
//! a past day; and the checks every writing command shares.

use std::path::Path;

use anyhow::{Context as _, bail};
use kehu_core::{Book, Entry, LoadOptions};

use crate::apply;
use crate::context::Context;
use crate::plugin_host;

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
    load_work_tree(context, &root, &options)
}

/// Loads the book's working tree at `root` through the parse cache in the
/// git directory (`.git/kehu/`), which saves parsing the files that did not
/// change since the last run; the book is the same as without it. Set
/// `KEHU_NO_CACHE=1` to load cold (e.g. to time it). A cache that cannot be
/// opened or saved is a warning, never a failed command.
pub fn load_work_tree(
    context: &Context,
    root: &Path,
    options: &LoadOptions,
) -> anyhow::Result<Book> {
    let read = |e| anyhow::Error::new(e).context(format!("reading the book at {}", root.display()));
    let cache = if kehu_cache::disabled() {
        None
    } else {
        kehu_cache::BookCache::open(root).unwrap_or_else(|e| {
            plugin_host::warn(context, &format!("{e}; loading without it"));
            None
        })
    };
    let Some(cache) = cache else {
        return kehu_core::load_book(root, options).map_err(read);
    };
    let book = kehu_core::load_book_cached(root, options, &cache).map_err(read)?;
    if let Err(e) = cache.save() {
        plugin_host::warn(context, &e.to_string());
    }
    Ok(book)
}

/// Loads the working tree for a command that writes in `mode`, after
/// repairing what a killed kehu write left ([`apply::recover_before_writing`]).
/// The files it is about to touch are validated by the write (a file that
/// fails validation is never rewritten: a person must fix it first).
pub fn load_for_writing(context: &mut Context, mode: &apply::Mode) -> anyhow::Result<Book> {
    if context.reads_the_past() {
        bail!(
            "--as-of {} reads the past; commands that write work on today's book",
            context.as_of
        );
    }
    let root = context.book_root()?;
    apply::recover_before_writing(&root, mode)?;
    let options = LoadOptions {
        as_of: context.as_of,
    };
    load_work_tree(context, &root, &options)
}

/// The first 10 hex digits of a commit id, as `git log --oneline` shows.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}
