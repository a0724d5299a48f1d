//! A digest of the history index for `last_contacts`: every indexed commit
//! in the order the index reads them, with its parents and, for a commit
//! whose customers a contacts query keeps, what the reduction of
//! [`super::contacts`] needs (day, time, contact and bookkeeping flags, and
//! per customer its id, old id and `contact.last` write). It is a small
//! binary file beside the index (`contacts-v1`), so the agenda's year of
//! history is read without parsing the index's JSON.
//!
//! Derived like the index and never a second source of truth: it is keyed
//! by the index's state ([`IndexState`]: newest segment, tip, floor, commit
//! count), rebuilt from the index whenever that changes, written to a
//! temporary file and renamed into place, and used only when it holds
//! every indexed commit (all reachable from the newest tip), so a walk over
//! it from any indexed start visits exactly what [`super::index`]'s reader
//! visits, in the same order. Anything else (no index, a start it does not
//! hold, a read or write error) and the query reads the index as before.

use std::collections::HashSet;
use std::fs::{self, File};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use git2::Oid;
use kehu_core::Date;

use super::contacts::{Mark, Marks, contacts_filter};
use super::index::{Index, IndexState, Trouble};
use super::{History, LogQuery};

/// The digest's file name; bump the number when the layout changes.
const FILE: &str = "contacts-v1";

/// The index as a contacts query reads it: what the digest and the kept
/// answers ([`super::contact_answers`]) are keyed by.
pub(super) struct Indexed<'h> {
    pub index: &'h Index,
    /// The commit the query starts from.
    pub start: Oid,
    pub state: IndexState,
}

/// The first line of the digest: what it was built from.
#[derive(serde::Serialize, serde::Deserialize, PartialEq)]
struct Header {
    state: IndexState,
    /// Whether every indexed commit is in the digest.
    complete: bool,
    /// Records that follow (every indexed commit when complete).
    records: u64,
}

/// Bytes kept for the header line: it is written last, over spaces.
const HEADER_LEN: usize = 1024;

/// One commit of the digest.
struct Record {
    time: i64,
    id: [u8; 20],
    parents: Vec<[u8; 20]>,
    /// What a contacts query keeps of it; `None` when nothing.
    mark: Option<Mark>,
}

fn raw(id: &Oid) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(id.as_bytes());
    out
}

fn hex_id(text: &str) -> Result<[u8; 20], Trouble> {
    Oid::from_str(text)
        .map(|id| raw(&id))
        .map_err(|_| Trouble::Corrupt(format!("`{text}` is not a commit id")))
}

fn too_long() -> io::Error {
    io::Error::other("a value too long for the contacts digest")
}

