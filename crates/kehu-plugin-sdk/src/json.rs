//! JSON objects written straight into a byte buffer, for the outputs with
//! one object per customer (`classify --format json` on a large book is a
//! hundred megabytes).
//!
//! serde_json's `Serializer` is generic over every shape of data: each key
//! and each value goes through a map's state machine, a key is escaped byte
//! by byte like any string, and a value shown from its `Display` is escaped
//! piece by piece through an adapter. An [`ObjectWriter`] knows its shape:
//! keys are copied, strings that need no escape (almost all of them) are
//! copied whole, and a `Display` value is worded into a reused buffer and
//! escaped in one pass. The bytes are the same as serde_json's compact output
//! (tested against it), so a plugin can move a format to it without
//! changing a byte; numbers with a fraction are still written by
//! serde_json.

use std::fmt::{Display, Write as _};

/// Writes one JSON object into a buffer, key by key (in the order called),
/// compact, as serde_json's `to_writer` would.
///
/// ```
/// use kehu_plugin_sdk::json::ObjectWriter;
///
/// let mut buf = Vec::new();
/// let mut object = ObjectWriter::begin(&mut buf);
/// object.str("id", "acme");
/// object.display("reason", &format_args!("share {:.1}% ≤ {}%", 78.25, 80));
/// let mut grade = object.object("abc");
/// grade.opt_str("stored", None);
/// grade.int("rank", 3);
/// grade.end();
/// object.end();
/// assert_eq!(
///     String::from_utf8(buf).unwrap(),
///     r#"{"id":"acme","reason":"share 78.2% ≤ 80%","abc":{"stored":null,"rank":3}}"#
/// );
/// ```
pub struct ObjectWriter<'b> {
    buf: &'b mut Vec<u8>,
    empty: bool,
}

impl<'b> ObjectWriter<'b> {
    /// Opens an object at the end of `buf`.
    pub fn begin(buf: &'b mut Vec<u8>) -> ObjectWriter<'b> {
        buf.push(b'{');
        ObjectWriter { buf, empty: true }
    }

    /// Closes the object.
    pub fn end(self) {
        self.buf.push(b'}');
    }

    /// Writes `key` and its colon.
    fn key(&mut self, key: &str) {
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        write_str(self.buf, key);
        self.buf.push(b':');
    }

    /// A string value.
    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(self.buf, value);
    }

    /// A string, or `null` for `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) {
        self.key(key);
        match value {
            Some(value) => write_str(self.buf, value),
            None => self.buf.extend_from_slice(b"null"),
        }
    }

    /// A value's `Display`, as a string (a reason worded on demand), without
    /// a new `String` per value.
    pub fn display(&mut self, key: &str, value: &dyn Display) {
        self.key(key);
        // Worded into a reused String, then escaped in one pass: a reason
        // comes in a dozen small pieces, and escaping each on its own costs
        // more than the copy. Writing into a String cannot fail; a Display
        // that returns an error leaves what it wrote so far.
        WORDS.with(|words| match words.try_borrow_mut() {
            Ok(mut words) => {
                words.clear();
                let _ = write!(words, "{value}");
                write_str(self.buf, &words);
            }
            // A Display that itself writes JSON this way: its own String.
            Err(_) => write_str(self.buf, &value.to_string()),
        });
    }

    /// `true` or `false`.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// An integer.
    pub fn int(&mut self, key: &str, value: impl itoa::Integer) {
        self.key(key);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// An integer, or `null` for `None`.
    pub fn opt_int<I: itoa::Integer>(&mut self, key: &str, value: Option<I>) {
        match value {
            Some(value) => self.int(key, value),
            None => self.null(key),
        }
    }

    /// A number with a fraction, as serde_json writes it (`null` when not
    /// finite, `1.0` for a whole number).
    pub fn float(&mut self, key: &str, value: f64) {
        self.key(key);
        write_float(self.buf, value);
    }

    /// `null`.
    pub fn null(&mut self, key: &str) {
        self.key(key);
        self.buf.extend_from_slice(b"null");
    }

    /// A nested object; close it with [`ObjectWriter::end`] before writing
    /// the next key of this one.
    pub fn object(&mut self, key: &str) -> ObjectWriter<'_> {
        self.key(key);
        ObjectWriter::begin(self.buf)
    }
}

/// A number with a fraction as serde_json writes it: its shortest form,
/// `1.0` for a whole number, `null` when not finite.
pub fn write_float(buf: &mut Vec<u8>, value: f64) {
    // Writing a number into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, &value);
}

/// `text` as a JSON string, quoted and escaped as serde_json escapes it.
pub fn write_str(buf: &mut Vec<u8>, text: &str) {
    buf.push(b'"');
    escape_into(buf, text);
    buf.push(b'"');
}

