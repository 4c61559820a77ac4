//! `cargo +nightly fuzz run exec`: generated queries over small generated tables keep
//! their invariants (tests/fuzzgen/exec.rs), the fuzzer's bytes steering the choices.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzzgen/mod.rs"]
mod fuzzgen;

fuzz_target!(|data: &[u8]| {
    let mut rng = fuzzgen::Rng::from_bytes(data);
    if let Err(why) = fuzzgen::exec::case(&mut rng) {
        panic!("{why}");
    }
});
