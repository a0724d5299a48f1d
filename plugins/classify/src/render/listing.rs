//! The listing people read: one row per grade (id, field, from, to, status,
//! reason), as a terminal table or Markdown.

use std::io::{self, Write};

use kehu_core::escape::markdown_cell;
use kehu_plugin_sdk::table::{Grid, Paint};

/// How a listing is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A terminal table, coloured when `color` is set.
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
    /// Draws the listing into a string (for listings of a few rows).
    pub fn render(&self, style: Style) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write(style, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the listing to `out` row by row, so a listing of hundreds of
    /// thousands of rows costs its rows and a line of buffer, never a
    /// second copy of the whole table. The terminal table is drawn by the
    /// SDK's [`Grid`], byte for byte as comfy-table's `UTF8_FULL_CONDENSED`
    /// draws it (tests compare the bytes).
    pub fn write(&self, style: Style, mut out: &mut dyn Write) -> io::Result<()> {
        match style {
            Style::Markdown => {
                writeln!(out, "{}\n", self.summary)?;
                if !self.rows.is_empty() {
                    writeln!(out, "| {} |", self.header.join(" | "))?;
                    writeln!(out, "|{}", " --- |".repeat(self.header.len()))?;
                    for (row, _) in &self.rows {
                        let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
                        writeln!(out, "| {} |", cells.join(" | "))?;
                    }
                }
            }
            Style::Table { color } => {
                if !self.rows.is_empty() {
                    let mut grid = Grid::new(&self.header);
                    for (row, _) in &self.rows {
                        grid.measure(row);
                    }
                    grid.head(&mut out, &self.header)?;
                    for (row, status) in &self.rows {
                        let paint = match (color, *status) {
                            (true, "regrade") => Some(Paint::Yellow),
                            (true, "pinned") => Some(Paint::Cyan),
                            _ => None,
                        };
                        grid.row_painted(&mut out, row, paint)?;
                    }
                    grid.foot(&mut out)?;
                    writeln!(out)?;
                }
                writeln!(out, "{}", self.summary)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

    use super::*;

    /// The listing's table as comfy-table draws it, to compare with.
    fn comfy_table(listing: &Listing, color: bool) -> String {
        if listing.rows.is_empty() {
            return String::new();
        }
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(listing.header.iter().map(Cell::new));
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        for (row, status) in &listing.rows {
            table.add_row(row.iter().map(|text| {
                let cell = Cell::new(text);
                match (color, *status) {
                    (true, "regrade") => cell.fg(Color::Yellow),
                    (true, "pinned") => cell.fg(Color::Cyan),
                    _ => cell,
                }
            }));
        }
        format!("{table}\n")
    }

    fn listing(rows: &[(&[&str], &'static str)]) -> Listing {
        Listing {
            header: vec!["id", "field", "from", "to", "reason"],
            rows: rows
                .iter()
                .map(|(cells, status)| (cells.iter().map(|c| (*c).to_owned()).collect(), *status))
                .collect(),
            summary: "2 grades to regrade.".into(),
        }
    }

    /// The streamed table is byte for byte comfy-table's, in colour or not,
    /// with wide characters, empty cells and short rows.
    #[test]
    fn streamed_tables_are_comfy_tables() {
        let samples = [
            listing(&[]),
            listing(&[(
                &[
                    "acme",
                    "tier",
                    "key",
                    "strategic",
                    "revenue 1,250,000 ≥ 1,000,000",
                ],
                "regrade",
            )]),
            listing(&[
                (
                    &[
                        "zhongshan-steel",
                        "abc",
                        "",
                        "A",
                        "中山 cumulative share 78.2% ≤ 80%",
                    ],
                    "regrade",
                ),
                (
                    &[
                        "b",
                        "rfm",
                        "general-keep",
                        "pinned (computed: x)",
                        "R 1 F 2 M 3",
                    ],
                    "pinned",
                ),
                (&["c", "loyalty", "loyal", "loyal", ""], "unchanged"),
                (&["d", "tier"], "unchanged"),
            ]),
        ];
        for sample in &samples {
            for color in [false, true] {
                let streamed = sample.render(Style::Table { color });
                let mut expected = comfy_table(sample, color);
                expected.push_str(&sample.summary);
                expected.push('\n');
                assert_eq!(streamed, expected, "colour {color}");
            }
        }
    }

    #[test]
    fn cells_of_several_lines_are_drawn_as_comfy_table_draws_them() {
        let sample = listing(&[(&["a", "tier", "x", "y", "two\nlines"], "regrade")]);
        for color in [false, true] {
            let drawn = sample.render(Style::Table { color });
            assert!(drawn.contains("two") && drawn.contains("lines"), "{drawn}");
            assert!(drawn.starts_with(&comfy_table(&sample, color)), "{drawn}");
        }
    }
}
