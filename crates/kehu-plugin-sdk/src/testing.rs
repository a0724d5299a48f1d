//! Run a plugin in a unit test, through the real ABI, against a fake host.
//!
//! ```
//! use kehu_plugin_sdk::testing::{TestHost, run_plugin};
//! # use kehu_plugin_sdk::{Context, Output, Plugin, PluginError};
//! # #[derive(Default)]
//! # struct Count;
//! # impl Plugin for Count {
//! #     fn run(&self, ctx: &mut Context<'_>, _: &[String]) -> Result<Output, PluginError> {
//! #         Ok(Output::text(format!("{}\n", ctx.book()?.customers.len())))
//! #     }
//! # }
//! let host = TestHost::new("2026-11-18".parse().unwrap());
//! let response = run_plugin::<Count>(&host, "count", &[]).unwrap();
//! assert_eq!(response.stdout, "0\n");
//! ```

use std::collections::BTreeMap;

use kehu_core::{Customer, Date};
use kehu_plugin::abi::{Buffer, HostApi};
use kehu_plugin::protocol::{
    Book, CustomerFields, LastContacts, Request, Response, Rules, SCHEMA, encode_book,
    encode_book_binary,
};
use kehu_plugin::services::{CallFailure, HostServices, ServiceError, invoke};

use crate::Plugin;

/// A host with a fixed book and canned history answers.
#[derive(Clone, Debug)]
pub struct TestHost {
    /// What `ctx.book()` returns.
    pub book: Book,
    /// What `ctx.customer_history(id)` returns, by id; a missing id is an
    /// error, as with the real host.
    pub histories: BTreeMap<String, serde_json::Value>,
    /// What `ctx.changes(..)` returns, whatever the window
    /// (`ctx.changes_filtered` filters it as the protocol says).
    pub changes: serde_json::Value,
    /// What `ctx.last_contacts(..)` returns, whatever the window; `None`
    /// makes the call fail, as with a host that does not offer it.
    pub last_contacts: Option<LastContacts>,
    /// What `ctx.book_at(date)` returns, by day; a missing day is an error.
    pub books_at: BTreeMap<Date, Book>,
    /// What `ctx.rules_at(None)` returns: the book's own `kehu.toml` text;
    /// `None` makes the call fail, as with a host that cannot read it.
    pub kehu_toml: Option<String>,
    /// What `ctx.rules_at(Some(rev))` returns, by revision; a missing
    /// revision is an error, as with the real host.
    pub rules: BTreeMap<String, String>,
    /// Answer `book` and `book_at` in JSON even when the plugin asks for
    /// the binary encoding, as a host older than it does (false: binary,
    /// as `kehu` answers).
    pub json_books: bool,
}

impl TestHost {
    /// An empty book as of `as_of`.
    pub fn new(as_of: Date) -> TestHost {
        TestHost {
            book: Book {
                schema: SCHEMA.to_owned(),
                as_of,
                config: serde_json::json!({}),
                customers: Vec::new(),
            },
            histories: BTreeMap::new(),
            changes: serde_json::json!([]),
            last_contacts: None,
            books_at: BTreeMap::new(),
            kehu_toml: None,
            rules: BTreeMap::new(),
            json_books: false,
        }
    }

    /// Replaces the customers.
    pub fn with_customers(mut self, customers: Vec<Customer>) -> TestHost {
        self.book.customers = customers;
        self
    }

    /// Serves `customers` (with this host's config) as the book on `date`.
    pub fn with_book_at(mut self, date: Date, customers: Vec<Customer>) -> TestHost {
        let book = Book {
            schema: SCHEMA.to_owned(),
            as_of: date,
            config: self.book.config.clone(),
            customers,
        };
        self.books_at.insert(date, book);
        self
    }

    /// Replaces the config (`kehu.toml` as JSON).
    pub fn with_config(mut self, config: serde_json::Value) -> TestHost {
        self.book.config = config;
        self
    }

    /// Sets the book's `kehu.toml` text (what `ctx.rules_at(None)` returns)
    /// and, when it parses, the config the book carries. A file that does
    /// not parse as a policy leaves the config as it was, as a host would
    /// still send the last good one it can build.
    pub fn with_kehu_toml(mut self, text: &str) -> TestHost {
        if let Some(config) = kehu_core::parse_config(text.as_bytes()).config
            && let Ok(json) = serde_json::to_value(&config)
        {
            self.book.config = json;
        }
        self.kehu_toml = Some(text.to_owned());
        self
    }

    /// Answers books in JSON only (see [`TestHost::json_books`]), e.g. to
    /// check that a plugin gives the same result either way.
    pub fn with_json_books(mut self) -> TestHost {
        self.json_books = true;
        self
    }

