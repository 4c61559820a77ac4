//! `--product` and `--schema FILE|DIR` on the command line: which copy of a table `kql check`
//! and `kql run` use, and schema files in the forms users export.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kql");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-schemas-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn check_uses_the_copy_of_the_table_product_names() {
    // (query, --product, exit code, text the output must contain)
    let cases: &[(&str, Option<&str>, i32, &str)] = &[
        // Defender XDR tables: Timestamp in both copies, TimeGenerated only in Sentinel's.
        (
            "DeviceProcessEvents | where TimeGenerated > ago(1d) | project DeviceName",
            None,
            0,
            "0 errors",
        ),
        (
            "DeviceProcessEvents | where TimeGenerated > ago(1d) | project DeviceName",
            Some("sentinel"),
            0,
            "0 errors",
        ),
        (
            "DeviceProcessEvents | where TimeGenerated > ago(1d) | project DeviceName",
            Some("defender"),
            1,
            "unknown column or variable `TimeGenerated`",
        ),
        (
            "DeviceRegistryEvents | where Timestamp > ago(1d) | project TenantId",
            Some("defender"),
            1,
            "unknown column or variable `TenantId`",
        ),
        (
            "DeviceRegistryEvents | where Timestamp > ago(1d) | project TenantId, RegistryKey",
            Some("sentinel"),
            0,
            "0 errors",
        ),
        (
            "DeviceProcessEvents | where Timestamp > ago(1d) | project ProcessRemoteSessionIP",
            Some("defender"),
            0,
            "0 errors",
        ),
        // A Sentinel table is the same table from the Defender portal.
        (
            "SigninLogs | where TimeGenerated > ago(1d) | project UserPrincipalName",
            Some("defender"),
            0,
            "0 errors",
        ),
        // A Defender-only table still has its Sentinel columns by default.
        (
            "ExposureGraphNodes | project NodeId, TimeGenerated",
            None,
            0,
            "0 errors",
        ),
        (
            "ExposureGraphNodes | project NodeId, TimeGenerated",
            Some("defender"),
            1,
            "unknown column or variable `TimeGenerated`",
        ),
    ];
    let dir = folder("product", &[]);
    for (query, product, code, want) in cases {
        std::fs::write(dir.join("q.kql"), query).unwrap();
        let mut args = vec!["check", "q.kql"];
        if let Some(p) = product {
            args.extend(["--product", p]);
        }
        let (got, out, err) = kql(&args, &dir);
        assert_eq!(got, *code, "{query} {product:?}\n{out}{err}");
        assert!(
            out.contains(want),
            "{query} {product:?}: want {want:?} in\n{out}"
        );
    }
    let (code, _, err) = kql(&["check", "q.kql", "--product", "xdr"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: defender, sentinel"), "{err}");
}

#[test]
fn run_uses_the_copy_of_the_table_product_names() {
    let dir = folder(
        "run",
        &[
            (
                "data/DeviceRegistryEvents.jsonl",
                "{\"Timestamp\": \"2024-01-01T00:00:00Z\", \"RegistryKey\": \"HKLM\\\\Run\"}\n",
            ),
            ("q.kql", "DeviceRegistryEvents | getschema | count"),
        ],
    );
    let count = |product: &str| {
        let (code, out, err) = kql(
            &[
                "run",
                "q.kql",
                "--data",
                "data",
                "--format",
                "csv",
                "--product",
                product,
            ],
            &dir,
        );
        assert_eq!(code, 0, "{out}{err}");
        out.lines().nth(1).unwrap().parse::<usize>().unwrap()
    };
    use kql::io::{builtin_schema_for, Product};
    let width = |p| {
        builtin_schema_for("DeviceRegistryEvents", p)
            .unwrap()
            .columns
            .len()
    };
    assert_eq!(count("defender"), width(Product::Defender));
    assert_eq!(count("sentinel"), width(Product::Sentinel));
    // The Sentinel copy adds at least TimeGenerated, TenantId, SourceSystem and Type.
    assert!(width(Product::Sentinel) >= width(Product::Defender) + 4);
}

#[test]
fn schema_folders_take_every_form() {
    let dir = folder(
        "forms",
        &[
            // A getschema export (Kusto docs, getschema operator) saved as CSV.
            (
                "schemas/MyTable_CL.csv",
                "ColumnName,ColumnOrdinal,DataType,ColumnType\nTimeGenerated,0,System.DateTime,datetime\n\
                 Host,1,System.String,string\nBytes,2,System.Int64,long\n",
            ),
            // Azure-Sentinel's KQL validation table form (.script/tests/KqlvalidationsTests/CustomTables).
            (
                "schemas/Other_CL.json",
                r#"{"Name": "Other_CL", "Properties": [{"Name": "TimeGenerated", "Type": "DateTime"}, {"Name": "Flag", "Type": "Boolean"}]}"#,
            ),
            (
                "good.kql",
                "MyTable_CL | where Bytes > 10 | join (Other_CL | where Flag) on TimeGenerated | project Host",
            ),
            ("bad.kql", "MyTable_CL | project Hostt"),
        ],
    );
    let (code, out, err) = kql(&["check", "good.kql", "--schema", "schemas"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = kql(&["check", "bad.kql", "--schema", "schemas"], &dir);
    assert_eq!(code, 1);
    assert!(out.contains("did you mean `Host`?"), "{out}");
    // A broken schema file is named, with its line.
    std::fs::write(
        dir.join("schemas/Broken.csv"),
        "ColumnName,ColumnType\nok,long\nbad,lng\n",
    )
    .unwrap();
    let (code, _, err) = kql(&["check", "good.kql", "--schema", "schemas"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("column `bad` has unknown type `lng`"), "{err}");
    assert!(err.contains("Broken.csv:3"), "{err}");
}
