//! Checks that generated ICS and HTML are well formed and that no customer
//! text escapes its place (each returns what is wrong, or `Ok`).

/// Checks an iCalendar document (RFC 5545): CRLF line ends, content lines of
/// at most 75 octets folded with a leading space, `NAME[;params]:value`
/// lines, balanced BEGIN/END, no control characters, and TEXT values with
/// only the escapes `\\ \; \, \n`.
pub fn check_ics(ics: &str) -> Result<(), String> {
    if !ics.starts_with("BEGIN:VCALENDAR\r\n") || !ics.ends_with("END:VCALENDAR\r\n") {
        return Err("not wrapped in BEGIN/END:VCALENDAR with CRLF".into());
    }
    let mut logical: Vec<String> = Vec::new();
    for line in ics[..ics.len() - 2].split("\r\n") {
        if line.len() > 75 {
            return Err(format!("line of {} octets: {line:?}", line.len()));
        }
        if line
            .chars()
            .any(|c| (c.is_control() && c != '\t') || c == '\u{7f}')
        {
            return Err(format!("control character in {line:?}"));
        }
        match line.strip_prefix([' ', '\t']) {
            Some(rest) => match logical.last_mut() {
                Some(last) => last.push_str(rest),
                None => return Err("a continuation line first".into()),
            },
            None => logical.push(line.to_owned()),
        }
    }
    let mut open: Vec<String> = Vec::new();
    for line in &logical {
        let Some(colon) = value_colon(line) else {
            return Err(format!("no `:` in {line:?}"));
        };
        let head = &line[..colon];
        let value = &line[colon + 1..];
        let name = head.split(';').next().unwrap_or_default();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!("bad property name in {line:?}"));
        }
        match name {
            "BEGIN" => open.push(value.to_owned()),
            "END" => {
                if open.pop().as_deref() != Some(value) {
                    return Err(format!("unbalanced END:{value}"));
                }
            }
            "SUMMARY" | "DESCRIPTION" | "LOCATION" | "COMMENT" | "CATEGORIES" => {
                text_value(value).map_err(|e| format!("{e} in {line:?}"))?;
            }
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(format!("unclosed {open:?}"));
    }
    Ok(())
}

/// The `:` that ends a property's name and parameters (a parameter value
/// may hold a `:` inside double quotes).
fn value_colon(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn text_value(value: &str) -> Result<(), String> {
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\' | ';' | ',' | 'n' | 'N') => {}
                other => return Err(format!("bad escape \\{other:?}")),
            },
            ';' | ',' => return Err(format!("unescaped `{c}`")),
            _ => {}
        }
    }
    Ok(())
}

/// Tags a report page may hold.
const HTML_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "footer",
    "section",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "div",
    "span",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "svg",
    "g",
    "rect",
    "line",
    "path",
    "text",
    "polyline",
    "circle",
    "figure",
    "figcaption",
    "small",
    "strong",
    "em",
    "code",
    "abbr",
    "time",
    "details",
    "summary",
    "colgroup",
    "col",
    "br",
    "hr",
    "dl",
    "dt",
    "dd",
    "a",
    "article",
    "aside",
    "desc",
];

/// Checks an HTML page: every `<` opens a known tag, a closing tag or a
/// comment/doctype; every tag's attributes are `name="value"` with no raw
/// `<` or `"` inside; every `&` starts an entity; no `<script`; `<style>`
/// content holds no `<`. `marker` (text the caller put in customer data)
/// must never appear unescaped.
pub fn check_html(html: &str, marker: &str) -> Result<(), String> {
    if html.contains(marker) {
        return Err(format!("the marker {marker:?} appears unescaped"));
    }
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => i = tag(html, i)?,
            b'&' => {
                let rest = &html[i + 1..];
                let end = rest.find(';').filter(|&e| e > 0 && e <= 10);
                let ok = end.is_some_and(|e| {
                    let name = &rest[..e];
                    name.bytes().all(|b| b.is_ascii_alphanumeric())
                        || (name.starts_with('#')
                            && name[1..]
                                .bytes()
                                .all(|b| b.is_ascii_hexdigit() || b == b'x'))
                });
                if !ok {
                    return Err(format!("bare `&` at {i}: {:?}", clip(rest)));
                }
                i += 1;
            }
            b'>' => return Err(format!("bare `>` at {i}: {:?}", clip(&html[i..]))),
            _ => i += 1,
        }
    }
    Ok(())
}

