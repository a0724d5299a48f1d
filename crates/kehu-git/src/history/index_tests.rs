//! Narrow queries and the history index against the plain walk, on a book
//! with contacts (one back-dated, one without the field), an import, a hand
//! edit, a rename, a policy change and a merged branch.

use std::fs;
use std::path::Path;

use super::*;
use crate::test_support::{customer, git, git_at, new_book, open, write};

pub(super) fn day(text: &str) -> kehu_core::Date {
    text.parse().unwrap()
}

pub(super) fn set(root: &Path, path: &str, from: &str, to: &str) {
    let text = fs::read_to_string(root.join(path)).unwrap();
    assert!(text.contains(from), "{from} not in {path}");
    fs::write(root.join(path), text.replacen(from, to, 1)).unwrap();
}

pub(super) fn commit(root: &Path, date: &str, message: &str) {
    git_at(root, date, &["commit", "-qam", message]);
}

pub(super) const ACME: &str = "customers/ac/acme.toml";
const ZHONG: &str = "customers/zh/zhongshan.toml";
const STEEL: &str = "customers/zh/zhongshan-steel.toml";

/// The busy book: see the module comment.
pub(super) fn busy_book() -> tempfile::TempDir {
    let dir = new_book();
    let root = dir.path();
    fs::write(
        root.join(ACME),
        format!(
            "{}\n[contact]\nlast = 2026-01-02\n",
            customer("acme", "key")
        ),
    )
    .unwrap();
    fs::write(
        root.join(ZHONG),
        format!(
            "{}\n[contact]\nlast = 2026-01-02\n",
            customer("zhongshan", "small")
        ),
    )
    .unwrap();
    commit(root, "2026-01-06T09:00:00+00:00", "Add contact sections");
    set(
        root,
        ACME,
        "last = 2026-01-02",
        "last = 2026-01-10\nchannel = \"call\"",
    );
    commit(
        root,
        "2026-01-10T10:00:00+00:00",
        "contact: acme by call\n\nCall.\n\nKehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: call",
    );
    // Back-dated with --at: the commit is later than the contact.
    set(root, ZHONG, "last = 2026-01-02", "last = 2026-01-08");
    commit(
        root,
        "2026-01-12T10:00:00+08:00",
        "contact: zhongshan by visit\n\nVisit.\n\nKehu-Command: contact\nKehu-Customer: zhongshan\nKehu-Contact: visit",
    );
    set(root, ACME, "revenue_12m = 1000.0", "revenue_12m = 1500.0");
    set(root, ACME, "last = 2026-01-10", "last = 2026-01-14");
    commit(
        root,
        "2026-01-15T10:00:00+00:00",
        "import: orders\n\nKehu-Command: import\nKehu-Customer: acme",
    );
    set(root, ZHONG, "last = 2026-01-08", "last = 2026-01-19");
    commit(
        root,
        "2026-01-20T10:00:00+00:00",
        "Fix zhongshan's contact day",
    );
    // A contact commit without the field.
    set(root, ACME, "channel = \"call\"", "channel = \"visit\"");
    commit(
        root,
        "2026-01-22T10:00:00+00:00",
        "contact: acme by visit\n\nKehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: visit",
    );
    git(root, &["mv", ZHONG, STEEL]);
    set(
        root,
        STEEL,
        "id = \"zhongshan\"",
        "id = \"zhongshan-steel\"",
    );
    commit(root, "2026-01-25T10:00:00+00:00", "Rename zhongshan");
    set(root, STEEL, "last = 2026-01-19", "last = 2026-01-28");
    commit(
        root,
        "2026-01-28T10:00:00+00:00",
        "contact: zhongshan-steel by call\n\nKehu-Command: contact\nKehu-Customer: zhongshan-steel\nKehu-Contact: call",
    );
    git(root, &["checkout", "-qb", "side"]);
    set(root, STEEL, "tier = \"small\"", "tier = \"ordinary\"");
    commit(
        root,
        "2026-02-02T10:00:00+00:00",
        "Regrade on a branch\n\nKehu-Command: grade\nKehu-Customer: zhongshan-steel\nKehu-Reason: bigger",
    );
    git(root, &["checkout", "-q", "main"]);
    set(root, ACME, "tier = \"key\"", "tier = \"strategic\"");
    commit(
        root,
        "2026-02-01T10:00:00+00:00",
        "grade: acme\n\nKehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: grew",
    );
    write(root, "kehu.toml", "[book]\nname = \"test 2\"\n");
    commit(root, "2026-02-03T10:00:00+00:00", "Rename the book");
    git_at(
        root,
        "2026-02-04T10:00:00+00:00",
        &["merge", "-q", "--no-ff", "-m", "Merge side", "side"],
    );
    dir
}

