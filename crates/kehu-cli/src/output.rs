//! Output formats shared by every command: one tabular model rendered as a
//! terminal table, CSV, Markdown or JSON, so a command builds its rows once.
//!
//! Rendering is deterministic: the same rows give the same bytes, with no
//! clock, no hash order and no terminal probing beyond the colour decision.

use std::io::{self, Write};

use clap::ValueEnum;
use comfy_table::{Cell, ContentArrangement, Table as ComfyTable, presets};
use serde_json::{Map, Value};

/// The version of every JSON document kehu prints; bumped on breaking changes.
pub const JSON_SCHEMA: &str = "kehu/1";

/// An output format a user can ask for with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned table for people.
    Table,
    /// One JSON document with a `schema` field.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// A Markdown table (CI job summaries).
    Markdown,
    /// A self-contained HTML page (where a command supports it).
    Html,
    /// iCalendar (where a command supports it).
    Ics,
    /// The CDNOW transaction layout (input format of `import orders`).
    Cdnow,
}

impl Format {
    /// The flag value, as a user types it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Ics => "ics",
            Format::Cdnow => "cdnow",
        }
    }
}

/// A table of text cells with named columns; the common currency of reports.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column names; also the JSON keys and the CSV header.
    pub columns: Vec<String>,
    /// Rows of JSON values; the text shown is the value's display form.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// A table with these column names and no rows.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row of plain cells.
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) {
        self.rows.push(row.into_iter().collect());
    }

    /// The rows as JSON objects keyed by column name, in column order.
    pub fn to_json_rows(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (column, value) in self.columns.iter().zip(row) {
                    object.insert(column.clone(), value.clone());
                }
                Value::Object(object)
            })
            .collect()
    }

    /// Writes the table in `format`; `key` names the rows in JSON output.
    pub fn write(
        &self,
        out: &mut dyn Write,
        format: Format,
        key: &str,
        color: bool,
    ) -> io::Result<()> {
        match format {
            Format::Json => {
                let mut doc = Map::new();
                doc.insert("schema".into(), Value::from(JSON_SCHEMA));
                doc.insert(key.into(), Value::Array(self.to_json_rows()));
                write_json(out, &Value::Object(doc))
            }
            Format::Jsonl => {
                for row in self.to_json_rows() {
                    serde_json::to_writer(&mut *out, &row)?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            Format::Csv => self.write_csv(out),
            Format::Markdown => self.write_markdown(out),
            Format::Table | Format::Html | Format::Ics | Format::Cdnow => {
                self.write_terminal(out, color)
            }
        }
    }

    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(&self.columns)?;
        for row in &self.rows {
            writer.write_record(row.iter().map(|v| csv_safe(&display(v))))?;
        }
        writer.flush()
    }

    fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let header: Vec<String> = self.columns.iter().map(|c| markdown_cell(c)).collect();
        writeln!(out, "| {} |", header.join(" | "))?;
        writeln!(out, "|{}", " --- |".repeat(self.columns.len()))?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|v| markdown_cell(&display(v))).collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }

    fn write_terminal(&self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        writeln!(out, "{}", self.terminal(color))
    }

    /// The comfy table the table format draws (for a caller that draws a
    /// long table in pieces with the same settings).
    pub fn terminal(&self, color: bool) -> ComfyTable {
        let mut table = ComfyTable::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.columns.iter().map(Cell::new));
        if !color {
            table.force_no_tty();
        } else {
            table.enforce_styling();
        }
        for row in &self.rows {
            table.add_row(row.iter().map(|value| Cell::new(display(value))));
        }
        table
    }
}

/// Pretty-prints a JSON document followed by a newline.
pub fn write_json(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// The text a JSON value shows as in a table cell: strings bare, null empty.
pub fn display(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Neutralises a CSV cell a spreadsheet would run as a formula (see
/// [`kehu_core::escape::csv_safe`]).
pub fn csv_safe(text: &str) -> String {
    kehu_core::escape::csv_safe(text).into_owned()
}

pub use kehu_core::escape::markdown_cell;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(["id", "name"]);
        table.push([Value::from("acme"), Value::from("=HYPERLINK(\"x\")")]);
        table.push([Value::from("pipe"), Value::from("a|b")]);
        table
    }

    #[test]
    fn csv_neutralises_formulas_but_keeps_negative_numbers() {
        let mut out = Vec::new();
        sample()
            .write(&mut out, Format::Csv, "rows", false)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,name\nacme,\"'=HYPERLINK(\"\"x\"\")\"\npipe,a|b\n"
        );
    }

    #[test]
    fn markdown_escapes_table_breaking_characters() {
        let mut out = Vec::new();
        sample()
            .write(&mut out, Format::Markdown, "rows", false)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("| pipe | a\\|b |"), "{text}");
        assert!(text.starts_with("| id | name |\n| --- | --- |\n"));
    }

    #[test]
    fn json_carries_the_schema_version() {
        let mut out = Vec::new();
        sample()
            .write(&mut out, Format::Json, "customers", false)
            .unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["schema"], JSON_SCHEMA);
        assert_eq!(doc["customers"][1]["name"], "a|b");
    }
}
