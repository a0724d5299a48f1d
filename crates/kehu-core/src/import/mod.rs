//! `kehu import`: real data in, typed results out.
//!
//! Pure library code: bytes in, parsed rows, aggregates and changesets out.
//! No files are written and no git is run here; the CLI reads the file,
//! decides what to do with bad rows (refuse, or `--skip-bad` and list them),
//! and hands the changeset to the writer.
//!
//! Orders: [`parse_orders`] → [`OrderFile`] (good rows + every bad row's
//! [`RowError`] with its line) → [`aggregate`] as of a day → [`Aggregation`]
//! → [`metrics_changeset`] against the book → [`MetricsUpdate`] (edits, and
//! ids to create with [`new_customers`]).

mod aggregate;
mod cdnow;
mod error;
mod metrics_update;
mod orders;
mod orders_csv;
mod values;

pub use aggregate::{Aggregation, OrderMetrics, OrderSummary, aggregate, aggregate_orders};
pub use error::{ImportError, Problem, RowError, bad_row_count};
pub use metrics_update::{MetricsUpdate, metrics_changeset, new_customer, new_customers};
pub use orders::{Order, OrderFile, OrderFormat, OrderLayout, parse_orders};
pub use values::{Money, parse_date, parse_id, parse_money};
