//! The JSON that crosses the ABI, schema `kehu.plugin/1`.
//!
//! Every document carries `"schema": "kehu.plugin/1"`; a reader refuses any
//! other value, so the JSON can change independently of the C ABI. Unknown
//! fields are ignored, so adding an optional field is not a schema change.
//!
//! - host → plugin: a [`Request`] (the command line and the run settings);
//! - plugin → host, during `run`: a [`HostCall`] per question, answered with
//!   the JSON of [`HostQuery`]'s documented shape (the book is a [`Book`]);
//! - plugin → host, at the end: a [`Response`] (output, exit code, and an
//!   optional [`Changeset`] with the [`WriteMode`] the user asked for).
//!
//! One answer has a second, binary form: a plugin may ask for the book with
//! `{"encoding": "kehu-book-bin/1"}` ([`BOOK_BINARY`]) and gets the same
//! [`Book`] in the compact layout of [`crate::binary_book`], which a large
//! book needs (JSON costs the host and the plugin most of a second per
//! 100,000 customers). A host that does not know the parameter answers JSON,
//! and [`Book::from_answer`] reads either.

use kehu_core::{Changeset, Customer, Date};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The schema tag of every document in this version of the protocol.
pub const SCHEMA: &str = "kehu.plugin/1";

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The bytes are not JSON of the expected shape.
    #[error("invalid {what} JSON: {source}")]
    InvalidJson {
        /// Which document: `request`, `response`, `host call` ...
        what: &'static str,
        /// The parser's complaint (line and column included).
        source: serde_json::Error,
    },
    /// The document is JSON but speaks another schema version.
    #[error("{what} has schema `{found}`, expected `{SCHEMA}`")]
    WrongSchema {
        /// Which document.
        what: &'static str,
        /// The schema it declared.
        found: String,
    },
    /// A binary answer (see [`BOOK_BINARY`]) is damaged or of another
    /// layout version.
    #[error("invalid binary {what}: {reason}")]
    InvalidBinary {
        /// Which document.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A field holds a value the protocol does not allow.
    #[error("{what}: {reason}")]
    InvalidField {
        /// Which document.
        what: &'static str,
        /// What is wrong, naming the field.
        reason: String,
    },
}

fn check_schema(what: &'static str, found: &str) -> Result<(), ProtocolError> {
    if found == SCHEMA {
        Ok(())
    } else {
        Err(ProtocolError::WrongSchema {
            what,
            found: found.to_owned(),
        })
    }
}

fn parse<'a, T: Deserialize<'a>>(what: &'static str, bytes: &'a [u8]) -> Result<T, ProtocolError> {
    serde_json::from_slice(bytes).map_err(|source| ProtocolError::InvalidJson { what, source })
}

/// What the host sends to `run`: one invocation of a plugin subcommand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The subcommand the user typed (the plugin's name).
    pub command: String,
    /// The arguments after the subcommand, unparsed: the plugin parses its own
    /// flags, so `kehu classify --help` is the plugin's help.
    pub args: Vec<String>,
    /// The `--as-of` day (today by default); the book the host serves is the
    /// book as of this day.
    pub as_of: Date,
    /// The global `--format` when the user gave one before the subcommand;
    /// a plugin's own `--format` flag overrides it.
    #[serde(default)]
    pub format: Option<String>,
    /// Whether the output may use colour (stdout is a terminal and `NO_COLOR`
    /// is unset).
    #[serde(default)]
    pub color: bool,
    /// The book's directory, for messages only: plugins never open files.
    #[serde(default)]
    pub book_dir: Option<String>,
}

impl Request {
    /// A request for `command` with `args` as of `as_of`, no colour, no
    /// global format, no book directory.
    pub fn new(command: impl Into<String>, args: Vec<String>, as_of: Date) -> Request {
        Request {
            schema: SCHEMA.to_owned(),
            command: command.into(),
            args,
            as_of,
            format: None,
            color: false,
            book_dir: None,
        }
    }

    /// Encodes the request as the bytes `run` receives.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings, bools and a date always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads and checks a request (the plugin side).
    pub fn from_json(bytes: &[u8]) -> Result<Request, ProtocolError> {
        let request: Request = parse("request", bytes)?;
        check_schema("request", &request.schema)?;
        Ok(request)
    }
}

/// How the host should apply a returned changeset.
///
/// JSON: `"apply"`, `"dry-run"` or `{"branch": "NAME"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteMode {
    /// Write the files and commit on the checked-out branch.
    #[default]
    Apply,
    /// Print the changeset as a semantic diff and write nothing.
    DryRun,
    /// Commit on a new branch of this name without touching the work tree,
    /// for review as a pull request.
    Branch(String),
}

