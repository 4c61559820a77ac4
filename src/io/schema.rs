//! Table schemas: the schema files users give (`<Table>.schema.json` beside the data,
//! `--schema FILE|DIR`) and the built-in schemas of Sentinel and Defender XDR tables
//! (`schemas/*.json`, embedded in the binary; `schemas/SOURCE.md` says where they come from).
//!
//! A schema file is recognised by its content, not its name:
//! - kql's form, which the built-in schemas use:
//!   `{"name": "T", "product": "defender"|"sentinel", "columns": [{"name", "type"}],
//!   "sentinel": {"columns": [...]}}` (only `name` and `columns` required);
//! - Azure-Sentinel's KQL validation tables (`.script/tests/KqlvalidationsTests/CustomTables`):
//!   `{"Name": "T", "Properties": [{"Name", "Type"}]}`, keys in any case;
//! - the Log Analytics Tables REST API body: `{"properties": {"schema": {"name", "columns"}}}`;
//! - a `getschema` result exported as CSV or as a JSON array of rows, with the columns
//!   ColumnName, ColumnOrdinal, DataType, ColumnType (the getschema operator page of the
//!   Kusto docs); it names no table, so the table is the file's name up to its first dot.
//!
//! Types may be KQL names (`string`, `long`, ... and their documented synonyms) or the .NET
//! names Kusto reports (`System.String`, `Int64`, `DateTime`, `Object`, `SByte`, ...).
//!
//! Product: a Defender XDR advanced hunting table has `Timestamp` and no `TimeGenerated`;
//! its copy in a Sentinel (Log Analytics) workspace has both, plus `TenantId`,
//! `SourceSystem` and `Type`. One file describes both copies ([`SchemaFile::schema`] has
//! the rule); `--product` chooses which one a command uses.

use crate::error::{Error, Result};
use crate::table::{Catalog, Column};
use crate::types::Type;
use serde_json::{Map, Value as J};
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

/// A table's name and columns, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    pub name: String,
    pub columns: Vec<Column>,
}

/// Which copy of a table a query runs against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Product {
    /// Microsoft Defender XDR advanced hunting.
    Defender,
    /// A Microsoft Sentinel / Log Analytics workspace.
    #[default]
    Sentinel,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Defender => "defender",
            Product::Sentinel => "sentinel",
        }
    }
}

/// The columns every Sentinel copy of a Defender XDR table has (Log Analytics adds them to
/// every table; the Azure Monitor table reference lists them for the Device* tables).
const SENTINEL_STANDARD: [(&str, Type); 4] = [
    ("TimeGenerated", Type::DateTime),
    ("TenantId", Type::String),
    ("SourceSystem", Type::String),
    ("Type", Type::String),
];

/// A schema file as written: the table in the product it comes from and, for a Defender
/// table, how its Sentinel copy differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaFile {
    pub name: String,
    pub product: Product,
    pub columns: Vec<Column>,
    /// `sentinel.columns`: columns the Sentinel copy adds or types otherwise.
    pub sentinel_columns: Vec<Column>,
    /// Where the columns come from (`source`), if the file says.
    pub source: Option<String>,
}

impl SchemaFile {
    fn plain(name: String, columns: Vec<Column>) -> Self {
        SchemaFile {
            name,
            product: Product::Sentinel,
            columns,
            sentinel_columns: Vec::new(),
            source: None,
        }
    }

    /// The table as `product` has it. A Sentinel table is the same in both products (the
    /// Defender portal queries the workspace's tables as they are). A Defender table is
    /// `columns` in Defender; its Sentinel copy is `columns` with the types
    /// `sentinel.columns` gives, then `TimeGenerated`, `TenantId`, `SourceSystem` and `Type`
    /// where missing, then the other `sentinel.columns`.
    pub fn schema(&self, product: Product) -> Schema {
        let columns = match (self.product, product) {
            (Product::Sentinel, _) | (Product::Defender, Product::Defender) => self.columns.clone(),
            (Product::Defender, Product::Sentinel) => {
                let mut cols = self.columns.clone();
                let mut extra = Vec::new();
                for c in &self.sentinel_columns {
                    match cols.iter_mut().find(|x| x.name == c.name) {
                        Some(x) => x.ty = c.ty,
                        None => extra.push(c.clone()),
                    }
                }
                for (n, ty) in SENTINEL_STANDARD {
                    if !cols.iter().chain(&extra).any(|c| c.name == n) {
                        cols.push(Column::new(n, ty));
                    }
                }
                cols.extend(extra);
                cols
            }
        };
        Schema {
            name: self.name.clone(),
            columns,
        }
    }
}

