//! `kehu log`: the book-wide audit log — every change to a customer file or
//! to `kehu.toml`, newest first, from one walk over every commit reachable
//! from HEAD (merged branches included): each change is credited to the
//! commit that made it, and a merge shows only what it decided itself.
//!
//! `--owner X` keeps the changes to customers X owned at that commit (before
//! or after it, so a hand-over shows for both owners) and the changes X made
//! (author name, email or its local part, or X's name in kehu.toml).

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;

use anyhow::Context as _;
use kehu_git::{CustomerChange, Event, Kind, LogQuery, Status};
use serde::Serialize;
use serde_json::Value;

use crate::cli::LogArgs;
use crate::commands::audit;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{self, Format, JSON_SCHEMA};

mod table;

/// Field changes listed one by one in a table; beyond, only their names.
const LISTED_FIELDS: usize = 3;

/// One line of the log: one customer (or the policy) changed by one commit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    /// The commit's author date.
    pub date: String,
    /// The commit's author time (RFC 3339).
    pub time: String,
    /// contact, regrade, assign, import or edit.
    pub kind: &'static str,
    /// The customer id (`kehu.toml` for a policy change).
    pub customer: String,
    /// added, removed, modified, renamed (or `rules`).
    pub change: &'static str,
    /// For a rename: the id before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// The customer's owner at that commit, when known.
    pub owner: Option<String>,
    /// The field changes.
    pub fields: Vec<kehu_git::FieldChange>,
    /// The commit's author.
    pub who: String,
    /// The author's email.
    pub email: String,
    /// `Kehu-Reason` or the subject line.
    pub reason: String,
    /// The commit id.
    pub commit: String,
}

/// Prints the log.
pub fn run(context: &mut Context, args: LogArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &audit::FORMATS)?;
    let kind: Option<Kind> = match &args.kind {
        Some(text) => Some(text.parse().map_err(anyhow::Error::msg)?),
        None => None,
    };
    let root = context.book_root()?;
    let repo = audit::open(context)?;
    let history = repo.indexed_history();
    let start = audit::start_rev(context, &history)?;
    // Following owners back in time needs every commit after `--until` too.
    let query = LogQuery {
        rev: start.clone(),
        since: args.since,
        until: if args.owner.is_some() {
            None
        } else {
            args.until
        },
        ..LogQuery::default()
    };
    let mut owners = args
        .owner
        .as_deref()
        .map(|owner| OwnerFilter::new(&repo, &root, owner, start.as_deref().unwrap_or("HEAD")));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut sink = Sink::new(&mut out, format, context.color)?;
    let mut failure = None;
    history.log_each(&query, |event| {
        // Lines first, even of commits left out: they move the owners back.
        let wanted = kind.is_none_or(|k| k == event.commit.kind)
            && args.until.is_none_or(|until| event.commit.date <= until);
        let written = lines_of(&event, owners.as_mut()).and_then(|found| {
            if wanted {
                for line in found {
                    sink.push(line)?;
                }
            }
            Ok(())
        });
        match written {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => {
                failure = Some(error);
                ControlFlow::Break(())
            }
        }
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    sink.finish().context("writing to stdout")?;
    Ok(Outcome::Clean)
}

/// The lines of one commit, filtered by owner when asked.
fn lines_of(event: &Event, owners: Option<&mut OwnerFilter<'_>>) -> anyhow::Result<Vec<Line>> {
    let commit = &event.commit;
    let line = |customer: String, change: &'static str| Line {
        date: commit.date.to_string(),
        time: commit.time.clone(),
        kind: commit.kind.as_str(),
        customer,
        change,
        old_id: None,
        owner: None,
        fields: Vec::new(),
        who: commit.author.clone(),
        email: commit.email.clone(),
        reason: audit::reason(commit),
        commit: commit.id.clone(),
    };
    let mut out = Vec::new();
    let by_author = owners
        .as_ref()
        .is_none_or(|filter| filter.is_author(&commit.author, &commit.email));
    let mut owners = owners;
    for change in &event.customers {
        let owner = match owners.as_deref_mut() {
            Some(filter) => {
                let (before, after) = filter.owners_around(change)?;
                let matches = by_author
                    || before.as_deref() == Some(filter.owner.as_str())
                    || after.as_deref() == Some(filter.owner.as_str());
                if !matches {
                    continue;
                }
                after.or(before)
            }
            None => owner_from_change(change),
        };
        let mut entry = line(change.id.clone(), status_name(&change.status));
        entry.old_id = change.old_id.clone();
        entry.owner = owner;
        entry.fields = change.fields.clone();
        out.push(entry);
    }
    if event.rules_changed && by_author {
        out.push(line("kehu.toml".to_owned(), "rules"));
    }
    Ok(out)
}

/// The owner a change shows (set, kept or removed by it), if it touched `owner`.
fn owner_from_change(change: &CustomerChange) -> Option<String> {
    let field = change.field("owner")?;
    field
        .new
        .as_ref()
        .or(field.old.as_ref())
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Modified => "modified",
        Status::Renamed => "renamed",
    }
}

