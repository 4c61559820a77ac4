//! `make-series`: aggregates per group and per bin of an axis, as arrays.

use super::eval::eval;
use crate::functions::{AggState, EvalCtx};
use crate::hash::FxHashMap;
use crate::plan::{BAgg, BExpr};
use crate::table::Row;
use crate::value::Value;

/// A position on the axis: ticks or integers exactly, reals as reals.
#[derive(Clone, Copy)]
enum Pos {
    I(i64),
    F(f64),
}

/// A value's place on the axis. A real that is NaN or infinite has none: such a row
/// falls in no bin, as a null does (the docs are silent; this is kql's choice).
fn pos(v: &Value) -> Option<Pos> {
    match v {
        Value::Int(i) => Some(Pos::I(*i as i64)),
        Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => Some(Pos::I(*i)),
        Value::Real(f) | Value::Decimal(f) if f.is_finite() => Some(Pos::F(*f)),
        _ => None,
    }
}

fn as_f64(p: Pos) -> f64 {
    match p {
        Pos::I(i) => i as f64,
        Pos::F(f) => f,
    }
}

/// (a - b) / step, as a real.
fn steps(a: Pos, b: Pos, step: Pos) -> f64 {
    let diff = match (a, b) {
        (Pos::I(x), Pos::I(y)) => (x as i128 - y as i128) as f64,
        _ => as_f64(a) - as_f64(b),
    };
    diff / as_f64(step)
}

/// The value at `start + k * step`, shaped like `like`.
fn at(start: Pos, k: usize, step: Pos, like: &Value) -> Value {
    let p = match (start, step) {
        (Pos::I(s), Pos::I(t)) => Pos::I(s.saturating_add(t.saturating_mul(k as i64))),
        _ => Pos::F(as_f64(start) + as_f64(step) * k as f64),
    };
    match (like, p) {
        (Value::DateTime(_), Pos::I(i)) => Value::DateTime(i),
        (Value::TimeSpan(_), Pos::I(i)) => Value::TimeSpan(i),
        (Value::Real(_), p) => Value::Real(as_f64(p)),
        (Value::Decimal(_), p) => Value::Decimal(as_f64(p)),
        (_, Pos::I(i)) => Value::Long(i),
        (_, Pos::F(f)) => Value::Real(f),
    }
}

/// Bins beyond this many are refused (a step too small for the range).
const MAX_BINS: f64 = 10_000_000.0;

type Bins = Vec<Option<Vec<Box<dyn AggState>>>>;

#[allow(clippy::too_many_arguments)]
pub(crate) fn make_series(
    rows: &[&Row],
    keys: &[BExpr],
    aggs: &[BAgg],
    defaults: &[Value],
    axis: &BExpr,
    from: Option<Value>,
    to: Option<Value>,
    step: Value,
    nonempty: bool,
    ctx: &EvalCtx,
) -> Result<Vec<Row>, String> {
    let Some(step_p) = pos(&step).filter(|s| as_f64(*s) > 0.0) else {
        return Err("the make-series step must be a positive finite number or timespan".into());
    };
    for (name, bound) in [("from", &from), ("to", &to)] {
        if let Some(v) = bound {
            if !v.is_null() && pos(v).is_none() {
                return Err(format!(
                    "the make-series `{name}` must be a finite number, datetime or timespan, not {}",
                    crate::value::tostring(v)
                ));
            }
        }
    }
    let axis_vals: Vec<Value> = rows.iter().map(|r| eval(axis, r, ctx)).collect();
    let like = from
        .clone()
        .or_else(|| axis_vals.iter().find(|v| !v.is_null()).cloned())
        .unwrap_or(Value::Long(0));
    let bin_floor = |p: Pos| -> Pos {
        match (p, step_p) {
            (Pos::I(x), Pos::I(s)) => Pos::I(x.div_euclid(s) * s),
            _ => Pos::F((as_f64(p) / as_f64(step_p)).floor() * as_f64(step_p)),
        }
    };
    let present: Vec<Pos> = axis_vals.iter().filter_map(pos).collect();
    let start = match from.as_ref().and_then(pos) {
        Some(p) => p,
        None => match present
            .iter()
            .copied()
            .reduce(|a, b| if as_f64(b) < as_f64(a) { b } else { a })
        {
            Some(p) => bin_floor(p),
            None => Pos::I(0),
        },
    };
    let nbins = match to.as_ref().and_then(pos) {
        Some(end) => steps(end, start, step_p).ceil().max(0.0),
        None => match present
            .iter()
            .copied()
            .reduce(|a, b| if as_f64(b) > as_f64(a) { b } else { a })
        {
            Some(max) => steps(max, start, step_p).floor() + 1.0,
            None => 0.0,
        },
    };
    if nbins > MAX_BINS {
        return Err(format!(
            "make-series would make {nbins} bins; use a larger step"
        ));
    }
    let nbins = nbins as usize;
    let mut index: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
    let mut groups: Vec<(Vec<Value>, Bins)> = Vec::new();
    let mut args = Vec::new();
    for (row, v) in rows.iter().zip(&axis_vals) {
        let Some(p) = pos(v) else { continue };
        let k = steps(p, start, step_p).floor();
        // (Written so that a NaN, which no comparison holds for, is out too.)
        if !(k >= 0.0 && k < nbins as f64) {
            continue;
        }
        let key: Vec<Value> = keys.iter().map(|e| eval(e, row, ctx)).collect();
        let g = match index.get(&key) {
            Some(&g) => g,
            None => {
                groups.push((key.clone(), (0..nbins).map(|_| None).collect()));
                index.insert(key, groups.len() - 1);
                groups.len() - 1
            }
        };
        let states = groups[g].1[k as usize]
            .get_or_insert_with(|| aggs.iter().map(|a| a.imp.init()).collect());
        for (agg, state) in aggs.iter().zip(states.iter_mut()) {
            args.clear();
            args.extend(agg.args.iter().map(|a| eval(a, row, ctx)));
            state.update(&args);
        }
    }
    if groups.is_empty() && nonempty && keys.is_empty() {
        groups.push((Vec::new(), (0..nbins).map(|_| None).collect()));
    }
    let axis_array = Value::array((0..nbins).map(|k| at(start, k, step_p, &like)).collect());
    Ok(groups
        .into_iter()
        .map(|(mut key, mut bins)| {
            let mut series: Vec<Vec<Value>> = vec![Vec::with_capacity(nbins); aggs.len()];
            for bin in bins.iter_mut() {
                match bin {
                    Some(states) => {
                        for (a, s) in states.iter_mut().enumerate() {
                            let v = s.finish().into_iter().next().unwrap_or(Value::Null);
                            series[a].push(if v.is_null() { defaults[a].clone() } else { v });
                        }
                    }
                    None => {
                        for (a, d) in defaults.iter().enumerate() {
                            series[a].push(d.clone());
                        }
                    }
                }
            }
            key.extend(series.into_iter().map(Value::array));
            key.push(axis_array.clone());
            key
        })
        .collect())
}
