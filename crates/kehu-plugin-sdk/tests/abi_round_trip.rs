//! A plugin linked into the test binary, called through the real ABI path
//! (request JSON in, host calls out, response JSON back, buffers freed by
//! their owners).

use std::fmt::Write as _;

use kehu_plugin::services::CallFailure;
use kehu_plugin_sdk::kehu_core::{Changeset, Customer, FieldEdit};
use kehu_plugin_sdk::testing::{TestHost, run_plugin, run_request};
use kehu_plugin_sdk::{Context, Output, Plugin, PluginError, WriteFlags, WriteMode};

#[derive(Default)]
struct Probe;

impl Plugin for Probe {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let flags = WriteFlags::parse(args)?;
        let mut out = Output::new();
        match flags.rest.first().map(String::as_str) {
            Some("count") => {
                let book = ctx.book()?;
                // A second call is served from the cache.
                let again = ctx.book()?;
                writeln!(
                    out,
                    "{} {} as of {}",
                    book.customers.len(),
                    again.customers.len(),
                    ctx.as_of()
                )
                .ok();
            }
            Some("dump") => {
                let book = ctx.book()?;
                let past = ctx.book_at("2026-06-30".parse().unwrap())?;
                writeln!(out, "{book:?}\n{past:?}").ok();
            }
            Some("history") => {
                let id = flags.rest.get(1).cloned().unwrap_or_default();
                let history = ctx.customer_history(&id)?;
                writeln!(out, "{history}").ok();
            }
            Some("changes") => {
                writeln!(out, "{}", ctx.changes(None, Some(ctx.as_of()))?).ok();
            }
            Some("regrade") => {
                let changeset = Changeset {
                    subject: "probe: 1 regrade".into(),
                    edits: vec![FieldEdit {
                        customer: "acme".into(),
                        field: "grade.tier".into(),
                        value: serde_json::json!("key"),
                        reason: "revenue".into(),
                    }],
                    ..Changeset::default()
                };
                out = out.with_changeset(changeset, flags.mode.unwrap_or_default());
            }
            Some("config") => {
                let config = ctx.config()?;
                let section = ctx.config_section("probe")?.cloned();
                writeln!(
                    out,
                    "{} tiers, currency {}, probe {section:?}",
                    config.tiers.len(),
                    config.book.currency
                )
                .ok();
            }
            Some("panic") => panic!("probe exploded"),
            Some("fail") => return Err(PluginError::Data("customer `acme`: bad revenue".into())),
            _ => {
                return Err(PluginError::Usage(format!(
                    "unknown arguments {:?}",
                    flags.rest
                )));
            }
        }
        Ok(out)
    }
}

fn host() -> TestHost {
    let acme = Customer {
        id: "acme".into(),
        name: "ACME".into(),
        stage: "won".into(),
        ..Customer::default()
    };
    let mut host = TestHost::new("2026-11-18".parse().unwrap()).with_customers(vec![acme]);
    host.histories.insert(
        "acme".into(),
        serde_json::json!([{"field": "stage", "to": "won"}]),
    );
    host.changes = serde_json::json!([{"customer": "acme"}]);
    host
}

#[test]
fn the_book_crosses_the_boundary() {
    let response = run_plugin::<Probe>(&host(), "probe", &["count"]).unwrap();
    assert_eq!(response.stdout, "1 1 as of 2026-11-18\n");
    assert_eq!(response.exit_code, 0);
}

/// A plugin sees the same book, to the last field, whether the host
/// answers in the binary encoding it asks for or in JSON (an older host).
#[test]
fn binary_and_json_books_are_the_same_book() {
    let day = |text: &str| Some(text.parse().unwrap());
    let mut full = Customer {
        id: "zhongshan-steel".into(),
        name: "Zhongshan \"Steel\" 中山".into(),
        region: Some("south".into()),
        owner: Some("li".into()),
        since: day("2019-02-28"),
        stage: "negotiation".into(),
        expected_close: day("2027-01-15"),
        cadence: Some(kehu_plugin_sdk::kehu_core::Cadence::days(10)),
        ..Customer::default()
    };
    full.grade.tier = Some("key".into());
    full.grade.pinned = vec!["tier".into()];
    full.metrics.revenue_12m = Some(0.1 + 0.2);
    full.metrics.orders_total = Some(-1);
    full.metrics.last_order = day("2026-11-17");
    full.contact.channel = Some("mail".into());
    full.plan = Some(Box::new(kehu_plugin_sdk::kehu_core::plan::Plan {
        goals: Some("two plants".into()),
        budget: Some(1e9),
        ..Default::default()
    }));
    let customers = vec![full, Customer::default()];
    let config =
        serde_json::json!({"tiers": [{"name": "key"}], "extra": {"probe": {"x": [1, 2.5]}}});
    let binary = host()
        .with_customers(customers.clone())
        .with_config(config)
        .with_book_at("2026-06-30".parse().unwrap(), customers);
    let json = binary.clone().with_json_books();
    let from_binary = run_plugin::<Probe>(&binary, "probe", &["dump"]).unwrap();
    let from_json = run_plugin::<Probe>(&json, "probe", &["dump"]).unwrap();
    assert_eq!(from_binary.stderr, "");
    assert!(
        from_binary.stdout.contains("two plants"),
        "{}",
        from_binary.stdout
    );
    assert_eq!(from_binary.stdout, from_json.stdout);
}

