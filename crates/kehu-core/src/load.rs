//! Loading a whole book, in parallel, from a directory or from in-memory
//! entries (a git tree read at some commit). Both sources feed the same
//! per-file path ([`crate::book`]); nothing stops at the first problem.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::book::{
    Book, FileOutcome, LoadOptions, LoadedCustomer, load_file, load_file_keeping, reuse_file,
};
use crate::config::Config;
use crate::config_check::{CONFIG_FILE, parse_config};
use crate::diag::{self, Diagnostic};
use crate::reuse::{Lookup, NoCache, ParseCache};
use crate::source::{MAX_FILE_BYTES, too_large};
use crate::validate::Context;

/// The directory of customer files, relative to the book root.
pub const CUSTOMERS_DIR: &str = "customers";

/// Why a book could not be loaded at all (problems inside files are
/// diagnostics, not errors).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The book has no kehu.toml.
    #[error("{0}: no kehu.toml here; is this a kehu book?")]
    NoConfig(PathBuf),
    /// kehu.toml or the customers directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What an in-memory entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file; `bytes` are its contents.
    File,
    /// A symbolic link; `bytes` are the link target.
    Symlink,
    /// A directory (only its name matters).
    Dir,
}

/// A file of a book held in memory, e.g. a blob of a git tree.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Path relative to the book root, `/`-separated.
    pub path: String,
    /// File, symlink or directory.
    pub kind: EntryKind,
    /// Contents (file) or target (symlink).
    pub bytes: Vec<u8>,
}

impl Entry {
    /// A regular file.
    pub fn file(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Entry {
        Entry {
            path: path.into(),
            kind: EntryKind::File,
            bytes: bytes.into(),
        }
    }

    /// A symbolic link to `target`.
    pub fn symlink(path: impl Into<String>, target: impl Into<Vec<u8>>) -> Entry {
        Entry {
            path: path.into(),
            kind: EntryKind::Symlink,
            bytes: target.into(),
        }
    }

    /// A directory.
    pub fn dir(path: impl Into<String>) -> Entry {
        Entry {
            path: path.into(),
            kind: EntryKind::Dir,
            bytes: Vec::new(),
        }
    }
}

impl From<(String, Vec<u8>)> for Entry {
    fn from((path, bytes): (String, Vec<u8>)) -> Entry {
        Entry::file(path, bytes)
    }
}

/// Reads `<root>/kehu.toml` with its diagnostics.
pub fn load_config(root: &Path) -> Result<crate::ConfigReport, LoadError> {
    read_config(root).map(|(report, _)| report)
}

/// Reads and checks kehu.toml; also returns its text (to place policy
/// diagnostics later).
fn read_config(root: &Path) -> Result<(crate::ConfigReport, String), LoadError> {
    let path = root.join(CONFIG_FILE);
    if std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink()) {
        // A cloned book must not make kehu read files outside it.
        let report = crate::ConfigReport {
            config: None,
            diagnostics: vec![Diagnostic::error(
                CONFIG_FILE,
                "symlink-outside",
                "kehu.toml is a symbolic link; not followed",
            )],
        };
        return Ok((report, String::new()));
    }
    let bytes = read_limited(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LoadError::NoConfig(root.to_path_buf())
        } else {
            LoadError::Io { path, source }
        }
    })?;
    Ok(match bytes {
        Some(bytes) => {
            let report = parse_config(&bytes);
            (report, String::from_utf8(bytes).unwrap_or_default())
        }
        None => (
            crate::ConfigReport {
                config: None,
                diagnostics: vec![too_large(CONFIG_FILE, None)],
            },
            String::new(),
        ),
    })
}

/// Loads the book at `root`: kehu.toml, then every file under `customers/`
/// (any depth), read and checked in parallel.
pub fn load_book(root: &Path, options: &LoadOptions) -> Result<Book, LoadError> {
    load_book_cached(root, options, &NoCache)
}

