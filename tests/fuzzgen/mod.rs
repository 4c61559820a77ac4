//! The generators behind kql's fuzzing, shared by three drivers so that each runs the
//! same cases:
//! - `tests/fuzz_seeded.rs`: a short, seeded run on every `cargo test` (stable Rust);
//! - `examples/fuzz.rs`: the long campaigns (an iteration count and a seed, every case
//!   in a child process so that an abort or a stack overflow is reported, not fatal);
//! - `fuzz/fuzz_targets/*.rs`: cargo-fuzz targets (nightly), the choices read from the
//!   fuzzer's bytes.
//!
//! Three kinds of case: [`exec`] (generated queries over small generated tables, with
//! invariants that hold whatever the query means), [`files`] (mutated table files of
//! every format: the streaming reader and the full loader agree) and [`functions`]
//! (every function of the registry called with edge arguments). A case returns
//! `Err(what went wrong)` when an invariant fails; a panic is the caller's to catch.
#![allow(dead_code)]

pub mod exec;
pub mod files;
pub mod functions;

/// The choices a generator makes: xorshift64* from a seed, or (for cargo-fuzz) the
/// fuzzer's bytes first, so that the fuzzer steers the choices, then xorshift.
pub struct Rng {
    state: u64,
    bytes: Vec<u8>,
    at: usize,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng {
            state: mix(seed) | 1,
            bytes: Vec::new(),
            at: 0,
        }
    }

    /// The generator of case `case` of a campaign seeded `seed`: each case replays alone.
    pub fn for_case(seed: u64, case: u64) -> Self {
        Rng::new(mix(seed) ^ mix(case.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    }

    /// Choices read from `bytes` (one byte per choice), then from a generator seeded by them.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let seed = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        });
        Rng {
            bytes: bytes.to_vec(),
            ..Rng::new(seed)
        }
    }

    pub fn next(&mut self) -> u64 {
        if let Some(b) = self.bytes.get(self.at) {
            self.at += 1;
            // One byte per choice: small ranges are what the generators ask for.
            return u64::from(*b) | (self.xorshift() & !0xff);
        }
        self.xorshift()
    }

    fn xorshift(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

thread_local! {
    static LAST: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// When set, every query (or file) a case is about to try is printed on standard error
/// first: the last one printed before an abort is the culprit (see examples/fuzz.rs).
pub static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes what the case is about to try, so that a panic can say what was running.
pub fn note(what: &str) {
    if VERBOSE.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("trying: {what}");
    }
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        l.clear();
        l.push_str(what);
    });
}

/// What the case on this thread tried last.
pub fn last() -> String {
    LAST.with(|l| l.borrow().clone())
}

/// splitmix64's output function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 2026-05-18T12:00:00Z: the clock of every generated query.
pub fn now() -> i64 {
    kql::value::parse_datetime("2026-05-18T12:00:00Z").expect("valid clock")
}

/// A table's rows in a form that compares (the values' debug text, which tells types
/// apart and prints NaN), sorted: equal when the rows are a permutation of each other.
pub fn row_multiset(t: &kql::Table) -> Vec<String> {
    let mut rows: Vec<String> = t.rows.iter().map(|r| format!("{r:?}")).collect();
    rows.sort();
    rows
}

/// A table as text that compares: its columns and types, then its rows in order.
pub fn table_text(t: &kql::Table) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty))
        .collect();
    let mut out = cols.join(",");
    for r in &t.rows {
        out.push('\n');
        out.push_str(&format!("{r:?}"));
    }
    out
}
