//! Lifecycle stages: new, growing, mature, declining, lapsed — from a
//! customer's orders (`[metrics]`) and the values its `revenue_12m` took
//! over time (its git history).
//!
//! In order, the first that holds:
//! 1. no order on record: no stage (a prospect);
//! 2. **lapsed**: no order for longer than its expected gap —
//!    `gap_factor` × its usual gap between orders ((last − first) /
//!    (orders − 1)), and at least `lapsed_min_days`;
//! 3. **new**: first order within `new_days`;
//! 4. **growing** / **declining**: `revenue_12m` rose / fell by more than
//!    `change` (relative) from the oldest to the newest of its last
//!    [`TREND_VALUES`] recorded values;
//! 5. **mature**: otherwise (stable, or a single recorded value).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use kehu_core::service::Lifecycle;
use kehu_core::{Customer, Date};
use serde::Serialize;
use serde_json::Value;

/// How many of the latest recorded `revenue_12m` values the trend spans.
pub const TREND_VALUES: usize = 4;

/// A lifecycle stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// First order recently.
    New,
    /// Revenue rising.
    Growing,
    /// Revenue stable.
    Mature,
    /// Revenue falling.
    Declining,
    /// No order within its expected gap.
    Lapsed,
}

/// Every stage, in lifecycle order.
pub const STAGES: [Stage; 5] = [
    Stage::New,
    Stage::Growing,
    Stage::Mature,
    Stage::Declining,
    Stage::Lapsed,
];

impl Stage {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Growing => "growing",
            Stage::Mature => "mature",
            Stage::Declining => "declining",
            Stage::Lapsed => "lapsed",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage with the figures that decided it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LifecycleGrade {
    /// The stage.
    pub stage: Stage,
    /// Why, in words.
    pub reason: String,
}

/// The events of a host's `changes` answer: a JSON list, or an object
/// holding one under `events`; empty otherwise.
pub fn event_list(events: &Value) -> &[Value] {
    match events {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => map
            .get("events")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        _ => &[],
    }
}

/// The `revenue_12m` values a customer's file took, oldest first, as
/// (day, value): from the book's history (kehu-git events as JSON, any
/// order) up to and including `until`. A customer's current value, when it
/// differs from the last recorded one, is added by [`values_with_current`].
pub fn revenue_histories(events: &Value, until: Date) -> BTreeMap<String, Vec<(Date, f64)>> {
    let list = event_list(events);
    let mut keyed: Vec<((Date, i64, usize), String, f64)> = Vec::new();
    for (order, event) in list.iter().enumerate() {
        let Some(commit) = event.get("commit") else {
            continue;
        };
        let Some(day) = commit
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<Date>().ok())
        else {
            continue;
        };
        if day > until {
            continue;
        }
        let time = commit.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        for customer in event
            .get("customers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = customer.get("id").and_then(Value::as_str) else {
                continue;
            };
            let value = customer
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|f| f.get("field").and_then(Value::as_str) == Some("metrics.revenue_12m"))
                .and_then(|f| f.get("new"))
                .and_then(Value::as_f64);
            if let Some(value) = value {
                keyed.push(((day, time, usize::MAX - order), id.to_owned(), value));
            }
        }
    }
    group_values(keyed)
}

/// Recorded `revenue_12m` values, in any order, grouped per customer
/// oldest first: what [`revenue_histories`] makes of events (a reader that
/// streams them keeps only what the stages read: [`RecentValues`]).
fn group_values(mut keyed: Vec<(ValueKey, String, f64)>) -> BTreeMap<String, Vec<(Date, f64)>> {
    keyed.sort_by_key(|k| k.0);
    let mut out: BTreeMap<String, Vec<(Date, f64)>> = BTreeMap::new();
    for ((day, _, _), id, value) in keyed {
        out.entry(id).or_default().push((day, value));
    }
    out
}

