//! Every grade of every customer in one pass over the book: what `classify`
//! computes, and what `agenda`, `churn` and `report` read tiers from.
//!
//! Order of work: ABC and RFM need the whole book (ranks and means); the
//! pipeline grade and loyalty are per customer; the tier comes last, because
//! its condition may name the computed `abc`, `rfm`, `pipeline` and
//! `loyalty` (the values computed now, not those stored in the file).
//! O(n log n) overall.

use kehu_core::expr::CustomerFields;
use kehu_core::{Customer, Date};
use rayon::prelude::*;
use serde::Serialize;

use crate::abc::{AbcGrade, abc};
use crate::loyalty::{self, Indicators, LoyaltyGrade};
use crate::pipeline::{self, PipelineGradeResult};
use crate::policy::Policy;
use crate::rfm::{RfmError, RfmInput, RfmMeans, RfmResult, rfm};
use crate::tier::{self, TierResult, TierRule};

/// One customer's computed grades, the tier as `Tier` (see
/// [`CustomerGrades`] and [`grade_book_chosen`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grades<Tier> {
    /// Pareto class over the RFM window's revenue.
    pub abc: AbcGrade,
    /// RFM scores and segment.
    pub rfm: RfmResult,
    /// Pipeline grade A–E.
    pub pipeline: PipelineGradeResult,
    /// Loyalty; `None` without satisfaction, repurchase or referral.
    pub loyalty: Option<LoyaltyGrade>,
    /// Value tier; `None` only when the policy has no tiers.
    pub tier: Option<Tier>,
}

impl<Tier> Grades<Tier> {
    /// The values a tier condition sees for `customer`: its file, with
    /// these computed grades in place of the stored ones. What the tier was
    /// decided with, so also what its reason words
    /// ([`TierResult::reason`]).
    pub fn fields<'a>(&'a self, customer: &'a Customer, as_of: Date) -> CustomerFields<'a> {
        CustomerFields {
            customer,
            as_of,
            abc: Some(self.abc.class.as_str()),
            rfm: Some(self.rfm.segment.as_str()),
            pipeline: Some(self.pipeline.grade.as_str()),
            loyalty: self.loyalty.as_ref().map(|l| l.loyalty.as_str()),
        }
    }
}

/// One customer's computed grades, each with its reason (worded on demand).
pub type CustomerGrades = Grades<TierResult>;

/// The grades of a whole book, in the customers' order, and the RFM means.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BookGrades {
    /// One entry per customer, in input order.
    pub customers: Vec<CustomerGrades>,
    /// The book's RFM means over customers with orders.
    pub rfm_means: RfmMeans,
}

/// Computes every grade for every customer as of a day.
pub fn grade_book(
    customers: &[Customer],
    policy: &Policy,
    as_of: Date,
) -> Result<BookGrades, RfmError> {
    let (customers, rfm_means) = grade_book_map(customers, policy, as_of, |grades| grades)?;
    Ok(BookGrades {
        customers,
        rfm_means,
    })
}

/// [`grade_book`], each customer's grades handed to `keep` as they are
/// made and only what it returns kept (in the book's order), with the RFM
/// means: a caller that needs a few fields of each (the report's groups)
/// never holds every grade of a large book.
pub fn grade_book_map<T: Send>(
    customers: &[Customer],
    policy: &Policy,
    as_of: Date,
    keep: impl Fn(CustomerGrades) -> T + Sync + Send,
) -> Result<(Vec<T>, RfmMeans), RfmError> {
    grade_book_with(
        customers,
        policy,
        as_of,
        |rules, fields| tier::classify(rules, fields),
        keep,
    )
}

/// [`grade_book_map`] with the tier as its position in the policy's list
/// ([`tier::choose`]), never put into words: for counts by tier, where
/// the reasons would cost more than the decisions.
pub fn grade_book_chosen<T: Send>(
    customers: &[Customer],
    policy: &Policy,
    as_of: Date,
    keep: impl Fn(Grades<usize>) -> T + Sync + Send,
) -> Result<(Vec<T>, RfmMeans), RfmError> {
    grade_book_with(
        customers,
        policy,
        as_of,
        |rules, fields| tier::choose(rules, fields),
        keep,
    )
}

