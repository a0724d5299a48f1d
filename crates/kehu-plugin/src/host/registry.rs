//! Discovery: scanning the search path for plugin files and loading them.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::PathBuf;

use super::library::{self, LoadedPlugin};
use super::{LoadWarning, Origin, SearchDir, SearchPath};
use crate::abi::is_valid_name;

/// The plugins found on a search path, and what was passed over.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    plugins: Vec<LoadedPlugin>,
    warnings: Vec<LoadWarning>,
    searched: Vec<SearchDir>,
}

/// A plugin file found on the search path, not yet loaded.
struct Candidate {
    name: String,
    file: PathBuf,
    origin: Origin,
}

impl Registry {
    /// Loads every plugin on the search path (for `kehu plugins` and
    /// `kehu --help`). A name found twice loads only the first file.
    pub fn load_all(search: &SearchPath) -> Registry {
        Registry::load(search, None)
    }

    /// Loads only the plugin `name` (for `kehu NAME ...`): other plugin files
    /// are listed but not opened, so a broken neighbour costs nothing.
    pub fn load_one(search: &SearchPath, name: &str) -> Registry {
        Registry::load(search, Some(name))
    }

    fn load(search: &SearchPath, only: Option<&str>) -> Registry {
        let mut registry = Registry {
            searched: search.dirs().to_vec(),
            ..Registry::default()
        };
        for candidate in registry.candidates(search, only) {
            match library::load(&candidate.file, &candidate.name, candidate.origin) {
                Ok(plugin) => registry.plugins.push(plugin),
                Err(warning) => registry.warnings.push(warning),
            }
        }
        registry
    }

    /// The first file of each plugin name, in search order; records
    /// warnings for everything refused or shadowed.
    fn candidates(&mut self, search: &SearchPath, only: Option<&str>) -> Vec<Candidate> {
        let (prefix, suffix) = file_pattern();
        let mut scanned: Vec<PathBuf> = Vec::new();
        let mut chosen: BTreeMap<String, usize> = BTreeMap::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        for dir in search.dirs() {
            let Ok(resolved) = dir.path.canonicalize() else {
                if dir.origin == Origin::Flag {
                    self.warnings.push(LoadWarning::MissingDir {
                        dir: dir.path.clone(),
                    });
                }
                continue;
            };
            if !resolved.is_dir() {
                if dir.origin == Origin::Flag {
                    self.warnings.push(LoadWarning::MissingDir {
                        dir: dir.path.clone(),
                    });
                }
                continue;
            }
            if scanned.contains(&resolved) {
                continue;
            }
            scanned.push(resolved.clone());
            if let Some(book) = search.book_containing(&resolved) {
                self.warnings.push(LoadWarning::InsideBook {
                    path: dir.path.clone(),
                    book: book.to_path_buf(),
                });
                continue;
            }
            let entries = match std::fs::read_dir(&resolved) {
                Ok(entries) => entries,
                Err(error) => {
                    self.warnings.push(LoadWarning::UnreadableDir {
                        dir: dir.path.clone(),
                        reason: error.to_string(),
                    });
                    continue;
                }
            };
            let mut files: Vec<(String, PathBuf)> = entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let stem = plugin_stem(&entry.file_name(), &prefix, &suffix)?;
                    Some((stem, entry.path()))
                })
                .collect();
            files.sort();
            for (stem, found) in files {
                let name = stem.replace('_', "-");
                if only.is_some_and(|wanted| wanted != name) {
                    continue;
                }
                if !is_valid_name(&name) || stem.contains('-') {
                    self.warnings
                        .push(LoadWarning::BadFileName { file: found, stem });
                    continue;
                }
                let Ok(file) = found.canonicalize() else {
                    continue; // a dangling symlink holds nothing to load
                };
                if !file.is_file() {
                    continue;
                }
                if let Some(book) = search.book_containing(&file) {
                    self.warnings.push(LoadWarning::InsideBook {
                        path: file,
                        book: book.to_path_buf(),
                    });
                    continue;
                }
                if let Some(&first) = chosen.get(&name) {
                    let winner = &candidates[first].file;
                    if *winner != file {
                        self.warnings.push(LoadWarning::Shadowed {
                            name,
                            winner: winner.clone(),
                            shadowed: file,
                        });
                    }
                    continue;
                }
                chosen.insert(name.clone(), candidates.len());
                candidates.push(Candidate {
                    name,
                    file,
                    origin: dir.origin,
                });
            }
        }
        candidates
    }

    /// The loaded plugins, in search order.
    pub fn plugins(&self) -> &[LoadedPlugin] {
        &self.plugins
    }

    /// The plugin called `name`, if one loaded.
    pub fn get(&self, name: &str) -> Option<&LoadedPlugin> {
        self.plugins.iter().find(|plugin| plugin.name() == name)
    }

    /// The plugin called `name`, or an error listing the directories searched.
    pub fn require(&self, name: &str) -> Result<&LoadedPlugin, PluginNotFound> {
        self.get(name).ok_or_else(|| PluginNotFound {
            name: name.to_owned(),
            searched: self.searched.iter().map(|dir| dir.path.clone()).collect(),
        })
    }

    /// Everything passed over while scanning, in the order met; the CLI
    /// prints each as a warning on stderr, after the search path's own
    /// [`SearchPath::warnings`](super::SearchPath::warnings) (which are not repeated here).
    pub fn warnings(&self) -> &[LoadWarning] {
        &self.warnings
    }

    /// The directories searched, in order.
    pub fn searched(&self) -> &[SearchDir] {
        &self.searched
    }
}

