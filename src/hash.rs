//! A fast non-cryptographic hasher (the Fx hash of rustc) for group, join and distinct
//! keys: the keys come from the query's own data, and SipHash's DoS resistance costs
//! a tenth of the run time on large group-bys. Beside it, what such keys are compared
//! and kept with: an inline equality of short byte strings and a flat set of integers.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(word(c, 0));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The rest's bytes, low first, zeros above, read as overlapping words
            // (a copy of a few bytes is a library call): the text's last word when
            // it has one, else its first and last half-words or bytes.
            let w = match (bytes.len(), rest) {
                (n, _) if n >= 8 => word(bytes, n - 8) >> (8 * (8 - rest.len())),
                (n @ 4.., r) => {
                    half_word(r, 0) as u64 | (half_word(r, n - 4) as u64) << (8 * (n - 4))
                }
                (n, r) => {
                    r[0] as u64
                        | (r[n / 2] as u64) << (8 * (n / 2))
                        | (r[n - 1] as u64) << (8 * (n - 1))
                }
            };
            self.add(w ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The little-endian word at `b[i..i + 8]`.
#[inline(always)]
pub(crate) fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// The little-endian half-word at `b[i..i + 4]`.
#[inline(always)]
fn half_word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Whether two byte strings are equal. Keys (names, addresses, ids) are short, and
/// `a == b` is a library call per compare: one of at most 32 bytes is compared here
/// as a few overlapping words instead.
#[inline(always)]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half_word(a, 0) == half_word(b, 0) && half_word(a, n - 4) == half_word(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=32 => {
            (word(a, 0) ^ word(b, 0))
                | (word(a, 8) ^ word(b, 8))
                | (word(a, n - 16) ^ word(b, n - 16))
                | (word(a, n - 8) ^ word(b, n - 8))
                == 0
        }
        _ => a == b,
    }
}

/// The hash of a string for a table of its own (the interner's): its Fx hash as
/// `Hash for str` feeds it, [`spread`] like every hash such a table takes bits from.
#[inline]
pub(crate) fn str_hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    std::hash::Hash::hash(s, &mut h);
    spread(h.finish())
}

/// Fx leaves the low bits of a hash weak (they depend only on the low bits of the
/// input): tables that take an index from some of the bits mix the hash first. (The
/// finaliser of MurmurHash3.)
pub(crate) fn spread(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub(crate) type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

/// Asks the memory for the cache line holding `r`, without waiting for it: a hash
/// table much bigger than the caches misses on nearly every lookup, and a loop that
/// knows its next keys asks for their slots a few iterations ahead. Only a hint: it
/// changes no value, and does nothing off x86-64.
#[inline(always)]
pub(crate) fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86-64, and a prefetch reads nothing and never faults
        // (the address is a reference's, valid anyway).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(r as *const T as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// A set of integers in one flat table of 8 bytes a slot (open addressing, linear
/// probing, at most half full): a third of the memory of a general set of values, so a
/// million of them stay in the caches far longer, and a lookup compares integers.
#[derive(Default)]
pub(crate) struct IntSet {
    slots: Vec<i64>,
    len: usize,
    /// Whether `FREE_SLOT` itself is in the set (it marks free slots).
    has_free: bool,
}

const FREE_SLOT: i64 = i64::MIN;

impl IntSet {
    pub(crate) fn len(&self) -> usize {
        self.len + self.has_free as usize
    }

    /// Adds `x`; false when it was there.
    pub(crate) fn insert(&mut self, x: i64) -> bool {
        if x == FREE_SLOT {
            return !std::mem::replace(&mut self.has_free, true);
        }
        if self.len * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(x);
        loop {
            match self.slots[i] {
                FREE_SLOT => {
                    self.slots[i] = x;
                    self.len += 1;
                    return true;
                }
                y if y == x => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Asks the memory for the slot where the search for `x` starts (a run of inserts
    /// into a set past the caches then waits for the memory once, not once a value).
    #[inline]
    pub(crate) fn prefetch(&self, x: i64) {
        if !self.slots.is_empty() {
            prefetch(&self.slots[self.home(x)]);
        }
    }

    /// Fibonacci hashing: the high bits of the product place the integer.
    #[inline]
    fn home(&self, x: i64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        ((x as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![FREE_SLOT; size]);
        self.len = 0;
        for x in old.into_iter().filter(|&x| x != FREE_SLOT) {
            self.insert(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_set_counts_distinct_integers() {
        let mut set = IntSet::default();
        let mut seen = std::collections::HashSet::new();
        let xs = (0..20_000i64).map(|i| (i * 7919) % 5003 - 2500).chain([
            i64::MIN,
            i64::MAX,
            0,
            i64::MIN,
            -1,
        ]);
        for x in xs {
            assert_eq!(set.insert(x), seen.insert(x), "{x}");
        }
        assert_eq!(set.len(), seen.len());
    }

    #[test]
    fn bytes_eq_is_equality_at_every_length() {
        for n in 0..70usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(bytes_eq(&a, &a.clone()), "{n}");
            // One byte changed anywhere, or one byte more or less.
            for k in 0..n {
                let mut b = a.clone();
                b[k] ^= 1;
                assert!(!bytes_eq(&a, &b), "{n} at {k}");
            }
            assert!(!bytes_eq(&a, &[&a[..], b"x"].concat()), "{n}");
            if n > 0 {
                assert!(!bytes_eq(&a, &a[..n - 1]), "{n}");
            }
        }
    }

    #[test]
    fn the_hash_of_a_tail_is_its_zero_padded_word() {
        // The word a tail adds, the plain way: its bytes copied into a zeroed word.
        let reference = |bytes: &[u8]| {
            let mut h = FxHasher::default();
            let whole = bytes.len() / 8 * 8;
            for c in bytes[..whole].chunks_exact(8) {
                h.add(u64::from_le_bytes(c.try_into().unwrap()));
            }
            let rest = &bytes[whole..];
            if !rest.is_empty() {
                let mut w = [0u8; 8];
                w[..rest.len()].copy_from_slice(rest);
                h.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
            }
            h.finish()
        };
        for n in 0..40usize {
            let b: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let mut h = FxHasher::default();
            h.write(&b);
            assert_eq!(h.finish(), reference(&b), "{n}");
        }
    }
}
