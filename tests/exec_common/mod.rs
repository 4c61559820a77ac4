//! Helpers shared by the exec_* tests: run a query and render its result compactly.
#![allow(dead_code)]

use kql::value::{parse_datetime, to_json_text, to_kql_string};
use kql::{Catalog, Table, Value};

/// 2026-05-18T12:00:00Z: the clock of every test query.
pub fn test_now() -> i64 {
    parse_datetime("2026-05-18T12:00:00Z").expect("valid test clock")
}

/// Renders a table as `a:long, b:string` then one line per row, cells separated by
/// `|`; strings print bare, dynamic as JSON, null as `null`.
pub fn render(t: &Table) -> String {
    let mut out = t
        .columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty))
        .collect::<Vec<_>>()
        .join(", ");
    for row in &t.rows {
        out.push('\n');
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Null => "null".to_string(),
                Value::Array(_) | Value::Bag(_) => to_json_text(v),
                other => to_kql_string(other),
            })
            .collect();
        out.push_str(&cells.join("|"));
    }
    out
}

/// Runs `query` and renders its last result, or the error message prefixed by `error: `.
pub fn run(query: &str, catalog: &Catalog) -> String {
    match kql::run_query(query, catalog, test_now()) {
        Ok(tables) => tables.last().map(render).unwrap_or_default(),
        Err(e) => format!("error: {}", e.message),
    }
}

/// Checks a table of (query, expected) pairs and reports every mismatch at once.
pub fn check_cases(cases: &[(&str, &str)], catalog: &Catalog) {
    let mut failures = Vec::new();
    for (query, expected) in cases {
        let got = run(query, catalog);
        // An expected `error: <start>` matches any error message beginning so.
        let ok = if expected.starts_with("error:") {
            got.starts_with(expected.trim())
        } else {
            got.trim() == expected.trim()
        };
        if !ok {
            failures.push(format!(
                "query:    {query}\nexpected: {}\ngot:      {}\n",
                expected.trim().replace('\n', "\n          "),
                got.trim().replace('\n', "\n          ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
