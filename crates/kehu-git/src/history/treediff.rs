//! Diffing two `customers/` trees: a merge-join of the sorted entries of both
//! sides, descending only into sub-trees whose ids differ, so the cost is in
//! proportion to what changed, not to the size of the book.

use std::cmp::Ordering;
use std::rc::Rc;

use git2::Oid;

use super::objects::Objects;
use crate::error::GitError;

/// One customer file that differs between two trees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Delta {
    /// The path below `customers/` (`ac/acme.toml`).
    pub path: String,
    /// The blob before, if the file existed.
    pub old: Option<Oid>,
    /// The blob after, if the file exists.
    pub new: Option<Oid>,
}

/// A tree object's raw bytes (`<octal mode> <name>\0<20-byte id>` entries),
/// read once and scanned in place. Consecutive commits diff the same tree
/// twice (as the new side, then as the old side); scanning the raw bytes,
/// skipping identical entries with one comparison each and stopping lookups
/// early, is far cheaper than materialising every entry.
pub(crate) struct FlatTree {
    data: Rc<Vec<u8>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    /// A blob whose name ends in `.toml`.
    CustomerFile,
    /// Anything else (other files, submodules): never reported.
    Other,
}

/// One entry, borrowed from the raw tree.
#[derive(Clone, Copy)]
struct RawEntry<'a> {
    /// The whole entry (mode, name and id): equal bytes mean an equal entry.
    raw: &'a [u8],
    name: &'a [u8],
    id: &'a [u8],
    kind: EntryKind,
}

impl RawEntry<'_> {
    fn is_tree(&self) -> bool {
        self.kind == EntryKind::Tree
    }

    fn oid(&self) -> Result<Oid, GitError> {
        Oid::from_bytes(self.id).map_err(|e| GitError::backend("reading a tree entry", e.message()))
    }
}

/// Iterates the entries of raw tree bytes; stops at the end or at bytes
/// that are not a well-formed entry (`malformed` is then set).
struct Entries<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = RawEntry<'a>;

    fn next(&mut self) -> Option<RawEntry<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let data = self.rest;
        let parsed = (|| {
            let space = data.iter().position(|&b| b == b' ')?;
            let nul = space + 1 + data[space + 1..].iter().position(|&b| b == 0)?;
            let end = nul + 1 + 20;
            if data.len() < end || nul == space + 1 {
                return None;
            }
            let name = &data[space + 1..nul];
            let kind = kind_of(&data[..space], name);
            Some((
                RawEntry {
                    raw: &data[..end],
                    name,
                    id: &data[nul + 1..end],
                    kind,
                },
                end,
            ))
        })();
        match parsed {
            Some((entry, end)) => {
                self.rest = &data[end..];
                Some(entry)
            }
            None => {
                self.malformed = true;
                self.rest = &[];
                None
            }
        }
    }
}

impl<'a> Entries<'a> {
    /// Skips the entries both sides hold byte for byte at their fronts, as
    /// most of two versions of a fan-out directory are: the bounds of this
    /// side's entry and one comparison each, no parsing of the other side.
    fn skip_identical(&mut self, other: &mut Entries<'a>) {
        while let Some(len) = entry_len(self.rest) {
            match other.rest.get(..len) {
                Some(bytes) if bytes == &self.rest[..len] => {
                    self.rest = &self.rest[len..];
                    other.rest = &other.rest[len..];
                }
                _ => return,
            }
        }
    }
}

/// The length of the well-formed entry at the start of raw tree bytes:
/// a mode of at most seven bytes, a space, a name, a NUL and 20 id bytes.
fn entry_len(data: &[u8]) -> Option<usize> {
    let space = data.iter().take(8).position(|&b| b == b' ')?;
    let name = data.get(space + 1..)?;
    let nul = space + 1 + name.iter().position(|&b| b == 0)?;
    let end = nul + 21;
    (nul > space + 1 && data.len() >= end).then_some(end)
}

impl FlatTree {
    /// Keeps a raw tree object. It is not validated up front (that would
    /// cost the full scan lookups avoid); a malformed tail ends iteration.
    pub(crate) fn from_raw(data: Rc<Vec<u8>>) -> FlatTree {
        FlatTree { data }
    }

