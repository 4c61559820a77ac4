//! Mutated table files of every format kql reads: the samples of tests/formats/ (Log
//! Analytics, az CLI, hunting, Graph, portal CSV, streaming API, data export, Kusto v1
//! and v2, plain CSV/TSV) and generated JSON lines and JSON arrays, each damaged a few
//! bytes at a time (a quote, bracket, escape, control byte, number or key put in, a
//! range dropped or doubled, the file cut short), now and then gzip-compressed before
//! or after the damage. The folder is read twice, as queries stream it and whole into
//! memory (`folder::catalog` lazy and not): the two must give the same tables, rows
//! and values, or the same error; no read may panic.

use super::{now, Rng};
use kql::io::formats::folder;
use kql::io::formats::ReadOptions;
use kql::io::Product;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Default, Debug, Clone, Copy)]
pub struct Stats {
    /// Folders read (each both ways).
    pub reads: u64,
    /// Of which gave an error (the same both ways).
    pub errors: u64,
    /// Query results compared.
    pub checks: u64,
}

/// A folder of table files: paths relative to it, and contents.
#[derive(Clone)]
struct Sample {
    files: Vec<(PathBuf, Vec<u8>)>,
}

/// The repository root (the fuzz crate sits one level below it).
fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if here.join("tests/formats").is_dir() {
        here.to_path_buf()
    } else {
        here.parent().unwrap_or(here).to_path_buf()
    }
}

fn collect(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap_or_default().to_owned();
        if p.is_dir() {
            collect(&p, &rel.join(&name), out);
        } else if name != "README.md" {
            if let Ok(bytes) = std::fs::read(&p) {
                out.push((rel.join(&name), bytes));
            }
        }
    }
}

/// The vendored samples, one folder per format.
fn samples() -> &'static [Sample] {
    static S: OnceLock<Vec<Sample>> = OnceLock::new();
    S.get_or_init(|| {
        let base = root().join("tests/formats");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        dirs.iter()
            .map(|d| {
                let mut files = Vec::new();
                collect(d, Path::new(""), &mut files);
                Sample { files }
            })
            .filter(|s| !s.files.is_empty())
            .collect()
    })
}

/// A generated table as JSON lines or as a JSON array (one element per line, or all
/// on one line), under a name with a built-in schema or not.
fn generated(rng: &mut Rng) -> Sample {
    let t = super::exec::gen_table(rng);
    let lines: Vec<&str> = t.jsonl.lines().collect();
    let name = *rng.pick(&["T", "SigninLogs", "DeviceProcessEvents", "My_CL"]);
    let (file, body) = match rng.below(3) {
        0 => (format!("{name}.jsonl"), t.jsonl.clone()),
        1 => (
            format!("{name}.json"),
            format!("[\n{}\n]\n", lines.join(",\n")),
        ),
        _ => (format!("{name}.json"), format!("[{}]", lines.join(","))),
    };
    Sample {
        files: vec![(PathBuf::from(file), body.into_bytes())],
    }
}

