//! Series functions: `series_*` over dynamic arrays of numbers, as `make-series` and
//! `make_list` build them.
//!
//! Rules (each function's docs page):
//! - An element is a number when it is an int, long, real or decimal; a datetime or
//!   timespan counts as its ticks (the docs' `series_add(TimeStamp, 0)` turns a time
//!   axis into numbers). Anything else (null, a string, a bag) is not a number.
//! - Element-wise functions give null for an element that is not a number, and for a
//!   position only one of two arrays has (arrays of different lengths). Either operand
//!   of a binary one may be a scalar, which applies to every element
//!   (`series_multiply(10, flags)`). Integer elements stay integers under `add`,
//!   `subtract`, `multiply`, `abs` and `sign`; `divide`, `pow`, `floor`, `ceiling` and
//!   the transcendental functions give reals.
//! - A function whose first argument is not an array gives null.
//! - Functions that give several columns (`series_stats`, `series_fit_line`, ...) return
//!   the array of their outputs; [`TUPLES`] names and types the columns, which the
//!   binder spreads over `(a, b, ...) = f(...)` or names `f_<arg>_<output>`.
//!
//! The decomposition family (seasonality, anomalies, forecasts) is in
//! `series_decompose`.

use super::ops::{arith, Arith};
use super::series_decompose as decompose;
use super::{num_f64, pure, sig, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::{Bag, Value};
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "series_abs",
    "series_acos",
    "series_asin",
    "series_atan",
    "series_ceiling",
    "series_cos",
    "series_exp",
    "series_floor",
    "series_log",
    "series_sign",
    "series_sin",
    "series_tan",
    "series_add",
    "series_subtract",
    "series_multiply",
    "series_divide",
    "series_pow",
    "series_greater",
    "series_greater_equals",
    "series_less",
    "series_less_equals",
    "series_equals",
    "series_not_equals",
    "series_sum",
    "series_product",
    "series_magnitude",
    "series_dot_product",
    "series_pearson_correlation",
    "series_cosine_similarity",
    "series_stats",
    "series_stats_dynamic",
    "series_fill_backward",
    "series_fill_forward",
    "series_fill_const",
    "series_fill_linear",
    "series_fir",
    "series_iir",
    "series_fit_line",
    "series_fit_line_dynamic",
    "series_fit_2lines",
    "series_fit_2lines_dynamic",
    "series_fit_poly",
    "series_fft",
    "series_ifft",
    "series_seasonal",
    "series_outliers",
    "series_periods_detect",
    "series_periods_validate",
    "series_decompose",
    "series_decompose_anomalies",
    "series_decompose_forecast",
];

const STATS: &[(&str, Type)] = &[
    ("min", Type::Real),
    ("min_idx", Type::Long),
    ("max", Type::Real),
    ("max_idx", Type::Long),
    ("avg", Type::Real),
    ("stdev", Type::Real),
    ("variance", Type::Real),
];

const FIT_LINE: &[(&str, Type)] = &[
    ("rsquare", Type::Real),
    ("slope", Type::Real),
    ("variance", Type::Real),
    ("rvariance", Type::Real),
    ("interception", Type::Real),
    ("line_fit", Type::Dynamic),
];

const FIT_2LINES: &[(&str, Type)] = &[
    ("rsquare", Type::Real),
    ("split_idx", Type::Long),
    ("variance", Type::Real),
    ("rvariance", Type::Real),
    ("line_fit", Type::Dynamic),
    ("right_rsquare", Type::Real),
    ("right_slope", Type::Real),
    ("right_interception", Type::Real),
    ("right_variance", Type::Real),
    ("right_rvariance", Type::Real),
    ("left_rsquare", Type::Real),
    ("left_slope", Type::Real),
    ("left_interception", Type::Real),
    ("left_variance", Type::Real),
    ("left_rvariance", Type::Real),
];

const FIT_POLY: &[(&str, Type)] = &[
    ("rsquare", Type::Real),
    ("coefficients", Type::Dynamic),
    ("variance", Type::Real),
    ("rvariance", Type::Real),
    ("poly_fit", Type::Dynamic),
];

const DECOMPOSE: &[(&str, Type)] = &[
    ("baseline", Type::Dynamic),
    ("seasonal", Type::Dynamic),
    ("trend", Type::Dynamic),
    ("residual", Type::Dynamic),
];

