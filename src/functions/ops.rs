//! The scalar operators, which the binder lowers to registry calls: arithmetic,
//! comparison, logic, string predicates, `in`-lists, `between`, and dynamic access.
//!
//! Each operator has one runtime rule over value kinds (so a dynamic operand works
//! the same as a typed one) and one static rule that types the call at bind time.

use super::terms::{Matcher, Pred};
use super::{arity, cast_to, constant, num_f64, pure, text, Bound, FnError};
use super::{ArgInfo, BoundScalar, EvalCtx, ScalarImpl, Want};
use crate::hash::FxHashSet;
use crate::types::Type;
use crate::value::{in_datetime_range, tostring as tostring_v, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "%",
    "neg",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "!~",
    "and",
    "or",
    "not",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "hasprefix",
    "!hasprefix",
    "hasprefix_cs",
    "!hasprefix_cs",
    "hassuffix",
    "!hassuffix",
    "hassuffix_cs",
    "!hassuffix_cs",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "matches regex",
    "in",
    "!in",
    "in~",
    "!in~",
    "has_any",
    "has_all",
    "between",
    "!between",
    "__index",
    "__member",
];

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    Some(match name {
        "+" | "-" | "*" | "/" | "%" => bind_arith(name, args),
        "neg" => bind_neg(args),
        "==" | "!=" | "<" | "<=" | ">" | ">=" => bind_compare(name, args),
        "=~" | "!~" => bind_eq_ci(name, args),
        "and" | "or" => bind_logic(name, args),
        "not" => bind_not(args),
        "matches regex" => bind_matches(args),
        "in" | "!in" | "in~" | "!in~" => bind_in(name, args),
        "has_any" | "has_all" => bind_has_list(name, args),
        "between" | "!between" => bind_between(name, args),
        "__index" => bind_index(args),
        "__member" => bind_member(args),
        _ => match string_predicate(name) {
            Some((pred, cs, neg)) => bind_predicate(name, pred, cs, neg, args),
            None => return None,
        },
    })
}

fn type_error(i: usize, msg: String) -> FnError {
    FnError::Type(i, msg)
}

// ---------------------------------------------------------------------------------
// Arithmetic

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Arith {
    /// `x op y` on two integers (int or long operands): the long, or `None` for null.
    #[inline]
    pub fn longs(self, x: i64, y: i64) -> Option<i64> {
        Some(match self {
            Arith::Add => x.wrapping_add(y),
            Arith::Sub => x.wrapping_sub(y),
            Arith::Mul => x.wrapping_mul(y),
            // Integer division by zero gives null (Kusto does not raise per row).
            Arith::Div if y == 0 => return None,
            Arith::Div => x.wrapping_div(y),
            Arith::Mod if y == 0 => return None,
            // Kusto's modulo is never negative: -14 % 12 = 10, 14 % -12 = 2.
            Arith::Mod => x.wrapping_rem_euclid(y),
        })
    }

    /// `x op y` on two reals (a real and a real, int or long): the real.
    #[inline]
    pub fn reals(self, x: f64, y: f64) -> f64 {
        match self {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            Arith::Div => x / y,
            Arith::Mod => {
                let r = x % y;
                if r < 0.0 {
                    r + y.abs()
                } else {
                    r
                }
            }
        }
    }

    fn from_name(n: &str) -> Arith {
        match n {
            "+" => Arith::Add,
            "-" => Arith::Sub,
            "*" => Arith::Mul,
            "/" => Arith::Div,
            _ => Arith::Mod,
        }
    }
}

