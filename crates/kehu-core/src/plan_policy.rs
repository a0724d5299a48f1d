//! The plan review policy of `kehu check`: every customer of the plan tiers
//! (`[checks] plan_tiers`, default the first tier) has a key account plan
//! reviewed within `[checks] plan_review_days` (default 90).

use crate::Date;
use crate::book::Book;
use crate::diag::Diagnostic;

/// Pushes a `plan-missing` or `plan-review-overdue` warning per customer of
/// the plan tiers whose plan is absent, never reviewed, or reviewed too long
/// before `as_of`.
pub(crate) fn plan_review(book: &Book, as_of: Date, out: &mut Vec<Diagnostic>) {
    let days = book.config.checks.plan_review_days;
    let tiers = book.config.plan_tiers();
    for loaded in &book.customers {
        let c = &loaded.customer;
        let Some(tier) = c.grade.tier.as_deref().filter(|t| tiers.contains(t)) else {
            continue;
        };
        let diagnostic = match c.plan.as_ref().map(|p| p.reviewed) {
            None => Diagnostic::warning(
                loaded.path.clone(),
                "plan-missing",
                format!(
                    "a {tier} customer needs a key account plan ([plan]) reviewed within {days} days, and has none"
                ),
            )
            .at(loaded.position("grade.tier"))
            .field("grade.tier"),
            Some(None) => Diagnostic::warning(
                loaded.path.clone(),
                "plan-review-overdue",
                format!("the plan of a {tier} customer has no `reviewed` date (policy: within {days} days)"),
            )
            .at(loaded.position("grade.tier"))
            .field("plan.reviewed"),
            Some(Some(reviewed)) => {
                let age = reviewed.days_until(as_of);
                if age <= i64::from(days) {
                    continue;
                }
                Diagnostic::warning(
                    loaded.path.clone(),
                    "plan-review-overdue",
                    format!(
                        "plan last reviewed {reviewed}, {age} days ago; a {tier} customer's plan is reviewed within {days} days (as of {as_of})"
                    ),
                )
                .at(loaded.position("plan.reviewed"))
                .field("plan.reviewed")
            }
        };
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_tests::TEST_CONFIG;
    use crate::{Date, Entry, LoadOptions, check_policy, load_entries};

    fn entry(path: &str, text: &str) -> Entry {
        Entry::file(path, text.as_bytes().to_vec())
    }

    fn findings(config: &str) -> Vec<String> {
        let customer = |id: &str, tier: &str, plan: &str| {
            entry(
                &format!("customers/{}/{id}.toml", &id[..2]),
                &format!(
                    "id = \"{id}\"\nname = \"{id}\"\nowner = \"alice\"\nstage = \"won\"\n[grade]\ntier = \"{tier}\"\n{plan}"
                ),
            )
        };
        let entries = vec![
            entry("kehu.toml", config),
            customer("fresh", "strategic", "[plan]\nreviewed = 2026-09-01\n"),
            customer("stale", "strategic", "[plan]\nreviewed = 2026-08-01\n"),
            customer("never", "strategic", "[plan]\ngoals = \"grow\"\n"),
            customer("none", "strategic", ""),
            customer("keyed", "key", ""),
        ];
        let as_of = Date::from_ymd(2026, 11, 22).unwrap();
        let book = load_entries(entries, &LoadOptions { as_of }).unwrap();
        assert_eq!(book.diagnostics, []);
        check_policy(&book, as_of)
            .iter()
            .filter(|d| d.code.starts_with("plan-"))
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn strategic_customers_need_a_plan_reviewed_within_n_days() {
        assert_eq!(
            findings(TEST_CONFIG),
            [
                "customers/ne/never.toml:6:8: warning: plan.reviewed: the plan of a strategic customer has no `reviewed` date (policy: within 90 days)",
                "customers/no/none.toml:6:8: warning: grade.tier: a strategic customer needs a key account plan ([plan]) reviewed within 90 days, and has none",
                "customers/st/stale.toml:8:12: warning: plan.reviewed: plan last reviewed 2026-08-01, 113 days ago; a strategic customer's plan is reviewed within 90 days (as of 2026-11-22)",
            ]
        );
    }

    #[test]
    fn the_window_and_the_tiers_come_from_kehu_toml() {
        let config =
            format!("{TEST_CONFIG}\n[checks]\nplan_review_days = 120\nplan_tiers = [\"key\"]\n");
        assert_eq!(
            findings(&config),
            [
                "customers/ke/keyed.toml:6:8: warning: grade.tier: a key customer needs a key account plan ([plan]) reviewed within 120 days, and has none"
            ]
        );
        let off = format!("{TEST_CONFIG}\n[checks]\nplan_review_days = 0\n");
        assert_eq!(findings(&off), Vec::<String>::new());
    }
}
