//! kehu's history is git: this crate writes the book's commits (with
//! `Kehu-*` trailers) and reads the book's past in one pass over the commits.
//!
//! Callers speak in paths relative to the book root, hex commit ids and plain
//! records; the git backend (git2 today) stays behind [`Book`] and
//! [`History`], so it can change (to gix, say) without touching callers.
//!
//! Writing:
//! - [`Book::open`] the book; [`Book::check_writable`] refuses early (merge or
//!   rebase in progress, a file with uncommitted changes);
//! - [`Book::commit`] a [`CommitRequest`] (whole new file contents plus
//!   subject, body and trailers): stages exactly those files, holds
//!   `index.lock` (waiting up to 2 s for another process), never runs hooks,
//!   and on any error leaves the repository exactly as it was;
//! - [`Book::commit_on_branch`] commits the same on a new branch from HEAD
//!   without touching the work tree or the index (`--branch`); build its
//!   bytes from [`Book::head_file`].
//!
//! Reading, through [`Book::history`]:
//! - [`History::customer`]: one customer's timeline, newest first, renames
//!   followed; [`History::blame`]: who last set each field;
//! - [`History::log`]: book-wide changes in a date window, each credited to
//!   the commit that made it (merged branches walked, merges own-only);
//! - [`History::diff`]: a semantic diff between two revisions;
//! - [`History::commit_at_end_of`] and [`History::snapshot`]: `--as-of`.

mod book;
mod build;
mod error;
pub mod history;
mod identity;
mod init;
mod lock;
pub mod message;
mod write;

pub use book::Book;
pub use build::RawCommit;
pub use error::GitError;
pub use history::{
    BookDiff, ChangeFilter, CommitInfo, ContactLog, CustomerChange, Event, FieldBlame, FieldChange,
    History, Kind, LogQuery, Snapshot, Status,
};
pub use identity::Person;
pub use message::Message;
pub use write::{CommitRequest, Committed};

#[cfg(test)]
mod test_support;
