//! Delimited text with a header line: the Log Analytics / Sentinel portal's "Export to
//! CSV", and plain CSV, TSV, PSV (`|`) and SCSV (`;`) files, read as the `csv` crate
//! reads them (RFC 4180 quoting: fields may hold the delimiter, doubled quotes and line
//! breaks; a quote is text when it does not start a field; `\r`, `\n` and `\r\n` end
//! a record; empty lines are skipped).
//!
//! What the portal writes (as in Azure-Sentinel's `Sample Data/` exports): a UTF-8 byte
//! order mark; ` [UTC]` or ` [Local Time]` after the name of every datetime column;
//! datetimes as `10/25/2023, 9:43:21.994 AM` (month first), 24-hour forms or ISO;
//! dynamic values as their JSON text (quotes doubled by the CSV quoting); an empty
//! field for null. The header says nothing else about types: those come from the
//! table's schema, else are inferred from the text.
//!
//! The file's one sequential reader only cuts the text into batches of whole records
//! ([`Boundary`] finds where a record ends without parsing it); each batch is parsed
//! by the thread that converts it ([`Batch::ready`]), so parsing runs on every core.
//!
//! Why not the `csv` crate's parser, which the tests compare this one with: its state
//! machine reads a byte at a time and copies every field, 45% of the seed's instructions
//! over a portal export, where a query reads a few of ninety columns. Here the bytes
//! that matter (delimiter, quote, line ends) are found sixty-four at a time
//! ([`crate::io::bytes::any_of4`]) and a field is a range of the batch's text, copied
//! only when its quotes must be undone. (`simd-csv` splits as fast but not by the same
//! rules: a quote inside a field opens a quoted part, and `\r` alone ends nothing.)

use super::input::{Input, Rest};
use super::{Batch, Field, Header, Item, Opened, PartOptions, Records, Shape, BATCH_BYTES};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::sync::Arc;

/// Opens delimited text; with `opts.fields`, the file has no header and those are its
/// fields (externaldata's columns by position).
pub(crate) fn open(input: Input, delimiter: u8, opts: &PartOptions) -> Result<Opened> {
    let path = input.path.clone();
    let mut records = CsvRecords::new(input.into_reader(), path.clone(), delimiter, BATCH_BYTES);
    // The first record: the header, or (without one) the record whose length the
    // others must have, as the `csv` crate's reader has it.
    let first = records.first(opts.fields.is_none())?;
    if !opts.flexible {
        records.pending.expected = first.as_ref().map(|r| r.len());
    }
    if let Some(fields) = &opts.fields {
        return Ok(Opened {
            header: Header {
                shape: Shape::Delimited,
                fields: fields.clone(),
                declared: true,
            },
            records: Box::new(records),
        });
    }
    let headers = first.unwrap_or_default();
    let mut fields: Vec<Field> = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let f = Field::named(h, None);
        if fields.iter().any(|g| g.name == f.name) {
            return Err(Error::data(
                format!("the header names column `{}` twice", f.name),
                path,
                1,
            ));
        }
        fields.push(f);
    }
    // A file with nothing in it has no header: no fields, no rows.
    let fields = if fields.len() <= 1 && fields.first().is_none_or(|f| f.raw.is_empty()) {
        Vec::new()
    } else {
        fields
    };
    Ok(Opened {
        header: Header {
            shape: Shape::Delimited,
            fields,
            declared: true,
        },
        records: Box::new(records),
    })
}

/// How a batch of delimited text is parsed, on the thread that converts it.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// The line the batch's text starts on.
    line: usize,
    delimiter: u8,
    /// Every record has this many fields (the header's), unless the reader is
    /// flexible.
    expected: Option<usize>,
    path: Arc<str>,
}

