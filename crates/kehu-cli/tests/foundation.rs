//! End-to-end tests of the foundation commands: init, new, check, export.

mod common;

use common::*;

#[test]
fn init_makes_a_book_with_one_commit() {
    let book = new_book();
    let root = book.path();
    assert!(root.join("kehu.toml").is_file());
    assert!(root.join("templates/customer.toml").is_file());
    assert!(root.join("customers").is_dir());
    assert_eq!(git(root, &["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    let again = kehu(root, &["init", "."]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already holds a book"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn new_writes_the_canonical_place_and_commits() {
    let book = new_book();
    let root = book.path();
    let out = kehu(
        root,
        &[
            "new",
            "zhongshan-steel",
            "--name",
            "Zhongshan Steel",
            "--region",
            "east",
            "--industry",
            "manufacturing",
            "--owner",
            "alice",
            "--since",
            "2026-01-05",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(root.join("customers/zh/zhongshan-steel.toml")).unwrap();
    assert!(text.contains("id = \"zhongshan-steel\""), "{text}");
    assert!(text.contains("since = 2026-01-05"), "{text}");
    let message = git(root, &["log", "-1", "--format=%B"]);
    assert!(message.contains("Kehu-Command: new"), "{message}");
    assert!(
        message.contains("Kehu-Customer: zhongshan-steel"),
        "{message}"
    );
    assert_eq!(git(root, &["status", "--porcelain"]), "");

    let twice = kehu(root, &["new", "zhongshan-steel", "--name", "Again"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("already exists"),
        "{}",
        stderr(&twice)
    );

    for bad in ["Zhongshan", "a", "x/../y", "has space"] {
        let out = kehu(root, &["new", bad, "--name", "Bad"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("not a valid customer id"),
            "{bad}: {}",
            stderr(&out)
        );
    }

    let unknown_region = kehu(
        root,
        &["new", "acme", "--name", "Acme", "--region", "atlantis"],
    );
    assert_eq!(unknown_region.status.code(), Some(2));
    assert!(
        stderr(&unknown_region).contains("atlantis"),
        "{}",
        stderr(&unknown_region)
    );
    assert!(!root.join("customers/ac/acme.toml").exists());
}

#[test]
fn the_sample_book_passes_check() {
    let book = sample_book();
    // The sample's cadences count to its last day, whatever the clock says.
    let out = kehu(book.path(), &["--today", AS_OF, "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 errors"), "{}", stdout(&out));
}

#[test]
fn check_names_every_problem_with_file_and_line() {
    let book = new_book();
    let root = book.path();
    write(
        root,
        "customers/ac/acme.toml",
        "id = \"acme\"\nname = \"Acme\"\nstage = \"won\"\n\n[metrics]\nrevenue_12m = -5.0\n",
    );
    write(
        root,
        "customers/bo/bolt.toml",
        "id = \"bolt\"\nname = \"Bolt\"\nstage = \"dreaming\"\n",
    );
    write(
        root,
        "customers/co/cog.toml",
        "id = \"cog\"\nname = \"Cog\nstage = \"won\"\n",
    );
    let out = kehu(root, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("customers/ac/acme.toml:6:"), "{err}");
    assert!(err.contains("revenue_12m"), "{err}");
    assert!(err.contains("customers/bo/bolt.toml:3:"), "{err}");
    assert!(err.contains("dreaming"), "{err}");
    assert!(err.contains("customers/co/cog.toml:2:"), "{err}");

    let json = kehu(root, &["check", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["schema"], "kehu/1");
    assert_eq!(doc["errors"], 3);
}

#[test]
fn export_flattens_and_neutralises_formulas() {
    let book = new_book();
    let root = book.path();
    write(
        root,
        "customers/ev/evil.toml",
        "id = \"evil\"\nname = \"=HYPERLINK(\\\"http://x\\\")\"\nstage = \"lead\"\n\n[grade]\ntier = \"small\"\n",
    );
    let out = kehu(root, &["export", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("id,name,region,industry,owner,since,stage,expected_close,grade.tier"),
        "{text}"
    );
    assert!(text.contains("'=HYPERLINK"), "{text}");

    let jsonl = kehu(root, &["export", "--format", "jsonl"]);
    let row: serde_json::Value =
        serde_json::from_str(stdout(&jsonl).lines().next().unwrap()).unwrap();
    assert_eq!(row["grade.tier"], "small");
}

#[test]
fn exits_2_outside_a_book() {
    let temp = tempfile::tempdir().unwrap();
    let out = kehu(temp.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no kehu book here"),
        "{}",
        stderr(&out)
    );
}
