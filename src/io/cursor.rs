//! A cursor over JSON text, for the hand-written readers: the JSON lines reader
//! ([`crate::io::scan`]), the record readers of the export formats
//! ([`crate::io::formats::source`]) and `parse_json` read through member paths
//! ([`pruned_value`], for the functions). They walk an object key by key, skip the values
//! a query does not need without building them, and write the needed ones straight into
//! the row (or the pruned value).
//!
//! Why: parsing every record with serde_json (a key decoded and hashed per field, every
//! string checked and copied) cost most of a scan; matching keys by their bytes and
//! skipping strings sixteen bytes at a time ([`crate::io::bytes`]) costs a fraction of it.
//!
//! Exactness: every method here accepts only text that serde_json accepts too, and reads
//! it to the same value; anything else (an exponent, a bare `NaN`, a deep nesting, a
//! malformed string) is `None`, and the caller reads the record with serde_json, whose
//! result and errors are the reference.

use crate::io::bytes::{
    escapes_valid, plain_string_end, prefetch, prefix_xor, string_end, unescape, Classes, StrScan,
    Structure,
};
use crate::value::{Bag, JsonPaths, Value};
use serde_json::Value as J;
use std::borrow::Cow;
use std::sync::Arc;

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

    /// The closing quote of the string at the cursor when it is plain (ASCII, no
    /// escapes or control characters; see [`plain_string_end`]): most strings are, and
    /// this finds their end inlined, without the call and the escape bookkeeping of
    /// [`Cursor::string_end`], which reads the others.
    #[inline(always)]
    fn plain_end(&self) -> Option<usize> {
        if self.peek() != Some(b'"') {
            return None;
        }
        plain_string_end(self.b, self.i + 1)
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
        let (body, escaped, ascii) = self.body()?;
        match escaped {
            true => unescape(body).map(Cow::Owned),
            false => text_of(body, ascii).map(Cow::Borrowed),
        }
    }

    /// [`Cursor::string`], an escaped string decoded into `scratch` (reused from
    /// string to string) instead of a new allocation: for a reader that copies the
    /// text anyway (into a shared string, a parsed value), as a JSON document held in a
    /// string column is read on every line.
    pub(crate) fn string_in<'s>(&mut self, scratch: &'s mut Vec<u8>) -> Option<&'s str>
    where
        'b: 's,
    {
        let (body, escaped, ascii) = self.body()?;
        let text: &'s [u8] = match escaped {
            true => {
                super::bytes::unescape_into(body, scratch)?;
                scratch
            }
            false => body,
        };
        // (Decoding escapes writes UTF-8: an ASCII body's text needs no check.)
        text_of(text, ascii)
    }

    /// The body of the string at the cursor (the cursor moved past it), whether it has
    /// escapes, and whether it is ASCII.
    #[inline(always)]
    fn body(&mut self) -> Option<(&'b [u8], bool, bool)> {
        if let Some(end) = self.plain_end() {
            let body = &self.b[self.i + 1..end];
            self.i = end + 1;
            return Some((body, false, true));
        }
        let start = self.i;
        let s = self.string_end()?;
        self.i = s.end + 1;
        Some((&self.b[start + 1..s.end], s.escaped, s.ascii))
    }

    /// The body of the string at the cursor when it has no escapes, its UTF-8 checked
    /// (for comparing keys and names without decoding them).
    #[inline]
    pub(crate) fn plain_string(&mut self) -> Option<&'b [u8]> {
        if let Some(end) = self.plain_end() {
            let body = &self.b[self.i + 1..end];
            self.i = end + 1;
            return Some(body);
        }
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
        if let Some(end) = self.plain_end() {
            self.i = end + 1;
            return Some(());
        }
        let s = self.string_end()?;
        let body = &self.b[self.i + 1..s.end];
        if s.odd_escapes && !escapes_valid(body) {
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
            c @ b'0'..=b'9' => {
                // The commonest scalar, a short integer (a flag, a code), passed without
                // the token's general checks; anything else is left to them.
                let start = self.i;
                let mut i = start + 1;
                while self.b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let ends = matches!(
                    self.b.get(i),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                );
                if ends && i - start <= 18 && (c != b'0' || i == start + 1) {
                    self.i = i;
                    return Some(());
                }
                let t = self.token();
                (decimal(t) || number(t).is_some()).then_some(())
            }
            _ => {
                let t = self.token();
                // (A number without an exponent is checked as it is, not read; most are.)
                (decimal(t) || literal(t).is_some() || number(t).is_some()).then_some(())
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

    /// Moves past the value at the cursor, checked as [`Cursor::skip_value`] checks it,
    /// an object or array sixty-four bytes at a time ([`Cursor::skip_container_blocks`])
    /// when it can: for the large values a reader passes over whole (the `properties`
    /// of every record, in the walk that indexes a capture).
    pub(crate) fn skip_value_blocks(&mut self) -> Option<()> {
        self.ws();
        if matches!(self.peek(), Some(b'{' | b'[')) && self.skip_container_blocks().is_some() {
            return Some(());
        }
        // Something the block walk leaves to the token walk (which says whether it is
        // JSON).
        self.skip_value()
    }

    /// Moves past the value at the cursor (blanks before it skipped), an object or array
    /// without checking it: its end found by matching its brackets outside its strings
    /// ([`ValueScan`]); a string or scalar checked ([`Cursor::skip_value`]). For a value
    /// that a reader checks whole later, from where it starts (the `properties` of the
    /// records of the tables a query reads, in the walk that indexes a capture): a value
    /// that is not JSON fails there. `None` when it does not end in the text.
    pub(crate) fn skim_value(&mut self) -> Option<()> {
        self.ws();
        if !matches!(self.peek(), Some(b'{' | b'[')) {
            return self.skip_value();
        }
        let n = ValueScan::default().feed(&self.b[self.i..])?;
        self.i += n;
        Some(())
    }

    /// Moves past the object or array at the cursor by classifying sixty-four bytes at
    /// a time ([`Classes`]): which bytes are inside strings follows from the quotes that
    /// no backslash escapes, and only the bytes outside strings (brackets, colons,
    /// commas, the first byte of each string, number and literal) go through the grammar,
    /// one at a time. Accepts only what [`Cursor::skip_value`] accepts; `None` for
    /// anything else and for what it leaves to it: a `\u` escape of a surrogate, nesting
    /// deeper than 63, a value running to the end of the text (the cursor then stays).
    ///
    /// Why: walking a value token by token costs a call and its set-up per string (a
    /// sign-in record has over a hundred, most of them short), ten instructions a byte;
    /// this costs a few.
    pub(crate) fn skip_container_blocks(&mut self) -> Option<()> {
        self.i = blocks_end(self.b, self.i)?;
        Some(())
    }
}

/// Where the object or array at `b[start]` ends, by [`Cursor::skip_container_blocks`].
fn blocks_end(b: &[u8], start: usize) -> Option<usize> {
    if !matches!(b.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let mut want = grammar::TOP;
    // One bit per open container but the outermost: whether the one it is in is an
    // object, the innermost lowest.
    let (mut stack, mut depth) = (0u64, 0u32);
    // What the previous block leaves to the next: its last byte escapes the next one's
    // first; it ends inside a string; it ends inside a number or literal.
    let (mut escaped_in, mut string_in, mut scalar_in) = (false, 0u64, false);
    let mut high = false;
    let mut base = start;
    let mut padded: [u8; 64];
    while base < b.len() {
        let block: &[u8; 64] = match b.get(base..base + 64) {
            Some(s) => s.try_into().ok()?,
            None => {
                // The last bytes, after them blanks (a value left open there fails).
                padded = [b' '; 64];
                padded[..b.len() - base].copy_from_slice(&b[base..]);
                &padded
            }
        };
        let cl = Classes::of(block);
        // The bytes escaped by a backslash: the one after each backslash that is not
        // itself escaped (backslashes are rare: a loop over them).
        let mut escaped = escaped_in as u64;
        let mut escapers = 0u64;
        let mut rest = cl.backslash;
        escaped_in = false;
        while rest != 0 {
            let k = rest.trailing_zeros();
            rest &= rest - 1;
            if escaped >> k & 1 == 1 {
                continue;
            }
            escapers |= 1 << k;
            if k == 63 {
                escaped_in = true;
            } else {
                escaped |= 1 << (k + 1);
            }
        }
        let quotes = cl.quote & !escaped;
        // From each opening quote up to (not including) its closing one.
        let inside = prefix_xor(quotes) ^ string_in;
        string_in = 0u64.wrapping_sub(inside >> 63);
        let opening = quotes & inside;
        let outside = !(inside | quotes);
        let scalar = outside & !(cl.structural | cl.blank);
        let scalar_starts = scalar & !(scalar << 1 | scalar_in as u64);
        scalar_in = scalar >> 63 == 1;
        let mut tokens = (cl.structural & outside) | opening | scalar_starts;
        // The bytes of this block that are the value's (all, until its end is found).
        let mut mine = !0u64;
        let mut end = None;
        while tokens != 0 {
            let k = tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            let c = block[k];
            // The members of an object (a key, its colon, a string, a comma) by compares
            // the branch predictor follows: the table's lookups, each waiting for the
            // one before, cost more than the rest of the walk.
            let member = match (want, c) {
                (grammar::OBJECT_NEXT, b',') => grammar::OBJECT_KEY,
                (grammar::OBJECT_KEY, b'"') => grammar::OBJECT_COLON,
                (grammar::OBJECT_COLON, b':') => grammar::OBJECT_VALUE,
                (grammar::OBJECT_VALUE, b'"') => grammar::OBJECT_NEXT,
                _ => grammar::TOP,
            };
            if member != grammar::TOP {
                want = member;
                continue;
            }
            let step = grammar::STEP[want as usize][grammar::CLASS[c as usize] as usize];
            want = step & grammar::STATE;
            // Most tokens (strings, colons, commas) only move the state on: one branch,
            // taken the same way, not a jump by the action.
            if step & grammar::ACTION == 0 {
                continue;
            }
            match step & grammar::ACTION {
                grammar::PUSH => {
                    if depth == 63 {
                        return None;
                    }
                    // (At the top the bit is the outermost's, never read.)
                    stack = stack << 1 | grammar::in_object(step) as u64;
                    depth += 1;
                }
                grammar::SCALAR => {
                    // A number or literal: its bytes up to the next structural byte,
                    // quote or blank.
                    let at = base + k;
                    let t = b[at..]
                        .iter()
                        .position(|&c| grammar::CLASS[c as usize] != grammar::OTHER)
                        .map_or(&b[at..], |n| &b[at..at + n]);
                    if literal(t).is_none() && !decimal(t) && number(t).is_none() {
                        return None;
                    }
                }
                grammar::POP => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(base + k + 1);
                        mine = if k == 63 { !0 } else { (1u64 << (k + 1)) - 1 };
                        break;
                    }
                    want = if stack & 1 == 1 {
                        grammar::OBJECT_NEXT
                    } else {
                        grammar::ARRAY_NEXT
                    };
                    stack >>= 1;
                }
                _ => return None,
            }
        }
        // Inside strings: no control character, and every escape one JSON has.
        if cl.control & inside & mine != 0 {
            return None;
        }
        high |= cl.high & mine != 0;
        let mut rest = escapers & mine;
        while rest != 0 {
            let k = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let at = base + k + 1;
            match b.get(at)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    let code = b
                        .get(at + 1..at + 5)?
                        .iter()
                        .try_fold(0u32, |n, &c| Some(n * 16 + (c as char).to_digit(16)?))?;
                    // A surrogate must pair with the next escape: left to skip_value.
                    if (0xD800..0xE000).contains(&code) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        if let Some(end) = end {
            // Bytes that are not ASCII are all inside strings (outside, they are not
            // JSON and fail above): their UTF-8 checked at once.
            if high && std::str::from_utf8(&b[start..end]).is_err() {
                return None;
            }
            return Some(end);
        }
        base += 64;
    }
    None
}

/// The grammar of JSON values as a table, for [`blocks_end`]: what may follow what,
/// each byte that starts a token (outside strings) one lookup. A state is what the
/// walk wants next, in an object or an array; a step is the next state with what to
/// do (open a container, check a number or literal, close one, or fail).
mod grammar {
    pub(super) const STATE: u8 = 0x0f;
    pub(super) const ACTION: u8 = 0x70;
    pub(super) const PUSH: u8 = 0x10;
    pub(super) const SCALAR: u8 = 0x20;
    pub(super) const POP: u8 = 0x30;
    const FAIL: u8 = 0x40;

    /// States: after `{`, after `,` in an object, after a key, after `:`, after a
    /// member's value; after `[`, after `,` in an array, after an element; the start.
    const OBJECT_OPEN: u8 = 0;
    pub(super) const OBJECT_KEY: u8 = 1;
    pub(super) const OBJECT_COLON: u8 = 2;
    pub(super) const OBJECT_VALUE: u8 = 3;
    pub(super) const OBJECT_NEXT: u8 = 4;
    const ARRAY_OPEN: u8 = 5;
    const ARRAY_VALUE: u8 = 6;
    pub(super) const ARRAY_NEXT: u8 = 7;
    pub(super) const TOP: u8 = 8;

    /// Classes of the bytes that start tokens: `{`, `[`, `}`, `]`, `:`, `,`, `"`, and
    /// any other (a number or literal, or not JSON).
    pub(super) const OTHER: u8 = 7;
    pub(super) const CLASS: [u8; 256] = {
        let mut t = [OTHER; 256];
        t[b'{' as usize] = 0;
        t[b'[' as usize] = 1;
        t[b'}' as usize] = 2;
        t[b']' as usize] = 3;
        t[b':' as usize] = 4;
        t[b',' as usize] = 5;
        t[b'"' as usize] = 6;
        // Blanks end a number or literal (they start no token).
        t[b' ' as usize] = 8;
        t[b'\t' as usize] = 8;
        t[b'\n' as usize] = 8;
        t[b'\r' as usize] = 8;
        t
    };

    /// Whether a push (from `state`'s step) leaves an object (the state it was made
    /// in, kept in bit 7 of the step).
    pub(super) fn in_object(step: u8) -> bool {
        step & 0x80 != 0
    }

    pub(super) const STEP: [[u8; 9]; 9] = {
        let mut t = [[FAIL; 9]; 9];
        // A value: where it is wanted, the state after it (in an object or array).
        let values = [
            (OBJECT_VALUE, OBJECT_NEXT, 0x80),
            (ARRAY_OPEN, ARRAY_NEXT, 0),
            (ARRAY_VALUE, ARRAY_NEXT, 0),
            (TOP, ARRAY_NEXT, 0),
        ];
        let mut k = 0;
        while k < values.len() {
            let (s, next, obj) = values[k];
            t[s as usize][0] = PUSH | OBJECT_OPEN | obj;
            t[s as usize][1] = PUSH | ARRAY_OPEN | obj;
            if s != TOP {
                t[s as usize][6] = next;
                t[s as usize][OTHER as usize] = SCALAR | next;
            }
            k += 1;
        }
        t[OBJECT_OPEN as usize][2] = POP;
        t[OBJECT_OPEN as usize][6] = OBJECT_COLON;
        t[OBJECT_KEY as usize][6] = OBJECT_COLON;
        t[OBJECT_COLON as usize][4] = OBJECT_VALUE;
        t[OBJECT_NEXT as usize][5] = OBJECT_KEY;
        t[OBJECT_NEXT as usize][2] = POP;
        t[ARRAY_OPEN as usize][3] = POP;
        t[ARRAY_NEXT as usize][5] = ARRAY_VALUE;
        t[ARRAY_NEXT as usize][3] = POP;
        t
    };
}

impl<'b> Cursor<'b> {
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

/// `parse_json` of `text` keeping only what `paths` reads, by hand: the value
/// [`crate::value::parse_json_paths`] (the reference, serde_json's reading) gives, or
/// `None`, for invalid text and for what is left to it (nesting past [`MAX_DEPTH`], a
/// number serde_json does not take). Why: JSON text held in a column (`Props`, an
/// `AdditionalFields`) is parsed on every row to read a member or two, and serde_json
/// decodes and checks each key and string it then throws away; this skips them sixteen
/// bytes at a time, as the readers skip the fields a query leaves.
pub(crate) fn pruned_value(text: &[u8], paths: &JsonPaths) -> Option<Value> {
    let mut c = Cursor::new(text);
    c.ws();
    let v = c.pruned(paths, 0)?;
    c.at_end().then_some(v)
}

impl Cursor<'_> {
    /// The value at the cursor, only what `paths` reads of an object kept (any other
    /// value is kept whole, as the reference keeps it), inside `depth` containers.
    fn pruned(&mut self, paths: &JsonPaths, depth: usize) -> Option<Value> {
        if paths.whole || self.peek()? != b'{' {
            return self.whole_value(depth);
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        // (Sized for the keys kept: a bag grown from empty is allocated twice.)
        let mut bag = Bag::with_capacity_and_hasher(paths.keys.len(), Default::default());
        if self.eat(b'}') {
            return Some(Value::bag(bag));
        }
        loop {
            self.ws();
            // A key without escapes is compared as it is written, not made a string.
            let child = match self.plain_string() {
                Some(key) => paths
                    .keys
                    .iter()
                    .find(|(k, _)| crate::hash::bytes_eq(k.as_bytes(), key)),
                None => {
                    let key = self.string()?;
                    paths.keys.iter().find(|(k, _)| **k == *key)
                }
            };
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            match child {
                // A repeated key: the last value at the first one's place, as the
                // reference's ordered map keeps it.
                Some((key, sub)) => {
                    let v = self.pruned(sub, depth + 1)?;
                    bag.insert(crate::value::thread_copy(key), v);
                }
                None => self.skip_nested(depth + 1)?,
            }
            if !self.item_end(b'}')? {
                return Some(Value::bag(bag));
            }
        }
    }

    /// The whole value at the cursor, as [`crate::value::parse_json_text`] builds it.
    fn whole_value(&mut self, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'"' => Some(Value::String(Arc::from(&*self.string()?))),
            b'{' | b'[' => {
                let start = self.i;
                // Checked (and its nesting bounded) here, built by the reference.
                self.skip_nested(depth)?;
                crate::value::parse_json_slice(&self.b[start..self.i])
            }
            _ => self.scalar().map(|j| crate::value::from_json(&j)),
        }
    }
}

/// `b` as text: unchecked when it is known to be UTF-8 (`utf8`: an ASCII body, or
/// the text its escapes decode to), else checked.
#[inline(always)]
fn text_of(b: &[u8], utf8: bool) -> Option<&str> {
    if utf8 {
        debug_assert!(std::str::from_utf8(b).is_ok());
        // SAFETY: ASCII is UTF-8, and decoding escapes writes UTF-8 (`unescape_into`).
        Some(unsafe { std::str::from_utf8_unchecked(b) })
    } else {
        std::str::from_utf8(b).ok()
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

/// A number without an exponent, of at most 64 bytes (`-?(0|[1-9][0-9]*)(.[0-9]+)?`):
/// one serde_json reads (as a finite number), checked without calling it.
#[inline]
fn decimal(t: &[u8]) -> bool {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    // (Tokens are short: a library search costs more than the loop; most are integers.)
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(k) => (&digits[..k], Some(&digits[k + 1..])),
        None => (digits, None),
    };
    t.len() <= 64
        && !int.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && (int[0] != b'0' || int.len() == 1)
        && frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit))
}