/// The static type of `l op r`, or None when Kusto rejects the pair.
fn arith_type(op: Arith, l: Type, r: Type) -> Option<Type> {
    use Type::*;
    if l == Dynamic && r == Dynamic {
        return Some(Dynamic);
    }
    // A dynamic operand takes its partner's numeric type (Kusto.Language types
    // `dynamic(1) + 1` as long); temporal partners keep their own rules below.
    if l == Dynamic || r == Dynamic {
        let other = if l == Dynamic { r } else { l };
        return match other {
            Int | Long => Some(Long),
            Real => Some(Real),
            Decimal => Some(Decimal),
            DateTime if matches!(op, Arith::Add | Arith::Sub) => Some(Dynamic),
            TimeSpan => Some(Dynamic),
            _ => None,
        };
    }
    if l.is_numeric() && r.is_numeric() {
        return Some(if l == Decimal || r == Decimal {
            Decimal
        } else if l == Real || r == Real {
            Real
        } else {
            Long
        });
    }
    match (op, l, r) {
        (Arith::Sub, DateTime, DateTime) => Some(TimeSpan),
        (Arith::Add | Arith::Sub, DateTime, TimeSpan) => Some(DateTime),
        (Arith::Add, TimeSpan, DateTime) => Some(DateTime),
        (Arith::Add | Arith::Sub | Arith::Mod, TimeSpan, TimeSpan) => Some(TimeSpan),
        (Arith::Div, TimeSpan, TimeSpan) => Some(Real),
        (Arith::Mul | Arith::Div, TimeSpan, n) if n.is_numeric() => Some(TimeSpan),
        (Arith::Mul, n, TimeSpan) if n.is_numeric() => Some(TimeSpan),
        _ => None,
    }
}

fn op_symbol(op: Arith) -> &'static str {
    match op {
        Arith::Add => "+",
        Arith::Sub => "-",
        Arith::Mul => "*",
        Arith::Div => "/",
        Arith::Mod => "%",
    }
}

fn bind_arith(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, 2)?;
    let op = Arith::from_name(name);
    let (l, r) = (args[0].ty, args[1].ty);
    let ty = arith_type(op, l, r).ok_or_else(|| {
        type_error(
            1,
            format!(
                "the operator `{}` cannot be applied to {l} and {r}",
                op_symbol(op)
            ),
        )
    })?;
    let exact = l != Type::Dynamic && r != Type::Dynamic;
    if exact {
        return typed(ty, Kernel::Arith(op), move |a| arith(op, &a[0], &a[1]));
    }
    pure(ty, move |a| {
        let v = arith(op, &a[0], &a[1]);
        if exact {
            v
        } else {
            cast_to(ty, v)
        }
    })
}

fn int_arith(op: Arith, x: i64, y: i64) -> Value {
    op.longs(x, y).map_or(Value::Null, Value::Long)
}

fn real_arith(op: Arith, x: f64, y: f64) -> f64 {
    op.reals(x, y)
}

fn datetime_or_null(t: Option<i64>) -> Value {
    match t {
        Some(t) if in_datetime_range(t) => Value::DateTime(t),
        _ => Value::Null,
    }
}

fn span_times(t: i64, f: f64) -> Value {
    let x = (t as f64 * f).round();
    if x.is_finite() && x.abs() < 9.2e18 {
        Value::TimeSpan(x as i64)
    } else {
        Value::Null
    }
}

/// `a op b` on runtime values; null (or a mismatched dynamic pair) gives null.
pub(crate) fn arith(op: Arith, a: &Value, b: &Value) -> Value {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_) | Long(_), Int(_) | Long(_)) => {
            let x = super::num_i64(a).unwrap_or(0);
            let y = super::num_i64(b).unwrap_or(0);
            int_arith(op, x, y)
        }
        (Decimal(_), Int(_) | Long(_) | Real(_) | Decimal(_))
        | (Int(_) | Long(_) | Real(_), Decimal(_)) => Decimal(real_arith(
            op,
            num_f64(a).unwrap_or(0.0),
            num_f64(b).unwrap_or(0.0),
        )),
        (Real(_), Int(_) | Long(_) | Real(_)) | (Int(_) | Long(_), Real(_)) => Real(real_arith(
            op,
            num_f64(a).unwrap_or(0.0),
            num_f64(b).unwrap_or(0.0),
        )),
        (DateTime(x), DateTime(y)) if op == Arith::Sub => TimeSpan(x.wrapping_sub(*y)),
        (DateTime(x), TimeSpan(y)) => match op {
            Arith::Add => datetime_or_null(x.checked_add(*y)),
            Arith::Sub => datetime_or_null(x.checked_sub(*y)),
            _ => Null,
        },
        (TimeSpan(x), DateTime(y)) if op == Arith::Add => datetime_or_null(x.checked_add(*y)),
        (TimeSpan(x), TimeSpan(y)) => match op {
            Arith::Add => TimeSpan(x.wrapping_add(*y)),
            Arith::Sub => TimeSpan(x.wrapping_sub(*y)),
            Arith::Div => Real(*x as f64 / *y as f64),
            Arith::Mod if *y != 0 => TimeSpan(x.rem_euclid(y.wrapping_abs().max(1))),
            _ => Null,
        },
        (TimeSpan(t), n) if n.is_number() => match op {
            Arith::Mul => span_times(*t, num_f64(n).unwrap_or(0.0)),
            Arith::Div => {
                let d = num_f64(n).unwrap_or(0.0);
                if d == 0.0 {
                    Null
                } else {
                    span_times(*t, 1.0 / d)
                }
            }
            _ => Null,
        },
        (n, TimeSpan(t)) if n.is_number() && op == Arith::Mul => {
            span_times(*t, num_f64(n).unwrap_or(0.0))
        }
        _ => Null,
    }
}

