//! Tabular expressions and operators: each operator is bound against its input's
//! schema and gives a plan node with its output schema.

use super::expr::{AggCollector, Bound, Ctx};
use super::names::{aggregate_name, derived_name, next_column_name, summary_name, unique};
use super::recover::{open_marker, open_plan, typed_plan, unknown, unknown_aggregate};
use super::{Binder, Entry, Inlined, Scope};
use crate::ast::{
    self, ColumnPattern, Expr, ExprKind, JoinOn, NamedExpr, OpParam, Operator, OperatorKind,
    ParsePart, SortKey, SortOrder,
};
use crate::error::{nearest, Code, Error, Result, Span};
use crate::functions::{self, ArgInfo};
use crate::plan::{BExpr, BagExpansion, JoinKind, MvItem, ParseSpec, Plan, PlanKind, SortSpec};
use crate::table::{Column, Table};
use crate::types::Type;
use crate::value::Value;
use std::cell::RefCell;
use std::sync::Arc;

mod evaluate;
mod expand;
mod external;
mod join;
mod project;
mod scan;
mod search;
mod summarize;
mod watchlist;

use summarize::MakeSeriesAst;

impl Binder<'_> {
    /// Binds `e` as a tabular expression.
    pub(crate) fn tabular(&self, e: &Expr, scope: &Scope) -> Result<Plan> {
        if let Some(inv) = self.pattern_invocation(e, scope) {
            return self.invoke_pattern(inv, e.span, scope);
        }
        match &e.kind {
            ExprKind::Pipeline { source, ops } => {
                // A check carries on after an error: with an open table in place of a
                // source or an operator it could not bind.
                let plan = self.tabular(source, scope);
                let mut plan = self.recover(plan, || open_plan(Vec::new()))?;
                let mut scope = scope.clone();
                for op in ops {
                    let input = plan.schema.clone();
                    let next = self.operator(plan, op, &scope);
                    plan = self.recover(next, || match op.kind {
                        // Operators that keep their input's columns keep them.
                        OperatorKind::Where(_)
                        | OperatorKind::Take(_)
                        | OperatorKind::Sort(_)
                        | OperatorKind::Top { .. }
                        | OperatorKind::Sample(_) => typed_plan(input),
                        _ => open_plan(input),
                    })?;
                    if let OperatorKind::As { name, .. } = &op.kind {
                        // `as T` names the rows for the rest of the query: run them once
                        // so that the pipeline and `T` see the same rows.
                        plan = Plan {
                            schema: plan.schema.clone(),
                            kind: PlanKind::Cached {
                                input: Box::new(plan),
                                id: self.next_id(),
                            },
                        };
                        scope = scope.with(&name.name, Entry::Tabular(Arc::new(plan.clone())));
                    }
                }
                Ok(plan)
            }
            ExprKind::Source(op) => self.source(op, scope),
            ExprKind::Star => self
                .implicit
                .borrow()
                .clone()
                .ok_or_else(|| Error::semantic("`*` is not a table here", e.span)),
            ExprKind::Paren(inner) => self.tabular(inner, scope),
            ExprKind::Name(id) => match scope.get(&id.name) {
                Some(Entry::Tabular(plan)) => Ok((**plan).clone()),
                Some(Entry::Function(f, fscope)) if super::stored::bare_callable(f) => {
                    let (f, fscope) = (f.clone(), fscope.clone());
                    self.expect_tabular(
                        self.inline_call(&f, &fscope, id, &[], &[], scope, None)?,
                        &id.name,
                        e.span,
                    )
                }
                Some(Entry::Function(..)) => Err(Error::semantic(
                    format!("the function `{}` requires an argument list", id.name),
                    id.span,
                )
                .with_code(Code::Ks(117))),
                Some(_) => Err(Error::semantic(
                    format!(
                        "`{}` is a scalar, used here where a table is expected",
                        id.name
                    ),
                    id.span,
                )),
                None if scope.hides_table(&id.name) => Err(Error::semantic(
                    format!(
                        "`{}` is not accessible: a `restrict` statement leaves it out",
                        id.name
                    ),
                    id.span,
                )),
                None if id.name == "_GetWatchlistAlias" && self.scan(&id.name).is_none() => {
                    Ok(self.watchlist_aliases())
                }
                None => self
                    .scan(&id.name)
                    .ok_or_else(|| self.unknown_table(&id.name, id.span, scope))?,
            },
            ExprKind::Call { func, args } => match func.name.as_str() {
                "materialize" => {
                    let [arg] = args.as_slice() else {
                        return Err(Error::semantic("`materialize` takes one argument", e.span));
                    };
                    let plan = self.tabular(&arg.value, scope)?;
                    match self.subquery_rows(&plan) {
                        Some(t) => Ok(Plan {
                            schema: plan.schema,
                            kind: PlanKind::Values(t?),
                        }),
                        None => Ok(plan),
                    }
                }
                "table" | "view" => {
                    let name = match args.first() {
                        Some(a) => match self.scalar(&a.value, &[], scope)?.constant() {
                            Some(crate::value::Value::String(s)) => s.to_string(),
                            _ => {
                                return Err(Error::semantic(
                                    "`table` takes a constant table name",
                                    a.value.span,
                                ))
                            }
                        },
                        None => return Err(Error::semantic("`table` takes a table name", e.span)),
                    };
                    match scope.get(&name) {
                        Some(Entry::Tabular(plan)) => Ok((**plan).clone()),
                        _ if scope.hides_table(&name) => Err(Error::semantic(
                            format!(
                                "`{name}` is not accessible: a `restrict` statement leaves it out"
                            ),
                            e.span,
                        )),
                        _ => self
                            .scan(&name)
                            .ok_or_else(|| self.unknown_table(&name, e.span, scope))?,
                    }
                }
                name => match scope.get(name) {
                    Some(Entry::Function(f, fscope)) => {
                        let (f, fscope) = (f.clone(), fscope.clone());
                        self.expect_tabular(
                            self.inline_call(&f, &fscope, func, args, &[], scope, None)?,
                            name,
                            e.span,
                        )
                    }
                    _ if name == "_GetWatchlist" => self.get_watchlist(args, e.span, scope),
                    _ if name == "_GetWatchlistAlias" && args.is_empty() => {
                        Ok(self.watchlist_aliases())
                    }
                    _ => Err(Error::semantic(
                        format!("`{name}(...)` is not a tabular expression"),
                        e.span,
                    )),
                },
            },
            _ => Err(Error::semantic(
                "a tabular expression (a table, a let or a pipeline) is expected here",
                e.span,
            )),
        }
    }

    fn expect_tabular(&self, i: Inlined, name: &str, span: Span) -> Result<Plan> {
        match i {
            Inlined::Tabular(p) => Ok(*p),
            Inlined::Scalar(_) => Err(Error::semantic(
                format!("`{name}` returns a scalar, used here where a table is expected"),
                span,
            )),
        }
    }

    /// An operator that produces rows from nothing.
    fn source(&self, op: &Operator, scope: &Scope) -> Result<Plan> {
        match &op.kind {
            OperatorKind::Print(items) => {
                let mut schema: Vec<Column> = Vec::new();
                let mut exprs = Vec::new();
                // The names so far, so that each new one is checked at once (a print of
                // 100,000 columns binds in linear time); the full checks run only on a
                // clash.
                let mut names: std::collections::HashSet<String> = Default::default();
                for (k, item) in items.iter().enumerate() {
                    if let Some(cols) = self.tuple_columns(item, &[], scope)? {
                        for (name, b) in cols {
                            if names.contains(&name) {
                                check_new_name(&schema, &name, item.span)?;
                            }
                            names.insert(name.clone());
                            schema.push(Column::new(name, b.ty));
                            exprs.push(b.expr);
                        }
                        continue;
                    }
                    let b = self.scalar(&item.expr, &[], scope)?;
                    let name = match item.names.as_slice() {
                        [n] => n.name.clone(),
                        [] => {
                            let base = format!("print_{k}");
                            if names.contains(&base) {
                                let taken: Vec<String> =
                                    schema.iter().map(|c| c.name.clone()).collect();
                                unique(&base, &taken)
                            } else {
                                base
                            }
                        }
                        _ => return Err(several_names(item)),
                    };
                    if names.contains(&name) {
                        check_new_name(&schema, &name, item.span)?;
                    }
                    names.insert(name.clone());
                    schema.push(Column::new(name, b.ty));
                    exprs.push(b.expr);
                }
                Ok(Plan {
                    schema,
                    kind: PlanKind::Print(exprs),
                })
            }
            OperatorKind::Datatable { columns, values } => {
                let schema: Vec<Column> = columns
                    .iter()
                    .map(|c| Column::new(c.name.name.clone(), c.ty))
                    .collect();
                if schema.is_empty() {
                    return Err(Error::semantic(
                        "datatable needs at least one column",
                        op.span,
                    ));
                }
                if values.len() % schema.len() != 0 {
                    return Err(Error::semantic(
                        format!(
                            "datatable has {} values, not a multiple of its {} columns",
                            values.len(),
                            schema.len()
                        ),
                        op.span,
                    ));
                }
                let mut rows = Vec::with_capacity(values.len() / schema.len());
                for chunk in values.chunks(schema.len()) {
                    let mut row = Vec::with_capacity(schema.len());
                    for (v, col) in chunk.iter().zip(&schema) {
                        let b = self.scalar(v, &[], scope)?;
                        let Some(c) = b.constant() else {
                            return Err(Error::semantic(
                                "datatable values must be constants",
                                v.span,
                            ));
                        };
                        row.push(coerce_literal(c, b.ty, col.ty).ok_or_else(|| {
                            Error::semantic(
                                format!(
                                    "a {} value in column `{}` of type {}",
                                    b.ty, col.name, col.ty
                                ),
                                v.span,
                            )
                        })?);
                    }
                    rows.push(row);
                }
                Ok(Plan {
                    kind: PlanKind::Values(Arc::new(Table::new(schema.clone(), rows))),
                    schema,
                })
            }
            OperatorKind::Range {
                column,
                from,
                to,
                step,
            } => {
                let f = self.scalar(from, &[], scope)?;
                let t = self.scalar(to, &[], scope)?;
                let s = self.scalar(step, &[], scope)?;
                let ty = match f.ty {
                    Type::Int => Type::Long,
                    other => other,
                };
                if !matches!(
                    ty,
                    Type::Long | Type::Real | Type::DateTime | Type::TimeSpan | Type::Decimal
                ) {
                    return Err(Error::semantic(
                        format!("range over {ty} values is not possible"),
                        from.span,
                    ));
                }
                Ok(Plan {
                    schema: vec![Column::new(column.name.clone(), ty)],
                    kind: PlanKind::Range {
                        from: f.expr,
                        to: t.expr,
                        step: s.expr,
                    },
                })
            }
            OperatorKind::Union { params, tables } => {
                self.union(None, params, tables, op.span, scope)
            }
            OperatorKind::Externaldata {
                columns,
                uris,
                with,
            } => self.externaldata(columns, uris, with, op.span, scope),
            OperatorKind::Search {
                params,
                tables,
                predicate,
            } => {
                // `search [in (T1, T2)] pred`: a union of the tables (all of them when
                // none is named) with `$table`, then the filter.
                let ident = |name: &str| ast::Ident {
                    name: name.to_string(),
                    span: op.span,
                };
                let names: Vec<Expr> = if tables.is_empty() {
                    let views = scope.views();
                    self.catalog
                        .names()
                        .filter(|n| !views.iter().any(|v| v == n))
                        .chain(views.iter().map(String::as_str))
                        .map(|n| Expr::new(ExprKind::Name(ident(n)), op.span))
                        .collect()
                } else {
                    tables.clone()
                };
                let with = vec![OpParam {
                    name: ident("withsource"),
                    value: Expr::new(ExprKind::Name(ident("$table")), op.span),
                }];
                let union = self.union(None, &with, &names, op.span, scope)?;
                let search = Operator {
                    kind: OperatorKind::Search {
                        params: params.clone(),
                        tables: Vec::new(),
                        predicate: predicate.clone(),
                    },
                    span: op.span,
                };
                self.operator(union, &search, scope)
            }
            other => Err(Error::unsupported(other.name(), op.span)),
        }
    }

    fn operator(&self, input: Plan, op: &Operator, scope: &Scope) -> Result<Plan> {
        let span = op.span;
        match &op.kind {
            OperatorKind::Where(pred) => {
                let b = self.scalar(pred, &input.schema, scope)?;
                if !matches!(b.ty, Type::Bool | Type::Dynamic | Type::Unknown) {
                    return Err(Error::semantic(
                        format!("the `where` predicate must be bool, not {}", b.ty),
                        pred.span,
                    )
                    .with_code(Code::Ks(141)));
                }
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Filter {
                        input: Box::new(input),
                        pred: b.expr,
                    },
                })
            }
            OperatorKind::Extend(items) | OperatorKind::Serialize(items) => {
                if items.is_empty() {
                    return Ok(input);
                }
                self.extend(input, items, scope)
            }
            OperatorKind::Project(items) => self.project(input, items, scope),
            OperatorKind::ProjectAway(patterns) => {
                let drop = match_patterns(&input.schema, patterns)?;
                let keep: Vec<usize> = (0..input.schema.len())
                    .filter(|i| !drop.contains(i))
                    .collect();
                Ok(select(input, &keep, None))
            }
            OperatorKind::ProjectKeep(patterns) => {
                let mut keep = match_patterns(&input.schema, patterns)?;
                keep.sort_unstable();
                Ok(select(input, &keep, None))
            }
            OperatorKind::ProjectRename(pairs) => {
                let mut schema = input.schema.clone();
                for (new, old) in pairs {
                    let i = column(&input.schema, old)?;
                    schema[i].name = new.name.clone();
                }
                for (k, c) in schema.iter().enumerate() {
                    if schema[..k].iter().any(|d| d.name == c.name) {
                        return Err(Error::semantic(
                            format!("project-rename gives two columns named `{}`", c.name),
                            span,
                        ));
                    }
                }
                let order: Vec<usize> = (0..schema.len()).collect();
                Ok(select(input, &order, Some(schema)))
            }
            OperatorKind::ProjectReorder(items) => {
                let mut order: Vec<usize> = Vec::new();
                for (pat, dir) in items {
                    let mut matched = match_patterns(&input.schema, std::slice::from_ref(pat))?;
                    let name = |i: &usize| input.schema[*i].name.as_str();
                    match dir.as_deref() {
                        Some("asc") => matched.sort_by(|a, b| name(a).cmp(name(b))),
                        Some("desc") => matched.sort_by(|a, b| name(b).cmp(name(a))),
                        Some("granny-asc") => matched.sort_by(|a, b| natural_cmp(name(a), name(b))),
                        Some("granny-desc") => {
                            matched.sort_by(|a, b| natural_cmp(name(b), name(a)))
                        }
                        _ => {}
                    }
                    for m in matched {
                        if !order.contains(&m) {
                            order.push(m);
                        }
                    }
                }
                for i in 0..input.schema.len() {
                    if !order.contains(&i) {
                        order.push(i);
                    }
                }
                Ok(select(input, &order, None))
            }
            OperatorKind::Summarize { aggregates, by, .. } => {
                self.summarize(input, aggregates, by, scope)
            }
            OperatorKind::Take(n) => {
                let count = self.count_expr(n, scope)?;
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Take {
                        input: Box::new(input),
                        count,
                    },
                })
            }
            OperatorKind::Search {
                params,
                tables,
                predicate,
            } if tables.is_empty() => {
                if let Some(p) = params.iter().find(|p| p.name.name == "kind") {
                    if param_word(&p.value)? != "case_insensitive" {
                        return Err(Error::unsupported(
                            "search kind=case_sensitive",
                            p.value.span,
                        ));
                    }
                }
                let pred = self.search_predicate(predicate, &input.schema, scope)?;
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Filter {
                        input: Box::new(input),
                        pred: pred.expr,
                    },
                })
            }
            OperatorKind::Sample(n) => {
                let count = self.count_expr(n, scope)?;
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Sample {
                        input: Box::new(input),
                        count,
                    },
                })
            }
            OperatorKind::Top { count, by } => {
                let limit = self.count_expr(count, scope)?;
                let keys = vec![self.sort_key(by, &input.schema, scope)?];
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Sort {
                        input: Box::new(input),
                        keys,
                        limit: Some(limit),
                    },
                })
            }
            OperatorKind::Sort(keys) => {
                let keys = keys
                    .iter()
                    .map(|k| self.sort_key(k, &input.schema, scope))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Sort {
                        input: Box::new(input),
                        keys,
                        limit: None,
                    },
                })
            }
            OperatorKind::Distinct(items) => {
                let mut cols = Vec::new();
                for item in items {
                    match &item.expr.kind {
                        ExprKind::Star if item.names.is_empty() => {
                            cols.extend(0..input.schema.len())
                        }
                        ExprKind::Name(id) if item.names.is_empty() => {
                            cols.push(column(&input.schema, id)?)
                        }
                        // `distinct f(x)`, `distinct A = f(x)`: computed keys behave
                        // like `summarize by`.
                        _ => return self.summarize(input, &[], items, scope),
                    }
                }
                for (k, &i) in cols.iter().enumerate() {
                    no_dynamic_key(input.schema[i].ty, span)?;
                    if cols[..k].contains(&i) {
                        return Err(Error::semantic(
                            format!(
                                "a column named `{}` is already declared",
                                input.schema[i].name
                            ),
                            span,
                        ));
                    }
                }
                let schema = cols.iter().map(|&i| input.schema[i].clone()).collect();
                Ok(Plan {
                    schema,
                    kind: PlanKind::Distinct {
                        input: Box::new(input),
                        columns: cols,
                    },
                })
            }
            OperatorKind::Count(name) => Ok(Plan {
                schema: vec![Column::new(
                    name.as_ref().map_or("Count", |n| n.name.as_str()),
                    Type::Long,
                )],
                kind: PlanKind::Count(Box::new(input)),
            }),
            OperatorKind::Join { params, right, on } => {
                self.join(input, params, right, on, false, span, scope)
            }
            OperatorKind::Lookup { params, right, on } => {
                self.join(input, params, right, on, true, span, scope)
            }
            OperatorKind::Union { params, tables } => {
                self.union(Some(input), params, tables, span, scope)
            }
            OperatorKind::MvExpand {
                params,
                items,
                limit,
            } => self.mv_expand(input, params, items, limit.as_ref(), scope),
            OperatorKind::MvApply {
                params,
                items,
                limit,
                body,
            } => {
                let src = Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Implicit,
                };
                let expanded = self.mv_expand(src, params, items, limit.as_ref(), scope)?;
                let targets: Vec<usize> = match &expanded.kind {
                    PlanKind::MvExpand { items, .. } => items.iter().map(|i| i.target).collect(),
                    _ => Vec::new(),
                };
                let prev = self.implicit.replace(Some(expanded));
                let body = self.tabular(body, scope);
                self.implicit.replace(prev);
                let body = body?;
                let keep: Vec<usize> = (0..input.schema.len())
                    .filter(|i| {
                        !targets.contains(i)
                            && !body.schema.iter().any(|c| c.name == input.schema[*i].name)
                    })
                    .collect();
                let mut schema: Vec<Column> =
                    keep.iter().map(|&i| input.schema[i].clone()).collect();
                schema.extend(body.schema.iter().cloned());
                Ok(Plan {
                    schema,
                    kind: PlanKind::MvApply {
                        input: Box::new(input),
                        body: Box::new(body),
                        keep,
                    },
                })
            }
            OperatorKind::Partition {
                params,
                by,
                body,
                braces,
            } => {
                let key = column(&input.schema, by)?;
                let legacy =
                    match params.iter().find(|p| p.name.name == "hint.strategy") {
                        None => true,
                        Some(p) => match &p.value.kind {
                            ExprKind::Name(n) if n.name == "legacy" => true,
                            ExprKind::Name(n) if n.name == "native" || n.name == "shuffle" => false,
                            _ => return Err(Error::semantic(
                                "`partition`'s hint.strategy is `native`, `shuffle` or `legacy`",
                                p.value.span,
                            )),
                        },
                    };
                let src = Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Implicit,
                };
                // The legacy `{ subquery }` has a source of its own and reads the key's
                // value by the key's name (partition-operator.md, "Legacy strategy").
                let key_value = braces.then(|| Arc::new(std::sync::RwLock::new(Value::Null)));
                let scope = match &key_value {
                    Some(cell) => scope.with(
                        &by.name,
                        Entry::Scalar {
                            expr: BExpr::Call(
                                Arc::new(functions::PartitionKey(cell.clone())),
                                Vec::new(),
                            ),
                            ty: input.schema[key].ty,
                        },
                    ),
                    None => scope.clone(),
                };
                let prev = self.implicit.replace(Some(src));
                let body = self.tabular(body, &scope);
                self.implicit.replace(prev);
                let body = body?;
                Ok(Plan {
                    schema: body.schema.clone(),
                    kind: PlanKind::Partition {
                        input: Box::new(input),
                        key,
                        body: Box::new(body),
                        legacy,
                        key_value,
                    },
                })
            }
            OperatorKind::TopNested(clauses) => self.top_nested(input, clauses, span, scope),
            OperatorKind::ParseKv {
                expr,
                columns,
                with,
            } => self.parse_kv(input, expr, columns, with, span, scope),
            OperatorKind::Scan {
                match_id,
                declare,
                steps,
            } => self.scan_operator(input, match_id.as_ref(), declare, steps, scope),
            OperatorKind::TopHitters { count, of, by } => {
                // Kusto approximates; the exact answer is a valid approximation:
                // `summarize approximate_count_X = count() by X | top N by it`.
                let key = derived_name(of).unwrap_or_else(|| "Column1".to_string());
                let (func, args, name) = match by {
                    None => ("count", vec![], format!("approximate_count_{key}")),
                    Some(b) => (
                        "sum",
                        vec![ast::Arg {
                            name: None,
                            value: b.clone(),
                        }],
                        format!(
                            "approximate_sum_{}",
                            derived_name(b).unwrap_or_else(|| "Column1".to_string())
                        ),
                    ),
                };
                let ident = |n: &str| ast::Ident {
                    name: n.to_string(),
                    span,
                };
                let agg = NamedExpr {
                    names: vec![ident(&name)],
                    expr: Expr::new(
                        ExprKind::Call {
                            func: ident(func),
                            args,
                        },
                        span,
                    ),
                    span,
                };
                let by_key = NamedExpr {
                    names: vec![],
                    expr: of.clone(),
                    span: of.span,
                };
                let limit = self.count_expr(count, scope)?;
                let summarized = self.summarize(input, &[agg], &[by_key], scope)?;
                let rank = summarized.schema.len() - 1;
                Ok(Plan {
                    schema: summarized.schema.clone(),
                    kind: PlanKind::Sort {
                        input: Box::new(summarized),
                        keys: vec![SortSpec {
                            expr: BExpr::Column(rank),
                            desc: true,
                            nulls_first: false,
                        }],
                        limit: Some(limit),
                    },
                })
            }
            OperatorKind::SampleDistinct { count, column } => {
                // Any N distinct values are a valid sample: the first N met.
                let by_key = NamedExpr {
                    names: vec![],
                    expr: column.clone(),
                    span: column.span,
                };
                let count = self.count_expr(count, scope)?;
                let distinct = self.summarize(input, &[], &[by_key], scope)?;
                Ok(Plan {
                    schema: distinct.schema.clone(),
                    kind: PlanKind::Take {
                        input: Box::new(distinct),
                        count,
                    },
                })
            }
            OperatorKind::Render { .. } => Ok(input), // only a visualization hint
            OperatorKind::MakeSeries {
                params,
                aggregates,
                defaults,
                axis,
                from,
                to,
                step,
                by,
            } => {
                let mut nonempty = false;
                for p in params {
                    if p.name.name == "kind" {
                        nonempty = param_word(&p.value)? == "nonempty";
                    }
                }
                let series = MakeSeriesAst {
                    aggregates,
                    defaults,
                    axis,
                    from: from.as_ref(),
                    to: to.as_ref(),
                    step,
                    by,
                };
                self.make_series(input, series, nonempty, scope)
            }
            OperatorKind::Evaluate { call, schema, .. } => {
                self.evaluate(input, call, schema.as_deref(), scope)
            }
            OperatorKind::As { name, .. } => Ok(Plan {
                schema: input.schema.clone(),
                kind: PlanKind::Named {
                    input: Box::new(input),
                    name: name.name.clone(),
                },
            }),
            OperatorKind::GetSchema => Ok(Plan {
                schema: vec![
                    Column::new("ColumnName", Type::String),
                    Column::new("ColumnOrdinal", Type::Long),
                    Column::new("DataType", Type::String),
                    Column::new("ColumnType", Type::String),
                ],
                kind: PlanKind::GetSchema(Box::new(input)),
            }),
            OperatorKind::Parse {
                kind,
                filter,
                expr,
                pattern,
                params,
            } => {
                let mut flags = String::new();
                for p in params {
                    if p.name.name == "flags" {
                        flags = param_word(&p.value)?;
                    }
                }
                self.parse(input, kind, *filter, expr, pattern, &flags, span, scope)
            }
            OperatorKind::Invoke(call) => {
                let ExprKind::Call { func, args } = &call.kind else {
                    return Err(Error::semantic(
                        "`invoke` expects a function call",
                        call.span,
                    ));
                };
                if self.is_file_profile(&func.name, scope) {
                    return self.file_profile(input, args, call.span, scope);
                }
                match scope.get(&func.name) {
                    Some(Entry::Function(f, fscope)) => {
                        let (f, fscope) = (f.clone(), fscope.clone());
                        let r =
                            self.inline_call(&f, &fscope, func, args, &[], scope, Some(input))?;
                        self.expect_tabular(r, &func.name, call.span)
                    }
                    _ => Err(Error::semantic(
                        format!("unknown function `{}`", func.name),
                        func.span,
                    )
                    .with_code(Code::Ks(211))),
                }
            }
            other => Err(Error::unsupported(other.name(), span)),
        }
    }

    fn count_expr(&self, e: &Expr, scope: &Scope) -> Result<BExpr> {
        let b = self.scalar(e, &[], scope)?;
        if !matches!(b.ty, Type::Int | Type::Long) {
            return Err(Error::semantic(
                format!("a row count must be an integer, not {}", b.ty),
                e.span,
            ));
        }
        Ok(b.expr)
    }

    fn sort_key(&self, k: &SortKey, row: &[Column], scope: &Scope) -> Result<SortSpec> {
        let b = self.scalar(&k.expr, row, scope)?;
        no_dynamic_key(b.ty, k.expr.span)?;
        let desc = k.order != Some(SortOrder::Asc);
        let nulls_first = match k.nulls {
            Some(ast::NullsOrder::First) => true,
            Some(ast::NullsOrder::Last) => false,
            None => !desc,
        };
        Ok(SortSpec {
            expr: b.expr,
            desc,
            nulls_first,
        })
    }
}

