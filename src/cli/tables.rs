//! `kql tables --data DIR [--schema FILE|DIR]... [--product P] [--format human|json] [--columns] [TABLE...]`
//!
//! What kql finds in a data folder: each table, its files and their formats, its rows
//! (counted when its files are small, or with `--count`), its columns and where each
//! column's type came from (a schema file, the built-in schema, the format's own
//! header, inference). Exit 0, or 1 when the folder cannot be read.

use kql::io::formats::folder::{describe, TableInfo};
use kql::io::formats::source::TypeSource;
use kql::io::{load_schemas, Schema};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The data folder.
    #[arg(long, value_name = "DIR", required = true)]
    pub data: PathBuf,
    /// Only these tables.
    pub tables: Vec<String>,
    /// A schema file or folder, as `kql run --schema` takes (repeatable).
    #[arg(long = "schema", value_name = "FILE|DIR")]
    pub schemas: Vec<PathBuf>,
    /// Which copy of the Defender XDR tables the built-in schemas give.
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TablesFormat,
    /// List every column (by default only those whose type the data gave).
    #[arg(long)]
    pub columns: bool,
    /// Count the rows of every table (by default only of tables up to 64 MiB of files).
    #[arg(long)]
    pub count: bool,
    #[command(flatten)]
    pub read: super::ReadArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TablesFormat {
    Human,
    Json,
}

/// Row counts up to this size of files by default.
const CHEAP: u64 = 64 << 20;

pub fn main(args: Args) -> ExitCode {
    let product = args.product.into();
    let mut schemas: Vec<Schema> = Vec::new();
    for p in &args.schemas {
        match load_schemas(p, product) {
            Ok(s) => schemas.extend(s),
            Err(e) => {
                eprintln!("{}", e.render(&p.display().to_string(), ""));
                return ExitCode::from(1);
            }
        }
    }
    let opts = args.read.options();
    let limit = if args.count { u64::MAX } else { CHEAP };
    let mut tables = match describe(&args.data, &schemas, product, &opts, limit) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}", e.render(&args.data.display().to_string(), ""));
            return ExitCode::from(1);
        }
    };
    if !args.tables.is_empty() {
        for want in &args.tables {
            if !tables.iter().any(|t| &t.name == want) {
                let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                eprintln!(
                    "error: {} has no table `{want}`{}",
                    args.data.display(),
                    kql::error::nearest(want, names.iter().copied())
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default()
                );
                return ExitCode::from(1);
            }
        }
        tables.retain(|t| args.tables.contains(&t.name));
    }
    let written = match args.format {
        TablesFormat::Json => super::out(format_args!("{}\n", json(&tables))),
        TablesFormat::Human => super::out(format_args!("{}", human(&tables, args.columns))),
    };
    super::print_warnings(&opts.warnings.list());
    match written {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    }
}

fn source_name(s: &TypeSource) -> String {
    match s {
        TypeSource::SchemaFile(f) if f == "--schema" => "--schema".to_string(),
        other => other.describe(),
    }
}

fn human(tables: &[TableInfo], all_columns: bool) -> String {
    let mut out = String::new();
    for t in tables {
        let formats: Vec<String> = {
            let mut f: Vec<String> = Vec::new();
            for (_, format, gz, _) in &t.files {
                let name = format!("{}{}", format.name(), if *gz { ", gzip" } else { "" });
                if !f.contains(&name) {
                    f.push(name);
                }
            }
            f
        };
        let rows = match t.rows {
            Some(n) => format!("{n} rows"),
            None => "rows not counted (--count)".to_string(),
        };
        let files = match t.files.len() {
            0 => "no data file".to_string(),
            1 => format!("1 file ({})", formats.join("; ")),
            n => format!("{n} files ({})", formats.join("; ")),
        };
        out.push_str(&format!(
            "{}: {files}, {rows}, {} columns\n",
            t.name,
            t.columns.len()
        ));
        if t.files.len() > 1 || all_columns {
            for (path, _, _, size) in &t.files {
                out.push_str(&format!("  file {path} ({size} bytes)\n"));
            }
        }
        // Columns by where their types came from; those the data typed are listed.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (name, ty, source) in &t.columns {
            let key = source_name(source);
            let item = format!("{name}:{ty}");
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(item),
                None => groups.push((key, vec![item])),
            }
        }
        for (source, cols) in groups {
            let listed = all_columns
                || !(source == "built-in schema"
                    || source.starts_with("schema file")
                    || source == "--schema");
            if listed {
                out.push_str(&format!("  {source}: {}\n", cols.join(", ")));
            } else {
                out.push_str(&format!("  {source}: {} columns\n", cols.len()));
            }
        }
    }
    out
}

fn json(tables: &[TableInfo]) -> serde_json::Value {
    serde_json::Value::Array(
        tables
            .iter()
            .map(|t| {
                serde_json::json!({
                    "table": t.name,
                    "files": t.files.iter().map(|(p, f, gz, size)| serde_json::json!({
                        "path": p, "format": f.name(), "gzip": gz, "bytes": size
                    })).collect::<Vec<_>>(),
                    "rows": t.rows,
                    "columns": t.columns.iter().map(|(n, ty, s)| serde_json::json!({
                        "name": n, "type": ty.name(), "source": source_name(s)
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
