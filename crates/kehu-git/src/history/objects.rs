//! The reader's view of the object store: the few questions history asks of
//! git, answered through git2 in one place so the backend can change.

use std::cell::RefCell;
use std::rc::Rc;

use std::collections::HashSet;

use git2::{Commit, ErrorCode, ObjectType, Odb, Oid, Repository};

use super::graph::Graph;
use super::pack::{FastMap, Packs, Raw};
use super::records::CommitInfo;
use super::treediff::FlatTree;
use crate::error::{Context, GitError};

/// What a commit holds of the book: the `customers/` tree and `kehu.toml`
/// blob, plus the commit's parents and time for the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BookIds {
    /// The `customers/` tree, if the commit has one.
    pub customers: Option<Oid>,
    /// The `kehu.toml` blob, if the commit has one.
    pub rules: Option<Oid>,
    /// Committer time (seconds), for ordering the walk.
    pub time: i64,
    /// The commit's parents, first parent first.
    pub parents: Rc<[Oid]>,
}

/// The repository plus the book prefix, with a memo of each commit's book ids
/// (a commit is usually asked about twice: as a child and as a parent).
pub(crate) struct Objects<'r> {
    pub repo: &'r Repository,
    /// One handle on the object database for every read: libgit2 looks for
    /// packs once per handle, not once per object.
    odb: Option<Odb<'r>>,
    /// The same objects read straight from the packs, with a delta-base
    /// cache libgit2 lacks (see `pack.rs`); libgit2 answers the rest.
    packs: Packs,
    /// The commit-graph, when the repository has one: a commit's tree,
    /// parents and time without reading the commit.
    graph: Option<Graph>,
    /// Graph positions of parents met but not yet asked about: a walk asks
    /// about a commit's parents next, so their positions need no search.
    graph_pos: RefCell<FastMap<Oid, u32>>,
    /// Commits whose parents a shallow clone cut off (`.git/shallow`): the
    /// walk treats them as roots, as `git log` does.
    shallow: HashSet<Oid>,
    prefix: Vec<String>,
    ids: RefCell<FastMap<Oid, BookIds>>,
    /// A few recently read trees: consecutive commits share most of them.
    flat: RefCell<Vec<(Oid, Rc<FlatTree>)>>,
    /// The last few lookups of a name in a tree: a walk looks each commit's
    /// fan-out directory up twice (as the child's, then as the parent's).
    looked_up: RefCell<Vec<Lookup>>,
}

/// One remembered lookup: the tree, the name and kind asked for, the answer.
type Lookup = (Oid, Box<[u8]>, bool, Option<Oid>);

const TREE_CACHE: usize = 16;
const LOOKUP_CACHE: usize = 8;
/// Parents' graph positions kept at most (see `Objects::graph_pos`).
const GRAPH_HINTS: usize = 4096;

