//! Seasonality, decomposition, outliers and forecasts: `series_periods_detect`,
//! `series_periods_validate`, `series_seasonal`, `series_outliers`,
//! `series_decompose`, `series_decompose_anomalies`, `series_decompose_forecast`.
//!
//! What the docs fix, and kql follows:
//! - The seasonal component is the median of the points in the same phase of the
//!   period (series-seasonal-function.md), the trend is the average or the least-squares
//!   line of the series minus the seasonal component (anomaly-detection.md), the
//!   baseline is seasonal + trend and the residual is series − baseline
//!   (series-decompose-function.md). `Test_points` points at the end are left out of
//!   the learning and get the extrapolated baseline.
//! - Outlier scores are Tukey's fences on the p-low/p-high percentiles (10/90 for
//!   `ctukey`, 25/75 for `tukey`), taken with linear interpolation, 0 inside the fences,
//!   and for `ctukey` normalized to the scale of the standard 25/75 test under a normal
//!   distribution (github.com/microsoft/Kusto-Query-Language issue 136, by the
//!   function's authors). Anomaly flags are ±1 where the score passes ±threshold.
//!
//! What the docs do not fix: how Kusto scores a period. kql's score is the share of the
//! (linearly detrended) series' variance that the period's per-phase means explain, in
//! [0, 1]; a period needs at least three full cycles, and automatic detection (as
//! `series_decompose` and `series_seasonal` do it) looks at periods of 4 bins and more.
//! It finds the documented periods (14 bins in series-periods-detect-function.md, 6 and
//! 5 in series-seasonal-function.md), but its scores are kql's own, not Kusto's (the
//! docs print 0.84 for the 14-bin period; kql says 0.96).

