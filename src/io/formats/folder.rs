//! Which tables a data folder holds, and in which files.
//!
//! - A data file directly in the folder (`.json`, `.jsonl`, `.ndjson`, `.multijson`,
//!   `.csv`, `.tsv`, `.psv`, `.scsv`, each optionally `.gz`) is part of the table named
//!   by the file name up to its first dot: `SigninLogs.json`, and `SigninLogs.2.csv.gz`
//!   too. `<Table>.schema.json` is the table's schema, not data.
//! - A subfolder named after a known table (in any letter case), or a custom table
//!   (`*_CL`), holds that table's files, at any depth; a Log Analytics data export
//!   container (`am-<table>`, see [`super::data_export`]) too.
//! - A streaming API capture (see [`super::streaming`]) holds the tables its records
//!   name, wherever it is; in other subfolders nothing else is read (a folder of
//!   expected outputs stays out of the way).
//!
//! The files of a table are read in path order.

use super::source::{Base, DataTable, Part, TypeSource};
use super::{data_export, detect, is_data_file, streaming, Format, ReadOptions};
use crate::error::{Error, Result};
use crate::hash::{FxHashMap, FxHashSet};
use crate::io::schema::{builtin_schema_for, io_error, load_schema_file_for, Product, Schema};
use crate::table::{Catalog, Table, TableSource};
use indexmap::IndexMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// One file of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    pub format: Format,
    /// In a file of several tables, the category of this table's records.
    pub category: Option<String>,
    /// A blob of a data export container, listed without being opened (its format is
    /// the export's, JSON lines, checked as it is read; see [`super::data_export`]):
    /// its size in bytes.
    pub unopened: Option<u64>,
    /// In a capture: where each table's records are (made by the walk that found its
    /// tables; `None` when it could not be made, see [`streaming::index`]).
    pub capture: Option<Capture>,
}

/// A capture's index, shared by the files of its tables (equal when it is the same).
#[derive(Clone, Debug)]
pub struct Capture(pub Arc<streaming::Index>);

impl PartialEq for Capture {
    fn eq(&self, other: &Capture) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Capture {}

/// What a data folder holds.
#[derive(Debug, Default)]
pub struct Found {
    /// Tables and their files, in the order found.
    pub tables: IndexMap<String, Vec<FoundFile>>,
    /// `<Table>.schema.json` files beside the data, with their paths.
    pub schemas: IndexMap<String, (Schema, String)>,
    /// Tables whose `<Table>.schema.json` was not opened: the query does not read them
    /// (a stray bad schema file must not break the queries of other tables).
    pub unread_schemas: Vec<String>,
    /// Entries named like a table's data file that are not a file kql can read (a
    /// dangling link, a loop of links, a FIFO, a device, a folder): each with its table
    /// and the error to give when a query reads that table.
    pub broken: Vec<(String, Error)>,
}

/// Why `path`, named like a data file, is not one kql reads; None for a regular file
/// (through links). Nothing is opened: a FIFO would block.
fn not_a_file(path: &Path) -> Option<Error> {
    let shown = path.display().to_string();
    let why = match std::fs::metadata(path) {
        Err(e) => match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                format!("cannot read {shown}: a symbolic link that leads to no file ({e})")
            }
            _ => format!("cannot read {shown}: {e}"),
        },
        Ok(m) if m.is_file() => return None,
        Ok(m) if m.is_dir() => format!(
            "{shown} is a folder, named like a data file (a table's folder of files is named after the table alone)"
        ),
        Ok(m) => {
            use std::os::unix::fs::FileTypeExt;
            let ft = m.file_type();
            let kind = if ft.is_fifo() {
                "a named pipe (FIFO)"
            } else if ft.is_char_device() || ft.is_block_device() {
                "a device"
            } else if ft.is_socket() {
                "a socket"
            } else {
                "not a regular file"
            };
            format!("{shown} is {kind}, not a file: kql reads tables from regular files")
        }
    };
    Some(Error::new(crate::error::ErrorKind::Io, why))
}

