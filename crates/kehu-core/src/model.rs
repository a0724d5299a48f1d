//! The customer file of DESIGN §1 as a typed model.
//!
//! Enumerated values (stage, tier, region, owner, channel …) are kept as
//! strings here: the book's `kehu.toml` defines which are allowed, and the
//! validator checks them against it, so a policy can rename a tier without a
//! new kehu release.

use serde::{Deserialize, Serialize};

use crate::Date;

/// The customer file's top-level keys in their canonical order (DESIGN §1),
/// before its tables: how edits order a file's keys and exports their
/// leading columns.
pub const TOP_LEVEL_KEYS: [&str; 8] = [
    "id",
    "name",
    "region",
    "industry",
    "owner",
    "since",
    "stage",
    "expected_close",
];

/// A short text held inline (up to 24 bytes) rather than on the heap:
/// the customer fields whose values come from small sets (stage, owner,
/// region, grades, channel). A 100,000-customer book has about a million
/// of them, and each `String` cost an allocation.
pub type Text = compact_str::CompactString;

/// One customer: the contents of `customers/<id[0..2]>/<id>.toml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// Lowercase `[a-z0-9-]`, 2–64 characters; equal to the file stem.
    pub id: String,
    /// Display name, free text.
    pub name: String,
    /// Region id from `kehu.toml` `[regions]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
    /// Industry id from `kehu.toml` `[industries]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<Text>,
    /// Account manager: an owner id from `kehu.toml` `[owners]`, or a pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Text>,
    /// The day the relationship started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// Funnel stage: lead | qualified | proposal | negotiation | won | lost | churned.
    pub stage: Text,
    /// When the open deal (or the next order of a won customer) is expected to close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<Date>,
    /// This customer's own follow-up cadence (a number of days, or
    /// `{ ideal = 7, max = 14 }`), overriding its grade's and tier's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadence: Option<crate::config::Cadence>,
    /// Computed and hand-set grades.
    pub grade: Grade,
    /// Figures imported from ERP / shop exports, or typed by hand.
    pub metrics: Metrics,
    /// The latest contact; the full log is the git history.
    pub contact: Contact,
    /// The key account plan, for strategic and key customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Box<crate::plan::Plan>>,
}

/// `[grade]`: what `classify` computes or a person sets with `kehu grade`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Grade {
    /// Value tier, a name from `kehu.toml` `[[tiers]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Text>,
    /// Pareto class: A, B or C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abc: Option<Text>,
    /// RFM segment, e.g. `important-value`, or `none` without orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfm: Option<Text>,
    /// Pipeline grade A..E.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<Text>,
    /// Loyalty: loyal | satisfied | at-risk | detractor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loyalty: Option<Text>,
    /// Churn risk band: high | medium | low.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<Text>,
    /// Fields a person set by hand (grade fields, or `owner`); plugins
    /// propose, never overwrite them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pinned: Vec<String>,
}

/// `[metrics]`: money in the book's currency, counts as whole numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metrics {
    /// Revenue over the last 12 months, in the book's currency; never negative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue_12m: Option<f64>,
    /// All-time revenue, in the book's currency; never negative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue_total: Option<f64>,
    /// All-time orders; an order is a customer's purchases on one day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders_total: Option<i64>,
    /// Orders over the last 12 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders_12m: Option<i64>,
    /// Day of the first order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_order: Option<Date>,
    /// Day of the latest order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_order: Option<Date>,
    /// Latest survey score, 1..5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<f64>,
    /// Repurchase probability, 0..1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repurchase: Option<f64>,
    /// likely | possible | unlikely.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<Text>,
}

/// `[contact]`: the latest follow-up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Day of the latest contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Date>,
    /// How: a channel from `kehu.toml` `[book] channels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Text>,
}
