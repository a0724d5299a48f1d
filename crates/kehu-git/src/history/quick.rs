//! The fast field diff: customer files are flat TOML with one value per
//! line, so two versions of a file differ in a few lines, and only the
//! values on those lines need parsing. Each side is scanned once (no TOML
//! parse, no allocation per unchanged line); a value is parsed only when its
//! text differs between the sides and the caller wants its field.
//!
//! Anything the scanner does not recognise as one of `[table]`,
//! `key = value` on one line, a comment or a blank line (a multi-line string
//! or array, an inline table, a quoted or dotted key, `[[arrays]]`, a
//! duplicate key) makes it give up, and the caller parses both files whole
//! ([`super::fields::flatten`]). A value that does not parse also gives up,
//! so an unparsable side is still reported as such.

use std::collections::{BTreeSet, HashMap};

use super::fields::de_to_json;
use super::records::FieldChange;

/// One side of a file: dotted key → the raw text after `=` (comment included).
type Lines<'a> = HashMap<String, &'a str>;

fn bare_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Scans a file into dotted keys and raw values; `None` for anything not
/// flat enough to be sure of.
fn scan(bytes: &[u8]) -> Option<Lines<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Lines::with_capacity(32);
    let mut tables: BTreeSet<&str> = BTreeSet::new();
    let mut table: &str = "";
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let close = rest.find(']')?;
            let name = rest[..close].trim();
            let after = rest[close + 1..].trim_start();
            if rest.starts_with('[') || !(after.is_empty() || after.starts_with('#')) {
                return None;
            }
            if name.is_empty() || !name.split('.').all(bare_key) || !tables.insert(name) {
                return None;
            }
            table = name;
            continue;
        }
        let eq = line.find('=')?;
        let key = line[..eq].trim();
        let value = line[eq + 1..].trim();
        if !bare_key(key) || value.is_empty() {
            return None;
        }
        if value.contains("\"\"\"") || value.contains("'''") || value.starts_with('{') {
            return None;
        }
        if value.starts_with('[') && value.matches('[').count() != value.matches(']').count() {
            return None;
        }
        let dotted = if table.is_empty() {
            key.to_owned()
        } else {
            format!("{table}.{key}")
        };
        if out.insert(dotted, value).is_some() {
            return None;
        }
    }
    Some(out)
}

/// Parses one raw value (`"x"  # note`, `[1, 2]`) into JSON.
fn value(raw: &str) -> Option<serde_json::Value> {
    let doc = format!("v = {raw}\n");
    let table = toml::de::DeTable::parse(&doc).ok()?;
    let (_, v) = table.get_ref().iter().next()?;
    if matches!(v.get_ref(), toml::de::DeValue::Table(_)) {
        return None;
    }
    de_to_json(v.get_ref()).ok()
}

