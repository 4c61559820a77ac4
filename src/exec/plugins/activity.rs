//! The user-activity plugins: `activity_counts_metrics`, `activity_engagement`,
//! `activity_metrics` and `sliding_window_counts`. Each cuts the timeline into windows
//! from a start by a fixed step and counts the ids in them, per combination of the
//! dimension columns (in order of first appearance); every window from the start to
//! the one holding the end is reported, empty ones too.
//!
//! - counts metrics: per window, the rows (`count`), the distinct ids (`dcount`), the
//!   ids no earlier window had (`new_dcount`) and the distinct ids so far
//!   (`aggregated_dcount`).
//! - engagement: per inner window starting at w, the distinct ids in [w, w + inner) and
//!   in the outer window ending with it, [w + inner − outer, w + inner), and their ratio.
//! - metrics: per window, its distinct ids, those the previous window lacked, and the
//!   share of the previous window's ids that came back (retention) or did not (churn);
//!   NaN for the first window.
//! - sliding window counts: per bin starting at b, the rows and distinct ids in the
//!   lookback window ending with the bin, [b + bin − lookback, b + bin).

use crate::error::{Error, Result, Span};

/// The most windows one run reports (each holds the ids seen in it).
const MAX_WINDOWS: i64 = 1_000_000;
use crate::functions::EvalCtx;
use crate::hash::{FxHashMap, FxHashSet};
use crate::plan::RowsOp;
use crate::table::Row;
use crate::value::Value;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Metric {
    Counts,
    Engagement { inner: i64, outer: i64 },
    Retention,
    Sliding { lookback: i64 },
}

pub(crate) struct Activity {
    pub metric: Metric,
    pub id: usize,
    pub time: usize,
    pub dims: Vec<usize>,
    /// Window start, in ticks; None: the earliest time in the input.
    pub start: Option<i64>,
    /// The last window is the one holding `end`; None: the latest time in the input.
    pub end: Option<i64>,
    /// Window length in ticks (> 0).
    pub step: i64,
    /// The call, for errors.
    pub span: Span,
}

fn ticks(v: &Value) -> Option<i64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) | Value::Long(t) => Some(*t),
        Value::Int(i) => Some(*i as i64),
        Value::Real(f) => crate::functions::real_to_i64(*f),
        _ => None,
    }
}

impl RowsOp for Activity {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        let times: Vec<i64> = rows.iter().filter_map(|r| ticks(&r[self.time])).collect();
        let (Some(start), Some(end)) = (
            self.start.or_else(|| times.iter().min().copied()),
            self.end.or_else(|| times.iter().max().copied()),
        ) else {
            return Ok(Vec::new());
        };
        if end < start {
            return Ok(Vec::new());
        }
        let windows = (end - start) / self.step + 1;
        if windows > MAX_WINDOWS {
            return Err(Error::runtime(
                format!(
                    "the activity plugin would make {windows} windows (at most {MAX_WINDOWS}): use a longer step or a shorter period"
                ),
                self.span,
            ));
        }
        let windows = windows as usize;
        // Per dimension tuple: per window, the rows' ids (with repeats).
        let mut groups: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        let mut data: Vec<(Vec<Value>, Vec<Vec<Value>>)> = Vec::new();
        let time_value = |t: i64, sample: &Value| match sample {
            Value::DateTime(_) => Value::DateTime(t),
            Value::TimeSpan(_) => Value::TimeSpan(t),
            Value::Real(_) => Value::Real(t as f64),
            _ => Value::Long(t),
        };
        let sample = rows
            .iter()
            .map(|r| &r[self.time])
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::DateTime(0));
        for row in rows {
            let (Some(t), id) = (ticks(&row[self.time]), &row[self.id]) else {
                continue;
            };
            if t < start || id.is_null() {
                continue;
            }
            let w = ((t - start) / self.step) as usize;
            if w >= windows + self.lead() {
                continue;
            }
            let key: Vec<Value> = self.dims.iter().map(|&d| row[d].clone()).collect();
            let g = *groups.entry(key.clone()).or_insert_with(|| {
                data.push((key, vec![Vec::new(); windows + self.lead()]));
                data.len() - 1
            });
            data[g].1[w].push(id.clone());
        }
        let mut out = Vec::new();
        for (key, per_window) in data {
            let mut seen: FxHashSet<&Value> = FxHashSet::default();
            let mut previous: Option<FxHashSet<&Value>> = None;
            for w in 0..windows {
                let at = time_value(start + w as i64 * self.step, &sample);
                let mut row: Row = vec![at];
                row.extend(key.iter().cloned());
                match self.metric {
                    Metric::Counts => {
                        let ids = &per_window[w];
                        let distinct: FxHashSet<&Value> = ids.iter().collect();
                        let new = distinct.iter().filter(|v| !seen.contains(*v)).count();
                        seen.extend(distinct.iter().copied());
                        row.extend([
                            Value::Long(ids.len() as i64),
                            Value::Long(distinct.len() as i64),
                            Value::Long(new as i64),
                            Value::Long(seen.len() as i64),
                        ]);
                    }
                    Metric::Engagement { inner, outer } => {
                        let lo = start + w as i64 * self.step;
                        let inner_ids = distinct_in(&per_window, start, self.step, lo, lo + inner);
                        let outer_ids = distinct_in(
                            &per_window,
                            start,
                            self.step,
                            lo + inner - outer,
                            lo + inner,
                        );
                        let (i, o) = (inner_ids.len() as f64, outer_ids.len() as f64);
                        row.extend([
                            Value::Long(inner_ids.len() as i64),
                            Value::Long(outer_ids.len() as i64),
                            Value::Real(i / o),
                        ]);
                    }
                    Metric::Retention => {
                        let current: FxHashSet<&Value> = per_window[w].iter().collect();
                        let (new, retention) = match &previous {
                            None => (current.len(), f64::NAN),
                            Some(p) => {
                                let back = p.iter().filter(|v| current.contains(*v)).count();
                                let new = current.iter().filter(|v| !p.contains(*v)).count();
                                (new, back as f64 / p.len() as f64)
                            }
                        };
                        row.extend([
                            Value::Long(current.len() as i64),
                            Value::Long(new as i64),
                            Value::Real(retention),
                            Value::Real(1.0 - retention),
                        ]);
                        previous = Some(current);
                    }
                    Metric::Sliding { lookback } => {
                        let hi = start + (w as i64 + 1) * self.step;
                        let (count, distinct) =
                            counts_in(&per_window, start, self.step, hi - lookback, hi);
                        row.extend([Value::Long(count as i64), Value::Long(distinct as i64)]);
                    }
                }
                out.push(row);
            }
        }
        Ok(out)
    }
}

