//! `scan`: its declared columns, its steps' conditions and assignments, bound over the
//! wide row the executor gives them (see [`crate::exec::sequence`]).

use super::coerce_literal;
use crate::ast::{ColumnDecl, Expr, ExprKind, Ident, ScanStep};
use crate::bind::{Binder, Scope};
use crate::error::{nearest, Code, Error, Result, Span};
use crate::exec::sequence::{ScanOp, ScanStepOp};
use crate::plan::{Plan, PlanKind};
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

impl Binder<'_> {
    pub(super) fn scan_operator(
        &self,
        input: Plan,
        match_id: Option<&Ident>,
        declare: &[(ColumnDecl, Option<Expr>)],
        steps: &[ScanStep],
        scope: &Scope,
    ) -> Result<Plan> {
        // The extended row: the input's columns, then the declared ones.
        let mut row = input.schema.clone();
        let mut defaults: Vec<Value> = row.iter().map(|c| Value::null_of(c.ty)).collect();
        for (c, default) in declare {
            if row.iter().any(|r| r.name == c.name.name) {
                // (Kusto.Language accepts it; what the engine makes of it is not
                // documented.)
                return Err(Error::unsupported(
                    "scan declare of a column the input has",
                    c.name.span,
                ));
            }
            let value = match default {
                None => Value::null_of(c.ty),
                Some(e) => {
                    let b = self.scalar(e, &[], scope)?;
                    let v = b.constant().and_then(|v| coerce_literal(v, b.ty, c.ty));
                    v.ok_or_else(|| {
                        Error::semantic(
                            format!(
                                "the default of `{}` must be a constant {}, not {}",
                                c.name.name, c.ty, b.ty
                            ),
                            e.span,
                        )
                    })?
                }
            };
            row.push(Column::new(c.name.name.clone(), c.ty));
            defaults.push(value);
        }
        let width = row.len();
        // The wide row expressions read: the extended row, then what each step holds,
        // its columns named `step.column` (a step's name followed by a column is read
        // as such a column: see `step_refs`).
        let names: Vec<&str> = steps.iter().map(|s| s.name.name.as_str()).collect();
        for (k, s) in steps.iter().enumerate() {
            if names[..k].contains(&s.name.name.as_str()) {
                return Err(Error::semantic(
                    format!("two steps of `scan` are named `{}`", s.name.name),
                    s.name.span,
                ));
            }
        }
        let mut wide = row.clone();
        for s in steps {
            wide.extend(
                row.iter()
                    .map(|c| Column::new(format!("{}.{}", s.name.name, c.name), c.ty)),
            );
        }
        let mut bound = Vec::with_capacity(steps.len());
        for s in steps {
            let output = match s.output.name.as_str() {
                "last" => return Err(Error::unsupported("scan step output=last", s.output.span)),
                o => o == "all",
            };
            let cond = self.scalar(&step_refs(&s.condition, &names), &wide, scope)?;
            if !matches!(cond.ty, Type::Bool | Type::Dynamic | Type::Unknown) {
                return Err(Error::semantic(
                    format!("a step's condition must be bool, not {}", cond.ty),
                    s.condition.span,
                ));
            }
            let mut assigns = Vec::with_capacity(s.assigns.len());
            for (target, e) in &s.assigns {
                // A declared column, or one of the input's (which Kusto.Language accepts
                // too): the docs' "the corresponding column".
                let col = row.iter().position(|c| c.name == target.name).ok_or_else(|| {
                    let mut err = Error::semantic(
                        format!(
                            "unknown column `{}`: a step assigns a column of its input or one `declare` names",
                            target.name
                        ),
                        target.span,
                    )
                    .with_code(Code::Ks(142));
                    if let Some(n) = nearest(&target.name, row.iter().map(|c| c.name.as_str())) {
                        err = err.with_hint(format!("did you mean `{n}`?"));
                    }
                    err
                })?;
                let mut b = self.scalar(&step_refs(e, &names), &wide, scope)?;
                let ty = row[col].ty;
                if b.ty != ty && b.ty != Type::Unknown {
                    // A value of another type is converted to the column's, as `to<type>`
                    // converts it.
                    b = self.call(&format!("to{}", ty.name()), vec![b], &[e.span], e.span)?;
                }
                assigns.push((col, b.expr));
            }
            bound.push(ScanStepOp {
                condition: cond.expr,
                assigns,
                output,
            });
        }
        let mut schema = row;
        if let Some(id) = match_id {
            if schema.iter().any(|c| c.name == id.name) {
                return Err(Error::semantic(
                    format!("the match id `{}` is already a column", id.name),
                    id.span,
                ));
            }
            schema.push(Column::new(id.name.clone(), Type::Long));
        }
        let mut read = vec![false; wide.len()];
        for st in &bound {
            let exprs = std::iter::once(&st.condition).chain(st.assigns.iter().map(|(_, e)| e));
            for e in exprs {
                e.visit_columns(&mut |i| {
                    if let Some(r) = read.get_mut(i) {
                        *r = true;
                    }
                });
            }
        }
        let op = ScanOp {
            width,
            defaults,
            steps: bound,
            match_id: match_id.is_some(),
            read: (0..read.len()).filter(|&i| read[i]).collect(),
        };
        Ok(Plan {
            kind: PlanKind::Custom {
                input: Box::new(input),
                name: "Scan",
                op: Arc::new(op),
            },
            schema,
        })
    }
}

/// `e` with each `step.column` (a step's name, a dot, a name) made the name of the
/// wide row's column `step.column`.
fn step_refs(e: &Expr, steps: &[&str]) -> Expr {
    let re = |x: &Expr| Box::new(step_refs(x, steps));
    let kind = match &e.kind {
        ExprKind::Member { expr, name } => match &expr.kind {
            ExprKind::Name(step) if steps.contains(&step.name.as_str()) => ExprKind::Name(Ident {
                name: format!("{}.{}", step.name, name.name),
                span: Span::new(step.span.start, name.span.end),
            }),
            _ => ExprKind::Member {
                expr: re(expr),
                name: name.clone(),
            },
        },
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op: *op,
            expr: re(expr),
        },
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: re(lhs),
            rhs: re(rhs),
        },
        ExprKind::List {
            op,
            negated,
            expr,
            list,
        } => ExprKind::List {
            op: *op,
            negated: *negated,
            expr: re(expr),
            list: list.iter().map(|x| step_refs(x, steps)).collect(),
        },
        ExprKind::Between {
            negated,
            expr,
            low,
            high,
        } => ExprKind::Between {
            negated: *negated,
            expr: re(expr),
            low: re(low),
            high: re(high),
        },
        ExprKind::Call { func, args } => ExprKind::Call {
            func: func.clone(),
            args: args
                .iter()
                .map(|a| crate::ast::Arg {
                    name: a.name.clone(),
                    value: step_refs(&a.value, steps),
                })
                .collect(),
        },
        ExprKind::Index { expr, index } => ExprKind::Index {
            expr: re(expr),
            index: re(index),
        },
        ExprKind::Paren(x) => ExprKind::Paren(re(x)),
        other => other.clone(),
    };
    Expr::new(kind, e.span)
}
