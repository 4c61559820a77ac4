//! `extend` items over one text column remember their value per distinct string on each
//! thread, for the whole scan: a file of a few distinct user agents, read in many
//! chunks, computes each value about once per thread, not once per chunk, and gives the
//! values of evaluating every row. (Alone in its binary: the counter is per process.)

use kql::io::{open_dir_for, Product};
use std::fmt::Write as _;

#[test]
fn remembered_values_last_the_whole_scan_and_are_each_row_s_own() {
    let dir = std::env::temp_dir().join(format!("kql-memo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0)",
        "python-requests/2.31",
        "curl/8.5.0",
    ];
    // About 12 MB: a dozen chunks of the reader's megabyte.
    let rows = 60_000;
    let pad = "p".repeat(150);
    let mut text = String::new();
    for i in 0..rows {
        let ua = agents[(i * 7 + i / 3) % agents.len()];
        writeln!(text, r#"{{"Id":{i},"UserAgent":"{ua}","Pad":"{pad}"}}"#).unwrap();
    }
    std::fs::write(dir.join("Logs_CL.jsonl"), text).unwrap();
    let catalog = open_dir_for(&dir, &[], &|_: &str| true, Product::Sentinel).unwrap();
    let before = kql::exec::memo_computed();
    let query = "Logs_CL | extend u = toupper(UserAgent), n = strlen(UserAgent) \
                 | summarize c = count(), s = sum(n) by u | sort by u asc";
    let got = kql::run_query(query, &catalog, 0).unwrap();
    let computed = kql::exec::memo_computed() - before;
    let _ = std::fs::remove_dir_all(&dir);

    let mut want: Vec<(String, i64, i64)> = agents
        .iter()
        .map(|ua| {
            let c = (0..rows)
                .filter(|i| agents[(i * 7 + i / 3) % agents.len()] == *ua)
                .count() as i64;
            (ua.to_uppercase(), c, c * ua.len() as i64)
        })
        .collect();
    want.sort();
    let t = got.last().unwrap();
    let rows_got: Vec<(String, i64, i64)> = t
        .rows
        .iter()
        .map(|r| match (&r[0], &r[1], &r[2]) {
            (kql::Value::String(u), kql::Value::Long(c), kql::Value::Long(s)) => {
                (u.to_string(), *c, *s)
            }
            other => panic!("unexpected row {other:?}"),
        })
        .collect();
    assert_eq!(rows_got, want);
    // Two items, three agents: each value once per thread that met it (at most 8
    // threads), where remembering per chunk computed it once per chunk (a dozen chunks).
    assert!(computed > 0, "nothing was remembered");
    assert!(
        computed <= 2 * agents.len() * 8,
        "{computed} values computed for 2 items over 3 distinct strings"
    );
}
