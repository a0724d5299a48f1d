//! Whole-book tests: many broken files at once, the filesystem and
//! in-memory sources agreeing, and the policy checks.

use std::fs;
use std::path::Path;

use crate::rule_tests::TEST_CONFIG;
use crate::{Book, Date, Entry, LoadOptions, check_policy, load_book, load_entries};

fn as_of() -> Date {
    Date::from_ymd(2026, 11, 22).unwrap()
}

fn options() -> LoadOptions {
    LoadOptions { as_of: as_of() }
}

fn customer(id: &str, extra: &str) -> String {
    format!("id = \"{id}\"\nname = \"{id} Ltd\"\nstage = \"won\"\n{extra}")
}

/// (path, bytes) of a book with good and broken files.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("kehu.toml", TEST_CONFIG.as_bytes().to_vec()),
        ("customers/ac/acme.toml", customer("acme", "region = \"east\"\n").into_bytes()),
        ("customers/be/beta.toml", customer("beta", "").into_bytes()),
        (
            "customers/br/broken.toml",
            b"id = \"broken\"\nname = \"Broken\nstage = \"won\"\n".to_vec(),
        ),
        (
            "customers/ty/typed.toml",
            customer("typed", "[metrics]\norders_total = 1.5\n").into_bytes(),
        ),
        (
            "customers/co/conflict.toml",
            b"id = \"conflict\"\n<<<<<<< HEAD\nname = \"A\"\n=======\nname = \"B\"\n>>>>>>> x\nstage = \"won\"\n"
                .to_vec(),
        ),
        ("customers/em/empty.toml", Vec::new()),
        (
            "customers/nu/nutf.toml",
            b"id = \"nutf\"\nname = \"N\xE9e\"\nstage = \"won\"\n".to_vec(),
        ),
        ("customers/misplaced.toml", customer("misplaced", "").into_bytes()),
        ("customers/ac/Acme.toml", customer("acme", "").into_bytes()),
        (
            "customers/ga/gamma.toml",
            customer("gamma", "[grade]\ntier = \"gold\"\n").into_bytes(),
        ),
        ("customers/README.md", b"# not a customer\n".to_vec()),
        ("customers/.gitkeep", Vec::new()),
    ]
}

const EXPECTED: &[&str] = &[
    "customers/README.md: warning: ignored: customer files end in .toml",
    "customers/ac/Acme.toml:1:6: error: id: duplicate id \"acme\": customers/ac/acme.toml has the same id (ids are case-insensitive)",
    "customers/ac/Acme.toml:1:6: error: id: id \"acme\" does not match the file name \"Acme.toml\"",
    "customers/br/broken.toml:2:15: error: invalid basic string, expected `\"`",
    "customers/co/conflict.toml:2:1: error: git conflict marker `<<<<<<<`; resolve the merge first",
    "customers/co/conflict.toml:4:1: error: git conflict marker `=======`; resolve the merge first",
    "customers/co/conflict.toml:6:1: error: git conflict marker `>>>>>>>`; resolve the merge first",
    "customers/di/dir.toml: error: a directory named like a customer file; customer files must be regular files",
    "customers/em/empty.toml: error: the file is empty",
    "customers/ev/evil.toml: error: symbolic link to ../../../secret.toml leaves customers/; not followed",
    "customers/ga/gamma.toml:5:8: error: grade.tier: unknown tier \"gold\" (kehu.toml defines strategic, key, ordinary, small)",
    "customers/misplaced.toml: warning: not in its canonical place customers/mi/misplaced.toml",
    "customers/nu/nutf.toml:2:10: error: invalid UTF-8 at byte 21; customer files must be UTF-8 text",
    "customers/ty/typed.toml:5:16: error: metrics.orders_total: expected a whole number, found float 1.5",
];

fn write_book(root: &Path) {
    for (path, bytes) in files() {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    fs::create_dir_all(root.join("customers/di/dir.toml")).unwrap();
    fs::create_dir_all(root.join("customers/ev")).unwrap();
    fs::write(root.join("../secret.toml"), customer("evil", "")).unwrap();
    std::os::unix::fs::symlink("../../../secret.toml", root.join("customers/ev/evil.toml"))
        .unwrap();
}

fn shown(book: &Book) -> Vec<String> {
    book.diagnostics.iter().map(ToString::to_string).collect()
}

fn ids(book: &Book) -> Vec<&str> {
    book.customers
        .iter()
        .map(|c| c.customer.id.as_str())
        .collect()
}

#[test]
fn several_broken_files_are_all_reported_and_the_good_ones_load() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    write_book(&root);
    let book = load_book(&root, &options()).unwrap();
    assert_eq!(shown(&book), EXPECTED);
    assert_eq!(ids(&book), ["acme", "beta", "gamma", "misplaced"]);
    let gamma = book.customer("gamma").unwrap();
    assert!(gamma.has_errors);
    assert_eq!(gamma.path, "customers/ga/gamma.toml");
    assert!(!book.customer("acme").unwrap().has_errors);
    assert_eq!(book.errors_in("customers/ga/gamma.toml").count(), 1);
}

