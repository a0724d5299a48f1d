//! The customer generator: a book as a pure function of a seed and a size.
//!
//! Revenue is log-normal with a heavy tail plus a few forced big accounts, so
//! ABC comes out near 80/20 and every tier occurs. Every funnel stage occurs
//! with metrics that fit it (leads and prospects have no orders, churned
//! customers stopped ordering), open deals close at dates spread over all
//! pipeline grades, and account managers are assigned within their regions
//! and industries with capacities that fit the resulting load.

use chrono::NaiveDate;
use kehu_core::{Customer, Date};

use crate::calendar::{as_of, days_after, days_before, days_between};
use crate::names::{INDUSTRIES, NameMaker, REGIONS};
use crate::owners::{Owner, least_loaded, owners_for, set_capacities};
use crate::policy::{TIERS, abc_classes, pipeline_grade, rfm_segments, tier_of, tier_weight};
use crate::rng::Rng;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookSpec {
    /// Seed of the random stream; the same seed gives the same book.
    pub seed: u64,
    /// Number of customers.
    pub customers: usize,
}

/// A generated book: its account managers and its customers, sorted by id.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedBook {
    /// Managers with capacities set from the generated load.
    pub owners: Vec<Owner>,
    /// Customers sorted by id.
    pub customers: Vec<Customer>,
}

const STAGES: [(&str, u32); 7] = [
    ("lead", 12),
    ("qualified", 9),
    ("proposal", 7),
    ("negotiation", 5),
    ("won", 47),
    ("lost", 10),
    ("churned", 10),
];

const REGION_WEIGHTS: [u32; 6] = [18, 18, 24, 14, 14, 12];
const INDUSTRY_WEIGHTS: [u32; 10] = [16, 14, 10, 12, 9, 8, 7, 9, 6, 9];
const CHANNELS: [&str; 5] = ["call", "visit", "email", "meeting", "message"];

