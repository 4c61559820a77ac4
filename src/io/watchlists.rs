//! Microsoft Sentinel watchlists, offline: `--watchlists DIR` of `<alias>.csv` (or
//! `.tsv`) files, each a watchlist as uploaded (a header line, then the items), with an
//! optional `<alias>.json` beside it (`{"searchKey": "Column"}`).
//!
//! `_GetWatchlist('alias')` returns what Sentinel's function does (the Sentinel docs,
//! "Build queries or rules with watchlists"; the column types as Kusto.Language gives
//! them, in Azure-Sentinel's KQL validation tests): `_DTItemId` (string),
//! `LastUpdatedTimeUTC` (datetime), `SearchKey` (string: the search key column's value,
//! the first column unless the `.json` names one), `WatchlistItem` (dynamic: the row as
//! a bag), then every column of the file as a string. Offline, an item's id is a GUID
//! made from the alias and the row's values, and its update time the file's.
//! `_GetWatchlistAlias` lists the aliases; the `Watchlist` table holds the items as
//! Sentinel's table does.

use super::formats::source::{DataTable, Part};
use super::formats::{detect, Format, ReadOptions};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::table::{
    Catalog, ChunkSink, Column, Row, RowCursor, ScanRequest, Scanned, Table, TableSource,
};
use crate::types::Type;
use crate::value::{Bag, Value};
use indexmap::IndexMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The columns `_GetWatchlist` gives before the file's.
pub const FIXED: [(&str, Type); 4] = [
    ("_DTItemId", Type::String),
    ("LastUpdatedTimeUTC", Type::DateTime),
    ("SearchKey", Type::String),
    ("WatchlistItem", Type::Dynamic),
];

pub fn fixed_columns() -> Vec<Column> {
    FIXED.iter().map(|(n, t)| Column::new(*n, *t)).collect()
}

/// The watchlists of `dir`, by alias.
pub fn load_dir(dir: &Path, opts: &ReadOptions) -> Result<IndexMap<String, Arc<dyn TableSource>>> {
    let shown = dir.display().to_string();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| super::schema::io_error(&shown, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut out: IndexMap<String, Arc<dyn TableSource>> = IndexMap::new();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((alias, ext)) = name.rsplit_once('.') else {
            continue;
        };
        if !matches!(ext.to_ascii_lowercase().as_str(), "csv" | "tsv") || !path.is_file() {
            continue;
        }
        let w = Watchlist::open(alias, &path, opts)?;
        out.insert(alias.to_string(), Arc::new(w));
    }
    Ok(out)
}

/// The source of `_GetWatchlist(alias)`; an error naming the alias and the flag when
/// there is none.
pub fn source(catalog: &Catalog, alias: &str, span: Span) -> Result<Arc<dyn TableSource>> {
    let list = catalog.watchlists();
    if let Some(s) = list.and_then(|l| l.get(alias)) {
        return Ok(s.clone());
    }
    Err(missing(
        alias,
        span,
        list.map(|l| l.keys().map(String::as_str).collect())
            .unwrap_or_default(),
    ))
}

/// No watchlist `alias`.
pub fn missing(alias: &str, span: Span, known: Vec<&str>) -> Error {
    let mut e = Error::new(ErrorKind::Data, format!("no watchlist `{alias}`"))
        .at(span)
        .with_hint(format!(
            "give `--watchlists DIR` with the watchlist as `{alias}.csv` (or `.tsv`)"
        ));
    if let Some(n) = crate::error::nearest(alias, known) {
        e = e.with_hint(format!("did you mean `{n}`?"));
    }
    e
}

/// One watchlist: its file read as a CSV of text columns, each row made the
/// `_GetWatchlist` row as it is read.
pub struct Watchlist {
    alias: String,
    file: DataTable,
    /// The file's columns.
    names: Vec<String>,
    search: usize,
    updated: i64,
    columns: Vec<Column>,
    full: OnceLock<Arc<Table>>,
}