/// The functions that give several columns: each output's name suffix and type, in
/// order (Kusto.Language names them `<function>_<first argument>_<suffix>`).
pub(super) const TUPLES: &[(&str, &[(&str, Type)])] = &[
    ("series_stats", STATS),
    ("series_fit_line", FIT_LINE),
    ("series_fit_2lines", FIT_2LINES),
    ("series_fit_poly", FIT_POLY),
    (
        "series_fft",
        &[("real", Type::Dynamic), ("imag", Type::Dynamic)],
    ),
    (
        "series_ifft",
        &[("real", Type::Dynamic), ("imag", Type::Dynamic)],
    ),
    (
        "series_periods_detect",
        &[("periods", Type::Dynamic), ("scores", Type::Dynamic)],
    ),
    (
        "series_periods_validate",
        &[("periods", Type::Dynamic), ("scores", Type::Dynamic)],
    ),
    ("series_decompose", DECOMPOSE),
    (
        "series_decompose_anomalies",
        &[
            ("ad_flag", Type::Dynamic),
            ("ad_score", Type::Dynamic),
            ("baseline", Type::Dynamic),
        ],
    ),
];

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if !name.starts_with("series_") {
        return None;
    }
    let bound = match name {
        "series_abs" | "series_sign" => unary(name, args, Keep::Integers),
        "series_acos" | "series_asin" | "series_atan" | "series_ceiling" | "series_cos"
        | "series_exp" | "series_floor" | "series_log" | "series_sin" | "series_tan" => {
            unary(name, args, Keep::Reals)
        }
        "series_add" | "series_subtract" | "series_multiply" | "series_divide" | "series_pow" => {
            binary_arith(name, args)
        }
        "series_greater"
        | "series_greater_equals"
        | "series_less"
        | "series_less_equals"
        | "series_equals"
        | "series_not_equals" => binary_compare(name, args),
        "series_sum" | "series_product" | "series_magnitude" => reduce(name, args),
        "series_dot_product" => sig(name, args, 2, 2, &[Want::Any]).and_then(|_| {
            pure(Type::Real, |a| {
                Value::Real(pairs(&a[0], &a[1]).map(|(x, y)| x * y).sum())
            })
        }),
        "series_pearson_correlation" => sig(name, args, 2, 2, &[Want::Dynamic]).and_then(|_| {
            pure(Type::Real, |a| match (numbers(&a[0]), numbers(&a[1])) {
                (Some(x), Some(y)) if x.len() == y.len() && !x.is_empty() => {
                    Value::Real(pearson(&x, &y))
                }
                _ => Value::Null,
            })
        }),
        "series_cosine_similarity" => sig(
            name,
            args,
            2,
            4,
            &[Want::Dynamic, Want::Dynamic, Want::Num, Want::Num],
        )
        .and_then(|_| {
            pure(Type::Real, |a| {
                if series(&a[0]).is_none() || series(&a[1]).is_none() {
                    return Value::Null;
                }
                let dot: f64 = pairs(&a[0], &a[1]).map(|(x, y)| x * y).sum();
                let norm = |i: usize| match a.get(i + 2).and_then(num_f64) {
                    Some(m) => m,
                    None => magnitude(&a[i]),
                };
                Value::Real(dot / (norm(0) * norm(1)))
            })
        }),
        "series_stats" | "series_stats_dynamic" => {
            sig(name, args, 1, 2, &[Want::Dynamic, Want::Bool]).and_then(|_| {
                let bag = name == "series_stats_dynamic";
                pure(Type::Dynamic, move |a| {
                    let ignore = matches!(a.get(1), Some(Value::Bool(true)));
                    stats(&a[0], ignore, bag)
                })
            })
        }
        "series_fill_backward" | "series_fill_forward" => {
            sig(name, args, 1, 2, &[Want::Dynamic, Want::Any]).and_then(|_| {
                let forward = name == "series_fill_forward";
                pure(Type::Dynamic, move |a| {
                    let missing = a.get(1).cloned().unwrap_or(Value::Null);
                    fill_carry(&a[0], &missing, forward)
                })
            })
        }
        "series_fill_const" => sig(name, args, 2, 3, &[Want::Dynamic, Want::Any, Want::Any])
            .and_then(|_| {
                pure(Type::Dynamic, |a| {
                    let missing = a.get(2).cloned().unwrap_or(Value::Null);
                    match series(&a[0]) {
                        Some(s) => Value::array(
                            s.iter()
                                .map(|v| {
                                    if is_missing(v, &missing) {
                                        a[1].clone()
                                    } else {
                                        v.clone()
                                    }
                                })
                                .collect(),
                        ),
                        None => Value::Null,
                    }
                })
            }),
        "series_fill_linear" => sig(
            name,
            args,
            1,
            4,
            &[Want::Dynamic, Want::Any, Want::Bool, Want::Any],
        )
        .and_then(|_| {
            pure(Type::Dynamic, |a| {
                let missing = a.get(1).cloned().unwrap_or(Value::Null);
                let edges = !matches!(a.get(2), Some(Value::Bool(false)));
                let constant = a.get(3).cloned().unwrap_or(Value::Real(0.0));
                fill_linear(&a[0], &missing, edges, &constant)
            })
        }),
        "series_fir" => sig(
            name,
            args,
            2,
            4,
            &[Want::Dynamic, Want::Dynamic, Want::Bool, Want::Bool],
        )
        .and_then(|_| {
            pure(Type::Dynamic, |a| {
                let normalize = match a.get(2) {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => None,
                };
                let center = matches!(a.get(3), Some(Value::Bool(true)));
                fir(&a[0], &a[1], normalize, center)
            })
        }),
        "series_iir" => sig(name, args, 3, 3, &[Want::Dynamic])
            .and_then(|_| pure(Type::Dynamic, |a| iir(&a[0], &a[1], &a[2]))),
        "series_fit_line" | "series_fit_line_dynamic" => sig(name, args, 1, 1, &[Want::Dynamic])
            .and_then(|_| {
                let bag = name.ends_with("_dynamic");
                pure(Type::Dynamic, move |a| match numbers_or_nan(&a[0]) {
                    Some(y) => outputs(FIT_LINE, fit_line_values(&y), bag),
                    None => Value::Null,
                })
            }),
        "series_fit_2lines" | "series_fit_2lines_dynamic" => {
            sig(name, args, 1, 1, &[Want::Dynamic]).and_then(|_| {
                let bag = name.ends_with("_dynamic");
                pure(Type::Dynamic, move |a| match numbers_or_nan(&a[0]) {
                    Some(y) => outputs(FIT_2LINES, fit_2lines(&y), bag),
                    None => Value::Null,
                })
            })
        }
        "series_fit_poly" => sig(
            name,
            args,
            1,
            3,
            &[Want::Dynamic, Want::Dynamic, Want::Integer],
        )
        .and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Some(y) = numbers_or_nan(&a[0]) else {
                    return Value::Null;
                };
                let x = match a.get(1) {
                    None | Some(Value::Null) => (1..=y.len()).map(|i| i as f64).collect(),
                    Some(v) => match numbers_or_nan(v) {
                        Some(x) if x.len() == y.len() => x,
                        _ => return Value::Null,
                    },
                };
                let degree = a.get(2).and_then(super::num_i64).unwrap_or(1);
                if !(1..=16).contains(&degree) {
                    return Value::Null;
                }
                match fit_poly(&x, &y, degree as usize) {
                    Some(v) => Value::array(v),
                    None => Value::Null,
                }
            })
        }),
        "series_fft" | "series_ifft" => sig(name, args, 1, 2, &[Want::Dynamic]).and_then(|_| {
            let inverse = name == "series_ifft";
            pure(Type::Dynamic, move |a| {
                let Some(re) = numbers_or_nan(&a[0]) else {
                    return Value::Null;
                };
                let im = match a.get(1) {
                    None | Some(Value::Null) => vec![0.0; re.len()],
                    Some(v) => match numbers_or_nan(v) {
                        Some(im) if im.len() == re.len() => im,
                        _ => return Value::Null,
                    },
                };
                let (re, im) = fft(&re, &im, inverse);
                Value::array(vec![reals(re), reals(im)])
            })
        }),
        _ => return decompose::bind(name, args),
    };
    Some(bound)
}

