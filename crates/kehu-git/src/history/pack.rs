//! A reader of git's pack files with a cache of delta bases, for history
//! walks over large books.
//!
//! libgit2 caches only the object at the bottom of a delta chain, so every
//! read of a tree stored 30 deltas deep applies 30 deltas, each copying the
//! whole tree: on a 100,000-customer book that copying was most of a log's
//! time. Consecutive commits' trees sit next to each other in one chain, so
//! keeping every object resolved on the way (as git's own delta-base cache
//! does) makes the next read one delta away.
//!
//! Only what a history walk reads goes through here: objects in a version-2
//! `.idx` + `.pack` pair of SHA-1 ids. Anything else (loose objects, a pack
//! written after the reader opened, another index version) answers `None`
//! and the caller asks libgit2, so this is a cache, never the authority.
//!
//! Pack format (git's `Documentation/gitformat-pack.txt`): an entry is a
//! type-and-size header, then for an offset delta the distance back to its
//! base, for a reference delta the base's id, then zlib data.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, Weak};

use flate2::{Decompress, FlushDecompress, Status};
use git2::{ObjectType, Oid};

/// Bytes of resolved objects kept at most, by default.
pub(crate) const CACHE_BYTES: usize = 16 << 20;

/// What keeping one object costs beside its bytes: its shared buffer's
/// header, the map entry and the use queue's entries. Counted so that many
/// small objects (a walk's 73-byte root trees) cannot hold many times the
/// budget.
const ENTRY_COST: usize = 256;

/// Ids of an `.idx` kept in memory: every this-many-th (see [`IdxTable`]).
const SAMPLE: usize = 32;

/// Objects larger than this are never kept (one would evict everything).
const CACHE_OBJECT_MAX: usize = 1 << 20;

/// Bytes read at an entry's start: its header and, for most entries (a
/// commit, a delta, a small tree), all of its data.
const READ_AHEAD: usize = 1024;

/// Delta chains longer than this are refused (git's default depth is 50;
/// a cycle in a corrupt pack must not loop forever).
const CHAIN_MAX: usize = 10_000;

/// A hasher for keys that are object ids or pack offsets: ids are SHA-1
/// (already uniform) and offsets distinct, so a multiply-and-rotate fold
/// does, at a fraction of SipHash's cost (a walk hashes millions of keys).
#[derive(Default, Clone, Copy)]
pub(crate) struct FoldHasher(u64);

impl FoldHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// A map keyed by object ids or pack offsets (see [`FoldHasher`]).
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

/// A set of object ids (see [`FoldHasher`]).
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FoldHasher>>;

/// An object read from a pack: its kind and bytes.
#[derive(Clone)]
pub(crate) struct Raw {
    pub kind: ObjectType,
    /// Shared with the cache (a `Vec` inside, so nothing is copied).
    pub data: Rc<Vec<u8>>,
}

/// One `.idx` + `.pack` pair, both read with `pread`, never mapped: a walk
/// over the whole history touches most of both, and every mapped page it
/// touched would count as the process's memory (the index of a
/// 200,000-commit book is 36 MB).
struct Pack {
    idx: Arc<IdxTable>,
    pack: File,
    /// The pack's length in bytes.
    len: u64,
    windows: RefCell<Windows>,
}

/// Stretches of a pack read lately: a walk reads the trees of consecutive
/// commits, which git writes next to each other, so most entries lie in a
/// stretch read for an earlier one (one `pread` for many entries).
struct Windows {
    /// Each stretch's offset in the pack and bytes.
    slots: Vec<(u64, Vec<u8>)>,
    /// The slot the next stretch replaces.
    next: usize,
}

/// Bytes of one stretch, and stretches kept.
const WINDOW: usize = 32 << 10;
const WINDOWS: usize = 4;

/// Every readable pack of a repository, with the delta-base cache.
pub(crate) struct Packs {
    packs: Vec<Pack>,
    cache: RefCell<Cache>,
    inflate: RefCell<Decompress>,
    /// The input of the last large entry, reused.
    scratch: RefCell<Vec<u8>>,
    /// See [`Packs::blobs_once`].
    blobs_once: Cell<bool>,
}

