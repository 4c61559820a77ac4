//! Tables as the binder and the executor see them: columns, rows of values, and the
//! catalog of the tables a query can read.
//!
//! Every table a query reads is a [`TableSource`]: rows in memory ([`Table`]), a file
//! the executor streams (see `crate::io::scan`), or anything a reader adds. The
//! binder asks a source for its columns; the executor either reads its rows in place
//! (a source in memory) or has it stream them in numbered chunks on several threads,
//! converting only the columns the query needs. Nothing here knows any file format.

use crate::error::Result;
use crate::types::Type;
use crate::value::Value;
use indexmap::IndexMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Column {
            name: name.into(),
            ty,
        }
    }
}

pub type Row = Vec<Value>;

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(columns: Vec<Column>, rows: Vec<Row>) -> Self {
        Table { columns, rows }
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// A table a query can read.
pub trait TableSource: Send + Sync {
    /// The columns queries bind against. A source that must read its data to know them
    /// (a file without a schema, or whose schema turned out incomplete) does so once.
    fn columns(&self) -> Result<Vec<Column>>;

    /// The rows, when the source holds them in memory: a query reads them in place.
    fn in_memory(&self) -> Option<Arc<Table>>;

    /// Streams the rows to `sink` in chunks numbered in source order from 0, each
    /// chunk handed to [`ChunkSink::chunk`] once, on one of up to `request.threads`
    /// threads (so chunks may arrive out of order and at the same time). Only the
    /// columns `request.needed` marks are converted; see [`ScanRequest::needed`] for the
    /// shape of the rows. [`Scanned::GaveUp`] when the fast reader met something it
    /// does not read exactly as [`TableSource::load`] would: the sink's results from
    /// that chunk on are then to be thrown away and the rows read with `load`.
    fn scan(&self, request: &ScanRequest<'_>, sink: &dyn ChunkSink) -> Result<Scanned>;

    /// Every row in memory, with the columns [`TableSource::columns`] gives afterwards
    /// (read once and kept): for operators that need all the rows at once, and after a
    /// scan gave up. Its errors name the file and line of a bad row.
    fn load(&self) -> Result<Arc<Table>>;

    /// Reads the whole source to learn all its columns, once (a file whose schema may
    /// lack some of its fields); true when that changed them from what
    /// [`TableSource::columns`] said before.
    fn discover(&self) -> Result<bool> {
        Ok(false)
    }

    /// Whether the columns changed after queries were bound against them (a file whose
    /// rows have fields its schema lacks): plans bound before must be bound again.
    fn widened(&self) -> bool {
        false
    }

    /// Whether the columns were typed from a sample of the rows and no read of every
    /// row has confirmed them yet: a result (or an error) of a query bound against them
    /// stands only once [`TableSource::discover`] says they did not change.
    fn sampled(&self) -> bool {
        false
    }
}

/// What a scan asks of a source.
pub struct ScanRequest<'a> {
    /// The columns to convert, by index in [`TableSource::columns`]. The rows of the
    /// scan hold the needed columns only, in column order (a scan of a wide table pays
    /// nothing for the columns no step reads).
    pub needed: &'a [bool],
    /// How many threads may read at once.
    pub threads: usize,
    /// Set by the consumer when it needs no more chunks (a `take` that has its rows).
    pub stop: &'a AtomicBool,
}

/// How a scan ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scanned {
    Done,
    /// The fast reader could not read this chunk exactly; every chunk before it was
    /// read and sunk (so a consumer that needs only those may keep its result).
    GaveUp(usize),
}

/// Receives a scan's chunks.
pub trait ChunkSink: Sync {
    /// Chunk `idx` (source order): its rows, one at a time. Called once per chunk the
    /// source reads, possibly on several threads at once.
    fn chunk(&self, idx: usize, rows: &mut dyn RowCursor);
}

/// A sink that keeps every row of a scan, chunk by chunk (a table read whole).
#[derive(Default)]
pub(crate) struct Gather(std::sync::Mutex<Vec<(usize, Vec<Row>)>>);

