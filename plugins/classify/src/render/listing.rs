//! The listing people read: one row per grade (id, field, from, to, status,
//! reason), as a terminal table or Markdown.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use kehu_core::escape::markdown_cell;

/// How a listing is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// comfy-table, coloured when `color` is set.
    Table {
        /// Colour allowed (a TTY and no `NO_COLOR`).
        color: bool,
    },
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

/// A table with a header, rows and a closing summary line.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// Column names.
    pub header: Vec<&'static str>,
    /// Rows of cells, with the status word used for colour.
    pub rows: Vec<(Vec<String>, &'static str)>,
    /// The line printed after the table (or alone when there are no rows).
    pub summary: String,
}

impl Listing {
    /// Draws the listing.
    pub fn render(&self, style: Style) -> String {
        let mut out = String::new();
        match style {
            Style::Markdown => {
                out.push_str(&self.summary);
                out.push_str("\n\n");
                if !self.rows.is_empty() {
                    out.push_str(&format!("| {} |\n", self.header.join(" | ")));
                    out.push_str(&format!("|{}\n", " --- |".repeat(self.header.len())));
                    for (row, _) in &self.rows {
                        let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
                        out.push_str(&format!("| {} |\n", cells.join(" | ")));
                    }
                }
            }
            Style::Table { color } => {
                if !self.rows.is_empty() {
                    let mut table = Table::new();
                    table
                        .load_preset(presets::UTF8_FULL_CONDENSED)
                        .set_content_arrangement(ContentArrangement::Disabled)
                        .set_header(self.header.iter().map(Cell::new));
                    if color {
                        table.enforce_styling();
                    } else {
                        table.force_no_tty();
                    }
                    for (row, status) in &self.rows {
                        table.add_row(row.iter().map(|text| {
                            let cell = Cell::new(text);
                            match (color, *status) {
                                (true, "regrade") => cell.fg(Color::Yellow),
                                (true, "pinned") => cell.fg(Color::Cyan),
                                _ => cell,
                            }
                        }));
                    }
                    out.push_str(&table.to_string());
                    out.push('\n');
                }
                out.push_str(&self.summary);
                out.push('\n');
            }
        }
        out
    }
}
