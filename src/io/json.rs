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
//! [`load_table_file`], so that it can be made faster without touching callers.

use super::schema::{builtin_schema, io_error, load_schema_file, Schema};
use crate::error::{Error, Result};
use crate::table::{Catalog, Column, Table};
use crate::types::Type;
use crate::value::{from_json, parse_datetime, parse_guid, parse_timespan, Value};
use indexmap::IndexMap;
use serde_json::{Map, Value as J};
use std::path::Path;
use std::sync::Arc;

/// One object of a data file and the 1-based line where it starts.
type Record = (usize, Map<String, J>);

/// Loads every table file of `dir` into a catalog. `user_schemas` (from `--schema`) win
/// over `<Table>.schema.json` files in `dir`, which win over built-in schemas. A user
/// schema without a data file gives an empty table (the table exists but has no rows).
pub fn load_dir(dir: &Path, user_schemas: &[Schema]) -> Result<Catalog> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(&shown, &e))?;
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for entry in entries {
        files.push(entry.map_err(|e| io_error(&shown, &e))?.path());
    }
    files.sort();

    // Table name → data file; schema files found beside them.
    let mut data: IndexMap<String, std::path::PathBuf> = IndexMap::new();
    let mut dir_schemas: IndexMap<String, Schema> = IndexMap::new();
    for path in &files {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(table) = name.strip_suffix(".schema.json") {
            let s = load_schema_file(path)?;
            if s.name != table {
                return Err(Error::data(
                    format!("schema file for table `{table}` names table `{}`", s.name),
                    path.display().to_string(),
                    1,
                ));
            }
            dir_schemas.insert(table.to_string(), s);
        } else if let Some(table) = [".json", ".jsonl", ".ndjson"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext))
        {
            if let Some(other) = data.insert(table.to_string(), path.clone()) {
                return Err(Error::new(
                    crate::error::ErrorKind::Data,
                    format!(
                        "table `{table}` has two data files: {} and {}",
                        other.display(),
                        path.display()
                    ),
                ));
            }
        }
    }

    let mut catalog = Catalog::new();
    for (table, path) in &data {
        let schema = user_schemas
            .iter()
            .find(|s| &s.name == table)
            .or_else(|| dir_schemas.get(table))
            .or_else(|| builtin_schema(table));
        catalog.add_table(table.clone(), load_table_file(path, schema)?);
    }
    for s in user_schemas.iter().chain(dir_schemas.values()) {
        if catalog.get(&s.name).is_none() {
            catalog.add_table(s.name.clone(), Table::new(s.columns.clone(), Vec::new()));
        }
    }
    Ok(catalog)
}

/// Loads one data file (`.json`, `.jsonl` or `.ndjson`) with an optional schema.
pub fn load_table_file(path: &Path, schema: Option<&Schema>) -> Result<Table> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| io_error(&shown, &e))?;
    let lines_format = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    );
    let records = if lines_format {
        read_lines(&text, &shown)?
    } else {
        read_array(&text, &shown)?
    };
    build_table(&records, schema, &shown)
}

/// Loads a table from JSON text as if it were the file `path` (tests and tools).
pub fn load_table_text(text: &str, path: &str, schema: Option<&Schema>) -> Result<Table> {
    let records = if path.ends_with(".jsonl") || path.ends_with(".ndjson") {
        read_lines(text, path)?
    } else {
        read_array(text, path)?
    };
    build_table(&records, schema, path)
}

fn read_lines(text: &str, path: &str) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: J = serde_json::from_str(line)
            .map_err(|e| Error::data(format!("invalid JSON: {e}"), path, line_no))?;
        out.push((line_no, into_object(v, path, line_no)?));
    }
    Ok(out)
}

