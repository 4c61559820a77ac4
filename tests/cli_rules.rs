//! Detections as people store them: Markdown pages, Sentinel YAML rules, ARM
//! templates and Defender rules, through `kql check`, `kql run` and `kql test`.
//! The rules under `tests/rules/sentinel/` are real ones from Azure/Azure-Sentinel
//! (MIT; see the README there) with fixture data written for them.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

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
    let dir = std::env::temp_dir().join(format!("kql-cli-rules-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One finding: (code, file, line, column, message).
type Found = (String, String, u64, u64, String);

/// The findings of `kql check --format json`.
fn findings(args: &[&str], dir: &Path) -> (i32, Vec<Found>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let (code, out, err) = kql(&all, dir);
    let v: Json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let list = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, list)
}

#[test]
fn the_seed_page_runs_unchanged_and_gives_the_rows_of_the_kql_file() {
    let run = |q: &str| {
        let (code, out, err) = kql(
            &[
                "run",
                q,
                "--data",
                "examples/signins",
                "--now",
                "2026-05-18T12:00:00Z",
                "--format",
                "json",
            ],
            root(),
        );
        assert_eq!(code, 0, "{q}: {err}");
        out
    };
    let page = run("examples/pages/suspicious-noninteractive-signins.md");
    let kql_file = run("queries/suspicious-noninteractive-signins.kql");
    assert_eq!(page, kql_file);
    let v: Json = serde_json::from_str(&page).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 3, "{page}");
    // The page's block is the shipped query byte for byte.
    let text =
        std::fs::read_to_string(root().join("examples/pages/suspicious-noninteractive-signins.md"))
            .unwrap();
    let q = std::fs::read_to_string(root().join("queries/suspicious-noninteractive-signins.kql"))
        .unwrap();
    assert!(text.contains(&format!("```KQL\n{q}```\n")));
}

const PAGE: &str = "# Two detections\n\nProse with | pipes and `SigninLogs` that is no query.\n\n```kql\nSigninLogs\n| take 1\n```\n\n- In a list:\n\n  ```Kusto\n  SigninLogs\n  | where UserPrincpalName == \"x\"\n  ```\n";

const RULE: &str = "id: not-a-guid\nname: Broken rule\ndescription: Test.\nseverity: Urgent\nkind: Scheduled\nqueryFrequency: 2m\nqueryPeriod: 1h\ntriggerOperator: gte\ntriggerThreshold: 20000\ntactics:\n  - InitialAcess\nrelevantTechniques:\n  - T10\nquery: |\n  SigninLogs\n      | where ResultType == \"0\"\n  | summarize n = count() by UserPrincipalName, IPAdress\nentityMappings:\n  - entityType: Account\n    fieldMappings:\n      - identifier: FullName\n        columnName: UserPrincipalName\n  - entityType: Hots\n    fieldMappings:\n      - identifier: HostName\n        columnName: Computer\ncustomDetails:\n  Count: n\n  Where: Location\nalertDetailsOverride:\n  alertDisplayNameFormat: \"{{UserPrincipalName}} from {{IP}}\"\n";

#[test]
fn findings_point_into_markdown_pages_and_yaml_rules() {
    let dir = folder("positions", &[("page.md", PAGE), ("rule.yaml", RULE)]);
    let (code, got) = findings(&["."], &dir);
    assert_eq!(code, 1);
    let want: &[(&str, &str, u64, u64, &str)] = &[
        ("KS142", "page.md", 14, 11, "UserPrincpalName"),
        ("KS142", "rule.yaml", 17, 49, "IPAdress"),
        ("rule-id", "rule.yaml", 1, 5, "must be a GUID"),
        ("rule-severity", "rule.yaml", 4, 11, "Urgent"),
        (
            "rule-schedule",
            "rule.yaml",
            6,
            17,
            "2m; Sentinel allows 5 minutes to 14 days",
        ),
        ("rule-trigger", "rule.yaml", 8, 18, "`gte`"),
        ("rule-trigger", "rule.yaml", 9, 19, "0 to 10000"),
        (
            "rule-entities",
            "rule.yaml",
            23,
            17,
            "unknown entity type `Hots`",
        ),
        ("rule-tactics", "rule.yaml", 11, 5, "InitialAcess"),
        ("rule-techniques", "rule.yaml", 13, 5, "T10"),
    ];
    for w in want {
        assert!(
            got.iter().any(|g| g.0 == w.0
                && g.1 == w.1
                && g.2 == w.2
                && g.3 == w.3
                && g.4.contains(w.4)),
            "missing {w:?} in {got:#?}"
        );
    }
    // The query does not bind, so the columns the fields name are not checked.
    assert!(!got.iter().any(|g| g.0 == "rule-column"), "{got:#?}");
}

