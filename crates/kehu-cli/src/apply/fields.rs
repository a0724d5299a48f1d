//! Field-level views of a customer: flattening to dotted paths, the semantic
//! diff of two versions (what `--dry-run` prints), and a new customer's file
//! text built from the model.

use kehu_core::Customer;
use serde_json::Value;

/// One field that a change sets, clears or alters.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    /// Dotted path: `grade.tier`, `contact.last`.
    pub field: String,
    /// The value before, `None` when the field was absent.
    pub old: Option<Value>,
    /// The value after, `None` when the field is removed.
    pub new: Option<Value>,
}

/// A customer as `(dotted field, value)` pairs in the canonical key order of
/// the model (top-level keys, then `[grade]`, `[metrics]`, `[contact]`);
/// absent fields are left out.
pub fn flatten(customer: &Customer) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(customer) {
        flatten_into("", &value, &mut out);
    }
    out
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(&path, inner, out);
            }
        }
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// The fields that differ between two versions of a customer, in the new
/// version's field order, then fields only the old one had.
pub fn diff(old: Option<&Customer>, new: &Customer) -> Vec<FieldChange> {
    let old = old.map(flatten).unwrap_or_default();
    let new = flatten(new);
    let mut changes = Vec::new();
    for (field, value) in &new {
        let before = old.iter().find(|(f, _)| f == field).map(|(_, v)| v);
        if before != Some(value) {
            changes.push(FieldChange {
                field: field.clone(),
                old: before.cloned(),
                new: Some(value.clone()),
            });
        }
    }
    for (field, value) in &old {
        if !new.iter().any(|(f, _)| f == field) {
            changes.push(FieldChange {
                field: field.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    changes
}

/// A value as a person reads it in a diff: strings quoted, `(none)` for absent.
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(value) => value.to_string(),
    }
}

/// The text of a new customer file: every field of the model, in the
/// canonical order, through the same format-preserving editor that changes
/// existing files (so dates are TOML dates and money stays a float).
pub fn render_new_customer(customer: &Customer) -> Result<String, kehu_core::edit::EditError> {
    let fields = flatten(customer);
    kehu_core::edit::apply_edits("", fields.iter().map(|(f, v)| (f.as_str(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::{Contact, Date, Grade, Metrics};

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn acme() -> Customer {
        Customer {
            id: "acme".into(),
            name: "ACME".into(),
            stage: "won".into(),
            since: Some(day("2023-04-01")),
            grade: Grade {
                tier: Some("key".into()),
                pinned: vec!["tier".into()],
                ..Grade::default()
            },
            metrics: Metrics {
                revenue_12m: Some(1250.0),
                orders_total: Some(3),
                ..Metrics::default()
            },
            contact: Contact {
                last: Some(day("2026-11-18")),
                channel: Some("call".into()),
            },
            ..Customer::default()
        }
    }

    #[test]
    fn flatten_keeps_canonical_order() {
        let fields: Vec<String> = flatten(&acme()).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "id",
                "name",
                "since",
                "stage",
                "grade.tier",
                "grade.pinned",
                "metrics.revenue_12m",
                "metrics.orders_total",
                "contact.last",
                "contact.channel"
            ]
        );
    }

    #[test]
    fn diff_lists_set_changed_and_removed_fields() {
        let old = acme();
        let mut new = acme();
        new.grade.tier = Some("strategic".into());
        new.grade.abc = Some("A".into());
        new.contact.channel = None;
        let shown: Vec<String> = diff(Some(&old), &new)
            .iter()
            .map(|c| {
                format!(
                    "{}: {} -> {}",
                    c.field,
                    show(c.old.as_ref()),
                    show(c.new.as_ref())
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "grade.tier: \"key\" -> \"strategic\"",
                "grade.abc: (none) -> \"A\"",
                "contact.channel: \"call\" -> (none)",
            ]
        );
        assert!(diff(Some(&old), &old).is_empty());
    }

    #[test]
    fn a_new_file_reads_back_as_the_same_customer() {
        let text = render_new_customer(&acme()).unwrap();
        assert!(text.starts_with("id = \"acme\"\nname = \"ACME\"\nsince = 2023-04-01\n"));
        assert!(text.contains("[grade]\ntier = \"key\"\npinned = [\"tier\"]\n"));
        assert!(text.contains("revenue_12m = 1250.0\n"));
        let config = kehu_core::Config::default();
        let check = kehu_core::check_file(
            "customers/ac/acme.toml",
            text.as_bytes(),
            &config,
            day("2026-11-20"),
        );
        assert!(!check.has_errors(), "{:?}", check.diagnostics);
        assert_eq!(check.customer, Some(acme()));
    }
}
