//! Kusto's query limits end to end (the built binary): a per-query memory budget
//! that stops runaway operators with the low-memory error naming the operator, result
//! truncation (500,000 records or 64 MB, `set notruncation`, `set truncationmaxrecords`,
//! `set truncationmaxsize`), and answers that are the same bytes whatever the thread
//! count, `rand()` included.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const NOW: &str = "2026-05-18T12:00:00Z";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kql_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A usage error exits before reading its input: the write may meet a closed pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(query: &str, extra: &[&str]) -> Out {
    let mut args = vec!["run", "-", "--now", NOW];
    args.extend_from_slice(extra);
    kql_env(&args, query, &[])
}

/// 3,000 × 3,000 rows on one key: 9 million joined rows.
const JOIN: &str = "let A=range i from 1 to 3000 step 1 | extend a=1; let B=range j from 1 to 3000 step 1 | extend a=1; A | join kind=inner B on $left.a == $right.a";

#[test]
fn operators_that_hold_too_many_rows_stop_with_the_low_memory_error() {
    let full = JOIN.replace("kind=inner", "kind=fullouter");
    // (query, the operator the error names)
    let cases: Vec<(String, &str)> = vec![
        (JOIN.to_string(), "the rows `join` holds"),
        (format!("{full} | count"), "the rows `join` holds"),
        (format!("{JOIN} | summarize by i, j | count"), "the rows `summarize` holds"),
        ("range i from 1 to 3000000 step 1 | summarize count() by i | count".into(), "the rows `summarize` holds"),
        ("union (range i from 1 to 1000000 step 1), (range i from 1 to 1000000 step 1), (range i from 1 to 1000000 step 1) | count".into(), "the rows `union` holds"),
        // A `let` used several times is computed once and kept (unless its rows are
        // made again as cheaply, row by row from rows in memory: the next case).
        ("let T=range i from 1 to 1000 step 1 | extend k=1 | join kind=inner (range j from 1 to 1000 step 1 | extend k=1) on k; union T,T,T | count".into(), "the rows `materialize` holds"),
        ("let T=range i from 1 to 1000000 step 1; union T,T,T | count".into(), "the rows `union` holds"),
        ("range i from 1 to 1000000 step 1 | extend s=strcat(tostring(i), strrep('x', 100)) | sort by s | count".into(), "the rows `sort` holds"),
        ("range i from 1 to 100 step 1 | extend a=range(1, 100000, 1) | mv-expand a".into(), "the rows `mv-expand` holds"),
        ("range i from 1 to 2000000 step 1 | extend s=strcat('a', tostring(i)) | top 1500000 by i | count".into(), "the rows `top` holds"),
        ("let T=materialize(range i from 1 to 2000000 step 1 | extend s=strcat('a', tostring(i))); T | count".into(), "the rows of the subquery"),
        ("range i from 1 to 2000000 step 1 | extend s=strcat('a', tostring(i))".into(), "the rows of the result"),
    ];
    for (q, op) in &cases {
        let o = run(q, &["--max-memory", "32MB"]);
        assert_eq!(o.code, 1, "{q}\n{}", o.stderr);
        assert!(
            o.stderr.contains("E_LOW_MEMORY_CONDITION")
                && o.stderr.contains(op)
                && o.stderr.contains("memory budget of 32.0 MB"),
            "{q}\n{}",
            o.stderr
        );
        assert!(o.stdout.is_empty(), "{q}: no partial result\n{}", o.stdout);
    }
    // The query's own request property sets the budget as Kusto names it.
    let q = "set max_memory_consumption_per_query_per_node=33554432;\nrange i from 1 to 3000000 step 1 | summarize count() by i | count";
    let o = run(q, &[]);
    assert!(
        o.code == 1 && o.stderr.contains("memory budget of 32.0 MB"),
        "{}",
        o.stderr
    );
}

#[test]
fn streaming_shapes_hold_nothing_and_answer_under_a_small_budget() {
    let cases: Vec<(String, &str)> = vec![
        // The join's output streams into the count: only the built side is held.
        (format!("{JOIN} | count"), "9000000"),
        (
            "range i from 1 to 3000000 step 1 | where i % 7 == 0 | count".into(),
            "428571",
        ),
        (
            "range i from 1 to 3000000 step 1 | summarize count() by k = i % 10 | count".into(),
            "10",
        ),
        (
            "range i from 1 to 3000000 step 1 | top 3 by i | summarize max(i)".into(),
            "3000000",
        ),
        (
            "range i from 1 to 3000000 step 1 | take 5 | count".into(),
            "5",
        ),
        // A `let` read at one place runs there, streamed: nothing of it is held.
        (
            "let T = range i from 1 to 3000000 step 1 | extend s = strcat('a', tostring(i)); T | where i % 7 == 0 | count".into(),
            "428571",
        ),
        // A union's filter runs in each input, and the union holds only the columns
        // read after it.
        (
            "union (range i from 1 to 3000000 step 1 | extend s = strcat('a', tostring(i))), (range i from 1 to 10 step 1) | where i % 1000 == 0 | summarize count()".into(),
            "3000",
        ),
        (
            "union (range i from 1 to 100000 step 1 | extend s = strcat('a', tostring(i)), t = strcat('b', tostring(i)), u = strcat('c', tostring(i))), (range j from 1 to 10 step 1) | count".into(),
            "100010",
        ),
        // So does one read at several places whose rows are made again as cheaply.
        (
            "let T = range i from 1 to 3000000 step 1 | extend k = i % 10; T | summarize by k | join kind=inner (T | where i > 2999990) on k | count".into(),
            "10",
        ),
    ];
    for (q, want) in &cases {
        let o = run(q, &["--max-memory", "16MB", "--format", "csv"]);
        assert_eq!(o.code, 0, "{q}\n{}", o.stderr);
        assert_eq!(o.stdout.lines().nth(1), Some(*want), "{q}");
    }
}

