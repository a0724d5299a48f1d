//! The host side: where plugins are looked for, how they are loaded, and how
//! one is run with the host's services.
//!
//! ```no_run
//! use kehu_plugin::host::{Registry, SearchPath};
//!
//! let search = SearchPath::from_environment(&[], None);
//! let registry = Registry::load_all(&search);
//! for warning in registry.warnings() {
//!     eprintln!("warning: {warning}");
//! }
//! for plugin in registry.plugins() {
//!     println!("{} {} {}", plugin.name(), plugin.version(), plugin.path().display());
//! }
//! ```

mod library;
mod registry;
mod run;
mod search;
mod warning;

pub use crate::services::{CallFailure, HostServices, ServiceError};
pub use library::{LoadedPlugin, PluginInfo};
pub use registry::{PluginNotFound, Registry, library_file_name};
pub use run::RunError;
pub use search::{ENV_VAR, Origin, SearchDir, SearchPath, enclosing_book};
pub use warning::LoadWarning;
