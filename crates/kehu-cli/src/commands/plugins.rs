//! `kehu plugins`: every plugin found, with its version, ABI version, path
//! and what it does; warnings for every file passed over.

use std::io::Write;

use serde_json::Value;

use crate::cli::PluginsArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{Format, Table};
use crate::plugin_host;

/// Lists the plugins.
pub fn run(context: &mut Context, _args: PluginsArgs) -> anyhow::Result<Outcome> {
    let format = context.format(
        Format::Table,
        &[Format::Table, Format::Json, Format::Csv, Format::Markdown],
    )?;
    let registry = plugin_host::load_all(context);
    let mut table = Table::new(["name", "version", "abi", "path", "about"]);
    for plugin in registry.plugins() {
        let info = plugin.info();
        table.push([
            Value::from(info.name.as_str()),
            Value::from(info.version.as_str()),
            Value::from(info.abi_version),
            Value::from(info.path.display().to_string()),
            Value::from(info.about.as_str()),
        ]);
    }
    table.write(
        &mut std::io::stdout().lock(),
        format,
        "plugins",
        context.color,
    )?;
    if registry.plugins().is_empty() && format == Format::Table {
        let dirs: Vec<String> = registry
            .searched()
            .iter()
            .map(|d| format!("  {}", d.path.display()))
            .collect();
        writeln!(
            std::io::stderr(),
            "no plugins found; searched:\n{}",
            dirs.join("\n")
        )?;
    }
    Ok(Outcome::Clean)
}
