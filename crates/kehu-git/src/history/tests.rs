use std::fs;
use std::path::Path;

use serde_json::json;

use super::*;
use crate::test_support::{customer, git, git_at, new_book, open, write};
use crate::write::CommitRequest;

const ACME: &str = "customers/ac/acme.toml";
const ZHONG: &str = "customers/zh/zhongshan.toml";

fn day(text: &str) -> kehu_core::Date {
    text.parse().unwrap()
}

/// Replaces one line of a file (a hand edit).
fn hand_edit(root: &Path, path: &str, from: &str, to: &str) {
    let text = fs::read_to_string(root.join(path)).unwrap();
    assert!(text.contains(from), "{from} not in {path}");
    fs::write(root.join(path), text.replacen(from, to, 1)).unwrap();
}

fn fields_of(
    change: &CustomerChange,
) -> Vec<(String, Option<serde_json::Value>, Option<serde_json::Value>)> {
    change
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.old.clone(), f.new.clone()))
        .collect()
}

#[test]
fn a_plain_git_hand_edit_shows_in_the_timeline() {
    let dir = new_book();
    let root = dir.path();
    hand_edit(root, ACME, "owner = \"alice\"", "owner = \"bob\"");
    git_at(
        root,
        "2026-02-10T09:00:00+02:00",
        &["commit", "-qam", "Give ACME to Bob"],
    );
    let book = open(root);
    let events = book.history().customer("acme", None).unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    let edit = &events[0];
    assert_eq!(edit.commit.subject, "Give ACME to Bob");
    assert_eq!(edit.commit.kind, Kind::Edit);
    assert_eq!(edit.commit.author, "Tess Tester");
    assert_eq!(edit.commit.date, day("2026-02-10"));
    assert_eq!(edit.commit.time, "2026-02-10T09:00:00+02:00");
    assert!(edit.commit.trailers.is_empty());
    assert_eq!(edit.customers[0].status, Status::Modified);
    assert_eq!(
        fields_of(&edit.customers[0]),
        vec![("owner".into(), Some(json!("alice")), Some(json!("bob")))]
    );
    let created = &events[1];
    assert_eq!(created.customers[0].status, Status::Added);
    assert_eq!(created.commit.subject, "Start the book");
    assert!(created.customers[0].field("grade.tier").is_some());
    // The other customer's history does not see ACME's edit.
    assert_eq!(book.history().customer("zhongshan", None).unwrap().len(), 1);
}

#[test]
fn kehu_commits_carry_their_kind_and_trailers() {
    let dir = new_book();
    let root = dir.path();
    let book = open(root);
    let old = fs::read_to_string(root.join(ACME)).unwrap();
    let (last, channel) = (json!("2026-01-06"), json!("call"));
    let new = kehu_core::edit::apply_edits(
        &old,
        [("contact.last", &last), ("contact.channel", &channel)],
    )
    .unwrap();
    book.commit(&CommitRequest {
        files: vec![(ACME.into(), new.into_bytes())],
        subject: "contact: acme by call".into(),
        body: "Quarterly review.".into(),
        command: Some("contact".into()),
        customers: vec!["acme".into()],
        contact: Some("call".into()),
        ..CommitRequest::default()
    })
    .unwrap();
    let events = book.history().customer("acme", None).unwrap();
    let contact = &events[0];
    assert_eq!(contact.commit.kind, Kind::Contact);
    assert_eq!(contact.commit.body, "Quarterly review.");
    assert_eq!(contact.commit.trailer("Kehu-Contact"), Some("call"));
    assert_eq!(contact.commit.trailer_values("Kehu-Customer"), vec!["acme"]);
    assert_eq!(
        fields_of(&contact.customers[0]),
        vec![
            ("contact.channel".into(), None, Some(json!("call"))),
            ("contact.last".into(), None, Some(json!("2026-01-06"))),
        ]
    );
}