impl Watchlist {
    pub fn open(alias: &str, path: &Path, opts: &ReadOptions) -> Result<Watchlist> {
        let format = match detect(path)? {
            f @ Format::Delimited(_) => f,
            _ => Format::Delimited(b','),
        };
        let part = Part::open(path, format, None)?;
        // Every column is text (Sentinel keeps watchlist values as strings).
        let probe = DataTable::new(
            alias,
            vec![Part::open(path, format, None)?],
            None,
            opts.clone(),
        );
        let names: Vec<String> = probe
            .resolved()?
            .columns
            .into_iter()
            .map(|c| c.name)
            .collect();
        let schema = super::schema::Schema {
            name: alias.to_string(),
            columns: names.iter().map(|n| Column::new(n, Type::String)).collect(),
        };
        let file = DataTable::fixed(alias, vec![part], schema, opts.clone());
        let shown = path.display().to_string();
        let sidecar = path.with_extension("json");
        let search = match std::fs::read_to_string(&sidecar) {
            Ok(text) => {
                let j: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    Error::data(
                        format!("invalid JSON: {e}"),
                        sidecar.display().to_string(),
                        e.line(),
                    )
                })?;
                let key = j
                    .as_object()
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("searchKey")))
                    .and_then(|(_, v)| v.as_str());
                match key {
                    Some(k) => names.iter().position(|n| n == k).ok_or_else(|| {
                        Error::data(
                            format!("the search key `{k}` is not a column of {shown}"),
                            sidecar.display().to_string(),
                            1,
                        )
                    })?,
                    None => 0,
                }
            }
            Err(_) => 0,
        };
        let updated = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| {
                crate::value::UNIX_EPOCH_TICKS + (d.as_nanos() / 100) as i64
            });
        let mut columns = fixed_columns();
        for n in &names {
            if !columns.iter().any(|c| &c.name == n) {
                columns.push(Column::new(n, Type::String));
            }
        }
        Ok(Watchlist {
            alias: alias.to_string(),
            file,
            names,
            search,
            updated,
            columns,
            full: OnceLock::new(),
        })
    }

    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The `_GetWatchlist` row of file row `r`, the `needed` columns only.
    fn row(&self, r: &[Value], needed: &[bool]) -> Row {
        let want = |i: usize| needed.get(i).copied().unwrap_or(true);
        let mut out = Vec::new();
        if want(0) {
            out.push(Value::String(item_id(&self.alias, r).into()));
        }
        if want(1) {
            out.push(Value::DateTime(self.updated));
        }
        if want(2) {
            out.push(r.get(self.search).cloned().unwrap_or_else(Value::empty_str));
        }
        if want(3) {
            let bag: Bag = self
                .names
                .iter()
                .zip(r)
                .map(|(n, v)| (n.as_str().into(), v.clone()))
                .collect();
            out.push(Value::bag(bag));
        }
        let mut k = FIXED.len();
        for (n, v) in self.names.iter().zip(r) {
            if FIXED.iter().any(|(f, _)| f == n) {
                continue;
            }
            if want(k) {
                out.push(v.clone());
            }
            k += 1;
        }
        out
    }
}

