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
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| DateParseError(text.to_owned()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
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
    fn refuses_datetimes_and_impossible_days() {
        assert!(toml::from_str::<Holder>("day = 2026-11-18T10:00:00Z").is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"day":"2026-02-30"}"#).is_err());
    }
}
