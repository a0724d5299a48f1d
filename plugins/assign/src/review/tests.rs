//! `--review` on a small book whose history is known by hand, through the
//! real ABI with canned history (the git side is covered end to end in
//! kehu-cli's tests).

use kehu_core::config::Owner;
use kehu_core::{Config, Customer, Date};
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use serde_json::{Value, json};

use super::figures::days;
use crate::Assign;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn customer(id: &str, tier: &str, owner: Option<&str>, contact: Option<&str>) -> Customer {
    let mut c = Customer {
        id: id.into(),
        name: id.to_uppercase(),
        region: Some("north".into()),
        stage: "won".into(),
        owner: owner.map(Into::into),
        ..Customer::default()
    };
    c.grade.tier = Some(tier.into());
    c.metrics.revenue_12m = Some(1000.0);
    c.contact.last = contact.map(day);
    c
}

fn change(date: &str, id: &str, fields: Value) -> Value {
    json!({"commit": {"date": date, "timestamp": 0, "subject": "x", "trailers": []},
           "customers": [{"id": id, "status": "modified", "fields": fields}]})
}

/// alice (16) holds beta and zeta; bob (4) holds acme and delta (over
/// capacity); carl (1, away) holds gamma. In the window: zeta is renamed,
/// acme moves from bob to alice, beta goes from key to strategic, eps
/// arrives with bob, and delta loses its owner.
fn host() -> TestHost {
    let owner = |capacity: f64| Owner {
        name: "x".into(),
        capacity: Some(capacity),
        ..Owner::default()
    };
    let mut carl = owner(1.0);
    carl.away_until = Some(day("2026-12-01"));
    let config = Config {
        owners: [
            ("alice".to_owned(), owner(16.0)),
            ("bob".to_owned(), owner(4.0)),
            ("carl".to_owned(), carl),
        ]
        .into_iter()
        .collect(),
        ..Config::default()
    };
    let customers = vec![
        customer("acme", "key", Some("alice"), Some("2026-11-10")),
        customer("beta", "strategic", Some("alice"), Some("2026-11-01")),
        customer("delta", "small", None, None),
        customer("eps", "small", Some("bob"), None),
        customer("gamma", "ordinary", Some("carl"), None),
        customer("zeta-new", "ordinary", Some("alice"), Some("2026-10-01")),
    ];
    let events = json!([
        change(
            "2026-11-01",
            "delta",
            json!([{"field": "owner", "old": "bob", "new": null}])
        ),
        {"commit": {"date": "2026-10-10", "timestamp": 0},
         "customers": [{"id": "eps", "status": "added", "fields": [
            {"field": "grade.tier", "old": null, "new": "small"},
            {"field": "owner", "old": null, "new": "bob"}]}]},
        change(
            "2026-10-05",
            "beta",
            json!([{"field": "grade.tier", "old": "key", "new": "strategic"}])
        ),
        change(
            "2026-09-15",
            "acme",
            json!([{"field": "owner", "old": "bob", "new": "alice"}])
        ),
        {"commit": {"date": "2026-09-01", "timestamp": 0},
         "customers": [{"id": "zeta-new", "old_id": "zeta", "status": "renamed", "fields": [
            {"field": "id", "old": "zeta", "new": "zeta-new"}]}]},
        // Before the window: ignored by the replay's points, as the host
        // would not send it.
    ]);
    let mut host = TestHost::new(day("2026-11-20"))
        .with_config(serde_json::to_value(&config).unwrap())
        .with_customers(customers);
    host.changes = events;
    host
}

fn owner<'v>(doc: &'v Value, id: &str) -> &'v Value {
    doc["owners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["owner"] == id)
        .unwrap()
}

#[test]
fn points_are_the_day_before_the_month_ends_and_the_last_day() {
    let d = days(day("2026-08-20"), day("2026-11-20"));
    let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        text,
        [
            "2026-08-19",
            "2026-08-31",
            "2026-09-30",
            "2026-10-31",
            "2026-11-20"
        ]
    );
    assert_eq!(days(day("2026-11-20"), day("2026-11-20")).len(), 2);
}