fn bind_neg(args: &[ArgInfo]) -> Bound {
    arity("-", args, 1, 1)?;
    let ty = args[0].ty;
    match ty {
        Type::Int | Type::Long | Type::Real | Type::Decimal | Type::TimeSpan | Type::Dynamic => {}
        _ => {
            return Err(type_error(
                0,
                format!("unary `-` cannot be applied to {ty}"),
            ))
        }
    }
    pure(ty, |a| match &a[0] {
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Long(i) => Value::Long(i.wrapping_neg()),
        Value::Real(f) => Value::Real(-f),
        Value::Decimal(f) => Value::Decimal(-f),
        Value::TimeSpan(t) => Value::TimeSpan(t.wrapping_neg()),
        _ => Value::Null,
    })
}

// ---------------------------------------------------------------------------------
// Comparison

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Which operand types a comparison accepts, as Kusto.Language decides (KS106):
/// `==`/`!=` accept any pair (see [`values_equal`] for mixed kinds); ordering needs
/// numbers, or two values of one orderable type; strings and guids have no order.
fn comparable(op: Cmp, l: Type, r: Type) -> bool {
    if matches!(op, Cmp::Eq | Cmp::Ne) || l == Type::Dynamic || r == Type::Dynamic {
        return true;
    }
    (l.is_numeric() && r.is_numeric()) || orderable_pair(l, r)
}

fn orderable_pair(l: Type, r: Type) -> bool {
    l == r && !matches!(l, Type::String | Type::Guid)
}

fn bind_compare(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, 2)?;
    let op = match name {
        "==" => Cmp::Eq,
        "!=" => Cmp::Ne,
        "<" => Cmp::Lt,
        "<=" => Cmp::Le,
        ">" => Cmp::Gt,
        _ => Cmp::Ge,
    };
    let (l, r) = (args[0].ty, args[1].ty);
    if !comparable(op, l, r) {
        return Err(type_error(
            1,
            format!("cannot compare values of types {l} and {r} with `{name}`"),
        ));
    }
    typed(Type::Bool, Kernel::Compare(op), move |a| {
        compare_op(op, &a[0], &a[1])
    })
}

impl Cmp {
    /// Whether the comparison holds for two operands ordered `o`.
    #[inline]
    pub fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
}

/// What a call of an arithmetic or comparison operator (or `pack_array`, `tolong`,
/// `todouble`, `tostring`) computes, for an executor that holds its operands unboxed (see
/// [`ScalarImpl::kernel`]). On the operand kinds listed
/// here the call gives exactly what the method named gives; on any other (a null, a
/// decimal, a string, a datetime with a timespan...) only [`ScalarImpl::call`] answers.
#[derive(Clone, Copy, Debug)]
pub enum Kernel {
    /// `l op r` (of types known statically, none dynamic): on two ints or longs, the
    /// long [`Arith::longs`] (`None`: null); on reals with reals, ints or longs, the real
    /// [`Arith::reals`].
    Arith(Arith),
    /// `l op r`: on two ints or longs, or two datetimes, or two timespans, the bool
    /// [`Cmp::holds`] of their integer order.
    Compare(Cmp),
    /// `rand()` / `rand(n)`: [`super::math::rand_value`] of the row's draw (the call's
    /// only draw in the row: [`super::EvalCtx::random_at`] of the row's position, 0).
    Random,
    /// `pack_array(a, b, ...)`: the array of the arguments' values, in order, each as
    /// it is (an int stays an int, a null stays a null).
    PackArray,
    /// `tolong(x)`: on a long, itself; on an int, a datetime or a timespan, the integer
    /// it holds (ticks); on a bool, 0 or 1; on a null, a null.
    ToLong,
    /// `todouble(x)`: on a real, itself; on an int or a long, the nearest real (`as
    /// f64`); on a null, a null.
    ToReal,
    /// `tostring(x)`: on a string, itself.
    ToString,
}

