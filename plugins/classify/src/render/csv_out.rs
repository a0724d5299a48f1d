//! `--format csv`: one row per customer; for each selected grade its stored
//! value, computed value, status and reason, and the ABC and RFM scores.

use std::io::Write;

use crate::assess::Assessment;
use crate::field::Field;
use crate::render::{money, write_chunked};
use kehu_core::escape::csv_safe;

fn header(assessment: &Assessment<'_>) -> Vec<String> {
    let mut header = vec!["id".to_owned(), "name".to_owned()];
    for field in assessment.fields.iter() {
        let f = field.name();
        header.extend([
            format!("{f}_stored"),
            f.to_owned(),
            format!("{f}_status"),
            format!("{f}_reason"),
        ]);
        match field {
            Field::Abc => header
                .extend(["abc_rank", "abc_revenue", "abc_cumulative_share"].map(str::to_owned)),
            Field::Rfm => header.extend(
                [
                    "rfm_r",
                    "rfm_f",
                    "rfm_m",
                    "rfm_recency_days",
                    "rfm_frequency",
                    "rfm_monetary",
                ]
                .map(str::to_owned),
            ),
            Field::Tier | Field::Pipeline | Field::Loyalty => {}
        }
    }
    header
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes customers `range` as CSV rows (no header).
fn write_rows(
    assessment: &Assessment<'_>,
    range: std::ops::Range<usize>,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut row: Vec<String> = Vec::new();
    for i in range {
        let customer = &assessment.customers[i];
        row.clear();
        row.push(csv_safe(&customer.id).into_owned());
        row.push(csv_safe(&customer.name).into_owned());
        for cell in assessment.cells(i) {
            row.push(csv_safe(cell.stored.unwrap_or_default()).into_owned());
            row.push(cell.computed.unwrap_or_default().to_owned());
            row.push(cell.status.as_str().to_owned());
            row.push(cell.reason().to_string());
            let g = cell.grades;
            match cell.field {
                Field::Abc => {
                    row.push(g.abc.rank.to_string());
                    row.push(money(g.abc.monetary_cents).to_string());
                    row.push(g.abc.cumulative_share.to_string());
                }
                Field::Rfm => {
                    let s = g.rfm.scores;
                    row.push(opt(s.map(|s| s.r)));
                    row.push(opt(s.map(|s| s.f)));
                    row.push(opt(s.map(|s| s.m)));
                    row.push(opt(g.rfm.recency_days));
                    row.push(g.rfm.frequency.to_string());
                    row.push(money(g.rfm.monetary_cents).to_string());
                }
                Field::Tier | Field::Pipeline | Field::Loyalty => {}
            }
        }
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes the CSV with a header row to `out`; rows are rendered in parallel
/// chunks and written in id order.
pub fn write_csv(assessment: &Assessment<'_>, out: &mut dyn Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header(assessment))?;
    let head = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    out.write_all(&head)?;
    write_chunked(assessment.customers.len(), out, csv::Error::from, |range| {
        write_rows(assessment, range)
    })
}