/// Resolved objects by (pack, offset), the least recently used evicted
/// first past the budget (each object's bytes plus [`ENTRY_COST`]).
struct Cache {
    /// Each object with the tick of its last use.
    map: FastMap<(usize, u64), (Raw, u64)>,
    /// Uses in order; a use older than its object's last is stale.
    order: VecDeque<((usize, u64), u64)>,
    bytes: usize,
    tick: u64,
    /// Bytes kept at most.
    budget: usize,
}

impl Cache {
    fn new(budget: usize) -> Cache {
        Cache {
            map: FastMap::default(),
            order: VecDeque::new(),
            bytes: 0,
            tick: 0,
            budget,
        }
    }

    fn get(&mut self, key: (usize, u64)) -> Option<Raw> {
        let (raw, used) = self.map.get_mut(&key)?;
        self.tick += 1;
        *used = self.tick;
        let raw = raw.clone();
        self.order.push_back((key, self.tick));
        if self.order.len() > 4 * self.map.len() + 64 {
            // Drop the stale uses so the queue stays in proportion.
            let map = &self.map;
            self.order
                .retain(|(key, tick)| map.get(key).is_some_and(|(_, used)| used == tick));
        }
        Some(raw)
    }

    fn put(&mut self, key: (usize, u64), raw: &Raw) {
        if raw.data.len() > CACHE_OBJECT_MAX || self.map.contains_key(&key) {
            return;
        }
        let len = raw.data.len() + ENTRY_COST;
        while self.bytes + len > self.budget {
            let Some((old, tick)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|(_, used)| *used == tick)
                && let Some((gone, _)) = self.map.remove(&old)
            {
                self.bytes -= gone.data.len() + ENTRY_COST;
            }
        }
        self.tick += 1;
        self.map.insert(key, (raw.clone(), self.tick));
        self.order.push_back((key, self.tick));
        self.bytes += len;
    }
}

/// An entry's header: its type code, inflated size, and where its data
/// (after any base reference) starts.
struct Header {
    code: u8,
    size: usize,
    data_at: u64,
    base: Base,
    /// The bytes read with the header: often the whole entry.
    read: Vec<u8>,
    /// Where the data starts in `read`.
    data_in_read: usize,
}

/// Where a delta's base is.
enum Base {
    None,
    Offset(u64),
    Id(Oid),
}

impl Packs {
    /// Opens the packs in `objects/pack` of the repository at `git_dir`,
    /// keeping at most `budget` bytes of resolved objects; a pack that does
    /// not open is left to libgit2.
    pub(crate) fn open(git_dir: &Path, budget: usize) -> Packs {
        let mut packs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(git_dir.join("objects").join("pack")) {
            let mut names: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            names.sort();
            for idx in names {
                if let Some(pack) = Pack::open(&idx) {
                    packs.push(pack);
                }
            }
        }
        Packs {
            packs,
            cache: RefCell::new(Cache::new(budget)),
            inflate: RefCell::new(Decompress::new(true)),
            scratch: RefCell::new(Vec::new()),
            blobs_once: Cell::new(false),
        }
    }

    /// Whether an object of `kind` that was asked for is read once, so not
    /// worth keeping but as a delta base: commits always; blobs too when
    /// [`Packs::blobs_once`] says so.
    fn once(&self, kind: ObjectType) -> bool {
        kind == ObjectType::Commit || (kind == ObjectType::Blob && self.blobs_once.get())
    }

    /// Says that blobs are read once (an index build reads each version of
    /// a file as the new side of one commit and, much later, as the old
    /// side of another): the cache then keeps them only as delta bases,
    /// leaving its room to trees.
    pub(crate) fn blobs_once(&self) {
        self.blobs_once.set(true);
    }

    /// The object `id`, if a pack holds it and it reads cleanly.
    pub(crate) fn read(&self, id: Oid) -> Option<Raw> {
        for (n, pack) in self.packs.iter().enumerate() {
            if let Some(offset) = pack.find(id) {
                return self.resolve(n, offset);
            }
        }
        None
    }

