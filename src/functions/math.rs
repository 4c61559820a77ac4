//! Numeric functions, bit operations, and the random functions (`rand`, `new_guid`),
//! which draw from the query's seedable generator in [`super::EvalCtx`].

use super::{num_f64, num_i64, pure, sig, unify, volatile_func, Bound, FnError};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::{compare, Value};
use std::cmp::Ordering;

pub(super) const NAMES: &[&str] = &[
    "abs",
    "round",
    "ceiling",
    "exp",
    "exp2",
    "exp10",
    "log",
    "log10",
    "log2",
    "pow",
    "sqrt",
    "sign",
    "isnan",
    "isinf",
    "isfinite",
    "min_of",
    "max_of",
    "rand",
    "new_guid",
    "tohex",
    "pi",
    "degrees",
    "radians",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "cot",
    "gamma",
    "erf",
    "erfc",
    "loggamma",
    "binary_and",
    "binary_or",
    "binary_xor",
    "binary_not",
    "binary_shift_left",
    "binary_shift_right",
    "hash",
    "hash_xxhash64",
    "bitset_count_ones",
    "around",
];

fn real_fn(name: &str, args: &[ArgInfo], f: fn(f64) -> f64) -> Bound {
    sig(name, args, 1, 1, &[Want::Num])?;
    pure(Type::Real, move |a| {
        num_f64(&a[0]).map_or(Value::Null, |x| Value::Real(f(x)))
    })
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        // abs of a timespan is a timespan (Kusto.Language; detections take
        // `abs(t1 - t2)` of two datetimes).
        "abs" if args.first().is_some_and(|a| a.ty == Type::TimeSpan) => {
            sig(name, args, 1, 1, &[Want::TimeSpan]).and_then(|_| {
                pure(Type::TimeSpan, |a| match &a[0] {
                    Value::TimeSpan(t) => t.checked_abs().map_or(Value::Null, Value::TimeSpan),
                    _ => Value::Null,
                })
            })
        }
        "abs" => sig(name, args, 1, 1, &[Num]).and_then(|_| {
            let ty = match args[0].ty {
                Type::Int | Type::Long => Type::Long,
                Type::Decimal => Type::Decimal,
                Type::Dynamic => Type::Dynamic,
                _ => Type::Real,
            };
            pure(ty, |a| match &a[0] {
                Value::Int(i) => Value::Long((*i as i64).abs()),
                Value::Long(i) => Value::Long(i.wrapping_abs()),
                Value::Real(f) => Value::Real(f.abs()),
                Value::Decimal(f) => Value::Decimal(f.abs()),
                _ => Value::Null,
            })
        }),
        "round" => sig(name, args, 1, 2, &[Num, Integer]).and_then(|_| {
            let ty = args[0].ty;
            pure(ty, move |a| {
                let p = a.get(1).map_or(Some(0), num_i64);
                match (&a[0], p) {
                    (Value::Int(i), Some(p)) => Value::Int(round_int(*i as i64, p) as i32),
                    (Value::Long(i), Some(p)) => Value::Long(round_int(*i, p)),
                    (Value::Real(f), Some(p)) => Value::Real(round_real(*f, p)),
                    (Value::Decimal(f), Some(p)) => Value::Decimal(round_real(*f, p)),
                    _ => Value::Null,
                }
            })
        }),
        "ceiling" => sig(name, args, 1, 1, &[Num]).and_then(|_| {
            pure(args[0].ty, |a| match &a[0] {
                Value::Real(f) => Value::Real(f.ceil()),
                Value::Decimal(f) => Value::Decimal(f.ceil()),
                v => v.clone(),
            })
        }),
        "exp" => real_fn(name, args, f64::exp),
        "exp2" => real_fn(name, args, f64::exp2),
        "exp10" => real_fn(name, args, |x| 10f64.powf(x)),
        "log" => real_fn(name, args, f64::ln),
        "log10" => real_fn(name, args, f64::log10),
        "log2" => real_fn(name, args, f64::log2),
        "sqrt" => real_fn(name, args, f64::sqrt),
        "degrees" => real_fn(name, args, f64::to_degrees),
        "radians" => real_fn(name, args, f64::to_radians),
        "sin" => real_fn(name, args, f64::sin),
        "cos" => real_fn(name, args, f64::cos),
        "tan" => real_fn(name, args, f64::tan),
        "asin" => real_fn(name, args, f64::asin),
        "acos" => real_fn(name, args, f64::acos),
        "atan" => real_fn(name, args, f64::atan),
        "cot" => real_fn(name, args, |x| 1.0 / x.tan()),
        "gamma" => real_fn(name, args, gamma),
        "erf" => real_fn(name, args, libm::erf),
        "erfc" => real_fn(name, args, libm::erfc),
        // Large arguments overflow gamma itself, not its logarithm.
        "loggamma" => real_fn(name, args, |x| {
            if x > 171.0 {
                super::stats::ln_gamma(x)
            } else {
                gamma(x).abs().ln()
            }
        }),
        "sign" => real_fn(name, args, |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        }),
        "pow" => sig(name, args, 2, 2, &[Num]).and_then(|_| {
            pure(Type::Real, |a| match (num_f64(&a[0]), num_f64(&a[1])) {
                (Some(x), Some(y)) => Value::Real(x.powf(y)),
                _ => Value::Null,
            })
        }),
        "atan2" => sig(name, args, 2, 2, &[Num]).and_then(|_| {
            pure(Type::Real, |a| match (num_f64(&a[0]), num_f64(&a[1])) {
                (Some(y), Some(x)) => Value::Real(y.atan2(x)),
                _ => Value::Null,
            })
        }),
        "pi" => sig(name, args, 0, 0, &[])
            .and_then(|_| pure(Type::Real, |_| Value::Real(std::f64::consts::PI))),
        "isnan" | "isinf" | "isfinite" => sig(name, args, 1, 1, &[Num]).and_then(|_| {
            let which = name.to_string();
            pure(Type::Bool, move |a| match num_f64(&a[0]) {
                Some(f) => Value::Bool(match which.as_str() {
                    "isnan" => f.is_nan(),
                    "isinf" => f.is_infinite(),
                    _ => f.is_finite(),
                }),
                None => Value::Null,
            })
        }),
        "min_of" | "max_of" => bind_min_max_of(name, args),
        "rand" => sig(name, args, 0, 1, &[Num]).map(|_| super::BoundScalar {
            // rand(N) is typed real (Kusto.Language).
            ty: Type::Real,
            imp: Box::new(Rand),
            reads: None,
        }),
        "new_guid" => sig(name, args, 0, 0, &[]).and_then(|_| {
            volatile_func(Type::Guid, |_, ctx| {
                let hi = ctx.next_random() as u128;
                let lo = ctx.next_random() as u128;
                let mut g = hi << 64 | lo;
                // Version 4, RFC 4122 variant.
                g = (g & !(0xF << 76)) | (0x4 << 76);
                g = (g & !(0x3 << 62)) | (0x2 << 62);
                Value::Guid(g.into())
            })
        }),
        "tohex" => sig(name, args, 1, 2, &[Integer, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                let s = match &a[0] {
                    Value::Int(i) => format!("{:x}", *i as u32),
                    Value::Long(i) => format!("{:x}", *i as u64),
                    _ => return Value::empty_str(),
                };
                let min = a.get(1).and_then(num_i64).unwrap_or(0).clamp(0, 64) as usize;
                Value::str(&format!("{s:0>min$}"))
            })
        }),
        "binary_and" | "binary_or" | "binary_xor" | "binary_shift_left" | "binary_shift_right" => {
            sig(name, args, 2, 2, &[Integer]).and_then(|_| {
                let op = name.to_string();
                pure(Type::Long, move |a| {
                    match (num_i64(&a[0]), num_i64(&a[1])) {
                        (Some(x), Some(y)) => Value::Long(match op.as_str() {
                            "binary_and" => x & y,
                            "binary_or" => x | y,
                            "binary_xor" => x ^ y,
                            "binary_shift_left" => x.wrapping_shl(y as u32),
                            _ => x.wrapping_shr(y as u32),
                        }),
                        _ => Value::Null,
                    }
                })
            })
        }
        "hash" | "hash_xxhash64" => {
            sig(name, args, 1, 2, &[Any, Integer]).and_then(|_| {
                // A string hashes its UTF-8 bytes; a datetime its ticks as 8 little-endian
                // bytes (the documented hash(datetime("2015-01-01")) is exactly that), and
                // a timespan and a long, 64-bit values like it, the same way. Other types
                // are not known: refuse them rather than guess.
                if !matches!(
                    args[0].ty,
                    Type::String | Type::Dynamic | Type::DateTime | Type::TimeSpan | Type::Long
                ) {
                    return Err(FnError::Unsupported);
                }
                pure(Type::Long, |a| {
                    let h = match &a[0] {
                        Value::String(s) => xxhash64(s.as_bytes()),
                        Value::DateTime(t) | Value::TimeSpan(t) | Value::Long(t) => {
                            xxhash64(&t.to_le_bytes())
                        }
                        _ => return Value::Null,
                    } as i64;
                    match a.get(1).map(num_i64) {
                        None => Value::Long(h),
                        Some(Some(m)) if m > 0 => Value::Long((h as u64 % m as u64) as i64),
                        Some(_) => Value::Null,
                    }
                })
            })
        }
        "around" => super::arity(name, args, 3, 3).and_then(|_| {
            use super::ops::{arith, order, Arith};
            pure(Type::Bool, |a| {
                let lo = arith(Arith::Sub, &a[1], &a[2]);
                let hi = arith(Arith::Add, &a[1], &a[2]);
                match (order(&a[0], &lo), order(&a[0], &hi)) {
                    (Some(l), Some(h)) => Value::Bool(l.is_ge() && h.is_le()),
                    _ => Value::Null,
                }
            })
        }),
        "bitset_count_ones" => sig(name, args, 1, 1, &[Integer]).and_then(|_| {
            pure(Type::Long, |a| {
                num_i64(&a[0]).map_or(Value::Null, |x| Value::Long(x.count_ones() as i64))
            })
        }),
        "binary_not" => sig(name, args, 1, 1, &[Integer]).and_then(|_| {
            pure(Type::Long, |a| {
                num_i64(&a[0]).map_or(Value::Null, |x| Value::Long(!x))
            })
        }),
        _ => return None,
    })
}

