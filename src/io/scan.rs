//! Tables read on demand from JSON files: a [`FileTable`] is opened (its file not
//! read) and scanned by the executor, which asks only for the columns the query uses and
//! consumes the rows as they are parsed, chunk by chunk, on every core.
//!
//! Why: exported sign-in logs run to gigabytes, and a query typically reads a handful of
//! their dozens of columns and keeps a fraction of their rows. Reading whole tables into
//! memory first cost most of the run time and memory (see bench/README.md).
//!
//! Three layouts: JSON lines (`.jsonl`, `.ndjson`: one object per line), JSON arrays
//! written one element per line (`[`, `{...},`, ..., `]`: what exporters and `jq -c`
//! write), both cut into chunks at line ends, and arrays whose objects span lines
//! (pretty-printed), cut at the lines that open an element as the first one's does.
//! (A raw line break is never inside a JSON string, so a chunk always starts outside
//! one; a chunk that does not start between two elements fails to read as whole
//! elements, and the scan gives up.) The array may be inside a document (a hunting
//! response's `Results`, [`FileTable::open_at`]).
//!
//! Columns: a table with a schema is scanned with it; a field the schema lacks makes the
//! scan give up, and [`TableSource::discover`] then reads every line's keys to learn the
//! whole table's columns (the plans are bound again). A table without a schema opened
//! here is discovered before it is first bound: one fast pass over all its lines gives
//! every key, in order of first appearance, typed by the same rules as the full loader
//! ([`super::json`]), so the table streams like one with a schema. (A data folder's
//! tables are typed from a sample instead, and their scans checked against it: see
//! [`Guard`].)
//!
//! Results never depend on which path reads a file. The fast reader handles the shapes
//! above exactly; on anything else (malformed JSON, a value that does not convert, an
//! I/O error) it gives up and the caller loads the file with the full loader of
//! [`super::json`], which reports errors with their line. A column the query does not
//! use is still checked (its values must convert to its type) but not kept.

use super::bytes::{plain_str, plain_string_end, Pattern};
use super::cursor::Cursor;
use super::json::{
    convert, convert_str, iso_utc, load_table_file, looks_like_iso_datetime, missing_value,
    object_end, DayCache, Interner, Kind, TypeFold,
};
use super::progress::Progress;
use super::schema::Schema;
use crate::error::Result;
use crate::hash::FxHashMap;
use crate::table::{
    ChunkSink, Column, Gather, Row, RowCursor, ScanRequest, Scanned, Table, TableSource,
};
use crate::types::Type;
use crate::value::Value;
use serde_json::Value as J;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// How a table file lays out its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// One object per line.
    Lines,
    /// A JSON array, one element per line.
    Array,
    /// A JSON array of objects that span lines (pretty-printed: `[`, `  {`, `    "a":
    /// 1,`, `  },`, ...), cut before the lines that open an element as the first one's
    /// does (see [`FileTable::opener`]).
    Pretty,
}

impl Layout {
    /// The rows are an array's elements (the array's tokens are walked).
    fn array(self) -> bool {
        self != Layout::Lines
    }
}

/// A table whose rows stay in their file until a query scans them.
#[derive(Debug)]
pub struct FileTable {
    name: String,
    path: PathBuf,
    /// The file is gzip-compressed.
    gzip: bool,
    layout: Layout,
    /// A pretty-printed array's chunks end before a line that opens an element as its
    /// first one's does: this line, with the line ends before and after it. (Any line
    /// end may be a cut: a line end is never inside a JSON string. A cut that is not
    /// between two elements, as before an object of an array nested in an element,
    /// makes a chunk fail to read as whole elements, and the scan gives up; see
    /// [`array_whole`].)
    opener: Option<Vec<u8>>,
    /// Where the rows start in the file: 0, or the `[` of an array inside a document
    /// (see [`FileTable::open_at`]).
    start: usize,
    /// The schema the table was opened with, if any (it may lack fields of the file).
    given: Option<Vec<Column>>,
    /// Every column of the file, once a pass over all of it found them.
    found: OnceLock<Vec<Column>>,
    /// The table read whole, once something needed it (a scan the fast reader gave up
    /// on, or an operator that needs every row at once).
    full: OnceLock<Arc<Table>>,
    /// Set when the whole file turned out to have columns the schema lacks, so that the
    /// plans bound against the schema must be bound again.
    widened: AtomicBool,
    /// Every line's keys are known to be columns: a scan read the whole file with the
    /// columns as known (an unknown key makes it give up), or a pass found them all.
    complete: AtomicBool,
    /// What each column's values may be, when the columns were bound from a sample of
    /// the file (see [`Guard`]); empty when they need no check.
    guards: Vec<Guard>,
    /// Values are text as the az CLI writes it, and these keys are no columns (see
    /// [`LineParser::az_null`]).
    az: Option<&'static [&'static str]>,
}

/// What a scan accepts of a column's values, when the columns were typed from a
/// sample of the file (its first chunk, [`FileTable::skim_head`]) rather than from
/// every line: a scan that meets a value the sample's inference would have typed
/// differently, or a key the sample did not have, gives up (and the table is then
/// discovered whole and bound again). A scan that reads every line without giving up
/// has so proved that the whole file infers exactly the sample's columns: the fold of
/// every value joined into the sample's fold is the sample's fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Any value (a typed column, or one whose sample values were of every kind).
    Any,
    /// Only values whose kind joined into this one gives this one.
    Kind(Kind),
    /// The key was not in this file's sample: the file's column order would change.
    Absent,
}

/// Bytes read per chunk: big enough to amortise the hand-over between threads, small
/// enough that the chunks in flight stay a few megabytes.
const CHUNK_BYTES: usize = 1 << 20;

impl FileTable {
    /// Opens `path` as table `name`, typed by `schema` when there is one, when the fast
    /// reader suits the file: JSON lines (`{` first) or an array (`[` first), whatever
    /// the extension. `None` otherwise (the caller loads the file whole, and reports
    /// what is wrong with it).
    pub fn open(name: &str, path: &Path, schema: Option<&Schema>) -> Option<FileTable> {
        FileTable::open_at(name, path, schema, 0)
    }

