//! Scalar expressions: names resolved against the row and the scope, every operator
//! lowered to a call of the function registry, constants folded.

use super::{Binder, Entry, Inlined, Scope};
use crate::ast::{self, BinaryOp, Dyn, Expr, ExprKind, ListOp, Literal, UnaryOp};
use crate::error::{nearest, Code, Error, Result, Span};
use crate::functions::{self, ArgInfo, FnError};
use crate::plan::{BAgg, BExpr, Select, SelectKind};
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;
use std::cell::RefCell;
use std::sync::Arc;

/// A bound scalar expression and its static type.
#[derive(Clone, Debug)]
pub(crate) struct Bound {
    pub expr: BExpr,
    pub ty: Type,
}

impl Bound {
    pub(crate) fn constant(&self) -> Option<&Value> {
        match &self.expr {
            BExpr::Const(v) => Some(v),
            _ => None,
        }
    }
}

/// Aggregates met while binding a summarize expression such as `round(avg(x), 2)`:
/// their arguments are bound against the input rows, and the call itself becomes a
/// reference to its slot in the summarize output.
pub(crate) struct AggCollector<'c> {
    pub input: &'c [Column],
    /// Where the first aggregate output lands (after the keys).
    pub base: usize,
    pub aggs: Vec<BAgg>,
    pub outputs: Vec<Type>,
}

pub(crate) struct Ctx<'c, 'i> {
    pub row: &'c [Column],
    pub agg: Option<&'c RefCell<AggCollector<'i>>>,
    /// How many leading columns of `row` are the operator's input (in `extend`, the
    /// rest were added by the same operator); `pack_all` packs only those.
    pub input_width: usize,
}

