//! A table made of data files of any format: [`DataTable`], a [`TableSource`] of the
//! engine. A table may be several files (parts), of one format or several; its chunks
//! are numbered across the parts in order, so a query sees one table in file order.
//!
//! How a scan goes: one thread at a time asks the current part's reader for its next
//! batch of records (cut out of the file in order, not parsed), takes a chunk number,
//! and converts the batch to rows outside the lock, converting only the columns the
//! query needs, while other threads read and convert the next batches. A `.jsonl` part
//! whose first line fits the table's columns goes to the fast JSON lines reader
//! ([`crate::io::scan::FileTable`]) instead. [`TableSource::load`] reads every column
//! the same way, and is the exact path: when a scan meets a field the table's columns
//! lack, it gives up, and the load reads every record to know every field first.
//!
//! Column types come from, in order: the table's schema (a schema file, else the
//! built-in schema), then the format's own (a header's ` [UTC]`, a schema in the file),
//! then inference over every value, when something is untyped. For JSON files the
//! fast reader reads, the inference is first over a sample (each file's first chunk)
//! and the query's scan checks every other record against it (see
//! [`crate::io::scan::Guard`]): one pass, not two; a record the sample did not foresee
//! makes the scan give up, every record is then read for the columns, and the query is
//! bound again. Otherwise it is a pass over the files before the query runs.
//! [`Resolved::sources`] says which, per column.
//!
//! A value that does not convert to its column's type is null and counted in a warning
//! (one per file and column, with the first line), or, with `strict`, an error naming
//! the file and line. A record that cannot be read at all is always an error.

use super::values::{self, text_value, unify, TextFold};
use super::{Batch, Format, Item, Keyed, ReadOptions, Records, Shape};
use crate::error::{Error, Result};
use crate::hash::FxHashMap;
use crate::io::bytes::{plain_string_end, Pattern};
use crate::io::cursor::Cursor as JsonCursor;
use crate::io::json::{convert, convert_str, missing_value, Interner, Kind, TypeFold};
use crate::io::scan::{FileTable, Guard};
use crate::io::schema::Schema;
use crate::table::{
    ChunkSink, Column, Gather, Row, RowCursor, ScanRequest, Scanned, Table, TableSource,
};
use crate::types::Type;
use crate::value::Value;
use crate::warnings::BadValues;
use indexmap::IndexMap;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Where a column's type came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeSource {
    /// A schema file (`--schema`, `<Table>.schema.json`).
    SchemaFile(String),
    /// kql's built-in schema of the table.
    BuiltIn,
    /// The data file's format says it.
    Format(Format),
    /// Inferred from the values.
    Inferred,
    /// Declared in the query (externaldata).
    Query,
}

impl TypeSource {
    pub fn describe(&self) -> String {
        match self {
            TypeSource::SchemaFile(f) => format!("schema file {f}"),
            TypeSource::BuiltIn => "built-in schema".to_string(),
            TypeSource::Format(f) => format!("{} header", f.name()),
            TypeSource::Inferred => "inferred".to_string(),
            TypeSource::Query => "the query".to_string(),
        }
    }
}

/// A table's schema and where it came from.
#[derive(Clone, Debug)]
pub struct Base {
    pub schema: Schema,
    pub source: TypeSource,
}

/// A table's columns, each with where its type came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resolved {
    pub columns: Vec<Column>,
    pub sources: Vec<TypeSource>,
    /// Every field of every record is a column (nothing can widen the table).
    complete: bool,
    /// The columns were typed from a sample of each file, not from every record: what
    /// the fast reader's scans accept of each part's values (by part, then column; see
    /// [`Guard`]). `None` once every record was read, or when the types came otherwise.
    guards: Option<Arc<Vec<Vec<Guard>>>>,
}

impl Resolved {
    fn push(&mut self, c: Column, s: TypeSource) {
        self.columns.push(c);
        self.sources.push(s);
    }
    /// Per column, whether its type is given (by a schema or the format), not inferred.
    fn typed(&self) -> Vec<bool> {
        self.sources
            .iter()
            .map(|s| *s != TypeSource::Inferred)
            .collect()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// One file of a table.
#[derive(Debug)]
pub struct Part {
    pub path: PathBuf,
    origin: super::Origin,
    opts: super::PartOptions,
    /// The file as messages name it.
    pub shown: String,
    /// The format (of an unopened part: its folder's, until it is read).
    pub format: Format,
    /// The table's records in a file of several tables (a streaming capture).
    pub category: Option<String>,
    /// The format the content tells, and the header: read when the part is opened (an
    /// unopened part: when the exact reader first reads it).
    opened: OnceLock<(Format, super::Header)>,
    /// Found without being opened (a blob of a data export, one of thousands): its size.
    /// Its fields are not the table's declared ones (they are found as the records are
    /// read, whichever reader opens it first), and the fast reader reads it with the
    /// unopened parts around it, several to a chunk.
    unopened: Option<u64>,
    /// Where the records of each table of a capture are (see [`super::streaming::Index`]):
    /// this part's records are read from there.
    capture: Option<Arc<super::streaming::Index>>,
}

/// The header of a part not read yet: objects by key, fields unknown.
static NO_HEADER: super::Header = super::Header {
    shape: Shape::Keyed(Keyed {
        case_insensitive: false,
        ignore: &[],
        az_text: false,
    }),
    fields: Vec::new(),
    declared: false,
};

impl Part {
    /// Opens `path` (its header read) as a part of format `format`.
    pub fn open(path: &Path, format: Format, category: Option<String>) -> Result<Part> {
        Part::open_with(
            super::Origin::File(path.to_path_buf()),
            path.display().to_string(),
            format,
            category,
            super::PartOptions::default(),
        )
    }

    /// A part of JSON lines (its folder says so) of `size` bytes, not opened now: its
    /// format is checked and its header read when it is read.
    pub fn unopened(path: &Path, size: u64) -> Part {
        Part {
            path: path.to_path_buf(),
            origin: super::Origin::File(path.to_path_buf()),
            opts: super::PartOptions::default(),
            shown: path.display().to_string(),
            format: Format::JsonLines,
            category: None,
            opened: OnceLock::new(),
            unopened: Some(size),
            capture: None,
        }
    }

    /// The same part (of a capture, read by its category), its records read from the
    /// capture's index.
    pub fn with_capture(mut self, index: Arc<super::streaming::Index>) -> Part {
        if self.category.is_some() && self.opts == super::PartOptions::default() {
            self.capture = Some(index);
        }
        self
    }

    /// Opens a part from `origin` (a file, an entry of a zip archive) read with `opts`.
    pub(crate) fn open_with(
        origin: super::Origin,
        shown: String,
        format: Format,
        category: Option<String>,
        opts: super::PartOptions,
    ) -> Result<Part> {
        let opened = super::open(&origin, format, category.as_deref(), &opts)?;
        let path = match &origin {
            super::Origin::File(p) | super::Origin::Zip(p, _) => p.clone(),
        };
        Ok(Part {
            path,
            origin,
            opts,
            shown,
            format,
            category,
            opened: OnceLock::from((format, opened.header)),
            unopened: None,
            capture: None,
        })
    }

    /// The header (of an unopened part not read yet: fields unknown).
    fn header(&self) -> &super::Header {
        self.opened.get().map_or(&NO_HEADER, |(_, h)| h)
    }

    /// The format, as the content tells once the part was read.
    fn format(&self) -> Format {
        self.opened.get().map_or(self.format, |(f, _)| *f)
    }

    /// The header the file's format declares (not an unopened part's).
    fn declared_header(&self) -> Option<&super::Header> {
        match self.unopened {
            Some(_) => None,
            None => Some(self.header()),
        }
    }

    fn records(&self) -> Result<Box<dyn Records>> {
        if let (Some(index), Some(category)) = (&self.capture, &self.category) {
            return Ok(Box::new(index.records(category)));
        }
        if self.opened.get().is_none() {
            // An unopened part: its content tells its format, as any file's does.
            let mut input = self.origin.input()?;
            let format = super::detect_input(&mut input, &self.path)?;
            let opened = super::open(&self.origin, format, None, &self.opts)?;
            let _ = self.opened.set((format, opened.header));
            return Ok(opened.records);
        }
        Ok(super::open(
            &self.origin,
            self.format(),
            self.category.as_deref(),
            &self.opts,
        )?
        .records)
    }

    /// The names of the fields marked ` [Local Time]`.
    fn local_fields(&self) -> Vec<&str> {
        self.header()
            .fields
            .iter()
            .filter(|f| f.local)
            .map(|f| f.name.as_str())
            .collect()
    }
}

/// A table read from its data files as queries scan it.
pub struct DataTable {
    name: String,
    parts: Vec<Part>,
    base: Option<Base>,
    opts: ReadOptions,
    /// The columns as queries first saw them.
    first: OnceLock<Resolved>,
    /// Every column, once every record was read to know them.
    complete: OnceLock<Resolved>,
    /// The table read whole, once something needed it.
    full: OnceLock<Arc<Table>>,
    widened: AtomicBool,
    /// A scan with columns typed from a sample gave up (a record the sample did not
    /// foresee, or one the fast reader cannot read).
    missed: AtomicBool,
    /// The columns are the schema's and no other (externaldata's declared columns):
    /// fields they lack are not read.
    fixed: bool,
    /// JSON records are read by the hand-written reader first (else by serde_json only:
    /// the reference the tests compare it with).
    by_hand: bool,
}

impl std::fmt::Debug for DataTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataTable")
            .field("name", &self.name)
            .field("parts", &self.parts.len())
            .finish()
    }
}