    /// [`FileTable::open`] of the array of objects at byte `start` of a plain file, a
    /// document's (a hunting response's `Results`): what follows the array is not the
    /// table's, and is not read (as the exact reader does not read it).
    pub(crate) fn open_at(
        name: &str,
        path: &Path,
        schema: Option<&Schema>,
        start: usize,
    ) -> Option<FileTable> {
        let mut file = std::fs::File::open(path).ok()?;
        if start > 0 {
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start as u64)).ok()?;
        }
        let mut head = [0u8; 4096];
        let mut n = file.read(&mut head).ok()?;
        // A gzip file is read through its decompressor (the layout is the text's).
        let gzip = head[..n].starts_with(&GZIP);
        if gzip && start > 0 {
            return None;
        }
        if gzip {
            let mut text = open_source(path, true).ok()?;
            n = 0;
            while n < head.len() {
                match text.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            }
        }
        let head = &head[..n];
        let head = head
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .unwrap_or(head);
        // The layout the file's first bytes show; an array only when its elements are
        // one per line (the first one ends its line), else the generic readers cut it.
        // An array inside a document written on one line (Graph's compact JSON) would
        // be one chunk, read on one thread and mapped whole: the exact reader cuts it.
        if start > 0 && memchr::memchr(b'\n', head).is_none() {
            return None;
        }
        let mut opener = None;
        let layout = match head.iter().position(|c| !c.is_ascii_whitespace()) {
            Some(i) if head[i] == b'{' && start == 0 => Layout::Lines,
            Some(i) if head[i] == b'[' && first_element_ends_its_line(&head[i + 1..]) => {
                Layout::Array
            }
            Some(i) if head[i] == b'[' => {
                opener = Some(opening_line(&head[i + 1..])?);
                Layout::Pretty
            }
            _ => return None,
        };
        Some(FileTable {
            name: name.to_string(),
            path: path.to_path_buf(),
            gzip,
            layout,
            opener,
            start,
            // An empty column list is a schema too (a table source whose columns are
            // none yet): a field on some line then makes the scan give up, as any
            // field the columns lack does. Taken as "no schema", the reader found the
            // file's fields itself and gave rows wider than the caller's columns.
            given: schema.map(|s| s.columns.clone()),
            found: OnceLock::new(),
            full: OnceLock::new(),
            widened: AtomicBool::new(false),
            complete: AtomicBool::new(false),
            guards: Vec::new(),
            az: None,
        })
    }

    /// The same table, its values text as the az CLI writes them, keys `ignore` no
    /// columns. (Its columns are typed, not skimmed: the skim's kinds are JSON's, and
    /// the az CLI's values are all strings.)
    pub(crate) fn az_text(mut self, ignore: &'static [&'static str]) -> FileTable {
        self.az = Some(ignore);
        self
    }

    /// The same table, its scans checking each column's values against `guards` (by
    /// column of the schema it was opened with; see [`Guard`]).
    pub(crate) fn guarded(mut self, guards: &[Guard]) -> FileTable {
        self.guards = guards.to_vec();
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// What [`read_chunks`] reads of the table.
    fn src(&self) -> Src<'_> {
        Src::One(&self.path, self.gzip, self.opener.as_deref(), self.start)
    }

    /// The columns as known now: the whole table's once read, else the columns a pass
    /// found, else the schema's; `None` when nothing is known yet (no schema).
    fn known_columns(&self) -> Option<&[Column]> {
        if let Some(t) = self.full.get() {
            return Some(&t.columns);
        }
        self.found
            .get()
            .map(Vec::as_slice)
            .or(self.given.as_deref())
    }

    /// The columns scans and plans use, discovering them first when the table has no
    /// schema.
    fn columns_now(&self) -> Result<&[Column]> {
        if self.known_columns().is_none() {
            self.discover()?;
        }
        Ok(self.known_columns().unwrap_or_default())
    }

    /// Reads every row, chunk by chunk (see [`TableSource::scan`]). `GaveUp(i)` when the
    /// fast reader could not read chunk `i` exactly as the full loader would (every
    /// chunk before `i` was read and sunk).
    fn scan_chunks(
        &self,
        columns: &[Column],
        request: &ScanRequest<'_>,
        sink: &dyn ChunkSink,
    ) -> Scanned {
        let work = RowWork {
            parser: LineParser::with_text(
                columns,
                request.needed,
                self.layout,
                &self.guards,
                self.az,
            ),
            sink,
            layout: self.layout,
            inside: self.start > 0,
            tokens: Mutex::default(),
            cut: AtomicBool::new(false),
        };
        let failed = read_chunks(&self.name, self.src(), request.threads, request.stop, &work);
        let tokens = work.tokens.into_inner().unwrap_or_else(|e| e.into_inner());
        match failed {
            Some(i) => Scanned::GaveUp(i),
            None if self.layout.array() && !array_whole(tokens, request.stop) => Scanned::GaveUp(0),
            None => {
                // Every line read (none left by the consumer): no key the columns lack.
                if !request.stop.load(Ordering::SeqCst)
                    && !work.cut.load(Ordering::SeqCst)
                    && self.known_columns() == Some(columns)
                {
                    self.complete.store(true, Ordering::SeqCst);
                }
                Scanned::Done
            }
        }
    }

    /// One pass over every line for its keys and the kinds of their values: the
    /// file's columns (the schema's first, then the others in order of first
    /// appearance, typed as the full loader infers them). `None` when the fast reader
    /// cannot read the file.
    fn skim(&self) -> Option<Vec<Column>> {
        let all = self.skim_folds()?;
        let mut columns = self.given.clone().unwrap_or_default();
        for (key, fold) in all {
            if !columns.iter().any(|c| c.name == key) {
                columns.push(Column::new(key, fold.ty()));
            }
        }
        Some(columns)
    }

    /// Every key of the file in order of first appearance, with the fold of its values
    /// (on every core). `None` when the fast reader cannot read the file.
    pub(crate) fn skim_folds(&self) -> Option<indexmap::IndexMap<String, TypeFold>> {
        let work = SkimWork {
            layout: self.layout,
            inside: self.start > 0,
            parts: Mutex::default(),
            tokens: Mutex::default(),
            first_only: None,
        };
        let stop = AtomicBool::new(false);
        let label = format!("{} (columns)", self.name);
        let threads = crate::parallel::threads();
        if read_chunks(&label, self.src(), threads, &stop, &work).is_some() {
            return None;
        }
        Self::folds_of(work, &stop, self.layout)
    }

    /// The keys of the file's first chunk (about [`CHUNK_BYTES`] of whole lines), in
    /// order of first appearance, with the fold of their values: the sample a table
    /// without a schema is first bound from (see [`Guard`]). `None` when the fast
    /// reader cannot read that chunk.
    pub(crate) fn skim_head(&self) -> Option<indexmap::IndexMap<String, TypeFold>> {
        let stop = AtomicBool::new(false);
        let work = SkimWork {
            layout: self.layout,
            inside: self.start > 0,
            parts: Mutex::default(),
            tokens: Mutex::default(),
            first_only: Some(&stop),
        };
        // One thread: the chunk after the first is never taken.
        if read_chunks(&self.name, self.src(), 1, &stop, &work).is_some() {
            return None;
        }
        Self::folds_of(work, &stop, self.layout)
    }

    /// The keys the chunks of a skim found, merged in file order.
    fn folds_of(
        work: SkimWork,
        stop: &AtomicBool,
        layout: Layout,
    ) -> Option<indexmap::IndexMap<String, TypeFold>> {
        let tokens = std::mem::take(&mut *work.tokens.lock().unwrap_or_else(|e| e.into_inner()));
        if layout.array() && !array_whole(tokens, stop) {
            return None;
        }
        Some(merge_skims(work))
    }
}

/// Scans `files`, each of JSON lines, as one table: several small files to a chunk (so
/// that a table of thousands of files costs a few system calls per file, not a chunk, a
/// map and a hand-over each), on `request.threads` threads, chunks numbered in file
/// order. `GaveUp(i)` as [`FileTable`]'s scan: a file that is not JSON lines (an array,
/// another format, gzip) or that the fast reader cannot read makes it give up at its
/// chunk, for the exact reader. `files` are paths with their sizes (as listed: a
/// file that grew is read whole all the same).
pub(crate) fn scan_line_files(
    label: &str,
    files: &[(&Path, u64)],
    columns: &[Column],
    request: &ScanRequest<'_>,
    sink: &dyn ChunkSink,
) -> Scanned {
    let work = RowWork {
        parser: LineParser::new(columns, request.needed, Layout::Lines, &[]),
        sink,
        layout: Layout::Lines,
        inside: false,
        tokens: Mutex::default(),
        cut: AtomicBool::new(false),
    };
    match read_chunks(
        label,
        Src::Many(files),
        request.threads,
        request.stop,
        &work,
    ) {
        Some(i) => Scanned::GaveUp(i),
        None => Scanned::Done,
    }
}

/// [`FileTable::skim_folds`] of `files` read as by [`scan_line_files`].
pub(crate) fn skim_line_files(
    label: &str,
    files: &[(&Path, u64)],
) -> Option<indexmap::IndexMap<String, TypeFold>> {
    let work = SkimWork {
        layout: Layout::Lines,
        inside: false,
        parts: Mutex::default(),
        tokens: Mutex::default(),
        first_only: None,
    };
    let stop = AtomicBool::new(false);
    let threads = crate::parallel::threads();
    if read_chunks(label, Src::Many(files), threads, &stop, &work).is_some() {
        return None;
    }
    Some(merge_skims(work))
}

/// The keys of the chunks' skims in chunk order, their folds joined.
fn merge_skims(work: SkimWork) -> indexmap::IndexMap<String, TypeFold> {
    let mut parts = work.parts.into_inner().unwrap_or_else(|e| e.into_inner());
    parts.sort_by_key(|(i, _)| *i);
    let mut all: indexmap::IndexMap<String, TypeFold> = indexmap::IndexMap::new();
    for (_, part) in parts {
        for (key, fold) in part {
            all.entry(key).or_default().join(fold);
        }
    }
    all
}

impl TableSource for FileTable {
    fn columns(&self) -> Result<Vec<Column>> {
        Ok(self.columns_now()?.to_vec())
    }

    /// Once the table has been read whole, queries read it in place.
    fn in_memory(&self) -> Option<Arc<Table>> {
        self.full.get().cloned()
    }

    fn scan(&self, request: &ScanRequest<'_>, sink: &dyn ChunkSink) -> Result<Scanned> {
        let columns = self.columns_now()?;
        Ok(self.scan_chunks(columns, request, sink))
    }

    /// The table read whole (once), with the full loader's types and errors.
    fn load(&self) -> Result<Arc<Table>> {
        if let Some(t) = self.full.get() {
            return Ok(t.clone());
        }
        // Every column, by the fast reader when it can (on all cores), else the full
        // loader, whose errors name the line.
        let columns = self.known_columns().map(<[Column]>::to_vec);
        let fast = columns.as_ref().and_then(|columns| {
            let all = vec![true; columns.len()];
            let stop = AtomicBool::new(false);
            let request = ScanRequest {
                needed: &all,
                threads: crate::parallel::threads(),
                stop: &stop,
            };
            let gather = Gather::default();
            match self.scan_chunks(columns, &request, &gather) {
                Scanned::Done => Some(Table::new(columns.clone(), gather.into_rows())),
                Scanned::GaveUp(_) => None,
            }
        });
        let t = Arc::new(match fast {
            Some(t) => t,
            None => {
                let schema = self.given.as_ref().map(|c| Schema {
                    name: self.name.clone(),
                    columns: c.clone(),
                });
                load_table_file(&self.path, schema.as_ref())?
            }
        });
        if self.given.as_ref().is_some_and(|g| *g != t.columns) {
            self.widened.store(true, Ordering::SeqCst);
        }
        Ok(self.full.get_or_init(|| t).clone())
    }

    /// Reads every line's keys (once, unless a scan read them all already). True when
    /// that widened the schema.
    fn discover(&self) -> Result<bool> {
        if self.full.get().is_some()
            || self.found.get().is_some()
            || self.complete.load(Ordering::SeqCst)
        {
            return Ok(false);
        }
        match self.skim() {
            Some(columns) => {
                let _ = self.found.set(columns);
            }
            // The fast reader cannot read the file: the full loader reads it (or says
            // what is wrong with it).
            None => {
                self.load()?;
            }
        }
        let wider = match (&self.given, self.known_columns()) {
            (Some(given), Some(now)) => given.as_slice() != now,
            _ => false,
        };
        if wider {
            self.widened.store(true, Ordering::SeqCst);
        }
        Ok(wider)
    }

    fn widened(&self) -> bool {
        self.widened.load(Ordering::SeqCst)
    }
}