#[test]
fn the_typed_config_and_plugin_sections_cross_the_boundary() {
    let mut config = kehu_plugin_sdk::kehu_core::Config::default();
    config
        .extra
        .insert("probe".into(), serde_json::json!({"limit": 3}));
    let host = host().with_config(serde_json::to_value(&config).unwrap());
    let response = run_plugin::<Probe>(&host, "probe", &["config"]).unwrap();
    assert_eq!(response.stderr, "");
    assert_eq!(
        response.stdout,
        format!(
            "{} tiers, currency {}, probe Some(Object {{\"limit\": Number(3)}})\n",
            config.tiers.len(),
            config.book.currency
        )
    );
}

#[test]
fn history_queries_cross_the_boundary() {
    let response = run_plugin::<Probe>(&host(), "probe", &["history", "acme"]).unwrap();
    assert_eq!(response.stdout, "[{\"field\":\"stage\",\"to\":\"won\"}]\n");
    let response = run_plugin::<Probe>(&host(), "probe", &["changes"]).unwrap();
    assert_eq!(response.stdout, "[{\"customer\":\"acme\"}]\n");
}

#[test]
fn host_errors_reach_the_plugin_and_exit_3() {
    let response = run_plugin::<Probe>(&host(), "probe", &["history", "ghost"]).unwrap();
    assert_eq!(response.exit_code, 3);
    assert_eq!(
        response.stderr,
        "error: host service failed: customer_history: no customer `ghost`\n"
    );
}

#[test]
fn changesets_and_modes_come_back() {
    let response =
        run_plugin::<Probe>(&host(), "probe", &["regrade", "--branch", "q4-regrade"]).unwrap();
    assert_eq!(response.mode, WriteMode::Branch("q4-regrade".into()));
    let changeset = response.changeset.unwrap();
    assert_eq!(changeset.edits[0].customer, "acme");
    assert_eq!(changeset.edits[0].reason, "revenue");
    let dry = run_plugin::<Probe>(&host(), "probe", &["regrade", "--dry-run"]).unwrap();
    assert_eq!(dry.mode, WriteMode::DryRun);
}

#[test]
fn errors_become_exit_codes() {
    let response = run_plugin::<Probe>(&host(), "probe", &["fail"]).unwrap();
    assert_eq!(response.exit_code, 2);
    assert_eq!(response.stderr, "error: customer `acme`: bad revenue\n");
    let response = run_plugin::<Probe>(&host(), "probe", &["--dry-run", "--apply"]).unwrap();
    assert_eq!(response.exit_code, 2);
    assert!(
        response
            .stderr
            .contains("Run `kehu probe --help` for usage.")
    );
}

#[test]
fn panics_are_caught_at_the_boundary_with_their_location() {
    let failure = run_plugin::<Probe>(&host(), "probe", &["panic"]).unwrap_err();
    let CallFailure::Panicked(message) = failure else {
        panic!("expected a panic, got {failure:?}");
    };
    assert!(message.starts_with("probe exploded (at "), "{message}");
    assert!(message.contains("abi_round_trip.rs"), "{message}");
    // The plugin still works after a panic.
    assert!(run_plugin::<Probe>(&host(), "probe", &["count"]).is_ok());
}

#[test]
fn requests_of_another_schema_are_refused() {
    let mut request = kehu_plugin::protocol::Request::new(
        "probe",
        vec!["count".into()],
        "2026-11-18".parse().unwrap(),
    );
    request.schema = "kehu.plugin/0".into();
    let failure = run_request::<Probe>(&host(), &request).unwrap_err();
    assert!(
        matches!(&failure, CallFailure::Failed(message) if message.contains("kehu.plugin/0")),
        "{failure:?}"
    );
}
