//! The beta distribution: `beta_cdf`, `beta_pdf`, `beta_inv`.
//!
//! Out-of-range arguments follow Kusto's documented examples: NaN for a bad `x` or a
//! non-positive shape, null for a `beta_inv` probability outside (0, 1].

use super::{num_f64, pure, sig, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &["beta_cdf", "beta_pdf", "beta_inv"];

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
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
    const C: [f64; 9] = [
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
    }
}
