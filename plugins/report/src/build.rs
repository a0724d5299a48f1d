//! Gathers what the report needs from the host (the book at the end and at
//! the start of the period, the period's changes) and computes every
//! section. The end book is the host's book when the period ends on the
//! `--as-of` day, else the book as it was at the end of the period's last
//! day, so a past week is reported as it was.

use kehu_core::Config;
use kehu_plugin::protocol::Book;
use kehu_plugin_sdk::{Context, PluginError};

use crate::history::{self, Change};
use crate::model::{Report, SCHEMA};
use crate::period::Period;
use crate::sections::{Snapshot, activity, followup, kpi, lifecycle, portfolio, service};

/// A book's kehu.toml, typed (the same reading as `Context::config`).
pub fn config_of(book: &Book) -> Result<Config, PluginError> {
    let mut config: Config = serde_json::from_value(book.config.clone()).map_err(|error| {
        PluginError::Host(format!(
            "the host sent an unreadable kehu.toml for {}: {error}",
            book.as_of
        ))
    })?;
    if let Some(extra) = book
        .config
        .get("extra")
        .and_then(serde_json::Value::as_object)
    {
        config.extra = extra.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    }
    Ok(config)
}

/// What the host gave for one run.
pub struct Inputs {
    /// The book at the end of the period.
    pub end: Book,
    /// The book at the start (the end of the day before); `None` without history.
    pub start: Option<Book>,
    /// The period's changes; `None` without history.
    pub changes: Option<Vec<Change>>,
    /// Complaint trailers of the whole history up to the period's end.
    pub complaints: Vec<kehu_analytics::complaints::ComplaintEvent>,
    /// Each customer's recorded `revenue_12m` values up to the period's end.
    pub revenue: std::collections::BTreeMap<String, Vec<(kehu_core::Date, f64)>>,
    /// Why something was not available, for the notes.
    pub notes: Vec<String>,
}

/// Asks the host for the books and the changes of `period`.
pub fn gather(ctx: &Context<'_>, period: &Period) -> Result<Inputs, PluginError> {
    let end = if period.until == ctx.as_of() {
        ctx.book()?.clone()
    } else {
        ctx.book_at(period.until)?
    };
    let mut notes = Vec::new();
    let start = match ctx.book_at(period.start_day()) {
        Ok(book) => Some(book),
        Err(e) => {
            notes.push(format!(
                "no book as of {} ({e}): start-of-period figures are left out",
                period.start_day()
            ));
            None
        }
    };
    // The whole history to the period's end: complaints opened before the
    // period may be open or resolved in it; `history::read` keeps the period.
    let (changes, complaints, revenue) = match ctx.changes(None, Some(period.until)) {
        Ok(events) => (
            Some(history::read(&events, period)?),
            service::events(&events),
            kehu_analytics::lifecycle::revenue_histories(&events, period.until),
        ),
        Err(e) => {
            notes.push(format!(
                "no history ({e}): contacts, movements, transitions and complaints are left out"
            ));
            (None, Vec::new(), Default::default())
        }
    };
    Ok(Inputs {
        end,
        start,
        changes,
        complaints,
        revenue,
        notes,
    })
}

/// Computes the report.
pub fn build(inputs: &Inputs, period: &Period, top: usize) -> Result<Report, PluginError> {
    let end_config = config_of(&inputs.end)?;
    let end = Snapshot {
        customers: &inputs.end.customers,
        config: &end_config,
    };
    let start_config = inputs.start.as_ref().map(config_of).transpose()?;
    let start = inputs
        .start
        .as_ref()
        .zip(start_config.as_ref())
        .map(|(book, config)| Snapshot {
            customers: &book.customers,
            config,
        });
    let changes: &[Change] = inputs.changes.as_deref().unwrap_or(&[]);
    let (contact_total, contacts) = activity::contacts(changes, &end);
    let mut notes = inputs.notes.clone();
    notes.push(
        "active = stage `won`; revenue = sum of metrics.revenue_12m; at-risk signals: \
         P(alive), order gap, overdue follow-up"
            .to_owned(),
    );
    Ok(Report {
        schema: SCHEMA,
        period: period.clone(),
        start: period.start_day(),
        currency: end_config.book.currency.clone(),
        kpis: kpi::kpis(&end, start.as_ref(), contact_total),
        service: service::service(&end, &inputs.complaints, period),
        lifecycle: lifecycle::lifecycle(
            &end,
            period.until,
            start.as_ref().map(|s| (s, period.start_day())),
            &inputs.revenue,
        ),
        portfolio: portfolio::portfolio(
            &end,
            period.until,
            start.as_ref().map(|s| (s, period.start_day())),
        )?,
        pareto: kpi::pareto(&end),
        movements: activity::movements(changes, &end),
        migration: start.as_ref().map(|s| activity::migration(s, &end)),
        contacts,
        overdue: followup::overdue(&end, period.until)?,
        at_risk: followup::at_risk(&end, period.until, top)?,
        funnel: activity::funnel(changes, &end, start.as_ref()),
        notes,
    })
}
