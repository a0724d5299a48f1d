//! Aligned tables for the terminal (comfy-table, no colour, no terminal
//! width probing: the same bytes on every run).

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};

use super::grids::{grids, title};
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
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(g.columns.clone());
        for row in &g.rows {
            table.add_row(row.clone());
        }
        writeln!(out, "{table}").ok();
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            writeln!(out, "note: {note}").ok();
        }
    }
    out
}
