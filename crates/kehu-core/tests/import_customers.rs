//! Customers CSV import through the public API.

use kehu_core::import::{ColumnMap, ImportError, Problem, RowError, import_customers};
use kehu_core::{Customer, Date, Metrics};
use serde_json::Value;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn book() -> Vec<Customer> {
    vec![Customer {
        id: "acme".into(),
        name: "ACME Corporation".into(),
        region: Some("east".into()),
        since: Some(day("2023-04-01")),
        stage: "won".into(),
        metrics: Metrics {
            revenue_12m: Some(1_250_000.0),
            satisfaction: Some(4.5),
            ..Metrics::default()
        },
        ..Customer::default()
    }]
}

fn no_map() -> ColumnMap {
    ColumnMap::parse::<&str>(&[]).unwrap()
}

#[test]
fn creates_and_updates_only_what_changes() {
    let csv = "id,name,region,since,stage,metrics.revenue_12m,metrics.satisfaction,notes\n\
               acme,ACME Corporation,west,2023-04-01,won,1250000.00,,big\n\
               zhongshan-steel,Zhongshan Steel,south,20240115,,300000,4,new\n";
    let import = import_customers(csv.as_bytes(), &no_map(), &book()).unwrap();
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let edits: Vec<(&str, &str, &Value)> = import
        .updates
        .edits
        .iter()
        .map(|e| (e.customer.as_str(), e.field.as_str(), &e.value))
        .collect();
    // Only the region changed; the empty satisfaction cell leaves 4.5 alone.
    assert_eq!(edits, vec![("acme", "region", &Value::from("west"))]);
    assert_eq!(import.creates.len(), 1);
    let created = &import.creates[0];
    assert_eq!(created.id, "zhongshan-steel");
    assert_eq!(created.name, "Zhongshan Steel");
    assert_eq!(created.since, Some(day("2024-01-15")));
    assert_eq!(created.stage, "lead", "no stage given");
    assert_eq!(created.metrics.revenue_12m, Some(300_000.0));
    assert_eq!(created.metrics.satisfaction, Some(4.0));
    let summary = &import.summary;
    assert_eq!(
        (
            summary.rows_read,
            summary.created,
            summary.updated,
            summary.unchanged
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(summary.ignored_columns, vec!["notes".to_owned()]);
    assert_eq!(
        import.updates.subject,
        "import: customers (1 new, 1 updated)"
    );
}

#[test]
fn the_same_file_twice_changes_nothing() {
    let csv = "id,name,metrics.revenue_12m\nacme,ACME Corporation,1250000\n";
    let import = import_customers(csv.as_bytes(), &no_map(), &book()).unwrap();
    assert!(import.updates.edits.is_empty());
    assert_eq!(import.summary.unchanged, 1);
}

#[test]
fn map_renames_and_ignores_columns() {
    let csv = "\u{feff}Kundennummer;ID;Firma;Umsatz 12M;Zufriedenheit\r\n\
               acme;4711;ACME Corporation;1.300.000;\r\n\
               acme-labs;4712;ACME Labs;12500,50;4,5\r\n";
    let map = ColumnMap::parse(&[
        "kundennummer=id",
        "ID=",
        "firma=name",
        "Umsatz 12M=metrics.revenue_12m",
        "zufriedenheit=metrics.satisfaction",
    ])
    .unwrap();
    let import = import_customers(csv.as_bytes(), &map, &book()).unwrap();
    // Thousands separators are not guessed at: line 2 is refused, whole.
    assert_eq!(
        import.errors,
        vec![RowError::new(
            2,
            "Umsatz 12M",
            Problem::NotANumber("1.300.000".into())
        )]
    );
    assert_eq!(import.creates.len(), 1);
    assert_eq!(import.creates[0].metrics.revenue_12m, Some(12_500.5));
    assert_eq!(import.creates[0].metrics.satisfaction, Some(4.5));
    assert!(import.updates.edits.is_empty());
    assert_eq!(import.summary.ignored_columns, vec!["ID".to_owned()]);
    assert_eq!(import.summary.bad_rows, 1);
}

#[test]
fn bad_cells_with_their_lines() {
    let csv = "id,name,since,metrics.orders_total,metrics.satisfaction,metrics.repurchase\n\
               acme,,2023-02-30,,,\n\
               newco,,,,,\n\
               beta,Beta,,many,9,\n\
               Beta Inc,Beta,,,,\n\
               beta,Beta again,,,,1.5\n\
               \"gamma\",\"Gamma,\n Ltd\",2026-01-01,3,5,0.25\n\
               delta,Delta,,,,,extra\n";
    let import = import_customers(csv.as_bytes(), &no_map(), &book()).unwrap();
    assert_eq!(
        import.errors,
        vec![
            RowError::new(2, "since", Problem::NotARealDay("2023-02-30".into())),
            RowError::new(3, "name", Problem::NameRequired),
            RowError::new(
                4,
                "metrics.orders_total",
                Problem::NotAnInteger("many".into())
            ),
            RowError::new(
                4,
                "metrics.satisfaction",
                Problem::OutOfRange {
                    text: "9".into(),
                    allowed: "1..5"
                }
            ),
            RowError::new(5, "id", Problem::NotAnId("Beta Inc".into())),
            RowError::new(6, "id", Problem::DuplicateId { first_line: 4 }),
            RowError::new(
                6,
                "metrics.repurchase",
                Problem::OutOfRange {
                    text: "1.5".into(),
                    allowed: "0..1"
                }
            ),
            RowError::new(
                9,
                "row",
                Problem::ExtraFields {
                    found: 7,
                    expected: 6
                }
            ),
        ]
    );
    assert_eq!(import.summary.bad_rows, 6);
    assert_eq!(import.summary.rows_read, 7);
    // The quoted newline: gamma (lines 7-8) is good, delta starts on line 9.
    assert_eq!(import.creates.len(), 1);
    assert_eq!(import.creates[0].name, "Gamma,\n Ltd");
    assert_eq!(import.creates[0].metrics.orders_total, Some(3));
}

#[test]
fn file_level_refusals() {
    let book = book();
    let missing_id = import_customers(b"name,region\nACME,east\n", &no_map(), &book).unwrap_err();
    assert!(matches!(
        missing_id,
        ImportError::MissingColumn { role: "id", .. }
    ));

    let map = ColumnMap::parse(&["kunde=id"]).unwrap();
    let unknown_column = import_customers(b"id,name\nacme,ACME\n", &map, &book).unwrap_err();
    assert!(matches!(unknown_column, ImportError::UnknownColumn { .. }));

    let map = ColumnMap::parse(&["slug=id"]).unwrap();
    let twice = import_customers(b"id,slug\n1,acme\n", &map, &book).unwrap_err();
    assert!(
        matches!(twice, ImportError::AmbiguousColumn { .. }),
        "{twice:?}"
    );
    let map = ColumnMap::parse(&["slug=id", "id="]).unwrap();
    let fixed = import_customers(b"id,slug\n1,acme\n", &map, &book).unwrap();
    assert_eq!(fixed.summary.unchanged, 1);

    let unknown_field = ColumnMap::parse(&["umsatz=metrics.umsatz"]).unwrap_err();
    assert!(unknown_field.to_string().contains("metrics.revenue_12m"));

    assert_eq!(
        import_customers(b"", &no_map(), &book).unwrap_err(),
        ImportError::Empty
    );
}
