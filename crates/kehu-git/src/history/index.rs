//! A derived, rebuildable index of the book's first-parent history in
//! `.git/kehu/history-v2`: one JSON line per commit, newest first, with the
//! customer changes the commit made against its first parent (every field),
//! its author day, kind, whether it records a contact, and its full record,
//! so a query the index answers reads no git object at all.
//!
//! Commits never change, so an entry never goes stale: when HEAD moves on,
//! the new commits are diffed once and put in front of the old entries
//! (found by id, so an amended or rebased tip costs only the commits that
//! differ); a query reaching further back than the index extends it
//! downwards. The last line is a footer naming the tip and the bottom of the
//! chain; a file without a valid footer, with entries that do not chain, or
//! written by another version is thrown away and rebuilt. It is written to a
//! temporary file and renamed into place, so readers never see half a file,
//! and it is never committed (it lives inside `.git/`). Reading streams the
//! file line by line, so memory stays in proportion to one commit.
//!
//! Nothing depends on the index being there: any trouble reading or writing
//! it, and the history falls back to walking git.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use std::borrow::Cow;

use git2::Oid;
use kehu_core::Date;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::History;
use super::filter::ChangeFilter;
use super::records::{CommitInfo, CustomerChange, FieldChange, Kind, Status};

/// Bump when the meaning of an entry changes (how fields are diffed …).
pub(crate) const VERSION: u32 = 2;

/// One first-parent commit as the index keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The commit id (hex). Serialized first: the splice search looks for it.
    pub c: String,
    /// The first parent (hex), `None` at the root.
    pub p: Option<String>,
    /// Committer time in seconds (the walk's cutoff reads it).
    pub t: i64,
    /// What the commit changed in the book; `None` when the `customers/`
    /// tree and `kehu.toml` equal its parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<Change>,
}

/// What a commit changed, with what the history's filters need to know
/// about the commit without reading it from git.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Change {
    /// The author's day.
    pub day: Date,
    /// Author time in seconds.
    pub at: i64,
    /// The kind, from `Kehu-Command`.
    pub kind: Kind,
    /// Whether the commit records a contact.
    pub contact: bool,
    /// Whether `kehu.toml` changed.
    pub rules: bool,
    /// The customers changed, every field.
    pub customers: Vec<CustomerChange>,
    /// The commit's full record (what `log` prints), so a query answered
    /// from the index reads no git object.
    pub info: CommitInfo,
}

/// An entry as read back, borrowing from its line: the customers and the
/// commit record stay raw JSON until a reader asks for them.
#[derive(Deserialize)]
pub(crate) struct EntryRef<'a> {
    #[serde(borrow)]
    pub c: &'a str,
    #[serde(borrow)]
    pub p: Option<&'a str>,
    pub t: i64,
    #[serde(borrow, default)]
    pub b: Option<ChangeRef<'a>>,
}

/// [`Change`] as read back.
#[derive(Deserialize)]
pub(crate) struct ChangeRef<'a> {
    pub day: Date,
    pub at: i64,
    pub kind: Kind,
    pub contact: bool,
    pub rules: bool,
    #[serde(borrow)]
    pub customers: &'a RawValue,
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

impl ChangeRef<'_> {
    /// The customers, with only the fields `filter` needs decoded, then
    /// narrowed by it (see [`ChangeFilter`]).
    pub(crate) fn customers(&self, filter: &ChangeFilter) -> Result<Vec<CustomerChange>, Trouble> {
        let raw: Vec<CustomerRef<'_>> =
            serde_json::from_str(self.customers.get()).map_err(corrupt)?;
        let needed = filter.needed();
        let mut out = Vec::with_capacity(raw.len());
        for c in raw {
            let mut fields = Vec::new();
            for f in c.fields {
                if needed
                    .as_ref()
                    .is_some_and(|set| !set.contains(f.field.as_ref()))
                {
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
            out.extend(filter.customer(self.contact, change));
        }
        Ok(out)
    }

    /// The commit's full record.
    pub(crate) fn info(&self) -> Result<CommitInfo, Trouble> {
        serde_json::from_str(self.info.get()).map_err(corrupt)
    }
}

/// The last line: what the file covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Footer {
    kehu_history_index: u32,
    /// The book's place in the repository.
    prefix: String,
    /// The newest entry's commit.
    tip: String,
    /// The oldest entry's commit, its time and its first parent.
    bottom: String,
    bottom_time: i64,
    bottom_parent: Option<String>,
}