impl<'r> Objects<'r> {
    /// The objects of the book at `prefix` in `repo`, keeping at most
    /// `cache` bytes of objects read from the packs.
    pub(crate) fn new(repo: &'r Repository, prefix: &str, cache: usize) -> Objects<'r> {
        let shallow = std::fs::read_to_string(repo.path().join("shallow"))
            .map(|text| {
                text.lines()
                    .filter_map(|line| Oid::from_str(line.trim()).ok())
                    .collect()
            })
            .unwrap_or_default();
        Objects {
            repo,
            odb: repo.odb().ok(),
            packs: Packs::open(repo.path(), cache),
            graph: Graph::open(repo.path()),
            graph_pos: RefCell::new(FastMap::default()),
            shallow,
            prefix: prefix
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            ids: RefCell::new(FastMap::default()),
            flat: RefCell::new(Vec::with_capacity(TREE_CACHE)),
            looked_up: RefCell::new(Vec::with_capacity(LOOKUP_CACHE)),
        }
    }

    /// Resolves a revision (`HEAD`, a branch, `HEAD~3`, an id) to a commit.
    pub(crate) fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|_| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })
    }

    /// HEAD's commit, or [`GitError::NoCommits`].
    pub(crate) fn head(&self) -> Result<Oid, GitError> {
        match self.repo.head() {
            Ok(head) => head
                .peel_to_commit()
                .map(|c| c.id())
                .context("reading HEAD"),
            Err(_) => Err(GitError::NoCommits),
        }
    }

    pub(crate) fn commit(&self, id: Oid) -> Result<Commit<'r>, GitError> {
        self.repo.find_commit(id).map_err(|error| {
            if error.code() == ErrorCode::NotFound {
                crate::error::missing_object(self.repo, id, "a commit")
            } else {
                GitError::backend("reading a commit", error.message())
            }
        })
    }

    /// A tree flattened for diffing, from the small cache when recent.
    pub(crate) fn flat_tree(&self, id: Oid) -> Result<Rc<FlatTree>, GitError> {
        if let Some((_, hit)) = self.flat.borrow().iter().find(|(k, _)| *k == id) {
            return Ok(Rc::clone(hit));
        }
        let object = self.read(id, "a tree")?;
        if object.kind != ObjectType::Tree {
            return Err(GitError::backend(
                "reading a tree",
                format!("{id} is a {}", object.kind),
            ));
        }
        let flat = Rc::new(FlatTree::from_raw(object.data));
        let mut cache = self.flat.borrow_mut();
        if cache.len() >= TREE_CACHE {
            cache.remove(0);
        }
        cache.push((id, Rc::clone(&flat)));
        Ok(flat)
    }

    pub(crate) fn blob(&self, id: Oid) -> Result<Vec<u8>, GitError> {
        Ok(self.read(id, "a blob")?.data.to_vec())
    }

    /// Reads a raw object from the packs, else through the one odb handle;
    /// a missing object is [`GitError::MissingObject`], saying what to do
    /// about it.
    pub(crate) fn read(&self, id: Oid, what: &str) -> Result<Raw, GitError> {
        if let Some(raw) = self.packs.read(id) {
            return Ok(raw);
        }
        let odb = match &self.odb {
            Some(odb) => odb,
            None => return Err(GitError::backend("opening the object database", "failed")),
        };
        let object = odb.read(id).map_err(|error| {
            if error.code() == ErrorCode::NotFound {
                crate::error::missing_object(self.repo, id, what)
            } else {
                GitError::backend(format!("reading {what} {id}"), error.message())
            }
        })?;
        Ok(Raw {
            kind: object.kind(),
            data: Rc::new(object.data().to_vec()),
        })
    }

    /// The book ids of a commit (memoised). Reads only the commit's header
    /// (tree, parents, committer time) from the raw object: the walk needs
    /// no more for the many commits that change nothing it looks at.
    pub(crate) fn book_ids_by_id(&self, id: Oid) -> Result<BookIds, GitError> {
        if let Some(ids) = self.ids.borrow().get(&id) {
            return Ok(ids.clone());
        }
        let header = match self.graph_header(id) {
            Some(header) => header,
            None => {
                let object = self.read(id, "a commit")?;
                parse_commit_header(&object.data).ok_or_else(|| {
                    GitError::backend("reading a commit", format!("{id} is malformed"))
                })?
            }
        };
        let mut ids = self.book_ids_of_tree(header.tree)?;
        ids.time = header.time;
        ids.parents = if self.shallow.contains(&id) {
            Rc::from(Vec::new())
        } else {
            header.parents.into()
        };
        self.ids.borrow_mut().insert(id, ids.clone());
        Ok(ids)
    }

    /// A commit's header from the commit-graph, if it holds the commit;
    /// its parents' positions are kept for when they are asked about.
    fn graph_header(&self, id: Oid) -> Option<CommitHeader> {
        let graph = self.graph.as_ref()?;
        let known = self.graph_pos.borrow_mut().remove(&id);
        let commit = graph.commit(known.or_else(|| graph.position(id))?)?;
        let mut parents = Vec::with_capacity(commit.parents.len());
        for position in commit.parents {
            let parent = graph.id(position)?;
            let mut hints = self.graph_pos.borrow_mut();
            // Hints of parents never asked about (already seen by the
            // walk) are dropped now and then.
            if hints.len() >= GRAPH_HINTS {
                hints.clear();
            }
            hints.insert(parent, position);
            parents.push(parent);
        }
        Some(CommitHeader {
            tree: commit.tree,
            parents,
            time: commit.time,
        })
    }

    /// Reads blobs as an index build does (see [`Packs::blobs_once`]).
    pub(crate) fn blobs_once(&self) {
        self.packs.blobs_once();
    }

    /// Memoises the book ids of a commit read elsewhere (by the index
    /// build's walk, on another thread).
    pub(crate) fn remember(&self, id: Oid, ids: BookIds) {
        self.ids.borrow_mut().insert(id, ids);
    }

    /// Forgets memoised ids (to bound memory on long walks).
    pub(crate) fn forget(&self, id: Oid) {
        self.ids.borrow_mut().remove(&id);
    }

    fn book_ids_of_tree(&self, root: Oid) -> Result<BookIds, GitError> {
        let mut tree = self.flat_tree(root)?;
        for part in &self.prefix {
            match tree.find(part.as_bytes(), true) {
                Some(id) => tree = self.flat_tree(id)?,
                None => {
                    return Ok(BookIds {
                        customers: None,
                        rules: None,
                        time: 0,
                        parents: Rc::from(Vec::new()),
                    });
                }
            }
        }
        let customers = tree.find(b"customers", true);
        let rules = tree.find(b"kehu.toml", false);
        Ok(BookIds {
            customers,
            rules,
            time: 0,
            parents: Rc::from(Vec::new()),
        })
    }

    /// The record of a commit, parsed from the raw object as libgit2 parses
    /// it (reading through libgit2 would map its own copy of the pack
    /// index and windows: a walk's memory twice over); libgit2 reads what
    /// does not parse.
    pub(crate) fn info_of(&self, id: Oid) -> Result<CommitInfo, GitError> {
        let raw = self.read(id, "a commit")?;
        if raw.kind == ObjectType::Commit
            && let Some(info) = parse_commit_info(id, &raw.data)
        {
            return Ok(info);
        }
        Ok(self.info(&self.commit(id)?))
    }

    /// The record of a commit.
    pub(crate) fn info(&self, commit: &Commit<'r>) -> CommitInfo {
        let author = commit.author();
        let when = author.when();
        CommitInfo::new(
            commit.id().to_string(),
            commit.parent_ids().map(|p| p.to_string()).collect(),
            String::from_utf8_lossy(author.name_bytes()).into_owned(),
            String::from_utf8_lossy(author.email_bytes()).into_owned(),
            when.seconds(),
            when.offset_minutes(),
            commit.time().seconds(),
            &String::from_utf8_lossy(commit.message_raw_bytes()),
        )
    }

    /// The blob at `path` (components under `customers/`) in a customers tree,
    /// for two trees at once, descending only while they differ. Returns the
    /// two blob ids (equal when the path is unchanged).
    pub(crate) fn path_pair(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        path: &[&str],
    ) -> Result<(Option<Oid>, Option<Oid>), GitError> {
        let (mut old, mut new) = (old, new);
        for (depth, part) in path.iter().enumerate() {
            if old == new {
                // Same subtree: the blob is the same, look it up once.
                let id = match old {
                    Some(tree) => self.blob_at(tree, &path[depth..])?,
                    None => None,
                };
                return Ok((id, id));
            }
            let last = depth + 1 == path.len();
            let want = if last {
                ObjectType::Blob
            } else {
                ObjectType::Tree
            };
            old = self.child(old, part, want)?;
            new = self.child(new, part, want)?;
        }
        Ok((old, new))
    }

    fn child(
        &self,
        tree: Option<Oid>,
        name: &str,
        kind: ObjectType,
    ) -> Result<Option<Oid>, GitError> {
        let Some(tree) = tree else { return Ok(None) };
        let want_tree = kind == ObjectType::Tree;
        {
            // Most recently used last: a hit moves there.
            let mut memo = self.looked_up.borrow_mut();
            let hit = memo
                .iter()
                .position(|(t, n, k, _)| *t == tree && *k == want_tree && **n == *name.as_bytes());
            if let Some(at) = hit {
                let lookup = memo.remove(at);
                let found = lookup.3;
                memo.push(lookup);
                return Ok(found);
            }
        }
        let found = self.flat_tree(tree)?.find(name.as_bytes(), want_tree);
        let mut memo = self.looked_up.borrow_mut();
        if memo.len() >= LOOKUP_CACHE {
            memo.remove(0);
        }
        memo.push((tree, name.as_bytes().into(), want_tree, found));
        Ok(found)
    }

    /// The blob at `path` below a tree.
    pub(crate) fn blob_at(&self, tree: Oid, path: &[&str]) -> Result<Option<Oid>, GitError> {
        let mut current = Some(tree);
        for (depth, part) in path.iter().enumerate() {
            let kind = if depth + 1 == path.len() {
                ObjectType::Blob
            } else {
                ObjectType::Tree
            };
            current = self.child(current, part, kind)?;
            if current.is_none() {
                return Ok(None);
            }
        }
        Ok(current)
    }
}

