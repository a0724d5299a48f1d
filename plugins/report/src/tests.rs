//! The report run through the real ABI against a small book with a made
//! history (week 2026-W47: two contacts, a hand regrade with a reason, a
//! pipeline downgrade, two stage changes), every figure checked by hand.

use kehu_core::{Customer, Date};
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use serde_json::{Value, json};

use crate::Report;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

struct Spec<'a> {
    id: &'a str,
    name: &'a str,
    owner: Option<&'a str>,
    stage: &'a str,
    revenue: f64,
    satisfaction: Option<f64>,
    tier: Option<&'a str>,
    pipeline: Option<&'a str>,
    contact: Option<&'a str>,
}

fn customer(s: Spec<'_>) -> Customer {
    let mut c = Customer {
        id: s.id.into(),
        name: s.name.into(),
        owner: s.owner.map(Into::into),
        stage: s.stage.into(),
        ..Customer::default()
    };
    c.metrics.revenue_12m = Some(s.revenue);
    c.metrics.satisfaction = s.satisfaction;
    c.grade.tier = s.tier.map(Into::into);
    c.grade.pipeline = s.pipeline.map(Into::into);
    c.contact.last = s.contact.map(day);
    if s.revenue > 0.0 {
        c.metrics.orders_total = Some(12);
        c.metrics.orders_12m = Some(4);
        c.metrics.first_order = Some(day("2024-01-10"));
        c.metrics.last_order = Some(day(if s.id == "echo" {
            "2025-06-01"
        } else {
            "2026-11-02"
        }));
    }
    c
}

const SCRIPT: &str = "<script>alert(1)</script>";

/// (end of W47, start = end of 2026-11-15).
fn books() -> (Vec<Customer>, Vec<Customer>) {
    let spec = |id, name, owner, stage, revenue, satisfaction, tier, pipeline, contact| Spec {
        id,
        name,
        owner,
        stage,
        revenue,
        satisfaction,
        tier,
        pipeline,
        contact,
    };
    let end = vec![
        customer(spec(
            "acme",
            "ACME | Corp",
            Some("alice"),
            "won",
            600_000.0,
            Some(4.5),
            Some("strategic"),
            Some("E"),
            Some("2026-11-17"),
        )),
        customer(spec(
            "bolt",
            "Bolt",
            Some("bob"),
            "won",
            100_000.0,
            Some(3.5),
            Some("key"),
            Some("D"),
            Some("2026-11-18"),
        )),
        customer(spec(
            "cyan",
            "Cyan",
            Some("alice"),
            "won",
            50_000.0,
            None,
            Some("ordinary"),
            Some("C"),
            Some("2026-09-01"),
        )),
        customer(spec(
            "dune",
            SCRIPT,
            Some("bob"),
            "lead",
            0.0,
            None,
            None,
            Some("E"),
            None,
        )),
        customer(spec(
            "echo",
            "Echo",
            None,
            "churned",
            10_000.0,
            Some(2.0),
            Some("small"),
            Some("E"),
            Some("2026-01-05"),
        )),
    ];
    let start = vec![
        customer(spec(
            "acme",
            "ACME | Corp",
            Some("alice"),
            "won",
            600_000.0,
            Some(4.5),
            Some("key"),
            Some("E"),
            Some("2026-11-01"),
        )),
        customer(spec(
            "bolt",
            "Bolt",
            Some("bob"),
            "won",
            90_000.0,
            Some(3.5),
            Some("key"),
            Some("B"),
            Some("2026-11-02"),
        )),
        customer(spec(
            "cyan",
            "Cyan",
            Some("alice"),
            "negotiation",
            50_000.0,
            None,
            Some("ordinary"),
            Some("C"),
            Some("2026-09-01"),
        )),
        customer(spec(
            "dune",
            SCRIPT,
            Some("bob"),
            "lead",
            0.0,
            None,
            None,
            Some("E"),
            None,
        )),
        customer(spec(
            "echo",
            "Echo",
            None,
            "won",
            10_000.0,
            Some(2.0),
            Some("small"),
            Some("E"),
            Some("2026-01-05"),
        )),
    ];
    // bolt's order on 11-19 (in `history`) raised its all-time revenue.
    let (mut end, mut start) = (end, start);
    end[1].metrics.revenue_total = Some(510_000.0);
    start[1].metrics.revenue_total = Some(500_000.0);
    (end, start)
}