/// Parses `batch.text` (whole records, cut by [`CsvRecords`]) into its records.
pub(crate) fn parse(batch: &mut Batch, p: &Pending) -> Result<()> {
    let bytes = std::mem::take(&mut batch.text);
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = p.line + memchr::memchr_iter(b'\n', &bytes[..at]).count();
            batch.text = bytes;
            return Err(Error::data(
                "the file is not valid UTF-8 text",
                &*p.path,
                line,
            ));
        }
    };
    let fields = &mut batch.fields;
    fields.clear();
    split(
        text.as_bytes(),
        p.delimiter,
        p.line,
        fields,
        &mut batch.items,
    );
    fields.text = text;
    if let Some(n) = p.expected {
        for (k, item) in batch.items.iter().enumerate() {
            let len = fields.record(k).len();
            if len != n {
                return Err(Error::data(
                    format!("a row with {len} fields, where the header has {n}"),
                    &*p.path,
                    item.line,
                ));
            }
        }
    }
    Ok(())
}

/// Records of fields (of delimited text, or lines of text), each field a range of the
/// batch's text (a quoted one's quotes undone when it is read), or of text of its own.
#[derive(Debug, Default)]
pub(crate) struct Fielded {
    /// The batch's text, once it is known to be UTF-8.
    text: String,
    /// Lines of text (the `txt` and `raw` formats), a record of one field each.
    own: String,
    /// Per field, its range: in `text`, or in `own` when the start has [`OWN`] set;
    /// with [`QUOTED`], the range (in `text`) is a quoted field's body and what
    /// follows its closing quote, whose quotes are undone when the field is read.
    spans: Vec<(usize, usize)>,
    /// Per record, its first field in `spans`.
    starts: Vec<usize>,
    /// Records before this one were dropped (`ignoreFirstRecord`).
    first: usize,
}

/// Marks a span of [`Fielded::own`].
const OWN: usize = 1 << (usize::BITS - 1);
/// Marks a span of a quoted field whose quotes are undone when it is read (most
/// fields are never read: a query reads a few columns of many).
const QUOTED: usize = 1 << (usize::BITS - 2);

impl Fielded {
    pub(crate) fn clear(&mut self) {
        self.own.clear();
        self.spans.clear();
        self.starts.clear();
        self.first = 0;
    }

    /// The batch's text, given back to be read into again.
    pub(crate) fn take_text(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.text).into_bytes()
    }

    /// How many records there are.
    pub(crate) fn len(&self) -> usize {
        self.starts.len() - self.first
    }

    pub(crate) fn record(&self, k: usize) -> Record<'_> {
        let k = k + self.first;
        let end = self.starts.get(k + 1).copied().unwrap_or(self.spans.len());
        Record {
            of: self,
            spans: &self.spans[self.starts[k]..end],
        }
    }

    /// Drops the first record.
    pub(crate) fn drop_first(&mut self) {
        if self.len() > 0 {
            self.first += 1;
        }
    }

    /// A record of one field, `text` (a line of text).
    pub(crate) fn push_line(&mut self, text: &str) {
        self.starts.push(self.spans.len());
        let start = self.own.len();
        self.own.push_str(text);
        self.spans.push((start | OWN, self.own.len()));
    }

    fn field(&self, (start, end): (usize, usize)) -> Cow<'_, str> {
        if start & OWN != 0 {
            Cow::Borrowed(&self.own[start & !OWN..end])
        } else if start & QUOTED != 0 {
            Cow::Owned(unquote(&self.text[start & !QUOTED..end]))
        } else {
            Cow::Borrowed(&self.text[start..end])
        }
    }
}

/// A quoted field's text from its body (after the opening quote) to the field's end:
/// in the body a doubled quote is a quote and a single one closes it; what follows is
/// text as it is.
fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(q) = rest.find('"') {
        if rest[q + 1..].starts_with('"') {
            out.push_str(&rest[..=q]);
            rest = &rest[q + 2..];
        } else {
            out.push_str(&rest[..q]);
            out.push_str(&rest[q + 1..]);
            return out;
        }
    }
    out.push_str(rest);
    out
}

/// One record's fields.
#[derive(Clone, Copy)]
pub(crate) struct Record<'a> {
    of: &'a Fielded,
    spans: &'a [(usize, usize)],
}

impl<'a> Record<'a> {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `i` (of `0..len()`).
    pub(crate) fn get(&self, i: usize) -> Cow<'a, str> {
        self.of.field(self.spans[i])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        let of = self.of;
        self.spans.iter().map(move |&s| of.field(s))
    }
}

