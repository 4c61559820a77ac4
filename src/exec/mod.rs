//! Running a bound plan over tables. Row-based: each operator consumes its input's
//! rows and produces a new row set; a catalog table is shared, not copied, until an
//! operator must change its rows.

pub mod eval;
pub(crate) mod hash;
mod join;
mod make_series;
mod mv_expand;
mod ordered;
pub(crate) mod parse_kv;
pub(crate) mod plugins;
mod stream;
mod summarize;
pub(crate) mod top_nested;

use crate::bind::Binder;
use crate::error::{Error, Result};
use crate::functions::EvalCtx;
use crate::plan::{Plan, PlanKind, SortSpec};
use crate::table::{Catalog, Row, Table};
use crate::types::Type;
use crate::value::{compare, Value};
use eval::{eval, holds};
use std::cmp::Ordering;
use std::sync::Arc;

/// Runs `text` against `catalog` with `now` (ticks) as the query's clock. Each
/// result statement gives one table.
pub fn run_query(text: &str, catalog: &Catalog, now: i64) -> Result<Vec<Table>> {
    let query = crate::syntax::parse(text)?;
    loop {
        let binder = Binder::new(catalog, now, true);
        let plans = binder.bind_query(&query)?;
        let widened = catalog.widened();
        let result: Result<Vec<Table>> = plans.iter().map(|p| execute(p, &binder.ctx)).collect();
        // A table read from its file had fields its schema lacks: its columns are
        // known now, so bind again (at most once per table: a table widens once).
        if result.is_err() && catalog.widened() != widened {
            continue;
        }
        return result;
    }
}

/// The current time in ticks since 0001-01-01.
pub fn now_ticks() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    crate::value::UNIX_EPOCH_TICKS + (d.as_nanos() / 100) as i64
}

/// Runs one plan to a table.
pub fn execute(plan: &Plan, ctx: &EvalCtx) -> Result<Table> {
    let rows = run(plan, ctx)?.into_owned();
    Ok(Table::new(plan.schema.clone(), rows))
}

/// Rows shared with the catalog (or a materialized result), a selection of such rows
/// (a filter over a wide table copies no row), or rows owned by the operator.
pub(crate) enum Rows {
    Shared(Arc<Table>),
    Selected(Arc<Table>, Vec<usize>),
    Owned(Vec<Row>),
}

impl Rows {
    pub(crate) fn refs(&self) -> Vec<&Row> {
        match self {
            Rows::Shared(t) => t.rows.iter().collect(),
            Rows::Selected(t, idx) => idx.iter().map(|&i| &t.rows[i]).collect(),
            Rows::Owned(r) => r.iter().collect(),
        }
    }
    pub(crate) fn len(&self) -> usize {
        match self {
            Rows::Shared(t) => t.rows.len(),
            Rows::Selected(_, idx) => idx.len(),
            Rows::Owned(r) => r.len(),
        }
    }
    pub(crate) fn into_owned(self) -> Vec<Row> {
        match self {
            Rows::Shared(t) => Arc::try_unwrap(t)
                .map(|t| t.rows)
                .unwrap_or_else(|t| t.rows.clone()),
            Rows::Selected(t, idx) => idx.iter().map(|&i| t.rows[i].clone()).collect(),
            Rows::Owned(r) => r,
        }
    }
}

/// An integer count from a bound expression (take, top, limit).
fn count_value(e: &crate::plan::BExpr, ctx: &EvalCtx) -> usize {
    match eval(e, &[], ctx) {
        Value::Long(n) => n.max(0) as usize,
        Value::Int(n) => n.max(0) as usize,
        _ => 0,
    }
}

