use super::*;
use crate::error::Location;

fn ty(s: &Schema, n: &str) -> Option<Type> {
    s.columns.iter().find(|c| c.name == n).map(|c| c.ty)
}

/// The Defender XDR tables whose advanced hunting page lists no `Timestamp`: inventories
/// and snapshots (DeviceTvm*, DeviceBaselineCompliance*, ExposureGraph*) and
/// CallActivityEvents, which has ActivityTimestamp.
const DEFENDER_WITHOUT_TIMESTAMP: &[&str] = &[
    "CallActivityEvents",
    "DeviceBaselineComplianceAssessment",
    "DeviceBaselineComplianceAssessmentKB",
    "DeviceBaselineComplianceProfiles",
    "DeviceTvmBrowserExtensions",
    "DeviceTvmBrowserExtensionsKB",
    "DeviceTvmCertificateInfo",
    "DeviceTvmHardwareFirmware",
    "DeviceTvmInfoGatheringKB",
    "DeviceTvmSecureConfigurationAssessmentKB",
    "DeviceTvmSoftwareEvidenceBeta",
    "DeviceTvmSoftwareInventory",
    "DeviceTvmSoftwareVulnerabilities",
    "DeviceTvmSoftwareVulnerabilitiesKB",
    "ExposureGraphEdges",
    "ExposureGraphNodes",
];

#[test]
fn every_shipped_schema_is_embedded_and_well_formed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<&str> = builtin_names().collect();
    assert_eq!(on_disk, embedded);
    assert!(embedded.len() >= 150, "{} schemas", embedded.len());

    let mut without_timestamp = Vec::new();
    for (file, text) in BUILTIN_FILES {
        let f = parse_schema_file(text, file).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(&f.name, file, "schema name must match its file name");
        assert!(
            f.source.as_deref().is_some_and(|s| s.contains(" @")),
            "{file}: `source` must name the page and its commit"
        );
        // Only canonical KQL type names in shipped files (the parser also takes .NET names).
        let raw: J = serde_json::from_str(text).unwrap();
        let mut types = Vec::new();
        fn collect_types(v: &J, out: &mut Vec<String>) {
            match v {
                J::Object(m) => {
                    if let Some(J::String(t)) = m.get("type") {
                        out.push(t.clone());
                    }
                    m.values().for_each(|x| collect_types(x, out));
                }
                J::Array(a) => a.iter().for_each(|x| collect_types(x, out)),
                _ => {}
            }
        }
        collect_types(&raw, &mut types);
        for t in &types {
            assert!(TYPE_NAMES.contains(&t.as_str()), "{file}: type `{t}`");
        }
        let (sentinel, defender) = (f.schema(Product::Sentinel), f.schema(Product::Defender));
        for s in [&sentinel, &defender] {
            let mut seen = HashSet::new();
            for c in &s.columns {
                assert!(seen.insert(&c.name), "{file}: `{}` twice", c.name);
            }
        }
        assert_eq!(
            ty(&sentinel, "TimeGenerated"),
            Some(Type::DateTime),
            "{file}"
        );
        match f.product {
            Product::Defender => {
                assert_eq!(ty(&defender, "TimeGenerated"), None, "{file}");
                match ty(&defender, "Timestamp") {
                    Some(t) => {
                        assert_eq!(t, Type::DateTime, "{file}");
                        assert_eq!(ty(&sentinel, "Timestamp"), Some(Type::DateTime), "{file}");
                    }
                    None => without_timestamp.push(f.name.clone()),
                }
                for (n, t) in SENTINEL_STANDARD {
                    assert_eq!(ty(&sentinel, n), Some(t), "{file}: Sentinel copy, {n}");
                }
            }
            Product::Sentinel => {
                assert!(f.sentinel_columns.is_empty(), "{file}");
                assert_eq!(
                    sentinel, defender,
                    "{file}: a Sentinel table is the same in both"
                );
            }
        }
    }
    assert_eq!(without_timestamp, DEFENDER_WITHOUT_TIMESTAMP);
}

