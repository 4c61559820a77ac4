//! No input crashes kql (issue 15): long and deep queries, hostile format strings,
//! non-finite make-series axes, broken table files, stray schemas, huge source lines
//! and wide prints, each driven through the real binary, where exit codes matter.
//! A crash is an exit by signal (stack overflow aborts) or 101 (an uncaught panic);
//! every case here must instead succeed or fail with a message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn kql_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Out {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        // kql reads all of standard input before it answers: this never blocks.
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
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `print x=1 | where true | ...`, `n` filters.
fn pipeline(n: usize) -> String {
    format!("print x=1{}", " | where true".repeat(n))
}

/// `f0 .. f{n-1}`, each calling the one before and adding 1: `f{n-1}(0)` is `n - 1`.
fn nested_calls(n: usize) -> String {
    let mut q = String::from("let f0=(x:long){x};\n");
    for i in 1..n {
        q.push_str(&format!("let f{i}=(x:long){{f{}(x)+1}};\n", i - 1));
    }
    q.push_str(&format!("print r=f{}(0)\n", n - 1));
    q
}

/// Each let a union of the one before with itself: the plan doubles at each step.
fn doubling_lets(n: usize) -> String {
    let mut q = String::from("let a0 = print x=1;\n");
    for i in 1..n {
        q.push_str(&format!("let a{i} = union a{}, a{};\n", i - 1, i - 1));
    }
    q.push_str(&format!("a{} | count\n", n - 1));
    q
}

