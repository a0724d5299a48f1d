//! Runs the bundled `agenda` and `report` plugins, loaded like the CLI loads
//! them, on a book whose customer names (and owner names) come from the
//! fuzzer, and checks their ICS and HTML output.
//!
//! The plugin libraries come from `KEHU_FUZZ_PLUGIN_DIR` (`run.sh` builds
//! them), else from the main workspace's `target/release` or `target/debug`.

use std::path::PathBuf;
use std::sync::OnceLock;

use kehu_core::{Customer, Date};
use kehu_plugin::host::{HostServices, Origin, Registry, SearchPath, ServiceError};
use kehu_plugin::protocol::{Request, encode_book};

use crate::markup;

/// Put before every fuzzed name: the HTML check fails if it ever appears
/// unescaped, so any raw customer text in the page is caught, not only
/// text that happens to form a bad tag.
pub const MARKER: &str = "<fz>";

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs: Vec<PathBuf> = match std::env::var_os("KEHU_FUZZ_PLUGIN_DIR") {
            Some(dir) => vec![PathBuf::from(dir)],
            None => vec![root.join("target/release"), root.join("target/debug")],
        };
        let mut search = SearchPath::new();
        for dir in dirs {
            search.push(dir, Origin::Flag);
        }
        let registry = Registry::load_all(&search);
        for name in ["agenda", "report"] {
            assert!(
                registry.get(name).is_some(),
                "plugin `{name}` not found in {:?}; build it (fuzz/run.sh does) or set KEHU_FUZZ_PLUGIN_DIR",
                search.dirs()
            );
        }
        registry
    })
}

/// The host side: the fuzzed book for every date, and no history.
struct Host {
    book: Vec<u8>,
}

impl HostServices for Host {
    fn book(&self) -> Result<Vec<u8>, ServiceError> {
        Ok(self.book.clone())
    }

    fn book_at(&self, _date: Date) -> Result<Vec<u8>, ServiceError> {
        Ok(self.book.clone())
    }

    fn customer_history(&self, _id: &str) -> Result<Vec<u8>, ServiceError> {
        Ok(b"[]".to_vec())
    }

    fn changes(&self, _since: Option<Date>, _until: Option<Date>) -> Result<Vec<u8>, ServiceError> {
        Ok(b"[]".to_vec())
    }
}

/// Texts from the fuzzer's bytes: split at NUL, lossily decoded, at most 4.
fn texts(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0)
        .take(4)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

/// A valid book whose customer names and first owner's name are `texts`
/// (each after [`MARKER`]), every customer due for a call today.
fn fuzzed_book(texts: &[String]) -> Vec<u8> {
    let template = crate::book::sample_customers();
    let Some(first) = template.first() else {
        panic!("the sample book has customers");
    };
    let customers: Vec<Customer> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let mut customer = first.clone();
            customer.id = format!("c{i}");
            customer.name = format!("{MARKER}{text}");
            customer.grade.pipeline = Some("A".into());
            customer.contact.last = Date::from_ymd(2026, 1, 1);
            customer
        })
        .collect();
    let mut config = crate::book::load(
        crate::book::CONFIG.as_bytes(),
        crate::book::CUSTOMER.as_bytes(),
    )
    .config;
    if let (Some(owner), Some(text)) = (config.owners.values_mut().next(), texts.first()) {
        owner.name = format!("{MARKER}{text}");
    }
    encode_book(crate::as_of(), &config, &customers).expect("a book encodes")
}

fn run(command: &str, format: &str, data: &[u8]) -> Option<String> {
    let plugin = registry().get(command)?;
    let host = Host {
        book: fuzzed_book(&texts(data)),
    };
    let mut request = Request::new(command, vec![], crate::as_of());
    request.format = Some(format.to_owned());
    let response = plugin
        .run(&request, &host)
        .unwrap_or_else(|e| panic!("{command} failed: {e}"));
    assert_eq!(
        response.exit_code, 0,
        "{command} --format {format}: {}",
        response.stderr
    );
    Some(response.stdout)
}

/// `kehu agenda --format ics` on fuzzed names: a valid calendar.
pub fn check_ics(data: &[u8]) {
    if let Some(ics) = run("agenda", "ics", data)
        && let Err(problem) = markup::check_ics(&ics)
    {
        panic!("invalid ICS for {:?}: {problem}\n{ics}", texts(data));
    }
}

/// `kehu report --format html` on fuzzed names: a page where no customer
/// text is markup.
pub fn check_html(data: &[u8]) {
    if let Some(html) = run("report", "html", data)
        && let Err(problem) = markup::check_html(&html, MARKER)
    {
        panic!("unsafe HTML for {:?}: {problem}", texts(data));
    }
}