#[test]
fn columns_the_rule_names_must_be_in_the_result() {
    let rule = RULE.replace("IPAdress", "IPAddress");
    let dir = folder("columns", &[("rule.yaml", &rule)]);
    let (_, got) = findings(&["rule.yaml"], &dir);
    let cols: Vec<(u64, u64, &str)> = got
        .iter()
        .filter(|g| g.0 == "rule-column")
        .map(|g| (g.2, g.3, g.4.as_str()))
        .collect();
    assert_eq!(cols.len(), 3, "{got:#?}");
    assert!(
        cols[0].0 == 26 && cols[0].2.contains("`Computer`"),
        "{cols:?}"
    );
    assert!(
        cols[1].0 == 29 && cols[1].2.contains("`Location`"),
        "{cols:?}"
    );
    assert!(cols[2].0 == 31 && cols[2].2.contains("`IP`"), "{cols:?}");
}

#[test]
fn vendored_sentinel_rules_check_as_their_ci_would() {
    let (code, got) = findings(&["tests/rules/sentinel"], root());
    assert_eq!(code, 1);
    // Only Explicit MFA Deny has problems: it maps IPAddress after renaming it to
    // PublicIP, and an AzureResource from a column no table has.
    assert!(
        got.iter().all(|g| g.1.ends_with("ExplicitMFADeny.yaml")),
        "{got:#?}"
    );
    let lines: Vec<(u64, &str)> = got.iter().map(|g| (g.2, g.0.as_str())).collect();
    assert_eq!(
        lines,
        [(52, "rule-column"), (56, "rule-column")],
        "{got:#?}"
    );
}

#[test]
fn vendored_sentinel_rules_pass_their_tests_and_a_broken_threshold_fails() {
    let (code, out, err) = kql(&["test", "tests/rules/sentinel"], root());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("15 passed, 0 failed"), "{out}");
    // The same tests against the rule with a threshold of 5: the window test still
    // holds, the alerting ones fail.
    let rule =
        std::fs::read_to_string(root().join("tests/rules/sentinel/exchange_auditlogdisabled.yaml"))
            .unwrap();
    let tests = std::fs::read_to_string(
        root().join("tests/rules/sentinel/exchange_auditlogdisabled.kqltest.json"),
    )
    .unwrap();
    let dir = folder(
        "threshold",
        &[
            (
                "exchange_auditlogdisabled.yaml",
                &rule.replace("triggerThreshold: 0", "triggerThreshold: 5"),
            ),
            ("exchange_auditlogdisabled.kqltest.json", &tests),
        ],
    );
    let (code, out, _) = kql(&["test", "."], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 passed, 2 failed"), "{out}");
    assert!(
        out.contains("expected an alert, got none (1 row(s), gt 5 -> not fired)"),
        "{out}"
    );
}

#[test]
fn a_rule_runs_in_its_window_and_prints_the_alert_decision() {
    let data = folder(
        "rundata",
        &[(
            "SecurityEvent.json",
            r#"[{"TimeGenerated": "2026-05-18T11:59:30Z", "EventID": 1102, "EventSourceName": "Microsoft-Windows-Eventlog", "Computer": "DC01", "Account": "CONTOSO\\eve", "Activity": "1102"},
               {"TimeGenerated": "2026-05-18T11:50:00Z", "EventID": 1102, "EventSourceName": "Microsoft-Windows-Eventlog", "Computer": "DC02", "Account": "CONTOSO\\bob", "Activity": "1102"}]"#,
        )],
    );
    let rule = root().join("tests/rules/sentinel/NRT_SecurityEventLogCleared.yaml");
    let (code, out, err) = kql(
        &[
            "run",
            rule.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--now",
            "2026-05-18T12:00:00Z",
            "--format",
            "json",
        ],
        root(),
    );
    assert_eq!(code, 0, "{err}");
    let v: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(v["window"]["from"], "2026-05-18T11:59:00Z");
    assert_eq!(v["rule"]["kind"], "NRT");
    assert_eq!(v["alert"]["fired"], true);
    assert_eq!(
        v["alert"]["alerts"][0]["entities"][1]["identifiers"]["FullName"],
        "DC01"
    );
    // Later, nothing in the window: not fired, still exit 0.
    let (code, out, _) = kql(
        &[
            "run",
            rule.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--now",
            "2026-05-18T13:00:00Z",
        ],
        root(),
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("alert: not fired (0 rows, gt 0): 0 alerts"),
        "{out}"
    );
}

