//! Table schemas: the JSON schema files users give (`<Table>.schema.json`, `--schema FILE`)
//! and the built-in schemas of well-known Sentinel and Defender XDR tables (`schemas/`,
//! embedded in the binary). One format for both:
//! `{"name": "T", "columns": [{"name": "c", "type": "string"}, ...]}`; other keys are ignored.

use crate::error::{Error, Result};
use crate::table::{Catalog, Column};
use crate::types::Type;
use serde_json::Value as J;
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

/// A table's name and columns, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    pub name: String,
    pub columns: Vec<Column>,
}

/// Parses schema text; `path` names the file in errors.
pub fn parse_schema(text: &str, path: &str) -> Result<Schema> {
    let json: J = serde_json::from_str(text)
        .map_err(|e| Error::data(format!("invalid JSON in schema: {e}"), path, e.line()))?;
    let line_of = |needle: &str| line_of(text, needle);
    let obj = json
        .as_object()
        .ok_or_else(|| Error::data("a schema must be a JSON object", path, 1))?;
    let name = obj
        .get("name")
        .and_then(J::as_str)
        .ok_or_else(|| Error::data("a schema needs a string field `name`", path, 1))?
        .to_string();
    let cols = obj
        .get("columns")
        .and_then(J::as_array)
        .ok_or_else(|| Error::data("a schema needs an array field `columns`", path, 1))?;
    let mut columns = Vec::with_capacity(cols.len());
    let mut seen = HashSet::new();
    for (i, c) in cols.iter().enumerate() {
        let cname = c.get("name").and_then(J::as_str);
        let ctype = c.get("type").and_then(J::as_str);
        let (Some(cname), Some(ctype)) = (cname, ctype) else {
            return Err(Error::data(
                format!("column {} needs string fields `name` and `type`", i + 1),
                path,
                line_of("\"columns\""),
            ));
        };
        let ty = Type::from_name(ctype).ok_or_else(|| {
            let names = [
                "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan",
                "dynamic", "guid",
            ];
            let mut e = Error::data(
                format!("column `{cname}` has unknown type `{ctype}`"),
                path,
                line_of(&format!("\"{ctype}\"")),
            );
            if let Some(n) = crate::error::nearest(ctype, names) {
                e = e.with_hint(format!("did you mean `{n}`?"));
            }
            e
        })?;
        if !seen.insert(cname.to_string()) {
            return Err(Error::data(
                format!("column `{cname}` is listed twice"),
                path,
                line_of(&format!("\"{cname}\"")),
            ));
        }
        columns.push(Column::new(cname, ty));
    }
    Ok(Schema { name, columns })
}

/// Reads and parses a schema file.
pub fn load_schema_file(path: &Path) -> Result<Schema> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| io_error(&shown, &e))?;
    parse_schema(&text, &shown)
}

/// The built-in schema of a table, if kql ships one.
pub fn builtin_schema(name: &str) -> Option<&'static Schema> {
    builtin_schemas().iter().find(|s| s.name == name)
}

/// Every built-in schema, parsed once.
pub fn builtin_schemas() -> &'static [Schema] {
    static PARSED: OnceLock<Vec<Schema>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BUILTIN_FILES
            .iter()
            .filter_map(|(file, text)| parse_schema(text, &format!("schemas/{file}.json")).ok())
            .collect()
    })
}

/// A catalog of schemas only (for `kql check`): the built-in schemas, then the user's
/// schema files, which replace a built-in schema of the same name.
pub fn schema_catalog(user_schema_files: &[impl AsRef<Path>]) -> Result<Catalog> {
    let mut catalog = Catalog::new();
    for s in builtin_schemas() {
        catalog.add_schema(s.name.clone(), s.columns.clone());
    }
    for f in user_schema_files {
        let s = load_schema_file(f.as_ref())?;
        catalog.add_schema(s.name, s.columns);
    }
    Ok(catalog)
}

pub(crate) fn io_error(path: &str, e: &std::io::Error) -> Error {
    Error::new(
        crate::error::ErrorKind::Io,
        format!("cannot read {path}: {e}"),
    )
}

