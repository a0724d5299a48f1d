//! The grading rules of `templates/kehu.toml`, computed the plain way, so the
//! generator can write grades and owner loads that agree with the policy.
//!
//! These mirror the template's thresholds; they are the generator's idea of
//! a correct grade, not the classify plugin's code.

use chrono::{Months, NaiveDate};
use kehu_core::Customer;

/// Tier names of the template policy, best first.
pub const TIERS: [&str; 4] = ["strategic", "key", "ordinary", "small"];

/// The load a customer of `tier` puts on its manager (template `weight`).
pub fn tier_weight(tier: &str) -> u32 {
    match tier {
        "strategic" => 8,
        "key" => 4,
        "ordinary" => 2,
        _ => 1,
    }
}

/// Whether a regional pool may serve customers of `tier` (template
/// `pooled`).
pub fn tier_pooled(tier: &str) -> bool {
    tier == "small"
}

/// The template's tier rule: the first tier whose condition holds.
pub fn tier_of(revenue_12m: f64, abc: &str, satisfaction: f64) -> &'static str {
    if revenue_12m >= 500_000.0 || (abc == "A" && revenue_12m >= 250_000.0 && satisfaction >= 4.0) {
        "strategic"
    } else if revenue_12m >= 100_000.0 || abc == "A" {
        "key"
    } else if revenue_12m >= 10_000.0 || abc == "B" {
        "ordinary"
    } else {
        "small"
    }
}

/// ABC classes by `revenue_12m`: A while the cumulative share before the
/// customer is under 80%, B under 95%, C for the rest and for customers
/// without revenue. Returned in the order of `customers`.
pub fn abc_classes(customers: &[Customer]) -> Vec<&'static str> {
    let revenue = |c: &Customer| c.metrics.revenue_12m.unwrap_or(0.0).max(0.0);
    let total: f64 = customers.iter().map(revenue).sum();
    let mut order: Vec<usize> = (0..customers.len()).collect();
    order.sort_by(|&a, &b| {
        revenue(&customers[b])
            .total_cmp(&revenue(&customers[a]))
            .then(customers[a].id.cmp(&customers[b].id))
    });
    let mut classes = vec!["C"; customers.len()];
    let mut before = 0.0;
    for index in order {
        let r = revenue(&customers[index]);
        if r <= 0.0 || total <= 0.0 {
            break;
        }
        let share = before / total;
        classes[index] = if share < 0.80 {
            "A"
        } else if share < 0.95 {
            "B"
        } else {
            "C"
        };
        before += r;
    }
    classes
}

/// Quintile scores 1..5 of `values` (higher value, higher score), in order.
fn quintiles(values: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut scores = vec![1; values.len()];
    let n = values.len().max(1);
    for (rank, index) in order.into_iter().enumerate() {
        scores[index] = 1 + (5 * rank / n) as u32;
    }
    scores
}

/// RFM segments for customers that ordered within the last twelve months
/// (`None` for the others): R, F, M scored by quintiles, each high when above
/// the average score, mapped to the eight segments of DESIGN §3.
pub fn rfm_segments(customers: &[Customer], as_of: NaiveDate) -> Vec<Option<&'static str>> {
    let active: Vec<usize> = (0..customers.len())
        .filter(|&i| customers[i].metrics.orders_12m.unwrap_or(0) > 0)
        .collect();
    let mut out = vec![None; customers.len()];
    if active.is_empty() {
        return out;
    }
    let recency: Vec<f64> = active
        .iter()
        .map(|&i| {
            let last = customers[i]
                .metrics
                .last_order
                .map(|d| d.0)
                .unwrap_or(as_of);
            -((as_of - last).num_days() as f64)
        })
        .collect();
    let frequency: Vec<f64> = active
        .iter()
        .map(|&i| customers[i].metrics.orders_12m.unwrap_or(0) as f64)
        .collect();
    let monetary: Vec<f64> = active
        .iter()
        .map(|&i| customers[i].metrics.revenue_12m.unwrap_or(0.0))
        .collect();
    let (r, f, m) = (
        quintiles(&recency),
        quintiles(&frequency),
        quintiles(&monetary),
    );
    let mean = |s: &[u32]| s.iter().map(|&x| f64::from(x)).sum::<f64>() / s.len() as f64;
    let (rm, fm, mm) = (mean(&r), mean(&f), mean(&m));
    for (k, &index) in active.iter().enumerate() {
        let high = (
            f64::from(r[k]) > rm,
            f64::from(f[k]) > fm,
            f64::from(m[k]) > mm,
        );
        out[index] = Some(match high {
            (true, true, true) => "important-value",
            (true, false, true) => "important-develop",
            (false, true, true) => "important-keep",
            (false, false, true) => "important-retain",
            (true, true, false) => "general-value",
            (true, false, false) => "general-develop",
            (false, true, false) => "general-keep",
            (false, false, false) => "general-retain",
        });
    }
    out
}

/// Pipeline grade A..E of an expected close date seen from `as_of`: within
/// 1, 3, 6 months, later, or never.
pub fn pipeline_grade(expected_close: Option<NaiveDate>, as_of: NaiveDate) -> &'static str {
    let Some(close) = expected_close else {
        return "E";
    };
    let within = |months: u32| {
        as_of
            .checked_add_months(Months::new(months))
            .is_some_and(|limit| close <= limit)
    };
    if within(1) {
        "A"
    } else if within(3) {
        "B"
    } else if within(6) {
        "C"
    } else {
        "D"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_revenue(id: &str, revenue: f64) -> Customer {
        let mut c = Customer {
            id: id.into(),
            ..Customer::default()
        };
        c.metrics.revenue_12m = Some(revenue);
        c
    }

    #[test]
    fn abc_follows_cumulative_share() {
        let book = vec![
            with_revenue("a", 700.0),
            with_revenue("b", 150.0),
            with_revenue("c", 100.0),
            with_revenue("d", 50.0),
            with_revenue("e", 0.0),
        ];
        assert_eq!(abc_classes(&book), vec!["A", "A", "B", "C", "C"]);
    }

    #[test]
    fn tiers_follow_the_template() {
        assert_eq!(tier_of(600_000.0, "A", 3.0), "strategic");
        assert_eq!(tier_of(300_000.0, "A", 4.2), "strategic");
        assert_eq!(tier_of(300_000.0, "A", 3.9), "key");
        assert_eq!(tier_of(20_000.0, "A", 3.9), "key");
        assert_eq!(tier_of(20_000.0, "C", 3.9), "ordinary");
        assert_eq!(tier_of(2_000.0, "B", 3.9), "ordinary");
        assert_eq!(tier_of(2_000.0, "C", 3.9), "small");
        assert_eq!(tier_weight("strategic"), 8);
    }

    #[test]
    fn pipeline_grades_by_months() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(if m < 11 { 2027 } else { 2026 }, m, d);
        assert_eq!(pipeline_grade(day(12, 20), as_of), "A");
        assert_eq!(pipeline_grade(day(12, 21), as_of), "B");
        assert_eq!(pipeline_grade(day(2, 20), as_of), "B");
        assert_eq!(pipeline_grade(day(5, 20), as_of), "C");
        assert_eq!(pipeline_grade(day(5, 21), as_of), "D");
        assert_eq!(pipeline_grade(None, as_of), "E");
    }
}
