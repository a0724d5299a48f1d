//! Aligned tables for the terminal, byte for byte as comfy-table draws
//! them (`UTF8_FULL_CONDENSED`, no colour, no terminal width probing: the
//! same bytes on every run), written line by line with the SDK's
//! [`table::Grid`]: a long period's movements run to thousands of rows,
//! which comfy-table would copy and pad cell by cell. A
//! grid with a cell too wide for comfy-table's widths (which it cuts into
//! pieces) is left to comfy-table.

use std::fmt::Write as _;

use kehu_plugin_sdk::table;

use super::grids::{Grid, grids, title};
use crate::model::Report;

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
        out = draw(out, &g);
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

/// The widest cell [`table::Grid`] draws as comfy-table does: comfy-table
/// keeps a column's width in a `u16` with its padding, and cuts the lines
/// of a wider cell (a year's list of ids) into pieces.
const WIDEST: usize = u16::MAX as usize - 2;

/// `out` with `grid` (header and rows, without a final newline) drawn
/// after it.
fn draw(mut out: String, grid: &Grid) -> String {
    let cells = grid.columns.iter().chain(grid.rows.iter().flatten());
    if cells.map(|c| table::text_width(c)).any(|w| w > WIDEST) {
        write!(out, "{}", comfy(grid)).ok();
        return out;
    }
    let header: Vec<&str> = grid.columns.iter().map(String::as_str).collect();
    let mut widths = table::Grid::new(&header);
    for row in &grid.rows {
        widths.measure(row);
    }
    let mut bytes = out.into_bytes();
    // Writing into a Vec cannot fail.
    let _ = widths.head(&mut bytes, &header);
    for row in &grid.rows {
        let _ = widths.row(&mut bytes, row, false);
    }
    let _ = widths.foot(&mut bytes);
    // Only text was written, so the bytes are UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A grid drawn by comfy-table itself.
fn comfy(grid: &Grid) -> comfy_table::Table {
    use comfy_table::{ContentArrangement, Table, presets};
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(grid.columns.clone());
    for row in &grid.rows {
        table.add_row(row.clone());
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_drawn_as_comfy_table_draws_it() {
        let mut grid = Grid::new("t", "T", &["id", "name", "days", ""], "none");
        for i in 0..25 {
            let name = match i {
                7 => "a much longer name than the others".to_owned(),
                12 => "two\nlines".to_owned(),
                19 => "宽字符名".to_owned(),
                21 => String::new(),
                _ => format!("n{i}"),
            };
            let note = if i == 3 { "x\ny\nz" } else { "" };
            grid.rows.push(vec![
                format!("c{i:02}"),
                name,
                (i * 37).to_string(),
                note.into(),
            ]);
        }
        for rows in [1, 2, 25] {
            let mut part = grid.clone();
            part.rows.truncate(rows);
            assert_eq!(
                draw("head\n".into(), &part),
                format!("head\n{}", comfy(&part))
            );
        }
    }
}
