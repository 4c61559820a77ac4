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
    let mut agg = Aggregator::new(keys.len(), aggs);
    let mut buf = Vec::new();
    for row in rows {
        prepare(row, keys, aggs, ctx, &mut buf);
        agg.push(&buf);
        buf.clear();
    }
    agg.finish()
}

/// Appends what aggregation needs from one row to `out`: the key values, then every
/// aggregate's argument values in order. A scan computes this on its parsing threads,
/// so that only these values (not the rows) reach the [`Aggregator`].
pub(crate) fn prepare(
    row: &[Value],
    keys: &[BExpr],
    aggs: &[BAgg],
    ctx: &EvalCtx,
    out: &mut Vec<Value>,
) {
    out.extend(keys.iter().map(|k| eval(k, row, ctx)));
    for agg in aggs {
        out.extend(agg.args.iter().map(|a| eval(a, row, ctx)));
    }
}

/// The state of a hash aggregation fed one prepared row at a time: memory grows with
/// the groups, not with the rows.
pub(crate) struct Aggregator<'a> {
    keys: usize,
    aggs: &'a [BAgg],
    index: FxHashMap<Vec<Value>, usize>,
    groups: Vec<Group>,
    /// Where each group first appeared (see [`Aggregator::push_at`]).
    firsts: Vec<u64>,
}

impl<'a> Aggregator<'a> {
    pub(crate) fn new(keys: usize, aggs: &'a [BAgg]) -> Self {
        let mut a = Aggregator {
            keys,
            aggs,
            index: FxHashMap::default(),
            groups: Vec::new(),
            firsts: Vec::new(),
        };
        if keys == 0 {
            a.groups.push((Vec::new(), a.new_states()));
            a.firsts.push(0);
        }
        a
    }

    fn new_states(&self) -> Vec<Box<dyn AggState>> {
        self.aggs.iter().map(|a| a.imp.init()).collect()
    }

    /// Feeds one row as [`prepare`] lays it out. The key is looked up as a slice, so a
    /// row of an existing group allocates nothing.
    pub(crate) fn push(&mut self, prepared: &[Value]) {
        self.push_at(prepared, 0);
    }

    /// [`Aggregator::push`] for a row at input position `pos`: when aggregation is split
    /// over several aggregators (by key), the groups are put back in order of first
    /// appearance by these positions.
    pub(crate) fn push_at(&mut self, prepared: &[Value], pos: u64) {
        let (key, mut args) = prepared.split_at(self.keys);
        let g = if self.keys == 0 {
            0
        } else {
            match self.index.get(key) {
                Some(&g) => g,
                None => {
                    let states = self.new_states();
                    self.groups.push((key.to_vec(), states));
                    self.index.insert(key.to_vec(), self.groups.len() - 1);
                    self.firsts.push(pos);
                    self.groups.len() - 1
                }
            }
        };
        let states = &mut self.groups[g].1;
        for (agg, state) in self.aggs.iter().zip(states.iter_mut()) {
            let (mine, rest) = args.split_at(agg.args.len());
            state.update(mine);
            args = rest;
        }
    }

    /// The number of values [`prepare`] appends per row.
    pub(crate) fn width(keys: usize, aggs: &[BAgg]) -> usize {
        keys + aggs.iter().map(|a| a.args.len()).sum::<usize>()
    }

    pub(crate) fn finish(self) -> Vec<Row> {
        self.finish_at().into_iter().map(|(_, row)| row).collect()
    }

    /// The output rows with the position where each group first appeared.
    pub(crate) fn finish_at(self) -> Vec<(u64, Row)> {
        self.groups
            .into_iter()
            .zip(self.firsts)
            .map(|((mut key, mut states), pos)| {
                for s in states.iter_mut() {
                    key.extend(s.finish());
                }
                (pos, key)
            })
            .collect()
    }
}