/// Reads the tag at `start` (a `<`); returns the index after it.
fn tag(html: &str, start: usize) -> Result<usize, String> {
    let rest = &html[start..];
    if let Some(body) = rest.strip_prefix("<!--") {
        let end = body.find("-->").ok_or("unclosed comment")?;
        return Ok(start + 4 + end + 3);
    }
    if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("<!doctype") {
        let end = rest.find('>').ok_or("unclosed doctype")?;
        return Ok(start + end + 1);
    }
    let closing = rest.starts_with("</");
    let name_start = if closing { 2 } else { 1 };
    let name_len = rest[name_start..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
    if !HTML_TAGS.contains(&name.as_str()) {
        return Err(format!("unexpected tag at {start}: {:?}", clip(rest)));
    }
    let end = rest.find('>').ok_or("unclosed tag")?;
    let inside = &rest[name_start + name_len..end];
    if inside.contains('<') {
        return Err(format!("`<` inside a tag at {start}: {:?}", clip(rest)));
    }
    attributes(inside).map_err(|e| format!("{e} in tag at {start}: {:?}", clip(rest)))?;
    let after = start + end + 1;
    if name == "style" && !closing {
        let close = html[after..].find("</style>").ok_or("unclosed style")?;
        if html[after..after + close].contains('<') {
            return Err("`<` inside a style block".into());
        }
        return Ok(after + close);
    }
    Ok(after)
}

/// `name="value"` pairs (or bare names), separated by whitespace, an optional `/` last.
fn attributes(mut s: &str) -> Result<(), String> {
    loop {
        s = s.trim_start();
        if s.is_empty() || s == "/" {
            return Ok(());
        }
        let name_len = s
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_'))
            .count();
        if name_len == 0 {
            return Err(format!("bad attribute {:?}", clip(s)));
        }
        let name = &s[..name_len];
        if name.to_ascii_lowercase().starts_with("on") {
            return Err(format!("event handler attribute {name}"));
        }
        s = &s[name_len..];
        if let Some(value) = s.strip_prefix("=\"") {
            let end = value.find('"').ok_or("unclosed attribute value")?;
            s = &value[end + 1..];
            if !s.is_empty() && !s.starts_with(char::is_whitespace) && s != "/" {
                return Err(format!("junk after attribute {name}: {:?}", clip(s)));
            }
        } else if !s.is_empty() && !s.starts_with(char::is_whitespace) {
            return Err(format!("bad attribute value for {name}: {:?}", clip(s)));
        }
    }
}

fn clip(s: &str) -> &str {
    let mut end = s.len().min(80);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_checks_catch_injection() {
        assert!(check_html("<p title=\"a\">x &amp; y</p>", "<fz>").is_ok());
        assert!(check_html("<p><img src=x onerror=alert(1)></p>", "<fz>").is_err());
        assert!(check_html("<p title=\"a\"b\">x</p>", "<fz>").is_err());
        assert!(check_html("<p>a & b</p>", "<fz>").is_err());
        assert!(check_html("<p><fz>x</p>", "<fz>").is_err());
        assert!(check_html("<p>x > y</p>", "<fz>").is_err());
    }

    #[test]
    fn ics_checks_catch_bad_lines() {
        let good = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:a\\, b\\; c\r\n \\nd\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(check_ics(good), Ok(()));
        assert!(check_ics(&good.replace("\\;", ";")).is_err());
        assert!(check_ics(&good.replace("\\,", ",")).is_err());
        assert!(check_ics(&good.replace("\\nd", "\nd")).is_err());
        assert!(
            check_ics(&good.replace("SUMMARY:a", &format!("SUMMARY:{}", "a".repeat(80)))).is_err()
        );
        assert!(check_ics(&good.replace("END:VEVENT\r\n", "")).is_err());
    }
}
