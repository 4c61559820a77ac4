//! Microsoft Sentinel rules: analytics rules and hunting queries as YAML (the form of
//! the Azure-Sentinel repository), and analytics rules in ARM templates (the portal's
//! export, `resources[].properties`). Both spell the same fields, with a few names
//! and values of their own (`name`/`displayName`, `gt`/`GreaterThan`, `1h`/`PT1H`).
//!
//! Reading a rule checks its fields as Sentinel's own CI does, each finding at the
//! field in the file. The field names and limits are those of Sentinel's analytics
//! rule schema and of the repository's template validation:
//! - ARM/REST schema of `alertRules` (fields, operators, durations):
//!   https://learn.microsoft.com/azure/templates/microsoft.securityinsights/alertrules
//! - entity mapping (up to ten entities per rule, up to three identifiers each):
//!   https://learn.microsoft.com/azure/sentinel/map-data-fields-to-entities
//! - entity types and identifiers:
//!   https://learn.microsoft.com/azure/sentinel/entities-reference
//! - custom details (up to 20 per rule):
//!   https://learn.microsoft.com/azure/sentinel/surface-custom-details-in-alerts
//! - alert details override (name up to 256 characters, description up to 5000, up
//!   to three `{{column}}` parameters in each):
//!   https://learn.microsoft.com/azure/sentinel/customize-alert-details
//! - query frequency and period from 5 minutes to 14 days, period not shorter than
//!   frequency, threshold 0 to 10000, query up to 10000 characters, name up to 256 and
//!   description up to 5000 characters, custom detail keys of up to 20 letters, digits
//!   and `_` starting with a letter: Azure-Sentinel's template validation
//!   (`.script/tests/detectionTemplateSchemaValidation`) and
//!   https://learn.microsoft.com/azure/sentinel/detect-threats-custom

use super::rule::{
    parse_duration, ColumnRef, EntityMapping, Grouping, Rule, RuleKind, Template, TriggerOp,
};
use super::yaml::Node;
use super::Finding;
use crate::error::Span;
use crate::value::{TICKS_PER_DAY, TICKS_PER_MINUTE};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// A YAML template (Azure-Sentinel's `Analytic Rules/*.yaml`, `Hunting Queries/*.yaml`).
    Yaml,
    /// An ARM template resource's `properties`.
    Arm,
}

pub const MAX_ENTITY_MAPPINGS: usize = 10;
pub const MAX_IDENTIFIERS: usize = 3;
pub const MAX_CUSTOM_DETAILS: usize = 20;
pub const MAX_PLACEHOLDERS: usize = 3;

/// Known tactics (MITRE ATT&CK, as Sentinel names them, and ICS's two).
pub const TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// An entity type, its identifiers, and the identifier sets one of which an entity
/// must have.
pub type EntityType = (
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
);