/// Whether the first element of an array (the text after its `[`) is an object on one
/// line: `{...}` then `,` or `]` before the line ends. (Within the first 4 KB: a longer
/// first line is taken as one element per line; the scan checks every line anyway.)
fn first_element_ends_its_line(after: &[u8]) -> bool {
    let Some(start) = after.iter().position(|c| !c.is_ascii_whitespace()) else {
        return false;
    };
    if after[start] != b'{' {
        return after[start] == b']';
    }
    let line = &after[start..];
    match memchr::memchr(b'\n', line) {
        Some(end) => {
            let l = line[..end].trim_ascii_end();
            l.ends_with(b"},") || l.ends_with(b"}") || l.ends_with(b"}]")
        }
        None => true,
    }
}

/// The cut pattern of a pretty-printed array (the text after its `[`): the first
/// element's line, which holds its `{` alone, with the line ends before and after it
/// (see [`FileTable::opener`]). `None` when the first element is not an object alone
/// on a line of its own.
fn opening_line(after: &[u8]) -> Option<Vec<u8>> {
    let brace = after.iter().position(|c| !c.is_ascii_whitespace())?;
    if after[brace] != b'{' {
        return None;
    }
    let start = memchr::memrchr(b'\n', &after[..brace])?;
    let end = brace + 1 + memchr::memchr(b'\n', &after[brace + 1..])?;
    let line = &after[start..=end];
    // Only blanks around the brace on its line.
    (line.iter().filter(|c| !c.is_ascii_whitespace()).count() == 1).then(|| line.to_vec())
}

/// A token of an array file between its elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Open,
    Element,
    Comma,
    Close,
}

/// Whether `next` may follow `prev` in a JSON array.
fn follows(prev: Tok, next: Tok) -> bool {
    matches!(
        (prev, next),
        (Tok::Open, Tok::Element | Tok::Close)
            | (Tok::Element, Tok::Comma | Tok::Close)
            | (Tok::Comma, Tok::Element)
    )
}

/// The first and last token of each chunk of an array file that has any.
type Tokens = Mutex<Vec<(usize, Tok, Tok)>>;

/// Whether the chunks' tokens make one whole array: it opens in the first chunk,
/// every chunk's first token may follow the chunk before's last, and it closes last.
/// (A scan that stopped early read only part of the file: whole enough.)
fn array_whole(mut tokens: Vec<(usize, Tok, Tok)>, stop: &AtomicBool) -> bool {
    tokens.sort_by_key(|(i, _, _)| *i);
    let mut prev: Option<Tok> = None;
    for (_, first, last) in &tokens {
        match prev {
            None if *first != Tok::Open => return false,
            Some(p) if !follows(p, *first) => return false,
            _ => {}
        }
        prev = Some(*last);
    }
    prev == Some(Tok::Close) || (prev.is_some() && stop.load(Ordering::SeqCst))
}

/// Walks the tokens of an array file's chunk: `[`, `,`, `]` and the elements, checking
/// that each may follow the one before. `first`/`last` track the chunk's ends.
struct ArrayWalk {
    first: Option<Tok>,
    last: Option<Tok>,
    /// What follows the array's `]` is not read (an array inside a document).
    inside: bool,
}

impl ArrayWalk {
    fn new(inside: bool) -> Self {
        ArrayWalk {
            first: None,
            last: None,
            inside,
        }
    }

    /// Moves past blanks, line ends and separators to the next element's `{`; `Some(false)`
    /// at the chunk's end, `None` when the text is not an array's.
    fn next_element(&mut self, text: &[u8], at: &mut usize, chunk: usize) -> Option<bool> {
        loop {
            while text.get(*at).is_some_and(|c| c.is_ascii_whitespace()) {
                *at += 1;
            }
            let tok = match text.get(*at) {
                None => return Some(false),
                Some(b'[') if chunk == 0 && self.last.is_none() => Tok::Open,
                Some(b',') => Tok::Comma,
                Some(b']') => Tok::Close,
                Some(b'{') => Tok::Element,
                Some(_) => return None,
            };
            self.push(tok)?;
            if tok == Tok::Element {
                return Some(true);
            }
            *at += 1;
            if tok == Tok::Close && self.inside {
                return Some(false);
            }
        }
    }

    fn push(&mut self, tok: Tok) -> Option<()> {
        match self.last {
            Some(prev) if !follows(prev, tok) => return None,
            None => self.first = Some(tok),
            _ => {}
        }
        self.last = Some(tok);
        Some(())
    }

    fn record(&self, idx: usize, tokens: &Tokens) {
        if let (Some(first), Some(last)) = (self.first, self.last) {
            tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((idx, first, last));
        }
    }
}

/// What a reading thread does with each chunk of a file.
trait ChunkWork: Sync {
    /// The thread's own state, kept from chunk to chunk.
    type State;
    fn state(&self) -> Self::State;
    /// Processes chunk `idx` (whole lines): the rows it held, `None` when the fast
    /// reader cannot read it.
    fn chunk(&self, state: &mut Self::State, idx: usize, text: &[u8]) -> Option<u64>;
}

/// gzip's magic bytes.
const GZIP: [u8; 2] = [0x1f, 0x8b];

/// The text of `path`: the file, or what its gzip members decompress to (several
/// members one after another are one text, as `cat a.gz b.gz`).
fn open_source(path: &Path, gzip: bool) -> std::io::Result<Box<dyn Read + Send>> {
    let file = std::fs::File::open(path)?;
    Ok(if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// What [`read_chunks`] reads: one file (mapped, cut at line ends; a gzip file
/// decompressed by the thread that takes the next chunk, while the others parse
/// theirs), or many files of
/// JSON lines, each with its size, read whole several to a chunk.
#[derive(Clone, Copy)]
enum Src<'a> {
    /// A file, whether it is gzip-compressed, where a pretty-printed array's chunks
    /// are cut (see [`FileTable::opener`]; else at any line end), and where the rows
    /// start ([`FileTable::start`]; only in a mapped file).
    One(&'a Path, bool, Option<&'a [u8]>, usize),
    Many(&'a [(&'a Path, u64)]),
}

/// Reads `src` in chunks of whole lines on `threads` threads, handing each to `work`,
/// until the end, `stop`, or a chunk `work` cannot read (returned).
fn read_chunks<W: ChunkWork>(
    label: &str,
    src: Src<'_>,
    threads: usize,
    stop: &AtomicBool,
    work: &W,
) -> Option<usize> {
    let (file, map, progress) = match src {
        // Rows inside a document are read only from a mapped file.
        Src::One(_, true, _, start) if start > 0 => return Some(0),
        Src::One(path, true, _, _) => {
            let Ok(text) = open_source(path, true) else {
                return Some(0);
            };
            // No progress bar: the bytes read are not the file's.
            (Some(text), None, Progress::start(label, 0))
        }
        Src::One(path, false, _, _) => {
            let Ok(file) = std::fs::File::open(path) else {
                return Some(0);
            };
            let progress = Progress::start(label, file.metadata().map_or(0, |m| m.len()));
            // Where mapping fails (a pipe, say) the file is read instead.
            let map = map_file(&file);
            if map.is_none() && matches!(src, Src::One(_, _, _, start) if start > 0) {
                return Some(0);
            }
            if let Some(map) = &map {
                let _ = map.advise(memmap2::Advice::Sequential);
            }
            let file: Box<dyn Read + Send> = Box::new(file);
            (Some(file), map, progress)
        }
        Src::Many(files) => (
            None,
            None,
            Progress::start(label, files.iter().map(|f| f.1).sum()),
        ),
    };
    let reader = Mutex::new(Reader {
        map: map.as_ref(),
        pos: match src {
            Src::One(_, _, _, start) => start,
            Src::Many(_) => 0,
        },
        working: std::collections::BTreeMap::new(),
        released: 0,
        file,
        files: match src {
            Src::Many(files) => files,
            Src::One(..) => &[],
        },
        carry: Vec::new(),
        eof: false,
        next: 0,
        opener: match src {
            Src::One(_, _, opener, _) => opener,
            Src::Many(_) => None,
        },
    });
    let failed = AtomicUsize::new(usize::MAX);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let (reader, failed, progress) = (&reader, &failed, &progress);
            crate::guard::spawn_worker(scope, move || worker(reader, work, failed, stop, progress));
        }
    });
    match failed.load(Ordering::SeqCst) {
        usize::MAX => None,
        i => Some(i),
    }
}

