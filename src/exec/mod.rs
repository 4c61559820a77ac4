//! Running a bound plan over tables. Chains of row-at-a-time operators and the sinks
//! they feed run as one parallel pipeline over any source (see [`pipeline`]); the
//! operators that need their whole input (sort, join, mv-expand, ...) consume their
//! input's rows and produce a new row set. Rows in memory are shared, not copied, until
//! an operator must change them.

mod batch;
pub mod eval;
mod fast;
mod join;
mod make_series;
pub(crate) mod mv_expand;
pub(crate) mod parse_kv;
mod pipeline;
pub(crate) mod plugins;
pub(crate) mod sequence;
mod sort;
mod summarize;
pub(crate) mod top_nested;

use crate::error::{Error, Result};
use crate::external::Externals as _;
use crate::functions::EvalCtx;
use crate::hash::FxHashMap;
use crate::limits::{Budget, Meter};
use crate::plan::{Plan, PlanKind};
use crate::table::{Catalog, Row, Table};
use crate::types::Type;
use crate::value::{compare, Value};
use eval::eval;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

/// What running a query's plans needs: its clock and random state, its tables, and
/// what the run has computed so far (the rows of each `let`, by id; the rows enclosing
/// `mv-apply`s are at). One per run of a query: binding's subqueries and the result
/// statements share it, so a `let` runs once.
pub struct Exec<'a> {
    pub eval: &'a EvalCtx,
    pub catalog: &'a Catalog,
    lets: Mutex<FxHashMap<usize, Arc<Table>>>,
    /// The row each enclosing `mv-apply` is at, innermost last.
    implicit: Mutex<Vec<Arc<Table>>>,
    /// Pipelines run so far (numbers their rows' positions, see [`pipeline`]).
    pipelines: AtomicU64,
    /// Where `externaldata` rows come from.
    externals: Option<&'a dyn crate::external::Externals>,
    /// The memory the run may hold (see [`crate::limits`]).
    pub(crate) budget: Budget,
    /// The operators whose input is being computed, innermost last: the rows a
    /// pipeline collects for one of them are charged in its name.
    holders: Mutex<Vec<&'static str>>,
}

impl<'a> Exec<'a> {
    pub fn new(eval: &'a EvalCtx, catalog: &'a Catalog) -> Self {
        Exec {
            eval,
            catalog,
            lets: Mutex::default(),
            implicit: Mutex::default(),
            pipelines: AtomicU64::new(0),
            externals: None,
            budget: Budget::default(),
            holders: Mutex::default(),
        }
    }

