//! One self-contained HTML file: inline CSS, inline SVG charts (customers
//! and revenue per value tier, the Pareto curve, the funnel, upgrades and
//! downgrades per day or week), the report's tables. No script, no external
//! request. Every piece of text is HTML-escaped. Each chart is a `<figure>`
//! with an id (`chart-tiers`, `chart-revenue`, `chart-pareto`,
//! `chart-funnel`, `chart-movements`) so a browser test can find it.

use std::fmt::Write as _;

use super::grids::{Grid, grids, title};
use crate::model::Report;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;color:#1f2328;padding:0 1rem}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}\
figure{margin:0}figcaption{font-size:.85rem;color:#59636e}.empty{color:#59636e;font-style:italic}.note{color:#59636e;font-size:.85rem}";

/// A horizontal bar chart of (label, value) pairs.
fn bars(id: &str, caption: &str, items: &[(String, f64)], fill: &str) -> String {
    let max = items.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let (width, row, label_w) = (440.0, 24.0, 120.0);
    let height = row * items.len().max(1) as f64 + 8.0;
    let mut svg = format!(
        "<figure id=\"{id}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(caption)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = if max > 0.0 {
            (width - label_w - 110.0) * value / max
        } else {
            0.0
        };
        write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            escape(label),
            y + 3.0,
            row - 6.0,
            label_w + w + 4.0,
            y + 15.0,
            super::grids::money(*value),
        )
        .ok();
    }
    svg.push_str("</svg>");
    write!(svg, "<figcaption>{}</figcaption></figure>", escape(caption)).ok();
    svg
}

/// The Pareto curve: share of revenue against share of customers.
fn pareto(report: &Report) -> String {
    let (size, pad) = (240.0, 30.0);
    let points: Vec<String> = report
        .pareto
        .iter()
        .map(|p| {
            format!(
                "{:.1},{:.1}",
                pad + p.customers * size,
                pad + size - p.revenue * size
            )
        })
        .collect();
    let total = size + 2.0 * pad;
    let mut svg = format!(
        "<figure id=\"chart-pareto\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"{total}\" viewBox=\"0 0 {total} {total}\" role=\"img\" aria-label=\"Pareto curve\">"
    );
    write!(
        svg,
        "<rect x=\"{pad}\" y=\"{pad}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#d0d7de\"/>\
         <line x1=\"{pad}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{pad}\" stroke=\"#d0d7de\" stroke-dasharray=\"4 3\"/>\
         <line x1=\"{:.1}\" y1=\"{pad}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bf8700\" stroke-dasharray=\"2 2\"/>\
         <polyline points=\"{}\" fill=\"none\" stroke=\"#1b7c83\" stroke-width=\"3\"/>\
         <text x=\"{pad}\" y=\"{:.1}\" font-size=\"11\">0%</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">100% of customers</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">100% of revenue</text>",
        pad + size,
        pad + size,
        pad + 0.2 * size,
        pad + 0.2 * size,
        pad + size,
        points.join(" "),
        pad + size + 14.0,
        pad + size,
        pad + size + 14.0,
        pad,
        pad - 8.0,
    )
    .ok();
    svg.push_str("</svg>");
    let top = super::grids::percent(report.kpis.top20_share);
    write!(
        svg,
        "<figcaption>Pareto curve: the top 20% of customers hold {}</figcaption></figure>",
        escape(&top)
    )
    .ok();
    svg
}

