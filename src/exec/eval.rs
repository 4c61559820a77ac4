//! Evaluating bound scalar expressions on one row.

use crate::functions::EvalCtx;
use crate::plan::BExpr;
use crate::value::Value;

/// The value of `e` on `row`.
pub fn eval(e: &BExpr, row: &[Value], ctx: &EvalCtx) -> Value {
    match e {
        BExpr::Const(v) => v.clone(),
        BExpr::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
        BExpr::Call(imp, args) => {
            // Most calls have few arguments: avoid a heap allocation for them.
            match args.len() {
                0 => imp.call(&[], ctx),
                1 => imp.call(&[eval(&args[0], row, ctx)], ctx),
                2 => imp.call(&[eval(&args[0], row, ctx), eval(&args[1], row, ctx)], ctx),
                3 => imp.call(
                    &[
                        eval(&args[0], row, ctx),
                        eval(&args[1], row, ctx),
                        eval(&args[2], row, ctx),
                    ],
                    ctx,
                ),
                _ => {
                    let vals: Vec<Value> = args.iter().map(|a| eval(a, row, ctx)).collect();
                    imp.call(&vals, ctx)
                }
            }
        }
        BExpr::And(a, b) => logic(true, &eval(a, row, ctx), || eval(b, row, ctx)),
        BExpr::Or(a, b) => logic(false, &eval(a, row, ctx), || eval(b, row, ctx)),
        // Only plans bound for checking hold these, and those never run.
        BExpr::Unavailable(_) => Value::Null,
    }
}

/// Three-valued `and` (`is_and`) / `or`: `false and null` is false, `true or null` is
/// true, otherwise null wins. The right side is evaluated only when needed.
pub fn logic(is_and: bool, a: &Value, b: impl FnOnce() -> Value) -> Value {
    let short = !is_and; // the value that decides alone: false for and, true for or
    match a.as_bool() {
        Some(x) if x == short => Value::Bool(short),
        Some(_) => match b().as_bool() {
            Some(y) => Value::Bool(y),
            None => Value::Null,
        },
        None => match b().as_bool() {
            Some(y) if y == short => Value::Bool(short),
            _ => Value::Null,
        },
    }
}

/// Whether `e` holds on `row` (only `true` counts).
pub fn holds(e: &BExpr, row: &[Value], ctx: &EvalCtx) -> bool {
    eval(e, row, ctx).is_true()
}
