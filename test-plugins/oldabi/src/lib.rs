//! A library that claims a future ABI version. The host must refuse it after
//! reading only the version: its `run` aborts the process if ever called.

use std::ffi::c_char;

#[repr(C)]
pub struct Descriptor {
    abi_version: u32,
    name: *const c_char,
    run: extern "C" fn(),
}

// SAFETY: immutable, pointing at static data.
unsafe impl Sync for Descriptor {}

extern "C" fn run() {
    std::process::abort();
}

static DESCRIPTOR: Descriptor = Descriptor {
    abi_version: 999,
    name: c"oldabi".as_ptr(),
    run,
};

/// The kehu entry point, of another ABI.
#[unsafe(no_mangle)]
pub extern "C" fn kehu_plugin_entry() -> *const Descriptor {
    &DESCRIPTOR
}
