//! Format-preserving edits of customer files, atomic writes, and new files
//! from the customer template.
//!
//! A person owns the layout of a customer file: comments, blank lines and key
//! order stay exactly as written, and setting a field rewrites only that
//! field's line (DESIGN §1: "a regrade is a one-line diff"). Missing keys and
//! tables are inserted where the canonical order of DESIGN §1 puts them.
//!
//! Values arrive as JSON (the shape a [`crate::FieldEdit`] carries across the
//! plugin boundary) and become TOML with a few rules a JSON value alone cannot
//! express: date fields become TOML local dates, money and scores stay floats,
//! counts stay integers, and a float stays a float where the file had one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Key, Table, TableLike, Value};

/// The canonical keys of a customer file, per table (`""` is the top level),
/// in the order DESIGN §1 lists them. Keys not listed keep their place and new
/// unknown keys go last.
const CANONICAL_KEYS: &[(&str, &[&str])] = &[
    ("", &crate::model::TOP_LEVEL_KEYS),
    (
        "grade",
        &[
            "tier", "abc", "rfm", "pipeline", "loyalty", "risk", "pinned",
        ],
    ),
    (
        "metrics",
        &[
            "revenue_12m",
            "revenue_total",
            "orders_total",
            "orders_12m",
            "first_order",
            "last_order",
            "satisfaction",
            "repurchase",
            "referral",
        ],
    ),
    ("contact", &["last", "channel"]),
];

/// The canonical order of the tables of a customer file.
const CANONICAL_TABLES: &[&str] = &["grade", "metrics", "contact"];

/// Fields written as TOML local dates (a `YYYY-MM-DD` string becomes a date).
const DATE_FIELDS: &[&str] = &[
    "since",
    "expected_close",
    "metrics.first_order",
    "metrics.last_order",
    "contact.last",
];

/// Fields that are floats in the model: an integer value is written as a float.
const FLOAT_FIELDS: &[&str] = &[
    "metrics.revenue_12m",
    "metrics.revenue_total",
    "metrics.satisfaction",
    "metrics.repurchase",
];

/// Fields that are integers in the model: a whole float is written as an integer.
const INTEGER_FIELDS: &[&str] = &["metrics.orders_total", "metrics.orders_12m"];

/// The customer template shipped in `templates/customer.toml`, for `kehu new`
/// when the book has no template of its own.
pub const DEFAULT_CUSTOMER_TEMPLATE: &str = include_str!("../../../templates/customer.toml");

/// Why an edit could not be applied. Every variant names the field it concerns.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file (or template) is not valid TOML.
    #[error("not valid TOML: {message}")]
    Parse {
        /// The parser's message, which includes the line and column.
        message: String,
    },
    /// The dotted field path is empty or has an empty part (`grade..tier`).
    #[error("`{field}` is not a field path (expected e.g. `grade.tier`)")]
    BadPath {
        /// The path as given.
        field: String,
    },
    /// A part of the path names a value, not a table (`owner.x` when `owner` is a string).
    #[error("cannot set `{field}`: `{parent}` is a value, not a table")]
    NotATable {
        /// The path as given.
        field: String,
        /// The prefix that is not a table.
        parent: String,
    },
    /// The value cannot be written to this field.
    #[error("cannot set `{field}` to {value}: {reason}")]
    BadValue {
        /// The path as given.
        field: String,
        /// The JSON value, rendered.
        value: String,
        /// Why not.
        reason: String,
    },
    /// A template placeholder was left without a value and its key could not be removed.
    #[error("template placeholder `{{{{{name}}}}}` in `{field}` has no value")]
    UnfilledPlaceholder {
        /// The placeholder name.
        name: String,
        /// Where it sits.
        field: String,
    },
}

