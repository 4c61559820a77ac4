//! Byte scanning for the JSON line reader, sixteen bytes at a time.
//!
//! Why: a sign-in row is ~1.5–3 kB of short strings and keys, most of which a query
//! skips. Per string, a library search (`memchr2`) costs a call and its set-up, and the
//! separate passes that checked a chunk for UTF-8 and control characters read every byte
//! twice more. One pass over each string here finds its end and notes, at no extra cost,
//! whether it has escapes, control characters or non-ASCII bytes, so only the rare
//! strings that have them get the slower checks.

/// Sixteen bytes as byte masks (0xff where the byte is of the class) of the classes the
/// string scans tell apart: quotes, and backslashes or control characters; and the bytes
/// themselves, whose sign bit marks a byte that is not ASCII.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes16(
    b: &[u8; 16],
) -> (
    std::arch::x86_64::__m128i,
    std::arch::x86_64::__m128i,
    std::arch::x86_64::__m128i,
) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline, so these instructions exist on every
    // machine this code is built for; the load reads exactly the sixteen bytes `b` borrows.
    unsafe {
        let x = _mm_loadu_si128(b.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // x <= 0x1f, unsigned: max(x, 0x1f) == 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        (quote, _mm_or_si128(backslash, control), x)
    }
}

/// For sixteen bytes: a bit per byte that is a quote,
/// a backslash or a control character, and a bit per byte that is not ASCII.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn specials16(b: &[u8; 16]) -> (u32, u32) {
    use std::arch::x86_64::*;
    let (quote, escape, x) = lanes16(b);
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe {
        (
            _mm_movemask_epi8(_mm_or_si128(quote, escape)) as u32,
            _mm_movemask_epi8(x) as u32,
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn specials16(b: &[u8; 16]) -> (u32, u32) {
    b.iter().enumerate().fold((0, 0), |(s, h), (k, &c)| {
        let special = c == b'"' || c == b'\\' || c < 0x20;
        (s | (special as u32) << k, h | ((c >> 7) as u32) << k)
    })
}

/// For sixteen bytes: a bit per byte that is a quote, and a bit per byte that may not
/// stand in a plain string (a backslash, a control character, a byte that is not
/// ASCII). Apart, a string's end is where the first quote is, with no byte read again to
/// tell a quote from the other specials (see [`plain_string_end`]).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn quotes16(b: &[u8; 16]) -> (u32, u32) {
    use std::arch::x86_64::*;
    let (quote, escape, x) = lanes16(b);
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe {
        (
            _mm_movemask_epi8(quote) as u32,
            _mm_movemask_epi8(_mm_or_si128(escape, x)) as u32,
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn quotes16(b: &[u8; 16]) -> (u32, u32) {
    b.iter().enumerate().fold((0, 0), |(q, bad), (k, &c)| {
        let other = c == b'\\' || c < 0x20 || c >= 0x80;
        (q | ((c == b'"') as u32) << k, bad | (other as u32) << k)
    })
}

/// The bytes of JSON's structure in sixty-four bytes, a bit per byte: quotes,
/// backslashes, opening brackets (`{`, `[`) and closing ones (`}`, `]`). What bracket
/// matching (`cursor::ValueScan`) needs, and no more: [`Classes`] is the validator's
/// set, which tells six classes apart but not an opening bracket from a closing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Structure {
    pub quote: u64,
    pub backslash: u64,
    pub open: u64,
    pub close: u64,
}

impl Structure {
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn of(b: &[u8; 64]) -> Structure {
        use std::arch::x86_64::*;
        let mut s = Structure {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for k in 0..4 {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads sixteen of the
            // sixty-four bytes `b` borrows.
            let (q, bs, o, c) = unsafe {
                let x = _mm_loadu_si128(b.as_ptr().add(16 * k).cast());
                // `[` and `{` differ in the bit 0x20 only, as `]` and `}` do.
                let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
                (
                    _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8))),
                )
            };
            let at = 16 * k;
            s.quote |= (q as u16 as u64) << at;
            s.backslash |= (bs as u16 as u64) << at;
            s.open |= (o as u16 as u64) << at;
            s.close |= (c as u16 as u64) << at;
        }
        s
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(crate) fn of(b: &[u8; 64]) -> Structure {
        Structure::by_bytes(b)
    }

    /// [`Structure::of`] thirty-two bytes at a time: half the loads, compares and
    /// mask moves, which are most of what a block costs the bracket matching.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn of_avx2(b: &[u8; 64]) -> Structure {
        use std::arch::x86_64::*;
        let mut s = Structure {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for k in 0..2 {
            // SAFETY: the load reads thirty-two of the sixty-four bytes `b` borrows; this
            // function runs only where AVX2 is (its callers check).
            let x = unsafe { _mm256_loadu_si256(b.as_ptr().add(32 * k).cast()) };
            let eq = |c: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(c as i8)));
            // `[` and `{` differ in the bit 0x20 only, as `]` and `}` do.
            let folded = _mm256_or_si256(x, _mm256_set1_epi8(0x20));
            let fold_eq =
                |c: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(folded, _mm256_set1_epi8(c as i8)));
            let at = 32 * k;
            s.quote |= (eq(b'"') as u32 as u64) << at;
            s.backslash |= (eq(b'\\') as u32 as u64) << at;
            s.open |= (fold_eq(b'{') as u32 as u64) << at;
            s.close |= (fold_eq(b'}') as u32 as u64) << at;
        }
        s
    }

    /// [`Structure::of`] in one step: the sixty-four bytes in one register, each
    /// comparison's bits straight into a mask (no moves, shifts or ors of halves).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn of_avx512(b: &[u8; 64]) -> Structure {
        use std::arch::x86_64::*;
        // SAFETY: the load reads the sixty-four bytes `b` borrows; this function runs
        // only where AVX-512 BW is (its callers check).
        let x = unsafe { _mm512_loadu_si512(b.as_ptr().cast()) };
        // `[` and `{` differ in the bit 0x20 only, as `]` and `}` do.
        let folded = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
        Structure {
            quote: _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'"' as i8)),
            backslash: _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'\\' as i8)),
            open: _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(b'{' as i8)),
            close: _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(b'}' as i8)),
        }
    }

    /// The same, a byte at a time (the reference the tests compare with).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    pub(crate) fn by_bytes(b: &[u8; 64]) -> Structure {
        let mut s = Structure {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for (k, &c) in b.iter().enumerate() {
            let bit = 1u64 << k;
            match c {
                b'"' => s.quote |= bit,
                b'\\' => s.backslash |= bit,
                b'{' | b'[' => s.open |= bit,
                b'}' | b']' => s.close |= bit,
                _ => {}
            }
        }
        s
    }
}