/// Names for the outputs of `arg_max(x, a, b)` / `take_any(a, b)` / `arg_max(x, *)`,
/// as Kusto.Language gives them: an argument's own name, else `max_`/`min_` for the
/// first argument of arg_max/arg_min, `max_x_arg1` for a later one, `any_arg0` for
/// take_any; `*` stands for the columns not named first and not `by` keys.
fn multi_output_names(
    func: &ast::Ident,
    args: &[ast::Arg],
    names: &[ast::Ident],
    input: &[Column],
    keys: &[String],
) -> Vec<String> {
    if names.len() > 1 {
        return names.iter().map(|n| n.name.clone()).collect();
    }
    // `percentiles(x, 5, 50)`: percentile_x_5, percentile_x_50.
    if matches!(func.name.as_str(), "percentiles" | "percentilesw") {
        let at = if func.name.ends_with('w') { 2 } else { 1 };
        let x = args
            .first()
            .and_then(|a| derived_name(&a.value))
            .unwrap_or_default();
        let mut out: Vec<String> = args
            .iter()
            .skip(at)
            .map(|a| match super::names::percent_text(&a.value) {
                Some(p) => format!("percentile_{x}_{p}"),
                None => String::new(),
            })
            .collect();
        if let (Some(first), [n]) = (out.first_mut(), names) {
            *first = n.name.clone();
        }
        return out;
    }
    let short = match func.name.as_str() {
        "arg_max" | "argmax" => "max",
        "arg_min" | "argmin" => "min",
        _ => "any",
    };
    let first_name = args.first().and_then(|f| derived_name(&f.value));
    if matches!(func.name.as_str(), "argmax" | "argmin") {
        // The deprecated forms name every output after the first argument, `*` too:
        // `argmax(n, s)` gives `max_n` and `max_n_s`, `T = argmax(n, *) by k` gives `T`
        // and `max_n_<column>` for each other column (as Kusto.Language does, and
        // Sentinel's TI rules read `max_<x>_Description` after `argmax(x, *)`). A name
        // given to the call names its first output only.
        let first = first_name.clone().unwrap_or_default();
        let mut out = Vec::new();
        for (k, a) in args.iter().enumerate() {
            match (k, &a.value.kind) {
                (0, _) => out.push(format!("{short}_{first}")),
                (_, ExprKind::Star) => {
                    for c in input {
                        if c.name != first && !keys.contains(&c.name) {
                            out.push(format!("{short}_{first}_{}", c.name));
                        }
                    }
                }
                _ => out.push(match derived_name(&a.value) {
                    Some(n) => format!("{short}_{first}_{n}"),
                    None => format!("{short}_{first}_arg{k}"),
                }),
            }
        }
        if let (Some(f), [n]) = (out.first_mut(), names) {
            *f = n.name.clone();
        }
        return out;
    }
    let mut out = Vec::new();
    for (k, a) in args.iter().enumerate() {
        if matches!(a.value.kind, ExprKind::Star) {
            let first = args.first().and_then(|f| match &f.value.kind {
                ExprKind::Name(id) if k > 0 => Some(id.name.clone()),
                _ => None,
            });
            for c in input {
                if Some(&c.name) != first.as_ref() && !keys.contains(&c.name) {
                    out.push(c.name.clone());
                }
            }
        } else {
            let explicit = a.name.as_ref().map(|n| n.name.clone());
            let fallback = match (short, k) {
                ("any", _) => format!("any_arg{k}"),
                (_, 0) => format!("{short}_"),
                _ => format!("{short}_{}_arg{k}", first_name.clone().unwrap_or_default()),
            };
            out.push(
                explicit
                    .or_else(|| derived_name(&a.value))
                    .unwrap_or(fallback),
            );
        }
    }
    if let (Some(first), [n]) = (out.first_mut(), names) {
        *first = n.name.clone();
    }
    out
}

