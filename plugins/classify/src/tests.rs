//! The plugin run through the real ABI (`kehu_plugin_sdk::testing`) on
//! hand-made books, the sample book and the CDNOW sample.

use std::collections::BTreeMap;

use kehu_core::{Customer, Date, Entry, LoadOptions, load_entries};
use kehu_plugin::protocol::{Response, WriteMode};
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use serde_json::Value;

use crate::Classify;

const TEMPLATE: &str = include_str!("../../../templates/kehu.toml");

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn customer(id: &str, revenue_12m: f64, orders_12m: i64, last: &str) -> Customer {
    let mut c = Customer {
        id: id.into(),
        name: id.to_uppercase(),
        stage: "won".into(),
        ..Customer::default()
    };
    c.metrics.revenue_12m = Some(revenue_12m);
    c.metrics.orders_12m = Some(orders_12m);
    c.metrics.last_order = last.parse().ok();
    c
}

/// Four customers; their stored grades are set to what the template policy
/// computes by `settle`, so tests can then disturb one thing at a time.
fn small_book() -> Vec<Customer> {
    vec![
        customer("acme", 600_000.0, 20, "2026-11-01"),
        customer("bolt", 60_000.0, 5, "2026-10-01"),
        customer("cask", 500.0, 1, "2026-01-01"),
        customer("dune", 0.0, 0, ""),
    ]
}

fn host(customers: Vec<Customer>) -> TestHost {
    TestHost::new(day("2026-11-22"))
        .with_kehu_toml(TEMPLATE)
        .with_customers(customers)
}

fn run(host: &TestHost, args: &[&str]) -> Response {
    run_plugin::<Classify>(host, "classify", args).unwrap()
}

fn json(host: &TestHost, args: &[&str]) -> Value {
    let response = run(host, &[args, &["--format", "json"]].concat());
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    serde_json::from_str(&response.stdout).unwrap()
}

/// Stores the computed grades, as `classify --apply` would.
fn settle(mut customers: Vec<Customer>) -> Vec<Customer> {
    let doc = json(&host(customers.clone()), &[]);
    for (c, out) in customers
        .iter_mut()
        .zip(doc["customers"].as_array().unwrap())
    {
        let get = |f: &str| out[f]["computed"].as_str().map(Into::into);
        c.grade.tier = get("tier");
        c.grade.abc = get("abc");
        c.grade.rfm = get("rfm");
        c.grade.pipeline = get("pipeline");
        c.grade.loyalty = get("loyalty");
    }
    customers
}

#[test]
fn help_needs_no_book() {
    let host = TestHost::new(day("2026-11-22"));
    let response = run(&host, &["--help"]);
    assert_eq!(response.exit_code, 0);
    assert!(response.stdout.contains("Usage: kehu classify"));
    assert!(response.stdout.contains("--rules-from REV"));
    assert!(response.stdout.contains("--dry-run"));
    let bad = run(&host, &["--only", "size"]);
    assert_eq!(bad.exit_code, 2);
    assert!(bad.stderr.contains("unknown grade"), "{}", bad.stderr);
}

#[test]
fn a_settled_book_lists_nothing_and_passes_the_check() {
    let host = host(settle(small_book()));
    let response = run(&host, &[]);
    assert!(
        response.stdout.starts_with(
            "All stored grades (tier, abc, rfm, pipeline, loyalty) of 4 customers agree"
        ),
        "{}",
        response.stdout
    );
    let check = run(&host, &["--check"]);
    assert_eq!(check.exit_code, 0);
    let apply = run(&host, &["--apply"]);
    assert!(apply.changeset.is_none());
    assert_eq!(apply.stderr, "classify: nothing to regrade\n");
}