/// Reads `files` whole into the start of `out`, one after another, each ending its
/// last line: the length read; `None` when one cannot be read or is not JSON lines (its
/// first character is not `{`). `out` keeps its length from call to call (zeroed once,
/// grown when files need more): the files are read straight into it, two reads each
/// (the text, then the end). (`read_to_end` read a file in reads of 8, 16, 32 KB and
/// more, as it does when it is not told the size: five reads of a 70 KB blob.)
fn read_files(files: &[(&Path, u64)], out: &mut Vec<u8>) -> Option<usize> {
    let mut len = 0;
    for (path, size) in files {
        let start = len;
        let mut file = std::fs::File::open(path).ok()?;
        loop {
            // Room for the whole file (as listed) and the read that finds its end.
            let want = len + (*size as usize).saturating_sub(len - start) + 64;
            if out.len() < want {
                out.resize(want.max(out.len() * 2), 0);
            }
            match file.read(&mut out[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        let text = &mut out[start..len];
        if text.starts_with(b"\xEF\xBB\xBF") {
            // Blanks, which the parser skips like any before a line.
            text[..3].fill(b' ');
        }
        match text.iter().find(|c| !c.is_ascii_whitespace()) {
            None | Some(&b'{') => {}
            Some(_) => return None,
        }
        if len > start && out[len - 1] != b'\n' {
            // (There is room: every read leaves some.)
            out[len] = b'\n';
            len += 1;
        }
    }
    Some(len)
}

/// Reading rows for a scan: each chunk's rows go to the sink as they are parsed.
struct RowWork<'a> {
    parser: LineParser<'a>,
    sink: &'a dyn ChunkSink,
    layout: Layout,
    /// The array is inside a document (see [`ArrayWalk::inside`]).
    inside: bool,
    tokens: Tokens,
    /// A consumer left rows of a chunk unread.
    cut: AtomicBool,
}

impl ChunkWork for RowWork<'_> {
    type State = ParseState;
    fn state(&self) -> ParseState {
        self.parser.state()
    }
    fn chunk(&self, state: &mut ParseState, idx: usize, text: &[u8]) -> Option<u64> {
        let before = state.rows;
        let mut rows = ChunkRows {
            parser: &self.parser,
            state,
            text,
            at: 0,
            idx,
            array: self.layout.array().then(|| ArrayWalk::new(self.inside)),
            failed: false,
            ended: false,
        };
        self.sink.chunk(idx, &mut rows);
        if !rows.ended() {
            self.cut.store(true, Ordering::SeqCst);
        }
        if let Some(walk) = &rows.array {
            walk.record(idx, &self.tokens);
        }
        let failed = rows.failed;
        (!failed).then(|| (state.rows - before) as u64)
    }
}

/// Hands out chunks of whole lines, numbered in file order: slices of the mapped file,
/// or (when the file cannot be mapped) reads into the worker's buffer.
struct Reader<'m> {
    map: Option<&'m memmap2::Mmap>,
    /// Where the next chunk of the map starts.
    pos: usize,
    /// The starts of the mapped chunks being parsed, by chunk number, and how much of the
    /// map has been dropped from memory (everything before the oldest chunk in work).
    working: std::collections::BTreeMap<usize, usize>,
    released: usize,
    /// The file read when it is not mapped (or its decompressed text).
    file: Option<Box<dyn Read + Send>>,
    /// The files not handed out yet, when reading many small ones.
    files: &'m [(&'m Path, u64)],
    /// The start of a line the previous chunk ended in.
    carry: Vec<u8>,
    eof: bool,
    next: usize,
    /// Where chunks are cut, when not at any line end (see [`FileTable::opener`]).
    opener: Option<&'m [u8]>,
}

impl Reader<'_> {
    /// Where the first cut at or after `from` in `text` is (just past a line end),
    /// if there is one.
    fn cut_after(&self, text: &[u8], from: usize) -> Option<usize> {
        match self.opener {
            Some(p) => memchr::memmem::find(&text[from..], p).map(|k| from + k + 1),
            None => memchr::memchr(b'\n', &text[from..]).map(|k| from + k + 1),
        }
    }

    /// Where the last cut in `text` is (just past a line end), if there is one.
    fn cut_before(&self, text: &[u8]) -> Option<usize> {
        match self.opener {
            Some(p) => memchr::memmem::rfind(text, p).map(|k| k + 1),
            None => memchr::memrchr(b'\n', text).map(|k| k + 1),
        }
    }
}

/// The rows of one chunk, parsed as they are asked for.
struct ChunkRows<'a, 'p> {
    parser: &'a LineParser<'p>,
    state: &'a mut ParseState,
    text: &'a [u8],
    at: usize,
    idx: usize,
    /// An array file's tokens (`None` for JSON lines).
    array: Option<ArrayWalk>,
    /// The fast reader gave up on a line of the chunk.
    failed: bool,
    /// Every row of the chunk was read (a consumer may stop before).
    ended: bool,
}

impl RowCursor for ChunkRows<'_, '_> {
    fn next_row(&mut self) -> Option<&[Value]> {
        // UTF-8 and control characters are checked inside strings as they are scanned
        // (see [`super::bytes`]); outside strings only ASCII structure is accepted.
        // Lines are not split first: the parser reads each object from where it starts
        // and checks what follows it on its line.
        if self.failed {
            return None;
        }
        let text = self.text;
        match &mut self.array {
            None => {
                while text
                    .get(self.at)
                    .is_some_and(|c| BLANK.contains(c) || *c == b'\n')
                {
                    self.at += 1;
                }
                if self.at >= text.len() {
                    self.ended = true;
                    return None;
                }
            }
            Some(walk) => match walk.next_element(text, &mut self.at, self.idx) {
                Some(true) => {}
                Some(false) => {
                    self.ended = true;
                    return None;
                }
                None => {
                    self.failed = true;
                    return None;
                }
            },
        }
        match self.parser.parse(text, self.at, self.state) {
            Some(next) => {
                self.at = next;
                Some(&self.state.row)
            }
            None => {
                self.failed = true;
                None
            }
        }
    }

    fn ended(&self) -> bool {
        self.ended
    }
}

fn worker<W: ChunkWork>(
    reader: &Mutex<Reader<'_>>,
    work: &W,
    failed: &AtomicUsize,
    stop: &AtomicBool,
    progress: &Progress,
) {
    let mut state = work.state();
    let mut buf: Vec<u8> = Vec::new();
    let mut len;
    loop {
        // Reading is sequential (one reader at a time), parsing is not.
        let (idx, mapped, files) = {
            let mut r = reader.lock().unwrap_or_else(|e| e.into_inner());
            if failed.load(Ordering::SeqCst) != usize::MAX || stop.load(Ordering::SeqCst) {
                return;
            }
            let idx = r.next;
            if r.file.is_none() {
                // Many files: this chunk is the next ones up to a chunk's bytes (at least
                // one), read outside the lock.
                let files = r.files;
                if files.is_empty() {
                    return;
                }
                let mut n = 1;
                let mut bytes = files[0].1;
                while n < files.len() && bytes + files[n].1 <= CHUNK_BYTES as u64 {
                    bytes += files[n].1;
                    n += 1;
                }
                r.files = &files[n..];
                r.next += 1;
                len = 0;
                (idx, None, Some(&files[..n]))
            } else if let Some(map) = r.map {
                let start = r.pos;
                if start >= map.len() {
                    return;
                }
                let end = (start + CHUNK_BYTES).min(map.len());
                let end = r.cut_after(map, end).unwrap_or(map.len());
                r.pos = end;
                r.next += 1;
                r.working.insert(idx, start);
                len = end - start;
                (idx, Some((map, start, end)), None)
            } else {
                // `buf` keeps its length (zeroed once); `len` is the part in use.
                len = r.carry.len();
                if buf.len() < len + CHUNK_BYTES {
                    buf.resize(len + CHUNK_BYTES, 0);
                }
                buf[..len].copy_from_slice(&r.carry);
                r.carry.clear();
                let mut bad = false;
                while !r.eof && len < CHUNK_BYTES {
                    let Some(file) = r.file.as_mut() else {
                        break;
                    };
                    match file.read(&mut buf[len..]) {
                        Ok(0) => r.eof = true,
                        Ok(n) => len += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => {
                            bad = true;
                            break;
                        }
                    }
                }
                if len == 0 && !bad {
                    return;
                }
                if !r.eof {
                    if let Some(cut) = r.cut_before(&buf[..len]) {
                        r.carry.extend_from_slice(&buf[cut..len]);
                        len = cut;
                    }
                }
                if bad {
                    len = 0;
                }
                r.next += 1;
                (idx, None, None)
            }
        };
        // Many files: `buf` holds their text whole (its length is theirs); empty files
        // make a chunk of no rows.
        let mut unread = false;
        if let Some(files) = files {
            match read_files(files, &mut buf) {
                Some(n) => len = n,
                None => unread = true,
            }
        }
        let text = match mapped {
            Some((map, start, end)) => {
                // The chunk's pages mapped in one call, not a fault per 64 KB: the scan's
                // prefetches (see `bytes::string_end`) reach only mapped pages.
                let _ = map.advise_range(memmap2::Advice::PopulateRead, start, end - start);
                &map[start..end]
            }
            None => &buf[..len],
        };
        let text = if idx == 0 && files.is_none() {
            text.strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(text)
        } else {
            text
        };
        // A panic while working on a chunk must not leave the chunks after this one
        // waiting for it: it counts as a chunk the fast reader could not read (the full
        // loader reads it).
        let rows = if unread || (len == 0 && files.is_none()) {
            None
        } else {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                work.chunk(&mut state, idx, text)
            }))
            .unwrap_or(None)
        };
        let ok = rows.is_some();
        progress.advance(len as u64, rows.unwrap_or(0));
        if !ok {
            failed.fetch_min(idx, Ordering::SeqCst);
        }
        if let Some((map, _, _)) = mapped {
            let done = {
                let mut r = reader.lock().unwrap_or_else(|e| e.into_inner());
                r.working.remove(&idx);
                // Everything before the oldest chunk still being parsed is done with.
                let upto = r.working.values().next().copied().unwrap_or(r.pos);
                let from = r.released;
                r.released = from.max(upto);
                from..upto
            };
            release(map, done);
        }
        if !ok {
            return;
        }
    }
}

