//! End-to-end tests of `kehu import`: the CDNOW sample into a new book, bad
//! rows named by line (and `--skip-bad`), a customers CSV with `--map`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{git, head, kehu, new_book, stderr, stdout};

/// The CDNOW sample kept with kehu-core's import tests (no header; sample
/// id before the master id).
fn cdnow_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kehu-core/tests/data/CDNOW_sample.txt")
}

#[test]
fn the_cdnow_sample_builds_a_new_book_in_one_commit() {
    let book = new_book();
    let dir = book.path();
    let sample = cdnow_sample();
    let sample = sample.to_str().unwrap();
    let before = head(dir);

    let output = kehu(
        dir,
        &[
            "--as-of",
            "1998-06-30",
            "import",
            "orders",
            sample,
            "--format",
            "cdnow",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "no --create: refused");
    assert!(
        stderr(&output).contains("2357 customers"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("pass --create"));
    assert_eq!(head(dir), before);
    assert!(!dir.join("customers/00").exists());

    let output = kehu(
        dir,
        &[
            "--as-of",
            "1998-06-30",
            "import",
            "orders",
            sample,
            "--create",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("Read 6919 rows (cdnow sample)"));
    assert_eq!(
        git(dir, &["rev-parse", "HEAD~1"]).trim(),
        before,
        "one commit"
    );
    assert_eq!(
        git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    let changed = git(dir, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert_eq!(changed.lines().count(), 2357);
    assert_eq!(
        fs::read_to_string(dir.join("customers/00/00004.toml")).unwrap(),
        "id = \"00004\"\nname = \"00004\"\nsince = 1997-01-01\nstage = \"won\"\n\n\
         [metrics]\nrevenue_12m = 41.44\nrevenue_total = 100.5\norders_total = 4\n\
         orders_12m = 2\nfirst_order = 1997-01-01\nlast_order = 1997-12-12\n"
    );
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with("import: orders as of 1998-06-30 from CDNOW_sample.txt\n\n"));
    assert!(
        message
            .contains("Rows read: 6919; used: 6919; after as-of (left out): 0; bad (skipped): 0.")
    );
    assert!(message.contains("Customers: 0 updated, 2357 created, 0 unchanged."));
    assert!(message.contains("Kehu-Command: import\nKehu-Customer-Count: 2357\n"));
    let check = kehu(dir, &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    // The same file again changes nothing; an earlier day moves figures back.
    let after = head(dir);
    let output = kehu(dir, &["--as-of", "1998-06-30", "import", "orders", sample]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("Nothing to change"));
    assert_eq!(head(dir), after);
    let output = kehu(dir, &["--as-of", "1997-12-31", "import", "orders", sample]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("after 1997-12-31"));
    assert_eq!(git(dir, &["rev-parse", "HEAD~1"]).trim(), after);
}

const ORDERS: &str = "customer,date,amount\n\
acme,2026-01-10,100.00\n\
acme,2026-02-30,50.00\n\
beta,2026-03-01,25.50\n";

#[test]
fn a_bad_row_is_named_by_line_and_nothing_is_written() {
    let book = new_book();
    let dir = book.path();
    fs::write(dir.join("orders.csv"), ORDERS).unwrap();
    git(dir, &["add", "orders.csv"]);
    git(dir, &["commit", "-q", "-m", "orders"]);
    let before = head(dir);
    let output = kehu(dir, &["import", "orders", "orders.csv", "--create"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("orders.csv:3: date: `2026-02-30` is not a real day"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("nothing was imported"));
    assert_eq!(head(dir), before);
    assert_eq!(
        git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );

    let output = kehu(
        dir,
        &["import", "orders", "orders.csv", "--create", "--skip-bad"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("skipped: orders.csv:3: date:"));
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains("Skipped (bad rows):\n  orders.csv:3: date:"),
        "{message}"
    );
    assert!(
        message.contains("Kehu-Customer: acme\nKehu-Customer: beta\n"),
        "{message}"
    );
    let acme = fs::read_to_string(dir.join("customers/ac/acme.toml")).unwrap();
    assert!(acme.contains("revenue_total = 100.0\n"), "{acme}");
}

/// `kehu import customers crm.csv` with the CRM export's column map.
fn import_crm(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "import",
        "customers",
        "crm.csv",
        "--map",
        "Account=id",
        "--map",
        "Company=name",
    ];
    args.extend_from_slice(extra);
    kehu(dir, &args)
}

#[test]
fn customers_from_a_crm_export_with_a_column_map() {
    let book = new_book();
    let dir = book.path();
    fs::write(
        dir.join("crm.csv"),
        "Account,Company,Region,Notes\nacme,ACME Corporation,east,call back\nzhongshan-steel,Zhongshan Steel,overseas,\n",
    )
    .unwrap();
    let output = import_crm(dir, &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("customers/ac/acme.toml (new customer `acme`)"));
    assert!(!dir.join("customers/ac").exists(), "dry run writes nothing");

    let output = import_crm(dir, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let acme = fs::read_to_string(dir.join("customers/ac/acme.toml")).unwrap();
    assert!(
        acme.starts_with("id = \"acme\"\nname = \"ACME Corporation\"\nregion = \"east\"\n"),
        "{acme}"
    );
    assert!(dir.join("customers/zh/zhongshan-steel.toml").exists());
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains("Customers: 0 updated, 2 created, 0 unchanged."),
        "{message}"
    );
    assert!(message.contains("Columns ignored: Notes."), "{message}");

    // A second export updates only what changed: a one-line diff.
    fs::write(
        dir.join("crm.csv"),
        "Account,Company,Region\nacme,ACME Corporation,west\n",
    )
    .unwrap();
    let output = import_crm(dir, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff = git(
        dir,
        &["diff", "--unified=0", "HEAD~1", "HEAD", "--", "customers/"],
    );
    let lines: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    assert_eq!(lines, ["-region = \"east\"", "+region = \"west\""]);
}
