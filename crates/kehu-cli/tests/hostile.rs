//! Hostile books: a book cloned from someone else must not run code, reach
//! outside itself, or smuggle markup into kehu's output.

mod common;

use std::path::Path;

use common::*;

/// Copies of a real bundled plugin at every place inside a book where a
/// careless loader might look.
const PLANTED: &[&str] = &[
    "",
    "plugins",
    ".kehu/plugins",
    "target/debug",
    "target/release",
    "lib/kehu/plugins",
    "customers",
];

#[test]
fn no_plugin_is_loaded_from_the_book_whatever_the_current_directory() {
    let (_bin, exe) = isolated_kehu();
    let book = sample_git_book();
    let root = book.path();
    let library = plugin_library("churn");
    let file = library.file_name().unwrap();
    for dir in PLANTED {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::copy(&library, root.join(dir).join(file)).unwrap();
    }
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("plugins"), outside.path().join("link")).unwrap();
    let book_arg = root.to_str().unwrap();
    let in_book = root.join("plugins");
    let in_book = in_book.to_str().unwrap();
    let link = outside.path().join("link");
    let link = link.to_str().unwrap();

    let refused = |dir: &Path, args: &[&str], env: Option<&str>| {
        let mut command = std::process::Command::new(&exe);
        hermetic(&mut command).current_dir(dir).args(args);
        if let Some(path) = env {
            command.env("KEHU_PLUGIN_PATH", path);
        }
        let output = command.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?} in {dir:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("no plugin provides `churn`"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{args:?}");
        stderr(&output)
    };
    refused(root, &["churn"], None);
    refused(&root.join("customers/ac"), &["churn"], None);
    refused(outside.path(), &["--book", book_arg, "churn"], None);
    for args in [
        vec!["--plugin-dir", in_book, "churn"],
        vec!["--plugin-dir", "plugins", "churn"],
        vec!["--plugin-dir", link, "churn"],
    ] {
        let err = refused(root, &args, None);
        assert!(err.contains("inside the book"), "{args:?}: {err}");
    }
    let err = refused(root, &["churn"], Some(in_book));
    assert!(err.contains("inside the book"), "{err}");
    let err = refused(outside.path(), &["--book", book_arg, "churn"], Some(link));
    assert!(err.contains("inside the book"), "{err}");

    // The same library from outside the book does load: the refusals above
    // are about where it lies, not what it is.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(&library, elsewhere.path().join(file)).unwrap();
    let output = run_exe(
        &exe,
        root,
        &["--plugin-dir", elsewhere.path().to_str().unwrap(), "churn"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A shell script that records its name in `marks` when run.
fn trap(marks: &Path, name: &str) -> String {
    format!("#!/bin/sh\ntouch '{}/{name}'\ncat\n", marks.display())
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Sets hooks (in .git/hooks and in a core.hooksPath), filter, diff and
/// merge drivers, an fsmonitor, a pager, an editor and a signing program,
/// each a script that leaves a mark in `marks`.
fn arm(root: &Path, marks: &Path) {
    let hooks = root.join(".git/hooks");
    let other_hooks = root.join("evil-hooks");
    std::fs::create_dir_all(&other_hooks).unwrap();
    for hook in [
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "post-commit",
        "post-checkout",
        "post-merge",
        "pre-auto-gc",
        "reference-transaction",
        "post-index-change",
        "post-rewrite",
    ] {
        for dir in [&hooks, &other_hooks] {
            executable(&dir.join(hook), &trap(marks, hook));
        }
    }
    let script = root.join("evil.sh");
    executable(&script, &trap(marks, "filter-or-fsmonitor"));
    let script = script.to_str().unwrap();
    for (key, value) in [
        ("core.hooksPath", other_hooks.to_str().unwrap()),
        ("core.fsmonitor", script),
        ("filter.evil.clean", script),
        ("filter.evil.smudge", script),
        ("filter.evil.process", script),
        ("filter.evil.required", "true"),
        ("diff.evil.textconv", script),
        ("diff.external", script),
        ("merge.evil.driver", script),
        ("core.sshCommand", script),
        ("gpg.program", script),
        ("commit.gpgSign", "true"),
        ("core.pager", script),
        ("core.editor", script),
    ] {
        git(root, &["config", key, value]);
    }
}

#[test]
fn git_hooks_filters_and_fsmonitor_in_the_book_never_run() {
    let book = sample_git_book();
    let root = book.path();
    // Attributes a cloned book can carry; committed before the traps are set.
    write(
        root,
        ".gitattributes",
        "*.toml filter=evil diff=evil merge=evil\n",
    );
    git(root, &["add", ".gitattributes"]);
    git(root, &["commit", "-q", "-m", "attributes"]);
    let marks = tempfile::tempdir().unwrap();
    arm(root, marks.path());
    std::fs::write(
        root.join("orders.csv"),
        "customer,date,amount\nacme-civil,2026-11-01,250\n",
    )
    .unwrap();
    let plugins = plugin_dir().to_str().unwrap();
    let orders = root.join("orders.csv");
    let commands: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["export", "--format", "json"],
        vec!["log"],
        vec!["history", "acme-civil"],
        vec!["blame", "acme-civil"],
        vec!["diff", "HEAD~1"],
        vec!["--as-of", "2026-11-21", "export"],
        vec![
            "contact",
            "acme-civil",
            "--channel",
            "call",
            "--note",
            "hostile",
        ],
        vec![
            "grade",
            "acme-civil",
            "--tier",
            "key",
            "--reason",
            "hostile",
        ],
        vec![
            "new",
            "zz-top",
            "--name",
            "ZZ",
            "--region",
            "west",
            "--industry",
            "retail",
        ],
        vec!["import", "orders", orders.to_str().unwrap(), "--create"],
        vec!["--plugin-dir", plugins, "classify", "--apply"],
        vec!["--plugin-dir", plugins, "assign", "--apply"],
    ];
    let mut commits = 0;
    for args in &commands {
        let before = git(root, &["rev-parse", "HEAD"]);
        let output = kehu(root, args);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            stderr(&output)
        );
        if git(root, &["rev-parse", "HEAD"]) != before {
            commits += 1;
        }
        let ran: Vec<String> = std::fs::read_dir(marks.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(ran.is_empty(), "kehu {args:?} ran {ran:?}");
    }
    assert!(commits >= 5, "the writing commands committed ({commits})");

    // The traps are live: plain git runs the hook and the filter.
    git(root, &["hook", "run", "pre-commit"]);
    assert!(
        marks.path().join("pre-commit").exists(),
        "the hooks are armed"
    );
    let mut command = std::process::Command::new("git");
    hermetic(&mut command).current_dir(root).args(["add", "-A"]);
    let _ = command.output().unwrap();
    assert!(
        marks.path().join("filter-or-fsmonitor").exists(),
        "the filter is armed"
    );
}

fn new_is_refused_over_a_symlink(root: &Path, id: &str) {
    let args = [
        "new",
        id,
        "--name",
        "Linked",
        "--region",
        "west",
        "--industry",
        "retail",
    ];
    let output = kehu(root, &args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn paths_in_the_book_never_reach_outside_it() {
    let book = sample_git_book();
    let root = book.path();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "id = \"secret\"\nname = \"TOP SECRET\"\n").unwrap();
    let head = git(root, &["rev-parse", "HEAD"]);

    for args in [
        vec!["new", "../../evil", "--name", "Evil"],
        vec!["new", "..", "--name", "Evil"],
        vec![
            "contact",
            "../../etc/passwd",
            "--channel",
            "call",
            "--note",
            "x",
        ],
        vec!["grade", "../kehu", "--tier", "key", "--reason", "x"],
        vec!["history", "../../kehu"],
        vec!["blame", "../ac/acme-civil"],
    ] {
        let output = kehu(root, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{args:?}");
    }

    // A template that links outside the book is not read.
    std::fs::remove_file(root.join("customers/ac/acme-civil.toml")).unwrap();
    git(root, &["checkout", "-q", "--", "."]);
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("templates/customer.toml")).unwrap();
    new_is_refused_over_a_symlink(root, "linked");
    std::fs::remove_file(root.join("templates/customer.toml")).unwrap();

    // An untracked directory link under customers/ is never written through.
    std::os::unix::fs::symlink(outside.path(), root.join("customers/zz")).unwrap();
    new_is_refused_over_a_symlink(root, "zzz");
    let left: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the secret is outside");

    // A customer file linking outside is reported, never read.
    std::os::unix::fs::symlink(&secret, root.join("customers/ac/secret.toml")).unwrap();
    let output = kehu(root, &["export", "--format", "json"]);
    assert!(!stdout(&output).contains("TOP SECRET"));
    let output = kehu(root, &["check"]);
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        said.contains("secret.toml") && said.contains("symbolic link"),
        "{said}"
    );
    assert_eq!(
        git(root, &["rev-parse", "HEAD"]),
        head,
        "nothing was committed"
    );
}

/// Names that try to break out of every output format.
const IMG: &str = "<img src=x onerror=alert(1)>";
const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\") | `tick` \nnext";

/// Counts the `|` not escaped with a backslash.
fn pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

fn judge(args: &[&str], format: &str, out: &str) {
    let what = format!("kehu {} --format {format}", args.join(" "));
    match format {
        "html" | "markdown" => {
            assert!(!out.to_lowercase().contains("<img"), "{what}: raw <img");
        }
        _ => {}
    }
    match format {
        "json" => {
            serde_json::from_str::<serde_json::Value>(out)
                .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        }
        "jsonl" => {
            for line in out.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("{what}: not JSON lines: {e}"));
            }
        }
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(out.as_bytes());
            for record in reader.records() {
                let record = record.unwrap_or_else(|e| panic!("{what}: bad CSV: {e}"));
                for cell in record.iter() {
                    let risky = matches!(
                        cell.chars().next(),
                        Some('=' | '+' | '-' | '@' | '\t' | '\r')
                    );
                    assert!(
                        !risky || cell.parse::<f64>().is_ok(),
                        "{what}: formula cell {cell:?}"
                    );
                }
            }
        }
        "markdown" => {
            let mut header = None;
            for line in out.lines() {
                if !line.starts_with('|') {
                    header = None;
                    continue;
                }
                let expected = *header.get_or_insert(pipes(line));
                assert_eq!(
                    pipes(line),
                    expected,
                    "{what}: a cell broke the table: {line}"
                );
                let bare_tick = line
                    .char_indices()
                    .any(|(i, c)| c == '`' && !line[..i].ends_with('\\'));
                assert!(!bare_tick, "{what}: a bare backtick: {line}");
            }
            assert!(
                !out.lines().any(|l| l.starts_with("next")),
                "{what}: a newline in a name split a row"
            );
        }
        "ics" => {
            assert!(out.starts_with("BEGIN:VCALENDAR\r\n"), "{what}");
            for line in out.split_terminator("\r\n") {
                assert!(!line.contains('\n'), "{what}: bare newline in {line:?}");
                assert!(line.len() <= 75, "{what}: long line {line:?}");
            }
        }
        _ => {}
    }
}