/// The bytes of sixty-four that a JSON validator tells apart, a bit per byte: quotes,
/// backslashes, the structural bytes (`{`, `}`, `[`, `]`, `:`, `,`), blanks (space,
/// tab, line ends), control characters (below 0x20, blanks among them) and bytes that
/// are not ASCII.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Classes {
    pub quote: u64,
    pub backslash: u64,
    pub structural: u64,
    pub blank: u64,
    pub control: u64,
    pub high: u64,
}

impl Classes {
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn of(b: &[u8; 64]) -> Classes {
        use std::arch::x86_64::*;
        let mut s = Classes::default();
        for k in 0..4 {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads sixteen of the
            // sixty-four bytes `b` borrows.
            let (q, bs, st, bl, ct, hi) = unsafe {
                let x = _mm_loadu_si128(b.as_ptr().add(16 * k).cast());
                let eq = |c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
                // `[` and `{` differ in the bit 0x20 only, as `]` and `}` do.
                let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
                let brackets = _mm_or_si128(
                    _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8)),
                    _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8)),
                );
                let structural = _mm_or_si128(brackets, _mm_or_si128(eq(b':'), eq(b',')));
                let blank = _mm_or_si128(
                    _mm_or_si128(eq(b' '), eq(b'\t')),
                    _mm_or_si128(eq(b'\n'), eq(b'\r')),
                );
                // x <= 0x1f, unsigned: max(x, 0x1f) == 0x1f.
                let control =
                    _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
                (
                    _mm_movemask_epi8(eq(b'"')),
                    _mm_movemask_epi8(eq(b'\\')),
                    _mm_movemask_epi8(structural),
                    _mm_movemask_epi8(blank),
                    _mm_movemask_epi8(control),
                    _mm_movemask_epi8(x),
                )
            };
            let at = 16 * k;
            s.quote |= (q as u16 as u64) << at;
            s.backslash |= (bs as u16 as u64) << at;
            s.structural |= (st as u16 as u64) << at;
            s.blank |= (bl as u16 as u64) << at;
            s.control |= (ct as u16 as u64) << at;
            s.high |= (hi as u16 as u64) << at;
        }
        s
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(crate) fn of(b: &[u8; 64]) -> Classes {
        Classes::by_bytes(b)
    }

    /// The same, a byte at a time (the reference the tests compare with).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    pub(crate) fn by_bytes(b: &[u8; 64]) -> Classes {
        let mut s = Classes::default();
        for (k, &c) in b.iter().enumerate() {
            let bit = 1u64 << k;
            match c {
                b'"' => s.quote |= bit,
                b'\\' => s.backslash |= bit,
                b'{' | b'}' | b'[' | b']' | b':' | b',' => s.structural |= bit,
                b' ' | b'\t' | b'\n' | b'\r' => s.blank |= bit,
                _ => {}
            }
            if c < 0x20 {
                s.control |= bit;
            }
            if c >= 0x80 {
                s.high |= bit;
            }
        }
        s
    }
}

