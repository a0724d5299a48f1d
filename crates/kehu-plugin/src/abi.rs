//! The C ABI between the `kehu` host and a plugin library.
//!
//! Nothing here is a Rust type with an unstable layout: every struct is
//! `#[repr(C)]` and holds integers, raw pointers and `extern "C"` function
//! pointers, so a plugin built by another compiler version, or written in C,
//! loads as long as it follows this file. Data crosses as bytes (JSON, see
//! [`crate::protocol`]), and every buffer is freed by the side that allocated
//! it, through the `free_buffer` function that side hands over.
//!
//! # Life of a call
//!
//! 1. The host resolves [`ENTRY_SYMBOL`] (an [`EntryFn`]) and calls it; it
//!    returns a pointer to a static [`PluginDescriptor`].
//! 2. The host reads **only** [`PluginDescriptor::abi_version`] (the first
//!    field, which never moves) and refuses the library unless it equals
//!    [`ABI_VERSION`]. Nothing else in the library is touched before that.
//! 3. The host calls [`PluginDescriptor::run`] with the request bytes and a
//!    [`HostApi`]; the plugin may call [`HostApi::call`] any number of times
//!    during `run` (never after it returns), and frees each answer with
//!    [`HostApi::free_buffer`]. It may also stream its output through
//!    [`HostApi::write`] as it goes, so a large report is never held whole
//!    nor escaped into the response JSON.
//! 4. `run` stores a plugin-allocated [`Buffer`] in `*response` and returns a
//!    status; the host reads it and frees it with
//!    [`PluginDescriptor::free_buffer`].

use std::ffi::{c_char, c_void};

/// The ABI version this crate speaks. Bumped on any change to the layout or
/// meaning of the structs and functions in this module (2: [`HostApi::write`]).
pub const ABI_VERSION: u32 = 2;

/// The one symbol a plugin library exports, NUL-terminated for `dlsym`.
pub const ENTRY_SYMBOL: &[u8] = b"kehu_plugin_entry\0";

/// The signature of [`ENTRY_SYMBOL`]: returns a pointer to a descriptor that
/// lives as long as the library (in practice a `static`).
pub type EntryFn = unsafe extern "C" fn() -> *const PluginDescriptor;

/// `run` finished; `*response` holds a JSON [`crate::protocol::Response`].
pub const STATUS_OK: i32 = 0;
/// `run` panicked; `*response` holds the panic message as UTF-8 text.
pub const STATUS_PANIC: i32 = 1;
/// `run` refused the request (unreadable, wrong schema); `*response` holds a
/// UTF-8 message.
pub const STATUS_ERROR: i32 = 2;

/// A host service answered; the buffer holds JSON.
pub const HOST_OK: i32 = 0;
/// A host service failed; the buffer holds a UTF-8 message.
pub const HOST_ERROR: i32 = 1;
/// [`HostApi::write`]: this host does not take streamed output; the plugin
/// returns it in its response instead.
pub const HOST_UNSUPPORTED: i32 = 2;

/// [`HostApi::write`]'s stream: the host's standard output.
pub const STREAM_STDOUT: u32 = 1;
/// [`HostApi::write`]'s stream: the host's standard error.
pub const STREAM_STDERR: u32 = 2;

/// A byte buffer owned by the side that allocated it.
///
/// `capacity` is opaque to the receiver: only the allocating side's
/// `free_buffer` interprets it (a Rust side stores a `Vec<u8>`'s capacity so
/// it can rebuild and drop the `Vec` without copying).
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    /// First byte, or null for an empty buffer.
    pub data: *mut u8,
    /// Number of valid bytes at `data`.
    pub len: usize,
    /// Allocation detail of the owner; do not interpret.
    pub capacity: usize,
}

impl Buffer {
    /// An empty buffer that owns nothing (what a receiver initialises the
    /// out-parameter with).
    pub const fn empty() -> Buffer {
        Buffer {
            data: std::ptr::null_mut(),
            len: 0,
            capacity: 0,
        }
    }

    /// Hands a `Vec`'s allocation over the boundary without copying; the
    /// same side must later release it with [`Buffer::into_vec`].
    pub fn from_vec(bytes: Vec<u8>) -> Buffer {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Buffer {
            data: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }

    /// Takes back a buffer made by [`Buffer::from_vec`] on this side.
    ///
    /// # Safety
    ///
    /// `self` must come from `Buffer::from_vec` in the same library (same
    /// allocator) and must not be used again.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.data.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees the parts come from a Vec<u8> built
        // by this allocator and not yet released.
        unsafe { Vec::from_raw_parts(self.data, self.len, self.capacity) }
    }

