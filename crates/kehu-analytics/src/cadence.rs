//! Follow-up cadence (issue 7, item 1): how often a customer should be
//! contacted, and whether it is due or overdue.
//!
//! Each customer has an *ideal* and a *maximum* interval in days. Sources:
//!
//! - its pipeline grade (kehu.toml `[cadence]`: A 1, B 7, C 15, D 30, E 365
//!   days ideal; the maximum is twice the ideal, see `Cadence::days`);
//! - its value tier (`[[tiers]] cadence = { ideal = 14, max = 30 }`).
//!
//! The stricter wins, ideal and maximum each taken as the smaller of the two
//! ([`choose`]). A cadence set in the customer's own file overrides both.
//!
//! Status on a day ([`follow_up`]), with `days` = days since the last
//! contact: **due** once `days ≥ ideal`, **overdue** once `days > max`. A
//! customer never contacted is overdue.

use kehu_core::Date;
use serde::Serialize;

/// An ideal and a maximum interval between follow-ups, in days (the type
/// kehu.toml's `[cadence]` and `[[tiers]] cadence` read into).
pub use kehu_core::config::Cadence;

/// The stricter of two cadences: the smaller ideal and the smaller maximum.
pub fn stricter(one: Cadence, other: Cadence) -> Cadence {
    Cadence {
        ideal: one.ideal.min(other.ideal),
        max: one.max.min(other.max),
    }
}

/// The cadence chosen for a customer, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CadenceChoice {
    /// The cadence in force.
    pub cadence: Cadence,
    /// Why: "pipeline B every 7 d (max 14); tier strategic every 14 d (max 30); stricter: every 7 d (max 14)".
    pub reason: String,
}

fn describe(c: Cadence) -> String {
    format!("every {} d (max {})", c.ideal, c.max)
}

/// Chooses a customer's cadence from its pipeline grade's cadence, its
/// tier's cadence and its own override (each optional, labelled with the
/// grade or tier name for the reason). `None` when there is no source at all.
pub fn choose(
    grade: Option<(&str, Cadence)>,
    tier: Option<(&str, Cadence)>,
    own: Option<Cadence>,
) -> Option<CadenceChoice> {
    if let Some(c) = own {
        return Some(CadenceChoice {
            cadence: c,
            reason: format!("set in the customer's file: {}", describe(c)),
        });
    }
    match (grade, tier) {
        (None, None) => None,
        (Some((name, c)), None) => Some(CadenceChoice {
            cadence: c,
            reason: format!("pipeline {name} {}", describe(c)),
        }),
        (None, Some((name, c))) => Some(CadenceChoice {
            cadence: c,
            reason: format!("tier {name} {}", describe(c)),
        }),
        (Some((g, gc)), Some((t, tc))) => {
            let c = stricter(gc, tc);
            Some(CadenceChoice {
                cadence: c,
                reason: format!(
                    "pipeline {g} {}; tier {t} {}; stricter: {}",
                    describe(gc),
                    describe(tc),
                    describe(c)
                ),
            })
        }
    }
}

/// Where a customer stands against its cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FollowUpStatus {
    /// Contacted within the ideal interval.
    NotDue,
    /// Past the ideal interval.
    Due,
    /// Past the maximum interval, or never contacted.
    Overdue,
}

/// A customer's follow-up state on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    /// Due, overdue or neither.
    pub status: FollowUpStatus,
    /// Days since the last contact; `None` if never contacted.
    pub days_since: Option<i64>,
    /// The day the customer becomes due (last contact + ideal).
    pub due_on: Option<Date>,
    /// The first day the customer is overdue (last contact + max + 1).
    pub overdue_on: Option<Date>,
}

/// The follow-up state of a customer with `cadence`, last contacted on
/// `last_contact`, as of a day.
pub fn follow_up(cadence: Cadence, last_contact: Option<Date>, as_of: Date) -> FollowUp {
    let Some(last) = last_contact else {
        return FollowUp {
            status: FollowUpStatus::Overdue,
            days_since: None,
            due_on: None,
            overdue_on: None,
        };
    };
    let days = last.days_until(as_of);
    let status = if days > i64::from(cadence.max) {
        FollowUpStatus::Overdue
    } else if days >= i64::from(cadence.ideal) {
        FollowUpStatus::Due
    } else {
        FollowUpStatus::NotDue
    };
    let plus = |n: i64| {
        last.0
            .checked_add_signed(chrono::TimeDelta::days(n))
            .map(Date)
    };
    FollowUp {
        status,
        days_since: Some(days),
        due_on: plus(i64::from(cadence.ideal)),
        overdue_on: plus(i64::from(cadence.max) + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stricter_wins_component_wise() {
        let grade = Cadence::days(30);
        let tier = Cadence { ideal: 14, max: 90 };
        let c = choose(Some(("D", grade)), Some(("strategic", tier)), None).unwrap();
        assert_eq!(c.cadence, Cadence { ideal: 14, max: 60 });
        assert_eq!(
            c.reason,
            "pipeline D every 30 d (max 60); tier strategic every 14 d (max 90); \
             stricter: every 14 d (max 60)"
        );
        let own = Cadence { ideal: 3, max: 5 };
        assert_eq!(
            choose(Some(("D", grade)), None, Some(own)).unwrap().cadence,
            own
        );
        assert_eq!(choose(None, None, None), None);
    }

    #[test]
    fn due_at_ideal_overdue_past_max() {
        let c = Cadence { ideal: 7, max: 14 };
        let last = Date::from_ymd(2026, 11, 1).unwrap();
        let on = |d| follow_up(c, Some(last), Date::from_ymd(2026, 11, d).unwrap());
        assert_eq!(on(7).status, FollowUpStatus::NotDue);
        assert_eq!(on(8).status, FollowUpStatus::Due);
        assert_eq!(on(15).status, FollowUpStatus::Due);
        assert_eq!(on(16).status, FollowUpStatus::Overdue);
        assert_eq!(on(16).due_on, Date::from_ymd(2026, 11, 8));
        assert_eq!(on(16).overdue_on, Date::from_ymd(2026, 11, 16));
        let never = follow_up(c, None, last);
        assert_eq!(never.status, FollowUpStatus::Overdue);
    }
}
