//! Hash aggregation for `summarize`.

use super::batch::{pool, Col, Data, Kind};
use super::eval::eval;
use crate::functions::{AggColumn, AggState, AggregateImpl, EvalCtx, TypedArg};
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

/// The [`key_hash`] of every row of key columns `cols`.
pub(crate) fn typed_key_hashes(cols: &[&Col], rows: usize) -> Vec<u64> {
    if let [c] = cols {
        if let Some((kind, v)) = int_column(c) {
            let rank = int_rank(kind);
            return v.iter().map(|&x| int_hash(rank, x)).collect();
        }
    }
    let mut buf = Vec::with_capacity(cols.len());
    (0..rows)
        .map(|k| {
            buf.clear();
            buf.extend(cols.iter().map(|c| c.value(k)));
            key_hash(&buf)
        })
        .collect()
}

/// The rows of a batch's one key column, when it is of integers without nulls (row `k`
/// at `positions[k]` of its chunk), counted per key: the keys in order of first
/// appearance, each with its [`key_hash`], first row's position and rows. What counting
/// the rows one at a time gives, at a lookup of an integer per row. `None` also when the
/// batch's first rows are mostly distinct keys: counting then dedupes nothing, and the
/// shared groups take the rows faster one by one (they look ahead in their index).
#[allow(clippy::type_complexity)]
pub(crate) fn count_ints(
    col: &Col,
    positions: &[u32],
) -> Option<(Vec<Value>, Vec<u64>, Vec<u32>, Vec<i64>, KeyIndex)> {
    const SAMPLE: usize = 1024;
    let (kind, v) = int_column(col)?;
    let rank = int_rank(kind);
    let (mut xs, mut hashes, mut firsts, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut index = KeyIndex::default();
    for (k, &x) in v.iter().enumerate() {
        if k == SAMPLE && xs.len() * 4 > SAMPLE {
            return None;
        }
        let h = int_hash(rank, x);
        match index.find(&hashes, h, |g| xs[g] == x) {
            Ok(g) => counts[g] += 1,
            Err(slot) => {
                index.put(slot, xs.len());
                xs.push(x);
                hashes.push(h);
                firsts.push(positions[k]);
                counts.push(1);
            }
        }
    }
    let keys = xs.into_iter().map(|x| int_value(kind, x)).collect();
    Some((keys, hashes, firsts, counts, index))
}

/// The index of a chunk's keys by their hashes (of [`count_ints`], and of the counts
/// rows make in `pipeline::Counted`): open addressing over key numbers, a power of two
/// in size, at most half full. Probed from a hash's high bits: the low ones chose the
/// aggregator, the same for many keys.
#[derive(Default)]
pub(crate) struct KeyIndex(Vec<u32>);

impl KeyIndex {
    /// A free slot.
    const NONE: u32 = u32::MAX;

    /// The key of hash `h`: `Ok(g)` for the first key `g` of that place for which
    /// `same(g)`, else `Err(slot)`, the free slot to [`Self::put`] it in. `hashes` are
    /// the keys' hashes so far, in key order: first the index grows if one more key would
    /// fill more than half of it.
    #[inline(always)]
    pub(crate) fn find(
        &mut self,
        hashes: &[u64],
        h: u64,
        same: impl Fn(usize) -> bool,
    ) -> Result<usize, usize> {
        if hashes.len() * 2 >= self.0.len() {
            self.grow(hashes);
        }
        let mask = self.0.len() - 1;
        let mut i = (h >> 40) as usize & mask;
        loop {
            match self.0[i] {
                Self::NONE => return Err(i),
                g if same(g as usize) => return Ok(g as usize),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Key `g` into the free `slot` [`Self::find`] gave.
    #[inline(always)]
    pub(crate) fn put(&mut self, slot: usize, g: usize) {
        self.0[slot] = g as u32;
    }

    /// Twice the slots (at least 64), the keys of `hashes` placed again.
    fn grow(&mut self, hashes: &[u64]) {
        let size = (self.0.len() * 2).max(64);
        self.0 = vec![Self::NONE; size];
        let mask = size - 1;
        for (g, &h) in hashes.iter().enumerate() {
            let mut i = (h >> 40) as usize & mask;
            while self.0[i] != Self::NONE {
                i = (i + 1) & mask;
            }
            self.0[i] = g as u32;
        }
    }
}

/// The kind and values of a column of integers (or datetimes, timespans) without nulls.
fn int_column(c: &Col) -> Option<(Kind, &[i64])> {
    match (&c.data, &c.nulls, c.kind) {
        (Data::I(v), None, k) => Some((k, v)),
        _ => None,
    }
}

/// The value of kind `kind` that a typed integer `x` stands for.
fn int_value(kind: Kind, x: i64) -> Value {
    match kind {
        Kind::Int => Value::Int(x as i32),
        Kind::DateTime => Value::DateTime(x),
        Kind::TimeSpan => Value::TimeSpan(x),
        _ => Value::Long(x),
    }
}

/// What [`Value`]'s hash writes first for a value of integer kind `kind` (its kind's
/// rank: ints and longs share one, being equal when their numbers are).
fn int_rank(kind: Kind) -> u8 {
    match kind {
        Kind::DateTime => 4,
        Kind::TimeSpan => 5,
        _ => 2,
    }
}

/// [`key_hash`] of the one-value key `int_value(kind, x)` where `rank = int_rank(kind)`:
/// the same writes [`Value`]'s hash makes (the test `int_hash_is_key_hash` holds them
/// together).
#[inline]
fn int_hash(rank: u8, x: i64) -> u64 {
    let mut h = FxHasher::default();
    rank.hash(&mut h);
    x.hash(&mut h);
    spread(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_finds_every_key_across_growth() {
        // Keys whose hashes share their high bits in threes (so probes run past taken
        // slots), added while the index grows from empty, each then found at its number;
        // a key never added is not.
        let hash = |x: u64| (x / 3) << 40 | x;
        let (mut index, mut hashes, mut xs) = (KeyIndex::default(), Vec::new(), Vec::new());
        for x in 0..5000u64 {
            let h = hash(x);
            let slot = index.find(&hashes, h, |g| xs[g] == x).unwrap_err();
            index.put(slot, xs.len());
            xs.push(x);
            hashes.push(h);
        }
        assert!(index.0.len() >= 2 * xs.len() && index.0.len().is_power_of_two());
        for x in 0..5000u64 {
            assert_eq!(index.find(&hashes, hash(x), |g| xs[g] == x), Ok(x as usize));
        }
        assert!(index.find(&hashes, hash(7), |g| xs[g] == 9999).is_err());
    }

    #[test]
    fn int_hash_is_key_hash() {
        for kind in [Kind::Int, Kind::Long, Kind::DateTime, Kind::TimeSpan] {
            for x in [0, 1, -1, 42, i32::MIN as i64, i64::MAX, i64::MIN] {
                if kind == Kind::Int && x as i32 as i64 != x {
                    continue;
                }
                let v = int_value(kind, x);
                assert_eq!(int_hash(int_rank(kind), x), key_hash(&[v]), "{kind:?} {x}");
            }
        }
    }
}

/// A slot of the group index: the high half of a key's hash and its group, `EMPTY`
/// when free. (The high half holds the bits that place a key in any index up to 2^32
/// slots, so the index grows without the keys being hashed again; 8 bytes a slot keep
/// twice as many slots in each cache line as the whole hash would.)
#[derive(Clone, Copy)]
struct Slot {
    tag: u32,
    group: u32,
}

const EMPTY: u32 = u32::MAX;

const FREE: Slot = Slot {
    tag: 0,
    group: EMPTY,
};

fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// The aggregates' states per group: an aggregate's own column (see
/// [`crate::functions::AggregateImpl::column`]), or one boxed state per group.
enum States {
    Column(Box<dyn AggColumn>),
    Boxed(std::sync::Arc<dyn AggregateImpl>, Vec<Box<dyn AggState>>),
}

impl States {
    fn push_group(&mut self) {
        match self {
            States::Column(c) => c.push_group(),
            States::Boxed(imp, states) => states.push(imp.init()),
        }
    }

    #[inline]
    fn update(&mut self, g: usize, args: &[Value]) {
        match self {
            States::Column(c) => c.update(g, args),
            States::Boxed(_, states) => states[g].update(args),
        }
    }

    /// `n` rows without arguments fed to group `g`.
    fn add_rows(&mut self, g: usize, n: i64) {
        match self {
            States::Column(c) => c.add_rows(g, n),
            States::Boxed(_, states) => (0..n).for_each(|_| states[g].update(&[])),
        }
    }

    /// [`AggColumn::update_typed`], or [`AggState::update_typed`] when all the rows are
    /// of one group (false: the caller updates row by row).
    fn update_typed(&mut self, groups: &[u32], rows: &[u32], args: &[Col]) -> bool {
        let typed: Option<Vec<TypedArg>> = args
            .iter()
            .map(|a| match (&a.data, &a.nulls, a.kind) {
                (Data::I(v), None, Kind::Int | Kind::Long) => Some(TypedArg::Integers(v)),
                (Data::F(v), None, Kind::Real) => Some(TypedArg::Reals(v)),
                _ => None,
            })
            .collect();
        let Some(typed) = typed else {
            return false;
        };
        match self {
            States::Column(c) => c.update_typed(groups, rows, &typed),
            States::Boxed(_, states) => match (groups.first(), states.as_mut_slice()) {
                (Some(&g), [one]) if g == 0 && groups.iter().all(|&h| h == 0) => {
                    one.update_typed(rows, &typed)
                }
                _ => false,
            },
        }
    }

    fn finish(&mut self, g: usize, out: &mut Vec<Value>) {
        match self {
            States::Column(c) => c.finish(g, out),
            States::Boxed(_, states) => out.extend(states[g].finish()),
        }
    }

    /// The bytes of a group's state: a boxed state is about a cache line with its box
    /// and pointer.
    fn group_bytes(&self) -> u64 {
        match self {
            States::Column(c) => c.group_bytes(),
            States::Boxed(..) => 64,
        }
    }
}

/// The state of a hash aggregation fed one prepared row at a time: memory grows with
/// the groups, not with the rows.
///
/// Laid out flat for the hot loop (a lookup per input row): the index holds half of each
/// key's hash beside its group, so a probe compares keys only when those agree; the key
/// values of all groups sit in one vector (group `g`'s at `g * keys`) and each
/// aggregate's states in one column, so a row costs no pointer chase through per-group
/// vectors.
pub(crate) struct Aggregator {
    keys: usize,
    /// The aggregates (their implementations shared: the aggregator owns what it
    /// reads, so that its groups can outlive the pipeline that made them).
    aggs: Vec<BAgg>,
    /// Open addressing, linear probing; a power of two in size, at most half full.
    index: Vec<Slot>,
    key_values: Vec<Value>,
    states: Vec<States>,
    /// Where each group first appeared (see [`Aggregator::push_at`]).
    firsts: Vec<u64>,
}

impl Aggregator {
    pub(crate) fn new(keys: usize, aggs: &[BAgg]) -> Self {
        let mut a = Aggregator {
            keys,
            aggs: aggs.to_vec(),
            index: Vec::new(),
            key_values: Vec::new(),
            states: aggs
                .iter()
                .map(|a| match a.imp.column() {
                    Some(c) => States::Column(c),
                    None => States::Boxed(a.imp.clone(), Vec::new()),
                })
                .collect(),
            firsts: Vec::new(),
        };
        if keys == 0 {
            a.add_group(&[], 0);
        } else {
            a.index = vec![FREE; 64];
        }
        a
    }

    pub(crate) fn groups(&self) -> usize {
        self.firsts.len()
    }

    /// Whether every aggregate of `aggs` is a `count()` of the rows: a chunk's rows can
    /// then be counted per key where they are made and added to the shared
    /// aggregation a key at a time ([`Aggregator::push_count`]).
    pub(crate) fn counts_only(aggs: &[BAgg]) -> bool {
        !aggs.is_empty()
            && aggs
                .iter()
                .all(|a| a.args.is_empty() && a.imp.rows_counted())
    }

    /// `n` rows of key `key` (its [`key_hash`] `hash`; the first at `pos`) fed to a
    /// [`Aggregator::counts_only`] aggregation.
    pub(crate) fn push_count(&mut self, key: &[Value], hash: u64, pos: u64, n: i64) {
        let g = self.find(key, hash, pos);
        for states in self.states.iter_mut() {
            states.add_rows(g, n);
        }
    }

    /// The approximate memory of the groups from `from` on (for the memory budget): the
    /// index's slots (at most half full, doubled when it grows), the key values, the
    /// aggregates' states and the first position, and half again for the vectors'
    /// spare capacity (they double as they grow, so on average a third of them is
    /// spare).
    pub(crate) fn groups_bytes(&self, from: usize) -> u64 {
        let n = self.groups().saturating_sub(from) as u64;
        let keys = crate::limits::values_bytes(&self.key_values[from * self.keys..]);
        let states: u64 = self.states.iter().map(States::group_bytes).sum();
        (n * (32 + 8 + states) + keys) * 3 / 2
    }

    fn add_group(&mut self, key: &[Value], pos: u64) -> usize {
        self.key_values.extend_from_slice(key);
        self.states.iter_mut().for_each(States::push_group);
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

    /// Whether the index is past the caches (a megabyte): lookups then wait for the
    /// memory unless their slots are asked for ahead.
    pub(crate) fn big(&self) -> bool {
        self.index.len() >= 1 << 17
    }

    /// The index slot where the search for `hash` starts.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> (64 - self.index.len().trailing_zeros())) as usize
    }

    /// Asks the memory for the index slot of a key to come (by its hash), so that a run
    /// of lookups in a big index waits for the memory once, not once a key.
    #[inline]
    pub(crate) fn prefetch_slot(&self, hash: u64) {
        if let Some(s) = self.index.get(self.home(hash)) {
            crate::hash::prefetch(s);
        }
    }

    /// Asks the memory for the key and states of the group in the home slot of `hash`
    /// (the one it most likely finds), once its slot is at hand ([`Self::prefetch_slot`]).
    #[inline]
    pub(crate) fn prefetch_group(&self, hash: u64) {
        let Some(slot) = self.index.get(self.home(hash)) else {
            return;
        };
        if slot.group != EMPTY && slot.tag == tag(hash) {
            let g = slot.group as usize;
            if let Some(k) = self.key_values.get(g * self.keys) {
                crate::hash::prefetch(k);
            }
        }
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
        let mut args = args;
        for (agg, states) in self.aggs.iter().zip(self.states.iter_mut()) {
            let (mine, rest) = args.split_at(agg.args.len());
            states.update(g, mine);
            args = rest;
        }
    }

    /// [`Aggregator::push_hashed`] of the rows `rows` (row, key hash) of typed columns
    /// laid out as [`prepare`] lays out a row (keys, then arguments), from chunk `chunk`
    /// whose rows are at `positions`: the groups of all the rows first, then each
    /// aggregate over them (a typed update when its state takes one).
    pub(crate) fn push_typed(
        &mut self,
        cols: &[Col],
        rows: &[(u32, u64)],
        chunk: usize,
        positions: &[u32],
    ) {
        let nk = self.keys;
        let mut groups = pool::take(&pool::ROWS, rows.len());
        let mut key = Vec::with_capacity(nk);
        // Past the caches, the index and the groups are asked for ahead.
        let ahead = if self.big() { 16 } else { 0 };
        let one_int = match cols {
            [c, ..] if nk == 1 => int_column(c),
            _ => None,
        };
        // Without keys, every row is of the one group.
        if nk == 0 {
            groups.resize(rows.len(), 0);
        }
        for (j, &(k, h)) in rows.iter().enumerate().filter(|_| nk > 0) {
            if ahead > 0 {
                if let Some(&(_, next)) = rows.get(j + ahead) {
                    self.prefetch_slot(next);
                }
                if let Some(&(_, next)) = rows.get(j + ahead / 2) {
                    self.prefetch_group(next);
                }
            }
            let pos = || ((chunk as u64) << 32) | positions[k as usize] as u64;
            let g = match one_int {
                Some((kind, v)) => self.find_int(kind, v[k as usize], h, pos),
                None => {
                    key.clear();
                    key.extend(cols[..nk].iter().map(|c| c.value(k as usize)));
                    self.find(&key, h, pos())
                }
            };
            groups.push(g as u32);
        }
        let idx = pool::collect(&pool::ROWS, rows.len(), |j| rows[j].0);
        let mut at = nk;
        let mut args = Vec::new();
        for (agg, states) in self.aggs.iter().zip(self.states.iter_mut()) {
            let mine = &cols[at..at + agg.args.len()];
            at += agg.args.len();
            if states.update_typed(&groups, &idx, mine) {
                continue;
            }
            for (&g, &k) in groups.iter().zip(&idx) {
                args.clear();
                args.extend(mine.iter().map(|c| c.value(k as usize)));
                states.update(g as usize, &args);
            }
        }
        pool::give(&pool::ROWS, groups);
        pool::give(&pool::ROWS, idx);
    }

    /// The group of `key`, added (first seen at `pos`) when new.
    fn find(&mut self, key: &[Value], hash: u64, pos: u64) -> usize {
        let k = self.keys;
        self.find_with(
            hash,
            // One key (the usual case) compared as a value, not as a slice.
            |stored, g| match key {
                [one] => stored[g] == *one,
                _ => stored[g * k..(g + 1) * k] == *key,
            },
            |a| a.add_group(key, pos),
        )
    }

    /// [`Self::find`] of a one-column key `x` of integer kind `kind` (a typed column's
    /// value), compared without making the value.
    /// `pos` gives the position, asked only for a new group.
    #[inline(always)]
    fn find_int(&mut self, kind: Kind, x: i64, hash: u64, pos: impl FnOnce() -> u64) -> usize {
        let add = |a: &mut Self| a.add_group(&[int_value(kind, x)], pos());
        // The usual kind first (a long), compared without looking at the kind again.
        match kind {
            Kind::Long => self.find_with(
                hash,
                |stored, g| match &stored[g] {
                    Value::Long(y) => *y == x,
                    other => *other == Value::Long(x),
                },
                add,
            ),
            _ => self.find_with(
                hash,
                |stored, g| match (&stored[g], kind) {
                    (Value::DateTime(y), Kind::DateTime) | (Value::TimeSpan(y), Kind::TimeSpan) => {
                        *y == x
                    }
                    (Value::Int(y), Kind::Int) => *y as i64 == x,
                    (other, _) => *other == int_value(kind, x),
                },
                add,
            ),
        }
    }

    /// The probe of the index for `hash`: the group for which `same` (given the key
    /// values and a group) holds, or the one `add` adds.
    #[inline(always)]
    fn find_with(
        &mut self,
        hash: u64,
        same: impl Fn(&[Value], usize) -> bool,
        add: impl FnOnce(&mut Self) -> usize,
    ) -> usize {
        let mask = self.index.len() - 1;
        let t = tag(hash);
        let mut i = self.home(hash);
        loop {
            let slot = self.index[i];
            if slot.group == EMPTY {
                break;
            }
            let g = slot.group as usize;
            if slot.tag == t && same(&self.key_values, g) {
                return g;
            }
            i = (i + 1) & mask;
        }
        let g = add(self);
        self.index[i] = Slot {
            tag: t,
            group: g as u32,
        };
        if self.groups() * 2 > self.index.len() {
            self.grow();
        }
        g
    }

    fn grow(&mut self) {
        let size = self.index.len() * 2;
        let old = std::mem::replace(&mut self.index, vec![FREE; size]);
        let mask = size - 1;
        // The tag is the hash's high half: its high bits place the slot.
        let shift = 32 - size.trailing_zeros();
        for slot in old.into_iter().filter(|s| s.group != EMPTY) {
            let mut i = (slot.tag >> shift) as usize;
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

    /// Where each group first appeared (see [`Aggregator::push_at`]), by group.
    pub(crate) fn firsts(&self) -> &[u64] {
        &self.firsts
    }

    /// Done with adding rows: the index's memory goes (see [`Aggregator::row`]).
    pub(crate) fn close(&mut self) {
        self.index = Vec::new();
    }

    /// Group `g`'s output row, as [`Aggregator::finish_at`] makes it (once a group: its
    /// key values are taken).
    pub(crate) fn row(&mut self, g: usize) -> Row {
        let k = self.keys;
        let mut row: Row = Vec::with_capacity(k + self.aggs.len());
        row.extend(
            self.key_values[g * k..(g + 1) * k]
                .iter_mut()
                .map(std::mem::take),
        );
        for s in self.states.iter_mut() {
            s.finish(g, &mut row);
        }
        row
    }

    /// The output rows with the position where each group first appeared.
    pub(crate) fn finish_at(mut self) -> Vec<(u64, Row)> {
        let k = self.keys;
        // The index is done with: its memory goes before the rows are made.
        self.index = Vec::new();
        // Most aggregates give one value (arg_max gives several: the row grows).
        let width = k + self.aggs.len();
        let mut keys = std::mem::take(&mut self.key_values).into_iter();
        let firsts = std::mem::take(&mut self.firsts);
        let mut states = std::mem::take(&mut self.states);
        firsts
            .into_iter()
            .enumerate()
            .map(|(g, pos)| {
                let mut row: Row = Vec::with_capacity(width);
                row.extend(keys.by_ref().take(k));
                for s in states.iter_mut() {
                    s.finish(g, &mut row);
                }
                (pos, row)
            })
            .collect()
    }
}