pub(crate) fn run(plan: &Plan, ctx: &EvalCtx) -> Result<Rows> {
    if let Some(rows) = stream::try_run(plan, ctx) {
        return rows;
    }
    Ok(match &plan.kind {
        PlanKind::Scan { name, table, file } => match (table, file) {
            (Some(t), _) => Rows::Shared(t.clone()),
            // An operator that needs the rows at once (not a pipeline `stream` fuses).
            (None, Some(f)) => {
                let t = f.load()?;
                if f.widened() {
                    return Err(stream::rebind_error(f));
                }
                Rows::Shared(t)
            }
            (None, None) => {
                return Err(Error::new(
                    crate::error::ErrorKind::Runtime,
                    format!("table `{name}` has a schema but no data"),
                ))
            }
        },
        PlanKind::Values(t) => Rows::Shared(t.clone()),
        PlanKind::Named { input, .. } => run(input, ctx)?,
        PlanKind::Cached { input, cell } => match cell.get() {
            Some(t) => Rows::Shared(t.clone()),
            None => {
                let t = Arc::new(Table::new(
                    input.schema.clone(),
                    run(input, ctx)?.into_owned(),
                ));
                Rows::Shared(cell.get_or_init(|| t).clone())
            }
        },
        PlanKind::MakeSeries {
            input,
            keys,
            aggs,
            defaults,
            axis,
            from,
            to,
            step,
            nonempty,
        } => {
            let rows = run(input, ctx)?;
            let from = from.as_ref().map(|e| eval(e, &[], ctx));
            let to = to.as_ref().map(|e| eval(e, &[], ctx));
            let step = eval(step, &[], ctx);
            Rows::Owned(
                make_series::make_series(
                    &rows.refs(),
                    keys,
                    aggs,
                    defaults,
                    axis,
                    from,
                    to,
                    step,
                    *nonempty,
                    ctx,
                )
                .map_err(|m| Error::new(crate::error::ErrorKind::Runtime, m))?,
            )
        }
        PlanKind::Implicit(slot) => Rows::Owned(slot.lock().map(|r| r.clone()).unwrap_or_default()),
        PlanKind::MvApply {
            input,
            slot,
            body,
            keep,
        } => {
            let rows = run(input, ctx)?;
            let mut out = Vec::new();
            for row in rows.refs() {
                if let Ok(mut s) = slot.lock() {
                    *s = vec![row.clone()];
                }
                for r in run(body, ctx)?.into_owned() {
                    let mut o: Row = keep.iter().map(|&i| row[i].clone()).collect();
                    o.extend(r);
                    out.push(o);
                }
            }
            Rows::Owned(out)
        }
        PlanKind::Print(exprs) => {
            Rows::Owned(vec![exprs.iter().map(|e| eval(e, &[], ctx)).collect()])
        }
        PlanKind::Range { from, to, step } => Rows::Owned(
            range(
                eval(from, &[], ctx),
                eval(to, &[], ctx),
                eval(step, &[], ctx),
                plan.schema[0].ty,
            )
            .ok_or_else(|| {
                Error::new(
                    crate::error::ErrorKind::Runtime,
                    format!("`range` would produce more than {RANGE_MAX_ROWS} rows"),
                )
            })?,
        ),
        PlanKind::Filter { input, pred } if pred.has_window() => {
            let rows = run(input, ctx)?;
            let refs = rows.refs();
            let running = eval::Running::default();
            Rows::Owned(
                (0..refs.len())
                    .filter(|&i| eval::eval_at(pred, &refs, i, &running, ctx).is_true())
                    .map(|i| refs[i].clone())
                    .collect(),
            )
        }
        PlanKind::Filter { input, pred } => {
            let rows = run(input, ctx)?;
            match rows {
                Rows::Owned(mut r) => {
                    r.retain(|row| holds(pred, row, ctx));
                    Rows::Owned(r)
                }
                Rows::Shared(t) => {
                    let idx = (0..t.rows.len())
                        .filter(|&i| holds(pred, &t.rows[i], ctx))
                        .collect();
                    Rows::Selected(t, idx)
                }
                Rows::Selected(t, mut idx) => {
                    idx.retain(|&i| holds(pred, &t.rows[i], ctx));
                    Rows::Selected(t, idx)
                }
            }
        }
        PlanKind::Extend { input, items } if items.iter().any(|(_, e)| e.has_window()) => {
            // Window functions read the input rows as they were, so evaluate against a
            // snapshot of them (the extended columns come after every input column).
            let input_rows = run(input, ctx)?.into_owned();
            let refs: Vec<&Row> = input_rows.iter().collect();
            let running = eval::Running::default();
            let mut out = Vec::with_capacity(refs.len());
            for i in 0..refs.len() {
                let mut row = refs[i].clone();
                let mut pending = Vec::new();
                for (target, e) in items {
                    // Expressions may read columns appended earlier in this extend.
                    let v = if e.has_window() {
                        eval::eval_at(e, &refs, i, &running, ctx)
                    } else {
                        eval(e, &row, ctx)
                    };
                    match target {
                        Some(t) => pending.push((*t, v)),
                        None => row.push(v),
                    }
                }
                for (t, v) in pending {
                    row[t] = v;
                }
                out.push(row);
            }
            Rows::Owned(out)
        }
        PlanKind::Extend { input, items } => {
            let rows = run(input, ctx)?;
            let width = plan.schema.len();
            let mut pending: Vec<(usize, Value)> = Vec::new();
            let extend_row = |row: &mut Row, pending: &mut Vec<(usize, Value)>| {
                row.reserve(width.saturating_sub(row.len()));
                pending.clear();
                for (target, e) in items {
                    let v = eval(e, row, ctx);
                    match target {
                        Some(i) => pending.push((*i, v)),
                        None => row.push(v),
                    }
                }
                for (i, v) in pending.drain(..) {
                    row[i] = v;
                }
            };
            let mut out = rows.into_owned();
            for row in &mut out {
                extend_row(row, &mut pending);
            }
            Rows::Owned(out)
        }
        PlanKind::Project { input, exprs } if exprs.iter().any(|e| e.has_window()) => {
            let rows = run(input, ctx)?;
            let refs = rows.refs();
            let running = eval::Running::default();
            Rows::Owned(
                (0..refs.len())
                    .map(|i| {
                        exprs
                            .iter()
                            .map(|e| eval::eval_at(e, &refs, i, &running, ctx))
                            .collect()
                    })
                    .collect(),
            )
        }
        PlanKind::Project { input, exprs } => {
            let rows = run(input, ctx)?;
            Rows::Owned(
                rows.refs()
                    .iter()
                    .map(|row| exprs.iter().map(|e| eval(e, row, ctx)).collect())
                    .collect(),
            )
        }
        PlanKind::Summarize { input, keys, aggs } => {
            let rows = run(input, ctx)?;
            Rows::Owned(summarize::summarize(&rows.refs(), keys, aggs, ctx))
        }
        PlanKind::Take { input, count } => {
            let n = count_value(count, ctx);
            let rows = run(input, ctx)?;
            match rows {
                Rows::Owned(mut r) => {
                    r.truncate(n);
                    Rows::Owned(r)
                }
                Rows::Shared(t) => {
                    let idx = (0..t.rows.len().min(n)).collect();
                    Rows::Selected(t, idx)
                }
                Rows::Selected(t, mut idx) => {
                    idx.truncate(n);
                    Rows::Selected(t, idx)
                }
            }
        }
        PlanKind::Sample { input, count } => {
            // Reservoir sampling, then back to input order.
            let n = count_value(count, ctx);
            let rows = run(input, ctx)?;
            let refs = rows.refs();
            let mut chosen: Vec<usize> = (0..refs.len().min(n)).collect();
            for i in n..refs.len() {
                let j = (ctx.next_random() % (i as u64 + 1)) as usize;
                if j < n {
                    chosen[j] = i;
                }
            }
            chosen.sort_unstable();
            Rows::Owned(chosen.into_iter().map(|i| refs[i].clone()).collect())
        }
        PlanKind::Sort { input, keys, limit } => {
            let rows = run(input, ctx)?.into_owned();
            let mut sorted = sort(rows, keys, ctx);
            if let Some(l) = limit {
                sorted.truncate(count_value(l, ctx));
            }
            Rows::Owned(sorted)
        }
        PlanKind::Distinct { input, columns } => {
            let rows = run(input, ctx)?;
            let mut seen = hash::FxHashSet::default();
            let mut out = Vec::new();
            for row in rows.refs() {
                let key: Row = columns.iter().map(|&i| row[i].clone()).collect();
                if seen.insert(key.clone()) {
                    out.push(key);
                }
            }
            Rows::Owned(out)
        }
        PlanKind::Count(input) => {
            let n = match stream::try_count(input, ctx) {
                Some(n) => n?,
                None => run(input, ctx)?.len(),
            };
            Rows::Owned(vec![vec![Value::Long(n as i64)]])
        }
        PlanKind::MvExpand {
            input,
            items,
            bag,
            with_index,
            limit,
            width,
        } => {
            let rows = run(input, ctx)?;
            let limit = limit.as_ref().map(|l| count_value(l, ctx));
            Rows::Owned(mv_expand::mv_expand(
                &rows.refs(),
                items,
                *bag,
                *with_index,
                limit,
                *width,
                ctx,
            ))
        }
        PlanKind::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        } => {
            let l = run(left, ctx)?;
            let r = run(right, ctx)?;
            Rows::Owned(join::join(
                join::Build::Smaller,
                &l.refs(),
                &r.refs(),
                &left.schema,
                &right.schema,
                *kind,
                left_keys,
                right_keys,
                right_drop,
            ))
        }
        PlanKind::Union {
            inputs,
            maps,
            source_names,
        } => {
            let mut out = Vec::new();
            for (k, (p, map)) in inputs.iter().zip(maps).enumerate() {
                let rows = run(p, ctx)?;
                for row in rows.refs() {
                    let mut r: Row = Vec::with_capacity(plan.schema.len());
                    if let Some(names) = source_names {
                        r.push(Value::str(&names[k]));
                    }
                    let offset = r.len();
                    for (j, m) in map.iter().enumerate() {
                        r.push(match m {
                            Some(i) => row[*i].clone(),
                            None => Value::null_of(plan.schema[offset + j].ty),
                        });
                    }
                    out.push(r);
                }
            }
            Rows::Owned(out)
        }
        PlanKind::GetSchema(input) => Rows::Owned(
            input
                .schema
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        Value::str(&c.name),
                        Value::Long(i as i64),
                        Value::str(&dotnet_full_name(c.ty)),
                        Value::str(c.ty.name()),
                    ]
                })
                .collect(),
        ),
        PlanKind::Custom { input, op, .. } => {
            let rows = run(input, ctx)?;
            Rows::Owned(op.run(&rows.refs(), ctx)?)
        }
        PlanKind::Parse {
            input,
            expr,
            spec,
            filter,
        } => {
            let rows = run(input, ctx)?;
            let width = plan.schema.len();
            let mut out = Vec::with_capacity(rows.len());
            for row in rows.refs() {
                let text = eval(expr, row, ctx);
                let caps = text.as_str().and_then(|s| spec.regex.captures(s));
                // A capture that does not convert to its type fails the whole match.
                let values: Option<Vec<Value>> = caps.and_then(|c| {
                    spec.targets
                        .iter()
                        .enumerate()
                        .map(|(k, (_, _, conv))| {
                            let m = c.name(&format!("kqlcap{k}")).map_or("", |m| m.as_str());
                            match conv {
                                None => Some(Value::str(m)),
                                Some(f) => {
                                    let v = f.call(&[Value::str(m)], ctx);
                                    (spec.relaxed || !v.is_null()).then_some(v)
                                }
                            }
                        })
                        .collect()
                });
                if values.is_none() && *filter {
                    continue;
                }
                let mut r = (*row).clone();
                r.resize(width, Value::Null);
                for (k, (target, ty, _)) in spec.targets.iter().enumerate() {
                    r[*target] = match &values {
                        Some(v) => v[k].clone(),
                        None => Value::null_of(*ty),
                    };
                }
                out.push(r);
            }
            Rows::Owned(out)
        }
    })
}

