//! `rolling_percentile(value, p, index, bin, bins_per_window [, dim...])`: per bin of
//! the index (`bin(index, bin)`) and dimension tuple, the nearest-rank p-th percentile
//! of the values in the window of `bins_per_window` bins ending with it (as the
//! `percentile` aggregate computes it). A row per bin that has values.

use crate::error::Result;
use crate::functions::{num_f64, EvalCtx};
use crate::hash::FxHashMap;
use crate::plan::RowsOp;
use crate::table::Row;
use crate::value::Value;
use std::collections::BTreeMap;

pub(crate) struct RollingPercentile {
    pub value: usize,
    pub percent: f64,
    pub index: usize,
    pub dims: Vec<usize>,
    /// The bin size in the index's units (ticks for datetimes and timespans).
    pub bin: f64,
    pub bins_per_window: usize,
}

fn position(v: &Value) -> Option<f64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        v => num_f64(v),
    }
}

impl RowsOp for RollingPercentile {
    fn run(&self, rows: &[&Row], _: &EvalCtx) -> Result<Vec<Row>> {
        // Per dimension tuple: bin number → (the bin's index value, its values).
        type Bins = BTreeMap<i64, (Value, Vec<(f64, Value)>)>;
        let mut groups: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        let mut data: Vec<(Vec<Value>, Bins)> = Vec::new();
        for row in rows {
            let (Some(x), Some(v)) = (position(&row[self.index]), position(&row[self.value]))
            else {
                continue;
            };
            let b = (x / self.bin).floor();
            if !b.is_finite() || b.abs() > 9e15 {
                continue;
            }
            let at = b * self.bin;
            let at_value = match &row[self.index] {
                Value::DateTime(_) => Value::DateTime(at as i64),
                Value::TimeSpan(_) => Value::TimeSpan(at as i64),
                Value::Int(_) | Value::Long(_) => Value::Long(at as i64),
                _ => Value::Real(at),
            };
            let key: Vec<Value> = self.dims.iter().map(|&d| row[d].clone()).collect();
            let g = *groups.entry(key.clone()).or_insert_with(|| {
                data.push((key, BTreeMap::new()));
                data.len() - 1
            });
            data[g]
                .1
                .entry(b as i64)
                .or_insert_with(|| (at_value, Vec::new()))
                .1
                .push((v, row[self.value].clone()));
        }
        let mut out = Vec::new();
        for (key, bins) in data {
            for (&b, (at, _)) in &bins {
                let lo = b - self.bins_per_window as i64 + 1;
                let mut window: Vec<&(f64, Value)> = bins
                    .range(lo..=b)
                    .flat_map(|(_, (_, vals))| vals.iter())
                    .collect();
                window.sort_by(|x, y| x.0.total_cmp(&y.0));
                let n = window.len() as f64;
                let target = self.percent / 100.0 * n;
                // The first value whose rank reaches p% of the count (with a tolerance
                // for the product's rounding).
                let k = ((target - 1e-9 * n.max(1.0)).ceil().max(1.0) as usize).min(window.len());
                let mut row: Row = vec![at.clone()];
                row.extend(key.iter().cloned());
                row.push(window[k - 1].1.clone());
                out.push(row);
            }
        }
        Ok(out)
    }
}