/// What `run` returns when it finished (even when the command failed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The command's exit code, 0..=255 (see the exit-code table: 0 success,
    /// 1 a check found something, 2 bad usage or bad data).
    #[serde(default)]
    pub exit_code: i32,
    /// Text the host prints on stdout.
    #[serde(default)]
    pub stdout: String,
    /// Text the host prints on stderr.
    #[serde(default)]
    pub stderr: String,
    /// Edits for the host to validate and apply, if the command changes the
    /// book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changeset: Option<Changeset>,
    /// How to apply `changeset`; ignored without one.
    #[serde(default)]
    pub mode: WriteMode,
    /// The plugin's word that this run was pure: what it printed and its
    /// exit code follow from the request and the host's answers alone (no
    /// clock, file or environment read, no change proposed), so the host may
    /// replay them when the same request meets the same book again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pure: bool,
}

impl Response {
    /// An empty successful response.
    pub fn new() -> Response {
        Response {
            schema: SCHEMA.to_owned(),
            exit_code: 0,
            stdout: String::new(),
            stderr: String::new(),
            changeset: None,
            mode: WriteMode::Apply,
            pure: false,
        }
    }

    /// Encodes the response as the bytes `run` hands back.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Reads and validates a response (the host side): JSON, schema, exit
    /// code range, branch name.
    pub fn from_json(bytes: &[u8]) -> Result<Response, ProtocolError> {
        let response: Response = parse("response", bytes)?;
        check_schema("response", &response.schema)?;
        if !(0..=255).contains(&response.exit_code) {
            return Err(ProtocolError::InvalidField {
                what: "response",
                reason: format!("exit_code {} is outside 0..=255", response.exit_code),
            });
        }
        if let WriteMode::Branch(name) = &response.mode
            && name.trim().is_empty()
        {
            return Err(ProtocolError::InvalidField {
                what: "response",
                reason: "mode.branch is empty".to_owned(),
            });
        }
        Ok(response)
    }
}

impl Default for Response {
    fn default() -> Response {
        Response::new()
    }
}

/// A question from the plugin to the host, sent through
/// [`crate::abi::HostApi::call`] during `run`.
///
/// `method` and `params`:
///
/// | method | params | answer |
/// | --- | --- | --- |
/// | `book` | `{"encoding": "kehu-book-bin/1"?, "fields": ["name", "grade.tier", ...]?}` | a [`Book`] as of the request's `as_of`: JSON, or with that encoding the binary layout of [`crate::binary_book`]; with `fields`, the host may leave every customer field not named empty ([`CustomerFields`]) |
/// | `book_at` | `{"date": "YYYY-MM-DD", "encoding": "kehu-book-bin/1"?}` | a [`Book`] as it was on that day (the last commit of the day), encoded as for `book` |
/// | `customer_history` | `{"id": "acme"}` | the customer's timeline (kehu-git's JSON) |
/// | `changes` | `{"since": "YYYY-MM-DD"?, "until": "YYYY-MM-DD"?, "fields": ["grade.tier", ...]?, "contacts": bool?, "trailers": ["Kehu-Complaint", ...]?}` | book-wide field changes in the window, inclusive (kehu-git's JSON), narrowed by a [`ChangeFilter`] |
/// | `last_contacts` | `{"since": "YYYY-MM-DD"?, "until": "YYYY-MM-DD"?, "encoding": "kehu-contacts-bin/1"?}` | a [`LastContacts`]: per customer, the latest contact commit and the latest write of `contact.last` in the window; JSON, or with that encoding the binary layout of [`crate::binary_contacts`] |
/// | `rules_at` | `{"rev": "REV"?}` | a [`Rules`]: the text of `kehu.toml` at git revision REV; without `rev` (or `null`), the `kehu.toml` the book was read from |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostCall {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// One of the methods above.
    pub method: String,
    /// The method's parameters (an object; `null` counts as `{}`).
    #[serde(default)]
    pub params: serde_json::Value,
}

