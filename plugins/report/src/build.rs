//! Gathers what the report needs from the host (the book at the end of
//! the period, the figures of the book at its start, the books the grade
//! calibration starts from, the history windows of [`crate::read`]) and
//! computes every section. The end book is the host's book when the period
//! ends on the `--as-of` day, else the book as it was at the end of the
//! period's last day, so a past week is reported as it was. The start book
//! is the end book with the period undone in place ([`rewind_in_place`]),
//! kept as its figures ([`Start`]) and turned back: one book in memory.
//! A period that names many customers is undone in the book itself, which
//! is then read again from the host for the end book
//! ([`crate::rewind::IN_PLACE_AFTER`]).
//! The book is graded for the portfolio alone (on both cores), then the
//! other sections are made on two threads; the at-risk list's model is
//! fitted on the end book there, so its working memory is never held
//! beside a grading.

use std::collections::BTreeMap;

use kehu_analytics::calibration::windows;
use kehu_analytics::churn::fit_book;
use kehu_analytics::{PipelineGrade, Policy};
use kehu_core::{Config, Date};
use kehu_plugin::protocol::Book;
use kehu_plugin_sdk::{Context, PluginError};

use crate::memory::release_free_memory;
use crate::model::{Report, SCHEMA};
use crate::period::Period;
use crate::read::{Read, Unread, read};
use crate::rewind::rewind_in_place;
use crate::sections::start::Start;
use crate::sections::{
    self, Snapshot, calibration, followup, funnel, kpi, lifecycle, movements, portfolio, service,
};

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
    /// The figures of the book at the start (the end of the day before);
    /// `None` without history.
    pub start: Option<Start>,
    /// The history read for the period; `None` without history.
    pub history: Option<Read>,
    /// The grade calibration's windows: (grade, months, first day).
    pub windows: Vec<(PipelineGrade, u32, Date)>,
    /// The books on the windows' first days (missing where the book did
    /// not exist yet).
    pub window_books: BTreeMap<Date, Book>,
    /// Why something was not available, for the notes.
    pub notes: Vec<String>,
}

fn policy(config: &Config) -> Result<Policy, PluginError> {
    Policy::from_config(config).map_err(|e| PluginError::Data(format!("kehu.toml: {e}")))
}

/// The book at the end of `period`: the host's, or as it was that day.
fn end_book(ctx: &mut Context<'_>, period: &Period) -> Result<Book, PluginError> {
    if period.until == ctx.as_of() {
        ctx.take_book()
    } else {
        ctx.book_at(period.until)
    }
}

/// Asks the host for the books and the history of `period` ([`read`]).
pub fn gather(
    ctx: &mut Context<'_>,
    period: &Period,
    calibrate: bool,
) -> Result<Inputs, PluginError> {
    let mut end = end_book(ctx, period)?;
    let mut notes = Vec::new();
    let config = config_of(&end)?;
    let mut history = match read(ctx, period, &mut end.customers, &config) {
        Ok(read) => Some(read),
        Err(Unread { error, book_undone }) => {
            notes.push(format!(
                "no history ({error}): contacts, movements, transitions, revenue growth, \
                 complaints and the history signals of the at-risk list are left out"
            ));
            if book_undone {
                end.customers = Vec::new();
                end = end_book(ctx, period)?;
            }
            None
        }
    };
    // The history's answers and working structures are gone: their pages
    // go back before the start book and the sections are made.
    release_free_memory();
    let start = match &mut history {
        Some(read) => {
            let rewound = std::mem::take(&mut read.rewound);
            let failed = rewound.failed;
            let undone = rewind_in_place(&mut end.customers, rewound);
            if failed > 0 {
                notes.push(format!(
                    "{failed} change(s) of the period could not be undone: the start-of-period \
                     book may differ from git's for those customers"
                ));
            }
            let book = Snapshot {
                customers: &end.customers,
                config: &config,
            };
            let start = Start::of(
                &book,
                period.start_day(),
                &read.revenue,
                &read.period.touched,
            );
            if !undone.restore(&mut end.customers) {
                // Undone in place (the period named many customers): the
                // start book goes before the end book is read again.
                end.customers = Vec::new();
                release_free_memory();
                end = end_book(ctx, period)?;
            }
            let end = Snapshot {
                customers: &end.customers,
                config: &config,
            };
            movements::name(&mut read.period.movements, &end);
            // The start book's gradings are gone too.
            release_free_memory();
            Some(start?)
        }
        None => None,
    };
    let windows = if calibrate {
        windows(&policy(&config_of(&end)?)?.pipeline, period.until)
    } else {
        Vec::new()
    };
    let mut window_books: BTreeMap<Date, Book> = BTreeMap::new();
    for (grade, _, day) in &windows {
        if window_books.contains_key(day) {
            continue;
        }
        match ctx.book_at(*day) {
            Ok(book) => {
                window_books.insert(*day, book);
            }
            Err(e) => notes.push(format!(
                "no book as of {day} ({e}): grade {} is not calibrated",
                grade.as_str()
            )),
        }
    }
    Ok(Inputs {
        end,
        start,
        history,
        windows,
        window_books,
        notes,
    })
}

