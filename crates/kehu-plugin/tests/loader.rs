//! The loader against real libraries: well-behaved, panicking, lying,
//! broken, misplaced and duplicated plugins.

mod support;

use std::path::{Path, PathBuf};

use kehu_plugin::host::{CallFailure, LoadWarning, Origin, Registry, SearchPath};
use kehu_plugin::protocol::{ProtocolError, Request, WriteMode};
use kehu_plugin::{ABI_VERSION, policy};
use support::{FakeHost, fixture, stage};

fn search(dirs: &[&Path]) -> SearchPath {
    let mut search = SearchPath::new();
    for dir in dirs {
        search.push(dir.to_path_buf(), Origin::Flag);
    }
    search
}

fn request(args: &[&str]) -> Request {
    let args = args.iter().map(|a| (*a).to_owned()).collect();
    Request::new("fixture", args, "2026-11-18".parse().unwrap())
}

fn names(registry: &Registry) -> Vec<&str> {
    registry.plugins().iter().map(|p| p.name()).collect()
}

#[test]
fn a_well_behaved_plugin_loads_and_uses_host_services() {
    let dir = tempfile::tempdir().unwrap();
    let file = stage(fixture("fixture"), dir.path(), "fixture");
    let registry = Registry::load_all(&search(&[dir.path()]));
    assert_eq!(registry.warnings(), []);
    let plugin = registry.require("fixture").unwrap();
    let info = plugin.info();
    assert_eq!(info.name, "fixture");
    assert_eq!(info.version, "0.3.7");
    assert_eq!(info.abi_version, ABI_VERSION);
    assert_eq!(info.path, file);
    assert_eq!(info.origin, Origin::Flag);
    assert_eq!(
        info.about,
        "Loader test fixture: echoes, counts, panics on request"
    );

    let host = FakeHost::new();
    let mut echo = request(&["echo", "a b", "--x"]);
    echo.format = Some("json".into());
    echo.color = true;
    echo.book_dir = Some("/books/test".into());
    let response = plugin.run(&echo, &host).unwrap();
    assert_eq!(
        response.stdout,
        "command=fixture args=[\"a b\", \"--x\"] as_of=2026-11-18 format=Some(\"json\") \
         color=true book_dir=Some(\"/books/test\")\n"
    );

    let response = plugin.run(&request(&["count"]), &host).unwrap();
    assert_eq!(response.stdout, "2 customers in Test book\n");
    let response = plugin.run(&request(&["history", "acme"]), &host).unwrap();
    assert_eq!(response.stdout, "{\"customer\":\"acme\",\"events\":[]}\n");
    let response = plugin
        .run(&request(&["changes", "2026-01-01", "2026-06-30"]), &host)
        .unwrap();
    assert_eq!(
        response.stdout,
        "{\"since\":\"2026-01-01\",\"until\":\"2026-06-30\"}\n"
    );
    let response = plugin.run(&request(&["history", "ghost"]), &host).unwrap();
    assert_eq!(response.exit_code, 3);
    assert!(
        response.stderr.contains("no customer `ghost`"),
        "{}",
        response.stderr
    );

    let response = plugin.run(&request(&["exit", "1"]), &host).unwrap();
    assert_eq!(
        (response.exit_code, response.stderr.as_str()),
        (1, "exiting 1\n")
    );
}

#[test]
fn changesets_come_back_with_their_mode_and_are_vetted() {
    let dir = tempfile::tempdir().unwrap();
    stage(fixture("fixture"), dir.path(), "fixture");
    let registry = Registry::load_all(&search(&[dir.path()]));
    let plugin = registry.require("fixture").unwrap();
    let host = FakeHost::new();
    let mut book = host.customers.clone();
    book[0].grade.pinned = vec!["tier".into()];
    let lookup = |id: &str| book.iter().find(|c| c.id == id);

    let response = plugin
        .run(
            &request(&["regrade", "acme", "grade.abc", "B", "--branch", "review"]),
            &host,
        )
        .unwrap();
    assert_eq!(response.mode, WriteMode::Branch("review".into()));
    let changeset = response.changeset.unwrap();
    assert_eq!(changeset.edits[0].value, serde_json::json!("B"));
    policy::check_changeset(&changeset, lookup).unwrap();

    let pinned = plugin
        .run(
            &request(&["regrade", "acme", "grade.tier", "key", "--dry-run"]),
            &host,
        )
        .unwrap();
    assert_eq!(pinned.mode, WriteMode::DryRun);
    let refused = policy::check_changeset(&pinned.changeset.unwrap(), lookup).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "changeset refused: acme: `grade.tier` is pinned by hand"
    );

    let ghost = plugin
        .run(
            &request(&["regrade", "ghost", "owner", "bob", "--apply"]),
            &host,
        )
        .unwrap();
    let refused = policy::check_changeset(&ghost.changeset.unwrap(), lookup).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "changeset refused: customer `ghost` does not exist"
    );
}

