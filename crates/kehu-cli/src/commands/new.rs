//! `kehu new ID --name …`: a customer from the book's template, written to
//! its canonical place (`customers/<id[0..2]>/<id>.toml`) and committed.

use std::io::Write;

use anyhow::{Context as _, bail};
use kehu_core::edit::{NewCustomer, render_new_customer};

use crate::apply;
use crate::cli::NewArgs;
use crate::commands::init::CUSTOMER_TEMPLATE_PATH;
use crate::context::Context;
use crate::exit::Outcome;
use crate::session;

/// Creates the customer file and commits it.
pub fn run(context: &mut Context, args: NewArgs) -> anyhow::Result<Outcome> {
    let Some(path) = kehu_core::canonical_path(&args.id) else {
        bail!(
            "`{}` is not a valid customer id: use 2 to 64 lowercase letters, digits and '-'",
            args.id
        );
    };
    let book = session::load_for_writing(context, &apply::Mode::Commit)?;
    let root = context.book_root()?;
    let lower = args.id.to_lowercase();
    if let Some(existing) = book
        .customers
        .iter()
        .find(|c| c.customer.id.to_lowercase() == lower)
    {
        bail!(
            "customer `{}` already exists in {}",
            existing.customer.id,
            existing.path
        );
    }
    if root.join(&path).exists() {
        bail!("{path} already exists (it does not load: run `kehu check`)");
    }
    let template_path = root.join(CUSTOMER_TEMPLATE_PATH);
    if std::fs::symlink_metadata(&template_path).is_ok_and(|m| m.file_type().is_symlink()) {
        // A cloned book must not make kehu read (and commit) a file outside it.
        bail!("{CUSTOMER_TEMPLATE_PATH} is a symbolic link; not followed");
    }
    let template = match std::fs::read_to_string(&template_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            kehu_core::edit::DEFAULT_CUSTOMER_TEMPLATE.to_owned()
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("reading {CUSTOMER_TEMPLATE_PATH}")));
        }
    };
    let text = render_new_customer(
        &template,
        &NewCustomer {
            id: args.id.clone(),
            name: args.name.clone(),
            region: args.region,
            industry: args.industry,
            owner: args.owner,
            stage: Some(args.stage),
            since: Some(args.since.unwrap_or(context.as_of)),
        },
    )
    .with_context(|| format!("filling {CUSTOMER_TEMPLATE_PATH}"))?;

    let check = kehu_core::check_file(&path, text.as_bytes(), &book.config, context.as_of);
    if check.has_errors() {
        let listed: Vec<String> = check
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("  {d}"))
            .collect();
        bail!("refusing to create {path}:\n{}", listed.join("\n"));
    }
    let repo = kehu_git::Book::open(&root)?;
    let committed = repo.commit(&kehu_git::CommitRequest {
        files: vec![(path.clone(), text.into_bytes())],
        subject: format!("new: {}", args.id),
        body: format!("{} joins the book.", args.name),
        command: Some("new".into()),
        customers: vec![args.id.clone()],
        ..Default::default()
    })?;
    if !context.global.quiet {
        writeln!(
            std::io::stdout(),
            "Created {path} (commit {})",
            session::short(&committed.id)
        )
        .context("writing to stdout")?;
    }
    Ok(Outcome::Clean)
}