/// The name a plan goes by in `union withsource`: its `as` name or its table's name.
fn plan_name(p: &Plan) -> Option<String> {
    match &p.kind {
        PlanKind::Named { name, .. } => Some(name.clone()),
        PlanKind::Cached { input, .. } => plan_name(input),
        PlanKind::Scan { name, .. } => Some(name.clone()),
        _ => None,
    }
}

fn param_word(e: &Expr) -> Result<String> {
    match &e.kind {
        ExprKind::Name(id) => Ok(id.name.clone()),
        ExprKind::Literal(ast::Literal::String(s)) => Ok(s.clone()),
        ExprKind::Literal(ast::Literal::Bool(b)) => Ok(b.to_string()),
        ExprKind::Literal(ast::Literal::Long(n)) => Ok(n.to_string()),
        _ => Err(Error::semantic("expected a name here", e.span)),
    }
}

fn column(schema: &[Column], id: &ast::Ident) -> Result<usize> {
    schema
        .iter()
        .position(|c| c.name == id.name)
        .or_else(|| open_marker(schema))
        .ok_or_else(|| {
            let mut err = Error::semantic(format!("unknown column `{}`", id.name), id.span)
                .with_code(Code::Ks(142));
            if let Some(n) = nearest(&id.name, schema.iter().map(|c| c.name.as_str())) {
                err = err.with_hint(format!("did you mean `{n}`?"));
            }
            err
        })
}