impl Activity {
    /// Windows past the last reported one that a metric still reads (none: windows
    /// only look back).
    fn lead(&self) -> usize {
        match self.metric {
            Metric::Engagement { inner, .. } => ((inner + self.step - 1) / self.step) as usize,
            _ => 0,
        }
    }
}

/// The windows (by index) that lie in [lo, hi).
fn windows_in(len: usize, start: i64, step: i64, lo: i64, hi: i64) -> std::ops::Range<usize> {
    let first = if lo <= start {
        0
    } else {
        ((lo - start + step - 1) / step) as usize
    };
    let last = if hi <= start {
        0
    } else {
        (((hi - start + step - 1) / step) as usize).min(len)
    };
    first..last.max(first)
}

fn distinct_in(
    per_window: &[Vec<Value>],
    start: i64,
    step: i64,
    lo: i64,
    hi: i64,
) -> FxHashSet<&Value> {
    per_window[windows_in(per_window.len(), start, step, lo, hi)]
        .iter()
        .flatten()
        .collect()
}

fn counts_in(per_window: &[Vec<Value>], start: i64, step: i64, lo: i64, hi: i64) -> (usize, usize) {
    let range = &per_window[windows_in(per_window.len(), start, step, lo, hi)];
    let distinct: FxHashSet<&Value> = range.iter().flatten().collect();
    (range.iter().map(Vec::len).sum(), distinct.len())
}

/// Each id's appearance times.
type Appearances = FxHashMap<Value, Vec<i64>>;

/// `active_users_count`: an appearance of an id at time t in [start, end] is active
/// when the id appeared in at least `min_periods` distinct periods (`bin(t', period)`)
/// among its appearances t' in (t − lookback, t] (earlier ones than the start count
/// too). Per bin from the start, the distinct ids with an active appearance in it;
/// bins with none are left out (active-users-count-plugin.md).
pub(crate) struct ActiveUsers {
    pub id: usize,
    pub time: usize,
    pub dims: Vec<usize>,
    pub start: i64,
    pub end: i64,
    pub lookback: i64,
    pub period: i64,
    pub min_periods: f64,
    pub bin: i64,
    pub span: Span,
}

impl RowsOp for ActiveUsers {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        if self.end < self.start {
            return Ok(Vec::new());
        }
        let bins = (self.end - self.start) / self.bin + 1;
        if bins > MAX_WINDOWS {
            return Err(Error::runtime(
                format!("active_users_count would make {bins} bins (at most {MAX_WINDOWS})"),
                self.span,
            ));
        }
        // Per dimension tuple (first appearance order): per id, its times.
        let mut groups: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        let mut data: Vec<(Vec<Value>, Appearances)> = Vec::new();
        let sample = rows
            .iter()
            .map(|r| &r[self.time])
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::DateTime(0));
        for row in rows {
            let (Some(t), id) = (ticks(&row[self.time]), &row[self.id]) else {
                continue;
            };
            if id.is_null() {
                continue;
            }
            let key: Vec<Value> = self.dims.iter().map(|&d| row[d].clone()).collect();
            let g = *groups.entry(key.clone()).or_insert_with(|| {
                data.push((key, FxHashMap::default()));
                data.len() - 1
            });
            data[g].1.entry(id.clone()).or_default().push(t);
        }
        let mut out = Vec::new();
        for (key, ids) in data {
            let mut per_bin: std::collections::BTreeMap<i64, FxHashSet<&Value>> =
                Default::default();
            for (id, times) in &ids {
                let mut times = times.clone();
                times.sort_unstable();
                for (k, &t) in times.iter().enumerate() {
                    if t < self.start || t > self.end {
                        continue;
                    }
                    let periods: FxHashSet<i64> = times[..=k]
                        .iter()
                        .rev()
                        .take_while(|&&u| u > t - self.lookback)
                        .map(|u| u.div_euclid(self.period))
                        .collect();
                    if periods.len() as f64 >= self.min_periods {
                        per_bin
                            .entry((t - self.start) / self.bin)
                            .or_default()
                            .insert(id);
                    }
                }
            }
            for (b, users) in per_bin {
                let at = self.start + b * self.bin;
                let mut row: Row = vec![match sample {
                    Value::DateTime(_) => Value::DateTime(at),
                    Value::TimeSpan(_) => Value::TimeSpan(at),
                    _ => Value::Long(at),
                }];
                row.extend(key.iter().cloned());
                row.push(Value::Long(users.len() as i64));
                out.push(row);
            }
        }
        Ok(out)
    }
}