/// The next byte of `set` at or after a place, found sixty-four bytes at a time; the
/// places asked for only grow.
struct Specials<'a> {
    text: &'a [u8],
    set: [u8; 4],
    /// The block looked at: its start, and a bit per byte of `set` in it.
    base: usize,
    mask: u64,
}

impl<'a> Specials<'a> {
    fn new(text: &'a [u8], set: [u8; 4]) -> Self {
        let mut s = Specials {
            text,
            set,
            base: 0,
            mask: 0,
        };
        s.load(0);
        s
    }

    /// Looks at the block that starts at `base` (a multiple of 64 inside the text).
    #[inline(always)]
    fn load(&mut self, base: usize) {
        self.base = base;
        self.mask = match self.text.get(base..base + 64) {
            Some(block) => match block.try_into() {
                Ok(block) => crate::io::bytes::any_of4(block, self.set),
                Err(_) => 0,
            },
            None => {
                // The last block, short: padded, and the padding's bits dropped.
                let rest = self.text.get(base..).unwrap_or_default();
                let mut block = [0u8; 64];
                block[..rest.len()].copy_from_slice(rest);
                crate::io::bytes::any_of4(&block, self.set) & ((1u64 << rest.len()) - 1)
            }
        };
    }

    /// Where unquoted text from `at` ends: the next delimiter or line end (a quote in
    /// it is text); the text's length if none.
    #[inline(always)]
    fn field_end(&mut self, mut at: usize) -> usize {
        loop {
            at = self.next(at);
            if self.text.get(at) != Some(&b'"') {
                return at;
            }
            at += 1;
        }
    }

    /// The place of the next byte of `set` at or after `at`; the text's length if none.
    #[inline(always)]
    fn next(&mut self, at: usize) -> usize {
        let len = self.text.len();
        if at >= len {
            return len;
        }
        if at < self.base || at >= self.base + 64 {
            self.load(at & !63);
        }
        let mut m = self.mask & (!0u64 << (at - self.base));
        loop {
            if m != 0 {
                return self.base + m.trailing_zeros() as usize;
            }
            if self.base + 64 >= len {
                return len;
            }
            self.load(self.base + 64);
            m = self.mask;
        }
    }
}

/// Splits `text` (whole records, starting on line `line`) into records of fields, as
/// the `csv` crate's reader does: each record's fields into `out`, its first line (and
/// its range of `text`) into `items`.
fn split(text: &[u8], delimiter: u8, mut line: usize, out: &mut Fielded, items: &mut Vec<Item>) {
    let len = text.len();
    let mut specials = Specials::new(text, [delimiter, b'"', b'\r', b'\n']);
    let mut i = 0;
    'records: loop {
        // Empty lines (and the `\n` of a CRLF) are no records.
        loop {
            match text.get(i) {
                Some(b'\n') => line += 1,
                Some(b'\r') => {}
                Some(_) => break,
                None => break 'records,
            }
            i += 1;
        }
        let start = i;
        let first_line = line;
        out.starts.push(out.spans.len());
        // Each field: `i` is where it starts.
        loop {
            let end;
            if text.get(i) == Some(&b'"') {
                // Quoted: up to the quote that is not doubled, then (as text) up to the
                // delimiter or the line end.
                let body = i + 1;
                let mut j = body;
                let mut doubled = false;
                let close = loop {
                    let k = specials.next(j);
                    match text.get(k) {
                        None => break None,
                        Some(b'"') => {
                            if text.get(k + 1) == Some(&b'"') {
                                doubled = true;
                                j = k + 2;
                            } else {
                                break Some(k);
                            }
                        }
                        Some(b'\n') => {
                            line += 1;
                            j = k + 1;
                        }
                        Some(_) => j = k + 1,
                    }
                };
                match close {
                    // A quote never closed: the field is the rest of the text.
                    None => {
                        out.spans.push((body | QUOTED, len));
                        end = len;
                    }
                    Some(q) => {
                        // After the closing quote: text up to the field's end.
                        let k = specials.field_end(q + 1);
                        if doubled || k > q + 1 {
                            out.spans.push((body | QUOTED, k));
                        } else {
                            out.spans.push((body, q));
                        }
                        end = k;
                    }
                }
            } else {
                let k = specials.field_end(i);
                out.spans.push((i, k));
                end = k;
            }
            match text.get(end) {
                Some(&c) if c == delimiter => i = end + 1,
                // A line end (or the text's end) ends the record.
                _ => {
                    items.push(Item {
                        start,
                        end,
                        line: first_line,
                    });
                    if end >= len {
                        break 'records;
                    }
                    i = end;
                    continue 'records;
                }
            }
        }
    }
}