/// main: acme edited; side: zhongshan edited; then a merge commit.
fn merged_book() -> tempfile::TempDir {
    let dir = new_book();
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "side"]);
    hand_edit(root, ZHONG, "tier = \"small\"", "tier = \"ordinary\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qam", "Zhongshan grows"],
    );
    git(root, &["checkout", "-q", "main"]);
    hand_edit(root, ACME, "abc = \"B\"", "abc = \"A\"");
    git_at(
        root,
        "2026-02-02T10:00:00+00:00",
        &["commit", "-qam", "ACME is an A"],
    );
    git_at(
        root,
        "2026-02-03T10:00:00+00:00",
        &["merge", "-q", "--no-ff", "-m", "Merge side", "side"],
    );
    dir
}

#[test]
fn a_merge_of_two_branches_counts_each_change_once() {
    let dir = merged_book();
    let book = open(dir.path());
    let history = book.history();
    // Book-wide: zhongshan's change by the side commit that made it, once;
    // the merge decided nothing itself.
    let log = history.log(&LogQuery::default()).unwrap();
    assert_eq!(
        book.indexed_history().log(&LogQuery::default()).unwrap(),
        log
    );
    let summary: Vec<(String, Vec<String>)> = log
        .iter()
        .map(|e| {
            (
                e.commit.subject.clone(),
                e.customers
                    .iter()
                    .map(|c| format!("{}:{:?}", c.id, c.status))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ACME is an A".into(), vec!["acme:Modified".into()]),
            ("Zhongshan grows".into(), vec!["zhongshan:Modified".into()]),
            (
                "Start the book".into(),
                vec!["acme:Added".into(), "zhongshan:Added".into()]
            ),
        ]
    );
    // Per customer: the side commit itself, not the merge, and not twice.
    let zh = history.customer("zhongshan", None).unwrap();
    let subjects: Vec<&str> = zh.iter().map(|e| e.commit.subject.as_str()).collect();
    assert_eq!(subjects, vec!["Zhongshan grows", "Start the book"]);
    let acme = history.customer("acme", None).unwrap();
    let subjects: Vec<&str> = acme.iter().map(|e| e.commit.subject.as_str()).collect();
    assert_eq!(subjects, vec!["ACME is an A", "Start the book"]);
}

#[test]
fn a_merge_of_edits_to_one_file_credits_each_field_to_its_own_commit() {
    let dir = new_book();
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "side"]);
    hand_edit(root, ACME, "tier = \"key\"", "tier = \"strategic\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qam", "side: strategic"],
    );
    git(root, &["checkout", "-q", "main"]);
    hand_edit(root, ACME, "stage = \"won\"", "stage = \"churned\"");
    git_at(
        root,
        "2026-02-02T10:00:00+00:00",
        &["commit", "-qam", "main: churned"],
    );
    git_at(
        root,
        "2026-02-03T10:00:00+00:00",
        &["merge", "-q", "--no-ff", "-m", "Merge side", "side"],
    );
    let events = open(root).history().customer("acme", None).unwrap();
    let summary: Vec<(&str, Vec<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.commit.subject.as_str(),
                e.customers[0]
                    .fields
                    .iter()
                    .map(|f| f.field.as_str())
                    .collect(),
            )
        })
        .filter(|(subject, _)| *subject != "Start the book")
        .collect();
    assert_eq!(
        summary,
        vec![
            ("main: churned", vec!["stage"]),
            ("side: strategic", vec!["grade.tier"]),
        ],
        "the merge decided nothing itself"
    );
}

