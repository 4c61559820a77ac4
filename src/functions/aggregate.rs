//! Aggregate functions for `summarize`.
//!
//! Rules (KQL-SEMANTICS.md §5 and the conformance cases):
//! - Nulls are ignored by every aggregate except `count()` and `make_list_with_nulls`.
//! - Defaults for a group with no rows: count/countif/dcount/sum/sumif → 0, make_* → `[]`,
//!   avg → NaN, stdev/variance → 0 (conformance `datatable(x:long)[] | summarize ...`),
//!   everything else null.
//! - `make_list`/`make_set` append the elements of a dynamic array input (one level), as
//!   Kusto does (conformance `make_list(pack_array(...))` builds a MultiPolygon).
//! - `make_set` keeps first-seen order, ignores nulls, keeps `""`, and stops at its size.
//! - `take_any(x)` prefers a non-null, non-empty value; `take_any(a, b, ...)` returns one row.
//! - `arg_max(e, c1, ...)` returns the row with the largest e (first one on ties); rows
//!   whose e is null are skipped unless every row's is.

use super::{AggColumn, AggState, AggregateImpl, ArgInfo, BoundAggregate, FnError, TypedArg, Want};
use crate::hash::{FxHashSet, IntSet};
use crate::types::Type;
use crate::value::{compare, integer_key, Value};
use std::cmp::Ordering;

pub(super) const NAMES: &[&str] = &[
    "count",
    "countif",
    "dcount",
    "dcountif",
    "count_distinct",
    "count_distinctif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "min",
    "max",
    "minif",
    "maxif",
    "make_set",
    "make_set_if",
    "makeset",
    "make_list",
    "make_list_if",
    "makelist",
    "make_list_with_nulls",
    "make_bag",
    "make_bag_if",
    "any",
    "take_any",
    "take_anyif",
    "anyif",
    "arg_max",
    "arg_min",
    "stdev",
    "stdevif",
    "stdevp",
    "variance",
    "varianceif",
    "variancep",
    "variancepif",
    "covariance",
    "covariancep",
    "covarianceif",
    "covariancepif",
    "binary_all_and",
    "binary_all_or",
    "binary_all_xor",
    "buildschema",
    // Kusto's deprecated names (its analyzer warns, KS507): the same aggregates.
    "cnt",
    "argmax",
    "argmin",
    "make_dictionary",
];

/// The aggregate a deprecated name stands for.
fn canonical(name: &str) -> &str {
    match name {
        "cnt" => "count",
        "argmax" => "arg_max",
        "argmin" => "arg_min",
        "make_dictionary" => "make_bag",
        other => other,
    }
}

/// Aggregates kql knows but has not built (binding fails with "not supported yet").
pub(super) const UNSUPPORTED: &[&str] = &["make_set_with_nulls"];

const MAX_SET: usize = 1_048_576;

struct Factory<F>(F);

impl<F> AggregateImpl for Factory<F>
where
    F: Fn() -> Box<dyn AggState> + Send + Sync,
{
    fn init(&self) -> Box<dyn AggState> {
        (self.0)()
    }
}

fn agg<F>(outputs: Vec<Type>, f: F) -> Result<BoundAggregate, FnError>
where
    F: Fn() -> Box<dyn AggState> + Send + Sync + 'static,
{
    Ok(BoundAggregate {
        outputs,
        imp: Box::new(Factory(f)),
    })
}

