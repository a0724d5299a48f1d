//! `kehu import customers FILE.csv [--map column=field …]`: customers from a
//! CRM export.
//!
//! - A column fills the field of the same name (case-insensitive; spaces and
//!   `-` read as `_`; dotted names such as `metrics.revenue_12m` allowed).
//!   `--map COLUMN=FIELD` maps a column to a field, `--map COLUMN=` ignores
//!   it. Mapping to a field a customer file does not have is an error; other
//!   unmapped columns are ignored and listed in the summary.
//! - One column must fill `id`. Ids follow the file-stem rule; an id twice
//!   in the file is an error on its second line.
//! - Cells are type-checked (dates, money, counts, scores 1..5, probabilities
//!   0..1) and every bad cell is reported with its line; a bad row is neither
//!   created nor updated.
//! - An empty cell leaves the field as it is: exports often leave out what
//!   they do not know. Clearing a field is a hand edit.
//! - A customer the book has gets an edit for each field that changes; one
//!   it lacks is created whole, and then needs a name. Its stage is `lead`
//!   unless the file gives one.
//! - Delimiter, BOM, quoting and line numbers as for order CSVs; a
//!   `;`-separated file may use decimal commas.

use std::collections::HashMap;

use csv::{ByteRecord, ReaderBuilder};
use serde_json::Value;

use crate::{Changeset, Customer, FieldEdit};

use super::error::{ImportError, Problem, RowError, bad_row_count};
use super::fields::{FieldKind, field_kind, known_fields, parse_value};
use super::orders_csv::{LineCounter, detect_delimiter, normalise_header};
use super::values::parse_id;

/// The `--map COLUMN=FIELD` options, checked against the known fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// (column as given, field; `None` ignores the column).
    entries: Vec<(String, Option<String>)>,
}

impl ColumnMap {
    /// Parses `COLUMN=FIELD` options; `COLUMN=` ignores the column. A field
    /// that is not an importable customer field is an error.
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<ColumnMap, ImportError> {
        let mut entries = Vec::new();
        for spec in specs {
            let spec = spec.as_ref();
            let Some((column, field)) = spec.split_once('=') else {
                return Err(ImportError::BadMapping(spec.to_owned()));
            };
            let (column, field) = (column.trim(), field.trim());
            if column.is_empty() {
                return Err(ImportError::BadMapping(spec.to_owned()));
            }
            let field = if field.is_empty() {
                None
            } else if field_kind(field).is_some() {
                Some(field.to_owned())
            } else {
                return Err(ImportError::UnknownField {
                    column: column.to_owned(),
                    field: field.to_owned(),
                    known: known_fields(),
                });
            };
            entries.push((column.to_owned(), field));
        }
        Ok(ColumnMap { entries })
    }

    /// The mapping for a header cell, if an option names it.
    fn get(&self, normalised_header: &str) -> Option<&Option<String>> {
        self.entries
            .iter()
            .rev()
            .find(|(column, _)| normalise_header(column) == normalised_header)
            .map(|(_, field)| field)
    }
}

/// What a customers import read and would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomersSummary {
    /// Data rows read, good and bad.
    pub rows_read: usize,
    /// Customers to create.
    pub created: usize,
    /// Existing customers with at least one changed field.
    pub updated: usize,
    /// Existing customers the file leaves as they are.
    pub unchanged: usize,
    /// Bad rows (nothing done for them).
    pub bad_rows: usize,
    /// (column, field) for every column used, in header order.
    pub mapped: Vec<(String, String)>,
    /// Header columns that fill no field.
    pub ignored_columns: Vec<String>,
}

/// The result of a customers import: full new customers, edits for existing
/// ones, and every bad cell. The caller refuses when `errors` is not empty
/// unless `--skip-bad` is given.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomersImport {
    /// Customers the book lacks, in file order.
    pub creates: Vec<Customer>,
    /// Edits of changed fields of existing customers, in file order.
    pub updates: Changeset,
    /// Bad cells, in file order.
    pub errors: Vec<RowError>,
    /// Counts for the summary.
    pub summary: CustomersSummary,
}

/// Reads a value at a dotted path of a JSON object.
pub(crate) fn get_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |node, key| node.get(key))
}

/// Sets a value at a dotted path, creating objects on the way.
pub(crate) fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut node = value;
    let mut parts = path.split('.').peekable();
    while let Some(key) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = node else {
            return;
        };
        if parts.peek().is_none() {
            map.insert(key.to_owned(), new);
            return;
        }
        node = map.entry(key.to_owned()).or_insert(Value::Null);
    }
}

/// Where each field comes from.
struct Layout {
    id: usize,
    /// (column index, field, kind), id excluded.
    fields: Vec<(usize, String, FieldKind)>,
    names: Vec<String>,
}

