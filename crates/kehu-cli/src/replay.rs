//! Replaying pure plugin runs: the key of a run, made of everything its
//! output can depend on besides the book (kehu-cache's [`Replays`] keep the
//! records and check the book's stamp).
//!
//! A bundled plugin that only reads (`kehu classify --format json`) is a
//! function of its request and of the book: asked the same thing of the same
//! book, it prints the same bytes. So the host keys each such run on the
//! kehu and plugin builds and the request (the command, its arguments,
//! `--as-of`, colour, the book's directory), and a run whose key was seen
//! before, on a book with the same stamp, prints what was recorded.

use std::path::Path;

use kehu_cache::{BookStamp, Recording, Replay, ReplayKey, Replays};
use kehu_plugin::host::LoadedPlugin;
use kehu_plugin::protocol::Request;

/// The key of one plugin run, the book's stamp before it, and where its
/// record is (or goes).
pub struct RunKey {
    replays: Replays,
    key: ReplayKey,
    stamp: BookStamp,
}

impl RunKey {
    /// The key of running `plugin` on `request` over the book at `root`;
    /// `None` when replays are off, the same run said before that it was
    /// not pure, or the book cannot be stamped.
    pub fn new(root: &Path, plugin: &LoadedPlugin, request: &Request) -> Option<RunKey> {
        if kehu_cache::replays_disabled() {
            return None;
        }
        let replays = Replays::open(root).ok()??;
        let kehu = std::env::current_exe().ok()?;
        let request = request.to_json();
        let parts: [&[u8]; 7] = [
            env!("CARGO_PKG_VERSION").as_bytes(),
            &build_identity(&kehu)?,
            plugin.name().as_bytes(),
            plugin.version().as_bytes(),
            &build_identity(plugin.path())?,
            plugin.path().as_os_str().as_encoded_bytes(),
            &request,
        ];
        let key = ReplayKey::new(parts)?;
        if replays.known_impure(&key) {
            return None;
        }
        let stamp = replays.stamp()?;
        Some(RunKey {
            replays,
            key,
            stamp,
        })
    }

    /// The record of an earlier run with this key on the book as it is now.
    pub fn find(&self) -> Option<Replay> {
        self.replays.find(&self.key, &self.stamp)
    }

    /// Starts recording this run.
    pub fn record(&self) -> Option<Recording> {
        self.replays.record(self.key, self.stamp)
    }

    /// Notes that this run was not pure, so the next one with the same key
    /// does not stamp the book.
    pub fn mark_impure(&self) {
        self.replays.mark_impure(&self.key);
    }
}

/// What tells one build of an executable or library from another: its
/// size, modification time and (on Unix) inode, as build tools compare them.
fn build_identity(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    let mut bytes = Vec::with_capacity(32);
    for word in [
        meta.len(),
        modified.as_secs(),
        u64::from(modified.subsec_nanos()),
        inode,
    ] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    Some(bytes)
}
