//! `kehu.toml`, the book's policy, as a typed model.
//!
//! Every section has defaults (those of DESIGN §3), so a short `kehu.toml`
//! works. [`Config`] serializes to JSON for plugins; top-level tables kehu does
//! not know are kept in [`Config::extra`] so a plugin can read its own section.
//! Loading with diagnostics is in [`crate::config_check`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Date;

/// The whole policy file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[book]`: name, currency and the funnel and channel vocabularies.
    pub book: BookSection,
    /// `[regions]`: region id → display name. Empty means any region.
    pub regions: BTreeMap<String, String>,
    /// `[industries]`: industry id → display name. Empty means any industry.
    pub industries: BTreeMap<String, String>,
    /// `[[tiers]]`: value tiers, best first; the last is the default.
    pub tiers: Vec<Tier>,
    /// `[abc]`: Pareto thresholds.
    pub abc: Abc,
    /// `[rfm]`: the RFM window.
    pub rfm: Rfm,
    /// `[pipeline]`: months until expected close per pipeline grade.
    pub pipeline: Pipeline,
    /// `[cadence]`: follow-up cadence per pipeline grade.
    pub cadence: GradeCadence,
    /// `[loyalty]`: thresholds of the loyalty bands.
    pub loyalty: Loyalty,
    /// `[churn]`: churn-risk weights and bands.
    pub churn: Churn,
    /// `[checks]`: which policy checks `kehu check` runs.
    pub checks: Checks,
    /// `[owners.<id>]`: account managers by id. Empty means any owner.
    pub owners: BTreeMap<String, Owner>,
    /// `[targets]`: the service KPI targets of the report.
    pub targets: crate::service::Targets,
    /// `[lifecycle]`: thresholds of the lifecycle stages.
    pub lifecycle: crate::service::Lifecycle,
    /// Top-level tables kehu itself does not know (plugin sections), by name,
    /// as JSON values (dates become `YYYY-MM-DD…` strings). Filled by
    /// [`crate::parse_config`]; kept when the config crosses to a plugin as JSON.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            book: BookSection::default(),
            regions: BTreeMap::new(),
            industries: BTreeMap::new(),
            tiers: default_tiers(),
            abc: Abc::default(),
            rfm: Rfm::default(),
            pipeline: Pipeline::default(),
            cadence: GradeCadence::default(),
            loyalty: Loyalty::default(),
            churn: Churn::default(),
            checks: Checks::default(),
            owners: BTreeMap::new(),
            targets: crate::service::Targets::default(),
            lifecycle: crate::service::Lifecycle::default(),
            extra: BTreeMap::new(),
        }
    }
}

impl Config {
    /// The tier named `name`.
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }

    /// The default tier (the last one): what a customer with no tier counts as.
    pub fn default_tier(&self) -> Option<&Tier> {
        self.tiers.last()
    }

    /// Tier names in order, for messages: `strategic, key, ordinary, small`.
    pub fn tier_names(&self) -> String {
        self.tiers
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The tiers whose customers must have a personal owner: `[checks]
    /// key_account_tiers`, else the first two tiers.
    pub fn key_account_tiers(&self) -> Vec<&str> {
        match &self.checks.key_account_tiers {
            Some(names) => names.iter().map(String::as_str).collect(),
            None => self.tiers.iter().take(2).map(|t| t.name.as_str()).collect(),
        }
    }

    /// The tiers whose customers need a reviewed key account plan:
    /// `[checks] plan_tiers`, else the first tier.
    pub fn plan_tiers(&self) -> Vec<&str> {
        match &self.checks.plan_tiers {
            Some(names) => names.iter().map(String::as_str).collect(),
            None => self.tiers.iter().take(1).map(|t| t.name.as_str()).collect(),
        }
    }

    /// The cadence for a pipeline grade `A`..`E`.
    pub fn grade_cadence(&self, grade: &str) -> Option<Cadence> {
        match grade {
            "A" => Some(self.cadence.a),
            "B" => Some(self.cadence.b),
            "C" => Some(self.cadence.c),
            "D" => Some(self.cadence.d),
            "E" => Some(self.cadence.e),
            _ => None,
        }
    }
}

/// `[book]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BookSection {
    /// Display name of the book.
    pub name: String,
    /// ISO currency code of every money figure.
    pub currency: String,
    /// Funnel stages, in order.
    pub stages: Vec<String>,
    /// Contact channels `kehu contact --channel` accepts.
    pub channels: Vec<String>,
}

