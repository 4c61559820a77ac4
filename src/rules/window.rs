//! A scheduled rule's time window: every table its query reads is limited to
//! [now − period, now] on the table's time column before the query sees it, as the
//! time range of Sentinel's scheduled query is ("Handle ingestion delay in scheduled
//! analytics rules": the look-back period is a filter on TimeGenerated,
//! https://learn.microsoft.com/azure/sentinel/ingestion-delay). The query's own
//! `ago()` filters still apply inside the window.
//!
//! The limit is applied to the bound plan, not to the query's text (positions in
//! errors stay those of the user's text): each table scan is wrapped in a filter on
//! its time column. The binder makes every scan through one function, which calls
//! [`TimeWindow::limit_scan`] (see `Session::with_scan_hook`), so scans bound inside
//! subqueries that run while binding (`toscalar`, `in (T)`, `materialize`) are
//! limited too. The filter sits directly over the scan, so the streaming reader still
//! filters rows as it parses them.

use crate::functions::{bind_scalar, ArgInfo};
use crate::plan::{BExpr, Plan, PlanKind};
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// Ticks, both ends included.
    pub from: i64,
    pub to: i64,
    /// The time columns to filter on, in order of preference: the first one a table
    /// has (as a datetime) is used; a table with none is read whole.
    pub columns: Vec<String>,
}

impl TimeWindow {
    /// The window of a run at `now` looking back `period`.
    pub fn ending_at(now: i64, period: i64, columns: &[&str]) -> Self {
        TimeWindow {
            from: now.saturating_sub(period),
            to: now,
            columns: columns.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// The time column of a table with these columns, if any.
    pub fn column_of(&self, schema: &[crate::table::Column]) -> Option<usize> {
        self.columns.iter().find_map(|want| {
            schema
                .iter()
                .position(|c| c.name == *want && c.ty == Type::DateTime)
        })
    }

    /// `scan` limited to the window. Only table scans are limited (rows from
    /// `datatable`, `print` and the like are the query's own); the filtered scan keeps
    /// the table's name for `union withsource`.
    pub fn limit_scan(&self, scan: Plan) -> Plan {
        let PlanKind::Scan { name, .. } = &scan.kind else {
            return scan;
        };
        let Some(col) = self.column_of(&scan.schema) else {
            return scan;
        };
        let name = name.clone();
        let (Some(ge), Some(le)) = (compare(">=", col, self.from), compare("<=", col, self.to))
        else {
            return scan;
        };
        let schema = scan.schema.clone();
        let filtered = Plan {
            schema: schema.clone(),
            kind: PlanKind::Filter {
                input: Box::new(scan),
                pred: BExpr::And(Box::new(ge), Box::new(le)),
            },
        };
        Plan {
            schema,
            kind: PlanKind::Named {
                input: Box::new(filtered),
                name,
            },
        }
    }
}

/// `column <op> datetime(at)`, bound by the function registry as the binder would.
fn compare(op: &str, column: usize, at: i64) -> Option<BExpr> {
    let value = Value::DateTime(at);
    let args = [
        ArgInfo {
            ty: Type::DateTime,
            constant: None,
        },
        ArgInfo {
            ty: Type::DateTime,
            constant: Some(&value),
        },
    ];
    let bound = bind_scalar(op, &args).ok()?;
    let mut exprs = vec![BExpr::Column(column), BExpr::Const(value.clone())];
    if let Some(n) = bound.reads {
        exprs.truncate(n);
    }
    Some(BExpr::Call(Arc::from(bound.imp), exprs))
}
