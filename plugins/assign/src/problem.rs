//! The assignment problem built from the book and kehu.toml: slots (owners
//! and regional pools), customers with their tier weight and the slots
//! eligible to serve them. Weights and capacities are kept in integer
//! milli-units so the objective compares exactly.
//!
//! Eligibility depends only on (region, industry, tier), so it is worked out
//! once per distinct triple and shared (`Arc`) by every customer of that
//! triple: building the problem for 100,000 customers and 200 owners costs a
//! few hundred eligibility checks, not twenty million.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use kehu_core::config::POOL_PREFIX;
use kehu_core::{Config, Customer, Date};
use kehu_plugin_sdk::PluginError;

/// Weights and capacities are stored ×`SCALE`, rounded.
pub const SCALE: f64 = 1000.0;

/// Converts a weight or capacity to milli-units.
pub fn scaled(value: f64) -> i64 {
    (value * SCALE).round() as i64
}

/// What eligibility depends on: region, industry, tier.
type ClassKey<'c> = (Option<&'c str>, Option<&'c str>, &'c str);

/// Something that can own customers: a person from `[owners]`, or a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// Owner id, or `pool-<region>`.
    pub id: String,
    /// Capacity in milli-units; `None` is unlimited (pools, owners without one).
    pub capacity: Option<i64>,
    /// Whether this is a regional pool.
    pub pool: bool,
    /// Why this owner takes nobody (inactive, away); `None` when available.
    pub unavailable: Option<String>,
}

/// One customer as the solver sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Customer id.
    pub id: String,
    /// Tier name.
    pub tier: String,
    /// Tier position in kehu.toml (0 = best), for the per-tier counts.
    pub tier_index: usize,
    /// Load in milli-units.
    pub weight: i64,
    /// Current `owner`, as stored.
    pub current: Option<String>,
    /// The slot of the stored owner, eligible or not (`None`: no owner, or
    /// not an owner of kehu.toml).
    pub current_slot: Option<usize>,
    /// The slot of the current owner when that owner is eligible.
    pub valid_current: Option<usize>,
    /// Why the current owner is not valid (when there is one).
    pub invalid_reason: Option<String>,
    /// Eligible slots, ascending (shared by every customer of the same
    /// region, industry and tier).
    pub eligible: Arc<[usize]>,
    /// `owner` is pinned: the customer stays where it is.
    pub pinned: bool,
    /// Revenue over the last 12 months (0 when unknown).
    pub revenue: f64,
}

/// The whole problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Owners (by id) then pools (by region).
    pub slots: Vec<Slot>,
    /// Customers in id order.
    pub items: Vec<Item>,
    /// Tier names, best first.
    pub tiers: Vec<String>,
}

