//! Loading tables from JSON files: `<Table>.json` (an array of objects) and
//! `<Table>.jsonl` / `<Table>.ndjson` (one object per line).
//!
//! Column types come from, in order: a user schema (`--schema FILE`, else
//! `<Table>.schema.json` next to the data), the built-in schema of the table, else
//! inference over the values. With a schema, its columns come first in its order and
//! fields it does not list are appended (inferred) in order of first appearance.
//! A value that does not convert to its column's type is an error naming the file, the
//! line of the row and the column; nothing is skipped.
//!
//! Everything that turns JSON into rows lives here, behind [`load_dir`] and
//! [`load_table_file`], so that it can be made faster without touching callers. How it
//! is fast now: the tables of a folder load on separate threads; a file is cut into its
//! objects by bracket matching and big files are parsed in parallel chunks; each object
//! is parsed straight into values (keys borrowed, strings of string columns interned).
//! This is the full loader: it reads a file whole. Queries stream their files through
//! [`super::scan`] instead and come here only for what that reader does not read exactly
//! (its errors are this loader's), for `kql check --data` and for test fixtures.

use super::schema::{io_error, Product, Schema};
use crate::error::{Error, Result};
use crate::table::{Catalog, Column, Table};
use crate::types::Type;
use crate::value::{from_json, parse_datetime, parse_guid, parse_timespan, Value};
use indexmap::IndexMap;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value as J};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// Loads every table file of `dir` into a catalog. `user_schemas` (from `--schema`) win
/// over `<Table>.schema.json` files in `dir`, which win over built-in schemas. A user
/// schema without a data file gives an empty table (the table exists but has no rows).
/// Built-in schemas are the Sentinel copies; [`load_dir_for`] chooses the product.
pub fn load_dir(dir: &Path, user_schemas: &[Schema]) -> Result<Catalog> {
    load_dir_for(dir, user_schemas, &|_| true, Product::Sentinel)
}

/// Like [`load_dir`], but reads only the data files of tables for which `wanted` is true;
/// the others are listed in the catalog by their schema (no rows), so that an unknown
/// table name still gets "did you mean" and the list of tables. `kql run` passes
/// [`mentioned_in`] so that files the query cannot use (and other JSON files that happen
/// to sit in the folder) are not read. Built-in schemas and `<Table>.schema.json` files
/// give the copy of their table that `product` has.
pub fn load_dir_for(
    dir: &Path,
    user_schemas: &[Schema],
    wanted: &(dyn Fn(&str) -> bool + Sync),
    product: Product,
) -> Result<Catalog> {
    read_dir_into_catalog(dir, user_schemas, wanted, false, product)
}

/// Like [`load_dir_for`], but a table the executor can scan from its file (a `.jsonl`
/// or `.ndjson` file with a schema, see [`super::scan::FileTable::open`]) is opened, not
/// read: a query then reads only the columns it uses, as it goes. `kql run` uses this;
/// the results are the same as with [`load_dir_for`].
pub fn open_dir_for(
    dir: &Path,
    user_schemas: &[Schema],
    wanted: &(dyn Fn(&str) -> bool + Sync),
    product: Product,
) -> Result<Catalog> {
    read_dir_into_catalog(dir, user_schemas, wanted, true, product)
}

/// Like [`open_dir_for`], reading with `opts` (`--strict`, `--tz`, where warnings go).
pub fn open_dir_with(
    dir: &Path,
    user_schemas: &[Schema],
    wanted: &(dyn Fn(&str) -> bool + Sync),
    product: Product,
    opts: &super::formats::ReadOptions,
) -> Result<Catalog> {
    super::formats::folder::catalog(dir, user_schemas, wanted, product, true, opts)
}

fn read_dir_into_catalog(
    dir: &Path,
    user_schemas: &[Schema],
    wanted: &(dyn Fn(&str) -> bool + Sync),
    lazy: bool,
    product: Product,
) -> Result<Catalog> {
    super::formats::folder::catalog(
        dir,
        user_schemas,
        wanted,
        product,
        lazy,
        &super::formats::ReadOptions::default(),
    )
}

/// The table names a query can refer to: those that occur in its text, those a
/// wildcard matches (`union Device*`), and every table when the query reads tables it
/// need not name (`union *`, `search "x"`, `find`). (A superset, and cheap: a name that
/// occurs only in a comment or a string is loaded needlessly, and so are the tables a
/// product written without spaces seems to match: `Count*100` reads as `Count*`.)
pub fn mentioned_in(query: &str) -> impl Fn(&str) -> bool + '_ {
    let prefixes = wildcard_prefixes(query);
    move |name| query.contains(name) || prefixes.iter().any(|p| name.starts_with(p.as_str()))
}

/// The prefixes of the query's table wildcards; `""` (every table) for `union *` and for
/// `search` and `find` without `in (...)`.
fn wildcard_prefixes(query: &str) -> Vec<String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: &str| {
        if !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    };
    for (i, _) in query.match_indices('*') {
        let before = &query[..i];
        let rest = before.trim_end_matches(word);
        let prefix = &before[rest.len()..];
        // `union withsource=T*` is `withsource=T` and `*` (Kusto.Language binds it so).
        if !prefix.is_empty() && !rest.ends_with('=') {
            push(prefix);
        } else if preceding_words(before).any(|w| w.eq_ignore_ascii_case("union")) {
            push("");
        }
    }
    let lower = query.to_ascii_lowercase();
    for op in ["search", "find"] {
        for (i, _) in lower.match_indices(op) {
            let starts = lower[..i].chars().next_back().is_none_or(|c| !word(c));
            let rest = &lower[i + op.len()..];
            let ends = rest.chars().next().is_none_or(|c| !word(c));
            let t = rest.trim_start();
            let names_tables = t.starts_with("in") && t[2..].trim_start().starts_with('(');
            if starts && ends && !names_tables {
                push("");
            }
        }
    }
    out
}

/// The words before a `union`'s `*`, nearest first, over its parameters
/// (`union withsource=T isfuzzy=true *`); stops at anything else.
fn preceding_words(before: &str) -> impl Iterator<Item = &str> {
    before
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .rev()
        .take_while(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_=\"'".contains(c))
        })
        .take(6)
}

/// Loads one data file (`.json`, `.jsonl` or `.ndjson`) with an optional schema.
pub fn load_table_file(path: &Path, schema: Option<&Schema>) -> Result<Table> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| io_error(&shown, &e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = memchr_count(&e.as_bytes()[..at]) + 1;
        Error::data("the file is not valid UTF-8 text", &shown, line)
    })?;
    let lines_format = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    );
    parse_text(&text, &shown, lines_format, schema)
}

/// Loads a table from JSON text as if it were the file `path` (tests and tools).
pub fn load_table_text(text: &str, path: &str, schema: Option<&Schema>) -> Result<Table> {
    let lines_format = path.ends_with(".jsonl") || path.ends_with(".ndjson");
    parse_text(text, path, lines_format, schema)
}

fn parse_text(
    text: &str,
    path: &str,
    lines_format: bool,
    schema: Option<&Schema>,
) -> Result<Table> {
    // Files saved by some Windows tools start with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let objects = if lines_format {
        read_lines(text, path)?
    } else {
        read_array(text, path)?
    };
    // Big files are parsed in parallel chunks, then joined in file order; the result is
    // the same as one pass (the test `parallel_parse_equals_one_pass` checks).
    let threads = crate::parallel::threads();
    if threads < 2 || objects.len() < PARALLEL_MIN_ROWS {
        return build(&objects, schema, path)?.finish();
    }
    let chunk = objects.len().div_ceil(threads);
    let parts: Vec<Result<TableBuilder>> = std::thread::scope(|scope| {
        let handles: Vec<_> = objects
            .chunks(chunk)
            .map(|part| scope.spawn(move || build(part, schema, path)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::data("internal error while parsing", path, 1)))
            })
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut whole = match parts.next() {
        Some(first) => first?,
        None => TableBuilder::new(schema, path),
    };
    for part in parts {
        whole.append(part?);
    }
    whole.finish()
}

