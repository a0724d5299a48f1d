//! Terminal tables written line by line, byte for byte as comfy-table draws
//! them with its `UTF8_FULL_CONDENSED` preset and content arrangement off
//! (each column as wide as its widest line, a space either side).
//!
//! comfy-table keeps every cell of a table, then formats each into padded
//! lines, then joins them: for an agenda of 90,000 follow-ups (or a
//! report's overdue list) that is most of the run's time and a second copy
//! of the output. Here a [`Grid`] only keeps the column widths: the caller
//! measures its rows once, then writes them one by one into any [`Write`].
//! Shared by the plugins that draw such tables. The tests compare the
//! bytes with comfy-table's, in colour or not, with wide characters, empty
//! cells and cells of several lines.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// What comfy-table (through crossterm) writes before a cell it colours
/// yellow, and after it.
const YELLOW: &str = "\x1b[38;5;11m";
const DEFAULT_COLOUR: &str = "\x1b[39m";

/// A foreground colour for a whole row, written as comfy-table writes a
/// cell's `fg` colour on a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    /// Warnings: overdue, to regrade.
    Yellow,
    /// Notes: pinned, kept by hand.
    Cyan,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Yellow => YELLOW,
            Paint::Cyan => "\x1b[38;5;14m",
        }
    }
}

/// The width of a cell's text on a terminal: its widest line.
pub fn text_width(text: &str) -> usize {
    if printable_ascii(text) {
        return text.len();
    }
    text.split('\n').map(str::width).max().unwrap_or(0)
}

/// The width of one line of text: one column per character when it is
/// printable ASCII (most cells), else what `unicode-width` says.
pub fn line_width(text: &str) -> usize {
    if printable_ascii(text) {
        text.len()
    } else {
        text.width()
    }
}

/// Whether every byte is a printable ASCII character (one column each),
/// tested eight bytes at a time: every text cell of a large agenda is
/// tested, twice (measured, then drawn).
pub fn printable_ascii(text: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    const DELETES: u64 = u64::from_ne_bytes([0x7f; 8]);
    let mut words = text.as_bytes().chunks_exact(8);
    for word in words.by_ref() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let w = u64::from_ne_bytes(eight);
        // No high bit set; then (all bytes below 0x80) no byte below a
        // space, whose subtraction borrows into its high bit, and none
        // equal to DEL, zero after the xor.
        let below_space = w.wrapping_sub(SPACES) & !w;
        let x = w ^ DELETES;
        let delete = x.wrapping_sub(ONES) & !x;
        if (w | below_space | delete) & HIGH != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|b| (b' '..=b'~').contains(b))
}

/// The column widths of one table, in terminal columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    widths: Vec<usize>,
}

impl Grid {
    /// A grid as wide as `header` (a column is at least one column wide,
    /// as comfy-table makes it).
    pub fn new(header: &[&str]) -> Grid {
        let mut grid = Grid {
            widths: vec![1; header.len()],
        };
        grid.measure(header);
        grid
    }