#[test]
fn a_panic_is_that_plugins_error_and_the_host_survives() {
    let dir = tempfile::tempdir().unwrap();
    let file = stage(fixture("fixture"), dir.path(), "fixture");
    let registry = Registry::load_all(&search(&[dir.path()]));
    let plugin = registry.require("fixture").unwrap();
    let host = FakeHost::new();
    let error = plugin.run(&request(&["panic"]), &host).unwrap_err();
    assert_eq!(error.plugin, "fixture");
    assert_eq!(error.path(), file);
    let CallFailure::Panicked(message) = &error.failure else {
        panic!("expected a panic, got {error:?}");
    };
    assert!(
        message.starts_with("the fixture was told to panic (at "),
        "{message}"
    );
    assert!(
        error
            .to_string()
            .starts_with("plugin `fixture` panicked: the fixture was told to panic"),
        "{error}"
    );
    // Still usable afterwards.
    assert_eq!(
        plugin.run(&request(&["count"]), &host).unwrap().exit_code,
        0
    );
}

#[test]
fn invalid_responses_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    stage(fixture("garbage"), dir.path(), "garbage");
    let registry = Registry::load_all(&search(&[dir.path()]));
    assert_eq!(registry.warnings(), []);
    let plugin = registry.require("garbage").unwrap();
    let host = FakeHost::new();
    let run = |args: &[&str]| {
        let args = args.iter().map(|a| (*a).to_owned()).collect();
        plugin
            .run(&Request::new("garbage", args, host.as_of), &host)
            .unwrap_err()
    };
    let error = run(&[]);
    assert!(
        matches!(
            &error.failure,
            CallFailure::BadResponse(ProtocolError::InvalidJson { .. })
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("plugin `garbage` returned an unusable response: invalid response JSON")
    );
    let error = run(&["wrong-schema"]);
    assert!(
        matches!(&error.failure, CallFailure::BadResponse(ProtocolError::WrongSchema { found, .. }) if found == "kehu.plugin/99"),
        "{error:?}"
    );
    let error = run(&["bad-exit"]);
    assert!(
        matches!(
            &error.failure,
            CallFailure::BadResponse(ProtocolError::InvalidField { .. })
        ),
        "{error:?}"
    );
    let error = run(&["bad-status"]);
    assert!(
        matches!(error.failure, CallFailure::UnknownStatus(42)),
        "{error:?}"
    );
}

#[test]
fn broken_files_are_warnings_and_the_rest_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let good = stage(fixture("fixture"), dir.path(), "fixture");
    let old = stage(fixture("oldabi"), dir.path(), "oldabi");
    let none = stage(fixture("noentry"), dir.path(), "noentry");
    let text = dir.path().join(kehu_plugin::host::library_file_name("x"));
    std::fs::write(&text, "#!/bin/sh\nrm -rf ~\n").unwrap();
    // A real library of the wrong word size (ELFCLASS32 in the header).
    let mut bytes = std::fs::read(fixture("fixture")).unwrap();
    bytes[4] = if bytes[4] == 2 { 1 } else { 2 };
    let arch = dir
        .path()
        .join(kehu_plugin::host::library_file_name("arch"));
    std::fs::write(&arch, bytes).unwrap();
    let bad_name = dir.path().join(kehu_plugin::host::library_file_name("Bad"));
    std::fs::copy(&good, &bad_name).unwrap();
    // The fixture under another plugin's file name.
    let liar = stage(fixture("fixture"), dir.path(), "classify");

    let registry = Registry::load_all(&search(&[dir.path()]));
    assert_eq!(names(&registry), ["fixture"]);
    let text = text.canonicalize().unwrap();
    let arch = arch.canonicalize().unwrap();
    let warnings = registry.warnings();
    assert_eq!(warnings.len(), 6, "{warnings:#?}");
    let find = |file: &Path| {
        warnings
            .iter()
            .find(|w| w.to_string().contains(&file.display().to_string()))
            .unwrap_or_else(|| panic!("no warning names {}: {warnings:#?}", file.display()))
    };
    assert!(matches!(
        find(&old),
        LoadWarning::AbiMismatch {
            found: 999,
            expected: ABI_VERSION,
            ..
        }
    ));
    assert!(find(&old).to_string().contains(&format!(
        "has ABI version 999, this kehu speaks {ABI_VERSION}"
    )));
    assert!(matches!(find(&none), LoadWarning::MissingEntry { .. }));
    assert!(matches!(find(&text), LoadWarning::NotALibrary { .. }));
    assert_eq!(
        find(&text)
            .to_string()
            .matches(&text.display().to_string())
            .count(),
        1
    );
    assert!(matches!(find(&arch), LoadWarning::NotALibrary { .. }));
    assert!(matches!(find(&bad_name), LoadWarning::BadFileName { .. }));
    let LoadWarning::BadDescriptor { reason, .. } = find(&liar) else {
        panic!("expected a bad descriptor for {}", liar.display());
    };
    assert_eq!(
        reason,
        "it declares the name `fixture`, but its file name says `classify`"
    );
}

