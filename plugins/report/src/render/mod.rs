//! Output formats. All render from [`crate::model::Report`] (JSON directly,
//! the others through [`grids`]), with no clock and no hash-map order, so
//! the same book, commit and period give the same bytes.

pub mod csv_out;
pub mod grids;
pub mod html;
pub mod kpi_service;
pub mod markdown;
pub mod table;

use kehu_plugin_sdk::PluginError;

use crate::args::Format;
use crate::model::Report;

/// The report in `format`.
pub fn render(report: &Report, format: Format) -> Result<String, PluginError> {
    match format {
        Format::Json => serde_json::to_string_pretty(report)
            .map(|s| s + "\n")
            .map_err(|e| PluginError::Failed(format!("writing JSON: {e}"))),
        Format::Markdown => Ok(markdown::render(report)),
        Format::Html => Ok(html::render(report)),
        Format::Table => Ok(table::render(report)),
        Format::Csv => csv_out::render(report),
    }
}
