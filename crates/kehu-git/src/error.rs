//! The errors of kehu-git: every refusal is its own variant so the CLI can
//! map it to an exit code and a message that names the file or state at fault.

use std::path::PathBuf;

/// Everything that can stop kehu from reading or writing a book's history.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The book directory is not inside a git work tree.
    #[error("{} is not a git repository (run `git init` or `kehu init` there)", path.display())]
    NotARepository {
        /// The directory that was opened.
        path: PathBuf,
    },
    /// The repository has no work tree (a bare repository).
    #[error("{} is a bare git repository; a book needs a work tree", path.display())]
    Bare {
        /// The repository's git directory.
        path: PathBuf,
    },
    /// The book lies outside the repository's work tree (e.g. a symlink out of it).
    #[error("{} is not inside the work tree {}", book.display(), workdir.display())]
    OutsideWorkTree {
        /// The book directory.
        book: PathBuf,
        /// The repository's work tree.
        workdir: PathBuf,
    },
    /// A merge, rebase, cherry-pick, revert or bisect is in progress.
    #[error("the book is in the middle of a {operation}; finish or abort it first")]
    InProgress {
        /// What is in progress, in git's words.
        operation: String,
    },
    /// A file kehu would write has uncommitted changes (or is untracked).
    #[error("{path} has uncommitted changes ({detail}); commit or restore it first")]
    Dirty {
        /// The file, relative to the book root.
        path: String,
        /// Where the changes are: staged, unstaged, untracked.
        detail: String,
    },
    /// A directory on the way to a file kehu would write is a symbolic link:
    /// the write would land outside the book, so it is refused.
    #[error("{path}: {link} is a symbolic link; kehu writes only inside the book")]
    SymlinkOnPath {
        /// The file, relative to the book root.
        path: String,
        /// The directory that is a link, relative to the book root.
        link: String,
    },
    /// The book has no commit yet, and the operation needs one.
    #[error("the book has no commits yet (make a first commit, e.g. with `kehu init`)")]
    NoCommits,
    /// The index is locked by another process, even after retrying.
    #[error(
        "{} exists: held by {holder}; wait for it to finish (if it is not running, remove the file: `rm {}`)",
        path.display(), path.display()
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it: a kehu process (id and host) or another git process.
        holder: String,
    },
    /// A file changed between reading it and committing (another writer
    /// committed it meanwhile): writing would lose that change.
    #[error(
        "{path} changed while this command ran (another write committed it); run the command again"
    )]
    Changed {
        /// The file, relative to the book root.
        path: String,
    },
    /// A kehu write was interrupted (killed) and has just been finished or
    /// rolled back; the command read the book before that and must run again.
    #[error("{summary}; run the command again")]
    Interrupted {
        /// What was found and done.
        summary: String,
    },
    /// An interrupted kehu write cannot be finished or rolled back
    /// automatically (a file changed by hand since, or the branch moved).
    #[error("{} records an interrupted kehu write that cannot be undone automatically: {detail}", journal.display())]
    Unrecoverable {
        /// The journal file.
        journal: PathBuf,
        /// What blocks it and how to fix it by hand.
        detail: String,
    },
    /// A branch to create already exists.
    #[error("branch `{name}` already exists")]
    BranchExists {
        /// The branch name.
        name: String,
    },
    /// A branch name git would not accept.
    #[error("`{name}` is not a valid branch name")]
    BadBranchName {
        /// The branch name.
        name: String,
    },
    /// A path that is not a plain relative path inside the book.
    #[error("`{path}` is not a relative path inside the book")]
    BadPath {
        /// The path as given.
        path: String,
    },
    /// An `--author` value that is not `Name <email>`.
    #[error("author `{value}` is not of the form `Name <email>`")]
    BadAuthor {
        /// The value as given.
        value: String,
    },
    /// No user name or email is configured for commits.
    #[error(
        "no git identity: set user.name and user.email (`git config user.name …`) or pass --author"
    )]
    NoIdentity,
    /// A `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE` value kehu cannot read.
    #[error("{variable}={value} is not a date git would accept here")]
    BadDate {
        /// The environment variable.
        variable: String,
        /// Its value.
        value: String,
    },
    /// Every file to write already has the requested content.
    #[error("nothing to commit: the files already have this content")]
    NothingToCommit,
    /// A revision (`HEAD~3`, a branch, a commit id) that does not resolve.
    #[error("unknown revision `{rev}`")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
    },
    /// A file in the work tree could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An object the history needs is not in the repository: a partial
    /// clone (kehu reads local objects only and never fetches), or damage.
    #[error("{what} {object} is not in this repository: {advice}")]
    MissingObject {
        /// What was being read (`a blob`, `a commit` …).
        what: String,
        /// The object id (hex).
        object: String,
        /// Why it may be missing and the command that fixes it.
        advice: String,
    },
    /// An error from the git backend, with what kehu was doing.
    #[error("git: {context}: {message}")]
    Backend {
        /// What kehu was doing.
        context: String,
        /// The backend's message.
        message: String,
    },
}

impl GitError {
    /// Wraps a backend error with what kehu was doing.
    pub(crate) fn backend(context: impl Into<String>, error: impl std::fmt::Display) -> GitError {
        GitError::Backend {
            context: context.into(),
            message: error.to_string(),
        }
    }

    /// Wraps an I/O error with the file concerned.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> GitError {
        GitError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The error for an object the repository lacks, with advice that fits the
/// repository: a partial clone names its promisor remote and the fetch that
/// brings the objects; anything else points at `git fsck`.
pub(crate) fn missing_object(repo: &git2::Repository, id: git2::Oid, what: &str) -> GitError {
    let advice = match promisor_remote(repo) {
        Some(remote) => format!(
            "this is a partial clone (promisor remote `{remote}`) and kehu reads the history \
             from local objects only, it does not fetch them; fetch the whole history once with \
             `git config --unset remote.{remote}.partialclonefilter && git fetch --refetch {remote}` \
             (or read the book from a full clone)"
        ),
        None => "the repository is missing objects; check it with `git fsck` \
                 (a shallow clone needs `git fetch --unshallow`)"
            .to_owned(),
    };
    GitError::MissingObject {
        what: what.to_owned(),
        object: id.to_string(),
        advice,
    }
}

/// The promisor remote of a partial clone (`extensions.partialClone`, or a
/// remote with `promisor = true`), if this repository is one.
fn promisor_remote(repo: &git2::Repository) -> Option<String> {
    let config = repo.config().ok()?;
    if let Ok(remote) = config.get_string("extensions.partialclone") {
        return Some(remote);
    }
    let mut entries = config.entries(Some(r"remote\..*\.promisor")).ok()?;
    while let Some(Ok(entry)) = entries.next() {
        let (Some(name), Some(value)) = (entry.name(), entry.value()) else {
            continue;
        };
        if value.eq_ignore_ascii_case("true") {
            let remote = name.strip_prefix("remote.")?.strip_suffix(".promisor")?;
            return Some(remote.to_owned());
        }
    }
    None
}

/// Adds backend context to a `git2` result.
pub(crate) trait Context<T> {
    /// Maps the error to [`GitError::Backend`] with `context`.
    fn context(self, context: &str) -> Result<T, GitError>;
}

impl<T> Context<T> for Result<T, git2::Error> {
    fn context(self, context: &str) -> Result<T, GitError> {
        self.map_err(|e| GitError::backend(context, e.message()))
    }
}
