//! Hash joins for `join` and `lookup`: the smaller side is hashed on its keys, the other
//! probes it. A null key never matches (an empty string does). Either way the rows come
//! out in the same order: left rows in order, each with its matches in right order.

use super::batch::{Col, Data, Kind};
use crate::hash::{FxHashMap, FxHashSet};
use crate::limits::Meter;
use crate::plan::JoinKind;
use crate::table::{Column, Row};
use crate::types::Type;
use crate::value::{Str, Value};
use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::sync::Mutex;

/// No row: the end of a key's rows, an empty slot's row.
pub(crate) const END: u32 = u32::MAX;

/// The hash a row of a build side records when its key has a null (it never matches).
/// A key without a null may hash to it too: the build looks at the key then.
pub(crate) const NULL_KEY: u64 = u64::MAX;

/// The hash of the key in `row`'s `keys` columns; `None` when one of them is null.
#[inline]
pub(crate) fn row_key_hash(row: &[Value], keys: &[usize]) -> Option<u64> {
    if keys.iter().any(|&k| row[k].is_null()) {
        return None;
    }
    Some(super::summarize::key_hash_of(keys.iter().map(|&k| &row[k])))
}

/// Rows by key: for each distinct key its first row, and for each row the next one
/// with its key (so a key's rows stay in order, and a key costs no allocation of its
/// own). The keys themselves are not held: a lookup compares the key of a candidate
/// row, found by a 31-bit tag of the hash, with the caller's `eq`. A slot says whether its
/// key has more than one row, so that a key of one row (the common case of a join on an
/// id) costs no look at the links.
///
/// The rows are split by the low bits of their hash over one open-addressed table per
/// thread, built in parallel; a table takes a slot's position from the high bits.
pub(crate) struct KeyIndex {
    parts: Vec<Slots>,
    /// The next row with the same key, `END` after the last. (Atomic only so that the
    /// parts' builders, which own disjoint rows, can write it side by side: relaxed
    /// loads and stores are plain ones.)
    next: Vec<AtomicU32>,
}

/// An open-addressed table of a part of the keys: each slot is `(tag | MORE) << 32 | row`
/// (the key's first row; `MORE` when it has others), or `EMPTY`.
struct Slots {
    slots: Vec<u64>,
    bits: u32,
    len: usize,
}

const EMPTY: u64 = u64::MAX;
/// The bit of a slot's upper half saying that its key has more rows; the others hold
/// the tag.
const MORE: u32 = 1 << 31;

impl Slots {
    fn new(bits: u32) -> Slots {
        Slots {
            slots: vec![EMPTY; 1 << bits],
            bits,
            len: 0,
        }
    }

    #[inline]
    fn start(&self, h: u64) -> usize {
        (h >> (64 - self.bits)) as usize
    }