#[test]
fn default_lists_differences_with_reasons_and_all_lists_everyone() {
    let mut book = settle(small_book());
    book[1].grade.tier = Some("key".into()); // computed: ordinary
    let host = host(book);
    let out = run(&host, &[]).stdout;
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with('│')).collect();
    assert_eq!(rows.len(), 2, "{out}"); // header + bolt's tier
    assert!(
        rows[0].contains("id") && rows[0].contains("reason"),
        "{out}"
    );
    assert!(rows[1].contains("bolt") && rows[1].contains("key") && rows[1].contains("ordinary"));
    assert!(rows[1].contains("revenue_12m 60,000 ≥ 10,000"), "{out}");
    assert!(
        out.contains("1 grade to regrade, 0 kept by a pin, of 4 customers"),
        "{out}"
    );

    let all = run(&host, &["--all"]).stdout;
    let rows = all.lines().filter(|l| l.starts_with('│')).count();
    assert_eq!(rows, 1 + 4 * 5, "{all}");
    assert!(all.contains("unchanged"));

    let md = run(&host, &["--format", "markdown"]).stdout;
    assert!(md.contains("| id | field | from | to | reason |\n| --- | --- | --- | --- | --- |\n| bolt | tier | key | ordinary |"), "{md}");
}

#[test]
fn pinned_fields_are_shown_and_never_changed() {
    let mut book = settle(small_book());
    book[0].grade.tier = Some("key".into()); // computed: strategic
    book[0].grade.pinned = vec!["tier".into()];
    book[2].grade.abc = Some("A".into()); // computed: C, unpinned
    let host = host(book);

    let out = run(&host, &[]).stdout;
    assert!(out.contains("pinned (computed: strategic)"), "{out}");

    let response = run(&host, &["--apply"]);
    let changeset = response.changeset.unwrap();
    assert_eq!(changeset.edits.len(), 1);
    assert_eq!(changeset.edits[0].customer, "cask");
    assert!(changeset.edits.iter().all(|e| e.customer != "acme"));
    assert!(
        changeset
            .body
            .contains("Kept, pinned by hand:\nacme: tier key pinned (computed: strategic)"),
        "{}",
        changeset.body
    );

    // A pinned difference alone does not fail the gate.
    let mut book = settle(small_book());
    book[0].grade.tier = Some("key".into());
    book[0].grade.pinned = vec!["grade.tier".into()];
    let check = run(&self::host(book), &["--check"]);
    assert_eq!(check.exit_code, 0, "{}", check.stdout);
    assert!(check.changeset.is_none());

    let doc = json(&host, &[]);
    let acme = &doc["customers"][0]["tier"];
    assert_eq!(acme["status"], "pinned");
    assert_eq!(acme["pinned"], true);
    assert_eq!(acme["stored"], "key");
    assert_eq!(acme["computed"], "strategic");
}

#[test]
fn check_fails_on_a_hand_edited_grade_and_prints_it() {
    let mut book = settle(small_book());
    book[3].grade.pipeline = Some("A".into()); // computed: E
    let host = host(book);
    let check = run(&host, &["--check"]);
    assert_eq!(check.exit_code, 1);
    assert!(
        check.stdout.contains("dune") && check.stdout.contains("pipeline"),
        "{}",
        check.stdout
    );
    assert!(
        check
            .stdout
            .contains("classify --check: 1 stored grade differs"),
        "{}",
        check.stdout
    );
    assert!(check.changeset.is_none());
    let as_json = run(&host, &["--check", "--format", "json"]);
    assert_eq!(as_json.exit_code, 1);
    assert!(as_json.stderr.contains("1 stored grade differs"));
    assert_eq!(run(&host, &["--check", "--only", "tier"]).exit_code, 0);
    assert_eq!(run(&host, &["--check", "--apply"]).exit_code, 2);
}

