//! Replays: what a pure plugin run printed, kept under a key naming every
//! input of the run, so the same run again prints it without running.
//!
//! A plugin is a function of its request and of the host's answers, and the
//! host's answers are a function of the book ([`BookStamp`]). When a plugin
//! says a run was pure (it proposed no change), the host records its output
//! and exit code under a [`ReplayKey`] naming the builds and the request,
//! with the book's stamp; a run with the same key on a book with the same
//! stamp plays the record back. One record per key: a run on a changed book
//! replaces it. A run that was not pure leaves an empty marker instead, so
//! the same request does not stamp the book again for nothing. Like the parse cache it is derived data in `.git/kehu/`:
//! never committed, dropped when damaged, and a miss only means running the
//! plugin.
//!
//! A record (integers little-endian):
//!
//! ```text
//! magic "KEHURPLY" | layout u32 | exit code i32 | stdout length u64 | stderr length u64
//! book stamp [60]
//! stdout | stderr
//! ```
//!
//! It is written to a temporary file and renamed into place, so a record is
//! whole or absent; one whose length disagrees with its header is dropped.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use git2::Repository;

use crate::CacheError;
use crate::stamp::{BookStamp, STAMP_BYTES};

/// Where records live inside the git directory.
pub const REPLAY_DIR: &str = "kehu/replay-v1";

/// The environment variable that turns replays off alone (any value but
/// empty or `0`), leaving the parse cache on: to time what a run computes.
pub const DISABLE_REPLAY_ENV: &str = "KEHU_NO_REPLAY";

const MAGIC: &[u8; 8] = b"KEHURPLY";
const LAYOUT: u32 = 1;
const HEADER: usize = MAGIC.len() + 4 + 4 + 8 + 8 + STAMP_BYTES;

/// At most this many records are kept, the least recently used dropped
/// first, and at most [`MAX_BYTES`] of them (the newest is kept whatever
/// its size).
pub(crate) const MAX_RECORDS: usize = 16;
const MAX_BYTES: u64 = 256 << 20;

/// Whether replays are off in this process: [`DISABLE_REPLAY_ENV`] or the
/// parse cache's own switch, [`crate::DISABLE_ENV`].
pub fn replays_disabled() -> bool {
    crate::disabled() || crate::disabled_by(std::env::var_os(DISABLE_REPLAY_ENV).as_deref())
}

/// What a run's output depends on besides the book, hashed: build it from
/// the parts with [`ReplayKey::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReplayKey([u8; 20]);

impl ReplayKey {
    /// The key of these parts, in this order (each is length-prefixed, so
    /// no two lists of parts give the same text to hash).
    pub fn new<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Option<ReplayKey> {
        let mut text = b"kehu replay key 1\0".to_vec();
        for part in parts {
            text.extend_from_slice(&(part.len() as u64).to_le_bytes());
            text.extend_from_slice(part);
        }
        let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &text).ok()?;
        oid.as_bytes().try_into().ok().map(ReplayKey)
    }

    fn file_name(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn impure_name(&self) -> String {
        format!("{}.impure", self.file_name())
    }
}

/// Which stream a part of the output went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// The records of one book.
pub struct Replays {
    repo: Repository,
    root: PathBuf,
    dir: PathBuf,
}

impl Replays {
    /// The records of the book at `book_root`; `Ok(None)` outside a git work
    /// tree.
    pub fn open(book_root: &Path) -> Result<Option<Replays>, CacheError> {
        Ok(crate::open_work_tree(book_root)?.map(|(repo, _)| Replays {
            dir: repo.path().join(REPLAY_DIR),
            root: book_root.to_path_buf(),
            repo,
        }))
    }

    /// The book's stamp now; `None` when it cannot be taken.
    pub fn stamp(&self) -> Option<BookStamp> {
        BookStamp::take(&self.repo, &self.root)
    }

