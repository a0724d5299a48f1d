//! The agenda as an RFC 5545 calendar: one VTODO (or VEVENT) per
//! follow-up, CRLF line ends, lines folded at 75 octets on UTF-8 character
//! boundaries, TEXT values escaped (`\`, `;`, `,`, newlines). The UID is
//! `<id>-<YYYYMMDD>@kehu` (the due day; `new` for a customer never
//! contacted), so importing a later export updates the entry rather than
//! duplicating it. DTSTAMP is the run's day at midnight UTC, never the
//! clock: the same input gives the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use kehu_core::Date;

use crate::plan::Item;
use crate::render::{day_text, score, status_word, touch, write_in_order};

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
    let mut out = String::with_capacity(text.len());
    let mut escaped = Escaped::new(&mut out);
    escaped.push_str(text);
    escaped.finish();
    out
}

/// A TEXT value escaped as it is written (see [`escape`]) onto the end of
/// a line: the parts of a value go in one after the other, with no string
/// made for the whole value.
struct Escaped<'o> {
    out: &'o mut String,
    /// A CR was written last: a newline, unless an LF follows (CRLF).
    cr: bool,
}

impl<'o> Escaped<'o> {
    fn new(out: &'o mut String) -> Escaped<'o> {
        Escaped { out, cr: false }
    }

    fn push_str(&mut self, text: &str) {
        // Most text needs no escaping: copied at once.
        if !self.cr && plain(text) {
            self.out.push_str(text);
            return;
        }
        for c in text.chars() {
            self.push(c);
        }
    }

    fn push(&mut self, c: char) {
        if std::mem::take(&mut self.cr) {
            self.out.push_str("\\n");
            if c == '\n' {
                return;
            }
        }
        match c {
            '\\' => self.out.push_str("\\\\"),
            ';' => self.out.push_str("\\;"),
            ',' => self.out.push_str("\\,"),
            '\n' => self.out.push_str("\\n"),
            '\r' => self.cr = true,
            '\t' => self.out.push('\t'),
            c if c.is_control() => {}
            c => self.out.push(c),
        }
    }

    /// Ends the value (a CR last is a newline).
    fn finish(self) {
        if self.cr {
            self.out.push_str("\\n");
        }
    }
}

/// Whether `text` is printable ASCII with nothing to escape.
fn plain(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'\\' | b';' | b','))
}

impl std::fmt::Write for Escaped<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

/// Appends `line` folded to at most 75 octets per physical line (a
/// continuation starts with a space, which counts), then CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    if line.len() <= 75 {
        out.push_str(line);
        out.push_str("\r\n");
        return;
    }
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

/// `day` as `YYYYMMDD`.
fn compact(day: Date) -> String {
    let mut out = String::with_capacity(8);
    push_compact(&mut out, day);
    out
}

/// Appends `day` as `YYYYMMDD` (chrono's `%Y%m%d`).
fn push_compact(out: &mut String, day: Date) {
    match day_text(day) {
        Some(text) => out.extend(
            text[..4]
                .iter()
                .chain(&text[5..7])
                .chain(&text[8..])
                .map(|&b| char::from(b)),
        ),
        // Writing into a String cannot fail.
        None => {
            let _ = write!(out, "{}", day.0.format("%Y%m%d"));
        }
    }
}

/// Writes `day` as `Date`'s Display does.
fn push_day_escaped(out: &mut Escaped<'_>, day: Date) {
    match day_text(day).as_ref().map(|text| std::str::from_utf8(text)) {
        Some(Ok(text)) => out.push_str(text),
        _ => {
            let _ = write!(out, "{day}");
        }
    }
}

fn next_day(day: Date) -> Date {
    day.0.succ_opt().map_or(day, Date)
}

/// The stable UID of a follow-up.
pub fn uid(item: &Item<'_>) -> String {
    let mut out = String::new();
    push_uid(&mut out, item);
    out
}

/// Appends the UID of a follow-up.
fn push_uid(out: &mut String, item: &Item<'_>) {
    out.push_str(item.id);
    out.push('-');
    match item.due_on {
        Some(day) => push_compact(out, day),
        None => out.push_str("new"),
    }
    out.push_str("@kehu");
}