/// Row count from which a file is parsed on several threads.
const PARALLEL_MIN_ROWS: usize = 20_000;

fn build<'a>(
    objects: &[(usize, &str)],
    schema: Option<&Schema>,
    path: &'a str,
) -> Result<TableBuilder<'a>> {
    let mut builder = TableBuilder::new(schema, path);
    for (line, text) in objects {
        builder.push_text(*line, text)?;
    }
    Ok(builder)
}

/// The text of each object, with its line.
fn read_lines<'t>(text: &'t str, path: &str) -> Result<Vec<(usize, &'t str)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.starts_with('{') {
            let v: J = serde_json::from_str(line)
                .map_err(|e| Error::data(format!("invalid JSON: {e}"), path, line_no))?;
            into_object(v, path, line_no)?;
        }
        out.push((line_no, trimmed));
    }
    Ok(out)
}

/// Reads a top-level JSON array element by element, so that each row knows its line.
fn read_array<'t>(text: &'t str, path: &str) -> Result<Vec<(usize, &'t str)>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut line = 1;
    // Moves `pos` past whitespace, counting lines.
    let skip_ws = |pos: &mut usize, line: &mut usize| {
        while *pos < bytes.len() && bytes[*pos].is_ascii_whitespace() {
            if bytes[*pos] == b'\n' {
                *line += 1;
            }
            *pos += 1;
        }
    };
    skip_ws(&mut pos, &mut line);
    if bytes.get(pos) != Some(&b'[') {
        return Err(Error::data(
            "expected a JSON array of objects (`[{...}, ...]`); use .jsonl for one object per line",
            path,
            line,
        ));
    }
    pos += 1;
    skip_ws(&mut pos, &mut line);
    if bytes.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            skip_ws(&mut pos, &mut line);
            let start_line = line;
            // Objects are cut out by bracket matching, which is fast; anything else (or
            // malformed JSON) goes through serde_json for its error message.
            match (bytes.get(pos), object_end(bytes, pos)) {
                (Some(b'{'), Some(end)) => {
                    let element = &text[pos..end];
                    line += memchr_count(element.as_bytes());
                    pos = end;
                    out.push((start_line, element));
                }
                _ => {
                    let mut stream =
                        serde_json::Deserializer::from_str(&text[pos..]).into_iter::<J>();
                    return Err(match stream.next() {
                        Some(Ok(v)) => match into_object(v, path, start_line) {
                            Err(e) => e,
                            Ok(_) => Error::data("malformed object", path, start_line),
                        },
                        Some(Err(e)) => Error::data(
                            format!("invalid JSON: {e}"),
                            path,
                            start_line + e.line().saturating_sub(1),
                        ),
                        None => Error::data("unexpected end of file", path, line),
                    });
                }
            }
            skip_ws(&mut pos, &mut line);
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => {
                    pos += 1;
                    break;
                }
                _ => {
                    return Err(Error::data(
                        "expected `,` or `]` after an array element",
                        path,
                        line,
                    ))
                }
            }
        }
    }
    skip_ws(&mut pos, &mut line);
    if pos < bytes.len() {
        return Err(Error::data("unexpected text after the array", path, line));
    }
    Ok(out)
}

/// The end (exclusive) of the object or array that starts at `start`: its matching
/// bracket, skipping strings. `None` when the text ends first.
pub(crate) fn object_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn into_object(v: J, path: &str, line: usize) -> Result<Map<String, J>> {
    match v {
        J::Object(m) => Ok(m),
        other => Err(Error::data(
            format!(
                "expected a JSON object for a row, found {}",
                json_kind(&other)
            ),
            path,
            line,
        )),
    }
}

fn json_kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// Builds a table row by row. Schema columns are converted as rows arrive; fields the
/// schema does not list are kept as JSON until the end, when their type can be inferred
/// from every value.
struct TableBuilder<'a> {
    path: &'a str,
    columns: Vec<Column>,
    index: IndexMap<String, usize>,
    /// Columns `..typed` have their type; the rest are inferred in `finish`.
    typed: usize,
    nulls: Vec<Value>,
    rows: Vec<Vec<Value>>,
    lines: Vec<usize>,
    /// Per inferred column: (row number, value) in row order.
    pending: Vec<Vec<(usize, J)>>,
    /// Per typed column: shares repeated strings (user names, IPs, apps) so that each
    /// distinct value is stored once; dropped for columns of mostly unique values.
    interners: Vec<Option<Interner>>,
    /// A conversion error met inside the JSON parser (which can only carry text).
    error: Option<Error>,
}

/// A set of the strings seen so far in one column.
#[derive(Default)]
pub(crate) struct Interner {
    /// Each string under its [`crate::hash::str_hash`], compared by
    /// [`crate::hash::bytes_eq`] (a set of `Arc<str>` found by `&str` compares through
    /// a library call on every hit, and nearly every lookup is a hit).
    seen: hashbrown::HashTable<Arc<str>>,
}

impl Interner {
    pub(crate) fn get(&mut self, s: &str) -> Value {
        Value::String(crate::value::SharedStrings::get(self, s))
    }

    /// Whether sharing stopped paying off: many distinct values, most of them unique.
    pub(crate) fn is_full(&self, rows: usize) -> bool {
        self.seen.len() > 4096 && self.seen.len() * 2 > rows
    }
}

/// The strings of a dynamic column's arrays and bags (tags, keys) share a copy too.
impl crate::value::SharedStrings for Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        use crate::hash::{bytes_eq, str_hash};
        let h = str_hash(s);
        if let Some(a) = self.seen.find(h, |a| bytes_eq(a.as_bytes(), s.as_bytes())) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.seen.insert_unique(h, a.clone(), |a| str_hash(a));
        a
    }
}

impl<'a> TableBuilder<'a> {
    fn new(schema: Option<&Schema>, path: &'a str) -> Self {
        let columns: Vec<Column> = schema.map(|s| s.columns.clone()).unwrap_or_default();
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let nulls = columns.iter().map(|c| missing_value(c.ty)).collect();
        let typed = columns.len();
        TableBuilder {
            path,
            typed,
            columns,
            index,
            nulls,
            rows: Vec::new(),
            lines: Vec::new(),
            pending: Vec::new(),
            interners: (0..typed).map(|_| Some(Interner::default())).collect(),
            error: None,
        }
    }

