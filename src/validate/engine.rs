//! Every call validate makes into the rest of the crate (parser, binder,
//! executor, file I/O, value conversions) goes through this module, so that the
//! validation code does not depend on where those live. JSON → value conversion
//! is io's (the same rules as data files), value → JSON is `value::to_json`.

use crate::ast::Query;
use crate::error::{Error, Location, Result};
use crate::io::{Product, Schema};
use crate::table::{Catalog, Column, Table};
use crate::value::Value;
use serde_json::{Map, Value as Json};
use std::path::Path;

pub fn parse(text: &str) -> Result<Query> {
    crate::syntax::parse(text)
}

/// The statements of `text` that parse, and every syntax error.
pub fn parse_recovering(text: &str) -> (Option<Query>, Vec<Error>) {
    crate::syntax::parse_recovering(text)
}

/// Binds `query` against `catalog` (schemas only) without running it; the
/// columns of each result.
pub fn bind_check(query: &Query, catalog: &Catalog) -> Result<Vec<Vec<Column>>> {
    crate::bind::check(query, catalog)
}

/// Every error and warning binding `query` against `catalog` finds (the binder
/// carries on after each error), and the columns of each result.
pub fn bind_check_all(query: &Query, catalog: &Catalog) -> crate::bind::CheckReport {
    crate::bind::check_all(query, catalog)
}

pub fn run(text: &str, catalog: &Catalog, now: i64) -> Result<Vec<Table>> {
    crate::session::run_query(text, catalog, now)
}

/// [`run`], reading `externaldata` through `externals`.
pub fn run_with(
    text: &str,
    catalog: &Catalog,
    now: i64,
    externals: &dyn crate::external::Externals,
) -> Result<Vec<Table>> {
    crate::session::Session::new(catalog, now)
        .with_externals(externals)
        .run(text)
}

/// The clock given as `--now` or `"now"`: a datetime as KQL's `datetime()` reads it.
pub fn parse_now(text: &str) -> std::result::Result<i64, String> {
    crate::value::parse_query_clock(text)
}

pub fn builtin_schemas(product: Product) -> Vec<&'static Schema> {
    crate::io::builtin_schemas_for(product)
}

pub fn load_schema_file(path: &Path, product: Product) -> Result<Schema> {
    crate::io::load_schema_file_for(path, product)
}

/// The schemas of a `--schema` file or folder.
pub fn load_schemas(path: &Path, product: Product) -> Result<Vec<Schema>> {
    crate::io::load_schemas(path, product)
}

/// A data folder as a catalog, with `--schema` files applied.
pub fn load_data_dir(dir: &Path, schemas: &[Schema], product: Product) -> Result<Catalog> {
    crate::io::load_dir_for(dir, schemas, &|_| true, product)
}

/// One data file; `schema` types its columns (else they are inferred).
pub fn load_table_file(path: &Path, schema: Option<&Schema>) -> Result<Table> {
    crate::io::load_table_file(path, schema)
}

pub fn value_to_json(v: &Value) -> Json {
    crate::value::to_json(v)
}

/// Rows written as JSON objects holding some of `columns`, as a table with
/// exactly `columns`: missing cells take their type's empty value, a key that is
/// not a column is an error (with a "did you mean"), a value that is not of its
/// column's type too. `label` names the rows in errors ("row N" counts from 1).
pub fn rows_to_table(columns: &[Column], rows: &[Map<String, Json>], label: &str) -> Result<Table> {
    for (i, r) in rows.iter().enumerate() {
        for k in r.keys() {
            if !columns.iter().any(|c| c.name == *k) {
                let mut e = Error::new(
                    crate::error::ErrorKind::Data,
                    format!("{label}: row {}: unknown column `{k}`", i + 1),
                );
                if let Some(n) = crate::error::nearest(k, columns.iter().map(|c| c.name.as_str())) {
                    e = e.with_hint(format!("did you mean `{n}`?"));
                }
                return Err(e);
            }
        }
    }
    // One row per line, so that io's line numbers are row numbers plus one.
    let mut text = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&Json::Object(r.clone()).to_string());
    }
    text.push_str("\n]");
    let schema = Schema {
        name: label.to_string(),
        columns: columns.to_vec(),
    };
    crate::io::load_table_text(&text, label, Some(&schema)).map_err(|mut e| {
        if let Location::File { line, .. } = e.location {
            e.message = format!("{label}: row {}: {}", line.saturating_sub(1), e.message);
            e.location = Location::None;
        }
        e
    })
}

/// An error as one line (for messages about test files, where there is no query
/// text to point into).
pub fn one_line(e: &Error) -> String {
    let mut s = e.message.clone();
    if let Location::File { path, line } = &e.location {
        s = format!("{path}:{line}: {s}");
    }
    for h in &e.hints {
        s.push_str(&format!(" ({h})"));
    }
    s
}
