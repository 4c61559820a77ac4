//! `cargo +nightly fuzz run files`: damaged table files of every format read the same
//! streamed and whole (tests/fuzzgen/files.rs), the fuzzer's bytes steering the damage.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzzgen/mod.rs"]
mod fuzzgen;

fuzz_target!(|data: &[u8]| {
    let mut rng = fuzzgen::Rng::from_bytes(data);
    if let Err(why) = fuzzgen::files::case(&mut rng) {
        panic!("{why}");
    }
});