#[test]
fn tables_public_detections_use_are_known() {
    // Issue 12's list (tables of public detection queries kql did not know).
    let wanted = "ExposureGraphNodes DeviceTvmSecureConfigurationAssessmentKB ExposureGraphEdges \
        DeviceTvmSoftwareInventory DeviceTvmSoftwareVulnerabilitiesKB MicrosoftGraphActivityLogs \
        DeviceFileCertificateInfo DnsEvents OAuthAppInfo EmailPostDeliveryEvents ADFSSignInLogs \
        SecurityNestedRecommendation SentinelHealth DeviceTvmInfoGathering GraphAPIAuditEvents \
        DeviceTvmBrowserExtensions MessageEvents Usage IntuneDevices AzureDevOpsAuditing \
        AADSpnSignInEventsBeta LAQueryLogs AgentsInfo CopilotActivity MessageUrlInfo \
        StorageFileLogs StorageBlobLogs DeviceTvmCertificateInfo DeviceTvmSoftwareEvidenceBeta \
        DeviceTvmBrowserExtensionsKB DeviceAlertEvents CloudAuditEvents CloudProcessEvents \
        IdentityAccountInfo IdentityEvents BehaviorInfo BehaviorEntities \
        AADServicePrincipalSignInLogs AADManagedIdentitySignInLogs AADProvisioningLogs \
        SecurityRecommendation Watchlist ThreatIntelIndicators ThreatIntelObjects AzureMetrics \
        AppServiceHTTPLogs StorageQueueLogs ContainerLog KubeEvents AWSGuardDuty AWSVPCFlow \
        GCPAuditLogs Perf Update SecurityBaseline";
    let missing: Vec<&str> = wanted
        .split_whitespace()
        .filter(|t| builtin_schema(t).is_none())
        .collect();
    assert!(missing.is_empty(), "no schema for {missing:?}");
}

#[test]
fn shipped_schemas_have_the_columns_their_pages_list() {
    // Columns the old schemas lacked, each checked against its page (see `source`).
    let cases: &[(&str, Product, &str, Type)] = &[
        (
            "DeviceRegistryEvents",
            Product::Defender,
            "Timestamp",
            Type::DateTime,
        ),
        (
            "DeviceRegistryEvents",
            Product::Sentinel,
            "Timestamp",
            Type::DateTime,
        ),
        (
            "EmailEvents",
            Product::Sentinel,
            "Timestamp",
            Type::DateTime,
        ),
        (
            "EmailEvents",
            Product::Defender,
            "LatestDeliveryAction",
            Type::String,
        ),
        (
            "IdentityInfo",
            Product::Defender,
            "Timestamp",
            Type::DateTime,
        ),
        (
            "IdentityInfo",
            Product::Defender,
            "AccountUpn",
            Type::String,
        ),
        (
            "IdentityInfo",
            Product::Sentinel,
            "Timestamp",
            Type::DateTime,
        ),
        (
            "IdentityInfo",
            Product::Sentinel,
            "AccountUPN",
            Type::String,
        ),
        ("IdentityInfo", Product::Sentinel, "Tags", Type::String),
        ("IdentityInfo", Product::Defender, "Tags", Type::Dynamic),
        (
            "DeviceProcessEvents",
            Product::Defender,
            "InitiatingProcessSessionId",
            Type::Long,
        ),
        (
            "DeviceProcessEvents",
            Product::Defender,
            "IsProcessRemoteSession",
            Type::Bool,
        ),
        (
            "DeviceProcessEvents",
            Product::Defender,
            "ProcessRemoteSessionIP",
            Type::String,
        ),
        (
            "DeviceProcessEvents",
            Product::Defender,
            "AdditionalFields",
            Type::String,
        ),
        (
            "DeviceProcessEvents",
            Product::Sentinel,
            "AdditionalFields",
            Type::Dynamic,
        ),
        (
            "AADNonInteractiveUserSignInLogs",
            Product::Sentinel,
            "ResultType",
            Type::String,
        ),
        (
            "EntraIdSignInEvents",
            Product::Defender,
            "ErrorCode",
            Type::Int,
        ),
    ];
    for &(table, product, column, want) in cases {
        let s = builtin_schema_for(table, product).unwrap();
        assert_eq!(
            ty(s, column),
            Some(want),
            "{table} ({}) {column}",
            product.name()
        );
    }
}

