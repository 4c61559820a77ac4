//! Writes tables in the shape of every export format kql reads (the shapes are
//! documented in the format modules, src/io/formats/): used by tests/formats_seed.rs on
//! the sample tables, and by examples/write_formats.rs for the benchmark at scale
//! (bench/formats.py). One writer, so the test and the benchmark read the same shapes.
#![allow(dead_code)]

use kql::{Table, Type, Value};
use serde_json::{json, Value as J};
use std::io::Write;
use std::path::Path;

/// The formats [`write`] writes besides plain `jsonl`.
pub const FORMATS: &[&str] = &[
    "jsonl-split",
    "json-array",
    "log-analytics",
    "az-cli",
    "hunting",
    "graph",
    "portal-csv",
    "tsv",
    "streaming",
    "data-export",
    "kusto-v1",
    "kusto-v2",
];

/// How a value is written as a JSON value by the APIs: datetimes as ISO text, dynamic
/// as JSON text (`dynamic_text`) or as JSON.
pub fn api_value(v: &Value, ty: Type, dynamic_text: bool) -> J {
    match (v, ty) {
        (Value::Null, _) => J::Null,
        (Value::DateTime(t), _) => J::String(kql::value::format_datetime_iso(*t)),
        (_, Type::Dynamic) if dynamic_text => J::String(kql::value::to_json(v).to_string()),
        _ => kql::value::to_json(v),
    }
}