/// Where the records of delimited text end, found without parsing them: the line breaks
/// outside quoted fields, by the `csv` crate's rules (a field is quoted when it starts
/// with a quote; in it, a doubled quote is a quote and a single one closes it; a quote
/// anywhere else is text). Run over a growing text from its start, which is a record's
/// start, as more of it is read.
#[derive(Clone, Copy, Debug, Default)]
struct Boundary {
    /// How far the text has been looked at.
    at: usize,
    quoted: bool,
    /// Just past the last line break that ends a record (0: none yet).
    last: usize,
    /// Stop at the first record's end.
    one: bool,
}

impl Boundary {
    /// Looks at the rest of `text`; `end`: nothing follows it.
    fn run(&mut self, text: &[u8], delimiter: u8, end: bool) {
        while self.at < text.len() {
            let rest = &text[self.at..];
            if self.quoted {
                let Some(i) = memchr::memchr(b'"', rest) else {
                    self.at = text.len();
                    return;
                };
                let q = self.at + i;
                match text.get(q + 1) {
                    Some(b'"') => self.at = q + 2,
                    Some(_) => {
                        self.quoted = false;
                        self.at = q + 1;
                    }
                    // Whether the quote is doubled is up to the next byte, not read yet.
                    None if !end => {
                        self.at = q;
                        return;
                    }
                    None => {
                        self.quoted = false;
                        self.at = q + 1;
                    }
                }
            } else {
                let Some(i) = memchr::memchr2(b'"', b'\n', rest) else {
                    self.at = text.len();
                    return;
                };
                let k = self.at + i;
                if text[k] == b'\n' {
                    self.last = k + 1;
                    if self.one {
                        self.at = k + 1;
                        return;
                    }
                } else if k == 0 || matches!(text[k - 1], b'\n' | b'\r') || text[k - 1] == delimiter
                {
                    self.quoted = true;
                }
                self.at = k + 1;
            }
        }
    }
}

/// A delimited file's records, cut into batches of whole records and parsed later
/// (see [`parse`]).
struct CsvRecords {
    src: Rest,
    /// What was read past the last batch's end: the start of the next.
    carry: Vec<u8>,
    /// The parse of every batch (its `line` is the carry's).
    pending: Pending,
    eof: bool,
    /// Bytes of text per batch (at least).
    batch_bytes: usize,
}

impl CsvRecords {
    fn new(src: Rest, path: String, delimiter: u8, batch_bytes: usize) -> Self {
        CsvRecords {
            src,
            carry: Vec::new(),
            pending: Pending {
                line: 1,
                delimiter,
                expected: None,
                path: path.into(),
            },
            eof: false,
            batch_bytes,
        }
    }