#[test]
fn a_defender_table_has_a_derived_sentinel_copy() {
    let text = r#"{"name": "T", "product": "Defender", "source": "page",
        "columns": [{"name": "Timestamp", "type": "datetime"}, {"name": "Extra", "type": "string"},
                    {"name": "Type", "type": "long"}],
        "sentinel": {"columns": [{"name": "Extra", "type": "dynamic"},
                                 {"name": "MachineGroup", "type": "string"}]}}"#;
    let f = parse_schema_file(text, "T.json").unwrap();
    let names = |s: &Schema| -> Vec<(String, Type)> {
        s.columns.iter().map(|c| (c.name.clone(), c.ty)).collect()
    };
    let cols = |v: &[(&str, Type)]| -> Vec<(String, Type)> {
        v.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    };
    assert_eq!(
        names(&f.schema(Product::Defender)),
        cols(&[
            ("Timestamp", Type::DateTime),
            ("Extra", Type::String),
            ("Type", Type::Long)
        ])
    );
    // The file's types win where it gives them (Type stays long, Extra takes the
    // Sentinel type); the standard columns it lacks come before the Sentinel-only ones.
    assert_eq!(
        names(&f.schema(Product::Sentinel)),
        cols(&[
            ("Timestamp", Type::DateTime),
            ("Extra", Type::Dynamic),
            ("Type", Type::Long),
            ("TimeGenerated", Type::DateTime),
            ("TenantId", Type::String),
            ("SourceSystem", Type::String),
            ("MachineGroup", Type::String),
        ])
    );
    // Without `product`, a file is one table for both products.
    let plain = parse_schema_file(
        r#"{"name": "T", "columns": [{"name": "a", "type": "int"}]}"#,
        "f",
    )
    .unwrap();
    assert_eq!(
        plain.schema(Product::Defender),
        plain.schema(Product::Sentinel)
    );
}

/// Each accepted form, written small. Where each shape is documented:
/// - kql's own: schemas/SOURCE.md;
/// - CustomTables: Azure/Azure-Sentinel `.script/tests/KqlvalidationsTests/CustomTables/*.json`
///   (e.g. CopilotActivity.json: `{"Name", "Properties": [{"Name", "Type": "DateTime"}]}`);
/// - Log Analytics table: Azure REST API "Tables - Create Or Update" request body
///   (`properties.schema.{name, columns}`);
/// - getschema: the Kusto docs' getschema operator page (ColumnName, ColumnOrdinal, DataType
///   with .NET names, ColumnType with KQL names), exported as CSV or as JSON rows.
#[test]
fn schema_files_in_every_form() {
    let expected = vec![
        Column::new("TimeGenerated", Type::DateTime),
        Column::new("Count", Type::Long),
        Column::new("Ok", Type::Bool),
        Column::new("Props", Type::Dynamic),
        Column::new("Id", Type::Guid),
        Column::new("Score", Type::Real),
        Column::new("Took", Type::TimeSpan),
        Column::new("Small", Type::Int),
    ];
    let cases: &[(&str, &str)] = &[
        (
            "Demo.schema.json",
            r#"{"name": "Demo", "columns": [
                {"name": "TimeGenerated", "type": "datetime"}, {"name": "Count", "type": "long"},
                {"name": "Ok", "type": "bool"}, {"name": "Props", "type": "dynamic"},
                {"name": "Id", "type": "guid"}, {"name": "Score", "type": "real"},
                {"name": "Took", "type": "timespan"}, {"name": "Small", "type": "int"}]}"#,
        ),
        (
            "whatever.json",
            r#"{"name": "Demo", "properties": [
                {"Name": "TimeGenerated", "Type": "DateTime"}, {"name": "Count", "type": "Int64"},
                {"NAME": "Ok", "TYPE": "Boolean"}, {"Name": "Props", "Type": "Dynamic"},
                {"Name": "Id", "Type": "Guid"}, {"Name": "Score", "Type": "Double"},
                {"Name": "Took", "Type": "TimeSpan"}, {"Name": "Small", "Type": "Int32"}]}"#,
        ),
        (
            "table.json",
            r#"{"properties": {"schema": {"name": "Demo", "columns": [
                {"name": "TimeGenerated", "type": "datetime"}, {"name": "Count", "type": "long"},
                {"name": "Ok", "type": "boolean"}, {"name": "Props", "type": "dynamic"},
                {"name": "Id", "type": "guid"}, {"name": "Score", "type": "real"},
                {"name": "Took", "type": "timespan"}, {"name": "Small", "type": "int"}]}}}"#,
        ),
        (
            "dir/Demo.getschema.json",
            r#"[{"ColumnName": "Count", "ColumnOrdinal": 1, "DataType": "System.Int64", "ColumnType": "long"},
                {"ColumnName": "TimeGenerated", "ColumnOrdinal": 0, "DataType": "System.DateTime", "ColumnType": "datetime"},
                {"ColumnName": "Ok", "ColumnOrdinal": 2, "DataType": "System.SByte"},
                {"ColumnName": "Props", "ColumnOrdinal": 3, "DataType": "System.Object", "ColumnType": "dynamic"},
                {"ColumnName": "Id", "ColumnOrdinal": 4, "DataType": "System.Guid", "ColumnType": "guid"},
                {"ColumnName": "Score", "ColumnOrdinal": 5, "DataType": "System.Double", "ColumnType": "real"},
                {"ColumnName": "Took", "ColumnOrdinal": 6, "DataType": "System.TimeSpan", "ColumnType": "timespan"},
                {"ColumnName": "Small", "ColumnOrdinal": 7, "DataType": "System.Int32", "ColumnType": "int"}]"#,
        ),
        (
            "Demo.csv",
            "\u{feff}ColumnName,ColumnOrdinal,DataType,ColumnType\r\n\
             TimeGenerated,0,System.DateTime,datetime\r\n\
             Count,1,System.Int64,long\r\n\
             \"Ok\",2,System.SByte,\r\n\
             Props,3,System.Object,dynamic\r\n\
             Id,4,System.Guid,guid\r\n\
             Score,5,System.Double,real\r\n\
             Took,6,System.TimeSpan,timespan\r\n\
             Small,7,System.Int32,int\r\n",
        ),
        (
            "Demo.csv",
            "\"ColumnName\",\"ColumnType\"\nTimeGenerated,datetime\nCount,long\nOk,bool\n\
             Props,dynamic\nId,guid\nScore,real\nTook,timespan\nSmall,int\n",
        ),
    ];
    for (path, text) in cases {
        let s = parse_schema(text, path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(s.name, "Demo", "{path}");
        assert_eq!(s.columns, expected, "{path}");
    }
}