/// The parts of a raw commit object the walk needs.
struct CommitHeader {
    tree: Oid,
    parents: Vec<Oid>,
    time: i64,
}

/// Parses `tree`, `parent` and `committer` lines of a raw commit object.
fn parse_commit_header(data: &[u8]) -> Option<CommitHeader> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut time = None;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break; // end of the header; the message follows
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Oid::from_str(std::str::from_utf8(hex).ok()?).ok();
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
        } else if let Some(rest) = line.strip_prefix(b"committer ") {
            // `Name <email> 1700000000 +0000`: the second-last field.
            let close = rest.iter().rposition(|&b| b == b'>')?;
            let mut fields = rest[close + 1..]
                .split(|&b| b == b' ')
                .filter(|f| !f.is_empty());
            time = std::str::from_utf8(fields.next()?).ok()?.parse().ok();
        }
    }
    Some(CommitHeader {
        tree: tree?,
        parents,
        time: time.unwrap_or(0),
    })
}

/// A signature line as libgit2 reads it (`git_signature__parse`): the name
/// and email around the last `<` and `>`, trimmed; the time after; the zone
/// as `±hhmm`, zero when malformed or out of range.
struct Signature<'a> {
    name: &'a [u8],
    email: &'a [u8],
    time: i64,
    offset_minutes: i32,
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    while s.first().is_some_and(space) {
        s = &s[1..];
    }
    while s.last().is_some_and(space) {
        s = &s[..s.len() - 1];
    }
    s
}