impl ChunkSink for Gather {
    fn chunk(&self, idx: usize, rows: &mut dyn RowCursor) {
        let mut out = Vec::new();
        while let Some(r) = rows.next_row() {
            out.push(r.to_vec());
        }
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((idx, out));
    }
}

impl Gather {
    /// The chunks gathered, in source order.
    pub(crate) fn into_chunks(self) -> Vec<(usize, Vec<Row>)> {
        let mut chunks = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        chunks.sort_by_key(|(i, _)| *i);
        chunks
    }

    /// The rows gathered, in source order.
    pub(crate) fn into_rows(self) -> Vec<Row> {
        self.into_chunks()
            .into_iter()
            .flat_map(|(_, r)| r)
            .collect()
    }
}

/// The rows of one chunk; each row is valid until the next call.
pub trait RowCursor {
    fn next_row(&mut self) -> Option<&[Value]>;
    /// Whether every row of the chunk was read: a consumer may stop before the end (a
    /// `top 0` needs none), and then the rows left unread vouch for nothing (a source
    /// learns a table's columns from a scan only if it read every record).
    fn ended(&self) -> bool {
        true
    }
}

/// An in-memory table shared with the catalog.
struct Memory(Arc<Table>);

impl TableSource for Memory {
    fn columns(&self) -> Result<Vec<Column>> {
        Ok(self.0.columns.clone())
    }
    fn in_memory(&self) -> Option<Arc<Table>> {
        Some(self.0.clone())
    }
    fn scan(&self, _: &ScanRequest<'_>, _: &dyn ChunkSink) -> Result<Scanned> {
        // Never asked: a query reads an in-memory table in place.
        Ok(Scanned::GaveUp(0))
    }
    fn load(&self) -> Result<Arc<Table>> {
        Ok(self.0.clone())
    }
}

/// The tables a query can read, by name. A table may be known by its schema only
/// (for `kql check`, which runs no data).
#[derive(Clone, Default)]
pub struct Catalog {
    tables: IndexMap<String, CatalogEntry>,
    /// The database's stored functions (`--functions`), found by name when no `let`
    /// of the query has it.
    functions: Vec<Arc<crate::stored::StoredFunction>>,
    /// The product whose built-in functions exist (Defender XDR's `FileProfile`, ...).
    product: Product,
    /// The IP geolocation database of `geo_info_from_ip_address` (`--geoip`).
    geoip: Option<Arc<crate::geoip::GeoIp>>,
    /// What the sources met while reading that is worth saying (see [`crate::warnings`]).
    warnings: Arc<crate::warnings::Warnings>,
    /// Sentinel watchlists by alias (`_GetWatchlist`); `None` when none were given
    /// (`kql check` then knows only their fixed columns).
    watchlists: Option<IndexMap<String, Arc<dyn TableSource>>>,
}

/// The product a query is written for: Defender XDR advanced hunting and Microsoft
/// Sentinel each have built-in functions the other lacks (`FileProfile`,
/// `DeviceFromIP`, ... are Defender's: Sentinel reports them unknown, KS211).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Product {
    /// Both products' functions are known.
    #[default]
    Both,
    Sentinel,
    Defender,
}

impl From<crate::io::Product> for Product {
    /// The product `--product` names (which also chooses the tables' copy).
    fn from(p: crate::io::Product) -> Self {
        match p {
            crate::io::Product::Defender => Product::Defender,
            crate::io::Product::Sentinel => Product::Sentinel,
        }
    }
}

impl Product {
    /// Whether Defender XDR's built-in functions are known.
    pub fn has_defender_functions(self) -> bool {
        self != Product::Sentinel
    }
}

#[derive(Clone)]
pub enum CatalogEntry {
    /// A table with rows.
    Source(Arc<dyn TableSource>),
    /// A table known by its columns only.
    Schema(Vec<Column>),
}

impl CatalogEntry {
    /// The columns queries bind against.
    pub fn columns(&self) -> Result<Vec<Column>> {
        match self {
            CatalogEntry::Source(s) => s.columns(),
            CatalogEntry::Schema(c) => Ok(c.clone()),
        }
    }
    /// The rows in memory, if they are.
    pub fn in_memory(&self) -> Option<Arc<Table>> {
        match self {
            CatalogEntry::Source(s) => s.in_memory(),
            CatalogEntry::Schema(_) => None,
        }
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tables.keys()).finish()
    }
}

