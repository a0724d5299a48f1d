//! The command line of `kehu report`.

use kehu_core::Date;
use kehu_plugin_sdk::{Choice, Flags, PluginError};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for the terminal.
    Table,
    /// One JSON document, `"schema": "kehu.report/2"`.
    Json,
    /// Long-form CSV: `section,group,key,value`.
    Csv,
    /// Markdown for CI job summaries.
    Markdown,
    /// One self-contained HTML file.
    Html,
}

impl Choice for Format {
    const CHOICES: &'static [(&'static str, Format)] = &[
        ("markdown", Format::Markdown),
        ("md", Format::Markdown),
        ("html", Format::Html),
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("table", Format::Table),
    ];
    const DEFAULT: Format = Format::Table;
}

/// The period the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodArg {
    /// The ISO week containing `--as-of`, up to `--as-of`.
    Default,
    /// `--week YYYY-Www`.
    Week(String),
    /// `--since D --until D` (either may be missing: `until` defaults to
    /// `--as-of`, `since` to six days before `until`).
    Range(Option<Date>, Option<Date>),
}

/// The parsed options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The period.
    pub period: PeriodArg,
    /// `--format`; `None` = the global format, else table.
    pub format: Option<Format>,
    /// `--top N`: rows in the at-risk and overdue lists.
    pub top: usize,
    /// `--calibrate`: add the grade calibration (reads three past books).
    pub calibrate: bool,
    /// `--help` was asked for.
    pub help: bool,
}

/// Rows of the at-risk and overdue lists by default.
pub const DEFAULT_TOP: usize = 10;

impl Options {
    /// Parses the arguments after `kehu report`.
    pub fn parse(args: &[String]) -> Result<Options, PluginError> {
        let mut options = Options {
            period: PeriodArg::Default,
            format: None,
            top: DEFAULT_TOP,
            calibrate: false,
            help: false,
        };
        let (mut week, mut since, mut until) = (None, None, None);
        let mut flags = Flags::new(args);
        while let Some(flag) = flags.next_flag()? {
            match flag {
                "-h" | "--help" => options.help = true,
                "--calibrate" => options.calibrate = true,
                "--week" => week = Some(flags.string()?),
                "--since" => since = Some(flags.day()?),
                "--until" => until = Some(flags.day()?),
                "--top" => options.top = flags.parse("a whole number")?,
                "--format" => options.format = Some(flags.choice()?),
                _ => return Err(flags.unexpected()),
            }
        }
        options.period = match (week, since, until) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(PluginError::Usage(
                    "`--week` cannot be combined with `--since` or `--until`".into(),
                ));
            }
            (Some(w), None, None) => PeriodArg::Week(w),
            (None, None, None) => PeriodArg::Default,
            (None, s, u) => PeriodArg::Range(s, u),
        };
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
    fn periods_and_formats() {
        assert_eq!(parse(&[]).unwrap().period, PeriodArg::Default);
        let o = parse(&["--week", "2026-W47", "--format=html"]).unwrap();
        assert_eq!(o.period, PeriodArg::Week("2026-W47".into()));
        assert!(!o.calibrate);
        assert!(parse(&["--calibrate"]).unwrap().calibrate);
        assert_eq!(o.format, Some(Format::Html));
        let o = parse(&["--since", "2026-11-01", "--until=2026-11-30"]).unwrap();
        assert_eq!(
            o.period,
            PeriodArg::Range("2026-11-01".parse().ok(), "2026-11-30".parse().ok())
        );
        assert!(parse(&["--week", "2026-W47", "--since", "2026-11-01"]).is_err());
        assert!(parse(&["--since", "yesterday"]).is_err());
        assert!(parse(&["--format", "pdf"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--top"]).is_err());
    }
}