pub(super) fn queries() -> Vec<LogQuery> {
    let mut out = Vec::new();
    let windows = [
        (None, None),
        (Some("2026-01-10"), None),
        (Some("2026-01-12"), Some("2026-01-25")),
        (None, Some("2026-01-06")),
        (Some("2026-03-01"), None),
    ];
    let filters = [
        ChangeFilter::default(),
        ChangeFilter::fields(["grade.tier", "metrics.revenue_12m"]),
        ChangeFilter::fields([CONTACT_FIELD]).contacts(),
        ChangeFilter::default().contacts(),
        ChangeFilter {
            trailers: Some(["kehu-reason".to_owned()].into()),
            ..ChangeFilter::default()
        },
        ChangeFilter {
            trailers: Some(["Kehu-Contact".to_owned(), "Kehu-Nothing".to_owned()].into()),
            ..ChangeFilter::fields([CONTACT_FIELD]).contacts()
        },
    ];
    for (since, until) in windows {
        for filter in &filters {
            out.push(LogQuery {
                rev: None,
                since: since.map(day),
                until: until.map(day),
                filter: filter.clone(),
            });
        }
    }
    out
}

#[test]
fn narrow_queries_equal_the_full_log_filtered() {
    let dir = busy_book();
    let book = open(dir.path());
    let history = book.history();
    for query in queries() {
        let all = history
            .log(&LogQuery {
                filter: ChangeFilter::default(),
                ..query.clone()
            })
            .unwrap();
        let expected: Vec<Event> = all
            .into_iter()
            .filter_map(|e| query.filter.apply(e))
            .collect();
        assert_eq!(history.log(&query).unwrap(), expected, "{query:?}");
    }
}

#[test]
fn last_contacts_follow_contacts_writes_and_renames() {
    let dir = busy_book();
    let book = open(dir.path());
    let logs = book.history().last_contacts(&LogQuery::default()).unwrap();
    assert_eq!(
        logs,
        vec![
            ContactLog {
                id: "acme".into(),
                // The contact without the field counts on its own day.
                contact: Some(day("2026-01-22")),
                field: Some((Some(day("2026-01-14")), true)),
            },
            ContactLog {
                id: "zhongshan-steel".into(),
                contact: Some(day("2026-01-28")),
                field: Some((Some(day("2026-01-28")), false)),
            },
        ]
    );
    let january = book
        .history()
        .last_contacts(&LogQuery {
            since: Some(day("2026-01-11")),
            until: Some(day("2026-01-21")),
            ..LogQuery::default()
        })
        .unwrap();
    assert_eq!(
        january,
        vec![
            ContactLog {
                id: "acme".into(),
                contact: None,
                field: Some((Some(day("2026-01-14")), true)),
            },
            ContactLog {
                id: "zhongshan".into(),
                // Back-dated: the day written, not the commit's.
                contact: Some(day("2026-01-08")),
                field: Some((Some(day("2026-01-19")), false)),
            },
        ]
    );
}

fn index_dir(root: &Path) -> std::path::PathBuf {
    index::Index::new(&root.join(".git"), "").path().to_owned()
}

/// The index's segment files, oldest first.
fn segments(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = fs::read_dir(index_dir(root))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The commits a segment holds (its commit lines).
fn commits_in(segment: &Path) -> usize {
    fs::read_to_string(segment)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with('{'))
        .count()
}