    /// The object at `offset` of pack `n`, applying its delta chain from
    /// the nearest cached (or whole) object and caching each step.
    fn resolve(&self, n: usize, offset: u64) -> Option<Raw> {
        if let Some(hit) = self.cache.borrow_mut().get((n, offset)) {
            return Some(hit);
        }
        let pack = &self.packs[n];
        // Down the chain to a cached or whole object.
        let mut chain: Vec<(u64, Header)> = Vec::new();
        let mut at = offset;
        let mut base: Raw = loop {
            if chain.len() > CHAIN_MAX {
                return None;
            }
            if !chain.is_empty()
                && let Some(hit) = self.cache.borrow_mut().get((n, at))
            {
                break hit;
            }
            let header = pack.header(at)?;
            match header.base {
                Base::None => {
                    let kind = match header.code {
                        1 => ObjectType::Commit,
                        2 => ObjectType::Tree,
                        3 => ObjectType::Blob,
                        4 => ObjectType::Tag,
                        _ => return None,
                    };
                    let data = self.inflate(pack, &header)?;
                    let raw = Raw {
                        kind,
                        data: Rc::new(data),
                    };
                    // A commit is read once by a walk: keep it only as a
                    // delta base (a tree or blob is read again by the next
                    // commit's diff).
                    if !(chain.is_empty() && self.once(kind)) {
                        self.cache.borrow_mut().put((n, at), &raw);
                    }
                    break raw;
                }
                Base::Offset(next) => {
                    chain.push((at, header));
                    at = next;
                }
                Base::Id(id) => {
                    // A base in the same pack (a thin pack's would be elsewhere).
                    let next = pack.find(id)?;
                    chain.push((at, header));
                    at = next;
                }
            }
        };
        // Back up the chain, applying each delta.
        while let Some((at, header)) = chain.pop() {
            let delta = self.inflate(pack, &header)?;
            let data = apply_delta(&base.data, &delta)?;
            base = Raw {
                kind: base.kind,
                data: Rc::new(data),
            };
            // Keep what was asked for (the next commit's diff asks for its
            // neighbour in the chain) and every eighth step on the way; a
            // whole chain would flush the cache.
            let keep = if chain.is_empty() {
                !self.once(base.kind)
            } else {
                chain.len().is_multiple_of(8)
            };
            if keep {
                self.cache.borrow_mut().put((n, at), &base);
            }
        }
        Some(base)
    }

    /// Inflates an entry's data, from the bytes read with its header when
    /// they hold all of it.
    fn inflate(&self, pack: &Pack, header: &Header) -> Option<Vec<u8>> {
        let size = header.size;
        // Deflate never grows data by more than a few bytes per 16 KiB block.
        let bound = size + size / 64 + 64;
        let held = &header.read[header.data_in_read..];
        let mut scratch = self.scratch.borrow_mut();
        let input = if held.len() >= bound || header.read.len() < READ_AHEAD {
            held
        } else {
            pack.bytes_into(header.data_at, bound, &mut scratch)?;
            scratch.as_slice()
        };
        let mut out = vec![0u8; size];
        let mut inflate = self.inflate.borrow_mut();
        inflate.reset(true);
        let status = inflate
            .decompress(input, &mut out, FlushDecompress::Finish)
            .ok()?;
        let done = usize::try_from(inflate.total_out()).ok()? == size;
        (done && matches!(status, Status::StreamEnd | Status::Ok)).then_some(out)
    }
}

impl Pack {
    /// Opens an `.idx` (version 2) and its `.pack`.
    fn open(idx_path: &Path) -> Option<Pack> {
        let pack_file = File::open(idx_path.with_extension("pack")).ok()?;
        let idx = shared_table(idx_path)?;
        let len = pack_file.metadata().ok()?.len();
        let pack = Pack {
            idx,
            pack: pack_file,
            len,
            windows: RefCell::new(Windows {
                slots: Vec::new(),
                next: 0,
            }),
        };
        let head = pack.bytes(0, 12)?;
        if head.get(..4)? != b"PACK" || be32(&head, 8)? as usize != pack.idx.ids.count {
            return None;
        }
        Some(pack)
    }

