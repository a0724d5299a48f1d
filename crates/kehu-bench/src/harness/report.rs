//! The harness's results as files: `bench.md` (the printed report, for a
//! README or a CI job summary) and `bench.json` (every cell and raw run, for
//! scripts comparing two runs).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::table::{HEADER, lines, render_table};
use super::{BookResult, RowStatus};
use crate::error::{Result, io_at};

/// Writes `bench.md` and `bench.json` into `dir` (created if missing);
/// `preamble` is the run's description (command, machine, load). Returns
/// the two paths.
pub fn write_reports(dir: &Path, preamble: &str, books: &[BookResult]) -> Result<[PathBuf; 2]> {
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    let markdown = dir.join("bench.md");
    let text = format!("{preamble}\n```\n{}```\n", render_table(books));
    fs::write(&markdown, text).map_err(io_at(&markdown))?;
    let json_path = dir.join("bench.json");
    let body = serde_json::to_string_pretty(&to_json(preamble, books)).unwrap_or_default();
    fs::write(&json_path, body + "\n").map_err(io_at(&json_path))?;
    Ok([markdown, json_path])
}

/// The results as one JSON document (schema `kehu.bench/1`).
pub fn to_json(preamble: &str, books: &[BookResult]) -> Value {
    let printed = lines(books);
    let mut printed = printed.iter();
    let books: Vec<Value> = books
        .iter()
        .map(|book| {
            let rows: Vec<Value> = book
                .rows
                .iter()
                .map(|row| {
                    let cells = printed.next().map(|line| {
                        HEADER
                            .iter()
                            .zip(line.cells())
                            .map(|(k, v)| ((*k).to_owned(), Value::from(v)))
                            .collect::<serde_json::Map<_, _>>()
                    });
                    let (walls, cpus, peak) = match &row.status {
                        RowStatus::Ran {
                            walls,
                            cpus,
                            peak_rss,
                        } => (seconds(walls), seconds(cpus), Some(*peak_rss)),
                        _ => (Vec::new(), Vec::new(), None),
                    };
                    json!({
                        "label": row.row.label,
                        "baseline": row.row.baseline,
                        "wall_seconds": walls,
                        "cpu_seconds": cpus,
                        "peak_rss_bytes": peak,
                        "printed": cells,
                    })
                })
                .collect();
            json!({
                "customers": book.info.spec.customers,
                "commits": book.info.spec.commits,
                "seed": book.info.spec.seed,
                "merges": book.info.merges,
                "file_bytes": book.info.bytes,
                "memory_limit_bytes": book.memory_limit(),
                "focus": book.info.focus,
                "rows": rows,
            })
        })
        .collect();
    json!({
        "schema": "kehu.bench/1",
        "run": preamble,
        "books": books,
    })
}

fn seconds(values: &[std::time::Duration]) -> Vec<f64> {
    values
        .iter()
        .map(std::time::Duration::as_secs_f64)
        .collect()
}