/// Every query, through the index and through the plain walk.
fn assert_index_agrees(root: &Path) {
    let book = open(root);
    for query in queries() {
        let cold = book.history().log(&query).unwrap();
        let warm = book.indexed_history().log(&query).unwrap();
        assert_eq!(warm, cold, "{query:?}");
        assert_eq!(
            book.indexed_history().last_contacts(&query).unwrap(),
            book.history().last_contacts(&query).unwrap(),
            "{query:?}"
        );
    }
}

#[test]
fn the_index_answers_like_the_walk_and_grows_by_new_commits_only() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    // A narrow first query indexes only its window; a wider one goes
    // deeper, merged branch included.
    let week = LogQuery {
        since: Some(day("2026-01-28")),
        ..LogQuery::default()
    };
    assert_eq!(
        book.indexed_history().log(&week).unwrap(),
        book.history().log(&week).unwrap()
    );
    let narrow = segments(root);
    assert_eq!(narrow.len(), 1);
    let commits: usize = git(root, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    assert!(commits_in(&narrow[0]) < commits);
    assert_index_agrees(root);
    let first = segments(root);
    let indexed: usize = first.iter().map(|s| commits_in(s)).sum();
    assert_eq!(indexed, commits);
    let first_bytes: Vec<Vec<u8>> = first.iter().map(|s| fs::read(s).unwrap()).collect();
    // HEAD moves on: the new commit is diffed alone, in a segment of its
    // own; nothing already indexed is rewritten.
    set(root, ACME, "tier = \"strategic\"", "tier = \"key\"");
    commit(root, "2026-02-10T10:00:00+00:00", "Back to key");
    assert_index_agrees(root);
    let second = segments(root);
    assert_eq!(second.len(), first.len() + 1);
    for (segment, bytes) in first.iter().zip(&first_bytes) {
        assert_eq!(&fs::read(segment).unwrap(), bytes);
    }
    assert_eq!(commits_in(second.last().unwrap()), 1);
    // An amended tip: only the amended commit is new.
    set(root, ACME, "tier = \"key\"", "tier = \"ordinary\"");
    git_at(
        root,
        "2026-02-10T11:00:00+00:00",
        &["commit", "-qa", "--amend", "-m", "Down to ordinary"],
    );
    assert_index_agrees(root);
    assert_eq!(commits_in(segments(root).last().unwrap()), 1);
    // As of a past commit, and from the merged branch.
    for rev in ["HEAD~3", "side"] {
        let past = LogQuery {
            rev: Some(rev.into()),
            ..LogQuery::default()
        };
        assert_eq!(
            book.indexed_history().log(&past).unwrap(),
            book.history().log(&past).unwrap(),
            "{rev}"
        );
    }
    // Many small updates: the segments are merged, the answers stay.
    for n in 0..10 {
        set(
            root,
            ACME,
            &format!("revenue_12m = {}.0", 1500 + n * 10),
            &format!("revenue_12m = {}.0", 1500 + (n + 1) * 10),
        );
        commit(
            root,
            &format!("2026-02-{:02}T10:00:00+00:00", 11 + n),
            "More revenue",
        );
        let all = LogQuery::default();
        assert_eq!(
            book.indexed_history().log(&all).unwrap(),
            book.history().log(&all).unwrap()
        );
        assert!(segments(root).len() <= 8, "{:?}", segments(root));
    }
    assert_index_agrees(root);
}

#[test]
fn a_build_in_tiny_jobs_without_caches_writes_the_same_index() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    let head = Oid::from_str(git(root, &["rev-parse", "HEAD"]).trim()).unwrap();
    let history = book.history();
    let built = |index: &index::Index| {
        index.discard();
        assert!(index.ensure(&history, head, None).is_ok());
        let files = segments(root);
        assert_eq!(files.len(), 1);
        let ids = files[0].with_extension("ids");
        let skel = files[0].with_extension("skel");
        (
            fs::read(&files[0]).unwrap(),
            fs::read(ids).unwrap(),
            fs::read(skel).unwrap(),
        )
    };
    let standard = index::Index::new(&root.join(".git"), "");
    let one_batch = built(&standard);
    let tiny = built(&standard.clone().built_tiny());
    assert!(one_batch.0 == tiny.0, "the segments differ");
    assert!(one_batch.1 == tiny.1, "the id lists differ");
    assert!(one_batch.2 == tiny.2, "the skeletons differ");
    assert!(commits_in(&segments(root)[0]) > 5);
    assert_index_agrees(root);
}

