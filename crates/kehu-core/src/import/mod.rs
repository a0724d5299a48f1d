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
//!
//! Customers: [`ColumnMap::parse`] the `--map column=field` options →
//! [`import_customers`] against the book → [`CustomersImport`] (full new
//! customers, and edits of changed fields only).

mod aggregate;
mod cdnow;
mod customers;
mod error;
mod fields;
mod metrics_update;
mod orders;
mod orders_csv;
mod values;

/// The largest import file kehu reads (256 MiB, about eight million order
/// rows): files are read whole, and this keeps memory bounded. Larger
/// exports are split and imported in parts.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

pub use aggregate::{Aggregation, OrderMetrics, OrderSummary, aggregate, aggregate_orders};
pub use customers::{ColumnMap, CustomersImport, CustomersSummary, import_customers};
pub use error::{ImportError, Problem, RowError, bad_row_count};
pub use fields::{FieldKind, IMPORTABLE_FIELDS, field_kind};
pub use metrics_update::{MetricsUpdate, metrics_changeset, new_customer, new_customers};
pub use orders::{Order, OrderFile, OrderFormat, OrderLayout, parse_orders};
pub use values::{Money, parse_date, parse_id, parse_money};