impl Binder<'_> {
    /// Binds `e` as a scalar over a row with columns `row`.
    pub(crate) fn scalar(&self, e: &Expr, row: &[Column], scope: &Scope) -> Result<Bound> {
        self.expr(
            e,
            &Ctx {
                row,
                agg: None,
                input_width: row.len(),
            },
            scope,
        )
    }

    pub(crate) fn expr(&self, e: &Expr, cx: &Ctx<'_, '_>, scope: &Scope) -> Result<Bound> {
        match &e.kind {
            ExprKind::Literal(lit) => match literal_value(lit, e.span) {
                Ok((v, ty)) => Ok(Bound {
                    expr: BExpr::Const(v),
                    ty,
                }),
                // Kusto.Language does not read the text of `datetime("...")`: the check
                // warns, the run fails.
                Err(err) if self.checking() => {
                    self.warn(err.with_code(crate::error::codes::BAD_LITERAL));
                    Ok(Bound {
                        expr: BExpr::Unavailable(e.span),
                        ty: literal_type(lit),
                    })
                }
                Err(err) => Err(err),
            },
            ExprKind::Name(id) => self.name(id, cx, scope),
            ExprKind::Paren(inner) => self.expr(inner, cx, scope),
            ExprKind::JoinSide { .. } => Err(Error::semantic(
                "`$left` and `$right` can only be used in the `on` clause of a join",
                e.span,
            )),
            ExprKind::Star => Err(Error::semantic(
                "`*` is not allowed here: a scalar expression is expected",
                e.span,
            )),
            ExprKind::Unary { op, expr } => {
                let b = self.expr(expr, cx, scope)?;
                match op {
                    UnaryOp::Plus => Ok(b),
                    UnaryOp::Neg => self.call("neg", vec![b], &[expr.span], e.span),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs, cx, scope)?;
                let r = self.expr(rhs, cx, scope)?;
                let spans = [lhs.span, rhs.span];
                match op {
                    BinaryOp::And | BinaryOp::Or => self.logical(*op, l, r, &spans),
                    // Outside `search`, `Col:"x"` is a plain term match.
                    BinaryOp::SearchTerm => self.call("has", vec![l, r], &spans, e.span),
                    _ => self.call(&op.kql_name(), vec![l, r], &spans, e.span),
                }
            }
            ExprKind::List {
                op,
                negated,
                expr,
                list,
            } => self.list(*op, *negated, expr, list, e.span, cx, scope),
            ExprKind::Between {
                negated,
                expr,
                low,
                high,
            } => {
                let args = vec![
                    self.expr(expr, cx, scope)?,
                    self.expr(low, cx, scope)?,
                    self.expr(high, cx, scope)?,
                ];
                let name = if *negated { "!between" } else { "between" };
                self.call(name, args, &[expr.span, low.span, high.span], e.span)
            }
            ExprKind::Call { func, args } => self.call_expr(func, args, e.span, cx, scope),
            ExprKind::Member { expr, name } => {
                let base = self.expr(expr, cx, scope)?;
                let key = Bound {
                    expr: BExpr::Const(Value::str(&name.name)),
                    ty: Type::String,
                };
                self.call("__member", vec![base, key], &[expr.span, name.span], e.span)
            }
            ExprKind::Index { expr, index } => {
                let base = self.expr(expr, cx, scope)?;
                let idx = self.expr(index, cx, scope)?;
                self.call("__index", vec![base, idx], &[expr.span, index.span], e.span)
            }
            ExprKind::TypeOf(_) => Err(Error::semantic(
                "`typeof(...)` is only allowed as a function argument or after `to` in mv-expand",
                e.span,
            )),
            ExprKind::Pipeline { .. } | ExprKind::Source(_) => Err(Error::semantic(
                "a tabular expression is not allowed here: a scalar is expected",
                e.span,
            )
            .with_hint("use `toscalar(...)` to take the first value of a table")),
        }
    }

    fn name(&self, id: &ast::Ident, cx: &Ctx<'_, '_>, scope: &Scope) -> Result<Bound> {
        // A column wins over a let of the same name inside operator expressions.
        if let Some(i) = cx.row.iter().position(|c| c.name == id.name) {
            return Ok(Bound {
                expr: BExpr::Column(i),
                ty: cx.row[i].ty,
            });
        }
        match scope.get(&id.name) {
            Some(Entry::Scalar { expr, ty }) => Ok(Bound {
                expr: expr.clone(),
                ty: *ty,
            }),
            Some(e) if super::recover::is_unknown_entry(e) => Ok(super::recover::unknown(id.span)),
            Some(Entry::Tabular(_)) => Err(Error::semantic(
                format!(
                    "`{}` is a table, used here where a scalar is expected",
                    id.name
                ),
                id.span,
            )
            .with_hint(format!(
                "use `toscalar({})` for its first value, or `in ({})` to test membership",
                id.name, id.name
            ))),
            Some(Entry::Function(f, fscope)) if super::stored::bare_callable(f) => {
                let (f, fscope) = (f.clone(), fscope.clone());
                match self.inline_call(&f, &fscope, id, &[], cx.row, scope, None)? {
                    Inlined::Scalar(b) => Ok(b),
                    Inlined::Tabular(_) => Err(Error::semantic(
                        format!(
                            "`{}` returns a table, used here where a scalar is expected",
                            id.name
                        ),
                        id.span,
                    )),
                }
            }
            Some(Entry::Function(..)) => Err(Error::semantic(
                format!("function `{}` is used without arguments", id.name),
                id.span,
            )
            .with_code(Code::Ks(117))),
            Some(Entry::Restrict(_)) => Err(Error::semantic(
                format!("unknown column or variable `{}`", id.name),
                id.span,
            )
            .with_code(Code::Ks(142))),
            Some(Entry::Pattern(..)) => Err(Error::semantic(
                format!(
                    "`{}` is a pattern, used here where a scalar is expected",
                    id.name
                ),
                id.span,
            )),
            // Any name is a column of an open table (the check's stand-in for what it
            // cannot know).
            None if super::recover::open_marker(cx.row).is_some() => {
                Ok(super::recover::unknown(id.span))
            }
            None => {
                let mut candidates: Vec<&str> = cx.row.iter().map(|c| c.name.as_str()).collect();
                candidates.extend(scope.names());
                let mut err =
                    Error::semantic(format!("unknown column or variable `{}`", id.name), id.span)
                        .with_code(Code::Ks(142));
                if let Some(n) = nearest(&id.name, candidates) {
                    err = err.with_hint(format!("did you mean `{n}`?"));
                } else if self.catalog.get(&id.name).is_some() {
                    err = err.with_hint(format!(
                        "`{}` is a table; a scalar is expected here",
                        id.name
                    ));
                }
                Err(err)
            }
        }
    }

    fn logical(&self, op: BinaryOp, l: Bound, r: Bound, spans: &[Span]) -> Result<Bound> {
        for (b, span) in [&l, &r].into_iter().zip(spans) {
            if !matches!(b.ty, Type::Bool | Type::Dynamic | Type::Unknown) {
                let word = if op == BinaryOp::And { "and" } else { "or" };
                return Err(Error::semantic(
                    format!("`{word}` expects bool operands, found {}", b.ty),
                    *span,
                )
                .with_code(Code::Ks(106)));
            }
        }
        let expr = match (op, &l.expr, &r.expr) {
            (_, BExpr::Const(a), BExpr::Const(b)) => {
                BExpr::Const(crate::exec::eval::logic(op == BinaryOp::And, a, || {
                    b.clone()
                }))
            }
            (BinaryOp::And, _, _) => BExpr::And(Box::new(l.expr), Box::new(r.expr)),
            _ => BExpr::Or(Box::new(l.expr), Box::new(r.expr)),
        };
        Ok(Bound {
            expr,
            ty: Type::Bool,
        })
    }

    /// Binds a call of registry function `name` on bound arguments, folding it when
    /// every argument is constant.
    pub(crate) fn call(
        &self,
        name: &str,
        args: Vec<Bound>,
        spans: &[Span],
        span: Span,
    ) -> Result<Bound> {
        let infos: Vec<ArgInfo> = args
            .iter()
            .map(|a| ArgInfo {
                ty: a.ty,
                constant: a.constant(),
            })
            .collect();
        let bound = match functions::bind_scalar(name, &infos) {
            Ok(b) => b,
            Err(e) => {
                if self.checking() {
                    if let Some(b) = self.check_call(name, &infos, &e, span) {
                        return Ok(b);
                    }
                }
                return Err(self.fn_error(e, name, spans, span, false));
            }
        };
        let imp: Arc<dyn functions::ScalarImpl> = Arc::from(bound.imp);
        // A volatile call (`rand()`) is never folded: each row draws its own value.
        let all_const = args.iter().all(|a| a.constant().is_some());
        let expr = if all_const && !imp.volatile() {
            let vals: Vec<Value> = args.iter().filter_map(|a| a.constant().cloned()).collect();
            BExpr::Const(imp.call(&vals, self.ctx))
        } else if let Some(select) = selection(name, &args, bound.ty) {
            BExpr::Select(select, args.into_iter().map(|a| a.expr).collect())
        } else {
            let mut args: Vec<BExpr> = args.into_iter().map(|a| a.expr).collect();
            if let Some(n) = bound.reads {
                // The rest are constants the implementation captured.
                args.truncate(n);
            }
            BExpr::Call(imp, args)
        };
        Ok(Bound { expr, ty: bound.ty })
    }

    pub(crate) fn fn_error(
        &self,
        e: FnError,
        name: &str,
        spans: &[Span],
        span: Span,
        aggregate: bool,
    ) -> Error {
        let what = if aggregate {
            "aggregate function"
        } else {
            "function"
        };
        // Operators (`==`, `+`, `has`) are registry names that do not read like a
        // function's: Kusto reports their type errors as KS106, a function's as KS107.
        let operator = functions::is_operator(name);
        match e {
            FnError::Unknown => {
                let mut err = Error::semantic(format!("unknown {what} `{name}`"), span)
                    .with_code(Code::Ks(211));
                let names = functions::known_names().chain(super::BINDER_FUNCTIONS.iter().copied());
                if let Some(n) = nearest(name, names) {
                    err = err.with_hint(format!("did you mean `{n}`?"));
                }
                err
            }
            FnError::Unsupported => Error::unsupported(name, span),
            FnError::UnsupportedArg(i, form) => {
                Error::unsupported(form, spans.get(i).copied().unwrap_or(span))
            }
            FnError::Arity(msg) => {
                Error::semantic(format!("`{name}`: {msg}"), span).with_code(Code::Ks(119))
            }
            FnError::Type(i, msg) => Error::semantic(
                format!("`{name}`: {msg}"),
                spans.get(i).copied().unwrap_or(span),
            )
            .with_code(if operator {
                Code::Ks(106)
            } else {
                Code::Ks(107)
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        op: ListOp,
        negated: bool,
        lhs: &Expr,
        list: &[Expr],
        span: Span,
        cx: &Ctx<'_, '_>,
        scope: &Scope,
    ) -> Result<Bound> {
        let mut args = vec![self.expr(lhs, cx, scope)?];
        let mut spans = vec![lhs.span];
        if let [single] = list {
            if self.is_tabular(single, scope) {
                args.push(self.first_column(single, scope)?);
                spans.push(single.span);
            }
        }
        if args.len() == 1 {
            for item in list {
                args.push(self.expr(item, cx, scope)?);
                spans.push(item.span);
            }
        }
        let (name, wrap_not) = match op {
            ListOp::In { case_insensitive } => {
                let base = if case_insensitive { "in~" } else { "in" };
                (
                    if negated {
                        format!("!{base}")
                    } else {
                        base.to_string()
                    },
                    false,
                )
            }
            ListOp::HasAny => ("has_any".to_string(), negated),
            ListOp::HasAll => ("has_all".to_string(), negated),
        };
        let b = self.call(&name, args, &spans, span)?;
        if wrap_not {
            self.call("not", vec![b], &[span], span)
        } else {
            Ok(b)
        }
    }

    /// A subquery's first column as a dynamic array (for `in (T)`, `has_any (T)`).
    fn first_column(&self, e: &Expr, scope: &Scope) -> Result<Bound> {
        let plan = self.tabular(e, scope)?;
        if plan.schema.is_empty() {
            return Err(Error::semantic("the subquery has no columns", e.span));
        }
        let expr = match self.subquery_rows(&plan) {
            Some(t) => BExpr::Const(Value::array(t?.rows.iter().map(|r| r[0].clone()).collect())),
            None => BExpr::Unavailable(e.span),
        };
        Ok(Bound {
            expr,
            ty: Type::Dynamic,
        })
    }

    fn call_expr(
        &self,
        func: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
        cx: &Ctx<'_, '_>,
        scope: &Scope,
    ) -> Result<Bound> {
        let name = func.name.as_str();
        if scope
            .get(name)
            .is_some_and(super::recover::is_unknown_entry)
        {
            return Ok(super::recover::unknown(span));
        }
        if let Some(Entry::Function(f, fscope)) = scope.get(name) {
            let (f, fscope) = (f.clone(), fscope.clone());
            return match self.inline_call(&f, &fscope, func, args, cx.row, scope, None)? {
                Inlined::Scalar(b) => Ok(b),
                Inlined::Tabular(_) => Err(Error::semantic(
                    format!("`{name}` returns a table, used here where a scalar is expected"),
                    span,
                )),
            };
        }
        match name {
            "toscalar" => {
                let [arg] = args else {
                    return Err(Error::semantic("`toscalar` takes one argument", span));
                };
                if !self.is_tabular(&arg.value, scope) {
                    return self.expr(&arg.value, cx, scope);
                }
                let plan = self.tabular(&arg.value, scope)?;
                let Some(col) = plan.schema.first() else {
                    return Err(Error::semantic(
                        "the subquery has no columns",
                        arg.value.span,
                    ));
                };
                let ty = col.ty;
                let expr = match self.subquery_rows(&plan) {
                    Some(t) => {
                        BExpr::Const(t?.rows.first().map(|r| r[0].clone()).unwrap_or_else(|| {
                            if ty == Type::String {
                                Value::empty_str()
                            } else {
                                Value::Null
                            }
                        }))
                    }
                    None => BExpr::Unavailable(span),
                };
                return Ok(Bound { expr, ty });
            }
            "column_ifexists" | "columnifexists" => {
                let [col, default] = args else {
                    return Err(Error::semantic(
                        "`column_ifexists` takes a column name and a default value",
                        span,
                    ));
                };
                // The column's name: a string literal, or a constant such as a function's
                // parameter bound to one (Kusto.Language accepts either).
                let named = match &col.value.kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                    _ => match self.expr(&col.value, cx, scope)?.constant() {
                        Some(Value::String(s)) => Some(s.to_string()),
                        _ => None,
                    },
                };
                let Some(cname) = named else {
                    if self.checking() {
                        return Ok(super::recover::unknown(span));
                    }
                    return Err(Error::semantic(
                        "the first argument of `column_ifexists` must be a constant string",
                        col.value.span,
                    ));
                };
                let cname = &cname;
                if let Some(i) = cx.row.iter().position(|c| &c.name == cname) {
                    return Ok(Bound {
                        expr: BExpr::Column(i),
                        ty: cx.row[i].ty,
                    });
                }
                return self.expr(&default.value, cx, scope);
            }
            "prev" | "next" | "row_number" | "row_cumsum" | "row_rank_min" | "row_rank_dense"
            | "row_window_session" => return self.window(func, args, span, cx, scope),
            "column_names_of" => {
                let [arg] = args else {
                    return Err(Error::semantic("`column_names_of` takes one table", span));
                };
                let plan = self.tabular(&arg.value, scope)?;
                let names = plan.schema.iter().map(|c| Value::str(&c.name)).collect();
                return Ok(Bound {
                    expr: BExpr::Const(Value::array(names)),
                    ty: Type::Dynamic,
                });
            }
            // `estimate_data_size(*)` and `pack_array(*)` take every column of the row.
            "estimate_data_size" | "pack_array"
                if args.iter().any(|a| matches!(a.value.kind, ExprKind::Star)) =>
            {
                let cols = &cx.row[..cx.input_width.min(cx.row.len())];
                let bound: Vec<Bound> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Bound {
                        expr: BExpr::Column(i),
                        ty: c.ty,
                    })
                    .collect();
                let spans = vec![span; bound.len()];
                return self.call(name, bound, &spans, span);
            }
            // The bag's keys are the columns' names, so only column references qualify.
            "bag_pack_columns" => {
                let mut names = Vec::new();
                let mut exprs = Vec::new();
                for a in args {
                    let ExprKind::Name(id) = &a.value.kind else {
                        return Err(Error::semantic(
                            "the arguments of `bag_pack_columns` must be columns",
                            a.value.span,
                        ));
                    };
                    names.push(Arc::from(id.name.as_str()));
                    exprs.push(self.expr(&a.value, cx, scope)?.expr);
                }
                let imp = PackAll {
                    names,
                    skip_empty: false,
                };
                return Ok(Bound {
                    expr: BExpr::Call(Arc::new(imp), exprs),
                    ty: Type::Dynamic,
                });
            }
            "pack_all" => {
                let skip_empty = match args.first() {
                    None => false,
                    Some(a) => match self.expr(&a.value, cx, scope)?.constant() {
                        Some(Value::Bool(b)) => *b,
                        _ => {
                            return Err(Error::semantic(
                                "the argument of `pack_all` must be a constant bool",
                                a.value.span,
                            ))
                        }
                    },
                };
                let cols = &cx.row[..cx.input_width.min(cx.row.len())];
                let imp = PackAll {
                    names: cols.iter().map(|c| Arc::from(c.name.as_str())).collect(),
                    skip_empty,
                };
                return Ok(Bound {
                    expr: BExpr::Call(Arc::new(imp), (0..cols.len()).map(BExpr::Column).collect()),
                    ty: Type::Dynamic,
                });
            }
            // `bin(value, size)` or `bin_at(value, size, at)` with the request's
            // `set query_bin_auto_size=...;` and `query_bin_auto_at`.
            "bin_auto" => {
                let [value] = args else {
                    return Err(Error::semantic("`bin_auto` takes one argument", span));
                };
                let setting = |n: &str| match scope.get(&format!("${n}")) {
                    Some(Entry::Scalar { expr, ty }) => Some(Bound {
                        expr: expr.clone(),
                        ty: *ty,
                    }),
                    _ => None,
                };
                let Some(size) = setting("query_bin_auto_size") else {
                    return Err(Error::semantic(
                        "`bin_auto` needs the bin size: `set query_bin_auto_size=1h;` before the query",
                        span,
                    ));
                };
                let v = self.expr(&value.value, cx, scope)?;
                let spans = [value.value.span, span, span];
                return match setting("query_bin_auto_at") {
                    Some(at) => self.call("bin_at", vec![v, size, at], &spans, span),
                    None => self.call("bin", vec![v, size], &spans, span),
                };
            }
            "materialize" | "table" | "view" => {
                return Err(Error::semantic(
                    format!("`{name}` gives a table, used here where a scalar is expected"),
                    span,
                ))
            }
            "geo_info_from_ip_address" => return self.geo_info(args, span, cx, scope),
            _ => {}
        }
        if functions::aggregates_here(name, args.len(), cx.agg.is_some()) {
            return match cx.agg {
                Some(collector) => self.nested_aggregate(func, args, span, collector, scope),
                None => Err(Error::semantic(
                    format!("aggregate function `{name}` is only allowed in `summarize`"),
                    span,
                )
                .with_code(Code::Ks(144))
                .with_hint("use it inside `summarize`, or a scalar function instead")),
            };
        }
        // An unknown name is said before its arguments are bound: in `summarize
        // dcont(x)` the argument `x` is no column of the summarize's output, and "unknown
        // column `x`" would point at the one right part of the call.
        if !functions::is_scalar_implemented(name) && !functions::is_unsupported(name) {
            return Err(self.fn_error(FnError::Unknown, name, &[], span, false));
        }
        let star = super::star_args::has_star(args);
        if star && !super::star_args::STAR_FUNCTIONS.contains(&name) {
            return Err(super::star_args::star_not_allowed(func, args));
        }
        let mut bound = Vec::with_capacity(args.len());
        let mut spans = Vec::with_capacity(args.len());
        for a in args {
            if matches!(a.value.kind, ExprKind::Star) {
                for b in super::star_args::star_columns(cx) {
                    bound.push(b);
                    spans.push(a.value.span);
                }
                continue;
            }
            bound.push(self.arg(&a.value, cx, scope)?);
            spans.push(a.value.span);
        }
        if name == "estimate_data_size" {
            return super::star_args::estimate_data_size(bound, span);
        }
        if functions::tuple_outputs(name).is_some() {
            // Only a whole extend/project/print item spreads the outputs over columns.
            return Err(Error::semantic(
                format!("`{name}` gives several columns, so it cannot be part of another expression"),
                span,
            )
            .with_hint(format!(
                "use it alone in `extend`, `project` or `print`: `extend ({name}_out1, ...) = {name}(...)`"
            )));
        }
        self.call(name, bound, &spans, span)
    }

    /// `geo_info_from_ip_address(ip)`: a bag from the catalog's geolocation database.
    fn geo_info(
        &self,
        args: &[ast::Arg],
        span: Span,
        cx: &Ctx<'_, '_>,
        scope: &Scope,
    ) -> Result<Bound> {
        let [arg] = args else {
            return Err(Error::semantic(
                format!(
                    "`geo_info_from_ip_address` expects 1 argument, got {}",
                    args.len()
                ),
                span,
            )
            .with_code(Code::Ks(119)));
        };
        let ip = self.expr(&arg.value, cx, scope)?;
        if !matches!(ip.ty, Type::String | Type::Dynamic | Type::Unknown) {
            return Err(Error::semantic(
                format!(
                    "`geo_info_from_ip_address` takes an IP address string, not {}",
                    ip.ty
                ),
                arg.value.span,
            )
            .with_code(Code::Ks(107)));
        }
        if self.checking() {
            return Ok(Bound {
                expr: BExpr::Unavailable(span),
                ty: Type::Dynamic,
            });
        }
        let Some(db) = self.catalog.geoip() else {
            return Err(Error::semantic(
                "`geo_info_from_ip_address` needs an IP geolocation database",
                span,
            )
            .with_hint("give one with --geoip FILE: a GeoLite2-City .mmdb, or a .csv of network,country,state,city,latitude,longitude"));
        };
        let imp = crate::geoip::Lookup(db.clone());
        let expr = match ip.constant() {
            Some(v) => BExpr::Const(imp.0.info(v)),
            None => BExpr::Call(Arc::new(imp), vec![ip.expr]),
        };
        Ok(Bound {
            expr,
            ty: Type::Dynamic,
        })
    }

    /// `prev(x[, offset[, default]])`, `next(...)`, `row_number([start])`.
    fn window(
        &self,
        func: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
        cx: &Ctx<'_, '_>,
        scope: &Scope,
    ) -> Result<Bound> {
        use crate::plan::WindowKind;
        let mut bound = Vec::new();
        for a in args {
            bound.push(self.expr(&a.value, cx, scope)?);
        }
        let int_const = |b: Option<&Bound>, what: &str| -> Result<()> {
            match b {
                None => Ok(()),
                Some(b) if matches!(b.constant(), Some(Value::Long(_) | Value::Int(_))) => Ok(()),
                Some(_) => Err(Error::semantic(
                    format!("the {what} of `{}` must be an integer constant", func.name),
                    span,
                )),
            }
        };
        let (kind, ty) = match func.name.as_str() {
            "row_number" => {
                int_const(bound.first(), "start")?;
                match bound.get(1) {
                    None => (WindowKind::RowNumber, Type::Long),
                    Some(r) if r.ty == Type::Bool => (WindowKind::RowNumberRestart, Type::Long),
                    Some(_) => {
                        return Err(Error::semantic(
                            "the restart condition of `row_number` must be bool",
                            span,
                        ))
                    }
                }
            }
            "row_cumsum" => {
                let ty = match bound.first().map(|b| b.ty) {
                    Some(Type::Int) => Type::Long,
                    Some(t @ (Type::Long | Type::Real | Type::Decimal | Type::TimeSpan)) => t,
                    _ => return Err(Error::semantic(
                        "`row_cumsum` takes a number or timespan and an optional restart condition",
                        span,
                    )),
                };
                if bound.len() > 2 || bound.get(1).is_some_and(|r| r.ty != Type::Bool) {
                    return Err(Error::semantic(
                        "the restart condition of `row_cumsum` must be bool",
                        span,
                    ));
                }
                (WindowKind::RowCumSum, ty)
            }
            "row_rank_min" | "row_rank_dense" => {
                if bound.is_empty()
                    || bound.len() > 2
                    || bound.get(1).is_some_and(|r| r.ty != Type::Bool)
                {
                    return Err(Error::semantic(
                        format!(
                            "`{}` takes a term and an optional bool restart condition",
                            func.name
                        ),
                        span,
                    ));
                }
                let kind = if func.name == "row_rank_min" {
                    WindowKind::RowRankMin
                } else {
                    WindowKind::RowRankDense
                };
                (kind, Type::Long)
            }
            "row_window_session" => {
                let ok = (3..=4).contains(&bound.len())
                    && bound[0].ty == Type::DateTime
                    && bound[1].ty == Type::TimeSpan
                    && bound[2].ty == Type::TimeSpan
                    && bound.get(3).is_none_or(|r| r.ty == Type::Bool);
                if !ok {
                    return Err(Error::semantic(
                        "`row_window_session` takes a datetime, two timespans (the longest \
                         session and the longest gap) and an optional bool restart condition",
                        span,
                    ));
                }
                (WindowKind::RowWindowSession, Type::DateTime)
            }
            name => {
                if bound.is_empty() || bound.len() > 3 {
                    return Err(Error::semantic(
                        format!("`{name}` takes an expression, an optional offset and an optional default"),
                        span,
                    ));
                }
                int_const(bound.get(1), "offset")?;
                let ty = bound[0].ty;
                if bound.len() < 2 {
                    bound.push(Bound {
                        expr: BExpr::Const(Value::Long(1)),
                        ty: Type::Long,
                    });
                }
                if bound.len() < 3 {
                    bound.push(Bound {
                        expr: BExpr::Const(Value::null_of(ty)),
                        ty,
                    });
                }
                let kind = if name == "prev" {
                    WindowKind::Prev
                } else {
                    WindowKind::Next
                };
                (kind, ty)
            }
        };
        Ok(Bound {
            expr: BExpr::Window(kind, bound.into_iter().map(|b| b.expr).collect()),
            ty,
        })
    }

    /// A function argument: like an expression, but `typeof(T)` is allowed and passes
    /// as a constant string naming the type, with static type T.
    pub(crate) fn arg(&self, e: &Expr, cx: &Ctx<'_, '_>, scope: &Scope) -> Result<Bound> {
        match &e.kind {
            ExprKind::TypeOf(cols) if cols.len() == 1 => Ok(Bound {
                expr: BExpr::Const(Value::str(cols[0].ty.name())),
                ty: cols[0].ty,
            }),
            _ => self.expr(e, cx, scope),
        }
    }

    fn nested_aggregate(
        &self,
        func: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
        collector: &RefCell<AggCollector>,
        scope: &Scope,
    ) -> Result<Bound> {
        let input = collector.borrow().input;
        let (agg, outputs) = self.aggregate(func, args, span, input, scope)?;
        if outputs.len() != 1 {
            return Err(Error::semantic(
                format!(
                    "`{}` gives several columns and cannot be part of an expression",
                    func.name
                ),
                span,
            ));
        }
        let mut c = collector.borrow_mut();
        let slot = c.base + c.outputs.len();
        c.aggs.push(agg);
        c.outputs.push(outputs[0]);
        Ok(Bound {
            expr: BExpr::Column(slot),
            ty: outputs[0],
        })
    }

    /// Binds an aggregate call's arguments against `input` (expanding `*`).
    pub(crate) fn aggregate(
        &self,
        func: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
        input: &[Column],
        scope: &Scope,
    ) -> Result<(BAgg, Vec<Type>)> {
        self.aggregate_skipping(func, args, span, input, &[], scope)
    }

    /// As [`Self::aggregate`]; `*` leaves out the columns named in `skip` (the
    /// `summarize ... by` keys, which the output has already).
    pub(crate) fn aggregate_skipping(
        &self,
        func: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
        input: &[Column],
        skip: &[String],
        scope: &Scope,
    ) -> Result<(BAgg, Vec<Type>)> {
        let cx = Ctx {
            row: input,
            agg: None,
            input_width: input.len(),
        };
        let mut bound = Vec::new();
        let mut spans = Vec::new();
        for (k, a) in args.iter().enumerate() {
            if matches!(a.value.kind, ExprKind::Star) {
                if !super::star_args::STAR_AGGREGATES.contains(&func.name.as_str()) {
                    return Err(super::star_args::star_not_allowed_in(
                        func,
                        a.value.span,
                        super::star_args::STAR_AGGREGATES,
                    ));
                }
                // `arg_max(x, *)`: every column except the one already named first.
                let first = args.first().and_then(|f| match &f.value.kind {
                    ExprKind::Name(id) if k > 0 => Some(id.name.as_str()),
                    _ => None,
                });
                for (i, c) in input.iter().enumerate() {
                    if Some(c.name.as_str()) != first && !skip.contains(&c.name) {
                        bound.push(Bound {
                            expr: BExpr::Column(i),
                            ty: c.ty,
                        });
                        spans.push(a.value.span);
                    }
                }
            } else {
                bound.push(self.arg(&a.value, &cx, scope)?);
                spans.push(a.value.span);
            }
        }
        let infos: Vec<ArgInfo> = bound
            .iter()
            .map(|a| ArgInfo {
                ty: a.ty,
                constant: a.constant(),
            })
            .collect();
        let b = match functions::bind_aggregate(&func.name, &infos) {
            Ok(b) => b,
            Err(e) => {
                let typed = if self.checking() {
                    self.check_aggregate(&func.name, &infos, &e)
                } else {
                    None
                };
                let Some(outputs) = typed else {
                    return Err(self.fn_error(e, &func.name, &spans, span, true));
                };
                return Ok((
                    BAgg {
                        imp: Arc::new(super::recover::Unrunnable),
                        args: bound.into_iter().map(|a| a.expr).collect(),
                    },
                    outputs,
                ));
            }
        };
        Ok((
            BAgg {
                imp: Arc::from(b.imp),
                args: bound.into_iter().map(|a| a.expr).collect(),
            },
            b.outputs,
        ))
    }
}