/// Applies field edits to a customer file's text and returns the new text.
///
/// Each edit is a dotted field path (`owner`, `grade.tier`,
/// `metrics.revenue_12m`) and a JSON value; `null` removes the key. Only the
/// lines of the changed fields (and of newly inserted keys and tables) change;
/// a byte-order mark and CRLF line ends are kept. Edits apply in order, so a
/// later edit of the same field wins.
pub fn apply_edits<'a, I>(text: &str, edits: I) -> Result<String, EditError>
where
    I: IntoIterator<Item = (&'a str, &'a serde_json::Value)>,
{
    let (bom, body, crlf) = split_text(text);
    let mut doc = parse(&body)?;
    for (field, value) in edits {
        apply_one(&mut doc, field, value)?;
    }
    Ok(join_text(bom, &doc.to_string(), crlf))
}

/// Applies the edits of a [`crate::Changeset`] that concern one customer.
pub fn apply_field_edits(
    text: &str,
    customer: &str,
    edits: &[crate::FieldEdit],
) -> Result<String, EditError> {
    apply_edits(
        text,
        edits
            .iter()
            .filter(|e| e.customer == customer)
            .map(|e| (e.field.as_str(), &e.value)),
    )
}

/// Splits off a BOM, notes whether line ends are CRLF (most of them), and
/// returns the text with LF line ends for the TOML editor.
pub(crate) fn split_text(text: &str) -> (bool, String, bool) {
    let (bom, rest) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let crlf_count = rest.matches("\r\n").count();
    let lf_count = rest.matches('\n').count();
    let crlf = crlf_count > 0 && crlf_count * 2 >= lf_count;
    if crlf {
        (bom, rest.replace("\r\n", "\n"), true)
    } else {
        (bom, rest.to_owned(), false)
    }
}

/// Puts back what [`split_text`] took off: the BOM and CRLF line ends.
pub(crate) fn join_text(bom: bool, body: &str, crlf: bool) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    if bom {
        out.push('\u{feff}');
    }
    if crlf {
        out.push_str(&body.replace('\n', "\r\n"));
    } else {
        out.push_str(body);
    }
    out
}

/// Parses a customer file (LF line ends) for editing.
pub(crate) fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>().map_err(|e| EditError::Parse {
        message: e.to_string().trim_end().to_owned(),
    })
}

fn split_path(field: &str) -> Result<Vec<&str>, EditError> {
    let parts: Vec<&str> = field.split('.').collect();
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err(EditError::BadPath {
            field: field.to_owned(),
        });
    }
    Ok(parts)
}

fn apply_one(
    doc: &mut DocumentMut,
    field: &str,
    value: &serde_json::Value,
) -> Result<(), EditError> {
    let parts = split_path(field)?;
    if value.is_null() {
        return remove_at(doc, &parts, field);
    }
    set_at(doc, &parts, field, |old| to_toml(field, value, old))
}

/// Removes the key at `parts` (a missing key or table is not an error).
/// `field` names the path in errors.
pub(crate) fn remove_at(
    doc: &mut DocumentMut,
    parts: &[&str],
    field: &str,
) -> Result<(), EditError> {
    let Some((leaf, parents)) = parts.split_last() else {
        return Err(EditError::BadPath {
            field: field.to_owned(),
        });
    };
    if let Some(table) = find_table(doc, parents, field)? {
        table.remove(leaf);
    }
    Ok(())
}

