//! Stored grades that agree with the book's policy: the generator's
//! stand-in for a team that runs `kehu classify --apply` every month.
//!
//! The grades are computed by the same code `kehu classify` runs
//! ([`kehu_analytics::book::grade_book`]), so right after a regrade
//! `classify --check` on the generated book finds nothing but pinned
//! grades; what changes after it (imports, surveys, days passing) is the
//! realistic handful of pending regrades.

use kehu_analytics::book::{CustomerGrades, grade_book};
use kehu_analytics::policy::Policy;
use kehu_core::{Customer, Date, Grade, Text, parse_config};
use kehu_plugin::policy::is_pinned;

use crate::error::{BenchError, Result};

/// The grading policy of a generated book's `kehu.toml` text.
pub fn policy_of(kehu_toml: &str) -> Result<Policy> {
    let report = parse_config(kehu_toml.as_bytes());
    let bad = |detail: String| BenchError::Command {
        command: "grading policy of the generated kehu.toml".to_owned(),
        detail,
    };
    let config = report.config.ok_or_else(|| {
        bad(report
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "))
    })?;
    Policy::from_config(&config).map_err(|e| bad(e.to_string()))
}

/// Sets every unpinned stored grade of `customers` (sorted by id, as the
/// host hands them to classify) to what classify computes as of `as_of`,
/// and returns the indices of the customers whose file changed.
pub fn regrade(customers: &mut [Customer], policy: &Policy, as_of: Date) -> Result<Vec<usize>> {
    let graded = grade_book(customers, policy, as_of).map_err(|e| BenchError::Command {
        command: format!("grading the generated book as of {as_of}"),
        detail: e.to_string(),
    })?;
    let mut changed = Vec::new();
    for (index, (customer, grades)) in customers.iter_mut().zip(&graded.customers).enumerate() {
        let computed = computed_grade(&customer.grade, grades);
        let mut grade = customer.grade.clone();
        let fields: [(&str, &mut Option<Text>, Option<Text>); 5] = [
            ("grade.tier", &mut grade.tier, computed.tier),
            ("grade.abc", &mut grade.abc, computed.abc),
            ("grade.rfm", &mut grade.rfm, computed.rfm),
            ("grade.pipeline", &mut grade.pipeline, computed.pipeline),
            ("grade.loyalty", &mut grade.loyalty, computed.loyalty),
        ];
        for (path, stored, value) in fields {
            if !is_pinned(customer, path) {
                *stored = value;
            }
        }
        if grade != customer.grade {
            customer.grade = grade;
            changed.push(index);
        }
    }
    Ok(changed)
}

/// The grade block classify would write; the other fields (pins, risk) kept.
fn computed_grade(stored: &Grade, grades: &CustomerGrades) -> Grade {
    Grade {
        tier: grades.tier.as_ref().map(|t| t.name.as_str().into()),
        abc: Some(grades.abc.class.as_str().into()),
        rfm: Some(grades.rfm.segment.as_str().into()),
        pipeline: Some(grades.pipeline.grade.as_str().into()),
        loyalty: grades.loyalty.as_ref().map(|l| l.loyalty.as_str().into()),
        ..stored.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{BookSpec, generate};
    use crate::sample::policy_with_owners;

    const TEMPLATE: &str = include_str!("../../../templates/kehu.toml");

    #[test]
    fn a_regraded_book_needs_no_second_regrade() {
        let mut book = generate(&BookSpec {
            seed: 5,
            customers: 400,
        });
        let text =
            policy_with_owners(TEMPLATE, &book.owners, std::path::Path::new("kehu.toml")).unwrap();
        let policy = policy_of(&text).unwrap();
        let as_of = Date(crate::calendar::as_of());
        let first = regrade(&mut book.customers, &policy, as_of).unwrap();
        assert!(!first.is_empty());
        assert!(
            regrade(&mut book.customers, &policy, as_of)
                .unwrap()
                .is_empty()
        );
        // Pins hold: a pinned tier is never overwritten.
        let pinned = book
            .customers
            .iter()
            .position(|c| c.grade.pinned.iter().any(|p| p == "tier"));
        if let Some(i) = pinned {
            let tier = book.customers[i].grade.tier.clone();
            regrade(&mut book.customers, &policy, as_of).unwrap();
            assert_eq!(book.customers[i].grade.tier, tier);
        }
    }

    #[test]
    fn a_broken_policy_is_an_error() {
        assert!(policy_of("[[tiers]]\nname = 3\n").is_err());
    }
}
