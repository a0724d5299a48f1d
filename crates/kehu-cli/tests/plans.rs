//! End-to-end tests of key account plans: `kehu plan` with its changes since
//! the last review counted by hand from the commits made here, and the plan
//! review policy of `kehu check`.

mod common;

use std::path::Path;

use common::{commit_all_on, git, kehu, new_book, plugin_dir, stderr, stdout, write};
use serde_json::{Value, json};

const ACME: &str = "customers/ac/acme.toml";

fn acme(reviewed: &str, goals: &str, revenue: &str, budget: &str) -> String {
    format!(
        r#"id = "acme"
name = "ACME Corporation"
region = "east"
owner = "alice"
stage = "won"

[grade]
tier = "strategic"

[metrics]
revenue_12m = {revenue}

[plan]
reviewed = {reviewed}
goals = "{goals}"
budget = {budget}

[[plan.people]]
name = "Li Wei"
kind = "decision-maker"
role = "CFO"
owner = "alice"
stance = "supporter"

[[plan.actions]]
what = "Quarterly business review"
owner = "alice"
due = 2026-12-10

[[plan.actions]]
what = "Plant visit"
owner = "bruno"
due = 2026-11-01
"#
    )
}

fn commit(dir: &Path, text: &str, message: &str) {
    write(dir, ACME, text);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A book where ACME's plan was written, reviewed, then changed twice.
fn book() -> tempfile::TempDir {
    let book = new_book();
    let dir = book.path();
    commit(
        dir,
        &acme("2026-06-01", "Grow", "600000.0", "2000000.0"),
        "acme",
    );
    commit(
        dir,
        &acme("2026-09-01", "Cut unit cost", "600000.0", "2000000.0"),
        "acme: plan reviewed",
    );
    // After the review: revenue and budget move (one commit), then a contact.
    commit(
        dir,
        &acme("2026-09-01", "Cut unit cost", "750000.0", "2500000.0"),
        "acme: new figures",
    );
    let out = kehu(
        dir,
        &[
            "contact",
            "acme",
            "--channel",
            "visit",
            "--note",
            "Plant tour",
            "--at",
            "2026-11-18",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    book
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = kehu(dir, args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn plan_shows_the_plan_and_the_changes_since_its_review() {
    let book = book();
    let doc = json_of(
        book.path(),
        &["plan", "acme", "--format", "json", "--as-of", "2026-11-20"],
    );
    assert_eq!(doc["customer"], "acme");
    assert_eq!(doc["plan"]["goals"], "Cut unit cost");
    assert_eq!(doc["share_of_wallet"], json!(0.3));
    assert_eq!(
        doc["review"],
        json!({"reviewed": "2026-09-01", "age_days": 80, "policy_days": 90, "overdue": false})
    );
    let statuses: Vec<&str> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["open", "overdue"]);
    // By hand: after the review commit come the contact (one entry) and the
    // figures commit (plan.budget, metrics.revenue_12m); nothing before it.
    let changes: Vec<(String, String)> = doc["changes_since_review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["change"].as_str().unwrap().to_owned(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("contact".to_owned(), "contact.channel".to_owned()),
            ("metric".to_owned(), "metrics.revenue_12m".to_owned()),
            ("field".to_owned(), "plan.budget".to_owned()),
        ]
    );

    let table = kehu(book.path(), &["plan", "acme", "--as-of", "2026-11-20"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("Key account plan: ACME Corporation (acme), strategic, owner alice"));
    assert!(text.contains("2026-09-01 (80 days ago; policy: within 90 days)"));
    assert!(text.contains("Changes since the review of 2026-09-01"));
    assert!(text.contains("30%"), "{text}");
}

/// A plan that arrived with its review date already set (an import, a hand
/// edit committed later) has no commit that sets `plan.reviewed`: the
/// changes since the review are those made on or after the review day.
#[test]
fn a_plan_imported_with_its_review_date_lists_only_later_changes() {
    let book = new_book();
    let dir = book.path();
    write(
        dir,
        ACME,
        &acme("2026-09-01", "Grow", "600000.0", "2000000.0"),
    );
    commit_all_on(dir, "2026-01-15", "import customers");
    write(
        dir,
        ACME,
        &acme("2026-09-01", "Grow", "650000.0", "2000000.0"),
    );
    commit_all_on(dir, "2026-05-01", "figures before the review");
    write(
        dir,
        ACME,
        &acme("2026-09-01", "Grow", "700000.0", "2200000.0"),
    );
    commit_all_on(dir, "2026-10-01", "figures after the review");
    let doc = json_of(dir, &["plan", "acme", "--format", "json"]);
    let changes: Vec<(&str, &str)> = doc["changes_since_review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["date"].as_str().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("2026-10-01", "metrics.revenue_12m"),
            ("2026-10-01", "plan.budget"),
        ]
    );
}

#[test]
fn plan_refuses_a_customer_without_one() {
    let book = new_book();
    let dir = book.path();
    write(
        dir,
        ACME,
        "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "acme"]);
    let out = kehu(dir, &["plan", "acme"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("acme has no key account plan"));
    let out = kehu(dir, &["plan", "nobody"]);
    assert!(stderr(&out).contains("no customer `nobody`"));
}

#[test]
fn check_flags_a_strategic_plan_not_reviewed_within_the_policy() {
    let book = book();
    let dir = book.path();
    let fresh = kehu(dir, &["check", "--as-of", "2026-11-20"]);
    assert!(!stderr(&fresh).contains("plan-"), "{}", stderr(&fresh));
    write(
        dir,
        "kehu.toml",
        &std::fs::read_to_string(dir.join("kehu.toml"))
            .unwrap()
            .replace("plan_review_days = 90", "plan_review_days = 30"),
    );
    let stale = kehu(dir, &["check"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        stderr(&stale).contains(
            "customers/ac/acme.toml:14:12: warning: plan.reviewed: plan last reviewed 2026-09-01"
        ),
        "{}",
        stderr(&stale)
    );
}

fn contact(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["contact", "acme", "--note", "Spoke with purchasing"];
    args.extend_from_slice(extra);
    kehu(dir, &args)
}

#[test]
fn complaints_are_recorded_and_resolved_by_their_commit_id() {
    let book = book();
    let dir = book.path();
    let out = contact(
        dir,
        &[
            "--channel",
            "call",
            "--at",
            "2026-11-19",
            "--complaint",
            "Late delivery of order 4411",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let complaint = git(dir, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(
        git(
            dir,
            &[
                "log",
                "-1",
                "--format=%(trailers:key=Kehu-Complaint,valueonly)"
            ]
        )
        .trim(),
        "Late delivery of order 4411"
    );

    // A reference that names no open complaint is refused; nothing is written.
    let refused = contact(
        dir,
        &[
            "--channel",
            "call",
            "--at",
            "2026-11-20",
            "--resolved",
            "deadbeef",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains(&format!(
            "--resolved deadbeef: no open complaint of acme has the reference `deadbeef`; open: {} (Late delivery of order 4411)",
            &complaint[..10]
        )),
        "{}",
        stderr(&refused)
    );
    assert_eq!(git(dir, &["rev-parse", "HEAD"]).trim(), complaint);

    let short = &complaint[..7];
    let out = contact(
        dir,
        &[
            "--channel",
            "visit",
            "--at",
            "2026-11-20",
            "--resolved",
            short,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        git(
            dir,
            &[
                "log",
                "-1",
                "--format=%(trailers:key=Kehu-Resolved,valueonly)"
            ]
        )
        .trim(),
        complaint
    );
    let again = contact(
        dir,
        &[
            "--channel",
            "call",
            "--at",
            "2026-11-21",
            "--resolved",
            short,
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("it has no open complaint"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_contact_outside_the_tiers_service_level_is_warned_and_recorded() {
    let book = book();
    let dir = book.path();
    let out = contact(dir, &["--channel", "message", "--at", "2026-11-19"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "kehu: warning: acme: message is outside the service level of tier strategic (dedicated) prefers visit, meeting, call"
        ),
        "{}",
        stderr(&out)
    );
    let quiet = contact(dir, &["--channel", "visit", "--at", "2026-11-20"]);
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("warning"), "{}", stderr(&quiet));
}

#[test]
fn report_counts_complaints_and_satisfaction_from_history() {
    let book = book();
    let dir = book.path();
    let first = contact(
        dir,
        &[
            "--channel",
            "call",
            "--at",
            "2026-11-19",
            "--satisfaction",
            "4.5",
            "--complaint",
            "Late delivery",
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let late = git(dir, &["rev-parse", "--short=8", "HEAD"])
        .trim()
        .to_owned();
    // One contact resolves the first complaint and records a second.
    let second = contact(
        dir,
        &[
            "--channel",
            "visit",
            "--at",
            "2026-11-20",
            "--resolved",
            &late,
            "--complaint",
            "Damaged pallet",
        ],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    let plugins = plugin_dir().display().to_string();
    let doc = json_of(
        dir,
        &[
            "--plugin-dir",
            &plugins,
            "report",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-20",
            "--format",
            "json",
            "--as-of",
            "2026-11-20",
        ],
    );
    let total = &doc["service"]["total"];
    // By hand: acme alone, surveyed 4.5 (satisfied); opened 11-19 and 11-20,
    // the first resolved 11-20, the second open 0 days; two in the year for
    // one customer: 2.0 per customer, above the target of 1.
    assert_eq!(total["customers"], 1);
    assert_eq!(total["surveyed"], 1);
    assert_eq!(total["satisfied_share"], json!(1.0));
    assert_eq!(total["satisfied_on_target"], true);
    assert_eq!(total["opened"], 2);
    assert_eq!(total["resolved"], 1);
    assert_eq!(total["open"], 1);
    assert_eq!(total["oldest_open_days"], 0);
    assert_eq!(total["per_customer_year"], json!(2.0));
    assert_eq!(total["complaints_on_target"], false);
    assert_eq!(total["repeat_customers"], json!(["acme"]));
    assert_eq!(doc["service"]["by_owner"][0]["group"], "alice");
    assert_eq!(doc["service"]["open"][0]["text"], "Damaged pallet");
    assert_eq!(doc["service"]["open"][0]["opened"], "2026-11-20");
    let markdown = kehu(
        dir,
        &[
            "--plugin-dir",
            &plugins,
            "report",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-20",
            "--format",
            "markdown",
            "--as-of",
            "2026-11-20",
        ],
    );
    assert!(
        stdout(&markdown).contains("Open complaints, oldest first"),
        "{}",
        stdout(&markdown)
    );
}
