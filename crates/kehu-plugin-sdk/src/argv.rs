//! A plugin's own command line, read one flag at a time.
//!
//! Every bundled plugin parses its arguments by hand (so `--help` is its
//! own), and they all share one grammar: `--flag VALUE` or `--flag=VALUE`,
//! switches without a value, `--` ignored, and every mistake a usage error
//! (exit 2) naming the flag. [`Flags`] is that grammar; a plugin keeps only
//! its table of flags, a `match` over [`Flags::next_flag`]:
//!
//! ```
//! use kehu_plugin_sdk::{Flags, PluginError};
//!
//! fn parse(args: &[String]) -> Result<(bool, Option<u32>), PluginError> {
//!     let (mut overdue, mut days) = (false, None);
//!     let mut flags = Flags::new(args);
//!     while let Some(flag) = flags.next_flag()? {
//!         match flag {
//!             "--overdue" => overdue = true,
//!             "--days" => days = Some(flags.parse("a whole number")?),
//!             _ => return Err(flags.unexpected()),
//!         }
//!     }
//!     Ok((overdue, days))
//! }
//! let args = ["--days=7".to_owned(), "--overdue".to_owned()];
//! assert_eq!(parse(&args).unwrap(), (true, Some(7)));
//! ```

use std::str::FromStr;

use kehu_core::Date;

use crate::PluginError;

/// A cursor over a plugin's arguments that hands out one flag at a time and
/// the flag's value on request.
#[derive(Clone, Debug)]
pub struct Flags<'a> {
    args: std::slice::Iter<'a, String>,
    /// The flag last returned by [`Flags::next_flag`].
    flag: &'a str,
    /// Its `=VALUE` part, until taken by [`Flags::value`].
    inline: Option<&'a str>,
}

impl<'a> Flags<'a> {
    /// A cursor at the first of `args` (the arguments after the subcommand,
    /// or [`crate::WriteFlags::rest`]).
    pub fn new(args: &'a [String]) -> Flags<'a> {
        Flags {
            args: args.iter(),
            flag: "",
            inline: None,
        }
    }

    /// The next flag (`--days` of `--days=7`), or `None` at the end. A lone
    /// `--` is skipped. Fails when the previous flag was given `=VALUE` but
    /// took no value (`--overdue=yes`).
    pub fn next_flag(&mut self) -> Result<Option<&'a str>, PluginError> {
        if let Some(value) = self.inline.take() {
            return Err(PluginError::Usage(format!(
                "`{}` takes no value (got `{}={value}`)",
                self.flag, self.flag
            )));
        }
        for arg in self.args.by_ref() {
            if arg == "--" {
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg.as_str(), None),
            };
            self.flag = flag;
            self.inline = inline;
            return Ok(Some(flag));
        }
        Ok(None)
    }

    /// The current flag's value: after `=`, else the next argument. A value
    /// must not be empty, and a next argument that starts with `--` is the
    /// next flag, not a value (`--owner --days 3` is a missing value).
    pub fn value(&mut self) -> Result<&'a str, PluginError> {
        let value = match self.inline.take() {
            Some(value) => Some(value),
            None => match self.args.as_slice().first() {
                Some(next) if !next.starts_with("--") => {
                    self.args.next();
                    Some(next.as_str())
                }
                _ => None,
            },
        };
        match value {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(PluginError::Usage(format!("`{}` needs a value", self.flag))),
        }
    }

    /// The current flag's value as an owned string.
    pub fn string(&mut self) -> Result<String, PluginError> {
        self.value().map(str::to_owned)
    }

    /// The current flag's value parsed as `T`; `what` names the expected
    /// kind in the error (`` `--days x`: expected a whole number ``).
    pub fn parse<T: FromStr>(&mut self, what: &str) -> Result<T, PluginError> {
        let text = self.value()?;
        text.parse()
            .map_err(|_| self.invalid(text, &format!("expected {what}")))
    }

    /// The current flag's value as a day, `YYYY-MM-DD`.
    pub fn day(&mut self) -> Result<Date, PluginError> {
        self.parse("a day YYYY-MM-DD")
    }

    /// The current flag's value as one of `T`'s named choices.
    pub fn choice<T: Choice>(&mut self) -> Result<T, PluginError> {
        let text = self.value()?;
        choose(self.flag, text, T::CHOICES)
    }

    /// The usage error for a value the flag cannot take:
    /// `` `--days 0`: {why} ``.
    pub fn invalid(&self, text: &str, why: &str) -> PluginError {
        PluginError::Usage(format!("`{} {text}`: {why}", self.flag))
    }

    /// The usage error for the current argument when it is not a flag the
    /// plugin knows.
    pub fn unexpected(&self) -> PluginError {
        PluginError::Usage(format!("unexpected argument `{}`", self.flag))
    }
}

/// A closed set of named values a flag takes, like an output format.
///
/// The plugin lists the names (aliases included) and the default; parsing
/// and the error listing what is accepted are shared.
pub trait Choice: Copy + 'static {
    /// Every accepted name and its value, in the order the error lists them.
    const CHOICES: &'static [(&'static str, Self)];
    /// The value when neither the plugin's flag nor the host's global
    /// `--format` gave one.
    const DEFAULT: Self;

    /// Reads a `--format` value (the plugin's own flag or the host's global
    /// one).
    fn from_format(text: &str) -> Result<Self, PluginError> {
        choose("--format", text, Self::CHOICES)
    }

    /// The value given after the subcommand, else the host's global
    /// `--format` (`Context::format`), else [`Choice::DEFAULT`].
    fn or_global(given: Option<Self>, global: Option<&str>) -> Result<Self, PluginError> {
        match (given, global) {
            (Some(value), _) => Ok(value),
            (None, Some(text)) => Self::from_format(text),
            (None, None) => Ok(Self::DEFAULT),
        }
    }
}