/// A call that declares its [`Kernel`].
struct Typed<F> {
    kernel: Kernel,
    f: F,
}

impl<F> ScalarImpl for Typed<F>
where
    F: Fn(&[Value]) -> Value + Send + Sync,
{
    fn call(&self, args: &[Value], _: &EvalCtx) -> Value {
        (self.f)(args)
    }
    fn kernel(&self) -> Option<Kernel> {
        Some(self.kernel)
    }
}

pub(crate) fn typed<F>(ty: Type, kernel: Kernel, f: F) -> Bound
where
    F: Fn(&[Value]) -> Value + Send + Sync + 'static,
{
    Ok(BoundScalar {
        ty,
        imp: Box::new(Typed { kernel, f }),
        reads: None,
    })
}

fn bool_or_null(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

fn compare_op(op: Cmp, a: &Value, b: &Value) -> Value {
    // The pairs filters meet on every row (a column against a constant of its kind)
    // ordered directly: the general rules below give the same answer for them.
    let direct = match (a, b) {
        (Value::Long(x), Value::Long(y))
        | (Value::DateTime(x), Value::DateTime(y))
        | (Value::TimeSpan(x), Value::TimeSpan(y)) => Some(x.cmp(y)),
        (Value::Long(x), Value::Int(y)) => Some(x.cmp(&i64::from(*y))),
        (Value::Int(x), Value::Long(y)) => Some(i64::from(*x).cmp(y)),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => None,
    };
    if let Some(o) = direct {
        return Value::Bool(op.holds(o));
    }
    match op {
        Cmp::Eq => bool_or_null(equals3(a, b)),
        Cmp::Ne => bool_or_null(equals3(a, b).map(|e| !e)),
        _ => bool_or_null(order(a, b).map(|o| match op {
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        })),
    }
}

/// `a == b` with Kusto's null rule: null == null is null, null == x is false.
pub(crate) fn equals3(a: &Value, b: &Value) -> Option<bool> {
    match (a.is_null(), b.is_null()) {
        (true, true) => None,
        (true, false) | (false, true) => Some(false),
        _ => Some(values_equal(a, b)),
    }
}

/// Equality of two non-null values as `==` sees it (NaN is not equal to itself;
/// a string equals a number when it is the number's decimal text).
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (String(x), String(y)) => x == y,
        // Project decision (KQL-SEMANTICS.md §2): `string == number` compares the
        // number's decimal text, so "0" == 0 and "00" != 0.
        (String(s), n) | (n, String(s)) if n.is_number() => **s == *tostring_v(n),
        // Other mixed pairs Kusto accepts read the string as the other kind.
        (String(s), DateTime(t)) | (DateTime(t), String(s)) => {
            crate::value::parse_datetime(s) == Some(*t)
        }
        (String(s), TimeSpan(t)) | (TimeSpan(t), String(s)) => {
            crate::value::parse_timespan(s) == Some(*t)
        }
        (String(s), Guid(g)) | (Guid(g), String(s)) => crate::value::parse_guid(s) == Some(g.get()),
        (String(s), Bool(v)) | (Bool(v), String(s)) => {
            s.trim()
                .eq_ignore_ascii_case(if *v { "true" } else { "false" })
        }
        (Bool(v), n) | (n, Bool(v)) if n.is_number() => num_f64(n) == Some(*v as i64 as f64),
        (Real(x) | Decimal(x), Real(y) | Decimal(y)) => x == y,
        _ if a.is_number() && b.is_number() => {
            crate::value::compare(a, b) == Ordering::Equal && !num_f64(a).is_some_and(f64::is_nan)
        }
        (Bool(x), Bool(y)) => x == y,
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => x == y,
        (Guid(x), Guid(y)) => x == y,
        (Array(x), Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| values_equal(p, q))
        }
        (Bag(x), Bag(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => false,
    }
}