/// Maps the header's columns to fields.
fn layout(header: &ByteRecord, map: &ColumnMap) -> Result<(Layout, CustomersSummary), ImportError> {
    let names: Vec<String> = header
        .iter()
        .map(|cell| String::from_utf8_lossy(cell).trim().to_owned())
        .collect();
    let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
    for (column, _) in &map.entries {
        if !normalised.contains(&normalise_header(column)) {
            return Err(ImportError::UnknownColumn {
                column: column.clone(),
                found: names.join(", "),
            });
        }
    }
    let mut summary = CustomersSummary::default();
    let mut by_field: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, header) in normalised.iter().enumerate() {
        let field = match map.get(header) {
            Some(mapped) => mapped.clone(),
            None => field_kind(header).map(|_| header.clone()),
        };
        match field {
            Some(field) => {
                summary.mapped.push((names[index].clone(), field.clone()));
                match by_field.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, columns)) => columns.push(index),
                    None => by_field.push((field, vec![index])),
                }
            }
            None => summary.ignored_columns.push(names[index].clone()),
        }
    }
    let mut id = None;
    let mut fields = Vec::new();
    for (field, columns) in by_field {
        if columns.len() > 1 {
            return Err(ImportError::AmbiguousColumn {
                role: field,
                columns: columns
                    .iter()
                    .map(|&i| format!("`{}`", names[i]))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let Some(kind) = field_kind(&field) else {
            continue;
        };
        if kind == FieldKind::Id {
            id = Some(columns[0]);
        } else {
            fields.push((columns[0], field, kind));
        }
    }
    let id = id.ok_or_else(|| ImportError::MissingColumn {
        role: "id",
        accepted: "id, or any column with --map COLUMN=id".to_owned(),
        found: names.join(", "),
    })?;
    Ok((Layout { id, fields, names }, summary))
}

/// Imports a customers CSV against the book.
pub fn import_customers<'a>(
    bytes: &[u8],
    map: &ColumnMap,
    book: impl IntoIterator<Item = &'a Customer>,
) -> Result<CustomersImport, ImportError> {
    let bytes = super::error::strip_bom(bytes)?;
    let delimiter = detect_delimiter(bytes);
    let decimal_comma = delimiter == b';';
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::BadHeader {
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    if header.iter().all(|cell| cell.trim_ascii().is_empty()) {
        return Err(ImportError::Empty);
    }
    let (layout, summary) = layout(&header, map)?;
    let book: HashMap<&str, &Customer> = book.into_iter().map(|c| (c.id.as_str(), c)).collect();
    let mut import = CustomersImport {
        creates: Vec::new(),
        updates: Changeset::default(),
        errors: Vec::new(),
        summary,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut lines = LineCounter::default();
    let mut record = ByteRecord::new();
    loop {
        let line = match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                    continue;
                }
                lines.line_at(bytes, record.position())
            }
            Err(error) => {
                import.summary.rows_read += 1;
                let line = lines.line_at(bytes, error.position());
                import.errors.push(RowError::new(
                    line,
                    "row",
                    Problem::Malformed(error.to_string()),
                ));
                continue;
            }
        };
        import.summary.rows_read += 1;
        let row = Row {
            record: &record,
            line,
            header_len: header.len(),
            decimal_comma,
        };
        match row.read(&layout, &mut seen) {
            Err(errors) => import.errors.extend(errors),
            Ok((id, values)) => match book.get(id.as_str()) {
                Some(existing) => import.update(existing, values, line),
                None => match new_customer(&id, values, line, &layout) {
                    Ok(customer) => {
                        import.summary.created += 1;
                        import.creates.push(customer);
                    }
                    Err(error) => import.errors.push(error),
                },
            },
        }
    }
    import.summary.bad_rows = bad_row_count(&import.errors);
    import.updates.subject = format!(
        "import: customers ({} new, {} updated)",
        import.summary.created, import.summary.updated
    );
    Ok(import)
}

/// A good row: its id and its non-empty typed values as (field, value).
type RowValues = (String, Vec<(String, Value)>);

/// One data row being read.
struct Row<'r> {
    record: &'r ByteRecord,
    line: u64,
    header_len: usize,
    decimal_comma: bool,
}

