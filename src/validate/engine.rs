//! Every call validate makes into the rest of the crate (parser, binder,
//! executor, file I/O, value conversions) goes through this module, so that the
//! validation code does not depend on where those live.
//!
//! Some entries are stop-gaps written before the owning modules landed; each
//! says so and is replaced by a call once that module is merged.

use crate::ast::Query;
use crate::error::{Error, ErrorKind, Result};
use crate::table::{Catalog, Column, Table};
use crate::types::Type;
use crate::value::{Value, TICKS_PER_SECOND, UNIX_EPOCH_TICKS};
use serde_json::Value as Json;
use std::path::Path;

pub fn parse(text: &str) -> Result<Query> {
    crate::syntax::parse(text)
}

/// Binds `query` against `catalog` (schemas only) without running it.
pub fn bind_check(query: &Query, catalog: &Catalog) -> Result<()> {
    // Stop-gap until the binder lands: parsing is the only check.
    let _ = (query, catalog);
    Ok(())
}

pub fn run(text: &str, catalog: &Catalog, now: i64) -> Result<Vec<Table>> {
    crate::exec::run_query(text, catalog, now)
}

/// The clock given as `--now` or `"now"`: an ISO 8601 datetime.
pub fn parse_now(text: &str) -> std::result::Result<i64, String> {
    parse_datetime(text).ok_or_else(|| {
        format!("`{text}` is not a datetime (expected ISO 8601, e.g. 2026-01-15T12:00:00Z)")
    })
}

/// Stop-gap datetime parser (ISO 8601, `Z` or offset, or no zone meaning UTC).
fn parse_datetime(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim();
    let dt = DateTime::parse_from_rfc3339(t)
        .map(|d| d.naive_utc())
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    let utc = dt.and_utc();
    Some(
        UNIX_EPOCH_TICKS
            + utc.timestamp() * TICKS_PER_SECOND
            + i64::from(utc.timestamp_subsec_nanos() / 100),
    )
}

fn format_datetime(ticks: i64) -> String {
    let rel = ticks - UNIX_EPOCH_TICKS;
    let secs = rel.div_euclid(TICKS_PER_SECOND);
    let frac = rel.rem_euclid(TICKS_PER_SECOND);
    match chrono::DateTime::from_timestamp(secs, (frac * 100) as u32) {
        Some(d) => format!("{}.{frac:07}Z", d.format("%Y-%m-%dT%H:%M:%S")),
        None => format!("datetime({ticks} ticks)"),
    }
}

fn format_timespan(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let (days, rest) = (t / (86_400 * tps), t % (86_400 * tps));
    let (h, m, s, f) = (
        rest / (3600 * tps),
        rest / (60 * tps) % 60,
        rest / tps % 60,
        rest % tps,
    );
    let mut out = sign.to_string();
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if f > 0 {
        out.push_str(&format!(".{f:07}"));
    }
    out
}

/// The schemas kql knows without being told: the tables in `schemas/`.
pub fn builtin_schemas() -> Vec<(String, Vec<Column>)> {
    // Stop-gap until io embeds the schemas: read them from the source tree.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.extension().is_some_and(|e| e == "json") {
            if let Ok(s) = load_schema_file(&p) {
                out.push(s);
            }
        }
    }
    out
}

/// A schema file: `{"name": "T", "columns": [{"name": "A", "type": "string"}, ...]}`.
pub fn load_schema_file(path: &Path) -> Result<(String, Vec<Column>)> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")))?;
    let json: Json = serde_json::from_str(&text)
        .map_err(|e| Error::data(format!("invalid JSON: {e}"), &shown, e.line()))?;
    schema_from_json(&json, &shown)
}