/// The order of two values for `<` and friends; None when either is null, either is
/// NaN, or the kinds are not comparable.
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (String(x), String(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Guid(x), Guid(y)) => Some(x.cmp(y)),
        _ if a.is_number() && b.is_number() => {
            if num_f64(a).is_some_and(f64::is_nan) || num_f64(b).is_some_and(f64::is_nan) {
                None
            } else {
                Some(crate::value::compare(a, b))
            }
        }
        _ => None,
    }
}

/// Lower-case form used by the case-insensitive operators.
pub(crate) fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        fold(a) == fold(b)
    }
}

fn bind_eq_ci(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, 2)?;
    for (i, a) in args.iter().enumerate() {
        if !matches!(a.ty, Type::String | Type::Dynamic) {
            return Err(type_error(
                i,
                format!("`{name}` compares strings, not {}", a.ty),
            ));
        }
    }
    let neg = name == "!~";
    pure(Type::Bool, move |a| {
        Value::Bool(eq_ci(&text(&a[0]), &text(&a[1])) != neg)
    })
}

// ---------------------------------------------------------------------------------
// Logic

fn as_bool3(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn bind_logic(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, 2)?;
    for (i, a) in args.iter().enumerate() {
        if !matches!(a.ty, Type::Bool | Type::Dynamic) {
            return Err(type_error(
                i,
                format!("the operands of `{name}` must be bool, not {}", a.ty),
            ));
        }
    }
    let is_and = name == "and";
    pure(Type::Bool, move |a| {
        let (x, y) = (as_bool3(&a[0]), as_bool3(&a[1]));
        // Three-valued logic: false dominates `and`, true dominates `or`.
        let r = if is_and {
            match (x, y) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            }
        } else {
            match (x, y) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            }
        };
        bool_or_null(r)
    })
}

fn bind_not(args: &[ArgInfo]) -> Bound {
    super::sig("not", args, 1, 1, &[Want::Bool])?;
    pure(Type::Bool, |a| bool_or_null(as_bool3(&a[0]).map(|b| !b)))
}

// ---------------------------------------------------------------------------------
// String predicates

/// (predicate, case-sensitive, negated) of an operator name like `!hasprefix_cs`.
fn string_predicate(name: &str) -> Option<(Pred, bool, bool)> {
    let (neg, rest) = match name.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, name),
    };
    let (cs, base) = match rest.strip_suffix("_cs") {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let pred = match base {
        "has" => Pred::Has,
        "hasprefix" => Pred::HasPrefix,
        "hassuffix" => Pred::HasSuffix,
        "contains" => Pred::Contains,
        "startswith" => Pred::StartsWith,
        "endswith" => Pred::EndsWith,
        _ => return None,
    };
    Some((pred, cs, neg))
}

fn bind_predicate(name: &str, pred: Pred, cs: bool, neg: bool, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, 2)?;
    if args[1].ty != Type::String && args[1].ty != Type::Dynamic {
        return Err(type_error(
            1,
            format!(
                "the right side of `{name}` must be a string, not {}",
                args[1].ty
            ),
        ));
    }
    if let Some(c) = constant(args, 1) {
        let m = Matcher::new(pred, cs, &text(c));
        return reading(
            1,
            pure(Type::Bool, move |a| {
                Value::Bool(m.matches(&text(&a[0])) != neg)
            }),
        );
    }
    pure(Type::Bool, move |a| {
        let m = Matcher::new(pred, cs, &text(&a[1]));
        Value::Bool(m.matches(&text(&a[0])) != neg)
    })
}

fn compile_regex(pattern: &str) -> Result<Regex, String> {
    super::re2::regex(pattern).map_err(|e| format!("invalid regular expression: {e}"))
}

fn bind_matches(args: &[ArgInfo]) -> Bound {
    arity("matches regex", args, 2, 2)?;
    match constant(args, 1) {
        Some(c) => {
            let re = compile_regex(&text(c)).map_err(|m| type_error(1, m))?;
            reading(
                1,
                pure(Type::Bool, move |a| Value::Bool(re.is_match(&text(&a[0])))),
            )
        }
        None => pure(Type::Bool, |a| match compile_regex(&text(&a[1])) {
            Ok(re) => Value::Bool(re.is_match(&text(&a[0]))),
            Err(_) => Value::Null,
        }),
    }
}

// ---------------------------------------------------------------------------------
// Lists: in, has_any, has_all

