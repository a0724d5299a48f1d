//! `--rules-from REV`: the same customers graded under kehu.toml at REV and
//! under the current kehu.toml, and every grade that moves between the two.
//! A reviewer sees which customers change tier before a policy is merged.

use std::collections::BTreeMap;

use kehu_core::Date;
use serde::Serialize;

use crate::args::Format;
use crate::assess::{Assessment, NONE};
use crate::render::{Listing, Style};
use kehu_core::escape::csv_safe;

/// One grade that differs between the two policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Customer id.
    pub id: String,
    /// The grade.
    pub field: &'static str,
    /// Under kehu.toml at REV.
    pub from: Option<String>,
    /// Under the current kehu.toml.
    pub to: Option<String>,
    /// Why, under REV.
    pub from_reason: String,
    /// Why, now.
    pub to_reason: String,
}

/// Every move, customers in id order, grades in file order.
pub fn moves(before: &Assessment<'_>, after: &Assessment<'_>) -> Vec<Move> {
    let mut out = Vec::new();
    for (i, customer) in after.customers.iter().enumerate() {
        let (old, new) = (&before.grades.customers[i], &after.grades.customers[i]);
        for field in after.fields.iter() {
            let (from, to) = (field.computed(old), field.computed(new));
            if from != to {
                out.push(Move {
                    id: customer.id.clone(),
                    field: field.name(),
                    from: from.map(str::to_owned),
                    to: to.map(str::to_owned),
                    from_reason: before.reason(i, field).to_string(),
                    to_reason: after.reason(i, field).to_string(),
                });
            }
        }
    }
    out
}

/// How many customers hold each value of a grade, before and after.
fn tallies(
    before: &Assessment<'_>,
    after: &Assessment<'_>,
) -> BTreeMap<&'static str, BTreeMap<String, (usize, usize)>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, (usize, usize)>> = BTreeMap::new();
    for field in after.fields.iter() {
        let counts = out.entry(field.name()).or_default();
        for (old, new) in before.grades.customers.iter().zip(&after.grades.customers) {
            let key = |v: Option<&str>| v.unwrap_or(NONE).to_owned();
            counts.entry(key(field.computed(old))).or_default().0 += 1;
            counts.entry(key(field.computed(new))).or_default().1 += 1;
        }
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    as_of: Date,
    rules_from: &'a str,
    fields: Vec<&'static str>,
    customers: usize,
    moved_customers: usize,
    counts: BTreeMap<&'static str, BTreeMap<String, Count>>,
    moves: &'a [Move],
}

#[derive(Serialize)]
struct Count {
    before: usize,
    after: usize,
}

/// Renders the comparison in `format`.
pub fn render(
    before: &Assessment<'_>,
    after: &Assessment<'_>,
    rev: &str,
    as_of: Date,
    format: Format,
    color: bool,
) -> Result<String, String> {
    let moves = moves(before, after);
    let moved_customers = {
        let mut ids: Vec<&str> = moves.iter().map(|m| m.id.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    match format {
        Format::Json => {
            let counts = tallies(before, after)
                .into_iter()
                .map(|(field, values)| {
                    let values = values
                        .into_iter()
                        .map(|(v, (before, after))| (v, Count { before, after }))
                        .collect();
                    (field, values)
                })
                .collect();
            let document = Document {
                schema: crate::render::SCHEMA_IMPACT,
                as_of,
                rules_from: rev,
                fields: after.fields.names(),
                customers: after.customers.len(),
                moved_customers,
                counts,
                moves: &moves,
            };
            let mut text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
            text.push('\n');
            Ok(text)
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let mut write = || -> Result<Vec<u8>, csv::Error> {
                writer.write_record(["id", "field", "from", "to", "from_reason", "to_reason"])?;
                for m in &moves {
                    writer.write_record([
                        csv_safe(&m.id).as_ref(),
                        m.field,
                        m.from.as_deref().unwrap_or_default(),
                        m.to.as_deref().unwrap_or_default(),
                        &m.from_reason,
                        &m.to_reason,
                    ])?;
                }
                writer.flush()?;
                Ok(writer.get_ref().clone())
            };
            let bytes = write().map_err(|e| e.to_string())?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        Format::Table | Format::Markdown => {
            let style = if format == Format::Markdown {
                Style::Markdown
            } else {
                Style::Table { color }
            };
            let header = vec!["id", "field", "before", "now", "reason now"];
            let rows = moves
                .iter()
                .map(|m| {
                    let row = vec![
                        m.id.clone(),
                        m.field.to_owned(),
                        m.from.clone().unwrap_or_else(|| NONE.to_owned()),
                        m.to.clone().unwrap_or_else(|| NONE.to_owned()),
                        m.to_reason.clone(),
                    ];
                    (row, "regrade")
                })
                .collect();
            let mut summary = if moves.is_empty() {
                format!(
                    "No grade of the {} customers changes between kehu.toml at {rev} and now.",
                    after.customers.len()
                )
            } else {
                format!(
                    "{} grade{} of {moved_customers} customer{} change between kehu.toml at {rev} and now ({} customers).",
                    moves.len(),
                    if moves.len() == 1 { "" } else { "s" },
                    if moved_customers == 1 { "" } else { "s" },
                    after.customers.len()
                )
            };
            for (field, values) in tallies(before, after) {
                let changed: Vec<String> = values
                    .iter()
                    .filter(|(_, (b, a))| b != a)
                    .map(|(v, (b, a))| format!("{v} {b} → {a}"))
                    .collect();
                if !changed.is_empty() {
                    summary.push_str(&format!("\n{field}: {}", changed.join(", ")));
                }
            }
            let listing = Listing {
                header,
                rows,
                summary,
            };
            Ok(listing.render(style))
        }
    }
}
