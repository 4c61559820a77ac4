//! A file's bytes in order, read as they are needed: plain or gzip (told by the first
//! bytes, not the name), a UTF-8 byte order mark dropped, with the line of the current
//! position; and JSON values cut out of it without being parsed (bracket matching), so
//! that a reader walks a document of any size holding only the value it is at.
//!
//! Every reader of a JSON format is this walk plus what its format says to look for;
//! the values cut out are parsed on the worker threads.

use crate::error::{Error, Result};
use crate::io::cursor::ValueScan;
use std::io::Read;
use std::path::Path;

/// How much is read from the file at a time.
const READ: usize = 256 * 1024;

/// The bytes read so far, or the whole file mapped.
enum Buf {
    Read(Vec<u8>),
    /// A plain file mapped: no copy from the page cache into a buffer, no buffer to
    /// grow and shift (the sequential reader of a JSON array cut each of its bytes out
    /// twice over: read into the buffer, then copied into a batch). Pages behind the
    /// reader are dropped as it goes (`released`), so that the process's resident
    /// memory does not grow with the file; those ahead are mapped a window at a time
    /// (`populated`), not a fault per few pages.
    Mapped {
        map: memmap2::Mmap,
        released: usize,
        populated: usize,
    },
}

impl std::ops::Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buf::Read(b) => b,
            Buf::Mapped { map, .. } => map,
        }
    }
}

/// How far ahead of the reader a mapped file's pages are mapped, and how much of what
/// is behind it is dropped at a time.
const WINDOW: usize = 4 << 20;

pub(crate) struct Input {
    src: Box<dyn Read + Send>,
    buf: Buf,
    /// Where the unread part of `buf` starts.
    pos: usize,
    /// The line of `buf[pos]`.
    line: usize,
    eof: bool,
    /// `src` is a gzip decoder (which [`Input::into_reader`] runs on a thread ahead).
    gzip: bool,
    /// The file, as errors name it.
    pub path: String,
}

/// gzip's magic bytes.
const GZIP: [u8; 2] = [0x1f, 0x8b];

/// Whether the file at `path` is gzip-compressed (by its first bytes).
pub(crate) fn is_gzip(path: &Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == GZIP
}

/// How much a thread inflating ahead hands over at a time, and how many such buffers
/// may wait for the reader: a few hundred kilobytes in flight.
const AHEAD: usize = 256 * 1024;
const AHEAD_QUEUE: usize = 2;

/// A reader whose text another thread reads (inflates) ahead of it, so that
/// decompressing a gzip file runs on one core while the file's one sequential reader
/// (the CSV reader cutting records, in the lock the converting threads share) runs on
/// another: reading a file is then as fast as the slower of the two, not their sum.
/// At most [`AHEAD_QUEUE`] buffers of [`AHEAD`] bytes wait; an error of the inner
/// reader reaches the reader where it happened, and the thread stops when the reader
/// is dropped.
pub(crate) struct Ahead {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    /// Read buffers go back to the thread for reuse.
    back: std::sync::mpsc::Sender<Vec<u8>>,
    cur: Vec<u8>,
    at: usize,
    /// The thread said the text ended (or failed; the error was given once).
    done: bool,
}

