//! `kql diff OLD NEW --data DIR [--now T] [--key COL,...]`: run two versions of a
//! query on the same data and show the rows added, removed and changed.
//! `OLD` (or `NEW`) may be `git:REV:path` for a committed version (`git show REV:path`;
//! the path is relative to the repository root, or `./path` to the current folder).
//!
//! Exit codes follow diff(1): 0 the results are the same, 1 they differ, 2 trouble
//! (a query that fails, unreadable data, a bad argument, an internal error of kql).

use kql::validate::{diff, engine};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The old version: a query or rule file (`page.md#N` for one block of a page),
    /// or `git:REV:path`.
    pub old: String,
    /// The new version: as OLD.
    pub new: String,
    /// The folder of JSON tables both versions run on (as for `kql run`).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The clock for `now()` and `ago()` (ISO 8601); default: the current time.
    #[arg(long, value_name = "T")]
    pub now: Option<String>,
    /// Match rows by these columns, so that a row whose other cells differ is
    /// shown as changed; without it rows are only added or removed.
    #[arg(long, value_name = "COL,...", value_delimiter = ',')]
    pub key: Vec<String>,
    /// A schema file or folder; repeatable (as for `kql run`).
    #[arg(long, value_name = "FILE|DIR")]
    pub schema: Vec<PathBuf>,
    /// A folder of stored functions the queries call (as for `kql run`).
    #[arg(long, value_name = "DIR")]
    pub functions: Option<PathBuf>,
    /// An IP geolocation database for `geo_info_from_ip_address`: a MaxMind DB
    /// (GeoLite2-City `.mmdb`) or a `.csv` of network,country,state,city,latitude,longitude.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// Which copy of the Defender XDR tables the built-in schemas give (as for `kql run`).
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

pub fn main(args: Args) -> ExitCode {
    args.limits.apply();
    match run(&args) {
        Ok(same) => ExitCode::from(if same { 0 } else { 1 }),
        Err(msg) => {
            eprint!("kql diff: {msg}");
            if !msg.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let now = match &args.now {
        Some(t) => engine::parse_now(t)?,
        None => kql::value::now_ticks(),
    };
    let product = args.product.into();
    let mut schemas = Vec::new();
    for p in &args.schema {
        schemas.extend(engine::load_schemas(p, product).map_err(|e| e.render("", ""))?);
    }
    let mut catalog =
        engine::load_data_dir(&args.data, &schemas, product).map_err(|e| e.render("", ""))?;
    if let Some(dir) = &args.functions {
        kql::stored::add_dir(&mut catalog, dir).map_err(|e| e.render("", ""))?;
    }
    if let Some(path) = &args.geoip {
        catalog.set_geoip(kql::geoip::GeoIp::open(path).map_err(|e| e.render("", ""))?);
    }
    catalog.set_product(product.into());
    let mut results = Vec::new();
    for spec in [&args.old, &args.new] {
        let (doc, index) = super::source::open(spec)?;
        let item = &doc.items[index];
        // A rule runs as it is scheduled (its window ending at --now), as `kql run` does.
        let tables = kql::rules::run::run(item, &catalog, now)
            .map_err(|e| item.map.error(e).render(&doc.path, &doc.text))?
            .tables;
        let table = tables
            .into_iter()
            .next()
            .ok_or_else(|| format!("{spec} returns no result"))?;
        results.push(table);
    }
    let (old, new) = (&results[0], &results[1]);
    let d = diff::diff(old, new, &args.key)?;
    let text = diff::render(&d, old, new, &args.key, &args.old, &args.new);
    super::write_out(format_args!("{text}"))
        .map_err(|e| format!("cannot write the output: {e}"))?;
    Ok(d.is_empty())
}