/// The columns of the table, CSV and Markdown forms.
const COLUMNS: [&str; 8] = [
    "date", "kind", "customer", "change", "fields", "who", "reason", "commit",
];

/// Where the lines go as the walk finds them. JSON, CSV and Markdown are
/// written line by line, so a full-history log runs in constant memory; a
/// terminal table needs every row for its column widths: they are spooled
/// to disk past a chunk ([`table::SpooledTable`]).
enum Sink<'w> {
    /// Rows kept for one comfy-table at the end.
    Table {
        out: &'w mut dyn Write,
        table: table::SpooledTable,
        color: bool,
    },
    /// `{"schema": …, "changes": [` written; `first` until a line follows.
    Json { out: &'w mut dyn Write, first: bool },
    /// The header written.
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    /// The header written.
    Markdown(&'w mut dyn Write),
}

impl<'w> Sink<'w> {
    /// Starts the output (headers) in `format`.
    fn new(out: &'w mut dyn Write, format: Format, color: bool) -> anyhow::Result<Sink<'w>> {
        Ok(match format {
            Format::Json => {
                write!(
                    out,
                    "{{\n  \"schema\": \"{JSON_SCHEMA}\",\n  \"changes\": ["
                )?;
                Sink::Json { out, first: true }
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(COLUMNS)?;
                Sink::Csv(Box::new(writer))
            }
            Format::Markdown => {
                writeln!(out, "| {} |", COLUMNS.join(" | "))?;
                writeln!(out, "|{}", " --- |".repeat(COLUMNS.len()))?;
                Sink::Markdown(out)
            }
            _ => Sink::Table {
                out,
                table: table::SpooledTable::new(&COLUMNS),
                color,
            },
        })
    }

    /// Adds one line.
    fn push(&mut self, line: Line) -> anyhow::Result<()> {
        match self {
            Sink::Json { out, first } => {
                let text = serde_json::to_string_pretty(&line)?;
                out.write_all(if *first { b"\n" } else { b",\n" })?;
                *first = false;
                for (i, part) in text.split('\n').enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    write!(out, "    {part}")?;
                }
            }
            Sink::Csv(writer) => {
                let cells = cells(&line, Format::Csv);
                writer.write_record(cells.iter().map(|v| output::csv_safe(&output::display(v))))?;
            }
            Sink::Markdown(out) => {
                let cells: Vec<String> = cells(&line, Format::Markdown)
                    .iter()
                    .map(|v| output::markdown_cell(&output::display(v)))
                    .collect();
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
            Sink::Table { table, .. } => table.push(cells(&line, Format::Table))?,
        }
        Ok(())
    }

    /// Ends the output.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Json { out, first } => {
                if first {
                    out.write_all(b"]\n}\n")
                } else {
                    out.write_all(b"\n  ]\n}\n")
                }
            }
            Sink::Csv(mut writer) => writer.flush(),
            Sink::Markdown(out) => out.flush(),
            Sink::Table { out, table, color } => table.write(out, color),
        }
    }
}

/// A line's cells for the table, CSV and Markdown forms.
fn cells(line: &Line, format: Format) -> [Value; 8] {
    let customer = match &line.old_id {
        Some(old) => format!("{old} → {}", line.customer),
        None => line.customer.clone(),
    };
    [
        Value::from(line.date.clone()),
        Value::from(line.kind),
        Value::from(customer),
        Value::from(line.change),
        Value::from(summary(line)),
        Value::from(line.who.clone()),
        Value::from(line.reason.clone()),
        audit::commit_cell(&line.commit, format),
    ]
}

/// The field changes of a line in a few words: `grade.tier: key → strategic`
/// for a few, else how many and which.
fn summary(line: &Line) -> String {
    match line.change {
        "added" | "removed" => {
            let name = line.fields.iter().find(|f| f.field == "name");
            let value = name.and_then(|f| f.new.as_ref().or(f.old.as_ref()));
            value.map(output::display).unwrap_or_default()
        }
        _ if line.fields.len() <= LISTED_FIELDS => {
            let parts: Vec<String> = line
                .fields
                .iter()
                .map(|f| {
                    format!(
                        "{}: {} → {}",
                        f.field,
                        short_value(f.old.as_ref()),
                        short_value(f.new.as_ref())
                    )
                })
                .collect();
            parts.join("; ")
        }
        _ => {
            let names: Vec<&str> = line.fields.iter().map(|f| f.field.as_str()).collect();
            format!("{} fields: {}", names.len(), names.join(", "))
        }
    }
}

/// A value in a summary: absent as `∅`, multi-line text by its first line.
fn short_value(value: Option<&Value>) -> String {
    let text = output::display(&audit::value_cell(value));
    match value {
        None => "∅".to_owned(),
        Some(_) => match text.split_once('\n') {
            Some((first, _)) => format!("{first} …"),
            None => text,
        },
    }
}