#[test]
fn in_memory_entries_load_like_the_filesystem() {
    let mut entries: Vec<Entry> = files()
        .into_iter()
        .map(|(path, bytes)| Entry::file(path, bytes))
        .collect();
    entries.push(Entry::dir("customers/di/dir.toml"));
    entries.push(Entry::symlink(
        "customers/ev/evil.toml",
        "../../../secret.toml",
    ));
    entries.push(Entry::file(
        "README.md",
        b"outside customers/: ignored".to_vec(),
    ));
    let book = load_entries(entries, &options()).unwrap();
    assert_eq!(shown(&book), EXPECTED);
    assert_eq!(ids(&book), ["acme", "beta", "gamma", "misplaced"]);
}

#[test]
fn a_symlink_inside_customers_is_not_followed() {
    let entries = vec![
        Entry::file("kehu.toml", TEST_CONFIG),
        Entry::file("customers/ac/acme.toml", customer("acme", "")),
        Entry::symlink("customers/ac/alias.toml", "acme.toml"),
    ];
    let book = load_entries(entries, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/ac/alias.toml: warning: symbolic link to acme.toml not followed; customer files must be regular files"
        ]
    );
    assert_eq!(ids(&book), ["acme"]);
}

#[test]
fn oversized_files_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("kehu.toml"), TEST_CONFIG).unwrap();
    fs::create_dir_all(root.join("customers/bi")).unwrap();
    let mut big = customer("big", "");
    big.push_str(&"# padding\n".repeat(110_000));
    fs::write(root.join("customers/bi/big.toml"), &big).unwrap();
    let book = load_book(root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/bi/big.toml: error: the file is more than 1048576 bytes, over the limit of 1048576 bytes"
        ]
    );
}

#[test]
fn a_broken_kehu_toml_is_reported_and_customers_still_checked() {
    let entries = vec![
        Entry::file("kehu.toml", "[book\n"),
        Entry::file(
            "customers/ac/acme.toml",
            customer("acme", "since = 2030-01-01\n"),
        ),
    ];
    let book = load_entries(entries, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/ac/acme.toml:4:9: error: since: 2030-01-01 is in the future (as of 2026-11-22)",
            "kehu.toml:1:6: error: unclosed table, expected `]`",
        ]
    );
}

#[test]
fn a_book_without_kehu_toml_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_book(dir.path(), &options()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("no kehu.toml here; is this a kehu book?")
    );
}

fn policy_book(checks: &str) -> Book {
    let config = format!("{TEST_CONFIG}\n[checks]\n{checks}\n");
    let mut entries = vec![Entry::file("kehu.toml", config)];
    // alice (capacity 20) owns three strategic customers: load 24.
    for id in ["s1", "s2", "s3"] {
        entries.push(Entry::file(
            format!("customers/{id}/{id}.toml"),
            customer(id, "owner = \"alice\"\n[grade]\ntier = \"strategic\"\n"),
        ));
    }
    entries.push(Entry::file(
        "customers/no/noowner.toml",
        customer("noowner", "[grade]\ntier = \"key\"\n"),
    ));
    entries.push(Entry::file(
        "customers/ho/hot.toml",
        customer(
            "hot",
            "[grade]\npipeline = \"A\"\n[contact]\nlast = 2026-11-01\n",
        ),
    ));
    entries.push(Entry::file(
        "customers/ne/never.toml",
        customer("never", "[grade]\npipeline = \"A\"\n"),
    ));
    entries.push(Entry::file(
        "customers/fr/fresh.toml",
        customer(
            "fresh",
            "[grade]\npipeline = \"A\"\n[contact]\nlast = 2026-11-21\n",
        ),
    ));
    load_entries(entries, &options()).unwrap()
}

#[test]
fn policy_checks_name_file_line_and_field() {
    // The plan review policy has its own tests (plan_policy.rs).
    let book = policy_book("plan_review_days = 0");
    assert_eq!(shown(&book), Vec::<String>::new());
    let found: Vec<String> = check_policy(&book, as_of())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "customers/ho/hot.toml:7:8: warning: contact.last: last contact 2026-11-01 is 21 days old; pipeline A allows at most 2 (as of 2026-11-22)",
            "customers/ne/never.toml:5:12: warning: grade.pipeline: a pipeline-A customer with no contact on record (cadence: at most 2 days)",
            "customers/no/noowner.toml:5:8: warning: grade.tier: a key customer needs an owner, and has none",
            "kehu.toml:50:12: warning: owners.alice.capacity: owner \"alice\" carries a weighted load of 24 (3 customers), above capacity 20",
        ]
    );
}