/// What a case must give: success with this text in the output, or exit 1 with this
/// text in the error.
enum Want {
    Ok(&'static str),
    Error(&'static str),
}

fn check_case(what: &str, query: &str, want: &Want) {
    let dir = scratch("q");
    let out = kql_in(&dir, &["run", "-"], Some(query));
    match want {
        Want::Ok(text) => assert!(
            out.code == Some(0) && out.stdout.contains(text),
            "{what}: exit {:?}, stdout {:.300}, stderr {:.600}",
            out.code,
            out.stdout,
            out.stderr
        ),
        Want::Error(text) => assert!(
            out.code == Some(1) && out.stderr.contains(text),
            "{what}: exit {:?}, stderr {:.600}",
            out.code,
            out.stderr
        ),
    }
    // Whatever the query, the message is bounded (a window around the caret).
    assert!(
        out.stderr.len() < 4000,
        "{what}: {} bytes of errors",
        out.stderr.len()
    );
}

#[test]
fn deep_and_long_queries_run_or_fail_cleanly() {
    let cases: Vec<(&str, String, Want)> = vec![
        ("5,000 filters", pipeline(5_000), Want::Ok("(1 row)")),
        (
            "10,000 filters (the limit)",
            pipeline(9_999),
            Want::Ok("(1 row)"),
        ),
        (
            "50,000 filters",
            pipeline(50_000),
            Want::Error("more than 10000 operators one on top of another"),
        ),
        ("2,000 nested calls", nested_calls(2_000), Want::Ok("1999")),
        (
            "10,001 nested calls",
            nested_calls(10_001),
            Want::Error("calls of functions nest deeper than 10000"),
        ),
        (
            "300 nested parentheses",
            format!("print x={}1{}", "(".repeat(300), ")".repeat(300)),
            Want::Error("nests deeper than 200 levels"),
        ),
        (
            "5,000 `+`",
            format!("print x=1{}", "+1".repeat(5_000)),
            Want::Error("deeper than 2000 operators"),
        ),
        (
            "lets doubling the plan",
            doubling_lets(40),
            Want::Error("more than 200000 operators in all"),
        ),
        ("lets doubling a little", doubling_lets(8), Want::Ok("128")),
    ];
    for (what, query, want) in &cases {
        check_case(what, query, want);
    }
}

#[test]
fn every_command_bounds_a_long_pipeline() {
    let dir = scratch("cmds");
    std::fs::write(dir.join("deep.kql"), pipeline(50_000)).unwrap();
    std::fs::write(dir.join("ok.kql"), pipeline(5_000)).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let check = kql_in(&dir, &["check", "deep.kql"], None);
    assert_eq!(check.code, Some(1), "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("too deep"), "{}", check.stdout);
    let check = kql_in(&dir, &["check", "ok.kql"], None);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    // diff: trouble is exit 2.
    let diff = kql_in(
        &dir,
        &["diff", "deep.kql", "ok.kql", "--data", "data"],
        None,
    );
    assert_eq!(diff.code, Some(2), "{}", diff.stderr);
    assert!(diff.stderr.contains("too deep"), "{}", diff.stderr);
    let diff = kql_in(&dir, &["diff", "ok.kql", "ok.kql", "--data", "data"], None);
    assert_eq!(diff.code, Some(0), "{}", diff.stderr);
    // test: the deep test fails, the other passes, the summary and JUnit file come.
    let spec = r#"{"tests": [
        {"name": "deep", "query": "deep.kql", "now": "2026-01-01T00:00:00Z", "expect": {"rows": [{"x": 1}]}},
        {"name": "ok", "query": "ok.kql", "now": "2026-01-01T00:00:00Z", "expect": {"rows": [{"x": 1}]}}
    ]}"#;
    std::fs::write(dir.join("t.kqltest.json"), spec).unwrap();
    let test = kql_in(&dir, &["test", "t.kqltest.json", "--junit", "j.xml"], None);
    assert_eq!(test.code, Some(1), "{}{}", test.stdout, test.stderr);
    assert!(
        test.stdout.contains("1 passed, 1 failed"),
        "{}",
        test.stdout
    );
    assert!(dir.join("j.xml").exists());
}

#[test]
fn format_strings_follow_the_docs_elements() {
    let cases: Vec<(&str, String, Want)> = vec![
        (
            "65,536 y",
            "print format_datetime(datetime(2026-05-18), strrep('y', 65536))".into(),
            Want::Error("is not a format element"),
        ),
        (
            "70,000 d in a timespan format",
            "print format_timespan(1d, strrep('d', 70000))".into(),
            Want::Error("is not a format element"),
        ),
        (
            "the docs' example",
            "print v=format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [HH:mm:ss]')"
                .into(),
            Want::Ok("17-01-29 [09:00:05]"),
        ),
        (
            "every documented element",
            "print v=format_datetime(datetime(2009-06-15 13:45:30.6175425), 'd dd f fffffff FFFFFFF h hh H HH m mm M MM s ss y yy yyyy tt')".into(),
            Want::Ok("15 15 6 6175425 6175425 1 01 13 13 45 45 6 06 30 30 9 09 2009 PM"),
        ),
        (
            "timespan days up to 8",
            "print v=format_timespan(time(29.09:00:05.12345), 'dddddddd.hh:mm:ss')".into(),
            Want::Ok("00000029.09:00:05"),
        ),
        (
            "a format that varies per row: empty where it is not valid",
            "print f=strrep('M', 3) | extend v=strcat('<', format_datetime(datetime(2020-01-01), f), '>')".into(),
            Want::Ok("<>"),
        ),
    ];
    for (what, query, want) in &cases {
        check_case(what, query, want);
    }
}

#[test]
fn make_series_over_non_finite_values() {
    let cases: Vec<(&str, &str, Want)> = vec![
        (
            "NaN axis",
            "print c=real(nan) | make-series n=count() default=0 on c step 1",
            Want::Ok("(0 rows)"),
        ),
        (
            "inf axis",
            "print c=real(+inf) | make-series n=count() default=0 on c step 1",
            Want::Ok("(0 rows)"),
        ),
        (
            "-inf among finite values: skipped like a null",
            "range i from 1 to 3 step 1 | extend c=iff(i==2, real(-inf), todouble(i)) | make-series n=count() default=0 on c step 1",
            Want::Ok("[1,0,1]"),
        ),
        (
            "infinite from",
            "print c=1.0 | make-series n=count() default=0 on c from real(-inf) to 10.0 step 1",
            Want::Error("`from` must be a finite number"),
        ),
        (
            "NaN to",
            "print c=1.0 | make-series n=count() default=0 on c from 0.0 to real(nan) step 1",
            Want::Error("`to` must be a finite number"),
        ),
        (
            "infinite step",
            "print c=1.0 | make-series n=count() default=0 on c from 0.0 to 3.0 step real(+inf)",
            Want::Error("step must be a positive finite number"),
        ),
    ];
    for (what, query, want) in &cases {
        check_case(what, query, want);
    }
}

#[test]
fn broken_table_files_are_errors_naming_the_file() {
    type Make = fn(&Path);
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "dangling link",
            |p| std::os::unix::fs::symlink("/nonexistent/x", p).unwrap(),
            "leads to no file",
        ),
        (
            "link loop",
            |p| std::os::unix::fs::symlink(p, p).unwrap(),
            "leads to no file",
        ),
        (
            "FIFO",
            |p| {
                let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
                assert!(ok);
            },
            "named pipe",
        ),
        ("folder", |p| std::fs::create_dir(p).unwrap(), "is a folder"),
        (
            "/dev/null",
            |p| std::os::unix::fs::symlink("/dev/null", p).unwrap(),
            "is a device",
        ),
    ];
    for (what, make, text) in cases {
        let dir = scratch("broken");
        std::fs::write(
            dir.join("Events.schema.json"),
            r#"{"name":"Events","columns":[{"name":"a","type":"long"}]}"#,
        )
        .unwrap();
        make(&dir.join("Events.jsonl"));
        let out = kql_in(&dir, &["run", "-", "--data", "."], Some("Events | count"));
        assert!(
            out.code == Some(1) && out.stderr.contains("Events.jsonl") && out.stderr.contains(text),
            "{what}: exit {:?}, stdout {}, stderr {}",
            out.code,
            out.stdout,
            out.stderr
        );
        // A query of another table is not concerned.
        std::fs::write(dir.join("Other.jsonl"), "{\"b\":1}\n").unwrap();
        let out = kql_in(&dir, &["run", "-", "--data", "."], Some("Other | count"));
        assert!(out.code == Some(0), "{what}: {}", out.stderr);
    }
}