/// A [`HostCall`] with its method and parameters checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostQuery {
    /// The book: config and customers as of the request's date.
    Book {
        /// How the answer is encoded.
        encoding: BookEncoding,
        /// The customer fields the plugin reads; `None`: every field.
        fields: Option<CustomerFields>,
    },
    /// The book as it was on another day (a backtest compares a past book
    /// with what happened after it).
    BookAt {
        /// The day; the book is read from the last commit of that day.
        date: Date,
        /// How the answer is encoded.
        encoding: BookEncoding,
    },
    /// One customer's history.
    CustomerHistory {
        /// The customer id.
        id: String,
    },
    /// Book-wide changes between two days, both inclusive, either open.
    Changes {
        /// First day, or from the beginning.
        since: Option<Date>,
        /// Last day, or up to the request's `as_of`.
        until: Option<Date>,
        /// What to leave out (the default keeps everything).
        filter: ChangeFilter,
    },
    /// The last contacts per customer between two days (the agenda's
    /// question), answered without shipping every contact commit.
    LastContacts {
        /// First day, or from the beginning.
        since: Option<Date>,
        /// Last day, or up to the request's `as_of`.
        until: Option<Date>,
        /// Whether the answer is asked in the binary layout
        /// ([`CONTACTS_BINARY`]); an older host refuses the call, and the
        /// plugin asks again for JSON.
        binary: bool,
    },
    /// The text of `kehu.toml` at a revision (for `classify --rules-from`),
    /// or the one the book was read from (to place diagnostics).
    RulesAt {
        /// A git revision (`main~3`, a tag, a commit id); `None` for the
        /// `kehu.toml` the book was read from.
        rev: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesParams {
    #[serde(default)]
    rev: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookAtParams {
    date: Date,
    #[serde(default)]
    encoding: Option<String>,
}

/// `book` never refused unknown parameters, so none are refused now.
#[derive(Deserialize)]
struct BookParams {
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
}

/// The `encoding` value that asks for the binary `last_contacts` answer.
pub const CONTACTS_BINARY: &str = "kehu-contacts-bin/1";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LastContactsParams {
    #[serde(default)]
    since: Option<Date>,
    #[serde(default)]
    until: Option<Date>,
    #[serde(default)]
    encoding: Option<String>,
}

/// The `encoding` value that asks for the binary book.
pub const BOOK_BINARY: &str = "kehu-book-bin/1";

/// How the answer to `book` or `book_at` is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BookEncoding {
    /// JSON, the answer of every host (the default).
    #[default]
    Json,
    /// The binary layout of [`crate::binary_book`] (`"encoding":
    /// "kehu-book-bin/1"`); a host that does not know it answers JSON.
    Binary,
}

impl BookEncoding {
    /// The encoding a call names; an unknown name is answered in JSON, so
    /// a newer plugin still gets a book it can read.
    fn from_param(name: Option<&str>) -> BookEncoding {
        match name {
            Some(BOOK_BINARY) => BookEncoding::Binary,
            _ => BookEncoding::Json,
        }
    }

    /// Adds `"encoding"` to a call's parameters when it is not JSON, so a
    /// plain call stays as older hosts know it.
    fn add_to(self, params: &mut serde_json::Value) {
        if let (BookEncoding::Binary, Some(map)) = (self, params.as_object_mut()) {
            map.insert("encoding".to_owned(), BOOK_BINARY.into());
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesParams {
    #[serde(default)]
    since: Option<Date>,
    #[serde(default)]
    until: Option<Date>,
    #[serde(default)]
    fields: Option<Vec<String>>,
    #[serde(default)]
    contacts: bool,
    #[serde(default)]
    trailers: Option<Vec<String>>,
}

/// What a `changes` call leaves out, so the host reads and sends only what
/// the plugin needs. The default (no fields named, `contacts` off) is every
/// change, as before these parameters existed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeFilter {
    /// Only these dotted fields (`grade.tier`, `metrics.revenue_12m`); a
    /// customer change that touches none of them is left out, unless it is
    /// a rename (kept, with no fields, so readers can follow the id).
    /// `None`: every field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// Only contacts: every customer of a contact commit (`Kehu-Command:
    /// contact` or a `Kehu-Contact` trailer), and from other commits the
    /// customers whose `contact.last` changed, plus renames.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contacts: bool,
    /// Only commits carrying one of these trailer keys (case-insensitive),
    /// their customers narrowed as above: a rare trailer over a long window
    /// costs the host its walk, not a diff per commit. `None`: every
    /// commit. A host older than this parameter refuses the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailers: Option<Vec<String>>,
}

impl ChangeFilter {
    /// Only these fields.
    pub fn fields<I, S>(fields: I) -> ChangeFilter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ChangeFilter {
            fields: Some(fields.into_iter().map(Into::into).collect()),
            ..ChangeFilter::default()
        }
    }

    /// Only contacts (and, with [`ChangeFilter::fields`] set, only those
    /// fields of them).
    pub fn contacts(mut self) -> ChangeFilter {
        self.contacts = true;
        self
    }

    /// Only commits carrying one of `keys` as a trailer.
    pub fn trailers<I, S>(mut self, keys: I) -> ChangeFilter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trailers = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Whether this filter keeps everything.
    pub fn is_everything(&self) -> bool {
        self.fields.is_none() && !self.contacts && self.trailers.is_none()
    }

    /// Whether a commit record (kehu-git's JSON) carries a trailer the
    /// filter asks for (always, without a trailer filter).
    fn has_trailer(&self, commit: Option<&serde_json::Value>) -> bool {
        let Some(keys) = &self.trailers else {
            return true;
        };
        commit
            .and_then(|c| c.get("trailers"))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|trailers| {
                trailers.iter().any(|t| {
                    t.get(0)
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|k| keys.iter().any(|key| key.eq_ignore_ascii_case(k)))
                })
            })
    }

    /// Whether a commit record (kehu-git's JSON) is a contact commit.
    fn is_contact_commit(commit: Option<&serde_json::Value>) -> bool {
        let Some(commit) = commit else { return false };
        commit.get("kind").and_then(serde_json::Value::as_str) == Some("contact")
            || commit
                .get("trailers")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|trailers| {
                    trailers.iter().any(|t| {
                        t.get(0)
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|k| k.eq_ignore_ascii_case(CONTACT_TRAILER))
                    })
                })
    }

    /// Applies the filter to a list of events in kehu-git's JSON (the
    /// answer of an unfiltered `changes`): the reference a host's own
    /// filtering must agree with. Events left without customers are dropped.
    pub fn apply(&self, events: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        if self.is_everything() {
            return events;
        }
        let Value::Array(events) = events else {
            return events;
        };
        let wanted = |field: &Value| {
            let name = field.get("field").and_then(Value::as_str).unwrap_or("");
            self.fields
                .as_ref()
                .is_none_or(|set| set.iter().any(|f| f == name))
        };
        let mut out = Vec::with_capacity(events.len());
        let narrows = self.fields.is_some() || self.contacts;
        for mut event in events {
            if !self.has_trailer(event.get("commit")) {
                continue;
            }
            let contact = Self::is_contact_commit(event.get("commit"));
            let Some(Value::Array(customers)) = event.get_mut("customers") else {
                continue;
            };
            customers.retain_mut(|customer| {
                if !narrows {
                    return true;
                }
                let renamed = customer.get("old_id").is_some_and(|v| !v.is_null());
                let Some(Value::Array(fields)) = customer.get_mut("fields") else {
                    return renamed || (self.contacts && contact);
                };
                let touches_contact = fields
                    .iter()
                    .any(|f| f.get("field").and_then(Value::as_str) == Some(CONTACT_FIELD));
                fields.retain(&wanted);
                renamed
                    || if self.contacts {
                        contact || touches_contact
                    } else {
                        !fields.is_empty()
                    }
            });
            if !customers.is_empty() {
                out.push(event);
            }
        }
        Value::Array(out)
    }
}

