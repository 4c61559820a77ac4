//! A cursor over JSON text, for the hand-written readers: the JSON lines reader
//! ([`crate::io::scan`]) and the record readers of the export formats
//! ([`crate::io::formats::source`]). They walk an object key by key, skip the values a
//! query does not need without building them, and write the needed ones straight into
//! the row.
//!
//! Why: parsing every record with serde_json (a key decoded and hashed per field, every
//! string checked and copied) cost most of a scan; matching keys by their bytes and
//! skipping strings sixteen bytes at a time ([`crate::io::bytes`]) costs a fraction of it.
//!
//! Exactness: every method here accepts only text that serde_json accepts too, and reads
//! it to the same value; anything else (an exponent, a bare `NaN`, a deep nesting, a
//! malformed string) is `None`, and the caller reads the record with serde_json, whose
//! result and errors are the reference.

use crate::io::bytes::{escapes_valid, string_end, unescape, StrScan};
use serde_json::Value as J;
use std::borrow::Cow;

/// How deep a skipped value may nest before the cursor leaves it to serde_json (which
/// has its own limit and error).
const MAX_DEPTH: usize = 64;

pub(crate) struct Cursor<'b> {
    pub(crate) b: &'b [u8],
    pub(crate) i: usize,
}

impl<'b> Cursor<'b> {
    pub(crate) fn new(b: &'b [u8]) -> Self {
        Cursor { b, i: 0 }
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// The byte at the cursor, moved past.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// Past `c`, which must be the byte at the cursor.
    #[inline(always)]
    pub(crate) fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// Past JSON's blanks (space, tab, line ends).
    #[inline(always)]
    pub(crate) fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Past the blanks of one line (space, tab, carriage return): in JSON lines a line
    /// end ends the record, so the lines reader never skips one inside a record.
    #[inline(always)]
    pub(crate) fn ws_in_line(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\r')) {
            self.i += 1;
        }
    }

    /// After a member or element, past blanks: `Some(true)` past a comma (another one
    /// follows), `Some(false)` past `close` (the object or array ended).
    #[inline(always)]
    pub(crate) fn item_end(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.next()? {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// The end of the string whose opening quote is at the cursor.
    #[inline(always)]
    pub(crate) fn string_end(&self) -> Option<StrScan> {
        if self.peek() != Some(b'"') {
            return None;
        }
        string_end(self.b, self.i + 1)
    }

    /// Past blanks, whether the next byte is `c` (then consumed).
    #[inline(always)]
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// The members of the object at the cursor, `{` to `}`: `f` gets each key (its text
    /// between the quotes; a key with an escape fails, see [`Cursor::plain_string`]) with
    /// the cursor at the member's value, which it must read. The one loop of the readers
    /// that walk objects by hand.
    #[inline(always)]
    pub(crate) fn members(
        &mut self,
        mut f: impl FnMut(&mut Self, &'b [u8]) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.ws();
            let key = self.plain_string()?;
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            f(self, key)?;
            if !self.item_end(b'}')? {
                return Some(());
            }
        }
    }

    /// The elements of the array at the cursor, `[` to `]`: `f` reads each, from its
    /// first byte.
    #[inline(always)]
    pub(crate) fn elements(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.eat(b']') {
            return Some(());
        }
        loop {
            self.ws();
            f(self)?;
            if !self.item_end(b']')? {
                return Some(());
            }
        }
    }

    /// Whether only blanks are left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    /// The string whose opening quote is at the cursor, borrowed when it has no escapes.
    #[inline]
    pub(crate) fn string(&mut self) -> Option<Cow<'b, str>> {
        let start = self.i;
        let s = self.string_end()?;
        self.i = s.end + 1;
        let body = &self.b[start + 1..s.end];
        if s.escaped {
            unescape(body).map(Cow::Owned)
        } else if s.ascii {
            debug_assert!(body.is_ascii());
            // SAFETY: the scan found no byte above 0x7f in the body: ASCII is UTF-8.
            Some(Cow::Borrowed(unsafe {
                std::str::from_utf8_unchecked(body)
            }))
        } else {
            std::str::from_utf8(body).ok().map(Cow::Borrowed)
        }
    }

    /// The body of the string at the cursor when it has no escapes, its UTF-8 checked
    /// (for comparing keys and names without decoding them).
    #[inline]
    pub(crate) fn plain_string(&mut self) -> Option<&'b [u8]> {
        let s = self.string_end()?;
        let body = &self.b[self.i + 1..s.end];
        if s.escaped || (!s.ascii && std::str::from_utf8(body).is_err()) {
            return None;
        }
        self.i = s.end + 1;
        Some(body)
    }

    /// Moves past the string at the cursor, checked as serde_json reads it.
    #[inline]
    pub(crate) fn skip_string(&mut self) -> Option<()> {
        let s = self.string_end()?;
        let body = &self.b[self.i + 1..s.end];
        if s.escaped && !escapes_valid(body) {
            return None;
        }
        if !s.ascii {
            std::str::from_utf8(body).ok()?;
        }
        self.i = s.end + 1;
        Some(())
    }

