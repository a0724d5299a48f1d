//! Where plugins are looked for, in order, and where they never are.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::LoadWarning;

/// The environment variable listing extra plugin directories, separated like
/// `PATH` (`:` on Unix, `;` on Windows).
pub const ENV_VAR: &str = "KEHU_PLUGIN_PATH";

/// Why a directory is on the search path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A `--plugin-dir` flag.
    Flag,
    /// An entry of `KEHU_PLUGIN_PATH`.
    Env,
    /// Beside the `kehu` executable (a build tree or an install prefix).
    Executable,
    /// The user's data directory (`~/.local/share/kehu/plugins` on Linux).
    UserData,
}

/// One directory on the search path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDir {
    /// The directory as configured (not resolved), for messages.
    pub path: PathBuf,
    /// Where it came from.
    pub origin: Origin,
}

/// The ordered plugin directories, and the book roots nothing may be loaded
/// from.
///
/// Discovery order: `--plugin-dir`s, `KEHU_PLUGIN_PATH`, beside the
/// executable (its directory, its `plugins/` subdirectory, and
/// `../lib/kehu/plugins` for an install prefix), the user data directory.
/// The current directory is never searched implicitly, and any directory or
/// file inside a forbidden book root is refused.
#[derive(Clone, Debug, Default)]
pub struct SearchPath {
    dirs: Vec<SearchDir>,
    books: Vec<PathBuf>,
    warnings: Vec<LoadWarning>,
    /// The running executable, resolved, when known.
    exe: Option<PathBuf>,
}

impl SearchPath {
    /// An empty search path (tests and embedders build their own).
    pub fn new() -> SearchPath {
        SearchPath::default()
    }

    /// The standard search path of a `kehu` process: reads
    /// `KEHU_PLUGIN_PATH`, the executable's location and the user data
    /// directory, and forbids `book_root` (the book the command works on,
    /// if any) and the book enclosing the current directory.
    pub fn from_environment(plugin_dirs: &[PathBuf], book_root: Option<&Path>) -> SearchPath {
        let env = std::env::var_os(ENV_VAR);
        let exe = std::env::current_exe().ok();
        let data = dirs::data_dir().map(|dir| dir.join("kehu").join("plugins"));
        let mut search = SearchPath::standard(plugin_dirs, env.as_deref(), exe.as_deref(), data);
        if let Some(root) = book_root {
            search.forbid_book(root);
        }
        if let Some(book) = std::env::current_dir()
            .ok()
            .and_then(|cwd| enclosing_book(&cwd))
        {
            search.forbid_book(&book);
        }
        search
    }

    /// The standard order from explicit inputs (what
    /// [`SearchPath::from_environment`] reads), without forbidden roots.
    pub fn standard(
        plugin_dirs: &[PathBuf],
        env: Option<&OsStr>,
        exe: Option<&Path>,
        user_data: Option<PathBuf>,
    ) -> SearchPath {
        let mut search = SearchPath::new();
        for dir in plugin_dirs {
            search.push(dir.clone(), Origin::Flag);
        }
        if let Some(value) = env {
            for entry in std::env::split_paths(value) {
                if entry.as_os_str().is_empty() {
                    continue;
                }
                if entry.is_relative() {
                    search
                        .warnings
                        .push(LoadWarning::RelativeEnvEntry { entry });
                } else {
                    search.push(entry, Origin::Env);
                }
            }
        }
        if let Some(exe) = exe {
            let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
            search.exe = Some(exe.clone());
            if let Some(bin) = exe.parent() {
                search.push(bin.to_path_buf(), Origin::Executable);
                search.push(bin.join("plugins"), Origin::Executable);
                if let Some(prefix) = bin.parent() {
                    search.push(
                        prefix.join("lib").join("kehu").join("plugins"),
                        Origin::Executable,
                    );
                }
            }
        }
        if let Some(dir) = user_data {
            search.push(dir, Origin::UserData);
        }
        search
    }

    /// Appends a directory.
    pub fn push(&mut self, path: PathBuf, origin: Origin) {
        self.dirs.push(SearchDir { path, origin });
    }

