//! A small valid book for the targets to vary one part of.

use kehu_core::{Book, Customer, Entry, LoadOptions};

/// The corpus's base kehu.toml: valid, small.
pub const CONFIG: &str = include_str!("../../tests/corpus/base/kehu.toml");
/// A valid customer file of that book.
pub const CUSTOMER: &str = include_str!("../../tests/corpus/base/customers/ac/acme.toml");
/// Where [`CUSTOMER`] lives.
pub const CUSTOMER_PATH: &str = "customers/ac/acme.toml";
/// A second valid customer.
const OTHER: &str = include_str!("../../tests/corpus/base/customers/bo/borealis.toml");

/// Loads a book of `config` as kehu.toml and `customer` at
/// [`CUSTOMER_PATH`], beside one more valid customer.
pub fn load(config: &[u8], customer: &[u8]) -> Book {
    let entries = vec![
        Entry::file(kehu_core::CONFIG_FILE, config.to_vec()),
        Entry::file(CUSTOMER_PATH, customer.to_vec()),
        Entry::file("customers/bo/borealis.toml", OTHER.as_bytes().to_vec()),
    ];
    kehu_core::load_entries(
        entries,
        &LoadOptions {
            as_of: super::as_of(),
        },
    )
    .expect("the entries hold a kehu.toml")
}

/// The valid customers of the base book.
pub fn sample_customers() -> Vec<Customer> {
    load(CONFIG.as_bytes(), CUSTOMER.as_bytes())
        .customers
        .into_iter()
        .map(|loaded| loaded.customer)
        .collect()
}