impl Default for BookSection {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        BookSection {
            name: "Customer book".to_owned(),
            currency: "EUR".to_owned(),
            stages: strings(&[
                "lead",
                "qualified",
                "proposal",
                "negotiation",
                "won",
                "lost",
                "churned",
            ]),
            channels: strings(&["call", "visit", "email", "meeting", "message"]),
        }
    }
}

/// One `[[tiers]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// Tier name, used in `grade.tier`.
    pub name: String,
    /// Condition (kehu expression) under which a customer belongs here;
    /// absent on the default (last) tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Load a customer of this tier puts on its owner, in capacity units.
    #[serde(default = "one")]
    pub weight: f64,
    /// Whether a regional pool (`pool-<region>`) may own customers of this tier.
    #[serde(default)]
    pub pooled: bool,
    /// Contact cadence for customers of this tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<Cadence>,
    /// How customers of this tier are served: dedicated or pooled, the
    /// preferred channels, business reviews, response time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<crate::service::ServiceLevel>,
}

fn one() -> f64 {
    1.0
}

fn default_tiers() -> Vec<Tier> {
    use crate::service::{ServiceLevel, ServiceModel};
    let tier =
        |name: &str, when: Option<&str>, weight: f64, pooled: bool, ideal: u32, max: u32| Tier {
            name: name.to_owned(),
            when: when.map(str::to_owned),
            weight,
            pooled,
            cadence: Some(Cadence { ideal, max }),
            service: None,
        };
    let with = |tier: Tier, service: ServiceLevel| Tier {
        service: Some(service),
        ..tier
    };
    vec![
        with(
            tier(
                "strategic",
                Some(
                    "revenue_12m >= 500000 or (abc == \"A\" and revenue_12m >= 250000 and satisfaction >= 4)",
                ),
                8.0,
                false,
                14,
                30,
            ),
            ServiceLevel::new(
                ServiceModel::Dedicated,
                &["visit", "meeting", "call"],
                Some(90),
                Some(4),
            ),
        ),
        with(
            tier(
                "key",
                Some("revenue_12m >= 100000 or abc == \"A\""),
                4.0,
                false,
                30,
                60,
            ),
            ServiceLevel::new(
                ServiceModel::Dedicated,
                &["call", "meeting", "visit"],
                Some(180),
                Some(8),
            ),
        ),
        with(
            tier(
                "ordinary",
                Some("revenue_12m >= 10000 or abc == \"B\""),
                2.0,
                false,
                90,
                180,
            ),
            ServiceLevel::new(
                ServiceModel::Dedicated,
                &["call", "email"],
                Some(365),
                Some(24),
            ),
        ),
        with(
            tier("small", None, 1.0, true, 180, 365),
            ServiceLevel::new(ServiceModel::Pool, &["email", "message"], None, Some(48)),
        ),
    ]
}

/// A contact cadence in days. In `kehu.toml` either a number (the ideal; the
/// maximum is then twice that) or `{ ideal = 14, max = 30 }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cadence {
    /// Days between contacts we aim for.
    pub ideal: u32,
    /// Days after which the customer is overdue.
    pub max: u32,
}

impl Cadence {
    /// A cadence of `ideal` days with the default maximum (twice the ideal).
    pub fn days(ideal: u32) -> Cadence {
        Cadence {
            ideal,
            max: ideal.saturating_mul(2),
        }
    }
}

impl<'de> Deserialize<'de> for Cadence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cadence, D::Error> {
        deserializer.deserialize_any(CadenceVisitor)
    }
}

struct CadenceVisitor;

impl<'de> Visitor<'de> for CadenceVisitor {
    type Value = Cadence;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of days or a table { ideal = DAYS, max = DAYS }")
    }

    fn visit_i64<E: de::Error>(self, days: i64) -> Result<Cadence, E> {
        u32::try_from(days)
            .map(Cadence::days)
            .map_err(|_| E::custom(format!("{days} is not a number of days")))
    }

    fn visit_u64<E: de::Error>(self, days: u64) -> Result<Cadence, E> {
        u32::try_from(days)
            .map(Cadence::days)
            .map_err(|_| E::custom(format!("{days} is not a number of days")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cadence, A::Error> {
        let mut ideal = None;
        let mut max = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "ideal" => ideal = Some(map.next_value::<u32>()?),
                "max" => max = Some(map.next_value::<u32>()?),
                other => {
                    return Err(de::Error::unknown_field(other, &["ideal", "max"]));
                }
            }
        }
        let ideal = ideal.ok_or_else(|| de::Error::missing_field("ideal"))?;
        Ok(Cadence {
            ideal,
            max: max.unwrap_or(ideal.saturating_mul(2)),
        })
    }
}

