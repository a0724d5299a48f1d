//! A derived, rebuildable index of the book's history in
//! `.git/kehu/history-v4/`: every commit reachable from HEAD, with the
//! customer changes it made (as [`History::log`] credits them: a merge keeps
//! only what it decided itself), its author day, kind, whether it records a
//! contact, and its full record, so a query the index answers reads no git
//! object at all.
//!
//! The index is a short list of *segments*, each one file of lines newest
//! first by committer time: a commit line `<time>\t<json>`, followed by one
//! line `\t<json>` per customer it changed, and a footer naming the commit
//! the segment was built for. A segment holds the commits reachable from
//! its tip that no older segment holds, so the set of indexed commits is
//! always closed under "parent of", and a sorted file of their ids sits
//! beside each segment, and its skeleton ([`skeleton`]: per commit its
//! time, id, parents, where its line is, and masks of its trailer keys and
//! changed fields), which readers walk, parsing only the lines a query may
//! keep ([`Narrow`]). Commits never change, so an entry never goes stale:
//! when HEAD moves on, only the new commits are diffed and written as a new
//! segment (nothing is rewritten); past [`MAX_SEGMENTS`] they are merged
//! into one. Readers merge the segments by time and follow parents from the
//! start commit, like a walk over git would.
//!
//! Building diffs the commits on worker threads, each with its own handle
//! on the repository, while the main thread walks and writes in order. A
//! segment is written to a temporary file and linked into place, so readers
//! never see half a file, and it is never committed (it lives inside
//! `.git/`). A file without a valid footer, with entries whose parents are
//! missing, a skeleton that is not its segment's, or written by another
//! version makes the index thrown away and rebuilt (an older version's
//! directory is removed when a segment is written). Nothing depends on the index being there: any trouble reading
//! or writing it, and the history walks git instead.

mod skeleton;

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use std::borrow::Cow;

use git2::Oid;
use kehu_core::Date;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::History;
use super::filter::{CONTACT_FIELD, ChangeFilter, is_contact};
use super::log::LogQuery;
use super::objects::{BookIds, Objects};
use super::records::{CommitInfo, CustomerChange, FieldChange, Kind, Status};
use super::spill::Lines;
use super::walk::Walk;
use crate::book::Book;
use crate::error::GitError;
use skeleton::Rec;

/// Bump when the meaning of an entry changes (how fields are diffed …) or
/// the files of a segment do (4: the skeletons).
pub(crate) const VERSION: u32 = 4;

/// Segments kept before they are merged into one.
const MAX_SEGMENTS: usize = 8;

/// How a build runs. Its memory is the walk's, plus per diffing thread its
/// cache and at most two jobs' lines (see [`parallel`]): bounded by these,
/// never by the length of the history.
#[derive(Clone, Copy, Debug)]
struct Build {
    /// Commits per job handed to a diffing thread.
    job: usize,
    /// Bytes of pack objects the walk keeps (commits and root trees: it
    /// reads each once, in order, so a little cache of delta bases does).
    walk_cache: usize,
    /// Bytes of pack objects each diffing thread keeps.
    diff_cache: usize,
    /// Diffing threads; below two, the walking thread diffs.
    workers: usize,
}

impl Build {
    /// The build as it runs: a thread per core, up to eight.
    fn standard() -> Build {
        Build {
            job: 256,
            walk_cache: 2 << 20,
            diff_cache: 8 << 20,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        }
    }
}

/// One commit as the index writes it (its customers follow on their own
/// lines).
#[derive(Serialize)]
struct EntryOut<'a> {
    c: String,
    p: Vec<String>,
    t: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<ChangeOut<'a>>,
}

/// What a commit changed, without its customers.
#[derive(Serialize)]
struct ChangeOut<'a> {
    day: Date,
    at: i64,
    kind: Kind,
    contact: bool,
    rules: bool,
    info: &'a CommitInfo,
}

/// An entry as read back, borrowing from its line: the commit record stays
/// raw JSON until a reader asks for it.
#[derive(Deserialize)]
pub(crate) struct EntryRef<'a> {
    #[serde(borrow)]
    pub c: &'a str,
    /// The committer time (what the segments are ordered by).
    #[serde(default)]
    pub t: i64,
    #[serde(borrow)]
    pub p: Vec<&'a str>,
    #[serde(borrow, default)]
    pub b: Option<ChangeRef<'a>>,
}

/// What a commit changed, as read back.
#[derive(Deserialize)]
pub(crate) struct ChangeRef<'a> {
    pub day: Date,
    pub at: i64,
    pub kind: Kind,
    pub contact: bool,
    pub rules: bool,
    #[serde(borrow)]
    pub info: &'a RawValue,
}

/// A customer change as read back, borrowing what it can.
#[derive(Deserialize)]
struct CustomerRef<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    path: Cow<'a, str>,
    status: Status,
    #[serde(borrow, default)]
    old_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    old_path: Option<Cow<'a, str>>,
    #[serde(borrow)]
    fields: Vec<FieldRef<'a>>,
    #[serde(default)]
    unparsable: bool,
}

/// A field change as read back: values stay raw until kept.
#[derive(Deserialize)]
struct FieldRef<'a> {
    #[serde(borrow)]
    field: Cow<'a, str>,
    #[serde(borrow, default)]
    old: Option<&'a RawValue>,
    #[serde(borrow, default)]
    new: Option<&'a RawValue>,
}