    /// The first row of the key hashed `h` (`END`: none) and whether the key has more,
    /// `eq` telling whether a row has the key.
    #[inline]
    fn find(&self, h: u64, eq: impl Fn(u32) -> bool) -> (u32, bool) {
        let (tag, mask) = (h as u32 & !MORE, self.slots.len() - 1);
        let mut i = self.start(h);
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return (END, false);
            }
            let high = (s >> 32) as u32;
            if high & !MORE == tag && eq(s as u32) {
                return (s as u32, high & MORE != 0);
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes `r` the first row of its key (rows are inserted last first).
    fn insert(
        &mut self,
        h: u64,
        r: u32,
        hashes: &[u64],
        next: &[AtomicU32],
        eq: &impl Fn(u32, u32) -> bool,
    ) {
        // At most three quarters full: linear probing stays short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(hashes);
        }
        let (tag, mask) = (h as u32 & !MORE, self.slots.len() - 1);
        let mut i = self.start(h);
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                self.slots[i] = ((tag as u64) << 32) | r as u64;
                self.len += 1;
                return;
            }
            if (s >> 32) as u32 & !MORE == tag && eq(s as u32, r) {
                next[r as usize].store(s as u32, Relaxed);
                self.slots[i] = (((tag | MORE) as u64) << 32) | r as u64;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self, hashes: &[u64]) {
        let old = std::mem::replace(self, Slots::new(self.bits + 1));
        self.len = old.len;
        let mask = self.slots.len() - 1;
        for s in old.slots.into_iter().filter(|&s| s != EMPTY) {
            let mut i = self.start(hashes[s as u32 as usize]);
            while self.slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

impl KeyIndex {
    /// Indexes rows `0..hashes.len()` by key: `hashes` are their key hashes (`NULL_KEY`
    /// for a key with a null), `null(r)` says whether row `r`'s key has a null, and
    /// `eq(a, b)` whether rows `a` and `b` have equal keys.
    pub(crate) fn build(
        hashes: &[u64],
        null: impl Fn(u32) -> bool + Sync,
        eq: impl Fn(u32, u32) -> bool + Sync,
    ) -> KeyIndex {
        let n = hashes.len();
        let next: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(END)).collect();
        // Threads pay only past a few chunks' worth of rows.
        let parts = if n < 1 << 16 {
            1
        } else {
            crate::parallel::threads().next_power_of_two()
        };
        let mine = |p: usize, h: u64| h as usize & (parts - 1) == p;
        let part = |p: usize| {
            // Sized for every row of the part a key of its own (at most three quarters
            // full): no growing, and no more memory than the rows' own words hold.
            let rows = hashes.iter().filter(|&&h| mine(p, h)).count();
            let bits = (rows * 4 / 3 + 1)
                .next_power_of_two()
                .trailing_zeros()
                .max(4);
            let mut slots = Slots::new(bits);
            // Past the caches, the slots of the rows ahead are asked for first.
            const AHEAD: usize = 16;
            for r in (0..n).rev() {
                if let Some(&ahead) = r.checked_sub(AHEAD).and_then(|a| hashes.get(a)) {
                    if mine(p, ahead) {
                        crate::hash::prefetch(&slots.slots[slots.start(ahead)]);
                    }
                }
                let h = hashes[r];
                if !mine(p, h) || (h == NULL_KEY && null(r as u32)) {
                    continue;
                }
                slots.insert(h, r as u32, hashes, &next, &eq);
            }
            slots
        };
        let parts: Vec<Slots> = if parts == 1 {
            vec![part(0)]
        } else {
            std::thread::scope(|scope| {
                let part = &part;
                let workers: Vec<_> = (0..parts)
                    .map(|p| crate::guard::spawn_worker(scope, move || part(p)))
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        KeyIndex { parts, next }
    }

    /// The first row of the key hashed `h` (`END` when no row has it) and whether the
    /// key has more rows (then [`KeyIndex::next`] gives them), `eq` telling whether a row
    /// has the key.
    #[inline]
    pub(crate) fn first(&self, h: u64, eq: impl Fn(u32) -> bool) -> (u32, bool) {
        self.parts[h as usize & (self.parts.len() - 1)].find(h, eq)
    }

    /// The row after `r` with its key, `END` after the last.
    #[inline]
    pub(crate) fn next(&self, r: u32) -> u32 {
        self.next[r as usize].load(Relaxed)
    }

    /// Asks the memory for the slot where the search for hash `h` starts.
    #[inline]
    fn prefetch(&self, h: u64) {
        let part = &self.parts[h as usize & (self.parts.len() - 1)];
        crate::hash::prefetch(&part.slots[part.start(h)]);
    }

    /// The row in the slot where the search for `h` starts, when its tag is `h`'s (the
    /// row a lookup most likely compares).
    #[inline]
    fn likely(&self, h: u64) -> Option<u32> {
        let part = &self.parts[h as usize & (self.parts.len() - 1)];
        let s = part.slots[part.start(h)];
        (s != EMPTY && (s >> 32) as u32 & !MORE == h as u32 & !MORE).then_some(s as u32)
    }

    /// The first row of every key, in order.
    pub(crate) fn firsts(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .parts
            .iter()
            .flat_map(|p| p.slots.iter().filter(|&&s| s != EMPTY).map(|&s| s as u32))
            .collect();
        out.sort_unstable();
        out
    }

    /// The memory it holds.
    pub(crate) fn bytes(&self) -> u64 {
        let slots: usize = self.parts.iter().map(|p| p.slots.len() * 8).sum();
        (slots + self.next.len() * 4) as u64
    }
}

/// How a build side holds a column: a column of one fixed-width type as 64-bit words
/// (a third of a `Value`), any other as values.
#[derive(Clone, Copy)]
enum Slot {
    /// The column's word in a row of words, and the type it makes.
    Word(usize, Word),
    /// The column's value in a row of values.
    Any(usize),
}

#[derive(Clone, Copy)]
enum Word {
    Int,
    Long,
    Real,
    DateTime,
    TimeSpan,
}

impl Word {
    fn of(ty: Type) -> Option<Word> {
        Some(match ty {
            Type::Int => Word::Int,
            Type::Long => Word::Long,
            Type::Real => Word::Real,
            Type::DateTime => Word::DateTime,
            Type::TimeSpan => Word::TimeSpan,
            _ => return None,
        })
    }

    /// `v` as a word, when it is a value of this type (a null or anything else is held
    /// beside the words).
    #[inline]
    fn word(self, v: &Value) -> Option<i64> {
        match (self, v) {
            (Word::Int, Value::Int(x)) => Some(*x as i64),
            (Word::Long, Value::Long(x))
            | (Word::DateTime, Value::DateTime(x))
            | (Word::TimeSpan, Value::TimeSpan(x)) => Some(*x),
            (Word::Real, Value::Real(x)) => Some(x.to_bits() as i64),
            _ => None,
        }
    }

    #[inline]
    fn value(self, w: i64) -> Value {
        match self {
            Word::Int => Value::Int(w as i32),
            Word::Long => Value::Long(w),
            Word::Real => Value::Real(f64::from_bits(w as u64)),
            Word::DateTime => Value::DateTime(w),
            Word::TimeSpan => Value::TimeSpan(w),
        }
    }
}

/// The build-side rows made one with an equal row (see [`Built::collapse`]) in this
/// process (for tests: that the path the comparison means to cover did run).
static COLLAPSED: AtomicUsize = AtomicUsize::new(0);

/// How many build-side rows were made one with an equal row so far in this process.
#[doc(hidden)]
pub fn collapsed_rows() -> usize {
    COLLAPSED.load(Relaxed)
}

/// A stored cell of a build side (see [`Built::cell`]).
enum Cell<'a> {
    Word(i64),
    Value(&'a Value),
}

impl Cell<'_> {
    /// The same value of the same type: words by their bits, values as
    /// [`Built::collapse`] says.
    fn same(&self, other: &Cell<'_>) -> bool {
        match (self, other) {
            (Cell::Word(a), Cell::Word(b)) => a == b,
            (Cell::Value(a), Cell::Value(b)) => match (a, b) {
                (Value::Real(x), Value::Real(y)) | (Value::Decimal(x), Value::Decimal(y)) => {
                    x.to_bits() == y.to_bits()
                }
                (Value::Array(x), Value::Array(y)) => Arc::ptr_eq(x, y),
                (Value::Bag(x), Value::Bag(y)) => Arc::ptr_eq(x, y),
                (a, b) => std::mem::discriminant(*a) == std::mem::discriminant(*b) && a == b,
            },
            _ => false,
        }
    }
}

/// The rows of a join's build side, pruned to the columns the query reads after the
/// join and the key columns, in rows of a fixed width in flat `Vec`s (no allocation
/// per row; a number or a time in a word, not a `Value`), indexed by key.
pub(crate) struct Built {
    slots: Vec<Slot>,
    /// Words and values a row.
    words_width: usize,
    values_width: usize,
    words: Vec<i64>,
    values: Vec<Value>,
    /// The words (by position in `words`) that stand for something else: a null, or a
    /// value of another type (in `odd`). `None` when there are none.
    special: Option<Vec<u64>>,
    odd: FxHashMap<u64, Value>,
    /// The key columns' positions in a stored row.
    keys: Vec<usize>,
    index: KeyIndex,
    /// Per value column: whether its strings are a few shared ones (see [`Built::intern`]).
    few: Vec<bool>,
    /// Each row's number of copies, when equal rows were made one (see
    /// [`Built::collapse`]); `None`: every row is one.
    weights: Option<Vec<u32>>,
}

impl Built {
    /// Makes the equal strings of each value column one shared string, while it has at
    /// most [`Built::FEW_A_COLUMN`] distinct ones and the columns so far at most
    /// [`Built::FEW`] between them (so that they all fit the copies `thread_copy` keeps),
    /// and notes which columns stayed that few.
    /// Why: a column like a device platform is read after the join by every match of
    /// both threads; each row's own copy of the same text is a different `Arc`, too many
    /// for [`crate::value::thread_copy`], and cloning them from two threads made their
    /// counts contended cache lines (a join of the sign-in tables at M summarized by such
    /// a column: 5.1 s of CPU on two threads against 3.3 s on one).
    fn intern(&mut self) {
        let width = self.values_width;
        let mut few = vec![true; width];
        let mut left = Self::FEW;
        for (i, few) in few.iter_mut().enumerate() {
            let mut seen: FxHashSet<Str> = FxHashSet::default();
            for v in self.values.iter_mut().skip(i).step_by(width.max(1)) {
                let Value::String(s) = v else { continue };
                match seen.get(&**s) {
                    Some(shared) => *s = shared.clone(),
                    None if seen.len() < left.min(Self::FEW_A_COLUMN) => {
                        seen.insert(s.clone());
                    }
                    None => {
                        *few = false;
                        break;
                    }
                }
            }
            if *few {
                left -= seen.len();
            }
        }
        self.few = few;
    }

    /// The index of the rows by key, `hashes` their key hashes.
    fn index(&self, hashes: &[u64]) -> KeyIndex {
        KeyIndex::build(
            hashes,
            |r| self.keys.iter().any(|&k| self.value(r, k).is_null()),
            |x, y| self.keys.iter().all(|&k| self.equal(x, y, k)),
        )
    }

    /// Whether rows `x` and `y` hold equal values in column `c` (as keys compare).
    #[inline]
    fn equal(&self, x: u32, y: u32, c: usize) -> bool {
        match self.slots[c] {
            Slot::Any(i) => {
                let at = |r: u32| &self.values[r as usize * self.values_width + i];
                at(x) == at(y)
            }
            Slot::Word(..) => self.value(x, c) == self.value(y, c),
        }
    }

    /// The hash of row `r`'s every column (`hashes` the rows' key hashes): equal for
    /// rows [`Built::collapse`] makes one.
    fn row_hash(&self, r: u32, hashes: &[u64]) -> u64 {
        let mut h = crate::hash::FxHasher::default();
        h.write_u64(hashes[r as usize]);
        for c in 0..self.slots.len() {
            match self.cell(r, c) {
                Cell::Word(w) => h.write_u64(w as u64),
                Cell::Value(v) => v.hash(&mut h),
            }
        }
        crate::hash::spread(h.finish())
    }

    /// Whether the first rows repeat enough for [`Built::collapse`] to be worth a pass
    /// over all of them (a quarter of them copies of others).
    fn repeats(&self, hashes: &[u64]) -> bool {
        let sample = hashes.len().min(4096) as u32;
        let distinct: FxHashSet<u64> = (0..sample).map(|r| self.row_hash(r, hashes)).collect();
        distinct.len() * 4 <= sample as usize * 3
    }

    /// Makes equal rows one row, which keeps its first copy's place and counts its
    /// copies (its [`Built::weight`]); the kept rows' key hashes, or `None` (the rows
    /// unchanged) when at most a quarter of the rows are copies. Why: a join read
    /// afterwards only by a count of rows (`summarize count() by` a left and a right
    /// column) gave every left row one joined row per right row of its key; over
    /// the sign-in tables that is 8.3M joined rows at M, where the right side has a few
    /// distinct (user, platform) pairs per user. A build side holds only the columns
    /// read after the join and the keys, so rows equal there give equal joined rows.
    /// Rows are equal only when every column holds the same value of the same type
    /// (`1` and `1.0`, `0.0` and `-0.0` stay apart; arrays and bags only when shared).
    fn collapse(&mut self, hashes: &[u64]) -> Option<Vec<u64>> {
        let n = hashes.len();
        let width = self.slots.len();
        let full = |r: u32| self.row_hash(r, hashes);
        let same = |x: u32, y: u32| (0..width).all(|c| self.cell(x, c).same(&self.cell(y, c)));
        // Each kept row's first row, copies, and the next kept row of the same hash.
        let (mut kept, mut weights, mut link): (Vec<u32>, Vec<u32>, Vec<u32>) = Default::default();
        let mut heads: FxHashMap<u64, u32> = FxHashMap::default();
        for r in 0..n as u32 {
            let h = full(r);
            let mut at = heads.get(&h).copied().unwrap_or(END);
            while at != END && !same(kept[at as usize], r) {
                at = link[at as usize];
            }
            if at != END {
                weights[at as usize] += 1;
                continue;
            }
            let k = kept.len() as u32;
            link.push(heads.insert(h, k).unwrap_or(END));
            kept.push(r);
            weights.push(1);
        }
        if kept.len() * 4 > n * 3 {
            return None;
        }
        COLLAPSED.fetch_add(n - kept.len(), Relaxed);
        let (ww, vw) = (self.words_width, self.values_width);
        let mut words = Vec::with_capacity(kept.len() * ww);
        let mut values = Vec::with_capacity(kept.len() * vw);
        let mut special = self
            .special
            .as_ref()
            .map(|_| vec![0u64; (kept.len() * ww).div_ceil(64)]);
        let mut odd = FxHashMap::default();
        for &r in &kept {
            let r = r as usize;
            if let (Some(old), Some(new)) = (&self.special, &mut special) {
                for i in 0..ww {
                    let (from, to) = (r * ww + i, words.len() + i);
                    if old[from / 64] >> (from % 64) & 1 != 0 {
                        new[to / 64] |= 1 << (to % 64);
                        if let Some(v) = self.odd.remove(&(from as u64)) {
                            odd.insert(to as u64, v);
                        }
                    }
                }
            }
            words.extend_from_slice(&self.words[r * ww..(r + 1) * ww]);
            values.extend(
                self.values[r * vw..(r + 1) * vw]
                    .iter_mut()
                    .map(std::mem::take),
            );
        }
        let hashes = kept.iter().map(|&r| hashes[r as usize]).collect();
        self.words = words;
        self.values = values;
        self.special = special;
        self.odd = odd;
        self.weights = Some(weights);
        Some(hashes)
    }

    /// Column `c` of row `r` as held: a word, or a value (a null for a special word
    /// without an odd value).
    #[inline]
    fn cell(&self, r: u32, c: usize) -> Cell<'_> {
        const NULL: &Value = &Value::Null;
        match self.slots[c] {
            Slot::Any(i) => Cell::Value(&self.values[r as usize * self.values_width + i]),
            Slot::Word(i, _) => {
                let at = r as usize * self.words_width + i;
                match &self.special {
                    Some(special) if special[at / 64] >> (at % 64) & 1 != 0 => {
                        Cell::Value(self.odd.get(&(at as u64)).unwrap_or(NULL))
                    }
                    _ => Cell::Word(self.words[at]),
                }
            }
        }
    }

    /// How many joined rows row `r` stands for (see [`Built::collapse`]).
    #[inline]
    pub(crate) fn weight(&self, r: u32) -> u64 {
        self.weights.as_ref().map_or(1, |w| w[r as usize] as u64)
    }

    /// Whether some row stands for several (see [`Built::collapse`]).
    pub(crate) fn weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// Distinct strings of the build side that [`Built::intern`] shares: half the
    /// copies [`crate::value::thread_copy`] keeps (a plan's constants use it too).
    const FEW: usize = 2048;
    /// Distinct strings of one column that [`Built::intern`] shares.
    const FEW_A_COLUMN: usize = 512;

    /// Column `c` of row `r`.
    #[inline]
    pub(crate) fn value(&self, r: u32, c: usize) -> Value {
        match self.slots[c] {
            Slot::Any(i) => self.values[r as usize * self.values_width + i].clone(),
            Slot::Word(i, w) => {
                let at = r as usize * self.words_width + i;
                if let Some(special) = &self.special {
                    if special[at / 64] >> (at % 64) & 1 != 0 {
                        return self.odd.get(&(at as u64)).cloned().unwrap_or(Value::Null);
                    }
                }
                w.value(self.words[at])
            }
        }
    }

    /// [`Self::value`] for a probe's joined row: a string of a small build side, or of a
    /// column of few distinct strings, is this thread's copy (see
    /// [`crate::value::thread_copy`]), since every matching row of both threads clones
    /// the same few strings (a one-row table joined to every row made its count a
    /// contended cache line: 0.24 s of CPU on one thread, 0.34 s on two).
    pub(crate) fn probe_value(&self, r: u32, c: usize) -> Value {
        /// Cells of a build side small enough that its strings fit the copies kept.
        const SMALL: usize = 1024;
        if let Slot::Any(i) = self.slots[c] {
            let v = &self.values[r as usize * self.values_width + i];
            return match v {
                Value::String(s) if self.values.len() <= SMALL || self.few[i] => {
                    Value::String(crate::value::thread_copy(s))
                }
                v => v.clone(),
            };
        }
        self.value(r, c)
    }

    /// Column `c` of the rows `rows` as a typed column, when it is one of words without
    /// a null or an odd value (and no row is `END`); `None` otherwise.
    pub(crate) fn column(&self, rows: &[u32], c: usize) -> Option<Col> {
        use super::batch::pool;
        let Slot::Word(i, w) = self.slots[c] else {
            return None;
        };
        if self.special.is_some() || rows.contains(&END) {
            return None;
        }
        let at = |r: u32| self.words[r as usize * self.words_width + i];
        let n = rows.len();
        let ints = |kind| Col::ints(kind, pool::collect(&pool::INTS, n, |j| at(rows[j])));
        Some(match w {
            Word::Int => ints(Kind::Int),
            Word::Long => ints(Kind::Long),
            Word::DateTime => ints(Kind::DateTime),
            Word::TimeSpan => ints(Kind::TimeSpan),
            Word::Real => Col::reals(pool::collect(&pool::REALS, n, |j| {
                f64::from_bits(at(rows[j]) as u64)
            })),
        })
    }

    /// Whether column `c` of row `r` equals `v`.
    #[inline]
    fn is(&self, r: u32, c: usize, v: &Value) -> bool {
        match self.slots[c] {
            Slot::Any(i) => self.values[r as usize * self.values_width + i] == *v,
            Slot::Word(..) => self.value(r, c) == *v,
        }
    }

    /// The first row whose key is the one in `row`'s `keys` columns (`END`: none), and
    /// whether more rows have it.
    #[inline]
    pub(crate) fn first(&self, row: &[Value], keys: &[usize]) -> (u32, bool) {
        let Some(h) = row_key_hash(row, keys) else {
            return (END, false);
        };
        self.index.first(h, |r| {
            self.keys
                .iter()
                .zip(keys)
                .all(|(&s, &k)| self.is(r, s, &row[k]))
        })
    }

    #[inline]
    pub(crate) fn next(&self, r: u32) -> u32 {
        self.index.next(r)
    }

    /// [`Self::first`] of a key whose hash (its [`row_key_hash`]) is `h` and whose values
    /// are `key` (the stored key columns in order).
    #[inline]
    pub(crate) fn first_hashed(&self, h: u64, key: &[Value]) -> (u32, bool) {
        self.index.first(h, |r| {
            self.keys.iter().zip(key).all(|(&s, v)| self.is(r, s, v))
        })
    }

    /// For a key of one column held as words of one type, with no null or odd value
    /// among them: the word's position in a stored row and the batch kind whose `i64`s
    /// are those words. A probe of such a key compares words, not values.
    pub(crate) fn word_key(&self) -> Option<(usize, super::batch::Kind)> {
        use super::batch::Kind;
        let [k] = self.keys[..] else {
            return None;
        };
        let Slot::Word(i, w) = self.slots[k] else {
            return None;
        };
        if self.special.is_some() {
            return None;
        }
        let kind = match w {
            Word::Int => Kind::Int,
            Word::Long => Kind::Long,
            Word::DateTime => Kind::DateTime,
            Word::TimeSpan => Kind::TimeSpan,
            // (Reals compare as numbers, not bits: NaN and -0.0.)
            Word::Real => return None,
        };
        Some((i, kind))
    }

    /// [`Self::first_hashed`] of a one-column key given as its word `x` (see
    /// [`Self::word_key`], which gives `i`).
    #[inline]
    pub(crate) fn first_word(&self, h: u64, i: usize, x: i64) -> (u32, bool) {
        self.index
            .first(h, |r| self.words[r as usize * self.words_width + i] == x)
    }

    /// Asks the memory for what a lookup of hash `h` reads: its index slot (`stage`
    /// 0), or the stored row that slot most likely names (`stage` 1, once the slot is
    /// at hand).
    #[inline]
    pub(crate) fn prefetch(&self, h: u64, stage: u8) {
        if stage == 0 {
            self.index.prefetch(h);
        } else if let Some(r) = self.index.likely(h) {
            let at = r as usize * self.words_width;
            if let Some(w) = self.words.get(at) {
                crate::hash::prefetch(w);
            }
        }
    }

    /// The memory of its index (its rows are charged as they are collected, and take
    /// no more once stored).
    pub(crate) fn index_bytes(&self) -> u64 {
        self.index.bytes()
    }
}

/// A chunk's part of a build side: its rows' words, values, key hashes, and the words
/// that stand for something else (by position in the part's words).
#[derive(Default)]
pub(crate) struct BuildPart {
    words: Vec<i64>,
    values: Vec<Value>,
    hashes: Vec<u64>,
    special: Vec<(u64, Value)>,
}

/// Gathers a join's build side from the chunks of a pipeline (or from rows), in order.
pub(crate) struct Collector {
    slots: Vec<Slot>,
    words_width: usize,
    values_width: usize,
    parts: Mutex<Vec<(usize, BuildPart)>>,
}

impl Collector {
    /// A collector of rows whose kept columns have the types `types`.
    pub(crate) fn new(types: &[Type]) -> Collector {
        let (mut words, mut values) = (0, 0);
        let slots = types
            .iter()
            .map(|&ty| match Word::of(ty) {
                Some(w) => {
                    words += 1;
                    Slot::Word(words - 1, w)
                }
                None => {
                    values += 1;
                    Slot::Any(values - 1)
                }
            })
            .collect();
        Collector {
            slots,
            words_width: words,
            values_width: values,
            parts: Mutex::default(),
        }
    }

    /// Adds `row`'s columns `cols` (its `keys` columns are its key) to `part`; the
    /// bytes the part grew by.
    #[inline]
    pub(crate) fn push(
        &self,
        part: &mut BuildPart,
        row: Cow<'_, [Value]>,
        cols: &[usize],
        keys: &[usize],
    ) -> u64 {
        part.hashes
            .push(row_key_hash(&row, keys).unwrap_or(NULL_KEY));
        let mut bytes = 8;
        let mut row = row;
        // (A value taken from an owned row is never read again: the columns differ.)
        for (&c, slot) in cols.iter().zip(&self.slots) {
            match *slot {
                Slot::Word(_, w) => match w.word(&row[c]) {
                    Some(x) => {
                        part.words.push(x);
                        bytes += 8;
                    }
                    None => {
                        let v = match &mut row {
                            Cow::Owned(r) => std::mem::take(&mut r[c]),
                            Cow::Borrowed(r) => r[c].clone(),
                        };
                        bytes += 24 + crate::limits::values_bytes(std::slice::from_ref(&v));
                        part.special.push((part.words.len() as u64, v));
                        part.words.push(0);
                    }
                },
                Slot::Any(_) => {
                    let v = match &mut row {
                        Cow::Owned(r) => std::mem::take(&mut r[c]),
                        Cow::Borrowed(r) => r[c].clone(),
                    };
                    bytes += crate::limits::values_bytes(std::slice::from_ref(&v));
                    part.values.push(v);
                }
            }
        }
        bytes
    }

    /// [`Self::push`] of the `n` rows of typed columns: `cols` the kept columns, `keys`
    /// the key columns; the bytes the part grew by. `None` (the part unchanged) when a
    /// column held in words has a null or values of another type (the caller then
    /// pushes the rows one at a time).
    pub(crate) fn push_typed(
        &self,
        part: &mut BuildPart,
        cols: &[&Col],
        keys: &[&Col],
        n: usize,
    ) -> Option<u64> {
        for (c, slot) in cols.iter().zip(&self.slots) {
            if let Slot::Word(_, w) = slot {
                let kind = match w {
                    Word::Int => Kind::Int,
                    Word::Long => Kind::Long,
                    Word::Real => Kind::Real,
                    Word::DateTime => Kind::DateTime,
                    Word::TimeSpan => Kind::TimeSpan,
                };
                if c.nulls.is_some() || c.kind != kind {
                    return None;
                }
            }
        }
        let hashes = super::summarize::typed_key_hashes(keys, n);
        // A key with a null has no hash (as `row_key_hash` says).
        part.hashes
            .extend((0..n).map(|i| match keys.iter().any(|k| k.is_null(i)) {
                true => NULL_KEY,
                false => hashes[i],
            }));
        part.words.reserve(n * self.words_width);
        let mut bytes = 8 * n as u64;
        for i in 0..n {
            for (c, slot) in cols.iter().zip(&self.slots) {
                match (slot, &c.data) {
                    (Slot::Word(..), Data::I(v)) => part.words.push(v[i]),
                    (Slot::Word(..), Data::F(v)) => part.words.push(v[i].to_bits() as i64),
                    (Slot::Word(..), Data::B(_) | Data::L(_)) => {
                        unreachable!("bools and arrays are not held in words")
                    }
                    (Slot::Any(_), _) => {
                        let v = c.value(i);
                        bytes += crate::limits::values_bytes(std::slice::from_ref(&v));
                        part.values.push(v);
                        continue;
                    }
                }
                bytes += 8;
            }
        }
        Some(bytes)
    }

    pub(crate) fn done(&self, idx: usize, part: BuildPart) {
        lock(&self.parts).push((idx, part));
    }

    /// Forgets the parts gathered (a scan that gave up starts over).
    pub(crate) fn reset(&self) {
        lock(&self.parts).clear();
    }

    /// The build side, its key at `keys` (positions in a stored row).
    /// `weighted`: what reads the joined rows takes a row's number of copies (see
    /// [`Built::weight`]), so equal rows may be made one.
    pub(crate) fn finish(self, keys: Vec<usize>, weighted: bool) -> crate::error::Result<Built> {
        let mut parts = self.parts.into_inner().unwrap_or_else(|e| e.into_inner());
        parts.sort_by_key(|(i, _)| *i);
        let n: usize = parts.iter().map(|(_, p)| p.hashes.len()).sum();
        if n >= END as usize {
            return Err(crate::error::Error::new(
                crate::error::ErrorKind::Runtime,
                format!(
                    "a join side of {n} rows is not supported yet (at most {} rows are)",
                    END - 1
                ),
            ));
        }
        let mut words = Vec::with_capacity(n * self.words_width);
        let mut values = Vec::with_capacity(n * self.values_width);
        let mut hashes = Vec::with_capacity(n);
        let mut special: Option<Vec<u64>> = None;
        let mut odd = FxHashMap::default();
        for (_, p) in parts {
            let base = words.len() as u64;
            for (at, v) in p.special {
                let at = base + at;
                let bits =
                    special.get_or_insert_with(|| vec![0; (n * self.words_width).div_ceil(64)]);
                bits[(at / 64) as usize] |= 1 << (at % 64);
                if !v.is_null() {
                    odd.insert(at, v);
                }
            }
            words.extend(p.words);
            values.extend(p.values);
            hashes.extend(p.hashes);
        }
        let mut built = Built {
            slots: self.slots,
            words_width: self.words_width,
            values_width: self.values_width,
            words,
            values,
            special,
            odd,
            keys,
            index: KeyIndex {
                parts: Vec::new(),
                next: Vec::new(),
            },
            few: Vec::new(),
            weights: None,
        };
        built.intern();
        if weighted && built.repeats(&hashes) {
            if let Some(kept) = built.collapse(&hashes) {
                hashes = kept;
            }
        }
        built.index = built.index(&hashes);
        Ok(built)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(row: &Row, cols: &[usize]) -> Option<Vec<Value>> {
    let k: Vec<Value> = cols.iter().map(|&i| row[i].clone()).collect();
    if k.iter().any(Value::is_null) {
        None
    } else {
        Some(k)
    }
}

fn nulls(schema: &[Column], skip: &[usize]) -> Row {
    schema
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, c)| Value::null_of(c.ty))
        .collect()
}

/// Which side a join hashes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Build {
    /// The smaller one, where the kind allows.
    Smaller,
    /// The left side (tests compare it with the right).
    #[cfg_attr(not(test), allow(dead_code))]
    Left,
    /// The right side.
    #[cfg_attr(not(test), allow(dead_code))]
    Right,
}

/// The matches (right row indexes, in right order) of every left row.
enum Matches {
    /// The right side hashed: a left row looks its key up.
    ByKey(FxHashMap<Vec<Value>, Vec<usize>>),
    /// The left side hashed and the right side run through it: each left row's list.
    ByRow(Vec<Vec<usize>>),
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn join(
    build: Build,
    left: &[&Row],
    right: &[&Row],
    left_schema: &[Column],
    right_schema: &[Column],
    kind: JoinKind,
    left_keys: &[usize],
    right_keys: &[usize],
    right_drop: &[usize],
    meter: &mut Meter,
) -> Vec<Row> {
    // Hashing the left side pays when it is the smaller one (a few suspicious users
    // against a month of sign-ins); the kinds that keep unmatched right rows need the
    // right side's bookkeeping and always hash it.
    let left_kind = matches!(
        kind,
        JoinKind::Inner
            | JoinKind::InnerUnique
            | JoinKind::LeftOuter
            | JoinKind::LeftSemi
            | JoinKind::LeftAnti
    );
    let build_left = left_kind
        && match build {
            Build::Smaller => left.len() < right.len(),
            Build::Left => true,
            Build::Right => false,
        };
    let index = |rows: &[&Row], keys: &[usize]| {
        let mut table: FxHashMap<Vec<Value>, Vec<usize>> = FxHashMap::default();
        for (i, row) in rows.iter().enumerate() {
            if let Some(k) = key(row, keys) {
                table.entry(k).or_default().push(i);
            }
        }
        table
    };
    let found = if build_left {
        let table = index(left, left_keys);
        let mut per_left = vec![Vec::new(); left.len()];
        for (r, row) in right.iter().enumerate() {
            if let Some(ls) = key(row, right_keys).and_then(|k| table.get(&k)) {
                for &l in ls {
                    per_left[l].push(r);
                }
                // The match lists of an exploding join: stop before they are made.
                if !meter.add(8 * ls.len() as u64) {
                    return Vec::new();
                }
            }
        }
        Matches::ByRow(per_left)
    } else {
        Matches::ByKey(index(right, right_keys))
    };
    let combine = |l: &Row, r: &Row| -> Row {
        let mut out = Vec::with_capacity(l.len() + r.len());
        out.extend(l.iter().cloned());
        out.extend(
            r.iter()
                .enumerate()
                .filter(|(i, _)| !right_drop.contains(i))
                .map(|(_, v)| v.clone()),
        );
        out
    };
    let right_nulls = nulls(right_schema, right_drop);
    let left_nulls = nulls(left_schema, &[]);
    let mut out: Vec<Row> = Vec::new();
    let mut right_matched = vec![false; right.len()];
    // innerunique keeps one left row per key (the first) before matching.
    let mut seen_left: FxHashSet<Vec<Value>> = FxHashSet::default();
    // Rows made so far that are charged: the rows of each left row are charged before
    // the next is joined, so an exploding join stops within one row's matches of the
    // budget (the caller reports it).
    let mut charged = 0;
    for (li, l) in left.iter().enumerate() {
        if !out[charged..]
            .iter()
            .all(|r| meter.add(crate::limits::row_bytes(r)))
        {
            return Vec::new();
        }
        charged = out.len();
        let k = key(l, left_keys);
        let matches: &[usize] = match &found {
            Matches::ByKey(table) => k.as_ref().and_then(|k| table.get(k)).map(Vec::as_slice),
            Matches::ByRow(per_left) => per_left.get(li).map(Vec::as_slice),
        }
        .unwrap_or(&[]);
        match kind {
            JoinKind::InnerUnique => {
                if let Some(k) = k {
                    if !matches.is_empty() && seen_left.insert(k) {
                        out.extend(matches.iter().map(|&r| combine(l, right[r])));
                    }
                }
            }
            JoinKind::Inner => out.extend(matches.iter().map(|&r| combine(l, right[r]))),
            JoinKind::LeftOuter | JoinKind::FullOuter | JoinKind::RightOuter => {
                for &r in matches {
                    right_matched[r] = true;
                    out.push(combine(l, right[r]));
                }
                if matches.is_empty() && kind != JoinKind::RightOuter {
                    let mut row = (*l).clone();
                    row.extend(right_nulls.iter().cloned());
                    out.push(row);
                }
            }
            JoinKind::LeftSemi => {
                if !matches.is_empty() {
                    out.push((*l).clone());
                }
            }
            JoinKind::LeftAnti => {
                if matches.is_empty() {
                    out.push((*l).clone());
                }
            }
            JoinKind::RightSemi | JoinKind::RightAnti => {
                for &r in matches {
                    right_matched[r] = true;
                }
            }
        }
    }
    for r in &out[charged..] {
        meter.add(crate::limits::row_bytes(r));
    }
    match kind {
        JoinKind::RightOuter | JoinKind::FullOuter => {
            for (r, row) in right.iter().enumerate() {
                if !right_matched[r] {
                    out.push(combine(&left_nulls, row));
                }
            }
        }
        JoinKind::RightSemi | JoinKind::RightAnti => {
            let want = kind == JoinKind::RightSemi;
            out.extend(
                right
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| right_matched[*r] == want)
                    .map(|(_, row)| (*row).clone()),
            );
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    /// Hashing either side gives the same rows in the same order, for every kind that
    /// may hash the left side, on keys with repeats, nulls and no matches.
    #[test]
    fn either_side_hashed_gives_the_same_rows() {
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || crate::io::bytes::xorshift(&mut x);
        let col = |n: &str, ty| Column { name: n.into(), ty };
        let schema = [col("k", Type::Long), col("v", Type::Long)];
        for round in 0..200 {
            let mut rows = |n: u64| -> Vec<Row> {
                (0..n)
                    .map(|i| {
                        let k = next() % 6;
                        let key = if k == 5 {
                            Value::Null
                        } else {
                            Value::Long(k as i64)
                        };
                        vec![key, Value::Long(i as i64)]
                    })
                    .collect()
            };
            let (l, r) = (rows(round % 7), rows(round % 11));
            let (l, r): (Vec<&Row>, Vec<&Row>) = (l.iter().collect(), r.iter().collect());
            for kind in [
                JoinKind::Inner,
                JoinKind::InnerUnique,
                JoinKind::LeftOuter,
                JoinKind::LeftSemi,
                JoinKind::LeftAnti,
            ] {
                let budget = crate::limits::Budget::default();
                let run = |build| {
                    let mut meter = Meter::new(&budget, "join");
                    join(
                        build,
                        &l,
                        &r,
                        &schema,
                        &schema,
                        kind,
                        &[0],
                        &[0],
                        &[0],
                        &mut meter,
                    )
                };
                assert_eq!(run(Build::Left), run(Build::Right), "{kind:?} {l:?} {r:?}");
            }
        }
    }

    /// The pipeline's join (the right side built, pruned to the columns read after the
    /// join, the left side streamed through it) gives the rows of the reference join
    /// above, for every kind it runs, on one and two key columns with repeats, nulls and
    /// no matches, and under sinks that read all, some or none of the columns: each
    /// query `A | join ... | tail` is compared with `R | tail`, R holding the reference
    /// join's rows. One round has a build side big enough to be indexed in parallel.
    #[test]
    fn the_pipeline_join_gives_the_reference_rows() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || crate::io::bytes::xorshift(&mut x);
        let col = |n: &str, ty| Column { name: n.into(), ty };
        let left_schema = vec![
            col("k", Type::Long),
            col("k2", Type::String),
            col("i", Type::Long),
        ];
        let right_schema = vec![
            col("k", Type::Long),
            col("k2", Type::String),
            col("j", Type::Long),
            col("s", Type::String),
        ];
        let tails = [
            "",
            "| count",
            "| summarize c = count(), m = max(i), n = countif(isnull(k))",
            "| project i",
            // (Not a filter on left columns: under innerunique it runs before the
            // dedup, as in Kusto.)
            "| take 5",
        ];
        let right_tails = [
            "| summarize c = count(), t = sum(j), d = dcount(s) by k1",
            "| project j, s",
            "| where isnotnull(s) | project i, k21",
            "| top 3 by j desc",
        ];
        for round in 0..24u64 {
            let (nl, nr) = if round == 0 {
                (3000, 70_000)
            } else {
                (next() % 40, next() % 40)
            };
            // (Round 0: mostly one match a key, not millions of rows.)
            let keys = if round == 0 { 50_000 } else { 1 + next() % 8 };
            let mut rows = |n: u64, right: bool| -> Vec<Row> {
                (0..n)
                    .map(|i| {
                        let k = next() % (keys + 1);
                        let mut row = vec![
                            if k == keys {
                                Value::Null
                            } else {
                                Value::Long(k as i64)
                            },
                            match next() % 4 {
                                0 => Value::Null,
                                v => Value::str(&format!("s{}", v % 2)),
                            },
                            Value::Long(i as i64),
                        ];
                        if right {
                            row.push(Value::str(&format!("r{}", next() % 5)));
                        }
                        row
                    })
                    .collect()
            };
            let (a, b) = (rows(nl, false), rows(nr, true));
            let mut catalog = crate::Catalog::new();
            catalog.add_table("A", crate::Table::new(left_schema.clone(), a.clone()));
            catalog.add_table("B", crate::Table::new(right_schema.clone(), b.clone()));
            let (ar, br): (Vec<&Row>, Vec<&Row>) = (a.iter().collect(), b.iter().collect());
            for kind in [
                JoinKind::Inner,
                JoinKind::InnerUnique,
                JoinKind::LeftOuter,
                JoinKind::LeftSemi,
                JoinKind::LeftAnti,
            ] {
                for on in [&[0usize][..], &[0, 1]] {
                    let names: Vec<&str> = on.iter().map(|&c| ["k", "k2"][c]).collect();
                    let name = format!("{kind:?}").to_lowercase();
                    let query = format!("A | join kind={name} (B) on {}", names.join(", "));
                    let run = |q: &str, c: &crate::Catalog| {
                        crate::run_query(q, c, 0)
                            .unwrap_or_else(|e| panic!("{q}: {}", e.message))
                            .pop()
                            .unwrap()
                    };
                    let whole = run(&query, &catalog);
                    let budget = crate::limits::Budget::default();
                    let mut meter = Meter::new(&budget, "join");
                    let reference = join(
                        Build::Right,
                        &ar,
                        &br,
                        &left_schema,
                        &right_schema,
                        kind,
                        on,
                        on,
                        &[],
                        &mut meter,
                    );
                    let mut with_r = crate::Catalog::new();
                    with_r.add_table("R", crate::Table::new(whole.columns.clone(), reference));
                    let semi = matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti);
                    let extra: &[&str] = if semi { &[] } else { &right_tails };
                    for tail in tails.iter().chain(extra) {
                        let got = run(&format!("{query} {tail}"), &catalog);
                        let want = run(&format!("R {tail}"), &with_r);
                        assert_eq!(
                            format!("{:?}", got.rows),
                            format!("{:?}", want.rows),
                            "round {round}: {query} {tail}"
                        );
                    }
                }
            }
        }
    }
}