/// A GUID for an item: from a hash of the alias and the row's values (Sentinel gives
/// each item a random one; offline it must not change from run to run).
fn item_id(alias: &str, row: &[Value]) -> String {
    let mut text = alias.to_string();
    for v in row {
        text.push('\u{1f}');
        text.push_str(&crate::value::to_kql_string(v));
    }
    let a = fnv1a(text.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(text.as_bytes(), 0x8422_2325_cbf2_9ce4);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0xfff) as u16,
        ((b >> 48) as u16 & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// FNV-1a: stable across runs and builds (the hashers of the executor need not be).
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes
        .iter()
        .fold(basis, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

impl TableSource for Watchlist {
    fn columns(&self) -> Result<Vec<Column>> {
        Ok(self.columns.clone())
    }

    fn in_memory(&self) -> Option<Arc<Table>> {
        self.full.get().cloned()
    }

    fn scan(&self, request: &ScanRequest<'_>, sink: &dyn ChunkSink) -> Result<Scanned> {
        struct Wrap<'a> {
            w: &'a Watchlist,
            needed: &'a [bool],
            sink: &'a dyn ChunkSink,
        }
        struct Rows<'a, 'b> {
            w: &'a Watchlist,
            needed: &'a [bool],
            inner: &'b mut dyn RowCursor,
            row: Row,
        }
        impl RowCursor for Rows<'_, '_> {
            fn next_row(&mut self) -> Option<&[Value]> {
                let r = self.inner.next_row()?;
                self.row = self.w.row(r, self.needed);
                Some(&self.row)
            }
        }
        impl ChunkSink for Wrap<'_> {
            fn chunk(&self, idx: usize, rows: &mut dyn RowCursor) {
                let mut rows = Rows {
                    w: self.w,
                    needed: self.needed,
                    inner: rows,
                    row: Vec::new(),
                };
                self.sink.chunk(idx, &mut rows);
            }
        }
        let all = vec![true; self.names.len()];
        let inner = ScanRequest {
            needed: &all,
            threads: request.threads,
            stop: request.stop,
        };
        self.file.scan(
            &inner,
            &Wrap {
                w: self,
                needed: request.needed,
                sink,
            },
        )
    }

    fn load(&self) -> Result<Arc<Table>> {
        if let Some(t) = self.full.get() {
            return Ok(t.clone());
        }
        let t = self.file.load()?;
        let rows = t.rows.iter().map(|r| self.row(r, &[])).collect();
        Ok(self
            .full
            .get_or_init(|| Arc::new(Table::new(self.columns.clone(), rows)))
            .clone())
    }
}

/// A watchlist given as rows (a test file's): every value as its text.
pub fn from_rows(
    alias: &str,
    rows: &[serde_json::Map<String, serde_json::Value>],
) -> Arc<dyn TableSource> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => Value::empty_str(),
        Some(serde_json::Value::String(s)) => Value::String(s.as_str().into()),
        Some(other) => Value::String(other.to_string().into()),
    };
    let mut w = Watchlist {
        alias: alias.to_string(),
        file: DataTable::new(alias, Vec::new(), None, ReadOptions::default()),
        names: names.clone(),
        search: 0,
        updated: 0,
        columns: Vec::new(),
        full: OnceLock::new(),
    };
    w.columns = fixed_columns();
    for n in &names {
        if !w.columns.iter().any(|c| &c.name == n) {
            w.columns.push(Column::new(n, Type::String));
        }
    }
    let table_rows = rows
        .iter()
        .map(|r| {
            let vals: Vec<Value> = names.iter().map(|n| text(r.get(n))).collect();
            w.row(&vals, &[])
        })
        .collect();
    Arc::new(crate::external::MemorySource(Arc::new(Table::new(
        w.columns.clone(),
        table_rows,
    ))))
}

/// The `Watchlist` table of `lists` (every item, as Sentinel's table holds them) and
/// the `_GetWatchlistAlias` rows.
pub fn watchlist_table(
    lists: &IndexMap<String, Arc<dyn TableSource>>,
    product: super::Product,
) -> Result<Table> {
    let schema = super::schema::builtin_schema_for("Watchlist", product)
        .map(|s| s.columns.clone())
        .unwrap_or_else(fixed_columns);
    let mut rows = Vec::new();
    for (alias, source) in lists {
        let t = source.load()?;
        let at = |name: &str| t.columns.iter().position(|c| c.name == name);
        let (id, updated, key, item) = (
            at("_DTItemId"),
            at("LastUpdatedTimeUTC"),
            at("SearchKey"),
            at("WatchlistItem"),
        );
        for r in &t.rows {
            let get = |i: Option<usize>| i.map_or(Value::Null, |i| r[i].clone());
            let row: Row = schema
                .iter()
                .map(|c| match c.name.as_str() {
                    "WatchlistAlias" | "WatchlistName" | "WatchlistId" => {
                        Value::String(alias.as_str().into())
                    }
                    "_DTItemId" | "WatchlistItemId" => get(id),
                    "SearchKey" => get(key),
                    "WatchlistItem" => get(item),
                    "LastUpdatedTimeUTC" | "CreatedTimeUTC" | "TimeGenerated" | "_DTTimestamp" => {
                        get(updated)
                    }
                    "_DTItemType" => Value::String("watchlist-item".into()),
                    "_DTItemStatus" => Value::String("Create".into()),
                    "Type" => Value::String("Watchlist".into()),
                    _ => Value::null_of(c.ty),
                })
                .collect();
            rows.push(row);
        }
    }
    Ok(Table::new(schema, rows))
}

/// Adds `dir`'s watchlists to `catalog` (and its `Watchlist` table).
pub fn add_to_catalog(
    catalog: &mut Catalog,
    dir: &Path,
    opts: &ReadOptions,
    product: super::Product,
) -> Result<()> {
    let lists = load_dir(dir, opts)?;
    let table = watchlist_table(&lists, product)?;
    catalog.add_table("Watchlist", table);
    catalog.set_watchlists(lists);
    Ok(())
}
