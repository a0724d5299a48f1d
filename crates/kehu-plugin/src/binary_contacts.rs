//! The binary answer to `last_contacts` (encoding
//! [`CONTACTS_BINARY`](crate::protocol::CONTACTS_BINARY)): the same
//! [`LastContacts`] as the JSON answer, without a date written as text or
//! a field name per customer. The agenda asks for a hundred thousand
//! records at once, and JSON took most of the time of the call.
//!
//! Layout: magic `KEHUCONT`, layout version u32 (1, little-endian), then
//! postcard of the records, each `(id, contact, field)` with days as day
//! numbers ([`crate::wire::day_number`]). A JSON document never starts
//! with the magic, so a reader tells the two answers apart
//! ([`LastContacts::from_answer`]).

use serde::Serialize;

use crate::protocol::{ContactWrite, LastContacts, LoggedContact, ProtocolError, SCHEMA};
use crate::wire::{day_number, from_day_number};

/// The first bytes of a binary `last_contacts` answer.
pub const MAGIC: &[u8; 8] = b"KEHUCONT";
/// The layout version after the magic.
const VERSION: u32 = 1;

/// One customer's record: id, contact day, and the `contact.last` write
/// (its day, if any, and whether it was bookkeeping).
type Record<S> = (S, Option<i32>, Option<(Option<i32>, bool)>);

fn invalid(reason: impl Into<String>) -> ProtocolError {
    ProtocolError::InvalidBinary {
        what: "last_contacts answer",
        reason: reason.into(),
    }
}

/// The records of an answer, borrowed as they are written.
struct Records<'a>(&'a [LoggedContact]);

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|c| -> Record<&str> {
            (
                &c.id,
                c.contact.map(day_number),
                c.field.map(|w| (w.value.map(day_number), w.bookkeeping)),
            )
        }))
    }
}

/// Encodes an answer in the binary layout.
pub fn encode(answer: &LastContacts) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + answer.customers.len() * 24);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    postcard::to_extend(&Records(&answer.customers), out).map_err(|e| invalid(e.to_string()))
}

/// Whether `bytes` are a binary answer (rather than JSON).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Reads a binary answer.
pub fn decode(bytes: &[u8]) -> Result<LastContacts, ProtocolError> {
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| invalid("not a binary answer"))?;
    let (version, body) = body
        .split_first_chunk::<4>()
        .ok_or_else(|| invalid("no layout version"))?;
    let version = u32::from_le_bytes(*version);
    if version != VERSION {
        return Err(invalid(format!(
            "layout version {version}, expected {VERSION}"
        )));
    }
    let records: Vec<Record<String>> =
        postcard::from_bytes(body).map_err(|e| invalid(e.to_string()))?;
    let day = |id: &str, days: i32| {
        from_day_number(days).ok_or_else(|| invalid(format!("{id}: day {days} out of range")))
    };
    let customers = records
        .into_iter()
        .map(|(id, contact, field)| {
            let contact = contact.map(|d| day(&id, d)).transpose()?;
            let field = match field {
                None => None,
                Some((value, bookkeeping)) => Some(ContactWrite {
                    value: value.map(|d| day(&id, d)).transpose()?,
                    bookkeeping,
                }),
            };
            Ok(LoggedContact { id, contact, field })
        })
        .collect::<Result<Vec<_>, ProtocolError>>()?;
    Ok(LastContacts {
        schema: SCHEMA.to_owned(),
        customers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip_and_are_told_from_json() {
        let day = |text: &str| text.parse().ok();
        let answer = LastContacts {
            schema: SCHEMA.to_owned(),
            customers: vec![
                LoggedContact {
                    id: "acme".into(),
                    contact: day("2026-11-18"),
                    field: Some(ContactWrite {
                        value: day("2026-11-18"),
                        bookkeeping: false,
                    }),
                },
                LoggedContact {
                    id: "中山钢铁".into(),
                    contact: None,
                    field: Some(ContactWrite {
                        value: None,
                        bookkeeping: true,
                    }),
                },
                LoggedContact {
                    id: "zeta".into(),
                    contact: day("0001-01-01"),
                    field: None,
                },
            ],
        };
        let bytes = encode(&answer).unwrap();
        assert!(is_binary(&bytes));
        assert!(!is_binary(&answer.to_json()));
        assert_eq!(decode(&bytes).unwrap(), answer);
        assert_eq!(LastContacts::from_answer(&bytes).unwrap(), answer);
        assert_eq!(
            LastContacts::from_answer(&answer.to_json()).unwrap(),
            answer
        );
        let empty = LastContacts {
            schema: SCHEMA.to_owned(),
            customers: Vec::new(),
        };
        assert_eq!(decode(&encode(&empty).unwrap()).unwrap(), empty);
        // A truncated answer, a later layout and a day out of range fail.
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut later = bytes.clone();
        later[MAGIC.len()] = 2;
        assert!(decode(&later).is_err());
        assert!(decode(b"KEHUCONT").is_err());
        let mut far = MAGIC.to_vec();
        far.extend_from_slice(&VERSION.to_le_bytes());
        far.extend(
            postcard::to_stdvec(&vec![("x", Some(i32::MAX), None::<(Option<i32>, bool)>)]).unwrap(),
        );
        assert!(decode(&far).is_err());
    }
}
