//! End-to-end tests of the plugin host: discovery, safety, and changesets
//! applied by the host (`--dry-run`, `--branch`, `--apply`).

mod common;

use common::*;

fn plugin_dir_arg() -> String {
    plugin_dir().display().to_string()
}

#[test]
fn plugins_lists_the_bundled_plugins_with_versions_and_paths() {
    let book = sample_book();
    let (_bin, exe) = isolated_kehu();
    let out = run_exe(
        &exe,
        book.path(),
        &[
            "--plugin-dir",
            &plugin_dir_arg(),
            "plugins",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["agenda", "assign", "classify", "churn", "report"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for plugin in doc["plugins"].as_array().unwrap() {
        assert_eq!(plugin["abi"], kehu_plugin::ABI_VERSION);
        assert!(plugin["path"].as_str().unwrap().starts_with('/'));
    }
}

#[test]
fn without_its_library_a_subcommand_does_not_exist() {
    let book = sample_book();
    let (_bin, exe) = isolated_kehu();
    let out = run_exe(&exe, book.path(), &["classify"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no plugin provides `classify`"), "{err}");
    assert!(err.contains("searched:"), "{err}");
}

#[test]
fn a_library_inside_the_book_is_never_loaded() {
    let book = sample_book();
    let inside = book.path().join("plugins");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::copy(
        plugin_library("classify"),
        inside.join("libkehu_classify.so"),
    )
    .unwrap();
    let (_bin, exe) = isolated_kehu();
    for args in [
        vec!["--plugin-dir", "plugins", "classify"],
        vec!["classify"],
    ] {
        let mut command = std::process::Command::new(&exe);
        hermetic(&mut command)
            .current_dir(book.path())
            .args(&args)
            .env("KEHU_PLUGIN_PATH", &inside);
        let out = output_of_copied_exe(&mut command);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("inside the book"), "{args:?}: {err}");
        assert!(
            err.contains("no plugin provides `classify`"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn classify_dry_run_branch_and_apply_go_through_the_host() {
    let book = sample_git_book();
    let root = book.path();
    let dir = plugin_dir_arg();
    let head = git(root, &["rev-parse", "HEAD"]);

    let dry = kehu(root, &["--plugin-dir", &dir, "classify", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("→") || stdout(&dry).contains("->"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);

    let branch = kehu(
        root,
        &[
            "--plugin-dir",
            &dir,
            "classify",
            "--branch",
            "review/regrade",
        ],
    );
    assert!(branch.status.success(), "{}", stderr(&branch));
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    let message = git(root, &["log", "-1", "--format=%B", "review/regrade"]);
    assert!(message.contains("Kehu-Command: classify"), "{message}");

    let apply = kehu(root, &["--plugin-dir", &dir, "classify", "--apply"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_ne!(git(root, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    let check = kehu(root, &["--plugin-dir", &dir, "classify", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
}

/// A reader that stops early (`kehu … | head`) ends kehu quietly with git's
/// status for it (141), for a built-in command and for a plugin alike: no
/// "broken pipe" error, and not a plugin failure (3).
#[test]
fn a_reader_that_stops_early_ends_kehu_quietly() {
    let book = sample_book();
    // Both outputs are far larger than a pipe's buffer, so kehu is still
    // writing when the reader goes, whichever runs first.
    for args in [
        &["export", "--format", "json"][..],
        &[
            "--plugin-dir",
            &plugin_dir_arg(),
            "classify",
            "--format",
            "json",
        ][..],
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"));
        hermetic(&mut command)
            .current_dir(book.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let errors = stderr(&out);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {errors}");
        // (A warning that the build's own plugins shadow others may remain.)
        assert!(
            !errors.contains("error") && !errors.contains("pipe"),
            "{args:?}: {errors}"
        );
    }
}

/// A pure run made again on the same book plays its record from
/// `.git/kehu/replay-v1`: the same bytes and exit code, without running the
/// plugin; any change to the book runs the plugin again.
#[test]
fn a_pure_run_on_an_unchanged_book_is_replayed_and_a_change_runs_again() {
    let book = sample_git_book();
    let root = book.path();
    // Files changed within the last two seconds are never trusted (their
    // stat data could hide a second change): let the new book settle.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let dir = plugin_dir_arg();
    let json = ["--plugin-dir", &dir, "classify", "--format", "json"];
    let check = ["--plugin-dir", &dir, "classify", "--check"];

    let first = kehu(root, &json);
    assert!(first.status.success(), "{}", stderr(&first));
    let first_check = kehu(root, &check);
    for (run, again) in [
        (&first, kehu(root, &json)),
        (&first_check, kehu(root, &check)),
    ] {
        assert_eq!(again.status.code(), run.status.code());
        assert_eq!(again.stdout, run.stdout);
        assert_eq!(again.stderr, run.stderr);
    }
    let records = root.join(".git/kehu/replay-v1");
    let count = || std::fs::read_dir(&records).unwrap().count();
    assert_eq!(count(), 2, "one record per request");
    // The other read-only plugins are pure too; a writing run is never
    // recorded.
    for args in [
        &["churn", "--format", "json"][..],
        &["assign", "--format", "json"],
        &["agenda", "--format", "json"],
    ] {
        let args: Vec<&str> = ["--plugin-dir", dir.as_str()]
            .iter()
            .chain(args)
            .copied()
            .collect();
        let before = count();
        let run = kehu(root, &args);
        assert!(
            run.status.code().is_some_and(|c| c <= 1),
            "{}",
            stderr(&run)
        );
        assert_eq!(count(), before + 1, "{args:?} recorded");
        assert_eq!(kehu(root, &args).stdout, run.stdout);
    }
    let before = count();
    let dry = kehu(root, &["--plugin-dir", &dir, "classify", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert_eq!(count(), before, "a writing run is not recorded");
    // A run that names another revision is not pure: a marker, no record,
    // so the next such run does not stamp the book for nothing.
    let impact = ["--plugin-dir", &dir, "classify", "--rules-from", "HEAD"];
    assert!(kehu(root, &impact).status.success());
    let markers = || {
        std::fs::read_dir(&records)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "impure")
            })
            .count()
    };
    assert_eq!((count(), markers()), (before + 1, 1));
    assert!(kehu(root, &impact).status.success());
    assert_eq!((count(), markers()), (before + 1, 1));

    // Prove the second run was a replay: mark the record and see the mark.
    let marked = std::fs::read_dir(&records)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            let bytes = std::fs::read(path).unwrap();
            bytes.windows(first.stdout.len()).any(|w| w == first.stdout)
        })
        .expect("a record of the JSON run");
    let mut bytes = std::fs::read(&marked).unwrap();
    let at = bytes
        .windows(first.stdout.len())
        .position(|w| w == first.stdout)
        .unwrap();
    assert_eq!(bytes[at], b'{');
    bytes[at] = b' ';
    std::fs::write(&marked, &bytes).unwrap();
    let replayed = kehu(root, &json);
    assert_eq!(replayed.stdout[0], b' ', "the record was played");
    assert_eq!(replayed.stdout[1..], first.stdout[1..]);

    // An edit of one customer runs the plugin again, and what it prints is
    // what a run without replays prints.
    let path = root.join(customer_path("acme-civil"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("Acme Civil\"", "Acme Civil Works\"")).unwrap();
    let after = kehu(root, &json);
    assert!(after.status.success(), "{}", stderr(&after));
    assert_eq!(after.stdout[0], b'{', "not the stale record");
    assert!(String::from_utf8_lossy(&after.stdout).contains("Acme Civil Works"));
    let mut fresh = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut fresh)
        .current_dir(root)
        .env("KEHU_NO_REPLAY", "1")
        .args(json);
    assert_eq!(fresh.output().unwrap().stdout, after.stdout);
}