/// No plugin of the requested name was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no plugin provides `{name}`; searched: {}", list(.searched))]
pub struct PluginNotFound {
    /// The subcommand asked for.
    pub name: String,
    /// The directories searched, in order.
    pub searched: Vec<PathBuf>,
}

fn list(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "no directories".to_owned();
    }
    dirs.iter()
        .map(|dir| dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The platform's library file name around a plugin stem: `("libkehu_",
/// ".so")` on Linux, `("libkehu_", ".dylib")` on macOS, `("kehu_", ".dll")`
/// on Windows, derived from `libloading::library_filename`.
fn file_pattern() -> (String, String) {
    const MARK: &str = "PLUGINSTEM";
    let probe = libloading::library_filename(format!("kehu_{MARK}"));
    let probe = probe.to_string_lossy();
    match probe.split_once(MARK) {
        Some((prefix, suffix)) => (prefix.to_owned(), suffix.to_owned()),
        None => ("libkehu_".to_owned(), ".so".to_owned()),
    }
}

/// The stem of a file named like a plugin library, e.g. `classify` for
/// `libkehu_classify.so`.
fn plugin_stem(file_name: &OsStr, prefix: &str, suffix: &str) -> Option<String> {
    let file_name = file_name.to_str()?;
    let stem = file_name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!stem.is_empty()).then(|| stem.to_owned())
}

/// The file name a plugin called `name` must have on this platform, e.g.
/// `libkehu_my_plugin.so` for `my-plugin`.
pub fn library_file_name(name: &str) -> PathBuf {
    let (prefix, suffix) = file_pattern();
    PathBuf::from(format!("{prefix}{}{suffix}", name.replace('-', "_")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_platform_pattern() {
        let name = library_file_name("my-plugin");
        assert_eq!(
            name,
            PathBuf::from(libloading::library_filename("kehu_my_plugin"))
        );
        let (prefix, suffix) = file_pattern();
        assert_eq!(
            plugin_stem(OsStr::new(&format!("{prefix}{suffix}")), &prefix, &suffix),
            None
        );
        assert_eq!(
            plugin_stem(
                OsStr::new(&format!("{prefix}classify{suffix}")),
                &prefix,
                &suffix
            ),
            Some("classify".to_owned())
        );
        assert_eq!(plugin_stem(OsStr::new("kehu.toml"), &prefix, &suffix), None);
    }

    #[test]
    fn missing_plugins_name_the_directories_searched() {
        let mut search = SearchPath::new();
        search.push(PathBuf::from("/nowhere/a"), Origin::Env);
        search.push(PathBuf::from("/nowhere/b"), Origin::UserData);
        let registry = Registry::load_one(&search, "classify");
        assert!(registry.warnings().is_empty());
        let error = registry.require("classify").unwrap_err();
        assert_eq!(
            error.to_string(),
            "no plugin provides `classify`; searched: /nowhere/a, /nowhere/b"
        );
    }

    #[test]
    fn a_missing_plugin_dir_flag_is_a_warning() {
        let mut search = SearchPath::new();
        search.push(PathBuf::from("/nowhere/flag"), Origin::Flag);
        let registry = Registry::load_all(&search);
        assert_eq!(
            registry.warnings(),
            [LoadWarning::MissingDir {
                dir: PathBuf::from("/nowhere/flag")
            }]
        );
    }
}
