//! A plugin written against the C ABI by hand, with no kehu crates (as a C
//! plugin would be), that answers with garbage: invalid JSON, a wrong schema
//! or an undefined status, depending on its first argument. For the
//! loader's hostile-input tests.

use std::ffi::{c_char, c_void};

#[repr(C)]
pub struct Buffer {
    data: *mut u8,
    len: usize,
    capacity: usize,
}

#[repr(C)]
pub struct HostApi {
    context: *mut c_void,
    call: unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut Buffer) -> i32,
    free_buffer: unsafe extern "C" fn(Buffer),
}

#[repr(C)]
pub struct Descriptor {
    abi_version: u32,
    name: *const c_char,
    version: *const c_char,
    about: *const c_char,
    run: unsafe extern "C" fn(*const u8, usize, *const HostApi, *mut Buffer) -> i32,
    free_buffer: unsafe extern "C" fn(Buffer),
}

// SAFETY: immutable, pointing at static data.
unsafe impl Sync for Descriptor {}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

unsafe extern "C" fn run(
    request: *const u8,
    len: usize,
    _host: *const HostApi,
    response: *mut Buffer,
) -> i32 {
    // SAFETY: per the ABI.
    let request = unsafe { std::slice::from_raw_parts(request, len) };
    let (status, body): (i32, &[u8]) = if contains(request, b"wrong-schema") {
        (0, br#"{"schema":"kehu.plugin/99","stdout":"hi"}"#)
    } else if contains(request, b"bad-status") {
        (42, b"")
    } else if contains(request, b"bad-exit") {
        (0, br#"{"schema":"kehu.plugin/1","exit_code":-7}"#)
    } else {
        (0, b"{\"schema\": \"kehu.plugin/1\", this is not json")
    };
    let mut bytes = std::mem::ManuallyDrop::new(body.to_vec());
    // SAFETY: per the ABI, `response` is writable.
    unsafe {
        response.write(Buffer {
            data: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        })
    };
    status
}

unsafe extern "C" fn free_buffer(buffer: Buffer) {
    if !buffer.data.is_null() {
        // SAFETY: made by `run` above from a Vec.
        drop(unsafe { Vec::from_raw_parts(buffer.data, buffer.len, buffer.capacity) });
    }
}

static DESCRIPTOR: Descriptor = Descriptor {
    abi_version: 1,
    name: c"garbage".as_ptr(),
    version: c"0.0.1".as_ptr(),
    about: c"Answers with garbage".as_ptr(),
    run,
    free_buffer,
};

/// The kehu entry point.
#[unsafe(no_mangle)]
pub extern "C" fn kehu_plugin_entry() -> *const Descriptor {
    &DESCRIPTOR
}
