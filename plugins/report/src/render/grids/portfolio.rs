//! The portfolio by value tier, ABC class and RFM segment.

use super::{Grid, money, percent, signed_count, signed_money};
use crate::model::Report;
use crate::sections::portfolio::Bucket;

fn buckets(key: &'static str, title: &str, rows: &[Bucket]) -> Grid {
    let mut g = Grid::new(
        key,
        title,
        &[
            "name",
            "customers",
            "revenue",
            "share",
            "Δ customers",
            "Δ revenue",
        ],
        "no customers",
    );
    for b in rows {
        g.rows.push(vec![
            b.name.clone(),
            b.count.to_string(),
            money(b.revenue),
            percent(b.share),
            signed_count(b.count_change),
            signed_money(b.revenue_change),
        ]);
    }
    g
}

/// One grid per grading.
pub fn grids(r: &Report) -> Vec<Grid> {
    vec![
        buckets("tiers", "Portfolio by value tier", &r.portfolio.tiers),
        buckets("abc", "Portfolio by ABC class", &r.portfolio.abc),
        buckets("rfm", "Portfolio by RFM segment", &r.portfolio.rfm),
    ]
}
