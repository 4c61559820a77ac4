//! Percentiles and distinct counts, and the sketches that carry them between queries:
//! the aggregates `percentile(s)`, `percentile(s)w`, `percentiles(w)_array`, `tdigest`,
//! `tdigest_merge`, `hll`, `hll_if`, `hll_merge`, and the scalars `percentile_tdigest`,
//! `percentiles_array_tdigest`, `rank_tdigest`, `percentrank_tdigest`,
//! `merge_tdigest`, `hll_merge`, `dcount_hll`.
//!
//! Rules:
//! - A percentile is the nearest-rank value: the first value (in order) whose
//!   cumulative weight reaches p% of the total weight, so it is always one of the
//!   inputs and has their type (conformance: `percentilesw(LatencyBucket, ReqCount,
//!   50, 75, 99.9)` is [20, 20, 40]; `percentiles(x, 5)` of 1..100 is 5). Over no
//!   values it is null.
//! - Kusto estimates percentiles with a T-Digest and distinct counts with a
//!   HyperLogLog; kql is exact while a sketch stays within [`MAX_CENTROIDS`] distinct
//!   values (then neighbouring values merge into weighted means, as T-Digest
//!   centroids do). A `tdigest` value has Kusto's printed shape
//!   `[[type code], [values], [weights]]`; an `hll` value has the shape of Kusto's
//!   sketch of few values, `[[1024, 14], ["hash", ...], []]`, with every distinct
//!   value's hash (kql's dcount is exact too).

use super::{
    arity, cast_to, num_f64, pure, sig, AggState, AggregateImpl, ArgInfo, Bound, BoundAggregate,
    FnError, Want,
};
use crate::types::Type;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The aggregate names this module binds.
pub(super) const AGGREGATES: &[&str] = &[
    "percentile",
    "percentiles",
    "percentiles_array",
    "percentilew",
    "percentilesw",
    "percentilesw_array",
    "tdigest",
    "tdigest_merge",
    "merge_tdigest",
    "hll",
    "hll_if",
    "hll_merge",
];

/// The scalar names (`hll_merge` and `merge_tdigest` are both: the aggregate over a
/// column in summarize, the scalar over several sketches).
pub(super) const NAMES: &[&str] = &[
    "percentile_tdigest",
    "percentiles_array_tdigest",
    "rank_tdigest",
    "percentrank_tdigest",
    "merge_tdigest",
    "tdigest_merge",
    "hll_merge",
    "dcount_hll",
];

/// Beyond this many distinct values a digest merges neighbours (bounded memory).
pub(super) const MAX_CENTROIDS: usize = 100_000;

// ---------------------------------------------------------------------------------
// Digest

/// Distinct values with their weights, ordered by value (the value's f64 form; the
/// original value is kept for the result's type).
#[derive(Clone, Default)]
struct Digest {
    centroids: BTreeMap<OrderedF64, (Value, f64)>,
    ty: Option<Type>,
}

#[derive(Clone, Copy, PartialEq)]
struct OrderedF64(f64);
impl Eq for OrderedF64 {}
impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A value's position on the number line (datetimes and timespans by ticks).
fn key(v: &Value) -> Option<f64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        Value::Bool(_) | Value::String(_) | Value::Guid(_) => None,
        v => num_f64(v).filter(|f| !f.is_nan()),
    }
}

fn type_of(v: &Value) -> Type {
    match v {
        Value::Int(_) => Type::Int,
        Value::Long(_) => Type::Long,
        Value::Real(_) => Type::Real,
        Value::Decimal(_) => Type::Decimal,
        Value::DateTime(_) => Type::DateTime,
        Value::TimeSpan(_) => Type::TimeSpan,
        _ => Type::Dynamic,
    }
}

impl Digest {
    fn add(&mut self, v: &Value, w: f64) {
        let Some(k) = key(v) else { return };
        if w.is_nan() || w <= 0.0 {
            return;
        }
        self.ty.get_or_insert_with(|| type_of(v));
        self.centroids
            .entry(OrderedF64(k))
            .or_insert_with(|| (v.clone(), 0.0))
            .1 += w;
        if self.centroids.len() > MAX_CENTROIDS {
            self.compress();
        }
    }

