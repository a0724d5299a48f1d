//! The last answer of `last_contacts`, kept beside the history index
//! (`contact-answers-v1`): the agenda asks the same question on every run
//! of a day (each view, each owner's plan, the calendar export), and the
//! answer is a small record per customer where the question reads a year
//! of commits.
//!
//! Derived like the digest of [`super::contact_digest`] and never a second
//! source of truth: kept under the index's state ([`IndexState`]), the
//! query's start commit and its window, used only when all of them match,
//! written to a temporary file renamed into place. A file that does not
//! match or does not read is passed over and replaced by the next answer.

use kehu_core::Date;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, BufReader};

use super::LogQuery;
use super::contact_digest::{Indexed, Reader, put_day, put_text, read_header};
use super::contacts::ContactLog;
use super::index::IndexState;

/// The file's name; bump the number when the layout changes.
const FILE: &str = "contact-answers-v1";

/// What an answer answers: the first line of the file, in JSON.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Key {
    state: IndexState,
    start: String,
    since: Option<Date>,
    until: Option<Date>,
}

/// The header: the key and the number of records that follow.
#[derive(Serialize, Deserialize)]
struct Header {
    key: Key,
    records: u64,
}

/// Flags of a record: which of its days follow, and the bookkeeping mark.
const CONTACT: u8 = 1;
const FIELD: u8 = 2;
const FIELD_DAY: u8 = 4;
const BOOKKEEPING: u8 = 8;

fn key(at: &Indexed<'_>, query: &LogQuery) -> Key {
    Key {
        state: at.state.clone(),
        start: at.start.to_string(),
        since: query.since,
        until: query.until,
    }
}

fn path(at: &Indexed<'_>) -> std::path::PathBuf {
    at.index.dir().join(FILE)
}

/// The kept answer to `query` over the index `at`, if it is the one kept.
pub(super) fn recall(at: &Indexed<'_>, query: &LogQuery) -> Option<Vec<ContactLog>> {
    let mut input = BufReader::new(File::open(path(at)).ok()?);
    let header: Header = read_header(&mut input)?;
    if header.key != key(at, query) {
        return None;
    }
    read_records(Reader::new(input, header.records), header.records).ok()
}

fn read_records(mut reader: Reader<impl io::Read>, count: u64) -> io::Result<Vec<ContactLog>> {
    let mut logs = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(1 << 20));
    for _ in 0..count {
        let id = reader
            .text()?
            .ok_or_else(|| io::Error::other("no id"))?
            .to_owned();
        let flags = reader.byte()?;
        let contact = if flags & CONTACT != 0 {
            Some(reader.day()?)
        } else {
            None
        };
        let field = if flags & FIELD != 0 {
            let value = if flags & FIELD_DAY != 0 {
                Some(reader.day()?)
            } else {
                None
            };
            Some((value, flags & BOOKKEEPING != 0))
        } else {
            None
        };
        logs.push(ContactLog { id, contact, field });
    }
    Ok(logs)
}

/// Keeps `logs` as the answer to `query` over the index `at`, in place of
/// the answer kept before; a failure only costs the next run the query.
pub(super) fn keep(at: &Indexed<'_>, query: &LogQuery, logs: &[ContactLog]) {
    let header = Header {
        key: key(at, query),
        records: logs.len() as u64,
    };
    let Ok(mut bytes) = serde_json::to_vec(&header) else {
        return;
    };
    bytes.push(b'\n');
    if write_records(&mut bytes, logs).is_ok() {
        let _ = kehu_core::edit::write_atomic(&path(at), &bytes);
    }
}

fn write_records(out: &mut Vec<u8>, logs: &[ContactLog]) -> io::Result<()> {
    for log in logs {
        put_text(out, Some(&log.id))?;
        let mut flags = 0;
        if log.contact.is_some() {
            flags |= CONTACT;
        }
        if let Some((value, bookkeeping)) = log.field {
            flags |= FIELD;
            if value.is_some() {
                flags |= FIELD_DAY;
            }
            if bookkeeping {
                flags |= BOOKKEEPING;
            }
        }
        out.push(flags);
        for day in [log.contact, log.field.and_then(|(value, _)| value)]
            .into_iter()
            .flatten()
        {
            put_day(out, day);
        }
    }
    Ok(())
}