/// What a scan does with a batch: the thread's state, the chunk's number, the part's
/// index, the batch.
type Work<'a, S> =
    dyn Fn(&mut S, usize, usize, &Batch) -> std::result::Result<(), Failure> + Sync + 'a;

/// Why a chunk could not be read.
enum Failure {
    /// A field the columns lack: the table must be read whole to know its columns.
    Widen,
    /// A record that cannot be read, or (strict) a value that does not convert.
    Error(Error),
}

/// A reader of some of a table's parts (see [`DataTable::plan`]).
enum Step {
    Fast(Fast, std::ops::Range<usize>),
    Exact(std::ops::Range<usize>),
}

/// The fast JSON reader, of one part or of many small unopened ones.
enum Fast {
    One(FileTable),
    Many,
}

impl DataTable {
    pub fn new(name: &str, parts: Vec<Part>, base: Option<Base>, opts: ReadOptions) -> Self {
        DataTable {
            name: name.to_string(),
            parts,
            base,
            opts,
            first: OnceLock::new(),
            complete: OnceLock::new(),
            full: OnceLock::new(),
            widened: AtomicBool::new(false),
            missed: AtomicBool::new(false),
            fixed: false,
            by_hand: true,
        }
    }

    /// A table whose columns are exactly `schema`'s (externaldata).
    pub fn fixed(name: &str, parts: Vec<Part>, schema: Schema, opts: ReadOptions) -> Self {
        let mut t = DataTable::new(
            name,
            parts,
            Some(Base {
                schema,
                source: TypeSource::Query,
            }),
            opts,
        );
        t.fixed = true;
        t
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// How many rows the table has (every record read, no column converted).
    pub fn count_rows(&self) -> Result<u64> {
        struct Count(AtomicUsize);
        impl ChunkSink for Count {
            fn chunk(&self, _: usize, rows: &mut dyn RowCursor) {
                let mut n = 0;
                while rows.next_row().is_some() {
                    n += 1;
                }
                self.0.fetch_add(n, Ordering::SeqCst);
            }
        }
        let cols = self.current()?.clone();
        let none = vec![false; cols.columns.len()];
        let stop = AtomicBool::new(false);
        let request = ScanRequest {
            needed: &none,
            threads: crate::parallel::threads(),
            stop: &stop,
        };
        let count = Count(AtomicUsize::new(0));
        let bad = BadValues::default();
        match self.read(&cols, &request, true, &bad, &count, &AtomicBool::new(false)) {
            Ok(Scanned::Done) => Ok(count.0.load(Ordering::SeqCst) as u64),
            // A field the columns lack, or a record that cannot be read: the whole read
            // says which.
            Ok(Scanned::GaveUp(_)) | Err(_) => Ok(self.load()?.rows.len() as u64),
        }
    }

    /// The columns and where their types came from (reading the files when something
    /// is untyped: every record, not a sample).
    pub fn resolved(&self) -> Result<Resolved> {
        if self.current()?.guards.is_some() {
            self.discover()?;
        }
        self.current().cloned()
    }

    /// The columns the schema, the headers and the first records give, and whether the
    /// values must be read to type them.
    fn declared(&self) -> (Resolved, bool) {
        let mut r = Resolved::default();
        if let Some(b) = &self.base {
            for c in &b.schema.columns {
                r.push(c.clone(), b.source.clone());
            }
        }
        if self.fixed {
            r.complete = true;
            return (r, false);
        }
        let mut untyped = false;
        for p in &self.parts {
            let Some(header) = p.declared_header() else {
                continue;
            };
            for f in &header.fields {
                if r.index(&f.name).is_some() {
                    continue;
                }
                match f.ty {
                    Some(t) => r.push(Column::new(&f.name, t), TypeSource::Format(p.format())),
                    None => {
                        r.push(Column::new(&f.name, Type::String), TypeSource::Inferred);
                        untyped = true;
                    }
                }
            }
        }
        let declared = |p: &Part| p.declared_header().is_some_and(|h| h.declared);
        r.complete = self.parts.iter().all(declared);
        let open_fields = !self.parts.iter().all(declared);
        (r, untyped || (self.base.is_none() && open_fields))
    }

    fn current(&self) -> Result<&Resolved> {
        if let Some(r) = self.complete.get() {
            return Ok(r);
        }
        if let Some(r) = self.first.get() {
            return Ok(r);
        }
        let (declared, infer) = self.declared();
        let r = if !infer {
            declared
        } else if let Some(r) = self.sampled(&declared) {
            r
        } else {
            self.infer(&declared)?.clone()
        };
        Ok(self.first.get_or_init(|| r))
    }

    /// `start`'s columns, with the untyped ones and the fields `start` lacks typed from
    /// the first chunk of each part (one pass over the files, not two: the scan that
    /// runs the query checks every other record against the sample, see [`Guard`], and
    /// gives up on one that does not fit, after which every record is read for the
    /// columns and the query bound again). `None` unless every part is JSON the fast
    /// reader reads, keyed by the column names as they are.
    fn sampled(&self, start: &Resolved) -> Option<Resolved> {
        if self.parts.is_empty() {
            return None;
        }
        let typed = start.typed();
        let conv = Conv::new(start, &[], &self.opts, None, self.fixed);
        // The keys of each part's sample, in order, and their folds over all samples.
        let mut keys: Vec<Vec<String>> = Vec::with_capacity(self.parts.len());
        let mut merged: IndexMap<String, TypeFold> = IndexMap::new();
        for part in &self.parts {
            // (An unopened blob is read with others, by a reader that checks no sample.)
            if part.unopened.is_some() {
                return None;
            }
            let Shape::Keyed(keyed) = &part.header().shape else {
                return None;
            };
            // (The skim's kinds are JSON's: the az CLI's text is folded as text.)
            if keyed.az_text {
                return None;
            }
            let sample = self.fast_one(part, None)?.skim_head()?;
            let mut own = Vec::with_capacity(sample.len());
            for (key, fold) in sample {
                // The fast reader matches keys to column names as written; keys it
                // does not (a suffix, another letter case, a key that is no column) are
                // left to the pass over every record.
                if keyed.ignore.contains(&key.as_str()) || values::strip_suffix(&key).1.is_some() {
                    return None;
                }
                match conv.column_of(&key, &part.header().shape) {
                    Some(c) if conv.cols.columns[c].name != key => return None,
                    Some(c) if typed[c] => continue,
                    _ => {}
                }
                merged.entry(key.clone()).or_default().join(fold);
                own.push(key);
            }
            keys.push(own);
        }
        let mut r = start.clone();
        for (name, fold) in &merged {
            match r.index(name) {
                Some(i) => r.columns[i].ty = fold.ty(),
                None => r.push(Column::new(name.clone(), fold.ty()), TypeSource::Inferred),
            }
        }
        let guards = keys
            .iter()
            .map(|own| {
                r.columns
                    .iter()
                    .enumerate()
                    .map(|(c, col)| match start.sources.get(c) {
                        Some(s) if *s != TypeSource::Inferred => Guard::Any,
                        // A column the start declares is one whatever the keys.
                        Some(_) => {
                            Guard::Kind(merged.get(&col.name).map_or(Kind::None, |f| f.kind()))
                        }
                        None if own.contains(&col.name) => Guard::Kind(merged[&col.name].kind()),
                        None => Guard::Absent,
                    })
                    .collect()
            })
            .collect();
        r.complete = false;
        r.guards = Some(Arc::new(guards));
        Some(r)
    }

    /// Every column: `start`'s, typed from the values where `start` leaves them untyped,
    /// and the fields the records have that `start` lacks (in order of first
    /// appearance).
    fn infer(&self, start: &Resolved) -> Result<&Resolved> {
        if let Some(r) = self.complete.get() {
            return Ok(r);
        }
        let typed = start.typed();
        let conv = Conv::new(start, &[], &self.opts, None, self.fixed);
        let folds: Mutex<BTreeMap<usize, ChunkFold>> = Mutex::default();
        // JSON files the fast reader reads are skimmed by it (on every core, without
        // making values); the others are folded from their parsed records. Chunks are
        // numbered by part first, so the merge keeps the order of first appearance.
        const PER_PART: usize = 1 << 40;
        for step in self.plan(true, None, None) {
            let (fast, range) = match step {
                Step::Fast(fast, range) => (Some(fast), range),
                Step::Exact(range) => (None, range),
            };
            let i = range.start;
            if let Some(fold) = fast.and_then(|f| self.skimmed(&conv, f, &range, &typed)) {
                lock(&folds).insert(i * PER_PART, fold);
                continue;
            }
            let stop = AtomicBool::new(false);
            let outcome = self
                .drive(
                    &self.parts[range.clone()],
                    crate::parallel::threads(),
                    &stop,
                    i * PER_PART,
                    &|| (),
                    &|_, idx, part, batch| {
                        let fold = conv.fold(&self.parts[i + part], batch, &typed)?;
                        lock(&folds).insert(idx, fold);
                        Ok(())
                    },
                )
                .map_err(|(_, e)| e)?;
            if let (Scanned::GaveUp(_), _) = outcome {
                return Err(Error::data(
                    "a record could not be read while inferring the table's columns",
                    self.parts[i].shown.clone(),
                    1,
                ));
            }
        }
        let mut merged: IndexMap<String, FieldFold> = IndexMap::new();
        for (_, fold) in lock(&folds).iter() {
            for (name, f) in fold {
                merged.entry(name.clone()).or_default().join(f);
            }
        }
        let mut r = start.clone();
        for (name, f) in merged {
            let (ty, source) = f.result();
            match r.index(&name) {
                Some(i) => {
                    if !typed[i] {
                        r.columns[i].ty = ty.unwrap_or(Type::String);
                    }
                }
                None => r.push(Column::new(name, ty.unwrap_or(Type::String)), source),
            }
        }
        r.complete = true;
        Ok(self.complete.get_or_init(|| r))
    }

    /// The folds of the untyped fields of parts `range` by the fast reader's skim, named
    /// as [`Conv::fold`] names them; `None` when it cannot read them.
    fn skimmed(
        &self,
        conv: &Conv,
        fast: Fast,
        range: &std::ops::Range<usize>,
        typed: &[bool],
    ) -> Option<ChunkFold> {
        // The skim's kinds are JSON's: the az CLI's text is folded as text.
        if matches!(&self.parts[range.start].header().shape, Shape::Keyed(k) if k.az_text) {
            return None;
        }
        let keys = match fast {
            Fast::One(ft) => ft.skim_folds()?,
            Fast::Many => {
                let files = self.files(range);
                let label = format!("{} (columns)", self.name);
                crate::io::scan::skim_line_files(&label, &files)?
            }
        };
        let part = &self.parts[range.start];
        let Shape::Keyed(keyed) = &part.header().shape else {
            return None;
        };
        let mut out = ChunkFold::new();
        for (key, json) in keys {
            if keyed.ignore.contains(&key.as_str()) {
                continue;
            }
            let (name, suffix) = values::strip_suffix(&key);
            let name = match conv.column_of(name, &part.header().shape) {
                Some(c) if typed[c] => continue,
                Some(c) => conv.cols.columns[c].name.as_str(),
                None => name,
            };
            let f = out.entry(name.to_string()).or_default();
            f.suffix |= suffix.is_some();
            f.json.join(json);
        }
        Some(out)
    }

    /// The unopened parts of `range` as the fast reader of many files takes them.
    fn files(&self, range: &std::ops::Range<usize>) -> Vec<(&Path, u64)> {
        self.parts[range.clone()]
            .iter()
            .map(|p| (p.path.as_path(), p.unopened.unwrap_or(0)))
            .collect()
    }

    /// Which reader reads which parts, in order: the fast JSON reader for JSON lines
    /// and line-per-element arrays that suit it (see [`FileTable::open`]), the unopened
    /// small parts next to each other together ([`crate::io::scan::scan_line_files`]),
    /// the exact reader the rest (every part when not `fast`). `schema`: the columns
    /// the fast reader is opened with (none to discover them); `guards`: each part's
    /// checks of the sample its columns were typed from, if they were.
    fn plan(
        &self,
        fast: bool,
        schema: Option<&Schema>,
        guards: Option<&Vec<Vec<Guard>>>,
    ) -> Vec<Step> {
        // Parts of up to this many bytes are read whole, several to a chunk; a bigger one
        // is mapped and cut into chunks on its own.
        const SMALL: u64 = 4 << 20;
        let together = |p: &Part| {
            !self.fixed && p.opened.get().is_none() && p.unopened.is_some_and(|n| n <= SMALL)
        };
        let n = self.parts.len();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < n {
            let p = &self.parts[i];
            if fast && together(p) {
                let j = (i..n).find(|&k| !together(&self.parts[k])).unwrap_or(n);
                steps.push(Step::Fast(Fast::Many, i..j));
                i = j;
                continue;
            }
            if let Some(ft) = fast.then(|| self.fast_one(p, schema)).flatten() {
                let ft = match guards {
                    Some(g) => ft.guarded(&g[i]),
                    None => ft,
                };
                steps.push(Step::Fast(Fast::One(ft), i..i + 1));
            } else if let Some(Step::Exact(r)) = steps.last_mut() {
                r.end = i + 1;
            } else {
                steps.push(Step::Exact(i..i + 1));
            }
            i += 1;
        }
        steps
    }

    /// Notes the local-time columns read as UTC.
    fn note_local_times(&self) {
        if self.opts.tz.is_some() {
            return;
        }
        for p in &self.parts {
            let local = p.local_fields();
            if !local.is_empty() {
                self.opts.warnings.note(
                    &p.shown,
                    format!(
                        "{} exported in local time (` [Local Time]`) read as UTC; give `--tz ZONE` for the zone of the export",
                        local
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }

    /// Whether the fast reader may read `part` (if [`FileTable::open`] takes it): a file
    /// of JSON objects, each key a column (no envelope, no local times to convert: they
    /// need the zone the general reader applies), the az CLI's array of them (values
    /// as text, [`FileTable::az_text`]), or a hunting response's array of them. (Its keys
    /// match columns in any letter case: the fast reader, which matches them as
    /// written, gives up on one that is not.)
    fn fast_suits(&self, part: &Part) -> bool {
        let keyed = matches!(&part.header().shape, Shape::Keyed(_));
        matches!(
            part.format(),
            Format::JsonLines | Format::JsonArray | Format::Hunting | Format::AzCli
        ) && !self.fixed
            && keyed
            && matches!(part.origin, super::Origin::File(_))
            && (self.opts.tz.is_none() || part.local_fields().is_empty())
    }

    /// The fast reader of JSON lines and line-per-element arrays for `part`, when it
    /// suits it (see [`FileTable::open`]).
    fn fast_one(&self, part: &Part, schema: Option<&Schema>) -> Option<FileTable> {
        if !self.fast_suits(part) {
            return None;
        }
        if part.format() == Format::Hunting {
            let start = super::hunting::results_at(&part.path)?;
            return FileTable::open_at(&self.name, &part.path, schema, start);
        }
        let table = FileTable::open(&self.name, &part.path, schema)?;
        match &part.header().shape {
            Shape::Keyed(k) if k.az_text => Some(table.az_text(k.ignore)),
            _ => Some(table),
        }
    }

    /// Reads every part into `sink` with columns `cols`, converting the `needed` ones.
    fn read(
        &self,
        cols: &Resolved,
        request: &ScanRequest<'_>,
        fast: bool,
        bad: &BadValues,
        sink: &dyn ChunkSink,
        cut: &AtomicBool,
    ) -> std::result::Result<Scanned, (usize, Error)> {
        let (needed, threads, stop) = (request.needed, request.threads, request.stop);
        self.note_local_times();
        let mut conv = Conv::new(cols, needed, &self.opts, Some(bad), self.fixed);
        conv.by_hand = self.by_hand;
        let schema = Schema {
            name: self.name.clone(),
            columns: cols.columns.clone(),
        };
        let steps = self.plan(fast, Some(&schema), cols.guards.as_deref());
        // Columns typed from a sample are read only by the reader that checks them.
        if cols.guards.is_some()
            && !steps
                .iter()
                .all(|s| matches!(s, Step::Fast(Fast::One(_), _)))
        {
            return Ok(Scanned::GaveUp(0));
        }
        let mut base = 0;
        for step in steps {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let range = match step {
                Step::Fast(fast, range) => {
                    let offset = Offset {
                        sink,
                        base,
                        count: AtomicUsize::new(0),
                        cut,
                    };
                    let scanned = match fast {
                        Fast::One(ft) => ft.scan(request, &offset).map_err(|e| (base, e))?,
                        Fast::Many => crate::io::scan::scan_line_files(
                            &self.name,
                            &self.files(&range),
                            &cols.columns,
                            request,
                            &offset,
                        ),
                    };
                    if let Scanned::GaveUp(k) = scanned {
                        return Ok(Scanned::GaveUp(base + k));
                    }
                    base += offset.count.load(Ordering::SeqCst);
                    continue;
                }
                Step::Exact(range) => range,
            };
            let i = range.start;
            let (scanned, next) = self.drive(
                &self.parts[range],
                threads,
                stop,
                base,
                &|| Worker::new(&conv),
                &|w, idx, part, batch| {
                    let mut rows = Cursor {
                        conv: &conv,
                        part: &conv.parts_ctx(&self.parts[i + part]),
                        batch,
                        at: 0,
                        w,
                        failure: None,
                    };
                    sink.chunk(idx, &mut rows);
                    if !rows.ended() {
                        cut.store(true, Ordering::SeqCst);
                    }
                    match rows.failure {
                        Some(f) => Err(f),
                        None => Ok(()),
                    }
                },
            )?;
            if let Scanned::GaveUp(k) = scanned {
                return Ok(Scanned::GaveUp(k));
            }
            base = next;
        }
        Ok(Scanned::Done)
    }

    /// Reads `parts` in batches on `threads` threads, numbering them from `base`; each
    /// batch goes to `work` (with the thread's state from `state`). The scan's end and
    /// the next chunk number.
    fn drive<S>(
        &self,
        parts: &[Part],
        threads: usize,
        stop: &AtomicBool,
        base: usize,
        state: &(dyn Fn() -> S + Sync),
        work: &Work<'_, S>,
    ) -> std::result::Result<(Scanned, usize), (usize, Error)> {
        struct Reader {
            part: usize,
            records: Option<Box<dyn Records>>,
            next: usize,
            pool: Vec<Batch>,
        }
        let reader = Mutex::new(Reader {
            part: 0,
            records: None,
            next: base,
            pool: Vec::new(),
        });
        let failures: Mutex<BTreeMap<usize, Failure>> = Mutex::default();
        let failed = AtomicUsize::new(usize::MAX);
        let fail = |idx: usize, f: Failure| {
            lock(&failures).insert(idx, f);
            failed.fetch_min(idx, Ordering::SeqCst);
        };
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                crate::guard::spawn_worker(scope, || {
                    let mut st = state();
                    loop {
                        // Reading is sequential (one reader at a time), converting is not.
                        let (idx, part, batch) = {
                            let mut r = lock(&reader);
                            let next = 'found: loop {
                                if failed.load(Ordering::SeqCst) != usize::MAX
                                    || stop.load(Ordering::SeqCst)
                                {
                                    break 'found None;
                                }
                                if r.records.is_none() {
                                    if r.part >= parts.len() {
                                        break 'found None;
                                    }
                                    match parts[r.part].records() {
                                        Ok(rec) => r.records = Some(rec),
                                        Err(e) => {
                                            fail(r.next, Failure::Error(e));
                                            break 'found None;
                                        }
                                    }
                                }
                                let mut b = r.pool.pop().unwrap_or_default();
                                let got = match r.records.as_mut() {
                                    Some(rec) => rec.next(&mut b),
                                    None => Ok(false),
                                };
                                match got {
                                    Ok(true) => {
                                        let idx = r.next;
                                        r.next += 1;
                                        break 'found Some((idx, r.part, b));
                                    }
                                    Ok(false) => {
                                        r.records = None;
                                        r.part += 1;
                                        r.pool.push(b);
                                    }
                                    Err(e) => {
                                        fail(r.next, Failure::Error(e));
                                        break 'found None;
                                    }
                                }
                            };
                            match next {
                                Some(n) => n,
                                None => return,
                            }
                        };
                        // A panic while converting (or in the sink) must not leave the
                        // other threads waiting: it is the chunk's error.
                        let mut batch = batch;
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                batch.ready().map_err(Failure::Error)?;
                                work(&mut st, idx, part, &batch)
                            }))
                            .unwrap_or_else(|_| {
                                Err(Failure::Error(Error::data(
                                    "internal error while reading",
                                    parts[part].shown.clone(),
                                    batch.items.first().map_or(1, |i| i.line),
                                )))
                            });
                        // Read: its hold on a mapped capture goes (see `Batch::mapped`).
                        batch.mapped = None;
                        lock(&reader).pool.push(batch);
                        if let Err(f) = outcome {
                            fail(idx, f);
                            return;
                        }
                    }
                });
            }
        });
        let next = lock(&reader).next;
        let first = std::mem::take(&mut *lock(&failures)).into_iter().next();
        match first {
            None => Ok((Scanned::Done, next)),
            Some((idx, Failure::Widen)) => Ok((Scanned::GaveUp(idx), next)),
            Some((idx, Failure::Error(e))) => Err((idx, e)),
        }
    }

    /// Reads every row with every column (all files, all records).
    fn read_all(&self, cols: &Resolved) -> Result<Table> {
        let all = vec![true; cols.columns.len()];
        let threads = crate::parallel::threads();
        for fast in [true, false] {
            let stop = AtomicBool::new(false);
            let bad = BadValues::default();
            let gather = Gather::default();
            let request = ScanRequest {
                needed: &all,
                threads,
                stop: &stop,
            };
            let scanned = self
                .read(cols, &request, fast, &bad, &gather, &AtomicBool::new(false))
                .map_err(|(_, e)| e)?;
            if scanned == Scanned::Done {
                self.opts.warnings.merge(bad);
                return Ok(Table::new(cols.columns.clone(), gather.into_rows()));
            }
        }
        Err(Error::data(
            "a record has a field that appeared while the table was read (did the file change?)",
            self.parts
                .first()
                .map_or(String::new(), |p| p.shown.clone()),
            1,
        ))
    }
}

