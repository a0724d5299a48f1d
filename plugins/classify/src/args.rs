//! `kehu classify` arguments: parsed by hand, so `--help` is ours and every
//! mistake is a usage error naming the flag.

pub use kehu_plugin_sdk::Format;
use kehu_plugin_sdk::{Flags, PluginError, WRITE_FLAGS_HELP, WriteFlags, WriteMode};

use crate::field::{Field, FieldSet};

/// The help text of `kehu classify --help`.
pub fn help() -> String {
    format!(
        "\
Compute every grade from the book and kehu.toml, explain each one, and propose regrades.

Usage: kehu classify [OPTIONS]

Grades: tier (kehu.toml [[tiers]] conditions), abc (Pareto by revenue), rfm (recency,
frequency, monetary quintiles and segment), pipeline (A-E from stage and expected_close),
loyalty (satisfaction, repurchase, referral). Pinned fields ([grade] pinned) are never
changed; they show as `pinned (computed: X)`.

Options:
  --only FIELDS       compare only these grades, comma-separated: tier,abc,rfm,pipeline,loyalty
  --only lifecycle    each customer's lifecycle stage (new, growing, mature,
                      declining, lapsed) with its reason, from orders and the
                      revenue_12m history in git; shown, never written
  --all               list every customer and grade, not only those whose stored grade differs
  --check             exit 1 when a stored, unpinned grade differs from the computed one
                      (a CI gate), and print those
  --rules-from REV    compute the grades under kehu.toml as it was at git revision REV and
                      show which customers move between that policy and the current one
  --format FORMAT     table (default), json, csv or markdown; JSON and CSV carry every
                      score and reason for every customer
{WRITE_FLAGS_HELP}  -h, --help          print this help

Exit codes: 0 done; 1 --check found stored grades that differ; 2 bad usage or bad data
(a broken kehu.toml names its line and column).
"
    )
}

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// The grades to compare (all five by default).
    pub fields: FieldSet,
    /// List everyone, not just differences.
    pub all: bool,
    /// CI gate mode.
    pub check: bool,
    /// Compare policies: kehu.toml at this revision against the current one.
    pub rules_from: Option<String>,
    /// `--format`, if given after the subcommand.
    pub format: Option<Format>,
    /// `--apply`, `--dry-run` or `--branch NAME`.
    pub mode: Option<WriteMode>,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments after `classify`.
pub fn parse(args: &[String]) -> Result<Args, PluginError> {
    let flags = WriteFlags::parse(args)?;
    let mut parsed = Args {
        fields: FieldSet::all(),
        all: false,
        check: false,
        rules_from: None,
        format: None,
        mode: flags.mode,
        help: false,
    };
    let mut only: Option<FieldSet> = None;
    let mut rest = Flags::new(&flags.rest);
    while let Some(flag) = rest.next_flag()? {
        match flag {
            "-h" | "--help" => parsed.help = true,
            "--all" => parsed.all = true,
            "--check" => parsed.check = true,
            "--only" => {
                let set = only.get_or_insert_with(FieldSet::empty);
                for name in rest.value()?.split(',') {
                    let name = name.trim();
                    if name.is_empty() {
                        continue;
                    }
                    let field = Field::parse(name).ok_or_else(|| {
                        PluginError::Usage(format!(
                            "`--only {name}`: unknown grade (expected {})",
                            Field::names()
                        ))
                    })?;
                    set.insert(field);
                }
            }
            "--rules-from" => parsed.rules_from = Some(rest.string()?),
            "--format" => parsed.format = Some(rest.choice()?),
            _ => return Err(rest.unexpected()),
        }
    }
    if let Some(set) = only {
        if set.is_empty() {
            return Err(PluginError::Usage(format!(
                "`--only` needs at least one grade ({})",
                Field::names()
            )));
        }
        parsed.fields = set;
    }
    if parsed.check && parsed.mode.is_some() {
        return Err(PluginError::Usage(
            "`--check` reports and never writes: drop `--apply`, `--dry-run` or `--branch`".into(),
        ));
    }
    if parsed.rules_from.is_some() && (parsed.check || parsed.mode.is_some()) {
        return Err(PluginError::Usage(
            "`--rules-from` compares two policies and writes nothing: it cannot be combined \
             with `--check`, `--apply`, `--dry-run` or `--branch`"
                .into(),
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, PluginError> {
        parse(&kehu_plugin_sdk::words(list))
    }

    #[test]
    fn parses_every_flag() {
        let a = args(&["--only", "tier,abc", "--all", "--format=json", "--dry-run"]).unwrap();
        assert_eq!(
            a.fields.iter().collect::<Vec<_>>(),
            [Field::Tier, Field::Abc]
        );
        assert!(a.all);
        assert_eq!(a.format, Some(Format::Json));
        assert_eq!(a.mode, Some(WriteMode::DryRun));
        let a = args(&["--only=rfm", "--only", "loyalty", "--rules-from", "main~1"]).unwrap();
        assert_eq!(
            a.fields.iter().collect::<Vec<_>>(),
            [Field::Rfm, Field::Loyalty]
        );
        assert_eq!(a.rules_from.as_deref(), Some("main~1"));
        assert_eq!(args(&[]).unwrap().fields, FieldSet::all());
    }

    #[test]
    fn refuses_mistakes() {
        for bad in [
            &["--only", "tiers"][..],
            &["--only"],
            &["--only", ","],
            &["--format", "xml"],
            &["--check", "--apply"],
            &["--rules-from", "v1", "--dry-run"],
            &["--rules-from"],
            &["extra"],
        ] {
            let error = args(bad).unwrap_err();
            assert!(matches!(error, PluginError::Usage(_)), "{bad:?}: {error}");
        }
    }
}
