//! Hash aggregation for `summarize`.

use super::eval::eval;
use crate::functions::{AggState, EvalCtx};
use crate::hash::{spread, FxHasher};
use crate::plan::{BAgg, BExpr};
use crate::table::Row;
use crate::value::Value;
use std::hash::{Hash, Hasher};

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

/// The hash of a group key, as [`Aggregator::push_hashed`] wants it: spread, as both
/// the table index (high bits) and a caller splitting keys over aggregators (low bits)
/// take bits of it.
pub(crate) fn key_hash(key: &[Value]) -> u64 {
    key_hash_of(key.iter())
}

/// [`key_hash`] of a key whose values are not side by side (a join's key columns).
pub(crate) fn key_hash_of<'a>(key: impl Iterator<Item = &'a Value>) -> u64 {
    let mut h = FxHasher::default();
    for v in key {
        v.hash(&mut h);
    }
    spread(h.finish())
}

/// A slot of the group index: a key's hash and its group, `EMPTY` when free.
#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    group: u32,
}

const EMPTY: u32 = u32::MAX;

/// The state of a hash aggregation fed one prepared row at a time: memory grows with
/// the groups, not with the rows.
///
/// Laid out flat for the hot loop (a lookup per input row): the index holds each key's
/// full hash beside its group, so a probe compares keys only when the hashes agree;
/// the key values and the aggregate states of all groups sit in one vector each (group
/// `g`'s at `g * width`), so a row costs no pointer chase through per-group vectors.
pub(crate) struct Aggregator<'a> {
    keys: usize,
    aggs: &'a [BAgg],
    /// Open addressing, linear probing; a power of two in size, at most half full.
    index: Vec<Slot>,
    key_values: Vec<Value>,
    states: Vec<Box<dyn AggState>>,
    /// Where each group first appeared (see [`Aggregator::push_at`]).
    firsts: Vec<u64>,
}

impl<'a> Aggregator<'a> {
    pub(crate) fn new(keys: usize, aggs: &'a [BAgg]) -> Self {
        let mut a = Aggregator {
            keys,
            aggs,
            index: Vec::new(),
            key_values: Vec::new(),
            states: Vec::new(),
            firsts: Vec::new(),
        };
        if keys == 0 {
            a.add_group(&[], 0);
        } else {
            a.index = vec![
                Slot {
                    hash: 0,
                    group: EMPTY
                };
                64
            ];
        }
        a
    }

    pub(crate) fn groups(&self) -> usize {
        self.firsts.len()
    }

    /// The approximate memory of the groups from `from` on (for the memory budget): the
    /// index's slots (at most half full, doubled when it grows), the key values, the
    /// aggregates' states and the first position, and half again for the vectors'
    /// spare capacity (they double as they grow, so on average a third of them is
    /// spare).
    pub(crate) fn groups_bytes(&self, from: usize) -> u64 {
        let n = self.groups().saturating_sub(from) as u64;
        let keys = crate::limits::values_bytes(&self.key_values[from * self.keys..]);
        (n * (64 + 8 + 64 * self.aggs.len() as u64) + keys) * 3 / 2
    }

    fn add_group(&mut self, key: &[Value], pos: u64) -> usize {
        self.key_values.extend_from_slice(key);
        self.states.extend(self.aggs.iter().map(|a| a.imp.init()));
        self.firsts.push(pos);
        self.groups() - 1
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
        let hash = if self.keys == 0 {
            0
        } else {
            key_hash(&prepared[..self.keys])
        };
        self.push_hashed(prepared, hash, pos);
    }

    /// [`Aggregator::push_at`] with the key's [`key_hash`] already computed (a scan
    /// computes it anyway to split the keys over aggregators).
    pub(crate) fn push_hashed(&mut self, prepared: &[Value], hash: u64, pos: u64) {
        let (key, args) = prepared.split_at(self.keys);
        let g = if self.keys == 0 {
            0
        } else {
            self.find(key, hash, pos)
        };
        let n = self.aggs.len();
        let states = &mut self.states[g * n..(g + 1) * n];
        let mut args = args;
        for (agg, state) in self.aggs.iter().zip(states.iter_mut()) {
            let (mine, rest) = args.split_at(agg.args.len());
            state.update(mine);
            args = rest;
        }
    }

    /// The group of `key`, added (first seen at `pos`) when new.
    fn find(&mut self, key: &[Value], hash: u64, pos: u64) -> usize {
        let mask = self.index.len() - 1;
        let shift = 64 - self.index.len().trailing_zeros();
        let mut i = (hash >> shift) as usize;
        loop {
            let slot = self.index[i];
            if slot.group == EMPTY {
                break;
            }
            let g = slot.group as usize;
            if slot.hash == hash && self.key_values[g * self.keys..(g + 1) * self.keys] == *key {
                return g;
            }
            i = (i + 1) & mask;
        }
        let g = self.add_group(key, pos);
        self.index[i] = Slot {
            hash,
            group: g as u32,
        };
        if self.groups() * 2 > self.index.len() {
            self.grow();
        }
        g
    }

    fn grow(&mut self) {
        let size = self.index.len() * 2;
        let old = std::mem::replace(
            &mut self.index,
            vec![
                Slot {
                    hash: 0,
                    group: EMPTY
                };
                size
            ],
        );
        let mask = size - 1;
        let shift = 64 - size.trailing_zeros();
        for slot in old.into_iter().filter(|s| s.group != EMPTY) {
            let mut i = (slot.hash >> shift) as usize;
            while self.index[i].group != EMPTY {
                i = (i + 1) & mask;
            }
            self.index[i] = slot;
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
        let (k, n) = (self.keys, self.aggs.len());
        let mut keys = self.key_values.into_iter();
        let mut states = self.states.into_iter();
        self.firsts
            .into_iter()
            .map(|pos| {
                let mut row: Row = keys.by_ref().take(k).collect();
                for mut s in states.by_ref().take(n) {
                    row.extend(s.finish());
                }
                (pos, row)
            })
            .collect()
    }
}
