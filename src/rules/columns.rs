//! Rule checks that need the query's result schema: every column the rule's fields
//! name (entity identifiers, custom details, alert detail parameters and columns) must
//! be a column of the result, as Sentinel refuses to save a rule otherwise; an entity
//! identifier or a severity taken from a `dynamic` column is suspect (Sentinel reads
//! them as text).

use super::rule::{Rule, RuleKind};
use super::Finding;
use crate::table::Column;
use crate::types::Type;

/// `query_at`: where the query starts in the file (findings about the whole result).
pub fn check(rule: &Rule, result: &[Column], query_at: crate::error::Span) -> Vec<Finding> {
    let mut out = Vec::new();
    // Defender matches impacted asset identifiers to columns without case.
    let ci = rule.kind == RuleKind::Defender;
    let find = |name: &str| {
        result
            .iter()
            .find(|c| c.name == name || (ci && c.name.eq_ignore_ascii_case(name)))
    };
    let missing = |name: &str, field: &str, span, out: &mut Vec<Finding>| {
        let mut f = Finding::error(
            "rule-column",
            format!("`{field}` names the column `{name}`, which the query's result does not have"),
            span,
        );
        if let Some(n) = crate::error::nearest(name, result.iter().map(|c| c.name.as_str())) {
            f = f.hint(format!("did you mean `{n}`?"));
        }
        if result.len() <= 20 {
            let cols: Vec<&str> = result.iter().map(|c| c.name.as_str()).collect();
            f = f.hint(format!("the result's columns: {}", cols.join(", ")));
        }
        out.push(f);
    };
    for c in rule.columns() {
        match find(&c.column) {
            None => missing(&c.column, c.field, c.span, &mut out),
            Some(col) if col.ty == Type::Dynamic && c.field != "alertTacticsColumnName" && c.field != "customDetails" => {
                out.push(Finding::warning(
                    "rule-column-type",
                    format!(
                        "`{}` takes the column `{}`, which is dynamic; Sentinel expects a scalar here (use tostring())",
                        c.field, c.column
                    ),
                    c.span,
                ))
            }
            Some(_) => {}
        }
    }
    for t in rule
        .name_format
        .iter()
        .chain(rule.description_format.iter())
    {
        for (name, span) in t.placeholders() {
            if find(&name).is_none() {
                missing(&name, t.field, span, &mut out);
            }
        }
    }
    if rule.kind == RuleKind::Defender {
        // Custom detection rules: the result needs Timestamp (the alert's time) and
        // should have ReportId (to find the events again); "Required columns in the
        // query results", https://learn.microsoft.com/defender-xdr/custom-detection-rules
        let at = query_at;
        if find("Timestamp").is_none() {
            out.push(Finding::error(
                "rule-column",
                "a custom detection rule's result must have a `Timestamp` column",
                at,
            ));
        }
        if find("ReportId").is_none() {
            out.push(Finding::warning(
                "rule-column",
                "a custom detection rule's result should have a `ReportId` column",
                at,
            ));
        }
    }
    out
}
