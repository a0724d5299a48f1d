//! The customer loader and validator: any bytes as a customer file, next to a
//! valid kehu.toml. Loading never panics, every diagnostic names the file,
//! and a customer that loads has a valid id.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kehu_fuzz::run_target("customer", data);
});
