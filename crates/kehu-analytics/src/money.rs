//! Money as integer cents, so that sums and comparisons of shares are exact
//! and no float rounding moves a grade boundary.

use kehu_core::expr::format_number;

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
    format_number(cents as f64 / 100.0)
}

/// Formats a share in 0..1 as a percentage with one decimal: `0.782` → `78.2%`.
pub fn format_percent(share: f64) -> String {
    let text = format!("{:.1}", share * 100.0);
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}%")
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
    }
}
