//! Output formats: a table of cells rendered for people (comfy-table), CSV,
//! Markdown, and JSON documents with `"schema": "kehu/1"`, the same
//! conventions as the built-in commands. Deterministic: no clock, no
//! terminal probing (colour only when the host allows it).

use comfy_table::{Cell, Color, ContentArrangement, Table as ComfyTable, presets};
use kehu_core::escape::{csv_safe, markdown_cell};
pub use kehu_plugin_sdk::Format;
use kehu_plugin_sdk::PluginError;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::io::Write;

/// The version tag of every JSON document kehu prints.
pub const JSON_SCHEMA: &str = "kehu/1";

/// How a cell is toned on a colour terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// No colour.
    Plain,
    /// Yellow.
    Warn,
    /// Red.
    Bad,
}

/// Rows of text cells under named columns.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column names (also the CSV header).
    pub columns: Vec<&'static str>,
    /// Cells with their tone.
    pub rows: Vec<Vec<(String, Tone)>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[&'static str]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Appends a row of plain cells.
    pub fn push(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| (c, Tone::Plain)).collect());
    }

    /// Appends a row of toned cells.
    pub fn push_toned(&mut self, cells: Vec<(String, Tone)>) {
        self.rows.push(cells);
    }

    /// The table for a terminal.
    pub fn terminal(&self, color: bool) -> String {
        let mut table = ComfyTable::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.columns.iter().map(Cell::new));
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        for row in &self.rows {
            table.add_row(row.iter().map(|(text, tone)| {
                let cell = Cell::new(text);
                match (color, tone) {
                    (true, Tone::Warn) => cell.fg(Color::Yellow),
                    (true, Tone::Bad) => cell.fg(Color::Red),
                    _ => cell,
                }
            }));
        }
        format!("{table}\n")
    }

    /// The table as CSV (cells that a spreadsheet would run as formulas are
    /// quoted with a leading `'`).
    pub fn csv(&self) -> Result<String, PluginError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| PluginError::Failed(format!("cannot write CSV: {e}"));
        writer.write_record(&self.columns).map_err(fail)?;
        for row in &self.rows {
            writer
                .write_record(row.iter().map(|(text, _)| csv_safe(text).into_owned()))
                .map_err(fail)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| PluginError::Failed(format!("cannot write CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| PluginError::Failed(e.to_string()))
    }

    /// The table in Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!("| {} |\n|", self.columns.join(" | "));
        out.push_str(&" --- |".repeat(self.columns.len()));
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|(t, _)| markdown_cell(t)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }

    /// The table in `format` (JSON is each command's own document).
    pub fn render(&self, format: Format, color: bool) -> Result<String, PluginError> {
        match format {
            Format::Table => Ok(self.terminal(color)),
            Format::Csv => self.csv(),
            Format::Markdown => Ok(self.markdown()),
            Format::Json => {
                let rows: Vec<Value> = self
                    .rows
                    .iter()
                    .map(|row| {
                        let mut object = Map::new();
                        for (column, (text, _)) in self.columns.iter().zip(row) {
                            object.insert((*column).to_owned(), Value::from(text.as_str()));
                        }
                        Value::Object(object)
                    })
                    .collect();
                json_document(vec![("rows", Value::Array(rows))])
            }
        }
    }
}

/// A pretty JSON document `{"schema": "kehu/1", ...fields}` with a final newline.
pub fn json_document(fields: Vec<(&str, Value)>) -> Result<String, PluginError> {
    let mut doc = Map::new();
    doc.insert("schema".into(), Value::from(JSON_SCHEMA));
    for (key, value) in fields {
        doc.insert(key.to_owned(), value);
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(doc))
        .map_err(|e| PluginError::Failed(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// [`json_document`] with a last field `key` that may be long (every
/// customer of a book), written to `out` as it is serialized: the same
/// bytes, never held whole.
pub fn write_json_document<T: Serialize>(
    out: &mut dyn Write,
    fields: Vec<(&str, Value)>,
    key: &str,
    last: &T,
) -> Result<(), PluginError> {
    struct Document<'a, T> {
        fields: Vec<(&'a str, Value)>,
        key: &'a str,
        last: &'a T,
    }
    impl<T: Serialize> Serialize for Document<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.fields.len() + 2))?;
            map.serialize_entry("schema", JSON_SCHEMA)?;
            for (key, value) in &self.fields {
                map.serialize_entry(key, value)?;
            }
            map.serialize_entry(self.key, self.last)?;
            map.end()
        }
    }
    let document = Document { fields, key, last };
    let fail = |e: std::io::Error| PluginError::Failed(format!("cannot write JSON: {e}"));
    serde_json::to_writer_pretty(&mut *out, &document)
        .map_err(|e| PluginError::Failed(format!("cannot write JSON: {e}")))?;
    out.write_all(b"\n").map_err(fail)?;
    out.flush().map_err(fail)
}

/// A number rounded to six decimals for JSON, so documents do not carry
/// the last bits of floating point (which may differ between platforms'
/// `exp` and `ln`); non-finite numbers become `null`.
pub fn num(x: f64) -> Value {
    let rounded = (x * 1e6).round() / 1e6;
    serde_json::Number::from_f64(rounded + 0.0).map_or(Value::Null, Value::Number)
}

/// An optional number for JSON.
pub fn opt_num(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// A number with `places` decimals for a table cell; empty for `None`.
pub fn fixed(x: Option<f64>, places: usize) -> String {
    x.map_or(String::new(), |v| format!("{:.*}", places, v + 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut t = Table::new(&["id", "why"]);
        t.push(vec!["acme".into(), "=SUM(A1)|x".into()]);
        assert_eq!(t.csv().unwrap(), "id,why\nacme,'=SUM(A1)|x\n");
        assert_eq!(
            t.markdown(),
            "| id | why |\n| --- | --- |\n| acme | =SUM(A1)\\|x |\n"
        );
        assert!(t.terminal(false).contains("acme"));
        assert_eq!(num(0.1234567), serde_json::json!(0.123457));
        assert_eq!(num(f64::NAN), Value::Null);
        assert_eq!(fixed(Some(-0.0), 2), "0.00");
    }

    #[test]
    fn streamed_documents_are_the_built_ones() {
        let fields = || {
            vec![
                ("as_of", Value::from("2026-11-20")),
                ("model", serde_json::json!({"r": 0.25, "b": null})),
            ]
        };
        for rows in [vec![], vec![serde_json::json!({"id": "acme", "risk": 0.5})]] {
            let mut built = fields();
            built.push(("customers", Value::Array(rows.clone())));
            let mut streamed = Vec::new();
            write_json_document(&mut streamed, fields(), "customers", &rows).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                json_document(built).unwrap()
            );
        }
    }
}
