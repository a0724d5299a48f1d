//! What the report keeps of the book at the start of the period: the few
//! figures the sections compare with the end (counts, revenue, who was
//! active, recorded tiers, lifecycle stages, the portfolio's groups), so
//! the start book itself need not outlive its grading (a second whole
//! book doubles the memory of a large book's report).

use std::collections::BTreeMap;

use kehu_analytics::lifecycle::Stage;
use kehu_core::Date;
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
    /// Ids of the active customers (stage `won`), in id order.
    pub active: Vec<String>,
    /// Every customer's id and recorded tier, in id order.
    pub tiers: Vec<(String, Option<String>)>,
    /// Customers per funnel stage.
    pub stages: BTreeMap<String, usize>,
    /// Each customer's lifecycle stage on `day`.
    pub lifecycle: BTreeMap<String, Stage>,
    /// The portfolio's groups, graded as of `day`.
    pub portfolio: Grouped,
}

impl Start {
    /// The figures of `book` as of `day`, with the `revenue_12m` values
    /// recorded in the history read (for the lifecycle stages).
    pub fn of(
        book: &Snapshot<'_>,
        day: Date,
        revenue: &BTreeMap<String, Vec<(Date, f64)>>,
    ) -> Result<Start, PluginError> {
        // The two gradings of the whole book, on two threads.
        let (lifecycle, portfolio) = std::thread::scope(|scope| {
            let portfolio = scope.spawn(|| group(book, day));
            let lifecycle = lifecycle::stages_on(book, day, revenue);
            (lifecycle, joined(portfolio))
        });
        let mut stages: BTreeMap<String, usize> = BTreeMap::new();
        for c in book.customers {
            *stages.entry(c.stage.clone()).or_insert(0) += 1;
        }
        Ok(Start {
            day,
            customers: book.customers.len(),
            revenue: book.customers.iter().map(revenue_cents).sum(),
            active: book
                .customers
                .iter()
                .filter(|c| c.stage == ACTIVE_STAGE)
                .map(|c| c.id.clone())
                .collect(),
            tiers: book
                .customers
                .iter()
                .map(|c| (c.id.clone(), c.grade.tier.clone()))
                .collect(),
            stages,
            lifecycle,
            portfolio: portfolio?,
        })
    }
}
