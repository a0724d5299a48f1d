//! Opening a book's repository and naming paths inside it.
//!
//! A book is usually the root of its repository, but it may also live in a
//! sub-directory of a larger repository; every path kehu-git takes or returns
//! is relative to the book root, and the `prefix` maps it to a path in git.

use std::path::{Path, PathBuf};

use git2::{Repository, RepositoryOpenFlags, RepositoryState};

use crate::error::{Context, GitError};

/// An opened book: its git repository and where the book sits in it.
///
/// This is the one type that holds a git backend handle; the rest of the
/// public API speaks in paths, hex ids and plain records, so the backend
/// (git2 today) can change without touching callers.
pub struct Book {
    pub(crate) repo: Repository,
    /// The book root on disk.
    root: PathBuf,
    /// The book root inside the work tree, `""` or `"dir/sub/"` (with `/`).
    pub(crate) prefix: String,
    /// Replaces the process environment for `GIT_AUTHOR_*` / `GIT_COMMITTER_*`.
    env: Option<std::collections::HashMap<String, String>>,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("root", &self.root)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Pack windows libgit2 maps at a time, and their size. libgit2's defaults
/// (1 GiB windows, 8 GiB mapped) let a walk over a large history keep the
/// whole pack mapped, and every page it touched counts as the process's
/// memory: a timeline walk over a 200,000-commit book peaked at 455 MiB.
/// Small windows, unmapped least-recently-used first, keep memory in
/// proportion to the book while walks move steadily through the pack.
const PACK_WINDOW: usize = 32 << 20;
const PACK_MAPPED_LIMIT: usize = 96 << 20;

/// Sets the pack window limits once per process, before the first
/// repository is opened.
fn limit_mapped_packs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: libgit2 reads these globals when it maps a pack window;
        // they are set once, before this process opens any repository
        // through kehu (every opening goes through `Book::open`).
        unsafe {
            let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
            let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_LIMIT);
        }
    });
}

impl Book {
    /// Opens the repository holding the book at `book_root` (the directory with
    /// `kehu.toml`). Refuses a directory outside any git work tree and bare
    /// repositories.
    pub fn open(book_root: &Path) -> Result<Book, GitError> {
        // Like the git CLI, do not re-hash every object read (a SHA-1 with
        // collision detection per tree and blob is most of a history walk).
        git2::opts::strict_hash_verification(false);
        // Nor keep libgit2's global object cache: history reads each tree
        // and commit about once (kehu-git keeps its own small caches), and
        // filling and evicting that cache was a third of a timeline walk.
        git2::opts::enable_caching(false);
        limit_mapped_packs();
        let root = book_root
            .canonicalize()
            .map_err(|e| GitError::io(book_root, e))?;
        let repo = Repository::open_ext(
            &root,
            RepositoryOpenFlags::empty(),
            std::iter::empty::<&std::ffi::OsStr>(),
        )
        .map_err(|_| GitError::NotARepository {
            path: book_root.to_path_buf(),
        })?;
        let Some(workdir) = repo.workdir() else {
            return Err(GitError::Bare {
                path: repo.path().to_path_buf(),
            });
        };
        let workdir = workdir
            .canonicalize()
            .map_err(|e| GitError::io(workdir, e))?;
        let relative = root
            .strip_prefix(&workdir)
            .map_err(|_| GitError::OutsideWorkTree {
                book: root.clone(),
                workdir: workdir.clone(),
            })?;
        let mut prefix = String::new();
        for part in relative.components() {
            prefix.push_str(&part.as_os_str().to_string_lossy());
            prefix.push('/');
        }
        Ok(Book {
            repo,
            root,
            prefix,
            env: None,
        })
    }

