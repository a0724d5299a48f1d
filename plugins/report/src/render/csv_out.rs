//! CSV: every table in one long-form file, `table,row,column,value`, where
//! `row` is the row's first cell (a tier, an owner, a date ...) and
//! `column` names the figure. One parser reads all sections.

use kehu_core::escape::csv_safe;
use kehu_plugin_sdk::PluginError;

use super::grids::grids;
use crate::model::Report;

fn failed(e: impl std::fmt::Display) -> PluginError {
    PluginError::Failed(format!("writing CSV: {e}"))
}

/// The report as CSV.
pub fn render(report: &Report) -> Result<String, PluginError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["table", "row", "column", "value"])
        .map_err(failed)?;
    for g in grids(report) {
        for (index, row) in g.rows.iter().enumerate() {
            // Movements share a date: number them so rows stay distinct.
            let key = if g.key == "movements" {
                format!("{}#{}", row.first().map_or("", String::as_str), index + 1)
            } else {
                row.first().cloned().unwrap_or_default()
            };
            for (column, value) in g.columns.iter().zip(row).skip(1) {
                writer
                    .write_record([g.key, &csv_safe(&key), column.as_str(), &csv_safe(value)])
                    .map_err(failed)?;
            }
        }
    }
    let bytes = writer.into_inner().map_err(failed)?;
    String::from_utf8(bytes).map_err(failed)
}
