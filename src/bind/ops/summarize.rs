//! `summarize` and `make-series`: grouping and aggregation.

use super::*;

impl Binder<'_> {
    pub(crate) fn summarize(
        &self,
        input: Plan,
        aggregates: &[NamedExpr],
        by: &[NamedExpr],
        scope: &Scope,
    ) -> Result<Plan> {
        let mut schema: Vec<Column> = Vec::new();
        let mut keys = Vec::new();
        let mut listed: Vec<String> = Vec::new();
        for item in by {
            let b = self.scalar(&item.expr, &input.schema, scope);
            let b = self.recover(b, || unknown(item.expr.span))?;
            no_dynamic_key(b.ty, item.expr.span)?;
            let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
            let name = match item.names.as_slice() {
                [n] => {
                    check_new_name(&schema, &n.name, n.span)?;
                    n.name.clone()
                }
                // A column listed twice is an error (Kusto.Language KS171); a name
                // derived from an expression takes the next free number instead.
                [] => match derived_name(&item.expr) {
                    Some(n) if matches!(item.expr.kind, ExprKind::Name(_)) => {
                        check_new_name_in(&listed, &n, item.span)?;
                        listed.push(n.clone());
                        unique(&n, &taken)
                    }
                    Some(n) => unique(&n, &taken),
                    None => next_column_name(&taken),
                },
                _ => return Err(several_names(item)),
            };
            schema.push(Column::new(name, b.ty));
            keys.push(b.expr);
        }
        let nkeys = keys.len();
        let input_schema = input.schema.clone();
        let collector = RefCell::new(AggCollector {
            input: &input_schema,
            base: nkeys,
            aggs: Vec::new(),
            outputs: Vec::new(),
        });
        // Final expressions over [keys, raw aggregate outputs]; None while every item is
        // a plain aggregate call (then the raw outputs are the result).
        let mut finals: Vec<(String, Bound, bool)> = Vec::new();
        for item in aggregates {
            let direct = match &item.expr.kind {
                ExprKind::Call { func, args }
                    if functions::aggregates_here(&func.name, args.len(), true) =>
                {
                    Some((func, args))
                }
                _ => None,
            };
            let taken = |finals: &Vec<(String, Bound, bool)>| -> Vec<String> {
                schema
                    .iter()
                    .map(|c| c.name.clone())
                    .chain(finals.iter().map(|f| f.0.clone()))
                    .collect()
            };
            if let Some((func, args)) = direct {
                let keys: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
                let bound =
                    self.aggregate_skipping(func, args, item.span, &input_schema, &keys, scope);
                let (agg, outputs) = self.recover(bound, unknown_aggregate)?;
                let mut c = collector.borrow_mut();
                let first_slot = c.base + c.outputs.len();
                c.aggs.push(agg);
                let multi = matches!(
                    func.name.as_str(),
                    "arg_max" | "arg_min" | "take_any" | "argmax" | "argmin"
                );
                let names: Vec<String> = if outputs.len() == 1 && !multi {
                    match item.names.as_slice() {
                        [n] => vec![n.name.clone()],
                        _ => {
                            vec![aggregate_name(&func.name, args, &input_schema).unwrap_or_default()]
                        }
                    }
                } else {
                    multi_output_names(func, args, &item.names, &input_schema, &keys)
                };
                for (k, ty) in outputs.iter().enumerate() {
                    c.outputs.push(*ty);
                    let raw = names.get(k).cloned().unwrap_or_default();
                    let t = taken(&finals);
                    // A name the user wrote must be free; names that come from `*`
                    // take the next free number.
                    let explicit = k < item.names.len();
                    let name = if raw.is_empty() {
                        next_column_name(&t)
                    } else if explicit {
                        check_new_name_in(&t, &raw, item.span)?;
                        raw
                    } else {
                        unique(&raw, &t)
                    };
                    finals.push((
                        name,
                        Bound {
                            expr: BExpr::Column(first_slot + k),
                            ty: *ty,
                        },
                        true,
                    ));
                }
            } else {
                let mid: Vec<Column> = schema.clone();
                let cx = Ctx {
                    row: &mid,
                    agg: Some(&collector),
                    input_width: mid.len(),
                };
                let b = self.expr(&item.expr, &cx, scope)?;
                let t = taken(&finals);
                let name = match item.names.as_slice() {
                    [n] => {
                        check_new_name_in(&t, &n.name, n.span)?;
                        n.name.clone()
                    }
                    _ => match summary_name(&item.expr, &input_schema) {
                        Some(n) => unique(&n, &t),
                        None => next_column_name(&t),
                    },
                };
                finals.push((name, b, false));
            }
        }
        let c = collector.into_inner();
        let all_direct = finals.iter().all(|f| f.2);
        let mut out_schema = schema.clone();
        for (name, b, _) in &finals {
            out_schema.push(Column::new(name.clone(), b.ty));
        }
        let summarize = Plan {
            schema: if all_direct {
                out_schema.clone()
            } else {
                let mut s = schema.clone();
                s.extend(c.outputs.iter().map(|t| Column::new("", *t)));
                s
            },
            kind: PlanKind::Summarize {
                input: Box::new(input),
                keys,
                aggs: c.aggs,
            },
        };
        if all_direct {
            return Ok(summarize);
        }
        let mut exprs: Vec<BExpr> = (0..nkeys).map(BExpr::Column).collect();
        exprs.extend(finals.into_iter().map(|f| f.1.expr));
        Ok(Plan {
            schema: out_schema,
            kind: PlanKind::Project {
                input: Box::new(summarize),
                exprs,
            },
        })
    }
}

