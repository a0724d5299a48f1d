//! Pipeline grades A–E: how soon the open deal (or a won customer's next
//! order) is expected to close (issue 5, item 4).
//!
//! With `d` = `expected_close` and thresholds in months (kehu.toml
//! `[pipeline]`, 1 / 3 / 6 by default):
//!
//! - stage `lost` or `churned` → **E** (no need);
//! - no `expected_close`: a `won` customer has no next order expected → **E**;
//!   an open deal (lead … negotiation, or any other stage) → **D** (later,
//!   date unknown);
//! - `d` ≤ as-of + `a_months` → **A** (a date already past counts here: the
//!   deal is overdue and needs the closest follow-up);
//! - `d` ≤ as-of + `b_months` → **B**; `d` ≤ as-of + `c_months` → **C**;
//! - later → **D**.
//!
//! Months are calendar months (2026-01-31 + 1 month = 2026-02-28).

use std::fmt;

use kehu_core::Date;
use serde::Serialize;

/// The month thresholds for A, B and C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipelineThresholds {
    /// A: expected within this many months.
    pub a_months: u32,
    /// B: within this many months.
    pub b_months: u32,
    /// C: within this many months.
    pub c_months: u32,
}

impl Default for PipelineThresholds {
    fn default() -> Self {
        PipelineThresholds {
            a_months: 1,
            b_months: 3,
            c_months: 6,
        }
    }
}

/// A pipeline grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PipelineGrade {
    /// Closes within a month.
    A,
    /// Within three months.
    B,
    /// Within six months.
    C,
    /// Later.
    D,
    /// Never (lost, or no need).
    E,
}

impl PipelineGrade {
    /// `"A"` … `"E"`, as stored in `[grade] pipeline`.
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineGrade::A => "A",
            PipelineGrade::B => "B",
            PipelineGrade::C => "C",
            PipelineGrade::D => "D",
            PipelineGrade::E => "E",
        }
    }

    /// Parses `"A"` … `"E"`.
    pub fn parse(text: &str) -> Option<PipelineGrade> {
        match text {
            "A" => Some(PipelineGrade::A),
            "B" => Some(PipelineGrade::B),
            "C" => Some(PipelineGrade::C),
            "D" => Some(PipelineGrade::D),
            "E" => Some(PipelineGrade::E),
            _ => None,
        }
    }
}

/// A customer's pipeline grade and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PipelineGradeResult {
    /// The grade.
    pub grade: PipelineGrade,
    /// Why, in words when displayed: "expected_close 2026-12-10 within 1 month of 2026-11-22".
    pub reason: PipelineReason,
}

/// The figures behind a pipeline grade, put into words only when displayed
/// or serialized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PipelineReason {
    /// Stage `lost` or `churned`.
    Closed {
        /// The stage.
        stage: &'static str,
    },
    /// A won customer with no next order expected.
    WonNoNext,
    /// An open deal without `expected_close`.
    Undated {
        /// The stage.
        stage: String,
    },
    /// The expected close has passed.
    Passed {
        /// Whether this is a won customer's next order.
        won: bool,
        /// The expected date.
        close: Date,
        /// Days since it.
        days_ago: i64,
    },
    /// The expected close is within `months` of the as-of date.
    Within {
        /// Whether this is a won customer's next order.
        won: bool,
        /// The expected date.
        close: Date,
        /// The threshold met.
        months: u32,
        /// The as-of date.
        as_of: Date,
    },
    /// The expected close is later than the last threshold.
    Later {
        /// Whether this is a won customer's next order.
        won: bool,
        /// The expected date.
        close: Date,
        /// The C threshold.
        months: u32,
        /// The as-of date.
        as_of: Date,
    },
}

