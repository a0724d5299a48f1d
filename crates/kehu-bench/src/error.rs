//! Errors of the generators and the harness, each naming what it was doing.

use std::path::PathBuf;

/// What went wrong while generating a book or running the harness.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A program (git, the kehu binary, a shell) could not be started or failed.
    #[error("`{command}` failed: {detail}")]
    Command {
        /// The command line, for the reader.
        command: String,
        /// Exit status and the first lines of its stderr, or the spawn error.
        detail: String,
    },
    /// The policy template could not take the generated owners.
    #[error("{path}: {source}")]
    Policy {
        /// The policy file.
        path: PathBuf,
        /// Why the owners section could not be replaced.
        source: crate::owners::SpliceError,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BenchError {
    let path = path.into();
    move |source| BenchError::Io { path, source }
}