#[allow(clippy::too_many_arguments)] // one event, spelled out in full
fn event(
    date: &str,
    ts: i64,
    author: &str,
    kind: &str,
    subject: &str,
    trailers: Value,
    id: &str,
    fields: Value,
) -> Value {
    json!({"commit": {"date": date, "timestamp": ts, "author": author, "kind": kind,
                      "subject": subject, "trailers": trailers},
           "customers": [{"id": id, "status": "modified", "fields": fields}]})
}

/// Newest first, as kehu-git lists them; the 11-10 and 11-12 events are in
/// the week before.
fn history() -> Value {
    json!([
        event(
            "2026-11-21",
            60,
            "Dan",
            "edit",
            "echo left",
            json!([]),
            "echo",
            json!([{"field": "stage", "old": "won", "new": "churned"}])
        ),
        event(
            "2026-11-20",
            50,
            "Carol",
            "regrade",
            "grade: acme tier strategic",
            json!([
                ["Kehu-Command", "grade"],
                ["Kehu-Reason", "Renewal signed | 3 years"]
            ]),
            "acme",
            json!([{"field": "grade.tier", "old": "key", "new": "strategic"}])
        ),
        event(
            "2026-11-19",
            40,
            "Bot",
            "regrade",
            "classify: 1 regrade",
            json!([]),
            "bolt",
            json!([{"field": "grade.pipeline", "old": "B", "new": "D"},
                   {"field": "metrics.revenue_12m", "old": 90000.0, "new": 100000.0},
                   {"field": "metrics.revenue_total", "old": 500000.0, "new": 510000.0}])
        ),
        event(
            "2026-11-18",
            30,
            "Bob",
            "contact",
            "contact: bolt by email",
            json!([["Kehu-Command", "contact"], ["Kehu-Contact", "email"]]),
            "bolt",
            json!([{"field": "contact.last", "old": "2026-11-02", "new": "2026-11-18"}])
        ),
        event(
            "2026-11-17",
            20,
            "Alice",
            "contact",
            "contact: acme by call",
            json!([["Kehu-Command", "contact"], ["Kehu-Contact", "call"]]),
            "acme",
            json!([{"field": "contact.last", "old": "2026-11-01", "new": "2026-11-17"}])
        ),
        event(
            "2026-11-16",
            15,
            "Alice",
            "edit",
            "cyan signed",
            json!([]),
            "cyan",
            json!([{"field": "stage", "old": "negotiation", "new": "won"}])
        ),
        event(
            "2026-11-12",
            12,
            "Bot",
            "import",
            "import orders",
            json!([["Kehu-Command", "import orders"]]),
            "cyan",
            json!([{"field": "metrics.revenue_total", "old": 200000.0, "new": 208000.0}])
        ),
        event(
            "2026-11-10",
            10,
            "Alice",
            "contact",
            "contact: acme by visit",
            json!([["Kehu-Contact", "visit"]]),
            "acme",
            json!([{"field": "contact.last", "old": "2026-10-01", "new": "2026-11-10"}])
        ),
    ])
}

/// The book a month before the end of W47, where the grade calibration of
/// A starts: cyan (negotiation, A) has since closed, dune (lead, A) is still
/// open, bolt (already won) is not an open deal.
fn month_before() -> Vec<Customer> {
    let (_, mut book) = books();
    for c in &mut book {
        c.grade.pipeline = Some(if c.id == "echo" { "E" } else { "A" }.into());
    }
    book
}

fn host() -> TestHost {
    let (end, start) = books();
    let mut host = TestHost::new(day("2026-11-22"))
        .with_config(json!({}))
        .with_customers(end)
        .with_book_at(day("2026-11-15"), start)
        .with_book_at(day("2026-10-22"), month_before());
    host.changes = history();
    host
}

fn run(host: &TestHost, args: &[&str]) -> String {
    let response = run_plugin::<Report>(host, "report", args).unwrap();
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    response.stdout
}

fn json_report(host: &TestHost) -> Value {
    serde_json::from_str(&run(host, &["--format", "json"])).unwrap()
}