impl fmt::Display for PipelineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = |won: bool| {
            if won {
                "next order expected"
            } else {
                "expected_close"
            }
        };
        match self {
            PipelineReason::Closed { stage } => write!(f, "stage {stage}"),
            PipelineReason::WonNoNext => f.write_str("won, no next order expected"),
            PipelineReason::Undated { stage } => write!(f, "stage {stage} without expected_close"),
            PipelineReason::Passed {
                won,
                close,
                days_ago,
            } => write!(f, "{} {close} passed {days_ago} d ago", what(*won)),
            PipelineReason::Within {
                won,
                close,
                months,
                as_of,
            } => write!(
                f,
                "{} {close} within {} of {as_of}",
                what(*won),
                months_word(*months)
            ),
            PipelineReason::Later {
                won,
                close,
                months,
                as_of,
            } => write!(
                f,
                "{} {close} later than {} after {as_of}",
                what(*won),
                months_word(*months)
            ),
        }
    }
}

impl Serialize for PipelineReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn months_word(m: u32) -> String {
    if m == 1 {
        "1 month".to_string()
    } else {
        format!("{m} months")
    }
}

/// Grades one customer from its stage and expected close.
pub fn grade(
    stage: &str,
    expected_close: Option<Date>,
    as_of: Date,
    thresholds: PipelineThresholds,
) -> PipelineGradeResult {
    let result = |grade, reason| PipelineGradeResult { grade, reason };
    match stage {
        "lost" => return result(PipelineGrade::E, PipelineReason::Closed { stage: "lost" }),
        "churned" => {
            return result(
                PipelineGrade::E,
                PipelineReason::Closed { stage: "churned" },
            );
        }
        _ => {}
    }
    let won = stage == "won";
    let Some(close) = expected_close else {
        return if won {
            result(PipelineGrade::E, PipelineReason::WonNoNext)
        } else {
            result(
                PipelineGrade::D,
                PipelineReason::Undated {
                    stage: stage.to_owned(),
                },
            )
        };
    };
    if close < as_of {
        return result(
            PipelineGrade::A,
            PipelineReason::Passed {
                won,
                close,
                days_ago: close.days_until(as_of),
            },
        );
    }
    let cut = |months: u32| {
        as_of
            .0
            .checked_add_months(chrono::Months::new(months))
            .map(Date)
    };
    for (grade, months) in [
        (PipelineGrade::A, thresholds.a_months),
        (PipelineGrade::B, thresholds.b_months),
        (PipelineGrade::C, thresholds.c_months),
    ] {
        if cut(months).is_none_or(|limit| close <= limit) {
            return result(
                grade,
                PipelineReason::Within {
                    won,
                    close,
                    months,
                    as_of,
                },
            );
        }
    }
    result(
        PipelineGrade::D,
        PipelineReason::Later {
            won,
            close,
            months: thresholds.c_months,
            as_of,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn g(stage: &str, close: Option<&str>) -> PipelineGrade {
        grade(
            stage,
            close.map(d),
            d("2026-01-31"),
            PipelineThresholds::default(),
        )
        .grade
    }

    #[test]
    fn grades_by_calendar_months() {
        use PipelineGrade::*;
        assert_eq!(g("proposal", Some("2026-02-28")), A);
        assert_eq!(g("proposal", Some("2026-03-01")), B);
        assert_eq!(g("proposal", Some("2026-04-30")), B);
        assert_eq!(g("proposal", Some("2026-05-01")), C);
        assert_eq!(g("proposal", Some("2026-07-31")), C);
        assert_eq!(g("proposal", Some("2026-08-01")), D);
        assert_eq!(g("negotiation", Some("2025-12-01")), A);
        assert_eq!(g("won", Some("2026-02-10")), A);
    }

    #[test]
    fn terminal_and_undated_stages() {
        use PipelineGrade::*;
        assert_eq!(g("lost", Some("2026-02-01")), E);
        assert_eq!(g("churned", None), E);
        assert_eq!(g("won", None), E);
        assert_eq!(g("lead", None), D);
    }

    #[test]
    fn reasons_in_words() {
        let r = grade(
            "proposal",
            Some(d("2026-12-10")),
            d("2026-11-22"),
            PipelineThresholds::default(),
        );
        assert_eq!(
            r.reason.to_string(),
            "expected_close 2026-12-10 within 1 month of 2026-11-22"
        );
        let r = grade(
            "won",
            Some(d("2026-11-02")),
            d("2026-11-22"),
            PipelineThresholds::default(),
        );
        assert_eq!(
            r.reason.to_string(),
            "next order expected 2026-11-02 passed 20 d ago"
        );
    }
}