    /// Up to `len` bytes of the pack from `at` (fewer at its end).
    fn bytes(&self, at: u64, len: usize) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        self.bytes_into(at, len, &mut buf)?;
        Some(buf)
    }

    /// Like [`Pack::bytes`], into a buffer kept between reads.
    /// Short reads come from a stretch kept in [`Windows`].
    fn bytes_into(&self, at: u64, len: usize, buf: &mut Vec<u8>) -> Option<()> {
        let len = len.min(usize::try_from(self.len.checked_sub(at)?).ok()?);
        if len > WINDOW / 4 {
            buf.resize(len, 0);
            return read_at(&self.pack, buf, at);
        }
        let mut windows = self.windows.borrow_mut();
        let end = at + len as u64;
        let hit = windows
            .slots
            .iter()
            .position(|(start, data)| *start <= at && end <= start + data.len() as u64);
        let slot = match hit {
            Some(slot) => slot,
            None => {
                // A little before `at` too: a walk may step back.
                let start = at.saturating_sub(WINDOW as u64 / 8);
                let size = WINDOW.min(usize::try_from(self.len - start).ok()?);
                let slot = windows.next;
                windows.next = (slot + 1) % WINDOWS;
                if slot == windows.slots.len() {
                    windows.slots.push((start, Vec::new()));
                }
                let (offset, data) = &mut windows.slots[slot];
                *offset = start;
                data.resize(size, 0);
                if read_at(&self.pack, data, start).is_none() {
                    data.clear();
                    return None;
                }
                slot
            }
        };
        let (start, data) = &windows.slots[slot];
        let from = usize::try_from(at - start).ok()?;
        buf.clear();
        buf.extend_from_slice(data.get(from..from + len)?);
        Some(())
    }

    /// The offset of `id` in the pack (see [`IdxTable::find`]).
    fn find(&self, id: Oid) -> Option<u64> {
        self.idx.find(id)
    }

    /// Parses the entry header at `offset`.
    fn header(&self, offset: u64) -> Option<Header> {
        let bytes = self.bytes(offset, READ_AHEAD)?;
        let mut at = 0usize;
        let mut byte = *bytes.get(at)?;
        at += 1;
        let code = (byte >> 4) & 7;
        let mut size = usize::from(byte & 0x0f);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            byte = *bytes.get(at)?;
            at += 1;
            size |= usize::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
        }
        let base = match code {
            6 => {
                byte = *bytes.get(at)?;
                at += 1;
                let mut back = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    byte = *bytes.get(at)?;
                    at += 1;
                    back = ((back + 1) << 7) | u64::from(byte & 0x7f);
                }
                Base::Offset(offset.checked_sub(back).filter(|_| back > 0)?)
            }
            7 => {
                let id = Oid::from_bytes(bytes.get(at..at + 20)?).ok()?;
                at += 20;
                Base::Id(id)
            }
            _ => Base::None,
        };
        Some(Header {
            code,
            size,
            data_at: offset + at as u64,
            base,
            read: bytes,
            data_in_read: at,
        })
    }
}

/// A file's sorted table of 20-byte ids behind a 256-entry fan-out (as in
/// a pack's `.idx` and the commit-graph), searched without holding it:
/// every [`SAMPLE`]th id stays in memory (0.8 MB for 1.3 million ids), so a
/// lookup reads only the one run of ids its sample points to, with one
/// `pread`.
pub(crate) struct SortedIds {
    pub(crate) file: File,
    /// Where the ids start in the file.
    at: u64,
    /// Ids in the table.
    pub(crate) count: usize,
    /// How many ids start with a byte up to each value (the fan-out).
    fanout: Box<[u32; 256]>,
    /// The ids at positions 0, [`SAMPLE`], 2 × [`SAMPLE`] …
    samples: Vec<[u8; 20]>,
}

