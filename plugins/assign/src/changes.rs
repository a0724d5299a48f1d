//! The plan as a changeset: one `owner` edit per move, with its reason.
//! Pinned owners never appear (the solver never moves them).

use std::fmt::Write as _;

use kehu_core::{Changeset, FieldEdit};

use crate::plan::{Plan, Status};

/// The changeset of every move; `None` when nothing moves.
pub fn reassign(plan: &Plan) -> Option<Changeset> {
    let mut edits = Vec::new();
    let mut body = String::new();
    for line in plan.moves() {
        let Some(to) = &line.to else { continue };
        let reason = format!(
            "{} → {to}: {}",
            line.from.as_deref().unwrap_or("(none)"),
            line.reason
        );
        writeln!(body, "{}: {reason}", line.customer).ok();
        edits.push(FieldEdit {
            customer: line.customer.clone(),
            field: "owner".into(),
            value: serde_json::Value::from(to.clone()),
            reason,
        });
    }
    if edits.is_empty() {
        return None;
    }
    let unassigned: Vec<String> = plan
        .lines
        .iter()
        .filter(|l| l.status == Status::Unassigned)
        .map(|l| format!("{}: {}", l.customer, l.reason))
        .collect();
    if !unassigned.is_empty() {
        body.push_str("\nCannot be assigned:\n");
        body.push_str(&unassigned.join("\n"));
    }
    let n = edits.len();
    Some(Changeset {
        subject: format!(
            "assign: {n} customer{} to new owners",
            if n == 1 { "" } else { "s" }
        ),
        body: format!(
            "{}\n{}\n\n{}",
            crate::render::objective(plan),
            crate::render::solver(plan),
            body.trim_end()
        ),
        trailers: Vec::new(),
        edits,
    })
}
