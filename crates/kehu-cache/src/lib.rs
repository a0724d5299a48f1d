//! kehu's derived caches in the book's git directory: the parse cache
//! (customer files parsed by earlier runs, `.git/kehu/parse-v1`, keyed by
//! each file's git blob id) and replays of pure plugin runs
//! (`.git/kehu/replay-v1`, see [`Replays`]).
//!
//! Parsing TOML is most of the cost of loading a large book, and most files
//! do not change between runs. [`BookCache`] implements kehu-core's
//! [`ParseCache`] hook: it finds a file's blob id the way `git status` does
//! (the index's stat data when it still matches, else hashing the file),
//! hands the loader what it kept under that id, and keeps what the loader
//! parses anew. Like git's own index it is derived data: never committed,
//! rebuilt when missing, written by another version, or damaged, and a book
//! outside a git work tree simply loads cold.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let root = std::path::Path::new("book");
//! # let options = kehu_core::LoadOptions { as_of: "2026-11-20".parse()? };
//! let cache = kehu_cache::BookCache::open(root)?;
//! let book = match &cache {
//!     Some(cache) => kehu_core::load_book_cached(root, &options, cache)?,
//!     None => kehu_core::load_book(root, &options)?,
//! };
//! if let Some(cache) = cache {
//!     cache.save()?;
//! }
//! # Ok(()) }
//! ```

mod index;
mod record;
mod replay;
mod stamp;
mod store;

#[cfg(test)]
mod replay_tests;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{ObjectType, Oid, Repository, RepositoryOpenFlags};
use kehu_core::reuse::{ContentKey, Lookup, ParseCache, ParsedFile};

use crate::index::WorkIndex;
pub use crate::replay::{
    DISABLE_REPLAY_ENV, REPLAY_DIR, Recording, Replay, ReplayKey, Replays, Stream, replays_disabled,
};
pub use crate::stamp::BookStamp;
use crate::store::Store;
pub use crate::store::Unused;

/// Where the cache lives inside the git directory.
pub const CACHE_FILE: &str = "kehu/parse-v1";

/// The environment variable that turns the cache off (any value but empty
/// or `0`), e.g. to time cold runs.
pub const DISABLE_ENV: &str = "KEHU_NO_CACHE";

/// Whether [`DISABLE_ENV`] turns the cache off in this process.
pub fn disabled() -> bool {
    disabled_by(std::env::var_os(DISABLE_ENV).as_deref())
}

