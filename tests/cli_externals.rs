//! externaldata end to end: `kql externals`, `kql run --external/--external-dir`, and a
//! test file's `"external"`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-ext-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const QUERY: &str = "let bad = externaldata(ip:string)[@\"https://raw.example/lists/bad-ips.txt\"] with (format=\"txt\");\nlet tags = externaldata(ip:string, tag:string)[h@\"https://blob.example/c/tags.csv?sv=1&sig=2\"];\nT\n| where IP in (bad)\n| lookup kind=leftouter (tags) on $left.IP == $right.ip\n| project IP, tag\n";

#[test]
fn urls_local_names_runs_and_tests() {
    let dir = folder(
        "all",
        &[
            ("q.kql", QUERY),
            (
                "data/T.jsonl",
                "{\"IP\": \"1.2.3.4\"}\n{\"IP\": \"8.8.8.8\"}\n",
            ),
            ("copies/bad-ips.txt", "1.2.3.4\n"),
            ("copies/tags.csv", "1.2.3.4,scanner\n"),
            ("elsewhere.csv", "1.2.3.4,other\n"),
        ],
    );
    let (code, out, err) = kql(&["externals", "q.kql"], &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "q.kql:1:35: https://raw.example/lists/bad-ips.txt (format txt) -> bad-ips.txt\n\
         q.kql:2:48: https://blob.example/c/tags.csv?sv=1&sig=2 -> tags.csv\n"
    );
    let (code, out, _) = kql(&["externals", "q.kql", "--external-dir", "data"], &dir);
    assert_eq!(code, 1);
    assert!(out.contains("-> bad-ips.txt: no local copy"), "{out}");
    // Run with the folder of copies, then with one URL given its own file.
    let base = [
        "run",
        "q.kql",
        "--data",
        "data",
        "--format",
        "csv",
        "--external-dir",
        "copies",
    ];
    let (code, out, err) = kql(&base, &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "IP,tag\r\n1.2.3.4,scanner\r\n");
    let mut args = base.to_vec();
    args.extend([
        "--external",
        "https://blob.example/c/tags.csv?sv=1&sig=2=elsewhere.csv",
    ]);
    let (code, out, err) = kql(&args, &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "IP,tag\r\n1.2.3.4,other\r\n");
    // No copy: the URL, its place and both flags.
    let (code, _, err) = kql(&["run", "q.kql", "--data", "data"], &dir);
    assert_eq!(code, 1);
    assert!(
        err.contains("no local copy of `https://raw.example/lists/bad-ips.txt`")
            && err.contains("q.kql:1:35")
            && err.contains("--external https://raw.example/lists/bad-ips.txt=FILE")
            && err.contains("--external-dir"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_files_give_rows_or_files_for_urls() {
    let test = r#"{
  "query": "q.kql", "now": "2026-01-15T12:00:00Z",
  "schemas": {"T": {"IP": "string"}},
  "external": {"https://raw.example/lists/bad-ips.txt": [{"ip": "1.2.3.4"}]},
  "tests": [
    {"name": "rows and a file", "tables": {"T": [{"IP": "1.2.3.4"}, {"IP": "5.5.5.5"}]},
     "external": {"https://blob.example/c/tags.csv?sv=1&sig=2": "tags.csv"},
     "expect": {"rows": [{"IP": "1.2.3.4", "tag": "scanner"}]}},
    {"name": "a URL without a copy", "tables": {"T": [{"IP": "1.2.3.4"}]},
     "expect": {"count": 1}}
  ]
}"#;
    let dir = folder(
        "test",
        &[
            ("q.kql", QUERY),
            ("q.kqltest.json", test),
            ("tags.csv", "1.2.3.4,scanner\n"),
        ],
    );
    let (code, out, err) = kql(&["test"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    let text = format!("{out}{err}");
    assert!(
        text.contains("ok    q.kqltest.json :: rows and a file"),
        "{text}"
    );
    assert!(
        text.contains("no local copy of `https://blob.example/c/tags.csv?sv=1&sig=2`"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
