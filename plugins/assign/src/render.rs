//! The plan in each output format: table and markdown for people, JSON
//! (schema `kehu.assign/1`) and CSV (one row per customer) for programs.

use std::fmt::Write as _;

use comfy_table::{Cell, ContentArrangement, Table, presets};
use kehu_core::Date;
use serde_json::json;

use crate::args::Format;
use crate::plan::{Plan, number};
use crate::problem::SCALE;
use crate::solve::Method;

const NONE: &str = "-";

/// Renders `plan` in `format`.
pub fn render(plan: &Plan, format: Format, as_of: Date) -> Result<String, String> {
    match format {
        Format::Json => json_doc(plan, as_of),
        Format::Csv => csv_doc(plan),
        Format::Table => Ok(text(plan, as_of, false)),
        Format::Markdown => Ok(text(plan, as_of, true)),
    }
}

pub(crate) fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| format!("{:.1}%", v * 100.0))
}

pub(crate) fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| NONE.to_owned())
}

/// The objective's terms, one line.
pub fn objective(plan: &Plan) -> String {
    format!(
        "objective: (1) assigned weight {} of {}; (2) kept relationships weight {}; \
         (3) max utilisation {:.1}%{}",
        number(plan.assigned_weight),
        number(plan.total_weight),
        number(plan.kept_weight),
        plan.max_utilisation * 100.0,
        if plan.rebalance { " (--rebalance)" } else { "" },
    )
}

/// Which solver ran, whether the plan is proven optimal, and otherwise
/// each term's bound and gap; one line.
pub fn solver(plan: &Plan) -> String {
    let mut line = format!("solver: {}", plan.method.as_str());
    if plan.method == Method::Exact {
        line.push_str(&format!(" ({} search nodes)", plan.nodes));
    }
    match (&plan.bounds, plan.proven) {
        (None, true) => line.push_str(" — optimal (search complete)"),
        (Some(_), true) => line.push_str(" — optimal (meets the flow relaxation's bounds)"),
        (bounds, false) => {
            line.push_str(" — NOT proven optimal");
            if let Some(b) = bounds {
                let assigned = b.assigned as f64 / SCALE;
                let kept = b.kept as f64 / SCALE;
                line.push_str(&format!(
                    "; bounds: (1) ≤ {} (gap {}); (2) ≤ {} (gap {})",
                    number(assigned),
                    number(assigned - plan.assigned_weight),
                    number(kept),
                    number(kept - plan.kept_weight),
                ));
                match b.max_utilisation {
                    Some(floor) => line.push_str(&format!(
                        "; (3) ≥ {:.1}% (gap {:.1} points)",
                        floor * 100.0,
                        (plan.max_utilisation - floor) * 100.0
                    )),
                    None => line.push_str("; (3) no bound while (1) has a gap"),
                }
            }
        }
    }
    line
}

pub(crate) fn grid(markdown: bool, header: Vec<String>, rows: Vec<Vec<String>>) -> String {
    if markdown {
        let mut out = format!(
            "| {} |\n|{}\n",
            header.join(" | "),
            " --- |".repeat(header.len())
        );
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
            writeln!(out, "| {} |", cells.join(" | ")).ok();
        }
        out
    } else {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.iter().map(Cell::new));
        for row in rows {
            table.add_row(row);
        }
        format!("{table}\n")
    }
}

