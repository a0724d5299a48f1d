//! Which customer files are unchanged since git last hashed them, read from
//! the git index's stat data the way `git status` does.
//!
//! The index records, for every tracked file, its blob id and the stat data
//! (times, size, inode) the file had when that id was computed. When the
//! file's stat data still matches, its contents are the blob. One exception,
//! "racy git": a file changed within the same clock tick as the index was
//! written can match stat data it no longer has the contents of; a file
//! whose modification time is not older than the index's is therefore never
//! trusted, only hashed.

use std::fs::Metadata;
use std::path::Path;

use foldhash::{HashMap, HashMapExt};
use git2::{IndexEntry, IndexEntryExtendedFlag, Repository};
use kehu_core::CUSTOMERS_DIR;
use kehu_core::reuse::ContentKey;

/// A moment as the index stores it: seconds (truncated to 32 bits, as git
/// does) and nanoseconds.
type Stamp = (u32, u32);

/// The stat data of one index entry, and its blob id.
#[derive(Clone, Copy, Debug)]
struct Known {
    key: ContentKey,
    mtime: Stamp,
    ctime: Stamp,
    size: u32,
    ino: u32,
}

/// The customer files the index knows, by path relative to the book root.
#[derive(Debug, Default)]
pub(crate) struct WorkIndex {
    entries: HashMap<Box<str>, Known>,
    /// When the index file was written; `None` when there is no index.
    written: Option<Stamp>,
}

/// Regular files (`100644`, `100755`) only: links and submodules are not
/// customer files.
fn is_regular(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

impl WorkIndex {
    /// Reads the index of `repo`; `prefix` is the book root inside the work
    /// tree (`""` or `"dir/"`). A missing or unreadable index knows nothing.
    pub(crate) fn read(repo: &Repository, prefix: &str) -> WorkIndex {
        let written = std::fs::metadata(repo.path().join("index"))
            .ok()
            .map(|meta| modified(&meta));
        let Ok(index) = repo.index() else {
            return WorkIndex::default();
        };
        let wanted = format!("{prefix}{CUSTOMERS_DIR}/");
        let mut entries = HashMap::with_capacity(index.len());
        for entry in index.iter() {
            if let Some((path, known)) = usable(&entry, &wanted, prefix.len()) {
                entries.insert(path, known);
            }
        }
        WorkIndex { entries, written }
    }

    /// The blob id of the file at `path` (relative to the book root) when
    /// its stat data shows it unchanged since the index recorded it, with
    /// its size; `None` when only hashing the file can tell.
    pub(crate) fn unchanged(&self, root: &Path, path: &str) -> Option<(ContentKey, u64)> {
        let known = self.entries.get(path)?;
        let written = self.written?;
        let meta = std::fs::symlink_metadata(root.join(path)).ok()?;
        if !meta.is_file() {
            return None;
        }
        let mtime = modified(&meta);
        // Racy git: changed in the tick the index was written, or after.
        if mtime >= written {
            return None;
        }
        let same =
            mtime == known.mtime && meta.len() as u32 == known.size && same_inode(&meta, known);
        same.then_some((known.key, meta.len()))
    }

    /// How many customer files the index knows.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The book-relative path and stat data of an index entry that names a
/// customer file git has hashed (stage 0, not intent-to-add, checked out).
fn usable(entry: &IndexEntry, wanted: &str, prefix_len: usize) -> Option<(Box<str>, Known)> {
    let path = std::str::from_utf8(&entry.path).ok()?;
    if !path.starts_with(wanted) || !is_regular(entry.mode) {
        return None;
    }
    let stage = (entry.flags >> 12) & 0x3;
    let skipped = IndexEntryExtendedFlag::INTENT_TO_ADD | IndexEntryExtendedFlag::SKIP_WORKTREE;
    if stage != 0
        || IndexEntryExtendedFlag::from_bits_truncate(entry.flags_extended).intersects(skipped)
    {
        return None;
    }
    let key = ContentKey(entry.id.as_bytes().try_into().ok()?);
    let known = Known {
        key,
        mtime: (entry.mtime.seconds() as u32, entry.mtime.nanoseconds()),
        ctime: (entry.ctime.seconds() as u32, entry.ctime.nanoseconds()),
        size: entry.file_size,
        ino: entry.ino,
    };
    Some((path[prefix_len..].into(), known))
}

#[cfg(unix)]
fn modified(meta: &Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    (meta.mtime() as u32, meta.mtime_nsec() as u32)
}

/// The change time and inode git also compares (a file replaced by another
/// with the same size and modification time is still caught).
#[cfg(unix)]
fn same_inode(meta: &Metadata, known: &Known) -> bool {
    use std::os::unix::fs::MetadataExt;
    (meta.ctime() as u32, meta.ctime_nsec() as u32) == known.ctime && meta.ino() as u32 == known.ino
}

#[cfg(not(unix))]
fn modified(meta: &Metadata) -> Stamp {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| (d.as_secs() as u32, d.subsec_nanos()))
}

/// Elsewhere git stores no inode or change time worth comparing.
#[cfg(not(unix))]
fn same_inode(_meta: &Metadata, _known: &Known) -> bool {
    true
}
