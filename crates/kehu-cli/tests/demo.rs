//! `kehu demo`: a deterministic year of history, then the weekly job.

mod common;

use common::*;

#[test]
fn demo_builds_the_same_history_every_time() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for dir in [first.path(), second.path()] {
        let out = kehu(dir, &["demo", "book"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("320 customers checked: 0 errors"),
            "{}",
            stdout(&out)
        );
    }
    let a = first.path().join("book");
    let b = second.path().join("book");
    assert_eq!(
        git(&a, &["rev-parse", "HEAD"]),
        git(&b, &["rev-parse", "HEAD"])
    );
    assert_eq!(git(&a, &["status", "--porcelain"]), "");
    let merges = git(&a, &["log", "--merges", "--format=%s"]);
    assert!(
        merges.contains("Merge branch 'review/q2-key-accounts'"),
        "{merges}"
    );
    let renames = git(&a, &["log", "--format=%s", "--grep=^rename:"]);
    assert_eq!(renames.lines().count(), 1, "{renames}");
    let contacts = git(
        &a,
        &[
            "log",
            "--format=%(trailers:key=Kehu-Contact,valueonly)",
            "-n",
            "20",
        ],
    );
    assert!(
        contacts.lines().filter(|l| !l.is_empty()).count() >= 10,
        "{contacts}"
    );
    let first_day = git(&a, &["log", "--reverse", "--format=%ad", "--date=short"]);
    assert_eq!(first_day.lines().next(), Some("2025-11-24"));
}

#[test]
fn demo_refuses_a_directory_that_is_not_empty() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path(), "book/something.txt", "x");
    let out = kehu(temp.path(), &["demo", "book"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
}