/// An integer as `git__strntol64` reads one: leading spaces, a sign, then
/// digits (at least one); returns it and the bytes consumed.
fn leading_int(s: &[u8]) -> Option<(i64, usize)> {
    let mut at = 0;
    while s
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        at += 1;
    }
    let negative = match s.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let start = at;
    let mut value: i64 = 0;
    while let Some(d) = s.get(at).filter(|b| b.is_ascii_digit()) {
        value = value.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        at += 1;
    }
    (at > start).then_some((if negative { -value } else { value }, at))
}

fn parse_signature(line: &[u8]) -> Option<Signature<'_>> {
    let lt = line.iter().rposition(|&b| b == b'<')?;
    let gt = line.iter().rposition(|&b| b == b'>')?;
    if gt <= lt {
        return None;
    }
    let mut sig = Signature {
        name: trim_space(&line[..lt]),
        email: trim_space(&line[lt + 1..gt]),
        time: 0,
        offset_minutes: 0,
    };
    if gt + 2 < line.len() {
        let (time, used) = leading_int(&line[gt + 2..])?;
        sig.time = time;
        let tz = gt + 2 + used + 1;
        if tz < line.len() {
            let sign = line[tz];
            let offset = match (sign, leading_int(&line[tz + 1..])) {
                (b'-' | b'+', Some((value, _))) => i32::try_from(value).unwrap_or(0),
                _ => 0,
            };
            let (hours, mins) = (offset / 100, offset % 100);
            if hours <= 14 && mins <= 59 {
                sig.offset_minutes = hours * 60 + mins;
                if sign == b'-' {
                    sig.offset_minutes = -sig.offset_minutes;
                }
            }
        }
    }
    Some(sig)
}

