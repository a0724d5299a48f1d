//! `kehu grade ID [--tier …] [--abc …] [--rfm …] [--pipeline …] --reason "…"
//! [--unpin FIELD]`: a hand regrade. Every field set becomes pinned
//! (`grade.pinned`), so `classify` proposes but never overwrites it;
//! `--unpin` releases a field. One commit with `Kehu-Reason`.

use anyhow::bail;
use kehu_core::validate::{ABC_CLASSES, PIPELINE_GRADES, RFM_SEGMENTS};
use kehu_core::{Changeset, Config, FieldEdit};
use serde_json::Value;

use crate::apply::{self, Change, Pins, Target};
use crate::cli::GradeArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::session;

/// Fields `grade.pinned` may name (kehu-core's list: the grade fields and `owner`).
const PINNABLE: [&str; 7] = ["tier", "abc", "rfm", "pipeline", "loyalty", "risk", "owner"];

/// Validates the values against kehu.toml, then applies and commits the regrade.
pub fn run(context: &mut Context, args: GradeArgs) -> anyhow::Result<Outcome> {
    let book = session::load_for_writing(context, &apply::Mode::from_args(&args.write))?;
    let root = context.book_root()?;
    let customer = apply::customer(&book, &args.id)?;
    let id = customer.customer.id.clone();
    let reason = args.reason.trim();
    if reason.is_empty() {
        bail!("--reason is empty: say why the grade is set by hand");
    }
    let set = grades_to_set(&args, &book.config)?;
    if set.is_empty() && args.unpin.is_empty() {
        bail!("nothing to do: give --tier, --abc, --rfm, --pipeline or --unpin");
    }

    let mut pinned = customer.customer.grade.pinned.clone();
    for field in &args.unpin {
        if !PINNABLE.contains(&field.as_str()) {
            bail!(
                "--unpin {field}: not a field that can be pinned (one of {})",
                PINNABLE.join(", ")
            );
        }
        if set.iter().any(|(f, _)| f == field) {
            bail!(
                "--unpin {field} and --{field} together: set it (pinned) or release it, not both"
            );
        }
        if !pinned.contains(field) {
            bail!("--unpin {field}: {id}'s {field} is not pinned");
        }
        pinned.retain(|p| p != field);
    }
    for (field, _) in &set {
        if !pinned.iter().any(|p| p == field) {
            pinned.push(field.clone());
        }
    }

    let edit = |field: String, value: Value| FieldEdit {
        customer: id.clone(),
        field,
        value,
        reason: reason.to_owned(),
    };
    let mut edits: Vec<FieldEdit> = set
        .iter()
        .map(|(field, value)| edit(format!("grade.{field}"), Value::from(value.clone())))
        .collect();
    let pins = if pinned.is_empty() {
        Value::Null
    } else {
        Value::from(pinned)
    };
    edits.push(edit("grade.pinned".to_owned(), pins));

    let mut what: Vec<String> = set.iter().map(|(f, v)| format!("{f}={v}")).collect();
    what.extend(args.unpin.iter().map(|f| format!("unpin {f}")));
    let mut change = Change::new(
        "grade",
        Changeset {
            subject: format!("grade: {id} {}", what.join(", ")),
            body: String::new(),
            trailers: Vec::new(),
            edits,
        },
    );
    change.reason = Some(reason.to_owned());
    change.pins = Pins::Override;
    let target = Target {
        root: &root,
        book: &book,
        today: context.today,
    };
    apply::run(target, &change, &args.write, context.global.quiet)?;
    Ok(Outcome::Clean)
}

/// The (field, value) pairs given, checked against kehu.toml and the grade
/// vocabularies.
fn grades_to_set(args: &GradeArgs, config: &Config) -> anyhow::Result<Vec<(String, String)>> {
    let mut set = Vec::new();
    if let Some(tier) = &args.tier {
        if config.tier(tier).is_none() {
            bail!(
                "--tier {tier}: not a tier of this book (kehu.toml tiers: {})",
                config.tier_names()
            );
        }
        set.push(("tier".to_owned(), tier.clone()));
    }
    if let Some(abc) = &args.abc {
        let abc = abc.trim().to_uppercase();
        if !ABC_CLASSES.contains(&abc.as_str()) {
            bail!("--abc {abc}: an ABC class is A, B or C");
        }
        set.push(("abc".to_owned(), abc));
    }
    if let Some(rfm) = &args.rfm {
        if !RFM_SEGMENTS.contains(&rfm.as_str()) {
            bail!(
                "--rfm {rfm}: not an RFM segment (one of {})",
                RFM_SEGMENTS.join(", ")
            );
        }
        set.push(("rfm".to_owned(), rfm.clone()));
    }
    if let Some(pipeline) = &args.pipeline {
        let pipeline = pipeline.trim().to_uppercase();
        if !PIPELINE_GRADES.contains(&pipeline.as_str()) {
            bail!("--pipeline {pipeline}: a pipeline grade is one of A, B, C, D, E");
        }
        set.push(("pipeline".to_owned(), pipeline));
    }
    Ok(set)
}
