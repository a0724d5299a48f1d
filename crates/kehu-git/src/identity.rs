//! Who a commit is by and when: git config, the `GIT_AUTHOR_*` /
//! `GIT_COMMITTER_*` environment git itself honours, and `--author`.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use git2::{Repository, Signature, Time};

use crate::error::GitError;

/// A name and email, as in `Name <email>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The display name.
    pub name: String,
    /// The email address.
    pub email: String,
}

impl Person {
    /// Parses `Name <email>`, the form of `git commit --author`.
    pub fn parse(value: &str) -> Result<Person, GitError> {
        let bad = || GitError::BadAuthor {
            value: value.to_owned(),
        };
        let value_trimmed = value.trim();
        let open = value_trimmed.find('<').ok_or_else(bad)?;
        let rest = value_trimmed[open + 1..]
            .strip_suffix('>')
            .ok_or_else(bad)?;
        let name = value_trimmed[..open].trim();
        let email = rest.trim();
        if name.is_empty() || email.contains(['<', '>']) || name.contains(['<', '>', '\n']) {
            return Err(bad());
        }
        Ok(Person {
            name: name.to_owned(),
            email: email.to_owned(),
        })
    }
}

/// The author and committer signatures for a new commit.
pub(crate) fn signatures(
    repo: &Repository,
    env: &dyn Fn(&str) -> Option<String>,
    author_override: Option<&str>,
    when: Option<&str>,
) -> Result<(Signature<'static>, Signature<'static>), GitError> {
    let config = repo
        .config()
        .map_err(|e| GitError::backend("reading git config", e.message()))?;
    let config_name = config.get_string("user.name").ok();
    let config_email = config.get_string("user.email").ok();
    let from_env = |var: &str, fallback: &Option<String>| {
        env(var)
            .filter(|v| !v.is_empty())
            .or_else(|| fallback.clone())
    };
    let committer_name = from_env("GIT_COMMITTER_NAME", &config_name);
    let committer_email = from_env("GIT_COMMITTER_EMAIL", &config_email);
    let author = match author_override {
        Some(value) => Person::parse(value)?,
        None => Person {
            name: from_env("GIT_AUTHOR_NAME", &config_name).ok_or(GitError::NoIdentity)?,
            email: from_env("GIT_AUTHOR_EMAIL", &config_email).ok_or(GitError::NoIdentity)?,
        },
    };
    let committer = Person {
        name: committer_name.ok_or(GitError::NoIdentity)?,
        email: committer_email.ok_or(GitError::NoIdentity)?,
    };
    let now = Utc::now().timestamp();
    let fixed = match when {
        Some(value) => Some(parse_git_date(value).ok_or_else(|| GitError::BadDate {
            variable: "date".to_owned(),
            value: value.to_owned(),
        })?),
        None => None,
    };
    let author_time = match fixed {
        Some(t) => t,
        None => time_from_env(env, "GIT_AUTHOR_DATE")?.unwrap_or_else(|| Time::new(now, 0)),
    };
    let committer_time = match fixed {
        Some(t) => t,
        None => time_from_env(env, "GIT_COMMITTER_DATE")?.unwrap_or_else(|| Time::new(now, 0)),
    };
    let sign = |p: &Person, t: &Time| {
        Signature::new(&p.name, &p.email, t)
            .map_err(|e| GitError::backend("making a signature", e.message()))
    };
    Ok((
        sign(&author, &author_time)?,
        sign(&committer, &committer_time)?,
    ))
}

fn time_from_env(
    env: &dyn Fn(&str) -> Option<String>,
    variable: &str,
) -> Result<Option<Time>, GitError> {
    match env(variable) {
        Some(value) if !value.trim().is_empty() => {
            parse_git_date(&value)
                .map(Some)
                .ok_or_else(|| GitError::BadDate {
                    variable: variable.to_owned(),
                    value,
                })
        }
        _ => Ok(None),
    }
}

/// Parses the date forms tests and scripts give git: `@1700000000 +0100`,
/// `1700000000 +0100`, RFC 3339 / ISO 8601 (`2026-11-18T10:00:00+01:00`,
/// `2026-11-18 10:00:00 +0100`) and RFC 2822. A date without a zone is UTC.
pub(crate) fn parse_git_date(value: &str) -> Option<Time> {
    let value = value.trim();
    let raw = value.strip_prefix('@').unwrap_or(value);
    let mut parts = raw.split_whitespace();
    if let (Some(secs), zone) = (parts.next(), parts.next())
        && let Ok(secs) = secs.parse::<i64>()
    {
        if parts.next().is_some() {
            return None;
        }
        let offset = match zone {
            Some(zone) => parse_zone(zone)?,
            None => 0,
        };
        return Some(Time::new(secs, offset));
    }
    let to_time =
        |dt: DateTime<FixedOffset>| Time::new(dt.timestamp(), dt.offset().local_minus_utc() / 60);
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(to_time(dt));
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        return Some(to_time(dt));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S %z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Some(to_time(dt));
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
            return Some(to_time(Utc.from_utc_datetime(&naive).fixed_offset()));
        }
    }
    None
}

/// `+0100` / `-0530` → minutes east of UTC.
fn parse_zone(zone: &str) -> Option<i32> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_authors() {
        let p = Person::parse("Ada Lovelace <ada@example.com>").unwrap();
        assert_eq!(p.name, "Ada Lovelace");
        assert_eq!(p.email, "ada@example.com");
        assert!(Person::parse("Ada").is_err());
        assert!(Person::parse("<ada@example.com>").is_err());
    }

    #[test]
    fn parses_git_dates() {
        let t = parse_git_date("@1700000000 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 60));
        let t = parse_git_date("2026-11-18T10:00:00+01:00").unwrap();
        assert_eq!(t.offset_minutes(), 60);
        let t2 = parse_git_date("2026-11-18 10:00:00 +0100").unwrap();
        assert_eq!(t.seconds(), t2.seconds());
        let t3 = parse_git_date("Wed, 18 Nov 2026 10:00:00 +0100").unwrap();
        assert_eq!(t.seconds(), t3.seconds());
        assert!(parse_git_date("last tuesday").is_none());
    }
}
