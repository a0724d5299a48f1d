//! The listing (customers by risk, highest first) and `--apply`: the risk
//! bands as a changeset.

use kehu_analytics::risk::RiskBand;
use kehu_core::{Changeset, Customer, FieldEdit};
use kehu_plugin::policy::is_pinned;
use kehu_plugin_sdk::{Output, PluginError, WriteMode};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::{Value, json};

use crate::Run;
use crate::model::params_json;
use crate::render::{Format, Table, Tone, fixed, num, opt_num, write_json_document};
use crate::score::{self, Scored, Scoring};

/// The field `--apply` writes.
pub const RISK_FIELD: &str = "grade.risk";

/// How many reasons a listing row shows.
const TOP_REASONS: usize = 2;

/// The top contributing reasons of a score, in words.
pub fn top_reasons(s: &Scored) -> String {
    let words: Vec<String> = s
        .risk
        .signals
        .iter()
        .filter(|sig| sig.contribution > 0.0)
        .take(TOP_REASONS)
        .map(|sig| sig.reason.to_string())
        .collect();
    if words.is_empty() {
        s.risk.reason()
    } else {
        words.join("; ")
    }
}

fn tone(band: RiskBand) -> Tone {
    match band {
        RiskBand::High => Tone::Bad,
        RiskBand::Medium => Tone::Warn,
        RiskBand::Low => Tone::Plain,
    }
}

/// The listed customers as a JSON list, each row built as it is written.
struct Rows<'a> {
    shown: &'a [&'a Scored],
    customers: &'a [Customer],
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(Some(self.shown.len()))?;
        for s in self.shown {
            list.serialize_element(&row_json(s, &self.customers[s.index]))?;
        }
        list.end()
    }
}

fn row_json(s: &Scored, c: &Customer) -> Value {
    json!({
        "id": c.id,
        "owner": c.owner,
        "tier": c.grade.tier,
        "risk": num(s.risk.score),
        "band": s.risk.band.as_str(),
        "p_alive": opt_num(s.p_alive),
        "expected_orders": opt_num(s.expected),
        "reasons": top_reasons(s),
        "signals": s.risk.signals.iter().map(|sig| json!({
            "name": sig.name,
            "value": num(sig.value),
            "weight": num(sig.weight),
            "contribution": num(sig.contribution),
            "reason": sig.reason,
        })).collect::<Vec<_>>(),
    })
}

/// The risk bands that differ from what the customers carry, skipping
/// customers who pinned `risk` (with a note for each).
pub fn changeset(
    scoring: &Scoring,
    customers: &[Customer],
    run: &Run<'_, '_>,
    as_of: kehu_core::Date,
) -> (Changeset, Vec<String>) {
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    for s in &scoring.scored {
        let c = &customers[s.index];
        let band = s.risk.band.as_str();
        if c.grade.risk.as_deref() == Some(band) {
            continue;
        }
        if is_pinned(c, RISK_FIELD) {
            notes.push(format!(
                "note: {}: risk is pinned at {}; computed {band} left unwritten",
                c.id,
                c.grade.risk.as_deref().unwrap_or("(none)")
            ));
            continue;
        }
        edits.push(FieldEdit {
            customer: c.id.clone(),
            field: RISK_FIELD.to_owned(),
            value: Value::from(band),
            reason: format!("risk {:.2}: {}", s.risk.score, s.risk.reason()),
        });
    }
    let churn = &run.config.churn;
    let settings = run.settings(as_of);
    let mut body = format!(
        "Churn risk bands as of {as_of}, horizon {} d: high at risk >= {}, medium at >= {}.\n",
        settings.horizon_days, churn.high, churn.medium
    );
    if let Ok(fit) = &scoring.fit {
        let p = fit.params;
        body.push_str(&format!(
            "BG/NBD on {} customers: r = {:.4}, alpha = {:.4}, a = {:.4}, b = {:.4}.\n",
            fit.customers, p.r, p.alpha, p.a, p.b
        ));
    }
    let n = edits.len();
    let changeset = Changeset {
        subject: format!(
            "churn: {n} risk band{} as of {as_of}",
            if n == 1 { "" } else { "s" }
        ),
        body,
        trailers: Vec::new(),
        edits,
    };
    (changeset, notes)
}

