//! The reporting period: an ISO week or a range of days, both ends
//! inclusive, and the previous period of the same length.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde::Serialize;

use crate::args::PeriodArg;

/// A period of whole days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-W47`, or `2026-11-01..2026-11-30`.
    pub label: String,
    /// The first day.
    pub since: Date,
    /// The last day.
    pub until: Date,
}

/// `day` moved by `days` days (the same day if that leaves the calendar).
pub fn shift(day: Date, days: i64) -> Date {
    day.0
        .checked_add_signed(TimeDelta::days(days))
        .map_or(day, Date)
}

fn iso_label(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

fn parse_week(text: &str) -> Option<NaiveDate> {
    let (year, week) = text.split_once("-W").or_else(|| text.split_once("-w"))?;
    let year: i32 = year.parse().ok()?;
    let week: u32 = week.parse().ok()?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
}

impl Period {
    /// The period asked for, as of `as_of`: no period reaches past it.
    pub fn resolve(arg: &PeriodArg, as_of: Date) -> Result<Period, PluginError> {
        let period = match arg {
            PeriodArg::Default => {
                let monday =
                    as_of.0 - TimeDelta::days(i64::from(as_of.0.weekday().num_days_from_monday()));
                Period {
                    label: iso_label(as_of.0),
                    since: Date(monday),
                    until: as_of,
                }
            }
            PeriodArg::Week(text) => {
                let monday = parse_week(text).ok_or_else(|| {
                    PluginError::Usage(format!(
                        "`--week {text}`: expected an ISO week such as 2026-W47"
                    ))
                })?;
                let sunday = Date(monday + TimeDelta::days(6));
                Period {
                    label: iso_label(monday),
                    since: Date(monday),
                    until: sunday.min(as_of),
                }
            }
            PeriodArg::Range(since, until) => {
                let until = until.unwrap_or(as_of);
                let since = since.unwrap_or_else(|| shift(until, -6));
                Period {
                    label: format!("{since}..{until}"),
                    since,
                    until,
                }
            }
        };
        if period.since > period.until {
            return Err(PluginError::Usage(format!(
                "the period {} starts after it ends ({} > {}; the book is as of {as_of})",
                period.label, period.since, period.until
            )));
        }
        Ok(period)
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        self.since.days_until(self.until) + 1
    }

    /// The day whose closing book is the period's starting point.
    pub fn start_day(&self) -> Date {
        shift(self.since, -1)
    }

    /// The first day of the previous period of the same length.
    pub fn previous_since(&self) -> Date {
        shift(self.since, -self.days())
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.since <= day && day <= self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn weeks_ranges_and_default() {
        let p = Period::resolve(&PeriodArg::Default, d("2026-11-22")).unwrap();
        assert_eq!(
            (p.label.as_str(), p.since, p.until),
            ("2026-W47", d("2026-11-16"), d("2026-11-22"))
        );
        assert_eq!(p.days(), 7);
        assert_eq!(p.start_day(), d("2026-11-15"));
        assert_eq!(p.previous_since(), d("2026-11-09"));
        let p = Period::resolve(&PeriodArg::Default, d("2026-11-18")).unwrap();
        assert_eq!((p.since, p.until), (d("2026-11-16"), d("2026-11-18")));
        let p = Period::resolve(&PeriodArg::Week("2026-W01".into()), d("2026-11-22")).unwrap();
        assert_eq!((p.since, p.until), (d("2025-12-29"), d("2026-01-04")));
        assert_eq!(p.label, "2026-W01");
        assert!(Period::resolve(&PeriodArg::Week("2026-W60".into()), d("2026-11-22")).is_err());
        assert!(Period::resolve(&PeriodArg::Week("2026-W48".into()), d("2026-11-22")).is_err());
        let p = Period::resolve(
            &PeriodArg::Range(None, Some(d("2026-11-10"))),
            d("2026-11-22"),
        )
        .unwrap();
        assert_eq!((p.since, p.days()), (d("2026-11-04"), 7));
        assert!(p.contains(d("2026-11-04")) && !p.contains(d("2026-11-11")));
    }
}
