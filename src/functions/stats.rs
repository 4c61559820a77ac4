//! The beta distribution: `beta_cdf`, `beta_pdf`, `beta_inv`.
//!
//! Out-of-range arguments follow Kusto's documented examples: NaN for a bad `x` or a
//! non-positive shape, null for a `beta_inv` probability outside (0, 1].

use super::{num_f64, pure, sig, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &["beta_cdf", "beta_pdf", "beta_inv", "welch_test"];

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if name == "welch_test" {
        return Some(sig(name, args, 6, 6, &[Want::Num]).and_then(|_| {
            pure(Type::Real, |a| {
                let v: Option<Vec<f64>> = a.iter().map(num_f64).collect();
                match v {
                    Some(v) => Value::Real(welch(v[0], v[1], v[2], v[3], v[4], v[5])),
                    None => Value::Null,
                }
            })
        }));
    }
    let f: fn(f64, f64, f64) -> Option<f64> = match name {
        "beta_cdf" => cdf,
        "beta_pdf" => pdf,
        "beta_inv" => inv,
        _ => return None,
    };
    Some(sig(name, args, 3, 3, &[Want::Num]).and_then(|_| {
        pure(Type::Real, move |a| {
            match (num_f64(&a[0]), num_f64(&a[1]), num_f64(&a[2])) {
                (Some(x), Some(p), Some(q)) => f(x, p, q).map_or(Value::Null, Value::Real),
                _ => Value::Null,
            }
        })
    }))
}

/// The two-sided p-value of Welch's t-test for two samples given by mean, variance
/// and count.
fn welch(m1: f64, v1: f64, n1: f64, m2: f64, v2: f64, n2: f64) -> f64 {
    let (s1, s2) = (v1 / n1, v2 / n2);
    let t = (m1 - m2) / (s1 + s2).sqrt();
    let df = (s1 + s2).powi(2) / (s1 * s1 / (n1 - 1.0) + s2 * s2 / (n2 - 1.0));
    if !t.is_finite() || !df.is_finite() || df <= 0.0 {
        return f64::NAN;
    }
    regularized_beta(df / (df + t * t), df / 2.0, 0.5)
}

fn shapes_ok(a: f64, b: f64) -> bool {
    a > 0.0 && b > 0.0 && a <= 10_000.0 && b <= 10_000.0
}

fn cdf(x: f64, a: f64, b: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&x) || !shapes_ok(a, b) {
        return Some(f64::NAN);
    }
    Some(regularized_beta(x, a, b))
}

fn pdf(x: f64, a: f64, b: f64) -> Option<f64> {
    if x <= 0.0 || x >= 1.0 || !shapes_ok(a, b) {
        return Some(f64::NAN);
    }
    let ln = (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta(a, b);
    Some(ln.exp())
}

fn inv(p: f64, a: f64, b: f64) -> Option<f64> {
    if !shapes_ok(a, b) {
        return Some(f64::NAN);
    }
    if p <= 0.0 || p > 1.0 {
        return None;
    }
    // The cdf is increasing on [0, 1]: bisect to the last bit.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if regularized_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = super::math::LANCZOS;
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let mut s = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        s += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// I_x(a, b), by the continued fraction (modified Lentz), using the symmetry
/// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges faster.
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * fraction(x, a, b) / a
    } else {
        1.0 - front * fraction(1.0 - x, b, a) / b
    }
}

fn fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() <= 1e-12 * y.abs().max(1e-300)
    }

    #[test]
    fn documented_values() {
        assert!(close(cdf(0.9, 10.0, 20.0).unwrap(), 0.999999999999959));
        assert!(close(pdf(0.5, 10.0, 20.0).unwrap(), 0.746176019310951));
        assert!(close(inv(0.1, 10.0, 20.0).unwrap(), 0.226415022388749));
        assert!(cdf(1.5, 10.0, 20.0).unwrap().is_nan());
        assert!(cdf(0.1, -1.0, 20.0).unwrap().is_nan());
        assert!(pdf(-10.0, 10.0, 20.0).unwrap().is_nan());
        assert_eq!(inv(1.5, 10.0, 20.0), None);
        assert!(inv(0.1, -1.0, 20.0).unwrap().is_nan());
        assert!(close(cdf(0.5, 1.0, 1.0).unwrap(), 0.5));
        // Wikipedia's Welch example 1: t = -2.46, df = 24.9, p = 0.021.
        let s1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let s2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let stats = |s: &[f64]| {
            let n = s.len() as f64;
            let m = s.iter().sum::<f64>() / n;
            (
                m,
                s.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
                n,
            )
        };
        let ((m1, v1, n1), (m2, v2, n2)) = (stats(&s1), stats(&s2));
        let p = welch(m1, v1, n1, m2, v2, n2);
        assert!((p - 0.021).abs() < 0.0005, "{p}");
    }
}
