//! `--format csv`: one row per customer; for each selected grade its stored
//! value, computed value, status and reason, and the ABC and RFM scores.

use crate::assess::Assessment;
use crate::field::Field;
use crate::render::{csv_safe, money};

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

/// Writes the CSV with a header row.
pub fn write_csv(assessment: &Assessment<'_>) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header(assessment))?;
    let mut row: Vec<String> = Vec::new();
    for (i, customer) in assessment.customers.iter().enumerate() {
        row.clear();
        row.push(csv_safe(&customer.id).into_owned());
        row.push(csv_safe(&customer.name).into_owned());
        for cell in assessment.cells(i) {
            row.push(csv_safe(cell.stored.unwrap_or_default()).into_owned());
            row.push(cell.computed.unwrap_or_default().to_owned());
            row.push(cell.status.as_str().to_owned());
            row.push(cell.reason());
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
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