    /// Parses one object's text straight into a row: keys are looked up without being
    /// copied, and strings of string columns go to the column's interner.
    fn push_text(&mut self, line: usize, text: &str) -> Result<()> {
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = RowSeed {
            builder: self,
            line,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        match parsed {
            Ok(()) => Ok(()),
            Err(e) => Err(self.error.take().unwrap_or_else(|| {
                Error::data(
                    format!("invalid JSON: {e}"),
                    self.path,
                    line + e.line().saturating_sub(1),
                )
            })),
        }
    }

    /// Appends the rows of `next`, a builder with the same schema over the rows that
    /// follow. Columns first seen in `next` come after those of `self`, as in one pass.
    fn append(&mut self, next: TableBuilder<'_>) {
        let offset = self.rows.len();
        for (k, values) in next.pending.into_iter().enumerate() {
            let i = self.column_for(&next.columns[next.typed + k].name);
            self.pending[i - self.typed].extend(values.into_iter().map(|(r, j)| (r + offset, j)));
        }
        self.rows.extend(next.rows);
        self.lines.extend(next.lines);
    }

    /// The index of column `key`, adding a column to infer when it is new.
    fn column_for(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.columns.len();
        self.columns.push(Column::new(key, Type::Dynamic));
        self.index.insert(key.to_string(), i);
        self.pending.push(Vec::new());
        i
    }

    /// Converts a string for typed column `i`, without building a JSON value.
    fn typed_str(&mut self, i: usize, s: &str, row_no: usize) -> Option<Value> {
        let ty = self.columns[i].ty;
        match ty {
            Type::String => Some(match &mut self.interners[i] {
                Some(interner) => {
                    let v = interner.get(s);
                    if interner.is_full(row_no + 1) {
                        self.interners[i] = None;
                    }
                    v
                }
                None => Value::String(Arc::from(s)),
            }),
            _ => convert_str(s, ty),
        }
    }

    fn bad_value(&self, column: &str, j: &J, ty: Type, line: usize) -> Error {
        Error::data(
            format!(
                "column `{column}`: cannot read {} as {ty}",
                shorten(&j.to_string())
            ),
            self.path,
            line,
        )
    }

    fn finish(mut self) -> Result<Table> {
        let pending = std::mem::take(&mut self.pending);
        for (k, values) in pending.into_iter().enumerate() {
            let ty = infer_type(values.iter().map(|(_, j)| Some(j)));
            let missing = missing_value(ty);
            let mut column = vec![missing; self.rows.len()];
            for (row_no, j) in &values {
                column[*row_no] = convert(j, ty).ok_or_else(|| {
                    self.bad_value(
                        &self.columns[self.typed + k].name,
                        j,
                        ty,
                        self.lines[*row_no],
                    )
                })?;
            }
            self.columns[self.typed + k].ty = ty;
            for (row, v) in self.rows.iter_mut().zip(column) {
                row.push(v);
            }
        }
        Ok(Table::new(self.columns, self.rows))
    }
}

/// Deserializes one JSON object into a row of a [`TableBuilder`].
struct RowSeed<'b, 'a> {
    builder: &'b mut TableBuilder<'a>,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let b = self.builder;
        let row_no = b.rows.len();
        let mut row = b.nulls.clone();
        while let Some(key) = map.next_key_seed(StrSeed)? {
            let i = b.column_for(&key);
            if i >= b.typed {
                let j: J = map.next_value()?;
                b.pending[i - b.typed].push((row_no, j));
                continue;
            }
            let cell = map.next_value_seed(CellSeed)?;
            let converted = match &cell {
                Cell::Str(s) => b.typed_str(i, s, row_no),
                Cell::Json(j) => convert(j, b.columns[i].ty),
            };
            match converted {
                Some(v) => row[i] = v,
                None => {
                    let j = match cell {
                        Cell::Str(s) => J::String(s.into_owned()),
                        Cell::Json(j) => j,
                    };
                    let ty = b.columns[i].ty;
                    b.error = Some(b.bad_value(&b.columns[i].name, &j, ty, self.line));
                    return Err(serde::de::Error::custom("bad value"));
                }
            }
        }
        b.rows.push(row);
        b.lines.push(self.line);
        Ok(())
    }
}

/// A string, borrowed from the input when it has no escapes.
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A cell: a string (the common case, kept unparsed) or any other JSON value.
enum Cell<'de> {
    Str(Cow<'de, str>),
    Json(J),
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::from(v)))
    }
    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::Null))
    }
    fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(Cell::Json(J::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        J::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Cell::Json)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
        J::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Cell::Json)
    }
}

/// Dates read in a column and their day numbers, one per day of the month (the slot of
/// `YYYY-MM-DD` is `DD`, of 32): rows of a month come in any order (a sign-in table's
/// 30 days, say) and a slot of the last date alone missed nine times in ten there.
/// An empty slot's day is `EMPTY_DAY` (its text, zeros, is text an input may hold).
#[derive(Clone)]
pub(crate) struct DayCache(Box<[([u8; 10], i64); 32]>);

const EMPTY_DAY: i64 = i64::MIN;

impl Default for DayCache {
    fn default() -> Self {
        DayCache(Box::new([([0; 10], EMPTY_DAY); 32]))
    }
}

/// The ticks of the one datetime shape exporters write, `YYYY-MM-DDTHH:MM:SS[.f]Z`
/// (up to 7 fraction digits), read without the general parser's alternatives; `None`
/// for anything else, which then goes to [`crate::value::parse_datetime`]. The test
/// `iso_fast_path_agrees_with_parse_datetime` checks they agree.
pub(crate) fn iso_utc(s: &str, cache: &mut DayCache) -> Option<i64> {
    use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
    let b = s.as_bytes();
    // The fixed part as an array: every index below is checked once, here. (Digits
    // read one by one through a closure and an iterator cost 500 instructions a
    // value, a tenth of reading an Entra row; this is about a fifth of that.)
    let h: &[u8; 20] = b.get(..20)?.try_into().ok()?;
    if b[b.len() - 1] != b'Z' || h[10] != b'T' || h[13] != b':' || h[16] != b':' {
        return None;
    }
    let d = |i: usize| h[i].wrapping_sub(b'0') as u32;
    let time = [d(11), d(12), d(14), d(15), d(17), d(18)];
    if time.iter().fold(0, |m, &x| m | (x > 9) as u32) != 0 {
        return None;
    }
    let slot = &mut cache.0[(d(8) * 10 + d(9)) as usize & 31];
    let days = if h[..10] == slot.0 && slot.1 != EMPTY_DAY {
        slot.1
    } else {
        let date = [d(0), d(1), d(2), d(3), d(5), d(6), d(8), d(9)];
        if h[4] != b'-' || h[7] != b'-' || date.iter().fold(0, |m, &x| m | (x > 9) as u32) != 0 {
            return None;
        }
        // make_ticks checks the date (the year's range, the month's days).
        let midnight = crate::value::make_ticks(crate::value::DateParts {
            year: (date[0] * 1000 + date[1] * 100 + date[2] * 10 + date[3]) as i64,
            month: date[4] * 10 + date[5],
            day: date[6] * 10 + date[7],
            hour: 0,
            minute: 0,
            second: 0,
            frac: 0,
        })?;
        slot.0.copy_from_slice(&h[..10]);
        slot.1 = midnight / TICKS_PER_DAY;
        slot.1
    };
    let (hour, minute, second) = (
        time[0] * 10 + time[1],
        time[2] * 10 + time[3],
        time[4] * 10 + time[5],
    );
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut frac = 0;
    match b.len() {
        20 => {}
        22..=28 if h[19] == b'.' => {
            let digits = &b[20..b.len() - 1];
            for &c in digits {
                let x = c.wrapping_sub(b'0') as u32;
                if x > 9 {
                    return None;
                }
                frac = frac * 10 + x;
            }
            frac *= 10u32.pow(7 - digits.len() as u32);
        }
        _ => return None,
    }
    Some(
        days * TICKS_PER_DAY
            + hour as i64 * TICKS_PER_HOUR
            + minute as i64 * TICKS_PER_MINUTE
            + second as i64 * TICKS_PER_SECOND
            + frac as i64,
    )
    .filter(|t| crate::value::in_datetime_range(*t))
}