fn corrupt(error: serde_json::Error) -> Trouble {
    Trouble::Corrupt(format!("an entry does not read: {error}"))
}

fn value(raw: Option<&RawValue>) -> Result<Option<serde_json::Value>, Trouble> {
    raw.map(|r| serde_json::from_str(r.get()).map_err(corrupt))
        .transpose()
}

/// One customer line, with only the fields `filter` needs decoded, then
/// narrowed by it (see [`ChangeFilter`]).
fn decode_customer(
    line: &str,
    filter: &ChangeFilter,
    needed: Option<&std::collections::BTreeSet<String>>,
    contact: bool,
) -> Result<Option<CustomerChange>, Trouble> {
    let c: CustomerRef<'_> = serde_json::from_str(line).map_err(corrupt)?;
    let mut fields = Vec::new();
    for f in c.fields {
        if needed.is_some_and(|set| !set.contains(f.field.as_ref())) {
            continue;
        }
        fields.push(FieldChange {
            field: f.field.into_owned(),
            old: value(f.old)?,
            new: value(f.new)?,
        });
    }
    let change = CustomerChange {
        id: c.id.into_owned(),
        path: c.path.into_owned(),
        status: c.status,
        old_id: c.old_id.map(Cow::into_owned),
        old_path: c.old_path.map(Cow::into_owned),
        fields,
        unparsable: c.unparsable,
    };
    Ok(filter.customer(contact, change))
}

impl ChangeRef<'_> {
    /// The commit's full record.
    pub(crate) fn info(&self) -> Result<CommitInfo, Trouble> {
        serde_json::from_str(self.info.get()).map_err(corrupt)
    }
}

/// The customer lines of the entry being visited, read on demand.
pub(crate) struct Customers<'r> {
    reader: &'r mut BufReader<File>,
    /// The reader's count of bytes read, kept up to date.
    consumed: &'r mut u64,
    line: String,
    done: bool,
}

impl Customers<'_> {
    /// The next customer changes the filter keeps, at most `max` of them;
    /// and whether the entry has no more.
    pub(crate) fn take(
        &mut self,
        filter: &ChangeFilter,
        contact: bool,
        max: usize,
    ) -> Result<(Vec<CustomerChange>, bool), Trouble> {
        let needed = filter.needed();
        let mut out = Vec::new();
        while !self.done && out.len() < max {
            if !next_is_customer(self.reader)? {
                self.done = true;
                break;
            }
            self.line.clear();
            *self.consumed += self.reader.read_line(&mut self.line)? as u64;
            let text = self.line.trim_start_matches('\t').trim_end_matches('\n');
            if let Some(change) = decode_customer(text, filter, needed.as_ref(), contact)? {
                out.push(change);
            }
        }
        Ok((out, self.done))
    }
}

/// Whether the reader's next line is a customer line (starts with a tab).
fn next_is_customer(reader: &mut BufReader<File>) -> Result<bool, Trouble> {
    Ok(reader.fill_buf()?.first() == Some(&b'\t'))
}

/// The last line of a segment: what it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Footer {
    kehu_history_index: u32,
    /// The book's place in the repository.
    prefix: String,
    /// The commit the segment was built for (its newest).
    tip: String,
    /// How many commits it holds.
    count: u64,
    /// Whether it holds every commit of the older segments too (a merge
    /// of them): readers then ignore those.
    whole: bool,
    /// How deep the index goes from this segment's tip: every commit
    /// reachable from it and committed at or after this time (every one,
    /// for `None`) is in this segment or an older one.
    floor: Option<i64>,
}

/// Why the index could not be used (the caller then walks git).
#[derive(Debug)]
pub(crate) enum Trouble {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The index is not valid; it is removed.
    Corrupt(String),
    /// Git failed while diffing a commit for the index.
    Git(crate::GitError),
    /// The commit asked for is not indexed.
    NotIndexed,
}

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trouble::Io(error) => write!(f, "{error}"),
            Trouble::Corrupt(why) => write!(f, "the index is damaged: {why}"),
            Trouble::Git(error) => write!(f, "{error}"),
            Trouble::NotIndexed => f.write_str("the revision is not indexed"),
        }
    }
}

impl From<std::io::Error> for Trouble {
    fn from(error: std::io::Error) -> Trouble {
        Trouble::Io(error)
    }
}

impl From<crate::GitError> for Trouble {
    fn from(error: crate::GitError) -> Trouble {
        Trouble::Git(error)
    }
}

/// The live index, as [`Index::state`] describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IndexState {
    /// The newest live segment.
    pub number: u32,
    /// The commit it was built for.
    pub tip: String,
    /// How deep the index goes (see the segment footer).
    pub floor: Option<i64>,
    /// Commits in the live segments.
    pub commits: u64,
}

/// The index of one book.
#[derive(Clone, Debug)]
pub(crate) struct Index {
    dir: PathBuf,
    build: Build,
    prefix: String,
}

/// One segment on disk.
struct Segment {
    number: u32,
    footer: Footer,
}

fn hex(id: Oid) -> String {
    id.to_string()
}

/// The footer of `file`, if it has a valid one.
fn read_footer(file: &mut File) -> Option<Footer> {
    let len = file.metadata().ok()?.len();
    let tail = len.min(4096);
    file.seek(SeekFrom::Start(len - tail)).ok()?;
    let mut buf = Vec::with_capacity(tail as usize);
    file.read_to_end(&mut buf).ok()?;
    let body = buf.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    serde_json::from_slice(&body[start..]).ok()
}

