//! The agenda as an RFC 5545 calendar: one VTODO (or VEVENT) per
//! follow-up, CRLF line ends, lines folded at 75 octets on UTF-8 character
//! boundaries, TEXT values escaped (`\`, `;`, `,`, newlines). The UID is
//! `<id>-<YYYYMMDD>@kehu` (the due day; `new` for a customer never
//! contacted), so importing a later export updates the entry rather than
//! duplicating it. DTSTAMP is the run's day at midnight UTC, never the
//! clock: the same input gives the same bytes.

use kehu_core::Date;

use crate::plan::Item;
use crate::render::{score, status_word};

/// Which component each follow-up becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// A task due on the follow-up day.
    Todo,
    /// An all-day event on the follow-up day.
    Event,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11). Control characters other
/// than a newline and a tab are dropped; CRLF and CR count as a newline.
pub fn escape(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded to at most 75 octets per physical line (a
/// continuation starts with a space, which counts), then CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    let mut budget = 75;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > budget {
            out.push_str("\r\n ");
            budget = 74;
            used = 0;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

fn compact(day: Date) -> String {
    day.0.format("%Y%m%d").to_string()
}

fn next_day(day: Date) -> Date {
    day.0.succ_opt().map_or(day, Date)
}

/// The stable UID of a follow-up.
pub fn uid(item: &Item<'_>) -> String {
    let when = item.due_on.map_or("new".to_owned(), compact);
    format!("{}-{when}@kehu", item.id)
}

/// The calendar of `items` as of `as_of`.
pub fn calendar(items: &[&Item<'_>], as_of: Date, component: Component) -> String {
    let mut out = String::new();
    let mut line = |text: &str| push_folded(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//kehu//agenda//EN");
    line("CALSCALE:GREGORIAN");
    let stamp = format!("DTSTAMP:{}T000000Z", compact(as_of));
    let name = match component {
        Component::Todo => "VTODO",
        Component::Event => "VEVENT",
    };
    for item in items {
        line(&format!("BEGIN:{name}"));
        line(&format!("UID:{}", escape(&uid(item))));
        line(&stamp);
        match component {
            Component::Todo => {
                line(&format!("DUE;VALUE=DATE:{}", compact(item.day)));
                line("STATUS:NEEDS-ACTION");
            }
            Component::Event => {
                line(&format!("DTSTART;VALUE=DATE:{}", compact(item.day)));
                line(&format!("DTEND;VALUE=DATE:{}", compact(next_day(item.day))));
                line("TRANSP:TRANSPARENT");
            }
        }
        line(&format!(
            "SUMMARY:{}",
            escape(&format!("Follow up {} ({})", item.name, item.id))
        ));
        let mut description = format!(
            "{}; last contact {}; cadence {}; urgency {} ({})",
            status_word(item.status),
            item.last.day.map_or("never".to_owned(), |d| d.to_string()),
            item.cadence_reason(),
            score(item.urgency.score),
            item.urgency
        );
        if let Some(owner) = item.owner {
            description.push_str(&format!("\nowner: {owner}"));
        }
        if let Some(note) = &item.last.note {
            description.push_str(&format!("\nnote: {note}"));
        }
        line(&format!("DESCRIPTION:{}", escape(&description)));
        line(&format!("END:{name}"));
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_on_character_boundaries() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(80));
        push_folded(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{physical:?}");
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a;b,c\\d\r\ne\u{7}"), "a\\;b\\,c\\\\d\\ne");
    }
}
