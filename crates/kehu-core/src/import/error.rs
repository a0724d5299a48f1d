//! What can go wrong in an import: a whole file that cannot be read as the
//! format it claims ([`ImportError`]), or single rows that are wrong
//! ([`RowError`], collected, never just the first one).

use std::fmt;

/// A file-level failure: nothing in the file can be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file holds no header and no rows.
    #[error("the file is empty")]
    Empty,
    /// The file starts with a UTF-16 byte-order mark (a spreadsheet's
    /// "Unicode text" export); kehu reads UTF-8 only.
    #[error("the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8")]
    Utf16,
    /// The header names no column for a required role (customer, date, amount, id).
    #[error("no `{role}` column (accepted names: {accepted}); the header has: {found}")]
    MissingColumn {
        /// The role that has no column, e.g. `amount`.
        role: &'static str,
        /// The accepted column names, comma-separated.
        accepted: String,
        /// The header's columns as written, comma-separated.
        found: String,
    },
    /// Several columns claim the same role with equal right.
    #[error("columns {columns} all map to `{role}`; rename one or map it away")]
    AmbiguousColumn {
        /// The role (an order role or a customer field).
        role: String,
        /// The competing columns, comma-separated.
        columns: String,
    },
    /// A `--map` option names a field a customer file does not have.
    #[error("--map {column}={field}: `{field}` is not a customer field (known: {known})")]
    UnknownField {
        /// The CSV column of the mapping.
        column: String,
        /// The unknown field.
        field: String,
        /// The importable fields, comma-separated.
        known: String,
    },
    /// A `--map` option names a column the header does not have.
    #[error("--map {column}=…: the header has no column `{column}` (it has: {found})")]
    UnknownColumn {
        /// The column named by the mapping.
        column: String,
        /// The header's columns, comma-separated.
        found: String,
    },
    /// A `--map` option is not of the form `column=field`.
    #[error("--map `{0}`: expected COLUMN=FIELD (or COLUMN= to ignore the column)")]
    BadMapping(String),
    /// The header line itself cannot be read.
    #[error("line {line}: cannot read the header: {reason}")]
    BadHeader {
        /// 1-based line of the header.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The content matches no known CDNOW layout.
    #[error(
        "line {line}: not a CDNOW line (expected 4 columns: id date cds dollars, or 5: id sample-id date cds dollars)"
    )]
    UnknownLayout {
        /// 1-based line of the first data line.
        line: u64,
    },
}

/// The text of an import file: a UTF-8 byte-order mark dropped, a UTF-16
/// one refused (its text would otherwise read as empty or as garbage).
pub(crate) fn strip_bom(bytes: &[u8]) -> Result<&[u8], ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::Utf16);
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

/// One problem in one row: the 1-based line, the column, and why.
///
/// A row may produce several of these (a bad date *and* a bad amount); the
/// row is then bad once. Display: `line 7: date: `2026-02-30` is not a real day`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {column}: {problem}")]
pub struct RowError {
    /// 1-based line where the row starts in the file (a quoted newline makes
    /// a row span several lines; this is its first).
    pub line: u64,
    /// The column as the file names it (`order_date`), or the field for
    /// headerless formats (`dollars`), or `row` for the row as a whole.
    pub column: String,
    /// What is wrong.
    pub problem: Problem,
}

/// The kinds of row problems, so callers and tests can tell them apart.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The row ends before this column.
    Missing,
    /// The cell is empty but a value is required.
    Empty,
    /// The text has no date shape (`YYYY-MM-DD` or `YYYYMMDD`).
    NotADate(String),
    /// Date-shaped but no such day, e.g. `2026-02-30`.
    NotARealDay(String),
    /// Not a decimal number.
    NotANumber(String),
    /// Not a whole number.
    NotAnInteger(String),
    /// A number outside the range the field allows.
    OutOfRange {
        /// The text as written.
        text: String,
        /// The allowed range in words, e.g. `1..5`.
        allowed: &'static str,
    },
    /// Not a customer id (lowercase `a-z`, `0-9`, `-`; 2–64 characters).
    NotAnId(String),
    /// The row has more fields than the header: often an unquoted `,` in a number.
    ExtraFields {
        /// Fields in this row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// The cell is not valid UTF-8.
    NotUtf8,
    /// The same customer appears on an earlier line of a customers file.
    DuplicateId {
        /// The earlier line.
        first_line: u64,
    },
    /// A new customer needs a name and the row gives none.
    NameRequired,
    /// The CSV reader could not read the row.
    Malformed(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing (the row ends before this column)"),
            Problem::Empty => f.write_str("empty, but a value is required"),
            Problem::NotADate(text) => {
                write!(
                    f,
                    "`{text}` is not a date (expected YYYY-MM-DD or YYYYMMDD)"
                )
            }
            Problem::NotARealDay(text) => write!(f, "`{text}` is not a real day"),
            Problem::NotANumber(text) => write!(f, "`{text}` is not a number"),
            Problem::NotAnInteger(text) => write!(f, "`{text}` is not a whole number"),
            Problem::OutOfRange { text, allowed } => {
                write!(f, "`{text}` is out of range (allowed: {allowed})")
            }
            Problem::NotAnId(text) => write!(
                f,
                "`{text}` is not a customer id (lowercase a-z, 0-9 and -, 2 to 64 characters)"
            ),
            Problem::ExtraFields { found, expected } => write!(
                f,
                "{found} fields but the header has {expected} (an unquoted separator inside a value?)"
            ),
            Problem::NotUtf8 => f.write_str("not valid UTF-8"),
            Problem::DuplicateId { first_line } => {
                write!(f, "this customer already appears on line {first_line}")
            }
            Problem::NameRequired => f.write_str("a new customer needs a name"),
            Problem::Malformed(reason) => write!(f, "cannot read the row: {reason}"),
        }
    }
}

impl RowError {
    /// Builds a row error.
    pub fn new(line: u64, column: impl Into<String>, problem: Problem) -> RowError {
        RowError {
            line,
            column: column.into(),
            problem,
        }
    }
}

/// Counts distinct lines among `errors`: a row with two bad cells is one bad row.
pub fn bad_row_count(errors: &[RowError]) -> usize {
    let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.len()
}
