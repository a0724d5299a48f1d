//! Changesets: the one shape in which anything (a command, a plugin) asks for
//! the book to change. The host validates a changeset, applies it with
//! format-preserving edits, and commits it; nobody else writes.

use serde::{Deserialize, Serialize};

/// A field edit on one customer, e.g. `acme` `grade.tier` → `"key"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldEdit {
    /// The customer id.
    pub customer: String,
    /// Dotted path inside the customer file: `owner`, `grade.tier`, `metrics.revenue_12m`.
    pub field: String,
    /// The new value (a TOML-compatible JSON value; a `YYYY-MM-DD` string for a
    /// date field); `null` removes the key.
    pub value: serde_json::Value,
    /// Why, in words; goes into the commit body.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// A set of field edits committed together with one message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Changeset {
    /// Commit subject, e.g. `classify: 12 regrades`.
    pub subject: String,
    /// Commit body (free text) before the trailers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Extra trailers as (key, value), e.g. (`Kehu-Reason`, `…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trailers: Vec<(String, String)>,
    /// The edits, in order.
    pub edits: Vec<FieldEdit>,
}