/// The ids of the indexed commits, sorted, for membership tests.
struct Known(Vec<[u8; 20]>);

impl Known {
    fn contains(&self, id: &Oid) -> bool {
        let mut key = [0u8; 20];
        key.copy_from_slice(id.as_bytes());
        self.0.binary_search(&key).is_ok()
    }
}

/// Sorted raw ids, as an `.ids` file holds them.
fn ids_bytes(ids: &mut [[u8; 20]]) -> Vec<u8> {
    ids.sort_unstable();
    ids.concat()
}

impl Index {
    /// The index of the book at `prefix` in the repository at `git_dir`.
    pub(crate) fn new(git_dir: &Path, prefix: &str) -> Index {
        let name = if prefix.is_empty() {
            format!("history-v{VERSION}")
        } else {
            let safe: String = prefix
                .trim_end_matches('/')
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            format!("history-v{VERSION}-{safe}")
        };
        Index {
            dir: git_dir.join("kehu").join(name),
            prefix: prefix.to_owned(),
            build: Build::standard(),
        }
    }

    /// Where the index lives.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// The same index, built in jobs of one commit on three threads that
    /// keep (almost) nothing cached: what it writes must not change.
    #[cfg(test)]
    pub(crate) fn built_tiny(self) -> Index {
        Index {
            build: Build {
                job: 1,
                walk_cache: 0,
                diff_cache: 0,
                workers: 3,
            },
            ..self
        }
    }

    /// Where this process writes segment `number` before linking it in.
    fn temp_path(&self, number: u32) -> PathBuf {
        self.dir
            .join(crate::lock::temp_name(&format!("seg-{number:06}")))
    }

    /// Where this process writes a side file of segment `number` before
    /// renaming it into place.
    fn temp_path_of(&self, number: u32, ext: &str) -> PathBuf {
        self.dir
            .join(crate::lock::temp_name(&format!("seg-{number:06}.{ext}")))
    }

