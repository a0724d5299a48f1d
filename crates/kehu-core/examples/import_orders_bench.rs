//! Times `kehu import orders` without git: parse, aggregate, compare with an
//! empty book and build the customers to create.
//!
//! `cargo run --release -p kehu-core --example import_orders_bench -- FILE [AS_OF]`
//! e.g. on `CDNOW_master.txt` (69,659 rows) as of 1998-06-30.

use std::process::ExitCode;
use std::time::Instant;

use kehu_core::import::{aggregate, metrics_changeset, new_customers, parse_orders};
use kehu_core::{Customer, Date};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: import_orders_bench FILE [AS_OF]");
        return ExitCode::from(2);
    };
    let as_of: Date = match args.next().unwrap_or_else(|| "1998-06-30".into()).parse() {
        Ok(day) => day,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("{path}: {error}");
            return ExitCode::from(2);
        }
    };
    let best_of = 5;
    let mut best = [f64::MAX; 4];
    let mut report = String::new();
    for _ in 0..best_of {
        let start = Instant::now();
        let file = match parse_orders(&bytes, None) {
            Ok(file) => file,
            Err(error) => {
                eprintln!("{path}: {error}");
                return ExitCode::from(2);
            }
        };
        let parsed = start.elapsed().as_secs_f64();
        let aggregation = aggregate(&file, as_of);
        let aggregated = start.elapsed().as_secs_f64();
        let empty: [&Customer; 0] = [];
        let update = metrics_changeset(&aggregation, empty);
        let created = new_customers(&aggregation, &update.missing);
        let planned = start.elapsed().as_secs_f64();
        let s = &aggregation.summary;
        report = format!(
            "{path} ({}): rows {} used {} after-as-of {} bad {} customers {} to-create {}",
            file.layout,
            s.rows_read,
            s.rows_used,
            s.rows_after_as_of,
            s.bad_rows,
            s.customers,
            created.len()
        );
        for (slot, value) in
            best.iter_mut()
                .zip([parsed, aggregated - parsed, planned - aggregated, planned])
        {
            *slot = slot.min(value);
        }
    }
    println!("{report}");
    println!(
        "best of {best_of}: parse {:.1} ms, aggregate {:.1} ms, changeset+creates {:.1} ms, total {:.1} ms",
        best[0] * 1e3,
        best[1] * 1e3,
        best[2] * 1e3,
        best[3] * 1e3
    );
    ExitCode::SUCCESS
}
