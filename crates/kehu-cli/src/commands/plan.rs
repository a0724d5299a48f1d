//! `kehu plan ID`: a customer's key account plan — goals, people, suppliers,
//! share of wallet, actions with their status — and, from git, every change
//! to the customer since the plan's last review (after the commit that set the
//! current `plan.reviewed`, and not before that day: a plan imported with its
//! review date has no review commit), found by diffing the file at each commit.

use std::io::Write;

use anyhow::{Context as _, bail};
use kehu_core::plan::Plan;
use kehu_core::{Customer, Date};
use kehu_git::{Event, History};
use serde_json::{Map, Value, json};

use crate::cli::PlanArgs;
use crate::commands::{audit, history};
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{self, Format, JSON_SCHEMA, Table};
use crate::session;

/// The formats `kehu plan` prints.
const FORMATS: [Format; 3] = [Format::Table, Format::Json, Format::Markdown];

/// What the review policy says about a plan.
struct Review {
    reviewed: Option<Date>,
    age_days: Option<i64>,
    policy_days: u32,
    overdue: bool,
}

/// Prints the plan and the changes since its review.
pub fn run(context: &mut Context, args: PlanArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Table, &FORMATS)?;
    let book = session::load_for_reading(context)?;
    let Some(loaded) = book.customer(&args.id) else {
        bail!("no customer `{}` in the book", args.id);
    };
    let customer = &loaded.customer;
    let Some(plan) = &customer.plan else {
        bail!(
            "{} has no key account plan: add a [plan] section to {} (see docs/plans.md)",
            customer.id,
            loaded.path
        );
    };
    let days = book.config.checks.plan_review_days;
    let age = plan.reviewed.map(|r| r.days_until(context.as_of));
    let review = Review {
        reviewed: plan.reviewed,
        age_days: age,
        policy_days: days,
        overdue: days > 0 && age.is_none_or(|a| a > i64::from(days)),
    };

    let repo = audit::open(context)?;
    let history = repo.history();
    let start = audit::start_rev(context, &history)?;
    let since = changes_since_review(&history, &customer.id, plan, start.as_deref())?;

    let mut out = std::io::stdout().lock();
    let as_of = context.as_of;
    match format {
        Format::Json => write_json(&mut out, customer, plan, &review, &since, as_of),
        _ => write_text(
            &mut out,
            customer,
            plan,
            &review,
            &since,
            as_of,
            format,
            context.color,
        ),
    }
    .context("writing to stdout")?;
    Ok(Outcome::Clean)
}

/// The timeline entries after the commit that set the current
/// `plan.reviewed` and dated on or after the review day, newest first (all
/// of them when the plan was never reviewed).
fn changes_since_review(
    history: &History<'_>,
    id: &str,
    plan: &Plan,
    start: Option<&str>,
) -> anyhow::Result<Vec<history::Entry>> {
    let reviewed = plan.reviewed.map(|d| Value::from(d.to_string()));
    let mut entries = Vec::new();
    history.customer_each(id, start, |event: Event| {
        let before_review_day = plan.reviewed.is_some_and(|day| event.commit.date < day);
        let is_review = reviewed.is_some()
            && event.customers.iter().any(|change| {
                change
                    .field("plan.reviewed")
                    .is_some_and(|f| f.new == reviewed)
            });
        if is_review || before_review_day {
            return std::ops::ControlFlow::Break(());
        }
        entries.extend(history::timeline(&event));
        std::ops::ControlFlow::Continue(())
    })?;
    Ok(entries)
}

fn share_text(customer: &Customer, plan: &Plan) -> Option<String> {
    let share = plan.share_of_wallet(customer.metrics.revenue_12m)?;
    Some(format!("{:.0}%", share * 100.0))
}

fn review_text(review: &Review) -> String {
    let policy = if review.policy_days > 0 {
        format!("; policy: within {} days", review.policy_days)
    } else {
        String::new()
    };
    let overdue = if review.overdue { ", OVERDUE" } else { "" };
    match (review.reviewed, review.age_days) {
        (Some(day), Some(age)) => format!("{day} ({age} days ago{policy}{overdue})"),
        _ => format!("never{policy}{overdue}"),
    }
}

