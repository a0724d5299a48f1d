//! Order import through the public API, on the CDNOW sample as distributed
//! (copied into tests/data) and on small hand-written CSVs.

use kehu_core::import::{
    ImportError, OrderFormat, OrderLayout, Problem, RowError, aggregate, metrics_changeset,
    new_customers, parse_orders,
};
use kehu_core::{Customer, Date};

const SAMPLE: &[u8] = include_bytes!("data/CDNOW_sample.txt");

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

#[test]
fn cdnow_sample_counts() {
    let file = parse_orders(SAMPLE, None).unwrap();
    assert_eq!(file.layout, OrderLayout::CdnowSample);
    assert_eq!(file.rows_read, 6_919);
    assert_eq!(file.orders.len(), 6_919);
    assert!(file.errors.is_empty());
    // The whole period: everything used, several rows on one day are one order.
    let all = aggregate(&file, day("1998-06-30"));
    assert_eq!(all.summary.customers, 2_357);
    assert_eq!(all.summary.rows_used, 6_919);
    assert_eq!(all.summary.rows_after_as_of, 0);
    let orders: i64 = all.customers.values().map(|m| m.orders_total).sum();
    assert_eq!(orders, 6_696, "distinct (customer, day) pairs");
    assert!(all.customers.keys().all(|id| id.len() == 5));
    assert!(all.customers.contains_key("00004"));
    // The explicit format gives the same result.
    assert_eq!(
        parse_orders(SAMPLE, Some(OrderFormat::Cdnow)).unwrap(),
        file
    );
}

#[test]
fn cdnow_sample_as_of_a_past_day() {
    let file = parse_orders(SAMPLE, None).unwrap();
    let aggregation = aggregate(&file, day("1998-03-15"));
    let summary = &aggregation.summary;
    assert_eq!(summary.rows_read, 6_919);
    assert_eq!(summary.rows_after_as_of, 652);
    assert_eq!(summary.rows_used, 6_919 - 652);
    assert_eq!(summary.bad_rows, 0);
    assert_eq!(summary.customers, 2_357, "every customer bought in Q1 1997");
    let orders: i64 = aggregation.customers.values().map(|m| m.orders_total).sum();
    assert_eq!(orders, 6_065);
    assert_eq!(aggregation.window_first_day, day("1997-03-16"));

    // Customer 00619 (sample id 0841), 36 rows in the file. Up to 1998-03-15:
    // 33 rows on 30 days (two rows each on 1997-03-24, 1997-04-15, 1997-12-02),
    // $939.06. Before the window (1997-02-03 ..= 1997-03-03, 8 rows on 8 days):
    // 41.10 + 45.28 + 29.33 + 29.33 + 23.54 + 23.54 + 13.97 + 29.33 = 235.42,
    // so the window holds 939.06 − 235.42 = 703.64 on 30 − 8 = 22 days.
    let m = &aggregation.customers["00619"];
    assert_eq!(m.revenue_total, 939.06);
    assert_eq!(m.revenue_12m, 703.64);
    assert_eq!(m.orders_total, 30);
    assert_eq!(m.orders_12m, 22);
    assert_eq!(m.first_order, Some(day("1997-02-03")));
    assert_eq!(m.last_order, Some(day("1998-03-11")));
}

#[test]
fn cdnow_changeset_and_creates() {
    let file = parse_orders(SAMPLE, None).unwrap();
    let aggregation = aggregate(&file, day("1998-06-30"));
    let empty: [&Customer; 0] = [];
    let update = metrics_changeset(&aggregation, empty);
    assert_eq!(update.missing.len(), 2_357);
    assert!(update.changeset.edits.is_empty());
    let created = new_customers(&aggregation, &update.missing);
    assert_eq!(created.len(), 2_357);
    assert_eq!(created[0].id, "00004");
    assert_eq!(created[0].stage, "won");
    // Importing again into the created book changes nothing.
    let again = metrics_changeset(&aggregation, &created);
    assert!(again.changeset.edits.is_empty());
    assert!(again.missing.is_empty());
    assert_eq!(again.unchanged, 2_357);
}

#[test]
fn csv_bad_rows_each_with_line_and_column() {
    let csv = "customer,date,amount,quantity\n\
               acme,2026-01-05,10.00,1\n\
               acme,2026-02-30,10.00,1\n\
               acme,2026-01-05,ten,1\n\
               acme,2026-01-05,10.00,two\n\
               ACME Corp,2026-01-05,10.00,1\n\
               acme,2026-01-05\n\
               acme,,10.00,1\n\
               acme,05.01.2026,-3,1\n\
               acme,2026-01-06,-4.50,\n";
    let file = parse_orders(csv.as_bytes(), None).unwrap();
    assert_eq!(file.rows_read, 9);
    assert_eq!(file.orders.len(), 2, "line 2 and the refund on line 10");
    assert_eq!(
        file.errors,
        vec![
            RowError::new(3, "date", Problem::NotARealDay("2026-02-30".into())),
            RowError::new(4, "amount", Problem::NotANumber("ten".into())),
            RowError::new(5, "quantity", Problem::NotANumber("two".into())),
            RowError::new(6, "customer", Problem::NotAnId("ACME Corp".into())),
            RowError::new(7, "amount", Problem::Missing),
            RowError::new(8, "date", Problem::Empty),
            RowError::new(9, "date", Problem::NotADate("05.01.2026".into())),
        ]
    );
    assert_eq!(file.bad_rows(), 7);
    assert_eq!(
        file.errors[0].to_string(),
        "line 3: date: `2026-02-30` is not a real day"
    );
    // With --skip-bad the caller aggregates the good rows; the bad ones are counted.
    let aggregation = aggregate(&file, day("2026-12-31"));
    assert_eq!(aggregation.summary.bad_rows, 7);
    assert_eq!(aggregation.summary.rows_used, 2);
    assert_eq!(aggregation.customers["acme"].revenue_total, 5.5);
    assert_eq!(aggregation.customers["acme"].orders_total, 1);
}

#[test]
fn csv_semicolon_bom_quoted_newline() {
    let csv = "\u{feff}Customer_ID;Order Date;Revenue;Qty\r\n\
               \"acme\";20260105;\"1.5\";1\r\n\
               \"beta\n(second line of a quoted id)\";2026-01-05;1;1\r\n\
               beta;2026-01-07;2,25;\r\n";
    let file = parse_orders(csv.as_bytes(), None).unwrap();
    assert_eq!(file.layout, OrderLayout::Csv { delimiter: b';' });
    assert_eq!(file.rows_read, 3);
    assert_eq!(
        file.orders[0].customer, "acme",
        "the BOM is not part of the header"
    );
    assert_eq!(file.errors.len(), 1);
    assert_eq!(file.errors[0].line, 3);
    assert_eq!(file.errors[0].column, "Customer_ID");
    assert_eq!(
        file.orders[1].line, 5,
        "the quoted newline moved the next row down"
    );
    assert_eq!(file.orders[1].amount.to_f64(), 2.25);
}

#[test]
fn csv_missing_column_is_refused_whole() {
    let error = parse_orders(b"customer,date,qty\nacme,2026-01-05,1\n", None).unwrap_err();
    assert!(
        matches!(error, ImportError::MissingColumn { role: "amount", .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the header has: customer, date, qty")
    );
    // Forcing CSV on a CDNOW file names the missing columns instead of guessing.
    let error = parse_orders(SAMPLE, Some(OrderFormat::Csv)).unwrap_err();
    assert!(
        matches!(error, ImportError::MissingColumn { .. }),
        "{error:?}"
    );
}
