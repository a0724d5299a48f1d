//! Aligned tables for the terminal (comfy-table, no colour, no terminal
//! width probing: the same bytes on every run).
//!
//! A long grid (the overdue follow-ups of a large book run to tens of
//! thousands of rows) is drawn [`CHUNK`] rows at a time at the widths of
//! the whole grid, so comfy-table never holds more than one chunk of cells:
//! the bytes are those of one table drawn at once.

use std::fmt::Write as _;

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

use super::grids::{Grid, grids, title};
use crate::model::Report;

/// Rows drawn per comfy-table table.
pub const CHUNK: usize = 2_000;

/// The report as terminal tables.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    writeln!(out, "{}", title(report)).ok();
    for g in grids(report) {
        writeln!(out, "\n{}", g.title).ok();
        if g.rows.is_empty() {
            writeln!(out, "  ({})", g.empty).ok();
            continue;
        }
        draw(&mut out, &g, CHUNK);
        out.push('\n');
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            writeln!(out, "note: {note}").ok();
        }
    }
    out
}

/// A comfy-table table of `header` (if any) and `rows`.
fn table(header: Option<&[String]>, rows: &[Vec<String>]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if let Some(header) = header {
        table.set_header(header.to_vec());
    }
    for row in rows {
        table.add_row(row.clone());
    }
    table
}

/// Draws `grid` (header and rows, without a final newline) onto `out`,
/// `chunk` rows at a time.
fn draw(out: &mut String, grid: &Grid, chunk: usize) {
    let chunk = chunk.max(1);
    let at_once = |out: &mut String| {
        write!(out, "{}", table(Some(&grid.columns), &grid.rows)).ok();
    };
    if grid.rows.len() <= chunk {
        return at_once(out);
    }
    // The widths comfy-table would give the whole grid: the widest cell
    // of each column over every chunk (the header counted once).
    let mut widths: Vec<u16> = table(Some(&grid.columns), &[]).column_max_content_widths();
    for rows in grid.rows.chunks(chunk) {
        let chunk_widths = table(None, rows).column_max_content_widths();
        for (width, w) in widths.iter_mut().zip(chunk_widths) {
            *width = (*width).max(w);
        }
    }
    if widths.iter().any(|w| w.checked_add(2).is_none()) {
        // A cell too wide for a width constraint: comfy-table draws it at once.
        return at_once(out);
    }
    let count = grid.rows.len().div_ceil(chunk);
    for (i, rows) in grid.rows.chunks(chunk).enumerate() {
        let (first, last) = (i == 0, i + 1 == count);
        let mut table = table(first.then_some(grid.columns.as_slice()), rows);
        for (column, width) in table.column_iter_mut().zip(&widths) {
            // The constraint's width includes the one-space padding each side.
            let padded = width.saturating_add(2);
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(padded)));
        }
        let text = table.to_string();
        let mut lines: Vec<&str> = text.split('\n').collect();
        // One table: the top border once, the bottom border once.
        if !last {
            lines.pop();
        }
        if !first && !lines.is_empty() {
            lines.remove(0);
        }
        if !first {
            out.push('\n');
        }
        out.push_str(&lines.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_drawn_in_chunks_is_the_grid_drawn_at_once() {
        let mut grid = Grid::new("t", "T", &["id", "name", "days"], "none");
        for i in 0..25 {
            let name = match i {
                7 => "a much longer name than the others".to_owned(),
                12 => "two\nlines".to_owned(),
                19 => "宽字符名".to_owned(),
                _ => format!("n{i}"),
            };
            grid.rows
                .push(vec![format!("c{i:02}"), name, (i * 37).to_string()]);
        }
        let mut whole = String::new();
        draw(&mut whole, &grid, usize::MAX);
        assert_eq!(whole, table(Some(&grid.columns), &grid.rows).to_string());
        for chunk in [1, 2, 7, 10, 24, 25] {
            let mut chunked = String::new();
            draw(&mut chunked, &grid, chunk);
            assert_eq!(chunked, whole, "chunks of {chunk}");
        }
    }
}