/// Entity types and their identifiers (entities-reference; the template validation's
/// required identifiers).
pub const ENTITIES: &[EntityType] = &[
    (
        "Account",
        &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
        ],
        &[
            &["FullName"],
            &["Sid"],
            &["Name"],
            &["AadUserId"],
            &["PUID"],
            &["ObjectGuid"],
        ],
    ),
    ("AzureResource", &["ResourceId"], &[&["ResourceId"]]),
    (
        "CloudApplication",
        &["AppId", "Name", "InstanceName"],
        &[&["AppId"], &["Name"]],
    ),
    ("DNS", &["DomainName"], &[&["DomainName"]]),
    ("File", &["Directory", "Name"], &[&["Name"]]),
    (
        "FileHash",
        &["Algorithm", "Value"],
        &[&["Algorithm", "Value"]],
    ),
    (
        "Host",
        &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        &[
            &["FullName"],
            &["HostName"],
            &["NetBiosName"],
            &["AzureID"],
            &["OMSAgentID"],
        ],
    ),
    (
        "IoTDevice",
        &[
            "DeviceId",
            "DeviceName",
            "Manufacturer",
            "Model",
            "FirmwareVersion",
            "OperatingSystem",
            "MacAddress",
            "Protocols",
            "SerialNumber",
            "Source",
            "IoTSecurityAgentId",
            "DeviceType",
        ],
        &[&["DeviceId"]],
    ),
    ("IP", &["Address"], &[&["Address"]]),
    (
        "Mailbox",
        &[
            "MailboxPrimaryAddress",
            "DisplayName",
            "Upn",
            "ExternalDirectoryObjectId",
            "RiskLevel",
        ],
        &[&["MailboxPrimaryAddress"]],
    ),
    (
        "MailCluster",
        &[
            "NetworkMessageIds",
            "CountByDeliveryStatus",
            "CountByThreatType",
            "CountByProtectionStatus",
            "Threats",
            "Query",
            "QueryTime",
            "MailCount",
            "IsVolumeAnomaly",
            "Source",
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
        &[&["Query"], &["Source"]],
    ),
    (
        "MailMessage",
        &[
            "Recipient",
            "Urls",
            "Threats",
            "Sender",
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "SenderIP",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "ReceivedDate",
            "NetworkMessageId",
            "InternetMessageId",
            "Subject",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "AntispamDirection",
            "DeliveryAction",
            "DeliveryLocation",
            "Language",
            "ThreatDetectionMethods",
        ],
        &[&["NetworkMessageId"], &["Recipient"]],
    ),
    ("Malware", &["Name", "Category"], &[&["Name"]]),
    (
        "Process",
        &[
            "ProcessId",
            "CommandLine",
            "ElevationToken",
            "CreationTimeUtc",
        ],
        &[&["CommandLine"], &["ProcessId"]],
    ),
    ("RegistryKey", &["Hive", "Key"], &[&["Key"], &["Hive"]]),
    (
        "RegistryValue",
        &["Name", "Value", "ValueType"],
        &[&["Name"]],
    ),
    (
        "SecurityGroup",
        &["DistinguishedName", "SID", "ObjectGuid"],
        &[&["DistinguishedName"], &["SID"], &["ObjectGuid"]],
    ),
    (
        "SubmissionMail",
        &[
            "NetworkMessageId",
            "Timestamp",
            "Recipient",
            "Sender",
            "SenderIp",
            "Subject",
            "ReportType",
            "SubmissionId",
            "SubmissionDate",
            "Submitter",
        ],
        &[
            &["SubmissionId"],
            &["NetworkMessageId"],
            &["Recipient"],
            &["Submitter"],
        ],
    ),
    ("URL", &["Url"], &[&["Url"]]),
];

pub fn span(n: &Node) -> Span {
    let r = n.span();
    Span::new(r.start, r.end)
}

/// An ARM template expression (`[parameters('x')]`): its value is known only at deployment.
fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn is_technique(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.first() == Some(&b'T')
        && digits(1..5)
        && (b.len() == 5 || (b.len() == 9 && b[5] == b'.' && digits(6..9)))
}

/// Whether a YAML mapping looks like a Sentinel rule or hunting query: a string
/// `query` and a name or an id.
pub fn is_rule(doc: &Node) -> bool {
    doc.get("query").and_then(Node::as_str).is_some()
        && (doc.get("name").is_some() || doc.get("id").is_some())
}