/// Reads a top-level JSON array element by element, so that each row knows its line.
fn read_array(text: &str, path: &str) -> Result<Vec<Record>> {
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
    if pos < bytes.len() && bytes[pos] == 0xEF {
        // A UTF-8 byte order mark.
        pos += 3;
        skip_ws(&mut pos, &mut line);
    }
    if bytes.get(pos) != Some(&b'[') {
        return Err(Error::data(
            "expected a JSON array of objects (`[{...}, ...]`); use .jsonl for one object per line",
            path,
            line,
        ));
    }
    pos += 1;
    let mut out = Vec::new();
    skip_ws(&mut pos, &mut line);
    if bytes.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            skip_ws(&mut pos, &mut line);
            let start_line = line;
            let mut stream = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<J>();
            let v = match stream.next() {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    return Err(Error::data(
                        format!("invalid JSON: {e}"),
                        path,
                        start_line + e.line() - 1,
                    ))
                }
                None => return Err(Error::data("unexpected end of file", path, line)),
            };
            let end = pos + stream.byte_offset();
            line += text[pos..end].matches('\n').count();
            pos = end;
            out.push((start_line, into_object(v, path, start_line)?));
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

fn build_table(records: &[Record], schema: Option<&Schema>, path: &str) -> Result<Table> {
    let mut columns: Vec<Column> = schema.map(|s| s.columns.clone()).unwrap_or_default();
    let mut index: IndexMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), i))
        .collect();
    // Fields the schema does not list, in order of first appearance, typed by inference.
    let known = columns.len();
    for (_, obj) in records {
        for key in obj.keys() {
            if !index.contains_key(key) {
                index.insert(key.clone(), columns.len());
                columns.push(Column::new(key.clone(), Type::Dynamic));
            }
        }
    }
    for col in &mut columns[known..] {
        col.ty = infer_type(records.iter().map(|(_, o)| o.get(&col.name)));
    }

    let nulls: Vec<Value> = columns.iter().map(|c| missing_value(c.ty)).collect();
    let mut rows = Vec::with_capacity(records.len());
    for (line, obj) in records {
        let mut row = nulls.clone();
        for (key, j) in obj {
            let i = index[key.as_str()];
            row[i] = convert(j, columns[i].ty).ok_or_else(|| {
                Error::data(
                    format!(
                        "column `{key}`: cannot read {} as {}",
                        shorten(&j.to_string()),
                        columns[i].ty
                    ),
                    path,
                    *line,
                )
            })?;
        }
        rows.push(row);
    }
    Ok(Table::new(columns, rows))
}

/// The value of a field missing from a row: `""` for strings, null otherwise.
fn missing_value(ty: Type) -> Value {
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
    #[derive(PartialEq, Clone, Copy)]
    enum K {
        None,
        Bool,
        Long,
        Real,
        Date,
        Str,
        Dyn,
    }
    let mut kind = K::None;
    for v in values.flatten() {
        let k = match v {
            J::Null => continue,
            J::Bool(_) => K::Bool,
            J::Number(n) if n.is_i64() => K::Long,
            J::Number(_) => K::Real,
            J::String(s) if looks_like_iso_datetime(s) => K::Date,
            J::String(_) => K::Str,
            J::Array(_) | J::Object(_) => K::Dyn,
        };
        kind = match (kind, k) {
            (K::None, k) => k,
            (a, b) if a == b => a,
            (K::Long, K::Real) | (K::Real, K::Long) => K::Real,
            (K::Date, K::Str) | (K::Str, K::Date) => K::Str,
            _ => K::Dyn,
        };
        if kind == K::Dyn {
            break;
        }
    }
    match kind {
        K::None | K::Str => Type::String,
        K::Bool => Type::Bool,
        K::Long => Type::Long,
        K::Real => Type::Real,
        K::Date => Type::DateTime,
        K::Dyn => Type::Dynamic,
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time, that parses.
fn looks_like_iso_datetime(s: &str) -> bool {
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
/// column takes any JSON as is (strings stay strings).
fn convert(j: &J, ty: Type) -> Option<Value> {
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
        Type::Dynamic => from_json(j),
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
        Type::DateTime => Value::DateTime(parse_datetime(j.as_str()?)?),
        Type::TimeSpan => Value::TimeSpan(parse_timespan(j.as_str()?)?),
        Type::Guid => Value::Guid(parse_guid(j.as_str()?)?),
    })
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
