//! Calendar dates as the book stores them: TOML local dates (`2026-11-18`).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date with no time and no zone.
///
/// It deserializes from a TOML local date (`since = 2023-04-01`) and from a
/// `YYYY-MM-DD` string (JSON, CSV), and serializes as that string, so the same
/// model crosses the plugin boundary as JSON unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// Builds a date from its parts; `None` when the parts name no real day.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date)
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date (expected YYYY-MM-DD)")]
pub struct DateParseError(pub String);

impl FromStr for Date {
    type Err = DateParseError;

    fn from_str(text: &str) -> Result<Date, DateParseError> {
        // Fast path for the canonical `YYYY-MM-DD` (every date a book or the
        // plugin JSON holds); chrono's format parser handles the rest.
        let trimmed = text.trim();
        let b = trimmed.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            b[range].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
        {
            return Date::from_ymd(y as i32, m, d).ok_or_else(|| DateParseError(text.to_owned()));
        }
        NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| DateParseError(text.to_owned()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        // Same text as chrono's `%Y-%m-%d` for years 0..=9999, without
        // parsing a format string per date (a book holds hundreds of
        // thousands of them).
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}-{month:02}-{day:02}")
        } else {
            write!(f, "{}", self.0.format("%Y-%m-%d"))
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        deserializer.deserialize_any(DateVisitor)
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a local date such as 2026-11-18")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Date, E> {
        text.parse().map_err(E::custom)
    }

    // The `toml` crate hands datetimes to serde as a one-entry map holding the
    // datetime's text; accept it only when it is a plain local date.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
        let Some((_key, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("empty datetime"));
        };
        let value: toml::value::Datetime = text.parse().map_err(de::Error::custom)?;
        match (value.date, value.time, value.offset) {
            (Some(d), None, None) => {
                Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| de::Error::custom(format!("`{value}` is not a real day")))
            }
            _ => Err(de::Error::custom(format!(
                "`{value}` is a date-time; expected a plain date such as 2026-11-18"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        day: Date,
    }

    #[test]
    fn reads_toml_local_dates_and_json_strings() {
        let from_toml: Holder = toml::from_str("day = 2026-11-18").unwrap();
        let from_json: Holder = serde_json::from_str(r#"{"day":"2026-11-18"}"#).unwrap();
        assert_eq!(from_toml.day, from_json.day);
        assert_eq!(from_toml.day.to_string(), "2026-11-18");
    }

    #[test]
    fn the_fast_paths_agree_with_chrono() {
        for text in ["2026-11-18", "0001-01-01", "9999-12-31", "2024-02-29"] {
            let date: Date = text.parse().unwrap();
            assert_eq!(date.to_string(), text);
            assert_eq!(date.0, NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap());
        }
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "20x6-01-01",
            "2026/01/01",
            "",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert_eq!(
            " 2026-1-5 ".parse::<Date>().unwrap().to_string(),
            "2026-01-05"
        );
        let far = Date(NaiveDate::from_ymd_opt(12345, 1, 2).unwrap());
        assert_eq!(far.to_string(), far.0.format("%Y-%m-%d").to_string());
    }

    #[test]
    fn refuses_datetimes_and_impossible_days() {
        assert!(toml::from_str::<Holder>("day = 2026-11-18T10:00:00Z").is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"day":"2026-02-30"}"#).is_err());
    }
}