    /// Removes the indexes older versions of kehu left in `.git/kehu` (a
    /// `history-vN` directory for a lower N): derived files nobody reads
    /// any more, often hundreds of megabytes.
    fn sweep_other_versions(&self) {
        let Some(parent) = self.dir.parent() else {
            return;
        };
        let Ok(entries) = fs::read_dir(parent) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let other = name
                .to_str()
                .and_then(|n| n.strip_prefix("history-v"))
                .map(|rest| rest.split_once('-').map_or(rest, |(v, _)| v))
                .and_then(|v| v.parse::<u32>().ok())
                .is_some_and(|v| v < VERSION);
            if other {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    fn segment_path(&self, number: u32, ext: &str) -> PathBuf {
        self.dir.join(format!("seg-{number:06}.{ext}"))
    }

    /// The segments readers use, newest first: down to the first that holds
    /// the older ones whole.
    fn live(&self) -> Result<Vec<Segment>, Trouble> {
        let mut numbers = Vec::new();
        match fs::read_dir(&self.dir) {
            Ok(entries) => {
                for entry in entries {
                    let name = entry?.file_name();
                    let name = name.to_string_lossy();
                    if let Some(n) = name
                        .strip_prefix("seg-")
                        .and_then(|n| n.strip_suffix(".jsonl"))
                        .and_then(|n| n.parse::<u32>().ok())
                    {
                        numbers.push(n);
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error.into()),
        }
        numbers.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        for number in numbers {
            let mut file = File::open(self.segment_path(number, "jsonl"))?;
            let Some(footer) = read_footer(&mut file) else {
                return Err(Trouble::Corrupt(format!("segment {number} has no footer")));
            };
            if footer.kehu_history_index != VERSION || footer.prefix != self.prefix {
                return Err(Trouble::Corrupt(format!("segment {number} is foreign")));
            }
            let whole = footer.whole;
            out.push(Segment { number, footer });
            if whole {
                break;
            }
        }
        Ok(out)
    }

    /// The ids of every commit the live segments hold.
    fn known(&self, live: &[Segment]) -> Result<Known, Trouble> {
        let mut all = Vec::new();
        for segment in live {
            let bytes = fs::read(self.segment_path(segment.number, "ids"))?;
            if bytes.len() as u64 != segment.footer.count * 20 {
                return Err(Trouble::Corrupt(format!(
                    "segment {} lists {} ids for {} commits",
                    segment.number,
                    bytes.len() / 20,
                    segment.footer.count
                )));
            }
            all.extend(bytes.chunks_exact(20).map(|c| {
                let mut id = [0u8; 20];
                id.copy_from_slice(c);
                id
            }));
        }
        all.sort_unstable();
        Ok(Known(all))
    }

    /// Where the index lives: digests derived from it are kept beside it
    /// (see `history/contact_digest.rs`), and go with it when it is
    /// discarded.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// What a digest of the index is valid for: the newest live segment's
    /// number and tip, the index's floor, and how many commits the live
    /// segments hold. `None` without an index.
    pub(crate) fn state(&self) -> Result<Option<IndexState>, Trouble> {
        let live = self.live()?;
        let commits = live.iter().map(|s| s.footer.count).sum();
        Ok(live.first().map(|newest| IndexState {
            number: newest.number,
            tip: newest.footer.tip.clone(),
            floor: newest.footer.floor,
            commits,
        }))
    }

    /// Throws the index away (it is derived; the next query rebuilds it).
    pub(crate) fn discard(&self) {
        let _ = fs::remove_dir_all(&self.dir);
    }

    /// Makes the index hold every commit reachable from `head` committed
    /// at or after `cutoff` (every one, for `None`). A first query with a
    /// narrow window indexes just that window; a wider one goes deeper.
    pub(crate) fn ensure(
        &self,
        history: &History<'_>,
        head: Oid,
        cutoff: Option<i64>,
    ) -> Result<(), Trouble> {
        let live = self.live()?;
        let floor = live.first().map(|s| s.footer.floor);
        // Deep enough already: known commits need not be walked through.
        let deep = floor.is_some_and(|f| f.is_none_or(|f| cutoff.is_some_and(|c| f <= c)));
        let tip = hex(head);
        if deep && live.iter().any(|s| s.footer.tip == tip) {
            return Ok(());
        }
        let known = self.known(&live)?;
        if deep && known.contains(&head) {
            return Ok(());
        }
        // Never shallower than what is there: a commit merged in from an
        // old branch must be indexed as deep as the rest.
        let cut = match (cutoff, floor) {
            (None, _) | (Some(_), Some(None)) => None,
            (Some(c), None) => Some(c),
            (Some(c), Some(Some(f))) => Some(c.min(f)),
        };
        fs::create_dir_all(&self.dir)?;
        crate::lock::sweep_dead_temps(&self.dir);
        self.sweep_other_versions();
        let number = live.first().map_or(1, |s| s.number + 1);
        let tmp = self.temp_path(number);
        let skel_tmp = self.temp_path_of(number, "skel");
        let written = self.write_segment(history, head, &known, deep, cut, &tmp, &skel_tmp);
        let result = written.and_then(|mut ids| {
            fs::write(self.segment_path(number, "ids"), ids_bytes(&mut ids))?;
            fs::rename(&skel_tmp, self.segment_path(number, "skel"))?;
            self.publish(&tmp, number)
        });
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(&skel_tmp);
        result?;
        if live.len() + 1 > MAX_SEGMENTS {
            self.compact(head)?;
        }
        Ok(())
    }

    /// Links a finished segment into place; when another process wrote that
    /// segment first, theirs is kept and this query walks git.
    fn publish(&self, tmp: &Path, number: u32) -> Result<(), Trouble> {
        match fs::hard_link(tmp, self.segment_path(number, "jsonl")) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Trouble::NotIndexed)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Writes the commits reachable from `head` and committed at or after
    /// `cut` that `known` lacks, newest first, to `path` with a footer and
    /// their skeleton to `skel`; returns their ids. Known commits are
    /// walked through (to reach older ones) unless the index is `deep`
    /// enough already.
    #[allow(clippy::too_many_arguments)]
    fn write_segment(
        &self,
        history: &History<'_>,
        head: Oid,
        known: &Known,
        deep: bool,
        cut: Option<i64>,
        path: &Path,
        skel: &Path,
    ) -> Result<Vec<[u8; 20]>, Trouble> {
        let mut out = SegmentOut::create(path, skel)?;
        let mut ids: Vec<[u8; 20]> = Vec::new();
        // The build's own readers, with small caches, dropped when done.
        let repo = history.objects.repo;
        let build = self.build;
        let objects = &Objects::new(repo, &self.prefix, build.walk_cache);
        let mut walk = Walk::new(objects, head)?;
        let skip =
            |id: &Oid, time: i64| cut.is_some_and(|c| time < c) || (deep && known.contains(id));
        let mut batch = Vec::with_capacity(build.job);
        let mut more = true;
        let mut next_batch = |batch: &mut Vec<Walked>| -> Result<bool, Trouble> {
            batch.clear();
            while batch.len() < build.job {
                match walk.next(objects, &skip)? {
                    Some((id, _)) if known.contains(&id) => {}
                    Some((id, book)) => {
                        ids.push(raw(&id));
                        batch.push(Walked::new(id, &book));
                    }
                    None => return Ok(false),
                }
            }
            Ok(true)
        };
        more &= next_batch(&mut batch)?;
        if !more || build.workers < 2 {
            // Few new commits (the usual case: HEAD moved by a commit or
            // two), or one core: diff them here.
            let history = Book::history_for_build(repo, &self.prefix, build.diff_cache);
            loop {
                let mut written = Written::default();
                history.write_entries(&batch, &mut written)?;
                out.take(written)?;
                if !more {
                    break;
                }
                more &= next_batch(&mut batch)?;
            }
        } else {
            let git_dir = repo.path().to_path_buf();
            parallel(
                &git_dir,
                &self.prefix,
                &build,
                &mut out,
                std::mem::take(&mut batch),
                || {
                    let mut fresh = Vec::with_capacity(build.job);
                    let more = next_batch(&mut fresh)?;
                    Ok((fresh, more))
                },
            )?;
        }
        let footer = Footer {
            kehu_history_index: VERSION,
            prefix: self.prefix.clone(),
            tip: hex(head),
            count: ids.len() as u64,
            whole: false,
            floor: cut,
        };
        out.finish(&footer, &raw(&head))?;
        Ok(ids)
    }

    /// Merges the live segments into one new segment that holds them whole,
    /// then removes them.
    fn compact(&self, head: Oid) -> Result<(), Trouble> {
        let live = self.live()?;
        let Some(newest) = live.first() else {
            return Ok(());
        };
        let number = newest.number + 1;
        let tmp = self.temp_path(number);
        let skel_tmp = self.temp_path_of(number, "skel");
        let result = (|| {
            let mut out = SegmentOut::create(&tmp, &skel_tmp)?;
            let mut readers = self.open_readers(&live)?;
            let mut heap = BinaryHeap::new();
            for (i, r) in readers.iter().enumerate() {
                if let Some(t) = r.time() {
                    heap.push((t, r.number, i));
                }
            }
            let mut entry = Vec::new();
            while let Some((_, _, i)) = heap.pop() {
                let r = &mut readers[i];
                let Some(mut rec) = r.advance()? else { break };
                r.seek(rec.at)?;
                entry.clear();
                r.pos += r.lines.read_until(b'\n', &mut entry)? as u64;
                while next_is_customer(&mut r.lines)? {
                    r.pos += r.lines.read_until(b'\n', &mut entry)? as u64;
                }
                rec.at = out.len;
                out.lines.write_all(&entry)?;
                out.len += entry.len() as u64;
                out.skel.push(&rec)?;
                if let Some(t) = r.time() {
                    heap.push((t, r.number, i));
                }
            }
            let footer = Footer {
                kehu_history_index: VERSION,
                prefix: self.prefix.clone(),
                tip: hex(head),
                count: out.skel.count(),
                whole: true,
                floor: newest.footer.floor,
            };
            out.finish(&footer, &raw(&head))?;
            let mut ids = self.known(&live)?.0;
            fs::write(self.segment_path(number, "ids"), ids_bytes(&mut ids))?;
            fs::rename(&skel_tmp, self.segment_path(number, "skel"))?;
            self.publish(&tmp, number)
        })();
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(&skel_tmp);
        result?;
        for segment in &live {
            for ext in ["jsonl", "ids", "skel"] {
                let _ = fs::remove_file(self.segment_path(segment.number, ext));
            }
        }
        Ok(())
    }

    fn open_readers(&self, live: &[Segment]) -> Result<Vec<SegmentReader>, Trouble> {
        let mut readers = Vec::with_capacity(live.len());
        for segment in live {
            let tip = Oid::from_str(&segment.footer.tip).map_err(|_| {
                Trouble::Corrupt(format!("segment {} names no tip", segment.number))
            })?;
            let skel = skeleton::Reader::open(
                &self.segment_path(segment.number, "skel"),
                &raw(&tip),
                segment.footer.count,
            )?;
            let file = File::open(self.segment_path(segment.number, "jsonl"))?;
            let mut reader = SegmentReader {
                number: segment.number,
                skel,
                next: None,
                lines: BufReader::new(file),
                pos: 0,
                text: String::new(),
            };
            reader.advance()?;
            readers.push(reader);
        }
        Ok(readers)
    }

    /// Streams the entries of the commits reachable from `start` (which
    /// must be indexed), newest first by committer time, until `visit`
    /// breaks, an entry is older than `stop_below`, or none is left.
    pub(crate) fn read(
        &self,
        start: Oid,
        stop_below: Option<i64>,
        visit: impl FnMut(EntryRef<'_>, &mut Customers<'_>) -> Result<ControlFlow<()>, Trouble>,
    ) -> Result<(), Trouble> {
        self.read_narrowed(start, stop_below, &Narrow::default(), visit)
    }

    /// [`Index::read`], visiting only the entries `narrow` may keep: the
    /// others are walked through on their skeleton records (see
    /// [`skeleton`]), their lines never read.
    ///
    /// Segments are merged by committer time, which puts a child before its
    /// parents as long as clocks agree. A commit dated after its child (a
    /// wrong clock, a rebase) can come first, before anything wants it: it
    /// is set aside with where it is, and read back from there as soon as a
    /// child asks for it, as the walk over git would visit it.
    pub(crate) fn read_narrowed(
        &self,
        start: Oid,
        stop_below: Option<i64>,
        narrow: &Narrow,
        mut visit: impl FnMut(EntryRef<'_>, &mut Customers<'_>) -> Result<ControlFlow<()>, Trouble>,
    ) -> Result<(), Trouble> {
        let live = self.live()?;
        if live.is_empty() {
            return Err(Trouble::NotIndexed);
        }
        let start_hex = hex(start);
        if !live.iter().any(|s| s.footer.tip == start_hex) && !self.known(&live)?.contains(&start) {
            return Err(Trouble::NotIndexed);
        }
        let mut readers = self.open_readers(&live)?;
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter().enumerate() {
            if let Some(t) = r.time() {
                heap.push((t, r.number, i));
            }
        }
        let mut wanted: HashSet<[u8; 20], skeleton::Ids> = HashSet::default();
        wanted.insert(raw(&start));
        // Records passed over before anything wanted them, by id, with
        // their reader.
        let mut passed: HashMap<[u8; 20], (usize, Rec), skeleton::Ids> = HashMap::default();
        // Records passed over that a child has asked for since: (committer
        // time, reader, where the line is), and the records themselves.
        let mut late: BinaryHeap<(i64, usize, u64)> = BinaryHeap::new();
        let mut late_recs: HashMap<(usize, u64), Rec> = HashMap::new();
        loop {
            let streamed = heap.peek().map(|&(t, _, _)| t);
            let next_late = late.peek().map(|&(t, _, _)| t);
            let from_late = match (next_late, streamed) {
                (Some(l), Some(s)) => l > s,
                (Some(_), None) => true,
                (None, _) => false,
            };
            let Some(t) = (if from_late { next_late } else { streamed }) else {
                break;
            };
            if wanted.is_empty() || stop_below.is_some_and(|cut| t < cut) {
                return Ok(());
            }
            let (i, rec) = if from_late {
                let Some((_, i, at)) = late.pop() else { break };
                let Some(rec) = late_recs.remove(&(i, at)) else {
                    break;
                };
                wanted.remove(&rec.id);
                (i, rec)
            } else {
                let Some((_, _, i)) = heap.pop() else { break };
                let r = &mut readers[i];
                let Some(rec) = r.advance()? else { break };
                if let Some(t) = r.time() {
                    heap.push((t, r.number, i));
                }
                if !wanted.remove(&rec.id) {
                    passed.insert(rec.id, (i, rec));
                    continue;
                }
                (i, rec)
            };
            for parent in rec.parents() {
                if let Some((j, parent_rec)) = passed.remove(parent) {
                    late.push((parent_rec.t, j, parent_rec.at));
                    late_recs.insert((j, parent_rec.at), parent_rec);
                }
                wanted.insert(*parent);
            }
            if !narrow.may_keep(&rec) {
                continue;
            }
            let SegmentReader {
                lines, pos, text, ..
            } = &mut readers[i];
            seek(lines, pos, rec.at)?;
            text.clear();
            *pos += lines.read_line(text)? as u64;
            let json = text
                .split_once('\t')
                .map_or("", |(_, json)| json.trim_end_matches('\n'));
            let entry: EntryRef<'_> = serde_json::from_str(json).map_err(corrupt)?;
            if !entry.c.eq_ignore_ascii_case(&hex_of(&rec.id)) {
                return Err(Trouble::Corrupt(format!(
                    "segment {}: a skeleton record is not its line's",
                    readers[i].number
                )));
            }
            let mut customers = Customers {
                reader: lines,
                consumed: pos,
                line: String::new(),
                done: false,
            };
            if visit(entry, &mut customers)?.is_break() {
                return Ok(());
            }
        }
        // Below a floor the parents are missing on purpose.
        if let Some(missing) = wanted.iter().next()
            && live[0].footer.floor.is_none()
        {
            return Err(Trouble::Corrupt(format!(
                "commit {} is not indexed",
                hex_of(missing)
            )));
        }
        Ok(())
    }
}

/// Which entries a reader visits: [`Narrow::default`] every one, else only
/// those whose skeleton record says a query may keep something of them
/// (see [`Narrow::of`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Narrow {
    /// The query's days, as [`skeleton::day_number`]s.
    since: Option<i32>,
    until: Option<i32>,
    /// Visit only entries with a change record.
    changes: bool,
    /// Whether a commit that only changed `kehu.toml` is kept.
    rules_alone: bool,
    /// The bits of the trailer keys asked for; `None`: any commit.
    trailers: Option<Vec<u64>>,
    /// Whether customers are narrowed (by fields or to contacts).
    narrows: bool,
    /// Only contacts.
    contacts: bool,
    /// The bits of the fields reported; `None`: every field.
    fields: Option<Vec<u64>>,
}

impl Narrow {
    /// The entries a log query may keep something of (a superset: the
    /// query still filters what it reads).
    pub(crate) fn of(query: &LogQuery) -> Narrow {
        let filter = &query.filter;
        let names = |set: &std::collections::BTreeSet<String>| {
            set.iter().map(|name| skeleton::bits(name)).collect()
        };
        Narrow {
            since: query.since.map(skeleton::day_number),
            until: query.until.map(skeleton::day_number),
            changes: true,
            rules_alone: filter.is_everything(),
            trailers: filter.trailers.as_ref().map(names),
            narrows: filter.fields.is_some() || filter.contacts,
            contacts: filter.contacts,
            fields: filter.fields.as_ref().map(names),
        }
    }

    /// Whether an entry may hold something the query keeps.
    fn may_keep(&self, rec: &Rec) -> bool {
        if !self.changes {
            return true;
        }
        let has = |flag| rec.flags & flag != 0;
        if !has(skeleton::CHANGE)
            || self.since.is_some_and(|d| rec.day < d)
            || self.until.is_some_and(|d| rec.day > d)
        {
            return false;
        }
        if let Some(keys) = &self.trailers
            && !keys.iter().any(|&k| skeleton::may_hold(rec.trailers, k))
        {
            return false;
        }
        if !has(skeleton::CUSTOMERS) {
            return self.rules_alone && has(skeleton::RULES);
        }
        if !self.narrows || has(skeleton::RENAME) {
            return true;
        }
        if self.contacts {
            return has(skeleton::CONTACT)
                || skeleton::may_hold(rec.fields, skeleton::bits(CONTACT_FIELD));
        }
        self.fields
            .as_ref()
            .is_none_or(|fields| fields.iter().any(|&f| skeleton::may_hold(rec.fields, f)))
    }
}

/// Moves a segment's line reader, at `pos`, to `at` (within its buffer
/// when it can).
fn seek(lines: &mut BufReader<File>, pos: &mut u64, at: u64) -> Result<(), Trouble> {
    if at != *pos {
        let by = i64::try_from(at)
            .ok()
            .zip(i64::try_from(*pos).ok())
            .map(|(to, from)| to - from)
            .ok_or_else(|| Trouble::Corrupt("an offset out of range".to_owned()))?;
        lines.seek_relative(by)?;
        *pos = at;
    }
    Ok(())
}

/// One segment being read: its skeleton, its next record, and its lines.
struct SegmentReader {
    number: u32,
    skel: skeleton::Reader,
    /// The next record; `None` at the end.
    next: Option<Rec>,
    /// The segment's lines, read where a record says.
    lines: BufReader<File>,
    /// Where `lines` is.
    pos: u64,
    /// The line being read.
    text: String,
}

impl SegmentReader {
    /// The next record's committer time; `None` at the end.
    fn time(&self) -> Option<i64> {
        self.next.as_ref().map(|rec| rec.t)
    }

    /// Hands out the next record and reads the one after.
    fn advance(&mut self) -> Result<Option<Rec>, Trouble> {
        let next = self.skel.next()?;
        Ok(std::mem::replace(&mut self.next, next))
    }

    /// Moves the line reader to `at`.
    fn seek(&mut self, at: u64) -> Result<(), Trouble> {
        seek(&mut self.lines, &mut self.pos, at)
    }
}

/// The raw bytes of a commit id.
fn raw(id: &Oid) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(id.as_bytes());
    out
}

/// A raw commit id in hex.
fn hex_of(id: &[u8; 20]) -> String {
    Oid::from_bytes(id).map_or_else(|_| String::new(), |id| id.to_string())
}

/// A job's index lines and their skeleton records (offsets from the job's
/// first byte).
#[derive(Default)]
struct Written {
    lines: Lines,
    /// Bytes in `lines`.
    len: u64,
    recs: Vec<Rec>,
}

impl Written {
    /// Appends what `write` puts in the buffer, counting it.
    fn append(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), GitError>,
    ) -> Result<(), GitError> {
        let buf = self.lines.buf();
        let before = buf.len();
        write(buf)?;
        self.len += (buf.len() - before) as u64;
        Ok(())
    }
}

/// A segment being written: its lines (counted) and its skeleton.
struct SegmentOut {
    lines: BufWriter<File>,
    len: u64,
    skel: skeleton::Writer,
}

impl SegmentOut {
    fn create(lines: &Path, skel: &Path) -> Result<SegmentOut, Trouble> {
        Ok(SegmentOut {
            lines: BufWriter::new(File::create(lines)?),
            len: 0,
            skel: skeleton::Writer::create(skel)?,
        })
    }