/// Discovering columns: each chunk lists its keys in order of first appearance, each
/// with the kind of its values in the chunk.
struct SkimWork<'s> {
    layout: Layout,
    /// The array is inside a document (see [`ArrayWalk::inside`]).
    inside: bool,
    parts: Mutex<Vec<(usize, KeyKinds)>>,
    tokens: Tokens,
    /// Set once a chunk is taken: the skim reads the first chunk only.
    first_only: Option<&'s AtomicBool>,
}

/// Keys in order of first appearance, with the kind of their values.
type KeyKinds = Vec<(String, TypeFold)>;

/// A thread's keys: the kinds seen, and the order of the previous object's keys (a key
/// is usually where it was on the line before, matched by one comparison).
#[derive(Default)]
struct SkimState {
    /// Every key met, as its quoted text and colon, and its name.
    keys: Vec<(Pattern, String)>,
    index: FxHashMap<String, usize>,
    order: Vec<usize>,
}

/// One chunk's keys: the fold of each key's values by key index (`None`: not in the
/// chunk), and the keys in order of first appearance.
#[derive(Default)]
struct ChunkKinds {
    folds: Vec<Option<TypeFold>>,
    order: Vec<usize>,
}

impl ChunkWork for SkimWork<'_> {
    type State = SkimState;
    fn state(&self) -> SkimState {
        SkimState::default()
    }
    fn chunk(&self, st: &mut SkimState, idx: usize, text: &[u8]) -> Option<u64> {
        if let Some(stop) = self.first_only {
            stop.store(true, Ordering::SeqCst);
        }
        let mut objects = 0;
        // This chunk's keys, by index into the thread's keys.
        let mut kinds = ChunkKinds::default();
        let mut walk = self.layout.array().then(|| ArrayWalk::new(self.inside));
        let mut at = 0;
        loop {
            match &mut walk {
                None => {
                    while text.get(at).is_some_and(|c| c.is_ascii_whitespace()) {
                        at += 1;
                    }
                    if at >= text.len() {
                        break;
                    }
                }
                Some(w) => match w.next_element(text, &mut at, idx) {
                    Some(true) => {}
                    Some(false) => break,
                    None => return None,
                },
            }
            let mut p = Cursor { b: text, i: at };
            skim_object(&mut p, st, &mut kinds, self.layout == Layout::Pretty)?;
            objects += 1;
            at = match &walk {
                // An array's separators are the walk's.
                Some(_) => p.i,
                None => p.line_end()?,
            };
        }
        if let Some(w) = &walk {
            w.record(idx, &self.tokens);
        }
        let part = kinds
            .order
            .iter()
            .filter_map(|&k| Some((st.keys[k].1.clone(), kinds.folds[k]?)))
            .collect();
        self.parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((idx, part));
        Some(objects)
    }
}

