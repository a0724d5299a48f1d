//! The skeleton of a segment (`seg-NNNNNN.skel`): one small binary record
//! per commit line of the segment, in the same order, holding what a reader
//! needs to walk the commits and to tell whether a query can use an entry:
//! the committer time, the id and parents, where the line starts, the
//! author's day, the commit's flags and two small Bloom masks (its trailer
//! keys, the fields its customer lines change). A reader walks the
//! skeleton and parses the JSON lines of the entries it keeps only, so a
//! question about a rare trailer over a year reads a few megabytes of
//! records instead of a year of lines.
//!
//! The masks only ever say "maybe": an entry they keep is still filtered
//! exactly by the reader (see `Narrow`). The file starts with a header
//! naming the segment's tip and commit count; one that does not match its
//! segment's footer makes the index rebuilt.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::Datelike;
use kehu_core::Date;

use super::Trouble;

/// The first bytes of a skeleton (the format's version is the index's).
const MAGIC: &[u8; 8] = b"kehuskel";

/// Header bytes: the magic, the commit count, the tip.
const HEADER_LEN: usize = 8 + 8 + 20;

/// The entry has a change record (`b` in its line).
pub(crate) const CHANGE: u8 = 1;
/// The commit records a contact.
pub(crate) const CONTACT: u8 = 2;
/// The commit changed `kehu.toml`.
pub(crate) const RULES: u8 = 4;
/// One of its customers was renamed.
pub(crate) const RENAME: u8 = 8;
/// It has at least one customer line.
pub(crate) const CUSTOMERS: u8 = 16;

/// The Bloom bits of a trailer key or field name (two of 64; trailer keys
/// compare without ASCII case, so every name is hashed lowercased).
pub(crate) fn bits(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (1 << (hash & 63)) | (1 << ((hash >> 6) & 63))
}

/// Whether a mask may hold the name whose bits are `name`.
pub(crate) fn may_hold(mask: u64, name: u64) -> bool {
    mask & name == name
}

/// A day as the skeleton stores it.
pub(crate) fn day_number(day: Date) -> i32 {
    day.0.num_days_from_ce()
}

/// Hashes a commit id by its first eight bytes: ids are SHA-1s, already
/// spread evenly, so a reader's sets of ids need no slower hash.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
    }
}

/// Sets and maps keyed by commit ids.
pub(crate) type Ids = std::hash::BuildHasherDefault<IdHasher>;

/// One commit of a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    /// Committer time (what segments are ordered by).
    pub t: i64,
    /// Where the commit's line starts in the segment's `.jsonl`.
    pub at: u64,
    /// The commit id.
    pub id: [u8; 20],
    /// The author's day ([`day_number`]); meaningful with [`CHANGE`].
    pub day: i32,
    /// [`CHANGE`], [`CONTACT`], [`RULES`], [`RENAME`], [`CUSTOMERS`].
    pub flags: u8,
    /// The [`bits`] of its trailer keys.
    pub trailers: u64,
    /// The [`bits`] of the fields its customer lines change.
    pub fields: u64,
    /// Its first parent's id (held inline: most commits have one).
    pub parent: Option<[u8; 20]>,
    /// Its other parents' ids.
    pub more: Vec<[u8; 20]>,
}

impl Rec {
    /// A record of commit `id` with no change yet.
    pub(crate) fn new(
        id: [u8; 20],
        t: i64,
        at: u64,
        parents: impl IntoIterator<Item = [u8; 20]>,
    ) -> Rec {
        let mut parents = parents.into_iter();
        Rec {
            t,
            at,
            id,
            day: 0,
            flags: 0,
            trailers: 0,
            fields: 0,
            parent: parents.next(),
            more: parents.collect(),
        }
    }

    /// Its parents' ids, in order.
    pub(crate) fn parents(&self) -> impl Iterator<Item = &[u8; 20]> {
        self.parent.iter().chain(&self.more)
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let parents = u16::try_from(usize::from(self.parent.is_some()) + self.more.len())
            .map_err(|_| std::io::Error::other("a commit with more than 65535 parents"))?;
        out.write_all(&self.t.to_le_bytes())?;
        out.write_all(&self.at.to_le_bytes())?;
        out.write_all(&self.id)?;
        out.write_all(&self.day.to_le_bytes())?;
        out.write_all(&[self.flags])?;
        out.write_all(&self.trailers.to_le_bytes())?;
        out.write_all(&self.fields.to_le_bytes())?;
        out.write_all(&parents.to_le_bytes())?;
        for parent in self.parents() {
            out.write_all(parent)?;
        }
        Ok(())
    }
}

/// Writes a skeleton: a blank header first, filled in by [`Writer::finish`].
pub(crate) struct Writer {
    out: BufWriter<File>,
    count: u64,
}