pub(super) fn put_text(out: &mut Vec<u8>, text: Option<&str>) -> io::Result<()> {
    match text {
        None => out.extend_from_slice(&u16::MAX.to_le_bytes()),
        Some(text) => {
            let len = u16::try_from(text.len())
                .ok()
                .filter(|n| *n < u16::MAX)
                .ok_or_else(too_long)?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    Ok(())
}

pub(super) fn put_day(out: &mut Vec<u8>, day: Date) {
    out.extend_from_slice(&day.0.num_days_from_ce().to_le_bytes());
}

impl Record {
    fn write(&self, out: &mut Vec<u8>) -> io::Result<()> {
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&self.id);
        out.push(u8::try_from(self.parents.len()).map_err(|_| too_long())?);
        for parent in &self.parents {
            out.extend_from_slice(parent);
        }
        let Some(mark) = &self.mark else {
            out.push(0);
            return Ok(());
        };
        out.push(1);
        put_day(out, mark.day);
        out.extend_from_slice(&mark.timestamp.to_le_bytes());
        out.push(u8::from(mark.contact) | (u8::from(mark.bookkeeping) << 1));
        let count = u32::try_from(mark.touches.len()).map_err(|_| too_long())?;
        out.extend_from_slice(&count.to_le_bytes());
        for touch in &mark.touches {
            put_text(out, Some(&touch.id))?;
            put_text(out, touch.old_id.as_deref())?;
            match touch.written {
                None => out.push(0),
                Some(None) => out.push(1),
                Some(Some(day)) => {
                    out.push(2);
                    put_day(out, day);
                }
            }
        }
        Ok(())
    }
}

/// Bytes the reader holds at a time: more than the longest text.
const READ_BUF: usize = 1 << 16;

/// Reads records one at a time, through a buffer of its own: the fields
/// are a few bytes each, read straight out of it.
pub(super) struct Reader<R> {
    input: R,
    buf: Vec<u8>,
    /// The bytes of `buf` not read yet.
    pos: usize,
    end: usize,
    /// Records not read yet.
    left: u64,
}

impl<R: Read> Reader<R> {
    pub(super) fn new(input: R, records: u64) -> Reader<R> {
        Reader {
            input,
            buf: vec![0; READ_BUF],
            pos: 0,
            end: 0,
            left: records,
        }
    }

    /// The next `n` bytes (`n` at most [`READ_BUF`]).
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.end - self.pos < n {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            while self.end < n {
                match self.input.read(&mut self.buf[self.end..]) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(got) => self.end += got,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(super) fn bytes<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(super) fn byte(&mut self) -> io::Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }

    /// The next text, valid until the next read.
    pub(super) fn text(&mut self) -> io::Result<Option<&str>> {
        let len = u16::from_le_bytes(self.bytes()?);
        if len == u16::MAX {
            return Ok(None);
        }
        std::str::from_utf8(self.take(usize::from(len))?)
            .map(Some)
            .map_err(|_| io::Error::other("an id that is not UTF-8"))
    }

    /// Passes over a text.
    fn skip_text(&mut self) -> io::Result<()> {
        let len = u16::from_le_bytes(self.bytes()?);
        if len != u16::MAX {
            self.take(usize::from(len))?;
        }
        Ok(())
    }

    pub(super) fn day(&mut self) -> io::Result<Date> {
        let days = i32::from_le_bytes(self.bytes()?);
        NaiveDate::from_num_days_from_ce_opt(days)
            .map(Date)
            .ok_or_else(|| io::Error::other("a day out of range"))
    }

    /// The next record: its time, id and parents (into `parents`, cleared
    /// first); `None` at the end.
    fn next(&mut self, parents: &mut Vec<[u8; 20]>) -> io::Result<Option<(i64, [u8; 20])>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let time = self.bytes::<8>()?;
        let id = self.bytes::<20>()?;
        let count = self.byte()?;
        parents.clear();
        for _ in 0..count {
            parents.push(self.bytes::<20>()?);
        }
        Ok(Some((i64::from_le_bytes(time), id)))
    }

    /// The current record's mark, added to `marks` when `keep` says so
    /// of its day, else skipped.
    fn mark(&mut self, keep: impl FnOnce(Date) -> bool, marks: &mut Marks) -> io::Result<()> {
        if self.byte()? == 0 {
            return Ok(());
        }
        let day = self.day()?;
        let timestamp = i64::from_le_bytes(self.bytes()?);
        let flags = self.byte()?;
        let count = u32::from_le_bytes(self.bytes()?);
        if !keep(day) {
            for _ in 0..count {
                self.skip_text()?;
                self.skip_text()?;
                if self.byte()? > 1 {
                    self.bytes::<4>()?;
                }
            }
            return Ok(());
        }
        let (contact, bookkeeping) = (flags & 1 != 0, flags & 2 != 0);
        let mut commit = marks.begin((day, timestamp), contact, bookkeeping);
        for _ in 0..count {
            let id = self.text()?.ok_or_else(|| io::Error::other("no id"))?;
            let id = commit.id(id);
            let old_id = self.text()?.map(|old| commit.id(old));
            let written = match self.byte()? {
                0 => None,
                1 => Some(None),
                _ => Some(Some(self.day()?)),
            };
            commit.touch(id, old_id, written);
        }
        Ok(())
    }
}

/// The JSON header on the first line of a file of `reader`.
pub(super) fn read_header<T: serde::de::DeserializeOwned>(reader: &mut impl BufRead) -> Option<T> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    serde_json::from_str(line.trim_end()).ok()
}

/// The digest at `path` if it was built from the index in `state`.
fn open_digest(path: &Path, state: &IndexState) -> Option<(Header, BufReader<File>)> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path).ok()?);
    let header: Header = read_header(&mut reader)?;
    (header.state == *state).then_some((header, reader))
}

