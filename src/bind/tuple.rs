//! Scalar functions that give several columns: `array_sort_asc(a, b)` (and `_desc`)
//! with several arrays. The function itself returns the array of results; in `print`,
//! `extend` and `project` each result becomes its own column, named `<arg>_sorted` or
//! from `(x, y) = ...`.

use super::expr::Bound;
use super::names::derived_name;
use super::{Binder, Scope};
use crate::ast::{Expr, ExprKind, NamedExpr};
use crate::error::{Error, Result};
use crate::functions::{self, ArgInfo};
use crate::plan::BExpr;
use crate::table::Column;
use crate::types::Type;
use crate::value::Value;
use std::sync::{Arc, Mutex};

impl Binder<'_> {
    /// The columns of `item` when its expression gives several: (name, expression).
    /// None for an ordinary one-column expression.
    pub(crate) fn tuple_columns(
        &self,
        item: &NamedExpr,
        row: &[Column],
        scope: &Scope,
    ) -> Result<Option<Vec<(String, Bound)>>> {
        let ExprKind::Call { func, args } = &unparen(&item.expr).kind else {
            return Ok(None);
        };
        if let Some(outputs) = functions::tuple_outputs(&func.name) {
            if !matches!(scope.get(&func.name), Some(super::Entry::Function(..))) {
                return self
                    .registry_tuple(item, func, args, outputs, row, scope)
                    .map(Some);
            }
        }
        if !matches!(func.name.as_str(), "array_sort_asc" | "array_sort_desc") || args.len() < 2 {
            return Ok(None);
        }
        let mut tys = Vec::new();
        for a in args {
            tys.push(self.scalar(&a.value, row, scope)?.ty);
        }
        let arrays = tys.len() - usize::from(tys.last() == Some(&Type::Bool));
        if arrays < 2 {
            return Ok(None);
        }
        if !item.names.is_empty() && item.names.len() != arrays {
            return Err(Error::semantic(
                format!(
                    "`{}` gives {arrays} columns, but {} names are given",
                    func.name,
                    item.names.len()
                ),
                item.span,
            ));
        }
        let whole = self.scalar(&item.expr, row, scope)?;
        let index: Arc<dyn functions::ScalarImpl> = {
            let infos = [
                ArgInfo {
                    ty: Type::Dynamic,
                    constant: None,
                },
                ArgInfo {
                    ty: Type::Long,
                    constant: None,
                },
            ];
            let b = functions::bind_scalar("__index", &infos)
                .map_err(|_| Error::semantic("cannot index a result", item.span))?;
            Arc::from(b.imp)
        };
        let mut out = Vec::with_capacity(arrays);
        for k in 0..arrays {
            let name = match item.names.get(k) {
                Some(n) => n.name.clone(),
                None => match derived_name(&args[k].value) {
                    Some(n) => format!("{n}_sorted"),
                    None => format!("array{}_sorted", k + 1),
                },
            };
            let expr = BExpr::Call(
                index.clone(),
                vec![whole.expr.clone(), BExpr::Const(Value::Long(k as i64))],
            );
            out.push((
                name,
                Bound {
                    expr,
                    ty: Type::Dynamic,
                },
            ));
        }
        Ok(Some(out))
    }
}