/// A bit per byte of sixty-four that is one of `set` (the bytes that end or quote a
/// field of delimited text: its delimiter, the quote, `\r`, `\n`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn any_of4(b: &[u8; 64], set: [u8; 4]) -> u64 {
    use std::arch::x86_64::*;
    let mut mask = 0u64;
    for k in 0..4 {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads sixteen of the
        // sixty-four bytes `b` borrows.
        let m = unsafe {
            let x = _mm_loadu_si128(b.as_ptr().add(16 * k).cast());
            let eq = |c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
            let any = _mm_or_si128(
                _mm_or_si128(eq(set[0]), eq(set[1])),
                _mm_or_si128(eq(set[2]), eq(set[3])),
            );
            _mm_movemask_epi8(any)
        };
        mask |= (m as u16 as u64) << (16 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn any_of4(b: &[u8; 64], set: [u8; 4]) -> u64 {
    any_of4_by_bytes(b, set)
}

/// The same, a byte at a time (the reference the tests compare with).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn any_of4_by_bytes(b: &[u8; 64], set: [u8; 4]) -> u64 {
    b.iter()
        .enumerate()
        .filter(|(_, c)| set.contains(c))
        .fold(0, |m, (k, _)| m | 1 << k)
}

/// Each bit the xor of the bits up to it: with a bit per quote, the bytes from an
/// opening quote up to (not including) its closing one.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// [`prefix_xor`] as one carry-less multiplication by all ones.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
#[inline]
pub(crate) fn prefix_xor_clmul(x: u64) -> u64 {
    use std::arch::x86_64::*;
    let p = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
    _mm_cvtsi128_si64(p) as u64
}

/// How far ahead of a string [`string_end`] asks for the bytes (see [`prefetch`]).
const PREFETCH_AHEAD: usize = 512;

/// Asks for the cache line of `b[at]` ahead of the scan. Why: a scan reads a mapped
/// file's bytes for the first time, and each new cache line is a wait on memory that
/// the hardware prefetcher, which stops at page bounds, does not fully hide. Asked
/// 512 bytes ahead (about a third of a sign-in row) from every string scanned, the
/// seed's scan takes 17% less CPU (0.58 -> 0.48 s user, one thread, at M); 256 and
/// 1024 bytes were measured slower.
#[inline(always)]
pub(crate) fn prefetch(b: &[u8], at: usize) {
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (b, at);
    #[cfg(target_arch = "x86_64")]
    if at < b.len() {
        use std::arch::x86_64::*;
        // SAFETY: a prefetch is a hint; `at` is inside `b`.
        unsafe { _mm_prefetch(b.as_ptr().add(at).cast(), _MM_HINT_T0) };
    }
}

/// What [`string_end`] found in a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrScan {
    /// Index of the closing quote.
    pub end: usize,
    /// It has backslash escapes (still to be checked and decoded).
    pub escaped: bool,
    /// Every byte is ASCII (else its UTF-8 is still to be checked).
    pub ascii: bool,
    /// It has an escape other than the two-byte ones (`\\"`, `\\\\`, `\\/`, `\\b`, `\\f`,
    /// `\\n`, `\\r`, `\\t`, each valid as it is): a `\\u` escape or an invalid one, for
    /// [`escapes_valid`] to judge. (JSON text held in a string has an escaped quote every
    /// few bytes: told apart here, in the scan that finds them, such a string is checked
    /// without a second walk over it.)
    pub odd_escapes: bool,
}