/// Python's `str()` of the API's value, as the az CLI writes every value.
pub fn python_str(j: &J) -> String {
    match j {
        J::Null => "None".into(),
        J::Bool(true) => "True".into(),
        J::Bool(false) => "False".into(),
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The portal's CSV form of a datetime: `10/25/2023, 9:43:21.994 AM`.
pub fn portal_datetime(t: i64) -> String {
    let p = kql::value::date_parts(t);
    let (h12, ampm) = match p.hour {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{}, {}:{:02}:{:02}.{:03} {}",
        p.month,
        p.day,
        p.year,
        h12,
        p.minute,
        p.second,
        p.frac / 10_000,
        ampm
    )
}

pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A portal "Export to CSV": BOM, ` [UTC]` after datetime columns, CRLF.
pub fn portal_csv(t: &Table, rows: &[Vec<Value>]) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = t
        .columns
        .iter()
        .map(|c| match c.ty {
            Type::DateTime => csv_field(&format!("{} [UTC]", c.name)),
            _ => csv_field(&c.name),
        })
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&t.columns)
            .map(|(v, c)| match v {
                Value::Null => String::new(),
                Value::DateTime(x) => csv_field(&portal_datetime(*x)),
                _ if c.ty == Type::Dynamic => csv_field(&kql::value::to_json(v).to_string()),
                Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                other => csv_field(&kql::value::to_kql_string(other)),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn object(t: &Table, row: &[Value], dynamic_text: bool) -> serde_json::Map<String, J> {
    t.columns
        .iter()
        .zip(row)
        .filter(|(_, v)| !v.is_null())
        .map(|(c, v)| (c.name.clone(), api_value(v, c.ty, dynamic_text)))
        .collect()
}

pub fn la_columns(t: &Table) -> J {
    J::Array(
        t.columns
            .iter()
            .map(|c| json!({"name": c.name, "type": c.ty.name()}))
            .collect(),
    )
}

pub fn rows(t: &Table, dynamic_text: bool) -> J {
    J::Array(
        t.rows
            .iter()
            .map(|r| {
                J::Array(
                    r.iter()
                        .zip(&t.columns)
                        .map(|(v, c)| api_value(v, c.ty, dynamic_text))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// Writes the sample tables into `dir` in format `format`.
pub fn write(format: &str, dir: &Path, tables: &[(String, Table)]) {
    let put = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    match format {
        "jsonl" => {
            for (name, t) in tables {
                let text: String = t
                    .rows
                    .iter()
                    .map(|r| format!("{}\n", J::Object(object(t, r, false))))
                    .collect();
                put(&format!("{name}.jsonl"), &text);
            }
        }
        // One table in two files, the other in a folder of two.
        "jsonl-split" => {
            for (k, (name, t)) in tables.iter().enumerate() {
                let (a, b) = t.rows.split_at(t.rows.len() / 2);
                for (i, part) in [a, b].iter().enumerate() {
                    let text: String = part
                        .iter()
                        .map(|r| format!("{}\n", J::Object(object(t, r, false))))
                        .collect();
                    let rel = if k == 0 {
                        format!("{name}.{i}.jsonl")
                    } else {
                        format!("{name}/part-{i}.ndjson")
                    };
                    put(&rel, &text);
                }
            }
        }
        "json-array" => {
            for (name, t) in tables {
                let rows: Vec<J> = t
                    .rows
                    .iter()
                    .map(|r| J::Object(object(t, r, false)))
                    .collect();
                put(
                    &format!("{name}.json"),
                    &serde_json::to_string_pretty(&rows).unwrap(),
                );
            }
        }
        "log-analytics" => {
            for (name, t) in tables {
                let doc = json!({"tables": [{"name": "PrimaryResult", "columns": la_columns(t), "rows": rows(t, true)}]});
                put(&format!("{name}.json"), &doc.to_string());
            }
        }
        "az-cli" => {
            for (name, t) in tables {
                let rows: Vec<J> = t
                    .rows
                    .iter()
                    .map(|r| {
                        let mut o = serde_json::Map::new();
                        o.insert("TableName".into(), J::String("PrimaryResult".into()));
                        for (c, v) in t.columns.iter().zip(r) {
                            o.insert(
                                c.name.clone(),
                                J::String(python_str(&api_value(v, c.ty, true))),
                            );
                        }
                        J::Object(o)
                    })
                    .collect();
                put(
                    &format!("{name}.json"),
                    &serde_json::to_string_pretty(&rows).unwrap(),
                );
            }
        }
        "hunting" => {
            for (name, t) in tables {
                let schema: Vec<J> = t
                    .columns
                    .iter()
                    .map(|c| json!({"Name": c.name, "Type": c.ty.dotnet_name()}))
                    .collect();
                let results: Vec<J> = t
                    .rows
                    .iter()
                    .map(|r| J::Object(object(t, r, false)))
                    .collect();
                let doc =
                    json!({"Stats": {"ExecutionTime": 0.5}, "Schema": schema, "Results": results});
                put(
                    &format!("{name}.json"),
                    &serde_json::to_string_pretty(&doc).unwrap(),
                );
            }
        }
        "graph" => {
            for (name, t) in tables {
                let schema: Vec<J> = t
                    .columns
                    .iter()
                    .map(|c| json!({"name": c.name, "type": c.ty.dotnet_name()}))
                    .collect();
                let results: Vec<J> = t
                    .rows
                    .iter()
                    .map(|r| J::Object(object(t, r, true)))
                    .collect();
                let doc = json!({
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
                    "schema": schema,
                    "results": results
                });
                put(&format!("{name}.json"), &doc.to_string());
            }
        }
        // A portal export per table, the first table in two files.
        "portal-csv" => {
            for (k, (name, t)) in tables.iter().enumerate() {
                if k == 0 {
                    let (a, b) = t.rows.split_at(t.rows.len() / 2);
                    put(&format!("{name}.1.csv"), &portal_csv(t, a));
                    put(&format!("{name}.2.csv"), &portal_csv(t, b));
                } else {
                    put(&format!("{name}.csv"), &portal_csv(t, &t.rows));
                }
            }
        }
        "tsv" => {
            for (name, t) in tables {
                let mut text = t
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join("\t");
                text.push('\n');
                for r in &t.rows {
                    let cells: Vec<String> = r
                        .iter()
                        .zip(&t.columns)
                        .map(|(v, c)| match v {
                            Value::Null => String::new(),
                            Value::DateTime(x) => kql::value::format_datetime_iso(*x),
                            _ if c.ty == Type::Dynamic => kql::value::to_json(v).to_string(),
                            other => kql::value::to_kql_string(other),
                        })
                        .collect();
                    text.push_str(&cells.join("\t"));
                    text.push('\n');
                }
                put(&format!("{name}.tsv"), &text);
            }
        }
        // Both tables in one capture, events of a few records, tables interleaved.
        "streaming" => {
            let mut records: Vec<J> = Vec::new();
            let longest = tables.iter().map(|(_, t)| t.rows.len()).max().unwrap();
            for i in 0..longest {
                for (name, t) in tables {
                    if let Some(r) = t.rows.get(i) {
                        records.push(json!({
                            "time": "2026-05-18T12:00:00.0000000Z",
                            "tenantId": "4f1c2b7e-9a3d-4c8e-b2f6-7d1e0a9c5b31",
                            "operationName": "Publish",
                            "category": format!("AdvancedHunting-{name}"),
                            "properties": J::Object(object(t, r, false)),
                        }));
                    }
                }
            }
            let text: String = records
                .chunks(3)
                .map(|c| format!("{}\n", json!({"records": c})))
                .collect();
            put("capture.json", &text);
        }
        // Log Analytics data export (azure-monitor/logs/logs-data-export, "Storage
        // account"): a container per table, a folder per 5 minutes of TimeGenerated
        // (`y=/m=/d=/h=/m=`, the minute a multiple of 5), its rows in the blob
        // `PT05M.json`, more in `PT05M_1.json`, ... once a blob holds its 50,000 appends
        // (here a record each). So that every data set has that shape too, the first
        // folder of each table is written as two blobs. Rows are in time order (path
        // order), those of one folder in the table's order.
        "data-export" => {
            const APPENDS: usize = 50_000;
            for (name, t) in tables {
                let container = format!("am-{}", name.to_lowercase());
                // TimeGenerated, else (a Defender table without it) Timestamp.
                let times: Vec<usize> = ["TimeGenerated", "Timestamp"]
                    .iter()
                    .filter_map(|n| t.columns.iter().position(|c| c.name == *n))
                    .collect();
                let folder = |r: &Vec<Value>| match times.iter().find_map(|&i| match r[i] {
                    Value::DateTime(x) => Some(x),
                    _ => None,
                }) {
                    Some(x) => {
                        let p = kql::value::date_parts(x);
                        format!(
                            "y={:04}/m={:02}/d={:02}/h={:02}/m={:02}",
                            p.year,
                            p.month,
                            p.day,
                            p.hour,
                            p.minute / 5 * 5
                        )
                    }
                    // No time: the export's first folder (none is earlier).
                    None => "y=0001/m=01/d=01/h=00/m=00".to_string(),
                };
                let mut buckets: std::collections::BTreeMap<String, Vec<&Vec<Value>>> =
                    Default::default();
                for r in &t.rows {
                    buckets.entry(folder(r)).or_default().push(r);
                }
                for (k, (folder, rows)) in buckets.iter().enumerate() {
                    let per_blob = if k == 0 {
                        rows.len().div_ceil(2).max(1)
                    } else {
                        APPENDS
                    };
                    for (i, chunk) in rows.chunks(per_blob).enumerate() {
                        let text: String = chunk
                            .iter()
                            .map(|r| format!("{}\r\n", J::Object(object(t, r, false))))
                            .collect();
                        let blob = match i {
                            0 => "PT05M.json".to_string(),
                            i => format!("PT05M_{i}.json"),
                        };
                        put(
                            &format!(
                                "{container}/WorkspaceResourceId=/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/ws/{folder}/{blob}"
                            ),
                            &text,
                        );
                    }
                }
            }
        }
        "kusto-v1" => {
            for (name, t) in tables {
                let columns: Vec<J> = t
                    .columns
                    .iter()
                    .map(|c| json!({"ColumnName": c.name, "DataType": c.ty.dotnet_name(), "ColumnType": c.ty.name()}))
                    .collect();
                let doc = json!({"Tables": [
                    {"TableName": "Table_0", "Columns": columns, "Rows": rows(t, true)},
                    {"TableName": "Table_1", "Columns": [{"ColumnName": "Value", "DataType": "String", "ColumnType": "string"}], "Rows": [["{}"]]}
                ]});
                put(&format!("{name}.json"), &doc.to_string());
            }
        }
        "kusto-v2" => {
            for (name, t) in tables {
                let columns: Vec<J> = t
                    .columns
                    .iter()
                    .map(|c| json!({"ColumnName": c.name, "ColumnType": c.ty.name()}))
                    .collect();
                let doc = json!([
                    {"FrameType": "DataSetHeader", "IsProgressive": false, "Version": "v2.0"},
                    {"FrameType": "DataTable", "TableId": 0, "TableKind": "QueryProperties", "TableName": "@ExtendedProperties",
                     "Columns": [{"ColumnName": "TableId", "ColumnType": "int"}, {"ColumnName": "Key", "ColumnType": "string"}, {"ColumnName": "Value", "ColumnType": "dynamic"}],
                     "Rows": [[1, "Visualization", {"Visualization": null}]]},
                    {"FrameType": "DataTable", "TableId": 1, "TableKind": "PrimaryResult", "TableName": "PrimaryResult", "Columns": columns, "Rows": rows(t, false)},
                    {"FrameType": "DataSetCompletion", "HasErrors": false, "Cancelled": false}
                ]);
                put(&format!("{name}.json"), &doc.to_string());
            }
        }
        other => panic!("no writer for {other}"),
    }
}

/// Every file under `dir` gzip-compressed in place (`x.json` → `x.json.gz`).
pub fn gzip_all(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            gzip_all(&p);
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        let mut name = p.file_name().unwrap().to_os_string();
        name.push(".gz");
        std::fs::write(p.with_file_name(name), gz.finish().unwrap()).unwrap();
        std::fs::remove_file(&p).unwrap();
    }
}