/// Walks `dir`. `known` are the tables whose names a subfolder may carry (in any letter
/// case).
pub fn discover(
    dir: &Path,
    known: &[&str],
    product: Product,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Found> {
    discover_on(dir, known, product, wanted, crate::parallel::threads())
}

/// [`discover`], its folders listed on `threads` threads (see [`prelist`]; one lists
/// each folder as the walk reaches it).
fn discover_on(
    dir: &Path,
    known: &[&str],
    product: Product,
    wanted: &(dyn Fn(&str) -> bool + Sync),
    threads: usize,
) -> Result<Found> {
    let mut found = Found::default();
    let entries: Vec<PathBuf> = sorted_entries(dir)?.into_iter().map(|(p, _)| p).collect();
    // Schema files first: their tables are known tables.
    for path in &entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(table) = name.strip_suffix(".schema.json") {
            if !path.is_file() {
                continue;
            }
            if !wanted(table) {
                found.unread_schemas.push(table.to_string());
                continue;
            }
            let s = load_schema_file_for(path, product)?;
            if s.name != table {
                return Err(Error::data(
                    format!("schema file for table `{table}` names table `{}`", s.name),
                    path.display().to_string(),
                    1,
                ));
            }
            found
                .schemas
                .insert(table.to_string(), (s, path.display().to_string()));
        }
    }
    let mut names: Vec<String> = known.iter().map(|s| s.to_string()).collect();
    names.extend(found.schemas.keys().cloned());
    names.extend(found.unread_schemas.iter().cloned());
    let canonical = |folder: &str| -> Option<String> {
        names
            .iter()
            .find(|k| k.eq_ignore_ascii_case(folder))
            .cloned()
    };
    let mut seen = FxHashSet::default();
    for path in &entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if is_data_file(name) {
            if let Some(e) = not_a_file(path) {
                let table = name.split('.').next().unwrap_or(name);
                found.broken.push((table.to_string(), e));
                continue;
            }
        }
        if path.is_dir() {
            let container = data_export::table_of_container(name, names.iter().map(String::as_str));
            let export = container.is_some();
            let table = container
                .or_else(|| canonical(name))
                .or_else(|| name.ends_with("_CL").then(|| name.to_string()));
            let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            let mut at = Walk {
                table: table.as_deref(),
                export,
                found: &mut found,
                seen: &mut seen,
                listings: Listings {
                    made: FxHashMap::default(),
                    sizes: export,
                    skip_data_named: table.is_some(),
                    threads,
                },
                wanted,
            };
            at.walk(path, real)?;
        } else if path.is_file() && is_data_file(name) {
            let table = name.split('.').next().unwrap_or(name);
            add_file(path, Some(table), None, &mut found, wanted)?;
        }
    }
    Ok(found)
}

/// The entries of `dir`, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<(PathBuf, std::fs::DirEntry)>> {
    let mut out: Vec<_> = entries(dir)?.map(|e| (e.path(), e)).collect();
    // By name: the entries share their folder, so this is path order (and cheaper than
    // comparing paths component by component).
    out.sort_by_cached_key(|(_, e)| e.file_name());
    Ok(out)
}

/// The entries of `dir`, in the order the system lists them; an error names the folder
/// (its name made only then: per folder of a data export, it showed in the walk).
fn entries(dir: &Path) -> Result<impl Iterator<Item = std::fs::DirEntry>> {
    let shown = || dir.display().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(&shown(), &e))? {
        out.push(entry.map_err(|e| io_error(&shown(), &e))?);
    }
    Ok(out.into_iter())
}

/// A folder's entry as the walk needs it: only those it acts on are kept (folders,
/// links, entries named like data files; not the other files).
struct Entry {
    /// Its name (an entry whose name is not UTF-8 is not read).
    name: String,
    /// From the listing itself (`None` when it cannot say).
    kind: Option<std::fs::FileType>,
    /// A regular data file's size, when the listing was asked for sizes.
    size: Option<u64>,
}

