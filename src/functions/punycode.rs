//! Punycode (RFC 3492) for `punycode_from_string`, `punycode_to_string` and their
//! domain forms. Basic (ASCII) code points are copied as they are, case kept.

const BASE: u32 = 36;
const TMIN: u32 = 1;
const TMAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, numpoints: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / numpoints;
    let mut k = 0;
    while delta > ((BASE - TMIN) * TMAX) / 2 {
        delta /= BASE - TMIN;
        k += BASE;
    }
    k + (BASE - TMIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    (if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d - 26) as u8
    }) as char
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        TMIN
    } else if k >= bias + TMAX {
        TMAX
    } else {
        k - bias
    }
}

/// Encodes `input` (without the `xn--` prefix); None on overflow.
pub(crate) fn encode(input: &str) -> Option<String> {
    let cps: Vec<u32> = input.chars().map(|c| c as u32).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    let mut h = basic;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while (h as usize) < cps.len() {
        let m = cps.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(h + 1)?)?;
        n = m;
        for &c in &cps {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(out)
}

/// Decodes `input` (without the `xn--` prefix); None when it is not valid punycode.
pub(crate) fn decode(input: &str) -> Option<String> {
    let (basic, rest) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut it = rest.bytes().peekable();
    while it.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let c = it.next()?;
            let d = match c {
                b'a'..=b'z' => c - b'a',
                b'A'..=b'Z' => c - b'A',
                b'0'..=b'9' => c - b'0' + 26,
                _ => return None,
            } as u32;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(out.into_iter().collect())
}

fn labels(domain: &str) -> impl Iterator<Item = &str> {
    domain.split(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
}

/// `punycode_domain_to_string`: each non-ASCII label becomes `xn--` + its encoding.
pub(crate) fn domain_to_ascii(domain: &str) -> Option<String> {
    let parts: Option<Vec<String>> = labels(domain)
        .map(|l| {
            if l.is_ascii() {
                Some(l.to_string())
            } else {
                encode(l).map(|e| format!("xn--{e}"))
            }
        })
        .collect();
    parts.map(|p| p.join("."))
}

/// `punycode_domain_from_string`: each `xn--` label is decoded.
pub(crate) fn domain_from_ascii(domain: &str) -> Option<String> {
    let parts: Option<Vec<String>> = labels(domain)
        .map(|l| match l.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("xn--") => decode(&l[4..]),
            _ => Some(l.to_string()),
        })
        .collect();
    parts.map(|p| p.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_docs_examples() {
        assert_eq!(encode("艺术").as_deref(), Some("cqv902d"));
        assert_eq!(decode("cqv902d").as_deref(), Some("艺术"));
        assert_eq!(
            domain_from_ascii("xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com").as_deref(),
            Some("Rúyì.Jīngū.Bàng.com")
        );
        assert_eq!(
            domain_to_ascii("Lê Lợi。Thuận Thiên。com").as_deref(),
            Some("xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com")
        );
        assert_eq!(
            domain_to_ascii("Kaledvoulc'h.Artorījos.edu").as_deref(),
            Some("Kaledvoulc'h.xn--Artorjos-ejb.edu")
        );
        assert_eq!(decode("!!"), None);
    }
}
