//! Defender XDR's streaming API, as captured from Event Hubs or stored in a storage
//! account (defender-docs, streaming-api-event-hub.md, streaming-api-storage.md): events
//! `{"records":[{"time","tenantId","operationName":"Publish","category":"AdvancedHunting-<Table>",
//! "properties":{...columns...}}]}` one after another (one per line), or the records
//! themselves one after another (storage blobs). One file holds rows of several tables;
//! a record's table is its `category` without the `AdvancedHunting-` prefix, its row
//! its `properties`.
//!
//! A capture of one event (or record) per line is walked once, on every core, for where
//! each table's records are ([`Index`]); each table's scan then reads only its own
//! records. Any other capture is walked whole by each table's scan.

use super::input::Input;
use super::{Elements, Header, Opened, Shape};
use crate::error::Result;
use std::path::Path;

const PREFIX: &str = "AdvancedHunting-";

/// Whether an object with these keys (and string values) is a streaming record.
pub(crate) fn is_record(keys: &[(String, Option<String>)]) -> bool {
    keys.iter()
        .any(|(k, v)| k == "category" && v.as_deref().is_some_and(|v| v.starts_with(PREFIX)))
        && keys.iter().any(|(k, _)| k == "properties")
}

/// The table of a record's category.
pub(crate) fn table_of(category: &str) -> Option<&str> {
    category.strip_prefix(PREFIX).filter(|t| !t.is_empty())
}

/// The category of a table's records.
pub(crate) fn category_of(table: &str) -> String {
    format!("{PREFIX}{table}")
}

pub(crate) fn open(input: Input, category: &str) -> Result<Opened> {
    Ok(Opened {
        header: Header {
            shape: Shape::Envelope {
                category: category.to_string(),
            },
            fields: Vec::new(),
            declared: false,
        },
        records: Box::new(Elements::sequence(input)),
    })
}

/// The tables a capture holds, in order of first appearance: found by looking for
/// `"category"` keys with an `AdvancedHunting-` value in the bytes, without parsing
/// (every record is parsed when the table is read).
pub fn tables_in(path: &Path) -> Result<Vec<String>> {
    let mut input = Input::open(path)?;
    let mut tables: Vec<String> = Vec::new();
    let mut text = Vec::new();
    let finder = memchr::memmem::Finder::new(b"\"category\"");
    loop {
        let more = input.take_raw(&mut text, 1 << 20)?;
        for at in finder.find_iter(&text) {
            let rest = &text[at + 10..];
            let n = rest
                .iter()
                .position(|b| !(b.is_ascii_whitespace() || *b == b':'))
                .unwrap_or(rest.len());
            let Some(v) = rest[n..].strip_prefix(b"\"") else {
                continue;
            };
            let Some(end) = memchr::memchr(b'"', v) else {
                continue;
            };
            if let Some(t) = std::str::from_utf8(&v[..end]).ok().and_then(table_of) {
                if !tables.iter().any(|x| x == t) {
                    tables.push(t.to_string());
                }
            }
        }
        if !more {
            break;
        }
        // Keep the end of what was read, where a category may have been cut in two (a
        // category found twice is counted once).
        text.drain(..text.len().saturating_sub(256));
    }
    Ok(tables)
}

/// Where each table's records are in a capture: the byte span of every record, by
/// category, in file order, with the line of its event. Made by one walk of the capture
/// when its folder is read ([`index`]); each table's scan then reads only its own
/// records ([`Index::records`]), instead of walking the whole capture and skipping the
/// records of the others (a capture of two tables was walked three times).
///
/// Kept by the catalog's table sources (shared by the tables of the capture) for as long
/// as they live: 16 bytes a record, at most [`max_index_bytes`] (a capture whose index
/// would need more is walked per table, as it was without one).
pub struct Index {
    path: std::path::PathBuf,
    map: memmap2::Mmap,
    /// The spans of each category's records (categories in order of first appearance).
    tables: Vec<(String, Vec<Span>)>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("path", &self.path)
            .field("tables", &self.tables.len())
            .finish()
    }
}

/// One record: the bytes of its `properties` object (none when it has none, or they are
/// no object), and the line its event starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u64,
    len: u32,
    line: u32,
}

