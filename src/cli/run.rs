//! `kql run QUERY --data DIR [--now T] [--format F] [--schema FILE|DIR]... [--product P]`
//!
//! Exit codes: 0 success; 1 a query, data or file error; 2 a usage error; 3 an internal
//! error (a panic, caught in `main`).

use kql::io::{load_schemas, mentioned_in, open_dir_with, write_results_warned, Format, Schema};
use kql::rules;
use kql::{Catalog, Error};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The query file (`.kql`, `page.md#N`, a rule file); `-` reads standard input.
    pub query: String,
    /// Folder of tables: data files in any format kql reads (JSON arrays and lines,
    /// CSV/TSV and portal exports, Log Analytics, az CLI, advanced hunting, streaming
    /// API, data export and Kusto REST responses, each optionally `.gz`), named
    /// `<Table>.<ext>` or in `<Table>/` folders; optional `<Table>.schema.json`.
    /// Required unless QUERY is `-`.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The query's clock, a datetime (`2026-05-18T12:00:00Z`); default: the real time.
    #[arg(long, value_name = "T", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// A schema file (any form `kql check --schema` takes) or a folder of them; overrides
    /// the table's `.schema.json` and built-in schema. Repeatable.
    #[arg(long = "schema", value_name = "FILE|DIR")]
    pub schemas: Vec<PathBuf>,
    /// A folder of stored functions the query calls: `.kql` definitions, Sentinel
    /// parser `.yaml` files (ASIM), CustomFunctions `.json` signatures.
    #[arg(long, value_name = "DIR")]
    pub functions: Option<PathBuf>,
    /// An IP geolocation database for `geo_info_from_ip_address`: a MaxMind DB
    /// (GeoLite2-City `.mmdb`) or a `.csv` of network,country,state,city,latitude,longitude.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// Which copy of the Defender XDR tables the built-in schemas give.
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
    /// No progress bar while big files are read (there is none when standard error is
    /// not a terminal, or under CI, anyway).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub read: super::ReadArgs,
    #[command(flatten)]
    pub externals: super::ExternalArgs,
    #[command(flatten)]
    pub limits: super::LimitArgs,
    /// Sentinel watchlists for `_GetWatchlist('alias')`: a folder of `<alias>.csv` (or
    /// `.tsv`) files, each with an optional `<alias>.json` naming its `searchKey`.
    #[arg(long, value_name = "DIR")]
    pub watchlists: Option<PathBuf>,
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

fn parse_now(s: &str) -> Result<i64, String> {
    kql::value::parse_query_clock(s)
}

pub fn main(args: Args) -> ExitCode {
    super::show_progress(!args.quiet);
    args.limits.apply();
    let stdin = args.query == "-";
    if !stdin && args.data.is_none() {
        eprintln!("error: `--data DIR` is required when QUERY is a file\n\nUsage: kql run QUERY --data DIR [--now T] [--format table|json|jsonl|csv] [--schema FILE|DIR]... [--product defender|sentinel]");
        return ExitCode::from(2);
    }
    let (doc, index) = match super::source::open(&args.query) {
        Ok(d) => d,
        Err(msg) => {
            eprint!("error: {msg}");
            if !msg.ends_with('\n') {
                eprintln!();
            }
            return ExitCode::from(if msg.contains("name one") || msg.contains("no query") {
                2
            } else {
                1
            });
        }
    };
    let item = &doc.items[index];
    let render = |e: Error| item.map.error(e).render(&doc.path, &doc.text);
    let catalog = match load_catalog(&args, &item.query) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", render(e));
            return ExitCode::from(1);
        }
    };
    let now = args.now.unwrap_or_else(kql::value::now_ticks);
    let mut read = args.read.options();
    read.warnings = catalog.warnings().clone();
    let externals = args.externals.externals(read);
    let outcome = match rules::run::run_truncated(item, &catalog, now, Some(&externals)) {
        Ok(t) => t,
        Err(e) => {
            eprint!("{}", render(e));
            return ExitCode::from(1);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Warnings are data: with `--format json` a field of each result, else on stderr
    // after the results.
    let warnings = catalog.warnings().list();
    let format: Format = args.format.into();
    let in_json = format == Format::Json && item.rule.is_none();
    let written = match &item.rule {
        Some(rule) => super::alerts::write(&mut out, rule, &outcome, format),
        None => write_results_warned(
            &mut out,
            &outcome.tables,
            format,
            if in_json { &warnings } else { &[] },
            &outcome.truncated,
        ),
    }
    .and_then(|()| out.flush());
    if !in_json {
        super::print_warnings(&warnings);
    }
    // Kusto's partial query failure for a truncated result: always on stderr (a
    // `--format json` result also says it in its `truncated` field).
    for cut in outcome.truncated.iter().flatten() {
        eprintln!("warning: {}", cut.message());
    }
    // The process ends here: freeing millions of values one by one would only cost time.
    std::mem::forget(outcome);
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
    let functions = match &args.functions {
        Some(dir) => kql::stored::load_dir(dir)?,
        None => Vec::new(),
    };
    // Only the tables a query names are read; the functions it calls name tables too.
    let mut names = query.to_string();
    let builtins = kql::defender::builtins().iter().map(|f| &**f);
    for f in functions.iter().chain(builtins) {
        names.push('\n');
        names.push_str(&f.text);
    }
    let mut catalog = load_tables(args, &names)?;
    for f in functions {
        catalog.add_function(f);
    }
    if let Some(path) = &args.geoip {
        catalog.set_geoip(kql::geoip::GeoIp::open(path)?);
    }
    let product: kql::io::Product = args.product.into();
    catalog.set_product(product.into());
    Ok(catalog)
}

fn load_tables(args: &Args, query: &str) -> Result<Catalog, Error> {
    let product = args.product.into();
    let mut schemas: Vec<Schema> = Vec::new();
    for p in &args.schemas {
        schemas.extend(load_schemas(p, product)?);
    }
    let read = args.read.options();
    let mut catalog = match &args.data {
        Some(dir) => open_dir_with(dir, &schemas, &mentioned_in(query), product, &read)?,
        None => {
            let mut c = Catalog::new();
            for s in schemas {
                c.add_table(s.name, kql::Table::new(s.columns, Vec::new()));
            }
            c
        }
    };
    // Watchlists are always "given" to a run: a missing one names the flag.
    match &args.watchlists {
        Some(dir) => kql::io::watchlists::add_to_catalog(&mut catalog, dir, &read, product)?,
        None => catalog.set_watchlists(Default::default()),
    }
    Ok(catalog)
}