    /// Merges neighbouring pairs into their weighted mean, halving the size.
    fn compress(&mut self) {
        let ty = self.ty.unwrap_or(Type::Real);
        let old = std::mem::take(&mut self.centroids);
        let mut it = old.into_iter();
        while let Some((OrderedF64(k1), (v1, w1))) = it.next() {
            match it.next() {
                Some((OrderedF64(k2), (_, w2))) => {
                    let k = (k1 * w1 + k2 * w2) / (w1 + w2);
                    self.centroids
                        .insert(OrderedF64(k), (from_key(k, ty), w1 + w2));
                }
                None => {
                    self.centroids.insert(OrderedF64(k1), (v1, w1));
                }
            }
        }
    }

    fn merge(&mut self, other: &Digest) {
        for (v, w) in other.centroids.values() {
            self.add(v, *w);
        }
    }

    fn total(&self) -> f64 {
        self.centroids.values().map(|c| c.1).sum()
    }

    /// The nearest-rank p-th percentile (p in [0, 100]).
    fn percentile(&self, p: f64) -> Option<Value> {
        let total = self.total();
        if self.centroids.is_empty() || !p.is_finite() {
            return None;
        }
        let target = p.clamp(0.0, 100.0) / 100.0 * total;
        let mut cum = 0.0;
        for (v, w) in self.centroids.values() {
            cum += w;
            // A tolerance for the product's rounding (0.07 * 100 is 7.000000000000001).
            if cum >= target - 1e-9 * total.max(1.0) {
                return Some(v.clone());
            }
        }
        self.centroids.values().next_back().map(|c| c.0.clone())
    }

    /// The total weight of the values at most `v`.
    fn rank(&self, v: f64) -> f64 {
        self.centroids
            .range(..=OrderedF64(v))
            .map(|(_, c)| c.1)
            .sum()
    }

    fn to_value(&self) -> Value {
        let (values, weights): (Vec<Value>, Vec<Value>) = self
            .centroids
            .values()
            .map(|(v, w)| (v.clone(), weight_value(*w)))
            .unzip();
        Value::array(vec![
            Value::array(vec![Value::Long(type_code(self.ty.unwrap_or(Type::Real)))]),
            Value::array(values),
            Value::array(weights),
        ])
    }

    fn from_value(v: &Value) -> Option<Digest> {
        let Value::Array(parts) = v else { return None };
        let [code, values, weights] = parts.as_slice() else {
            return None;
        };
        let ty = match code {
            Value::Array(c) => c.first().and_then(super::num_i64).and_then(code_type),
            _ => None,
        }?;
        let (Value::Array(values), Value::Array(weights)) = (values, weights) else {
            return None;
        };
        let mut d = Digest {
            ty: Some(ty),
            ..Digest::default()
        };
        for (v, w) in values.iter().zip(weights.iter()) {
            let v = cast_to(ty, v.clone());
            d.add(&v, num_f64(w).unwrap_or(0.0));
        }
        Some(d)
    }
}

fn weight_value(w: f64) -> Value {
    if w.fract() == 0.0 && w.abs() < 9e15 {
        Value::Long(w as i64)
    } else {
        Value::Real(w)
    }
}

fn from_key(k: f64, ty: Type) -> Value {
    match ty {
        Type::Int => Value::Int(k.round() as i32),
        Type::Long => Value::Long(k.round() as i64),
        Type::DateTime => Value::DateTime(k.round() as i64),
        Type::TimeSpan => Value::TimeSpan(k.round() as i64),
        Type::Decimal => Value::Decimal(k),
        _ => Value::Real(k),
    }
}

/// The type code of a digest's values: 7 for long as Kusto prints it; the others are
/// kql's own.
fn type_code(ty: Type) -> i64 {
    match ty {
        Type::Long => 7,
        Type::Int => 6,
        Type::Real => 10,
        Type::Decimal => 11,
        Type::DateTime => 12,
        Type::TimeSpan => 13,
        _ => 10,
    }
}

