//! `externaldata`'s files, read as Kusto reads the URLs (Kusto docs,
//! externaldata-operator.md, ingestion-supported-formats.md, csv-mapping.md,
//! json-mapping.md): the format is the `format` property, else told by the URL's
//! extension (`.csv`, `.tsv`, `.psv`, `.scsv`, `.sohsv`, `.txt`, `.raw`, `.json`,
//! `.multijson`; anything else is CSV, Kusto's default), under an optional `.gz` or
//! `.zip`. Delimited text has no header: fields are the declared columns by position
//! (`ignoreFirstRecord` skips a header line), a row may have fewer fields (null) or more
//! (ignored); `txt` gives each non-empty line, `raw` the whole file, as the first
//! column; JSON (`json` one object per line, `multijson` objects spanning lines or an
//! array) maps fields to columns by name, or by the `ingestionMapping`'s paths
//! (`$.a.b`) or ordinals (CSV). The columns are the declared ones, nothing else.

use super::source::{DataTable, Part};
use super::values::JsonPath;
use super::{Field, Format, Origin, PartOptions, ReadOptions};
use crate::error::{Error, Result, Span};
use crate::external::{local_name, ExternalSpec};
use crate::io::schema::Schema;
use crate::table::TableSource;
use serde_json::Value as J;
use std::path::PathBuf;
use std::sync::Arc;

/// What the reader of one URL is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Delimited(u8),
    Lines,
    Raw,
    /// JSON lines (`json`) or objects in any layout (`multijson`).
    Json,
}

/// The reader of `url` and whether it is a zip archive.
fn kind_of(format: Option<&str>, url: &str, span: Span) -> Result<(Kind, bool)> {
    let name = local_name(url).to_ascii_lowercase();
    let (name, zip) = match name.strip_suffix(".zip") {
        Some(n) => (n.to_string(), true),
        None => (name.strip_suffix(".gz").unwrap_or(&name).to_string(), false),
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_string());
    let word = match format {
        Some(f) => f.to_string(),
        None => ext.unwrap_or_default(),
    };
    let kind = match word.as_str() {
        "tsv" | "tsve" => Kind::Delimited(b'\t'),
        "psv" => Kind::Delimited(b'|'),
        "scsv" => Kind::Delimited(b';'),
        "sohsv" => Kind::Delimited(1),
        "txt" => Kind::Lines,
        "raw" => Kind::Raw,
        "json" | "multijson" | "singlejson" => Kind::Json,
        "avro" | "apacheavro" | "parquet" | "orc" | "w3clogfile" | "azmonstream" => {
            return Err(Error::unsupported(
                format!("externaldata format `{word}`"),
                span,
            ))
        }
        // Kusto reads anything else as CSV when no format is given.
        "csv" => Kind::Delimited(b','),
        other if format.is_some() => {
            return Err(Error::semantic(
                format!("`{other}` is not an externaldata format"),
                span,
            ))
        }
        _ => Kind::Delimited(b','),
    };
    Ok((kind, zip))
}

/// An ingestion mapping: for each column, a JSON path or a CSV ordinal.
enum Mapping {
    Paths(Vec<(String, JsonPath)>),
    Ordinals(Vec<(String, usize)>),
}

/// `text` without the commas that stand before a `]` or `}` (outside strings).
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' && text[i + 1..].trim_start().starts_with([']', '}']) {
            continue;
        }
        out.push(c);
    }
    out
}

