//! The general order format: a CSV with a header.
//!
//! Columns are found by name, case-insensitively, ignoring surrounding
//! spaces and treating spaces and `-` as `_` (`Order Date` = `order_date`):
//!
//! | role     | accepted names, strongest first |
//! | -------- | ------------------------------- |
//! | customer | customer, customer_id, customerid, cust_id, client, client_id, account, account_id, id |
//! | date     | date, order_date, orderdate, transaction_date, purchase_date, invoice_date, day |
//! | amount   | amount, value, revenue, total, sales, dollars, dollar_value, net_amount |
//! | quantity | quantity, qty, units, cds, number_of_cds (optional) |
//!
//! When several columns match one role the strongest name wins (an export
//! with `id` and `customer_id` uses `customer_id`); two columns with the same
//! name are an error. Other columns are ignored. The delimiter (`,`, `;` or
//! tab) is the one most frequent in the header line outside quotes; in a
//! `;`-separated file amounts may use a decimal comma (`12,50`). Dates are
//! `YYYY-MM-DD` or `YYYYMMDD`. Quoted fields may hold delimiters and newlines.

use csv::{ByteRecord, ReaderBuilder};

use super::error::{ImportError, Problem, RowError};
use super::orders::{Order, OrderFile, OrderLayout};
use super::values::{parse_date, parse_id, parse_money, parse_number};

/// Accepted header names per role, strongest first.
const CUSTOMER: &[&str] = &[
    "customer",
    "customer_id",
    "customerid",
    "cust_id",
    "client",
    "client_id",
    "account",
    "account_id",
    "id",
];
const DATE: &[&str] = &[
    "date",
    "order_date",
    "orderdate",
    "transaction_date",
    "purchase_date",
    "invoice_date",
    "day",
];
const AMOUNT: &[&str] = &[
    "amount",
    "value",
    "revenue",
    "total",
    "sales",
    "dollars",
    "dollar_value",
    "net_amount",
];
const QUANTITY: &[&str] = &["quantity", "qty", "units", "cds", "number_of_cds"];

/// Normalises a header cell for matching: trimmed, lowercase, `_` for spaces and `-`.
pub(crate) fn normalise_header(cell: &str) -> String {
    cell.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Picks the delimiter most frequent outside quotes in the first line.
pub(crate) fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for index in 1..3 {
        if counts[index] > counts[best] {
            best = index;
        }
    }
    candidates[best]
}

/// Where each role's column is.
struct Columns {
    customer: usize,
    date: usize,
    amount: usize,
    quantity: Option<usize>,
    names: Vec<String>,
}

/// Finds the column for one role, or reports why there is none / too many.
fn find_role(
    role: &'static str,
    accepted: &[&str],
    normalised: &[String],
    names: &[String],
) -> Result<Option<usize>, ImportError> {
    for alias in accepted {
        let hits: Vec<usize> = (0..normalised.len())
            .filter(|&i| normalised[i] == *alias)
            .collect();
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok(Some(*one)),
            many => {
                return Err(ImportError::AmbiguousColumn {
                    role: role.to_owned(),
                    columns: many
                        .iter()
                        .map(|&i| format!("`{}`", names[i]))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(None)
}

impl Columns {
    fn from_header(header: &ByteRecord) -> Result<Columns, ImportError> {
        let names: Vec<String> = header
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_owned())
            .collect();
        let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        let required = |role: &'static str, accepted: &[&str]| {
            find_role(role, accepted, &normalised, &names)?.ok_or_else(|| {
                ImportError::MissingColumn {
                    role,
                    accepted: accepted.join(", "),
                    found: names.join(", "),
                }
            })
        };
        Ok(Columns {
            customer: required("customer", CUSTOMER)?,
            date: required("date", DATE)?,
            amount: required("amount", AMOUNT)?,
            quantity: find_role("quantity", QUANTITY, &normalised, &names)?,
            names,
        })
    }
}

/// Parses a CSV order file (BOM already stripped).
pub(crate) fn parse(bytes: &[u8]) -> Result<OrderFile, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiter = detect_delimiter(bytes);
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::BadHeader {
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    if header.iter().all(|cell| cell.trim_ascii().is_empty()) {
        return Err(ImportError::Empty);
    }
    let columns = Columns::from_header(&header)?;
    let decimal_comma = delimiter == b';';
    let mut file = OrderFile {
        layout: OrderLayout::Csv { delimiter },
        rows_read: 0,
        orders: Vec::new(),
        errors: Vec::new(),
    };
    let mut lines = LineCounter::default();
    let mut record = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                    continue;
                }
                file.rows_read += 1;
                let line = lines.line_at(bytes, record.position());
                match row(&record, line, &columns, header.len(), decimal_comma) {
                    Ok(order) => file.orders.push(order),
                    Err(errors) => file.errors.extend(errors),
                }
            }
            Err(error) => {
                file.rows_read += 1;
                let line = lines.line_at(bytes, error.position());
                file.errors.push(RowError::new(
                    line,
                    "row",
                    Problem::Malformed(error.to_string()),
                ));
            }
        }
    }
    Ok(file)
}