    /// Appends a job's lines and records.
    fn take(&mut self, written: Written) -> Result<(), Trouble> {
        written.lines.copy_to(&mut self.lines)?;
        for mut rec in written.recs {
            rec.at += self.len;
            self.skel.push(&rec)?;
        }
        self.len += written.len;
        Ok(())
    }

    /// Writes the footer and syncs both files.
    fn finish(mut self, footer: &Footer, tip: &[u8; 20]) -> Result<(), Trouble> {
        serde_json::to_writer(&mut self.lines, footer).map_err(std::io::Error::from)?;
        self.lines.write_all(b"\n")?;
        self.lines
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        self.skel.finish(tip)
    }
}

/// A commit the build's walk found, with what the walk read of it, handed
/// to a diffing thread (which then need not read it again).
pub(crate) struct Walked {
    id: Oid,
    customers: Option<Oid>,
    rules: Option<Oid>,
    time: i64,
    parents: Box<[Oid]>,
}

impl Walked {
    fn new(id: Oid, book: &BookIds) -> Walked {
        Walked {
            id,
            customers: book.customers,
            rules: book.rules,
            time: book.time,
            parents: book.parents.iter().copied().collect(),
        }
    }
}

impl History<'_> {
    /// Writes the index lines of a job of commits, in order, told what the
    /// walk read of each (a commit's parent is mostly the next one).
    fn write_entries(&self, job: &[Walked], out: &mut Written) -> Result<(), Trouble> {
        for walked in job {
            self.objects.remember(
                walked.id,
                BookIds {
                    customers: walked.customers,
                    rules: walked.rules,
                    time: walked.time,
                    parents: walked.parents.iter().copied().collect(),
                },
            );
        }
        job.iter()
            .try_for_each(|walked| self.write_entry(walked.id, out))
    }

