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
//!
//! An array of tables (`[[plan.people]]` blocks) is one field holding the
//! whole array, as the full parse flattens it: its raw text is the lines of
//! all its blocks, and only when those differ are the blocks parsed.

use std::collections::BTreeSet;

use super::fields::de_to_json;
use super::pack::FastMap;
use super::records::FieldChange;

/// A field's raw text on one side.
#[derive(PartialEq, Eq)]
enum Raw<'a> {
    /// The text after `=` (comment included).
    Value(&'a str),
    /// An array of tables: each block's key lines, trimmed.
    Tables(Vec<Vec<&'a str>>),
}

/// A field as its table and last key (`("grade", "tier")`, `("", "id")`):
/// keys are bare, so the pair names one dotted field, without building it.
type Key<'a> = (&'a str, &'a str);

/// One side of a file: each field's raw text.
type Lines<'a> = FastMap<Key<'a>, Raw<'a>>;

/// A field's dotted name.
fn dotted((table, key): Key<'_>) -> String {
    if table.is_empty() {
        key.to_owned()
    } else {
        format!("{table}.{key}")
    }
}

/// An array of tables' name as a field.
fn array_key(name: &str) -> Key<'_> {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// Whether `text` holds three `quote`s in a row (a multi-line string).
fn triple(text: &str, quote: u8) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == quote && w[1] == quote && w[2] == quote)
}

fn bare_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A header's dotted name (`plan.people`), if every part is a bare key.
fn header_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.is_empty() && name.split('.').all(bare_key)).then_some(name)
}

/// Whether a value's text is one the scan is sure ends on its line.
fn single_line(value: &str) -> bool {
    let count = |b: u8| value.bytes().filter(|&x| x == b).count();
    !(value.is_empty()
        || triple(value, b'"')
        || triple(value, b'\'')
        || value.starts_with('{')
        || value.starts_with('[') && count(b'[') != count(b']'))
}