impl History<'_> {
    /// The marks of a contacts `query` (its filter already the contacts
    /// filter), read from the digest, in the order the index's reader
    /// would find them; `None` when the digest cannot answer (the caller
    /// then reads the index or git).
    pub(super) fn digested_marks(&self, query: &LogQuery, at: &Indexed<'_>) -> Option<Marks> {
        let Indexed {
            index,
            start,
            state,
        } = at;
        let path = index.dir().join(FILE);
        let (header, reader) = match open_digest(&path, state) {
            Some(found) => found,
            None => {
                self.write_digest(index, state, &path).ok()?;
                open_digest(&path, state)?
            }
        };
        if !header.complete {
            return None;
        }
        walk_digest(
            Reader::new(reader, header.records),
            raw(start),
            query,
            state.floor,
        )
        .ok()
        .flatten()
    }

    /// The index brought up to date for a contacts `query`, with the
    /// query's start and the index's state; `None` without an index or
    /// when it cannot be read.
    pub(super) fn indexed(&self, query: &LogQuery) -> Option<Indexed<'_>> {
        let index = self.index.as_ref()?;
        let start = match &query.rev {
            Some(rev) => self.objects.resolve(rev).ok()?,
            None => self.objects.head().ok()?,
        };
        index
            .ensure(self, self.objects.head().ok()?, query.cutoff())
            .ok()?;
        let state = index.state().ok()??;
        Some(Indexed {
            index,
            start,
            state,
        })
    }

    /// Builds the digest of the index in `state` at `path`, streamed to a
    /// temporary file that is renamed into place.
    fn write_digest(&self, index: &Index, state: &IndexState, path: &Path) -> Result<(), Trouble> {
        let tip = Oid::from_str(&state.tip)
            .map_err(|_| Trouble::Corrupt(format!("`{}` is not a commit id", state.tip)))?;
        let tmp = path.with_file_name(crate::lock::temp_name(FILE));
        let result = (|| -> Result<(), Trouble> {
            let mut out = BufWriter::new(File::create(&tmp)?);
            out.write_all(&[b' '; HEADER_LEN])?;
            let filter = contacts_filter();
            let mut buf = Vec::new();
            let mut records = 0u64;
            let mut fits = true;
            index.read(tip, None, |entry, customers| {
                let mark = match &entry.b {
                    Some(change) => {
                        let (kept, _) = customers.take(&filter, change.contact, usize::MAX)?;
                        (!kept.is_empty()).then(|| {
                            Mark::of((change.day, change.at), change.contact, change.kind, kept)
                        })
                    }
                    None => None,
                };
                let record = Record {
                    time: entry.t,
                    id: hex_id(entry.c)?,
                    parents: entry
                        .p
                        .iter()
                        .map(|p| hex_id(p))
                        .collect::<Result<_, _>>()?,
                    mark,
                };
                buf.clear();
                fits &= record.write(&mut buf).is_ok();
                out.write_all(&buf)?;
                records += 1;
                Ok(ControlFlow::Continue(()))
            })?;
            let header = Header {
                state: state.clone(),
                complete: fits && records == state.commits,
                records,
            };
            let mut line = serde_json::to_vec(&header).map_err(io::Error::from)?;
            if line.len() >= HEADER_LEN {
                return Err(Trouble::Io(too_long()));
            }
            line.resize(HEADER_LEN - 1, b' ');
            line.push(b'\n');
            let mut file = out.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&line)?;
            file.sync_all()?;
            fs::rename(&tmp, path)?;
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

/// The walk of the index's reader over the digest: from `start`, each
/// commit visited once its child was, stopping below the query's cutoff;
/// the marks of the visited commits dated in the window. `None` when `start`
/// is not in the digest, or the walk ends wanting commits the index should
/// hold (the index's reader then finds it damaged).
fn walk_digest(
    mut reader: Reader<impl Read>,
    start: [u8; 20],
    query: &LogQuery,
    floor: Option<i64>,
) -> io::Result<Option<Marks>> {
    let cut = query.cutoff();
    let mut wanted: HashSet<[u8; 20], BuildHasherDefault<IdHasher>> = HashSet::default();
    wanted.insert(start);
    let mut found_start = false;
    let mut exhausted = true;
    let mut marks = Marks::default();
    let mut parents = Vec::new();
    while let Some((time, id)) = reader.next(&mut parents)? {
        if wanted.is_empty() || cut.is_some_and(|c| time < c) {
            exhausted = false;
            break;
        }
        let visit = wanted.remove(&id);
        reader.mark(|day| visit && query.in_window(day), &mut marks)?;
        if !visit {
            continue;
        }
        found_start |= id == start;
        wanted.extend(parents.iter().copied());
    }
    let damaged = exhausted && !wanted.is_empty() && floor.is_none();
    Ok((found_start && !damaged).then_some(marks))
}

/// Hashes a commit id by its first eight bytes: ids are SHA-1 digests,
/// already spread evenly, and the walk looks one up per commit.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut first = [0u8; 8];
        let n = bytes.len().min(8);
        first[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(first);
    }

    fn write_usize(&mut self, _: usize) {
        // The length an array or slice writes first is the same for every id.
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::index_tests::{ACME, busy_book, commit, queries, set};
    use super::super::log::CHUNK;
    use super::*;
    use crate::test_support::{git, open};

    fn digest(root: &Path) -> std::path::PathBuf {
        Index::new(&root.join(".git"), "").dir().join(FILE)
    }

    fn header(root: &Path) -> Option<Header> {
        read_header(&mut BufReader::new(File::open(digest(root)).ok()?))
    }

    /// From the digest, from the index's JSON and from git: the same
    /// answers, for every window and for starts other than HEAD.
    fn assert_digest_agrees(root: &Path, revs: &[Option<&str>]) {
        let book = open(root);
        for rev in revs {
            for query in queries() {
                let query = LogQuery {
                    rev: rev.map(str::to_owned),
                    ..query
                };
                let cold = book.history().last_contacts(&query).unwrap();
                // Not the answer kept by the query before: the digest's.
                let _ = fs::remove_file(super::super::contact_answers::file_of(root));
                let warm = book.indexed_history().last_contacts(&query).unwrap();
                assert_eq!(warm, cold, "{query:?}");
            }
        }
    }

    /// Commits a call to acme on `to`, its last contact before `from`.
    fn call_acme(root: &Path, from: &str, to: &str) {
        set(
            root,
            ACME,
            &format!("last = {from}"),
            &format!("last = {to}"),
        );
        commit(
            root,
            &format!("{to}T10:00:00+00:00"),
            "contact: acme by call\n\nKehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: call",
        );
    }

    #[test]
    fn the_digest_answers_like_the_index_and_git() {
        let dir = busy_book();
        let root = dir.path();
        assert_digest_agrees(root, &[None, Some("side"), Some("HEAD~2")]);
        let built = header(root).unwrap();
        assert!(built.complete && built.records == built.state.commits);
        // The walk over the digest gives the marks the index gives.
        let book = open(root);
        let history = book.indexed_history();
        let query = LogQuery {
            filter: contacts_filter(),
            ..LogQuery::default()
        };
        for since in [None, Some("2026-01-12")] {
            let query = LogQuery {
                since: since.map(|d| d.parse().unwrap()),
                ..query.clone()
            };
            let at = history.indexed(&query).unwrap();
            let marks = history.digested_marks(&query, &at).unwrap();
            assert_eq!(marks, history.found_marks(&query).unwrap());
            assert!(!marks.is_empty());
        }
        // A new commit: the index grows, the digest is built again.
        set(root, ACME, "tier = \"strategic\"", "tier = \"key\"");
        call_acme(root, "2026-01-14", "2026-02-09");
        assert_digest_agrees(root, &[None, Some("HEAD~1")]);
        let rebuilt = header(root).unwrap();
        assert!(rebuilt.complete && rebuilt.state != built.state);
        // Never committed: it lives inside .git.
        assert!(git(root, &["status", "--porcelain"]).is_empty());
    }

    #[test]
    fn a_commit_of_many_customers_comes_in_chunks() {
        let dir = crate::test_support::new_book();
        let root = dir.path();
        for n in 0..CHUNK + 5 {
            let id = format!("c{n:05}");
            crate::test_support::write(
                root,
                &format!("customers/c0/{id}.toml"),
                &format!(
                    "{}\n[contact]\nlast = 2026-01-02\n",
                    crate::test_support::customer(&id, "small")
                ),
            );
        }
        git(root, &["add", "."]);
        commit(
            root,
            "2026-01-06T09:00:00+00:00",
            "contact: everyone\n\nKehu-Contact: email",
        );
        let book = open(root);
        let history = book.indexed_history();
        let query = LogQuery {
            filter: contacts_filter(),
            ..LogQuery::default()
        };
        let at = history.indexed(&query).unwrap();
        let marks = history.digested_marks(&query, &at).unwrap();
        assert_eq!(marks, history.found_marks(&query).unwrap());
        assert_eq!(marks.len(), 2);
        assert_digest_agrees(root, &[None]);
    }

    #[test]
    fn a_damaged_digest_is_rebuilt_or_passed_over() {
        let dir = busy_book();
        let root = dir.path();
        assert_digest_agrees(root, &[None]);
        let good = fs::read(digest(root)).unwrap();
        let mut truncated = good.clone();
        truncated.truncate(HEADER_LEN + 30);
        let mut foreign = good.clone();
        foreign[..HEADER_LEN].copy_from_slice(&[b' '; HEADER_LEN]);
        foreign[0] = b'{';
        foreign[1] = b'}';
        for damaged in [Vec::new(), truncated, foreign, b"garbage\n".to_vec()] {
            fs::write(digest(root), &damaged).unwrap();
            assert_digest_agrees(root, &[None]);
        }
        // A start the newest tip does not reach: the digest is incomplete
        // and passed over.
        git(root, &["checkout", "-qb", "other", "HEAD~4"]);
        call_acme(root, "2026-01-14", "2026-02-12");
        assert_digest_agrees(root, &[None, Some("main")]);
        assert!(!header(root).unwrap().complete);
    }
}