/// The entries of `dir` the walk acts on, in name order; with `sizes`, each regular
/// uncompressed data file's size.
fn listing(dir: &Path, sizes: bool) -> Result<Vec<Entry>> {
    let mut out: Vec<Entry> = entries(dir)?
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let kind = entry.file_type().ok();
            let data = is_data_file(&name);
            if !(data || kind.is_none_or(|k| k.is_dir() || k.is_symlink())) {
                return None;
            }
            let size = (sizes
                && data
                && kind.is_some_and(|k| k.is_file())
                && !name.to_ascii_lowercase().ends_with(".gz"))
            .then(|| entry.metadata().map_or(0, |m| m.len()));
            Some(Entry { name, kind, size })
        })
        .collect();
    // By name, as [`sorted_entries`] (UTF-8 names: their bytes, as the system's).
    out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The real folders (not links) among `entries` of `dir`, which the walk goes into,
/// in name order: with `skip_data_named`, not those named like a data file (the walk of
/// a table's folder reports them broken).
fn subfolders(dir: &Path, entries: &[Entry], skip_data_named: bool) -> Vec<PathBuf> {
    entries
        .iter()
        .filter(|e| e.kind.is_some_and(|k| k.is_dir()))
        .filter(|e| !(skip_data_named && is_data_file(&e.name)))
        .map(|e| dir.join(&e.name))
        .collect()
}

/// The listings of a walk: made ahead by [`prelist`] when it has threads, else as it
/// reaches each folder.
struct Listings {
    /// By the path the walk reaches the folder by (its bytes, as [`Walk::seen`]).
    made: FxHashMap<OsString, Result<Vec<Entry>>>,
    sizes: bool,
    skip_data_named: bool,
    threads: usize,
}

impl Listings {
    /// `dir`'s listing: made ahead, else made now with the folders below it (a folder
    /// reached through a link, whose walk starts there).
    fn take(&mut self, dir: &Path) -> Result<Vec<Entry>> {
        if let Some(r) = self.made.remove(dir.as_os_str()) {
            return r;
        }
        if self.threads > 1 {
            let made = prelist(dir, self.sizes, self.skip_data_named, self.threads);
            self.made
                .extend(made.into_iter().map(|(p, r)| (p.into_os_string(), r)));
            if let Some(r) = self.made.remove(dir.as_os_str()) {
                return r;
            }
        }
        listing(dir, self.sizes)
    }
}

/// Lists `root` and every real folder below it (not through links: whether a link is
/// followed depends on the walk so far), on `threads` threads, before the walk: a data
/// export holds a folder per file (tens of thousands), and listing them is most of the
/// walk, which then goes through the listings in path order, alone (which folder a link
/// reaches twice is read first, what is broken).
///
/// Each thread goes down its own folders depth first and hands half of those it has
/// not listed yet to a thread that runs out: the threads meet only then. (Handing each
/// folder to a helper and its listing back to the walk one by one cost a lock, a wake-up
/// and often a sleep per folder: more than the listing, and the walk on two threads was
/// slower than on one.) Memory: the listings hold the names of folders and data files
/// only, a fraction of what the walk keeps per file.
fn prelist(
    root: &Path,
    sizes: bool,
    skip_data_named: bool,
    threads: usize,
) -> Vec<(PathBuf, Result<Vec<Entry>>)> {
    let first = listing(root, sizes);
    let below = match &first {
        Ok(entries) => subfolders(root, entries, skip_data_named),
        Err(_) => Vec::new(),
    };
    let mut out = vec![(root.to_path_buf(), first)];
    if below.is_empty() {
        return out;
    }
    let pool = Pool {
        state: Mutex::new(PoolState {
            queue: below.into(),
            idle: 0,
            done: false,
        }),
        wake: Condvar::new(),
        idle: AtomicUsize::new(0),
        threads,
        sizes,
        skip_data_named,
    };
    let lists = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| crate::guard::spawn_worker(scope, || pool.run()))
            .collect();
        let mut lists = vec![pool.run()];
        for h in helpers {
            lists.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        lists
    });
    out.extend(lists.into_iter().flatten());
    out
}

/// The threads of a [`prelist`].
struct Pool {
    state: Mutex<PoolState>,
    /// Signalled when folders are shared, and when the listing is over.
    wake: Condvar,
    /// [`PoolState::idle`], read without the lock (whether to share).
    idle: AtomicUsize,
    threads: usize,
    sizes: bool,
    skip_data_named: bool,
}