/// Whether this value of [`DISABLE_ENV`] turns the cache off: any value but
/// none, empty, or `0`.
fn disabled_by(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

/// Why the cache could not be opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The repository or its index could not be read.
    #[error("{path}: cannot open the git repository for the parse cache: {source}")]
    Git {
        /// The book root.
        path: PathBuf,
        /// libgit2's complaint.
        source: git2::Error,
    },
    /// The cache file could not be written.
    #[error("{path}: cannot write the parse cache: {source}")]
    Write {
        /// The cache file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What one run did with the cache, for tests and benchmarks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Why the file on disk was not used, if it was not.
    pub unused: Option<Unused>,
    /// Entries the file held.
    pub entries: usize,
    /// Files found through the index's stat data (not read).
    pub by_stat: usize,
    /// Files found by hashing their contents.
    pub by_content: usize,
    /// Files parsed and kept anew.
    pub parsed: usize,
    /// Whether [`BookCache::save`] rewrote the file.
    pub written: bool,
}

/// The parse cache of one book (see the crate documentation).
#[derive(Debug)]
pub struct BookCache {
    root: PathBuf,
    file: PathBuf,
    index: WorkIndex,
    store: Store,
    unused: Option<Unused>,
    fresh: Mutex<Vec<(ContentKey, Vec<u8>)>>,
    by_stat: AtomicUsize,
    by_content: AtomicUsize,
}

impl BookCache {
    /// Opens the cache of the book at `book_root`; `Ok(None)` when the book
    /// is not in a git work tree, so it loads cold. A missing, stale or
    /// damaged cache file is not an error: the cache starts empty and
    /// [`BookCache::save`] writes a new one.
    pub fn open(book_root: &Path) -> Result<Option<BookCache>, CacheError> {
        let Some((repo, prefix)) = open_work_tree(book_root)? else {
            return Ok(None);
        };
        let index = WorkIndex::read(&repo, &prefix);
        let file = repo.path().join(CACHE_FILE);
        let (store, unused) = match Store::read(&file) {
            Ok(store) => (store, None),
            Err(why) => (Store::default(), Some(why)),
        };
        Ok(Some(BookCache {
            root: book_root.to_path_buf(),
            file,
            index,
            store,
            unused,
            fresh: Mutex::new(Vec::new()),
            by_stat: AtomicUsize::new(0),
            by_content: AtomicUsize::new(0),
        }))
    }

    /// What this run did so far.
    pub fn stats(&self) -> Stats {
        Stats {
            unused: self.unused.clone(),
            entries: self.store.len(),
            by_stat: self.by_stat.load(Ordering::Relaxed),
            by_content: self.by_content.load(Ordering::Relaxed),
            parsed: self.fresh.lock().map_or(0, |f| f.len()),
            written: false,
        }
    }

    /// Writes the cache back when it changed: the entries this run used and
    /// the ones it parsed anew (entries of files no longer in the book are
    /// dropped). Call it after a successful load.
    pub fn save(self) -> Result<Stats, CacheError> {
        let mut stats = self.stats();
        let fresh = self.fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let changed =
            self.unused.is_some() || !fresh.is_empty() || self.store.used() != self.store.len();
        if changed {
            let entries = self
                .store
                .used_entries()
                .chain(fresh.iter().map(|(key, bytes)| (*key, bytes.as_slice())));
            store::write(&self.file, entries).map_err(|source| CacheError::Write {
                path: self.file.clone(),
                source,
            })?;
            stats.written = true;
        }
        Ok(stats)
    }

    /// The entry under `key`, if it decodes and came from a file of `len`
    /// bytes.
    fn hit(&self, key: &ContentKey, len: u64) -> Option<Box<ParsedFile>> {
        let (stored_len, parsed) = record::decode(self.store.get(key)?)?;
        (stored_len == len).then(|| Box::new(parsed))
    }
}

impl ParseCache for BookCache {
    fn by_path(&self, path: &str) -> Lookup {
        let Some((key, len)) = self.index.unchanged(&self.root, path) else {
            return Lookup::Unknown;
        };
        self.by_stat.fetch_add(1, Ordering::Relaxed);
        match self.hit(&key, len) {
            Some(parsed) => Lookup::Hit(parsed),
            None => Lookup::Miss(key),
        }
    }

    fn by_content(&self, _path: &str, bytes: &[u8]) -> Lookup {
        let Some(key) = Oid::hash_object(ObjectType::Blob, bytes)
            .ok()
            .and_then(|oid| oid.as_bytes().try_into().ok())
            .map(ContentKey)
        else {
            return Lookup::Unknown;
        };
        self.by_content.fetch_add(1, Ordering::Relaxed);
        match self.hit(&key, bytes.len() as u64) {
            Some(parsed) => Lookup::Hit(parsed),
            None => Lookup::Miss(key),
        }
    }

    fn insert(&self, key: ContentKey, bytes: &[u8], parsed: &ParsedFile) {
        if let Ok(bytes) = record::encode(bytes.len() as u64, parsed, Vec::with_capacity(256))
            && let Ok(mut fresh) = self.fresh.lock()
        {
            fresh.push((key, bytes));
        }
    }
}

/// The repository whose work tree holds the book at `book_root`, and the
/// book's place in it ([`book_prefix`]); `Ok(None)` outside a work tree.
fn open_work_tree(book_root: &Path) -> Result<Option<(Repository, String)>, CacheError> {
    let repo = match Repository::open_ext(
        book_root,
        RepositoryOpenFlags::empty(),
        std::iter::empty::<&std::ffi::OsStr>(),
    ) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(source) => {
            return Err(CacheError::Git {
                path: book_root.to_path_buf(),
                source,
            });
        }
    };
    Ok(book_prefix(&repo, book_root).map(|prefix| (repo, prefix)))
}

/// The book root inside the repository's work tree: `""` or `"dir/sub/"`;
/// `None` for a bare repository or a root outside the work tree.
fn book_prefix(repo: &Repository, book_root: &Path) -> Option<String> {
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let root = book_root.canonicalize().ok()?;
    let rel = root.strip_prefix(&workdir).ok()?;
    let mut prefix = String::new();
    for part in rel.components() {
        prefix.push_str(part.as_os_str().to_str()?);
        prefix.push('/');
    }
    Some(prefix)
}
