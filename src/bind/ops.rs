//! Tabular expressions and operators: each operator is bound against its input's
//! schema and gives a plan node with its output schema.

use super::expr::{AggCollector, Bound, Ctx};
use super::names::{aggregate_name, derived_name, next_column_name, unique};
use super::{Binder, Entry, Inlined, Scope};
use crate::ast::{
    self, ColumnPattern, Expr, ExprKind, JoinOn, NamedExpr, OpParam, Operator, OperatorKind,
    ParsePart, SortKey, SortOrder,
};
use crate::error::{nearest, Error, Result, Span};
use crate::functions::{self, ArgInfo};
use crate::plan::{BExpr, BagExpansion, JoinKind, MvItem, ParseSpec, Plan, PlanKind, SortSpec};
use crate::table::{Column, Table};
use crate::types::Type;
use crate::value::Value;
use std::cell::RefCell;
use std::sync::Arc;

impl Binder<'_> {
    /// Binds `e` as a tabular expression.
    pub(crate) fn tabular(&self, e: &Expr, scope: &Scope) -> Result<Plan> {
        if let Some(inv) = self.pattern_invocation(e, scope) {
            return self.invoke_pattern(inv, e.span, scope);
        }
        match &e.kind {
            ExprKind::Pipeline { source, ops } => {
                let mut plan = self.tabular(source, scope)?;
                let mut scope = scope.clone();
                for op in ops {
                    plan = self.operator(plan, op, &scope)?;
                    if let OperatorKind::As { name, .. } = &op.kind {
                        // `as T` names the rows for the rest of the query: run them once
                        // so that the pipeline and `T` see the same rows.
                        plan = Plan {
                            schema: plan.schema.clone(),
                            kind: PlanKind::Cached {
                                input: Box::new(plan),
                                cell: Arc::default(),
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
                Some(Entry::Function(f, fscope)) if f.params.is_empty() => {
                    let (f, fscope) = (f.clone(), fscope.clone());
                    self.expect_tabular(
                        self.inline_call(&f, &fscope, id, &[], &[], scope, None)?,
                        &id.name,
                        e.span,
                    )
                }
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
                None => self
                    .scan(&id.name)
                    .ok_or_else(|| self.unknown_table(&id.name, id.span, scope)),
            },
            ExprKind::Call { func, args } => match func.name.as_str() {
                "materialize" => {
                    let [arg] = args.as_slice() else {
                        return Err(Error::semantic("`materialize` takes one argument", e.span));
                    };
                    let plan = self.tabular(&arg.value, scope)?;
                    if !self.run {
                        return Ok(plan);
                    }
                    let t = crate::exec::execute(&plan, &self.ctx)?;
                    Ok(Plan {
                        schema: plan.schema,
                        kind: PlanKind::Values(Arc::new(t)),
                    })
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
                            .ok_or_else(|| self.unknown_table(&name, e.span, scope)),
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
                for (k, item) in items.iter().enumerate() {
                    if let Some(cols) = self.tuple_columns(item, &[], scope)? {
                        for (name, b) in cols {
                            check_new_name(&schema, &name, item.span)?;
                            schema.push(Column::new(name, b.ty));
                            exprs.push(b.expr);
                        }
                        continue;
                    }
                    let b = self.scalar(&item.expr, &[], scope)?;
                    let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
                    let name = match item.names.as_slice() {
                        [n] => n.name.clone(),
                        [] => unique(&format!("print_{k}"), &taken),
                        _ => return Err(several_names(item)),
                    };
                    check_new_name(&schema, &name, item.span)?;
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
                if !matches!(b.ty, Type::Bool | Type::Dynamic) {
                    return Err(Error::semantic(
                        format!("the `where` predicate must be bool, not {}", b.ty),
                        pred.span,
                    ));
                }
                Ok(filter(input, b.expr))
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
            OperatorKind::Distinct(exprs) => {
                let mut cols = Vec::new();
                for e in exprs {
                    match &e.kind {
                        ExprKind::Star => cols.extend(0..input.schema.len()),
                        ExprKind::Name(id) => cols.push(column(&input.schema, id)?),
                        _ => {
                            // `distinct f(x)`: computed keys behave like `summarize by`.
                            let by: Vec<NamedExpr> = exprs
                                .iter()
                                .map(|e| NamedExpr {
                                    names: vec![],
                                    expr: e.clone(),
                                    span: e.span,
                                })
                                .collect();
                            return self.summarize(input, &[], &by, scope);
                        }
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
            OperatorKind::Count => Ok(Plan {
                schema: vec![Column::new("Count", Type::Long)],
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
                let slot: crate::plan::Slot = Arc::default();
                let src = Plan {
                    schema: input.schema.clone(),
                    kind: PlanKind::Implicit(slot.clone()),
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
                        slot,
                        body: Box::new(body),
                        keep,
                    },
                })
            }
            OperatorKind::TopNested(clauses) => self.top_nested(input, clauses, span, scope),
            OperatorKind::ParseKv {
                expr,
                columns,
                with,
            } => self.parse_kv(input, expr, columns, with, span, scope),
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
            OperatorKind::Evaluate { call, .. } => self.evaluate(input, call, span),
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
                    )),
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

    fn extend(&self, input: Plan, items: &[NamedExpr], scope: &Scope) -> Result<Plan> {
        // Expressions read the input row plus the columns appended so far; a replaced
        // column keeps its input value for later expressions (as Kusto's checker types it).
        let mut visible = input.schema.clone();
        let mut out = input.schema.clone();
        let mut bound = Vec::new();
        // One operator assigns a name once (Kusto: "A column with the name 'x' is
        // already declared"), though it may replace an input column.
        let mut assigned: Vec<String> = Vec::new();
        for item in items {
            let cx = Ctx {
                row: &visible,
                agg: None,
                input_width: input.schema.len(),
            };
            let columns = match self.tuple_columns(item, &visible, scope)? {
                Some(cols) => cols,
                None => {
                    let b = self.expr(&item.expr, &cx, scope)?;
                    let name = match item.names.as_slice() {
                        [n] => n.name.clone(),
                        [] => match derived_name(&item.expr) {
                            Some(n) => n,
                            None => {
                                let taken: Vec<String> =
                                    out.iter().map(|c| c.name.clone()).collect();
                                next_column_name(&taken)
                            }
                        },
                        _ => return Err(several_names(item)),
                    };
                    if item.names.len() == 1 {
                        check_new_name_in(&assigned, &name, item.names[0].span)?;
                    }
                    vec![(name, b)]
                }
            };
            for (name, b) in columns {
                assigned.push(name.clone());
                match out.iter().position(|c| c.name == name) {
                    Some(i) => {
                        out[i].ty = b.ty;
                        // Later expressions see the new column under its name only when it
                        // was appended in this same operator.
                        if i >= input.schema.len() {
                            visible[i].ty = b.ty;
                        }
                        bound.push((Some(i), b.expr));
                    }
                    None => {
                        out.push(Column::new(name.clone(), b.ty));
                        visible.push(Column::new(name, b.ty));
                        bound.push((None, b.expr));
                    }
                }
            }
        }
        Ok(Plan {
            schema: out,
            kind: PlanKind::Extend {
                input: Box::new(input),
                items: bound,
            },
        })
    }

    fn project(&self, input: Plan, items: &[NamedExpr], scope: &Scope) -> Result<Plan> {
        let mut schema: Vec<Column> = Vec::new();
        let mut exprs = Vec::new();
        // Names written out (`y = ...`, or a bare column): a second one is an error. A
        // name only derived (`tostring(x)` → `x`) yields: a later bare `x` is `x1`.
        let mut declared: Vec<String> = Vec::new();
        for item in items {
            if let ExprKind::Name(id) = &item.expr.kind {
                if item.names.is_empty() && id.name.contains('*') {
                    let pat = ColumnPattern {
                        pattern: id.name.clone(),
                        span: id.span,
                    };
                    for i in match_patterns(&input.schema, &[pat])? {
                        check_new_name(&schema, &input.schema[i].name, item.span)?;
                        declared.push(input.schema[i].name.clone());
                        schema.push(input.schema[i].clone());
                        exprs.push(BExpr::Column(i));
                    }
                    continue;
                }
            }
            if let Some(cols) = self.tuple_columns(item, &input.schema, scope)? {
                for (name, b) in cols {
                    check_new_name(&schema, &name, item.span)?;
                    schema.push(Column::new(name, b.ty));
                    exprs.push(b.expr);
                }
                continue;
            }
            let b = self.scalar(&item.expr, &input.schema, scope)?;
            let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
            let name = match item.names.as_slice() {
                [n] => {
                    check_new_name(&schema, &n.name, n.span)?;
                    n.name.clone()
                }
                [] => match (&item.expr.kind, derived_name(&item.expr)) {
                    (ExprKind::Name(id), _) => {
                        check_new_name_in(&declared, &id.name, id.span)?;
                        declared.push(id.name.clone());
                        unique(&id.name, &taken)
                    }
                    (_, Some(n)) => unique(&n, &taken),
                    (_, None) => next_column_name(&taken),
                },
                _ => return Err(several_names(item)),
            };
            if let [n] = item.names.as_slice() {
                declared.push(n.name.clone());
            }
            schema.push(Column::new(name, b.ty));
            exprs.push(b.expr);
        }
        Ok(Plan {
            schema,
            kind: PlanKind::Project {
                input: Box::new(input),
                exprs,
            },
        })
    }

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
            let b = self.scalar(&item.expr, &input.schema, scope)?;
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
                ExprKind::Call { func, args } if functions::is_aggregate(&func.name) => {
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
                let (agg, outputs) =
                    self.aggregate_skipping(func, args, item.span, &input_schema, &keys, scope)?;
                let mut c = collector.borrow_mut();
                let first_slot = c.base + c.outputs.len();
                c.aggs.push(agg);
                let multi = matches!(func.name.as_str(), "arg_max" | "arg_min" | "take_any");
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
                    _ => next_column_name(&t),
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

    #[allow(clippy::too_many_arguments)]
    fn join(
        &self,
        left: Plan,
        params: &[OpParam],
        right: &Expr,
        on: &[JoinOn],
        lookup: bool,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let right = self.tabular(right, scope)?;
        let mut kind = if lookup {
            JoinKind::LeftOuter
        } else {
            JoinKind::InnerUnique
        };
        for p in params {
            if p.name.name != "kind" {
                continue; // hints and other options have no semantic effect
            }
            let word = param_word(&p.value)?;
            kind = match word.as_str() {
                "innerunique" if !lookup => JoinKind::InnerUnique,
                "inner" => JoinKind::Inner,
                "leftouter" => JoinKind::LeftOuter,
                "rightouter" if !lookup => JoinKind::RightOuter,
                "fullouter" | "outer" if !lookup => JoinKind::FullOuter,
                "leftsemi" if !lookup => JoinKind::LeftSemi,
                "leftanti" | "anti" | "leftantisemi" if !lookup => JoinKind::LeftAnti,
                "rightsemi" if !lookup => JoinKind::RightSemi,
                "rightanti" | "rightantisemi" if !lookup => JoinKind::RightAnti,
                other => {
                    return Err(Error::semantic(
                        format!(
                            "unknown {} kind `{other}`",
                            if lookup { "lookup" } else { "join" }
                        ),
                        p.value.span,
                    ))
                }
            };
        }
        if on.is_empty() {
            return Err(Error::semantic("a join needs an `on` condition", span));
        }
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        for cond in on {
            let (l, r) = match cond {
                JoinOn::Column(id) => (id, id),
                JoinOn::Equal { left, right } => (left, right),
            };
            let li = column(&left.schema, l)?;
            let ri = column(&right.schema, r)?;
            let (lt, rt) = (left.schema[li].ty, right.schema[ri].ty);
            let numeric = |t: Type| matches!(t, Type::Int | Type::Long);
            if lt != rt && !(numeric(lt) && numeric(rt)) {
                return Err(Error::semantic(
                    format!(
                        "join keys of different types: `{}` is {lt}, `{}` is {rt}",
                        l.name, r.name
                    ),
                    r.span,
                )
                .with_hint("convert one side, e.g. with `tostring()` or `tolong()`"));
            }
            left_keys.push(li);
            right_keys.push(ri);
        }
        let right_drop: Vec<usize> = if lookup {
            right_keys.clone()
        } else {
            Vec::new()
        };
        let schema = match kind {
            JoinKind::LeftSemi | JoinKind::LeftAnti => left.schema.clone(),
            JoinKind::RightSemi | JoinKind::RightAnti => right.schema.clone(),
            _ => {
                let mut schema = left.schema.clone();
                let kept: Vec<&Column> = right
                    .schema
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !right_drop.contains(i))
                    .map(|(_, c)| c)
                    .collect();
                // A clashing right column takes the next number free among all names.
                let mut taken: Vec<String> = schema
                    .iter()
                    .chain(kept.iter().copied())
                    .map(|c| c.name.clone())
                    .collect();
                for c in kept {
                    let name = if left.schema.iter().any(|l| l.name == c.name) {
                        let n = unique(&c.name, &taken);
                        taken.push(n.clone());
                        n
                    } else {
                        c.name.clone()
                    };
                    schema.push(Column::new(name, c.ty));
                }
                schema
            }
        };
        Ok(Plan {
            schema,
            kind: PlanKind::Join {
                left: Box::new(left),
                right: Box::new(right),
                kind,
                left_keys,
                right_keys,
                right_drop,
            },
        })
    }

    fn union(
        &self,
        input: Option<Plan>,
        params: &[OpParam],
        tables: &[Expr],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut inner = false;
        let mut withsource = None;
        let mut fuzzy = false;
        for p in params {
            match p.name.name.as_str() {
                "kind" => inner = param_word(&p.value)? == "inner",
                "withsource" => withsource = Some(param_word(&p.value)?),
                "isfuzzy" => fuzzy = param_word(&p.value)? == "true",
                _ => {}
            }
        }
        let mut inputs: Vec<(String, Plan)> = Vec::new();
        if let Some(p) = input {
            inputs.push((plan_name(&p).unwrap_or_else(|| "union_arg0".into()), p));
        }
        for t in tables {
            if let ExprKind::Name(id) = &t.kind {
                if id.name.contains('*') {
                    let names: Vec<&str> = self
                        .catalog
                        .names()
                        .filter(|n| wildcard_match(&id.name, n) && !scope.hides_table(n))
                        .collect();
                    for n in names {
                        if let Some(p) = self.scan(n) {
                            inputs.push((n.to_string(), p));
                        }
                    }
                    // Views (`let v = view () {...}`) are in a wildcard's scope too.
                    for v in scope.views() {
                        if wildcard_match(&id.name, &v) {
                            let name = Expr::new(
                                ExprKind::Name(ast::Ident {
                                    name: v.clone(),
                                    span: id.span,
                                }),
                                id.span,
                            );
                            inputs.push((v.clone(), self.tabular(&name, scope)?));
                        }
                    }
                    continue;
                }
            }
            match self.tabular(t, scope) {
                Ok(p) => {
                    let name = match &t.kind {
                        ExprKind::Name(id) => id.name.clone(),
                        _ => plan_name(&p).unwrap_or_else(|| format!("union_arg{}", inputs.len())),
                    };
                    inputs.push((name, p))
                }
                Err(e) if fuzzy && e.kind == crate::error::ErrorKind::Semantic => {}
                Err(e) => return Err(e),
            }
        }
        if inputs.is_empty() {
            return Err(Error::semantic("`union` has no tables to combine", span));
        }
        // Output columns in order of first appearance; one name with several types
        // becomes `name_type` for each type, the variants side by side where the name
        // first appears (as Kusto.Language orders them).
        let mut cols: Vec<Column> = Vec::new();
        for (_, p) in &inputs {
            for c in &p.schema {
                if !cols.contains(c) {
                    match cols.iter().rposition(|d| d.name == c.name) {
                        Some(i) => cols.insert(i + 1, c.clone()),
                        None => cols.push(c.clone()),
                    }
                }
            }
        }
        if inner {
            cols.retain(|c| inputs.iter().all(|(_, p)| p.schema.contains(c)));
        }
        // A `name_type` that is itself taken gets the next free number (`x_long1`).
        let clashes = |c: &Column| cols.iter().filter(|d| d.name == c.name).count() > 1;
        let mut taken: Vec<String> = cols
            .iter()
            .filter(|c| !clashes(c))
            .map(|c| c.name.clone())
            .collect();
        let mut schema: Vec<Column> = Vec::with_capacity(cols.len());
        for c in &cols {
            if clashes(c) {
                let name = unique(&format!("{}_{}", c.name, c.ty), &taken);
                taken.push(name.clone());
                schema.push(Column::new(name, c.ty));
            } else {
                schema.push(c.clone());
            }
        }
        let maps: Vec<Vec<Option<usize>>> = inputs
            .iter()
            .map(|(_, p)| {
                cols.iter()
                    .map(|c| p.schema.iter().position(|d| d == c))
                    .collect()
            })
            .collect();
        let source_names = withsource.map(|col| {
            schema.insert(0, Column::new(col, Type::String));
            inputs.iter().map(|(n, _)| n.clone()).collect()
        });
        Ok(Plan {
            schema,
            kind: PlanKind::Union {
                inputs: inputs.into_iter().map(|(_, p)| p).collect(),
                maps,
                source_names,
            },
        })
    }

    fn mv_expand(
        &self,
        input: Plan,
        params: &[OpParam],
        items: &[ast::MvExpandItem],
        limit: Option<&Expr>,
        scope: &Scope,
    ) -> Result<Plan> {
        let mut bag = BagExpansion::Bag;
        let mut index_name = None;
        for p in params {
            match p.name.name.as_str() {
                "bagexpansion" | "kind" => {
                    bag = match param_word(&p.value)?.as_str() {
                        "array" => BagExpansion::Array,
                        _ => BagExpansion::Bag,
                    }
                }
                "with_itemindex" => index_name = Some(param_word(&p.value)?),
                _ => {}
            }
        }
        let mut schema = input.schema.clone();
        let mut bound = Vec::new();
        for item in items {
            let b = self.scalar(&item.expr, &input.schema, scope)?;
            if b.ty != Type::Dynamic {
                return Err(Error::semantic(
                    format!("mv-expand needs a dynamic value, not {}", b.ty),
                    item.expr.span,
                ));
            }
            let ty = item.to_type.unwrap_or(Type::Dynamic);
            let name = match (&item.name, &item.expr.kind) {
                (Some(n), _) => n.name.clone(),
                (None, ExprKind::Name(id)) => id.name.clone(),
                (None, _) => derived_name(&item.expr).unwrap_or_else(|| {
                    let taken: Vec<String> = schema.iter().map(|c| c.name.clone()).collect();
                    next_column_name(&taken)
                }),
            };
            let target = match schema.iter().position(|c| c.name == name) {
                Some(i) => {
                    schema[i].ty = ty;
                    i
                }
                None => {
                    schema.push(Column::new(name, ty));
                    schema.len() - 1
                }
            };
            let cast = match item.to_type {
                Some(Type::Dynamic) | None => None,
                Some(t) => Some(Arc::new(CastOnly {
                    ty: t,
                    convert: self.conversion(t, item.span)?,
                }) as Arc<dyn functions::ScalarImpl>),
            };
            bound.push(MvItem {
                expr: b.expr,
                target,
                cast,
            });
        }
        let width = schema.len();
        if let Some(n) = &index_name {
            schema.push(Column::new(n.clone(), Type::Long));
        }
        let limit = limit.map(|l| self.count_expr(l, scope)).transpose()?;
        Ok(Plan {
            schema,
            kind: PlanKind::MvExpand {
                input: Box::new(input),
                items: bound,
                bag,
                with_index: index_name.is_some(),
                limit,
                width,
            },
        })
    }

    /// The registry's conversion of a dynamic value to `ty` (`tolong`, `todatetime`, ...).
    pub(crate) fn conversion(
        &self,
        ty: Type,
        span: Span,
    ) -> Result<Arc<dyn functions::ScalarImpl>> {
        let name = match ty {
            Type::Bool => "tobool",
            Type::Int => "toint",
            Type::Long => "tolong",
            Type::Real => "todouble",
            Type::Decimal => "todecimal",
            Type::String => "tostring",
            Type::DateTime => "todatetime",
            Type::TimeSpan => "totimespan",
            Type::Guid => "toguid",
            Type::Dynamic => "todynamic",
        };
        let b = functions::bind_scalar(
            name,
            &[ArgInfo {
                ty: Type::Dynamic,
                constant: None,
            }],
        )
        .map_err(|e| self.fn_error(e, name, &[span], span, false))?;
        Ok(Arc::from(b.imp))
    }

    #[allow(clippy::too_many_arguments)]
    fn parse(
        &self,
        input: Plan,
        kind: &ast::ParseKind,
        filter: bool,
        expr: &Expr,
        pattern: &[ParsePart],
        flags: &str,
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let relaxed = matches!(kind, ast::ParseKind::Relaxed);
        let regex_mode = matches!(kind, ast::ParseKind::Regex);
        let b = self.scalar(expr, &input.schema, scope)?;
        let b = if b.ty == Type::String {
            b
        } else {
            self.call("tostring", vec![b], &[expr.span], expr.span)?
        };
        let mut schema = input.schema.clone();
        if !flags.chars().all(|c| "Umsi".contains(c)) {
            return Err(Error::semantic(
                format!("unknown regex flags `{flags}`"),
                span,
            ));
        }
        // Skips are lazy. A string capture is lazy in simple mode except at the very
        // end; in regex mode it is greedy (`U` makes it lazy), as the engine's answers
        // on the docs' examples show.
        let (lazy, greedy) = (".*?", ".*");
        let mut re = if flags.is_empty() {
            String::from("^")
        } else {
            format!("(?{flags})^")
        };
        let mut targets = Vec::new();
        let last_capture = pattern
            .iter()
            .rposition(|p| matches!(p, ParsePart::Capture { .. }));
        let ends_with_capture = last_capture == Some(pattern.len().saturating_sub(1));
        for (k, part) in pattern.iter().enumerate() {
            match part {
                ParsePart::Literal(s) => {
                    if regex_mode {
                        re.push_str(s);
                    } else {
                        re.push_str(&regex::escape(s));
                    }
                }
                ParsePart::Skip => re.push_str(&format!("(?:{lazy})")),
                ParsePart::Capture { name, ty } => {
                    let ty = ty.unwrap_or(Type::String);
                    let greedy_last = ends_with_capture && Some(k) == last_capture;
                    // Named groups, so that groups in a regex-mode pattern don't shift ours.
                    let any = if greedy_last || regex_mode {
                        greedy
                    } else {
                        lazy
                    };
                    let typed = match ty {
                        Type::Int | Type::Long => Some(r"[-+]?\d+"),
                        Type::Real | Type::Decimal => {
                            Some(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
                        }
                        _ => None,
                    };
                    // Relaxed: a typed capture prefers text of its type but takes any
                    // text (then null on its own) rather than failing the match.
                    let body = match typed {
                        Some(t) if relaxed => format!("(?:{t}|{any})"),
                        Some(t) => t.to_string(),
                        None => any.to_string(),
                    };
                    re.push_str(&format!("(?P<kqlcap{}>{body})", targets.len()));
                    let target = match schema.iter().position(|c| c.name == name.name) {
                        Some(i) => {
                            schema[i].ty = ty;
                            i
                        }
                        None => {
                            schema.push(Column::new(name.name.clone(), ty));
                            schema.len() - 1
                        }
                    };
                    let conv = if ty == Type::String {
                        None
                    } else {
                        Some(self.conversion(ty, name.span)?)
                    };
                    targets.push((target, ty, conv));
                }
            }
        }
        if !ends_with_capture {
            // A trailing literal must match at the end only when the pattern says so;
            // Kusto matches the pattern as a prefix otherwise.
        }
        let regex = regex::Regex::new(&re)
            .map_err(|e| Error::semantic(format!("invalid parse pattern: {e}"), span))?;
        Ok(Plan {
            schema,
            kind: PlanKind::Parse {
                input: Box::new(input),
                expr: b.expr,
                spec: ParseSpec {
                    regex: Arc::new(regex),
                    targets,
                    relaxed,
                },
                filter,
            },
        })
    }
}

impl Binder<'_> {
    /// A `search` predicate: a bare string means "some column has it" (`*` as a
    /// wildcard: `"*x*"` contains, `"x*"` a term prefix, `"*x"` a term suffix);
    /// `and`/`or`/`not` combine; anything else is an ordinary predicate.
    fn search_predicate(&self, e: &Expr, row: &[Column], scope: &Scope) -> Result<Bound> {
        match &e.kind {
            ExprKind::Literal(ast::Literal::String(text)) => {
                let (func, needle) =
                    match (text.starts_with('*'), text.ends_with('*') && text.len() > 1) {
                        (true, true) => ("contains", text.trim_matches('*')),
                        (false, true) => ("hasprefix", text.trim_end_matches('*')),
                        (true, false) => ("hassuffix", text.trim_start_matches('*')),
                        (false, false) => ("has", text.as_str()),
                    };
                let needle = Bound {
                    expr: BExpr::Const(Value::str(needle)),
                    ty: Type::String,
                };
                let mut acc: Option<BExpr> = None;
                for (i, c) in row.iter().enumerate() {
                    if !matches!(c.ty, Type::String | Type::Dynamic) {
                        continue;
                    }
                    let col = Bound {
                        expr: BExpr::Column(i),
                        ty: c.ty,
                    };
                    let test =
                        self.call(func, vec![col, needle.clone()], &[e.span, e.span], e.span)?;
                    acc = Some(match acc {
                        None => test.expr,
                        Some(a) => BExpr::Or(Box::new(a), Box::new(test.expr)),
                    });
                }
                Ok(Bound {
                    expr: acc.unwrap_or(BExpr::Const(Value::Bool(false))),
                    ty: Type::Bool,
                })
            }
            ExprKind::Paren(inner) => self.search_predicate(inner, row, scope),
            ExprKind::Binary {
                op: op @ (ast::BinaryOp::And | ast::BinaryOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.search_predicate(lhs, row, scope)?;
                let r = self.search_predicate(rhs, row, scope)?;
                let (l, r) = (Box::new(l.expr), Box::new(r.expr));
                Ok(Bound {
                    expr: if *op == ast::BinaryOp::And {
                        BExpr::And(l, r)
                    } else {
                        BExpr::Or(l, r)
                    },
                    ty: Type::Bool,
                })
            }
            ExprKind::Call { func, args } if func.name == "not" && args.len() == 1 => {
                let inner = self.search_predicate(&args[0].value, row, scope)?;
                self.call("not", vec![inner], &[e.span], e.span)
            }
            _ => {
                let b = self.scalar(e, row, scope)?;
                if !matches!(b.ty, Type::Bool | Type::Dynamic) {
                    return Err(Error::semantic(
                        format!("the `search` predicate must be bool, not {}", b.ty),
                        e.span,
                    ));
                }
                Ok(b)
            }
        }
    }
}

/// The parts of a `make-series` operator.
struct MakeSeriesAst<'a> {
    aggregates: &'a [NamedExpr],
    defaults: &'a [Option<Expr>],
    axis: &'a Expr,
    from: Option<&'a Expr>,
    to: Option<&'a Expr>,
    step: &'a Expr,
    by: &'a [NamedExpr],
}

impl Binder<'_> {
    fn make_series(
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

    /// `evaluate plugin(...)`: only `bag_unpack` so far.
    fn evaluate(&self, input: Plan, call: &Expr, span: Span) -> Result<Plan> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(Error::semantic(
                "`evaluate` expects a plugin call",
                call.span,
            ));
        };
        if func.name != "bag_unpack" {
            return Err(Error::unsupported(
                format!("evaluate {}", func.name),
                func.span,
            ));
        }
        let mut positional = args.iter().filter(|a| a.name.is_none());
        let col = match positional.next().map(|a| &a.value.kind) {
            Some(ExprKind::Name(id)) => column(&input.schema, id)?,
            _ => {
                return Err(Error::semantic(
                    "`bag_unpack` takes a dynamic column first",
                    call.span,
                ))
            }
        };
        let prefix = match positional.next().map(|a| &a.value.kind) {
            Some(ExprKind::Literal(ast::Literal::String(p))) => p.clone(),
            Some(_) => return Err(Error::unsupported("this `bag_unpack` argument", call.span)),
            None => String::new(),
        };
        let mut conflict = "error".to_string();
        for a in args.iter().filter(|a| a.name.is_some()) {
            match (a.name.as_ref().map(|n| n.name.as_str()), &a.value.kind) {
                (Some("columnsConflict"), ExprKind::Literal(ast::Literal::String(v))) => {
                    conflict = v.clone()
                }
                _ => return Err(Error::unsupported("this `bag_unpack` option", a.value.span)),
            }
        }
        if !self.run {
            // The output columns are the keys found in the data.
            return Err(Error::unsupported("bag_unpack without data", span));
        }
        let table = crate::exec::execute(&input, &self.ctx)?;
        // Keys in name order, each typed by its values: one scalar kind → that type.
        let mut keys: std::collections::BTreeMap<String, Option<Type>> = Default::default();
        for row in &table.rows {
            if let Value::Bag(b) = &row[col] {
                for (k, v) in b.iter() {
                    let ty = match v {
                        Value::Null => continue,
                        Value::String(_) => Type::String,
                        Value::Int(_) | Value::Long(_) => Type::Long,
                        Value::Real(_) => Type::Real,
                        Value::Bool(_) => Type::Bool,
                        _ => Type::Dynamic,
                    };
                    let slot = keys.entry(k.to_string()).or_insert(Some(ty));
                    if *slot != Some(ty) {
                        *slot = Some(Type::Dynamic);
                    }
                }
            }
        }
        let mut schema: Vec<Column> = input.schema.clone();
        schema.remove(col);
        let kept: Vec<usize> = (0..input.schema.len()).filter(|&i| i != col).collect();
        let mut unpacked: Vec<(String, usize)> = Vec::new(); // (key, output column)
        for (k, ty) in &keys {
            let name = format!("{prefix}{k}");
            let ty = ty.unwrap_or(Type::Dynamic);
            match schema.iter().position(|c| c.name == name) {
                Some(i) => match conflict.as_str() {
                    "keep_source" => {}
                    "replace_source" => {
                        schema[i].ty = ty;
                        unpacked.push((k.clone(), i));
                    }
                    _ => {
                        return Err(Error::semantic(
                            format!("bag_unpack: key `{k}` clashes with the column `{name}`"),
                            call.span,
                        )
                        .with_hint("use columnsConflict='replace_source' or 'keep_source'"))
                    }
                },
                None => {
                    schema.push(Column::new(name, ty));
                    unpacked.push((k.clone(), schema.len() - 1));
                }
            }
        }
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let mut r: Vec<Value> = kept.iter().map(|&i| row[i].clone()).collect();
                r.resize(schema.len(), Value::Null);
                for (k, i) in &unpacked {
                    let v = match &row[col] {
                        Value::Bag(b) => b.get(k.as_str()).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                    r[*i] = match (schema[*i].ty, v) {
                        (Type::Long, Value::Int(n)) => Value::Long(n as i64),
                        (Type::String, Value::Null) => Value::empty_str(),
                        (_, v) => v,
                    };
                }
                for (i, c) in schema.iter().enumerate() {
                    if c.ty == Type::String && r[i].is_null() {
                        r[i] = Value::empty_str();
                    }
                }
                r
            })
            .collect();
        Ok(Plan {
            kind: PlanKind::Values(Arc::new(Table::new(schema.clone(), rows))),
            schema,
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
    let short = match func.name.as_str() {
        "arg_max" => "max",
        "arg_min" => "min",
        _ => "any",
    };
    let first_name = args.first().and_then(|f| derived_name(&f.value));
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
        .ok_or_else(|| {
            let mut err = Error::semantic(format!("unknown column `{}`", id.name), id.span);
            if let Some(n) = nearest(&id.name, schema.iter().map(|c| c.name.as_str())) {
                err = err.with_hint(format!("did you mean `{n}`?"));
            }
            err
        })
}

fn check_new_name(schema: &[Column], name: &str, span: Span) -> Result<()> {
    if schema.iter().any(|c| c.name == name) {
        return Err(Error::semantic(
            format!("a column named `{name}` is already declared"),
            span,
        ));
    }
    Ok(())
}

fn check_new_name_in(taken: &[String], name: &str, span: Span) -> Result<()> {
    if taken.iter().any(|c| c == name) {
        return Err(Error::semantic(
            format!("a column named `{name}` is already declared"),
            span,
        ));
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

/// `input | where pred`. After an `innerunique` join, a predicate over left columns
/// only is applied to the left side before its duplicate keys are removed, as Kusto's
/// optimizer does (the docs' join-innerunique example: `where value == "val1.2"` after
/// the join keeps the left row "val1.2" even though deduplication could have kept
/// "val1.1"); the docs say the optimizer pushes such filters "when possible", so the
/// move also crosses column selections (`project`, `project-rename`, ...) and `extend`s
/// that the predicate does not read. For the other join kinds the move changes
/// nothing, so plans are left alone.
///
/// Otherwise the parts of the predicate that read only group keys move below the
/// `summarize` or `distinct` that makes the groups (see [`super::pushdown`]).
fn filter(input: Plan, pred: BExpr) -> Plan {
    if !pred.has_window() && reaches_innerunique_left(&input, &pred) {
        return push_down(input, pred);
    }
    match super::pushdown::below_groups(input, pred) {
        (input, Some(pred)) => filter_node(input, pred),
        (input, None) => input,
    }
}

/// Whether `pred` over `plan`'s rows can move down to the left side of an innerunique
/// join without changing what it reads.
fn reaches_innerunique_left(plan: &Plan, pred: &BExpr) -> bool {
    match &plan.kind {
        PlanKind::Join {
            left,
            kind: JoinKind::InnerUnique,
            ..
        } => columns_below(pred, left.schema.len()),
        PlanKind::Project { input, exprs } => {
            !exprs.iter().any(BExpr::has_window)
                && remap_columns(pred, exprs).is_some_and(|p| reaches_innerunique_left(input, &p))
        }
        PlanKind::Extend { input, items } => {
            let replaced = |i: usize| items.iter().any(|(t, _)| *t == Some(i));
            !items.iter().any(|(_, e)| e.has_window())
                && columns_below(pred, input.schema.len())
                && !column_refs(pred).into_iter().any(replaced)
                && reaches_innerunique_left(input, pred)
        }
        _ => false,
    }
}

/// Moves `pred` down as [`reaches_innerunique_left`] found possible.
fn push_down(plan: Plan, pred: BExpr) -> Plan {
    let Plan { schema, kind } = plan;
    let kind = match kind {
        PlanKind::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        } => PlanKind::Join {
            left: Box::new(filter(*left, pred)),
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        },
        PlanKind::Project { input, exprs } => match remap_columns(&pred, &exprs) {
            Some(p) => PlanKind::Project {
                input: Box::new(push_down(*input, p)),
                exprs,
            },
            None => {
                return filter_node(
                    Plan {
                        schema,
                        kind: PlanKind::Project { input, exprs },
                    },
                    pred,
                )
            }
        },
        PlanKind::Extend { input, items } => PlanKind::Extend {
            input: Box::new(push_down(*input, pred)),
            items,
        },
        other => {
            return filter_node(
                Plan {
                    schema,
                    kind: other,
                },
                pred,
            );
        }
    };
    Plan { schema, kind }
}

fn filter_node(input: Plan, pred: BExpr) -> Plan {
    Plan {
        schema: input.schema.clone(),
        kind: PlanKind::Filter {
            input: Box::new(input),
            pred,
        },
    }
}

/// `e` over a projection's output, rewritten over its input: None unless every column
/// it reads is a plain column of the input.
fn remap_columns(e: &BExpr, exprs: &[BExpr]) -> Option<BExpr> {
    Some(match e {
        BExpr::Const(v) => BExpr::Const(v.clone()),
        BExpr::Column(i) => match exprs.get(*i)? {
            BExpr::Column(j) => BExpr::Column(*j),
            _ => return None,
        },
        BExpr::Call(f, args) => BExpr::Call(
            f.clone(),
            args.iter()
                .map(|a| remap_columns(a, exprs))
                .collect::<Option<_>>()?,
        ),
        BExpr::Select(s, args) => BExpr::Select(
            *s,
            args.iter()
                .map(|a| remap_columns(a, exprs))
                .collect::<Option<_>>()?,
        ),
        BExpr::And(a, b) => BExpr::And(
            Box::new(remap_columns(a, exprs)?),
            Box::new(remap_columns(b, exprs)?),
        ),
        BExpr::Or(a, b) => BExpr::Or(
            Box::new(remap_columns(a, exprs)?),
            Box::new(remap_columns(b, exprs)?),
        ),
        BExpr::Window(..) | BExpr::Unavailable(_) => return None,
    })
}

/// The columns `e` reads.
fn column_refs(e: &BExpr) -> Vec<usize> {
    let mut out = Vec::new();
    fn walk(e: &BExpr, out: &mut Vec<usize>) {
        match e {
            BExpr::Column(i) => out.push(*i),
            BExpr::Call(_, args) | BExpr::Window(_, args) | BExpr::Select(_, args) => {
                args.iter().for_each(|a| walk(a, out))
            }
            BExpr::And(a, b) | BExpr::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            BExpr::Const(_) | BExpr::Unavailable(_) => {}
        }
    }
    walk(e, &mut out);
    out
}

/// Whether every column `e` reads is below `width` (and it reads no unknown value).
fn columns_below(e: &BExpr, width: usize) -> bool {
    match e {
        BExpr::Const(_) => true,
        BExpr::Column(i) => *i < width,
        BExpr::Call(_, args) | BExpr::Window(_, args) | BExpr::Select(_, args) => {
            args.iter().all(|a| columns_below(a, width))
        }
        BExpr::And(a, b) | BExpr::Or(a, b) => columns_below(a, width) && columns_below(b, width),
        BExpr::Unavailable(_) => false,
    }
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
