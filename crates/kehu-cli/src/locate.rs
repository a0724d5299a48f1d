//! Finding the book, the way git finds a repository.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The policy file whose presence marks a directory as a book.
pub const POLICY_FILE: &str = "kehu.toml";

/// The book root: `explicit` (from `--book` or `KEHU_BOOK`) when given,
/// else the nearest ancestor of `cwd` holding `kehu.toml`.
pub fn find_book(explicit: Option<&Path>, cwd: &Path) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        let dir = cwd.join(dir);
        if !dir.join(POLICY_FILE).is_file() {
            bail!(
                "{} is not a kehu book: it has no {POLICY_FILE}",
                dir.display()
            );
        }
        return dir
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", dir.display()));
    }
    for dir in cwd.ancestors() {
        if dir.join(POLICY_FILE).is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "no kehu book here: no {POLICY_FILE} in {} or any parent (use --book DIR, set KEHU_BOOK, or run `kehu init`)",
        cwd.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_ancestor_with_a_policy_file() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().canonicalize().unwrap();
        std::fs::write(root.join(POLICY_FILE), "").unwrap();
        let deep = root.join("customers/ac");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_book(None, &deep).unwrap(), root);
        assert_eq!(find_book(Some(Path::new(".")), &root).unwrap(), root);
    }

    #[test]
    fn explains_when_there_is_no_book() {
        let temp = tempfile::tempdir().unwrap();
        let error = find_book(None, temp.path()).unwrap_err().to_string();
        assert!(error.contains("no kehu book here"), "{error}");
        let error = find_book(Some(Path::new("nope")), temp.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not a kehu book"), "{error}");
    }
}