fn text(plan: &Plan, as_of: Date, markdown: bool) -> String {
    let heading = |title: &str| {
        if markdown {
            format!("\n## {title}\n\n")
        } else {
            format!("\n{title}\n")
        }
    };
    let mut out = String::new();
    writeln!(out, "Assignment plan as of {as_of}").ok();
    writeln!(out, "{}", objective(plan)).ok();
    writeln!(out, "{}", solver(plan)).ok();

    let moves: Vec<Vec<String>> = plan
        .moves()
        .map(|l| {
            vec![
                l.customer.clone(),
                l.tier.clone(),
                opt(&l.from),
                opt(&l.to),
                l.reason.clone(),
            ]
        })
        .collect();
    out.push_str(&heading(&format!("Moves ({})", moves.len())));
    if moves.is_empty() {
        out.push_str("none\n");
    } else {
        out.push_str(&grid(
            markdown,
            strings(&["customer", "tier", "from", "to", "reason"]),
            moves,
        ));
    }

    let unassigned: Vec<Vec<String>> = plan
        .unassigned()
        .map(|l| {
            vec![
                l.customer.clone(),
                l.tier.clone(),
                opt(&l.from),
                l.reason.clone(),
            ]
        })
        .collect();
    if !unassigned.is_empty() {
        out.push_str(&heading(&format!(
            "Cannot be assigned ({})",
            unassigned.len()
        )));
        out.push_str(&grid(
            markdown,
            strings(&["customer", "tier", "owner now", "reason"]),
            unassigned,
        ));
    }

    out.push_str(&heading("Owners (before → after)"));
    let mut header = vec!["owner".to_owned()];
    header.extend(plan.tiers.iter().cloned());
    header.extend(strings(&["load", "capacity", "utilisation", "revenue"]));
    let rows = plan
        .owners
        .iter()
        .map(|o| {
            let mut row = vec![o.id.clone()];
            row.extend(
                o.by_tier_before
                    .iter()
                    .zip(&o.by_tier)
                    .map(|(b, a)| format!("{b} → {a}")),
            );
            row.push(format!(
                "{} → {}",
                number(o.load_before),
                number(o.load_after)
            ));
            row.push(o.capacity.map_or_else(|| "unlimited".to_owned(), number));
            row.push(format!("{} → {}", pct(o.util_before), pct(o.util_after)));
            row.push(format!("{:.0} → {:.0}", o.revenue_before, o.revenue));
            row
        })
        .collect();
    out.push_str(&grid(markdown, header, rows));

    let (b, a) = plan.fairness;
    out.push_str(&heading("Fairness (owners with a capacity)"));
    out.push_str(&grid(
        markdown,
        strings(&["", "max utilisation", "mean utilisation", "Gini"]),
        vec![
            vec![
                "before".into(),
                pct(Some(b.max)),
                pct(Some(b.mean)),
                format!("{:.3}", b.gini),
            ],
            vec![
                "after".into(),
                pct(Some(a.max)),
                pct(Some(a.mean)),
                format!("{:.3}", a.gini),
            ],
        ],
    ));
    out
}

pub(crate) fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn json_doc(plan: &Plan, as_of: Date) -> Result<String, String> {
    let lines: Vec<_> = plan
        .lines
        .iter()
        .map(|l| {
            json!({"customer": l.customer, "tier": l.tier, "weight": l.weight, "from": l.from,
                   "to": l.to, "status": l.status.as_str(), "reason": l.reason})
        })
        .collect();
    let owners: Vec<_> = plan
        .owners
        .iter()
        .map(|o| {
            let tiers = |counts: &[usize]| -> serde_json::Map<String, serde_json::Value> {
                plan.tiers.iter().zip(counts).map(|(t, n)| (t.clone(), json!(n))).collect()
            };
            json!({"owner": o.id, "customers_by_tier_before": tiers(&o.by_tier_before),
                   "customers_by_tier": tiers(&o.by_tier), "load_before": o.load_before,
                   "load_after": o.load_after, "capacity": o.capacity, "utilisation_before": o.util_before,
                   "utilisation_after": o.util_after, "revenue_before": o.revenue_before,
                   "revenue": o.revenue})
        })
        .collect();
    let fair = |f: crate::plan::Fairness| json!({"max": f.max, "mean": f.mean, "gini": f.gini});
    let doc = json!({
        "schema": "kehu.assign/1",
        "as_of": as_of.to_string(),
        "rebalance": plan.rebalance,
        "objective": {
            "assigned_weight": plan.assigned_weight,
            "total_weight": plan.total_weight,
            "kept_weight": plan.kept_weight,
            "max_utilisation": plan.max_utilisation,
        },
        "solver": {
            "method": plan.method.as_str(),
            "optimal": plan.proven,
            "nodes": plan.nodes,
            "bounds": plan.bounds.map(|b| json!({
                "assigned_weight": b.assigned as f64 / SCALE,
                "kept_weight": b.kept as f64 / SCALE,
                "max_utilisation": b.max_utilisation,
            })),
        },
        "customers": lines,
        "owners": owners,
        "fairness": {"before": fair(plan.fairness.0), "after": fair(plan.fairness.1)},
    });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("writing JSON: {e}"))
}

fn csv_doc(plan: &Plan) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("writing CSV: {e}");
    writer
        .write_record([
            "customer", "tier", "weight", "from", "to", "status", "reason",
        ])
        .map_err(err)?;
    for l in &plan.lines {
        writer
            .write_record([
                l.customer.as_str(),
                &l.tier,
                &number(l.weight),
                l.from.as_deref().unwrap_or(""),
                l.to.as_deref().unwrap_or(""),
                l.status.as_str(),
                &l.reason,
            ])
            .map_err(err)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| format!("writing CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("writing CSV: {e}"))
}
