//! Field-level changes: a customer file parsed with `toml`, flattened to
//! dotted keys (`grade.tier`), and two such maps compared.

use std::collections::BTreeMap;

use super::records::FieldChange;

/// A customer file as dotted key → value (arrays stay whole: `grade.pinned`).
pub type Fields = BTreeMap<String, serde_json::Value>;

/// Parses and flattens a customer file; `Err` when it is not valid TOML.
pub fn flatten(bytes: &[u8]) -> Result<Fields, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Fields::new();
    flatten_into(&table, "", &mut out);
    Ok(out)
}

fn flatten_into(table: &toml::Table, prefix: &str, out: &mut Fields) {
    for (key, value) in table {
        let field = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten_into(inner, &field, out),
            other => {
                out.insert(field, to_json(other));
            }
        }
    }
}

/// A TOML value as JSON; dates become their `YYYY-MM-DD` text.
pub fn to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| serde_json::Value::String(f.to_string())),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            serde_json::Value::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// The fields that differ between two flattened files, sorted by field.
pub fn diff_fields(old: &Fields, new: &Fields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for (field, old_value) in old {
        match new.get(field) {
            Some(new_value) if new_value == old_value => {}
            new_value => out.push(FieldChange {
                field: field.clone(),
                old: Some(old_value.clone()),
                new: new_value.cloned(),
            }),
        }
    }
    for (field, new_value) in new {
        if !old.contains_key(field) {
            out.push(FieldChange {
                field: field.clone(),
                old: None,
                new: Some(new_value.clone()),
            });
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// How alike two files are, 0..1: shared equal fields over all fields,
/// ignoring `id` and `name` (which a rename changes).
pub fn similarity(a: &Fields, b: &Fields) -> f64 {
    let ignore = |k: &str| k == "id";
    let keys: std::collections::BTreeSet<&String> =
        a.keys().chain(b.keys()).filter(|k| !ignore(k)).collect();
    if keys.is_empty() {
        return 0.0;
    }
    let same = keys.iter().filter(|k| a.get(**k) == b.get(**k)).count();
    same as f64 / keys.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_and_diffs() {
        let old = flatten(
            b"id = \"a\"\nsince = 2023-04-01\n[grade]\ntier = \"key\"\npinned = [\"tier\"]\n",
        )
        .unwrap();
        let new = flatten(b"\xef\xbb\xbfid = \"a\"\nsince = 2023-04-01\n[grade]\ntier = \"strategic\"\n[contact]\nlast = 2026-11-18\n").unwrap();
        assert_eq!(old["since"], json!("2023-04-01"));
        let changes = diff_fields(&old, &new);
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c.field.as_str(), c.old.clone(), c.new.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("contact.last", None, Some(json!("2026-11-18"))),
                ("grade.pinned", Some(json!(["tier"])), None),
                ("grade.tier", Some(json!("key")), Some(json!("strategic"))),
            ]
        );
        assert!(flatten(b"id = ").is_err());
    }
}
