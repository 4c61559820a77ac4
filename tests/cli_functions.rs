//! `--functions DIR`: stored functions (`.kql` definitions, Sentinel parser YAML,
//! CustomFunctions JSON signatures) called by `kql run`, `check`, `test` and `diff`.

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
    let dir = std::env::temp_dir().join(format!("kql-cli-fn-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const HELPERS: &str = "// Stored helpers\n.create-or-alter function with (folder = \"Detections\", docstring = \"IPs seen more than n times\") Noisy(T:(IP:string), n:long = 1) {\n    T | summarize Count = count() by IP | where Count > n\n}\nlet Tag = (s:string) { strcat(\"ip:\", s) };\n";
const PARSER: &str = "Parser:\n  Title: A test parser\nParserName: imThing\nEquivalentBuiltInParser: _Im_Thing\nParserParams:\n  - Name: srcipaddr\n    Type: string\n    Default: '*'\nParserQuery: |\n  Events\n  | where srcipaddr == '*' or IP == srcipaddr\n  | extend Tagged = Tag(IP)\n";
const SIGNATURE: &str = r#"{"FunctionName": "ThreatFeed", "FunctionParameters": [{"Name": "days", "Type": "int"}],
  "FunctionResultColumns": [{"Name": "Indicator", "Type": "String"}, {"Name": "Score", "Type": "Int32"}]}"#;
const EVENTS: &str = r#"[{"IP": "10.0.0.1", "User": "a"}, {"IP": "10.0.0.1", "User": "b"}, {"IP": "10.0.0.2", "User": "c"}]"#;
const SCHEMA: &str = r#"{"name": "Events", "columns": [{"name": "IP", "type": "string"}, {"name": "User", "type": "string"}]}"#;

fn setup(name: &str) -> PathBuf {
    folder(
        name,
        &[
            ("funcs/helpers.kql", HELPERS),
            ("funcs/asim/imThing.yaml", PARSER),
            ("funcs/ThreatFeed.json", SIGNATURE),
            ("data/Events.json", EVENTS),
            ("data/Events.schema.json", SCHEMA),
        ],
    )
}

/// (query, expected output of `kql run --format csv`), each calling stored functions
/// the ways Kusto allows: without parentheses (every parameter has a default), by
/// the parser's built-in name, with a named argument, with a tabular argument from
/// `invoke` and with a default.
#[test]
fn run_calls_stored_functions_as_kusto_does() {
    let dir = setup("run");
    let cases = [
        ("imThing | invoke Noisy()", "IP,Count\r\n10.0.0.1,2\r\n"),
        ("imThing | invoke Noisy(n = 0) | count", "Count\r\n2\r\n"),
        (
            "_Im_Thing(srcipaddr = '10.0.0.2') | project Tagged",
            "Tagged\r\nip:10.0.0.2\r\n",
        ),
        (
            "Noisy(Events | where User != 'a', 0) | project IP",
            "IP\r\n10.0.0.1\r\n10.0.0.2\r\n",
        ),
        // A `let` of the query shadows a stored function of the same name.
        (
            "let Tag = (s:string) { 'mine' }; print Tag('x')",
            "print_0\r\nmine\r\n",
        ),
    ];
    for (q, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_kql"))
            .args([
                "run",
                "-",
                "--data",
                "data",
                "--functions",
                "funcs",
                "--format",
                "csv",
            ])
            .current_dir(&dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(q.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want,
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn check_types_calls_and_reports_errors_inside_functions_at_their_file() {
    let dir = setup("check");
    std::fs::write(
        dir.join("q.kql"),
        "imThing | project Tagged, Nope;\nThreatFeed(7) | where Score > 5 | project Indicator, Missing;\nNoisy | count",
    )
    .unwrap();
    let (code, out, _) = kql(
        &[
            "check",
            "q.kql",
            "--functions",
            "funcs",
            "--schema",
            "data/Events.schema.json",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect(&out);
    let got: Vec<(String, u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].0, "KS142");
    assert!(got[0].2.contains("`Nope`"), "{got:?}");
    // The signature alone types the call: its result columns are known.
    assert_eq!((got[1].0.as_str(), got[1].1), ("KS142", 2));
    assert!(got[1].2.contains("`Missing`"), "{got:?}");
    // `Noisy` needs its tabular argument.
    assert_eq!((got[2].0.as_str(), got[2].1), ("KS117", 3));

    // An error inside a stored function is reported at the call, naming its file.
    std::fs::write(
        dir.join("funcs/asim/imThing.yaml"),
        PARSER.replace("IP == srcipaddr", "IPx == srcipaddr"),
    )
    .unwrap();
    std::fs::write(dir.join("q.kql"), "imThing | take 1").unwrap();
    let (code, out, _) = kql(
        &[
            "check",
            "q.kql",
            "--functions",
            "funcs",
            "--schema",
            "data/Events.schema.json",
        ],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "in `imThing` (funcs/asim/imThing.yaml:11:31): unknown column or variable `IPx`"
        ),
        "{out}"
    );
    assert!(out.contains("--> q.kql:1:1"), "{out}");
}

#[test]
fn a_signature_cannot_run_and_bad_files_are_named() {
    let dir = setup("bad");
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(["run", "-", "--data", "data", "--functions", "funcs"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"ThreatFeed(1)")?;
            c.wait_with_output()
        })
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("`ThreatFeed` is known only by its signature (funcs/ThreatFeed.json)"),
        "{err}"
    );

    std::fs::write(
        dir.join("funcs/broken.kql"),
        "let f = (a:string) {\n  a +\n};",
    )
    .unwrap();
    let (code, _, err) = kql(
        &["check", "data", "--functions", "funcs", "--allow-empty"],
        &dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("funcs/broken.kql:3"), "{err}");
}
