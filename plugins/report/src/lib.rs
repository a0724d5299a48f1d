//! `kehu report`: the weekly report for people and CI.
//!
//! Sections: headline KPIs, the portfolio by value tier / ABC / RFM with
//! the change since the start of the period, the funnel with conversion and
//! days per stage, grade movements with who, when and why, the tier
//! migration matrix, contacts by owner and channel, overdue follow-ups, the
//! customers most at risk, and the calibration of pipeline grades.
//! Formats: Markdown (CI job summaries), self-contained HTML, JSON
//! (`"schema": "kehu.report/2"`), long-form CSV and terminal tables.
//!
//! The grades, cadences, risk, funnel flows and calibration are
//! kehu-analytics' (`grade_book`, `Policy::cadence_for`,
//! `cadence::follow_up`, `bgnbd`, `risk`, `funnel`, `calibration`). Module
//! map: [`args`] the command line, [`period`] the period, [`history`] the
//! period's changes, [`read`] asking for them, [`fold`] folding them as
//! they come, [`build`] gathering and computing, [`sections`] one
//! module per section, [`model`] the report as data, [`render`] formats.

pub mod args;
pub mod build;
pub mod fold;
pub mod history;
pub mod memory;
pub mod model;
pub mod period;
pub mod read;
pub mod render;
pub mod rewind;
pub mod sections;

#[cfg(test)]
mod tests;

use std::io::Write as _;

use kehu_plugin_sdk::{Choice, Context, Output, Plugin, PluginError};

use args::{Format, Options};
use period::Period;

/// The help text.
pub fn help() -> String {
    format!(
        "\
The weekly report: KPIs, portfolio, funnel, movements, contacts, risk,
grade calibration.

Usage: kehu report [--week YYYY-Www | --since DAY --until DAY] [--format FORMAT] [--out FILE]

The period defaults to the ISO week containing --as-of, up to --as-of. The
book at the end of the period is read as it was then (a past week is
reported as it was); the start figures come from the book at the end of the
day before the period; contacts, movements, stage conversion and revenue
booked from the commits dated in the period (and, for revenue growth, in
the period of the same length before it). The same book, commit and period
give the same bytes in every format. See docs/report.md.

Options:
  --week YYYY-Www  an ISO week, e.g. 2026-W47 (Monday to Sunday)
  --since DAY      the first day of the period (default: six days before --until)
  --until DAY      the last day of the period (default: --as-of)
  --top N          customers in the at-risk and overdue lists (default {top};
                   the report counts every overdue follow-up, by owner, and
                   `kehu agenda --overdue` lists them all)
  --calibrate      add the grade calibration: of the open deals graded A, B,
                   C one, three and six months before the end, how many
                   closed in time (reads those three past books from git)
  --format FORMAT  table (default), markdown, html, json or csv (one long-form
                   file, `table,row,column,value`: every table, named in the
                   first column)
  --out FILE       kehu writes the report to FILE, whole or not at all
                   (a temporary file renamed into place on success)
  -h, --help       print this help

Examples:
  kehu report --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  kehu report --week 2026-W46 --format html --out report.html
",
        top = args::DEFAULT_TOP
    )
}

/// The plugin. One value is made per run.
#[derive(Default)]
pub struct Report;

impl Plugin for Report {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let options = Options::parse(args)?;
        if options.help {
            return Ok(Output::text(help()));
        }
        let format = Format::or_global(options.format, ctx.format())?;
        let period = Period::resolve(&options.period, ctx.as_of())?;
        let inputs = build::gather(ctx, &period, options.calibrate)?;
        let notes = inputs.notes.clone();
        let report = build::build(&inputs, &period, options.top)?;
        // The book is freed on a thread of its own while the report is
        // rendered: freeing a large book's strings takes about as long.
        let text = std::thread::scope(|scope| {
            scope.spawn(move || drop(inputs));
            render::render(&report, format)
        })?;
        // The book is gone: its pages go back before the report is written.
        memory::release_free_memory();
        // Streamed to the host (a large book's report is tens of
        // megabytes): never escaped into the response and parsed back.
        // The report is freed beside.
        let written = std::thread::scope(|scope| {
            scope.spawn(move || drop(report));
            let mut stdout = ctx.stdout();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
        });
        written.map_err(|e| PluginError::Failed(format!("cannot write the report: {e}")))?;
        let mut out = Output::new().pure();
        for note in &notes {
            out = out.with_note(format!("note: {note}"));
        }
        Ok(out)
    }
}

kehu_plugin_sdk::export_plugin!(
    Report,
    name = "report",
    version = env!("CARGO_PKG_VERSION"),
    about = "The weekly report: KPIs, portfolio, funnel, movements, contacts, risk, calibration"
);
