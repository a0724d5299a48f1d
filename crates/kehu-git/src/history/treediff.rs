//! Diffing two `customers/` trees: a merge-join of the sorted entries of both
//! sides, descending only into sub-trees whose ids differ, so the cost is in
//! proportion to what changed, not to the size of the book.

use std::cmp::Ordering;

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

/// A tree's entries copied out of the backend once: names in one buffer,
/// ids as plain bytes. Consecutive commits diff the same tree twice (as the
/// new side, then as the old side), and the merge-join over plain data is
/// far cheaper than asking the backend for every entry's name and id.
pub(crate) struct FlatTree {
    names: Vec<u8>,
    entries: Vec<FlatEntry>,
}

#[derive(Clone, Copy)]
struct FlatEntry {
    start: u32,
    len: u32,
    id: [u8; 20],
    kind: EntryKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    /// A blob whose name ends in `.toml`.
    CustomerFile,
    /// Anything else (other files, submodules): never reported.
    Other,
}

impl FlatTree {
    /// Parses a raw tree object: entries of `<octal mode> <name>\0<20-byte id>`.
    /// `None` when the bytes are not a well-formed tree.
    pub(crate) fn parse(data: &[u8]) -> Option<FlatTree> {
        let mut names = Vec::with_capacity(data.len() / 2);
        let mut entries = Vec::with_capacity(data.len() / 32);
        let mut rest = data;
        while !rest.is_empty() {
            let space = rest.iter().position(|&b| b == b' ')?;
            let mode = &rest[..space];
            rest = &rest[space + 1..];
            let nul = rest.iter().position(|&b| b == 0)?;
            let name = &rest[..nul];
            rest = &rest[nul + 1..];
            if rest.len() < 20 || name.is_empty() {
                return None;
            }
            let mut id = [0u8; 20];
            id.copy_from_slice(&rest[..20]);
            rest = &rest[20..];
            let kind = match mode {
                b"40000" | b"040000" => EntryKind::Tree,
                b"100644" | b"100755" | b"100664" | b"120000" if name.ends_with(b".toml") => {
                    EntryKind::CustomerFile
                }
                _ => EntryKind::Other,
            };
            entries.push(FlatEntry {
                start: u32::try_from(names.len()).ok()?,
                len: u32::try_from(name.len()).ok()?,
                id,
                kind,
            });
            names.extend_from_slice(name);
        }
        Some(FlatTree { names, entries })
    }

    /// The id of the entry `name` if it is a sub-tree (`want_tree`) or a
    /// customer file (`*.toml` blob): a binary search in git's order.
    pub(crate) fn find(&self, name: &[u8], want_tree: bool) -> Option<Oid> {
        let found = self
            .entries
            .binary_search_by(|e| {
                git_order(self.name(e), e.kind == EntryKind::Tree, name, want_tree)
            })
            .ok()?;
        let entry = &self.entries[found];
        let wanted = if want_tree {
            EntryKind::Tree
        } else {
            EntryKind::CustomerFile
        };
        if entry.kind == wanted {
            oid(&entry.id).ok()
        } else {
            None
        }
    }

    fn name(&self, e: &FlatEntry) -> &[u8] {
        &self.names[e.start as usize..(e.start + e.len) as usize]
    }
}

fn oid(bytes: &[u8; 20]) -> Result<Oid, GitError> {
    Oid::from_bytes(bytes).map_err(|e| GitError::backend("reading a tree entry", e.message()))
}

/// Git's tree order: names compared as bytes, a tree's name as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {}
        other => return other,
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
        names: Vec::new(),
        entries: Vec::new(),
    };
    let left = old.map(|id| objects.flat_tree(id)).transpose()?;
    let right = new.map(|id| objects.flat_tree(id)).transpose()?;
    let left = left.as_deref().unwrap_or(&empty);
    let right = right.as_deref().unwrap_or(&empty);
    let (mut i, mut j) = (0, 0);
    while i < left.entries.len() || j < right.entries.len() {
        let (a, b) = (left.entries.get(i), right.entries.get(j));
        let order = match (a, b) {
            (Some(a), Some(b)) => {
                let (an, bn) = (left.name(a), right.name(b));
                if an == bn && (a.kind == EntryKind::Tree) == (b.kind == EntryKind::Tree) {
                    Ordering::Equal
                } else {
                    git_order(an, a.kind == EntryKind::Tree, bn, b.kind == EntryKind::Tree)
                }
            }
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match (order, a, b) {
            (Ordering::Less, Some(a), _) => {
                side(objects, left, a, base, true, out)?;
                i += 1;
            }
            (Ordering::Greater, _, Some(b)) => {
                side(objects, right, b, base, false, out)?;
                j += 1;
            }
            (Ordering::Equal, Some(a), Some(b)) => {
                if a.id != b.id {
                    match a.kind {
                        EntryKind::Tree => {
                            let path = join(base, left.name(a));
                            diff_trees(objects, Some(oid(&a.id)?), Some(oid(&b.id)?), &path, out)?;
                        }
                        EntryKind::CustomerFile if b.kind == EntryKind::CustomerFile => {
                            out.push(Delta {
                                path: join(base, left.name(a)),
                                old: Some(oid(&a.id)?),
                                new: Some(oid(&b.id)?),
                            });
                        }
                        _ => {}
                    }
                }
                i += 1;
                j += 1;
            }
            _ => break,
        }
    }
    Ok(())
}

/// An entry on one side only: a file added or removed, or a whole sub-tree.
fn side(
    objects: &Objects<'_>,
    tree: &FlatTree,
    entry: &FlatEntry,
    base: &str,
    removed: bool,
    out: &mut Vec<Delta>,
) -> Result<(), GitError> {
    let id = oid(&entry.id)?;
    let (old, new) = if removed {
        (Some(id), None)
    } else {
        (None, Some(id))
    };
    match entry.kind {
        EntryKind::Tree => diff_trees(objects, old, new, &join(base, tree.name(entry)), out),
        EntryKind::CustomerFile => {
            out.push(Delta {
                path: join(base, tree.name(entry)),
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
    for entry in &tree.entries {
        match entry.kind {
            EntryKind::Tree => {
                let path = join(base, tree.name(entry));
                list_files(objects, oid(&entry.id)?, &path, out)?;
            }
            EntryKind::CustomerFile => out.push((join(base, tree.name(entry)), oid(&entry.id)?)),
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
            let flat = FlatTree::parse(raw.data()).unwrap();
            assert_eq!(flat.entries.len(), tree.len());
            for (entry, mine) in tree.iter().zip(&flat.entries) {
                assert_eq!(entry.name_bytes(), flat.name(mine));
                assert_eq!(entry.id().as_bytes(), &mine.id[..]);
                assert_eq!(
                    entry.kind() == Some(ObjectType::Tree),
                    mine.kind == EntryKind::Tree
                );
            }
        }
        assert!(FlatTree::parse(b"100644 x.toml\0short").is_none());
        let root = FlatTree::parse(repo.odb().unwrap().read(head.id()).unwrap().data()).unwrap();
        assert_eq!(root.find(b"customers", true), Some(customers));
        assert_eq!(root.find(b"customers", false), None);
        assert!(root.find(b"kehu.toml", false).is_some());
        assert_eq!(root.find(b"nothing", true), None);
    }
}
