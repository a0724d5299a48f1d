//! Writing an assessment in the four formats. Everything is in the book's
//! id order and field order, with no clock: the same book, commit and
//! `--as-of` give the same bytes.

mod csv_out;
mod json_out;
mod listing;

pub use csv_out::write_csv;
pub use json_out::SCHEMA;
pub use json_out::write_json;

/// The schema tag of `--rules-from` JSON.
pub const SCHEMA_IMPACT: &str = "kehu.classify-impact/1";
pub use listing::{Listing, Style};

/// A CSV cell a spreadsheet would run as a formula gets a leading `'`.
pub fn csv_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Money in cents as a JSON number in the book's currency.
pub fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}