/// The parts of a `make-series` operator.
pub(super) struct MakeSeriesAst<'a> {
    pub(super) aggregates: &'a [NamedExpr],
    pub(super) defaults: &'a [Option<Expr>],
    pub(super) axis: &'a Expr,
    pub(super) from: Option<&'a Expr>,
    pub(super) to: Option<&'a Expr>,
    pub(super) step: &'a Expr,
    pub(super) by: &'a [NamedExpr],
}

impl Binder<'_> {
    pub(super) fn make_series(
        &self,
        input: Plan,
        ms: MakeSeriesAst,
        nonempty: bool,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut schema: Vec<Column> = Vec::new();
        let mut keys = Vec::new();
        for item in ms.by {
            let b = self.scalar(&item.expr, &input.schema, scope)?;
            let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
            let name = match item.names.as_slice() {
                [n] => n.name.clone(),
                _ => derived_name(&item.expr)
                    .map(|n| unique(&n, &taken))
                    .unwrap_or_else(|| next_column_name(&taken)),
            };
            schema.push(Column::new(name, b.ty));
            keys.push(b.expr);
        }
        let mut aggs = Vec::new();
        let mut defaults = Vec::new();
        for (item, default) in ms.aggregates.iter().zip(ms.defaults) {
            let ExprKind::Call { func, args } = &item.expr.kind else {
                return Err(Error::unsupported(
                    "make-series of an expression over aggregates",
                    item.span,
                ));
            };
            let (agg, outputs) = self.aggregate(func, args, item.span, &input.schema, scope)?;
            let [ty] = outputs.as_slice() else {
                return Err(Error::semantic(
                    format!(
                        "`{}` gives several columns, not allowed in make-series",
                        func.name
                    ),
                    item.span,
                ));
            };
            let d = match default {
                Some(e) => {
                    let b = self.scalar(e, &[], scope)?;
                    match b.constant() {
                        Some(v) => series_value(v.clone(), *ty),
                        None => {
                            return Err(Error::semantic("`default` must be a constant", e.span))
                        }
                    }
                }
                None => series_value(Value::Long(0), *ty),
            };
            let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
            let name = match item.names.as_slice() {
                [n] => n.name.clone(),
                _ => unique(
                    &aggregate_name(&func.name, args, &input.schema).unwrap_or_default(),
                    &taken,
                ),
            };
            schema.push(Column::new(name, Type::Dynamic));
            aggs.push(agg);
            defaults.push(d);
        }
        let axis = self.scalar(ms.axis, &input.schema, scope)?;
        if !matches!(
            axis.ty,
            Type::DateTime | Type::TimeSpan | Type::Long | Type::Int | Type::Real | Type::Decimal
        ) {
            return Err(Error::semantic(
                format!(
                    "the make-series axis must be numeric, datetime or timespan, not {}",
                    axis.ty
                ),
                ms.axis.span,
            ));
        }
        let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
        let axis_name = derived_name(ms.axis).unwrap_or_else(|| next_column_name(&taken));
        schema.push(Column::new(axis_name, Type::Dynamic));
        let bound = |e: Option<&Expr>| -> Result<Option<BExpr>> {
            e.map(|e| self.scalar(e, &[], scope).map(|b| b.expr))
                .transpose()
        };
        let step = self.scalar(ms.step, &[], scope)?.expr;
        Ok(Plan {
            schema,
            kind: PlanKind::MakeSeries {
                input: Box::new(input),
                keys,
                aggs,
                defaults,
                axis: axis.expr,
                from: bound(ms.from)?,
                to: bound(ms.to)?,
                step,
                nonempty,
            },
        })
    }
}

/// A series element: numbers take the aggregate's numeric type.
fn series_value(v: Value, ty: Type) -> Value {
    let f = match &v {
        Value::Int(i) => *i as f64,
        Value::Long(i) => *i as f64,
        Value::Real(r) | Value::Decimal(r) => *r,
        _ => return v,
    };
    match ty {
        Type::Real => Value::Real(f),
        Type::Decimal => Value::Decimal(f),
        Type::Long => Value::Long(f as i64),
        Type::Int => Value::Int(f as i32),
        _ => v,
    }
}
