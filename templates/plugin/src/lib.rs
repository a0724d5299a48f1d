//! `kehu hello`: counts customers per funnel stage (or per owner, region,
//! industry or tier), in the book's own order.
//!
//! A complete, small plugin to start from: it parses its own arguments
//! (`--help` included), reads the book through the host, and prints a table
//! or JSON. It changes nothing; a plugin that does returns a changeset (see
//! docs/plugins.md, "Changing the book").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kehu_plugin_sdk::kehu_core::Customer;
use kehu_plugin_sdk::serde_json::{self, json};
use kehu_plugin_sdk::{Context, Output, Plugin, PluginError};

const HELP: &str = "\
Count customers per funnel stage.

Usage: kehu hello [--by stage|owner|region|industry|tier] [--format table|json]

Options:
  --by FIELD       group by this field (default: stage)
  --format FORMAT  table (default) or json
  -h, --help       print this help
";

/// The plugin. One value is made per run.
#[derive(Default)]
pub struct Hello;

/// What `--by` groups on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum By {
    Stage,
    Owner,
    Region,
    Industry,
    Tier,
}

impl By {
    fn parse(text: &str) -> Result<By, PluginError> {
        Ok(match text {
            "stage" => By::Stage,
            "owner" => By::Owner,
            "region" => By::Region,
            "industry" => By::Industry,
            "tier" => By::Tier,
            other => {
                return Err(PluginError::Usage(format!(
                    "`--by {other}`: expected stage, owner, region, industry or tier"
                )));
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            By::Stage => "stage",
            By::Owner => "owner",
            By::Region => "region",
            By::Industry => "industry",
            By::Tier => "tier",
        }
    }

    fn key(self, customer: &Customer) -> String {
        let value = match self {
            By::Stage => Some(customer.stage.as_str()),
            By::Owner => customer.owner.as_deref(),
            By::Region => customer.region.as_deref(),
            By::Industry => customer.industry.as_deref(),
            By::Tier => customer.grade.tier.as_deref(),
        };
        value.unwrap_or("(none)").to_owned()
    }
}

/// The parsed command line.
struct Options {
    by: By,
    json: bool,
    help: bool,
}

impl Options {
    fn parse(args: &[String], default_format: Option<&str>) -> Result<Options, PluginError> {
        let mut options = Options {
            by: By::Stage,
            json: false,
            help: false,
        };
        let mut format = default_format.unwrap_or("table").to_owned();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| PluginError::Usage(format!("`{flag}` needs a value")))
            };
            match arg.as_str() {
                "-h" | "--help" => options.help = true,
                "--by" => options.by = By::parse(&value("--by")?)?,
                "--format" => format = value("--format")?,
                other => return Err(PluginError::Usage(format!("unexpected argument `{other}`"))),
            }
        }
        options.json = match format.as_str() {
            "table" => false,
            "json" => true,
            other => {
                return Err(PluginError::Usage(format!(
                    "`--format {other}`: expected table or json"
                )));
            }
        };
        Ok(options)
    }
}

impl Plugin for Hello {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let options = Options::parse(args, ctx.format())?;
        if options.help {
            return Ok(Output::text(HELP));
        }
        let book = ctx.book()?;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for customer in &book.customers {
            *counts.entry(options.by.key(customer)).or_default() += 1;
        }
        // The book's own order for stages and tiers, then anything else
        // alphabetically.
        let config = ctx.config()?;
        let known: Vec<String> = match options.by {
            By::Stage => config.book.stages.clone(),
            By::Tier => config.tiers.iter().map(|tier| tier.name.clone()).collect(),
            _ => Vec::new(),
        };
        let mut rows: Vec<(String, usize)> = Vec::new();
        for name in &known {
            if let Some(count) = counts.remove(name) {
                rows.push((name.clone(), count));
            }
        }
        rows.extend(counts);

        let mut out = Output::new();
        let total: usize = rows.iter().map(|(_, count)| count).sum();
        if options.json {
            let groups: Vec<serde_json::Value> = rows
                .iter()
                .map(|(name, count)| json!({ "name": name, "customers": count }))
                .collect();
            let document = json!({
                "as_of": ctx.as_of().to_string(),
                "by": options.by.name(),
                "groups": groups,
                "total": total,
            });
            let text = serde_json::to_string_pretty(&document)
                .map_err(|error| PluginError::Failed(error.to_string()))?;
            writeln!(out, "{text}").ok();
        } else {
            let width = rows
                .iter()
                .map(|(name, _)| name.chars().count())
                .chain([options.by.name().len(), "total".len()])
                .max()
                .unwrap_or(0);
            writeln!(out, "{:<width$}  customers", options.by.name()).ok();
            for (name, count) in &rows {
                writeln!(out, "{name:<width$}  {count:>9}").ok();
            }
            writeln!(out, "{:<width$}  {total:>9}", "total").ok();
        }
        Ok(out)
    }
}

kehu_plugin_sdk::export_plugin!(
    Hello,
    name = "hello",
    version = env!("CARGO_PKG_VERSION"),
    about = "Count customers per funnel stage"
);

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_plugin_sdk::kehu_core::Config;
    use kehu_plugin_sdk::testing::{TestHost, run_plugin};

    fn host() -> TestHost {
        let customer = |id: &str, stage: &str, owner: Option<&str>| Customer {
            id: id.into(),
            name: id.into(),
            stage: stage.into(),
            owner: owner.map(Into::into),
            ..Customer::default()
        };
        TestHost::new("2026-11-18".parse().unwrap())
            .with_config(serde_json::to_value(Config::default()).unwrap())
            .with_customers(vec![
                customer("acme", "won", Some("alice")),
                customer("bolt", "lead", None),
                customer("cargo", "won", Some("bob")),
            ])
    }

    #[test]
    fn counts_per_stage_in_funnel_order() {
        let response = run_plugin::<Hello>(&host(), "hello", &[]).unwrap();
        assert_eq!(response.exit_code, 0);
        assert_eq!(
            response.stdout,
            "stage  customers\nlead           1\nwon            2\ntotal          3\n"
        );
    }

    #[test]
    fn groups_by_owner_as_json() {
        let response =
            run_plugin::<Hello>(&host(), "hello", &["--by", "owner", "--format", "json"]).unwrap();
        let document: serde_json::Value = serde_json::from_str(&response.stdout).unwrap();
        assert_eq!(document["total"], 3);
        assert_eq!(document["groups"][0], json!({"name": "(none)", "customers": 1}));
    }

    #[test]
    fn bad_arguments_exit_2_with_a_hint() {
        let response = run_plugin::<Hello>(&host(), "hello", &["--by", "colour"]).unwrap();
        assert_eq!(response.exit_code, 2);
        assert!(response.stderr.contains("Run `kehu hello --help` for usage."));
    }
}