#[test]
fn load_one_opens_only_the_plugin_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    stage(fixture("fixture"), dir.path(), "fixture");
    stage(fixture("oldabi"), dir.path(), "oldabi");
    std::fs::write(
        dir.path().join(kehu_plugin::host::library_file_name("x")),
        "junk",
    )
    .unwrap();
    let registry = Registry::load_one(&search(&[dir.path()]), "fixture");
    assert_eq!(registry.warnings(), []);
    assert_eq!(names(&registry), ["fixture"]);
    let registry = Registry::load_one(&search(&[dir.path()]), "oldabi");
    assert!(registry.plugins().is_empty());
    assert_eq!(registry.warnings().len(), 1);
}

#[test]
fn the_first_of_two_plugins_with_one_name_wins() {
    let root = tempfile::tempdir().unwrap();
    let first = stage(fixture("fixture"), &root.path().join("a"), "fixture");
    let second = stage(fixture("fixture"), &root.path().join("b"), "fixture");
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    // `a` twice (the same file reached twice is no duplicate), then `b`.
    let registry = Registry::load_all(&search(&[&a, &a, &b]));
    assert_eq!(names(&registry), ["fixture"]);
    assert_eq!(registry.plugins()[0].path(), first);
    assert_eq!(
        registry.warnings(),
        [LoadWarning::Shadowed {
            name: "fixture".into(),
            winner: first.clone(),
            shadowed: second.clone(),
        }]
    );
    let text = registry.warnings()[0].to_string();
    assert!(
        text.contains(&first.display().to_string()) && text.contains(&second.display().to_string())
    );
}

#[test]
fn nothing_inside_a_book_is_ever_loaded() {
    let root = tempfile::tempdir().unwrap();
    let book = root.path().join("book");
    std::fs::create_dir_all(book.join("customers")).unwrap();
    std::fs::write(book.join("kehu.toml"), "").unwrap();
    let inside = book.join(".kehu/plugins");
    stage(fixture("fixture"), &inside, "fixture");
    // A legitimate directory holding a symlink into the book.
    let outside = root.path().join("plugins");
    std::fs::create_dir_all(&outside).unwrap();
    let planted = inside.join(kehu_plugin::host::library_file_name("fixture"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        &planted,
        outside.join(kehu_plugin::host::library_file_name("fixture")),
    )
    .unwrap();

    let mut search = search(&[&inside, &outside]);
    search.forbid_book(&book);
    let registry = Registry::load_all(&search);
    assert!(registry.plugins().is_empty(), "{:?}", names(&registry));
    let book = book.canonicalize().unwrap();
    let mut expected = vec![LoadWarning::InsideBook {
        path: inside.clone(),
        book: book.clone(),
    }];
    if cfg!(unix) {
        expected.push(LoadWarning::InsideBook {
            path: planted.canonicalize().unwrap(),
            book,
        });
    }
    assert_eq!(registry.warnings(), expected);
    assert!(
        registry.warnings()[0]
            .to_string()
            .contains("is inside the book")
    );
}

#[test]
fn a_missing_plugin_names_every_directory_searched() {
    let root = tempfile::tempdir().unwrap();
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let registry = Registry::load_one(&search(&[&empty]), "classify");
    let error = registry.require("classify").unwrap_err();
    assert_eq!(error.searched, [PathBuf::from(&empty)]);
    assert!(
        error
            .to_string()
            .starts_with("no plugin provides `classify`; searched: ")
    );
}

#[test]
fn an_install_prefix_is_searched_beside_the_executable() {
    let prefix = tempfile::tempdir().unwrap();
    let bin = prefix.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("kehu"), "").unwrap();
    let installed = stage(
        fixture("fixture"),
        &prefix.path().join("lib/kehu/plugins"),
        "fixture",
    );
    let search = SearchPath::standard(&[], None, Some(&bin.join("kehu")), None);
    let registry = Registry::load_all(&search);
    assert_eq!(registry.warnings(), []);
    let plugin = registry.require("fixture").unwrap();
    assert_eq!(plugin.path(), installed);
    assert_eq!(plugin.info().origin, Origin::Executable);
}