    fn entries(&self) -> Entries<'_> {
        Entries {
            rest: &self.data,
            malformed: false,
        }
    }

    /// The id of the entry `name` if it is a sub-tree (`want_tree`) or a
    /// customer file (`*.toml` blob). Entries are in git's order, so the scan
    /// stops as soon as it has passed the name. This is the hot loop of a
    /// timeline walk (every commit looks its fan-out directory up in a tree
    /// of a thousand entries), so it reads only what it compares: the mode's
    /// first bytes, the name, and the id of the one entry it returns.
    pub(crate) fn find(&self, name: &[u8], want_tree: bool) -> Option<Oid> {
        let data: &[u8] = &self.data;
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            // Modes are at most six octal digits.
            let space = rest.iter().take(8).position(|&b| b == b' ')?;
            let name_at = space + 1;
            let len = rest.get(name_at..)?.iter().position(|&b| b == 0)?;
            let end = name_at + len + 1 + 20;
            if len == 0 || rest.len() < end {
                return None;
            }
            let entry = &rest[name_at..name_at + len];
            let is_tree = mode_is_tree(&rest[..space]);
            match git_order(entry, is_tree, name, want_tree) {
                Ordering::Less => pos += end,
                Ordering::Greater => return None,
                Ordering::Equal => {
                    let kind = kind_of(&rest[..space], entry);
                    let wanted = if want_tree {
                        EntryKind::Tree
                    } else {
                        EntryKind::CustomerFile
                    };
                    return if kind == wanted {
                        Oid::from_bytes(&rest[end - 20..end]).ok()
                    } else {
                        None
                    };
                }
            }
        }
        None
    }
}

/// Whether a tree entry's mode is a sub-tree's (`40000`, or `040000`).
fn mode_is_tree(mode: &[u8]) -> bool {
    matches!(
        (mode.first(), mode.get(1)),
        (Some(b'4'), _) | (Some(b'0'), Some(b'4'))
    )
}

/// What an entry is, from its mode and name. Modes: 40000 tree,
/// 100644/100755 file, 120000 symlink, 160000 submodule.
fn kind_of(mode: &[u8], name: &[u8]) -> EntryKind {
    if mode_is_tree(mode) {
        EntryKind::Tree
    } else if matches!((mode.first(), mode.get(1)), (Some(b'1'), Some(b'0' | b'2')))
        && name.ends_with(b".toml")
    {
        EntryKind::CustomerFile
    } else {
        EntryKind::Other
    }
}

/// Git's tree order: names compared as bytes, a tree's name as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    // Names are short: a byte loop beats a call to memcmp here.
    for k in 0..common {
        if a[k] != b[k] {
            return a[k].cmp(&b[k]);
        }
    }
    let next = |name: &[u8], tree: bool| -> Option<u8> {
        if name.len() > common {
            Some(name[common])
        } else if tree {
            Some(b'/')
        } else {
            None
        }
    };
    next(a, a_tree).cmp(&next(b, b_tree))
}

