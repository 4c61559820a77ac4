//! Log Analytics data export folders (`am-<table>/WorkspaceResourceId=/…/PT05M.json`):
//! blobs are listed without being opened and read several to a chunk by the fast JSON
//! lines reader, which leaves any blob it cannot read exactly to the exact reader. Every
//! shape a blob may have (CRLF line ends, a byte order mark, no final line end, empty,
//! gzip, a JSON array, a field that appears on a late line) gives the rows the same
//! records give as one JSON lines file; a malformed line is an error naming its blob and
//! line.

use kql::io::{open_dir_with, Product, ReadOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-data-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The blob of minute `m` of hour `h` in the export folder `dir`.
fn blob(dir: &Path, h: u32, m: u32, gz: bool) -> PathBuf {
    let folder = dir.join(format!(
        "am-signinlogs/WorkspaceResourceId=/subscriptions/0000/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/ws/y=2026/m=05/d=18/h={h:02}/m={m:02}"
    ));
    std::fs::create_dir_all(&folder).unwrap();
    folder.join(if gz { "PT05M.json.gz" } else { "PT05M.json" })
}

fn record(i: usize, extra: bool) -> String {
    let extra = if extra { r#","Extra_s":"late""# } else { "" };
    format!(
        r#"{{"TimeGenerated":"2026-05-18T10:{:02}:{:02}Z","UserPrincipalName":"user{}@contoso.com","ResultType":"{}","IPAddress":"203.0.113.{}"{extra}}}"#,
        i / 60,
        i % 60,
        i % 7,
        if i.is_multiple_of(5) { "50126" } else { "0" },
        i % 250
    )
}

/// How a blob holds its records.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Lines,
    Crlf,
    Bom,
    NoFinalNewline,
    Gzip,
    Array,
}

fn write_blob(path: &Path, shape: Shape, records: &[String]) {
    let text = match shape {
        Shape::Lines | Shape::Gzip => records.iter().map(|r| format!("{r}\n")).collect(),
        Shape::Crlf => records.iter().map(|r| format!("{r}\r\n")).collect(),
        Shape::Bom => format!(
            "\u{feff}{}",
            records.iter().map(|r| format!("{r}\n")).collect::<String>()
        ),
        Shape::NoFinalNewline => records.join("\n"),
        Shape::Array => format!("[\n{}\n]\n", records.join(",\n")),
    };
    if matches!(shape, Shape::Gzip) {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(text.as_bytes()).unwrap();
        std::fs::write(path, z.finish().unwrap()).unwrap();
    } else {
        std::fs::write(path, text).unwrap();
    }
}

fn run(dir: &Path, query: &str) -> kql::Result<String> {
    let catalog = open_dir_with(
        dir,
        &[],
        &|_| true,
        Product::Sentinel,
        &ReadOptions::default(),
    )?;
    let tables = kql::run_query(query, &catalog, 0)?;
    Ok(format!("{:?}", tables[0].rows))
}

const QUERIES: &[&str] = &[
    "SigninLogs | count",
    "SigninLogs | project TimeGenerated, UserPrincipalName, ResultType, IPAddress, E = column_ifexists('Extra_s', '') | order by TimeGenerated asc",
    "SigninLogs | where ResultType == '50126' | summarize n = count() by UserPrincipalName | order by UserPrincipalName asc",
    "SigninLogs | where isnotempty(column_ifexists('Extra_s', '')) | project TimeGenerated",
];

#[test]
fn every_blob_shape_gives_the_rows_of_one_json_lines_file() {
    let shapes = [
        Shape::Lines,
        Shape::Crlf,
        Shape::Bom,
        Shape::NoFinalNewline,
        Shape::Gzip,
        Shape::Array,
    ];
    // Each shape alone among plain blobs, then all of them together.
    let mixes: Vec<Vec<Shape>> = shapes
        .iter()
        .map(|&s| vec![Shape::Lines, s, Shape::Lines])
        .chain([shapes.to_vec()])
        .collect();
    for (k, mix) in mixes.iter().enumerate() {
        let export = temp(&format!("export{k}"));
        let lines = temp(&format!("lines{k}"));
        let mut all = Vec::new();
        let mut i = 0;
        for (b, &shape) in mix.iter().enumerate() {
            // A field of the last blob's last record only (a late line of the table).
            let last = b + 1 == mix.len();
            let records: Vec<String> = (0..40)
                .map(|j| {
                    i += 1;
                    record(i, last && j == 39)
                })
                .collect();
            write_blob(
                &blob(&export, 10, 5 * b as u32, matches!(shape, Shape::Gzip)),
                shape,
                &records,
            );
            all.extend(records);
        }
        // An empty blob among them.
        std::fs::write(blob(&export, 11, 0, false), "").unwrap();
        std::fs::write(
            lines.join("SigninLogs.jsonl"),
            all.iter().map(|r| format!("{r}\n")).collect::<String>(),
        )
        .unwrap();
        for q in QUERIES {
            let want = run(&lines, q).unwrap_or_else(|e| panic!("{q}: {}", e.message));
            let got = run(&export, q).unwrap_or_else(|e| panic!("{mix:?}: {q}: {}", e.message));
            assert_eq!(got, want, "{mix:?}: {q}");
        }
        std::fs::remove_dir_all(&export).unwrap();
        std::fs::remove_dir_all(&lines).unwrap();
    }
}

#[test]
fn a_malformed_line_names_its_blob_and_line() {
    let dir = temp("malformed");
    let good: Vec<String> = (0..30).map(|i| record(i, false)).collect();
    write_blob(&blob(&dir, 10, 0, false), Shape::Lines, &good);
    let bad_blob = blob(&dir, 10, 5, false);
    let mut bad = good.clone();
    bad[6] = r#"{"TimeGenerated":"2026-05-18T10:00:00Z","UserPrincipalName":"x"#.to_string();
    write_blob(&bad_blob, Shape::Lines, &bad);
    write_blob(&blob(&dir, 10, 10, false), Shape::Lines, &good);
    let e = run(&dir, "SigninLogs | count").expect_err("a malformed line is an error");
    assert_eq!(
        e.location,
        kql::error::Location::File {
            path: bad_blob.display().to_string(),
            line: 7
        },
        "{}",
        e.message
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