/// A recorded value's place in the history: (day, commit time, order within
/// a second), oldest first.
pub type ValueKey = (Date, i64, usize);

/// The recorded `revenue_12m` values that [`stage`] reads on a few days,
/// kept while they stream in (in any order): per customer, the last
/// [`TREND_VALUES`] recorded up to each day. An older value is dropped as
/// soon as every day has enough newer ones, so memory follows the
/// customers, not the length of the history read (a one-year report reads
/// two years of values).
#[derive(Debug, Default)]
pub struct RecentValues {
    /// The days read, in order.
    days: Vec<Date>,
    by_id: HashMap<String, Vec<(ValueKey, f64)>>,
}

impl RecentValues {
    /// Keeps what the stages on `days` read.
    pub fn new(days: &[Date]) -> RecentValues {
        let mut days = days.to_vec();
        days.sort_unstable();
        days.dedup();
        RecentValues {
            days,
            by_id: HashMap::new(),
        }
    }

    /// Values kept per customer at most.
    fn cap(&self) -> usize {
        TREND_VALUES * self.days.len()
    }

    /// Adds customer `id`'s value recorded at `key`.
    pub fn push(&mut self, key: ValueKey, id: &str, value: f64) {
        if self.days.last().is_none_or(|last| key.0 > *last) {
            return;
        }
        let cap = self.cap();
        let values = match self.by_id.get_mut(id) {
            Some(values) => values,
            None => self.by_id.entry(id.to_owned()).or_default(),
        };
        values.push((key, value));
        if values.len() >= 2 * cap {
            keep_recent(values, &self.days);
        }
    }

    /// Each customer's kept values, oldest first.
    pub fn finish(self) -> BTreeMap<String, Vec<(Date, f64)>> {
        let days = self.days;
        self.by_id
            .into_iter()
            .map(|(id, mut values)| {
                keep_recent(&mut values, &days);
                let values = values
                    .into_iter()
                    .map(|((day, _, _), v)| (day, v))
                    .collect();
                (id, values)
            })
            .collect()
    }
}

/// Sorts `values` oldest first and keeps those among the last
/// [`TREND_VALUES`] up to one of `days` (in order).
fn keep_recent(values: &mut Vec<(ValueKey, f64)>, days: &[Date]) {
    values.sort_by_key(|(key, _)| *key);
    let mut keep = vec![false; values.len()];
    for day in days {
        let upto = values.partition_point(|((d, _, _), _)| d <= day);
        for slot in &mut keep[upto.saturating_sub(TREND_VALUES)..upto] {
            *slot = true;
        }
    }
    let mut kept = keep.into_iter();
    values.retain(|_| kept.next().unwrap_or(false));
    values.shrink_to_fit();
}

/// The recorded values plus the customer's current `revenue_12m` when it
/// is not the last recorded one (a book read without history, or edited
/// since).
pub fn values_with_current(recorded: &[(Date, f64)], current: Option<f64>) -> Vec<f64> {
    let mut values: Vec<f64> = recorded.iter().map(|(_, v)| *v).collect();
    if let Some(now) = current
        && values.last() != Some(&now)
    {
        values.push(now);
    }
    values
}

/// What [`stage`] decided, with the figures its reason quotes: the
/// decision is made once, and its words only when someone reads them.
enum Decision {
    /// The last order is beyond the customer's usual gap (or the minimum).
    Lapsed {
        last: Date,
        since_last: i64,
        limit: f64,
        /// The usual gap between orders and the gap expected from it.
        gap: Option<(f64, f64)>,
    },
    /// The first order is recent.
    New { first: Date, since_first: i64 },
    /// Within its gap, with no recorded revenue.
    NoRevenue,
    /// Within its gap, with one recorded revenue.
    OneValue(f64),
    /// The trend over the last recorded values.
    Trend {
        from: f64,
        to: f64,
        values: usize,
        trend: f64,
    },
}