    /// Reads into `text` until it holds `want` bytes or the file ends.
    fn fill(&mut self, text: &mut Vec<u8>, want: usize) -> Result<()> {
        while text.len() < want && !self.eof {
            let limit = want - text.len();
            match self.src.append(text, limit) {
                Ok(n) => self.eof = n < limit,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::data(
                        format!("cannot read the file: {e}"),
                        &*self.pending.path,
                        self.pending.line,
                    ))
                }
            }
        }
        Ok(())
    }

    /// Cuts the next whole records (at least a batch of them, unless the file ends
    /// first; `one`: the next record) off the front of what is left into `text`;
    /// empty at the end.
    fn cut(&mut self, text: &mut Vec<u8>, one: bool) -> Result<()> {
        text.clear();
        std::mem::swap(text, &mut self.carry);
        let mut scan = Boundary {
            one,
            ..Boundary::default()
        };
        let mut want = self.batch_bytes.max(1);
        loop {
            self.fill(text, want)?;
            scan.run(text, self.pending.delimiter, self.eof);
            if scan.last > 0 && (one || text.len() >= self.batch_bytes) {
                self.carry.extend_from_slice(&text[scan.last..]);
                text.truncate(scan.last);
                break;
            }
            if self.eof {
                break;
            }
            // No record ends in what was read: read as much again.
            want = text.len() * 2;
        }
        self.pending.line += memchr::memchr_iter(b'\n', text).count();
        Ok(())
    }

    /// Parses the first record; `take`: it is the header, not one of the records the
    /// batches give. `None` when the file has none.
    fn first(&mut self, take: bool) -> Result<Option<Vec<String>>> {
        let mut text = Vec::new();
        let mut batch = Batch::default();
        let mut cut = Vec::new();
        loop {
            let line = self.pending.line;
            // One line at a time: the first record may follow empty lines.
            self.cut(&mut text, true)?;
            if text.is_empty() {
                break;
            }
            cut.extend_from_slice(&text);
            let p = Pending {
                line,
                expected: None,
                ..self.pending.clone()
            };
            batch.clear();
            batch.text.extend_from_slice(&text);
            parse(&mut batch, &p)?;
            if batch.fields.len() == 0 {
                continue;
            }
            let record: Vec<String> = batch.fields.record(0).iter().map(Cow::into_owned).collect();
            if !take {
                // Given back: it is read again with the rest.
                cut.append(&mut self.carry);
                self.carry = cut;
                self.pending.line = 1;
            } else if let Some(next) = batch.items.get(1) {
                // A line may hold more than one record (`\r` ends one too): those after
                // the first are read with the rest.
                let mut rest = text[next.start..].to_vec();
                rest.append(&mut self.carry);
                self.carry = rest;
                self.pending.line = next.line;
            }
            return Ok(Some(record));
        }
        if !take {
            self.carry = cut;
            self.pending.line = 1;
        }
        Ok(None)
    }
}

