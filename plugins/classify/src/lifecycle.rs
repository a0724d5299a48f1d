//! `kehu classify --only lifecycle`: each customer's lifecycle stage (new,
//! growing, mature, declining, lapsed) with its reason, from its orders and
//! the values its `revenue_12m` took in the book's history. The stages are
//! kehu-analytics' [`lifecycle`](kehu_analytics::lifecycle); they are shown,
//! not written (history decides them, so they are never stale).

use kehu_analytics::lifecycle::{STAGES, revenue_histories, stages};
use kehu_plugin_sdk::{Choice, Context, Flags, Output, PluginError};
use serde_json::{Value, json};

use crate::args::Format;
use crate::render::{Listing, Style};

/// Whether the arguments ask for the lifecycle view (`--only lifecycle`).
pub fn wanted(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--only" && w[1] == "lifecycle")
        || args.iter().any(|a| a == "--only=lifecycle")
}

/// Runs the view; `args` may hold `--format F` besides `--only lifecycle`.
pub fn run(ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
    let mut format = None;
    let mut flags = Flags::new(args);
    while let Some(flag) = flags.next_flag()? {
        match flag {
            // `lifecycle`, or what `wanted` saw beside it.
            "--only" => {
                flags.value()?;
            }
            "--format" => format = Some(flags.choice()?),
            other => {
                return Err(PluginError::Usage(format!(
                    "`{other}`: `--only lifecycle` takes only `--format`"
                )));
            }
        }
    }
    let format = Format::or_global(format, ctx.format())?;
    let config = ctx.config()?;
    let as_of = ctx.as_of();
    let mut out_notes = Vec::new();
    let events = match ctx.changes(None, Some(as_of)) {
        Ok(events) => events,
        Err(e) => {
            out_notes.push(format!(
                "note: no history ({e}): trends use the current revenue_12m alone"
            ));
            Value::Array(Vec::new())
        }
    };
    let book = ctx.book()?;
    let histories = revenue_histories(&events, as_of);
    let graded = stages(&book.customers, &histories, &config.lifecycle, as_of);
    let counts: Vec<(&str, usize)> = STAGES
        .iter()
        .map(|s| {
            (
                s.as_str(),
                graded.values().filter(|g| g.stage == *s).count(),
            )
        })
        .collect();
    let summary = format!(
        "Lifecycle as of {as_of}: {} ({} without orders)",
        counts
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", "),
        book.customers.len() - graded.len()
    );
    let text = match format {
        Format::Json => {
            let customers: Vec<Value> = graded
                .iter()
                .map(|(id, g)| json!({"id": id, "stage": g.stage, "reason": g.reason}))
                .collect();
            let counts: serde_json::Map<String, Value> = counts
                .iter()
                .map(|(s, n)| ((*s).to_owned(), Value::from(*n)))
                .collect();
            let doc = json!({
                "schema": crate::render::SCHEMA,
                "as_of": as_of,
                "lifecycle": {"counts": counts, "customers": customers},
            });
            serde_json::to_string_pretty(&doc)
                .map(|s| s + "\n")
                .map_err(|e| PluginError::Failed(format!("writing JSON: {e}")))?
        }
        Format::Csv => {
            let fail = |e: csv::Error| PluginError::Failed(format!("writing CSV: {e}"));
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer
                .write_record(["id", "stage", "reason"])
                .map_err(fail)?;
            for (id, g) in &graded {
                writer
                    .write_record([
                        id.as_str(),
                        g.stage.as_str(),
                        &kehu_core::escape::csv_safe(&g.reason),
                    ])
                    .map_err(fail)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| PluginError::Failed(format!("writing CSV: {e}")))?;
            String::from_utf8(bytes).map_err(|e| PluginError::Failed(e.to_string()))?
        }
        Format::Table | Format::Markdown => {
            let listing = Listing {
                header: vec!["id", "stage", "reason"],
                rows: graded
                    .iter()
                    .map(|(id, g)| {
                        (
                            vec![id.clone(), g.stage.to_string(), g.reason.clone()],
                            "unchanged",
                        )
                    })
                    .collect(),
                summary,
            };
            let style = if format == Format::Markdown {
                Style::Markdown
            } else {
                Style::Table { color: ctx.color() }
            };
            listing.render(style)
        }
    };
    let mut out = Output::text(text);
    for note in out_notes {
        out = out.with_note(note);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use kehu_core::{Config, Customer, Date};
    use kehu_plugin_sdk::testing::{TestHost, run_plugin};
    use serde_json::{Value, json};

    use crate::Classify;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn customer(id: &str, first: &str, last: &str, orders: i64, revenue: f64) -> Customer {
        let mut c = Customer {
            id: id.into(),
            name: id.into(),
            stage: "won".into(),
            ..Customer::default()
        };
        c.metrics.first_order = Some(day(first));
        c.metrics.last_order = Some(day(last));
        c.metrics.orders_total = Some(orders);
        c.metrics.revenue_12m = Some(revenue);
        c
    }

    fn import(date: &str, ts: i64, id: &str, revenue: f64) -> Value {
        json!({
            "commit": {"date": date, "timestamp": ts, "kind": "import", "trailers": []},
            "customers": [{"id": id, "status": "modified", "fields": [
                {"field": "metrics.revenue_12m", "old": null, "new": revenue}
            ]}]
        })
    }

    /// As of 2026-11-20, default [lifecycle]: grow 100 → 120 → 150 (+50%),
    /// fall 200 → 150 (−25%), flat 100 → 105 (+5%), fresh first ordered 30 d
    /// ago, gone last ordered 300 d ago after 2 orders 45 d apart (expected
    /// gap 90 d), lead has no orders.
    #[test]
    fn every_stage_with_its_reason() {
        let mut lead = customer("lead", "2026-01-01", "2026-01-01", 0, 0.0);
        lead.metrics = Default::default();
        let mut host = TestHost::new(day("2026-11-20"))
            .with_config(serde_json::to_value(Config::default()).unwrap())
            .with_customers(vec![
                customer("fall", "2023-01-01", "2026-11-10", 40, 150.0),
                customer("flat", "2023-01-01", "2026-11-10", 40, 105.0),
                customer("fresh", "2026-10-21", "2026-11-01", 2, 10.0),
                customer("gone", "2025-12-10", "2026-01-24", 2, 50.0),
                customer("grow", "2023-01-01", "2026-11-10", 40, 150.0),
                lead,
            ]);
        host.changes = json!([
            import("2026-11-01", 5, "grow", 150.0),
            import("2026-10-01", 4, "fall", 150.0),
            import("2026-08-01", 3, "grow", 120.0),
            import("2026-06-01", 2, "flat", 100.0),
            import("2026-05-01", 1, "grow", 100.0),
            import("2026-04-01", 0, "fall", 200.0),
        ]);
        let response = run_plugin::<Classify>(
            &host,
            "classify",
            &["--only", "lifecycle", "--format", "json"],
        )
        .unwrap();
        assert_eq!(response.exit_code, 0, "{}", response.stderr);
        let doc: Value = serde_json::from_str(&response.stdout).unwrap();
        let stages: Vec<(&str, &str)> = doc["lifecycle"]["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["stage"].as_str().unwrap()))
            .collect();
        assert_eq!(
            stages,
            [
                ("fall", "declining"),
                ("flat", "mature"),
                ("fresh", "new"),
                ("gone", "lapsed"),
                ("grow", "growing"),
            ]
        );
        assert_eq!(
            doc["lifecycle"]["counts"],
            json!({"new": 1, "growing": 1, "mature": 1, "declining": 1, "lapsed": 1})
        );
        let table = run_plugin::<Classify>(&host, "classify", &["--only", "lifecycle"]).unwrap();
        assert!(table.stdout.contains(
            "Lifecycle as of 2026-11-20: 1 new, 1 growing, 1 mature, 1 declining, 1 lapsed (1 without orders)"
        ), "{}", table.stdout);
        assert!(
            table
                .stdout
                .contains("revenue_12m 100 → 150 over its last 3 values (+50% > +10%)")
        );
    }
}
