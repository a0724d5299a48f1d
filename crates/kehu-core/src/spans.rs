//! Finding places in a parsed TOML document: the byte span of a dotted key's value,
//! and the dotted key that holds a byte offset (to name the field of a serde
//! error, which only knows the span).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The span of the value at `path` (table keys, or array indexes as decimal
/// strings), if present.
pub(crate) fn value_span(root: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let (_, value) = root.iter().find(|(k, _)| k.get_ref() == first)?;
    descend(value.get_ref(), value.span(), rest)
}

fn step<'a, 'i>(value: &'a DeValue<'i>, segment: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    match value {
        DeValue::Table(table) => table
            .iter()
            .find(|(k, _)| k.get_ref() == segment)
            .map(|(_, v)| v),
        DeValue::Array(array) => array.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

fn descend(value: &DeValue<'_>, span: Range<usize>, path: &[&str]) -> Option<Range<usize>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(span);
    };
    let next = step(value, first)?;
    descend(next.get_ref(), next.span(), rest)
}

/// The dotted path (`tiers.2.weight`) of the innermost key whose value span
/// contains `offset`, or `None` if no key does. (Table spans cover only their
/// headers, so every table is searched.)
pub(crate) fn path_at(root: &DeTable<'_>, offset: usize) -> Option<String> {
    let mut segments = Vec::new();
    if search_table(root, offset, &mut segments) {
        segments.reverse();
        Some(segments.join("."))
    } else {
        None
    }
}

fn search_table(table: &DeTable<'_>, offset: usize, out: &mut Vec<String>) -> bool {
    for (key, value) in table.iter() {
        if search_value(value, offset, out)
            || contains(&value.span(), offset)
            || contains(&key.span(), offset)
        {
            out.push(key.get_ref().to_string());
            return true;
        }
    }
    false
}

fn search_value(value: &Spanned<DeValue<'_>>, offset: usize, out: &mut Vec<String>) -> bool {
    match value.get_ref() {
        DeValue::Table(table) => search_table(table, offset, out),
        DeValue::Array(array) => {
            for (index, item) in array.iter().enumerate() {
                if search_value(item, offset, out) || contains(&item.span(), offset) {
                    out.push(index.to_string());
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && (offset < span.end || span.is_empty() && offset == span.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_keys_and_paths() {
        let text = "a = 1\n[[t]]\nname = \"x\"\n[[t]]\nname = \"y\"\nw = 3\n";
        let doc = DeTable::parse(text).unwrap();
        let doc = doc.get_ref();
        let span = value_span(doc, &["t", "1", "w"]).unwrap();
        assert_eq!(&text[span.clone()], "3");
        assert_eq!(path_at(doc, span.start).as_deref(), Some("t.1.w"));
        assert!(value_span(doc, &["t", "5"]).is_none());
    }
}
