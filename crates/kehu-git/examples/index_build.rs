//! Builds the history index of a book from nothing and prints what it cost:
//! wall time, CPU time and the process's peak resident memory, the figures
//! the memory rule of issue 11 is about. The book's own files are not
//! loaded, so the peak is the build's alone.
//!
//! ```text
//! cargo run --release -p kehu-git --example index_build -- BOOK [SINCE]
//! ```
//!
//! With SINCE (a date, `2026-09-01`) only the commits of that window are
//! indexed, as a first `log --since SINCE` would.
//!
//! The index in `BOOK/.git/kehu/history-v*` is removed first (the parse
//! cache beside it is left alone).

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use kehu_git::{Book, LogQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: index_build BOOK [SINCE]")?);
    let query = LogQuery {
        since: args.next().map(|d| d.parse()).transpose()?,
        ..LogQuery::default()
    };
    let book = Book::open(&dir)?;
    let kehu = book.git_dir().join("kehu");
    if let Ok(entries) = std::fs::read_dir(&kehu) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("history-v") {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
    }
    let started = Instant::now();
    // Reading the first entry of the whole history builds all of it.
    book.indexed_history()
        .log_each(&query, |_| ControlFlow::Break(()))?;
    let wall = started.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map_or("?", |l| l[name.len()..].trim())
            .to_owned()
    };
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // utime and stime, fields 14 and 15, in clock ticks (100 a second).
    let ticks: Vec<f64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(11).take(2))
        .into_iter()
        .flatten()
        .filter_map(|t| t.parse().ok())
        .collect();
    println!(
        "built in {:.2} s wall, {:.2}+{:.2} s cpu, peak {} (now {})",
        wall.as_secs_f64(),
        ticks.first().copied().unwrap_or(0.0) / 100.0,
        ticks.get(1).copied().unwrap_or(0.0) / 100.0,
        field("VmHWM:"),
        field("VmRSS:"),
    );
    Ok(())
}
