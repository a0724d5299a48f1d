//! From an [`Aggregation`] to what the book should become: field edits for
//! the customers it has, and the ids it lacks (created with `--create`).
//!
//! Only fields whose value changes become edits, so re-importing the same
//! file is an empty changeset and a regular import is a small diff. Customers
//! in the book but not in the file are left alone (a file may cover one shop
//! of several). A customer with refunds only keeps its `first_order` /
//! `last_order` as they are.

use std::collections::HashMap;

use serde_json::Value;

use crate::{Changeset, Customer, Date, FieldEdit, Metrics};

use super::aggregate::{Aggregation, OrderMetrics};

/// The book change an order import asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsUpdate {
    /// Edits of `metrics.*` for customers already in the book, sorted by
    /// customer id, then in the file's key order.
    pub changeset: Changeset,
    /// Customers of the book that get at least one edit.
    pub updated: usize,
    /// Customers of the book whose metrics are already right.
    pub unchanged: usize,
    /// Ids in the file that the book does not have, sorted.
    pub missing: Vec<String>,
}

/// Compares the aggregation with the book and lists the edits.
///
/// The changeset carries a default subject (`import: orders as of DAY`) and
/// a body with the summary; the caller may replace both.
pub fn metrics_changeset<'a>(
    aggregation: &Aggregation,
    book: impl IntoIterator<Item = &'a Customer>,
) -> MetricsUpdate {
    let book: HashMap<&str, &Customer> = book.into_iter().map(|c| (c.id.as_str(), c)).collect();
    let reason = format!("orders import as of {}", aggregation.as_of);
    let mut update = MetricsUpdate {
        changeset: Changeset {
            subject: format!("import: orders as of {}", aggregation.as_of),
            body: summary_body(aggregation),
            trailers: Vec::new(),
            edits: Vec::new(),
        },
        updated: 0,
        unchanged: 0,
        missing: Vec::new(),
    };
    for (id, metrics) in &aggregation.customers {
        let Some(customer) = book.get(id.as_str()) else {
            update.missing.push(id.clone());
            continue;
        };
        let before = update.changeset.edits.len();
        for (field, value) in changed_fields(&customer.metrics, metrics) {
            update.changeset.edits.push(FieldEdit {
                customer: id.clone(),
                field: format!("metrics.{field}"),
                value,
                reason: reason.clone(),
            });
        }
        if update.changeset.edits.len() > before {
            update.updated += 1;
        } else {
            update.unchanged += 1;
        }
    }
    update
}

/// The body of the import commit: what was read and used.
fn summary_body(aggregation: &Aggregation) -> String {
    let s = &aggregation.summary;
    format!(
        "As of {as_of}; 12-month window {first} ..= {as_of}.\n\
         Rows read: {read}; used: {used}; after as-of (left out): {after}; bad (skipped): {bad}.\n\
         Customers with orders: {customers}.",
        as_of = aggregation.as_of,
        first = aggregation.window_first_day,
        read = s.rows_read,
        used = s.rows_used,
        after = s.rows_after_as_of,
        bad = s.bad_rows,
        customers = s.customers,
    )
}

/// The metrics fields that differ, as (field, new JSON value), in key order.
fn changed_fields(current: &Metrics, new: &OrderMetrics) -> Vec<(&'static str, Value)> {
    let mut changed = Vec::new();
    let mut number = |field, old: Option<f64>, new: f64| {
        if old != Some(new) {
            changed.push((field, Value::from(new)));
        }
    };
    number("revenue_12m", current.revenue_12m, new.revenue_12m);
    number("revenue_total", current.revenue_total, new.revenue_total);
    let mut count = |field, old: Option<i64>, new: i64| {
        if old != Some(new) {
            changed.push((field, Value::from(new)));
        }
    };
    count("orders_total", current.orders_total, new.orders_total);
    count("orders_12m", current.orders_12m, new.orders_12m);
    let mut day = |field, old: Option<Date>, new: Option<Date>| {
        if let Some(new) = new.filter(|new| old != Some(*new)) {
            changed.push((field, Value::from(new.to_string())));
        }
    };
    day("first_order", current.first_order, new.first_order);
    day("last_order", current.last_order, new.last_order);
    changed
}

