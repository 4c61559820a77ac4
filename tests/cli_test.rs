//! `kql test`: output and exit codes, including invalid test files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kql");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A fresh folder holding `files` (name, contents).
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const QUERY: &str = "T | where A > 1 | project A, B\n";
const SCHEMA: &str = r#""schemas": {"T": {"A": "long", "B": "string"}}"#;

fn test_file(tests: &str) -> String {
    format!(r#"{{"query": "q.kql", "now": "2026-01-15T12:00:00Z", {SCHEMA}, "tests": [{tests}]}}"#)
}

#[test]
fn invalid_test_files_are_named_with_the_reason_and_exit_1() {
    let cases: [(&str, String, &str); 7] = [
        (
            "json",
            "{\"tests\": [\n".into(),
            "bad.kqltest.json:2: EOF while parsing",
        ),
        (
            "unknown-key",
            test_file(r#"{"name": "a", "expect": {"fires": true}, "expected": 1}"#),
            "unknown field `expected`",
        ),
        (
            "no-query",
            test_file(r#"{"name": "a", "query": "missing.kql", "expect": {"fires": true}}"#),
            "cannot read query file `missing.kql`",
        ),
        (
            "unknown-column",
            test_file(
                r#"{"name": "a", "tables": {"T": [{"A": 2, "b": "x"}]}, "expect": {"fires": true}}"#,
            ),
            "row 1: unknown column `b` (did you mean `B`?)",
        ),
        (
            "bad-value",
            test_file(
                r#"{"name": "a", "tables": {"T": [{"A": "two"}]}, "expect": {"fires": true}}"#,
            ),
            "table `T`: row 1: column `A`: cannot read \"two\" as long",
        ),
        (
            "unknown-table",
            test_file(r#"{"name": "a", "tables": {"SigninLog": [{}]}, "expect": {"fires": true}}"#),
            "table `SigninLog` has no known schema: did you mean `SigninLogs`?",
        ),
        (
            "unread-table",
            test_file(
                r#"{"name": "a", "tables": {"SigninLogs": [{}]}, "expect": {"silent": true}}"#,
            ),
            "the test gives rows for table `SigninLogs`, which q.kql never reads",
        ),
    ];
    for (name, text, want) in cases {
        let dir = folder(name, &[("bad.kqltest.json", &text), ("q.kql", QUERY)]);
        let (code, out) = kql(&["test"], &dir);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains(want), "{name}: want {want:?} in\n{out}");
        assert!(
            out.contains("bad.kqltest.json"),
            "{name}: the file is named\n{out}"
        );
    }
}

#[test]
fn bad_schema_in_a_test_file_is_reported() {
    let text = r#"{"query": "q.kql", "now": "2026-01-15T12:00:00Z",
        "schemas": {"T": {"A": "lung"}},
        "tests": [{"name": "a", "expect": {"fires": true}}]}"#;
    let dir = folder("bad-schema", &[("s.kqltest.json", text), ("q.kql", QUERY)]);
    let (code, out) = kql(&["test"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("column `A` has unknown type \"lung\""),
        "{out}"
    );
}

#[test]
fn no_test_file_is_a_usage_error() {
    let dir = folder("empty", &[("q.kql", QUERY)]);
    let (code, out) = kql(&["test"], &dir);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no test files (*.kqltest.json)"), "{out}");
    let (code, _) = kql(&["test", "nope"], &dir);
    assert_eq!(code, 2);
}

const GOOD: &str = r#"{"query": "p.kql", "now": "2026-01-15T12:00:00Z",
  "schemas": {"T": {"A": "long", "B": "string"}},
  "tests": [
    {"name": "fires", "tables": {"T": [{"A": 2, "B": "x"}, {"A": 0}]},
     "expect": {"fires": true, "count": 2, "rows": [{"B": ""}, {"A": 2, "B": "x"}],
                "contains": [{"A": 0}], "excludes": [{"B": "q"}]}},
    {"name": "silent", "expect": {"silent": true}},
    {"name": "ordered", "tables": {"T": [{"A": 1}, {"A": 2}]},
     "expect": {"ordered": true, "rows": [{"A": 1}, {"A": 2}]}},
    {"name": "wrong on purpose", "tables": {"T": [{"A": 5, "B": "z"}]},
     "expect": {"rows": [{"B": "x"}]}},
    {"name": "unknown result column", "tables": {"T": [{"A": 5}]},
     "expect": {"contains": [{"Bb": "x"}]}}
  ]}"#;

#[test]
fn passing_and_failing_tests_print_one_line_each_and_a_diff() {
    let dir = folder(
        "good",
        &[("t.kqltest.json", GOOD), ("p.kql", "T | project A, B\n")],
    );
    let junit = dir.join("report.xml");
    let (code, out) = kql(&["test", "--junit", junit.to_str().unwrap()], &dir);
    assert_eq!(code, 1, "{out}");
    for want in [
        "ok    t.kqltest.json :: fires\n",
        "ok    t.kqltest.json :: silent\n",
        "ok    t.kqltest.json :: ordered\n",
        "FAIL  t.kqltest.json :: wrong on purpose\n      --> t.kqltest.json:10\n      rows differ (- expected but missing, + in the result but not expected; 1 expected, 1 actual):\n        - {\"B\":\"x\"}\n        + {\"B\":\"z\"}\n",
        "ERROR t.kqltest.json :: unknown result column\n      --> t.kqltest.json:12\n      contains row 1: the result has no column `Bb` (did you mean `B`?); its columns are A, B\n",
        "3 passed, 2 failed (1 test file)",
    ] {
        assert!(out.contains(want), "want {want:?} in\n{out}");
    }
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains("<testsuites name=\"kql test\" tests=\"5\" failures=\"1\" errors=\"1\">"),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"rows differ"), "{xml}");
    assert!(xml.contains("<error message=\"contains row 1"), "{xml}");
}

#[test]
fn the_seed_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out) = kql(&["test", "tests/detections"], root);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn file_rows_schema_files_and_data_files_combine() {
    let schema = r#"{"name": "T", "columns": [{"name": "A", "type": "long"}, {"name": "B", "type": "string"}]}"#;
    let text = r#"{"query": "p.kql", "now": "2026-01-15T12:00:00Z",
      "schemas": {"T": "schemas/T.json"},
      "tables": {"T": [{"A": 1, "B": "base"}]},
      "tests": [
        {"name": "the file's rows are in every test", "expect": {"rows": [{"B": "base"}]}},
        {"name": "a test adds rows", "tables": {"T": [{"A": 2}]},
         "expect": {"rows": [{"A": 1, "B": "base"}, {"A": 2, "B": ""}]}},
        {"name": "rows from a data file", "tables": {"U": "data/U.jsonl"}, "query": "u.kql",
         "expect": {"rows": [{"H": "a", "N": 3}]}}
      ]}"#;
    let dir = folder(
        "combine",
        &[
            ("tests/c.kqltest.json", text),
            ("tests/schemas/T.json", schema),
            ("tests/data/U.jsonl", "{\"H\": \"a\", \"N\": 3}\n"),
            ("tests/p.kql", "T | project A, B\n"),
            ("tests/u.kql", "U\n"),
        ],
    );
    let (code, out) = kql(&["test", "tests"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 passed, 0 failed (1 test file)"), "{out}");
}
