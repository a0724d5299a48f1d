//! The cache file: every entry of the last run, read whole, checked, and
//! written back atomically.
//!
//! Layout (integers little-endian):
//!
//! ```text
//! magic "KEHUPARS" | layout u32 | kehu_core::reuse::PARSED_FORMAT u32 | count u32
//! count × (content key [20] | entry length u32)
//! the entries, concatenated in the same order
//! CRC-32 of everything above u32
//! ```
//!
//! The checksum makes a truncated or garbled file a miss, never a wrong
//! customer; the two version numbers make a file written by another kehu a
//! miss too.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use foldhash::{HashMap, HashMapExt};
use kehu_core::reuse::{ContentKey, PARSED_FORMAT};

const MAGIC: &[u8; 8] = b"KEHUPARS";
/// Bumped when this layout, or the entry encoding in `record` (and
/// `kehu_plugin::wire`'s customer layout), changes. 2: the customer's plan
/// is kept (as JSON text).
const LAYOUT: u32 = 2;
const HEADER: usize = MAGIC.len() + 12;
const KEY: usize = 20;
const INDEX_ROW: usize = KEY + 4;

/// Why the cache file on disk was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unused {
    /// There is none yet.
    Missing,
    /// Written by another version of kehu.
    Stale,
    /// Truncated, garbled or unreadable; the reason.
    Corrupt(String),
}

/// The entries read from the cache file.
#[derive(Debug, Default)]
pub(crate) struct Store {
    bytes: Vec<u8>,
    /// Key → index into `spans` and `used`.
    slots: HashMap<ContentKey, u32>,
    /// Where each entry's bytes are in `bytes`.
    spans: Vec<(u32, u32)>,
    /// Whether this run used the entry (unused ones are dropped on write).
    used: Vec<AtomicBool>,
}

impl Store {
    /// Reads and checks the cache file at `path`.
    pub(crate) fn read(path: &Path) -> Result<Store, Unused> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unused::Missing),
            Err(e) => return Err(Unused::Corrupt(e.to_string())),
        };
        Store::parse(bytes)
    }

    fn parse(bytes: Vec<u8>) -> Result<Store, Unused> {
        let corrupt = |why: &str| Err(Unused::Corrupt(why.to_owned()));
        if bytes.len() < HEADER + 4 || &bytes[..MAGIC.len()] != MAGIC {
            return corrupt("not a kehu parse cache");
        }
        let body = bytes.len() - 4;
        if crc32fast::hash(&bytes[..body]).to_le_bytes() != bytes[body..] {
            return corrupt("checksum mismatch");
        }
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        if word(8) != LAYOUT || word(12) != PARSED_FORMAT {
            return Err(Unused::Stale);
        }
        let count = word(16) as usize;
        let Some(mut offset) = count.checked_mul(INDEX_ROW).map(|n| n + HEADER) else {
            return corrupt("entry count out of range");
        };
        if offset > body {
            return corrupt("index past the end");
        }
        let mut slots = HashMap::with_capacity(count);
        let mut spans = Vec::with_capacity(count);
        for row in 0..count {
            let at = HEADER + row * INDEX_ROW;
            let mut key = [0; KEY];
            key.copy_from_slice(&bytes[at..at + KEY]);
            let len = word(at + KEY) as usize;
            if offset + len > body {
                return corrupt("entry past the end");
            }
            spans.push((offset as u32, len as u32));
            slots.insert(ContentKey(key), row as u32);
            offset += len;
        }
        if offset != body {
            return corrupt("trailing bytes");
        }
        let used = (0..count).map(|_| AtomicBool::new(false)).collect();
        Ok(Store {
            bytes,
            slots,
            spans,
            used,
        })
    }

    /// The bytes of the entry under `key`, marked as used.
    pub(crate) fn get(&self, key: &ContentKey) -> Option<&[u8]> {
        let slot = *self.slots.get(key)? as usize;
        self.used[slot].store(true, Ordering::Relaxed);
        Some(self.entry(slot))
    }

    fn entry(&self, slot: usize) -> &[u8] {
        let (offset, len) = self.spans[slot];
        &self.bytes[offset as usize..(offset + len) as usize]
    }

    /// How many entries the file held.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// How many entries this run used.
    pub(crate) fn used(&self) -> usize {
        self.used
            .iter()
            .filter(|u| u.load(Ordering::Relaxed))
            .count()
    }

    /// The entries this run used, with their keys.
    pub(crate) fn used_entries(&self) -> impl Iterator<Item = (ContentKey, &[u8])> {
        self.slots
            .iter()
            .filter(|(_, slot)| self.used[**slot as usize].load(Ordering::Relaxed))
            .map(|(key, slot)| (*key, self.entry(*slot as usize)))
    }
}