#[test]
fn headline_figures_by_hand() {
    let r = json_report(&host());
    assert_eq!(r["schema"], "kehu.report/2");
    assert_eq!(
        r["period"],
        json!({"label": "2026-W47", "since": "2026-11-16", "until": "2026-11-22"})
    );
    assert_eq!(r["start"], "2026-11-15");
    let k = &r["kpis"];
    assert_eq!(k["customers"], 5);
    // 600,000 + 100,000 + 50,000 + 0 + 10,000.
    assert_eq!(k["revenue"], 760_000.0);
    // Top ⌈5 × 20%⌉ = 1 customer: 600,000 / 760,000.
    assert_eq!(k["top20_customers"], 1);
    assert!((k["top20_share"].as_f64().unwrap() - 600_000.0 / 760_000.0).abs() < 1e-12);
    // (4.5 + 3.5 + 2.0) / 3 rated.
    assert!((k["satisfaction"].as_f64().unwrap() - 10.0 / 3.0).abs() < 1e-12);
    assert_eq!(k["satisfaction_customers"], 3);
    // The 11-17 and 11-18 contacts; the 11-10 one is before the week.
    assert_eq!(k["contacts"], 2);
    // Won at the start: acme, bolt, echo; still won: acme, bolt.
    assert_eq!(k["retention"]["active_start"], 3);
    assert_eq!(k["retention"]["retained"], 2);
    assert_eq!(k["revenue_start"], 750_000.0);
    // Booked: bolt's revenue_total +10,000 on 11-19; the week before,
    // cyan's +8,000 on 11-12: growth 10,000 / 8,000 − 1.
    assert_eq!(r["previous_since"], "2026-11-09");
    assert_eq!(k["revenue_period"], 10_000.0);
    assert_eq!(k["revenue_previous"], 8_000.0);
    assert_eq!(k["revenue_growth"], 0.25);
    let pareto = r["pareto"].as_array().unwrap();
    assert_eq!(pareto.len(), 21);
    assert_eq!(pareto[20]["revenue"], 1.0);
}

