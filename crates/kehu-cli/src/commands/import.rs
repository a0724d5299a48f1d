//! `kehu import orders FILE` and `kehu import customers FILE.csv`: real data
//! in, one commit out.
//!
//! Orders (`--format csv|cdnow`, detected when not given) are aggregated into
//! each customer's `[metrics]` as of `--as-of`; rows dated later are left out
//! and counted, so a book can be built as it stood on a past day. Customers
//! come from a CRM export, columns mapped with `--map column=field`. In both,
//! a bad row refuses the whole file (naming `FILE:LINE: column: problem`)
//! unless `--skip-bad` is given, and then the skipped rows are listed on
//! stderr and in the commit body. The commit body is the summary.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, bail};
use kehu_core::import::{self, ColumnMap, CustomersSummary, OrderFormat, RowError, bad_row_count};
use kehu_core::{Book, LoadOptions};

use crate::apply::{self, Change, Target};
use crate::cli::{ImportCommand, ImportCustomersArgs, ImportOrdersArgs, WriteArgs};
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::Format;

/// How many skipped rows the commit body lists (stderr lists them all).
const BODY_ROW_LIMIT: usize = 50;

/// How many missing ids a refusal names.
const MISSING_ID_LIMIT: usize = 10;

/// Runs `kehu import orders` or `kehu import customers`.
pub fn run(context: &mut Context, command: ImportCommand) -> anyhow::Result<Outcome> {
    match command {
        ImportCommand::Orders(args) => orders(context, args),
        ImportCommand::Customers(args) => customers(context, args),
    }
}

/// The work tree's book, repaired first if a killed kehu write left it half
/// changed ([`apply::recover_before_writing`]). `--as-of` here names the day
/// the imported figures describe, not a past state of the book to read, so
/// it is not used to load: the files are validated as of today.
fn load_work_tree(
    context: &mut Context,
    write: &WriteArgs,
) -> anyhow::Result<(std::path::PathBuf, Book)> {
    let root = context.book_root()?;
    apply::recover_before_writing(&root, &apply::Mode::from_args(write))?;
    let options = LoadOptions {
        as_of: context.today,
    };
    let book = crate::session::load_work_tree(context, &root, &options)?;
    Ok((root, book))
}

