//! `kql run` end to end: the built binary, its output and its exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NOW: &str = "2026-05-18T12:00:00Z";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kql(args: &[&str], stdin: Option<&str>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh data folder with the given files.
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn bad_data_rows_name_file_and_line() {
    // (file name, contents, expected parts of the message)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "AADNonInteractiveUserSignInLogs.json",
            "[\n{\"TimeGenerated\": \"2026-05-18T11:00:00Z\"},\n{\"TimeGenerated\": \"yesterday\"}\n]",
            &[
                "AADNonInteractiveUserSignInLogs.json:3",
                "column `TimeGenerated`",
                "\"yesterday\"",
                "datetime",
            ],
        ),
        (
            "Events.jsonl",
            "{\"n\": 1}\n{\"n\": 2\n",
            &["Events.jsonl:2", "invalid JSON"],
        ),
        (
            "EntraIdSignInEvents.ndjson",
            "{\"ErrorCode\": 0}\n\n{\"ErrorCode\": \"oops\"}\n",
            &["EntraIdSignInEvents.ndjson:3", "column `ErrorCode`", "int"],
        ),
    ];
    for (file, text, parts) in cases {
        let dir = folder("bad", &[(file, text)]);
        let table = file.split('.').next().unwrap();
        let out = kql(
            &["run", "-", "--data", s(&dir), "--now", NOW, "--strict"],
            Some(&format!("{table} | take 5")),
        );
        assert_eq!(out.code, 1, "{file}: {}", out.stderr);
        assert!(out.stderr.starts_with("data error: "), "{}", out.stderr);
        for p in *parts {
            assert!(
                out.stderr.contains(p),
                "{file}: missing {p:?} in\n{}",
                out.stderr
            );
        }
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_and_file_errors_have_their_exit_codes() {
    let data = "examples/signins";
    let seed = "queries/suspicious-noninteractive-signins.kql";
    // (arguments, exit code, part of stderr)
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["run", seed, "--data", data, "--now", "tomorrow"],
            2,
            "is not a datetime",
        ),
        (
            &["run", seed, "--data", data, "--now", "2026-13-18"],
            2,
            "is not a datetime",
        ),
        (&["run", seed, "--data", data, "--format", "xml"], 2, "xml"),
        (&["run", seed], 2, "--data"),
        (&["run"], 2, "QUERY"),
        (
            &["run", "no/such/query.kql", "--data", data],
            1,
            "cannot read no/such/query.kql",
        ),
        (
            &["run", seed, "--data", "no/such/dir"],
            1,
            "cannot read no/such/dir",
        ),
        (
            &[
                "run",
                seed,
                "--data",
                data,
                "--schema",
                "no/such.schema.json",
            ],
            1,
            "cannot read no/such.schema.json",
        ),
    ];
    for (args, code, part) in cases {
        let out = kql(args, None);
        assert_eq!(out.code, *code, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(part), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn bad_schema_files_are_data_errors() {
    let dir = folder(
        "schema",
        &[
            ("T.json", "[]"),
            (
                "T.schema.json",
                "{\"name\": \"T\",\n \"columns\": [{\"name\": \"a\", \"type\": \"strin\"}]}",
            ),
        ],
    );
    let out = kql(&["run", "-", "--data", s(&dir)], Some("T"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("T.schema.json:2"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `string`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_table_is_a_query_error_with_a_caret() {
    let out = kql(
        &["run", "-", "--data", "examples/signins", "--now", NOW],
        Some("EntraIdSignInEvent | take 1"),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("<stdin>:1:1"), "{}", out.stderr);
    assert!(out.stderr.contains("EntraIdSignInEvents"), "{}", out.stderr);
}

#[test]
fn query_from_stdin_needs_no_data_and_prints_every_format() {
    let q = "print n = 1, s = \"a,b\", t = datetime(2026-05-18T12:00:00Z)";
    let cases: &[(&str, &str)] = &[
        (
            "json",
            "{\"columns\":[{\"name\":\"n\",\"type\":\"long\"},{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"t\",\"type\":\"datetime\"}],\"rows\":[\n[1,\"a,b\",\"2026-05-18T12:00:00Z\"]\n]}\n",
        ),
        ("jsonl", "{\"n\":1,\"s\":\"a,b\",\"t\":\"2026-05-18T12:00:00Z\"}\n"),
        ("csv", "n,s,t\r\n1,\"a,b\",2026-05-18T12:00:00Z\r\n"),
        (
            "table",
            "n  s    t\n-  ---  --------------------\n1  a,b  2026-05-18T12:00:00Z\n(1 row)\n",
        ),
    ];
    for (format, want) in cases {
        let out = kql(&["run", "-", "--format", format], Some(q));
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert_eq!(out.stdout, *want, "{format}");
    }
}

#[test]
fn seed_runs_on_the_sample_data() {
    let out = kql(
        &[
            "run",
            "queries/suspicious-noninteractive-signins.kql",
            "--data",
            "examples/signins",
            "--now",
            NOW,
            "--format",
            "jsonl",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let users: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| {
            let start = l.find("\"UserPrincipalName\":\"").unwrap() + 21;
            &l[start..start + l[start..].find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        users,
        ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"]
    );
}

#[test]
fn only_tables_the_query_mentions_are_read() {
    // Generated data sets keep other JSON beside the tables (gen_signins.py's planted.json).
    let dir = folder(
        "mentioned",
        &[
            ("T.jsonl", "{\"n\": 1}\n{\"n\": 2}\n"),
            ("planted.json", "{\"not\": \"a table\"}"),
        ],
    );
    let out = kql(
        &["run", "-", "--data", s(&dir), "--format", "csv"],
        Some("T | project n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "n\r\n1\r\n2\r\n");
    // Read when named: a JSON object is a table of one row.
    let out = kql(
        &["run", "-", "--data", s(&dir), "--format", "csv"],
        Some("planted | count"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "Count\r\n1\r\n");
}

#[test]
fn values_that_do_not_convert_are_null_and_counted_in_warnings() {
    // Kusto's ingestion makes such a value null; kql says so, per file and column, with
    // the first line. `--strict` stops instead (bad_data_rows_name_file_and_line).
    let dir = folder(
        "warned",
        &[(
            "EntraIdSignInEvents.ndjson",
            "{\"ErrorCode\": 0}\n{\"ErrorCode\": \"oops\"}\n\n{\"ErrorCode\": \"x\"}\n",
        )],
    );
    let q = "EntraIdSignInEvents | project ErrorCode";
    let out = kql(&["run", "-", "--data", s(&dir), "--format", "csv"], Some(q));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "ErrorCode\r\n0\r\n\r\n\r\n");
    let warning = format!(
        "warning: {}:2: column `ErrorCode`: 2 values that are not int read as null (the first here: \"oops\")\n",
        dir.join("EntraIdSignInEvents.ndjson").display()
    );
    assert_eq!(out.stderr, warning);
    // In `--format json`, a field of the result.
    let out = kql(
        &["run", "-", "--data", s(&dir), "--format", "json"],
        Some(q),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["warnings"][0]["line"], 2);
    assert_eq!(v["warnings"][0]["column"], "ErrorCode");
    assert_eq!(v["rows"], serde_json::json!([[0], [null], [null]]));
}

#[test]
fn several_result_statements_give_several_result_sets() {
    let q = "print a = 1;\nprint b = \"x\"";
    let cases: &[(&str, &str)] = &[
        (
            "json",
            "{\"columns\":[{\"name\":\"a\",\"type\":\"long\"}],\"rows\":[\n[1]\n]}\n{\"columns\":[{\"name\":\"b\",\"type\":\"string\"}],\"rows\":[\n[\"x\"]\n]}\n",
        ),
        ("jsonl", "{\"a\":1}\n\n{\"b\":\"x\"}\n"),
        ("csv", "a\r\n1\r\n\r\nb\r\nx\r\n"),
        ("table", "a\n-\n1\n(1 row)\n\nb\n-\nx\n(1 row)\n"),
    ];
    for (format, want) in cases {
        let out = kql(&["run", "-", "--format", format], Some(q));
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert_eq!(out.stdout, *want, "{format}");
    }
}

#[test]
fn schema_option_types_the_columns() {
    let dir = folder(
        "schemaopt",
        &[("T.jsonl", "{\"n\": \"5\", \"extra\": true}\n")],
    );
    let schema = dir.with_extension("schema.json");
    std::fs::write(
        &schema,
        r#"{"name": "T", "columns": [{"name": "n", "type": "long"}, {"name": "absent", "type": "datetime"}]}"#,
    )
    .unwrap();
    let want = "{\"columns\":[{\"name\":\"n\",\"type\":\"long\"},{\"name\":\"absent\",\"type\":\"datetime\"},{\"name\":\"extra\",\"type\":\"bool\"}],\"rows\":[\n[5,null,true]\n]}\n";
    let out = kql(
        &[
            "run",
            "-",
            "--data",
            s(&dir),
            "--schema",
            s(&schema),
            "--format",
            "json",
        ],
        Some("T"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, want);
    // Without data, a --schema table exists and is empty.
    let out = kql(
        &["run", "-", "--schema", s(&schema), "--format", "csv"],
        Some("T | project n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "n\r\n");
}
