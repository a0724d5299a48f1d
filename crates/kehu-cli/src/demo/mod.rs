//! `kehu demo`'s material: the sample book compiled into the binary, and the
//! story of its year ([`story`]).

pub mod story;

use include_dir::{Dir, include_dir};

/// The sample book's customers (`customers/` of the kehu repository).
static SAMPLE_CUSTOMERS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../customers");

/// The sample book's policy.
pub const SAMPLE_POLICY: &str = include_str!("../../../../templates/kehu.toml");

/// Every sample customer file as (path relative to the book root, text),
/// sorted by path.
pub fn sample_customers() -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect(&SAMPLE_CUSTOMERS, &mut files);
    files.sort();
    files
}

fn collect(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let (true, Some(text)) = (path.ends_with(".toml"), file.contents_utf8()) {
            out.push((format!("customers/{path}"), text.to_owned()));
        }
    }
    for inner in dir.dirs() {
        collect(inner, out);
    }
}
