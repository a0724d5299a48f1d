//! Diffing two `customers/` trees: a merge-join of the sorted entries of both
//! sides, descending only into sub-trees whose ids differ, so the cost is in
//! proportion to what changed, not to the size of the book.

use std::cmp::Ordering;

use git2::{ObjectType, Oid};

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

fn is_tree(entry: &git2::TreeEntry<'_>) -> bool {
    entry.kind() == Some(ObjectType::Tree)
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
    let left = old.map(|id| objects.tree(id)).transpose()?;
    let right = new.map(|id| objects.tree(id)).transpose()?;
    let left_len = left.as_ref().map_or(0, |t| t.len());
    let right_len = right.as_ref().map_or(0, |t| t.len());
    let (mut i, mut j) = (0, 0);
    while i < left_len || j < right_len {
        let a = left
            .as_ref()
            .and_then(|t| t.get(i))
            .filter(|_| i < left_len);
        let b = right
            .as_ref()
            .and_then(|t| t.get(j))
            .filter(|_| j < right_len);
        let order = match (&a, &b) {
            (Some(a), Some(b)) => git_order(a.name_bytes(), is_tree(a), b.name_bytes(), is_tree(b)),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match (order, a, b) {
            (Ordering::Less, Some(a), _) => {
                side(objects, &a, base, true, out)?;
                i += 1;
            }
            (Ordering::Greater, _, Some(b)) => {
                side(objects, &b, base, false, out)?;
                j += 1;
            }
            (Ordering::Equal, Some(a), Some(b)) => {
                if a.id() != b.id() {
                    let path = join(base, a.name_bytes());
                    if is_tree(&a) {
                        diff_trees(objects, Some(a.id()), Some(b.id()), &path, out)?;
                    } else if is_customer_file(&a) {
                        out.push(Delta {
                            path,
                            old: Some(a.id()),
                            new: Some(b.id()),
                        });
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
    entry: &git2::TreeEntry<'_>,
    base: &str,
    removed: bool,
    out: &mut Vec<Delta>,
) -> Result<(), GitError> {
    let path = join(base, entry.name_bytes());
    let (old, new) = if removed {
        (Some(entry.id()), None)
    } else {
        (None, Some(entry.id()))
    };
    if is_tree(entry) {
        return diff_trees(objects, old, new, &path, out);
    }
    if is_customer_file(entry) {
        out.push(Delta { path, old, new });
    }
    Ok(())
}

fn is_customer_file(entry: &git2::TreeEntry<'_>) -> bool {
    entry.kind() == Some(ObjectType::Blob) && entry.name_bytes().ends_with(b".toml")
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
    let tree = objects.tree(tree)?;
    for entry in tree.iter() {
        if is_tree(&entry) {
            let path = join(base, entry.name_bytes());
            list_files(objects, entry.id(), &path, out)?;
        } else if is_customer_file(&entry) {
            out.push((join(base, entry.name_bytes()), entry.id()));
        }
    }
    Ok(())
}