use super::series::{fit, numbers_or_nan, reals, series};
use super::{constant, num_f64, num_i64, pure, sig, ArgInfo, Bound, FnError, Want};
use crate::types::Type;
use crate::value::Value;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "series_periods_detect" => {
            sig(name, args, 4, 4, &[Dynamic, Num, Num, Integer]).and_then(|_| {
                pure(Type::Dynamic, |a| {
                    let Some(y) = numbers_or_nan(&a[0]) else {
                        return Value::Null;
                    };
                    let (min, max) = (num_f64(&a[1]), num_f64(&a[2]));
                    // No period is longer than the series: more than its length
                    // of them would only be zeros.
                    let count =
                        num_i64(&a[3]).unwrap_or(0).clamp(0, y.len().max(1) as i64) as usize;
                    let (Some(min), Some(max)) = (min, max) else {
                        return Value::Null;
                    };
                    let mut found = detect(&y, min, max, count);
                    found.resize(count, (0.0, 0.0));
                    let (periods, scores) = found.into_iter().unzip();
                    Value::array(vec![reals(periods), reals(scores)])
                })
            })
        }
        "series_periods_validate" => {
            sig(name, args, 2, usize::MAX, &[Dynamic, Num]).and_then(|_| {
                pure(Type::Dynamic, |a| {
                    let Some(y) = numbers_or_nan(&a[0]) else {
                        return Value::Null;
                    };
                    let periods: Vec<f64> =
                        a[1..].iter().map(|p| num_f64(p).unwrap_or(0.0)).collect();
                    let scores = periods.iter().map(|p| validate(&y, *p)).collect();
                    Value::array(vec![reals(periods), reals(scores)])
                })
            })
        }
        "series_seasonal" => sig(name, args, 1, 2, &[Dynamic, Integer]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Some(y) = numbers_or_nan(&a[0]) else {
                    return Value::Null;
                };
                let period = a.get(1).and_then(num_i64).unwrap_or(-1);
                let p = match period {
                    -1 => auto_period(&y, SEASONAL_THRESHOLD),
                    p if p > 0 => Some(p as usize),
                    _ => None,
                };
                reals(seasonal(&y, y.len(), p))
            })
        }),
        "series_outliers" => sig(name, args, 1, 5, &[Dynamic, Str, Num, Num, Num]).and_then(|_| {
            let kind = method(name, args, 1)?;
            pure(Type::Dynamic, move |a| {
                let Some(s) = series(&a[0]) else {
                    return Value::Null;
                };
                let ignore = a.get(2).and_then(num_f64);
                let y: Vec<f64> = s
                    .iter()
                    .map(|e| match super::series::element(e) {
                        Some(x) if Some(x) != ignore => x,
                        _ => f64::NAN,
                    })
                    .collect();
                let low = a.get(3).and_then(num_f64).unwrap_or(10.0);
                let high = a.get(4).and_then(num_f64).unwrap_or(90.0);
                match outlier_scores(&y, &y, kind, low, high) {
                    Some(scores) => reals(scores),
                    None => Value::Null,
                }
            })
        }),
        "series_decompose" => sig(name, args, 1, 5, &[Dynamic, Integer, Str, Integer, Num])
            .and_then(|_| {
                let trend = trend_kind(name, args, 2, Trend::Avg)?;
                pure(Type::Dynamic, move |a| {
                    let Some(y) = numbers_or_nan(&a[0]) else {
                        return Value::Null;
                    };
                    let opts = Options::read(a, 1, 3, 4, trend);
                    let d = decompose(&y, &opts);
                    Value::array(vec![
                        reals(d.baseline),
                        reals(d.seasonal),
                        reals(d.trend),
                        reals(d.residual),
                    ])
                })
            }),
        "series_decompose_anomalies" => sig(
            name,
            args,
            1,
            7,
            &[Dynamic, Num, Integer, Str, Integer, Str, Num],
        )
        .and_then(|_| {
            let trend = trend_kind(name, args, 3, Trend::Avg)?;
            let kind = method(name, args, 5)?;
            pure(Type::Dynamic, move |a| {
                let Some(y) = numbers_or_nan(&a[0]) else {
                    return Value::Null;
                };
                let threshold = a.get(1).and_then(num_f64).unwrap_or(1.5);
                let opts = Options::read(a, 2, 4, 6, trend);
                let d = decompose(&y, &opts);
                let learn = opts.learning(y.len());
                let Some(scores) =
                    outlier_scores(&d.residual, &d.residual[..learn], kind, 10.0, 90.0)
                else {
                    return Value::Null;
                };
                let flags = scores
                    .iter()
                    .map(|s| {
                        Value::Long(if *s > threshold {
                            1
                        } else if *s < -threshold {
                            -1
                        } else {
                            0
                        })
                    })
                    .collect();
                Value::array(vec![Value::array(flags), reals(scores), reals(d.baseline)])
            })
        }),
        "series_decompose_forecast" => {
            sig(name, args, 2, 5, &[Dynamic, Integer, Integer, Str, Num]).and_then(|_| {
                let trend = trend_kind(name, args, 3, Trend::Line)?;
                pure(Type::Dynamic, move |a| {
                    let Some(y) = numbers_or_nan(&a[0]) else {
                        return Value::Null;
                    };
                    let mut opts = Options::read(a, 2, usize::MAX, 4, trend);
                    opts.test_points = a.get(1).and_then(num_i64).unwrap_or(0).max(0) as usize;
                    reals(decompose(&y, &opts).baseline)
                })
            })
        }
        _ => return None,
    })
}

/// The detection threshold of `series_seasonal` (its docs page).
const SEASONAL_THRESHOLD: f64 = 0.7;
/// The shortest period automatic detection considers.
const MIN_AUTO_PERIOD: f64 = 4.0;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Trend {
    Avg,
    Line,
    None,
}

fn trend_kind(name: &str, args: &[ArgInfo], i: usize, default: Trend) -> Result<Trend, FnError> {
    Ok(match literal(name, args, i)?.as_deref() {
        None => default,
        Some("avg") => Trend::Avg,
        Some("linefit") => Trend::Line,
        Some("none") => Trend::None,
        Some(other) => {
            return Err(FnError::Type(
                i,
                format!("`{name}`: the trend must be 'avg', 'linefit' or 'none', not '{other}'"),
            ))
        }
    })
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Tukey,
    CTukey,
}

fn method(name: &str, args: &[ArgInfo], i: usize) -> Result<Method, FnError> {
    Ok(match literal(name, args, i)?.as_deref() {
        None | Some("ctukey") => Method::CTukey,
        Some("tukey") => Method::Tukey,
        Some(other) => {
            return Err(FnError::Type(
                i,
                format!("`{name}`: the method must be 'ctukey' or 'tukey', not '{other}'"),
            ))
        }
    })
}