    /// Holds at most `bytes` of rows (see [`crate::limits::Budget`]).
    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.budget = Budget::new(bytes);
        self
    }

    /// Whether the let `id` ([`PlanKind::Cached`]) has run: its rows are held.
    pub(crate) fn ran_let(&self, id: usize) -> bool {
        lock(&self.lets).contains_key(&id)
    }

    /// Runs `f` (which computes the input of `op`) with the rows collected meanwhile
    /// charged to `op`.
    pub(crate) fn holding<T>(&self, op: &'static str, f: impl FnOnce() -> T) -> T {
        lock(&self.holders).push(op);
        let out = f();
        lock(&self.holders).pop();
        out
    }

    /// The operator the rows collected now are charged to, if one is computing its input.
    fn holder(&self) -> Option<&'static str> {
        lock(&self.holders).last().copied()
    }

    /// Charges rows an operator made (after the fact: operators that build their output
    /// in one go); the low-memory error when that spends the budget.
    fn charged(&self, op: &'static str, rows: Vec<Row>) -> Result<Vec<Row>> {
        let bytes: u64 = rows.iter().map(|r| crate::limits::row_bytes(r)).sum();
        self.budget.charge(bytes, op);
        self.budget.check()?;
        Ok(rows)
    }

    /// Reads `externaldata` through `externals`.
    pub fn with_externals(mut self, externals: Option<&'a dyn crate::external::Externals>) -> Self {
        self.externals = externals;
        self
    }

    /// The source of an `externaldata` leaf.
    fn external(
        &self,
        spec: &crate::external::ExternalSpec,
    ) -> Result<Arc<dyn crate::table::TableSource>> {
        match self.externals {
            Some(x) => x.source(spec),
            // No copies given at all: the same error as for a URL without one.
            None => crate::external::LocalExternals::default().source(spec),
        }
    }

    fn next_pipeline(&self) -> u64 {
        self.pipelines.fetch_add(1, AtomicOrdering::SeqCst) + 1
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs one plan to a table.
pub use join::collapsed_rows;
pub use pipeline::{batch_chunks, memo_computed, set_batches};

pub fn execute(plan: &Plan, ex: &Exec) -> Result<Table> {
    let rows = run(plan, ex)?.into_owned();
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
pub(crate) fn count_value(e: &crate::plan::BExpr, ctx: &EvalCtx) -> usize {
    match eval(e, &[], ctx) {
        Value::Long(n) => n.max(0) as usize,
        Value::Int(n) => n.max(0) as usize,
        _ => 0,
    }
}

/// `body` run with `rows` as its implicit input ([`PlanKind::Implicit`]): `mv-apply`'s
/// row, a partition's rows.
fn run_on(body: &Plan, schema: &[crate::table::Column], rows: Vec<Row>, ex: &Exec) -> Result<Rows> {
    lock(&ex.implicit).push(Arc::new(Table::new(schema.to_vec(), rows)));
    let result = run(body, ex);
    lock(&ex.implicit).pop();
    result
}

pub(crate) fn run(plan: &Plan, ex: &Exec) -> Result<Rows> {
    if let Some(rows) = pipeline::run(plan, ex)? {
        return Ok(rows);
    }
    let ctx = ex.eval;
    Ok(match &plan.kind {
        // Leaves always run as pipelines.
        PlanKind::Scan { .. }
        | PlanKind::Values(_)
        | PlanKind::Range { .. }
        | PlanKind::External(_)
        | PlanKind::Watchlist { .. } => return Err(internal("a leaf did not run as a pipeline")),
        PlanKind::Named { input, .. } => run(input, ex)?,
        PlanKind::Cached { input, id } => {
            if let Some(t) = lock(&ex.lets).get(id) {
                return Ok(Rows::Shared(t.clone()));
            }
            let rows = ex.holding("materialize", || run(input, ex))?;
            let t = Arc::new(Table::new(input.schema.clone(), rows.into_owned()));
            Rows::Shared(lock(&ex.lets).entry(*id).or_insert(t).clone())
        }
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
            let rows = ex.holding("make-series", || run(input, ex))?;
            let from = from.as_ref().map(|e| eval(e, &[], ctx));
            let to = to.as_ref().map(|e| eval(e, &[], ctx));
            let step = eval(step, &[], ctx);
            Rows::Owned(
                ex.charged(
                    "make-series",
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
                )?,
            )
        }
        PlanKind::Implicit => match lock(&ex.implicit).last() {
            Some(t) => Rows::Shared(t.clone()),
            None => return Err(internal("`mv-apply`'s or `partition`'s rows are missing")),
        },
        PlanKind::MvApply { input, body, keep } => {
            let rows = ex.holding("mv-apply", || run(input, ex))?;
            let mut out = Vec::new();
            let mut meter = Meter::new(&ex.budget, "mv-apply");
            for row in rows.refs() {
                let result = run_on(body, &input.schema, vec![row.clone()], ex);
                for r in result?.into_owned() {
                    let mut o: Row = keep.iter().map(|&i| row[i].clone()).collect();
                    o.extend(r);
                    meter.add(crate::limits::row_bytes(&o));
                    out.push(o);
                }
                if ex.budget.over() {
                    break;
                }
            }
            meter.flush();
            ex.budget.check()?;
            Rows::Owned(out)
        }
        PlanKind::Partition {
            input,
            key,
            body,
            legacy,
            key_value,
        } => {
            let rows = ex.holding("partition", || run(input, ex))?;
            // Where the rows of each key value are, the values in the order they first
            // appear (a partition's rows are copied only while its subquery runs).
            let refs = rows.refs();
            let mut index: FxHashMap<&Value, usize> = Default::default();
            let mut parts: Vec<Vec<usize>> = Vec::new();
            for (i, row) in refs.iter().enumerate() {
                let at = *index.entry(&row[*key]).or_insert_with(|| {
                    parts.push(Vec::new());
                    parts.len() - 1
                });
                parts[at].push(i);
            }
            if *legacy && parts.len() > 64 {
                return Err(Error::new(
                    crate::error::ErrorKind::Runtime,
                    format!(
                        "`partition` by `{}` found {} values: its default (legacy) strategy takes at most 64",
                        input.schema[*key].name,
                        parts.len()
                    ),
                )
                .with_hint("use `partition hint.strategy=native by ...`, which takes any number"));
            }
            let mut out = Vec::new();
            let mut meter = Meter::new(&ex.budget, "partition");
            for part in parts {
                if let Some(cell) = key_value {
                    let v = part.first().map_or(Value::Null, |&i| refs[i][*key].clone());
                    *cell.write().unwrap_or_else(|e| e.into_inner()) = v;
                }
                let part: Vec<Row> = part.iter().map(|&i| refs[i].clone()).collect();
                let result = run_on(body, &input.schema, part, ex);
                for r in result?.into_owned() {
                    meter.add(crate::limits::row_bytes(&r));
                    out.push(r);
                }
                if ex.budget.over() {
                    break;
                }
            }
            meter.flush();
            ex.budget.check()?;
            Rows::Owned(out)
        }
        PlanKind::Print(exprs) => {
            Rows::Owned(vec![exprs.iter().map(|e| eval(e, &[], ctx)).collect()])
        }
        // Steps with window functions (the others run as pipelines).
        PlanKind::Filter { input, pred } => {
            let rows = ex.holding("where", || run(input, ex))?;
            let refs = rows.refs();
            let running = eval::Running::default();
            Rows::Owned(
                (0..refs.len())
                    .filter(|&i| eval::eval_at(pred, &refs, i, &running, ctx).is_true())
                    .map(|i| refs[i].clone())
                    .collect(),
            )
        }
        PlanKind::Extend { input, items } => {
            // Window functions read the input rows as they were, so evaluate against a
            // snapshot of them (the extended columns come after every input column).
            let input_rows = ex.holding("extend", || run(input, ex))?.into_owned();
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
            Rows::Owned(ex.charged("extend", out)?)
        }
        PlanKind::Project { input, exprs } => {
            let rows = ex.holding("project", || run(input, ex))?;
            let refs = rows.refs();
            let running = eval::Running::default();
            Rows::Owned(
                ex.charged(
                    "project",
                    (0..refs.len())
                        .map(|i| {
                            exprs
                                .iter()
                                .map(|e| eval::eval_at(e, &refs, i, &running, ctx))
                                .collect()
                        })
                        .collect(),
                )?,
            )
        }
        PlanKind::Summarize { input, keys, aggs } => {
            let rows = ex.holding("summarize", || run(input, ex))?;
            Rows::Owned(ex.charged(
                "summarize",
                summarize::summarize(&rows.refs(), keys, aggs, ctx),
            )?)
        }
        // Always pipelines.
        PlanKind::Take { .. }
        | PlanKind::Count(_)
        | PlanKind::Distinct { .. }
        | PlanKind::MvExpand { .. }
        | PlanKind::Parse { .. } => return Err(internal("a sink did not run as a pipeline")),
        PlanKind::Sample { input, count } => {
            // Reservoir sampling, then back to input order.
            let n = count_value(count, ctx);
            let rows = ex.holding("sample", || run(input, ex))?;
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
            let rows = ex.holding("sort", || run(input, ex))?.into_owned();
            // The sort's buffers: a key value per key and row, the permutation, the
            // rows' new order.
            let per_row = keys.len() as u64 * crate::limits::values_bytes(&[Value::Null]) + 36;
            ex.budget.charge(rows.len() as u64 * per_row, "sort");
            ex.budget.check()?;
            let mut sorted = sort::sort(rows, keys, ctx);
            if let Some(l) = limit {
                sorted.truncate(count_value(l, ctx));
            }
            Rows::Owned(sorted)
        }
        PlanKind::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            right_drop,
        } => {
            let l = ex.holding("join", || run(left, ex))?;
            let r = ex.holding("join", || run(right, ex))?;
            let mut meter = Meter::new(&ex.budget, "join");
            let out = join::join(
                join::Build::Smaller,
                &l.refs(),
                &r.refs(),
                &left.schema,
                &right.schema,
                *kind,
                left_keys,
                right_keys,
                right_drop,
                &mut meter,
            );
            meter.flush();
            ex.budget.check()?;
            Rows::Owned(out)
        }
        // Each input read through a `project` of the union's columns (see
        // `pipeline::union_rows`): the mapping is stated once, in `Plan::union_column`.
        PlanKind::Union { .. } => {
            Rows::Owned(pipeline::union_rows(plan, &vec![true; plan.schema.len()], None, ex)?.rows)
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
            let rows = ex.holding("evaluate", || run(input, ex))?;
            Rows::Owned(ex.charged("evaluate", op.run(&rows.refs(), ctx)?)?)
        }
    })
}

