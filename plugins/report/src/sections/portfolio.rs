//! The book by value tier, ABC class and RFM segment, graded by
//! kehu-analytics' `grade_book` (its `grade_book_chosen`, keeping only the
//! three names, the tiers' reasons never worded) at the end and at the
//! start of the period.

use std::collections::BTreeMap;

use kehu_analytics::{Policy, grade_book_chosen};
use kehu_core::Date;
use kehu_plugin_sdk::PluginError;
use serde::Serialize;

use super::{Snapshot, money, revenue_cents, share};

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

/// Count and revenue (cents) per group name.
type Groups = BTreeMap<String, (usize, i64)>;

/// The three groupings of one book.
pub struct Grouped {
    tiers: Groups,
    abc: Groups,
    rfm: Groups,
}

fn add(groups: &mut Groups, name: &str, revenue: i64) {
    let slot = groups.entry(name.to_owned()).or_insert((0, 0));
    slot.0 += 1;
    slot.1 += revenue;
}

/// The book graded as of `as_of` (kehu-analytics' `grade_book`), grouped.
pub fn group(snapshot: &Snapshot<'_>, as_of: Date) -> Result<Grouped, PluginError> {
    let policy = Policy::from_config(snapshot.config)
        .map_err(|e| PluginError::Data(format!("kehu.toml: {e}")))?;
    // Only the three names of each customer's grades are kept; the tier
    // is chosen without its reason.
    let (grades, _) = grade_book_chosen(snapshot.customers, &policy, as_of, |g| {
        (g.tier, g.abc.class, g.rfm.segment)
    })
    .map_err(|e| PluginError::Data(e.to_string()))?;
    let tier_names: Vec<&str> = policy.tiers.iter().map(|t| t.rule.name.as_str()).collect();
    let mut out = Grouped {
        tiers: Groups::new(),
        abc: Groups::new(),
        rfm: Groups::new(),
    };
    for (customer, (tier, abc, rfm)) in snapshot.customers.iter().zip(&grades) {
        let revenue = revenue_cents(customer);
        let tier = tier.and_then(|i| tier_names.get(i).copied());
        add(&mut out.tiers, tier.unwrap_or(super::NONE), revenue);
        add(&mut out.abc, abc.as_str(), revenue);
        add(&mut out.rfm, rfm.as_str(), revenue);
    }
    Ok(out)
}

/// Names in `order` first, then the others by name.
fn names(order: &[String], end: &Groups, start: Option<&Groups>) -> Vec<String> {
    let mut names: Vec<String> = order.to_vec();
    let others = end.keys().chain(start.into_iter().flat_map(|s| s.keys()));
    let mut extra: Vec<&String> = others.filter(|n| !order.contains(n)).collect();
    extra.sort();
    extra.dedup();
    names.extend(extra.into_iter().cloned());
    names
}

fn buckets(order: &[String], end: &Groups, start: Option<&Groups>, total: i64) -> Vec<Bucket> {
    names(order, end, start)
        .into_iter()
        .map(|name| {
            let (count, revenue) = end.get(&name).copied().unwrap_or((0, 0));
            let before = start.map(|s| s.get(&name).copied().unwrap_or((0, 0)));
            Bucket {
                count,
                revenue: money(revenue),
                share: share(revenue, total),
                count_start: before.map(|b| b.0),
                revenue_start: before.map(|b| money(b.1)),
                count_change: before.map(|b| count as i64 - b.0 as i64),
                revenue_change: before.map(|b| money(revenue - b.1)),
                name,
            }
        })
        .collect()
}

/// The portfolio: `end` graded as of `until`, against the start book's
/// groups ([`group`] as of the start day).
pub fn portfolio(
    end: &Snapshot<'_>,
    until: Date,
    before: Option<&Grouped>,
) -> Result<Portfolio, PluginError> {
    let total: i64 = end.customers.iter().map(revenue_cents).sum();
    let now = group(end, until)?;
    let tiers: Vec<String> = end.config.tiers.iter().map(|t| t.name.clone()).collect();
    let abc: Vec<String> = ["A", "B", "C"].iter().map(|s| (*s).to_owned()).collect();
    Ok(Portfolio {
        tiers: buckets(&tiers, &now.tiers, before.map(|b| &b.tiers), total),
        abc: buckets(&abc, &now.abc, before.map(|b| &b.abc), total),
        rfm: buckets(&[], &now.rfm, before.map(|b| &b.rfm), total),
    })
}