/// Why the index could not be used (the caller then walks git).
pub(crate) enum Trouble {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The file is not a valid index; it is removed.
    Corrupt(String),
    /// Git failed while diffing a commit for the index.
    Git(crate::GitError),
    /// The commit asked for is not on the indexed first-parent line.
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

/// The index file of one book.
#[derive(Clone, Debug)]
pub(crate) struct Index {
    path: PathBuf,
    prefix: String,
}

fn hex(id: Oid) -> String {
    id.to_string()
}

fn oid(text: &str) -> Result<Oid, Trouble> {
    Oid::from_str(text).map_err(|_| Trouble::Corrupt(format!("bad commit id `{text}`")))
}

/// The footer of `file`, if it has a valid one; and where it starts.
fn read_footer(file: &mut File) -> Option<(Footer, u64)> {
    let len = file.metadata().ok()?.len();
    let tail = len.min(4096);
    file.seek(SeekFrom::Start(len - tail)).ok()?;
    let mut buf = Vec::with_capacity(tail as usize);
    file.read_to_end(&mut buf).ok()?;
    let body = buf.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let footer: Footer = serde_json::from_slice(&body[start..]).ok()?;
    Some((footer, len - tail + start as u64))
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
            path: git_dir.join("kehu").join(name),
            prefix: prefix.to_owned(),
        }
    }

    /// Where the index lives.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The current footer, when the file exists, is ours and is whole.
    fn footer(&self) -> Option<(Footer, u64)> {
        let mut file = File::open(&self.path).ok()?;
        let (footer, at) = read_footer(&mut file)?;
        (footer.kehu_history_index == VERSION && footer.prefix == self.prefix)
            .then_some((footer, at))
    }

    /// Throws the file away (it is derived; the next query rebuilds it).
    pub(crate) fn discard(&self) {
        let _ = fs::remove_file(&self.path);
    }

    /// Makes the index cover the first-parent line of `head` down to the
    /// first commit older than `cutoff` (to the root for `None`).
    pub(crate) fn ensure(
        &self,
        history: &History<'_>,
        head: Oid,
        cutoff: Option<i64>,
    ) -> Result<(), Trouble> {
        let old = self.footer();
        let covers = |bottom_time: i64, bottom_parent: &Option<String>| {
            bottom_parent.is_none() || cutoff.is_some_and(|cut| bottom_time < cut)
        };
        if let Some((f, _)) = &old
            && f.tip == hex(head)
            && covers(f.bottom_time, &f.bottom_parent)
        {
            return Ok(());
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            self.path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        let result = self.rewrite(history, head, cutoff, old, &tmp);
        match result {
            Ok(()) => fs::rename(&tmp, &self.path).map_err(Trouble::Io),
            Err(error) => {
                let _ = fs::remove_file(&tmp);
                Err(error)
            }
        }
    }

    fn rewrite(
        &self,
        history: &History<'_>,
        head: Oid,
        cutoff: Option<i64>,
        old: Option<(Footer, u64)>,
        tmp: &Path,
    ) -> Result<(), Trouble> {
        let mut out = BufWriter::new(File::create(tmp)?);
        let mut bottom: Option<Entry> = None;
        let mut old = old;
        let mut splice: Option<u64> = None;
        let mut current = Some(head);
        let mut searched = false;
        // New commits on top, until the old tip (or any old entry) is met.
        while let Some(id) = current {
            if let Some((f, _)) = &old {
                if f.tip == hex(id) {
                    splice = Some(0);
                    break;
                }
                let time = history.objects.book_ids_by_id(id)?.time;
                if !searched && time <= tip_time(&self.path, f)? {
                    searched = true;
                    match self.find(&hex(id))? {
                        Some(offset) => {
                            splice = Some(offset);
                            break;
                        }
                        None => old = None,
                    }
                }
            }
            let entry = history.index_entry(id)?;
            current = entry.p.as_deref().map(oid).transpose()?;
            write_entry(&mut out, &entry)?;
            let below = cutoff.is_some_and(|cut| entry.t < cut);
            bottom = Some(entry);
            if old.is_none() && below {
                break;
            }
        }
        let (mut bottom_id, mut bottom_time, mut bottom_parent) = match &bottom {
            Some(e) => (e.c.clone(), e.t, e.p.clone()),
            None => (hex(head), 0, None),
        };
        if let (Some(offset), Some((f, footer_at))) = (splice, &old) {
            let mut file = File::open(&self.path)?;
            file.seek(SeekFrom::Start(offset))?;
            let copied = std::io::copy(&mut (&mut file).take(footer_at - offset), &mut out)?;
            if copied != footer_at - offset {
                return Err(Trouble::Corrupt("the index is shorter than it says".into()));
            }
            bottom_id.clone_from(&f.bottom);
            bottom_time = f.bottom_time;
            bottom_parent.clone_from(&f.bottom_parent);
        }
        // Older commits below the bottom, down to the cutoff.
        let mut below = bottom_parent.as_deref().map(oid).transpose()?;
        while let Some(id) = below {
            if cutoff.is_some_and(|cut| bottom_time < cut) {
                break;
            }
            let entry = history.index_entry(id)?;
            below = entry.p.as_deref().map(oid).transpose()?;
            write_entry(&mut out, &entry)?;
            bottom_id.clone_from(&entry.c);
            bottom_time = entry.t;
            bottom_parent.clone_from(&entry.p);
        }
        let footer = Footer {
            kehu_history_index: VERSION,
            prefix: self.prefix.clone(),
            tip: hex(head),
            bottom: bottom_id,
            bottom_time,
            bottom_parent,
        };
        serde_json::to_writer(&mut out, &footer).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    }

    /// The byte offset of the entry of commit `id` in the current file.
    fn find(&self, id: &str) -> Result<Option<u64>, Trouble> {
        let needle = format!("{{\"c\":\"{id}\"");
        let mut reader = BufReader::new(File::open(&self.path)?);
        let mut offset = 0u64;
        let mut line = String::new();
        loop {
            line.clear();
            let read = reader.read_line(&mut line)?;
            if read == 0 {
                return Ok(None);
            }
            if line.starts_with(&needle) {
                return Ok(Some(offset));
            }
            offset += read as u64;
        }
    }

    /// Streams the entries of the first-parent line from `start` (which
    /// must be indexed), newest first, until `visit` breaks or the index
    /// ends. Checks that the entries chain.
    pub(crate) fn read(
        &self,
        start: Oid,
        mut visit: impl FnMut(EntryRef<'_>) -> Result<ControlFlow<()>, Trouble>,
    ) -> Result<(), Trouble> {
        let Some((footer, footer_at)) = self.footer() else {
            return Err(Trouble::NotIndexed);
        };
        let start = hex(start);
        let mut reader = BufReader::new(File::open(&self.path)?.take(footer_at));
        let mut line = String::new();
        let mut expect: Option<String> = Some(footer.tip.clone());
        let mut started = false;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            let entry: EntryRef<'_> = serde_json::from_str(&line).map_err(corrupt)?;
            if expect.as_deref() != Some(entry.c) {
                return Err(Trouble::Corrupt(format!(
                    "entry {} does not follow its child",
                    entry.c
                )));
            }
            expect = entry.p.map(str::to_owned);
            if !started {
                if entry.c != start {
                    continue;
                }
                started = true;
            }
            if visit(entry)?.is_break() {
                return Ok(());
            }
        }
        if !started {
            return Err(Trouble::NotIndexed);
        }
        if expect != footer.bottom_parent {
            return Err(Trouble::Corrupt("the entries end before the bottom".into()));
        }
        Ok(())
    }
}

/// The committer time of the footer's tip (the first entry's `t`).
fn tip_time(path: &Path, footer: &Footer) -> Result<i64, Trouble> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let entry: EntryRef<'_> = serde_json::from_str(&line).map_err(corrupt)?;
    if entry.c != footer.tip {
        return Err(Trouble::Corrupt("the first entry is not the tip".into()));
    }
    Ok(entry.t)
}

fn write_entry(out: &mut impl Write, entry: &Entry) -> Result<(), Trouble> {
    serde_json::to_writer(&mut *out, entry).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}
