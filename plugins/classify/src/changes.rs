//! The regrade as a changeset: one edit per changed grade, with its reason,
//! and a commit message that lists every change. The host vets it, writes
//! it and adds the `Kehu-Command`, `Kehu-Customer` and `Kehu-Rules`
//! trailers.

use std::fmt::Write as _;

use kehu_core::{Changeset, FieldEdit};

use crate::assess::{Assessment, NONE, Status};

/// The changeset for every unpinned grade that differs; `None` when there
/// is nothing to change. Pinned differences are named in the body, unchanged.
pub fn regrade(assessment: &Assessment<'_>) -> Option<Changeset> {
    let mut edits = Vec::new();
    let mut body = String::new();
    let mut pinned = String::new();
    for cell in assessment.differences() {
        let reason = cell.reason().to_string();
        match cell.status {
            Status::Regrade => {
                writeln!(
                    body,
                    "{}: {} {} → {} ({reason})",
                    cell.customer.id,
                    cell.field.name(),
                    cell.old_column(),
                    cell.computed.unwrap_or(NONE),
                )
                .ok();
                edits.push(FieldEdit {
                    customer: cell.customer.id.clone(),
                    field: cell.field.path().to_owned(),
                    value: cell
                        .computed
                        .map_or(serde_json::Value::Null, serde_json::Value::from),
                    reason,
                });
            }
            Status::Pinned => {
                writeln!(
                    pinned,
                    "{}: {} {} pinned (computed: {})",
                    cell.customer.id,
                    cell.field.name(),
                    cell.old_column(),
                    cell.computed.unwrap_or(NONE),
                )
                .ok();
            }
            Status::Unchanged => {}
        }
    }
    if edits.is_empty() {
        return None;
    }
    if !pinned.is_empty() {
        body.push_str("\nKept, pinned by hand:\n");
        body.push_str(&pinned);
    }
    let n = edits.len();
    let customers = {
        let mut ids: Vec<&str> = edits.iter().map(|e| e.customer.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    Some(Changeset {
        subject: format!(
            "classify: {n} regrade{} of {customers} customer{}",
            plural(n),
            plural(customers)
        ),
        body: body.trim_end().to_owned(),
        trailers: Vec::new(),
        edits,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