/// Who owned each customer as the walk goes back in time: read once at the
/// start revision, then moved back through each `owner` change, rename and
/// removal the walk meets.
struct OwnerFilter<'r> {
    repo: &'r kehu_git::Book,
    start: String,
    /// The owner asked for.
    owner: String,
    /// Names that stand for the owner as a commit author (lowercase).
    author_names: Vec<String>,
    /// Customer id (as of the point the walk has reached) → owner.
    known: HashMap<String, Option<String>>,
}

impl<'r> OwnerFilter<'r> {
    fn new(
        repo: &'r kehu_git::Book,
        root: &std::path::Path,
        owner: &str,
        start: &str,
    ) -> OwnerFilter<'r> {
        let mut author_names = vec![owner.to_lowercase()];
        if let Ok(report) = kehu_core::load_config(root)
            && let Some(config) = report.config
            && let Some(found) = config.owners.get(owner)
        {
            author_names.push(found.name.to_lowercase());
        }
        OwnerFilter {
            repo,
            start: start.to_owned(),
            owner: owner.to_owned(),
            author_names,
            known: HashMap::new(),
        }
    }

    /// Whether a commit by this author counts as the owner's own.
    fn is_author(&self, name: &str, email: &str) -> bool {
        let name = name.to_lowercase();
        let email = email.to_lowercase();
        let local = email.split('@').next().unwrap_or("");
        self.author_names
            .iter()
            .any(|n| *n == name || *n == email || *n == local)
    }

    /// The customer's owner just before and just after this change; updates
    /// what is known for the older commits the walk meets next.
    fn owners_around(
        &mut self,
        change: &CustomerChange,
    ) -> anyhow::Result<(Option<String>, Option<String>)> {
        let after = match self.known.remove(&change.id) {
            Some(owner) => owner,
            None if change.status == Status::Removed => None,
            None => self.owner_at_start(&change.path)?,
        };
        let as_text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let (before, after) = match change.field("owner") {
            Some(field) => (
                as_text(field.old.as_ref()),
                as_text(field.new.as_ref()).or(after),
            ),
            None => (after.clone(), after),
        };
        if change.status != Status::Added {
            let older_id = change.old_id.clone().unwrap_or_else(|| change.id.clone());
            self.known.insert(older_id, before.clone());
        }
        Ok((before, after))
    }

    fn owner_at_start(&self, path: &str) -> anyhow::Result<Option<String>> {
        let Some(bytes) = self.repo.file_at(&self.start, path)? else {
            return Ok(None);
        };
        Ok(kehu_git::history::flatten(&bytes).ok().and_then(|fields| {
            fields
                .get("owner")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Table;
    use serde_json::{Map, json};

    fn line(customer: &str, fields: Vec<kehu_git::FieldChange>) -> Line {
        Line {
            date: "2026-03-02".into(),
            time: "2026-03-02T12:00:00+00:00".into(),
            kind: "regrade",
            customer: customer.into(),
            change: "modified",
            old_id: None,
            owner: Some("alice".into()),
            fields,
            who: "Ann".into(),
            email: "ann@example.com".into(),
            reason: "why\nnot".into(),
            commit: "0123456789abcdef".into(),
        }
    }

    fn streamed(lines: &[Line], format: Format) -> String {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, format, false).unwrap();
        for l in lines {
            sink.push(l.clone()).unwrap();
        }
        sink.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_json_is_the_pretty_document() {
        let tier = kehu_git::FieldChange {
            field: "grade.tier".into(),
            old: Some(json!("key")),
            new: Some(json!("strategic")),
        };
        for lines in [
            vec![],
            vec![line("acme", vec![tier.clone()]), line("globex", vec![])],
        ] {
            let mut doc = Map::new();
            doc.insert("schema".into(), Value::from(JSON_SCHEMA));
            doc.insert("changes".into(), serde_json::to_value(&lines).unwrap());
            let mut expected = Vec::new();
            output::write_json(&mut expected, &Value::Object(doc)).unwrap();
            assert_eq!(
                streamed(&lines, Format::Json),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn streamed_csv_and_markdown_match_the_table_forms() {
        let lines = vec![line("acme", vec![]), line("globex", vec![])];
        let mut table = Table::new(COLUMNS);
        for l in &lines {
            table.push(cells(l, Format::Csv));
        }
        let mut expected = Vec::new();
        table
            .write(&mut expected, Format::Csv, "changes", false)
            .unwrap();
        assert_eq!(
            streamed(&lines, Format::Csv),
            String::from_utf8(expected).unwrap()
        );
        let mut table = Table::new(COLUMNS);
        for l in &lines {
            table.push(cells(l, Format::Markdown));
        }
        let mut expected = Vec::new();
        table
            .write(&mut expected, Format::Markdown, "changes", false)
            .unwrap();
        assert_eq!(
            streamed(&lines, Format::Markdown),
            String::from_utf8(expected).unwrap()
        );
    }
}