const DAMAGE: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\u0000",
    b"\\u00e9",
    b"\x00",
    b"\x01",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    "\u{e9}".as_bytes(),
    b" ",
    b",",
    b",,",
    b";",
    b"|",
    b":",
    b"}",
    b"{",
    b"]",
    b"[",
    b"{}",
    b"[]",
    b"\"\"",
    b"0",
    b"-",
    b".5",
    b"e9",
    b"1e999",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"null",
    b"true",
    b"\"NaN\"",
    b"\"Infinity\"",
    b"\"2026-05-18T12:00:00Z\"",
    b"\"00:00:01\"",
    b"\"x\":1,",
    b"\"TimeGenerated\":",
    b"\"columns\"",
    b"\"rows\"",
    b"\"Rows\"",
    b"\"Tables\"",
    b"\"Results\"",
    b"\"Schema\"",
    b"\"records\"",
    b"\"properties\"",
    b"\"FrameType\"",
    b"\"DataTable\"",
    b"\"type\":\"long\"",
    b"\"DataType\":\"Int64\"",
    b" [UTC]",
    b" [Local Time]",
    b"10/25/2023, 9:43:21.994 AM",
    b"\"\"\"",
];

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(10) {
            0 => {
                let end = (at + 1 + rng.below(30)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let end = (at + 1 + rng.below(200)).min(bytes.len());
                let dup = bytes[at..end].to_vec();
                bytes.splice(at..at, dup);
            }
            2 if rng.one_in(3) => bytes.truncate(at),
            3 => {
                if at < bytes.len() {
                    bytes[at] = rng.next() as u8;
                }
            }
            _ => {
                let d = rng.pick(DAMAGE);
                bytes.splice(at..at, d.iter().copied());
            }
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!(
        "kql-fuzz-files-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ))
}

pub fn cleanup() {
    let _ = std::fs::remove_dir_all(scratch());
}

/// A folder read one way: the tables' query results, or the error.
fn read(dir: &Path, lazy: bool, strict: bool, queries: &mut Vec<String>) -> (String, u64) {
    let opts = ReadOptions {
        strict,
        ..Default::default()
    };
    let catalog = match folder::catalog(dir, &[], &|_| true, Product::Sentinel, lazy, &opts) {
        Ok(c) => c,
        Err(e) => return (format!("error: {} at {:?}", e.message, e.location), 0),
    };
    let mut names: Vec<String> = catalog.names().map(str::to_string).collect();
    names.sort();
    let mut out = format!("tables {names:?}\n");
    let mut checks = 0;
    if queries.is_empty() {
        // The queries are made once (from the first way's columns) and run both ways.
        for n in &names {
            let t = format!("['{n}']");
            queries.push(format!("{t} | count"));
            queries.push(t.clone());
            if let Ok(cols) = catalog.get(n).map(|e| e.columns()).transpose() {
                let cols = cols.unwrap_or_default();
                if let Some(c) = cols.first() {
                    queries.push(format!("{t} | summarize count() by ['{}']", c.name));
                }
                if let Some(c) = cols.last() {
                    queries.push(format!(
                        "{t} | where isnotempty(['{0}']) | project ['{0}'] | take 50",
                        c.name
                    ));
                }
            }
        }
    }
    for q in queries.iter() {
        super::note(&format!("(lazy {lazy}, strict {strict}) {q}"));
        checks += 1;
        match kql::run_query(q, &catalog, now()) {
            Ok(ts) => {
                for t in &ts {
                    out.push_str(&super::table_text(t));
                    out.push('\n');
                }
            }
            Err(e) => out.push_str(&format!("error: {} at {:?}\n", e.message, e.location)),
        }
    }
    (out, checks)
}

/// Damages one file of a sample folder and reads the folder both ways.
pub fn case(rng: &mut Rng) -> Result<Stats, String> {
    let mut sample = if rng.one_in(3) {
        generated(rng)
    } else {
        rng.pick(samples()).clone()
    };
    let victim = rng.below(sample.files.len());
    {
        let bytes = &mut sample.files[victim].1;
        let zip = rng.below(8);
        if zip == 0 {
            // Damaged, then compressed: the gzip reader gives damaged text.
            mutate(rng, bytes);
            *bytes = gzip(bytes);
        } else if zip == 1 {
            // Compressed, then damaged: a broken gzip stream.
            *bytes = gzip(bytes);
            mutate(rng, bytes);
        } else {
            mutate(rng, bytes);
        }
        if zip <= 1 {
            let p = &mut sample.files[victim].0;
            let name = format!("{}.gz", p.file_name().unwrap_or_default().to_string_lossy());
            p.set_file_name(name);
        }
    }
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    for (p, bytes) in &sample.files {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    }
    super::note(&format!(
        "file {} (damaged):\n{}",
        sample.files[victim].0.display(),
        String::from_utf8_lossy(&sample.files[victim].1)
    ));
    let strict = rng.one_in(4);
    let mut queries = Vec::new();
    let (streamed, n) = read(&dir, true, strict, &mut queries);
    let (loaded, _) = read(&dir, false, strict, &mut queries);
    // Read whole, a file that cannot be read fails the folder; streamed, the queries
    // of its table fail, with the same error (the others run): that error must be
    // among the streamed answers. Otherwise the answers are the same.
    let agree = if loaded.starts_with("error") {
        streamed.contains(loaded.trim_end())
    } else {
        streamed == loaded
    };
    if !agree {
        return Err(format!(
            "the streaming reader and the full loader disagree on {} (strict {strict})\nstreamed:\n{streamed}\nloaded whole:\n{loaded}\nfile:\n{}",
            sample.files[victim].0.display(),
            String::from_utf8_lossy(&sample.files[victim].1)
        ));
    }
    Ok(Stats {
        reads: 1,
        errors: u64::from(streamed.starts_with("error")),
        checks: n,
    })
}
