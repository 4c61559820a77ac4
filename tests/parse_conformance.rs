//! Every query of the Kusto-emulator conformance cases parses.

use std::fmt::Write;

/// Cases that are not queries kql should parse, with the reason.
const NOT_QUERIES: &[(&str, &str)] = &[];

#[test]
fn every_conformance_query_parses() {
    let text = include_str!("conformance/kusto-emulator-cases.jsonl");
    let mut failures = String::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let id = case["id"].as_str().unwrap_or("?");
        let query = case["query"].as_str().unwrap_or("");
        if NOT_QUERIES.iter().any(|(i, _)| *i == id) {
            assert!(
                kql::syntax::parse(query).is_err(),
                "{id} now parses: remove it from NOT_QUERIES"
            );
            continue;
        }
        n += 1;
        if let Err(e) = kql::syntax::parse(query) {
            let _ = writeln!(failures, "== {id}\n{}", e.render(id, query));
        }
    }
    assert!(n > 400, "only {n} cases read");
    assert!(failures.is_empty(), "{failures}");
}