/// [`load_book`], reusing the files `cache` parsed before and offering it
/// every file parsed now. The book is the same as a cold load's: a cache
/// only saves parsing (see [`crate::reuse`]).
pub fn load_book_cached(
    root: &Path,
    options: &LoadOptions,
    cache: &dyn ParseCache,
) -> Result<Book, LoadError> {
    let (report, config_text) = read_config(root)?;
    let mut diagnostics = report.diagnostics;
    let (config, config_ok) = match report.config {
        Some(config) => (config, true),
        None => (Config::default(), false),
    };
    let ctx = Context {
        config: config_ok.then_some(&config),
        as_of: options.as_of,
    };

    let customers_dir = root.join(CUSTOMERS_DIR);
    let found = match std::fs::symlink_metadata(&customers_dir) {
        Ok(meta) if meta.is_dir() => walk(root, &customers_dir),
        Ok(meta) => {
            let message = if meta.file_type().is_symlink() {
                "customers is a symbolic link; not followed"
            } else {
                "customers is not a directory"
            };
            diagnostics.push(Diagnostic::error(CUSTOMERS_DIR, "not-a-directory", message));
            Vec::new()
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(LoadError::Io {
                path: customers_dir,
                source,
            });
        }
    };
    let outcomes: Vec<FileOutcome> = found
        .into_par_iter()
        .map(|item| match item {
            Found::File(rel) => load_one(root, rel, &ctx, cache),
            Found::Problem(outcome) => *outcome,
        })
        .collect();
    Ok(assemble(
        Some(root.to_path_buf()),
        config,
        config_text,
        diagnostics,
        outcomes,
    ))
}

/// Loads one customer file: from the cache when it has the file, else read
/// and parsed (and offered to the cache).
fn load_one(root: &Path, rel: String, ctx: &Context<'_>, cache: &dyn ParseCache) -> FileOutcome {
    let known = match cache.by_path(&rel) {
        Lookup::Hit(parsed) => {
            return reuse_file(rel, *parsed, ctx).unwrap_or_else(|rel| {
                read_then(root, rel, |rel, bytes| load_file(rel, bytes, ctx))
            });
        }
        Lookup::Miss(key) => Some(key),
        Lookup::Unknown => None,
    };
    read_then(root, rel, |rel, bytes| {
        let key = match known {
            Some(key) => key,
            None => match cache.by_content(&rel, bytes) {
                Lookup::Hit(parsed) => {
                    return reuse_file(rel, *parsed, ctx)
                        .unwrap_or_else(|rel| load_file(rel, bytes, ctx));
                }
                Lookup::Miss(key) => key,
                Lookup::Unknown => return load_file(rel, bytes, ctx),
            },
        };
        load_file_keeping(rel, bytes, ctx, &mut |parsed| {
            cache.insert(key, bytes, parsed);
        })
    })
}

/// Reads the customer file `rel` into this thread's buffer and hands it to
/// `load`; a file that cannot be read, or is too large, is a diagnostic.
fn read_then(
    root: &Path,
    rel: String,
    load: impl FnOnce(String, &[u8]) -> FileOutcome,
) -> FileOutcome {
    READ_BUFFER.with_borrow_mut(|buffer| match read_into(&root.join(&rel), buffer) {
        Ok(true) => load(rel, buffer),
        Ok(false) => FileOutcome::failed(rel.clone(), vec![too_large(&rel, None)]),
        Err(err) => FileOutcome::failed(
            rel.clone(),
            vec![Diagnostic::error(rel, "io-error", err.to_string())],
        ),
    })
}