/// Scans the string whose body starts at `i` (just past the opening quote). `None` when
/// it has no closing quote or holds a raw control character (invalid in JSON).
#[inline]
pub(crate) fn string_end(b: &[u8], mut i: usize) -> Option<StrScan> {
    prefetch(b, i + PREFETCH_AHEAD);
    let mut escaped = false;
    let mut odd_escapes = false;
    let mut high = 0u32;
    loop {
        // Sixteen bytes at a time. An escape is stepped over inside its block (its two
        // bits cleared), so a string of many escapes (JSON text held in a string) costs
        // a block load per sixteen bytes, not one per escape.
        'blocks: while let Some(chunk) = b.get(i..i + 16) {
            let chunk: &[u8; 16] = chunk.try_into().ok()?;
            let (mut special, mut h) = specials16(chunk);
            while special != 0 {
                let k = special.trailing_zeros() as usize;
                high |= h & ((1u32 << k) - 1);
                match chunk[k] {
                    b'"' => {
                        return Some(StrScan {
                            end: i + k,
                            escaped,
                            ascii: high == 0,
                            odd_escapes,
                        })
                    }
                    b'\\' => {
                        // A string with escapes: JSON text held in a string has one every
                        // few bytes. While 64 bytes are left, their escapes are found by
                        // bit arithmetic, without a step per escape.
                        if !escaped && i + k + 64 <= b.len() {
                            return escaped_end(b, i + k, high != 0);
                        }
                        escaped = true;
                        // The escaped byte is only classed here: decoding the escapes
                        // reads it.
                        if k == 15 {
                            odd_escapes |= 0 == DECODED[*b.get(i + 16)? as usize];
                            i += 17;
                            continue 'blocks;
                        }
                        odd_escapes |= 0 == DECODED[chunk[k + 1] as usize];
                        let seen = (2u32 << (k + 1)) - 1;
                        special &= !seen;
                        h &= !seen;
                    }
                    _ => return None,
                }
            }
            high |= h;
            i += 16;
        }
        // The last bytes, fewer than sixteen.
        let k = b
            .get(i..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        high |= b[i..i + k].iter().fold(0, |h, &c| h | c) as u32 & 0x80;
        let j = i + k;
        match b[j] {
            b'"' => {
                return Some(StrScan {
                    end: j,
                    escaped,
                    ascii: high == 0,
                    odd_escapes,
                })
            }
            b'\\' => {
                escaped = true;
                odd_escapes |= 0 == DECODED[*b.get(j + 1)? as usize];
                i = j + 2;
            }
            _ => return None,
        }
    }
}

/// [`string_end`] from the first backslash of a string's body, at `b[i]`, with 64 bytes
/// or more left (`high`: a byte before it is not ASCII): sixty-four bytes a step.
#[inline(never)]
fn escaped_end(b: &[u8], mut i: usize, mut high: bool) -> Option<StrScan> {
    let mut odd_escapes = false;
    let mut carry = 0;
    while let Some(block) = b.get(i..i + 64) {
        let block: &[u8; 64] = block.try_into().ok()?;
        // (The validator's classes: a string's are among them.)
        let m = Classes::of(block);
        let escaped = escaped_bytes(m.backslash, &mut carry);
        let quotes = m.quote & !escaped;
        // The bytes before the closing quote (all of them when it is not here).
        let before = match quotes {
            0 => !0,
            q => (q & q.wrapping_neg()) - 1,
        };
        // (An escaped byte is the escape's to judge, as the byte-by-byte scan leaves it.)
        if m.control & !escaped & before != 0 {
            return None;
        }
        high |= m.high & !escaped & before != 0;
        // (Escaped quotes and backslashes, the commonest escapes, are two-byte ones:
        // only the other escaped bytes are looked at.)
        let mut e = escaped & before & !(m.quote | m.backslash);
        while e != 0 {
            odd_escapes |= 0 == DECODED[block[e.trailing_zeros() as usize] as usize];
            e &= e - 1;
        }
        if quotes != 0 {
            return Some(StrScan {
                end: i + quotes.trailing_zeros() as usize,
                escaped: true,
                ascii: !high,
                odd_escapes,
            });
        }
        i += 64;
    }
    // Fewer than 64 bytes left: the rest is stepped through (its first byte escaped
    // when the last block ended in an escaping backslash).
    if carry != 0 {
        odd_escapes |= 0 == DECODED[*b.get(i)? as usize];
        i += 1;
    }
    let rest = string_end(b, i)?;
    Some(StrScan {
        end: rest.end,
        escaped: true,
        ascii: !high && rest.ascii,
        odd_escapes: odd_escapes || rest.odd_escapes,
    })
}

/// The bytes after an escaping backslash among sixty-four (a run of backslashes escapes
/// every second one), given a bit per backslash; `carry` (0 or 1) says whether the first
/// byte is escaped by the block before and is set for the next block. The carry-less
/// arithmetic of simdjson's escape scanner: a subtraction turns each run's odd or even
/// start into the bits of the bytes it escapes.
#[inline(always)]
fn escaped_bytes(backslash: u64, carry: &mut u64) -> u64 {
    const ODD_BITS: u64 = 0xAAAA_AAAA_AAAA_AAAA;
    if backslash == 0 {
        return std::mem::take(carry);
    }
    let potential = backslash & !*carry;
    let codes = (((potential << 1) | ODD_BITS).wrapping_sub(potential)) ^ ODD_BITS;
    let escaped = codes ^ (backslash | *carry);
    *carry = (codes & backslash) >> 63;
    escaped
}

