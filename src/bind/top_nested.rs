//! Binding `top-nested` clauses (executed by `exec/top_nested.rs`).

use super::expr::{AggCollector, Ctx};
use super::names::{derived_name, next_column_name};
use super::{Binder, Scope};
use crate::ast::{Expr, ExprKind, SortOrder, TopNestedClause};
use crate::error::{Error, Result, Span};
use crate::exec::top_nested::{Level, TopNested};
use crate::plan::{Plan, PlanKind};
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;
use std::cell::RefCell;
use std::sync::Arc;

impl Binder<'_> {
    pub(crate) fn top_nested(
        &self,
        input: Plan,
        clauses: &[TopNestedClause],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut schema: Vec<Column> = Vec::new();
        let mut levels = Vec::new();
        for c in clauses {
            let count = match &c.count {
                Some(n) => {
                    let b = self.scalar(n, &[], scope)?;
                    if !matches!(b.ty, Type::Int | Type::Long) {
                        return Err(Error::semantic(
                            format!("the top-nested count must be an integer, not {}", b.ty),
                            n.span,
                        ));
                    }
                    Some(b.expr)
                }
                None => None,
            };
            let key = self.scalar(&c.of.expr, &input.schema, scope)?;
            let taken = |schema: &Vec<Column>| -> Vec<String> {
                schema.iter().map(|c| c.name.clone()).collect()
            };
            let key_name = match c.of.names.as_slice() {
                [n] => n.name.clone(),
                [] => derived_name(&c.of.expr).unwrap_or_else(|| next_column_name(&taken(&schema))),
                _ => {
                    return Err(Error::semantic(
                        "a top-nested clause takes one name",
                        c.of.span,
                    ))
                }
            };
            let others = match &c.others {
                Some(e) => {
                    let b = self.scalar(e, &[], scope)?;
                    match b.constant() {
                        Some(v) => Some(v.clone()),
                        None => {
                            return Err(Error::semantic("`with others` takes a constant", e.span))
                        }
                    }
                }
                None => None,
            };
            if !has_aggregate(&c.by.expr) {
                return Err(Error::semantic(
                    "the `by` of a top-nested clause must be an aggregation (sum(x), count(), ...)",
                    c.by.expr.span,
                ));
            }
            let collector = RefCell::new(AggCollector {
                input: &input.schema,
                base: 0,
                aggs: Vec::new(),
                outputs: Vec::new(),
            });
            let rank = self.expr(
                &c.by.expr,
                &Ctx {
                    row: &[],
                    agg: Some(&collector),
                    input_width: 0,
                },
                scope,
            )?;
            let collected = collector.into_inner();
            let rank_name = match c.by.names.as_slice() {
                [n] => n.name.clone(),
                _ => format!("aggregated_{key_name}"),
            };
            for name in [&key_name, &rank_name] {
                if schema.iter().any(|c| &c.name == name) {
                    return Err(Error::semantic(
                        format!("a column named `{name}` is already declared"),
                        c.span,
                    ));
                }
            }
            schema.push(Column::new(key_name, key.ty));
            schema.push(Column::new(rank_name, rank.ty));
            levels.push(Level {
                key: key.expr,
                aggs: collected.aggs,
                rank: rank.expr,
                count,
                others,
                desc: c.order != Some(SortOrder::Asc),
                empty: [Value::null_of(key.ty), Value::null_of(rank.ty)],
            });
        }
        if levels.is_empty() {
            return Err(Error::semantic("top-nested needs a clause", span));
        }
        Ok(Plan {
            schema,
            kind: PlanKind::Custom {
                input: Box::new(input),
                name: "TopNested",
                op: Arc::new(TopNested { levels }),
            },
        })
    }
}

/// Whether `e` calls an aggregate function somewhere.
fn has_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { func, args } => {
            crate::functions::is_aggregate(&func.name)
                || args.iter().any(|a| has_aggregate(&a.value))
        }
        ExprKind::Paren(x) | ExprKind::Unary { expr: x, .. } => has_aggregate(x),
        ExprKind::Binary { lhs, rhs, .. } => has_aggregate(lhs) || has_aggregate(rhs),
        ExprKind::Member { expr, .. } => has_aggregate(expr),
        ExprKind::Index { expr, index } => has_aggregate(expr) || has_aggregate(index),
        _ => false,
    }
}
