//! Timing on a synthetic 100,000-customer book (ignored by default; run
//! `cargo test --release -p kehu-churn scale -- --ignored --nocapture`).

use std::time::Instant;

use kehu_core::Customer;
use kehu_plugin_sdk::testing::TestHost;

use super::{config_with_weights, customer, day, run};

fn synthetic(n: usize) -> Vec<Customer> {
    let start = day("2020-01-01");
    (0..n)
        .map(|i| {
            // A fixed pseudo-random spread of first orders, counts and gaps.
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let first = crate::history::shift(start, (h % 2000) as i64);
            let orders = 1 + (h >> 20) % 40;
            let span = if orders == 1 { 0 } else { 1 + (h >> 32) % 900 };
            let last = crate::history::shift(first, span as i64);
            let mut c = customer(
                &format!("c{i:06}"),
                orders as i64,
                &first.to_string(),
                &last.to_string(),
            );
            c.metrics.satisfaction = Some(1.0 + ((h >> 40) % 5) as f64);
            c.metrics.revenue_12m = Some(((h >> 24) % 100_000) as f64);
            c
        })
        .collect()
}

#[test]
#[ignore = "timing"]
fn scale_100k() {
    let customers = synthetic(100_000);
    let host = TestHost::new(day("2026-11-20"))
        .with_config(config_with_weights([0.35, 0.25, 0.15, 0.10, 0.075, 0.075]))
        .with_customers(customers);
    for args in [
        &["--model"][..],
        &[],
        &["--all", "--format", "json"],
        &["--dry-run"],
    ] {
        let t = Instant::now();
        let r = run(&host, args);
        assert_eq!(r.exit_code, 0, "{}", r.stderr);
        println!(
            "{args:?}: {:.0} ms, {} bytes out",
            t.elapsed().as_secs_f64() * 1e3,
            r.stdout.len()
        );
    }
}

#[test]
#[ignore = "timing"]
fn scale_parts() {
    use kehu_analytics::bgnbd::{Observation, fit};
    let customers = synthetic(100_000);
    let t = Instant::now();
    let bytes =
        kehu_plugin::protocol::encode_book(day("2026-11-20"), &serde_json::json!({}), &customers)
            .unwrap();
    println!(
        "encode {:.0} ms ({} bytes)",
        t.elapsed().as_secs_f64() * 1e3,
        bytes.len()
    );
    let t = Instant::now();
    let book = kehu_plugin::protocol::Book::from_json(&bytes).unwrap();
    println!("decode {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let obs: Vec<Observation> = book
        .customers
        .iter()
        .filter_map(|c| Observation::from_metrics(&c.metrics, day("2026-11-20")))
        .collect();
    let t = Instant::now();
    let f = fit(&obs).unwrap();
    println!(
        "fit {:.0} ms, {} distinct, {} iterations",
        t.elapsed().as_secs_f64() * 1e3,
        f.distinct,
        f.iterations
    );
}

/// `KEHU_CHURN_BOOK=DIR cargo test --release -p kehu-churn scale_book -- --ignored --nocapture`:
/// load a real book directory, then time the plugin on it (no history).
#[test]
#[ignore = "timing"]
fn scale_book() {
    let Some(dir) = std::env::var_os("KEHU_CHURN_BOOK") else {
        return;
    };
    let as_of = day("2026-11-20");
    let t = Instant::now();
    let book = kehu_core::load_book(
        std::path::Path::new(&dir),
        &kehu_core::LoadOptions { as_of },
    )
    .unwrap();
    println!("load {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let customers: Vec<Customer> = book.customers.into_iter().map(|c| c.customer).collect();
    let host = TestHost::new(as_of)
        .with_config(serde_json::to_value(&book.config).unwrap())
        .with_customers(customers);
    for args in [&["--model"][..], &[]] {
        let t = Instant::now();
        let r = run(&host, args);
        assert_eq!(r.exit_code, 0, "{}", r.stderr);
        println!(
            "{args:?}: {:.0} ms\n{}",
            t.elapsed().as_secs_f64() * 1e3,
            r.stdout
        );
    }
}

/// `KEHU_CHURN_BOOK=DIR cargo test --release -p kehu-churn scale_history -- --ignored --nocapture`:
/// what the book-wide `changes` call costs over the signal windows.
#[test]
#[ignore = "timing"]
fn scale_history() {
    let Some(dir) = std::env::var_os("KEHU_CHURN_BOOK") else {
        return;
    };
    let book = kehu_git::Book::open(std::path::Path::new(&dir)).unwrap();
    let as_of = day("2026-11-20");
    for days in [90, 365] {
        let since = crate::history::days_before(as_of, days);
        let t = Instant::now();
        let query = kehu_git::LogQuery {
            since: Some(since),
            until: Some(as_of),
            ..kehu_git::LogQuery::default()
        };
        let events = book.history().log(&query).unwrap();
        let walked = t.elapsed();
        let bytes = serde_json::to_vec(&events).unwrap();
        let encoded = t.elapsed();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let trails = crate::history::Trails::read(&value, since, as_of).unwrap();
        println!(
            "{days} d: {} events, walk {:.0} ms, JSON {} MB at {:.0} ms, read {:.0} ms ({})",
            events.len(),
            walked.as_secs_f64() * 1e3,
            bytes.len() / 1_000_000,
            encoded.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3,
            trails.get("zzz").is_none()
        );
    }
}
