//! Conversions (`tostring`, `toint`, `todatetime`, `parse_json`, ...), null and empty
//! tests, and the conditional functions (`iff`, `case`, `coalesce`).
//!
//! A conversion that fails never raises: it gives null (or `""` for `tostring`).

use super::{arity, cast_to, expect, num_f64, num_i64, pure, sig, unify, Bound, FnError};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::{
    parse_datetime, parse_guid, parse_json_paths, parse_json_text, parse_timespan,
    tostring as tostring_v, JsonPaths, Value,
};

pub(super) const NAMES: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "todecimal",
    "tobool",
    "toboolean",
    "todatetime",
    "totimespan",
    "toguid",
    "parse_json",
    "todynamic",
    "toobject",
    "gettype",
    "isnull",
    "isnotnull",
    "isempty",
    "isnotempty",
    "iff",
    "iif",
    "case",
    "coalesce",
];

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    Some(match name {
        "tostring" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            super::ops::typed(Type::String, super::Kernel::ToString, |a| match &a[0] {
                Value::String(_) => a[0].clone(),
                v => Value::str(&tostring_v(v)),
            })
        }),
        "toint" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            // A value outside int's range does not convert: null, as for any failed
            // conversion (toint-function.md), not the low 32 bits.
            pure(Type::Int, |a| {
                to_long(&a[0])
                    .and_then(|i| i32::try_from(i).ok())
                    .map_or(Value::Null, Value::Int)
            })
        }),
        "tolong" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            super::ops::typed(Type::Long, super::Kernel::ToLong, |a| {
                to_long(&a[0]).map_or(Value::Null, Value::Long)
            })
        }),
        "todouble" | "toreal" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            super::ops::typed(Type::Real, super::Kernel::ToReal, |a| {
                to_real(&a[0]).map_or(Value::Null, Value::Real)
            })
        }),
        "todecimal" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            pure(Type::Decimal, |a| {
                to_real(&a[0]).map_or(Value::Null, Value::Decimal)
            })
        }),
        "tobool" | "toboolean" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            pure(Type::Bool, |a| {
                to_bool(&a[0]).map_or(Value::Null, Value::Bool)
            })
        }),
        "todatetime" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            pure(Type::DateTime, |a| match &a[0] {
                Value::DateTime(_) => a[0].clone(),
                Value::String(s) => parse_datetime(s).map_or(Value::Null, Value::DateTime),
                _ => Value::Null,
            })
        }),
        "totimespan" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            pure(Type::TimeSpan, |a| match &a[0] {
                Value::TimeSpan(_) => a[0].clone(),
                Value::String(s) => parse_timespan(s).map_or(Value::Null, Value::TimeSpan),
                // A number is a count of ticks.
                v if v.is_number() => num_i64(v).map_or(Value::Null, Value::TimeSpan),
                _ => Value::Null,
            })
        }),
        "toguid" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            pure(Type::Guid, |a| match &a[0] {
                Value::Guid(_) => a[0].clone(),
                Value::String(s) => parse_guid(s).map_or(Value::Null, |g| Value::Guid(g.into())),
                _ => Value::Null,
            })
        }),
        "parse_json" | "todynamic" | "toobject" => {
            sig(name, args, 1, 1, &[Want::Any]).map(|_| super::BoundScalar {
                ty: Type::Dynamic,
                imp: Box::new(ParseJson),
                reads: None,
            })
        }
        "gettype" => bind_gettype(args),
        "isnull" | "isnotnull" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            let neg = name == "isnotnull";
            pure(Type::Bool, move |a| Value::Bool(a[0].is_null() != neg))
        }),
        "isempty" | "isnotempty" => sig(name, args, 1, 1, &[Want::Any]).and_then(|_| {
            let neg = name == "isnotempty";
            pure(Type::Bool, move |a| {
                Value::Bool(a[0].is_empty_value() != neg)
            })
        }),
        "iff" | "iif" => bind_iff(name, args),
        "case" => bind_case(args),
        "coalesce" => bind_coalesce(args),
        _ => return None,
    })
}

/// `tolong`/`toint`: strings parse as integers (or as reals, truncated), reals
/// truncate, bools give 1/0, datetimes and timespans give ticks.
pub(crate) fn to_long(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(*b as i64),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| parse_real(t).and_then(super::real_to_i64))
        }
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        other => num_i64(other),
    }
}

/// Parses a real the way Kusto reads one: decimal or exponent notation, and the
/// special names `NaN`, `Infinity`, `-Infinity` (also `inf`).
pub(crate) fn parse_real(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some(f64::INFINITY),
        "-infinity" | "-inf" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    t.parse::<f64>().ok()
}

pub(crate) fn to_real(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::String(s) => parse_real(s),
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        other => num_f64(other),
    }
}

pub(crate) fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("true") {
                Some(true)
            } else if t.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                t.parse::<i64>().ok().map(|i| i != 0)
            }
        }
        other => num_f64(other).filter(|f| !f.is_nan()).map(|f| f != 0.0),
    }
}

/// `parse_json`: a string holding JSON becomes its value; other text stays a dynamic
/// string; `""` gives null; a non-string value passes through.
pub(crate) fn parse_json(v: &Value) -> Value {
    parse_json_with(v, parse_json_text)
}

/// [`parse_json`] with `parse` for the text.
fn parse_json_with(v: &Value, parse: impl FnOnce(&str) -> Option<Value>) -> Value {
    match v {
        Value::String(s) => {
            if s.trim().is_empty() {
                Value::Null
            } else {
                parse(s).unwrap_or_else(|| v.clone())
            }
        }
        other => other.clone(),
    }
}