#[test]
fn the_log_credits_a_regrade_merged_from_a_branch_to_its_author() {
    let dir = new_book();
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "review"]);
    hand_edit(root, ACME, "tier = \"key\"", "tier = \"strategic\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &[
            "commit",
            "-qa",
            "--author",
            "Bo Reviewer <bo@example.com>",
            "-m",
            "grade: acme\n\nKehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: grew",
        ],
    );
    git(root, &["checkout", "-q", "main"]);
    hand_edit(root, ZHONG, "tier = \"small\"", "tier = \"ordinary\"");
    git_at(
        root,
        "2026-02-02T10:00:00+00:00",
        &["commit", "-qam", "Zhongshan grows"],
    );
    git_at(
        root,
        "2026-02-03T10:00:00+00:00",
        &["merge", "-q", "--no-ff", "-m", "Merge review", "review"],
    );
    let book = open(root);
    for history in [book.history(), book.indexed_history()] {
        let log = history.log(&LogQuery::default()).unwrap();
        let regrades: Vec<(&str, &str, Option<&str>, Option<serde_json::Value>)> = log
            .iter()
            .filter_map(|e| {
                let change = e.customers.iter().find(|c| c.id == "acme")?;
                let tier = change.field("grade.tier")?;
                Some((
                    e.commit.author.as_str(),
                    e.commit.subject.as_str(),
                    e.commit.trailer("Kehu-Reason"),
                    tier.new.clone(),
                ))
            })
            .filter(|(_, subject, _, _)| *subject != "Start the book")
            .collect();
        assert_eq!(
            regrades,
            vec![(
                "Bo Reviewer",
                "grade: acme",
                Some("grew"),
                Some(json!("strategic"))
            )]
        );
        assert!(
            log.iter().all(|e| e.commit.parents.len() < 2),
            "the merge decided nothing itself"
        );
        // As of the merge's first parent, the branch is not there yet.
        let before = history
            .log(&LogQuery {
                rev: Some("HEAD^1".into()),
                ..LogQuery::default()
            })
            .unwrap();
        assert!(before.iter().all(|e| e.commit.author != "Bo Reviewer"));
    }
}

