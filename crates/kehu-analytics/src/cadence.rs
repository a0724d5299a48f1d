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

use std::fmt;

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

/// The cadence chosen for a customer, with its sources. Displayed, it is
/// the reason in words: "pipeline B every 7 d (max 14); tier strategic every
/// 14 d (max 30); stricter: every 7 d (max 14)".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CadenceChoice<'a> {
    /// The cadence in force.
    pub cadence: Cadence,
    /// The pipeline grade's cadence, labelled with the grade.
    pub grade: Option<(&'a str, Cadence)>,
    /// The tier's cadence, labelled with the tier.
    pub tier: Option<(&'a str, Cadence)>,
    /// The customer's own cadence, which overrides both.
    pub own: Option<Cadence>,
}

struct Every(Cadence);

impl fmt::Display for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "every {} d (max {})", self.0.ideal, self.0.max)
    }
}

impl fmt::Display for CadenceChoice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.own {
            return write!(f, "set in the customer's file: {}", Every(c));
        }
        match (self.grade, self.tier) {
            (Some((g, gc)), Some((t, tc))) => write!(
                f,
                "pipeline {g} {}; tier {t} {}; stricter: {}",
                Every(gc),
                Every(tc),
                Every(self.cadence)
            ),
            (Some((g, gc)), None) => write!(f, "pipeline {g} {}", Every(gc)),
            (None, Some((t, tc))) => write!(f, "tier {t} {}", Every(tc)),
            (None, None) => write!(f, "{}", Every(self.cadence)),
        }
    }
}

impl Serialize for CadenceChoice<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Words<'b, 'a>(&'b CadenceChoice<'a>);
        impl Serialize for Words<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self.0)
            }
        }
        let mut st = serializer.serialize_struct("CadenceChoice", 2)?;
        st.serialize_field("cadence", &self.cadence)?;
        st.serialize_field("reason", &Words(self))?;
        st.end()
    }
}

/// Chooses a customer's cadence from its pipeline grade's cadence, its
/// tier's cadence and its own override (each optional, labelled with the
/// grade or tier name for the reason). `None` when there is no source at all.
pub fn choose<'a>(
    grade: Option<(&'a str, Cadence)>,
    tier: Option<(&'a str, Cadence)>,
    own: Option<Cadence>,
) -> Option<CadenceChoice<'a>> {
    let cadence = match (own, grade, tier) {
        (Some(c), _, _) => c,
        (None, Some((_, g)), Some((_, t))) => stricter(g, t),
        (None, Some((_, c)), None) | (None, None, Some((_, c))) => c,
        (None, None, None) => return None,
    };
    Some(CadenceChoice {
        cadence,
        grade,
        tier,
        own,
    })
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
            c.to_string(),
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