/// Reads the import file whole, refusing one over
/// [`kehu_core::import::MAX_IMPORT_BYTES`] before reading it (memory stays
/// bounded whatever the file, and a FIFO cannot grow it without end).
fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let limit = kehu_core::import::MAX_IMPORT_BYTES;
    let too_large = |len: u64| {
        anyhow::anyhow!(
            "{}: the file is {len} bytes, over the import limit of {limit} bytes; split it and import the parts in date order",
            path.display()
        )
    };
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > limit {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Refuses a file with bad rows, or (`--skip-bad`) lists them on stderr and
/// returns the lines for the commit body.
fn bad_rows(file: &Path, errors: &[RowError], skip_bad: bool) -> anyhow::Result<Vec<String>> {
    let listed: Vec<String> = errors
        .iter()
        .map(|e| format!("{}:{}: {}: {}", file.display(), e.line, e.column, e.problem))
        .collect();
    if listed.is_empty() {
        return Ok(listed);
    }
    let rows = bad_row_count(errors);
    if !skip_bad {
        bail!(
            "{rows} bad row{} in {}; nothing was imported (fix them, or pass --skip-bad to import the rest):\n  {}",
            if rows == 1 { "" } else { "s" },
            file.display(),
            listed.join("\n  ")
        );
    }
    let mut stderr = std::io::stderr().lock();
    for line in &listed {
        writeln!(stderr, "kehu: skipped: {line}").context("writing to stderr")?;
    }
    Ok(listed)
}

/// The commit-body paragraph listing skipped rows, capped.
fn skipped_paragraph(listed: &[String]) -> String {
    if listed.is_empty() {
        return String::new();
    }
    let mut text = String::from("\n\nSkipped (bad rows):\n");
    for line in listed.iter().take(BODY_ROW_LIMIT) {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    if listed.len() > BODY_ROW_LIMIT {
        text.push_str(&format!("  … and {} more\n", listed.len() - BODY_ROW_LIMIT));
    }
    text.trim_end().to_owned()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// `kehu import orders FILE [--create] [--skip-bad]`.
fn orders(context: &mut Context, args: ImportOrdersArgs) -> anyhow::Result<Outcome> {
    let format = match context.global.format {
        None => None,
        Some(Format::Csv) => Some(OrderFormat::Csv),
        Some(Format::Cdnow) => Some(OrderFormat::Cdnow),
        Some(other) => bail!(
            "`import orders` reads --format csv or cdnow, not {}",
            other.name()
        ),
    };
    let (root, book) = load_work_tree(context, &args.write)?;
    let bytes = read_file(&args.file)?;
    let parsed = import::parse_orders(&bytes, format)
        .with_context(|| format!("{}: cannot import", args.file.display()))?;
    let skipped = bad_rows(&args.file, &parsed.errors, args.skip_bad)?;
    let aggregation = import::aggregate(&parsed, context.as_of);
    let update =
        import::metrics_changeset(&aggregation, book.customers.iter().map(|c| &c.customer));
    if !update.missing.is_empty() && !args.create {
        let shown: Vec<&str> = update
            .missing
            .iter()
            .take(MISSING_ID_LIMIT)
            .map(String::as_str)
            .collect();
        let more = update.missing.len().saturating_sub(MISSING_ID_LIMIT);
        bail!(
            "{} customer{} in {} {} not in the book ({}{}); pass --create to add them; nothing was imported",
            update.missing.len(),
            if update.missing.len() == 1 { "" } else { "s" },
            args.file.display(),
            if update.missing.len() == 1 {
                "is"
            } else {
                "are"
            },
            shown.join(", "),
            if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            },
        );
    }
    let creates = import::new_customers(&aggregation, &update.missing);
    let s = &aggregation.summary;
    let counts = format!(
        "Customers: {} updated, {} created, {} unchanged.",
        update.updated,
        creates.len(),
        update.unchanged
    );
    let mut changeset = update.changeset;
    changeset.subject = format!("{} from {}", changeset.subject, file_name(&args.file));
    changeset.body = format!(
        "File: {} ({}).\n{}\n{counts}{}",
        file_name(&args.file),
        parsed.layout,
        changeset.body,
        skipped_paragraph(&skipped)
    );
    if !context.global.quiet {
        writeln!(
            std::io::stdout(),
            "Read {} rows ({}): {} used, {} after {}, {} bad. {counts}",
            s.rows_read,
            parsed.layout,
            s.rows_used,
            s.rows_after_as_of,
            aggregation.as_of,
            s.bad_rows,
        )
        .context("writing to stdout")?;
    }
    let mut change = Change::new("import", changeset);
    change.creates = creates;
    let target = Target {
        root: &root,
        book: &book,
        today: context.today,
    };
    apply::run(target, &change, &args.write, context.global.quiet)?;
    Ok(Outcome::Clean)
}

/// `kehu import customers FILE.csv [--map column=field …]`.
fn customers(context: &mut Context, args: ImportCustomersArgs) -> anyhow::Result<Outcome> {
    if let Some(format) = context.global.format
        && format != Format::Csv
    {
        bail!(
            "`import customers` reads CSV, not --format {}",
            format.name()
        );
    }
    let map = ColumnMap::parse(&args.map)?;
    let (root, book) = load_work_tree(context, &args.write)?;
    let bytes = read_file(&args.file)?;
    let imported =
        import::import_customers(&bytes, &map, book.customers.iter().map(|c| &c.customer))
            .with_context(|| format!("{}: cannot import", args.file.display()))?;
    let skipped = bad_rows(&args.file, &imported.errors, args.skip_bad)?;
    let summary = customers_summary(&imported.summary);
    let mut changeset = imported.updates;
    changeset.subject = format!("{} from {}", changeset.subject, file_name(&args.file));
    changeset.body = format!(
        "File: {}.\n{summary}{}",
        file_name(&args.file),
        skipped_paragraph(&skipped)
    );
    if !context.global.quiet {
        writeln!(std::io::stdout(), "{summary}").context("writing to stdout")?;
    }
    let mut change = Change::new("import", changeset);
    change.creates = imported.creates;
    let target = Target {
        root: &root,
        book: &book,
        today: context.today,
    };
    apply::run(target, &change, &args.write, context.global.quiet)?;
    Ok(Outcome::Clean)
}

/// The summary of a customers import, as the commit body and stdout say it.
fn customers_summary(s: &CustomersSummary) -> String {
    let mapped: Vec<String> = s
        .mapped
        .iter()
        .map(|(column, field)| {
            if column == field {
                column.clone()
            } else {
                format!("{column} → {field}")
            }
        })
        .collect();
    let mut text = format!(
        "Rows read: {}; bad (skipped): {}.\nCustomers: {} updated, {} created, {} unchanged.\nColumns used: {}.",
        s.rows_read,
        s.bad_rows,
        s.updated,
        s.created,
        s.unchanged,
        mapped.join(", ")
    );
    if !s.ignored_columns.is_empty() {
        text.push_str(&format!(
            "\nColumns ignored: {}.",
            s.ignored_columns.join(", ")
        ));
    }
    text
}
