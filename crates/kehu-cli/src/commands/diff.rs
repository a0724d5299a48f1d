//! `kehu diff REV1 [REV2]` (or `REV1..REV2`): what changed in the book
//! between two revisions, field by field — customers added, removed and
//! renamed, each field old → new, multi-line text as a line diff — for
//! auditors who would rather not read TOML diffs. `A...B` diffs from the
//! common ancestor of A and B: a review branch's own changes, as a pull
//! request shows them, however far `main` has moved since.

use std::io::Write;

use anyhow::{Context as _, bail};
use kehu_git::{BookDiff, CustomerChange, FieldChange, Status};
use serde::Serialize;
use serde_json::{Map, Value};
use similar::{ChangeTag, TextDiff};

use crate::cli::DiffArgs;
use crate::commands::audit;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{self, Format, JSON_SCHEMA, Table};
use crate::session;

/// Prints the diff.
pub fn run(context: &mut Context, args: DiffArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &audit::FORMATS)?;
    let repo = audit::open(context)?;
    let (from, to) = match symmetric(&args)? {
        Some((a, b)) => (repo.merge_base(&a, &b)?, b),
        None => revisions(&args)?,
    };
    let history = repo.history();
    let diff = history.diff(&from, &to)?;
    let mut out = std::io::stdout().lock();
    render(&mut out, &diff, format, context.color).context("writing to stdout")?;
    Ok(Outcome::Clean)
}

/// `A...B` (either side defaulting to HEAD): the two revisions whose common
/// ancestor the diff starts from; `None` for any other form.
pub fn symmetric(args: &DiffArgs) -> anyhow::Result<Option<(String, String)>> {
    let Some((a, b)) = args.from.split_once("...") else {
        return Ok(None);
    };
    if args.to.is_some() {
        bail!("give either `A...B` or two revisions, not both");
    }
    let or_head = |rev: &str| if rev.is_empty() { "HEAD" } else { rev }.to_owned();
    Ok(Some((or_head(a), or_head(b))))
}

/// The two revisions asked for: `A B`, `A..B`, `A..` (to HEAD) or `A` (to HEAD).
pub fn revisions(args: &DiffArgs) -> anyhow::Result<(String, String)> {
    if let Some((a, b)) = args.from.split_once("..") {
        if b.starts_with('.') {
            bail!("`{}`: kehu diff takes `A..B`, not `A...B`", args.from);
        }
        if args.to.is_some() {
            bail!("give either `A..B` or two revisions, not both");
        }
        let a = if a.is_empty() { "HEAD" } else { a };
        let b = if b.is_empty() { "HEAD" } else { b };
        return Ok((a.to_owned(), b.to_owned()));
    }
    Ok((
        args.from.clone(),
        args.to.clone().unwrap_or_else(|| "HEAD".to_owned()),
    ))
}

/// One field's change in JSON: old, new and, for multi-line text, a unified diff.
#[derive(Serialize)]
struct JsonField<'a> {
    field: &'a str,
    old: Option<&'a Value>,
    new: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_diff: Option<String>,
}

/// Writes the diff in `format`.
pub fn render(
    out: &mut dyn Write,
    diff: &BookDiff,
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    if format == Format::Json {
        return output::write_json(out, &json(diff)?);
    }
    let mut table = Table::new(["customer", "change", "field", "old", "new"]);
    if diff.rules_changed {
        table.push([
            Value::from("kehu.toml"),
            Value::from("modified"),
            Value::Null,
            Value::Null,
            Value::Null,
        ]);
    }
    for change in &diff.customers {
        push_change(&mut table, change, format);
    }
    if format == Format::Table && table.rows.is_empty() {
        return writeln!(
            out,
            "no changes to the book between {} and {}",
            session::short(&diff.from),
            session::short(&diff.to)
        );
    }
    table.write(out, format, "changes", color)
}

fn json(diff: &BookDiff) -> std::io::Result<Value> {
    let mut doc = Map::new();
    doc.insert("schema".into(), Value::from(JSON_SCHEMA));
    doc.insert("from".into(), Value::from(diff.from.clone()));
    doc.insert("to".into(), Value::from(diff.to.clone()));
    doc.insert("rules_changed".into(), Value::from(diff.rules_changed));
    let mut customers = Vec::with_capacity(diff.customers.len());
    for change in &diff.customers {
        let mut object = match serde_json::to_value(change).map_err(std::io::Error::other)? {
            Value::Object(object) => object,
            _ => Map::new(),
        };
        let fields: Vec<JsonField<'_>> = change
            .fields
            .iter()
            .map(|f| JsonField {
                field: &f.field,
                old: f.old.as_ref(),
                new: f.new.as_ref(),
                text_diff: multi_line(f).map(|(a, b)| {
                    TextDiff::from_lines(a, b)
                        .unified_diff()
                        .context_radius(2)
                        .to_string()
                }),
            })
            .collect();
        object.insert(
            "fields".into(),
            serde_json::to_value(fields).map_err(std::io::Error::other)?,
        );
        customers.push(Value::Object(object));
    }
    doc.insert("customers".into(), Value::Array(customers));
    Ok(Value::Object(doc))
}