#[test]
fn portfolio_by_hand() {
    let r = json_report(&host());
    let tiers: Vec<(String, u64, f64, i64)> = r["portfolio"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
                b["revenue"].as_f64().unwrap(),
                b["count_change"].as_i64().unwrap(),
            )
        })
        .collect();
    // End: acme ≥ 500k strategic; bolt ≥ 100k key; cyan, echo ≥ 10k
    // ordinary; dune small. Start: bolt had 90k (ABC B) → ordinary.
    assert_eq!(
        tiers,
        vec![
            ("strategic".into(), 1, 600_000.0, 0),
            ("key".into(), 1, 100_000.0, 1),
            ("ordinary".into(), 2, 60_000.0, -1),
            ("small".into(), 1, 0.0, 0),
        ]
    );
    // A runs up to and including the first customer reaching 80%: at the
    // end acme (78.9%) and bolt (92.1%); at the start acme alone (exactly
    // 80%). B up to the first reaching 95%: cyan at the end (98.7%), bolt
    // (92%) and cyan (98.7%) at the start. The rest C.
    let abc: Vec<(String, u64, f64, i64, f64)> = r["portfolio"]["abc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
                b["revenue"].as_f64().unwrap(),
                b["count_change"].as_i64().unwrap(),
                b["revenue_change"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        abc,
        vec![
            ("A".into(), 2, 700_000.0, 1, 100_000.0),
            ("B".into(), 1, 50_000.0, -1, -90_000.0),
            ("C".into(), 2, 10_000.0, 0, 0.0),
        ]
    );
    let counted: u64 = r["portfolio"]["rfm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 5);
}

#[test]
fn movements_contacts_funnel_and_follow_ups_by_hand() {
    let r = json_report(&host());
    let moves = r["movements"].as_array().unwrap();
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[0]["customer"], "bolt");
    assert_eq!(moves[0]["field"], "pipeline");
    assert_eq!(moves[0]["direction"], "downgrade");
    assert_eq!(moves[0]["why"], "classify: 1 regrade");
    assert_eq!(moves[1]["date"], "2026-11-20");
    assert_eq!(moves[1]["author"], "Carol");
    assert_eq!(moves[1]["from"], "key");
    assert_eq!(moves[1]["to"], "strategic");
    assert_eq!(moves[1]["direction"], "upgrade");
    assert_eq!(moves[1]["why"], "Renewal signed | 3 years");

    let m = &r["migration"];
    assert_eq!(
        m["labels"],
        json!(["strategic", "key", "ordinary", "small", "(none)"])
    );
    assert_eq!(
        m["counts"],
        json!([
            [0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 1]
        ])
    );

    assert_eq!(
        r["contacts"],
        json!([{"owner": "alice", "channel": "call", "count": 1},
               {"owner": "bob", "channel": "email", "count": 1}])
    );

    let stages: Vec<(String, u64)> = r["funnel"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["count"].as_u64().unwrap() > 0)
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_owned(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        vec![("lead".into(), 1), ("won".into(), 3), ("churned".into(), 1)]
    );
    assert_eq!(
        r["funnel"]["transitions"],
        json!([{"from": "negotiation", "to": "won", "count": 1},
               {"from": "won", "to": "churned", "count": 1}])
    );
    // cyan entered won and echo churned, and both stayed; neither stay
    // began in the week, so none is measured.
    let flows: Vec<(String, u64, u64)> = r["funnel"]["conversion"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["entered"].as_u64().unwrap() > 0)
        .map(|f| {
            (
                f["stage"].as_str().unwrap().to_owned(),
                f["entered"].as_u64().unwrap(),
                f["stayed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(flows, vec![("won".into(), 1, 1), ("churned".into(), 1, 1)]);
    assert!(
        r["funnel"]["conversion"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["median_days"].is_null())
    );

    // One downgrade on 11-19, one upgrade on 11-20, day by day.
    let series: Vec<(String, u64, u64)> = r["movement_series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_owned(),
                b["upgrades"].as_u64().unwrap(),
                b["downgrades"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(series.len(), 7);
    assert_eq!(series[3], ("2026-11-19".into(), 0, 1));
    assert_eq!(series[4], ("2026-11-20".into(), 1, 0));

    // Graded A on 10-22: cyan (negotiation) closed, dune (lead) open; acme
    // and bolt were already won, echo was E. No book for B and C.
    assert!(r["calibration"].is_null());
    let r: Value =
        serde_json::from_str(&run(&host(), &["--format", "json", "--calibrate"])).unwrap();
    assert_eq!(r["calibration"].as_array().unwrap().len(), 1);
    let a = &r["calibration"][0];
    assert_eq!(
        (
            &a["grade"],
            &a["since"],
            &a["graded"],
            &a["closed"],
            &a["open"],
            &a["rate"]
        ),
        (
            &json!("A"),
            &json!("2026-10-22"),
            &json!(2),
            &json!(1),
            &json!(1),
            &json!(0.5)
        )
    );

    // dune never contacted; cyan 82 days since 09-01 against max 30 (C);
    // echo churned is left out; acme and bolt were contacted this week.
    let overdue: Vec<&str> = r["overdue"]["listed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["customer"].as_str().unwrap())
        .collect();
    assert_eq!(overdue, vec!["dune", "cyan"]);
    assert_eq!(r["overdue"]["listed"][1]["days_since"], 82);
    assert_eq!(r["overdue"]["total"], 2);
    // `--top 1` lists the longest overdue only; the counts stay whole.
    let top: Value =
        serde_json::from_str(&run(&host(), &["--format", "json", "--top", "1"])).unwrap();
    assert_eq!(top["overdue"]["listed"].as_array().unwrap().len(), 1);
    assert_eq!(top["overdue"]["listed"][0]["customer"], "dune");
    assert_eq!(top["overdue"]["total"], 2);
    let owners: u64 = top["overdue"]["by_owner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .sum();
    assert_eq!(owners, 2);
    let markdown = run(&host(), &["--format", "markdown", "--top", "1"]);
    assert!(
        markdown.contains("### The 1 longest overdue (every one: kehu agenda --overdue)"),
        "{markdown}"
    );

    // echo's last order is 17 months old: the riskiest.
    assert_eq!(r["at_risk"][0]["customer"], "echo");
    let scores: Vec<f64> = r["at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

/// The same week, with bolt's file renamed to `bolt-gmbh` with plain git on
/// 11-21 (kehu-git reports one `renamed` change with `old_id`).
fn renamed_host() -> TestHost {
    let mut host = host();
    for c in &mut host.book.customers {
        if c.id == "bolt" {
            c.id = "bolt-gmbh".into();
        }
    }
    let mut events = history();
    let rename = json!({"commit": {"date": "2026-11-21", "timestamp": 55, "author": "Dan",
                                   "kind": "edit", "subject": "rename bolt", "trailers": []},
                        "customers": [{"id": "bolt-gmbh", "old_id": "bolt", "status": "renamed",
                                       "fields": []}]});
    events.as_array_mut().unwrap().insert(1, rename);
    host.changes = events;
    host
}

#[test]
fn a_renamed_customer_is_one_customer() {
    let r = json_report(&renamed_host());
    let plain = json_report(&host());
    // Still retained, still one key → key row, its contact still bob's.
    assert_eq!(r["kpis"]["retention"], plain["kpis"]["retention"]);
    assert_eq!(r["migration"], plain["migration"]);
    assert_eq!(r["contacts"], plain["contacts"]);
    assert_eq!(r["funnel"], plain["funnel"]);
    // The movement names the customer by its id at the end.
    assert_eq!(r["movements"][0]["customer"], "bolt-gmbh");
    assert_eq!(r["movements"][0]["name"], "Bolt");
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in ["markdown", "html", "json", "csv", "table"] {
        let one = run(&host(), &["--format", format]);
        let two = run(&host(), &["--format", format]);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{format}");
    }
}

#[test]
fn customer_text_is_escaped() {
    let host = host();
    let html = run(&host, &["--format", "html"]);
    assert!(!html.contains("<script"), "raw script in HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Self-contained: no script, no link, no URL the browser would fetch.
    for fetch in ["src=", "href=", "url(", "@import", "<link", "<script"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    assert!(html.contains("<svg") && html.contains("<polyline"));
    let md = run(&host, &["--format", "markdown"]);
    assert!(!md.contains("<script"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("ACME \\| Corp"));
    assert!(md.contains("Renewal signed \\| 3 years"));
    // Every table row has as many cells as its header.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells >= 3, "{line}");
    }
}

#[test]
fn csv_and_table_carry_the_figures() {
    let host = host();
    let csv = run(&host, &["--format", "csv"]);
    assert!(csv.starts_with("table,row,column,value\n"));
    assert!(csv.contains("contacts,alice,contacts,1\n"));
    assert!(csv.contains("tiers,key,Δ customers,+1\n"));
    let table = run(&host, &[]);
    assert!(table.contains("kehu weekly report 2026-W47"));
    assert!(table.contains("78.9%"));
}

#[test]
fn the_start_book_is_the_end_book_with_the_period_undone() {
    let (end, start) = books();
    let period = crate::period::Period {
        label: String::new(),
        since: day("2026-11-16"),
        until: day("2026-11-22"),
    };
    let changes = crate::history::Change::in_period(&history(), &period);
    let (rebuilt, failed) = crate::rewind::rewind(&end, &changes);
    assert_eq!(failed, 0);
    assert_eq!(
        serde_json::to_value(&rebuilt).unwrap(),
        serde_json::to_value(&start).unwrap()
    );
}

#[test]
fn a_past_week_reads_the_book_as_of_then() {
    let (end, _) = books();
    let host = TestHost::new(day("2026-11-30"))
        .with_config(json!({}))
        .with_customers(Vec::new())
        .with_book_at(day("2026-11-22"), end);
    let mut with_history = host.clone();
    with_history.changes = history();
    let r: Value = serde_json::from_str(&run(
        &with_history,
        &["--week", "2026-W47", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(r["kpis"]["customers"], 5);
    assert_eq!(r["kpis"]["contacts"], 2);
    assert_eq!(r["kpis"]["retention"]["active_start"], 3);
    // No book as of 11-30 minus a month: --calibrate says so.
    let response = run_plugin::<Report>(
        &with_history,
        "report",
        &["--week", "2026-W47", "--calibrate", "--format", "json"],
    )
    .unwrap();
    assert_eq!(response.exit_code, 0);
    assert!(
        response.stderr.contains("no book as of 2026-10-22"),
        "{}",
        response.stderr
    );
}

#[test]
fn help_and_bad_usage() {
    let out = run(&host(), &["--help"]);
    assert!(out.contains("Usage: kehu report"));
    let response = run_plugin::<Report>(&host(), "report", &["--week", "2026-W99"]).unwrap();
    assert_eq!(response.exit_code, 2);
}

/// Parses the HTML as the well-formed markup the renderer promises: every
/// element closed in order (or self-closed, or `<meta>`), every attribute
/// value quoted, no raw `<` or `&` in text.
fn check_markup(html: &str) -> Result<usize, String> {
    let body = html.strip_prefix("<!DOCTYPE html>\n").ok_or("no doctype")?;
    let mut open: Vec<&str> = Vec::new();
    let mut rest = body;
    let mut elements = 0;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if let Some(amp) = text.find('&') {
            let entity = &text[amp..];
            let end = entity.find(';').ok_or("a bare &")?;
            if end > 6 {
                return Err(format!("a bare & in {text:?}"));
            }
        }
        let gt = rest[lt..].find('>').ok_or("an unclosed tag")? + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name {
                return Err(format!("</{name}> closes <{top}>"));
            }
            continue;
        }
        let name = tag.split([' ', '/']).next().unwrap_or_default();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("bad tag <{tag}>"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = tag[name.len()..].trim().trim_end_matches('/').trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .ok_or(format!("unquoted attribute in <{tag}>"))?;
            let close = attrs[eq + 2..].find('"').ok_or("unterminated attribute")? + eq + 2;
            attrs = attrs[close + 1..].trim_start();
        }
        elements += 1;
        if !tag.ends_with('/') && name != "meta" {
            open.push(name);
        }
    }
    if !open.is_empty() {
        return Err(format!("unclosed: {open:?}"));
    }
    Ok(elements)
}

#[test]
fn html_is_well_formed_and_has_every_chart() {
    let html = run(&renamed_host(), &["--format", "html"]);
    let elements = check_markup(&html).unwrap();
    assert!(elements > 100, "{elements}");
    for id in [
        "chart-tiers",
        "chart-revenue",
        "chart-pareto",
        "chart-funnel",
        "chart-movements",
    ] {
        assert!(html.contains(&format!("<figure id=\"{id}\">")), "{id}");
    }
    // The checker itself rejects broken markup.
    assert!(check_markup("<!DOCTYPE html>\n<p><b></p></b>").is_err());
    assert!(check_markup("<!DOCTYPE html>\n<p a=b></p>").is_err());
    assert!(check_markup("<!DOCTYPE html>\n<p>a & b</p>").is_err());
    assert!(check_markup("<!DOCTYPE html>\n<p>").is_err());
}

/// A complaint opened before the period (within the year the service KPIs
/// count) and resolved in it, with ordinary contacts around it: the year's
/// complaint commits are asked for with a trailer filter, and the figures
/// are those of the whole history.
#[test]
fn complaints_of_the_year_come_through_the_trailer_filter() {
    let mut host = host();
    let Value::Array(mut events) = history() else {
        unreachable!("history() is a list")
    };
    let contact = |date: &str, ts: i64, trailers: Value| {
        event(
            date,
            ts,
            "Alice",
            "contact",
            "contact: acme by call",
            trailers,
            "acme",
            json!([{"field": "contact.last", "old": "2026-01-01", "new": date}]),
        )
    };
    events.insert(
        0,
        contact(
            "2026-11-18",
            9,
            json!([["Kehu-Contact", "call"], ["kehu-resolved", "c0ffee1"]]),
        ),
    );
    let mut opened = contact(
        "2026-09-01",
        2,
        json!([
            ["Kehu-Contact", "call"],
            ["Kehu-Complaint", "Late delivery"]
        ]),
    );
    opened["commit"]["id"] = json!("c0ffee1234567890");
    events.extend([
        contact("2026-09-02", 3, json!([["Kehu-Contact", "call"]])),
        opened,
        contact(
            "2025-06-01",
            1,
            json!([["Kehu-Complaint", "Too old to count"]]),
        ),
    ]);
    host.changes = Value::Array(events);
    let r = json_report(&host);
    let total = &r["service"]["total"];
    assert_eq!(total["complaints_year"], 1, "{total}");
    assert_eq!(total["resolved"], 1, "{total}");
    assert_eq!(total["open"], 0, "{total}");
}

/// An answer the report cannot read stops the folding thread: asking
/// stops too, and the report goes on without history, saying why.
#[test]
fn an_unreadable_history_answer_leaves_the_history_out() {
    let mut host = host();
    host.changes = json!([{"commit": 5}]);
    let response = run_plugin::<Report>(&host, "report", &["--format", "json"]).unwrap();
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    let report: Value = serde_json::from_str(&response.stdout).unwrap();
    let notes = report["notes"].to_string();
    assert!(notes.contains("no history"), "{notes}");
    assert!(report["movements"].as_array().is_some_and(Vec::is_empty));
}
