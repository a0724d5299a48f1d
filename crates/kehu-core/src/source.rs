//! Byte-level checks every book file goes through before TOML parsing:
//! size, emptiness and UTF-8 (with or without a BOM); and the search for git
//! conflict markers.

use crate::diag::{Diagnostic, Pos};

/// Files larger than this are refused unread: a customer file is a page of
/// text, and a runaway file must not exhaust memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Turns raw file bytes into text, or explains why they are not a usable
/// TOML file. A UTF-8 byte-order mark is dropped (offsets then count from
/// after it); CRLF line ends need nothing here, TOML accepts them.
pub(crate) fn decode<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Vec<Diagnostic>> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(vec![too_large(path, Some(bytes.len() as u64))]);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(vec![
            Diagnostic::error(
                path,
                "not-utf8",
                "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8",
            )
            .at(Some(Pos { line: 1, column: 1 })),
        ]);
    }
    let had_bom = bytes.starts_with(BOM);
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.valid_up_to();
            // The prefix up to `valid` is UTF-8 by definition.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let pos = Pos::of_offset(prefix, valid);
            // Byte offsets in the message count the file as stored.
            let offset = valid + if had_bom { BOM.len() } else { 0 };
            return Err(vec![
                Diagnostic::error(
                    path,
                    "not-utf8",
                    format!("invalid UTF-8 at byte {offset}; customer files must be UTF-8 text"),
                )
                .at(Some(pos)),
            ]);
        }
    };
    if text.trim().is_empty() {
        return Err(vec![Diagnostic::error(
            path,
            "empty-file",
            "the file is empty",
        )]);
    }
    Ok(text)
}

/// The diagnostic for a file over [`MAX_FILE_BYTES`]. `len` is its size
/// when known; a file read only up to the limit has just "more".
pub(crate) fn too_large(path: &str, len: Option<u64>) -> Diagnostic {
    let size = match len {
        Some(len) => format!("{len} bytes"),
        None => format!("more than {MAX_FILE_BYTES} bytes"),
    };
    Diagnostic::error(
        path,
        "too-large",
        format!("the file is {size}, over the limit of {MAX_FILE_BYTES} bytes"),
    )
}

/// One diagnostic per line that starts with a git conflict marker.
///
/// A marker line is never valid TOML, except inside a multi-line string;
/// so the loader runs this only on files that fail to parse or hold a
/// multi-line string, and the common case pays nothing.
pub(crate) fn conflict_markers(path: &str, text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let Some(first) = line.as_bytes().first() else {
            continue;
        };
        if !matches!(first, b'<' | b'=' | b'>' | b'|') {
            continue;
        }
        for marker in ["<<<<<<<", "=======", ">>>>>>>", "|||||||"] {
            if let Some(rest) = line.strip_prefix(marker)
                && (rest.is_empty() || rest.starts_with([' ', '\r', '\t']))
            {
                found.push(
                    Diagnostic::error(
                        path,
                        "conflict-marker",
                        format!("git conflict marker `{marker}`; resolve the merge first"),
                    )
                    .at(Some(Pos {
                        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                        column: 1,
                    })),
                );
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(result: Result<&str, Vec<Diagnostic>>) -> Vec<String> {
        result
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn accepts_bom_and_crlf() {
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFid = 1\r\n").unwrap(),
            "id = 1\r\n"
        );
    }

    #[test]
    fn reports_invalid_utf8_with_line() {
        assert_eq!(
            messages(decode("f.toml", b"id = \"ok\"\nname = \"\xFF\"\n")),
            ["f.toml:2:9: error: invalid UTF-8 at byte 18; customer files must be UTF-8 text"]
        );
    }

    #[test]
    fn reports_utf16() {
        assert_eq!(
            messages(decode("f.toml", b"\xFF\xFEi\0d\0")),
            [
                "f.toml:1:1: error: the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
            ]
        );
    }

    #[test]
    fn reports_each_conflict_marker() {
        let text = "id = \"a\"\n<<<<<<< HEAD\nname = \"A\"\n=======\nname = \"B\"\n>>>>>>> other\n";
        let found: Vec<String> = conflict_markers("f.toml", text)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "f.toml:2:1: error: git conflict marker `<<<<<<<`; resolve the merge first",
                "f.toml:4:1: error: git conflict marker `=======`; resolve the merge first",
                "f.toml:6:1: error: git conflict marker `>>>>>>>`; resolve the merge first",
            ]
        );
    }

    #[test]
    fn reports_empty_and_oversized_files() {
        assert_eq!(
            messages(decode("f.toml", b" \n")),
            ["f.toml: error: the file is empty"]
        );
        let big = vec![b'#'; (MAX_FILE_BYTES + 1) as usize];
        assert_eq!(
            messages(decode("f.toml", &big)),
            ["f.toml: error: the file is 1048577 bytes, over the limit of 1048576 bytes"]
        );
    }
}
