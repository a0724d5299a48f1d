//! The bodies of kehu's fuzz targets, one function per target, each taking
//! the fuzzer's bytes and asserting what must hold for any input.
//!
//! They live here rather than in `fuzz_targets/` so that the libFuzzer
//! binaries and the regression tests (`tests/regressions.rs`) run the same
//! code.

pub mod book;
pub mod markup;
pub mod plugin;

use kehu_core::import::{ColumnMap, OrderFormat, aggregate, import_customers, parse_orders};
use kehu_core::{Date, Severity};

/// Every target: its name (the `fuzz_targets/<name>.rs` file) and its body.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("customer", check_customer_file),
    ("config", check_config),
    ("expr", check_expr),
    ("import_orders", check_import_orders),
    ("import_customers", check_import_customers),
    ("plugin_response", check_plugin_response),
    ("ics", plugin::check_ics),
    ("html", plugin::check_html),
];

/// Runs the target called `name` on `data`; panics on an unknown name.
pub fn run_target(name: &str, data: &[u8]) {
    let Some((_, body)) = TARGETS.iter().find(|(n, _)| *n == name) else {
        panic!("no fuzz target `{name}`");
    };
    body(data);
}

/// The day every target evaluates "today" at.
pub fn as_of() -> Date {
    Date::from_ymd(2026, 11, 20).expect("a real day")
}

/// Any bytes as `customers/ac/acme.toml` next to a valid kehu.toml: loading
/// never panics, diagnostics name a file and a 1-based place, a customer
/// that loads has a valid id, and a file without errors loads.
pub fn check_customer_file(data: &[u8]) {
    let book = book::load(book::CONFIG.as_bytes(), data);
    for d in &book.diagnostics {
        assert!(!d.path.is_empty(), "{d:?}");
        assert!(d.line != Some(0) && d.column != Some(0), "{d:?}");
    }
    for loaded in &book.customers {
        assert!(
            kehu_core::is_valid_id(&loaded.customer.id),
            "loaded an invalid id {:?}",
            loaded.customer.id
        );
    }
    let errors = book
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.path == book::CUSTOMER_PATH);
    if !errors {
        assert!(
            book.customers.iter().any(|c| c.path == book::CUSTOMER_PATH),
            "no error, yet not loaded: {:?}",
            book.diagnostics
        );
    }
}

/// Any bytes as kehu.toml, with one valid customer: never panics; a config
/// that parses can be serialized for plugins and drives the validator.
pub fn check_config(data: &[u8]) {
    let report = kehu_core::parse_config(data);
    if let Some(config) = &report.config {
        serde_json::to_vec(config).unwrap_or_default();
    }
    let book = book::load(data, book::CUSTOMER.as_bytes());
    for d in &book.diagnostics {
        assert!(d.line != Some(0) && d.column != Some(0), "{d:?}");
    }
}

/// Any text as a tier condition: parsing never panics; an error's offset
/// lies inside the text; a condition that parses evaluates and explains
/// itself on any customer without panicking, and both agree.
pub fn check_expr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match kehu_core::expr::parse(text) {
        Ok(expr) => {
            for customer in book::sample_customers() {
                let fields = kehu_core::expr::CustomerFields::new(&customer, as_of());
                let holds = expr.eval(&fields);
                let (explained, why) = expr.explain(&fields);
                assert_eq!(holds, explained, "{text:?}: {why}");
            }
        }
        Err(err) => assert!(err.offset <= text.len(), "{text:?}: {err:?}"),
    }
}

/// Any bytes as an orders file (detected, CSV and CDNOW): never panics; bad
/// rows name a line inside the file; good rows aggregate to finite sums.
pub fn check_import_orders(data: &[u8]) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for format in [None, Some(OrderFormat::Csv), Some(OrderFormat::Cdnow)] {
        let Ok(file) = parse_orders(data, format) else {
            continue;
        };
        for error in &file.errors {
            assert!(
                (1..=lines).contains(&error.line),
                "line {} of {lines}",
                error.line
            );
        }
        for order in &file.orders {
            assert!(kehu_core::is_valid_id(&order.customer), "{order:?}");
        }
        let aggregation = aggregate(&file, as_of());
        let _ = format!("{aggregation:?}");
    }
}

/// Any bytes as a customers CSV, against a small book: never panics; every
/// customer it would create has a valid id.
pub fn check_import_customers(data: &[u8]) {
    let customers = book::sample_customers();
    let Ok(import) = import_customers(data, &ColumnMap::default(), &customers) else {
        return;
    };
    for created in &import.creates {
        assert!(kehu_core::is_valid_id(&created.id), "{:?}", created.id);
    }
}

/// Any bytes as a plugin's response (and as the other messages that cross
/// the plugin boundary): decoding never panics, and a response that decodes
/// re-encodes and decodes to the same value.
pub fn check_plugin_response(data: &[u8]) {
    use kehu_plugin::protocol::{Book, HostCall, Request, Response, Rules};
    if let Ok(response) = Response::from_json(data)
        && let Ok(bytes) = response.to_json()
    {
        let again = Response::from_json(&bytes).expect("a re-encoded response decodes");
        assert_eq!(format!("{response:?}"), format!("{again:?}"));
    }
    let _ = HostCall::parse(data);
    let _ = Request::from_json(data);
    let _ = Book::from_json(data);
    let _ = Rules::from_json(data);
}