struct PoolState {
    /// Folders shared, not taken yet.
    queue: std::collections::VecDeque<PathBuf>,
    /// Threads out of folders, waiting for some.
    idle: usize,
    /// Every folder is listed (or a thread panicked).
    done: bool,
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One thread's part: the listings it made.
    fn run(&self) -> Vec<(PathBuf, Result<Vec<Entry>>)> {
        // A panic ends the listing for every thread (none waits for this one's folders).
        struct Leave<'p>(&'p Pool);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.lock().done = true;
                    self.0.wake.notify_all();
                }
            }
        }
        let _leave = Leave(self);
        let mut out = Vec::new();
        // A stack, the next folder last (depth first, in path order).
        let mut mine: Vec<PathBuf> = Vec::new();
        loop {
            let Some(dir) = mine.pop().or_else(|| self.take()) else {
                return out;
            };
            let listed = listing(&dir, self.sizes);
            if let Ok(entries) = &listed {
                let n = mine.len();
                mine.extend(subfolders(&dir, entries, self.skip_data_named));
                mine[n..].reverse();
            }
            out.push((dir, listed));
            if mine.len() > 1 && self.idle.load(Ordering::Relaxed) > 0 {
                self.share(&mut mine);
            }
        }
    }

    /// A shared folder; `None` once every thread is out of them.
    fn take(&self) -> Option<PathBuf> {
        let mut st = self.lock();
        loop {
            if let Some(dir) = st.queue.pop_front() {
                return Some(dir);
            }
            if st.done {
                return None;
            }
            st.idle += 1;
            self.idle.store(st.idle, Ordering::Relaxed);
            if st.idle == self.threads {
                // No thread holds a folder to list: the listing is over.
                st.done = true;
                self.wake.notify_all();
                return None;
            }
            st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            st.idle -= 1;
            self.idle.store(st.idle, Ordering::Relaxed);
        }
    }

    /// Hands the bottom half of `mine` (the folders nearest the root: the most below
    /// them) to the threads out of folders, unless shared ones wait already.
    fn share(&self, mine: &mut Vec<PathBuf>) {
        let mut st = self.lock();
        if !st.queue.is_empty() || st.idle == 0 {
            return;
        }
        st.queue.extend(mine.drain(..mine.len() / 2));
        self.wake.notify_all();
    }
}

/// A walk of a table's folder.
struct Walk<'a> {
    /// The table the folder's files are part of (else only the captures that name
    /// their tables are read).
    table: Option<&'a str>,
    /// The folder is a data export container: its blobs are listed, not opened.
    export: bool,
    found: &'a mut Found,
    /// The folders walked, by their real path's bytes, hashed by Fx (a `Path` is hashed
    /// a byte at a time, to pass over separators and `.` parts, then by SipHash: 40% of
    /// the instructions of a data export's walk). The paths here are made alike
    /// (canonical, or joined with a plain name), so their bytes are equal when they are.
    seen: &'a mut FxHashSet<OsString>,
    listings: Listings,
    /// The tables the query reads (see [`add_file`]).
    wanted: &'a (dyn Fn(&str) -> bool + Sync),
}

impl Walk<'_> {
    /// The data files under `dir`, whose real path (links resolved) is `real`.
    ///
    /// An entry's kind comes from the folder listing itself (no `stat` per entry: a data
    /// export holds a folder per file, tens of thousands of them); only links are
    /// followed, and only a link's target needs resolving to know whether the folder was
    /// walked already (a real subfolder's real path is its parent's joined with its
    /// name).
    fn walk(&mut self, dir: &Path, real: PathBuf) -> Result<()> {
        // A folder reached twice (through a link) is read once.
        if !self.seen.insert(real.clone().into_os_string()) {
            return Ok(());
        }
        let entries = self.listings.take(dir)?;
        for Entry { name, kind, size } in entries {
            let path = dir.join(&name);
            let data = is_data_file(&name);
            let link = kind.is_none_or(|k| k.is_symlink());
            if let (true, Some(t)) = (data, self.table) {
                if link || !kind.is_some_and(|k| k.is_file()) {
                    if let Some(e) = not_a_file(&path) {
                        self.found.broken.push((t.to_string(), e));
                        continue;
                    }
                }
            }
            if link {
                if path.is_dir() {
                    let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                    self.walk(&path, target)?;
                } else if path.is_file() && data {
                    add_file(&path, self.table, None, self.found, self.wanted)?;
                }
            } else if kind.is_some_and(|k| k.is_dir()) {
                let sub = real.join(&name);
                self.walk(&path, sub)?;
            } else if kind.is_some_and(|k| k.is_file()) && data {
                // A blob of an export is listed, not opened, unless compressed (then its
                // content is told as every file's is).
                let unopened = if self.export { size } else { None };
                add_file(&path, self.table, unopened, self.found, self.wanted)?;
            }
        }
        Ok(())
    }
}