/// Appends the customer files (`*.toml`) that differ between two trees.
pub(crate) fn diff_trees(
    objects: &Objects<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    base: &str,
    out: &mut Vec<Delta>,
) -> Result<(), GitError> {
    if old == new {
        return Ok(());
    }
    let empty = FlatTree {
        data: Rc::new(Vec::new()),
    };
    let left = old.map(|id| objects.flat_tree(id)).transpose()?;
    let right = new.map(|id| objects.flat_tree(id)).transpose()?;
    let left = left.as_deref().unwrap_or(&empty);
    let right = right.as_deref().unwrap_or(&empty);
    let (mut lefts, mut rights) = (left.entries(), right.entries());
    lefts.skip_identical(&mut rights);
    let (mut a, mut b) = (lefts.next(), rights.next());
    loop {
        let order = match (&a, &b) {
            (None, None) => break,
            // Identical bytes: the same name, kind and id; nothing changed.
            (Some(x), Some(y)) if x.raw == y.raw => {
                lefts.skip_identical(&mut rights);
                a = lefts.next();
                b = rights.next();
                continue;
            }
            (Some(x), Some(y)) => git_order(x.name, x.is_tree(), y.name, y.is_tree()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        match (order, a, b) {
            (Ordering::Less, Some(x), _) => {
                side(objects, &x, base, true, out)?;
                a = lefts.next();
            }
            (Ordering::Greater, _, Some(y)) => {
                side(objects, &y, base, false, out)?;
                b = rights.next();
            }
            (Ordering::Equal, Some(x), Some(y)) => {
                if x.id != y.id {
                    match (x.kind, y.kind) {
                        (EntryKind::Tree, _) => {
                            let path = join(base, x.name);
                            diff_trees(objects, Some(x.oid()?), Some(y.oid()?), &path, out)?;
                        }
                        (EntryKind::CustomerFile, EntryKind::CustomerFile) => {
                            out.push(Delta {
                                path: join(base, x.name),
                                old: Some(x.oid()?),
                                new: Some(y.oid()?),
                            });
                        }
                        _ => {}
                    }
                }
                lefts.skip_identical(&mut rights);
                a = lefts.next();
                b = rights.next();
            }
            _ => break,
        }
    }
    Ok(())
}

/// An entry on one side only: a file added or removed, or a whole sub-tree.
fn side(
    objects: &Objects<'_>,
    entry: &RawEntry<'_>,
    base: &str,
    removed: bool,
    out: &mut Vec<Delta>,
) -> Result<(), GitError> {
    let id = entry.oid()?;
    let (old, new) = if removed {
        (Some(id), None)
    } else {
        (None, Some(id))
    };
    match entry.kind {
        EntryKind::Tree => diff_trees(objects, old, new, &join(base, entry.name), out),
        EntryKind::CustomerFile => {
            out.push(Delta {
                path: join(base, entry.name),
                old,
                new,
            });
            Ok(())
        }
        EntryKind::Other => Ok(()),
    }
}

fn join(base: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if base.is_empty() {
        name.into_owned()
    } else {
        format!("{base}/{name}")
    }
}

/// Every customer file below a tree, as (path below `customers/`, blob id).
pub(crate) fn list_files(
    objects: &Objects<'_>,
    tree: Oid,
    base: &str,
    out: &mut Vec<(String, Oid)>,
) -> Result<(), GitError> {
    let tree = objects.flat_tree(tree)?;
    for entry in tree.entries() {
        match entry.kind {
            EntryKind::Tree => {
                let path = join(base, entry.name);
                list_files(objects, entry.oid()?, &path, out)?;
            }
            EntryKind::CustomerFile => out.push((join(base, entry.name), entry.oid()?)),
            EntryKind::Other => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::ObjectType;

    #[test]
    fn tree_diffs_name_what_git_names() {
        use crate::test_support::{git, write};
        let dir = crate::test_support::new_book();
        let root = dir.path();
        for i in 0..60 {
            write(
                root,
                &format!("customers/fa/fan-{i:02}.toml"),
                &format!("n = {i}\n"),
            );
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "many"]);
        // Changed, removed and added files at the start, middle and end of
        // the directory, and names that sort around each other.
        for i in [0, 1, 30, 59] {
            write(root, &format!("customers/fa/fan-{i:02}.toml"), "n = -1\n");
        }
        for i in [2, 31, 58] {
            std::fs::remove_file(root.join(format!("customers/fa/fan-{i:02}.toml"))).unwrap();
        }
        for name in ["fan-00a", "fan-30", "fan-99", "a"] {
            write(root, &format!("customers/fa/{name}.toml"), "new = 1\n");
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "edit"]);
        let book = crate::test_support::open(root);
        let objects = Objects::new(&book.repo, "", crate::history::pack::CACHE_BYTES);
        let tree = |rev: &str| Oid::from_str(git(root, &["rev-parse", rev]).trim()).unwrap();
        let mut deltas = Vec::new();
        diff_trees(
            &objects,
            Some(tree("HEAD~1:customers")),
            Some(tree("HEAD:customers")),
            "",
            &mut deltas,
        )
        .unwrap();
        let mut ours: Vec<String> = deltas
            .iter()
            .map(|d| {
                let status = match (d.old, d.new) {
                    (None, _) => "A",
                    (_, None) => "D",
                    _ => "M",
                };
                format!("{status}\tcustomers/{}", d.path)
            })
            .collect();
        ours.sort();
        let theirs = git(
            root,
            &[
                "diff",
                "--no-renames",
                "--name-status",
                "HEAD~1",
                "HEAD",
                "--",
                "customers",
            ],
        );
        let mut theirs: Vec<String> = theirs.lines().map(str::to_owned).collect();
        theirs.sort();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn raw_trees_parse_like_the_backend_reads_them() {
        let dir = crate::test_support::new_book();
        let book = crate::test_support::open(dir.path());
        let repo = &book.repo;
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        let customers = head.get_name("customers").unwrap().id();
        for id in [head.id(), customers] {
            let tree = repo.find_tree(id).unwrap();
            let odb = repo.odb().unwrap();
            let raw = odb.read(id).unwrap();
            let flat = FlatTree::from_raw(Rc::new(raw.data().to_vec()));
            let mine: Vec<RawEntry<'_>> = flat.entries().collect();
            assert_eq!(mine.len(), tree.len());
            for (entry, mine) in tree.iter().zip(&mine) {
                assert_eq!(entry.name_bytes(), mine.name);
                assert_eq!(entry.id().as_bytes(), mine.id);
                assert_eq!(entry.kind() == Some(ObjectType::Tree), mine.is_tree());
            }
        }
        let broken = FlatTree::from_raw(Rc::new(b"100644 x.toml\0short".to_vec()));
        let mut entries = broken.entries();
        assert!(entries.next().is_none() && entries.malformed);
        let root = FlatTree::from_raw(
            repo.odb()
                .unwrap()
                .read(head.id())
                .unwrap()
                .data()
                .to_vec()
                .into(),
        );
        assert_eq!(root.find(b"customers", true), Some(customers));
        assert_eq!(root.find(b"customers", false), None);
        assert!(root.find(b"kehu.toml", false).is_some());
        assert_eq!(root.find(b"nothing", true), None);
    }
}