    /// Uses `vars` instead of the process environment when looking up
    /// `GIT_AUTHOR_NAME`, `GIT_AUTHOR_EMAIL`, `GIT_AUTHOR_DATE` and the
    /// `GIT_COMMITTER_*` equivalents: for reproducible runs and tests, where
    /// changing the process environment would race.
    pub fn with_env<I, K, V>(mut self, vars: I) -> Book
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// An identity variable from the override set or the process environment.
    pub(crate) fn env_var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// The book root on disk (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository's git directory (`.git`, or a worktree's git directory).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// Refuses when a merge, rebase, cherry-pick, revert or bisect is under way.
    pub fn ensure_idle(&self) -> Result<(), GitError> {
        let operation = match self.repo.state() {
            RepositoryState::Clean => return Ok(()),
            RepositoryState::Merge => "merge",
            RepositoryState::Revert | RepositoryState::RevertSequence => "revert",
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => "cherry-pick",
            RepositoryState::Bisect => "bisect",
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => "rebase",
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => "git am",
        };
        Err(GitError::InProgress {
            operation: operation.to_owned(),
        })
    }

    /// The path inside git of a path relative to the book root, after checking
    /// it is a plain relative path (`customers/ac/acme.toml`).
    pub(crate) fn git_path(&self, book_path: &str) -> Result<String, GitError> {
        let bad = || GitError::BadPath {
            path: book_path.to_owned(),
        };
        if book_path.is_empty() || book_path.starts_with('/') || book_path.contains('\\') {
            return Err(bad());
        }
        for part in book_path.split('/') {
            if part.is_empty() || part == "." || part == ".." || part == ".git" {
                return Err(bad());
            }
        }
        Ok(format!("{}{}", self.prefix, book_path))
    }

    /// The HEAD commit, or `None` on an unborn branch.
    pub(crate) fn head_commit(&self) -> Result<Option<git2::Commit<'_>>, GitError> {
        match self.repo.head() {
            Ok(head) => head.peel_to_commit().map(Some).context("reading HEAD"),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(GitError::backend("reading HEAD", e.message())),
        }
    }

    /// The id of the blob at `git_path` in `tree`, if there is a blob there.
    /// Blob lookups in `tree` for many paths, each directory read once.
    pub(crate) fn tree_paths<'r>(&'r self, tree: git2::Tree<'r>) -> TreePaths<'r> {
        TreePaths {
            repo: &self.repo,
            root: tree,
            dirs: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn blob_in_tree(
        &self,
        tree: &git2::Tree<'_>,
        git_path: &str,
    ) -> Result<Option<(git2::Oid, i32)>, GitError> {
        match tree.get_path(Path::new(git_path)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Blob) => {
                Ok(Some((entry.id(), entry.filemode())))
            }
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(GitError::backend(
                format!("reading {git_path}"),
                e.message(),
            )),
        }
    }

    /// The content of a file (relative to the book root) as committed at HEAD;
    /// `None` when HEAD does not have it. `--branch` edits start from this, not
    /// from the work tree.
    pub fn head_file(&self, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let git_path = self.git_path(path)?;
        let Some(head) = self.head_commit()? else {
            return Ok(None);
        };
        let tree = head.tree().context("reading HEAD's tree")?;
        match self.blob_in_tree(&tree, &git_path)? {
            Some((id, _)) => {
                let blob = self.repo.find_blob(id).context("reading a blob")?;
                Ok(Some(blob.content().to_vec()))
            }
            None => Ok(None),
        }
    }

    /// The content of a file (relative to the book root) as committed at
    /// revision `rev` (`HEAD`, a branch, a commit id); `None` when that
    /// commit does not have it. The audit log reads a customer's owner at
    /// the start of its walk with this.
    pub fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let git_path = self.git_path(path)?;
        let commit = self
            .repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|_| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })?;
        let tree = commit.tree().context("reading a commit's tree")?;
        match self.blob_in_tree(&tree, &git_path)? {
            Some((id, _)) => {
                let blob = self.repo.find_blob(id).context("reading a blob")?;
                Ok(Some(blob.content().to_vec()))
            }
            None => Ok(None),
        }
    }

    /// The best common ancestor (hex id) of two revisions: where a review
    /// branch left `main`, so `kehu diff main...branch` shows only what the
    /// branch changed even after `main` moved on.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<String, GitError> {
        let resolve = |rev: &str| {
            self.repo
                .revparse_single(rev)
                .and_then(|object| object.peel_to_commit())
                .map(|commit| commit.id())
                .map_err(|_| GitError::UnknownRevision {
                    rev: rev.to_owned(),
                })
        };
        let base = self
            .repo
            .merge_base(resolve(a)?, resolve(b)?)
            .map_err(|e| {
                GitError::backend(
                    format!("finding a common ancestor of {a} and {b}"),
                    e.message(),
                )
            })?;
        Ok(base.to_string())
    }

    /// The id (hex) of HEAD's commit, or `None` when the book has no commits.
    pub fn head_id(&self) -> Result<Option<String>, GitError> {
        Ok(self.head_commit()?.map(|c| c.id().to_string()))
    }
}