/// The calendar of `items` as of `as_of`.
pub fn calendar(items: &[&Item<'_>], as_of: Date, component: Component) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_calendar(items, as_of, component, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`calendar`] written to `out` as it is made (the calendar of a large
/// book runs to tens of megabytes): the components of consecutive items
/// are made in parallel tasks, written out in order.
pub fn write_calendar(
    items: &[&Item<'_>],
    as_of: Date,
    component: Component,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut head = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//kehu//agenda//EN",
        "CALSCALE:GREGORIAN",
    ] {
        push_folded(&mut head, line);
    }
    out.write_all(head.as_bytes())?;
    let stamp = format!("DTSTAMP:{}T000000Z", compact(as_of));
    write_in_order(items.len(), out, |from, to| {
        touch(&items[from..to]);
        let mut text = String::new();
        let mut line = String::new();
        for item in &items[from..to] {
            push_component(&mut text, &mut line, item, &stamp, component);
        }
        Ok(text.into_bytes())
    })?;
    let mut tail = String::new();
    push_folded(&mut tail, "END:VCALENDAR");
    out.write_all(tail.as_bytes())
}

/// Appends one follow-up's component; `line` is a reused buffer.
fn push_component(
    out: &mut String,
    line: &mut String,
    item: &Item<'_>,
    stamp: &str,
    component: Component,
) {
    let name = match component {
        Component::Todo => "VTODO",
        Component::Event => "VEVENT",
    };
    // Writing into a String cannot fail.
    let put = |out: &mut String, line: &mut String| {
        push_folded(out, line);
        line.clear();
    };
    let _ = write!(line, "BEGIN:{name}");
    put(out, line);
    // Only the id may need escaping: the rest of a UID is digits, `-`,
    // `@` and letters.
    line.push_str("UID:");
    let at = line.len();
    push_uid(line, item);
    if !plain(&line[at..]) {
        let raw = line.split_off(at);
        let mut escaped = Escaped::new(line);
        escaped.push_str(&raw);
        escaped.finish();
    }
    put(out, line);
    push_folded(out, stamp);
    let day = |line: &mut String, label: &str, day: Date| {
        line.push_str(label);
        push_compact(line, day);
    };
    match component {
        Component::Todo => {
            day(line, "DUE;VALUE=DATE:", item.day);
            put(out, line);
            push_folded(out, "STATUS:NEEDS-ACTION");
        }
        Component::Event => {
            day(line, "DTSTART;VALUE=DATE:", item.day);
            put(out, line);
            day(line, "DTEND;VALUE=DATE:", next_day(item.day));
            put(out, line);
            push_folded(out, "TRANSP:TRANSPARENT");
        }
    }
    line.push_str("SUMMARY:");
    let mut summary = Escaped::new(line);
    let _ = write!(summary, "Follow up {} ({})", item.name, item.id);
    summary.finish();
    put(out, line);
    line.push_str("DESCRIPTION:");
    let mut description = Escaped::new(line);
    let _ = write!(description, "{}; last contact ", status_word(item.status));
    match item.last.day {
        Some(day) => push_day_escaped(&mut description, day),
        None => description.push_str("never"),
    }
    let _ = write!(
        description,
        "; cadence {}; urgency {} ({})",
        item.choice,
        score(item.urgency.score),
        item.urgency
    );
    if let Some(owner) = item.owner {
        let _ = write!(description, "\nowner: {owner}");
    }
    if let Some(note) = &item.last.note {
        let _ = write!(description, "\nnote: {note}");
    }
    description.finish();
    put(out, line);
    let _ = write!(line, "END:{name}");
    put(out, line);
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

    /// A value escaped in parts, in any cut, is the whole value escaped:
    /// CRLF and CR are one newline each even across a cut.
    #[test]
    fn a_value_escapes_alike_in_parts() {
        for text in [
            "a\r\nb",
            "a\r\r\nb\r",
            "\r\u{7}\n;,\\ é\u{85}x\t",
            "plain text, with a comma",
            "",
        ] {
            let whole = escape(text);
            for cut in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                let mut out = String::new();
                let mut parts = Escaped::new(&mut out);
                parts.push_str(&text[..cut]);
                parts.push_str(&text[cut..]);
                parts.finish();
                assert_eq!(out, whole, "{text:?} cut at {cut}");
            }
        }
        assert_eq!(escape("a\r\r\nb\r"), "a\\n\\nb\\n");
        assert_eq!(escape("\r\u{7}\n;"), "\\n\\n\\;");
    }
}