impl SortedIds {
    /// Reads the fan-out at `fanout_at` and samples the `count` ids at `at`;
    /// `None` when the file is too short or the fan-out does not add up.
    pub(crate) fn open(file: File, fanout_at: u64, at: u64, count: usize) -> Option<SortedIds> {
        let end = at.checked_add(u64::try_from(count).ok()?.checked_mul(20)?)?;
        if file.metadata().ok()?.len() < end {
            return None;
        }
        let mut raw = [0u8; 256 * 4];
        read_at(&file, &mut raw, fanout_at)?;
        let mut fanout = Box::new([0u32; 256]);
        for (i, slot) in fanout.iter_mut().enumerate() {
            *slot = be32(&raw, i * 4)?;
        }
        let sorted = fanout.windows(2).all(|w| w[0] <= w[1]);
        if !sorted || fanout[255] as usize != count {
            return None;
        }
        // The ids read in runs of whole samples, keeping each run's first.
        let run = SAMPLE * 20;
        let mut samples = Vec::with_capacity(count.div_ceil(SAMPLE));
        let mut buf = vec![0u8; run * 256];
        let mut done = 0usize;
        while done < count {
            let n = (count - done).min(SAMPLE * 256);
            let bytes = &mut buf[..n * 20];
            read_at(&file, bytes, at + done as u64 * 20)?;
            for chunk in bytes.chunks(run) {
                samples.push(chunk.get(..20)?.try_into().ok()?);
            }
            done += n;
        }
        Some(SortedIds {
            file,
            at,
            count,
            fanout,
            samples,
        })
    }

    /// The position of `id` in the table: the fan-out narrows the samples
    /// to those of its first byte, the last sample not above it names the
    /// run of ids to search.
    pub(crate) fn position(&self, id: Oid) -> Option<usize> {
        let key: &[u8; 20] = id.as_bytes().try_into().ok()?;
        let first = usize::from(key[0]);
        let lo = if first == 0 {
            0
        } else {
            self.fanout[first - 1] as usize
        };
        let hi = self.fanout[first] as usize;
        if lo >= hi {
            return None;
        }
        let (from, to) = (lo / SAMPLE, (hi - 1) / SAMPLE + 1);
        let below = self.samples.get(from..to)?;
        let sample = from
            + below
                .partition_point(|s| id_cmp(s, key).is_le())
                .checked_sub(1)?;
        let start = sample * SAMPLE;
        let n = (self.count - start).min(SAMPLE);
        let mut run = [0u8; SAMPLE * 20];
        let run = &mut run[..n * 20];
        read_at(&self.file, run, self.at + start as u64 * 20)?;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at: &[u8; 20] = run[mid * 20..mid * 20 + 20].try_into().ok()?;
            match id_cmp(at, key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(start + mid),
            }
        }
        None
    }

    /// The id at `position`.
    pub(crate) fn id(&self, position: usize) -> Option<Oid> {
        if position >= self.count {
            return None;
        }
        let mut bytes = [0u8; 20];
        read_at(&self.file, &mut bytes, self.at + position as u64 * 20)?;
        Oid::from_bytes(&bytes).ok()
    }
}

/// Two ids in order, most often decided by their first eight bytes.
fn id_cmp(a: &[u8; 20], b: &[u8; 20]) -> std::cmp::Ordering {
    let head = |x: &[u8; 20]| u64::from_be_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
    head(a).cmp(&head(b)).then_with(|| a[8..].cmp(&b[8..]))
}

/// The lookup side of a version-2 `.idx` file (git's
/// `Documentation/gitformat-pack.txt`: a magic and version, a 256-entry
/// fan-out, the sorted ids, their CRCs, 4-byte offsets, then 8-byte large
/// offsets), without holding its ids (see [`SortedIds`]); the 4-byte
/// offsets stay in memory (5 MB for a 1.3-million-object pack), so a lookup
/// is one `pread` (a second one for the rare offset past 2 GiB).
struct IdxTable {
    ids: SortedIds,
    /// The 4-byte offset table, as stored (big-endian words).
    offsets: Vec<u8>,
}

