//! What the audit commands (`history`, `log`, `diff`, `blame`) share: opening
//! the book's history, the revision `--as-of` stands for, and how a commit
//! and a field value read in a report.

use anyhow::bail;
use kehu_git::{CommitInfo, History};
use serde_json::Value;

use crate::context::Context;
use crate::output::Format;
use crate::session;

/// The formats every audit command prints.
pub const FORMATS: [Format; 4] = [Format::Table, Format::Json, Format::Csv, Format::Markdown];

/// The git repository of the book this command works on.
pub fn open(context: &mut Context) -> anyhow::Result<kehu_git::Book> {
    let root = context.book_root()?;
    Ok(kehu_git::Book::open(&root)?)
}

/// The revision a read starts from: `None` (HEAD) for today, else the last
/// commit of the `--as-of` day on the current branch.
pub fn start_rev(context: &Context, history: &History<'_>) -> anyhow::Result<Option<String>> {
    if !context.reads_the_past() {
        return Ok(None);
    }
    match history.commit_at_end_of(context.as_of, None)? {
        Some(commit) => Ok(Some(commit)),
        None => bail!("the book has no commit on or before {}", context.as_of),
    }
}

/// Why a commit was made: its `Kehu-Reason`, else its subject line.
pub fn reason(commit: &CommitInfo) -> String {
    match commit.trailer(kehu_git::message::REASON) {
        Some(reason) if !reason.trim().is_empty() => reason.trim().to_owned(),
        _ => commit.subject.trim().to_owned(),
    }
}

/// The note of a commit: its body (where `kehu contact` keeps the note),
/// else its subject line.
pub fn note(commit: &CommitInfo) -> String {
    let body = commit.body.trim();
    if body.is_empty() {
        commit.subject.trim().to_owned()
    } else {
        body.to_owned()
    }
}

/// The commit id as a cell: full for machines (JSON, CSV), short for people.
pub fn commit_cell(id: &str, format: Format) -> Value {
    match format {
        Format::Json | Format::Jsonl | Format::Csv => Value::from(id),
        _ => Value::from(session::short(id)),
    }
}

/// A field value as a table cell: absent is empty, strings bare, arrays
/// joined with `, `.
pub fn value_cell(value: Option<&Value>) -> Value {
    match value {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(crate::output::display).collect();
            Value::from(parts.join(", "))
        }
        Some(other) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_read_naturally() {
        assert_eq!(value_cell(None), Value::Null);
        assert_eq!(
            value_cell(Some(&json!(["tier", "abc"]))),
            json!("tier, abc")
        );
        assert_eq!(value_cell(Some(&json!(4.5))), json!(4.5));
        assert_eq!(
            commit_cell("0123456789abcdef", Format::Table),
            json!("0123456789")
        );
        assert_eq!(
            commit_cell("0123456789abcdef", Format::Csv),
            json!("0123456789abcdef")
        );
    }
}
