//! The report as data: every figure every format prints. Serialized as the
//! JSON document (`"schema": "kehu.report/2"`); the other formats render
//! from this value, so they cannot disagree. Money is in the book's
//! currency (summed in integer cents); shares are in 0..1. Each section's
//! types live in its module under [`crate::sections`].

use kehu_analytics::calibration::GradeCheck;
use kehu_core::Date;
use serde::Serialize;

use crate::period::Period;
use crate::sections::contacts::ContactCount;
use crate::sections::followup::{AtRisk, Followups};
use crate::sections::funnel::Funnel;
use crate::sections::kpi::{Kpis, ParetoPoint};
use crate::sections::movements::{Migration, Movement, MovementCount};
use crate::sections::portfolio::Portfolio;

/// The JSON schema tag of the report.
pub const SCHEMA: &str = "kehu.report/2";

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The period reported.
    pub period: Period,
    /// The day whose closing book is the period's start (the day before it).
    pub start: Date,
    /// The first day of the previous period of the same length (revenue growth).
    pub previous_since: Date,
    /// The book's currency (kehu.toml `[book] currency`).
    pub currency: String,
    /// Headline figures.
    pub kpis: Kpis,
    /// Satisfaction and complaints per tier and owner, against targets.
    pub service: kehu_analytics::complaints::ServiceKpis,
    /// Customers per lifecycle stage at the start and end, and the moves.
    pub lifecycle: crate::sections::lifecycle::LifecycleSummary,
    /// The book by value tier, ABC class and RFM segment.
    pub portfolio: Portfolio,
    /// The Pareto curve: share of revenue held by the top share of customers.
    pub pareto: Vec<ParetoPoint>,
    /// Tier and pipeline upgrades and downgrades in the period, oldest first.
    pub movements: Vec<Movement>,
    /// The movements per day (a period of up to two weeks) or per week.
    pub movement_series: Vec<MovementCount>,
    /// Recorded tier at the start × at the end (`None` without history).
    pub migration: Option<Migration>,
    /// Contacts in the period by owner and channel.
    pub contacts: Vec<ContactCount>,
    /// Follow-ups overdue at the end of the period: how many, per owner,
    /// and the `--top` longest overdue.
    pub overdue: Followups,
    /// The customers most at risk at the end of the period.
    pub at_risk: Vec<AtRisk>,
    /// Customers per stage, stage transitions, conversion and days per stage.
    pub funnel: Funnel,
    /// Pipeline grades A, B, C against what happened within their promise
    /// (`None` unless `--calibrate` asked for it).
    pub calibration: Option<Vec<GradeCheck>>,
    /// What could not be computed and why.
    pub notes: Vec<String>,
}
