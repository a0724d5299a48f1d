//! `kehu churn --explain ID`: one customer's signals, each with its value,
//! its weight in kehu.toml, its share once the weights are renormalised over
//! the available signals, and what it adds to the risk. The BG/NBD model is
//! fitted on the whole book; the history signals come from this customer's
//! own timeline.

use kehu_analytics::bgnbd::Observation;
use kehu_analytics::risk::{RiskInputs, Signal};
use kehu_plugin_sdk::{Output, PluginError};
use serde_json::{Value, json};

use crate::Run;
use crate::model::params_json;
use crate::render::{Format, Table, fixed, json_document, num, opt_num};
use crate::score::{self, Scorer, why_unscored};

/// One row of the explanation: an available signal or why it is left out.
struct Row<'a> {
    name: &'static str,
    weight: f64,
    signal: Option<&'a Signal>,
    missing: &'static str,
}

fn missing_reason(name: &str, inputs: &RiskInputs, history: bool) -> &'static str {
    match name {
        "alive" => "no BG/NBD model (the fit failed)",
        "gap" => "fewer than two orders: no typical gap",
        "overdue" => "no cadence applies",
        _ if !history => "no history from the host",
        "satisfaction" if inputs.satisfaction.is_none() => "no satisfaction figure",
        "revenue" if inputs.revenue_12m.is_none() => "no revenue_12m figure",
        "revenue" => "previous revenue_12m is 0",
        _ => "not available",
    }
}

/// `kehu churn --explain ID`.
pub fn run(run: &Run<'_, '_>, id: &str) -> Result<Output, PluginError> {
    let book = run.ctx.book()?;
    let as_of = book.as_of;
    let customers = &book.customers;
    let index = customers
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| PluginError::Data(format!("no customer `{id}` in the book")))?;
    let customer = &customers[index];
    let obs = Observation::from_metrics(&customer.metrics, as_of).ok_or_else(|| {
        PluginError::Data(format!(
            "{id}: cannot be scored as of {as_of}: {}",
            why_unscored(customer, as_of)
        ))
    })?;
    let settings = run.settings(as_of);
    let scoring = score::score_book(customers, &run.config, None, &settings)?;
    let mut out = Output::new().pure();
    let trails = match run.customer_trails(id, as_of) {
        Ok(trails) => Some(trails),
        Err(e) => {
            out = out.with_note(format!(
                "note: {e}; downgrade, satisfaction and revenue signals are left out"
            ));
            None
        }
    };
    if let Err(e) = &scoring.fit {
        out = out.with_note(format!("note: {e}"));
    }
    let policy = score::policy(&run.config)?;
    let tiers = score::tier_order(&run.config);
    let scorer = Scorer {
        policy: &policy,
        tiers: &tiers,
        fit: scoring.fit.as_ref().ok(),
        settings: &settings,
    };
    let s = scorer.score(index, customer, obs, trails.as_ref());
    let rows: Vec<Row<'_>> = run
        .config
        .churn
        .weights
        .entries()
        .into_iter()
        .map(|(name, weight)| {
            let signal = s.risk.signals.iter().find(|sig| sig.name == name);
            Row {
                name,
                weight,
                signal,
                missing: missing_reason(name, &s.inputs, trails.is_some()),
            }
        })
        .collect();

    if run.format == Format::Json {
        let signals: Vec<Value> = rows
            .iter()
            .map(|r| match r.signal {
                Some(sig) => json!({
                    "name": r.name, "available": true, "value": num(sig.value),
                    "weight": num(r.weight), "share": num(sig.weight),
                    "contribution": num(sig.contribution), "reason": sig.reason,
                }),
                None => json!({
                    "name": r.name, "available": false, "value": null,
                    "weight": num(r.weight), "share": 0.0, "contribution": 0.0,
                    "reason": r.missing,
                }),
            })
            .collect();
        out.stdout = json_document(vec![
            ("id", json!(id)),
            ("as_of", json!(as_of)),
            ("risk", num(s.risk.score)),
            ("band", json!(s.risk.band.as_str())),
            ("reason", json!(s.risk.reason())),
            (
                "observation",
                json!({"x": obs.x, "t_x": num(obs.t_x), "t": num(obs.t)}),
            ),
            ("p_alive", opt_num(s.p_alive)),
            ("expected_orders", opt_num(s.expected)),
            ("horizon_days", json!(settings.horizon_days)),
            (
                "model",
                scoring.fit.as_ref().ok().map_or(Value::Null, params_json),
            ),
            ("signals", Value::Array(signals)),
        ])?;
        return Ok(out);
    }
    let mut table = Table::new(&[
        "signal",
        "value",
        "weight",
        "share",
        "contribution",
        "reason",
    ]);
    for r in &rows {
        match r.signal {
            Some(sig) => table.push(vec![
                r.name.to_owned(),
                fixed(Some(sig.value), 3),
                fixed(Some(r.weight), 3),
                fixed(Some(sig.weight), 3),
                fixed(Some(sig.contribution), 3),
                sig.reason.to_string(),
            ]),
            None => table.push(vec![
                r.name.to_owned(),
                String::new(),
                fixed(Some(r.weight), 3),
                fixed(Some(0.0), 3),
                fixed(Some(0.0), 3),
                format!("left out: {}", r.missing),
            ]),
        }
    }
    if matches!(run.format, Format::Table | Format::Markdown) {
        let m = &customer.metrics;
        let day = |d: Option<kehu_core::Date>| d.map_or("-".to_owned(), |d| d.to_string());
        out.stdout.push_str(&format!(
            "{id}: risk {:.2} ({}) as of {as_of}\n",
            s.risk.score,
            s.risk.band.as_str()
        ));
        out.stdout.push_str(&format!(
            "orders {} (x = {} repeat), first {}, last {}: t_x = {:.1} wk, T = {:.1} wk\n",
            m.orders_total.unwrap_or(0),
            obs.x,
            day(m.first_order),
            day(m.last_order),
            obs.t_x,
            obs.t
        ));
        match (s.p_alive, s.expected) {
            (Some(p), Some(e)) => out.stdout.push_str(&format!(
                "P(alive) {p:.3}; expected orders in the next {} d: {e:.2}\n",
                settings.horizon_days
            )),
            (Some(p), None) => out.stdout.push_str(&format!("P(alive) {p:.3}\n")),
            _ => out.stdout.push_str("no BG/NBD model\n"),
        }
        if run.format == Format::Markdown {
            out.stdout.push('\n');
        }
    }
    out.stdout.push_str(&table.render(run.format, false)?);
    if matches!(run.format, Format::Table | Format::Markdown) {
        if run.format == Format::Markdown {
            out.stdout.push('\n');
        }
        out.stdout.push_str(&format!(
            "risk = sum of contributions = {:.3}; share = weight / sum of the available weights\n",
            s.risk.score
        ));
    }
    Ok(out)
}
