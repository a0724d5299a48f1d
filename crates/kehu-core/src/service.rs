//! Service levels, KPI targets and lifecycle thresholds: the parts of
//! `kehu.toml` that say how customers are served and measured.
//!
//! Each `[[tiers]]` entry may carry a `service` table: a dedicated manager
//! or a pool, the preferred contact channels (best first), a business
//! review cadence and a response-time target. `[targets]` holds the KPI
//! targets the report measures against, `[lifecycle]` the thresholds of the
//! lifecycle stages.

use serde::{Deserialize, Serialize};

/// How a tier is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceModel {
    /// A named account manager and personal contact.
    Dedicated,
    /// A regional pool and standard, batched contact.
    Pool,
}

impl ServiceModel {
    /// `dedicated` or `pool`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceModel::Dedicated => "dedicated",
            ServiceModel::Pool => "pool",
        }
    }
}

/// `[tiers.service]`: the service level of one tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceLevel {
    /// Dedicated manager or pool.
    pub model: ServiceModel,
    /// Preferred contact channels, best first (names from `[book] channels`).
    #[serde(default)]
    pub channels: Vec<String>,
    /// Days between business reviews with the customer; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_days: Option<u32>,
    /// Hours within which a customer's request is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_hours: Option<u32>,
}

impl ServiceLevel {
    /// A service level with these values.
    pub fn new(
        model: ServiceModel,
        channels: &[&str],
        review_days: Option<u32>,
        response_hours: Option<u32>,
    ) -> ServiceLevel {
        ServiceLevel {
            model,
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
            review_days,
            response_hours,
        }
    }

    /// Whether `channel` is one of the tier's preferred channels (any
    /// channel is, when the tier names none).
    pub fn allows(&self, channel: &str) -> bool {
        self.channels.is_empty() || self.channels.iter().any(|c| c == channel)
    }
}

/// `[targets]`: what the report's service KPIs are measured against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Targets {
    /// Share of surveyed customers that are satisfied (satisfaction ≥
    /// `satisfied_score`), at least (0.95).
    pub satisfied_share: f64,
    /// The satisfaction score from which a customer counts as satisfied (4).
    pub satisfied_score: f64,
    /// Complaints per customer per year, at most (1).
    pub complaints_per_customer: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            satisfied_share: 0.95,
            satisfied_score: 4.0,
            complaints_per_customer: 1.0,
        }
    }
}

/// `[lifecycle]`: thresholds of the lifecycle stages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lifecycle {
    /// A customer whose first order is at most this many days old is new (90).
    pub new_days: u32,
    /// Relative change of `revenue_12m` across its recorded values above
    /// which a customer is growing, below minus which it is declining (0.10).
    pub change: f64,
    /// Lapsed: no order for this many times the customer's usual gap
    /// between orders (2.0), and at least `lapsed_min_days`.
    pub gap_factor: f64,
    /// The least number of days without an order that counts as lapsed (90).
    pub lapsed_min_days: u32,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            new_days: 90,
            change: 0.10,
            gap_factor: 2.0,
            lapsed_min_days: 90,
        }
    }
}
