//! `kehu agenda`: who to follow up and when, by the cadence of each
//! customer's pipeline grade and value tier (the stricter wins; a cadence
//! in the customer's file overrides both), from the last contact (the
//! latest of `[contact].last` and the contact commits in history).
//!
//! Overdue key account plan actions are listed below the follow-ups, on
//! the agenda of the action's owner ([`actions`]).
//!
//! Module map: [`args`] the command line, [`contacts`] the last contact
//! from the book and history, [`plan`] cadence, status, urgency and views,
//! [`render`] tables, CSV, Markdown and JSON, [`ics`] the calendar.

pub mod actions;
pub mod args;
pub mod batch;
pub mod contacts;
pub mod ics;
pub mod plan;
pub mod render;

#[cfg(test)]
mod tests;

use std::io::Write;

use kehu_analytics::policy::Policy;
use kehu_plugin_sdk::{Choice, Context, Output, Plugin, PluginError};

use args::{Format, Options};
use contacts::Contacts;
use plan::View;

/// The help text.
pub fn help() -> &'static str {
    "\
Follow-ups by cadence: who is due, who is overdue, and when the next ones come.

Usage: kehu agenda [--owner X] [--days N | --overdue] [--format FORMAT] [--vevent]
       kehu agenda --explain ID
       kehu agenda --batch [--channel X] [--owner X] [--format csv]

Each customer has an ideal and a maximum interval between contacts: the
stricter of its pipeline grade's (kehu.toml [cadence]: A 1, B 7, C 15,
D 30, E 365 days) and its tier's ([[tiers]] cadence), or its own
`cadence` when its file sets one. Past the ideal it is due, past the
maximum overdue. The last contact is the latest of [contact].last and the
latest contact commit in git history (kind contact or a Kehu-Contact
trailer); when they disagree the agenda says so. Lost, churned and
grade-E customers stay on the agenda at their cadence. Open key account
plan actions ([[plan.actions]]) past their due day follow, on the agenda
of each action's owner. The channel column is the first preferred channel
of the customer's tier (kehu.toml [[tiers]] service).

Order: urgency = tier weight × (days past ideal + step past max), the step
(kehu.toml [agenda] step_days, default 30) added once the maximum is
passed; a customer never contacted counts as one day past its maximum.
Higher first, ties by id.

History is read once, book-wide, over the longest maximum interval in
force, or over kehu.toml [agenda] history_days (0: no history, the last
contact is [contact].last alone; for very large histories).

Options:
  --owner X        one person's plan
  --days N         the next N days (today included), grouped by day then owner;
                   default: today's due and all overdue, grouped by owner
  --overdue        only the overdue
  --explain ID     one customer's cadence, last contact and urgency terms
  --batch          the pooled customers (tier service model `pool`) due or
                   overdue, one list per suggested channel, for a mass contact
  --channel X      with --batch: only the list of channel X (plain CSV for a
                   mailing tool: --batch --channel email --format csv)
  --format FORMAT  table (default), json, csv, markdown or ics
                   (ics: one VTODO per follow-up, RFC 5545)
  --vevent         with --format ics: all-day VEVENTs instead of VTODOs
  -h, --help       print this help
"
}

/// The customer fields every view of the agenda reads (the host sends no
/// other than these and those of [`reads`]).
const READS: [&str; 6] = [
    "name",
    "owner",
    "cadence",
    "grade.tier",
    "grade.pipeline",
    "contact.last",
];

/// The fields a run reads: [`READS`], with the stage for JSON (the only
/// format that shows it), the region for `--batch` lists and the key
/// account plans for the views that list overdue plan actions (table,
/// Markdown and JSON). The plans are the largest part of a book handed
/// over, and most runs of a calendar export or a batch need none.
fn reads(options: &Options, format: Format) -> Vec<&'static str> {
    let mut reads = READS.to_vec();
    if format == Format::Json {
        reads.push("stage");
    }
    if options.batch {
        reads.push("region");
    } else if options.explain.is_none()
        && matches!(format, Format::Table | Format::Markdown | Format::Json)
    {
        reads.push("plan.actions");
    }
    reads
}

/// The plugin. One value is made per run.
#[derive(Default)]
pub struct Agenda;

