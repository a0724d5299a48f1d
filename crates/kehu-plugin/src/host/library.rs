//! Loading one plugin library and reading its descriptor.

use std::ffi::{CStr, c_char};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{LoadWarning, Origin};
use crate::abi::{self, ABI_VERSION, EntryFn, FreeFn, PluginDescriptor, RunFn};

/// Longest `version` accepted from a descriptor, in bytes.
const MAX_VERSION_LEN: usize = 64;
/// Longest `about` accepted from a descriptor, in bytes.
const MAX_ABOUT_LEN: usize = 500;

/// A plugin whose library is loaded and whose descriptor checked out.
///
/// The library is never unloaded (thread-local destructors registered by its
/// code would run after `dlclose` and crash), so a `LoadedPlugin` can be
/// copied around freely for the life of the process.
#[derive(Clone, Debug)]
pub struct LoadedPlugin {
    info: PluginInfo,
    pub(super) run: RunFn,
    pub(super) free_buffer: FreeFn,
}

/// What `kehu plugins` shows about a plugin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    /// The subcommand.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// The ABI version it was built for (equal to [`crate::ABI_VERSION`]).
    pub abi_version: u32,
    /// The library, canonical and absolute.
    pub path: PathBuf,
    /// Which kind of search directory it was found in.
    pub origin: Origin,
    /// One line saying what it does.
    pub about: String,
}

impl LoadedPlugin {
    /// The subcommand name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.info.version
    }

    /// The one-line description.
    pub fn about(&self) -> &str {
        &self.info.about
    }

    /// The canonical path of the library.
    pub fn path(&self) -> &Path {
        &self.info.path
    }

    /// Everything `kehu plugins` lists.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }
}

/// Loads the library at `file` (canonical), expecting the plugin `name`.
pub(super) fn load(file: &Path, name: &str, origin: Origin) -> Result<LoadedPlugin, LoadWarning> {
    // SAFETY: loading a library runs its initialisers. Only files from the
    // configured plugin directories reach this point (never from a book or
    // the current directory); trusting them is what installing a plugin means.
    let library = unsafe { libloading::Library::new(file) }.map_err(|error| {
        // dlerror() repeats the path; the warning names the file already.
        let reason = error.to_string();
        let reason = match reason.split_once(&format!("{}: ", file.display())) {
            Some((_, rest)) => rest.to_owned(),
            None => reason,
        };
        LoadWarning::NotALibrary {
            file: file.to_path_buf(),
            reason,
        }
    })?;
    // SAFETY: the symbol is declared with the type every kehu ABI version
    // gives it.
    let entry: Result<EntryFn, _> = unsafe {
        library
            .get::<EntryFn>(abi::ENTRY_SYMBOL)
            .map(|symbol| *symbol)
    };
    // Never unload, whatever happens next (see `LoadedPlugin`).
    std::mem::forget(library);
    let entry = entry.map_err(|_| LoadWarning::MissingEntry {
        file: file.to_path_buf(),
    })?;
    let bad = |reason: String| LoadWarning::BadDescriptor {
        file: file.to_path_buf(),
        reason,
    };
    // SAFETY: the entry point takes nothing and returns a pointer.
    let descriptor = unsafe { entry() };
    if descriptor.is_null() {
        return Err(bad("the entry point returned a null descriptor".into()));
    }
    if !descriptor.is_aligned() {
        return Err(bad("the descriptor is misaligned".into()));
    }
    // SAFETY: non-null and aligned; `abi_version` is the first field of every
    // ABI version's descriptor, so reading it alone is valid for any of them.
    let found = unsafe { std::ptr::addr_of!((*descriptor).abi_version).read() };
    if found != ABI_VERSION {
        return Err(LoadWarning::AbiMismatch {
            file: file.to_path_buf(),
            found,
            expected: ABI_VERSION,
        });
    }
    // SAFETY: the ABI version matches, so the whole struct has this layout
    // and lives as long as the (never unloaded) library.
    let descriptor: &'static PluginDescriptor = unsafe { &*descriptor };
    let text = |field: &str, pointer: *const c_char, max: usize| -> Result<String, LoadWarning> {
        if pointer.is_null() {
            return Err(bad(format!("`{field}` is null")));
        }
        // SAFETY: the ABI requires a NUL-terminated static string.
        let text = unsafe { CStr::from_ptr(pointer) };
        let text = text
            .to_str()
            .map_err(|_| bad(format!("`{field}` is not UTF-8")))?;
        if text.len() > max {
            return Err(bad(format!("`{field}` is longer than {max} bytes")));
        }
        if text.contains(['\n', '\r']) {
            return Err(bad(format!("`{field}` must be one line")));
        }
        Ok(text.trim().to_owned())
    };
    let declared = text("name", descriptor.name, 64)?;
    if declared != name {
        return Err(bad(format!(
            "it declares the name `{declared}`, but its file name says `{name}`"
        )));
    }
    let version = text("version", descriptor.version, MAX_VERSION_LEN)?;
    let about = text("about", descriptor.about, MAX_ABOUT_LEN)?;
    let (Some(run), Some(free_buffer)) = (descriptor.run, descriptor.free_buffer) else {
        return Err(bad("`run` or `free_buffer` is null".into()));
    };
    Ok(LoadedPlugin {
        info: PluginInfo {
            name: declared,
            version,
            abi_version: found,
            path: file.to_path_buf(),
            origin,
            about,
        },
        run,
        free_buffer,
    })
}