/// The output names and types of tuple function `name` (see [`TUPLES`]).
pub(super) fn tuple_outputs(name: &str) -> Option<&'static [(&'static str, Type)]> {
    TUPLES.iter().find(|(n, _)| *n == name).map(|(_, o)| *o)
}

/// A tuple function's result: the array of its outputs, or (`_dynamic` forms) a bag.
fn outputs(names: &[(&str, Type)], values: Vec<Value>, bag: bool) -> Value {
    if !bag {
        return Value::array(values);
    }
    let mut b = Bag::default();
    for ((name, _), v) in names.iter().zip(values) {
        b.insert(Arc::from(*name), v);
    }
    Value::bag(b)
}

// ---------------------------------------------------------------------------------
// Elements

/// The elements of an array argument.
pub(super) fn series(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Array(a) => Some(a.as_slice()),
        _ => None,
    }
}

/// An element as a number (datetimes and timespans as their ticks).
pub(super) fn element(v: &Value) -> Option<f64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        v => num_f64(v),
    }
}

/// Every element of an array as a number, or None when one is not.
fn numbers(v: &Value) -> Option<Vec<f64>> {
    series(v)?.iter().map(element).collect()
}

/// Every element as a number, non-numbers as NaN (the fits skip those points).
pub(super) fn numbers_or_nan(v: &Value) -> Option<Vec<f64>> {
    Some(
        series(v)?
            .iter()
            .map(|e| element(e).unwrap_or(f64::NAN))
            .collect(),
    )
}

pub(super) fn reals(v: Vec<f64>) -> Value {
    Value::array(v.into_iter().map(Value::Real).collect())
}

/// Pairs of numbers at the same position of two arrays (or an array and a scalar),
/// up to the shorter length, skipping positions where either is not a number.
fn pairs<'a>(a: &'a Value, b: &'a Value) -> impl Iterator<Item = (f64, f64)> + 'a {
    let n = match (series(a), series(b)) {
        (Some(x), Some(y)) => x.len().min(y.len()),
        (Some(x), None) | (None, Some(x)) => x.len(),
        (None, None) => 0,
    };
    let at = |v: &'a Value, i: usize| match v {
        Value::Array(x) => x.get(i).and_then(element),
        v => element(v),
    };
    (0..n).filter_map(move |i| Some((at(a, i)?, at(b, i)?)))
}

