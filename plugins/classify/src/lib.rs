//! `kehu classify`: every grade of every customer from the book and the
//! policy in kehu.toml (value tier, ABC, RFM, pipeline A–E, loyalty), each
//! with its reason; regrades proposed as a changeset; `--check` as a CI
//! gate; `--rules-from REV` to see what a policy change moves.
//!
//! The computations are `kehu_analytics::grade_book`'s: this crate compares
//! what the files store with what the policy says, and reports it.

mod args;
mod assess;
mod changes;
mod field;
mod impact;
mod lifecycle;
mod policy;
mod render;

#[cfg(test)]
mod tests;

use std::io::Write;

use kehu_core::Date;
use kehu_core::model::TOP_LEVEL_KEYS;
use kehu_plugin_sdk::{Choice, Context, Output, Plugin, PluginError};

use crate::args::{Args, Format};
use crate::assess::{Assessment, Counts, Status};
use crate::render::{Listing, Style};

/// The customer fields `classify` reads: the file's top-level keys but the
/// id (which always comes), as a tier condition may name any of them; the
/// grades and metrics the other grades come from; and the last contact,
/// for `days_since_contact`. Not the key account plan, the cadence or the
/// contact channel: the host leaves those out of the book it sends.
fn reads() -> Vec<&'static str> {
    let tables = ["grade", "metrics", "contact.last"];
    TOP_LEVEL_KEYS
        .iter()
        .copied()
        .filter(|key| *key != "id")
        .chain(tables)
        .collect()
}

/// The plugin.
#[derive(Default)]
pub struct Classify;

impl Plugin for Classify {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        if lifecycle::wanted(args) {
            return lifecycle::run(ctx, args);
        }
        let args = args::parse(args)?;
        if args.help {
            return Ok(Output::text(args::help()));
        }
        let format = Format::or_global(args.format, ctx.format())?;
        ctx.read_fields(&reads())?;
        let policy = policy::current(ctx)?;
        let book = ctx.book()?;
        let as_of = ctx.as_of();
        let assessment = Assessment::new(&book.customers, &policy, as_of, args.fields)?;

        if let Some(rev) = &args.rules_from {
            let old = policy::at_revision(ctx, rev)?;
            let before = Assessment::new(&book.customers, &old, as_of, args.fields)?;
            let text = impact::render(&before, &assessment, rev, as_of, format, ctx.color())
                .map_err(PluginError::Failed)?;
            return Ok(Output::text(text));
        }

        let counts = assessment.counts();
        let mut out = Output::text(report(
            &assessment,
            &args,
            counts,
            format,
            as_of,
            ctx.color(),
            &mut ctx.stdout(),
        )?)
        .pure();
        if args.check && counts.regrades > 0 {
            out = out.with_exit_code(1);
            if matches!(format, Format::Json | Format::Csv) {
                out = out.with_note(check_failed(counts));
            }
        }
        if let Some(mode) = args.mode {
            match changes::regrade(&assessment) {
                Some(changeset) => out = out.with_changeset(changeset, mode),
                None => out = out.with_note("classify: nothing to regrade"),
            }
        }
        Ok(out)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn check_failed(counts: Counts) -> String {
    format!(
        "classify --check: {} from kehu.toml; regrade with `kehu classify --apply`, \
         or pin grades set by hand ([grade] pinned)",
        plural(
            counts.regrades,
            "stored grade differs",
            "stored grades differ"
        )
    )
}

/// The report in `format`, written to `out` as it is rendered (JSON and CSV
/// customer by customer, the table and Markdown row by row); returns what is
/// left to print (nothing).
fn report(
    assessment: &Assessment<'_>,
    args: &Args,
    counts: Counts,
    format: Format,
    as_of: Date,
    color: bool,
    out: &mut dyn Write,
) -> Result<String, PluginError> {
    let style = match format {
        Format::Json => {
            render::write_json(assessment, counts, as_of, out)
                .and_then(|()| out.flush().map_err(serde_json::Error::io))
                .map_err(|e| PluginError::Failed(format!("writing JSON: {e}")))?;
            return Ok(String::new());
        }
        Format::Csv => {
            render::write_csv(assessment, out)
                .and_then(|()| Ok(out.flush()?))
                .map_err(|e| PluginError::Failed(format!("writing CSV: {e}")))?;
            return Ok(String::new());
        }
        Format::Table => Style::Table { color },
        Format::Markdown => Style::Markdown,
    };
    let mut listing = Listing {
        header: if args.all {
            vec!["id", "field", "from", "to", "status", "reason"]
        } else {
            vec!["id", "field", "from", "to", "reason"]
        },
        ..Listing::default()
    };
    for cell in assessment.all_cells() {
        let shown = match cell.status {
            Status::Unchanged => args.all,
            Status::Regrade => true,
            Status::Pinned => !args.check || args.all,
        };
        if !shown {
            continue;
        }
        let mut row = vec![
            cell.customer.id.clone(),
            cell.field.name().to_owned(),
            cell.old_column().to_owned(),
            cell.new_column(),
        ];
        if args.all {
            row.push(cell.status.as_str().to_owned());
        }
        row.push(cell.reason().to_string());
        listing.rows.push((row, cell.status.as_str()));
    }
    let fields = assessment.fields.names().join(", ");
    let customers = plural(counts.customers, "customer", "customers");
    listing.summary = if counts.regrades == 0 && counts.pinned == 0 {
        format!("All stored grades ({fields}) of {customers} agree with kehu.toml as of {as_of}.")
    } else if args.check && counts.regrades > 0 {
        check_failed(counts)
    } else {
        let mut text = format!(
            "{} to regrade, {} kept by a pin, of {customers} ({fields}) as of {as_of}.",
            plural(counts.regrades, "grade", "grades"),
            counts.pinned
        );
        if args.mode.is_none() && !args.check && counts.regrades > 0 {
            text.push_str(
                " Write them with `kehu classify --apply` (or --dry-run, --branch NAME).",
            );
        }
        text
    };
    // Streamed: a listing of every grade of a large book is hundreds of
    // thousands of rows.
    listing
        .write(style, out)
        .and_then(|()| out.flush())
        .map_err(|e| PluginError::Failed(format!("writing the listing: {e}")))?;
    Ok(String::new())
}

kehu_plugin_sdk::export_plugin!(
    Classify,
    name = "classify",
    version = env!("CARGO_PKG_VERSION"),
    about = "Grade customers (tier, ABC, RFM, pipeline, loyalty) with reasons; propose regrades"
);
