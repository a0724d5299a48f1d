//! The parse baseline of the Speed targets: every customer file read and
//! parsed with the plain `toml` crate into `kehu_core::Customer`, on one
//! thread, with no validation. `kehu check` must not be slower than this.

use std::fs;
use std::path::Path;

use kehu_core::Customer;

use crate::error::{BenchError, Result, io_at};

/// What the parse saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseSummary {
    /// Customer files read.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Files that did not parse.
    pub errors: usize,
}

/// Reads and parses every `.toml` file under `book/customers`, one after the
/// other.
pub fn parse_book(book: &Path) -> Result<ParseSummary> {
    let root = book.join("customers");
    let mut summary = ParseSummary::default();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.map_err(|e| BenchError::Io {
            path: e.path().unwrap_or(&root).to_owned(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let text = fs::read_to_string(entry.path()).map_err(io_at(entry.path()))?;
        summary.files += 1;
        summary.bytes += text.len() as u64;
        if toml::from_str::<Customer>(&text).is_err() {
            summary.errors += 1;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_file_and_counts_the_bad_ones() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("customers/ac");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("acme.toml"),
            "id = \"acme\"\nname = \"A\"\nstage = \"won\"\n",
        )
        .unwrap();
        fs::write(dir.join("acme-2.toml"), "id = = broken\n").unwrap();
        fs::write(dir.join("notes.txt"), "not a customer").unwrap();
        let summary = parse_book(temp.path()).unwrap();
        assert_eq!(summary.files, 2);
        assert_eq!(summary.errors, 1);
    }
}