fn dotnet_full_name(ty: Type) -> String {
    format!("System.{}", ty.dotnet_name())
}

/// One row through `parse`: the row with the captured columns, `None` when it does not
/// match and the operator drops such rows (`parse-where`).
pub(crate) fn parse_row(
    row: &[Value],
    expr: &crate::plan::BExpr,
    spec: &crate::plan::ParseSpec,
    filter: bool,
    width: usize,
    ctx: &EvalCtx,
) -> Option<Row> {
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
    if values.is_none() && filter {
        return None;
    }
    let mut r = row.to_vec();
    r.resize(width, Value::Null);
    for (k, (target, ty, _)) in spec.targets.iter().enumerate() {
        r[*target] = match &values {
            Some(v) => v[k].clone(),
            None => Value::null_of(*ty),
        };
    }
    Some(r)
}

fn internal(what: &str) -> Error {
    Error::new(
        crate::error::ErrorKind::Runtime,
        format!("internal error: {what}"),
    )
}

/// Orders two values for one sort key; nulls (and NaN) go first or last as asked, null
/// outermost: `null, NaN, ...` or `..., NaN, null` (sort-operator.md).
pub(crate) fn compare_key(a: &Value, b: &Value, desc: bool, nulls_first: bool) -> Ordering {
    // Two longs or two reals that are not NaN (the usual sort keys) ordered directly:
    // `compare` orders them so.
    let direct = match (a, b) {
        (Value::Long(x), Value::Long(y)) => Some(x.cmp(y)),
        (Value::Real(x), Value::Real(y)) => x.partial_cmp(y),
        _ => None,
    };
    if let Some(o) = direct {
        return if desc { o.reverse() } else { o };
    }
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
