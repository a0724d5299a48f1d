//! `kehu export`: every customer, flattened to one row each
//! (`grade.tier`, `metrics.revenue_12m` …), as CSV, JSON or JSON lines.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::cli::ExportArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::output::{Format, Table};
use crate::session;

/// The columns every export starts with, in the file's canonical order;
/// other keys follow alphabetically.
const LEADING: [&str; 8] = kehu_core::model::TOP_LEVEL_KEYS;

/// Prints the flattened book.
pub fn run(context: &mut Context, _args: ExportArgs) -> anyhow::Result<Outcome> {
    let format = context.format(Format::Csv, &[Format::Csv, Format::Json, Format::Jsonl])?;
    let book = session::load_for_reading(context)?;
    let rows: Vec<Map<String, Value>> = book
        .customers
        .iter()
        .map(|loaded| flatten(&loaded.customer))
        .collect::<anyhow::Result<_>>()?;

    let mut rest = BTreeSet::new();
    for row in &rows {
        rest.extend(
            row.keys()
                .filter(|k| !LEADING.contains(&k.as_str()))
                .cloned(),
        );
    }
    let columns: Vec<String> = LEADING.iter().map(|c| c.to_string()).chain(rest).collect();
    let mut table = Table::new(columns.clone());
    for row in &rows {
        table.push(
            columns
                .iter()
                .map(|c| row.get(c).cloned().unwrap_or(Value::Null)),
        );
    }
    table.write(&mut std::io::stdout().lock(), format, "customers", false)?;
    Ok(Outcome::Clean)
}

/// One customer as a flat map of dotted keys; lists are joined with `;`.
pub fn flatten(customer: &kehu_core::Customer) -> anyhow::Result<Map<String, Value>> {
    let mut out = Map::new();
    flatten_into(&serde_json::to_value(customer)?, "", &mut out);
    Ok(out)
}

fn flatten_into(value: &Value, prefix: &str, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(inner, &path, out);
            }
        }
        Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(crate::output::display).collect();
            out.insert(prefix.to_owned(), Value::from(joined.join(";")));
        }
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_tables_to_dotted_keys() {
        let mut customer = kehu_core::Customer {
            id: "acme".into(),
            ..Default::default()
        };
        customer.grade.tier = Some("key".into());
        customer.grade.pinned = vec!["tier".into(), "abc".into()];
        customer.metrics.revenue_12m = Some(12.5);
        let row = flatten(&customer).unwrap();
        assert_eq!(row["grade.tier"], "key");
        assert_eq!(row["grade.pinned"], "tier;abc");
        assert_eq!(row["metrics.revenue_12m"], 12.5);
    }
}