/// Blob lookups in one tree for many paths (a commit of ten thousand
/// regrades checks ten thousand files): each directory's tree is read once.
/// Looking each path up from the root instead reads `customers/` again
/// every time, since libgit2 caches no tree above 4 KiB and a large book's
/// `customers/` tree is hundreds of times that.
pub(crate) struct TreePaths<'r> {
    repo: &'r Repository,
    root: git2::Tree<'r>,
    /// Directory trees by path (`None`: no such directory).
    dirs: std::collections::HashMap<String, Option<git2::Tree<'r>>>,
}

impl<'r> TreePaths<'r> {
    /// The blob id and file mode at `git_path`; `None` when the tree has no
    /// blob there.
    pub(crate) fn blob(&mut self, git_path: &str) -> Result<Option<(git2::Oid, i32)>, GitError> {
        self.entry(git_path, git2::ObjectType::Blob)
    }

    /// The id and mode of the entry of `kind` at `path`, if there is one.
    fn entry(
        &mut self,
        path: &str,
        kind: git2::ObjectType,
    ) -> Result<Option<(git2::Oid, i32)>, GitError> {
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (Some(dir), name),
            None => (None, path),
        };
        let tree = match dir {
            None => Some(&self.root),
            Some(dir) => {
                self.load_dir(dir)?;
                self.dirs.get(dir).and_then(Option::as_ref)
            }
        };
        Ok(tree
            .and_then(|tree| tree.get_name(name))
            .filter(|entry| entry.kind() == Some(kind))
            .map(|entry| (entry.id(), entry.filemode())))
    }

    /// Reads the tree of directory `dir` (and its parents) into `dirs`.
    fn load_dir(&mut self, dir: &str) -> Result<(), GitError> {
        if self.dirs.contains_key(dir) {
            return Ok(());
        }
        let tree = match self.entry(dir, git2::ObjectType::Tree)? {
            Some((id, _)) => Some(
                self.repo
                    .find_tree(id)
                    .map_err(|e| GitError::backend(format!("reading {dir}"), e.message()))?,
            ),
            None => None,
        };
        self.dirs.insert(dir.to_owned(), tree);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{new_book, open};

    #[test]
    fn tree_paths_find_blobs_as_a_lookup_from_the_root_does() {
        let dir = new_book();
        let book = open(dir.path());
        let tree = book.head_commit().unwrap().unwrap().tree().unwrap();
        let mut paths = book.tree_paths(tree.clone());
        for path in [
            "customers/ac/acme.toml",
            "customers/zh/zhongshan.toml",
            "kehu.toml",
            "customers/ac/nobody.toml",
            "customers/xx/nobody.toml",
            "customers/ac",
            "customers",
            "customers/ac/acme.toml/deeper",
        ] {
            assert_eq!(
                paths.blob(path).unwrap(),
                book.blob_in_tree(&tree, path).unwrap(),
                "{path}"
            );
        }
        assert!(paths.blob("customers/ac/acme.toml").unwrap().is_some());
    }
}