#[test]
fn a_damaged_or_foreign_index_is_rebuilt() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    let all = LogQuery::default();
    let cold = book.history().log(&all).unwrap();
    assert_eq!(book.indexed_history().log(&all).unwrap(), cold);
    let segment = segments(root).remove(0);
    let ids = segment.with_extension("ids");
    let good = fs::read_to_string(&segment).unwrap();
    let good_ids = fs::read(&ids).unwrap();
    let damages = [
        String::new(),
        good[..good.len() / 2].to_owned(),
        good.replacen("\"c\":\"", "\"c\":\"0", 1),
        good.replace(
            &format!("\"kehu_history_index\":{}", index::VERSION),
            "\"kehu_history_index\":99",
        ),
        good.replacen("\"fields\":[", "\"fields\":{", 1),
        good.lines().skip(2).collect::<Vec<_>>().join("\n") + "\n",
    ];
    // The first query may meet the damage mid-way and fail; the index is
    // then gone (`file` with it) and the next query rebuilds it.
    let rebuilt = |file: &Path| {
        let first = book.indexed_history().log(&all);
        if let Ok(events) = first {
            assert_eq!(events, cold);
        } else {
            assert!(!file.exists());
        }
        assert_eq!(book.indexed_history().log(&all).unwrap(), cold);
    };
    for damaged in damages {
        fs::write(&segment, &damaged).unwrap();
        rebuilt(&segment);
        assert_eq!(fs::read_to_string(&segment).unwrap(), good);
    }
    // A skeleton missing, cut short, of another segment, or whose records
    // point at other lines.
    let skel = segment.with_extension("skel");
    let good_skel = fs::read(&skel).unwrap();
    let mut foreign = good_skel.clone();
    foreign[20] ^= 1;
    // The second record given the third one's line (records follow a
    // 36-byte header; each is 59 bytes and 20 per parent, its offset 8
    // bytes in). The second is the policy change, which every query reads.
    let after = |at: usize| {
        at + 59 + 20 * usize::from(u16::from_le_bytes([good_skel[at + 57], good_skel[at + 58]]))
    };
    let (second, third) = (after(36), after(after(36)));
    let mut moved = good_skel.clone();
    moved.copy_within(third + 8..third + 16, second + 8);
    let skel_damages = [
        None,
        Some(good_skel[..good_skel.len() - 7].to_vec()),
        Some(foreign),
        Some(moved),
    ];
    for damaged in skel_damages {
        match &damaged {
            Some(bytes) => fs::write(&skel, bytes).unwrap(),
            None => fs::remove_file(&skel).unwrap(),
        }
        rebuilt(&skel);
        assert!(fs::read(&skel).unwrap() == good_skel, "{damaged:?}");
    }
    // A short list of ids.
    fs::write(&ids, &good_ids[..20]).unwrap();
    set(root, ACME, "tier = \"strategic\"", "tier = \"key\"");
    commit(root, "2026-02-10T10:00:00+00:00", "Back to key");
    let cold = book.history().log(&all).unwrap();
    let first = book.indexed_history().log(&all);
    if let Ok(events) = first {
        assert_eq!(events, cold);
    }
    assert_eq!(book.indexed_history().log(&all).unwrap(), cold);
    // Never committed: it lives inside .git.
    assert!(git(root, &["status", "--porcelain"]).is_empty());
}

