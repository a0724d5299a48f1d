//! The command line of `kehu agenda`, parsed by hand.

use kehu_plugin_sdk::PluginError;

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

impl Format {
    /// Reads a `--format` value.
    pub fn parse(text: &str) -> Result<Format, PluginError> {
        match text {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "markdown" | "md" => Ok(Format::Markdown),
            "ics" => Ok(Format::Ics),
            other => Err(PluginError::Usage(format!(
                "`--format {other}`: agenda prints table, json, csv, markdown or ics"
            ))),
        }
    }
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

fn value<'a>(
    flag: &str,
    inline: Option<&'a str>,
    args: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a str, PluginError> {
    match inline {
        Some(v) => Ok(v),
        None => args
            .next()
            .map(String::as_str)
            .ok_or_else(|| PluginError::Usage(format!("`{flag}` needs a value"))),
    }
}

impl Options {
    /// Parses the arguments after `kehu agenda`.
    pub fn parse(args: &[String]) -> Result<Options, PluginError> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (arg.as_str(), None),
            };
            match flag {
                "-h" | "--help" => options.help = true,
                "--overdue" => options.overdue = true,
                "--vevent" => options.vevent = true,
                "--batch" => options.batch = true,
                "--channel" => options.channel = Some(value(flag, inline, &mut args)?.to_owned()),
                "--owner" => options.owner = Some(value(flag, inline, &mut args)?.to_owned()),
                "--explain" => options.explain = Some(value(flag, inline, &mut args)?.to_owned()),
                "--days" => {
                    let text = value(flag, inline, &mut args)?;
                    let days: u32 = text.parse().map_err(|_| {
                        PluginError::Usage(format!("`--days {text}`: expected a whole number"))
                    })?;
                    if days == 0 || days > 3660 {
                        return Err(PluginError::Usage(format!(
                            "`--days {text}`: expected 1 to 3660 days"
                        )));
                    }
                    options.days = Some(days);
                }
                "--format" => {
                    options.format = Some(Format::parse(value(flag, inline, &mut args)?)?)
                }
                other => {
                    return Err(PluginError::Usage(format!("unexpected argument `{other}`")));
                }
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
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Options::parse(&args)
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
