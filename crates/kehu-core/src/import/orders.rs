//! Order files: what a transaction is, which formats are read, and the
//! entry point [`parse_orders`] that detects the format from the content.

use crate::Date;

use super::error::{ImportError, RowError, bad_row_count};
use super::values::Money;
use super::{cdnow, orders_csv};

/// One transaction row: a customer bought something on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    /// 1-based line where the row starts.
    pub line: u64,
    /// Customer id (a book id; CDNOW ids are five-digit zero-padded).
    pub customer: String,
    /// The day of the purchase.
    pub date: Date,
    /// The amount; negative for a refund.
    pub amount: Money,
    /// Units bought, when the file has a quantity column (CDNOW: CDs).
    pub quantity: Option<f64>,
}

/// The format asked for on the command line (`--format csv|cdnow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderFormat {
    /// A CSV with a header naming customer, date, amount and optional quantity.
    Csv,
    /// A CDNOW file, master (4 columns) or sample (5 columns).
    Cdnow,
}

/// The layout actually read, reported back to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderLayout {
    /// CSV with this delimiter byte (`,`, `;` or tab).
    Csv {
        /// The detected delimiter.
        delimiter: u8,
    },
    /// `CDNOW_master.txt`: id, YYYYMMDD, CDs, dollars.
    CdnowMaster,
    /// `CDNOW_sample.txt`: master id, sample id, YYYYMMDD, CDs, dollars.
    CdnowSample,
}

impl std::fmt::Display for OrderLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrderLayout::Csv { delimiter: b'\t' } => f.write_str("csv (tab-separated)"),
            OrderLayout::Csv { delimiter } => write!(f, "csv (`{}`-separated)", *delimiter as char),
            OrderLayout::CdnowMaster => f.write_str("cdnow master"),
            OrderLayout::CdnowSample => f.write_str("cdnow sample"),
        }
    }
}

/// A parsed order file: the good rows, and every bad row's errors.
///
/// The caller decides: refuse the import when `errors` is not empty, or
/// (`--skip-bad`) go on with `orders` and list the errors.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderFile {
    /// What was read.
    pub layout: OrderLayout,
    /// Data rows seen (header and blank lines not counted), good and bad.
    pub rows_read: usize,
    /// The good rows, in file order.
    pub orders: Vec<Order>,
    /// One entry per bad cell, in file order.
    pub errors: Vec<RowError>,
}

impl OrderFile {
    /// Number of bad rows (a row with two bad cells counts once).
    pub fn bad_rows(&self) -> usize {
        bad_row_count(&self.errors)
    }
}

/// Parses an order file. With `format` `None` the format is detected: a first
/// line holding `,`, `;` or a tab is CSV, anything else is CDNOW (whose
/// columns are separated by spaces). A UTF-8 byte-order mark is ignored.
pub fn parse_orders(bytes: &[u8], format: Option<OrderFormat>) -> Result<OrderFile, ImportError> {
    let bytes = super::error::strip_bom(bytes)?;
    let format = match format {
        Some(format) => format,
        None => detect(bytes)?,
    };
    match format {
        OrderFormat::Csv => orders_csv::parse(bytes),
        OrderFormat::Cdnow => cdnow::parse(bytes),
    }
}

/// Detects CSV or CDNOW from the first non-blank line.
fn detect(bytes: &[u8]) -> Result<OrderFormat, ImportError> {
    let first = bytes
        .split(|&b| b == b'\n')
        .find(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .ok_or(ImportError::Empty)?;
    if first.iter().any(|b| matches!(b, b',' | b';' | b'\t')) {
        Ok(OrderFormat::Csv)
    } else {
        Ok(OrderFormat::Cdnow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_csv_and_cdnow() {
        assert_eq!(detect(b"\n\ncustomer,date,amount\n"), Ok(OrderFormat::Csv));
        assert_eq!(detect(b"customer;date;amount\n"), Ok(OrderFormat::Csv));
        assert_eq!(
            detect(b" 00001 19970101  1   11.77\r\n"),
            Ok(OrderFormat::Cdnow)
        );
        assert_eq!(detect(b"  \n \r\n"), Err(ImportError::Empty));
    }

    #[test]
    fn empty_input_is_a_file_error() {
        assert_eq!(parse_orders(b"", None), Err(ImportError::Empty));
        assert_eq!(parse_orders(b"\xEF\xBB\xBF", None), Err(ImportError::Empty));
    }

    #[test]
    fn utf16_is_refused_not_read_as_empty() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(
            "customer,date,amount\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(parse_orders(&bytes, None), Err(ImportError::Utf16));
        assert_eq!(
            parse_orders(b"\xFE\xFF\x00c", None),
            Err(ImportError::Utf16)
        );
    }
}
