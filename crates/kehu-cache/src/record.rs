//! One cache entry on disk: a [`ParsedFile`] in postcard's compact binary
//! form, plus the length of the file it was parsed from.
//!
//! kehu-core's model serializes for JSON and TOML (optional fields skipped,
//! dates as text), which a non-self-describing format cannot read back. The
//! `remote` definitions below give postcard a plain layout of the same
//! types: every field always written, dates as day numbers. They build the
//! model's structs field by field, so a field added to the model and not
//! here is a compile error, not a silently dropped value.

use chrono::{Datelike, NaiveDate};
use kehu_core::reuse::{LOCATED_FIELDS, ParsedFile};
use kehu_core::{Cadence, Contact, Customer, Date, Grade, Metrics};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Encodes `parsed` (from a file of `len` bytes), appending to `out`.
pub(crate) fn encode(len: u64, parsed: &ParsedFile, out: Vec<u8>) -> Result<Vec<u8>, String> {
    let record = WriteRecord { len, parsed };
    postcard::to_extend(&record, out).map_err(|e| e.to_string())
}

/// Decodes an entry; `None` when the bytes are not one.
pub(crate) fn decode(bytes: &[u8]) -> Option<(u64, ParsedFile)> {
    let record: ReadRecord = postcard::from_bytes(bytes).ok()?;
    Some((record.len, record.parsed))
}

/// A cache entry as written: the byte length of the file it was parsed from
/// (a cheap guard against a blob id whose working-tree file differs, e.g.
/// after an end-of-line filter), then the parse.
#[derive(Serialize)]
struct WriteRecord<'a> {
    len: u64,
    #[serde(with = "ParsedRef")]
    parsed: &'a ParsedFile,
}

/// A cache entry as read back.
#[derive(Deserialize)]
struct ReadRecord {
    len: u64,
    #[serde(with = "ParsedDef")]
    parsed: ParsedFile,
}

/// Serializes a `&ParsedFile` through [`ParsedDef`].
struct ParsedRef;

impl ParsedRef {
    fn serialize<S: Serializer>(parsed: &&ParsedFile, serializer: S) -> Result<S::Ok, S::Error> {
        ParsedDef::serialize(parsed, serializer)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ParsedFile")]
struct ParsedDef {
    #[serde(with = "CustomerDef")]
    customer: Customer,
    present: u32,
    positions: [(u32, u32); LOCATED_FIELDS],
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Customer")]
struct CustomerDef {
    id: String,
    name: String,
    region: Option<String>,
    industry: Option<String>,
    owner: Option<String>,
    #[serde(with = "day")]
    since: Option<Date>,
    stage: String,
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
    /// Not kept: a customer with a plan is always parsed again (its checks
    /// need the places of the plan's keys), so a cached one is never used.
    #[serde(skip)]
    plan: Option<kehu_core::plan::Plan>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Grade")]
struct GradeDef {
    tier: Option<String>,
    abc: Option<String>,
    rfm: Option<String>,
    pipeline: Option<String>,
    loyalty: Option<String>,
    risk: Option<String>,
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
    referral: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Contact")]
struct ContactDef {
    #[serde(with = "day")]
    last: Option<Date>,
    channel: Option<String>,
}

/// An optional date as its day number from the common era.
mod day {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        date: &Option<Date>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        date.map(|d| d.0.num_days_from_ce()).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        match Option::<i32>::deserialize(deserializer)? {
            None => Ok(None),
            Some(days) => NaiveDate::from_num_days_from_ce_opt(days)
                .map(|d| Some(Date(d)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ParsedFile {
        let day = |text: &str| Some(text.parse::<Date>().unwrap());
        ParsedFile {
            customer: Customer {
                id: "acme".into(),
                name: "ACME Corporation".into(),
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
                    orders_12m: Some(42),
                    first_order: day("2023-04-12"),
                    last_order: day("2026-10-28"),
                    satisfaction: Some(4.5),
                    repurchase: Some(0.7),
                    referral: Some("likely".into()),
                },
                contact: Contact {
                    last: day("2026-11-18"),
                    channel: Some("call".into()),
                },
                plan: None,
            },
            present: 0x1234_5678,
            positions: [(1, 6), (6, 9), (8, 9), (11, 8), (0, 0), (30, 8), (0, 0)],
        }
    }

    #[test]
    fn entries_round_trip() {
        for parsed in [
            full(),
            ParsedFile {
                customer: Customer::default(),
                present: 0,
                positions: [(0, 0); LOCATED_FIELDS],
            },
        ] {
            let bytes = encode(1234, &parsed, Vec::new()).unwrap();
            assert_eq!(decode(&bytes), Some((1234, parsed)));
        }
    }

    #[test]
    fn garbage_is_not_an_entry() {
        let bytes = encode(1, &full(), Vec::new()).unwrap();
        assert_eq!(decode(&bytes[..bytes.len() / 2]), None);
        assert_eq!(decode(&[0xff; 8]), None);
    }
}
