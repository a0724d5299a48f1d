//! Builds the fixture plugins once per test binary and stages them in
//! temporary plugin directories.

#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kehu_core::{Customer, Date};
use kehu_plugin::host::{HostServices, ServiceError, library_file_name};
use kehu_plugin::protocol::encode_book;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A target directory of its own for the fixtures, beside the one running
/// the tests, so fixture libraries never land next to a dev `kehu` binary.
pub fn fixture_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // <target>/<profile>/deps/<test binary>
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    target.join("plugin-fixtures")
}

/// `cargo build`s `packages` into the fixture target dir and returns the
/// cdylib each produced, by library name (`kehu_fixture`).
pub fn cargo_build(manifest: &Path, packages: &[&str]) -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--message-format=json-render-diagnostics")
        .env("CARGO_TARGET_DIR", fixture_target_dir());
    for package in packages {
        command.args(["-p", package]);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "cargo build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut libraries = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let kinds = message["target"]["kind"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !kinds.iter().any(|kind| kind == "cdylib") {
            continue;
        }
        let name = message["target"]["name"]
            .as_str()
            .unwrap()
            .replace('-', "_");
        for file in message["filenames"].as_array().unwrap() {
            let file = PathBuf::from(file.as_str().unwrap());
            if file.file_name()
                == Some(library_file_name(name.trim_start_matches("kehu_")).as_os_str())
            {
                libraries.insert(name.clone(), file);
            }
        }
    }
    libraries
}

/// The fixture libraries of `tests/fixtures/`, built once.
pub fn fixtures() -> &'static BTreeMap<String, PathBuf> {
    static BUILT: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let built = cargo_build(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/Cargo.toml"),
            &[
                "kehu-fixture",
                "kehu-garbage",
                "kehu-oldabi",
                "kehu-noentry",
            ],
        );
        assert_eq!(
            built.len(),
            4,
            "expected four fixture libraries, got {built:?}"
        );
        built
    })
}

/// The built fixture `kehu_<name>`.
pub fn fixture(name: &str) -> &'static Path {
    fixtures()
        .get(&format!("kehu_{name}"))
        .unwrap_or_else(|| panic!("no fixture kehu_{name}"))
}

/// Copies a library into `dir` under the plugin file name for `as_name`.
pub fn stage(library: &Path, dir: &Path, as_name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let target = dir.join(library_file_name(as_name));
    std::fs::copy(library, &target).unwrap();
    target.canonicalize().unwrap()
}

/// A host with a two-customer book and canned history.
pub struct FakeHost {
    pub as_of: Date,
    pub customers: Vec<Customer>,
}

impl FakeHost {
    pub fn new() -> FakeHost {
        let customer = |id: &str, stage: &str| Customer {
            id: id.into(),
            name: id.to_uppercase(),
            stage: stage.into(),
            ..Customer::default()
        };
        FakeHost {
            as_of: "2026-11-18".parse().unwrap(),
            customers: vec![customer("acme", "won"), customer("zhongshan-steel", "lead")],
        }
    }
}

impl HostServices for FakeHost {
    fn book(&self) -> Result<Vec<u8>, ServiceError> {
        encode_book(
            self.as_of,
            &serde_json::json!({"name": "Test book"}),
            &self.customers,
        )
        .map_err(|e| ServiceError::new(e.to_string()))
    }

    fn customer_history(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        if self.customers.iter().any(|c| c.id == id) {
            Ok(format!(r#"{{"customer":"{id}","events":[]}}"#).into_bytes())
        } else {
            Err(ServiceError::new(format!("no customer `{id}`")))
        }
    }

    fn changes(&self, since: Option<Date>, until: Option<Date>) -> Result<Vec<u8>, ServiceError> {
        Ok(serde_json::to_vec(&serde_json::json!({"since": since, "until": until})).unwrap())
    }
}