/// Rounds half away from zero at `p` decimal places, treating values within floating
/// error of a half as halves (`round(2.15, 1)` is 2.2, as Kusto's decimal rounding).
pub(crate) fn round_real(f: f64, p: i64) -> f64 {
    if !f.is_finite() {
        return f;
    }
    // As .NET's Math.Round(x, digits, AwayFromZero), which Kusto's documented examples
    // follow (round(2.15, 1) = 2.2): scale by 10^digits, round the scaled value half
    // away from zero, scale back. A negative precision scales down instead.
    let p = p.clamp(-300, 300) as i32;
    let away = |s: f64| {
        let t = s.trunc();
        if (s - t).abs() >= 0.5 {
            t + s.signum()
        } else {
            t
        }
    };
    if p >= 0 {
        let scale = 10f64.powi(p);
        let s = f * scale;
        if !s.is_finite() {
            return f;
        }
        away(s) / scale
    } else {
        let scale = 10f64.powi(-p);
        away(f / scale) * scale
    }
}

fn round_int(i: i64, p: i64) -> i64 {
    if p >= 0 {
        return i;
    }
    round_real(i as f64, p) as i64
}

fn bind_min_max_of(name: &str, args: &[ArgInfo]) -> Bound {
    super::arity(name, args, 2, 64)?;
    let mut ty = args[0].ty;
    for (i, a) in args.iter().enumerate().skip(1) {
        ty = unify(ty, a.ty).ok_or_else(|| {
            FnError::Type(
                i,
                format!(
                    "the arguments of `{name}` must share one type: {ty} and {} differ",
                    a.ty
                ),
            )
        })?;
    }
    let max = name == "max_of";
    pure(ty, move |a| {
        // Nulls are ignored; all null gives null.
        let mut best: Option<&Value> = None;
        for v in a.iter().filter(|v| !v.is_null()) {
            best = Some(match best {
                None => v,
                Some(b) => {
                    let o = compare(v, b);
                    if (max && o == Ordering::Greater) || (!max && o == Ordering::Less) {
                        v
                    } else {
                        b
                    }
                }
            });
        }
        super::cast_to(ty, best.cloned().unwrap_or(Value::Null))
    })
}