/// Loads a book from in-memory entries: `kehu.toml` and everything under
/// `customers/` (other paths are ignored). Same checks as [`load_book`].
pub fn load_entries(mut entries: Vec<Entry>, options: &LoadOptions) -> Result<Book, LoadError> {
    entries.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let Some(config_entry) = entries
        .iter()
        .find(|e| e.path == CONFIG_FILE && e.kind == EntryKind::File)
    else {
        return Err(LoadError::NoConfig(PathBuf::new()));
    };
    let report = parse_config(&config_entry.bytes);
    let config_text = String::from_utf8(config_entry.bytes.clone()).unwrap_or_default();
    let (config, config_ok) = match report.config {
        Some(config) => (config, true),
        None => (Config::default(), false),
    };
    let diagnostics = report.diagnostics;
    let ctx = Context {
        config: config_ok.then_some(&config),
        as_of: options.as_of,
    };
    let prefix = format!("{CUSTOMERS_DIR}/");
    let outcomes: Vec<FileOutcome> = entries
        .par_iter()
        .filter(|e| e.path.starts_with(&prefix))
        .filter_map(|e| match e.kind {
            EntryKind::File => classify_file(&e.path)
                .unwrap_or_else(|| Some(load_file(e.path.clone(), &e.bytes, &ctx))),
            EntryKind::Dir => dir_problem(&e.path),
            EntryKind::Symlink => {
                let target = String::from_utf8_lossy(&e.bytes);
                Some(symlink_outcome(
                    &e.path,
                    &target,
                    inside_lexically(&e.path, &target),
                ))
            }
        })
        .collect();
    drop(entries);
    Ok(assemble(None, config, config_text, diagnostics, outcomes))
}

/// Sorts, finds duplicate ids, and builds the book.
fn assemble(
    root: Option<PathBuf>,
    config: Config,
    config_text: String,
    mut diagnostics: Vec<Diagnostic>,
    mut outcomes: Vec<FileOutcome>,
) -> Book {
    outcomes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    // Files that loaded claim their ids first, so a broken `Acme.toml`
    // never pushes out the good `acme.toml`. Valid ids are lowercase
    // already, so keys are borrowed unless they need lowercasing.
    let order: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].loaded.is_some())
        .chain((0..outcomes.len()).filter(|&i| outcomes[i].loaded.is_none()))
        .collect();
    let mut duplicates = Vec::new();
    {
        let mut claimed: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(outcomes.len());
        for index in order {
            let outcome = &outcomes[index];
            let (id, pos) = match (&outcome.loaded, &outcome.id) {
                (Some(loaded), _) => (loaded.customer.id.as_str(), None),
                (None, Some((id, pos))) => (id.as_str(), *pos),
                (None, None) => ("", None),
            };
            let stem = lowercase(file_stem(&outcome.path));
            let id_key = lowercase(id);
            let keys = if id_key == stem {
                [Some(stem), None]
            } else {
                [Some(stem), Some(id_key)]
            };
            let clash = keys
                .iter()
                .flatten()
                .filter(|k| !k.is_empty())
                .find_map(|k| claimed.get(k).copied());
            match clash {
                Some(other) => duplicates.push((index, other, id.to_owned(), pos)),
                None => {
                    for key in keys.into_iter().flatten() {
                        if !key.is_empty() {
                            claimed.entry(key).or_insert(index);
                        }
                    }
                }
            }
        }
    }
    for (index, other, id, pos) in duplicates {
        let pos = pos.or_else(|| {
            outcomes[index]
                .loaded
                .as_ref()
                .and_then(|l| l.position("id"))
        });
        let shown = if id.is_empty() {
            file_stem(&outcomes[index].path).to_owned()
        } else {
            id
        };
        let d = Diagnostic::error(
            outcomes[index].path.clone(),
            "duplicate-id",
            format!(
                "duplicate id \"{shown}\": {} has the same id (ids are case-insensitive)",
                outcomes[other].path
            ),
        )
        .at(pos);
        let d = if pos.is_some() { d.field("id") } else { d };
        outcomes[index].diagnostics.push(d);
        outcomes[index].loaded = None;
    }
    // `into_iter().filter_map().collect()` reuses the outcomes' buffer, so
    // the customers are not held twice at the peak.
    let mut customers: Vec<LoadedCustomer> = outcomes
        .into_iter()
        .filter_map(|outcome| {
            diagnostics.extend(outcome.diagnostics);
            let mut loaded = outcome.loaded?;
            loaded.path = outcome.path;
            Some(loaded)
        })
        .collect();
    // In place: a stable sort would allocate scratch space of up to half the
    // customers, which would be the loader's peak of memory. Ids are unique.
    customers.sort_unstable_by(|a, b| a.customer.id.cmp(&b.customer.id));
    customers.shrink_to_fit();
    diag::sort(&mut diagnostics);
    Book {
        root,
        config,
        customers,
        diagnostics,
        config_text,
    }
}

