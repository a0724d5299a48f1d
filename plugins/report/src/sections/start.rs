//! What the report keeps of the book at the start of the period: the few
//! figures the sections compare with the end (counts, revenue, who was
//! active, recorded tiers, lifecycle stages, the portfolio's groups), so
//! the start book itself need not outlive its grading (a second whole
//! book doubles the memory of a large book's report). A customer no change
//! of the period touched is the same at both ends, so who was active and
//! the recorded tiers are kept only for the touched ones.

use std::collections::{BTreeMap, BTreeSet};

use kehu_analytics::lifecycle::Stage;
use kehu_core::{Customer, Date, Text};
use kehu_plugin_sdk::PluginError;

use super::kpi::ACTIVE_STAGE;
use super::portfolio::{Grouped, group};
use super::{Snapshot, lifecycle, revenue_cents};
use crate::build::joined;

/// The start book's figures.
pub struct Start {
    /// The day whose closing book this is.
    pub day: Date,
    /// Customers in the book.
    pub customers: usize,
    /// Sum of revenue_12m, in cents.
    pub revenue: i64,
    /// Active customers (stage `won`) that no change of the period touched
    /// (active at the end too).
    pub active_untouched: usize,
    /// Ids of the touched customers active at the start, in id order.
    pub active_touched: Vec<String>,
    /// The id and recorded tier of each customer the period's changes
    /// touched, in id order (every other customer's tier is the same at
    /// the end).
    pub touched_tiers: Vec<(String, Option<Text>)>,
    /// Customers per funnel stage.
    pub stages: BTreeMap<String, usize>,
    /// Each customer's lifecycle stage on `day`.
    pub lifecycle: BTreeMap<String, Stage>,
    /// The portfolio's groups, graded as of `day`.
    pub portfolio: Grouped,
}

impl Start {
    /// The figures of `book` as of `day`, with the `revenue_12m` values
    /// recorded in the history read (for the lifecycle stages) and the ids
    /// the period's changes `touched`.
    pub fn of(
        book: &Snapshot<'_>,
        day: Date,
        revenue: &BTreeMap<String, Vec<(Date, f64)>>,
        touched: &BTreeSet<String>,
    ) -> Result<Start, PluginError> {
        // The two gradings of the whole book, on two threads.
        let (lifecycle, portfolio) = std::thread::scope(|scope| {
            let portfolio = scope.spawn(|| group(book, day));
            let lifecycle = lifecycle::stages_on(book, day, revenue);
            (lifecycle, joined(portfolio))
        });
        let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
        for c in book.customers {
            *stages.entry(c.stage.as_str()).or_insert(0) += 1;
        }
        let stages = stages.into_iter().map(|(s, n)| (s.to_owned(), n)).collect();
        let (touched_customers, untouched): (Vec<&Customer>, Vec<&Customer>) = book
            .customers
            .iter()
            .partition(|c| touched.contains(c.id.as_str()));
        Ok(Start {
            day,
            customers: book.customers.len(),
            revenue: book.customers.iter().map(revenue_cents).sum(),
            active_untouched: untouched.iter().filter(|c| c.stage == ACTIVE_STAGE).count(),
            active_touched: touched_customers
                .iter()
                .filter(|c| c.stage == ACTIVE_STAGE)
                .map(|c| c.id.clone())
                .collect(),
            touched_tiers: touched_customers
                .iter()
                .map(|c| (c.id.clone(), c.grade.tier.clone()))
                .collect(),
            stages,
            lifecycle,
            portfolio: portfolio?,
        })
    }
}
