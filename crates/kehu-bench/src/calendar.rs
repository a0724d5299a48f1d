//! The generators' calendar: the fixed as-of day and day arithmetic.

use chrono::{Days, NaiveDate};

/// The reference day of every generated book: nothing in a book happened
/// after it, and pipeline grades are measured from it.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
}

/// The day `days` before `date` (the date itself when that underflows).
pub fn days_before(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_sub_days(Days::new(days.max(0) as u64))
        .unwrap_or(date)
}

/// The day `days` after `date` (the date itself when that overflows).
pub fn days_after(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(date)
}

/// Whole days from `earlier` to `later`.
pub fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    (later - earlier).num_days()
}

/// Seconds since the Unix epoch of `date` at `seconds` past midnight UTC.
pub fn epoch_seconds(date: NaiveDate, seconds: u32) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|midnight| midnight.and_utc().timestamp())
        .unwrap_or(0)
        + i64::from(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_arithmetic() {
        let day = as_of();
        assert_eq!(day.to_string(), "2026-11-20");
        assert_eq!(days_before(day, 20).to_string(), "2026-10-31");
        assert_eq!(days_after(day, 11).to_string(), "2026-12-01");
        assert_eq!(days_between(days_before(day, 5), day), 5);
        assert_eq!(epoch_seconds(day, 0), 1_795_132_800);
    }
}
