//! `cargo +nightly fuzz run parse` (from the repository root, with cargo-fuzz):
//! any text must parse or fail with an error whose span lies inside it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        if let Err(e) = kql::syntax::parse(src) {
            if let Some(s) = e.span() {
                assert!(s.start <= s.end && s.end <= src.len());
            }
            let _ = e.render("fuzz", src);
        }
    }
});
