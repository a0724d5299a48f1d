//! The CDNOW transaction files (Fader, Hardie & Lee 2005), read as they are
//! distributed: columns separated by runs of spaces, CRLF line ends.
//!
//! - `CDNOW_master.txt`: an optional header line, then `id YYYYMMDD cds dollars`.
//! - `CDNOW_sample.txt`: no header, five columns. In the distributed file the
//!   five-digit master id comes *first* and the sample id (1..2357) second
//!   (`00004 0001 19970101 2 29.33`, which matches customer 00004's rows in
//!   the master file), although the data README lists them the other way
//!   round. The master id is the customer.
//!
//! The layout is told by the number of columns of the header, or else of the
//! first data line. Customer ids are the master ids zero-padded to five
//! digits (`1` and `00001` are both `00001`), so the two files name the same
//! customers alike.

use super::error::{ImportError, Problem, RowError};
use super::orders::{Order, OrderFile, OrderLayout};
use super::values::{parse_date, parse_integer, parse_money};

const MASTER: &[&str] = &["id", "date", "cds", "dollars"];
const SAMPLE: &[&str] = &["id", "sample_id", "date", "cds", "dollars"];

/// Parses a CDNOW file (BOM already stripped).
pub(crate) fn parse(bytes: &[u8]) -> Result<OrderFile, ImportError> {
    let lines = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(index, line)| (index as u64 + 1, line))
        .filter(|(_, line)| line.iter().any(|b| !b.is_ascii_whitespace()));
    let mut layout: Option<(OrderLayout, &[&str])> = None;
    let mut file = OrderFile {
        layout: OrderLayout::CdnowMaster,
        rows_read: 0,
        orders: Vec::new(),
        errors: Vec::new(),
    };
    for (line_number, raw) in lines {
        let Ok(text) = std::str::from_utf8(raw) else {
            file.rows_read += 1;
            file.errors
                .push(RowError::new(line_number, "row", Problem::NotUtf8));
            continue;
        };
        let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
        let (kind, fields) = match layout {
            Some(known) => known,
            None => {
                let known = match tokens.len() {
                    4 => (OrderLayout::CdnowMaster, MASTER),
                    5 => (OrderLayout::CdnowSample, SAMPLE),
                    _ => return Err(ImportError::UnknownLayout { line: line_number }),
                };
                layout = Some(known);
                file.layout = known.0;
                let is_header = tokens
                    .first()
                    .is_some_and(|t| !t.as_bytes()[0].is_ascii_digit());
                if is_header {
                    continue;
                }
                known
            }
        };
        file.rows_read += 1;
        match row(&tokens, line_number, kind, fields) {
            Ok(order) => file.orders.push(order),
            Err(errors) => file.errors.extend(errors),
        }
    }
    if layout.is_none() {
        return Err(ImportError::Empty);
    }
    Ok(file)
}

/// Reads one CDNOW row, collecting every problem in it.
fn row(
    tokens: &[&str],
    line: u64,
    layout: OrderLayout,
    fields: &[&str],
) -> Result<Order, Vec<RowError>> {
    if tokens.len() > fields.len() {
        return Err(vec![RowError::new(
            line,
            "row",
            Problem::ExtraFields {
                found: tokens.len(),
                expected: fields.len(),
            },
        )]);
    }
    let mut errors = Vec::new();
    for field in &fields[tokens.len()..] {
        errors.push(RowError::new(line, *field, Problem::Missing));
    }
    let get = |index: usize| tokens.get(index).copied();
    let offset = usize::from(layout == OrderLayout::CdnowSample);
    let customer = get(0).and_then(|text| match master_id(text) {
        Ok(id) => Some(id),
        Err(problem) => {
            errors.push(RowError::new(line, "id", problem));
            None
        }
    });
    if let (1, Some(Err(problem))) = (offset, get(1).map(parse_integer)) {
        errors.push(RowError::new(line, "sample_id", problem));
    }
    let date = get(1 + offset).and_then(|text| {
        parse_date(text)
            .map_err(|problem| errors.push(RowError::new(line, "date", problem)))
            .ok()
    });
    let quantity = get(2 + offset).and_then(|text| {
        parse_integer(text)
            .map_err(|problem| errors.push(RowError::new(line, "cds", problem)))
            .ok()
    });
    let amount = get(3 + offset).and_then(|text| {
        parse_money(text, false)
            .map_err(|problem| errors.push(RowError::new(line, "dollars", problem)))
            .ok()
    });
    match (customer, date, quantity, amount) {
        (Some(customer), Some(date), Some(quantity), Some(amount)) if errors.is_empty() => {
            Ok(Order {
                line,
                customer,
                date,
                amount,
                quantity: Some(quantity as f64),
            })
        }
        _ => Err(errors),
    }
}

