//! Loads a book, runs the policy checks and prints every diagnostic with the
//! time taken: `cargo run --release -p kehu-core --example check_book -- DIR [YYYY-MM-DD]`.
//! With `--plain-toml` it instead parses every customer file single-threaded
//! with `toml::from_str::<Customer>` (the baseline the loader must beat).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use kehu_core::{Customer, Date, LoadOptions, check_policy, load_book};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plain = args.iter().any(|a| a == "--plain-toml");
    let rest: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(root) = rest.first().map(PathBuf::from) else {
        eprintln!("usage: check_book DIR [YYYY-MM-DD] [--plain-toml]");
        return ExitCode::from(2);
    };
    let as_of = match rest.get(1).map(|d| d.parse::<Date>()) {
        Some(Ok(date)) => date,
        Some(Err(err)) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
        None => Date(chrono::Local::now().date_naive()),
    };
    if plain {
        return plain_parse(&root);
    }
    let start = Instant::now();
    let book = match load_book(&root, &LoadOptions { as_of }) {
        Ok(book) => book,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let loaded = start.elapsed();
    let policy = check_policy(&book, as_of);
    let total = start.elapsed();
    for d in book.diagnostics.iter().chain(&policy) {
        println!("{d}");
    }
    eprintln!(
        "{} customers loaded, {} diagnostics, {} policy; load+validate {:.3}s, with policy {:.3}s",
        book.customers.len(),
        book.diagnostics.len(),
        policy.len(),
        loaded.as_secs_f64(),
        total.as_secs_f64()
    );
    if book.diagnostics.is_empty() && policy.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn plain_parse(root: &std::path::Path) -> ExitCode {
    let start = Instant::now();
    let mut parsed = 0usize;
    let mut failed = 0usize;
    for entry in walkdir::WalkDir::new(root.join("customers")) {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            failed += 1;
            continue;
        };
        match toml::from_str::<Customer>(&text) {
            Ok(_) => parsed += 1,
            Err(_) => failed += 1,
        }
    }
    eprintln!(
        "plain toml::from_str::<Customer>, one thread: {parsed} parsed, {failed} failed in {:.3}s",
        start.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