fn decide(
    customer: &Customer,
    revenues: &[f64],
    params: &Lifecycle,
    as_of: Date,
) -> Option<Decision> {
    let m = &customer.metrics;
    let first = m.first_order.or(m.last_order)?;
    let last = m.last_order.unwrap_or(first);
    let since_last = last.days_until(as_of);
    let orders = m.orders_total.unwrap_or(1).max(1);
    let usual_gap = (orders > 1).then(|| first.days_until(last) as f64 / (orders - 1) as f64);
    let expected = usual_gap.map_or(0.0, |g| g * params.gap_factor);
    let limit = expected.max(f64::from(params.lapsed_min_days));
    if since_last as f64 > limit {
        return Some(Decision::Lapsed {
            last,
            since_last,
            limit,
            gap: usual_gap.map(|g| (g, expected)),
        });
    }
    let since_first = first.days_until(as_of);
    if since_first <= i64::from(params.new_days) {
        return Some(Decision::New { first, since_first });
    }
    let window = &revenues[revenues.len().saturating_sub(TREND_VALUES)..];
    let (Some(&from), Some(&to)) = (window.first(), window.last()) else {
        return Some(Decision::NoRevenue);
    };
    if window.len() < 2 {
        return Some(Decision::OneValue(to));
    }
    let trend = if from > 0.0 {
        (to - from) / from
    } else if to > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    Some(Decision::Trend {
        from,
        to,
        values: window.len(),
        trend,
    })
}

impl Decision {
    fn stage(&self, params: &Lifecycle) -> Stage {
        match self {
            Decision::Lapsed { .. } => Stage::Lapsed,
            Decision::New { .. } => Stage::New,
            Decision::NoRevenue | Decision::OneValue(_) => Stage::Mature,
            Decision::Trend { trend, .. } if *trend > params.change => Stage::Growing,
            Decision::Trend { trend, .. } if *trend < -params.change => Stage::Declining,
            Decision::Trend { .. } => Stage::Mature,
        }
    }

    fn reason(&self, params: &Lifecycle) -> String {
        match self {
            Decision::Lapsed {
                last,
                since_last,
                limit,
                gap,
            } => {
                let gap = match gap {
                    Some((g, expected)) => format!(
                        "; usual gap {g:.0} d × {} = {expected:.0} d",
                        params.gap_factor
                    ),
                    None => String::new(),
                };
                format!("last order {last}, {since_last} d ago, beyond {limit:.0} d{gap}")
            }
            Decision::New { first, since_first } => format!(
                "first order {first}, {since_first} d ago (≤ {} d)",
                params.new_days
            ),
            Decision::NoRevenue => "no revenue recorded; orders within their gap".into(),
            Decision::OneValue(to) => format!("one recorded revenue_12m ({to})"),
            Decision::Trend {
                from,
                to,
                values,
                trend,
            } => {
                let span = format!("revenue_12m {from} → {to} over its last {values} values");
                let pct = |x: f64| format!("{:+.0}%", x * 100.0);
                let limit = params.change;
                match self.stage(params) {
                    Stage::Growing => {
                        format!("{span} ({} > +{:.0}%)", pct(*trend), limit * 100.0)
                    }
                    Stage::Declining => {
                        format!("{span} ({} < -{:.0}%)", pct(*trend), limit * 100.0)
                    }
                    _ => format!("{span} ({}, within ±{:.0}%)", pct(*trend), limit * 100.0),
                }
            }
        }
    }
}

/// The stage of `customer` as of `as_of`, given its `revenue_12m` values
/// oldest first, with the reason; `None` without any order.
pub fn stage(
    customer: &Customer,
    revenues: &[f64],
    params: &Lifecycle,
    as_of: Date,
) -> Option<LifecycleGrade> {
    let decision = decide(customer, revenues, params, as_of)?;
    Some(LifecycleGrade {
        stage: decision.stage(params),
        reason: decision.reason(params),
    })
}

