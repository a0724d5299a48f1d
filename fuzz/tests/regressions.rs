//! Every fuzz target on every file of the bad-input corpus (tests/corpus/)
//! and on the inputs that once crashed a target (fuzz/regressions/<target>/,
//! kept when a crash is fixed): none may panic. `cargo test` in fuzz/.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_target_survives_the_corpus_and_past_crashes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut shared = Vec::new();
    files_under(&root.join("../tests/corpus"), &mut shared);
    assert!(shared.len() > 40, "the bad-input corpus is missing");
    for (name, body) in kehu_fuzz::TARGETS {
        if matches!(*name, "ics" | "html") && std::env::var_os("KEHU_FUZZ_PLUGIN_DIR").is_none() {
            // These load the release plugins; run.sh builds them.
            continue;
        }
        let mut inputs = shared.clone();
        files_under(&root.join("regressions").join(name), &mut inputs);
        for input in inputs {
            body(&std::fs::read(&input).unwrap());
        }
    }
}