/// A string option that must be a constant (an omitted or null one is None).
fn literal(name: &str, args: &[ArgInfo], i: usize) -> Result<Option<String>, FnError> {
    match (args.get(i), constant(args, i)) {
        (None, _) | (_, Some(Value::Null)) => Ok(None),
        (_, Some(Value::String(s))) => Ok(Some(s.to_string())),
        _ => Err(FnError::Type(
            i,
            format!("argument {} of `{name}` must be a constant string", i + 1),
        )),
    }
}

/// The options of a decomposition, read from the call's arguments by position.
struct Options {
    /// -1: detect; 0: none; p: period p.
    seasonality: i64,
    trend: Trend,
    test_points: usize,
    threshold: f64,
}

impl Options {
    fn read(a: &[Value], season: usize, test: usize, threshold: usize, trend: Trend) -> Self {
        Options {
            seasonality: a.get(season).and_then(num_i64).unwrap_or(-1),
            trend,
            test_points: a.get(test).and_then(num_i64).unwrap_or(0).max(0) as usize,
            threshold: a.get(threshold).and_then(num_f64).unwrap_or(0.6),
        }
    }
    /// How many leading points the model learns from.
    fn learning(&self, n: usize) -> usize {
        n.saturating_sub(self.test_points)
    }
}

struct Decomposition {
    baseline: Vec<f64>,
    seasonal: Vec<f64>,
    trend: Vec<f64>,
    residual: Vec<f64>,
}

fn decompose(y: &[f64], opts: &Options) -> Decomposition {
    let n = y.len();
    let learn = opts.learning(n);
    let train = &y[..learn];
    let period = match opts.seasonality {
        -1 => auto_period(train, opts.threshold),
        p if p > 0 => Some(p as usize),
        _ => None,
    };
    let seasonal = seasonal(train, n, period);
    let deseason: Vec<f64> = train.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
    let trend: Vec<f64> = match opts.trend {
        Trend::None => vec![0.0; n],
        Trend::Avg => {
            let finite: Vec<f64> = deseason.iter().copied().filter(|v| v.is_finite()).collect();
            let avg = if finite.is_empty() {
                0.0
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            };
            vec![avg; n]
        }
        Trend::Line => {
            let x: Vec<f64> = (1..=learn).map(|i| i as f64).collect();
            let l = fit(&x, &deseason);
            (1..=n)
                .map(|i| l.interception + l.slope * i as f64)
                .collect()
        }
    };
    let baseline: Vec<f64> = seasonal.iter().zip(&trend).map(|(s, t)| s + t).collect();
    let residual = y.iter().zip(&baseline).map(|(v, b)| v - b).collect();
    Decomposition {
        baseline,
        seasonal,
        trend,
        residual,
    }
}