/// `pack_all([ignore_null_empty])`: the row as a bag, keyed by column name.
struct PackAll {
    names: Vec<Arc<str>>,
    skip_empty: bool,
}

impl functions::ScalarImpl for PackAll {
    fn call(&self, args: &[Value], _ctx: &functions::EvalCtx) -> Value {
        let mut bag = crate::value::Bag::default();
        for (name, v) in self.names.iter().zip(args) {
            let empty = v.is_null() || matches!(v, Value::String(s) if s.is_empty());
            if !(self.skip_empty && empty) {
                bag.insert(name.clone(), v.clone());
            }
        }
        Value::bag(bag)
    }
}

/// The lazy form of a conditional function already type-checked by the registry
/// (`ty` its result type): `case`, `iff`/`iif` and `coalesce` choose one argument, so
/// they need not evaluate the others. Calls holding a window function stay eager: those
/// keep running state that must advance on every row.
fn selection(name: &str, args: &[Bound], ty: Type) -> Option<Select> {
    let n = args.len();
    let (kind, values): (SelectKind, Vec<usize>) = match name {
        "case" | "iff" | "iif" => (
            SelectKind::Case,
            (1..n.saturating_sub(1))
                .step_by(2)
                .chain(n.checked_sub(1))
                .collect(),
        ),
        "coalesce" => (SelectKind::Coalesce, (0..n).collect()),
        _ => return None,
    };
    if args.iter().any(|a| a.expr.has_window()) {
        return None;
    }
    // The registry's rule: every chosen value is converted once any value's type differs.
    let cast = values.iter().any(|&i| args[i].ty != ty);
    Some(Select { kind, ty, cast })
}

