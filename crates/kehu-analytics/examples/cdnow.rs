//! Fits BG/NBD to a CDNOW transaction file and compares the predicted
//! repeat purchases in the holdout period with the actual ones, as in
//! Fader, Hardie & Lee (2005).
//!
//! ```text
//! cargo run --release -p kehu-analytics --example cdnow -- FILE
//! ```
//!
//! FILE is `CDNOW_master.txt` (id, date, CDs, value; one header line) or
//! `CDNOW_sample.txt` (sample id, master id, date, CDs, value). Calibration
//! is 1997-01-01..1997-09-30 (39 weeks), holdout 1997-10-01..1998-06-30
//! (weeks 40–78). Several purchases on one day are one transaction.

use std::collections::BTreeMap;
use std::process::ExitCode;

use kehu_analytics::bgnbd::{Observation, fit};
use kehu_core::Date;

fn parse_day(text: &str) -> Option<Date> {
    if text.len() != 8 {
        return None;
    }
    Date::from_ymd(
        text[0..4].parse().ok()?,
        text[4..6].parse().ok()?,
        text[6..8].parse().ok()?,
    )
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cdnow FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    // customer → distinct purchase days
    let mut days: BTreeMap<String, Vec<Date>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (id, day) = match cols.len() {
            4 => (cols[0], cols[1]),
            5 => (cols[1], cols[2]),
            _ => continue,
        };
        let Some(day) = parse_day(day) else {
            if n > 0 {
                eprintln!("{path}:{}: not a date: {day}", n + 1);
            }
            continue;
        };
        days.entry(id.to_string()).or_default().push(day);
    }
    for v in days.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    let (Some(end), Some(holdout_end)) = (Date::from_ymd(1997, 9, 30), Date::from_ymd(1998, 6, 30))
    else {
        return ExitCode::from(2);
    };
    let mut obs = Vec::new();
    let mut actual = Vec::new();
    for v in days.values() {
        let cal: Vec<Date> = v.iter().copied().filter(|d| *d <= end).collect();
        let (Some(first), Some(last)) = (cal.first(), cal.last()) else {
            continue;
        };
        obs.push(Observation::from_days(
            (cal.len() - 1) as u32,
            first.days_until(*last),
            first.days_until(end),
        ));
        actual.push(v.iter().filter(|d| **d > end && **d <= holdout_end).count());
    }
    // (The fit's time against lifetimes is a row of the bench harness:
    // `kehu-bench fit-cdnow`.)
    let fitted = match fit(&obs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let p = fitted.params;
    println!(
        "{} customers, {} distinct (x, t_x, T), {} iterations",
        fitted.customers, fitted.distinct, fitted.iterations
    );
    println!(
        "r = {:.4}  alpha = {:.4}  a = {:.4}  b = {:.4}  LL = {:.2}",
        p.r, p.alpha, p.a, p.b, fitted.log_likelihood
    );
    let horizon = holdout_end.days_until(end).unsigned_abs() as f64 / 7.0;
    // Conditional expectations by calibration frequency (the paper's Figure 4).
    let mut by_x: BTreeMap<u32, (usize, f64, usize)> = BTreeMap::new();
    let (mut pred_total, mut act_total) = (0.0, 0usize);
    for (o, a) in obs.iter().zip(&actual) {
        let e = p.expected_transactions(o, horizon).unwrap_or(f64::NAN);
        pred_total += e;
        act_total += a;
        let slot = by_x.entry(o.x.min(7)).or_default();
        slot.0 += 1;
        slot.1 += e;
        slot.2 += a;
    }
    let mean_alive = obs.iter().map(|o| p.p_alive(o)).sum::<f64>() / obs.len() as f64;
    println!("mean P(alive) at week 39: {mean_alive:.6}");
    println!(
        "holdout weeks 40-78 ({horizon:.1} weeks): predicted {pred_total:.1} repeat transactions, actual {act_total}"
    );
    println!("x in weeks 1-39 | customers | predicted mean | actual mean");
    for (x, (n, e, a)) in by_x {
        let label = if x == 7 {
            "7+".to_string()
        } else {
            x.to_string()
        };
        println!(
            "{label:>15} | {n:>9} | {:>14.3} | {:>11.3}",
            e / n as f64,
            a as f64 / n as f64
        );
    }
    ExitCode::SUCCESS
}