/// The trailer that marks a contact commit.
const CONTACT_TRAILER: &str = "Kehu-Contact";
/// The field a contact writes.
const CONTACT_FIELD: &str = "contact.last";

/// The answer to `last_contacts`: what the history of a window says about
/// each customer's contacts, in one record per customer it mentions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastContacts {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The customers the window's history mentions, sorted by id, under
    /// their latest id (renames followed).
    pub customers: Vec<LoggedContact>,
}

/// One customer's contacts in a window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedContact {
    /// The customer id (after any rename in the window).
    pub id: String,
    /// The latest contact day of the window's contact commits: the
    /// `contact.last` such a commit wrote, else its author date.
    #[serde(default)]
    pub contact: Option<Date>,
    /// The latest value any commit of the window wrote to `contact.last`.
    #[serde(default)]
    pub field: Option<ContactWrite>,
}

/// The latest write of `contact.last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactWrite {
    /// The value written (`None`: the field was removed or is not a day).
    pub value: Option<Date>,
    /// The commit was bookkeeping (kind `import`, `regrade` or `assign`: a
    /// tool copying the field), not a contact or a hand edit.
    pub bookkeeping: bool,
}

impl LastContacts {
    /// Encodes the answer.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings and dates always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads an answer in either layout (the plugin side): binary
    /// ([`crate::binary_contacts`]) or JSON.
    pub fn from_answer(bytes: &[u8]) -> Result<LastContacts, ProtocolError> {
        if crate::binary_contacts::is_binary(bytes) {
            crate::binary_contacts::decode(bytes)
        } else {
            LastContacts::from_json(bytes)
        }
    }

    /// Reads an answer and checks its schema.
    pub fn from_json(bytes: &[u8]) -> Result<LastContacts, ProtocolError> {
        let answer: LastContacts = parse("last_contacts answer", bytes)?;
        check_schema("last_contacts answer", &answer.schema)?;
        Ok(answer)
    }
}

impl HostCall {
    /// The call for `query`.
    pub fn new(query: &HostQuery) -> HostCall {
        let (method, params) = match query {
            HostQuery::Book { encoding, fields } => {
                let mut params = serde_json::json!({});
                encoding.add_to(&mut params);
                // Only when named, so a plain call stays as older hosts know it.
                if let (Some(fields), Some(map)) = (fields, params.as_object_mut()) {
                    map.insert("fields".to_owned(), fields.names().into());
                }
                ("book", params)
            }
            HostQuery::BookAt { date, encoding } => {
                let mut params = serde_json::json!({ "date": date });
                encoding.add_to(&mut params);
                ("book_at", params)
            }
            HostQuery::CustomerHistory { id } => {
                ("customer_history", serde_json::json!({ "id": id }))
            }
            HostQuery::Changes {
                since,
                until,
                filter,
            } => {
                let mut params = serde_json::json!({ "since": since, "until": until });
                // Only what is set, so an older host still reads a plain call.
                if let (Some(map), Ok(serde_json::Value::Object(extra))) =
                    (params.as_object_mut(), serde_json::to_value(filter))
                {
                    map.extend(extra);
                }
                ("changes", params)
            }
            HostQuery::LastContacts {
                since,
                until,
                binary,
            } => {
                let mut params = serde_json::json!({ "since": since, "until": until });
                // Only when asked, so an older host still reads a plain call.
                if let (true, Some(map)) = (binary, params.as_object_mut()) {
                    map.insert("encoding".to_owned(), CONTACTS_BINARY.into());
                }
                ("last_contacts", params)
            }
            HostQuery::RulesAt { rev } => ("rules_at", serde_json::json!({ "rev": rev })),
        };
        HostCall {
            schema: SCHEMA.to_owned(),
            method: method.to_owned(),
            params,
        }
    }