#[test]
fn commits_dated_before_their_parents_are_read_from_the_index() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    assert_index_agrees(root);
    // A wrong clock: dated a year before its parent, then a child dated
    // normally, each indexed as HEAD moves (one segment each).
    set(root, ACME, "tier = \"strategic\"", "tier = \"key\"");
    commit(
        root,
        "2025-02-01T10:00:00+00:00",
        "Back to key, clock wrong",
    );
    assert_index_agrees(root);
    set(root, ACME, "tier = \"key\"", "tier = \"ordinary\"");
    commit(root, "2026-02-12T10:00:00+00:00", "Down to ordinary");
    assert_index_agrees(root);
    // Answered from the index as it is: nothing rebuilt.
    let before: Vec<Vec<u8>> = segments(root)
        .iter()
        .map(|s| fs::read(s).unwrap())
        .collect();
    for _ in 0..2 {
        assert_index_agrees(root);
        let week = LogQuery {
            since: Some(day("2026-02-05")),
            ..LogQuery::default()
        };
        assert_eq!(
            book.indexed_history().log(&week).unwrap(),
            book.history().log(&week).unwrap()
        );
    }
    let after: Vec<Vec<u8>> = segments(root)
        .iter()
        .map(|s| fs::read(s).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_narrow_read_parses_only_the_lines_that_may_match() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    let head = Oid::from_str(git(root, &["rev-parse", "HEAD"]).trim()).unwrap();
    let index = index::Index::new(&root.join(".git"), "");
    assert!(index.ensure(&book.history(), head, None).is_ok());
    let visits = |query: &LogQuery| {
        let mut ids = Vec::new();
        let narrow = index::Narrow::of(query);
        let read = index.read_narrowed(head, None, &narrow, |entry, _| {
            ids.push(entry.c.to_owned());
            Ok(std::ops::ControlFlow::Continue(()))
        });
        assert!(read.is_ok());
        ids
    };
    let every = visits(&LogQuery::default()).len();
    let commits: usize = git(root, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    // Every commit but the first's parentless root has a change record;
    // the plain read visits them all.
    assert!(
        every <= commits && every + 1 >= commits,
        "{every} of {commits}"
    );
    let trailer = |keys: &[&str]| LogQuery {
        filter: ChangeFilter {
            trailers: Some(keys.iter().map(|k| (*k).to_owned()).collect()),
            ..ChangeFilter::default()
        },
        ..LogQuery::default()
    };
    // The two regrades (one on the merged branch) carry a reason.
    assert_eq!(visits(&trailer(&["KEHU-REASON"])).len(), 2);
    assert!(visits(&trailer(&["Kehu-Nothing"])).is_empty());
    let tier = LogQuery {
        filter: ChangeFilter::fields(["grade.tier"]),
        ..LogQuery::default()
    };
    let tier_visits = visits(&tier).len();
    let tier_events = book.indexed_history().log(&tier).unwrap().len();
    // The regrades, plus the rename (kept for its id).
    assert!(
        tier_visits >= tier_events && tier_visits < every,
        "{tier_visits}"
    );
    let window = LogQuery {
        since: Some(day("2026-01-12")),
        until: Some(day("2026-01-20")),
        ..LogQuery::default()
    };
    assert_eq!(visits(&window).len(), 3);
}

#[test]
fn an_index_of_an_older_version_is_removed_when_one_is_built() {
    let dir = busy_book();
    let root = dir.path();
    let book = open(root);
    let kehu = root.join(".git/kehu");
    let old = kehu.join("history-v3");
    let old_prefixed = kehu.join("history-v2-books-east");
    let newer = kehu.join(format!("history-v{}", index::VERSION + 1));
    let unrelated = kehu.join("parse-v1");
    for path in [&old, &old_prefixed, &newer, &unrelated] {
        fs::create_dir_all(path).unwrap();
        fs::write(path.join("seg-000001.jsonl"), "x\n").unwrap();
    }
    let all = LogQuery::default();
    assert_eq!(
        book.indexed_history().log(&all).unwrap(),
        book.history().log(&all).unwrap()
    );
    assert!(!old.exists() && !old_prefixed.exists());
    assert!(newer.exists() && unrelated.exists() && index_dir(root).exists());
}