impl Ahead {
    /// `src` read on a thread ahead; `src` itself when no thread can be started.
    pub(crate) fn spawn(src: Box<dyn Read + Send>) -> Rest {
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(AHEAD_QUEUE);
        let (back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
        // The reader comes back when the thread cannot be started.
        let src = std::sync::Arc::new(std::sync::Mutex::new(Some(src)));
        let inner = src.clone();
        let started = std::thread::Builder::new()
            .name("inflate".into())
            .spawn(move || {
                let Some(mut src) = inner.lock().ok().and_then(|mut s| s.take()) else {
                    return;
                };
                loop {
                    let mut buf = spare.try_recv().unwrap_or_default();
                    buf.resize(AHEAD, 0);
                    let mut len = 0;
                    let mut failed = None;
                    while len < AHEAD {
                        match src.read(&mut buf[len..]) {
                            Ok(0) => break,
                            Ok(n) => len += n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                    buf.truncate(len);
                    let end = len < AHEAD;
                    if len > 0 && tx.send(Ok(buf)).is_err() {
                        return;
                    }
                    if let Some(e) = failed {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    if end {
                        // The end, said explicitly: a thread that died says nothing,
                        // and that must not read as the end of the file.
                        let _ = tx.send(Ok(Vec::new()));
                        return;
                    }
                }
            });
        if started.is_err() {
            if let Some(src) = src.lock().ok().and_then(|mut s| s.take()) {
                return Rest::of(Vec::new(), Src::Read(src));
            }
        }
        Rest::of(
            Vec::new(),
            Src::Ahead(Ahead {
                rx,
                back,
                cur: Vec::new(),
                at: 0,
                done: false,
            }),
        )
    }

    /// The bytes handed over and not read yet: none at the end.
    fn unread(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.cur.len() {
            if self.done {
                return Ok(&[]);
            }
            match self.rx.recv() {
                Ok(Ok(buf)) if buf.is_empty() => self.done = true,
                Ok(Ok(buf)) => {
                    let used = std::mem::replace(&mut self.cur, buf);
                    let _ = self.back.send(used);
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Err(std::io::Error::other(
                        "the thread decompressing the file stopped",
                    ));
                }
            }
        }
        Ok(&self.cur[self.at..])
    }
}

impl Input {
    /// Opens `path`, uncompressing it when it is gzip.
    pub(crate) fn open(path: &Path) -> Result<Input> {
        let shown = path.display().to_string();
        let file =
            std::fs::File::open(path).map_err(|e| super::super::schema::io_error(&shown, &e))?;
        Input::new(Box::new(file), shown)
    }

    /// Opens `path` as [`Input::open`] does, mapping it when it is a plain file that
    /// can be mapped (see [`Buf::Mapped`]); gzip is read through its decoder.
    pub(crate) fn mapped(path: &Path) -> Result<Input> {
        let shown = path.display().to_string();
        let file =
            std::fs::File::open(path).map_err(|e| super::super::schema::io_error(&shown, &e))?;
        let map = crate::io::scan::map_file(&file).filter(|m| !m.starts_with(&GZIP));
        let Some(map) = map else {
            return Input::new(Box::new(file), shown);
        };
        let _ = map.advise(memmap2::Advice::Sequential);
        let mut input = Input {
            src: Box::new(std::io::empty()),
            buf: Buf::Mapped {
                map,
                released: 0,
                populated: 0,
            },
            pos: 0,
            line: 1,
            eof: true,
            gzip: false,
            path: shown,
        };
        if input.buf.starts_with(b"\xEF\xBB\xBF") {
            input.pos = 3;
        }
        input.advance(0);
        Ok(input)
    }

    /// Reads `src` (uncompressing gzip) as the file `path`.
    pub(crate) fn new(mut src: Box<dyn Read + Send>, path: String) -> Result<Input> {
        let mut head = [0u8; 2];
        let mut n = 0;
        while n < 2 {
            match src.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(super::super::schema::io_error(&path, &e)),
            }
        }
        let rest = std::io::Cursor::new(head[..n].to_vec()).chain(src);
        let gzip = n == 2 && head == GZIP;
        let src: Box<dyn Read + Send> = if gzip {
            // Several gzip members one after another are one file (as `cat a.gz b.gz`).
            Box::new(flate2::read::MultiGzDecoder::new(rest))
        } else {
            Box::new(rest)
        };
        let mut input = Input {
            src,
            buf: Buf::Read(Vec::new()),
            pos: 0,
            line: 1,
            eof: false,
            gzip,
            path,
        };
        input.ensure(3)?;
        if input.buf.starts_with(b"\xEF\xBB\xBF") {
            input.pos = 3;
        }
        Ok(input)
    }

    /// The whole rest of the input as one reader (for the CSV reader). A gzip file is
    /// inflated on a thread of its own, ahead of the reader (see [`Ahead`]).
    pub(crate) fn into_reader(self) -> Rest {
        match self.buf {
            Buf::Read(buf) => {
                let head = buf[self.pos..].to_vec();
                if self.gzip && !self.eof {
                    let mut rest = Ahead::spawn(self.src);
                    rest.head = head;
                    rest
                } else {
                    Rest::of(head, Src::Read(self.src))
                }
            }
            Buf::Mapped { map, .. } => Rest::of(
                Vec::new(),
                Src::Map(MapReader {
                    map,
                    at: self.pos,
                    released: 0,
                }),
            ),
        }
    }

    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// Where the reader is in the file, when the file is mapped (else unknown: what a
    /// buffer held before its start was dropped).
    pub(crate) fn mapped_offset(&self) -> Option<usize> {
        matches!(self.buf, Buf::Mapped { .. }).then_some(self.pos)
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::data(message, self.path.clone(), self.line)
    }

    /// Reads more; `false` at the end of the file.
    fn fill(&mut self) -> Result<bool> {
        // (A mapped file is at its end from the start.)
        let Buf::Read(buf) = &mut self.buf else {
            return Ok(false);
        };
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos * 2 >= buf.len() {
            buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = buf.len();
        buf.resize(len + READ, 0);
        loop {
            match self.src.read(&mut buf[len..]) {
                Ok(0) => {
                    buf.truncate(len);
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    buf.truncate(len + n);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    buf.truncate(len);
                    let what = if e.kind() == std::io::ErrorKind::InvalidInput
                        || e.kind() == std::io::ErrorKind::InvalidData
                    {
                        format!("the file is not valid gzip: {e}")
                    } else {
                        format!("cannot read the file: {e}")
                    };
                    return Err(self.error(what));
                }
            }
        }
    }

    /// At least `n` unread bytes, unless the file ends first.
    fn ensure(&mut self, n: usize) -> Result<bool> {
        while self.buf.len() - self.pos < n {
            if !self.fill()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The first bytes of the rest of the input (up to `n`), not consumed.
    pub(crate) fn head(&mut self, n: usize) -> Result<&[u8]> {
        self.ensure(n)?;
        let end = (self.pos + n).min(self.buf.len());
        Ok(&self.buf[self.pos..end])
    }

    pub(crate) fn peek(&mut self) -> Result<Option<u8>> {
        self.ensure(1)?;
        Ok(self.buf.get(self.pos).copied())
    }

    fn advance(&mut self, n: usize) {
        let end = self.pos + n;
        self.line += memchr::memchr_iter(b'\n', &self.buf[self.pos..end]).count();
        self.pos = end;
        if let Buf::Mapped {
            map,
            released,
            populated,
        } = &mut self.buf
        {
            // What is behind the reader was copied out (or skipped): it is done with.
            if end >= *released + WINDOW {
                crate::io::scan::release(map, *released..end);
                *released = end;
            }
            if end + WINDOW / 2 >= *populated && *populated < map.len() {
                let from = (*populated).max(end);
                let len = WINDOW.min(map.len() - from);
                let _ = map.advise_range(memmap2::Advice::PopulateRead, from, len);
                *populated = from + len;
            }
        }
    }

    pub(crate) fn skip_ws(&mut self) -> Result<()> {
        loop {
            let rest = &self.buf[self.pos..];
            let n = rest
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            self.advance(n);
            if self.pos < self.buf.len() || !self.fill()? {
                return Ok(());
            }
        }
    }

    /// Past blanks, whether the next byte is `b` (then consumed).
    pub(crate) fn eat(&mut self, b: u8) -> Result<bool> {
        self.skip_ws()?;
        if self.peek()? == Some(b) {
            self.advance(1);
            return Ok(true);
        }
        Ok(false)
    }

    pub(crate) fn expect(&mut self, b: u8, what: &str) -> Result<()> {
        if self.eat(b)? {
            return Ok(());
        }
        Err(match self.peek()? {
            None => self.error(format!("the file ends where {what} should be")),
            Some(c) => self.error(format!(
                "expected {what}, found `{}`",
                char::from(c).escape_default()
            )),
        })
    }

    /// The length of the JSON value at the cursor (past blanks), read whole into the
    /// buffer; an error when the file ends inside it.
    fn value_len(&mut self) -> Result<usize> {
        self.skip_ws()?;
        let mut scan = ValueScan::default();
        let mut done = 0;
        loop {
            if let Some(end) = scan.feed(&self.buf[self.pos + done..]) {
                return Ok(done + end);
            }
            done = self.buf.len() - self.pos;
            if !self.fill()? {
                return match scan.at_eof() {
                    true if done > 0 => Ok(done),
                    _ => Err(self.error("invalid JSON: the file ends inside a value")),
                };
            }
        }
    }

    /// Copies the JSON value at the cursor to the end of `out` and moves past it: its
    /// range in `out` and its first line.
    pub(crate) fn take_value(&mut self, out: &mut Vec<u8>) -> Result<(usize, usize, usize)> {
        let n = self.value_len()?;
        if n == 0 {
            return Err(self.error(match self.buf.get(self.pos) {
                Some(c) => format!(
                    "expected a JSON value, found `{}`",
                    char::from(*c).escape_default()
                ),
                None => "expected a JSON value".to_string(),
            }));
        }
        let line = self.line;
        let start = out.len();
        out.extend_from_slice(&self.buf[self.pos..self.pos + n]);
        self.advance(n);
        Ok((start, out.len(), line))
    }

    /// Parses the (small) JSON value at the cursor.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        let n = self.value_len()?;
        let line = self.line;
        let v = serde_json::from_slice::<T>(&self.buf[self.pos..self.pos + n]).map_err(|e| {
            Error::data(
                format!("invalid JSON: {e}"),
                self.path.clone(),
                line + e.line().saturating_sub(1),
            )
        })?;
        self.advance(n);
        Ok(v)
    }

    /// Moves past the JSON value at the cursor without keeping it (it may be the bulk of
    /// the file).
    pub(crate) fn skip_value(&mut self) -> Result<()> {
        self.skip_ws()?;
        let mut scan = ValueScan::default();
        loop {
            if let Some(end) = scan.feed(&self.buf[self.pos..]) {
                if end == 0 {
                    return Err(self.error("expected a JSON value"));
                }
                self.advance(end);
                return Ok(());
            }
            let n = self.buf.len() - self.pos;
            self.advance(n);
            if !self.fill()? {
                return match scan.at_eof() {
                    true => Ok(()),
                    false => Err(self.error("invalid JSON: the file ends inside a value")),
                };
            }
        }
    }

    /// The object key at the cursor and its colon.
    pub(crate) fn key(&mut self) -> Result<String> {
        self.skip_ws()?;
        if self.peek()? != Some(b'"') {
            return Err(self.error("expected a quoted key"));
        }
        let k: String = self.parse()?;
        self.expect(b':', "`:` after a key")?;
        Ok(k)
    }

    /// In an object (past its `{` or a value), whether another key follows (consuming
    /// the `,`); `false` past the closing `}`.
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<bool> {
        if self.eat(b'}')? {
            return Ok(false);
        }
        if !std::mem::take(first) {
            self.expect(b',', "`,` or `}` in an object")?;
        }
        Ok(true)
    }

    /// In an array (past its `[` or an element), whether another element follows
    /// (consuming the `,`); `false` past the closing `]`.
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        if self.eat(b']')? {
            return Ok(false);
        }
        if !std::mem::take(first) {
            self.expect(b',', "`,` or `]` in an array")?;
        }
        Ok(true)
    }

    /// Appends up to `n` bytes of the rest of the input to `out`; `false` when the input
    /// has ended.
    pub(crate) fn take_raw(&mut self, out: &mut Vec<u8>, n: usize) -> Result<bool> {
        self.ensure(n)?;
        let end = (self.pos + n).min(self.buf.len());
        out.extend_from_slice(&self.buf[self.pos..end]);
        let k = end - self.pos;
        self.advance(k);
        Ok(!(self.eof && self.pos >= self.buf.len()))
    }

    /// Whether anything but blanks is left.
    pub(crate) fn at_end(&mut self) -> Result<bool> {
        self.skip_ws()?;
        Ok(self.peek()?.is_none())
    }
}

/// The rest of a mapped file as a reader (for the CSV reader), its pages dropped as
/// they are read (see [`Buf::Mapped`]).
struct MapReader {
    map: memmap2::Mmap,
    at: usize,
    released: usize,
}

impl MapReader {
    /// The next `n` bytes at most; the pages behind them go (see [`Buf::Mapped`]).
    fn take(&mut self, n: usize) -> &[u8] {
        let start = self.at;
        self.at += n.min(self.map.len() - self.at);
        if self.at >= self.released + WINDOW {
            crate::io::scan::release(&self.map, self.released..start);
            self.released = start;
        }
        &self.map[start..self.at]
    }
}

/// Where the rest of an input comes from.
enum Src {
    Map(MapReader),
    Ahead(Ahead),
    Read(Box<dyn Read + Send>),
}

/// The rest of an input, in order: what was read of it already, then its source.
/// A reader; and [`Rest::append`] reads into a vector's spare room as it is (`Read`
/// into a vector zeroes the room first, through these readers, which cannot say they
/// need not: as many instructions as the copy itself).
pub(crate) struct Rest {
    head: Vec<u8>,
    at: usize,
    src: Src,
}

impl Rest {
    fn of(head: Vec<u8>, src: Src) -> Rest {
        Rest { head, at: 0, src }
    }

    /// The text `src` reads, as it is (no gzip, no byte order mark dropped).
    #[cfg(test)]
    pub(crate) fn reader(src: Box<dyn Read + Send>) -> Rest {
        Rest::of(Vec::new(), Src::Read(src))
    }

    /// Appends the next `max` bytes to `out`: fewer only at the end.
    pub(crate) fn append(&mut self, out: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
        let start = out.len();
        while out.len() - start < max {
            let want = max - (out.len() - start);
            if self.at < self.head.len() {
                let n = want.min(self.head.len() - self.at);
                out.extend_from_slice(&self.head[self.at..self.at + n]);
                self.at += n;
                continue;
            }
            let n = match &mut self.src {
                Src::Map(m) => {
                    let b = m.take(want);
                    out.extend_from_slice(b);
                    b.len()
                }
                Src::Ahead(a) => {
                    let b = a.unread()?;
                    let n = want.min(b.len());
                    out.extend_from_slice(&b[..n]);
                    a.at += n;
                    n
                }
                Src::Read(r) => r.take(want as u64).read_to_end(out)?,
            };
            if n == 0 {
                break;
            }
        }
        Ok(out.len() - start)
    }
}

impl Read for Rest {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.at < self.head.len() {
            let n = out.len().min(self.head.len() - self.at);
            out[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        match &mut self.src {
            Src::Map(m) => {
                let b = m.take(out.len());
                out[..b.len()].copy_from_slice(b);
                Ok(b.len())
            }
            Src::Ahead(a) => {
                let b = a.unread()?;
                let n = out.len().min(b.len());
                out[..n].copy_from_slice(&b[..n]);
                a.at += n;
                Ok(n)
            }
            Src::Read(r) => r.read(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> Input {
        Input::new(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            "t".into(),
        )
        .unwrap()
    }

    #[test]
    fn values_are_cut_whole_across_reads_and_lines_counted() {
        // Values longer than one read, with brackets and escaped quotes in strings.
        let long = "x".repeat(READ + 17);
        let text = format!(
            "\u{feff} [ {{\"a\": \"]}}\\\"{long}\\\\\", \"b\": [1, {{}}]}},\n 12 ,\n\"s\\\"\" , true]"
        );
        let mut i = input(&text);
        i.expect(b'[', "`[`").unwrap();
        let mut first = true;
        let mut out = Vec::new();
        let mut got = Vec::new();
        while i.next_element(&mut first).unwrap() {
            let (s, e, line) = i.take_value(&mut out).unwrap();
            got.push((String::from_utf8(out[s..e].to_vec()).unwrap(), line));
        }
        assert_eq!(got.len(), 4);
        let j: serde_json::Value = serde_json::from_str(&got[0].0).unwrap();
        assert_eq!(j["a"].as_str().unwrap().len(), long.len() + 4);
        assert_eq!(got[1], ("12".to_string(), 2));
        assert_eq!(got[2], ("\"s\\\"\"".to_string(), 3));
        assert_eq!(got[3], ("true".to_string(), 3));
        assert!(i.at_end().unwrap());
    }

    /// Where a value starting at `text[0]` ends, a byte at a time (the reference).
    fn reference_end(text: &[u8]) -> Option<usize> {
        let (mut depth, mut in_str, mut esc) = (0u32, false, false);
        match *text.first()? {
            b'{' | b'[' => depth = 1,
            b'"' => in_str = true,
            b'}' | b']' | b',' | b':' => return Some(0),
            _ => {
                return text
                    .iter()
                    .position(|c| c.is_ascii_whitespace() || b",]}:".contains(c))
            }
        }
        for (i, &c) in text.iter().enumerate().skip(1) {
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
            } else if c == b'"' {
                in_str = true;
            } else if c == b'{' || c == b'[' {
                depth += 1;
            } else if c == b'}' || c == b']' {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        }
        None
    }

    #[test]
    fn the_block_scan_agrees_with_the_byte_by_byte_reading() {
        // Random texts of the bytes that matter (long runs of plain bytes among them, so
        // that whole blocks are plain), fed in reads of random lengths.
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b"\\\"",
            b"a",
            b" ",
            b"1",
            b",",
            b"\"key\": \"some longer value of text\", ",
            b"\n    ",
            b"{\"a\":[1,2]}",
        ];
        let mut ended = 0;
        for case in 0..40_000 {
            let n = (next() % 80) as usize + 1;
            let mut text = Vec::new();
            text.push([b'{', b'[', b'"', b'1'][(next() % 4) as usize]);
            for _ in 0..n {
                let mut piece = pieces[(next() % pieces.len() as u64) as usize];
                // Backslashes rare in half the cases, so that blocks have none.
                if case % 2 == 0 && piece.contains(&b'\\') && next() % 16 != 0 {
                    piece = b"ab";
                }
                text.extend_from_slice(piece);
            }
            let want = reference_end(&text);
            let mut scan = ValueScan::default();
            let (mut at, mut got) = (0, None);
            while at < text.len() {
                let len = ((next() % 200) as usize + 1).min(text.len() - at);
                if let Some(end) = scan.feed(&text[at..at + len]) {
                    got = Some(at + end);
                    break;
                }
                at += len;
            }
            assert_eq!(got, want, "{}", String::from_utf8_lossy(&text));
            ended += got.is_some() as usize;
        }
        assert!(ended > 5_000, "{ended}");
    }

    #[test]
    fn skipping_keeps_lines_and_truncation_is_an_error() {
        let mut i = input("{\"rows\": [[1,\n2],\n[3]], \"k\": 5}");
        i.expect(b'{', "`{`").unwrap();
        let mut first = true;
        assert!(i.next_key(&mut first).unwrap());
        assert_eq!(i.key().unwrap(), "rows");
        i.skip_value().unwrap();
        assert!(i.next_key(&mut first).unwrap());
        assert_eq!(i.key().unwrap(), "k");
        assert_eq!(i.line(), 3);
        assert_eq!(i.parse::<i64>().unwrap(), 5);
        assert!(!i.next_key(&mut first).unwrap());
        let mut i = input("[{\"a\": [1, 2}");
        i.expect(b'[', "`[`").unwrap();
        let e = i.take_value(&mut Vec::new()).unwrap_err();
        assert!(e.message.contains("ends inside"), "{}", e.message);
    }

    /// A plain file mapped reads as the same file read: every value, its line, the
    /// byte order mark dropped, the rest as a reader; past a few windows (pages dropped
    /// behind, mapped ahead). A gzip file is read through its decoder.
    #[test]
    fn a_mapped_file_reads_as_the_file_read() {
        let dir = std::env::temp_dir().join(format!("kql-input-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::from("\u{feff}[\n");
        let mut i = 0;
        while text.len() < 3 * WINDOW {
            text.push_str(&format!(
                "  {{\"i\": {i}, \"s\": \"{}\"}},\n",
                "x".repeat(i % 300)
            ));
            i += 1;
        }
        text.push_str("  {\"i\": -1}\n]\n");
        let path = dir.join("a.json");
        std::fs::write(&path, &text).unwrap();
        let read_all = |mut input: Input| {
            input.expect(b'[', "`[`").unwrap();
            let (mut first, mut out, mut got) = (true, Vec::new(), Vec::new());
            while input.next_element(&mut first).unwrap() {
                let (s, e, line) = input.take_value(&mut out).unwrap();
                got.push((out[s..e].to_vec(), line));
            }
            assert!(input.at_end().unwrap());
            got
        };
        let mapped = Input::mapped(&path).unwrap();
        assert!(mapped.mapped_offset().is_some());
        let got = read_all(mapped);
        assert_eq!(got.len(), i + 1);
        assert_eq!(got, read_all(Input::open(&path).unwrap()));
        assert_eq!(got[0].1, 2);
        assert_eq!(got[i].1, i + 2);
        // The rest as a reader, from where the input is.
        let mut m = Input::mapped(&path).unwrap();
        m.expect(b'[', "`[`").unwrap();
        let mut rest = Vec::new();
        m.into_reader().read_to_end(&mut rest).unwrap();
        assert!(rest == text.as_bytes()[4..], "the rest of the file");
        // gzip: not mapped, read through the decoder.
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz_path = dir.join("a.json.gz");
        std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
        let g = Input::mapped(&gz_path).unwrap();
        assert!(g.mapped_offset().is_none());
        assert_eq!(read_all(g), got);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzip_is_read_by_its_magic_bytes() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\": 1}\n").unwrap();
        let bytes = gz.finish().unwrap();
        let mut i = Input::new(Box::new(std::io::Cursor::new(bytes)), "t.gz".into()).unwrap();
        let mut out = Vec::new();
        let (s, e, _) = i.take_value(&mut out).unwrap();
        assert_eq!(&out[s..e], b"{\"a\": 1}");
    }

    /// A reader that gives `text` a few bytes at a time, then fails with `fail`.
    struct Trickle {
        text: Vec<u8>,
        at: usize,
        fail: Option<std::io::ErrorKind>,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(7919).min(self.text.len() - self.at);
            if n == 0 {
                return match self.fail.take() {
                    Some(k) => Err(std::io::Error::new(k, "broken")),
                    None => Ok(0),
                };
            }
            out[..n].copy_from_slice(&self.text[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn reading_ahead_gives_every_byte_in_order() {
        // More than the buffers that may wait at once, and not a multiple of one.
        for len in [0, 1, AHEAD - 1, AHEAD, AHEAD * (AHEAD_QUEUE + 3) + 12345] {
            let want = text(len);
            let src = Trickle {
                text: want.clone(),
                at: 0,
                fail: None,
            };
            let mut got = Vec::new();
            let mut r = Ahead::spawn(Box::new(src));
            // Reads of odd sizes, as a caller's buffer may have.
            let mut buf = vec![0u8; 100_003];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got.len(), want.len());
            assert!(got == want, "text of {len} bytes read ahead differs");
        }
    }

    #[test]
    fn reading_ahead_passes_on_the_error_after_the_text_before_it() {
        let want = text(AHEAD * 3 + 5);
        let src = Trickle {
            text: want.clone(),
            at: 0,
            fail: Some(std::io::ErrorKind::InvalidData),
        };
        let mut r = Ahead::spawn(Box::new(src));
        let mut got = Vec::new();
        let e = r.read_to_end(&mut got).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(got == want);
    }

    #[test]
    fn a_gzip_input_as_a_reader_is_its_whole_text() {
        use std::io::Write;
        let want = text(AHEAD * 4 + 77);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&want).unwrap();
        let bytes = gz.finish().unwrap();
        let mut i = Input::new(Box::new(std::io::Cursor::new(bytes)), "t.gz".into()).unwrap();
        // The head was read before the rest goes to the thread.
        assert_eq!(i.head(3).unwrap(), &want[..3]);
        let mut got = Vec::new();
        i.into_reader().read_to_end(&mut got).unwrap();
        assert!(got == want);
    }
}
