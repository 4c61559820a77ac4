//! Evaluating bound scalar expressions on one row.

use crate::functions::EvalCtx;
use crate::plan::{BExpr, WindowKind};
use crate::table::Row;
use crate::value::Value;

/// The rows around the current one, for window functions.
pub struct Win<'a> {
    pub rows: &'a [&'a Row],
    pub index: usize,
}

/// The value of `e` on `row`.
pub fn eval(e: &BExpr, row: &[Value], ctx: &EvalCtx) -> Value {
    eval_w(e, row, None, ctx)
}

/// The value of `e` on row `index` of `rows`, window functions included.
pub fn eval_at(e: &BExpr, rows: &[&Row], index: usize, ctx: &EvalCtx) -> Value {
    eval_w(e, rows[index], Some(&Win { rows, index }), ctx)
}

fn window(kind: WindowKind, args: &[BExpr], win: Option<&Win>, ctx: &EvalCtx) -> Value {
    let Some(win) = win else {
        return Value::Null;
    };
    let konst = |i: usize| match args.get(i) {
        Some(BExpr::Const(Value::Long(n))) => Some(*n),
        Some(BExpr::Const(Value::Int(n))) => Some(*n as i64),
        _ => None,
    };
    match kind {
        WindowKind::RowNumber => Value::Long(konst(0).unwrap_or(1) + win.index as i64),
        WindowKind::Prev | WindowKind::Next => {
            let offset = konst(1).unwrap_or(1);
            let target = if kind == WindowKind::Prev {
                (win.index as i64).saturating_sub(offset)
            } else {
                (win.index as i64).saturating_add(offset)
            };
            if target < 0 || target as usize >= win.rows.len() {
                return args
                    .get(2)
                    .map(|d| eval_w(d, win.rows[win.index], None, ctx))
                    .unwrap_or(Value::Null);
            }
            let t = target as usize;
            eval_w(
                &args[0],
                win.rows[t],
                Some(&Win {
                    rows: win.rows,
                    index: t,
                }),
                ctx,
            )
        }
    }
}

fn eval_w(e: &BExpr, row: &[Value], win: Option<&Win>, ctx: &EvalCtx) -> Value {
    let eval = |e: &BExpr, row: &[Value], ctx: &EvalCtx| eval_w(e, row, win, ctx);
    match e {
        BExpr::Window(kind, args) => window(*kind, args, win, ctx),
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
