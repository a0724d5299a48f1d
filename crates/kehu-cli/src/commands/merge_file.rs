//! `kehu merge-file BASE OURS THEIRS [PATH]`: git's merge driver for customer
//! files. Git calls it as `kehu merge-file %O %A %B %P` once it is configured
//! (`merge.kehu.driver`, see `kehu init --merge-driver` and the README) and
//! `.gitattributes` names the files (`customers/**/*.toml merge=kehu`, written
//! by `kehu init`). The merge itself is [`kehu_core::merge`]: field by field,
//! the later contact wins, a real clash is marked around the field's line.
//!
//! The result goes to OURS, as git expects. Exit 0 when clean, 1 when a
//! conflict is left in the file (git then stops the merge for a person); each
//! conflict and each rule-resolved clash is reported on stderr, naming the
//! file and the field. No book is needed: git runs this in any work tree.

use std::fs;
use std::io::Write;

use anyhow::Context as _;
use kehu_core::merge::{Labels, merge_customer};

use crate::cli::MergeFileArgs;
use crate::context::Context;
use crate::exit::Outcome;

/// Merges THEIRS into OURS (in place) against BASE.
pub fn run(context: &Context, args: MergeFileArgs) -> anyhow::Result<Outcome> {
    let read = |path: &std::path::Path| {
        fs::read(path).with_context(|| format!("merge-file: reading {}", path.display()))
    };
    let base = read(&args.base)?;
    let ours = read(&args.ours)?;
    let theirs = read(&args.theirs)?;
    let name = args
        .path
        .clone()
        .unwrap_or_else(|| args.ours.display().to_string());
    let merged = merge_customer(&base, &ours, &theirs, &Labels::default());
    if merged.bytes != ours {
        kehu_core::edit::write_atomic(&args.ours, &merged.bytes)
            .with_context(|| format!("merge-file: writing the merge of {name}"))?;
    }
    let mut stderr = std::io::stderr().lock();
    if !context.global.quiet {
        for resolved in &merged.resolutions {
            writeln!(
                stderr,
                "kehu: {name}: {}: {}",
                resolved.field, resolved.note
            )
            .context("writing to stderr")?;
        }
    }
    for conflict in &merged.conflicts {
        writeln!(stderr, "kehu: {name}: {conflict}").context("writing to stderr")?;
    }
    Ok(if merged.is_clean() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