#[test]
fn a_conflict_resolution_in_a_merge_is_reported_against_the_first_parent() {
    let dir = new_book();
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "side"]);
    hand_edit(root, ACME, "tier = \"key\"", "tier = \"small\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qam", "side: small"],
    );
    git(root, &["checkout", "-q", "main"]);
    hand_edit(root, ACME, "tier = \"key\"", "tier = \"strategic\"");
    git_at(
        root,
        "2026-02-02T10:00:00+00:00",
        &["commit", "-qam", "main: strategic"],
    );
    let out = std::process::Command::new("git")
        .current_dir(root)
        .envs(crate::test_support::hermetic_env(
            "2026-02-03T10:00:00+00:00",
        ))
        .args(["merge", "-q", "side"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    write(root, ACME, &customer("acme", "ordinary"));
    git(root, &["add", ACME]);
    git_at(
        root,
        "2026-02-03T10:00:00+00:00",
        &["commit", "-qm", "Merge side: ordinary"],
    );
    let events = open(root).history().customer("acme", None).unwrap();
    let summary: Vec<(&str, Option<serde_json::Value>)> = events
        .iter()
        .map(|e| {
            (
                e.commit.subject.as_str(),
                e.customers[0]
                    .field("grade.tier")
                    .and_then(|f| f.new.clone()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Merge side: ordinary", Some(json!("ordinary"))),
            ("main: strategic", Some(json!("strategic"))),
            ("side: small", Some(json!("small"))),
            ("Start the book", Some(json!("key"))),
        ]
    );
    assert_eq!(
        events[0].customers[0].field("grade.tier").unwrap().old,
        Some(json!("strategic"))
    );
}

#[test]
fn a_rename_is_followed() {
    let dir = new_book();
    let root = dir.path();
    hand_edit(root, ACME, "owner = \"alice\"", "owner = \"bob\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qam", "bob"],
    );
    git(root, &["mv", ACME, "customers/ac/acme-corp.toml"]);
    hand_edit(
        root,
        "customers/ac/acme-corp.toml",
        "id = \"acme\"",
        "id = \"acme-corp\"",
    );
    git_at(
        root,
        "2026-02-02T10:00:00+00:00",
        &["commit", "-qam", "ACME is ACME Corp now"],
    );
    let book = open(root);
    let history = book.history();
    let events = history.customer("acme-corp", None).unwrap();
    let subjects: Vec<&str> = events.iter().map(|e| e.commit.subject.as_str()).collect();
    assert_eq!(
        subjects,
        vec!["ACME is ACME Corp now", "bob", "Start the book"]
    );
    let rename = &events[0].customers[0];
    assert_eq!(rename.status, Status::Renamed);
    assert_eq!(rename.old_id.as_deref(), Some("acme"));
    assert_eq!(rename.old_path.as_deref(), Some(ACME));
    assert_eq!(
        fields_of(rename),
        vec![("id".into(), Some(json!("acme")), Some(json!("acme-corp")))]
    );
    assert_eq!(events[1].customers[0].id, "acme");
    // The book-wide log and the diff see one rename, not a delete and an add.
    let log = history.log(&LogQuery::default()).unwrap();
    assert_eq!(log[0].customers.len(), 1);
    assert_eq!(log[0].customers[0].status, Status::Renamed);
    let diff = history.diff("HEAD~2", "HEAD").unwrap();
    assert_eq!(diff.customers.len(), 1);
    assert_eq!(
        fields_of(&diff.customers[0]),
        vec![
            ("id".into(), Some(json!("acme")), Some(json!("acme-corp"))),
            ("owner".into(), Some(json!("alice")), Some(json!("bob"))),
        ]
    );
    assert!(!diff.rules_changed);
}

#[test]
fn as_of_reads_the_last_commit_of_a_day_from_git_objects() {
    let dir = new_book(); // committed 2026-01-05
    let root = dir.path();
    hand_edit(root, ACME, "tier = \"key\"", "tier = \"strategic\"");
    git_at(
        root,
        "2026-03-10T08:00:00+00:00",
        &["commit", "-qam", "morning"],
    );
    hand_edit(root, ACME, "abc = \"B\"", "abc = \"A\"");
    git_at(
        root,
        "2026-03-10T23:30:00+00:00",
        &["commit", "-qam", "late"],
    );
    hand_edit(root, ACME, "abc = \"A\"", "abc = \"C\"");
    git_at(
        root,
        "2026-03-11T00:30:00+00:00",
        &["commit", "-qam", "next day"],
    );
    // An uncommitted change in the work tree must not leak into as-of reads.
    write(root, ZHONG, "id = \"zhongshan\"\n# scratch\n");
    let book = open(root);
    let history = book.history();
    let at = |d: &str| {
        history
            .commit_at_end_of(day(d), None)
            .unwrap()
            .map(|id| history.commit(&id).unwrap().subject)
    };
    assert_eq!(at("2026-01-04"), None);
    assert_eq!(at("2026-01-05").as_deref(), Some("Start the book"));
    assert_eq!(at("2026-03-09").as_deref(), Some("Start the book"));
    assert_eq!(at("2026-03-10").as_deref(), Some("late"));
    assert_eq!(at("2026-12-31").as_deref(), Some("next day"));
    let id = history
        .commit_at_end_of(day("2026-03-10"), None)
        .unwrap()
        .unwrap();
    let snapshot = history.snapshot(&id).unwrap();
    let paths: Vec<&str> = snapshot.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, vec![ACME, ZHONG, "kehu.toml"]);
    let acme = String::from_utf8(snapshot.files[0].1.clone()).unwrap();
    assert!(acme.contains("tier = \"strategic\"") && acme.contains("abc = \"A\""));
    assert_eq!(
        snapshot.files[1].1,
        customer("zhongshan", "small").into_bytes()
    );
    // The work tree is untouched.
    assert_eq!(
        fs::read_to_string(root.join(ZHONG)).unwrap(),
        "id = \"zhongshan\"\n# scratch\n"
    );
    assert!(
        fs::read_to_string(root.join(ACME))
            .unwrap()
            .contains("abc = \"C\"")
    );
}

#[test]
fn log_window_and_blame() {
    let dir = new_book(); // 2026-01-05
    let root = dir.path();
    hand_edit(root, ACME, "owner = \"alice\"", "owner = \"bob\"");
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qam", "february"],
    );
    let book = open(root);
    let old = fs::read_to_string(root.join(ACME)).unwrap();
    let tier = json!("strategic");
    let new = kehu_core::edit::apply_edits(&old, [("grade.tier", &tier)]).unwrap();
    book.commit(&CommitRequest {
        files: vec![(ACME.into(), new.into_bytes())],
        subject: "grade: acme strategic".into(),
        command: Some("grade".into()),
        customers: vec!["acme".into()],
        reason: Some("board decision".into()),
        date: Some("2026-03-01T10:00:00+00:00".into()),
        ..CommitRequest::default()
    })
    .unwrap();
    hand_edit(root, "kehu.toml", "test", "renamed");
    git_at(
        root,
        "2026-04-01T10:00:00+00:00",
        &["commit", "-qam", "april rules"],
    );
    let history = book.history();
    let window = history
        .log(&LogQuery {
            since: Some(day("2026-02-01")),
            until: Some(day("2026-03-31")),
            ..LogQuery::default()
        })
        .unwrap();
    let subjects: Vec<&str> = window.iter().map(|e| e.commit.subject.as_str()).collect();
    assert_eq!(subjects, vec!["grade: acme strategic", "february"]);
    assert_eq!(window[0].commit.kind, Kind::Regrade);
    let all = history.log(&LogQuery::default()).unwrap();
    assert!(all[0].rules_changed && all[0].customers.is_empty());

    let blame = history.blame("acme", None).unwrap();
    let line = |field: &str| blame.iter().find(|b| b.field == field).unwrap();
    assert_eq!(line("grade.tier").value, json!("strategic"));
    assert_eq!(
        line("grade.tier").commit.as_ref().unwrap().subject,
        "grade: acme strategic"
    );
    assert_eq!(line("grade.tier").reason.as_deref(), Some("board decision"));
    assert_eq!(line("owner").commit.as_ref().unwrap().subject, "february");
    assert_eq!(
        line("id").commit.as_ref().unwrap().subject,
        "Start the book"
    );
    assert!(line("id").reason.is_none());
}

