//! Applying a changeset: the host's one way from "these fields should change"
//! to a commit. Built-in commands (`contact`, `grade`, `import`) and plugins
//! (`classify --apply`, `assign` …) describe a change the same way — a
//! [`kehu_core::Changeset`] of field edits plus the commit message, and for
//! imports whole new customers — and hand it to [`run`] (or [`plan`] then
//! [`execute`] when the caller wants to inspect the plan first).
//!
//! 1. **Validate** ([`plan`]): every edited customer exists and its file
//!    loads without errors; pinned fields (`grade.pinned`) keep their value
//!    unless the change is a hand regrade ([`Pins::Override`]); each file,
//!    with the edits applied by the format-preserving editor, passes
//!    `kehu_core::check_file` (so a value outside kehu.toml or a date in the
//!    future is refused before anything is written). New customers go to
//!    their canonical path and must not exist yet.
//! 2. **Write** ([`execute`]), by the shared [`WriteArgs`]:
//!    - `--dry-run`: nothing is written; the plan (each field old → new) and
//!      the exact commit message are printed;
//!    - `--branch NAME`: the edits start from HEAD's bytes and are committed
//!      on a new branch; HEAD, the index and the work tree are not touched;
//!    - otherwise the files are written and committed through `kehu-git`,
//!      which refuses a dirty file, a merge or rebase in progress and a held
//!      `index.lock` (after a short retry), and leaves the repository exactly
//!      as before on any failure. Each file carries the bytes it was made
//!      from, so a concurrent writer's change is refused, never overwritten
//!      (docs/safety.md).
//!
//! Before any of this, before it even reads the book, a writing command
//! repairs what a killed kehu write left ([`recover_before_writing`]).

mod fields;
mod recovery;
mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kehu_core::{Book, Changeset, Customer, Date, Diagnostic, FieldEdit};
use kehu_git::{CommitRequest, Committed, GitError};
use rayon::prelude::*;

pub use fields::{FieldChange, diff, render_new_customer, show};
pub use recovery::recover_before_writing;
pub use report::print;

use crate::cli::WriteArgs;

/// Above this many customers a commit names them by count
/// (`Kehu-Customer-Count`) instead of one `Kehu-Customer` trailer each: an
/// import of 20,000 customers would otherwise carry a 300 kB message. The
/// tree diff of the commit still says exactly which files changed.
pub const MAX_CUSTOMER_TRAILERS: usize = 100;

/// Whether a change may alter fields a person pinned by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pins {
    /// Refuse a change to a pinned field or to `grade.pinned` (everything but
    /// `kehu grade`: imports, contacts, plugins).
    Respect,
    /// A hand regrade: set pinned fields and `grade.pinned` itself.
    Override,
}

/// Everything a command asks the book to become, and how to say it in git.
#[derive(Clone, Debug)]
pub struct Change {
    /// Subject, body, extra trailers and the field edits.
    pub changeset: Changeset,
    /// Whole new customers, written to their canonical paths.
    pub creates: Vec<Customer>,
    /// `Kehu-Command`: the command or plugin that made the change.
    pub command: String,
    /// `Kehu-Contact`: the channel of a recorded contact.
    pub contact: Option<String>,
    /// `Kehu-Reason`: why (a hand regrade).
    pub reason: Option<String>,
    /// Whether pinned fields may change.
    pub pins: Pins,
}

impl Change {
    /// A change of `changeset` by `command` that respects pins.
    pub fn new(command: impl Into<String>, changeset: Changeset) -> Change {
        Change {
            changeset,
            creates: Vec::new(),
            command: command.into(),
            contact: None,
            reason: None,
            pins: Pins::Respect,
        }
    }
}

/// The book a change applies to.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The book root (the directory with kehu.toml).
    pub root: &'a Path,
    /// The book as loaded from the work tree.
    pub book: &'a Book,
    /// Dates after this day are in the future (validation of the new bytes).
    pub today: Date,
}

/// Where the change goes: decided from [`WriteArgs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write the work tree and commit on the current branch.
    Commit,
    /// Show, write nothing.
    DryRun,
    /// Commit on a new branch from HEAD.
    Branch(String),
}

impl Mode {
    /// The mode a plugin's response asks for.
    pub fn from_plugin(mode: &kehu_plugin::protocol::WriteMode) -> Mode {
        use kehu_plugin::protocol::WriteMode;
        match mode {
            WriteMode::Apply => Mode::Commit,
            WriteMode::DryRun => Mode::DryRun,
            WriteMode::Branch(name) => Mode::Branch(name.clone()),
        }
    }

    /// The mode the shared write options ask for.
    pub fn from_args(write: &WriteArgs) -> Mode {
        match (&write.branch, write.dry_run) {
            (_, true) => Mode::DryRun,
            (Some(name), false) => Mode::Branch(name.clone()),
            (None, false) => Mode::Commit,
        }
    }
}

