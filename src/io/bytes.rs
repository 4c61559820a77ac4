//! Byte scanning for the JSON line reader, sixteen bytes at a time.
//!
//! Why: a sign-in row is ~1.5–3 kB of short strings and keys, most of which a query
//! skips. Per string, a library search (`memchr2`) costs a call and its set-up, and the
//! separate passes that checked a chunk for UTF-8 and control characters read every byte
//! twice more. One pass over each string here finds its end and notes, at no extra cost,
//! whether it has escapes, control characters or non-ASCII bytes, so only the rare
//! strings that have them get the slower checks.

/// For sixteen bytes: a bit per byte that is a quote,
/// a backslash or a control character, and a bit per byte that is not ASCII.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn specials16(b: &[u8; 16]) -> (u32, u32) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline, so these instructions exist on every
    // machine this code is built for; the load reads exactly the sixteen bytes `b` borrows.
    unsafe {
        let x = _mm_loadu_si128(b.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // x <= 0x1f, unsigned: max(x, 0x1f) == 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        let special = _mm_or_si128(_mm_or_si128(quote, backslash), control);
        (
            _mm_movemask_epi8(special) as u32,
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

/// The bytes of JSON's structure in sixty-four bytes, a bit per byte: quotes,
/// backslashes, opening brackets (`{`, `[`) and closing ones (`}`, `]`).
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

/// What [`string_end`] found in a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrScan {
    /// Index of the closing quote.
    pub end: usize,
    /// It has backslash escapes (still to be checked and decoded).
    pub escaped: bool,
    /// Every byte is ASCII (else its UTF-8 is still to be checked).
    pub ascii: bool,
}

/// Scans the string whose body starts at `i` (just past the opening quote). `None` when
/// it has no closing quote or holds a raw control character (invalid in JSON).
#[inline]
pub(crate) fn string_end(b: &[u8], mut i: usize) -> Option<StrScan> {
    let mut escaped = false;
    let mut high = 0u32;
    loop {
        // The next quote, backslash or control character.
        let mut found = None;
        while let Some(chunk) = b.get(i..i + 16) {
            let chunk: &[u8; 16] = chunk.try_into().ok()?;
            let (special, h) = specials16(chunk);
            if special != 0 {
                let k = special.trailing_zeros() as usize;
                high |= h & ((1u32 << k) - 1);
                found = Some(i + k);
                break;
            }
            high |= h;
            i += 16;
        }
        let j = match found {
            Some(j) => j,
            None => {
                let k = b[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
                high |= b[i..i + k].iter().fold(0, |h, &c| h | c) as u32 & 0x80;
                i + k
            }
        };
        match b[j] {
            b'"' => {
                return Some(StrScan {
                    end: j,
                    escaped,
                    ascii: high == 0,
                })
            }
            b'\\' => {
                escaped = true;
                // The escaped byte is skipped unseen: decoding the escapes checks it.
                i = j + 2;
                if i > b.len() {
                    return None;
                }
            }
            _ => return None,
        }
    }
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
    #[inline]
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
    let mut a = [0u8; 8];
    a.copy_from_slice(&w[8 * k..8 * k + 8]);
    u64::from_le_bytes(a)
}

/// Whether the escapes in a string's body (the text between its quotes) are valid and
/// make text: as serde_json decides when it reads the string (a `\\u` escape of a
/// high surrogate must be followed by one of a low surrogate, and a low one must not
/// stand alone). Checked here so that skipping a string costs no serde_json call.
pub(crate) fn escapes_valid(body: &[u8]) -> bool {
    let hex4 = |at: usize| -> Option<u32> {
        body.get(at..at + 4)?
            .iter()
            .try_fold(0u32, |n, &c| Some(n * 16 + (c as char).to_digit(16)?))
    };
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &body[i..]) {
        i += k + 1;
        match body.get(i) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
            Some(b'u') => {
                let Some(c) = hex4(i + 1) else {
                    return false;
                };
                i += 5;
                if (0xD800..0xDC00).contains(&c) {
                    let low = match body.get(i..i + 2) {
                        Some(b"\\u") => hex4(i + 2),
                        _ => None,
                    };
                    if !low.is_some_and(|d| (0xDC00..0xE000).contains(&d)) {
                        return false;
                    }
                    i += 6;
                } else if (0xDC00..0xE000).contains(&c) {
                    return false;
                }
            }
            _ => return false,
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
        loop {
            match *b.get(i)? {
                b'"' => {
                    return Some(StrScan {
                        end: i,
                        escaped,
                        ascii,
                    })
                }
                b'\\' => {
                    escaped = true;
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
        // inside a block, up to 40 bytes (two blocks and a tail).
        let alphabet = [b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff, b'\n'];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || xorshift(&mut x);
        for _ in 0..100_000 {
            let len = (next() % 41) as usize;
            let pad = (next() % 16) as usize;
            // Mostly plain bytes, so that the ends often lie past the first block.
            let mut s = vec![b'x'; pad];
            s.extend((0..len).map(|_| match next() % 40 {
                r @ 0..=9 => alphabet[r as usize],
                _ => b'a',
            }));
            assert_eq!(string_end(&s, pad), reference(&s, pad), "{s:?} from {pad}");
        }
        assert_eq!(
            string_end(b"abcdefghijklmnop\"", 0),
            Some(StrScan {
                end: 16,
                escaped: false,
                ascii: true
            })
        );
        assert_eq!(string_end(b"abc\\", 0), None);
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
        }
        // Quotes at 1, 4 and 7: inside from 1 up to 4, and from 7 on.
        assert_eq!(prefix_xor(0b1001_0010), (!0u64 << 7) | 0b1110);
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
    fn escapes_valid_agrees_with_serde_json() {
        let parts = [
            "a", "\\n", "\\\"", "\\/", "\\q", "\\u0041", "\\u00e9", "\\uD83D", "\\uDE00",
            "\\ud83d", "\\uDBFF", "\\uDC00", "\\u12", "\\uZZZZ", "\\", "\\u", "é", "\\t",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..50_000 {
            xorshift(&mut x);
            let n = (x % 5) as usize;
            let body: String = (0..n)
                .map(|k| parts[((x >> (8 + 8 * k)) % parts.len() as u64) as usize])
                .collect();
            let quoted = format!("\"{body}\"");
            // Only bodies whose end the scanner finds where serde_json does.
            if string_end(quoted.as_bytes(), 1).map(|s| s.end) != Some(quoted.len() - 1) {
                continue;
            }
            assert_eq!(
                escapes_valid(body.as_bytes()),
                serde_json::from_str::<String>(&quoted).is_ok(),
                "{quoted}"
            );
        }
    }
}
