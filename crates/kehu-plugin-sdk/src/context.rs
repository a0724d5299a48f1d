//! What a running plugin can see: the request's settings and the host's data.

use std::cell::OnceCell;

use kehu_core::{Config, Date};
use kehu_plugin::abi::{Buffer, HOST_OK, HostApi};
use kehu_plugin::protocol::{
    Book, BookEncoding, ChangeFilter, CustomerFields, HostCall, HostQuery, LastContacts, Request,
    Rules,
};

use rayon::prelude::*;

use crate::PluginError;
use crate::stream::{StdoutWriter, Streams};

/// The plugin's view of one invocation.
///
/// Host data is fetched on first use: a plugin that only prints its help
/// never costs the host a book serialization. The book is fetched once and
/// kept for the rest of the run.
pub struct Context<'a> {
    request: &'a Request,
    host: Option<&'a HostApi>,
    book: OnceCell<Book>,
    /// The customer fields the run reads ([`Context::read_fields`]).
    fields: Option<CustomerFields>,
    streams: Streams<'a>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(request: &'a Request, host: Option<&'a HostApi>) -> Context<'a> {
        Context {
            request,
            host,
            book: OnceCell::new(),
            fields: None,
            streams: Streams::new(host),
        }
    }

    /// A writer onto the host's standard output, for output too large to
    /// build as one string (a report of every customer): the host prints it
    /// as it comes, before the run's [`crate::Output`].
    pub fn stdout(&self) -> StdoutWriter<'_> {
        StdoutWriter::new(&self.streams)
    }

    pub(crate) fn streams(&self) -> &Streams<'a> {
        &self.streams
    }

    /// The subcommand the user typed (the plugin's name).
    pub fn command(&self) -> &str {
        &self.request.command
    }

    /// The `--as-of` day; the book the host serves is as of this day.
    pub fn as_of(&self) -> Date {
        self.request.as_of
    }

    /// The global `--format`, if the user gave one before the subcommand.
    pub fn format(&self) -> Option<&str> {
        self.request.format.as_deref()
    }

    /// Whether output may use colour.
    pub fn color(&self) -> bool {
        self.request.color
    }

    /// The book's directory, for messages only (plugins never open files).
    pub fn book_dir(&self) -> Option<&str> {
        self.request.book_dir.as_deref()
    }

    /// Declares the customer fields this run reads (see
    /// [`kehu_plugin::fields::FIELD_NAMES`]: `"name"`, `"grade.tier"`,
    /// `"contact"` ...; the id always comes). The host may then send the
    /// book with every other field empty, which on a large book saves most
    /// of the handoff. Call it before [`Context::book`]: a book already
    /// fetched stays as it is. A name that is no customer field is an
    /// error (the field would always be empty).
    pub fn read_fields(&mut self, names: &[&str]) -> Result<(), PluginError> {
        let fields = CustomerFields::new(names.iter().copied())
            .map_err(|error| PluginError::Failed(error.to_string()))?;
        self.fields = Some(fields);
        Ok(())
    }

    /// The book (config and customers) as of [`Context::as_of`], with only
    /// the fields named by [`Context::read_fields`] when it was called (on a
    /// host that honours it).
    ///
    /// Asked for in the binary encoding ([`kehu_plugin::protocol::BOOK_BINARY`]);
    /// a host that answers JSON is read just the same. The host's buffer is
    /// released as soon as the book is decoded.
    pub fn book(&self) -> Result<&Book, PluginError> {
        if let Some(book) = self.book.get() {
            return Ok(book);
        }
        let query = HostQuery::Book {
            encoding: BookEncoding::Binary,
            fields: self.fields.clone(),
        };
        let book = self.call(&query, read_book)?;
        Ok(self.book.get_or_init(|| book))
    }

    /// The book as of [`Context::as_of`], owned: for a plugin that turns it
    /// into another book in place (the report rewinds it to the start of
    /// its period) instead of holding a second copy. A later
    /// [`Context::book`] fetches it again from the host.
    pub fn take_book(&mut self) -> Result<Book, PluginError> {
        self.book()?;
        self.book
            .take()
            .ok_or_else(|| PluginError::Host("the book was not kept after fetching it".to_owned()))
    }

    /// The book as it was on `date` (the last commit of that day), fetched
    /// on every call (a backtest asks once). Its `as_of` is `date`.
    pub fn book_at(&self, date: Date) -> Result<Book, PluginError> {
        let binary = HostQuery::BookAt {
            date,
            encoding: BookEncoding::Binary,
        };
        self.call(&binary, read_book).or_else(|_| {
            // A host older than the binary book refuses the `encoding`
            // parameter of `book_at`: ask again the plain way (a real
            // failure fails again, with the host's message).
            let plain = HostQuery::BookAt {
                date,
                encoding: BookEncoding::Json,
            };
            self.call(&plain, read_book)
        })
    }

    /// The book's policy (`kehu.toml`) as kehu-core's typed model; tables
    /// kehu does not know (a plugin's own section) are in `Config::extra`.
    pub fn config(&self) -> Result<Config, PluginError> {
        let json = &self.book()?.config;
        let mut config: Config = serde_json::from_value(json.clone()).map_err(|error| {
            PluginError::Host(format!("the host sent an unreadable kehu.toml: {error}"))
        })?;
        if let Some(extra) = json.get("extra").and_then(serde_json::Value::as_object) {
            config.extra = extra.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        Ok(config)
    }

    /// A top-level table of `kehu.toml` that kehu itself does not know, such
    /// as a plugin's own `[hello]` section, as JSON.
    pub fn config_section(&self, name: &str) -> Result<Option<&serde_json::Value>, PluginError> {
        Ok(self
            .book()?
            .config
            .get("extra")
            .and_then(|extra| extra.get(name)))
    }

    /// One customer's history, as the host's history backend serializes it.
    pub fn customer_history(&self, id: &str) -> Result<serde_json::Value, PluginError> {
        self.call_json(&HostQuery::CustomerHistory { id: id.to_owned() })
    }

    /// Book-wide field changes from `since` to `until`, both inclusive;
    /// `None` leaves that end open (`until` defaults to `as_of`).
    pub fn changes(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<serde_json::Value, PluginError> {
        self.changes_filtered(since, until, &ChangeFilter::default())
    }

    /// [`Context::changes`] narrowed to what the plugin reads: only some
    /// fields, only contacts (see [`ChangeFilter`]). The host skips what is
    /// left out, which on a long history is most of the cost.
    pub fn changes_filtered(
        &self,
        since: Option<Date>,
        until: Option<Date>,
        filter: &ChangeFilter,
    ) -> Result<serde_json::Value, PluginError> {
        self.call_json(&HostQuery::Changes {
            since,
            until,
            filter: filter.clone(),
        })
    }

    /// [`Context::changes_filtered`] without a `serde_json::Value`: the
    /// host's answer (kehu-git's JSON list of events) goes to `read` as
    /// bytes, so a plugin reading a long window can deserialize it event by
    /// event into its own types and keep only what it needs.
    pub fn changes_raw<T>(
        &self,
        since: Option<Date>,
        until: Option<Date>,
        filter: &ChangeFilter,
        read: impl FnOnce(&[u8]) -> Result<T, PluginError>,
    ) -> Result<T, PluginError> {
        let query = HostQuery::Changes {
            since,
            until,
            filter: filter.clone(),
        };
        self.call(&query, read)
    }

    /// Per customer, the latest contact commit and the latest write of
    /// `contact.last` from `since` to `until` (both inclusive, either open;
    /// `until` defaults to `as_of`). Fails on a host that does not offer
    /// it; [`Context::changes_filtered`] with a contacts filter carries the
    /// same information.
    ///
    /// Asked for in the binary layout ([`kehu_plugin::protocol::CONTACTS_BINARY`]);
    /// a host older than it refuses the call and is asked again for JSON.
    pub fn last_contacts(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<LastContacts, PluginError> {
        let read = |bytes: &[u8]| {
            LastContacts::from_answer(bytes).map_err(|error| PluginError::Host(error.to_string()))
        };
        let binary = HostQuery::LastContacts {
            since,
            until,
            binary: true,
        };
        self.call(&binary, read).or_else(|_| {
            // A real failure fails again, with the host's message.
            let plain = HostQuery::LastContacts {
                since,
                until,
                binary: false,
            };
            self.call(&plain, read)
        })
    }

    /// The text of `kehu.toml` at git revision `rev` (`main~3`, a tag), or
    /// with `None` the `kehu.toml` the book was read from: for comparing
    /// policies (`classify --rules-from`) and for placing a policy error at
    /// its line and column.
    pub fn rules_at(&self, rev: Option<&str>) -> Result<Rules, PluginError> {
        let query = HostQuery::RulesAt {
            rev: rev.map(str::to_owned),
        };
        self.call(&query, |bytes| {
            Rules::from_json(bytes).map_err(|error| PluginError::Host(error.to_string()))
        })
    }

    fn call_json(&self, query: &HostQuery) -> Result<serde_json::Value, PluginError> {
        self.call(query, |bytes| {
            serde_json::from_slice(bytes)
                .map_err(|error| PluginError::Host(format!("the host sent invalid JSON: {error}")))
        })
    }

    /// Sends one host call and reads the answer while the host's buffer is
    /// alive, then hands the buffer back.
    fn call<T>(
        &self,
        query: &HostQuery,
        read: impl FnOnce(&[u8]) -> Result<T, PluginError>,
    ) -> Result<T, PluginError> {
        let call = HostCall::new(query);
        let Some(host) = self.host else {
            return Err(PluginError::Host(format!(
                "`{}` is not available: the host passed no services",
                call.method
            )));
        };
        let bytes = call.to_json();
        let mut answer = Buffer::empty();
        // SAFETY: `host` is the HostApi of the current `run` call (Context
        // cannot outlive it), and every pointer is valid for the call.
        let status = unsafe { (host.call)(host.context, bytes.as_ptr(), bytes.len(), &mut answer) };
        // SAFETY: the host filled `answer` with its buffer or left it empty.
        let body = unsafe { answer.as_slice() };
        let result = if status == HOST_OK {
            read(body)
        } else {
            Err(PluginError::Host(format!(
                "{}: {}",
                call.method,
                String::from_utf8_lossy(body).trim_end()
            )))
        };
        if !answer.data.is_null() {
            // SAFETY: the buffer came from the host and is released once.
            unsafe { (host.free_buffer)(answer) };
        }
        result
    }
}

impl Drop for Context<'_> {
    /// Frees the book's customers on every thread: one by one, freeing a
    /// hundred thousand customers' strings takes a tenth of a second.
    fn drop(&mut self) {
        if let Some(book) = self.book.take() {
            book.customers.into_par_iter().for_each(drop);
        }
    }
}

/// Reads a `book` or `book_at` answer in whichever encoding the host chose.
fn read_book(bytes: &[u8]) -> Result<Book, PluginError> {
    Book::from_answer(bytes).map_err(|error| PluginError::Host(error.to_string()))
}
