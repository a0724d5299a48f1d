//! The kehu book: what a customer file and `kehu.toml` mean, how a book is
//! loaded and checked, and how a single field is changed without disturbing
//! the rest of a hand-edited file.
//!
//! This crate knows nothing of terminals, git or plugins: it turns bytes into
//! typed models and diagnostics, and field edits into new bytes. The CLI
//! decides how to print; `kehu-git` decides how to commit.
//!
//! Main entry points: [`load_book`] (a directory) and [`load_entries`]
//! (in-memory files, e.g. a git tree) give a [`Book`] with every
//! [`Diagnostic`]; [`check_policy`] adds the `[checks]` of kehu.toml;
//! [`check_file`] validates one file before it is written.

pub mod book;
pub mod changeset;
pub mod config;
pub mod config_check;
mod customer_file;
pub mod date;
pub mod diag;
pub mod edit;
pub mod escape;
pub mod expr;
pub mod import;
pub mod load;
pub mod merge;
pub mod model;
pub mod plan;
mod plan_file;
mod plan_policy;
pub mod policy;
pub mod reuse;
pub mod service;
mod source;
mod spans;
mod suggest;
pub mod validate;

pub use book::{Book, FileCheck, LoadOptions, LoadedCustomer, check_file};
pub use changeset::{Changeset, FieldEdit};
pub use config::{Cadence, Config, Owner, RfmWindow, Tier};
pub use config_check::{CONFIG_FILE, ConfigReport, parse_config};
pub use date::{Date, DateParseError};
pub use diag::{Diagnostic, Pos, Severity};
pub use load::{
    CUSTOMERS_DIR, Entry, EntryKind, LoadError, load_book, load_book_cached, load_config,
    load_entries,
};
pub use model::{Contact, Customer, Grade, Metrics, Text};
pub use policy::check_policy;
pub use source::MAX_FILE_BYTES;
pub use validate::{canonical_path, is_valid_id};

#[cfg(test)]
mod book_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod rule_tests;