/// `kehu churn [--top N | --all] [--min-risk P]` and the write flags.
pub fn run(run: &Run<'_, '_>, mode: Option<WriteMode>) -> Result<Output, PluginError> {
    let book = run.ctx.book()?;
    let as_of = book.as_of;
    let settings = run.settings(as_of);
    let (scoring, trails) =
        score::score_with_history(&book.customers, &run.config, &settings, || {
            run.trails(as_of)
        })?;
    let customers = &book.customers;
    let order = score::by_risk(&scoring, customers);
    let min = run.options.min_risk.unwrap_or(0.0);
    let matching: Vec<&Scored> = order
        .iter()
        .map(|&i| &scoring.scored[i])
        .filter(|s| s.risk.score >= min)
        .collect();
    let shown = &matching[..run
        .options
        .top
        .map_or(matching.len(), |n| n.min(matching.len()))];
    let count = |band: RiskBand| {
        scoring
            .scored
            .iter()
            .filter(|s| s.risk.band == band)
            .count()
    };
    let (high, medium, low) = (
        count(RiskBand::High),
        count(RiskBand::Medium),
        count(RiskBand::Low),
    );

    let mut out = Output::new().pure();
    let history_error = trails.as_ref().err().map(String::as_str);
    for note in score::notes(&scoring, history_error) {
        out = out.with_note(note);
    }
    if run.format == Format::Json {
        let rows = Rows { shown, customers };
        write_json_document(
            &mut run.ctx.stdout(),
            vec![
                ("as_of", json!(as_of)),
                ("horizon_days", json!(settings.horizon_days)),
                (
                    "model",
                    scoring.fit.as_ref().ok().map_or(Value::Null, params_json),
                ),
                ("scored", json!(scoring.scored.len())),
                ("skipped", json!(scoring.skipped.len())),
                ("bands", json!({"high": high, "medium": medium, "low": low})),
            ],
            "customers",
            &rows,
        )?;
    } else {
        let mut table = Table::new(&[
            "id",
            "owner",
            "tier",
            "risk",
            "band",
            "p_alive",
            "expected_orders",
            "reasons",
        ]);
        for s in shown {
            let c = &customers[s.index];
            let band = s.risk.band;
            table.push_toned(vec![
                (c.id.clone(), Tone::Plain),
                (c.owner.clone().unwrap_or_default().into(), Tone::Plain),
                (c.grade.tier.clone().unwrap_or_default().into(), Tone::Plain),
                (fixed(Some(s.risk.score), 2), tone(band)),
                (band.as_str().to_owned(), tone(band)),
                (fixed(s.p_alive, 3), Tone::Plain),
                (fixed(s.expected, 2), Tone::Plain),
                (top_reasons(s), Tone::Plain),
            ]);
        }
        let people = matches!(run.format, Format::Table | Format::Markdown);
        if people {
            out.stdout.push_str(&format!(
                "Churn risk as of {as_of}, horizon {} d: {} customers scored ({high} high, {medium} medium, {low} low)\n",
                settings.horizon_days,
                scoring.scored.len()
            ));
            if run.format == Format::Markdown {
                out.stdout.push('\n');
            }
        }
        out.stdout
            .push_str(&table.render(run.format, run.ctx.color())?);
        if people && shown.len() < matching.len() {
            if run.format == Format::Markdown {
                out.stdout.push('\n');
            }
            out.stdout.push_str(&format!(
                "{} of {} shown; --all for every customer\n",
                shown.len(),
                matching.len()
            ));
        }
    }
    if let Some(mode) = mode {
        let (changes, notes) = changeset(&scoring, customers, run, as_of);
        for note in notes {
            out = out.with_note(note);
        }
        if changes.edits.is_empty() {
            out = out.with_note("note: every risk band is up to date; nothing to write");
        } else {
            out = out.with_changeset(changes, mode);
        }
    }
    Ok(out)
}