/// Parses schema text in any of the forms above; `path` names the file in errors (and,
/// for a `getschema` export, the table).
pub fn parse_schema_file(text: &str, path: &str) -> Result<SchemaFile> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        let json: J = serde_json::from_str(text)
            .map_err(|e| Error::data(format!("invalid JSON in schema: {e}"), path, e.line()))?;
        match &json {
            J::Object(obj) => parse_object(obj, text, path),
            J::Array(rows) => getschema_rows(rows, text, path),
            _ => unreachable!("the text starts with `{{` or `[`"),
        }
    } else {
        parse_getschema_csv(text, path)
    }
}

/// Parses a schema file and gives the Sentinel copy of its table.
pub fn parse_schema(text: &str, path: &str) -> Result<Schema> {
    parse_schema_file(text, path).map(|f| f.schema(Product::Sentinel))
}

/// A JSON object's value for `key`, in any case.
fn get_ci<'a>(obj: &'a Map<String, J>, key: &str) -> Option<&'a J> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn parse_object(obj: &Map<String, J>, text: &str, path: &str) -> Result<SchemaFile> {
    if let Some(cols) = get_ci(obj, "columns") {
        return kql_form(obj, cols, text, path);
    }
    match get_ci(obj, "properties") {
        // Azure-Sentinel's CustomTables: {"Name", "Properties": [{"Name", "Type"}]}.
        Some(J::Array(props)) => {
            let name = string_field(obj, "name", path)?;
            let columns = column_list(props, "Properties", text, path)?;
            Ok(SchemaFile::plain(name, columns))
        }
        // Log Analytics Tables REST API: {"properties": {"schema": {"name", "columns"}}}.
        Some(J::Object(p)) => match get_ci(p, "schema") {
            Some(J::Object(s)) => match get_ci(s, "columns") {
                Some(cols) => kql_form(s, cols, text, path),
                None => Err(Error::data(
                    "`properties.schema` needs an array field `columns`",
                    path,
                    1,
                )),
            },
            _ => Err(Error::data(
                "`properties` needs an object field `schema` (the Log Analytics table form)",
                path,
                1,
            )),
        },
        _ => Err(Error::data(
            "not a schema file: expected `{\"name\", \"columns\": [{\"name\", \"type\"}]}`, \
             Azure-Sentinel's `{\"Name\", \"Properties\": [{\"Name\", \"Type\"}]}`, or a getschema \
             export",
            path,
            1,
        )),
    }
}

fn string_field(obj: &Map<String, J>, key: &str, path: &str) -> Result<String> {
    get_ci(obj, key)
        .and_then(J::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::data(format!("a schema needs a string field `{key}`"), path, 1))
}

fn kql_form(obj: &Map<String, J>, cols: &J, text: &str, path: &str) -> Result<SchemaFile> {
    let name = string_field(obj, "name", path)?;
    let cols = cols
        .as_array()
        .ok_or_else(|| Error::data("a schema needs an array field `columns`", path, 1))?;
    let columns = column_list(cols, "columns", text, path)?;
    let product = match get_ci(obj, "product") {
        None => Product::Sentinel,
        Some(J::String(p)) if p.eq_ignore_ascii_case("defender") => Product::Defender,
        Some(J::String(p)) if p.eq_ignore_ascii_case("sentinel") => Product::Sentinel,
        Some(p) => {
            return Err(Error::data(
                format!("`product` must be \"defender\" or \"sentinel\", not {p}"),
                path,
                line_of(text, "\"product\""),
            ))
        }
    };
    let mut file = SchemaFile {
        product,
        source: get_ci(obj, "source")
            .and_then(J::as_str)
            .map(str::to_string),
        ..SchemaFile::plain(name, columns)
    };
    if let Some(s) = get_ci(obj, "sentinel") {
        let at = line_of(text, "\"sentinel\"");
        let s = s
            .as_object()
            .ok_or_else(|| Error::data("`sentinel` must be an object", path, at))?;
        if product != Product::Defender {
            return Err(Error::data(
                "`sentinel` describes the Sentinel copy of a Defender table; this file is not \
                 `\"product\": \"defender\"`",
                path,
                at,
            ));
        }
        let cols = get_ci(s, "columns")
            .and_then(J::as_array)
            .ok_or_else(|| Error::data("`sentinel` needs an array field `columns`", path, at))?;
        file.sentinel_columns = column_list(cols, "sentinel.columns", text, path)?;
    }
    Ok(file)
}