    /// Forbids loading anything inside `root` (a book). A root that does not
    /// exist holds nothing to load and is ignored, and so is a book that
    /// holds the running executable itself (a development checkout used as
    /// a book): its code is already running, and refusing the libraries
    /// built beside it would protect nothing.
    pub fn forbid_book(&mut self, root: &Path) {
        if let Ok(root) = root.canonicalize()
            && !self.books.contains(&root)
            && !self.exe.as_ref().is_some_and(|exe| exe.starts_with(&root))
        {
            self.books.push(root);
        }
    }

    /// The directories, in search order.
    pub fn dirs(&self) -> &[SearchDir] {
        &self.dirs
    }

    /// Problems met while building the path (relative `KEHU_PLUGIN_PATH`
    /// entries).
    pub fn warnings(&self) -> &[LoadWarning] {
        &self.warnings
    }

    /// The forbidden book containing `resolved` (a canonical path), if any.
    pub(crate) fn book_containing(&self, resolved: &Path) -> Option<&Path> {
        self.books
            .iter()
            .find(|book| resolved.starts_with(book))
            .map(PathBuf::as_path)
    }
}

/// The nearest ancestor of `start` (itself included) holding `kehu.toml`:
/// the book a command run there would use.
pub fn enclosing_book(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|dir| dir.join("kehu.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_order_is_flags_env_executable_data() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("prefix/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("kehu"), "").unwrap();
        let bin = bin.canonicalize().unwrap();
        let env = std::env::join_paths(["/opt/a", "", "relative/dir", "/opt/b"]).unwrap();
        let search = SearchPath::standard(
            &[PathBuf::from("/flag")],
            Some(&env),
            Some(&bin.join("kehu")),
            Some(PathBuf::from("/data/kehu/plugins")),
        );
        let dirs: Vec<(PathBuf, Origin)> = search
            .dirs()
            .iter()
            .map(|d| (d.path.clone(), d.origin))
            .collect();
        let prefix = bin.parent().unwrap();
        assert_eq!(
            dirs,
            [
                (PathBuf::from("/flag"), Origin::Flag),
                (PathBuf::from("/opt/a"), Origin::Env),
                (PathBuf::from("/opt/b"), Origin::Env),
                (bin.clone(), Origin::Executable),
                (bin.join("plugins"), Origin::Executable),
                (prefix.join("lib/kehu/plugins"), Origin::Executable),
                (PathBuf::from("/data/kehu/plugins"), Origin::UserData),
            ]
        );
        assert_eq!(
            search.warnings(),
            [LoadWarning::RelativeEnvEntry {
                entry: PathBuf::from("relative/dir")
            }]
        );
    }

    #[test]
    fn finds_the_enclosing_book_and_forbids_it() {
        let root = tempfile::tempdir().unwrap();
        let book = root.path().join("book");
        std::fs::create_dir_all(book.join("customers/ac")).unwrap();
        std::fs::write(book.join("kehu.toml"), "").unwrap();
        let book = book.canonicalize().unwrap();
        assert_eq!(
            enclosing_book(&book.join("customers/ac")),
            Some(book.clone())
        );
        assert_eq!(enclosing_book(root.path()), None);

        let mut search = SearchPath::new();
        search.forbid_book(&book);
        search.forbid_book(&root.path().join("missing"));
        assert_eq!(
            search.book_containing(&book.join("customers")),
            Some(book.as_path())
        );
        assert_eq!(search.book_containing(root.path()), None);
    }

    #[test]
    fn a_book_holding_the_executable_itself_is_not_forbidden() {
        let root = tempfile::tempdir().unwrap();
        let book = root.path().join("checkout");
        std::fs::create_dir_all(book.join("target/debug")).unwrap();
        std::fs::write(book.join("kehu.toml"), "").unwrap();
        let exe = book.join("target/debug/kehu");
        std::fs::write(&exe, "").unwrap();
        let mut search = SearchPath::standard(&[], None, Some(&exe), None);
        search.forbid_book(&book);
        let debug = book.join("target/debug").canonicalize().unwrap();
        assert_eq!(search.book_containing(&debug), None);

        let mut other = SearchPath::standard(&[], None, Some(&exe), None);
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        other.forbid_book(&elsewhere);
        assert!(
            other
                .book_containing(&elsewhere.canonicalize().unwrap())
                .is_some()
        );
    }
}