/// Adds `path` to `table`, or to the tables it names (a streaming capture); a file of
/// no table that names none is not read. An `unopened` file (of `size`) is JSON lines
/// by its folder's rule: nothing is read from it now. `wanted`: the tables the query
/// reads (a capture's index checks the records of the others, see [`streaming::index`]).
fn add_file(
    path: &Path,
    table: Option<&str>,
    unopened: Option<u64>,
    found: &mut Found,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Result<()> {
    let mut add = |t: &str, format, category, unopened, capture: Option<&Capture>| {
        found
            .tables
            .entry(t.to_string())
            .or_default()
            .push(FoundFile {
                path: path.to_path_buf(),
                format,
                category,
                unopened,
                capture: capture.cloned(),
            })
    };
    if let (Some(size), Some(t)) = (unopened, table) {
        add(t, Format::JsonLines, None, Some(size), None);
        return Ok(());
    }
    let format = detect(path)?;
    if format.names_tables() {
        // One walk notes where every table's records are (else the tables are found
        // by their categories' text, and each table's scan walks the whole capture).
        if let Some(index) = streaming::index(path, wanted) {
            let capture = Capture(Arc::new(index));
            for t in capture.0.tables() {
                add(
                    t,
                    format,
                    Some(streaming::category_of(t)),
                    None,
                    Some(&capture),
                );
            }
            return Ok(());
        }
        for t in streaming::tables_in(path)? {
            add(&t, format, Some(streaming::category_of(&t)), None, None);
        }
        return Ok(());
    }
    if let Some(t) = table {
        add(t, format, None, None, None);
    }
    Ok(())
}

/// The catalog of the data folder `dir`: a table source per table (read as queries
/// scan it when `lazy`, else read whole now), for the tables `wanted` accepts; the
/// others, and the tables of `user_schemas` and schema files without data, by their
/// schema. Column types: `user_schemas` (from `--schema`), else the folder's
/// `<Table>.schema.json`, else the built-in schema of `product`'s copy, then the
/// formats' own, then inference.
pub fn catalog(
    dir: &Path,
    user_schemas: &[Schema],
    wanted: &(dyn Fn(&str) -> bool + Sync),
    product: Product,
    lazy: bool,
    opts: &ReadOptions,
) -> Result<Catalog> {
    let mut known: Vec<&str> = crate::io::schema::builtin_names().collect();
    known.extend(user_schemas.iter().map(|s| s.name.as_str()));
    let found = discover(dir, &known, product, wanted)?;
    if let Some((_, e)) = found.broken.iter().find(|(t, _)| wanted(t)) {
        return Err(e.clone());
    }
    let base_of = |table: &str| base_for(table, user_schemas, &found, product);
    let mut catalog = Catalog::new();
    catalog.set_warnings(opts.warnings.clone());
    for (table, files) in &found.tables {
        if !wanted(table) {
            let columns = base_of(table).map(|b| b.schema.columns).unwrap_or_default();
            catalog.add_schema(table.clone(), columns);
            continue;
        }
        let source = open_table(table, files, base_of(table), opts)?;
        if !lazy {
            // Read whole now (queries then read it in place).
            source.load()?;
        }
        catalog.add_source(table.clone(), Arc::new(source));
    }
    for s in user_schemas
        .iter()
        .chain(found.schemas.values().map(|(s, _)| s))
    {
        if catalog.get(&s.name).is_none() {
            catalog.add_table(s.name.clone(), Table::new(s.columns.clone(), Vec::new()));
        }
    }
    // Named (for "did you mean" and the list of tables), their columns unread.
    for t in &found.unread_schemas {
        if catalog.get(t).is_none() {
            catalog.add_schema(t.clone(), Vec::new());
        }
    }
    Ok(catalog)
}

/// A table's schema: from `--schema`, else the folder's schema file, else built in.
fn base_for(table: &str, user_schemas: &[Schema], found: &Found, product: Product) -> Option<Base> {
    if let Some(s) = user_schemas.iter().find(|s| s.name == table) {
        return Some(Base {
            schema: s.clone(),
            source: TypeSource::SchemaFile("--schema".to_string()),
        });
    }
    if let Some((s, path)) = found.schemas.get(table) {
        return Some(Base {
            schema: s.clone(),
            source: TypeSource::SchemaFile(path.clone()),
        });
    }
    builtin_schema_for(table, product).map(|s| Base {
        schema: s.clone(),
        source: TypeSource::BuiltIn,
    })
}

/// What `kql tables` says of a table.
#[derive(Clone, Debug)]
pub struct TableInfo {
    pub name: String,
    /// Its files: path, format, whether gzip-compressed, size in bytes.
    pub files: Vec<(String, Format, bool, u64)>,
    /// Its columns: name, type, where the type came from.
    pub columns: Vec<(String, crate::types::Type, TypeSource)>,
    /// Its row count, when counted.
    pub rows: Option<u64>,
}

/// The tables of data folder `dir` as `kql tables` lists them; rows counted when the
/// table's files are at most `count_below` bytes.
pub fn describe(
    dir: &Path,
    user_schemas: &[Schema],
    product: Product,
    opts: &ReadOptions,
    count_below: u64,
) -> Result<Vec<TableInfo>> {
    let mut known: Vec<&str> = crate::io::schema::builtin_names().collect();
    known.extend(user_schemas.iter().map(|s| s.name.as_str()));
    let found = discover(dir, &known, product, &|_| true)?;
    if let Some((_, e)) = found.broken.first() {
        return Err(e.clone());
    }
    let base_of = |table: &str| base_for(table, user_schemas, &found, product);
    let mut out = Vec::new();
    for (table, files) in &found.tables {
        let source = open_table(table, files, base_of(table), opts)?;
        let resolved = source.resolved()?;
        let mut bytes = 0;
        let mut listed = Vec::new();
        for f in files {
            let size = std::fs::metadata(&f.path).map_or(0, |m| m.len());
            bytes += size;
            listed.push((
                f.path.display().to_string(),
                f.format,
                super::input::is_gzip(&f.path),
                size,
            ));
        }
        let rows = if bytes <= count_below {
            Some(source.count_rows()?)
        } else {
            None
        };
        out.push(TableInfo {
            name: table.clone(),
            files: listed,
            columns: resolved
                .columns
                .iter()
                .zip(&resolved.sources)
                .map(|(c, s)| (c.name.clone(), c.ty, s.clone()))
                .collect(),
            rows,
        });
    }
    // A table with a schema and no data file is an empty table, as `kql run` reads it:
    // those of `--schema` first (they override the folder's), then `<T>.schema.json`.
    for s in user_schemas {
        if !found.tables.contains_key(&s.name) && !out.iter().any(|t| t.name == s.name) {
            out.push(TableInfo {
                name: s.name.clone(),
                files: Vec::new(),
                columns: s
                    .columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            c.ty,
                            TypeSource::SchemaFile("--schema".into()),
                        )
                    })
                    .collect(),
                rows: Some(0),
            });
        }
    }
    for (name, (s, path)) in &found.schemas {
        if !found.tables.contains_key(name) && !out.iter().any(|t| &t.name == name) {
            out.push(TableInfo {
                name: name.clone(),
                files: Vec::new(),
                columns: s
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty, TypeSource::SchemaFile(path.clone())))
                    .collect(),
                rows: Some(0),
            });
        }
    }
    Ok(out)
}

