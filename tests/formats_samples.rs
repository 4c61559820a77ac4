//! The vendored samples of every export format (tests/formats/, written in the shapes
//! their documentation gives: see tests/formats/README.md) read as their values say:
//! a table of (sample folder, query, expected rows), each also run on the folder
//! gzip-compressed. The expected rows are worked out by hand from the sample files.

use kql::io::{open_dir_with, table_to_json, Product, ReadOptions};
use serde_json::Value as J;
use std::io::Write;
use std::path::{Path, PathBuf};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats")
}

/// Runs `query` over `dir`; the rows as JSON, and the warnings.
fn run(dir: &Path, query: &str, opts: &ReadOptions) -> (J, Vec<String>) {
    let catalog = open_dir_with(dir, &[], &|_| true, Product::Sentinel, opts)
        .unwrap_or_else(|e| panic!("{}: {}", dir.display(), e.message));
    let tables = kql::run_query(query, &catalog, 0)
        .unwrap_or_else(|e| panic!("{}: {query}: {} {:?}", dir.display(), e.message, e.location));
    let warnings = catalog
        .warnings()
        .list()
        .iter()
        .map(|w| w.message.clone())
        .collect();
    (table_to_json(&tables[0])["rows"].clone(), warnings)
}

fn rows(text: &str) -> J {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A copy of `dir` with every file gzip-compressed.
fn gzipped(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if p.is_dir() {
            gzipped(&p, &to.join(&name));
        } else {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&std::fs::read(&p).unwrap()).unwrap();
            std::fs::write(to.join(format!("{name}.gz")), gz.finish().unwrap()).unwrap();
        }
    }
}

const SIGNINS: &str = "SigninLogs | project TimeGenerated, UserPrincipalName, ResultType, DurationMs, City = tostring(LocationDetails.city), RiskScore, IsInteractive, ReportId";
const SIGNINS_ROWS: &str = r#"[
    ["2026-05-18T11:00:00.1234567Z", "alice@contoso.com", "0", 84, "Amsterdam", 0.25, true, 1234567890123456789],
    ["2026-05-18T11:05:00Z", "bob@contoso.com", "50126", 12, "Redmond", "NaN", false, 9223372036854775807],
    ["2026-05-18T11:10:00Z", "carol@contoso.com", "0", null, "", "Infinity", null, null]
]"#;
const PROCESSES: &str = "DeviceProcessEvents | project Timestamp, DeviceName, FileName, ProcessId, Cmd = tostring(AdditionalFields.Command), Level = tostring(AdditionalFields.ProcessIntegrityLevel), ReportId, IsElevated";
const PROCESSES_ROWS: &str = r#"[
    ["2026-05-18T10:38:35.7664356Z", "ws-01", "powershell.exe", 4242, "", "High", 1234567890123456789, true],
    ["2026-05-18T10:38:30.5163363Z", "ws-01", "conhost.exe", 4243, "", "", 1234567890123456790, false],
    ["2026-05-18T10:37:00Z", "ws-02", "whoami.exe", 77, "whoami /all", "", 31, false]
]"#;
const STORMS: &str =
    "StormEvents | extend Source = tostring(Details.Source) | project-away Details";
const STORMS_ROWS: &str = r#"[
    ["2007-09-29T08:11:00Z", "ATLANTIC SOUTH", 0, "00:43:00", "3b4a2e8e-1a31-4d3e-9a53-0c62d5ff0b11", "Trained Spotter"],
    ["2007-12-20T07:50:00Z", "FLORIDA", 500000, "1.02:00:00", null, ""]
]"#;
const STORMS_SCHEMA: &str = "StormEvents | getschema | project ColumnType";
const STORMS_TYPES: &str =
    r#"[["datetime"], ["string"], ["int"], ["timespan"], ["guid"], ["dynamic"]]"#;