fn check_new_name(schema: &[Column], name: &str, span: Span) -> Result<()> {
    // Two open tables (a check's stand-ins) both have the open marker.
    if schema.iter().any(|c| c.name == name)
        && open_marker(schema).is_none_or(|i| schema[i].name != name)
    {
        return Err(
            Error::semantic(format!("a column named `{name}` is already declared"), span)
                .with_code(Code::Ks(171)),
        );
    }
    Ok(())
}

fn check_new_name_in(taken: &[String], name: &str, span: Span) -> Result<()> {
    if taken.iter().any(|c| c == name) {
        return Err(
            Error::semantic(format!("a column named `{name}` is already declared"), span)
                .with_code(Code::Ks(171)),
        );
    }
    Ok(())
}

pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Indexes of the columns matching any pattern, in pattern order; a plain name that
/// matches nothing is an error.
fn match_patterns(schema: &[Column], patterns: &[ColumnPattern]) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for p in patterns {
        let before = out.len();
        for (i, c) in schema.iter().enumerate() {
            if wildcard_match(&p.pattern, &c.name) && !out.contains(&i) {
                out.push(i);
            }
        }
        if out.len() == before
            && !p.pattern.contains('*')
            && !schema.iter().any(|c| c.name == p.pattern)
        {
            let id = ast::Ident {
                name: p.pattern.clone(),
                span: p.span,
            };
            column(schema, &id)?;
        }
    }
    Ok(out)
}