#[test]
fn malformed_schemas_are_reported_with_file_and_line() {
    let cases: &[(&str, &str, &str, usize)] = &[
        ("t.schema.json", "[1]", "getschema row 1: expected an object", 1),
        ("t.schema.json", "{\"columns\": []}", "`name`", 1),
        ("t.schema.json", "{\"name\": \"T\"}", "not a schema file", 1),
        (
            "t.schema.json",
            "{\"name\": \"T\",\n \"columns\": [\n {\"name\": \"a\", \"type\": \"strng\"}]}",
            "unknown type `strng`",
            3,
        ),
        (
            "t.schema.json",
            "{\"name\": \"T\", \"columns\": [{\"name\": \"a\", \"type\": \"long\"},\n{\"name\": \"a\", \"type\": \"long\"}]}",
            "listed twice",
            1,
        ),
        ("t.schema.json", "{\"name\": \"T\",\n \"columns\": [", "invalid JSON", 2),
        (
            "t.json",
            "{\"Name\": \"T\",\n\"Properties\": [\n{\"Name\": \"a\"}]}",
            "Properties: column 1 needs",
            2,
        ),
        (
            "t.json",
            "{\"name\": \"T\", \"product\": \"xdr\", \"columns\": []}",
            "`product` must be",
            1,
        ),
        (
            "t.json",
            "{\"name\": \"T\", \"columns\": [],\n\"sentinel\": {\"columns\": []}}",
            "not `\"product\": \"defender\"`",
            2,
        ),
        (
            "t.json",
            "[{\"ColumnName\": \"a\", \"ColumnType\": \"long\"},\n {\"ColumnName\": \"b\"}]",
            "getschema row 2: needs a string field `ColumnType` or `DataType`",
            2,
        ),
        ("T.csv", "ColumnName,ColumnType\na,long\nb,Int65\n", "column `b` has unknown type `Int65`", 3),
        ("T.csv", "ColumnName,ColumnType\na,long\na,long\n", "listed twice", 3),
        (
            "T.csv",
            "ColumnName,ColumnOrdinal,ColumnType\na,0,long\nb,x,long\n",
            "ColumnOrdinal `x` is not an integer",
            3,
        ),
        (
            "T.csv",
            "ColumnName,ColumnOrdinal,ColumnType\na,0,long\nb,0,long\n",
            "ColumnOrdinal 0 is given twice",
            3,
        ),
        ("T.csv", "ColumnName,ColumnType\na,long\nb\n", "invalid CSV", 3),
        ("T.csv", "Name,Type\na,long\n", "not a schema file", 1),
        ("T.csv", "ColumnName,Ordinal\na,1\n", "needs a ColumnType or DataType", 1),
    ];
    for (path, text, msg, line) in cases {
        let e = parse_schema(text, path).unwrap_err();
        assert!(e.message.contains(msg), "{text}: {}", e.message);
        assert_eq!(
            e.location,
            Location::File {
                path: path.to_string(),
                line: *line
            },
            "{text}"
        );
    }
    let e = parse_schema(
        "{\"name\": \"T\", \"columns\": [{\"name\": \"a\", \"type\": \"strng\"}]}",
        "f",
    )
    .unwrap_err();
    assert_eq!(e.hints, vec!["did you mean `string`?".to_string()]);
    let e = parse_schema("ColumnName,DataType\na,System.Strin\n", "T.csv").unwrap_err();
    assert_eq!(e.hints, vec!["did you mean `string`?".to_string()]);
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kql-schema-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_schema_folder_gives_every_schema_file_in_it() {
    let d = temp_dir("folder");
    std::fs::write(
        d.join("A.json"),
        r#"{"name": "A", "product": "defender", "columns": [{"name": "Timestamp", "type": "datetime"}]}"#,
    )
    .unwrap();
    std::fs::write(d.join("B.csv"), "ColumnName,ColumnType\nx,long\n").unwrap();
    std::fs::write(d.join("README.md"), "not a schema").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    let sentinel = load_schemas(&d, Product::Sentinel).unwrap();
    let names: Vec<&str> = sentinel.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(
        sentinel[0].columns.len(),
        5,
        "Timestamp and the four standard columns"
    );
    let defender = load_schemas(&d, Product::Defender).unwrap();
    assert_eq!(
        defender[0].columns,
        [Column::new("Timestamp", Type::DateTime)]
    );
    // One file is a folder of one.
    assert_eq!(
        load_schemas(&d.join("B.csv"), Product::Sentinel).unwrap(),
        sentinel[1..]
    );
    // Two files for one table: an error naming both.
    std::fs::write(d.join("C.json"), r#"{"Name": "B", "Properties": []}"#).unwrap();
    let e = load_schemas(&d, Product::Sentinel).unwrap_err();
    assert!(e.message.contains("two schema files"), "{}", e.message);
    assert!(
        e.message.contains("B.csv") && e.message.contains("C.json"),
        "{}",
        e.message
    );
    std::fs::remove_dir_all(&d).unwrap();
    assert!(load_schemas(&d, Product::Sentinel).is_err());
}

#[test]
fn builtin_schemas_are_parsed_on_demand_and_once() {
    let a = builtin_schema_for("SecurityEvent", Product::Sentinel).unwrap();
    let b = builtin_schema("SecurityEvent").unwrap();
    assert!(std::ptr::eq(a, b));
    assert!(builtin_schema("NoSuchTable").is_none());
    assert!(
        builtin_schema("securityevent").is_none(),
        "table names are case-sensitive"
    );
    let names: Vec<&str> = builtin_names().collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "sorted, for binary search"
    );
}

#[test]
fn schema_catalog_has_builtins_and_user_schemas_win() {
    let user = parse_schema(
        r#"{"name": "SigninLogs", "columns": [{"name": "Only", "type": "long"}]}"#,
        "u.json",
    )
    .unwrap();
    let cat = schema_catalog(&[user], Product::Sentinel);
    assert_eq!(cat.names().count(), BUILTIN_FILES.len());
    assert_eq!(
        cat.get("SigninLogs").unwrap().columns().unwrap(),
        [Column::new("Only", Type::Long)]
    );
    assert!(cat.get("SecurityEvent").unwrap().columns().unwrap().len() > 10);
    let defender = schema_catalog(&[], Product::Defender);
    let dpe = defender
        .get("DeviceProcessEvents")
        .unwrap()
        .columns()
        .unwrap();
    assert!(dpe.iter().all(|c| c.name != "TimeGenerated"));
}