/// Turns the CSV reader's record positions into 1-based line numbers.
///
/// The reader's own line count is one short after CRLF line ends (the `\n`
/// of a `\r\n` is counted as the start of the next record), so lines are
/// counted here from the byte offset, skipping line-end bytes the reader
/// puts before a record. Positions only grow, so the count is incremental.
#[derive(Default)]
pub(crate) struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    pub(crate) fn line_at(&mut self, bytes: &[u8], position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return 0;
        };
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.offset {
            self.line += bytes[self.offset..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = start;
        }
        self.line + 1
    }
}

/// Reads one row, collecting every problem in it.
fn row(
    record: &ByteRecord,
    line: u64,
    columns: &Columns,
    header_len: usize,
    decimal_comma: bool,
) -> Result<Order, Vec<RowError>> {
    let mut errors = Vec::new();
    if record.len() > header_len {
        errors.push(RowError::new(
            line,
            "row",
            Problem::ExtraFields {
                found: record.len(),
                expected: header_len,
            },
        ));
    }
    let mut cell = |index: usize, required: bool| -> Option<&str> {
        let name = &columns.names[index];
        match record.get(index) {
            None if required => {
                errors.push(RowError::new(line, name.clone(), Problem::Missing));
                None
            }
            None => None,
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) if text.trim().is_empty() => {
                    if required {
                        errors.push(RowError::new(line, name.clone(), Problem::Empty));
                    }
                    None
                }
                Ok(text) => Some(text),
                Err(_) => {
                    errors.push(RowError::new(line, name.clone(), Problem::NotUtf8));
                    None
                }
            },
        }
    };
    let customer = cell(columns.customer, true);
    let date = cell(columns.date, true);
    let amount = cell(columns.amount, true);
    let quantity = columns.quantity.and_then(|index| cell(index, false));
    let name = |index: usize| columns.names[index].clone();
    let customer = customer.and_then(|text| {
        parse_id(text)
            .map_err(|p| errors.push(RowError::new(line, name(columns.customer), p)))
            .ok()
    });
    let date = date.and_then(|text| {
        parse_date(text)
            .map_err(|p| errors.push(RowError::new(line, name(columns.date), p)))
            .ok()
    });
    let amount = amount.and_then(|text| {
        parse_money(text, decimal_comma)
            .map_err(|p| errors.push(RowError::new(line, name(columns.amount), p)))
            .ok()
    });
    let quantity = match (quantity, columns.quantity) {
        (Some(text), Some(index)) => {
            let text = if decimal_comma && !text.contains('.') {
                text.replacen(',', ".", 1)
            } else {
                text.to_owned()
            };
            match parse_number(&text) {
                Ok(q) => Some(q),
                Err(p) => {
                    errors.push(RowError::new(line, name(index), p));
                    None
                }
            }
        }
        _ => None,
    };
    match (customer, date, amount) {
        (Some(customer), Some(date), Some(amount)) if errors.is_empty() => Ok(Order {
            line,
            customer: customer.to_owned(),
            date,
            amount,
            quantity,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::values::Money;

    fn parse_str(text: &str) -> OrderFile {
        parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn reads_a_plain_csv() {
        let file =
            parse_str("customer,date,amount,qty\nacme,2026-01-05,100.50,2\nacme,20260106,-20,\n");
        assert_eq!(file.layout, OrderLayout::Csv { delimiter: b',' });
        assert_eq!(file.rows_read, 2);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.orders[0].amount, Money::from_micros(100_500_000));
        assert_eq!(file.orders[0].quantity, Some(2.0));
        assert_eq!(file.orders[1].amount, Money::from_micros(-20_000_000));
        assert_eq!(file.orders[1].quantity, None);
        assert_eq!(file.orders[1].date.to_string(), "2026-01-06");
        assert_eq!(file.orders[1].line, 3);
    }

    #[test]
    fn aliases_are_case_insensitive_and_strongest_wins() {
        let file = parse_str("ID, Customer ID ,Order-Date,REVENUE\nx1,acme,2026-01-05,3\n");
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.orders[0].customer, "acme");
    }

    #[test]
    fn semicolons_and_decimal_commas() {
        let file = parse_str("customer;order_date;value;qty\n\"acme\";2026-01-05;12,50;1,5\n");
        assert_eq!(file.layout, OrderLayout::Csv { delimiter: b';' });
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.orders[0].amount, Money::from_micros(12_500_000));
        assert_eq!(file.orders[0].quantity, Some(1.5));
    }

    #[test]
    fn missing_column_is_a_file_error_naming_what_exists() {
        let error = parse(b"customer,when,amount\nacme,2026-01-05,1\n").unwrap_err();
        match error {
            ImportError::MissingColumn { role, found, .. } => {
                assert_eq!(role, "date");
                assert_eq!(found, "customer, when, amount");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_columns_are_ambiguous() {
        let error = parse(b"customer,date,amount,Amount\nacme,2026-01-05,1,2\n").unwrap_err();
        assert!(
            matches!(error, ImportError::AmbiguousColumn { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn quoted_newline_keeps_line_numbers_right() {
        let text =
            "customer,note,date,amount\nacme,\"two\nlines\",2026-01-05,1\nacme,x,2026-13-01,1\n";
        let file = parse_str(text);
        assert_eq!(file.orders.len(), 1);
        assert_eq!(file.orders[0].line, 2);
        assert_eq!(
            file.errors,
            vec![RowError::new(
                4,
                "date",
                Problem::NotARealDay("2026-13-01".into())
            )]
        );
    }

    #[test]
    fn crlf_line_numbers() {
        let file = parse_str("customer,date,amount\r\nacme,2026-01-05,1\r\n\r\nacme,x,1\r\n");
        assert_eq!(file.orders[0].line, 2);
        assert_eq!(file.errors[0].line, 4);
    }

    #[test]
    fn short_and_long_rows() {
        let file = parse_str("customer,date,amount\nacme,2026-01-05\nacme,2026-01-05,1,234.00\n");
        assert_eq!(
            file.errors,
            vec![
                RowError::new(2, "amount", Problem::Missing),
                RowError::new(
                    3,
                    "row",
                    Problem::ExtraFields {
                        found: 4,
                        expected: 3
                    }
                ),
            ]
        );
        assert_eq!(file.bad_rows(), 2);
    }

    #[test]
    fn not_utf8_cell() {
        let file = parse(b"customer,date,amount\nacme,2026-01-05,\xFF1\n").unwrap();
        assert_eq!(
            file.errors,
            vec![RowError::new(2, "amount", Problem::NotUtf8)]
        );
    }

    #[test]
    fn delimiter_detection_ignores_quoted_separators() {
        assert_eq!(detect_delimiter(b"\"a,b,c\";d;e\nx,y,z,w"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"abc\n"), b',');
    }
}