/// [`stage`] without the reason: for a whole book's counts, where the
/// reasons' words would cost more than the decisions.
pub fn stage_only(
    customer: &Customer,
    revenues: &[f64],
    params: &Lifecycle,
    as_of: Date,
) -> Option<Stage> {
    decide(customer, revenues, params, as_of).map(|d| d.stage(params))
}

/// Each customer with orders, by id, graded by `grade` with its recorded
/// `revenue_12m` values (plus its current one).
fn each_stage<T>(
    customers: &[Customer],
    histories: &BTreeMap<String, Vec<(Date, f64)>>,
    grade: impl Fn(&Customer, &[f64]) -> Option<T>,
) -> BTreeMap<String, T> {
    customers
        .iter()
        .filter_map(|c| {
            let recorded = histories.get(&c.id).map_or(&[][..], Vec::as_slice);
            let values = values_with_current(recorded, c.metrics.revenue_12m);
            grade(c, &values).map(|g| (c.id.clone(), g))
        })
        .collect()
}

/// The stages of every customer with orders, by id.
pub fn stages(
    customers: &[Customer],
    histories: &BTreeMap<String, Vec<(Date, f64)>>,
    params: &Lifecycle,
    as_of: Date,
) -> BTreeMap<String, LifecycleGrade> {
    each_stage(customers, histories, |c, values| {
        stage(c, values, params, as_of)
    })
}

