//! Orders → per-customer `[metrics]` as of a day.
//!
//! Rules, in the words a user reads in `kehu import --help`:
//!
//! - Only rows dated on or before `as_of` count; later rows are left out and
//!   counted in [`OrderSummary::rows_after_as_of`], so a book can be rebuilt as
//!   it stood on a past day.
//! - The 12-month window is `(as_of − 12 months, as_of]`: it starts the day
//!   after the same calendar day one year earlier (for 2026-11-22 it is
//!   2025-11-23 ..= 2026-11-22; for 2024-02-29 it starts 2023-03-01, because
//!   one year before is clamped to 2023-02-28).
//! - An *order* is a customer's purchases on one day: several rows on one day
//!   count once in `orders_total` and `orders_12m`.
//! - A negative amount is a refund: it lowers revenue but is not an order by
//!   itself and does not move `first_order` / `last_order`. A zero amount is
//!   an order (CDNOW has free CDs).
//! - Revenue is summed exactly (see [`Money`](super::Money)) and converted to
//!   a number once.

use std::collections::{BTreeMap, HashMap};

use chrono::Months;

use crate::Date;

use super::orders::{Order, OrderFile};
use super::values::micros_to_f64;

/// The `[metrics]` figures one customer gets from an order import.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderMetrics {
    /// Revenue of rows dated in the 12-month window.
    pub revenue_12m: f64,
    /// Revenue of all rows up to `as_of`.
    pub revenue_total: f64,
    /// Order days in the 12-month window.
    pub orders_12m: i64,
    /// Order days up to `as_of`.
    pub orders_total: i64,
    /// First order day; `None` when the customer only has refunds.
    pub first_order: Option<Date>,
    /// Last order day up to `as_of`; `None` when the customer only has refunds.
    pub last_order: Option<Date>,
}

/// What an aggregation read and used, for the command's summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderSummary {
    /// Data rows in the file, good and bad.
    pub rows_read: usize,
    /// Good rows dated on or before `as_of`.
    pub rows_used: usize,
    /// Good rows dated after `as_of`, left out.
    pub rows_after_as_of: usize,
    /// Bad rows (skipped; a caller without `--skip-bad` refuses the import).
    pub bad_rows: usize,
    /// Customers with at least one row used.
    pub customers: usize,
}

/// Metrics per customer id, sorted by id, and the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregation {
    /// The day the metrics describe.
    pub as_of: Date,
    /// The 12-month window's first day (inclusive).
    pub window_first_day: Date,
    /// Metrics per customer id.
    pub customers: BTreeMap<String, OrderMetrics>,
    /// Counts for the summary.
    pub summary: OrderSummary,
}

/// Per-customer running totals.
#[derive(Default)]
struct Totals {
    revenue_total: i128,
    revenue_12m: i128,
    order_days: Vec<Date>,
}

/// The day before the 12-month window: `as_of` one calendar year earlier,
/// clamped to the month's end.
fn window_start_exclusive(as_of: Date) -> Date {
    // Subtracting 12 months only fails below year −262143; keep `as_of`
    // (an empty window) rather than panic on such a date.
    Date(
        as_of
            .0
            .checked_sub_months(Months::new(12))
            .unwrap_or(as_of.0),
    )
}

/// Aggregates a parsed order file as of a day; bad rows are already left
/// out of `file.orders` and only counted.
pub fn aggregate(file: &OrderFile, as_of: Date) -> Aggregation {
    let mut aggregation = aggregate_orders(&file.orders, as_of);
    aggregation.summary.rows_read = file.rows_read;
    aggregation.summary.bad_rows = file.bad_rows();
    aggregation
}

