//! A third-party plugin built from `templates/plugin/` outside the
//! workspace, then found and run by the loader.

mod support;

use std::path::Path;

use kehu_plugin::host::{Origin, Registry, SearchPath};
use kehu_plugin::protocol::Request;
use support::{FakeHost, cargo_build, stage, workspace_root};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn the_template_builds_outside_the_workspace_and_runs() {
    let root = workspace_root();
    let work = tempfile::tempdir().unwrap();
    let crate_dir = work.path().join("kehu-hello");
    copy_tree(&root.join("templates/plugin"), &crate_dir);
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let relative = r#"path = "../../crates/kehu-plugin-sdk""#;
    assert!(
        text.contains(relative),
        "the template's SDK path moved:\n{text}"
    );
    let sdk = root.join("crates/kehu-plugin-sdk");
    let text = text.replace(relative, &format!("path = {:?}", sdk.display().to_string()));
    std::fs::write(&manifest, text).unwrap();
    // Same dependency versions as the workspace, without a registry lookup.
    std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();

    let built = cargo_build(&manifest, &["kehu-hello"]);
    let library = built
        .get("kehu_hello")
        .expect("the template built no cdylib");

    let plugins = work.path().join("plugins");
    stage(library, &plugins, "hello");
    let mut search = SearchPath::new();
    search.push(plugins, Origin::Env);
    let registry = Registry::load_all(&search);
    assert_eq!(registry.warnings(), []);
    let hello = registry.require("hello").unwrap();
    assert_eq!(hello.about(), "Count customers per funnel stage");
    assert_eq!(hello.version(), "0.1.0");

    let host = FakeHost::new();
    let response = hello
        .run(&Request::new("hello", Vec::new(), host.as_of), &host)
        .unwrap();
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    assert_eq!(
        response.stdout,
        "stage  customers\nlead           1\nwon            1\ntotal          2\n"
    );
    let help = hello
        .run(
            &Request::new("hello", vec!["--help".into()], host.as_of),
            &host,
        )
        .unwrap();
    assert!(help.stdout.starts_with("Count customers per funnel stage."));
}
