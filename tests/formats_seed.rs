//! The unchanged seed detection gives the same rows on the sample sign-in tables
//! (examples/signins) written in every export format kql reads as on plain JSON lines:
//! the tables are read once, written by the converter below in each format's shape
//! (the shapes are documented in the format modules, src/io/formats/), and the seed is
//! run over each folder. Some formats split a table over several files or folders, or
//! hold both tables in one file; every format is run gzip-compressed too.

mod formats_write;

use formats_write::{gzip_all, write, FORMATS};
use kql::io::formats::{detect, Format};
use kql::io::{open_dir_for, table_to_json, Product};
use kql::Table;
use std::path::{Path, PathBuf};

const TABLES: [&str; 2] = ["AADNonInteractiveUserSignInLogs", "EntraIdSignInEvents"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn now() -> i64 {
    kql::value::parse_query_clock("2026-05-18T12:00:00Z").unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sample tables as kql reads them (built-in schemas).
fn samples() -> Vec<(String, Table)> {
    let catalog = kql::io::load_dir(&root().join("examples/signins"), &[]).unwrap();
    TABLES
        .iter()
        .map(|t| {
            let table = catalog.get(t).unwrap().in_memory().unwrap();
            (t.to_string(), (*table).clone())
        })
        .collect()
}

fn seed_rows(dir: &Path) -> String {
    let query =
        std::fs::read_to_string(root().join("queries/suspicious-noninteractive-signins.kql"))
            .unwrap();
    let catalog = open_dir_for(dir, &[], &|_| true, Product::Sentinel)
        .unwrap_or_else(|e| panic!("{}: {} {:?}", dir.display(), e.message, e.location));
    let tables = kql::run_query(&query, &catalog, now())
        .unwrap_or_else(|e| panic!("{}: {} {:?}", dir.display(), e.message, e.location));
    assert!(
        catalog.warnings().is_empty(),
        "{}: {:?}",
        dir.display(),
        catalog.warnings().list()
    );
    tables
        .iter()
        .map(|t| table_to_json(t).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The format kql must detect for the files `format` writes.
fn expected(format: &str) -> Format {
    match format {
        "jsonl-split" | "data-export" => Format::JsonLines,
        "json-array" => Format::JsonArray,
        "log-analytics" => Format::LogAnalytics,
        "az-cli" => Format::AzCli,
        "hunting" | "graph" => Format::Hunting,
        "portal-csv" => Format::Delimited(b','),
        "tsv" => Format::Delimited(b'\t'),
        "streaming" => Format::Streaming,
        "kusto-v1" => Format::KustoV1,
        "kusto-v2" => Format::KustoV2,
        other => panic!("{other}"),
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_seed_gives_the_same_rows_in_every_format() {
    let tables = samples();
    let base_dir = temp("jsonl");
    write("jsonl", &base_dir, &tables);
    let base = seed_rows(&base_dir);
    assert!(base.contains("alice@contoso.com"), "{base}");
    for format in FORMATS {
        for gz in [false, true] {
            let dir = temp(&format!("{format}{}", if gz { "-gz" } else { "" }));
            write(format, &dir, &tables);
            if gz {
                gzip_all(&dir);
            }
            for f in files(&dir) {
                assert_eq!(detect(&f).unwrap(), expected(format), "{}", f.display());
            }
            assert_eq!(seed_rows(&dir), base, "{format} (gzip: {gz})");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
    std::fs::remove_dir_all(&base_dir).unwrap();
}

/// The tables themselves read back equal, every column and row, in every format.
#[test]
fn every_format_reads_back_the_same_tables() {
    let tables = samples();
    for format in FORMATS {
        let dir = temp(&format!("back-{format}"));
        write(format, &dir, &tables);
        let catalog = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
        for (name, t) in &tables {
            let got = kql::run_query(name, &catalog, now())
                .unwrap_or_else(|e| panic!("{format} {name}: {}", e.message));
            // A data export holds the rows by the 5 minutes of their TimeGenerated (path
            // order is time order): the same rows, in time order.
            let (mut got, mut want) = (table_to_json(&got[0]), table_to_json(t));
            if *format == "data-export" {
                for j in [&mut got, &mut want] {
                    if let Some(serde_json::Value::Array(rows)) = j.get_mut("rows") {
                        rows.sort_by_key(|r| r.to_string());
                    }
                }
            }
            assert_eq!(got, want, "{format}: {name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