impl TableSource for DataTable {
    fn columns(&self) -> Result<Vec<Column>> {
        if let Some(t) = self.full.get() {
            return Ok(t.columns.clone());
        }
        Ok(self.current()?.columns.clone())
    }

    fn in_memory(&self) -> Option<Arc<Table>> {
        self.full.get().cloned()
    }

    fn scan(&self, request: &ScanRequest<'_>, sink: &dyn ChunkSink) -> Result<Scanned> {
        let cols = self.current()?.clone();
        let bad = BadValues::default();
        // A record that cannot be read ends the scan at its chunk, as the fast reader
        // does: a consumer that needs only the chunks before it (a `take`) keeps its
        // rows, whatever the threads did; else the load reports the error.
        let cut = AtomicBool::new(false);
        let out = match self.read(&cols, request, true, &bad, sink, &cut) {
            Ok(s) => s,
            Err((k, _)) => Scanned::GaveUp(k),
        };
        self.opts.warnings.merge(bad);
        if matches!(out, Scanned::GaveUp(_)) && cols.guards.is_some() {
            self.missed.store(true, Ordering::SeqCst);
        }
        // A whole scan (every record read: none stopped it, no consumer left a chunk
        // unread) met no field the columns lack (one makes it give up): they are every
        // column of the table.
        if out == Scanned::Done
            && !request.stop.load(Ordering::SeqCst)
            && !cut.load(Ordering::SeqCst)
            && !cols.complete
        {
            let _ = self.complete.set(Resolved {
                complete: true,
                guards: None,
                ..cols
            });
        }
        Ok(out)
    }