/// Reads one rule: the rule, the node of its query, and the findings about its fields.
/// `at` is where a finding about the whole rule points (a missing field).
pub fn read<'a>(
    props: &'a Node,
    kind_node: Option<&'a Node>,
    dialect: Dialect,
    at: Span,
) -> (Rule, Option<&'a Node>, Vec<Finding>) {
    let mut f = Vec::new();
    let text = |k: &str| props.get(k).and_then(Node::as_str);
    // The kind: `kind:` in YAML, the resource's `kind` in ARM; hunting queries have none.
    let scheduling = [
        "queryFrequency",
        "queryPeriod",
        "triggerOperator",
        "triggerThreshold",
    ];
    let kind = match kind_node {
        Some(k) => match k.as_str() {
            Some(s) if s.eq_ignore_ascii_case("Scheduled") => RuleKind::Scheduled,
            Some(s) if s.eq_ignore_ascii_case("NRT") => RuleKind::Nrt,
            Some(s) if is_expression(s) => RuleKind::Scheduled,
            other => {
                let s = other.unwrap_or("");
                let mut e = Finding::error(
                    "rule-kind",
                    format!("unknown rule kind `{s}`: a rule with a query is `Scheduled` or `NRT`"),
                    span(k),
                );
                if let Some(n) = crate::error::nearest(s, ["Scheduled", "NRT"]) {
                    e = e.hint(format!("did you mean `{n}`?"));
                }
                f.push(e);
                RuleKind::Scheduled
            }
        },
        None if dialect == Dialect::Yaml && scheduling.iter().all(|k| props.get(k).is_none()) => {
            RuleKind::Hunting
        }
        None => {
            if dialect == Dialect::Yaml {
                f.push(Finding::warning(
                    "rule-required",
                    "the rule has no `kind` (taken as `Scheduled`)",
                    at,
                ));
            }
            RuleKind::Scheduled
        }
    };
    let mut rule = Rule::new(kind);
    let name_key = if dialect == Dialect::Yaml {
        "name"
    } else {
        "displayName"
    };

    // Required fields.
    let mut required: Vec<&str> = Vec::new();
    if dialect == Dialect::Yaml {
        required.push("id");
    }
    required.extend([name_key, "query"]);
    if kind != RuleKind::Hunting {
        required.push("severity");
    }
    if kind == RuleKind::Scheduled {
        required.extend(scheduling);
    }
    for k in &required {
        if props.get(k).is_none_or(Node::is_null) {
            f.push(Finding::error(
                "rule-required",
                format!("the {} has no `{k}`", describe(kind)),
                at,
            ));
        }
    }
    if kind != RuleKind::Hunting && props.get("description").is_none() {
        f.push(Finding::warning(
            "rule-required",
            format!("the {} has no `description`", describe(kind)),
            at,
        ));
    }

    if let Some(id) = props.get("id") {
        let s = id.scalar().unwrap_or("");
        rule.id = Some(s.to_string());
        if !is_guid(s) {
            f.push(Finding::error(
                "rule-id",
                format!("`id` must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not `{s}`"),
                span(id),
            ));
        }
    }
    rule.name = text(name_key).map(str::to_string);
    rule.description = text("description").map(str::to_string);
    for (key, max) in [(name_key, 256), ("description", 5000), ("query", 10_000)] {
        if let Some(n) = props.get(key) {
            let len = n.scalar().map_or(0, |s| s.chars().count());
            if len > max {
                f.push(Finding::error(
                    "rule-length",
                    format!("`{key}` is {len} characters long; Sentinel allows {max}"),
                    span(n),
                ));
            }
        }
    }

    if let Some(n) = props.get("severity") {
        let s = n.scalar().unwrap_or("");
        rule.severity = Some(s.to_string());
        let known = ["Informational", "Low", "Medium", "High"];
        if !is_expression(s) && !known.iter().any(|k| k.eq_ignore_ascii_case(s)) {
            let mut e = Finding::error(
                "rule-severity",
                format!("unknown severity `{s}` (Informational, Low, Medium or High)"),
                span(n),
            );
            if let Some(k) = crate::error::nearest(s, known) {
                e = e.hint(format!("did you mean `{k}`?"));
            }
            f.push(e);
        }
    }

    // Schedule.
    let duration = |key: &str, f: &mut Vec<Finding>| -> Option<i64> {
        let n = props.get(key)?;
        let s = n.scalar().unwrap_or("");
        if is_expression(s) {
            return None;
        }
        match parse_duration(s) {
            Some(t) if (5 * TICKS_PER_MINUTE..=14 * TICKS_PER_DAY).contains(&t) => Some(t),
            Some(t) => {
                f.push(Finding::error(
                    "rule-schedule",
                    format!(
                        "`{key}` is {}; Sentinel allows 5 minutes to 14 days",
                        super::rule::show_duration(t)
                    ),
                    span(n),
                ));
                Some(t)
            }
            None => {
                f.push(Finding::error(
                    "rule-schedule",
                    format!(
                        "`{key}` is not a duration: `{s}` (write e.g. `5m`, `1h`, `14d` or `PT1H`)"
                    ),
                    span(n),
                ));
                None
            }
        }
    };
    if kind != RuleKind::Hunting {
        rule.frequency = duration("queryFrequency", &mut f);
        rule.period = duration("queryPeriod", &mut f);
    }
    if let (Some(fr), Some(p), Some(n)) = (rule.frequency, rule.period, props.get("queryPeriod")) {
        if p < fr {
            f.push(Finding::error(
                "rule-schedule",
                format!(
                    "`queryPeriod` ({}) is shorter than `queryFrequency` ({}): events between runs are never looked at",
                    super::rule::show_duration(p),
                    super::rule::show_duration(fr)
                ),
                span(n),
            ));
        }
    }

    // Trigger.
    let op = props.get("triggerOperator").and_then(|n| {
        let s = n.scalar().unwrap_or("");
        let op = match s.to_ascii_lowercase().as_str() {
            "gt" | "greaterthan" => Some(TriggerOp::Gt),
            "lt" | "lessthan" => Some(TriggerOp::Lt),
            "eq" | "equal" => Some(TriggerOp::Eq),
            "ne" | "notequal" => Some(TriggerOp::Ne),
            _ => None,
        };
        if op.is_none() && !is_expression(s) {
            f.push(Finding::error(
                "rule-trigger",
                format!("unknown `triggerOperator` `{s}` (gt, lt, eq or ne; in ARM GreaterThan, LessThan, Equal or NotEqual)"),
                span(n),
            ));
        }
        op
    });
    let threshold = props.get("triggerThreshold").and_then(|n| {
        let s = n.scalar().unwrap_or("");
        match s.parse::<i64>() {
            Ok(t) if (0..=10_000).contains(&t) => Some(t),
            _ if is_expression(s) => None,
            r => {
                f.push(Finding::error(
                    "rule-trigger",
                    format!("`triggerThreshold` must be a whole number from 0 to 10000, not `{s}`"),
                    span(n),
                ));
                r.ok()
            }
        }
    });
    rule.trigger = match kind {
        RuleKind::Hunting => None,
        // NRT rules alert on any result.
        RuleKind::Nrt => Some((op.unwrap_or(TriggerOp::Gt), threshold.unwrap_or(0))),
        _ => op.zip(threshold),
    };

    if let Some(g) = props.get("eventGroupingSettings") {
        match g.get("aggregationKind").and_then(Node::scalar) {
            Some("SingleAlert") => rule.grouping = Grouping::SingleAlert,
            Some("AlertPerResult") => rule.grouping = Grouping::AlertPerResult,
            other => f.push(Finding::error(
                "rule-grouping",
                format!(
                    "`eventGroupingSettings.aggregationKind` must be `SingleAlert` or `AlertPerResult`, not `{}`",
                    other.unwrap_or("")
                ),
                span(g.get("aggregationKind").unwrap_or(g)),
            )),
        }
    }

    read_entities(props, &mut rule, &mut f);
    read_custom_details(props, &mut rule, &mut f);
    read_overrides(props, &mut rule, &mut f);

    // Tactics and techniques.
    if let Some(t) = props.get("tactics") {
        for n in list(t, "tactics", &mut f) {
            let s = n.scalar().unwrap_or("");
            rule.tactics.push(s.to_string());
            if !TACTICS.contains(&s) && !is_expression(s) {
                let mut e =
                    Finding::error("rule-tactics", format!("unknown tactic `{s}`"), span(n));
                if let Some(k) = crate::error::nearest(s, TACTICS.iter().copied()) {
                    e = e.hint(format!("did you mean `{k}`?"));
                }
                f.push(e);
            }
        }
    }
    let tech_keys: &[&str] = if dialect == Dialect::Yaml {
        &["relevantTechniques"]
    } else {
        &["techniques", "subTechniques"]
    };
    for key in tech_keys {
        if let Some(t) = props.get(key) {
            for n in list(t, key, &mut f) {
                let s = n.scalar().unwrap_or("");
                rule.techniques.push(s.to_string());
                if !is_technique(s) && !is_expression(s) {
                    f.push(Finding::error(
                        "rule-techniques",
                        format!("`{s}` is not a MITRE ATT&CK technique id (T1234 or T1234.567)"),
                        span(n),
                    ));
                }
            }
        }
    }
    (rule, props.get("query"), f)
}