/// Upgrades (up, green) and downgrades (down, red) per day or week.
fn movements(report: &Report) -> String {
    let series = &report.movement_series;
    let (width, half, pad, label_h) = (480.0, 80.0, 30.0, 18.0);
    let height = 2.0 * half + 2.0 * pad + label_h;
    let max = series
        .iter()
        .map(|b| b.upgrades.max(b.downgrades))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - 2.0 * pad) / series.len().max(1) as f64;
    let bar = (slot * 0.4).min(24.0);
    let base = pad + half;
    let mut svg = format!(
        "<figure id=\"chart-movements\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Upgrades and downgrades\">\
         <line x1=\"{pad}\" y1=\"{base}\" x2=\"{:.1}\" y2=\"{base}\" stroke=\"#59636e\"/>\
         <text x=\"{pad}\" y=\"{:.1}\" font-size=\"11\">{max} up</text><text x=\"{pad}\" y=\"{:.1}\" font-size=\"11\">{max} down</text>",
        width - pad,
        pad - 8.0,
        base + half + 14.0,
    );
    // Label every bucket when they fit, else about twelve of them.
    let every = series.len().div_ceil(12).max(1);
    for (i, b) in series.iter().enumerate() {
        let x = pad + slot * i as f64 + slot / 2.0;
        let up = half * b.upgrades as f64 / max;
        let down = half * b.downgrades as f64 / max;
        write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{up:.1}\" fill=\"#1a7f37\"><title>{} upgrades</title></rect>\
             <rect x=\"{:.1}\" y=\"{base:.1}\" width=\"{bar:.1}\" height=\"{down:.1}\" fill=\"#cf222e\"><title>{} downgrades</title></rect>",
            x - bar,
            base - up,
            b.upgrades,
            x,
            b.downgrades,
        )
        .ok();
        if i % every == 0 {
            let label = b.label.get(5..).unwrap_or(&b.label);
            write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                height - 4.0,
                escape(label)
            )
            .ok();
        }
    }
    svg.push_str("</svg>");
    let (ups, downs) = series
        .iter()
        .fold((0, 0), |(u, d), b| (u + b.upgrades, d + b.downgrades));
    write!(
        svg,
        "<figcaption>Upgrades ({ups}) and downgrades ({downs}) per {}</figcaption></figure>",
        if report.period.since.days_until(report.period.until) < 14 {
            "day"
        } else {
            "week"
        }
    )
    .ok();
    svg
}

fn table(out: &mut String, g: &Grid) {
    writeln!(out, "<h2>{}</h2>", escape(&g.title)).ok();
    if g.rows.is_empty() {
        writeln!(out, "<p class=\"empty\">{}</p>", escape(g.empty)).ok();
        return;
    }
    out.push_str("<table><thead><tr>");
    for c in &g.columns {
        write!(out, "<th>{}</th>", escape(c)).ok();
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &g.rows {
        out.push_str("<tr>");
        for cell in row {
            let numeric = !cell.is_empty()
                && cell
                    .chars()
                    .all(|c| c.is_ascii_digit() || ",.%+-–() /".contains(c));
            let class = if numeric { " class=\"n\"" } else { "" };
            write!(out, "<td{class}>{}</td>", escape(cell)).ok();
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The report as one HTML document.
pub fn render(report: &Report) -> String {
    let heading = title(report);
    let mut out = String::new();
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>",
        escape(&heading),
        escape(&heading)
    )
    .ok();
    let tiers: Vec<(String, f64)> = report
        .portfolio
        .tiers
        .iter()
        .map(|b| (b.name.clone(), b.count as f64))
        .collect();
    let revenue: Vec<(String, f64)> = report
        .portfolio
        .tiers
        .iter()
        .map(|b| (b.name.clone(), b.revenue))
        .collect();
    let funnel: Vec<(String, f64)> = report
        .funnel
        .stages
        .iter()
        .map(|s| (s.stage.clone(), s.count as f64))
        .collect();
    out.push_str("<div class=\"charts\">\n");
    out.push_str(&bars(
        "chart-tiers",
        "Customers per value tier",
        &tiers,
        "#0969da",
    ));
    out.push_str(&bars(
        "chart-revenue",
        &format!("Revenue 12m per value tier ({})", report.currency),
        &revenue,
        "#bc4c00",
    ));
    out.push_str(&pareto(report));
    out.push_str(&bars(
        "chart-funnel",
        "Customers per funnel stage",
        &funnel,
        "#8250df",
    ));
    out.push_str(&movements(report));
    out.push_str("\n</div>\n");
    for g in grids(report) {
        table(&mut out, &g);
    }
    for note in &report.notes {
        writeln!(out, "<p class=\"note\">note: {}</p>", escape(note)).ok();
    }
    out.push_str("</body>\n</html>\n");
    out
}