#[test]
fn review_figures_match_the_history() {
    let response =
        run_plugin::<Assign>(&host(), "assign", &["--review", "--format", "json"]).unwrap();
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    let doc: Value = serde_json::from_str(&response.stdout).unwrap();
    assert_eq!(doc["since"], "2026-08-20");
    assert_eq!(doc["commits"], 5);

    let alice = owner(&doc, "alice");
    assert_eq!(
        (&alice["moved_in"], &alice["moved_out"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(
        (&alice["held_at_start"], &alice["kept"]),
        (&json!(2), &json!(2))
    );
    let points = alice["points"].as_array().unwrap();
    assert_eq!(points.len(), 5);
    // Start: beta (key 4) + zeta (ordinary 2); end: + acme (key 4), beta strategic (8).
    assert_eq!(points[0]["load"], 6.0);
    assert_eq!(points[0]["customers_by_tier"]["key"], 1);
    assert_eq!(points[1]["load"], 6.0);
    assert_eq!(points[2]["load"], 10.0); // acme arrived on 09-15
    assert_eq!(points[3]["load"], 14.0); // beta strategic from 10-05
    assert_eq!(points[4]["utilisation"], 14.0 / 16.0);
    assert_eq!(points[4]["revenue"], 3000.0);

    let bob = owner(&doc, "bob");
    assert_eq!(
        (&bob["moved_in"], &bob["moved_out"]),
        (&json!(1), &json!(2))
    );
    assert_eq!(
        (&bob["held_at_start"], &bob["kept"]),
        (&json!(2), &json!(0))
    );
    assert_eq!(bob["points"][0]["utilisation"], 5.0 / 4.0);
    assert_eq!(bob["points"][4]["load"], 1.0);

    let carl = owner(&doc, "carl");
    assert_eq!(carl["unavailable"], "away until 2026-12-01");
    assert_eq!(carl["points"][4]["utilisation"], 2.0);

    let fairness = doc["fairness"].as_array().unwrap();
    assert_eq!(fairness[0]["max"], 2.0);
    assert_eq!(fairness[0]["unassigned"], 0);
    assert_eq!(fairness[4]["unassigned"], 1);

    let changed = doc["tier_changed_since_assigned"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        changed[0],
        json!({"customer": "beta", "owner": "alice", "assigned": null,
               "tier_then": "key", "tier_now": "strategic"})
    );
    // gamma was never contacted; eps arrived 41 days ago (small: max 365).
    let silent = doc["no_contact_beyond_cadence"].as_array().unwrap();
    let ids: Vec<&str> = silent
        .iter()
        .map(|s| s["customer"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gamma"]);
    assert_eq!(carl["no_contact_beyond_cadence"], 1);
    let unassigned = doc["unassigned"].as_array().unwrap();
    assert_eq!(
        unassigned[0],
        json!({"customer": "delta", "tier": "small", "reason": "no owner", "since": "2026-11-01"})
    );
}

#[test]
fn review_renders_every_format_the_same_way_twice() {
    for format in ["table", "markdown", "csv", "json"] {
        let run = || {
            run_plugin::<Assign>(&host(), "assign", &["--review", "--format", format])
                .unwrap()
                .stdout
        };
        let first = run();
        assert_eq!(first, run(), "{format}");
        assert!(first.contains("alice"), "{format}: {first}");
    }
    let table = run_plugin::<Assign>(&host(), "assign", &["--review"])
        .unwrap()
        .stdout;
    for needle in [
        "Fairness over time",
        "Over capacity now (1)",
        "Away or inactive owners still holding customers",
        "Tier changed since assigned (1)",
        "Unassigned customers (run `kehu assign`) (1)",
        "before 2026-08-20",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    let csv = run_plugin::<Assign>(&host(), "assign", &["--review", "--format", "csv"])
        .unwrap()
        .stdout;
    assert!(csv.starts_with(
        "owner,day,customers,strategic,key,ordinary,small,load,capacity,utilisation,revenue\n"
    ));
    assert!(
        csv.contains("alice,2026-11-20,3,1,1,1,0,14,16,0.8750,3000.00\n"),
        "{csv}"
    );
}
