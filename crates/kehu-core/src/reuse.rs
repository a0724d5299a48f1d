//! The loader's hook for reusing customer files parsed by an earlier run.
//!
//! Parsing TOML is most of the cost of loading a large book, and most files
//! do not change between two runs. A [`ParseCache`] tells the loader which
//! files it has seen before (by path, from what it knows without reading the
//! file, or by content) and hands back what the loader kept of them: a
//! [`ParsedFile`]. This crate knows nothing of where that comes from; the
//! `kehu-cache` crate implements it over git's index, keyed by blob id.
//!
//! Only what holds whatever `kehu.toml` and `--as-of` say is kept: the typed
//! customer of a file whose parse found no problem at all (its key account
//! plan included, but for the plan checks that depend on the policy or the
//! day). Every check that
//! depends on the policy or the day runs again on every load, and a file
//! with any diagnostic is parsed again, so its diagnostics carry their line
//! and column exactly as on a cold load.

use crate::Customer;
use crate::customer_file::FieldSpans;

/// Bumped whenever what the loader keeps, or how it parses, changes: a cache
/// written by another version must be dropped, not trusted. 3: a key
/// account plan is kept only when it has no problem of its own, and reused.
pub const PARSED_FORMAT: u32 = 3;

/// How many fields [`ParsedFile::positions`] places (see
/// [`crate::LoadedCustomer::position`]).
pub const LOCATED_FIELDS: usize = 7;

/// What the loader keeps of a customer file that parsed without any problem.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFile {
    /// The customer, as parsed.
    pub customer: Customer,
    /// One bit per field the file has (the parser's field numbering), so the
    /// value checks know which fields were written.
    pub present: u32,
    /// (line, column) of the located fields; (0, 0) when absent.
    pub positions: [(u32, u32); LOCATED_FIELDS],
}

impl ParsedFile {
    pub(crate) fn spans(&self) -> FieldSpans {
        FieldSpans::from_present(self.present)
    }
}

/// A content key, e.g. a git blob id (20 bytes of SHA-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentKey(pub [u8; 20]);

/// What a cache knows of one file.
#[derive(Debug)]
pub enum Lookup {
    /// Parsed before: reuse it.
    Hit(Box<ParsedFile>),
    /// The cache knows the file's content key but has nothing under it: the
    /// loader parses the file and offers the result with
    /// [`ParseCache::insert`] under this key.
    Miss(ContentKey),
    /// The cache cannot tell without the file's bytes.
    Unknown,
}

/// Customer files parsed earlier, for the loader to skip parsing again.
///
/// Called from the loader's worker threads, hence `Sync`. A cache may
/// answer [`Lookup::Unknown`] or [`Lookup::Miss`] whenever it likes: the
/// loader then parses the file, so a cache can only make loading faster,
/// never different.
pub trait ParseCache: Sync {
    /// Looks up the file at `path` (relative to the book root,
    /// `/`-separated) without reading it, e.g. from stat data that shows it
    /// unchanged since its content key was last computed.
    fn by_path(&self, path: &str) -> Lookup;

    /// Looks up a file by its contents, when [`ParseCache::by_path`] could
    /// not tell.
    fn by_content(&self, path: &str, bytes: &[u8]) -> Lookup;

    /// Keeps a freshly parsed file, whose contents are `bytes`, under the
    /// key a lookup returned.
    fn insert(&self, key: ContentKey, bytes: &[u8], parsed: &ParsedFile);
}

/// The cache of a cold load: knows nothing, keeps nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCache;

impl ParseCache for NoCache {
    fn by_path(&self, _path: &str) -> Lookup {
        Lookup::Unknown
    }

    fn by_content(&self, _path: &str, _bytes: &[u8]) -> Lookup {
        Lookup::Unknown
    }

    fn insert(&self, _key: ContentKey, _bytes: &[u8], _parsed: &ParsedFile) {}
}