    /// Encodes the call.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings and JSON values always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a call and checks its schema, method and parameters (the host
    /// side).
    pub fn parse(bytes: &[u8]) -> Result<HostQuery, ProtocolError> {
        let call: HostCall = parse("host call", bytes)?;
        check_schema("host call", &call.schema)?;
        call.query()
    }

    /// Checks the method and parameters.
    pub fn query(&self) -> Result<HostQuery, ProtocolError> {
        let params = if self.params.is_null() {
            serde_json::json!({})
        } else {
            self.params.clone()
        };
        let invalid = |source: serde_json::Error| ProtocolError::InvalidField {
            what: "host call",
            reason: format!("bad params for `{}`: {source}", self.method),
        };
        match self.method.as_str() {
            "book" => {
                let BookParams { encoding, fields } =
                    serde_json::from_value(params).map_err(invalid)?;
                Ok(HostQuery::Book {
                    encoding: BookEncoding::from_param(encoding.as_deref()),
                    fields: fields.map(CustomerFields::from_names),
                })
            }
            "book_at" => {
                let BookAtParams { date, encoding } =
                    serde_json::from_value(params).map_err(invalid)?;
                Ok(HostQuery::BookAt {
                    date,
                    encoding: BookEncoding::from_param(encoding.as_deref()),
                })
            }
            "customer_history" => {
                let HistoryParams { id } = serde_json::from_value(params).map_err(invalid)?;
                Ok(HostQuery::CustomerHistory { id })
            }
            "changes" => {
                let ChangesParams {
                    since,
                    until,
                    fields,
                    contacts,
                    trailers,
                } = serde_json::from_value(params).map_err(invalid)?;
                Ok(HostQuery::Changes {
                    since,
                    until,
                    filter: ChangeFilter {
                        fields,
                        contacts,
                        trailers,
                    },
                })
            }
            "last_contacts" => {
                let LastContactsParams {
                    since,
                    until,
                    encoding,
                } = serde_json::from_value(params).map_err(invalid)?;
                Ok(HostQuery::LastContacts {
                    since,
                    until,
                    binary: encoding.as_deref() == Some(CONTACTS_BINARY),
                })
            }
            "rules_at" => {
                let RulesParams { rev } = serde_json::from_value(params).map_err(invalid)?;
                if rev.as_deref().is_some_and(|r| r.trim().is_empty()) {
                    return Err(ProtocolError::InvalidField {
                        what: "host call",
                        reason: "bad params for `rules_at`: `rev` is empty".to_owned(),
                    });
                }
                Ok(HostQuery::RulesAt { rev })
            }
            other => Err(ProtocolError::InvalidField {
                what: "host call",
                reason: format!(
                    "unknown method `{other}` (known: book, book_at, customer_history, changes, last_contacts, rules_at)"
                ),
            }),
        }
    }
}

/// The answer to a `rules_at` call: one version of the book's policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The revision asked for, as given; `None` for the book's own.
    #[serde(default)]
    pub rev: Option<String>,
    /// The git blob id of that `kehu.toml` (hex), when the host knows it
    /// (the file may be uncommitted).
    #[serde(default)]
    pub blob: Option<String>,
    /// The file's text, exactly as stored.
    pub text: String,
}

impl Rules {
    /// A `rules_at` answer.
    pub fn new(rev: Option<String>, blob: Option<String>, text: String) -> Rules {
        Rules {
            schema: SCHEMA.to_owned(),
            rev,
            blob,
            text,
        }
    }

    /// Encodes the answer (the host side).
    pub fn to_json(&self) -> Vec<u8> {
        // Strings only: always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads and checks a `rules_at` answer (the plugin side).
    pub fn from_json(bytes: &[u8]) -> Result<Rules, ProtocolError> {
        let rules: Rules = parse("rules", bytes)?;
        check_schema("rules", &rules.schema)?;
        Ok(rules)
    }
}

/// The answer to a `book` call, as the plugin reads it.
///
/// `config` is the book's `kehu.toml` as JSON; it stays untyped here so the
/// policy can grow without a protocol change (a plugin deserializes the part
/// it needs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Book {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The day the book was read as of.
    pub as_of: Date,
    /// `kehu.toml` as JSON.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Every customer, in id order.
    pub customers: Vec<Customer>,
}

/// A `book` answer with its customers still raw, so they can be decoded in
/// parallel.
#[derive(Deserialize)]
struct RawBook<'a> {
    schema: String,
    as_of: Date,
    #[serde(default)]
    config: serde_json::Value,
    #[serde(borrow)]
    customers: Vec<&'a serde_json::value::RawValue>,
}

