//! Evaluating bound scalar expressions on one row.

use crate::functions::cast_to;
use crate::functions::EvalCtx;
use crate::plan::{BExpr, Select, SelectKind, WindowKind};
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
        // (A string constant is this thread's copy: see `thread_copy`.)
        BExpr::Const(Value::String(s)) => Value::String(crate::value::thread_copy(s)),
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
        BExpr::Select(s, args) => select(s, args, |a| eval(a, row, ctx)),
        BExpr::And(a, b) => logic(true, &eval(a, row, ctx), || eval(b, row, ctx)),
        BExpr::Or(a, b) => logic(false, &eval(a, row, ctx), || eval(b, row, ctx)),
        // Only plans bound for checking hold these, and those never run.
        BExpr::Unavailable(_) => Value::Null,
    }
}

/// The value of a lazy `case`/`iff`/`coalesce`: arguments evaluated in order until the
/// choice is made, then only the chosen value.
fn select(s: &Select, args: &[BExpr], mut eval: impl FnMut(&BExpr) -> Value) -> Value {
    let v = match s.kind {
        SelectKind::Case => {
            let n = args.len();
            let mut i = 0;
            while i + 1 < n && !eval(&args[i]).is_true() {
                i += 2;
            }
            match args.get(i + 1) {
                Some(chosen) => eval(chosen),
                None => args.last().map(&mut eval).unwrap_or(Value::Null),
            }
        }
        SelectKind::Coalesce => args
            .iter()
            .map(eval)
            .find(|v| !v.is_empty_value())
            .unwrap_or_else(|| Value::null_of(s.ty)),
    };
    if s.cast {
        cast_to(s.ty, v)
    } else {
        v
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::ScalarImpl;
    use crate::types::Type;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Returns its argument and counts its calls.
    struct Probe(AtomicUsize);
    impl ScalarImpl for Probe {
        fn call(&self, args: &[Value], _: &EvalCtx) -> Value {
            self.0.fetch_add(1, Ordering::Relaxed);
            args[0].clone()
        }
    }

    fn probe(p: &Arc<Probe>, v: Value) -> BExpr {
        BExpr::Call(p.clone(), vec![BExpr::Const(v)])
    }

    #[test]
    fn select_evaluates_only_what_the_choice_needs() {
        let ctx = EvalCtx::new(0);
        let calls = Arc::new(Probe(AtomicUsize::new(0)));
        let case = |kind, ty, args| {
            BExpr::Select(
                Select {
                    kind,
                    ty,
                    cast: false,
                },
                args,
            )
        };
        // (expression, expected value, probe calls)
        let table = [
            // case(false, p, null, p, true, "c", p): two conditions, then "c".
            (
                case(
                    SelectKind::Case,
                    Type::String,
                    vec![
                        BExpr::Const(Value::Bool(false)),
                        probe(&calls, Value::str("a")),
                        BExpr::Const(Value::Null),
                        probe(&calls, Value::str("b")),
                        probe(&calls, Value::Bool(true)),
                        BExpr::Const(Value::str("c")),
                        probe(&calls, Value::str("else")),
                    ],
                ),
                Value::str("c"),
                1,
            ),
            // iff(true, p, p): the condition and the then-branch only.
            (
                case(
                    SelectKind::Case,
                    Type::Long,
                    vec![
                        probe(&calls, Value::Bool(true)),
                        probe(&calls, Value::Long(1)),
                        probe(&calls, Value::Long(2)),
                    ],
                ),
                Value::Long(1),
                2,
            ),
            // coalesce(null, "", p("x"), p("y")): stops at the first non-empty value.
            (
                case(
                    SelectKind::Coalesce,
                    Type::String,
                    vec![
                        BExpr::Const(Value::Null),
                        BExpr::Const(Value::str("")),
                        probe(&calls, Value::str("x")),
                        probe(&calls, Value::str("y")),
                    ],
                ),
                Value::str("x"),
                1,
            ),
        ];
        for (e, want, n) in table {
            calls.0.store(0, Ordering::Relaxed);
            assert_eq!(eval(&e, &[], &ctx), want, "{e:?}");
            assert_eq!(calls.0.load(Ordering::Relaxed), n, "{e:?}");
        }
    }
}
