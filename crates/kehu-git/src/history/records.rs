//! The records the history reader returns: commits, customer changes and
//! field changes. Plain data with `serde` so the CLI can print them as JSON
//! and plugins can receive them.

use std::sync::Arc;

use kehu_core::Date;
use serde::{Deserialize, Serialize};

use crate::message::{self, Message};

/// What kind of change a commit is, from its `Kehu-Command` trailer; commits
/// without one (hand edits with plain git, merges) are `edit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `kehu contact`.
    Contact,
    /// `kehu grade`, `classify --apply`.
    Regrade,
    /// `assign --apply`.
    Assign,
    /// `kehu import`.
    Import,
    /// Anything else: plain git commits, `kehu new`, merges.
    Edit,
}

impl Kind {
    /// The kind a `Kehu-Command` value stands for.
    pub fn from_command(command: Option<&str>) -> Kind {
        match command.map(|c| c.trim().to_ascii_lowercase()).as_deref() {
            Some("contact") => Kind::Contact,
            Some("grade" | "regrade" | "classify") => Kind::Regrade,
            Some("assign") => Kind::Assign,
            Some(c) if c == "import" || c.starts_with("import ") => Kind::Import,
            _ => Kind::Edit,
        }
    }

    /// The lowercase name (`contact`, `regrade` …), as `--kind` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Contact => "contact",
            Kind::Regrade => "regrade",
            Kind::Assign => "assign",
            Kind::Import => "import",
            Kind::Edit => "edit",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Kind, String> {
        match text {
            "contact" => Ok(Kind::Contact),
            "regrade" => Ok(Kind::Regrade),
            "assign" => Ok(Kind::Assign),
            "import" => Ok(Kind::Import),
            "edit" => Ok(Kind::Edit),
            other => Err(format!(
                "unknown kind `{other}` (expected contact, regrade, assign, import or edit)"
            )),
        }
    }
}

/// One commit, as the history reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// The commit id (hex).
    pub id: String,
    /// Parent ids (hex), first parent first.
    pub parents: Vec<String>,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// The author date as a calendar day in the author's own time zone.
    pub date: Date,
    /// Author time, seconds since the epoch.
    pub timestamp: i64,
    /// The author's UTC offset in minutes.
    pub offset_minutes: i32,
    /// Author time as RFC 3339 with the author's offset.
    pub time: String,
    /// Committer time, seconds since the epoch (what `git log --since` uses).
    pub commit_timestamp: i64,
    /// The subject line.
    pub subject: String,
    /// The body between subject and trailers.
    pub body: String,
    /// Trailers in order.
    pub trailers: Vec<(String, String)>,
    /// The kind, from `Kehu-Command`.
    pub kind: Kind,
}

impl CommitInfo {
    /// Builds the record from a commit's parts; `message` is the raw message.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: String,
        parents: Vec<String>,
        author: String,
        email: String,
        timestamp: i64,
        offset_minutes: i32,
        commit_timestamp: i64,
        message: &str,
    ) -> CommitInfo {
        let parsed = Message::parse(message);
        let kind = Kind::from_command(parsed.trailer(message::COMMAND));
        let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)
            .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc));
        let local = chrono::DateTime::from_timestamp(timestamp, 0)
            .unwrap_or_default()
            .with_timezone(&offset);
        CommitInfo {
            id,
            parents,
            author,
            email,
            date: Date(local.date_naive()),
            timestamp,
            offset_minutes,
            time: local.to_rfc3339(),
            commit_timestamp,
            subject: parsed.subject,
            body: parsed.body,
            trailers: parsed.trailers,
            kind,
        }
    }

    /// The first value of a trailer (case-insensitive key).
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a trailer, e.g. all `Kehu-Customer`s.
    pub fn trailer_values(&self, key: &str) -> Vec<&str> {
        self.trailers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One field's change; `None` means the key was absent on that side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted path, e.g. `grade.tier`.
    pub field: String,
    /// The value before (`None`: the key did not exist).
    pub old: Option<serde_json::Value>,
    /// The value after (`None`: the key was removed).
    pub new: Option<serde_json::Value>,
}

/// How a customer file changed in one commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The file appeared.
    Added,
    /// The file disappeared.
    Removed,
    /// The file changed in place.
    Modified,
    /// The file moved (and may have changed): see `old_id` / `old_path`.
    Renamed,
}

/// One customer's change in one commit (or between two revisions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerChange {
    /// The customer id after the change (before it, for a removal): the file stem.
    pub id: String,
    /// The path relative to the book root, after (before, for a removal).
    pub path: String,
    /// What happened to the file.
    pub status: Status,
    /// For a rename: the id before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// For a rename: the path before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// Field changes, sorted by field. For an added file every field is new.
    pub fields: Vec<FieldChange>,
    /// The old or new file was not valid TOML; `fields` covers what parsed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unparsable: bool,
}

impl CustomerChange {
    /// The change of one field, if this change touched it.
    pub fn field(&self, name: &str) -> Option<&FieldChange> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// A commit together with what it changed in the book.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// The commit (shared between the events of one commit).
    pub commit: Arc<CommitInfo>,
    /// The customers it changed (for a customer timeline: that one customer).
    pub customers: Vec<CustomerChange>,
    /// Whether `kehu.toml` changed too.
    pub rules_changed: bool,
}
