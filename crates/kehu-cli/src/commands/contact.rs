//! `kehu contact ID --channel … --note "…"`: records a follow-up. Updates
//! `[contact] last/channel`, and `metrics.satisfaction` and
//! `grade.pipeline` when given (a follow-up regrades, as the practice
//! demands), in one commit whose body is the note and whose trailers are
//! `Kehu-Command: contact`, `Kehu-Customer` and `Kehu-Contact: <channel>`.
//! `--complaint TEXT` adds `Kehu-Complaint: TEXT` (the commit's id is the
//! complaint's reference); `--resolved REF` adds `Kehu-Resolved: <id>` and is
//! refused unless REF names an open complaint of the customer. A channel
//! outside the tier's service level is recorded with a warning.

use anyhow::bail;
use kehu_core::validate::PIPELINE_GRADES;
use kehu_core::{Changeset, FieldEdit};
use serde_json::Value;

use crate::apply::{self, Change, Target};
use crate::cli::ContactArgs;
use crate::commands::{audit, complaints};
use crate::context::Context;
use crate::exit::Outcome;
use crate::plugin_host::warn;
use crate::session;

/// Validates the options, then applies and commits the contact.
pub fn run(context: &mut Context, args: ContactArgs) -> anyhow::Result<Outcome> {
    let book = session::load_for_writing(context, &apply::Mode::from_args(&args.write))?;
    let root = context.book_root()?;
    let customer = apply::customer(&book, &args.id)?;
    let id = customer.customer.id.clone();

    let channels = &book.config.book.channels;
    if !channels.is_empty() && !channels.contains(&args.channel) {
        bail!(
            "--channel {}: not a channel of this book (kehu.toml [book] channels: {})",
            args.channel,
            channels.join(", ")
        );
    }
    if args.note.trim().is_empty() {
        bail!("--note is empty: say what the contact was about");
    }
    let mut trailers = Vec::new();
    if let Some(text) = &args.complaint {
        if text.trim().is_empty() {
            bail!("--complaint is empty: say what the customer complained about");
        }
        trailers.push((
            kehu_git::message::COMPLAINT.to_owned(),
            text.trim().to_owned(),
        ));
    }
    if let Some(reference) = &args.resolved {
        let repo = audit::open(context)?;
        let known = complaints::of_customer(&repo.history(), &id)?;
        let complaint = kehu_analytics::complaints::find_open(&known, &id, reference)
            .map_err(|e| anyhow::anyhow!("--resolved {reference}: {e}"))?;
        trailers.push((kehu_git::message::RESOLVED.to_owned(), complaint.id.clone()));
    }
    if let Some(served) =
        kehu_analytics::service::service_of(&book.config, customer.customer.grade.tier.as_deref())
        && !served.level.allows(&args.channel)
    {
        warn(
            context,
            &format!(
                "{id}: {} is outside the service level of tier {} (kehu.toml [[tiers]] service); recorded anyway",
                args.channel,
                served.describe()
            ),
        );
    }
    let at = args.at.unwrap_or(context.as_of);
    if at > context.today {
        bail!("--at {at} is in the future (today is {})", context.today);
    }
    if let Some(last) = customer.customer.contact.last
        && at < last
    {
        bail!(
            "--at {at} is before {id}'s latest recorded contact ({last}); \
             a contact log is kept in order"
        );
    }
    if let Some(score) = args.satisfaction
        && !(1.0..=5.0).contains(&score)
    {
        bail!("--satisfaction {score}: a score is between 1 and 5");
    }
    let grade = match &args.grade {
        Some(grade) => {
            let upper = grade.trim().to_uppercase();
            if !PIPELINE_GRADES.contains(&upper.as_str()) {
                bail!("--grade {grade}: a pipeline grade is one of A, B, C, D, E");
            }
            Some(upper)
        }
        None => None,
    };

    let current = &customer.customer;
    if current.contact.last == Some(at)
        && current.contact.channel.as_deref() == Some(args.channel.as_str())
        && args
            .satisfaction
            .is_none_or(|s| current.metrics.satisfaction == Some(s))
        && grade
            .as_ref()
            .is_none_or(|g| current.grade.pipeline.as_deref() == Some(g.as_str()))
    {
        bail!(
            "nothing to record: {id}'s last contact is already {at} by {}; \
             kehu keeps one contact per day and channel in the book (the log is git)",
            args.channel
        );
    }

    let edit = |field: &str, value: Value| FieldEdit {
        customer: id.clone(),
        field: field.to_owned(),
        value,
        reason: String::new(),
    };
    let mut edits = vec![
        edit("contact.last", Value::from(at.to_string())),
        edit("contact.channel", Value::from(args.channel.clone())),
    ];
    if let Some(score) = args.satisfaction {
        edits.push(edit("metrics.satisfaction", Value::from(score)));
    }
    if let Some(grade) = grade {
        edits.push(edit("grade.pipeline", Value::from(grade)));
    }
    let mut change = Change::new(
        "contact",
        Changeset {
            subject: format!("contact: {id} by {}", args.channel),
            body: args.note.trim().to_owned(),
            trailers,
            edits,
        },
    );
    change.contact = Some(args.channel.clone());
    let target = Target {
        root: &root,
        book: &book,
        today: context.today,
    };
    apply::run(target, &change, &args.write, context.global.quiet)?;
    Ok(Outcome::Clean)
}
