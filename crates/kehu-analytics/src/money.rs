//! Money as integer cents, so that sums and comparisons of shares are exact
//! and no float rounding moves a grade boundary.

use std::fmt;

use kehu_core::expr::Number;

/// Converts an amount in the book's currency to whole cents, rounding half
/// away from zero. A missing or non-finite amount counts as zero.
pub fn cents(amount: Option<f64>) -> i64 {
    match amount {
        Some(a) if a.is_finite() => (a * 100.0).round() as i64,
        _ => 0,
    }
}

/// Formats cents as an amount for reasons: `125000000` → `1,250,000`,
/// `1050` → `10.5`.
pub fn format_cents(cents: i64) -> String {
    Cents(cents).to_string()
}

/// Cents written as [`format_cents`] does, straight into a formatter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cents(pub i64);

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Number(self.0 as f64 / 100.0).fmt(f)
    }
}

/// Formats a share in 0..1 as a percentage with one decimal: `0.782` → `78.2%`.
pub fn format_percent(share: f64) -> String {
    Percent(share).to_string()
}

/// A share written as [`format_percent`] does, straight into a formatter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percent(pub f64);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = self.0 * 100.0;
        let tenths = percent * 10.0;
        // Rounding the tenths in integers agrees with `{:.1}` (which rounds
        // the exact decimal value, ties to even) except near a tie, where
        // the multiplication by ten may have moved the value across it:
        // there, and for values no integer holds, ask `{:.1}` itself.
        let near_tie = (tenths - tenths.trunc()).abs() - 0.5;
        if !tenths.is_finite() || tenths.abs() >= 1e15 || near_tie.abs() < 1e-6 {
            let text = format!("{percent:.1}");
            let text = text.strip_suffix(".0").unwrap_or(&text);
            return write!(f, "{text}%");
        }
        let tenths = tenths.round() as i64;
        // `{:.1}` keeps the sign of a negative value that rounds to zero.
        let sign = if percent.is_sign_negative() { "-" } else { "" };
        let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        if tenth == 0 {
            write!(f, "{sign}{whole}%")
        } else {
            write!(f, "{sign}{whole}.{tenth}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_cents_and_formats() {
        assert_eq!(cents(Some(1_250_000.0)), 125_000_000);
        assert_eq!(cents(Some(19.99)), 1999);
        assert_eq!(cents(Some(-2.5)), -250);
        assert_eq!(cents(None), 0);
        assert_eq!(cents(Some(f64::NAN)), 0);
        assert_eq!(format_cents(125_000_000), "1,250,000");
        assert_eq!(format_cents(1050), "10.5");
        assert_eq!(format_percent(0.782), "78.2%");
        assert_eq!(format_percent(0.8), "80%");
        assert_eq!(format_percent(1.0), "100%");
        assert_eq!(format_percent(0.0), "0%");
        assert_eq!(format_percent(-0.0004), "-0%");
        assert_eq!(format_percent(0.0025), "0.2%");
        assert_eq!(format_percent(0.0075), "0.8%");
    }

    #[test]
    fn percent_agrees_with_rounding_the_exact_decimal() {
        // A deterministic sweep over shares, ties and near-ties included.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let share = match i % 3 {
                0 => (x >> 11) as f64 / (1u64 << 53) as f64,
                1 => (i as f64) / 4000.0 - 0.5,
                _ => (i % 4001) as f64 / 4000.0 + 1e-15,
            };
            let text = format!("{:.1}", share * 100.0);
            let want = format!("{}%", text.strip_suffix(".0").unwrap_or(&text));
            assert_eq!(format_percent(share), want, "share {share:e}");
        }
    }
}
