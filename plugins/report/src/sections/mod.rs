//! One module per report section. Each takes the end book, the start book
//! (when history allows) and the period's changes, and returns figures in
//! a fixed order (kehu.toml's order, then names; never hash order).

pub mod activity;
pub mod followup;
pub mod kpi;
pub mod lifecycle;
pub mod portfolio;
pub mod service;

use kehu_analytics::cents;
use kehu_core::{Config, Customer};

/// A book's customers and typed policy.
pub struct Snapshot<'a> {
    /// Customers in id order.
    pub customers: &'a [Customer],
    /// kehu.toml.
    pub config: &'a Config,
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

/// The name shown for a missing owner, tier or channel.
pub const NONE: &str = "(none)";