/// The items of an `in`-style list: each argument, with dynamic arrays flattened.
fn flatten_items(items: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        match v {
            Value::Array(a) => out.extend(a.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    out
}

/// Case-sensitive membership with the `==` rules (a string matches a number by its
/// text). Nulls in the list never match.
/// `x in (...)` over constant items. Hashed with the executor's Fx hash: a lookup per
/// row, on values from the query's own data (SipHash took 3/4 of each lookup).
struct InSet {
    set: FxHashSet<Value>,
    has_strings: bool,
}

impl InSet {
    fn new(items: &[Value]) -> InSet {
        let mut set = FxHashSet::default();
        let mut has_strings = false;
        for v in flatten_items(items) {
            if v.is_null() {
                continue;
            }
            if v.is_number() {
                // So that a string lhs finds "0" when the list holds 0.
                set.insert(Value::str(&tostring_v(&v)));
            }
            has_strings |= matches!(v, Value::String(_));
            set.insert(v);
        }
        InSet { set, has_strings }
    }
    fn contains(&self, v: &Value) -> bool {
        if v.is_null() {
            return false;
        }
        if let Value::Real(f) = v {
            if f.is_nan() {
                return false;
            }
        }
        self.set.contains(v)
            || (self.has_strings && v.is_number() && self.set.contains(&Value::str(&tostring_v(v))))
    }
}

/// Case-insensitive membership: items compared by their lower-cased text.
struct InSetCi {
    set: FxHashSet<String>,
}

impl InSetCi {
    fn new(items: &[Value]) -> InSetCi {
        InSetCi {
            set: flatten_items(items)
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| fold(&text(v)).into_owned())
                .collect(),
        }
    }
    fn contains(&self, v: &Value) -> bool {
        !v.is_null() && self.set.contains(fold(&text(v)).as_ref())
    }
}

fn all_constant(args: &[ArgInfo]) -> Option<Vec<Value>> {
    args.iter().map(|a| a.constant.cloned()).collect()
}

fn bind_in(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, usize::MAX)?;
    let neg = name.starts_with('!');
    let ci = name.ends_with('~');
    let lhs = args[0].ty;
    for (i, a) in args.iter().enumerate().skip(1) {
        let ok = a.ty == Type::Dynamic || a.ty == lhs || unify(lhs, a.ty).is_some() || {
            let s_n = |x: Type, y: Type| x == Type::String && y.is_numeric();
            s_n(lhs, a.ty) || s_n(a.ty, lhs)
        };
        if !ok {
            return Err(type_error(
                i,
                format!(
                    "`{name}` list item of type {} cannot be compared with {lhs}",
                    a.ty
                ),
            ));
        }
    }
    let constants = all_constant(&args[1..]);
    match (ci, constants) {
        (false, Some(items)) => {
            let set = InSet::new(&items);
            reading(
                1,
                pure(Type::Bool, move |a| Value::Bool(set.contains(&a[0]) != neg)),
            )
        }
        (true, Some(items)) => {
            let set = InSetCi::new(&items);
            reading(
                1,
                pure(Type::Bool, move |a| Value::Bool(set.contains(&a[0]) != neg)),
            )
        }
        (false, None) => pure(Type::Bool, move |a| {
            let hit = !a[0].is_null()
                && flatten_items(&a[1..])
                    .iter()
                    .any(|v| equals3(&a[0], v) == Some(true));
            Value::Bool(hit != neg)
        }),
        (true, None) => pure(Type::Bool, move |a| {
            let hit = !a[0].is_null() && {
                let l = text(&a[0]);
                flatten_items(&a[1..])
                    .iter()
                    .any(|v| !v.is_null() && eq_ci(&l, &text(v)))
            };
            Value::Bool(hit != neg)
        }),
    }
}

use super::{reading, unify};

/// The needles of `has_any` / `has_all`: list items, dynamic arrays flattened, nulls
/// skipped.
struct TermList {
    set: super::terms::TermSet,
}

impl TermList {
    fn new(items: &[Value]) -> TermList {
        let texts: Vec<String> = flatten_items(items)
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| text(v).into_owned())
            .collect();
        TermList {
            set: super::terms::TermSet::new(texts.iter().map(String::as_str)),
        }
    }
    fn any(&self, hay: &str) -> bool {
        self.set.any(hay)
    }
    fn all(&self, hay: &str) -> bool {
        self.set.all(hay)
    }
}

