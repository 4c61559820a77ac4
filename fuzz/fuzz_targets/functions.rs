//! `cargo +nightly fuzz run functions`: any function of the registry called with edge
//! and ordinary arguments (tests/fuzzgen/functions.rs) never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzzgen/mod.rs"]
mod fuzzgen;

fuzz_target!(|data: &[u8]| {
    let mut rng = fuzzgen::Rng::from_bytes(data);
    let (name, args) = fuzzgen::functions::random_call(&mut rng);
    if let Err(why) = fuzzgen::functions::call(name, &args) {
        panic!("{why}");
    }
});
