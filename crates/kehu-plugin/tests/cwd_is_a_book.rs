//! With the current directory inside a book, the standard search path loads
//! nothing from it, even when `KEHU_PLUGIN_PATH` and `--plugin-dir` name it,
//! and still finds the plugins installed in the user data directory.
//! (One test in its own binary: it changes the process's cwd and env.)

mod support;

use std::path::PathBuf;

use kehu_plugin::host::{ENV_VAR, LoadWarning, Origin, Registry, SearchPath};
use support::{fixture, stage};

#[test]
fn plugins_in_the_current_book_are_refused() {
    let fixture_path = fixture("fixture"); // build before changing directory
    let root = tempfile::tempdir().unwrap();
    let book = root.path().join("book");
    std::fs::create_dir_all(book.join("customers/ac")).unwrap();
    std::fs::write(book.join("kehu.toml"), "").unwrap();
    let planted = book.join("plugins");
    stage(fixture_path, &planted, "fixture");
    let env = std::env::join_paths([PathBuf::from("plugins"), planted.clone()]).unwrap();
    // A legitimate plugin in the user data directory.
    let data = root.path().join("data");
    let installed = stage(fixture_path, &data.join("kehu/plugins"), "fixture");
    // SAFETY: this binary runs this one test, so no other thread reads the
    // environment or the current directory concurrently.
    unsafe {
        std::env::set_var(ENV_VAR, &env);
        std::env::set_var("XDG_DATA_HOME", &data);
    }
    std::env::set_current_dir(book.join("customers/ac")).unwrap();

    let search = SearchPath::from_environment(&[PathBuf::from("../../plugins")], None);
    let registry = Registry::load_all(&search);
    // The planted copies are refused; the installed one is found last.
    let fixture = registry.require("fixture").unwrap();
    assert_eq!(fixture.path(), installed);
    assert_eq!(fixture.info().origin, Origin::UserData);
    assert_eq!(
        search.warnings(),
        [LoadWarning::RelativeEnvEntry {
            entry: PathBuf::from("plugins")
        }]
    );
    let warnings = registry.warnings();
    let refused: Vec<&LoadWarning> = warnings
        .iter()
        .filter(|w| matches!(w, LoadWarning::InsideBook { .. }))
        .collect();
    // `--plugin-dir ../../plugins` and the absolute env entry name the same
    // directory: refused once, then skipped as already seen.
    assert_eq!(refused.len(), 1, "{warnings:#?}");
}
