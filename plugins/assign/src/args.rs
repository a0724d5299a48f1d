//! `kehu assign` arguments, parsed by hand so `--help` is ours and every
//! mistake is a usage error naming the flag.

use kehu_core::Date;
pub use kehu_plugin_sdk::Format;
use kehu_plugin_sdk::{Flags, PluginError, WRITE_FLAGS_HELP, WriteFlags, WriteMode};

/// The help text of `kehu assign --help`.
pub fn help() -> String {
    format!(
        "\
Assign customers to account managers ([owners] in kehu.toml) by region, industry and tier,
within each owner's capacity, keeping existing relationships, balancing weighted load.

Usage: kehu assign [--plan | --apply | --dry-run | --branch NAME] [--rebalance] [--format FORMAT]
       kehu assign --review [--since DATE] [--format FORMAT]

Eligibility (hard): an owner serves a customer only when active, not away on --as-of
(away_until is inclusive), and serving the customer's region, industry and tier where the
owner restricts them. A customer's tier is its stored grade.tier (default: the last tier);
its load is the tier's weight. Tiers marked `pooled` may also go to `pool-<region>`
(unlimited capacity). A customer whose `owner` is pinned is never moved.

Objective, lexicographic (ties broken by owner id, then customer id):
  1. maximise the assigned weight;
  2. maximise the weight of kept relationships (customers staying with a valid current owner);
     without --rebalance a valid current owner is never moved (unless that owner's current
     customers alone exceed its capacity);
  3. minimise the highest utilisation (load / capacity) over owners with a capacity.
Up to 2,000 customers free to move, an exact branch and bound solves it; beyond that (or when
the search runs long) greedy placement + local search does, and a flow relaxation over classes
of identical eligibility bounds each term: the output names the solver, and prints each term's
bound and gap unless the plan is proven optimal.

--review, the periodic review, reads the git history from --since (default: three months
before --as-of) and reports per owner: customers, weighted load, utilisation, revenue and
tier mix at the start and the end and at each month end between, reassignments in and out,
relationships kept; the fairness (max, mean, Gini of utilisation) over time; owners over
capacity; away or inactive owners still holding customers; customers whose tier changed since
they were assigned; assignments with no contact for longer than the tier's maximum cadence;
and customers left without an owner.

Options:
  --plan              list the plan and write nothing (the default)
  --rebalance         allow moving customers away from a valid current owner, to balance load
  --review            the periodic fairness review from git history (writes nothing)
  --since DATE        start of the review (default: three months before --as-of)
  --format FORMAT     table (default), json, csv (one row per customer) or markdown
{WRITE_FLAGS_HELP}  -h, --help          print this help

Exit codes: 0 everyone assigned (or the review printed); 1 some customers cannot be assigned
(listed with the reason); 2 bad usage or bad data.
"
    )
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
    /// `--review`.
    pub review: bool,
    /// `--since`, the start of the review.
    pub since: Option<Date>,
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
        review: false,
        since: None,
        help: false,
    };
    let mut plan = false;
    let mut rest = Flags::new(&flags.rest);
    while let Some(flag) = rest.next_flag()? {
        match flag {
            "-h" | "--help" => parsed.help = true,
            "--plan" => plan = true,
            "--rebalance" => parsed.rebalance = true,
            "--review" => parsed.review = true,
            "--format" => parsed.format = Some(rest.choice()?),
            "--since" => parsed.since = Some(rest.day()?),
            _ => return Err(rest.unexpected()),
        }
    }
    if plan && parsed.mode.is_some() {
        return Err(PluginError::Usage(
            "`--plan` writes nothing: drop `--apply`, `--dry-run` or `--branch`".into(),
        ));
    }
    if parsed.review && (plan || parsed.rebalance || parsed.mode.is_some()) {
        return Err(PluginError::Usage(
            "`--review` only reports: drop `--plan`, `--rebalance`, `--apply`, `--dry-run` or `--branch`"
                .into(),
        ));
    }
    if parsed.since.is_some() && !parsed.review {
        return Err(PluginError::Usage("`--since` goes with `--review`".into()));
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
        let a = args(&["--rebalance", "--format=json", "--dry-run"]).unwrap();
        assert!(a.rebalance);
        assert_eq!(a.format, Some(Format::Json));
        assert_eq!(a.mode, Some(WriteMode::DryRun));
        let a = args(&["--plan", "--format", "md"]).unwrap();
        assert_eq!(a.mode, None);
        assert_eq!(a.format, Some(Format::Markdown));
        assert!(!a.rebalance);
        let a = args(&["--review", "--since=2026-08-01"]).unwrap();
        assert!(a.review);
        assert_eq!(a.since, Some("2026-08-01".parse().unwrap()));
    }

    #[test]
    fn refuses_mistakes() {
        for bad in [
            &["--format", "xml"][..],
            &["--format"],
            &["--plan", "--apply"],
            &["extra"],
            &["--review", "--apply"],
            &["--review", "--rebalance"],
            &["--since", "2026-08-01"],
            &["--review", "--since", "last week"],
        ] {
            let error = args(bad).unwrap_err();
            assert!(matches!(error, PluginError::Usage(_)), "{bad:?}: {error}");
        }
    }
}