fn magnitude(v: &Value) -> f64 {
    series(v)
        .map(|s| s.iter().filter_map(element).map(|x| x * x).sum::<f64>())
        .unwrap_or(0.0)
        .sqrt()
}

/// An element in its own representation: ints and longs stay integers.
enum Num {
    Int(i64),
    Real(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i as i64)),
        Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => Some(Num::Int(*i)),
        Value::Real(f) | Value::Decimal(f) => Some(Num::Real(*f)),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Keep {
    /// Integer elements give integers (`abs`, `sign`).
    Integers,
    /// Every element gives a real.
    Reals,
}

fn unary(name: &str, args: &[ArgInfo], keep: Keep) -> Bound {
    sig(name, args, 1, 1, &[Want::Dynamic])?;
    let f: fn(f64) -> f64 = match name {
        "series_abs" => f64::abs,
        "series_sign" => |x: f64| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        },
        "series_acos" => f64::acos,
        "series_asin" => f64::asin,
        "series_atan" => f64::atan,
        "series_ceiling" => f64::ceil,
        "series_cos" => f64::cos,
        "series_exp" => f64::exp,
        "series_floor" => f64::floor,
        "series_log" => f64::ln,
        "series_sin" => f64::sin,
        _ => f64::tan,
    };
    let int: Option<fn(i64) -> i64> = match (keep, name) {
        (Keep::Integers, "series_abs") => Some(i64::wrapping_abs),
        (Keep::Integers, _) => Some(i64::signum),
        (Keep::Reals, _) => None,
    };
    pure(Type::Dynamic, move |a| {
        let Some(s) = series(&a[0]) else {
            return Value::Null;
        };
        Value::array(
            s.iter()
                .map(|v| match (num(v), int) {
                    (Some(Num::Int(i)), Some(g)) => Value::Long(g(i)),
                    (Some(Num::Int(i)), None) => Value::Real(f(i as f64)),
                    (Some(Num::Real(x)), _) => Value::Real(f(x)),
                    (None, _) => Value::Null,
                })
                .collect(),
        )
    })
}

/// Applies `f` to the elements of two operands (arrays or scalars) position by position;
/// None when neither is an array.
fn zip_with(a: &Value, b: &Value, f: impl Fn(&Value, &Value) -> Value) -> Value {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let n = x.len().max(y.len());
            Value::array(
                (0..n)
                    .map(|i| match (x.get(i), y.get(i)) {
                        (Some(p), Some(q)) => f(p, q),
                        _ => Value::Null,
                    })
                    .collect(),
            )
        }
        (Value::Array(x), s) => Value::array(x.iter().map(|p| f(p, s)).collect()),
        (s, Value::Array(y)) => Value::array(y.iter().map(|q| f(s, q)).collect()),
        _ => Value::Null,
    }
}

fn binary_arith(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 2, 2, &[Want::Any])?;
    let op = match name {
        "series_add" => Some(Arith::Add),
        "series_subtract" => Some(Arith::Sub),
        "series_multiply" => Some(Arith::Mul),
        _ => None,
    };
    let pow = name == "series_pow";
    pure(Type::Dynamic, move |a| {
        zip_with(&a[0], &a[1], |p, q| match (num(p), num(q)) {
            (Some(x), Some(y)) => match op {
                Some(op) => arith(op, &plain(x), &plain(y)),
                None => {
                    let (x, y) = (real(x), real(y));
                    Value::Real(if pow { x.powf(y) } else { x / y })
                }
            },
            _ => Value::Null,
        })
    })
}

fn plain(n: Num) -> Value {
    match n {
        Num::Int(i) => Value::Long(i),
        Num::Real(f) => Value::Real(f),
    }
}

fn real(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Real(f) => f,
    }
}

fn binary_compare(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 2, 2, &[Want::Any])?;
    let test: fn(f64, f64) -> bool = match name {
        "series_greater" => |x, y| x > y,
        "series_greater_equals" => |x, y| x >= y,
        "series_less" => |x, y| x < y,
        "series_less_equals" => |x, y| x <= y,
        "series_equals" => |x, y| x == y,
        _ => |x, y| x != y,
    };
    pure(Type::Dynamic, move |a| {
        zip_with(&a[0], &a[1], |p, q| match (element(p), element(q)) {
            (Some(x), Some(y)) => Value::Bool(test(x, y)),
            _ => Value::Null,
        })
    })
}