/// The most an index may hold: an eighth of the query's memory budget
/// ([`crate::limits::max_memory`]).
fn max_index_bytes() -> u64 {
    crate::limits::max_memory() / 8
}

impl Index {
    /// The tables whose records the capture holds, in order of first appearance.
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().filter_map(|(c, _)| table_of(c))
    }

    /// The records of `category`, as a part's records are read (a batch at a time,
    /// each record one item, on the line of its event).
    pub(crate) fn records(self: &std::sync::Arc<Self>, category: &str) -> SpanRecords {
        SpanRecords {
            index: self.clone(),
            table: self.tables.iter().position(|(c, _)| c == category),
            at: 0,
            held: std::collections::VecDeque::new(),
            released: 0,
        }
    }

    /// How many records of `category` the capture holds.
    pub fn count(&self, category: &str) -> usize {
        self.tables
            .iter()
            .find(|(c, _)| c == category)
            .map_or(0, |(_, s)| s.len())
    }
}

/// A table's records in a capture, read from their spans.
pub(crate) struct SpanRecords {
    index: std::sync::Arc<Index>,
    /// The category's place in the index (`None`: no records).
    table: Option<usize>,
    at: usize,
    /// The batches handed out and perhaps not read yet, oldest first: where each starts
    /// in the map, and its hold on the map (gone once the batch was read).
    held: std::collections::VecDeque<(usize, std::sync::Weak<Held>)>,
    /// How much of the map this reader dropped from memory.
    released: usize,
}

/// A batch's hold on the capture's map, whose ranges its items are: the batch is being
/// read while it lives (see [`super::Batch::mapped`]).
pub(crate) struct Held(std::sync::Arc<Index>);

impl Held {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0.map
    }
}

impl super::Records for SpanRecords {
    fn next(&mut self, batch: &mut super::Batch) -> Result<bool> {
        batch.clear();
        let Some(t) = self.table else {
            return Ok(false);
        };
        let spans = &self.index.tables[t].1;
        // A batch of a table whose records are sparse in the capture spans more of the
        // map than its bytes: at most four batches' worth (the pages it spans stay
        // mapped until it is read).
        let mut bytes = 0;
        let from = spans.get(self.at).map_or(0, |s| s.start as usize);
        while self.at < spans.len()
            && bytes < super::BATCH_BYTES
            && (spans[self.at].start as usize) - from < 4 * super::BATCH_BYTES
        {
            let s = spans[self.at];
            let start = s.start as usize;
            batch.items.push(super::Item {
                start,
                end: start + s.len as usize,
                line: s.line as usize,
            });
            bytes += s.len as usize;
            self.at += 1;
        }
        let Some(first) = batch.items.first() else {
            return Ok(false);
        };
        // The records are read where they are in the map, not copied into the batch
        // (a copy of every record cost 9% of the seed's CPU over a capture).
        let held = std::sync::Arc::new(Held(self.index.clone()));
        self.held
            .push_back((first.start, std::sync::Arc::downgrade(&held)));
        batch.mapped = Some(held);
        // The pages before the oldest batch not read yet go from this process's view of
        // the map (they stay in the page cache for the other tables' scans): else the
        // resident size would grow with the capture. From a little before where the last
        // release ended: the kernel maps a large folio (up to 2 MB) around the page a
        // fault is for, some of it perhaps let go already.
        while self
            .held
            .front()
            .is_some_and(|(_, h)| h.strong_count() == 0)
        {
            self.held.pop_front();
        }
        if let Some(&(upto, _)) = self.held.front() {
            let from = self.released.saturating_sub(4 << 20);
            crate::io::scan::release(&self.index.map, from..upto);
            self.released = self.released.max(upto);
        }
        Ok(true)
    }
}

/// Bytes walked per chunk of the index's walk (cut at line ends).
const INDEX_CHUNK: usize = 4 << 20;

