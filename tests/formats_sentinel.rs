//! Excerpts of the sample exports Azure/Azure-Sentinel publishes under `Sample Data/`
//! (tests/formats/sentinel/, sources and licence in tests/formats/SENTINEL-SOURCE.md) read
//! with every row and their datetimes typed: a table of (query, expected rows), the
//! expected values read by hand from the files. `bench/samples.py` runs the same check
//! over whole downloaded files.

use kql::io::{open_dir_with, table_to_json, Product, ReadOptions};
use serde_json::Value as J;
use std::path::Path;

fn run(query: &str) -> (J, J, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/sentinel");
    let opts = ReadOptions::default();
    let catalog = open_dir_with(&dir, &[], &|_| true, Product::Sentinel, &opts)
        .unwrap_or_else(|e| panic!("{}", e.message));
    let tables = kql::run_query(query, &catalog, 0)
        .unwrap_or_else(|e| panic!("{query}: {} {:?}", e.message, e.location));
    let t = table_to_json(&tables[0]);
    let warnings = catalog
        .warnings()
        .list()
        .iter()
        .map(|w| w.message.clone())
        .collect();
    (t["columns"].clone(), t["rows"].clone(), warnings)
}

#[test]
fn sentinel_sample_exports_read_whole_with_typed_datetimes() {
    // (query, expected column types, expected rows, expected warnings)
    let cases: &[(&str, &str, &str, usize)] = &[
        // `Sample Data/Syslog/Tomcat.csv`: exported from a portal in a Spanish locale
        // (`2023-07-06, 12:58:42.533 a.m.`), `TimeGenerated [UTC]` and an unmarked column
        // of the same form.
        (
            "Tomcat | project TimeGenerated, EventStartTime, HttpStatusCode",
            r#"["datetime","datetime","long"]"#,
            r#"[["2023-07-06T00:58:42.533Z",null,null],
                ["2023-07-06T00:58:42.533Z","2023-07-05T06:58:01Z",null],
                ["2023-08-03T02:15:05.927Z","2023-08-02T20:13:53Z",200]]"#,
            0,
        ),
        ("Tomcat | count", r#"["long"]"#, "[[3]]", 0),
        // `Sample Data/ASIM/M365_ProcessEvents_InesgtedLogs.csv`: a Defender table exported
        // in local time (read as UTC, with a warning), dynamic JSON with doubled quotes, an
        // 18-digit-safe ReportId.
        (
            "DeviceProcessEvents | project Timestamp, ProcessCreationTime, ReportId, sid = toint(AdditionalFields.ProcessPosixSessionId)",
            r#"["datetime","datetime","long","int"]"#,
            r#"[["2023-10-25T09:43:21.994Z","2023-10-25T09:43:21.99Z",530932,10018]]"#,
            1,
        ),
        // `Sample Data/Syslog/MongoDBAudit_CL.csv`: RawData cells that end with a newline
        // inside their quotes, so each record spans two lines.
        (
            "MongoDBAudit_CL | project TimeGenerated, atype = tostring(parse_json(RawData).atype), result = toint(parse_json(RawData).result)",
            r#"["datetime","string","int"]"#,
            r#"[["2022-05-09T12:59:24Z","authCheck",13],["2022-05-09T12:59:24Z","authenticate",18]]"#,
            0,
        ),
        // `Sample Data/Custom/BitwardenGroups_IngestedLogs.csv`: CRLF line ends, an empty
        // last column on every line.
        (
            "BitwardenGroups_CL | summarize n = count(), first = min(TimeGenerated), last = max(TimeGenerated)",
            r#"["long","datetime","datetime"]"#,
            r#"[[6,"2024-05-12T09:39:49.169Z","2024-05-12T11:15:49.075Z"]]"#,
            0,
        ),
    ];
    for (query, types, rows, warned) in cases {
        let (cols, got, warnings) = run(query);
        let got_types: Vec<&str> = cols
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        let want_types: Vec<String> = serde_json::from_str(types).unwrap();
        assert_eq!(got_types, want_types, "{query}");
        let want: J = serde_json::from_str(rows).unwrap();
        assert_eq!(got, want, "{query}");
        assert_eq!(warnings.len(), *warned, "{query}: {warnings:?}");
    }
}