/// Sets the key at `parts` to the value `make` builds from the old one (if
/// any): an existing key keeps its comments and place, a new key goes where
/// the canonical order puts it, creating its tables. `field` names the path
/// in errors.
pub(crate) fn set_at(
    doc: &mut DocumentMut,
    parts: &[&str],
    field: &str,
    make: impl FnOnce(Option<&Value>) -> Result<Value, EditError>,
) -> Result<(), EditError> {
    let Some((leaf, parents)) = parts.split_last() else {
        return Err(EditError::BadPath {
            field: field.to_owned(),
        });
    };
    ensure_tables(doc, parents, field)?;
    let table = find_table(doc, parents, field)?.ok_or_else(|| EditError::NotATable {
        field: field.to_owned(),
        parent: parents.join("."),
    })?;
    let table_path = parents.join(".");
    match table.get_mut(leaf) {
        Some(Item::Value(old)) => {
            let mut new = make(Some(old))?;
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        Some(item @ Item::None) => {
            *item = Item::Value(make(None)?);
        }
        Some(_) => {
            return Err(EditError::BadValue {
                field: field.to_owned(),
                value: make(None).map(|v| v.to_string()).unwrap_or_default(),
                reason: "the file has a table there".to_owned(),
            });
        }
        None => {
            let new = make(None)?;
            insert_in_order(table, &table_path, leaf, Item::Value(new));
        }
    }
    Ok(())
}

/// Walks `parents` from the document root; `Ok(None)` when a table is missing.
fn find_table<'d>(
    doc: &'d mut DocumentMut,
    parents: &[&str],
    field: &str,
) -> Result<Option<&'d mut dyn TableLike>, EditError> {
    let mut current: &mut dyn TableLike = doc.as_table_mut();
    for (depth, part) in parents.iter().enumerate() {
        match current.get_mut(part) {
            None => return Ok(None),
            Some(item) => match item.as_table_like_mut() {
                Some(table) => current = table,
                None => {
                    return Err(EditError::NotATable {
                        field: field.to_owned(),
                        parent: parents[..=depth].join("."),
                    });
                }
            },
        }
    }
    Ok(Some(current))
}

/// Creates the missing tables along `parents`. A missing top-level table is a
/// `[header]` table placed in canonical order; deeper ones are sub-tables.
fn ensure_tables(doc: &mut DocumentMut, parents: &[&str], field: &str) -> Result<(), EditError> {
    for depth in 0..parents.len() {
        let prefix = &parents[..depth];
        let name = parents[depth];
        let exists = {
            let parent = find_table(doc, prefix, field)?.ok_or_else(|| EditError::NotATable {
                field: field.to_owned(),
                parent: prefix.join("."),
            })?;
            parent.contains_key(name)
        };
        if exists {
            continue;
        }
        if depth == 0 {
            insert_top_table(doc, name);
        } else {
            let parent = find_table(doc, prefix, field)?.ok_or_else(|| EditError::NotATable {
                field: field.to_owned(),
                parent: prefix.join("."),
            })?;
            let mut table = Table::new();
            table.decor_mut().set_prefix("\n");
            parent.insert(name, Item::Table(table));
        }
    }
    Ok(())
}

/// Inserts an empty `[name]` table where the canonical table order puts it:
/// before the first existing table that canonically follows it, else last.
fn insert_top_table(doc: &mut DocumentMut, name: &str) {
    let rank = CANONICAL_TABLES.iter().position(|t| *t == name);
    let mut before: Option<isize> = None;
    let mut max_position: isize = 0;
    for (key, item) in doc.as_table().iter() {
        let Item::Table(table) = item else { continue };
        let Some(pos) = table.position() else {
            continue;
        };
        max_position = max_position.max(pos);
        let other = CANONICAL_TABLES.iter().position(|t| *t == key);
        if let (Some(mine), Some(theirs)) = (rank, other)
            && theirs > mine
            && before.is_none_or(|b| pos < b)
        {
            before = Some(pos);
        }
    }
    max_position = max_position.max(max_nested_position(doc.as_table()));
    let position = match before {
        Some(pos) => {
            shift_positions(doc.as_table_mut(), pos);
            pos
        }
        None => max_position + 1,
    };
    let mut table = Table::new();
    table.set_position(position);
    // A blank line before the header, unless the file is otherwise empty.
    if !doc.as_table().is_empty() || !doc.trailing().as_str().unwrap_or("").is_empty() {
        table.decor_mut().set_prefix("\n");
    }
    doc.as_table_mut().insert(name, Item::Table(table));
}

fn max_nested_position(table: &Table) -> isize {
    let mut max = table.position().unwrap_or(0);
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => max = max.max(max_nested_position(t)),
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    max = max.max(max_nested_position(t));
                }
            }
            _ => {}
        }
    }
    max
}