#[test]
fn the_changeset_has_one_edit_per_change_with_its_reason() {
    let mut book = small_book(); // nothing stored yet
    book[0].grade.tier = Some("small".into());
    let host = host(book);
    for (flag, mode) in [
        (&["--apply"][..], WriteMode::Apply),
        (&["--dry-run"], WriteMode::DryRun),
        (
            &["--branch", "regrade"],
            WriteMode::Branch("regrade".into()),
        ),
    ] {
        let response = run(&host, flag);
        assert_eq!(response.mode, mode);
        assert!(response.changeset.is_some());
    }
    let changeset = run(&host, &["--apply"]).changeset.unwrap();
    // Four grades each; loyalty has nothing to judge and nothing stored.
    assert_eq!(changeset.edits.len(), 16);
    assert_eq!(changeset.subject, "classify: 16 regrades of 4 customers");
    let first = &changeset.edits[0];
    assert_eq!(
        (
            first.customer.as_str(),
            first.field.as_str(),
            first.value.as_str()
        ),
        ("acme", "grade.tier", Some("strategic"))
    );
    assert_eq!(first.reason, "revenue_12m 600,000 ≥ 500,000");
    assert!(changeset.edits.iter().all(|e| !e.reason.is_empty()));
    assert!(changeset.body.starts_with("acme: tier small → strategic (revenue_12m 600,000 ≥ 500,000)\nacme: abc (none) → A (cumulative share"), "{}", changeset.body);
    assert_eq!(changeset.body.lines().count(), 16);
}

#[test]
fn a_grade_with_nothing_to_judge_is_removed() {
    let mut book = settle(small_book());
    book[2].grade.loyalty = Some("loyal".into()); // no indicators at all
    let changeset = run(&host(book), &["--apply"]).changeset.unwrap();
    assert_eq!(changeset.edits.len(), 1);
    assert_eq!(changeset.edits[0].field, "grade.loyalty");
    assert!(changeset.edits[0].value.is_null());
}

#[test]
fn only_restricts_listing_changeset_and_json() {
    let book = small_book();
    let host = host(book);
    let changeset = run(&host, &["--apply", "--only", "abc,rfm"])
        .changeset
        .unwrap();
    assert!(
        changeset
            .edits
            .iter()
            .all(|e| e.field == "grade.abc" || e.field == "grade.rfm")
    );
    assert_eq!(changeset.edits.len(), 8);
    let out = run(&host, &["--only", "pipeline"]).stdout;
    assert!(out.contains("pipeline") && !out.contains(" abc "), "{out}");
    let doc = json(&host, &["--only", "tier"]);
    assert_eq!(doc["fields"], serde_json::json!(["tier"]));
    let acme = doc["customers"][0].as_object().unwrap();
    assert_eq!(acme.keys().collect::<Vec<_>>(), ["id", "name", "tier"]);
    let csv = run(&host, &["--only", "tier", "--format", "csv"]).stdout;
    assert_eq!(
        csv.lines().next(),
        Some("id,name,tier_stored,tier,tier_status,tier_reason")
    );
}

#[test]
fn json_carries_every_score_and_reason_for_everyone() {
    let book = settle(small_book());
    let host = host(book);
    let doc = json(&host, &[]);
    assert_eq!(doc["schema"], crate::render::SCHEMA);
    assert_eq!(doc["as_of"], "2026-11-22");
    assert_eq!(doc["summary"]["customers"], 4);
    assert_eq!(doc["rfm_means"]["count"], 3);
    let customers = doc["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 4);
    for c in customers {
        for f in ["tier", "abc", "rfm", "pipeline", "loyalty"] {
            let g = &c[f];
            assert!(g["reason"].as_str().is_some_and(|r| !r.is_empty()), "{c}");
            assert!(g["status"].is_string());
        }
    }
    let acme = &customers[0];
    assert_eq!(acme["abc"]["rank"], 1);
    assert_eq!(acme["abc"]["revenue"], 600000.0);
    assert_eq!(acme["rfm"]["r"], 5); // the most recent of three
    assert_eq!(acme["rfm"]["frequency"], 20);
    assert_eq!(acme["tier"]["rank"], 1);
    assert!(customers[3]["rfm"]["r"].is_null());
    // CSV: one header and one row per customer, same reasons.
    let csv = run(&host, &["--format", "csv"]).stdout;
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.contains(acme["tier"]["reason"].as_str().unwrap()));
    // Deterministic.
    assert_eq!(
        run(&host, &["--format", "json"]).stdout,
        run(&host, &["--format", "json"]).stdout
    );
}

