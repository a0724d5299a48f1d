//! `kehu assign` arguments, parsed by hand so `--help` is ours and every
//! mistake is a usage error naming the flag.

use kehu_plugin_sdk::{PluginError, WRITE_FLAGS_HELP, WriteFlags, WriteMode};

/// The help text of `kehu assign --help`.
pub fn help() -> String {
    format!(
        "\
Assign customers to account managers ([owners] in kehu.toml) by region, industry and tier,
within each owner's capacity, keeping existing relationships, balancing weighted load.

Usage: kehu assign [--plan | --apply | --dry-run | --branch NAME] [--rebalance] [--format FORMAT]

Eligibility (hard): an owner serves a customer only when active, not away on --as-of
(away_until is inclusive), and serving the customer's region, industry and tier where the
owner restricts them. A customer's tier is its stored grade.tier (default: the last tier);
its load is the tier's weight. Tiers marked `pooled` may also go to `pool-<region>`
(unlimited capacity). A customer whose `owner` is pinned is never moved.

Objective, lexicographic, solved exactly (branch and bound over classes of customers with
identical eligibility; ties broken by owner id, then customer id):
  1. maximise the assigned weight;
  2. maximise the weight of kept relationships (customers staying with a valid current owner);
     without --rebalance a valid current owner is never moved (unless that owner's current
     customers alone exceed its capacity);
  3. minimise the highest utilisation (load / capacity) over owners with a capacity.

Options:
  --plan              list the plan and write nothing (the default)
  --rebalance         allow moving customers away from a valid current owner, to balance load
  --format FORMAT     table (default), json, csv (one row per customer) or markdown
{WRITE_FLAGS_HELP}  -h, --help          print this help

Exit codes: 0 everyone assigned; 1 some customers cannot be assigned (listed with the
reason); 2 bad usage or bad data.
"
    )
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// comfy-table for people.
    Table,
    /// One JSON document, schema `kehu.assign/1`.
    Json,
    /// One row per customer.
    Csv,
    /// Markdown tables.
    Markdown,
}

impl Format {
    /// Parses a `--format` value.
    pub fn parse(text: &str) -> Result<Format, PluginError> {
        match text {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(PluginError::Usage(format!(
                "unknown format `{other}` (expected table, json, csv or markdown)"
            ))),
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// `--rebalance`.
    pub rebalance: bool,
    /// `--format`, if given after the subcommand.
    pub format: Option<Format>,
    /// `--apply`, `--dry-run` or `--branch NAME`; `None` for `--plan`.
    pub mode: Option<WriteMode>,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments after `assign`.
pub fn parse(args: &[String]) -> Result<Args, PluginError> {
    let flags = WriteFlags::parse(args)?;
    let mut parsed = Args {
        rebalance: false,
        format: None,
        mode: flags.mode,
        help: false,
    };
    let mut plan = false;
    let mut rest = flags.rest.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        match flag {
            "-h" | "--help" => parsed.help = true,
            "--plan" => plan = true,
            "--rebalance" => parsed.rebalance = true,
            "--format" => {
                let value = match inline.or_else(|| rest.next().cloned()) {
                    Some(v) if !v.is_empty() && !v.starts_with("--") => v,
                    _ => return Err(PluginError::Usage("`--format` needs a value".into())),
                };
                parsed.format = Some(Format::parse(&value)?);
            }
            "--" => {}
            other => return Err(PluginError::Usage(format!("unexpected argument `{other}`"))),
        }
    }
    if plan && parsed.mode.is_some() {
        return Err(PluginError::Usage(
            "`--plan` writes nothing: drop `--apply`, `--dry-run` or `--branch`".into(),
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, PluginError> {
        parse(&list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_every_flag() {
        let a = args(&["--rebalance", "--format=json", "--dry-run"]).unwrap();
        assert!(a.rebalance);
        assert_eq!(a.format, Some(Format::Json));
        assert_eq!(a.mode, Some(WriteMode::DryRun));
        let a = args(&["--plan", "--format", "md"]).unwrap();
        assert_eq!(a.mode, None);
        assert_eq!(a.format, Some(Format::Markdown));
        assert!(!a.rebalance);
    }

    #[test]
    fn refuses_mistakes() {
        for bad in [
            &["--format", "xml"][..],
            &["--format"],
            &["--plan", "--apply"],
            &["extra"],
        ] {
            let error = args(bad).unwrap_err();
            assert!(matches!(error, PluginError::Usage(_)), "{bad:?}: {error}");
        }
    }
}
