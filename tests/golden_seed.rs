//! The seed detection on the hand-made sample data (examples/signins), with the clock
//! fixed, against the hand-derived expected output (examples/signins/README.md explains
//! every row).

use kql::io::{load_dir, table_to_json};
use kql::Type;
use serde_json::Value as J;
use std::path::Path;

const NOW: &str = "2026-05-18T12:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn now_ticks() -> i64 {
    let t = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    kql::value::UNIX_EPOCH_TICKS + t.timestamp() * 10_000_000
}

/// Rows compared in order (the seed sorts and the data has no ties); numbers as f64
/// (`0` and `0.0` are the same real); arrays in dynamic columns as sets, because they
/// come from `make_set`, whose element order Kusto leaves undefined.
fn assert_same_result(got: &J, want: &J) {
    assert_eq!(got["columns"], want["columns"], "columns differ");
    let dynamic: Vec<bool> = want["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"] == "dynamic")
        .collect();
    let got_rows = got["rows"].as_array().unwrap();
    let want_rows = want["rows"].as_array().unwrap();
    assert_eq!(
        got_rows.len(),
        want_rows.len(),
        "row count differs; got:\n{}",
        serde_json::to_string_pretty(&got["rows"]).unwrap()
    );
    for (r, (g, w)) in got_rows.iter().zip(want_rows).enumerate() {
        for (c, ((gv, wv), dynamic)) in g
            .as_array()
            .unwrap()
            .iter()
            .zip(w.as_array().unwrap())
            .zip(&dynamic)
            .enumerate()
        {
            let name = &want["columns"][c]["name"];
            assert_eq!(
                normalize(gv, *dynamic),
                normalize(wv, *dynamic),
                "row {r}, column {name}: got {gv}, want {wv}"
            );
        }
    }
}

fn normalize(v: &J, as_set: bool) -> J {
    match v {
        J::Number(n) => J::from(n.as_f64().unwrap()),
        J::Array(items) if as_set => {
            let mut items: Vec<J> = items.iter().map(|i| normalize(i, false)).collect();
            items.sort_by_key(|i| i.to_string());
            J::Array(items)
        }
        other => other.clone(),
    }
}

#[test]
fn sample_tables_load_with_the_builtin_schemas() {
    let catalog = load_dir(&root().join("examples/signins"), &[]).unwrap();
    let aad = catalog.get("AADNonInteractiveUserSignInLogs").unwrap();
    let ty = |cols: &[kql::Column], n: &str| cols.iter().find(|c| c.name == n).unwrap().ty;
    assert_eq!(ty(&aad.columns().unwrap(), "ResultType"), Type::String);
    assert_eq!(ty(&aad.columns().unwrap(), "TimeGenerated"), Type::DateTime);
    let entra = catalog.get("EntraIdSignInEvents").unwrap();
    assert_eq!(ty(&entra.columns().unwrap(), "ErrorCode"), Type::Int);
    match (aad.in_memory(), entra.in_memory()) {
        (Some(a), Some(e)) => assert_eq!((a.rows.len(), e.rows.len()), (17, 21)),
        _ => panic!("both tables must hold data"),
    }
}

#[test]
fn seed_on_sample_data_matches_expected() {
    let query =
        std::fs::read_to_string(root().join("queries/suspicious-noninteractive-signins.kql"))
            .unwrap();
    let catalog = load_dir(&root().join("examples/signins"), &[]).unwrap();
    let tables = kql::run_query(&query, &catalog, now_ticks())
        .unwrap_or_else(|e| panic!("{}", e.render("seed.kql", &query)));
    assert_eq!(tables.len(), 1);
    let got = table_to_json(&tables[0]);
    let want: J = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("examples/signins/expected/suspicious-noninteractive-signins.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_same_result(&got, &want);
}

#[test]
fn comparer_treats_sets_and_numbers_loosely_but_nothing_else() {
    let want: J = serde_json::json!({"columns":[{"name":"s","type":"dynamic"},{"name":"r","type":"real"}],
        "rows":[[["a","b"], 0.0]]});
    let same: J = serde_json::json!({"columns":[{"name":"s","type":"dynamic"},{"name":"r","type":"real"}],
        "rows":[[["b","a"], 0]]});
    assert_same_result(&same, &want);
    let differs: J = serde_json::json!({"columns":[{"name":"s","type":"dynamic"},{"name":"r","type":"real"}],
        "rows":[[["a"], 0]]});
    assert!(std::panic::catch_unwind(|| assert_same_result(&differs, &want)).is_err());
}
