//! `kql parse`: exit codes, rendered errors, `-` for stdin, `--ast` and `--ast json`.

use std::io::Write;
use std::process::{Command, Stdio};

fn kql(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kql runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("kql exits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn parse_exit_codes_and_output() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/queries/suspicious-noninteractive-signins.kql"
    );
    let (code, out, err) = kql(&["parse", seed], "");
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    // `where a = 1` is Kusto's (a named value); `=` after a comparison is a slip.
    let (code, _, err) = kql(&["parse", "-"], "T | where a == 1 and b = 2");
    assert_eq!(code, 1);
    assert!(err.contains("<stdin>:1:24"), "{err}");
    assert!(err.contains("help: to test equality use `==`"), "{err}");

    // One bad file among good ones fails the run, and every file is reported.
    let (code, _, err) = kql(&["parse", seed, "-", "/no/such/file.kql"], "T | take 1");
    assert_eq!(code, 1);
    assert!(err.contains("cannot read /no/such/file.kql"), "{err}");

    let (code, out, _) = kql(&["parse", "--ast", "-"], "T | where a == 1");
    assert_eq!((code, out.as_str()), (0, "(pipe T (where (== a 1)))\n"));

    let (code, out, _) = kql(&["parse", "--ast", "json", "-"], "print 1");
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["statements"][0]["span"]["end"], 7);
}
