//! The host's half of a call into a plugin: the services it offers, the
//! callback that serves them, and [`invoke`], which runs a plugin's `run`
//! function and reads its answer.
//!
//! This is independent of how the plugin's code got into the process: the
//! loader (`kehu_plugin::host`) uses it on a `dlopen`ed library, and the SDK's
//! test harness uses it on a plugin linked into a test binary, so both take
//! the same path through the ABI.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use kehu_core::Date;

use crate::abi::{
    Buffer, FreeFn, HOST_ERROR, HOST_OK, HOST_UNSUPPORTED, HostApi, RunFn, STATUS_ERROR, STATUS_OK,
    STATUS_PANIC, STREAM_STDERR, STREAM_STDOUT, free_rust_buffer,
};
use crate::protocol::{
    BookEncoding, ChangeFilter, CustomerFields, HostCall, HostQuery, ProtocolError, Request,
    Response,
};

/// The data a plugin may ask for while it runs. The CLI implements it over
/// the book it loaded (as of the request's `as_of`) and its history backend;
/// each method returns the JSON documented in [`crate::protocol::HostCall`].
pub trait HostServices {
    /// The book: a [`crate::protocol::Book`], usually made with
    /// [`crate::protocol::encode_book`].
    fn book(&self) -> Result<Vec<u8>, ServiceError>;

    /// The book as it was on `date` (the last commit of that day), also a
    /// [`crate::protocol::Book`] whose `as_of` is `date`. `kehu churn
    /// --backtest` needs it. A host without history keeps this default,
    /// which refuses with a message the plugin passes on.
    fn book_at(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        Err(ServiceError::new(format!(
            "this host cannot read the book as of {date} (no `book_at` service)"
        )))
    }

    /// The book in the binary layout ([`crate::protocol::BOOK_BINARY`]),
    /// usually made with [`crate::protocol::encode_book_binary`]; what a
    /// plugin built with the SDK asks for. This default answers
    /// [`HostServices::book`]'s JSON, which the plugin reads as well.
    fn book_binary(&self) -> Result<Vec<u8>, ServiceError> {
        self.book()
    }

    /// [`HostServices::book_binary`] for a plugin that reads only `fields`
    /// of each customer: a host may leave the other fields empty (usually
    /// with [`crate::protocol::encode_book_binary_draining`] over a book it
    /// drops after), which saves encoding, decoding and freeing them. This
    /// default answers the whole book, which the plugin reads as well.
    fn book_binary_fields(&self, fields: &CustomerFields) -> Result<Vec<u8>, ServiceError> {
        let _ = fields;
        self.book_binary()
    }

    /// [`HostServices::book_at`] in the binary layout; this default answers
    /// its JSON.
    fn book_at_binary(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        self.book_at(date)
    }

    /// One customer's timeline, as kehu-git serializes it. An unknown id is
    /// an error naming it.
    fn customer_history(&self, id: &str) -> Result<Vec<u8>, ServiceError>;

    /// Book-wide field changes from `since` to `until` (inclusive; `None`
    /// means from the first commit / up to `as_of`), as kehu-git serializes
    /// them.
    fn changes(&self, since: Option<Date>, until: Option<Date>) -> Result<Vec<u8>, ServiceError>;

    /// [`HostServices::changes`] narrowed by `filter` (only some fields,
    /// only contacts). A host with a history index answers it without
    /// reading what is left out; this default asks for every change and
    /// filters the JSON with [`ChangeFilter::apply`], so the answer is the
    /// same either way.
    fn changes_filtered(
        &self,
        since: Option<Date>,
        until: Option<Date>,
        filter: &ChangeFilter,
    ) -> Result<Vec<u8>, ServiceError> {
        let all = self.changes(since, until)?;
        if filter.is_everything() {
            return Ok(all);
        }
        let events: serde_json::Value = serde_json::from_slice(&all)
            .map_err(|e| ServiceError::new(format!("the history is not JSON: {e}")))?;
        serde_json::to_vec(&filter.apply(events)).map_err(|e| ServiceError::new(e.to_string()))
    }

