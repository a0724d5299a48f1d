//! One cache entry on disk: a [`ParsedFile`] in postcard's compact binary
//! form, plus the length of the file it was parsed from.
//!
//! The customer is in `kehu_plugin::wire`'s layout (the one the plugin
//! protocol's binary book uses): kehu-core's model serializes for JSON and
//! TOML, which a non-self-describing format cannot read back, and that
//! module gives postcard a plain layout of the same types, checked field by
//! field at compile time.

use kehu_core::Customer;
use kehu_core::reuse::{LOCATED_FIELDS, ParsedFile};
use serde::{Deserialize, Serialize, Serializer};

/// Encodes `parsed` (from a file of `len` bytes), appending to `out`.
pub(crate) fn encode(len: u64, parsed: &ParsedFile, out: Vec<u8>) -> Result<Vec<u8>, String> {
    let record = WriteRecord { len, parsed };
    postcard::to_extend(&record, out).map_err(|e| e.to_string())
}

/// Decodes an entry; `None` when the bytes are not one.
pub(crate) fn decode(bytes: &[u8]) -> Option<(u64, ParsedFile)> {
    let record: ReadRecord = postcard::from_bytes(bytes).ok()?;
    Some((record.len, record.parsed))
}

/// A cache entry as written: the byte length of the file it was parsed from
/// (a cheap guard against a blob id whose working-tree file differs, e.g.
/// after an end-of-line filter), then the parse.
#[derive(Serialize)]
struct WriteRecord<'a> {
    len: u64,
    #[serde(with = "ParsedRef")]
    parsed: &'a ParsedFile,
}

/// A cache entry as read back.
#[derive(Deserialize)]
struct ReadRecord {
    len: u64,
    #[serde(with = "ParsedDef")]
    parsed: ParsedFile,
}

/// Serializes a `&ParsedFile` through [`ParsedDef`].
struct ParsedRef;

impl ParsedRef {
    fn serialize<S: Serializer>(parsed: &&ParsedFile, serializer: S) -> Result<S::Ok, S::Error> {
        ParsedDef::serialize(parsed, serializer)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ParsedFile")]
struct ParsedDef {
    #[serde(with = "kehu_plugin::wire::customer")]
    customer: Customer,
    present: u32,
    positions: [(u32, u32); LOCATED_FIELDS],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the customer round-trips in `kehu_plugin::wire`'s own
    /// tests; here, the record around it.
    fn full() -> ParsedFile {
        ParsedFile {
            customer: Customer {
                id: "acme".into(),
                name: "ACME Corporation".into(),
                stage: "won".into(),
                since: "2023-04-01".parse().ok(),
                ..Customer::default()
            },
            present: 0x1234_5678,
            positions: [(1, 6), (6, 9), (8, 9), (11, 8), (0, 0), (30, 8), (0, 0)],
        }
    }

    #[test]
    fn entries_round_trip() {
        for parsed in [
            full(),
            ParsedFile {
                customer: Customer::default(),
                present: 0,
                positions: [(0, 0); LOCATED_FIELDS],
            },
        ] {
            let bytes = encode(1234, &parsed, Vec::new()).unwrap();
            assert_eq!(decode(&bytes), Some((1234, parsed)));
        }
    }

    #[test]
    fn garbage_is_not_an_entry() {
        let bytes = encode(1, &full(), Vec::new()).unwrap();
        assert_eq!(decode(&bytes[..bytes.len() / 2]), None);
        assert_eq!(decode(&[0xff; 8]), None);
    }
}
