//! `kehu init [DIR]`: a new book — kehu.toml and the customer template from
//! kehu's templates, an empty `customers/`, a git repository, a first commit.
//! The commit includes `.gitattributes` naming kehu's merge driver for the
//! customer files; with `--merge-driver` the driver is also defined in this
//! clone's `.git/config` (a clone never gets it from the book itself).

use std::fs;
use std::io::Write;
use std::path::Path;

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

/// The book's `.gitattributes`: the template, appended to one the directory
/// already has (a book made inside an existing repository) unless that one
/// already names the `kehu` driver.
fn gitattributes(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(".gitattributes");
    let existing = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if String::from_utf8_lossy(&existing).contains("merge=kehu") {
        return Ok(existing);
    }
    let mut bytes = existing;
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    if !bytes.is_empty() {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(GITATTRIBUTES_TEMPLATE.as_bytes());
    Ok(bytes)
}

/// Whether an executable `kehu` is on PATH, where git looks for the driver.
fn kehu_on_path() -> bool {
    let name = format!("kehu{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(&name).is_file()))
}

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
        (".gitattributes".to_owned(), gitattributes(&dir)?),
    ];
    let committed = repo.commit(&kehu_git::CommitRequest {
        files,
        subject: "init: a new kehu book".into(),
        command: Some("init".into()),
        ..Default::default()
    })?;
    if args.merge_driver {
        repo.set_merge_driver("kehu", "kehu field-level merge", MERGE_DRIVER_COMMAND)?;
        if !context.global.quiet && !kehu_on_path() {
            writeln!(
                std::io::stderr(),
                "kehu: warning: `kehu` is not on PATH, so git cannot run the merge driver; \
                 install it there, or give its full path in merge.kehu.driver"
            )
            .context("writing to stderr")?;
        }
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
