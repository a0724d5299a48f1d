//! `kehu blame ID`: for each field of a customer, the commit that last set
//! its current value — who, when and why (`Kehu-Reason`, else the subject).

use std::io::Write;

use anyhow::{Context as _, bail};
use kehu_git::FieldBlame;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::BlameArgs;
use crate::commands::audit;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{self, Format, JSON_SCHEMA, Table};

/// One field's line, as JSON prints it.
#[derive(Serialize)]
struct Line<'a> {
    field: &'a str,
    value: &'a Value,
    commit: Option<&'a str>,
    author: Option<&'a str>,
    email: Option<&'a str>,
    date: Option<String>,
    time: Option<&'a str>,
    reason: Option<String>,
}

/// Prints the blame.
pub fn run(context: &mut Context, args: BlameArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &audit::FORMATS)?;
    let repo = audit::open(context)?;
    let history = repo.history();
    let start = audit::start_rev(context, &history)?;
    let fields = history.blame(&args.id, start.as_deref())?;
    if fields.is_empty() {
        bail!(
            "no customer `{}` in the book as committed at {}",
            args.id,
            start.as_deref().map_or("HEAD", crate::session::short)
        );
    }
    let mut out = std::io::stdout().lock();
    render(&mut out, &args.id, &fields, format, context.color).context("writing to stdout")?;
    Ok(Outcome::Clean)
}

/// Writes the blame in `format`.
pub fn render(
    out: &mut dyn Write,
    id: &str,
    fields: &[FieldBlame],
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    let reason = |b: &FieldBlame| {
        b.reason
            .clone()
            .or_else(|| b.commit.as_deref().map(audit::reason))
    };
    if format == Format::Json {
        let lines: Vec<Line<'_>> = fields
            .iter()
            .map(|b| Line {
                field: &b.field,
                value: &b.value,
                commit: b.commit.as_deref().map(|c| c.id.as_str()),
                author: b.commit.as_deref().map(|c| c.author.as_str()),
                email: b.commit.as_deref().map(|c| c.email.as_str()),
                date: b.commit.as_deref().map(|c| c.date.to_string()),
                time: b.commit.as_deref().map(|c| c.time.as_str()),
                reason: reason(b),
            })
            .collect();
        let mut doc = Map::new();
        doc.insert("schema".into(), Value::from(JSON_SCHEMA));
        doc.insert("customer".into(), Value::from(id));
        doc.insert(
            "fields".into(),
            serde_json::to_value(lines).map_err(std::io::Error::other)?,
        );
        return output::write_json(out, &Value::Object(doc));
    }
    let mut table = Table::new(["field", "value", "commit", "author", "date", "reason"]);
    for b in fields {
        let commit = b.commit.as_deref();
        table.push([
            Value::from(b.field.clone()),
            audit::value_cell(Some(&b.value)),
            commit.map_or(Value::Null, |c| audit::commit_cell(&c.id, format)),
            commit.map_or(Value::Null, |c| Value::from(c.author.clone())),
            commit.map_or(Value::Null, |c| Value::from(c.date.to_string())),
            reason(b).map_or(Value::Null, Value::from),
        ]);
    }
    table.write(out, format, "fields", color)
}
