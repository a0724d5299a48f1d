//! The customer fields a CSV column can fill, and how a cell's text becomes
//! the field's JSON value (the shape a [`FieldEdit`](crate::FieldEdit) carries).

use serde_json::Value;

use super::error::Problem;
use super::values::{parse_date, parse_id, parse_integer, parse_money, parse_number};

/// How a field's text is checked and typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// The customer id: lowercase `a-z`, `0-9`, `-`, 2–64 characters.
    Id,
    /// Free text or a policy name (region, tier …; `kehu check` validates names).
    Text,
    /// `YYYY-MM-DD` or `YYYYMMDD`, stored as `YYYY-MM-DD`.
    Date,
    /// Money: a decimal number, read exactly.
    Money,
    /// A whole number of at least 0 (order counts).
    Count,
    /// A survey score from 1 to 5.
    Score,
    /// A probability from 0 to 1.
    Probability,
}

/// Every importable field (dotted path) with its kind, in file order.
/// `grade.pinned` is left out: pins are set by `kehu grade`, with a reason.
pub const IMPORTABLE_FIELDS: &[(&str, FieldKind)] = &[
    ("id", FieldKind::Id),
    ("name", FieldKind::Text),
    ("region", FieldKind::Text),
    ("industry", FieldKind::Text),
    ("owner", FieldKind::Text),
    ("since", FieldKind::Date),
    ("stage", FieldKind::Text),
    ("expected_close", FieldKind::Date),
    ("grade.tier", FieldKind::Text),
    ("grade.abc", FieldKind::Text),
    ("grade.rfm", FieldKind::Text),
    ("grade.pipeline", FieldKind::Text),
    ("grade.loyalty", FieldKind::Text),
    ("grade.risk", FieldKind::Text),
    ("metrics.revenue_12m", FieldKind::Money),
    ("metrics.revenue_total", FieldKind::Money),
    ("metrics.orders_total", FieldKind::Count),
    ("metrics.orders_12m", FieldKind::Count),
    ("metrics.first_order", FieldKind::Date),
    ("metrics.last_order", FieldKind::Date),
    ("metrics.satisfaction", FieldKind::Score),
    ("metrics.repurchase", FieldKind::Probability),
    ("metrics.referral", FieldKind::Text),
    ("contact.last", FieldKind::Date),
    ("contact.channel", FieldKind::Text),
];

/// The kind of an importable field, `None` for anything else.
pub fn field_kind(field: &str) -> Option<FieldKind> {
    IMPORTABLE_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, kind)| *kind)
}

/// The importable fields, comma-separated, for error messages.
pub(crate) fn known_fields() -> String {
    IMPORTABLE_FIELDS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a non-empty cell against the field's kind and types it.
/// `decimal_comma` (files separated by `;`) also reads `4,5` as 4.5.
pub(crate) fn parse_value(
    kind: FieldKind,
    text: &str,
    decimal_comma: bool,
) -> Result<Value, Problem> {
    let trimmed = text.trim();
    let number_text = if decimal_comma && !trimmed.contains('.') {
        trimmed.replacen(',', ".", 1)
    } else {
        trimmed.to_owned()
    };
    let number = || parse_number(&number_text).map_err(|_| Problem::NotANumber(text.to_owned()));
    let in_range = |value: f64, low: f64, high: f64, allowed: &'static str| {
        if (low..=high).contains(&value) {
            Ok(Value::from(value))
        } else {
            Err(Problem::OutOfRange {
                text: text.to_owned(),
                allowed,
            })
        }
    };
    match kind {
        FieldKind::Id => parse_id(text).map(Value::from),
        FieldKind::Text => Ok(Value::from(trimmed)),
        FieldKind::Date => parse_date(text).map(|day| Value::from(day.to_string())),
        FieldKind::Money => {
            parse_money(text, decimal_comma).map(|money| Value::from(money.to_f64()))
        }
        FieldKind::Count => match parse_integer(text)? {
            count if count >= 0 => Ok(Value::from(count)),
            _ => Err(Problem::OutOfRange {
                text: text.to_owned(),
                allowed: "0 or more",
            }),
        },
        FieldKind::Score => in_range(number()?, 1.0, 5.0, "1..5"),
        FieldKind::Probability => in_range(number()?, 0.0, 1.0, "0..1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_a_model_field() {
        // Setting each field through JSON must survive a round trip through
        // the model; a path the model lacks would be dropped.
        for (field, kind) in IMPORTABLE_FIELDS {
            let sample = match kind {
                FieldKind::Id => "ab-1",
                FieldKind::Text => "x",
                FieldKind::Date => "2026-01-01",
                FieldKind::Money => "1.5",
                FieldKind::Count => "3",
                FieldKind::Score => "4",
                FieldKind::Probability => "0.5",
            };
            let value = parse_value(*kind, sample, false).unwrap();
            let mut json = serde_json::to_value(crate::Customer::default()).unwrap();
            crate::import::customers::set_path(&mut json, field, value.clone());
            let customer: crate::Customer = serde_json::from_value(json).unwrap();
            let back = serde_json::to_value(&customer).unwrap();
            assert_eq!(
                crate::import::customers::get_path(&back, field),
                Some(&value),
                "{field}"
            );
        }
        assert_eq!(field_kind("metrics.satisfaction"), Some(FieldKind::Score));
        assert_eq!(field_kind("grade.pinned"), None);
        assert_eq!(field_kind("revenue"), None);
    }

    #[test]
    fn values_are_typed_and_checked() {
        assert_eq!(
            parse_value(FieldKind::Text, " east ", false),
            Ok(Value::from("east"))
        );
        assert_eq!(
            parse_value(FieldKind::Date, "20230401", false),
            Ok(Value::from("2023-04-01"))
        );
        assert_eq!(
            parse_value(FieldKind::Money, "59.06", false),
            Ok(Value::from(59.06))
        );
        assert_eq!(
            parse_value(FieldKind::Count, "57", false),
            Ok(Value::from(57))
        );
        assert!(matches!(
            parse_value(FieldKind::Count, "-1", false),
            Err(Problem::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_value(FieldKind::Score, "6", false),
            Err(Problem::OutOfRange {
                allowed: "1..5",
                ..
            })
        ));
        assert_eq!(
            parse_value(FieldKind::Probability, "0.7", false),
            Ok(Value::from(0.7))
        );
        assert!(parse_value(FieldKind::Id, "Acme", false).is_err());
        assert_eq!(
            parse_value(FieldKind::Score, "4,5", true),
            Ok(Value::from(4.5))
        );
        assert_eq!(
            parse_value(FieldKind::Money, "12,5", true),
            Ok(Value::from(12.5))
        );
        assert_eq!(
            parse_value(FieldKind::Score, "4,5", false),
            Err(Problem::NotANumber("4,5".into()))
        );
    }
}