/// The closing quote of the string whose body starts at `i` when the string is plain:
/// ASCII, without escapes or control characters, and sixteen bytes or more from the end
/// of `b`. `None` otherwise, for [`string_end`] to read it. (The reader's commonest
/// case, an unread string field, inlined where it is skipped: no call, no escape
/// bookkeeping.)
#[inline(always)]
pub(crate) fn plain_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    prefetch(b, i + PREFETCH_AHEAD);
    while let Some(chunk) = b.get(i..i + 16) {
        let (quote, bad) = quotes16(chunk.try_into().ok()?);
        if quote != 0 {
            // The bytes before the first quote.
            let before = quote.wrapping_sub(1) & !quote;
            return (bad & before == 0).then_some(i + quote.trailing_zeros() as usize);
        }
        if bad != 0 {
            return None;
        }
        i += 16;
    }
    None
}

/// [`plain_string_end`] with the string's body as text: ASCII, so UTF-8 without a check.
#[inline(always)]
pub(crate) fn plain_str(b: &[u8], i: usize) -> Option<(&str, usize)> {
    let end = plain_string_end(b, i)?;
    let body = &b[i..end];
    debug_assert!(body.is_ascii());
    // SAFETY: plain_string_end answers only for bodies of ASCII bytes (no byte above
    // 0x7f before the quote): ASCII is UTF-8.
    Some((unsafe { std::str::from_utf8_unchecked(body) }, end))
}

/// A short byte string (a quoted key and its colon) to look for at a given place:
/// compared as four masked words, without a call or a loop (keys are short and compared
/// once per field, so a library comparison costs more than the comparison itself).
#[derive(Debug)]
pub(crate) struct Pattern {
    bytes: Vec<u8>,
    words: [u64; 4],
    masks: [u64; 4],
}

impl Pattern {
    pub(crate) fn new(bytes: Vec<u8>) -> Pattern {
        let mut words = [0u64; 4];
        let mut masks = [0u64; 4];
        for (k, &c) in bytes.iter().take(32).enumerate() {
            words[k / 8] |= (c as u64) << (8 * (k % 8));
            masks[k / 8] |= 0xff << (8 * (k % 8));
        }
        Pattern {
            bytes,
            words,
            masks,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether `hay[i..]` starts with the pattern.
    #[inline(always)]
    pub(crate) fn at(&self, hay: &[u8], i: usize) -> bool {
        if self.bytes.len() <= 32 {
            if let Some(Ok(w)) = hay.get(i..i + 32).map(<&[u8; 32]>::try_from) {
                let diff = |k: usize| (word32(w, k) ^ self.words[k]) & self.masks[k];
                return diff(0) | diff(1) | diff(2) | diff(3) == 0;
            }
        }
        hay.get(i..i + self.bytes.len()) == Some(&self.bytes[..])
    }
}

#[inline(always)]
fn word32(w: &[u8; 32], k: usize) -> u64 {
    crate::hash::word(w, 8 * k)
}

/// Whether the escapes in a string's body (the text between its quotes) are valid and
/// make text: as serde_json decides when it reads the string (a `\\u` escape of a
/// high surrogate must be followed by one of a low surrogate, and a low one must not
/// stand alone). Checked here so that skipping a string costs no serde_json call.
pub(crate) fn escapes_valid(body: &[u8]) -> bool {
    walk_escapes(body)
}

/// The text of a string's body with its escapes decoded, as serde_json reads it into a
/// `String`: `None` when an escape is invalid (see [`escapes_valid`]) or the bytes are
/// not UTF-8. JSON text held in a string (`"{\"app\":\"Edge\"}"`) has an escape every
/// few bytes, so this is on the hot path of such columns: sixteen bytes are copied at a
/// time, whatever the length of the run before the next escape (a copy of a run's own
/// length is a library call per run), and overwritten from the escape on.
pub(crate) fn unescape(body: &[u8]) -> Option<String> {
    let mut out = Vec::new();
    unescape_into(body, &mut out)?;
    String::from_utf8(out).ok()
}

/// [`unescape`] into `out` (its old bytes replaced, its allocation reused), without
/// the UTF-8 check: the bytes are the body's with each escape decoded as UTF-8, so
/// they are UTF-8 when the body is (an ASCII body needs no check).
pub(crate) fn unescape_into(body: &[u8], out: &mut Vec<u8>) -> Option<()> {
    // The text is never longer than the body (an escape is at least as long as what it
    // stands for): with sixteen bytes of room past it, every block copy fits.
    out.clear();
    out.resize(body.len() + 16, 0);
    let (mut i, mut w) = (0, 0);
    while let Some(chunk) = body.get(i..i + 16) {
        let chunk: &[u8; 16] = chunk.try_into().ok()?;
        out[w..w + 16].copy_from_slice(chunk);
        let m = backslashes16(chunk);
        if m == 0 {
            i += 16;
            w += 16;
            continue;
        }
        let k = m.trailing_zeros() as usize;
        // A two-byte escape (the commonest, `\\"` above all) is decoded here.
        match body.get(i + k + 1).map(|&e| DECODED[e as usize]) {
            Some(d) if d != 0 => {
                out[w + k] = d;
                w += k + 1;
                i += k + 2;
            }
            _ => {
                let (c, n) = escape_at(body, i + k)?;
                w += k + c.encode_utf8(&mut out[w + k..w + k + 4]).len();
                i += k + n;
            }
        }
    }
    // The last bytes, fewer than sixteen.
    while let Some(&b) = body.get(i) {
        if b == b'\\' {
            let (c, n) = escape_at(body, i)?;
            w += c.encode_utf8(&mut out[w..w + 4]).len();
            i += n;
        } else {
            out[w] = b;
            w += 1;
            i += 1;
        }
    }
    out.truncate(w);
    Some(())
}

/// Where the first backslash of `b` is. Why not `memchr`: in JSON text held in a
/// string the runs between escapes are a few bytes long, and a library call per run
/// cost more than the search.
#[inline(always)]
fn next_backslash(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 16) {
        let chunk: &[u8; 16] = chunk.try_into().ok()?;
        let m = backslashes16(chunk);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    b[i..].iter().position(|&c| c == b'\\').map(|k| i + k)
}

/// For sixteen bytes: a bit per backslash.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn backslashes16(b: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads exactly the sixteen
    // bytes `b` borrows.
    unsafe {
        let x = _mm_loadu_si128(b.as_ptr().cast());
        _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8))) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn backslashes16(b: &[u8; 16]) -> u32 {
    b.iter()
        .enumerate()
        .fold(0, |m, (k, &c)| m | ((c == b'\\') as u32) << k)
}