    /// Views the bytes of a buffer received from the other side.
    ///
    /// # Safety
    ///
    /// `data` must be null or point at `len` readable bytes that stay valid
    /// until the buffer is freed.
    pub unsafe fn as_slice(&self) -> &[u8] {
        if self.data.is_null() || self.len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

/// Frees a buffer that this side allocated with [`Buffer::from_vec`]; both
/// the SDK and the host hand this function to the other side.
///
/// # Safety
///
/// Only for buffers made by `Buffer::from_vec` in the same library, once.
pub unsafe extern "C" fn free_rust_buffer(buffer: Buffer) {
    // SAFETY: guaranteed by the caller.
    drop(unsafe { buffer.into_vec() });
}

/// What the plugin's `run` receives to reach the host.
///
/// Valid only for the duration of the `run` call that received it, and only
/// on the calling thread.
#[repr(C)]
pub struct HostApi {
    /// Opaque host state, passed back to `call`.
    pub context: *mut c_void,
    /// Asks the host for data: `request` is a JSON
    /// [`crate::protocol::HostCall`]; the answer goes into `*response` (a host
    /// buffer: JSON on [`HOST_OK`], a UTF-8 message on [`HOST_ERROR`]).
    pub call: HostCallFn,
    /// Frees a buffer the host returned from `call`.
    pub free_buffer: FreeFn,
    /// Writes `len` bytes at `data` to the host's [`STREAM_STDOUT`] or
    /// [`STREAM_STDERR`] now, before `run` returns, without copying them
    /// into any JSON. Returns [`HOST_OK`], [`HOST_ERROR`] (the write failed,
    /// e.g. a closed pipe: stop writing), or [`HOST_UNSUPPORTED`].
    pub write: HostWriteFn,
}

/// The signature of [`HostApi::write`].
pub type HostWriteFn =
    unsafe extern "C" fn(context: *mut c_void, stream: u32, data: *const u8, len: usize) -> i32;

/// The signature of [`HostApi::call`].
pub type HostCallFn = unsafe extern "C" fn(
    context: *mut c_void,
    request: *const u8,
    request_len: usize,
    response: *mut Buffer,
) -> i32;

/// The plugin's static description of itself.
///
/// `abi_version` is the first field and stays first in every future ABI, so a
/// host can read it from any kehu plugin and refuse the rest unread.
#[repr(C)]
pub struct PluginDescriptor {
    /// Must equal the host's [`ABI_VERSION`].
    pub abi_version: u32,
    /// The subcommand, `[a-z0-9][a-z0-9-]*`, NUL-terminated, static. It must
    /// match the library's file name: `classify` is `libkehu_classify.so`.
    pub name: *const c_char,
    /// The plugin's version (semver by convention), NUL-terminated, static.
    pub version: *const c_char,
    /// One line saying what the plugin does, NUL-terminated, static.
    pub about: *const c_char,
    /// Runs one command: reads `request_len` bytes of JSON
    /// [`crate::protocol::Request`] at `request`, may call `host`, stores a
    /// plugin buffer in `*response` and returns a `STATUS_*` code.
    ///
    /// An `Option` so a host can refuse a descriptor written in C with a
    /// null pointer instead of jumping to address zero.
    pub run: Option<RunFn>,
    /// Frees a buffer the plugin returned from `run`.
    pub free_buffer: Option<FreeFn>,
}

/// The signature of [`PluginDescriptor::run`].
pub type RunFn = unsafe extern "C" fn(
    request: *const u8,
    request_len: usize,
    host: *const HostApi,
    response: *mut Buffer,
) -> i32;

/// The signature of a `free_buffer` function on either side.
pub type FreeFn = unsafe extern "C" fn(buffer: Buffer);

// SAFETY: a descriptor is immutable after construction and its pointers point
// at static, immutable data (NUL-terminated strings and functions), so it can
// live in a `static` shared by all threads.
unsafe impl Sync for PluginDescriptor {}

/// Whether `name` is a valid plugin name: `[a-z0-9][a-z0-9-]*`, at most 64
/// bytes. `const` so the SDK's export macro can refuse a bad name at compile
/// time.
pub const fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ok = b.is_ascii_lowercase() || b.is_ascii_digit() || (b == b'-' && i > 0);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_round_trip_without_copying() {
        let bytes = b"{\"schema\":\"kehu.plugin/1\"}".to_vec();
        let address = bytes.as_ptr();
        let buffer = Buffer::from_vec(bytes);
        assert_eq!(buffer.data.cast_const(), address);
        // SAFETY: made just above by from_vec.
        assert_eq!(
            unsafe { buffer.as_slice() },
            b"{\"schema\":\"kehu.plugin/1\"}"
        );
        // SAFETY: same.
        let back = unsafe { buffer.into_vec() };
        assert_eq!(back.as_ptr(), address);
    }

    #[test]
    fn empty_buffers_are_safe_to_view_and_free() {
        let empty = Buffer::empty();
        // SAFETY: null buffers are explicitly allowed.
        assert!(unsafe { empty.as_slice() }.is_empty());
        // SAFETY: a null buffer owns nothing.
        unsafe { free_rust_buffer(Buffer::empty()) };
    }

    #[test]
    fn names_are_lowercase_words_joined_by_hyphens() {
        for good in ["classify", "hello", "x", "rfm-2"] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "-x", "Classify", "a_b", "a b", "über", &"x".repeat(65)] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn abi_version_is_the_first_field() {
        assert_eq!(std::mem::offset_of!(PluginDescriptor, abi_version), 0);
    }
}
