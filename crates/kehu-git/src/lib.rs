//! kehu's history is git: this crate writes the book's commits (with
//! `Kehu-*` trailers) and reads the book's past in one pass over the commits.
//!
//! Callers speak in paths relative to the book root, hex commit ids and plain
//! records; the git backend (git2) stays behind [`Book`].

mod book;
mod error;
pub mod history;
mod identity;
mod lock;
pub mod message;
mod write;

pub use book::Book;
pub use error::GitError;
pub use history::{
    BookDiff, CommitInfo, CustomerChange, Event, FieldBlame, FieldChange, History, Kind, LogQuery,
    Snapshot, Status,
};
pub use identity::Person;
pub use message::Message;
pub use write::{CommitRequest, Committed};

#[cfg(test)]
mod test_support;
