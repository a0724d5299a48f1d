//! One module per report section: each defines its part of the report as
//! data (serialized into the JSON document) and computes it from the end
//! book, the start book (when history allows) and the period's changes, in
//! a fixed order (kehu.toml's order, then names; never hash order). A new
//! section is a module here, a field of [`crate::model::Report`] and a
//! module under `render/grids/`.

pub mod calibration;
pub mod contacts;
pub mod followup;
pub mod funnel;
pub mod kpi;
pub mod lifecycle;
pub mod movements;
pub mod portfolio;
pub mod service;
pub mod start;

use std::collections::BTreeSet;

use kehu_analytics::cents;
use kehu_analytics::funnel::StageMove;
use kehu_core::{Config, Customer};
use serde_json::Value;

use crate::history::Renames;

/// A book's customers and typed policy.
#[derive(Clone, Copy)]
pub struct Snapshot<'a> {
    /// Customers in id order.
    pub customers: &'a [Customer],
    /// kehu.toml.
    pub config: &'a Config,
}

impl<'a> Snapshot<'a> {
    /// The customer with this id.
    pub fn find(&self, id: &str) -> Option<&'a Customer> {
        let customers = self.customers;
        customers
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &customers[i])
    }
}

/// What the sections keep of the period's changes, folded one change at a
/// time as the history arrives ([`crate::fold`]): counts, sums and the few
/// changes a section lists, never the changes themselves (a year of the
/// 100,000-customer bench book is 193,000 customer changes).
#[derive(Debug, Default)]
pub struct Period {
    /// Where renamed customers ended up.
    pub renames: Renames,
    /// The ids the changes named (after and before a rename): every other
    /// customer is the same at the start and at the end.
    pub touched: BTreeSet<String>,
    /// Contacts by owner and channel.
    pub contacts: contacts::Tally,
    /// Revenue booked by the changes, in cents ([`kpi::booked`]).
    pub booked: i64,
    /// Tier and pipeline upgrades and downgrades, oldest first.
    pub movements: Vec<movements::Movement>,
    /// Stage changes, oldest first, under end ids.
    pub stage_moves: Vec<StageMove>,
}

/// Cents to an amount in the book's currency.
pub fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// A customer's revenue_12m in cents.
pub fn revenue_cents(customer: &Customer) -> i64 {
    cents(customer.metrics.revenue_12m)
}

/// `part / whole`, `None` when `whole` is zero.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}

/// A JSON scalar as text; `None` for null.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The name shown for a missing owner, tier or channel.
pub const NONE: &str = "(none)";