/// Reads the keys of the object at the cursor and the kinds of their values.
fn skim_object(
    p: &mut Cursor,
    st: &mut SkimState,
    kinds: &mut ChunkKinds,
    pretty: bool,
) -> Option<()> {
    p.expect(b'{')?;
    blank(p, pretty);
    if p.peek()? == b'}' {
        p.i += 1;
        return Some(());
    }
    let mut k = 0;
    loop {
        blank(p, pretty);
        // The key: where it was on the object before, else looked up (or new).
        let key = match st.order.get(k).copied() {
            Some(c) if st.keys[c].0.at(p.b, p.i) => {
                p.i += st.keys[c].0.len();
                c
            }
            _ => {
                let name = p.string()?.into_owned();
                let c = match st.index.get(&name) {
                    Some(&c) => c,
                    None => {
                        let mut raw = serde_json::to_vec(&name).ok()?;
                        raw.push(b':');
                        st.keys.push((Pattern::new(raw), name.clone()));
                        st.index.insert(name, st.keys.len() - 1);
                        st.keys.len() - 1
                    }
                };
                blank(p, pretty);
                p.expect(b':')?;
                st.order.truncate(k);
                st.order.push(c);
                c
            }
        };
        k += 1;
        blank(p, pretty);
        if kinds.folds.len() <= key {
            kinds.folds.resize(key + 1, None);
        }
        let known = kinds.folds[key];
        let kind = match p.peek()? {
            b'"' => {
                // Strings are dates while every one so far was.
                if matches!(
                    known.map(TypeFold::kind),
                    None | Some(Kind::None | Kind::Date)
                ) {
                    let s = p.string()?;
                    if looks_like_iso_datetime(&s) {
                        Kind::Date
                    } else {
                        Kind::Str
                    }
                } else {
                    p.skip_string()?;
                    Kind::Str
                }
            }
            b'{' | b'[' => {
                let start = p.i;
                let end = object_end(p.b, start)?;
                if !pretty && memchr::memchr(b'\n', &p.b[start..end]).is_some() {
                    return None;
                }
                p.i = end;
                Kind::Dyn
            }
            _ => {
                let start = p.i;
                while p.i < p.b.len()
                    && !matches!(p.b[p.i], b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                {
                    p.i += 1;
                }
                scalar_kind(&p.b[start..p.i])?
            }
        };
        match &mut kinds.folds[key] {
            Some(fold) => fold.join(TypeFold::of(kind)),
            slot @ None => {
                *slot = Some(TypeFold::of(kind));
                kinds.order.push(key);
            }
        }
        blank(p, pretty);
        match p.next()? {
            b',' => continue,
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// `file` mapped read-only, `None` when it cannot be (a pipe, say).
pub(crate) fn map_file(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is only read. A file that another process truncates meanwhile
    // would fault on access (as with any mapped read, in ripgrep for one); that is the
    // price of not copying every byte from the page cache.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// Drops the pages of `range` of the map (parsed chunks) from the process's memory:
/// mapped pages count in its resident size, and without this a scan's peak memory would
/// grow with the file (the pages stay in the page cache; only this process's view of them
/// goes).
pub(crate) fn release(map: &memmap2::Mmap, range: std::ops::Range<usize>) {
    // Whole pages only, aligned to 64 KiB (a multiple of every usual page size): the part
    // of a page left over is dropped with the next range.
    const ALIGN: usize = 1 << 16;
    let (lo, hi) = (range.start / ALIGN * ALIGN, range.end / ALIGN * ALIGN);
    if hi > lo {
        // SAFETY: the map is read-only and file-backed, so dropping pages discards no
        // data: a later read would fault the file's pages in again. The range lies before
        // every chunk still being parsed, and no chunk is read twice.
        let _ =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, lo, hi - lo) };
    }
}

/// The column of a key that is no column (see [`LineParser::ignore`]).
const IGNORED: usize = usize::MAX;

/// Past the blanks of a line, or of any lines when `pretty` (an object of a
/// pretty-printed array spans lines).
#[inline(always)]
fn blank(p: &mut Cursor, pretty: bool) {
    if pretty {
        p.ws();
    } else {
        p.ws_in_line();
    }
}

/// What may surround an object on its line (what `trim_ascii` removes, but line ends).
const BLANK: &[u8] = b" \t\r\x0c";

/// Parses one line (a flat JSON object) into a row of the schema's width.
///
/// Field by field, each key matched where the previous line had it and each skipped
/// string searched sixteen bytes at a time. Why not simdjson's way (every 64-byte block
/// classified first, the structural bytes outside strings walked as bits): tried on
/// 2026-12-04, with AVX2 and AVX-512 classifiers and the same key and value code at the
/// places the bits gave, it cost 466 M instructions against 266 M for `count` over
/// 40,000 Entra rows (KQL_THREADS=1 callgrind) and 0.24 s against 0.15 s user at M: a
/// row's ~45 fields are short, so classifying all of its 1.5 kB costs more than the
/// per-field searches it replaces.
struct LineParser<'a> {
    columns: &'a [Column],
    /// The objects are elements of an array: what follows one is the caller's to read.
    array: bool,
    /// The objects span lines (a pretty-printed array): line ends are blanks.
    pretty: bool,
    /// Every value is text as the az CLI writes it (see [`LineParser::az_null`]).
    az: bool,
    /// Keys that are no column, their values skipped.
    ignore: &'static [&'static str],
    index: FxHashMap<&'a str, usize>,
    /// What the parser needs of each column, in one place (one bounds check per field).
    cols: Vec<Col>,
    /// The types of the needed columns, in row order (a missing field's value).
    kept: Vec<Type>,
}

struct Col {
    /// The column's name as it appears quoted and followed by its colon (`"Name":`),
    /// for matching keys without parsing them.
    key: Pattern,
    ty: Type,
    /// The rows hold only the needed columns, in schema order: the column's position in
    /// the row, `None` when it is not needed.
    slot: Option<usize>,
    /// Not needed, and any string is a valid value (string and dynamic columns).
    skip: bool,
    /// Not needed, and a small integer (or, `Some(true)`, a bool column's `true` or
    /// `false`) is a valid value that its guard takes: numeric and bool columns that
    /// take anything, or whose sample was of such values (see [`skip_fits`]).
    skip_scalar: Option<bool>,
    /// What the column's values may be (see [`Guard`]).
    guard: Guard,
}

/// One parsing thread's state: the row being filled (reused from line to line), the
/// interners, and the order of the keys on the previous line (exporters write every
/// line's keys in the same order, so a key is usually matched by one comparison).
struct ParseState {
    row: Row,
    /// Each needed column's value when its field is missing.
    missing: Vec<Value>,
    /// The row number (`rows`) that last set each slot.
    stamp: Vec<usize>,
    interners: Vec<Option<Interner>>,
    order: Vec<usize>,
    rows: usize,
    /// Each column's last date: tables often hold two datetime columns whose dates
    /// differ (Entra's `Timestamp` and `LastPasswordChangeTimestamp`), and one cache
    /// shared by them missed on every value.
    days: Vec<DayCache>,
    /// Where an escaped string of a needed column is decoded (see `Cursor::string_in`).
    scratch: Vec<u8>,
}

impl<'a> LineParser<'a> {
    fn new(columns: &'a [Column], needed: &[bool], layout: Layout, guards: &[Guard]) -> Self {
        Self::with_text(columns, needed, layout, guards, None)
    }

    /// [`LineParser::new`], values read as the az CLI writes them when `az` (its keys
    /// that are no column).
    fn with_text(
        columns: &'a [Column],
        needed: &[bool],
        layout: Layout,
        guards: &[Guard],
        az: Option<&'static [&'static str]>,
    ) -> Self {
        let needed: Vec<bool> = (0..columns.len())
            .map(|i| needed.get(i).copied().unwrap_or(true))
            .collect();
        // A guard that takes every value checks nothing.
        let guard = |i: usize| match guards.get(i).copied().unwrap_or(Guard::Any) {
            Guard::Kind(Kind::Dyn) => Guard::Any,
            g => g,
        };
        LineParser {
            columns,
            array: layout.array(),
            pretty: layout == Layout::Pretty,
            az: az.is_some(),
            ignore: az.unwrap_or_default(),
            index: columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str(), i))
                .collect(),
            cols: columns
                .iter()
                .zip(&needed)
                .enumerate()
                .scan(0, |next, (i, (c, &needed))| {
                    let mut key = serde_json::to_vec(&c.name).unwrap_or_default();
                    key.push(b':');
                    *next += needed as usize;
                    let guard = guard(i);
                    Some(Col {
                        key: Pattern::new(key),
                        ty: c.ty,
                        slot: needed.then(|| *next - 1),
                        // (A column whose sample held only nulls takes no date.)
                        skip: !needed
                            && matches!(c.ty, Type::String | Type::Dynamic)
                            && matches!(guard, Guard::Any | Guard::Kind(Kind::Str)),
                        skip_scalar: (!needed)
                            .then(|| skip_scalar_of(c.ty))
                            .flatten()
                            .filter(|&bools| skip_fits(guard, bools)),
                        guard,
                    })
                })
                .collect(),
            kept: columns
                .iter()
                .enumerate()
                .filter(|(i, _)| needed[*i])
                .map(|(_, c)| c.ty)
                .collect(),
        }
    }

    fn state(&self) -> ParseState {
        ParseState {
            row: vec![Value::Null; self.kept.len()],
            // Made per thread: a default shared by the threads would have its reference
            // count updated by both on every row (a contended cache line).
            missing: self.kept.iter().map(|&ty| missing_value(ty)).collect(),
            stamp: vec![0; self.kept.len()],
            interners: self
                .columns
                .iter()
                .map(|c| matches!(c.ty, Type::String | Type::Dynamic).then(Interner::default))
                .collect(),
            order: Vec::new(),
            rows: 0,
            days: vec![DayCache::default(); self.columns.len()],
            scratch: Vec::new(),
        }
    }

    /// The column of the key at the cursor, moving past it and its colon.
    #[inline]
    fn key<const PRETTY: bool>(
        &self,
        p: &mut Cursor,
        st: &mut ParseState,
        k: usize,
    ) -> Option<usize> {
        if let Some(&c) = st.order.get(k) {
            if let Some(col) = self.cols.get(c).filter(|col| col.key.at(p.b, p.i)) {
                p.i += col.key.len();
                return Some(c);
            }
        }
        let key = p.string()?;
        // A key that is no column (the az CLI's `TableName`), whatever the columns.
        let c = match self.ignore.contains(&key.as_ref()) {
            true => IGNORED,
            false => *self.index.get(key.as_ref())?,
        };
        // (An ignored key is never matched by its place: its place is kept.)
        if st.order.get(k) != Some(&c) {
            st.order.truncate(k);
            st.order.push(c);
        }
        blank(p, PRETTY);
        p.expect(b':')?;
        Some(c)
    }

    /// Fills `st.row` from one line. `None` when the line is not something this reader
    /// handles exactly as the full loader would.
    /// The object starting at `text[start]` fills the row; returns where the next line
    /// starts. (The object must end its line, but for blanks.)
    fn parse(&self, text: &[u8], start: usize, st: &mut ParseState) -> Option<usize> {
        st.rows += 1;
        // (Compiled once per layout: the pretty-printed layout's checks are one branch
        // here, not a few a field.)
        let next = match self.pretty {
            true => self.fields::<true>(text, start, st)?,
            false => self.fields::<false>(text, start, st)?,
        };
        // Fields the line lacks get their default (values are overwritten in place, not
        // reset first: a reset clones and drops a default per column per row).
        for slot in 0..st.row.len() {
            if st.stamp[slot] != st.rows {
                st.row[slot] = st.missing[slot].clone();
            }
        }
        Some(next)
    }

    /// The fields of the object at `text[start]` into `st.row`, each stamped as set.
    fn fields<const PRETTY: bool>(
        &self,
        text: &[u8],
        start: usize,
        st: &mut ParseState,
    ) -> Option<usize> {
        let mut p = Cursor { b: text, i: start };
        p.expect(b'{')?;
        blank(&mut p, PRETTY);
        if p.peek()? == b'}' {
            p.i += 1;
            return self.end(&mut p);
        }
        let mut k = 0;
        loop {
            if PRETTY {
                // (The line end and indent before each key.)
                p.ws();
            }
            // The common field first: the key expected here, written compactly (or,
            // pretty-printed, with blanks after its colon), of an unused text column,
            // holding a plain ASCII string, followed by a comma.
            // So is an unused number or bool column's small integer or bool.
            if let Some(col) = st.order.get(k).and_then(|&c| self.cols.get(c)) {
                if (col.skip || col.skip_scalar.is_some()) && col.key.at(p.b, p.i) {
                    let mut v = p.i + col.key.len();
                    if PRETTY {
                        while p.b.get(v) == Some(&b' ') {
                            v += 1;
                        }
                    }
                    let end = match col.skip_scalar {
                        None if p.b.get(v) == Some(&b'"') => {
                            plain_string_end(p.b, v + 1).map(|e| e + 1)
                        }
                        None => None,
                        Some(bools) => plain_scalar_end(p.b, v, bools),
                    };
                    if let Some(end) = end {
                        if p.b.get(end) == Some(&b',') {
                            p.i = end + 1;
                            k += 1;
                            continue;
                        }
                    }
                }
            }
            blank(&mut p, PRETTY);
            let col = self.key::<PRETTY>(&mut p, st, k)?;
            k += 1;
            blank(&mut p, PRETTY);
            if col == IGNORED {
                let start = p.i;
                p.skip_value()?;
                if !PRETTY && memchr::memchr(b'\n', &p.b[start..p.i]).is_some() {
                    return None;
                }
                blank(&mut p, PRETTY);
                match p.next()? {
                    b',' => continue,
                    b'}' => return self.end(&mut p),
                    _ => return None,
                }
            }
            let (ty, slot, guard) = self.cols.get(col).map(|c| (c.ty, c.slot, c.guard))?;
            if guard == Guard::Absent {
                return None;
            }
            if p.peek()? == b'"' {
                // A string is of kind Str or Date: it fits a guard of one of those only,
                // or one of nulls only while it is no date (the type stays string).
                let strings = match guard {
                    Guard::Any | Guard::Kind(Kind::Str) => Strings::Any,
                    Guard::Kind(Kind::Date) => Strings::Dates,
                    Guard::Kind(Kind::None) => Strings::NoDates,
                    _ => return None,
                };
                if let Some(slot) = slot {
                    // (Copied below, into a shared string or a value: an escaped one
                    // is decoded into the thread's scratch, not a string of its own.)
                    let s = p.string_in(&mut st.scratch)?;
                    // (A datetime is checked below, after the fast path that reads it.)
                    if strings != Strings::Any && ty != Type::DateTime && !strings.fit(s) {
                        return None;
                    }
                    st.stamp[slot] = st.rows;
                    st.row[slot] = match (ty, &mut st.interners[col]) {
                        _ if self.az_null(s, ty) => Value::Null,
                        (Type::String, Some(interner)) => {
                            let v = interner.get(s);
                            if interner.is_full(st.rows) {
                                st.interners[col] = None;
                            }
                            v
                        }
                        // (What the fast path reads is a date to inference too.)
                        (Type::DateTime, _) => match iso_utc(s, &mut st.days[col]) {
                            Some(t) => Value::DateTime(t),
                            None if !strings.fit(s) => return None,
                            None => convert_str(s, ty)?,
                        },
                        _ => convert_str(s, ty)?,
                    };
                } else if matches!(ty, Type::String | Type::Dynamic) && strings == Strings::Any {
                    p.skip_string()?;
                } else {
                    // Every value must convert to its column's type, used or not.
                    let s = p.string()?;
                    if self.az_null(&s, ty) {
                        // (Null, whatever the type.)
                    } else if ty != Type::DateTime || iso_utc(&s, &mut st.days[col]).is_none() {
                        if !strings.fit(&s) {
                            return None;
                        }
                        convert_str(&s, ty)?;
                    }
                }
            } else {
                let start = p.i;
                match p.peek()? {
                    b'{' | b'[' => {
                        // Of kind Dyn: it fits only a guard that takes anything.
                        if guard != Guard::Any {
                            return None;
                        }
                        if slot.is_none() && matches!(ty, Type::Dynamic | Type::Unknown) {
                            // Unread, it is only checked: any JSON value is a dynamic,
                            // so nothing is built (the tags array of every row, say).
                            p.skip_value()?;
                            // The line's end: a value may not run past it.
                            if !PRETTY && memchr::memchr(b'\n', &p.b[start..p.i]).is_some() {
                                return None;
                            }
                        } else {
                            let plain = match ty {
                                Type::Dynamic => {
                                    // The slot's array of the line before, when no one
                                    // else holds it any more (the row was read and let
                                    // go), is refilled: no allocation for the array.
                                    let reuse =
                                        slot.and_then(|s| match std::mem::take(&mut st.row[s]) {
                                            Value::Array(a) if Arc::strong_count(&a) == 1 => {
                                                Some(a)
                                            }
                                            _ => None,
                                        });
                                    let strings = st.interners[col].as_mut();
                                    plain_string_array(p.b, start, strings, reuse)
                                }
                                _ => None,
                            };
                            let v = match plain {
                                // The commonest dynamic value of a log line (tags, a list
                                // of addresses), read without the general parser.
                                Some((v, end)) => {
                                    p.i = end;
                                    v
                                }
                                None => {
                                    let end = object_end(p.b, start)?;
                                    // The line's end: a value may not run past it.
                                    if !PRETTY && memchr::memchr(b'\n', &p.b[start..end]).is_some()
                                    {
                                        return None;
                                    }
                                    p.i = end;
                                    let text = &p.b[start..end];
                                    if matches!(ty, Type::Dynamic | Type::Unknown) {
                                        // What `convert` gives an object or array as
                                        // dynamic, built without serde_json's tree (its
                                        // strings shared while that pays).
                                        match &mut st.interners[col] {
                                            Some(interner) => {
                                                crate::value::parse_json_slice_with(text, interner)?
                                            }
                                            None => crate::value::parse_json_slice(text)?,
                                        }
                                    } else {
                                        convert(&serde_json::from_slice::<J>(text).ok()?, ty)?
                                    }
                                }
                            };
                            if st.interners[col]
                                .as_ref()
                                .is_some_and(|i| i.is_full(st.rows))
                            {
                                st.interners[col] = None;
                            }
                            if let Some(slot) = slot {
                                st.stamp[slot] = st.rows;
                                st.row[slot] = v;
                            }
                        }
                    }
                    _ => {
                        while p.i < p.b.len()
                            && !matches!(p.b[p.i], b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                        {
                            p.i += 1;
                        }
                        let t = &p.b[start..p.i];
                        if let Guard::Kind(bound) = guard {
                            if !fits(bound, scalar_kind(t)?) {
                                return None;
                            }
                        }
                        let v = match quick_scalar(t, ty) {
                            Some(v) => Some(v),
                            None if slot.is_none() && plain_decimal(t, ty) => None,
                            None => Some(convert(&scalar(t)?, ty)?),
                        };
                        if let (Some(slot), Some(v)) = (slot, v) {
                            st.stamp[slot] = st.rows;
                            st.row[slot] = v;
                        }
                    }
                }
            }
            blank(&mut p, PRETTY);
            match p.next()? {
                b',' => continue,
                b'}' => return self.end(&mut p),
                _ => return None,
            }
        }
    }

    /// Whether a string is null as the az CLI writes values (see
    /// [`crate::io::formats::az_cli`]): empty or `None` in a column that is not a string.
    #[inline]
    fn az_null(&self, s: &str, ty: Type) -> bool {
        self.az && ty != Type::String && (s.is_empty() || s == "None")
    }

    /// Where reading goes on after an object: the next line (only blanks may follow an
    /// object on its line), or right after it in an array.
    fn end(&self, p: &mut Cursor) -> Option<usize> {
        if self.array {
            Some(p.i)
        } else {
            p.line_end()
        }
    }
}