fn bind_has_list(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 2, usize::MAX)?;
    let all = name == "has_all";
    match all_constant(&args[1..]) {
        Some(items) => {
            let list = TermList::new(&items);
            reading(
                1,
                pure(Type::Bool, move |a| {
                    let hay = text(&a[0]);
                    Value::Bool(if all { list.all(&hay) } else { list.any(&hay) })
                }),
            )
        }
        None => pure(Type::Bool, move |a| {
            let list = TermList::new(&a[1..]);
            let hay = text(&a[0]);
            Value::Bool(if all { list.all(&hay) } else { list.any(&hay) })
        }),
    }
}

// ---------------------------------------------------------------------------------
// between

fn bind_between(name: &str, args: &[ArgInfo]) -> Bound {
    arity(name, args, 3, 3)?;
    let neg = name.starts_with('!');
    let (x, lo, hi) = (args[0].ty, args[1].ty, args[2].ty);
    let ok = |a: Type, b: Type| {
        a == Type::Dynamic
            || b == Type::Dynamic
            || orderable_pair(a, b)
            || (a.is_numeric() && b.is_numeric())
    };
    // `dt between (start .. 1d)`: a timespan upper bound is relative to the lower one.
    let hi_ok = ok(x, hi) || (x == Type::DateTime && hi == Type::TimeSpan);
    if !ok(x, lo) || !hi_ok {
        return Err(type_error(
            1,
            format!("`{name}` cannot compare {x} with bounds of types {lo} and {hi}"),
        ));
    }
    pure(Type::Bool, move |a| {
        let hi = match (&a[1], &a[2]) {
            (Value::DateTime(l), Value::TimeSpan(s)) => datetime_or_null(l.checked_add(*s)),
            (_, h) => h.clone(),
        };
        match (order(&a[0], &a[1]), order(&a[0], &hi)) {
            (Some(l), Some(h)) => {
                Value::Bool((l != Ordering::Less && h != Ordering::Greater) != neg)
            }
            _ => Value::Null,
        }
    })
}

// ---------------------------------------------------------------------------------
// Dynamic access

/// `d[i]` (negative counts from the end) and `d["key"]`; missing gives null.
pub(crate) fn index_value(d: &Value, i: &Value) -> Value {
    match (d, i) {
        (Value::Array(arr), idx) if idx.is_number() => {
            let Some(n) = super::num_i64(idx) else {
                return Value::Null;
            };
            let len = arr.len() as i64;
            let k = if n < 0 { len + n } else { n };
            if (0..len).contains(&k) {
                arr[k as usize].clone()
            } else {
                Value::Null
            }
        }
        (Value::Bag(bag), Value::String(k)) => bag.get(k).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn bind_index(args: &[ArgInfo]) -> Bound {
    arity("[]", args, 2, 2)?;
    if !matches!(
        args[1].ty,
        Type::String | Type::Int | Type::Long | Type::Dynamic
    ) {
        return Err(type_error(
            1,
            format!(
                "an index must be a string or an integer, not {}",
                args[1].ty
            ),
        ));
    }
    Ok(super::BoundScalar {
        ty: Type::Dynamic,
        imp: Box::new(IndexImpl),
        reads: None,
    })
}

struct IndexImpl;

impl super::ScalarImpl for IndexImpl {
    fn call(&self, a: &[Value], _: &super::EvalCtx) -> Value {
        index_value(&a[0], &a[1])
    }
    fn dynamic_role(&self) -> Option<super::DynamicRole> {
        Some(super::DynamicRole::Index)
    }
}

/// `d.name`: the bag's value at the (constant) name, else null.
struct MemberImpl(Arc<str>);

impl super::ScalarImpl for MemberImpl {
    fn call(&self, a: &[Value], _: &super::EvalCtx) -> Value {
        match &a[0] {
            Value::Bag(bag) => bag.get(&self.0).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
    fn dynamic_role(&self) -> Option<super::DynamicRole> {
        Some(super::DynamicRole::Member)
    }
}

fn bind_member(args: &[ArgInfo]) -> Bound {
    arity(".", args, 2, 2)?;
    let key: Arc<str> = match constant(args, 1) {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(type_error(
                1,
                "a member name must be a constant string".into(),
            ))
        }
    };
    Ok(super::BoundScalar {
        ty: Type::Dynamic,
        imp: Box::new(MemberImpl(key)),
        reads: None,
    })
}
