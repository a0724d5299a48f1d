//! The host side of plugins: finding them, serving their calls for data
//! (the book, history) and carrying out what they return.

use std::io::Write;

use kehu_plugin::host::{Registry, SearchPath};

use crate::context::Context;

/// The search path for this run: `--plugin-dir`, `KEHU_PLUGIN_PATH`, beside
/// the executable, the user data directory; never inside the book.
pub fn search_path(context: &mut Context) -> SearchPath {
    let book = context.book_root().ok();
    SearchPath::from_environment(&context.global.plugin_dir, book.as_deref())
}

/// Loads every plugin found and prints the warnings about files passed over.
pub fn load_all(context: &mut Context) -> Registry {
    let search = search_path(context);
    for warning in search.warnings() {
        warn(context, &warning.to_string());
    }
    let registry = Registry::load_all(&search);
    for warning in registry.warnings() {
        warn(context, &warning.to_string());
    }
    registry
}

/// Prints a warning on stderr unless `-q`.
pub fn warn(context: &Context, message: &str) {
    if !context.global.quiet {
        let _ = writeln!(std::io::stderr(), "kehu: warning: {message}");
    }
}
