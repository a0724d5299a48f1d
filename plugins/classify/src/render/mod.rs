//! Writing an assessment in the four formats. Everything is in the book's
//! id order and field order, with no clock: the same book, commit and
//! `--as-of` give the same bytes.

use std::io::Write;
use std::ops::Range;

use rayon::prelude::*;

mod csv_out;
mod json_out;
mod listing;

pub use csv_out::write_csv;
pub use json_out::SCHEMA;
pub use json_out::write_json;

/// The schema tag of `--rules-from` JSON.
pub const SCHEMA_IMPACT: &str = "kehu.classify-impact/1";
pub use listing::{Listing, Style};

/// Customers per parallel chunk when rendering.
const CHUNK: usize = 1024;
/// Chunks rendered at a time: output of any size is written from a few
/// megabytes of buffers.
const WINDOW: usize = 8;

/// Renders customers `0..n` with `render` in parallel chunks, a window of
/// chunks at a time, and writes the chunks to `out` in order (`io` wraps a
/// write error).
pub fn write_chunked<E: Send>(
    n: usize,
    out: &mut dyn Write,
    io: fn(std::io::Error) -> E,
    render: impl Fn(Range<usize>) -> Result<Vec<u8>, E> + Sync,
) -> Result<(), E> {
    let chunks = n.div_ceil(CHUNK);
    for first in (0..chunks).step_by(WINDOW) {
        let window = (first..chunks.min(first + WINDOW))
            .into_par_iter()
            .map(|c| render(c * CHUNK..n.min((c + 1) * CHUNK)))
            .collect::<Result<Vec<Vec<u8>>, E>>()?;
        for chunk in window {
            out.write_all(&chunk).map_err(io)?;
        }
    }
    Ok(())
}

/// Money in cents as a JSON number in the book's currency.
pub fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}