/// The index of the capture at `path`, by one walk of it on every core, when it is a
/// file of one event (`{"records":[...]}`) or one record per line, uncompressed, whose
/// records the hand-written reader reads (keys without escapes, each written once).
/// `None` otherwise, or when the index would hold more than [`max_index_bytes`]: the
/// capture is then walked whole by each table's scan (which also says what is wrong
/// with it, on which line).
///
/// `reads`: the tables the query reads. The walk checks every byte of the capture but
/// the `properties` of their records, which it only skims for their end (brackets
/// matched outside strings): each such record is read whole, and checked, by its
/// table's scan, which says what is wrong with it on which line, as for a file of its
/// own. Every other record (a table not read, no table) is never read again, so the
/// walk checks it, and a bad one leaves the capture without an index: each table's
/// scan then walks it whole and reports its first bad record. So a bad record of a
/// table not read is reported by the first scan of the capture, one of a table read by
/// that table's scan, when it reaches it (a `take` may stop before); of several bad
/// records, the first in the file unless all are of tables read (then the first of
/// the table scanned first). (Checking the records of the tables read twice, here and
/// in their scans, cost a third of the seed's time over a capture.)
pub fn index(path: &Path, reads: &(dyn Fn(&str) -> bool + Sync)) -> Option<Index> {
    index_in_chunks(path, INDEX_CHUNK, reads)
}

/// [`index`], walking `chunk` bytes at a time (tests walk lines cut anywhere).
fn index_in_chunks(
    path: &Path,
    chunk: usize,
    reads: &(dyn Fn(&str) -> bool + Sync),
) -> Option<Index> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: read only. A file truncated by another process meanwhile faults on access,
    // as with every mapped read (see crate::io::scan).
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    if map.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    let _ = map.advise(memmap2::Advice::Sequential);
    let skip = if map.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // Chunks of whole lines: chunk `i` runs from the line after byte `skip + i * chunk`
    // to the line after the next such byte. Each worker finds its own chunk's ends as it
    // takes it: finding all of them first would touch a page every 4 MB of the file before
    // the walk, and the kernel maps a large folio around each touch (up to 2 MB) that stays
    // in this process's resident size until the walk reaches it (400 MB at M).
    let cut = |k: usize| -> usize {
        let at = skip + k * chunk;
        if k == 0 {
            skip
        } else if at >= map.len() {
            map.len()
        } else {
            memchr::memchr(b'\n', &map[at..]).map_or(map.len(), |n| at + n + 1)
        }
    };
    let chunks = (map.len() - skip).div_ceil(chunk).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let done: std::sync::Mutex<Vec<(usize, Walked)>> = std::sync::Mutex::default();
    let threads = crate::parallel::threads().min(chunks).max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            crate::guard::spawn_worker(scope, || {
                use std::sync::atomic::Ordering::SeqCst;
                while !failed.load(SeqCst) {
                    let i = next.fetch_add(1, SeqCst);
                    if i >= chunks {
                        return;
                    }
                    let (from, to) = (cut(i), cut(i + 1));
                    match walk(&map[from..to], from as u64, reads) {
                        Some(w) => done.lock().unwrap_or_else(|e| e.into_inner()).push((i, w)),
                        None => failed.store(true, SeqCst),
                    }
                    // Walked: this process's view of those pages goes.
                    crate::io::scan::release(&map, from..to);
                }
            });
        }
    });
    if failed.into_inner() {
        return None;
    }
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    let mut tables: Vec<(String, Vec<Span>)> = Vec::new();
    let (mut line, mut bytes) = (1u64, 0u64);
    let budget = max_index_bytes();
    for (_, w) in done {
        for (category, spans) in w.tables {
            if table_of(&category).is_none() {
                continue;
            }
            bytes += (spans.len() * std::mem::size_of::<Span>()) as u64;
            if bytes > budget {
                return None;
            }
            let at = match tables.iter().position(|(c, _)| *c == category) {
                Some(k) => k,
                None => {
                    tables.push((category, Vec::new()));
                    tables.len() - 1
                }
            };
            let all = &mut tables[at].1;
            for s in spans {
                all.push(Span {
                    line: u32::try_from(line + u64::from(s.line)).ok()?,
                    ..s
                });
            }
        }
        line += w.lines;
    }
    Some(Index {
        path: path.to_path_buf(),
        map,
        tables,
    })
}

/// One chunk's records by category (lines counted from the chunk's first), and how
/// many lines it holds.
#[derive(Default)]
struct Walked {
    tables: Vec<(String, Vec<Span>)>,
    lines: u64,
    /// Whether the query reads the table of each category met (asked once per chunk).
    read: Vec<(String, bool)>,
}

