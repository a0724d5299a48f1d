//! The plugin run through the SDK harness (the real ABI path) on small
//! books whose cadences are computed by hand in the comments.
//!
//! Default kehu.toml: tiers strategic ×8 {14, 30}, key ×4 {30, 60},
//! ordinary ×2 {90, 180}, small ×1 {180, 365}; grades A {1, 2}, B {7, 14},
//! C {15, 30}, D {30, 60}, E {365, 730}; step 30.

use icalendar::parser::{read_calendar, unfold};
use kehu_core::config::Cadence;
use kehu_core::{Config, Contact, Customer, Date, Grade};
use kehu_plugin::protocol::Response;
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use kehu_plugin_sdk::{ContactWrite, LastContacts, LoggedContact};
use serde_json::{Value, json};

use crate::Agenda;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn customer(
    id: &str,
    owner: Option<&str>,
    tier: &str,
    pipeline: Option<&str>,
    last: Option<&str>,
) -> Customer {
    Customer {
        id: id.into(),
        name: id.to_uppercase(),
        owner: owner.map(Into::into),
        stage: "won".into(),
        grade: Grade {
            tier: Some(tier.into()),
            pipeline: pipeline.map(Into::into),
            ..Grade::default()
        },
        contact: Contact {
            last: last.map(day),
            ..Contact::default()
        },
        ..Customer::default()
    }
}

fn host(as_of: &str, customers: Vec<Customer>) -> TestHost {
    TestHost::new(day(as_of))
        .with_config(serde_json::to_value(Config::default()).unwrap())
        .with_customers(customers)
}

/// As of 2026-11-18:
/// - acme: strategic, D → {14, 30}; 39 d → overdue; 8 × (39 − 14 + 30) = 440
/// - beta: key, B → {7, 14}; 9 d → due; 4 × (9 − 7) = 8
/// - gamma: ordinary, C → {15, 30}; 8 d → not due, due 11-25; 2 × (8 − 15) = −14
/// - delta: small, E, lost → {180, 365}; 321 d → due; 1 × (321 − 180) = 141
/// - eps: small, no grade, never contacted → overdue; 1 × (366 − 180 + 30) = 216
/// - zeta: small, own {3, 5}; 6 d → overdue; 1 × (6 − 3 + 30) = 33
/// - eta: key, A → {1, 2}; 0 d → not due, due 11-19; 4 × (0 − 1) = −4
fn book() -> TestHost {
    let mut delta = customer("delta", Some("ann"), "small", Some("E"), Some("2026-01-01"));
    delta.stage = "lost".into();
    let mut zeta = customer("zeta", Some("bob"), "small", None, Some("2026-11-12"));
    zeta.cadence = Some(Cadence { ideal: 3, max: 5 });
    host(
        "2026-11-18",
        vec![
            customer(
                "acme",
                Some("ann"),
                "strategic",
                Some("D"),
                Some("2026-10-10"),
            ),
            customer("beta", Some("bob"), "key", Some("B"), Some("2026-11-09")),
            delta,
            customer("eps", None, "small", None, None),
            customer("eta", Some("bob"), "key", Some("A"), Some("2026-11-18")),
            customer(
                "gamma",
                Some("ann"),
                "ordinary",
                Some("C"),
                Some("2026-11-10"),
            ),
            zeta,
        ],
    )
}

fn run(host: &TestHost, args: &[&str]) -> Response {
    let response = run_plugin::<Agenda>(host, "agenda", args).unwrap();
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    response
}

fn run_json(host: &TestHost, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let doc: Value = serde_json::from_str(&run(host, &all).stdout).unwrap();
    assert_eq!(doc["schema"], "kehu.agenda/1");
    doc
}

