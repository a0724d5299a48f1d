//! Installing into a prefix, `kehu --help` listing plugins, and a
//! third-party plugin built from the skeleton in `templates/plugin/`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

#[test]
fn an_install_prefix_finds_every_plugin_from_any_directory() {
    let prefix = tempfile::tempdir().unwrap();
    let bin = prefix.path().join("bin");
    let plugins = prefix.path().join("lib/kehu/plugins");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_kehu"), bin.join("kehu")).unwrap();
    for entry in std::fs::read_dir(plugin_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("libkehu_") && name.ends_with(".so") {
            std::fs::copy(&path, plugins.join(name)).unwrap();
        }
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_exe(
        &bin.join("kehu"),
        elsewhere.path(),
        &["plugins", "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for plugin in doc["plugins"].as_array().unwrap() {
        let path = plugin["path"].as_str().unwrap();
        assert!(
            Path::new(path).starts_with(plugins.canonicalize().unwrap()),
            "{path}"
        );
    }
    let names: Vec<&str> = doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"classify") && names.contains(&"churn"),
        "{names:?}"
    );

    let help = run_exe(&bin.join("kehu"), elsewhere.path(), &["--help"]);
    assert!(help.status.success(), "{}", stderr(&help));
    let text = stdout(&help);
    assert!(text.contains("Plugins:"), "{text}");
    assert!(text.contains("classify"), "{text}");
}

#[test]
fn a_plugin_built_from_the_skeleton_outside_the_workspace_runs_through_kehu() {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("kehu-hello");
    copy_dir(&repo_root().join("templates/plugin"), &project);
    let manifest = project.join("Cargo.toml");
    let sdk = repo_root().join("crates/kehu-plugin-sdk");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("../../crates/kehu-plugin-sdk", &sdk.display().to_string());
    std::fs::write(&manifest, text).unwrap();
    // The repository's lock file pins the same dependency versions, so the
    // shared target directory is reused rather than rebuilt.
    std::fs::copy(repo_root().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let target = repo_root().join("target/e2e-plugins");
    let status = Command::new(env!("CARGO"))
        .current_dir(&project)
        .args(["build", "--quiet", "--target-dir"])
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success(), "building the skeleton failed");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        target.join("debug/libkehu_hello.so"),
        dir.path().join("libkehu_hello.so"),
    )
    .unwrap();

    let book = sample_book();
    let plugin_dir = dir.path().display().to_string();
    let out = kehu(book.path(), &["--plugin-dir", &plugin_dir, "hello"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("320"), "{}", stdout(&out));
    let help = kehu(
        book.path(),
        &["--plugin-dir", &plugin_dir, "hello", "--help"],
    );
    assert!(
        stdout(&help).contains("Usage: kehu hello"),
        "{}",
        stdout(&help)
    );
}
