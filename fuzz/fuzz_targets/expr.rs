//! Fuzz target `expr`: see `kehu_fuzz::TARGETS` for what it asserts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kehu_fuzz::run_target("expr", data);
});