    /// The record under `key`, checked, if there is one and the book is as
    /// `stamp` says it was then.
    pub fn find(&self, key: &ReplayKey, stamp: &BookStamp) -> Option<Replay> {
        let path = self.dir.join(key.file_name());
        let mut file = File::open(&path).ok()?;
        let mut header = [0u8; HEADER];
        file.read_exact(&mut header).ok()?;
        let word = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().unwrap_or([0; 4]));
        let long = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or([0; 8]));
        let (stdout, stderr) = (long(16), long(24));
        let whole = file.metadata().ok()?.len();
        let fits = (HEADER as u64)
            .checked_add(stdout)
            .and_then(|n| n.checked_add(stderr))
            == Some(whole);
        if &header[..8] != MAGIC || word(8) != LAYOUT || !fits {
            // Damaged or from another layout: drop it, the run writes anew.
            let _ = std::fs::remove_file(&path);
            return None;
        }
        if header[32..] != stamp.to_bytes() {
            return None;
        }
        // Most recently used: the last to be dropped.
        let _ = file.set_modified(std::time::SystemTime::now());
        Some(Replay {
            file,
            exit_code: word(12) as i32,
            stdout,
            stderr,
        })
    }

    /// Whether a run under `key` said it was not pure: its book need not be
    /// stamped, since nothing of it will be recorded.
    pub fn known_impure(&self, key: &ReplayKey) -> bool {
        self.dir.join(key.impure_name()).exists()
    }

    /// Notes that the run under `key` was not pure (an empty marker file,
    /// dropped like a record when old).
    pub fn mark_impure(&self, key: &ReplayKey) {
        if std::fs::create_dir_all(&self.dir).is_ok() {
            let _ = File::create(self.dir.join(key.impure_name()));
        }
    }

    /// Starts recording a run under `key` on the book as `stamp` says it is;
    /// `None` when the stamp is not settled or the directory cannot be
    /// written (the run goes on unrecorded).
    pub fn record(&self, key: ReplayKey, stamp: BookStamp) -> Option<Recording> {
        if !stamp.settled() {
            return None;
        }
        std::fs::create_dir_all(&self.dir).ok()?;
        let mut temp = tempfile::NamedTempFile::new_in(&self.dir).ok()?;
        temp.write_all(&[0u8; HEADER]).ok()?;
        Some(Recording {
            out: BufWriter::with_capacity(1 << 16, temp),
            stdout: 0,
            stderr: Vec::new(),
            stamp,
            failed: false,
            target: self.dir.join(key.file_name()),
            dir: self.dir.clone(),
        })
    }
}

/// A record found by [`Replays::find`].
#[derive(Debug)]
pub struct Replay {
    file: File,
    exit_code: i32,
    stdout: u64,
    stderr: u64,
}

impl Replay {
    /// The exit code the run ended with.
    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// Hands the recorded output to `write`, stdout first, in pieces.
    pub fn play(
        mut self,
        mut write: impl FnMut(Stream, &[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut buffer = vec![0u8; 1 << 18];
        for (stream, mut left) in [(Stream::Stdout, self.stdout), (Stream::Stderr, self.stderr)] {
            while left > 0 {
                let want = buffer
                    .len()
                    .min(usize::try_from(left).unwrap_or(usize::MAX));
                let got = self.file.read(&mut buffer[..want])?;
                if got == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                write(stream, &buffer[..got])?;
                left -= got as u64;
            }
        }
        Ok(())
    }
}

/// A run being recorded (see [`Replays::record`]).
#[derive(Debug)]
pub struct Recording {
    out: BufWriter<tempfile::NamedTempFile>,
    stdout: u64,
    stderr: Vec<u8>,
    stamp: BookStamp,
    failed: bool,
    target: PathBuf,
    dir: PathBuf,
}

impl Recording {
    /// Keeps what the run wrote to `stream`.
    pub fn write(&mut self, stream: Stream, bytes: &[u8]) {
        match stream {
            Stream::Stdout if !self.failed => match self.out.write_all(bytes) {
                Ok(()) => self.stdout += bytes.len() as u64,
                Err(_) => self.failed = true,
            },
            Stream::Stdout => {}
            Stream::Stderr => self.stderr.extend_from_slice(bytes),
        }
    }

    /// Stores the record, ended with `exit_code`, and drops the least
    /// recently used records beyond the budget. A record that could not be
    /// written is simply not kept.
    pub fn finish(mut self, exit_code: i32) {
        if self.failed || self.out.write_all(&self.stderr).is_err() {
            return;
        }
        let Ok(mut temp) = self.out.into_inner() else {
            return;
        };
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&LAYOUT.to_le_bytes());
        header.extend_from_slice(&exit_code.to_le_bytes());
        header.extend_from_slice(&self.stdout.to_le_bytes());
        header.extend_from_slice(&(self.stderr.len() as u64).to_le_bytes());
        header.extend_from_slice(&self.stamp.to_bytes());
        let written = temp
            .seek(SeekFrom::Start(0))
            .and_then(|_| temp.write_all(&header));
        if written.is_ok() && temp.persist(&self.target).is_ok() {
            evict(&self.dir, &self.target);
        }
    }
}

/// Drops the least recently used records beyond [`MAX_RECORDS`] and
/// [`MAX_BYTES`], never `newest`.
fn evict(dir: &Path, newest: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut records: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let meta = entry.metadata().ok()?;
            let path = entry.path();
            let modified = meta.modified().ok()?;
            (meta.is_file() && path != newest).then_some((modified, meta.len(), path))
        })
        .collect();
    records.sort_unstable_by_key(|record| std::cmp::Reverse(record.0));
    let mut total = std::fs::metadata(newest).map_or(0, |m| m.len());
    for (kept, (_, len, path)) in records.into_iter().enumerate() {
        total = total.saturating_add(len);
        if kept + 1 >= MAX_RECORDS || total > MAX_BYTES {
            let _ = std::fs::remove_file(path);
        }
    }
}