    /// Reads every record's fields, once, unless a scan or the schema showed them all.
    /// True as well when a scan with columns typed from a sample gave up, whatever the
    /// columns: bound again to them, the query streams (else its caller would read the
    /// table whole).
    fn discover(&self) -> Result<bool> {
        if self.full.get().is_some() || self.complete.get().is_some() || self.fixed {
            return Ok(false);
        }
        let first = self.current()?.clone();
        if first.complete {
            return Ok(false);
        }
        let (declared, _) = self.declared();
        let all = self.infer(&declared)?;
        let wider = all.columns != first.columns
            || (first.guards.is_some() && self.missed.load(Ordering::SeqCst));
        if wider {
            self.widened.store(true, Ordering::SeqCst);
        }
        Ok(wider)
    }

    fn load(&self) -> Result<Arc<Table>> {
        if let Some(t) = self.full.get() {
            return Ok(t.clone());
        }
        let first = self.current()?.clone();
        let cols = if first.complete {
            first.clone()
        } else {
            let (declared, _) = self.declared();
            self.infer(&declared)?.clone()
        };
        let t = Arc::new(self.read_all(&cols)?);
        if t.columns != first.columns {
            self.widened.store(true, Ordering::SeqCst);
        }
        Ok(self.full.get_or_init(|| t).clone())
    }

    fn widened(&self) -> bool {
        self.widened.load(Ordering::SeqCst)
    }

    fn sampled(&self) -> bool {
        self.complete.get().is_none()
            && self.full.get().is_none()
            && self.first.get().is_some_and(|r| r.guards.is_some())
    }
}

/// The fast reader's chunks, renumbered after those of the parts before.
struct Offset<'a> {
    sink: &'a dyn ChunkSink,
    base: usize,
    count: AtomicUsize,
    /// A consumer left rows of a chunk unread.
    cut: &'a AtomicBool,
}

impl ChunkSink for Offset<'_> {
    fn chunk(&self, idx: usize, rows: &mut dyn RowCursor) {
        self.count.fetch_max(idx + 1, Ordering::SeqCst);
        self.sink.chunk(self.base + idx, rows);
        if !rows.ended() {
            self.cut.store(true, Ordering::SeqCst);
        }
    }
}

/// How the records of one scan become rows: the table's columns, which are kept, the
/// conversion rules.
struct Conv<'a> {
    cols: &'a Resolved,
    /// Each column's place in the pruned row, `None` when not needed.
    slots: Vec<Option<usize>>,
    /// The type of each kept value, in row order.
    kept: Vec<Type>,
    /// Columns by name, and by lower-case name.
    index: FxHashMap<String, usize>,
    lower: FxHashMap<String, usize>,
    strict: bool,
    tz: Option<chrono_tz::Tz>,
    bad: Option<&'a BadValues>,
    /// Fields that are not columns are not read (the table's columns are fixed).
    ignore_unknown: bool,
    /// JSON records are read by the hand-written reader first.
    by_hand: bool,
}

/// The lookups of one part.
struct PartCtx<'a> {
    part: &'a Part,
    /// Field position → (column, local time) (positional and delimited records).
    positions: Vec<(usize, bool)>,
    /// Keys as the file writes them → (column, local time).
    keys: FxHashMap<&'a str, (usize, bool)>,
    keyed: Keyed,
}

