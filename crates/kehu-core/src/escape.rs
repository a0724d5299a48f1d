//! Escaping customer text for the output formats kehu and its plugins
//! write, so a name like `=HYPERLINK(…)` or `<img src=x onerror=…>` stays
//! inert text. (Plugins reach it as `kehu_plugin_sdk::kehu_core::escape`.)

use std::borrow::Cow;

/// A CSV cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// CR first) gets a leading `'`, as OWASP recommends; plain numbers, negative
/// ones included, stay numbers.
pub fn csv_safe(text: &str) -> Cow<'_, str> {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && text.parse::<f64>().is_err() {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Text for one cell of a Markdown table: `|` and backslashes and the inline
/// markup characters escaped, line breaks as spaces, and `<`, `>`, `&` as
/// HTML entities (Markdown passes raw HTML through to the page).
pub fn markdown_cell(text: &str) -> String {
    let mut cell = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\r' => cell.push(' '),
            '<' => cell.push_str("&lt;"),
            '>' => cell.push_str("&gt;"),
            '&' => cell.push_str("&amp;"),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' => {
                cell.push('\\');
                cell.push(ch);
            }
            other => cell.push(other),
        }
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_kept() {
        assert_eq!(csv_safe("=1+2"), "'=1+2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-12.5"), "-12.5");
        assert_eq!(csv_safe("-x"), "'-x");
        assert_eq!(csv_safe("ACME"), "ACME");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_hold_html() {
        assert_eq!(
            markdown_cell("<img src=x onerror=alert(1)> | `x`\nnext"),
            "&lt;img src=x onerror=alert(1)&gt; \\| \\`x\\` next"
        );
    }
}
