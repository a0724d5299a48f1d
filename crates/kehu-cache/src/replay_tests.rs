//! Replays on real temporary git repositories: a record plays back only on
//! the book it was made on, whatever changed since (an edit, a new or
//! removed file, a rename, the policy, a commit), and a damaged record is
//! dropped, never played.

use std::path::Path;
use std::time::Duration;

use super::tests::{book, git};
use super::*;
use crate::replay::MAX_RECORDS;

/// A book whose files are older than the racy window, so stamps settle.
fn settled_book(count: usize) -> tempfile::TempDir {
    let dir = book(count);
    std::thread::sleep(Duration::from_millis(2100));
    dir
}

fn key(text: &str) -> ReplayKey {
    ReplayKey::new([text.as_bytes()]).unwrap()
}

fn stamp(root: &Path) -> BookStamp {
    Replays::open(root).unwrap().unwrap().stamp().unwrap()
}

/// Records `stdout`/`stderr` under `key` on the book as it is; false when
/// the book is not settled enough to record.
fn record(root: &Path, key: ReplayKey, stdout: &[&str], stderr: &str, exit: i32) -> bool {
    let replays = Replays::open(root).unwrap().unwrap();
    let Some(mut recording) = replays.record(key, replays.stamp().unwrap()) else {
        return false;
    };
    for piece in stdout {
        recording.write(Stream::Stdout, piece.as_bytes());
    }
    recording.write(Stream::Stderr, stderr.as_bytes());
    recording.finish(exit);
    true
}

/// What the record under `key` plays on the book as it is: exit code,
/// stdout, stderr.
fn played(root: &Path, key: ReplayKey) -> Option<(i32, String, String)> {
    let replays = Replays::open(root).unwrap().unwrap();
    let replay = replays.find(&key, &replays.stamp().unwrap())?;
    let exit = replay.exit_code();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    replay
        .play(|stream, bytes| {
            match stream {
                Stream::Stdout => stdout.extend_from_slice(bytes),
                Stream::Stderr => stderr.extend_from_slice(bytes),
            }
            Ok(())
        })
        .unwrap();
    Some((
        exit,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    ))
}

fn first_customer(root: &Path) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("customers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut files: Vec<_> = std::fs::read_dir(&dirs[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.remove(0)
}

#[test]
fn a_record_plays_back_on_the_same_book_only() {
    let dir = settled_book(6);
    let root = dir.path();
    assert!(stamp(root).settled());
    assert_eq!(stamp(root), stamp(root), "a stamp is stable");
    assert!(record(
        root,
        key("classify"),
        &["one ", "two\n"],
        "note\n",
        1
    ));
    assert_eq!(
        played(root, key("classify")),
        Some((1, "one two\n".to_owned(), "note\n".to_owned()))
    );
    assert_eq!(played(root, key("agenda")), None, "another key");

    // Every kind of change makes the record a miss.
    let file = first_customer(root);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n")).unwrap();
    assert_eq!(played(root, key("classify")), None, "an edit");
    std::fs::write(&file, &text).unwrap();
    // Same bytes again, but a new change time: stat data cannot tell, so it
    // is a miss too (never a wrong hit).
    assert_eq!(played(root, key("classify")), None, "rewritten");

    assert!(
        !record(root, key("classify"), &["fresh\n"], "", 0),
        "nothing is recorded while a file is racy"
    );
    std::thread::sleep(Duration::from_millis(2100));
    assert!(record(root, key("classify"), &["fresh\n"], "", 0));
    assert_eq!(
        played(root, key("classify")),
        Some((0, "fresh\n".to_owned(), String::new()))
    );

    let moved = file.with_file_name("renamed.toml");
    std::fs::rename(&file, &moved).unwrap();
    assert_eq!(played(root, key("classify")), None, "a rename");
    std::fs::rename(&moved, &file).unwrap();

    let before = stamp(root);
    std::fs::write(root.join("customers/stray.txt"), "x").unwrap();
    assert_ne!(stamp(root), before, "a new stray file");
    std::fs::remove_file(root.join("customers/stray.txt")).unwrap();

    let before = stamp(root);
    let policy = std::fs::read_to_string(root.join("kehu.toml")).unwrap();
    std::fs::write(root.join("kehu.toml"), format!("{policy}\n# reviewed\n")).unwrap();
    assert_ne!(stamp(root), before, "the policy");

    let before = stamp(root);
    git(root, &["commit", "-q", "--allow-empty", "-m", "later"]);
    assert_ne!(stamp(root), before, "a commit (history answers change)");
}

#[test]
fn a_damaged_record_is_dropped_not_played() {
    let dir = settled_book(2);
    let root = dir.path();
    assert!(record(root, key("report"), &["the report\n"], "", 0));
    let records = root.join(".git").join(REPLAY_DIR);
    let file = std::fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.file_name().unwrap().to_str().unwrap().starts_with('.'))
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(played(root, key("report")), None);
    assert!(!file.exists(), "the damaged record is removed");
}

#[test]
fn old_records_make_room_for_new_ones() {
    let dir = settled_book(1);
    let root = dir.path();
    for n in 0..MAX_RECORDS + 4 {
        assert!(record(root, key(&format!("run {n}")), &["out\n"], "", 0));
    }
    let records = std::fs::read_dir(root.join(".git").join(REPLAY_DIR))
        .unwrap()
        .count();
    assert!(records <= MAX_RECORDS, "{records} records kept");
    assert!(played(root, key(&format!("run {}", MAX_RECORDS + 3))).is_some());
}
