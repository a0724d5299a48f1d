//! Tests of the condition language: evaluation, reasons, and errors with offsets.

use super::*;
use crate::{Customer, Metrics};

fn acme() -> Customer {
    Customer {
        id: "acme".into(),
        name: "ACME".into(),
        region: Some("east".into()),
        stage: "won".into(),
        metrics: Metrics {
            revenue_12m: Some(1_250_000.0),
            orders_12m: Some(42),
            last_order: Date::from_ymd(2026, 10, 28),
            satisfaction: Some(4.5),
            ..Metrics::default()
        },
        ..Customer::default()
    }
}

fn as_of() -> Date {
    Date::from_ymd(2026, 11, 22).unwrap()
}

fn eval(text: &str, c: &Customer) -> bool {
    parse(text).unwrap().eval(&CustomerFields::new(c, as_of()))
}

fn err(text: &str) -> ExprError {
    parse(text).unwrap_err()
}

#[test]
fn evaluates_the_issue_example() {
    let text = r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#;
    let mut c = acme();
    assert!(eval(text, &c));
    c.metrics.revenue_12m = Some(10.0);
    assert!(!eval(text, &c));
    c.grade.abc = Some("A".into());
    assert!(eval(text, &c));
    c.metrics.satisfaction = Some(3.9);
    assert!(!eval(text, &c));
}