/// The ticks of the portal's CSV export datetimes, `M/D/YYYY, h:mm:ss[.f] AM|PM` (the
/// hour 1 to 12; up to 7 fraction digits) and the 24-hour `M/D/YYYY, HH:mm:ss[.f]`,
/// read without the general parser (which [`parse_export_datetime`] runs twice for
/// these: as given, then rewritten, ~900 instructions a value); `None` for anything
/// else, which then goes there. The test `portal_fast_path_agrees_with_the_general_one`
/// checks they agree.
pub(crate) fn portal_utc(s: &str, cache: &mut DayCache) -> Option<i64> {
    use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
    let b = s.as_bytes();
    // Up to `max` digits (at least one) at `i`: their number, and `i` past them.
    fn number(b: &[u8], i: &mut usize, max: usize) -> Option<u32> {
        let start = *i;
        let mut n = 0u32;
        while let Some(x) = b
            .get(*i)
            .map(|c| c.wrapping_sub(b'0') as u32)
            .filter(|&x| x < 10)
        {
            if *i - start == max {
                return None;
            }
            n = n * 10 + x;
            *i += 1;
        }
        (*i > start).then_some(n)
    }
    let mut i = 0;
    let month = number(b, &mut i, 2)?;
    if b.get(i) != Some(&b'/') {
        return None;
    }
    i += 1;
    let day = number(b, &mut i, 2)?;
    if b.get(i) != Some(&b'/') {
        return None;
    }
    i += 1;
    let start = i;
    let year = number(b, &mut i, 4)?;
    if i - start != 4 {
        return None;
    }
    let date_end = i;
    if b.get(i..i + 2) != Some(b", ") {
        return None;
    }
    i += 2;
    let hour = number(b, &mut i, 2)?;
    let two = |i: &mut usize| -> Option<u32> {
        if b.get(*i) != Some(&b':') {
            return None;
        }
        let d = b.get(*i + 1..*i + 3)?;
        let (h, l) = (d[0].wrapping_sub(b'0'), d[1].wrapping_sub(b'0'));
        if h > 9 || l > 9 {
            return None;
        }
        *i += 3;
        Some(h as u32 * 10 + l as u32)
    };
    let minute = two(&mut i)?;
    let second = two(&mut i)?;
    let mut frac = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(x) = b
            .get(i)
            .map(|c| c.wrapping_sub(b'0') as u32)
            .filter(|&x| x < 10)
        {
            if i - start == 7 {
                return None;
            }
            frac = frac * 10 + x;
            i += 1;
        }
        if i == start {
            return None;
        }
        frac *= 10u32.pow(7 - (i - start) as u32);
    }
    let hour = match &b[i..] {
        b"" if hour < 24 => hour,
        b" AM" if (1..=12).contains(&hour) => hour % 12,
        b" PM" if (1..=12).contains(&hour) => hour % 12 + 12,
        _ => return None,
    };
    if minute > 59 || second > 59 {
        return None;
    }
    // The cache's key: the date as written, padded (no ISO date looks like it).
    let mut key = [0u8; 10];
    key[..date_end].copy_from_slice(&b[..date_end]);
    let slot = &mut cache.0[day as usize & 31];
    let days = if key == slot.0 && slot.1 != EMPTY_DAY {
        slot.1
    } else {
        // make_ticks checks the date (the year's range, the month's days).
        let midnight = crate::value::make_ticks(crate::value::DateParts {
            year: year as i64,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            frac: 0,
        })?;
        slot.0 = key;
        slot.1 = midnight / TICKS_PER_DAY;
        slot.1
    };
    Some(
        days * TICKS_PER_DAY
            + hour as i64 * TICKS_PER_HOUR
            + minute as i64 * TICKS_PER_MINUTE
            + second as i64 * TICKS_PER_SECOND
            + frac as i64,
    )
    .filter(|t| crate::value::in_datetime_range(*t))
}

thread_local! {
    /// The dates [`convert_str`] read on this thread (see [`DayCache`]).
    static DAYS: std::cell::RefCell<DayCache> = std::cell::RefCell::default();
}

/// Converts a JSON string to a column type, as [`convert`] does for `J::String(s)`,
/// without building the JSON value for the common types.
pub(crate) fn convert_str(s: &str, ty: Type) -> Option<Value> {
    match ty {
        Type::String => Some(Value::String(Arc::from(s))),
        Type::Dynamic => Some(dynamic_from_str(s)),
        _ if s.is_empty() => Some(Value::Null),
        // The shapes exporters write first, with this thread's dates (see `iso_utc`,
        // `portal_utc`): the general parser costs ten times as much a value.
        Type::DateTime => DAYS
            .try_with(|days| {
                let days = &mut days.borrow_mut();
                iso_utc(s, days).or_else(|| portal_utc(s, days))
            })
            .ok()
            .flatten()
            .or_else(|| parse_export_datetime(s))
            .map(Value::DateTime),
        Type::Guid => parse_guid(s).map(|g| Value::Guid(g.into())),
        // As `convert`'s `to_i64` and `to_f64` read a string, without copying it into a
        // JSON value (text formats write every number as a string).
        Type::Long => s.trim().parse().ok().map(Value::Long),
        Type::Int => i32::try_from(s.trim().parse::<i64>().ok()?)
            .ok()
            .map(Value::Int),
        Type::Real | Type::Decimal => {
            let f = match s.trim() {
                "NaN" => f64::NAN,
                "Infinity" | "+Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                t => t.parse().ok().filter(|f: &f64| f.is_finite())?,
            };
            Some(if ty == Type::Real {
                Value::Real(f)
            } else {
                Value::Decimal(f)
            })
        }
        _ => convert(&J::String(s.to_string()), ty),
    }
}

/// The value of a field missing from a row: `""` for strings, null otherwise.
pub(crate) fn missing_value(ty: Type) -> Value {
    if ty == Type::String {
        Value::empty_str()
    } else {
        Value::Null
    }
}

/// The type of a column with no schema, from its non-null values: all bools → bool; all
/// integers → long; all numbers → real; all ISO-8601 date strings → datetime; all strings
/// → string; anything else (objects, arrays, mixed kinds) → dynamic. A column with only
/// nulls is a string column.
fn infer_type<'a>(values: impl Iterator<Item = Option<&'a J>>) -> Type {
    let mut fold = TypeFold::default();
    for v in values.flatten() {
        fold.add(v);
        if fold.0 == Kind::Dyn {
            break;
        }
    }
    fold.ty()
}

/// The kind of a field's values as inference sees them: the one lattice every reader
/// (the full loader, the format readers, the fast reader's skim) folds values into.
#[derive(PartialEq, Eq, Clone, Copy, Debug, Default)]
pub(crate) enum Kind {
    #[default]
    None,
    Bool,
    Long,
    Real,
    Date,
    Str,
    Dyn,
}

/// [`infer_type`] one value at a time (the readers of other formats infer as they go,
/// and merge what several threads saw).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TypeFold(Kind);

impl TypeFold {
    /// The fold of values all of kind `k`.
    pub(crate) fn of(k: Kind) -> TypeFold {
        TypeFold(k)
    }

    /// The kind of the values folded so far.
    pub(crate) fn kind(self) -> Kind {
        self.0
    }

    pub(crate) fn add(&mut self, v: &J) {
        let k = match v {
            J::Null => return,
            J::Bool(_) => Kind::Bool,
            J::Number(n) if n.is_i64() => Kind::Long,
            J::Number(_) => Kind::Real,
            J::String(s) if looks_like_iso_datetime(s) => Kind::Date,
            J::String(_) => Kind::Str,
            J::Array(_) | J::Object(_) => Kind::Dyn,
        };
        self.join(TypeFold(k));
    }

