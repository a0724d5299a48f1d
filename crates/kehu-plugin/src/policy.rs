//! What a plugin's changeset may not do, checked by the host before it
//! writes anything.
//!
//! A plugin proposes; a person decides. So a plugin's changeset is refused
//! whole when any edit names a customer that is not in the book, touches a
//! field the customer pinned (`[grade] pinned = ["tier"]`), or touches a field
//! that only a person may change (`id`, which names the file, and
//! `grade.pinned` itself). Field names and value types are the core writer's
//! business; this is only the plugin policy on top.

use std::collections::BTreeSet;
use std::fmt;

use kehu_core::{Changeset, Customer};

/// Fields no plugin may edit, whatever the customer pinned.
pub const PROTECTED_FIELDS: &[&str] = &["id", "grade.pinned"];

/// One reason a changeset is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The edit names a customer the book does not have.
    UnknownCustomer {
        /// The id the plugin used.
        customer: String,
    },
    /// The customer pinned this field by hand.
    Pinned {
        /// The customer.
        customer: String,
        /// The dotted field, e.g. `grade.tier`.
        field: String,
    },
    /// The field is in [`PROTECTED_FIELDS`].
    Protected {
        /// The customer.
        customer: String,
        /// The dotted field.
        field: String,
    },
    /// The same field of the same customer is edited twice.
    Duplicate {
        /// The customer.
        customer: String,
        /// The dotted field.
        field: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::UnknownCustomer { customer } => {
                write!(f, "customer `{customer}` does not exist")
            }
            Violation::Pinned { customer, field } => {
                write!(f, "{customer}: `{field}` is pinned by hand")
            }
            Violation::Protected { customer, field } => {
                write!(f, "{customer}: `{field}` may only be changed by a person")
            }
            Violation::Duplicate { customer, field } => {
                write!(f, "{customer}: `{field}` is edited twice")
            }
        }
    }
}

/// A refused changeset: every violation, in edit order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("changeset refused: {}", join(.violations))]
pub struct ChangesetRefused {
    /// What is wrong; never empty.
    pub violations: Vec<Violation>,
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `customer` pinned the dotted `field`. A pin is written as the
/// field's name within `[grade]` (`tier`) or as a full dotted path
/// (`owner`, `grade.tier`).
pub fn is_pinned(customer: &Customer, field: &str) -> bool {
    customer.grade.pinned.iter().any(|pin| {
        let pin = pin.trim();
        pin == field || field.strip_prefix("grade.") == Some(pin)
    })
}

/// Checks a plugin's changeset against the book; `lookup` finds a customer
/// by id. `Ok` means the host may go on to apply it.
pub fn check_changeset<'c>(
    changeset: &Changeset,
    lookup: impl Fn(&str) -> Option<&'c Customer>,
) -> Result<(), ChangesetRefused> {
    let mut violations = Vec::new();
    let mut seen = BTreeSet::new();
    for edit in &changeset.edits {
        let customer = edit.customer.clone();
        let field = edit.field.trim().to_owned();
        let Some(current) = lookup(&edit.customer) else {
            violations.push(Violation::UnknownCustomer { customer });
            continue;
        };
        if !seen.insert((customer.clone(), field.clone())) {
            violations.push(Violation::Duplicate { customer, field });
        } else if PROTECTED_FIELDS.contains(&field.as_str()) {
            violations.push(Violation::Protected { customer, field });
        } else if is_pinned(current, &field) {
            violations.push(Violation::Pinned { customer, field });
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ChangesetRefused { violations })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::FieldEdit;

    fn customer(id: &str, pinned: &[&str]) -> Customer {
        let mut customer = Customer {
            id: id.into(),
            ..Customer::default()
        };
        customer.grade.pinned = pinned.iter().map(|p| (*p).to_owned()).collect();
        customer
    }

    fn edit(customer: &str, field: &str) -> FieldEdit {
        FieldEdit {
            customer: customer.into(),
            field: field.into(),
            value: serde_json::json!("key"),
            reason: String::new(),
        }
    }

    fn check(book: &[Customer], edits: Vec<FieldEdit>) -> Result<(), ChangesetRefused> {
        let changeset = Changeset {
            subject: "test".into(),
            edits,
            ..Changeset::default()
        };
        check_changeset(&changeset, |id| book.iter().find(|c| c.id == id))
    }

    #[test]
    fn allows_edits_to_unpinned_fields_of_known_customers() {
        let book = [customer("acme", &["tier"])];
        check(
            &book,
            vec![edit("acme", "grade.abc"), edit("acme", "owner")],
        )
        .unwrap();
    }

    #[test]
    fn refuses_pinned_protected_unknown_and_duplicate_edits() {
        let book = [customer("acme", &["tier", "owner"])];
        let refused = check(
            &book,
            vec![
                edit("acme", "grade.tier"),
                edit("acme", "owner"),
                edit("ghost", "grade.tier"),
                edit("acme", "grade.pinned"),
                edit("acme", "id"),
                edit("acme", "grade.abc"),
                edit("acme", "grade.abc"),
            ],
        )
        .unwrap_err();
        let text: Vec<String> = refused.violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "acme: `grade.tier` is pinned by hand",
                "acme: `owner` is pinned by hand",
                "customer `ghost` does not exist",
                "acme: `grade.pinned` may only be changed by a person",
                "acme: `id` may only be changed by a person",
                "acme: `grade.abc` is edited twice",
            ]
        );
        assert!(
            refused
                .to_string()
                .starts_with("changeset refused: acme: `grade.tier`")
        );
    }
}