impl Catalog {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_table(&mut self, name: impl Into<String>, table: Table) {
        self.add_source(name, Arc::new(Memory(Arc::new(table))));
    }
    pub fn add_schema(&mut self, name: impl Into<String>, columns: Vec<Column>) {
        self.tables
            .insert(name.into(), CatalogEntry::Schema(columns));
    }
    /// Adds a table whose rows a source gives.
    pub fn add_source(&mut self, name: impl Into<String>, source: Arc<dyn TableSource>) {
        self.tables
            .insert(name.into(), CatalogEntry::Source(source));
    }
    /// Has every source learn all its columns (see [`TableSource::discover`]); true when
    /// some changed.
    pub fn discover(&self) -> Result<bool> {
        let mut changed = false;
        for e in self.tables.values() {
            if let CatalogEntry::Source(s) = e {
                changed |= s.discover()?;
            }
        }
        Ok(changed)
    }
    /// Has every source whose columns were typed from a sample learn all its columns
    /// (see [`TableSource::sampled`]); true when some changed.
    pub fn settle(&self) -> Result<bool> {
        let mut changed = false;
        for e in self.tables.values() {
            if let CatalogEntry::Source(s) = e {
                if s.sampled() {
                    changed |= s.discover()?;
                }
            }
        }
        Ok(changed)
    }
    /// How many sources turned out wider than their schema while running; when it
    /// changes, plans bound before must be bound again.
    pub fn widened(&self) -> usize {
        self.tables
            .values()
            .filter(|e| matches!(e, CatalogEntry::Source(s) if s.widened()))
            .count()
    }
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.tables.get(name)
    }
    /// The source of table `name`, when it has rows.
    pub fn source(&self, name: &str) -> Option<&Arc<dyn TableSource>> {
        match self.tables.get(name)? {
            CatalogEntry::Source(s) => Some(s),
            CatalogEntry::Schema(_) => None,
        }
    }
    /// Adds a stored function (a later one of the same name replaces it).
    pub fn add_function(&mut self, f: crate::stored::StoredFunction) {
        self.functions.retain(|g| g.name != f.name);
        self.functions.push(Arc::new(f));
    }
    /// Adds a stored function that other catalogs share.
    pub fn add_shared_function(&mut self, f: Arc<crate::stored::StoredFunction>) {
        self.functions.retain(|g| g.name != f.name);
        self.functions.push(f);
    }
    pub fn functions(&self) -> &[Arc<crate::stored::StoredFunction>] {
        &self.functions
    }
    pub fn set_product(&mut self, product: Product) {
        self.product = product;
    }
    pub fn product(&self) -> Product {
        self.product
    }
    pub fn set_geoip(&mut self, db: crate::geoip::GeoIp) {
        self.geoip = Some(Arc::new(db));
    }
    pub fn set_shared_geoip(&mut self, db: Arc<crate::geoip::GeoIp>) {
        self.geoip = Some(db);
    }
    pub fn geoip(&self) -> Option<&Arc<crate::geoip::GeoIp>> {
        self.geoip.as_ref()
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
    /// The warnings the catalog's sources record as they read.
    pub fn warnings(&self) -> &Arc<crate::warnings::Warnings> {
        &self.warnings
    }
    /// Sets the watchlists `_GetWatchlist` reads (an empty set still means "given": a
    /// missing alias is then an error).
    pub fn set_watchlists(&mut self, w: IndexMap<String, Arc<dyn TableSource>>) {
        self.watchlists = Some(w);
    }
    /// The watchlists, when given.
    pub fn watchlists(&self) -> Option<&IndexMap<String, Arc<dyn TableSource>>> {
        self.watchlists.as_ref()
    }
    /// Shares `warnings` with the sources that record into it.
    pub fn set_warnings(&mut self, warnings: Arc<crate::warnings::Warnings>) {
        self.warnings = warnings;
    }
}