impl Book {
    /// Reads a `book` or `book_at` answer in either encoding (the plugin
    /// side): binary when it starts with the binary magic, else JSON.
    pub fn from_answer(bytes: &[u8]) -> Result<Book, ProtocolError> {
        if crate::binary_book::is_binary(bytes) {
            crate::binary_book::decode(bytes)
        } else {
            Book::from_json(bytes)
        }
    }

    /// Reads and checks a JSON `book` answer (the plugin side). Customers
    /// are decoded in parallel.
    pub fn from_json(bytes: &[u8]) -> Result<Book, ProtocolError> {
        let raw: RawBook<'_> = parse("book", bytes)?;
        check_schema("book", &raw.schema)?;
        let customers = raw
            .customers
            .par_iter()
            .map(|customer| serde_json::from_str::<Customer>(customer.get()))
            .collect::<Result<Vec<Customer>, _>>()
            .map_err(|source| ProtocolError::InvalidJson {
                what: "book customer",
                source,
            })?;
        Ok(Book {
            schema: raw.schema,
            as_of: raw.as_of,
            config: raw.config,
            customers,
        })
    }
}

pub use crate::binary_book::encode as encode_book_binary;
pub use crate::binary_book::encode_draining as encode_book_binary_draining;
pub use crate::fields::CustomerFields;

/// Customers per chunk when encoding a book in parallel.
const ENCODE_CHUNK: usize = 2048;