/// A master id as the book's customer id: digits, zero-padded to five.
fn master_id(text: &str) -> Result<String, Problem> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotAnId(text.to_owned()));
    }
    let number: u32 = text
        .parse()
        .map_err(|_| Problem::NotAnId(text.to_owned()))?;
    Ok(format!("{number:05}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::values::Money;

    #[test]
    fn master_with_header_and_crlf() {
        let text = " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  5   77.00\r\n";
        let file = parse(text.as_bytes()).unwrap();
        assert_eq!(file.layout, OrderLayout::CdnowMaster);
        assert_eq!(file.rows_read, 2);
        assert_eq!(file.orders[0].customer, "00001");
        assert_eq!(file.orders[0].line, 2);
        assert_eq!(file.orders[1].amount, Money::from_micros(77_000_000));
        assert_eq!(file.orders[1].quantity, Some(5.0));
    }

    #[test]
    fn sample_takes_the_master_id() {
        let text = " 00004 0001 19970101  2   29.33\r\n 23569 2357 19970325  2   25.74\r\n";
        let file = parse(text.as_bytes()).unwrap();
        assert_eq!(file.layout, OrderLayout::CdnowSample);
        assert_eq!(file.orders[0].customer, "00004");
        assert_eq!(file.orders[1].customer, "23569");
        assert_eq!(file.orders[1].date.to_string(), "1997-03-25");
    }

    #[test]
    fn ids_are_zero_padded() {
        assert_eq!(master_id("1"), Ok("00001".to_owned()));
        assert_eq!(master_id("00001"), Ok("00001".to_owned()));
        assert!(master_id("a1").is_err());
        assert!(master_id("-1").is_err());
    }

    #[test]
    fn every_problem_of_a_row_is_reported() {
        let text = "00001 19970101 1 11.77\n00002 19970230 x 1O.00\n00003 19970101\n00004 19970101 1 1 9\n";
        let file = parse(text.as_bytes()).unwrap();
        assert_eq!(file.rows_read, 4);
        assert_eq!(file.orders.len(), 1);
        assert_eq!(
            file.errors,
            vec![
                RowError::new(2, "date", Problem::NotARealDay("19970230".into())),
                RowError::new(2, "cds", Problem::NotAnInteger("x".into())),
                RowError::new(2, "dollars", Problem::NotANumber("1O.00".into())),
                RowError::new(3, "cds", Problem::Missing),
                RowError::new(3, "dollars", Problem::Missing),
                RowError::new(
                    4,
                    "row",
                    Problem::ExtraFields {
                        found: 5,
                        expected: 4
                    }
                ),
            ]
        );
        assert_eq!(file.bad_rows(), 3);
    }

    #[test]
    fn unknown_layout_and_empty() {
        assert_eq!(
            parse(b"\n1 2 3\n"),
            Err(ImportError::UnknownLayout { line: 2 })
        );
        assert_eq!(parse(b"\r\n\r\n"), Err(ImportError::Empty));
    }
}
