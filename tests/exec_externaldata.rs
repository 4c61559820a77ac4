//! `externaldata` read offline from local copies of its URLs, as Kusto reads them
//! (Kusto docs, externaldata-operator.md): a table of (files, query, expected rows).

use kql::external::{Local, LocalExternals};
use kql::io::table_to_json;
use kql::{Catalog, Session};
use serde_json::Value as J;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-ext-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(*name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn run(dir: &Path, query: &str) -> Result<J, kql::Error> {
    let externals = LocalExternals {
        dir: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let catalog = Catalog::new();
    let tables = Session::new(&catalog, 0)
        .with_externals(&externals)
        .run(query)?;
    Ok(table_to_json(&tables[0])["rows"].clone())
}

const MAPPING: &str = r#"[{"Column":"Timestamp","Properties":{"Path":"$.timestamp"}},{"Column":"TenantId","Properties":{"Path":"$.data.tenant"}},{"Column":"MethodName","Properties":{"Path":"$.data.method"}}]"#;

#[test]
fn every_format_kusto_takes() {
    let dir = temp("formats");
    let put = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    put("ips.txt", b"1.2.3.4\r\n\n5.6.7.8\n");
    put(
        "feed.csv",
        b"ip,score,note\n1.2.3.4,90,\"bad, very\",extra\n9.9.9.9\n",
    );
    put("feed.tsv.gz", &gzip(b"1.2.3.4\t90\n"));
    put("list.psv", b"a|1\nb|2\n");
    put("list.scsv", b"a;1\n");
    put(
        "rows.json",
        b"{\"ip\": \"1.2.3.4\", \"score\": 5, \"other\": true}\n{\"ip\": \"5.6.7.8\"}\n",
    );
    put(
        "events.json",
        b"{\n  \"timestamp\": \"2019-01-01 10:00:00.238521\",\n  \"data\": {\"tenant\": \"e1ef54a6-c6f2-4389-836e-d289b37bcfe0\", \"method\": \"RefreshTableMetadata\"}\n}\n{\n  \"timestamp\": \"2019-01-01 10:00:01.845423\",\n  \"data\": {\"tenant\": \"9b49d0d7-b3e6-4467-bb35-fa420a25d324\", \"method\": \"GetFileList\"}\n}\n",
    );
    put(
        "array.multijson",
        b"[{\"ip\": \"1.1.1.1\"}, {\"ip\": \"2.2.2.2\"}]",
    );
    put("whole.raw", b"line one\nline two\n");
    put(
        "feeds.zip",
        &zip_of(&[("a.csv", "1.2.3.4,1\n"), ("dir/b.csv", "5.6.7.8,2\n")]),
    );
    put("noext", b"x,1\n");
    // (query, expected rows)
    let cases: &[(&str, &str)] = &[
        // txt: each non-empty line; the format from the extension.
        (
            r#"externaldata(ip:string)[@"https://h/lists/ips.txt"]"#,
            r#"[["1.2.3.4"], ["5.6.7.8"]]"#,
        ),
        // CSV by position: the header skipped, extra fields ignored, missing ones null,
        // values converted to the declared types; the URL's query string ignored.
        (
            r#"externaldata(ip:string, score:long, note:string)[@"https://h/feed.csv?sv=1&sig=x"] with (format="csv", ignoreFirstRecord=true)"#,
            r#"[["1.2.3.4", 90, "bad, very"], ["9.9.9.9", null, ""]]"#,
        ),
        // A bare word as a property's value is the word (`format=csv`).
        (
            r#"externaldata(ip:string, score:long, note:string)[@"https://h/feed.csv"] with (format=csv, ignoreFirstRecord=true)"#,
            r#"[["1.2.3.4", 90, "bad, very"], ["9.9.9.9", null, ""]]"#,
        ),
        (
            r#"externaldata(ip:string, score:int)[h@"https://h/feed.tsv.gz"]"#,
            r#"[["1.2.3.4", 90]]"#,
        ),
        (
            r#"externaldata(k:string, v:long)[@"https://h/list.psv", @"https://h/list.scsv"]"#,
            r#"[["a", 1], ["b", 2], ["a", 1]]"#,
        ),
        // JSON lines by name: other keys not read, missing ones null.
        (
            r#"externaldata(ip:string, score:long)[@"https://h/rows.json"] with (format="json")"#,
            r#"[["1.2.3.4", 5], ["5.6.7.8", null]]"#,
        ),
        // The docs' multijson example with its mapping.
        (
            "let m = 'MAPPING'; externaldata(Timestamp: datetime, TenantId: guid, MethodName: string)[h@'https://h/events.json?SAS'] with(format='multijson', ingestionMapping=m)",
            r#"[["2019-01-01T10:00:00.238521Z", "e1ef54a6-c6f2-4389-836e-d289b37bcfe0", "RefreshTableMetadata"], ["2019-01-01T10:00:01.845423Z", "9b49d0d7-b3e6-4467-bb35-fa420a25d324", "GetFileList"]]"#,
        ),
        // A comma before `]` or `}` in the mapping is passed over (Json.NET's reading).
        (
            r#"externaldata(Timestamp: datetime, TenantId: guid, MethodName: string)[h@'https://h/events.json?SAS'] with(format='multijson', ingestionMapping='[{"Column":"Timestamp","Properties":{"Path":"$.timestamp",}},{"Column":"TenantId","Properties":{"Path":"$.data.tenant"}},{"Column":"MethodName","Properties":{"Path":"$.data.method"}},]')"#,
            r#"[["2019-01-01T10:00:00.238521Z", "e1ef54a6-c6f2-4389-836e-d289b37bcfe0", "RefreshTableMetadata"], ["2019-01-01T10:00:01.845423Z", "9b49d0d7-b3e6-4467-bb35-fa420a25d324", "GetFileList"]]"#,
        ),
        (
            r#"externaldata(ip:string)[@"https://h/array.multijson"]"#,
            r#"[["1.1.1.1"], ["2.2.2.2"]]"#,
        ),
        (
            r#"externaldata(text:string)[@"https://h/whole.raw"]"#,
            r#"[["line one\nline two\n"]]"#,
        ),
        // A zip archive: every file in it, in order.
        (
            r#"externaldata(ip:string, n:long)[@"https://h/feeds.zip"] with (format="csv")"#,
            r#"[["1.2.3.4", 1], ["5.6.7.8", 2]]"#,
        ),
        // No extension, no format: CSV, Kusto's default.
        (r#"externaldata(k:string, v:long)[@"https://h/noext"]"#, r#"[["x", 1]]"#),
        // A CSV mapping by ordinals.
        (
            r#"externaldata(score:long, ip:string)[@"https://h/feed.csv"] with (ignoreFirstRecord=true, ingestionMapping='[{"Column":"ip","Properties":{"Ordinal":"0"}},{"Column":"score","Properties":{"Ordinal":"1"}}]')"#,
            r#"[[90, "1.2.3.4"], [null, "9.9.9.9"]]"#,
        ),
        // As a detection uses it: a list in `in`.
        (
            r#"let bad = externaldata(ip:string)[@"https://h/lists/ips.txt"]; datatable(IPAddress:string)["5.6.7.8", "8.8.8.8"] | where IPAddress in (bad)"#,
            r#"[["5.6.7.8"]]"#,
        ),
    ];
    for (query, want) in cases {
        let query = query.replace("MAPPING", MAPPING);
        let got =
            run(&dir, &query).unwrap_or_else(|e| panic!("{query}: {} {:?}", e.message, e.location));
        assert_eq!(got, serde_json::from_str::<J>(want).unwrap(), "{query}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_name_the_url_and_its_place() {
    let dir = temp("errors");
    std::fs::write(dir.join("x.parquet"), b"PAR1").unwrap();
    // (query, message part, the text the error points at)
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"externaldata(ip:string)[@"https://h/a/missing.txt?sig=1"]"#,
            "no local copy of `https://h/a/missing.txt?sig=1`",
            r#"@"https://h/a/missing.txt?sig=1""#,
        ),
        (
            r#"externaldata(ip:string)[@"https://h/x.parquet"]"#,
            "`externaldata format `parquet`` is not supported yet",
            r#"@"https://h/x.parquet""#,
        ),
        (
            r#"externaldata(ip:string)["a.csv"] with (fromat="csv")"#,
            "`with (fromat=...)` is not supported yet",
            "fromat",
        ),
        (
            r#"externaldata(ip:string)[tostring(rand())]"#,
            "must be a constant string",
            "tostring(rand())",
        ),
    ];
    for (query, msg, at) in cases {
        let e = run(&dir, query).unwrap_err();
        assert!(e.message.contains(msg), "{query}: {}", e.message);
        let span = e.span().unwrap_or_else(|| panic!("{query}: no position"));
        assert_eq!(&query[span.start..span.end], *at, "{query}");
    }
    let e = run(
        &dir,
        r#"externaldata(ip:string)[@"https://h/a/missing.txt"]"#,
    )
    .unwrap_err();
    let hint = e.hints.join(" ");
    assert!(
        hint.contains("--external https://h/a/missing.txt=FILE") && hint.contains("--external-dir"),
        "{hint}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn urls_are_found_by_flag_dir_or_rows() {
    let dir = temp("lookup");
    std::fs::write(dir.join("mine.csv"), b"7\n").unwrap();
    let mut x = LocalExternals {
        dir: Some(dir.clone()),
        ..Default::default()
    };
    x.by_url.insert(
        "https://h/named.csv".into(),
        Local::File(dir.join("mine.csv")),
    );
    x.by_url.insert(
        "https://h/rows".into(),
        Local::Rows(vec![serde_json::from_str(r#"{"n": 3}"#).unwrap()]),
    );
    let catalog = Catalog::new();
    let q = r#"externaldata(n:long)[@"https://h/named.csv"] | union (externaldata(n:long)[@"https://other/mine.csv"]) | union (externaldata(n:long)["https://h/rows"])"#;
    let t = Session::new(&catalog, 0).with_externals(&x).run(q).unwrap();
    assert_eq!(
        table_to_json(&t[0])["rows"],
        serde_json::json!([[7], [7], [3]])
    );
    // `kql check`'s binding types it from the declared columns, with no file at all.
    let query = kql::syntax::parse(
        r#"externaldata(n:long, s:string)[@"https://nowhere/x.csv"] | extend m = n + 1"#,
    )
    .unwrap();
    let cols = Session::new(&catalog, 0).check(&query).unwrap();
    let names: Vec<String> = cols[0]
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty))
        .collect();
    assert_eq!(names, ["n:long", "s:string", "m:long"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