/// The rows of one customer: one for an added or removed customer, else one
/// per field (a rename first).
fn push_change(table: &mut Table, change: &CustomerChange, format: Format) {
    let id = Value::from(change.id.clone());
    let name = |side: fn(&FieldChange) -> Option<&Value>| {
        audit::value_cell(change.field("name").and_then(side))
    };
    match change.status {
        Status::Added => {
            table.push([
                id,
                Value::from("added"),
                Value::from("name"),
                Value::Null,
                name(|f| f.new.as_ref()),
            ]);
            return;
        }
        Status::Removed => {
            table.push([
                id,
                Value::from("removed"),
                Value::from("name"),
                name(|f| f.old.as_ref()),
                Value::Null,
            ]);
            return;
        }
        Status::Renamed => table.push([
            id.clone(),
            Value::from("renamed"),
            Value::from("id"),
            Value::from(change.old_id.clone().unwrap_or_default()),
            id.clone(),
        ]),
        Status::Modified => {}
    }
    for field in &change.fields {
        if field.field == "id" && change.status == Status::Renamed {
            continue;
        }
        let (old, new) = match multi_line(field) {
            Some((a, b)) => {
                let (old, new) = changed_lines(a, b, format);
                (Value::from(old), Value::from(new))
            }
            None => (
                audit::value_cell(field.old.as_ref()),
                audit::value_cell(field.new.as_ref()),
            ),
        };
        table.push([
            id.clone(),
            Value::from("modified"),
            Value::from(field.field.clone()),
            old,
            new,
        ]);
    }
}

/// Both sides of a change of text where either side spans lines.
fn multi_line(field: &FieldChange) -> Option<(&str, &str)> {
    let (a, b) = (text(field.old.as_ref())?, text(field.new.as_ref())?);
    (a.contains('\n') || b.contains('\n')).then_some((a, b))
}

/// A side of a text change: absent is empty text; `None` when not text.
fn text(value: Option<&Value>) -> Option<&str> {
    match value {
        None => Some(""),
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => None,
    }
}

/// The lines that left (`- …`) and the lines that came (`+ …`), by a line
/// diff; lines on one side separated by newlines (by ` ⏎ ` in Markdown,
/// whose cells are one line).
fn changed_lines(old: &str, new: &str, format: Format) -> (String, String) {
    let diff = TextDiff::from_lines(old, new);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches(['\n', '\r']);
        match change.tag() {
            ChangeTag::Delete => removed.push(format!("- {line}")),
            ChangeTag::Insert => added.push(format!("+ {line}")),
            ChangeTag::Equal => {}
        }
    }
    let separator = if format == Format::Markdown {
        " ⏎ "
    } else {
        "\n"
    };
    (removed.join(separator), added.join(separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &str, to: Option<&str>) -> DiffArgs {
        DiffArgs {
            from: from.to_owned(),
            to: to.map(str::to_owned),
        }
    }

    #[test]
    fn reads_revision_ranges() {
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            revisions(&args("HEAD~2", None)).unwrap(),
            pair("HEAD~2", "HEAD")
        );
        assert_eq!(revisions(&args("a", Some("b"))).unwrap(), pair("a", "b"));
        assert_eq!(revisions(&args("a..b", None)).unwrap(), pair("a", "b"));
        assert_eq!(revisions(&args("a..", None)).unwrap(), pair("a", "HEAD"));
        assert!(revisions(&args("a...b", None)).is_err());
        assert!(revisions(&args("a..b", Some("c"))).is_err());
        assert_eq!(
            symmetric(&args("main...review", None)).unwrap(),
            Some(pair("main", "review"))
        );
        assert_eq!(
            symmetric(&args("main...", None)).unwrap(),
            Some(pair("main", "HEAD"))
        );
        assert_eq!(symmetric(&args("a..b", None)).unwrap(), None);
        assert!(symmetric(&args("a...b", Some("c"))).is_err());
    }

    #[test]
    fn multi_line_text_shows_only_the_changed_lines() {
        let (old, new) = changed_lines("one\ntwo\nthree\n", "one\n2\nthree\nfour\n", Format::Table);
        assert_eq!(old, "- two");
        assert_eq!(new, "+ 2\n+ four");
    }
}