#[test]
fn a_hostile_name_is_inert_in_every_output_format() {
    let book = sample_git_book();
    let root = book.path();
    for (path, name) in [
        ("customers/ac/acme-civil.toml", IMG),
        ("customers/ac/acme-dental.toml", FORMULA),
    ] {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        let first = text.lines().nth(1).unwrap().to_owned();
        assert!(first.starts_with("name = "), "{first}");
        let quoted = toml::Value::String(name.to_owned()).to_string();
        std::fs::write(
            root.join(path),
            text.replacen(&first, &format!("name = {quoted}"), 1),
        )
        .unwrap();
    }
    git(root, &["commit", "-q", "-am", "hostile names"]);
    let plugins = plugin_dir().to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["export"],
        vec!["check"],
        vec!["log"],
        vec!["history", "acme-civil"],
        vec!["history", "acme-dental"],
        vec!["blame", "acme-dental"],
        vec!["diff", "HEAD~1"],
        vec!["--plugin-dir", plugins, "classify"],
        vec!["--plugin-dir", plugins, "agenda", "--days", "400"],
        vec!["--plugin-dir", plugins, "report"],
        vec!["--plugin-dir", plugins, "churn"],
        vec!["--plugin-dir", plugins, "assign"],
    ];
    let mut judged = 0;
    for args in &commands {
        for format in ["table", "json", "jsonl", "csv", "markdown", "html", "ics"] {
            let mut full: Vec<&str> = args.clone();
            full.extend(["--format", format]);
            let output = kehu(root, &full);
            let err = stderr(&output);
            assert!(!err.contains("panicked"), "{full:?}: {err}");
            if output.status.code() == Some(2) {
                continue; // this command does not print this format
            }
            judge(args, format, &stdout(&output));
            judged += 1;
        }
    }
    assert!(judged >= 30, "only {judged} outputs judged");
}