impl<'a> Conv<'a> {
    fn new(
        cols: &'a Resolved,
        needed: &[bool],
        opts: &ReadOptions,
        bad: Option<&'a BadValues>,
        ignore_unknown: bool,
    ) -> Self {
        let mut next = 0;
        let slots: Vec<Option<usize>> = (0..cols.columns.len())
            .map(|i| {
                needed.get(i).copied().unwrap_or(true).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let kept = cols
            .columns
            .iter()
            .zip(&slots)
            .filter(|(_, s)| s.is_some())
            .map(|(c, _)| c.ty)
            .collect();
        Conv {
            cols,
            slots,
            kept,
            index: cols
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), i))
                .collect(),
            lower: cols
                .columns
                .iter()
                .enumerate()
                .rev()
                .map(|(i, c)| (c.name.to_ascii_lowercase(), i))
                .collect(),
            strict: opts.strict,
            tz: opts.tz,
            bad,
            ignore_unknown,
            by_hand: true,
        }
    }

    fn parts_ctx<'p>(&self, part: &'p Part) -> PartCtx<'p> {
        let mut keys = FxHashMap::default();
        let mut positions = Vec::with_capacity(part.header().fields.len());
        for f in &part.header().fields {
            let col = self.column_of(&f.name, &part.header().shape);
            if let Some(c) = col {
                keys.insert(f.raw.as_str(), (c, f.local));
            }
            // Every declared field is a column; a field without one is not read.
            positions.push((col.unwrap_or(usize::MAX), f.local));
        }
        let keyed = match &part.header().shape {
            Shape::Keyed(k) => k.clone(),
            _ => Keyed::default(),
        };
        PartCtx {
            part,
            positions,
            keys,
            keyed,
        }
    }

    fn column_of(&self, name: &str, shape: &Shape) -> Option<usize> {
        self.index.get(name).copied().or_else(|| match shape {
            Shape::Keyed(k) if k.case_insensitive => {
                self.lower.get(&name.to_ascii_lowercase()).copied()
            }
            _ => None,
        })
    }

    /// The column of a key not among the header's, and whether it is local time.
    fn key_column(&self, ctx: &PartCtx, key: &str) -> Option<(usize, bool)> {
        if let Some(&c) = ctx.keys.get(key) {
            return Some(c);
        }
        let (name, suffix) = values::strip_suffix(key);
        let col = self.index.get(name).copied().or_else(|| {
            ctx.keyed
                .case_insensitive
                .then(|| self.lower.get(&name.to_ascii_lowercase()).copied())
                .flatten()
        })?;
        Some((col, suffix == Some(values::Suffix::Local)))
    }

    /// The value of a cell for column `col`: converted, local time made UTC; a value
    /// that does not convert is null (counted), or an error with `strict`.
    fn value(
        &self,
        ctx: &PartCtx,
        col: usize,
        local: bool,
        cell: Cell,
        line: usize,
    ) -> std::result::Result<Value, Failure> {
        match self.convert_cell(ctx, col, local, cell) {
            Some(v) => Ok(v),
            None => {
                let c = &self.cols.columns[col];
                let shown = match cell {
                    Cell::Str(s) | Cell::Text(s) => J::String(s.to_string()).to_string(),
                    Cell::Json(j) => j.to_string(),
                };
                if self.strict {
                    return Err(Failure::Error(Error::data(
                        format!(
                            "column `{}`: cannot read {} as {}",
                            c.name,
                            short(&shown),
                            c.ty
                        ),
                        ctx.part.shown.clone(),
                        line,
                    )));
                }
                if let Some(bad) = self.bad {
                    bad.add(&ctx.part.shown, &c.name, c.ty.name(), line, &shown);
                }
                Ok(Value::Null)
            }
        }
    }

    /// The value of a cell for column `col`, converted, local time made UTC; `None` when
    /// it does not convert (what [`Conv::value`] then does depends on `strict`).
    #[inline]
    fn convert_cell(&self, ctx: &PartCtx, col: usize, local: bool, cell: Cell) -> Option<Value> {
        let ty = self.cols.columns[col].ty;
        let v = match cell {
            Cell::Str(s) if ctx.keyed.az_text => text_value(s, ty, true),
            Cell::Str(s) => convert_str(s, ty),
            Cell::Text(s) => text_value(s, ty, false),
            Cell::Json(j) if ctx.keyed.az_text => match j {
                J::String(s) => text_value(s, ty, true),
                other => convert(other, ty),
            },
            Cell::Json(j) => convert(j, ty),
        };
        match v {
            Some(Value::DateTime(t)) if local => Some(Value::DateTime(match self.tz {
                Some(tz) => crate::functions::zones::local_to_utc(tz, t).unwrap_or(t),
                None => t,
            })),
            v => v,
        }
    }

    /// Whether column `col`'s values are converted (kept, or checked when strict).
    fn wanted(&self, col: usize) -> bool {
        self.strict || self.slots[col].is_some()
    }

    /// Fills `w.row` (and, for envelopes, `w.queue`) from record `item`; whether `w.row`
    /// holds a row.
    fn record(
        &self,
        ctx: &PartCtx,
        batch: &Batch,
        k: usize,
        w: &mut Worker,
    ) -> std::result::Result<bool, Failure> {
        let item = batch.items[k];
        match &ctx.part.header().shape {
            Shape::Delimited => {
                w.reset();
                let rec = batch.fields.record(k);
                for i in 0..rec.len() {
                    let Some(&(col, local)) = ctx.positions.get(i) else {
                        if self.ignore_unknown {
                            break;
                        }
                        return Err(self.error(
                            ctx,
                            item,
                            format!(
                                "a row with {} fields, where the header has {}",
                                rec.len(),
                                ctx.positions.len()
                            ),
                        ));
                    };
                    if col == usize::MAX || !self.wanted(col) {
                        continue;
                    }
                    let field = rec.get(i);
                    let v = self.value(ctx, col, local, Cell::Text(&field), item.line)?;
                    w.put(self, col, v);
                }
                Ok(true)
            }
            Shape::Keyed(_) => self.object(ctx, batch, item, w),
            Shape::Positional => self.by_hand_else_serde(
                ctx,
                batch,
                item,
                w,
                |conv, c, w| conv.fast_array(ctx, c, w),
                |conv, text, w| {
                    let line = item.line;
                    whole(text, ArraySeed { conv, ctx, w, line })
                },
            ),
            Shape::Mapped(paths) => {
                w.reset();
                let text = batch.item_text(item);
                let j =
                    values::parse_record(text).map_err(|e| self.json_error(ctx, item, text, &e))?;
                if !j.is_object() {
                    return Err(self.error(
                        ctx,
                        item,
                        "expected a JSON object for a row".to_string(),
                    ));
                }
                for (name, path) in paths {
                    let Some(&col) = self.index.get(name) else {
                        continue;
                    };
                    if self.wanted(col) {
                        let v = self.value(ctx, col, false, Cell::Json(path.get(&j)), item.line)?;
                        w.put(self, col, v);
                    }
                }
                Ok(true)
            }
            // A capture read through its index: the item is a record's `properties`
            // (see `streaming::Index`).
            Shape::Envelope { category } if ctx.part.capture.is_some() => {
                if item.start == item.end {
                    return Err(self.error(
                        ctx,
                        item,
                        format!("a `{category}` record without `properties`"),
                    ));
                }
                self.object(ctx, batch, item, w)
            }
            Shape::Envelope { category } => {
                let text = batch.item_text(item);
                let queued = w.queue.len();
                let mut c = JsonCursor::new(text);
                if self.by_hand
                    && self.fast_record(ctx, &mut c, category, w, true).is_some()
                    && c.at_end()
                {
                    return Ok(false);
                }
                w.queue.truncate(queued);
                if values::holds_no_record_of(text, category) {
                    return Ok(false);
                }
                let j =
                    values::parse_record(text).map_err(|e| self.json_error(ctx, item, text, &e))?;
                let records: Vec<&J> = match &j {
                    J::Object(o) => match o.get("records") {
                        Some(J::Array(a)) => a.iter().collect(),
                        Some(_) => return Err(self.error(ctx, item, "`records` is not an array".to_string())),
                        None if o.contains_key("category") => vec![&j],
                        None => return Err(self.error(ctx, item, "expected a streaming API event (`{\"records\": [...]}`) or record (`category`, `properties`)".to_string())),
                    },
                    _ => return Err(self.error(ctx, item, "expected a JSON object".to_string())),
                };
                for r in records {
                    if r.get("category").and_then(J::as_str) != Some(category.as_str()) {
                        continue;
                    }
                    let Some(J::Object(props)) = r.get("properties") else {
                        return Err(self.error(
                            ctx,
                            item,
                            format!("a `{category}` record without `properties`"),
                        ));
                    };
                    w.reset();
                    for (key, v) in props {
                        let Some((col, local)) = self.key_column(ctx, key) else {
                            if self.ignore_unknown {
                                continue;
                            }
                            return Err(Failure::Widen);
                        };
                        if self.wanted(col) {
                            let v = self.value(ctx, col, local, Cell::Json(v), item.line)?;
                            w.put(self, col, v);
                        }
                    }
                    w.queue.push_back(w.row.clone());
                }
                Ok(false)
            }
        }
    }

    /// Fills `w.row` from the object that is record `item` (see
    /// [`Conv::by_hand_else_serde`]).
    fn object(
        &self,
        ctx: &PartCtx,
        batch: &Batch,
        item: Item,
        w: &mut Worker,
    ) -> std::result::Result<bool, Failure> {
        self.by_hand_else_serde(
            ctx,
            batch,
            item,
            w,
            |conv, c, w| conv.fast_object(ctx, c, w),
            |conv, text, w| {
                let line = item.line;
                whole(text, ObjectSeed { conv, ctx, w, line })
            },
        )
    }

    /// Fills `w.row` from the JSON text of record `item`: by the hand-written reader
    /// `hand`, else (for what it leaves to serde_json) by `serde`, which says what is
    /// wrong, if anything.
    fn by_hand_else_serde(
        &self,
        ctx: &PartCtx,
        batch: &Batch,
        item: Item,
        w: &mut Worker,
        hand: impl FnOnce(&Self, &mut JsonCursor, &mut Worker) -> Option<()>,
        serde: impl Fn(&Self, &[u8], &mut Worker) -> serde_json::Result<()>,
    ) -> std::result::Result<bool, Failure> {
        w.reset();
        let mut c = JsonCursor::new(batch.item_text(item));
        if self.by_hand && hand(self, &mut c, w).is_some() && c.at_end() {
            return Ok(true);
        }
        w.clear_row();
        self.parse_json(ctx, batch, item, w, serde)?;
        Ok(true)
    }

    /// What key `key` of a record is.
    fn key_hit(&self, ctx: &PartCtx, key: &str) -> Hit {
        if ctx.keyed.ignore.contains(&key) {
            return Hit::Skip;
        }
        match self.key_column(ctx, key) {
            Some((col, local)) if self.wanted(col) => Hit::Col(col, local),
            Some(_) => Hit::Skip,
            None if self.ignore_unknown => Hit::Skip,
            None => Hit::Unknown,
        }
    }

    /// Reads the object at the cursor into `w.row` by hand, as [`ObjectSeed`] reads it
    /// with serde_json: the needed values converted, the others skipped (checked, not
    /// built). `None` for anything it leaves to serde_json, which is then the reader:
    /// text serde_json may refuse, a value that does not convert (counted or an error
    /// there, once), a field the columns lack.
    fn fast_object(&self, ctx: &PartCtx, c: &mut JsonCursor, w: &mut Worker) -> Option<()> {
        let part = ctx.part as *const Part as usize;
        if w.keys_of != part {
            w.keys.clear();
            w.keys_of = part;
        }
        if !c.eat(b'{') {
            return None;
        }
        if c.eat(b'}') {
            return Some(());
        }
        let mut k = 0;
        loop {
            c.ws();
            let hit = match w.keys.get(k) {
                Some((pat, hit)) if pat.at(c.b, c.i) => {
                    let v = c.i + pat.len();
                    // The common member first (as the lines reader's): a skipped key
                    // holding a plain ASCII string, a comma right after it.
                    if matches!(hit, Hit::Skip) && c.b.get(v) == Some(&b'"') {
                        if let Some(end) = plain_string_end(c.b, v + 1) {
                            if c.b.get(end + 1) == Some(&b',') {
                                c.i = end + 2;
                                k += 1;
                                continue;
                            }
                        }
                    }
                    c.i = v;
                    *hit
                }
                _ => {
                    let start = c.i;
                    let key = c.string()?;
                    if !c.eat(b':') {
                        return None;
                    }
                    let hit = self.key_hit(ctx, &key);
                    let known = (Pattern::new(c.b[start..c.i].to_vec()), hit);
                    match w.keys.get_mut(k) {
                        Some(slot) => *slot = known,
                        None => w.keys.push(known),
                    }
                    hit
                }
            };
            k += 1;
            c.ws();
            match hit {
                // Most skipped values are strings: skipped without the dispatch of
                // skip_value.
                Hit::Skip if c.peek() == Some(b'"') => c.skip_string()?,
                Hit::Skip => c.skip_value()?,
                Hit::Unknown => return None,
                Hit::Col(col, local) => self.fast_cell(ctx, c, w, col, local)?,
            }
            if !c.item_end(b'}')? {
                return Some(());
            }
        }
    }

    /// Reads the value at the cursor into column `col` of `w.row` (for the hand-written
    /// readers); `None` when it does not convert (serde_json's reading then counts it
    /// or fails, once).
    fn fast_cell(
        &self,
        ctx: &PartCtx,
        c: &mut JsonCursor,
        w: &mut Worker,
        col: usize,
        local: bool,
    ) -> Option<()> {
        if c.peek()? == b'"' {
            let s = c.string()?;
            if self.cols.columns[col].ty == Type::String {
                // A string is a string column's value as it is (az CLI text too):
                // shared through the interner without a copy first.
                w.put_str(self, col, &s);
            } else {
                let v = self.convert_cell(ctx, col, local, Cell::Str(&s))?;
                w.put(self, col, v);
            }
        } else {
            let j = c.value()?;
            let v = self.convert_cell(ctx, col, local, Cell::Json(&j))?;
            w.put(self, col, v);
        }
        Some(())
    }

    /// Reads the array at the cursor (a row of values by position) into `w.row` by
    /// hand, as [`ArraySeed`] reads it with serde_json: the needed values converted,
    /// the others skipped (checked, not built). `None` for anything it leaves to
    /// serde_json, which is then the reader: text serde_json may refuse, a value that
    /// does not convert, a row of more or fewer values than the columns.
    fn fast_array(&self, ctx: &PartCtx, c: &mut JsonCursor, w: &mut Worker) -> Option<()> {
        if !c.eat(b'[') {
            return None;
        }
        let width = ctx.positions.len();
        c.ws();
        if c.eat(b']') {
            return (width == 0).then_some(());
        }
        let mut i = 0;
        loop {
            let &(col, local) = ctx.positions.get(i)?;
            c.ws();
            if col == usize::MAX || !self.wanted(col) {
                if c.peek() == Some(b'"') {
                    c.skip_string()?;
                } else {
                    c.skip_value()?;
                }
            } else {
                self.fast_cell(ctx, c, w, col, local)?;
            }
            i += 1;
            if !c.item_end(b']')? {
                return (i == width).then_some(());
            }
        }
    }

    /// Reads a streaming record (or, `outer`, an event: a record or an object whose
    /// `records` are the records) at the cursor by hand, as the serde_json reading of
    /// [`Conv::record`] does: a record of `category` queues the row of its `properties`,
    /// read by [`Conv::fast_object`]; the others are skipped (checked, not built). `None`
    /// for anything it leaves to serde_json (a key written twice or with escapes among
    /// them).
    fn fast_record(
        &self,
        ctx: &PartCtx,
        c: &mut JsonCursor,
        category: &str,
        w: &mut Worker,
        outer: bool,
    ) -> Option<()> {
        // Whether the record's category is `category`, once its key was read.
        let mut matches: Option<bool> = None;
        // Where `properties` is, when it came before the category.
        let mut props: Option<usize> = None;
        let mut row = false;
        let mut seen_props = false;
        let mut records = false;
        c.ws();
        c.members(|c, key| {
            match key {
                b"category" => {
                    if matches.is_some() {
                        return None;
                    }
                    matches = Some(if c.peek()? == b'"' {
                        c.string()? == category
                    } else {
                        c.skip_value()?;
                        false
                    });
                }
                b"properties" => {
                    if std::mem::replace(&mut seen_props, true) {
                        return None;
                    }
                    match matches {
                        Some(true) if !records => {
                            w.reset();
                            self.fast_object(ctx, c, w)?;
                            row = true;
                        }
                        None => {
                            props = Some(c.i);
                            c.skip_value_blocks()?;
                        }
                        // Another table's (most of a capture of several).
                        _ => c.skip_value_blocks()?,
                    }
                }
                b"records" if outer => {
                    if std::mem::replace(&mut records, true) {
                        return None;
                    }
                    c.ws();
                    c.elements(|c| self.fast_record(ctx, c, category, w, false))?;
                }
                _ => c.skip_value()?,
            }
            Some(())
        })?;
        if records {
            return Some(());
        }
        match matches {
            // An object with neither `records` nor `category` is not an event.
            None if outer => None,
            Some(true) => {
                if !row {
                    // A `properties` before the category (or none: an error).
                    let mut p = JsonCursor { b: c.b, i: props? };
                    w.reset();
                    self.fast_object(ctx, &mut p, w)?;
                }
                w.queue.push_back(w.row.clone());
                Some(())
            }
            _ => Some(()),
        }
    }

    /// Runs `parse` over a record's text, and again with bare `NaN`/`Infinity` quoted
    /// when the text is not JSON.
    fn parse_json(
        &self,
        ctx: &PartCtx,
        batch: &Batch,
        item: Item,
        w: &mut Worker,
        parse: impl Fn(&Self, &[u8], &mut Worker) -> serde_json::Result<()>,
    ) -> std::result::Result<(), Failure> {
        let text = batch.item_text(item);
        match parse(self, text, w) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Some(f) = w.failure.take() {
                    return Err(f);
                }
                if e.is_syntax() || e.is_eof() {
                    if let Some(fixed) = values::quote_non_finite(text) {
                        w.reset();
                        if parse(self, &fixed, w).is_ok() {
                            return Ok(());
                        }
                        if let Some(f) = w.failure.take() {
                            return Err(f);
                        }
                    }
                }
                Err(Failure::Error(values::record_error(
                    text,
                    &e,
                    &ctx.part.shown,
                    item.line,
                )))
            }
        }
    }

    fn json_error(&self, ctx: &PartCtx, item: Item, text: &[u8], e: &serde_json::Error) -> Failure {
        Failure::Error(values::record_error(text, e, &ctx.part.shown, item.line))
    }

    fn error(&self, ctx: &PartCtx, item: Item, message: String) -> Failure {
        Failure::Error(Error::data(message, ctx.part.shown.clone(), item.line))
    }

    /// The folds of the untyped fields of one batch (for [`DataTable::infer`]).
    fn fold(
        &self,
        part: &Part,
        batch: &Batch,
        typed: &[bool],
    ) -> std::result::Result<ChunkFold, Failure> {
        let ctx = self.parts_ctx(part);
        let mut out = ChunkFold::new();
        let is_typed = |name: &str| {
            self.column_of(name, &part.header().shape)
                .is_some_and(|c| typed[c])
        };
        let fold_object = |o: &serde_json::Map<String, J>, az: bool, out: &mut ChunkFold| {
            for (key, v) in o {
                if ctx.keyed.ignore.contains(&key.as_str()) {
                    continue;
                }
                let (name, suffix) = values::strip_suffix(key);
                let name = match self.column_of(name, &part.header().shape) {
                    Some(c) => self.cols.columns[c].name.as_str(),
                    None => name,
                };
                if is_typed(name) {
                    continue;
                }
                let f = out.entry(name.to_string()).or_default();
                f.suffix |= suffix.is_some();
                match v {
                    J::String(s) if az => f.text.add(s, true),
                    other => f.json.add(other),
                }
            }
        };
        for (k, item) in batch.items.iter().enumerate() {
            match &part.header().shape {
                Shape::Delimited => {
                    let rec = batch.fields.record(k);
                    for (i, f) in part.header().fields.iter().enumerate().take(rec.len()) {
                        // (A field is read, its quotes undone, only when it is folded.)
                        if !is_typed(&f.name) {
                            out.entry(f.name.clone())
                                .or_default()
                                .text
                                .add(&rec.get(i), false);
                        }
                    }
                }
                Shape::Positional | Shape::Mapped(_) => return Ok(out),
                Shape::Keyed(k) => {
                    let text = batch.item_text(*item);
                    match values::parse_record(text)
                        .map_err(|e| self.json_error(&ctx, *item, text, &e))?
                    {
                        J::Object(o) => fold_object(&o, k.az_text, &mut out),
                        _ => {
                            return Err(self.error(
                                &ctx,
                                *item,
                                "expected a JSON object for a row".to_string(),
                            ))
                        }
                    }
                }
                // Through a capture's index: the item is a record's `properties`.
                Shape::Envelope { .. } if part.capture.is_some() => {
                    if item.start == item.end {
                        continue;
                    }
                    let text = batch.item_text(*item);
                    if let J::Object(p) = values::parse_record(text)
                        .map_err(|e| self.json_error(&ctx, *item, text, &e))?
                    {
                        fold_object(&p, false, &mut out);
                    }
                }
                Shape::Envelope { category } => {
                    let text = batch.item_text(*item);
                    if values::holds_no_record_of(text, category) {
                        continue;
                    }
                    let j = values::parse_record(text)
                        .map_err(|e| self.json_error(&ctx, *item, text, &e))?;
                    let records: Vec<&J> = match j.get("records") {
                        Some(J::Array(a)) => a.iter().collect(),
                        _ => vec![&j],
                    };
                    for r in records {
                        if r.get("category").and_then(J::as_str) == Some(category.as_str()) {
                            if let Some(J::Object(p)) = r.get("properties") {
                                fold_object(p, false, &mut out);
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

fn short(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

/// The values seen of one untyped field.
#[derive(Clone, Copy, Debug, Default)]
struct FieldFold {
    json: TypeFold,
    text: TextFold,
    /// Written with an export suffix: a datetime.
    suffix: bool,
}

impl FieldFold {
    fn join(&mut self, other: &FieldFold) {
        self.json.join(other.json);
        self.text.join(other.text);
        self.suffix |= other.suffix;
    }

    fn result(&self) -> (Option<Type>, TypeSource) {
        if self.suffix {
            return (Some(Type::DateTime), TypeSource::Format(Format::JsonLines));
        }
        let json = (self.json != TypeFold::default()).then(|| self.json.ty());
        let ty = match (json, self.text.ty()) {
            (Some(a), Some(b)) => Some(unify(a, b)),
            (a, b) => a.or(b),
        };
        (ty, TypeSource::Inferred)
    }
}

type ChunkFold = IndexMap<String, FieldFold>;

/// One converting thread's state.
struct Worker {
    row: Row,
    /// Each kept column's value when its field is missing (made per thread: a default
    /// shared by the threads would have its count updated by all of them on every row).
    missing: Vec<Value>,
    interners: Vec<Option<Interner>>,
    /// Rows made from one record that holds several (streaming events).
    queue: VecDeque<Row>,
    rows: usize,
    /// What stopped a record's parsing inside serde (which carries only text).
    failure: Option<Failure>,
    /// The keys of the last object the hand-written reader read, in order, as written
    /// (through the colon), with what each is: exporters write every record's keys in the
    /// same order, so a key is mostly matched by one comparison, not decoded and looked
    /// up.
    keys: Vec<(Pattern, Hit)>,
    /// The part `keys` were read in (the columns of a key depend on the part's header).
    keys_of: usize,
}

/// What an object key is to the scan.
#[derive(Clone, Copy)]
enum Hit {
    /// A needed column (and whether it is exported in local time).
    Col(usize, bool),
    /// Not read: not needed, or not a column (the az CLI's `TableName`).
    Skip,
    /// A field the columns lack.
    Unknown,
}

impl Worker {
    fn new(conv: &Conv) -> Worker {
        Worker {
            row: conv.kept.iter().map(|&t| missing_value(t)).collect(),
            missing: conv.kept.iter().map(|&t| missing_value(t)).collect(),
            interners: conv
                .kept
                .iter()
                .map(|&t| (t == Type::String).then(Interner::default))
                .collect(),
            queue: VecDeque::new(),
            rows: 0,
            failure: None,
            keys: Vec::new(),
            keys_of: 0,
        }
    }

    fn reset(&mut self) {
        self.row.clone_from(&self.missing);
        self.rows += 1;
    }

    /// Empties the row again for the same record (to read it another way).
    fn clear_row(&mut self) {
        self.row.clone_from(&self.missing);
    }

    /// Puts string `s` in the row as string column `col`'s value (shared through the
    /// interner, which then makes the one copy of a new string).
    fn put_str(&mut self, conv: &Conv, col: usize, s: &str) {
        let Some(slot) = conv.slots[col] else {
            return;
        };
        self.row[slot] = match &mut self.interners[slot] {
            Some(interner) => {
                let v = interner.get(s);
                if interner.is_full(self.rows) {
                    self.interners[slot] = None;
                }
                v
            }
            None => Value::String(Arc::from(s)),
        };
    }

    /// Puts column `col`'s value in the row (strings shared through the interner).
    fn put(&mut self, conv: &Conv, col: usize, v: Value) {
        let Some(slot) = conv.slots[col] else {
            return;
        };
        self.row[slot] = match (v, &mut self.interners[slot]) {
            (Value::String(s), Some(interner)) => {
                let v = interner.get(&s);
                if interner.is_full(self.rows) {
                    self.interners[slot] = None;
                }
                v
            }
            (v, _) => v,
        };
    }
}

/// The rows of one batch, converted as the sink asks for them.
struct Cursor<'a, 'c> {
    conv: &'a Conv<'c>,
    part: &'a PartCtx<'a>,
    batch: &'a Batch,
    at: usize,
    w: &'a mut Worker,
    failure: Option<Failure>,
}

impl RowCursor for Cursor<'_, '_> {
    fn next_row(&mut self) -> Option<&[Value]> {
        loop {
            if let Some(row) = self.w.queue.pop_front() {
                self.w.row = row;
                return Some(&self.w.row);
            }
            if self.failure.is_some() || self.at >= self.batch.items.len() {
                return None;
            }
            let k = self.at;
            self.at += 1;
            match self.conv.record(self.part, self.batch, k, self.w) {
                Ok(true) => return Some(&self.w.row),
                Ok(false) => {}
                Err(f) => {
                    self.failure = Some(f);
                    return None;
                }
            }
        }
    }

    fn ended(&self) -> bool {
        self.w.queue.is_empty() && self.at >= self.batch.items.len()
    }
}

/// A cell as a record holds it.
#[derive(Clone, Copy)]
enum Cell<'v> {
    /// A JSON string.
    Str(&'v str),
    /// Delimited text.
    Text(&'v str),
    /// Any other JSON value.
    Json(&'v J),
}

/// Reads one JSON object into the worker's row.
struct ObjectSeed<'a, 'c> {
    conv: &'a Conv<'c>,
    ctx: &'a PartCtx<'a>,
    w: &'a mut Worker,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object for a row")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if self.ctx.keyed.ignore.contains(&key.as_ref()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some((col, local)) = self.conv.key_column(self.ctx, &key) else {
                if self.conv.ignore_unknown {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                self.w.failure = Some(Failure::Widen);
                return Err(serde::de::Error::custom("a field the columns lack"));
            };
            if !self.conv.wanted(col) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let cell: OwnedCell = map.next_value()?;
            let v = match &cell {
                OwnedCell::Str(s) => self
                    .conv
                    .value(self.ctx, col, local, Cell::Str(s), self.line),
                OwnedCell::Json(j) => {
                    self.conv
                        .value(self.ctx, col, local, Cell::Json(j), self.line)
                }
            };
            match v {
                Ok(v) => self.w.put(self.conv, col, v),
                Err(f) => {
                    self.w.failure = Some(f);
                    return Err(serde::de::Error::custom("a value that does not convert"));
                }
            }
        }
        Ok(())
    }
}

/// A key, borrowed from the record's text when it has no escapes (serde's own `Cow`
/// always copies).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// Reads one JSON array of values (in column order) into the worker's row.
/// `text` read whole by `seed`: nothing but blanks after its value.
fn whole<'de, S: DeserializeSeed<'de, Value = ()>>(
    text: &'de [u8],
    seed: S,
) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(text);
    seed.deserialize(&mut de)?;
    de.end()
}

struct ArraySeed<'a, 'c> {
    conv: &'a Conv<'c>,
    ctx: &'a PartCtx<'a>,
    w: &'a mut Worker,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of values for a row")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let width = self.ctx.positions.len();
        let mut i = 0;
        loop {
            let Some(&(col, local)) = self.ctx.positions.get(i) else {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(serde::de::Error::custom(format!(
                        "a row with more than {width} values, where the table has {width} columns"
                    )));
                }
                return Ok(());
            };
            if col == usize::MAX || !self.conv.wanted(col) {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
            } else {
                let Some(cell) = seq.next_element::<OwnedCell>()? else {
                    break;
                };
                let v = match &cell {
                    OwnedCell::Str(s) => {
                        self.conv
                            .value(self.ctx, col, local, Cell::Str(s), self.line)
                    }
                    OwnedCell::Json(j) => {
                        self.conv
                            .value(self.ctx, col, local, Cell::Json(j), self.line)
                    }
                };
                match v {
                    Ok(v) => self.w.put(self.conv, col, v),
                    Err(f) => {
                        self.w.failure = Some(f);
                        return Err(serde::de::Error::custom("a value that does not convert"));
                    }
                }
            }
            i += 1;
        }
        Err(serde::de::Error::custom(format!(
            "a row with {i} values, where the table has {width} columns"
        )))
    }
}

/// A cell parsed from JSON: a string (borrowed when it has no escapes), or any other
/// value.
enum OwnedCell<'de> {
    Str(Cow<'de, str>),
    Json(J),
}

impl<'de> serde::Deserialize<'de> for OwnedCell<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OwnedCell<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Str(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::from(v)))
            }
            fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::Null))
            }
            fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(OwnedCell::Json(J::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(OwnedCell::Json)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(OwnedCell::Json)
            }
        }
        d.deserialize_any(V)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::bytes::xorshift;

    /// Values of every kind a record may hold: valid for some column types and not
    /// others, JSON that serde_json reads its own way (exponents, big numbers, negative
    /// zero, escapes), bare `NaN`, and text that is not JSON (used rarely).
    const VALUES: &[&str] = &[
        r#""x""#,
        r#""caf\u00e9 \"q\"""#,
        r#""é""#,
        "12",
        "-3",
        "0",
        "-0",
        "1.5",
        "1e3",
        "2.5E-3",
        "true",
        "false",
        "null",
        "NaN",
        "-Infinity",
        r#""2026-05-18T12:00:00Z""#,
        r#""10/25/2023, 9:43:21.994 AM""#,
        r#"[1, {"k": "v"}]"#,
        r#"{"x": []}"#,
        r#""{\"j\": 1}""#,
        r#""""#,
        r#""None""#,
        r#""True""#,
        r#""1""#,
        "18446744073709551617",
        "123456789012345678",
        r#""\ud83d\ude00""#,
        r#""6f1c2a9e-7b3d-4e05-8c6a-1d2e3f405162""#,
    ];
    const NOT_JSON: &[&str] = &["01", r#""\q""#, "tru", r#"{"a": [}"#];

    /// Keys: the columns' (one with the portal's suffix, one in another letter case),
    /// one that is no column, the az CLI's `TableName`.
    const KEYS: &[&str] = &[
        "s",
        "n",
        "r",
        "b",
        "t",
        "d",
        "g",
        "i",
        "t [UTC]",
        "N",
        "extra",
        "TableName",
    ];

    fn schema() -> Schema {
        let cols = [
            ("s", Type::String),
            ("n", Type::Long),
            ("r", Type::Real),
            ("b", Type::Bool),
            ("t", Type::DateTime),
            ("d", Type::Dynamic),
            ("g", Type::Guid),
            ("i", Type::Int),
        ];
        Schema {
            name: "T".into(),
            columns: cols.iter().map(|(n, t)| Column::new(*n, *t)).collect(),
        }
    }

    fn pick<'a>(x: &mut u64, from: &[&'a str]) -> &'a str {
        from[(xorshift(x) % from.len() as u64) as usize]
    }

    /// A random object: keys mostly in one order (as exporters write them), values
    /// mostly valid JSON.
    fn object(x: &mut u64, pretty: bool, az: bool) -> String {
        let mut keys: Vec<&str> = KEYS[..8].to_vec();
        if xorshift(x).is_multiple_of(8) {
            let at = (xorshift(x) % 8) as usize;
            keys.insert(at, pick(x, KEYS));
        }
        if xorshift(x).is_multiple_of(6) {
            let k = (xorshift(x) % keys.len() as u64) as usize;
            keys.swap(0, k);
        }
        keys.retain(|_| !xorshift(x).is_multiple_of(10));
        if az {
            keys.insert(0, "TableName");
        }
        let fields: Vec<String> = keys
            .iter()
            .map(|k| {
                let mut v = if xorshift(x).is_multiple_of(400) {
                    pick(x, NOT_JSON).to_string()
                } else {
                    pick(x, VALUES).to_string()
                };
                if az && !v.starts_with('"') && !xorshift(x).is_multiple_of(4) {
                    v = serde_json::to_string(&v).unwrap();
                }
                let sep = if pretty { ": " } else { ":" };
                format!("{}{sep}{v}", serde_json::to_string(k).unwrap())
            })
            .collect();
        if pretty {
            format!("{{\n    {}\n  }}", fields.join(",\n    "))
        } else {
            format!("{{{}}}", fields.join(","))
        }
    }

    fn file(x: &mut u64, format: Format) -> String {
        let n = (xorshift(x) % 6) as usize + 1;
        if format == Format::LogAnalytics {
            // Rows by position: of the columns' width mostly, now and then one value
            // more or less; the columns typed in the file, some by other names.
            let names = ["s", "n", "r", "b", "t", "d", "g", "i", "extra"];
            let width = 8 + xorshift(x) as usize % 2;
            let columns: Vec<String> = names[..width]
                .iter()
                .map(|c| format!(r#"{{"name":"{c}","type":"string"}}"#))
                .collect();
            let rows: Vec<String> = (0..n)
                .map(|_| {
                    let len = match xorshift(x) % 12 {
                        0 => width - 1,
                        1 => width + 1,
                        _ => width,
                    };
                    let values: Vec<String> = (0..len)
                        .map(|_| {
                            if xorshift(x).is_multiple_of(400) {
                                pick(x, NOT_JSON).to_string()
                            } else {
                                pick(x, VALUES).to_string()
                            }
                        })
                        .collect();
                    format!("[{}]", values.join(", "))
                })
                .collect();
            return format!(
                r#"{{"tables":[{{"name":"PrimaryResult","columns":[{}],"rows":[{}]}}]}}"#,
                columns.join(","),
                rows.join(",\n")
            );
        }
        if format != Format::Streaming {
            let pretty = xorshift(x).is_multiple_of(2);
            let az = format == Format::AzCli;
            let objects: Vec<String> = (0..n).map(|_| object(x, pretty, az)).collect();
            return format!("[\n  {}\n]\n", objects.join(",\n  "));
        }
        let mut text = String::new();
        for _ in 0..n {
            let records: Vec<String> = (0..(xorshift(x) % 3 + 1))
                .map(|_| {
                    let cat = pick(x, &["AdvancedHunting-T", "AdvancedHunting-U", "x"]);
                    let props = object(x, false, false);
                    match xorshift(x) % 5 {
                        0 => format!(r#"{{"properties":{props},"category":"{cat}"}}"#),
                        1 => format!(r#"{{"category":"{cat}"}}"#),
                        _ => format!(r#"{{"time":"t","category":"{cat}","properties":{props}}}"#),
                    }
                })
                .collect();
            if xorshift(x).is_multiple_of(4) {
                text += &format!("{}\n", records[0]);
            } else {
                text += &format!("{{\"records\":[{}]}}\n", records.join(","));
            }
        }
        text
    }

    /// What scanning and loading a table give: its chunks of rows, its columns and rows,
    /// or its error, and the warnings.
    fn outcome(t: &DataTable, needed: &[bool]) -> String {
        let stop = AtomicBool::new(false);
        let gather = Gather::default();
        let request = ScanRequest {
            needed,
            threads: 2,
            stop: &stop,
        };
        let scanned = t.scan(&request, &gather).map_err(|e| e.message);
        let chunks = gather.into_chunks();
        let loaded = match t.load() {
            Ok(table) => format!("{:?}\n{:?}", table.columns, table.rows),
            Err(e) => format!("error at {:?}: {}", e.location, e.message),
        };
        let warnings: Vec<String> = t.opts.warnings.list().iter().map(|w| w.render()).collect();
        format!("{scanned:?}\n{chunks:?}\n{loaded}\n{warnings:?}")
    }

    #[test]
    fn the_hand_reader_reads_as_serde_json_does() {
        let dir = std::env::temp_dir().join(format!("kql-hand-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut x: u64 = 0x5eed_1234_abcd_0001;
        let (mut rows, mut errors) = (0, 0);
        for case in 0..1200 {
            let format = [
                Format::JsonArray,
                Format::AzCli,
                Format::Streaming,
                Format::LogAnalytics,
            ][case % 4];
            let text = file(&mut x, format);
            let path = dir.join(format!("T{case}.json"));
            std::fs::write(&path, &text).unwrap();
            let strict = xorshift(&mut x).is_multiple_of(4);
            let needed: Vec<bool> = (0..8)
                .map(|_| !xorshift(&mut x).is_multiple_of(3))
                .collect();
            let category = (format == Format::Streaming).then(|| "AdvancedHunting-T".to_string());
            let read = |by_hand: bool| {
                let part = match Part::open(&path, format, category.clone()) {
                    Ok(p) => p,
                    Err(e) => return format!("open error at {:?}: {}", e.location, e.message),
                };
                let opts = ReadOptions {
                    strict,
                    ..ReadOptions::default()
                };
                let base = Base {
                    schema: schema(),
                    source: TypeSource::BuiltIn,
                };
                let mut t = DataTable::new("T", vec![part], Some(base), opts);
                t.by_hand = by_hand;
                outcome(&t, &needed)
            };
            let (hand, reference) = (read(true), read(false));
            assert_eq!(
                hand, reference,
                "case {case}, strict {strict}, {format:?}:\n{text}"
            );
            rows += hand.matches("Long(").count();
            errors += hand.contains("error at") as usize;
        }
        // The cases read rows, and some of them fail.
        assert!(rows > 300 && errors > 20, "{rows} {errors}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