    /// The fold of the values of `self` and then of `other`.
    pub(crate) fn join(&mut self, other: TypeFold) {
        self.0 = match (self.0, other.0) {
            (Kind::None, k) | (k, Kind::None) => k,
            (a, b) if a == b => a,
            (Kind::Long, Kind::Real) | (Kind::Real, Kind::Long) => Kind::Real,
            (Kind::Date, Kind::Str) | (Kind::Str, Kind::Date) => Kind::Str,
            _ => Kind::Dyn,
        };
    }

    pub(crate) fn ty(self) -> Type {
        match self.0 {
            Kind::None | Kind::Str => Type::String,
            Kind::Bool => Type::Bool,
            Kind::Long => Type::Long,
            Kind::Real => Type::Real,
            Kind::Date => Type::DateTime,
            Kind::Dyn => Type::Dynamic,
        }
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time, that parses.
pub(crate) fn looks_like_iso_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let date_shape = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || b[10] == b'T' || b[10] == b' ');
    date_shape && parse_datetime(s).is_some()
}

/// Converts one JSON value to a column type; `None` when it cannot.
///
/// Decisions: an empty string is null in every non-string column; numeric columns also
/// take numbers written as strings (`"42"`), since exported logs often quote them; a
/// long/int column takes a real only when it is a whole number; a string column takes
/// numbers and bools as their JSON text and arrays/objects as compact JSON; a dynamic
/// column takes any JSON as is, and a string holding a JSON object or array (exports
/// write dynamic values as JSON text) as that object or array; a datetime column takes
/// every form [`parse_export_datetime`] reads.
///
/// Every reader converts through here (or [`convert_str`]), so a value means the same
/// in every format. What a value that does not convert becomes is the caller's choice:
/// null and a warning, or an error with `--strict` (see [`crate::warnings`]).
pub(crate) fn convert(j: &J, ty: Type) -> Option<Value> {
    if j.is_null() {
        return Some(missing_value(ty));
    }
    if ty != Type::String && ty != Type::Dynamic && j.as_str() == Some("") {
        return Some(Value::Null);
    }
    Some(match ty {
        Type::String => match j {
            J::String(s) => Value::String(Arc::from(s.as_str())),
            other => Value::String(Arc::from(other.to_string().as_str())),
        },
        Type::Dynamic | Type::Unknown => match j {
            J::String(s) => dynamic_from_str(s),
            other => from_json(other),
        },
        Type::Bool => match j {
            J::Bool(b) => Value::Bool(*b),
            J::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            J::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            J::Number(n) => match n.as_i64()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return None,
            },
            _ => return None,
        },
        Type::Long => Value::Long(to_i64(j)?),
        Type::Int => Value::Int(i32::try_from(to_i64(j)?).ok()?),
        Type::Real => Value::Real(to_f64(j)?),
        Type::Decimal => Value::Decimal(to_f64(j)?),
        Type::DateTime => Value::DateTime(parse_export_datetime(j.as_str()?)?),
        Type::TimeSpan => Value::TimeSpan(parse_timespan(j.as_str()?)?),
        Type::Guid => Value::Guid(parse_guid(j.as_str()?)?.into()),
    })
}

/// A string for a dynamic column: the JSON object or array it holds, else the string.
pub(crate) fn dynamic_from_str(s: &str) -> Value {
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(j) = serde_json::from_str::<J>(s) {
            return from_json(&j);
        }
    }
    Value::String(Arc::from(s))
}

/// A datetime as exports write it: every form KQL's `datetime()` reads (ISO 8601, RFC
/// 822/850, US `MM/DD/YYYY hh:mm:ss`), and the Log Analytics portal's CSV form with a
/// comma after the date, which the portal writes in the browser's locale:
/// `10/25/2023, 9:43:21.994 AM` or `07/07/2026, 22:15:37.699` (month first, English),
/// `2023-07-06, 12:58:42.533 a.m.` (ISO date, Spanish `a.m.`/`p.m.`, as in Azure-Sentinel's
/// `Sample Data/Syslog/Tomcat.csv`); the no-break spaces newer browsers put before `AM`
/// are spaces. Day-first dates (`25/10/2023`) cannot be told from month-first and are
/// not read as such.
pub(crate) fn parse_export_datetime(s: &str) -> Option<i64> {
    parse_datetime(s).or_else(|| {
        let (date, time) = s.trim().split_once(", ")?;
        if date.is_empty()
            || !date
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'/' || b == b'-')
        {
            return None;
        }
        parse_datetime(&format!("{date} {}", portal_clock(time)))
    })
}

/// The portal's time of day in the forms `parse_datetime` reads: `a.m.`/`p.m.` (any
/// case, `a. m.` too) as `AM`/`PM`, no-break spaces (U+00A0, U+202F) as spaces.
fn portal_clock(time: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if time.contains(['\u{a0}', '\u{202f}']) {
        let spaced = time.replace(['\u{a0}', '\u{202f}'], " ");
        return Cow::Owned(portal_clock(&spaced).into_owned());
    }
    // No allocation for the usual `AM`/`PM` and 24-hour forms: this runs for every value
    // of a portal export's datetime columns.
    for (suffix, meridiem) in [
        ("a.m.", "AM"),
        ("p.m.", "PM"),
        ("a. m.", "AM"),
        ("p. m.", "PM"),
    ] {
        let cut = time.len().wrapping_sub(suffix.len());
        if time.len() >= suffix.len()
            && time.is_char_boundary(cut)
            && time[cut..].eq_ignore_ascii_case(suffix)
        {
            return Cow::Owned(format!("{}{meridiem}", &time[..cut]));
        }
    }
    Cow::Borrowed(time)
}