/// The field changes between two versions of a customer file (either may
/// be absent), limited to `want` when given, sorted by field; `None` when
/// the files are not flat enough for the line scan and must be parsed whole.
pub(crate) fn diff(
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    want: Option<&BTreeSet<String>>,
) -> Option<Vec<FieldChange>> {
    let a = old.map(scan).unwrap_or(Some(Lines::new()))?;
    let b = new.map(scan).unwrap_or(Some(Lines::new()))?;
    let wanted = |key: &str| want.is_none_or(|set| set.contains(key));
    let mut out = Vec::new();
    for (key, old_raw) in &a {
        let new_raw = b.get(key).copied();
        if new_raw == Some(*old_raw) || !wanted(key) {
            continue;
        }
        let old_value = value(old_raw)?;
        let new_value = match new_raw {
            Some(raw) => Some(value(raw)?),
            None => None,
        };
        if new_value.as_ref() != Some(&old_value) {
            out.push(FieldChange {
                field: key.clone(),
                old: Some(old_value),
                new: new_value,
            });
        }
    }
    for (key, new_raw) in &b {
        if a.contains_key(key) || !wanted(key) {
            continue;
        }
        out.push(FieldChange {
            field: key.clone(),
            old: None,
            new: Some(value(new_raw)?),
        });
    }
    out.sort_by(|x, y| x.field.cmp(&y.field));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::fields::{Fields, diff_fields, flatten};
    use super::*;

    fn full(old: &[u8], new: &[u8]) -> Vec<FieldChange> {
        let parse = |b: &[u8]| flatten(b).unwrap_or_default();
        diff_fields(&parse(old), &parse(new))
    }

    const BASE: &str = "# customers/ac/acme.toml\nid = \"acme\"\nname = \"ACME \\\"Corp\\\"\"  # quoted\nsince = 2023-04-01\nstage = \"won\"\n\n[grade]\ntier = \"strategic\"\npinned = [\"tier\", \"abc\"]\n\n[metrics]\nrevenue_12m = 1250000.0\norders_total = 57\nsatisfaction = 4.5\n\n[contact]\nlast = 2026-11-18\nchannel = \"call\"\n";

    #[test]
    fn agrees_with_the_whole_file_parse() {
        let edits: Vec<(&str, &str)> = vec![
            ("tier = \"strategic\"", "tier = \"key\""),
            ("revenue_12m = 1250000.0", "revenue_12m = 1_250_000.0"),
            ("revenue_12m = 1250000.0", "revenue_12m = 1250000.0 # same"),
            ("orders_total = 57", "orders_total = 0x3A"),
            ("pinned = [\"tier\", \"abc\"]", "pinned = [\"tier\"]"),
            ("last = 2026-11-18\n", ""),
            ("stage = \"won\"\n", "stage = \"won\"\nregion = \"east\"\n"),
            ("[contact]", "[ contact ] # moved"),
            ("satisfaction = 4.5", "satisfaction = inf"),
        ];
        for (from, to) in edits {
            let new = BASE.replacen(from, to, 1);
            let quick = diff(Some(BASE.as_bytes()), Some(new.as_bytes()), None);
            assert_eq!(quick, Some(full(BASE.as_bytes(), new.as_bytes())), "{to}");
        }
        let added = diff(None, Some(BASE.as_bytes()), None).unwrap();
        assert_eq!(
            added,
            diff_fields(&Fields::new(), &flatten(BASE.as_bytes()).unwrap())
        );
        let removed = diff(Some(BASE.as_bytes()), None, None).unwrap();
        assert_eq!(
            removed,
            diff_fields(&flatten(BASE.as_bytes()).unwrap(), &Fields::new())
        );
    }

    #[test]
    fn narrows_to_the_wanted_fields() {
        let new = BASE
            .replace("tier = \"strategic\"", "tier = \"key\"")
            .replace("last = 2026-11-18", "last = 2026-11-19");
        let want: BTreeSet<String> = ["contact.last".to_owned()].into();
        let quick = diff(Some(BASE.as_bytes()), Some(new.as_bytes()), Some(&want)).unwrap();
        assert_eq!(quick.len(), 1);
        assert_eq!(quick[0].field, "contact.last");
    }

    #[test]
    fn gives_up_on_what_it_cannot_be_sure_of() {
        for odd in [
            "note = \"\"\"\nmulti\n\"\"\"\n",
            "pinned = [\n\"tier\",\n]\n",
            "grade.tier = \"key\"\n",
            "\"quoted key\" = 1\n",
            "inline = { a = 1 }\n",
            "[[orders]]\nx = 1\n",
            "id = \"a\"\nid = \"b\"\n",
            "[grade]\ntier = 1\n[grade]\nabc = 2\n",
            "broken = \n",
            "bad = \"unterminated\n",
        ] {
            let text = format!("{BASE}{odd}");
            let changed = text.replace("stage = \"won\"", "stage = \"lost\"");
            let quick = diff(Some(text.as_bytes()), Some(changed.as_bytes()), None);
            let both_valid = flatten(text.as_bytes()).is_ok();
            // Either the scan gave up, or (an unchanged bad line it never
            // parses aside) it agrees with the whole-file parse.
            if let Some(quick) = quick {
                assert!(both_valid || odd.starts_with("bad"), "{odd}");
                if both_valid {
                    assert_eq!(quick, full(text.as_bytes(), changed.as_bytes()), "{odd}");
                }
            }
        }
        assert!(diff(Some(b"x = \"a"), Some(b"x = \"b"), None).is_none());
        assert!(diff(Some(b"\xff = 1"), None, None).is_none());
    }
}
