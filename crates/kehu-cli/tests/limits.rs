//! Resource limits: huge inputs are refused with a clear message or handled
//! in bounded memory, never an out-of-memory kill. Each command runs under
//! an address-space limit ([`MEMORY_LIMIT_KIB`]) so an attempt to read a
//! huge file whole fails the test instead of the machine; the big inputs are
//! made here, sparse or streamed, never committed.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

/// The address space every command here gets: 768 MiB. Virtual, so it
/// includes thread stacks and allocator arenas; real use is far lower.
const MEMORY_LIMIT_KIB: u64 = 768 * 1024;

/// Runs kehu in `dir` under [`MEMORY_LIMIT_KIB`]; also returns how long it took.
fn bounded(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_kehu"))
        .args(args);
    hermetic(&mut command).current_dir(dir);
    let start = Instant::now();
    let output = command.output().unwrap();
    (output, start.elapsed())
}

fn assert_no_crash(args: &[&str], output: &Output) {
    let err = stderr(output);
    assert!(
        output.status.code().is_some()
            && !err.contains("panicked")
            && !err.contains("memory allocation"),
        "kehu {args:?} crashed ({:?}): {err}",
        output.status
    );
}

#[test]
fn a_one_gib_customer_file_is_refused_unread() {
    let book = sample_git_book();
    let root = book.path();
    let big = root.join("customers/bi/big.toml");
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(1 << 30).unwrap(); // sparse: no disk, no write time
    drop(file);
    for args in [
        vec!["check", "--format", "json"],
        vec!["export", "--format", "csv"],
        vec![
            "contact",
            "acme-civil",
            "--channel",
            "call",
            "--note",
            "limits",
        ],
    ] {
        let (output, took) = bounded(root, &args);
        assert_no_crash(&args, &output);
        assert!(took < Duration::from_secs(60), "{args:?} took {took:?}");
        if args[0] == "check" {
            assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
            let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            let found = json["diagnostics"].as_array().unwrap().iter().any(|d| {
                d["path"] == "customers/bi/big.toml"
                    && d["code"] == "too-large"
                    && d["message"].as_str().unwrap().contains("over the limit")
            });
            assert!(found, "{json}");
        }
    }
}

#[test]
fn a_million_line_kehu_toml_is_refused_or_read_quickly() {
    let book = sample_git_book();
    let root = book.path();
    let config = std::fs::read_to_string(root.join("kehu.toml")).unwrap();

    // A million lines of settings: over the size limit, refused by name.
    let mut file = std::io::BufWriter::new(std::fs::File::create(root.join("kehu.toml")).unwrap());
    file.write_all(config.as_bytes()).unwrap();
    for i in 0..1_000_000 {
        writeln!(file, "# line {i} of padding").unwrap();
    }
    drop(file);
    let (output, took) = bounded(root, &["check"]);
    assert_no_crash(&["check"], &output);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("kehu.toml") || stderr(&output).contains("kehu.toml"),
        "names the file"
    );
    assert!(
        format!("{}{}", stdout(&output), stderr(&output)).contains("over the limit"),
        "{}",
        stderr(&output)
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");

    // A million blank lines fit under the limit: read, and the book works.
    let padded = format!("{config}{}", "\n".repeat(1_000_000));
    std::fs::write(root.join("kehu.toml"), padded).unwrap();
    let (output, took) = bounded(root, &["check"]);
    assert_no_crash(&["check"], &output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn a_csv_row_of_100000_fields_is_refused_by_line() {
    let book = sample_git_book();
    let root = book.path();
    let orders = tempfile::tempdir().unwrap();
    let path = orders.path().join("orders.csv");
    let mut text = String::from("customer,date,amount\nacme-civil,2026-11-01,10");
    for _ in 0..100_000 {
        text.push_str(",9");
    }
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let args = ["import", "orders", path.to_str().unwrap()];
    let (output, took) = bounded(root, &args);
    assert_no_crash(&args, &output);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("orders.csv:2: row: 100003 fields but the header has 3"),
        "{}",
        stderr(&output)
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");

    // A header of 100,000 columns (three of them known) imports.
    let mut header = String::from("customer,date,amount");
    let mut row = String::from("acme-civil,2026-11-01,10");
    for i in 0..100_000 {
        header.push_str(&format!(",extra{i}"));
        row.push_str(",x");
    }
    std::fs::write(&path, format!("{header}\n{row}\n")).unwrap();
    let args = ["import", "orders", path.to_str().unwrap(), "--dry-run"];
    let (output, took) = bounded(root, &args);
    assert_no_crash(&args, &output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn a_one_gib_import_file_is_refused_unread() {
    let book = sample_git_book();
    let root = book.path();
    let orders = tempfile::tempdir().unwrap();
    let path = orders.path().join("orders.csv");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(1 << 30).unwrap();
    drop(file);
    let args = ["import", "orders", path.to_str().unwrap()];
    let (output, took) = bounded(root, &args);
    assert_no_crash(&args, &output);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("over the import limit"),
        "{}",
        stderr(&output)
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