    /// The last contacts per customer from `since` to `until` (inclusive,
    /// either open), as a [`crate::protocol::LastContacts`]. Hosts that
    /// cannot answer keep this default, which says so; a plugin then falls
    /// back to `changes` with a contacts filter.
    fn last_contacts(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<Vec<u8>, ServiceError> {
        let _ = (since, until);
        Err(ServiceError::new(
            "this host does not offer `last_contacts`",
        ))
    }

    /// [`HostServices::last_contacts`] in the binary layout of
    /// [`crate::binary_contacts`]; this default answers its JSON (which the
    /// plugin reads just the same).
    fn last_contacts_binary(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<Vec<u8>, ServiceError> {
        self.last_contacts(since, until)
    }

    /// The text of `kehu.toml` at git revision `rev`, or (for `None`) the
    /// one the book was read from, as a [`crate::protocol::Rules`]. An
    /// unknown revision, or one without `kehu.toml`, is an error naming it.
    /// Hosts that cannot answer keep this default, which says so.
    fn rules_at(&self, rev: Option<&str>) -> Result<Vec<u8>, ServiceError> {
        let what = rev.map_or_else(|| "the book".to_owned(), |r| format!("revision `{r}`"));
        Err(ServiceError::new(format!(
            "this host cannot read kehu.toml at {what} (`rules_at` is not offered)"
        )))
    }

    /// Writes output the plugin streams while it runs, as it comes (see
    /// [`crate::abi::HostApi::write`]). `None` when this host does not take
    /// streamed output, the default: the plugin then returns its output in
    /// the response, where a test host can read it.
    fn write_output(&self, stream: OutputStream, bytes: &[u8]) -> Option<std::io::Result<()>> {
        let _ = (stream, bytes);
        None
    }
}

/// Where streamed plugin output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputStream {
    /// The host's standard output.
    Stdout,
    /// The host's standard error.
    Stderr,
}

/// A host service failed; the message reaches the plugin, which usually
/// reports it and exits non-zero.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ServiceError {
    message: String,
}

impl ServiceError {
    /// An error with this message (say what failed and on which file or
    /// customer).
    pub fn new(message: impl Into<String>) -> ServiceError {
        ServiceError {
            message: message.into(),
        }
    }
}

/// Parses a call and runs it against `services`: JSON on success, the error
/// message otherwise.
fn dispatch(services: &dyn HostServices, request: &[u8]) -> Result<Vec<u8>, String> {
    let query = HostCall::parse(request).map_err(|error| error.to_string())?;
    let answer = match &query {
        HostQuery::Book { encoding, fields } => match (encoding, fields) {
            (BookEncoding::Json, _) => services.book(),
            (BookEncoding::Binary, None) => services.book_binary(),
            (BookEncoding::Binary, Some(fields)) => services.book_binary_fields(fields),
        },
        HostQuery::BookAt { date, encoding } => match encoding {
            BookEncoding::Json => services.book_at(*date),
            BookEncoding::Binary => services.book_at_binary(*date),
        },
        HostQuery::CustomerHistory { id } => services.customer_history(id),
        HostQuery::Changes {
            since,
            until,
            filter,
        } => services.changes_filtered(*since, *until, filter),
        HostQuery::LastContacts {
            since,
            until,
            binary: false,
        } => services.last_contacts(*since, *until),
        HostQuery::LastContacts {
            since,
            until,
            binary: true,
        } => services.last_contacts_binary(*since, *until),
        HostQuery::RulesAt { rev } => services.rules_at(rev.as_deref()),
    };
    answer.map_err(|error| error.to_string())
}

/// Why a call into a plugin produced no usable response.
#[derive(Debug, thiserror::Error)]
pub enum CallFailure {
    /// The plugin panicked; the SDK caught it at the boundary.
    #[error("panicked: {0}")]
    Panicked(String),
    /// The plugin refused the request (it could not read it).
    #[error("failed: {0}")]
    Failed(String),
    /// The plugin returned a status this ABI does not define.
    #[error("returned the unknown status {0}")]
    UnknownStatus(i32),
    /// The response is not valid JSON, or not `kehu.plugin/1`.
    #[error("returned an unusable response: {0}")]
    BadResponse(ProtocolError),
}

/// What the host's callback reaches through [`HostApi::context`].
struct CallContext<'a> {
    services: &'a dyn HostServices,
}

