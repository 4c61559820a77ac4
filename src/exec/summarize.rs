//! Hash aggregation for `summarize`.

use super::eval::eval;
use super::hash::FxHashMap;
use crate::functions::{AggState, EvalCtx};
use crate::plan::{BAgg, BExpr};
use crate::table::Row;
use crate::value::Value;

/// One group's key values and aggregate states.
type Group = (Vec<Value>, Vec<Box<dyn AggState>>);

/// Groups `rows` by `keys` and runs `aggs` per group. Output rows are the key values
/// then every aggregate's outputs, groups in order of first appearance. Without keys
/// there is exactly one row, even on empty input (the aggregates' defaults).
pub(crate) fn summarize(rows: &[&Row], keys: &[BExpr], aggs: &[BAgg], ctx: &EvalCtx) -> Vec<Row> {
    let new_states = || -> Vec<Box<dyn AggState>> { aggs.iter().map(|a| a.imp.init()).collect() };
    let mut index: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
    let mut groups: Vec<Group> = Vec::new();
    if keys.is_empty() {
        groups.push((Vec::new(), new_states()));
    }
    let mut args: Vec<Value> = Vec::new();
    for row in rows {
        let g = if keys.is_empty() {
            0
        } else {
            let key: Vec<Value> = keys.iter().map(|k| eval(k, row, ctx)).collect();
            match index.get(&key) {
                Some(&g) => g,
                None => {
                    groups.push((key.clone(), new_states()));
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            }
        };
        let states = &mut groups[g].1;
        for (agg, state) in aggs.iter().zip(states.iter_mut()) {
            args.clear();
            args.extend(agg.args.iter().map(|a| eval(a, row, ctx)));
            state.update(&args);
        }
    }
    groups
        .into_iter()
        .map(|(mut key, mut states)| {
            for s in states.iter_mut() {
                key.extend(s.finish());
            }
            key
        })
        .collect()
}
