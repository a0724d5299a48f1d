//! Deterministic books for kehu's tests and benchmarks, and the harness that
//! measures kehu on them.
//!
//! - [`generate`] turns a seed and a size into customers and account
//!   managers that fit `templates/kehu.toml`;
//! - [`sample`] writes the repository's sample book (`customers/` and the
//!   owners of the policy template);
//! - [`history`] builds a large book as a git repository with a long history,
//!   written through `git fast-import`;
//! - [`harness`] times kehu commands against their baselines and prints one
//!   table with PASS/FAIL per target ([`harness::default_rows`] lists them).

pub mod calendar;
pub mod error;
pub mod fit;
pub mod generate;
pub mod harness;
pub mod history;
pub mod names;
pub mod owners;
pub mod parse;
pub mod plans;
pub mod policy;
pub mod regrade;
pub mod render;
pub mod rng;
pub mod sample;
pub mod stats;

pub use error::{BenchError, Result};
pub use generate::{BookSpec, GeneratedBook, generate};