const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"workspace": {"type": "String"}},
  "resources": [
    {
      "id": "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'),'/alertRules/a1')]",
      "name": "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/a1')]",
      "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
      "kind": "Scheduled",
      "apiVersion": "2023-12-01-preview",
      "properties": {
        "displayName": "Failed sign-ins",
        "description": "Many failures.",
        "severity": "Medium",
        "enabled": true,
        "query": "SigninLogs\n| where ResultType != \"0\"\n| summarize Failures = count() by UserPrincipalName\n| where Failures > 2",
        "queryFrequency": "PT1H",
        "queryPeriod": "PT1H",
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0,
        "tactics": ["CredentialAccess"],
        "techniques": ["T1110"],
        "entityMappings": [{"entityType": "Account", "fieldMappings": [{"identifier": "FullName", "columnName": "UserPrincipalName"}]}],
        "eventGroupingSettings": {"aggregationKind": "AlertPerResult"}
      }
    },
    {
      "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
      "kind": "Scheduled",
      "properties": {
        "displayName": "Escapes",
        "description": "Escapes in the query.",
        "severity": "Low",
        "query": "SigninLogs\n| where AppDisplayName == \"Azure\\u0020Portal\" and Location == \u0027CH\u0027\n| project UserPrincpalName",
        "queryFrequency": "PT5M",
        "queryPeriod": "P1D",
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0
      }
    }
  ]
}"#;

const DEFENDER: &str = r##"{
  "displayName": "Encoded PowerShell",
  "isEnabled": true,
  "queryCondition": {"queryText": "DeviceProcessEvents\n| where ProcessCommandLine has \"-enc\"\n| project Timestamp, ReportId, DeviceId, DeviceName, AccountName"},
  "schedule": {"period": "1H"},
  "detectionAction": {"alertTemplate": {
    "title": "Encoded PowerShell on {{DeviceName}}",
    "description": "A process ran encoded PowerShell.",
    "severity": "medium",
    "category": "Execution",
    "mitreTechniques": ["T1059.001"],
    "impactedAssets": [{"@odata.type": "#microsoft.graph.security.impactedDeviceAsset", "identifier": "deviceId"}]
  }}
}"##;

#[test]
fn arm_templates_and_defender_rules_are_read_checked_and_run() {
    let dir = folder(
        "arm",
        &[
            ("rules/export.json", ARM),
            ("rules/defender.json", DEFENDER),
            ("rules/workflow.yml", "on: push\njobs: {}\n"),
            ("rules/data.json", "[{\"a\": 1}]"),
            ("rules/other.json", "{\"name\": \"not a rule\"}"),
        ],
    );
    let (code, out, err) = kql(&["check", "rules", "-v", "--format", "json"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    let v: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(v["files"], 2, "{out}");
    let d = &v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{out}");
    // Inside a JSON string with escapes: the line of the query in the file, the column
    // of the misspelt name (after `\"`, `\u0020` and `\u0027`).
    assert_eq!(d[0]["file"], "rules/export.json");
    assert_eq!(d[0]["query"], "rules/export.json#2");
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(35), Some(122)),
        "{out}"
    );
    for skipped in ["workflow.yml", "data.json", "other.json"] {
        assert!(err.contains(&format!("skipped rules/{skipped}")), "{err}");
    }
    let data = folder(
        "armdata",
        &[
            (
                "SigninLogs.json",
                r#"[{"TimeGenerated": "2026-05-18T11:30:00Z", "ResultType": "50126", "UserPrincipalName": "a@x"},
                                     {"TimeGenerated": "2026-05-18T11:31:00Z", "ResultType": "50126", "UserPrincipalName": "a@x"},
                                     {"TimeGenerated": "2026-05-18T11:32:00Z", "ResultType": "50126", "UserPrincipalName": "a@x"},
                                     {"TimeGenerated": "2026-05-18T09:00:00Z", "ResultType": "50126", "UserPrincipalName": "b@x"},
                                     {"TimeGenerated": "2026-05-18T09:01:00Z", "ResultType": "50126", "UserPrincipalName": "b@x"},
                                     {"TimeGenerated": "2026-05-18T09:02:00Z", "ResultType": "50126", "UserPrincipalName": "b@x"}]"#,
            ),
            (
                "DeviceProcessEvents.json",
                r#"[{"Timestamp": "2026-05-18T11:00:00Z", "ProcessCommandLine": "powershell -enc AAAA", "ReportId": 7, "DeviceId": "d-1", "DeviceName": "pc1"},
                                              {"Timestamp": "2026-05-18T06:00:00Z", "ProcessCommandLine": "powershell -enc BBBB", "ReportId": 8, "DeviceId": "d-2", "DeviceName": "pc2"}]"#,
            ),
        ],
    );
    let run = |q: &str| {
        let (code, out, err) = kql(
            &[
                "run",
                q,
                "--data",
                data.to_str().unwrap(),
                "--now",
                "2026-05-18T12:00:00Z",
                "--format",
                "json",
            ],
            &dir,
        );
        assert_eq!(code, 0, "{q}: {err}");
        serde_json::from_str::<Json>(&out).unwrap()
    };
    // b's failures are older than the hour the rule looks at.
    let v = run("rules/export.json#1");
    assert_eq!(v["rows"], serde_json::json!([["a@x", 3]]));
    assert_eq!(
        v["alert"]["alerts"][0]["entities"][0]["identifiers"]["FullName"],
        "a@x"
    );
    // Defender: every hour over the last 4 hours, on Timestamp; one alert per row.
    let v = run("rules/defender.json");
    assert_eq!(v["window"]["from"], "2026-05-18T08:00:00Z");
    assert_eq!(v["alert"]["alerts"][0]["name"], "Encoded PowerShell on pc1");
    assert_eq!(
        v["alert"]["alerts"][0]["entities"][0]["identifiers"]["deviceId"],
        "d-1"
    );
    assert_eq!(v["alert"]["alerts"].as_array().unwrap().len(), 1);
    let (code, _, err) = kql(
        &["run", "rules/export.json", "--data", data.to_str().unwrap()],
        &dir,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("rules/export.json#1, rules/export.json#2"),
        "{err}"
    );
}