/// The array of plain strings at `b[start]` (its `[`): `["a","b"]`, with spaces allowed
/// after the brackets and commas, each string ASCII without escapes (see
/// [`plain_string_end`]). Its value, the strings from `strings` when given, and where it
/// ends; `None` for anything else, which the general parser then reads. What it gives is
/// what [`crate::value::parse_json_slice_with`] gives for the same text (the test
/// `plain_string_arrays_read_as_the_parser_reads_them` checks it). The array is built in
/// `into` when given, an array no one else holds, its old items dropped.
#[inline]
fn plain_string_array(
    b: &[u8],
    start: usize,
    mut strings: Option<&mut Interner>,
    into: Option<Arc<Vec<Value>>>,
) -> Option<(Value, usize)> {
    let spaces = |mut i: usize| {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    let mut i = spaces(start + 1);
    let mut array = into.unwrap_or_default();
    // (Unique when given, so this clones nothing.)
    let items = Arc::make_mut(&mut array);
    items.clear();
    if b.get(i) == Some(&b']') {
        return Some((Value::Array(array), i + 1));
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (s, end) = plain_str(b, i + 1)?;
        items.push(Value::String(match strings.as_deref_mut() {
            Some(interner) => crate::value::SharedStrings::get(interner, s),
            None => Arc::from(s),
        }));
        i = spaces(end + 1);
        match b.get(i)? {
            b',' => i = spaces(i + 1),
            b']' => return Some((Value::Array(array), i + 1)),
            _ => return None,
        }
    }
}

/// The value of `null` or of an integer for the column types that take integers as
/// they are, read without serde_json (most numbers in logs are small integers: codes,
/// flags, counts); `None` for anything else, which goes the general way.
fn quick_scalar(t: &[u8], ty: Type) -> Option<Value> {
    if t == b"null" {
        return Some(missing_value(ty));
    }
    if !plain_integer(t) {
        return None;
    }
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    let n = digits.iter().fold(0i64, |n, &d| n * 10 + (d - b'0') as i64);
    let n = if t[0] == b'-' { -n } else { n };
    match ty {
        Type::Long => Some(Value::Long(n)),
        Type::Int => i32::try_from(n).ok().map(Value::Int),
        Type::Real => Some(Value::Real(n as f64)),
        Type::Decimal => Some(Value::Decimal(n as f64)),
        Type::Bool => match n {
            0 => Some(Value::Bool(false)),
            1 => Some(Value::Bool(true)),
            _ => None,
        },
        _ => None,
    }
}

/// How [`plain_scalar_end`] reads an unused column of type `ty` that takes any value of
/// its type: bools (`Some(true)`), small integers (`Some(false)`), or not at all.
fn skip_scalar_of(ty: Type) -> Option<bool> {
    match ty {
        Type::Long | Type::Int | Type::Real | Type::Decimal => Some(false),
        Type::Bool => Some(true),
        _ => None,
    }
}

/// Whether a column guarded by `guard` takes every value [`plain_scalar_end`] skips
/// with `bools`: a small integer is of kind long, `true`/`false` of kind bool. Why:
/// a table without a schema has every column guarded, and its unused counters and
/// flags were read the general way on every line (most of the extra time of the
/// schema-less group-by over the same file).
fn skip_fits(guard: Guard, bools: bool) -> bool {
    match guard {
        Guard::Any => true,
        Guard::Kind(k) if bools => fits(k, Kind::Bool),
        Guard::Kind(k) => fits(k, Kind::Long),
        Guard::Absent => false,
    }
}

/// Where the value at `b[v..]` ends when it is a small integer (1 to 9 digits, no
/// leading zero: a value of every number type, an `int`'s too) or, when `bools`, `true`
/// or `false`; `None` for anything else (read the general way). What [`quick_scalar`]
/// takes, in the shapes an unused column's values need no more reading for.
#[inline(always)]
fn plain_scalar_end(b: &[u8], v: usize, bools: bool) -> Option<usize> {
    let rest = b.get(v..)?;
    if bools {
        return if rest.starts_with(b"true") {
            Some(v + 4)
        } else if rest.starts_with(b"false") {
            Some(v + 5)
        } else {
            None
        };
    }
    let n = rest
        .iter()
        .take(9)
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 0 && (rest[0] != b'0' || n == 1)).then_some(v + n)
}

/// Whether `t` is a plain decimal (`-?(0|[1-9][0-9]*)\.[0-9]+`, short) in a column that
/// takes any number: such a value converts, so an unused one needs no further reading.
fn plain_decimal(t: &[u8], ty: Type) -> bool {
    let takes_any = matches!(
        ty,
        Type::Real | Type::Decimal | Type::Dynamic | Type::String
    );
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    let Some(dot) = digits.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (int, frac) = (&digits[..dot], &digits[dot + 1..]);
    takes_any
        && t.len() <= 24
        && !int.is_empty()
        && !frac.is_empty()
        && int.iter().chain(frac).all(u8::is_ascii_digit)
        && (int[0] != b'0' || int.len() == 1)
}

/// The kind of a JSON literal or number, as inference sees it (`None` when it is
/// neither).
fn scalar_kind(t: &[u8]) -> Option<Kind> {
    match t {
        b"null" => Some(Kind::None),
        b"true" | b"false" => Some(Kind::Bool),
        // A plain integer is a long without being read (as `scalar` would read it).
        _ if plain_integer(t) => Some(Kind::Long),
        _ => match scalar(t)? {
            J::Number(n) if n.is_i64() => Some(Kind::Long),
            J::Number(_) => Some(Kind::Real),
            _ => None,
        },
    }
}

