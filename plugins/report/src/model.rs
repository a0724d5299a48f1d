//! The report as data: every figure every format prints. Serialized as the
//! JSON document (`"schema": "kehu.report/1"`); the other formats render
//! from this value, so they cannot disagree. Money is in the book's
//! currency (summed in integer cents); shares are in 0..1.

use kehu_core::Date;
use serde::Serialize;

use crate::period::Period;

/// The JSON schema tag of the report.
pub const SCHEMA: &str = "kehu.report/1";

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The period reported.
    pub period: Period,
    /// The day whose closing book is the period's start (the day before it).
    pub start: Date,
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
    /// Recorded tier at the start × at the end (`None` without history).
    pub migration: Option<Migration>,
    /// Contacts in the period by owner and channel.
    pub contacts: Vec<ContactCount>,
    /// Follow-ups overdue at the end of the period, longest overdue first.
    pub overdue: Vec<Overdue>,
    /// The customers most at risk at the end of the period.
    pub at_risk: Vec<AtRisk>,
    /// Customers per stage and stage transitions.
    pub funnel: Funnel,
    /// What could not be computed and why.
    pub notes: Vec<String>,
}

/// Headline figures.
#[derive(Clone, Debug, Serialize)]
pub struct Kpis {
    /// Customers in the book at the end.
    pub customers: usize,
    /// Sum of revenue_12m at the end.
    pub revenue: f64,
    /// How many customers are the top 20% (rounded up).
    pub top20_customers: usize,
    /// Their share of revenue; `None` when revenue is zero.
    pub top20_share: Option<f64>,
    /// Mean satisfaction over customers with a survey score.
    pub satisfaction: Option<f64>,
    /// Customers with a survey score.
    pub satisfaction_customers: usize,
    /// Contacts recorded in the period.
    pub contacts: usize,
    /// Customers at the start (`None` without history).
    pub customers_start: Option<usize>,
    /// Active (stage `won`) at the start and still active at the end.
    pub retention: Option<Retention>,
    /// Sum of revenue_12m at the start.
    pub revenue_start: Option<f64>,
    /// revenue / revenue_start − 1: growth against the previous period of the same length.
    pub revenue_growth: Option<f64>,
}

/// Customers active at the start and still active at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Retention {
    /// Active (stage `won`) at the start.
    pub active_start: usize,
    /// Of those, still in the book and `won` at the end.
    pub retained: usize,
    /// retained / active_start; `None` when nobody was active.
    pub rate: Option<f64>,
}

/// The book by three gradings.
#[derive(Clone, Debug, Serialize)]
pub struct Portfolio {
    /// By value tier (computed by kehu-analytics, kehu.toml's order).
    pub tiers: Vec<Bucket>,
    /// By ABC class.
    pub abc: Vec<Bucket>,
    /// By RFM segment.
    pub rfm: Vec<Bucket>,
}

/// One group of customers, at the end and at the start.
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    /// The tier, class or segment.
    pub name: String,
    /// Customers at the end.
    pub count: usize,
    /// Their revenue_12m.
    pub revenue: f64,
    /// Their share of the book's revenue.
    pub share: Option<f64>,
    /// Customers at the start (`None` without history).
    pub count_start: Option<usize>,
    /// Their revenue_12m at the start.
    pub revenue_start: Option<f64>,
    /// count − count_start.
    pub count_change: Option<i64>,
    /// revenue − revenue_start.
    pub revenue_change: Option<f64>,
}

/// A point of the Pareto curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParetoPoint {
    /// Share of customers, best first.
    pub customers: f64,
    /// Share of revenue they hold.
    pub revenue: f64,
}

/// A tier or pipeline grade that moved in the period.
#[derive(Clone, Debug, Serialize)]
pub struct Movement {
    /// The commit's day.
    pub date: Date,
    /// Customer id.
    pub customer: String,
    /// Customer name (the id when it left the book).
    pub name: String,
    /// `tier` or `pipeline`.
    pub field: &'static str,
    /// Before.
    pub from: String,
    /// After.
    pub to: String,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// The commit's author.
    pub author: String,
    /// `Kehu-Reason`, else the commit subject.
    pub why: String,
}

/// Recorded tier (`grade.tier`) at the start × at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Migration {
    /// Row and column labels: the tiers, then `(none)` (absent or ungraded).
    pub labels: Vec<String>,
    /// `counts[start][end]`.
    pub counts: Vec<Vec<usize>>,
}

/// Contacts by one owner over one channel.
#[derive(Clone, Debug, Serialize)]
pub struct ContactCount {
    /// The customer's owner at the end (`(none)` without one).
    pub owner: String,
    /// The channel (`(unknown)` when none was recorded).
    pub channel: String,
    /// Contacts.
    pub count: usize,
}

/// A follow-up overdue at the end of the period.
#[derive(Clone, Debug, Serialize)]
pub struct Overdue {
    /// Customer id.
    pub customer: String,
    /// Customer name.
    pub name: String,
    /// Owner (`(none)`).
    pub owner: String,
    /// The last contact, if any.
    pub last_contact: Option<Date>,
    /// Days since it, at the end of the period.
    pub days_since: Option<i64>,
    /// The cadence that applies, in words.
    pub cadence: String,
}

/// A customer at risk.
#[derive(Clone, Debug, Serialize)]
pub struct AtRisk {
    /// Customer id.
    pub customer: String,
    /// Customer name.
    pub name: String,
    /// Owner (`(none)`).
    pub owner: String,
    /// Risk score in 0..1.
    pub score: f64,
    /// `high`, `medium` or `low`.
    pub band: &'static str,
    /// The contributing signals in words.
    pub reason: String,
}

/// The funnel.
#[derive(Clone, Debug, Serialize)]
pub struct Funnel {
    /// Customers per stage at the end, in kehu.toml's order.
    pub stages: Vec<StageCount>,
    /// Stage changes in the period.
    pub transitions: Vec<Transition>,
}

/// Customers in one stage.
#[derive(Clone, Debug, Serialize)]
pub struct StageCount {
    /// The stage.
    pub stage: String,
    /// Customers at the end.
    pub count: usize,
    /// Customers at the start (`None` without history).
    pub count_start: Option<usize>,
}

/// Customers who moved between two stages in the period.
#[derive(Clone, Debug, Serialize)]
pub struct Transition {
    /// Stage before (`(new)` for a customer added in the period).
    pub from: String,
    /// Stage after.
    pub to: String,
    /// How many moves.
    pub count: usize,
}
