//! `kehu history ID`: one customer's timeline from git, newest first — grade
//! changes with their reasons, contacts with their notes, owner, stage and
//! metric changes, renames — found by diffing the customer's file against
//! its parent at each commit, so plain-git edits show up too.

use std::io::Write;

use anyhow::{Context as _, bail};
use kehu_git::{CustomerChange, Event, Status};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::HistoryArgs;
use crate::commands::audit;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{self, Format, JSON_SCHEMA, Table};

/// One line of a customer's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// The day it happened: the contact's own date for a contact, else the
    /// commit's author date.
    pub date: String,
    /// The commit's author time (RFC 3339).
    pub time: String,
    /// What changed: created, removed, renamed, contact, grade, owner,
    /// stage, name, metric or field.
    pub change: &'static str,
    /// The dotted field (`grade.tier`); the channel's field for a contact.
    pub field: String,
    /// The value before (`null`: none).
    pub from: Option<Value>,
    /// The value after (`null`: removed).
    pub to: Option<Value>,
    /// The commit's author.
    pub who: String,
    /// The author's email.
    pub email: String,
    /// Why: `Kehu-Reason` or the subject; for a contact, the note.
    pub note: String,
    /// The commit id.
    pub commit: String,
    /// The commit's kind (`contact`, `regrade`, …, `edit`).
    pub kind: &'static str,
}

/// Prints the timeline.
pub fn run(context: &mut Context, args: HistoryArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &audit::FORMATS)?;
    let repo = audit::open(context)?;
    let history = repo.history();
    let start = audit::start_rev(context, &history)?;
    let events = history.customer(&args.id, start.as_deref())?;
    if events.is_empty() {
        match &start {
            Some(_) => bail!(
                "no customer `{}` in the book's history up to {}",
                args.id,
                context.as_of
            ),
            None => bail!("no customer `{}` in the book's history", args.id),
        }
    }
    let entries: Vec<Entry> = events.iter().flat_map(timeline).collect();
    let mut out = std::io::stdout().lock();
    render(&mut out, &args.id, &entries, format, context.color).context("writing to stdout")?;
    Ok(Outcome::Clean)
}

/// Writes the timeline in `format`.
pub fn render(
    out: &mut dyn Write,
    id: &str,
    entries: &[Entry],
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    if format == Format::Json {
        let mut doc = Map::new();
        doc.insert("schema".into(), Value::from(JSON_SCHEMA));
        doc.insert("customer".into(), Value::from(id));
        let rows = serde_json::to_value(entries).map_err(std::io::Error::other)?;
        doc.insert("events".into(), rows);
        return output::write_json(out, &Value::Object(doc));
    }
    let mut table = Table::new([
        "date", "change", "field", "from", "to", "who", "note", "commit",
    ]);
    for entry in entries {
        let note = if format == Format::Csv {
            entry.note.clone()
        } else {
            one_line(&entry.note)
        };
        table.push([
            Value::from(entry.date.clone()),
            Value::from(entry.change),
            Value::from(entry.field.clone()),
            audit::value_cell(entry.from.as_ref()),
            audit::value_cell(entry.to.as_ref()),
            Value::from(entry.who.clone()),
            Value::from(note),
            audit::commit_cell(&entry.commit, format),
        ]);
    }
    table.write(out, format, "events", color)
}

/// A note on one line for a table cell.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The order changes of one commit are listed in.
fn rank(change: &str) -> u8 {
    match change {
        "created" | "removed" | "renamed" => 0,
        "contact" => 1,
        "grade" => 2,
        "owner" => 3,
        "stage" => 4,
        "name" => 5,
        "metric" => 6,
        _ => 7,
    }
}

/// What kind of change a field's change is.
fn category(field: &str) -> &'static str {
    match field {
        "owner" => "owner",
        "stage" => "stage",
        "name" => "name",
        f if f.starts_with("grade.") => "grade",
        f if f.starts_with("metrics.") => "metric",
        f if f.starts_with("contact.") => "contact",
        _ => "field",
    }
}

/// The timeline entries of one event (one commit), in display order.
pub fn timeline(event: &Event) -> Vec<Entry> {
    let mut out = Vec::new();
    for change in &event.customers {
        entries_of(event, change, &mut out);
    }
    out.sort_by_key(|e| rank(e.change));
    out
}

fn entries_of(event: &Event, change: &CustomerChange, out: &mut Vec<Entry>) {
    let commit = &event.commit;
    let base = |change_kind: &'static str, field: &str, from, to, note: String| Entry {
        date: commit.date.to_string(),
        time: commit.time.clone(),
        change: change_kind,
        field: field.to_owned(),
        from,
        to,
        who: commit.author.clone(),
        email: commit.email.clone(),
        note,
        commit: commit.id.clone(),
        kind: commit.kind.as_str(),
    };
    let why = audit::reason(commit);
    match change.status {
        Status::Added => {
            let name = change.field("name").and_then(|f| f.new.clone());
            out.push(base("created", "", None, name, why.clone()));
            // A new customer's starting owner, stage and grades; the rest of
            // its fields (metrics, address …) would only be noise here.
            for field in &change.fields {
                let kind = category(&field.field);
                if matches!(kind, "owner" | "stage" | "grade") {
                    out.push(base(
                        kind,
                        &field.field,
                        None,
                        field.new.clone(),
                        why.clone(),
                    ));
                }
            }
            return;
        }
        Status::Removed => {
            let name = change.field("name").and_then(|f| f.old.clone());
            out.push(base("removed", "", name, None, why));
            return;
        }
        Status::Renamed => {
            out.push(base(
                "renamed",
                "id",
                change.old_id.clone().map(Value::from),
                Some(Value::from(change.id.clone())),
                why.clone(),
            ));
        }
        Status::Modified => {}
    }
    // A contact moved `[contact] last`; its channel and note make one line.
    let contact = change
        .field("contact.last")
        .is_some_and(|f| f.new.is_some());
    if contact {
        out.push(contact_entry(
            event,
            change,
            base("contact", "", None, None, String::new()),
        ));
    }
    for field in &change.fields {
        let name = field.field.as_str();
        if (contact && (name == "contact.last" || name == "contact.channel"))
            || (name == "id" && change.status == Status::Renamed)
        {
            continue;
        }
        out.push(base(
            category(name),
            name,
            field.old.clone(),
            field.new.clone(),
            why.clone(),
        ));
    }
}

/// A contact: when (the new `[contact] last` day), the channel, and the
/// note kept in the commit body.
fn contact_entry(event: &Event, change: &CustomerChange, mut entry: Entry) -> Entry {
    let commit = &event.commit;
    if let Some(Value::String(day)) = change.field("contact.last").and_then(|f| f.new.as_ref()) {
        entry.date = day.clone();
    }
    let channel = change
        .field("contact.channel")
        .and_then(|f| f.new.clone())
        .or_else(|| commit.trailer(kehu_git::message::CONTACT).map(Value::from));
    entry.field = "contact.channel".to_owned();
    entry.to = channel;
    entry.note = audit::note(commit);
    entry
}
