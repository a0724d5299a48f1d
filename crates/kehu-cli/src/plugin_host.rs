//! The host side of plugins: finding them, serving their calls for data
//! (the book, history) and carrying out what they return.

use std::cell::OnceCell;
use std::io::Write;
use std::path::PathBuf;

use kehu_core::Date;
use kehu_plugin::host::{Registry, SearchPath};
use kehu_plugin::protocol::{
    BookEncoding, ChangeFilter, ContactWrite, CustomerFields, LastContacts, LoggedContact,
    encode_book, encode_book_binary, encode_book_binary_draining,
};
use kehu_plugin::services::{HostServices, OutputStream, ServiceError};

use crate::context::Context;
use crate::session;

/// Tunes glibc's malloc for a process that holds one large book at a time,
/// before any thread starts.
///
/// glibc gives each allocating thread an arena of its own (up to eight per
/// core). The host's loader threads build the book, the host drops it, and
/// the plugin's threads build their copy: memory freed in one arena is not
/// reused by another, so each copy stays resident. Two arenas keep
/// `kehu classify --format json` on the 100,000-customer bench book at
/// 227 MB peak RSS instead of 285 MB, with the same CPU time.
///
/// Blocks of 4 MiB and more (the book's vectors, the binary book handed to
/// a plugin, the parse cache) are mapped on their own and go back to the
/// system when freed. glibc would otherwise raise that threshold to the
/// size of the largest block freed so far (up to 32 MiB), and later large
/// blocks would stay in the heap after they are freed: with the plugin's
/// copy of the book on top, 205–212 MB instead of 191 MB peak RSS.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called once, from
    // main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// Frees a book the host is done with, on two threads (freeing a hundred
/// thousand customers' strings one by one is most of a tenth of a second),
/// then gives the freed pages back to the system.
fn free_book(book: kehu_core::Book) {
    fn clear(part: &mut [kehu_core::LoadedCustomer]) {
        for loaded in part {
            drop(std::mem::take(&mut loaded.customer));
            drop(std::mem::take(&mut loaded.path));
        }
    }
    let mut customers = book.customers;
    let half = customers.len() / 2;
    let (first, second) = customers.split_at_mut(half);
    std::thread::scope(|scope| {
        scope.spawn(|| clear(second));
        clear(first);
    });
    drop(customers);
    release_free_memory();
}

/// Gives the pages malloc holds free back to the system: after the host
/// drops its book, before the plugin builds its own copy (and after the
/// plugin dropped its copy, before the host loads the book again).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The search path for this run: `--plugin-dir`, `KEHU_PLUGIN_PATH`, beside
/// the executable, the user data directory; never inside the book.
pub fn search_path(context: &mut Context) -> SearchPath {
    let book = context.book_root().ok();
    SearchPath::from_environment(&context.global.plugin_dir, book.as_deref())
}

/// Loads every plugin found and prints the warnings about files passed over.
pub fn load_all(context: &mut Context) -> Registry {
    let search = search_path(context);
    for warning in search.warnings() {
        warn(context, &warning.to_string());
    }
    let registry = Registry::load_all(&search);
    for warning in registry.warnings() {
        warn(context, &warning.to_string());
    }
    registry
}

/// Prints a warning on stderr unless `-q`.
pub fn warn(context: &Context, message: &str) {
    if !context.global.quiet {
        let _ = writeln!(std::io::stderr(), "kehu: warning: {message}");
    }
}
/// Answers a plugin's requests for data from the book and its history, as
/// of the run's `--as-of`. The book is loaded on use only, so a plugin's
/// `--help` costs nothing.
pub struct Services<'c> {
    context: std::cell::RefCell<&'c mut Context>,
    book: OnceCell<Result<kehu_core::Book, String>>,
    /// `--out FILE`: where the plugin's stdout goes instead of the terminal.
    out: std::cell::RefCell<Option<crate::out_file::OutFile>>,
    /// Set when writing the plugin's stdout failed because its reader went
    /// away (`kehu classify | head`): the plugin's failure that follows is
    /// not one.
    reader_gone: std::cell::Cell<bool>,
    /// Where the plugin's output is also kept, to replay the run later
    /// (crate::replay).
    recording: std::cell::RefCell<Option<kehu_cache::Recording>>,
}