/// Where the fan-out and the ids start in an `.idx`.
const FANOUT_AT: u64 = 8;
const IDS_AT: u64 = FANOUT_AT + 256 * 4;

impl IdxTable {
    fn open(path: &Path) -> Option<IdxTable> {
        let file = File::open(path).ok()?;
        let mut head = vec![0u8; IDS_AT as usize];
        read_at(&file, &mut head, 0)?;
        if head.get(..8)? != b"\xfftOc\x00\x00\x00\x02" {
            return None;
        }
        let count = be32(&head, 8 + 255 * 4)? as usize;
        let min_len = IDS_AT.checked_add(u64::try_from(count).ok()?.checked_mul(28)?)?;
        if file.metadata().ok()?.len() < min_len {
            return None;
        }
        let mut offsets = vec![0u8; count * 4];
        read_at(&file, &mut offsets, IDS_AT + count as u64 * 24)?;
        Some(IdxTable {
            ids: SortedIds::open(file, FANOUT_AT, IDS_AT, count)?,
            offsets,
        })
    }

    /// The offset of `id` in the pack.
    fn find(&self, id: Oid) -> Option<u64> {
        self.offset_at(self.ids.position(id)?)
    }

    fn offset_at(&self, i: usize) -> Option<u64> {
        let count = self.ids.count as u64;
        let offsets = IDS_AT + count * 24;
        let small = u32::from_be_bytes(self.offsets.get(i * 4..i * 4 + 4)?.try_into().ok()?);
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = offsets + count * 4 + u64::from(small & 0x7fff_ffff) * 8;
        let mut bytes = [0u8; 8];
        read_at(&self.ids.file, &mut bytes, large)?;
        Some(u64::from_be_bytes(bytes))
    }
}

/// Fills `buf` from `file` at `at`.
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> Option<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at).ok()
}

/// Elsewhere every object is libgit2's to read.
#[cfg(not(unix))]
pub(crate) fn read_at(_file: &File, _buf: &mut [u8], _at: u64) -> Option<()> {
    None
}

/// The table of an index file, shared by every reader in the process while
/// any holds it (the index builder's threads share one).
fn shared_table(path: &Path) -> Option<Arc<IdxTable>> {
    static TABLES: Mutex<Vec<(PathBuf, Weak<IdxTable>)>> = Mutex::new(Vec::new());
    let mut tables = TABLES.lock().ok()?;
    tables.retain(|(_, table)| table.strong_count() > 0);
    if let Some(table) = tables
        .iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, table)| table.upgrade())
    {
        return Some(table);
    }
    let table = Arc::new(IdxTable::open(path)?);
    tables.push((path.to_path_buf(), Arc::downgrade(&table)));
    Some(table)
}