pub fn schema_from_json(json: &Json, shown: &str) -> Result<(String, Vec<Column>)> {
    let bad = |m: &str| Error::data(format!("bad schema: {m}"), shown, 1);
    let name = json
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("no `name` string"))?;
    let cols = json
        .get("columns")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("no `columns` array"))?;
    let mut columns = Vec::new();
    for c in cols {
        let cname = c
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| bad("a column has no `name`"))?;
        let tname = c
            .get("type")
            .and_then(Json::as_str)
            .ok_or_else(|| bad(&format!("column `{cname}` has no `type`")))?;
        let ty = Type::from_name(tname)
            .ok_or_else(|| bad(&format!("column `{cname}`: unknown type `{tname}`")))?;
        columns.push(Column::new(cname, ty));
    }
    Ok((name.to_string(), columns))
}

/// A JSON cell as a value of column type `ty`. `null` or a missing cell is the
/// type's empty value (`""` for strings, null otherwise).
pub fn json_to_value(json: &Json, ty: Type) -> std::result::Result<Value, String> {
    if json.is_null() {
        return Ok(if ty == Type::String {
            Value::empty_str()
        } else {
            Value::Null
        });
    }
    let wrong = || format!("{json} is not a {ty}");
    Ok(match ty {
        Type::String => match json {
            Json::String(s) => Value::str(s),
            Json::Number(_) | Json::Bool(_) => Value::str(&json.to_string()),
            _ => return Err(wrong()),
        },
        Type::Bool => match json {
            Json::Bool(b) => Value::Bool(*b),
            Json::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Json::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(wrong()),
        },
        Type::Int => {
            let n = json_i64(json).ok_or_else(wrong)?;
            Value::Int(i32::try_from(n).map_err(|_| wrong())?)
        }
        Type::Long => Value::Long(json_i64(json).ok_or_else(wrong)?),
        Type::Real | Type::Decimal => {
            let f = match json {
                Json::Number(n) => n.as_f64(),
                Json::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(wrong)?;
            if ty == Type::Real {
                Value::Real(f)
            } else {
                Value::Decimal(f)
            }
        }
        Type::DateTime => {
            Value::DateTime(json.as_str().and_then(parse_datetime).ok_or_else(wrong)?)
        }
        Type::TimeSpan => match json {
            Json::Number(n) => Value::TimeSpan(n.as_i64().ok_or_else(wrong)?),
            Json::String(s) => Value::TimeSpan(parse_timespan(s).ok_or_else(wrong)?),
            _ => return Err(wrong()),
        },
        Type::Guid => {
            let s = json.as_str().ok_or_else(wrong)?;
            let hex: String = s.chars().filter(|c| *c != '-').collect();
            if hex.len() != 32 {
                return Err(wrong());
            }
            Value::Guid(u128::from_str_radix(&hex, 16).map_err(|_| wrong())?)
        }
        Type::Dynamic => dynamic_from_json(json),
    })
}

fn json_i64(json: &Json) -> Option<i64> {
    match json {
        Json::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `[d.]hh:mm:ss[.fffffff]`.
fn parse_timespan(s: &str) -> Option<i64> {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (days, rest) = match s.split_once('.') {
        Some((d, r)) if r.contains(':') && !d.contains(':') => (d.parse::<i64>().ok()?, r),
        _ => (0, s),
    };
    let mut parts = rest.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next()?.parse().ok()?;
    let ticks = ((days * 24 + h) * 60 + m) * 60 * TICKS_PER_SECOND
        + (sec * TICKS_PER_SECOND as f64).round() as i64;
    Some(if neg { -ticks } else { ticks })
}

fn dynamic_from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Long(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::array(a.iter().map(dynamic_from_json).collect()),
        Json::Object(o) => Value::bag(
            o.iter()
                .map(|(k, v)| (k.as_str().into(), dynamic_from_json(v)))
                .collect(),
        ),
    }
}

/// A value as JSON, the way kql prints results.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Long(i) => Json::from(*i),
        Value::Real(f) | Value::Decimal(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(f.to_string())),
        Value::String(s) => Json::String(s.to_string()),
        Value::DateTime(t) => Json::String(format_datetime(*t)),
        Value::TimeSpan(t) => Json::String(format_timespan(*t)),
        Value::Guid(g) => {
            let h = format!("{g:032x}");
            Json::String(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }
        Value::Array(a) => Json::Array(a.iter().map(value_to_json).collect()),
        Value::Bag(b) => Json::Object(
            b.iter()
                .map(|(k, v)| (k.to_string(), value_to_json(v)))
                .collect(),
        ),
    }
}

/// Rows of a JSON data file: an array of objects, or one object per line.
pub fn read_json_rows(path: &Path) -> Result<Vec<serde_json::Map<String, Json>>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")))?;
    let mut rows = Vec::new();
    if text.trim_start().starts_with('[') {
        let json: Json = serde_json::from_str(&text)
            .map_err(|e| Error::data(format!("invalid JSON: {e}"), &shown, e.line()))?;
        for (i, r) in json.as_array().into_iter().flatten().enumerate() {
            match r {
                Json::Object(o) => rows.push(o.clone()),
                _ => {
                    return Err(Error::data(
                        format!("row {} is not a JSON object", i + 1),
                        &shown,
                        1,
                    ))
                }
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Json>(line) {
                Ok(Json::Object(o)) => rows.push(o),
                Ok(_) => return Err(Error::data("not a JSON object", &shown, i + 1)),
                Err(e) => return Err(Error::data(format!("invalid JSON: {e}"), &shown, i + 1)),
            }
        }
    }
    Ok(rows)
}

/// A folder of data files (`T.json` or `T.jsonl` → table `T`) as a catalog; the
/// columns come from the built-in schema of `T` when there is one, else from the rows.
pub fn load_data_dir(dir: &Path) -> Result<Catalog> {
    // Stop-gap until io's loader lands.
    let builtins = builtin_schemas();
    let mut catalog = Catalog::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let Some(ext) = p.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "json" && ext != "jsonl" {
            continue;
        }
        let name = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let rows = read_json_rows(&p)?;
        let columns = match builtins.iter().find(|(n, _)| *n == name) {
            Some((_, c)) => c.clone(),
            None => infer_columns(&rows),
        };
        let table = table_from_rows(&columns, &rows, &p.display().to_string())?;
        catalog.add_table(name, table);
    }
    Ok(catalog)
}