impl<'c> Services<'c> {
    /// Services over the book of `context`.
    pub fn new(context: &'c mut Context) -> Services<'c> {
        Services {
            context: std::cell::RefCell::new(context),
            book: OnceCell::new(),
            out: std::cell::RefCell::new(None),
            reader_gone: std::cell::Cell::new(false),
            recording: std::cell::RefCell::new(None),
        }
    }

    /// Keeps a copy of everything the plugin prints in `recording`.
    pub fn with_recording(self, recording: Option<kehu_cache::Recording>) -> Self {
        self.recording.replace(recording);
        self
    }

    /// The recording of the plugin's output, once the run is over.
    pub fn take_recording(&self) -> Option<kehu_cache::Recording> {
        self.recording.borrow_mut().take()
    }

    /// Writes to stderr what the plugin prints there.
    pub fn write_stderr(&self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(recording) = self.recording.borrow_mut().as_mut() {
            recording.write(kehu_cache::Stream::Stderr, bytes);
        }
        std::io::stderr().lock().write_all(bytes)
    }

    /// Sends the plugin's stdout to `out` (`--out FILE`) instead of the terminal.
    pub fn with_out(self, out: Option<crate::out_file::OutFile>) -> Self {
        self.out.replace(out);
        self
    }

    /// Writes the plugin's stdout: to the `--out` file, else the terminal.
    pub fn write_stdout(&self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(recording) = self.recording.borrow_mut().as_mut() {
            recording.write(kehu_cache::Stream::Stdout, bytes);
        }
        let written = match self.out.borrow_mut().as_mut() {
            Some(out) => out.write(bytes).map_err(std::io::Error::other),
            None => std::io::stdout().lock().write_all(bytes),
        };
        if let Err(error) = &written
            && error.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.reader_gone.set(true);
        }
        written
    }

    /// Whether the plugin's stdout lost its reader (see `reader_gone`).
    pub fn reader_gone(&self) -> bool {
        self.reader_gone.get()
    }

    /// The `--out` file, to commit once the command succeeded.
    pub fn take_out(&self) -> Option<crate::out_file::OutFile> {
        self.out.borrow_mut().take()
    }