#[test]
fn a_bad_budget_is_a_usage_error() {
    for bad in ["lots", "0", "2XB"] {
        let o = run("print 1", &["--max-memory", bad]);
        assert_eq!(o.code, 2, "{bad}: {}", o.stderr);
        assert!(o.stderr.contains("--max-memory"), "{}", o.stderr);
    }
    let o = run(
        "set max_memory_consumption_per_query_per_node='x';\nprint 1",
        &[],
    );
    assert!(
        o.code == 1 && o.stderr.contains("takes a positive integer"),
        "{}",
        o.stderr
    );
}

/// Rows of a CSV result (its lines after the header).
fn csv_rows(o: &Out) -> usize {
    o.stdout.lines().count().saturating_sub(1)
}

#[test]
fn results_are_truncated_as_kusto_does() {
    // (query, rows shown, the warning's words, or none)
    let cases: &[(&str, usize, Option<&str>)] = &[
        ("range i from 1 to 500001 step 1", 500_000, Some("internal record count limit 500000")),
        ("range i from 1 to 500000 step 1", 500_000, None),
        ("set notruncation;\nrange i from 1 to 500001 step 1", 500_001, None),
        ("set truncationmaxrecords=5;\nrange i from 1 to 10 step 1", 5, Some("record count limit 5 ")),
        // Several times: the lower value.
        ("set truncationmaxrecords=7;\nset truncationmaxrecords=3;\nrange i from 1 to 10 step 1", 3, Some("record count limit 3 ")),
        // notruncation is ignored when a maximum is set too.
        ("set notruncation;\nset truncationmaxrecords=4;\nrange i from 1 to 10 step 1", 4, Some("record count limit 4 ")),
        // 1,000 bytes: 4 rows of a long and a 100-character string (about 224 bytes
        // each as kql estimates a row's size).
        ("set truncationmaxsize=1000;\nrange i from 1 to 100 step 1 | extend s=strcat(tostring(i), strrep('x', 100))", 4, Some("internal data size limit 1000 ")),
        // `take` under the limit: nothing is cut.
        ("set truncationmaxrecords=10;\nrange i from 1 to 100 step 1 | take 10", 10, None),
    ];
    for (q, rows, warning) in cases {
        let o = run(q, &["--format", "csv"]);
        assert_eq!(o.code, 0, "{q}\n{}", o.stderr);
        assert_eq!(csv_rows(&o), *rows, "{q}");
        match warning {
            Some(w) => assert!(
                o.stderr.contains(w) && o.stderr.contains("E_QUERY_RESULT_SET_TOO_LARGE"),
                "{q}\n{}",
                o.stderr
            ),
            None => assert!(o.stderr.is_empty(), "{q}\n{}", o.stderr),
        }
    }
    // `--format json` flags the cut result.
    let o = run(
        "set truncationmaxrecords=2;\nrange i from 1 to 10 step 1",
        &["--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["truncated"]["kept"], 2);
    assert_eq!(v["truncated"]["total"], 10);
    assert_eq!(v["truncated"]["limit"], "records");
    let o = run("range i from 1 to 10 step 1", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v.get("truncated").is_none());
}

/// Sign-in rows with a few repeated users and a time column, as JSON lines (so they
/// stream from the file in several chunks).
fn signins(rows: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("Signins.jsonl")).unwrap());
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        writeln!(
            f,
            r#"{{"TimeGenerated":"2026-05-{:02}T{:02}:{:02}:00Z","User":"u{}@contoso.com","Ip":"10.0.{}.{}","Ok":{}}}"#,
            1 + i % 17,
            i % 24,
            i % 60,
            x % 97,
            x % 13,
            x % 251,
            !x.is_multiple_of(5)
        )
        .unwrap();
    }
    dir
}

