//! The terminal table of `kehu log`, in memory bounded by a chunk of rows
//! whatever the length of the log.
//!
//! A terminal table needs every row before its first line (column widths
//! come from the widest cell), so a full-history log used to hold every
//! row. Here rows go to an anonymous temporary file in chunks while the
//! widest cell of each column is tracked; at the end each chunk is read
//! back and drawn by the same comfy-table settings with every column fixed
//! at the widths of the whole log, and only the lines the whole table would
//! have are written: the same bytes as one table of all the rows.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use comfy_table::{ColumnConstraint, Table as ComfyTable, Width};
use serde_json::Value;

use crate::output::{Format, Table};

/// Rows held in memory at most; a log up to this long is one plain table.
const CHUNK: usize = 4096;

/// Rows kept for one table, spilled to disk beyond [`CHUNK`].
pub(super) struct SpooledTable {
    columns: Vec<String>,
    /// The rows not yet spilled.
    rows: Table,
    /// Spilled chunks: one JSON array of cell texts per line.
    spool: Option<BufWriter<File>>,
    /// Rows per spilled chunk, in order.
    chunks: Vec<usize>,
    /// The widest content of each column so far (comfy-table's measure).
    widths: Vec<u16>,
}

impl SpooledTable {
    /// A table with these columns and no rows.
    pub(super) fn new(columns: &[&str]) -> SpooledTable {
        SpooledTable {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Table::new(columns.iter().copied()),
            spool: None,
            chunks: Vec::new(),
            widths: vec![0; columns.len()],
        }
    }

    /// Adds a row.
    pub(super) fn push(&mut self, row: [Value; 8]) -> io::Result<()> {
        self.rows.push(row);
        if self.rows.rows.len() >= CHUNK {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves the rows in memory to the spool, noting their widths.
    fn spill(&mut self) -> io::Result<()> {
        let rows = std::mem::take(&mut self.rows.rows);
        if rows.is_empty() {
            return Ok(());
        }
        let texts: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.iter().map(crate::output::display).collect())
            .collect();
        let measured = comfy(&self.columns, &texts, false);
        for (width, new) in self
            .widths
            .iter_mut()
            .zip(measured.column_max_content_widths())
        {
            *width = (*width).max(new);
        }
        let spool = match &mut self.spool {
            Some(spool) => spool,
            None => self.spool.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        for row in &texts {
            serde_json::to_writer(&mut *spool, row)?;
            spool.write_all(b"\n")?;
        }
        self.chunks.push(texts.len());
        Ok(())
    }

    /// Writes the table as [`Table::write`] writes it in the table format.
    pub(super) fn write(mut self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        if self.spool.is_none() {
            return self.rows.write(out, Format::Table, "changes", color);
        }
        self.spill()?;
        let Some(spool) = self.spool.take() else {
            return Ok(());
        };
        let mut file = spool.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::new(file);
        let last = self.chunks.len() - 1;
        let mut line = String::new();
        for (i, &count) in self.chunks.iter().enumerate() {
            let mut texts: Vec<Vec<String>> = Vec::with_capacity(count);
            for _ in 0..count {
                line.clear();
                reader.read_line(&mut line)?;
                texts.push(serde_json::from_str(&line).map_err(io::Error::other)?);
            }
            let mut table = comfy(&self.columns, &texts, color);
            for (column, &width) in table.column_iter_mut().zip(&self.widths) {
                let fixed = width.max(1).saturating_add(column.padding_width());
                column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(fixed)));
            }
            let lines: Vec<String> = table.lines().collect();
            // Top border, header and its rule open the first chunk only;
            // the bottom border closes the last only.
            let from = if i == 0 { 0 } else { 3 };
            let to = if i == last {
                lines.len()
            } else {
                lines.len() - 1
            };
            for text in lines.get(from..to).unwrap_or_default() {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}

/// The comfy table [`Table::write`] draws for these rows.
fn comfy(columns: &[String], rows: &[Vec<String>], color: bool) -> ComfyTable {
    let mut table = Table::new(columns.iter().cloned());
    for row in rows {
        table.push(row.iter().map(|text| Value::from(text.as_str())));
    }
    table.terminal(color)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<[Value; 8]> {
        (0..n)
            .map(|i| {
                let reason = match i % 5 {
                    0 => "two\nlines".to_owned(),
                    1 => "宽字符 wide".to_owned(),
                    2 => String::new(),
                    _ => "x".repeat(i % 37),
                };
                [
                    Value::from(format!("2026-01-{:02}", i % 28 + 1)),
                    Value::from("contact"),
                    Value::from(format!("customer-{i}")),
                    Value::from("modified"),
                    Value::from("a → b"),
                    Value::from(if i == 9000 {
                        "a very long author name"
                    } else {
                        "ann"
                    }),
                    Value::from(reason),
                    Value::Null,
                ]
            })
            .collect()
    }

    #[test]
    fn a_spooled_table_is_the_whole_table() {
        let columns = [
            "date", "kind", "customer", "change", "fields", "who", "reason", "c",
        ];
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17] {
            let all = rows(n);
            let mut whole = Table::new(columns);
            let mut spooled = SpooledTable::new(&columns);
            for row in &all {
                whole.push(row.clone());
                spooled.push(row.clone()).unwrap();
            }
            let mut expected = Vec::new();
            whole
                .write(&mut expected, Format::Table, "changes", false)
                .unwrap();
            let mut got = Vec::new();
            spooled.write(&mut got, false).unwrap();
            assert!(expected == got, "{n} rows differ");
        }
    }
}