/// A constant size limit argument (`make_set(x, 20)`).
fn size_arg(name: &str, args: &[ArgInfo], i: usize, default: usize) -> Result<usize, FnError> {
    match args.get(i) {
        None => Ok(default),
        Some(a) => match a.constant.and_then(super::num_i64) {
            Some(n) if n > 0 => Ok((n as usize).min(MAX_SET)),
            Some(_) => Err(FnError::Type(
                i,
                format!("the size limit of `{name}` must be positive"),
            )),
            None => Err(FnError::Type(
                i,
                format!("the size limit of `{name}` must be a constant integer"),
            )),
        },
    }
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Result<BoundAggregate, FnError> {
    let name = canonical(name);
    use super::sig;
    use Want::*;
    match name {
        "count" if args.is_empty() => count(None, false),
        // `count(x)` counts the non-null values of x (conformance summarize-operator-05);
        // with a bool it is the deprecated form of `countif(x)`.
        "count" if args.len() == 1 && args[0].ty != Type::Bool => count(None, true),
        "countif" | "count" => {
            sig(name, args, 1, 1, &[Bool])?;
            count(Some(0), false)
        }
        // kql's dcount is exact, so it is also count_distinct (Kusto's exact form).
        "dcount" | "dcountif" | "count_distinct" | "count_distinctif" => {
            let cond = name.ends_with("if");
            let exact = name.starts_with("count_");
            match (cond, exact) {
                (true, false) => sig(name, args, 2, 3, &[Any, Bool, Integer])?,
                (false, false) => sig(name, args, 1, 2, &[Any, Integer])?,
                (true, true) => sig(name, args, 2, 2, &[Any, Bool])?,
                (false, true) => sig(name, args, 1, 1, &[Any])?,
            }
            agg(vec![Type::Long], move || {
                Box::new(DCount {
                    ints: IntSet::default(),
                    seen: FxHashSet::default(),
                    pred: cond.then_some(1),
                })
            })
        }
        "sum" | "sumif" => {
            let cond = name == "sumif";
            sig(
                name,
                args,
                1 + cond as usize,
                1 + cond as usize,
                &[Any, Bool],
            )?;
            let ty = match args[0].ty {
                Type::Int | Type::Long | Type::Bool => Type::Long,
                Type::Real | Type::Dynamic => Type::Real,
                Type::Decimal => Type::Decimal,
                Type::TimeSpan => Type::TimeSpan,
                t => {
                    return Err(FnError::Type(
                        0,
                        format!("`{name}` cannot add values of type {t}"),
                    ))
                }
            };
            Ok(BoundAggregate {
                outputs: vec![ty],
                imp: Box::new(SumImpl {
                    ty,
                    pred: cond.then_some(1),
                }),
            })
        }
        "avg" | "avgif" => {
            let cond = name == "avgif";
            sig(
                name,
                args,
                1 + cond as usize,
                1 + cond as usize,
                &[Any, Bool],
            )?;
            let span = args[0].ty == Type::TimeSpan;
            if !(args[0].ty.is_numeric() || args[0].ty == Type::Dynamic || span) {
                return Err(FnError::Type(
                    0,
                    format!("`{name}` needs a number, not {}", args[0].ty),
                ));
            }
            let out = if span {
                MomentOut::AvgSpan
            } else {
                MomentOut::Avg
            };
            let ty = if span { Type::TimeSpan } else { Type::Real };
            agg(vec![ty], move || {
                Box::new(Moments {
                    n: 0.0,
                    sum: 0.0,
                    sum2: 0.0,
                    pred: cond.then_some(1),
                    out,
                })
            })
        }
        "covariance" | "covariancep" | "covarianceif" | "covariancepif" => {
            let cond = name.ends_with("if");
            sig(
                name,
                args,
                2 + cond as usize,
                2 + cond as usize,
                &[Num, Num, Bool],
            )?;
            let population = name.starts_with("covariancep");
            agg(vec![Type::Real], move || {
                Box::new(Covariance {
                    n: 0.0,
                    sx: 0.0,
                    sy: 0.0,
                    sxy: 0.0,
                    pred: cond.then_some(2),
                    population,
                })
            })
        }
        "binary_all_and" | "binary_all_or" | "binary_all_xor" => {
            sig(name, args, 1, 1, &[Integer])?;
            let op = match name {
                "binary_all_and" => 0,
                "binary_all_or" => 1,
                _ => 2,
            };
            agg(vec![Type::Long], move || Box::new(BitAll { acc: None, op }))
        }
        "stdev" | "stdevif" | "stdevp" | "variance" | "varianceif" | "variancep"
        | "variancepif" => {
            let cond = name.ends_with("if");
            sig(
                name,
                args,
                1 + cond as usize,
                1 + cond as usize,
                &[Num, Bool],
            )?;
            let out = match name {
                "stdev" | "stdevif" => MomentOut::Stdev,
                "stdevp" => MomentOut::StdevP,
                "variancep" | "variancepif" => MomentOut::VarP,
                _ => MomentOut::Var,
            };
            agg(vec![Type::Real], move || {
                Box::new(Moments {
                    n: 0.0,
                    sum: 0.0,
                    sum2: 0.0,
                    pred: cond.then_some(1),
                    out,
                })
            })
        }
        "min" | "max" | "minif" | "maxif" => {
            let cond = name.ends_with("if");
            sig(
                name,
                args,
                1 + cond as usize,
                1 + cond as usize,
                &[Any, Bool],
            )?;
            let max = name.starts_with("max");
            let types = vec![args[0].ty];
            agg(types.clone(), move || {
                Box::new(Extreme {
                    best: None,
                    row: Vec::new(),
                    max,
                    pred: cond.then_some(1),
                    keep_row: false,
                    types: types.clone(),
                })
            })
        }
        "arg_max" | "arg_min" => {
            super::arity(name, args, 1, usize::MAX)?;
            let max = name == "arg_max";
            let types: Vec<Type> = args.iter().map(|a| a.ty).collect();
            agg(types.clone(), move || {
                Box::new(Extreme {
                    best: None,
                    row: Vec::new(),
                    max,
                    pred: None,
                    keep_row: true,
                    types: types.clone(),
                })
            })
        }
        "make_set" | "makeset" | "make_set_if" => {
            let cond = name == "make_set_if";
            let n = 1 + cond as usize;
            sig(
                name,
                args,
                n,
                n + 1,
                &[Any, if cond { Bool } else { Integer }, Integer],
            )?;
            let limit = size_arg(name, args, n, if name == "makeset" { 128 } else { MAX_SET })?;
            agg(vec![Type::Dynamic], move || {
                Box::new(Collect {
                    items: Vec::new(),
                    seen: Some(FxHashSet::default()),
                    limit,
                    nulls: false,
                    pred: cond.then_some(1),
                })
            })
        }
        "make_list" | "makelist" | "make_list_if" | "make_list_with_nulls" => {
            let cond = name == "make_list_if";
            let n = 1 + cond as usize;
            // make_list_with_nulls has no size limit (Kusto.Language: one argument).
            let most = if name == "make_list_with_nulls" {
                n
            } else {
                n + 1
            };
            sig(
                name,
                args,
                n,
                most,
                &[Any, if cond { Bool } else { Integer }, Integer],
            )?;
            let limit = size_arg(
                name,
                args,
                n,
                if name == "makelist" { 128 } else { MAX_SET },
            )?;
            let nulls = name == "make_list_with_nulls";
            agg(vec![Type::Dynamic], move || {
                Box::new(Collect {
                    items: Vec::new(),
                    seen: None,
                    limit,
                    nulls,
                    pred: cond.then_some(1),
                })
            })
        }
        "buildschema" => {
            sig(name, args, 1, 1, &[Dynamic])?;
            agg(vec![Type::Dynamic], || {
                Box::new(super::schema::BuildSchema::default())
            })
        }
        "make_bag" | "make_bag_if" => {
            let cond = name == "make_bag_if";
            let n = 1 + cond as usize;
            sig(
                name,
                args,
                n,
                n + 1,
                &[Dynamic, if cond { Bool } else { Integer }, Integer],
            )?;
            let limit = size_arg(name, args, n, MAX_SET)?;
            agg(vec![Type::Dynamic], move || {
                Box::new(MakeBag {
                    bag: crate::value::Bag::default(),
                    limit,
                    pred: cond.then_some(1),
                })
            })
        }
        "any" | "take_any" => {
            super::arity(name, args, 1, usize::MAX)?;
            let types: Vec<Type> = args.iter().map(|a| a.ty).collect();
            agg(types.clone(), move || {
                Box::new(TakeAny {
                    row: None,
                    pred: None,
                    types: types.clone(),
                })
            })
        }
        "take_anyif" | "anyif" => {
            sig(name, args, 2, 2, &[Any, Bool])?;
            let types = vec![args[0].ty];
            agg(types.clone(), move || {
                Box::new(TakeAny {
                    row: None,
                    pred: Some(1),
                    types: types.clone(),
                })
            })
        }
        _ if super::sketch::AGGREGATES.contains(&name) => super::sketch::bind_aggregate(name, args),
        _ if UNSUPPORTED.contains(&name) => Err(FnError::Unsupported),
        _ if super::is_scalar_implemented(name) => Err(FnError::Type(
            0,
            format!("`{name}` is not an aggregate function"),
        )),
        _ => Err(FnError::Unknown),
    }
}

/// Whether the row passes the `*if` predicate at `pred` (no predicate: always).
fn passes(args: &[Value], pred: Option<usize>) -> bool {
    pred.is_none_or(|i| args.get(i).is_some_and(Value::is_true))
}

/// count/countif: the rows that pass the predicate at `pred`, and only those whose
/// first value is not null when `nonnull`.
#[derive(Clone, Copy)]
struct CountImpl {
    pred: Option<usize>,
    nonnull: bool,
}

fn count(pred: Option<usize>, nonnull: bool) -> Result<BoundAggregate, FnError> {
    Ok(BoundAggregate {
        outputs: vec![Type::Long],
        imp: Box::new(CountImpl { pred, nonnull }),
    })
}

impl CountImpl {
    fn counts(&self, args: &[Value]) -> bool {
        passes(args, self.pred) && !(self.nonnull && args[0].is_null())
    }
}

impl AggregateImpl for CountImpl {
    fn init(&self) -> Box<dyn AggState> {
        Box::new(Count { n: 0, imp: *self })
    }
    fn column(&self) -> Option<Box<dyn AggColumn>> {
        Some(Box::new(CountColumn {
            n: Vec::new(),
            imp: *self,
        }))
    }
    fn rows_counted(&self) -> bool {
        self.pred.is_none() && !self.nonnull
    }
}

struct Count {
    n: i64,
    imp: CountImpl,
}

impl AggState for Count {
    fn update(&mut self, args: &[Value]) {
        self.n += self.imp.counts(args) as i64;
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![Value::Long(self.n)]
    }
}

struct CountColumn {
    n: Vec<i64>,
    imp: CountImpl,
}

impl AggColumn for CountColumn {
    fn push_group(&mut self) {
        self.n.push(0);
    }
    fn update(&mut self, g: usize, args: &[Value]) {
        self.n[g] += self.imp.counts(args) as i64;
    }
    fn add_rows(&mut self, g: usize, n: i64) {
        // Rows without arguments count unless a predicate or a value is asked for.
        if self.imp.rows_counted() {
            self.n[g] += n;
        } else {
            for _ in 0..n {
                self.update(g, &[]);
            }
        }
    }
    fn update_typed(&mut self, groups: &[u32], _rows: &[u32], _args: &[TypedArg<'_>]) -> bool {
        // Typed arguments hold no nulls: without a predicate, every row counts.
        if self.imp.pred.is_some() {
            return false;
        }
        match self.n.as_mut_slice() {
            // One group: every row is of it.
            [n] => *n += groups.len() as i64,
            n => groups.iter().for_each(|&g| n[g as usize] += 1),
        }
        true
    }
    fn finish(&mut self, g: usize, out: &mut Vec<Value>) {
        out.push(Value::Long(self.n[g]));
    }
    fn group_bytes(&self) -> u64 {
        8
    }
}

/// The distinct values: numbers equal to an integer as that integer (see
/// [`integer_key`]: two values share one exactly when they are equal), the others as
/// values.
struct DCount {
    ints: IntSet,
    seen: FxHashSet<Value>,
    pred: Option<usize>,
}

impl AggState for DCount {
    fn update(&mut self, args: &[Value]) {
        let v = &args[0];
        if !passes(args, self.pred) || v.is_null() {
            return;
        }
        match integer_key(v) {
            Some(i) => {
                self.ints.insert(i);
            }
            None => {
                if !self.seen.contains(v) {
                    self.seen.insert(v.clone());
                }
            }
        }
    }
    fn update_typed(&mut self, rows: &[u32], args: &[TypedArg<'_>]) -> bool {
        // Integers are their own `integer_key`; typed arguments hold no nulls.
        let (None, Some(TypedArg::Integers(v))) = (self.pred, args.first()) else {
            return false;
        };
        // Past the caches, the set's slots are asked for ahead.
        const AHEAD: usize = 16;
        for (j, &r) in rows.iter().enumerate() {
            if let Some(&next) = rows.get(j + AHEAD) {
                self.ints.prefetch(v[next as usize]);
            }
            self.ints.insert(v[r as usize]);
        }
        true
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![Value::Long((self.ints.len() + self.seen.len()) as i64)]
    }
}

/// sum/sumif: integers (and timespans, bools) add up exactly, reals apart; the output
/// type `ty` decides how the two parts come together.
#[derive(Clone, Copy)]
struct SumImpl {
    ty: Type,
    pred: Option<usize>,
}

/// The running sum of a group: its integer part and its real part.
#[derive(Clone, Copy, Default)]
struct SumState {
    i: i64,
    f: f64,
}

impl SumImpl {
    fn update(&self, st: &mut SumState, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        match &args[0] {
            Value::Int(x) => st.i = st.i.wrapping_add(*x as i64),
            Value::Long(x) | Value::TimeSpan(x) => st.i = st.i.wrapping_add(*x),
            Value::Bool(b) => st.i += *b as i64,
            Value::Real(x) | Value::Decimal(x) => st.f += x,
            _ => {}
        }
    }
    fn finish(&self, st: SumState) -> Value {
        match self.ty {
            Type::Long => Value::Long(st.i),
            Type::TimeSpan => Value::TimeSpan(st.i),
            Type::Decimal => Value::Decimal(st.f + st.i as f64),
            _ => Value::Real(st.f + st.i as f64),
        }
    }
}

impl AggregateImpl for SumImpl {
    fn init(&self) -> Box<dyn AggState> {
        Box::new(Sum {
            st: SumState::default(),
            imp: *self,
        })
    }
    fn column(&self) -> Option<Box<dyn AggColumn>> {
        Some(Box::new(SumColumn {
            sums: Vec::new(),
            imp: *self,
        }))
    }
}

struct Sum {
    st: SumState,
    imp: SumImpl,
}

impl AggState for Sum {
    fn update(&mut self, args: &[Value]) {
        self.imp.update(&mut self.st, args);
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![self.imp.finish(self.st)]
    }
}

struct SumColumn {
    sums: Vec<SumState>,
    imp: SumImpl,
}

impl AggColumn for SumColumn {
    fn push_group(&mut self) {
        self.sums.push(SumState::default());
    }
    fn update(&mut self, g: usize, args: &[Value]) {
        self.imp.update(&mut self.sums[g], args);
    }
    fn update_typed(&mut self, groups: &[u32], rows: &[u32], args: &[TypedArg<'_>]) -> bool {
        if self.imp.pred.is_some() {
            return false;
        }
        // As `SumImpl::update` adds an int, a long and a real.
        match (args.first(), self.sums.as_mut_slice()) {
            // One group: every row is of it.
            (Some(TypedArg::Integers(v)), [st]) => {
                let add = rows
                    .iter()
                    .fold(0i64, |a, &r| a.wrapping_add(v[r as usize]));
                st.i = st.i.wrapping_add(add);
            }
            (Some(TypedArg::Integers(v)), _) => {
                for (&g, &r) in groups.iter().zip(rows) {
                    let st = &mut self.sums[g as usize];
                    st.i = st.i.wrapping_add(v[r as usize]);
                }
            }
            (Some(TypedArg::Reals(v)), _) => {
                for (&g, &r) in groups.iter().zip(rows) {
                    self.sums[g as usize].f += v[r as usize];
                }
            }
            (None, _) => return false,
        }
        true
    }
    fn finish(&mut self, g: usize, out: &mut Vec<Value>) {
        out.push(self.imp.finish(self.sums[g]));
    }
    fn group_bytes(&self) -> u64 {
        16
    }
}

#[derive(Clone, Copy)]
enum MomentOut {
    Avg,
    AvgSpan,
    Var,
    VarP,
    Stdev,
    StdevP,
}

struct Moments {
    n: f64,
    sum: f64,
    sum2: f64,
    pred: Option<usize>,
    out: MomentOut,
}

impl AggState for Moments {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        let x = match &args[0] {
            Value::TimeSpan(t) => Some(*t as f64),
            v => super::num_f64(v),
        };
        if let Some(x) = x {
            self.n += 1.0;
            self.sum += x;
            self.sum2 += x * x;
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        let n = self.n;
        let mean = self.sum / n;
        let ss = (self.sum2 - self.sum * mean).max(0.0);
        let v = match self.out {
            MomentOut::Avg => mean,
            MomentOut::AvgSpan if n == 0.0 => return vec![Value::Null],
            MomentOut::AvgSpan => return vec![Value::TimeSpan(mean.round() as i64)],
            _ if n == 0.0 => 0.0,
            MomentOut::Var => {
                if n > 1.0 {
                    ss / (n - 1.0)
                } else {
                    0.0
                }
            }
            MomentOut::VarP => ss / n,
            MomentOut::Stdev => {
                if n > 1.0 {
                    (ss / (n - 1.0)).sqrt()
                } else {
                    0.0
                }
            }
            MomentOut::StdevP => (ss / n).sqrt(),
        };
        vec![Value::Real(v)]
    }
}

/// min/max (one output) and arg_min/arg_max (the whole row).
struct Extreme {
    best: Option<Value>,
    row: Vec<Value>,
    max: bool,
    pred: Option<usize>,
    keep_row: bool,
    types: Vec<Type>,
}

fn nulls(types: &[Type]) -> Vec<Value> {
    types.iter().map(|t| Value::null_of(*t)).collect()
}

impl AggState for Extreme {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        let v = &args[0];
        if v.is_null() {
            // arg_max over all-null expressions still returns a row.
            if self.keep_row && self.best.is_none() && self.row.is_empty() {
                self.row = args.to_vec();
            }
            return;
        }
        let better = match &self.best {
            None => true,
            Some(b) => {
                let o = compare(v, b);
                if self.max {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            }
        };
        if better {
            self.best = Some(v.clone());
            if self.keep_row {
                self.row = args.to_vec();
            }
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        if self.keep_row {
            if self.row.is_empty() {
                return nulls(&self.types);
            }
            std::mem::take(&mut self.row)
        } else {
            vec![self
                .best
                .take()
                .unwrap_or_else(|| Value::null_of(self.types[0]))]
        }
    }
}

/// Up to this many items, make_set finds duplicates by scanning its items.
const SMALL_SET: usize = 8;

/// make_list / make_set (with `seen`) and their `_if` forms.
struct Collect {
    items: Vec<Value>,
    seen: Option<FxHashSet<Value>>,
    limit: usize,
    nulls: bool,
    pred: Option<usize>,
}

impl Collect {
    fn push(&mut self, v: &Value) {
        if self.items.len() >= self.limit || (v.is_null() && !self.nulls) {
            return;
        }
        if let Some(seen) = &mut self.seen {
            // Most sets stay small (a few values per group, and there may be millions of
            // groups): up to SMALL_SET items a scan beats hashing and allocates nothing;
            // the hash set is built only past that.
            if self.items.len() < SMALL_SET {
                if self.items.contains(v) {
                    return;
                }
            } else {
                if seen.is_empty() {
                    seen.extend(self.items.iter().cloned());
                }
                if !seen.insert(v.clone()) {
                    return;
                }
            }
        }
        self.items.push(v.clone());
    }
}

impl AggState for Collect {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        match &args[0] {
            Value::Array(a) => {
                for v in a.iter() {
                    self.push(v);
                }
            }
            v => self.push(v),
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![Value::array(std::mem::take(&mut self.items))]
    }
}

struct MakeBag {
    bag: crate::value::Bag,
    limit: usize,
    pred: Option<usize>,
}

impl AggState for MakeBag {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        if let Value::Bag(b) = &args[0] {
            for (k, v) in b.iter() {
                if self.bag.len() >= self.limit {
                    break;
                }
                self.bag.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![Value::bag(std::mem::take(&mut self.bag))]
    }
}

struct TakeAny {
    row: Option<Vec<Value>>,
    pred: Option<usize>,
    types: Vec<Type>,
}

impl AggState for TakeAny {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        let n = if self.pred.is_some() { 1 } else { args.len() };
        match &self.row {
            // Prefer a row whose first value is neither null nor empty.
            Some(r) if !r[0].is_empty_value() => {}
            _ => self.row = Some(args[..n].to_vec()),
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        self.row.take().unwrap_or_else(|| nulls(&self.types))
    }
}

struct Covariance {
    n: f64,
    sx: f64,
    sy: f64,
    sxy: f64,
    pred: Option<usize>,
    population: bool,
}

impl AggState for Covariance {
    fn update(&mut self, args: &[Value]) {
        if !passes(args, self.pred) {
            return;
        }
        if let (Some(x), Some(y)) = (super::num_f64(&args[0]), super::num_f64(&args[1])) {
            self.n += 1.0;
            self.sx += x;
            self.sy += y;
            self.sxy += x * y;
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        let n = self.n;
        let c = self.sxy - self.sx * self.sy / n;
        let d = if self.population { n } else { n - 1.0 };
        vec![Value::Real(if d > 0.0 { c / d } else { 0.0 })]
    }
}

struct BitAll {
    acc: Option<i64>,
    op: u8,
}

impl AggState for BitAll {
    fn update(&mut self, args: &[Value]) {
        if let Some(x) = super::num_i64(&args[0]) {
            self.acc = Some(match (self.acc, self.op) {
                (None, _) => x,
                (Some(a), 0) => a & x,
                (Some(a), 1) => a | x,
                (Some(a), _) => a ^ x,
            });
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![self.acc.map_or(Value::Null, Value::Long)]
    }
}
