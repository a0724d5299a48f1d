//! `kehu churn`: who is slipping away, why, and how sure we are.
//!
//! - the listing: customers by churn risk, highest first, with P(alive),
//!   the expected orders in the horizon and the top reasons;
//! - `--model`: the BG/NBD fit (Fader, Hardie & Lee 2005) over the book;
//! - `--explain ID`: one customer's signals, values, weights, contributions;
//! - `--backtest --at DATE`: the book as it was on DATE scored and compared
//!   with what followed;
//! - `--apply` / `--dry-run` / `--branch NAME`: `grade.risk` bands as a
//!   changeset.
//!
//! The computations are kehu-analytics' (`bgnbd`, `risk`, `backtest`,
//! `cadence`); this crate reads the book and history from the host, ties
//! them together and prints. Module map: [`args`] the command line,
//! [`score`] a book scored, [`history`] the history signals, [`render`]
//! output formats, and one module per report ([`list`], [`model`],
//! [`explain`], [`backtest`]).

pub mod args;
pub mod backtest;
pub mod explain;
pub mod history;
pub mod list;
pub mod model;
pub mod render;
pub mod score;

#[cfg(test)]
mod tests;

use kehu_core::{Config, Date};
use kehu_plugin_sdk::{
    ChangeFilter, Choice, Context, Output, Plugin, PluginError, WRITE_FLAGS_HELP, WriteFlags,
};

use args::{Mode, Options};
use history::Trails;
use render::Format;
use score::Settings;

/// The help text.
pub fn help() -> String {
    format!(
        "\
Who is slipping away, why, and how sure we are.

Usage: kehu churn [--top N | --all] [--min-risk P] [--horizon DAYS] [--format FORMAT]
       kehu churn --model | --explain ID | --backtest --at DATE [--threshold X]
       kehu churn --apply | --dry-run | --branch NAME

Risk in 0..1 is the weighted mean of the signals a customer has (weights
and bands from kehu.toml [churn]): 1 - P(alive) from a BG/NBD model fitted
on the book (x = orders_total - 1, t_x = last_order - first_order,
T = as-of - first_order, in weeks); days since the last order against the
customer's typical gap; a tier or pipeline downgrade; an overdue
follow-up; satisfaction and revenue_12m falling (downgrade, satisfaction
and revenue from the git history of the last --history-days days).

Options:
  --top N          list the N riskiest customers (default {top})
  --all            list every scored customer
  --min-risk P     list only customers with risk >= P
  --horizon DAYS   days ahead for expected orders and the backtest
                   (default kehu.toml [churn] horizon_days)
  --history-days DAYS
                   history window of the downgrade, satisfaction and
                   revenue signals (default 90; 0 = no history, faster)
  --model          print the fitted BG/NBD parameters r, alpha, a, b,
                   the log-likelihood and the customers used
  --explain ID     one customer's signals: value, weight, contribution
  --backtest       score the book as it was on --at DATE and compare with
  --at DATE        what happened in the following horizon (no order =
                   churned): precision, recall, F1, ROC AUC, calibration
  --threshold X    backtest: predicted churn when risk >= X
                   (default kehu.toml [churn] high)
  --format FORMAT  table (default), json, csv or markdown
{WRITE_FLAGS_HELP}                   (writes grade.risk = high / medium / low)
  -h, --help       print this help
",
        top = args::DEFAULT_TOP
    )
}

/// The plugin. One value is made per run.
#[derive(Default)]
pub struct Churn;

/// What every report needs: the options, the format and the settings.
pub struct Run<'c, 'a> {
    /// The host context.
    pub ctx: &'c Context<'a>,
    /// The parsed options.
    pub options: Options,
    /// The output format.
    pub format: Format,
    /// kehu.toml, typed.
    pub config: Config,
}

impl Run<'_, '_> {
    /// The scoring settings as of `as_of`.
    pub fn settings(&self, as_of: Date) -> Settings {
        Settings {
            as_of,
            horizon_days: self
                .options
                .horizon_days
                .unwrap_or(self.config.churn.horizon_days)
                .max(1),
            churn: self.config.churn.clone(),
        }
    }

    /// The history window in days (`--history-days`, default 90; 0 = off).
    pub fn history_days(&self) -> u32 {
        self.options
            .history_days
            .unwrap_or(history::DEFAULT_HISTORY_DAYS)
    }

    /// The book-wide history signals for a scoring as of `as_of`: one
    /// `changes` call over [`history::window`], for the signals' fields only
    /// (the host then skips every other field's diff). Without history (a host
    /// that has none, or `--history-days 0`) this is `Err(why)` and the
    /// history signals are left out.
    pub fn trails(&self, as_of: Date) -> Result<Trails, String> {
        let days = self.history_days();
        if days == 0 {
            return Err("history off (--history-days 0)".into());
        }
        let (since, until) = history::window(as_of, days);
        let read = || -> Result<Trails, PluginError> {
            let filter = ChangeFilter::fields(history::FIELDS);
            self.ctx
                .changes_raw(Some(since), Some(until), &filter, |bytes| {
                    history::read_slice(bytes, since, until)
                })
        };
        read().map_err(|e| format!("history unavailable ({e})"))
    }

    /// One customer's history signals (`--explain`), from its own timeline.
    pub fn customer_trails(&self, id: &str, as_of: Date) -> Result<Trails, String> {
        let days = self.history_days();
        if days == 0 {
            return Err("history off (--history-days 0)".into());
        }
        let (since, until) = history::window(as_of, days);
        let read = || -> Result<Trails, PluginError> {
            let events = self.ctx.customer_history(id)?;
            history::read(&events, since, until)
        };
        read().map_err(|e| format!("history unavailable ({e})"))
    }
}

impl Plugin for Churn {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let flags = WriteFlags::parse(args)?;
        let options = Options::parse(&flags.rest)?;
        if options.help {
            return Ok(Output::text(help()));
        }
        if flags.mode.is_some() && options.mode != Mode::List {
            return Err(PluginError::Usage(
                "`--apply`, `--dry-run` and `--branch` go with the listing only".into(),
            ));
        }
        let format = Format::or_global(options.format, ctx.format())?;
        let config = ctx.config()?;
        let run = Run {
            ctx,
            options,
            format,
            config,
        };
        match run.options.mode.clone() {
            Mode::List => list::run(&run, flags.mode),
            Mode::Model => model::run(&run),
            Mode::Explain(id) => explain::run(&run, &id),
            Mode::Backtest(at) => backtest::run(&run, at),
        }
    }
}

kehu_plugin_sdk::export_plugin!(
    Churn,
    name = "churn",
    version = env!("CARGO_PKG_VERSION"),
    about = "Churn risk with reasons: BG/NBD P(alive), weighted signals, backtest"
);
