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

/// A reader that stops early (`kql tables | head`) closes the pipe: the writing ends
/// quietly with success, as for `kql run`, and no panic is reported; a write that fails
/// otherwise is an error. (The output here is
/// far larger than a pipe holds, so the writes really meet the closed end.)
#[test]
fn a_closed_output_pipe_ends_the_listing_quietly() {
    use std::process::Stdio;
    let dir = std::env::temp_dir().join(format!("kql-cli-tables-pipe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let row: String = (0..40)
        .map(|c| format!("\"Column{c}\":\"v\""))
        .collect::<Vec<_>>()
        .join(",");
    for t in 0..200 {
        std::fs::write(
            dir.join(format!("Table{t}_CL.jsonl")),
            format!("{{{row}}}\n"),
        )
        .unwrap();
    }
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reading end closed before kql writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let data = dir.to_str().unwrap();
    for args in [
        vec!["tables", "--data", data, "--columns"],
        vec!["tables", "--data", data, "--columns", "--format", "json"],
    ] {
        let (code, err) = run(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("internal error") && !err.contains("panic"),
            "{err}"
        );
    }
    // Any other failed write (a full disk) is an error, said once and in the exit code:
    // `kql tables`, `kql check`'s report (the shipped detection checks clean, so only the
    // write fails it) and `kql test`'s, written a line at a time.
    let to_full = |args: &[&str]| {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .ok()?;
        let out = Command::new(env!("CARGO_BIN_EXE_kql"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(full)
            .output()
            .unwrap();
        Some((
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    };
    for (args, code) in [
        (vec!["tables", "--data", data], 1),
        (vec!["check", "queries"], 1),
        (vec!["test", "tests/detections"], 2),
    ] {
        // (No `/dev/full` on this system: nothing to write to.)
        let Some((got, err)) = to_full(&args) else {
            break;
        };
        assert_eq!(got, Some(code), "{args:?}: {err}");
        assert_eq!(err.matches("cannot write the output").count(), 1, "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