/// The 1-based line of the first occurrence of `needle`, or 1.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |i| text[..i].matches('\n').count() + 1)
}

// The built-in schemas, embedded so the binary stands alone. A test checks that this
// list matches the files in schemas/.
pub(crate) const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "AADManagedIdentitySignInLogs",
        include_str!("../../schemas/AADManagedIdentitySignInLogs.json"),
    ),
    (
        "AADNonInteractiveUserSignInLogs",
        include_str!("../../schemas/AADNonInteractiveUserSignInLogs.json"),
    ),
    (
        "AADRiskyUsers",
        include_str!("../../schemas/AADRiskyUsers.json"),
    ),
    (
        "AADServicePrincipalSignInLogs",
        include_str!("../../schemas/AADServicePrincipalSignInLogs.json"),
    ),
    (
        "AADSignInEventsBeta",
        include_str!("../../schemas/AADSignInEventsBeta.json"),
    ),
    (
        "AADUserRiskEvents",
        include_str!("../../schemas/AADUserRiskEvents.json"),
    ),
    (
        "AWSCloudTrail",
        include_str!("../../schemas/AWSCloudTrail.json"),
    ),
    (
        "AlertEvidence",
        include_str!("../../schemas/AlertEvidence.json"),
    ),
    ("AlertInfo", include_str!("../../schemas/AlertInfo.json")),
    ("Anomalies", include_str!("../../schemas/Anomalies.json")),
    ("AuditLogs", include_str!("../../schemas/AuditLogs.json")),
    (
        "AzureActivity",
        include_str!("../../schemas/AzureActivity.json"),
    ),
    (
        "AzureDiagnostics",
        include_str!("../../schemas/AzureDiagnostics.json"),
    ),
    (
        "BehaviorAnalytics",
        include_str!("../../schemas/BehaviorAnalytics.json"),
    ),
    (
        "CloudAppEvents",
        include_str!("../../schemas/CloudAppEvents.json"),
    ),
    (
        "CommonSecurityLog",
        include_str!("../../schemas/CommonSecurityLog.json"),
    ),
    (
        "DeviceEvents",
        include_str!("../../schemas/DeviceEvents.json"),
    ),
    (
        "DeviceFileEvents",
        include_str!("../../schemas/DeviceFileEvents.json"),
    ),
    (
        "DeviceImageLoadEvents",
        include_str!("../../schemas/DeviceImageLoadEvents.json"),
    ),
    ("DeviceInfo", include_str!("../../schemas/DeviceInfo.json")),
    (
        "DeviceLogonEvents",
        include_str!("../../schemas/DeviceLogonEvents.json"),
    ),
    (
        "DeviceNetworkEvents",
        include_str!("../../schemas/DeviceNetworkEvents.json"),
    ),
    (
        "DeviceNetworkInfo",
        include_str!("../../schemas/DeviceNetworkInfo.json"),
    ),
    (
        "DeviceProcessEvents",
        include_str!("../../schemas/DeviceProcessEvents.json"),
    ),
    (
        "DeviceRegistryEvents",
        include_str!("../../schemas/DeviceRegistryEvents.json"),
    ),
    (
        "DeviceTvmSecureConfigurationAssessment",
        include_str!("../../schemas/DeviceTvmSecureConfigurationAssessment.json"),
    ),
    (
        "DeviceTvmSoftwareVulnerabilities",
        include_str!("../../schemas/DeviceTvmSoftwareVulnerabilities.json"),
    ),
    (
        "EmailAttachmentInfo",
        include_str!("../../schemas/EmailAttachmentInfo.json"),
    ),
    (
        "EmailEvents",
        include_str!("../../schemas/EmailEvents.json"),
    ),
    (
        "EmailUrlInfo",
        include_str!("../../schemas/EmailUrlInfo.json"),
    ),
    (
        "EntraIdSignInEvents",
        include_str!("../../schemas/EntraIdSignInEvents.json"),
    ),
    ("Event", include_str!("../../schemas/Event.json")),
    ("Heartbeat", include_str!("../../schemas/Heartbeat.json")),
    (
        "IdentityDirectoryEvents",
        include_str!("../../schemas/IdentityDirectoryEvents.json"),
    ),
    (
        "IdentityInfo",
        include_str!("../../schemas/IdentityInfo.json"),
    ),
    (
        "IdentityLogonEvents",
        include_str!("../../schemas/IdentityLogonEvents.json"),
    ),
    (
        "IdentityQueryEvents",
        include_str!("../../schemas/IdentityQueryEvents.json"),
    ),
    (
        "OfficeActivity",
        include_str!("../../schemas/OfficeActivity.json"),
    ),
    (
        "SecurityAlert",
        include_str!("../../schemas/SecurityAlert.json"),
    ),
    (
        "SecurityEvent",
        include_str!("../../schemas/SecurityEvent.json"),
    ),
    (
        "SecurityIncident",
        include_str!("../../schemas/SecurityIncident.json"),
    ),
    ("SigninLogs", include_str!("../../schemas/SigninLogs.json")),
    ("Syslog", include_str!("../../schemas/Syslog.json")),
    (
        "ThreatIntelligenceIndicator",
        include_str!("../../schemas/ThreatIntelligenceIndicator.json"),
    ),
    (
        "UrlClickEvents",
        include_str!("../../schemas/UrlClickEvents.json"),
    ),
    ("W3CIISLog", include_str!("../../schemas/W3CIISLog.json")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_file_is_embedded_and_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".json").map(str::to_string)
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = BUILTIN_FILES.iter().map(|(n, _)| *n).collect();
        assert_eq!(on_disk, embedded);
        for (file, text) in BUILTIN_FILES {
            let s = parse_schema(text, file).unwrap();
            assert_eq!(&s.name, file, "schema name must match its file name");
        }
        assert_eq!(builtin_schemas().len(), BUILTIN_FILES.len());
    }

    #[test]
    fn seed_tables_have_the_types_the_seed_relies_on() {
        let aad = builtin_schema("AADNonInteractiveUserSignInLogs").unwrap();
        let ty = |s: &Schema, n: &str| s.columns.iter().find(|c| c.name == n).map(|c| c.ty);
        assert_eq!(ty(aad, "ResultType"), Some(Type::String));
        assert_eq!(ty(aad, "TimeGenerated"), Some(Type::DateTime));
        let entra = builtin_schema("EntraIdSignInEvents").unwrap();
        assert_eq!(ty(entra, "ErrorCode"), Some(Type::Int));
    }

    #[test]
    fn malformed_schemas_are_reported_with_a_line() {
        let cases = [
            ("[1]", "must be a JSON object", 1),
            ("{\"columns\": []}", "`name`", 1),
            (
                "{\"name\": \"T\",\n \"columns\": [\n {\"name\": \"a\", \"type\": \"strng\"}]}",
                "unknown type `strng`",
                3,
            ),
            (
                "{\"name\": \"T\", \"columns\": [{\"name\": \"a\", \"type\": \"long\"},\n{\"name\": \"a\", \"type\": \"long\"}]}",
                "listed twice",
                1,
            ),
            ("{\"name\": \"T\",\n \"columns\": [", "invalid JSON", 2),
        ];
        for (text, msg, line) in cases {
            let e = parse_schema(text, "t.schema.json").unwrap_err();
            assert!(e.message.contains(msg), "{text}: {}", e.message);
            assert_eq!(
                e.location,
                crate::error::Location::File {
                    path: "t.schema.json".into(),
                    line
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
    }

    #[test]
    fn schema_catalog_has_builtins_and_user_schemas_win() {
        let path = std::env::temp_dir().join(format!("kql-schema-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"{"name": "SigninLogs", "columns": [{"name": "Only", "type": "long"}]}"#,
        )
        .unwrap();
        let cat = schema_catalog(&[&path]).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(cat.names().count(), BUILTIN_FILES.len());
        assert_eq!(
            cat.get("SigninLogs").unwrap().columns().unwrap(),
            [Column::new("Only", Type::Long)]
        );
        assert!(cat.get("SecurityEvent").unwrap().columns().unwrap().len() > 10);
        let missing: [&Path; 1] = [Path::new("no/such.schema.json")];
        assert!(schema_catalog(&missing).is_err());
    }
}