/// `[abc]`: cumulative revenue shares closing classes A and B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Abc {
    /// Class A up to this share of cumulative revenue (0.80).
    pub a: f64,
    /// Class B up to this share (0.95); C is the rest.
    pub b: f64,
}

impl Default for Abc {
    fn default() -> Self {
        Abc { a: 0.80, b: 0.95 }
    }
}

/// `[rfm]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rfm {
    /// How far back orders count.
    pub window: RfmWindow,
}

impl Default for Rfm {
    fn default() -> Self {
        Rfm {
            window: RfmWindow::Months(12),
        }
    }
}

/// The RFM window: `"all"` or a number of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RfmWindow {
    /// The whole history.
    All,
    /// The last N months.
    Months(u32),
}

impl Serialize for RfmWindow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RfmWindow::All => serializer.serialize_str("all"),
            RfmWindow::Months(months) => serializer.serialize_u32(*months),
        }
    }
}

impl<'de> Deserialize<'de> for RfmWindow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RfmWindow, D::Error> {
        deserializer.deserialize_any(RfmWindowVisitor)
    }
}

struct RfmWindowVisitor;

impl Visitor<'_> for RfmWindowVisitor {
    type Value = RfmWindow;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"all\" or a number of months")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<RfmWindow, E> {
        if text == "all" {
            Ok(RfmWindow::All)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(text), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, months: i64) -> Result<RfmWindow, E> {
        u32::try_from(months)
            .map(RfmWindow::Months)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(months), &self))
    }

    fn visit_u64<E: de::Error>(self, months: u64) -> Result<RfmWindow, E> {
        u32::try_from(months)
            .map(RfmWindow::Months)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(months), &self))
    }
}

/// `[pipeline]`: months until the expected close that bound grades A, B, C
/// (D is later, E never).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pipeline {
    /// Grade A closes within this many months (1).
    pub a_months: u32,
    /// Grade B within this many (3).
    pub b_months: u32,
    /// Grade C within this many (6).
    pub c_months: u32,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            a_months: 1,
            b_months: 3,
            c_months: 6,
        }
    }
}

/// `[cadence]`: follow-up cadence per pipeline grade.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradeCadence {
    /// Grade A (daily).
    #[serde(rename = "A")]
    pub a: Cadence,
    /// Grade B (weekly).
    #[serde(rename = "B")]
    pub b: Cadence,
    /// Grade C (every 15 days).
    #[serde(rename = "C")]
    pub c: Cadence,
    /// Grade D (monthly).
    #[serde(rename = "D")]
    pub d: Cadence,
    /// Grade E (yearly).
    #[serde(rename = "E")]
    pub e: Cadence,
}

impl Default for GradeCadence {
    fn default() -> Self {
        GradeCadence {
            a: Cadence::days(1),
            b: Cadence::days(7),
            c: Cadence::days(15),
            d: Cadence::days(30),
            e: Cadence::days(365),
        }
    }
}

/// `[loyalty]`: the minimum figures of each loyalty band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Loyalty {
    /// Loyal customers.
    pub loyal: LoyaltyRule,
    /// Satisfied customers.
    pub satisfied: LoyaltyRule,
    /// Detractors: satisfaction at or below this.
    pub detractor: LoyaltyRule,
}

impl Default for Loyalty {
    fn default() -> Self {
        Loyalty {
            loyal: LoyaltyRule {
                satisfaction: Some(4.5),
                repurchase: Some(0.7),
                referral: Some("likely".to_owned()),
            },
            satisfied: LoyaltyRule {
                satisfaction: Some(4.0),
                ..LoyaltyRule::default()
            },
            detractor: LoyaltyRule {
                satisfaction: Some(2.5),
                ..LoyaltyRule::default()
            },
        }
    }
}

/// Thresholds of one loyalty band; absent figures are not required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoyaltyRule {
    /// Survey satisfaction, 1..5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<f64>,
    /// Repurchase probability, 0..1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repurchase: Option<f64>,
    /// Referral likelihood: likely | possible | unlikely.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<String>,
}

/// `[churn]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Churn {
    /// How far ahead "alive" is judged, in days.
    pub horizon_days: u32,
    /// Weights of each signal (normalised by the consumer).
    pub weights: ChurnWeights,
    /// Risk at or above this is `high`.
    pub high: f64,
    /// Risk at or above this (and below `high`) is `medium`.
    pub medium: f64,
}

