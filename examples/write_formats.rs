//! Writes the sign-in tables of a data folder in every export format kql reads, for
//! the format benchmark (bench/formats.py):
//!
//!     cargo run --release --example write_formats -- DATA_DIR OUT_DIR [FORMAT...]
//!
//! DATA_DIR holds the tables as JSON lines with their built-in schemas (what
//! bench/gen_signins.py writes); OUT_DIR/<format>/ gets each format (and
//! OUT_DIR/<format>-gz/ the same gzip-compressed when FORMAT ends in `-gz`), written by
//! the same code as tests/formats_seed.rs.

#[path = "../tests/formats_write/mod.rs"]
mod formats_write;

use std::path::Path;

const TABLES: [&str; 2] = ["AADNonInteractiveUserSignInLogs", "EntraIdSignInEvents"];

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, picked @ ..] = args.as_slice() else {
        return Err("usage: write_formats DATA_DIR OUT_DIR [FORMAT...]".into());
    };
    let catalog = kql::io::load_dir(Path::new(data), &[]).map_err(|e| e.message)?;
    let mut tables = Vec::new();
    for name in TABLES {
        let source = catalog
            .source(name)
            .ok_or_else(|| format!("{data}: no table {name}"))?;
        let table = source.load().map_err(|e| e.message)?;
        tables.push((name.to_string(), (*table).clone()));
    }
    let formats: Vec<String> = if picked.is_empty() {
        formats_write::FORMATS
            .iter()
            .flat_map(|f| [f.to_string(), format!("{f}-gz")])
            .collect()
    } else {
        picked.to_vec()
    };
    for f in formats {
        let (format, gz) = match f.strip_suffix("-gz") {
            Some(base) => (base, true),
            None => (f.as_str(), false),
        };
        let dir = Path::new(out).join(&f);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        formats_write::write(format, &dir, &tables);
        if gz {
            formats_write::gzip_all(&dir);
        }
        eprintln!("wrote {}", dir.display());
    }
    Ok(())
}