/// The gamma function (Lanczos approximation, g = 7).
fn gamma(x: f64) -> f64 {
    // Whole arguments are factorials, exact in a double up to 170!: the approximation
    // below would give 23.999999999999996 for gamma(5).
    if (1.0..=171.0).contains(&x) && x.fract() == 0.0 {
        return (1..x as u32).fold(1.0, |acc, k| acc * k as f64);
    }
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    const C: [f64; 9] = LANCZOS;
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_the_docs() {
        let cases = [
            (2.98765, 3, 2.988),
            (2.15, 1, 2.2),
            (2.15, 0, 2.0),
            (-50.55, -2, -100.0),
            (21.5, -1, 20.0),
            (2.5, 0, 3.0),
        ];
        for (x, p, want) in cases {
            assert_eq!(round_real(x, p), want, "round({x}, {p})");
        }
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
    }
}

const P1: u64 = 11_400_714_785_074_694_791;
const P2: u64 = 14_029_467_366_897_019_727;
const P3: u64 = 1_609_587_929_392_839_161;
const P4: u64 = 9_650_029_242_287_828_579;
const P5: u64 = 2_870_177_450_012_600_261;

fn xx_round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn xx_merge(acc: u64, val: u64) -> u64 {
    (acc ^ xx_round(0, val)).wrapping_mul(P1).wrapping_add(P4)
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// XXH64 with seed 0: the hash behind Kusto's `hash()` and `hash_xxhash64()`.
pub(crate) fn xxhash64(data: &[u8]) -> u64 {
    let len = data.len();
    let mut rest = data;
    let mut h = if len >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = xx_round(*lane, le64(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = xx_merge(h, lane);
        }
        h
    } else {
        P5
    };
    h = h.wrapping_add(len as u64);
    while rest.len() >= 8 {
        h ^= xx_round(0, le64(rest));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let k = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as u64;
        h ^= k.wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &b in rest {
        h ^= (b as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod hash_tests {
    #[test]
    fn xxhash64_matches_kusto_hash() {
        // Conformance hash-function-00: hash("World").
        assert_eq!(super::xxhash64(b"World") as i64, 1_846_988_464_401_551_951);
        assert_eq!(super::xxhash64(b""), 0xEF46_DB37_51D8_E999);
    }
}

/// Lanczos coefficients (g = 7, n = 9) shared by Γ and ln Γ.
pub(crate) const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `rand()` / `rand(n)`: volatile, and declaring its [`Kernel::Random`].
struct Rand;

impl super::ScalarImpl for Rand {
    fn call(&self, args: &[Value], ctx: &super::EvalCtx) -> Value {
        rand_value(ctx.next_random(), args.first()).map_or(Value::Null, Value::Real)
    }
    fn volatile(&self) -> bool {
        true
    }
    fn kernel(&self) -> Option<super::Kernel> {
        Some(super::Kernel::Random)
    }
}

/// The value of `rand(n)` (`n` absent: `rand()`) for the 64 random bits `bits`: a real
/// in [0, 1), or a whole number below `n` (null unless `n` is positive).
pub fn rand_value(bits: u64, n: Option<&Value>) -> Option<f64> {
    let r = (bits >> 11) as f64 / (1u64 << 53) as f64;
    match n {
        None => Some(r),
        Some(n) => match num_i64(n) {
            Some(n) if n > 0 => Some((r * n as f64).floor()),
            _ => None,
        },
    }
}