fn to_i64(j: &J) -> Option<i64> {
    match j {
        J::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
        }),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn to_f64(j: &J) -> Option<f64> {
    match j {
        J::Number(n) => n.as_f64(),
        J::String(s) => match s.trim() {
            "NaN" => Some(f64::NAN),
            "Infinity" | "+Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            t => t.parse().ok().filter(|f: &f64| f.is_finite()),
        },
        _ => None,
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::io::schema::builtin_schema_for;
    use crate::table::CatalogEntry;

    #[test]
    fn iso_fast_path_agrees_with_parse_datetime() {
        let mut cases: Vec<String> = [
            "\0\0\0\0\0\0\0\0\0\0T12:00:00Z",
            "2026-05-18T12:00:00Z",
            "2026-05-18T12:00:00.5Z",
            "2026-05-18T12:00:00.1234567Z",
            "2026-05-18T12:00:00.12345678Z",
            "2024-02-29T23:59:59.999999Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-18T24:00:00Z",
            "2026-05-18T12:60:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z",
            "2026-05-18 12:00:00Z",
            "2026-05-18T12:00:00",
            "2026-05-18T12:00:00.Z",
            "2026-05-18T12:00:00+01:00",
            "+026-05-18T12:00:00Z",
            "2026-05-18T1a:00:00Z",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 12345;
        for _ in 0..2000 {
            crate::io::bytes::xorshift(&mut x);
            let digits = (x % 8) as usize;
            let frac = made_digits(x, digits);
            cases.push(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{}Z",
                1 + x % 9999,
                x % 14,
                (x >> 8) % 33,
                (x >> 16) % 25,
                (x >> 24) % 61,
                (x >> 32) % 61,
                if digits > 0 { "." } else { "" },
                frac
            ));
        }
        // One cache through all the cases (dates repeat now and then), and none.
        let mut cache = DayCache::default();
        for (k, s) in cases.iter().enumerate() {
            let s = if k % 3 == 0 && k > 0 {
                // The date of the case before, the time of this one.
                format!(
                    "{}{}",
                    &cases[k - 1][..10.min(cases[k - 1].len())],
                    s.get(10..).unwrap_or("")
                )
            } else {
                s.clone()
            };
            let cached = iso_utc(&s, &mut cache);
            assert_eq!(cached, iso_utc(&s, &mut DayCache::default()), "{s}");
            if let Some(t) = cached {
                assert_eq!(Some(t), crate::value::parse_datetime(&s), "{s}");
            }
            // convert_str reads by it first: the same value as the general parser.
            assert_eq!(
                convert_str(&s, Type::DateTime),
                match parse_export_datetime(&s) {
                    Some(t) => Some(Value::DateTime(t)),
                    None if s.is_empty() => Some(Value::Null),
                    None => None,
                },
                "{s}"
            );
        }
        assert!(iso_utc("2026-05-18T12:00:00.5Z", &mut cache).is_some());
    }

    /// `n` digits made from the bits of `x`.
    fn made_digits(x: u64, n: usize) -> String {
        (0..n)
            .map(|i| char::from(b'0' + ((x >> i) % 10) as u8))
            .collect()
    }

    #[test]
    fn portal_fast_path_agrees_with_the_general_one() {
        let mut cases: Vec<String> = [
            "4/22/2026, 11:39:17.268 AM",
            "04/08/2024, 2:07:03.477 PM",
            "07/07/2026, 22:15:37.699",
            "10/25/2023, 9:43:21.994 AM",
            "1/1/2026, 12:00:00 AM",
            "1/1/2026, 12:00:00 PM",
            "1/1/2026, 0:00:00 AM",
            "1/1/2026, 13:00:00 PM",
            "1/1/2026, 24:00:00",
            "2/29/2023, 1:00:00 AM",
            "2/29/2024, 1:00:00.1234567 AM",
            "2/29/2024, 1:00:00.12345678 AM",
            "2/29/2024, 1:00:00. AM",
            "13/1/2026, 1:00:00 AM",
            "1/1/26, 1:00:00 AM",
            "1/1/2026 1:00:00 AM",
            "1/1/2026, 1:0:00 AM",
            "1/1/2026, 1:00:00 am",
            "1/1/2026, 1:00:00 a.m.",
            "1/1/2026, 1:00:00\u{a0}AM",
            "001/1/2026, 1:00:00 AM",
            "1/1/2026, 1:00:00 AMX",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 987654321;
        for _ in 0..3000 {
            crate::io::bytes::xorshift(&mut x);
            let digits = (x % 9) as usize;
            let frac = made_digits(x, digits);
            let meridiem = ["", " AM", " PM"][((x >> 40) % 3) as usize];
            cases.push(format!(
                "{}/{}/{:04}, {}:{:02}:{:02}{}{}{meridiem}",
                x % 14,
                (x >> 8) % 33,
                1 + (x >> 12) % 9999,
                (x >> 16) % 25,
                (x >> 24) % 61,
                (x >> 32) % 61,
                if digits > 0 { "." } else { "" },
                frac
            ));
        }
        let mut cache = DayCache::default();
        let mut fast = 0;
        for s in &cases {
            let cached = portal_utc(s, &mut cache);
            assert_eq!(cached, portal_utc(s, &mut DayCache::default()), "{s}");
            if let Some(t) = cached {
                fast += 1;
                assert_eq!(Some(t), parse_export_datetime(s), "{s}");
            }
            assert_eq!(
                convert_str(s, Type::DateTime),
                parse_export_datetime(s).map(Value::DateTime),
                "{s}"
            );
        }
        // Most of the made cases are the portal's forms, read by the fast path.
        assert!(fast > cases.len() / 3, "{fast} of {}", cases.len());
    }

    fn schema(cols: &[(&str, Type)]) -> Schema {
        Schema {
            name: "T".into(),
            columns: cols.iter().map(|(n, t)| Column::new(*n, *t)).collect(),
        }
    }

    fn types(t: &Table) -> Vec<(String, Type)> {
        t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect()
    }

    /// (query, tables the folder has, the ones it reads): wildcards and the operators
    /// that read tables they need not name read those too.
    #[test]
    fn a_query_reads_the_tables_it_names_or_matches() {
        let tables = [
            "DeviceEvents",
            "DeviceNetworkEvents",
            "SigninLogs",
            "AuditLogs",
        ];
        let cases: &[(&str, &[&str])] = &[
            ("SigninLogs | take 1", &["SigninLogs"]),
            (
                "union Device* | count",
                &["DeviceEvents", "DeviceNetworkEvents"],
            ),
            ("union withsource=T isfuzzy=true * | count", &tables),
            ("union *", &tables),
            ("union withsource=MDTables* | count", &tables),
            ("search \"x\"", &tables),
            ("SigninLogs | search \"x\"", &tables),
            ("search in (AuditLogs) \"x\"", &["AuditLogs"]),
            ("find where x == 1", &tables),
            (
                "SigninLogs | extend y = x * 2 | summarize arg_max(y, *)",
                &["SigninLogs"],
            ),
            ("SigninLogs | where Researcher == 1", &["SigninLogs"]),
        ];
        for (query, want) in cases {
            let reads = mentioned_in(query);
            let got: Vec<&str> = tables.iter().copied().filter(|t| reads(t)).collect();
            assert_eq!(&got, want, "{query}");
        }
    }

    #[test]
    fn inference_picks_one_type_per_column() {
        let cases: &[(&str, Type)] = &[
            (r#"[{"a": 1}, {"a": -2}]"#, Type::Long),
            (r#"[{"a": 1}, {"a": 2.5}]"#, Type::Real),
            (r#"[{"a": true}, {"a": null}]"#, Type::Bool),
            (r#"[{"a": "2026-05-18T12:00:00Z"}, {}]"#, Type::DateTime),
            (r#"[{"a": "2026-05-18"}]"#, Type::DateTime),
            (
                r#"[{"a": "2026-05-18T12:00:00Z"}, {"a": "x"}]"#,
                Type::String,
            ),
            (r#"[{"a": "0"}]"#, Type::String),
            (r#"[{"a": "2026-99-99"}]"#, Type::String),
            (r#"[{"a": [1]}]"#, Type::Dynamic),
            (r#"[{"a": {"k": 1}}]"#, Type::Dynamic),
            (r#"[{"a": 1}, {"a": "1"}]"#, Type::Dynamic),
            (r#"[{"a": null}]"#, Type::String),
        ];
        for (text, ty) in cases {
            let t = load_table_text(text, "t.json", None).unwrap();
            assert_eq!(t.columns[0].ty, *ty, "{text}");
        }
    }

    #[test]
    fn schema_orders_columns_and_extra_fields_follow() {
        let s = schema(&[
            ("b", Type::Long),
            ("a", Type::String),
            ("z", Type::DateTime),
        ]);
        let t =
            load_table_text(r#"[{"a": "x", "extra": 1.5, "b": 2}]"#, "t.json", Some(&s)).unwrap();
        assert_eq!(
            types(&t),
            vec![
                ("b".into(), Type::Long),
                ("a".into(), Type::String),
                ("z".into(), Type::DateTime),
                ("extra".into(), Type::Real),
            ]
        );
        let row = &t.rows[0];
        assert!(matches!(row[0], Value::Long(2)));
        assert_eq!(row[1].as_str(), Some("x"));
        assert!(row[2].is_null());
        assert!(matches!(row[3], Value::Real(f) if f == 1.5));
    }

    #[test]
    fn convert_str_agrees_with_convert_of_a_json_string() {
        let texts = [
            "",
            " ",
            "0",
            "-1",
            " 42 ",
            "+7",
            "2147483648",
            "-2147483649",
            "9223372036854775808",
            "1.5",
            "-0.0",
            "1e3",
            "NaN",
            "Infinity",
            "+Infinity",
            "-Infinity",
            " NaN",
            "1e999",
            "true",
            "False",
            "x",
            "0x10",
            "12a",
            "2026-05-18T12:00:00Z",
            "{\"a\":1}",
            "[1]",
            "6f1c2a9e-7b3d-4e05-8c6a-1d2e3f405162",
            "1.00:00:00",
            "None",
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
        for t in texts {
            for ty in types {
                let want = convert(&J::String(t.to_string()), ty);
                let got = convert_str(t, ty);
                // NaN is not equal to itself: compare how they print.
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{t:?} as {ty:?}");
            }
        }
    }

    #[test]
    fn values_convert_to_the_column_type() {
        // (column type, JSON value, expected tostring of the cell, or None for null)
        let cases: &[(Type, &str, Option<&str>)] = &[
            (Type::String, r#""x""#, Some("x")),
            (Type::String, "0", Some("0")),
            (Type::String, "true", Some("true")),
            (Type::String, r#"{"k":1}"#, Some(r#"{"k":1}"#)),
            (Type::String, "null", Some("")),
            (Type::Long, "42", Some("42")),
            (Type::Long, r#""42""#, Some("42")),
            (Type::Long, "3.0", Some("3")),
            (Type::Long, r#""""#, None),
            (Type::Int, "7", Some("7")),
            (Type::Real, "1.5", Some("1.5")),
            (Type::Real, r#""NaN""#, Some("NaN")),
            (Type::Real, "2", Some("2")),
            (Type::Bool, "true", Some("true")),
            (Type::Bool, r#""False""#, Some("false")),
            (Type::Bool, "1", Some("true")),
            (
                Type::DateTime,
                r#""2026-05-18T12:00:00Z""#,
                Some("2026-05-18T12:00:00Z"),
            ),
            (
                Type::DateTime,
                r#""2026-05-18T12:00:00.5Z""#,
                Some("2026-05-18T12:00:00.5Z"),
            ),
            (Type::TimeSpan, r#""1.02:03:04""#, Some("1.02:03:04")),
            (
                Type::Guid,
                r#""74be27de-1e4e-49d9-b579-fe0b331d3642""#,
                Some("74be27de-1e4e-49d9-b579-fe0b331d3642"),
            ),
            (Type::Dynamic, r#""s""#, Some("s")),
            (Type::Dynamic, "[1,\"a\"]", Some(r#"[1,"a"]"#)),
            (Type::Dynamic, "null", None),
        ];
        for (ty, json, want) in cases {
            let s = schema(&[("c", *ty)]);
            let text = format!("[{{\"c\": {json}}}]");
            let t = load_table_text(&text, "t.json", Some(&s))
                .unwrap_or_else(|e| panic!("{ty} {json}: {}", e.message));
            let v = &t.rows[0][0];
            match want {
                None => assert!(v.is_null(), "{ty} {json}: {v:?}"),
                Some(w) => {
                    assert!(!v.is_null(), "{ty} {json}");
                    let got = match v {
                        Value::DateTime(t) => crate::value::format_datetime_iso(*t),
                        _ => crate::value::to_kql_string(v),
                    };
                    assert_eq!(got, *w, "{ty} {json}");
                }
            }
        }
    }

    #[test]
    fn bad_values_name_file_line_and_column() {
        // (file text, schema, message part, line)
        let cases: &[(&str, &str, Type, &str, usize)] = &[
            (
                "[\n{\"c\": 1},\n{\"c\": \"x\"}\n]",
                "t.json",
                Type::Long,
                "column `c`: cannot read \"x\" as long",
                3,
            ),
            (
                "[{\"c\": 1},\n\n  {\"c\": 1.5}]",
                "t.json",
                Type::Long,
                "cannot read 1.5 as long",
                3,
            ),
            (
                "{\"c\": \"2026-05-18\"}\n{\"c\": \"soon\"}\n",
                "t.jsonl",
                Type::DateTime,
                "as datetime",
                2,
            ),
            (
                "{\"c\": 1}\n\n{\"c\": 3000000000}\n",
                "t.ndjson",
                Type::Int,
                "as int",
                3,
            ),
            (
                "{\"c\": 1}\n{\"c\": \n",
                "t.jsonl",
                Type::Long,
                "invalid JSON",
                2,
            ),
            (
                "[{\"c\": 1},\n 5]",
                "t.json",
                Type::Long,
                "found a number",
                2,
            ),
            (
                "[{\"c\": 1}\n {\"c\": 2}]",
                "t.json",
                Type::Long,
                "expected `,` or `]`",
                2,
            ),
            (
                "{\"c\": 1}",
                "t.json",
                Type::Long,
                "expected a JSON array",
                1,
            ),
            (
                "[{\"c\": 1},\n{\"c\": tru}]",
                "t.json",
                Type::Long,
                "invalid JSON",
                2,
            ),
            ("[{\"c\": 1}] x", "t.json", Type::Long, "after the array", 1),
            ("[\"a\"]", "t.json", Type::String, "found a string", 1),
            (
                "[{\"c\": true}]",
                "t.json",
                Type::TimeSpan,
                "as timespan",
                1,
            ),
        ];
        for (text, path, ty, msg, line) in cases {
            let s = schema(&[("c", *ty)]);
            let e = load_table_text(text, path, Some(&s)).unwrap_err();
            assert!(e.message.contains(msg), "{text:?}: {}", e.message);
            assert_eq!(
                e.location,
                Location::File {
                    path: path.to_string(),
                    line: *line
                },
                "{text:?}: {}",
                e.message
            );
        }
    }

    #[test]
    fn brackets_and_escapes_inside_strings_do_not_confuse_the_row_splitter() {
        let text = concat!(
            "[\n",
            r#"{"s": "a]}\"{[", "k\u0041": "x", "d": {"n": [1, "]"]}},"#,
            "\n",
            r#"{"s": "\\", "kA": "y"}"#,
            "\n]"
        );
        let t = load_table_text(text, "t.json", None).unwrap();
        assert_eq!(
            types(&t),
            vec![
                ("s".into(), Type::String),
                ("kA".into(), Type::String),
                ("d".into(), Type::Dynamic),
            ]
        );
        assert_eq!(t.rows[0][0].as_str(), Some("a]}\"{["));
        assert_eq!(t.rows[1][0].as_str(), Some("\\"));
        assert_eq!(t.rows[1][1].as_str(), Some("y"));
        assert_eq!(
            crate::value::to_kql_string(&t.rows[0][2]),
            r#"{"n":[1,"]"]}"#
        );
        // The same with a schema, where strings are converted as they are read.
        let s = schema(&[
            ("s", Type::String),
            ("d", Type::Dynamic),
            ("kA", Type::String),
        ]);
        let t = load_table_text(text, "t.json", Some(&s)).unwrap();
        assert_eq!(t.rows[0][0].as_str(), Some("a]}\"{["));
        assert_eq!(t.rows[0][2].as_str(), Some("x"));
        assert!(matches!(&t.rows[0][1], Value::Bag(_)));
        let e = load_table_text("[{\"s\": \"a\n", "t.json", None).unwrap_err();
        assert!(e.message.contains("invalid JSON"), "{}", e.message);
    }

    /// Every truncation and many byte mutations of a valid file load or fail with a data
    /// error; none panics, with or without a schema.
    #[test]
    fn mangled_files_never_panic() {
        let base = concat!(
            "[\n",
            r#"{"TimeGenerated": "2026-05-18T11:00:00Z", "UserPrincipalName": "a@b.c", "ResultType": "0", "D": {"k": [1, "x"]}, "N": 1.5},"#,
            "\n",
            r#"{"TimeGenerated": "2026-05-18T11:20:00.5Z", "UserPrincipalName": "d\"e", "ResultType": 50126, "IsInteractive": true},"#,
            "\n]\n"
        );
        let aad = crate::io::schema::builtin_schema("AADNonInteractiveUserSignInLogs");
        let bytes = base.as_bytes();
        let specials = b"[]{}\",:\\0a \n-.eE";
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<Vec<u8>> = (0..bytes.len()).map(|n| bytes[..n].to_vec()).collect();
        for _ in 0..3000 {
            let mut m = bytes.to_vec();
            let at = (next() % m.len() as u64) as usize;
            let with = specials[(next() % specials.len() as u64) as usize];
            match next() % 3 {
                0 => m[at] = with,
                1 => m.insert(at, with),
                _ => {
                    m.remove(at);
                }
            }
            cases.push(m);
        }
        for case in cases {
            let Ok(text) = String::from_utf8(case) else {
                continue;
            };
            for path in ["t.json", "t.jsonl"] {
                for schema in [None, aad] {
                    if let Err(e) = load_table_text(&text, path, schema) {
                        assert_eq!(e.kind, crate::error::ErrorKind::Data, "{text}");
                        assert!(matches!(e.location, Location::File { line, .. } if line >= 1));
                    }
                }
            }
        }
    }

    #[test]
    fn parallel_parse_equals_one_pass() {
        // Extra fields appear first in different chunks; one row is malformed at the end.
        let n = PARALLEL_MIN_ROWS * 2 + 7;
        let mut text = String::from("[\n");
        for i in 0..n {
            let extra = match i {
                5 => r#", "early": 1"#.to_string(),
                i if i == n - 3 => r#", "late": "x", "early": 2.5"#.to_string(),
                i if i % 1000 == 0 => format!(r#", "sometimes": {i}"#),
                _ => String::new(),
            };
            let sep = if i + 1 < n { "," } else { "" };
            text.push_str(&format!(
                "{{\"UserPrincipalName\": \"u{}\", \"ResultType\": \"0\"{extra}}}{sep}\n",
                i % 50
            ));
        }
        text.push(']');
        let aad = crate::io::schema::builtin_schema("AADNonInteractiveUserSignInLogs");
        for schema in [None, aad] {
            let all = read_array(&text, "t.json").unwrap();
            let one = build(&all, schema, "t.json").unwrap().finish().unwrap();
            let par = load_table_text(&text, "t.json", schema).unwrap();
            assert_eq!(one.columns, par.columns);
            assert_eq!(
                types(&par).last().unwrap(),
                &("late".to_string(), Type::String)
            );
            assert_eq!(one.rows.len(), n);
            for (a, b) in one.rows.iter().zip(&par.rows) {
                let a: Vec<String> = a.iter().map(crate::value::to_kql_string).collect();
                let b: Vec<String> = b.iter().map(crate::value::to_kql_string).collect();
                assert_eq!(a, b);
            }
        }
        // The first bad row in file order is reported, whichever chunk it is in.
        let bad = text.replacen(
            "\"ResultType\": \"0\"}",
            "\"ResultType\": \"0\", \"early\": [}",
            2,
        );
        let e = load_table_text(&bad, "t.json", None).unwrap_err();
        assert!(e.message.contains("invalid JSON"), "{}", e.message);
    }

    #[test]
    fn missing_fields_are_null_or_empty_string() {
        let t = load_table_text("{\"a\": \"x\", \"n\": 1}\n{}\n", "t.jsonl", None).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1][0].as_str(), Some(""));
        assert!(t.rows[1][1].is_null());
        for (text, path) in [
            ("\u{feff}[{\"a\": 1}]", "t.json"),
            ("\u{feff}{\"a\": 1}\n", "t.jsonl"),
        ] {
            let t = load_table_text(text, path, None).unwrap();
            assert_eq!(t.rows.len(), 1, "{path}");
        }
        let t = load_table_text("[]", "t.json", None).unwrap();
        assert!(t.columns.is_empty() && t.rows.is_empty());
    }

    #[test]
    fn a_folder_becomes_a_catalog() {
        let dir = std::env::temp_dir().join(format!("kql-io-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        w("Events.jsonl", "{\"n\": \"7\"}\n");
        w(
            "Events.schema.json",
            r#"{"name": "Events", "columns": [{"name": "n", "type": "long"}]}"#,
        );
        w(
            "EntraIdSignInEvents.json",
            r#"[{"ErrorCode": 0, "Mine": 1}]"#,
        );
        w(
            "Empty.schema.json",
            r#"{"name": "Empty", "columns": [{"name": "x", "type": "int"}]}"#,
        );
        w("notes.txt", "ignored");
        let cat = load_dir(&dir, &[]).unwrap();
        let mut names: Vec<&str> = cat.names().collect();
        names.sort();
        assert_eq!(names, ["Empty", "EntraIdSignInEvents", "Events"]);
        let cols = cat.get("Events").unwrap().columns().unwrap();
        assert_eq!(cols, [Column::new("n", Type::Long)]);
        // The built-in schema applies; a field it lacks comes last.
        let builtin = builtin_schema_for("EntraIdSignInEvents", Product::Sentinel).unwrap();
        let cols = cat.get("EntraIdSignInEvents").unwrap().columns().unwrap();
        assert_eq!(cols.len(), builtin.columns.len() + 1);
        assert_eq!(cols.last().unwrap(), &Column::new("Mine", Type::Long));
        assert!(cols.contains(&Column::new("ErrorCode", Type::Int)));
        // --schema wins over the folder's schema file.
        let user = schema(&[("n", Type::String)]);
        let user = Schema {
            name: "Events".into(),
            ..user
        };
        let cat = load_dir(&dir, &[user]).unwrap();
        assert_eq!(
            cat.get("Events").unwrap().columns().unwrap(),
            [Column::new("n", Type::String)]
        );
        // Only wanted tables are read; the others are listed by schema.
        w("Broken.json", "{\"not\": \"a table\"");
        let cat = load_dir_for(
            &dir,
            &[],
            &mentioned_in("Events | take 1"),
            Product::Sentinel,
        )
        .unwrap();
        assert!(cat.get("Events").unwrap().in_memory().is_some());
        assert!(matches!(
            cat.get("EntraIdSignInEvents"),
            Some(CatalogEntry::Schema(c)) if c.len() == builtin.columns.len()
        ));
        assert!(matches!(cat.get("Broken"), Some(CatalogEntry::Schema(c)) if c.is_empty()));
        assert!(load_dir(&dir, &[]).is_err());
        std::fs::remove_file(dir.join("Broken.json")).unwrap();
        // Several files make one table, read in name order.
        w("Events.json", "[{\"n\": 5}]");
        let cat = load_dir(&dir, &[]).unwrap();
        let t = cat.get("Events").unwrap().in_memory().unwrap();
        let n: Vec<String> = t
            .rows
            .iter()
            .map(|r| crate::value::to_kql_string(&r[0]))
            .collect();
        assert_eq!(n, ["5", "7"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
