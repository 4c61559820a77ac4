//! Defender XDR custom detection rules as Microsoft Graph serves them (the
//! `detectionRule` resource: `queryCondition.queryText`, `schedule.period`,
//! `detectionAction.alertTemplate`):
//! https://learn.microsoft.com/graph/api/resources/security-detectionrule
//!
//! How far back each run looks depends on its frequency (custom detection rules,
//! "Rule frequency": https://learn.microsoft.com/defender-xdr/custom-detection-rules):
//! every 24 hours over 30 days, every 12 hours over 48 hours, every 3 hours over 12
//! hours, every hour over 4 hours; continuous (NRT, period `0`) as events arrive,
//! which kql takes as the minute before the run, as for Sentinel's NRT rules.

use super::rule::{
    ColumnRef, EntityMapping, Grouping, Rule, RuleKind, Template, TriggerOp, NRT_WINDOW,
};
use super::sentinel::{is_technique, span};
use super::yaml::Node;
use super::Finding;
use crate::error::Span;
use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR};

/// Whether a JSON object is a Graph detection rule.
pub fn is_rule(doc: &Node) -> bool {
    doc.get("queryCondition")
        .and_then(|q| q.get("queryText"))
        .and_then(Node::as_str)
        .is_some()
}

/// (period as Graph writes it, how often, how far back).
const PERIODS: &[(&str, i64, i64)] = &[
    ("0", 0, NRT_WINDOW),
    ("1H", TICKS_PER_HOUR, 4 * TICKS_PER_HOUR),
    ("3H", 3 * TICKS_PER_HOUR, 12 * TICKS_PER_HOUR),
    ("12H", 12 * TICKS_PER_HOUR, 48 * TICKS_PER_HOUR),
    ("24H", 24 * TICKS_PER_HOUR, 30 * TICKS_PER_DAY),
];

/// Impacted asset types and the entity each maps to.
const ASSETS: &[(&str, &str)] = &[
    ("#microsoft.graph.security.impactedDeviceAsset", "Device"),
    ("#microsoft.graph.security.impactedUserAsset", "User"),
    ("#microsoft.graph.security.impactedMailboxAsset", "Mailbox"),
];

pub fn read(doc: &Node, at: Span) -> (Rule, Option<&Node>, Vec<Finding>) {
    let mut f = Vec::new();
    let mut rule = Rule::new(RuleKind::Defender);
    // Every result row is an alert (as many as the rows, whatever the count).
    rule.trigger = Some((TriggerOp::Gt, 0));
    rule.grouping = Grouping::AlertPerResult;
    rule.name = doc
        .get("displayName")
        .and_then(Node::as_str)
        .map(str::to_string);
    if rule.name.is_none() {
        f.push(Finding::error(
            "rule-required",
            "the detection rule has no `displayName`",
            at,
        ));
    }
    match doc.get("schedule").and_then(|s| s.get("period")) {
        None => f.push(Finding::error(
            "rule-required",
            "the detection rule has no `schedule.period`",
            at,
        )),
        Some(p) => {
            let s = p.scalar().unwrap_or("");
            match PERIODS
                .iter()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(s))
            {
                Some((_, every, back)) => {
                    rule.frequency = Some(*every);
                    rule.period = Some(*back);
                }
                None => f.push(Finding::error(
                    "rule-schedule",
                    format!(
                        "`schedule.period` must be 0 (continuous), 1H, 3H, 12H or 24H, not `{s}`"
                    ),
                    span(p),
                )),
            }
        }
    }
    let template = doc
        .get("detectionAction")
        .and_then(|d| d.get("alertTemplate"));
    let Some(t) = template else {
        f.push(Finding::error(
            "rule-required",
            "the detection rule has no `detectionAction.alertTemplate`",
            at,
        ));
        return (
            rule,
            doc.get("queryCondition").and_then(|q| q.get("queryText")),
            f,
        );
    };
    if let Some(n) = t.get("title") {
        rule.name_format = Some(Template {
            text: n.scalar().unwrap_or("").to_string(),
            span: span(n),
            field: "alertTemplate.title",
        });
    } else {
        f.push(Finding::error(
            "rule-required",
            "the alert template has no `title`",
            span(t),
        ));
    }
    if let Some(n) = t.get("description") {
        rule.description = n.as_str().map(str::to_string);
        rule.description_format = Some(Template {
            text: n.scalar().unwrap_or("").to_string(),
            span: span(n),
            field: "alertTemplate.description",
        });
    }
    match t.get("severity") {
        None => f.push(Finding::error(
            "rule-required",
            "the alert template has no `severity`",
            span(t),
        )),
        Some(n) => {
            let s = n.scalar().unwrap_or("");
            rule.severity = Some(s.to_string());
            if !["informational", "low", "medium", "high"]
                .contains(&s.to_ascii_lowercase().as_str())
            {
                f.push(Finding::error(
                    "rule-severity",
                    format!("unknown severity `{s}` (informational, low, medium or high)"),
                    span(n),
                ));
            }
        }
    }
    if let Some(c) = t.get("category").and_then(Node::scalar) {
        rule.tactics.push(c.to_string());
    }
    for n in t.get("mitreTechniques").map_or(&[][..], Node::items) {
        let s = n.scalar().unwrap_or("");
        rule.techniques.push(s.to_string());
        if !is_technique(s) {
            f.push(Finding::error(
                "rule-techniques",
                format!("`{s}` is not a MITRE ATT&CK technique id (T1234 or T1234.567)"),
                span(n),
            ));
        }
    }
    for a in t.get("impactedAssets").map_or(&[][..], Node::items) {
        let ty = a.get("@odata.type").and_then(Node::scalar).unwrap_or("");
        let entity = ASSETS
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(ty))
            .map(|(_, e)| *e);
        let Some(entity) = entity else {
            f.push(Finding::error(
                "rule-entities",
                format!("unknown impacted asset type `{ty}` (impactedDeviceAsset, impactedUserAsset or impactedMailboxAsset)"),
                span(a.get("@odata.type").unwrap_or(a)),
            ));
            continue;
        };
        match a.get("identifier") {
            Some(id) => {
                // The identifier names a column in camel case (`deviceId` is DeviceId).
                let col = id.scalar().unwrap_or("");
                let mut chars = col.chars();
                let column = chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default();
                rule.entities.push(EntityMapping {
                    entity_type: entity.to_string(),
                    fields: vec![ColumnRef {
                        key: col.to_string(),
                        column,
                        span: span(id),
                        field: "impactedAssets",
                    }],
                });
            }
            None => f.push(Finding::error(
                "rule-entities",
                "an impacted asset without `identifier`",
                span(a),
            )),
        }
    }
    (
        rule,
        doc.get("queryCondition").and_then(|q| q.get("queryText")),
        f,
    )
}