/// [`stages`] without the reasons.
pub fn stages_only(
    customers: &[Customer],
    histories: &BTreeMap<String, Vec<(Date, f64)>>,
    params: &Lifecycle,
    as_of: Date,
) -> BTreeMap<String, Stage> {
    each_stage(customers, histories, |c, values| {
        stage_only(c, values, params, as_of)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn customer(first: &str, last: &str, orders: i64) -> Customer {
        let mut c = Customer {
            id: "c".into(),
            name: "c".into(),
            stage: "won".into(),
            ..Customer::default()
        };
        c.metrics.first_order = Some(day(first));
        c.metrics.last_order = Some(day(last));
        c.metrics.orders_total = Some(orders);
        c
    }

    /// The stage and reason; the stage alone ([`stage_only`]) is the same.
    fn of(c: &Customer, revenues: &[f64]) -> Option<(Stage, String)> {
        let (params, as_of) = (Lifecycle::default(), day("2026-11-20"));
        let graded = stage(c, revenues, &params, as_of).map(|g| (g.stage, g.reason));
        let only = stage_only(c, revenues, &params, as_of);
        assert_eq!(only, graded.as_ref().map(|g| g.0));
        graded
    }

    #[test]
    fn stages_from_metrics_histories_made_by_hand() {
        // 11 orders over 2024-01-10..2026-11-01 (1026 d): usual gap 102.6 d,
        // expected 205 d; last order 19 d ago.
        let steady = customer("2024-01-10", "2026-11-01", 11);
        assert_eq!(
            of(&steady, &[100.0, 120.0, 130.0, 140.0]),
            Some((
                Stage::Growing,
                "revenue_12m 100 → 140 over its last 4 values (+40% > +10%)".into()
            ))
        );
        // Only the last four values count: 50 → 100 → 95 → 90 → 92 is −8%.
        assert_eq!(
            of(&steady, &[50.0, 100.0, 95.0, 90.0, 92.0]).unwrap().0,
            Stage::Mature
        );
        assert_eq!(of(&steady, &[200.0, 150.0]).unwrap().0, Stage::Declining);
        assert_eq!(
            of(&steady, &[200.0]),
            Some((Stage::Mature, "one recorded revenue_12m (200)".into()))
        );
        // The same rhythm but 220 d without an order: lapsed.
        let quiet = customer("2024-01-10", "2026-04-14", 9);
        let (stage, reason) = of(&quiet, &[100.0, 150.0]).unwrap();
        assert_eq!(stage, Stage::Lapsed);
        assert_eq!(
            reason,
            "last order 2026-04-14, 220 d ago, beyond 206 d; usual gap 103 d × 2 = 206 d"
        );
        // A single order 95 d ago: beyond the 90-day floor.
        assert_eq!(
            of(&customer("2026-08-17", "2026-08-17", 1), &[]).unwrap().0,
            Stage::Lapsed
        );
        // First order 60 d ago: new, even with rising revenue.
        let fresh = customer("2026-09-21", "2026-11-10", 3);
        assert_eq!(
            of(&fresh, &[10.0, 30.0]),
            Some((
                Stage::New,
                "first order 2026-09-21, 60 d ago (≤ 90 d)".into()
            ))
        );
        // No order: no stage.
        let mut lead = customer("2026-01-01", "2026-01-01", 0);
        lead.metrics = Default::default();
        assert_eq!(of(&lead, &[]), None);
    }

    #[test]
    fn recent_values_keep_what_the_stages_read() {
        // 120 values of 3 customers over 240 days, pushed in a scrambled
        // order (pruned on the way: 40 a customer): for each day read, the
        // last TREND_VALUES up to it are the same as from every value.
        let days = [day("2026-10-01"), day("2026-11-10")];
        let mut recent = RecentValues::new(&days);
        let mut all = Vec::new();
        for n in 0..120u32 {
            let scrambled = (n * 17) % 120;
            let on = day("2026-05-01").0 + chrono::TimeDelta::days(i64::from(scrambled * 2));
            let key = (Date(on), i64::from(scrambled), 0);
            let id = ["a", "b", "c"][(n % 3) as usize];
            recent.push(key, id, f64::from(scrambled));
            all.push((key, id.to_owned(), f64::from(scrambled)));
        }
        let kept = recent.finish();
        let every = group_values(all);
        for (id, values) in &every {
            for d in days {
                let last = |v: &[(Date, f64)]| -> Vec<(Date, f64)> {
                    let upto: Vec<_> = v.iter().copied().filter(|(on, _)| *on <= d).collect();
                    upto[upto.len().saturating_sub(TREND_VALUES)..].to_vec()
                };
                assert_eq!(last(&kept[id]), last(values), "{id} on {d}");
            }
            assert!(kept[id].len() <= 2 * TREND_VALUES);
        }
        // Nothing after the last day is kept.
        let mut late = RecentValues::new(&days);
        late.push((day("2026-12-01"), 0, 0), "a", 1.0);
        assert!(late.finish().is_empty());
    }

    #[test]
    fn revenue_histories_read_git_events_in_any_order() {
        let event = |date: &str, ts: i64, id: &str, value: f64| {
            json!({
                "commit": {"date": date, "timestamp": ts},
                "customers": [{"id": id, "fields": [
                    {"field": "metrics.revenue_12m", "old": null, "new": value},
                    {"field": "metrics.orders_12m", "old": 1, "new": 2}
                ]}]
            })
        };
        // Newest first, as the host sends them; the last is after `until`.
        let events = json!([
            event("2026-12-01", 40, "a", 9.0),
            event("2026-10-01", 30, "a", 130.0),
            event("2026-10-01", 20, "b", 5.0),
            event("2026-06-01", 10, "a", 100.0),
        ]);
        let h = revenue_histories(&events, day("2026-11-20"));
        assert_eq!(
            h["a"],
            [(day("2026-06-01"), 100.0), (day("2026-10-01"), 130.0)]
        );
        assert_eq!(h["b"], [(day("2026-10-01"), 5.0)]);
        assert_eq!(values_with_current(&h["a"], Some(130.0)), [100.0, 130.0]);
        assert_eq!(
            values_with_current(&h["a"], Some(150.0)),
            [100.0, 130.0, 150.0]
        );
    }
}
