//! `kql tables --data DIR`: what kql finds in a data folder, end to end.

use std::process::Command;

fn kql(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tables_files_formats_rows_and_where_types_came_from() {
    // Tables without a schema: every column inferred from the text.
    let (code, out, err) = kql(&["tables", "--data", "tests/formats/csv-plain"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Hosts_CL: 1 file (CSV), 2 rows, 3 columns\n  inferred: Host:string, Ports:dynamic, Enabled:bool\n\
         Inventory_CL: 1 file (TSV), 2 rows, 6 columns\n  inferred: Name:string, Count:long, Ratio:real, Seen:datetime, Tags:dynamic, Id:string\n"
    );
    // A capture of two tables, built-in schemas.
    let (code, out, err) = kql(&[
        "tables",
        "--data",
        "tests/formats/streaming",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["DeviceProcessEvents", "DeviceNetworkEvents"]);
    for t in v.as_array().unwrap() {
        assert_eq!(t["rows"], 2);
        assert_eq!(t["files"][0]["format"], "Defender XDR streaming API JSON");
        assert!(t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["source"] == "built-in schema"));
    }
    // The query API's own types for the columns the built-in schema lacks.
    let (code, out, err) = kql(&[
        "tables",
        "--data",
        "tests/formats/log-analytics",
        "SigninLogs",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  Log Analytics query API JSON header: RiskScore:real, ReportId:long\n"),
        "{out}"
    );
    // An unknown table.
    let (code, _, err) = kql(&[
        "tables",
        "--data",
        "tests/formats/log-analytics",
        "SigninLog",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no table `SigninLog` (did you mean `SigninLogs`?)"),
        "{err}"
    );
}

#[test]
fn a_schema_without_data_is_an_empty_table() {
    // A getschema export as Azure-Sentinel publishes it (tests/formats/SENTINEL-SOURCE.md),
    // given with --schema, is listed like `kql run` reads it: no file, no rows, its columns.
    let (code, out, err) = kql(&[
        "tables",
        "--data",
        "tests/formats/csv-plain",
        "--schema",
        "tests/formats/sentinel-schemas/CarbonBlackAuditLogs_CL.csv",
        "--format",
        "json",
        "--columns",
        "CarbonBlackAuditLogs_CL",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = &v[0];
    assert_eq!(t["table"], "CarbonBlackAuditLogs_CL");
    assert_eq!(t["rows"], 0);
    assert_eq!(t["files"].as_array().unwrap().len(), 0);
    let cols: Vec<(String, String)> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(cols.len(), 19);
    for (name, ty) in [
        ("TimeGenerated", "datetime"),
        ("flagged_b", "bool"),
        ("eventTime_d", "real"),
        ("_ResourceId", "string"),
    ] {
        assert!(cols.contains(&(name.into(), ty.into())), "{name}: {cols:?}");
    }
    assert!(t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["source"] == "--schema"));
}