/// Scans a file into dotted keys and raw values; `None` for anything not
/// flat enough to be sure of.
fn scan(bytes: &[u8]) -> Option<Lines<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Lines::with_capacity_and_hasher(64, Default::default());
    let mut tables: BTreeSet<&str> = BTreeSet::new();
    let mut arrays: BTreeSet<&str> = BTreeSet::new();
    let mut table: &str = "";
    // The array of tables whose block the lines are in, if any.
    let mut array: Option<&str> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("[[") {
            let close = rest.find("]]")?;
            let name = header_name(&rest[..close])?;
            let after = rest[close + 2..].trim_start();
            if !(after.is_empty() || after.starts_with('#')) || tables.contains(name) {
                return None;
            }
            arrays.insert(name);
            match out
                .entry(array_key(name))
                .or_insert_with(|| Raw::Tables(Vec::new()))
            {
                Raw::Tables(blocks) => blocks.push(Vec::new()),
                Raw::Value(_) => return None,
            }
            array = Some(name);
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let close = rest.find(']')?;
            let name = header_name(&rest[..close])?;
            let after = rest[close + 1..].trim_start();
            if !(after.is_empty() || after.starts_with('#')) || !tables.insert(name) {
                return None;
            }
            table = name;
            array = None;
            continue;
        }
        let eq = line.find('=')?;
        let key = line[..eq].trim();
        let value = line[eq + 1..].trim();
        if !bare_key(key) || !single_line(value) {
            return None;
        }
        if let Some(name) = array {
            let Some(Raw::Tables(blocks)) = out.get_mut(&array_key(name)) else {
                return None;
            };
            let block = blocks.last_mut()?;
            // A key twice in one block: the whole parse says what is wrong.
            let twice = block
                .iter()
                .any(|l| l.split('=').next().map(str::trim) == Some(key));
            if twice {
                return None;
            }
            block.push(line);
            continue;
        }
        if out.insert((table, key), Raw::Value(value)).is_some() {
            return None;
        }
    }
    // A table inside or named like an array of tables, or an array inside
    // one, is not flat: the whole parse decides.
    let nested = |name: &str| {
        arrays.iter().any(|a| {
            name.strip_prefix(a)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    };
    if tables.iter().any(|t| nested(t))
        || arrays.iter().any(|a| {
            arrays
                .iter()
                .any(|b| a != b && a.strip_prefix(b).is_some_and(|r| r.starts_with('.')))
        })
    {
        return None;
    }
    Some(out)
}

/// Parses one field's raw text (`"x"  # note`, `[1, 2]`, the blocks of an
/// array of tables) into JSON.
fn value(raw: &Raw<'_>) -> Option<serde_json::Value> {
    let doc = match raw {
        Raw::Value(text) => format!("v = {text}\n"),
        Raw::Tables(blocks) => {
            let mut doc = String::new();
            for block in blocks {
                doc.push_str("[[v]]\n");
                for line in block {
                    doc.push_str(line);
                    doc.push('\n');
                }
            }
            doc
        }
    };
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
    let a = old.map(scan).unwrap_or_else(|| Some(Lines::default()))?;
    let b = new.map(scan).unwrap_or_else(|| Some(Lines::default()))?;
    let wanted = |key: Key<'_>| want.is_none_or(|set| set.contains(&dotted(key)));
    let mut out = Vec::new();
    for (key, old_raw) in &a {
        let new_raw = b.get(key);
        if new_raw == Some(old_raw) || !wanted(*key) {
            continue;
        }
        let old_value = value(old_raw)?;
        let new_value = match new_raw {
            Some(raw) => Some(value(raw)?),
            None => None,
        };
        if new_value.as_ref() != Some(&old_value) {
            out.push(FieldChange {
                field: dotted(*key),
                old: Some(old_value),
                new: new_value,
            });
        }
    }
    for (key, new_raw) in &b {
        if a.contains_key(key) || !wanted(*key) {
            continue;
        }
        out.push(FieldChange {
            field: dotted(*key),
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

    const PLAN: &str = "\n[plan]\ngoals = \"Grow\"\n\n[[plan.people]]\nname = \"Mei\"\nrole = \"CFO\" # buys\n\n[[plan.people]]\nname = \"Ann\"\n\n[[plan.actions]]\nwhat = \"Review\"\ndue = 2026-10-21\n";

    #[test]
    fn arrays_of_tables_agree_with_the_whole_file_parse() {
        let base = format!("{BASE}{PLAN}");
        let edits: Vec<(&str, &str)> = vec![
            ("role = \"CFO\" # buys", "role = \"CEO\""),
            ("role = \"CFO\" # buys", "role = \"CFO\" # signs"),
            ("name = \"Ann\"\n", "name = \"Ann\"\nrole = \"IT\"\n"),
            ("[[plan.people]]\nname = \"Ann\"\n", ""),
            (
                "due = 2026-10-21\n",
                "due = 2026-10-21\ndone = 2026-10-13\n",
            ),
            ("[[plan.actions]]", "[[ plan.actions ]] # open"),
            ("goals = \"Grow\"", "goals = \"Hold\""),
            ("tier = \"strategic\"", "tier = \"key\""),
            (
                "\n[[plan.actions]]",
                "\n[[plan.people]]\nname = \"Bo\"\n[[plan.actions]]",
            ),
        ];
        for (from, to) in edits {
            let new = base.replacen(from, to, 1);
            assert_ne!(new, base, "{from}");
            let quick = diff(Some(base.as_bytes()), Some(new.as_bytes()), None);
            assert_eq!(quick, Some(full(base.as_bytes(), new.as_bytes())), "{to}");
        }
        // The blocks of an array may be apart; a file without the plan.
        let apart = format!(
            "{BASE}\n[[plan.people]]\nname = \"A\"\n[extra]\nx = 1\n[[plan.people]]\nname = \"B\"\n"
        );
        for (old, new) in [
            (BASE.to_owned(), base.clone()),
            (base.clone(), apart.clone()),
        ] {
            let quick = diff(Some(old.as_bytes()), Some(new.as_bytes()), None);
            assert_eq!(quick, Some(full(old.as_bytes(), new.as_bytes())));
        }
        // Not flat enough: a table inside an array's element, an array
        // named like a table or a key, a key twice in one block.
        for odd in [
            "[[plan.people]]\nname = \"A\"\n[plan.people.phone]\nx = 1\n",
            "[grade.pinned]\nx = 1\n[[grade.pinned]]\n",
            "[[grade]]\nx = 1\n",
            "[[grade.pinned]]\nx = 1\n",
            "[[plan.people]]\nname = \"A\"\nname = \"B\"\n",
            "[[plan.people]]\n[[plan.people.x]]\n",
            "[[plan.people] ]\n",
        ] {
            let text = format!("{base}{odd}");
            assert!(scan(text.as_bytes()).is_none(), "{odd}");
        }
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
