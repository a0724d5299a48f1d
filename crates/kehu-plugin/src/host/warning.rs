//! Why a directory or a file was passed over while looking for plugins.

use std::path::PathBuf;

/// A problem met during discovery. Each names the directory or file and the
/// reason; none stops the other plugins from loading.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadWarning {
    /// A `--plugin-dir` that does not exist or is not a directory.
    #[error("plugin directory {} does not exist or is not a directory", .dir.display())]
    MissingDir {
        /// The directory as given.
        dir: PathBuf,
    },
    /// A directory that could not be listed.
    #[error("cannot read plugin directory {}: {reason}", .dir.display())]
    UnreadableDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A relative entry in `KEHU_PLUGIN_PATH`: it would depend on the current
    /// directory, which may be a cloned book.
    #[error("ignoring relative entry `{}` in KEHU_PLUGIN_PATH: plugin directories must be absolute", .entry.display())]
    RelativeEnvEntry {
        /// The entry.
        entry: PathBuf,
    },
    /// A directory or file inside a book: a cloned book must not run code.
    #[error("refusing to load plugins from {}: it is inside the book {}", .path.display(), .book.display())]
    InsideBook {
        /// The directory or the file's resolved path.
        path: PathBuf,
        /// The book's root.
        book: PathBuf,
    },
    /// A file named like a plugin whose name part is not a plugin name.
    #[error("ignoring {}: `{stem}` is not a plugin name (lowercase letters, digits and `_`)", .file.display())]
    BadFileName {
        /// The file.
        file: PathBuf,
        /// The part between `kehu_` and the extension.
        stem: String,
    },
    /// `dlopen` failed: not a library, the wrong architecture, a missing
    /// dependency.
    #[error("cannot load plugin {}: {reason}", .file.display())]
    NotALibrary {
        /// The file.
        file: PathBuf,
        /// The loader's message.
        reason: String,
    },
    /// The library does not export the entry point.
    #[error("{} is not a kehu plugin: it does not export `kehu_plugin_entry`", .file.display())]
    MissingEntry {
        /// The file.
        file: PathBuf,
    },
    /// The library speaks another ABI version.
    #[error("plugin {} has ABI version {found}, this kehu speaks {expected}: rebuild it against this kehu's kehu-plugin-sdk", .file.display())]
    AbiMismatch {
        /// The file.
        file: PathBuf,
        /// The library's version.
        found: u32,
        /// [`crate::ABI_VERSION`].
        expected: u32,
    },
    /// The descriptor is malformed (null pointers, bad text, a name that does
    /// not match the file).
    #[error("plugin {} has a bad descriptor: {reason}", .file.display())]
    BadDescriptor {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A second plugin of the same name further down the search path.
    #[error("plugin `{name}` in {} is shadowed by {}, found first", .shadowed.display(), .winner.display())]
    Shadowed {
        /// The plugin name.
        name: String,
        /// The file that is used.
        winner: PathBuf,
        /// The file that is not.
        shadowed: PathBuf,
    },
}