/// The host's [`HostApi::call`]: answers one [`HostCall`] and never unwinds
/// into the plugin.
unsafe extern "C" fn host_call(
    context: *mut c_void,
    request: *const u8,
    request_len: usize,
    response: *mut Buffer,
) -> i32 {
    if context.is_null() || response.is_null() {
        return HOST_ERROR;
    }
    // SAFETY: `context` is the CallContext that `invoke` placed in the
    // HostApi, alive for the duration of the plugin's `run` call.
    let context = unsafe { &*context.cast::<CallContext<'_>>() };
    let request: &[u8] = if request.is_null() || request_len == 0 {
        &[]
    } else {
        // SAFETY: the ABI requires `request_len` readable bytes.
        unsafe { std::slice::from_raw_parts(request, request_len) }
    };
    let answer = catch_unwind(AssertUnwindSafe(|| dispatch(context.services, request)));
    let (status, body) = match answer {
        Ok(Ok(json)) => (HOST_OK, json),
        Ok(Err(message)) => (HOST_ERROR, message.into_bytes()),
        Err(payload) => (
            HOST_ERROR,
            format!(
                "kehu bug: a host service panicked: {}",
                panic_text(&*payload)
            )
            .into_bytes(),
        ),
    };
    // SAFETY: non-null, and the ABI makes it the plugin's out-parameter.
    unsafe { response.write(Buffer::from_vec(body)) };
    status
}

/// The host's [`HostApi::write`]: hands streamed output to the services and
/// never unwinds into the plugin.
unsafe extern "C" fn host_write(
    context: *mut c_void,
    stream: u32,
    data: *const u8,
    len: usize,
) -> i32 {
    let stream = match stream {
        STREAM_STDOUT => OutputStream::Stdout,
        STREAM_STDERR => OutputStream::Stderr,
        _ => return HOST_ERROR,
    };
    if context.is_null() {
        return HOST_ERROR;
    }
    // SAFETY: as in `host_call`.
    let context = unsafe { &*context.cast::<CallContext<'_>>() };
    let bytes: &[u8] = if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the ABI requires `len` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data, len) }
    };
    match catch_unwind(AssertUnwindSafe(|| {
        context.services.write_output(stream, bytes)
    })) {
        Ok(Some(Ok(()))) => HOST_OK,
        Ok(None) => HOST_UNSUPPORTED,
        Ok(Some(Err(_))) | Err(_) => HOST_ERROR,
    }
}

/// The text of a panic payload (`&str` or `String`, as `panic!` makes them).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// Calls a plugin's `run` with `request`, serving its host calls from
/// `services`, frees its buffer with `free`, and returns its validated
/// response.
///
/// # Safety
///
/// `run` and `free` must be the `run` and `free_buffer` of one plugin
/// descriptor whose ABI version is [`crate::ABI_VERSION`].
pub unsafe fn invoke(
    run: RunFn,
    free: FreeFn,
    request: &Request,
    services: &dyn HostServices,
) -> Result<Response, CallFailure> {
    let bytes = request.to_json();
    let context = CallContext { services };
    let api = HostApi {
        context: std::ptr::from_ref(&context).cast_mut().cast::<c_void>(),
        call: host_call,
        free_buffer: free_rust_buffer,
        write: host_write,
    };
    let mut out = Buffer::empty();
    // SAFETY: guaranteed by the caller; every pointer is valid for the call.
    let status = unsafe { run(bytes.as_ptr(), bytes.len(), &api, &mut out) };
    // SAFETY: the plugin filled `out` with its own buffer (or left it empty),
    // valid until it goes back to the plugin's free function.
    let body = unsafe { out.as_slice() };
    let text = || String::from_utf8_lossy(body).trim_end().to_owned();
    let result = match status {
        STATUS_OK => Response::from_json(body).map_err(CallFailure::BadResponse),
        STATUS_PANIC => Err(CallFailure::Panicked(text())),
        STATUS_ERROR => Err(CallFailure::Failed(text())),
        status => Err(CallFailure::UnknownStatus(status)),
    };
    if !out.data.is_null() {
        // SAFETY: `out` came from this plugin and is released once.
        unsafe { free(out) };
    }
    result
}