/// The file of the kept answer of the book at `root`.
#[cfg(test)]
pub(super) fn file_of(root: &std::path::Path) -> std::path::PathBuf {
    super::index::Index::new(&root.join(".git"), "")
        .dir()
        .join(FILE)
}

#[cfg(test)]
mod tests {
    use super::super::index_tests::{ACME, busy_book, commit, queries, set};
    use super::*;
    use crate::test_support::open;
    use std::path::Path;

    fn day(text: &str) -> Option<Date> {
        text.parse().ok()
    }

    fn decode(bytes: &[u8], count: u64) -> io::Result<Vec<ContactLog>> {
        read_records(Reader::new(bytes, count), count)
    }

    #[test]
    fn records_round_trip() {
        let logs = vec![
            ContactLog {
                id: "acme".into(),
                contact: day("2026-11-18"),
                field: Some((day("2026-11-17"), false)),
            },
            ContactLog {
                id: "中山钢铁".into(),
                contact: None,
                field: Some((None, true)),
            },
            ContactLog {
                id: "zeta".into(),
                contact: day("0001-01-01"),
                field: None,
            },
        ];
        let mut bytes = Vec::new();
        write_records(&mut bytes, &logs).unwrap();
        assert_eq!(decode(&bytes, 3).unwrap(), logs);
        assert!(decode(&bytes[..bytes.len() - 1], 3).is_err());
        assert!(decode(&bytes, 4).is_err());
    }

    /// Every window's answer from the index (kept or not) is git's.
    fn assert_answers_agree(root: &Path) {
        let book = open(root);
        for query in queries() {
            let cold = book.history().last_contacts(&query).unwrap();
            for _ in 0..2 {
                let warm = book.indexed_history().last_contacts(&query).unwrap();
                assert_eq!(warm, cold, "{query:?}");
            }
        }
    }

    #[test]
    fn the_kept_answer_is_the_answer_of_its_key_only() {
        let dir = busy_book();
        let root = dir.path();
        assert_answers_agree(root);
        let query = LogQuery::default();
        let book = open(root);
        let answer = book.indexed_history().last_contacts(&query).unwrap();
        assert!(file_of(root).is_file());
        // The kept answer is what a run with its key reads: doctor it.
        let kept = std::fs::read(file_of(root)).unwrap();
        let newline = kept.iter().position(|b| *b == b'\n').unwrap();
        let mut doctored = kept[..=newline].to_vec();
        let mut changed = answer.clone();
        changed[0].contact = day("2031-01-01");
        write_records(&mut doctored, &changed).unwrap();
        std::fs::write(file_of(root), &doctored).unwrap();
        assert_eq!(
            book.indexed_history().last_contacts(&query).unwrap(),
            changed
        );
        // Another window, or a damaged file: answered from the history.
        let narrow = LogQuery {
            since: day("2026-01-12"),
            ..LogQuery::default()
        };
        assert_eq!(
            book.indexed_history().last_contacts(&narrow).unwrap(),
            book.history().last_contacts(&narrow).unwrap()
        );
        for damaged in [
            kept[..newline + 3].to_vec(),
            b"garbage\n".to_vec(),
            Vec::new(),
        ] {
            std::fs::write(file_of(root), &damaged).unwrap();
            assert_eq!(
                book.indexed_history().last_contacts(&query).unwrap(),
                answer
            );
        }
        // A new commit: the index grows, the kept answer no longer fits.
        std::fs::write(file_of(root), &doctored).unwrap();
        set(root, ACME, "tier = \"strategic\"", "tier = \"key\"");
        commit(root, "2026-02-09T10:00:00+00:00", "grade: acme key");
        drop(book);
        assert_answers_agree(root);
        assert!(file_of(root).is_file());
    }
}
