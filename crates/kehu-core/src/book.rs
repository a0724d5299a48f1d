//! A loaded book: the policy, every customer that loaded, and every problem
//! found on the way. Loading itself is in [`crate::load`].

use std::path::PathBuf;

use crate::config::Config;
use crate::customer_file::{self, Field, FieldSpans, Problem};
use crate::diag::{Diagnostic, Pos};
use crate::reuse::{LOCATED_FIELDS, ParsedFile};
use crate::validate::{self, Context};
use crate::{Customer, Date};

/// How to load a book.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The day the book is read as of: dates after it are in the future.
    pub as_of: Date,
}

/// A customer that loaded, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedCustomer {
    /// Path relative to the book root, `/`-separated.
    pub path: String,
    /// The customer.
    pub customer: Customer,
    /// True when its file has error diagnostics (a value outside kehu.toml,
    /// a future date …): the customer loads, but commands should not write
    /// the file until it is fixed.
    pub has_errors: bool,
    /// (line, column) of each [`LOCATED`] field; (0, 0) when absent.
    positions: [(u32, u32); LOCATED.len()],
}

/// Fields whose place is kept after loading, for policy diagnostics.
const LOCATED: [Field; LOCATED_FIELDS] = [
    Field::Id,
    Field::Owner,
    Field::Stage,
    Field::Tier,
    Field::Pipeline,
    Field::ContactLast,
    Field::PlanReviewed,
];

impl LoadedCustomer {
    /// The line and column of a field's value (`id`, `owner`, `stage`,
    /// `grade.tier`, `grade.pipeline`, `contact.last`, `plan.reviewed`), if
    /// the file has it.
    pub fn position(&self, field: &str) -> Option<Pos> {
        LOCATED
            .iter()
            .position(|f| f.path() == field)
            .and_then(|i| match self.positions[i] {
                (0, _) => None,
                (line, column) => Some(Pos { line, column }),
            })
    }
}

/// A whole book after loading.
#[derive(Clone, Debug)]
pub struct Book {
    /// Where it was loaded from (`None` for in-memory entries).
    pub root: Option<PathBuf>,
    /// The policy; the defaults when kehu.toml could not be read (its
    /// diagnostics then say why, and vocabulary checks were skipped).
    pub config: Config,
    /// Every customer that loaded, sorted by id; ids are unique.
    pub customers: Vec<LoadedCustomer>,
    /// Every problem, in files, lines and columns order.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of kehu.toml, to place policy diagnostics.
    pub(crate) config_text: String,
}

impl Book {
    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The error diagnostics of one file (e.g. before writing to it).
    pub fn errors_in<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.diagnostics
            .iter()
            .filter(move |d| d.is_error() && d.path == path)
    }

    /// The customer with this id.
    pub fn customer(&self, id: &str) -> Option<&LoadedCustomer> {
        self.customers
            .binary_search_by(|c| c.customer.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.customers[i])
    }
}

