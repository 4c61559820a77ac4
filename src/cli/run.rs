//! `kql run QUERY --data DIR [--now T] [--format F] [--schema FILE|DIR]... [--product P]`
//!
//! Exit codes: 0 success; 1 a query, data or file error; 2 a usage error.

use kql::io::{load_schemas, mentioned_in, open_dir_for, write_results, Format, Schema};
use kql::value::UNIX_EPOCH_TICKS;
use kql::{Catalog, Error};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The query file; `-` reads standard input.
    pub query: String,
    /// Folder of tables: `<Table>.json` (array of objects), `<Table>.jsonl` or
    /// `<Table>.ndjson` (one object per line), optional `<Table>.schema.json`.
    /// Required unless QUERY is `-`.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The query's clock, RFC 3339 (`2026-05-18T12:00:00Z`); default: the real time.
    #[arg(long, value_name = "T", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// A schema file (any form `kql check --schema` takes) or a folder of them; overrides
    /// the table's `.schema.json` and built-in schema. Repeatable.
    #[arg(long = "schema", value_name = "FILE|DIR")]
    pub schemas: Vec<PathBuf>,
    /// Which copy of the Defender XDR tables the built-in schemas give.
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Jsonl,
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// RFC 3339 → ticks since 0001-01-01 (UTC).
fn parse_now(s: &str) -> Result<i64, String> {
    let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|e| {
        format!("`{s}` is not an RFC 3339 time ({e}); write e.g. 2026-05-18T12:00:00Z")
    })?;
    Ok(unix_to_ticks(t.timestamp(), t.timestamp_subsec_nanos()))
}

fn unix_to_ticks(secs: i64, nanos: u32) -> i64 {
    UNIX_EPOCH_TICKS + secs * 10_000_000 + i64::from(nanos / 100)
}

pub fn main(args: Args) -> ExitCode {
    let stdin = args.query == "-";
    if !stdin && args.data.is_none() {
        eprintln!("error: `--data DIR` is required when QUERY is a file\n\nUsage: kql run QUERY --data DIR [--now T] [--format table|json|jsonl|csv] [--schema FILE|DIR]... [--product defender|sentinel]");
        return ExitCode::from(2);
    }
    let (file, source) = if stdin {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("error: cannot read standard input: {e}");
            return ExitCode::from(1);
        }
        ("<stdin>".to_string(), s)
    } else {
        match std::fs::read_to_string(&args.query) {
            Ok(s) => (args.query.clone(), s),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.query);
                return ExitCode::from(1);
            }
        }
    };
    let catalog = match load_catalog(&args, &source) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", e.render(&file, &source));
            return ExitCode::from(1);
        }
    };
    let now = args.now.unwrap_or_else(|| {
        let t = chrono::Utc::now();
        unix_to_ticks(t.timestamp(), t.timestamp_subsec_nanos())
    });
    let tables = match kql::run_query(&source, &catalog, now) {
        Ok(t) => t,
        Err(e) => {
            eprint!("{}", e.render(&file, &source));
            return ExitCode::from(1);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = write_results(&mut out, &tables, args.format.into()).and_then(|()| out.flush());
    // The process ends here: freeing millions of values one by one would only cost time.
    std::mem::forget(tables);
    std::mem::forget(catalog);
    match written {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`kql run ... | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the results: {e}");
            ExitCode::from(1)
        }
    }
}

fn load_catalog(args: &Args, query: &str) -> Result<Catalog, Error> {
    let product = args.product.into();
    let mut schemas: Vec<Schema> = Vec::new();
    for p in &args.schemas {
        schemas.extend(load_schemas(p, product)?);
    }
    match &args.data {
        Some(dir) => open_dir_for(dir, &schemas, &mentioned_in(query), product),
        None => {
            let mut c = Catalog::new();
            for s in schemas {
                c.add_table(s.name, kql::Table::new(s.columns, Vec::new()));
            }
            Ok(c)
        }
    }
}