    /// Adds the `kehu.toml` text at a revision, for `ctx.rules_at(Some(rev))`.
    pub fn with_rules_at(mut self, rev: &str, text: &str) -> TestHost {
        self.rules.insert(rev.to_owned(), text.to_owned());
        self
    }
}

impl TestHost {
    fn book_on(&self, date: Date) -> Result<&Book, ServiceError> {
        self.books_at
            .get(&date)
            .ok_or_else(|| ServiceError::new(format!("no book as of {date}")))
    }
}

impl HostServices for TestHost {
    fn book(&self) -> Result<Vec<u8>, ServiceError> {
        encode_book(self.book.as_of, &self.book.config, &self.book.customers)
            .map_err(|error| ServiceError::new(error.to_string()))
    }

    fn book_at(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        let book = self.book_on(date)?;
        encode_book(book.as_of, &book.config, &book.customers)
            .map_err(|error| ServiceError::new(error.to_string()))
    }

    fn book_binary(&self) -> Result<Vec<u8>, ServiceError> {
        if self.json_books {
            return self.book();
        }
        encode_book_binary(self.book.as_of, &self.book.config, &self.book.customers)
            .map_err(|error| ServiceError::new(error.to_string()))
    }

    /// Leaves out what the plugin did not name, as `kehu` does, so a test
    /// catches a field the plugin reads without naming it.
    fn book_binary_fields(&self, fields: &CustomerFields) -> Result<Vec<u8>, ServiceError> {
        let customers: Vec<Customer> = self
            .book
            .customers
            .iter()
            .map(|c| fields.project(c))
            .collect();
        let (as_of, config) = (self.book.as_of, &self.book.config);
        if self.json_books {
            return encode_book(as_of, config, &customers)
                .map_err(|error| ServiceError::new(error.to_string()));
        }
        encode_book_binary(as_of, config, &customers)
            .map_err(|error| ServiceError::new(error.to_string()))
    }

    fn book_at_binary(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        if self.json_books {
            return self.book_at(date);
        }
        let book = self.book_on(date)?;
        encode_book_binary(book.as_of, &book.config, &book.customers)
            .map_err(|error| ServiceError::new(error.to_string()))
    }

    fn customer_history(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        let history = self
            .histories
            .get(id)
            .ok_or_else(|| ServiceError::new(format!("no customer `{id}`")))?;
        serde_json::to_vec(history).map_err(|error| ServiceError::new(error.to_string()))
    }

    fn changes(&self, _since: Option<Date>, _until: Option<Date>) -> Result<Vec<u8>, ServiceError> {
        serde_json::to_vec(&self.changes).map_err(|error| ServiceError::new(error.to_string()))
    }

    fn last_contacts(
        &self,
        _since: Option<Date>,
        _until: Option<Date>,
    ) -> Result<Vec<u8>, ServiceError> {
        self.last_contacts
            .as_ref()
            .map(LastContacts::to_json)
            .ok_or_else(|| ServiceError::new("this test host does not offer `last_contacts`"))
    }

    fn rules_at(&self, rev: Option<&str>) -> Result<Vec<u8>, ServiceError> {
        let text = match rev {
            None => self
                .kehu_toml
                .as_ref()
                .ok_or_else(|| ServiceError::new("no kehu.toml text in this test host"))?,
            Some(rev) => self
                .rules
                .get(rev)
                .ok_or_else(|| ServiceError::new(format!("unknown revision `{rev}`")))?,
        };
        Ok(Rules::new(rev.map(str::to_owned), None, text.clone()).to_json())
    }
}

unsafe extern "C" fn run_trampoline<P: Plugin + Default>(
    request: *const u8,
    request_len: usize,
    host: *const HostApi,
    response: *mut Buffer,
) -> i32 {
    // SAFETY: called by `invoke` per the ABI contract.
    unsafe { crate::export::run::<P>(request, request_len, host, response) }
}

/// Runs `P` as `kehu COMMAND ARGS...` as of the host's book date, through
/// the same ABI path the `kehu` binary uses.
pub fn run_plugin<P: Plugin + Default>(
    host: &TestHost,
    command: &str,
    args: &[&str],
) -> Result<Response, CallFailure> {
    let args = args.iter().map(|arg| (*arg).to_owned()).collect();
    run_request::<P>(host, &Request::new(command, args, host.book.as_of))
}

/// Runs `P` on a full request (to set `as_of`, `format`, `color`).
pub fn run_request<P: Plugin + Default>(
    host: &dyn HostServices,
    request: &Request,
) -> Result<Response, CallFailure> {
    // SAFETY: the trampoline and the free function are this SDK's own, for
    // the ABI version it was built with.
    unsafe {
        invoke(
            run_trampoline::<P>,
            kehu_plugin::abi::free_rust_buffer,
            request,
            host,
        )
    }
}