/// Columns of rows with no schema: the first value seen decides the type.
pub fn infer_columns(rows: &[serde_json::Map<String, Json>]) -> Vec<Column> {
    let mut cols: Vec<Column> = Vec::new();
    for r in rows {
        for (k, v) in r {
            if cols.iter().any(|c| c.name == *k) {
                continue;
            }
            let ty = match v {
                Json::Bool(_) => Type::Bool,
                Json::Number(n) if n.is_i64() => Type::Long,
                Json::Number(_) => Type::Real,
                Json::String(s) if parse_datetime(s).is_some() => Type::DateTime,
                Json::String(_) => Type::String,
                _ => Type::Dynamic,
            };
            cols.push(Column::new(k.clone(), ty));
        }
    }
    cols
}

/// Rows given as JSON objects holding some of `columns`: the others get their
/// type's empty value. A key that is not a column is an error.
pub fn table_from_rows(
    columns: &[Column],
    rows: &[serde_json::Map<String, Json>],
    shown: &str,
) -> Result<Table> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        for k in r.keys() {
            if !columns.iter().any(|c| c.name == *k) {
                let mut e = Error::data(format!("row {}: unknown column `{k}`", i + 1), shown, 1);
                if let Some(n) = crate::error::nearest(k, columns.iter().map(|c| c.name.as_str())) {
                    e = e.with_hint(format!("did you mean `{n}`?"));
                }
                return Err(e);
            }
        }
        let mut row = Vec::with_capacity(columns.len());
        for c in columns {
            let v = json_to_value(r.get(&c.name).unwrap_or(&Json::Null), c.ty).map_err(|m| {
                Error::data(format!("row {}, column `{}`: {m}", i + 1, c.name), shown, 1)
            })?;
            row.push(v);
        }
        out.push(row);
    }
    Ok(Table::new(columns.to_vec(), out))
}