/// Adds one to every table position at or after `from`, to make room.
fn shift_positions(table: &mut Table, from: isize) {
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => {
                if let Some(pos) = t.position()
                    && pos >= from
                {
                    t.set_position(pos + 1);
                }
                shift_positions(t, from);
            }
            Item::ArrayOfTables(a) => {
                for t in a.iter_mut() {
                    if let Some(pos) = t.position()
                        && pos >= from
                    {
                        t.set_position(pos + 1);
                    }
                    shift_positions(t, from);
                }
            }
            _ => {}
        }
    }
}

/// Inserts a new key before the first existing key that canonically follows
/// it, keeping the order (and comments) of everything else.
fn insert_in_order(table: &mut dyn TableLike, table_path: &str, key: &str, item: Item) {
    let order = CANONICAL_KEYS
        .iter()
        .find(|(t, _)| *t == table_path)
        .map(|(_, keys)| *keys);
    let rank_of = |k: &str| order.and_then(|keys| keys.iter().position(|c| *c == k));
    let mut tail: Vec<String> = Vec::new();
    if let Some(mine) = rank_of(key) {
        let keys: Vec<String> = table
            .iter()
            .filter(|(_, item)| item.is_value())
            .map(|(k, _)| k.to_owned())
            .collect();
        if let Some(split) = keys
            .iter()
            .position(|k| rank_of(k).is_some_and(|theirs| theirs > mine))
        {
            tail = keys[split..].to_vec();
        }
    }
    // Sub-tables of this table are printed after its values anyway, so only
    // values need to move to open a slot.
    let mut moved: Vec<(Key, Item)> = Vec::with_capacity(tail.len());
    for k in &tail {
        let formatted = table.key(k).cloned();
        if let (Some(formatted), Some(item)) = (formatted, table.remove(k)) {
            moved.push((formatted, item));
        }
    }
    table.insert(key, item);
    for (formatted, item) in moved {
        table.entry_format(&formatted).or_insert(item);
    }
}

/// Converts a JSON value to the TOML value written for `field`, honouring the
/// date, float and integer rules and the kind of the value it replaces.
fn to_toml(
    field: &str,
    value: &serde_json::Value,
    old: Option<&Value>,
) -> Result<Value, EditError> {
    let bad = |reason: &str| EditError::BadValue {
        field: field.to_owned(),
        value: value.to_string(),
        reason: reason.to_owned(),
    };
    match value {
        serde_json::Value::Null => Err(bad("null cannot be written (it removes a key)")),
        serde_json::Value::Bool(b) => Ok(Value::from(*b)),
        serde_json::Value::String(s) => {
            if DATE_FIELDS.contains(&field) || old.is_some_and(Value::is_datetime) {
                let date: crate::Date = s.parse().map_err(|_| bad("not a YYYY-MM-DD date"))?;
                let parsed = date
                    .to_string()
                    .parse::<toml_edit::Datetime>()
                    .map_err(|_| bad("not a YYYY-MM-DD date"))?;
                Ok(Value::from(parsed))
            } else {
                Ok(Value::from(s.as_str()))
            }
        }
        serde_json::Value::Number(n) => {
            let want_float =
                FLOAT_FIELDS.contains(&field) || old.is_some_and(Value::is_float) || !is_whole(n);
            let want_int = INTEGER_FIELDS.contains(&field) || old.is_some_and(Value::is_integer);
            if let Some(i) = n.as_i64().filter(|_| !want_float) {
                return Ok(Value::from(i));
            }
            let f = n
                .as_f64()
                .ok_or_else(|| bad("not a representable number"))?;
            if !f.is_finite() {
                return Err(bad("not a finite number"));
            }
            if want_int && !FLOAT_FIELDS.contains(&field) && f.fract() == 0.0 && f.abs() < 9.0e15 {
                // A whole float for an integer field (e.g. a JSON `57.0`).
                #[allow(clippy::cast_possible_truncation)]
                return Ok(Value::from(f as i64));
            }
            Ok(Value::from(f))
        }
        serde_json::Value::Array(items) => {
            let mut array = Array::new();
            for (i, item) in items.iter().enumerate() {
                let inner = to_toml(&format!("{field}[{i}]"), item, None)?;
                array.push(inner);
            }
            array.fmt();
            Ok(Value::Array(array))
        }
        serde_json::Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                table.insert(k, to_toml(&format!("{field}.{k}"), v, None)?);
            }
            table.fmt();
            Ok(Value::InlineTable(table))
        }
    }
}