/// A customer for `--create`: named by its id (there is no better name in
/// an order file), stage `won` (it has bought), `since` its first order.
pub fn new_customer(id: &str, metrics: &OrderMetrics) -> Customer {
    Customer {
        id: id.to_owned(),
        name: id.to_owned(),
        since: metrics.first_order,
        stage: "won".into(),
        metrics: Metrics {
            revenue_12m: Some(metrics.revenue_12m),
            revenue_total: Some(metrics.revenue_total),
            orders_total: Some(metrics.orders_total),
            orders_12m: Some(metrics.orders_12m),
            first_order: metrics.first_order,
            last_order: metrics.last_order,
            ..Metrics::default()
        },
        ..Customer::default()
    }
}

/// The customers to create for the ids the book lacks (in `missing`'s order).
pub fn new_customers(aggregation: &Aggregation, missing: &[String]) -> Vec<Customer> {
    missing
        .iter()
        .filter_map(|id| {
            aggregation
                .customers
                .get(id)
                .map(|metrics| new_customer(id, metrics))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::aggregate::aggregate_orders;
    use crate::import::orders::Order;
    use crate::import::values::Money;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn aggregation() -> Aggregation {
        let order = |customer: &str, date: &str, micros: i64| Order {
            line: 0,
            customer: customer.to_owned(),
            date: day(date),
            amount: Money::from_micros(micros),
            quantity: None,
        };
        aggregate_orders(
            &[
                order("acme", "2026-01-10", 29_330_000),
                order("acme", "2026-02-10", 29_730_000),
                order("newco", "2026-03-01", 5_000_000),
            ],
            day("2026-11-22"),
        )
    }

    #[test]
    fn only_changed_fields_become_edits() {
        let aggregation = aggregation();
        let acme = Customer {
            id: "acme".into(),
            name: "ACME".into(),
            stage: "won".into(),
            metrics: Metrics {
                revenue_12m: Some(59.06),
                revenue_total: Some(100.0),
                orders_total: Some(2),
                orders_12m: Some(2),
                first_order: Some(day("2026-01-10")),
                last_order: None,
                satisfaction: Some(4.5),
                ..Metrics::default()
            },
            ..Customer::default()
        };
        let other = Customer {
            id: "other".into(),
            ..Customer::default()
        };
        let update = metrics_changeset(&aggregation, [&acme, &other]);
        let edits: Vec<(&str, &str, String)> = update
            .changeset
            .edits
            .iter()
            .map(|e| (e.customer.as_str(), e.field.as_str(), e.value.to_string()))
            .collect();
        assert_eq!(
            edits,
            vec![
                ("acme", "metrics.revenue_total", "59.06".to_owned()),
                ("acme", "metrics.last_order", "\"2026-02-10\"".to_owned()),
            ]
        );
        assert_eq!(update.missing, vec!["newco".to_owned()]);
        assert_eq!((update.updated, update.unchanged), (1, 0));
        assert_eq!(update.changeset.subject, "import: orders as of 2026-11-22");
        assert!(update.changeset.body.contains("Rows read: 3; used: 3"));
    }

    #[test]
    fn a_second_import_is_empty() {
        let aggregation = aggregation();
        let created = new_customers(&aggregation, &["acme".to_owned(), "newco".to_owned()]);
        let update = metrics_changeset(&aggregation, &created);
        assert!(update.changeset.edits.is_empty());
        assert_eq!((update.updated, update.unchanged), (0, 2));
    }

    #[test]
    fn created_customers_are_won_since_first_order() {
        let aggregation = aggregation();
        let created = new_customers(&aggregation, &["newco".to_owned(), "ghost".to_owned()]);
        assert_eq!(created.len(), 1);
        let newco = &created[0];
        assert_eq!((newco.id.as_str(), newco.name.as_str()), ("newco", "newco"));
        assert_eq!(newco.stage, "won");
        assert_eq!(newco.since, Some(day("2026-03-01")));
        assert_eq!(newco.metrics.orders_total, Some(1));
        assert_eq!(newco.metrics.revenue_12m, Some(5.0));
    }
}