/// The grading of [`grade_book_map`], the tier decided by `tier`.
fn grade_book_with<Tier, T: Send>(
    customers: &[Customer],
    policy: &Policy,
    as_of: Date,
    tier: impl Fn(&[TierRule], &CustomerFields<'_>) -> Option<Tier> + Sync + Send,
    keep: impl Fn(Grades<Tier>) -> T + Sync + Send,
) -> Result<(Vec<T>, RfmMeans), RfmError> {
    let inputs = customers
        .iter()
        .map(|c| RfmInput::from_customer(c, policy.rfm_window, as_of))
        .collect::<Result<Vec<_>, _>>()?;
    let money: Vec<(&str, i64)> = inputs.iter().map(|i| (i.id, i.monetary_cents)).collect();
    let (abc_grades, (rfm_results, rfm_means)) = rayon::join(
        || abc(&money, policy.abc),
        || rfm(&inputs, policy.rfm_window),
    );
    let rules = policy.tier_rules();

    // Per customer from here on, so in parallel; `collect` keeps the order.
    let graded = customers
        .par_iter()
        .zip(abc_grades)
        .zip(rfm_results)
        .map(|((c, abc), rfm)| {
            let pipeline = pipeline::grade(&c.stage, c.expected_close, as_of, policy.pipeline);
            let loyalty = loyalty::grade(&Indicators::from_metrics(&c.metrics), &policy.loyalty);
            let mut grades = Grades {
                abc,
                rfm,
                pipeline,
                loyalty,
                tier: None,
            };
            grades.tier = tier(&rules, &grades.fields(c, as_of));
            keep(grades)
        })
        .collect();
    Ok((graded, rfm_means))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::config::Config;

    fn customer(id: &str, revenue: f64, orders: i64, last: &str) -> Customer {
        let mut c = Customer {
            id: id.into(),
            stage: "won".into(),
            ..Customer::default()
        };
        c.metrics.revenue_12m = Some(revenue);
        c.metrics.orders_12m = Some(orders);
        c.metrics.last_order = last.parse().ok();
        c
    }

    #[test]
    fn tiers_see_the_computed_grades() {
        let policy = Policy::from_config(&Config::default()).unwrap();
        let mut book = vec![
            customer("big", 600_000.0, 20, "2026-11-01"),
            customer("mid", 60_000.0, 5, "2026-10-01"),
            customer("tail", 500.0, 1, "2026-01-01"),
            customer("none", 0.0, 0, ""),
        ];
        // big holds 90.8% of revenue (A), mid reaches 99.9% (B), the rest C.
        book[1].metrics.satisfaction = Some(4.2);
        let as_of: Date = "2026-11-22".parse().unwrap();
        let g = grade_book(&book, &policy, as_of).unwrap();
        let names: Vec<_> = g
            .customers
            .iter()
            .map(|c| c.tier.as_ref().unwrap().name.as_str())
            .collect();
        assert_eq!(names, vec!["strategic", "ordinary", "small", "small"]);
        assert_eq!(g.customers[0].abc.class.as_str(), "A");
        assert_eq!(g.customers[1].abc.class.as_str(), "B");
        let rules = policy.tier_rules();
        let fields = g.customers[1].fields(&book[1], as_of);
        assert_eq!(
            g.customers[1]
                .tier
                .as_ref()
                .unwrap()
                .reason(&rules, fields)
                .to_string(),
            "revenue_12m 60,000 ≥ 10,000"
        );
        assert_eq!(g.customers[3].rfm.segment.as_str(), "none");
        assert_eq!(
            g.customers[1].loyalty.as_ref().unwrap().loyalty.as_str(),
            "satisfied"
        );
        assert_eq!(g.customers[0].pipeline.grade.as_str(), "E");
        assert_eq!(g.rfm_means.count, 3);
    }

    #[test]
    fn chosen_tiers_are_the_classified_ones() {
        let policy = Policy::from_config(&Config::default()).unwrap();
        let book: Vec<Customer> = (0..40)
            .map(|i| {
                let last = format!("2026-{:02}-01", 1 + i % 11);
                customer(
                    &format!("c{i:02}"),
                    f64::from(i * i * 997),
                    i64::from(i % 7),
                    &last,
                )
            })
            .collect();
        let as_of: Date = "2026-11-22".parse().unwrap();
        let classified = grade_book(&book, &policy, as_of).unwrap();
        let (chosen, means) =
            grade_book_chosen(&book, &policy, as_of, |g| (g.tier, g.abc)).unwrap();
        assert_eq!(means, classified.rfm_means);
        for (c, (tier, abc)) in classified.customers.iter().zip(chosen) {
            assert_eq!(c.tier.as_ref().map(|t| t.index), tier);
            assert_eq!(c.abc, abc);
        }
    }
}