    /// Widens the columns to fit one row's cells (each line of a cell of
    /// several lines).
    pub fn measure<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (width, cell) in self.widths.iter_mut().zip(cells) {
            *width = (*width).max(text_width(cell.as_ref()));
        }
    }

    /// Widens column `column` to fit a cell `width` columns wide (its
    /// widest line), for a caller that knows a cell's width without
    /// writing the cell.
    pub fn fit(&mut self, column: usize, width: usize) {
        if let Some(w) = self.widths.get_mut(column) {
            *w = (*w).max(width);
        }
    }

    /// The wider of two grids' columns, column by column.
    pub fn widest(mut self, other: Grid) -> Grid {
        for (width, theirs) in self.widths.iter_mut().zip(other.widths) {
            *width = (*width).max(theirs);
        }
        self
    }

    /// One row of cells that are one line each (no line break in any),
    /// each with its width ([`line_width`]): [`Grid::row`]'s bytes, written
    /// straight into `out`.
    pub fn line(&self, out: &mut Vec<u8>, cells: &[(&str, usize)], yellow: bool) {
        out.extend_from_slice("│".as_bytes());
        for (i, width) in self.widths.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice("┆".as_bytes());
            }
            match cells.get(i) {
                Some((text, text_width)) => {
                    if yellow {
                        out.extend_from_slice(YELLOW.as_bytes());
                    }
                    out.push(b' ');
                    out.extend_from_slice(text.as_bytes());
                    let pad = width.saturating_sub(*text_width) + 1;
                    out.resize(out.len() + pad, b' ');
                    if yellow {
                        out.extend_from_slice(DEFAULT_COLOUR.as_bytes());
                    }
                }
                None => out.resize(out.len() + width + 2, b' '),
            }
        }
        out.extend_from_slice("│\n".as_bytes());
    }

    fn rule(&self, out: &mut impl Write, [left, fill, middle, right]: [char; 4]) -> io::Result<()> {
        let mut line = String::new();
        line.push(left);
        for (i, width) in self.widths.iter().enumerate() {
            if i > 0 {
                line.push(middle);
            }
            line.extend(std::iter::repeat_n(fill, width + 2));
        }
        line.push(right);
        line.push('\n');
        out.write_all(line.as_bytes())
    }

    /// The top border, the header row and the line under it.
    pub fn head(&self, out: &mut impl Write, header: &[&str]) -> io::Result<()> {
        self.rule(out, ['┌', '─', '┬', '┐'])?;
        self.row(out, header, false)?;
        self.rule(out, ['╞', '═', '╪', '╡'])
    }

    /// The bottom border, with no newline after it (as comfy-table's
    /// `Display` ends).
    pub fn foot(&self, out: &mut impl Write) -> io::Result<()> {
        let mut line = Vec::new();
        self.rule(&mut line, ['└', '─', '┴', '┘'])?;
        line.pop();
        out.write_all(&line)
    }

    /// One row: as many lines as its tallest cell, every cell padded to its
    /// column; in yellow when `yellow` (see [`Grid::row_painted`]).
    pub fn row<S: AsRef<str>>(
        &self,
        out: &mut impl Write,
        cells: &[S],
        yellow: bool,
    ) -> io::Result<()> {
        self.row_painted(out, cells, yellow.then_some(Paint::Yellow))
    }

    /// One row: as many lines as its tallest cell, every cell padded to its
    /// column; in `paint` when given (the blank lines under a shorter cell
    /// are not coloured, as in comfy-table).
    pub fn row_painted<S: AsRef<str>>(
        &self,
        out: &mut impl Write,
        cells: &[S],
        paint: Option<Paint>,
    ) -> io::Result<()> {
        let height = cells
            .iter()
            .map(|c| c.as_ref().split('\n').count())
            .max()
            .unwrap_or(1);
        let mut line = String::new();
        for index in 0..height {
            line.clear();
            line.push('│');
            for (i, width) in self.widths.iter().enumerate() {
                if i > 0 {
                    line.push('┆');
                }
                match cells.get(i).and_then(|c| c.as_ref().split('\n').nth(index)) {
                    Some(text) => {
                        if let Some(paint) = paint {
                            line.push_str(paint.code());
                        }
                        line.push(' ');
                        line.push_str(text);
                        line.extend(std::iter::repeat_n(' ', width - line_width(text) + 1));
                        if paint.is_some() {
                            line.push_str(DEFAULT_COLOUR);
                        }
                    }
                    None => line.extend(std::iter::repeat_n(' ', width + 2)),
                }
            }
            line.push_str("│\n");
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

    use super::*;

    fn comfy(header: &[&str], rows: &[(Vec<&str>, bool)], color: bool) -> String {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.iter().map(Cell::new));
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        for (cells, yellow) in rows {
            table.add_row(cells.iter().map(|text| {
                let cell = Cell::new(text);
                if *yellow {
                    cell.fg(Color::Yellow)
                } else {
                    cell
                }
            }));
        }
        table.to_string()
    }

    fn grid(header: &[&str], rows: &[(Vec<&str>, bool)], color: bool) -> String {
        let mut grid = Grid::new(header);
        for (cells, _) in rows {
            grid.measure(cells);
        }
        let mut out = Vec::new();
        grid.head(&mut out, header).unwrap();
        for (cells, yellow) in rows {
            grid.row(&mut out, cells, color && *yellow).unwrap();
        }
        grid.foot(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn printable_ascii_is_every_byte_from_space_to_tilde() {
        for b in 0..=255u8 {
            let printable = (b' '..=b'~').contains(&b);
            for at in 0..17 {
                let mut text = vec![b'a'; 17];
                text[at] = b;
                if let Ok(text) = std::str::from_utf8(&text) {
                    assert_eq!(printable_ascii(text), printable, "byte {b} at {at}");
                }
            }
        }
        assert!(printable_ascii(""));
        assert!(!printable_ascii("Café ✓"));
        assert!(!printable_ascii("two\nlines and more"));
    }

    #[test]
    fn tables_are_comfy_tables() {
        let header = ["id", "name", "", "note"];
        let samples: Vec<Vec<(Vec<&str>, bool)>> = vec![
            vec![],
            vec![(vec!["acme", "ACME Corporation", "x", ""], true)],
            vec![
                (vec!["zhongshan-steel", "中山钢铁", "", "ünïcödé ✓"], false),
                (vec!["b", "two\nlines", "y", "a note"], true),
                (vec!["c", "", "", "three\nline\nnote"], false),
                (vec!["", "", "", ""], true),
            ],
        ];
        for rows in &samples {
            for color in [false, true] {
                assert_eq!(
                    grid(&header, rows, color),
                    comfy(&header, rows, color),
                    "colour {color}"
                );
            }
        }
    }
}
