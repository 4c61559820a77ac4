//! `cargo bench --bench parse`: parse throughput over every query we hold (seed,
//! conformance cases, corpus) repeated to a few MB, and the seed's parse time.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn queries() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out =
        vec![include_str!("../queries/suspicious-noninteractive-signins.kql").to_string()];
    for line in include_str!("../tests/conformance/kusto-emulator-cases.jsonl").lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            out.push(v["query"].as_str().unwrap_or_default().to_string());
        }
    }
    if let Ok(dir) = std::fs::read_dir(root.join("tests/corpus")) {
        for e in dir.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            out.extend(text.split("----\n").map(str::to_string));
        }
    }
    out.retain(|q| kql::syntax::parse(q).is_ok());
    out
}

fn main() {
    let qs = queries();
    let one_pass: usize = qs.iter().map(String::len).sum();
    let reps = (4 << 20) / one_pass.max(1) + 1;
    let total = one_pass * reps;
    // Warm up, then time.
    for q in &qs {
        black_box(kql::syntax::parse(q).ok());
    }
    let start = Instant::now();
    for _ in 0..reps {
        for q in &qs {
            black_box(kql::syntax::parse(black_box(q)).ok());
        }
    }
    let t = start.elapsed();
    println!(
        "parse: {} queries x {reps} = {:.1} MB in {:.3} s: {:.1} MB/s",
        qs.len(),
        total as f64 / 1e6,
        t.as_secs_f64(),
        total as f64 / 1e6 / t.as_secs_f64()
    );

    let seed = &qs[0];
    let mut times: Vec<Duration> = (0..2000)
        .map(|_| {
            let s = Instant::now();
            black_box(kql::syntax::parse(black_box(seed)).ok());
            s.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "seed ({} bytes): median {:.1} µs, p99 {:.1} µs",
        seed.len(),
        times[times.len() / 2].as_secs_f64() * 1e6,
        times[times.len() * 99 / 100].as_secs_f64() * 1e6
    );
}