impl Writer {
    /// A new skeleton at `path`.
    pub(crate) fn create(path: &Path) -> Result<Writer, Trouble> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(&[0; HEADER_LEN])?;
        Ok(Writer { out, count: 0 })
    }

    /// Appends the next commit's record.
    pub(crate) fn push(&mut self, rec: &Rec) -> Result<(), Trouble> {
        rec.write(&mut self.out)?;
        self.count += 1;
        Ok(())
    }

    /// Records pushed so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Writes the header (the segment's tip) and syncs the file.
    pub(crate) fn finish(self, tip: &[u8; 20]) -> Result<(), Trouble> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(MAGIC)?;
        file.write_all(&self.count.to_le_bytes())?;
        file.write_all(tip)?;
        file.sync_all()?;
        Ok(())
    }
}

/// Reads a skeleton's records in order.
pub(crate) struct Reader {
    input: BufReader<File>,
    /// Records left to read.
    left: u64,
}

fn damaged(path: &Path, why: &str) -> Trouble {
    Trouble::Corrupt(format!("{}: {why}", path.display()))
}

impl Reader {
    /// Opens the skeleton at `path`, which must be the one of a segment
    /// with tip `tip` and `count` commits.
    pub(crate) fn open(path: &Path, tip: &[u8; 20], count: u64) -> Result<Reader, Trouble> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(damaged(path, "missing"));
            }
            Err(error) => return Err(error.into()),
        };
        let mut input = BufReader::with_capacity(64 << 10, file);
        let mut header = [0u8; HEADER_LEN];
        input
            .read_exact(&mut header)
            .map_err(|_| damaged(path, "no header"))?;
        let mut n = [0u8; 8];
        n.copy_from_slice(&header[8..16]);
        if &header[..8] != MAGIC || u64::from_le_bytes(n) != count || &header[16..] != tip {
            return Err(damaged(path, "not the skeleton of its segment"));
        }
        Ok(Reader { input, left: count })
    }

    /// The next record; `None` after the last.
    pub(crate) fn next(&mut self) -> Result<Option<Rec>, Trouble> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let truncated = |_| Trouble::Corrupt("a skeleton ends early".to_owned());
        let mut fixed = [0u8; 59];
        self.input.read_exact(&mut fixed).map_err(truncated)?;
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&fixed[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let mut id = [0u8; 20];
        id.copy_from_slice(&fixed[16..36]);
        let mut day = [0u8; 4];
        day.copy_from_slice(&fixed[36..40]);
        let parents = usize::from(u16::from_le_bytes([fixed[57], fixed[58]]));
        let mut rec = Rec {
            t: u64_at(0) as i64,
            at: u64_at(8),
            id,
            day: i32::from_le_bytes(day),
            flags: fixed[40],
            trailers: u64_at(41),
            fields: u64_at(49),
            parent: None,
            more: Vec::new(),
        };
        for n in 0..parents {
            let mut parent = [0u8; 20];
            self.input.read_exact(&mut parent).map_err(truncated)?;
            if n == 0 {
                rec.parent = Some(parent);
            } else {
                rec.more.push(parent);
            }
        }
        Ok(Some(rec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_as_written_and_a_foreign_header_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.skel");
        let recs = vec![
            Rec {
                t: 1_795_197_600,
                at: 0,
                id: [7; 20],
                day: 739_000,
                flags: CHANGE | CONTACT | CUSTOMERS,
                trailers: bits("Kehu-Command") | bits("Kehu-Contact"),
                fields: bits("contact.last"),
                parent: Some([8; 20]),
                more: Vec::new(),
            },
            Rec::new([8; 20], -5, 812, [[1; 20], [2; 20], [3; 20]]),
            Rec::new([9; 20], 3, 900, []),
        ];
        let mut writer = Writer::create(&path).unwrap();
        for rec in &recs {
            writer.push(rec).unwrap();
        }
        writer.finish(&[7; 20]).unwrap();
        let mut reader = Reader::open(&path, &[7; 20], 3).unwrap();
        let mut back = Vec::new();
        while let Some(rec) = reader.next().unwrap() {
            back.push(rec);
        }
        assert_eq!(back, recs);
        assert!(Reader::open(&path, &[6; 20], 3).is_err());
        assert!(Reader::open(&path, &[7; 20], 4).is_err());
        assert!(Reader::open(&dir.path().join("none"), &[7; 20], 3).is_err());
        // Cut short: the last record does not read.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let mut reader = Reader::open(&path, &[7; 20], 3).unwrap();
        assert!(reader.next().unwrap().is_some() && reader.next().unwrap().is_some());
        assert!(reader.next().is_err());
    }

    #[test]
    fn masks_hold_what_was_put_in_without_case_for_trailers() {
        let mask = bits("Kehu-Command") | bits("Kehu-Customer");
        assert!(may_hold(mask, bits("kehu-command")));
        assert!(may_hold(mask, bits("KEHU-CUSTOMER")));
        // The bench book's common keys leave the complaint keys out.
        let common = [
            "Kehu-Command",
            "Kehu-Customer",
            "Kehu-Contact",
            "Kehu-Reason",
        ]
        .iter()
        .fold(0, |m, k| m | bits(k));
        assert!(!may_hold(common, bits("Kehu-Complaint")));
        assert!(!may_hold(common, bits("Kehu-Resolved")));
        assert_eq!(bits("x").count_ones().clamp(1, 2), bits("x").count_ones());
    }
}