/// A commit's record from its raw object, when it has the usual shape:
/// `tree`, `parent`s, `author` and `committer` lines, other headers, a
/// blank line and the message.
fn parse_commit_info(id: Oid, data: &[u8]) -> Option<CommitInfo> {
    let mut lines = data.split(|&b| b == b'\n');
    lines.next()?.strip_prefix(b"tree ")?;
    let mut parents = Vec::new();
    let mut line = lines.next()?;
    while let Some(hex) = line.strip_prefix(b"parent ") {
        parents.push(
            Oid::from_str(std::str::from_utf8(hex).ok()?)
                .ok()?
                .to_string(),
        );
        line = lines.next()?;
    }
    let author = parse_signature(line.strip_prefix(b"author ")?)?;
    let committer = parse_signature(lines.next()?.strip_prefix(b"committer ")?)?;
    let message = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => &data[at + 2..],
        None => &[],
    };
    Some(CommitInfo::new(
        id.to_string(),
        parents,
        String::from_utf8_lossy(author.name).into_owned(),
        String::from_utf8_lossy(author.email).into_owned(),
        author.time,
        author.offset_minutes,
        committer.time,
        &String::from_utf8_lossy(message),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_headers_parse_like_the_backend_reads_them() {
        let dir = crate::test_support::new_book();
        let book = crate::test_support::open(dir.path());
        let repo = &book.repo;
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let odb = repo.odb().unwrap();
        let raw = odb.read(head.id()).unwrap();
        let header = parse_commit_header(raw.data()).unwrap();
        assert_eq!(header.tree, head.tree_id());
        assert_eq!(header.time, head.time().seconds());
        assert!(header.parents.is_empty());
        assert!(parse_commit_header(b"parent x\n").is_none());
    }

    #[test]
    fn commit_records_parse_like_the_backend_reads_them() {
        let dir = crate::test_support::new_book();
        let book = crate::test_support::open(dir.path());
        let repo = &book.repo;
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let tree = head.tree_id();
        let odb = repo.odb().unwrap();
        let signatures = [
            "Tess Tester <tess@example.com> 1700000000 +0000",
            "  Ann  B.  <  ann@example.com > 1700000000 -0330",
            "Zed <z@x> 1700000000 +1400",
            "Odd <a<b>c> 1700000000 +9999",
            "Bad zone <b@x> 1700000000 0100",
            "No zone <n@x> 1700000000",
            "No time <n@x>",
            "Wide 名前 <w@x> 1 +0545",
        ];
        for (i, sig) in signatures.iter().enumerate() {
            for message in [
                "",
                "subject\n",
                "subject\n\nbody\n\nKehu-Command: contact\n",
            ] {
                let raw = format!(
                    "tree {tree}\nparent {}\nauthor {sig}\ncommitter {}\nencoding UTF-8\n\n{message}",
                    head.id(),
                    signatures[(i + 1) % signatures.len()],
                );
                let id = odb.write(ObjectType::Commit, raw.as_bytes()).unwrap();
                let objects = Objects::new(repo, "", crate::history::pack::CACHE_BYTES);
                let ours = parse_commit_info(id, raw.as_bytes()).unwrap();
                let theirs = objects.info(&objects.commit(id).unwrap());
                assert_eq!(ours, theirs, "{sig:?} {message:?}");
                assert_eq!(objects.info_of(id).unwrap(), theirs);
            }
        }
        assert!(parse_commit_info(head.id(), b"tree x\nauthor y\n").is_none());
    }
}
