//! What a change prints: for `--dry-run` the semantic diff (each field
//! old → new) and the commit message; otherwise one line naming the commit.

use std::io::Write;

use anyhow::Context as _;

use super::{Applied, Mode, show};
use crate::session;

/// Prints the outcome of [`super::execute`]. A dry run always prints its
/// diff; a commit prints one line unless `quiet`.
pub fn print(applied: &Applied, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    write_report(applied, quiet, out).context("writing to stdout")
}

fn write_report(applied: &Applied, quiet: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let plan = &applied.plan;
    if plan.files.is_empty() {
        if !quiet {
            writeln!(out, "Nothing to change: the book already says this.")?;
        }
        return Ok(());
    }
    if plan.mode == Mode::DryRun {
        for file in &plan.files {
            if file.created {
                writeln!(out, "{} (new customer `{}`)", file.path, file.customer)?;
            } else {
                writeln!(out, "{}", file.path)?;
            }
            for change in &file.changes {
                writeln!(
                    out,
                    "  {}: {} → {}",
                    change.field,
                    show(change.old.as_ref()),
                    show(change.new.as_ref())
                )?;
            }
        }
        writeln!(out)?;
        writeln!(out, "Commit message (dry run: nothing was written):")?;
        for line in applied.message.lines() {
            if line.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "    {line}")?;
            }
        }
        return Ok(());
    }
    let Some(committed) = &applied.committed else {
        return Ok(());
    };
    if quiet {
        return Ok(());
    }
    let files = match committed.files.len() {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    match &committed.branch {
        Some(branch) => writeln!(
            out,
            "Committed {} on new branch {branch}: {} ({files}); HEAD and the work tree are unchanged",
            session::short(&committed.id),
            plan.request.subject,
        ),
        None => writeln!(
            out,
            "Committed {}: {} ({files})",
            session::short(&committed.id),
            plan.request.subject,
        ),
    }
}