/// `series_sum`, `series_product`, `series_magnitude`: one real over the numeric
/// elements (others are skipped).
fn reduce(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 1, 1, &[Want::Dynamic])?;
    let which = match name {
        "series_sum" => 0,
        "series_product" => 1,
        _ => 2,
    };
    pure(Type::Real, move |a| {
        let Some(s) = series(&a[0]) else {
            return Value::Null;
        };
        let xs = s.iter().filter_map(element);
        Value::Real(match which {
            0 => xs.sum(),
            1 => xs.product(),
            _ => xs.map(|x| x * x).sum::<f64>().sqrt(),
        })
    })
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    // sqrt of each sum, as Kusto: its printed 0.9999999999999998 for a perfect fit.
    sxy / (sxx.sqrt() * syy.sqrt())
}

// ---------------------------------------------------------------------------------
// Statistics

/// `series_stats`: min, min_idx, max, max_idx, avg, stdev, variance (sample). With a
/// non-finite element the results are null unless `ignore` (then such elements are
/// skipped; indexes stay positions in the input).
fn stats(v: &Value, ignore: bool, bag: bool) -> Value {
    let Some(s) = series(v) else {
        return Value::Null;
    };
    let mut finite: Vec<(usize, f64)> = Vec::with_capacity(s.len());
    let mut clean = true;
    for (i, e) in s.iter().enumerate() {
        match element(e) {
            Some(x) if x.is_finite() => finite.push((i, x)),
            _ => clean = false,
        }
    }
    let nulls = |names: &[(&str, Type)]| names.iter().map(|_| Value::Null).collect();
    let mut values: Vec<Value> = if (!clean && !ignore) || finite.is_empty() {
        nulls(STATS)
    } else {
        let (mut min, mut max) = (finite[0], finite[0]);
        for &(i, x) in &finite {
            if x < min.1 {
                min = (i, x);
            }
            if x > max.1 {
                max = (i, x);
            }
        }
        let n = finite.len() as f64;
        let sum: f64 = finite.iter().map(|p| p.1).sum();
        let avg = sum / n;
        // Σx² − Σx·mean, as Kusto's variance (it matches the docs' printed digits,
        // where the two-pass sum of squared deviations is one ulp off).
        let sum2: f64 = finite.iter().map(|p| p.1 * p.1).sum();
        let ss = (sum2 - sum * avg).max(0.0);
        let variance = if n > 1.0 { ss / (n - 1.0) } else { 0.0 };
        vec![
            Value::Real(min.1),
            Value::Long(min.0 as i64),
            Value::Real(max.1),
            Value::Long(max.0 as i64),
            Value::Real(avg),
            Value::Real(variance.sqrt()),
            Value::Real(variance),
        ]
    };
    if !bag {
        return Value::array(values);
    }
    let mut b = Bag::default();
    for ((name, _), v) in STATS.iter().zip(values.drain(..)) {
        b.insert(Arc::from(*name), v);
    }
    let usable = clean || ignore;
    b.insert(
        Arc::from("sum"),
        if usable {
            Value::Real(finite.iter().map(|p| p.1).sum())
        } else {
            Value::Null
        },
    );
    b.insert(
        Arc::from("len"),
        if usable {
            Value::Long(finite.len() as i64)
        } else {
            Value::Null
        },
    );
    Value::bag(b)
}

// ---------------------------------------------------------------------------------
// Filling missing values

/// Whether element `v` is the missing-value placeholder (null by default; a number
/// placeholder matches by value).
fn is_missing(v: &Value, missing: &Value) -> bool {
    match missing {
        Value::Null => v.is_null(),
        m => match (element(v), element(m)) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => v == m,
        },
    }
}

/// `series_fill_forward` / `_backward`: each missing element takes the nearest
/// earlier (later) present one; missing elements with none stay as they are.
fn fill_carry(v: &Value, missing: &Value, forward: bool) -> Value {
    let Some(s) = series(v) else {
        return Value::Null;
    };
    let mut out: Vec<Value> = s.to_vec();
    let mut last: Option<Value> = None;
    let order: Box<dyn Iterator<Item = usize>> = if forward {
        Box::new(0..out.len())
    } else {
        Box::new((0..out.len()).rev())
    };
    for i in order {
        if is_missing(&out[i], missing) {
            if let Some(l) = &last {
                out[i] = l.clone();
            }
        } else {
            last = Some(out[i].clone());
        }
    }
    Value::array(out)
}

