//! `--format json`: schema `kehu.classify/1`, every selected grade of every
//! customer with its stored value, status, reason and scores.

use std::io::Write;

use kehu_core::Date;
use kehu_plugin_sdk::json::ObjectWriter;
use serde::Serialize;

use crate::assess::{Assessment, Cell, Counts};
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

/// One customer's line: id, name, and each selected grade.
fn write_customer(buf: &mut Vec<u8>, assessment: &Assessment<'_>, index: usize) {
    let customer = &assessment.customers[index];
    let mut object = ObjectWriter::begin(buf);
    object.str("id", &customer.id);
    object.str("name", &customer.name);
    for cell in assessment.cells(index) {
        write_grade(object.object(cell.field.name()), &cell);
    }
    object.end();
}

/// One grade: stored, computed, status, reason, and the field's scores.
fn write_grade(mut map: ObjectWriter<'_>, cell: &Cell<'_>) {
    map.opt_str("stored", cell.stored);
    map.opt_str("computed", cell.computed);
    map.str("status", cell.status.as_str());
    map.bool("pinned", cell.pinned);
    // Worded straight into the output, without an intermediate String.
    map.display("reason", &cell.reason());
    let g = cell.grades;
    match cell.field {
        Field::Abc => {
            map.int("rank", g.abc.rank);
            map.float("revenue", money(g.abc.monetary_cents));
            map.float("cumulative_revenue", money(g.abc.cumulative_cents));
            map.float("cumulative_share", g.abc.cumulative_share);
        }
        Field::Rfm => {
            let scores = g.rfm.scores;
            map.opt_int("r", scores.map(|s| s.r));
            map.opt_int("f", scores.map(|s| s.f));
            map.opt_int("m", scores.map(|s| s.m));
            map.opt_int("recency_days", g.rfm.recency_days);
            map.int("frequency", g.rfm.frequency);
            map.float("monetary", money(g.rfm.monetary_cents));
        }
        Field::Tier => map.opt_int("rank", g.tier.as_ref().map(|t| t.index + 1)),
        Field::Pipeline | Field::Loyalty => {}
    }
    map.end();
}

/// Writes the document to `out`: the header keys one per line, then one
/// customer per line (compact, so a 100,000-customer book stays small, and
/// a diff of two reports shows one line per customer that changed).
/// Customers are rendered in parallel chunks and written in id order.
pub fn write_json(
    assessment: &Assessment<'_>,
    counts: Counts,
    as_of: Date,
    out: &mut dyn Write,
) -> Result<(), serde_json::Error> {
    let means = &assessment.grades.rfm_means;
    let header: [(&str, serde_json::Value); 5] = [
        ("schema", SCHEMA.into()),
        ("as_of", serde_json::to_value(as_of)?),
        ("fields", serde_json::to_value(assessment.fields.names())?),
        ("summary", serde_json::to_value(counts)?),
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
                write_customer(&mut buf, assessment, i);
                buf.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
            }
            Ok(buf)
        },
    )?;
    out.write_all(b"  ]\n}\n").map_err(serde_json::Error::io)
}