fn dotnet_full_name(ty: Type) -> String {
    format!("System.{}", ty.dotnet_name())
}

/// The most rows `range` may produce (beyond that it is an error, not a truncation).
const RANGE_MAX_ROWS: usize = 20_000_000;

/// The rows of `range`, or None when there would be more than [`RANGE_MAX_ROWS`].
fn range(from: Value, to: Value, step: Value, ty: Type) -> Option<Vec<Row>> {
    let mut out = Vec::new();
    match (ty, &from, &to, &step) {
        (Type::Real | Type::Decimal, _, _, _) => {
            let f = |v: &Value| match v {
                Value::Int(i) => Some(*i as f64),
                Value::Long(i) => Some(*i as f64),
                Value::Real(r) | Value::Decimal(r) => Some(*r),
                _ => None,
            };
            let (Some(a), Some(b), Some(s)) = (f(&from), f(&to), f(&step)) else {
                return Some(out);
            };
            if s == 0.0 || s.is_nan() {
                return Some(out);
            }
            if (b - a) / s >= RANGE_MAX_ROWS as f64 {
                return None;
            }
            let mut x = a;
            while (s > 0.0 && x <= b) || (s < 0.0 && x >= b) {
                out.push(vec![if ty == Type::Real {
                    Value::Real(x)
                } else {
                    Value::Decimal(x)
                }]);
                if out.len() > RANGE_MAX_ROWS {
                    return None;
                }
                x += s;
            }
        }
        _ => {
            let i = |v: &Value| match v {
                Value::Int(i) => Some(*i as i64),
                Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => Some(*i),
                _ => None,
            };
            let (Some(a), Some(b), Some(s)) = (i(&from), i(&to), i(&step)) else {
                return Some(out);
            };
            if s == 0 {
                return Some(out);
            }
            let wrap = |x: i64| match ty {
                Type::DateTime => Value::DateTime(x),
                Type::TimeSpan => Value::TimeSpan(x),
                _ => Value::Long(x),
            };
            if (b as i128 - a as i128) / s as i128 >= RANGE_MAX_ROWS as i128 {
                return None;
            }
            let mut x = a;
            while (s > 0 && x <= b) || (s < 0 && x >= b) {
                out.push(vec![wrap(x)]);
                if out.len() > RANGE_MAX_ROWS {
                    return None;
                }
                match x.checked_add(s) {
                    Some(n) => x = n,
                    None => break,
                }
            }
        }
    }
    Some(out)
}