fn describe(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Hunting => "hunting query",
        RuleKind::Nrt => "NRT rule",
        _ => "analytics rule",
    }
}

/// The items of a sequence; a finding when the node is something else.
fn list<'a>(n: &'a Node, key: &str, f: &mut Vec<Finding>) -> &'a [Node] {
    if !n.is_seq() && !n.is_null() {
        f.push(Finding::error(
            "rule-field",
            format!("`{key}` must be a list"),
            span(n),
        ));
    }
    n.items()
}

fn column_ref(key: &str, n: &Node, field: &'static str) -> ColumnRef {
    ColumnRef {
        key: key.to_string(),
        column: n.scalar().unwrap_or("").to_string(),
        span: span(n),
        field,
    }
}

fn read_entities(props: &Node, rule: &mut Rule, f: &mut Vec<Finding>) {
    let Some(em) = props.get("entityMappings") else {
        return;
    };
    let items = list(em, "entityMappings", f);
    if items.is_empty() && em.is_seq() {
        f.push(Finding::error(
            "rule-entities",
            "`entityMappings` is empty (leave it out, or map at least one entity)",
            span(em),
        ));
    }
    if items.len() > MAX_ENTITY_MAPPINGS {
        f.push(Finding::error(
            "rule-entities",
            format!(
                "{} entity mappings; Sentinel allows {MAX_ENTITY_MAPPINGS} per rule",
                items.len()
            ),
            span(&items[MAX_ENTITY_MAPPINGS]),
        ));
    }
    for m in items {
        let ty_node = m.get("entityType");
        let ty = ty_node.and_then(Node::scalar).unwrap_or("");
        // Sentinel takes entity types and identifiers in any case (`ResourceID`).
        let known = ENTITIES.iter().find(|(t, _, _)| t.eq_ignore_ascii_case(ty));
        match (ty_node, known) {
            (None, _) => f.push(Finding::error(
                "rule-entities",
                "an entity mapping without `entityType`",
                span(m),
            )),
            (Some(n), None) => {
                let mut e = Finding::error(
                    "rule-entities",
                    format!("unknown entity type `{ty}`"),
                    span(n),
                );
                if let Some(k) = crate::error::nearest(ty, ENTITIES.iter().map(|(t, _, _)| *t)) {
                    e = e.hint(format!("did you mean `{k}`?"));
                }
                f.push(e);
            }
            _ => {}
        }
        let mut mapping = EntityMapping {
            entity_type: ty.to_string(),
            fields: Vec::new(),
        };
        let fields = m
            .get("fieldMappings")
            .map_or(&[][..], |n| list(n, "fieldMappings", f));
        if fields.is_empty() {
            f.push(Finding::error(
                "rule-entities",
                format!("the `{ty}` entity mapping has no `fieldMappings`"),
                span(m),
            ));
        }
        if fields.len() > MAX_IDENTIFIERS {
            f.push(Finding::error(
                "rule-entities",
                format!(
                    "{} identifiers for one `{ty}` entity; Sentinel allows {MAX_IDENTIFIERS}",
                    fields.len()
                ),
                span(&fields[MAX_IDENTIFIERS]),
            ));
        }
        let mut unknown_identifier = false;
        for fm in fields {
            let id_node = fm.get("identifier");
            let id = id_node.and_then(Node::scalar).unwrap_or("");
            if let (Some((_, ids, _)), Some(n)) = (known, id_node) {
                if !ids.iter().any(|i| i.eq_ignore_ascii_case(id)) {
                    unknown_identifier = true;
                    let mut e = Finding::error(
                        "rule-entities",
                        format!(
                            "`{id}` is not an identifier of `{ty}` entities ({})",
                            ids.join(", ")
                        ),
                        span(n),
                    );
                    if let Some(k) = crate::error::nearest(id, ids.iter().copied()) {
                        e = e.hint(format!("did you mean `{k}`?"));
                    }
                    f.push(e);
                }
            }
            if mapping
                .fields
                .iter()
                .any(|c| c.key.eq_ignore_ascii_case(id))
            {
                f.push(Finding::error(
                    "rule-entities",
                    format!("identifier `{id}` is mapped twice in one entity"),
                    span(id_node.unwrap_or(fm)),
                ));
            }
            match fm.get("columnName") {
                Some(c) if c.as_str().is_some() => {
                    mapping.fields.push(column_ref(id, c, "entityMappings"))
                }
                _ => f.push(Finding::error(
                    "rule-entities",
                    "a field mapping without `columnName`",
                    span(fm),
                )),
            }
        }
        if let Some((_, _, needed)) = known {
            let have: Vec<String> = mapping
                .fields
                .iter()
                .map(|c| c.key.to_ascii_lowercase())
                .collect();
            if !mapping.fields.is_empty()
                && !unknown_identifier
                && !needed
                    .iter()
                    .any(|set| set.iter().all(|i| have.contains(&i.to_ascii_lowercase())))
            {
                let sets: Vec<String> = needed.iter().map(|s| s.join("+")).collect();
                f.push(Finding::error(
                    "rule-entities",
                    format!(
                        "the `{ty}` entity needs one of these identifiers: {}",
                        sets.join(", ")
                    ),
                    span(m),
                ));
            }
        }
        rule.entities.push(mapping);
    }
}