#[test]
fn a_broken_tier_condition_names_its_line_and_column() {
    let broken = TEMPLATE.replace(
        "revenue_12m >= 100000 or abc",
        "revenue_12m >= 100000 or abcd",
    );
    let line = broken.lines().position(|l| l.contains("or abcd")).unwrap() + 1;
    let host = host(small_book()).with_kehu_toml(&broken);
    // The host still sends a config with the broken text in it.
    let mut config = host.book.config.clone();
    config["tiers"][1]["when"] = Value::from("revenue_12m >= 100000 or abcd == \"A\"");
    let host = host.with_config(config);
    let response = run(&host, &[]);
    assert_eq!(response.exit_code, 2, "{}", response.stdout);
    let column = "when = 'revenue_12m >= 100000 or ".len() + 1;
    let expected = format!("error: kehu.toml:{line}:{column}: error: tiers[1].when:");
    assert!(
        response.stderr.starts_with(&expected),
        "{}\nwanted {expected}",
        response.stderr
    );
    assert!(response.stderr.contains("abcd"), "{}", response.stderr);

    // A host without `rules_at` still gets the error, unplaced.
    let mut host = host;
    host.kehu_toml = None;
    let response = run(&host, &[]);
    assert_eq!(response.exit_code, 2);
    assert!(
        response.stderr.contains("tier `key`"),
        "{}",
        response.stderr
    );
}