    /// The loaded book (loading it if no plugin call did yet).
    pub fn loaded_book(&self) -> anyhow::Result<&kehu_core::Book> {
        self.book
            .get_or_init(|| {
                let mut context = self.context.borrow_mut();
                session::load_for_reading(&mut context).map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Runs `f` with the context.
    pub fn with_context<T>(&self, f: impl FnOnce(&mut Context) -> T) -> T {
        f(&mut self.context.borrow_mut())
    }

    fn history<T>(
        &self,
        f: impl FnOnce(&kehu_git::History<'_>, Option<&str>) -> Result<T, kehu_git::GitError>,
    ) -> Result<T, ServiceError> {
        let (root, past, as_of) =
            self.with_context(|c| (c.book_root(), c.reads_the_past(), c.as_of));
        let root: PathBuf = root.map_err(|e| ServiceError::new(format!("{e:#}")))?;
        let repo = kehu_git::Book::open(&root).map_err(|e| ServiceError::new(e.to_string()))?;
        let history = repo.indexed_history();
        let rev = if past {
            history
                .commit_at_end_of(as_of, None)
                .map_err(|e| ServiceError::new(e.to_string()))?
        } else {
            None
        };
        f(&history, rev.as_deref()).map_err(|e| ServiceError::new(e.to_string()))
    }
}

/// The environment variable that makes the host answer every book call in
/// JSON (value `json`), even when the plugin asks for the binary encoding:
/// to compare the two transfers, or to rule the binary one out.
pub const BOOK_ENCODING_ENV: &str = "KEHU_PLUGIN_BOOK";

/// The encoding to answer in when the plugin asked for `asked`.
fn answer_encoding(asked: BookEncoding) -> BookEncoding {
    match std::env::var(BOOK_ENCODING_ENV) {
        Ok(value) if value.eq_ignore_ascii_case("json") => BookEncoding::Json,
        _ => asked,
    }
}

/// Encodes a book's customers as a `book`/`book_at` answer.
fn encode<'a>(
    as_of: Date,
    config: &kehu_core::Config,
    customers: impl Iterator<Item = &'a kehu_core::Customer>,
    encoding: BookEncoding,
) -> Result<Vec<u8>, ServiceError> {
    match answer_encoding(encoding) {
        BookEncoding::Json => {
            encode_book(as_of, config, customers).map_err(|e| ServiceError::new(e.to_string()))
        }
        BookEncoding::Binary => encode_book_binary(as_of, config, customers)
            .map_err(|e| ServiceError::new(e.to_string())),
    }
}

/// Encodes a book loaded for this answer only, emptying its customers as
/// it goes (kehu-plugin's `encode_book_binary_draining`), then frees it:
/// the host and the plugin never hold the book at once. With `fields`,
/// only those fields of each customer are sent.
fn encode_and_free(
    as_of: Date,
    mut book: kehu_core::Book,
    encoding: BookEncoding,
    fields: Option<&CustomerFields>,
) -> Result<Vec<u8>, ServiceError> {
    let customers = book.customers.iter_mut().map(|c| &mut c.customer);
    let encoded = match answer_encoding(encoding) {
        BookEncoding::Binary => encode_book_binary_draining(as_of, &book.config, customers, fields)
            .map_err(|e| ServiceError::new(e.to_string())),
        BookEncoding::Json => {
            let projected = customers.map(|c| {
                if let Some(fields) = fields {
                    fields.strip(c);
                }
                let shared: &kehu_core::Customer = c;
                shared
            });
            encode_book(as_of, &book.config, projected)
                .map_err(|e| ServiceError::new(e.to_string()))
        }
    };
    free_book(book);
    encoded
}

impl Services<'_> {
    /// The book as of the run's day, encoded, with only `fields` of each
    /// customer when given.
    fn book_encoded(
        &self,
        encoding: BookEncoding,
        fields: Option<&CustomerFields>,
    ) -> Result<Vec<u8>, ServiceError> {
        let as_of = self.with_context(|c| c.as_of);
        if let Some(Ok(book)) = self.book.get() {
            let customers = book.customers.iter().map(|c| &c.customer);
            return match fields {
                None => encode(as_of, &book.config, customers, encoding),
                Some(fields) => {
                    let projected: Vec<kehu_core::Customer> =
                        customers.map(|c| fields.project(c)).collect();
                    encode(as_of, &book.config, projected.iter(), encoding)
                }
            };
        }
        // Loaded for this answer only and dropped before the plugin decodes
        // its own copy. A changeset coming back loads it again (from the
        // parse cache).
        let book = self
            .with_context(session::load_for_reading)
            .map_err(|e| ServiceError::new(format!("{e:#}")))?;
        encode_and_free(as_of, book, encoding, fields)
    }

    /// The book as of the end of `date`, encoded.
    fn book_at_encoded(&self, date: Date, encoding: BookEncoding) -> Result<Vec<u8>, ServiceError> {
        let files = self.history(|history, _| {
            let Some(commit) = history.commit_at_end_of(date, None)? else {
                return Ok(None);
            };
            history.snapshot(&commit).map(|s| Some(s.files))
        })?;
        let Some(files) = files else {
            return Err(ServiceError::new(format!(
                "the book has no commit on or before {date}"
            )));
        };
        let entries = files.into_iter().map(kehu_core::Entry::from).collect();
        let book = kehu_core::load_entries(entries, &kehu_core::LoadOptions { as_of: date })
            .map_err(|e| ServiceError::new(format!("reading the book as of {date}: {e}")))?;
        encode_and_free(date, book, encoding, None)
    }
}

impl HostServices for Services<'_> {
    fn book(&self) -> Result<Vec<u8>, ServiceError> {
        self.book_encoded(BookEncoding::Json, None)
    }

    fn book_binary(&self) -> Result<Vec<u8>, ServiceError> {
        self.book_encoded(BookEncoding::Binary, None)
    }

    fn book_binary_fields(&self, fields: &CustomerFields) -> Result<Vec<u8>, ServiceError> {
        self.book_encoded(BookEncoding::Binary, Some(fields))
    }

    fn book_at(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        self.book_at_encoded(date, BookEncoding::Json)
    }

    fn book_at_binary(&self, date: Date) -> Result<Vec<u8>, ServiceError> {
        self.book_at_encoded(date, BookEncoding::Binary)
    }

    fn rules_at(&self, rev: Option<&str>) -> Result<Vec<u8>, ServiceError> {
        let text = match rev {
            None if !self.with_context(|c| c.reads_the_past()) => {
                let root = self
                    .with_context(|c| c.book_root())
                    .map_err(|e| ServiceError::new(format!("{e:#}")))?;
                let path = root.join(kehu_core::CONFIG_FILE);
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(ServiceError::new(
                        "kehu.toml is a symbolic link; not followed".to_owned(),
                    ));
                }
                std::fs::read_to_string(path)
                    .map_err(|e| ServiceError::new(format!("reading kehu.toml: {e}")))?
            }
            _ => {
                let files = self.history(|history, past| {
                    let rev = rev.or(past).unwrap_or("HEAD");
                    history.snapshot(rev).map(|s| s.files)
                })?;
                let bytes = files
                    .into_iter()
                    .find(|(path, _)| path == kehu_core::CONFIG_FILE)
                    .map(|(_, bytes)| bytes)
                    .ok_or_else(|| {
                        ServiceError::new(format!(
                            "revision `{}` has no kehu.toml",
                            rev.unwrap_or("HEAD")
                        ))
                    })?;
                String::from_utf8(bytes).map_err(|_| ServiceError::new("kehu.toml is not UTF-8"))?
            }
        };
        Ok(kehu_plugin::protocol::Rules::new(rev.map(str::to_owned), None, text).to_json())
    }

