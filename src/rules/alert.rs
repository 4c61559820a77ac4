//! What a rule's run raises: the alert decision (the result's row count against
//! `triggerOperator`/`triggerThreshold`), how many alerts (one for the run or one per
//! row, `eventGroupingSettings`), and what each alert carries: its entities, custom
//! details and the name and description with `{{Column}}` filled in.
//!
//! How Sentinel builds them (https://learn.microsoft.com/azure/sentinel/detect-threats-custom,
//! "Event grouping"; customize-alert-details; surface-custom-details-in-alerts):
//! - one alert per run summarizes every row: its entities are those of all rows, each
//!   custom detail holds the values of all rows (Sentinel stores a custom detail as an
//!   array), its name and description come from the first row;
//! - one alert per row: entities, details, name and description from that row;
//! - a name or description whose parameter is empty in the row falls back to the rule's
//!   own name or description; an entity identifier whose column is empty is left out,
//!   an entity with no identifier left is dropped; an entity seen twice in one alert
//!   is kept once.

use super::rule::{Grouping, Rule, Template};
use crate::table::Table;
use crate::value::Value;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entity {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub identifiers: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub entities: Vec<Entity>,
    #[serde(rename = "customDetails", skip_serializing_if = "IndexMap::is_empty")]
    pub custom_details: IndexMap<String, Vec<Json>>,
    /// The result rows (0-based) the alert is made of.
    pub rows: Vec<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    /// Rows the query returned.
    pub count: usize,
    #[serde(rename = "triggerOperator")]
    pub operator: &'static str,
    #[serde(rename = "triggerThreshold")]
    pub threshold: i64,
    pub fired: bool,
    #[serde(rename = "aggregationKind")]
    pub grouping: &'static str,
    pub alerts: Vec<Alert>,
}

/// The alerts a run of `rule` raises on its result `table`; `None` for a rule that
/// decides nothing (a hunting query, or a rule whose trigger is not readable).
pub fn decide(rule: &Rule, table: &Table) -> Option<Decision> {
    let (op, threshold) = rule.trigger?;
    let count = table.rows.len();
    let fired = op.holds(count as i64, threshold);
    let groups: Vec<Vec<usize>> = if !fired {
        Vec::new()
    } else {
        match rule.grouping {
            Grouping::SingleAlert => vec![(0..count).collect()],
            Grouping::AlertPerResult => (0..count).map(|i| vec![i]).collect(),
        }
    };
    let alerts = groups
        .into_iter()
        .map(|rows| alert(rule, table, rows))
        .collect();
    Some(Decision {
        count,
        operator: op.name(),
        threshold,
        fired,
        grouping: match rule.grouping {
            Grouping::SingleAlert => "SingleAlert",
            Grouping::AlertPerResult => "AlertPerResult",
        },
        alerts,
    })
}

fn cell<'t>(table: &'t Table, row: usize, column: &str) -> Option<&'t Value> {
    // Defender's identifiers name columns in another case (`deviceId`).
    let i = table.column_index(column).or_else(|| {
        table
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(column))
    })?;
    table.rows.get(row).map(|r| &r[i])
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn alert(rule: &Rule, table: &Table, rows: Vec<usize>) -> Alert {
    let first = rows.first().copied();
    let default_name = rule.name.clone().unwrap_or_default();
    let name = first
        .and_then(|r| rule.name_format.as_ref().and_then(|t| fill(t, table, r)))
        .unwrap_or(default_name);
    let description = first
        .and_then(|r| {
            rule.description_format
                .as_ref()
                .and_then(|t| fill(t, table, r))
        })
        .or_else(|| rule.description.clone());
    let severity = first
        .and_then(|r| {
            let c = rule.severity_column.as_ref()?;
            let v = cell(table, r, &c.column)?;
            let s = crate::value::tostring(v);
            ["Informational", "Low", "Medium", "High"]
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&s))
                .map(|k| k.to_string())
        })
        .or_else(|| rule.severity.clone());
    let mut entities: Vec<Entity> = Vec::new();
    let mut custom_details: IndexMap<String, Vec<Json>> = IndexMap::new();
    for &r in &rows {
        for m in &rule.entities {
            let mut identifiers = IndexMap::new();
            for f in &m.fields {
                if let Some(v) = cell(table, r, &f.column).filter(|v| !is_empty(v)) {
                    identifiers.insert(f.key.clone(), crate::value::to_json(v));
                }
            }
            let e = Entity {
                entity_type: m.entity_type.clone(),
                identifiers,
            };
            if !e.identifiers.is_empty() && !entities.contains(&e) {
                entities.push(e);
            }
        }
        for d in &rule.custom_details {
            if let Some(v) = cell(table, r, &d.column) {
                let vals = custom_details.entry(d.key.clone()).or_default();
                let j = crate::value::to_json(v);
                if !vals.contains(&j) {
                    vals.push(j);
                }
            }
        }
    }
    Alert {
        name,
        description,
        severity,
        entities,
        custom_details,
        rows,
    }
}

