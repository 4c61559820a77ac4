//! Ordering, equality and hashing of values, as sort, min/max, group keys, join keys and
//! distinct need them.
//!
//! Decisions (one rule for all of them, so sort, group and join agree):
//! - Numbers compare numerically across Int, Long, Real and Decimal: `Int(1)`,
//!   `Long(1)` and `Real(1.0)` are the same group key and hash alike.
//! - NaN equals NaN (one group) and sorts below every other number; -0.0 equals 0.0.
//! - `Null` equals `Null` here (nulls form one group); `==` in queries is three-valued
//!   and lives in the operator library, not here. Join decides null keys itself.
//! - Values of different kinds never compare equal; they order by kind:
//!   null < bool < number < string < datetime < timespan < guid < array < bag.
//! - Strings compare ordinally (by code point), case-sensitively.
//! - Arrays compare element-wise, then by length; bags entry by entry in key order.

use super::Value;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => 2,
        Value::String(_) => 3,
        Value::DateTime(_) => 4,
        Value::TimeSpan(_) => 5,
        Value::Guid(_) => 6,
        Value::Array(_) => 7,
        Value::Bag(_) => 8,
    }
}

enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(*i as i64)),
        Value::Long(i) => Some(Num::I(*i)),
        Value::Real(f) | Value::Decimal(f) => Some(Num::F(*f)),
        _ => None,
    }
}

/// A double that holds an exact i64, if it does.
fn exact_i64(f: f64) -> Option<i64> {
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// The integer a number equals, when it equals one: exactly the numbers that are equal
/// (and hash alike, see the `Hash` impl) share it, so a set of numbers may hold these
/// plain integers instead of the values (`dcount` of a million integers).
pub(crate) fn integer_key(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i as i64),
        Value::Long(i) => Some(*i),
        Value::Real(f) | Value::Decimal(f) => exact_i64(*f),
        _ => None,
    }
}

fn cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        // -0.0 == 0.0 under partial_cmp, as wanted.
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn cmp_int_real(i: i64, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Greater;
    }
    match exact_i64(f) {
        Some(j) => i.cmp(&j),
        None => cmp_f64(i as f64, f),
    }
}

fn cmp_num(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::I(x), Num::I(y)) => x.cmp(&y),
        (Num::F(x), Num::F(y)) => cmp_f64(x, y),
        (Num::I(x), Num::F(y)) => cmp_int_real(x, y),
        (Num::F(x), Num::I(y)) => cmp_int_real(y, x).reverse(),
    }
}

/// The total order of values used by sort, min/max and arg_min/arg_max (see module doc).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    use Value::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Bool(x), Bool(y)) => x.cmp(y),
        (String(x), String(y)) => x.as_ref().cmp(y.as_ref()),
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => x.cmp(y),
        (Guid(x), Guid(y)) => x.cmp(y),
        (Array(x), Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = compare(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Bag(x), Bag(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y.iter()) {
                let o = kp.cmp(kq).then_with(|| compare(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => cmp_num(x, y),
            _ => kind_rank(a).cmp(&kind_rank(b)),
        },
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        // Group and join keys are mostly strings, often the same shared string (the
        // loader interns repeated values): answer those without ordering them.
        match (self, other) {
            (Value::String(x), Value::String(y)) => {
                std::sync::Arc::ptr_eq(x, y) || crate::hash::bytes_eq(x.as_bytes(), y.as_bytes())
            }
            (Value::Long(x), Value::Long(y))
            | (Value::DateTime(x), Value::DateTime(y))
            | (Value::TimeSpan(x), Value::TimeSpan(y)) => x == y,
            _ => compare(self, other) == Ordering::Equal,
        }
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        compare(self, other)
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, h: &mut H) {
        kind_rank(self).hash(h);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(h),
            Value::Int(i) => (*i as i64).hash(h),
            Value::Long(i) => i.hash(h),
            Value::Real(f) | Value::Decimal(f) => match exact_i64(*f) {
                Some(i) => i.hash(h),
                None if f.is_nan() => u64::MAX.hash(h),
                None => f.to_bits().hash(h),
            },
            Value::String(s) => s.hash(h),
            Value::DateTime(t) | Value::TimeSpan(t) => t.hash(h),
            Value::Guid(g) => g.hash(h),
            Value::Array(a) => {
                a.len().hash(h);
                for v in a.iter() {
                    v.hash(h);
                }
            }
            Value::Bag(b) => {
                b.len().hash(h);
                for (k, v) in b.iter() {
                    k.hash(h);
                    v.hash(h);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of(v: &Value) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    #[test]
    fn orders_values() {
        use Ordering::*;
        let cases = [
            (Value::Long(1), Value::Real(1.5), Less),
            (Value::Int(2), Value::Long(2), Equal),
            (Value::Real(f64::NAN), Value::Long(i64::MIN), Less),
            (Value::Real(-0.0), Value::Long(0), Equal),
            (Value::str("High"), Value::str("Medium"), Less),
            (Value::str("a"), Value::str("B"), Greater),
            (Value::Null, Value::Long(0), Less),
            (Value::DateTime(5), Value::DateTime(3), Greater),
            (Value::Long(i64::MAX), Value::Real(9.3e18), Less),
            (
                Value::array(vec![Value::Long(1), Value::Long(2)]),
                Value::array(vec![Value::Long(1)]),
                Greater,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(&a, &b), want, "{a:?} vs {b:?}");
            assert_eq!(compare(&b, &a), want.reverse(), "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn equal_keys_hash_alike() {
        let pairs = [
            (Value::Int(1), Value::Long(1)),
            (Value::Long(3), Value::Real(3.0)),
            (Value::Real(f64::NAN), Value::Real(-f64::NAN)),
            (Value::Real(0.0), Value::Real(-0.0)),
            (Value::Null, Value::Null),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b);
            assert_eq!(hash_of(&a), hash_of(&b), "{a:?} {b:?}");
        }
        assert_ne!(Value::str("1"), Value::Long(1));
        assert_ne!(Value::Null, Value::str(""));
    }
}
