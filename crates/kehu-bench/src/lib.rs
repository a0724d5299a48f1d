//! Deterministic books for kehu's tests and benchmarks, and the harness that
//! measures kehu on them.
//!
//! - [`generate`] turns a seed and a size into customers and account
//!   managers that fit `templates/kehu.toml`;
//! - [`sample`] writes the repository's sample book (`customers/` and the
//!   owners of the policy template).

pub mod calendar;
pub mod error;
pub mod generate;
pub mod names;
pub mod owners;
pub mod policy;
pub mod render;
pub mod rng;
pub mod sample;
pub mod stats;

pub use error::{BenchError, Result};
pub use generate::{BookSpec, GeneratedBook, generate};
