//! `kehu assign --review`: the periodic review of the assignment, measured
//! from git history over a window (default: the three months before
//! `--as-of`). See `figures` for what is measured and `history` for how the
//! past is read.

mod figures;
mod history;
mod render;
#[cfg(test)]
mod tests;

use chrono::Months;
use kehu_core::{Config, Date};
use kehu_plugin_sdk::{Context, Output, PluginError};

use crate::args::Format;

/// The default window: three months back from `until`.
pub fn default_since(until: Date) -> Date {
    Date(
        until
            .0
            .checked_sub_months(Months::new(3))
            .unwrap_or(until.0),
    )
}

/// Runs the review.
pub fn run(
    ctx: &Context<'_>,
    config: &Config,
    since: Option<Date>,
    format: Format,
) -> Result<Output, PluginError> {
    let until = ctx.as_of();
    let since = since.unwrap_or_else(|| default_since(until));
    if since > until {
        return Err(PluginError::Usage(format!(
            "`--since {since}` is after --as-of {until}"
        )));
    }
    let book = ctx.book()?;
    let events = ctx
        .changes(Some(since), Some(until))
        .map_err(|e| PluginError::Host(format!("--review reads the book's git history: {e}")))?;
    let days = figures::days(since, until);
    let replay = history::replay(&book.customers, &events, &days, |_, state| {
        figures::measure(config, state)
    })?;
    let review = figures::review(config, &book.customers, &replay, since, until);
    let text = render::render(&review, format).map_err(PluginError::Failed)?;
    Ok(Output::text(text).pure())
}