struct ParseJson;

impl super::ScalarImpl for ParseJson {
    fn call(&self, a: &[Value], _: &super::EvalCtx) -> Value {
        parse_json(&a[0])
    }
    fn dynamic_role(&self) -> Option<super::DynamicRole> {
        Some(super::DynamicRole::ParseJson)
    }
}

/// `parse_json(x)` where only `paths` of its value are read (the optimizer's
/// rewrite, see [`crate::optimize`]): the same text checks and the same values at
/// those paths, without building the rest.
pub(crate) fn parse_json_reading(paths: JsonPaths) -> std::sync::Arc<dyn super::ScalarImpl> {
    std::sync::Arc::new(ParseJsonPaths(paths))
}

struct ParseJsonPaths(JsonPaths);

impl super::ScalarImpl for ParseJsonPaths {
    fn call(&self, a: &[Value], _: &super::EvalCtx) -> Value {
        parse_json_with(&a[0], |s| {
            // The hand-written reading first; what it leaves, serde_json's.
            crate::io::cursor::pruned_value(s.as_bytes(), &self.0)
                .or_else(|| parse_json_paths(s, &self.0))
        })
    }
}

fn bind_gettype(args: &[ArgInfo]) -> Bound {
    sig("gettype", args, 1, 1, &[Want::Any])?;
    let dynamic = args[0].ty == Type::Dynamic;
    pure(Type::String, move |a| {
        Value::str(match &a[0] {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            // Kusto stores a small JSON integer as int (`gettype(parse_json('1'))` is int).
            Value::Long(i) if dynamic && i32::try_from(*i).is_ok() => "int",
            Value::Long(_) => "long",
            Value::Real(_) => "real",
            Value::Decimal(_) => "decimal",
            Value::String(_) => "string",
            Value::DateTime(_) => "datetime",
            Value::TimeSpan(_) => "timespan",
            Value::Guid(_) => "guid",
            Value::Array(_) => "array",
            Value::Bag(_) => "dictionary",
        })
    })
}

/// The common type of the value arguments at `idx`, or a type error at the first
/// argument that does not fit.
fn common_type(
    name: &str,
    args: &[ArgInfo],
    idx: impl Iterator<Item = usize>,
) -> Result<Type, FnError> {
    let mut ty: Option<Type> = None;
    for i in idx {
        let t = args[i].ty;
        ty = Some(match ty {
            None => t,
            Some(prev) => unify(prev, t).ok_or_else(|| {
                FnError::Type(
                    i,
                    format!("the results of `{name}` must share one type: {prev} and {t} differ"),
                )
            })?,
        });
    }
    Ok(ty.unwrap_or(Type::Dynamic))
}

/// The type of `iff`/`case`, whose branches may mix dynamic with one scalar type: the
/// scalar type wins (`iff(c, d.x, "")` is a string, as Kusto.Language types it, so it
/// may be a group key), and the dynamic branch's value is converted when chosen.
fn branch_type(
    name: &str,
    args: &[ArgInfo],
    idx: impl Iterator<Item = usize> + Clone,
) -> Result<Type, FnError> {
    let scalar: Vec<usize> = idx
        .clone()
        .filter(|&i| args[i].ty != Type::Dynamic)
        .collect();
    if scalar.is_empty() {
        return common_type(name, args, idx);
    }
    common_type(name, args, scalar.into_iter())
}

/// Wraps a value-selecting closure so its result has the declared type.
fn needs_cast(args: &[ArgInfo], idx: impl Iterator<Item = usize>, ty: Type) -> bool {
    let mut any = false;
    for i in idx {
        any |= args[i].ty != ty;
    }
    any
}

fn bind_iff(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 3, 3)?;
    expect(name, args, 0, Want::Bool)?;
    let ty = branch_type(name, args, 1..3)?;
    let cast = needs_cast(args, 1..3, ty);
    pure(ty, move |a| {
        let v = if a[0].is_true() { &a[1] } else { &a[2] };
        if cast {
            cast_to(ty, v.clone())
        } else {
            v.clone()
        }
    })
}

fn bind_case(args: &[ArgInfo]) -> Bound {
    if args.len() < 3 || args.len().is_multiple_of(2) {
        return Err(FnError::Arity(format!(
            "`case` expects predicate/value pairs and an else value (an odd count of at least 3), got {}",
            args.len()
        )));
    }
    for i in (0..args.len() - 1).step_by(2) {
        expect("case", args, i, Want::Bool)?;
    }
    let values = || {
        (1..args.len() - 1)
            .step_by(2)
            .chain(std::iter::once(args.len() - 1))
    };
    let ty = branch_type("case", args, values())?;
    let cast = needs_cast(args, values(), ty);
    pure(ty, move |a| {
        let n = a.len();
        let mut i = 0;
        while i + 1 < n {
            if a[i].is_true() {
                break;
            }
            i += 2;
        }
        let v = if i + 1 < n { &a[i + 1] } else { &a[n - 1] };
        if cast {
            cast_to(ty, v.clone())
        } else {
            v.clone()
        }
    })
}

fn bind_coalesce(args: &[ArgInfo]) -> Bound {
    arity("coalesce", args, 2, 64)?;
    let ty = common_type("coalesce", args, 0..args.len())?;
    let cast = needs_cast(args, 0..args.len(), ty);
    pure(ty, move |a| {
        let v = a
            .iter()
            .find(|v| !v.is_empty_value())
            .cloned()
            .unwrap_or_else(|| Value::null_of(ty));
        if cast {
            cast_to(ty, v)
        } else {
            v
        }
    })
}