/// The type of a literal, whatever its text.
fn literal_type(lit: &Literal) -> Type {
    match lit {
        Literal::Bool(_) => Type::Bool,
        Literal::Int(_) => Type::Int,
        Literal::Long(_) => Type::Long,
        Literal::Real(_) => Type::Real,
        Literal::Decimal(_) => Type::Decimal,
        Literal::String(_) => Type::String,
        Literal::DateTime(_) => Type::DateTime,
        Literal::TimeSpan(_) => Type::TimeSpan,
        Literal::Guid(_) => Type::Guid,
        Literal::Dynamic(_) => Type::Dynamic,
        Literal::Null(ty) => *ty,
    }
}

/// The value and type of a literal.
pub(crate) fn literal_value(lit: &Literal, span: Span) -> Result<(Value, Type)> {
    Ok(match lit {
        Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        Literal::Int(i) => (Value::Int(*i), Type::Int),
        Literal::Long(l) => (Value::Long(*l), Type::Long),
        Literal::Real(r) => (Value::Real(*r), Type::Real),
        Literal::Decimal(text) => {
            let v = text
                .trim()
                .parse::<f64>()
                .map_err(|_| Error::semantic(format!("invalid decimal literal `{text}`"), span))?;
            (Value::Decimal(v), Type::Decimal)
        }
        Literal::String(s) => (Value::str(s), Type::String),
        Literal::DateTime(text) => match crate::value::parse_datetime(text.trim()) {
            Some(t) => (Value::DateTime(t), Type::DateTime),
            None => {
                return Err(Error::semantic(
                    format!("invalid datetime literal `{text}`"),
                    span,
                ))
            }
        },
        Literal::TimeSpan(t) => (Value::TimeSpan(*t), Type::TimeSpan),
        Literal::Guid(text) => {
            let hex: String = text.chars().filter(|c| *c != '-').collect();
            match u128::from_str_radix(hex.trim(), 16) {
                Ok(g) if hex.trim().len() == 32 => (Value::Guid(g.into()), Type::Guid),
                _ => {
                    return Err(Error::semantic(
                        format!("invalid guid literal `{text}`"),
                        span,
                    ))
                }
            }
        }
        Literal::Dynamic(d) => (dyn_value(d, span)?, Type::Dynamic),
        Literal::Null(ty) => (
            if *ty == Type::String {
                Value::empty_str()
            } else {
                Value::Null
            },
            *ty,
        ),
    })
}

fn dyn_value(d: &Dyn, span: Span) -> Result<Value> {
    Ok(match d {
        Dyn::Null => Value::Null,
        Dyn::Array(items) => Value::array(
            items
                .iter()
                .map(|i| dyn_value(i, span))
                .collect::<Result<_>>()?,
        ),
        Dyn::Bag(pairs) => {
            let mut map = crate::value::Bag::default();
            for (k, v) in pairs {
                map.insert(Arc::from(k.as_str()), dyn_value(v, span)?);
            }
            Value::bag(map)
        }
        Dyn::Scalar(lit) => match literal_value(lit, span)?.0 {
            // JSON numbers inside dynamic are long or real.
            Value::Int(i) => Value::Long(i as i64),
            v => v,
        },
    })
}