/// `[{"name", "type"}]` in any key case; `what` names the list in errors.
fn column_list(cols: &[J], what: &str, text: &str, path: &str) -> Result<Vec<Column>> {
    let mut out = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        let field = |k| c.as_object().and_then(|o| get_ci(o, k)).and_then(J::as_str);
        let (Some(cname), Some(ctype)) = (field("name"), field("type")) else {
            return Err(Error::data(
                format!(
                    "{what}: column {} needs string fields `name` and `type`",
                    i + 1
                ),
                path,
                line_of(text, &format!("\"{what}\"")),
            ));
        };
        push_column(&mut out, cname, ctype, text, path, None)?;
    }
    Ok(out)
}

/// Adds a column, or says why not: an unknown type (with the nearest type name) or a name
/// listed twice. `line` is the line of the column when the form knows it.
fn push_column(
    out: &mut Vec<Column>,
    name: &str,
    ty: &str,
    text: &str,
    path: &str,
    line: Option<usize>,
) -> Result<()> {
    let Some(t) = type_from_name(ty) else {
        let at = line.unwrap_or_else(|| line_of(text, &format!("\"{ty}\"")));
        let mut e = Error::data(format!("column `{name}` has unknown type `{ty}`"), path, at);
        if let Some(n) = crate::error::nearest(&bare_type_name(ty), TYPE_NAMES) {
            e = e.with_hint(format!("did you mean `{n}`?"));
        }
        return Err(e);
    };
    if out.iter().any(|c| c.name == name) {
        let at = line.unwrap_or_else(|| line_of(text, &format!("\"{name}\"")));
        return Err(Error::data(
            format!("column `{name}` is listed twice"),
            path,
            at,
        ));
    }
    out.push(Column::new(name, t));
    Ok(())
}

const TYPE_NAMES: [&str; 10] = [
    "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "dynamic", "guid",
];

/// A column type by its KQL name or synonym (the scalar data types page of the Kusto docs),
/// or by the .NET name Kusto reports for it (getschema's DataType, the query API's column
/// types, Azure-Sentinel's validation tables): System.SByte/Boolean is bool, Int32 int,
/// Int64 long, Double real, SqlDecimal decimal, Object dynamic. Any case; `bigint` is long,
/// as Azure-Sentinel's validation tables write it.
pub fn type_from_name(name: &str) -> Option<Type> {
    let bare = bare_type_name(name);
    Type::from_name(&bare).or(match bare.as_str() {
        "sbyte" => Some(Type::Bool),
        "int32" => Some(Type::Int),
        "int64" | "bigint" => Some(Type::Long),
        "sqldecimal" => Some(Type::Decimal),
        "object" => Some(Type::Dynamic),
        _ => None,
    })
}

/// A type name in lower case without its .NET namespace.
fn bare_type_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    let bare = lower
        .strip_prefix("system.data.sqltypes.")
        .or_else(|| lower.strip_prefix("system."))
        .unwrap_or(&lower);
    bare.to_string()
}

/// The table a `getschema` export describes: its file name up to the first dot.
fn table_of_path(path: &str) -> String {
    let file = Path::new(path)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(path);
    file.split('.').next().unwrap_or(file).to_string()
}

/// One getschema row: column name, type (ColumnType, else DataType), ordinal if given.
struct GetschemaRow<'a> {
    name: &'a str,
    ty: &'a str,
    ordinal: Option<i64>,
    line: Option<usize>,
}

fn getschema_columns(mut rows: Vec<GetschemaRow>, text: &str, path: &str) -> Result<SchemaFile> {
    // Rows come in ColumnOrdinal order from getschema; an edited file may not keep it.
    rows.sort_by_key(|r| r.ordinal);
    let mut ordinals = HashSet::new();
    let mut columns = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(o) = r.ordinal {
            if !ordinals.insert(o) {
                let at = r.line.unwrap_or(1);
                return Err(Error::data(
                    format!("ColumnOrdinal {o} is given twice"),
                    path,
                    at,
                ));
            }
        }
        push_column(&mut columns, r.name, r.ty, text, path, r.line)?;
    }
    Ok(SchemaFile::plain(table_of_path(path), columns))
}