/// What each two-byte escape stands for, by the byte after its backslash (0: that byte
/// makes no two-byte escape). The one table of them: [`escape_at`] decodes by it,
/// [`unescape`] inline, and [`string_end`] classes escapes by it (`odd_escapes`).
const DECODED: [u8; 256] = {
    let mut t = [0u8; 256];
    let pairs = [
        (b'"', b'"'),
        (b'\\', b'\\'),
        (b'/', b'/'),
        (b'b', 8),
        (b'f', 12),
        (b'n', b'\n'),
        (b'r', b'\r'),
        (b't', b'\t'),
    ];
    let mut k = 0;
    while k < pairs.len() {
        t[pairs[k].0 as usize] = pairs[k].1;
        k += 1;
    }
    t
};

/// The char of the escape whose backslash is `body[i]`, and its length in bytes; `None`
/// when it is invalid as serde_json reads it (a `\\u` escape of a high surrogate must be
/// followed by one of a low surrogate, and a low one must not stand alone).
#[inline]
fn escape_at(body: &[u8], i: usize) -> Option<(char, usize)> {
    let hex4 = |at: usize| -> Option<u32> {
        body.get(at..at + 4)?
            .iter()
            .try_fold(0u32, |n, &c| Some(n * 16 + (c as char).to_digit(16)?))
    };
    match *body.get(i + 1)? {
        b'u' => {
            let c = hex4(i + 2)?;
            if (0xD800..0xDC00).contains(&c) {
                let low = match body.get(i + 6..i + 8) {
                    Some(b"\\u") => hex4(i + 8),
                    _ => None,
                };
                let d = low.filter(|d| (0xDC00..0xE000).contains(d))?;
                let c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                return Some((char::from_u32(c)?, 12));
            }
            // A lone low surrogate is no char.
            Some((char::from_u32(c)?, 6))
        }
        e => match DECODED[e as usize] {
            0 => None,
            d => Some((d as char, 2)),
        },
    }
}

/// Whether a string body's escapes are all valid (see [`escape_at`]).
fn walk_escapes(body: &[u8]) -> bool {
    let mut i = 0;
    while let Some(k) = next_backslash(&body[i..]) {
        match escape_at(body, i + k) {
            Some((_, n)) => i += k + n,
            None => return false,
        }
    }
    true
}