#[test]
fn schema_files_of_other_tables_are_not_read() {
    let dir = scratch("schemas");
    std::fs::write(dir.join("Events.jsonl"), "{\"a\":1}\n{\"a\":2}\n").unwrap();
    std::fs::write(dir.join("Broken.schema.json"), "not json {").unwrap();
    let out = kql_in(&dir, &["run", "-", "--data", "."], Some("Events | count"));
    assert!(
        out.code == Some(0) && out.stdout.contains('2'),
        "{}",
        out.stderr
    );
    let out = kql_in(&dir, &["run", "-", "--data", "."], Some("Broken | count"));
    assert!(
        out.code == Some(1) && out.stderr.contains("Broken.schema.json"),
        "{:?} {}",
        out.code,
        out.stderr
    );
}

#[test]
fn an_error_on_a_10_mb_line_shows_a_window() {
    let dir = scratch("long");
    // 10 MB of one line, with an unknown name in its middle.
    let pad = "x".repeat(5_000_000);
    let query = format!("print a='{pad}', b=nosuchname, c='{pad}'");
    let out = kql_in(&dir, &["run", "-"], Some(&query));
    assert_eq!(out.code, Some(1), "{:.500}", out.stderr);
    assert!(out.stderr.len() < 2000, "{} bytes", out.stderr.len());
    assert!(out.stderr.contains("<stdin>:1:5000015"), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("1 | ")).unwrap();
    let col = |l: &str, pat: &str| l.find(pat).unwrap();
    assert_eq!(
        col(lines[at], "nosuchname"),
        col(lines[at + 1], "^^^"),
        "{}",
        out.stderr
    );
}

#[test]
fn wide_prints_bind_in_linear_time() {
    // 20,000 columns took 22 s in a release build before names were looked up in a
    // set; a debug build now takes well under the bound.
    let dir = scratch("wide");
    let cols: Vec<String> = (0..20_000).map(|i| format!("c{i}={i}")).collect();
    let query = format!("print {} | project c19999", cols.join(", "));
    let out = kql_in(&dir, &["run", "-"], Some(&query));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("19999"), "{}", out.stdout);
    assert!(out.took < Duration::from_secs(10), "took {:?}", out.took);
    let out = kql_in(&dir, &["run", "-"], Some("print a=1, a=2"));
    assert!(out.code == Some(1) && out.stderr.contains("already declared"));
}

/// The library runs a query on a thread with the query stack whatever its caller's:
/// a test thread (2 MB) takes 3,000 nested calls and 5,000 filters, as the CLI does.
#[test]
fn the_library_takes_deep_queries_on_a_small_stack() {
    let catalog = kql::Catalog::default();
    let now = kql::value::parse_query_clock("2026-05-18T12:00:00Z").unwrap();
    let mut calls = String::from("let f0=(x:long){x};");
    for i in 1..3000 {
        calls.push_str(&format!("let f{i}=(x:long){{f{}(x)+1}};", i - 1));
    }
    calls.push_str("print n = f2999(0)");
    let filters = format!("print n = 4999{}", " | where true".repeat(5000));
    // (query, n)
    for (query, n) in [(calls, 2999), (filters, 4999)] {
        let got = kql::run_query(&query, &catalog, now).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(got[0].rows, vec![vec![kql::Value::Long(n)]]);
    }
}