/// Kusto refuses dynamic values as group keys (`summarize by`, `distinct`) and sort
/// keys (KS116): their order and equality are not defined; a cast picks one.
fn no_dynamic_key(ty: Type, span: Span) -> Result<()> {
    if ty == Type::Dynamic {
        return Err(Error::semantic(
            "a value of type dynamic is not allowed as a group or sort key",
            span,
        )
        .with_code(Code::Ks(116))
        .with_hint("convert it first, e.g. `tostring(x)` or `tolong(x)`"));
    }
    Ok(())
}

/// "Granny" order of project-reorder: runs of digits compare as numbers, so `a20`
/// comes before `a100` (plain `asc` puts `a100` first).
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xe = x.find(|c: char| !c.is_ascii_digit()).unwrap_or(x.len());
                let ye = y.find(|c: char| !c.is_ascii_digit()).unwrap_or(y.len());
                let (xn, yn) = (
                    x[..xe].trim_start_matches('0'),
                    y[..ye].trim_start_matches('0'),
                );
                let o = xn.len().cmp(&yn.len()).then_with(|| xn.cmp(yn));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[xe..];
                y = &y[ye..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x = &x[c.len_utf8()..];
                y = &y[d.len_utf8()..];
            }
        }
    }
}

/// `(a, b) = expr`: only an expression giving several named values (the `series_*`
/// functions that return tuples) can fill several names; kql has none of those yet.
fn several_names(item: &NamedExpr) -> Error {
    if let ExprKind::Call { func, .. } = &item.expr.kind {
        if func.name.starts_with("series_") {
            return Error::unsupported(&func.name, func.span);
        }
    }
    Error::semantic(
        "the expression does not have multiple named values",
        item.expr.span,
    )
    .with_hint("`(a, b) = ...` takes a function that returns several values; name one column")
}