/// Encodes the answer to a `book` call from the host's own data, without
/// copying the customers: `config` is anything that serializes to
/// `kehu.toml`'s JSON form (`kehu_core::Config`), `customers` the customers
/// in id order, e.g. `book.customers.iter().map(|c| &c.customer)`.
///
/// The customers are serialized in parallel chunks and joined, so a large
/// book costs the host a fraction of its load time.
pub fn encode_book<'a, C, I>(
    as_of: Date,
    config: &C,
    customers: I,
) -> Result<Vec<u8>, serde_json::Error>
where
    C: Serialize,
    I: IntoIterator<Item = &'a Customer>,
{
    let customers: Vec<&Customer> = customers.into_iter().collect();
    let chunks = customers
        .par_chunks(ENCODE_CHUNK)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 512);
            for (i, customer) in chunk.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, customer)?;
            }
            Ok(out)
        })
        .collect::<Result<Vec<Vec<u8>>, serde_json::Error>>()?;
    let mut out = Vec::with_capacity(chunks.iter().map(Vec::len).sum::<usize>() + 4096);
    out.extend_from_slice(b"{\"schema\":");
    serde_json::to_writer(&mut out, SCHEMA)?;
    out.extend_from_slice(b",\"as_of\":");
    serde_json::to_writer(&mut out, &as_of)?;
    out.extend_from_slice(b",\"config\":");
    serde_json::to_writer(&mut out, config)?;
    out.extend_from_slice(b",\"customers\":[");
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn requests_round_trip() {
        let mut request = Request::new("classify", vec!["--apply".into()], day("2026-11-18"));
        request.color = true;
        request.book_dir = Some("/books/acme".into());
        let back = Request::from_json(&request.to_json()).unwrap();
        assert_eq!(back, request);
        let text = String::from_utf8(request.to_json()).unwrap();
        assert!(text.contains(r#""as_of":"2026-11-18""#), "{text}");
    }

    #[test]
    fn write_modes_have_the_documented_json() {
        let text = |mode: WriteMode| serde_json::to_string(&mode).unwrap();
        assert_eq!(text(WriteMode::Apply), r#""apply""#);
        assert_eq!(text(WriteMode::DryRun), r#""dry-run""#);
        assert_eq!(
            text(WriteMode::Branch("regrade".into())),
            r#"{"branch":"regrade"}"#
        );
    }

    #[test]
    fn a_minimal_response_is_enough() {
        let response =
            Response::from_json(br#"{"schema":"kehu.plugin/1","stdout":"hi\n"}"#).unwrap();
        assert_eq!(response.stdout, "hi\n");
        assert_eq!(response.exit_code, 0);
        assert_eq!(response.mode, WriteMode::Apply);
        assert!(response.changeset.is_none());
    }

    #[test]
    fn bad_responses_are_typed_errors() {
        assert!(matches!(
            Response::from_json(b"not json"),
            Err(ProtocolError::InvalidJson {
                what: "response",
                ..
            })
        ));
        assert!(matches!(
            Response::from_json(br#"{"schema":"kehu.plugin/2"}"#),
            Err(ProtocolError::WrongSchema { found, .. }) if found == "kehu.plugin/2"
        ));
        assert!(matches!(
            Response::from_json(br#"{"schema":"kehu.plugin/1","exit_code":300}"#),
            Err(ProtocolError::InvalidField { .. })
        ));
        assert!(matches!(
            Response::from_json(br#"{"schema":"kehu.plugin/1","mode":{"branch":" "}}"#),
            Err(ProtocolError::InvalidField { .. })
        ));
        assert!(Response::from_json(br#"{"exit_code":0}"#).is_err());
    }

    #[test]
    fn host_calls_parse_into_queries() {
        let queries = [
            HostQuery::Book {
                encoding: BookEncoding::Json,
                fields: None,
            },
            HostQuery::Book {
                encoding: BookEncoding::Binary,
                fields: None,
            },
            HostQuery::Book {
                encoding: BookEncoding::Binary,
                fields: Some(CustomerFields::new(["name", "grade.tier"]).unwrap()),
            },
            HostQuery::BookAt {
                date: day("2026-06-30"),
                encoding: BookEncoding::Json,
            },
            HostQuery::BookAt {
                date: day("2026-06-30"),
                encoding: BookEncoding::Binary,
            },
            HostQuery::CustomerHistory { id: "acme".into() },
            HostQuery::Changes {
                since: Some(day("2026-01-01")),
                until: None,
                filter: ChangeFilter::default(),
            },
            HostQuery::Changes {
                since: None,
                until: Some(day("2026-06-30")),
                filter: ChangeFilter::fields(["grade.tier", "contact.last"]).contacts(),
            },
            HostQuery::Changes {
                since: None,
                until: None,
                filter: ChangeFilter::fields(["contact.last"]).trailers(["Kehu-Complaint"]),
            },
            HostQuery::LastContacts {
                since: Some(day("2026-01-01")),
                until: Some(day("2026-06-30")),
                binary: false,
            },
            HostQuery::LastContacts {
                since: None,
                until: Some(day("2026-06-30")),
                binary: true,
            },
            HostQuery::RulesAt { rev: None },
            HostQuery::RulesAt {
                rev: Some("main~3".into()),
            },
        ];
        for query in queries {
            assert_eq!(
                HostCall::parse(&HostCall::new(&query).to_json()).unwrap(),
                query
            );
        }
        let unknown = br#"{"schema":"kehu.plugin/1","method":"rm_rf","params":{}}"#;
        let error = HostCall::parse(unknown).unwrap_err().to_string();
        assert!(error.contains("unknown method `rm_rf`"), "{error}");
        let bad_id = br#"{"schema":"kehu.plugin/1","method":"customer_history","params":{"id":3}}"#;
        assert!(HostCall::parse(bad_id).is_err());
        let bad_day =
            br#"{"schema":"kehu.plugin/1","method":"changes","params":{"since":"2026-02-30"}}"#;
        assert!(HostCall::parse(bad_day).is_err());
        // A plain `changes` call carries no filter keys (older hosts refuse
        // unknown parameters); a call from an older plugin still parses.
        let plain = HostCall::new(&HostQuery::Changes {
            since: None,
            until: None,
            filter: ChangeFilter::default(),
        });
        assert_eq!(
            plain.params,
            serde_json::json!({"since": null, "until": null})
        );
        let old =
            br#"{"schema":"kehu.plugin/1","method":"changes","params":{"since":"2026-01-01"}}"#;
        assert!(matches!(
            HostCall::parse(old).unwrap(),
            HostQuery::Changes { filter, .. } if filter.is_everything()
        ));
        let bad_fields =
            br#"{"schema":"kehu.plugin/1","method":"changes","params":{"fields":"grade.tier"}}"#;
        assert!(HostCall::parse(bad_fields).is_err());
        // A plain book call is what older plugins send; an encoding this
        // host does not know is answered in JSON.
        let plain = HostCall::new(&HostQuery::Book {
            encoding: BookEncoding::Json,
            fields: None,
        });
        assert_eq!(plain.params, serde_json::json!({}));
        let future = br#"{"schema":"kehu.plugin/1","method":"book","params":{"encoding":"kehu-book-bin/9"}}"#;
        assert_eq!(
            HostCall::parse(future).unwrap(),
            HostQuery::Book {
                encoding: BookEncoding::Json,
                fields: None,
            }
        );
        // Fields a newer plugin names that this host does not know are
        // read, and match no field.
        let newer = br#"{"schema":"kehu.plugin/1","method":"book","params":{"fields":["name","grade.mood"]}}"#;
        let HostQuery::Book {
            fields: Some(fields),
            ..
        } = HostCall::parse(newer).unwrap()
        else {
            panic!("a book call with fields");
        };
        assert_eq!(fields.names(), ["name", "grade.mood"]);
        assert!(fields.keeps("name") && !fields.keeps("grade.tier"));
        let no_date = br#"{"schema":"kehu.plugin/1","method":"book_at","params":{}}"#;
        assert!(HostCall::parse(no_date).is_err());
        let empty_rev = br#"{"schema":"kehu.plugin/1","method":"rules_at","params":{"rev":""}}"#;
        assert!(HostCall::parse(empty_rev).is_err());
        let no_params = br#"{"schema":"kehu.plugin/1","method":"rules_at"}"#;
        assert_eq!(
            HostCall::parse(no_params).unwrap(),
            HostQuery::RulesAt { rev: None }
        );
    }

    #[test]
    fn change_filters_keep_what_they_name() {
        let events = serde_json::json!([
            {"commit": {"kind": "contact", "trailers": [["Kehu-Contact", "call"]]},
             "customers": [{"id": "a", "fields": [{"field": "contact.last", "old": null, "new": "2026-11-18"},
                                                  {"field": "grade.pipeline", "old": "C", "new": "B"}]},
                           {"id": "b", "fields": []}]},
            {"commit": {"kind": "edit", "trailers": []},
             "customers": [{"id": "c", "fields": [{"field": "metrics.referral", "old": "likely", "new": "possible"}]},
                           {"id": "d", "old_id": "dd", "fields": []}]},
            {"commit": {"kind": "import", "trailers": [["Kehu-Command", "import"]]},
             "customers": [{"id": "e", "fields": [{"field": "contact.last", "old": "2026-01-01", "new": "2026-02-01"},
                                                  {"field": "metrics.revenue_12m", "old": 1.0, "new": 2.0}]}]}
        ]);
        let ids = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .flat_map(|e| e["customers"].as_array().unwrap().iter())
                .map(|c| {
                    let fields: Vec<&str> = c["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| f["field"].as_str().unwrap())
                        .collect();
                    format!("{}:{}", c["id"].as_str().unwrap(), fields.join(","))
                })
                .collect()
        };
        assert_eq!(ChangeFilter::default().apply(events.clone()), events);
        let revenue = ChangeFilter::fields(["metrics.revenue_12m"]).apply(events.clone());
        assert_eq!(ids(&revenue), ["d:", "e:metrics.revenue_12m"]);
        let contacts = ChangeFilter::fields(["contact.last"])
            .contacts()
            .apply(events.clone());
        assert_eq!(
            ids(&contacts),
            ["a:contact.last", "b:", "d:", "e:contact.last"]
        );
        let imports = ChangeFilter::default()
            .trailers(["kehu-command"])
            .apply(events.clone());
        assert_eq!(ids(&imports), ["e:contact.last,metrics.revenue_12m"]);
        let contact_trailer = ChangeFilter::fields(["contact.last"])
            .trailers(["Kehu-Contact"])
            .apply(events.clone());
        assert_eq!(ids(&contact_trailer), ["a:contact.last"]);
        let all_contact_fields = ChangeFilter::default().contacts().apply(events);
        assert_eq!(
            ids(&all_contact_fields),
            [
                "a:contact.last,grade.pipeline",
                "b:",
                "d:",
                "e:contact.last,metrics.revenue_12m"
            ]
        );
    }

    #[test]
    fn last_contacts_answers_round_trip() {
        let answer = LastContacts {
            schema: SCHEMA.to_owned(),
            customers: vec![LoggedContact {
                id: "acme".into(),
                contact: Some(day("2026-11-18")),
                field: Some(ContactWrite {
                    value: None,
                    bookkeeping: true,
                }),
            }],
        };
        assert_eq!(LastContacts::from_json(&answer.to_json()).unwrap(), answer);
        assert!(LastContacts::from_json(br#"{"schema":"kehu.plugin/2","customers":[]}"#).is_err());
    }

    #[test]
    fn rules_answers_round_trip() {
        let rules = Rules::new(
            Some("v1".into()),
            Some("ab12".into()),
            "[abc]\na = 0.8\n".into(),
        );
        assert_eq!(Rules::from_json(&rules.to_json()).unwrap(), rules);
        assert!(Rules::from_json(br#"{"schema":"kehu.plugin/2","text":""}"#).is_err());
    }

    #[test]
    fn books_encode_on_the_host_and_decode_on_the_plugin() {
        let customers = vec![Customer {
            id: "acme".into(),
            name: "ACME".into(),
            stage: "won".into(),
            ..Customer::default()
        }];
        let config = serde_json::json!({"tiers": [{"name": "strategic"}]});
        let bytes = encode_book(day("2026-11-18"), &config, &customers).unwrap();
        let book = Book::from_json(&bytes).unwrap();
        assert_eq!(book.customers, customers);
        assert_eq!(book.config, config);
        assert_eq!(book.as_of, day("2026-11-18"));

        let bad = br#"{"schema":"kehu.plugin/1","as_of":"2026-11-18","customers":[{"id":"x","since":"2026-02-30"}]}"#;
        let error = Book::from_json(bad).unwrap_err().to_string();
        assert!(error.starts_with("invalid book customer JSON"), "{error}");
        assert!(
            Book::from_json(br#"{"schema":"kehu.plugin/2","as_of":"2026-11-18","customers":[]}"#)
                .is_err()
        );
    }

    #[test]
    fn large_and_empty_books_join_their_chunks_correctly() {
        for count in [0, 1, ENCODE_CHUNK, ENCODE_CHUNK + 1, 3 * ENCODE_CHUNK + 7] {
            let customers: Vec<Customer> = (0..count)
                .map(|i| Customer {
                    id: format!("c{i:05}"),
                    stage: "lead".into(),
                    ..Customer::default()
                })
                .collect();
            let bytes = encode_book(day("2026-11-18"), &serde_json::json!({}), &customers).unwrap();
            let book = Book::from_json(&bytes).unwrap();
            assert_eq!(book.customers, customers, "{count} customers");
        }
    }
}
