//! Loading `kehu.toml` with diagnostics: syntax and type errors with their
//! place, unknown keys (warned, never fatal), and the consistency of the
//! policy itself (tiers, owners, thresholds).

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::diag::{Diagnostic, Pos};
use crate::{source, spans};

mod rules;
mod service_rules;

/// The policy file's path relative to the book root.
pub const CONFIG_FILE: &str = "kehu.toml";

/// What reading `kehu.toml` produced.
#[derive(Clone, Debug)]
pub struct ConfigReport {
    /// The policy, unless the file could not be read as one (syntax or type
    /// errors); warnings and consistency errors still yield a config.
    pub config: Option<Config>,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigReport {
    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks the bytes of `kehu.toml`.
pub fn parse_config(bytes: &[u8]) -> ConfigReport {
    let text = match source::decode(CONFIG_FILE, bytes) {
        Ok(text) => text,
        Err(diagnostics) => {
            return ConfigReport {
                config: None,
                diagnostics,
            };
        }
    };
    let markers = source::conflict_markers(CONFIG_FILE, text);
    if !markers.is_empty() {
        return ConfigReport {
            config: None,
            diagnostics: markers,
        };
    }
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let mut diagnostics: Vec<Diagnostic> = syntax
            .iter()
            .map(|err| {
                let placed = crate::customer_file::place_syntax_error(text, err);
                let d = Diagnostic::error(CONFIG_FILE, "toml-syntax", placed.message)
                    .at(placed.offset.map(|at| Pos::of_offset(text, at)));
                match placed.field {
                    Some(field) => d.field(field),
                    None => d,
                }
            })
            .collect();
        crate::diag::sort(&mut diagnostics);
        return ConfigReport {
            config: None,
            diagnostics,
        };
    }
    let doc = doc.get_ref();
    let controls = control_characters(text, doc);
    if !controls.is_empty() {
        return ConfigReport {
            config: None,
            diagnostics: controls,
        };
    }
    let mut config: Config = match toml::from_str(text) {
        Ok(config) => config,
        Err(err) => {
            let span = err.span();
            let field = span
                .as_ref()
                .and_then(|s| spans::path_at(doc, s.start))
                .map(|p| display_path(&p.split('.').collect::<Vec<_>>()));
            let mut d = Diagnostic::error(CONFIG_FILE, "wrong-type", err.message().trim())
                .at(span.map(|s| Pos::of_offset(text, s.start)));
            if let Some(field) = field {
                d = d.field(field);
            }
            return ConfigReport {
                config: None,
                diagnostics: vec![d],
            };
        }
    };
    // `extra` holds what kehu does not know; a table literally named
    // `[extra]` is one of those, not the field itself.
    config.extra.clear();
    let mut check = Checker {
        text,
        doc,
        diagnostics: Vec::new(),
    };
    check.unknown_keys(&mut config);
    check.consistency(&config);
    check.service(&config);
    let mut diagnostics = check.diagnostics;
    crate::diag::sort(&mut diagnostics);
    ConfigReport {
        config: Some(config),
        diagnostics,
    }
}

/// One error per string in kehu.toml holding a control character (a TOML
/// escape such as `\u001b`): owner, tier and region names reach every table
/// kehu prints, and terminal escape codes must not. Such a kehu.toml is not
/// used.
fn control_characters(text: &str, doc: &DeTable<'_>) -> Vec<Diagnostic> {
    fn visit(value: &toml::Spanned<DeValue<'_>>, found: &mut Vec<Range<usize>>) {
        match value.get_ref() {
            DeValue::String(s) if s.chars().any(crate::validate::is_forbidden_control) => {
                found.push(value.span());
            }
            DeValue::Array(items) => items.iter().for_each(|v| visit(v, found)),
            DeValue::Table(table) => table.values().for_each(|v| visit(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for value in doc.values() {
        visit(value, &mut found);
    }
    found
        .into_iter()
        .map(|span| {
            let d = Diagnostic::error(
                CONFIG_FILE,
                "control-character",
                "a string holds control characters (terminal escape codes?)",
            )
            .at(Some(Pos::of_offset(text, span.start)));
            match spans::path_at(doc, span.start) {
                Some(path) => d.field(display_path(&path.split('.').collect::<Vec<_>>())),
                None => d,
            }
        })
        .collect()
}

struct Checker<'a, 'i> {
    text: &'a str,
    doc: &'a DeTable<'i>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_, '_> {
    fn pos(&self, span: Option<Range<usize>>) -> Option<Pos> {
        span.map(|s| Pos::of_offset(self.text, s.start))
    }

    fn value_pos(&self, path: &[&str]) -> Option<Pos> {
        self.pos(spans::value_span(self.doc, path))
    }

    fn push(&mut self, d: Diagnostic, path: &[&str]) {
        let pos = self.value_pos(path);
        self.diagnostics.push(d.at(pos).field(display_path(path)));
    }

    fn error(&mut self, path: &[&str], code: &'static str, message: String) {
        self.push(Diagnostic::error(CONFIG_FILE, code, message), path);
    }

    fn warning(&mut self, path: &[&str], code: &'static str, message: String) {
        self.push(Diagnostic::warning(CONFIG_FILE, code, message), path);
    }

    /// Keys present in the file that the typed config does not hold: warned
    /// inside known sections; unknown top-level tables go to `extra`.
    fn unknown_keys(&mut self, config: &mut Config) {
        let known = serde_json::to_value(&*config).unwrap_or_default();
        let mut extra_names = Vec::new();
        for (key, value) in self.doc.iter() {
            let name = key.get_ref().as_ref();
            match known.get(name) {
                Some(known_value) if name != "extra" => {
                    let mut path = vec![name.to_owned()];
                    self.unknown_in(value.get_ref(), known_value, &mut path);
                }
                _ => {
                    if !value.get_ref().is_table() {
                        self.diagnostics.push(
                            Diagnostic::warning(
                                CONFIG_FILE,
                                "unknown-key",
                                format!("unknown key `{name}` (kept for plugins)"),
                            )
                            .at(self.pos(Some(key.span())))
                            .field(name),
                        );
                    }
                    extra_names.push(name.to_owned());
                }
            }
        }
        if extra_names.is_empty() {
            return;
        }
        if let Ok(mut table) = toml::from_str::<toml::Table>(self.text) {
            for name in extra_names {
                if let Some(value) = table.remove(&name) {
                    config.extra.insert(name, toml_to_json(value));
                }
            }
        }
    }

    fn unknown_in(
        &mut self,
        value: &toml::de::DeValue<'_>,
        known: &serde_json::Value,
        path: &mut Vec<String>,
    ) {
        use toml::de::DeValue;
        match (value, known) {
            (DeValue::Table(table), serde_json::Value::Object(fields)) => {
                for (key, item) in table.iter() {
                    let name = key.get_ref().as_ref();
                    path.push(name.to_owned());
                    match fields.get(name) {
                        Some(known_item) => self.unknown_in(item.get_ref(), known_item, path),
                        None => {
                            let shown = display_owned(path);
                            self.diagnostics.push(
                                Diagnostic::warning(
                                    CONFIG_FILE,
                                    "unknown-key",
                                    format!("unknown key `{name}` (ignored)"),
                                )
                                .at(self.pos(Some(key.span())))
                                .field(shown),
                            );
                        }
                    }
                    path.pop();
                }
            }
            (DeValue::Array(items), serde_json::Value::Array(known_items)) => {
                for (index, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                    path.push(index.to_string());
                    self.unknown_in(item.get_ref(), known_item, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// `unknown tier "gold" (kehu.toml defines strategic, key, ordinary, small)`.
pub(crate) fn unknown_tier_message(name: &str, config: &Config) -> String {
    format!(
        "unknown tier \"{name}\" (kehu.toml defines {}){}",
        config.tier_names(),
        crate::suggest::hint(name, config.tiers.iter().map(|t| t.name.as_str()))
    )
}

/// Map keys joined for messages.
pub(crate) fn keys(map: &BTreeMap<String, String>) -> String {
    map.keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `tiers.1.name` → `tiers[1].name`.
fn display_path(path: &[&str]) -> String {
    let mut out = String::new();
    for segment in path {
        if segment.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push('[');
            out.push_str(segment);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

fn display_owned(path: &[String]) -> String {
    let borrowed: Vec<&str> = path.iter().map(String::as_str).collect();
    display_path(&borrowed)
}

/// A TOML value as JSON, dates and times as their TOML text.
fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The diagnostics of a kehu.toml text, as printed.
    pub(crate) fn report(text: &str) -> Vec<String> {
        parse_config(text.as_bytes())
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_template_is_clean() {
        let r = parse_config(include_bytes!("../../../templates/kehu.toml"));
        assert_eq!(r.diagnostics, []);
        assert!(r.config.is_some());
    }

    #[test]
    fn syntax_error_has_its_place() {
        assert_eq!(
            report("[book]\nname = \"x\nx"),
            [
                "kehu.toml:2:10: error: invalid basic string, expected `\"`",
                "kehu.toml:3:2: error: key with no value, expected `=`",
            ]
        );
    }

    #[test]
    fn a_key_too_deep_for_the_parser_is_placed_on_its_line() {
        let text = format!("[book]\nname = \"x\"\n\nrfm{} = 1\n", ".a".repeat(3_000));
        let shown = report(&text);
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with("kehu.toml:4:1: error: rfm: recursion limit: the key `rfm.a.a"),
            "{shown:?}"
        );
    }

    #[test]
    fn control_characters_refuse_the_config() {
        let r = parse_config(b"[owners.alice]\nname = \"Alice\\u001b[2J\"\n");
        assert!(r.config.is_none());
        assert_eq!(
            r.diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "kehu.toml:2:8: error: owners.alice.name: a string holds control characters (terminal escape codes?)"
            ]
        );
    }

    #[test]
    fn conflict_markers_in_kehu_toml() {
        assert_eq!(
            report("[book]\n<<<<<<< ours\nname = \"a\"\n=======\nname = \"b\"\n>>>>>>> theirs\n"),
            [
                "kehu.toml:2:1: error: git conflict marker `<<<<<<<`; resolve the merge first",
                "kehu.toml:4:1: error: git conflict marker `=======`; resolve the merge first",
                "kehu.toml:6:1: error: git conflict marker `>>>>>>>`; resolve the merge first",
            ]
        );
    }

    #[test]
    fn wrong_type_names_the_field() {
        assert_eq!(
            report("[[tiers]]\nname = \"a\"\nweight = \"heavy\"\n"),
            [
                "kehu.toml:3:10: error: tiers[0].weight: invalid type: string \"heavy\", expected f64"
            ]
        );
    }

    #[test]
    fn empty_tier_list() {
        assert_eq!(
            report("tiers = []\n"),
            ["kehu.toml:1:9: error: tiers: no tiers defined; add at least one [[tiers]] table"]
        );
    }

    #[test]
    fn duplicate_tier_names() {
        assert_eq!(
            report(
                "[[tiers]]\nname = \"a\"\nwhen = \"revenue_12m > 1\"\n[[tiers]]\nname = \"a\"\n"
            ),
            ["kehu.toml:5:8: error: tiers[1].name: duplicate tier \"a\" (also tiers[0])"]
        );
    }

    #[test]
    fn unreachable_tier() {
        assert_eq!(
            report("[[tiers]]\nname = \"a\"\n[[tiers]]\nname = \"b\"\n"),
            [
                "kehu.toml:2:8: warning: tiers[0].name: tier \"a\" has no `when`, so every tier after it is unreachable"
            ]
        );
    }

    #[test]
    fn owner_with_unknown_tier_and_zero_capacity() {
        assert_eq!(
            report("[owners.bob]\ntiers = [\"gold\"]\ncapacity = 0\n"),
            [
                "kehu.toml:2:10: error: owners.bob.tiers[0]: unknown tier \"gold\" (kehu.toml defines strategic, key, ordinary, small)",
                "kehu.toml:3:12: warning: owners.bob.capacity: owner \"bob\" has capacity 0: no customer can be assigned",
            ]
        );
    }

    #[test]
    fn owner_with_unknown_region() {
        assert_eq!(
            report("[regions]\nnorth = \"N\"\n[owners.bob]\nregions = [\"south\"]\n"),
            [
                "kehu.toml:4:12: error: owners.bob.regions[0]: unknown region \"south\" (kehu.toml defines north)"
            ]
        );
    }

    #[test]
    fn unknown_keys_are_warned_and_plugin_tables_kept() {
        let text = "[book]\nnmae = \"x\"\n[myplugin]\nlimit = 3\nday = 2026-01-02\n";
        assert_eq!(
            report(text),
            ["kehu.toml:2:1: warning: book.nmae: unknown key `nmae` (ignored)"]
        );
        let config = parse_config(text.as_bytes()).config.unwrap();
        assert_eq!(
            config.extra["myplugin"],
            serde_json::json!({"limit": 3, "day": "2026-01-02"})
        );
        // Plugins get the config as JSON and must still see their section.
        let json = serde_json::to_string(&config).unwrap();
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back.extra, config.extra);
        let named_extra = parse_config(b"[extra]\nx = 1\n").config.unwrap();
        assert_eq!(named_extra.extra["extra"], serde_json::json!({"x": 1}));
    }

    #[test]
    fn tier_condition_errors_point_into_the_condition() {
        let text = "[[tiers]]\nname = \"big\"\nwhen = 'revenue_12m >= 10 and colour == \"red\"'\n[[tiers]]\nname = \"rest\"\n";
        assert_eq!(
            report(text),
            [
                "kehu.toml:3:31: error: tiers[0].when: in the condition of tier \"big\": unknown field `colour`"
            ]
        );
    }

    #[test]
    fn thresholds_out_of_order() {
        assert_eq!(
            report("[abc]\na = 0.9\nb = 0.8\n[cadence]\nA = { ideal = 5, max = 2 }\n"),
            [
                "kehu.toml:1:1: error: abc: need 0 < a < b <= 1, found a = 0.9 and b = 0.8",
                "kehu.toml:5:5: error: cadence.A: max 2 is shorter than ideal 5",
            ]
        );
    }

    #[test]
    fn no_truncation_or_byte_flip_makes_the_config_check_panic() {
        let template = include_bytes!("../../../templates/kehu.toml");
        for end in (0..=template.len()).step_by(7) {
            let report = parse_config(&template[..end]);
            assert!(report.config.is_some() || report.has_errors());
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        let interesting = b"\"'[]{}=#.\n\r\\\0\xff<>-0123456789e_ ";
        for _ in 0..600 {
            let mut bytes = template.to_vec();
            for _ in 0..1 + next() % 4 {
                let at = next() % bytes.len();
                if next() % 2 == 0 {
                    bytes[at] = interesting[next() % interesting.len()];
                } else {
                    bytes.remove(at);
                }
            }
            let report = parse_config(&bytes);
            assert!(report.diagnostics.iter().all(|d| d.path == CONFIG_FILE));
        }
    }
}
