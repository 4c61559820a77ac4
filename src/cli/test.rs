//! `kql test [PATH...]`: run the detection tests in `*.kqltest.json` files
//! (folders searched recursively; no path means the current folder).
//!
//! Exit codes: 0 all tests pass; 1 a test fails or a test file is invalid;
//! 2 usage errors (a path that does not exist, no test file found).

use kql::validate::runner::{self, Outcome, Runner};
use kql::validate::{spec, walk};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Test files or folders to search for `*.kqltest.json` (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print only failures and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// A folder of stored functions the queries call (as for `kql run`).
    #[arg(long, value_name = "DIR")]
    pub functions: Option<PathBuf>,
    /// An IP geolocation database for `geo_info_from_ip_address`: a MaxMind DB
    /// (GeoLite2-City `.mmdb`) or a `.csv` of network,country,state,city,latitude,longitude.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// Which copy of the Defender XDR tables the built-in schemas give.
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

/// A line of the report could not be written (other than to a closed pipe).
static UNWRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints a line; a closed pipe (`kql test | head`) is not an error worth a panic, a
/// failed write (a full disk) is one (see [`super::out`]).
macro_rules! say {
    ($($t:tt)*) => {{
        // (After a failed write, the rest is not tried: one error said.)
        if !UNWRITTEN.load(std::sync::atomic::Ordering::Relaxed)
            && !super::out(format_args!("{}\n", format_args!($($t)*)))
        {
            UNWRITTEN.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }};
}

pub fn main(args: Args) -> ExitCode {
    args.limits.apply();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match walk::find_files(&paths, spec::SUFFIX) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kql test: {e}");
            return ExitCode::from(2);
        }
    };
    if files.is_empty() {
        eprintln!(
            "kql test: no test files (*{}) under {}",
            spec::SUFFIX,
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::from(2);
    }
    let runner = (|| {
        let mut r = Runner::for_product(args.product.into());
        if let Some(dir) = &args.functions {
            r = r.with_functions(dir)?;
        }
        if let Some(path) = &args.geoip {
            r = r.with_geoip(path)?;
        }
        Ok::<_, kql::Error>(r)
    })();
    let mut runner = match runner {
        Ok(r) => r,
        Err(e) => {
            eprint!("kql test: {}", e.render("", ""));
            return ExitCode::from(2);
        }
    };
    let report = runner.run_files(&files, |r| {
        let label = format!("{} :: {}", r.file, r.name);
        match &r.outcome {
            Outcome::Pass => {
                if !args.quiet {
                    say!("ok    {label}");
                }
            }
            Outcome::Fail(msgs) => {
                say!("FAIL  {label}");
                if let Some(l) = r.line {
                    say!("      --> {}:{l}", r.file);
                }
                if let Some(d) = &r.description {
                    say!("      ({d})");
                }
                for m in msgs {
                    for l in m.lines() {
                        say!("      {l}");
                    }
                }
            }
            Outcome::Error(m) => {
                say!("ERROR {label}");
                if let Some(l) = r.line {
                    say!("      --> {}:{l}", r.file);
                }
                for l in m.lines() {
                    say!("      {l}");
                }
            }
        }
    });
    for e in &report.file_errors {
        say!("ERROR {e}");
    }
    let failed = report.results.len() - report.passed();
    say!(
        "\n{} passed, {} failed{} ({} test file{})",
        report.passed(),
        failed,
        if report.file_errors.is_empty() {
            String::new()
        } else {
            format!(", {} invalid test file(s)", report.file_errors.len())
        },
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, runner::junit(&report)) {
            eprintln!("kql test: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if UNWRITTEN.load(std::sync::atomic::Ordering::Relaxed) {
        return ExitCode::from(2);
    }
    ExitCode::from(if report.ok() { 0 } else { 1 })
}
