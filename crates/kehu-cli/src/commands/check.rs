//! `kehu check`: every problem in every file, then the policy checks of
//! kehu.toml. Exit 0 when clean, 1 when an error or a policy finding was
//! reported (warnings alone, such as an unknown key, keep exit 0).

use std::io::Write;

use serde_json::json;

use crate::cli::CheckArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{Format, JSON_SCHEMA, write_json};
use crate::session;

/// Runs the checks and prints every diagnostic.
pub fn run(context: &mut Context, args: CheckArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &[Format::Table, Format::Json])?;
    let book = session::load_for_reading(context)?;
    // A kehu write killed part-way (journal or stale lock): name it and the fix.
    if let Ok(root) = context.book_root()
        && let Ok(repo) = kehu_git::Book::open(&root)
        && let Some(note) = repo.pending_recovery()
    {
        writeln!(std::io::stderr(), "warning: {note}")?;
    }
    let policy = kehu_core::check_policy(&book, context.as_of);
    let errors = book.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = book.diagnostics.len() - errors;
    let outcome = if errors > 0 || !policy.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };

    if format == Format::Json {
        let doc = json!({
            "schema": JSON_SCHEMA,
            "as_of": context.as_of,
            "customers": book.customers.len(),
            "errors": errors,
            "warnings": warnings,
            "policy_findings": policy.len(),
            "diagnostics": book.diagnostics,
            "policy": policy,
        });
        write_json(&mut std::io::stdout().lock(), &doc)?;
        return Ok(outcome);
    }

    let mut err = std::io::stderr().lock();
    for diagnostic in book.diagnostics.iter().chain(&policy) {
        if args.no_warnings && !diagnostic.is_error() {
            continue;
        }
        writeln!(err, "{diagnostic}")?;
    }
    if !context.global.quiet {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} customers checked: {errors} {}, {warnings} {}, {} policy {}",
            book.customers.len(),
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
            policy.len(),
            plural(policy.len(), "finding", "findings"),
        )?;
    }
    Ok(outcome)
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