impl Records for CsvRecords {
    fn next(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        let line = self.pending.line;
        let mut text = std::mem::take(&mut batch.text);
        let cut = self.cut(&mut text, false);
        batch.text = text;
        cut?;
        if batch.text.is_empty() {
            return Ok(false);
        }
        batch.pending = Some(Pending {
            line,
            ..self.pending.clone()
        });
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// The line of a record the `csv` crate read at `pos`: its position is where its
    /// reader was when the record began, before the empty lines in front of the record
    /// (and the `\n` of a CRLF) are skipped; the record is on the line of its first
    /// byte after them.
    fn line_of(text: &[u8], pos: Option<&::csv::Position>) -> usize {
        let pos = pos.unwrap();
        let at = (pos.byte() as usize).min(text.len());
        let skipped = text[at..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .filter(|&&b| b == b'\n')
            .count();
        pos.line() as usize + skipped
    }

    /// A reader that gives a few bytes at a time, as pipes and decoders may.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(self.0.len() - self.1).min(1 + self.1 % 5);
            out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    /// Every record, with its line, as the `csv` crate reads the whole text at once.
    fn whole(text: &[u8], delimiter: u8) -> Vec<(usize, Vec<String>)> {
        let mut csv = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        csv.records()
            .map(|r| {
                let r = r.unwrap();
                let line = line_of(text, r.position());
                (line, r.iter().map(str::to_string).collect())
            })
            .collect()
    }

    /// The same, cut into batches of at least `bytes` and each parsed on its own;
    /// `first`: the first record is read first, as a header (`Some(true)`) or given
    /// back (`Some(false)`).
    fn cut_as(
        text: &[u8],
        delimiter: u8,
        bytes: usize,
        first: Option<bool>,
    ) -> Vec<(usize, Vec<String>)> {
        let src = Rest::reader(Box::new(Trickle(text.to_vec(), 0)));
        let mut records = CsvRecords::new(src, "t.csv".into(), delimiter, bytes);
        let mut out = Vec::new();
        if let Some(take) = first {
            if let Some(r) = records.first(take).unwrap() {
                if take {
                    // The header's line is not kept (its errors are on line 1).
                    out.push((0, r));
                }
            }
        }
        let mut batch = Batch::default();
        while records.next(&mut batch).unwrap() {
            batch.ready().unwrap();
            for (k, item) in batch.items.iter().enumerate() {
                let r = batch.fields.record(k);
                out.push((item.line, r.iter().map(Cow::into_owned).collect()));
            }
        }
        out
    }

    fn cut(text: &[u8], delimiter: u8, bytes: usize) -> Vec<(usize, Vec<String>)> {
        cut_as(text, delimiter, bytes, None)
    }

    /// Texts made of pieces that test the cutting: quoted fields with delimiters, line
    /// breaks and doubled quotes, quotes inside unquoted fields and after a closing
    /// quote, CRLF and CR line ends, empty lines, a last line without a line end.
    fn texts() -> Vec<Vec<u8>> {
        const PIECES: &[&str] = &[
            "a",
            ",",
            "\n",
            "\r\n",
            "\r",
            "\"",
            "\"\"",
            "\"x,\ny\"",
            "b\"c",
            "\"q\"r",
            "\n\n",
            "\"{\"\"k\"\":1}\"",
            "\t",
            "é",
            // Longer than a block of the scan.
            "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
            "\"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrst\"\"uvwxyz\"",
        ];
        // A small deterministic generator (xorshift): the same texts on every run.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..1000)
            .map(|_| {
                let len = (next() % 60) as usize;
                (0..len)
                    .flat_map(|_| PIECES[(next() % PIECES.len() as u64) as usize].bytes())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn batches_cut_at_record_ends_read_as_the_whole_text() {
        for text in texts() {
            for delimiter in [b',', b'\t'] {
                let expected = whole(&text, delimiter);
                for bytes in [1, 2, 3, 7, 64, 1 << 20] {
                    for first in [None, Some(true), Some(false)] {
                        let mut expected = expected.clone();
                        if let (Some(true), Some(header)) = (first, expected.first_mut()) {
                            header.0 = 0;
                        }
                        assert_eq!(
                            cut_as(&text, delimiter, bytes, first),
                            expected,
                            "{:?} in batches of {bytes}, first record {first:?}",
                            String::from_utf8_lossy(&text)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_record_is_on_the_line_of_its_first_byte() {
        // After empty lines and CRLF line ends, and after a field with a line break.
        let text = b"a\r\n\r\nb\r\n\"c\nd\"\r\n\n\ne";
        let lines: Vec<usize> = cut(text, b',', 1 << 20).iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 3, 4, 8]);
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_on_its_line() {
        let text = b"a,b\n1,2\n\"x\ny\",\xff\n".to_vec();
        let src = Rest::reader(Box::new(std::io::Cursor::new(text)));
        let mut records = CsvRecords::new(src, "t.csv".into(), b',', 1 << 20);
        records.first(true).unwrap();
        let mut batch = Batch::default();
        assert!(records.next(&mut batch).unwrap());
        let e = batch.ready().unwrap_err();
        assert!(e.message.contains("not valid UTF-8"), "{}", e.message);
        match e.location {
            crate::error::Location::File { line, .. } => assert_eq!(line, 4),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_line_in_the_file() {
        let text = b"a,b\n1,2\n3,4\n\"5\n\",6\n7,8,9\n".to_vec();
        let src = Rest::reader(Box::new(std::io::Cursor::new(text)));
        let mut records = CsvRecords::new(src, "t.csv".into(), b',', 1);
        let first = records.first(true).unwrap().unwrap();
        assert_eq!(first, ["a", "b"]);
        records.pending.expected = Some(first.len());
        let mut batch = Batch::default();
        let mut lines = Vec::new();
        loop {
            assert!(records.next(&mut batch).unwrap(), "no error met");
            match batch.ready() {
                Ok(()) => lines.extend(batch.items.iter().map(|i| i.line)),
                Err(e) => {
                    assert!(e
                        .message
                        .contains("a row with 3 fields, where the header has 2"));
                    assert_eq!(lines, [2, 3, 4]);
                    match e.location {
                        crate::error::Location::File { line, path } => {
                            assert_eq!((path.as_str(), line), ("t.csv", 6))
                        }
                        other => panic!("{other:?}"),
                    }
                    return;
                }
            }
        }
    }
}
