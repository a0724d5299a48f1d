//! The listing people read: one row per grade (id, field, from, to, status,
//! reason), as a terminal table or Markdown.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use kehu_core::escape::markdown_cell;
use unicode_width::UnicodeWidthStr;

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
    /// Draws the listing into a string (for listings of a few rows).
    pub fn render(&self, style: Style) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write(style, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the listing to `out` row by row, so a listing of hundreds of
    /// thousands of rows costs its rows and a line of buffer, never a
    /// second copy of the whole table. The terminal table is drawn as
    /// comfy-table's `UTF8_FULL_CONDENSED` draws it (tests compare the
    /// bytes); a cell of several lines is left to comfy-table itself.
    pub fn write(&self, style: Style, out: &mut dyn Write) -> io::Result<()> {
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
                if self
                    .rows
                    .iter()
                    .any(|(row, _)| row.iter().any(|c| c.contains('\n')))
                {
                    out.write_all(self.comfy_table(color).as_bytes())?;
                } else if !self.rows.is_empty() {
                    self.write_table(color, out)?;
                }
                writeln!(out, "{}", self.summary)?;
            }
        }
        Ok(())
    }

    /// The terminal table, drawn line by line.
    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for (row, _) in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(cell.width());
                } else {
                    widths.push(cell.width());
                }
            }
        }
        let rule = |left: &str, fill: &str, middle: &str, right: &str| {
            let parts: Vec<String> = widths.iter().map(|w| fill.repeat(w + 2)).collect();
            format!("{left}{}{right}\n", parts.join(middle))
        };
        out.write_all(rule("┌", "─", "┬", "┐").as_bytes())?;
        let header: Vec<&str> = self.header.to_vec();
        write_row(out, &widths, &header, None)?;
        out.write_all(rule("╞", "═", "╪", "╡").as_bytes())?;
        let mut cells: Vec<&str> = Vec::with_capacity(widths.len());
        for (row, status) in &self.rows {
            cells.clear();
            cells.extend(row.iter().map(String::as_str));
            let paint = match (color, *status) {
                (true, "regrade") => Some(YELLOW),
                (true, "pinned") => Some(CYAN),
                _ => None,
            };
            write_row(out, &widths, &cells, paint)?;
        }
        out.write_all(rule("└", "─", "┴", "┘").as_bytes())
    }

    /// The whole table from comfy-table (cells of several lines).
    fn comfy_table(&self, color: bool) -> String {
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
        if self.rows.is_empty() {
            return String::new();
        }
        format!("{table}\n")
    }
}

/// The terminal escapes comfy-table (through crossterm) wraps a coloured
/// cell in: foreground yellow / cyan, then back to the default.
const YELLOW: &str = "\x1b[38;5;11m";
const CYAN: &str = "\x1b[38;5;14m";
const RESET: &str = "\x1b[39m";

/// One line of the table: each cell padded to its column's width plus a
/// space either side, coloured as a whole when `paint` is set.
fn write_row(
    out: &mut dyn Write,
    widths: &[usize],
    cells: &[&str],
    paint: Option<&str>,
) -> io::Result<()> {
    let mut line = String::with_capacity(widths.iter().sum::<usize>() + 4 * widths.len());
    line.push('│');
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            line.push('┆');
        }
        let text = cells.get(i).copied().unwrap_or("");
        if let Some(code) = paint {
            line.push_str(code);
        }
        line.push(' ');
        line.push_str(text);
        line.extend(std::iter::repeat_n(' ', width - text.width() + 1));
        if paint.is_some() {
            line.push_str(RESET);
        }
    }
    line.push_str("│\n");
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
                let mut expected = sample.comfy_table(color);
                expected.push_str(&sample.summary);
                expected.push('\n');
                assert_eq!(streamed, expected, "colour {color}");
            }
        }
    }

    #[test]
    fn cells_of_several_lines_are_drawn_by_comfy_table() {
        let sample = listing(&[(&["a", "tier", "x", "y", "two\nlines"], "regrade")]);
        let drawn = sample.render(Style::Table { color: false });
        assert!(drawn.contains("two") && drawn.contains("lines"), "{drawn}");
        assert!(drawn.starts_with(&sample.comfy_table(false)), "{drawn}");
    }
}
