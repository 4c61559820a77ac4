//! Sentinel watchlists offline: `--watchlists DIR`, `_GetWatchlist`, `_GetWatchlistAlias`,
//! the `Watchlist` table, and a test file's `"watchlists"`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path, stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(t) = stdin {
        child.stdin.take().unwrap().write_all(t.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-wl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn run(dir: &Path, query: &str) -> (i32, String, String) {
    kql(
        &["run", "-", "--watchlists", "lists", "--format", "csv"],
        dir,
        Some(query),
    )
}

#[test]
fn get_watchlist_returns_sentinels_columns() {
    let dir = folder(
        "run",
        &[
            // The Sentinel docs' example watchlist.
            ("lists/ipwatchlist.csv", "IPAddress,Location\n10.0.100.11,Home\n172.16.107.23,Work\n10.0.150.39,Home\n172.20.32.117,Work\n"),
            ("lists/vip.tsv", "Upn\tTier\nalice@contoso.com\t0\n"),
            ("lists/vip.json", "{\"searchKey\": \"Tier\"}"),
        ],
    );
    // (query, expected CSV)
    let cases: &[(&str, &str)] = &[
        (
            "_GetWatchlist('ipwatchlist') | getschema | project ColumnName, ColumnType",
            "ColumnName,ColumnType\r\n_DTItemId,string\r\nLastUpdatedTimeUTC,datetime\r\nSearchKey,string\r\nWatchlistItem,dynamic\r\nIPAddress,string\r\nLocation,string\r\n",
        ),
        (
            "_GetWatchlist('ipwatchlist') | where Location == 'Home' | project SearchKey, City = tostring(WatchlistItem.Location)",
            "SearchKey,City\r\n10.0.100.11,Home\r\n10.0.150.39,Home\r\n",
        ),
        // The docs' query: events from the watchlist's addresses.
        (
            "let watchlist = (_GetWatchlist('ipwatchlist') | project IPAddress); datatable(ComputerIP:string)['10.0.150.39', '8.8.8.8'] | where ComputerIP in (watchlist)",
            "ComputerIP\r\n10.0.150.39\r\n",
        ),
        // The search key from the `.json` beside the file; values are text.
        ("_GetWatchlist('vip') | project SearchKey, Upn, Tier", "SearchKey,Upn,Tier\r\n0,alice@contoso.com,0\r\n"),
        ("_GetWatchlistAlias", "WatchlistAlias\r\nipwatchlist\r\nvip\r\n"),
        (
            "Watchlist | where _DTItemType == 'watchlist-item' | summarize n = count() by WatchlistAlias",
            "WatchlistAlias,n\r\nipwatchlist,4\r\nvip,1\r\n",
        ),
    ];
    for (q, want) in cases {
        let (code, out, err) = run(&dir, q);
        assert_eq!(code, 0, "{q}: {err}");
        assert_eq!(out, *want, "{q}");
    }
    // An item's id is a GUID, the same in every run.
    let (_, a, _) = run(&dir, "_GetWatchlist('vip') | project _DTItemId");
    let (_, b, _) = run(&dir, "_GetWatchlist('vip') | project _DTItemId");
    assert_eq!(a, b);
    let (code, out, _) = run(
        &dir,
        "_GetWatchlist('vip') | project ok = isnotnull(toguid(_DTItemId))",
    );
    assert_eq!((code, out.as_str()), (0, "ok\r\ntrue\r\n"));
    // A missing watchlist names the alias and the flag.
    let (code, _, err) = run(&dir, "_GetWatchlist('ipwatchlst')");
    assert_eq!(code, 1);
    assert!(
        err.contains("no watchlist `ipwatchlst`")
            && err.contains("--watchlists DIR")
            && err.contains("did you mean `ipwatchlist`"),
        "{err}"
    );
    let (code, _, err) = kql(&["run", "-"], &dir, Some("_GetWatchlist('ipwatchlist')"));
    assert_eq!(code, 1);
    assert!(err.contains("--watchlists DIR"), "{err}");
    // `kql check` knows the fixed columns with no watchlist at all.
    std::fs::write(
        dir.join("q.kql"),
        "_GetWatchlist('any') | project SearchKey, LastUpdatedTimeUTC, WatchlistItem",
    )
    .unwrap();
    let (code, out, err) = kql(&["check", "q.kql"], &dir, None);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_files_give_watchlists() {
    let test = r#"{
  "query": "q.kql", "now": "2026-01-15T12:00:00Z",
  "schemas": {"T": {"IP": "string"}},
  "watchlists": {"bad": [{"IP": "1.2.3.4", "Why": "scanner"}]},
  "tests": [
    {"name": "rows", "tables": {"T": [{"IP": "1.2.3.4"}, {"IP": "5.5.5.5"}]},
     "expect": {"rows": [{"IP": "1.2.3.4", "Why": "scanner"}]}},
    {"name": "a file", "tables": {"T": [{"IP": "5.5.5.5"}]},
     "watchlists": {"bad": "bad.csv"},
     "expect": {"rows": [{"IP": "5.5.5.5", "Why": "tor"}]}}
  ]
}"#;
    let dir = folder(
        "test",
        &[
            ("q.kql", "T | join kind=inner (_GetWatchlist('bad') | project SearchKey, Why) on $left.IP == $right.SearchKey | project IP, Why\n"),
            ("q.kqltest.json", test),
            ("bad.csv", "IP,Why\n5.5.5.5,tor\n"),
        ],
    );
    let (code, out, err) = kql(&["test"], &dir, None);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