/// Whether a byte must be escaped in a JSON string (as serde_json does:
/// the quote, the backslash and control characters; not `/`, DEL or
/// anything beyond ASCII).
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether any byte of `bytes` must be escaped, eight bytes at a time:
/// the common case, a string with nothing to escape, is a few operations
/// per word and one copy.
fn needs_escaping(bytes: &[u8]) -> bool {
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    words
        .map(|word| u64::from_le_bytes(word.try_into().unwrap_or_default()))
        .any(word_needs_escape)
        || tail.iter().any(|&b| needs_escape(b))
}

/// [`needs_escape`] for any of a word's eight bytes, without a branch per
/// byte. `(x - n·ONES) & !x & HIGH` is non-zero exactly when a byte of `x`
/// is below `n` (for `n` ≤ 128), so a byte equal to `c` is a zero byte of
/// `x ^ c·ONES`, which is below 1.
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let control = below(word, 0x20);
    let quote = below(word ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(word ^ (ONES * u64::from(b'\\')), 1);
    control | quote | backslash != 0
}

/// Appends `text` escaped, without quotes.
fn escape_into(buf: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // The common case: nothing to escape, one scan and one copy.
    if !needs_escaping(bytes) {
        buf.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        buf.extend_from_slice(&bytes[start..at]);
        start = at + 1;
        match byte {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0x08 => buf.extend_from_slice(b"\\b"),
            0x0c => buf.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(byte >> 4)]);
                buf.push(HEX[usize::from(byte & 0xf)]);
            }
        }
    }
    buf.extend_from_slice(&bytes[start..]);
}

thread_local! {
    /// [`ObjectWriter::display`]'s buffer, one per rendering thread.
    static WORDS: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_serde_json(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    fn ours(text: &str) -> String {
        let mut buf = Vec::new();
        write_str(&mut buf, text);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        for byte in 0u8..128 {
            let one = char::from(byte).to_string();
            assert_eq!(ours(&one), as_serde_json(&one), "byte {byte:#04x}");
        }
        for text in [
            "",
            "plain",
            "Müller & Söhne ≥ 80% — \u{1f600}",
            "say \"hi\"\\ then\nnext\tline\r\u{7}\u{1f}/</script>",
            "\"",
            "tail\\",
        ] {
            assert_eq!(ours(text), as_serde_json(text), "{text:?}");
        }
    }

    #[test]
    fn the_word_test_agrees_with_the_byte_test() {
        for byte in 0u8..=255 {
            for at in 0..8 {
                for fill in [b'a', 0x7f, 0xff, 0x20, 0x21, 0x5d] {
                    let mut word = [fill; 8];
                    word[at] = byte;
                    assert_eq!(
                        word_needs_escape(u64::from_le_bytes(word)),
                        word.iter().any(|&b| needs_escape(b)),
                        "{word:?}"
                    );
                }
            }
        }
        let long = "x".repeat(40);
        for at in 0..40 {
            let mut text = long.clone().into_bytes();
            text[at] = b'"';
            assert!(needs_escaping(&text), "quote at {at}");
        }
        assert!(!needs_escaping(long.as_bytes()));
    }

    #[test]
    fn odd_keys_are_escaped_and_a_display_may_write_json_itself() {
        struct Inner;
        impl Display for Inner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut buf = Vec::new();
                let mut object = ObjectWriter::begin(&mut buf);
                object.display("n", &1);
                object.end();
                f.write_str(&String::from_utf8_lossy(&buf))
            }
        }
        let mut buf = Vec::new();
        let mut object = ObjectWriter::begin(&mut buf);
        object.str("a\"b", "x");
        object.display("inner", &Inner);
        object.end();
        let expected = serde_json::json!({"a\"b": "x", "inner": "{\"n\":\"1\"}"});
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn an_object_is_serde_json_compact_output() {
        let mut buf = Vec::new();
        let mut object = ObjectWriter::begin(&mut buf);
        object.str("id", "a\"b");
        object.opt_str("none", None);
        object.display("reason", &format_args!("x {} ≥ \"{}\"\n", 1.5, "y"));
        object.bool("pinned", false);
        object.int("rank", -42i64);
        object.opt_int::<u8>("r", None);
        object.opt_int("f", Some(5u8));
        for (key, value) in [("a", 0.0), ("b", 3488984174.56), ("c", 1.0 / 3.0)] {
            object.float(key, value);
        }
        object.float("nan", f64::NAN);
        let inner = object.object("inner");
        inner.end();
        let mut inner = object.object("more");
        inner.str("k", "v");
        inner.end();
        object.end();
        let expected = serde_json::json!({
            "id": "a\"b",
            "none": null,
            "reason": "x 1.5 ≥ \"y\"\n",
            "pinned": false,
            "rank": -42,
            "r": null,
            "f": 5,
            "a": 0.0,
            "b": 3488984174.56,
            "c": 1.0 / 3.0,
            "nan": null,
            "inner": {},
            "more": {"k": "v"},
        });
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }
}
