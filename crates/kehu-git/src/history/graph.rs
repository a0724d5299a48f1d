//! git's commit-graph file, read for a walk's commits: a commit's tree,
//! parents and committer time in one small `pread` instead of finding,
//! inflating and parsing the commit object (what `git log` does with it).
//!
//! Format (git's `Documentation/gitformat-commit-graph.txt`): a header
//! (`CGPH`, version 1, hash version 1 for SHA-1, the number of chunks and of
//! base graphs), a table of chunk ids and offsets, then the chunks: `OIDF`
//! (fan-out), `OIDL` (the sorted commit ids), `CDAT` (per commit: tree id,
//! two parent positions, generation and time) and, for octopus merges,
//! `EDGE` (their further parents). Only a single graph file without base
//! graphs is read; a commit it lacks (made after it was written) is read
//! from its object, so the graph is a shortcut, never the authority.

use std::fs::File;
use std::path::Path;

use git2::Oid;

use super::pack::{SortedIds, be32, read_at};

/// A parent position meaning "no parent".
const NO_PARENT: u32 = 0x7000_0000;

/// The high bit of a parent word: an index into `EDGE`, or the last edge.
const HIGH: u32 = 0x8000_0000;

/// Bytes of one `CDAT` entry: tree id, two parent words, generation + time.
const ENTRY: u64 = 20 + 4 + 4 + 8;

/// An open commit-graph file.
pub(crate) struct Graph {
    ids: SortedIds,
    /// Where `CDAT` starts.
    data_at: u64,
    /// Where `EDGE` starts and its length, when the graph has one.
    edges: Option<(u64, u64)>,
}

/// What the graph holds of one commit.
pub(crate) struct GraphCommit {
    /// The commit's root tree.
    pub tree: Oid,
    /// The parents' positions in the graph, first parent first.
    pub parents: Vec<u32>,
    /// Committer time (seconds).
    pub time: i64,
}

impl Graph {
    /// Opens `objects/info/commit-graph` of the repository at `git_dir`;
    /// `None` when there is none or it is not one this reader knows.
    pub(crate) fn open(git_dir: &Path) -> Option<Graph> {
        let file = File::open(git_dir.join("objects").join("info").join("commit-graph")).ok()?;
        let len = file.metadata().ok()?.len();
        let mut head = [0u8; 8];
        read_at(&file, &mut head, 0)?;
        // Signature, version 1, SHA-1, no base graphs.
        if head[..6] != *b"CGPH\x01\x01" || head[7] != 0 {
            return None;
        }
        let chunks = usize::from(head[6]);
        let mut table = vec![0u8; (chunks + 1) * 12];
        read_at(&file, &mut table, 8)?;
        let mut found: [Option<(u64, u64)>; 4] = [None; 4];
        for i in 0..chunks {
            let entry = &table[i * 12..i * 12 + 24];
            let at = u64::from_be_bytes(entry[4..12].try_into().ok()?);
            let end = u64::from_be_bytes(entry[16..24].try_into().ok()?);
            if end < at || end > len {
                return None;
            }
            let slot = match &entry[..4] {
                b"OIDF" => 0,
                b"OIDL" => 1,
                b"CDAT" => 2,
                b"EDGE" => 3,
                _ => continue,
            };
            found[slot] = Some((at, end - at));
        }
        let [
            Some((fanout_at, fanout_len)),
            Some((ids_at, ids_len)),
            Some((data_at, data_len)),
            edges,
        ] = found
        else {
            return None;
        };
        let count = usize::try_from(ids_len / 20).ok()?;
        let whole = ids_len % 20 == 0 && fanout_len == 256 * 4;
        if !whole || data_len != ids_len / 20 * ENTRY || count >= NO_PARENT as usize {
            return None;
        }
        Some(Graph {
            ids: SortedIds::open(file, fanout_at, ids_at, count)?,
            data_at,
            edges,
        })
    }

    /// The position of commit `id`, if the graph holds it.
    pub(crate) fn position(&self, id: Oid) -> Option<u32> {
        u32::try_from(self.ids.position(id)?).ok()
    }

    /// The id of the commit at `position`.
    pub(crate) fn id(&self, position: u32) -> Option<Oid> {
        self.ids.id(position as usize)
    }

    /// The commit at `position`; `None` if its entry does not read cleanly.
    pub(crate) fn commit(&self, position: u32) -> Option<GraphCommit> {
        if position as usize >= self.ids.count {
            return None;
        }
        let mut entry = [0u8; ENTRY as usize];
        read_at(
            &self.ids.file,
            &mut entry,
            self.data_at + u64::from(position) * ENTRY,
        )?;
        let tree = Oid::from_bytes(&entry[..20]).ok()?;
        let (first, second) = (be32(&entry, 20)?, be32(&entry, 24)?);
        let mut parents = Vec::new();
        if first != NO_PARENT {
            parents.push(self.checked(first)?);
            if second & HIGH != 0 {
                self.octopus(second & !HIGH, &mut parents)?;
            } else if second != NO_PARENT {
                parents.push(self.checked(second)?);
            }
        }
        let high = u64::from(be32(&entry, 28)? & 3);
        let time = i64::try_from(high << 32 | u64::from(be32(&entry, 32)?)).ok()?;
        Some(GraphCommit {
            tree,
            parents,
            time,
        })
    }