#[test]
fn answers_are_the_same_bytes_whatever_the_thread_count() {
    let dir = signins(20_000);
    let data = dir.to_str().unwrap();
    let queries = [
        "Signins | where rand() < 0.002 | project TimeGenerated, User, Ip",
        "Signins | extend r = rand() | summarize n=count(), s=sum(r), l=make_list(Ip, 5) by User | order by User asc",
        "Signins | summarize make_set(Ip, 3), arg_max(TimeGenerated, Ip) by User",
        "Signins | where Ok | extend g = new_guid() | take 3",
        "Signins | sample 4",
        "Signins | summarize dcount(Ip), percentile(strlen(Ip), 50) by bin(TimeGenerated, 1d)",
    ];
    for q in queries {
        let mut outputs = Vec::new();
        for threads in ["1", "2", "1", "2"] {
            let o = kql_env(
                &["run", "-", "--now", NOW, "--data", data, "--format", "csv"],
                q,
                &[("KQL_THREADS", threads)],
            );
            assert_eq!(o.code, 0, "{q}\n{}", o.stderr);
            outputs.push(o.stdout);
        }
        assert!(outputs[0].lines().count() > 2, "{q}: {}", outputs[0]);
        assert!(outputs.iter().all(|o| *o == outputs[0]), "{q}: {outputs:?}");
    }
    // Another clock, other random values.
    let q = queries[0];
    let at = |now: &str| kql_env(&["run", "-", "--now", now, "--data", data], q, &[]).stdout;
    assert_ne!(at(NOW), at("2026-05-19T12:00:00Z"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn limits_of_functions_are_kustos_documented_ones() {
    // (expression, its value as CSV prints it; an empty field is null)
    let cases: &[(&str, &str)] = &[
        // strrep-function.md: at most 1024 repetitions.
        ("strlen(strrep('ab', 5000))", "2048"),
        ("strlen(strrep('ab', 1024))", "2048"),
        ("strrep('ab', 3, '-')", "ab-ab-ab"),
        // range-function.md: at most 1,048,576 (2^20) values.
        ("array_length(range(1, 2000000))", "1048576"),
        ("array_length(range(1, 1000))", "1000"),
        // toint-function.md: a value that does not convert is null.
        ("toint(3000000000)", ""),
        ("toint('3000000000')", ""),
        ("toint(-3000000000)", ""),
        ("toint(3.0e9)", ""),
        ("toint(2147483647)", "2147483647"),
        ("toint(-2147483648)", "-2147483648"),
        ("tolong(1e19)", ""),
        ("tolong('99999999999999999999')", ""),
        // Decompressed output past 64 MB fails (empty, as a failed decompression is)
        // instead of being cut.
        ("strlen(gzip_decompress_from_base64_string(gzip_compress_to_base64_string(strrep(strrep(strrep('x', 1000), 1000), 70))))", "0"),
        ("strlen(zlib_decompress_from_base64_string(zlib_compress_to_base64_string(strrep(strrep('x', 1000), 1000))))", "1000000"),
        // long arithmetic wraps, as .NET's unchecked arithmetic does (README).
        ("9223372036854775807 + 1", "-9223372036854775808"),
        // An integer beyond long in JSON is a real (README).
        (
            "gettype(parse_json('123456789012345678901234567890'))",
            "real",
        ),
        // JSON nested up to 128 levels is parsed; deeper, it is kept as the string
        // (as for any text the parser does not take; README).
        (
            "gettype(parse_json(strcat(strrep('[', 100), strrep(']', 100))))",
            "array",
        ),
        (
            "gettype(parse_json(strcat(strrep('[', 200), strrep(']', 200))))",
            "string",
        ),
    ];
    for (e, want) in cases {
        let o = run(&format!("print x = {e}"), &["--format", "csv"]);
        assert_eq!(o.code, 0, "{e}\n{}", o.stderr);
        assert_eq!(o.stdout.lines().nth(1), Some(*want), "{e}");
    }
}

#[test]
fn kql_test_compares_whole_results_under_the_memory_budget() {
    let dir = std::env::temp_dir().join(format!("kql-limits-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    // The query's truncation does not cut what a test compares.
    write(
        "cut.kql",
        "set truncationmaxrecords=2;\nrange i from 1 to 5 step 1\n",
    );
    write(
        "cut.kqltest.json",
        r#"{"query": "cut.kql", "now": "2026-01-15T12:00:00Z", "tests": [{"name": "whole", "expect": {"count": 5}}]}"#,
    );
    write(
        "big.kql",
        "range i from 1 to 3000000 step 1 | summarize count() by i\n",
    );
    write(
        "big.kqltest.json",
        r#"{"query": "big.kql", "now": "2026-01-15T12:00:00Z", "tests": [{"name": "groups", "expect": {"count": 3000000}}]}"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(["test", "--max-memory", "16MB"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("E_LOW_MEMORY_CONDITION"), "{text}");
    // One test passes, one fails on the budget; the run reaches its summary.
    let passed = text.lines().filter(|l| l.contains("whole")).count();
    assert!(passed >= 1 && text.contains("1 passed"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