fn write_json(
    out: &mut dyn Write,
    customer: &Customer,
    plan: &Plan,
    review: &Review,
    since: &[history::Entry],
    as_of: Date,
) -> std::io::Result<()> {
    let actions: Vec<Value> = plan
        .actions
        .iter()
        .map(|a| {
            let mut row = serde_json::to_value(a).unwrap_or_default();
            if let Value::Object(map) = &mut row {
                map.insert("status".into(), Value::from(a.status(as_of)));
            }
            row
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("schema".into(), Value::from(JSON_SCHEMA));
    doc.insert("customer".into(), Value::from(customer.id.clone()));
    doc.insert("name".into(), Value::from(customer.name.clone()));
    doc.insert("tier".into(), json!(customer.grade.tier));
    doc.insert("owner".into(), json!(customer.owner));
    doc.insert("as_of".into(), Value::from(as_of.to_string()));
    doc.insert(
        "plan".into(),
        serde_json::to_value(plan).map_err(std::io::Error::other)?,
    );
    doc.insert(
        "share_of_wallet".into(),
        json!(plan.share_of_wallet(customer.metrics.revenue_12m)),
    );
    doc.insert("actions".into(), Value::Array(actions));
    doc.insert(
        "review".into(),
        json!({
            "reviewed": review.reviewed.map(|d| d.to_string()),
            "age_days": review.age_days,
            "policy_days": review.policy_days,
            "overdue": review.overdue,
        }),
    );
    doc.insert(
        "changes_since_review".into(),
        serde_json::to_value(since).map_err(std::io::Error::other)?,
    );
    output::write_json(out, &Value::Object(doc))
}

#[allow(clippy::too_many_arguments)]
fn write_text(
    out: &mut dyn Write,
    customer: &Customer,
    plan: &Plan,
    review: &Review,
    since: &[history::Entry],
    as_of: Date,
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    let heading = |out: &mut dyn Write, text: &str| -> std::io::Result<()> {
        if format == Format::Markdown {
            writeln!(out, "\n## {text}\n")
        } else {
            writeln!(out, "\n{text}")
        }
    };
    let title = format!(
        "Key account plan: {} ({}), {}, owner {}",
        customer.name,
        customer.id,
        customer.grade.tier.as_deref().unwrap_or("no tier"),
        customer.owner.as_deref().unwrap_or("none"),
    );
    if format == Format::Markdown {
        writeln!(out, "# {}", output::markdown_cell(&title))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{title}")?;
    }
    let mut facts = Table::new(["field", "value"]);
    let mut fact = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            facts.push([Value::from(name), Value::from(value)]);
        }
    };
    fact("reviewed", Some(review_text(review)));
    fact("goals", plan.goals.clone());
    fact("challenges", plan.challenges.clone());
    fact("its customers", plan.customers.clone());
    fact("its competitors", plan.competitors.clone());
    fact("budget", plan.budget.map(|b| b.to_string()));
    fact("share of wallet", share_text(customer, plan));
    fact("value proposition", plan.value.clone());
    fact("resources", plan.resources.clone());
    facts.write(out, format, "plan", color)?;

    if !plan.people.is_empty() {
        heading(out, "People")?;
        let mut table = Table::new(["name", "kind", "role", "owner", "stance"]);
        for p in &plan.people {
            table.push([
                Value::from(p.name.clone()),
                Value::from(p.kind.clone()),
                json!(p.role),
                json!(p.owner),
                json!(p.stance),
            ]);
        }
        table.write(out, format, "people", color)?;
    }
    if !plan.suppliers.is_empty() {
        heading(out, "Competing suppliers")?;
        let mut table = Table::new(["name", "share", "satisfaction"]);
        for s in &plan.suppliers {
            table.push([
                Value::from(s.name.clone()),
                json!(s.share),
                json!(s.satisfaction),
            ]);
        }
        table.write(out, format, "suppliers", color)?;
    }
    if !plan.actions.is_empty() {
        heading(out, "Actions")?;
        let mut table = Table::new(["what", "owner", "due", "done", "status"]);
        for a in &plan.actions {
            table.push([
                Value::from(a.what.clone()),
                json!(a.owner),
                json!(a.due.map(|d| d.to_string())),
                json!(a.done.map(|d| d.to_string())),
                Value::from(a.status(as_of)),
            ]);
        }
        table.write(out, format, "actions", color)?;
    }
    let since_title = match review.reviewed {
        Some(day) => format!("Changes since the review of {day}"),
        None => "Changes (the plan was never reviewed)".to_owned(),
    };
    heading(out, &since_title)?;
    if since.is_empty() {
        return writeln!(out, "none");
    }
    let mut table = Table::new(["date", "change", "field", "from", "to", "who", "commit"]);
    for e in since {
        table.push([
            Value::from(e.date.clone()),
            Value::from(e.change),
            Value::from(e.field.clone()),
            audit::value_cell(e.from.as_ref()),
            audit::value_cell(e.to.as_ref()),
            Value::from(e.who.clone()),
            audit::commit_cell(&e.commit, format),
        ]);
    }
    table.write(out, format, "changes", color)
}
