//! The `kql` command: parses arguments, calls the library, prints. Nothing else.
//!
//! Every command runs on a thread with a known, large stack (deep queries need it:
//! see `kql::guard`), and a panic, which is a bug in kql, is told as
//! "internal error: MESSAGE while running WHAT" and exits 3 (`kql diff`: 2, its one
//! trouble code) instead of a backtrace and exit 101.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kql",
    version,
    about = "Run KQL detections offline against local JSON tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse query files and report syntax errors.
    Parse(cli::parse::Args),
    /// Run a query against a folder of JSON tables.
    Run(cli::run::Args),
    /// Check query files against table schemas, without data.
    Check(cli::check::Args),
    /// Run the detection tests declared next to the queries.
    Test(cli::test::Args),
    /// Run two versions of a query on the same data and show what changed.
    Diff(cli::diff::Args),
    /// List the externaldata URLs of a query and the local files kql looks for.
    Externals(cli::externals::Args),
    /// List the tables of a data folder: files, formats, rows, columns and their types.
    Tables(cli::tables::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 2; --help and --version exit 0.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    kql::guard::quiet_panics();
    let (what, trouble) = cli.command.describe();
    let command = cli.command;
    let ran = kql::guard::catch(|| kql::guard::with_query_stack(|| command.run()));
    match ran {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: cannot start a thread to run {what}: {e}");
            ExitCode::from(trouble)
        }
        Err(msg) => {
            eprintln!("internal error: {msg} while running {what}");
            ExitCode::from(trouble)
        }
    }
}

impl Command {
    /// What the command works on, for a message about it, and its exit code for an
    /// internal error.
    fn describe(&self) -> (String, u8) {
        let list = |v: &[std::path::PathBuf]| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let query = |q: &str| {
            if q == "-" {
                "<stdin>".to_string()
            } else {
                q.to_string()
            }
        };
        match self {
            Command::Parse(a) => (a.files.join(", "), 3),
            Command::Run(a) => (query(&a.query), 3),
            Command::Check(a) => (list(&a.paths), 3),
            Command::Test(a) if a.paths.is_empty() => ("the tests under .".into(), 3),
            Command::Test(a) => (list(&a.paths), 3),
            Command::Diff(a) => (format!("{} and {}", a.old, a.new), 2),
            Command::Externals(a) => (query(&a.query), 3),
            Command::Tables(a) => (a.data.display().to_string(), 3),
        }
    }

    fn run(self) -> ExitCode {
        match self {
            Command::Parse(args) => cli::parse::main(args),
            Command::Run(args) => cli::run::main(args),
            Command::Check(args) => cli::check::main(args),
            Command::Test(args) => cli::test::main(args),
            Command::Diff(args) => cli::diff::main(args),
            Command::Tables(args) => cli::tables::main(args),
            Command::Externals(args) => cli::externals::main(args),
        }
    }
}