/// The result of checking one customer file on its own.
#[derive(Clone, Debug)]
pub struct FileCheck {
    /// The customer, unless the file is structurally broken (syntax, types,
    /// missing fields, id problems).
    pub customer: Option<Customer>,
    /// Every problem in the file.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileCheck {
    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks one customer file's bytes against the policy, as the book loader
/// does (except for duplicates, which need the whole book). `path` is
/// relative to the book root. Use it to validate a file before writing it.
pub fn check_file(path: &str, bytes: &[u8], config: &Config, as_of: Date) -> FileCheck {
    let ctx = Context {
        config: Some(config),
        as_of,
    };
    let outcome = load_file(path.to_owned(), bytes, &ctx);
    FileCheck {
        customer: outcome.loaded.map(|l| l.customer),
        diagnostics: outcome.diagnostics,
    }
}

/// What loading one file produced.
pub(crate) struct FileOutcome {
    pub path: String,
    pub loaded: Option<LoadedCustomer>,
    /// For a file that did not load: the id as written, and its place.
    pub id: Option<(String, Option<Pos>)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileOutcome {
    /// An outcome with only diagnostics (unreadable file, symlink …).
    pub(crate) fn failed(path: String, diagnostics: Vec<Diagnostic>) -> Self {
        FileOutcome {
            path,
            loaded: None,
            id: None,
            diagnostics,
        }
    }
}

/// The one path every customer file goes through once its bytes are read.
pub(crate) fn load_file(path: String, bytes: &[u8], ctx: &Context<'_>) -> FileOutcome {
    load_file_keeping(path, bytes, ctx, &mut |_| {})
}

/// [`load_file`], also handing `keep` what a parse cache may keep of the
/// file: its parse, when the file read with no problem of its own (before
/// the checks that depend on kehu.toml or the day).
pub(crate) fn load_file_keeping(
    path: String,
    bytes: &[u8],
    ctx: &Context<'_>,
    keep: &mut dyn FnMut(&ParsedFile),
) -> FileOutcome {
    let text = match crate::source::decode(&path, bytes) {
        Ok(text) => text,
        Err(diagnostics) => return FileOutcome::failed(path, diagnostics),
    };
    let mut problems = Vec::new();
    let read = customer_file::read(text, &mut problems);
    if read.as_ref().is_none_or(|r| r.multiline) {
        let markers = crate::source::conflict_markers(&path, text);
        if !markers.is_empty() {
            return FileOutcome::failed(path, markers);
        }
    }
    let Some(read) = read else {
        let diagnostics = place(&path, text, problems);
        return FileOutcome {
            path,
            loaded: None,
            id: None,
            diagnostics,
        };
    };
    // Report id problems even in a file that will not load; load it only
    // when it is sound and its id can be trusted.
    let id_ok = read.spans.is_valid(Field::Id)
        && validate::check_id(&path, &read.customer, &read.spans, &mut problems);
    let mut read = read;
    validate::neutralise_controls(&mut read.customer, &read.spans, &mut problems);
    if !(read.sound && id_ok) {
        validate::check_values(&read.customer, &read.spans, ctx, &mut problems);
        let id_pos = read
            .spans
            .get(Field::Id)
            .map(|offset| Pos::of_offset(text, offset));
        let id = (!read.customer.id.is_empty()).then_some((read.customer.id, id_pos));
        let diagnostics = place(&path, text, problems);
        return FileOutcome {
            path,
            loaded: None,
            id,
            diagnostics,
        };
    }
    let parsed = ParsedFile {
        present: read.spans.present(),
        positions: locate(text, &read.spans),
        customer: read.customer,
    };
    let plan_sound = parsed
        .customer
        .plan
        .as_ref()
        .is_none_or(|plan| crate::plan_file::sound_without_policy(plan, &read.plan_spans));
    if problems.is_empty() && plan_sound {
        keep(&parsed);
    }
    validate::check_values(&parsed.customer, &read.spans, ctx, &mut problems);
    if let Some(plan) = &parsed.customer.plan {
        crate::plan_file::check(plan, &read.plan_spans, ctx, &mut problems);
    }
    let has_errors = problems
        .iter()
        .any(|p| p.severity == crate::Severity::Error);
    let diagnostics = if problems.is_empty() {
        Vec::new()
    } else {
        place(&path, text, problems)
    };
    FileOutcome {
        loaded: Some(LoadedCustomer {
            // Filled from the outcome's path when the book is assembled.
            path: String::new(),
            positions: parsed.positions,
            customer: parsed.customer,
            has_errors,
        }),
        path,
        id: None,
        diagnostics,
    }
}

/// A file's outcome from what a parse cache kept of it, when the checks that
/// run on every load find nothing; otherwise gives `path` back, for the file
/// to be parsed again so its diagnostics get their lines and columns.
pub(crate) fn reuse_file(
    path: String,
    parsed: ParsedFile,
    ctx: &Context<'_>,
) -> Result<FileOutcome, String> {
    let spans = parsed.spans();
    let mut parsed = parsed;
    let mut problems = Vec::new();
    let id_ok = spans.is_valid(Field::Id)
        && validate::check_id(&path, &parsed.customer, &spans, &mut problems);
    // A cache holds only clean parses; this keeps a damaged or forged one
    // from smuggling terminal escapes past the loader.
    validate::neutralise_controls(&mut parsed.customer, &spans, &mut problems);
    if id_ok && problems.is_empty() {
        validate::check_values(&parsed.customer, &spans, ctx, &mut problems);
    }
    // A cache keeps a plan only when it has no problem of its own (every
    // key the checks require is there), so the checks that depend on the
    // policy and the day run without the places of its keys; whatever they
    // find is placed by parsing the file again.
    if id_ok
        && problems.is_empty()
        && let Some(plan) = &parsed.customer.plan
    {
        let spans = crate::plan_file::PlanSpans::every_key();
        crate::plan_file::check(plan, &spans, ctx, &mut problems);
    }
    if !id_ok || !problems.is_empty() {
        return Err(path);
    }
    Ok(FileOutcome {
        path,
        loaded: Some(LoadedCustomer {
            path: String::new(),
            positions: parsed.positions,
            customer: parsed.customer,
            has_errors: false,
        }),
        id: None,
        diagnostics: Vec::new(),
    })
}

fn locate(text: &str, spans: &FieldSpans) -> [(u32, u32); LOCATED.len()] {
    crate::diag::positions(text, LOCATED.map(|field| spans.get(field)))
        .map(|pos| pos.map_or((0, 0), |p| (p.line, p.column)))
}

/// A hostile file could hold thousands of problems; past this many, one
/// line says how many more there are.
const MAX_PROBLEMS_PER_FILE: usize = 50;

/// Problems (byte offsets) to diagnostics (lines and columns).
fn place(path: &str, text: &str, mut problems: Vec<Problem>) -> Vec<Diagnostic> {
    problems.sort_by_key(|p| p.offset);
    let hidden = problems.len().saturating_sub(MAX_PROBLEMS_PER_FILE);
    problems.truncate(MAX_PROBLEMS_PER_FILE);
    if hidden > 0 {
        problems.push(Problem::warning(
            "too-many-problems",
            None,
            None,
            format!("{hidden} more problems in this file not shown"),
        ));
    }
    problems
        .into_iter()
        .map(|p| {
            Diagnostic {
                severity: p.severity,
                path: path.to_owned(),
                line: None,
                column: None,
                field: p.field,
                code: p.code,
                message: p.message,
            }
            .at_offset(text, p.offset)
        })
        .collect()
}

impl Diagnostic {
    fn at_offset(self, text: &str, offset: Option<usize>) -> Diagnostic {
        self.at(offset.map(|o| Pos::of_offset(text, o)))
    }
}
