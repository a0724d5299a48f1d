//! `kehu init [DIR]`: a new book — kehu.toml and the customer template from
//! kehu's templates, an empty `customers/`, a git repository, a first commit.
//! The commit includes `.gitattributes` naming kehu's merge driver for the
//! customer files; with `--merge-driver` the driver is also defined in this
//! clone's `.git/config` (a clone never gets it from the book itself).

use std::fs;
use std::io::Write;

use anyhow::{Context as _, bail};

use crate::cli::InitArgs;
use crate::context::Context;
use crate::exit::Outcome;

/// The policy a new book starts with (the sample book's, documented inline).
pub const POLICY_TEMPLATE: &str = include_str!("../../../../templates/kehu.toml");

/// The `.gitattributes` of a new book: customer files use the `kehu` merge driver.
pub const GITATTRIBUTES_TEMPLATE: &str = include_str!("../../../../templates/gitattributes");

/// The command git runs for the `kehu` merge driver.
pub const MERGE_DRIVER_COMMAND: &str = "kehu merge-file %O %A %B %P";

/// Where a book keeps the template `kehu new` fills in.
pub const CUSTOMER_TEMPLATE_PATH: &str = "templates/customer.toml";

/// Creates the book and its first commit.
pub fn run(context: &mut Context, args: InitArgs) -> anyhow::Result<Outcome> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let dir = cwd.join(args.dir.unwrap_or_else(|| ".".into()));
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if dir.join(crate::locate::POLICY_FILE).exists() {
        bail!("{} already holds a book (kehu.toml exists)", dir.display());
    }
    let repo = kehu_git::Book::init(&dir)?;
    fs::create_dir_all(dir.join(kehu_core::CUSTOMERS_DIR))
        .with_context(|| format!("creating {}/customers", dir.display()))?;
    let files = vec![
        ("kehu.toml".to_owned(), POLICY_TEMPLATE.as_bytes().to_vec()),
        (
            CUSTOMER_TEMPLATE_PATH.to_owned(),
            kehu_core::edit::DEFAULT_CUSTOMER_TEMPLATE
                .as_bytes()
                .to_vec(),
        ),
        ("customers/.gitkeep".to_owned(), Vec::new()),
        (
            ".gitattributes".to_owned(),
            GITATTRIBUTES_TEMPLATE.as_bytes().to_vec(),
        ),
    ];
    let committed = repo.commit(&kehu_git::CommitRequest {
        files,
        subject: "init: a new kehu book".into(),
        command: Some("init".into()),
        ..Default::default()
    })?;
    if args.merge_driver {
        repo.set_merge_driver("kehu", "kehu field-level merge", MERGE_DRIVER_COMMAND)?;
    }
    if !context.global.quiet {
        writeln!(
            std::io::stdout(),
            "Initialized a kehu book in {} (commit {})",
            repo.root().display(),
            crate::session::short(&committed.id)
        )
        .context("writing to stdout")?;
    }
    Ok(Outcome::Clean)
}