/// What a scoped thread returned; its panic goes on in this thread.
pub(crate) fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Computes the report.
pub fn build(inputs: &Inputs, period: &Period, top: usize) -> Result<Report, PluginError> {
    let end_config = config_of(&inputs.end)?;
    let end = Snapshot {
        customers: &inputs.end.customers,
        config: &end_config,
    };
    let read = inputs.history.as_ref();
    let no_history = sections::Period::default();
    let history = read.map_or(&no_history, |r| &r.period);
    let mut notes = inputs.notes.clone();
    notes.push(
        "active = stage `won`; revenue = sum of metrics.revenue_12m; revenue booked = the rise \
         of metrics.revenue_total in the period's commits; at risk: `kehu churn`'s scoring as of \
         the period's end; days per stage: stays that began and ended in the period"
            .to_owned(),
    );
    let end = &end;
    // The book is graded first, alone (on both cores): its working memory
    // is gone before the at-risk scoring makes its own.
    let start = inputs.start.as_ref();
    let portfolio = portfolio::portfolio(end, period.until, start.map(|s| &s.portfolio))?;
    release_free_memory();
    std::thread::scope(|scope| {
        let beside = scope.spawn(move || beside(inputs, period, end, top));
        report(inputs, period, end, history, portfolio, notes, || {
            joined(beside)
        })
    })
}

/// The sections computed on a thread of their own, beside the others.
struct Beside {
    at_risk: Vec<followup::AtRisk>,
    overdue: followup::Followups,
}

/// The at-risk list (fitting the model and scoring the whole book) and the
/// overdue follow-ups: about half the sections' work, none of it needing
/// the others.
fn beside(
    inputs: &Inputs,
    period: &Period,
    end: &Snapshot<'_>,
    top: usize,
) -> Result<Beside, PluginError> {
    let read = inputs.history.as_ref();
    // Fitted here, not while the history is read: the model's working
    // memory is then not held through the start book and the grading.
    let fitted = fit_book(end.customers, period.until);
    let trails = read.map(|r| &r.trails);
    Ok(Beside {
        at_risk: followup::at_risk(end, period.until, trails, top, fitted)?,
        overdue: followup::overdue(end, period.until, top)?,
    })
}

/// The report from the sections (the portfolio made already); `beside`
/// waits for those of [`beside`].
fn report(
    inputs: &Inputs,
    period: &Period,
    end: &Snapshot<'_>,
    history: &sections::Period,
    portfolio: portfolio::Portfolio,
    notes: Vec<String>,
    beside: impl FnOnce() -> Result<Beside, PluginError>,
) -> Result<Report, PluginError> {
    let start = inputs.start.as_ref();
    let read = inputs.history.as_ref();
    let (contact_total, contacts) = history.contacts.rows();
    let moves = history.movements.clone();
    let windows: Vec<calibration::Window<'_>> = inputs
        .windows
        .iter()
        .map(|window| {
            let book = inputs.window_books.get(&window.2);
            (*window, book.map(|b| b.customers.as_slice()))
        })
        .collect();
    let kpis = kpi::kpis(
        end,
        start,
        read.map(|r| (history, r.previous_booked)),
        contact_total,
    );
    let migration = start.map(|s| movements::migration(s, end, history));
    let funnel = funnel::funnel(history, end, start);
    let calibration =
        (!inputs.windows.is_empty()).then(|| calibration::calibration(&windows, end, period.until));
    let service = service::service(end, read.map_or(&[], |r| &r.complaints), period);
    let no_revenue = BTreeMap::new();
    let revenue = read.map_or(&no_revenue, |r| &r.revenue);
    let lifecycle = lifecycle::lifecycle(end, period.until, start.map(|s| &s.lifecycle), revenue);
    let Beside { at_risk, overdue } = beside()?;
    Ok(Report {
        schema: SCHEMA,
        period: period.clone(),
        start: period.start_day(),
        previous_since: period.previous_since(),
        currency: end.config.book.currency.clone(),
        service,
        lifecycle,
        kpis,
        portfolio,
        pareto: kpi::pareto(end),
        movement_series: movements::series(&moves, period.since, period.until),
        movements: moves,
        migration,
        contacts,
        overdue,
        at_risk,
        funnel,
        calibration,
        notes,
    })
}
