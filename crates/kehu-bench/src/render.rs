//! Customer files in the canonical layout of DESIGN §1.
//!
//! Keys come in a fixed order (id, name, region, industry, owner, since,
//! stage, expected_close, then `[grade]`, `[metrics]`, `[contact]`, `[plan]`), dates
//! are TOML local dates, money has at most two decimals, and empty tables
//! are left out: the bytes a person would write by hand, and the same bytes
//! for the same customer every time.

use std::fmt::Write as _;
use std::path::PathBuf;

use kehu_core::{Customer, Date};

/// A TOML basic string holding `text`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float as TOML with at most `decimals` decimals and always a `.`, so it
/// reads back as a float (`12000.0`, `4.5`, `0.35`).
pub fn float(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if !text.contains('.') {
        return format!("{text}.0");
    }
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_owned()
    }
}

/// Where a customer's file lives in a book: `customers/<id[0..2]>/<id>.toml`.
pub fn customer_path(id: &str) -> PathBuf {
    let shard: String = id.chars().take(2).collect();
    PathBuf::from("customers")
        .join(shard)
        .join(format!("{id}.toml"))
}

/// The same path with `/` separators, as git and fast-import name it.
pub fn customer_git_path(id: &str) -> String {
    let shard: String = id.chars().take(2).collect();
    format!("customers/{shard}/{id}.toml")
}

pub(crate) fn line_str(out: &mut String, key: &str, value: &Option<impl AsRef<str>>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{key} = {}", quote(value.as_ref()));
    }
}

pub(crate) fn line_date(out: &mut String, key: &str, value: &Option<Date>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{key} = {value}");
    }
}

pub(crate) fn line_float(out: &mut String, key: &str, value: Option<f64>, decimals: usize) {
    if let Some(value) = value {
        let _ = writeln!(out, "{key} = {}", float(value, decimals));
    }
}

fn line_int(out: &mut String, key: &str, value: Option<i64>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{key} = {value}");
    }
}

/// The canonical text of a customer file.
pub fn render_customer(c: &Customer) -> String {
    let mut out = String::with_capacity(640);
    let _ = writeln!(out, "id = {}", quote(&c.id));
    let _ = writeln!(out, "name = {}", quote(&c.name));
    line_str(&mut out, "region", &c.region);
    line_str(&mut out, "industry", &c.industry);
    line_str(&mut out, "owner", &c.owner);
    line_date(&mut out, "since", &c.since);
    let _ = writeln!(out, "stage = {}", quote(&c.stage));
    line_date(&mut out, "expected_close", &c.expected_close);

    let g = &c.grade;
    if g.tier.is_some()
        || g.abc.is_some()
        || g.rfm.is_some()
        || g.pipeline.is_some()
        || g.loyalty.is_some()
        || g.risk.is_some()
        || !g.pinned.is_empty()
    {
        out.push_str("\n[grade]\n");
        line_str(&mut out, "tier", &g.tier);
        line_str(&mut out, "abc", &g.abc);
        line_str(&mut out, "rfm", &g.rfm);
        line_str(&mut out, "pipeline", &g.pipeline);
        line_str(&mut out, "loyalty", &g.loyalty);
        line_str(&mut out, "risk", &g.risk);
        if !g.pinned.is_empty() {
            let pinned: Vec<String> = g.pinned.iter().map(|p| quote(p)).collect();
            let _ = writeln!(out, "pinned = [{}]", pinned.join(", "));
        }
    }

    let m = &c.metrics;
    if m != &kehu_core::Metrics::default() {
        out.push_str("\n[metrics]\n");
        line_float(&mut out, "revenue_12m", m.revenue_12m, 2);
        line_float(&mut out, "revenue_total", m.revenue_total, 2);
        line_int(&mut out, "orders_total", m.orders_total);
        line_int(&mut out, "orders_12m", m.orders_12m);
        line_date(&mut out, "first_order", &m.first_order);
        line_date(&mut out, "last_order", &m.last_order);
        line_float(&mut out, "satisfaction", m.satisfaction, 1);
        line_float(&mut out, "repurchase", m.repurchase, 2);
        line_str(&mut out, "referral", &m.referral);
    }

    let k = &c.contact;
    if k.last.is_some() || k.channel.is_some() {
        out.push_str("\n[contact]\n");
        line_date(&mut out, "last", &k.last);
        line_str(&mut out, "channel", &k.channel);
    }
    if let Some(plan) = &c.plan {
        crate::plans::render_plan(&mut out, plan);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_as_floats() {
        assert_eq!(float(12000.0, 2), "12000.0");
        assert_eq!(float(1234.5, 2), "1234.5");
        assert_eq!(float(0.35, 2), "0.35");
        assert_eq!(float(4.0, 1), "4.0");
        assert_eq!(float(1_250_000.004, 2), "1250000.0");
    }

    #[test]
    fn quotes_escape() {
        assert_eq!(quote(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(quote("Dara O'Neill"), "\"Dara O'Neill\"");
    }

    #[test]
    fn rendered_customer_parses_back_equal() {
        let mut c = Customer {
            id: "acme-labs".into(),
            name: "Acme \"Labs\" Inc.".into(),
            region: Some("west".into()),
            industry: Some("software".into()),
            owner: Some("julia".into()),
            since: Date::from_ymd(2023, 4, 1),
            stage: "won".into(),
            expected_close: Date::from_ymd(2026, 12, 1),
            ..Customer::default()
        };
        c.grade.tier = Some("key".into());
        c.grade.pinned = vec!["tier".into()];
        c.metrics.revenue_12m = Some(120_000.5);
        c.metrics.orders_total = Some(12);
        c.metrics.last_order = Date::from_ymd(2026, 10, 28);
        c.metrics.satisfaction = Some(4.5);
        c.contact.last = Date::from_ymd(2026, 11, 18);
        c.contact.channel = Some("call".into());
        let text = render_customer(&c);
        assert!(text.contains("since = 2023-04-01\n"));
        assert!(text.contains("\n[grade]\ntier = \"key\"\npinned = [\"tier\"]\n"));
        let back: Customer = toml::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(
            customer_path("acme-labs"),
            PathBuf::from("customers/ac/acme-labs.toml")
        );
        assert_eq!(
            customer_git_path("acme-labs"),
            "customers/ac/acme-labs.toml"
        );
    }
}