impl Binder<'_> {
    /// A registry function that gives several columns (`series_stats(y)`): its value,
    /// the array of its outputs, is computed once per row and each column picks its
    /// output. Names: `(a, b) = ...` names the first ones, the rest are
    /// `<function>_<first argument>_<output>` (Kusto.Language's names).
    fn registry_tuple(
        &self,
        item: &NamedExpr,
        func: &crate::ast::Ident,
        args: &[crate::ast::Arg],
        outputs: &'static [(&'static str, Type)],
        row: &[Column],
        scope: &Scope,
    ) -> Result<Vec<(String, Bound)>> {
        if item.names.len() > outputs.len() {
            return Err(Error::semantic(
                format!(
                    "`{}` gives {} columns, but {} names are given",
                    func.name,
                    outputs.len(),
                    item.names.len()
                ),
                item.span,
            ));
        }
        let mut bound = Vec::with_capacity(args.len());
        let mut spans = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.scalar(&a.value, row, scope)?);
            spans.push(a.value.span);
        }
        let whole = self.call(&func.name, bound, &spans, item.expr.span)?;
        let arg_name = match args.first().map(|a| &unparen(&a.value).kind) {
            Some(ExprKind::Call { .. }) | None => String::new(),
            Some(_) => derived_name(&args[0].value).unwrap_or_default(),
        };
        let constant = whole.constant().cloned();
        let shared = match whole.expr {
            BExpr::Call(imp, call_args) => Some((
                Arc::new(TupleCall {
                    imp,
                    last: Mutex::new(None),
                }),
                call_args,
            )),
            _ => None,
        };
        let mut out = Vec::with_capacity(outputs.len());
        for (k, (suffix, ty)) in outputs.iter().enumerate() {
            let name = match item.names.get(k) {
                Some(n) => n.name.clone(),
                None => format!("{}_{arg_name}_{suffix}", func.name),
            };
            let expr = match (&shared, &constant) {
                (Some((call, call_args)), _) => BExpr::Call(
                    Arc::new(TupleItem {
                        call: call.clone(),
                        k,
                        ty: *ty,
                    }),
                    call_args.clone(),
                ),
                (None, Some(v)) => BExpr::Const(pick(v, k, *ty)),
                (None, None) => {
                    return Err(Error::semantic(
                        format!("`{}` cannot be computed here", func.name),
                        item.span,
                    ))
                }
            };
            out.push((name, Bound { expr, ty: *ty }));
        }
        Ok(out)
    }
}

/// One row's call of a tuple function, shared by its columns: the last arguments and
/// result, so that the columns of a row compute it once.
struct TupleCall {
    imp: Arc<dyn functions::ScalarImpl>,
    last: Mutex<Option<(Vec<Value>, Value)>>,
}

impl TupleCall {
    fn get(&self, args: &[Value], ctx: &functions::EvalCtx) -> Value {
        if let Ok(last) = self.last.lock() {
            if let Some((a, v)) = last.as_ref() {
                if a.len() == args.len() && a.iter().zip(args).all(|(x, y)| same(x, y)) {
                    return v.clone();
                }
            }
        }
        let v = self.imp.call(args, ctx);
        if let Ok(mut last) = self.last.lock() {
            *last = Some((args.to_vec(), v.clone()));
        }
        v
    }
}

/// Whether two argument values are the same value, cheaply: shared arrays, bags and
/// strings by identity, numbers by bits.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => Arc::ptr_eq(x, y),
        (Value::Bag(x), Value::Bag(y)) => Arc::ptr_eq(x, y),
        (Value::String(x), Value::String(y)) => Arc::ptr_eq(x, y) || x == y,
        (Value::Real(x), Value::Real(y)) | (Value::Decimal(x), Value::Decimal(y)) => {
            x.to_bits() == y.to_bits()
        }
        (Value::Null, Value::Null) => true,
        (Value::Array(_) | Value::Bag(_) | Value::Real(_) | Value::Decimal(_), _)
        | (_, Value::Array(_) | Value::Bag(_) | Value::Real(_) | Value::Decimal(_)) => false,
        _ => a == b,
    }
}

/// Output `k` of a tuple function's value, in the column's type.
fn pick(whole: &Value, k: usize, ty: Type) -> Value {
    match whole {
        Value::Array(items) => match items.get(k) {
            Some(v) => functions::cast_value(ty, v.clone()),
            None => Value::null_of(ty),
        },
        _ => Value::null_of(ty),
    }
}

struct TupleItem {
    call: Arc<TupleCall>,
    k: usize,
    ty: Type,
}

impl functions::ScalarImpl for TupleItem {
    fn call(&self, args: &[Value], ctx: &functions::EvalCtx) -> Value {
        pick(&self.call.get(args, ctx), self.k, self.ty)
    }
}

fn unparen(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => e,
    }
}