impl Walked {
    /// Whether the query reads the table of records of `category`.
    fn reads(&mut self, category: &str, reads: &dyn Fn(&str) -> bool) -> bool {
        if let Some((_, r)) = self.read.iter().find(|(c, _)| c == category) {
            return *r;
        }
        let r = table_of(category).is_some_and(reads);
        self.read.push((category.to_string(), r));
        r
    }

    fn push(&mut self, category: &str, span: Span) {
        match self.tables.iter_mut().find(|(c, _)| c == category) {
            Some((_, spans)) => spans.push(span),
            None => self.tables.push((category.to_string(), vec![span])),
        }
    }
}

/// The records of `text` (whole lines, starting at byte `base` of the file), or `None`
/// when a line is not one event or record the hand-written reader reads.
fn walk(text: &[u8], base: u64, reads: &dyn Fn(&str) -> bool) -> Option<Walked> {
    use crate::io::cursor::Cursor;
    let mut out = Walked::default();
    let mut at = 0;
    let mut line = 0u32;
    while at < text.len() {
        let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |k| at + k);
        let mut c = Cursor::new(&text[at..end]);
        c.ws();
        if c.peek().is_some() {
            object(&mut c, base + at as u64, line, &mut out, true, reads)?;
            if !c.at_end() {
                return None;
            }
        }
        if end < text.len() {
            line = line.checked_add(1)?;
        }
        at = end + 1;
    }
    out.lines = u64::from(line);
    Some(out)
}

/// The object at the cursor (on line `line`, its text at byte `base` of the file):
/// `outer`, an event (an object whose `records` are the records, or a record itself);
/// else a record in an event's `records`. The same keys as the reader's
/// `Conv::fast_record` walk. The `properties` of a record of a table the query `reads`
/// are skimmed, all else checked (see [`index`]).
fn object(
    c: &mut crate::io::cursor::Cursor<'_>,
    base: u64,
    line: u32,
    out: &mut Walked,
    outer: bool,
    reads: &dyn Fn(&str) -> bool,
) -> Option<()> {
    let start = c.i;
    let mut records = false;
    let mut properties = false;
    let mut category = None;
    // Where the `properties` are when they were skimmed (their record's table read, or
    // not known yet: the category comes after them).
    let mut skimmed = None;
    // Where the `properties` value is, skimmed or checked.
    let mut props = None;
    c.members(|c, key| {
        match key {
            b"records" if outer => {
                if std::mem::replace(&mut records, true) {
                    return None;
                }
                c.ws();
                c.elements(|c| match as_written(c, base, line, out, reads) {
                    Some(()) => Some(()),
                    None => object(c, base, line, out, false, reads),
                })?;
            }
            // Read alone, a record with `records` would be taken for an event.
            b"records" => return None,
            b"category" => {
                if category.is_some() {
                    return None;
                }
                category = Some(string_value(c)?);
            }
            b"properties" => {
                if std::mem::replace(&mut properties, true) {
                    return None;
                }
                // Most of the capture's bytes.
                let read = match &category {
                    Some(Some(cat)) => out.reads(cat, reads),
                    Some(None) => false,
                    None => true,
                };
                c.ws();
                let from = c.i;
                if read {
                    c.skim_value()?;
                    skimmed = Some((from, c.i));
                } else {
                    c.skip_value_blocks()?;
                }
                props = Some((from, c.i));
            }
            _ => c.skip_value()?,
        }
        Some(())
    })?;
    // Skimmed properties that no scan reads (an event's, a record's of a table not
    // read) are checked now, a block at a time.
    if let Some((from, to)) = skimmed {
        let read = match &category {
            Some(Some(cat)) if !records => out.reads(cat, reads),
            _ => false,
        };
        if !read {
            let mut p = crate::io::cursor::Cursor { b: c.b, i: from };
            p.skip_value_blocks()?;
            if p.i != to {
                return None;
            }
        }
    }
    if records {
        return Some(());
    }
    match category {
        // An object with neither `records` nor `category` is not an event (the reader
        // says so).
        None if outer => return None,
        // The record's row is its `properties` object, what the table's scan reads:
        // none (an empty span) when it has none or they are no object, which the scan
        // reports.
        Some(Some(cat)) => {
            let (from, to) = match props {
                Some((from, to)) if c.b.get(from) == Some(&b'{') => (from, to),
                _ => (start, start),
            };
            out.push(&cat, span(base, from, to, line)?)
        }
        _ => {}
    }
    Some(())
}