    /// A parent position, if it is one of the graph's.
    fn checked(&self, position: u32) -> Option<u32> {
        ((position as usize) < self.ids.count).then_some(position)
    }

    /// Appends an octopus merge's second and later parents, listed in
    /// `EDGE` from `index` to the entry with the high bit set.
    fn octopus(&self, index: u32, parents: &mut Vec<u32>) -> Option<()> {
        let (at, len) = self.edges?;
        let mut next = u64::from(index) * 4;
        loop {
            if next + 4 > len {
                return None;
            }
            let mut word = [0u8; 4];
            read_at(&self.ids.file, &mut word, at + next)?;
            let edge = u32::from_be_bytes(word);
            parents.push(self.checked(edge & !HIGH)?);
            if edge & HIGH != 0 {
                return Some(());
            }
            next += 4;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::LogQuery;
    use crate::test_support::{git, new_book, open, write};

    /// Every timeline and the log of a book, as its history reader reads them.
    fn answers(path: &Path) -> Vec<String> {
        let book = open(path);
        let history = book.history();
        let mut out = vec![format!("{:?}", history.log(&LogQuery::default()).unwrap())];
        for id in ["acme", "acme-corp", "zhongshan", "x"] {
            out.push(format!("{:?}", history.customer(id, None)));
        }
        out
    }

    #[test]
    fn a_walk_answers_the_same_with_the_graph_and_after_it() {
        let dir = new_book();
        let path = dir.path();
        git(path, &["checkout", "-qb", "side"]);
        write(
            path,
            "customers/zh/zhongshan.toml",
            "id = \"zhongshan\"\nn = 1\n",
        );
        git(path, &["commit", "-qam", "side"]);
        git(path, &["checkout", "-q", "main"]);
        git(
            path,
            &[
                "mv",
                "customers/ac/acme.toml",
                "customers/ac/acme-corp.toml",
            ],
        );
        git(path, &["commit", "-qm", "rename"]);
        git(path, &["merge", "-q", "--no-edit", "side"]);
        let before = answers(path);
        git(path, &["commit-graph", "write", "--reachable"]);
        assert_eq!(answers(path), before);
        // Commits the graph lacks are read from their objects.
        write(path, "customers/x/x.toml", "id = \"x\"\n");
        git(path, &["add", "-A"]);
        git(path, &["commit", "-qm", "x"]);
        let mixed = answers(path);
        std::fs::remove_file(path.join(".git/objects/info/commit-graph")).unwrap();
        assert_eq!(answers(path), mixed);
    }

    #[test]
    fn every_commit_reads_as_libgit2_reads_it() {
        let dir = new_book();
        let path = dir.path();
        // A line of commits, a branch, a plain merge and an octopus merge.
        for i in 0..40 {
            write(
                path,
                "customers/ac/acme.toml",
                &format!("id = \"acme\"\nn = {i}\n"),
            );
            git(path, &["commit", "-qam", &format!("c{i}")]);
        }
        for side in ["a", "b", "c"] {
            git(path, &["checkout", "-qb", side, "HEAD~5"]);
            write(
                path,
                &format!("customers/{side}/{side}.toml"),
                "id = \"x\"\n",
            );
            git(path, &["add", "-A"]);
            git(path, &["commit", "-qm", side]);
        }
        git(path, &["checkout", "-q", "main"]);
        git(path, &["merge", "-q", "--no-edit", "a"]);
        git(path, &["merge", "-q", "--no-edit", "b", "c"]);
        let repo = git2::Repository::open(path).unwrap();
        assert!(Graph::open(repo.path()).is_none());
        git(path, &["commit-graph", "write", "--reachable"]);
        let graph = Graph::open(repo.path()).unwrap();
        let mut walk = repo.revwalk().unwrap();
        walk.push_glob("*").unwrap();
        let mut octopus = 0;
        for id in walk {
            let id = id.unwrap();
            let commit = repo.find_commit(id).unwrap();
            let position = graph.position(id).unwrap();
            assert_eq!(graph.id(position), Some(id));
            let got = graph.commit(position).unwrap();
            assert_eq!(got.tree, commit.tree_id());
            assert_eq!(got.time, commit.time().seconds());
            let parents: Vec<Oid> = got.parents.iter().map(|p| graph.id(*p).unwrap()).collect();
            assert_eq!(parents, commit.parent_ids().collect::<Vec<_>>());
            octopus += usize::from(parents.len() > 2);
        }
        assert_eq!(octopus, 1);
        // Trees and blobs are not commits of the graph.
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        assert!(graph.position(head.tree_id()).is_none());
        assert!(graph.id(u32::MAX).is_none() && graph.commit(u32::MAX).is_none());
    }
}