/// A getschema result as a JSON array of `{"ColumnName", "ColumnOrdinal", "DataType",
/// "ColumnType"}` objects.
fn getschema_rows(rows: &[J], text: &str, path: &str) -> Result<SchemaFile> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let bad = |what: &str| {
            Error::data(
                format!("getschema row {}: {what}", i + 1),
                path,
                nth_line_of(text, "{", i + 1),
            )
        };
        let obj = row.as_object().ok_or_else(|| bad("expected an object"))?;
        let s = |k| get_ci(obj, k).and_then(J::as_str).filter(|s| !s.is_empty());
        let name = s("ColumnName").ok_or_else(|| bad("needs a string field `ColumnName`"))?;
        let ty = s("ColumnType")
            .or_else(|| s("DataType"))
            .ok_or_else(|| bad("needs a string field `ColumnType` or `DataType`"))?;
        let ordinal = match get_ci(obj, "ColumnOrdinal") {
            None | Some(J::Null) => None,
            Some(o) => Some(
                o.as_i64()
                    .ok_or_else(|| bad("`ColumnOrdinal` must be an integer"))?,
            ),
        };
        out.push(GetschemaRow {
            name,
            ty,
            ordinal,
            line: None,
        });
    }
    getschema_columns(out, text, path)
}

/// A getschema result exported as CSV: a header naming ColumnName and ColumnType or
/// DataType (ColumnOrdinal optional, other columns ignored), one row per column.
fn parse_getschema_csv(text: &str, path: &str) -> Result<SchemaFile> {
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        Error::data(format!("invalid CSV in schema: {e}"), path, line)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(csv_error)?.clone();
    let col = |n: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(n));
    let (Some(name_at), type_at) = (col("ColumnName"), col("ColumnType").or(col("DataType")))
    else {
        return Err(Error::data(
            "not a schema file: a CSV schema is a getschema export, whose header names \
             ColumnName and ColumnType (or DataType)",
            path,
            1,
        ));
    };
    let Some(type_at) = type_at else {
        return Err(Error::data(
            "a getschema export needs a ColumnType or DataType column",
            path,
            1,
        ));
    };
    let data_type_at = col("DataType");
    let ordinal_at = col("ColumnOrdinal");
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(csv_error)?;
    let mut rows = Vec::with_capacity(records.len());
    for r in &records {
        let line = r.position().map_or(1, |p| p.line() as usize);
        let cell = |i: usize| r.get(i).map(str::trim).filter(|s| !s.is_empty());
        let name = cell(name_at)
            .ok_or_else(|| Error::data("getschema row without a ColumnName", path, line))?;
        let ty = cell(type_at)
            .or_else(|| data_type_at.and_then(cell))
            .ok_or_else(|| Error::data(format!("column `{name}` has no type"), path, line))?;
        let ordinal = match ordinal_at.and_then(cell) {
            None => None,
            Some(o) => Some(o.parse::<i64>().map_err(|_| {
                Error::data(format!("ColumnOrdinal `{o}` is not an integer"), path, line)
            })?),
        };
        rows.push(GetschemaRow {
            name,
            ty,
            ordinal,
            line: Some(line),
        });
    }
    getschema_columns(rows, text, path)
}

/// Reads and parses a schema file; the Sentinel copy of its table.
pub fn load_schema_file(path: &Path) -> Result<Schema> {
    load_schema_file_for(path, Product::Sentinel)
}

/// Reads and parses a schema file; the copy of its table that `product` has.
pub fn load_schema_file_for(path: &Path, product: Product) -> Result<Schema> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| io_error(&shown, &e))?;
    parse_schema_file(&text, &shown).map(|f| f.schema(product))
}

/// The schemas of `--schema PATH`: the file, or every schema file (`*.json`, `*.csv`) of
/// the folder, in name order. Two files for one table are an error.
pub fn load_schemas(path: &Path, product: Product) -> Result<Vec<Schema>> {
    if !path.is_dir() {
        return Ok(vec![load_schema_file_for(path, product)?]);
    }
    let shown = path.display().to_string();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| io_error(&shown, &e))? {
        let p = entry.map_err(|e| io_error(&shown, &e))?.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if p.is_file() && (ext.eq_ignore_ascii_case("json") || ext.eq_ignore_ascii_case("csv")) {
            files.push(p);
        }
    }
    files.sort();
    let mut out: Vec<(Schema, String)> = Vec::with_capacity(files.len());
    for f in &files {
        let s = load_schema_file_for(f, product)?;
        let shown_f = f.display().to_string();
        if let Some((_, other)) = out.iter().find(|(o, _)| o.name == s.name) {
            return Err(Error::data(
                format!(
                    "table `{}` has two schema files: {other} and {shown_f}",
                    s.name
                ),
                shown_f,
                1,
            ));
        }
        out.push((s, shown_f));
    }
    Ok(out.into_iter().map(|(s, _)| s).collect())
}

