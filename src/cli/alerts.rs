//! How `kql run` shows a rule's run: the result rows, then the window the tables were
//! limited to and the alert decision. In `json` the decision is part of the result
//! object (`rule`, `window`, `alert`); with `jsonl` and `csv` standard output keeps
//! the rows alone and the decision goes to standard error.

use kql::io::{write_results, Format};
use kql::rules::rule::{show_duration, Rule};
use kql::rules::run::Outcome;
use serde_json::{json, Value as Json};
use std::io::{self, Write};

fn datetime(t: i64) -> String {
    kql::value::to_kql_string(&kql::Value::DateTime(t))
}

fn rule_json(rule: &Rule) -> Json {
    let mut v = json!({"kind": rule.kind.name()});
    if let Some(n) = &rule.name {
        v["name"] = json!(n);
    }
    if let Some(id) = &rule.id {
        v["id"] = json!(id);
    }
    if let Some(s) = &rule.severity {
        v["severity"] = json!(s);
    }
    if let Some(f) = rule.frequency {
        v["queryFrequency"] = json!(show_duration(f));
    }
    if let Some(p) = rule.window() {
        v["queryPeriod"] = json!(show_duration(p));
    }
    v
}

/// The decision as text, for people.
fn summary(rule: &Rule, outcome: &Outcome) -> String {
    let mut s = format!(
        "rule: {} ({}",
        rule.name.as_deref().unwrap_or("(no name)"),
        rule.kind.name()
    );
    match (rule.frequency, rule.window()) {
        (Some(f), Some(p)) if f > 0 => s.push_str(&format!(
            ", every {} over the last {}",
            show_duration(f),
            show_duration(p)
        )),
        (_, Some(p)) => s.push_str(&format!(", over the last {}", show_duration(p))),
        _ => s.push_str(": no schedule, no alert"),
    }
    s.push_str(")\n");
    if let Some(w) = &outcome.window {
        s.push_str(&format!(
            "window: {} to {} on {}\n",
            datetime(w.from),
            datetime(w.to),
            w.columns.join(" or ")
        ));
    }
    let Some(d) = &outcome.decision else {
        return s;
    };
    s.push_str(&format!(
        "alert: {} ({} row{}, {} {}): {} alert{} ({})\n",
        if d.fired { "fired" } else { "not fired" },
        d.count,
        if d.count == 1 { "" } else { "s" },
        d.operator,
        d.threshold,
        d.alerts.len(),
        if d.alerts.len() == 1 { "" } else { "s" },
        d.grouping
    ));
    for (i, a) in d.alerts.iter().enumerate() {
        s.push_str(&format!("alert {}: {}", i + 1, a.name));
        if let Some(sev) = &a.severity {
            s.push_str(&format!(" [{sev}]"));
        }
        s.push('\n');
        if let Some(desc) = &a.description {
            let first = desc.lines().next().unwrap_or("");
            s.push_str(&format!("  description: {first}\n"));
        }
        for e in &a.entities {
            let ids: Vec<String> = e
                .identifiers
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect();
            s.push_str(&format!("  entity {}: {}\n", e.entity_type, ids.join(", ")));
        }
        for (k, v) in &a.custom_details {
            s.push_str(&format!("  detail {k}: {}\n", Json::from(v.clone())));
        }
    }
    s
}

pub fn write(
    out: &mut dyn Write,
    rule: &Rule,
    outcome: &Outcome,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let mut buf = Vec::new();
            write_results(
                &mut buf,
                &outcome.tables[..outcome.tables.len().min(1)],
                Format::Json,
            )?;
            let mut v: Json = serde_json::from_slice(&buf).unwrap_or_else(|_| json!({}));
            v["rule"] = rule_json(rule);
            if let Some(w) = &outcome.window {
                v["window"] =
                    json!({"from": datetime(w.from), "to": datetime(w.to), "columns": w.columns});
            }
            if let Some(d) = &outcome.decision {
                v["alert"] = serde_json::to_value(d).unwrap_or(Json::Null);
            }
            writeln!(out, "{}", serde_json::to_string(&v).unwrap_or_default())?;
            if outcome.tables.len() > 1 {
                write_results(out, &outcome.tables[1..], Format::Json)?;
            }
            Ok(())
        }
        Format::Table => {
            write_results(out, &outcome.tables, Format::Table)?;
            write!(out, "\n{}", summary(rule, outcome))
        }
        other => {
            write_results(out, &outcome.tables, other)?;
            eprint!("{}", summary(rule, outcome));
            Ok(())
        }
    }
}
