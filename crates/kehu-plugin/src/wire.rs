//! kehu-core's customer in a compact binary form (postcard), for the two
//! places that move many customers between processes or runs: the plugin
//! protocol's binary book ([`crate::protocol::BOOK_BINARY`]) and the parse
//! cache's entries (`kehu-cache`).
//!
//! kehu-core's model serializes for JSON and TOML (optional fields skipped,
//! dates as text, a cadence as a number or a table), which a
//! non-self-describing format cannot read back. The `remote` definitions
//! below give postcard a plain layout of the same types: every field always
//! written, in a fixed order, dates as day numbers. They build the model's
//! structs field by field, so a field added to the model and not here is a
//! compile error, not a silently dropped value. The key account plan, rare
//! and deeply nested, travels as its JSON text.
//!
//! Use it as a field attribute: `#[serde(with = "kehu_plugin::wire::customer")]`.

use chrono::{Datelike, NaiveDate};
use kehu_core::plan::Plan;
use kehu_core::{Cadence, Contact, Customer, Date, Grade, Metrics, Text};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A [`Customer`] in the binary layout (for `#[serde(with = ...)]`).
pub mod customer {
    use super::*;

    /// Writes `customer` in the binary layout.
    pub fn serialize<S: Serializer>(customer: &Customer, serializer: S) -> Result<S::Ok, S::Error> {
        CustomerDef::serialize(customer, serializer)
    }

    /// Reads a customer written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Customer, D::Error> {
        CustomerDef::deserialize(deserializer)
    }
}

/// A borrowed customer that serializes in the binary layout.
#[derive(Serialize)]
#[serde(transparent)]
pub struct WireRef<'a>(#[serde(with = "customer")] pub &'a Customer);

/// An owned customer read from the binary layout.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct WireOwned(#[serde(with = "customer")] pub Customer);

/// A day as its number from the common era (what the binary layout stores).
pub fn day_number(date: Date) -> i32 {
    date.0.num_days_from_ce()
}

/// The day of a number written by [`day_number`]; `None` when out of range.
pub fn from_day_number(days: i32) -> Option<Date> {
    NaiveDate::from_num_days_from_ce_opt(days).map(Date)
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Customer")]
struct CustomerDef {
    id: String,
    name: String,
    region: Option<Text>,
    industry: Option<Text>,
    owner: Option<Text>,
    #[serde(with = "day")]
    since: Option<Date>,
    stage: Text,
    #[serde(with = "day")]
    expected_close: Option<Date>,
    #[serde(with = "cadence")]
    cadence: Option<Cadence>,
    #[serde(with = "GradeDef")]
    grade: Grade,
    #[serde(with = "MetricsDef")]
    metrics: Metrics,
    #[serde(with = "ContactDef")]
    contact: Contact,
    #[serde(with = "plan")]
    plan: Option<Box<Plan>>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Grade")]
struct GradeDef {
    tier: Option<Text>,
    abc: Option<Text>,
    rfm: Option<Text>,
    pipeline: Option<Text>,
    loyalty: Option<Text>,
    risk: Option<Text>,
    pinned: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Metrics")]
struct MetricsDef {
    revenue_12m: Option<f64>,
    revenue_total: Option<f64>,
    orders_total: Option<i64>,
    orders_12m: Option<i64>,
    #[serde(with = "day")]
    first_order: Option<Date>,
    #[serde(with = "day")]
    last_order: Option<Date>,
    satisfaction: Option<f64>,
    repurchase: Option<f64>,
    referral: Option<Text>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Contact")]
struct ContactDef {
    #[serde(with = "day")]
    last: Option<Date>,
    channel: Option<Text>,
}

/// An optional date as its day number.
mod day {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        date: &Option<Date>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        date.map(day_number).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        match Option::<i32>::deserialize(deserializer)? {
            None => Ok(None),
            Some(days) => from_day_number(days)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("day number out of range")),
        }
    }
}

/// An optional cadence as `(ideal, max)`.
mod cadence {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        cadence: &Option<Cadence>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        cadence.map(|c| (c.ideal, c.max)).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Cadence>, D::Error> {
        Ok(Option::<(u32, u32)>::deserialize(deserializer)?
            .map(|(ideal, max)| Cadence { ideal, max }))
    }
}

/// An optional plan as its JSON text.
mod plan {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        plan: &Option<Box<Plan>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = plan
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(serde::ser::Error::custom)?;
        text.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Box<Plan>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use kehu_core::plan::{Action, Person};

    /// A customer with every field set, a plan included.
    pub(crate) fn full() -> Customer {
        let day = |text: &str| Some(text.parse::<Date>().unwrap());
        Customer {
            id: "acme".into(),
            name: "ACME Corporation \"the\" ünïcode".into(),
            region: Some("east".into()),
            industry: Some("manufacturing".into()),
            owner: Some("alice".into()),
            since: day("2023-04-01"),
            stage: "won".into(),
            expected_close: day("2026-12-01"),
            cadence: Some(Cadence { ideal: 7, max: 14 }),
            grade: Grade {
                tier: Some("strategic".into()),
                abc: Some("A".into()),
                rfm: Some("important-value".into()),
                pipeline: Some("A".into()),
                loyalty: Some("loyal".into()),
                risk: Some("low".into()),
                pinned: vec!["tier".into(), "owner".into()],
            },
            metrics: Metrics {
                revenue_12m: Some(1_250_000.5),
                revenue_total: Some(3_400_000.0),
                orders_total: Some(57),
                orders_12m: Some(-42),
                first_order: day("0001-01-01"),
                last_order: day("2026-10-28"),
                satisfaction: Some(4.5),
                repurchase: Some(0.1 + 0.2),
                referral: Some("likely".into()),
            },
            contact: Contact {
                last: day("2026-11-18"),
                channel: Some("call".into()),
            },
            plan: Some(Box::new(Plan {
                reviewed: day("2026-09-30"),
                goals: Some("grow in Asia".into()),
                budget: Some(2_000_000.25),
                people: vec![Person {
                    name: "Li Wei".into(),
                    ..Person::default()
                }],
                actions: vec![Action {
                    what: "site visit".into(),
                    due: day("2026-12-15"),
                    ..Action::default()
                }],
                ..Plan::default()
            })),
        }
    }

    #[test]
    fn customers_round_trip_every_field() {
        for customer in [full(), Customer::default()] {
            let bytes = postcard::to_stdvec(&WireRef(&customer)).unwrap();
            let WireOwned(back) = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, customer);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_customer() {
        let bytes = postcard::to_stdvec(&WireRef(&full())).unwrap();
        assert!(postcard::from_bytes::<WireOwned>(&bytes[..bytes.len() / 2]).is_err());
        assert!(postcard::from_bytes::<WireOwned>(&[0xff; 8]).is_err());
    }
}
