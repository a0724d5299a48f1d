//! The review in each format: table and markdown for people (long lists
//! cut at [`LIST`] rows, with the count), JSON (schema
//! `kehu.assign.review/1`, everything) and CSV (one row per owner and point).

use std::fmt::Write as _;

use kehu_core::Date;
use serde_json::json;

use super::figures::{Holding, OwnerReview, Review};
use crate::args::Format;
use crate::plan::number;
use crate::render::{grid, pct, strings};

/// Rows a list shows in table and markdown output.
pub const LIST: usize = 20;

const NONE: &str = "-";

/// Renders `review` in `format`.
pub fn render(review: &Review, format: Format) -> Result<String, String> {
    match format {
        Format::Json => json_doc(review),
        Format::Csv => csv_doc(review),
        Format::Table => Ok(text(review, false)),
        Format::Markdown => Ok(text(review, true)),
    }
}

fn day(value: Option<Date>, before: Date) -> String {
    value.map_or_else(|| format!("before {before}"), |d| d.to_string())
}

fn mix(holding: &Holding) -> String {
    holding
        .by_tier
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn arrow(first: String, last: String) -> String {
    format!("{first} → {last}")
}

fn peak(owner: &OwnerReview) -> Option<f64> {
    (0..owner.points.len())
        .filter_map(|p| owner.utilisation(p))
        .reduce(f64::max)
}

fn text(review: &Review, markdown: bool) -> String {
    let heading = |title: String| {
        if markdown {
            format!("\n## {title}\n\n")
        } else {
            format!("\n{title}\n")
        }
    };
    let list = |out: &mut String, title: &str, header: &[&str], rows: Vec<Vec<String>>| {
        out.push_str(&heading(format!("{title} ({})", rows.len())));
        if rows.is_empty() {
            out.push_str("none\n");
            return;
        }
        let total = rows.len();
        let shown: Vec<Vec<String>> = rows.into_iter().take(LIST).collect();
        out.push_str(&grid(markdown, strings(header), shown));
        if total > LIST {
            writeln!(out, "… and {} more (--format json lists all)", total - LIST).ok();
        }
    };
    let last = review.days.len().saturating_sub(1);
    let mut out = String::new();
    writeln!(
        out,
        "Assignment review {} … {} ({} commits changed customers; points: the day before, \
         each month end, the last day)",
        review.since, review.until, review.commits
    )
    .ok();

    out.push_str(&heading(
        "Fairness over time (owners with a capacity)".into(),
    ));
    let rows = review
        .days
        .iter()
        .enumerate()
        .map(|(p, d)| {
            let f = review.fairness[p];
            let over = review
                .owners
                .iter()
                .filter(|o| o.utilisation(p).is_some_and(|u| u > 1.0))
                .count();
            vec![
                d.to_string(),
                pct(Some(f.max)),
                pct(Some(f.mean)),
                format!("{:.3}", f.gini),
                over.to_string(),
                review.unassigned_count[p].to_string(),
            ]
        })
        .collect();
    out.push_str(&grid(
        markdown,
        strings(&[
            "day",
            "max utilisation",
            "mean utilisation",
            "Gini",
            "owners over capacity",
            "unassigned",
        ]),
        rows,
    ));

    out.push_str(&heading(format!(
        "Owners, {} → {} (tier mix {})",
        review.days.first().copied().unwrap_or(review.since),
        review.until,
        review.tiers.join("/")
    )));
    let rows = review
        .owners
        .iter()
        .map(|o| {
            let (first, end) = (&o.points[0], &o.points[last]);
            vec![
                o.id.clone(),
                o.unavailable.clone().unwrap_or_else(|| NONE.to_owned()),
                arrow(first.customers().to_string(), end.customers().to_string()),
                arrow(mix(first), mix(end)),
                arrow(number(first.load), number(end.load)),
                o.capacity.map_or_else(|| "unlimited".to_owned(), number),
                arrow(pct(o.utilisation(0)), pct(o.utilisation(last))),
                pct(peak(o)),
                o.moved_in.to_string(),
                o.moved_out.to_string(),
                format!("{} of {}", o.kept, o.held_at_start),
                arrow(
                    format!("{:.0}", first.revenue),
                    format!("{:.0}", end.revenue),
                ),
                o.overdue.to_string(),
            ]
        })
        .collect();
    out.push_str(&grid(
        markdown,
        strings(&[
            "owner",
            "away",
            "customers",
            "tier mix",
            "load",
            "capacity",
            "utilisation",
            "peak",
            "in",
            "out",
            "kept",
            "revenue",
            "no contact",
        ]),
        rows,
    ));

    let over: Vec<Vec<String>> = review
        .owners
        .iter()
        .filter(|o| o.utilisation(last).is_some_and(|u| u > 1.0))
        .map(|o| {
            vec![
                o.id.clone(),
                number(o.points[last].load),
                o.capacity.map_or_else(String::new, number),
                pct(o.utilisation(last)),
            ]
        })
        .collect();
    list(
        &mut out,
        "Over capacity now",
        &["owner", "load", "capacity", "utilisation"],
        over,
    );

    let away: Vec<Vec<String>> = review
        .owners
        .iter()
        .filter(|o| o.unavailable.is_some() && o.points[last].customers() > 0)
        .map(|o| {
            vec![
                o.id.clone(),
                o.unavailable.clone().unwrap_or_default(),
                o.points[last].customers().to_string(),
                number(o.points[last].load),
            ]
        })
        .collect();
    list(
        &mut out,
        "Away or inactive owners still holding customers (run `kehu assign` to hand them over)",
        &["owner", "why", "customers", "load"],
        away,
    );

    let rows = review
        .tier_changes
        .iter()
        .map(|t| {
            vec![
                t.customer.clone(),
                t.owner.clone(),
                day(t.assigned, review.since),
                t.then.clone(),
                t.now.clone(),
            ]
        })
        .collect();
    list(
        &mut out,
        "Tier changed since assigned",
        &["customer", "owner", "assigned", "tier then", "tier now"],
        rows,
    );

    let rows = review
        .silent
        .iter()
        .map(|s| {
            vec![
                s.customer.clone(),
                s.owner.clone(),
                s.tier.clone(),
                s.last_contact
                    .map_or_else(|| "never".to_owned(), |d| d.to_string()),
                day(s.assigned, review.since),
                s.days.map_or_else(|| "never".to_owned(), |d| d.to_string()),
                s.max.to_string(),
            ]
        })
        .collect();
    list(
        &mut out,
        "No contact from the owner for longer than the tier's cadence",
        &[
            "customer",
            "owner",
            "tier",
            "last contact",
            "assigned",
            "days",
            "max days",
        ],
        rows,
    );

    let rows = review
        .unowned
        .iter()
        .map(|u| {
            vec![
                u.customer.clone(),
                u.tier.clone(),
                u.reason.clone(),
                day(u.since, review.since),
            ]
        })
        .collect();
    list(
        &mut out,
        "Unassigned customers (run `kehu assign`)",
        &["customer", "tier", "why", "since"],
        rows,
    );
    out
}

fn holding_json(review: &Review, owner: &OwnerReview, p: usize) -> serde_json::Value {
    let h = &owner.points[p];
    let tiers: serde_json::Map<String, serde_json::Value> = review
        .tiers
        .iter()
        .zip(&h.by_tier)
        .map(|(t, n)| (t.clone(), json!(n)))
        .collect();
    json!({"day": review.days[p].to_string(), "customers": h.customers(),
           "customers_by_tier": tiers, "load": h.load,
           "utilisation": owner.utilisation(p), "revenue": h.revenue})
}

fn json_doc(review: &Review) -> Result<String, String> {
    let owners: Vec<_> = review
        .owners
        .iter()
        .map(|o| {
            json!({"owner": o.id, "capacity": o.capacity, "unavailable": o.unavailable,
                   "moved_in": o.moved_in, "moved_out": o.moved_out,
                   "held_at_start": o.held_at_start, "kept": o.kept,
                   "no_contact_beyond_cadence": o.overdue,
                   "points": (0..o.points.len()).map(|p| holding_json(review, o, p)).collect::<Vec<_>>()})
        })
        .collect();
    let fairness: Vec<_> = review
        .days
        .iter()
        .enumerate()
        .map(|(p, d)| {
            let f = review.fairness[p];
            json!({"day": d.to_string(), "max": f.max, "mean": f.mean, "gini": f.gini,
                   "unassigned": review.unassigned_count[p]})
        })
        .collect();
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    let doc = json!({
        "schema": "kehu.assign.review/1",
        "since": review.since.to_string(),
        "until": review.until.to_string(),
        "commits": review.commits,
        "fairness": fairness,
        "owners": owners,
        "tier_changed_since_assigned": review.tier_changes.iter().map(|t| json!({
            "customer": t.customer, "owner": t.owner, "assigned": date(t.assigned),
            "tier_then": t.then, "tier_now": t.now})).collect::<Vec<_>>(),
        "no_contact_beyond_cadence": review.silent.iter().map(|s| json!({
            "customer": s.customer, "owner": s.owner, "tier": s.tier,
            "last_contact": date(s.last_contact), "assigned": date(s.assigned),
            "days": s.days, "max_days": s.max})).collect::<Vec<_>>(),
        "unassigned": review.unowned.iter().map(|u| json!({
            "customer": u.customer, "tier": u.tier, "reason": u.reason,
            "since": date(u.since)})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("writing JSON: {e}"))
}

fn csv_doc(review: &Review) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("writing CSV: {e}");
    let mut header = strings(&["owner", "day", "customers"]);
    header.extend(review.tiers.iter().cloned());
    header.extend(strings(&["load", "capacity", "utilisation", "revenue"]));
    writer.write_record(&header).map_err(err)?;
    for o in &review.owners {
        for (p, h) in o.points.iter().enumerate() {
            let mut row = vec![
                o.id.clone(),
                review.days[p].to_string(),
                h.customers().to_string(),
            ];
            row.extend(h.by_tier.iter().map(|n| n.to_string()));
            row.push(number(h.load));
            row.push(o.capacity.map_or_else(String::new, number));
            row.push(
                o.utilisation(p)
                    .map_or_else(String::new, |u| format!("{u:.4}")),
            );
            row.push(format!("{:.2}", h.revenue));
            writer.write_record(&row).map_err(err)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| format!("writing CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("writing CSV: {e}"))
}
