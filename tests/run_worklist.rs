//! The run worklist (`tests/run_worklist/`): public detections that Kusto.Language binds
//! with kql's shipped schemas, each run by `kql run` on three schema-shaped rows of every
//! shipped table it names (built here from `schemas/*.json`, as `bench/runrate.py`
//! builds them), with the externaldata copies, watchlists and GeoIP database kept beside
//! them. Every query must run without an error: this is the run rate of issue 13 on a
//! sample that goes with every `cargo test`.

use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The columns of each shipped table as `product` has it (`bench/agreement.py`'s
/// `flavoured`: a Defender table in Sentinel also has its Sentinel columns).
fn schemas(product: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let doc: J = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let cols = |v: &J| -> Vec<(String, String)> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|c| {
                            (
                                c["name"].as_str().unwrap_or_default().to_string(),
                                c["type"].as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut columns = cols(&doc["columns"]);
        if doc["product"] == "defender" && product == "sentinel" {
            for c in cols(&doc["sentinel"]["columns"]) {
                match columns.iter_mut().find(|x| x.0 == c.0) {
                    Some(x) => x.1 = c.1,
                    None => columns.push(c),
                }
            }
        }
        out.insert(doc["name"].as_str().unwrap().to_string(), columns);
    }
    out
}

/// A plausible string for a column, by what its name says it holds (as runrate.py).
fn string_value(name: &str, i: usize) -> String {
    let n = name.to_ascii_lowercase();
    let ends = |s: &str| n.ends_with(s);
    if (["ip", "ipaddresses", "ipv4", "ipv6"]
        .iter()
        .any(|s| ends(s))
        || n.contains("ipaddr")
        || n.starts_with("ip"))
        && !n.contains("ipo")
    {
        return [
            "20.53.203.50",
            "10.0.0.4",
            "2a03:2880:f10c:83:face:b00c:0:25de",
        ][i]
            .into();
    }
    if n.contains("sha256") {
        return format!("{:064x}", 0xabcdef0123u64 + i as u64);
    }
    if n.contains("sha1") {
        return format!("{:040x}", 0xabcdef0123u64 + i as u64);
    }
    if n.contains("md5") {
        return format!("{:032x}", 0xabcdef0123u64 + i as u64);
    }
    if ends("url") || n.contains("uri") {
        return format!("https://www.contoso{i}.com/path/file{i}.exe?x=1");
    }
    if n.contains("upn") || n.contains("userprincipalname") || n.contains("email") {
        return format!("user{i}@contoso.com");
    }
    if [
        "accountname",
        "initiatingprocessaccountname",
        "username",
        "account",
    ]
    .contains(&n.as_str())
    {
        return format!("user{i}");
    }
    if n.contains("domain") {
        return "contoso.com".into();
    }
    if n.contains("devicename") || n == "computer" || n == "hostname" {
        return format!("host{i}.contoso.com");
    }
    if ends("commandline") {
        return format!("powershell.exe -ExecutionPolicy Bypass -File C:\\temp\\x{i}.ps1");
    }
    if ends("filename") {
        return ["powershell.exe", "cmd.exe", "rundll32.exe"][i].into();
    }
    if ends("path") {
        return format!("C:\\Windows\\System32\\file{i}.exe");
    }
    if ends("port") {
        return (443 + i).to_string();
    }
    if ends("id") {
        return format!("00000000-0000-0000-0000-00000000000{}", i + 1);
    }
    if ends("json") || n == "additionalfields" || n == "raweventdata" || n == "properties" {
        return bag(i).to_string();
    }
    format!("value{i}")
}

fn bag(i: usize) -> J {
    json!({"k": format!("v{i}"), "n": i, "list": [format!("a{i}"), format!("b{i}")]})
}

fn value(name: &str, ty: &str, i: usize) -> J {
    // Minutes before the clock of the run (--now 2026-05-18T12:00:00Z).
    let t = format!("2026-05-18T11:{:02}:00Z", 59 - 20 * i);
    match ty {
        "string" => J::String(string_value(name, i)),
        "int" | "long" => json!(i + 1),
        "real" | "double" | "decimal" => json!(i as f64 + 0.5),
        "bool" | "boolean" => json!(i.is_multiple_of(2)),
        "datetime" | "date" => J::String(t),
        "timespan" => json!("00:05:00"),
        "guid" => J::String(format!("00000000-0000-0000-0000-00000000000{}", i + 1)),
        "dynamic" => bag(i),
        _ => J::String(string_value(name, i)),
    }
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kql-run-worklist-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn public_detections_run_on_schema_shaped_rows() {
    let dir = Path::new(ROOT).join("tests/run_worklist");
    let list = std::fs::read_to_string(dir.join("runs.tsv")).expect("runs.tsv");
    let mut tables = BTreeMap::new();
    let mut failures = Vec::new();
    let mut n = 0;
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.split('\t');
        let (name, product) = (parts.next().unwrap(), parts.next().unwrap_or("sentinel"));
        let schemas = tables
            .entry(product.to_string())
            .or_insert_with(|| schemas(product));
        let query = dir.join(format!("{name}.kql"));
        let text = std::fs::read_to_string(&query).expect("query");
        let words: std::collections::HashSet<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        let data = temp(name);
        for (table, cols) in schemas.iter() {
            if !words.contains(table.as_str()) {
                continue;
            }
            let rows: Vec<J> = (0..3)
                .map(|i| {
                    let mut row = Map::new();
                    for (c, ty) in cols {
                        row.insert(c.clone(), value(c, ty, i));
                    }
                    J::Object(row)
                })
                .collect();
            std::fs::write(
                data.join(format!("{table}.json")),
                J::Array(rows).to_string(),
            )
            .unwrap();
        }
        let out = Command::new(env!("CARGO_BIN_EXE_kql"))
            .arg("run")
            .arg(&query)
            .args(["--now", "2026-05-18T12:00:00Z", "--format", "json", "-q"])
            .args(["--product", product])
            .arg("--data")
            .arg(&data)
            .arg("--external-dir")
            .arg(dir.join("external"))
            .arg("--watchlists")
            .arg(dir.join("watchlists"))
            .arg("--geoip")
            .arg(dir.join("geoip.csv"))
            .output()
            .expect("kql runs");
        let _ = std::fs::remove_dir_all(&data);
        n += 1;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            failures.push(format!(
                "{name}: {}",
                err.lines().next().unwrap_or_default()
            ));
        }
    }
    assert!(n >= 30, "the run worklist lost queries ({n})");
    assert!(
        failures.is_empty(),
        "{} of {n} public detections failed to run:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