impl Plugin for Agenda {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let options = Options::parse(args)?;
        if options.help {
            return Ok(Output::text(help()));
        }
        let format = Format::or_global(options.format, ctx.format())?;
        ctx.read_fields(&reads(&options, format))?;
        let config = ctx.config()?;
        let policy = Policy::from_config(&config).map_err(|e| PluginError::Data(e.to_string()))?;
        let section = ctx.config_section("agenda")?;
        let step = plan::step_days(section);
        let history_days = plan::history_days(section);
        let as_of = ctx.as_of();
        let book = ctx.book()?;
        let (since, until) = plan::window(&policy, &book.customers, as_of, history_days);
        // The groundwork of the plan needs no history: it is laid on a
        // second thread while the host reads the contacts.
        let (ground, contacts) = std::thread::scope(|scope| {
            let ground = scope.spawn(|| plan::groundwork(&policy, &config, &book.customers));
            let contacts = match history_days {
                Some(0) => Ok(Contacts::default()),
                _ => contacts::from_host(ctx, since, until),
            };
            let ground = ground
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (ground, contacts)
        });
        let mut notes = Vec::new();
        let (contacts, read_since) = match contacts {
            Ok(contacts) => (contacts, (history_days != Some(0)).then_some(since)),
            Err(error) => {
                notes.push(format!(
                    "warning: no history ({error}); the last contact is [contact].last alone"
                ));
                (Contacts::default(), None)
            }
        };
        let planned = plan::plan(ground, &book.customers, &contacts, read_since, as_of, step);
        notes.extend(planned.warnings.iter().map(|w| format!("warning: {w}")));
        if !planned.without_cadence.is_empty() {
            let shown = planned.without_cadence.len().min(10);
            let more = if planned.without_cadence.len() > shown {
                ", …"
            } else {
                ""
            };
            notes.push(format!(
                "note: {} customer(s) without a cadence (no pipeline grade, tier cadence or own cadence): {}{more}",
                planned.without_cadence.len(),
                planned.without_cadence[..shown].join(", ")
            ));
        }
        let stdout = if options.batch {
            let lists = batch::lists(
                &config,
                &planned,
                options.channel.as_deref(),
                options.owner.as_deref(),
            );
            match format {
                Format::Csv => batch::csv(&lists, options.channel.is_some())?,
                Format::Json => batch::json(&lists, as_of)?,
                Format::Markdown => batch::markdown(&lists, as_of),
                Format::Table | Format::Ics => batch::terminal(&lists, as_of, ctx.color()),
            }
        } else if let Some(id) = &options.explain {
            let item = planned.find(id).ok_or_else(|| {
                if book.customers.iter().any(|c| &c.id == id) {
                    PluginError::Data(format!(
                        "{id}: no cadence (no pipeline grade, tier cadence or own cadence)"
                    ))
                } else {
                    PluginError::Usage(format!("no customer `{id}`"))
                }
            })?;
            match format {
                Format::Json => render::pretty(&serde_json::json!({
                    "schema": render::JSON_SCHEMA,
                    "as_of": as_of,
                    "explain": render::item_json(item),
                }))?,
                _ => render::explain_text(item, as_of),
            }
        } else {
            let view = View {
                owner: options.owner.clone(),
                days: options.days,
                overdue: options.overdue,
            };
            let items = view.select(&planned, as_of);
            let overdue_actions =
                || actions::overdue(&book.customers, as_of, view.owner.as_deref());
            match format {
                Format::Table => {
                    // Streamed to the host as it is drawn: the agenda of a
                    // large book is tens of megabytes.
                    let mut stdout = ctx.stdout();
                    let written =
                        render::write_terminal(&items, &view, as_of, ctx.color(), &mut stdout)
                            .and_then(|()| {
                                stdout.write_all(
                                    actions::terminal(&overdue_actions(), ctx.color()).as_bytes(),
                                )
                            })
                            .and_then(|()| stdout.flush());
                    streamed(written)?
                }
                Format::Markdown => {
                    render::markdown(&items, &view, as_of) + &actions::markdown(&overdue_actions())
                }
                Format::Csv => render::csv(&items)?,
                Format::Json => {
                    // Streamed too: the document of a large book is
                    // hundreds of megabytes.
                    let mut stdout = ctx.stdout();
                    let written = render::write_json(
                        &items,
                        &view,
                        as_of,
                        &planned.without_cadence,
                        actions::json(&overdue_actions()),
                        &mut stdout,
                    )
                    .and_then(|()| stdout.flush());
                    streamed(written)?
                }
                Format::Ics => {
                    // Streamed too: the calendar of a large book is tens of
                    // megabytes.
                    let component = if options.vevent {
                        ics::Component::Event
                    } else {
                        ics::Component::Todo
                    };
                    let mut stdout = ctx.stdout();
                    streamed(
                        ics::write_calendar(&items, as_of, component, &mut stdout)
                            .and_then(|()| stdout.flush()),
                    )?
                }
            }
        };
        let mut out = Output::text(stdout).pure();
        for note in notes {
            out = out.with_note(note);
        }
        Ok(out)
    }
}

/// The output of a run that streamed its output to the host: none left to
/// return, or the error that stopped the writing.
fn streamed(written: std::io::Result<()>) -> Result<String, PluginError> {
    written
        .map(|()| String::new())
        .map_err(|e| PluginError::Failed(format!("cannot write the agenda: {e}")))
}

kehu_plugin_sdk::export_plugin!(
    Agenda,
    name = "agenda",
    version = env!("CARGO_PKG_VERSION"),
    about = "Follow-ups by grade and tier cadence: due, overdue, per-owner plans, calendar export"
);
