//! The command line of `kehu churn` (after the write flags are taken out).

use kehu_core::Date;
use kehu_plugin_sdk::{Flags, PluginError};

use crate::render::Format;

/// Rows the listing shows without `--top` or `--all`.
pub const DEFAULT_TOP: usize = 20;

/// What the run reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Customers by risk, highest first.
    List,
    /// The fitted BG/NBD parameters.
    Model,
    /// One customer's signals.
    Explain(String),
    /// Score the book as it was on a day and compare with what followed.
    Backtest(Date),
}

/// The parsed options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// What to report.
    pub mode: Mode,
    /// `--horizon DAYS`; default kehu.toml `[churn] horizon_days`.
    pub horizon_days: Option<u32>,
    /// `--history-days DAYS`: the history window; 0 = no history.
    pub history_days: Option<u32>,
    /// Rows to list; `None` = all (`--all`).
    pub top: Option<usize>,
    /// `--min-risk P`: list only customers at or above P.
    pub min_risk: Option<f64>,
    /// `--threshold X` for the backtest; default kehu.toml `[churn] high`.
    pub threshold: Option<f64>,
    /// `--format`; `None` = the global format, else table.
    pub format: Option<Format>,
    /// `--help` was asked for.
    pub help: bool,
}

fn probability(flags: &mut Flags<'_>) -> Result<f64, PluginError> {
    let text = flags.value()?;
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(flags.invalid(text, "expected a number from 0 to 1")),
    }
}

impl Options {
    /// Parses the arguments left after [`kehu_plugin_sdk::WriteFlags`].
    pub fn parse(args: &[String]) -> Result<Options, PluginError> {
        let mut options = Options {
            mode: Mode::List,
            horizon_days: None,
            history_days: None,
            top: Some(DEFAULT_TOP),
            min_risk: None,
            threshold: None,
            format: None,
            help: false,
        };
        let (mut model, mut explain, mut backtest, mut at) = (false, None, false, None);
        let mut listing_flag: Option<&str> = None;
        let mut flags = Flags::new(args);
        while let Some(flag) = flags.next_flag()? {
            match flag {
                "-h" | "--help" => options.help = true,
                "--model" => model = true,
                "--backtest" => backtest = true,
                "--all" => {
                    options.top = None;
                    listing_flag = Some("--all");
                }
                "--explain" => explain = Some(flags.string()?),
                "--at" => at = Some(flags.day()?),
                "--top" => {
                    options.top = Some(flags.parse("a whole number")?);
                    listing_flag = Some("--top");
                }
                "--min-risk" => {
                    options.min_risk = Some(probability(&mut flags)?);
                    listing_flag = Some("--min-risk");
                }
                "--threshold" => options.threshold = Some(probability(&mut flags)?),
                "--horizon" => {
                    let days: u32 = flags.parse("a whole number of days")?;
                    if days == 0 {
                        return Err(PluginError::Usage(
                            "`--horizon` must be at least 1 day".into(),
                        ));
                    }
                    options.horizon_days = Some(days);
                }
                "--history-days" => {
                    options.history_days = Some(flags.parse("a whole number of days")?);
                }
                "--format" => options.format = Some(flags.choice()?),
                _ => return Err(flags.unexpected()),
            }
        }
        if options.help {
            return Ok(options);
        }
        let modes = usize::from(model) + usize::from(explain.is_some()) + usize::from(backtest);
        if modes > 1 {
            return Err(PluginError::Usage(
                "`--model`, `--explain` and `--backtest` cannot be combined".into(),
            ));
        }
        options.mode = match (model, explain, backtest, at) {
            (_, _, true, Some(day)) => Mode::Backtest(day),
            (_, _, true, None) => {
                return Err(PluginError::Usage("`--backtest` needs `--at DATE`".into()));
            }
            (_, _, false, Some(_)) => {
                return Err(PluginError::Usage("`--at` goes with `--backtest`".into()));
            }
            (true, _, _, _) => Mode::Model,
            (_, Some(id), _, _) => Mode::Explain(id),
            _ => Mode::List,
        };
        if let Some(flag) = listing_flag
            && options.mode != Mode::List
        {
            return Err(PluginError::Usage(format!(
                "`{flag}` applies to the listing only"
            )));
        }
        if options.threshold.is_some() && !matches!(options.mode, Mode::Backtest(_)) {
            return Err(PluginError::Usage(
                "`--threshold` goes with `--backtest`".into(),
            ));
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, PluginError> {
        Options::parse(&kehu_plugin_sdk::words(args))
    }

    #[test]
    fn modes_and_values() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.mode, o.top), (Mode::List, Some(DEFAULT_TOP)));
        assert_eq!(
            parse(&["--history-days", "0"]).unwrap().history_days,
            Some(0)
        );
        let o = parse(&["--all", "--min-risk=0.5", "--horizon", "30"]).unwrap();
        assert_eq!(
            (o.top, o.min_risk, o.horizon_days),
            (None, Some(0.5), Some(30))
        );
        assert_eq!(parse(&["--model"]).unwrap().mode, Mode::Model);
        assert_eq!(
            parse(&["--explain", "acme"]).unwrap().mode,
            Mode::Explain("acme".into())
        );
        let o = parse(&["--backtest", "--at", "2026-06-30", "--threshold", "0.4"]).unwrap();
        assert_eq!(o.mode, Mode::Backtest("2026-06-30".parse().unwrap()));
        assert_eq!(o.threshold, Some(0.4));
        assert_eq!(
            parse(&["--format", "csv"]).unwrap().format,
            Some(Format::Csv)
        );
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["--backtest"][..],
            &["--at", "2026-01-01"],
            &["--model", "--explain", "x"],
            &["--top", "many"],
            &["--min-risk", "2"],
            &["--horizon", "0"],
            &["--format", "html"],
            &["--model", "--top", "3"],
            &["--threshold", "0.5"],
            &["--at", "2026-02-30", "--backtest"],
            &["--frobnicate"],
            &["--explain"],
        ] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
    }
}
