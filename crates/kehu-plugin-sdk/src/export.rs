//! The guest side of the ABI: what [`export_plugin!`](crate::export_plugin)
//! expands to calls into here.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use kehu_plugin::abi::{Buffer, HostApi, STATUS_ERROR, STATUS_OK, STATUS_PANIC};
use kehu_plugin::protocol::Request;
use kehu_plugin::services::panic_text;

use crate::{Context, Plugin};

thread_local! {
    /// Whether this thread is inside `run` (so the panic hook records
    /// instead of printing).
    static IN_RUN: Cell<bool> = const { Cell::new(false) };
    /// The last panic seen inside `run` on this thread, with its location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once per plugin library, a panic hook that records panics
/// inside `run` (message and location) for the host to report, instead of
/// printing them; panics elsewhere go to the previous hook.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_RUN.with(Cell::get) {
                let message = panic_text(info.payload());
                let text = match info.location() {
                    Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                    None => message,
                };
                LAST_PANIC.with(|slot| *slot.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Builds a NUL-terminated copy of `text` at compile time, for the
/// descriptor's strings. `N` must be `text.len() + 1`.
pub const fn c_text<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    assert!(bytes.len() + 1 == N, "c_text: N must be text.len() + 1");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        assert!(
            b != 0 && b != b'\n' && b != b'\r',
            "descriptor strings are one line without NUL"
        );
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// The body of an exported `run`: reads the request, runs the plugin with
/// panics caught, and stores the encoded response in `*response`.
///
/// # Safety
///
/// The arguments must follow [`kehu_plugin::abi::PluginDescriptor::run`]'s
/// contract: `request` points at `request_len` bytes, `host` is null or a
/// valid `HostApi` for this call, `response` is writable.
pub unsafe fn run<P: Plugin + Default>(
    request: *const u8,
    request_len: usize,
    host: *const HostApi,
    response: *mut Buffer,
) -> i32 {
    if response.is_null() {
        return STATUS_ERROR;
    }
    install_panic_hook();
    let bytes: &[u8] = if request.is_null() || request_len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(request, request_len) }
    };
    // SAFETY: null or valid for this call, as the caller guarantees.
    let host = unsafe { host.as_ref() };
    let was_in_run = IN_RUN.with(|flag| flag.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| handle::<P>(bytes, host)));
    IN_RUN.with(|flag| flag.set(was_in_run));
    let (status, body) = match outcome {
        Ok(Ok(json)) => (STATUS_OK, json),
        Ok(Err(message)) => (STATUS_ERROR, message.into_bytes()),
        Err(payload) => {
            let recorded = LAST_PANIC.with(|slot| slot.borrow_mut().take());
            let message = recorded.unwrap_or_else(|| panic_text(&*payload));
            // The payload's own destructor could panic; never let that
            // unwind out of an `extern "C"` function.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            (STATUS_PANIC, message.into_bytes())
        }
    };
    // SAFETY: non-null, and the ABI makes it our out-parameter.
    unsafe { response.write(Buffer::from_vec(body)) };
    status
}

fn handle<P: Plugin + Default>(bytes: &[u8], host: Option<&HostApi>) -> Result<Vec<u8>, String> {
    let request = Request::from_json(bytes).map_err(|error| error.to_string())?;
    let mut ctx = Context::new(&request, host);
    let plugin = P::default();
    let mut response = match plugin.run(&mut ctx, &request.args) {
        Ok(output) => output.into_response(),
        Err(error) => error.into_response(&request.command),
    };
    // Stdout goes out raw, after what the plugin streamed; a host that does
    // not take streamed output gets it all in the response.
    let streams = ctx.streams();
    if streams.send(response.stdout.as_bytes()).is_ok() {
        response.stdout.clear();
    }
    let stdout = streams.take_kept();
    if !stdout.is_empty() {
        response.stdout = String::from_utf8_lossy(&stdout).into_owned() + &response.stdout;
    }
    response
        .to_json()
        .map_err(|error| format!("cannot encode the response: {error}"))
}

/// Exports a [`Plugin`] as this library's kehu plugin.
///
/// ```
/// # use kehu_plugin_sdk::{Context, Output, Plugin, PluginError};
/// # #[derive(Default)]
/// # struct Hello;
/// # impl Plugin for Hello {
/// #     fn run(&self, _: &mut Context<'_>, _: &[String]) -> Result<Output, PluginError> {
/// #         Ok(Output::new())
/// #     }
/// # }
/// kehu_plugin_sdk::export_plugin!(Hello, name = "hello", version = env!("CARGO_PKG_VERSION"),
///     about = "Count customers per stage");
/// ```
///
/// The type must implement [`Plugin`] and `Default` (one value is made per
/// run). `name` must be `[a-z0-9][a-z0-9-]*` and match the library's file
/// name (`hello` is `libkehu_hello.so`, so the package is `kehu-hello`);
/// `version` and `about` are one line each. All three are checked at compile
/// time. Use the macro once per crate, at the crate root.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty, name = $name:expr, version = $version:expr, about = $about:expr $(,)?) => {
        const _: () = {
            assert!(
                $crate::__private::is_valid_name($name),
                "kehu plugin names are lowercase words joined by `-`, at most 64 bytes"
            );
        };

        /// The kehu plugin entry point (see the kehu-plugin ABI).
        #[unsafe(no_mangle)]
        pub extern "C" fn kehu_plugin_entry() -> *const $crate::__private::PluginDescriptor {
            const NAME: &str = $name;
            const VERSION: &str = $version;
            const ABOUT: &str = $about;
            static NAME_C: [u8; NAME.len() + 1] = $crate::__private::c_text(NAME);
            static VERSION_C: [u8; VERSION.len() + 1] = $crate::__private::c_text(VERSION);
            static ABOUT_C: [u8; ABOUT.len() + 1] = $crate::__private::c_text(ABOUT);

            unsafe extern "C" fn run(
                request: *const u8,
                request_len: usize,
                host: *const $crate::__private::HostApi,
                response: *mut $crate::__private::Buffer,
            ) -> i32 {
                // SAFETY: the host calls `run` per the ABI contract, which
                // is exactly `run`'s safety contract.
                unsafe { $crate::__private::run::<$plugin>(request, request_len, host, response) }
            }

            static DESCRIPTOR: $crate::__private::PluginDescriptor =
                $crate::__private::PluginDescriptor {
                    abi_version: $crate::__private::ABI_VERSION,
                    name: NAME_C.as_ptr().cast(),
                    version: VERSION_C.as_ptr().cast(),
                    about: ABOUT_C.as_ptr().cast(),
                    run: Some(run),
                    free_buffer: Some($crate::__private::free_rust_buffer),
                };
            &DESCRIPTOR
        }
    };
}