/// Whether a JSON number has no fraction (`57`, and also `57.0` as parsed).
fn is_whole(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64()
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target, so a reader (or a
/// crash) sees the old file or the new one, never half of it. An existing
/// file's permissions are kept.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let err = |source: io::Error| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let mut attempt = 0;
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = dir.join(format!(".{name}.kehu-tmp-{}-{n}", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(err(e)),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp_path, path)?;
        sync_dir(&dir);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(err(e));
    }
    Ok(())
}

/// Flushes a directory entry change (the rename) to disk where the platform
/// allows it; failure only weakens durability, never correctness.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// An atomic write failed; the target file is unchanged.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The file that was to be written.
    pub path: PathBuf,
    /// The underlying I/O error.
    #[source]
    pub source: io::Error,
}

/// What `kehu new` knows about a new customer. `None` fields are left out of
/// the file (their template lines are removed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewCustomer {
    /// The customer id (also the file stem).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Region id.
    pub region: Option<String>,
    /// Industry id.
    pub industry: Option<String>,
    /// Account manager id.
    pub owner: Option<String>,
    /// Funnel stage.
    pub stage: Option<String>,
    /// First day of the relationship.
    pub since: Option<crate::Date>,
}

/// Renders a new customer file from a template such as
/// [`DEFAULT_CUSTOMER_TEMPLATE`].
pub fn render_new_customer(template: &str, customer: &NewCustomer) -> Result<String, EditError> {
    let mut values = BTreeMap::new();
    values.insert("id".to_owned(), customer.id.clone().into());
    values.insert("name".to_owned(), customer.name.clone().into());
    let optional = [
        ("region", customer.region.clone()),
        ("industry", customer.industry.clone()),
        ("owner", customer.owner.clone()),
        ("stage", customer.stage.clone()),
        ("since", customer.since.map(|d| d.to_string())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            values.insert(key.to_owned(), value.into());
        }
    }
    render_template(template, &values)
}

/// Fills a template: every string value that is exactly `{{name}}` becomes
/// `values[name]` (converted like an edit of that field, so `since` becomes a
/// date); a placeholder without a value removes its key.
pub fn render_template(
    template: &str,
    values: &BTreeMap<String, serde_json::Value>,
) -> Result<String, EditError> {
    let (bom, body, crlf) = split_text(template);
    let doc = parse(&body)?;
    let mut placeholders = Vec::new();
    collect_placeholders(doc.as_table(), "", &mut placeholders);
    let null = serde_json::Value::Null;
    let edits: Vec<(String, &serde_json::Value)> = placeholders
        .into_iter()
        .map(|(field, name)| (field, values.get(&name).unwrap_or(&null)))
        .collect();
    let out = apply_edits(&body, edits.iter().map(|(f, v)| (f.as_str(), *v)))?;
    // Any placeholder left (e.g. inside an array) would reach the book: refuse.
    let check = parse(&out)?;
    let mut left = Vec::new();
    collect_placeholders(check.as_table(), "", &mut left);
    if let Some((field, name)) = left.into_iter().next() {
        return Err(EditError::UnfilledPlaceholder { name, field });
    }
    Ok(join_text(bom, &out, crlf))
}

fn placeholder_name(value: &Value) -> Option<String> {
    let s = value.as_str()?;
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    Some(inner.trim().to_owned())
}

fn collect_placeholders(table: &dyn TableLike, prefix: &str, out: &mut Vec<(String, String)>) {
    for (key, item) in table.iter() {
        let field = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        if let Some(value) = item.as_value()
            && let Some(name) = placeholder_name(value)
        {
            out.push((field, name));
            continue;
        }
        if let Some(inner) = item.as_table_like() {
            collect_placeholders(inner, &field, out);
        }
    }
}

#[cfg(test)]
mod tests;
