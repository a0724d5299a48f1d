//! Times the computations on a synthetic book (default 100,000 customers).
//!
//! ```text
//! cargo run --release -p kehu-analytics --example bench -- [CUSTOMERS]
//! ```
//!
//! The book is generated from a fixed seed, so runs are comparable. Each
//! step runs five times and the fastest run is printed.

use std::time::Instant;

use kehu_analytics::abc::abc;
use kehu_analytics::bgnbd::{Observation, fit};
use kehu_analytics::cadence::follow_up;
use kehu_analytics::pipeline::PipelineGrade;
use kehu_analytics::rfm::{RfmInput, rfm};
use kehu_analytics::risk::{RiskInputs, risk, typical_gap_days};
use kehu_analytics::tier::classify;
use kehu_analytics::urgency::{DEFAULT_STEP_DAYS, order, urgency};
use kehu_analytics::{Policy, grade_book};
use kehu_core::config::{Config, RfmWindow};
use kehu_core::expr::CustomerFields;
use kehu_core::{Customer, Date};

/// xorshift64*: a tiny deterministic generator, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn add_days(d: Date, n: i64) -> Date {
    Date(d.0 + chrono::TimeDelta::days(n))
}

fn book(n: usize, as_of: Date) -> Vec<Customer> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let stages = [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "won",
        "won",
        "lost",
    ];
    let referrals = ["likely", "possible", "unlikely"];
    (0..n)
        .map(|i| {
            let mut c = Customer {
                id: format!("c{i:06}"),
                name: format!("Customer {i}"),
                stage: stages[rng.below(stages.len() as u64) as usize].into(),
                ..Customer::default()
            };
            if rng.below(3) > 0 {
                c.expected_close = Some(add_days(as_of, rng.below(400) as i64 - 30));
            }
            let orders = if rng.below(10) == 0 {
                0
            } else {
                1 + (rng.unit().powi(3) * 60.0) as i64
            };
            let m = &mut c.metrics;
            if orders > 0 {
                let age = 30 + rng.below(1500) as i64;
                let first = add_days(as_of, -age);
                let last = add_days(first, rng.below(age as u64 + 1) as i64);
                m.first_order = Some(first);
                m.last_order = Some(last);
                m.orders_total = Some(orders);
                let recent = if last.days_until(as_of) <= 365 {
                    1 + rng.below(orders as u64) as i64
                } else {
                    0
                };
                m.orders_12m = Some(recent);
                let per_order = 50.0 + rng.unit().powi(4) * 200_000.0;
                m.revenue_total = Some((per_order * orders as f64 * 100.0).round() / 100.0);
                m.revenue_12m = Some((per_order * recent as f64 * 100.0).round() / 100.0);
            }
            if rng.below(2) == 0 {
                m.satisfaction = Some(1.0 + (rng.below(41) as f64) / 10.0);
                m.repurchase = Some(rng.unit());
                m.referral = Some(referrals[rng.below(3) as usize].into());
            }
            if rng.below(5) > 0 {
                c.contact.last = Some(add_days(as_of, -(rng.below(400) as i64)));
            }
            c
        })
        .collect()
}

