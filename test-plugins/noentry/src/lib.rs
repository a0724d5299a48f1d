//! A real shared library named like a plugin that does not export the kehu
//! entry point.

/// Something else entirely.
#[unsafe(no_mangle)]
pub extern "C" fn not_the_kehu_entry() -> u32 {
    7
}