impl Default for Churn {
    fn default() -> Self {
        Churn {
            horizon_days: 90,
            weights: ChurnWeights::default(),
            high: 0.6,
            medium: 0.3,
        }
    }
}

/// Weights of the churn signals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChurnWeights {
    /// 1 − probability alive (BG/NBD).
    pub alive: f64,
    /// Days since the last order against the customer's own rhythm.
    pub gap: f64,
    /// A tier that fell.
    pub downgrade: f64,
    /// An overdue contact.
    pub overdue: f64,
    /// Falling satisfaction.
    pub satisfaction: f64,
    /// Falling revenue.
    pub revenue: f64,
}

impl Default for ChurnWeights {
    fn default() -> Self {
        ChurnWeights {
            alive: 0.35,
            gap: 0.25,
            downgrade: 0.15,
            overdue: 0.10,
            satisfaction: 0.075,
            revenue: 0.075,
        }
    }
}

impl ChurnWeights {
    /// The weights as (name, value), in a fixed order.
    pub fn entries(&self) -> [(&'static str, f64); 6] {
        [
            ("alive", self.alive),
            ("gap", self.gap),
            ("downgrade", self.downgrade),
            ("overdue", self.overdue),
            ("satisfaction", self.satisfaction),
            ("revenue", self.revenue),
        ]
    }
}

/// `[checks]`: policy checks, each on unless switched off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Checks {
    /// Key-account tiers (see `key_account_tiers`) must have a personal owner.
    pub owner_for_key_accounts: bool,
    /// No owner's weighted load above their capacity.
    pub owner_capacity: bool,
    /// Pipeline-A customers contacted within the A cadence.
    pub a_grade_contact: bool,
    /// Tiers that count as key accounts; default: the first two tiers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_account_tiers: Option<Vec<String>>,
    /// Customers of `plan_tiers` need a key account plan reviewed within
    /// this many days; 0 switches the check off.
    pub plan_review_days: u32,
    /// Tiers whose customers need a plan; default: the first tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_tiers: Option<Vec<String>>,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            owner_for_key_accounts: true,
            owner_capacity: true,
            a_grade_contact: true,
            key_account_tiers: None,
            plan_review_days: 90,
            plan_tiers: None,
        }
    }
}

/// `[owners.<id>]`: an account manager.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Owner {
    /// Display name.
    pub name: String,
    /// Regions this owner serves; empty means any.
    pub regions: Vec<String>,
    /// Industries this owner serves; empty means any.
    pub industries: Vec<String>,
    /// Tiers this owner serves; empty means any.
    pub tiers: Vec<String>,
    /// Capacity in tier-weight units; absent means unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    /// Whether the owner takes customers at all (default true).
    pub active: bool,
    /// Away (holiday, leave) until this day inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away_until: Option<Date>,
}

impl Default for Owner {
    fn default() -> Self {
        Owner {
            name: String::new(),
            regions: Vec::new(),
            industries: Vec::new(),
            tiers: Vec::new(),
            capacity: None,
            active: true,
            away_until: None,
        }
    }
}

/// The prefix of regional pool owners: `pool-<region>`.
pub const POOL_PREFIX: &str = "pool-";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_into_the_model() {
        let text = include_str!("../../../templates/kehu.toml");
        let config: Config = toml::from_str(text).unwrap();
        assert_eq!(config.tier_names(), "strategic, key, ordinary, small");
        assert_eq!(config.cadence.a, Cadence { ideal: 1, max: 2 });
        assert_eq!(
            config.tiers[0].cadence,
            Some(Cadence { ideal: 14, max: 30 })
        );
        assert_eq!(config.rfm.window, RfmWindow::Months(12));
        assert!(config.owners["alice"].active);
        assert_eq!(config.key_account_tiers(), ["strategic", "key"]);
    }

    #[test]
    fn an_empty_file_gives_the_defaults_and_round_trips_through_json() {
        let config: Config = toml::from_str("").unwrap();
        assert_eq!(config, Config::default());
        let json = serde_json::to_string(&config).unwrap();
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn rfm_window_accepts_all() {
        let config: Config = toml::from_str("[rfm]\nwindow = \"all\"").unwrap();
        assert_eq!(config.rfm.window, RfmWindow::All);
        assert!(toml::from_str::<Config>("[rfm]\nwindow = \"some\"").is_err());
    }
}