/// `series_fill_linear`: missing elements between two present ones are interpolated
/// on a line (truncated to integers when every present element is an integer); at
/// the edges they take the nearest present value (`edges`) or stay; an array with no
/// present element is `constant` throughout.
fn fill_linear(v: &Value, missing: &Value, edges: bool, constant: &Value) -> Value {
    let Some(s) = series(v) else {
        return Value::Null;
    };
    let present: Vec<(usize, f64)> = s
        .iter()
        .enumerate()
        .filter(|(_, e)| !is_missing(e, missing))
        .filter_map(|(i, e)| element(e).map(|x| (i, x)))
        .collect();
    if present.is_empty() {
        return Value::array(vec![constant.clone(); s.len()]);
    }
    let integers = s
        .iter()
        .filter(|e| !is_missing(e, missing))
        .all(|e| matches!(e, Value::Int(_) | Value::Long(_)));
    let make = |x: f64| {
        if integers {
            Value::Long(x.trunc() as i64)
        } else {
            Value::Real(x)
        }
    };
    let mut out: Vec<Value> = s.to_vec();
    let (first, last) = (present[0], present[present.len() - 1]);
    for w in present.windows(2) {
        let ((i0, x0), (i1, x1)) = (w[0], w[1]);
        for (k, slot) in out.iter_mut().enumerate().take(i1).skip(i0 + 1) {
            let t = (k - i0) as f64 / (i1 - i0) as f64;
            *slot = make(x0 + (x1 - x0) * t);
        }
    }
    if edges {
        for slot in out.iter_mut().take(first.0) {
            *slot = s[first.0].clone();
        }
        for slot in out.iter_mut().skip(last.0 + 1) {
            *slot = s[last.0].clone();
        }
    }
    Value::array(out)
}

// ---------------------------------------------------------------------------------
// Filters

/// `series_fir`: y[i] = Σ_j f[j]·x[i−j] (elements before the start count as 0);
/// `center` shifts the window by (len(f)−1)/2 so that it is symmetric around i.
/// Normalizing (the default unless a coefficient is negative) divides by Σ f; asked
/// for with a negative coefficient it gives null.
fn fir(x: &Value, filter: &Value, normalize: Option<bool>, center: bool) -> Value {
    let (Some(xs), Some(f)) = (numbers_or_nan(x), numbers(filter)) else {
        return Value::Null;
    };
    if f.is_empty() {
        return Value::Null;
    }
    let negative = f.iter().any(|c| *c < 0.0);
    let normalize = normalize.unwrap_or(!negative);
    if normalize && negative {
        return Value::Null;
    }
    let scale = if normalize {
        f.iter().sum::<f64>()
    } else {
        1.0
    };
    let shift = if center { (f.len() - 1) / 2 } else { 0 };
    let n = xs.len() as i64;
    let out = (0..n)
        .map(|i| {
            let mut acc = 0.0;
            for (j, c) in f.iter().enumerate() {
                let k = i + shift as i64 - j as i64;
                if (0..n).contains(&k) {
                    acc += c * xs[k as usize];
                }
            }
            acc / scale
        })
        .collect();
    reals(out)
}

/// `series_iir`: y[i] = (Σ_k b[k]·x[i−k] − Σ_{k≥1} a[k]·y[i−k]) / a[0].
fn iir(x: &Value, numerators: &Value, denominators: &Value) -> Value {
    let (Some(xs), Some(b), Some(a)) = (
        numbers_or_nan(x),
        numbers(numerators),
        numbers(denominators),
    ) else {
        return Value::Null;
    };
    if a.is_empty() || b.is_empty() || a[0] == 0.0 {
        return Value::Null;
    }
    let mut y: Vec<f64> = Vec::with_capacity(xs.len());
    for i in 0..xs.len() {
        let mut acc = 0.0;
        for (k, c) in b.iter().enumerate() {
            if k <= i {
                acc += c * xs[i - k];
            }
        }
        for (k, c) in a.iter().enumerate().skip(1) {
            if k <= i {
                acc -= c * y[i - k];
            }
        }
        y.push(acc / a[0]);
    }
    reals(y)
}

// ---------------------------------------------------------------------------------
// Regression

/// A least-squares line over points (x, y), skipping NaN y.
pub(super) struct Line {
    pub slope: f64,
    pub interception: f64,
    pub rsquare: f64,
    /// Sample variance of y.
    pub variance: f64,
    /// Residual variance (squared residuals over n − 1).
    pub rvariance: f64,
}

pub(super) fn fit(x: &[f64], y: &[f64]) -> Line {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(_, v)| v.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pts {
        sxx += (a - mx) * (a - mx);
        sxy += (a - mx) * (b - my);
        syy += (b - my) * (b - my);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let interception = my - slope * mx;
    let ssr: f64 = pts
        .iter()
        .map(|(a, b)| (b - interception - slope * a).powi(2))
        .sum();
    let dof = (n - 1.0).max(1.0);
    Line {
        slope,
        interception,
        rsquare: if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 },
        variance: syy / dof,
        rvariance: ssr / dof,
    }
}

/// x = 1, 2, ..., n, as Kusto fits a series.
fn positions(n: usize) -> Vec<f64> {
    (1..=n).map(|i| i as f64).collect()
}

fn fit_line_values(y: &[f64]) -> Vec<Value> {
    if y.is_empty() {
        return FIT_LINE.iter().map(|_| Value::Null).collect();
    }
    let x = positions(y.len());
    let l = fit(&x, y);
    let line = x.iter().map(|t| l.interception + l.slope * t).collect();
    vec![
        Value::Real(l.rsquare),
        Value::Real(l.slope),
        Value::Real(l.variance),
        Value::Real(l.rvariance),
        Value::Real(l.interception),
        reals(line),
    ]
}

