//! Measures the plugin layer's own costs, outside the `kehu` binary:
//!
//! - handing a book to a plugin, in JSON (the host's `encode_book` plus
//!   `Book::from_json`) and in the binary encoding the SDK asks for
//!   (`encode_book_binary` plus `Book::from_answer`), against loading that
//!   book from disk with kehu-core;
//! - discovering and loading every plugin in some directories.
//!
//! ```sh
//! cargo run --release -p kehu-plugin --example overhead -- 100000 [PLUGIN_DIR...]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kehu_core::{Customer, Date, LoadOptions, load_book};
use kehu_plugin::host::{Origin, Registry, SearchPath};
use kehu_plugin::protocol::{Book, ProtocolError, encode_book, encode_book_binary};

fn customer(i: usize) -> Customer {
    let mut c = Customer {
        id: format!("customer-{i:06}"),
        name: format!("Customer number {i} Ltd."),
        region: Some(["east", "west", "north", "south"][i % 4].into()),
        industry: Some(["manufacturing", "retail", "software"][i % 3].into()),
        owner: Some(format!("owner-{}", i % 40).into()),
        since: Date::from_ymd(
            2020 + (i % 6) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        ),
        stage: [
            "lead",
            "qualified",
            "proposal",
            "negotiation",
            "won",
            "lost",
        ][i % 6]
            .into(),
        ..Customer::default()
    };
    c.grade.tier = Some(["strategic", "key", "ordinary", "small"][i % 4].into());
    c.grade.abc = Some(["A", "B", "C"][i % 3].into());
    c.grade.rfm = Some("general-keep".into());
    c.grade.pipeline = Some(["A", "B", "C", "D", "E"][i % 5].into());
    c.metrics.revenue_12m = Some((i * 37 % 100_000) as f64 * 10.0);
    c.metrics.revenue_total = Some((i * 91 % 1_000_000) as f64 * 10.0);
    c.metrics.orders_total = Some((i % 90) as i64);
    c.metrics.orders_12m = Some((i % 30) as i64);
    c.metrics.first_order = Date::from_ymd(2021, 1 + (i % 12) as u32, 1 + (i % 28) as u32);
    c.metrics.last_order = Date::from_ymd(2026, 1 + (i % 10) as u32, 1 + (i % 28) as u32);
    c.metrics.satisfaction = Some(1.0 + (i % 40) as f64 / 10.0);
    c.contact.last = Date::from_ymd(2026, 1 + (i % 10) as u32, 1 + (i % 28) as u32);
    c.contact.channel = Some("call".into());
    c
}

/// CPU time used by this process so far (all threads), from
/// `/proc/self/stat` on Linux; `None` elsewhere. On a busy shared machine
/// CPU time compares work more fairly than wall time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, in clock
    // ticks (100 per second on Linux).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs `f` `runs` times; the best wall time, the CPU time of that run, and
/// the last value.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut best = (Duration::MAX, Duration::ZERO);
    let mut last = None;
    for _ in 0..runs {
        let cpu = cpu_time();
        let start = Instant::now();
        let value = f();
        let wall = start.elapsed();
        let cpu = cpu.zip(cpu_time()).map(|(a, b)| b - a).unwrap_or_default();
        if wall < best.0 {
            best = (wall, cpu);
        }
        last = Some(value);
    }
    (best.0, best.1, last.expect("at least one run"))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Prints one encoding's costs against loading the book.
fn report(
    name: &str,
    (load, load_cpu): (Duration, Duration),
    (encode, encode_cpu, size): (Duration, Duration, usize),
    (decode, decode_cpu, decoded): (Duration, Duration, Result<Book, ProtocolError>),
    count: usize,
) -> Result<(), ProtocolError> {
    assert_eq!(decoded?.customers.len(), count);
    println!(
        "{name}: {size} bytes; wall: load_book {:.0} ms; encode {:.0} ms + decode {:.0} ms = {:.0}% of loading",
        ms(load),
        ms(encode),
        ms(decode),
        100.0 * (encode + decode).as_secs_f64() / load.as_secs_f64()
    );
    if !load_cpu.is_zero() {
        println!(
            "{name}: cpu:  load_book {:.0} ms; encode {:.0} ms + decode {:.0} ms = {:.0}% of loading",
            ms(load_cpu),
            ms(encode_cpu),
            ms(decode_cpu),
            100.0 * (encode_cpu + decode_cpu).as_secs_f64() / load_cpu.as_secs_f64()
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let plugin_dirs: Vec<PathBuf> = args.map(PathBuf::from).collect();

    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("kehu.toml"), "")?;
    for i in 0..count {
        let c = customer(i);
        let shard = dir.path().join("customers").join(&c.id[..2]);
        std::fs::create_dir_all(&shard)?;
        std::fs::write(shard.join(format!("{}.toml", c.id)), toml::to_string(&c)?)?;
    }
    let as_of: Date = "2026-11-18".parse()?;
    let options = LoadOptions { as_of };
    let (load, load_cpu, book) = best_of(3, || load_book(dir.path(), &options));
    let book = book?;
    let customers = || book.customers.iter().map(|c| &c.customer);
    println!("{} customers", book.customers.len());
    let json = best_of(3, || encode_book(as_of, &book.config, customers()));
    let json_bytes = json.2?;
    report(
        "JSON",
        (load, load_cpu),
        (json.0, json.1, json_bytes.len()),
        best_of(3, || Book::from_json(&json_bytes)),
        book.customers.len(),
    )?;
    drop(json_bytes);
    let binary = best_of(3, || encode_book_binary(as_of, &book.config, customers()));
    let binary_bytes = binary.2?;
    report(
        "binary",
        (load, load_cpu),
        (binary.0, binary.1, binary_bytes.len()),
        best_of(3, || Book::from_answer(&binary_bytes)),
        book.customers.len(),
    )?;

    if !plugin_dirs.is_empty() {
        let mut search = SearchPath::new();
        for dir in plugin_dirs {
            search.push(dir, Origin::Flag);
        }
        let start = Instant::now();
        let registry = Registry::load_all(&search);
        let elapsed = start.elapsed();
        for warning in registry.warnings() {
            eprintln!("warning: {warning}");
        }
        println!(
            "loaded {} plugins in {:.2} ms",
            registry.plugins().len(),
            ms(elapsed)
        );
    }
    Ok(())
}
