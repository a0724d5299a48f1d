//! Cell parsers shared by every import format: dates, money, numbers and
//! customer ids. Each returns the [`Problem`] a row error should carry.

use crate::Date;

use super::error::Problem;

/// An amount of money as whole millionths of the book's currency.
///
/// Amounts are parsed from their decimal text straight into integers, so
/// summing 69,659 CDNOW prices is exact and `29.33 + 29.73` is written to the
/// book as `59.06`, not `59.059999999999995`. Six decimals cover every
/// currency; more are rounded half away from zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Millionths in one unit of currency.
const MICROS: i64 = 1_000_000;

impl Money {
    /// The amount from millionths of a unit.
    pub const fn from_micros(micros: i64) -> Money {
        Money(micros)
    }

    /// The amount in millionths of a unit.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// The amount as a float, the nearest double to the exact decimal.
    pub fn to_f64(self) -> f64 {
        micros_to_f64(i128::from(self.0))
    }

    /// True for a refund (a negative amount).
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Converts a (summed) amount in millionths to the nearest double.
pub(crate) fn micros_to_f64(micros: i128) -> f64 {
    // Both operands are exact below 2^53 micros (9 billion units), so the
    // quotient is the correctly rounded decimal.
    micros as f64 / MICROS as f64
}

/// Parses a decimal amount: optional sign, digits, optional fraction.
///
/// `decimal_comma` also accepts `12,50` (files separated by `;` usually come
/// from locales that write a decimal comma). No exponents, no thousands
/// separators, no currency signs: a number the parser does not understand is
/// reported, never guessed.
pub fn parse_money(text: &str, decimal_comma: bool) -> Result<Money, Problem> {
    let bad = || Problem::NotANumber(text.to_owned());
    let trimmed = text.trim();
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let separator = if decimal_comma && !body.contains('.') {
        ','
    } else {
        '.'
    };
    let (whole, fraction) = body.split_once(separator).unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(bad());
    }
    let mut micros: i64 = 0;
    for digit in whole.bytes() {
        micros = micros
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(digit - b'0')))
            .ok_or_else(bad)?;
    }
    micros = micros.checked_mul(MICROS).ok_or_else(bad)?;
    let mut scale = MICROS / 10;
    let mut fraction_micros: i64 = 0;
    for (index, digit) in fraction.bytes().enumerate() {
        let digit = i64::from(digit - b'0');
        if index == 6 {
            if digit >= 5 {
                fraction_micros += 1;
            }
            break;
        }
        fraction_micros += digit * scale;
        scale /= 10;
    }
    micros = micros.checked_add(fraction_micros).ok_or_else(bad)?;
    Ok(Money(if negative { -micros } else { micros }))
}

/// Parses `YYYY-MM-DD` or `YYYYMMDD`, telling a malformed date from an
/// impossible day such as `2026-02-30`.
pub fn parse_date(text: &str) -> Result<Date, Problem> {
    let trimmed = text.trim();
    let b = trimmed.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let (year, month, day) = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if !(digits(0..4) && digits(5..7) && digits(8..10)) {
            return Err(Problem::NotADate(text.to_owned()));
        }
        (&trimmed[0..4], &trimmed[5..7], &trimmed[8..10])
    } else if b.len() == 8 && digits(0..8) {
        (&trimmed[0..4], &trimmed[4..6], &trimmed[6..8])
    } else {
        return Err(Problem::NotADate(text.to_owned()));
    };
    let number = |s: &str| s.parse::<u32>().ok();
    match (year.parse::<i32>().ok(), number(month), number(day)) {
        (Some(y), Some(m), Some(d)) => {
            Date::from_ymd(y, m, d).ok_or_else(|| Problem::NotARealDay(text.to_owned()))
        }
        _ => Err(Problem::NotADate(text.to_owned())),
    }
}

/// Checks a customer id: lowercase `a-z`, `0-9` and `-`, 2 to 64 characters
/// (the id is the file stem, DESIGN §1).
pub fn parse_id(text: &str) -> Result<&str, Problem> {
    let trimmed = text.trim();
    let ok = (2..=64).contains(&trimmed.len())
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(trimmed)
    } else {
        Err(Problem::NotAnId(text.to_owned()))
    }
}

/// Parses a finite decimal number (scores, probabilities, quantities).
pub fn parse_number(text: &str) -> Result<f64, Problem> {
    let trimmed = text.trim();
    let plain = !trimmed.is_empty()
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match trimmed.parse::<f64>() {
        Ok(value) if plain && value.is_finite() => Ok(value),
        _ => Err(Problem::NotANumber(text.to_owned())),
    }
}

/// Parses a whole number.
pub fn parse_integer(text: &str) -> Result<i64, Problem> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Problem::NotAnInteger(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_decimal() {
        assert_eq!(
            parse_money("11.77", false),
            Ok(Money::from_micros(11_770_000))
        );
        assert_eq!(
            parse_money(" -3.5 ", false),
            Ok(Money::from_micros(-3_500_000))
        );
        assert_eq!(parse_money("+.25", false), Ok(Money::from_micros(250_000)));
        assert_eq!(parse_money("7", false), Ok(Money::from_micros(7_000_000)));
        assert_eq!(parse_money("0.0000005", false), Ok(Money::from_micros(1)));
        assert_eq!(parse_money("0.0000004", false), Ok(Money::from_micros(0)));
        let sum = parse_money("29.33", false).unwrap().micros()
            + parse_money("29.73", false).unwrap().micros();
        assert_eq!(Money::from_micros(sum).to_f64().to_string(), "59.06");
    }

    #[test]
    fn money_refuses_what_it_cannot_read() {
        for text in [
            "", "-", ".", "abc", "1,234.50", "1e3", "12.3.4", "$5", "NaN", "inf",
        ] {
            assert_eq!(
                parse_money(text, false),
                Err(Problem::NotANumber(text.to_owned())),
                "{text}"
            );
        }
        assert!(parse_money("99999999999999999999", false).is_err());
    }

    #[test]
    fn money_decimal_comma_only_when_asked() {
        assert_eq!(
            parse_money("12,50", true),
            Ok(Money::from_micros(12_500_000))
        );
        assert!(parse_money("12,50", false).is_err());
        assert!(parse_money("1.234,50", true).is_err());
    }

    #[test]
    fn dates_in_both_shapes() {
        assert_eq!(parse_date("1997-01-01"), parse_date("19970101"));
        assert_eq!(parse_date("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(
            parse_date("2026-02-30"),
            Err(Problem::NotARealDay("2026-02-30".into()))
        );
        assert_eq!(
            parse_date("20261301"),
            Err(Problem::NotARealDay("20261301".into()))
        );
        for text in ["2026/01/01", "1.1.2026", "2026-1-1", "", "2026-01-01T10:00"] {
            assert_eq!(
                parse_date(text),
                Err(Problem::NotADate(text.into())),
                "{text}"
            );
        }
    }

    #[test]
    fn ids_follow_the_file_stem_rule() {
        assert_eq!(parse_id(" acme-labs "), Ok("acme-labs"));
        assert_eq!(parse_id("00001"), Ok("00001"));
        for text in ["ACME", "a", "acme labs", "acme_labs", ""] {
            assert!(parse_id(text).is_err(), "{text}");
        }
    }

    #[test]
    fn numbers_and_integers() {
        assert_eq!(parse_number("4.5"), Ok(4.5));
        assert!(parse_number("NaN").is_err());
        assert!(parse_number("inf").is_err());
        assert!(parse_number("four").is_err());
        assert_eq!(parse_integer(" 42 "), Ok(42));
        assert!(parse_integer("4.2").is_err());
    }
}
