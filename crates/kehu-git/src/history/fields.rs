//! Field-level changes: a customer file parsed with `toml`, flattened to
//! dotted keys (`grade.tier`), and two such maps compared.

use std::collections::BTreeMap;

use super::records::FieldChange;

/// A customer file as dotted key → value (arrays stay whole: `grade.pinned`).
pub type Fields = BTreeMap<String, serde_json::Value>;

/// Parses and flattens a customer file; `Err` when it is not valid TOML.
///
/// Uses the `toml` crate's borrowed document parser (no serde round trip):
/// history parses two blobs per changed file, so this is the hot path of
/// `kehu log`.
pub fn flatten(bytes: &[u8]) -> Result<Fields, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table = toml::de::DeTable::parse(text).map_err(|e| e.to_string())?;
    let mut out = Fields::new();
    flatten_de(table.get_ref(), "", &mut out)?;
    Ok(out)
}

fn flatten_de(table: &toml::de::DeTable<'_>, prefix: &str, out: &mut Fields) -> Result<(), String> {
    for (key, value) in table.iter() {
        let key: &str = key.get_ref();
        let field = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => flatten_de(inner, &field, out)?,
            other => {
                let json = de_to_json(other)?;
                out.insert(field, json);
            }
        }
    }
    Ok(())
}

pub(crate) fn de_to_json(value: &toml::de::DeValue<'_>) -> Result<serde_json::Value, String> {
    use toml::de::DeValue;
    Ok(match value {
        DeValue::String(s) => serde_json::Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let parsed = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map_err(|e| format!("integer `{i}`: {e}"))?;
            serde_json::Value::from(parsed)
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            let parsed: f64 = text.parse().map_err(|e| format!("float `{text}`: {e}"))?;
            serde_json::Number::from_f64(parsed)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(text))
        }
        DeValue::Boolean(b) => serde_json::Value::Bool(*b),
        DeValue::Datetime(d) => serde_json::Value::String(d.to_string()),
        DeValue::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| de_to_json(item.get_ref()))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => {
            let mut map = serde_json::Map::new();
            for (k, v) in table.iter() {
                map.insert(k.get_ref().to_string(), de_to_json(v.get_ref())?);
            }
            serde_json::Value::Object(map)
        }
    })
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

    /// A TOML value as JSON; dates become their `YYYY-MM-DD` text.
    fn to_json(value: &toml::Value) -> serde_json::Value {
        match value {
            toml::Value::String(s) => serde_json::Value::String(s.clone()),
            toml::Value::Integer(i) => serde_json::Value::from(*i),
            toml::Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(f.to_string())),
            toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
            toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
            toml::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(to_json).collect())
            }
            toml::Value::Table(table) => serde_json::Value::Object(
                table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect(),
            ),
        }
    }

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
        assert!(flatten(b"a = 1\na = 2\n").is_err());
        let odd =
            flatten(b"n = 0x1F\nbig = 1_000\nf = 1_000.5\ninf = inf\ndotted.key = true\n").unwrap();
        assert_eq!(odd["n"], json!(31));
        assert_eq!(odd["big"], json!(1000));
        assert_eq!(odd["f"], json!(1000.5));
        assert_eq!(odd["inf"], json!("inf"));
        assert_eq!(odd["dotted.key"], json!(true));
        // The same as the serde route for an ordinary file.
        let text = "id = \"a\"\n[metrics]\nrevenue_12m = 1250000.0\norders_total = 57\nlast_order = 2026-10-28\n";
        let table: toml::Table = toml::from_str(text).unwrap();
        let via_serde: Fields = table
            .iter()
            .flat_map(|(k, v)| match v {
                toml::Value::Table(t) => t
                    .iter()
                    .map(|(k2, v2)| (format!("{k}.{k2}"), to_json(v2)))
                    .collect::<Vec<_>>(),
                other => vec![(k.clone(), to_json(other))],
            })
            .collect();
        assert_eq!(flatten(text.as_bytes()).unwrap(), via_serde);
    }
}