#[test]
fn rules_from_shows_what_a_policy_change_moves() {
    let book = settle(small_book());
    // Under the old policy, `ordinary` started at 100,000: bolt was small.
    let old = TEMPLATE.replace(
        "revenue_12m >= 10000 or abc == \"B\"",
        "revenue_12m >= 100000",
    );
    let host = host(book).with_rules_at("v1", &old);
    let out = run(&host, &["--rules-from", "v1"]);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let rows: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('│')).collect();
    assert_eq!(rows.len(), 2, "{}", out.stdout);
    assert!(rows[1].contains("bolt") && rows[1].contains("small") && rows[1].contains("ordinary"));
    assert!(
        out.stdout.contains("tier: ordinary 0 → 1, small 3 → 2"),
        "{}",
        out.stdout
    );

    let doc: Value =
        serde_json::from_str(&run(&host, &["--rules-from", "v1", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(doc["schema"], crate::render::SCHEMA_IMPACT);
    assert_eq!(doc["moves"].as_array().unwrap().len(), 1);
    assert_eq!(doc["moves"][0]["from"], "small");
    assert_eq!(doc["counts"]["tier"]["ordinary"]["after"], 1);

    let unknown = run(&host, &["--rules-from", "v9"]);
    assert_eq!(unknown.exit_code, 3);
    assert!(
        unknown.stderr.contains("unknown revision `v9`"),
        "{}",
        unknown.stderr
    );

    let broken = old.replace("revenue_12m >= 100000'", "revenue_12m >= '");
    let host = host.with_rules_at("v0", &broken);
    let response = run(&host, &["--rules-from", "v0"]);
    assert_eq!(response.exit_code, 2);
    assert!(
        response.stderr.contains("v0:kehu.toml:"),
        "{}",
        response.stderr
    );
}

fn sample_book() -> (Vec<Customer>, String) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut entries = vec![Entry::file("kehu.toml", TEMPLATE)];
    let mut stack = vec![std::path::PathBuf::from(root).join("customers")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                entries.push(Entry::file(rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let book = load_entries(
        entries,
        &LoadOptions {
            as_of: day("2026-11-22"),
        },
    )
    .unwrap();
    (
        book.customers.into_iter().map(|c| c.customer).collect(),
        TEMPLATE.to_owned(),
    )
}

#[test]
fn the_sample_book_grades_without_errors() {
    let (customers, _) = sample_book();
    assert_eq!(customers.len(), 320);
    let host = host(customers);
    let doc = json(&host, &[]);
    assert_eq!(doc["customers"].as_array().unwrap().len(), 320);
    let table = run(&host, &["--all"]);
    assert_eq!(table.exit_code, 0);
    assert_eq!(
        table.stdout.lines().filter(|l| l.starts_with('│')).count(),
        1 + 320 * 5
    );
}

/// The CDNOW sample imported as `kehu import orders --format cdnow --create`
/// does, graded with window "all" as of 1998-06-30: the plugin's ABC and RFM
/// equal a second, simple implementation (sort, cumulate, compare).
#[test]
fn cdnow_abc_and_rfm_match_a_simple_implementation() {
    use kehu_core::import::{OrderFormat, aggregate, new_customers, parse_orders};
    let bytes = include_bytes!("../../../crates/kehu-analytics/tests/data/CDNOW_sample.txt");
    let as_of = day("1998-06-30");
    let file = parse_orders(bytes, Some(OrderFormat::Cdnow)).unwrap();
    let aggregation = aggregate(&file, as_of);
    let ids: Vec<String> = aggregation.customers.keys().cloned().collect();
    let customers = new_customers(&aggregation, &ids);
    assert_eq!(customers.len(), 2357);
    let toml = TEMPLATE.replace("[rfm]\nwindow = 12", "[rfm]\nwindow = \"all\"");
    assert!(toml.contains("window = \"all\""));
    let host = TestHost::new(as_of)
        .with_kehu_toml(&toml)
        .with_customers(customers.clone());
    let doc = json(&host, &["--only", "abc,rfm"]);
    let out = doc["customers"].as_array().unwrap();
    assert_eq!(out.len(), customers.len());
    // More customers than one rendering chunk: rows stay in id order.
    let csv = run(&host, &["--only", "abc", "--format", "csv"]).stdout;
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let expected: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected);

    // ABC: sort by revenue desc, id asc; cumulate in cents; A through the
    // first reaching 80%, B through the first reaching 95%.
    let cents = |c: &Customer| (c.metrics.revenue_total.unwrap_or(0.0) * 100.0).round() as i64;
    let mut order: Vec<&Customer> = customers.iter().collect();
    order.sort_by(|a, b| cents(b).cmp(&cents(a)).then(a.id.cmp(&b.id)));
    let total: i64 = order.iter().map(|c| cents(c)).sum();
    let mut expected_abc = BTreeMap::new();
    let (mut cum, mut class) = (0i64, 'A');
    for c in &order {
        cum += cents(c);
        expected_abc.insert(c.id.clone(), class);
        if class == 'A' && cum * 100 >= total * 80 {
            class = if cum * 100 >= total * 95 { 'C' } else { 'B' };
        } else if class == 'B' && cum * 100 >= total * 95 {
            class = 'C';
        }
    }
    let a_count = expected_abc.values().filter(|c| **c == 'A').count();

    // RFM: worst first, ties by id, score ceil(5p/n); high against the mean.
    let scored: Vec<&Customer> = customers
        .iter()
        .filter(|c| c.metrics.orders_total.unwrap_or(0) > 0)
        .collect();
    let n = scored.len() as i64;
    let recency = |c: &Customer| c.metrics.last_order.unwrap().days_until(as_of);
    let freq = |c: &Customer| c.metrics.orders_total.unwrap_or(0);
    let score = |key: &dyn Fn(&Customer) -> i64, worst_is_high: bool| {
        let mut v = scored.clone();
        v.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            let o = if worst_is_high {
                kb.cmp(&ka)
            } else {
                ka.cmp(&kb)
            };
            o.then(a.id.cmp(&b.id))
        });
        v.iter()
            .enumerate()
            .map(|(p, c)| (c.id.clone(), ((5 * (p as i64 + 1) + n - 1) / n) as u64))
            .collect::<BTreeMap<_, _>>()
    };
    let (r, f, m) = (
        score(&recency, true),
        score(&freq, false),
        score(&cents, false),
    );
    let sum = |key: &dyn Fn(&Customer) -> i64| scored.iter().map(|c| key(c)).sum::<i64>();
    let (sr, sf, sm) = (sum(&recency), sum(&freq), sum(&cents));

    for c in out {
        let id = c["id"].as_str().unwrap();
        let abc = c["abc"]["computed"].as_str().unwrap();
        assert_eq!(abc.chars().next(), expected_abc.get(id).copied(), "{id}");
        let cust = customers.iter().find(|x| x.id == id).unwrap();
        let segment = c["rfm"]["computed"].as_str().unwrap();
        if freq(cust) == 0 {
            assert_eq!(segment, "none");
            continue;
        }
        assert_eq!(c["rfm"]["r"].as_u64(), r.get(id).copied(), "{id}");
        assert_eq!(c["rfm"]["f"].as_u64(), f.get(id).copied(), "{id}");
        assert_eq!(c["rfm"]["m"].as_u64(), m.get(id).copied(), "{id}");
        let (rh, fh, mh) = (
            recency(cust) * n < sr,
            freq(cust) * n > sf,
            cents(cust) * n > sm,
        );
        let expected = match (rh, fh, mh) {
            (true, true, true) => "important-value",
            (true, false, true) => "important-develop",
            (false, true, true) => "important-keep",
            (false, false, true) => "important-retain",
            (true, true, false) => "general-value",
            (true, false, false) => "general-develop",
            (false, true, false) => "general-keep",
            (false, false, false) => "general-retain",
        };
        assert_eq!(segment, expected, "{id}");
    }
    // The Pareto claim on real data: the share of customers holding 80% of
    // revenue (printed with --nocapture; the figure is in the report).
    let share = a_count as f64 / customers.len() as f64;
    println!(
        "CDNOW sample: {a_count} of {} customers ({:.1}%) hold 80% of revenue",
        customers.len(),
        share * 100.0
    );
    assert!(share < 0.5);
}

#[test]
fn the_fields_read_hold_every_value_a_tier_condition_can_name() {
    use kehu_core::expr::{CustomerFields, Field, Fields};
    let c = Customer {
        id: "acme".into(),
        name: "ACME".into(),
        region: Some("east".into()),
        industry: Some("retail".into()),
        owner: Some("ana".into()),
        since: Some(day("2020-01-02")),
        stage: "won".into(),
        expected_close: Some(day("2026-12-01")),
        grade: kehu_core::Grade {
            tier: Some("key".into()),
            abc: Some("A".into()),
            rfm: Some("champions".into()),
            pipeline: Some("B".into()),
            loyalty: Some("loyal".into()),
            risk: Some("high".into()),
            ..kehu_core::Grade::default()
        },
        metrics: kehu_core::Metrics {
            revenue_12m: Some(1.5),
            revenue_total: Some(2.5),
            orders_12m: Some(3),
            orders_total: Some(4),
            first_order: Some(day("2021-01-01")),
            last_order: Some(day("2026-11-01")),
            satisfaction: Some(4.5),
            repurchase: Some(0.5),
            referral: Some("likely".into()),
        },
        contact: kehu_core::Contact {
            last: Some(day("2026-11-10")),
            channel: Some("email".into()),
        },
        ..Customer::default()
    };
    let read = kehu_plugin_sdk::CustomerFields::new(crate::reads()).unwrap();
    let sent = read.project(&c);
    let as_of = day("2026-11-20");
    let (whole, projected) = (
        CustomerFields::new(&c, as_of),
        CustomerFields::new(&sent, as_of),
    );
    for &field in Field::ALL {
        assert!(whole.get(field).is_some(), "{field:?} is set in the test");
        assert_eq!(whole.get(field), projected.get(field), "{field:?}");
    }
    assert_eq!(sent.contact.channel, None, "the channel is not read");
}