#[test]
fn sarif_and_github_reports_carry_positions_in_the_files() {
    let dir = folder("sarif", &[("page.md", PAGE), ("rule.yaml", RULE)]);
    let (code, out, _) = kql(&["check", ".", "--format", "sarif"], &dir);
    assert_eq!(code, 1);
    let v: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], id);
        assert!(matches!(r["level"].as_str(), Some("error" | "warning")));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(matches!(
            loc["artifactLocation"]["uri"].as_str(),
            Some("page.md" | "rule.yaml")
        ));
    }
    let md = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "page.md")
        .unwrap();
    let region = &md["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(14), Some(11))
    );
    assert_eq!(region["endColumn"].as_u64(), Some(27));
    let (_, out, _) = kql(&["check", "page.md", "--format", "github"], &dir);
    assert!(
        out.contains("::error file=page.md,line=14,col=11,endLine=14,endColumn=27,"),
        "{out}"
    );
}

#[test]
fn the_shipped_hook_and_action_are_valid_and_their_commands_work() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let doc = kql::rules::yaml::parse(&hooks).unwrap().unwrap();
    let ids: Vec<&str> = doc
        .items()
        .iter()
        .filter_map(|h| h.get("id")?.as_str())
        .collect();
    assert_eq!(ids, ["kql-check", "kql-test"]);
    for h in doc.items() {
        assert_eq!(h.get("language").and_then(|l| l.as_str()), Some("rust"));
    }
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let doc = kql::rules::yaml::parse(&action).unwrap().unwrap();
    assert_eq!(
        doc.get("runs")
            .and_then(|r| r.get("using"))
            .and_then(|u| u.as_str()),
        Some("composite")
    );
    // The hook's entry on a commit that touches no detection: nothing to check, exit 0.
    let dir = folder("hook", &[("README.md", "# Notes\n\nNo queries here.\n")]);
    let (code, _, err) = kql(&["check", "--allow-empty", "README.md"], &dir);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = kql(&["check", "README.md"], &dir);
    assert_eq!(code, 2);
}

#[test]
fn the_window_applies_to_tables_streamed_from_jsonl() {
    // SigninLogs has a built-in schema, so its .jsonl file is streamed: the window's
    // filter runs in the streaming reader with the query's own.
    let mut lines = Vec::new();
    for m in (0..60).step_by(10) {
        lines.push(format!(r#"{{"TimeGenerated": "2026-05-18T11:{m:02}:00Z", "ResultType": "50126", "UserPrincipalName": "a@x"}}"#));
    }
    for _ in 0..5 {
        lines.push(r#"{"TimeGenerated": "2026-05-18T09:00:00Z", "ResultType": "50126", "UserPrincipalName": "b@x"}"#.to_string());
    }
    let data = folder(
        "jsonl",
        &[
            ("SigninLogs.jsonl", &lines.join("\n")),
            ("export.json", ARM),
        ],
    );
    let run = |now: &str| {
        let (code, out, err) = kql(
            &[
                "run",
                "export.json#1",
                "--data",
                ".",
                "--now",
                now,
                "--format",
                "json",
            ],
            &data,
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Json>(&out).unwrap()["rows"].clone()
    };
    assert_eq!(run("2026-05-18T12:00:00Z"), serde_json::json!([["a@x", 6]]));
    assert_eq!(run("2026-05-18T10:00:00Z"), serde_json::json!([["b@x", 5]]));
    assert_eq!(run("2026-05-18T15:00:00Z"), serde_json::json!([]));
}