/// Writes `entries` as the cache file at `path`: into a temporary file in
/// the same directory, then renamed over it, so a reader sees the old file
/// or the new one, never half of one.
pub(crate) fn write<'a>(
    path: &Path,
    entries: impl IntoIterator<Item = (ContentKey, &'a [u8])>,
) -> std::io::Result<()> {
    let mut entries: Vec<(ContentKey, &[u8])> = entries.into_iter().collect();
    entries.sort_unstable_by_key(|(key, _)| *key);
    entries.dedup_by_key(|(key, _)| *key);
    let payload: usize = entries.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut out = Vec::with_capacity(HEADER + entries.len() * INDEX_ROW + payload + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&LAYOUT.to_le_bytes());
    out.extend_from_slice(&PARSED_FORMAT.to_le_bytes());
    out.extend_from_slice(&count(entries.len())?.to_le_bytes());
    for (key, bytes) in &entries {
        out.extend_from_slice(&key.0);
        out.extend_from_slice(&count(bytes.len())?.to_le_bytes());
    }
    for (_, bytes) in &entries {
        out.extend_from_slice(bytes);
    }
    count(out.len())?;
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());

    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&out)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A length as the layout stores it.
fn count(n: usize) -> std::io::Result<u32> {
    u32::try_from(n).map_err(|_| std::io::Error::other("the parse cache would exceed 4 GiB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> ContentKey {
        ContentKey([n; KEY])
    }

    #[test]
    fn written_entries_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kehu/parse-v1");
        write(
            &path,
            [
                (key(2), &b"two"[..]),
                (key(1), &b"one"[..]),
                (key(2), &b"two"[..]),
            ],
        )
        .unwrap();
        let store = Store::read(&path).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(store.used(), 0);
        assert_eq!(store.get(&key(1)), Some(&b"one"[..]));
        assert_eq!(store.get(&key(3)), None);
        assert_eq!(store.used(), 1);
        let used: Vec<_> = store.used_entries().collect();
        assert_eq!(used, [(key(1), &b"one"[..])]);
    }

    #[test]
    fn damaged_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parse-v1");
        assert_eq!(Store::read(&path).unwrap_err(), Unused::Missing);
        write(&path, [(key(1), &b"one"[..]), (key(2), &b"two"[..])]).unwrap();
        let good = std::fs::read(&path).unwrap();
        for cut in [0, 5, HEADER, good.len() / 2, good.len() - 1] {
            assert!(
                matches!(Store::parse(good[..cut].to_vec()), Err(Unused::Corrupt(_))),
                "cut at {cut}"
            );
        }
        for flip in HEADER..good.len() {
            let mut bad = good.clone();
            bad[flip] ^= 0x40;
            assert!(
                matches!(Store::parse(bad), Err(Unused::Corrupt(_))),
                "flip at {flip}"
            );
        }
        let mut other = good.clone();
        other[8] = 9;
        let body = other.len() - 4;
        let crc = crc32fast::hash(&other[..body]).to_le_bytes();
        other[body..].copy_from_slice(&crc);
        assert_eq!(Store::parse(other).unwrap_err(), Unused::Stale);
    }
}