/// One xorshift step: the random inputs of the tests here and in `scan`.
#[cfg(test)]
pub(crate) fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain byte-by-byte reading [`string_end`] must agree with.
    fn reference(b: &[u8], mut i: usize) -> Option<StrScan> {
        let mut escaped = false;
        let mut ascii = true;
        let mut odd_escapes = false;
        loop {
            match *b.get(i)? {
                b'"' => {
                    return Some(StrScan {
                        end: i,
                        escaped,
                        ascii,
                        odd_escapes,
                    })
                }
                b'\\' => {
                    escaped = true;
                    odd_escapes |= !matches!(
                        b.get(i + 1),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
                    );
                    i += 2;
                    if i > b.len() {
                        return None;
                    }
                    continue;
                }
                c if c < 0x20 => return None,
                c => ascii &= c < 0x80,
            }
            i += 1;
        }
    }

    #[test]
    fn string_end_agrees_with_the_byte_by_byte_reading() {
        // Random strings over a small alphabet of the interesting bytes, at every offset
        // inside a block, up to 72 bytes (several blocks and a tail).
        // (`n` and `u` after a backslash make a two-byte escape and an odd one.)
        let alphabet = [
            b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff, b'\n', b'n', b'u',
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || xorshift(&mut x);
        for round in 0..100_000 {
            // Up to 72 bytes (several blocks and a tail), or up to 300 in every fourth
            // round (blocks of 64 from the first escape), then up to 80 bytes more.
            let len = (next() % if round % 4 == 0 { 301 } else { 73 }) as usize;
            let pad = (next() % 16) as usize;
            // Mostly plain bytes, so that the ends often lie past the first block; in
            // every second round, many escapes (JSON text held in a string).
            let dense = round % 2 == 0;
            let tail = (next() % 81) as usize;
            let mut s = vec![b'x'; pad];
            let mut fill = |s: &mut Vec<u8>, n: usize| {
                s.extend((0..n).map(|_| match next() % if dense { 16 } else { 40 } {
                    r @ 0..=11 => alphabet[r as usize],
                    12 | 13 if dense => b'\\',
                    _ => b'a',
                }))
            };
            fill(&mut s, len);
            fill(&mut s, tail);
            let scan = string_end(&s, pad);
            assert_eq!(scan, reference(&s, pad), "{s:?} from {pad}");
            // What it leaves unjudged is valid: only odd escapes need escapes_valid.
            if let Some(scan) = scan.filter(|scan| !scan.odd_escapes) {
                assert!(escapes_valid(&s[pad..scan.end]), "{s:?} from {pad}");
            }
        }
        assert_eq!(
            string_end(b"abcdefghijklmnop\"", 0),
            Some(StrScan {
                end: 16,
                escaped: false,
                ascii: true,
                odd_escapes: false,
            })
        );
        assert_eq!(string_end(b"abc\\", 0), None);
    }

    #[test]
    fn escaped_bytes_agree_with_a_walk_over_the_backslashes() {
        // Blocks of random backslashes (dense, and in runs), chained through the carry,
        // against a walk that escapes the byte after each escaping backslash.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || xorshift(&mut x);
        for _ in 0..20_000 {
            let blocks: Vec<u64> = (0..4).map(|_| next() | next() & next()).collect();
            let mut carry = 0;
            let mut escaping = false;
            for &bs in &blocks {
                let mut want = 0u64;
                for k in 0..64 {
                    if escaping {
                        want |= 1 << k;
                        escaping = false;
                    } else if bs >> k & 1 == 1 {
                        escaping = true;
                    }
                }
                assert_eq!(escaped_bytes(bs, &mut carry), want, "{blocks:x?}");
                assert_eq!(carry, escaping as u64, "{blocks:x?}");
            }
        }
    }

    #[test]
    fn plain_string_end_agrees_with_string_end_where_it_answers() {
        // Where it answers, the end string_end finds for a plain string; where the
        // string has an escape, a control character or a non-ASCII byte, or ends within
        // sixteen bytes of the end, no answer.
        let alphabet = [b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, b'\n'];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || xorshift(&mut x);
        let mut answered = 0;
        for _ in 0..100_000 {
            let len = (next() % 80) as usize;
            let pad = (next() % 16) as usize;
            let mut s = vec![b'x'; pad];
            s.extend((0..len).map(|_| match next() % 60 {
                r @ 0..=8 => alphabet[r as usize],
                _ => b'a',
            }));
            let got = plain_string_end(&s, pad);
            let want = string_end(&s, pad);
            match (got, want) {
                (Some(e), Some(w)) => {
                    assert!(!w.escaped && w.ascii && e == w.end, "{s:?} from {pad}");
                    answered += 1;
                }
                (Some(_), None) => panic!("{s:?} from {pad}: an end where there is none"),
                (None, Some(w)) => assert!(
                    w.escaped || !w.ascii || w.end + 16 > s.len(),
                    "{s:?} from {pad}: no answer for a plain string"
                ),
                (None, None) => {}
            }
        }
        assert!(answered > 1000, "{answered}");
    }

    #[test]
    fn pattern_agrees_with_starts_with() {
        let hay =
            b"\"TimeGenerated\":\"2026\",\"ResultType\":0,\"AuthenticationRequirementPolicies\":1";
        for i in 0..=hay.len() {
            for n in 0..=hay.len() - i {
                let mut needles = vec![hay[i..i + n].to_vec(), b"\"TimeGenerated\":".to_vec()];
                if n > 0 {
                    let mut near = hay[i..i + n].to_vec();
                    near[n - 1] ^= 1;
                    needles.push(near);
                }
                for needle in needles {
                    let p = Pattern::new(needle.clone());
                    assert_eq!(
                        p.at(hay, i),
                        hay[i..].starts_with(&needle),
                        "{i} {needle:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn structure_agrees_with_the_byte_by_byte_reading() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let alphabet = b"\"\\{}[]a :,\x7b\x5b\xfb\xdb\xfd\xdd\x3b\x1b";
        for _ in 0..20_000 {
            let mut b = [0u8; 64];
            for c in b.iter_mut() {
                *c = alphabet[(xorshift(&mut x) % alphabet.len() as u64) as usize];
            }
            assert_eq!(Structure::of(&b), Structure::by_bytes(&b), "{b:?}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                assert_eq!(unsafe { Structure::of_avx2(&b) }, Structure::by_bytes(&b));
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has AVX-512 BW (and so F).
                assert_eq!(unsafe { Structure::of_avx512(&b) }, Structure::by_bytes(&b));
            }
        }
        // Quotes at 1, 4 and 7: inside from 1 up to 4, and from 7 on.
        assert_eq!(prefix_xor(0b1001_0010), (!0u64 << 7) | 0b1110);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("pclmulqdq") {
            for _ in 0..10_000 {
                let q = xorshift(&mut x);
                // SAFETY: the CPU has PCLMULQDQ.
                assert_eq!(unsafe { prefix_xor_clmul(q) }, prefix_xor(q), "{q:x}");
            }
        }
    }

    #[test]
    fn classes_agree_with_the_byte_by_byte_reading() {
        let mut x: u64 = 0x0bad_cafe_1234_5678;
        let alphabet =
            b"\"\\{}[]a :,\t\n\r\x0c\x1f\x7b\x5b\xfb\xdb\xfd\xdd\x3b\x1b\x7f\x80\xff\x3a\x2c\x1a";
        for _ in 0..20_000 {
            let mut b = [0u8; 64];
            for c in b.iter_mut() {
                *c = alphabet[(xorshift(&mut x) % alphabet.len() as u64) as usize];
            }
            assert_eq!(Classes::of(&b), Classes::by_bytes(&b), "{b:?}");
        }
    }

    #[test]
    fn any_of4_agrees_with_the_byte_by_byte_reading() {
        let mut x: u64 = 0x0005_eed0_fc5f_0000;
        let alphabet = b",\t\"\r\na|;\x0c\x2c\xac\x22\xa2\x0a\x8a\x09\x89\x00\xff";
        for set in [*b",\"\r\n", *b"\t\"\r\n", *b"|\"\r\n"] {
            for _ in 0..5_000 {
                let mut b = [0u8; 64];
                for c in b.iter_mut() {
                    *c = alphabet[(xorshift(&mut x) % alphabet.len() as u64) as usize];
                }
                assert_eq!(any_of4(&b, set), any_of4_by_bytes(&b, set), "{b:?}");
            }
        }
    }

    #[test]
    fn escapes_valid_and_unescape_agree_with_serde_json() {
        let parts = [
            "a",
            "\\n",
            "\\\"",
            "\\/",
            "\\q",
            "\\u0041",
            "\\u00e9",
            "\\uD83D",
            "\\uDE00",
            "\\ud83d",
            "\\uDBFF",
            "\\uDC00",
            "\\u12",
            "\\uZZZZ",
            "\\",
            "\\u",
            "é",
            "\\t",
            "bcdefg",
            "hijklmnopqr",
            "\\\\",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..50_000 {
            // Up to 4 parts, or up to 24 in every second round (bodies of several
            // sixteen-byte blocks, escapes across their bounds).
            let n = (xorshift(&mut x) % if round % 2 == 0 { 5 } else { 25 }) as usize;
            let body: String = (0..n)
                .map(|_| parts[(xorshift(&mut x) % parts.len() as u64) as usize])
                .collect();
            let quoted = format!("\"{body}\"");
            // Only bodies whose end the scanner finds where serde_json does.
            if string_end(quoted.as_bytes(), 1).map(|s| s.end) != Some(quoted.len() - 1) {
                continue;
            }
            let serde = serde_json::from_str::<String>(&quoted).ok();
            assert_eq!(escapes_valid(body.as_bytes()), serde.is_some(), "{quoted}");
            assert_eq!(unescape(body.as_bytes()), serde, "{quoted}");
        }
    }
}