impl Problem {
    /// Builds the problem; fails on a customer whose tier kehu.toml lacks.
    pub fn build(
        config: &Config,
        customers: &[Customer],
        as_of: Date,
    ) -> Result<Problem, PluginError> {
        let default_tier = config.tiers.last().ok_or_else(|| {
            PluginError::Data("kehu.toml: `[[tiers]]` is empty; assign needs tier weights".into())
        })?;
        let mut slots: Vec<Slot> = config
            .owners
            .iter()
            .map(|(id, owner)| Slot {
                id: id.clone(),
                capacity: owner.capacity.map(scaled),
                pool: false,
                unavailable: if !owner.active {
                    Some(format!("{id} is inactive"))
                } else {
                    owner
                        .away_until
                        .filter(|until| *until >= as_of)
                        .map(|until| format!("{id} is away until {until}"))
                },
            })
            .collect();
        let pooled: BTreeSet<&str> = config
            .tiers
            .iter()
            .filter(|t| t.pooled)
            .map(|t| t.name.as_str())
            .collect();
        let pool_regions: BTreeSet<&str> = customers
            .iter()
            .filter(|c| pooled.contains(tier_of(c, &default_tier.name)))
            .filter_map(|c| c.region.as_deref())
            .collect();
        for region in pool_regions {
            let id = format!("{POOL_PREFIX}{region}");
            if !config.owners.contains_key(&id) {
                slots.push(Slot {
                    id,
                    capacity: None,
                    pool: true,
                    unavailable: None,
                });
            }
        }
        let by_id: HashMap<&str, usize> = slots
            .iter()
            .enumerate()
            .map(|(index, slot)| (slot.id.as_str(), index))
            .collect();
        let mut classes: HashMap<ClassKey<'_>, Arc<[usize]>> = HashMap::new();
        let mut items = Vec::with_capacity(customers.len());
        for customer in customers {
            let tier_name = tier_of(customer, &default_tier.name);
            let (tier_index, tier) = config
                .tiers
                .iter()
                .enumerate()
                .find(|(_, t)| t.name == tier_name)
                .ok_or_else(|| {
                    PluginError::Data(format!(
                        "customer `{}`: grade.tier `{tier_name}` is not a tier of kehu.toml ({})",
                        customer.id,
                        config.tier_names()
                    ))
                })?;
            let key = (
                customer.region.as_deref(),
                customer.industry.as_deref(),
                tier_name,
            );
            let eligible = classes
                .entry(key)
                .or_insert_with(|| {
                    (0..slots.len())
                        .filter(|&s| {
                            refusal(config, &slots[s], customer, tier_name, tier.pooled).is_none()
                        })
                        .collect()
                })
                .clone();
            let current = customer.owner.as_deref().map(str::to_owned);
            let current_slot = current.as_deref().and_then(|id| by_id.get(id).copied());
            let valid_current = current_slot.filter(|s| eligible.binary_search(s).is_ok());
            let invalid_reason = match (&current, current_slot, valid_current) {
                (Some(_), Some(slot), None) => {
                    refusal(config, &slots[slot], customer, tier_name, tier.pooled)
                }
                (Some(owner), None, _) => Some(format!("{owner} is not an owner in kehu.toml")),
                _ => None,
            };
            items.push(Item {
                id: customer.id.clone(),
                tier: tier_name.to_owned(),
                tier_index,
                weight: scaled(tier.weight),
                current,
                current_slot,
                valid_current,
                invalid_reason,
                eligible,
                pinned: customer.grade.pinned.iter().any(|p| p == "owner"),
                revenue: customer.metrics.revenue_12m.unwrap_or(0.0),
            });
        }
        Ok(Problem {
            slots,
            items,
            tiers: config.tiers.iter().map(|t| t.name.clone()).collect(),
        })
    }
}

fn tier_of<'c>(customer: &'c Customer, default: &'c str) -> &'c str {
    customer.grade.tier.as_deref().unwrap_or(default)
}

/// Why `slot` may not serve `customer`, or `None` when it may.
fn refusal(
    config: &Config,
    slot: &Slot,
    customer: &Customer,
    tier: &str,
    pooled: bool,
) -> Option<String> {
    if let Some(reason) = &slot.unavailable {
        return Some(reason.clone());
    }
    if slot.pool {
        let region = slot.id.strip_prefix(POOL_PREFIX).unwrap_or_default();
        if !pooled {
            return Some(format!("tier {tier} is not pooled"));
        }
        if customer.region.as_deref() != Some(region) {
            return Some(format!("{} serves region {region} only", slot.id));
        }
        return None;
    }
    let owner = config.owners.get(&slot.id)?;
    let restricts = |list: &[String], value: Option<&str>, what: &str| -> Option<String> {
        if list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x == v)) {
            None
        } else {
            Some(format!(
                "{} does not serve {what} {}",
                slot.id,
                value.unwrap_or("(none)")
            ))
        }
    };
    restricts(&owner.regions, customer.region.as_deref(), "region")
        .or_else(|| restricts(&owner.industries, customer.industry.as_deref(), "industry"))
        .or_else(|| restricts(&owner.tiers, Some(tier), "tier"))
}
