//! `kql check`: output formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kql");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const UNKNOWN_COLUMN: &str = "SigninLogs\n| project UserPrincpalName, IPAddress\n";
const DEPRECATED: &str = "SigninLogs\n| summarize any(IPAddress) by UserPrincipalName\n";
const GOOD: &str = "SigninLogs\n| project UserPrincipalName, IPAddress\n";

#[test]
fn an_unknown_column_fails_with_its_line_and_column() {
    let dir = folder("unknown", &[("rules/q.kql", UNKNOWN_COLUMN)]);
    let (code, out, _) = kql(&["check", "rules"], &dir);
    assert_eq!(code, 1, "{out}");
    for want in [
        "error[KS142]: unknown column or variable `UserPrincpalName`",
        "--> rules/q.kql:2:11",
        "2 | | project UserPrincpalName, IPAddress",
        "  |           ^^^^^^^^^^^^^^^^",
        "help: did you mean `UserPrincipalName`?",
        "checked 1 file: 1 error, 0 warnings",
    ] {
        assert!(out.contains(want), "want {want:?} in\n{out}");
    }
}

#[test]
fn machine_formats_carry_the_same_finding() {
    let dir = folder("formats", &[("q.kql", UNKNOWN_COLUMN)]);
    let (code, out, _) = kql(&["check", "q.kql", "--format", "json"], &dir);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(
        (
            d["file"].as_str(),
            d["line"].as_u64(),
            d["column"].as_u64(),
            d["severity"].as_str()
        ),
        (Some("q.kql"), Some(2), Some(11), Some("error"))
    );
    assert_eq!(d["code"].as_str(), Some("KS142"));
    let (code, out, _) = kql(&["check", "q.kql", "--format", "github"], &dir);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error file=q.kql,line=2,col=11,endLine=2,endColumn=27,title=kql check (KS142)::unknown column or variable `UserPrincpalName`%0Ahelp: did you mean `UserPrincipalName`?\n"),
        "{out}"
    );
    let (code, out, _) = kql(&["check", "q.kql", "--format", "junit"], &dir);
    assert_eq!(code, 1);
    assert!(
        out.contains("<testsuite name=\"kql check\" tests=\"1\" failures=\"1\">"),
        "{out}"
    );
    assert!(
        out.contains(
            "<failure message=\"q.kql:2:11: unknown column or variable `UserPrincpalName`\">"
        ),
        "{out}"
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = folder("warn", &[("q.kql", DEPRECATED)]);
    let (code, out, _) = kql(&["check", "q.kql"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[KS507]: the function `any` is deprecated; use `take_any` instead"),
        "{out}"
    );
    assert!(out.contains("--> q.kql:2:13"), "{out}");
    let (code, _, _) = kql(&["check", "--deny-warnings", "q.kql"], &dir);
    assert_eq!(code, 1);
    let (code, out, _) = kql(&["check", "q.kql", "--format", "github"], &dir);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("::warning file=q.kql,line=2,col=13,"),
        "{out}"
    );
}

#[test]
fn a_parse_error_fails() {
    let dir = folder(
        "parse",
        &[("q.kql", "SigninLogs\n| where (IPAddress == \"x\"\n")],
    );
    let (code, out, _) = kql(&["check", "."], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("syntax error[KS005]: ") && out.contains("q.kql:"),
        "{out}"
    );
}

#[test]
fn user_schemas_and_data_folders_add_tables() {
    let schema = r#"{"name": "MyTable", "columns": [{"name": "Account", "type": "string"}]}"#;
    let dir = folder(
        "schemas",
        &[
            ("s.json", schema),
            ("data/Other.json", r#"[{"Host": "a"}]"#),
            ("q1.kql", "MyTable | project Account\n"),
            ("q2.kql", "Other | project Host\n"),
        ],
    );
    let (code, out, _) = kql(&["check", "q1.kql"], &dir);
    assert_eq!(code, 1, "without the schema MyTable is unknown: {out}");
    let (code, out, _) = kql(&["check", "q1.kql", "--schema", "s.json"], &dir);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = kql(&["check", "q2.kql", "--data", "data"], &dir);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_schemas_and_missing_paths_are_trouble_not_findings() {
    let dir = folder(
        "bad-schema",
        &[
            ("q.kql", GOOD),
            (
                "bad.json",
                r#"{"name": "X", "columns": [{"name": "a", "type": "strin"}]}"#,
            ),
            ("broken.json", "{\"name\": "),
        ],
    );
    let (code, _, err) = kql(&["check", "q.kql", "--schema", "bad.json"], &dir);
    assert_eq!(code, 2);
    assert!(
        err.contains("column `a` has unknown type `strin`") && err.contains("bad.json"),
        "{err}"
    );
    assert!(err.contains("did you mean `string`?"), "{err}");
    let (code, _, err) = kql(&["check", "q.kql", "--schema", "broken.json"], &dir);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid JSON") && err.contains("broken.json"),
        "{err}"
    );
    let (code, _, err) = kql(&["check", "nope.kql"], &dir);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = kql(&["check", "."], &folder("empty", &[]));
    assert_eq!(code, 2);
    assert!(err.contains("no detections found"), "{err}");
}

#[test]
fn the_project_queries_pass() {
    let (code, out, err) = kql(&["check", "queries"], Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors, 12 warnings"), "{out}");
}