/// The seasonal component over `n` points: the median of the learning points in each
/// phase of `period`, repeated; zeros without a period.
fn seasonal(train: &[f64], n: usize, period: Option<usize>) -> Vec<f64> {
    let Some(p) = period.filter(|p| *p > 0) else {
        return vec![0.0; n];
    };
    // Phases past the series' length have no points (and no index reaches them).
    let medians: Vec<f64> = (0..p.min(n))
        .map(|phase| {
            let mut v: Vec<f64> = train
                .iter()
                .skip(phase)
                .step_by(p)
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            median(&mut v)
        })
        .collect();
    (0..n).map(|i| medians[i % p]).collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

// ---------------------------------------------------------------------------------
// Periods

/// kql's score of period `p` (see the module comment): the share of the detrended
/// series' variance explained by its per-phase means.
fn score(y: &[f64], p: usize) -> f64 {
    if p < 2 {
        return 0.0;
    }
    let x: Vec<f64> = (1..=y.len()).map(|i| i as f64).collect();
    let line = fit(&x, y);
    let d: Vec<Option<f64>> = y
        .iter()
        .zip(&x)
        .map(|(v, t)| {
            v.is_finite()
                .then(|| v - line.interception - line.slope * t)
        })
        .collect();
    let mut sums = vec![(0.0f64, 0usize); p];
    for (i, v) in d.iter().enumerate() {
        if let Some(v) = v {
            sums[i % p].0 += v;
            sums[i % p].1 += 1;
        }
    }
    let (mut total, mut residual) = (0.0, 0.0);
    for (i, v) in d.iter().enumerate() {
        if let Some(v) = v {
            // The detrended series has mean zero.
            total += v * v;
            let (s, c) = sums[i % p];
            residual += (v - s / c as f64).powi(2);
        }
    }
    if total <= 0.0 {
        return 0.0;
    }
    (1.0 - residual / total).clamp(0.0, 1.0)
}

/// Whether the series has room for period `p`: three full cycles.
fn fits(n: usize, p: usize) -> bool {
    p >= 2 && p * 3 <= n
}

/// Up to `count` periods in [min, max] with their scores, best first. The candidates
/// are the strongest peaks of the series' autocorrelation (computed by FFT, so that a
/// long series costs n·log n, not n² as scoring every period would); a period whose
/// divisor scores nearly as well (9/10) yields to the divisor, and the multiples and
/// divisors of a period found are not reported again.
fn detect(y: &[f64], min: f64, max: f64, count: usize) -> Vec<(f64, f64)> {
    let n = y.len();
    let lo = min.ceil().max(2.0) as usize;
    let hi = if max.is_finite() {
        max.floor().clamp(0.0, n as f64) as usize
    } else {
        n
    };
    let in_range = |p: usize| p >= lo && p <= hi && fits(n, p);
    let acf = autocorrelation(y);
    let mut peaks: Vec<usize> = (lo.max(2)..acf.len().saturating_sub(1))
        .filter(|&p| in_range(p) && acf[p] > 0.0 && acf[p] >= acf[p - 1] && acf[p] >= acf[p + 1])
        .collect();
    peaks.sort_by(|a, b| acf[*b].total_cmp(&acf[*a]));
    peaks.truncate(MAX_CANDIDATES);
    let mut scored: Vec<(usize, f64)> = peaks.into_iter().map(|p| (p, score(y, p))).collect();
    let mut found = Vec::new();
    while found.len() < count {
        let Some(&(best, s)) = scored
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        else {
            break;
        };
        if s < REPORT_FLOOR {
            break;
        }
        let (period, s) = (2..best)
            .filter(|d| best % d == 0 && in_range(*d))
            .map(|d| (d, score(y, d)))
            .find(|(_, ds)| *ds >= 0.9 * s)
            .unwrap_or((best, s));
        found.push((period as f64, s));
        scored.retain(|(q, _)| q % period != 0 && period % q != 0);
    }
    found
}

/// How many autocorrelation peaks detection scores.
const MAX_CANDIDATES: usize = 64;

/// The autocorrelation of the series (non-finite points as its mean) at every lag,
/// through the FFT of the zero-padded series.
fn autocorrelation(y: &[f64]) -> Vec<f64> {
    let n = y.len();
    let finite: Vec<f64> = y.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return vec![0.0; n];
    }
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let size = (2 * n).next_power_of_two();
    let mut re = vec![0.0; size];
    for (slot, v) in re.iter_mut().zip(y) {
        *slot = if v.is_finite() { v - mean } else { 0.0 };
    }
    let im = vec![0.0; size];
    let (fr, fi) = super::series::fft(&re, &im, false);
    let power: Vec<f64> = fr.iter().zip(&fi).map(|(a, b)| a * a + b * b).collect();
    let (cov, _) = super::series::fft(&power, &vec![0.0; size], true);
    let zero = cov[0];
    if zero <= 0.0 {
        return vec![0.0; n];
    }
    cov[..n].iter().map(|c| c / zero).collect()
}

/// Detection reports nothing that explains less than this share of the variance (the
/// decomposition's default seasonality threshold).
const REPORT_FLOOR: f64 = 0.6;

fn validate(y: &[f64], p: f64) -> f64 {
    let p = p.round();
    if !(2.0..=y.len() as f64).contains(&p) || !fits(y.len(), p as usize) {
        return 0.0;
    }
    score(y, p as usize)
}

/// The period automatic decomposition uses: the best detected one, if its score
/// reaches `threshold`.
fn auto_period(y: &[f64], threshold: f64) -> Option<usize> {
    let found = detect(y, MIN_AUTO_PERIOD, f64::INFINITY, 1);
    found
        .first()
        .filter(|(_, s)| *s >= threshold)
        .map(|(p, _)| *p as usize)
}

// ---------------------------------------------------------------------------------
// Outliers