/// Orders two values for one sort key; nulls (and NaN) go first or last as asked, null
/// outermost: `null, NaN, ...` or `..., NaN, null` (sort-operator.md).
pub(crate) fn compare_key(a: &Value, b: &Value, desc: bool, nulls_first: bool) -> Ordering {
    let is_null = |v: &Value| v.is_null() || matches!(v, Value::Real(f) if f.is_nan());
    match (is_null(a), is_null(b)) {
        (true, true) => {
            let o = b.is_null().cmp(&a.is_null());
            if nulls_first {
                o
            } else {
                o.reverse()
            }
        }
        (true, false) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (false, true) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (false, false) => {
            let o = compare(a, b);
            if desc {
                o.reverse()
            } else {
                o
            }
        }
    }
}

/// A stable sort by the keys, each key evaluated once per row.
fn sort(rows: Vec<Row>, keys: &[SortSpec], ctx: &EvalCtx) -> Vec<Row> {
    let mut keyed: Vec<(Vec<Value>, Row)> = rows
        .into_iter()
        .map(|r| (keys.iter().map(|k| eval(&k.expr, &r, ctx)).collect(), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for (k, spec) in keys.iter().enumerate() {
            let o = compare_key(&a[k], &b[k], spec.desc, spec.nulls_first);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}
