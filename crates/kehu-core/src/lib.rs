//! The kehu book: what a customer file and `kehu.toml` mean, how a book is
//! loaded and checked, and how a single field is changed without disturbing
//! the rest of a hand-edited file.
//!
//! This crate knows nothing of terminals, git or plugins: it turns bytes into
//! typed models and diagnostics, and field edits into new bytes. The CLI
//! decides how to print; `kehu-git` decides how to commit.

pub mod changeset;
pub mod date;
pub mod edit;
pub mod expr;
pub mod import;
pub mod model;

pub use changeset::{Changeset, FieldEdit};
pub use date::{Date, DateParseError};
pub use model::{Contact, Customer, Grade, Metrics};