/// `t` with each `{{Column}}` replaced by the row's value; `None` when a column is
/// empty in the row or not in the result (the alert keeps the rule's own text).
fn fill(t: &Template, table: &Table, row: usize) -> Option<String> {
    let mut out = String::new();
    let mut rest = t.text.as_str();
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        let inner = &rest[open + 2..open + 2 + close];
        if inner.contains('{') || inner.contains('}') {
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        }
        out.push_str(&rest[..open]);
        let v = cell(table, row, inner.trim()).filter(|v| !is_empty(v))?;
        out.push_str(&crate::value::to_kql_string(v));
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Span;
    use crate::rules::rule::{ColumnRef, EntityMapping, RuleKind, TriggerOp};
    use crate::table::Column;
    use crate::types::Type;

    fn table() -> Table {
        Table::new(
            vec![
                Column::new("User", Type::String),
                Column::new("IP", Type::String),
                Column::new("N", Type::Long),
            ],
            vec![
                vec![Value::str("alice"), Value::str("10.0.0.1"), Value::Long(3)],
                vec![Value::str("bob"), Value::str(""), Value::Long(5)],
                vec![Value::str("alice"), Value::str("10.0.0.1"), Value::Long(7)],
            ],
        )
    }

    fn col(key: &str, column: &str) -> ColumnRef {
        ColumnRef {
            key: key.into(),
            column: column.into(),
            span: Span::new(0, 0),
            field: "entityMappings",
        }
    }

    fn rule(op: TriggerOp, threshold: i64, grouping: Grouping) -> Rule {
        let mut r = Rule::new(RuleKind::Scheduled);
        r.name = Some("Rule".into());
        r.trigger = Some((op, threshold));
        r.grouping = grouping;
        r.entities = vec![
            EntityMapping {
                entity_type: "Account".into(),
                fields: vec![col("Name", "User")],
            },
            EntityMapping {
                entity_type: "IP".into(),
                fields: vec![col("Address", "IP")],
            },
        ];
        r.custom_details = vec![col("Count", "N")];
        r.name_format = Some(Template {
            text: "{{User}} from {{IP}}".into(),
            span: Span::new(0, 0),
            field: "alertDisplayNameFormat",
        });
        r
    }

    #[test]
    fn the_trigger_decides_and_grouping_counts_the_alerts() {
        // (operator, threshold, grouping, fired, alerts)
        let cases = [
            (TriggerOp::Gt, 0, Grouping::SingleAlert, true, 1),
            (TriggerOp::Gt, 3, Grouping::SingleAlert, false, 0),
            (TriggerOp::Lt, 5, Grouping::AlertPerResult, true, 3),
            (TriggerOp::Eq, 3, Grouping::AlertPerResult, true, 3),
            (TriggerOp::Ne, 3, Grouping::SingleAlert, false, 0),
        ];
        for (op, th, g, fired, n) in cases {
            let d = decide(&rule(op, th, g), &table()).unwrap();
            assert_eq!(
                (d.fired, d.alerts.len(), d.count),
                (fired, n, 3),
                "{op:?} {th}"
            );
        }
    }

    #[test]
    fn alerts_carry_entities_details_and_filled_names() {
        let single = decide(&rule(TriggerOp::Gt, 0, Grouping::SingleAlert), &table()).unwrap();
        let a = &single.alerts[0];
        assert_eq!(a.name, "alice from 10.0.0.1");
        let ents: Vec<String> = a
            .entities
            .iter()
            .map(|e| {
                format!(
                    "{}:{}",
                    e.entity_type,
                    serde_json::to_string(&e.identifiers).unwrap()
                )
            })
            .collect();
        assert_eq!(
            ents,
            [
                "Account:{\"Name\":\"alice\"}",
                "IP:{\"Address\":\"10.0.0.1\"}",
                "Account:{\"Name\":\"bob\"}"
            ]
        );
        assert_eq!(
            serde_json::to_string(&a.custom_details).unwrap(),
            "{\"Count\":[3,5,7]}"
        );
        let per = decide(&rule(TriggerOp::Gt, 0, Grouping::AlertPerResult), &table()).unwrap();
        // bob's IP is empty: his alert has no IP entity, and its name falls back.
        assert_eq!(per.alerts[1].name, "Rule");
        assert_eq!(per.alerts[1].entities.len(), 1);
        assert_eq!(per.alerts[1].rows, [1]);
    }
}