#[test]
fn a_removed_customer_still_has_a_history() {
    let dir = new_book();
    let root = dir.path();
    git(root, &["rm", "-q", ZHONG]);
    git_at(
        root,
        "2026-02-01T10:00:00+00:00",
        &["commit", "-qm", "Lost zhongshan"],
    );
    let events = open(root).history().customer("zhongshan", None).unwrap();
    let statuses: Vec<Status> = events
        .iter()
        .map(|e| e.customers[0].status.clone())
        .collect();
    assert_eq!(statuses, vec![Status::Removed, Status::Added]);
    let book = open(root);
    assert!(book.history().customer("nobody", None).unwrap().is_empty());
    assert!(book.history().blame("nobody", None).unwrap().is_empty());
}

#[test]
fn a_partial_clone_says_what_to_fetch_and_works_once_fetched() {
    let dir = merged_book();
    let origin = dir.path();
    git(origin, &["config", "uploadpack.allowFilter", "true"]);
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.display());
    git(
        parent.path(),
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            "--no-checkout",
            &url,
            "clone",
        ],
    );
    let clone = parent.path().join("clone");
    // Only HEAD's blobs are fetched by the checkout; older ones stay away.
    git(&clone, &["checkout", "-q", "main"]);
    let book = open(&clone);
    let error = book.history().customer("zhongshan", None).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, GitError::MissingObject { .. }), "{message}");
    assert!(message.contains("partial clone"), "{message}");
    assert!(message.contains("promisor remote `origin`"), "{message}");
    let fetch = "git fetch --refetch origin";
    assert!(message.contains(fetch), "{message}");
    assert!(book.history().log(&LogQuery::default()).is_err());
    // What the message says to do makes the history readable.
    git(
        &clone,
        &["config", "--unset", "remote.origin.partialclonefilter"],
    );
    git(&clone, &["fetch", "-q", "--refetch", "origin"]);
    let book = open(&clone);
    assert_eq!(
        book.history().customer("zhongshan", None).unwrap(),
        open(origin).history().customer("zhongshan", None).unwrap()
    );
}

#[test]
fn a_shallow_clone_reads_history_down_to_its_boundary() {
    let dir = merged_book();
    let origin = dir.path();
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.display());
    git(parent.path(), &["clone", "-q", "--depth=1", &url, "clone"]);
    let clone = parent.path().join("clone");
    let book = open(&clone);
    let log = book.history().log(&LogQuery::default()).unwrap();
    // The shallow tip is a root: the whole book arrives in it, as with git log.
    assert!(!log.is_empty());
    assert_eq!(log[0].commit.subject, "Merge side");
    assert!(book.history().customer("acme", None).is_ok());
}