    fn customer_history(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        let events = self.history(|history, rev| history.customer(id, rev))?;
        serde_json::to_vec(&events).map_err(|e| ServiceError::new(e.to_string()))
    }

    fn write_output(&self, stream: OutputStream, bytes: &[u8]) -> Option<std::io::Result<()>> {
        Some(match stream {
            OutputStream::Stdout => self.write_stdout(bytes),
            OutputStream::Stderr => self.write_stderr(bytes),
        })
    }

    fn changes(&self, since: Option<Date>, until: Option<Date>) -> Result<Vec<u8>, ServiceError> {
        self.changes_filtered(since, until, &ChangeFilter::default())
    }

    fn changes_filtered(
        &self,
        since: Option<Date>,
        until: Option<Date>,
        filter: &ChangeFilter,
    ) -> Result<Vec<u8>, ServiceError> {
        let filter = kehu_git::ChangeFilter {
            fields: filter.fields.as_ref().map(|f| f.iter().cloned().collect()),
            contacts: filter.contacts,
            trailers: filter
                .trailers
                .as_ref()
                .map(|t| t.iter().cloned().collect()),
        };
        // Each event is written as it is found: the host holds the JSON
        // answer, never a list of events besides it.
        let mut out = vec![b'['];
        let mut failed = None;
        self.history(|history, rev| {
            history.log_each(&self.window(rev, since, until, filter), |event| {
                if out.len() > 1 {
                    out.push(b',');
                }
                match serde_json::to_writer(&mut out, &event) {
                    Ok(()) => std::ops::ControlFlow::Continue(()),
                    Err(e) => {
                        failed = Some(e);
                        std::ops::ControlFlow::Break(())
                    }
                }
            })
        })?;
        if let Some(e) = failed {
            return Err(ServiceError::new(e.to_string()));
        }
        out.push(b']');
        Ok(out)
    }

    fn last_contacts(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<Vec<u8>, ServiceError> {
        Ok(self.logged_contacts(since, until)?.to_json())
    }

    fn last_contacts_binary(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<Vec<u8>, ServiceError> {
        kehu_plugin::binary_contacts::encode(&self.logged_contacts(since, until)?)
            .map_err(|error| ServiceError::new(error.to_string()))
    }
}

impl Services<'_> {
    /// The `last_contacts` answer for a window, in either encoding.
    fn logged_contacts(
        &self,
        since: Option<Date>,
        until: Option<Date>,
    ) -> Result<LastContacts, ServiceError> {
        let logs = self.history(|history, rev| {
            history.last_contacts(&self.window(rev, since, until, Default::default()))
        })?;
        let customers = logs
            .into_iter()
            .map(|log| LoggedContact {
                id: log.id,
                contact: log.contact,
                field: log
                    .field
                    .map(|(value, bookkeeping)| ContactWrite { value, bookkeeping }),
            })
            .collect();
        Ok(LastContacts {
            schema: kehu_plugin::protocol::SCHEMA.to_owned(),
            customers,
        })
    }

    /// The history query for a window ending at `until`, or at the run's
    /// `--as-of` when open.
    fn window(
        &self,
        rev: Option<&str>,
        since: Option<Date>,
        until: Option<Date>,
        filter: kehu_git::ChangeFilter,
    ) -> kehu_git::LogQuery {
        kehu_git::LogQuery {
            rev: rev.map(str::to_owned),
            since,
            until: until.or_else(|| Some(self.with_context(|c| c.as_of))),
            filter,
        }
    }
}