#[test]
fn precedence_and_over_or_not_over_and() {
    let c = acme();
    // and binds tighter: true or (false and false) = true
    assert!(eval(
        r#"stage == "won" or stage == "x" and region == "y""#,
        &c
    ));
    // (true or false) and false = false with parentheses
    assert!(!eval(
        r#"(stage == "won" or stage == "x") and region == "y""#,
        &c
    ));
    assert!(eval(r#"not region == "west" and stage == "won""#, &c));
    assert!(!eval(r#"not (region == "east" and stage == "won")"#, &c));
    assert!(eval(r#"not not stage == "won""#, &c));
}

#[test]
fn numbers_with_separators_decimals_and_signs() {
    let c = acme();
    assert!(eval("revenue_12m == 1_250_000", &c));
    assert!(eval("revenue_12m > 1_249_999.99", &c));
    assert!(eval("satisfaction == 4.5", &c));
    assert!(eval("satisfaction > -1", &c));
    assert!(eval("1_000_000 <= revenue_12m", &c));
    assert!(eval("orders_12m != 41", &c));
}

#[test]
fn dates_bare_or_quoted_and_days_since() {
    let c = acme();
    assert!(eval("last_order == 2026-10-28", &c));
    assert!(eval(r#"last_order >= "2026-10-01""#, &c));
    assert!(eval("days_since_last_order == 25", &c));
    assert!(!eval("last_order < 2026-01-01", &c));
}

#[test]
fn missing_values_make_comparisons_false() {
    let c = acme();
    assert!(!eval("repurchase >= 0", &c));
    assert!(!eval("repurchase != 0.5", &c));
    assert!(!eval(r#"industry != "retail""#, &c));
    assert!(!eval(r#"industry in ["retail"]"#, &c));
    assert!(eval("not (repurchase >= 0.5)", &c));
    assert!(!eval("days_since_contact > 0", &c));
}

#[test]
fn in_lists() {
    let c = acme();
    assert!(eval(r#"region in ["north", "east",]"#, &c));
    assert!(!eval(r#"region in ['south']"#, &c));
    assert!(eval("orders_12m in [1, 42]", &c));
}

#[test]
fn computed_grades_take_precedence_over_stored() {
    let mut c = acme();
    c.grade.abc = Some("C".into());
    let e = parse(r#"abc == "A""#).unwrap();
    let mut f = CustomerFields::new(&c, as_of());
    assert!(!e.eval(&f));
    f.abc = Some("A");
    assert!(e.eval(&f));
    c.grade.abc = None;
    assert!(!e.eval(&CustomerFields::new(&c, as_of())));
}

#[test]
fn explains_in_words() {
    let c = acme();
    let f = CustomerFields::new(&c, as_of());
    let e = parse(r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#).unwrap();
    assert_eq!(
        e.explain(&f),
        (true, "revenue_12m 1,250,000 ≥ 1,000,000".to_string())
    );
    let e = parse(r#"revenue_12m >= 2_000_000 or abc == "A""#).unwrap();
    assert_eq!(
        e.explain(&f),
        (
            false,
            "revenue_12m 1,250,000 < 2,000,000 and abc missing".to_string()
        )
    );
    let e = parse(r#"region in ["east"] and satisfaction > 4"#).unwrap();
    assert_eq!(
        e.explain(&f),
        (
            true,
            r#"region "east" in ["east"] and satisfaction 4.5 > 4"#.to_string()
        )
    );
}

#[test]
fn display_round_trips() {
    for text in [
        r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#,
        r#"(stage == "won" or stage == "lead") and not (region in ["a", "b\"q"])"#,
        "not not orders_total > 3",
        "last_order >= 2026-01-01",
    ] {
        let e = parse(text).unwrap();
        assert_eq!(parse(&e.to_string()).unwrap(), e, "{e}");
    }
}

#[test]
fn lists_named_fields() {
    let e = parse(r#"revenue_12m >= 1 or (abc == "A" and revenue_12m > 2)"#).unwrap();
    assert_eq!(e.fields(), vec![Field::Revenue12m, Field::Abc]);
}

#[test]
fn unknown_identifier_is_reported_at_its_offset() {
    let e = err(r#"revenue_12m >= 1 or revenu_total > 5"#);
    assert_eq!(e.offset, 20);
    assert!(e.message.contains("unknown field `revenu_total`"), "{e}");
    assert!(e.message.contains("did you mean `revenue_total`"), "{e}");
    let e = err("colour == \"red\"");
    assert_eq!(e.offset, 0);
    assert!(!e.message.contains("did you mean"));
}

#[test]
fn type_errors_point_at_the_wrong_side() {
    let e = err(r#"revenue_12m >= "lots""#);
    assert_eq!(e.offset, 15);
    assert!(
        e.message
            .contains("`revenue_12m` is a number, but this is text")
    );
    let e = err(r#"abc > "A""#);
    assert_eq!(e.offset, 4);
    assert!(e.message.contains("does not order text"));
    let e = err(r#"last_order > "soon""#);
    assert_eq!(e.offset, 13);
    assert!(e.message.contains("not a date"));
    let e = err("region in [1]");
    assert_eq!(e.offset, 11);
}

#[test]
fn syntax_errors_have_offsets() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "found the end"),
        ("revenue_12m >=", 14, "found the end"),
        ("revenue_12m = 5", 12, "use `==`"),
        ("revenue_12m >= 5 && abc == \"A\"", 17, "use `and`"),
        ("(revenue_12m >= 5", 0, "never closed"),
        ("revenue_12m >= 5)", 16, "after a complete condition"),
        ("1 < orders_12m < 3", 15, "do not chain"),
        ("abc == \"A", 7, "not closed"),
        ("revenue_12m >= 1__0", 17, "between digits"),
        ("revenue_12m >= 10_", 17, "end with a digit"),
        ("revenue_12m >= 5k", 16, "runs into a word"),
        ("last_order > 2026-02-30", 13, "not a real day"),
        ("revenue_12m", 11, "expected a comparison"),
        ("revenue_12m >= 1 or", 19, "found the end"),
        ("and abc == \"A\"", 0, "found `and`"),
        ("region in []", 0, "at least one value"),
        ("region in [\"a\" \"b\"]", 15, "`,` or `]`"),
        ("abc == \"\\q\"", 8, "unknown escape"),
        ("satisfaction >= 4 €", 18, "unexpected character `€`"),
    ];
    for (text, offset, needle) in cases {
        let e = err(text);
        assert_eq!(e.offset, *offset, "{text}: {e}");
        assert!(e.message.contains(needle), "{text}: {e}");
    }
}

#[test]
fn formats_numbers_for_reasons() {
    assert_eq!(format_number(1_250_000.0), "1,250,000");
    assert_eq!(format_number(999.0), "999");
    assert_eq!(format_number(1000.5), "1,000.5");
    assert_eq!(format_number(-12_345.678), "-12,345.68");
    assert_eq!(format_number(0.0), "0");
    assert_eq!(format_number(-0.001), "0");
    assert_eq!(format_number(0.05), "0.05");
    assert_eq!(format_number(100.1), "100.1");
    assert_eq!(format_number(123_456.0), "123,456");
    assert_eq!(format_number(1e20), "100,000,000,000,000,000,000");
    assert_eq!(format_number(3e19), "30,000,000,000,000,000,000");
    assert_eq!(format_number(1e19), "10,000,000,000,000,000,000");
    assert_eq!(format_number(f64::INFINITY), "inf");
    assert_eq!(format!("{:>8}|", super::Number(12.5)), "    12.5|");
}
