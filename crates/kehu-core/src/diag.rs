//! Diagnostics: one problem in one file, with the place and the field.
//!
//! Every check in kehu (TOML syntax, schema, values against `kehu.toml`,
//! policy) reports through [`Diagnostic`], so `kehu check` can print them the
//! way compilers do (`path:line:col: error: field: message`) or as JSON.
//!
//! # Codes
//!
//! Stable identifiers for scripts (`kehu check --format json`):
//!
//! | code | what |
//! | --- | --- |
//! | `toml-syntax` | not valid TOML (each error the parser recovers from) |
//! | `wrong-type` | a known key holds the wrong kind of value, or a date that is no day |
//! | `missing-field` | `id`, `name` or `stage` is absent |
//! | `empty-value` | `name` is blank |
//! | `unknown-key` | a key kehu does not know (warning; kept in the file) |
//! | `unknown-value` | a value outside kehu.toml or the fixed vocabularies (stage, region, industry, owner, tier, channel, abc, pipeline, referral; rfm, loyalty, risk as warnings) |
//! | `unknown-pinned-field` | `grade.pinned` names a field that cannot be pinned |
//! | `pool-not-pooled` | a `pool-<region>` owner on a tier that is not pooled |
//! | `pool-region` | a pool of another region than the customer's (warning) |
//! | `owner-inactive` | the owner has `active = false` (warning) |
//! | `future-date` | a date after the as-of day |
//! | `negative-value` | negative money or counts |
//! | `not-finite` | NaN or infinity |
//! | `out-of-range` | satisfaction outside 1..5, repurchase outside 0..1, numbers too large, policy thresholds out of order |
//! | `inconsistent` | figures that contradict each other (warning) |
//! | `control-character` | a text field holds control characters such as terminal escapes (shown as U+FFFD) |
//! | `date-as-string` | a quoted date (warning; it loads) |
//! | `invalid-id` | the id is not 2–64 of `[a-z0-9-]` |
//! | `id-mismatch` | the id differs from the file stem |
//! | `duplicate-id` | two files share an id, ignoring case |
//! | `misplaced-file` | not at `customers/<id[0..2]>/<id>.toml` (warning; it loads) |
//! | `conflict-marker` | a git conflict marker line |
//! | `not-utf8` | invalid UTF-8 (or UTF-16) |
//! | `too-large` | over [`crate::MAX_FILE_BYTES`] |
//! | `empty-file` | nothing but whitespace |
//! | `too-many-problems` | more problems in the file than are listed (warning) |
//! | `symlink` / `symlink-outside` | a symbolic link, not followed (warning inside `customers/`, error when it leaves) |
//! | `directory-named-like-file` | a directory called `*.toml` |
//! | `not-a-regular-file` | a pipe, socket or device |
//! | `not-a-customer-file` | a stray file under `customers/` (warning) |
//! | `bad-file-name` | a file name that is not UTF-8 |
//! | `not-a-directory` | `customers` is not a directory |
//! | `io-error` | the file could not be read |
//! | `empty-tiers`, `empty-list`, `empty-name`, `duplicate-name`, `unknown-tier`, `unreachable-tier`, `bad-condition`, `capacity-not-positive`, `reserved-name` | kehu.toml consistency |
//! | `key-account-without-owner`, `owner-over-capacity`, `contact-overdue` | policy checks (warnings) |

use std::fmt;

use serde::Serialize;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file (or the book) is wrong; commands refuse to write it.
    Error,
    /// Suspicious or against policy, but the data loads and can be edited.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a book.