fn lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name)
}

/// What the directory walk found.
enum Found {
    /// A `.toml` file to read, relative to the root.
    File(String),
    /// Something already judged (symlink, stray file, unreadable entry).
    Problem(Box<FileOutcome>),
}

impl Found {
    fn path(&self) -> &str {
        match self {
            Found::File(path) => path,
            Found::Problem(outcome) => &outcome.path,
        }
    }
}

/// Walks `customers/` without following links, one top-level entry per
/// rayon task (the fan-out directories make this parallel).
fn walk(root: &Path, customers: &Path) -> Vec<Found> {
    let top: Vec<walkdir::Result<walkdir::DirEntry>> = walkdir::WalkDir::new(customers)
        .min_depth(1)
        .max_depth(1)
        .follow_links(false)
        .into_iter()
        .collect();
    let mut found: Vec<Found> = top
        .into_par_iter()
        .flat_map_iter(|entry| {
            let mut found = Vec::new();
            match entry {
                Ok(entry) if entry.file_type().is_dir() => {
                    for inner in walkdir::WalkDir::new(entry.path()).follow_links(false) {
                        judge(root, inner, &mut found);
                    }
                }
                other => judge(root, other, &mut found),
            }
            found
        })
        .collect();
    // Sorted here (cheap: paths only), the outcomes come out of the parallel
    // map already in order.
    found.sort_unstable_by(|a, b| a.path().cmp(b.path()));
    found
}

fn judge(root: &Path, entry: walkdir::Result<walkdir::DirEntry>, found: &mut Vec<Found>) {
    let entry = match entry {
        Ok(entry) => entry,
        Err(err) => {
            let path = err
                .path()
                .map_or_else(|| CUSTOMERS_DIR.to_owned(), |p| relative(root, p));
            found.push(Found::Problem(Box::new(FileOutcome::failed(
                path.clone(),
                vec![Diagnostic::error(path, "io-error", err.to_string())],
            ))));
            return;
        }
    };
    let rel = relative(root, entry.path());
    let file_type = entry.file_type();
    let problem = |code: &'static str, message: &str| {
        Found::Problem(Box::new(FileOutcome::failed(
            rel.clone(),
            vec![Diagnostic::error(rel.clone(), code, message)],
        )))
    };
    if entry.path().to_str().is_none() {
        found.push(problem(
            "bad-file-name",
            "the file name is not valid UTF-8; not read",
        ));
    } else if file_type.is_symlink() {
        let (target, inside) = match std::fs::read_link(entry.path()) {
            Ok(target) => (
                target.display().to_string(),
                inside_fs(root, entry.path(), &target),
            ),
            Err(_) => (String::new(), false),
        };
        found.push(Found::Problem(Box::new(symlink_outcome(
            &rel, &target, inside,
        ))));
    } else if !file_type.is_dir() && !file_type.is_file() {
        // FIFOs, sockets and devices: opening one could block or read forever.
        if rel.ends_with(".toml") {
            found.push(problem(
                "not-a-regular-file",
                "not a regular file (a pipe, socket or device); not read",
            ));
        }
    } else if file_type.is_dir() {
        if let Some(outcome) = dir_problem(&rel) {
            found.push(Found::Problem(Box::new(outcome)));
        }
    } else if let Some(problem) = classify_file(&rel) {
        found.extend(problem.map(|p| Found::Problem(Box::new(p))));
    } else {
        found.push(Found::File(rel));
    }
}