/// A record at the cursor as Defender's streaming API writes it, compact, its envelope's
/// strings plain (ASCII, no escapes), of a table the query reads:
/// `{"time":"…","tenantId":"…","operationName":"…","category":"…","properties":{…}}`,
/// read by its bytes (what [`object`] reads it as, without its per-key steps: the
/// envelopes were a third of the walk's instructions). `None`, the cursor and the records
/// found untouched (only the memo of which tables are read may grow), for anything else,
/// which [`object`] then reads.
fn as_written(
    c: &mut crate::io::cursor::Cursor<'_>,
    base: u64,
    line: u32,
    out: &mut Walked,
    reads: &dyn Fn(&str) -> bool,
) -> Option<()> {
    use crate::io::bytes::{plain_str, plain_string_end};
    let b = c.b;
    let mut i = c.i;
    let expect = |i: &mut usize, text: &[u8]| -> Option<()> {
        b.get(*i..*i + text.len()).filter(|t| *t == text)?;
        *i += text.len();
        Some(())
    };
    for key in [
        &b"{\"time\":\""[..],
        b",\"tenantId\":\"",
        b",\"operationName\":\"",
    ] {
        expect(&mut i, key)?;
        i = plain_string_end(b, i)? + 1;
    }
    expect(&mut i, b",\"category\":\"")?;
    let (category, end) = plain_str(b, i)?;
    i = end + 1;
    expect(&mut i, b",\"properties\":")?;
    if b.get(i) != Some(&b'{') || !out.reads(category, reads) {
        return None;
    }
    let mut p = crate::io::cursor::Cursor { b, i };
    p.skim_value()?;
    let to = p.i;
    if !p.eat(b'}') {
        return None;
    }
    out.push(category, span(base, i, to, line)?);
    c.i = p.i;
    Some(())
}

/// A category's value: the string (`None` for a value of another kind: a record of no
/// table).
fn string_value<'b>(
    c: &mut crate::io::cursor::Cursor<'b>,
) -> Option<Option<std::borrow::Cow<'b, str>>> {
    if c.peek()? == b'"' {
        Some(Some(c.string()?))
    } else {
        c.skip_value()?;
        Some(None)
    }
}

