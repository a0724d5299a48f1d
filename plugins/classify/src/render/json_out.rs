//! `--format json`: schema `kehu.classify/1`, every selected grade of every
//! customer with its stored value, status, reason and scores.

use kehu_core::Date;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::assess::{Assessment, Cell};
use crate::field::Field;
use crate::render::money;

/// The schema tag of `classify`'s JSON.
pub const SCHEMA: &str = "kehu.classify/1";

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    as_of: Date,
    fields: Vec<&'static str>,
    summary: crate::assess::Counts,
    rfm_means: RfmMeans,
    customers: Customers<'a, 'a>,
}

#[derive(Serialize)]
struct RfmMeans {
    count: usize,
    recency_days: f64,
    frequency: f64,
    monetary: f64,
}

struct Customers<'s, 'a>(&'s Assessment<'a>);

impl Serialize for Customers<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.0.customers.len()).map(|i| CustomerOut(self.0, i)))
    }
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
        map.serialize_entry("reason", &cell.reason())?;
        let g = cell.grades;
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

/// Writes the document, pretty-printed, with a final newline.
pub fn write_json(assessment: &Assessment<'_>, as_of: Date) -> Result<String, serde_json::Error> {
    let means = &assessment.grades.rfm_means;
    let document = Document {
        schema: SCHEMA,
        as_of,
        fields: assessment.fields.names(),
        summary: assessment.counts(),
        rfm_means: RfmMeans {
            count: means.count,
            recency_days: means.recency_days,
            frequency: means.frequency,
            monetary: means.monetary_cents / 100.0,
        },
        customers: Customers(assessment),
    };
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}