/// Scores of `y` against the fences of `reference` (its finite values); NaN points
/// score 0. None for an invalid percentile range.
fn outlier_scores(
    y: &[f64],
    reference: &[f64],
    kind: Method,
    low: f64,
    high: f64,
) -> Option<Vec<f64>> {
    let (low, high) = match kind {
        Method::Tukey => (25.0, 75.0),
        Method::CTukey => (low, high),
    };
    if !(2.0..=98.0).contains(&low) || !(2.0..=98.0).contains(&high) || low >= high {
        return None;
    }
    let mut sorted: Vec<f64> = reference
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if sorted.is_empty() {
        return Some(vec![0.0; y.len()]);
    }
    sorted.sort_by(f64::total_cmp);
    let (pl, ph) = (percentile(&sorted, low), percentile(&sorted, high));
    let width = ph - pl;
    let scale = normalization(low, high);
    Some(
        y.iter()
            .map(|v| {
                if !v.is_finite() || (pl..=ph).contains(v) {
                    0.0
                } else if width <= 0.0 {
                    // A constant reference: any other value is infinitely far.
                    if *v > ph {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    }
                } else if *v > ph {
                    (v - ph) / width * scale
                } else {
                    (v - pl) / width * scale
                }
            })
            .collect(),
    )
}

/// The q-th percentile of sorted values, interpolating linearly between ranks.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = q / 100.0 * (sorted.len() - 1) as f64;
    let (i, f) = (rank.floor() as usize, rank.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + (next - sorted[i]) * f,
        None => sorted[i],
    }
}

/// The factor that gives a point at the standard Tukey mild-outlier fence (k = 1.5
/// over the 25/75 range) the score 1.5 under the low/high percentiles too, for a
/// normal distribution; 1 for 25/75.
fn normalization(low: f64, high: f64) -> f64 {
    let (zl, zh) = (normal_quantile(low / 100.0), normal_quantile(high / 100.0));
    let (z25, z75) = (normal_quantile(0.25), normal_quantile(0.75));
    let fence = z75 + 1.5 * (z75 - z25);
    1.5 * (zh - zl) / (fence - zh)
}

/// Φ⁻¹(p), by bisection on Φ(z) = erfc(−z/√2)/2.
pub(super) fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if 0.5 * libm::erfc(-mid / std::f64::consts::SQRT_2) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The traffic series of series-periods-detect-function.md (12-hour bins).
    const TRAFFIC: [f64; 60] = [
        80., 139., 87., 110., 68., 54., 50., 51., 53., 133., 86., 141., 97., 156., 94., 149., 95.,
        140., 77., 61., 50., 54., 47., 133., 72., 152., 94., 148., 105., 162., 101., 160., 87.,
        63., 53., 55., 54., 151., 103., 189., 108., 183., 113., 175., 113., 178., 90., 71., 62.,
        62., 65., 165., 109., 181., 115., 182., 121., 178., 114., 170.,
    ];

    #[test]
    fn documented_periods_are_found() {
        let found = detect(&TRAFFIC, 0.0, 50.0, 2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 14.0);
        assert!(validate(&TRAFFIC, 14.0) > validate(&TRAFFIC, 10.0));
    }

    #[test]
    fn percentiles_and_scores_of_the_kusto_issue_example() {
        // github.com/microsoft/Kusto-Query-Language issue 136: p10 = 2.7 and p90 = 11
        // by linear interpolation, and the scores of the points outside them.
        let y = [
            -3., 2.4, 15., 3.9, 5., 6., 4.5, 5.2, 3., 4., 5., 16., 7., 5., 5., 4.,
        ];
        let mut s = y.to_vec();
        s.sort_by(f64::total_cmp);
        assert!((percentile(&s, 10.0) - 2.7).abs() < 1e-12);
        assert!((percentile(&s, 90.0) - 11.0).abs() < 1e-12);
        let scores = outlier_scores(&y, &y, Method::CTukey, 10.0, 90.0).unwrap();
        // Kusto's: -1.904, -0.100, 1.336, 0 ..., 1.670. Its normalization factor is
        // 2.7726 where the normal-distribution derivation gives 2.7144: within 2.2%.
        let kusto = [
            -1.904_078_548_360_857,
            -0.100_214_660_440_045,
            1.336_195_472_533_935,
        ];
        for (got, want) in scores.iter().zip(kusto) {
            assert!((got / want - 1.0).abs() < 0.025, "{got} vs {want}");
        }
        assert!(scores[3..11].iter().all(|s| *s == 0.0));
        assert!((scores[11] / 1.670_244_340_667_419 - 1.0).abs() < 0.025);
        // tukey (25/75) needs no normalization.
        assert!((normalization(25.0, 75.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!(normal_quantile(0.5).abs() < 1e-12);
    }
}
