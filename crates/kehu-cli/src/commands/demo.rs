//! `kehu demo [DIR]`: the sample book with a year of history in a new git
//! repository, then the weekly job on it. The README's first command.

use std::io::Write;

use anyhow::{Context as _, bail};

use kehu_core::Date;

use crate::cli::{CheckArgs, DemoArgs, HistoryArgs, LogArgs};
use crate::commands;
use crate::context::Context;
use crate::demo::{self, story};
use crate::exit::Outcome;
use crate::plugin_host;

/// Builds the demo book and runs the main job on it.
pub fn run(context: &mut Context, args: DemoArgs) -> anyhow::Result<Outcome> {
    let dir = match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            if std::fs::read_dir(&dir)?.next().is_some() {
                bail!(
                    "{} is not empty; kehu demo builds a new book",
                    dir.display()
                );
            }
            dir
        }
        None => tempfile::Builder::new()
            .prefix("kehu-demo-")
            .tempdir()
            .context("creating a temporary directory")?
            .keep(),
    };
    let repo = kehu_git::Book::init(&dir)?;
    let summary = story::play(
        &repo,
        demo::SAMPLE_POLICY,
        kehu_core::edit::DEFAULT_CUSTOMER_TEMPLATE,
        demo::sample_customers(),
    )?;
    let root = repo.root().to_path_buf();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "kehu demo: the sample book with a year of history in {}",
        root.display()
    )?;
    writeln!(
        out,
        "  {} commits: {} contacts, {} order imports, {} hand regrades (3 on branch {}, merged), renamed {}",
        summary.commits,
        summary.contacts,
        summary.imports,
        summary.regrades,
        story::REVIEW_BRANCH,
        summary
            .renamed
            .as_ref()
            .map_or("nothing".to_owned(), |(a, b)| format!("{a} -> {b}")),
    )?;
    writeln!(
        out,
        "  {} complaints recorded with contacts, {} still open",
        summary.complaints.0, summary.complaints.1
    )?;
    writeln!(out, "  explore it: cd {} && git log --stat", root.display())?;
    drop(out);

    context.global.book = Some(root);
    context.global.as_of = Some(story::end_date());
    // The story's last day is "today" for the tour, whatever the clock says,
    // so the demo prints the same thing every day.
    context.global.today = Some(story::end_date());
    *context = Context::new(context.global.clone());
    heading(&format!("kehu check --as-of {}", story::end_date()))?;
    // Policy findings are part of the story (a CI would gate on them); the
    // demo itself succeeded.
    commands::check::run(context, CheckArgs { no_warnings: false })?;

    let week_ago = story::end_date().0 - chrono::Days::new(6);
    heading(&format!("kehu log --since {week_ago}"))?;
    commands::log::run(
        context,
        LogArgs {
            since: Some(Date(week_ago)),
            until: None,
            owner: None,
            kind: None,
        },
    )?;

    heading(&format!(
        "kehu history {} (the largest account)",
        summary.biggest
    ))?;
    commands::history::run(
        context,
        HistoryArgs {
            id: summary.biggest.clone(),
        },
    )?;

    // The main job: the weekly report, when its plugin is installed.
    let search = plugin_host::search_path(context);
    if kehu_plugin::host::Registry::load_one(&search, "report")
        .get("report")
        .is_some()
    {
        heading(&format!("kehu report --as-of {}", story::end_date()))?;
        commands::plugin::run(context, vec!["report".into()])?;
    } else {
        plugin_host::warn(
            context,
            "the report plugin is not installed: build it with `cargo build`",
        );
    }
    Ok(Outcome::Clean)
}

fn heading(text: &str) -> anyhow::Result<()> {
    writeln!(std::io::stdout(), "\n== {text}\n")?;
    Ok(())
}