/// Arguments as a plugin receives them, from string literals (for tests:
/// `Options::parse(&words(&["--days", "7"]))`).
pub fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|word| (*word).to_owned()).collect()
}

/// The output formats most plugins print, as `--format` names them:
/// `table` (the default), `json`, `csv`, `markdown` (or `md`). A plugin that
/// prints more (a calendar, a web page) defines its own [`Choice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people (comfy-table).
    Table,
    /// One JSON document with a `schema` tag.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Markdown tables, for CI job summaries.
    Markdown,
}

impl Choice for Format {
    const CHOICES: &'static [(&'static str, Format)] = &[
        ("table", Format::Table),
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("markdown", Format::Markdown),
        ("md", Format::Markdown),
    ];
    const DEFAULT: Format = Format::Table;
}

/// The value named `text` in `choices`, or a usage error naming `flag` and
/// listing the names.
pub fn choose<T: Copy>(flag: &str, text: &str, choices: &[(&str, T)]) -> Result<T, PluginError> {
    if let Some((_, value)) = choices.iter().find(|(name, _)| *name == text) {
        return Ok(*value);
    }
    let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
    let expected = match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, first)) => format!("{} or {last}", first.join(", ")),
        None => "nothing".to_owned(),
    };
    Err(PluginError::Usage(format!(
        "`{flag} {text}`: expected {expected}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Shape {
        Round,
        Square,
    }

    impl Choice for Shape {
        const CHOICES: &'static [(&'static str, Shape)] = &[
            ("round", Shape::Round),
            ("square", Shape::Square),
            ("sq", Shape::Square),
        ];
        const DEFAULT: Shape = Shape::Round;
    }

    #[derive(Debug, Default, PartialEq)]
    struct Parsed {
        quiet: bool,
        name: Option<String>,
        count: Option<u32>,
        day: Option<Date>,
        shape: Option<Shape>,
    }

    fn parse(args: &[&str]) -> Result<Parsed, PluginError> {
        let args = words(args);
        let mut parsed = Parsed::default();
        let mut flags = Flags::new(&args);
        while let Some(flag) = flags.next_flag()? {
            match flag {
                "-q" | "--quiet" => parsed.quiet = true,
                "--name" => parsed.name = Some(flags.string()?),
                "--count" => parsed.count = Some(flags.parse("a whole number")?),
                "--day" => parsed.day = Some(flags.day()?),
                "--shape" => parsed.shape = Some(flags.choice()?),
                _ => return Err(flags.unexpected()),
            }
        }
        Ok(parsed)
    }

    fn message(args: &[&str]) -> String {
        match parse(args) {
            Err(PluginError::Usage(message)) => message,
            other => panic!("{args:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn reads_switches_and_values_in_both_spellings() {
        let parsed = parse(&[
            "-q",
            "--name",
            "ann",
            "--count=3",
            "--",
            "--day",
            "2026-11-20",
            "--shape=sq",
        ])
        .unwrap();
        assert_eq!(
            parsed,
            Parsed {
                quiet: true,
                name: Some("ann".into()),
                count: Some(3),
                day: "2026-11-20".parse().ok(),
                shape: Some(Shape::Square),
            }
        );
        assert_eq!(parse(&[]).unwrap(), Parsed::default());
        assert_eq!(parse(&["--name=-x"]).unwrap().name.as_deref(), Some("-x"));
    }

    #[test]
    fn every_mistake_is_a_usage_error_naming_the_flag() {
        assert_eq!(message(&["--name"]), "`--name` needs a value");
        assert_eq!(message(&["--name="]), "`--name` needs a value");
        assert_eq!(message(&["--name", "--quiet"]), "`--name` needs a value");
        assert_eq!(
            message(&["--count", "x"]),
            "`--count x`: expected a whole number"
        );
        assert_eq!(
            message(&["--day=2026-02-30"]),
            "`--day 2026-02-30`: expected a day YYYY-MM-DD"
        );
        assert_eq!(
            message(&["--shape", "oval"]),
            "`--shape oval`: expected round, square or sq"
        );
        assert_eq!(message(&["--frob=1"]), "unexpected argument `--frob`");
        assert_eq!(message(&["extra"]), "unexpected argument `extra`");
        assert_eq!(
            message(&["--quiet=yes"]),
            "`--quiet` takes no value (got `--quiet=yes`)"
        );
    }

    #[test]
    fn a_choice_falls_back_to_the_global_format_then_the_default() {
        assert_eq!(
            Shape::or_global(Some(Shape::Square), Some("round")).unwrap(),
            Shape::Square
        );
        assert_eq!(Shape::or_global(None, Some("sq")).unwrap(), Shape::Square);
        assert_eq!(Shape::or_global(None, None).unwrap(), Shape::Round);
        assert!(matches!(
            Shape::or_global(None, Some("oval")),
            Err(PluginError::Usage(m)) if m == "`--format oval`: expected round, square or sq"
        ));
        assert!(choose::<u8>("--x", "a", &[]).is_err());
    }
}