#[test]
fn policy_checks_can_be_switched_off() {
    let book = policy_book(
        "owner_for_key_accounts = false\nowner_capacity = false\na_grade_contact = false\nplan_review_days = 0",
    );
    assert_eq!(check_policy(&book, as_of()), []);
}

#[test]
fn special_files_are_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("kehu.toml"), TEST_CONFIG).unwrap();
    fs::create_dir_all(root.join("customers/fi")).unwrap();
    let fifo = root.join("customers/fi/fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let book = load_book(root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        ["customers/fi/fifo.toml: error: not a regular file (a pipe, socket or device); not read"]
    );
}

#[test]
fn non_utf8_file_names_are_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("kehu.toml"), TEST_CONFIG).unwrap();
    fs::create_dir_all(root.join("customers/ba")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"ba\xFFd.toml");
    if fs::write(root.join("customers/ba").join(name), customer("bad", "")).is_err() {
        return; // the file system refuses such names
    }
    let book = load_book(root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        ["customers/ba/ba\u{FFFD}d.toml: error: the file name is not valid UTF-8; not read"]
    );
}

#[test]
fn duplicate_ids_anywhere_case_insensitive() {
    let entries = vec![
        Entry::file("kehu.toml", TEST_CONFIG),
        Entry::file("customers/ac/acme.toml", customer("acme", "")),
        Entry::file("customers/old/acme.toml", customer("acme", "")),
        Entry::file("customers/ac/ACME.toml", customer("ACME", "")),
    ];
    let book = load_entries(entries, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/ac/ACME.toml:1:6: error: id: duplicate id \"ACME\": customers/ac/acme.toml has the same id (ids are case-insensitive)",
            "customers/ac/ACME.toml:1:6: error: id: \"ACME\" is not a valid id: use 2 to 64 lowercase letters, digits and `-`",
            "customers/old/acme.toml: warning: not in its canonical place customers/ac/acme.toml",
            "customers/old/acme.toml:1:6: error: id: duplicate id \"acme\": customers/ac/acme.toml has the same id (ids are case-insensitive)",
        ]
    );
    assert_eq!(ids(&book), ["acme"]);
}

#[test]
fn symlinks_leaving_customers_are_refused() {
    let entries = vec![
        Entry::file("kehu.toml", TEST_CONFIG),
        Entry::symlink("customers/ev/evil.toml", "/etc/passwd"),
        Entry::symlink("customers/ev/up.toml", "../../kehu.toml"),
    ];
    let book = load_entries(entries, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/ev/evil.toml: error: symbolic link to /etc/passwd leaves customers/; not followed",
            "customers/ev/up.toml: error: symbolic link to ../../kehu.toml leaves customers/; not followed",
        ]
    );
}

#[test]
fn a_directory_named_like_a_customer_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("kehu.toml"), TEST_CONFIG).unwrap();
    fs::create_dir_all(root.join("customers/ac/acme.toml")).unwrap();
    let book = load_book(root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        [
            "customers/ac/acme.toml: error: a directory named like a customer file; customer files must be regular files"
        ]
    );
}

#[test]
fn a_symlinked_customers_directory_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    fs::create_dir_all(dir.path().join("elsewhere/ac")).unwrap();
    fs::write(
        dir.path().join("elsewhere/ac/acme.toml"),
        customer("acme", ""),
    )
    .unwrap();
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("kehu.toml"), TEST_CONFIG).unwrap();
    std::os::unix::fs::symlink("../elsewhere", root.join("customers")).unwrap();
    let book = load_book(&root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        ["customers: error: customers is a symbolic link; not followed"]
    );
    assert!(book.customers.is_empty());
}

#[test]
fn a_symlinked_kehu_toml_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    fs::create_dir_all(root.join("customers/ac")).unwrap();
    fs::write(dir.path().join("policy.toml"), TEST_CONFIG).unwrap();
    std::os::unix::fs::symlink("../policy.toml", root.join("kehu.toml")).unwrap();
    fs::write(root.join("customers/ac/acme.toml"), customer("acme", "")).unwrap();
    let book = load_book(&root, &options()).unwrap();
    assert_eq!(
        shown(&book),
        ["kehu.toml: error: kehu.toml is a symbolic link; not followed"]
    );
    assert_eq!(ids(&book), ["acme"]);
}

#[test]
fn a_key_too_deep_for_the_parser_is_placed_on_its_line_and_field() {
    let config = crate::parse_config(TEST_CONFIG.as_bytes()).config.unwrap();
    let text = customer(
        "deep",
        &format!("# deep below\nnotes{} = 1\n", ".a".repeat(5_000)),
    );
    let check = crate::check_file("customers/de/deep.toml", text.as_bytes(), &config, as_of());
    let shown: Vec<String> = check.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with(
            "customers/de/deep.toml:5:1: error: notes: recursion limit: the key `notes.a.a"
        ),
        "{shown:?}"
    );
    assert!(shown[0].ends_with("is 5001 levels deep"), "{shown:?}");
}