/// One file the change writes.
#[derive(Clone, Debug)]
pub struct FilePlan {
    /// Path relative to the book root.
    pub path: String,
    /// The customer id.
    pub customer: String,
    /// True for a new customer file.
    pub created: bool,
    /// The fields that change, in file order.
    pub changes: Vec<FieldChange>,
}

/// A file planned, with its contents: the contents move into the commit
/// request (a large regrade holds each file's bytes once, not twice).
struct Planned {
    file: FilePlan,
    /// The new bytes.
    bytes: Vec<u8>,
    /// The bytes they were made from (`None` for a new file): the writer
    /// refuses the commit if the file changed since (a concurrent write).
    base: Option<Vec<u8>>,
}

/// A validated change, ready to execute.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Where it goes.
    pub mode: Mode,
    /// Changed files, sorted by path (customers whose edits change nothing are left out).
    pub files: Vec<FilePlan>,
    /// The commit to make.
    pub request: CommitRequest,
}

/// What [`execute`] did.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The plan that was executed.
    pub plan: Plan,
    /// The full commit message (trailers included).
    pub message: String,
    /// The commit, unless this was a dry run or nothing changed.
    pub committed: Option<Committed>,
}

/// Why a change was refused. Nothing has been written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An edit names a customer the book does not have.
    #[error("no customer `{customer}` in the book")]
    UnknownCustomer {
        /// The id from the edit.
        customer: String,
    },
    /// The customer's file already has errors; a person must fix it first.
    #[error("refusing to write {path}: it does not pass `kehu check`; fix it first:\n{}", listed(.diagnostics))]
    AlreadyInvalid {
        /// The file.
        path: String,
        /// Its error diagnostics.
        diagnostics: Vec<Diagnostic>,
    },
    /// The change would alter a field a person pinned.
    #[error(
        "refusing to change {field} of `{customer}`: it is pinned (set by hand); \
         use `kehu grade {customer} --unpin {pin} --reason …` to release it"
    )]
    Pinned {
        /// The customer.
        customer: String,
        /// The dotted field.
        field: String,
        /// The name in `grade.pinned`.
        pin: String,
    },
    /// The edit cannot be applied to the file's TOML.
    #[error("cannot edit {path}: {source}")]
    Edit {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: kehu_core::edit::EditError,
    },
    /// The file with the edits applied would not pass `kehu check`.
    #[error("refusing to write {path}: the result would not pass `kehu check`:\n{}", listed(.diagnostics))]
    Invalid {
        /// The file.
        path: String,
        /// The error diagnostics of the new bytes.
        diagnostics: Vec<Diagnostic>,
    },
    /// A customer to create has an id that is not a valid file stem.
    #[error("`{customer}` is not a valid customer id (2 to 64 lowercase letters, digits and '-')")]
    BadId {
        /// The id.
        customer: String,
    },
    /// A customer to create already exists.
    #[error("customer `{customer}` already exists ({path})")]
    Exists {
        /// The id.
        customer: String,
        /// Where it is.
        path: String,
    },
    /// `--branch`: the customer's file is not in HEAD (not committed yet).
    #[error("{path} is not committed; `--branch` starts from HEAD (commit the file first)")]
    NotInHead {
        /// The file.
        path: String,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// git refused or failed (dirty file, merge in progress, lock held …).
    #[error(transparent)]
    Git(#[from] GitError),
}

fn listed(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates and executes a change, then prints what happened (unless
/// `quiet`; a dry run always prints). The usual entry point for commands,
/// which call [`recover_before_writing`] before they read the book.
pub fn run(
    target: Target<'_>,
    change: &Change,
    write: &WriteArgs,
    quiet: bool,
) -> anyhow::Result<Applied> {
    let repo = kehu_git::Book::open(target.root)?;
    let plan = plan(&repo, target, change, write)?;
    let applied = execute(&repo, plan)?;
    print(&applied, quiet, &mut std::io::stdout().lock())?;
    Ok(applied)
}

/// Validates a change against the book and builds the files and commit
/// request, reading nothing but the book's files (work tree, or HEAD for
/// `--branch`) and writing nothing.
pub fn plan(
    repo: &kehu_git::Book,
    target: Target<'_>,
    change: &Change,
    write: &WriteArgs,
) -> Result<Plan, ApplyError> {
    let mode = Mode::from_args(write);
    if mode == Mode::Commit || mode == Mode::DryRun {
        // Refuse early (merge in progress) before any work; dirty files are
        // checked by the writer under the index lock, and here for a dry run.
        repo.ensure_idle()?;
    }
    let groups = group_by_customer(&change.changeset.edits);
    // From the work tree, the files are edited and checked in parallel (a
    // regrade of a large book touches thousands); from HEAD (`--branch`)
    // one by one, as the repository handle is not shared between threads.
    // Errors are reported for the first customer in order either way.
    let edited: Vec<Result<Option<Planned>, ApplyError>> = match &mode {
        Mode::Branch(_) => groups
            .iter()
            .map(|(customer, edits)| {
                let loaded = editable(target, customer)?;
                let base = repo
                    .head_file(&loaded.path)?
                    .ok_or_else(|| ApplyError::NotInHead {
                        path: loaded.path.clone(),
                    })?;
                edit_file(target, change, &mode, loaded, base, edits)
            })
            .collect(),
        Mode::Commit | Mode::DryRun => groups
            .par_iter()
            .map(|(customer, edits)| {
                let loaded = editable(target, customer)?;
                let disk = target.root.join(&loaded.path);
                let base = std::fs::read(&disk)
                    .map_err(|source| ApplyError::Read { path: disk, source })?;
                edit_file(target, change, &mode, loaded, base, edits)
            })
            .collect(),
    };
    let mut planned = Vec::new();
    for file in edited {
        planned.extend(file?);
    }
    for customer in &change.creates {
        planned.push(create_file(repo, target, &mode, customer)?);
    }
    planned.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    if mode == Mode::DryRun {
        let paths: Vec<&str> = planned.iter().map(|p| p.file.path.as_str()).collect();
        repo.check_writable(&paths)?;
    }
    let (files, request) = commit_request(change, planned, write);
    Ok(Plan {
        mode,
        files,
        request,
    })
}

/// Executes a validated plan: prints nothing, writes per its mode.
pub fn execute(repo: &kehu_git::Book, plan: Plan) -> Result<Applied, ApplyError> {
    let message = repo.render_message(&plan.request)?;
    let committed = match (&plan.mode, plan.files.is_empty()) {
        (Mode::DryRun, _) | (_, true) => None,
        (Mode::Commit, false) => Some(repo.commit(&plan.request)?),
        (Mode::Branch(name), false) => Some(repo.commit_on_branch(name, &plan.request)?),
    };
    Ok(Applied {
        plan,
        message,
        committed,
    })
}

/// The edits per customer, customers in order of first appearance.
fn group_by_customer(edits: &[FieldEdit]) -> Vec<(&str, Vec<&FieldEdit>)> {
    let mut order: Vec<(&str, Vec<&FieldEdit>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for edit in edits {
        let slot = *index.entry(edit.customer.as_str()).or_insert_with(|| {
            order.push((edit.customer.as_str(), Vec::new()));
            order.len() - 1
        });
        order[slot].1.push(edit);
    }
    order
}

/// The loaded file of `customer`, which an edit may start from: it exists
/// and has no errors now.
fn editable<'b>(
    target: Target<'b>,
    customer: &str,
) -> Result<&'b kehu_core::LoadedCustomer, ApplyError> {
    let Some(loaded) = target.book.customer(customer) else {
        return Err(ApplyError::UnknownCustomer {
            customer: customer.to_owned(),
        });
    };
    let existing_errors: Vec<Diagnostic> = target.book.errors_in(&loaded.path).cloned().collect();
    if !existing_errors.is_empty() {
        return Err(ApplyError::AlreadyInvalid {
            path: loaded.path.clone(),
            diagnostics: existing_errors,
        });
    }
    Ok(loaded)
}

/// Applies one customer's edits to `base`, the file's bytes (work tree, or
/// HEAD for `--branch`); `None` when they change nothing.
fn edit_file(
    target: Target<'_>,
    change: &Change,
    mode: &Mode,
    loaded: &kehu_core::LoadedCustomer,
    base: Vec<u8>,
    edits: &[&FieldEdit],
) -> Result<Option<Planned>, ApplyError> {
    let customer = loaded.customer.id.as_str();
    let path = loaded.path.clone();
    let text = String::from_utf8_lossy(&base);
    let new_text =
        kehu_core::edit::apply_edits(&text, edits.iter().map(|e| (e.field.as_str(), &e.value)))
            .map_err(|source| ApplyError::Edit {
                path: path.clone(),
                source,
            })?;
    if new_text.as_bytes() == base.as_slice() {
        return Ok(None);
    }
    let check = kehu_core::check_file(
        &path,
        new_text.as_bytes(),
        &target.book.config,
        target.today,
    );
    let errors: Vec<Diagnostic> = check
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    let Some(new_customer) = check.customer.filter(|_| errors.is_empty()) else {
        return Err(ApplyError::Invalid {
            path,
            diagnostics: errors,
        });
    };
    let old_customer = match mode {
        Mode::Branch(_) => {
            kehu_core::check_file(&path, &base, &target.book.config, target.today).customer
        }
        Mode::Commit | Mode::DryRun => Some(loaded.customer.clone()),
    };
    let changes = diff(old_customer.as_ref(), &new_customer);
    if change.pins == Pins::Respect {
        let pinned = old_customer
            .as_ref()
            .map(|c| c.grade.pinned.clone())
            .unwrap_or_default();
        refuse_pinned(customer, &pinned, &changes)?;
    }
    Ok(Some(Planned {
        file: FilePlan {
            path,
            customer: customer.to_owned(),
            created: false,
            changes,
        },
        bytes: new_text.into_bytes(),
        base: Some(base),
    }))
}

/// Refuses a change that touches a pinned field or the pin list itself.
fn refuse_pinned(
    customer: &str,
    pinned: &[String],
    changes: &[FieldChange],
) -> Result<(), ApplyError> {
    for change in changes {
        let pin = match change.field.as_str() {
            "owner" => "owner",
            "grade.pinned" => {
                return Err(ApplyError::Pinned {
                    customer: customer.to_owned(),
                    field: change.field.clone(),
                    pin: pinned.first().cloned().unwrap_or_else(|| "FIELD".into()),
                });
            }
            field => match field.strip_prefix("grade.") {
                Some(name) => name,
                None => continue,
            },
        };
        if pinned.iter().any(|p| p == pin) {
            return Err(ApplyError::Pinned {
                customer: customer.to_owned(),
                field: change.field.clone(),
                pin: pin.to_owned(),
            });
        }
    }
    Ok(())
}

/// Renders and checks one new customer file at its canonical path.
fn create_file(
    repo: &kehu_git::Book,
    target: Target<'_>,
    mode: &Mode,
    customer: &Customer,
) -> Result<Planned, ApplyError> {
    let id = customer.id.as_str();
    let Some(path) = kehu_core::canonical_path(id) else {
        return Err(ApplyError::BadId {
            customer: id.to_owned(),
        });
    };
    if let Some(existing) = target.book.customer(id) {
        return Err(ApplyError::Exists {
            customer: id.to_owned(),
            path: existing.path.clone(),
        });
    }
    let exists = match mode {
        Mode::Branch(_) => repo.head_file(&path)?.is_some(),
        Mode::Commit | Mode::DryRun => target.root.join(&path).exists(),
    };
    if exists {
        return Err(ApplyError::Exists {
            customer: id.to_owned(),
            path,
        });
    }
    let text = render_new_customer(customer).map_err(|source| ApplyError::Edit {
        path: path.clone(),
        source,
    })?;
    let check = kehu_core::check_file(&path, text.as_bytes(), &target.book.config, target.today);
    if check.has_errors() {
        return Err(ApplyError::Invalid {
            path,
            diagnostics: check
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect(),
        });
    }
    Ok(Planned {
        file: FilePlan {
            path,
            customer: id.to_owned(),
            created: true,
            changes: diff(None, customer),
        },
        bytes: text.into_bytes(),
        base: None,
    })
}

/// The planned files and the commit request that writes them (their
/// contents move into the request).
fn commit_request(
    change: &Change,
    planned: Vec<Planned>,
    write: &WriteArgs,
) -> (Vec<FilePlan>, CommitRequest) {
    let mut trailers = change.changeset.trailers.clone();
    let customers = if planned.len() <= MAX_CUSTOMER_TRAILERS {
        planned.iter().map(|p| p.file.customer.clone()).collect()
    } else {
        trailers.push(("Kehu-Customer-Count".to_owned(), planned.len().to_string()));
        Vec::new()
    };
    let mut files = Vec::with_capacity(planned.len());
    let mut contents = Vec::with_capacity(planned.len());
    let mut based_on = Vec::with_capacity(planned.len());
    for Planned { file, bytes, base } in planned {
        contents.push((file.path.clone(), bytes));
        based_on.push((file.path.clone(), base));
        files.push(file);
    }
    let request = CommitRequest {
        files: contents,
        subject: change.changeset.subject.clone(),
        body: change.changeset.body.clone(),
        command: Some(change.command.clone()),
        customers,
        contact: change.contact.clone(),
        reason: change.reason.clone(),
        trailers,
        author: write.author.clone(),
        date: None,
        based_on,
    };
    (files, request)
}

/// The customer a command is about, or a clear error: an id the book lacks,
/// or one whose file does not load (then `kehu check` says why).
pub fn customer<'b>(book: &'b Book, id: &str) -> anyhow::Result<&'b kehu_core::LoadedCustomer> {
    if let Some(found) = book.customer(id) {
        return Ok(found);
    }
    let broken = book.diagnostics.iter().any(|d| {
        let name = d.path.rsplit('/').next().unwrap_or(&d.path);
        d.is_error() && name.strip_suffix(".toml") == Some(id)
    });
    if broken {
        anyhow::bail!("customer `{id}` does not load; run `kehu check` to see why");
    }
    anyhow::bail!("no customer `{id}` in the book")
}