fn span(base: u64, start: usize, end: usize, line: u32) -> Option<Span> {
    Some(Span {
        start: base + start as u64,
        len: u32::try_from(end - start).ok()?,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::formats::source::{DataTable, Part};
    use crate::io::formats::{Format, ReadOptions};
    use crate::table::TableSource;
    use std::sync::Arc;

    /// A record read by its bytes (`as_written`) gives what the general walk (`object`)
    /// gives for it, and where the bytes are not as written, it leaves the record to that
    /// walk untouched. Records made from Defender's shape, changed in the ways files
    /// differ: blanks, escapes, other key orders and extra keys, non-ASCII, properties
    /// that are no object, a table the query does not read, text cut short.
    #[test]
    fn records_as_written_read_as_the_general_walk_reads_them() {
        use crate::io::bytes::xorshift;
        use crate::io::cursor::Cursor;
        let variants: &[fn(&str) -> String] = &[
            |r| r.to_string(),
            |r| r.replacen("\"time\":\"", "\"time\": \"", 1),
            |r| r.replacen("2026-05-18", "2026\\u002d05-18", 1),
            |r| r.replacen("Publish", "Publi\u{e9}", 1),
            |r| {
                r.replacen("{\"ProcessId\"", "[{\"ProcessId\"", 1)
                    .replacen("}}", "}]}", 1)
            },
            |r| r.replacen("\"properties\":{", "\"properties\":\"x\",\"p\":{", 1),
            |r| r.replacen("}}", "} }", 1),
            |r| r.replacen("}}", "},\"extra\":1}", 1),
            |r| r.replacen("DeviceProcessEvents", "NoSuchTable", 1),
            |r| r.replacen("DeviceProcessEvents", "DeviceEvents", 1),
            |r| r.replacen(",\"tenantId\"", ",\"tenantid\"", 1),
            |r| r[..r.len() / 2].to_string(),
            |r| r[..r.len() - 1].to_string(),
            |r| r.replacen("\"x}\"", "\"x}\\\"\"", 1),
        ];
        let base = "{\"time\":\"2026-05-18T12:00:00.0000000Z\",\"tenantId\":\"4f1c2b7e-9a3d-4c8e-b2f6-7d1e0a9c5b31\",\"operationName\":\"Publish\",\"category\":\"AdvancedHunting-DeviceProcessEvents\",\"properties\":{\"ProcessId\":42,\"FileName\":\"x}\",\"Nested\":{\"a\":[1,\"]\"]}}}";
        let reads = |t: &str| t != "DeviceEvents";
        let mut x = 5u64;
        let mut taken = 0;
        for _ in 0..400 {
            // One to three changes, each record after a prefix (the record starts mid-text).
            let mut r = base.to_string();
            for _ in 0..1 + xorshift(&mut x) % 3 {
                r = variants[(xorshift(&mut x) % variants.len() as u64) as usize](&r);
            }
            let text = format!("[{r},");
            let (mut fast, mut general) = (Walked::default(), Walked::default());
            let mut c = Cursor {
                b: text.as_bytes(),
                i: 1,
            };
            let mut g = Cursor {
                b: text.as_bytes(),
                i: 1,
            };
            let by_bytes = as_written(&mut c, 100, 7, &mut fast, &reads);
            let walked = object(&mut g, 100, 7, &mut general, false, &reads);
            match by_bytes {
                Some(()) => {
                    taken += 1;
                    assert_eq!(walked, Some(()), "{r}");
                    assert_eq!(c.i, g.i, "{r}");
                    assert_eq!(fast.tables, general.tables, "{r}");
                }
                None => {
                    assert_eq!(c.i, 1, "{r}");
                    assert!(fast.tables.is_empty(), "{r}");
                }
            }
        }
        // (Both ways were met.)
        assert!(taken > 20 && taken < 380, "{taken}");
    }

    /// Table `table` of the capture at `path`, read through the index (`indexed`) or by
    /// walking the whole capture.
    fn read(path: &Path, table: &str, indexed: bool) -> crate::error::Result<String> {
        let index = indexed.then(|| index(path, &|_| true).expect("an index"));
        read_with(path, table, index)
    }

    /// Table `table` of the capture at `path`, read through `index` if given, else by
    /// walking the whole capture.
    fn read_with(path: &Path, table: &str, index: Option<Index>) -> crate::error::Result<String> {
        let category = category_of(table);
        let mut part = Part::open(path, Format::Streaming, Some(category))?;
        if let Some(index) = index {
            part = part.with_capture(Arc::new(index));
        }
        let t = DataTable::new(table, vec![part], None, ReadOptions::default());
        Ok(format!("{:?}", t.load()?))
    }

    /// A file of `text` (removed when the guard drops).
    struct Written(std::path::PathBuf);
    impl Drop for Written {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn write(text: &str) -> (Written, std::path::PathBuf) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("kql-capture-{}-{n}.json", std::process::id()));
        std::fs::write(&path, text).unwrap();
        (Written(path.clone()), path)
    }

    #[test]
    fn the_index_reads_each_table_as_the_walk_does() {
        let text = concat!(
            "\u{feff}{\"records\":[{\"category\":\"AdvancedHunting-A\",\"properties\":{\"x\":1,\"s\":\"a\\\"}b\"}},",
            "{\"time\":\"t\",\"category\":\"AdvancedHunting-B\",\"properties\":{\"y\":[1,{\"category\":\"AdvancedHunting-C\"}]}},",
            "{\"category\":\"Other\",\"properties\":{}},{\"properties\":{\"x\":9}},{\"category\":5}]}\r\n",
            "\n",
            "  {\"properties\":{\"x\":2,\"z\":true},\"category\":\"AdvancedHunting-A\"}\n",
            "{\"records\":[]}\n",
            "{\"category\":\"AdvancedHunting-B\",\"properties\":{\"y\":null}}\n",
            "{\"records\":[{\"category\":\"AdvancedHunting-A\",\"properties\":{\"x\":3}}]}",
        );
        let (_dir, path) = write(text);
        let idx = index(&path, &|_| true).expect("an index");
        assert_eq!(idx.tables().collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(idx.count("AdvancedHunting-A"), 3);
        assert_eq!(idx.count("AdvancedHunting-B"), 2);
        for table in ["A", "B", "C"] {
            let walked = read(&path, table, false).unwrap();
            assert_eq!(read(&path, table, true).unwrap(), walked, "table {table}");
        }
        assert!(read(&path, "A", true).unwrap().contains("a\\\"}b"));
        // Walked in chunks of any size, cut inside lines, within one line, or on a line
        // end, the index is the same; and the same whichever tables are read (their
        // records skimmed, the others' checked).
        let only_a = |t: &str| t == "A";
        let none = |_: &str| false;
        let reads: [&(dyn Fn(&str) -> bool + Sync); 3] = [&|_| true, &only_a, &none];
        for r in reads {
            for chunk in 1..=text.len() + 1 {
                let cut = index_in_chunks(&path, chunk, r).expect("an index");
                assert_eq!(cut.tables, idx.tables, "chunks of {chunk} bytes");
            }
        }
    }

    #[test]
    fn a_capture_of_many_batches_reads_as_the_walk_does() {
        // Records of two tables, interleaved, over many batches of each (the pages
        // before a batch let go as the next is read), some not ASCII, some with
        // escapes and nested values.
        let mut text = String::new();
        for line in 0..3000 {
            text.push_str("{\"records\":[");
            for k in 0..3 {
                let table = if (line + k) % 4 == 0 { "A" } else { "B" };
                if k > 0 {
                    text.push(',');
                }
                text.push_str(&format!(
                    "{{\"time\":\"t\",\"category\":\"AdvancedHunting-{table}\",\"properties\":{{\"n\":{},\"s\":\"{}\",\"d\":{{\"x\":[{line},\"\\\"q\\\"\"]}}}}}}",
                    line * 3 + k,
                    "é".repeat(line % 7) + &"x".repeat(1000 + line % 300),
                ));
            }
            text.push_str("]}\n");
        }
        let (_dir, path) = write(&text);
        let idx = index(&path, &|_| true).expect("an index");
        assert_eq!(idx.count("AdvancedHunting-A"), 2250);
        assert_eq!(idx.count("AdvancedHunting-B"), 6750);
        for table in ["A", "B"] {
            let walked = read(&path, table, false).unwrap();
            assert_eq!(read(&path, table, true).unwrap(), walked, "table {table}");
        }
    }

    #[test]
    fn a_bad_record_is_the_same_error_on_the_same_line() {
        // A record without `properties`, or whose `properties` are no object.
        for bad in ["", ",\"properties\":5", ",\"properties\":[{}]"] {
            let text = concat!(
                "{\"records\":[{\"category\":\"AdvancedHunting-A\",\"properties\":{\"x\":1}}]}\n",
                "{\"records\":[{\"category\":\"AdvancedHunting-B\",\"properties\":{}}]}\n",
            )
            .to_string()
                + &format!("{{\"records\":[{{\"category\":\"AdvancedHunting-A\"{bad}}}]}}\n");
            let (_dir, path) = write(&text);
            let walked = read(&path, "A", false).unwrap_err();
            let shown = format!("{:?}", walked.location);
            assert!(shown.contains('3'), "{shown}");
            let indexed = read(&path, "A", true).unwrap_err();
            assert_eq!(indexed.message, walked.message, "{text}");
            assert_eq!(format!("{:?}", indexed.location), shown);
        }
    }

    #[test]
    fn captures_not_one_event_per_line_have_no_index() {
        for text in [
            "{\"records\":[\n{\"category\":\"AdvancedHunting-A\",\"properties\":{}}]}\n",
            "{\"category\":\"AdvancedHunting-A\",\"properties\":{}}{\"category\":\"AdvancedHunting-A\",\"properties\":{}}\n",
            "{\"records\":[{\"category\":\"AdvancedHunting-A\",\"category\":\"AdvancedHunting-B\",\"properties\":{}}]}\n",
            "{\"time\":\"t\"}\n",
            "{\"records\":[{\"c\\u0061tegory\":\"AdvancedHunting-A\",\"properties\":{}}]}\n",
        ] {
            let (_dir, path) = write(text);
            assert!(index(&path, &|_| true).is_none(), "{text}");
        }
    }

    /// The error of reading `table` of the capture at `path` indexed for a query that
    /// reads `reads` (walked whole when the walk left it without an index): its message
    /// and the line it names (the file checked to be `path`).
    fn error_of(path: &Path, table: &str, reads: &[&str]) -> (String, usize) {
        let idx = index(path, &|t| reads.contains(&t));
        let e = read_with(path, table, idx).unwrap_err();
        match e.location {
            crate::error::Location::File { path: p, line } if p == path.display().to_string() => {
                (e.message, line)
            }
            other => panic!("{}: {other:?}", e.message),
        }
    }

    #[test]
    fn a_bad_record_is_an_error_on_its_line_whether_its_table_is_read_or_not() {
        // Bad inside `properties` (which the walk skims for the tables read): a bare
        // word, a bracket that does not match, a control character, a bad escape; and a
        // record whose properties come before its category.
        for bad in [
            "{\"x\":tru}",
            "{\"x\":[1}}",
            "{\"x\":\"a\u{1}b\"}",
            "{\"x\":\"a\\qb\"}",
        ] {
            for props_first in [false, true] {
                let record = |table: &str, props: &str| {
                    if props_first {
                        format!(
                            "{{\"properties\":{props},\"category\":\"AdvancedHunting-{table}\"}}"
                        )
                    } else {
                        format!(
                            "{{\"category\":\"AdvancedHunting-{table}\",\"properties\":{props}}}"
                        )
                    }
                };
                let good = "{\"x\":1}";
                // The bad record is B's, on line 3.
                let text = format!(
                    "{{\"records\":[{}]}}\n{{\"records\":[{}]}}\n{{\"records\":[{},{}]}}\n{{\"records\":[{}]}}\n",
                    record("A", good),
                    record("B", good),
                    record("A", good),
                    record("B", bad),
                    record("A", good),
                );
                let (_dir, path) = write(&text);
                // B read: the walk skims it, B's scan reports it.
                assert!(index(&path, &|t| t == "B").is_some(), "{text}");
                let (read_msg, at) = error_of(&path, "B", &["B"]);
                assert_eq!(at, 3, "{text}: {read_msg}");
                // B not read (A is): the walk checks it, and A's scan (of the whole
                // capture) reports it.
                assert!(index(&path, &|t| t == "A").is_none(), "{text}");
                let (msg, at) = error_of(&path, "A", &["A"]);
                assert_eq!(at, 3, "{text}: {msg}");
                // The same error either way (up to where in the text serde_json
                // says it is: from the record, or from its event).
                let head = |m: &str| m.split(" at line ").next().unwrap_or(m).to_string();
                assert_eq!(head(&msg), head(&read_msg), "{text}");
            }
        }
    }

    #[test]
    fn of_two_bad_records_the_first_in_the_file_unless_both_are_of_tables_read() {
        let rec = |table: &str, props: &str| {
            format!("{{\"records\":[{{\"category\":\"AdvancedHunting-{table}\",\"properties\":{props}}}]}}\n")
        };
        let (good, bad) = ("{\"x\":1}", "{\"x\":tru}");
        // Line 2: B's bad record; line 4: A's.
        let text = [rec("A", good), rec("B", bad), rec("A", good), rec("A", bad)].concat();
        let (_dir, path) = write(&text);
        // B not read: the capture is walked whole, its first bad record reported, even
        // reading A.
        assert_eq!(error_of(&path, "A", &["A"]).1, 2);
        // Both read: each table's scan reports its own.
        assert_eq!(error_of(&path, "A", &["A", "B"]).1, 4);
        assert_eq!(error_of(&path, "B", &["A", "B"]).1, 2);
        // A not read, B read: A's record on line 4 is checked by the walk, which leaves
        // no index; B's scan of the whole capture meets its own first.
        assert_eq!(error_of(&path, "B", &["B"]).1, 2);
    }
}