fn parse_mapping(text: &str, spec: &ExternalSpec) -> Result<Mapping> {
    let bad = |why: String| Error::semantic(format!("ingestionMapping: {why}"), spec.span);
    // Kusto reads mappings with Json.NET, which passes over a comma before `]` or `}`;
    // a public parser (MITRE ATLAS, `...}},]`) relies on it.
    let items: Vec<J> = serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&without_trailing_commas(text)))
        .map_err(|e| bad(format!("not a JSON array: {e}")))?;
    let get = |o: &J, k: &str| -> Option<J> {
        let o = o.as_object()?;
        o.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let mut paths = Vec::new();
    let mut ordinals = Vec::new();
    for it in &items {
        let Some(column) = get(it, "Column")
            .or_else(|| get(it, "Name"))
            .and_then(|c| c.as_str().map(str::to_string))
        else {
            return Err(bad(format!("an entry without `Column`: {it}")));
        };
        if !spec.columns.iter().any(|c| c.name == column) {
            return Err(bad(format!("`{column}` is not a declared column")));
        }
        let props = get(it, "Properties").unwrap_or_else(|| it.clone());
        if get(&props, "Transform").is_some() {
            return Err(Error::unsupported(
                "ingestionMapping `Transform`",
                spec.span,
            ));
        }
        if let Some(p) = get(&props, "Path") {
            let p = p.as_str().unwrap_or_default().to_string();
            let Some(path) = JsonPath::parse(&p) else {
                return Err(bad(format!(
                    "`{p}` is not a JSON path kql reads (`$.a.b`, `$['a']`, `$.a[0]`)"
                )));
            };
            paths.push((column, path));
        } else if let Some(o) = get(&props, "Ordinal") {
            let n = match &o {
                J::String(s) => s.trim().parse().ok(),
                J::Number(n) => n.as_u64().map(|n| n as usize),
                _ => None,
            };
            let Some(n) = n else {
                return Err(bad(format!("`Ordinal` is not a number: {o}")));
            };
            ordinals.push((column, n));
        } else {
            return Err(bad(format!("an entry without `Path` or `Ordinal`: {it}")));
        }
    }
    match (paths.is_empty(), ordinals.is_empty()) {
        (false, true) => Ok(Mapping::Paths(paths)),
        (true, false) => Ok(Mapping::Ordinals(ordinals)),
        (true, true) => Err(bad("no entries".to_string())),
        (false, false) => Err(bad("both paths and ordinals".to_string())),
    }
}

/// The rows of `spec` read from `files` (each with its URL and the URL's place).
pub(crate) fn open(
    spec: &ExternalSpec,
    files: &[(PathBuf, String, Span)],
    read: &ReadOptions,
) -> Result<Arc<dyn TableSource>> {
    let mapping = spec
        .mapping
        .as_deref()
        .map(|m| parse_mapping(m, spec))
        .transpose()?;
    let by_position: Vec<Field> = match &mapping {
        Some(Mapping::Ordinals(o)) => {
            let width = o.iter().map(|(_, n)| n + 1).max().unwrap_or(0);
            (0..width)
                .map(|i| {
                    let name = o
                        .iter()
                        .find(|(_, n)| *n == i)
                        .map_or("", |(c, _)| c.as_str());
                    Field::named(name, None)
                })
                .collect()
        }
        _ => spec
            .columns
            .iter()
            .map(|c| Field::named(&c.name, None))
            .collect(),
    };
    let mut parts = Vec::new();
    for (path, url, span) in files {
        let (kind, zip) = kind_of(spec.format.as_deref(), url, *span)?;
        let origins: Vec<(Origin, String)> = if zip {
            zip_entries(path)?
        } else {
            vec![(Origin::File(path.clone()), path.display().to_string())]
        };
        for (origin, shown) in origins {
            let mut opts = PartOptions {
                skip_first: spec.ignore_first,
                flexible: true,
                ..PartOptions::default()
            };
            let format = match kind {
                Kind::Delimited(d) => {
                    opts.fields = Some(by_position.clone());
                    Format::Delimited(d)
                }
                Kind::Lines => {
                    opts.fields = Some(by_position.clone());
                    Format::Lines
                }
                Kind::Raw => {
                    opts.fields = Some(by_position.clone());
                    Format::Raw
                }
                Kind::Json => {
                    if let Some(Mapping::Paths(p)) = &mapping {
                        opts.mapping = Some(p.clone());
                    }
                    // An array of objects, or objects one after another.
                    let mut input = origin.input()?;
                    let head = input.head(4096)?;
                    let first = head.iter().find(|b| {
                        !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF
                    });
                    if first == Some(&b'[') {
                        Format::JsonArray
                    } else {
                        Format::JsonLines
                    }
                }
            };
            parts.push(Part::open_with(origin, shown, format, None, opts)?);
        }
    }
    let schema = Schema {
        name: "externaldata".to_string(),
        columns: spec.columns.clone(),
    };
    Ok(Arc::new(DataTable::fixed(
        "externaldata",
        parts,
        schema,
        read.clone(),
    )))
}

/// The files in a zip archive, in archive order.
fn zip_entries(path: &std::path::Path) -> Result<Vec<(Origin, String)>> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| crate::io::schema::io_error(&shown, &e))?;
    let archive = zip::ZipArchive::new(file).map_err(|e| {
        Error::data(
            format!("the file is not a valid zip archive: {e}"),
            shown.clone(),
            1,
        )
    })?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let name = archive.name_for_index(i).unwrap_or_default().to_string();
        if !name.ends_with('/') {
            out.push((
                Origin::Zip(path.to_path_buf(), i),
                format!("{shown}!{name}"),
            ));
        }
    }
    Ok(out)
}
