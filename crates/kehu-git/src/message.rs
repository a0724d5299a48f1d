//! Commit messages with trailers: built by the writer, parsed by the reader.
//!
//! The layout is git's: a subject line, a blank line, a free body, a blank
//! line, and a final paragraph of `Key: value` trailers, which
//! `git interpret-trailers --parse` reads back.

/// The trailer naming the kehu command that made a commit.
pub const COMMAND: &str = "Kehu-Command";
/// One per customer a commit touches.
pub const CUSTOMER: &str = "Kehu-Customer";
/// The channel of a recorded contact.
pub const CONTACT: &str = "Kehu-Contact";
/// Why a grade was set by hand.
pub const REASON: &str = "Kehu-Reason";
/// A complaint recorded with a contact; its reference is the commit's id.
pub const COMPLAINT: &str = "Kehu-Complaint";
/// The id of the complaint commit a contact resolves.
pub const RESOLVED: &str = "Kehu-Resolved";
/// The blob id of `kehu.toml` the change was made under.
pub const RULES: &str = "Kehu-Rules";

/// A commit message split into its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// The first paragraph, on one line.
    pub subject: String,
    /// Everything between the subject and the trailers, trimmed.
    pub body: String,
    /// The trailers in order, as (key, value).
    pub trailers: Vec<(String, String)>,
}

impl Message {
    /// Renders the message git stores: subject, body and trailers separated by
    /// blank lines. Newlines in the subject or in trailer values are folded to
    /// spaces so every trailer stays one `Key: value` line.
    pub fn render(&self) -> String {
        let mut out = one_line(&self.subject);
        let body = self.body.trim();
        if !body.is_empty() {
            out.push_str("\n\n");
            out.push_str(body);
        }
        let trailers: Vec<String> = self
            .trailers
            .iter()
            .filter(|(k, v)| is_token(k) && !v.trim().is_empty())
            .map(|(k, v)| format!("{}: {}", k, one_line(v)))
            .collect();
        if !trailers.is_empty() {
            out.push_str("\n\n");
            out.push_str(&trailers.join("\n"));
        }
        out.push('\n');
        out
    }

    /// Splits a raw commit message into subject, body and trailers. The last
    /// paragraph is a trailer block when every line in it is `Token: value`
    /// (or a continuation line starting with whitespace), as git reads it.
    pub fn parse(raw: &str) -> Message {
        let text = raw.replace("\r\n", "\n");
        let paragraphs = split_paragraphs(&text);
        let Some((first, rest)) = paragraphs.split_first() else {
            return Message::default();
        };
        let subject = first.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let mut rest: Vec<&str> = rest.to_vec();
        let mut trailers = Vec::new();
        if let Some(last) = rest.last()
            && let Some(parsed) = parse_trailer_block(last)
        {
            trailers = parsed;
            rest.pop();
        }
        Message {
            subject,
            body: rest.join("\n\n").trim().to_owned(),
            trailers,
        }
    }

    /// The values of every trailer named `key` (case-insensitive), in order.
    pub fn trailer_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.trailers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of trailer `key`, if any.
    pub fn trailer<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        self.trailer_values(key).next()
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_token(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    let mut last_end = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        match (blank, start) {
            (false, None) => start = Some(offset),
            (true, Some(s)) => {
                out.push(text[s..last_end].trim_end());
                start = None;
            }
            _ => {}
        }
        offset += line.len();
        if !blank {
            last_end = offset;
        }
    }
    if let Some(s) = start {
        out.push(text[s..last_end].trim_end());
    }
    out
}

fn parse_trailer_block(paragraph: &str) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in paragraph.lines() {
        if line.starts_with([' ', '\t']) {
            let (_, value) = out.last_mut()?;
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let (key, value) = line.split_once(':')?;
        let key = key.trim_end();
        if !is_token(key) {
            return None;
        }
        out.push((key.to_owned(), value.trim().to_owned()));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let message = Message {
            subject: "contact: acme by call".into(),
            body: "Quarterly review with the CFO.\n\nRenewal likely in Q1.".into(),
            trailers: vec![
                (COMMAND.into(), "contact".into()),
                (CUSTOMER.into(), "acme".into()),
                (CONTACT.into(), "call\nand more".into()),
            ],
        };
        let raw = message.render();
        assert_eq!(
            raw,
            "contact: acme by call\n\nQuarterly review with the CFO.\n\nRenewal likely in Q1.\n\n\
             Kehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: call and more\n"
        );
        let parsed = Message::parse(&raw);
        assert_eq!(parsed.subject, message.subject);
        assert_eq!(parsed.body, message.body);
        assert_eq!(parsed.trailer(CONTACT), Some("call and more"));
    }

    #[test]
    fn a_plain_message_has_no_trailers() {
        let parsed =
            Message::parse("Fix ACME's region\n\nIt moved: to the east office.\nReally.\n");
        assert!(parsed.trailers.is_empty());
        assert_eq!(parsed.body, "It moved: to the east office.\nReally.");
        let parsed = Message::parse("only a subject");
        assert_eq!(parsed.subject, "only a subject");
        assert!(parsed.body.is_empty());
    }
}
