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
use crate::io::schema::{builtin_schema_for, io_error, load_schema_file_for, Product, Schema};
use crate::table::{Catalog, Table, TableSource};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
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
    let mut seen = HashSet::new();
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
            let helpers = crate::parallel::threads().saturating_sub(1);
            let lister = Lister::new(export, helpers > 0);
            std::thread::scope(|scope| {
                for _ in 0..helpers {
                    crate::guard::spawn_worker(scope, || lister.help());
                }
                let mut at = Walk {
                    table: table.as_deref(),
                    export,
                    found: &mut found,
                    seen: &mut seen,
                    lister: &lister,
                    wanted,
                };
                let r = at.walk(path, real);
                lister.finish();
                r
            })?;
        } else if path.is_file() && is_data_file(name) {
            let table = name.split('.').next().unwrap_or(name);
            add_file(path, Some(table), None, &mut found, wanted)?;
        }
    }
    Ok(found)
}

/// The entries of `dir`, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<(PathBuf, std::fs::DirEntry)>> {
    let shown = dir.display().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(&shown, &e))? {
        let entry = entry.map_err(|e| io_error(&shown, &e))?;
        out.push((entry.path(), entry));
    }
    // By name: the entries share their folder, so this is path order (and cheaper than
    // comparing paths component by component).
    out.sort_by_key(|(_, e)| e.file_name());
    Ok(out)
}

/// A folder's entry as the walk needs it.
struct Entry {
    path: PathBuf,
    /// From the listing itself (`None` when it cannot say).
    kind: Option<std::fs::FileType>,
    /// A regular data file's size, when the listing was asked for sizes.
    size: Option<u64>,
}

/// The entries of `dir` in name order; with `sizes`, each regular uncompressed data
/// file's size.
fn listing(dir: &Path, sizes: bool) -> Result<Vec<Entry>> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .map(|(path, entry)| {
            let kind = entry.file_type().ok();
            let size = (sizes && kind.is_some_and(|k| k.is_file()))
                .then(|| entry.file_name())
                .and_then(|n| n.to_str().map(str::to_ascii_lowercase))
                .filter(|n| is_data_file(n) && !n.ends_with(".gz"))
                .map(|_| entry.metadata().map_or(0, |m| m.len()));
            Entry { path, kind, size }
        })
        .collect())
}

/// Lists folders ahead of a walk, on other threads: a data export holds a folder per
/// file (tens of thousands), and listing them is most of the walk. The walk itself stays
/// one sequential pass in path order (which folder a link reaches twice is read first,
/// what is broken): it takes each listing when it reaches the folder, listing it itself
/// when no thread has started on it.
struct Lister {
    state: Mutex<ListState>,
    changed: Condvar,
    sizes: bool,
    /// Other threads list ahead (else the walk lists every folder itself).
    helped: bool,
}

#[derive(Default)]
struct ListState {
    /// Folders to list, in the order the walk will want them (roughly).
    queue: std::collections::VecDeque<PathBuf>,
    jobs: HashMap<PathBuf, Job>,
    /// Listings made and not taken yet.
    ready: usize,
    /// The walk is over.
    done: bool,
}

enum Job {
    Queued,
    Running,
    Done(Result<Vec<Entry>>),
}

/// Listings held at most ahead of the walk (a bound on their memory).
const AHEAD: usize = 4096;

impl Lister {
    fn new(sizes: bool, helped: bool) -> Lister {
        Lister {
            state: Mutex::default(),
            changed: Condvar::new(),
            sizes,
            helped,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ListState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The walk will want `dir`'s listing.
    fn ahead(&self, dir: &Path) {
        if !self.helped {
            return;
        }
        let mut st = self.lock();
        if st.done {
            return;
        }
        st.jobs.insert(dir.to_path_buf(), Job::Queued);
        st.queue.push_back(dir.to_path_buf());
        self.changed.notify_one();
    }

    /// `dir`'s listing: made ahead, else made now.
    fn take(&self, dir: &Path) -> Result<Vec<Entry>> {
        let mut st = self.lock();
        loop {
            match st.jobs.remove(dir) {
                Some(Job::Done(r)) => {
                    st.ready -= 1;
                    self.changed.notify_all();
                    return r;
                }
                Some(Job::Running) => {
                    // Another thread is on it: meanwhile, list one of those queued after
                    // it (the walk wants it next, most likely), as a helper would.
                    st.jobs.insert(dir.to_path_buf(), Job::Running);
                    st = match self.next_queued(&mut st) {
                        Some(other) => self.list(st, other),
                        None => self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
                    };
                }
                // Queued (the helpers skip it now) or never asked for.
                Some(Job::Queued) | None => {
                    drop(st);
                    return listing(dir, self.sizes);
                }
            }
        }
    }

    /// The next folder queued and not started.
    fn next_queued(&self, st: &mut ListState) -> Option<PathBuf> {
        while let Some(dir) = st.queue.pop_front() {
            if matches!(st.jobs.get(&dir), Some(Job::Queued)) {
                return Some(dir);
            }
        }
        None
    }

    /// Lists `dir` (queued) outside the lock, and keeps the listing for the walk.
    fn list<'s>(
        &'s self,
        mut st: std::sync::MutexGuard<'s, ListState>,
        dir: PathBuf,
    ) -> std::sync::MutexGuard<'s, ListState> {
        st.jobs.insert(dir.clone(), Job::Running);
        drop(st);
        let r = listing(&dir, self.sizes);
        let mut st = self.lock();
        st.jobs.insert(dir, Job::Done(r));
        st.ready += 1;
        self.changed.notify_all();
        st
    }

    /// A helper thread: lists the queued folders until the walk is over.
    fn help(&self) {
        let mut st = self.lock();
        loop {
            if st.done {
                return;
            }
            let next = if st.ready < AHEAD {
                self.next_queued(&mut st)
            } else {
                None
            };
            st = match next {
                Some(dir) => self.list(st, dir),
                None => self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    fn finish(&self) {
        self.lock().done = true;
        self.changed.notify_all();
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
    /// The folders walked, by their real path.
    seen: &'a mut HashSet<PathBuf>,
    lister: &'a Lister,
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
        if !self.seen.insert(real.clone()) {
            return Ok(());
        }
        let entries = self.lister.take(dir)?;
        // The real folders below, listed ahead (those reached through links are listed
        // when reached: whether they are walked at all depends on the walk so far).
        for e in &entries {
            if e.kind.is_some_and(|k| k.is_dir()) {
                let named_like_data = e
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_data_file);
                if !(named_like_data && self.table.is_some()) {
                    self.lister.ahead(&e.path);
                }
            }
        }
        for Entry { path, kind, size } in entries {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let data = is_data_file(name);
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
                let sub = real.join(name);
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
