//! The CDNOW sample of Fader, Hardie & Lee (2005): the published BG/NBD fit,
//! and ABC/RFM checked against a second, deliberately simple implementation.

use std::collections::BTreeMap;

use kehu_analytics::abc::{AbcClass, AbcThresholds, abc};
use kehu_analytics::bgnbd::{self, Observation, fit, group};
use kehu_analytics::rfm::{RfmInput, RfmWindow, Segment, rfm};
use kehu_core::Date;

/// One customer's purchases: date → cents (several lines on a day summed).
type Days = BTreeMap<Date, i64>;

fn load() -> BTreeMap<String, Days> {
    let text = include_str!("data/CDNOW_sample.txt");
    let mut out: BTreeMap<String, Days> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 5, "{line}");
        let id = cols[1].to_string();
        let d = cols[2];
        let date = Date::from_ymd(
            d[0..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..8].parse().unwrap(),
        )
        .unwrap();
        let cents = (cols[4].parse::<f64>().unwrap() * 100.0).round() as i64;
        *out.entry(id).or_default().entry(date).or_default() += cents;
    }
    out
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

#[test]
fn bgnbd_fit_matches_the_paper() {
    let customers = load();
    assert_eq!(customers.len(), 2357);
    let end = day(1997, 9, 30);
    let obs: Vec<Observation> = customers
        .values()
        .map(|days| {
            let in_cal: Vec<Date> = days.keys().copied().filter(|d| *d <= end).collect();
            let first = in_cal[0];
            let last = *in_cal.last().unwrap();
            Observation::from_days(
                (in_cal.len() - 1) as u32,
                first.days_until(last),
                first.days_until(end),
            )
        })
        .collect();
    let f = fit(&obs).unwrap();
    let p = f.params;
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    assert_eq!(
        (round3(p.r), round3(p.alpha), round3(p.a), round3(p.b)),
        (0.243, 4.414, 0.793, 2.426),
        "{f:?}"
    );
    assert_eq!((f.log_likelihood * 10.0).round() / 10.0, -9582.4, "{f:?}");
    assert_eq!(f.customers, 2357);
    assert!(f.distinct < f.customers);
    // The fit is a stationary point.
    let (_, g) = bgnbd::gradient(&p, &group(&obs));
    for d in g {
        assert!(d.abs() < 1e-3, "{g:?}");
    }
}

/// The rules of issue 5 written the plain way: sort, cumulate, compare.
fn simple_abc(money: &[(String, i64)]) -> BTreeMap<String, AbcClass> {
    let mut sorted = money.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: i64 = sorted.iter().map(|x| x.1).sum();
    let mut out = BTreeMap::new();
    let mut cum = 0i64;
    let mut a_done = false;
    let mut b_done = false;
    for (id, m) in sorted {
        cum += m;
        let class = if !a_done {
            AbcClass::A
        } else if !b_done {
            AbcClass::B
        } else {
            AbcClass::C
        };
        // share ≥ 80% ⇔ 100·cum ≥ 80·total
        if !a_done && 100 * cum >= 80 * total {
            a_done = true;
        }
        if !b_done && 100 * cum >= 95 * total && a_done && class != AbcClass::C {
            b_done = true;
        }
        out.insert(id, class);
    }
    out
}

fn simple_scores(values: &[(String, i64)], worst_first_desc: bool) -> BTreeMap<String, u8> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| {
        let by = if worst_first_desc {
            b.1.cmp(&a.1)
        } else {
            a.1.cmp(&b.1)
        };
        by.then(a.0.cmp(&b.0))
    });
    let n = v.len();
    v.into_iter()
        .enumerate()
        .map(|(i, (id, _))| {
            let p = i + 1;
            let score = ((5 * p) as f64 / n as f64).ceil() as u8;
            (id, score)
        })
        .collect()
}

#[test]
fn abc_and_rfm_agree_with_a_simple_implementation() {
    let customers = load();
    let as_of = day(1998, 6, 30);
    // Window "all": frequency = order days, monetary = all revenue.
    let rows: Vec<(String, i64, i64, i64)> = customers
        .iter()
        .map(|(id, days)| {
            let last = *days.keys().last().unwrap();
            (
                id.clone(),
                last.days_until(as_of),
                days.len() as i64,
                days.values().sum(),
            )
        })
        .collect();

    // ABC
    let money: Vec<(String, i64)> = rows.iter().map(|r| (r.0.clone(), r.3)).collect();
    let pairs: Vec<(&str, i64)> = money.iter().map(|(id, m)| (id.as_str(), *m)).collect();
    let got = abc(&pairs, AbcThresholds::default());
    let want = simple_abc(&money);
    for ((id, _), g) in money.iter().zip(&got) {
        assert_eq!(g.class, want[id], "customer {id}: {}", g.reason);
    }
    let a_count = got.iter().filter(|g| g.class == AbcClass::A).count();
    let share = a_count as f64 / got.len() as f64;
    println!(
        "CDNOW sample: {a_count} of {} customers ({:.1}%) hold 80% of revenue",
        got.len(),
        share * 100.0
    );
    assert!(a_count > 0 && a_count < got.len() / 2);

    // RFM
    let inputs: Vec<RfmInput<'_>> = rows
        .iter()
        .map(|r| RfmInput {
            id: &r.0,
            recency_days: Some(r.1),
            frequency: r.2,
            monetary_cents: r.3,
        })
        .collect();
    let (res, _) = rfm(&inputs, RfmWindow::All);
    let pick = |k: usize| -> Vec<(String, i64)> {
        rows.iter()
            .map(|r| {
                let v = [r.1, r.2, r.3][k];
                (r.0.clone(), v)
            })
            .collect()
    };
    let rs = simple_scores(&pick(0), true);
    let fs = simple_scores(&pick(1), false);
    let ms = simple_scores(&pick(2), false);
    let n = rows.len() as f64;
    let mean = |k: usize| pick(k).iter().map(|x| x.1 as f64).sum::<f64>() / n;
    let (mr, mf, mm) = (mean(0), mean(1), mean(2));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (r, row) in res.iter().zip(&rows) {
        let s = r.scores.unwrap();
        assert_eq!(
            (s.r, s.f, s.m),
            (rs[&row.0], fs[&row.0], ms[&row.0]),
            "{}",
            row.0
        );
        let high = (
            (row.1 as f64) < mr,
            (row.2 as f64) > mf,
            (row.3 as f64) > mm,
        );
        let want = match high {
            (true, true, true) => "important-value",
            (true, false, true) => "important-develop",
            (false, true, true) => "important-keep",
            (false, false, true) => "important-retain",
            (true, true, false) => "general-value",
            (true, false, false) => "general-develop",
            (false, true, false) => "general-keep",
            (false, false, false) => "general-retain",
        };
        assert_eq!(r.segment.as_str(), want, "{}: {}", row.0, r.reason);
        assert_ne!(r.segment, Segment::None);
        *counts.entry(r.segment.as_str()).or_default() += 1;
    }
    println!("CDNOW sample RFM segments: {counts:?}");
    assert!(counts.len() >= 6);
}