///
/// `path` is relative to the book root with `/` separators; `line` and
/// `column` are 1-based (the column counts characters, not bytes) and absent
/// when the problem concerns the whole file. `code` is a stable kebab-case
/// identifier scripts can match on (`wrong-type`, `unknown-key`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// File relative to the book root, e.g. `customers/ac/acme.toml`.
    pub path: String,
    /// 1-based line, when the problem has a place in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column in characters, when the problem has a place in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Dotted field inside the file, e.g. `grade.tier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Stable kebab-case identifier of the kind of problem.
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl Diagnostic {
    /// An error about `path` with no place or field yet; see the builders.
    pub fn error(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path.into(), code, message.into())
    }

    /// A warning about `path` with no place or field yet; see the builders.
    pub fn warning(
        path: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, path.into(), code, message.into())
    }

    fn new(severity: Severity, path: String, code: &'static str, message: String) -> Self {
        Diagnostic {
            severity,
            path,
            line: None,
            column: None,
            field: None,
            code,
            message,
        }
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, pos: Option<Pos>) -> Self {
        if let Some(pos) = pos {
            self.line = Some(pos.line);
            self.column = Some(pos.column);
        }
        self
    }

    /// Sets the dotted field the problem is about.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The order `kehu check` prints in: by file, then place, then code.
    pub(crate) fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.path,
            self.line.unwrap_or(0),
            self.column.unwrap_or(0),
            self.code,
            &self.message,
        )
    }
}

/// Sorts diagnostics into the deterministic order `kehu check` prints.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

impl fmt::Display for Diagnostic {
    /// `customers/ac/acme.toml:12:7: error: grade.tier: unknown tier "gold" (…)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}: ", self.severity)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A 1-based line and character column in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Pos {
    /// The line and column of byte `offset` in `text` (clamped to the text,
    /// and to a character boundary).
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text.as_bytes()[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = text[line_start..offset].chars().count() + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// The positions of several byte offsets in one pass over `text` (what
/// [`Pos::of_offset`] gives for each, without rescanning the prefix).
pub(crate) fn positions<const N: usize>(
    text: &str,
    offsets: [Option<usize>; N],
) -> [Option<Pos>; N] {
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    order.sort_unstable_by_key(|&i| offsets[i].unwrap_or(usize::MAX));
    let end = offsets
        .iter()
        .flatten()
        .max()
        .map_or(0, |&o| o.min(text.len()));
    let mut newlines = memchr::memchr_iter(b'\n', &text.as_bytes()[..end]);
    let mut next_newline = newlines.next();
    let mut out = [None; N];
    let (mut line, mut line_start) = (1usize, 0usize);
    for i in order {
        let Some(mut offset) = offsets[i] else {
            break;
        };
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        while let Some(at) = next_newline.filter(|&at| at < offset) {
            line += 1;
            line_start = at + 1;
            next_newline = newlines.next();
        }
        let column = text[line_start..offset].chars().count() + 1;
        out[i] = Some(Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_a_compiler() {
        let d = Diagnostic::error(
            "customers/ac/acme.toml",
            "unknown-value",
            "unknown tier \"gold\"",
        )
        .at(Some(Pos {
            line: 12,
            column: 7,
        }))
        .field("grade.tier");
        assert_eq!(
            d.to_string(),
            "customers/ac/acme.toml:12:7: error: grade.tier: unknown tier \"gold\""
        );
        let whole = Diagnostic::warning("customers/x.toml", "empty-file", "the file is empty");
        assert_eq!(
            whole.to_string(),
            "customers/x.toml: warning: the file is empty"
        );
    }

    #[test]
    fn serializes_for_json_output() {
        let d = Diagnostic::error("kehu.toml", "toml-syntax", "bad")
            .at(Some(Pos { line: 1, column: 2 }));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"severity":"error","path":"kehu.toml","line":1,"column":2,"code":"toml-syntax","message":"bad"}"#
        );
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let text = "a = 1\nnamé = \"x\"\n";
        assert_eq!(Pos::of_offset(text, 0), Pos { line: 1, column: 1 });
        let at_x = text.find("\"x").unwrap();
        assert_eq!(Pos::of_offset(text, at_x), Pos { line: 2, column: 8 });
        assert_eq!(Pos::of_offset(text, 10_000), Pos { line: 3, column: 1 });
        let offsets = [Some(at_x), None, Some(0), Some(at_x), Some(10_000)];
        let expected = offsets.map(|o| o.map(|o| Pos::of_offset(text, o)));
        assert_eq!(positions(text, offsets), expected);
    }
}
