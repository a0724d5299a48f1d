//! Write a kehu plugin: implement [`Plugin`] and call [`export_plugin!`].
//!
//! ```
//! use std::fmt::Write as _;
//! use kehu_plugin_sdk::{Context, Output, Plugin, PluginError};
//!
//! #[derive(Default)]
//! struct Count;
//!
//! impl Plugin for Count {
//!     fn run(&self, ctx: &mut Context<'_>, _args: &[String]) -> Result<Output, PluginError> {
//!         let book = ctx.book()?;
//!         let mut out = Output::new();
//!         writeln!(out, "{} customers", book.customers.len()).ok();
//!         Ok(out)
//!     }
//! }
//!
//! kehu_plugin_sdk::export_plugin!(Count, name = "count", version = "0.1.0", about = "Count customers");
//! ```
//!
//! Build the crate as a `cdylib` named `kehu_<name>` (package `kehu-<name>`)
//! and drop the library into a plugin directory; `kehu <name> ARGS...` then
//! runs it. The SDK does the ABI work: it checks the request, catches panics
//! at the boundary, fetches what the plugin asks for from the host, and
//! encodes the [`Output`]. See `docs/plugins.md`.

mod argv;
mod context;
pub mod events;
mod export;
mod flags;
pub mod json;
mod output;
mod stream;
pub mod table;
pub mod testing;

pub use argv::{Choice, Flags, Format, choose, words};
pub use context::Context;
pub use flags::{WRITE_FLAGS_HELP, WriteFlags};
pub use output::{Output, PluginError};
pub use stream::StdoutWriter;

pub use kehu_core;
pub use kehu_plugin::protocol::{
    Book, ChangeFilter, ContactWrite, CustomerFields, LastContacts, LoggedContact, Rules, WriteMode,
};
pub use serde_json;

#[doc(hidden)]
pub mod __private {
    pub use crate::export::{c_text, run};
    pub use kehu_plugin::abi::{
        ABI_VERSION, Buffer, HostApi, PluginDescriptor, free_rust_buffer, is_valid_name,
    };
}

/// A plugin: one subcommand of `kehu`.
///
/// `run` is called once per invocation with the arguments after the
/// subcommand (`kehu hello --by owner` gives `["--by", "owner"]`); the
/// plugin parses them itself, `--help` included. It returns what to print,
/// the exit code, and optionally a changeset for the host to apply. A plugin
/// never opens files or runs git: everything it knows comes through `ctx`.
pub trait Plugin {
    /// Runs the subcommand.
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError>;
}
