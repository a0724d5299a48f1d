//! A book's stamp: what tells, without reading the customer files, whether
//! the book is still exactly as it was.
//!
//! Like `git status`, it trusts stat data: a file whose size, modification
//! and change times and inode are all unchanged has unchanged contents. The
//! stamp sums a hash of the stat data of every entry under `customers/`
//! (files, directories, links and stray files alike, so anything a load
//! could see is covered) and of `kehu.toml`, and adds the commit `HEAD`
//! names (history answers depend on it). The sum does not
//! depend on the order the directories list their entries, so nothing is
//! sorted; two 64-bit hashes with different seeds make an accidental match
//! after a change about one in 2^128.
//!
//! "Racy" files, changed so recently that a second change within the same
//! clock tick could leave the same stat data, make the stamp
//! [`BookStamp::settled`] false: nothing is recorded under it.
//!
//! A record keeps the stamp taken before its run, and no later state of the
//! book can have that stamp again if anything changed meanwhile, even while
//! the plugin ran: the kernel sets an inode's change time on every write,
//! rename or `touch`, and nothing sets it back. Elsewhere than on Unix there is
//! no such time to trust, so no book has a stamp there (replays are off).

use std::fs::Metadata;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::time::{Duration, SystemTime};

use foldhash::quality::FixedState;
use git2::Repository;
use rayon::prelude::*;

/// How recent a change must be for its file to count as racy.
const RACY: Duration = Duration::from_secs(2);

const SEEDS: [u64; 2] = [0x6b65_6875_7374_616d, 0x9e37_79b9_7f4a_7c15];

/// The stamp of a book (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookStamp {
    head: [u8; 20],
    entries: u64,
    sums: [u64; 2],
    settled: bool,
}

/// Bytes of a stamp as a record stores it.
pub(crate) const STAMP_BYTES: usize = 20 + 8 + 16;

impl BookStamp {
    /// Takes the stamp of the book at `book_root` in `repo`'s work tree;
    /// `None` when something cannot be read (the book is then simply not
    /// stamped, and nothing is replayed).
    pub(crate) fn take(repo: &Repository, book_root: &Path) -> Option<BookStamp> {
        let started = SystemTime::now();
        let head = repo
            .head()
            .ok()
            .and_then(|head| head.target())
            .map_or([0; 20], |oid| oid.as_bytes().try_into().unwrap_or([0; 20]));
        if !cfg!(unix) {
            return None;
        }
        let config = match std::fs::symlink_metadata(book_root.join(kehu_core::CONFIG_FILE)) {
            Ok(meta) => Tally::of("../kehu.toml", &meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tally::default(),
            Err(_) => return None,
        };
        let customers = book_root.join(kehu_core::CUSTOMERS_DIR);
        let tally = match std::fs::symlink_metadata(&customers) {
            Ok(meta) if meta.is_dir() => tally_dir(&customers, "")?,
            Ok(meta) => Tally::of("../customers", &meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tally::default(),
            Err(_) => return None,
        };
        let tally = tally.add(config);
        let settled = tally
            .newest
            .is_none_or(|newest| newest.checked_add(RACY).is_some_and(|safe| safe < started));
        Some(BookStamp {
            head,
            entries: tally.entries,
            sums: tally.sums,
            settled,
        })
    }

    /// Whether no file changed within a clock tick or two of the stamp, so
    /// that its stat data can be trusted next time.
    pub fn settled(&self) -> bool {
        self.settled
    }

    pub(crate) fn to_bytes(self) -> [u8; STAMP_BYTES] {
        let mut bytes = [0u8; STAMP_BYTES];
        bytes[..20].copy_from_slice(&self.head);
        let words = [self.entries, self.sums[0], self.sums[1]];
        for (at, word) in words.into_iter().enumerate() {
            bytes[20 + at * 8..28 + at * 8].copy_from_slice(&word.to_le_bytes());
        }
        bytes
    }
}

/// The entries under a directory, hashed and summed.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    entries: u64,
    sums: [u64; 2],
    newest: Option<SystemTime>,
}

impl Tally {
    /// The tally of one entry at `path` (relative to `customers/`; the
    /// book's own entries are `../kehu.toml` and `../customers`).
    fn of(path: &str, meta: &Metadata) -> Tally {
        let mut sums = [0u64; 2];
        for (sum, seed) in sums.iter_mut().zip(SEEDS) {
            let mut hasher = FixedState::with_seed(seed).build_hasher();
            hasher.write(path.as_bytes());
            hasher.write_u8(kind(meta));
            for word in stat_words(meta) {
                hasher.write_u64(word);
            }
            *sum = hasher.finish();
        }
        let changed = [meta.modified().ok(), changed(meta)];
        Tally {
            entries: 1,
            sums,
            newest: changed.into_iter().flatten().max(),
        }
    }

    fn add(self, other: Tally) -> Tally {
        Tally {
            entries: self.entries + other.entries,
            sums: [
                self.sums[0].wrapping_add(other.sums[0]),
                self.sums[1].wrapping_add(other.sums[1]),
            ],
            newest: self.newest.max(other.newest),
        }
    }
}

/// Tallies everything under `dir` (whose path relative to `customers/` is
/// `prefix`), the subdirectories in parallel. Stat data is read relative to
/// the open directory (`DirEntry::metadata`), not by walking the whole path
/// again for every file.
fn tally_dir(dir: &Path, prefix: &str) -> Option<Tally> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    entries
        .par_iter()
        .map(|entry| {
            let meta = entry.metadata().ok()?;
            let name = entry.file_name();
            let name = name.to_str()?;
            let path = format!("{prefix}{name}");
            let own = Tally::of(&path, &meta);
            if meta.is_dir() {
                Some(own.add(tally_dir(&entry.path(), &format!("{path}/"))?))
            } else {
                Some(own)
            }
        })
        .try_reduce(Tally::default, |a, b| Some(a.add(b)))
}

/// A byte for the kind of an entry: file, directory, link or other.
fn kind(meta: &Metadata) -> u8 {
    let kind = meta.file_type();
    if kind.is_file() {
        1
    } else if kind.is_dir() {
        2
    } else if kind.is_symlink() {
        3
    } else {
        4
    }
}

#[cfg(unix)]
fn stat_words(meta: &Metadata) -> [u64; 6] {
    use std::os::unix::fs::MetadataExt;
    [
        meta.size(),
        meta.mtime() as u64,
        meta.mtime_nsec() as u64,
        meta.ctime() as u64,
        meta.ctime_nsec() as u64,
        meta.ino(),
    ]
}

/// When the entry's inode last changed.
#[cfg(unix)]
fn changed(meta: &Metadata) -> Option<SystemTime> {
    use std::os::unix::fs::MetadataExt;
    let secs = u64::try_from(meta.ctime()).ok()?;
    let nanos = u32::try_from(meta.ctime_nsec()).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// Elsewhere no book has a stamp (see the module documentation).
#[cfg(not(unix))]
fn stat_words(_meta: &Metadata) -> [u64; 6] {
    [0; 6]
}

#[cfg(not(unix))]
fn changed(_meta: &Metadata) -> Option<SystemTime> {
    None
}