/// (sample folder, query, expected rows)
const CASES: &[(&str, &str, &str)] = &[
    // The query API: typed columns (beyond the built-in schema's), dynamic as JSON
    // text, a 19-digit long, NaN and Infinity as strings in a real column.
    ("log-analytics", SIGNINS, SIGNINS_ROWS),
    (
        "log-analytics",
        "SigninLogs | getschema | where ColumnName in ('RiskScore', 'ReportId') | project ColumnName, ColumnType",
        r#"[["RiskScore", "real"], ["ReportId", "long"]]"#,
    ),
    // The same rows through the az CLI: every value text, `None` null, types of the
    // columns the built-in schema lacks inferred from the text.
    ("az-cli", SIGNINS, SIGNINS_ROWS),
    (
        "az-cli",
        "SigninLogs | getschema | where ColumnName in ('RiskScore', 'ReportId', 'TableName') | project ColumnName, ColumnType",
        r#"[["RiskScore", "real"], ["ReportId", "long"]]"#,
    ),
    // Advanced hunting API and Graph: .NET types, dynamic as an object or JSON text,
    // Graph's keys in any case.
    ("hunting", PROCESSES, PROCESSES_ROWS),
    ("graph", PROCESSES, PROCESSES_ROWS),
    (
        "graph",
        "DeviceProcessEvents | getschema | where ColumnName == 'IsElevated' | project ColumnType",
        r#"[["bool"]]"#,
    ),
    // The portal's CSV: suffixes stripped, locale and 24-hour datetimes, doubled
    // quotes, a cell over two lines, empty cells null, `None` kept in a string column.
    (
        "portal-csv",
        "DeviceProcessEvents | project Timestamp, ProcessCreationTime, TimeGenerated, FileName, ProcessCommandLine, Session = toint(AdditionalFields.ProcessPosixSessionId), ReportId, InitiatingProcessTokenElevation",
        r#"[
            ["2023-10-25T09:43:21.994Z", "2023-10-25T09:43:21.99Z", "2023-10-25T07:43:21.994Z", "runc", "runc --root /run/containerd \"quoted\", arg", null, 530932, "None"],
            ["2024-04-08T14:07:03.477Z", "2024-04-08T14:07:03.477Z", "2024-04-08T12:07:03.477Z", "bash", "bash -c 'echo one\r\necho two'", 2795, 1234567890123456789, "TokenElevationTypeDefault"],
            ["2026-07-07T22:15:37.699Z", "2026-07-07T22:15:37.699Z", "2026-07-07T20:15:37.699Z", "sh", "", null, null, ""]
        ]"#,
    ),
    // The streaming API: two tables in one capture, events and bare records.
    (
        "streaming",
        "DeviceProcessEvents | project Timestamp, DeviceName, FileName, ReportId, Cmd = tostring(AdditionalFields.Command)",
        r#"[
            ["2026-05-18T10:00:00Z", "ws-01", "powershell.exe", 639199916335081329, ""],
            ["2026-05-18T10:02:00Z", "ws-02", "cmd.exe", 7, "dir"]
        ]"#,
    ),
    (
        "streaming",
        "DeviceNetworkEvents | project Timestamp, DeviceName, RemoteIP, RemotePort, ActionType",
        r#"[
            ["2026-05-18T10:00:01Z", "ws-01", "198.51.100.7", 443, "ConnectionSuccess"],
            ["2026-05-18T10:01:00Z", "ws-02", "203.0.113.9", 8443, "ConnectionFailed"]
        ]"#,
    ),
    // A data export container: the table from `am-signinlogs`, two blobs in time order.
    (
        "data-export",
        "SigninLogs | project TimeGenerated, UserPrincipalName, ResultType, IPAddress",
        r#"[
            ["2026-05-18T11:00:10Z", "alice@contoso.com", "0", "203.0.113.10"],
            ["2026-05-18T11:03:00Z", "bob@contoso.com", "50126", "198.51.100.2"],
            ["2026-05-18T11:06:00Z", "alice@contoso.com", "0", "192.0.2.50"]
        ]"#,
    ),
    // Kusto REST v1 (ColumnType, else the .NET DataType) and v2 (the PrimaryResult frame).
    ("kusto-v1", STORMS, STORMS_ROWS),
    ("kusto-v1", STORMS_SCHEMA, STORMS_TYPES),
    ("kusto-v2", STORMS, STORMS_ROWS),
    ("kusto-v2", STORMS_SCHEMA, STORMS_TYPES),
    // Plain TSV and CSV of tables without a schema: types inferred from the text.
    (
        "csv-plain",
        "Inventory_CL | getschema | project ColumnName, ColumnType",
        r#"[["Name", "string"], ["Count", "long"], ["Ratio", "real"], ["Seen", "datetime"], ["Tags", "dynamic"], ["Id", "string"]]"#,
    ),
    (
        "csv-plain",
        "Inventory_CL | extend T = tostring(Tags[0]) | project Name, Count, Ratio, Seen, T, Id",
        r#"[["alpha", 3, 0.5, "2026-05-18T11:00:00Z", "a", "007"], ["beta", null, 1.25, "2026-05-18T12:00:00Z", "", "42"]]"#,
    ),
    (
        "csv-plain",
        "Hosts_CL | project Host, n = array_length(Ports), Enabled",
        r#"[["h1", 2, true], ["h2", 0, false]]"#,
    ),
];

#[test]
fn every_sample_reads_as_its_values_say() {
    let gz_root = std::env::temp_dir().join(format!("kql-samples-gz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&gz_root);
    for (folder, query, want) in CASES {
        let dir = samples().join(folder);
        let (got, _) = run(&dir, query, &ReadOptions::default());
        assert_eq!(got, rows(want), "{folder}: {query}");
        let gz = gz_root.join(folder);
        if !gz.exists() {
            gzipped(&dir, &gz);
        }
        let (got, _) = run(&gz, query, &ReadOptions::default());
        assert_eq!(got, rows(want), "{folder} (gzip): {query}");
    }
    std::fs::remove_dir_all(&gz_root).unwrap();
}

#[test]
fn local_times_need_a_zone() {
    let dir = samples().join("portal-csv");
    let q = "DeviceProcessEvents | where Timestamp != TimeGenerated or ProcessCreationTime > TimeGenerated | count";
    // Without `--tz`, local times are read as UTC (two hours off here), with a warning.
    let (got, warnings) = run(&dir, q, &ReadOptions::default());
    assert_eq!(got, rows("[[3]]"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("`ProcessCreationTime`, `Timestamp`") && warnings[0].contains("--tz"),
        "{warnings:?}"
    );
    // The export was made in Amsterdam (CEST, UTC+2, on all three dates).
    let opts = ReadOptions {
        tz: Some(ReadOptions::zone("Europe/Amsterdam").unwrap()),
        ..Default::default()
    };
    let (got, warnings) = run(&dir, q, &opts);
    assert_eq!(got, rows("[[0]]"));
    assert!(warnings.is_empty(), "{warnings:?}");
}