/// The table source of `table`'s files.
pub fn open_table(
    table: &str,
    files: &[FoundFile],
    base: Option<Base>,
    opts: &ReadOptions,
) -> Result<DataTable> {
    let mut parts = Vec::with_capacity(files.len());
    for f in files {
        parts.push(match f.unopened {
            Some(size) => Part::unopened(&f.path, size),
            None => {
                let part = Part::open(&f.path, f.format, f.category.clone())?;
                match &f.capture {
                    Some(c) => part.with_capture(c.0.clone()),
                    None => part,
                }
            }
        });
    }
    Ok(DataTable::new(table, parts, base, opts.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::bytes::xorshift;

    /// Fills `dir` with a random tree: folders (some named like data files), data files
    /// of several formats, other files, and links to folders (siblings, ancestors: loops),
    /// to files, and to nothing.
    fn random_tree(x: &mut u64, dir: &Path, depth: usize, root: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let n = xorshift(x) % if depth == 0 { 5 } else { 7 };
        for i in 0..n {
            let pick = xorshift(x) % 12;
            match pick {
                0..=2 if depth < 4 => {
                    random_tree(x, &dir.join(format!("m={i:02}")), depth + 1, root)
                }
                3 => std::fs::write(dir.join(format!("PT{i}M.json")), "{\"a\":1}\n").unwrap(),
                4 => std::fs::write(dir.join(format!("t{i}.jsonl")), "{\"a\":2}\n").unwrap(),
                5 => std::fs::write(dir.join(format!("t{i}.csv")), "a\n3\n").unwrap(),
                6 => std::fs::write(dir.join(format!("notes{i}.txt")), "x").unwrap(),
                7 => std::fs::create_dir_all(dir.join(format!("odd{i}.json"))).unwrap(),
                8 => {
                    // A link to an ancestor (a loop) or to the root.
                    let to = if xorshift(x).is_multiple_of(2) {
                        root
                    } else {
                        dir
                    };
                    std::os::unix::fs::symlink(to, dir.join(format!("up{i}"))).unwrap();
                }
                9 => std::os::unix::fs::symlink(
                    dir.join(format!("missing{i}")),
                    dir.join(format!("dangling{i}.json")),
                )
                .unwrap(),
                10 => {
                    let target = dir.join(format!("t{i}.target"));
                    std::fs::write(&target, "{\"a\":4}\n").unwrap();
                    std::os::unix::fs::symlink(&target, dir.join(format!("linked{i}.jsonl")))
                        .unwrap();
                }
                _ => random_tree(x, &dir.join(format!("d{i}")), depth + 1, root),
            }
        }
    }

    /// What a walk found, comparable (errors by their text).
    fn outcome(dir: &Path, threads: usize) -> String {
        let known = ["SigninLogs", "AuditLogs"];
        match discover_on(dir, &known, Product::Sentinel, &|_| true, threads) {
            Ok(f) => {
                let broken: Vec<_> = f.broken.iter().map(|(t, e)| (t, e.to_string())).collect();
                format!("{:#?}\n{broken:#?}\n{:?}", f.tables, f.unread_schemas)
            }
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn folders_listed_ahead_on_threads_walk_as_listed_one_by_one() {
        let base = std::env::temp_dir().join(format!("kql-walk-{}", std::process::id()));
        let mut x = 0x2545_f491_4f6c_dd1d;
        let (mut files, mut errors) = (0, 0);
        for round in 0..40 {
            let dir = base.join(round.to_string());
            // A table's folder (its name in another case), an export container, a custom
            // table's, and one of no table.
            for top in ["signinlogs", "am-auditlogs", "My_CL", "other"] {
                random_tree(&mut x, &dir.join(top), 0, &dir.join(top));
            }
            let one = outcome(&dir, 1);
            files += one.matches("path:").count();
            errors += usize::from(one.starts_with("error"));
            for threads in [2, 3, 5] {
                assert_eq!(
                    outcome(&dir, threads),
                    one,
                    "round {round}, {threads} threads"
                );
            }
        }
        assert!(files > 500 && errors < 10, "{files} files, {errors} errors");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