/// Any other number, read by serde_json (its floats are rounded its own way); `None`
/// for what it does not take as a number.
fn number(t: &[u8]) -> Option<J> {
    if !t.first().is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
        return None;
    }
    serde_json::from_slice::<J>(t).ok().filter(J::is_number)
}

/// How far ahead of its block [`ValueScan::feed`] asks for the bytes.
const FEED_AHEAD: usize = 1024;

/// Finds where a JSON value ends by matching brackets outside strings, resumably (the
/// value may arrive in several reads). Scalars end at a delimiter. The value is not
/// checked: the parser that reads it later reports what is wrong, with its line.
#[derive(Default)]
pub(crate) struct ValueScan {
    started: bool,
    depth: u32,
    in_str: bool,
    esc: bool,
    /// A number or literal (`true`, `NaN`).
    scalar: bool,
}

impl ValueScan {
    /// Scans `b`, the bytes after those already scanned; the offset in `b` just past the
    /// value's end when it ends in `b`.
    ///
    /// Inside an object or array, sixty-four bytes at a time: the brackets outside
    /// strings (found from the quotes' bits) change the depth; a block with a backslash
    /// (an escape, or stray text the parser will refuse), and what is left at the end of
    /// `b`, go a byte at a time. (Per string, a search for its closing quote cost a call
    /// and its set-up; this reader is the one sequential pass over a JSON document.)
    pub(crate) fn feed(&mut self, b: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
        {
            // SAFETY: the CPU has these, just checked (std caches the answers).
            return unsafe { self.feed_avx512(b) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
        {
            // SAFETY: the CPU has these, just checked (std caches the answers).
            return unsafe { self.feed_avx2(b) };
        }
        self.feed_with(b, Structure::of, prefix_xor)
    }

    /// [`ValueScan::feed`] compiled for the CPUs that have AVX2 (all of which have
    /// POPCNT and PCLMULQDQ too): its blocks classified by [`Structure::of_avx2`], the
    /// bytes inside strings by one carry-less multiplication, brackets counted by one
    /// instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt,pclmulqdq")]
    unsafe fn feed_avx2(&mut self, b: &[u8]) -> Option<usize> {
        self.feed_with(
            b,
            |block| Structure::of_avx2(block),
            |x| crate::io::bytes::prefix_xor_clmul(x),
        )
    }

    /// [`ValueScan::feed`] for the CPUs with AVX-512 BW: a block classified in one
    /// step ([`Structure::of_avx512`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,popcnt,pclmulqdq")]
    unsafe fn feed_avx512(&mut self, b: &[u8]) -> Option<usize> {
        self.feed_with(
            b,
            |block| Structure::of_avx512(block),
            |x| crate::io::bytes::prefix_xor_clmul(x),
        )
    }

    #[inline(always)]
    fn feed_with(
        &mut self,
        b: &[u8],
        of: impl Fn(&[u8; 64]) -> Structure,
        pxor: impl Fn(u64) -> u64,
    ) -> Option<usize> {
        let mut i = 0;
        if !self.started {
            let &c = b.first()?;
            self.started = true;
            match c {
                b'{' | b'[' => self.depth = 1,
                b'"' => self.in_str = true,
                b'}' | b']' | b',' | b':' => return Some(0),
                _ => self.scalar = true,
            }
            i = 1;
        }
        while i < b.len() {
            if !self.scalar && self.depth > 0 {
                if let Some(Ok(block)) = b.get(i..i + 64).map(<&[u8; 64]>::try_from) {
                    // A mapped file's bytes are read here first (see `bytes::prefetch`).
                    prefetch(b, i + FEED_AHEAD);
                    if let Some(end) = self.block(&of(block), &pxor) {
                        return Some(i + end);
                    }
                    i += 64;
                    continue;
                }
            }
            let end = (i + 64).min(b.len());
            if let Some(at) = self.bytes(b, i, end) {
                return Some(at);
            }
            i = end;
        }
        None
    }

    /// The quotes of a block that open or close a string: a backslash in a string
    /// escapes the byte after it (perhaps in the next block), one outside strings is
    /// nothing (the parser refuses it later). Walked bit by bit, but only over the
    /// block's quotes and backslashes, and only when it has a backslash.
    #[inline(always)]
    fn string_quotes(&mut self, m: &Structure) -> u64 {
        if m.backslash == 0 && !self.esc {
            return m.quote;
        }
        let mut in_str = self.in_str;
        // The position of the byte the last backslash escapes.
        let mut escaped = if self.esc { 0 } else { u32::MAX };
        let mut bits = m.quote | m.backslash;
        let mut quotes = 0;
        while bits != 0 {
            let k = bits.trailing_zeros();
            bits &= bits - 1;
            if k == escaped {
                continue;
            }
            if m.backslash >> k & 1 == 1 {
                if in_str {
                    escaped = k + 1;
                }
            } else {
                quotes |= 1 << k;
                in_str = !in_str;
            }
        }
        self.esc = escaped == 64;
        quotes
    }

    /// One block inside an object or array: the offset just past the value's end when it
    /// ends in the block.
    #[inline(always)]
    fn block(&mut self, m: &Structure, prefix_xor: impl Fn(u64) -> u64) -> Option<usize> {
        let quote = self.string_quotes(m);
        let px = prefix_xor(quote);
        // Whether the block has an odd number of quotes (the last bit of their prefix
        // xor): a popcount is a dozen instructions on the x86_64 baseline, which has no
        // `popcnt`.
        let flip = px >> 63 == 1;
        let inside = if self.in_str { !px } else { px };
        let (opens, closes) = (m.open & !inside, m.close & !inside);
        if closes == 0 {
            // The value cannot end in this block (most blocks of a record: its brackets
            // are few): only the depth after it counts.
            if opens != 0 {
                self.depth += opens.count_ones();
            }
            self.in_str ^= flip;
            return None;
        }
        let mut brackets = opens | closes;
        while brackets != 0 {
            let k = brackets.trailing_zeros();
            if m.open >> k & 1 == 1 {
                self.depth += 1;
            } else {
                self.depth -= 1;
                if self.depth == 0 {
                    return Some(k as usize + 1);
                }
            }
            brackets &= brackets - 1;
        }
        self.in_str ^= flip;
        None
    }

    /// `b[i..end]` a byte at a time: the offset in `b` just past the value's end when it
    /// ends there.
    fn bytes(&mut self, b: &[u8], mut i: usize, end: usize) -> Option<usize> {
        while i < end {
            let c = b[i];
            if self.in_str {
                if self.esc {
                    // The byte after a backslash (perhaps the first of this read).
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
            } else if self.scalar {
                if c.is_ascii_whitespace() || matches!(c, b',' | b']' | b'}' | b':') {
                    return Some(i);
                }
            } else {
                match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        None
    }

    /// Whether the value is complete at the end of the file (a scalar is).
    pub(crate) fn at_eof(&self) -> bool {
        self.scalar
    }
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
    fn integers_are_skipped_as_the_token_checks_skip_them() {
        // The token's general checks, as skip_value ran them for every scalar.
        let general = |b: &[u8]| {
            let mut c = Cursor::new(b);
            let t = c.token();
            (literal(t).is_some() || decimal(t) || number(t).is_some()).then_some(c.i)
        };
        let mut x: u64 = 0x1357_9bdf_2468_ace0;
        let alphabet = b"0123456789-+.eE,]} \nax";
        let mut cases: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"00".to_vec(),
            b"0,".to_vec(),
            b"123456789012345678,".to_vec(),
            b"1234567890123456789,".to_vec(),
            [b"9".repeat(400), b",".to_vec()].concat(),
        ];
        for _ in 0..20_000 {
            let len = 1 + xorshift(&mut x) as usize % 24;
            let mut t = vec![b'0' + (xorshift(&mut x) % 10) as u8];
            t.extend((1..len).map(|_| alphabet[xorshift(&mut x) as usize % alphabet.len()]));
            cases.push(t);
        }
        for t in cases {
            let mut c = Cursor::new(&t);
            let got = c.skip_value().map(|()| c.i);
            assert_eq!(got, general(&t), "{:?}", String::from_utf8_lossy(&t));
        }
    }

    /// A random JSON value (as serde_json writes it, compact or pretty): nested objects
    /// and arrays of strings with escapes, non-ASCII text and the bytes of JSON's
    /// structure, numbers and literals.
    fn random_json(x: &mut u64, depth: usize) -> J {
        const TEXT: &[&str] = &[
            "a",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "é",
            "日本",
            "\u{1F600}",
            "\n",
            "\u{1}",
            " ",
            "x",
            "/",
            "\u{7f}",
            "Mozilla/5.0 (Windows NT 10.0)",
        ];
        match xorshift(x) % if depth > 4 { 6 } else { 9 } {
            0 => J::Null,
            1 => J::Bool(xorshift(x).is_multiple_of(2)),
            2 => J::from(xorshift(x) as i64 >> (xorshift(x) % 64)),
            3 => J::from((xorshift(x) % 100_000) as f64 / 7.0),
            4 | 5 => J::String(
                (0..xorshift(x) % 12)
                    .map(|_| TEXT[(xorshift(x) % TEXT.len() as u64) as usize])
                    .collect(),
            ),
            6 => J::Array(
                (0..xorshift(x) % 6)
                    .map(|_| random_json(x, depth + 1))
                    .collect(),
            ),
            _ => J::Object(
                (0..xorshift(x) % 8)
                    .map(|k| {
                        (
                            format!("k{k}{}", xorshift(x) % 3),
                            random_json(x, depth + 1),
                        )
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn the_block_walk_skips_what_the_token_walk_skips() {
        let mut x = 0x5851_f42d_4c95_7f2d;
        let interesting = b"\"\\{}[]:, \t\n\r\x00\x1f\x80\xc3\xff0-.etfnu";
        let (mut whole, mut mutated_ok) = (0, 0);
        for round in 0..20_000 {
            let v = J::Array(vec![random_json(&mut x, 0), random_json(&mut x, 0)]);
            let mut text = if round % 3 == 0 {
                serde_json::to_vec_pretty(&v).unwrap()
            } else {
                serde_json::to_vec(&v).unwrap()
            };
            // Something after the value, which neither walk reads.
            text.extend_from_slice(b" ,\"tail\\q\x01");
            let mut c = Cursor::new(&text);
            assert!(
                c.skip_container_blocks().is_some(),
                "{}",
                String::from_utf8_lossy(&text)
            );
            let mut t = Cursor::new(&text);
            t.skip_value().unwrap();
            assert_eq!(c.i, t.i);
            // The skim, which checks nothing, ends there too.
            let mut s = Cursor::new(&text);
            assert!(s.skim_value().is_some());
            assert_eq!(s.i, t.i, "{}", String::from_utf8_lossy(&text));
            whole += 1;
            // One byte changed: what the block walk accepts, the token walk accepts, to
            // the same end (and serde_json reads it); and the skim ends there too.
            for _ in 0..4 {
                let mut bad = text.clone();
                let at = (xorshift(&mut x) % bad.len() as u64) as usize;
                bad[at] = interesting[(xorshift(&mut x) % interesting.len() as u64) as usize];
                let mut c = Cursor::new(&bad);
                let mut t = Cursor::new(&bad);
                let token = t.skip_value().map(|()| t.i);
                if c.skip_container_blocks().is_some() {
                    assert_eq!(Some(c.i), token, "{}", String::from_utf8_lossy(&bad));
                    assert!(serde_json::from_slice::<J>(&bad[..c.i]).is_ok());
                    let mut s = Cursor::new(&bad);
                    assert!(s.skim_value().is_some());
                    assert_eq!(s.i, c.i, "{}", String::from_utf8_lossy(&bad));
                    mutated_ok += 1;
                } else {
                    assert_eq!(c.i, 0);
                }
            }
        }
        assert_eq!(whole, 20_000);
        assert!(mutated_ok > 10_000, "{mutated_ok}");
        // Left to the token walk: a surrogate pair, nesting past 63, an open value.
        for text in [
            r#"["\ud83d\ude00"]"#.to_string(),
            format!("{}{}", "[".repeat(64), "]".repeat(64)),
            "[1, 2".to_string(),
        ] {
            assert!(
                Cursor::new(text.as_bytes())
                    .skip_container_blocks()
                    .is_none(),
                "{text}"
            );
        }
        let mut c = Cursor::new(br#"  ["\ud83d\ude00"] "#);
        assert!(c.skip_value_blocks().is_some() && c.at_end());
    }

    /// Strings of every kind (plain ones of every length, escapes, non-ASCII text,
    /// control characters, no closing quote) with text of every length after them: the
    /// string readers, which take plain strings by [`plain_string_end`], read each as the
    /// general scan ([`string_end`]) and serde_json do.
    #[test]
    fn plain_strings_read_as_the_general_scan_reads_them() {
        const PIECES: &[&str] = &[
            "a",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "0123456789abcdef",
            " ",
            "\\\"",
            "\\n",
            "\\u00e9",
            "\\q",
            "é",
            "日本",
            "\u{1}",
            "\u{7f}",
            "\\",
        ];
        const AFTER: &[u8] = b",:}] \"\\a\x01\xc3";
        let mut x = 0x1234_5678_9abc_def1;
        let (mut plain, mut other) = (0, 0);
        let mut scratch = Vec::new();
        for _ in 0..100_000 {
            let mut text = b"\"".to_vec();
            for _ in 0..xorshift(&mut x) % 6 {
                text.extend_from_slice(
                    PIECES[(xorshift(&mut x) % PIECES.len() as u64) as usize].as_bytes(),
                );
            }
            if !xorshift(&mut x).is_multiple_of(8) {
                text.push(b'"');
            }
            for _ in 0..xorshift(&mut x) % 40 {
                text.push(AFTER[(xorshift(&mut x) % AFTER.len() as u64) as usize]);
            }
            let general = string_end(&text, 1);
            if plain_string_end(&text, 1).is_some() {
                plain += 1;
            } else {
                other += 1;
            }
            let whole = general.map(|s| &text[..s.end + 1]);
            let want: Option<String> = whole.and_then(|w| serde_json::from_slice(w).ok());
            let end = general.map(|s| s.end + 1);
            let shown = String::from_utf8_lossy(&text);

            let mut c = Cursor::new(&text);
            let got = c.string().map(|s| s.into_owned());
            assert_eq!(got, want, "{shown}");
            if got.is_some() {
                assert_eq!(Some(c.i), end, "{shown}");
            }

            // Into the scratch, which holds the string before (longer or shorter).
            let mut c = Cursor::new(&text);
            let got = c.string_in(&mut scratch).map(str::to_owned);
            assert_eq!(got, want, "{shown}");
            if got.is_some() {
                assert_eq!(Some(c.i), end, "{shown}");
            }

            let mut c = Cursor::new(&text);
            assert_eq!(c.skip_string().is_some(), want.is_some(), "{shown}");
            if want.is_some() {
                assert_eq!(Some(c.i), end, "{shown}");
            }

            let mut c = Cursor::new(&text);
            let body = c.plain_string();
            let want_body = general.and_then(|s| {
                let body = &text[1..s.end];
                (!s.escaped && std::str::from_utf8(body).is_ok()).then_some(body)
            });
            assert_eq!(body, want_body, "{shown}");
            if body.is_some() {
                assert_eq!(Some(c.i), end, "{shown}");
            }
        }
        assert!(
            plain > 10_000 && other > 10_000,
            "{plain} plain, {other} other"
        );
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
