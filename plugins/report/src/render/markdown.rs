//! Markdown for CI job summaries (GitHub-flavoured tables). Cell text is
//! escaped so customer text can neither break a table (`|`, newlines) nor
//! inject markup or HTML (`<script>` is printed as `&lt;script&gt;`).

use std::fmt::Write as _;

use super::grids::{Grid, grids, title};
use crate::model::Report;

/// Escapes text for a Markdown table cell.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

fn grid(out: &mut String, g: &Grid) {
    writeln!(out, "### {}\n", escape(&g.title)).ok();
    if g.rows.is_empty() {
        writeln!(out, "_{}_\n", g.empty).ok();
        return;
    }
    let head: Vec<String> = g.columns.iter().map(|c| escape(c)).collect();
    writeln!(out, "| {} |", head.join(" | ")).ok();
    writeln!(out, "|{}", " --- |".repeat(g.columns.len())).ok();
    for row in &g.rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        writeln!(out, "| {} |", cells.join(" | ")).ok();
    }
    out.push('\n');
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    writeln!(out, "## {}\n", escape(&title(report))).ok();
    for g in grids(report) {
        grid(&mut out, &g);
    }
    for note in &report.notes {
        writeln!(out, "> {}\n", escape(note)).ok();
    }
    out
}
