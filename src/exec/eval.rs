//! Evaluating bound scalar expressions on one row.

use crate::functions::EvalCtx;
use crate::plan::{BExpr, WindowKind};
use crate::table::Row;
use crate::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// The running values of `row_cumsum` and restartable `row_number`, per call site
/// (keyed by the address of its arguments); rows are evaluated in order.
pub type Running = RefCell<HashMap<usize, Value>>;

/// The rows around the current one, for window functions.
pub struct Win<'a> {
    pub rows: &'a [&'a Row],
    pub index: usize,
    pub running: &'a Running,
}

/// The value of `e` on `row`.
pub fn eval(e: &BExpr, row: &[Value], ctx: &EvalCtx) -> Value {
    eval_w(e, row, None, ctx)
}

/// The value of `e` on row `index` of `rows`, window functions included.
pub fn eval_at(e: &BExpr, rows: &[&Row], index: usize, running: &Running, ctx: &EvalCtx) -> Value {
    eval_w(
        e,
        rows[index],
        Some(&Win {
            rows,
            index,
            running,
        }),
        ctx,
    )
}

/// `a + b` for running sums; null counts as nothing added.
fn add(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Null, v) | (v, Value::Null) => v.clone(),
        (Value::Long(x), Value::Long(y)) => Value::Long(x.wrapping_add(*y)),
        (Value::Int(x), Value::Int(y)) => Value::Long(*x as i64 + *y as i64),
        (Value::Long(x), Value::Int(y)) | (Value::Int(y), Value::Long(x)) => {
            Value::Long(x.wrapping_add(*y as i64))
        }
        (Value::TimeSpan(x), Value::TimeSpan(y)) => Value::TimeSpan(x.wrapping_add(*y)),
        (Value::Decimal(x), Value::Decimal(y)) => Value::Decimal(x + y),
        _ => {
            let f = |v: &Value| match v {
                Value::Int(i) => *i as f64,
                Value::Long(i) => *i as f64,
                Value::Real(r) | Value::Decimal(r) => *r,
                _ => 0.0,
            };
            Value::Real(f(a) + f(b))
        }
    }
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
    let here = |e: &BExpr| eval_w(e, win.rows[win.index], Some(win), ctx);
    let key = args.as_ptr() as usize;
    match kind {
        WindowKind::RowNumber => {
            Value::Long(konst(0).unwrap_or(1).saturating_add(win.index as i64))
        }
        WindowKind::RowNumberRestart | WindowKind::RowCumSum => {
            let restart = win.index == 0 || args.get(1).is_some_and(|r| here(r).is_true());
            let mut running = win.running.borrow_mut();
            let prev = running.get(&key).cloned().unwrap_or(Value::Null);
            let v = if kind == WindowKind::RowNumberRestart {
                let start = konst(0).unwrap_or(1);
                match (restart, prev) {
                    (false, Value::Long(p)) => Value::Long(p.saturating_add(1)),
                    _ => Value::Long(start),
                }
            } else {
                drop(running);
                let term = here(&args[0]);
                running = win.running.borrow_mut();
                if restart {
                    add(&Value::Null, &term)
                } else {
                    add(&prev, &term)
                }
            };
            running.insert(key, v.clone());
            v
        }
        WindowKind::RowRankMin | WindowKind::RowRankDense | WindowKind::RowWindowSession => {
            let term = here(&args[0]);
            let restart_arg = if kind == WindowKind::RowWindowSession {
                3
            } else {
                1
            };
            let restart =
                win.index == 0 || args.get(restart_arg).is_some_and(|r| here(r).is_true());
            let limits =
                (kind == WindowKind::RowWindowSession).then(|| (here(&args[1]), here(&args[2])));
            let mut running = win.running.borrow_mut();
            // The state: [previous term, rank or session start, rows since restart].
            let state = match running.get(&key) {
                Some(Value::Array(s)) if !restart && s.len() == 3 => Some(s.clone()),
                _ => None,
            };
            let (out, state) = ranked(kind, &term, state.as_deref().map(|s| &s[..]), limits);
            running.insert(key, state);
            out
        }
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
                    running: win.running,
                }),
                ctx,
            )
        }
    }
}

/// One step of `row_rank_min`, `row_rank_dense` or `row_window_session`: the value for
/// this row and the new state, from the state after the previous row (None at a
/// restart).
fn ranked(
    kind: WindowKind,
    term: &Value,
    state: Option<&[Value]>,
    limits: Option<(Value, Value)>,
) -> (Value, Value) {
    let n = match state.map(|s| &s[2]) {
        Some(Value::Long(n)) => n + 1,
        _ => 1,
    };
    let out = match (kind, state) {
        (WindowKind::RowWindowSession, Some([prev, Value::DateTime(start), _])) => {
            let (Some((Value::TimeSpan(from_first), Value::TimeSpan(between))), Value::DateTime(t)) =
                (&limits, term)
            else {
                return (
                    Value::Null,
                    Value::array(vec![term.clone(), Value::Null, Value::Long(n)]),
                );
            };
            // A value at exactly either limit starts a new session (documented).
            let gap_ok = matches!(prev, Value::DateTime(p) if t - p < *between);
            if gap_ok && t - start < *from_first {
                Value::DateTime(*start)
            } else {
                term.clone()
            }
        }
        (WindowKind::RowWindowSession, _) => term.clone(),
        (_, Some([prev, Value::Long(rank), _])) if prev == term => Value::Long(*rank),
        (WindowKind::RowRankMin, _) => Value::Long(n),
        (_, Some([_, Value::Long(rank), _])) => Value::Long(rank + 1),
        _ => Value::Long(1),
    };
    let state = Value::array(vec![term.clone(), out.clone(), Value::Long(n)]);
    (out, state)
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
