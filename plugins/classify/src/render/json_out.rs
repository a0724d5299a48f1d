//! `--format json`: schema `kehu.classify/1`, every selected grade of every
//! customer with its stored value, status, reason and scores.

use std::io::Write;

use kehu_core::Date;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::assess::{Assessment, Cell};
use crate::field::Field;
use crate::render::{money, write_chunked};

/// The schema tag of `classify`'s JSON.
pub const SCHEMA: &str = "kehu.classify/1";

#[derive(Serialize)]
struct RfmMeans {
    count: usize,
    recency_days: f64,
    frequency: f64,
    monetary: f64,
}

struct CustomerOut<'s, 'a>(&'s Assessment<'a>, usize);

impl Serialize for CustomerOut<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let customer = &self.0.customers[self.1];
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &customer.id)?;
        map.serialize_entry("name", &customer.name)?;
        for cell in self.0.cells(self.1) {
            map.serialize_entry(cell.field.name(), &GradeOut(cell))?;
        }
        map.end()
    }
}

struct GradeOut<'a>(Cell<'a>);

impl Serialize for GradeOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cell = &self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("stored", &cell.stored)?;
        map.serialize_entry("computed", &cell.computed)?;
        map.serialize_entry("status", cell.status.as_str())?;
        map.serialize_entry("pinned", &cell.pinned)?;
        let g = cell.grades;
        // Worded straight into the output, without an intermediate String.
        match cell.field {
            Field::Abc => map.serialize_entry("reason", &Worded(&g.abc.reason))?,
            Field::Rfm => map.serialize_entry("reason", &Worded(&g.rfm.reason))?,
            Field::Pipeline => map.serialize_entry("reason", &Worded(&g.pipeline.reason))?,
            Field::Tier => match &g.tier {
                Some(tier) => map.serialize_entry("reason", &tier.reason)?,
                None => map.serialize_entry("reason", &cell.reason())?,
            },
            Field::Loyalty => match &g.loyalty {
                Some(loyalty) => map.serialize_entry("reason", &Worded(&loyalty.reason))?,
                None => map.serialize_entry("reason", &cell.reason())?,
            },
        }
        match cell.field {
            Field::Abc => {
                map.serialize_entry("rank", &g.abc.rank)?;
                map.serialize_entry("revenue", &money(g.abc.monetary_cents))?;
                map.serialize_entry("cumulative_revenue", &money(g.abc.cumulative_cents))?;
                map.serialize_entry("cumulative_share", &g.abc.cumulative_share)?;
            }
            Field::Rfm => {
                let scores = g.rfm.scores;
                map.serialize_entry("r", &scores.map(|s| s.r))?;
                map.serialize_entry("f", &scores.map(|s| s.f))?;
                map.serialize_entry("m", &scores.map(|s| s.m))?;
                map.serialize_entry("recency_days", &g.rfm.recency_days)?;
                map.serialize_entry("frequency", &g.rfm.frequency)?;
                map.serialize_entry("monetary", &money(g.rfm.monetary_cents))?;
            }
            Field::Tier => {
                map.serialize_entry("rank", &g.tier.as_ref().map(|t| t.index + 1))?;
            }
            Field::Pipeline | Field::Loyalty => {}
        }
        map.end()
    }
}

/// A reason serialized from its `Display`.
struct Worded<'a, T: std::fmt::Display>(&'a T);

impl<T: std::fmt::Display> Serialize for Worded<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

/// Writes the document to `out`: the header keys one per line, then one
/// customer per line (compact, so a 100,000-customer book stays small, and
/// a diff of two reports shows one line per customer that changed).
/// Customers are rendered in parallel chunks and written in id order.
pub fn write_json(
    assessment: &Assessment<'_>,
    as_of: Date,
    out: &mut dyn Write,
) -> Result<(), serde_json::Error> {
    let means = &assessment.grades.rfm_means;
    let header: [(&str, serde_json::Value); 5] = [
        ("schema", SCHEMA.into()),
        ("as_of", serde_json::to_value(as_of)?),
        ("fields", serde_json::to_value(assessment.fields.names())?),
        ("summary", serde_json::to_value(assessment.counts())?),
        (
            "rfm_means",
            serde_json::to_value(RfmMeans {
                count: means.count,
                recency_days: means.recency_days,
                frequency: means.frequency,
                monetary: means.monetary_cents / 100.0,
            })?,
        ),
    ];
    let mut head = String::from("{\n");
    for (key, value) in header {
        head.push_str(&format!(
            "  \"{key}\": {},\n",
            serde_json::to_string(&value)?
        ));
    }
    head.push_str("  \"customers\": [\n");
    out.write_all(head.as_bytes())
        .map_err(serde_json::Error::io)?;
    let n = assessment.customers.len();
    write_chunked(
        n,
        out,
        serde_json::Error::io,
        |range| -> Result<Vec<u8>, serde_json::Error> {
            let mut buf = Vec::with_capacity(range.len() * 1024);
            for i in range {
                buf.extend_from_slice(b"    ");
                serde_json::to_writer(&mut buf, &CustomerOut(assessment, i))?;
                buf.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
            }
            Ok(buf)
        },
    )?;
    out.write_all(b"  ]\n}\n").map_err(serde_json::Error::io)
}
