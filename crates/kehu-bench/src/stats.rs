//! A summary of a generated book: how customers spread over stages, tiers,
//! ABC classes, pipeline grades, regions and managers. `kehu-bench stats`
//! prints it so a change to the generator can be judged at a glance.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::calendar::as_of;
use crate::generate::GeneratedBook;
use crate::policy::{abc_classes, pipeline_grade, tier_of, tier_weight};

fn count<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut map = BTreeMap::new();
    for item in items {
        *map.entry(item).or_insert(0) += 1;
    }
    map
}

fn line(out: &mut String, label: &str, map: &BTreeMap<&str, usize>) {
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(out, "{label:<10} {}", parts.join(", "));
}

/// The summary as text, one line per dimension.
pub fn summary(book: &GeneratedBook) -> String {
    let customers = &book.customers;
    let abc = abc_classes(customers);
    let tiers: Vec<&str> = customers
        .iter()
        .zip(&abc)
        .map(|(c, a)| {
            tier_of(
                c.metrics.revenue_12m.unwrap_or(0.0),
                a,
                c.metrics.satisfaction.unwrap_or(0.0),
            )
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "customers  {}", customers.len());
    line(
        &mut out,
        "stage",
        &count(customers.iter().map(|c| c.stage.as_str())),
    );
    line(
        &mut out,
        "region",
        &count(customers.iter().filter_map(|c| c.region.as_deref())),
    );
    line(
        &mut out,
        "industry",
        &count(customers.iter().filter_map(|c| c.industry.as_deref())),
    );
    line(&mut out, "tier", &count(tiers.iter().copied()));
    line(&mut out, "abc", &count(abc.iter().copied()));
    line(
        &mut out,
        "pipeline",
        &count(
            customers
                .iter()
                .map(|c| pipeline_grade(c.expected_close.map(|d| d.0), as_of())),
        ),
    );
    line(
        &mut out,
        "graded",
        &count(
            customers
                .iter()
                .map(|c| if c.grade.tier.is_some() { "yes" } else { "no" }),
        ),
    );
    line(
        &mut out,
        "pinned",
        &count(
            customers
                .iter()
                .flat_map(|c| c.grade.pinned.iter().map(String::as_str)),
        ),
    );
    line(
        &mut out,
        "rfm",
        &count(customers.iter().filter_map(|c| c.grade.rfm.as_deref())),
    );
    let buyers = abc.iter().filter(|a| **a != "C").count();
    let a_count = abc.iter().filter(|a| **a == "A").count();
    let with_revenue = customers
        .iter()
        .filter(|c| c.metrics.revenue_12m.unwrap_or(0.0) > 0.0)
        .count();
    let _ = writeln!(
        out,
        "pareto     {a_count} A customers of {with_revenue} with revenue ({:.0}%) hold 80% ({buyers} A+B)",
        100.0 * a_count as f64 / with_revenue.max(1) as f64
    );
    let _ = writeln!(out, "owners");
    for o in &book.owners {
        let load: u32 = customers
            .iter()
            .zip(&tiers)
            .filter(|(c, _)| c.owner.as_deref() == Some(o.id.as_str()))
            .map(|(c, t)| tier_weight(t).max(c.grade.tier.as_deref().map(tier_weight).unwrap_or(0)))
            .sum();
        let _ = writeln!(
            out,
            "  {:<16} load {:>5} / capacity {:>5} ({:.0}%)",
            o.id,
            load,
            o.capacity,
            100.0 * f64::from(load) / f64::from(o.capacity.max(1))
        );
    }
    let unowned = customers.iter().filter(|c| c.owner.is_none()).count();
    let _ = writeln!(out, "unowned    {unowned}");
    out
}