/// Which strings a guarded column takes (see [`Guard`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strings {
    Any,
    /// Dates only (a datetime column).
    Dates,
    /// No date (a column of nulls, a string column as long as no date makes it one of
    /// datetimes).
    NoDates,
}

impl Strings {
    fn fit(self, s: &str) -> bool {
        match self {
            Strings::Any => true,
            Strings::Dates => looks_like_iso_datetime(s),
            Strings::NoDates => !looks_like_iso_datetime(s),
        }
    }
}

/// Whether a value of kind `k` leaves a fold of kind `bound` as it is.
fn fits(bound: Kind, k: Kind) -> bool {
    let mut f = TypeFold::of(bound);
    f.join(TypeFold::of(k));
    f.kind() == bound
}

/// A JSON literal or number, as serde_json reads it.
fn scalar(t: &[u8]) -> Option<J> {
    match t {
        b"null" => Some(J::Null),
        b"true" => Some(J::Bool(true)),
        b"false" => Some(J::Bool(false)),
        _ if plain_integer(t) => {
            let s = std::str::from_utf8(t).ok()?;
            s.parse::<i64>().ok().map(J::from)
        }
        _ => serde_json::from_slice::<J>(t).ok().filter(J::is_number),
    }
}

/// An integer of at most 18 digits without leading zeros: an `i64` whatever its digits.
/// (`-0` and leading zeros go to serde_json: a real, an error.)
fn plain_integer(t: &[u8]) -> bool {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && t[0] != b'-'))
}

/// The lines reader's step of the shared cursor.
impl Cursor<'_> {
    /// Past the blanks and the line end after an object: where the next line starts.
    fn line_end(&mut self) -> Option<usize> {
        while self.peek().is_some_and(|c| BLANK.contains(&c)) {
            self.i += 1;
        }
        match self.next() {
            None => Some(self.b.len()),
            Some(b'\n') => Some(self.i),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind a fold can be of.
    const KINDS: [Kind; 7] = [
        Kind::None,
        Kind::Bool,
        Kind::Long,
        Kind::Real,
        Kind::Date,
        Kind::Str,
        Kind::Dyn,
    ];

    /// A guarded column takes a value exactly when folding it into the sample's fold
    /// leaves the column's type as it is, needed or not (else the scan gives up).
    #[test]
    fn a_guard_takes_the_values_that_keep_the_samples_type() {
        let values = [
            "null",
            "true",
            "0",
            "-3",
            "2.5",
            "1e3",
            "18446744073709551615",
            "\"abc\"",
            "\"\"",
            "\"42\"",
            "\"true\"",
            "\"2026-05-01T00:00:00Z\"",
            "\"2026-05-01 10:00\"",
            "\"2026-05-01\"",
            "\"2026-02-30\"",
            "{\"a\":1}",
            "[1,\"x\"]",
        ];
        for bound in KINDS {
            let ty = TypeFold::of(bound).ty();
            let columns = [Column::new("x", ty), Column::new("y", Type::Long)];
            for needed in [true, false] {
                let parser = LineParser::new(
                    &columns,
                    &[needed, true],
                    Layout::Lines,
                    &[Guard::Kind(bound), Guard::Any],
                );
                for v in values {
                    let mut fold = TypeFold::of(bound);
                    fold.add(&serde_json::from_str::<J>(v).unwrap());
                    let keeps = fold.ty() == ty;
                    for (line, primer) in [
                        (format!("{{\"x\":{v},\"y\":1}}"), "{\"x\":null,\"y\":1}"),
                        (format!("{{\"y\":1, \"x\": {v}}}"), "{\"y\":1, \"x\": null}"),
                    ] {
                        // On a fresh state, and after a line of the same keys (whose
                        // order the parser then expects: the skips of unused values).
                        let took = parser.parse(line.as_bytes(), 0, &mut parser.state());
                        let mut st = parser.state();
                        assert!(parser.parse(primer.as_bytes(), 0, &mut st).is_some());
                        let took_next = parser.parse(line.as_bytes(), 0, &mut st);
                        for took in [took, took_next] {
                            assert_eq!(
                                took.is_some(),
                                keeps,
                                "{line} as {bound:?} (needed: {needed})"
                            );
                        }
                    }
                }
            }
        }
        // A key the file's sample did not have, whatever its value.
        let columns = [Column::new("x", Type::String), Column::new("y", Type::Long)];
        let parser = LineParser::new(
            &columns,
            &[false, true],
            Layout::Lines,
            &[Guard::Absent, Guard::Any],
        );
        assert!(parser.parse(b"{\"y\":1}", 0, &mut parser.state()).is_some());
        assert!(parser
            .parse(b"{\"y\":1,\"x\":null}", 0, &mut parser.state())
            .is_none());
    }

    /// The skip of unused small integers and bools is taken under a guard exactly when
    /// the guard takes every value it skips.
    #[test]
    fn a_guarded_skip_takes_only_what_its_guard_takes() {
        for k in KINDS {
            for bools in [false, true] {
                let skipped = ["0", "7", "123456789", "true", "false"]
                    .into_iter()
                    .filter(|t| plain_scalar_end(format!("{t},").as_bytes(), 0, bools).is_some());
                let all_fit = skipped
                    .map(|t| scalar_kind(t.as_bytes()).unwrap())
                    .all(|kind| fits(k, kind));
                assert_eq!(skip_fits(Guard::Kind(k), bools), all_fit, "{k:?} {bools}");
            }
        }
        assert!(skip_fits(Guard::Any, true) && !skip_fits(Guard::Absent, false));
    }

    #[test]
    fn quick_number_paths_agree_with_serde_json() {
        let tokens = [
            "0",
            "1",
            "-1",
            "-0",
            "00",
            "01",
            "2",
            "123456789012345678",
            "1234567890123456789",
            "-123456789012345678",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "null",
            "true",
            "false",
            "0.0",
            "-0.5",
            "1.25",
            "01.5",
            "1.",
            ".5",
            "1e3",
            "1.5e3",
            "-",
            "",
            "1-",
            "0x1",
            "9.99999999999999999999",
            "999999999",
            "1000000000",
            "9999999999",
            "0123",
            "tru",
            "truex",
            "False",
        ];
        let types = [
            Type::Bool,
            Type::Int,
            Type::Long,
            Type::Real,
            Type::Decimal,
            Type::String,
            Type::Dynamic,
            Type::DateTime,
            Type::TimeSpan,
            Type::Guid,
        ];
        for t in tokens {
            for ty in types {
                let general = scalar(t.as_bytes()).and_then(|j| convert(&j, ty));
                if let Some(v) = quick_scalar(t.as_bytes(), ty) {
                    assert_eq!(Some(v), general, "{t} as {ty:?}");
                }
                if plain_decimal(t.as_bytes(), ty) {
                    assert!(general.is_some(), "{t} as {ty:?}");
                }
                // A value the skip takes (the whole token, before its comma) converts.
                if let Some(bools) = skip_scalar_of(ty) {
                    let text = format!("{t},");
                    if plain_scalar_end(text.as_bytes(), 0, bools) == Some(t.len()) {
                        assert!(general.is_some(), "{t} skipped as {ty:?}");
                    }
                }
            }
        }
        let skips = |t: &str, bools: bool| {
            plain_scalar_end(format!("{t},").as_bytes(), 0, bools) == Some(t.len())
        };
        assert!(skips("0", false) && skips("999999999", false) && skips("true", true));
        assert!(!skips("1000000000", false) && !skips("01", false) && !skips("1", true));
        assert!(quick_scalar(b"42", Type::Long).is_some());
        assert!(plain_decimal(b"0.0", Type::Real));
    }

    #[test]
    fn plain_string_arrays_read_as_the_parser_reads_them() {
        // Random arrays built of pieces plain and not (escapes, non-ASCII, numbers,
        // nesting, blanks of every kind, broken text), padded as a line's bytes are.
        let pieces = [
            "\"t30\"",
            "\"\"",
            "\"a b\"",
            "\"a\\\"b\"",
            "\"\\u00e9\"",
            "\"é\"",
            "1",
            "null",
            "[]",
            "[\"x\"]",
            "{}",
            " ",
            "  ",
            "\t",
            "\n",
            ",",
            "\"long tag of forty bytes, more or less\"",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| (super::super::bytes::xorshift(&mut x) % n as u64) as usize;
        let mut read = 0;
        for _ in 0..20_000 {
            let mut text = String::from("[");
            for k in 0..next(6) {
                if k > 0 {
                    text.push_str(if next(8) == 0 { " , " } else { "," });
                }
                text.push_str(pieces[next(pieces.len())]);
                if next(4) == 0 {
                    text.push_str(pieces[next(pieces.len())]);
                }
            }
            if next(10) > 0 {
                text.push(']');
            }
            let line = format!("{text},\"Next\":\"some more of the line\"}}");
            for (shared, reused) in [(false, false), (true, false), (true, true)] {
                let mut interner = Interner::default();
                // (An array left from a line before, refilled.)
                let into = reused.then(|| Arc::new(vec![Value::Long(7), Value::Null]));
                let strings = shared.then_some(&mut interner);
                let fast = plain_string_array(line.as_bytes(), 0, strings, into);
                let Some((v, end)) = fast else { continue };
                read += 1;
                assert_eq!(end, text.len(), "{text}");
                let mut strings = Interner::default();
                let general =
                    crate::value::parse_json_slice_with(&line.as_bytes()[..end], &mut strings);
                assert_eq!(Some(v), general, "{text}");
            }
        }
        assert!(read > 1000, "only {read} arrays took the fast path");
    }
}
