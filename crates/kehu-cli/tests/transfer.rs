//! The book reaches plugins in the binary encoding (`kehu-book-bin/1`); with
//! `KEHU_PLUGIN_BOOK=json` the host answers the old JSON instead. Every
//! bundled plugin must print the same bytes either way, on the sample book.

mod common;

use std::process::{Command, Output};

use common::*;

/// Runs `kehu ARGS` on `book`, the host answering book calls in `encoding`
/// (`None`: as the plugin asks, i.e. binary).
fn run(book: &std::path::Path, encoding: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut command)
        .current_dir(book)
        .env("KEHU_NO_CACHE", "1")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(["--as-of", "2026-11-20", "--today", "2026-11-20"])
        .args(args);
    match encoding {
        Some(value) => command.env("KEHU_PLUGIN_BOOK", value),
        None => command.env_remove("KEHU_PLUGIN_BOOK"),
    };
    command.output().expect("run kehu")
}

#[test]
fn plugins_print_the_same_bytes_from_the_binary_and_the_json_book() {
    let book = sample_git_book();
    let commands: [&[&str]; 5] = [
        &["classify", "--format", "json", "--all"],
        &["classify", "--all"],
        &["agenda", "--format", "json"],
        &["churn", "--format", "json"],
        &["assign", "--format", "json"],
    ];
    for args in commands {
        let binary = run(book.path(), None, args);
        let json = run(book.path(), Some("json"), args);
        assert_eq!(
            binary.status.code(),
            json.status.code(),
            "kehu {args:?}: {}",
            stderr(&binary)
        );
        assert!(
            binary.stdout.len() > 100,
            "kehu {args:?} printed little: {}{}",
            stdout(&binary),
            stderr(&binary)
        );
        assert!(
            binary.stdout == json.stdout,
            "kehu {args:?}: the binary and the JSON book give different output"
        );
        assert_eq!(stderr(&binary), stderr(&json), "kehu {args:?}");
    }
}