/// `series_fit_2lines`: the split (each side at least two points) whose two lines
/// leave the smallest squared residual, i.e. the largest total r-square. `split_idx`
/// is the first point of the right line; both lines use the series' own x = 1..n.
fn fit_2lines(y: &[f64]) -> Vec<Value> {
    let n = y.len();
    if n < 4 {
        return FIT_2LINES.iter().map(|_| Value::Null).collect();
    }
    let x = positions(n);
    // Prefix sums over the finite points, so that each split costs O(1).
    let mut pre = vec![[0.0f64; 6]; n + 1];
    for i in 0..n {
        let mut row = pre[i];
        if y[i].is_finite() {
            let (a, b) = (x[i], y[i]);
            for (slot, v) in row.iter_mut().zip([1.0, a, b, a * a, a * b, b * b]) {
                *slot += v;
            }
        }
        pre[i + 1] = row;
    }
    let ssr = |lo: usize, hi: usize| -> f64 {
        let s: Vec<f64> = (0..6).map(|k| pre[hi][k] - pre[lo][k]).collect();
        let (c, sx, sy, sxx, sxy, syy) = (s[0], s[1], s[2], s[3], s[4], s[5]);
        if c == 0.0 {
            return 0.0;
        }
        let vxx = sxx - sx * sx / c;
        let vxy = sxy - sx * sy / c;
        let vyy = syy - sy * sy / c;
        let fitted = if vxx > 0.0 { vxy * vxy / vxx } else { 0.0 };
        (vyy - fitted).max(0.0)
    };
    let mut best: Option<(f64, usize)> = None;
    for split in 2..=n - 2 {
        let total = ssr(0, split) + ssr(split, n);
        if best.is_none_or(|b| total < b.0) {
            best = Some((total, split));
        }
    }
    let best = best.map(|(_, split)| {
        let left = fit(&x[..split], &y[..split]);
        let right = fit(&x[split..], &y[split..]);
        let residual = |l: &Line, lo: usize, hi: usize| -> f64 {
            (lo..hi)
                .filter(|&i| y[i].is_finite())
                .map(|i| (y[i] - l.interception - l.slope * x[i]).powi(2))
                .sum()
        };
        let total = residual(&left, 0, split) + residual(&right, split, n);
        (total, split, left, right)
    });
    let Some((total, split, left, right)) = best else {
        return FIT_2LINES.iter().map(|_| Value::Null).collect();
    };
    let all = fit(&x, y);
    let finite = y.iter().filter(|v| v.is_finite()).count() as f64;
    let sst = all.variance * (finite - 1.0).max(1.0);
    let line: Vec<f64> = (0..n)
        .map(|i| {
            let l = if i < split { &left } else { &right };
            l.interception + l.slope * x[i]
        })
        .collect();
    let side = |l: &Line| {
        [
            Value::Real(l.rsquare),
            Value::Real(l.slope),
            Value::Real(l.interception),
            Value::Real(l.variance),
            Value::Real(l.rvariance),
        ]
    };
    let mut out = vec![
        Value::Real(if sst > 0.0 { 1.0 - total / sst } else { 1.0 }),
        Value::Long(split as i64),
        Value::Real(all.variance),
        Value::Real(total / (finite - 1.0).max(1.0)),
        reals(line),
    ];
    out.extend(side(&right));
    out.extend(side(&left));
    out
}

/// `series_fit_poly`: least squares by the normal equations (solved by Gaussian
/// elimination with partial pivoting). Coefficients from the highest power down.
fn fit_poly(x: &[f64], y: &[f64], degree: usize) -> Option<Vec<Value>> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    let m = degree + 1;
    if pts.len() < m {
        return None;
    }
    // A[j][k] = Σ x^(j+k), b[j] = Σ y·x^j.
    let mut a = vec![vec![0.0; m + 1]; m];
    for (px, py) in &pts {
        let mut powers = vec![1.0; 2 * m - 1];
        for k in 1..powers.len() {
            powers[k] = powers[k - 1] * px;
        }
        for (j, row) in a.iter_mut().enumerate() {
            for (k, cell) in row.iter_mut().enumerate().take(m) {
                *cell += powers[j + k];
            }
            row[m] += py * powers[j];
        }
    }
    let c = solve(a)?;
    let eval = |t: f64| c.iter().rev().fold(0.0, |acc, k| acc * t + k);
    let fitted: Vec<f64> = x.iter().map(|t| eval(*t)).collect();
    let n = pts.len() as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sst: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    let ssr: f64 = pts.iter().map(|(a, b)| (b - eval(*a)).powi(2)).sum();
    let dof = (n - 1.0).max(1.0);
    Some(vec![
        Value::Real(if sst > 0.0 { 1.0 - ssr / sst } else { 1.0 }),
        reals(c.into_iter().rev().collect()),
        Value::Real(sst / dof),
        Value::Real(ssr / dof),
        reals(fitted),
    ])
}