fn code_type(code: i64) -> Option<Type> {
    Some(match code {
        7 => Type::Long,
        6 => Type::Int,
        10 => Type::Real,
        11 => Type::Decimal,
        12 => Type::DateTime,
        13 => Type::TimeSpan,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------
// HyperLogLog (exact here)

/// The hash an `hll` sketch keeps for a value: Kusto's `hash()` (xxHash64 of a string's
/// UTF-8, of an integer's, datetime's or timespan's 8 little-endian bytes), which is
/// what Kusto's printed sketches hold (`hash(0)` is the 3803688792395291579 of
/// hll-aggregation-function.md); other values hash their text.
fn hash_of(v: &Value) -> i64 {
    use super::math::xxhash64;
    (match v {
        Value::String(s) => xxhash64(s.as_bytes()),
        Value::Int(i) => xxhash64(&(*i as i64).to_le_bytes()),
        Value::Long(t) | Value::DateTime(t) | Value::TimeSpan(t) => xxhash64(&t.to_le_bytes()),
        other => xxhash64(crate::value::tostring(other).as_bytes()),
    }) as i64
}

/// `[[1024, 14], ["hash", ...], []]`: the shape of Kusto's sketch of few values.
fn hll_value(set: &std::collections::BTreeSet<i64>) -> Value {
    Value::array(vec![
        Value::array(vec![Value::Long(1024), Value::Long(14)]),
        Value::array(set.iter().map(|h| Value::str(&h.to_string())).collect()),
        Value::array(Vec::new()),
    ])
}

fn hll_from(v: &Value) -> Option<std::collections::BTreeSet<i64>> {
    let Value::Array(parts) = v else { return None };
    let [Value::Array(_), Value::Array(hashes), ..] = parts.as_slice() else {
        return None;
    };
    Some(
        hashes
            .iter()
            .filter_map(|h| match h {
                Value::String(s) => s.parse().ok(),
                other => super::num_i64(other),
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------
// Aggregates

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

/// The constant percentiles of a call, from argument `from` on (numbers, or one
/// dynamic array of them).
fn percent_list(name: &str, args: &[ArgInfo], from: usize) -> Result<Vec<f64>, FnError> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate().skip(from) {
        match a.constant {
            Some(Value::Array(items)) => {
                for v in items.iter() {
                    out.push(num_f64(v).ok_or_else(|| not_percent(name, i))?);
                }
            }
            Some(v) => out.push(num_f64(v).ok_or_else(|| not_percent(name, i))?),
            None => return Err(not_percent(name, i)),
        }
    }
    if out.iter().any(|p| !(0.0..=100.0).contains(p)) {
        return Err(FnError::Type(
            from,
            format!("the percentiles of `{name}` must be between 0 and 100"),
        ));
    }
    if out.is_empty() {
        return Err(FnError::Arity(format!(
            "`{name}` needs at least one percentile"
        )));
    }
    Ok(out)
}

fn not_percent(name: &str, i: usize) -> FnError {
    FnError::Type(
        i,
        format!("the percentiles of `{name}` must be constant numbers"),
    )
}

fn percentile_type(name: &str, t: Type) -> Result<Type, FnError> {
    match t {
        Type::Int | Type::Long | Type::Real | Type::Decimal | Type::DateTime | Type::TimeSpan => {
            Ok(t)
        }
        Type::Dynamic => Ok(Type::Real),
        other => Err(FnError::Type(
            0,
            format!("`{name}` needs numbers, datetimes or timespans, not {other}"),
        )),
    }
}

/// How a digest aggregate finishes.
#[derive(Clone)]
enum Finish {
    /// One column per percentile.
    Columns(Arc<Vec<f64>>, Type),
    /// One dynamic array of the percentiles.
    Array(Arc<Vec<f64>>, Type),
    /// The digest itself.
    Sketch,
}

struct DigestState {
    digest: Digest,
    /// The weight argument's index (percentilew, tdigest(x, w)).
    weight: Option<usize>,
    /// Inputs are digests to merge (tdigest_merge).
    merge: bool,
    finish: Finish,
}

impl AggState for DigestState {
    fn update(&mut self, args: &[Value]) {
        if self.merge {
            if let Some(d) = Digest::from_value(&args[0]) {
                self.digest.merge(&d);
            }
            return;
        }
        let w = match self.weight {
            Some(i) => match args.get(i).and_then(num_f64) {
                Some(w) => w,
                None => return,
            },
            None => 1.0,
        };
        self.digest.add(&args[0], w);
    }
    fn finish(&mut self) -> Vec<Value> {
        match &self.finish {
            Finish::Columns(ps, ty) => ps
                .iter()
                .map(|p| {
                    self.digest
                        .percentile(*p)
                        .map_or(Value::null_of(*ty), |v| cast_to(*ty, v))
                })
                .collect(),
            Finish::Array(ps, ty) => {
                if self.digest.centroids.is_empty() {
                    return vec![Value::Null];
                }
                vec![Value::array(
                    ps.iter()
                        .map(|p| {
                            self.digest
                                .percentile(*p)
                                .map_or(Value::Null, |v| cast_to(*ty, v))
                        })
                        .collect(),
                )]
            }
            Finish::Sketch if self.digest.centroids.is_empty() => vec![Value::Null],
            Finish::Sketch => vec![self.digest.to_value()],
        }
    }
}

struct HllState {
    set: std::collections::BTreeSet<i64>,
    pred: Option<usize>,
    merge: bool,
}

impl AggState for HllState {
    fn update(&mut self, args: &[Value]) {
        if let Some(i) = self.pred {
            if !args.get(i).is_some_and(Value::is_true) {
                return;
            }
        }
        if self.merge {
            if let Some(s) = hll_from(&args[0]) {
                self.set.extend(s);
            }
        } else if !args[0].is_null() {
            self.set.insert(hash_of(&args[0]));
        }
    }
    fn finish(&mut self) -> Vec<Value> {
        if self.set.is_empty() {
            return vec![Value::Null];
        }
        vec![hll_value(&self.set)]
    }
}

pub(super) fn bind_aggregate(name: &str, args: &[ArgInfo]) -> Result<BoundAggregate, FnError> {
    use Want::*;
    let digest = |weight: Option<usize>, merge: bool, finish: Finish| {
        move || -> Box<dyn AggState> {
            Box::new(DigestState {
                digest: Digest::default(),
                weight,
                merge,
                finish: finish.clone(),
            })
        }
    };
    match name {
        "percentile" | "percentiles" | "percentilew" | "percentilesw" => {
            let weighted = name.ends_with('w');
            let first = if weighted { 2 } else { 1 };
            let single = !name.starts_with("percentiles");
            if single {
                sig(name, args, first + 1, first + 1, &[Any, Num, Num])?;
            } else {
                arity(name, args, first + 1, usize::MAX)?;
            }
            let ty = percentile_type(name, args[0].ty)?;
            if weighted {
                super::expect(name, args, 1, Integer)?;
            }
            let ps = percent_list(name, args, first)?;
            let outputs = vec![ty; ps.len()];
            agg(
                outputs,
                digest(
                    weighted.then_some(1),
                    false,
                    Finish::Columns(Arc::new(ps), ty),
                ),
            )
        }
        "percentiles_array" | "percentilesw_array" => {
            let weighted = name == "percentilesw_array";
            let first = if weighted { 2 } else { 1 };
            arity(name, args, first + 1, usize::MAX)?;
            let ty = percentile_type(name, args[0].ty)?;
            if weighted {
                super::expect(name, args, 1, Integer)?;
            }
            let ps = percent_list(name, args, first)?;
            agg(
                vec![Type::Dynamic],
                digest(
                    weighted.then_some(1),
                    false,
                    Finish::Array(Arc::new(ps), ty),
                ),
            )
        }
        "tdigest" => {
            sig(name, args, 1, 2, &[Any, Integer])?;
            percentile_type(name, args[0].ty)?;
            agg(
                vec![Type::Dynamic],
                digest((args.len() == 2).then_some(1), false, Finish::Sketch),
            )
        }
        "tdigest_merge" | "merge_tdigest" => {
            sig(name, args, 1, 1, &[Dynamic])?;
            agg(vec![Type::Dynamic], digest(None, true, Finish::Sketch))
        }
        "hll" | "hll_if" | "hll_merge" => {
            let cond = name == "hll_if";
            let merge = name == "hll_merge";
            match (cond, merge) {
                (true, _) => sig(name, args, 2, 3, &[Any, Bool, Integer])?,
                (_, true) => sig(name, args, 1, 1, &[Dynamic])?,
                _ => sig(name, args, 1, 2, &[Any, Integer])?,
            }
            agg(vec![Type::Dynamic], move || {
                Box::new(HllState {
                    set: Default::default(),
                    pred: cond.then_some(1),
                    merge,
                })
            })
        }
        _ => Err(FnError::Unknown),
    }
}

// ---------------------------------------------------------------------------------
// Scalars

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "percentile_tdigest" => sig(name, args, 2, 3, &[Dynamic, Num, Any]).and_then(|_| {
            // A `typeof(T)` third argument gives the result that type; else dynamic.
            let ty = match args.get(2).and_then(|a| a.constant) {
                None => Type::Dynamic,
                Some(Value::String(s)) => Type::from_name(s)
                    .ok_or_else(|| FnError::Type(2, format!("`{name}`: unknown type `{s}`")))?,
                Some(_) => return Err(FnError::Type(2, format!("`{name}` takes typeof(T) third"))),
            };
            pure(ty, move |a| {
                let (Some(d), Some(p)) = (Digest::from_value(&a[0]), num_f64(&a[1])) else {
                    return Value::null_of(ty);
                };
                match d.percentile(p) {
                    Some(v) => cast_to(ty, v),
                    None => Value::null_of(ty),
                }
            })
        }),
        "percentiles_array_tdigest" => {
            sig(name, args, 2, usize::MAX, &[Dynamic, Any]).and_then(|_| {
                pure(Type::Dynamic, |a| {
                    let Some(d) = Digest::from_value(&a[0]) else {
                        return Value::Null;
                    };
                    let mut ps = Vec::new();
                    for v in &a[1..] {
                        match v {
                            Value::Array(items) => ps.extend(items.iter().filter_map(num_f64)),
                            v => ps.extend(num_f64(v)),
                        }
                    }
                    Value::array(
                        ps.iter()
                            .map(|p| d.percentile(*p).unwrap_or(Value::Null))
                            .collect(),
                    )
                })
            })
        }
        "rank_tdigest" | "percentrank_tdigest" => {
            sig(name, args, 2, 2, &[Dynamic, Any]).and_then(|_| {
                let percent = name == "percentrank_tdigest";
                pure(Type::Real, move |a| {
                    let (Some(d), Some(v)) = (Digest::from_value(&a[0]), key(&a[1])) else {
                        return Value::Null;
                    };
                    let rank = d.rank(v);
                    Value::Real(if percent {
                        rank * 100.0 / d.total()
                    } else {
                        rank
                    })
                })
            })
        }
        // The scalar forms merge two to sixteen sketches (one is the aggregate's form,
        // in summarize: Kusto.Language refuses it elsewhere).
        "merge_tdigest" | "tdigest_merge" => sig(name, args, 2, 16, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut out = Digest::default();
                for v in a {
                    if let Some(d) = Digest::from_value(v) {
                        out.merge(&d);
                    }
                }
                if out.centroids.is_empty() {
                    Value::Null
                } else {
                    out.to_value()
                }
            })
        }),
        "hll_merge" => sig(name, args, 2, 16, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut set = std::collections::BTreeSet::new();
                for v in a {
                    if let Some(s) = hll_from(v) {
                        set.extend(s);
                    }
                }
                if set.is_empty() {
                    Value::Null
                } else {
                    hll_value(&set)
                }
            })
        }),
        "dcount_hll" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Long, |a| match hll_from(&a[0]) {
                Some(s) => Value::Long(s.len() as i64),
                None => Value::Long(0),
            })
        }),
        _ => return None,
    })
}

/// The distinct counts of an `hll` value alone and intersected with the following ones
/// (`dcount_intersect`): |A|, |A ∩ B|, |A ∩ B ∩ C|, ...
pub(crate) fn intersections(sketches: &[Value]) -> Vec<i64> {
    let mut out = Vec::with_capacity(sketches.len());
    let mut acc: Option<std::collections::BTreeSet<i64>> = None;
    for v in sketches {
        let s = hll_from(v).unwrap_or_default();
        let next = match acc {
            None => s,
            Some(a) => a.intersection(&s).copied().collect(),
        };
        out.push(next.len() as i64);
        acc = Some(next);
    }
    out
}
