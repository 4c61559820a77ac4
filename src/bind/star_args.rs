//! `*` as a scalar function argument: `estimate_data_size(*)` and `pack_array(*)` take
//! every column of the row (Kusto.Language accepts `*` for these two and refuses it
//! elsewhere, e.g. `hash_many(*)`, `strcat(*)`, `pack_all(*)`: "The * syntax is not
//! allowed here"), and `estimate_data_size`, which only makes sense over columns.

use super::expr::{Bound, Ctx};
use crate::ast::{Arg, ExprKind, Ident};
use crate::error::{Error, Result, Span};
use crate::functions::{EvalCtx, ScalarImpl};
use crate::plan::BExpr;
use crate::types::Type;
use crate::value::Value;
use std::sync::Arc;

/// Functions whose arguments may be `*` (all the row's columns, in order).
pub(crate) const STAR_FUNCTIONS: &[&str] = &["estimate_data_size", "pack_array"];

/// Whether any argument is a bare `*`.
pub(crate) fn has_star(args: &[Arg]) -> bool {
    args.iter().any(|a| matches!(a.value.kind, ExprKind::Star))
}

/// Aggregates whose arguments may be `*` (the input's columns): Kusto.Language refuses
/// it in every other one (`count(*)`, `make_list(x, *)`, `take_anyif(*, p)`: "The *
/// syntax is not allowed here", KS191).
pub(crate) const STAR_AGGREGATES: &[&str] =
    &["arg_max", "arg_min", "take_any", "any", "argmax", "argmin"];

/// The error for `f(*)` where `f` does not take `*`.
pub(crate) fn star_not_allowed(func: &Ident, args: &[Arg]) -> Error {
    let span = args
        .iter()
        .find(|a| matches!(a.value.kind, ExprKind::Star))
        .map_or(func.span, |a| a.value.span);
    star_not_allowed_in(func, span, STAR_FUNCTIONS)
}

/// The error for a `*` at `span` in a call of `func`, which is none of `takers`.
pub(crate) fn star_not_allowed_in(func: &Ident, span: Span, takers: &[&str]) -> Error {
    let names: Vec<String> = takers
        .iter()
        .filter(|f| !matches!(**f, "any" | "argmax" | "argmin"))
        .map(|f| format!("`{f}`"))
        .collect();
    let list = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    Error::semantic(
        format!("`*` is not allowed as an argument of `{}`", func.name),
        span,
    )
    .with_code(crate::error::Code::Ks(191))
    .with_hint(format!("only {list} take `*` (all columns)"))
}

/// The columns a `*` argument stands for: the operator's input columns (in `extend`,
/// not the ones the same operator adds).
pub(crate) fn star_columns(cx: &Ctx<'_, '_>) -> Vec<Bound> {
    let cols = &cx.row[..cx.input_width.min(cx.row.len())];
    cols.iter()
        .enumerate()
        .map(|(i, c)| Bound {
            expr: BExpr::Column(i),
            ty: c.ty,
        })
        .collect()
}

/// `estimate_data_size(cols...)` over bound column arguments.
pub(crate) fn estimate_data_size(args: Vec<Bound>, span: Span) -> Result<Bound> {
    if args.is_empty() {
        return Err(Error::semantic(
            "`estimate_data_size` takes one or more columns, or `*`",
            span,
        ));
    }
    let types = args.iter().map(|a| a.ty).collect();
    Ok(Bound {
        expr: BExpr::Call(
            Arc::new(EstimateDataSize { types }),
            args.into_iter().map(|a| a.expr).collect(),
        ),
        ty: Type::Long,
    })
}

/// Bytes per value, by column type: the fixed size of the type (bool 1, int 4, long,
/// real, datetime and timespan 8, decimal and guid 16), a string's UTF-8 length, and a
/// dynamic value's JSON text length; null counts 0. Only the docs' example is known
/// (long 8 + a 10-character string = 18); the rest is the project's estimate.
struct EstimateDataSize {
    types: Vec<Type>,
}

fn value_size(ty: Type, v: &Value) -> i64 {
    if v.is_null() {
        return 0;
    }
    match ty {
        Type::Bool => 1,
        Type::Int => 4,
        Type::Long | Type::Real | Type::DateTime | Type::TimeSpan => 8,
        Type::Decimal | Type::Guid => 16,
        Type::String => v.as_str().map_or(0, |s| s.len() as i64),
        Type::Dynamic | Type::Unknown => crate::value::to_json_text(v).len() as i64,
    }
}

impl ScalarImpl for EstimateDataSize {
    fn call(&self, args: &[Value], _ctx: &EvalCtx) -> Value {
        Value::Long(
            self.types
                .iter()
                .zip(args)
                .map(|(t, v)| value_size(*t, v))
                .sum(),
        )
    }
}