/// Solves the augmented system `a` (m rows of m + 1); None when it is singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let m = a.len();
    for col in 0..m {
        let pivot = (col..m).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (row, cells) in a.iter_mut().enumerate() {
            if row != col {
                let factor = cells[col] / pivot_row[col];
                if factor != 0.0 {
                    for (cell, p) in cells.iter_mut().zip(&pivot_row).skip(col) {
                        *cell -= factor * p;
                    }
                }
            }
        }
    }
    Some((0..m).map(|i| a[i][m] / a[i][i]).collect())
}

// ---------------------------------------------------------------------------------
// Fourier transform

/// The discrete Fourier transform (unscaled; the inverse divides by n), by radix-2
/// for powers of two and Bluestein's chirp-z for other lengths.
pub(super) fn fft(re: &[f64], im: &[f64], inverse: bool) -> (Vec<f64>, Vec<f64>) {
    let n = re.len();
    let mut data: Vec<(f64, f64)> = re.iter().copied().zip(im.iter().copied()).collect();
    if n > 1 {
        if n.is_power_of_two() {
            radix2(&mut data, inverse);
        } else {
            data = bluestein(&data, inverse);
        }
    }
    if inverse && n > 0 {
        for v in &mut data {
            v.0 /= n as f64;
            v.1 /= n as f64;
        }
    }
    data.into_iter().unzip()
}

fn cmul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

fn radix2(data: &mut [(f64, f64)], inverse: bool) {
    let n = data.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            data.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let angle = sign * 2.0 * std::f64::consts::PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let w = ((angle * k as f64).cos(), (angle * k as f64).sin());
                let u = data[start + k];
                let v = cmul(data[start + k + len / 2], w);
                data[start + k] = (u.0 + v.0, u.1 + v.1);
                data[start + k + len / 2] = (u.0 - v.0, u.1 - v.1);
            }
        }
        len <<= 1;
    }
}

fn bluestein(x: &[(f64, f64)], inverse: bool) -> Vec<(f64, f64)> {
    let n = x.len();
    let m = (2 * n - 1).next_power_of_two();
    let sign = if inverse { 1.0 } else { -1.0 };
    // w[k] = exp(sign·iπk²/n); k² taken mod 2n to keep the angle accurate.
    let w: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let k2 = (k as u128 * k as u128 % (2 * n as u128)) as f64;
            let a = sign * std::f64::consts::PI * k2 / n as f64;
            (a.cos(), a.sin())
        })
        .collect();
    let mut a = vec![(0.0, 0.0); m];
    for k in 0..n {
        a[k] = cmul(x[k], w[k]);
    }
    let mut b = vec![(0.0, 0.0); m];
    b[0] = (w[0].0, -w[0].1);
    for k in 1..n {
        let c = (w[k].0, -w[k].1);
        b[k] = c;
        b[m - k] = c;
    }
    radix2(&mut a, false);
    radix2(&mut b, false);
    for (p, q) in a.iter_mut().zip(&b) {
        *p = cmul(*p, *q);
    }
    radix2(&mut a, true);
    (0..n)
        .map(|k| {
            let v = (a[k].0 / m as f64, a[k].1 / m as f64);
            cmul(v, w[k])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_round_trips_any_length() {
        for n in [1usize, 2, 3, 5, 8, 12, 17] {
            let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
            let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
            let (fr, fi) = fft(&re, &im, false);
            // Against the defining sum.
            for k in 0..n {
                let (mut sr, mut si) = (0.0, 0.0);
                for t in 0..n {
                    let a = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
                    let (c, s) = (a.cos(), a.sin());
                    sr += re[t] * c - im[t] * s;
                    si += re[t] * s + im[t] * c;
                }
                assert!(
                    (fr[k] - sr).abs() < 1e-9 && (fi[k] - si).abs() < 1e-9,
                    "n={n} k={k}"
                );
            }
            let (br, bi) = fft(&fr, &fi, true);
            for t in 0..n {
                assert!((br[t] - re[t]).abs() < 1e-9 && (bi[t] - im[t]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn poly_of_degree_one_is_the_line() {
        let y = [
            2.0, 5.0, 6.0, 8.0, 11.0, 15.0, 17.0, 18.0, 25.0, 26.0, 30.0, 30.0,
        ];
        let x = positions(y.len());
        let line = fit(&x, &y);
        let poly = fit_poly(&x, &y, 1).unwrap();
        let Value::Array(c) = &poly[1] else { panic!() };
        assert!((num_f64(&c[0]).unwrap() - line.slope).abs() < 1e-9);
        assert!((num_f64(&c[1]).unwrap() - line.interception).abs() < 1e-9);
    }
}