/// A big-endian `u32` at `at`.
pub(crate) fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A delta's little-endian base-128 size.
fn varint(delta: &[u8], at: &mut usize) -> Option<usize> {
    let mut value = 0usize;
    let mut shift = 0u32;
    loop {
        let byte = *delta.get(*at)?;
        *at += 1;
        value |= usize::from(byte & 0x7f).checked_shl(shift)?;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
}

/// Applies a git delta to `base`: copy ranges of the base and insert new
/// bytes, checking every size against the header.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if varint(delta, &mut at)? != base.len() {
        return None;
    }
    let size = varint(delta, &mut at)?;
    let mut out = Vec::with_capacity(size);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{git, write};

    #[test]
    fn every_packed_object_reads_as_libgit2_reads_it() {
        let dir = crate::test_support::new_book();
        let path = dir.path();
        // Versions of one growing file and tree, so the pack has deltas
        // and chains.
        for i in 0..40 {
            let mut text = String::new();
            for j in 0..(50 + i) {
                text.push_str(&format!("line {j} of version {}\n", i % 7));
            }
            write(path, "customers/gr/grown.toml", &text);
            git(path, &["add", "-A"]);
            git(path, &["commit", "-q", "-m", &format!("v{i}")]);
        }
        git(path, &["repack", "-adf", "--depth=10", "--window=50"]);
        let repo = git2::Repository::open(path).unwrap();
        let packs = Packs::open(repo.path(), CACHE_BYTES);
        assert_eq!(packs.packs.len(), 1);
        // Lookups go through several runs of ids between samples.
        assert!(packs.packs[0].idx.ids.count > 4 * SAMPLE);
        let odb = repo.odb().unwrap();
        let all = git(
            path,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objectname)",
            ],
        );
        let mut deltas = 0;
        for line in all.lines() {
            let id = Oid::from_str(line).unwrap();
            let want = odb.read(id).unwrap();
            // Twice: cold, then through the cache.
            for _ in 0..2 {
                let got = packs.read(id).unwrap();
                assert_eq!(got.kind, want.kind());
                assert_eq!(&*got.data, want.data());
            }
            let offset = packs.packs[0].find(id).unwrap();
            if !matches!(packs.packs[0].header(offset).unwrap().base, Base::None) {
                deltas += 1;
            }
        }
        assert!(deltas > 20, "only {deltas} deltas");
        // Short reads through the kept stretches read what the file holds,
        // at stretch edges and at the pack's end too.
        let pack = &packs.packs[0];
        let whole = std::fs::read(
            repo.path()
                .join("objects/pack")
                .read_dir()
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "pack"))
                .unwrap(),
        )
        .unwrap();
        let mut buf = Vec::new();
        let n = whole.len() as u64;
        for at in [0, 1, 4095, n / 3, n / 2, n.saturating_sub(700), n - 1] {
            for len in [1, 12, READ_AHEAD, WINDOW / 4] {
                for edge in [0, WINDOW as u64 - 3, WINDOW as u64 * 7 / 8] {
                    let at = (at + edge).min(n - 1);
                    pack.bytes_into(at, len, &mut buf).unwrap();
                    let end = (at as usize + len).min(whole.len());
                    assert_eq!(buf, &whole[at as usize..end], "{at} {len}");
                }
            }
        }
        // Ids below the first, between and above the last are not there.
        for byte in [0, 7, 0xff] {
            assert!(packs.read(Oid::from_bytes(&[byte; 20]).unwrap()).is_none());
        }
    }

    #[test]
    fn the_cache_keeps_what_is_used_and_its_size() {
        let mut cache = Cache::new(CACHE_BYTES);
        let object = |byte: u8| Raw {
            kind: ObjectType::Tree,
            data: Rc::new(vec![byte; CACHE_OBJECT_MAX]),
        };
        for i in 0..100u8 {
            cache.put((0, u64::from(i)), &object(i));
            // The first object stays in use; the others age out.
            assert_eq!(cache.get((0, 0)).unwrap().data[0], 0);
            assert!(cache.bytes <= CACHE_BYTES);
        }
        assert!(cache.get((0, 1)).is_none());
        assert_eq!(cache.get((0, 99)).unwrap().data[0], 99);
        assert!(cache.order.len() <= 4 * cache.map.len() + 64);
        // Too large to keep.
        let huge = Raw {
            kind: ObjectType::Blob,
            data: Rc::new(vec![0; CACHE_OBJECT_MAX + 1]),
        };
        cache.put((1, 0), &huge);
        assert!(cache.get((1, 0)).is_none());
    }

    #[test]
    fn bad_deltas_are_refused() {
        assert_eq!(apply_delta(b"abc", &[3, 2, 0x91, 1, 2]).unwrap(), b"bc");
        assert_eq!(apply_delta(b"abc", &[3, 2, 2, b'x', b'y']).unwrap(), b"xy");
        // Wrong base size, a copy past the end, a zero op, a short result.
        assert!(apply_delta(b"abc", &[4, 1, 1, b'x']).is_none());
        assert!(apply_delta(b"abc", &[3, 2, 0x91, 2, 2]).is_none());
        assert!(apply_delta(b"abc", &[3, 1, 0]).is_none());
        assert!(apply_delta(b"abc", &[3, 3, 1, b'x']).is_none());
    }
}
