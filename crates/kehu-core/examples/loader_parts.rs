//! Where the loader's time goes, single-threaded, on files already in memory:
//! `cargo run --release -p kehu-core --example loader_parts -- DIR`.
//! Prints the cost of bare TOML parsing, of `toml::from_str::<Customer>`, and
//! of the loader's whole per-file path (`check_file`).

use std::time::Instant;

use kehu_core::{Customer, Date, check_file, load_config};

fn main() {
    let Some(root) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: loader_parts DIR");
        return;
    };
    let Ok(report) = load_config(&root) else {
        eprintln!("no kehu.toml in {}", root.display());
        return;
    };
    let config = report.config.unwrap_or_default();
    let files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(root.join("customers"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some((rel, std::fs::read(e.path()).ok()?))
        })
        .collect();
    let as_of = Date::from_ymd(2026, 11, 22).unwrap_or(Date(chrono::NaiveDate::MIN));
    let time = |label: &str, f: &dyn Fn(&str, &[u8]) -> bool| {
        let start = Instant::now();
        let ok = files.iter().filter(|(p, b)| f(p, b)).count();
        println!(
            "{label:<32} {:>7.3}s  ({ok} ok of {})",
            start.elapsed().as_secs_f64(),
            files.len()
        );
    };
    time("utf-8 check", &|_, b| std::str::from_utf8(b).is_ok());
    time("toml DeTable::parse", &|_, b| {
        std::str::from_utf8(b).is_ok_and(|t| toml::de::DeTable::parse(t).is_ok())
    });
    time("toml::from_str::<Customer>", &|_, b| {
        std::str::from_utf8(b).is_ok_and(|t| toml::from_str::<Customer>(t).is_ok())
    });
    time("kehu check_file", &|p, b| {
        check_file(p, b, &config, as_of).customer.is_some()
    });
}