// The built-in schemas: every schemas/*.json, sorted by table name (build.rs writes the
// list). A table's file is parsed the first time it is asked for, so that a command pays
// only for the tables it uses.
pub(crate) const BUILTIN_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_schemas.rs"));

/// A parsed built-in schema file and its two copies, each made when first asked for.
struct Builtin {
    file: SchemaFile,
    sentinel: OnceLock<Schema>,
    defender: OnceLock<Schema>,
}

static PARSED: [OnceLock<Option<Builtin>>; BUILTIN_FILES.len()] =
    [const { OnceLock::new() }; BUILTIN_FILES.len()];

fn builtin(name: &str) -> Option<&'static Builtin> {
    let i = BUILTIN_FILES
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()?;
    PARSED[i]
        .get_or_init(|| {
            let (file, text) = BUILTIN_FILES[i];
            // A test parses every built-in file, so this fails only in a build whose
            // schemas/ was edited without running it; the table is then unknown.
            let file = parse_schema_file(text, &format!("schemas/{file}.json")).ok()?;
            Some(Builtin {
                file,
                sentinel: OnceLock::new(),
                defender: OnceLock::new(),
            })
        })
        .as_ref()
}

/// The names of the tables kql ships a schema for, sorted (nothing is parsed).
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_FILES.iter().map(|(n, _)| *n)
}

/// The built-in schema of a table as `product` has it, if kql ships one.
pub fn builtin_schema_for(name: &str, product: Product) -> Option<&'static Schema> {
    builtin(name).map(|b| {
        let copy = match product {
            Product::Sentinel => &b.sentinel,
            Product::Defender => &b.defender,
        };
        copy.get_or_init(|| b.file.schema(product))
    })
}

/// The built-in schema of a table (its Sentinel copy), if kql ships one.
pub fn builtin_schema(name: &str) -> Option<&'static Schema> {
    builtin_schema_for(name, Product::Sentinel)
}

/// The built-in schema file of a table: its product, source and both copies' columns.
pub fn builtin_schema_file(name: &str) -> Option<&'static SchemaFile> {
    builtin(name).map(|b| &b.file)
}

/// Every built-in schema as `product` has it (parses them all: for commands that need every
/// table, like `kql check`; a query that runs needs only [`builtin_schema_for`]).
pub fn builtin_schemas_for(product: Product) -> Vec<&'static Schema> {
    builtin_names()
        .filter_map(|n| builtin_schema_for(n, product))
        .collect()
}

/// Every built-in schema, Sentinel copies.
pub fn builtin_schemas() -> Vec<&'static Schema> {
    builtin_schemas_for(Product::Sentinel)
}

/// A catalog of schemas only (for `kql check`): the built-in schemas, then the user's
/// schemas, which replace a built-in schema of the same name.
pub fn schema_catalog(user_schemas: &[Schema], product: Product) -> Catalog {
    let mut catalog = Catalog::new();
    for s in builtin_schemas_for(product) {
        catalog.add_schema(s.name.clone(), s.columns.clone());
    }
    for s in user_schemas {
        catalog.add_schema(s.name.clone(), s.columns.clone());
    }
    catalog
}

pub(crate) fn io_error(path: &str, e: &std::io::Error) -> Error {
    Error::new(
        crate::error::ErrorKind::Io,
        format!("cannot read {path}: {e}"),
    )
}

/// The 1-based line of the first occurrence of `needle`, or 1.
fn line_of(text: &str, needle: &str) -> usize {
    nth_line_of(text, needle, 1)
}

/// The 1-based line of the `n`-th occurrence of `needle`, or 1.
fn nth_line_of(text: &str, needle: &str, n: usize) -> usize {
    text.match_indices(needle)
        .nth(n.saturating_sub(1))
        .map_or(1, |(i, _)| text[..i].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests;
