//! Tokens of the condition language, each with its byte offset.

use super::{CmpOp, ExprError, format_number};
use crate::Date;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Ident(String),
    Number(f64),
    Str(String),
    Date(Date),
    Op(CmpOp),
    And,
    Or,
    Not,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl Kind {
    /// The token in words, for error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            Kind::Ident(s) => format!("identifier `{s}`"),
            Kind::Number(n) => format!("number {}", format_number(*n)),
            Kind::Str(s) => format!("string \"{s}\""),
            Kind::Date(d) => format!("date {d}"),
            Kind::Op(op) => format!("`{}`", op.symbol()),
            Kind::And => "`and`".into(),
            Kind::Or => "`or`".into(),
            Kind::Not => "`not`".into(),
            Kind::In => "`in`".into(),
            Kind::LParen => "`(`".into(),
            Kind::RParen => "`)`".into(),
            Kind::LBracket => "`[`".into(),
            Kind::RBracket => "`]`".into(),
            Kind::Comma => "`,`".into(),
        }
    }
}

/// A token and the byte offset where it starts.
#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) offset: usize,
}

/// Splits a condition into tokens.
pub(super) fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = |kind: Kind| Token {
            kind,
            offset: start,
        };
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                tokens.push(single(Kind::LParen));
                i += 1;
            }
            b')' => {
                tokens.push(single(Kind::RParen));
                i += 1;
            }
            b'[' => {
                tokens.push(single(Kind::LBracket));
                i += 1;
            }
            b']' => {
                tokens.push(single(Kind::RBracket));
                i += 1;
            }
            b',' => {
                tokens.push(single(Kind::Comma));
                i += 1;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    (b'=', Some(b'=')) => (CmpOp::Eq, 2),
                    (b'!', Some(b'=')) => (CmpOp::Ne, 2),
                    (b'<', Some(b'=')) => (CmpOp::Le, 2),
                    (b'>', Some(b'=')) => (CmpOp::Ge, 2),
                    (b'<', _) => (CmpOp::Lt, 1),
                    (b'>', _) => (CmpOp::Gt, 1),
                    (b'=', _) => {
                        return Err(ExprError::new(start, "`=` is not an operator; use `==`"));
                    }
                    _ => {
                        return Err(ExprError::new(
                            start,
                            "`!` is not an operator; use `not` or `!=`",
                        ));
                    }
                };
                tokens.push(single(Kind::Op(op)));
                i += len;
            }
            b'"' | b'\'' => {
                let (s, next) = lex_string(text, start)?;
                tokens.push(single(Kind::Str(s)));
                i = next;
            }
            b'-' | b'0'..=b'9' | b'.' => {
                let (kind, next) = lex_number(text, start)?;
                tokens.push(single(kind));
                i = next;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let kind = match word {
                    "and" => Kind::And,
                    "or" => Kind::Or,
                    "not" => Kind::Not,
                    "in" => Kind::In,
                    _ => Kind::Ident(word.to_owned()),
                };
                tokens.push(single(kind));
            }
            _ => {
                let ch = text[start..].chars().next().unwrap_or('?');
                let hint = match ch {
                    '&' => "; use `and`",
                    '|' => "; use `or`",
                    _ => "",
                };
                return Err(ExprError::new(
                    start,
                    format!("unexpected character `{ch}`{hint}"),
                ));
            }
        }
    }
    Ok(tokens)
}

fn lex_string(text: &str, start: usize) -> Result<(String, usize), ExprError> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((rel, ch)) = chars.next() {
        let at = start + 1 + rel;
        if ch == quote {
            return Ok((out, at + 1));
        }
        if ch == '\\' {
            let Some((_, esc)) = chars.next() else {
                break;
            };
            out.push(match esc {
                '"' => '"',
                '\'' => '\'',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                other => {
                    return Err(ExprError::new(
                        at,
                        format!("unknown escape `\\{other}` in a string"),
                    ));
                }
            });
        } else {
            out.push(ch);
        }
    }
    Err(ExprError::new(start, "string is not closed"))
}

fn lex_number(text: &str, start: usize) -> Result<(Kind, usize), ExprError> {
    let bytes = text.as_bytes();
    // A bare date: exactly YYYY-MM-DD, not followed by more of a word.
    if bytes.len() >= start + 10 {
        let cand = &bytes[start..start + 10];
        let shape = cand.iter().enumerate().all(|(k, b)| {
            if k == 4 || k == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        let ends = bytes
            .get(start + 10)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'));
        if shape && ends {
            let s = &text[start..start + 10];
            return s
                .parse::<Date>()
                .map(|d| (Kind::Date(d), start + 10))
                .map_err(|_| ExprError::new(start, format!("`{s}` is not a real day")));
        }
    }
    let mut i = start;
    if bytes[i] == b'-' {
        i += 1;
    }
    let digits_from = i;
    let mut clean = String::new();
    if bytes[start] == b'-' {
        clean.push('-');
    }
    let mut seen_dot = false;
    let mut last_was_digit = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            clean.push(b as char);
            last_was_digit = true;
        } else if b == b'_' {
            if !last_was_digit {
                return Err(ExprError::new(i, "`_` must stand between digits"));
            }
            last_was_digit = false;
        } else if b == b'.' && !seen_dot {
            if !last_was_digit {
                return Err(ExprError::new(i, "a decimal point needs digits before it"));
            }
            seen_dot = true;
            last_was_digit = false;
            clean.push('.');
        } else {
            break;
        }
        i += 1;
    }
    if i == digits_from {
        return Err(ExprError::new(start, "`-` must be followed by a number"));
    }
    if !last_was_digit {
        return Err(ExprError::new(
            i - 1,
            "a number must end with a digit (no trailing `_` or `.`)",
        ));
    }
    if bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return Err(ExprError::new(
            i,
            "a number runs into a word; separate them with a space",
        ));
    }
    clean
        .parse::<f64>()
        .map(|n| (Kind::Number(n), i))
        .map_err(|_| ExprError::new(start, format!("`{}` is not a number", &text[start..i])))
}