fn ids(doc: &Value) -> Vec<String> {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn default_view_is_due_and_overdue_by_owner_then_urgency() {
    let doc = run_json(&book(), &[]);
    assert_eq!(ids(&doc), ["acme", "delta", "zeta", "beta", "eps"]);
    let items = doc["items"].as_array().unwrap();
    let by_id = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    let acme = by_id("acme");
    assert_eq!(acme["status"], "overdue");
    assert_eq!(acme["cadence"]["ideal"], 14);
    assert_eq!(acme["cadence"]["max"], 30);
    assert_eq!(acme["urgency"]["score"], 440.0);
    assert_eq!(acme["due_on"], "2026-10-24");
    assert_eq!(acme["overdue_on"], "2026-11-10");
    assert_eq!(by_id("beta")["status"], "due");
    assert_eq!(by_id("beta")["urgency"]["score"], 8.0);
    // Lost and yearly customers stay at their cadence.
    assert_eq!(by_id("delta")["status"], "due");
    assert_eq!(by_id("delta")["urgency"]["score"], 141.0);
    assert_eq!(by_id("eps")["urgency"]["score"], 216.0);
    assert_eq!(by_id("eps")["last_contact"], Value::Null);
    assert_eq!(by_id("zeta")["urgency"]["score"], 33.0);
    assert_eq!(by_id("zeta")["status"], "overdue");
}

#[test]
fn overdue_owner_and_days_views() {
    let host = book();
    assert_eq!(
        ids(&run_json(&host, &["--overdue"])),
        ["acme", "zeta", "eps"]
    );
    assert_eq!(ids(&run_json(&host, &["--owner", "bob"])), ["zeta", "beta"]);
    assert_eq!(
        ids(&run_json(&host, &["--owner", "bob", "--overdue"])),
        ["zeta"]
    );
    // 11-18..11-24: eta comes due on 11-19; gamma (11-25) is outside.
    let week = run_json(&host, &["--days", "7"]);
    assert_eq!(ids(&week), ["acme", "delta", "zeta", "beta", "eps", "eta"]);
    assert_eq!(week["items"][5]["day"], "2026-11-19");
    assert_eq!(week["view"]["until"], "2026-11-24");
    let eight = run_json(&host, &["--days", "8"]);
    assert_eq!(ids(&eight).last().unwrap(), "gamma");
    // The table groups by day, then owner.
    let table = run(&host, &["--days", "8"]).stdout;
    let heads: Vec<&str> = table.lines().filter(|l| l.starts_with("2026-")).collect();
    assert_eq!(
        heads,
        [
            "2026-11-18 · ann",
            "2026-11-18 · bob",
            "2026-11-18 · (no owner)",
            "2026-11-19 · bob",
            "2026-11-25 · ann"
        ]
    );
}

#[test]
fn urgency_ties_go_by_id() {
    // Same tier, cadence and contact: equal scores.
    let host = host(
        "2026-11-18",
        ["c", "a", "b"]
            .iter()
            .map(|id| customer(id, Some("ann"), "key", Some("B"), Some("2026-11-01")))
            .collect(),
    );
    assert_eq!(ids(&run_json(&host, &[])), ["a", "b", "c"]);
}

fn contact_event(date: &str, ts: i64, id: &str, fields: Value) -> Value {
    json!({"commit": {"date": date, "timestamp": ts, "kind": "contact",
                      "trailers": [["Kehu-Command", "contact"], ["Kehu-Contact", "call"]]},
           "customers": [{"id": id, "fields": fields}]})
}

/// Four customers whose files and contact commits disagree, or not.
fn disagreement_host() -> TestHost {
    let mut host = host(
        "2026-11-18",
        vec![
            // A contact commit on 11-15 that did not write the field.
            customer("beta", Some("bob"), "key", Some("B"), Some("2026-11-01")),
            // The field says 11-16, the last contact commit 11-02.
            customer("gamma", Some("ann"), "key", Some("B"), Some("2026-11-16")),
            // Field and commit agree.
            customer("hugo", Some("ann"), "key", Some("B"), Some("2026-11-03")),
            // Set by an import: bookkeeping, no note.
            customer("iris", Some("ann"), "key", Some("B"), Some("2026-11-04")),
        ],
    );
    host.changes = json!([
        {"commit": {"date": "2026-11-15", "timestamp": 50, "kind": "edit",
                    "trailers": [["Kehu-Contact", "visit"]]},
         "customers": [{"id": "beta", "fields": [{"field": "notes", "old": "a", "new": "b"}]}]},
        contact_event("2026-11-02", 20, "gamma", json!([{"field": "contact.last", "old": null, "new": "2026-11-02"}])),
        contact_event("2026-11-03", 30, "hugo", json!([{"field": "contact.last", "old": null, "new": "2026-11-03"}])),
        {"commit": {"date": "2026-11-05", "timestamp": 40, "kind": "import", "trailers": []},
         "customers": [{"id": "iris", "fields": [{"field": "contact.last", "old": null, "new": "2026-11-04"}]}]},
    ]);
    host
}

#[test]
fn the_hosts_last_contacts_plan_like_the_contact_changes() {
    let from_changes = disagreement_host();
    let mut from_answer = disagreement_host();
    from_answer.changes = json!("a host with last_contacts is not asked for changes");
    let logged = |id: &str, contact: Option<&str>, field: Option<(&str, bool)>| LoggedContact {
        id: id.into(),
        contact: contact.map(day),
        field: field.map(|(value, bookkeeping)| ContactWrite {
            value: Some(day(value)),
            bookkeeping,
        }),
    };
    // The window is the longest maximum interval (14 d): gamma's contact of
    // 11-02 is outside it.
    from_answer.last_contacts = Some(LastContacts {
        schema: kehu_plugin::protocol::SCHEMA.into(),
        customers: vec![
            logged("beta", Some("2026-11-15"), None),
            logged("hugo", Some("2026-11-03"), Some(("2026-11-03", false))),
            logged("iris", None, Some(("2026-11-04", true))),
        ],
    });
    for args in [&["--days", "30"][..], &["--explain", "gamma"][..]] {
        assert_eq!(
            run_json(&from_answer, args),
            run_json(&from_changes, args),
            "{args:?}"
        );
    }
}

#[test]
fn disagreement_between_file_and_history_is_noted() {
    let host = disagreement_host();
    let doc = run_json(&host, &["--days", "30"]);
    let items = doc["items"].as_array().unwrap();
    let by_id = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    let beta = by_id("beta");
    assert_eq!(beta["last_contact"], "2026-11-15");
    assert_eq!(beta["contact_logged"], "2026-11-15");
    assert!(
        beta["note"]
            .as_str()
            .unwrap()
            .contains("a commit without the field"),
        "{beta}"
    );
    // 3 d since 11-15 → not due until 11-22.
    assert_eq!(beta["status"], "not-due");
    let gamma = by_id("gamma");
    assert_eq!(gamma["last_contact"], "2026-11-16");
    assert!(
        gamma["note"]
            .as_str()
            .unwrap()
            .contains("hand edit without a commit"),
        "{gamma}"
    );
    assert_eq!(by_id("hugo")["note"], Value::Null);
    assert_eq!(by_id("iris")["note"], Value::Null);
    let explain = run(&host, &["--explain", "beta"]).stdout;
    assert!(explain.contains("note:"), "{explain}");
    assert!(
        explain.contains("latest contact commit 2026-11-15"),
        "{explain}"
    );
}

#[test]
fn explain_shows_the_terms() {
    let host = book();
    let text = run(&host, &["--explain", "acme"]).stdout;
    assert!(
        text.contains("pipeline D every 30 d (max 60); tier strategic every 14 d (max 30)"),
        "{text}"
    );
    assert!(
        text.contains(
            "39 d since contact, 25 d past ideal 14 + 30 d step past max 30, × weight 8 = 440"
        ),
        "{text}"
    );
    let doc = run_json(&host, &["--explain", "acme"]);
    assert_eq!(doc["explain"]["urgency"]["past_ideal"], 25);
    let missing = run_plugin::<Agenda>(&host, "agenda", &["--explain", "nobody"]).unwrap();
    assert_eq!(missing.exit_code, 2);
}

/// Item 6: overdue, then `kehu contact acme --grade B` (contact.last and
/// grade.pipeline written by a contact commit), then due again at B's
/// cadence.
#[test]
fn a_contact_with_a_new_grade_changes_the_cadence() {
    // key ×4 {30, 60}, D {30, 60} → {30, 60}; 78 d → overdue.
    let before = customer("acme", Some("ann"), "key", Some("D"), Some("2026-09-01"));
    let host_before = host("2026-11-18", vec![before.clone()]);
    assert_eq!(ids(&run_json(&host_before, &["--overdue"])), ["acme"]);

    let mut after = before;
    after.contact.last = Some(day("2026-11-18"));
    after.grade.pipeline = Some("B".into());
    let events = json!([contact_event(
        "2026-11-18",
        100,
        "acme",
        json!([
        {"field": "contact.last", "old": "2026-09-01", "new": "2026-11-18"},
        {"field": "grade.pipeline", "old": "D", "new": "B"}])
    )]);
    let mut same_day = host("2026-11-18", vec![after.clone()]);
    same_day.changes = events.clone();
    assert!(ids(&run_json(&same_day, &["--overdue"])).is_empty());
    assert!(ids(&run_json(&same_day, &[])).is_empty());
    // B {7, 14} beats key {30, 60}: due again a week later.
    let week = run_json(&same_day, &["--days", "8"]);
    assert_eq!(ids(&week), ["acme"]);
    assert_eq!(week["items"][0]["day"], "2026-11-25");
    assert_eq!(week["items"][0]["cadence"]["ideal"], 7);
    assert_eq!(week["items"][0]["note"], Value::Null);
    // 15 d later: past B's maximum of 14.
    let mut later = host("2026-12-03", vec![after]);
    later.changes = events;
    assert_eq!(ids(&run_json(&later, &["--overdue"])), ["acme"]);
}

#[test]
fn ics_parses_with_a_real_parser_and_is_stable() {
    let long = "Ångström & Søn — 株式会社カレンダー — Zürich Straße ".repeat(4);
    let name = format!("Smith; Jones, \\ Ltd\nsecond line {long}");
    let mut odd = customer(
        "odd",
        Some("ann"),
        "strategic",
        Some("D"),
        Some("2026-10-10"),
    );
    odd.name = name.clone();
    let host = host(
        "2026-11-18",
        vec![
            odd,
            customer("beta", Some("bob"), "key", Some("B"), Some("2026-11-09")),
        ],
    );
    let text = run(&host, &["--format", "ics"]).stdout;
    // CRLF everywhere, at most 75 octets a line.
    assert!(text.ends_with("\r\n"));
    for line in text.split("\r\n") {
        assert!(!line.contains('\n'), "bare LF in {line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(text.lines().count() > 20);
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    assert_eq!(
        calendar
            .properties
            .iter()
            .find(|p| p.name == "VERSION")
            .unwrap()
            .val
            .as_str(),
        "2.0"
    );
    let todos: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VTODO")
        .collect();
    assert_eq!(todos.len(), 2);
    let odd = todos
        .iter()
        .find(|t| t.find_prop("UID").unwrap().val.as_str() == "odd-20261024@kehu")
        .unwrap();
    assert_eq!(
        odd.find_prop("SUMMARY").unwrap().val.as_str(),
        format!("Follow up {name} (odd)")
    );
    assert_eq!(odd.find_prop("DUE").unwrap().val.as_str(), "20261118");
    assert_eq!(
        odd.find_prop("DTSTAMP").unwrap().val.as_str(),
        "20261118T000000Z"
    );
    let beta = todos
        .iter()
        .find(|t| t.find_prop("UID").unwrap().val.as_str() == "beta-20261116@kehu")
        .unwrap();
    assert!(
        beta.find_prop("DESCRIPTION")
            .unwrap()
            .val
            .as_str()
            .contains("owner: bob")
    );
    // Byte-identical on a second run.
    assert_eq!(run(&host, &["--format", "ics"]).stdout, text);
    // VEVENTs on request, all-day.
    let events = run(&host, &["--format", "ics", "--vevent"]).stdout;
    let unfolded = unfold(&events);
    let calendar = read_calendar(&unfolded).unwrap();
    let event = calendar
        .components
        .iter()
        .find(|c| c.name == "VEVENT")
        .unwrap();
    assert_eq!(event.find_prop("DTEND").unwrap().val.as_str(), "20261119");
}

#[test]
fn other_formats_and_help() {
    let host = book();
    let csv = run(&host, &["--format", "csv"]).stdout;
    assert!(csv.starts_with("day,owner,id,name,status"));
    assert_eq!(csv.lines().count(), 6);
    let md = run(&host, &["--format", "markdown"]).stdout;
    assert!(md.contains("### ann"));
    let table = run(&host, &[]).stdout;
    assert!(table.starts_with("Agenda: due and overdue on 2026-11-18, 5 customer(s)"));
    assert_eq!(run(&host, &[]).stdout, table);
    assert!(
        run(&host, &["--help"])
            .stdout
            .contains("Usage: kehu agenda")
    );
    let bad = run_plugin::<Agenda>(&host, "agenda", &["--days", "x"]).unwrap();
    assert_eq!(bad.exit_code, 2);
}

#[test]
fn history_days_zero_reads_no_history() {
    let mut config = Config::default();
    config
        .extra
        .insert("agenda".into(), json!({"history_days": 0, "step_days": 10}));
    let config = serde_json::to_value(config).unwrap();
    let mut host = host(
        "2026-11-18",
        vec![customer(
            "beta",
            Some("bob"),
            "key",
            Some("B"),
            Some("2026-11-01"),
        )],
    )
    .with_config(config);
    host.changes = json!([contact_event("2026-11-15", 50, "beta", json!([]))]);
    let doc = run_json(&host, &[]);
    let beta = &doc["items"][0];
    // The commit of 11-15 is not read: 17 d since 11-01, past max 14.
    assert_eq!(beta["last_contact"], "2026-11-01");
    assert_eq!(beta["note"], Value::Null);
    // 4 × (17 − 7 + 10) with step_days 10.
    assert_eq!(beta["urgency"]["score"], 80.0);
}