/// A projection of columns `order` of `input`, optionally renamed.
fn select(input: Plan, order: &[usize], schema: Option<Vec<Column>>) -> Plan {
    let schema = schema.unwrap_or_else(|| order.iter().map(|&i| input.schema[i].clone()).collect());
    Plan {
        schema,
        kind: PlanKind::Project {
            input: Box::new(input),
            exprs: order.iter().map(|&i| BExpr::Column(i)).collect(),
        },
    }
}

/// A datatable cell: a literal of type `from` stored in a column of type `to`.
fn coerce_literal(v: &Value, from: Type, to: Type) -> Option<Value> {
    if v.is_null() {
        return Some(if to == Type::String {
            Value::empty_str()
        } else {
            Value::Null
        });
    }
    Some(match (to, v) {
        (Type::Dynamic, Value::Int(i)) => Value::Long(*i as i64),
        (Type::Dynamic, v) => v.clone(),
        (Type::Int, Value::Int(i)) => Value::Int(*i),
        (Type::Int, Value::Long(l)) => Value::Int(i32::try_from(*l).ok()?),
        (Type::Long, Value::Int(i)) => Value::Long(*i as i64),
        (Type::Long, Value::Long(l)) => Value::Long(*l),
        (Type::Real, Value::Int(i)) => Value::Real(*i as f64),
        (Type::Real, Value::Long(l)) => Value::Real(*l as f64),
        (Type::Real, Value::Real(r)) => Value::Real(*r),
        (Type::Decimal, Value::Int(i)) => Value::Decimal(*i as f64),
        (Type::Decimal, Value::Long(l)) => Value::Decimal(*l as f64),
        (Type::Decimal, Value::Real(r) | Value::Decimal(r)) => Value::Decimal(*r),
        _ if from == to => v.clone(),
        _ => return None,
    })
}

/// `mv-expand ... to typeof(T)` is a cast, not a conversion (mv-expand-operator.md):
/// an element that is not already a T becomes null (`2.5` or `"5"` under
/// `typeof(long)`). Numbers conform to real; datetime, timespan and guid elements
/// (JSON text in a dynamic) are still converted.
struct CastOnly {
    ty: Type,
    convert: Arc<dyn functions::ScalarImpl>,
}

impl functions::ScalarImpl for CastOnly {
    fn call(&self, args: &[Value], ctx: &functions::EvalCtx) -> Value {
        let v = args.first().unwrap_or(&Value::Null);
        let conforms = match self.ty {
            Type::Int | Type::Long => matches!(v, Value::Null | Value::Int(_) | Value::Long(_)),
            Type::Real | Type::Decimal => v.is_null() || v.is_number(),
            Type::String => matches!(v, Value::Null | Value::String(_)),
            Type::Bool => matches!(v, Value::Null | Value::Bool(_)),
            _ => true,
        };
        if conforms {
            self.convert.call(args, ctx)
        } else {
            Value::null_of(self.ty)
        }
    }
}