fn read_custom_details(props: &Node, rule: &mut Rule, f: &mut Vec<Finding>) {
    let Some(cd) = props.get("customDetails") else {
        return;
    };
    if !cd.is_map() && !cd.is_null() {
        f.push(Finding::error(
            "rule-custom-details",
            "`customDetails` must be a mapping of names to columns",
            span(cd),
        ));
        return;
    }
    let entries = cd.entries();
    if entries.len() > MAX_CUSTOM_DETAILS {
        f.push(Finding::error(
            "rule-custom-details",
            format!(
                "{} custom details; Sentinel allows {MAX_CUSTOM_DETAILS} per rule",
                entries.len()
            ),
            span(&entries[MAX_CUSTOM_DETAILS].0),
        ));
    }
    let word = |s: &str, first_underscore: bool| {
        let mut cs = s.chars();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || (first_underscore && c == '_'))
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    for (k, v) in entries {
        let key = k.scalar().unwrap_or("");
        if !word(key, false) || key.len() > 20 {
            f.push(Finding::error(
                "rule-custom-details",
                format!("custom detail name `{key}`: up to 20 letters, digits and `_`, starting with a letter"),
                span(k),
            ));
        }
        let col = v.scalar().unwrap_or("");
        if !word(col, true) || col.len() > 500 {
            f.push(Finding::error(
                "rule-custom-details",
                format!("custom detail `{key}`: `{col}` is not a column name"),
                span(v),
            ));
        }
        rule.custom_details
            .push(column_ref(key, v, "customDetails"));
    }
}