    /// Writes the index lines of one commit: the commit line, then one line
    /// per customer change (every field), streamed; and its skeleton record.
    fn write_entry(&self, id: Oid, out: &mut Written) -> Result<(), Trouble> {
        let ids = self.objects.book_ids_by_id(id)?;
        let parents = ids.parents.iter().map(Oid::to_string).collect::<Vec<_>>();
        let rec = Rec::new(raw(&id), ids.time, out.len, ids.parents.iter().map(raw));
        let out = std::cell::RefCell::new(out);
        let rec_cell = std::cell::RefCell::new(rec);
        let mut headed = false;
        self.commit_change_each(
            id,
            &ids,
            None,
            |_| true,
            |info, rules| {
                let contact = is_contact(&info);
                let mut rec = rec_cell.borrow_mut();
                rec.day = skeleton::day_number(info.date);
                rec.flags |= skeleton::CHANGE
                    | if contact { skeleton::CONTACT } else { 0 }
                    | if rules { skeleton::RULES } else { 0 };
                rec.trailers = info
                    .trailers
                    .iter()
                    .fold(0, |mask, (key, _)| mask | skeleton::bits(key));
                let entry = EntryOut {
                    c: hex(id),
                    p: parents.clone(),
                    t: ids.time,
                    b: Some(ChangeOut {
                        day: info.date,
                        at: info.timestamp,
                        kind: info.kind,
                        contact,
                        rules,
                        info: &info,
                    }),
                };
                headed = true;
                out.borrow_mut().append(|buf| line(buf, ids.time, &entry))
            },
            |change| {
                let mut rec = rec_cell.borrow_mut();
                rec.flags |= skeleton::CUSTOMERS
                    | if change.old_id.is_some() {
                        skeleton::RENAME
                    } else {
                        0
                    };
                rec.fields = change
                    .fields
                    .iter()
                    .fold(rec.fields, |mask, f| mask | skeleton::bits(&f.field));
                let mut out = out.borrow_mut();
                out.append(|buf| {
                    buf.push(b'\t');
                    serde_json::to_writer(&mut *buf, &change)
                        .map_err(|e| GitError::backend("writing the history index", e))?;
                    buf.push(b'\n');
                    Ok(())
                })?;
                out.lines
                    .settle()
                    .map_err(|e| GitError::backend("writing the history index", e))
            },
        )?;
        let out = out.into_inner();
        if !headed {
            let entry = EntryOut {
                c: hex(id),
                p: parents,
                t: ids.time,
                b: None,
            };
            out.append(|buf| line(buf, ids.time, &entry))?;
        }
        out.recs.push(rec_cell.into_inner());
        // Written once, newest first: no later commit asks for this one's
        // ids (its parents' stay until they are written in turn).
        self.objects.forget(id);
        Ok(())
    }
}