impl Row<'_> {
    /// The row's id and its non-empty typed values, or all its problems.
    fn read(
        &self,
        layout: &Layout,
        seen: &mut HashMap<String, u64>,
    ) -> Result<RowValues, Vec<RowError>> {
        let line = self.line;
        let mut errors = Vec::new();
        if self.record.len() > self.header_len {
            errors.push(RowError::new(
                line,
                "row",
                Problem::ExtraFields {
                    found: self.record.len(),
                    expected: self.header_len,
                },
            ));
        }
        let id_column = &layout.names[layout.id];
        let id = match self.cell(layout.id) {
            Err(problem) => Err(problem),
            Ok(None) => Err(Problem::Empty),
            Ok(Some(text)) => parse_id(text).map(str::to_owned),
        };
        let id = match id {
            Ok(id) => match seen.get(&id) {
                Some(&first_line) => {
                    errors.push(RowError::new(
                        line,
                        id_column.clone(),
                        Problem::DuplicateId { first_line },
                    ));
                    None
                }
                None => {
                    seen.insert(id.clone(), line);
                    Some(id)
                }
            },
            Err(problem) => {
                errors.push(RowError::new(line, id_column.clone(), problem));
                None
            }
        };
        let mut values = Vec::new();
        for (index, field, kind) in &layout.fields {
            let parsed = self.cell(*index).and_then(|text| {
                text.map(|text| parse_value(*kind, text, self.decimal_comma))
                    .transpose()
            });
            match parsed {
                Ok(Some(value)) => values.push((field.clone(), value)),
                Ok(None) => {}
                Err(problem) => {
                    errors.push(RowError::new(line, layout.names[*index].clone(), problem))
                }
            }
        }
        match id {
            Some(id) if errors.is_empty() => Ok((id, values)),
            _ => Err(errors),
        }
    }

    /// A cell's text; `None` when empty or past the row's end (left as is).
    fn cell(&self, index: usize) -> Result<Option<&str>, Problem> {
        match self.record.get(index) {
            None => Ok(None),
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) if text.trim().is_empty() => Ok(None),
                Ok(text) => Ok(Some(text)),
                Err(_) => Err(Problem::NotUtf8),
            },
        }
    }
}

impl CustomersImport {
    /// Adds edits for the fields of `existing` that `values` change.
    fn update(&mut self, existing: &Customer, values: Vec<(String, Value)>, line: u64) {
        let current = serde_json::to_value(existing).unwrap_or(Value::Null);
        let before = self.updates.edits.len();
        for (field, value) in values {
            if get_path(&current, &field) != Some(&value) {
                self.updates.edits.push(FieldEdit {
                    customer: existing.id.clone(),
                    field,
                    value,
                    reason: format!("customers import, line {line}"),
                });
            }
        }
        if self.updates.edits.len() > before {
            self.summary.updated += 1;
        } else {
            self.summary.unchanged += 1;
        }
    }
}

/// Builds a new customer from a row's values.
fn new_customer(
    id: &str,
    values: Vec<(String, Value)>,
    line: u64,
    layout: &Layout,
) -> Result<Customer, RowError> {
    let name_column = || {
        layout
            .fields
            .iter()
            .find(|(_, field, _)| field == "name")
            .map_or_else(|| "name".to_owned(), |(i, _, _)| layout.names[*i].clone())
    };
    if !values.iter().any(|(field, _)| field == "name") {
        return Err(RowError::new(line, name_column(), Problem::NameRequired));
    }
    let base = Customer {
        id: id.to_owned(),
        stage: "lead".into(),
        ..Customer::default()
    };
    let mut json = serde_json::to_value(base).unwrap_or(Value::Null);
    for (field, value) in values {
        set_path(&mut json, &field, value);
    }
    serde_json::from_value(json)
        .map_err(|e| RowError::new(line, "row", Problem::Malformed(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_and_write() {
        let mut json = serde_json::json!({"id": "acme", "metrics": {}});
        set_path(&mut json, "metrics.revenue_12m", Value::from(1.5));
        set_path(&mut json, "grade.tier", Value::from("key"));
        set_path(&mut json, "name", Value::from("ACME"));
        assert_eq!(
            get_path(&json, "metrics.revenue_12m"),
            Some(&Value::from(1.5))
        );
        assert_eq!(get_path(&json, "grade.tier"), Some(&Value::from("key")));
        assert_eq!(get_path(&json, "name"), Some(&Value::from("ACME")));
        assert_eq!(get_path(&json, "grade.abc"), None);
    }

    #[test]
    fn map_options() {
        let map =
            ColumnMap::parse(&["Firma=name", " Umsatz = metrics.revenue_12m", "intern="]).unwrap();
        assert_eq!(map.get("firma"), Some(&Some("name".to_owned())));
        assert_eq!(map.get("intern"), Some(&None));
        assert_eq!(map.get("other"), None);
        assert!(matches!(
            ColumnMap::parse(&["x=metrics.revenue"]),
            Err(ImportError::UnknownField { .. })
        ));
        assert!(matches!(
            ColumnMap::parse(&["name"]),
            Err(ImportError::BadMapping(_))
        ));
        assert!(matches!(
            ColumnMap::parse(&["=name"]),
            Err(ImportError::BadMapping(_))
        ));
    }
}