/// `None` for a `.toml` file to load; `Some(None)` for a file to skip
/// silently (dotfiles); `Some(Some(_))` for a stray file worth a warning.
fn classify_file(path: &str) -> Option<Option<FileOutcome>> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.starts_with('.') {
        return Some(None);
    }
    if name.ends_with(".toml") {
        return None;
    }
    Some(Some(FileOutcome::failed(
        path.to_owned(),
        vec![Diagnostic::warning(
            path,
            "not-a-customer-file",
            "ignored: customer files end in .toml",
        )],
    )))
}

fn dir_problem(path: &str) -> Option<FileOutcome> {
    path.ends_with(".toml").then(|| {
        FileOutcome::failed(
            path.to_owned(),
            vec![Diagnostic::error(
                path,
                "directory-named-like-file",
                "a directory named like a customer file; customer files must be regular files",
            )],
        )
    })
}

fn symlink_outcome(path: &str, target: &str, inside: bool) -> FileOutcome {
    let d = if inside {
        Diagnostic::warning(
            path,
            "symlink",
            format!("symbolic link to {target} not followed; customer files must be regular files"),
        )
    } else {
        Diagnostic::error(
            path,
            "symlink-outside",
            format!("symbolic link to {target} leaves customers/; not followed"),
        )
    };
    FileOutcome::failed(path.to_owned(), vec![d])
}

/// Whether a link at `link` (relative to the book root) to `target` stays
/// inside `customers/`, judged on the path text alone.
fn inside_lexically(link: &str, target: &str) -> bool {
    if target.starts_with('/') || target.contains('\\') || target.contains(':') {
        return false;
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return false;
                }
            }
            other => parts.push(other),
        }
    }
    parts.first() == Some(&CUSTOMERS_DIR) && parts.len() > 1
}

fn inside_fs(root: &Path, link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        let Ok(customers) = root.join(CUSTOMERS_DIR).canonicalize() else {
            return false;
        };
        let mut normal = PathBuf::new();
        for component in target.components() {
            match component {
                Component::ParentDir => {
                    normal.pop();
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        return normal.starts_with(&customers) && normal != customers;
    }
    let rel_link = relative(root, link);
    inside_lexically(&rel_link, &target.to_string_lossy())
}

/// `path` relative to `root`, `/`-separated (lossy for non-UTF-8 names).
fn relative(root: &Path, path: &Path) -> String {
    // Fast path: plain string slicing (walk paths extend the root verbatim).
    if let (Some(root_text), Some(path_text)) = (root.to_str(), path.to_str())
        && let Some(rest) = path_text.strip_prefix(root_text)
        && std::path::MAIN_SEPARATOR == '/'
    {
        return rest.trim_start_matches('/').to_owned();
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for component in rel.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&component.as_os_str().to_string_lossy());
    }
    out
}

thread_local! {
    /// One read buffer per loader thread, reused for every customer file:
    /// no allocation and no `stat` per file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
}

/// Reads a file into `buffer` (cleared first); `Ok(false)` when it is larger
/// than [`MAX_FILE_BYTES`] (then at most one byte more than the limit is read).
fn read_into(path: &Path, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    buffer.clear();
    File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(buffer)?;
    // The buffer never grows past about twice the limit: memory stays bounded
    // whatever the file's size.
    Ok(buffer.len() as u64 <= MAX_FILE_BYTES)
}

/// Reads a file of at most [`MAX_FILE_BYTES`]; `Ok(None)` when larger.
fn read_limited(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_FILE_BYTES {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(None);
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_symlink_judgement() {
        assert!(inside_lexically("customers/ac/a.toml", "b.toml"));
        assert!(inside_lexically("customers/ac/a.toml", "../bo/b.toml"));
        assert!(!inside_lexically("customers/ac/a.toml", "../../kehu.toml"));
        assert!(!inside_lexically(
            "customers/ac/a.toml",
            "../../../etc/passwd"
        ));
        assert!(!inside_lexically("customers/ac/a.toml", "/etc/passwd"));
    }
}