fn date(day: NaiveDate) -> Option<Date> {
    Some(Date(day))
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Days ago of the relationship's start, by stage.
fn since_days_ago(rng: &mut Rng, stage: &str, ex_buyer: bool) -> i64 {
    match stage {
        "lead" => rng.int(1, 150),
        "qualified" => rng.int(15, 300),
        "proposal" => rng.int(30, 400),
        "negotiation" => rng.int(45, 500),
        "won" => 30 + (rng.unit().powf(1.6) * 3620.0) as i64,
        "lost" if ex_buyer => rng.int(420, 2500),
        "lost" => rng.int(60, 1500),
        _ => rng.int(420, 3650),
    }
}

/// Orders for a year's revenue: more orders for bigger customers, but
/// bigger orders too.
fn orders_for_revenue(rng: &mut Rng, revenue: f64) -> i64 {
    let typical = revenue.max(1.0).powf(0.45) / 4.0;
    (rng.lognormal(typical.ln(), 0.4).round() as i64).clamp(1, 365)
}

struct Draft {
    customer: Customer,
    big: bool,
}

/// Fills `[metrics]` for a customer that buys or bought.
fn buyer_metrics(rng: &mut Rng, c: &mut Customer, revenue_12m: f64, last_order_ago: i64) {
    let today = as_of();
    let Some(since) = c.since.map(|d| d.0) else {
        return;
    };
    let span = days_between(since, days_before(today, 1)).max(0);
    let first = days_after(since, rng.int(0, span.min(60)));
    let year_ago = days_before(today, 365);
    let m = &mut c.metrics;
    if revenue_12m > 0.0 {
        let active_days = days_between(first.max(year_ago), today).max(1);
        let orders_12m = orders_for_revenue(rng, revenue_12m).min(active_days);
        let last = days_before(today, last_order_ago).max(first);
        let (revenue_total, orders_total) = if first > year_ago {
            (revenue_12m, orders_12m)
        } else {
            let prior_years = days_between(first, year_ago) as f64 / 365.0;
            let revenue_factor = rng.between(0.4, 1.2);
            let orders_factor = rng.between(0.4, 1.2);
            (
                revenue_12m * (1.0 + prior_years * revenue_factor),
                orders_12m + (orders_12m as f64 * prior_years * orders_factor).round() as i64,
            )
        };
        m.revenue_12m = Some(round_to(revenue_12m, 2));
        m.revenue_total = Some(round_to(revenue_total, 2));
        m.orders_total = Some(orders_total);
        m.orders_12m = Some(orders_12m);
        m.first_order = date(first);
        m.last_order = date(last);
    } else {
        // Stopped buying more than a year ago.
        let past = rng.lognormal(8000f64.ln(), 1.3);
        let latest_possible = days_between(first, today);
        let ago = last_order_ago.clamp(366, latest_possible.max(366));
        let last = days_before(today, ago).max(first);
        let years = (days_between(first, last) as f64 / 365.0).max(0.2);
        let orders_total = (orders_for_revenue(rng, past) as f64 * years)
            .round()
            .max(1.0) as i64;
        m.revenue_12m = Some(0.0);
        m.revenue_total = Some(round_to(past * years.max(1.0), 2));
        m.orders_total = Some(orders_total);
        m.orders_12m = Some(0);
        m.first_order = date(first);
        m.last_order = date(last);
    }
}

fn satisfaction(rng: &mut Rng, mean: f64, spread: f64) -> f64 {
    round_to((mean + spread * rng.normal()).clamp(1.0, 5.0), 1)
}

fn draft_customer(rng: &mut Rng, names: &mut NameMaker, big: bool) -> Draft {
    let region = REGIONS[rng.weighted(&weights_of(&REGION_WEIGHTS))];
    let industry = INDUSTRIES[rng.weighted(&weights_of(&INDUSTRY_WEIGHTS))];
    let stage = if big { "won" } else { rng.weighted(&STAGES) };
    let (name, id) = names.company(rng, region, industry);
    let ex_buyer = match stage {
        "won" | "churned" => true,
        "lost" => rng.chance(0.25),
        "proposal" | "negotiation" => rng.chance(0.15),
        _ => false,
    };
    let today = as_of();
    let since = days_before(today, since_days_ago(rng, stage, ex_buyer));
    let mut c = Customer {
        id,
        name,
        region: Some(region.into()),
        industry: Some(industry.into()),
        since: date(since),
        stage: stage.into(),
        ..Customer::default()
    };
    if ex_buyer {
        let (revenue, last_ago) = match stage {
            "won" if big => (rng.between(450_000.0, 1_400_000.0), rng.int(0, 12)),
            "won" => {
                let revenue = rng.lognormal(16_000f64.ln(), 1.45).min(5_000_000.0);
                let gap = 365 / orders_for_revenue(rng, revenue).max(1);
                let ago = if rng.chance(0.1) {
                    rng.int(120, 330)
                } else {
                    rng.int(0, (2 * gap).min(364))
                };
                (revenue, ago)
            }
            "churned" if rng.chance(0.3) => (rng.lognormal(2_000f64.ln(), 1.0), rng.int(240, 364)),
            "proposal" | "negotiation" => (rng.lognormal(3_000f64.ln(), 0.8), rng.int(20, 200)),
            _ => (0.0, rng.int(366, 1500)),
        };
        buyer_metrics(rng, &mut c, revenue, last_ago);
        let m = &mut c.metrics;
        let (mean, spread) = match stage {
            "won" => (4.0, 0.6),
            "churned" => (2.7, 0.8),
            _ => (3.2, 0.8),
        };
        if big || rng.chance(0.85) {
            m.satisfaction = Some(satisfaction(rng, mean, spread));
        }
        if let Some(score) = m.satisfaction {
            if rng.chance(if stage == "won" { 0.6 } else { 0.3 }) {
                let base = (score - 1.0) / 4.0;
                let factor = if stage == "won" {
                    rng.between(0.6, 1.1)
                } else {
                    rng.between(0.1, 0.5)
                };
                m.repurchase = Some(round_to((base * factor).clamp(0.0, 1.0), 2));
            }
            if rng.chance(0.5) {
                let noisy = score + 0.4 * rng.normal();
                let referral = if noisy >= 4.3 {
                    "likely"
                } else if noisy >= 3.3 {
                    "possible"
                } else {
                    "unlikely"
                };
                m.referral = Some(referral.into());
            }
        }
    }
    Draft { customer: c, big }
}

fn weights_of<const N: usize>(weights: &[u32; N]) -> Vec<(usize, u32)> {
    weights.iter().copied().enumerate().collect()
}

/// An expected close date for an open deal (or a won customer's renewal),
/// drawn so that every pipeline grade occurs.
fn expected_close(rng: &mut Rng, stage: &str) -> Option<NaiveDate> {
    let grade = match stage {
        "lead" => rng.weighted(&[('A', 5), ('B', 15), ('C', 25), ('D', 30), ('E', 25)]),
        "qualified" => rng.weighted(&[('A', 10), ('B', 25), ('C', 30), ('D', 20), ('E', 15)]),
        "proposal" => rng.weighted(&[('A', 25), ('B', 35), ('C', 25), ('D', 10), ('E', 5)]),
        "negotiation" => rng.weighted(&[('A', 45), ('B', 35), ('C', 15), ('D', 5)]),
        "won" if rng.chance(0.25) => rng.weighted(&[('A', 20), ('B', 30), ('C', 30), ('D', 20)]),
        _ => 'E',
    };
    let today = as_of();
    match grade {
        'A' => Some(days_after(today, rng.int(1, 29))),
        'B' => Some(days_after(today, rng.int(32, 90))),
        'C' => Some(days_after(today, rng.int(94, 179))),
        'D' => Some(days_after(today, rng.int(185, 540))),
        _ => None,
    }
}

/// The latest contact: recent for open deals and big accounts, sometimes
/// overdue for small ones, long ago for lost and churned customers.
fn contact(rng: &mut Rng, c: &mut Customer, tier: &str, pipeline_a: bool) {
    let today = as_of();
    let Some(since) = c.since.map(|d| d.0) else {
        return;
    };
    if c.stage == "lead" && !pipeline_a && rng.chance(0.3) {
        return;
    }
    // Pipeline-A deals are followed up daily: contacted on the as-of day.
    let ago = if pipeline_a {
        0
    } else {
        match (c.stage.as_str(), tier) {
            ("lead" | "qualified" | "proposal" | "negotiation", _) => rng.int(0, 40),
            ("won", "strategic") => rng.int(0, 40),
            ("won", "key") => rng.int(0, 75),
            ("won", "ordinary") => rng.int(0, 220),
            ("won", _) => rng.int(0, 450),
            _ => rng.int(30, 600),
        }
    };
    let last = days_before(today, ago).max(since);
    let channel = match tier {
        "strategic" | "key" => rng.weighted(&[
            ("visit", 3),
            ("meeting", 4),
            ("call", 4),
            ("email", 2),
            ("message", 1),
        ]),
        _ => rng.weighted(&[
            ("visit", 1),
            ("meeting", 1),
            ("call", 4),
            ("email", 4),
            ("message", 3),
        ]),
    };
    debug_assert!(CHANNELS.contains(&channel));
    c.contact.last = date(last);
    c.contact.channel = Some(channel.into());
}

fn step_tier(tier: &str, up: bool) -> &'static str {
    let index = TIERS
        .iter()
        .position(|t| *t == tier)
        .unwrap_or(TIERS.len() - 1);
    let index = if up {
        index.saturating_sub(1)
    } else {
        (index + 1).min(TIERS.len() - 1)
    };
    TIERS[index]
}