/// Aggregates good orders as of a day (the summary's `rows_read` and
/// `bad_rows` are left to the caller; [`aggregate`] fills them).
pub fn aggregate_orders(orders: &[Order], as_of: Date) -> Aggregation {
    let before_window = window_start_exclusive(as_of);
    let mut totals: HashMap<&str, Totals> = HashMap::new();
    let mut summary = OrderSummary {
        rows_read: orders.len(),
        ..OrderSummary::default()
    };
    for order in orders {
        if order.date > as_of {
            summary.rows_after_as_of += 1;
            continue;
        }
        summary.rows_used += 1;
        let entry = totals.entry(order.customer.as_str()).or_default();
        let amount = i128::from(order.amount.micros());
        entry.revenue_total += amount;
        if order.date > before_window {
            entry.revenue_12m += amount;
        }
        if !order.amount.is_negative() {
            entry.order_days.push(order.date);
        }
    }
    let customers: BTreeMap<String, OrderMetrics> = totals
        .into_iter()
        .map(|(id, mut totals)| {
            totals.order_days.sort_unstable();
            totals.order_days.dedup();
            let days = &totals.order_days;
            let in_window = days.len() - days.partition_point(|day| *day <= before_window);
            let metrics = OrderMetrics {
                revenue_12m: micros_to_f64(totals.revenue_12m),
                revenue_total: micros_to_f64(totals.revenue_total),
                orders_12m: in_window as i64,
                orders_total: days.len() as i64,
                first_order: days.first().copied(),
                last_order: days.last().copied(),
            };
            (id.to_owned(), metrics)
        })
        .collect();
    summary.customers = customers.len();
    Aggregation {
        as_of,
        window_first_day: Date(before_window.0.succ_opt().unwrap_or(before_window.0)),
        customers,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::values::Money;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn order(customer: &str, date: &str, cents: i64) -> Order {
        Order {
            line: 0,
            customer: customer.to_owned(),
            date: day(date),
            amount: Money::from_micros(cents * 10_000),
            quantity: None,
        }
    }

    #[test]
    fn window_bounds() {
        assert_eq!(window_start_exclusive(day("2026-11-22")), day("2025-11-22"));
        assert_eq!(window_start_exclusive(day("2024-02-29")), day("2023-02-28"));
        let aggregation = aggregate_orders(&[], day("2024-02-29"));
        assert_eq!(aggregation.window_first_day, day("2023-03-01"));
    }

    #[test]
    fn one_customer_by_hand() {
        let orders = [
            order("acme", "2025-11-22", 1000), // day before the window
            order("acme", "2025-11-23", 2000), // first day of the window
            order("acme", "2025-11-23", 50),   // same day: same order
            order("acme", "2026-03-01", -500), // refund: revenue only
            order("acme", "2026-11-22", 0),    // as_of itself, free order
            order("acme", "2026-11-23", 9999), // after as_of
            order("beta", "2026-01-01", -100), // refund only
        ];
        let aggregation = aggregate_orders(&orders, day("2026-11-22"));
        let acme = &aggregation.customers["acme"];
        assert_eq!(acme.revenue_total, 25.5);
        assert_eq!(acme.revenue_12m, 15.5);
        assert_eq!(acme.orders_total, 3);
        assert_eq!(acme.orders_12m, 2);
        assert_eq!(acme.first_order, Some(day("2025-11-22")));
        assert_eq!(acme.last_order, Some(day("2026-11-22")));
        let beta = &aggregation.customers["beta"];
        assert_eq!(beta.revenue_total, -1.0);
        assert_eq!((beta.orders_total, beta.first_order), (0, None));
        assert_eq!(aggregation.summary.rows_used, 6);
        assert_eq!(aggregation.summary.rows_after_as_of, 1);
        assert_eq!(aggregation.summary.customers, 2);
    }

    #[test]
    fn customer_with_only_later_rows_is_absent() {
        let aggregation = aggregate_orders(&[order("late", "2027-01-01", 100)], day("2026-11-22"));
        assert!(aggregation.customers.is_empty());
        assert_eq!(aggregation.summary.rows_after_as_of, 1);
    }
}
