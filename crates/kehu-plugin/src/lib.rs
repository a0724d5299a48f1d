//! The kehu plugin ABI and, with the `host` feature, the host-side loader.
//!
//! A plugin is a `cdylib` that exports one C function, [`abi::ENTRY_SYMBOL`],
//! returning a static [`abi::PluginDescriptor`]. Nothing but `#[repr(C)]`
//! structs and raw pointers crosses the boundary; the data itself is JSON
//! described in [`protocol`] (schema `kehu.plugin/1`); the book, the one
//! large answer, may also cross in the binary layout of [`binary_book`]
//! (customers in [`wire`]'s layout), and only the customer fields the
//! plugin reads when it names them ([`fields`]). Plugin authors use
//! `kehu-plugin-sdk`, which implements the guest side of this crate; the
//! `kehu` binary uses `host` (feature `host`) to find, load and run plugins, and
//! [`policy`] to vet the changesets they return.
//!
//! See `docs/plugins.md` for the whole picture.

pub mod abi;
pub mod binary_book;
pub mod binary_contacts;
pub mod fields;
pub mod policy;
pub mod protocol;
pub mod services;
pub mod wire;

#[cfg(feature = "host")]
pub mod host;

pub use abi::ABI_VERSION;
pub use protocol::{SCHEMA, WriteMode};