/// Appends `<time>\t<json>\n`.
fn line(out: &mut Vec<u8>, time: i64, entry: &EntryOut<'_>) -> Result<(), GitError> {
    out.extend_from_slice(time.to_string().as_bytes());
    out.push(b'\t');
    serde_json::to_writer(&mut *out, entry)
        .map_err(|e| GitError::backend("writing the history index", e))?;
    out.push(b'\n');
    Ok(())
}

/// Diffs batches of commits on the build's worker threads (each with its
/// own repository handle) and writes their lines to `out` in walk order.
/// `first` is the first batch; `next` gives the following ones and whether
/// more may come.
fn parallel(
    git_dir: &Path,
    prefix: &str,
    build: &Build,
    out: &mut SegmentOut,
    first: Vec<Walked>,
    mut next: impl FnMut() -> Result<(Vec<Walked>, bool), Trouble>,
) -> Result<(), Trouble> {
    let workers = build.workers;
    let mut repos = Vec::with_capacity(workers);
    for _ in 0..workers {
        repos.push(
            git2::Repository::open(git_dir)
                .map_err(|e| GitError::backend("opening the repository", e.message()))?,
        );
    }
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Vec<Walked>)>(workers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Written, Trouble>)>();
        for repo in repos {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let history = Book::history_for_build(&repo, prefix, build.diff_cache);
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, job)) = job else { return };
                    let mut lines = Written::default();
                    let result = history.write_entries(&job, &mut lines).map(|()| lines);
                    if done_tx.send((seq, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut ready: BTreeMap<usize, Written> = BTreeMap::new();
        let mut written = 0usize;
        let mut failure: Option<Trouble> = None;
        let write_ready = |ready: &mut BTreeMap<usize, Written>,
                           written: &mut usize,
                           out: &mut SegmentOut|
         -> Result<(), Trouble> {
            while let Some(lines) = ready.remove(written) {
                out.take(lines)?;
                *written += 1;
            }
            Ok(())
        };
        let mut sent = 0usize;
        let mut batch = first;
        let mut more = true;
        loop {
            // At most two jobs per worker in flight: results that wait for
            // an earlier, slower job are held in memory meanwhile.
            while sent - written >= 2 * workers && failure.is_none() {
                let Ok((seq, result)) = done_rx.recv() else {
                    break;
                };
                match result {
                    Ok(buf) => {
                        ready.insert(seq, buf);
                    }
                    Err(trouble) => failure = Some(trouble),
                }
                if let Err(trouble) = write_ready(&mut ready, &mut written, out) {
                    failure = failure.or(Some(trouble));
                }
            }
            if failure.is_some() || job_tx.send((sent, batch)).is_err() {
                break;
            }
            sent += 1;
            while let Ok((seq, result)) = done_rx.try_recv() {
                match result {
                    Ok(buf) => {
                        ready.insert(seq, buf);
                    }
                    Err(trouble) => failure = failure.or(Some(trouble)),
                }
            }
            if let Err(trouble) = write_ready(&mut ready, &mut written, out) {
                failure = failure.or(Some(trouble));
            }
            if failure.is_some() || !more {
                break;
            }
            match next() {
                Ok((fresh, again)) => {
                    more = again;
                    if fresh.is_empty() {
                        break;
                    }
                    batch = fresh;
                }
                Err(trouble) => {
                    failure = Some(trouble);
                    break;
                }
            }
        }
        drop(job_tx);
        for (seq, result) in done_rx {
            match result {
                Ok(buf) => {
                    ready.insert(seq, buf);
                }
                Err(trouble) => failure = failure.or(Some(trouble)),
            }
        }
        if failure.is_none()
            && let Err(trouble) = write_ready(&mut ready, &mut written, out)
        {
            failure = Some(trouble);
        }
        match failure {
            Some(trouble) => Err(trouble),
            None if written != sent => Err(Trouble::Corrupt("a worker stopped early".into())),
            None => Ok(()),
        }
    })
}
