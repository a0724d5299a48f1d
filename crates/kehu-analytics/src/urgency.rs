//! Urgency of a follow-up (issue 7, item 3): a single number to sort the
//! agenda by, with its terms for `kehu agenda --explain`.
//!
//! ```text
//! past    = days_since_contact − ideal                (negative: not yet due)
//! step    = step_days  when days_since_contact > max, else 0
//! urgency = weight × (past + step)
//! ```
//!
//! `weight` is the tier weight (kehu.toml `[[tiers]] weight`), so a day late
//! on a strategic customer (weight 8) counts eight times a day late on a
//! small one (weight 1). The step makes crossing the maximum interval a jump
//! rather than one more day. A customer never contacted is taken as one day
//! past its maximum (`days_since_contact = max + 1`). Sort by urgency
//! descending, ties by customer id ascending ([`order`]).

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::cadence::Cadence;
use kehu_core::expr::format_number;

/// The step added at the maximum interval when the caller has no setting.
pub const DEFAULT_STEP_DAYS: u32 = 30;

/// An urgency score and its terms. Displayed, it is the reason in words
/// (`kehu agenda --explain`): "20 d since contact, 6 d past ideal 14,
/// × weight 8 = 48"; serialized, it carries every term and that `reason`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Urgency {
    /// The score (higher first).
    pub score: f64,
    /// Days since the last contact used (max + 1 when never contacted).
    pub days_since: i64,
    /// Whether the customer was never contacted.
    pub never_contacted: bool,
    /// The cadence scored against.
    pub cadence: Cadence,
    /// Days past the ideal interval (negative before it).
    pub past_ideal: i64,
    /// Whether the maximum interval is passed, adding the step.
    pub past_max: bool,
    /// The tier weight.
    pub weight: f64,
    /// The step in days added past the maximum.
    pub step_days: u32,
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.never_contacted {
            write!(f, "never contacted (taken as {} d)", self.days_since)?;
        } else {
            write!(f, "{} d since contact", self.days_since)?;
        }
        write!(
            f,
            ", {} d past ideal {}",
            self.past_ideal, self.cadence.ideal
        )?;
        if self.past_max {
            write!(
                f,
                " + {} d step past max {}",
                self.step_days, self.cadence.max
            )?;
        }
        write!(
            f,
            ", × weight {} = {}",
            format_number(self.weight),
            format_number(self.score)
        )
    }
}

impl Serialize for Urgency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Words<'a>(&'a Urgency);
        impl Serialize for Words<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self.0)
            }
        }
        let mut st = serializer.serialize_struct("Urgency", 9)?;
        st.serialize_field("score", &self.score)?;
        st.serialize_field("days_since", &self.days_since)?;
        st.serialize_field("never_contacted", &self.never_contacted)?;
        st.serialize_field("cadence", &self.cadence)?;
        st.serialize_field("past_ideal", &self.past_ideal)?;
        st.serialize_field("past_max", &self.past_max)?;
        st.serialize_field("weight", &self.weight)?;
        st.serialize_field("step_days", &self.step_days)?;
        st.serialize_field("reason", &Words(self))?;
        st.end()
    }
}

/// Scores one customer.
pub fn urgency(
    cadence: Cadence,
    days_since_contact: Option<i64>,
    weight: f64,
    step_days: u32,
) -> Urgency {
    let never = days_since_contact.is_none();
    let days = days_since_contact.unwrap_or(i64::from(cadence.max) + 1);
    let past_ideal = days - i64::from(cadence.ideal);
    let past_max = days > i64::from(cadence.max);
    let step = if past_max { i64::from(step_days) } else { 0 };
    Urgency {
        score: weight * (past_ideal + step) as f64,
        days_since: days,
        never_contacted: never,
        cadence,
        past_ideal,
        past_max,
        weight,
        step_days,
    }
}

/// The agenda order: higher urgency first, ties by id ascending.
pub fn order(a: (&Urgency, &str), b: (&Urgency, &str)) -> Ordering {
    b.0.score.total_cmp(&a.0.score).then_with(|| a.1.cmp(b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_and_step() {
        let c = Cadence { ideal: 14, max: 30 };
        let u = urgency(c, Some(20), 8.0, 30);
        assert_eq!(u.score, 48.0);
        assert_eq!(
            u.to_string(),
            "20 d since contact, 6 d past ideal 14, × weight 8 = 48"
        );
        let u = urgency(c, Some(31), 8.0, 30);
        assert_eq!(u.score, 8.0 * 47.0);
        assert!(u.past_max);
        let u = urgency(c, Some(30), 8.0, 30);
        assert_eq!(u.score, 8.0 * 16.0);
        let u = urgency(c, None, 1.0, 30);
        assert_eq!((u.days_since, u.score), (31, 47.0));
        let u = urgency(c, Some(10), 2.0, 30);
        assert_eq!(u.score, -8.0);
    }

    #[test]
    fn orders_by_score_then_id() {
        let c = Cadence { ideal: 7, max: 14 };
        let hi = urgency(c, Some(20), 4.0, 30);
        let lo = urgency(c, Some(8), 1.0, 30);
        let mut v = [(&lo, "a"), (&hi, "z"), (&lo, "b")];
        v.sort_by(|a, b| order(*a, *b));
        let ids: Vec<_> = v.iter().map(|x| x.1).collect();
        assert_eq!(ids, vec!["z", "a", "b"]);
    }

    #[test]
    fn serializes_terms_and_reason() {
        let u = urgency(Cadence { ideal: 7, max: 14 }, Some(20), 2.0, 30);
        let v = serde_json::to_value(u).unwrap();
        assert_eq!(v["score"], 86.0);
        assert_eq!(
            v["reason"],
            "20 d since contact, 13 d past ideal 7 + 30 d step past max 14, × weight 2 = 86"
        );
    }
}
