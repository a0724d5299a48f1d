//! Running a loaded plugin.

use std::path::{Path, PathBuf};

use super::LoadedPlugin;
use crate::protocol::{Request, Response};
use crate::services::{CallFailure, HostServices, invoke};

/// A plugin run that did not produce a usable response. The CLI reports it
/// (its `Display` names the plugin) and exits 3; nothing has been written.
#[derive(Debug, thiserror::Error)]
#[error("plugin `{plugin}` {failure}")]
pub struct RunError {
    /// The plugin name.
    pub plugin: String,
    /// Its library.
    pub path: PathBuf,
    /// What went wrong.
    pub failure: CallFailure,
}

impl RunError {
    /// The library of the plugin that failed.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl LoadedPlugin {
    /// Runs the plugin on `request`, serving its host calls from `services`,
    /// and returns its validated response. A changeset in it is not applied:
    /// the caller checks it with [`crate::policy::check_changeset`] and
    /// applies it according to [`Response::mode`].
    pub fn run(
        &self,
        request: &Request,
        services: &dyn HostServices,
    ) -> Result<Response, RunError> {
        // SAFETY: both functions come from this plugin's descriptor, whose
        // ABI version the loader checked.
        unsafe { invoke(self.run, self.free_buffer, request, services) }.map_err(|failure| {
            RunError {
                plugin: self.name().to_owned(),
                path: self.path().to_path_buf(),
                failure,
            }
        })
    }
}
