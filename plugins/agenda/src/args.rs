//! The command line of `kehu agenda`, parsed by hand.

use kehu_plugin_sdk::{Choice, Flags, PluginError};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people, one per group.
    Table,
    /// One JSON document, `"schema": "kehu.agenda/1"`.
    Json,
    /// Comma-separated values, one row per follow-up.
    Csv,
    /// Markdown, one section per group.
    Markdown,
    /// An RFC 5545 calendar, one VTODO (or VEVENT) per follow-up.
    Ics,
}

impl Choice for Format {
    const CHOICES: &'static [(&'static str, Format)] = &[
        ("table", Format::Table),
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("markdown", Format::Markdown),
        ("md", Format::Markdown),
        ("ics", Format::Ics),
    ];
    const DEFAULT: Format = Format::Table;
}

/// The parsed options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// `--owner X`: one person's plan.
    pub owner: Option<String>,
    /// `--days N`: the follow-ups of the next N days (today included).
    pub days: Option<u32>,
    /// `--overdue`: only the overdue.
    pub overdue: bool,
    /// `--explain ID`: one customer's cadence, last contact and urgency.
    pub explain: Option<String>,
    /// `--vevent`: calendar entries as VEVENT instead of VTODO.
    pub vevent: bool,
    /// `--batch`: the pooled customers due for a standard mass contact,
    /// one list per channel.
    pub batch: bool,
    /// `--channel X`: with `--batch`, only the list of channel X.
    pub channel: Option<String>,
    /// `--format`; `None` = the global format, else table.
    pub format: Option<Format>,
    /// `--help` was asked for.
    pub help: bool,
}

impl Options {
    /// Parses the arguments after `kehu agenda`.
    pub fn parse(args: &[String]) -> Result<Options, PluginError> {
        let mut options = Options::default();
        let mut flags = Flags::new(args);
        while let Some(flag) = flags.next_flag()? {
            match flag {
                "-h" | "--help" => options.help = true,
                "--overdue" => options.overdue = true,
                "--vevent" => options.vevent = true,
                "--batch" => options.batch = true,
                "--channel" => options.channel = Some(flags.string()?),
                "--owner" => options.owner = Some(flags.string()?),
                "--explain" => options.explain = Some(flags.string()?),
                "--days" => {
                    let days: u32 = flags.parse("a whole number")?;
                    if days == 0 || days > 3660 {
                        return Err(flags.invalid(&days.to_string(), "expected 1 to 3660 days"));
                    }
                    options.days = Some(days);
                }
                "--format" => options.format = Some(flags.choice()?),
                _ => return Err(flags.unexpected()),
            }
        }
        if options.help {
            return Ok(options);
        }
        if options.explain.is_some()
            && (options.owner.is_some() || options.days.is_some() || options.overdue)
        {
            return Err(PluginError::Usage(
                "`--explain` cannot be combined with `--owner`, `--days` or `--overdue`".into(),
            ));
        }
        if options.channel.is_some() && !options.batch {
            return Err(PluginError::Usage("`--channel` goes with `--batch`".into()));
        }
        if options.batch
            && (options.explain.is_some()
                || options.days.is_some()
                || options.overdue
                || options.format == Some(Format::Ics))
        {
            return Err(PluginError::Usage(
                "`--batch` cannot be combined with `--explain`, `--days`, `--overdue` or `--format ics`"
                    .into(),
            ));
        }
        if options.overdue && options.days.is_some() {
            return Err(PluginError::Usage(
                "`--overdue` and `--days` cannot be combined".into(),
            ));
        }
        if options.vevent && options.format != Some(Format::Ics) {
            return Err(PluginError::Usage(
                "`--vevent` goes with `--format ics`".into(),
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
    fn flags_and_values() {
        let o = parse(&["--owner", "ann", "--days=7", "--format", "ics", "--vevent"]).unwrap();
        assert_eq!(o.owner.as_deref(), Some("ann"));
        assert_eq!(o.days, Some(7));
        assert_eq!(o.format, Some(Format::Ics));
        assert!(o.vevent);
        assert!(parse(&["--overdue"]).unwrap().overdue);
        assert_eq!(
            parse(&["--explain", "acme"]).unwrap().explain.as_deref(),
            Some("acme")
        );
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["--days", "0"][..],
            &["--days", "x"],
            &["--days"],
            &["--format", "html"],
            &["--vevent"],
            &["--overdue", "--days", "3"],
            &["--explain", "a", "--owner", "b"],
            &["--frobnicate"],
            &["--channel", "email"],
            &["--batch", "--overdue"],
            &["--batch", "--format", "ics"],
        ] {
            assert_eq!(parse(args).unwrap_err().exit_code(), 2, "{args:?}");
        }
    }
}