    /// Moves past the value at the cursor (blanks before it skipped), checked.
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        self.skip_nested(0)
    }

    /// Moves past the value at the cursor, inside `depth` objects and arrays. Strings
    /// and scalars are skipped here (most members are), the call made per nested value.
    #[inline(always)]
    fn skip_nested(&mut self, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_container(depth),
            _ => {
                let t = self.token();
                (literal(t).is_some() || plain_number(t).is_some() || number(t).is_some())
                    .then_some(())
            }
        }
    }

    /// Moves past the object or array at the cursor.
    fn skip_container(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let close = if self.peek()? == b'{' { b'}' } else { b']' };
        self.i += 1;
        if self.eat(close) {
            return Some(());
        }
        loop {
            if close == b'}' {
                self.ws();
                self.skip_string()?;
                if !self.eat(b':') {
                    return None;
                }
            }
            self.skip_nested(depth + 1)?;
            if !self.item_end(close)? {
                return Some(());
            }
        }
    }

    /// The bytes of the number or literal at the cursor (up to the next delimiter).
    #[inline]
    fn token(&mut self) -> &'b [u8] {
        let start = self.i;
        while self
            .b
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
        {
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    /// The number or literal at the cursor as serde_json reads it.
    #[inline]
    pub(crate) fn scalar(&mut self) -> Option<J> {
        let t = self.token();
        literal(t).or_else(|| plain_number(t)).or_else(|| number(t))
    }

    /// The value at the cursor (a string, a number or literal, an object or array) as
    /// serde_json reads it.
    pub(crate) fn value(&mut self) -> Option<J> {
        match self.peek()? {
            b'"' => self.string().map(|s| J::String(s.into_owned())),
            b'{' | b'[' => {
                let start = self.i;
                self.skip_value()?;
                serde_json::from_slice(&self.b[start..self.i]).ok()
            }
            _ => self.scalar(),
        }
    }
}

fn literal(t: &[u8]) -> Option<J> {
    match t {
        b"null" => Some(J::Null),
        b"true" => Some(J::Bool(true)),
        b"false" => Some(J::Bool(false)),
        _ => None,
    }
}

/// An integer of at most 18 digits, without leading zeros (what logs mostly hold), read
/// without serde_json: the value serde_json gives it (an unsigned one when it is not
/// negative).
#[inline]
fn plain_number(t: &[u8]) -> Option<J> {
    let (neg, digits) = match t.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, t),
    };
    let plain = !digits.is_empty()
        && digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && !neg));
    if !plain {
        return None;
    }
    let n = digits.iter().fold(0u64, |n, &d| n * 10 + (d - b'0') as u64);
    Some(if neg {
        J::from(-(n as i64))
    } else {
        J::from(n)
    })
}

/// Any other number, read by serde_json (its floats are rounded its own way); `None`
/// for what it does not take as a number.
fn number(t: &[u8]) -> Option<J> {
    if !t.first().is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
        return None;
    }
    serde_json::from_slice::<J>(t).ok().filter(J::is_number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::bytes::xorshift;

    /// A JSON-ish text from pieces that are valid, nearly valid and invalid JSON.
    fn random_text(x: &mut u64) -> String {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"a\"",
            "\"b\\\"c\"",
            "\"\\u00e9\"",
            "\"\\uD83D\"",
            "\"é\"",
            "\"\\q\"",
            "1",
            "-0",
            "0.5",
            "01",
            "1e3",
            "-",
            "1.",
            "18446744073709551616",
            "123456789012345678",
            "true",
            "nul",
            "NaN",
            "null",
            "\"",
            "\t",
            "-12",
            "1.25e-3",
            "2.",
        ];
        let n = (xorshift(x) % 12) as usize + 1;
        (0..n)
            .map(|_| PIECES[(xorshift(x) % PIECES.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn what_the_cursor_accepts_serde_json_reads_the_same() {
        let mut x = 0x9e37_79b9_7f4a_7c15;
        let mut accepted = 0;
        for _ in 0..200_000 {
            let text = random_text(&mut x);
            let b = text.as_bytes();
            let mut c = Cursor::new(b);
            c.ws();
            let got = c.value();
            let whole = got.is_some() && c.at_end();
            let want = serde_json::from_slice::<J>(b).ok();
            if whole {
                accepted += 1;
                assert_eq!(got, want, "{text:?}");
            }
            let mut c = Cursor::new(b);
            if c.skip_value().is_some() && c.at_end() {
                assert!(want.is_some(), "skipped {text:?}, which serde_json refuses");
            }
        }
        assert!(accepted > 10_000, "{accepted}");
    }

    #[test]
    fn strings_keys_and_nesting() {
        let mut c = Cursor::new(br#""a\"b" "plain" "caf\u00e9""#);
        assert_eq!(c.string().unwrap(), "a\"b");
        c.ws();
        assert_eq!(c.plain_string().unwrap(), b"plain");
        c.ws();
        assert!(c.plain_string().is_none());
        assert_eq!(c.string().unwrap(), "café");
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Cursor::new(deep.as_bytes()).skip_value().is_none());
        let ok = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert!(Cursor::new(ok.as_bytes()).skip_value().is_some());
    }
}
