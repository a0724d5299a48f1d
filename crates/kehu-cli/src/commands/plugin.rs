//! `kehu NAME ARGS…` for a name that is not built in: find the plugin that
//! provides NAME, run it with the arguments after the subcommand, print what
//! it says, and carry out the changeset it returns (the host owns all writes).

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use kehu_plugin::host::Registry;
use kehu_plugin::protocol::{Request, WriteMode};
use kehu_plugin_sdk::WriteFlags;

use crate::apply;
use crate::cli::{ColorChoice, GLOBAL_VALUE_OPTIONS, WriteArgs};
use crate::output::Format;

use crate::context::Context;
use crate::exit::{Outcome, PluginFailure};
use crate::out_file::OutFile;
use crate::plugin_host::{self, Services};
use crate::replay::RunKey;
use kehu_cache::Stream;

/// Runs the plugin named by `argv[0]`.
pub fn run(context: &mut Context, argv: Vec<OsString>) -> anyhow::Result<Outcome> {
    let mut words = argv.into_iter();
    let name = words
        .next()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let args: Vec<String> = words
        .map(|w| {
            w.into_string()
                .map_err(|w| anyhow!("argument {w:?} is not UTF-8"))
        })
        .collect::<anyhow::Result<_>>()?;
    let (args, out) = take_global_options(context, args)?;
    // Opened before the plugin runs: a bad path fails before a long report.
    let out = out.as_deref().map(OutFile::create).transpose()?;

    let search = plugin_host::search_path(context);
    let registry = Registry::load_one(&search, &name);
    for warning in search.warnings().iter().chain(registry.warnings()) {
        plugin_host::warn(context, &warning.to_string());
    }
    let plugin = registry.require(&name)?;

    // A run that will write repairs a killed kehu write before the plugin
    // reads the book (apply::recover_before_writing). Whether it writes is
    // read with the SDK's own parser of the write flags, the one every
    // bundled plugin uses; the response's mode decides what is written.
    let writes = WriteFlags::parse(&args).ok().and_then(|flags| flags.mode);
    if let Some(mode) = &writes
        && let Ok(root) = context.book_root()
    {
        apply::recover_before_writing(&root, &apply::Mode::from_plugin(mode))?;
    }

    let mut request = Request::new(&name, args, context.as_of);
    request.format = context.global.format.map(|f| f.name().to_owned());
    request.color = context.color;
    request.book_dir = context.book_root().ok().map(|p| p.display().to_string());

    // A read-only run may have been made before on this very book: replay it.
    let run_key = match (&writes, context.book_root()) {
        (None, Ok(root)) => RunKey::new(&root, plugin, &request),
        _ => None,
    };
    let services = Services::new(context).with_out(out);
    if let Some(replay) = run_key.as_ref().and_then(RunKey::find) {
        let exit_code = replay.exit_code();
        replay
            .play(|stream, bytes| match stream {
                Stream::Stdout => services.write_stdout(bytes),
                Stream::Stderr => services.write_stderr(bytes),
            })
            .context("replaying the plugin's output")?;
        return finish(&services, exit_code);
    }
    let services = services.with_recording(run_key.as_ref().and_then(RunKey::record));
    let response = plugin.run(&request, &services);
    // The plugin failed, or gave up, because its output's reader went away
    // (`kehu classify | head`): nothing to report, and nothing applied.
    if services.reader_gone() {
        return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
    }
    let response = response.map_err(|e| PluginFailure(e.to_string()))?;
    services
        .write_stdout(response.stdout.as_bytes())
        .context("writing the plugin's output")?;
    services
        .write_stderr(response.stderr.as_bytes())
        .context("writing to stderr")?;
    let recording = services.take_recording();
    if let Some(run_key) = &run_key
        && (0..=1).contains(&response.exit_code)
    {
        match recording {
            Some(recording) if response.pure && response.changeset.is_none() => {
                recording.finish(response.exit_code);
            }
            _ if !response.pure => run_key.mark_impure(),
            _ => {}
        }
    }

    if let Some(changeset) = &response.changeset {
        // The plugin's copy of the book is gone: give its pages back before
        // the host loads its own to check and apply the changes.
        plugin_host::release_free_memory();
        let book = services.loaded_book()?;
        kehu_plugin::policy::check_changeset(changeset, |id| {
            book.customer(id).map(|c| &c.customer)
        })
        .with_context(|| format!("refusing the changes proposed by plugin `{name}`"))?;
        let write = match &response.mode {
            WriteMode::Apply => WriteArgs {
                dry_run: false,
                branch: None,
                author: None,
            },
            WriteMode::DryRun => WriteArgs {
                dry_run: true,
                branch: None,
                author: None,
            },
            WriteMode::Branch(branch) => WriteArgs {
                dry_run: false,
                branch: Some(branch.clone()),
                author: None,
            },
        };
        let (root, today, quiet) =
            services.with_context(|c| (c.book_root(), c.as_of, c.global.quiet));
        let target = apply::Target {
            root: &root?,
            book,
            today,
        };
        apply::run(
            target,
            &apply::Change::new(name.as_str(), changeset.clone()),
            &write,
            quiet,
        )?;
    }
    finish(&services, response.exit_code)
}

/// Ends a run that exited with `exit_code`: keeps the `--out` file unless the
/// run failed (exit 2 and up leaves it as it was).
fn finish(services: &Services<'_>, exit_code: i32) -> anyhow::Result<Outcome> {
    if let Some(out) = services.take_out()
        && (0..=1).contains(&exit_code)
    {
        out.commit()?;
    }
    Ok(match exit_code {
        0 => Outcome::Clean,
        1 => Outcome::Findings,
        code => Outcome::Exit(u8::try_from(code).unwrap_or(2)),
    })
}

/// Global options given after the plugin's name (`kehu classify --as-of D`)
/// still belong to kehu: take them out of the plugin's arguments and apply
/// them. `--format` stays with the plugin too, which prints its own formats.
/// `--out FILE` is the host's (the plugin never sees it) and is returned.
fn take_global_options(
    context: &mut Context,
    args: Vec<String>,
) -> anyhow::Result<(Vec<String>, Option<PathBuf>)> {
    let mut global = context.global.clone();
    let mut out = None;
    let mut rest = Vec::with_capacity(args.len());
    let mut words = args.into_iter();
    while let Some(word) = words.next() {
        if word == "--" {
            rest.push(word);
            rest.extend(words.by_ref());
            break;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (word.clone(), None),
        };
        if flag == "-q" || flag == "--quiet" {
            global.quiet = true;
            continue;
        }
        if !GLOBAL_VALUE_OPTIONS.contains(&flag.as_str()) && flag != OUT {
            rest.push(word);
            continue;
        }
        let value = inline
            .or_else(|| words.next())
            .ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            OUT if value.is_empty() => anyhow::bail!("--out needs a file name"),
            OUT => out = Some(PathBuf::from(value)),
            "--as-of" => global.as_of = Some(value.parse()?),
            "--book" => global.book = Some(value.into()),
            "--plugin-dir" => global.plugin_dir.push(value.into()),
            "--format" => {
                global.format = <Format as clap::ValueEnum>::from_str(&value, true).ok();
                rest.push(format!("--format={value}"));
            }
            _ => {
                global.color = <ColorChoice as clap::ValueEnum>::from_str(&value, true)
                    .map_err(|_| anyhow!("--color takes auto, always or never"))?;
            }
        }
    }
    *context = Context::new(global);
    Ok((rest, out))
}

/// The host's option that sends a plugin's stdout to a file.
const OUT: &str = "--out";