/// Generates a book.
pub fn generate(spec: &BookSpec) -> GeneratedBook {
    let mut rng = Rng::new(spec.seed);
    let mut owners = owners_for(spec.customers, &mut rng);
    let mut names = NameMaker::new();
    let big_accounts = (spec.customers / 80).max(3).min(spec.customers);
    let drafts: Vec<Draft> = (0..spec.customers)
        .map(|i| draft_customer(&mut rng, &mut names, i < big_accounts))
        .collect();
    let mut customers: Vec<Customer> = drafts.iter().map(|d| d.customer.clone()).collect();
    let today = as_of();

    let abc = abc_classes(&customers);
    let rfm = rfm_segments(&customers, today);
    let tiers: Vec<&str> = customers
        .iter()
        .zip(&abc)
        .map(|(c, abc)| {
            tier_of(
                c.metrics.revenue_12m.unwrap_or(0.0),
                abc,
                c.metrics.satisfaction.unwrap_or(0.0),
            )
        })
        .collect();

    // Pipeline, contacts and written grades.
    let mut weights = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter_mut().enumerate() {
        let close = expected_close(&mut rng, &c.stage);
        c.expected_close = close.map(Date);
        let pipeline = pipeline_grade(close, today);
        contact(&mut rng, c, tiers[i], pipeline == "A");
        let mut written_tier = tiers[i];
        if drafts[i].big || rng.chance(0.45) {
            let g = &mut c.grade;
            if rng.chance(0.12) {
                written_tier = step_tier(tiers[i], rng.chance(0.5));
            }
            if rng.chance(0.02) {
                written_tier = step_tier(tiers[i], true);
                g.pinned.push("tier".to_owned());
            }
            g.tier = Some(written_tier.into());
            g.abc = Some(abc[i].into());
            g.rfm = rfm[i].map(Into::into);
            g.pipeline = Some(pipeline.into());
            if pipeline != "A" && rng.chance(0.015) {
                g.pinned.push("pipeline".to_owned());
            }
        }
        weights.push(tier_weight(tiers[i]).max(tier_weight(written_tier)));
    }

    // Owners: heaviest customers first, each to the least loaded manager
    // (relative to how full that manager should end up) who may serve it.
    let mut order: Vec<usize> = (0..customers.len()).collect();
    order.sort_by(|&a, &b| weights[b].cmp(&weights[a]).then(a.cmp(&b)));
    let mut load = vec![0u32; owners.len()];
    for i in order {
        let c = &mut customers[i];
        let unowned_chance = match (weights[i], c.stage.as_str()) {
            (1, "lead" | "lost" | "churned") => 0.35,
            (1, _) => 0.08,
            _ => 0.0,
        };
        if rng.chance(unowned_chance) {
            continue;
        }
        if let Some(k) = least_loaded(&owners, &load, c, weights[i], || rng.between(0.9, 1.1)) {
            load[k] += weights[i];
            c.owner = Some(owners[k].id.as_str().into());
        }
    }
    set_capacities(&mut owners, &load);

    crate::plans::add_plans(spec.seed, &mut customers, &tiers, &owners);
    customers.sort_by(|a, b| a.id.cmp(&b.id));
    GeneratedBook { owners, customers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_book_and_other_seed_other_book() {
        let spec = BookSpec {
            seed: 11,
            customers: 400,
        };
        assert_eq!(generate(&spec), generate(&spec));
        assert_ne!(generate(&spec), generate(&BookSpec { seed: 12, ..spec }));
    }

    #[test]
    fn generated_data_is_consistent() {
        let book = generate(&BookSpec {
            seed: 5,
            customers: 2000,
        });
        let today = as_of();
        for c in &book.customers {
            let m = &c.metrics;
            if c.stage == "lead" || c.stage == "qualified" {
                assert!(m.orders_total.is_none(), "{} has orders", c.id);
            }
            if let (Some(first), Some(last)) = (m.first_order, m.last_order) {
                assert!(first <= last && last.0 <= today, "{}", c.id);
                assert!(c.since.unwrap() <= first);
            }
            if let (Some(all), Some(year)) = (m.orders_total, m.orders_12m) {
                assert!(year <= all);
            }
            if let Some(s) = m.satisfaction {
                assert!((1.0..=5.0).contains(&s));
            }
            assert!(c.since.unwrap().0 <= today);
            if let Some(last) = c.contact.last {
                assert!(last.0 <= today && last >= c.since.unwrap());
            }
        }
        let loads: Vec<u32> = book.owners.iter().map(|o| o.capacity).collect();
        assert!(loads.iter().all(|&c| c >= 10));
    }
}
