//! The history-based signals, read from the host: kehu-analytics'
//! [`trails`](kehu_analytics::trails) over the book-wide `changes` of the
//! window (one call for the whole book, for the signals' fields only) or
//! one customer's timeline (`--explain`).

pub use kehu_analytics::trails::{DEFAULT_HISTORY_DAYS, FIELDS, Trails, shift, window};
use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde_json::Value;

/// The trails of `events` dated `since..=until`, with the plugin's error.
pub fn read(events: &Value, since: Date, until: Date) -> Result<Trails, PluginError> {
    Trails::read(events, since, until).map_err(|e| PluginError::Host(e.to_string()))
}

/// [`read`] from the host's bytes, without a `serde_json::Value` of the
/// whole answer.
pub fn read_slice(bytes: &[u8], since: Date, until: Date) -> Result<Trails, PluginError> {
    Trails::read_slice(bytes, since, until).map_err(|e| PluginError::Host(e.to_string()))
}
