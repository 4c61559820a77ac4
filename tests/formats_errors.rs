//! Bad input in every format: a record that cannot be read is an error naming the file
//! and the line (and what is wrong); mangled files never panic. A table of (file name,
//! content, query, expected message parts, expected line).

use kql::io::{open_dir_with, Product, ReadOptions};
use kql::ErrorKind;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-formats-err-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The error of running `query` over a folder holding `files` (reading errors may come
/// from opening the folder or from the run).
fn error(dir: &Path, query: &str, strict: bool) -> Option<kql::Error> {
    let opts = ReadOptions {
        strict,
        ..Default::default()
    };
    let catalog = match open_dir_with(dir, &[], &|_| true, Product::Sentinel, &opts) {
        Ok(c) => c,
        Err(e) => return Some(e),
    };
    kql::run_query(query, &catalog, 0).err()
}

/// (file, content, query, message parts, line)
const CASES: &[(&str, &str, &str, &[&str], usize)] = &[
    (
        "T.json",
        r#"{"tables": [{"name": "PrimaryResult", "columns": [{"name": "a", "type": "blob"}], "rows": []}]}"#,
        "T",
        &["column `a` has type `blob`"],
        1,
    ),
    (
        "T.json",
        concat!(
            r#"{"tables": [{"name": "PrimaryResult", "columns": [{"name": "a", "type": "long"}], "rows": ["#,
            "\n[1],\n[1, 2]]}]}"
        ),
        "T",
        &["a row with more than 1 values"],
        3,
    ),
    (
        "T.json",
        concat!(
            r#"{"tables": [{"name": "PrimaryResult", "columns": [{"name": "a", "type": "long"}], "rows": ["#,
            "\n[1],\n[2"
        ),
        "T",
        &["the file ends inside a value"],
        3,
    ),
    (
        "T.json",
        r#"{"tables": [{"name": "PrimaryResult", "rows": [[1]]}]}"#,
        "T",
        &["no `tables` with a table's `columns`"],
        1,
    ),
    (
        "T.csv",
        "a,b\n1,2\n3,4,5\n",
        "T",
        &["a row with 3 fields, where the header has 2"],
        3,
    ),
    ("T.csv", "a,a\n1,2\n", "T", &["the header names column `a` twice"], 1),
    ("T.jsonl", "{\"a\": 1}\n5\n", "T", &["expected a JSON object"], 2),
    ("T.jsonl", "{\"a\": 1}\n{\"a\": tru}\n", "T", &["invalid JSON"], 2),
    (
        "T.json",
        "[{\"a\": 1}\n, {\"a\": 2}] trailing",
        "T",
        &["unexpected text after the JSON array"],
        2,
    ),
    (
        "capture.json",
        "{\"records\": [{\"category\": \"AdvancedHunting-T\", \"properties\": {\"a\": 1}}]}\n{\"records\": 5}\n",
        "T",
        &["`records` is not an array"],
        2,
    ),
    (
        "capture.json",
        "{\"records\": [{\"category\": \"AdvancedHunting-T\", \"properties\": {\"a\": 1}}]}\n{\"records\": [{\"category\": \"AdvancedHunting-T\"}]}\n",
        "T",
        &["a `AdvancedHunting-T` record without `properties`"],
        2,
    ),
    (
        "T.json",
        r#"{"Schema": [{"Name": "a"}], "Results": []}"#,
        "T",
        &["a schema entry without `Name` and `Type`"],
        1,
    ),
    (
        "T.json",
        r#"[{"FrameType": "DataSetHeader"}, {"FrameType": "TableHeader", "TableKind": "PrimaryResult", "Columns": []}]"#,
        "T",
        &["progressive mode", "is not supported yet"],
        0,
    ),
    (
        "T.json",
        r#"[{"FrameType": "DataSetHeader"}, {"FrameType": "DataSetCompletion"}]"#,
        "T",
        &["no `DataTable` frame of kind `PrimaryResult`"],
        1,
    ),
];

#[test]
fn unreadable_records_name_file_and_line() {
    for (k, (file, text, query, parts, line)) in CASES.iter().enumerate() {
        let dir = temp(&format!("case{k}"));
        std::fs::write(dir.join(file), text).unwrap();
        let e = error(&dir, query, false).unwrap_or_else(|| panic!("{file}: {text}: no error"));
        for p in *parts {
            assert!(e.message.contains(p), "{text}: {}", e.message);
        }
        if *line > 0 {
            assert_eq!(
                e.location,
                kql::error::Location::File {
                    path: dir.join(file).display().to_string(),
                    line: *line
                },
                "{text}: {}",
                e.message
            );
        } else {
            assert!(e.message.contains(file), "{}", e.message);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn strict_errors_name_file_line_and_column() {
    // (file, content, message, line)
    let cases: &[(&str, &str, &str, usize)] = &[
        (
            "T.csv",
            "n,when [UTC]\n1,\"10/25/2023, 9:43:21.994 AM\"\n2,soon\n",
            "column `when`: cannot read \"soon\" as datetime",
            3,
        ),
        (
            "T.json",
            concat!(
                r#"{"tables": [{"name": "PrimaryResult", "columns": [{"name": "n", "type": "int"}], "rows": ["#,
                "\n[1],\n[3000000000]]}]}"
            ),
            "column `n`: cannot read 3000000000 as int",
            3,
        ),
    ];
    for (file, text, msg, line) in cases {
        let dir = temp("strict");
        std::fs::write(dir.join(file), text).unwrap();
        // Without `strict`: null and a warning, no error.
        assert!(error(&dir, "T", false).is_none(), "{text}");
        let e = error(&dir, "T", true).unwrap();
        assert!(e.message.contains(msg), "{}", e.message);
        assert_eq!(
            e.location,
            kql::error::Location::File {
                path: dir.join(file).display().to_string(),
                line: *line
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_take_does_not_depend_on_a_bad_later_file() {
    // The first file's rows satisfy the take; the error in the second file is never
    // needed, whichever thread reads it first.
    let dir = temp("take");
    let good: String = (0..50_000).map(|i| format!("{{\"a\": {i}}}\n")).collect();
    std::fs::write(dir.join("T.1.json"), &good).unwrap();
    std::fs::write(dir.join("T.2.json"), "{\"a\": 1}\n{oops}\n").unwrap();
    let opts = ReadOptions::default();
    for _ in 0..5 {
        let catalog = open_dir_with(&dir, &[], &|_| true, Product::Sentinel, &opts).unwrap();
        // The folder's types are inferred first (every record is read for that), so
        // the error shows there; take then with a schema that needs no inference.
        assert!(kql::run_query("T | take 3", &catalog, 0).is_err());
    }
    let schema = kql::io::Schema {
        name: "T".into(),
        columns: vec![kql::Column::new("a", kql::Type::Long)],
    };
    for _ in 0..5 {
        let catalog = open_dir_with(
            &dir,
            std::slice::from_ref(&schema),
            &|_| true,
            Product::Sentinel,
            &opts,
        )
        .unwrap();
        let t = kql::run_query("T | take 3", &catalog, 0).unwrap();
        assert_eq!(t[0].rows.len(), 3);
        let e = kql::run_query("T | count", &catalog, 0).unwrap_err();
        assert!(
            e.message.contains("invalid JSON") && e.message.contains("key must be a string"),
            "{}",
            e.message
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_gzip_is_an_error() {
    let dir = temp("gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"a\": 1}\n".repeat(1000).as_slice())
        .unwrap();
    let mut bytes = gz.finish().unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2);
    std::fs::write(dir.join("T.json.gz"), &bytes).unwrap();
    let e = error(&dir, "T | count", false).unwrap();
    assert_eq!(e.kind, ErrorKind::Data, "{}", e.message);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every truncation and many byte mutations of a file of each format read or fail with
/// an error; none panics.
#[test]
fn mangled_files_never_panic() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats");
    let files: &[(&str, &str, &str)] = &[
        (
            "log-analytics/SigninLogs.json",
            "SigninLogs.json",
            "SigninLogs",
        ),
        ("az-cli/SigninLogs.json", "SigninLogs.json", "SigninLogs"),
        (
            "hunting/DeviceProcessEvents.json",
            "DeviceProcessEvents.json",
            "DeviceProcessEvents",
        ),
        (
            "graph/DeviceProcessEvents.json",
            "DeviceProcessEvents.json",
            "DeviceProcessEvents",
        ),
        (
            "portal-csv/DeviceProcessEvents.csv",
            "DeviceProcessEvents.csv",
            "DeviceProcessEvents",
        ),
        (
            "streaming/capture.json",
            "capture.json",
            "DeviceProcessEvents",
        ),
        (
            "kusto-v1/StormEvents.json",
            "StormEvents.json",
            "StormEvents",
        ),
        (
            "kusto-v2/StormEvents.json",
            "StormEvents.json",
            "StormEvents",
        ),
        (
            "csv-plain/Inventory_CL.tsv",
            "Inventory_CL.tsv",
            "Inventory_CL",
        ),
    ];
    let dir = temp("mangled");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let specials = b"[]{}\",:\\0a \n\r-.eENI\t";
    for (sample, name, table) in files {
        let bytes = std::fs::read(samples.join(sample)).unwrap();
        let mut cases: Vec<Vec<u8>> = (0..bytes.len())
            .step_by((bytes.len() / 40).max(1))
            .map(|n| bytes[..n].to_vec())
            .collect();
        for _ in 0..60 {
            let mut m = bytes.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() % m.len() as u64) as usize;
                let with = specials[(next() % specials.len() as u64) as usize];
                match next() % 3 {
                    0 => m[at] = with,
                    1 => m.insert(at, with),
                    _ => {
                        m.remove(at);
                    }
                }
            }
            cases.push(m);
        }
        for case in cases {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), &case).unwrap();
            for query in [table.to_string(), format!("{table} | take 1 | count")] {
                if let Some(e) = error(&dir, &query, false) {
                    assert!(
                        matches!(
                            e.kind,
                            ErrorKind::Data
                                | ErrorKind::Unsupported
                                | ErrorKind::Semantic
                                | ErrorKind::Io
                        ),
                        "{sample}: {:?} {}",
                        e.kind,
                        e.message
                    );
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_record_of_a_capture_is_an_error_on_its_line_whether_its_table_is_read_or_not() {
    // Line 3 holds B's bad record (a bare word inside its `properties`). The folder is
    // opened as `kql run` opens it: for the tables the query names.
    let rec = |table: &str, props: &str| {
        format!("{{\"records\": [{{\"category\": \"AdvancedHunting-{table}\", \"properties\": {props}}}]}}\n")
    };
    let text = [
        rec("A", "{\"a\": 1}"),
        rec("B", "{\"b\": 1}"),
        rec("B", "{\"b\": tru}"),
        rec("A", "{\"a\": 2}"),
    ]
    .concat();
    let dir = temp("capture-bad");
    std::fs::write(dir.join("capture.json"), &text).unwrap();
    for query in ["B | count", "A | count", "union A, B | count"] {
        let opts = ReadOptions::default();
        let wanted = kql::io::mentioned_in(query);
        let e = open_dir_with(&dir, &[], &wanted, Product::Sentinel, &opts)
            .and_then(|catalog| kql::run_query(query, &catalog, 0))
            .unwrap_err();
        assert!(e.message.contains("invalid JSON"), "{query}: {}", e.message);
        assert_eq!(
            e.location,
            kql::error::Location::File {
                path: dir.join("capture.json").display().to_string(),
                line: 3
            },
            "{query}: {}",
            e.message
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
