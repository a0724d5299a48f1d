//! The policy to grade under: the book's kehu.toml, or kehu.toml at a git
//! revision (`--rules-from`). A policy that cannot be used is a data error
//! naming the file, line and column.

use kehu_analytics::{Policy, PolicyError};
use kehu_core::parse_config;
use kehu_plugin_sdk::{Context, PluginError};

/// The policy of the book the host sent. When it cannot drive the
/// computations (a tier condition that does not parse or names an unknown
/// field), the error is placed in kehu.toml by asking the host for the
/// file's text; a host that cannot send it still gets the error, unplaced.
pub fn current(ctx: &Context<'_>) -> Result<Policy, PluginError> {
    let config = ctx.config()?;
    Policy::from_config(&config).map_err(|error| match ctx.rules_at(None) {
        Ok(rules) => match placed_errors(&rules.text, "kehu.toml") {
            Some(message) => PluginError::Data(message),
            None => unplaced(&error),
        },
        Err(_) => unplaced(&error),
    })
}

/// The policy of kehu.toml at git revision `rev`.
pub fn at_revision(ctx: &Context<'_>, rev: &str) -> Result<Policy, PluginError> {
    let rules = ctx.rules_at(Some(rev))?;
    from_text(&rules.text, &format!("{rev}:kehu.toml"))
}

/// Parses a kehu.toml text into a policy; `label` names the file in
/// messages (`kehu.toml`, `v1:kehu.toml`).
pub fn from_text(text: &str, label: &str) -> Result<Policy, PluginError> {
    if let Some(message) = placed_errors(text, label) {
        return Err(PluginError::Data(message));
    }
    let report = parse_config(text.as_bytes());
    let config = report
        .config
        .ok_or_else(|| PluginError::Data(format!("{label}: cannot be read as a kehu policy")))?;
    Policy::from_config(&config)
        .map_err(|error| PluginError::Data(format!("{label}: {}", strip_file(&error))))
}

/// Every error `kehu check` would report in the file, one per line, with
/// `label` in place of the file name; `None` when there is none.
fn placed_errors(text: &str, label: &str) -> Option<String> {
    let report = parse_config(text.as_bytes());
    let lines: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let shown = d.to_string();
            match shown.strip_prefix(d.path.as_str()) {
                Some(rest) => format!("{label}{rest}"),
                None => shown,
            }
        })
        .collect();
    if lines.is_empty() {
        None
    } else {
        Some(lines.join("\n"))
    }
}

fn strip_file(error: &PolicyError) -> String {
    let text = error.to_string();
    text.strip_prefix("kehu.toml ").unwrap_or(&text).to_owned()
}

fn unplaced(error: &PolicyError) -> PluginError {
    PluginError::Data(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_condition_is_placed_at_its_line_and_column() {
        let text = "[[tiers]]\nname = \"big\"\nwhen = 'revenue_12m >= 10 and revnue > 1'\n\n[[tiers]]\nname = \"small\"\n";
        let error = from_text(text, "v1:kehu.toml").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("v1:kehu.toml:3:31: error: "),
            "{message}"
        );
        assert!(message.contains("revnue"), "{message}");
        assert!(from_text("[[tiers]]\nname = \"only\"\n", "kehu.toml").is_ok());
    }
}