fn read_overrides(props: &Node, rule: &mut Rule, f: &mut Vec<Finding>) {
    let Some(o) = props.get("alertDetailsOverride") else {
        return;
    };
    for (key, max) in [
        ("alertDisplayNameFormat", 256),
        ("alertDescriptionFormat", 5000),
    ] {
        let Some(n) = o.get(key) else { continue };
        let text = n.scalar().unwrap_or("");
        let field: &'static str = if max == 256 {
            "alertDisplayNameFormat"
        } else {
            "alertDescriptionFormat"
        };
        let t = Template {
            text: text.to_string(),
            span: span(n),
            field,
        };
        let len = text.chars().count();
        if len == 0 || len > max {
            f.push(Finding::error(
                "rule-alert-details",
                format!("`{key}` is {len} characters long; Sentinel allows 1 to {max}"),
                span(n),
            ));
        }
        let n_ph = t.placeholders().len();
        if n_ph > MAX_PLACEHOLDERS {
            f.push(Finding::error(
                "rule-alert-details",
                format!("`{key}` has {n_ph} parameters; Sentinel allows {MAX_PLACEHOLDERS}"),
                span(n),
            ));
        }
        if max == 256 {
            rule.name_format = Some(t);
        } else {
            rule.description_format = Some(t);
        }
    }
    if let Some(n) = o.get("alertSeverityColumnName") {
        rule.severity_column = Some(column_ref("severity", n, "alertSeverityColumnName"));
    }
    if let Some(n) = o.get("alertTacticsColumnName") {
        rule.tactics_column = Some(column_ref("tactics", n, "alertTacticsColumnName"));
    }
    if let Some(d) = o.get("alertDynamicProperties") {
        for p in list(d, "alertDynamicProperties", f) {
            match (
                p.get("alertProperty").and_then(Node::scalar),
                p.get("value"),
            ) {
                (Some(prop), Some(v)) => {
                    rule.dynamic_properties
                        .push(column_ref(prop, v, "alertDynamicProperties"))
                }
                _ => f.push(Finding::error(
                    "rule-alert-details",
                    "an alert dynamic property needs `alertProperty` and `value`",
                    span(p),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_techniques() {
        assert!(is_guid("0d5e24ae-5a51-4f1e-9a3b-0c1d2e3f4a5b"));
        assert!(!is_guid("0d5e24ae-5a51-4f1e-9a3b-0c1d2e3f4a5"));
        assert!(!is_guid("rule-1"));
        assert!(is_technique("T1078"));
        assert!(is_technique("T1078.004"));
        assert!(!is_technique("T107"));
        assert!(!is_technique("1078"));
        assert!(!is_technique("T1078.4"));
    }
}