/// CPU time used by the whole process so far (all threads), in seconds,
/// from /proc/self/stat (Linux; 10 ms resolution). `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Runs `f` REPEAT times and prints the fastest wall time and the mean CPU
/// time per run: on a shared machine the fastest run and the CPU time are
/// the figures least disturbed by other work.
fn time<T>(label: &str, f: impl Fn() -> T) -> T {
    let mut best = f64::INFINITY;
    let mut out = None;
    let cpu_start = cpu_seconds();
    for _ in 0..REPEAT {
        let start = Instant::now();
        out = Some(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    let cpu = match (cpu_start, cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:>8.0} ms CPU", (b - a) / REPEAT as f64 * 1e3),
        _ => String::new(),
    };
    println!("{label:<52} {:>8.1} ms wall {cpu}", best * 1e3);
    match out {
        Some(out) => out,
        None => f(),
    }
}

const REPEAT: usize = 5;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let as_of = Date::from_ymd(2026, 11, 22).unwrap_or(Date(chrono::NaiveDate::MIN));
    let customers = book(n, as_of);
    println!("{n} customers");
    let total = Instant::now();

    for window in [RfmWindow::Months(12), RfmWindow::All] {
        let mut config = Config::default();
        config.rfm.window = window;
        let policy = match Policy::from_config(&config) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        let inputs: Vec<RfmInput<'_>> = customers
            .iter()
            .filter_map(|c| RfmInput::from_customer(c, window, as_of).ok())
            .collect();
        let money: Vec<(&str, i64)> = inputs.iter().map(|i| (i.id, i.monetary_cents)).collect();
        time("  of which ABC", || abc(&money, policy.abc).len());
        time("  of which RFM", || rfm(&inputs, window).0.len());
        let rules = policy.tier_rules();
        time("  of which tiers (stored grades)", || {
            customers
                .iter()
                .filter_map(|c| classify(&rules, &CustomerFields::new(c, as_of)))
                .count()
        });
        let label = format!("grade_book (ABC, RFM, pipeline, loyalty, tier) {window:?}");
        let grades = time(&label, || grade_book(&customers, &policy, as_of));
        let Ok(grades) = grades else {
            eprintln!("grading failed");
            std::process::exit(2);
        };
        if window == RfmWindow::All {
            let a = grades
                .customers
                .iter()
                .filter(|g| g.abc.class.as_str() == "A")
                .count();
            println!("  A customers: {a}");
        }
        let agenda = time("cadence + follow-up + urgency, sorted", || {
            let mut rows: Vec<_> = customers
                .iter()
                .zip(&grades.customers)
                .filter_map(|(c, g)| {
                    let tier = g.tier.as_ref().map(|t| t.name.as_str());
                    let choice = policy.cadence_for(Some(g.pipeline.grade), tier, None)?;
                    let f = follow_up(choice.cadence, c.contact.last, as_of);
                    let weight = policy.tier_or_default(tier).map_or(1.0, |t| t.weight);
                    let u = urgency(choice.cadence, f.days_since, weight, DEFAULT_STEP_DAYS);
                    Some((u, c.id.as_str()))
                })
                .collect();
            rows.sort_by(|a, b| order((&a.0, a.1), (&b.0, b.1)));
            rows.len()
        });
        assert_eq!(agenda, n);
        let _ = PipelineGrade::A;
    }

    let obs: Vec<Observation> = time("BG/NBD observations", || {
        customers
            .iter()
            .filter_map(|c| Observation::from_metrics(&c.metrics, as_of))
            .collect()
    });
    let fitted = time("BG/NBD fit (grouped, L-BFGS)", || fit(&obs));
    let Ok(fitted) = fitted else {
        eprintln!("fit failed");
        std::process::exit(2);
    };
    println!(
        "  r {:.4} alpha {:.4} a {:.4} b {:.4} LL {:.1} ({} customers, {} distinct, {} iterations)",
        fitted.params.r,
        fitted.params.alpha,
        fitted.params.a,
        fitted.params.b,
        fitted.log_likelihood,
        fitted.customers,
        fitted.distinct,
        fitted.iterations
    );
    let expected: f64 = time("P(alive) + expected orders in 13 weeks, all", || {
        obs.iter()
            .map(|o| {
                fitted.params.p_alive(o)
                    + fitted.params.expected_transactions(o, 13.0).unwrap_or(0.0)
            })
            .sum()
    });
    println!("  checksum {expected:.3}");
    let weights = Config::default().churn.weights;
    let high = time("risk score, all", || {
        customers
            .iter()
            .filter(|c| {
                let m = &c.metrics;
                let inputs = RiskInputs {
                    p_alive: Observation::from_metrics(m, as_of).map(|o| fitted.params.p_alive(&o)),
                    days_since_order: m.last_order.map(|d| d.days_until(as_of)),
                    typical_gap_days: typical_gap_days(m),
                    ..RiskInputs::default()
                };
                risk(&inputs, &weights, 0.6, 0.3).band.as_str() == "high"
            })
            .count()
    });
    println!("  high risk: {high}");
    println!(
        "{:<52} {:>8.1} ms",
        format!("wall time of everything above ({REPEAT} runs each)"),
        total.elapsed().as_secs_f64() * 1e3
    );
}
