//! The fuzz generators (tests/fuzzgen/), a short seeded run of each on every `cargo
//! test`: generated queries over generated tables keep their invariants, mutated table
//! files read the same by the streaming reader and the full loader, every function
//! survives edge arguments. The long runs: `examples/fuzz.rs` (see fuzz/README.md).

mod fuzzgen;

use fuzzgen::Rng;
use std::time::Instant;

/// Runs `f` on `n` cases of seed `seed`; panics name the case and its seed (replay it
/// with `cargo run --release --example fuzz -- KIND --seed S --case N`).
fn cases<T>(
    kind: &str,
    seed: u64,
    n: u64,
    mut f: impl FnMut(&mut Rng) -> Result<T, String>,
) -> Vec<T> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut rng = Rng::for_case(seed, i);
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut rng))) {
            Ok(Ok(t)) => out.push(t),
            Ok(Err(why)) => panic!("{kind} case {i} (seed {seed}): {why}"),
            Err(_) => panic!("{kind} case {i} (seed {seed}) panicked"),
        }
    }
    out
}

#[test]
fn generated_queries_keep_their_invariants() {
    let start = Instant::now();
    let stats = cases("exec", 1, 300, fuzzgen::exec::case);
    fuzzgen::exec::cleanup();
    let mut total = fuzzgen::exec::Stats::default();
    for s in stats {
        total += s;
    }
    // The generator reaches past the binder: most queries run, many invariants checked.
    assert!(total.queries > 3000, "{total:?}");
    assert!(total.errors * 2 < total.queries, "{total:?}");
    assert!(total.checks > 800, "{total:?}");
    assert!(
        start.elapsed().as_secs() < 30,
        "too slow: {:?}",
        start.elapsed()
    );
}

#[test]
fn damaged_files_read_the_same_streamed_and_whole() {
    let start = Instant::now();
    let stats = cases("files", 1, 400, fuzzgen::files::case);
    fuzzgen::files::cleanup();
    let errors = stats.iter().filter(|s| s.errors > 0).count();
    // Both outcomes are exercised: damage that still reads, damage that is an error.
    assert!(errors > 40 && errors < 360, "{errors} of 400 were errors");
    assert!(
        start.elapsed().as_secs() < 30,
        "too slow: {:?}",
        start.elapsed()
    );
}

#[test]
fn every_function_survives_edge_arguments() {
    let start = Instant::now();
    // Each name with no arguments, and a few of its edge calls (the campaign makes
    // every call of the table: `fuzz functions`).
    let names = fuzzgen::functions::names().len() as u64;
    let per = fuzzgen::functions::case_count() / names;
    let mut rng = Rng::new(7);
    let mut picked = Vec::new();
    for n in 0..names {
        picked.push(n * per);
        for _ in 0..3 {
            picked.push(n * per + 1 + rng.below(per as usize - 1) as u64);
        }
    }
    let mut calls = 0;
    for i in picked {
        let (name, args) = fuzzgen::functions::call_of(1, i);
        let r = std::panic::catch_unwind(|| fuzzgen::functions::case(1, i));
        match r {
            Ok(Ok(s)) => calls += s.calls,
            Ok(Err(why)) => panic!("{why}"),
            Err(_) => panic!("function case {i} panicked: {name}({})", args.join(", ")),
        }
    }
    assert!(names > 400, "the registry lists {names} names");
    assert!(calls > 4 * names, "{calls} calls");
    assert!(
        start.elapsed().as_secs() < 40,
        "too slow: {:?}",
        start.elapsed()
    );
}

/// What the campaigns found, as (JSON lines, schema columns, query, the expected
/// columns and row count): each read streamed and whole into memory.
#[test]
fn found_by_the_fuzzers() {
    use kql::io::{load_dir_for, open_dir_for, Product, Schema};
    type Case<'a> = (&'a str, &'a [(&'a str, kql::Type)], &'a str, &'a str, usize);
    let cases: &[Case] = &[
        // A schema with no columns and a first line with no fields: the fast reader took
        // the empty schema for none, found `a` itself and gave rows of one value under
        // no columns.
        (
            "{}\n{\"a\":\"2026-05-18\"}\n{\"a\":\"0001-01-01T00:00:00Z\"}\n",
            &[],
            "T",
            "a:datetime",
            3,
        ),
        (
            "{}\n{\"a\":\"2026-05-18\"}\n",
            &[],
            "T | extend b = 1",
            "a:datetime,b:long",
            2,
        ),
        ("{}\n{\"a\":1}\n", &[], "T | where isnull(a)", "a:long", 1),
    ];
    let dir = std::env::temp_dir().join(format!("kql-fuzz-found-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (jsonl, schema, q, columns, rows) in cases {
        std::fs::write(dir.join("T.jsonl"), jsonl).unwrap();
        let schemas = vec![Schema {
            name: "T".into(),
            columns: schema
                .iter()
                .map(|(n, t)| kql::Column::new(*n, *t))
                .collect(),
        }];
        for lazy in [true, false] {
            let open = if lazy { open_dir_for } else { load_dir_for };
            let catalog = open(&dir, &schemas, &|_| true, Product::Sentinel).unwrap();
            let t = kql::run_query(q, &catalog, fuzzgen::now())
                .unwrap()
                .pop()
                .unwrap();
            let text = fuzzgen::table_text(&t);
            let head = text.lines().next().unwrap_or_default();
            assert_eq!(head, *columns, "{q} (streamed: {lazy}):\n{text}");
            assert_eq!(t.rows.len(), *rows, "{q} (streamed: {lazy}):\n{text}");
            assert!(t.rows.iter().all(|r| r.len() == t.columns.len()), "{text}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
